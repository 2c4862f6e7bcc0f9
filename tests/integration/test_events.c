/*  test_events.c: the events channel's contract over real sockets: every event carries seq
 *  (+1 each) and matches its schema, daemon.heartbeat / daemon.stopping arrive, and bittenctl
 *  tail notices a seq gap, a stopping daemon and a silent one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <zmq.h>

#include "bitten/events.h"
#include "harness.h"

//  Receives one event: splits topic and body; returns the parsed body (caller decrefs) or NULL.
static json_t *s_recv_event(void *sub, char *topic, size_t size, int timeout_ms)
{
    char buf[65536];
    int n = bt_recv(sub, buf, sizeof buf, timeout_ms);
    if (n < 0)
        return NULL;
    char *space = strchr(buf, ' ');
    if (!space)
        return NULL;
    *space = '\0';
    snprintf(topic, size, "%.63s", buf);
    json_error_t jerr;
    return json_loads(space + 1, 0, &jerr);
}

static void test_events_carry_seq_and_match_their_schema_and_heartbeats_come(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "events.heartbeat_s=1", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *sub = bt_events_socket(&d);
    //  The first heartbeat proves the subscription is live; then an EA speaks and a junk frame
    //  is refused: ea.online and reject follow, numbered after the heartbeat.
    char topic[64];
    json_t *ev = NULL;
    for (int i = 0; i < 20 && !ev; i++) {
        ev = s_recv_event(sub, topic, sizeof topic, 1000);
        if (ev && strcmp(topic, "daemon.heartbeat") != 0) {
            json_decref(ev);
            ev = NULL;
        }
    }
    assert_non_null(ev);
    assert_int_equal(json_integer_value(json_object_get(ev, "interval_s")), 1);
    json_int_t last = json_integer_value(json_object_get(ev, "seq"));
    assert_true(last >= 1);
    json_decref(ev);
    void *fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"mt5_ev_1\"}",
                                           "frames_in.heartbeat", 10000),
                     0);
    assert_int_equal(bt_send(fb, "this is not json"), 0);
    bool online = false, reject = false;
    for (int i = 0; i < 40 && !(online && reject); i++) {
        ev = s_recv_event(sub, topic, sizeof topic, 1000);
        if (!ev)
            continue;
        //  Every event: seq is the next one, and the body is what the table says.
        json_int_t seq = json_integer_value(json_object_get(ev, "seq"));
        assert_int_equal(seq, last + 1);
        last = seq;
        char why[160] = "";
        if (bitten_event_check(topic, ev, why, sizeof why) != 0)
            fprintf(stderr, "%s\n", why);
        assert_int_equal(bitten_event_check(topic, ev, why, sizeof why), 0);
        online |= strcmp(topic, "ea.online") == 0;
        reject |= strcmp(topic, "reject") == 0;
        json_decref(ev);
    }
    assert_true(online);
    assert_true(reject);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "events_invalid"), 0);
    assert_true(bt_json_int(st, "events_seq") >= last);
    assert_int_equal(bt_json_int(st, "events_heartbeat_s"), 1);
    json_decref(st);
    //  The last event of a stopping daemon is daemon.stopping.
    kill(d.pid, SIGTERM);
    bool stopping = false;
    for (int i = 0; i < 20 && !stopping; i++) {
        ev = s_recv_event(sub, topic, sizeof topic, 500);
        if (ev && strcmp(topic, "daemon.stopping") == 0) {
            stopping = true;
            assert_string_equal(json_string_value(json_object_get(ev, "why")), "Terminated");
        }
        json_decref(ev);
    }
    assert_true(stopping);
    zmq_close(fb);
    zmq_close(sub);
    bt_daemon_kill(&d);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- bittenctl tail */

//  A stand-in publisher: an XPUB bound on loopback, with tail started against it.
typedef struct {
    void *ctx, *pub;
    char endpoint[128];
    FILE *tail;
} s_fake_t;

static void s_fake_start(s_fake_t *f, const char *extra)
{
    f->ctx = zmq_ctx_new();
    f->pub = zmq_socket(f->ctx, ZMQ_XPUB);
    int zero = 0;
    zmq_setsockopt(f->pub, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_bind(f->pub, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    zmq_getsockopt(f->pub, ZMQ_LAST_ENDPOINT, f->endpoint, &len);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "timeout 60 %s tail --events %s --json %s", BITTENCTL_PATH,
             f->endpoint, extra);
    f->tail = popen(cmd, "r");
    assert_non_null(f->tail);
    //  The tail's subscription arrives on the XPUB: from then on nothing we send is lost.
    char sub[16];
    assert_true(bt_recv(f->pub, sub, sizeof sub, 20000) >= 1);
}

static void s_fake_send(s_fake_t *f, const char *frame)
{
    assert_int_equal(bt_send(f->pub, frame), 0);
}

//  Reads the tail's whole output; returns its exit code.
static int s_fake_finish(s_fake_t *f, char *out, size_t size)
{
    size_t n = fread(out, 1, size - 1, f->tail);
    out[n] = '\0';
    int status = pclose(f->tail);
    zmq_close(f->pub);
    zmq_ctx_term(f->ctx);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_tail_reports_a_seq_gap_and_ends_when_the_daemon_stops(void **state)
{
    s_fake_t f;
    s_fake_start(&f, "");
    s_fake_send(&f, "ea.online {\"uuid\":\"a\",\"last_seen\":\"t\",\"why\":\"w\",\"seq\":1}");
    s_fake_send(&f, "ea.online {\"uuid\":\"b\",\"last_seen\":\"t\",\"why\":\"w\",\"seq\":2}");
    s_fake_send(&f, "ea.online {\"uuid\":\"c\",\"last_seen\":\"t\",\"why\":\"w\",\"seq\":5}");
    s_fake_send(&f, "daemon.stopping {\"why\":\"Terminated\",\"seq\":6}");
    char out[8192];
    int rc = s_fake_finish(&f, out, sizeof out);
    if (rc != 3)
        fprintf(stderr, "rc=%d out=%s\n", rc, out);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "{\"gap\":2,\"from\":3,\"to\":4}"));
    //  The gap line comes before the event that revealed it; the stop note is last.
    assert_true(strstr(out, "\"gap\"") < strstr(out, "\"uuid\":\"c\""));
    assert_non_null(strstr(out, "\"stopped\":true"));
    assert_non_null(strstr(out, "\"why\":\"Terminated\""));
}

static void test_tail_ends_after_three_silent_heartbeat_periods(void **state)
{
    s_fake_t f;
    s_fake_start(&f, "");
    s_fake_send(&f, "daemon.heartbeat {\"interval_s\":1,\"uptime_s\":1,\"subscriptions\":1,"
                    "\"seq\":1}");
    char out[8192];
    int rc = s_fake_finish(&f, out, sizeof out); /* then nothing: the tail must give up */
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "\"why\":\"no_heartbeat\""));
    //  The heartbeat itself is the tail's business, not printed without --topic daemon.
    assert_null(strstr(out, "\"topic\":\"daemon.heartbeat\""));
}

static void test_tail_sees_the_real_daemon_stop(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "timeout 60 %s --control %s tail --json", BITTENCTL_PATH, d.control);
    FILE *tail = popen(cmd, "r");
    assert_non_null(tail);
    assert_true(bt_wait_status(&d, "event_subscriptions", 1, 20000) >= 1);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    char out[8192];
    size_t n = fread(out, 1, sizeof out - 1, tail);
    out[n] = '\0';
    int status = pclose(tail);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    assert_non_null(strstr(out, "\"topic\":\"daemon.stopping\""));
    assert_non_null(strstr(out, "\"stopped\":true"));
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_carry_seq_and_match_their_schema_and_heartbeats_come),
        cmocka_unit_test(test_tail_reports_a_seq_gap_and_ends_when_the_daemon_stops),
        cmocka_unit_test(test_tail_ends_after_three_silent_heartbeat_periods),
        cmocka_unit_test(test_tail_sees_the_real_daemon_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
