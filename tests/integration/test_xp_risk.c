/*  test_xp_risk.c: XP & risk over real sockets: the daily loss cap, a fire from SENT to CLOSED
 *  paying XP once, stale telemetry, a drawdown hard halt with close_all across a restart, a margin
 *  halt that lifts itself, and XP and peak equity kept by a restart. */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define UUID "acct_xr_1"
#define ACCOUNTS                                                                                   \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"NIBBLER\"\n"                \
    "        mode = \"manual\"\n" \
    "command\n    account = \"" UUID "\"\n"
#define FIRE_BUY(id)                                                                               \
    "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":\"buy\","            \
    "\"sl_pips\":20,\"tp_pips\":40,\"signal_id\":\"" id "\"}"

typedef struct {
    bt_daemon_t d;
    void *fb;  /* feedback PUSH (feedback.socket = pull: nothing lost, in order) */
    void *cmd; /* the EA's command PULL */
} s_env_t;

static void s_connect(s_env_t *e)
{
    e->fb = bt_feedback_socket(&e->d, true);
    e->cmd = bt_command_socket(&e->d);
    assert_int_equal(bt_wait_status(&e->d, "command.peers", 1, 3000), 1);
}

static void s_start(s_env_t *e, const char *const *more_args)
{
    const char *args[24] = {"--set", "feedback.socket=pull",   "--set", "ea.ping_interval_s=0",
                            "--set", "command.keepalive_s=100"};
    int n = 6;
    for (int i = 0; more_args && more_args[i]; i++)
        args[n++] = more_args[i];
    args[n] = NULL;
    assert_int_equal(bt_daemon_start(&e->d, ACCOUNTS, args), 0);
    s_connect(e);
}

static void s_close_sockets(s_env_t *e)
{
    zmq_close(e->cmd);
    zmq_close(e->fb);
}

static void s_stop(s_env_t *e)
{
    s_close_sockets(e);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
}

static json_t *s_ctl(s_env_t *e, const char *request)
{
    json_t *r = bt_ctl(&e->d, request);
    assert_non_null(r);
    return r;
}

static json_t *s_account(s_env_t *e)
{
    json_t *r = s_ctl(e, "{\"cmd\":\"accounts_risk\"}");
    json_t *found = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r, "accounts"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), UUID) == 0)
            found = json_incref(a);
    }
    json_decref(r);
    return found;
}

//  Sends telemetry and waits until the daemon has handled it.
static void s_telemetry(s_env_t *e, double balance, double equity, double margin,
                        double margin_level)
{
    char frame[512];
    snprintf(frame, sizeof frame,
             "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":%.2f,"
             "\"equity\":%.2f,\"margin\":%.2f,\"free_margin\":%.2f,\"margin_level\":%.2f}}",
             balance, equity, margin, equity - margin, margin_level);
    json_t *st = bt_status(&e->d);
    int64_t before = bt_json_int(st, "frames_in.telemetry");
    json_decref(st);
    assert_int_equal(bt_send(e->fb, frame), 0);
    //  The count and the bus handlers move in the same loop turn: counted means applied.
    assert_int_equal(bt_wait_status(&e->d, "frames_in.telemetry", before + 1, 3000), before + 1);
}

static void s_healthy(s_env_t *e, double equity)
{
    s_telemetry(e, 10000, equity, 0, 0);
}

static void s_expect(json_t *reply, const char *state, const char *reason)
{
    const char *got_state = json_string_value(json_object_get(reply, "state"));
    const char *got_reason = json_string_value(json_object_get(reply, "reason"));
    if (!got_state || strcmp(got_state, state) != 0 ||
        (reason && (!got_reason || strcmp(got_reason, reason) != 0)) || (!reason && got_reason)) {
        char *text = json_dumps(reply, 0);
        fprintf(stderr, "expected state=%s reason=%s, got %s\n", state, reason ? reason : "-",
                text);
        free(text);
        fail();
    }
    json_decref(reply);
}

static int s_count_frames(void *cmd, const char *needle, int ms)
{
    char buf[2048];
    int n = 0;
    while (bt_recv(cmd, buf, sizeof buf, ms) > 0)
        if (strstr(buf, needle))
            n++;
    return n;
}

static int64_t s_xp(s_env_t *e)
{
    json_t *r = s_ctl(e, "{\"cmd\":\"xp\",\"uuid\":\"" UUID "\"}");
    int64_t xp = bt_json_int(r, "xp");
    json_decref(r);
    return xp;
}

static int64_t s_wait_xp(s_env_t *e, int64_t want)
{
    int64_t xp = -1;
    for (int64_t until = bt_now_ms() + BT_WAIT_MS; xp != want && bt_now_ms() < until;) {
        xp = s_xp(e);
        if (xp != want)
            bt_sleep_ms(20);
    }
    return xp;
}

static int64_t s_halts(s_env_t *e)
{
    json_t *st = bt_status(&e->d);
    int64_t n = bt_json_int(st, "risk.halts_active");
    json_decref(st);
    return n;
}

static void test_daily_loss_cap_refuses_the_next_fire_and_soft_halts(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    s_healthy(&e, 10000);               /* day-start balance 10000 */
    s_telemetry(&e, 10000, 9390, 0, 0); /* 6.1 % down: NIBBLER's cap is 6 % */
    s_expect(s_ctl(&e, FIRE_BUY("xr_a1")), "REFUSED", "RISK_DAILY_LOSS");
    assert_int_equal(s_count_frames(e.cmd, "\"type\":\"signal\"", 300), 0);
    assert_int_equal(s_halts(&e), 1);
    assert_true(bt_log_contains(
        &e.d, "uuid=" UUID " kind=soft reason=RISK_DAILY_LOSS trigger=DAILY_LOSS by=auto", 1000));
    json_t *a = s_account(&e);
    json_t *h = json_array_get(json_object_get(a, "halts"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "kind")), "soft");
    assert_string_equal(json_string_value(json_object_get(h, "reason")), "RISK_DAILY_LOSS");
    assert_true(json_is_true(json_object_get(a, "medic")));
    assert_true(json_number_value(json_object_get(a, "daily_loss_pct")) > 6.0);
    json_decref(a);
    //  Equity coming back does not lift it: the daily loss halt waits for the day to roll.
    s_healthy(&e, 10000);
    assert_int_equal(s_halts(&e), 1);
    s_expect(s_ctl(&e, FIRE_BUY("xr_a2")), "REFUSED", "RISK_DAILY_LOSS");
    s_stop(&e);
}

//  A status poll reports counts and the active halts, never every account's numbers: those
//  come with "lists": true (and from accounts_risk / eas). "lists" is a boolean or refused.
static void test_status_is_counts_and_halts_unless_the_lists_are_asked(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    s_healthy(&e, 10000);
    json_t *r = s_ctl(&e, "{\"cmd\":\"halt\",\"uuid\":\"" UUID "\",\"why\":\"st\"}");
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    json_t *st = bt_status(&e.d);
    json_t *risk = json_object_get(st, "risk");
    assert_int_equal(bt_json_int(st, "risk.known"), 1);
    assert_int_equal(bt_json_int(st, "eas.known"), 1);
    assert_null(json_object_get(risk, "accounts"));
    assert_null(json_object_get(json_object_get(st, "eas"), "list"));
    json_t *h = json_array_get(json_object_get(risk, "account_halts"), 0);
    assert_int_equal(json_array_size(json_object_get(risk, "account_halts")), 1);
    assert_string_equal(json_string_value(json_object_get(h, "uuid")), UUID);
    assert_string_equal(json_string_value(json_object_get(h, "trigger")), "OPERATOR");
    json_decref(st);
    st = s_ctl(&e, "{\"cmd\":\"status\",\"lists\":true}");
    risk = json_object_get(st, "risk");
    assert_int_equal(json_array_size(json_object_get(risk, "accounts")), 1);
    assert_int_equal(json_array_size(json_object_get(risk, "account_halts")), 1);
    assert_int_equal(json_array_size(json_object_get(json_object_get(st, "eas"), "list")), 1);
    json_decref(st);
    st = s_ctl(&e, "{\"cmd\":\"status\",\"lists\":\"yes\"}");
    assert_false(json_is_true(json_object_get(st, "ok")));
    assert_string_equal(json_string_value(json_object_get(st, "reason")), "BAD_REQUEST");
    json_decref(st);
    s_stop(&e);
}

static void test_fire_fills_closes_and_pays_xp_once(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    void *events = bt_events_socket(&e.d);
    bt_sleep_ms(200);
    s_healthy(&e, 10000);
    json_t *r = s_ctl(&e, FIRE_BUY("xr_b1"));
    //  1 % of 10000 over 20 pips x 10 per pip: 0.5 lot.
    assert_true(json_number_value(json_object_get(r, "lot")) == 0.5);
    s_expect(r, "SENT", NULL);
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, BT_WAIT_MS) > 0);
    assert_non_null(strstr(buf, "\"type\":\"signal\""));
    assert_non_null(strstr(buf, "\"signal_id\":\"xr_b1\""));
    assert_non_null(strstr(buf, "\"lot\":0.5"));
    assert_int_equal(s_count_frames(e.cmd, "\"type\":\"signal\"", 300), 0);

    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"xr_b1\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\",\"ticket\":4242,\"price\":1.1}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", 1, 3000), 1);
    assert_int_equal(s_wait_xp(&e, 5), 5);
    char cmd[768], out[4096];
    snprintf(cmd, sizeof cmd, "%s --control %s xp --uuid " UUID, BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "5 XP"));
    assert_non_null(strstr(out, "RECRUIT"));
    json_t *a = s_account(&e);
    assert_int_equal(bt_json_int(a, "open_positions"), 1);
    assert_int_equal(bt_json_int(a, "fires_today"), 1);
    json_decref(a);

    //  Closed in profit: +100 + 25 x 1 (streak) and +25 for 250 >= 2 R (R = 0.5 x 20 x 10).
    const char *closed = "{\"type\":\"trade_result\",\"signal_id\":\"xr_b1\",\"status\":\"closed\","
                         "\"uuid\":\"" UUID "\",\"ticket\":4242,\"profit\":250,"
                         "\"close_price\":1.105}";
    bt_send(e.fb, closed);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.CLOSED", 1, 3000), 1);
    assert_int_equal(s_wait_xp(&e, 155), 155);
    snprintf(cmd, sizeof cmd, "%s --control %s --json xp --uuid " UUID, BITTENCTL_PATH,
             e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    json_error_t jerr;
    json_t *j = json_loads(out, 0, &jerr);
    assert_non_null(j);
    assert_int_equal(bt_json_int(j, "xp"), 155);
    assert_string_equal(json_string_value(json_object_get(j, "rank")), "PRIVATE");
    json_decref(j);
    //  The same closed result again pays nothing more.
    bt_send(e.fb, closed);
    assert_int_equal(bt_wait_status(&e.d, "fires.duplicate_results", 1, 3000), 1);
    bt_sleep_ms(200);
    assert_int_equal(s_xp(&e), 155);
    a = s_account(&e);
    assert_int_equal(bt_json_int(a, "open_positions"), 0);
    assert_int_equal(bt_json_int(a, "win_streak"), 1);
    json_decref(a);
    //  The events channel carried the awards and the rank-up.
    bool award = false, rank_up = false, update = false;
    while (bt_recv(events, buf, sizeof buf, 500) > 0) {
        award = award || (strncmp(buf, "xp.award ", 9) == 0 && strstr(buf, "\"closed_profit\""));
        rank_up = rank_up || (strncmp(buf, "xp.rank_up ", 11) == 0 && strstr(buf, "PRIVATE"));
        update = update || strncmp(buf, "account.update ", 15) == 0;
    }
    assert_true(award);
    assert_true(rank_up);
    assert_true(update);
    assert_true(bt_log_contains(&e.d, "xp.rank_up uuid=" UUID " rank=PRIVATE", 1000));
    zmq_close(events);
    s_stop(&e);
}

//  Issue 14 item 8: NIBBLER (max_positions 1) got a second opening fire SENT while the first
//  was SENT without a result. A fire in flight holds the slot it may fill.
static void test_a_fire_in_flight_counts_as_a_position(void **state)
{
    s_env_t e;
    const char *args[] = {"--set", "risk.fire_spacing_s=0", "--set", "fire.result_timeout_s=1",
                          "--set", "fire.check_interval_ms=100", NULL};
    s_start(&e, args);
    s_healthy(&e, 10000);
    s_expect(s_ctl(&e, FIRE_BUY("fly_1")), "SENT", NULL);
    assert_int_equal(s_count_frames(e.cmd, "fly_1", 500), 1);
    //  No result yet: the second is refused, and after the timeout alarm still (unknown).
    s_expect(s_ctl(&e, FIRE_BUY("fly_2")), "REFUSED", "RISK_MAX_POSITIONS");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.TIMEOUT", 1, 5000), 1);
    s_expect(s_ctl(&e, FIRE_BUY("fly_3")), "REFUSED", "RISK_MAX_POSITIONS");
    //  The result says it failed: the slot is free again.
    assert_int_equal(bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"fly_1\","
                                   "\"status\":\"failed\",\"uuid\":\"" UUID "\"}"),
                     0);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FAILED", 1, 3000), 1);
    s_expect(s_ctl(&e, FIRE_BUY("fly_4")), "SENT", NULL);
    assert_int_equal(s_count_frames(e.cmd, "fly_", 500), 1);
    s_stop(&e);
}

static void test_missing_or_old_telemetry_refuses_stale(void **state)
{
    s_env_t e;
    const char *args[] = {"--set", "risk.telemetry_max_age_s=1", NULL};
    s_start(&e, args);
    //  A heartbeat makes the EA online but is not telemetry.
    bt_send(e.fb, "{\"type\":\"heartbeat\",\"uuid\":\"" UUID "\",\"balance\":10000,"
                  "\"equity\":10000}");
    assert_int_equal(bt_wait_status(&e.d, "eas.online", 1, 3000), 1);
    s_expect(s_ctl(&e, FIRE_BUY("xr_c1")), "REFUSED", "RISK_STALE_TELEMETRY");
    s_healthy(&e, 10000);
    bt_sleep_ms(1300);
    //  Heartbeats keep coming, the telemetry gets old all the same.
    bt_send(e.fb, "{\"type\":\"heartbeat\",\"uuid\":\"" UUID "\",\"balance\":10000,"
                  "\"equity\":10000}");
    assert_int_equal(bt_wait_status(&e.d, "frames_in.heartbeat", 2, 3000), 2);
    s_expect(s_ctl(&e, FIRE_BUY("xr_c2")), "REFUSED", "RISK_STALE_TELEMETRY");
    assert_int_equal(s_count_frames(e.cmd, "\"type\":\"signal\"", 200), 0);
    s_stop(&e);
}

static void test_drawdown_hard_halt_closes_all_once_and_survives_a_restart(void **state)
{
    s_env_t e;
    //  The daily cap out of the way, so the drawdown alone acts.
    const char *args[] = {"--set", "risk.nibbler.daily_loss_pct=50", NULL};
    s_start(&e, args);
    s_healthy(&e, 10000);
    s_healthy(&e, 7900); /* 21 % below the peak */
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, BT_WAIT_MS) > 0);
    assert_non_null(strstr(buf, "\"action\":\"close_all\""));
    assert_non_null(strstr(buf, "\"signal_id\":\"HALT_" UUID "_"));
    assert_true(bt_log_contains(
        &e.d, "uuid=" UUID " kind=hard reason=RISK_DRAWDOWN trigger=DRAWDOWN", 1000));
    s_expect(s_ctl(&e, FIRE_BUY("xr_d1")), "REFUSED", "HALTED");
    //  The same numbers again raise nothing new.
    s_healthy(&e, 7900);
    assert_int_equal(s_count_frames(e.cmd, "close_all", 300), 0);
    assert_int_equal(s_halts(&e), 1);

    s_close_sockets(&e);
    assert_int_equal(bt_daemon_stop(&e.d, NULL), 0);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    s_connect(&e);
    assert_true(bt_log_contains(&e.d, "halt.restored", 1000));
    s_healthy(&e, 7900);
    assert_int_equal(s_halts(&e), 1);
    s_expect(s_ctl(&e, FIRE_BUY("xr_d2")), "REFUSED", "HALTED");
    assert_int_equal(s_count_frames(e.cmd, "close_all", 500), 0);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 0);
    json_decref(st);

    //  The operator resumes (bittenctl); the gate still sees the drawdown, no new halt or close.
    char cmd[768], out[4096];
    snprintf(cmd, sizeof cmd, "%s --control %s resume --uuid " UUID, BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "released 1"));
    assert_int_equal(s_halts(&e), 0);
    s_healthy(&e, 7900);
    assert_int_equal(s_halts(&e), 0);
    assert_int_equal(s_count_frames(e.cmd, "close_all", 300), 0);
    s_expect(s_ctl(&e, FIRE_BUY("xr_d3")), "REFUSED", "RISK_DRAWDOWN");
    s_stop(&e);
}

static void test_margin_alarm_soft_halts_and_lifts_on_recovery(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    void *events = bt_events_socket(&e.d);
    bt_sleep_ms(200);
    s_healthy(&e, 10000);
    s_telemetry(&e, 10000, 10000, 11000, 90.9);
    assert_int_equal(s_halts(&e), 1);
    s_expect(s_ctl(&e, FIRE_BUY("xr_e1")), "REFUSED", "RISK_MARGIN");
    s_telemetry(&e, 10000, 10000, 5000, 200);
    assert_int_equal(s_halts(&e), 0);
    assert_true(bt_log_contains(&e.d, "halt.released", 1000));
    assert_true(bt_log_contains(&e.d, "by=auto why=\"margin level recovered\"", 1000));
    char buf[4096];
    bool raised = false, released = false;
    while (bt_recv(events, buf, sizeof buf, 500) > 0) {
        raised = raised || (strncmp(buf, "halt ", 5) == 0 && strstr(buf, "\"RISK_MARGIN\""));
        released = released || strncmp(buf, "halt.released ", 14) == 0;
    }
    assert_true(raised);
    assert_true(released);
    //  An operator halt (bittenctl) refuses HALTED until resumed; it needs a why.
    char cmd[768], out[4096];
    snprintf(cmd, sizeof cmd, "%s --control %s halt --uuid " UUID " 2>&1", BITTENCTL_PATH,
             e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 2);
    snprintf(cmd, sizeof cmd, "%s --control %s call halt uuid=" UUID " 2>&1", BITTENCTL_PATH,
             e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 1);
    assert_non_null(strstr(out, "bittenctl: refused: BAD_REQUEST: why"));
    snprintf(cmd, sizeof cmd, "%s --control %s halt --uuid " UUID " --why maintenance",
             BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    s_expect(s_ctl(&e, FIRE_BUY("xr_e2")), "REFUSED", "HALTED");
    snprintf(cmd, sizeof cmd, "%s --control %s resume --uuid " UUID, BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    s_expect(s_ctl(&e, FIRE_BUY("xr_e3")), "SENT", NULL);
    zmq_close(events);
    s_stop(&e);
}

static void test_restart_keeps_xp_and_peak_equity(void **state)
{
    s_env_t e;
    const char *args[] = {"--set", "risk.nibbler.daily_loss_pct=50", NULL};
    s_start(&e, args);
    s_healthy(&e, 10000);
    s_expect(s_ctl(&e, FIRE_BUY("xr_f1")), "SENT", NULL);
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"xr_f1\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\",\"ticket\":7}");
    assert_int_equal(s_wait_xp(&e, 5), 5);
    s_close_sockets(&e);
    assert_int_equal(bt_daemon_stop(&e.d, NULL), 0);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    s_connect(&e);
    assert_int_equal(s_xp(&e), 5);
    assert_true(bt_log_contains(&e.d, "account.restored uuid=" UUID, 1000));
    s_healthy(&e, 8500);
    json_t *a = s_account(&e);
    assert_true(json_number_value(json_object_get(a, "peak_equity")) == 10000);
    assert_true(fabs(json_number_value(json_object_get(a, "drawdown_pct")) - 15.0) < 1e-9);
    assert_int_equal(bt_json_int(a, "fires_today"), 1);
    assert_int_equal(bt_json_int(a, "open_positions"), 1);
    json_decref(a);
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daily_loss_cap_refuses_the_next_fire_and_soft_halts),
        cmocka_unit_test(test_fire_fills_closes_and_pays_xp_once),
        cmocka_unit_test(test_a_fire_in_flight_counts_as_a_position),
        cmocka_unit_test(test_missing_or_old_telemetry_refuses_stale),
        cmocka_unit_test(test_drawdown_hard_halt_closes_all_once_and_survives_a_restart),
        cmocka_unit_test(test_margin_alarm_soft_halts_and_lifts_on_recovery),
        cmocka_unit_test(test_restart_keeps_xp_and_peak_equity),
        cmocka_unit_test(test_status_is_counts_and_halts_unless_the_lists_are_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
