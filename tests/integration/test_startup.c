/*  test_startup.c: the real bittend refusing to start: config errors and enforcement give exit
 *  code 2 and one line naming the key or file; a normal start shows the banner and stops fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

//  Reads the daemon's whole stderr; refusals must be exactly one line.
static const char *s_output(bt_daemon_t *d)
{
    static char buf[8192];
    FILE *f = fopen(d->log_path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static void s_expect_refusal(const char *zpl, const char *const *args, const char *needle)
{
    bt_daemon_t d;
    int rc = bt_daemon_run_to_exit(&d, zpl, args, 10000);
    const char *out = s_output(&d);
    if (rc != 2 || !strstr(out, needle))
        fprintf(stderr, "rc=%d output: %s\n", rc, out);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, needle));
    assert_non_null(strstr(out, "bittend: "));
    //  One line: the message and its newline, nothing else.
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    bt_daemon_cleanup(&d);
}

static void test_unknown_key_exits_2_naming_the_key(void **state)
{
    s_expect_refusal("ea\n    offline_after = 5\n", NULL, "'ea.offline_after'");
}

static void test_out_of_range_value_exits_2_naming_the_key(void **state)
{
    const char *args[] = {"--set", "command.keepalive_s=0", NULL};
    s_expect_refusal(NULL, args, "'command.keepalive_s'");
}

static void test_bad_choice_exits_2_naming_the_key(void **state)
{
    const char *args[] = {"--set", "feedback.socket=router", NULL};
    s_expect_refusal(NULL, args, "'feedback.socket'");
}

static void test_unknown_option_exits_2(void **state)
{
    const char *args[] = {"--frobnicate", NULL};
    s_expect_refusal(NULL, args, "--frobnicate");
}

static void test_turning_zmq_mode_off_is_refused(void **state)
{
    const char *args[] = {"--no-zmq-mode", NULL};
    s_expect_refusal(NULL, args, "ZMQ is the only transport");
    const char *args2[] = {"--set", "zmq.mode=false", NULL};
    s_expect_refusal(NULL, args2, "'zmq.mode'");
}

static void test_enforce_refuses_non_zmq_endpoints_and_legacy_keys(void **state)
{
    const char *args[] = {"--set", "feedback.endpoint=http://127.0.0.1:8080", NULL};
    s_expect_refusal(NULL, args, "'feedback.endpoint'");
    s_expect_refusal("bridge\n    fire_file = \"/srv/mt5/fire.txt\"\n", NULL, "'bridge.fire_file'");
}

static void test_control_must_stay_local(void **state)
{
    const char *args[] = {"--set", "control.endpoint=tcp://0.0.0.0:5557", NULL};
    s_expect_refusal(NULL, args, "'control.endpoint'");
}

static void test_strict_mode_refuses_to_start_beside_a_legacy_file(void **state)
{
    char dir[] = "/tmp/bitten-legacy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[128];
    snprintf(file, sizeof file, "%s/trade_result.txt", dir);
    FILE *f = fopen(file, "w");
    fputs("ticket=1\n", f);
    fclose(f);
    char set[160];
    snprintf(set, sizeof set, "strict.legacy_dirs=/nonexistent,%s", dir);
    const char *args[] = {"--zmq-strict", "--set", set, NULL};
    s_expect_refusal(NULL, args, file);
    //  With strict off the same daemon starts.
    const char *ok_args[] = {"--set", set, "--set", "zmq.strict=false", NULL};
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, ok_args), 0);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
    remove(file);
    rmdir(dir);
}

//  "Promptly": not held by the linger (at most shutdown.linger_ms = 2 s) of a socket that still
//  has an EA attached; the bound is generous because a busy machine may be slow to schedule.
static void test_start_shows_banner_and_sigterm_stops_promptly(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    assert_true(bt_log_contains(&d, "BITTEN ZMQ MODE ENABLED — File fallback disabled.", 2000));
    char ready[96];
    snprintf(ready, sizeof ready, "daemon.ready command=tcp://%s:", bt_loopback());
    assert_true(bt_log_contains(&d, ready, 2000));
    //  An EA attached does not slow the stop (short linger).
    void *pull = bt_command_socket(&d);
    bt_sleep_ms(100);
    double seconds = 99;
    assert_int_equal(bt_daemon_stop(&d, &seconds), 0);
    assert_true(seconds < 15.0);
    assert_true(bt_log_contains(&d, "daemon.stopped exit=0", 100));
    zmq_close(pull);
    bt_daemon_cleanup(&d);
}

static void test_print_config_shows_layers(void **state)
{
    char out[16384];
    char cmd[512];
    //  From the source dir, as scripts/dev runs the demo: its paths (the evidence seed) are
    //  relative to it.
    snprintf(cmd, sizeof cmd,
             "env -C %s BITTEN_EA_OFFLINE_AFTER_S=33 %s --config config/demo.cfg "
             "--set log.level=warn --print-config",
             BITTEN_SOURCE_DIR, BITTEND_PATH);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "offline_after_s = \"33\"    # from env"));
    assert_non_null(strstr(out, "level = \"warn\"    # from cli"));
    assert_non_null(strstr(out, "keepalive_s = \"5\"    # from file"));
    assert_non_null(strstr(out, "sndhwm = \"1000\"    # from default"));
}

/* ---------------------------------------------------------------- --check-config */

//  --check-config refuses what start-up would refuse: exit 2, one line naming the key. The
//  same config without --check-config must fail the same way (start-up runs the same checks).
static void s_expect_check_refusal(const char *zpl, const char *set, const char *needle)
{
    const char *check[] = {"--check-config", "--set", set ? set : "log.level=debug", NULL};
    s_expect_refusal(zpl, check, needle);
    const char *start[] = {"--set", set ? set : "log.level=debug", NULL};
    s_expect_refusal(zpl, start, needle);
}

static void test_check_config_says_ok_and_exits_0(void **state)
{
    const char *args[] = {"--check-config", NULL};
    bt_daemon_t d;
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, args, 10000), 0);
    assert_string_equal(s_output(&d), "ok\n");
    bt_daemon_cleanup(&d);
}

static void test_check_config_refuses_a_port_out_of_range(void **state)
{
    s_expect_check_refusal(NULL, "command.endpoint=tcp://127.0.0.1:99999", "'command.endpoint'");
    s_expect_check_refusal(NULL, "events.endpoint=tcp://127.0.0.1:-1", "'events.endpoint'");
    s_expect_check_refusal(NULL, "feedback.endpoint=tcp://127.0.0.1", "'feedback.endpoint'");
}

static void test_check_config_refuses_a_bad_transport(void **state)
{
    const char *check[] = {"--check-config", "--set", "zmq.enforce=false", "--set",
                           "feedback.endpoint=udp://127.0.0.1:5556", NULL};
    s_expect_refusal(NULL, check, "'feedback.endpoint'");
}

static void test_check_config_refuses_an_unknown_key_inside_accounts(void **state)
{
    s_expect_check_refusal("accounts\n    alice\n        uuid = \"u-1\"\n        tire = \"FANG\"\n",
                           NULL, "'accounts.alice.tire'");
}

static void test_check_config_refuses_a_key_given_twice_naming_both_lines(void **state)
{
    //  Our lines follow the harness config's: the expected numbers are counted from it.
    bt_daemon_t d;
    const char *probe[] = {"--print-config", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, probe, 10000), 0);
    FILE *f = fopen(d.cfg_path, "r");
    assert_non_null(f);
    int base = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        base += c == '\n';
    fclose(f);
    bt_daemon_cleanup(&d);
    char needle[160];
    snprintf(needle, sizeof needle, "'ea.offline_after_s' is given twice (lines %d and %d)",
             base + 2, base + 3);
    s_expect_check_refusal("ea\n    offline_after_s = 30\n    offline_after_s = 60\n", NULL,
                           needle);
    //  A second accounts block would be silently ignored by its module: refused too.
    snprintf(needle, sizeof needle, "'accounts' is given twice (lines %d and %d)", base + 1,
             base + 4);
    s_expect_check_refusal("accounts\n    a\n        uuid = \"u-1\"\naccounts\n    b\n"
                           "        uuid = \"u-2\"\n",
                           NULL, needle);
}

static void test_check_config_refuses_a_missing_server_key(void **state)
{
    const char *check[] = {"--check-config", "--set", "security.curve=true", "--set",
                           "security.server_cert=/nonexistent/server.cert_secret", "--set",
                           "security.clients_dir=/tmp", NULL};
    s_expect_refusal(NULL, check, "'security.server_cert'");
}

static void test_check_config_refuses_an_unreadable_clients_dir(void **state)
{
    //  A real key pair, so the server key passes and the clients dir is what fails.
    char dir[] = "/tmp/bitten-keys-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[512], out[2048];
    snprintf(cmd, sizeof cmd, "%s keygen --server --dir %s", BITTENCTL_PATH, dir);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    char cert[300], clients[300];
    snprintf(cert, sizeof cert, "security.server_cert=%s/server.cert_secret", dir);
    snprintf(clients, sizeof clients, "security.clients_dir=%s/no-such-dir", dir);
    const char *check[] = {"--check-config", "--set", "security.curve=true", "--set", cert,
                           "--set", clients, NULL};
    s_expect_refusal(NULL, check, "'security.clients_dir'");
    //  A public half without its _secret companion is no server key.
    snprintf(cmd, sizeof cmd, "cp %s/server.cert %s/public-only.cert", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cert, sizeof cert, "security.server_cert=%s/public-only.cert", dir);
    snprintf(clients, sizeof clients, "security.clients_dir=%s", dir);
    s_expect_refusal(NULL, check, "holds no secret key");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_check_config_refuses_a_state_dir_it_cannot_create(void **state)
{
    s_expect_check_refusal(NULL, "state_dir=/nonexistent/bitten/state", "'state_dir'");
    s_expect_check_refusal(NULL, "state_dir=/etc/hostname", "'state_dir'");
}

static void test_check_config_runs_every_modules_check(void **state)
{
    s_expect_check_refusal("symbols\n    EURUSD\n        pip_size = 0.0001\n", NULL,
                           "'symbols.EURUSD.pip_size'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_key_exits_2_naming_the_key),
        cmocka_unit_test(test_out_of_range_value_exits_2_naming_the_key),
        cmocka_unit_test(test_bad_choice_exits_2_naming_the_key),
        cmocka_unit_test(test_unknown_option_exits_2),
        cmocka_unit_test(test_turning_zmq_mode_off_is_refused),
        cmocka_unit_test(test_enforce_refuses_non_zmq_endpoints_and_legacy_keys),
        cmocka_unit_test(test_control_must_stay_local),
        cmocka_unit_test(test_strict_mode_refuses_to_start_beside_a_legacy_file),
        cmocka_unit_test(test_start_shows_banner_and_sigterm_stops_promptly),
        cmocka_unit_test(test_print_config_shows_layers),
        cmocka_unit_test(test_check_config_says_ok_and_exits_0),
        cmocka_unit_test(test_check_config_refuses_a_port_out_of_range),
        cmocka_unit_test(test_check_config_refuses_a_bad_transport),
        cmocka_unit_test(test_check_config_refuses_an_unknown_key_inside_accounts),
        cmocka_unit_test(test_check_config_refuses_a_key_given_twice_naming_both_lines),
        cmocka_unit_test(test_check_config_refuses_a_missing_server_key),
        cmocka_unit_test(test_check_config_refuses_an_unreadable_clients_dir),
        cmocka_unit_test(test_check_config_refuses_a_state_dir_it_cannot_create),
        cmocka_unit_test(test_check_config_runs_every_modules_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
