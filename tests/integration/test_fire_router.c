/*  test_fire_router.c: the fire router over real sockets: operator fires and closes, every
 *  refusal with its reason, one send per (signal_id, uuid), results, errors, timeouts with late
 *  reconciliation, orphans, and a kill -9 after a send that neither loses nor resends the fire. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zmq.h>

#include "ea_json.h"
#include "harness.h"

#define UUID "acct_fr_1"
#define ACCOUNTS                                                                                  \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"                   \
    "        mode = \"manual\"\n" \
    "command\n    account = \"" UUID "\"\n"
#define TELEMETRY                                                                                 \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"              \
    "\"equity\":10000}}"

typedef struct {
    bt_daemon_t d;
    void *fb;  /* feedback PUSH (feedback.socket = pull: nothing lost) */
    void *cmd; /* the EA's command PULL */
} s_env_t;

static void s_start_cfg(s_env_t *e, const char *cfg, const char *const *more_args, bool connect_ea);

static void s_start(s_env_t *e, const char *const *more_args, bool connect_ea)
{
    s_start_cfg(e, ACCOUNTS, more_args, connect_ea);
}

static void s_start_cfg(s_env_t *e, const char *cfg, const char *const *more_args, bool connect_ea)
{
    const char *args[16] = {"--set", "feedback.socket=pull", "--set", "fire.result_timeout_s=1",
                            "--set", "fire.check_interval_ms=100", "--set", "ea.ping_interval_s=0",
                            "--set", "command.keepalive_s=100"};
    int n = 10;
    for (int i = 0; more_args && more_args[i]; i++)
        args[n++] = more_args[i];
    args[n] = NULL;
    assert_int_equal(bt_daemon_start(&e->d, cfg, args), 0);
    e->fb = bt_feedback_socket(&e->d, true);
    e->cmd = NULL;
    if (connect_ea) {
        e->cmd = bt_command_socket(&e->d);
        assert_int_equal(bt_wait_status(&e->d, "command.peers", 1, 3000), 1);
        bt_send(e->fb, TELEMETRY);
        assert_int_equal(bt_wait_status(&e->d, "eas.online", 1, 3000), 1);
    }
}

static void s_stop(s_env_t *e)
{
    if (e->cmd)
        zmq_close(e->cmd);
    zmq_close(e->fb);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
}

static json_t *s_ctl(s_env_t *e, const char *request)
{
    json_t *r = bt_ctl(&e->d, request);
    assert_non_null(r);
    return r;
}

static void s_expect(json_t *reply, const char *state, const char *reason)
{
    const char *got_state = json_string_value(json_object_get(reply, "state"));
    const char *got_reason = json_string_value(json_object_get(reply, "reason"));
    if (!got_state || strcmp(got_state, state) != 0 ||
        (reason && (!got_reason || strcmp(got_reason, reason) != 0)) || (!reason && got_reason)) {
        char *text = json_dumps(reply, 0);
        fprintf(stderr, "expected state=%s reason=%s, got %s\n", state, reason ? reason : "-", text);
        free(text);
        fail();
    }
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

static void test_opening_fire_on_telemetry_without_margin_is_refused_fail_closed(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                          "\"action\":\"buy\",\"sl_pips\":20,\"tp_pips\":30,\"signal_id\":\"m1\"}");
    //  TELEMETRY says nothing about margin: XP & risk fails closed on the unknown level.
    s_expect(r, "REFUSED", "RISK_MARGIN");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "\"type\":\"signal\"", 300), 0);
    //  The refusal is journaled and can be traced.
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"uuid\":\"" UUID "\"}");
    json_t *f = json_array_get(json_object_get(r, "fires"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "signal_id")), "m1");
    assert_string_equal(json_string_value(json_object_get(f, "state")), "REFUSED");
    assert_string_equal(json_string_value(json_object_get(f, "reason")), "RISK_MARGIN");
    json_decref(r);
    assert_true(bt_log_contains(&e.d, "fire.refused signal_id=m1 uuid=" UUID, 1000));
    s_stop(&e);
}

#define TELEMETRY_HEALTHY                                                                         \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"              \
    "\"equity\":10000,\"margin\":0,\"free_margin\":10000,\"margin_level\":0}}"

//  Issue 14 item 1: sl_pips 0.01 / 0.04 / 0.049 on EURUSD round to 0 points ("no stop" on the
//  wire) and were sent at the maximum lot. Each is refused INVALID_STOPS and nothing leaves;
//  the same account with a real stop is sent, so the refusal is the stop's, not the account's.
static void test_a_tiny_manual_stop_is_refused_and_never_sent(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    bt_send(e.fb, TELEMETRY_HEALTHY);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 2, 3000), 2);
    const char *tiny[] = {"0.01", "0.04", "0.049", "14.9"};
    char req[512];
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        snprintf(req, sizeof req,
                 "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":"
                 "\"buy\",\"sl_pips\":%s,\"signal_id\":\"tiny_%zu\"}",
                 tiny[i], i);
        json_t *r = s_ctl(&e, req);
        s_expect(r, "REFUSED", "INVALID_STOPS");
        assert_true(json_real_value(json_object_get(r, "lot")) == 0.0);
        json_decref(r);
        //  ... with an explicit lot too: the stop is checked before any lot.
        snprintf(req, sizeof req,
                 "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":"
                 "\"sell\",\"sl_pips\":%s,\"lot\":0.01,\"signal_id\":\"tiny_lot_%zu\"}",
                 tiny[i], i);
        r = s_ctl(&e, req);
        s_expect(r, "REFUSED", "INVALID_STOPS");
        json_decref(r);
    }
    json_t *r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                          "\"action\":\"buy\",\"sl_pips\":15,\"signal_id\":\"real_stop\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, 2000) > 0);
    //  The only frame on the wire is the real one, with its 150 points.
    assert_non_null(strstr(buf, "real_stop"));
    assert_non_null(strstr(buf, "\"sl\":150"));
    assert_int_equal(s_count_frames(e.cmd, "tiny", 300), 0);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.refused.INVALID_STOPS"), 8);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 1);
    json_decref(st);
    s_stop(&e);
}

//  Issue 14 item 10: lot_step / min_lot 0.001. The lot checked, journaled, replied and sent is
//  one number: 0.014 goes out as 0.01 (the 2-decimal wire) and is journaled and replied 0.01;
//  0.004 and 0.005 have no wire value: refused INVALID_LOT (it was INTERNAL / sent as 0.01).
static void test_the_lot_replied_journaled_and_sent_is_one_number(void **state)
{
    s_env_t e;
    s_start_cfg(&e, ACCOUNTS "symbols\n    EURUSD\n        lot_step = 0.001\n"
                             "        min_lot = 0.001\n", NULL, true);
    bt_send(e.fb, TELEMETRY_HEALTHY);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 2, 3000), 2);
    const char *refused[] = {"0.004", "0.005"};
    char req[512];
    for (size_t i = 0; i < 2; i++) {
        snprintf(req, sizeof req,
                 "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":"
                 "\"buy\",\"sl_pips\":20,\"lot\":%s,\"signal_id\":\"lot_%zu\"}",
                 refused[i], i);
        json_t *r = s_ctl(&e, req);
        s_expect(r, "REFUSED", "INVALID_LOT");
        json_decref(r);
    }
    json_t *r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                          "\"action\":\"buy\",\"sl_pips\":20,\"lot\":0.014,"
                          "\"signal_id\":\"lot_ok\"}");
    s_expect(r, "SENT", NULL);
    double replied = json_real_value(json_object_get(r, "lot"));
    json_decref(r);
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, 2000) > 0);
    assert_non_null(strstr(buf, "lot_ok"));
    double sent = ea_json_double(buf, "lot", EA_JSON_V7);
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"signal_id\":\"lot_ok\"}");
    double journaled = json_real_value(json_object_get(json_array_get(json_object_get(r, "fires"), 0),
                                                       "lot"));
    json_decref(r);
    assert_true(replied == 0.01 && sent == 0.01 && journaled == 0.01);
    assert_int_equal(s_count_frames(e.cmd, "\"lot_", 300), 0);
    s_stop(&e);
}

//  Issue 14 item 9: lot 10 at a 100-pip stop is 100 % of the equity at risk (FANG 1.25 %).
//  Refused RISK_LOT_TOO_LARGE; the operator's explicit override is honoured and journaled.
static void test_an_explicit_lot_is_risk_checked_unless_overridden(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    bt_send(e.fb, TELEMETRY_HEALTHY);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 2, 3000), 2);
    json_t *r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                          "\"action\":\"buy\",\"sl_pips\":100,\"lot\":10,\"signal_id\":\"big\"}");
    s_expect(r, "REFUSED", "RISK_LOT_TOO_LARGE");
    json_decref(r);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                  "\"action\":\"buy\",\"sl_pips\":100,\"lot\":10,\"override_risk\":\"yes\"}");
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "BAD_REQUEST");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "\"type\":\"signal\"", 300), 0);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                  "\"action\":\"buy\",\"sl_pips\":100,\"lot\":1,\"override_risk\":true,"
                  "\"signal_id\":\"big_ok\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, 2000) > 0);
    assert_non_null(strstr(buf, "big_ok"));
    assert_true(ea_json_double(buf, "lot", EA_JSON_V7) == 1.0);
    assert_true(bt_log_contains(&e.d, "fire.sent signal_id=big_ok", 2000));
    assert_true(bt_log_contains(&e.d, "override_risk: explicit lot above the risk target", 2000));
    s_stop(&e);
}

#define AUTO_ACCOUNT(n)                                                                           \
    "    a" #n "\n        uuid = \"auto_" #n "\"\n        tier = \"FANG\"\n        mode = \"auto\"\n"
//  The same with its own endpoint pair: each account's EA is proven by its endpoint.
#define AUTO_PAIR(n)                                                                              \
    AUTO_ACCOUNT(n) "        command_endpoint = \"tcp://127.0.0.1:*\"\n"                          \
                    "        feedback_endpoint = \"tcp://127.0.0.1:*\"\n"

//  Issue 14 item 3: kill -9 right after the FIRST send of an automatic fan-out to 4 accounts.
//  Every target of the passed verdict was journaled in one transaction before that send, so
//  after the restart all 4 are there, none absent, and nothing is resent. The hook kills
//  right after the first send's SENT is on disk: that one comes back UNCONFIRMED; of the two
//  PENDING rows, the lower id (next in send order, maybe in flight for all a restart can
//  tell) is UNCONFIRMED and the other one REFUSED RESTART_BEFORE_SEND; auto_4 (offline) was
//  journaled REFUSED with its own reason. The EA got exactly the one frame, for an
//  UNCONFIRMED fire, never one for a RESTART_BEFORE_SEND fire.
static void test_kill_9_in_a_fan_out_leaves_every_target_journaled(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "ea.ping_interval_s=0",
                          "--set", "command.keepalive_s=100",
                          "--set", "debug.test_hooks=true", "--set",
                          "debug.crash_after_fanout_sends=1", NULL};
    assert_int_equal(bt_daemon_start(&d, "accounts\n" AUTO_PAIR(1) AUTO_PAIR(2)
                                             AUTO_PAIR(3) AUTO_ACCOUNT(4),
                                     args),
                     0);
    void *fb = bt_feedback_socket(&d, true);
    void *cmds[3];
    for (int i = 0; i < 3; i++) {
        char uuid[16], ep_cmd[128], ep_fb[128], path[64];
        snprintf(uuid, sizeof uuid, "auto_%d", i + 1);
        assert_int_equal(bt_account_endpoints(&d, uuid, ep_cmd, ep_fb, sizeof ep_cmd), 0);
        cmds[i] = bt_socket(&d, ZMQ_PULL, ep_cmd);
        snprintf(path, sizeof path, "channels.accounts.%d.command.peers", i);
        assert_int_equal(bt_wait_status(&d, path, 1, 3000), 1);
    }
    //  Accounts 1..3 are healthy and online; 4 says nothing (refused, with its reason).
    char frame[512];
    for (int i = 1; i <= 3; i++) {
        snprintf(frame, sizeof frame,
                 "{\"type\":\"telemetry\",\"uuid\":\"auto_%d\",\"account\":{\"balance\":10000,"
                 "\"equity\":10000,\"margin\":0,\"free_margin\":10000,\"margin_level\":0}}",
                 i);
        bt_send(fb, frame);
    }
    assert_int_equal(bt_wait_status(&d, "eas.online", 3, 3000), 3);
    json_t *r = bt_ctl_timeout(&d,
                               "{\"cmd\":\"debug.verdict\",\"signal_id\":\"FAN_1\","
                               "\"symbol\":\"EURUSD\",\"action\":\"buy\",\"sl_pips\":20,"
                               "\"tp_pips\":40}",
                               1000);
    json_decref(r); /* the daemon dies inside this request: usually no reply */
    char buf[2048], first[2048] = "";
    int got = 0;
    for (int k = 0; k < 3; k++) {
        while (bt_recv(cmds[k], buf, sizeof buf, 1000) > 0)
            if (strstr(buf, "FAN_1") && got++ == 0)
                snprintf(first, sizeof first, "%s", buf);
        zmq_close(cmds[k]);
    }
    assert_int_equal(got, 1); /* exactly the one send before the kill */
    assert_false(bt_daemon_alive(&d));
    bt_daemon_kill(&d); /* reap it */
    zmq_close(fb);
    assert_int_equal(bt_daemon_restart(&d), 0);
    r = bt_ctl(&d, "{\"cmd\":\"fires\",\"signal_id\":\"FAN_1\"}");
    assert_non_null(r);
    json_t *fires = json_object_get(r, "fires");
    assert_int_equal(json_array_size(fires), 4);
    int unconfirmed = 0, refused = 0, before_send = 0;
    json_int_t unconfirmed_ids[2] = {0, 0}, before_send_id = 0;
    char sent_to[64] = "", never_sent_to[64] = "";
    bool seen[5] = {false};
    size_t i;
    json_t *f;
    json_array_foreach(fires, i, f)
    {
        const char *uuid = json_string_value(json_object_get(f, "uuid"));
        const char *st = json_string_value(json_object_get(f, "state"));
        const char *why = json_string_value(json_object_get(f, "reason"));
        json_int_t id = json_integer_value(json_object_get(f, "id"));
        assert_true(uuid && strncmp(uuid, "auto_", 5) == 0);
        seen[uuid[5] - '0'] = true;
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", uuid);
        if (strcmp(st, "UNCONFIRMED") == 0) {
            assert_true(unconfirmed < 2);
            unconfirmed_ids[unconfirmed++] = id;
            if (strstr(first, quoted))
                snprintf(sent_to, sizeof sent_to, "%s", uuid);
        } else if (strcmp(st, "REFUSED") == 0 && why &&
                   strcmp(why, "RESTART_BEFORE_SEND") == 0) {
            before_send++;
            before_send_id = id;
            snprintf(never_sent_to, sizeof never_sent_to, "%s", quoted);
        } else if (strcmp(st, "REFUSED") == 0 && strcmp(uuid, "auto_4") == 0) {
            refused++;
        }
    }
    assert_true(seen[1] && seen[2] && seen[3] && seen[4]);
    assert_int_equal(unconfirmed, 2);
    assert_int_equal(before_send, 1);
    assert_int_equal(refused, 1);
    //  The never-sent one is the last in send order (row-id order), and its EA got nothing.
    assert_true(before_send_id > unconfirmed_ids[0] && before_send_id > unconfirmed_ids[1]);
    assert_non_null(strstr(first, "\"auto_"));
    assert_null(strstr(first, never_sent_to));
    assert_true(sent_to[0] != '\0'); /* the frame that left is an UNCONFIRMED fire's */
    json_decref(r);
    assert_true(bt_log_contains(&d, "reason=RESTART_BEFORE_SEND", 2000));
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 0); /* nothing resent */
    assert_int_equal(bt_json_int(st, "fires.restart_before_send"), 1);
    json_decref(st);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_refusals_carry_their_reason(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"nobody\",\"symbol\":\"EURUSD\","
                          "\"action\":\"buy\",\"sl_pips\":20}");
    s_expect(r, "REFUSED", "UNKNOWN_ACCOUNT");
    json_decref(r);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"NOPE1\",\"action\":\"buy\","
                  "\"sl_pips\":20}");
    s_expect(r, "REFUSED", "INVALID_SYMBOL");
    json_decref(r);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":\"hold\","
                  "\"sl_pips\":20}");
    s_expect(r, "REFUSED", "INVALID_ACTION");
    json_decref(r);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"action\":\"buy\"}");
    s_expect(r, "REFUSED", "INVALID_STOPS");
    json_decref(r);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"bad uuid\"}");
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "BAD_REQUEST");
    json_decref(r);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.refused.UNKNOWN_ACCOUNT"), 1);
    assert_int_equal(bt_json_int(st, "fires.refused.INVALID_SYMBOL"), 1);
    json_decref(st);
    s_stop(&e);
}

static void test_close_goes_out_once_and_its_result_fills_it(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                          "\"signal_id\":\"close_1\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, BT_WAIT_MS) > 0);
    assert_non_null(strstr(buf, "\"signal_id\":\"close_1\",\"symbol\":\"EURUSD\",\"action\":\"close\""));
    assert_non_null(strstr(buf, "\"uuid\":\"" UUID "\""));
    assert_non_null(strstr(buf, "\"expires_at\":"));
    //  The same request again: DUPLICATE, nothing more on the wire.
    r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                  "\"signal_id\":\"close_1\"}");
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "DUPLICATE");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "close_1", 300), 0);
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"close_1\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\",\"message\":\"Closed 0 positions\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", 1, 3000), 1);
    //  A repeated result is counted, not applied twice.
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"close_1\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.duplicate_results", 1, 3000), 1);
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"signal_id\":\"close_1\"}");
    json_t *f = json_array_get(json_object_get(r, "fires"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "state")), "FILLED");
    assert_non_null(json_object_get(f, "sent_at"));
    assert_non_null(json_object_get(f, "result_at"));
    json_decref(r);
    s_stop(&e);
}

static void test_no_ea_connected_refuses_and_a_late_ea_receives_nothing_stale(void **state)
{
    s_env_t e;
    s_start(&e, NULL, false);
    bt_send(e.fb, TELEMETRY);
    assert_int_equal(bt_wait_status(&e.d, "eas.online", 1, 3000), 1);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_none\"}");
    s_expect(r, "REFUSED", "NO_EA_CONNECTED");
    json_decref(r);
    e.cmd = bt_command_socket(&e.d);
    assert_int_equal(bt_wait_status(&e.d, "command.peers", 1, 3000), 1);
    assert_int_equal(s_count_frames(e.cmd, "c_none", 500), 0);
    s_stop(&e);
}

static void test_two_eas_on_push_refuse_and_an_offline_ea_refuses(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    void *second = bt_command_socket(&e.d);
    assert_int_equal(bt_wait_status(&e.d, "command.peers", 2, 3000), 2);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_two\"}");
    s_expect(r, "REFUSED", "MULTIPLE_EAS_ON_PUSH");
    json_decref(r);
    assert_int_equal(s_count_frames(second, "c_two", 200) + s_count_frames(e.cmd, "c_two", 200), 0);
    zmq_close(second);
    json_t *st = NULL;
    for (int i = 0; i < 100; i++) {
        json_decref(st);
        st = bt_status(&e.d);
        if (bt_json_int(st, "command.peers") == 1)
            break;
        bt_sleep_ms(20);
    }
    json_decref(st);
    //  Another configured-by-telemetry account whose EA went quiet: EA_OFFLINE.
    s_stop(&e);
    const char *args[] = {"--set", "ea.offline_after_s=5", "--set", "ea.check_interval_ms=100", NULL};
    s_start(&e, args, true);
    //  Silent for offline_after_s: offline (polled; a busy machine checks late).
    assert_int_equal(bt_wait_status_eq(&e.d, "eas.online", 0, BT_WAIT_MS), 0);
    r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_off\"}");
    s_expect(r, "REFUSED", "EA_OFFLINE");
    json_decref(r);
    s_stop(&e);
}

static void test_timeout_then_late_result_reconciles_and_orphans_are_published(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    void *events = bt_events_socket(&e.d);
    bt_sleep_ms(200);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_late\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.TIMEOUT", 1, 4000), 1);
    assert_true(bt_log_contains(&e.d, "fire.timeout signal_id=c_late", 1000));
    assert_true(bt_log_contains(&e.d, "alarm=1", 1000));
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"c_late\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", 1, 3000), 1);
    assert_true(bt_log_contains(&e.d, "fire.filled signal_id=c_late uuid=" UUID, 1000));
    assert_true(bt_log_contains(&e.d, "from=TIMEOUT", 1000));
    //  A result nobody waits for: counted and published, never dropped silently.
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"ghost_1\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.orphan_results", 1, 3000), 1);
    char buf[4096];
    bool seen = false;
    while (!seen && bt_recv(events, buf, sizeof buf, BT_WAIT_MS) > 0)
        seen = strncmp(buf, "orphan_result ", 14) == 0 && strstr(buf, "ghost_1");
    assert_true(seen);
    //  An EA error fails its fire.
    r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_err\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    bt_send(e.fb, "{\"type\":\"error\",\"signal_id\":\"c_err\",\"error\":\"Invalid signal parameters\","
                  "\"uuid\":\"" UUID "\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FAILED", 1, 3000), 1);
    zmq_close(events);
    s_stop(&e);
}

//  A close for one symbol whose result comes only after its TIMEOUT was seen (what a busy
//  machine does to test_close_goes_out_once_and_its_result_fills_it): the late result fills it.
static void test_a_symbol_close_that_timed_out_is_filled_by_its_late_result(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                          "\"signal_id\":\"close_late\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.TIMEOUT", 1, 4000), 1);
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"close_late\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\",\"message\":\"Closed 1 positions\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", 1, 3000), 1);
    assert_true(bt_log_contains(&e.d, "fire.filled signal_id=close_late uuid=" UUID, 1000));
    assert_true(bt_log_contains(&e.d, "from=TIMEOUT", 1000));
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"signal_id\":\"close_late\"}");
    json_t *f = json_array_get(json_object_get(r, "fires"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "state")), "FILLED");
    json_decref(r);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.open"), 0);
    json_decref(st);
    s_stop(&e);
}

static void test_kill_9_after_a_send_neither_loses_nor_resends_the_fire(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_crash\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    char buf[2048];
    assert_true(bt_recv(e.cmd, buf, sizeof buf, BT_WAIT_MS) > 0);
    assert_non_null(strstr(buf, "c_crash"));
    bt_daemon_kill(&e.d); /* SIGKILL: no chance to clean up */
    zmq_close(e.cmd);
    zmq_close(e.fb);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    //  The fire is there, UNCONFIRMED, and nothing was resent.
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"signal_id\":\"c_crash\"}");
    json_t *f = json_array_get(json_object_get(r, "fires"), 0);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "state")), "UNCONFIRMED");
    json_decref(r);
    assert_true(bt_log_contains(&e.d, "fire.unconfirmed signal_id=c_crash", 2000));
    json_t *st2 = bt_status(&e.d);
    assert_int_equal(bt_json_int(st2, "frames_out.signal"), 0);
    json_decref(st2);
    //  Its late result still reconciles.
    e.fb = bt_feedback_socket(&e.d, true);
    e.cmd = NULL;
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"c_crash\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", 1, 3000), 1);
    s_stop(&e);
}

//  A SENT is a relaxed commit; when no durable commit follows (no result), the router makes it
//  durable shortly after, off the frame's path: kv store.synced_at is written (durably) and
//  the journal holds SENT, seen from another connection.
static void test_a_sent_fire_without_result_is_made_durable_soon(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_sync\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    char path[400];
    snprintf(path, sizeof path, "%s/state/bitten.db", e.d.dir);
    int synced = 0;
    for (int i = 0; i < 100 && !synced; i++) {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 1000);
        if (sqlite3_prepare_v2(db,
                               "SELECT COUNT(*) FROM kv WHERE key = 'store.synced_at' AND "
                               "EXISTS (SELECT 1 FROM fires WHERE signal_id = 'c_sync' AND "
                               "state = 'SENT')",
                               -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            synced = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        sqlite3_close(db);
        if (!synced)
            bt_sleep_ms(50);
    }
    assert_int_equal(synced, 1);
    s_stop(&e);
}

//  SENT is a relaxed commit (no fsync): the frame leaves after ONE durable write, the PENDING
//  row. A kill -9 after the send and before SENT is journaled (the hook) finds PENDING on
//  disk: the restart makes it UNCONFIRMED (it may have reached the EA: here it did), never
//  REFUSED, never resent; the EA got exactly the one frame.
static void test_kill_9_between_the_send_and_its_sent_journal_is_unconfirmed(void **state)
{
    s_env_t e;
    const char *more[] = {"--set", "debug.test_hooks=true", "--set",
                          "debug.crash_before_sent_journal=true", NULL};
    s_start(&e, more, true);
    json_t *r = bt_ctl_timeout(&e.d,
                               "{\"cmd\":\"close\",\"uuid\":\"" UUID "\","
                               "\"symbol\":\"EURUSD\",\"signal_id\":\"c_gap\"}",
                               1000);
    json_decref(r); /* the daemon dies inside this request: usually no reply */
    assert_int_equal(s_count_frames(e.cmd, "c_gap", 1000), 1);
    assert_true(bt_log_contains(&e.d, "at=\"sent, SENT not journaled\"", 2000));
    assert_false(bt_daemon_alive(&e.d));
    bt_daemon_kill(&e.d); /* reap it */
    zmq_close(e.cmd);
    zmq_close(e.fb);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"signal_id\":\"c_gap\"}");
    json_t *fires = json_object_get(r, "fires");
    assert_int_equal(json_array_size(fires), 1);
    json_t *f = json_array_get(fires, 0);
    assert_string_equal(json_string_value(json_object_get(f, "state")), "UNCONFIRMED");
    assert_null(json_object_get(f, "reason"));
    json_decref(r);
    //  It came back from PENDING (SENT never reached the journal), and nothing went out again.
    assert_true(bt_log_contains(&e.d, "from=PENDING reason=-", 2000));
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 0);
    assert_int_equal(bt_json_int(st, "fires.restart_before_send"), 0);
    json_decref(st);
    e.fb = bt_feedback_socket(&e.d, true);
    e.cmd = bt_command_socket(&e.d);
    assert_int_equal(bt_wait_status(&e.d, "command.peers", 1, 3000), 1);
    r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                  "\"signal_id\":\"c_gap\"}");
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "DUPLICATE");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "c_gap", 300), 0);
    //  Its late result still reconciles it.
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"c_gap\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\"}");
    assert_true(bt_log_contains(&e.d, "fire.filled signal_id=c_gap", 3000));
    s_stop(&e);
}

//  Three healthy auto accounts with their own command endpoints, a verdict, and the kill -9
//  right after the fan-out's first send (the hook): exactly one frame left; the daemon is dead
//  and reaped. *sent_to: the account whose EA got it.
static void s_fan_out_killed_after_one_send(bt_daemon_t *d, const char *signal_id, char *sent_to,
                                            size_t size)
{
    const char *args[] = {"--set", "feedback.socket=pull",
                          "--set", "ea.ping_interval_s=0",
                          "--set", "command.keepalive_s=100",
                          "--set", "debug.test_hooks=true",
                          "--set", "debug.crash_after_fanout_sends=1",
                          NULL};
    assert_int_equal(bt_daemon_start(d, "accounts\n" AUTO_PAIR(1) AUTO_PAIR(2) AUTO_PAIR(3), args),
                     0);
    void *fb = bt_feedback_socket(d, true);
    void *cmds[3];
    for (int i = 0; i < 3; i++) {
        char uuid[16], ep_cmd[128], ep_fb[128], tel[512], peers[64];
        snprintf(uuid, sizeof uuid, "auto_%d", i + 1);
        assert_int_equal(bt_account_endpoints(d, uuid, ep_cmd, ep_fb, sizeof ep_cmd), 0);
        cmds[i] = bt_socket(d, ZMQ_PULL, ep_cmd);
        snprintf(peers, sizeof peers, "channels.accounts.%d.command.peers", i);
        assert_int_equal(bt_wait_status(d, peers, 1, 3000), 1);
        snprintf(tel, sizeof tel,
                 "{\"type\":\"telemetry\",\"uuid\":\"%s\",\"account\":{\"balance\":10000,"
                 "\"equity\":10000,\"margin\":0,\"free_margin\":10000,\"margin_level\":0}}",
                 uuid);
        bt_send(fb, tel);
    }
    assert_int_equal(bt_wait_status(d, "eas.online", 3, 3000), 3);
    char req[256];
    snprintf(req, sizeof req,
             "{\"cmd\":\"debug.verdict\",\"signal_id\":\"%s\",\"symbol\":\"EURUSD\","
             "\"action\":\"buy\",\"sl_pips\":20,\"tp_pips\":40}",
             signal_id);
    json_decref(bt_ctl_timeout(d, req, 1000));
    int got = 0;
    for (int k = 0; k < 3; k++) {
        int n = s_count_frames(cmds[k], signal_id, 1000);
        if (n > 0)
            snprintf(sent_to, size, "auto_%d", k + 1);
        got += n;
        zmq_close(cmds[k]);
    }
    assert_int_equal(got, 1);
    assert_false(bt_daemon_alive(d));
    bt_daemon_kill(d);
    zmq_close(fb);
}

//  XP & risk's account snapshot of a SENT is written in the SENT's own (relaxed) commit: a
//  kill -9 right after the send keeps both, so the shot is counted after the restart for the
//  account that got the frame, and for no other (its fire is UNCONFIRMED, never resent).
static void test_a_kill_9_after_a_fan_out_send_keeps_that_shot_and_only_that(void **state)
{
    bt_daemon_t d;
    char sent_to[16] = "";
    s_fan_out_killed_after_one_send(&d, "FAN_S", sent_to, sizeof sent_to);
    assert_true(sent_to[0] != '\0');
    assert_int_equal(bt_daemon_restart(&d), 0);
    json_t *r = bt_ctl(&d, "{\"cmd\":\"accounts_risk\"}");
    assert_non_null(r);
    //  The others' telemetry waits for the interval snapshot (absent here) or shows no shot.
    int found = 0;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r, "accounts"), i, a)
    {
        const char *uuid = json_string_value(json_object_get(a, "uuid"));
        bool sent = strcmp(uuid, sent_to) == 0;
        found += sent;
        assert_int_equal(json_integer_value(json_object_get(a, "fires_today")), sent ? 1 : 0);
    }
    assert_int_equal(found, 1);
    json_decref(r);
    r = bt_ctl(&d, "{\"cmd\":\"fires\",\"signal_id\":\"FAN_S\"}");
    json_array_foreach(json_object_get(r, "fires"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), sent_to) == 0)
            assert_string_equal(json_string_value(json_object_get(a, "state")), "UNCONFIRMED");
    }
    json_decref(r);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 0);
    json_decref(st);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  A relaxed SENT survives a kill -9, not a power loss. After a reboot (the journal marked
//  under another kernel boot) the fan-out rule "only the lowest PENDING row can have been in
//  flight" no longer holds: a lost SENT leaves a sent target PENDING. Every PENDING row is
//  then UNCONFIRMED, none REFUSED RESTART_BEFORE_SEND.
static void test_after_a_reboot_every_pending_fan_out_target_is_unconfirmed(void **state)
{
    bt_daemon_t d;
    char sent_to[16] = "";
    s_fan_out_killed_after_one_send(&d, "FAN_R", sent_to, sizeof sent_to);
    //  What a power loss and a reboot leave: the journal marked under another boot.
    char path[400];
    snprintf(path, sizeof path, "%s/state/bitten.db", d.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE kv SET value = 'another-boot' WHERE key = "
                                  "'store.boot_id'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
    assert_int_equal(bt_daemon_restart(&d), 0);
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fires\",\"signal_id\":\"FAN_R\"}");
    assert_non_null(r);
    json_t *fires = json_object_get(r, "fires");
    assert_int_equal(json_array_size(fires), 3);
    size_t i;
    json_t *f;
    json_array_foreach(fires, i, f)
    {
        assert_string_equal(json_string_value(json_object_get(f, "state")), "UNCONFIRMED");
    }
    json_decref(r);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "fires.restart_before_send"), 0);
    assert_int_equal(bt_json_int(st, "frames_out.signal"), 0);
    json_decref(st);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    //  That start marked the journal under this boot again: the next one is exact.
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT value FROM kv WHERE key = 'store.boot_id'", -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_not_equal((const char *)sqlite3_column_text(q, 0), "another-boot");
    sqlite3_finalize(q);
    sqlite3_close(db);
    bt_daemon_cleanup(&d);
}

//  A fire that timed out before a crash still takes its late result after the restart.
static void test_a_timed_out_fire_reconciles_its_late_result_after_a_restart(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_to\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.TIMEOUT", 1, 4000), 1);
    bt_daemon_kill(&e.d);
    zmq_close(e.cmd);
    zmq_close(e.fb);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    e.fb = bt_feedback_socket(&e.d, true);
    e.cmd = NULL;
    bt_send(e.fb, "{\"type\":\"trade_result\",\"signal_id\":\"c_to\",\"status\":\"success\","
                  "\"uuid\":\"" UUID "\"}");
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FILLED", 1, 3000), 1);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.duplicate_results"), 0);
    json_decref(st);
    r = s_ctl(&e, "{\"cmd\":\"fires\",\"signal_id\":\"c_to\"}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "fires"), 0), "state")),
                        "FILLED");
    json_decref(r);
    s_stop(&e);
}

#define TEL_MARGIN                                                                               \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"             \
    "\"equity\":10000,\"margin\":0,\"free_margin\":10000}}"

//  The per-account pacing (30 s between fires) holds across a kill -9: a fire decided before
//  the crash still counts after it.
static void test_fire_spacing_survives_a_kill_9(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    bt_send(e.fb, TEL_MARGIN);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 2, 3000), 2);
    json_t *r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"signal_id\":\"b1\","
                          "\"symbol\":\"EURUSD\",\"action\":\"buy\",\"sl_pips\":20,\"tp_pips\":40}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"signal_id\":\"b2\","
                  "\"symbol\":\"EURUSD\",\"action\":\"buy\",\"sl_pips\":20,\"tp_pips\":40}");
    s_expect(r, "REFUSED", "RISK_RATE");
    json_decref(r);
    bt_daemon_kill(&e.d);
    zmq_close(e.cmd);
    zmq_close(e.fb);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    e.fb = bt_feedback_socket(&e.d, true);
    e.cmd = bt_command_socket(&e.d);
    assert_int_equal(bt_wait_status(&e.d, "command.peers", 1, 3000), 1);
    bt_send(e.fb, TEL_MARGIN);
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 1, 3000), 1);
    assert_int_equal(bt_wait_status(&e.d, "eas.online", 1, 3000), 1);
    r = s_ctl(&e, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"signal_id\":\"b3\","
                  "\"symbol\":\"EURUSD\",\"action\":\"buy\",\"sl_pips\":20,\"tp_pips\":40}");
    s_expect(r, "REFUSED", "RISK_RATE");
    json_decref(r);
    s_stop(&e);
}

//  The shared PUSH belongs to command.account alone: another EA being online changes nothing
//  for its owner, and a second PULL on it stops every fire (MULTIPLE_EAS_ON_PUSH).
static void test_more_eas_online_than_command_peers_refuses(void **state)
{
    s_env_t e;
    s_start(&e, NULL, true);
    bt_send(e.fb, "{\"type\":\"heartbeat\",\"uuid\":\"other_ea\"}");
    assert_int_equal(bt_wait_status(&e.d, "eas.online", 2, 3000), 2);
    json_t *r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_two_on\"}");
    s_expect(r, "SENT", NULL);
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "c_two_on", 1000), 1);
    void *second = bt_command_socket(&e.d);
    assert_int_equal(bt_wait_status(&e.d, "command.peers", 2, 3000), 2);
    r = s_ctl(&e, "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"signal_id\":\"c_two_peers\"}");
    s_expect(r, "REFUSED", "MULTIPLE_EAS_ON_PUSH");
    json_decref(r);
    assert_int_equal(s_count_frames(second, "c_two_peers", 200), 0);
    zmq_close(second);
    s_stop(&e);
}

#define TEL_EQUITY(eq)                                                                           \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"             \
    "\"equity\":" eq ",\"margin\":0,\"free_margin\":" eq "}}"

//  A drawdown hard halt while no EA is on the command socket: its close_all is refused, owed,
//  and sent as soon as the EA is back and heard.
static void test_a_refused_hard_halt_close_all_is_sent_when_the_ea_returns(void **state)
{
    s_env_t e;
    s_start(&e, NULL, false);
    bt_send(e.fb, TEL_EQUITY("10000"));
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 1, 3000), 1);
    bt_send(e.fb, TEL_EQUITY("7900"));
    assert_true(bt_log_contains(&e.d, "halt.close_all_owed uuid=" UUID, 3000));
    e.cmd = bt_command_socket(&e.d);
    assert_int_equal(bt_wait_status(&e.d, "command.peers", 1, 3000), 1);
    bt_send(e.fb, TEL_EQUITY("7900"));
    char buf[2048];
    bool seen = false;
    while (!seen && bt_recv(e.cmd, buf, sizeof buf, BT_WAIT_MS) > 0)
        seen = strstr(buf, "\"action\":\"close_all\"") != NULL;
    assert_true(seen);
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opening_fire_on_telemetry_without_margin_is_refused_fail_closed),
        cmocka_unit_test(test_a_tiny_manual_stop_is_refused_and_never_sent),
        cmocka_unit_test(test_the_lot_replied_journaled_and_sent_is_one_number),
        cmocka_unit_test(test_an_explicit_lot_is_risk_checked_unless_overridden),
        cmocka_unit_test(test_kill_9_in_a_fan_out_leaves_every_target_journaled),
        cmocka_unit_test(test_refusals_carry_their_reason),
        cmocka_unit_test(test_close_goes_out_once_and_its_result_fills_it),
        cmocka_unit_test(test_no_ea_connected_refuses_and_a_late_ea_receives_nothing_stale),
        cmocka_unit_test(test_two_eas_on_push_refuse_and_an_offline_ea_refuses),
        cmocka_unit_test(test_timeout_then_late_result_reconciles_and_orphans_are_published),
        cmocka_unit_test(test_a_symbol_close_that_timed_out_is_filled_by_its_late_result),
        cmocka_unit_test(test_kill_9_after_a_send_neither_loses_nor_resends_the_fire),
        cmocka_unit_test(test_a_sent_fire_without_result_is_made_durable_soon),
        cmocka_unit_test(test_kill_9_between_the_send_and_its_sent_journal_is_unconfirmed),
        cmocka_unit_test(test_a_kill_9_after_a_fan_out_send_keeps_that_shot_and_only_that),
        cmocka_unit_test(test_after_a_reboot_every_pending_fan_out_target_is_unconfirmed),
        cmocka_unit_test(test_a_timed_out_fire_reconciles_its_late_result_after_a_restart),
        cmocka_unit_test(test_fire_spacing_survives_a_kill_9),
        cmocka_unit_test(test_more_eas_online_than_command_peers_refuses),
        cmocka_unit_test(test_a_refused_hard_halt_close_all_is_sent_when_the_ea_returns),
    };
    //  BT_TEST_FILTER=<glob> runs only the matching tests (to loop one while chasing a flake).
    cmocka_set_test_filter(getenv("BT_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
