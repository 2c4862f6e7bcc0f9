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

static void *s_socket(bitten_core_t *core, int type, const char *name, const char *endpoint,
                      char *effective, char *err, size_t errlen)
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
    //  The EA-facing sockets authenticate with CURVE; control and events stay loopback.
    if (type != ZMQ_REP && type != ZMQ_XPUB)
        core_security_apply(core, s);
    //  The control socket's file is the operator's credential when there is no token: owner
    //  and group only (0660), set by the umask at creation, so it is never open in between.
    bool guard = type == ZMQ_REP && strncmp(endpoint, "ipc://", 6) == 0;
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

int core_channels_bind(bitten_core_t *core, char *err, size_t errlen)
{
    const core_settings_t *set = &core->set;
    bool pull = strcmp(set->feedback_socket, "pull") == 0;
    core->command = s_socket(core, ZMQ_PUSH, "command.endpoint", set->ep_command, core->ep_command,
                             err, errlen);
    if (!core->command)
        return -1;
    core->feedback = s_socket(core, pull ? ZMQ_PULL : ZMQ_SUB, "feedback.endpoint",
                              set->ep_feedback, core->ep_feedback, err, errlen);
    if (!core->feedback)
        return -1;
    core->control =
        s_socket(core, ZMQ_REP, "control.endpoint", set->ep_control, core->ep_control, err, errlen);
    if (!core->control)
        return -1;
    core->events =
        s_socket(core, ZMQ_XPUB, "events.endpoint", set->ep_events, core->ep_events, err, errlen);
    if (!core->events)
        return -1;
    if (core_peers_start(core, &core->command_peers, core->command, "command") != 0 ||
        core_peers_start(core, &core->feedback_peers, core->feedback, "feedback") != 0 ||
        core_peers_start(core, &core->events_peers, core->events, "events") != 0) {
        snprintf(err, errlen, "cannot start socket monitors: %s", zmq_strerror(errno));
        return -1;
    }
    core->feedback_watch =
        zwatch_new(core->loop, core->feedback, ZMQ_POLLIN, core_feedback_cb, core);
    core->control_watch = zwatch_new(core->loop, core->control, ZMQ_POLLIN, core_control_cb, core);
    core->events_watch = zwatch_new(core->loop, core->events, ZMQ_POLLIN, s_events_cb, core);
    if (!core->feedback_watch || !core->control_watch || !core->events_watch) {
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
    zwatch_destroy(&core->control_watch);
    zwatch_destroy(&core->events_watch);
    core_peers_stop(&core->command_peers, core->command);
    core_peers_stop(&core->feedback_peers, core->feedback);
    core_peers_stop(&core->events_peers, core->events);
    s_close(&core->command);
    s_close(&core->feedback);
    s_close(&core->control);
    s_close(&core->events);
}
