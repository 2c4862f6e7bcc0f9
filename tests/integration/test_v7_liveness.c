/*  test_v7_liveness.c: EA v7 with the market closed. Its heartbeats and timers run on the
 *  broker's server clock, which stops without quotes (one heartbeat, then nothing), but it
 *  still answers every ping with a pong that carries no ping_id. That pong keeps it online
 *  (and gives the RTT when it is the answer to the account's only outstanding ping), and a
 *  ping to an EA that went offline brings it back. Over real sockets: raw v7-shaped frames on
 *  the shared pair (command.account, feedback.anonymous_account), and bitten-ea-sim --dialect
 *  v7 --market-closed. */
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

#define UUID "acct_v7l_1"
#define OFFLINE_S 5

static void s_start(bt_daemon_t *d)
{
    const char *zpl = "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"
                      "        mode = \"manual\"\n        dialect = \"v7\"\n"
                      "        server_utc_offset_s = 0\n"
                      "command\n    account = \"" UUID "\"\n"
                      "feedback\n    anonymous_account = \"" UUID "\"\n";
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "ea.ping_interval_s=1",
                          "--set", "ea.offline_after_s=5", "--set", "ea.check_interval_ms=100",
                          "--set", "command.keepalive_s=100", NULL};
    assert_int_equal(bt_daemon_start(d, zpl, args), 0);
}

//  Whether the daemon's log holds text now (no waiting: for what must NOT have happened).
static bool s_log_has(bt_daemon_t *d, const char *text)
{
    FILE *f = fopen(d->log_path, "r");
    if (!f)
        return false;
    char line[8192];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

//  The account's row of `eas` (a new reference).
static json_t *s_ea_row(bt_daemon_t *d)
{
    json_t *r = bt_ctl(d, "{\"cmd\":\"eas\"}");
    assert_non_null(r);
    json_t *row = json_array_get(json_object_get(r, "eas"), 0);
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, "uuid")), UUID);
    json_incref(row);
    json_decref(r);
    return row;
}

//  Reads the command socket for ms, answering each ping as v7 does (a pong without ping_id,
//  stamped with the frozen server clock). Returns how many pings it answered.
static int s_answer_pings(void *cmd, void *fb, const char *frozen, int ms)
{
    int answered = 0;
    int64_t end = bt_now_ms() + ms;
    char buf[4096], pong[128];
    snprintf(pong, sizeof pong, "{\"type\":\"pong\",\"timestamp\":\"%s\"}", frozen);
    while (bt_now_ms() < end) {
        int left = (int)(end - bt_now_ms());
        if (bt_recv(cmd, buf, sizeof buf, left > 0 ? left : 1) <= 0)
            continue;
        if (strstr(buf, "\"type\":\"ping\"")) {
            bt_send(fb, pong);
            answered++;
        }
    }
    return answered;
}

static void test_pongs_without_ping_id_keep_a_market_closed_v7_online(void **state)
{
    (void)state;
    bt_daemon_t d;
    s_start(&d);
    void *fb = bt_feedback_socket(&d, true);
    void *cmd = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 5000), 1);
    //  The server clock stopped a while ago: one heartbeat (the first OnTimer), then nothing.
    char frozen[32], hb[256];
    time_t t = time(NULL) - 30;
    strftime(frozen, sizeof frozen, "%Y.%m.%d %H:%M:%S", gmtime(&t));
    snprintf(hb, sizeof hb,
             "{\"type\":\"heartbeat\",\"balance\":10000.00,\"equity\":10000.00,"
             "\"positions\":0,\"timestamp\":\"%s\"}",
             frozen);
    bt_send(fb, hb);
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 5000), 1);
    //  Twice ea.offline_after_s of nothing but pongs: online throughout, RTT measured.
    int answered = s_answer_pings(cmd, fb, frozen, 2 * OFFLINE_S * 1000);
    assert_true(answered >= 1);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "eas.online"), 1);
    assert_true(bt_json_int(st, "eas.pongs_matched") >= 1);
    assert_int_equal(bt_json_int(st, "frames_in.heartbeat"), 1);
    json_decref(st);
    assert_false(s_log_has(&d, "ea.offline"));
    json_t *row = s_ea_row(&d);
    assert_true(json_is_true(json_object_get(row, "online")));
    assert_true(json_is_number(json_object_get(row, "rtt_ms")));
    assert_string_equal(json_string_value(json_object_get(row, "last_frame")), "pong");
    json_decref(row);
    //  No pongs: offline after ea.offline_after_s (pings keep coming, unread).
    assert_int_equal(bt_wait_status_eq(&d, "eas.online", 0, 3 * OFFLINE_S * 1000), 0);
    assert_true(bt_log_contains(&d, "why=silent", 3000));
    //  An offline EA is still pinged: its next pong brings it back.
    char buf[4096];
    while (bt_recv(cmd, buf, sizeof buf, 50) > 0) /* the pings sent meanwhile */
        ;
    assert_true(s_answer_pings(cmd, fb, frozen, 3000) >= 1);
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 5000), 1);
    assert_true(bt_log_contains(&d, "why=frame_after_silence", 3000));
    zmq_close(cmd);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  The simulated v7 with the market closed (its server clock stands still) stays online on
//  its pongs alone.
static void test_the_v7_sim_with_the_market_closed_stays_online(void **state)
{
    (void)state;
    bt_daemon_t d;
    s_start(&d);
    char cmdline[1200], out[8192];
    snprintf(cmdline, sizeof cmdline,
             "%s --dialect v7 --market-closed --server-offset-s 0 --command %s --feedback %s "
             "--duration-s %d --quiet",
             EA_SIM_PATH, d.command, d.feedback, 2 * OFFLINE_S + 2);
    assert_int_equal(bt_run(cmdline, out, sizeof out, 60000), 0);
    json_t *sum = json_loads(strrchr(out, '{'), 0, NULL);
    assert_non_null(sum);
    assert_true(json_integer_value(json_object_get(sum, "pings")) >= 1);
    json_decref(sum);
    json_t *st = bt_status(&d);
    assert_true(bt_json_int(st, "frames_in.pong") >= 1);
    assert_true(bt_json_int(st, "frames_in.heartbeat") <= 1); /* the server clock stood still */
    assert_true(bt_json_int(st, "eas.pongs_matched") >= 1);
    json_decref(st);
    //  Its stop sends status "shutdown" (offline, why=status_shutdown); never silent before.
    assert_false(s_log_has(&d, "why=silent"));
    json_t *row = s_ea_row(&d);
    assert_true(json_is_number(json_object_get(row, "rtt_ms")));
    json_decref(row);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pongs_without_ping_id_keep_a_market_closed_v7_online),
        cmocka_unit_test(test_the_v7_sim_with_the_market_closed_stays_online),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
