/*  test_feedback_delivery.c: every frame an EA sends on a PULL (or SUB) the loop reads to
 *  EAGAIN is processed, however it arrives: trickled 0-5 ms apart, one at a time with nothing
 *  after it, or flooded past loop.max_frames_per_wakeup (zwatch_drained, ZMQ_FD is edge-
 *  triggered). Only eventual delivery is asserted, each wait generous (no timing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define PAIR(name, uuid)                                                                           \
    "    " name "\n        uuid = \"" uuid "\"\n        tier = \"FANG\"\n"                         \
    "        command_endpoint = \"tcp://127.0.0.1:*\"\n"                                          \
    "        feedback_endpoint = \"tcp://127.0.0.1:*\"\n"
#define SHARED(name, uuid) "    " name "\n        uuid = \"" uuid "\"\n        tier = \"FANG\"\n"

#define UUID_SHARED "dl_shared"
#define UUID_PAIR "dl_pair"
#define UUID_CONFIRM "COMMANDER_DEV_001"

enum { CH_FEEDBACK, CH_PAIR, CH_CONFIRM, CH_COUNT };

static const char *const s_paths[CH_COUNT] = {"channels.feedback.frames",
                                               "channels.accounts.0.frames",
                                               "channels.confirm.frames"};

typedef struct {
    bt_daemon_t d;
    void *socket[CH_COUNT];
    int64_t sent[CH_COUNT];
    int64_t total;
    unsigned seed;
} s_env_t;

static void s_start(s_env_t *e, const char *feedback_socket, const char *budget)
{
    memset(e, 0, sizeof *e);
    char fb_set[64], budget_set[64];
    snprintf(fb_set, sizeof fb_set, "feedback.socket=%s", feedback_socket);
    snprintf(budget_set, sizeof budget_set, "loop.max_frames_per_wakeup=%s", budget);
    const char *args[] = {"--set", fb_set,       "--set", "ea.ping_interval_s=0",
                          "--set", "command.keepalive_s=100", "--set", budget_set,
                          NULL};
    assert_int_equal(bt_daemon_start(&e->d,
                                     "accounts\n" SHARED("shared", UUID_SHARED)
                                         PAIR("pair", UUID_PAIR) SHARED("conf", UUID_CONFIRM),
                                     args),
                     0);
    e->socket[CH_FEEDBACK] = bt_feedback_socket(&e->d, true);
    char cmd[128], fb[128];
    assert_int_equal(bt_account_endpoints(&e->d, UUID_PAIR, cmd, fb, sizeof cmd), 0);
    e->socket[CH_PAIR] = bt_socket(&e->d, ZMQ_PUSH, fb);
    e->socket[CH_CONFIRM] = bt_confirm_socket(&e->d);
    for (int c = 0; c < CH_COUNT; c++)
        assert_non_null(e->socket[c]);
    const char *env = getenv("BITTEN_DELIVERY_SEED");
    e->seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    print_message("seed %u (BITTEN_DELIVERY_SEED)\n", e->seed);
}

static void s_stop(s_env_t *e)
{
    for (int c = 0; c < CH_COUNT; c++)
        zmq_close(e->socket[c]);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
}

//  One trade result nobody waits for (an orphan: counted, published) on channel c, k unique.
static void s_frame(int c, int64_t k, char *out, size_t size)
{
    if (c == CH_CONFIRM)
        snprintf(out, size,
                 "{\"type\":\"confirmation\",\"command_type\":\"fire\",\"fire_id\":\"dl_%lld\","
                 "\"user_uuid\":\"" UUID_CONFIRM "\",\"status\":\"success\",\"ticket\":%lld,"
                 "\"price\":1.1,\"lot\":0.01,\"message\":\"\"}",
                 (long long)k, (long long)k + 1);
    else
        snprintf(out, size,
                 "{\"type\":\"trade_result\",\"signal_id\":\"dl_%lld\",\"status\":\"success\","
                 "\"uuid\":\"%s\",\"message\":\"Closed 0 positions\"}",
                 (long long)k, c == CH_PAIR ? UUID_PAIR : UUID_SHARED);
}

static void s_send(s_env_t *e, int c)
{
    char frame[512];
    s_frame(c, e->total, frame, sizeof frame);
    assert_int_equal(bt_send(e->socket[c], frame), 0);
    e->sent[c]++;
    e->total++;
}

//  Waits (generously) until channel c has counted every frame sent on it; asserts it did.
static void s_wait_counted(s_env_t *e, int c)
{
    int64_t got = bt_wait_status(&e->d, s_paths[c], e->sent[c], BT_WAIT_MS);
    if (got != e->sent[c])
        print_error("%s: %lld of %lld frames processed (seed %u)\n", s_paths[c],
                    (long long)got, (long long)e->sent[c], e->seed);
    assert_int_equal(got, e->sent[c]);
}

//  Everything sent is processed exactly once, and nothing was refused.
static void s_check_all(s_env_t *e)
{
    for (int c = 0; c < CH_COUNT; c++)
        s_wait_counted(e, c);
    assert_int_equal(bt_wait_status(&e->d, "fires.orphan_results", e->total, BT_WAIT_MS),
                     e->total);
    json_t *st = bt_status(&e->d);
    assert_non_null(st);
    assert_int_equal(bt_json_int(st, "frames_in.trade_result"), e->total);
    for (int c = 0; c < CH_COUNT; c++)
        assert_int_equal(bt_json_int(st, s_paths[c]), e->sent[c]);
    assert_int_equal(bt_json_int(st, "rejects_total"), 0);
    json_decref(st);
}

//  Trickles n frames over the three channels, 0-5 ms apart; a quarter of the time it waits
//  until the frame just sent was processed before sending anything else (no later frame, no
//  other traffic on that socket: only the loop's own wakeup can read it).
static void s_trickle(s_env_t *e, int n)
{
    for (int i = 0; i < n; i++) {
        int c = rand_r(&e->seed) % CH_COUNT;
        s_send(e, c);
        if (rand_r(&e->seed) % 4 == 0)
            s_wait_counted(e, c);
        else
            bt_sleep_ms(rand_r(&e->seed) % 6);
    }
}

//  n frames as fast as the sockets take them, then each channel alone must come to its count.
static void s_flood(s_env_t *e, int n)
{
    for (int i = 0; i < n; i++)
        s_send(e, rand_r(&e->seed) % CH_COUNT);
}

static void test_every_trade_result_trickled_on_each_pull_is_processed(void **state)
{
    s_env_t e;
    s_start(&e, "pull", "256");
    for (int round = 0; round < 4; round++) {
        s_trickle(&e, 150);
        s_check_all(&e);
    }
    s_stop(&e);
}

//  A wakeup budget of 2 frames: most callbacks stop before EAGAIN, some end at it exactly.
static void test_floods_past_the_wakeup_budget_then_single_frames_are_all_processed(void **state)
{
    s_env_t e;
    s_start(&e, "pull", "2");
    for (int round = 0; round < 4; round++) {
        s_flood(&e, 500);
        s_check_all(&e);
        s_trickle(&e, 60);
        s_check_all(&e);
    }
    s_stop(&e);
}

//  The shared feedback socket as a SUB (also read to EAGAIN): the same, once it has joined.
static void test_every_trade_result_trickled_on_a_sub_feedback_socket_is_processed(void **state)
{
    s_env_t e;
    s_start(&e, "sub", "3");
    char frame[512];
    s_frame(CH_FEEDBACK, -1, frame, sizeof frame);
    //  The PUB's slow-joiner window: frames before the subscription arrives are lost by design.
    assert_int_equal(bt_send_until_counted(&e.d, e.socket[CH_FEEDBACK], frame,
                                           "channels.feedback.frames", BT_WAIT_MS),
                     0);
    json_t *st = bt_status(&e.d);
    int64_t joined = bt_json_int(st, "channels.feedback.frames");
    int64_t orphans = bt_json_int(st, "fires.orphan_results");
    json_decref(st);
    e.sent[CH_FEEDBACK] = joined;
    e.total = orphans;
    for (int round = 0; round < 3; round++) {
        s_trickle(&e, 120);
        s_check_all(&e);
        s_flood(&e, 300);
        s_check_all(&e);
    }
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_trade_result_trickled_on_each_pull_is_processed),
        cmocka_unit_test(test_floods_past_the_wakeup_budget_then_single_frames_are_all_processed),
        cmocka_unit_test(test_every_trade_result_trickled_on_a_sub_feedback_socket_is_processed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
