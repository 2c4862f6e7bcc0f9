/*  test_zwatch.c: the libev watcher of one ZeroMQ socket: frames sent after a drain, after a
 *  budget-limited call and after another operation on the socket are all read, each burst
 *  within two loop turns (ZMQ_FD is edge-triggered; ZMQ_EVENTS is asked only when needed). */
#include <pthread.h>
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---------------------------------------------------------------- senders on other threads */

//  Frames that arrive while the loop runs: during a callback, between its EAGAIN and the next
//  poll, while another socket's callback runs. Each sender is a thread with its own PUSH; it
//  trickles (0-5 ms apart), bursts, and now and then waits until its last frame was read
//  before sending more, so a frame left unread with nothing after it to wake the loop shows
//  as a stall (never a timed assertion: the waits are generous, only delivery is checked).

#define STRESS_MAX_SOCKETS 4
#define STRESS_STALL_MS 20000

typedef struct {
    void *ctx;
    char endpoint[128];
    int frames;       /* to send */
    unsigned seed;
    atomic_int read;  /* frames the loop has read from this sender's socket, in order */
    atomic_int stalls; /* waits for the reader that ran out */
    atomic_bool done;
    int send_errors;
} s_sender_t;

typedef struct {
    s_sender_t *sender;
    int budget;          /* frames per call; 0: until EAGAIN */
    int calls, out_of_order;
} s_stress_reader_t;

static int64_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static void *s_sender_main(void *arg)
{
    s_sender_t *s = arg;
    void *push = zmq_socket(s->ctx, ZMQ_PUSH);
    int zero = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero);
    if (!push || zmq_connect(push, s->endpoint) != 0) {
        s->send_errors++;
        atomic_store(&s->done, true);
        return NULL;
    }
    unsigned seed = s->seed;
    for (int i = 0; i < s->frames;) {
        int pick = rand_r(&seed) % 10;
        int burst = pick == 0 ? 1 + rand_r(&seed) % 50 : 1;
        for (int b = 0; b < burst && i < s->frames; b++, i++) {
            uint32_t seq = (uint32_t)i;
            if (zmq_send(push, &seq, sizeof seq, 0) != (int)sizeof seq)
                s->send_errors++;
        }
        if (pick <= 3) {
            //  Wait until the loop read everything sent so far: no frame comes after it.
            int64_t deadline = s_mono_ms() + STRESS_STALL_MS;
            while (atomic_load(&s->read) < i && s_mono_ms() < deadline)
                s_sleep_us(100);
            if (atomic_load(&s->read) < i)
                atomic_fetch_add(&s->stalls, 1);
        }
        s_sleep_us(rand_r(&seed) % 5001);
    }
    //  Linger 0 would drop what is still queued in this thread's socket: wait for it first.
    int64_t deadline = s_mono_ms() + STRESS_STALL_MS;
    while (atomic_load(&s->read) < s->frames && s_mono_ms() < deadline)
        s_sleep_us(1000);
    zmq_close(push);
    atomic_store(&s->done, true);
    return NULL;
}

static void s_stress_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    s_stress_reader_t *r = arg;
    r->calls++;
    for (int n = 0; r->budget == 0 || n < r->budget; n++) {
        uint32_t seq;
        if (zmq_recv(socket, &seq, sizeof seq, ZMQ_DONTWAIT) < 0) {
            if (errno == EAGAIN)
                zwatch_drained(watch);
            return;
        }
        int want = atomic_load(&r->sender->read);
        if ((int)seq != want)
            r->out_of_order++;
        atomic_store(&r->sender->read, want + 1);
    }
}

static int s_stress_rounds(void)
{
    const char *env = getenv("BITTEN_ZWATCH_STRESS_ROUNDS");
    int n = env ? atoi(env) : 1;
    return n > 0 ? n : 1;
}

//  n_sockets PULLs, each with its sender thread, in one loop; every frame must be read.
static void s_stress(const char *transport, int n_sockets, int budget, int frames)
{
    for (int round = 0; round < s_stress_rounds(); round++) {
        void *ctx = zmq_ctx_new();
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        assert_non_null(loop);
        void *pull[STRESS_MAX_SOCKETS];
        zwatch_t *watch[STRESS_MAX_SOCKETS];
        s_sender_t senders[STRESS_MAX_SOCKETS];
        s_stress_reader_t readers[STRESS_MAX_SOCKETS];
        pthread_t threads[STRESS_MAX_SOCKETS];
        for (int k = 0; k < n_sockets; k++) {
            pull[k] = zmq_socket(ctx, ZMQ_PULL);
            int zero = 0;
            zmq_setsockopt(pull[k], ZMQ_LINGER, &zero, sizeof zero);
            char ep[64];
            if (strcmp(transport, "inproc") == 0)
                snprintf(ep, sizeof ep, "inproc://zwatch.stress.%d.%d", round, k);
            else
                snprintf(ep, sizeof ep, "tcp://127.0.0.1:*");
            assert_int_equal(zmq_bind(pull[k], ep), 0);
            memset(&senders[k], 0, sizeof senders[k]);
            senders[k].ctx = ctx;
            senders[k].frames = frames;
            senders[k].seed = (unsigned)(round * 7919 + k * 104729 + budget);
            size_t size = sizeof senders[k].endpoint;
            assert_int_equal(
                zmq_getsockopt(pull[k], ZMQ_LAST_ENDPOINT, senders[k].endpoint, &size), 0);
            readers[k] = (s_stress_reader_t){.sender = &senders[k], .budget = budget};
            watch[k] = zwatch_new(loop, pull[k], ZMQ_POLLIN, s_stress_cb, &readers[k]);
            assert_non_null(watch[k]);
        }
        for (int k = 0; k < n_sockets; k++)
            assert_int_equal(pthread_create(&threads[k], NULL, s_sender_main, &senders[k]), 0);
        //  The loop runs until every frame is read or a minute passed without that.
        bool late = false;
        ev_timer deadline;
        ev_timer_init(&deadline, s_deadline_cb, 60.0, 0);
        deadline.data = &late;
        ev_timer_start(loop, &deadline);
        for (;;) {
            bool all = true;
            for (int k = 0; k < n_sockets; k++)
                all = all && atomic_load(&senders[k].read) == frames;
            if (all || late)
                break;
            ev_run(loop, EVRUN_ONCE);
        }
        ev_timer_stop(loop, &deadline);
        for (int k = 0; k < n_sockets; k++) {
            pthread_join(threads[k], NULL);
            if (atomic_load(&senders[k].read) != frames || atomic_load(&senders[k].stalls) != 0 ||
                readers[k].out_of_order != 0 || senders[k].send_errors != 0)
                print_error("%s round %d socket %d budget %d: read %d of %d, stalls %d, "
                            "out of order %d, send errors %d, calls %d\n",
                            transport, round, k, budget, atomic_load(&senders[k].read), frames,
                            atomic_load(&senders[k].stalls), readers[k].out_of_order,
                            senders[k].send_errors, readers[k].calls);
            assert_int_equal(atomic_load(&senders[k].read), frames);
            assert_int_equal(atomic_load(&senders[k].stalls), 0);
            assert_int_equal(readers[k].out_of_order, 0);
            assert_int_equal(senders[k].send_errors, 0);
            zwatch_destroy(&watch[k]);
            zmq_close(pull[k]);
        }
        zmq_ctx_term(ctx);
        ev_loop_destroy(loop);
    }
}

static void test_frames_trickled_from_another_thread_are_all_read_by_a_drained_watcher(void **state)
{
    s_stress("tcp", 1, 0, 600);
    s_stress("inproc", 1, 0, 600);
}

static void test_frames_trickled_to_several_drained_watchers_are_all_read_within_budget(void **state)
{
    s_stress("tcp", STRESS_MAX_SOCKETS, 2, 300);
    s_stress("inproc", STRESS_MAX_SOCKETS, 1, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drained_watcher_reads_every_burst_sent_after_a_drain),
        cmocka_unit_test(test_budget_limited_callback_is_called_again_without_new_frames),
        cmocka_unit_test(test_frames_announced_to_another_operation_are_still_read),
        cmocka_unit_test(test_frames_trickled_from_another_thread_are_all_read_by_a_drained_watcher),
        cmocka_unit_test(test_frames_trickled_to_several_drained_watchers_are_all_read_within_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
