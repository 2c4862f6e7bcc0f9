/*  test_operations.c: an operator's view, end to end with bitten-ea-sim: a manual fire filled
 *  and closed by the sim, traced by `grep signal_id=...` in the log and through every bittenctl
 *  command (with --json); a failed fill and a timed-out fire with the sim's fault injection. */
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

#include "harness.h"

#define ACCOUNTS                                                                                  \
    "accounts\n    ops\n        uuid = \"ops_ea_1\"\n        tier = \"COMMANDER\"\n"              \
    "        mode = \"manual\"\n" \
    "command\n    account = \"ops_ea_1\"\n"

typedef struct {
    bt_daemon_t d;
    FILE *sim;
    char sim_out[300], sim_pid[300];
} s_env_t;

static void s_start(s_env_t *e, const char *sim_flags)
{
    const char *args[] = {"--set", "fire.result_timeout_s=2", "--set", "fire.check_interval_ms=100",
                          NULL};
    assert_int_equal(bt_daemon_start(&e->d, ACCOUNTS, args), 0);
    snprintf(e->sim_out, sizeof e->sim_out, "%s/sim.out", e->d.dir);
    snprintf(e->sim_pid, sizeof e->sim_pid, "%s/sim.pid", e->d.dir);
    //  The sim runs until s_stop ends it (its --duration-s only bounds a test that failed).
    char cmd[1500];
    snprintf(cmd, sizeof cmd,
             "echo $$ > %s; exec %s --command %s --feedback %s --uuid ops_ea_1 --balance 10000 "
             "--telemetry-s 0.5 --heartbeat-s 1 --duration-s 300 --quiet %s > %s 2>&1",
             e->sim_pid, EA_SIM_PATH, e->d.command, e->d.feedback, sim_flags, e->sim_out);
    e->sim = popen(cmd, "r");
    assert_non_null(e->sim);
    //  The sim is ready when its telemetry is counted and it is a command peer.
    assert_true(bt_wait_status(&e->d, "frames_in.telemetry", 2, 10000) >= 2);
    assert_int_equal(bt_wait_status(&e->d, "command.peers", 1, 5000), 1);
}

static void s_stop(s_env_t *e)
{
    FILE *f = fopen(e->sim_pid, "r");
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid > 0)
        kill((pid_t)pid, SIGTERM);
    pclose(e->sim);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
}

static int s_ctl_cmd(s_env_t *e, const char *args, char *out, size_t size)
{
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "%s --control %s %s 2>&1", BITTENCTL_PATH, e->d.control, args);
    return bt_run(cmd, out, size, 10000);
}

static int s_grep_count(s_env_t *e, const char *needle)
{
    FILE *f = fopen(e->d.log_path, "r");
    char line[8192];
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

static void test_one_fire_is_traced_by_its_signal_id_and_through_bittenctl(void **state)
{
    s_env_t e;
    s_start(&e, "--auto-close-s 1");
    static char out[65536];
    assert_int_equal(s_ctl_cmd(&e, "fire --uuid ops_ea_1 --symbol EURUSD --action buy --sl-pips 20 "
                                   "--tp-pips 30 --id OPS_1 --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"state\": \"SENT\""));
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.CLOSED", 1, 8000), 1);
    //  The whole story from one grep: decided, journaled, sent, filled with a ticket, closed,
    //  and XP paid -- every line carrying the ids an operator looks for.
    assert_true(bt_log_contains(&e.d, "fire.pending signal_id=OPS_1 uuid=ops_ea_1 symbol=EURUSD", 1000));
    assert_true(bt_log_contains(&e.d, "fire.sent signal_id=OPS_1 uuid=ops_ea_1", 1000));
    assert_true(bt_log_contains(&e.d, "fire.filled signal_id=OPS_1 uuid=ops_ea_1", 1000));
    assert_true(bt_log_contains(&e.d, "ticket=100000001", 1000));
    assert_true(bt_log_contains(&e.d, "fire.closed signal_id=OPS_1 uuid=ops_ea_1", 1000));
    assert_true(bt_log_contains(&e.d, "xp.award uuid=ops_ea_1 signal_id=OPS_1", 1000));
    assert_true(s_grep_count(&e, "signal_id=OPS_1") >= 5);

    assert_int_equal(s_ctl_cmd(&e, "fires --uuid ops_ea_1 --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"signal_id\": \"OPS_1\""));
    assert_non_null(strstr(out, "\"state\": \"CLOSED\""));
    assert_non_null(strstr(out, "\"ticket\": 100000001"));
    assert_int_equal(s_ctl_cmd(&e, "fires --uuid ops_ea_1", out, sizeof out), 0);
    assert_non_null(strstr(out, "OPS_1"));
    assert_int_equal(s_ctl_cmd(&e, "xp --uuid ops_ea_1 --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"xp\": 130"));
    assert_non_null(strstr(out, "\"rank\": \"PRIVATE\""));
    assert_int_equal(s_ctl_cmd(&e, "accounts --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "ops_ea_1"));
    assert_int_equal(s_ctl_cmd(&e, "signals --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"signals\""));
    assert_int_equal(s_ctl_cmd(&e, "eas --json", out, sizeof out), 0);
    assert_int_equal(s_ctl_cmd(&e, "config --json", out, sizeof out), 0);
    assert_int_equal(s_ctl_cmd(&e, "status --json", out, sizeof out), 0);
    //  A refusal: exit code 1 and the reason on stderr.
    assert_int_equal(s_ctl_cmd(&e, "fire --uuid ops_ea_1 --symbol EURUSD --action buy --sl-pips 20 "
                                   "--id OPS_1", out, sizeof out), 1);
    assert_non_null(strstr(out, "DUPLICATE"));
    assert_int_equal(s_ctl_cmd(&e, "fire --uuid ops_ea_1", out, sizeof out), 2);
    s_stop(&e);
}

static void test_a_failed_fill_and_a_lost_result(void **state)
{
    s_env_t e;
    s_start(&e, "--reject-symbol GBPUSD --drop-results");
    static char out[16384];
    //  --drop-results: the EA never answers; the fire times out with an alarm.
    assert_int_equal(s_ctl_cmd(&e, "fire --uuid ops_ea_1 --symbol EURUSD --action buy --sl-pips 20 "
                                   "--id OPS_LOST", out, sizeof out), 0);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.TIMEOUT", 1, 6000), 1);
    assert_true(bt_log_contains(&e.d, "fire.timeout signal_id=OPS_LOST", 1000));
    s_stop(&e);
    s_start(&e, "--reject-symbol GBPUSD");
    assert_int_equal(s_ctl_cmd(&e, "fire --uuid ops_ea_1 --symbol GBPUSD --action sell --sl-pips 20 "
                                   "--id OPS_REJ", out, sizeof out), 0);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.FAILED", 1, 6000), 1);
    assert_true(bt_log_contains(&e.d, "fire.failed signal_id=OPS_REJ uuid=ops_ea_1", 1000));
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_fire_is_traced_by_its_signal_id_and_through_bittenctl),
        cmocka_unit_test(test_a_failed_fill_and_a_lost_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
