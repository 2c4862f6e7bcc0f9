/*  test_reload.c: config reload over real sockets: `reload` (and SIGHUP) re-reads the file,
 *  turns an account manual -> auto live (the next passed verdict fires for it), says what
 *  changed and what needs a restart, and a bad file keeps the running configuration. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define ACCOUNT(mode)                                                                            \
    "accounts\n    a\n        uuid = \"reload_ea\"\n        tier = \"FANG\"\n        mode = \"" \
    mode "\"\n"

//  Rewrites the daemon's config file with `from` replaced by `to` (once).
static void s_edit_config(bt_daemon_t *d, const char *from, const char *to)
{
    assert_int_equal(bt_edit_config(d, from, to), 0);
}

//  The recorded-style market over a PUSH: one signal that CITADEL passes.
static void s_market_passes_a_signal(bt_daemon_t *d)
{
    void *fb = bt_feedback_socket(d, true);
    //  The connection is up once a heartbeat is counted; it names an account of its own (a
    //  uuid-less one is refused UNATTRIBUTED on the shared socket without
    //  feedback.anonymous_account).
    assert_int_equal(bt_send_until_counted(d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"reload_sync\"}",
                                           "frames_in.heartbeat", 5000),
                     0);
    int sent = bt_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(d, "venom.ticks", sent, 10000), sent);
    assert_int_equal(bt_wait_status(d, "citadel.passed", 1, 3000), 1);
    zmq_close(fb);
}

static bool s_has(json_t *list, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), key) == 0)
            return true;
    }
    return false;
}

static void test_a_reload_turns_an_account_auto_and_the_next_verdict_fires_for_it(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "citadel.evidence_gate=0",
                          NULL};
    assert_int_equal(bt_daemon_start(&d, ACCOUNT("manual"), args), 0);
    s_edit_config(&d, "mode = \"manual\"", "mode = \"auto\"");
    s_edit_config(&d, "level = \"debug\"", "level = \"info\"\nea\n    offline_after_s = 77");
    json_t *r = bt_ctl(&d, "{\"cmd\":\"reload\"}");
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_true(s_has(json_object_get(r, "changed"), "accounts"));
    assert_true(s_has(json_object_get(r, "applied"), "accounts"));
    assert_true(s_has(json_object_get(r, "applied"), "log.level"));
    assert_true(s_has(json_object_get(r, "restart_needed"), "ea.offline_after_s"));
    assert_false(s_has(json_object_get(r, "changed"), "command.endpoint"));
    json_decref(r);
    assert_true(bt_log_contains(&d, "config.reloaded changed=", 2000));
    r = bt_ctl(&d, "{\"cmd\":\"accounts\"}");
    char *text = json_dumps(r, JSON_COMPACT);
    assert_non_null(strstr(text, "\"mode\":\"auto\""));
    free(text);
    json_decref(r);

    //  The next passed verdict fires for the account (the recorded 2025 market time is refused
    //  CLOCK_SKEW, journaled for it: an auto fire was made; a manual account gets none).
    s_market_passes_a_signal(&d);
    assert_int_equal(bt_wait_status(&d, "fires.refused.CLOCK_SKEW", 1, 3000), 1);
    r = bt_ctl(&d, "{\"cmd\":\"fires\",\"uuid\":\"reload_ea\"}");
    json_t *f = json_array_get(json_object_get(r, "fires"), 0);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "signal_id")),
                        "VENOM_EURUSD_1757941260");
    assert_string_equal(json_string_value(json_object_get(f, "source")), "auto");
    json_decref(r);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_manual_account_gets_no_auto_fire_without_the_reload(void **state)
{
    //  The control: the same market with the account left manual makes no fire for it.
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "citadel.evidence_gate=0",
                          NULL};
    assert_int_equal(bt_daemon_start(&d, ACCOUNT("manual"), args), 0);
    s_market_passes_a_signal(&d);
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fires\",\"uuid\":\"reload_ea\"}");
    assert_int_equal(json_array_size(json_object_get(r, "fires")), 0);
    json_decref(r);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_bad_file_keeps_the_running_config(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, ACCOUNT("manual"), NULL), 0);
    //  A typo inside accounts and an auto mode: refused whole, nothing applied.
    s_edit_config(&d, "mode = \"manual\"", "mode = \"auto\"\n        tire = \"FANG\"");
    json_t *r = bt_ctl(&d, "{\"cmd\":\"reload\"}");
    assert_false(json_is_true(json_object_get(r, "ok")));
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "CONFIG_INVALID");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "accounts.a.tire"));
    json_decref(r);
    //  SIGHUP takes the same way: logged, kept.
    kill(d.pid, SIGHUP);
    assert_true(bt_log_contains(&d, "config.reload_failed", 3000));
    assert_true(bt_log_contains(&d, "action=kept_running_config", 100));
    r = bt_ctl(&d, "{\"cmd\":\"accounts\"}");
    char *text = json_dumps(r, JSON_COMPACT);
    assert_non_null(strstr(text, "\"mode\":\"manual\""));
    free(text);
    json_decref(r);
    //  The daemon still answers and a fixed file reloads.
    s_edit_config(&d, "\n        tire = \"FANG\"", "");
    r = bt_ctl(&d, "{\"cmd\":\"reload\"}");
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_bittenctl_reload_prints_what_changed(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, ACCOUNT("manual"), NULL), 0);
    s_edit_config(&d, "mode = \"manual\"", "mode = \"auto\"");
    char cmd[512], out[4096];
    snprintf(cmd, sizeof cmd, "%s --control %s reload --json", BITTENCTL_PATH, d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    json_error_t jerr;
    json_t *r = json_loads(out, 0, &jerr);
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_true(s_has(json_object_get(r, "applied"), "accounts"));
    //  A mode change is live; no endpoint pair changed, so none is reported restart-needed.
    assert_false(s_has(json_object_get(r, "restart_needed"),
                       "accounts.*.command_endpoint/feedback_endpoint"));
    json_decref(r);
    //  An account's own endpoint pair is bound at start only: a reload says it needs a restart.
    s_edit_config(&d, "mode = \"auto\"",
                  "mode = \"auto\"\n        command_endpoint = \"tcp://127.0.0.1:*\"\n"
                  "        feedback_endpoint = \"tcp://127.0.0.1:*\"");
    snprintf(cmd, sizeof cmd, "%s --control %s reload --json", BITTENCTL_PATH, d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    r = json_loads(out, 0, &jerr);
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_true(s_has(json_object_get(r, "restart_needed"),
                      "accounts.*.command_endpoint/feedback_endpoint"));
    json_decref(r);
    //  For people: one line each.
    snprintf(cmd, sizeof cmd, "%s --control %s reload", BITTENCTL_PATH, d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "restart needed"));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_reload_raises_venom_min_confidence_live(void **state)
{
    //  venom.min_confidence is applied live: the scenario's signal (which passes at the
    //  default 60) is then below the bar; a ring size stays restart-needed.
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    assert_int_equal(bt_daemon_start(&d, ACCOUNT("manual"), args), 0);
    s_edit_config(&d, "level = \"debug\"",
                  "level = \"debug\"\nvenom\n    min_confidence = 100\n    ring_m1 = 1000");
    json_t *r = bt_ctl(&d, "{\"cmd\":\"reload\"}");
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_true(s_has(json_object_get(r, "applied"), "venom.min_confidence"));
    assert_false(s_has(json_object_get(r, "restart_needed"), "venom.min_confidence"));
    assert_true(s_has(json_object_get(r, "restart_needed"), "venom.ring_m1"));
    assert_false(s_has(json_object_get(r, "applied"), "venom.ring_m1"));
    json_decref(r);
    assert_true(bt_log_contains(&d, "venom.reloaded min_confidence=100.0", 2000));

    void *fb = bt_feedback_socket(&d, true);
    //  A heartbeat names its account: a uuid-less one is UNATTRIBUTED on the shared socket.
    assert_int_equal(bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"reload_sync\"}",
                                           "frames_in.heartbeat", 5000),
                     0);
    int sent = bt_send_lsr_scenario(fb);
    assert_int_equal(bt_wait_status(&d, "venom.ticks", sent, 10000), sent);
    zmq_close(fb);
    assert_true(bt_wait_status(&d, "venom.below_min_confidence", 1, 3000) >= 1);
    assert_int_equal(bt_wait_status(&d, "venom.signals", 1, 200), 0);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_reload_turns_an_account_auto_and_the_next_verdict_fires_for_it),
        cmocka_unit_test(test_a_manual_account_gets_no_auto_fire_without_the_reload),
        cmocka_unit_test(test_a_bad_file_keeps_the_running_config),
        cmocka_unit_test(test_bittenctl_reload_prints_what_changed),
        cmocka_unit_test(test_a_reload_raises_venom_min_confidence_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
