/*  bench_scale.c: many simulated EAs in one process (a command PULL and a feedback PUSH each),
 *  telemetry every second and heartbeats; bittend's CPU, RSS, fds and liveness under that load. */
#define _GNU_SOURCE 1 /* pipe2 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include <zmq.h>

#include "bench_common.h"
#include "bitten/proto.h"

//  fds --fit leaves free in bittend besides its own and the EAs' (the bench's status
//  requests, a reconnect that is accepted before the old connection's fd is closed).
#define FIT_SPARE_FDS 4

typedef struct {
    int n, base; /* EAs base .. base + n - 1 of the whole run live in this process */
    void **pull, **push;
    bool *closed;
    int *sample; /* indices of the PULLs whose keepalives are counted */
    int n_sample;
    long *hb; /* heartbeat frames seen per sampled PULL */
    long sends, eagain;
} s_eas_t;

static bitten_ms_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_send(s_eas_t *e, int i, const char *buf, int len)
{
    if (zmq_send(e->push[i], buf, (size_t)len, ZMQ_DONTWAIT) < 0) {
        if (errno == EAGAIN)
            e->eagain++;
    } else {
        e->sends++;
    }
}

//  One EA's turn in second `sec`: telemetry, and a heartbeat every 5th second (staggered).
static void s_ea_turn(s_eas_t *e, int i, long sec)
{
    if (e->closed[i])
        return;
    char buf[1024];
    bitten_ms_t now = s_wall_ms();
    bitten_telemetry_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.uuid, sizeof t.uuid, "scale_ea_%05d", e->base + i);
    t.balance = 100000.0;
    t.equity = 100000.0 + (double)(sec % 100);
    t.margin = 100.0;
    t.has_margin = true;
    t.free_margin = t.equity - t.margin;
    t.has_free_margin = true;
    t.timestamp = now;
    int n = bitten_encode_telemetry(&t, buf, sizeof buf);
    if (n > 0)
        s_send(e, i, buf, n);
    if ((e->base + i + sec) % 5 == 0) {
        bitten_ea_heartbeat_t h;
        memset(&h, 0, sizeof h);
        snprintf(h.uuid, sizeof h.uuid, "scale_ea_%05d", e->base + i);
        h.balance = h.equity = 100000.0;
        h.has_balance = h.has_equity = true;
        h.timestamp = now;
        n = bitten_encode_ea_heartbeat(&h, buf, sizeof buf);
        if (n > 0)
            s_send(e, i, buf, n);
    }
}

static void s_drain_samples(s_eas_t *e)
{
    char buf[2048];
    for (int j = 0; j < e->n_sample; j++) {
        int i = e->sample[j];
        if (e->closed[i])
            continue;
        int n;
        while ((n = zmq_recv(e->pull[i], buf, sizeof buf - 1, ZMQ_DONTWAIT)) >= 0) {
            buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
            if (strstr(buf, "\"type\":\"heartbeat\""))
                e->hb[j]++;
        }
    }
}

//  Runs the load for `seconds` (every EA once a second, spread over 100 steps of 10 ms).
//  Calls probe every probe_s seconds when given; stops early when it returns true.
typedef bool(s_probe_fn)(void *arg, double elapsed);

static double s_load(s_eas_t *e, double seconds, long *sec_counter, s_probe_fn *probe, void *arg,
                     double probe_s)
{
    double t0 = bb_now(), next_probe = probe_s;
    for (long step = 0;; step++) {
        double target = t0 + (double)step * 0.01;
        double now = bb_now();
        if (now - t0 >= seconds)
            break;
        if (target > now)
            bb_sleep_ms((int)((target - now) * 1000) + 1);
        long sec = *sec_counter + step / 100;
        int k = (int)(step % 100);
        int from = (int)((long)e->n * k / 100), to = (int)((long)e->n * (k + 1) / 100);
        for (int i = from; i < to; i++)
            s_ea_turn(e, i, sec);
        if (k % 10 == 0)
            s_drain_samples(e);
        if (probe && bb_now() - t0 >= next_probe) {
            next_probe += probe_s;
            if (probe(arg, bb_now() - t0))
                break;
        }
    }
    double took = bb_now() - t0;
    *sec_counter += (long)ceil(took) + 1;
    return took;
}


//  Creates this process's EAs' sockets and connects them. 0, or -1 with why.
static int s_open_eas(s_eas_t *e, void *ctx, const char *command, const char *feedback, char *why,
                      size_t whylen)
{
    int zero = 0, hwm = 1000;
    for (int i = 0; i < e->n; i++) {
        e->pull[i] = zmq_socket(ctx, ZMQ_PULL);
        e->push[i] = zmq_socket(ctx, ZMQ_PUSH);
        if (!e->pull[i] || !e->push[i]) {
            snprintf(why, whylen, "zmq_socket failed at EA %d: %s", e->base + i,
                     zmq_strerror(errno));
            return -1;
        }
        zmq_setsockopt(e->pull[i], ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(e->push[i], ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(e->push[i], ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_connect(e->pull[i], command);
        zmq_connect(e->push[i], feedback);
    }
    return 0;
}

static void s_alloc_eas(s_eas_t *e, int base, int n)
{
    memset(e, 0, sizeof *e);
    e->base = base;
    e->n = n;
    e->pull = calloc((size_t)n, sizeof *e->pull);
    e->push = calloc((size_t)n, sizeof *e->push);
    e->closed = calloc((size_t)n, sizeof *e->closed);
}

static bool s_probe_eof(void *arg, double elapsed)
{
    char c;
    return read(*(int *)arg, &c, 1) == 0; /* the parent closed the pipe: stop */
}

//  A worker process: more EAs than one process has fds for. Reads the endpoints from the
//  pipe, runs the same load until the parent closes the pipe.
static void s_worker(int rfd, int base, int n)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char line[600], command[256], feedback[256];
    ssize_t got = 0;
    while (got < (ssize_t)sizeof line - 1) {
        ssize_t r = read(rfd, line + got, 1);
        if (r <= 0)
            _exit(0);
        if (line[got++] == '\n')
            break;
    }
    line[got] = '\0';
    if (sscanf(line, "%255s %255s", command, feedback) != 2)
        _exit(1);
    fcntl(rfd, F_SETFL, O_NONBLOCK);
    s_eas_t e;
    s_alloc_eas(&e, base, n);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 2 * n + 64);
    char why[200];
    if (s_open_eas(&e, ctx, command, feedback, why, sizeof why) != 0) {
        fprintf(stderr, "bench_scale worker: %s\n", why);
        _exit(1);
    }
    long sec = 0;
    s_load(&e, 1e9, &sec, s_probe_eof, &rfd, 0.5);
    for (int i = 0; i < n; i++) {
        zmq_close(e.pull[i]);
        zmq_close(e.push[i]);
    }
    zmq_ctx_term(ctx);
    _exit(0);
}

typedef struct {
    bb_daemon_t *d;
    int64_t want;
    const char *path;
    bool at_most; /* stop when value <= want (offline check) */
    int64_t last;
    double at;
    json_t *rss; /* soak: [elapsed_s, rss_kb] samples, or NULL */
} s_wait_t;

static bool s_probe_status(void *arg, double elapsed)
{
    s_wait_t *w = arg;
    if (w->rss)
        json_array_append_new(w->rss, json_pack("[f, I]", elapsed,
                                                (json_int_t)bb_proc_status_kb(w->d->pid, "VmRSS")));
    if (!w->path)
        return false;
    json_t *st = bb_status(w->d);
    if (!st)
        return false;
    w->last = bb_json_int(st, w->path);
    json_decref(st);
    w->at = elapsed;
    return w->at_most ? w->last <= w->want : w->last >= w->want;
}

static double s_cpu_sum(const pid_t *pids, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += bb_proc_cpu_s(pids[i]);
    return sum;
}

//  The same load against a bare libzmq PULL + PUSH process (bench_baseline_recv scale).
//  Soak: the baseline process's RSS every probe_s seconds.
typedef struct {
    pid_t pid;
    json_t *rss;
} s_rss_probe_t;

static bool s_probe_rss(void *arg, double elapsed)
{
    s_rss_probe_t *r = arg;
    json_array_append_new(r->rss,
                          json_pack("[f, I]", elapsed, (json_int_t)bb_proc_status_kb(r->pid, "VmRSS")));
    return false;
}

//  Keepalives counted on n_sample of this process's PULLs (never one that --fit stops).
static void s_sample_eas(s_eas_t *e, int off)
{
    e->n_sample = e->n < 20 ? e->n : 20;
    e->sample = calloc((size_t)e->n_sample, sizeof *e->sample);
    e->hb = calloc((size_t)e->n_sample, sizeof *e->hb);
    for (int j = 0; j < e->n_sample; j++)
        e->sample[j] = (int)((long)j * (e->n - off) / e->n_sample);
}

static void s_hb_stats(const s_eas_t *e, json_t *out)
{
    long hb_min = -1, hb_sum = 0;
    for (int j = 0; j < e->n_sample; j++) {
        hb_sum += e->hb[j];
        if (hb_min < 0 || e->hb[j] < hb_min)
            hb_min = e->hb[j];
    }
    json_object_set_new(out, "hb_sample", json_integer(e->n_sample));
    json_object_set_new(out, "hb_min", json_integer(hb_min));
    json_object_set_new(out, "hb_mean", json_real((double)hb_sum / (e->n_sample ? e->n_sample : 1)));
}

//  The baseline does bittend's transport work for these EAs: it drains the PULL and sends
//  bittend's keepalive to every PUSH peer every keepalive_s (bench_baseline_recv.c s_scale).
static int s_baseline(const char *recv, json_t *out, int n, int n0, double window, double rss_every,
                      int keepalive_s, int *pipes, pid_t *workers, int nw)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        char ka[32];
        snprintf(ka, sizeof ka, "%d", keepalive_s);
        execl(recv, recv, "scale", ka, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char command[256], feedback[256];
    FILE *in = fdopen(fd[0], "r");
    if (fscanf(in, "%255s %255s", command, feedback) != 2)
        return 1;
    bb_sleep_ms(1000);
    long rss_idle = bb_proc_status_kb(pid, "VmRSS");
    double tc0 = bb_now();
    for (int w = 0; w < nw; w++)
        dprintf(pipes[w], "%s %s\n", command, feedback);
    s_eas_t e;
    s_alloc_eas(&e, 0, n0);
    s_sample_eas(&e, 0);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 2 * n0 + 64);
    char why[200];
    if (s_open_eas(&e, ctx, command, feedback, why, sizeof why) != 0)
        return 1;
    while (bb_proc_fds(pid) < 2 * n && bb_now() - tc0 < 120)
        bb_sleep_ms(200);
    double connect_s = bb_now() - tc0;
    long sec = 0;
    s_load(&e, 5, &sec, NULL, NULL, 1e9);
    for (int j = 0; j < e.n_sample; j++)
        e.hb[j] = 0;
    long sends0 = e.sends; /* this process's EAs' frames in the window (a slow client sends fewer) */
    double cpu0 = bb_proc_cpu_s(pid), wcpu0 = s_cpu_sum(workers, nw);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    s_rss_probe_t rp = {pid, rss_every > 0 ? json_array() : NULL};
    double took = s_load(&e, window, &sec, rss_every > 0 ? s_probe_rss : NULL, &rp,
                         rss_every > 0 ? rss_every : 1e9);
    double cpu1 = bb_proc_cpu_s(pid), wcpu1 = s_cpu_sum(workers, nw);
    getrusage(RUSAGE_SELF, &ru1);
    double client = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                    (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                    (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6 + (wcpu1 - wcpu0);
    json_object_set_new(out, "target", json_string("baseline"));
    json_object_set_new(out, "ok", json_true());
    json_object_set_new(out, "connect_s", json_real(connect_s));
    json_object_set_new(out, "measured_s", json_real(took));
    json_object_set_new(out, "cpu_pct", json_real((cpu1 - cpu0) / took * 100.0));
    json_object_set_new(out, "client_cpu_pct", json_real(client / took * 100.0));
    json_object_set_new(out, "rss_idle_kb", json_integer(rss_idle));
    json_object_set_new(out, "rss_kb", json_integer(bb_proc_status_kb(pid, "VmRSS")));
    json_object_set_new(out, "fds", json_integer(bb_proc_fds(pid)));
    json_object_set_new(out, "window_frames", json_integer(e.sends - sends0));
    json_object_set_new(out, "window_procs_share", json_real((double)n0 / n));
    s_hb_stats(&e, out);
    if (rp.rss)
        json_object_set_new(out, "rss_samples", rp.rss);
    //  Its keepalive count over its whole life (bittend's status counts the same way).
    long long ka_sent = -1;
    kill(pid, SIGTERM);
    if (fscanf(in, " keepalives_sent %lld", &ka_sent) != 1)
        ka_sent = -1;
    waitpid(pid, NULL, 0);
    fclose(in);
    json_object_set_new(out, "keepalives_sent", json_integer(ka_sent));
    bb_emit(out);
    for (int w = 0; w < nw; w++) {
        close(pipes[w]);
        waitpid(workers[w], NULL, 0);
    }
    for (int i = 0; i < n0; i++) {
        zmq_close(e.pull[i]);
        zmq_close(e.push[i]);
    }
    zmq_ctx_term(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    const char *bittend = "build-bench/bittend", *baseline = NULL;
    int n = 1000, off = 10, offline_after = 10, keepalive_s = 5;
    bool fit = false;
    double window = 30, rss_every = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--bittend"))
            bittend = argv[i + 1];
        else if (!strcmp(argv[i], "--eas"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--window"))
            window = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--offline-sample"))
            off = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--baseline"))
            baseline = argv[i + 1];
        else if (!strcmp(argv[i], "--rss-every"))
            rss_every = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--keepalive"))
            keepalive_s = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--fit"))
            fit = atoi(argv[i + 1]) != 0;
        else {
            fprintf(stderr, "usage: bench_scale [--bittend P] [--eas N] [--window S] "
                            "[--offline-sample K] [--rss-every S] [--keepalive S] [--fit 0|1] "
                            "[--baseline RECV]\n");
            return 2;
        }
    }
    char extra[64], ka[64], auto_max[64];
    snprintf(extra, sizeof extra, "ea.offline_after_s=%d", offline_after);
    snprintf(ka, sizeof ka, "command.keepalive_s=%d", keepalive_s);
    //  Every EA is an account of bittend's (created on its first frame), not a uuid refused
    //  past the default limit of 1,000 auto-created accounts.
    snprintf(auto_max, sizeof auto_max, "default_account.max_auto_created=%d", n > 1000 ? n : 1000);
    const char *args[] = {"--set", extra, "--set", ka, "--set", auto_max, NULL};
    //  fds: 2 per EA in bittend (one tcp connection per socket) plus its own (listeners,
    //  mailboxes, the store, the log: counted on an idle bittend); 4 per EA in the client (tcp
    //  + the socket's mailbox eventfd, two sockets), so the EAs are spread over processes.
    long nofile = bb_raise_nofile(2L * n + 4096);
    int requested = n, own_fds = -1;
    if (fit) {
        bb_daemon_t probe;
        if (bb_daemon_start(&probe, bittend, NULL, args) == 0) {
            bb_sleep_ms(1000);
            own_fds = bb_proc_fds(probe.pid);
            bb_daemon_stop(&probe);
        }
        long room = own_fds > 0 ? (nofile - own_fds - FIT_SPARE_FDS) / 2 : n;
        if (n > room)
            n = (int)room; /* the baseline is given the same N by the same count */
    }
    if (off > n / 4)
        off = n / 4;
    int per_proc = (int)((nofile - 512) / 4);
    int procs = (n + per_proc - 1) / per_proc;
    int n0 = n - (procs - 1) * (n / procs); /* this process's share (the rest to workers) */
    json_t *out = json_pack("{s:s, s:i, s:f, s:I, s:i}", "bench", "scale", "eas", n, "window_s",
                            window, "nofile", (json_int_t)nofile, "client_procs", procs);
    if (requested != n)
        json_object_set_new(
            out, "fit_why",
            json_sprintf("%d EAs need 2 x %d tcp fds + %d of bittend's own + %d spare = %ld > "
                         "RLIMIT_NOFILE %ld (the hard limit; raising it needs CAP_SYS_RESOURCE)",
                         requested, requested, own_fds, FIT_SPARE_FDS,
                         2L * requested + own_fds + FIT_SPARE_FDS, nofile));
    json_object_set_new(out, "eas_requested", json_integer(requested));
    json_object_set_new(out, "bittend_own_fds", json_integer(own_fds));
    json_object_set_new(out, "keepalive_s", json_integer(keepalive_s));
    if (nofile < 2L * n + (own_fds > 0 ? own_fds + FIT_SPARE_FDS : 64)) {
        json_object_set_new(out, "ok", json_false());
        json_object_set_new(out, "why", json_sprintf("RLIMIT_NOFILE %ld (hard limit, not raisable "
                                                     "here) < %ld fds bittend needs for %d EAs "
                                                     "(one tcp connection per socket, 2 per EA)",
                                                     nofile, 2L * n + 64, n));
        bb_emit(out);
        return 1;
    }
    int pipes[64];
    pid_t workers[64];
    int nw = 0;
    for (int w = 1; w < procs && w < 64; w++) {
        int fd[2];
        if (pipe2(fd, O_CLOEXEC) != 0) /* bittend must not hold a worker's pipe open */
            return 1;
        int base = n0 + (w - 1) * (n / procs);
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[1]);
            for (int k = 0; k < nw; k++) /* nor may a later worker hold an earlier's */
                close(pipes[k]);
            s_worker(fd[0], base, n / procs);
        }
        close(fd[0]);
        pipes[nw] = fd[1];
        workers[nw++] = pid;
    }
    bb_daemon_t d;
    bb_stop_on_signals(&d);
    if (baseline)
        return s_baseline(baseline, out, n, n0, window, rss_every, keepalive_s, pipes, workers,
                          nw);
    if (bb_daemon_start(&d, bittend, NULL, args) != 0) {
        fprintf(stderr, "bench_scale: bittend did not start\n");
        return 1;
    }
    bb_sleep_ms(1000);
    long rss_idle = bb_proc_status_kb(d.pid, "VmRSS");
    int fds_idle = bb_proc_fds(d.pid);

    s_eas_t e;
    s_alloc_eas(&e, 0, n0);
    s_sample_eas(&e, off);
    double tc0 = bb_now();
    for (int w = 0; w < nw; w++)
        dprintf(pipes[w], "%s %s\n", d.command, d.feedback);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 2 * n0 + 64);
    char why[200];
    if (s_open_eas(&e, ctx, d.command, d.feedback, why, sizeof why) != 0) {
        json_object_set_new(out, "ok", json_false());
        json_object_set_new(out, "why", json_string(why));
        bb_emit(out);
        bb_daemon_stop(&d);
        return 1;
    }
    //  connects, not peers: status caps peers at CORE_MAX_PEER_FDS (4096).
    bb_wait_status(&d, "command.connects", n, 200, 120000);
    bb_wait_status(&d, "feedback.connects", n, 200, 60000);
    json_t *pst = bb_status(&d);
    int64_t cpeers = bb_json_int(pst, "command.peers"), fpeers = bb_json_int(pst, "feedback.peers");
    json_decref(pst);
    double connect_s = bb_now() - tc0;

    long sec = 0;
    s_wait_t wu = {&d, n, "eas.online", false, 0, 0, NULL};
    double warm_s = s_load(&e, 60, &sec, s_probe_status, &wu, 0.5);
    int64_t online_warm = wu.last;
    //  Every EA's account exists by now (created on its first frame, before it counts online).
    json_t *ast = bb_status(&d);
    json_object_set_new(out, "accounts_created", json_integer(bb_json_int(ast, "accounts.auto_created")));
    json_decref(ast);

    //  The measured window.
    for (int j = 0; j < e.n_sample; j++)
        e.hb[j] = 0;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    long sends0 = e.sends; /* this process's EAs' frames in the window (a slow client sends fewer) */
    double wcpu0 = 0, wcpu1 = 0;
    for (int w = 0; w < nw; w++)
        wcpu0 += bb_proc_cpu_s(workers[w]);
    double cpu0 = bb_proc_cpu_s(d.pid);
    s_wait_t soak = {&d, 0, NULL, false, 0, 0, rss_every > 0 ? json_array() : NULL};
    double took = s_load(&e, window, &sec, rss_every > 0 ? s_probe_status : NULL, &soak,
                         rss_every > 0 ? rss_every : 1e9);
    double cpu1 = bb_proc_cpu_s(d.pid);
    long window_frames = e.sends - sends0;
    s_hb_stats(&e, out); /* the window's keepalives, before the liveness phase adds more */
    getrusage(RUSAGE_SELF, &ru1);
    for (int w = 0; w < nw; w++)
        wcpu1 += bb_proc_cpu_s(workers[w]);
    long rss_load = bb_proc_status_kb(d.pid, "VmRSS");
    long hwm_kb = bb_proc_status_kb(d.pid, "VmHWM");
    int fds_load = bb_proc_fds(d.pid);
    json_t *st = bb_status(&d);
    int64_t online = st ? bb_json_int(st, "eas.online") : -1;
    int64_t keepalives = st ? bb_json_int(st, "command.keepalives_sent") : -1;
    int64_t rejects = st ? bb_json_int(st, "rejects_total") : -1;
    json_decref(st);
    double client_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                        (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                        (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                        (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6 +
                        (wcpu1 - wcpu0);

    //  Liveness: stop `off` EAs (the last ones) and time until bittend calls them offline.
    for (int i = n0 - off; i < n0; i++) {
        zmq_close(e.pull[i]);
        zmq_close(e.push[i]);
        e.closed[i] = true;
    }
    s_wait_t wo = {&d, n - off, "eas.online", true, online, 0, NULL};
    s_load(&e, offline_after + 20, &sec, s_probe_status, &wo, 0.5);
    bb_sleep_ms(1500); /* then check nobody else went offline */
    st = bb_status(&d);
    int64_t online_after = st ? bb_json_int(st, "eas.online") : -1;
    json_decref(st);

    json_object_set_new(out, "ok", json_boolean(online == n && online_after == n - off));
    json_object_set_new(out, "connect_s", json_real(connect_s));
    json_object_set_new(out, "command_peers", json_integer(cpeers));
    json_object_set_new(out, "feedback_peers", json_integer(fpeers));
    json_object_set_new(out, "warm_s", json_real(warm_s));
    json_object_set_new(out, "online_warm", json_integer(online_warm));
    json_object_set_new(out, "measured_s", json_real(took));
    json_object_set_new(out, "cpu_pct", json_real((cpu1 - cpu0) / took * 100.0));
    json_object_set_new(out, "client_cpu_pct", json_real(client_cpu / took * 100.0));
    json_object_set_new(out, "frames_sent", json_integer(e.sends));
    json_object_set_new(out, "window_frames", json_integer(window_frames));
    json_object_set_new(out, "window_procs_share", json_real((double)n0 / n));
    json_object_set_new(out, "eagain", json_integer(e.eagain));
    json_object_set_new(out, "rss_idle_kb", json_integer(rss_idle));
    json_object_set_new(out, "rss_kb", json_integer(rss_load));
    json_object_set_new(out, "hwm_kb", json_integer(hwm_kb));
    json_object_set_new(out, "fds_idle", json_integer(fds_idle));
    json_object_set_new(out, "fds", json_integer(fds_load));
    json_object_set_new(out, "online", json_integer(online));
    json_object_set_new(out, "rejects", json_integer(rejects));
    json_object_set_new(out, "keepalives_sent", json_integer(keepalives));
    json_object_set_new(out, "stopped", json_integer(off));
    json_object_set_new(out, "offline_after_s", json_integer(offline_after));
    json_object_set_new(out, "offline_seen_s", json_real(wo.last <= n - off ? wo.at : -1));
    json_object_set_new(out, "online_after_stop", json_integer(online_after));
    if (soak.rss)
        json_object_set_new(out, "rss_samples", soak.rss);
    bb_emit(out);
    for (int w = 0; w < nw; w++) {
        close(pipes[w]);
        waitpid(workers[w], NULL, 0);
    }
    for (int i = 0; i < n0; i++)
        if (!e.closed[i]) {
            zmq_close(e.pull[i]);
            zmq_close(e.push[i]);
        }
    zmq_ctx_term(ctx);
    bb_daemon_stop(&d);
    return 0;
}
