/*  core_channels.c: the four ZeroMQ channels: socket options, bind, watches, sending on the
 *  command channel, publishing on the events channel and counting its subscriptions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>

#include "bitten/events.h"
#include "core/core_internal.h"

/* ---------------------------------------------------------------- sending */

//  One frame on a PUSH, or [routing id, frame] on the ROUTER, without blocking. 0, or -1
//  with *reason: EAGAIN (ZMQ_IMMEDIATE: no connected EA can take it) and EHOSTUNREACH
//  (ROUTER_MANDATORY: no peer has that id now) are NO_EA_CONNECTED; nothing is queued.
static int s_send(bitten_core_t *core, void *socket, const unsigned char *rid, size_t rid_len,
                  bitten_frame_type_t type, const char *frame, size_t len,
                  bitten_reason_t *reason)
{
    bool ok;
    if (rid)
        ok = zmq_send(socket, rid, rid_len, ZMQ_DONTWAIT | ZMQ_SNDMORE) == (int)rid_len &&
             zmq_send(socket, frame, len, ZMQ_DONTWAIT) == (int)len;
    else
        ok = zmq_send(socket, frame, len, ZMQ_DONTWAIT) == (int)len;
    if (ok) {
        core->stats.frames_out[type]++;
        *reason = BITTEN_R_OK;
        return 0;
    }
    if (errno == EAGAIN || errno == EHOSTUNREACH) {
        *reason = BITTEN_R_NO_EA_CONNECTED;
    } else {
        *reason = BITTEN_R_INTERNAL;
        BLOG_ERROR(core->log, "core", "command.send_failed", "type=%s errno=%d error=\"%s\"",
                   bitten_frame_type_str(type), errno, zmq_strerror(errno));
    }
    return -1;
}

core_pair_t *core_pair_find(bitten_core_t *core, const char *uuid)
{
    for (size_t i = 0; i < core->n_pairs; i++)
        if (strcmp(core->pairs[i].uuid, uuid) == 0)
            return &core->pairs[i];
    return NULL;
}

//  The one connection proven to be the account's (core.h, bitten_core_send_to): the socket
//  and routing id to send on, or a refusal. Pure over the core's state; sends nothing.
static bitten_reason_t s_route(bitten_core_t *core, const char *uuid, void **socket,
                               bitten_account_route_t *route)
{
    const bitten_accounts_query_t *aq = &core->accounts_query;
    bitten_account_t acc;
    memset(route, 0, sizeof *route);
    *socket = NULL;
    if (!uuid || !*uuid)
        return BITTEN_R_ROUTE_UNPROVEN;
    bool known = aq->find && aq->find(aq->self, uuid, &acc) == 0;
    //  1. Its DEALER identity on the ROUTER: libzmq delivers to that peer or to nobody.
    if (known && acc.route.has_routing_id && core->router) {
        *route = acc.route;
        *socket = core->router;
        return BITTEN_R_OK;
    }
    //  2. Its own PUSH: the endpoint is the account's; one peer, or nobody can tell which.
    core_pair_t *pair = core_pair_find(core, uuid);
    if (pair) {
        if (pair->command_peers.count <= 0)
            return BITTEN_R_NO_EA_CONNECTED;
        if (pair->command_peers.count > 1)
            return BITTEN_R_MULTIPLE_EAS_ON_PUSH;
        *socket = pair->command;
        return BITTEN_R_OK;
    }
    //  3. The shared PUSH, only for its declared owner and only with exactly one peer.
    if (!*core->set.command_account || strcmp(core->set.command_account, uuid) != 0)
        return known || !aq->find ? BITTEN_R_ROUTE_UNPROVEN : BITTEN_R_UNKNOWN_ACCOUNT;
    if (core->command_peers.count <= 0)
        return BITTEN_R_NO_EA_CONNECTED;
    if (core->command_peers.count > 1)
        return BITTEN_R_MULTIPLE_EAS_ON_PUSH;
    *socket = core->command;
    return BITTEN_R_OK;
}

bitten_reason_t bitten_core_route_check(bitten_core_t *core, const char *uuid)
{
    void *socket;
    bitten_account_route_t route;
    return s_route(core, uuid, &socket, &route);
}

int bitten_core_send_to(bitten_core_t *core, const char *uuid, bitten_frame_type_t type,
                        const char *frame, size_t len, bitten_reason_t *reason)
{
    void *socket;
    bitten_account_route_t route;
    *reason = s_route(core, uuid, &socket, &route);
    if (*reason == BITTEN_R_OK &&
        s_send(core, socket, route.has_routing_id ? route.routing_id : NULL,
               route.routing_id_len, type, frame, len, reason) == 0)
        return 0;
    core->stats.sends_refused++;
    core->stats.sends_by_reason[*reason]++;
    BLOG_DEBUG(core->log, "core", "command.refused", "uuid=%s type=%s reason=%s",
               uuid && *uuid ? uuid : "-", bitten_frame_type_str(type),
               bitten_reason_str(*reason));
    return -1;
}

//  A keepalive to every PULL connection, shared and per account: a PUSH hands each frame to
//  one peer in turn, so one per peer reaches each. It names no account and carries no order:
//  whoever gets it learns nothing. DEALER EAs (v2.05) get none: they would answer each with
//  a failed "unknown" confirmation, and they need none. Returns the number sent.
int core_send_keepalives(bitten_core_t *core, const char *frame, size_t len)
{
    int sent = 0;
    bitten_reason_t reason;
    for (int i = 0; i < core->command_peers.count; i++)
        if (s_send(core, core->command, NULL, 0, BITTEN_FRAME_HEARTBEAT, frame, len, &reason) == 0)
            sent++;
    for (size_t p = 0; p < core->n_pairs; p++)
        for (int i = 0; i < core->pairs[p].command_peers.count; i++)
            if (s_send(core, core->pairs[p].command, NULL, 0, BITTEN_FRAME_HEARTBEAT, frame, len,
                       &reason) == 0)
                sent++;
    return sent;
}

//  Somebody may listen: a subscription is counted, or a subscriber is connected (the count
//  can lag while a flood is shed; formatting for nobody costs less than missing a listener).
static bool s_events_wanted(const bitten_core_t *core)
{
    return core->event_subscriptions > 0 || core->events_peers.count > 0;
}

bool bitten_core_events_wanted(bitten_core_t *core)
{
    return s_events_wanted(core);
}

void bitten_core_emit(bitten_core_t *core, const char *topic, json_t *obj)
{
    if (!obj)
        return;
    //  The contract (bitten/events.h): an event off its schema still goes out (heard or not, it is checked) (a dashboard
    //  that copes is better served than one that sees nothing), but is counted and logged.
    char why[160];
    if (bitten_event_check(topic, obj, why, sizeof why) != 0) {
        core->stats.events_invalid++;
        BLOG_ERROR(core->log, "core", "events.schema_violation", "topic=%s error=\"%s\"", topic,
                   why);
    }
    //  Nobody subscribed: formatting the event would be all the work it ever gets.
    if (!s_events_wanted(core)) {
        json_decref(obj);
        core->stats.events_unheard++;
        return;
    }
    //  One sequence per publisher: a subscriber that sees a jump lost events (its HWM).
    json_object_set_new(obj, "seq", json_integer((json_int_t)++core->events_seq));
    char ts[32];
    if (!json_object_get(obj, "ts"))
        json_object_set_new(obj, "ts",
                            json_string(bitten_format_time(core_wall_ms(core), ts, sizeof ts)));
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

bool core_recv_next(void *socket, zmq_msg_t *msg)
{
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, socket, ZMQ_DONTWAIT) >= 0)
        return true;
    zmq_msg_close(msg);
    return false;
}

//  True when fd is a connection accepted on the events endpoint: its local address is the
//  listener's (the port of tcp://host:port, the path of ipc://path). Guards the shedding
//  below against an fd number reused since the monitor reported it.
static bool s_is_events_conn(const bitten_core_t *core, int fd)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        return false;
    const char *ep = core->ep_events;
    if (strncmp(ep, "ipc://", 6) == 0)
        return local.ss_family == AF_UNIX &&
               strcmp(((struct sockaddr_un *)&local)->sun_path, ep + 6) == 0;
    const char *colon = strrchr(ep, ':');
    int port = colon ? atoi(colon + 1) : 0;
    if (port <= 0)
        return false;
    if (local.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&local)->sin_port) == port;
    if (local.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&local)->sin6_port) == port;
    return false;
}

//  libzmq keeps every subscription of every XPUB peer in its own trie and offers no way to
//  refuse one: the bound is kept by cutting all events connections, which frees their
//  subscriptions. Real subscribers reconnect and subscribe again by themselves.
static void s_events_shed(bitten_core_t *core)
{
    core_peers_t *p = &core->events_peers;
    //  Every connection whose subscriptions were read has been accepted: know them all.
    core_peers_drain(core, p);
    int cut = 0;
    for (size_t fd = 0; fd < p->cap; fd++)
        if (p->connected[fd] && s_is_events_conn(core, (int)fd) &&
            shutdown((int)fd, SHUT_RDWR) == 0)
            cut++;
    core->stats.events_sheds++;
    core->stats.events_peers_shed += (uint64_t)cut;
    char detail[128];
    snprintf(detail, sizeof detail, "more than %d subscriptions: %d subscriber connections cut",
             core->set.events_max_subs, cut);
    core_reject(core, "events", BITTEN_R_EVENTS_SUBSCRIPTIONS_FULL, "", detail, NULL, 0);
}

//  Subscription messages on the events XPUB: first byte 1 = subscribe, 0 = unsubscribe
//  (also sent for each subscription of a subscriber that goes away).
static void s_events_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    bool shed = false;
    for (int n = 0; n < core->set.max_frames; n++) {
        zmq_msg_t msg;
        if (!core_recv_next(socket, &msg))
            return;
        const uint8_t *d = zmq_msg_data(&msg);
        if (zmq_msg_size(&msg) >= 1 && d[0] <= 1) {
            core->event_subscriptions += d[0] ? 1 : -1;
            if (core->event_subscriptions < 0)
                core->event_subscriptions = 0;
        }
        zmq_msg_close(&msg);
        //  Over the bound: cut (at most once per wakeup; the cut connections' unsubscriptions
        //  bring the count back down), and count every subscription past it.
        if (core->event_subscriptions > core->set.events_max_subs) {
            core->stats.events_refused++;
            if (!shed)
                s_events_shed(core);
            shed = true;
        }
    }
}

/* ---------------------------------------------------------------- set-up and tear-down */

//  zap_channel: the channel whose ZAP domain an EA-facing socket gets under CURVE (NULL for
//  control and events, which stay loopback and unauthenticated).
static void *s_socket(bitten_core_t *core, int type, const char *name, const char *zap_channel,
                      const char *endpoint, char *effective, char *err, size_t errlen)
{
    const core_settings_t *set = &core->set;
    void *s = zmq_socket(core->zctx, type);
    if (!s) {
        snprintf(err, errlen, "%s: cannot create socket: %s", name, zmq_strerror(errno));
        return NULL;
    }
    int linger = set->linger_ms;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    //  Every socket, also those that only send: libzmq allocates what a peer's frame header
    //  claims, before any handshake, on any socket type. The limit is what bounds it.
    int64_t max = set->max_frame_bytes;
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (type == ZMQ_SUB)
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (type == ZMQ_SUB || type == ZMQ_PULL) {
        int hwm = set->feedback_rcvhwm;
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    }
    if (type == ZMQ_PUSH) {
        int on = 1, hwm = set->command_sndhwm;
        zmq_setsockopt(s, ZMQ_IMMEDIATE, &on, sizeof on);
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    }
    bool control = strcmp(name, "control.endpoint") == 0;
    if (type == ZMQ_ROUTER && !control) {
        //  MANDATORY: a fire for an id nobody holds is refused (EHOSTUNREACH), never dropped
        //  in silence. HANDOVER off: a second peer with a held id is refused by libzmq, so a
        //  colliding v2.05 identity cannot take over another account's connection.
        int on = 1, off = 0, hwm = set->command_sndhwm, rcv = set->feedback_rcvhwm;
        zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &on, sizeof on);
        zmq_setsockopt(s, ZMQ_ROUTER_HANDOVER, &off, sizeof off);
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(s, ZMQ_RCVHWM, &rcv, sizeof rcv);
    }
    if (type == ZMQ_XPUB) {
        //  XPUB, not PUB: its subscriptions arrive as messages, so events are formatted only
        //  while somebody listens. VERBOSER passes every subscribe and unsubscribe.
        int hwm = set->events_sndhwm, on = 1;
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(s, ZMQ_XPUB_VERBOSER, &on, sizeof on);
        //  Subscriptions are what a peer sends here: each at most max_subscription_bytes (a
        //  longer one closes its connection inside libzmq), and few queued per peer.
        int64_t sub_max = (int64_t)set->events_max_sub_bytes + 1;
        int rcvhwm = 64;
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &sub_max, sizeof sub_max);
        zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    }
    //  The EA-facing sockets authenticate with CURVE, each in its own ZAP domain (who may
    //  hold it: core_security.c); control and events stay loopback.
    if (zap_channel && core_security_apply(core, s, zap_channel) != 0) {
        snprintf(err, errlen, "%s: cannot set CURVE and ZAP domain: %s", name, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    //  The control socket's file is the operator's credential when there is no token: owner
    //  and group only (0660), set by the umask at creation, so it is never open in between.
    bool guard = control && strncmp(endpoint, "ipc://", 6) == 0;
    mode_t mask = guard ? umask(0117) : 0;
    int bound = zmq_bind(s, endpoint);
    if (guard)
        umask(mask);
    if (bound != 0) {
        snprintf(err, errlen, "%s: cannot bind %s: %s", name, endpoint, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    size_t size = CORE_ENDPOINT_MAX;
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, effective, &size) != 0)
        snprintf(effective, CORE_ENDPOINT_MAX, "%s", endpoint);
    return s;
}

//  The accounts with an endpoint pair of their own (accounts.<x>.command_endpoint and
//  .feedback_endpoint; the accounts module validates them for --check-config).
static int s_pairs_read(bitten_core_t *core, char *err, size_t errlen)
{
    zconfig_t *section = bitten_config_section(core->cfg, "accounts");
    size_t n = 0;
    for (zconfig_t *e = section ? zconfig_child(section) : NULL; e; e = zconfig_next(e)) {
        zconfig_t *c = zconfig_locate(e, "command_endpoint"), *f = zconfig_locate(e, "feedback_endpoint");
        zconfig_t *u = zconfig_locate(e, "uuid");
        const char *cmd = c ? zconfig_value(c) : "", *fb = f ? zconfig_value(f) : "";
        const char *uuid = u ? zconfig_value(u) : "";
        if (!*cmd && !*fb)
            continue;
        if (!*cmd || !*fb || !bitten_valid_id(uuid) || strlen(cmd) >= CORE_ENDPOINT_MAX ||
            strlen(fb) >= CORE_ENDPOINT_MAX) {
            snprintf(err, errlen, "config: key 'accounts.%.40s': command_endpoint and "
                     "feedback_endpoint go together, with a valid uuid", zconfig_name(e));
            return -1;
        }
        if (n == CORE_MAX_ACCOUNT_PAIRS) {
            snprintf(err, errlen, "config: key 'accounts.%.40s': more than %d accounts with "
                     "their own endpoints", zconfig_name(e), CORE_MAX_ACCOUNT_PAIRS);
            return -1;
        }
        if (!core->pairs) {
            core->pairs = calloc(CORE_MAX_ACCOUNT_PAIRS, sizeof *core->pairs);
            if (!core->pairs) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
        core_pair_t *p = &core->pairs[n++];
        snprintf(p->uuid, sizeof p->uuid, "%s", uuid);
        snprintf(p->cfg_command, sizeof p->cfg_command, "%s", cmd);
        snprintf(p->cfg_feedback, sizeof p->cfg_feedback, "%s", fb);
        core->n_pairs = n;
    }
    return 0;
}

static void s_src_init(core_src_t *src, bitten_core_t *core, core_src_kind_t kind,
                       const char *channel, const char *uuid)
{
    src->core = core;
    src->kind = kind;
    src->channel = channel;
    snprintf(src->uuid, sizeof src->uuid, "%s", uuid ? uuid : "");
}

static int s_pairs_bind(bitten_core_t *core, char *err, size_t errlen)
{
    for (size_t i = 0; i < core->n_pairs; i++) {
        core_pair_t *p = &core->pairs[i];
        char name[160], cmd_ch[96], fb_ch[96];
        snprintf(cmd_ch, sizeof cmd_ch, "account.%s.command", p->uuid);
        snprintf(fb_ch, sizeof fb_ch, "account.%s.feedback", p->uuid);
        snprintf(name, sizeof name, "accounts.%s.command_endpoint", p->uuid);
        p->command =
            s_socket(core, ZMQ_PUSH, name, cmd_ch, p->cfg_command, p->ep_command, err, errlen);
        if (!p->command)
            return -1;
        snprintf(name, sizeof name, "accounts.%s.feedback_endpoint", p->uuid);
        p->feedback =
            s_socket(core, ZMQ_PULL, name, fb_ch, p->cfg_feedback, p->ep_feedback, err, errlen);
        if (!p->feedback)
            return -1;
        s_src_init(&p->src, core, CORE_SRC_ACCOUNT, "account", p->uuid);
        if (core_peers_start(core, &p->command_peers, p->command, cmd_ch) != 0 ||
            core_peers_start(core, &p->feedback_peers, p->feedback, fb_ch) != 0) {
            snprintf(err, errlen, "cannot start socket monitors: %s", zmq_strerror(errno));
            return -1;
        }
        p->feedback_watch =
            zwatch_new(core->loop, p->feedback, ZMQ_POLLIN, core_feedback_cb, &p->src);
        if (!p->feedback_watch) {
            snprintf(err, errlen, "cannot watch sockets: %s", zmq_strerror(errno));
            return -1;
        }
    }
    return 0;
}

int core_channels_bind(bitten_core_t *core, char *err, size_t errlen)
{
    const core_settings_t *set = &core->set;
    bool pull = strcmp(set->feedback_socket, "pull") == 0;
    if (s_pairs_read(core, err, errlen) != 0)
        return -1;
    s_src_init(&core->src_feedback, core, CORE_SRC_FEEDBACK, "feedback", NULL);
    s_src_init(&core->src_confirm, core, CORE_SRC_CONFIRM, "confirm", NULL);
    s_src_init(&core->src_router, core, CORE_SRC_ROUTER, "router", NULL);
    core->command = s_socket(core, ZMQ_PUSH, "command.endpoint", "command", set->ep_command,
                             core->ep_command, err, errlen);
    if (!core->command)
        return -1;
    core->feedback = s_socket(core, pull ? ZMQ_PULL : ZMQ_SUB, "feedback.endpoint", "feedback",
                              set->ep_feedback, core->ep_feedback, err, errlen);
    if (!core->feedback)
        return -1;
    core->router = s_socket(core, ZMQ_ROUTER, "router.endpoint", "router", set->ep_router,
                            core->ep_router, err, errlen);
    if (!core->router)
        return -1;
    core->confirm = s_socket(core, ZMQ_PULL, "confirm.endpoint", "confirm", set->ep_confirm,
                             core->ep_confirm, err, errlen);
    if (!core->confirm)
        return -1;
    //  A ROUTER answering REQs like a REP would (why: core_control.c).
    core->control = s_socket(core, ZMQ_ROUTER, "control.endpoint", NULL, set->ep_control,
                             core->ep_control, err, errlen);
    if (!core->control)
        return -1;
    core->events = s_socket(core, ZMQ_XPUB, "events.endpoint", NULL, set->ep_events,
                            core->ep_events, err, errlen);
    if (!core->events)
        return -1;
    if (s_pairs_bind(core, err, errlen) != 0)
        return -1;
    if (core_peers_start(core, &core->command_peers, core->command, "command") != 0 ||
        core_peers_start(core, &core->feedback_peers, core->feedback, "feedback") != 0 ||
        core_peers_start(core, &core->router_peers, core->router, "router") != 0 ||
        core_peers_start(core, &core->confirm_peers, core->confirm, "confirm") != 0 ||
        core_peers_start(core, &core->events_peers, core->events, "events") != 0) {
        snprintf(err, errlen, "cannot start socket monitors: %s", zmq_strerror(errno));
        return -1;
    }
    core->feedback_watch =
        zwatch_new(core->loop, core->feedback, ZMQ_POLLIN, core_feedback_cb, &core->src_feedback);
    core->router_watch =
        zwatch_new(core->loop, core->router, ZMQ_POLLIN, core_feedback_cb, &core->src_router);
    core->confirm_watch =
        zwatch_new(core->loop, core->confirm, ZMQ_POLLIN, core_feedback_cb, &core->src_confirm);
    core->control_watch = zwatch_new(core->loop, core->control, ZMQ_POLLIN, core_control_cb, core);
    core->events_watch = zwatch_new(core->loop, core->events, ZMQ_POLLIN, s_events_cb, core);
    if (!core->feedback_watch || !core->control_watch || !core->events_watch ||
        !core->router_watch || !core->confirm_watch) {
        snprintf(err, errlen, "cannot watch sockets: %s", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

static void s_close(void **socket)
{
    if (*socket) {
        zmq_close(*socket);
        *socket = NULL;
    }
}

void core_channels_close(bitten_core_t *core)
{
    zwatch_destroy(&core->feedback_watch);
    zwatch_destroy(&core->router_watch);
    zwatch_destroy(&core->confirm_watch);
    zwatch_destroy(&core->control_watch);
    zwatch_destroy(&core->events_watch);
    core_peers_stop(&core->command_peers, core->command);
    core_peers_stop(&core->feedback_peers, core->feedback);
    core_peers_stop(&core->router_peers, core->router);
    core_peers_stop(&core->confirm_peers, core->confirm);
    for (size_t i = 0; i < core->n_pairs; i++) {
        core_pair_t *p = &core->pairs[i];
        zwatch_destroy(&p->feedback_watch);
        core_peers_stop(&p->command_peers, p->command);
        core_peers_stop(&p->feedback_peers, p->feedback);
        s_close(&p->command);
        s_close(&p->feedback);
    }
    free(core->pairs);
    core->pairs = NULL;
    core->n_pairs = 0;
    core_peers_stop(&core->events_peers, core->events);
    s_close(&core->command);
    s_close(&core->feedback);
    s_close(&core->router);
    s_close(&core->confirm);
    s_close(&core->control);
    s_close(&core->events);
}
