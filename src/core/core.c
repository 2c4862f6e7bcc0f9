/*  core.c: the daemon core: one libev loop owning the four ZeroMQ channels, the feedback
 *  dispatch (decode -> count -> bus), rejects, keepalives, strict checks and the control socket. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <ev.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "core/daemon.h"
#include "core/store.h"
#include "core/strict.h"
#include "core/zwatch.h"

#define CORE_MAX_CONTROL 32
#define CORE_MAX_STATUS 16
#define CORE_ENDPOINT_MAX 256
#define CORE_FRAME_OUT_MAX 2048
#define CORE_MAX_QUERIES 16

typedef struct {
    char name[32];
    bitten_control_fn *fn;
    void *self;
} s_control_t;

typedef struct {
    char name[32];
    bitten_status_fn *fn;
    void *self;
} s_status_t;

//  Connected peers of one socket, tracked by fd from the socket monitor.
typedef struct {
    const char *channel;
    void *monitor;
    zwatch_t *watch;
    uint8_t *connected; /* indexed by fd: 1 while that connection is up (grows as needed) */
    size_t cap;
    int count;
    uint64_t connects, disconnects, auth_failures;
} s_peers_t;

typedef struct {
    uint64_t frames_in[BITTEN_FRAME_COUNT_];
    uint64_t frames_out[BITTEN_FRAME_COUNT_];
    uint64_t rejects[BITTEN_R_COUNT_];
    uint64_t bytes_in;
    uint64_t sends_refused;
    uint64_t events_published, events_unheard;
    uint64_t control_requests;
    uint64_t keepalives_sent;
    int64_t reject_logged_ms[BITTEN_R_COUNT_];
    uint64_t reject_unlogged[BITTEN_R_COUNT_];
} s_stats_t;

struct bitten_core {
    struct ev_loop *loop;
    bitten_bus_t *bus;
    const bitten_config_t *cfg;
    bitten_log_t *log;
    void *zctx;
    void *command, *feedback, *control, *events;
    zwatch_t *feedback_watch, *control_watch, *events_watch;
    int event_subscriptions; /* live subscriptions on the events XPUB */
    s_peers_t command_peers, feedback_peers;
    char ep_command[CORE_ENDPOINT_MAX], ep_feedback[CORE_ENDPOINT_MAX];
    char ep_control[CORE_ENDPOINT_MAX], ep_events[CORE_ENDPOINT_MAX];
    ev_signal sig_term, sig_int, sig_hup;
    ev_timer keepalive_timer, housekeeping_timer, strict_timer, watchdog_timer, status_timer;
    bool systemd;      /* NOTIFY_SOCKET is set: we run under systemd Type=notify */
    zactor_t *auth;    /* zauth (CURVE) when security.curve is on */
    zcert_t *server_cert;
    ev_timer insecure_timer;
    bool test_hooks;   /* debug.test_hooks: the "debug.wedge" control command exists */
    bitten_decode_opts_t decode_opts;
    bitten_frame_t *frame; /* decoded feedback frame, reused: it holds a candle batch */
    int max_frames;
    int linger_ms;
    s_stats_t stats;
    s_control_t controls[CORE_MAX_CONTROL];
    size_t n_controls;
    s_status_t statuses[CORE_MAX_STATUS];
    size_t n_statuses;
    bitten_ea_query_t ea_query;
    bitten_risk_query_t risk_query;
    bitten_accounts_query_t accounts_query;
    struct {
        char name[32];
        const void *query;
    } queries[CORE_MAX_QUERIES];
    size_t n_queries;
    bitten_store_t *store;
    bool strict_on;
    char strict_path[512]; /* non-empty while a legacy file exists */
    bitten_ms_t started_ms;
};

static const bitten_event_t s_frame_events[BITTEN_FRAME_COUNT_] = {
    [BITTEN_FRAME_TELEMETRY] = BITTEN_EV_TELEMETRY,
    [BITTEN_FRAME_TRADE_RESULT] = BITTEN_EV_TRADE_RESULT,
    [BITTEN_FRAME_HEARTBEAT] = BITTEN_EV_EA_HEARTBEAT,
    [BITTEN_FRAME_ERROR] = BITTEN_EV_EA_ERROR,
    [BITTEN_FRAME_STATUS] = BITTEN_EV_EA_STATUS,
    [BITTEN_FRAME_PONG] = BITTEN_EV_PONG,
    [BITTEN_FRAME_TICK] = BITTEN_EV_TICK,
    [BITTEN_FRAME_CANDLE_BATCH] = BITTEN_EV_CANDLE_BATCH,
    [BITTEN_FRAME_HANDSHAKE] = BITTEN_EV_HANDSHAKE,
};

static bitten_ms_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

bitten_ms_t bitten_core_now_ms(bitten_core_t *core)
{
    return (bitten_ms_t)(ev_now(core->loop) * 1000.0);
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

int bitten_core_provide(bitten_core_t *core, const char *name, const void *query)
{
    for (size_t i = 0; i < core->n_queries; i++)
        if (strcmp(core->queries[i].name, name) == 0) {
            core->queries[i].query = query;
            return 0;
        }
    if (core->n_queries == CORE_MAX_QUERIES || strlen(name) >= sizeof core->queries[0].name)
        return -1;
    snprintf(core->queries[core->n_queries].name, sizeof core->queries[0].name, "%s", name);
    core->queries[core->n_queries++].query = query;
    return 0;
}

const void *bitten_core_lookup(bitten_core_t *core, const char *name)
{
    for (size_t i = 0; i < core->n_queries; i++)
        if (strcmp(core->queries[i].name, name) == 0)
            return core->queries[i].query;
    return NULL;
}

bool bitten_core_strict_violation(bitten_core_t *core)
{
    return core->strict_path[0] != '\0';
}

int bitten_core_control_register(bitten_core_t *core, const char *command, bitten_control_fn *fn,
                                 void *self)
{
    if (core->n_controls == CORE_MAX_CONTROL || strlen(command) >= sizeof core->controls[0].name)
        return -1;
    s_control_t *c = &core->controls[core->n_controls++];
    snprintf(c->name, sizeof c->name, "%s", command);
    c->fn = fn;
    c->self = self;
    return 0;
}

int bitten_core_status_register(bitten_core_t *core, const char *section, bitten_status_fn *fn,
                                void *self)
{
    if (core->n_statuses == CORE_MAX_STATUS || strlen(section) >= sizeof core->statuses[0].name)
        return -1;
    s_status_t *s = &core->statuses[core->n_statuses++];
    snprintf(s->name, sizeof s->name, "%s", section);
    s->fn = fn;
    s->self = self;
    return 0;
}

/* ---------------------------------------------------------------- sending */

int bitten_core_send_command(bitten_core_t *core, bitten_frame_type_t type, const char *frame,
                             size_t len, bitten_reason_t *reason)
{
    //  ZMQ_IMMEDIATE + DONTWAIT: EAGAIN means no connected EA can take it now. Nothing is
    //  queued for an EA that connects later.
    if (zmq_send(core->command, frame, len, ZMQ_DONTWAIT) == (int)len) {
        core->stats.frames_out[type]++;
        *reason = BITTEN_R_OK;
        return 0;
    }
    core->stats.sends_refused++;
    if (errno == EAGAIN) {
        *reason = BITTEN_R_NO_EA_CONNECTED;
    } else {
        *reason = BITTEN_R_INTERNAL;
        BLOG_ERROR(core->log, "core", "command.send_failed", "type=%s errno=%d error=\"%s\"",
                   bitten_frame_type_str(type), errno, zmq_strerror(errno));
    }
    return -1;
}

bool bitten_core_events_wanted(bitten_core_t *core)
{
    return core->event_subscriptions > 0;
}

void bitten_core_emit(bitten_core_t *core, const char *topic, json_t *obj)
{
    if (!obj)
        return;
    //  Nobody subscribed: formatting the event would be all the work it ever gets.
    if (core->event_subscriptions <= 0) {
        json_decref(obj);
        core->stats.events_unheard++;
        return;
    }
    char ts[32];
    if (!json_object_get(obj, "ts"))
        json_object_set_new(obj, "ts", json_string(bitten_format_time(s_wall_ms(), ts, sizeof ts)));
    //  15 significant digits: prices print as 1.1004, not 1.1003999999999999.
    char *body = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(obj);
    if (!body)
        return;
    size_t topic_len = strlen(topic), body_len = strlen(body);
    zmq_msg_t msg;
    if (zmq_msg_init_size(&msg, topic_len + 1 + body_len) == 0) {
        char *data = zmq_msg_data(&msg);
        memcpy(data, topic, topic_len);
        data[topic_len] = ' ';
        memcpy(data + topic_len + 1, body, body_len);
        //  PUB never blocks: a subscriber past its HWM loses events, the loop goes on.
        if (zmq_msg_send(&msg, core->events, ZMQ_DONTWAIT) >= 0)
            core->stats.events_published++;
        else
            zmq_msg_close(&msg);
    }
    free(body);
}

/* ---------------------------------------------------------------- rejects */

static void s_reject(bitten_core_t *core, const char *channel, bitten_reason_t reason,
                     const char *field, const char *detail, const void *data, size_t len)
{
    s_stats_t *st = &core->stats;
    st->rejects[reason]++;
    int excerpt_bytes = (int)bitten_config_int(core->cfg, "reject.excerpt_bytes");
    char excerpt[1024 * 4 + 16];
    bitten_log_excerpt(data, len, (size_t)excerpt_bytes, excerpt, sizeof excerpt);

    //  One line per reason per interval; the counter and the event carry every reject.
    bitten_ms_t now = s_wall_ms();
    int64_t interval = bitten_config_int(core->cfg, "reject.log_interval_ms");
    if (now - st->reject_logged_ms[reason] >= interval) {
        char qdetail[160];
        BLOG_WARN(core->log, "core", "frame.rejected",
                  "channel=%s reason=%s field=%s detail=%s bytes=%zu unlogged_since=%llu "
                  "excerpt=%s",
                  channel, bitten_reason_str(reason), *field ? field : "-",
                  bitten_log_quote(detail, qdetail, sizeof qdetail), len,
                  (unsigned long long)st->reject_unlogged[reason], excerpt);
        st->reject_logged_ms[reason] = now;
        st->reject_unlogged[reason] = 0;
    } else
        st->reject_unlogged[reason]++;

    bitten_reject_t ev = {channel, reason, field, detail, data, len};
    bitten_bus_publish(core->bus, BITTEN_EV_FRAME_REJECTED, &ev);
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "channel", channel, "reason",
                            bitten_reason_str(reason), "field", field, "detail", detail, "bytes",
                            (json_int_t)len, "excerpt", excerpt);
    bitten_core_emit(core, "reject", obj);
}

/* ---------------------------------------------------------------- feedback */

//  With CURVE, the account a frame speaks for must be the one its key was issued to
//  (metadata "uuid" of the EA's certificate): no EA can speak for another. A frame that names
//  no account gets the key's. Returns 0, or -1 after rejecting the frame.
static int s_check_account(bitten_core_t *core, zmq_msg_t *msg, const char *data, size_t len)
{
    if (!core->server_cert)
        return 0;
    const char *key_uuid = zmq_msg_gets(msg, "uuid");
    const char *uuid = bitten_frame_uuid(core->frame);
    if (!key_uuid || !bitten_valid_id(key_uuid)) {
        s_reject(core, "feedback", BITTEN_R_UUID_NOT_AUTHORIZED, "uuid",
                 "the EA's certificate names no account (metadata uuid)", data, len);
        return -1;
    }
    if (*uuid && strcmp(uuid, key_uuid) != 0) {
        char detail[200];
        snprintf(detail, sizeof detail, "frame speaks for '%.64s', its key is for '%.64s'", uuid,
                 key_uuid);
        s_reject(core, "feedback", BITTEN_R_UUID_NOT_AUTHORIZED, "uuid", detail, data, len);
        return -1;
    }
    if (!*uuid)
        bitten_frame_set_uuid(core->frame, key_uuid);
    return 0;
}

static void s_handle_feedback(bitten_core_t *core, zmq_msg_t *msg, const char *data, size_t len)
{
    bitten_decode_error_t err;
    core->stats.bytes_in += len;
    if (bitten_decode(BITTEN_DIR_FEEDBACK, data, len, &core->decode_opts, core->frame, &err) != 0) {
        s_reject(core, "feedback", err.reason, err.field, err.detail, data, len);
        return;
    }
    if (s_check_account(core, msg, data, len) != 0)
        return;
    core->stats.frames_in[core->frame->type]++;
    bitten_bus_publish(core->bus, s_frame_events[core->frame->type], core->frame);
}

//  Reads one whole message; a multipart message is drained and refused as a whole.
static void s_feedback_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    for (int n = 0; n < core->max_frames; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            if (errno != EAGAIN && errno != EINTR)
                BLOG_ERROR(core->log, "core", "feedback.recv_failed", "error=\"%s\"",
                           zmq_strerror(errno));
            return;
        }
        if (zmq_msg_more(&msg)) {
            size_t parts = 1;
            while (zmq_msg_more(&msg)) {
                zmq_msg_close(&msg);
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, socket, ZMQ_DONTWAIT) < 0)
                    break;
                parts++;
            }
            char detail[64];
            snprintf(detail, sizeof detail, "%zu frames", parts);
            s_reject(core, "feedback", BITTEN_R_MULTIPART_FRAME, "", detail, "", 0);
            zmq_msg_close(&msg);
            continue;
        }
        s_handle_feedback(core, &msg, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}

/* ---------------------------------------------------------------- peers (socket monitor) */

//  Marks fd up or down; returns false when nothing changed (an event for an unknown fd).
static bool s_peers_mark(s_peers_t *p, int fd, bool up)
{
    if (fd < 0)
        return false;
    if ((size_t)fd >= p->cap) {
        if (!up)
            return false;
        size_t cap = p->cap ? p->cap : 1024;
        while (cap <= (size_t)fd)
            cap *= 2;
        uint8_t *grown = realloc(p->connected, cap);
        if (!grown)
            return false;
        memset(grown + p->cap, 0, cap - p->cap);
        p->connected = grown;
        p->cap = cap;
    }
    if (p->connected[fd] == (up ? 1 : 0))
        return false;
    p->connected[fd] = up ? 1 : 0;
    p->count += up ? 1 : -1;
    return true;
}

static void s_monitor_cb(zwatch_t *watch, void *socket, int revents, void *arg);

static int s_peers_start(bitten_core_t *core, s_peers_t *p, void *socket, const char *channel)
{
    char ep[64];
    p->channel = channel;
    snprintf(ep, sizeof ep, "inproc://bitten.monitor.%s", channel);
    if (zmq_socket_monitor(socket, ep,
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
        return -1;
    p->monitor = zmq_socket(core->zctx, ZMQ_PAIR);
    if (!p->monitor || zmq_connect(p->monitor, ep) != 0)
        return -1;
    p->watch = zwatch_new(core->loop, p->monitor, ZMQ_POLLIN, s_monitor_cb, core);
    return p->watch ? 0 : -1;
}

static void s_peers_event(bitten_core_t *core, s_peers_t *p, uint16_t event, int fd,
                          const char *endpoint)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
        event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        //  A peer without an allowed key (auth) or without CURVE at all (protocol): it gets
        //  nothing and sends nothing. Counted, logged (repeats fold into log.suppressed).
        p->auth_failures++;
        BLOG_WARN(core->log, "core", "peer.auth_failed", "channel=%s kind=%s", p->channel,
                  event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "key_not_allowed" : "handshake");
        return;
    }
    bool connected = event == ZMQ_EVENT_ACCEPTED;
    if (connected) {
        p->connects++;
        s_peers_mark(p, fd, true);
    } else {
        p->disconnects++;
        s_peers_mark(p, fd, false);
    }
    BLOG_INFO(core->log, "core", connected ? "peer.connected" : "peer.disconnected",
              "channel=%s peers=%d fd=%d", p->channel, p->count, fd);
    if (p == &core->command_peers) {
        bitten_peers_event_t ev = {p->count, endpoint, connected};
        bitten_bus_publish(core->bus, BITTEN_EV_COMMAND_PEERS, &ev);
    }
}

static void s_monitor_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    s_peers_t *p = socket == core->command_peers.monitor ? &core->command_peers
                                                          : &core->feedback_peers;
    for (int n = 0; n < core->max_frames; n++) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            return;
        }
        zmq_msg_init(&addr);
        //  Monitor messages are two frames: [event u16, value u32] and the endpoint.
        zmq_msg_recv(&addr, socket, 0);
        if (zmq_msg_size(&head) >= 6) {
            const uint8_t *d = zmq_msg_data(&head);
            uint16_t event;
            uint32_t value;
            memcpy(&event, d, 2);
            memcpy(&value, d + 2, 4);
            char endpoint[CORE_ENDPOINT_MAX];
            size_t n_addr = zmq_msg_size(&addr);
            if (n_addr >= sizeof endpoint)
                n_addr = sizeof endpoint - 1;
            memcpy(endpoint, zmq_msg_data(&addr), n_addr);
            endpoint[n_addr] = '\0';
            s_peers_event(core, p, event, (int)value, endpoint);
        }
        zmq_msg_close(&head);
        zmq_msg_close(&addr);
    }
}

/* ---------------------------------------------------------------- control */

static uint64_t s_frames_in_total(const bitten_core_t *core)
{
    uint64_t n = 0;
    for (int i = 0; i < BITTEN_FRAME_COUNT_; i++)
        n += core->stats.frames_in[i];
    return n;
}

static json_t *s_counts(const uint64_t *counts, size_t n, const char *(*name)(int), bool all)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
        if (all || counts[i])
            json_object_set_new(obj, name((int)i), json_integer((json_int_t)counts[i]));
    return obj;
}

static const char *s_frame_name(int i)
{
    return bitten_frame_type_str((bitten_frame_type_t)i);
}

static const char *s_reason_name(int i)
{
    return bitten_reason_str((bitten_reason_t)i);
}

static bitten_reason_t s_control_status(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    s_stats_t *st = &core->stats;
    bitten_ms_t now = s_wall_ms();
    char ts[32];
    json_object_set_new(reply, "version", json_string(BITTEN_VERSION));
    json_object_set_new(reply, "pid", json_integer(getpid()));
    json_object_set_new(reply, "started_at",
                        json_string(bitten_format_time(core->started_ms, ts, sizeof ts)));
    json_object_set_new(reply, "uptime_s", json_real((double)(now - core->started_ms) / 1000.0));
    json_object_set_new(reply, "endpoints",
                        json_pack("{s:s, s:s, s:s, s:s}", "command", core->ep_command, "feedback",
                                  core->ep_feedback, "control", core->ep_control, "events",
                                  core->ep_events));
    json_object_set_new(reply, "feedback_socket",
                        json_string(bitten_config_str(core->cfg, "feedback.socket")));
    json_object_set_new(
        reply, "zmq",
        json_pack("{s:b, s:b, s:b, s:s?}", "mode", bitten_config_bool(core->cfg, "zmq.mode"),
                  "enforce", bitten_config_bool(core->cfg, "zmq.enforce"), "strict",
                  core->strict_on, "strict_violation",
                  core->strict_path[0] ? core->strict_path : NULL));
    json_object_set_new(reply, "frames_in",
                        s_counts(st->frames_in, BITTEN_FRAME_COUNT_, s_frame_name, false));
    json_object_set_new(reply, "frames_out",
                        s_counts(st->frames_out, BITTEN_FRAME_COUNT_, s_frame_name, false));
    json_object_set_new(reply, "rejects", s_counts(st->rejects, BITTEN_R_COUNT_, s_reason_name, false));
    uint64_t total_rejects = 0;
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        total_rejects += st->rejects[i];
    json_object_set_new(reply, "rejects_total", json_integer((json_int_t)total_rejects));
    json_object_set_new(
        reply, "command",
        json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "peers", core->command_peers.count,
                  "connects", (json_int_t)core->command_peers.connects, "disconnects",
                  (json_int_t)core->command_peers.disconnects, "auth_failures",
                  (json_int_t)core->command_peers.auth_failures, "sends_refused",
                  (json_int_t)st->sends_refused, "keepalives_sent",
                  (json_int_t)st->keepalives_sent));
    json_object_set_new(reply, "feedback",
                        json_pack("{s:i, s:I, s:I, s:I, s:I}", "peers",
                                  core->feedback_peers.count, "connects",
                                  (json_int_t)core->feedback_peers.connects, "disconnects",
                                  (json_int_t)core->feedback_peers.disconnects, "auth_failures",
                                  (json_int_t)core->feedback_peers.auth_failures, "bytes_in",
                                  (json_int_t)st->bytes_in));
    json_object_set_new(reply, "security",
                        json_pack("{s:b, s:b}", "curve", core->server_cert != NULL, "insecure",
                                  bitten_config_bool(core->cfg, "security.insecure")));
    json_object_set_new(reply, "events_published", json_integer((json_int_t)st->events_published));
    json_object_set_new(reply, "events_unheard", json_integer((json_int_t)st->events_unheard));
    json_object_set_new(reply, "event_subscriptions", json_integer(core->event_subscriptions));
    json_object_set_new(reply, "control_requests", json_integer((json_int_t)st->control_requests));
    for (size_t i = 0; i < core->n_statuses; i++) {
        json_t *section = json_object();
        core->statuses[i].fn(core->statuses[i].self, section);
        json_object_set_new(reply, core->statuses[i].name, section);
    }
    return BITTEN_R_OK;
}

static bitten_reason_t s_control_config(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    json_t *values = json_object();
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        json_t *v = NULL;
        switch (k->type) {
        case BITTEN_CFG_STRING:
            v = json_string(bitten_config_str(core->cfg, k->key));
            break;
        case BITTEN_CFG_INT:
            v = json_integer(bitten_config_int(core->cfg, k->key));
            break;
        case BITTEN_CFG_DOUBLE:
            v = json_real(bitten_config_double(core->cfg, k->key));
            break;
        case BITTEN_CFG_BOOL:
            v = json_boolean(bitten_config_bool(core->cfg, k->key));
            break;
        case BITTEN_CFG_LIST:
            v = json_array();
            for (size_t j = 0; j < bitten_config_list_count(core->cfg, k->key); j++)
                json_array_append_new(v, json_string(bitten_config_list_at(core->cfg, k->key, j)));
            break;
        case BITTEN_CFG_SECTION:
            continue;
        }
        json_object_set_new(values, k->key,
                            json_pack("{s:o, s:s}", "value", v, "origin",
                                      bitten_config_origin(core->cfg, k->key)));
    }
    json_object_set_new(reply, "config", values);
    return BITTEN_R_OK;
}

static void s_control_reply(bitten_core_t *core, json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    const char *out = text ? text : "{\"ok\":false,\"reason\":\"INTERNAL\"}";
    //  REP after a recv can always send; DONTWAIT only guards against a bug wedging the loop.
    if (zmq_send(core->control, out, strlen(out), ZMQ_DONTWAIT) < 0)
        BLOG_ERROR(core->log, "core", "control.reply_failed", "error=\"%s\"", zmq_strerror(errno));
    free(text);
}

static json_t *s_control_error(bitten_reason_t reason, const char *text)
{
    return json_pack("{s:b, s:s, s:s}", "ok", 0, "reason", bitten_reason_str(reason), "error",
                     text);
}

static void s_handle_control(bitten_core_t *core, const char *data, size_t len)
{
    core->stats.control_requests++;
    json_error_t jerr;
    json_t *request = json_loadb(data, len, 0, &jerr);
    const char *cmd = request ? json_string_value(json_object_get(request, "cmd")) : NULL;
    if (!cmd) {
        s_reject(core, "control", BITTEN_R_BAD_REQUEST, "cmd", "expected {\"cmd\":\"...\"}", data,
                 len);
        json_decref(request);
        s_control_reply(core, s_control_error(BITTEN_R_BAD_REQUEST,
                                              "request must be a JSON object with a string cmd"));
        return;
    }
    for (size_t i = 0; i < core->n_controls; i++) {
        if (strcmp(core->controls[i].name, cmd) != 0)
            continue;
        json_t *reply = json_object();
        bitten_reason_t reason = core->controls[i].fn(core->controls[i].self, request, reply);
        json_object_set_new(reply, "ok", json_boolean(reason == BITTEN_R_OK));
        if (reason != BITTEN_R_OK) {
            json_object_set_new(reply, "reason", json_string(bitten_reason_str(reason)));
            if (!json_object_get(reply, "error"))
                json_object_set_new(reply, "error", json_string(bitten_reason_doc(reason)));
        }
        json_decref(request);
        s_control_reply(core, reply);
        return;
    }
    char text[96];
    snprintf(text, sizeof text, "unknown command '%.40s'", cmd);
    json_decref(request);
    s_control_reply(core, s_control_error(BITTEN_R_UNKNOWN_COMMAND, text));
}

static void s_control_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    for (int n = 0; n < core->max_frames; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        //  A REP must answer once per request: extra parts are read and ignored.
        int more = zmq_msg_more(&msg);
        while (more) {
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            more = zmq_msg_recv(&extra, socket, 0) >= 0 && zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        s_handle_control(core, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}

/* ---------------------------------------------------------------- timers and signals */

static void s_keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    char frame[128];
    int len = bitten_encode_keepalive(s_wall_ms(), frame, sizeof frame);
    //  PUSH hands each frame to one peer in turn: one heartbeat per connected EA reaches
    //  every EA, or some would hear nothing for 120 s and reconnect.
    int peers = core->command_peers.count > 0 ? core->command_peers.count : 1;
    int sent = 0;
    bitten_reason_t reason = BITTEN_R_OK;
    for (int i = 0; i < peers && len > 0; i++) {
        if (bitten_core_send_command(core, BITTEN_FRAME_HEARTBEAT, frame, (size_t)len, &reason) != 0)
            break;
        sent++;
    }
    core->stats.keepalives_sent += (uint64_t)sent;
    if (sent)
        BLOG_INFO(core->log, "core", "keepalive.sent", "count=%d peers=%d", sent,
                  core->command_peers.count);
    else
        BLOG_DEBUG(core->log, "core", "keepalive.skipped", "reason=%s", bitten_reason_str(reason));
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
        bitten_core_emit(core, "strict.violation", json_pack("{s:s, s:s}", "path", path, "reason",
                                                             "STRICT_LEGACY_FILE"));
    } else if (!found && core->strict_path[0]) {
        BLOG_WARN(core->log, "core", "strict.cleared", "path=%s", core->strict_path);
        bitten_core_emit(core, "strict.cleared", json_pack("{s:s}", "path", core->strict_path));
        core->strict_path[0] = '\0';
    }
}

static void s_strict_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_strict_check(w->data);
}

static void s_housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    bitten_log_flush_suppressed(core->log);
}

//  One line for `systemctl status`: what an operator wants to see at a glance.
static void s_status_line(bitten_core_t *core, char *buf, size_t size)
{
    const bitten_ea_query_t *ea = &core->ea_query;
    const bitten_risk_query_t *risk = &core->risk_query;
    uint64_t rejects = 0;
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        rejects += core->stats.rejects[i];
    snprintf(buf, size,
             "EAs online %d, command peers %d, fires sent %llu, halts %d, frames in %llu, "
             "rejects %llu%s",
             ea->online_count ? ea->online_count(ea->self) : 0, core->command_peers.count,
             (unsigned long long)core->stats.frames_out[BITTEN_FRAME_SIGNAL],
             risk->halt_count ? risk->halt_count(risk->self) : 0,
             (unsigned long long)s_frames_in_total(core), (unsigned long long)rejects,
             core->strict_path[0] ? ", STRICT VIOLATION" : "");
}

static void s_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    char line[256];
    s_status_line(core, line, sizeof line);
    sd_notifyf(0, "STATUS=%s", line);
}

//  Runs only when the loop turns: a wedged loop stops the pings and systemd restarts us.
static void s_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    sd_notify(0, "WATCHDOG=1");
}

//  Test hook (debug.test_hooks = true only): blocks the loop to prove the watchdog stops.
static bitten_reason_t s_control_wedge(void *self, const json_t *request, json_t *reply)
{
    json_t *ms = json_object_get(request, "ms");
    int wait_ms = json_is_integer(ms) ? (int)json_integer_value(ms) : 1000;
    if (wait_ms < 0 || wait_ms > 60000)
        return BITTEN_R_BAD_REQUEST;
    struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    json_object_set_new(reply, "wedged_ms", json_integer(wait_ms));
    return BITTEN_R_OK;
}

static void s_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    bitten_core_t *core = w->data;
    BLOG_INFO(core->log, "core", "daemon.stopping", "signal=%s", strsignal(w->signum));
    ev_break(loop, EVBREAK_ALL);
}

//  (Re)loads the allowed EA certificates into zauth: at start and on SIGHUP (key rotation).
//  zauth checks keys at each handshake: a removed key stops new connections, not live ones.
static int s_load_clients(bitten_core_t *core)
{
    const char *dir = bitten_config_str(core->cfg, "security.clients_dir");
    if (zstr_sendx(core->auth, "CURVE", dir, NULL) != 0 || zsock_wait(core->auth) != 0)
        return -1;
    zdir_t *listing = zdir_new(dir, NULL);
    size_t keys = listing ? zdir_count(listing) : 0;
    zdir_destroy(&listing);
    BLOG_INFO(core->log, "core", "keys.loaded", "clients_dir=%s files=%zu", dir, keys);
    return 0;
}

static void s_insecure_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    BLOG_WARN(core->log, "core", "security.insecure",
              "msg=\"non-loopback bind without CURVE: EAs are not authenticated\" command=%s "
              "feedback=%s events=%s",
              core->ep_command, core->ep_feedback, core->ep_events);
}

static void s_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    bitten_core_t *core = w->data;
    if (core->auth && s_load_clients(core) != 0)
        BLOG_ERROR(core->log, "core", "keys.reload_failed", "clients_dir=%s",
                   bitten_config_str(core->cfg, "security.clients_dir"));
    if (bitten_log_reopen(core->log) == 0)
        BLOG_INFO(core->log, "core", "log.reopened", "signal=SIGHUP");
    else
        BLOG_ERROR(core->log, "core", "log.reopen_failed", "error=\"%s\"", strerror(errno));
}

/* ---------------------------------------------------------------- set-up and tear-down */

//  Subscription messages on the events XPUB: first byte 1 = subscribe, 0 = unsubscribe
//  (also sent for each subscription of a subscriber that goes away).
static void s_events_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    for (int n = 0; n < core->max_frames; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        const uint8_t *d = zmq_msg_data(&msg);
        if (zmq_msg_size(&msg) >= 1 && d[0] <= 1) {
            core->event_subscriptions += d[0] ? 1 : -1;
            if (core->event_subscriptions < 0)
                core->event_subscriptions = 0;
        }
        zmq_msg_close(&msg);
    }
}

static void *s_socket(bitten_core_t *core, int type, const char *name, const char *endpoint,
                      char *effective, char *err, size_t errlen)
{
    void *s = zmq_socket(core->zctx, type);
    if (!s) {
        snprintf(err, errlen, "%s: cannot create socket: %s", name, zmq_strerror(errno));
        return NULL;
    }
    int linger = core->linger_ms;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    //  Every socket, also those that only send: libzmq allocates what a peer's frame header
    //  claims, before any handshake, on any socket type. The limit is what bounds it.
    int64_t max = bitten_config_int(core->cfg, "feedback.max_frame_bytes");
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (type == ZMQ_SUB)
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (type == ZMQ_SUB || type == ZMQ_PULL) {
        int hwm = (int)bitten_config_int(core->cfg, "feedback.rcvhwm");
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    }
    if (type == ZMQ_PUSH) {
        int on = 1, hwm = (int)bitten_config_int(core->cfg, "command.sndhwm");
        zmq_setsockopt(s, ZMQ_IMMEDIATE, &on, sizeof on);
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    }
    if (type == ZMQ_XPUB) {
        //  XPUB, not PUB: its subscriptions arrive as messages, so events are formatted only
        //  while somebody listens. VERBOSER passes every subscribe and unsubscribe.
        int hwm = (int)bitten_config_int(core->cfg, "events.sndhwm"), on = 1;
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(s, ZMQ_XPUB_VERBOSER, &on, sizeof on);
    }
    //  The EA-facing sockets authenticate with CURVE; zauth answers ZAP with the key's cert.
    if (core->server_cert && type != ZMQ_REP && type != ZMQ_XPUB) {
        int on = 1;
        zmq_setsockopt(s, ZMQ_CURVE_SERVER, &on, sizeof on);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, zcert_secret_key(core->server_cert), 32);
        zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "bitten", 6);
    }
    if (zmq_bind(s, endpoint) != 0) {
        snprintf(err, errlen, "%s: cannot bind %s: %s", name, endpoint, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    size_t size = CORE_ENDPOINT_MAX;
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, effective, &size) != 0)
        snprintf(effective, CORE_ENDPOINT_MAX, "%s", endpoint);
    return s;
}

static int s_bind_all(bitten_core_t *core, char *err, size_t errlen)
{
    const bitten_config_t *cfg = core->cfg;
    bool pull = strcmp(bitten_config_str(cfg, "feedback.socket"), "pull") == 0;
    core->command = s_socket(core, ZMQ_PUSH, "command.endpoint",
                             bitten_config_str(cfg, "command.endpoint"), core->ep_command, err,
                             errlen);
    if (!core->command)
        return -1;
    core->feedback = s_socket(core, pull ? ZMQ_PULL : ZMQ_SUB, "feedback.endpoint",
                              bitten_config_str(cfg, "feedback.endpoint"), core->ep_feedback, err,
                              errlen);
    if (!core->feedback)
        return -1;
    core->control = s_socket(core, ZMQ_REP, "control.endpoint",
                             bitten_config_str(cfg, "control.endpoint"), core->ep_control, err,
                             errlen);
    if (!core->control)
        return -1;
    core->events = s_socket(core, ZMQ_XPUB, "events.endpoint",
                            bitten_config_str(cfg, "events.endpoint"), core->ep_events, err,
                            errlen);
    if (!core->events)
        return -1;
    if (s_peers_start(core, &core->command_peers, core->command, "command") != 0 ||
        s_peers_start(core, &core->feedback_peers, core->feedback, "feedback") != 0) {
        snprintf(err, errlen, "cannot start socket monitors: %s", zmq_strerror(errno));
        return -1;
    }
    core->feedback_watch = zwatch_new(core->loop, core->feedback, ZMQ_POLLIN, s_feedback_cb, core);
    core->control_watch = zwatch_new(core->loop, core->control, ZMQ_POLLIN, s_control_cb, core);
    core->events_watch = zwatch_new(core->loop, core->events, ZMQ_POLLIN, s_events_cb, core);
    if (!core->feedback_watch || !core->control_watch || !core->events_watch) {
        snprintf(err, errlen, "cannot watch sockets: %s", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

static void s_timer(bitten_core_t *core, ev_timer *t, void (*cb)(struct ev_loop *, ev_timer *, int),
                    double period_s)
{
    ev_timer_init(t, cb, period_s, period_s);
    t->data = core;
    ev_timer_start(core->loop, t);
}

static void s_signal(bitten_core_t *core, ev_signal *w, void (*cb)(struct ev_loop *, ev_signal *, int),
                     int signum)
{
    ev_signal_init(w, cb, signum);
    w->data = core;
    ev_signal_start(core->loop, w);
}

static bool s_local(const char *ep)
{
    return strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0 ||
           strncmp(ep, "tcp://127.", 10) == 0 || strncmp(ep, "tcp://[::1]", 11) == 0;
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
    core->started_ms = s_wall_ms();
    core->max_frames = (int)bitten_config_int(cfg, "loop.max_frames_per_wakeup");
    core->linger_ms = (int)bitten_config_int(cfg, "shutdown.linger_ms");
    core->decode_opts.max_frame_bytes = (size_t)bitten_config_int(cfg, "feedback.max_frame_bytes");
    core->decode_opts.server_utc_offset_s =
        (int)bitten_config_int(cfg, "feedback.server_utc_offset_s");
    core->strict_on = bitten_config_bool(cfg, "zmq.strict");
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
    if (bitten_config_bool(cfg, "security.curve")) {
        const char *cert_path = bitten_config_str(cfg, "security.server_cert");
        core->server_cert = zcert_load(cert_path);
        core->auth = core->server_cert ? zactor_new(zauth, NULL) : NULL;
        if (!core->server_cert || !core->auth || s_load_clients(core) != 0) {
            snprintf(err, errlen, "security.server_cert: cannot load '%s' or start zauth",
                     cert_path);
            bitten_core_destroy(&core);
            return NULL;
        }
    }
    if (s_bind_all(core, err, errlen) != 0) {
        bitten_core_destroy(&core);
        return NULL;
    }
    if (bitten_config_bool(cfg, "security.insecure") &&
        !(s_local(core->ep_command) && s_local(core->ep_feedback) && s_local(core->ep_events))) {
        s_timer(core, &core->insecure_timer, s_insecure_cb,
                (double)bitten_config_int(cfg, "security.insecure_warn_s"));
        s_insecure_cb(core->loop, &core->insecure_timer, 0);
    }
    char why[256];
    core->store = bitten_store_open(bitten_config_str(cfg, "state_dir"), why, sizeof why);
    if (!core->store) {
        snprintf(err, errlen, "state_dir: cannot open the store: %s", why);
        bitten_core_destroy(&core);
        return NULL;
    }
    s_signal(core, &core->sig_term, s_stop_cb, SIGTERM);
    s_signal(core, &core->sig_int, s_stop_cb, SIGINT);
    s_signal(core, &core->sig_hup, s_hup_cb, SIGHUP);
    s_timer(core, &core->keepalive_timer, s_keepalive_cb,
            (double)bitten_config_int(cfg, "command.keepalive_s"));
    s_timer(core, &core->housekeeping_timer, s_housekeeping_cb, 1.0);
    if (core->strict_on) {
        s_timer(core, &core->strict_timer, s_strict_cb,
                (double)bitten_config_int(cfg, "strict.check_interval_s"));
    }
    bitten_core_control_register(core, "status", s_control_status, core);
    bitten_core_control_register(core, "config", s_control_config, core);
    core->test_hooks = bitten_config_bool(cfg, "debug.test_hooks");
    if (core->test_hooks)
        bitten_core_control_register(core, "debug.wedge", s_control_wedge, core);
    core->systemd = getenv("NOTIFY_SOCKET") != NULL;
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0)
        s_timer(core, &core->watchdog_timer, s_watchdog_cb, (double)watchdog_usec / 2e6);
    if (core->systemd)
        s_timer(core, &core->status_timer, s_status_cb,
                (double)bitten_config_int(cfg, "systemd.status_interval_s"));
    return core;
}

int bitten_core_run(bitten_core_t *core)
{
    //  Every socket is bound, the store is open and the modules are up: now we are ready.
    char line[256];
    s_status_line(core, line, sizeof line);
    sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=%s", (int)getpid(), line);
    BLOG_INFO(core->log, "core", "daemon.ready",
              "command=%s feedback=%s feedback_socket=%s control=%s events=%s", core->ep_command,
              core->ep_feedback, bitten_config_str(core->cfg, "feedback.socket"), core->ep_control,
              core->ep_events);
    ev_run(core->loop, 0);
    return 0;
}

void bitten_core_stop(bitten_core_t *core)
{
    ev_break(core->loop, EVBREAK_ALL);
}

void bitten_core_shutdown_begin(bitten_core_t *core)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
    bitten_bus_publish(core->bus, BITTEN_EV_SHUTDOWN, NULL);
}

static void s_close(void **socket)
{
    if (*socket) {
        zmq_close(*socket);
        *socket = NULL;
    }
}

void bitten_core_destroy(bitten_core_t **core_p)
{
    if (!core_p || !*core_p)
        return;
    bitten_core_t *core = *core_p;
    if (core->loop) {
        ev_timer_stop(core->loop, &core->keepalive_timer);
        ev_timer_stop(core->loop, &core->housekeeping_timer);
        ev_timer_stop(core->loop, &core->strict_timer);
        ev_timer_stop(core->loop, &core->watchdog_timer);
        ev_timer_stop(core->loop, &core->insecure_timer);
        ev_timer_stop(core->loop, &core->status_timer);
        ev_signal_stop(core->loop, &core->sig_term);
        ev_signal_stop(core->loop, &core->sig_int);
        ev_signal_stop(core->loop, &core->sig_hup);
    }
    zwatch_destroy(&core->feedback_watch);
    zwatch_destroy(&core->control_watch);
    zwatch_destroy(&core->events_watch);
    zwatch_destroy(&core->command_peers.watch);
    zwatch_destroy(&core->feedback_peers.watch);
    if (core->command)
        zmq_socket_monitor(core->command, NULL, 0);
    if (core->feedback)
        zmq_socket_monitor(core->feedback, NULL, 0);
    s_close(&core->command_peers.monitor);
    s_close(&core->feedback_peers.monitor);
    free(core->command_peers.connected);
    free(core->feedback_peers.connected);
    s_close(&core->command);
    s_close(&core->feedback);
    s_close(&core->control);
    s_close(&core->events);
    bitten_store_close(&core->store);
    zactor_destroy(&core->auth);
    zcert_destroy(&core->server_cert);
    if (core->zctx)
        zsys_shutdown();
    bitten_bus_destroy(&core->bus);
    free(core->frame);
    if (core->loop)
        ev_loop_destroy(core->loop);
    free(core);
    *core_p = NULL;
}
