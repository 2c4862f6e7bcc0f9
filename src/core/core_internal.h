/*  core_internal.h: the core's private state, shared by its pieces only (core.c, core_channels.c,
 *  core_feedback.c, core_peers.c, core_control.c, core_security.c, core_systemd.c). */
#ifndef BITTEN_CORE_INTERNAL_H
#define BITTEN_CORE_INTERNAL_H

#include <czmq.h>
#include <ev.h>
#include <zmq.h>

#include "core/daemon.h"
#include "core/store.h"
#include "core/zwatch.h"

#define CORE_MAX_CONTROL 32
#define CORE_MAX_STATUS 16
#define CORE_ENDPOINT_MAX 256
#define CORE_MAX_ACCOUNT_PAIRS 64 /* accounts with their own command + feedback endpoints */

/*  What the core reads from the configuration, read once in bitten_core_new(): nothing on the
 *  frame, reject or control path looks a key up. Strings are borrowed from the config, which
 *  outlives the core. */
typedef struct {
    int max_frames;                 /* loop.max_frames_per_wakeup */
    int linger_ms;                  /* shutdown.linger_ms */
    int64_t max_frame_bytes;        /* feedback.max_frame_bytes */
    int feedback_rcvhwm;            /* feedback.rcvhwm */
    int command_sndhwm;             /* command.sndhwm */
    int events_sndhwm;              /* events.sndhwm */
    int events_max_subs;            /* events.max_subscriptions */
    int events_max_sub_bytes;       /* events.max_subscription_bytes */
    const char *feedback_socket;    /* feedback.socket: "sub" or "pull" */
    const char *ep_command;         /* command.endpoint, as configured (bound: core->ep_*) */
    const char *ep_feedback;        /* feedback.endpoint */
    const char *ep_control;         /* control.endpoint */
    const char *token_file;         /* control.token_file */
    const char *ep_events;          /* events.endpoint */
    const char *ep_router;          /* router.endpoint */
    const char *ep_confirm;         /* confirm.endpoint */
    const char *command_account;    /* command.account: owner of the shared PUSH, "" none */
    const char *anonymous_account;  /* feedback.anonymous_account: "" none */
    int keepalive_s;                /* command.keepalive_s */
    int strict_check_s;             /* strict.check_interval_s */
    int status_interval_s;          /* systemd.status_interval_s */
    int reject_excerpt_bytes;       /* reject.excerpt_bytes */
    int64_t reject_log_interval_ms; /* reject.log_interval_ms */
    bool zmq_mode;                  /* zmq.mode */
    bool zmq_enforce;               /* zmq.enforce */
    bool strict;                    /* zmq.strict */
    bool curve;                     /* security.curve */
    bool insecure;                  /* security.insecure */
    int insecure_warn_s;            /* security.insecure_warn_s */
    const char *server_cert;        /* security.server_cert */
    const char *clients_dir;        /* security.clients_dir */
    const char *state_dir;          /* state_dir */
    bool test_hooks;                /* debug.test_hooks: the "debug.wedge" command exists */
    int server_utc_offset_s;        /* feedback.server_utc_offset_s */
    int store_busy_timeout_ms;      /* store.busy_timeout_ms */
    int64_t max_frame_age_ms;       /* feedback.max_frame_age_s */
    int64_t max_frame_future_ms;    /* feedback.max_frame_future_s */
    bitten_retention_t retention;   /* store.*_retention_*, store.prune_batch */
    int prune_interval_s;           /* store.prune_interval_s */
    int optimize_interval_s;        /* store.optimize_interval_s */
} core_settings_t;

/*  The daemon clock (core.c): wall time at start plus CLOCK_MONOTONIC elapsed since, so ages,
 *  timeouts and expiries never jump when the system clock is stepped. The system clock is
 *  still read (core_wall_ms) and compared every second: a step is logged and counted. */
typedef struct {
    bitten_ms_t mono_base, wall_base; /* at start */
    bitten_ms_t shim_ms;              /* debug.clock_step (test hooks): added to the wall read */
    bitten_ms_t offset_ms;            /* system wall - daemon clock at the last check */
    bitten_ms_t last_step_ms;         /* the last step's size (signed) */
    bitten_ms_t last_step_at;         /* daemon clock when it was seen */
    uint64_t steps;
    int64_t step_alarm_ms; /* clock.step_alarm_ms */
} core_clock_t;

typedef struct {
    char name[32];
    bitten_control_access_t access;
    const bitten_control_arg_t *args;
    bitten_control_fn *fn;
    void *self;
} core_control_t;

typedef struct {
    char name[32];
    bitten_status_fn *fn;
    void *self;
} core_status_t;

/*  Connected peers of one socket, tracked by fd from the socket monitor. */
typedef struct {
    bitten_core_t *core;
    char channel[96]; /* "command", "feedback", "router", "confirm", "account.<uuid>.command" */
    void *monitor;
    zwatch_t *watch;
    uint8_t *connected; /* indexed by fd: 1 while that connection is up (grows as needed) */
    size_t cap;
    int count;
    uint64_t connects, disconnects, auth_failures;
} core_peers_t;

/*  Where a received frame came from: decides how it is attributed (core_feedback.c). */
typedef enum {
    CORE_SRC_FEEDBACK, /* the shared feedback socket */
    CORE_SRC_CONFIRM,  /* the shared confirm PULL (v2.x) */
    CORE_SRC_ROUTER,   /* the ROUTER (v2.05 DEALER: routing id) */
    CORE_SRC_ACCOUNT   /* one account's own feedback PULL: every frame is that account's */
} core_src_kind_t;

typedef struct {
    bitten_core_t *core;
    core_src_kind_t kind;
    const char *channel;                      /* "feedback", "confirm", "router", "account" */
    char uuid[BITTEN_ID_MAX + 1];             /* CORE_SRC_ACCOUNT: the account */
    uint64_t frames, refused;                 /* accepted / refused frames from this source */
} core_src_t;

/*  One account's own endpoint pair (accounts.<x>.command_endpoint / feedback_endpoint). */
typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    char cfg_command[CORE_ENDPOINT_MAX], cfg_feedback[CORE_ENDPOINT_MAX];
    void *command, *feedback;
    char ep_command[CORE_ENDPOINT_MAX], ep_feedback[CORE_ENDPOINT_MAX];
    core_peers_t command_peers, feedback_peers;
    zwatch_t *feedback_watch;
    core_src_t src;
} core_pair_t;

typedef struct {
    uint64_t frames_in[BITTEN_FRAME_COUNT_];
    uint64_t frames_out[BITTEN_FRAME_COUNT_];
    uint64_t rejects[BITTEN_R_COUNT_];
    uint64_t bytes_in;
    uint64_t sends_refused;
    uint64_t events_published, events_unheard;
    uint64_t events_invalid; /* emitted off the events table's schema (a bug: logged) */
    uint64_t events_sheds, events_peers_shed; /* subscription floods: times, connections cut */
    uint64_t events_refused;                  /* subscriptions seen past the bound */
    uint64_t control_requests;
    uint64_t control_bad_args;     /* refused by a command's argument schema */
    uint64_t control_unauthorized; /* acting commands without the operator's credential */
    uint64_t keepalives_sent;
    uint64_t sends_by_reason[BITTEN_R_COUNT_]; /* send_to refusals by reason */
    uint64_t routes_learned, routes_refused;   /* ROUTER identities bound / refused */
    uint64_t attributed_anonymous;             /* frames given feedback.anonymous_account */
    uint64_t unattributed_market;              /* uuid-less ticks/candles (no account needed) */
    int64_t reject_logged_ms[BITTEN_R_COUNT_];
    uint64_t reject_unlogged[BITTEN_R_COUNT_];
} core_stats_t;

struct bitten_core {
    struct ev_loop *loop;
    bitten_bus_t *bus;
    const bitten_config_t *cfg;
    core_settings_t set;
    bitten_log_t *log;
    void *zctx;
    void *command, *feedback, *control, *events, *router, *confirm;
    zwatch_t *feedback_watch, *control_watch, *events_watch, *router_watch, *confirm_watch;
    int event_subscriptions; /* live subscriptions on the events XPUB */
    core_peers_t command_peers, feedback_peers, router_peers, confirm_peers, events_peers;
    char ep_command[CORE_ENDPOINT_MAX], ep_feedback[CORE_ENDPOINT_MAX];
    char ep_control[CORE_ENDPOINT_MAX], ep_events[CORE_ENDPOINT_MAX];
    char ep_router[CORE_ENDPOINT_MAX], ep_confirm[CORE_ENDPOINT_MAX];
    core_src_t src_feedback, src_confirm, src_router;
    core_pair_t *pairs; /* accounts with their own endpoints */
    size_t n_pairs;
    ev_signal sig_term, sig_int, sig_hup;
    ev_timer keepalive_timer, housekeeping_timer, strict_timer, watchdog_timer, status_timer;
    ev_timer prune_timer;    /* store retention (core.c) */
    int trim_ticks;          /* housekeeping ticks since the last malloc_trim (core.c) */
    bool sync_failing;       /* the last housekeeping sync of relaxed commits failed (core.c) */
    bitten_ms_t optimized_ms; /* last PRAGMA optimize */
    bool systemd;   /* NOTIFY_SOCKET is set: we run under systemd Type=notify */
    struct core_zap *zap; /* our ZAP handler (CURVE) when security.curve is on */
    zcert_t *server_cert;
    ev_timer insecure_timer;
    bitten_decode_opts_t decode_opts;
    bitten_frame_t *frame; /* decoded feedback frame, reused: it holds a candle batch */
    //  The frame being published and what was resolved for it (bitten_core_frame_ctx); NULL
    //  outside that publish, so nothing read from it can outlive the frame.
    const bitten_frame_t *frame_ctx_of;
    bitten_frame_ctx_t frame_ctx;
    core_stats_t stats;
    core_control_t controls[CORE_MAX_CONTROL];
    size_t n_controls;
    core_status_t statuses[CORE_MAX_STATUS];
    size_t n_statuses;
    bool status_lists; /* the status request under way asked for the lists */
    bitten_ea_query_t ea_query;
    bitten_risk_query_t risk_query;
    bitten_accounts_query_t accounts_query;
    bitten_store_t *store;
    char strict_path[512]; /* non-empty while a legacy file exists */
    /* events channel contract (core_channels.c emit, core.c daemon.* topics) */
    uint64_t events_seq;       /* the last "seq" published */
    ev_timer heartbeat_timer;  /* daemon.heartbeat every events.heartbeat_s */
    int heartbeat_s;
    const char *stop_why;      /* daemon.stopping's "why" (a signal's name, or NULL = stop) */
    struct core_metrics *metrics; /* the Prometheus endpoint (metrics.c), NULL when off */
    bitten_reload_fn *reload_fn;  /* main.c's config reload (SIGHUP, `reload`) */
    void *reload_arg;
    char control_token[129]; /* the operator token (control.token_file), "" without one */
    bool control_ipc;        /* the control socket is ipc:// (its file mode guards it) */
    bitten_ms_t started_ms;  /* daemon clock */
    core_clock_t clock;
};

/* ---------------------------------------------------------------- core.c */

/*  The system's wall clock now, in ms, as the daemon sees it (plus the debug.clock_step shim):
 *  for what EAs and people compare with their own clocks, never for an age. */
bitten_ms_t core_wall_ms(const bitten_core_t *core);

/*  The daemon clock now, in ms (bitten_core_now_ms). */
bitten_ms_t core_daemon_ms(const bitten_core_t *core);

/*  Starts a repeating timer with core as its data. */
void core_timer_start(bitten_core_t *core, ev_timer *t,
                      void (*cb)(struct ev_loop *, ev_timer *, int), double period_s);

/* ---------------------------------------------------------------- core_channels.c */

/*  Creates, configures, binds and watches the four sockets and starts the peer monitors.
 *  Returns 0, or -1 with one line in err. */
int core_channels_bind(bitten_core_t *core, char *err, size_t errlen);

/*  Receives the next message part without waiting: true with *msg to close, or false (msg
 *  already closed; errno says why, EAGAIN when there is nothing to read). */
bool core_recv_next(void *socket, zmq_msg_t *msg);

/*  The account's own endpoint pair, or NULL. */
core_pair_t *core_pair_find(bitten_core_t *core, const char *uuid);

/*  One keepalive per connected PULL peer (shared and per-account PUSH). Returns the count. */
int core_send_keepalives(bitten_core_t *core, const char *frame, size_t len);

/*  Stops the watches and closes the sockets and monitors (idempotent). */
void core_channels_close(bitten_core_t *core);

/* ---------------------------------------------------------------- core_feedback.c */

/*  zwatch callback of every EA -> bittend socket (arg: its core_src_t): decode with the
 *  account's dialect, attribute, normalize, count, publish. */
void core_feedback_cb(zwatch_t *watch, void *socket, int revents, void *arg);

/*  The trust mode in one word for the banner and status: "curve", "per-account",
 *  "shared-unauthenticated" (docs/security.md). */
const char *core_trust_mode(const bitten_core_t *core);

/*  Refuses one frame: counts it, logs it (one line per reason per interval), publishes
 *  FRAME_REJECTED and emits a "reject" event. */
void core_reject(bitten_core_t *core, const char *channel, bitten_reason_t reason,
                 const char *field, const char *detail, const void *data, size_t len);

/*  Pure: may f's own timestamp be believed at wall? Telemetry and heartbeats only; an absent
 *  stamp passes; EA dialects (server time) get 14 h of slack on both sides. */
bool core_frame_time_ok(const bitten_frame_t *f, bitten_ms_t wall, int64_t max_age_ms,
                        int64_t max_future_ms);

/* ---------------------------------------------------------------- core_peers.c */

/*  Starts the socket monitor of socket, counting its peers in p. 0 or -1 (errno set). */
int core_peers_start(bitten_core_t *core, core_peers_t *p, void *socket, const char *channel);

/*  The peers of one channel as a status object {endpoint, peers, connects, ...}. */
json_t *core_peers_json(const core_peers_t *p, const char *endpoint);

/*  Reads every monitor event queued for p now (so p knows each connection accepted so far). */
void core_peers_drain(bitten_core_t *core, core_peers_t *p);

/*  Stops the monitor of socket and frees p's state (idempotent). */
void core_peers_stop(core_peers_t *p, void *socket);

/* ---------------------------------------------------------------- core_control.c */

/*  zwatch callback of the control socket: one reply per request. */
void core_control_cb(zwatch_t *watch, void *socket, int revents, void *arg);

/*  Registers the core's own control commands ("status", "config"). */
void core_control_register_builtin(bitten_core_t *core);

/* ---------------------------------------------------------------- core_security.c */

/*  With security.curve: loads the server certificate, binds the ZAP handler (before any
 *  EA-facing socket exists) and loads the allowed EA certificates. 0 (also when CURVE is
 *  off), or -1 with one line in err. */
int core_security_start(bitten_core_t *core, char *err, size_t errlen);

/*  Makes socket a CURVE server with the server key and the ZAP domain of its channel
 *  ("command", "feedback", "router", "confirm", "account.<uuid>.command"/".feedback"; see
 *  security.h), when CURVE is on. 0, or -1 (errno set). */
int core_security_apply(bitten_core_t *core, void *socket, const char *channel);

/*  Reloads the allowed EA certificates (SIGHUP); logs a failure. No-op without CURVE. */
void core_security_reload(bitten_core_t *core);

/*  With --insecure and a bound EA-facing endpoint that is not loopback: warns now and every
 *  security.insecure_warn_s. Call after the channels are bound. */
void core_security_warn_insecure(bitten_core_t *core);

/*  Loads control.token_file into core->control_token, creating it (random, 0640) when it
 *  does not exist. 0 (also without a token file), or -1 with one line naming the key. */
int core_control_token_load(bitten_core_t *core, char *err, size_t errlen);

/*  True when an acting command may run: with a token file, the request's "token" matches
 *  (constant time); without one, only on an ipc:// control socket. *why explains a false. */
bool core_control_authorized(const bitten_core_t *core, const json_t *request, const char **why);

/*  Stops the warning timer and the ZAP handler and frees the certificate (idempotent). */
void core_security_stop(bitten_core_t *core);

/* ---------------------------------------------------------------- core_systemd.c */

/*  Watchdog pings and the STATUS line timer (when systemd runs us); the debug.wedge hook. */
void core_systemd_start(bitten_core_t *core);

/*  READY=1 with the first status line. */
void core_systemd_ready(bitten_core_t *core);

/*  STOPPING=1. */
void core_systemd_stopping(bitten_core_t *core);

/*  Stops the timers (idempotent). */
void core_systemd_stop(bitten_core_t *core);

#endif
