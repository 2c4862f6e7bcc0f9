/*  test_zwatch.c: the libev watcher of one ZeroMQ socket: frames sent after a drain, after a
 *  budget-limited call and after another operation on the socket are all read, each burst
 *  within two loop turns (ZMQ_FD is edge-triggered; ZMQ_EVENTS is asked only when needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <ev.h>
#include <zmq.h>

#include "core/zwatch.h"

typedef struct {
    int budget;   /* frames per call; 0: read until EAGAIN */
    bool drained; /* call zwatch_drained after reading until EAGAIN */
    int calls, frames;
} s_reader_t;

static void s_read_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    s_reader_t *r = arg;
    r->calls++;
    char buf[64];
    for (int n = 0; r->budget == 0 || n < r->budget; n++) {
        if (zmq_recv(socket, buf, sizeof buf, ZMQ_DONTWAIT) < 0) {
            if (r->drained)
                zwatch_drained(watch);
            return;
        }
        r->frames++;
    }
}

//  A deadline so that a lost wakeup fails the test instead of hanging it.
static void s_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    *(bool *)w->data = true;
    ev_break(loop, EVBREAK_ALL);
}

//  Loop turns (each may block) until r has `want` frames; -1 if the deadline came first.
static int s_turns_until(struct ev_loop *loop, s_reader_t *r, int want)
{
    bool late = false;
    ev_timer deadline;
    ev_timer_init(&deadline, s_deadline_cb, 10.0, 0);
    deadline.data = &late;
    ev_timer_start(loop, &deadline);
    int turns = 0;
    while (r->frames < want && !late) {
        ev_run(loop, EVRUN_ONCE);
        turns++;
    }
    ev_timer_stop(loop, &deadline);
    return late ? -1 : turns;
}

typedef struct {
    void *ctx, *in, *out;
    struct ev_loop *loop;
} s_pair_t;

static void s_pair_open(s_pair_t *p, int in_type, int out_type, const char *ep)
{
    p->ctx = zmq_ctx_new();
    p->in = zmq_socket(p->ctx, in_type);
    p->out = zmq_socket(p->ctx, out_type);
    int zero = 0;
    zmq_setsockopt(p->in, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(p->out, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_bind(p->in, ep), 0);
    assert_int_equal(zmq_connect(p->out, ep), 0);
    p->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(p->loop);
}

static void s_pair_close(s_pair_t *p)
{
    zmq_close(p->in);
    zmq_close(p->out);
    zmq_ctx_term(p->ctx);
    ev_loop_destroy(p->loop);
}

static void s_send_n(void *socket, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(zmq_send(socket, "frame", 5, 0), 5);
}

static void test_drained_watcher_reads_every_burst_sent_after_a_drain(void **state)
{
    s_pair_t p;
    s_pair_open(&p, ZMQ_PULL, ZMQ_PUSH, "inproc://zwatch.drained");
    s_reader_t r = {.budget = 0, .drained = true};
    zwatch_t *w = zwatch_new(p.loop, p.in, ZMQ_POLLIN, s_read_cb, &r);
    assert_non_null(w);
    int want = 0;
    for (int burst = 0; burst < 200; burst++) {
        int n = burst % 7 + 1;
        s_send_n(p.out, n);
        want += n;
        int turns = s_turns_until(p.loop, &r, want);
        assert_true(turns >= 1);
        assert_true(turns <= 2);
        assert_int_equal(r.frames, want);
    }
    //  Nothing more came: another turn reads nothing and calls back for nothing.
    int calls = r.calls;
    ev_run(p.loop, EVRUN_NOWAIT);
    assert_int_equal(r.calls, calls);
    assert_int_equal(r.frames, want);
    zwatch_destroy(&w);
    assert_null(w);
    s_pair_close(&p);
}

static void test_budget_limited_callback_is_called_again_without_new_frames(void **state)
{
    s_pair_t p;
    s_pair_open(&p, ZMQ_PULL, ZMQ_PUSH, "inproc://zwatch.budget");
    s_reader_t r = {.budget = 2, .drained = false};
    zwatch_t *w = zwatch_new(p.loop, p.in, ZMQ_POLLIN, s_read_cb, &r);
    s_send_n(p.out, 7);
    assert_true(s_turns_until(p.loop, &r, 7) > 0);
    assert_int_equal(r.frames, 7);
    assert_int_equal(r.calls, 4); /* 2 + 2 + 2 + 1: no frame was sent after the first */
    zwatch_destroy(&w);
    s_pair_close(&p);
}

//  A send on the watched socket lets libzmq take the commands that announce new frames, so
//  ZMQ_FD no longer signals them: the watcher must still find them (ZMQ_EVENTS at prepare).
static void test_frames_announced_to_another_operation_are_still_read(void **state)
{
    s_pair_t p;
    s_pair_open(&p, ZMQ_DEALER, ZMQ_DEALER, "inproc://zwatch.touched");
    s_reader_t r = {.budget = 0, .drained = false};
    zwatch_t *w = zwatch_new(p.loop, p.in, ZMQ_POLLIN, s_read_cb, &r);
    int want = 0;
    for (int round = 0; round < 50; round++) {
        s_send_n(p.out, 3);
        want += 3;
        assert_int_equal(zmq_send(p.in, "other", 5, 0), 5); /* takes the mailbox's commands */
        int turns = s_turns_until(p.loop, &r, want);
        assert_true(turns >= 1);
        assert_true(turns <= 2);
        char buf[16];
        assert_int_equal(zmq_recv(p.out, buf, sizeof buf, 0), 5);
    }
    assert_int_equal(r.frames, want);
    zwatch_destroy(&w);
    s_pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drained_watcher_reads_every_burst_sent_after_a_drain),
        cmocka_unit_test(test_budget_limited_callback_is_called_again_without_new_frames),
        cmocka_unit_test(test_frames_announced_to_another_operation_are_still_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
