/*  bench_baseline_recv.c: ingest baselines A (bare libzmq PULL receive loop) and B (the same
 *  + json_loadb + json_decref), a separate process driven by bench_ingest over a pipe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zmq.h>

#include "bench_common.h"

//  usage: bench_baseline_recv recv|json WARM N. Prints the bound endpoint, "warm" after WARM
//  frames, then the CLOCK_MONOTONIC time of frame WARM + N.
//  bench_baseline_recv scale: the scale baseline: a bound PULL (feedback) and PUSH (command),
//  as bittend binds them, draining the PULL until killed. Prints "command feedback".
static int s_scale(void)
{
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 100000;
    zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0 || zmq_bind(push, "tcp://127.0.0.1:*") != 0)
        return 1;
    char ep1[256], ep2[256];
    size_t l1 = sizeof ep1, l2 = sizeof ep2;
    zmq_getsockopt(push, ZMQ_LAST_ENDPOINT, ep1, &l1);
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep2, &l2);
    printf("%s %s\n", ep1, ep2);
    fflush(stdout);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (;;)
        zmq_msg_recv(&msg, pull, 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "scale") == 0)
        return s_scale();
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
