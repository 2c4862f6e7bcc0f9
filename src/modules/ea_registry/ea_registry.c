/*  ea_registry.c: EA liveness from feedback frames, command-peer count from the socket
 *  monitor, pings for round-trip time; publishes ea.online / ea.offline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <ev.h>

#include "bitten/slots.h"

#include "modules/ea_registry/ea_registry.h"

#define REG_PINGS 16
#define REG_STATUS_LIST_MAX 200

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    bitten_ms_t first_seen, last_seen;
    bool online;
    uint64_t frames;
    bitten_frame_type_t last_type;
    char ea_version[BITTEN_NAME_MAX + 1];
    char server[BITTEN_NAME_MAX + 1];
    int64_t account;
    double rtt_ms; /* < 0 until measured */
} s_ea_t;

struct ea_registry {
    bitten_core_t *core;
    bitten_log_t *log;
    zhashx_t *eas;          /* uuid -> s_ea_t* (owned; never removed before destroy) */
    bitten_slots_t by_slot; /* account slot -> s_ea_t* (borrowed from eas): the frame path */
    bitten_ms_t offline_after_ms;
    int command_peers;
    int online_count;
    uint64_t anonymous_frames;
    uint64_t pings_sent, pongs_matched, pongs_unmatched;
    ea_registry_ping_t pings[REG_PINGS];
    unsigned ping_seq;
    ev_timer check_timer, ping_timer;
};

bool ea_registry_is_live(bitten_ms_t last_seen_ms, bitten_ms_t now_ms, bitten_ms_t offline_after_ms)
{
    //  A last_seen ahead of now (it cannot be on the monotonic daemon clock) is not a live EA.
    return now_ms >= last_seen_ms && now_ms - last_seen_ms < offline_after_ms;
}

int ea_registry_pong_slot(const ea_registry_ping_t *pings, size_t n, const char *uuid,
                          const char *ping_id)
{
    int found = -1, outstanding = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pings[i].ping_id[0])
            continue;
        if (ping_id && ping_id[0]) {
            if (strcmp(pings[i].ping_id, ping_id) == 0)
                return (int)i;
        } else if (uuid && uuid[0] && strcmp(pings[i].uuid, uuid) == 0) {
            found = (int)i;
            outstanding++;
        }
    }
    return outstanding == 1 ? found : -1;
}

static void s_ea_free(void **item)
{
    free(*item);
    *item = NULL;
}

static void s_publish(ea_registry_t *self, s_ea_t *ea, bool online, const char *why)
{
    bitten_ea_event_t ev = {ea->uuid, ea->last_seen, why};
    bitten_bus_publish(bitten_core_bus(self->core), online ? BITTEN_EV_EA_ONLINE : BITTEN_EV_EA_OFFLINE,
                       &ev);
    char ts[32];
    bitten_format_time(ea->last_seen, ts, sizeof ts);
    bitten_core_emit(self->core, online ? "ea.online" : "ea.offline",
                     json_pack("{s:s, s:s, s:s}", "uuid", ea->uuid, "last_seen", ts, "why", why));
    if (online)
        BLOG_INFO(self->log, "ea_registry", "ea.online", "uuid=%s why=%s online=%d", ea->uuid, why,
                  self->online_count);
    else
        BLOG_WARN(self->log, "ea_registry", "ea.offline", "uuid=%s why=%s last_seen=%s online=%d",
                  ea->uuid, why, ts, self->online_count);
}

static void s_set_online(ea_registry_t *self, s_ea_t *ea, bool online, const char *why)
{
    if (ea->online == online)
        return;
    ea->online = online;
    self->online_count += online ? 1 : -1;
    s_publish(self, ea, online, why);
}

static s_ea_t *s_touch(ea_registry_t *self, const bitten_frame_t *frame)
{
    const char *uuid = bitten_frame_uuid(frame);
    //  The core resolved the frame's account once: its slot finds the entry without hashing
    //  the uuid (checked: a slot is a hint); an unknown account's frame is looked up by uuid.
    const bitten_frame_ctx_t *fx = bitten_core_frame_ctx(self->core, frame);
    int slot = fx && *uuid ? fx->account.slot : -1;
    bitten_ms_t now = fx ? fx->now_ms : bitten_core_now_ms(self->core);
    s_ea_t *ea = bitten_slots_get(&self->by_slot, slot);
    if (ea && strcmp(ea->uuid, uuid) != 0)
        ea = NULL;
    //  The core attributes every account frame; a uuid-less one is market data of nobody.
    if (!ea && *uuid && (ea = zhashx_lookup(self->eas, uuid)) != NULL)
        bitten_slots_put(&self->by_slot, slot, ea);
    if (!ea && !*uuid) {
        self->anonymous_frames++;
        return NULL;
    }
    if (!ea) {
        ea = calloc(1, sizeof(*ea));
        if (!ea)
            return NULL;
        snprintf(ea->uuid, sizeof ea->uuid, "%s", uuid);
        ea->first_seen = now;
        ea->rtt_ms = -1;
        zhashx_insert(self->eas, ea->uuid, ea);
        bitten_slots_put(&self->by_slot, slot, ea);
    }
    ea->last_seen = now;
    ea->frames++;
    ea->last_type = frame->type;
    return ea;
}

static void s_on_frame(void *arg, bitten_event_t event, const void *payload)
{
    ea_registry_t *self = arg;
    const bitten_frame_t *frame = payload;
    s_ea_t *ea = s_touch(self, frame);
    if (!ea)
        return;
    if (frame->type == BITTEN_FRAME_STATUS) {
        const bitten_ea_status_t *st = &frame->u.status;
        if (st->ea_version[0])
            snprintf(ea->ea_version, sizeof ea->ea_version, "%s", st->ea_version);
        if (st->server[0])
            snprintf(ea->server, sizeof ea->server, "%s", st->server);
        if (st->has_account)
            ea->account = st->account;
        if (st->status == BITTEN_EA_STATUS_SHUTDOWN) {
            s_set_online(self, ea, false, "status_shutdown");
            return;
        }
    } else if (frame->type == BITTEN_FRAME_HANDSHAKE) {
        const bitten_handshake_t *hs = &frame->u.handshake;
        if (hs->server[0])
            snprintf(ea->server, sizeof ea->server, "%s", hs->server);
        if (hs->has_account)
            ea->account = hs->account;
    } else if (frame->type == BITTEN_FRAME_PONG) {
        //  Every pong is liveness (s_touch): EA v7's heartbeats stop with the market, its
        //  pongs do not. An RTT only when the pong names its ping, or is the answer to the
        //  account's only outstanding one.
        const char *id = frame->u.pong.ping_id;
        int i = ea_registry_pong_slot(self->pings, REG_PINGS, ea->uuid, id);
        if (i >= 0) {
            ea->rtt_ms = (double)(bitten_core_now_ms(self->core) - self->pings[i].sent_ms);
            self->pings[i].ping_id[0] = '\0';
            self->pongs_matched++;
            BLOG_DEBUG(self->log, "ea_registry", "ea.rtt", "uuid=%s rtt_ms=%.0f", ea->uuid,
                       ea->rtt_ms);
        } else {
            self->pongs_unmatched++;
            //  An id-less pong while several pings of the account wait answers one of them,
            //  which is unknown: forget them all, so the next ping measures again.
            if (!id[0])
                for (int k = 0; k < REG_PINGS; k++)
                    if (strcmp(self->pings[k].uuid, ea->uuid) == 0)
                        self->pings[k].ping_id[0] = '\0';
        }
    }
    s_set_online(self, ea, true, ea->frames == 1 ? "first_frame" : "frame_after_silence");
}

static void s_on_peers(void *arg, bitten_event_t event, const void *payload)
{
    ea_registry_t *self = arg;
    self->command_peers = ((const bitten_peers_event_t *)payload)->peers;
}

static void s_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    ea_registry_t *self = w->data;
    bitten_ms_t now = bitten_core_now_ms(self->core);
    for (s_ea_t *ea = zhashx_first(self->eas); ea; ea = zhashx_next(self->eas))
        if (ea->online && !ea_registry_is_live(ea->last_seen, now, self->offline_after_ms))
            s_set_online(self, ea, false, "silent");
}

//  One ping per known EA, each on its own account's proven route (bitten_core_send_to). An
//  offline one too: an EA whose heartbeats stop while the market is closed (v7) comes back
//  online by its pong (a route that is gone refuses the send).
static void s_ping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    ea_registry_t *self = w->data;
    for (s_ea_t *ea = zhashx_first(self->eas); ea; ea = zhashx_next(self->eas)) {
        ea_registry_ping_t *slot = &self->pings[self->ping_seq % REG_PINGS];
        bitten_ping_t ping;
        ping.timestamp = bitten_core_now_ms(self->core);
        snprintf(ping.ping_id, sizeof ping.ping_id, "ping_%lld_%u", (long long)ping.timestamp,
                 self->ping_seq++);
        char frame[256];
        int len = bitten_encode_ping(&ping, frame, sizeof frame);
        bitten_reason_t reason;
        if (len > 0 && bitten_core_send_to(self->core, ea->uuid, BITTEN_FRAME_PING, frame,
                                           (size_t)len, &reason) == 0) {
            snprintf(slot->ping_id, sizeof slot->ping_id, "%s", ping.ping_id);
            snprintf(slot->uuid, sizeof slot->uuid, "%s", ea->uuid);
            slot->sent_ms = ping.timestamp;
            self->pings_sent++;
        }
    }
}

static bool s_query_is_online(void *arg, const char *uuid)
{
    ea_registry_t *self = arg;
    s_ea_t *ea = zhashx_lookup(self->eas, uuid);
    return ea && ea->online &&
           ea_registry_is_live(ea->last_seen, bitten_core_now_ms(self->core), self->offline_after_ms);
}

static int s_query_peers(void *arg)
{
    return ((ea_registry_t *)arg)->command_peers;
}

static int s_query_online(void *arg)
{
    return ((ea_registry_t *)arg)->online_count;
}

static json_t *s_ea_json(const s_ea_t *ea, bitten_ms_t now)
{
    char ts[32];
    json_t *o = json_pack("{s:s, s:b, s:s, s:f, s:I}", "uuid", ea->uuid, "online", ea->online,
                          "last_seen", bitten_format_time(ea->last_seen, ts, sizeof ts),
                          "age_s", (double)(now - ea->last_seen) / 1000.0, "frames",
                          (json_int_t)ea->frames);
    json_object_set_new(o, "last_frame", json_string(bitten_frame_type_str(ea->last_type)));
    if (ea->rtt_ms >= 0)
        json_object_set_new(o, "rtt_ms", json_real(ea->rtt_ms));
    if (ea->ea_version[0])
        json_object_set_new(o, "ea_version", json_string(ea->ea_version));
    if (ea->server[0])
        json_object_set_new(o, "server", json_string(ea->server));
    if (ea->account)
        json_object_set_new(o, "account", json_integer(ea->account));
    return o;
}

static void s_status(void *arg, json_t *section)
{
    ea_registry_t *self = arg;
    bitten_ms_t now = bitten_core_now_ms(self->core);
    json_object_set_new(section, "known", json_integer((json_int_t)zhashx_size(self->eas)));
    json_object_set_new(section, "online", json_integer(self->online_count));
    json_object_set_new(section, "command_peers", json_integer(self->command_peers));
    json_object_set_new(section, "anonymous_frames", json_integer((json_int_t)self->anonymous_frames));
    json_object_set_new(section, "pings_sent", json_integer((json_int_t)self->pings_sent));
    json_object_set_new(section, "pongs_matched", json_integer((json_int_t)self->pongs_matched));
    json_object_set_new(section, "pongs_unmatched",
                        json_integer((json_int_t)self->pongs_unmatched));
    if (!bitten_core_status_lists(self->core))
        return; /* counts only: the list is `eas` (or status with lists) */
    json_t *list = json_array();
    size_t n = 0;
    for (s_ea_t *ea = zhashx_first(self->eas); ea; ea = zhashx_next(self->eas))
        if (n++ < REG_STATUS_LIST_MAX)
            json_array_append_new(list, s_ea_json(ea, now));
    json_object_set_new(section, "list", list);
    json_object_set_new(section, "list_truncated", json_boolean(n > REG_STATUS_LIST_MAX));
}

static bitten_reason_t s_control_eas(void *arg, const json_t *request, json_t *reply)
{
    ea_registry_t *self = arg;
    bitten_ms_t now = bitten_core_now_ms(self->core);
    json_t *list = json_array();
    for (s_ea_t *ea = zhashx_first(self->eas); ea; ea = zhashx_next(self->eas))
        json_array_append_new(list, s_ea_json(ea, now));
    json_object_set_new(reply, "eas", list);
    json_object_set_new(reply, "command_peers", json_integer(self->command_peers));
    return BITTEN_R_OK;
}

static const bitten_event_t s_frame_events[] = {
    BITTEN_EV_TELEMETRY, BITTEN_EV_TRADE_RESULT, BITTEN_EV_EA_HEARTBEAT,
    BITTEN_EV_EA_ERROR,  BITTEN_EV_EA_STATUS,    BITTEN_EV_PONG,
    BITTEN_EV_TICK,      BITTEN_EV_CANDLE_BATCH, BITTEN_EV_HANDSHAKE,
};

ea_registry_t *ea_registry_new(bitten_core_t *core)
{
    ea_registry_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    const bitten_config_t *cfg = bitten_core_config(core);
    self->core = core;
    self->log = bitten_core_log(core);
    self->offline_after_ms = bitten_config_int(cfg, "ea.offline_after_s") * 1000;
    self->eas = zhashx_new();
    if (!self->eas) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->eas, s_ea_free);
    bitten_bus_t *bus = bitten_core_bus(core);
    for (size_t i = 0; i < sizeof s_frame_events / sizeof *s_frame_events; i++)
        bitten_bus_subscribe(bus, s_frame_events[i], s_on_frame, self);
    bitten_bus_subscribe(bus, BITTEN_EV_COMMAND_PEERS, s_on_peers, self);
    bitten_ea_query_t query = {self, s_query_peers, s_query_is_online, s_query_online};
    bitten_core_set_ea_query(core, &query);
    bitten_core_status_register(core, "eas", s_status, self);
    bitten_core_control_register(core, "eas", BITTEN_CONTROL_READ, NULL, s_control_eas, self);

    struct ev_loop *loop = bitten_core_loop(core);
    double check_s = (double)bitten_config_int(cfg, "ea.check_interval_ms") / 1000.0;
    ev_timer_init(&self->check_timer, s_check_cb, check_s, check_s);
    self->check_timer.data = self;
    ev_timer_start(loop, &self->check_timer);
    double ping_s = (double)bitten_config_int(cfg, "ea.ping_interval_s");
    ev_timer_init(&self->ping_timer, s_ping_cb, ping_s, ping_s);
    self->ping_timer.data = self;
    if (ping_s > 0)
        ev_timer_start(loop, &self->ping_timer);
    //  While the market is closed EA v7 sends nothing by itself (its heartbeat runs on the
    //  stopped server clock): only its pongs keep it online.
    if (ping_s <= 0 || ping_s * 1000 >= (double)self->offline_after_ms)
        BLOG_WARN(self->log, "ea_registry", "ping.too_rare",
                  "ping_interval_s=%.0f offline_after_s=%lld why=\"EAs whose heartbeats stop "
                  "while the market is closed (v7) go offline: set ea.ping_interval_s below "
                  "ea.offline_after_s\"",
                  ping_s, (long long)(self->offline_after_ms / 1000));
    return self;
}

void ea_registry_destroy(ea_registry_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ea_registry_t *self = *self_p;
    struct ev_loop *loop = bitten_core_loop(self->core);
    ev_timer_stop(loop, &self->check_timer);
    ev_timer_stop(loop, &self->ping_timer);
    bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
    bitten_ea_query_t none = {0};
    bitten_core_set_ea_query(self->core, &none);
    bitten_slots_free(&self->by_slot);
    zhashx_destroy(&self->eas);
    free(self);
    *self_p = NULL;
}
