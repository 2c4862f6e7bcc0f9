/*  harness.h: integration-test helpers: start the real bittend on ephemeral loopback ports and
 *  an ipc control socket in a fresh temp dir, talk to it over real ZeroMQ sockets, stop it. */
#ifndef BITTEN_HARNESS_H
#define BITTEN_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/*  Waits for something that must happen (bt_wait_status, bt_log_contains,
 *  bt_send_until_counted, bt_daemon_run_to_exit, bt_run, start and stop) return as soon as it
 *  happens and wait at least 30 s for it, whatever timeout the caller names: a busy machine
 *  must not fail a test. bt_recv keeps its timeout (it also listens for silence): a test that
 *  waits there for a frame that must come passes BT_WAIT_MS. */
#define BT_WAIT_MS 30000

typedef struct {
    char dir[256];
    char cfg_path[320];
    char log_path[320];
    char control[320];
    char token_path[320];
    char command[128], feedback[128], events[128]; /* effective, connectable */
    char router[128], confirm[128];
    bool feedback_sub; /* the daemon's feedback socket is a SUB (feedback.socket = sub) */
    pid_t pid;
    void *zctx;
    char *args[32]; /* the extra args of the last start, for bt_daemon_restart */
} bt_daemon_t;

/*  Writes a config into a new temp dir (extra_zpl appended to it, may be NULL) and starts
 *  bittend with extra args (NULL-terminated, may be NULL). Returns 0 once `status` answers
 *  (on the control endpoint of a "control.endpoint=..." arg when there is one)
 *  and no stray EA peer (another process's simulator reconnecting to a reused port) joined
 *  in the first 300 ms; with one, it starts again on new ports (clean state), up to 5 times. */
int bt_daemon_start(bt_daemon_t *d, const char *extra_zpl, const char *const *extra_args);

/*  Starts bittend again on the same dir, config and args (after a stop or a kill), waits for
 *  `status` and refreshes the endpoints (ephemeral ports change; on new ones a stray peer
 *  means starting again, the state kept). Returns 0. */
int bt_daemon_restart(bt_daemon_t *d);

/*  Rewrites the daemon's config file with the first `from` replaced by `to` (a reload or a
 *  restart reads it). 0, or -1 when the file cannot be read or written or has no `from`. */
int bt_edit_config(bt_daemon_t *d, const char *from, const char *to);

/*  Runs bittend to completion with the harness config + args, for start-up refusal tests.
 *  Returns its exit code; its stderr goes to d->log_path. */
int bt_daemon_run_to_exit(bt_daemon_t *d, const char *extra_zpl, const char *const *extra_args,
                          int timeout_ms);

/*  SIGTERM, wait. Returns the exit code (or 128+signal); *seconds = time to stop. */
int bt_daemon_stop(bt_daemon_t *d, double *seconds);
void bt_daemon_kill(bt_daemon_t *d);
bool bt_daemon_alive(bt_daemon_t *d);
/*  Frees the context and removes the temp dir (keeps it when BITTEN_KEEP_TEST_DIRS is set). */
void bt_daemon_cleanup(bt_daemon_t *d);

/*  One control request (JSON text); the reply, or NULL after timeout. Caller decrefs. */
json_t *bt_ctl(bt_daemon_t *d, const char *request_json);
/*  The same with its own reply timeout (bt_ctl waits 30 s). Both add "token" (the operator
 *  token the harness writes to d->token_path, control.token_file) to an object without one. */
json_t *bt_ctl_timeout(bt_daemon_t *d, const char *request_json, int timeout_ms);
/*  Sends request_json exactly as given (no token added). */
json_t *bt_ctl_raw(bt_daemon_t *d, const char *request_json, int timeout_ms);

/*  The token every harness daemon is configured with; bt_daemon_start also points
 *  $BITTEN_CONTROL_TOKEN_FILE (read by bittenctl) at its file. */
#define BT_TOKEN "harness-operator-token-0123456789abcdef"
json_t *bt_status(bt_daemon_t *d);

/*  Integer at a dotted path of a JSON object ("rejects.BAD_JSON"; array steps are indexes:
 *  "channels.accounts.0.command.peers"), or 0 when absent. */
int64_t bt_json_int(json_t *obj, const char *path);

/*  Polls status until the integer at path >= want. Returns the last value seen. */
int64_t bt_wait_status(bt_daemon_t *d, const char *path, int64_t want, int timeout_ms);

/*  Polls status until the integer at path == want (e.g. peers back to 0). Returns the last. */
int64_t bt_wait_status_eq(bt_daemon_t *d, const char *path, int64_t want, int timeout_ms);

/*  Connected sockets: feedback PUSH (PUB when the daemon's feedback.socket is sub; push is
 *  kept for the callers that said which they meant), command PULL, events SUB (all). */
void *bt_feedback_socket(bt_daemon_t *d, bool push);
/*  A socket of type connected to endpoint (with the test context); NULL on error. */
void *bt_socket(bt_daemon_t *d, int type, const char *endpoint);
/*  A DEALER with this routing identity connected to the ROUTER, a PUSH to the confirm PULL. */
void *bt_dealer_socket(bt_daemon_t *d, const char *identity);
void *bt_confirm_socket(bt_daemon_t *d);
/*  The bound, connectable endpoints of an account's own pair (status channels.accounts).
 *  0, or -1 when the account has none. */
int bt_account_endpoints(bt_daemon_t *d, const char *uuid, char *command, char *feedback,
                         size_t size);
/*  "tcp://0.0.0.0:N" -> "tcp://127.0.0.1:N" into out. */
void bt_connectable(const char *bound, char *out, size_t size);
void *bt_command_socket(bt_daemon_t *d);
void *bt_events_socket(bt_daemon_t *d); /* returns once the daemon counts the subscription */

/*  Sends frame repeatedly until status path grows by one (the PUB slow-joiner window).
 *  Returns 0 when seen. */
int bt_send_until_counted(bt_daemon_t *d, void *socket, const char *frame, const char *path,
                          int timeout_ms);

/*  Sends one frame as is. */
int bt_send(void *socket, const char *frame);
int bt_send_bytes(void *socket, const void *data, size_t len);

/*  Receives one frame into buf (NUL-terminated) within timeout_ms; length or -1. */
int bt_recv(void *socket, char *buf, size_t size, int timeout_ms);

/*  True when the daemon's log contains text (polls up to timeout_ms). */
bool bt_log_contains(bt_daemon_t *d, const char *text, int timeout_ms);

/*  Lines of the daemon's log that contain text, now (0 without a log). */
int bt_log_lines(bt_daemon_t *d, const char *text);

/*  Runs a command line (sh -c), captures stdout into out (may be NULL); returns exit code. */
int bt_run(const char *cmdline, char *out, size_t size, int timeout_ms);

void bt_sleep_ms(int ms);

/*  This test process's loopback address ("127.a.b.c", from its pid), where the harness binds
 *  the daemon's EA ports: no socket of another process aims there. */
const char *bt_loopback(void);

/*  A TCP port on bt_loopback() that was free a moment ago (bound to :0 and closed), or -1. For
 *  tests that need fixed endpoints, e.g. to restart bittend where a running EA reconnects. */
int bt_free_port(void);

/*  Milliseconds on a monotonic clock. */
int64_t bt_now_ms(void);

/*  A recorded-style market for VENOM: 2025-09-15 13:00 UTC (OVERLAP), EURUSD ticks. */
#define BT_LSR_TB 1757941200LL

/*  One EURUSD tick at ts (unix seconds) and price, bid = ask. Returns bt_send's result. */
int bt_send_tick(void *fb, long long ts, double price);

/*  60 flat M5 bars then a liquidity sweep and reversal: VENOM signals one
 *  LIQUIDITY_SWEEP_REVERSAL (VENOM_EURUSD_1757941260) that CITADEL passes. Returns ticks sent. */
int bt_send_lsr_scenario(void *fb);
/*  The same scenario at any M5 bar start base (a multiple of 300): the signal is
 *  VENOM_EURUSD_<base + 60>, its market time base + 60. Returns ticks sent. */
int bt_send_lsr_scenario_at(void *fb, long long base);

#endif
