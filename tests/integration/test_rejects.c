/*  test_rejects.c: every class of bad feedback input, sent over a real socket to the real
 *  daemon: its reason is counted in status, it is logged and published, and bittend serves on. */
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

#define HB "{\"type\":\"heartbeat\",\"uuid\":\"ea_reject_test\"}"

typedef struct {
    bt_daemon_t d;
    void *pub;
    void *events;
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    if (bt_daemon_start(&f->d, NULL, NULL) != 0)
        return -1;
    f->pub = bt_feedback_socket(&f->d, false);
    f->events = bt_events_socket(&f->d);
    //  A PUB loses frames until the daemon's subscription reaches it: wait until one counts.
    if (bt_send_until_counted(&f->d, f->pub, HB, "frames_in.heartbeat", 5000) != 0)
        return -1;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    zmq_close(f->pub);
    zmq_close(f->events);
    assert_true(bt_daemon_alive(&f->d));
    assert_int_equal(bt_daemon_stop(&f->d, NULL), 0);
    bt_daemon_cleanup(&f->d);
    free(f);
    return 0;
}

//  Sends the bad frame, then checks the reason counter, the log line, the daemon still
//  accepting a good frame, and (once per test) the reject event.
static void s_expect_reject(s_fixture_t *f, const void *frame, size_t len, const char *reason)
{
    char path[96];
    snprintf(path, sizeof path, "rejects.%s", reason);
    json_t *st = bt_status(&f->d);
    int64_t before = bt_json_int(st, path);
    int64_t hb_before = bt_json_int(st, "frames_in.heartbeat");
    json_decref(st);
    assert_int_equal(bt_send_bytes(f->pub, frame, len), 0);
    assert_int_equal(bt_send(f->pub, HB), 0);
    if (bt_wait_status(&f->d, path, before + 1, 5000) != before + 1)
        fprintf(stderr, "expected %s for: %.*s\n", reason, (int)(len < 200 ? len : 200),
                (const char *)frame);
    assert_int_equal(bt_wait_status(&f->d, path, before + 1, 100), before + 1);
    assert_true(bt_wait_status(&f->d, "frames_in.heartbeat", hb_before + 1, 5000) >= hb_before + 1);
    char line[128];
    snprintf(line, sizeof line, "frame.rejected channel=feedback reason=%s", reason);
    assert_true(bt_log_contains(&f->d, line, 2000));
    char buf[8192], want[128];
    snprintf(want, sizeof want, "\"reason\":\"%s\"", reason);
    bool seen = false;
    while (!seen && bt_recv(f->events, buf, sizeof buf, BT_WAIT_MS) > 0)
        seen = strncmp(buf, "reject ", 7) == 0 && strstr(buf, want);
    assert_true(seen);
}

static void test_not_json_is_counted_as_bad_json(void **state)
{
    s_expect_reject(*state, "hello there", 11, "BAD_JSON");
}

static void test_truncated_json_is_counted_as_bad_json(void **state)
{
    const char *f = "{\"type\":\"telemetry\",\"uuid\":\"a\"";
    s_expect_reject(*state, f, strlen(f), "BAD_JSON");
}

static void test_json_that_is_not_an_object_is_refused(void **state)
{
    s_expect_reject(*state, "[1,2,3]", 7, "NOT_OBJECT");
    s_expect_reject(*state, "\"tick\"", 6, "NOT_OBJECT");
}

static void test_missing_type_and_unknown_type_are_refused(void **state)
{
    const char *a = "{\"uuid\":\"x\"}";
    s_expect_reject(*state, a, strlen(a), "MISSING_TYPE");
    const char *b = "{\"type\":\"fire\",\"symbol\":\"EURUSD\"}";
    s_expect_reject(*state, b, strlen(b), "UNKNOWN_TYPE");
    //  A command-channel type arriving on feedback is not a feedback frame.
    const char *c = "{\"type\":\"signal\",\"signal_id\":\"s1\"}";
    s_expect_reject(*state, c, strlen(c), "UNKNOWN_TYPE");
}

static void test_wrong_types_are_refused(void **state)
{
    const char *f = "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":\"1.1\",\"ask\":1.2,"
                    "\"timestamp\":1757964832}";
    s_expect_reject(*state, f, strlen(f), "WRONG_TYPE");
}

static void test_missing_required_fields_are_refused(void **state)
{
    const char *f = "{\"type\":\"telemetry\",\"uuid\":\"ea1\",\"account\":{\"balance\":100}}";
    s_expect_reject(*state, f, strlen(f), "MISSING_FIELD");
}

static void test_out_of_range_numbers_are_refused(void **state)
{
    const char *f = "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.2,\"ask\":1.1,"
                    "\"timestamp\":1757964832}";
    s_expect_reject(*state, f, strlen(f), "OUT_OF_RANGE");
}

static void test_nan_and_infinity_are_refused(void **state)
{
    const char *f = "{\"type\":\"telemetry\",\"uuid\":\"ea1\",\"account\":{\"balance\":NaN,"
                    "\"equity\":1}}";
    s_expect_reject(*state, f, strlen(f), "NOT_FINITE");
    const char *g = "{\"type\":\"telemetry\",\"uuid\":\"ea1\",\"account\":{\"balance\":1e999,"
                    "\"equity\":1}}";
    s_expect_reject(*state, g, strlen(g), "NOT_FINITE");
}

static void test_over_long_strings_are_refused(void **state)
{
    char f[512];
    char uuid[100];
    memset(uuid, 'a', 80);
    uuid[80] = '\0';
    snprintf(f, sizeof f, "{\"type\":\"heartbeat\",\"uuid\":\"%s\"}", uuid);
    s_expect_reject(*state, f, strlen(f), "STRING_TOO_LONG");
}

static void test_bad_timestamps_are_refused(void **state)
{
    const char *f = "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1.2,"
                    "\"timestamp\":\"2025-02-30T10:00:00Z\"}";
    s_expect_reject(*state, f, strlen(f), "BAD_TIMESTAMP");
}

static void test_bad_formats_and_conflicting_ids_are_refused(void **state)
{
    const char *a = "{\"type\":\"tick\",\"symbol\":\"eurusd\",\"bid\":1.1,\"ask\":1.2,"
                    "\"timestamp\":1757964832}";
    s_expect_reject(*state, a, strlen(a), "BAD_FORMAT");
    const char *b = "{\"type\":\"heartbeat\",\"uuid\":\"ea_a\",\"user_uuid\":\"ea_b\"}";
    s_expect_reject(*state, b, strlen(b), "CONFLICTING_FIELDS");
}

static void test_empty_and_multipart_messages_are_refused(void **state)
{
    s_fixture_t *fx = *state;
    s_expect_reject(fx, "", 0, "FRAME_EMPTY");
    json_t *st = bt_status(&fx->d);
    int64_t before = bt_json_int(st, "rejects.MULTIPART_FRAME");
    json_decref(st);
    zmq_send(fx->pub, "topic", 5, ZMQ_SNDMORE);
    zmq_send(fx->pub, HB, strlen(HB), 0);
    assert_int_equal(bt_wait_status(&fx->d, "rejects.MULTIPART_FRAME", before + 1, 5000), before + 1);
}

//  libzmq enforces ZMQ_MAXMSGSIZE by dropping the sender's connection; the EA's libzmq
//  reconnects by itself. The drop is counted and logged; nothing of the frame gets in.
static void test_oversize_frame_drops_the_connection_and_bittend_serves_on(void **state)
{
    s_fixture_t *fx = *state;
    json_t *st = bt_status(&fx->d);
    int64_t drops = bt_json_int(st, "feedback.disconnects");
    int64_t bytes = bt_json_int(st, "feedback.bytes_in");
    json_decref(st);
    size_t big = 70000;
    char *frame = malloc(big);
    memset(frame, ' ', big);
    memcpy(frame, "{\"type\":\"heartbeat\",\"uuid\":\"big\"", 32);
    frame[big - 1] = '}';
    assert_int_equal(bt_send_bytes(fx->pub, frame, big), 0);
    free(frame);
    assert_true(bt_wait_status(&fx->d, "feedback.disconnects", drops + 1, 5000) >= drops + 1);
    assert_true(bt_log_contains(&fx->d, "peer.disconnected channel=feedback", 1000));
    //  The same publisher reconnects and is heard again.
    assert_int_equal(bt_send_until_counted(&fx->d, fx->pub, HB, "frames_in.heartbeat", 10000), 0);
    st = bt_status(&fx->d);
    assert_true(bt_json_int(st, "feedback.bytes_in") - bytes < 70000);
    json_decref(st);
}

static void test_a_flood_of_garbage_is_counted_in_full_and_logged_sparingly(void **state)
{
    s_fixture_t *fx = *state;
    json_t *st = bt_status(&fx->d);
    int64_t before = bt_json_int(st, "rejects.BAD_JSON");
    json_decref(st);
    int lines_before = bt_log_lines(&fx->d, "reason=BAD_JSON");
    int64_t t0 = bt_now_ms();
    for (int i = 0; i < 500; i++)
        bt_send(fx->pub, "garbage!");
    assert_int_equal(bt_wait_status(&fx->d, "rejects.BAD_JSON", before + 500, 10000), before + 500);
    int64_t seconds = (bt_now_ms() - t0) / 1000 + 1;
    //  One line per reason per second (the repeats are summed up in log.suppressed): far fewer
    //  log lines than rejects, however long a busy machine took over them.
    int lines = bt_log_lines(&fx->d, "reason=BAD_JSON") - lines_before;
    fprintf(stderr, "test_rejects: 500 garbage frames in <= %lld s, %d log lines\n",
            (long long)seconds, lines);
    assert_true(lines <= 1 + seconds);
    assert_true(lines <= 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_json_is_counted_as_bad_json),
        cmocka_unit_test(test_truncated_json_is_counted_as_bad_json),
        cmocka_unit_test(test_json_that_is_not_an_object_is_refused),
        cmocka_unit_test(test_missing_type_and_unknown_type_are_refused),
        cmocka_unit_test(test_wrong_types_are_refused),
        cmocka_unit_test(test_missing_required_fields_are_refused),
        cmocka_unit_test(test_out_of_range_numbers_are_refused),
        cmocka_unit_test(test_nan_and_infinity_are_refused),
        cmocka_unit_test(test_over_long_strings_are_refused),
        cmocka_unit_test(test_bad_timestamps_are_refused),
        cmocka_unit_test(test_bad_formats_and_conflicting_ids_are_refused),
        cmocka_unit_test(test_empty_and_multipart_messages_are_refused),
        cmocka_unit_test(test_oversize_frame_drops_the_connection_and_bittend_serves_on),
        cmocka_unit_test(test_a_flood_of_garbage_is_counted_in_full_and_logged_sparingly),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
