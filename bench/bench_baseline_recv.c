/*  bench_baseline_recv.c: ingest baselines A (bare libzmq PULL receive loop) and B (the same
 *  + json_loadb + json_decref), driven by bench_ingest; and the scale baseline (bench_scale). */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "bench_common.h"
#include "bitten/proto.h"

static bitten_ms_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  bench_baseline_recv scale KEEPALIVE_S: the scale baseline. The transport work bittend must
//  do for the bench's EAs and nothing more: a bound PULL (feedback) read by a blocking recv,
//  and a bound PUSH (command) with bittend's options (ZMQ_IMMEDIATE, SNDHWM 1000) on
//  which, every KEEPALIVE_S seconds (0: never), bittend's keepalive frame goes once per
//  connected peer, as s_keepalive_cb / core_send_keepalives do (the same bytes: the same
//  encoder). Peers are counted as bittend counts them, by a socket monitor (ACCEPTED /
//  DISCONNECTED, fd). Prints "command feedback", and "keepalives_sent N" on SIGTERM.
static volatile sig_atomic_t s_stop;

static void s_on_term(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_scale_socket(void *s, int type)
{
    int linger = 200;              /* shutdown.linger_ms */
    int64_t max = 65536;           /* feedback.max_frame_bytes, set on every socket */
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (type == ZMQ_PULL) {
        int hwm = 100000;          /* feedback.rcvhwm */
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    } else {
        int on = 1, hwm = 1000;    /* command.sndhwm */
        zmq_setsockopt(s, ZMQ_IMMEDIATE, &on, sizeof on);
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    }
}

//  Monitor events: [u16 event, u32 fd] then the endpoint. Counts connected fds, as core_peers.
static void s_scale_peers(void *mon, unsigned char *up, int cap, int *count)
{
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            return;
        }
        zmq_msg_init(&addr);
        zmq_msg_recv(&addr, mon, 0);
        if (zmq_msg_size(&head) >= 6) {
            uint16_t event;
            uint32_t fd;
            memcpy(&event, zmq_msg_data(&head), 2);
            memcpy(&fd, (const char *)zmq_msg_data(&head) + 2, 4);
            int on = event == ZMQ_EVENT_ACCEPTED;
            if (fd < (uint32_t)cap && up[fd] != on) {
                up[fd] = (unsigned char)on;
                *count += on ? 1 : -1;
            }
        }
        zmq_msg_close(&head);
        zmq_msg_close(&addr);
    }
}

static int s_scale(int keepalive_s)
{
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 64);
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    s_scale_socket(pull, ZMQ_PULL);
    s_scale_socket(push, ZMQ_PUSH);
    if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0 || zmq_bind(push, "tcp://127.0.0.1:*") != 0)
        return 1;
    if (zmq_socket_monitor(push, "inproc://baseline.command",
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        return 1;
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    if (zmq_connect(mon, "inproc://baseline.command") != 0)
        return 1;
    enum { FD_CAP = 1 << 20 };
    unsigned char *up = calloc(FD_CAP, 1);
    int peers = 0;
    char ep1[256], ep2[256];
    size_t l1 = sizeof ep1, l2 = sizeof ep2;
    zmq_getsockopt(push, ZMQ_LAST_ENDPOINT, ep1, &l1);
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep2, &l2);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_term;
    sigaction(SIGTERM, &sa, NULL);
    printf("%s %s\n", ep1, ep2);
    fflush(stdout);
    long long sent = 0;
    double next = keepalive_s > 0 ? bb_now() + keepalive_s : 0;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    //  The leanest receive loop (the ingest baseline's: a blocking recv, woken by libzmq's
    //  own mailbox), timed out at the next keepalive. The monitor is read at least every
    //  100 ms and every 256 frames (its queue holds 1,000 events: the connect burst).
    long frames = 0;
    while (!s_stop) {
        int timeout = keepalive_s > 0 ? (int)((next - bb_now()) * 1000) + 1 : 100;
        timeout = timeout < 0 ? 0 : timeout > 100 ? 100 : timeout;
        zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
        if (zmq_msg_recv(&msg, pull, 0) < 0 || ++frames % 256 == 0)
            s_scale_peers(mon, up, FD_CAP, &peers);
        if (keepalive_s > 0 && bb_now() >= next) {
            //  bittend's frame (bitten_encode_keepalive, wall-clock ms), one send per peer.
            char frame[128];
            int len = bitten_encode_keepalive(s_wall_ms(), frame, sizeof frame);
            for (int i = 0; len > 0 && i < peers; i++)
                if (zmq_send(push, frame, (size_t)len, ZMQ_DONTWAIT) == len)
                    sent++;
            next += keepalive_s;
        }
    }
    printf("keepalives_sent %lld\n", sent);
    fflush(stdout);
    _exit(0);
}

//  usage: bench_baseline_recv recv|json WARM N. Prints the bound endpoint, "warm" after WARM
//  frames, then the CLOCK_MONOTONIC time of frame WARM + N.

int main(int argc, char **argv)
{
    if ((argc == 2 || argc == 3) && strcmp(argv[1], "scale") == 0)
        return s_scale(argc == 3 ? atoi(argv[2]) : 0);
    if (argc != 4) {
        fprintf(stderr, "usage: bench_baseline_recv recv|json WARM N\n");
        return 2;
    }
    int parse = strcmp(argv[1], "json") == 0;
    long warm = atol(argv[2]), n = atol(argv[3]);
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    int hwm = 100000; /* as bittend's feedback.rcvhwm */
    zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0)
        return 1;
    char ep[256];
    size_t eplen = sizeof ep;
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep, &eplen);
    printf("%s\n", ep);
    fflush(stdout);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    long got = 0, bad = 0;
    while (got < warm + n) {
        if (zmq_msg_recv(&msg, pull, 0) < 0)
            continue;
        if (parse) {
            json_error_t err;
            json_t *j = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &err);
            if (!j)
                bad++;
            json_decref(j);
        }
        if (++got == warm) {
            printf("warm\n");
            fflush(stdout);
        }
    }
    printf("%.9f\n", bb_now());
    fflush(stdout);
    zmq_msg_close(&msg);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return bad ? 1 : 0;
}
