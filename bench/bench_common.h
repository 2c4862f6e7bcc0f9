/*  bench_common.h: helpers shared by the benchmarks: start bittend on ephemeral loopback ports
 *  (as the integration harness does), control requests, /proc readings, percentiles, JSON out. */
#ifndef BITTEN_BENCH_COMMON_H
#define BITTEN_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct {
    char dir[256];
    char cfg_path[320];
    char log_path[320];
    char control[320];
    char command[128], feedback[128], events[128]; /* effective, connectable */
    char router[128];                              /* the ROUTER for DEALER EAs */
    pid_t pid;
    void *zctx;
    void *req; /* persistent control REQ socket */
} bb_daemon_t;

double bb_now(void); /* CLOCK_MONOTONIC seconds: comparable across processes */
void bb_sleep_ms(int ms);

/*  Writes a config (feedback.socket = pull, log.level = warn, ipc control in a temp dir, extra
 *  ZPL appended) and starts bittend with extra args (NULL-terminated, may be NULL). The child
 *  dies with the bench (PR_SET_PDEATHSIG). Returns 0 once `status` answers. */
int bb_daemon_start(bb_daemon_t *d, const char *bittend, const char *extra_zpl,
                    const char *const *extra_args);
/*  SIGTERM, wait (SIGKILL after 10 s), remove the temp dir. */
void bb_daemon_stop(bb_daemon_t *d);

/*  One control request on the persistent REQ socket; the reply or NULL (timeout). */
json_t *bb_ctl(bb_daemon_t *d, const char *request_json);
json_t *bb_status(bb_daemon_t *d);
/*  Integer at a dotted path ("frames_in.telemetry"), 0 when absent. */
int64_t bb_json_int(json_t *obj, const char *path);
/*  Polls status every interval_ms until path >= want or timeout. Returns the last value. */
int64_t bb_wait_status(bb_daemon_t *d, const char *path, int64_t want, int interval_ms,
                       int timeout_ms);

/*  /proc readings of a process: utime+stime in seconds, VmRSS / VmHWM in kB, open fds. */
double bb_proc_cpu_s(pid_t pid);
long bb_proc_status_kb(pid_t pid, const char *field); /* "VmRSS", "VmHWM" */
int bb_proc_fds(pid_t pid);

/*  Raises RLIMIT_NOFILE as far as it goes (hard limit too when privileged). New soft limit. */
long bb_raise_nofile(long want);

/*  Sorts v and returns the q-quantile (0..1) by nearest rank; NAN for n == 0. */
double bb_quantile(double *v, size_t n, double q);

/*  Deletes a directory tree made by the bench (rm -rf on a mkdtemp path). */
void bb_rmtree(const char *dir);

/*  Installs SIGINT/SIGTERM handlers that stop *d (its daemon) and exit 130. */
void bb_stop_on_signals(bb_daemon_t *d);

/*  Prints obj as one compact JSON line on stdout and decrefs it. */
void bb_emit(json_t *obj);

#endif
