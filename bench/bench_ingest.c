/*  bench_ingest.c: feedback ingest throughput: a flood client PUSHes N telemetry frames to a
 *  target (bittend, or a baseline receiver process) over tcp loopback and measures frames/s. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bench_common.h"
#include "bench_frames.h"
#include "bitten/proto.h"

typedef struct {
    char **frames;
    int *lens;
    int kinds;
} s_frames_t;

static void s_make_frames(s_frames_t *f, int uuids)
{
    f->kinds = uuids;
    f->frames = calloc((size_t)uuids, sizeof *f->frames);
    f->lens = calloc((size_t)uuids, sizeof *f->lens);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    bitten_ms_t now = (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    for (int i = 0; i < uuids; i++) {
        char buf[1024];
        int n = bb_telemetry_frame(i, now, buf, sizeof buf);
        if (n <= 0) {
            fprintf(stderr, "bench_ingest: encode failed\n");
            exit(1);
        }
        f->frames[i] = malloc((size_t)n);
        memcpy(f->frames[i], buf, (size_t)n);
        f->lens[i] = n;
    }
}

static void s_send_range(void *push, const s_frames_t *f, long from, long count)
{
    for (long i = from; i < from + count; i++) {
        int k = (int)(i % f->kinds);
        while (zmq_send(push, f->frames[k], (size_t)f->lens[k], 0) < 0 && errno == EINTR)
            ;
    }
}

typedef struct {
    void *push;
    const s_frames_t *f;
    long from, count;
    double t_first, t_last;
} s_sender_t;

static void *s_sender(void *arg)
{
    s_sender_t *s = arg;
    s->t_first = bb_now();
    s_send_range(s->push, s->f, s->from, s->count);
    s->t_last = bb_now();
    return NULL;
}

static void *s_push(void *ctx, const char *endpoint)
{
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int zero = 0, hwm = 100000;
    zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (zmq_connect(push, endpoint) != 0) {
        fprintf(stderr, "bench_ingest: connect %s: %s\n", endpoint, zmq_strerror(errno));
        exit(1);
    }
    return push;
}

/* ---------------------------------------------------------------- bittend as the target */

static int s_run_bittend(const char *bittend, const s_frames_t *f, long n, json_t *out)
{
    bb_daemon_t d;
    bb_stop_on_signals(&d);
    if (bb_daemon_start(&d, bittend, NULL, NULL) != 0) {
        fprintf(stderr, "bench_ingest: bittend did not start\n");
        bb_daemon_stop(&d);
        return -1;
    }
    long rss_idle = bb_proc_status_kb(d.pid, "VmRSS");
    void *push = s_push(d.zctx, d.feedback);
    //  Warm-up: one frame per uuid (accounts are created on first telemetry, outside the timing).
    s_send_range(push, f, 0, f->kinds);
    if (bb_wait_status(&d, "frames_in.telemetry", f->kinds, 20, 20000) < f->kinds) {
        fprintf(stderr, "bench_ingest: warm-up frames not counted\n");
        bb_daemon_stop(&d);
        return -1;
    }
    double cpu0 = bb_proc_cpu_s(d.pid);
    int64_t want = f->kinds + n;
    s_sender_t snd = {push, f, f->kinds, n, 0, 0};
    pthread_t th;
    double t0 = bb_now();
    pthread_create(&th, NULL, s_sender, &snd);
    //  Poll status sparsely; the crossing of `want` is interpolated between two samples.
    double t_prev = t0, t_end = NAN;
    int64_t v_prev = f->kinds;
    double deadline = t0 + 300.0;
    while (bb_now() < deadline) {
        bb_sleep_ms(100);
        json_t *st = bb_status(&d);
        double t = bb_now();
        if (!st)
            continue;
        int64_t v = bb_json_int(st, "frames_in.telemetry");
        json_decref(st);
        if (v >= want) {
            double frac = v > v_prev ? (double)(want - v_prev) / (double)(v - v_prev) : 1.0;
            t_end = t_prev + frac * (t - t_prev);
            break;
        }
        t_prev = t;
        v_prev = v;
    }
    pthread_join(th, NULL);
    double cpu1 = bb_proc_cpu_s(d.pid);
    json_t *st = bb_status(&d);
    int64_t rejects = st ? bb_json_int(st, "rejects_total") : -1;
    json_decref(st);
    json_object_set_new(out, "seconds", json_real(t_end - t0));
    json_object_set_new(out, "fps", json_real((double)n / (t_end - t0)));
    json_object_set_new(out, "send_seconds", json_real(snd.t_last - snd.t_first));
    json_object_set_new(out, "daemon_cpu_s", json_real(cpu1 - cpu0));
    json_object_set_new(out, "rejects", json_integer(rejects));
    json_object_set_new(out, "rss_idle_kb", json_integer(rss_idle));
    json_object_set_new(out, "rss_after_kb", json_integer(bb_proc_status_kb(d.pid, "VmRSS")));
    json_object_set_new(out, "hwm_kb", json_integer(bb_proc_status_kb(d.pid, "VmHWM")));
    zmq_close(push);
    bb_daemon_stop(&d);
    return isnan(t_end) ? -1 : 0;
}

/* ---------------------------------------------------------------- a baseline process */

//  The receiver prints its endpoint, then "warm" after `warm` frames, then the monotonic
//  time of the last of warm + n frames.
static int s_run_baseline(char *const *argv, const s_frames_t *f, long n, json_t *out)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pipefd[1]);
    FILE *in = fdopen(pipefd[0], "r");
    char line[256], endpoint[256];
    if (!fgets(endpoint, sizeof endpoint, in)) {
        fprintf(stderr, "bench_ingest: baseline %s gave no endpoint\n", argv[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    endpoint[strcspn(endpoint, "\r\n")] = '\0';
    void *ctx = zmq_ctx_new();
    void *push = s_push(ctx, endpoint);
    s_send_range(push, f, 0, f->kinds);
    if (!fgets(line, sizeof line, in) || strncmp(line, "warm", 4) != 0) {
        fprintf(stderr, "bench_ingest: baseline not warm\n");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    double t0 = bb_now();
    s_send_range(push, f, f->kinds, n);
    double t_sent = bb_now();
    double t_end = NAN;
    if (fgets(line, sizeof line, in))
        t_end = strtod(line, NULL);
    int status = 0;
    waitpid(pid, &status, 0);
    fclose(in);
    zmq_close(push);
    zmq_ctx_term(ctx);
    json_object_set_new(out, "seconds", json_real(t_end - t0));
    json_object_set_new(out, "fps", json_real((double)n / (t_end - t0)));
    json_object_set_new(out, "send_seconds", json_real(t_sent - t0));
    return isnan(t_end) ? -1 : 0;
}

static void s_usage(void)
{
    fprintf(stderr,
            "usage: bench_ingest --target bittend|A|B|C [--frames N] [--uuids K]\n"
            "  --bittend PATH  --recv PATH (bench_baseline_recv)  --python PATH --py-script PATH\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *target = "bittend", *bittend = "build-bench/bittend";
    const char *recv_path = "build-bench/bench/bench_baseline_recv";
    const char *python = "/usr/bin/python3", *py_script = "bench/baseline_c.py";
    long frames = 500000;
    int uuids = 300;
    for (int i = 1; i < argc; i += 2) { /* --option value pairs */
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            s_usage();
        if (!strcmp(a, "--target"))
            target = v;
        else if (!strcmp(a, "--bittend"))
            bittend = v;
        else if (!strcmp(a, "--recv"))
            recv_path = v;
        else if (!strcmp(a, "--python"))
            python = v;
        else if (!strcmp(a, "--py-script"))
            py_script = v;
        else if (!strcmp(a, "--frames"))
            frames = atol(v);
        else if (!strcmp(a, "--uuids"))
            uuids = atoi(v);
        else
            s_usage();
    }
    s_frames_t f;
    s_make_frames(&f, uuids);
    json_t *out = json_pack("{s:s, s:s, s:I, s:i, s:i}", "bench", "ingest", "target", target,
                            "frames", (json_int_t)frames, "uuids", uuids, "frame_bytes",
                            f.lens[0]);
    char nbuf[32], wbuf[32];
    snprintf(nbuf, sizeof nbuf, "%ld", frames);
    snprintf(wbuf, sizeof wbuf, "%d", uuids);
    int rc;
    if (!strcmp(target, "bittend")) {
        rc = s_run_bittend(bittend, &f, frames, out);
    } else if (!strcmp(target, "A") || !strcmp(target, "B")) {
        char *args[] = {(char *)recv_path, (char *)(strcmp(target, "A") ? "json" : "recv"), wbuf,
                        nbuf, NULL};
        rc = s_run_baseline(args, &f, frames, out);
    } else if (!strcmp(target, "C")) {
        char *args[] = {(char *)python, (char *)py_script, wbuf, nbuf, NULL};
        rc = s_run_baseline(args, &f, frames, out);
    } else {
        s_usage();
        return 2;
    }
    json_object_set_new(out, "ok", json_boolean(rc == 0));
    bb_emit(out);
    return rc == 0 ? 0 : 1;
}
