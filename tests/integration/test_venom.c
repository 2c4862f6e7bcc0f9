/*  test_venom.c: VENOM in the real daemon: `bittend --replay` over the recorded data (exit
 *  codes, determinism, valid signals, summary) and ticks over a socket turning into a signal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
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
                    strcmp(outcome, "TIMEOUT") == 0 || strcmp(outcome, "OPEN") == 0);
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
                         json_integer_value(json_object_get(overall, "timeouts")) +
                         json_integer_value(json_object_get(overall, "open")),
                     passed);
    json_t *every = json_object_get(json_object_get(sum, "outcomes"), "all_signals_unshielded");
    assert_int_equal(json_integer_value(json_object_get(every, "count")), n);
    json_decref(sum);
    free(a);
    free(b);
}

//  issue 15: `--report json` on the shared data: the cost model on, intervals per pattern,
//  byte-identical runs; `--report table` alike.
static void test_replay_report_json_is_deterministic_with_intervals(void **state)
{
    char *a = malloc(OUT_MAX), *b = malloc(OUT_MAX);
    const char *file = BITTEN_DATA_DIR "/candles_m5_2025-09.csv";
    assert_int_equal(s_replay(file, "--outcomes --report json", a), 0);
    assert_int_equal(s_replay(file, "--outcomes --report json", b), 0);
    assert_string_equal(a, b);
    json_t *sum = s_summary(a); /* the only line */
    assert_ptr_equal(strchr(a, '\n'), a + strlen(a) - 1); /* one line: the summary */
    json_t *o = json_object_get(sum, "outcomes");
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "cost_model"), "entry")),
                        "ask for BUY, bid for SELL, on the quote that made the signal");
    json_t *fvg = json_object_get(json_object_get(json_object_get(o, "after_citadel"), "pattern"),
                                  "FAIR_VALUE_GAP_FILL");
    assert_true(json_is_array(json_object_get(fvg, "win_rate_95")));
    assert_true(json_is_array(json_object_get(fvg, "expectancy_r_95")));
    assert_true(json_is_integer(json_object_get(fvg, "trades_for_0_1r_edge")));
    assert_true(json_is_object(json_object_get(o, "path_bias")));
    json_decref(sum);
    assert_int_equal(s_replay(file, "--report table", a), 0);
    assert_int_equal(s_replay(file, "--report table", b), 0);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "pattern FAIR_VALUE_GAP_FILL"));
    assert_int_equal(s_replay(file, "--report yaml", a), 2);
    //  The demo's evidence seed (config/demo.cfg) is this build's report of these bars.
    assert_int_equal(s_replay(file, "--report json", a), 0);
    FILE *f = fopen(BITTEN_SOURCE_DIR "/config/demo_evidence_seed.json", "rb");
    assert_non_null(f);
    size_t n = fread(b, 1, OUT_MAX - 1, f);
    fclose(f);
    b[n] = '\0';
    if (strcmp(a, b) != 0)
        fail_msg("config/demo_evidence_seed.json is out of date: regenerate it with\n"
                 "  build/bittend --replay ../shared/data/candles_m5_2025-09.csv --report json "
                 "> config/demo_evidence_seed.json\n(and check the figures in config/demo.cfg)");
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

#define TB BT_LSR_TB

static void s_send_tick(void *fb, long long ts, double price)
{
    assert_int_equal(bt_send_tick(fb, ts, price), 0);
}

static int s_send_lsr_scenario(void *fb)
{
    return bt_send_lsr_scenario(fb);
}

//  The next event of topic on the events socket (within 3 s per frame), parsed; NULL when
//  none came. New reference.
static json_t *s_next_event(void *events, const char *topic)
{
    char buf[4096];
    size_t len = strlen(topic);
    while (bt_recv(events, buf, sizeof buf, BT_WAIT_MS) > 0)
        if (strncmp(buf, topic, len) == 0 && buf[len] == ' ') {
            json_error_t err;
            return json_loads(buf + len + 1, 0, &err);
        }
    return NULL;
}

static void test_ticks_over_the_socket_produce_a_signal_event_and_status(void **state)
{
    bt_daemon_t d;
    //  No evidence gate: this test is about the pipeline (the gate has its own tests below).
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "citadel.evidence_gate=0",
                          NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *events = bt_events_socket(&d);
    void *fb = bt_feedback_socket(&d, true);
    assert_int_equal(
        bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, "venom.signals", 1, 3000), 1);

    json_t *sig = NULL;
    sig = s_next_event(events, "signal");
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
    verdict = s_next_event(events, "verdict");
    assert_non_null(verdict);
    assert_string_equal(s_str(verdict, "signal_id"), "VENOM_EURUSD_1757941260");
    assert_true(json_is_true(json_object_get(verdict, "passed")));
    assert_int_equal(json_array_size(json_object_get(verdict, "reasons")), 0);
    assert_true(s_num(verdict, "threshold") == 70.0);
    json_decref(verdict);
    assert_true(bt_log_contains(&d, "citadel verdict.passed signal_id=VENOM_EURUSD_1757941260", 2000));
    //  The signal is followed on the live ticks (issue 15 item 5): a SELL filled at the bid
    //  1.10040 with its TP 40 pips below; a tick whose ask reaches it is a WIN of +2 R.
    s_send_tick(fb, TB + 120, 1.09600);
    json_t *outcome = NULL;
    outcome = s_next_event(events, "signal.outcome");
    assert_non_null(outcome);
    assert_string_equal(s_str(outcome, "signal_id"), "VENOM_EURUSD_1757941260");
    assert_string_equal(s_str(outcome, "outcome"), "WIN");
    assert_true(s_num(outcome, "r") == 2.0);
    assert_true(s_num(outcome, "fill") == 1.1004);
    json_decref(outcome);
    assert_true(bt_log_contains(&d,
                                "INFO venom signal.outcome signal_id=VENOM_EURUSD_1757941260 "
                                "outcome=WIN r=2.0000",
                                2000));
    json_t *stats = bt_ctl(&d, "{\"cmd\":\"signals\",\"stats\":true}");
    assert_non_null(stats);
    assert_int_equal(bt_json_int(stats, "stats.pattern.LIQUIDITY_SWEEP_REVERSAL.wins"), 1);
    assert_int_equal(bt_json_int(stats, "stats.overall.closed"), 1);
    assert_int_equal(bt_json_int(stats, "stats.open_now"), 0);
    json_decref(stats);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "venom.outcomes.decided"), 1);
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
    //  The record is stored: a restart keeps it.
    assert_int_equal(bt_daemon_restart(&d), 0);
    stats = bt_ctl(&d, "{\"cmd\":\"signals\",\"stats\":true}");
    assert_int_equal(bt_json_int(stats, "stats.pattern.LIQUIDITY_SWEEP_REVERSAL.wins"), 1);
    json_decref(stats);
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
    json_t *verdict = NULL;
    verdict = s_next_event(events, "verdict");
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
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "citadel.evidence_gate=0",
                          NULL};
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

/* ---------------------------------------------------------------- the evidence gate */

//  A seed in the form of `bittenctl signals --stats` (and of a report's per-pattern object):
//  LIQUIDITY_SWEEP_REVERSAL at -0.6 R over 40 closed trades, lower 95% bound about -0.89 R.
static const char s_negative_seed[] =
    "{\"pattern\":{\"LIQUIDITY_SWEEP_REVERSAL\":{\"count\":40,\"closed\":40,\"wins\":4,"
    "\"losses\":36,\"timeouts\":0,\"open\":0,\"expectancy_r\":-0.6,\"sd_r\":0.9,"
    "\"avg_rr\":2.0}}}\n";

static void s_write_seed(char *path, size_t size, const char *text)
{
    snprintf(path, size, "/tmp/bitten_seed_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

//  The LSR scenario over the real daemon with args; the verdict event (new reference).
static json_t *s_lsr_verdict(bt_daemon_t *d, const char *const *args)
{
    assert_int_equal(bt_daemon_start(d, NULL, args), 0);
    void *events = bt_events_socket(d);
    void *fb = bt_feedback_socket(d, true);
    assert_int_equal(
        bt_send_until_counted(d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(d, "citadel.evaluated", 1, 3000), 1);
    json_t *verdict = NULL;
    verdict = s_next_event(events, "verdict");
    assert_non_null(verdict);
    zmq_close(fb);
    zmq_close(events);
    return verdict;
}

static const char *s_reason0(json_t *verdict)
{
    return json_string_value(json_array_get(json_object_get(verdict, "reasons"), 0));
}

//  The same signal that passes the shield (test above) is blocked NEGATIVE_EXPECTANCY when its
//  pattern's seeded record loses, with its own reason, log line and counter; nothing fires.
static void test_a_negative_seeded_record_blocks_the_pattern(void **state)
{
    char seed[64], set[128];
    s_write_seed(seed, sizeof seed, s_negative_seed);
    snprintf(set, sizeof set, "citadel.evidence_seed_file=%s", seed);
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", set, NULL};
    json_t *verdict = s_lsr_verdict(&d, args);
    assert_false(json_is_true(json_object_get(verdict, "passed")));
    assert_int_equal(json_array_size(json_object_get(verdict, "reasons")), 1); /* the only one */
    assert_string_equal(s_reason0(verdict), "NEGATIVE_EXPECTANCY");
    json_t *ev = json_object_get(verdict, "evidence");
    assert_string_equal(s_str(ev, "gate"), "NEGATIVE_EXPECTANCY");
    assert_int_equal(json_integer_value(json_object_get(ev, "closed")), 40);
    assert_true(s_num(ev, "expectancy_r") == -0.6);
    assert_true(s_num(ev, "lower_95_r") < -0.8 && s_num(ev, "lower_95_r") > -0.95);
    json_decref(verdict);
    assert_true(bt_log_contains(&d,
                                "citadel evidence.seeded pattern=LIQUIDITY_SWEEP_REVERSAL "
                                "closed=40 expectancy_r=-0.6000",
                                2000));
    assert_true(bt_log_contains(&d,
                                "reason=NEGATIVE_EXPECTANCY pattern=LIQUIDITY_SWEEP_REVERSAL "
                                "evidence=NEGATIVE_EXPECTANCY evidence_closed=40",
                                2000));
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "citadel.blocked.NEGATIVE_EXPECTANCY"), 1);
    assert_int_equal(bt_json_int(st, "citadel.passed"), 0);
    json_decref(st);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);

    //  Relaxed: a floor of -10 R and no minimum sample let the same record through.
    const char *relaxed[] = {"--set", "feedback.socket=pull", "--set", set,
                             "--set", "citadel.evidence_min_lower_r=-10",
                             "--set", "citadel.evidence_min_trades=0", NULL};
    verdict = s_lsr_verdict(&d, relaxed);
    assert_true(json_is_true(json_object_get(verdict, "passed")));
    assert_string_equal(s_str(json_object_get(verdict, "evidence"), "gate"), "OK");
    json_decref(verdict);
    assert_true(bt_log_contains(&d, "citadel verdict.passed signal_id=VENOM_EURUSD_1757941260", 2000));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);

    //  And with the gate off the verdict is the shield's alone.
    const char *off[] = {"--set", "feedback.socket=pull", "--set", set,
                         "--set", "citadel.evidence_gate=0", NULL};
    verdict = s_lsr_verdict(&d, off);
    assert_true(json_is_true(json_object_get(verdict, "passed")));
    json_decref(verdict);
    assert_true(bt_log_contains(&d, "evidence=off", 2000));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
    unlink(seed);
}

//  No seed and no live record: the default gate blocks EVIDENCE_INSUFFICIENT (fail closed:
//  a pattern nobody measured does not auto-fire).
static void test_without_a_record_the_default_gate_blocks_evidence_insufficient(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    json_t *verdict = s_lsr_verdict(&d, args);
    assert_false(json_is_true(json_object_get(verdict, "passed")));
    assert_string_equal(s_reason0(verdict), "EVIDENCE_INSUFFICIENT");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(verdict, "evidence"),
                                                        "closed")),
                     0);
    json_decref(verdict);
    assert_true(bt_log_contains(&d, "citadel ready threshold_restored=no evidence_gate=on seeded=no",
                                2000));
    assert_true(bt_log_contains(&d, "reason=EVIDENCE_INSUFFICIENT", 2000));
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "citadel.blocked.EVIDENCE_INSUFFICIENT"), 1);
    json_decref(st);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  A seed file that cannot be used stops the start (exit 2, the key and the reason named).
static void test_a_bad_seed_file_refuses_to_start(void **state)
{
    static const char *const bad[] = {
        "not json\n",
        "{\"pattern\":{\"NO_SUCH_PATTERN\":{\"closed\":0,\"wins\":0,\"losses\":0,\"timeouts\":0}}}",
        ("{\"pattern\":{\"BB_SCALP\":{\"closed\":3,\"wins\":1,\"losses\":1,\"timeouts\":0,"
         "\"expectancy_r\":0.1,\"sd_r\":1,\"avg_rr\":1.5}}}"),
        "{\"other\":1}",
    };
    static const char *const needle[] = {"not JSON", "unknown pattern: NO_SUCH_PATTERN",
                                         "closed != wins + losses + timeouts",
                                         "no per-pattern record"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char seed[64], set[128];
        s_write_seed(seed, sizeof seed, bad[i]);
        snprintf(set, sizeof set, "citadel.evidence_seed_file=%s", seed);
        const char *args[] = {"--set", set, NULL};
        bt_daemon_t d;
        assert_int_equal(bt_daemon_run_to_exit(&d, NULL, args, 10000), 2);
        assert_true(bt_log_contains(&d, "citadel.evidence_seed_file", 100));
        if (!bt_log_contains(&d, needle[i], 100))
            fail_msg("seed %zu: no '%s' in the refusal", i, needle[i]);
        bt_daemon_cleanup(&d);
        unlink(seed);
    }
    const char *missing[] = {"--set", "citadel.evidence_seed_file=/nonexistent/seed.json", NULL};
    bt_daemon_t d;
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, missing, 10000), 2);
    assert_true(bt_log_contains(&d, "cannot open it", 100));
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- real fills */

#define FILL_UUID "fill_ea"

//  A fire of a VENOM signal filled by the EA: its price beside the shadow entry (the signal
//  tick's bid for this SELL) is the slippage, recorded per pattern in the live record. A fill
//  of a signal VENOM did not follow is counted apart.
static void test_a_real_fill_is_recorded_beside_the_shadow_entry(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "ea.ping_interval_s=0",
                          "--set", "command.keepalive_s=100", "--set", "risk.fire_spacing_s=0",
                          NULL};
    const char *zpl = "accounts\n    a\n        uuid = \"" FILL_UUID "\"\n        tier = \"FANG\"\n"
                      "        mode = \"manual\"\n"
                      "command\n    account = \"" FILL_UUID "\"\n";
    assert_int_equal(bt_daemon_start(&d, zpl, args), 0);
    void *fb = bt_feedback_socket(&d, true);
    void *cmd = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    bt_send(fb, "{\"type\":\"telemetry\",\"uuid\":\"" FILL_UUID "\",\"account\":{\"balance\":10000,"
                "\"equity\":10000,\"margin\":100,\"free_margin\":9900,\"margin_level\":10000}}");
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 3000), 1);
    int sent = s_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(&d, "venom.signals", 1, 3000), 1);
    const char *fires[2] = {"VENOM_EURUSD_1757941260", "not_a_venom_signal"};
    for (int i = 0; i < 2; i++) {
        char req[512], buf[4096], result[512];
        snprintf(req, sizeof req,
                 "{\"cmd\":\"fire\",\"uuid\":\"" FILL_UUID "\",\"symbol\":\"EURUSD\","
                 "\"action\":\"sell\",\"sl_pips\":20,\"tp_pips\":40,\"signal_id\":\"%s\"}",
                 fires[i]);
        json_t *r = bt_ctl(&d, req);
        assert_non_null(r);
        if (strcmp(s_str(r, "state"), "SENT") != 0)
            fail_msg("fire %s: %s", fires[i], json_dumps(r, 0));
        json_decref(r);
        assert_true(bt_recv(cmd, buf, sizeof buf, 3000) > 0);
        assert_non_null(strstr(buf, fires[i]));
        //  Filled 1.5 pips below the shadow entry 1.10040: adverse for a SELL.
        snprintf(result, sizeof result,
                 "{\"type\":\"trade_result\",\"signal_id\":\"%s\",\"status\":\"success\","
                 "\"uuid\":\"" FILL_UUID "\",\"ticket\":%d,\"price\":1.10025}",
                 fires[i], 1000 + i);
        bt_send(fb, result);
        assert_int_equal(bt_wait_status(&d, "fires.transitions.FILLED", i + 1, 3000), i + 1);
    }
    assert_true(bt_log_contains(&d,
                                "INFO venom signal.fill signal_id=VENOM_EURUSD_1757941260 "
                                "uuid=" FILL_UUID " pattern=LIQUIDITY_SWEEP_REVERSAL "
                                "shadow_entry=1.1004 fill=1.10025 slippage_pips=1.50 "
                                "slippage_r=0.0750",
                                2000));
    json_t *stats = bt_ctl(&d, "{\"cmd\":\"signals\",\"stats\":true}");
    assert_non_null(stats);
    assert_int_equal(bt_json_int(stats, "stats.fills.LIQUIDITY_SWEEP_REVERSAL.n"), 1);
    json_t *lsr = json_object_get(json_object_get(json_object_get(stats, "stats"), "fills"),
                                  "LIQUIDITY_SWEEP_REVERSAL");
    assert_true(fabs(s_num(lsr, "slippage_pips_mean") - 1.5) < 1e-9);
    assert_int_equal(bt_json_int(stats, "stats.fills_unmatched"), 1);
    json_decref(stats);
    zmq_close(cmd);
    zmq_close(fb);
    //  Stored with the record: a restart keeps it.
    assert_int_equal(bt_daemon_restart(&d), 0);
    stats = bt_ctl(&d, "{\"cmd\":\"signals\",\"stats\":true}");
    assert_int_equal(bt_json_int(stats, "stats.fills.LIQUIDITY_SWEEP_REVERSAL.n"), 1);
    json_decref(stats);
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
        cmocka_unit_test(test_replay_report_json_is_deterministic_with_intervals),
        cmocka_unit_test(test_replay_of_recorded_ea_ticks_runs_clean),
        cmocka_unit_test(test_replay_of_a_missing_file_exits_2),
        cmocka_unit_test(test_ticks_over_the_socket_produce_a_signal_event_and_status),
        cmocka_unit_test(test_a_signal_below_the_threshold_is_blocked_with_its_reason),
        cmocka_unit_test(test_an_auto_fire_on_skewed_market_time_is_refused),
        cmocka_unit_test(test_a_negative_seeded_record_blocks_the_pattern),
        cmocka_unit_test(test_without_a_record_the_default_gate_blocks_evidence_insufficient),
        cmocka_unit_test(test_a_bad_seed_file_refuses_to_start),
        cmocka_unit_test(test_a_real_fill_is_recorded_beside_the_shadow_entry),
        cmocka_unit_test(test_the_cooldown_survives_a_kill_and_restart),
        cmocka_unit_test(test_the_daily_cap_survives_a_kill_and_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
