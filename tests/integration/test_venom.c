/*  test_venom.c: VENOM in the real daemon: `bittend --replay` over the recorded data (exit
 *  codes, determinism, valid signals, summary) and ticks over a socket turning into a signal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"
#include "modules/venom/venom_core.h"

#define OUT_MAX (4 * 1024 * 1024)

//  Runs `bittend --replay FILE [more]` and captures stdout; returns the exit code.
static int s_replay(const char *file, const char *more, char *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --replay %s %s 2>/dev/null", BITTEND_PATH, file, more);
    return bt_run(cmd, out, OUT_MAX, 60000);
}

//  The last line of out, parsed, as its "summary" object (new reference).
static json_t *s_summary(const char *out)
{
    size_t len = strlen(out);
    assert_true(len > 0 && out[len - 1] == '\n');
    const char *last = out;
    for (const char *p = out; p < out + len - 1; p++)
        if (*p == '\n')
            last = p + 1;
    json_error_t err;
    json_t *line = json_loadb(last, (size_t)(out + len - last), 0, &err);
    assert_non_null(line);
    json_t *summary = json_incref(json_object_get(line, "summary"));
    json_decref(line);
    assert_non_null(summary);
    return summary;
}

static double s_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

//  Every line but the last is a signal: stops on the right side, TP = round1(SL x ratio).
static int s_check_signals(const char *out)
{
    int n = 0;
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if (strncmp(p, "{\"summary\"", 10) == 0)
            break;
        json_error_t err;
        json_t *s = json_loadb(p, (size_t)(nl - p), 0, &err);
        assert_non_null(s);
        double entry = s_num(s, "entry"), sl = s_num(s, "sl_price"), tp = s_num(s, "tp_price");
        if (strcmp(s_str(s, "direction"), "BUY") == 0) {
            assert_true(sl < entry && entry < tp);
        } else {
            assert_string_equal(s_str(s, "direction"), "SELL");
            assert_true(tp < entry && entry < sl);
        }
        const char *cls = s_str(s, "class");
        double ratio = strcmp(cls, "RAPID_ASSAULT") == 0 ? 1.5 : 2.0;
        if (ratio == 2.0)
            assert_string_equal(cls, "PRECISION_STRIKE");
        assert_true(s_num(s, "tp_pips") == venom_round1(s_num(s, "sl_pips") * ratio));
        //  Every signal carries CITADEL's verdict.
        json_t *v = json_object_get(s, "verdict");
        assert_true(json_is_object(v));
        assert_true(json_is_boolean(json_object_get(v, "passed")));
        assert_true(json_is_array(json_object_get(v, "reasons")));
        assert_int_equal(json_array_size(json_object_get(v, "reasons")) == 0,
                         json_is_true(json_object_get(v, "passed")));
        assert_true(s_num(v, "score") >= 0 && s_num(v, "score") <= 10);
        assert_int_equal(strncmp(s_str(s, "signal_id"), "VENOM_", 6), 0);
        const char *outcome = s_str(s, "outcome");
        assert_true(strcmp(outcome, "WIN") == 0 || strcmp(outcome, "LOSS") == 0 ||
                    strcmp(outcome, "OPEN") == 0);
        json_decref(s);
        n++;
        p = nl + 1;
    }
    return n;
}

static void test_replay_of_m5_candles_is_deterministic_with_valid_signals(void **state)
{
    char *a = malloc(OUT_MAX), *b = malloc(OUT_MAX);
    const char *file = BITTEN_DATA_DIR "/candles_m5_2025-09.csv";
    assert_int_equal(s_replay(file, "--outcomes", a), 0);
    assert_int_equal(s_replay(file, "--outcomes", b), 0);
    assert_string_equal(a, b); /* byte-identical */
    int n = s_check_signals(a);
    assert_true(n >= 1);
    json_t *sum = s_summary(a);
    assert_int_equal(json_integer_value(json_object_get(sum, "signals")), n);
    assert_int_equal(json_integer_value(json_object_get(sum, "bad_lines")), 0);
    //  The backtest follows the signals CITADEL passed; the unshielded tally follows all.
    json_t *shield = json_object_get(sum, "citadel");
    int64_t passed = json_integer_value(json_object_get(shield, "passed"));
    assert_int_equal(passed + json_integer_value(json_object_get(shield, "blocked")), n);
    json_t *overall = json_object_get(json_object_get(sum, "outcomes"), "overall");
    assert_int_equal(json_integer_value(json_object_get(overall, "count")), passed);
    assert_int_equal(json_integer_value(json_object_get(overall, "wins")) +
                         json_integer_value(json_object_get(overall, "losses")) +
                         json_integer_value(json_object_get(overall, "open")),
                     passed);
    json_t *every = json_object_get(json_object_get(sum, "outcomes"), "all_signals_unshielded");
    assert_int_equal(json_integer_value(json_object_get(every, "count")), n);
    json_decref(sum);
    free(a);
    free(b);
}

static void test_replay_of_recorded_ea_ticks_runs_clean(void **state)
{
    char *out = malloc(OUT_MAX);
    assert_int_equal(s_replay(BITTEN_DATA_DIR "/ea_ticks_2025-09-15.jsonl", "", out), 0);
    json_t *sum = s_summary(out);
    assert_string_equal(json_string_value(json_object_get(sum, "format")), "jsonl");
    assert_int_equal(json_integer_value(json_object_get(sum, "ticks")), 1500);
    assert_int_equal(json_integer_value(json_object_get(sum, "bad_lines")), 0);
    assert_null(json_object_get(sum, "outcomes")); /* only with --outcomes */
    json_decref(sum);
    free(out);
}

static void test_replay_of_a_missing_file_exits_2(void **state)
{
    char *out = malloc(OUT_MAX);
    assert_int_equal(s_replay("/nonexistent/ticks.csv", "", out), 2);
    assert_string_equal(out, "");
    free(out);
}

/* ---------------------------------------------------------------- over the sockets */

#define TB 1757941200LL /* 2025-09-15 13:00 UTC, OVERLAP */

static void s_send_tick(void *fb, long long ts, double price)
{
    char frame[256];
    snprintf(frame, sizeof frame,
             "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":%.5f,\"ask\":%.5f,\"spread\":10,"
             "\"timestamp\":%lld}",
             price, price, ts);
    assert_int_equal(bt_send(fb, frame), 0);
}

/*  test_venom_engine.c's LIQUIDITY_SWEEP_REVERSAL, as ticks: 60 flat M5 bars (4 ticks in the
 *  first minute of each) with a swing high of 1.10100 ten bars back and a bullish last bar,
 *  then a minute that sweeps it to 1.10160 and closes back at 1.10040. Returns ticks sent. */
static int s_send_lsr_scenario(void *fb)
{
    const int closed = 60;
    int sent = 0;
    for (int i = 0; i < closed; i++) {
        long long b = TB - (long long)(closed - i) * 300;
        double o = 1.10000, h = 1.10020, l = 1.09980, c = 1.10000;
        if (i == closed - 10)
            h = 1.10100;
        if (i == closed - 1)
            c = 1.10010;
        double px[4] = {o, c >= o ? l : h, c >= o ? h : l, c};
        for (int k = 0; k < 4; k++, sent++)
            s_send_tick(fb, b + k * 10, px[k]);
    }
    const long long ts[4] = {TB, TB + 20, TB + 40, TB + 60};
    const double px[4] = {1.10060, 1.10160, 1.10040, 1.10040};
    for (int k = 0; k < 4; k++, sent++)
        s_send_tick(fb, ts[k], px[k]);
    return sent;
}

static void test_ticks_over_the_socket_produce_a_signal_event_and_status(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *events = bt_events_socket(&d);
    void *fb = bt_feedback_socket(&d, true);
    assert_int_equal(
        bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, "venom.signals", 1, 3000), 1);

    char buf[4096];
    json_t *sig = NULL;
    while (!sig && bt_recv(events, buf, sizeof buf, 3000) > 0)
        if (strncmp(buf, "signal ", 7) == 0) {
            json_error_t err;
            sig = json_loads(buf + 7, 0, &err);
        }
    assert_non_null(sig);
    assert_string_equal(s_str(sig, "signal_id"), "VENOM_EURUSD_1757941260");
    assert_string_equal(s_str(sig, "symbol"), "EURUSD");
    assert_string_equal(s_str(sig, "pattern"), "LIQUIDITY_SWEEP_REVERSAL");
    assert_string_equal(s_str(sig, "direction"), "SELL");
    assert_string_equal(s_str(sig, "class"), "PRECISION_STRIKE");
    assert_true(s_num(sig, "confidence") == 90.0);
    assert_true(s_num(sig, "entry") == 1.1004);
    assert_true(s_num(sig, "sl_pips") == 20.0 && s_num(sig, "tp_pips") == 40.0);
    assert_string_equal(s_str(sig, "session"), "OVERLAP");
    assert_string_equal(s_str(sig, "created_at"), "2025-09-15T13:01:00.000Z");
    assert_string_equal(s_str(sig, "expires_at"), "2025-09-15T13:02:00.000Z");
    json_decref(sig);
    assert_true(bt_log_contains(&d,
                                "INFO venom signal.created signal_id=VENOM_EURUSD_1757941260 "
                                "symbol=EURUSD direction=SELL pattern=LIQUIDITY_SWEEP_REVERSAL "
                                "confidence=90.0",
                                2000));

    //  A tick older than EURUSD's current minute is dropped, counted and logged.
    s_send_tick(fb, TB + 59, 1.10040);
    assert_int_equal(bt_wait_status(&d, "venom.drops.TICK_OUT_OF_ORDER", 1, 3000), 1);
    assert_true(bt_log_contains(&d,
                                "INFO venom tick.dropped reason=TICK_OUT_OF_ORDER "
                                "symbol=EURUSD",
                                2000));
    //  CITADEL judged it: a verdict event, a log line, and the status counters.
    json_t *verdict = NULL;
    while (!verdict && bt_recv(events, buf, sizeof buf, 3000) > 0)
        if (strncmp(buf, "verdict ", 8) == 0) {
            json_error_t err;
            verdict = json_loads(buf + 8, 0, &err);
        }
    assert_non_null(verdict);
    assert_string_equal(s_str(verdict, "signal_id"), "VENOM_EURUSD_1757941260");
    assert_true(json_is_true(json_object_get(verdict, "passed")));
    assert_int_equal(json_array_size(json_object_get(verdict, "reasons")), 0);
    assert_true(s_num(verdict, "threshold") == 70.0);
    json_decref(verdict);
    assert_true(bt_log_contains(&d, "citadel verdict.passed signal_id=VENOM_EURUSD_1757941260", 2000));
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "citadel.evaluated"), 1);
    assert_int_equal(bt_json_int(st, "citadel.passed"), 1);
    assert_int_equal(bt_json_int(st, "venom.signals"), 1);
    assert_int_equal(bt_json_int(st, "venom.drops.UNKNOWN_SYMBOL"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "venom"), "last_signal_id")),
        "VENOM_EURUSD_1757941260");
    json_decref(st);
    zmq_close(fb);
    zmq_close(events);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  The same signal against a stricter shield is blocked, with its reason; the threshold
//  state survives a restart (the pass-free clock keeps its anchor).
static void test_a_signal_below_the_threshold_is_blocked_with_its_reason(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "citadel.threshold_base=95",
                          NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *events = bt_events_socket(&d);
    void *fb = bt_feedback_socket(&d, true);
    assert_int_equal(
        bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, "citadel.evaluated", 1, 3000), 1);
    char buf[4096];
    json_t *verdict = NULL;
    while (!verdict && bt_recv(events, buf, sizeof buf, 3000) > 0)
        if (strncmp(buf, "verdict ", 8) == 0) {
            json_error_t err;
            verdict = json_loads(buf + 8, 0, &err);
        }
    assert_non_null(verdict);
    assert_false(json_is_true(json_object_get(verdict, "passed")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(verdict, "reasons"), 0)),
                        "CONFIDENCE_BELOW_THRESHOLD");
    json_decref(verdict);
    assert_true(bt_log_contains(&d, "reason=CONFIDENCE_BELOW_THRESHOLD", 2000));
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "citadel.blocked.CONFIDENCE_BELOW_THRESHOLD"), 1);
    json_decref(st);
    zmq_close(fb);
    zmq_close(events);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    assert_int_equal(bt_daemon_restart(&d), 0);
    assert_true(bt_log_contains(&d, "citadel ready threshold_restored=yes", 2000));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  An auto account and a signal whose market time is far from the wall clock (recorded ticks
//  from 2025): the fire is refused CLOCK_SKEW, journaled with its reason, nothing is sent.
static void test_an_auto_fire_on_skewed_market_time_is_refused(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    const char *zpl = "accounts\n    a\n        uuid = \"auto_ea\"\n        tier = \"FANG\"\n"
                      "        mode = \"auto\"\n";
    assert_int_equal(bt_daemon_start(&d, zpl, args), 0);
    void *fb = bt_feedback_socket(&d, true);
    assert_int_equal(
        bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, "citadel.passed", 1, 3000), 1);
    assert_int_equal(bt_wait_status(&d, "fires.refused.CLOCK_SKEW", 1, 3000), 1);
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fires\",\"uuid\":\"auto_ea\"}");
    json_t *f = json_array_get(json_object_get(r, "fires"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "signal_id")), "VENOM_EURUSD_1757941260");
    assert_string_equal(json_string_value(json_object_get(f, "reason")), "CLOCK_SKEW");
    json_decref(r);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 0);
    json_decref(st);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  The cooldown and the day cap live in the store (kv), written with each signal: after a
//  kill -9 and a restart the same signal fed again is rate-blocked, not emitted twice.
static void s_signal_kill_restart_blocked(const char *const *args, const char *blocked)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    assert_true(bt_log_contains(&d, "venom rate.restored symbols=0 day=-1 day_count=0", 2000));
    void *fb = bt_feedback_socket(&d, true);
    assert_int_equal(
        bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, "venom.signals", 1, 3000), 1);
    zmq_close(fb);

    assert_int_equal(bt_daemon_restart(&d), 0); /* SIGKILL, then start on the same state dir */
    assert_true(bt_log_contains(&d, "venom rate.restored symbols=1 day=20346 day_count=1", 2000));
    fb = bt_feedback_socket(&d, true);
    assert_int_equal(
        bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, blocked, 1, 3000), 1);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "venom.detections"), 1);
    assert_int_equal(bt_json_int(st, "venom.signals"), 0);
    assert_int_equal(bt_json_int(st, "citadel.evaluated"), 0);
    json_decref(st);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_the_cooldown_survives_a_kill_and_restart(void **state)
{
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    s_signal_kill_restart_blocked(args, "venom.rate_blocked.COOLDOWN");
}

static void test_the_daily_cap_survives_a_kill_and_restart(void **state)
{
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "venom.cooldown_s=0",
                          "--set", "venom.max_per_day=1", NULL};
    s_signal_kill_restart_blocked(args, "venom.rate_blocked.DAILY_CAP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_of_m5_candles_is_deterministic_with_valid_signals),
        cmocka_unit_test(test_replay_of_recorded_ea_ticks_runs_clean),
        cmocka_unit_test(test_replay_of_a_missing_file_exits_2),
        cmocka_unit_test(test_ticks_over_the_socket_produce_a_signal_event_and_status),
        cmocka_unit_test(test_a_signal_below_the_threshold_is_blocked_with_its_reason),
        cmocka_unit_test(test_an_auto_fire_on_skewed_market_time_is_refused),
        cmocka_unit_test(test_the_cooldown_survives_a_kill_and_restart),
        cmocka_unit_test(test_the_daily_cap_survives_a_kill_and_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
