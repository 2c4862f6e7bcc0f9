/*  test_tools.c: the operator's and the EA's tools against the real daemon: bittenctl status,
 *  tail and its exit codes; bitten-ea-sim coming online, hearing keepalives, answering pings;
 *  the log file reopened on SIGHUP. */
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
#include <zmq.h>

#include "harness.h"

static void test_bittenctl_status_json_and_human(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char cmd[1200], out[65536];
    snprintf(cmd, sizeof cmd, "%s --control %s status --json", BITTENCTL_PATH, d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    json_error_t err;
    json_t *st = json_loads(out, 0, &err);
    assert_non_null(st);
    assert_true(json_is_true(json_object_get(st, "ok")));
    assert_non_null(json_object_get(st, "rejects"));
    assert_non_null(json_object_get(json_object_get(st, "endpoints"), "command"));
    json_decref(st);
    snprintf(cmd, sizeof cmd, "%s --control %s status", BITTENCTL_PATH, d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "frames in"));
    assert_non_null(strstr(out, "rejects"));
    //  An unknown control command is refused with its reason and exit code 1.
    snprintf(cmd, sizeof cmd, "%s --control %s call frobnicate 2>&1", BITTENCTL_PATH, d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 1);
    assert_non_null(strstr(out, "UNKNOWN_COMMAND"));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    //  Not running: exit code 3 and a message that says so.
    snprintf(cmd, sizeof cmd, "%s --control %s --timeout-ms 300 status 2>&1", BITTENCTL_PATH,
             d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 3);
    assert_non_null(strstr(out, "is it running?"));
    snprintf(cmd, sizeof cmd, "%s nonsense 2>&1", BITTENCTL_PATH);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 2);
    bt_daemon_cleanup(&d);
}

static void test_bittenctl_tail_prints_filtered_events(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char cmd[1200], out[65536];
    snprintf(cmd, sizeof cmd, "%s --control %s tail --topic ea.online --uuid ea_tail_2 --count 1 "
             "--seconds 120 > %s/tail.out", BITTENCTL_PATH, d.control, d.dir);
    FILE *bg = popen(cmd, "r");
    //  tail is listening once the daemon counts its subscription (it exits at the first match).
    assert_true(bt_wait_status(&d, "event_subscriptions", 1, BT_WAIT_MS) >= 1);
    void *fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"ea_tail_1\"}",
                                           "frames_in.heartbeat", 5000), 0);
    bt_send(fb, "not json");
    bt_send(fb, "{\"type\":\"heartbeat\",\"uuid\":\"ea_tail_2\"}");
    assert_int_equal(pclose(bg), 0);
    snprintf(cmd, sizeof cmd, "cat %s/tail.out", d.dir);
    assert_int_equal(bt_run(cmd, out, sizeof out, 5000), 0);
    //  Exactly the one event that matches topic and uuid.
    assert_non_null(strstr(out, "ea.online"));
    assert_non_null(strstr(out, "\"ea_tail_2\""));
    assert_null(strstr(out, "ea_tail_1"));
    assert_null(strstr(out, "reject"));
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_ea_sim_comes_online_hears_keepalives_and_answers_pings(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "command.keepalive_s=1", "--set", "ea.ping_interval_s=1",
                          "--set", "command.account=sim_it_1", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    char cmd[1200], out[8192];
    snprintf(cmd, sizeof cmd, "%s --command %s --feedback %s --uuid sim_it_1 --telemetry-s 1 "
             "--heartbeat-s 1 --duration-s 10 --quiet", EA_SIM_PATH, d.command, d.feedback);
    assert_int_equal(bt_run(cmd, out, sizeof out, 20000), 0);
    //  The sim's last stdout line is its JSON summary.
    char *last = strrchr(out, '{');
    assert_non_null(last);
    json_error_t err;
    json_t *sum = json_loads(last, 0, &err);
    assert_non_null(sum);
    assert_true(json_integer_value(json_object_get(sum, "keepalives")) >= 2);
    assert_true(json_integer_value(json_object_get(sum, "pings")) >= 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "duplicates")), 0);
    json_decref(sum);
    json_t *st = bt_status(&d);
    assert_true(bt_json_int(st, "frames_in.telemetry") >= 2);
    assert_true(bt_json_int(st, "frames_in.pong") >= 1);
    assert_true(bt_json_int(st, "eas.pongs_matched") >= 1);
    assert_int_equal(bt_json_int(st, "rejects_total"), 0);
    json_decref(st);
    assert_true(bt_log_contains(&d, "ea.online uuid=sim_it_1", 1000));
    assert_true(bt_log_contains(&d, "ea.offline uuid=sim_it_1 why=status_shutdown", 3000));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_ea_sim_garbage_is_counted_and_the_sim_is_still_heard(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    char cmd[1200], out[8192];
    snprintf(cmd, sizeof cmd, "%s --command %s --feedback %s --feedback-socket push --uuid sim_g "
             "--telemetry-s 1 --heartbeat-s 1 --garbage-every 1 --duration-s 8 --quiet",
             EA_SIM_PATH, d.command, d.feedback);
    assert_int_equal(bt_run(cmd, out, sizeof out, 20000), 0);
    json_error_t err;
    json_t *sum = json_loads(strrchr(out, '{'), 0, &err);
    int64_t garbage = json_integer_value(json_object_get(sum, "garbage_sent"));
    json_decref(sum);
    assert_true(garbage >= 3);
    //  PUSH/PULL loses nothing: every garbage frame is a counted reject.
    assert_int_equal(bt_wait_status(&d, "rejects_total", garbage, 5000), garbage);
    json_t *st = bt_status(&d);
    assert_true(bt_json_int(st, "frames_in.telemetry") >= 2);
    json_decref(st);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_sighup_reopens_the_log_file(void **state)
{
    bt_daemon_t d;
    char log_file[400], rotated[420], set[420];
    //  The harness dir is made by start; use a fixed name under /tmp for the --log-file.
    snprintf(log_file, sizeof log_file, "/tmp/bitten-hup-%d.log", (int)getpid());
    snprintf(rotated, sizeof rotated, "%s.1", log_file);
    snprintf(set, sizeof set, "--log-file=%s", log_file);
    const char *args[] = {set, NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    bt_sleep_ms(100);
    assert_int_equal(rename(log_file, rotated), 0);
    kill(d.pid, SIGHUP);
    for (int64_t until = bt_now_ms() + BT_WAIT_MS; access(log_file, F_OK) != 0 && bt_now_ms() < until;)
        bt_sleep_ms(20);
    char cmd[1200], out[4096];
    snprintf(cmd, sizeof cmd, "cat %s", log_file);
    assert_int_equal(bt_run(cmd, out, sizeof out, 5000), 0);
    assert_non_null(strstr(out, "log.reopened signal=SIGHUP"));
    snprintf(cmd, sizeof cmd, "cat %s", rotated);
    assert_int_equal(bt_run(cmd, out, sizeof out, 5000), 0);
    assert_non_null(strstr(out, "daemon.ready"));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    unlink(log_file);
    unlink(rotated);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bittenctl_status_json_and_human),
        cmocka_unit_test(test_bittenctl_tail_prints_filtered_events),
        cmocka_unit_test(test_ea_sim_comes_online_hears_keepalives_and_answers_pings),
        cmocka_unit_test(test_ea_sim_garbage_is_counted_and_the_sim_is_still_heard),
        cmocka_unit_test(test_sighup_reopens_the_log_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
