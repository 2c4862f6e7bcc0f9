/*  core.c: the daemon core's life cycle and loop: settings read once, bind, store, signals,
 *  keepalive / housekeeping / strict timers, the accessors and query registry of core.h. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "core/metrics.h"
#include "core/store.h"
#include "core/strict.h"

static bitten_ms_t s_clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bitten_ms_t core_wall_ms(const bitten_core_t *core)
{
    return s_clock_ms(CLOCK_REALTIME) + core->clock.shim_ms;
}

bitten_ms_t core_daemon_ms(const bitten_core_t *core)
{
    return core->clock.wall_base + (s_clock_ms(CLOCK_MONOTONIC) - core->clock.mono_base);
}

static void s_clock_start(bitten_core_t *core)
{
    core->clock.mono_base = s_clock_ms(CLOCK_MONOTONIC);
    core->clock.wall_base = s_clock_ms(CLOCK_REALTIME);
}

//  Once a second: has the system clock moved against the monotonic one? NTP slews both
//  alike, so only a step (date -s, a VM resume, a bad NTP server) shows up here.
static void s_clock_check(bitten_core_t *core)
{
    core_clock_t *c = &core->clock;
    bitten_ms_t now = core_daemon_ms(core);
    bitten_ms_t offset = core_wall_ms(core) - now;
    bitten_ms_t step = offset - c->offset_ms;
    if (step > c->step_alarm_ms || -step > c->step_alarm_ms) {
        c->steps++;
        c->last_step_ms = step;
        c->last_step_at = now;
        char ts[32];
        BLOG_ERROR(core->log, "core", "clock.step",
                   "alarm=1 step_ms=%lld offset_ms=%lld steps=%llu wall=%s action=\"ages and "
                   "timeouts keep the monotonic daemon clock; restart to adopt the new time\"",
                   (long long)step, (long long)offset, (unsigned long long)c->steps,
                   bitten_format_time(now + offset, ts, sizeof ts));
        bitten_core_emit(core, "clock.step",
                         json_pack("{s:I, s:I, s:I}", "step_ms", (json_int_t)step, "offset_ms",
                                   (json_int_t)offset, "steps", (json_int_t)c->steps));
    }
    c->offset_ms = offset;
}

//  Test hook (debug.test_hooks = true only): steps the wall clock the daemon reads by ms.
static const bitten_control_arg_t s_clock_step_args[] = {{"ms", BITTEN_ARG_INT, true},
                                                         {NULL, 0, false}};

static bitten_reason_t s_control_clock_step(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    core->clock.shim_ms += (bitten_ms_t)json_number_value(json_object_get(request, "ms"));
    json_object_set_new(reply, "shim_ms", json_integer(core->clock.shim_ms));
    return BITTEN_R_OK;
}

void core_timer_start(bitten_core_t *core, ev_timer *t,
                      void (*cb)(struct ev_loop *, ev_timer *, int), double period_s)
{
    ev_timer_init(t, cb, period_s, period_s);
    t->data = core;
    ev_timer_start(core->loop, t);
}

/* ---------------------------------------------------------------- accessors (core.h) */

struct ev_loop *bitten_core_loop(bitten_core_t *core)
{
    return core->loop;
}

bitten_bus_t *bitten_core_bus(bitten_core_t *core)
{
    return core->bus;
}

const bitten_config_t *bitten_core_config(bitten_core_t *core)
{
    return core->cfg;
}

bitten_log_t *bitten_core_log(bitten_core_t *core)
{
    return core->log;
}

//  Not ev_now(): libev's cached "now" is CLOCK_REALTIME (ev_time), it steps with the system
//  clock; only its ev_timer deadlines run on CLOCK_MONOTONIC.
bitten_ms_t bitten_core_now_ms(bitten_core_t *core)
{
    return core_daemon_ms(core);
}

void bitten_core_set_ea_query(bitten_core_t *core, const bitten_ea_query_t *query)
{
    core->ea_query = *query;
}

const bitten_ea_query_t *bitten_core_ea_query(bitten_core_t *core)
{
    return &core->ea_query;
}

void bitten_core_set_risk_query(bitten_core_t *core, const bitten_risk_query_t *query)
{
    core->risk_query = *query;
}

const bitten_risk_query_t *bitten_core_risk_query(bitten_core_t *core)
{
    return &core->risk_query;
}

void bitten_core_set_accounts_query(bitten_core_t *core, const bitten_accounts_query_t *query)
{
    core->accounts_query = *query;
}

const bitten_accounts_query_t *bitten_core_accounts_query(bitten_core_t *core)
{
    return &core->accounts_query;
}

bitten_store_t *bitten_core_store(bitten_core_t *core)
{
    return core->store;
}

bool bitten_core_strict_violation(bitten_core_t *core)
{
    return core->strict_path[0] != '\0';
}

/* ---------------------------------------------------------------- timers and signals */

static void s_keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    char frame[128];
    int len = bitten_encode_keepalive(core_wall_ms(core), frame, sizeof frame);
    //  One per connected PULL EA, or some would hear nothing for 120 s and reconnect.
    int sent = len > 0 ? core_send_keepalives(core, frame, (size_t)len) : 0;
    core->stats.keepalives_sent += (uint64_t)sent;
    if (sent)
        BLOG_INFO(core->log, "core", "keepalive.sent", "count=%d peers=%d", sent,
                  core->command_peers.count);
    else
        BLOG_DEBUG(core->log, "core", "keepalive.skipped", "reason=no_pull_peer");
}

static void s_strict_check(bitten_core_t *core)
{
    char path[512];
    bool found = bitten_strict_find_legacy(core->cfg, path, sizeof path) == 1;
    if (found && strcmp(path, core->strict_path) != 0) {
        snprintf(core->strict_path, sizeof core->strict_path, "%s", path);
        BLOG_ERROR(core->log, "core", "strict.violation",
                   "alarm=1 path=%s action=\"fires refused (STRICT_LEGACY_FILE) until removed\"",
                   path);
        bitten_strict_event_t ev = {core->strict_path};
        bitten_bus_publish(core->bus, BITTEN_EV_STRICT_VIOLATION, &ev);
        bitten_core_emit(core, "strict.violation",
                         json_pack("{s:s, s:s}", "path", path, "reason", "STRICT_LEGACY_FILE"));
    } else if (!found && core->strict_path[0]) {
        BLOG_INFO(core->log, "core", "strict.cleared", "path=%s", core->strict_path);
        bitten_core_emit(core, "strict.cleared", json_pack("{s:s}", "path", core->strict_path));
        core->strict_path[0] = '\0';
    }
}

static void s_strict_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_strict_check(w->data);
}

//  Every CORE_TRIM_TICKS housekeeping ticks, the free memory inside malloc's heap goes back to
//  the kernel. Frames come and go through libzmq's I/O thread and the loop at a high rate;
//  what they leave free between live blocks stays resident until trimmed (1,000 EAs: ~10 MB
//  after 5 minutes, and growing; docs/performance.md section 5).
#define CORE_TRIM_TICKS 30

static void s_trim(bitten_core_t *core)
{
#ifdef __GLIBC__
    if (++core->trim_ticks < CORE_TRIM_TICKS)
        return;
    core->trim_ticks = 0;
    bitten_ms_t t0 = s_clock_ms(CLOCK_MONOTONIC);
    int released = malloc_trim(0);
    bitten_ms_t took = s_clock_ms(CLOCK_MONOTONIC) - t0;
    if (took >= 20)
        BLOG_WARN(core->log, "core", "malloc.trim_slow", "ms=%lld released=%d", (long long)took,
                  released);
#else
    (void)core;
#endif
}

//  A relaxed commit (an account created on first contact, a SENT the fire router's own 0.1 s
//  timer has not synced yet) is on disk within one tick, unless a durable commit took it
//  along already: a no-op when none is pending. A failure is logged once, then retried every
//  tick until it succeeds.
static void s_sync_relaxed(bitten_core_t *core)
{
    if (!core->store)
        return;
    int rc = bitten_store_sync(core->store);
    if (rc < 0 && !core->sync_failing)
        BLOG_ERROR(core->log, "core", "store.failed", "what=sync error=\"%s\" why=\"relaxed "
                   "commits not yet on disk; retried every second\"",
                   bitten_store_errmsg(core->store));
    else if (rc >= 0 && core->sync_failing) /* synced now, or by a durable commit since */
        BLOG_INFO(core->log, "core", "store.synced", "why=\"the relaxed commits are on disk\"");
    core->sync_failing = rc < 0;
}

static void s_housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    s_clock_check(core);
    bitten_log_flush_suppressed(core->log);
    s_sync_relaxed(core);
    s_trim(core);
}

//  Retention off the hot path: one bounded batch per table per pass, in one commit; while a
//  batch comes back full the pass repeats 50 ms later (the loop runs in between), else after
//  store.prune_interval_s. PRAGMA optimize follows a finished pass, at most once per interval.
static void s_prune_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    bitten_prune_result_t r;
    bitten_ms_t now = core_daemon_ms(core);
    if (bitten_store_prune(core->store, &core->set.retention, now, &r) != 0) {
        BLOG_ERROR(core->log, "core", "store.prune_failed", "error=\"%s\"",
                   bitten_store_errmsg(core->store));
        r.more = false;
    } else if (r.snapshots || r.fire_events) {
        BLOG_DEBUG(core->log, "core", "store.pruned", "snapshots=%d fire_events=%d more=%d",
                   r.snapshots, r.fire_events, r.more);
    }
    if (!r.more && core->set.optimize_interval_s > 0 &&
        now - core->optimized_ms >= (bitten_ms_t)core->set.optimize_interval_s * 1000) {
        core->optimized_ms = now;
        if (bitten_store_optimize(core->store) != 0)
            BLOG_WARN(core->log, "core", "store.optimize_failed", "error=\"%s\"",
                      bitten_store_errmsg(core->store));
    }
    w->repeat = r.more ? 0.05 : (double)core->set.prune_interval_s;
    ev_timer_again(loop, w);
}

/* ---------------------------------------------------------------- daemon.* events */

static void s_heartbeat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    if (!bitten_core_events_wanted(core))
        return;
    bitten_core_emit(core, "daemon.heartbeat",
                     json_pack("{s:i, s:f, s:i}", "interval_s", core->heartbeat_s, "uptime_s",
                               (double)(core_daemon_ms(core) - core->started_ms) / 1000.0,
                               "subscriptions", core->event_subscriptions));
}

static void s_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    bitten_core_t *core = w->data;
    core->stop_why = strsignal(w->signum);
    BLOG_INFO(core->log, "core", "daemon.stopping", "signal=%s", strsignal(w->signum));
    ev_break(loop, EVBREAK_ALL);
}

static void s_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    bitten_core_t *core = w->data;
    core_security_reload(core);
    if (bitten_log_reopen(core->log) == 0)
        BLOG_INFO(core->log, "core", "log.reopened", "signal=SIGHUP");
    else
        BLOG_ERROR(core->log, "core", "log.reopen_failed", "error=\"%s\"", strerror(errno));
    if (core->reload_fn) {
        json_t *reply = json_object(); /* the outcome is logged by the reload itself */
        core->reload_fn(core->reload_arg, reply);
        json_decref(reply);
    }
}

/* ---------------------------------------------------------------- config reload */

static bitten_reason_t s_control_reload(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    if (!core->reload_fn) {
        json_object_set_new(reply, "error", json_string("this daemon cannot reload"));
        return BITTEN_R_UNKNOWN_COMMAND;
    }
    return core->reload_fn(core->reload_arg, reply);
}

void bitten_core_set_reload(bitten_core_t *core, bitten_reload_fn *fn, void *arg)
{
    core->reload_fn = fn;
    core->reload_arg = arg;
}

void bitten_core_config_replace(bitten_core_t *core, const bitten_config_t *cfg)
{
    core->cfg = cfg;
}

static void s_signal(bitten_core_t *core, ev_signal *w,
                     void (*cb)(struct ev_loop *, ev_signal *, int), int signum)
{
    ev_signal_init(w, cb, signum);
    w->data = core;
    ev_signal_start(core->loop, w);
}

/* ---------------------------------------------------------------- set-up and tear-down */

//  Every key the core uses, read here once: nothing on the frame path looks one up.
static void s_settings_read(const bitten_config_t *cfg, core_settings_t *set)
{
    set->max_frames = (int)bitten_config_int(cfg, "loop.max_frames_per_wakeup");
    set->linger_ms = (int)bitten_config_int(cfg, "shutdown.linger_ms");
    set->max_frame_bytes = bitten_config_int(cfg, "feedback.max_frame_bytes");
    set->feedback_rcvhwm = (int)bitten_config_int(cfg, "feedback.rcvhwm");
    set->command_sndhwm = (int)bitten_config_int(cfg, "command.sndhwm");
    set->events_sndhwm = (int)bitten_config_int(cfg, "events.sndhwm");
    set->events_max_subs = (int)bitten_config_int(cfg, "events.max_subscriptions");
    set->events_max_sub_bytes = (int)bitten_config_int(cfg, "events.max_subscription_bytes");
    set->feedback_socket = bitten_config_str(cfg, "feedback.socket");
    set->ep_command = bitten_config_str(cfg, "command.endpoint");
    set->ep_feedback = bitten_config_str(cfg, "feedback.endpoint");
    set->ep_control = bitten_config_str(cfg, "control.endpoint");
    set->token_file = bitten_config_str(cfg, "control.token_file");
    set->ep_events = bitten_config_str(cfg, "events.endpoint");
    set->ep_router = bitten_config_str(cfg, "router.endpoint");
    set->ep_confirm = bitten_config_str(cfg, "confirm.endpoint");
    set->command_account = bitten_config_str(cfg, "command.account");
    set->anonymous_account = bitten_config_str(cfg, "feedback.anonymous_account");
    set->keepalive_s = (int)bitten_config_int(cfg, "command.keepalive_s");
    set->strict_check_s = (int)bitten_config_int(cfg, "strict.check_interval_s");
    set->status_interval_s = (int)bitten_config_int(cfg, "systemd.status_interval_s");
    set->reject_excerpt_bytes = (int)bitten_config_int(cfg, "reject.excerpt_bytes");
    set->reject_log_interval_ms = bitten_config_int(cfg, "reject.log_interval_ms");
    set->zmq_mode = bitten_config_bool(cfg, "zmq.mode");
    set->zmq_enforce = bitten_config_bool(cfg, "zmq.enforce");
    set->strict = bitten_config_bool(cfg, "zmq.strict");
    set->curve = bitten_config_bool(cfg, "security.curve");
    set->insecure = bitten_config_bool(cfg, "security.insecure");
    set->insecure_warn_s = (int)bitten_config_int(cfg, "security.insecure_warn_s");
    set->server_cert = bitten_config_str(cfg, "security.server_cert");
    set->clients_dir = bitten_config_str(cfg, "security.clients_dir");
    set->state_dir = bitten_config_str(cfg, "state_dir");
    set->test_hooks = bitten_config_bool(cfg, "debug.test_hooks");
    set->server_utc_offset_s = (int)bitten_config_int(cfg, "feedback.server_utc_offset_s");
    set->store_busy_timeout_ms = (int)bitten_config_int(cfg, "store.busy_timeout_ms");
    set->max_frame_age_ms = bitten_config_int(cfg, "feedback.max_frame_age_s") * 1000;
    set->max_frame_future_ms = bitten_config_int(cfg, "feedback.max_frame_future_s") * 1000;
    set->retention.snapshot_retention_ms =
        bitten_config_int(cfg, "store.snapshot_retention_h") * 3600 * 1000;
    set->retention.fire_event_retention_ms =
        bitten_config_int(cfg, "store.fire_event_retention_d") * 86400 * 1000;
    set->retention.batch = (int)bitten_config_int(cfg, "store.prune_batch");
    set->prune_interval_s = (int)bitten_config_int(cfg, "store.prune_interval_s");
    set->optimize_interval_s = (int)bitten_config_int(cfg, "store.optimize_interval_s");
}

bitten_core_t *bitten_core_new(const bitten_config_t *cfg, bitten_log_t *log, char *err,
                               size_t errlen)
{
    bitten_core_t *core = calloc(1, sizeof(*core));
    if (!core) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    core->cfg = cfg;
    core->log = log;
    s_settings_read(cfg, &core->set);
    core->clock.step_alarm_ms = bitten_config_int(cfg, "clock.step_alarm_ms");
    s_clock_start(core);
    core->started_ms = core_daemon_ms(core);
    core->decode_opts.max_frame_bytes = (size_t)core->set.max_frame_bytes;
    core->decode_opts.server_utc_offset_s = core->set.server_utc_offset_s;
    core->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
    core->bus = bitten_bus_new();
    core->frame = malloc(sizeof(bitten_frame_t));
    //  czmq's own SIGINT/SIGTERM handling is off: the loop's ev_signal watchers own them.
    zsys_handler_set(NULL);
    core->zctx = zsys_init();
    if (!core->loop || !core->bus || !core->frame || !core->zctx) {
        snprintf(err, errlen, "cannot create the loop, bus or ZeroMQ context");
        bitten_core_destroy(&core);
        return NULL;
    }
    if (core_security_start(core, err, errlen) != 0 ||
        core_control_token_load(core, err, errlen) != 0 ||
        core_channels_bind(core, err, errlen) != 0) {
        bitten_core_destroy(&core);
        return NULL;
    }
    core_security_warn_insecure(core);
    if (!core->control_token[0] && !core->control_ipc)
        BLOG_WARN(core->log, "core", "control.read_only",
                  "control=%s msg=\"no control.token_file: fire, close, halt and resume are "
                  "refused CONTROL_UNAUTHORIZED on a tcp:// control socket\"",
                  core->ep_control);
    char why[256];
    core->store = bitten_store_open(core->set.state_dir, why, sizeof why);
    if (!core->store) {
        snprintf(err, errlen, "state_dir: cannot open the store: %s", why);
        bitten_core_destroy(&core);
        return NULL;
    }
    bitten_store_set_busy_timeout(core->store, core->set.store_busy_timeout_ms);
    s_signal(core, &core->sig_term, s_stop_cb, SIGTERM);
    s_signal(core, &core->sig_int, s_stop_cb, SIGINT);
    s_signal(core, &core->sig_hup, s_hup_cb, SIGHUP);
    core_timer_start(core, &core->keepalive_timer, s_keepalive_cb, (double)core->set.keepalive_s);
    core_timer_start(core, &core->housekeeping_timer, s_housekeeping_cb, 1.0);
    core->optimized_ms =
        core_daemon_ms(core); /* the first PRAGMA optimize one interval after start */
    core_timer_start(core, &core->prune_timer, s_prune_cb, (double)core->set.prune_interval_s);
    if (core->set.strict)
        core_timer_start(core, &core->strict_timer, s_strict_cb, (double)core->set.strict_check_s);
    core->heartbeat_s = (int)bitten_config_int(cfg, "events.heartbeat_s");
    core_timer_start(core, &core->heartbeat_timer, s_heartbeat_cb, (double)core->heartbeat_s);
    core_control_register_builtin(core);
    bitten_core_control_register(core, "reload", BITTEN_CONTROL_ACT, NULL, s_control_reload,
                                 core);
    core->metrics = core_metrics_new(core, err, errlen);
    if (!core->metrics && *err) {
        bitten_core_destroy(&core);
        return NULL;
    }
    if (core->set.test_hooks)
        bitten_core_control_register(core, "debug.clock_step", BITTEN_CONTROL_ACT,
                                     s_clock_step_args, s_control_clock_step, core);
    core_systemd_start(core);
    return core;
}

int bitten_core_run(bitten_core_t *core)
{
    //  Every socket is bound, the store is open and the modules are up: now we are ready.
    core_systemd_ready(core);
    BLOG_INFO(core->log, "core", "daemon.ready",
              "command=%s router=%s feedback=%s feedback_socket=%s confirm=%s control=%s "
              "events=%s account_pairs=%zu command_account=%s anonymous_account=%s trust=%s",
              core->ep_command, core->ep_router, core->ep_feedback, core->set.feedback_socket,
              core->ep_confirm, core->ep_control, core->ep_events, core->n_pairs,
              *core->set.command_account ? core->set.command_account : "-",
              *core->set.anonymous_account ? core->set.anonymous_account : "-",
              core_trust_mode(core));
    for (size_t i = 0; i < core->n_pairs; i++)
        BLOG_INFO(core->log, "core", "account.endpoints", "uuid=%s command=%s feedback=%s",
                  core->pairs[i].uuid, core->pairs[i].ep_command, core->pairs[i].ep_feedback);
    bitten_core_emit(core, "daemon.started",
                     json_pack("{s:s, s:I, s:i}", "version", BITTEN_VERSION, "pid",
                               (json_int_t)getpid(), "heartbeat_s", core->heartbeat_s));
    ev_run(core->loop, 0);
    return 0;
}

void bitten_core_stop(bitten_core_t *core)
{
    ev_break(core->loop, EVBREAK_ALL);
}

void bitten_core_shutdown_begin(bitten_core_t *core)
{
    core_systemd_stopping(core);
    //  Last on the events channel: a tail stops waiting (the socket lingers shutdown.linger_ms).
    bitten_core_emit(core, "daemon.stopping",
                     json_pack("{s:s}", "why", core->stop_why ? core->stop_why : "stop"));
    bitten_bus_publish(core->bus, BITTEN_EV_SHUTDOWN, NULL);
}

void bitten_core_destroy(bitten_core_t **core_p)
{
    if (!core_p || !*core_p)
        return;
    bitten_core_t *core = *core_p;
    if (core->loop) {
        ev_timer_stop(core->loop, &core->keepalive_timer);
        ev_timer_stop(core->loop, &core->housekeeping_timer);
        ev_timer_stop(core->loop, &core->prune_timer);
        ev_timer_stop(core->loop, &core->strict_timer);
        ev_timer_stop(core->loop, &core->heartbeat_timer);
        ev_signal_stop(core->loop, &core->sig_term);
        ev_signal_stop(core->loop, &core->sig_int);
        ev_signal_stop(core->loop, &core->sig_hup);
    }
    core_metrics_destroy(&core->metrics);
    core_systemd_stop(core);
    core_channels_close(core);
    bitten_store_close(&core->store);
    core_security_stop(core);
    if (core->zctx)
        zsys_shutdown();
    bitten_bus_destroy(&core->bus);
    free(core->frame);
    if (core->loop)
        ev_loop_destroy(core->loop);
    free(core);
    *core_p = NULL;
}
