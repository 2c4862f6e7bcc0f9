/*  feedback.c: the contract feedback frames (status, handshake, telemetry, heartbeat, error). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <czmq.h>
#include <zmq.h>

#include "sim.h"

void sim_send_status(sim_t *self, bitten_ea_status_kind_t kind)
{
    bitten_ea_status_t st;
    memset(&st, 0, sizeof st);
    snprintf(st.uuid, sizeof st.uuid, "%s", self->opt.uuid);
    st.status = kind;
    snprintf(st.ea_version, sizeof st.ea_version, "%s", self->opt.ea_version);
    st.account = self->opt.account;
    st.has_account = true;
    snprintf(st.server, sizeof st.server, "%s", self->opt.server);
    st.timestamp = sim_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_ea_status(&st, buf, sizeof buf);
    if (len < 0) {
        sim_log(self, SIM_ERROR, "encode.failed", "frame=status");
        return;
    }
    sim_send(self, buf, (size_t)len);
    self->n.status_sent++;
    sim_log(self, SIM_INFO, "status.sent", "status=%s", bitten_ea_status_kind_str(kind));
}

void sim_send_handshake(sim_t *self)
{
    bitten_handshake_t hs;
    memset(&hs, 0, sizeof hs);
    snprintf(hs.uuid, sizeof hs.uuid, "%s", self->opt.uuid);
    hs.account = self->opt.account;
    hs.has_account = true;
    snprintf(hs.broker, sizeof hs.broker, "%s", self->opt.broker);
    snprintf(hs.server, sizeof hs.server, "%s", self->opt.server);
    snprintf(hs.symbols, sizeof hs.symbols, "%s", self->opt.symbols);
    hs.balance = sim_round_to(self->balance, 2);
    hs.equity = sim_equity(self);
    hs.has_balance = hs.has_equity = true;
    hs.timestamp = sim_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_handshake(&hs, buf, sizeof buf);
    if (len < 0) {
        sim_log(self, SIM_ERROR, "encode.failed", "frame=handshake");
        return;
    }
    sim_send(self, buf, (size_t)len);
    sim_log(self, SIM_INFO, "handshake.sent", "uuid=%s account=%" PRId64, hs.uuid, hs.account);
}

void sim_send_telemetry(sim_t *self)
{
    bitten_telemetry_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.uuid, sizeof t.uuid, "%s", self->opt.uuid);
    t.balance = sim_round_to(self->balance, 2);
    t.equity = sim_equity(self);
    t.margin = sim_margin(self);
    t.free_margin = sim_round_to(t.equity - t.margin, 2);
    t.profit = sim_round_to(sim_profit_open(self), 2);
    t.has_margin = t.has_free_margin = t.has_profit = true;
    if (t.margin > 0) {
        t.margin_level = sim_round_to(t.equity / t.margin * 100.0, 2);
        t.has_margin_level = true;
    }
    t.positions = (int64_t)self->pos_count;
    t.has_positions = true;
    t.leverage = self->opt.leverage;
    t.has_leverage = true;
    snprintf(t.currency, sizeof t.currency, "USD");
    t.timestamp = sim_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_telemetry(&t, buf, sizeof buf);
    if (len < 0) {
        sim_log(self, SIM_ERROR, "encode.failed", "frame=telemetry");
        return;
    }
    sim_send(self, buf, (size_t)len);
    self->n.telemetry_sent++;
    sim_log(self, SIM_INFO, "telemetry.sent", "balance=%.2f equity=%.2f margin=%.2f positions=%zu",
            t.balance, t.equity, t.margin, self->pos_count);
}

void sim_send_heartbeat(sim_t *self)
{
    bitten_ea_heartbeat_t hb;
    memset(&hb, 0, sizeof hb);
    if (!self->opt.no_uuid_heartbeat)
        snprintf(hb.uuid, sizeof hb.uuid, "%s", self->opt.uuid);
    hb.balance = sim_round_to(self->balance, 2);
    hb.equity = sim_equity(self);
    hb.has_balance = hb.has_equity = true;
    hb.positions = (int64_t)self->pos_count;
    hb.has_positions = true;
    hb.timestamp = sim_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_ea_heartbeat(&hb, buf, sizeof buf);
    if (len < 0) {
        sim_log(self, SIM_ERROR, "encode.failed", "frame=heartbeat");
        return;
    }
    sim_send(self, buf, (size_t)len);
    self->n.heartbeats_sent++;
    sim_log(self, SIM_INFO, "heartbeat.sent", "positions=%zu", self->pos_count);
}

/*  Sends, delays or drops one trade_result, as the fault flags say. */
void sim_send_error(sim_t *self, const char *signal_id, const char *text)
{
    bitten_ea_error_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.uuid, sizeof e.uuid, "%s", self->opt.uuid);
    snprintf(e.signal_id, sizeof e.signal_id, "%s", signal_id ? signal_id : "");
    snprintf(e.error, sizeof e.error, "%s", text);
    e.timestamp = sim_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_ea_error(&e, buf, sizeof buf);
    if (len < 0) {
        sim_log(self, SIM_ERROR, "encode.failed", "frame=error");
        return;
    }
    sim_send(self, buf, (size_t)len);
    self->n.errors_sent++;
    sim_log(self, SIM_INFO, "error.sent", "signal_id=%s error=\"%s\"", e.signal_id, e.error);
}
