/*  test_v7_reconcile.c: EA v7 never reports a close (OnTrade() is empty); its FILLED fires are
 *  closed, profit unknown, from what it does say, over real sockets: its heartbeats' positions
 *  count (0, twice in a row, after the last fill) and its answer to our own close / close_all
 *  ("Closed N positions", N covering the fires in scope). The account pins v7 and owns the
 *  shared pair (command.account); its uuid-less frames are attributed by
 *  feedback.anonymous_account, stamped in server time (offset pinned to 0). Also: nothing pays
 *  or charges XP on an unknown profit, the day's P/L says it is incomplete, and all of it
 *  survives a kill -9. And v7's account state is fresh by v7's own cadence, and its quotes'
 *  decimals raise a symbol's digits; a `brokers` entry named by its status gives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define UUID "acct_v7r_1"

typedef struct {
    bt_daemon_t d;
    void *fb, *cmd;
} s_env_t;

static const char *s_server_now(void)
{
    static char ts[32];
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y.%m.%d %H:%M:%S", gmtime(&now));
    return ts;
}

static void s_connect(s_env_t *e)
{
    e->fb = bt_feedback_socket(&e->d, true);
    e->cmd = bt_command_socket(&e->d);
    assert_int_equal(bt_wait_status(&e->d, "command.peers", 1, 5000), 1);
}

static void s_disconnect(s_env_t *e)
{
    zmq_close(e->cmd);
    zmq_close(e->fb);
}

//  One v7 heartbeat, returned once the daemon has counted (and so handled) it.
static void s_hb(s_env_t *e, int positions)
{
    char hb[256];
    snprintf(hb, sizeof hb,
             "{\"type\":\"heartbeat\",\"balance\":10000.00,\"equity\":10000.00,"
             "\"positions\":%d,\"timestamp\":\"%s\"}",
             positions, s_server_now());
    json_t *st = bt_status(&e->d);
    int64_t n = bt_json_int(st, "frames_in.heartbeat");
    json_decref(st);
    bt_send(e->fb, hb);
    assert_int_equal(bt_wait_status(&e->d, "frames_in.heartbeat", n + 1, 5000), n + 1);
}

static void s_start_cfg(s_env_t *e, const char *extra, const char *extra_zpl)
{
    char zpl[1024];
    snprintf(zpl, sizeof zpl,
             "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"
             "        mode = \"manual\"\n        dialect = \"v7\"\n"
             "        server_utc_offset_s = 0\n"
             "command\n    account = \"" UUID "\"\n"
             "feedback\n    anonymous_account = \"" UUID "\"\n%s",
             extra_zpl);
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "ea.ping_interval_s=0",
                          "--set", "command.keepalive_s=100", "--set", "risk.fire_spacing_s=0",
                          "--set", extra, NULL};
    assert_int_equal(bt_daemon_start(&e->d, zpl, args), 0);
    s_connect(e);
    s_hb(e, 0);
    assert_int_equal(bt_wait_status(&e->d, "eas.online", 1, 5000), 1);
}

static void s_start_with(s_env_t *e, const char *extra)
{
    s_start_cfg(e, extra, "");
}

static void s_start(s_env_t *e)
{
    s_start_with(e, "risk.telemetry_max_age_s=60");
}

static void s_stop(s_env_t *e)
{
    s_disconnect(e);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
}

static json_t *s_ctl(s_env_t *e, const char *req)
{
    json_t *r = bt_ctl(&e->d, req);
    assert_non_null(r);
    return r;
}

//  The journaled fire of signal_id (a new reference), or fails.
static json_t *s_fire_row(s_env_t *e, const char *signal_id)
{
    char req[256];
    snprintf(req, sizeof req, "{\"cmd\":\"fires\",\"signal_id\":\"%s\"}", signal_id);
    json_t *r = s_ctl(e, req);
    json_t *row = json_array_get(json_object_get(r, "fires"), 0);
    assert_non_null(row);
    json_incref(row);
    json_decref(r);
    return row;
}

static void s_assert_state(s_env_t *e, const char *signal_id, const char *state)
{
    json_t *row = s_fire_row(e, signal_id);
    const char *got = json_string_value(json_object_get(row, "state"));
    if (!got || strcmp(got, state) != 0)
        fail_msg("%s is %s, want %s", signal_id, got ? got : "(none)", state);
    json_decref(row);
}

//  CLOSED with the profit marked unknown: no profit field, profit_known false.
static void s_assert_closed_unknown(s_env_t *e, const char *signal_id)
{
    json_t *row = s_fire_row(e, signal_id);
    assert_string_equal(json_string_value(json_object_get(row, "state")), "CLOSED");
    assert_null(json_object_get(row, "profit"));
    assert_true(json_is_false(json_object_get(row, "profit_known")));
    json_decref(row);
}

//  An operator fire, read off the command socket as v7 would, answered with v7's fill.
static void s_fire_and_fill(s_env_t *e, const char *signal_id, const char *symbol,
                            const char *action, long ticket)
{
    char req[512], buf[4096], res[512];
    snprintf(req, sizeof req,
             "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"%s\",\"action\":\"%s\","
             "\"sl_pips\":20,\"tp_pips\":30,\"lot\":0.05,\"signal_id\":\"%s\"}",
             symbol, action, signal_id);
    json_t *r = s_ctl(e, req);
    const char *st = json_string_value(json_object_get(r, "state"));
    if (!st || strcmp(st, "SENT") != 0)
        fail_msg("fire %s: %s %s", signal_id, st ? st : "-",
                 json_string_value(json_object_get(r, "reason")));
    json_decref(r);
    assert_true(bt_recv(e->cmd, buf, sizeof buf, 3000) > 0);
    assert_non_null(strstr(buf, signal_id));
    json_t *s = bt_status(&e->d);
    int64_t filled = bt_json_int(s, "fires.transitions.FILLED");
    json_decref(s);
    snprintf(res, sizeof res,
             "{\"type\":\"trade_result\",\"signal_id\":\"%s\",\"status\":\"success\","
             "\"ticket\":%ld,\"price\":1.17619,\"message\":\"\",\"balance\":10000.00,"
             "\"equity\":10000.00,\"margin\":50.00,\"timestamp\":\"%s\"}",
             signal_id, ticket, s_server_now());
    bt_send(e->fb, res);
    assert_int_equal(bt_wait_status(&e->d, "fires.transitions.FILLED", filled + 1, 5000),
                     filled + 1);
}

static int64_t s_xp(s_env_t *e)
{
    json_t *r = s_ctl(e, "{\"cmd\":\"xp\",\"uuid\":\"" UUID "\"}");
    int64_t xp = bt_json_int(r, "xp");
    json_decref(r);
    return xp;
}

//  The account's row of accounts_risk.
static json_t *s_risk(s_env_t *e)
{
    json_t *r = s_ctl(e, "{\"cmd\":\"accounts_risk\"}");
    json_t *row = json_array_get(json_object_get(r, "accounts"), 0);
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, "uuid")), UUID);
    json_incref(row);
    json_decref(r);
    return row;
}

static void test_heartbeats_at_zero_twice_after_the_fill_close_all_profit_unknown(void **state)
{
    (void)state;
    s_env_t e;
    s_start(&e);
    s_fire_and_fill(&e, "r1", "EURUSD", "buy", 1001);
    s_hb(&e, 0); /* one 0: it may be stale */
    s_assert_state(&e, "r1", "FILLED");
    //  r2 fills; a heartbeat counted before its position existed (another chart's v7) may
    //  still arrive: the 0 before the fill and one after it are not "two in a row".
    s_fire_and_fill(&e, "r2", "GBPUSD", "sell", 1002);
    s_hb(&e, 0);
    s_assert_state(&e, "r1", "FILLED");
    s_assert_state(&e, "r2", "FILLED");
    //  A count at or above the FILLED fires: nothing; a lower one that is not 0: which closed
    //  is unknown, nothing closes, reported once.
    s_hb(&e, 2);
    s_hb(&e, 1);
    s_hb(&e, 1);
    s_assert_state(&e, "r1", "FILLED");
    s_assert_state(&e, "r2", "FILLED");
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.reconciled.partial_mismatches"), 1);
    assert_int_equal(bt_json_int(st, "fires.reconciled.closed_by_heartbeats"), 0);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "reconcile.partial", 3000));
    int64_t xp_before = s_xp(&e);
    assert_true(xp_before > 0); /* the fills paid */
    //  0 twice in a row: no position of any kind is open, so none of ours.
    s_hb(&e, 0);
    s_assert_state(&e, "r1", "FILLED");
    s_hb(&e, 0);
    s_assert_closed_unknown(&e, "r1");
    s_assert_closed_unknown(&e, "r2");
    st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.reconciled.closed_by_heartbeats"), 2);
    assert_int_equal(bt_json_int(st, "fires.open"), 0);
    json_decref(st);
    //  XP & risk: the positions are gone, no XP paid or charged, no P/L invented, and the
    //  day's realised P/L says two closes are missing from it.
    assert_int_equal(s_xp(&e), xp_before);
    json_t *risk = s_risk(&e);
    assert_int_equal(json_integer_value(json_object_get(risk, "open_positions")), 0);
    assert_int_equal(json_integer_value(json_object_get(risk, "closes_profit_unknown_today")), 2);
    assert_true(json_real_value(json_object_get(risk, "realised_today")) == 0.0);
    assert_int_equal(json_integer_value(json_object_get(risk, "loss_streak")), 0);
    json_decref(risk);
    assert_true(bt_log_contains(&e.d, "by=heartbeats closed=2", 3000));
    //  bittenctl fires says it too: PROFIT "unknown", never a number.
    char cmdline[600], out[8192];
    snprintf(cmdline, sizeof cmdline, "%s --control %s fires --uuid " UUID, BITTENCTL_PATH,
             e.d.control);
    assert_int_equal(bt_run(cmdline, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "PROFIT"));
    const char *r1 = strstr(out, "r1 ");
    assert_non_null(r1);
    const char *eol = strchr(r1, '\n');
    const char *unknown = strstr(r1, "unknown");
    assert_true(unknown && (!eol || unknown < eol));
    //  kill -9: what was journaled stays, and nothing reopens.
    s_disconnect(&e);
    bt_daemon_kill(&e.d);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    s_connect(&e);
    s_assert_closed_unknown(&e, "r1");
    s_assert_closed_unknown(&e, "r2");
    risk = s_risk(&e);
    assert_int_equal(json_integer_value(json_object_get(risk, "closes_profit_unknown_today")), 2);
    json_decref(risk);
    st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.open"), 0);
    json_decref(st);
    s_stop(&e);
}

//  A FILLED fire survives a kill -9 and is reconciled by the heartbeats after the restart.
static void test_a_restart_keeps_filled_fires_until_the_heartbeats_say_zero(void **state)
{
    (void)state;
    s_env_t e;
    s_start(&e);
    s_fire_and_fill(&e, "k1", "EURUSD", "buy", 2001);
    s_hb(&e, 0); /* one 0: not yet */
    s_disconnect(&e);
    bt_daemon_kill(&e.d);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    s_connect(&e);
    s_assert_state(&e, "k1", "FILLED");
    //  The streak is memory: after the restart it starts again (two more are needed).
    s_hb(&e, 0);
    s_assert_state(&e, "k1", "FILLED");
    s_hb(&e, 0);
    s_assert_closed_unknown(&e, "k1");
    s_stop(&e);
}

//  Answers to our own close / close_all: "Closed N positions" closes the fires in scope when
//  N covers them; a short N closes nothing (a PositionClose may have failed).
static void test_the_answer_to_our_close_closes_its_symbol_or_all(void **state)
{
    (void)state;
    s_env_t e;
    s_start(&e);
    s_fire_and_fill(&e, "c_eu", "EURUSD", "buy", 3001);
    s_fire_and_fill(&e, "c_gu", "GBPUSD", "sell", 3002);
    char buf[4096], res[512];
    struct {
        const char *req, *signal_id, *message;
    } steps[] = {
        {"{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"signal_id\":\"x_eu\"}",
         "x_eu", "Closed 1 positions"},
        {"{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"x_all0\"}", "x_all0",
         "Closed 0 positions"},
        {"{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"x_all1\"}", "x_all1",
         "Closed 1 positions"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        json_t *r = s_ctl(&e, steps[i].req);
        assert_string_equal(json_string_value(json_object_get(r, "state")), "SENT");
        json_decref(r);
        assert_true(bt_recv(e.cmd, buf, sizeof buf, 3000) > 0);
        assert_non_null(strstr(buf, steps[i].signal_id));
        json_t *s = bt_status(&e.d);
        int64_t filled = bt_json_int(s, "fires.transitions.FILLED");
        json_decref(s);
        snprintf(res, sizeof res,
                 "{\"type\":\"trade_result\",\"signal_id\":\"%s\",\"status\":\"success\","
                 "\"ticket\":0,\"price\":0.00000,\"message\":\"%s\",\"balance\":10000.00,"
                 "\"equity\":10000.00,\"margin\":0.00,\"timestamp\":\"%s\"}",
                 steps[i].signal_id, steps[i].message, s_server_now());
        bt_send(e.fb, res);
        assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", filled + 1, 5000),
                         filled + 1);
        if (i == 0) {
            s_assert_closed_unknown(&e, "c_eu");
            s_assert_state(&e, "c_gu", "FILLED"); /* another symbol */
        } else if (i == 1) {
            s_assert_state(&e, "c_gu", "FILLED"); /* 0 closed while 1 is FILLED: proves nothing */
            assert_true(bt_log_contains(&e.d, "reconcile.close_short", 3000));
        } else {
            s_assert_closed_unknown(&e, "c_gu");
        }
    }
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.reconciled.closed_by_close_answer"), 2);
    assert_int_equal(bt_json_int(st, "fires.open"), 0);
    json_decref(st);
    s_stop(&e);
}

//  An operator fire's state and reason ("-" when none), not read off the command socket.
static void s_fire_only(s_env_t *e, const char *signal_id, char *state, char *reason, size_t n)
{
    char req[300];
    snprintf(req, sizeof req,
             "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":\"buy\","
             "\"sl_pips\":20,\"tp_pips\":30,\"lot\":0.05,\"signal_id\":\"%s\"}",
             signal_id);
    json_t *r = s_ctl(e, req);
    const char *st = json_string_value(json_object_get(r, "state"));
    const char *why = json_string_value(json_object_get(r, "reason"));
    snprintf(state, n, "%s", st ? st : "-");
    snprintf(reason, n, "%s", why ? why : "-");
    json_decref(r);
}

//  v7's account state is fresh by v7's cadence (risk.telemetry_max_age_v7_s), not by the
//  contract telemetry's limit (risk.telemetry_max_age_s, 60 s).
static void test_v7_account_state_goes_stale_by_the_v7_limit(void **state)
{
    (void)state;
    s_env_t e;
    s_start_with(&e, "risk.telemetry_max_age_v7_s=3"); /* its first heartbeat: now */
    char st[32], why[32];
    s_fire_only(&e, "fr_1", st, why, sizeof st);
    assert_string_equal(st, "SENT");
    json_t *risk = s_risk(&e);
    assert_int_equal(json_integer_value(json_object_get(risk, "telemetry_max_age_s")), 3);
    json_decref(risk);
    bt_sleep_ms(4000); /* older than v7's 3 s, far inside the contract's 60 s */
    s_fire_only(&e, "fr_2", st, why, sizeof st);
    assert_string_equal(st, "REFUSED");
    assert_string_equal(why, "RISK_STALE_TELEMETRY");
    s_hb(&e, 0);
    s_fire_only(&e, "fr_3", st, why, sizeof st);
    assert_string_equal(st, "SENT");
    s_stop(&e);
}

//  A v7 frame that is a heartbeat to the daemon (heartbeat, status_report), returned once
//  handled.
static void s_hb_frame(s_env_t *e, const char *frame)
{
    json_t *st = bt_status(&e->d);
    int64_t n = bt_json_int(st, "frames_in.heartbeat");
    json_decref(st);
    bt_send(e->fb, frame);
    assert_int_equal(bt_wait_status(&e->d, "frames_in.heartbeat", n + 1, 5000), n + 1);
}

//  v7's error for signal_id: the fire FAILED, its position slot free again.
static void s_v7_error(s_env_t *e, const char *signal_id)
{
    json_t *st = bt_status(&e->d);
    int64_t failed = bt_json_int(st, "fires.transitions.FAILED");
    json_decref(st);
    char err[256];
    snprintf(err, sizeof err,
             "{\"type\":\"error\",\"signal_id\":\"%s\",\"error\":\"Trade failed: test\","
             "\"timestamp\":\"%s\"}",
             signal_id, s_server_now());
    bt_send(e->fb, err);
    assert_int_equal(bt_wait_status(&e->d, "fires.transitions.FAILED", failed + 1, 5000),
                     failed + 1);
}

//  An operator fire that must be refused for reason.
static void s_fire_refused(s_env_t *e, const char *signal_id, const char *reason)
{
    char st[32], why[32];
    s_fire_only(e, signal_id, st, why, sizeof st);
    if (strcmp(st, "REFUSED") != 0 || strcmp(why, reason) != 0)
        fail_msg("%s: %s %s, want REFUSED %s", signal_id, st, why, reason);
}

//  v7 heartbeats carry no margin: the margin of its fill's trade_result is carried while the
//  positions count is the one that fill made, and is unknown (RISK_MARGIN) once the count
//  changes by a trade bittend did not make, until a status_report says it again.
static void test_v7_margin_is_carried_while_the_positions_count_holds(void **state)
{
    (void)state;
    s_env_t e;
    //  One ask per hour: the count of asks below does not depend on the machine's speed.
    s_start_cfg(&e, "risk.telemetry_max_age_s=60", "risk\n    margin_status_interval_v7_s = 3600\n");
    char st[32], why[32], buf[4096];
    s_fire_and_fill(&e, "mg_1", "EURUSD", "buy", 4001); /* trade_result margin 50.00 */
    s_hb(&e, 1);
    json_t *risk = s_risk(&e);
    assert_string_equal(json_string_value(json_object_get(risk, "margin_level_state")), "known");
    json_decref(risk);
    //  A second opening fire goes out (before: RISK_MARGIN).
    s_fire_only(&e, "mg_2", st, why, sizeof st);
    if (strcmp(st, "SENT") != 0)
        fail_msg("mg_2: %s %s", st, why);
    assert_true(bt_recv(e.cmd, buf, sizeof buf, 3000) > 0);
    assert_non_null(strstr(buf, "mg_2"));
    s_v7_error(&e, "mg_2");
    s_hb(&e, 1);
    json_t *status = bt_status(&e.d);
    assert_int_equal(bt_json_int(status, "risk.margin_status_asks"), 0);
    json_decref(status);
    //  Two positions bittend did not open both: the margin is not known, and v7 is asked for
    //  its status_report (on its proven route), once per interval.
    s_hb(&e, 2);
    s_fire_refused(&e, "mg_3", "RISK_MARGIN");
    assert_true(bt_recv(e.cmd, buf, sizeof buf, 3000) > 0);
    json_t *ask = json_loads(buf, 0, NULL);
    assert_non_null(ask);
    assert_string_equal(json_string_value(json_object_get(ask, "type")), "command");
    assert_string_equal(json_string_value(json_object_get(ask, "command")), "status");
    json_decref(ask);
    //  Back to 1: which one is left is unknown, so the old margin is not carried back.
    s_hb(&e, 1);
    s_fire_refused(&e, "mg_4", "RISK_MARGIN");
    status = bt_status(&e.d);
    assert_int_equal(bt_json_int(status, "risk.margin_status_asks"), 1);
    json_decref(status);
    assert_true(bt_log_contains(&e.d, "margin.status_asked", 3000));
    //  v7's answer says the margin for its count: carried again by the heartbeats.
    char rep[512];
    snprintf(rep, sizeof rep,
             "{\"type\":\"status_report\",\"connected\":true,\"uptime\":1,"
             "\"messages_received\":3,\"messages_sent\":9,\"trades_executed\":1,\"errors\":1,"
             "\"open_positions\":1,\"account_balance\":10000.00,\"account_equity\":10000.00,"
             "\"account_margin\":60.00,\"timestamp\":\"%s\"}",
             s_server_now());
    s_hb_frame(&e, rep);
    s_hb(&e, 1);
    s_fire_only(&e, "mg_5", st, why, sizeof st);
    if (strcmp(st, "SENT") != 0)
        fail_msg("mg_5: %s %s", st, why);
    s_stop(&e);
}

//  The v7 command's stop in points for an XAUUSD buy of sl_pips 40 (read as v7 reads it).
static long s_xau_sl_points(s_env_t *e, const char *signal_id)
{
    char req[300], buf[4096];
    snprintf(req, sizeof req,
             "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"XAUUSD\",\"action\":\"buy\","
             "\"sl_pips\":40,\"tp_pips\":60,\"lot\":0.05,\"signal_id\":\"%s\"}",
             signal_id);
    json_t *r = s_ctl(e, req);
    assert_string_equal(json_string_value(json_object_get(r, "state")), "SENT");
    json_decref(r);
    assert_true(bt_recv(e->cmd, buf, sizeof buf, 3000) > 0);
    assert_non_null(strstr(buf, signal_id));
    const char *sl = strstr(buf, "\"sl\":");
    assert_non_null(sl);
    long points = strtol(sl + 5, NULL, 10);
    s_v7_error(e, signal_id); /* frees the position slot for the next one */
    return points;
}

//  No EA sends digits; a v7 quote of XAUUSD with 3 decimals (this broker quotes 3, the symbol
//  table says 2) proves them: the point follows, so v7's stops in points stay 40 pips.
static void test_quote_decimals_raise_the_symbols_digits(void **state)
{
    (void)state;
    s_env_t e;
    s_start(&e);
    assert_int_equal(s_xau_sl_points(&e, "xau_1"), 400); /* the table: point 0.01 */
    char tick[256];
    snprintf(tick, sizeof tick,
             "{\"type\":\"tick\",\"symbol\":\"XAUUSD\",\"bid\":3678.55500,\"ask\":3678.72500,"
             "\"spread\":170.0,\"volume\":0,\"timestamp\":%lld}",
             (long long)time(NULL));
    json_t *st = bt_status(&e.d);
    int64_t ticks = bt_json_int(st, "frames_in.tick");
    json_decref(st);
    bt_send(e.fb, tick);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.tick", ticks + 1, 5000), ticks + 1);
    assert_true(bt_log_contains(&e.d, "symbol.digits_learned uuid=" UUID " symbol=XAUUSD digits=3",
                                3000));
    assert_int_equal(s_xau_sl_points(&e, "xau_2"), 4000); /* point 0.001 */
    //  A later quote with fewer decimals (a trailing zero) does not lower them.
    snprintf(tick, sizeof tick,
             "{\"type\":\"tick\",\"symbol\":\"XAUUSD\",\"bid\":3678.50000,\"ask\":3678.70000,"
             "\"spread\":200.0,\"volume\":0,\"timestamp\":%lld}",
             (long long)time(NULL));
    bt_send(e.fb, tick);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.tick", ticks + 2, 5000), ticks + 2);
    assert_int_equal(s_xau_sl_points(&e, "xau_3"), 4000);
    s_stop(&e);
}

//  No EA sends symbol facts: the `brokers` entry whose server v7's status names gives them;
//  until then the symbol table's are used, and bittend says so once per account and symbol.
static void test_a_brokers_entry_selected_by_the_status_server_gives_symbol_facts(void **state)
{
    (void)state;
    s_env_t e;
    s_start_cfg(&e, "risk.telemetry_max_age_s=60",
                "brokers\n    demo\n        server = \"MetaQuotes-Demo\"\n"
                "        symbols\n            XAUUSD\n                digits = 3\n");
    assert_int_equal(s_xau_sl_points(&e, "bx_1"), 400); /* the table: point 0.01 */
    assert_true(bt_log_contains(&e.d, "symbol.table_fallback uuid=" UUID " symbol=XAUUSD", 3000));
    char status[512];
    snprintf(status, sizeof status,
             "{\"type\":\"status\",\"status\":\"startup\",\"message\":\"EA v7.01 initialized "
             "with tick streaming\",\"ea_version\":\"7.01\",\"account\":843859,"
             "\"server\":\"MetaQuotes-Demo\",\"timestamp\":\"%s\"}",
             s_server_now());
    json_t *st = bt_status(&e.d);
    int64_t n = bt_json_int(st, "frames_in.status");
    json_decref(st);
    bt_send(e.fb, status);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.status", n + 1, 5000), n + 1);
    assert_true(bt_log_contains(&e.d, "broker.selected uuid=" UUID " broker=demo", 3000));
    assert_int_equal(s_xau_sl_points(&e, "bx_2"), 4000); /* brokers.demo: 3 digits */
    json_t *r = s_ctl(&e, "{\"cmd\":\"accounts\"}");
    json_t *row = json_array_get(json_object_get(r, "accounts"), 0);
    assert_string_equal(json_string_value(json_object_get(row, "broker")), "demo");
    json_decref(r);
    //  Once per account and symbol.
    FILE *f = fopen(e.d.log_path, "r");
    assert_non_null(f);
    char line[8192];
    int warned = 0;
    while (fgets(line, sizeof line, f))
        warned += strstr(line, "symbol.table_fallback uuid=" UUID " symbol=XAUUSD") != NULL;
    fclose(f);
    assert_int_equal(warned, 1);
    s_stop(&e);
}

//  An account pinned to a brokers entry that does not exist, or a bad entry, stops start-up
//  with one line naming it (exit 2, as every config error).
static void test_a_bad_brokers_config_stops_start_up(void **state)
{
    (void)state;
    const struct {
        const char *zpl, *want;
    } bad[] = {
        {"accounts\n    main\n        uuid = \"acct_x\"\n        broker = \"nope\"\n",
         "broker 'nope' is not an entry of `brokers`"},
        {"brokers\n    b\n        server = \"S\"\n        symbols\n            EURUSD\n"
         "                digits = 12\n",
         "brokers.b.symbols.EURUSD.digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bt_daemon_t d;
        int rc = bt_daemon_run_to_exit(&d, bad[i].zpl, NULL, 10000);
        assert_int_equal(rc, 2);
        assert_true(bt_log_contains(&d, bad[i].want, 1000));
        bt_daemon_cleanup(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeats_at_zero_twice_after_the_fill_close_all_profit_unknown),
        cmocka_unit_test(test_a_restart_keeps_filled_fires_until_the_heartbeats_say_zero),
        cmocka_unit_test(test_the_answer_to_our_close_closes_its_symbol_or_all),
        cmocka_unit_test(test_v7_account_state_goes_stale_by_the_v7_limit),
        cmocka_unit_test(test_v7_margin_is_carried_while_the_positions_count_holds),
        cmocka_unit_test(test_quote_decimals_raise_the_symbols_digits),
        cmocka_unit_test(test_a_brokers_entry_selected_by_the_status_server_gives_symbol_facts),
        cmocka_unit_test(test_a_bad_brokers_config_stops_start_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
