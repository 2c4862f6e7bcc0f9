/*  core_peers.c: the peer monitor: ZeroMQ socket monitors on every EA-facing socket count
 *  connected peers by fd, log auth failures and publish COMMAND_PEERS (shared PUSH) on the bus. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"

//  Marks fd up or down; returns false when nothing changed (an event for an unknown fd).
static bool s_peers_mark(core_peers_t *p, int fd, bool up)
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

static void s_peers_event(bitten_core_t *core, core_peers_t *p, uint16_t event, int fd,
                          const char *endpoint)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
        event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        //  A key refused by the ZAP handler (auth) or a peer without CURVE (protocol): it gets
        //  nothing and sends nothing. Counted, logged (repeats fold into log.suppressed).
        p->auth_failures++;
        BLOG_WARN(core->log, "core", "peer.auth_failed", "channel=%s kind=%s", p->channel,
                  event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "key_refused" : "handshake");
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
    //  Events subscribers come and go (bittenctl tail, a flood being shed): debug only.
    BLOG(core->log, p == &core->events_peers ? BITTEN_LOG_DEBUG : BITTEN_LOG_INFO, "core",
         connected ? "peer.connected" : "peer.disconnected", "channel=%s peers=%d fd=%d",
         p->channel, p->count, fd);
    if (p == &core->command_peers) {
        bitten_peers_event_t ev = {p->count, endpoint, connected};
        bitten_bus_publish(core->bus, BITTEN_EV_COMMAND_PEERS, &ev);
    }
}

//  True when the monitor was read until it had nothing more.
static bool s_monitor_read(bitten_core_t *core, core_peers_t *p, void *socket, int max)
{
    for (int n = 0; n < max; n++) {
        zmq_msg_t head, addr;
        if (!core_recv_next(socket, &head))
            return errno == EAGAIN;
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
    return false;
}

static void s_monitor_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    core_peers_t *p = arg;
    //  The monitor PAIR is read here and by core_peers_drain (to EAGAIN too), nowhere else.
    if (s_monitor_read(p->core, p, socket, p->core->set.max_frames))
        zwatch_drained(watch);
}

void core_peers_drain(bitten_core_t *core, core_peers_t *p)
{
    if (p->monitor)
        s_monitor_read(core, p, p->monitor, INT32_MAX);
}

int core_peers_start(bitten_core_t *core, core_peers_t *p, void *socket, const char *channel)
{
    char ep[160];
    p->core = core;
    snprintf(p->channel, sizeof p->channel, "%s", channel);
    snprintf(ep, sizeof ep, "inproc://bitten.monitor.%s", channel);
    if (zmq_socket_monitor(
            socket, ep,
            ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
        return -1;
    p->monitor = zmq_socket(core->zctx, ZMQ_PAIR);
    if (!p->monitor || zmq_connect(p->monitor, ep) != 0)
        return -1;
    p->watch = zwatch_new(core->loop, p->monitor, ZMQ_POLLIN, s_monitor_cb, p);
    return p->watch ? 0 : -1;
}

json_t *core_peers_json(const core_peers_t *p, const char *endpoint)
{
    return json_pack("{s:s, s:i, s:I, s:I, s:I}", "endpoint", endpoint, "peers", p->count,
                     "connects", (json_int_t)p->connects, "disconnects",
                     (json_int_t)p->disconnects, "auth_failures", (json_int_t)p->auth_failures);
}

void core_peers_stop(core_peers_t *p, void *socket)
{
    zwatch_destroy(&p->watch);
    if (socket)
        zmq_socket_monitor(socket, NULL, 0);
    if (p->monitor) {
        zmq_close(p->monitor);
        p->monitor = NULL;
    }
    free(p->connected);
    p->connected = NULL;
    p->cap = 0;
}
