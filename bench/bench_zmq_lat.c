/*  bench_zmq_lat.c: the latency floor of the decision path: a bare libzmq REQ/REP round trip
 *  (ipc, like bittend's control socket) and a PUSH/PULL one-way (tcp loopback), two processes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "bench_common.h"

#define PAYLOAD 200

//  Child: REP echo on ipc, PULL on tcp that measures one-way (stamp in the frame) and answers
//  on a PUSH back (so the parent paces one message at a time). Reports one-way times by pipe.
static void s_child(int wfd, const char *ipc, int n)
{
    void *ctx = zmq_ctx_new();
    void *rep = zmq_socket(ctx, ZMQ_REP), *pull = zmq_socket(ctx, ZMQ_PULL);
    void *back = zmq_socket(ctx, ZMQ_PUSH);
    zmq_bind(rep, ipc);
    zmq_bind(pull, "tcp://127.0.0.1:*");
    zmq_bind(back, "tcp://127.0.0.1:*");
    char ep1[256], ep2[256];
    size_t l1 = sizeof ep1, l2 = sizeof ep2;
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep1, &l1);
    zmq_getsockopt(back, ZMQ_LAST_ENDPOINT, ep2, &l2);
    dprintf(wfd, "%s %s\n", ep1, ep2);
    char buf[PAYLOAD + 64];
    for (int i = 0; i < n + 100; i++) {
        int len = zmq_recv(rep, buf, sizeof buf, 0);
        zmq_send(rep, buf, (size_t)len, 0);
    }
    double *one = calloc((size_t)n, sizeof *one);
    for (int i = 0; i < n + 100; i++) {
        int len = zmq_recv(pull, buf, sizeof buf, 0);
        double now = bb_now(), stamp;
        memcpy(&stamp, buf, sizeof stamp);
        if (i >= 100)
            one[i - 100] = (now - stamp) * 1e6;
        zmq_send(back, buf, (size_t)len, 0);
    }
    dprintf(wfd, "%.3f %.3f %.3f\n", bb_quantile(one, (size_t)n, 0.5),
            bb_quantile(one, (size_t)n, 0.99), bb_quantile(one, (size_t)n, 0.999));
    int zero = 0;
    zmq_setsockopt(back, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(rep);
    zmq_close(pull);
    zmq_close(back);
    zmq_ctx_term(ctx);
    _exit(0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    char dir[] = "/tmp/bitten-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char ipc[300];
    snprintf(ipc, sizeof ipc, "ipc://%s/rep.sock", dir);
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(pfd[0]);
        s_child(pfd[1], ipc, n);
    }
    close(pfd[1]);
    FILE *in = fdopen(pfd[0], "r");
    char ep1[256], ep2[256];
    if (fscanf(in, "%255s %255s", ep1, ep2) != 2)
        return 1;
    void *ctx = zmq_ctx_new();
    void *req = zmq_socket(ctx, ZMQ_REQ), *push = zmq_socket(ctx, ZMQ_PUSH);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    zmq_connect(req, ipc);
    zmq_connect(push, ep1);
    zmq_connect(pull, ep2);
    char buf[PAYLOAD + 64];
    memset(buf, 'x', sizeof buf);
    double *rtt = calloc((size_t)n, sizeof *rtt);
    for (int i = 0; i < n + 100; i++) {
        double t0 = bb_now();
        zmq_send(req, buf, PAYLOAD, 0);
        zmq_recv(req, buf, sizeof buf, 0);
        if (i >= 100)
            rtt[i - 100] = (bb_now() - t0) * 1e6;
    }
    double *pp = calloc((size_t)n, sizeof *pp);
    for (int i = 0; i < n + 100; i++) {
        double t0 = bb_now();
        memcpy(buf, &t0, sizeof t0);
        zmq_send(push, buf, PAYLOAD, 0);
        zmq_recv(pull, buf, sizeof buf, 0);
        if (i >= 100)
            pp[i - 100] = (bb_now() - t0) * 1e6;
    }
    double o50 = 0, o99 = 0, o999 = 0;
    if (fscanf(in, "%lf %lf %lf", &o50, &o99, &o999) != 3)
        fprintf(stderr, "bench_zmq_lat: no one-way figures\n");
    waitpid(pid, NULL, 0);
    fclose(in);
    json_t *out = json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "bench",
                            "zmq_lat", "n", n, "reqrep_rtt_us_p50", bb_quantile(rtt, (size_t)n, 0.5),
                            "reqrep_rtt_us_p99", bb_quantile(rtt, (size_t)n, 0.99),
                            "reqrep_rtt_us_p999", bb_quantile(rtt, (size_t)n, 0.999),
                            "pushpull_oneway_us_p50", o50, "pushpull_oneway_us_p99", o99,
                            "pushpull_oneway_us_p999", o999, "pushpull_rtt_us_p50",
                            bb_quantile(pp, (size_t)n, 0.5), "pushpull_rtt_us_p99",
                            bb_quantile(pp, (size_t)n, 0.99));
    bb_emit(out);
    int zero = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(req);
    zmq_close(push);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    bb_rmtree(dir);
    return 0;
}
