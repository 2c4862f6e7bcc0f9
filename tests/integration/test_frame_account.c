/*  test_frame_account.c: the one account lookup per feedback frame (issue 17) over real
 *  sockets: the core resolves a frame's account once and the EA registry, XP & risk and the
 *  fire router find their records by its slot. Every frame still lands on its own account's
 *  records whatever the order, whoever sends it, for unknown uuids, across a reload that drops
 *  the account from the config while its frames are queued, and across a restart that gives
 *  every account another slot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define ACCOUNT_ZPL(name, uuid, tier)                                                              \
    "    " name "\n        uuid = \"" uuid "\"\n        tier = \"" tier "\"\n"                     \
    "        mode = \"manual\"\n"

static const char *const s_args[] = {
    "--set", "feedback.socket=pull",    "--set", "ea.ping_interval_s=0",
    "--set", "command.keepalive_s=100", NULL};

static void s_tel(void *fb, const char *uuid, double equity)
{
    char frame[256];
    snprintf(frame, sizeof frame,
             "{\"type\":\"telemetry\",\"uuid\":\"%s\",\"account\":{\"balance\":10000,"
             "\"equity\":%.2f,\"margin\":0,\"free_margin\":%.2f}}",
             uuid, equity, equity);
    assert_int_equal(bt_send(fb, frame), 0);
}

//  The account's row in `accounts_risk` (a new reference), or NULL when XP & risk has none.
static json_t *s_risk_row(bt_daemon_t *d, const char *uuid)
{
    json_t *r = bt_ctl(d, "{\"cmd\":\"accounts_risk\"}");
    assert_non_null(r);
    json_t *found = NULL, *a;
    size_t i;
    json_array_foreach(json_object_get(r, "accounts"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid) == 0)
            found = json_incref(a);
    }
    json_decref(r);
    return found;
}

static double s_equity(bt_daemon_t *d, const char *uuid)
{
    json_t *row = s_risk_row(d, uuid);
    double v = row ? json_number_value(json_object_get(row, "equity")) : -1.0;
    json_decref(row);
    return v;
}

//  The frames the EA registry counted for the account, -1 when it does not know it.
static int64_t s_ea_frames(bt_daemon_t *d, const char *uuid)
{
    json_t *r = bt_ctl(d, "{\"cmd\":\"eas\"}");
    assert_non_null(r);
    int64_t n = -1;
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(r, "eas"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid) == 0)
            n = (int64_t)json_integer_value(json_object_get(a, "frames"));
    }
    json_decref(r);
    return n;
}

/* ---------------------------------------------------------------- the shared socket */

//  Accounts created on first contact, frames interleaved, and a second EA on the shared
//  socket that sends telemetry naming the first one's account (its word, there): each frame
//  moves exactly the account it names, in every module.
static void test_every_frame_lands_on_the_account_it_names_whoever_sends_it(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, s_args), 0);
    void *ea1 = bt_feedback_socket(&d, true);
    void *ea2 = bt_feedback_socket(&d, true);
    const char *uuids[] = {"fa_a", "fa_b", "fa_c"};
    int sent = 0;
    for (int round = 0; round < 5; round++)
        for (int k = 0; k < 3; k++, sent++)
            s_tel(ea1, uuids[k], 1000.0 * (k + 1) + round);
    assert_int_equal(bt_wait_status(&d, "frames_in.telemetry", sent, 5000), sent);
    //  The second EA speaks for fa_b: the frame is fa_b's, fa_a and fa_c do not move.
    s_tel(ea2, "fa_b", 7777.0);
    sent++;
    assert_int_equal(bt_wait_status(&d, "frames_in.telemetry", sent, 5000), sent);
    assert_true(s_equity(&d, "fa_a") == 1004.0);
    assert_true(s_equity(&d, "fa_b") == 7777.0);
    assert_true(s_equity(&d, "fa_c") == 3004.0);
    assert_int_equal(s_ea_frames(&d, "fa_a"), 5);
    assert_int_equal(s_ea_frames(&d, "fa_b"), 6);
    assert_int_equal(s_ea_frames(&d, "fa_c"), 5);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "accounts.known"), 3);
    assert_int_equal(bt_json_int(st, "eas.known"), 3);
    assert_int_equal(bt_json_int(st, "risk.known"), 3);
    assert_int_equal(bt_json_int(st, "rejects_total"), 0);
    json_decref(st);
    zmq_close(ea1);
    zmq_close(ea2);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- unknown uuids */

//  A uuid the accounts module refuses (over default_account.max_auto_created) has no slot:
//  its frames are found by uuid as before, between frames of a known account, and it stays
//  unknown where it was unknown (tier, fires refused UNKNOWN_ACCOUNT, counted once each).
static void test_an_unknown_uuid_keeps_its_refusals_and_counters_between_known_frames(void **state)
{
    bt_daemon_t d;
    const char *args[16];
    int n = 0;
    for (; s_args[n]; n++)
        args[n] = s_args[n];
    args[n++] = "--set";
    args[n++] = "default_account.max_auto_created=1";
    args[n] = NULL;
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *fb = bt_feedback_socket(&d, true);
    for (int i = 0; i < 3; i++) {
        s_tel(fb, "fa_known", 2000.0 + i);
        s_tel(fb, "fa_stranger", 5000.0 + i);
    }
    assert_int_equal(bt_wait_status(&d, "frames_in.telemetry", 6, 5000), 6);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "accounts.known"), 1);
    assert_int_equal(bt_json_int(st, "accounts.auto_created"), 1);
    assert_int_equal(bt_json_int(st, "accounts.auto_refused"), 3); /* one per frame, as before */
    assert_int_equal(bt_json_int(st, "eas.known"), 2);
    assert_int_equal(bt_json_int(st, "risk.known"), 2);
    json_decref(st);
    assert_true(s_equity(&d, "fa_known") == 2002.0);
    assert_true(s_equity(&d, "fa_stranger") == 5002.0);
    assert_int_equal(s_ea_frames(&d, "fa_known"), 3);
    assert_int_equal(s_ea_frames(&d, "fa_stranger"), 3);
    json_t *row = s_risk_row(&d, "fa_stranger");
    assert_non_null(row);
    assert_true(json_is_null(json_object_get(row, "tier"))); /* not an account: no tier */
    json_decref(row);
    row = s_risk_row(&d, "fa_known");
    assert_string_equal(json_string_value(json_object_get(row, "tier")), "NIBBLER");
    json_decref(row);
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fire\",\"uuid\":\"fa_stranger\",\"symbol\":\"EURUSD\","
                           "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "UNKNOWN_ACCOUNT");
    json_decref(r);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- reload and restart */

//  A reload that drops an account from the config while its frames are still queued (the
//  account stays known: accounts are never removed) and adds another (a new slot); then a
//  restart from a config that lists them in the opposite order, so every slot names another
//  account than before: each frame still moves its own account, and the state restored from
//  the snapshots by uuid is each account's own.
static void test_slots_follow_accounts_across_a_reload_and_a_reordering_restart(void **state)
{
    bt_daemon_t d;
    const char *zpl =
        "accounts\n" ACCOUNT_ZPL("p", "fa_p", "FANG") ACCOUNT_ZPL("q", "fa_q", "COMMANDER");
    assert_int_equal(bt_daemon_start(&d, zpl, s_args), 0);
    void *fb = bt_feedback_socket(&d, true);
    s_tel(fb, "fa_p", 1100.0);
    s_tel(fb, "fa_q", 1200.0);
    assert_int_equal(bt_wait_status(&d, "frames_in.telemetry", 2, 5000), 2);

    //  fa_p's frames in flight while the reload drops it and adds fa_r.
    for (int i = 1; i <= 200; i++)
        s_tel(fb, "fa_p", 1100.0 + i);
    assert_int_equal(
        bt_edit_config(&d, ACCOUNT_ZPL("p", "fa_p", "FANG"), ACCOUNT_ZPL("r", "fa_r", "FANG")), 0);
    json_t *r = bt_ctl(&d, "{\"cmd\":\"reload\"}");
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    s_tel(fb, "fa_r", 1300.0);
    s_tel(fb, "fa_p", 1500.0);
    assert_int_equal(bt_wait_status(&d, "frames_in.telemetry", 204, 5000), 204);
    assert_true(s_equity(&d, "fa_p") == 1500.0);
    assert_true(s_equity(&d, "fa_q") == 1200.0);
    assert_true(s_equity(&d, "fa_r") == 1300.0);
    assert_int_equal(s_ea_frames(&d, "fa_p"), 202);
    assert_int_equal(s_ea_frames(&d, "fa_r"), 1);
    json_t *row = s_risk_row(&d, "fa_p");
    assert_string_equal(json_string_value(json_object_get(row, "tier")), "FANG");
    json_decref(row);
    row = s_risk_row(&d, "fa_r");
    assert_string_equal(json_string_value(json_object_get(row, "tier")), "FANG");
    json_decref(row);

    //  Slots now: fa_p 0, fa_q 1, fa_r 2. Restart (the stop snapshots every account) with the
    //  accounts listed q, r, p: every slot names another account.
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    assert_int_equal(
        bt_edit_config(&d, ACCOUNT_ZPL("r", "fa_r", "FANG") ACCOUNT_ZPL("q", "fa_q", "COMMANDER"),
                       ACCOUNT_ZPL("q", "fa_q", "COMMANDER") ACCOUNT_ZPL("r", "fa_r", "FANG")
                           ACCOUNT_ZPL("p", "fa_p", "FANG")),
        0);
    assert_int_equal(bt_daemon_restart(&d), 0);
    fb = bt_feedback_socket(&d, true);
    s_tel(fb, "fa_q", 1250.0);
    s_tel(fb, "fa_p", 1550.0);
    assert_int_equal(bt_wait_status(&d, "frames_in.telemetry", 2, 5000), 2);
    assert_true(s_equity(&d, "fa_p") == 1550.0);
    assert_true(s_equity(&d, "fa_q") == 1250.0);
    assert_true(s_equity(&d, "fa_r") == 1300.0); /* restored, not touched */
    assert_int_equal(s_ea_frames(&d, "fa_p"), 1);
    assert_int_equal(s_ea_frames(&d, "fa_q"), 1);
    row = s_risk_row(&d, "fa_q");
    assert_string_equal(json_string_value(json_object_get(row, "tier")), "COMMANDER");
    json_decref(row);
    r = bt_ctl(&d, "{\"cmd\":\"accounts\"}");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "accounts"), 0), "uuid")),
                        "fa_q");
    json_decref(r);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_frame_lands_on_the_account_it_names_whoever_sends_it),
        cmocka_unit_test(test_an_unknown_uuid_keeps_its_refusals_and_counters_between_known_frames),
        cmocka_unit_test(test_slots_follow_accounts_across_a_reload_and_a_reordering_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
