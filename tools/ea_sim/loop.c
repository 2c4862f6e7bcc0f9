/*  loop.c: the poll loop and everything time-driven. */
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

volatile sig_atomic_t sim_stop_signal = 0;

/* ---------------------------------------------------------------- the loop */

static int64_t s_period_ms(double seconds)
{
    return (int64_t)(seconds * 1000.0);
}

static void s_on_startup(sim_t *self, int64_t now)
{
    self->startup_sent = true;
    sim_send_status(self, BITTEN_EA_STATUS_STARTUP);
    sim_send_handshake(self);
    if (self->opt.telemetry_s > 0) {
        sim_send_telemetry(self);
        self->next_telemetry = now + s_period_ms(self->opt.telemetry_s);
    }
    if (self->opt.heartbeat_s > 0)
        self->next_heartbeat = now + s_period_ms(self->opt.heartbeat_s);
    for (int i = 0; i < self->opt.send_raw_count; i++) {
        sim_send(self, self->opt.send_raw[i], strlen(self->opt.send_raw[i]));
        sim_log(self, SIM_INFO, "raw.sent", "bytes=%zu", strlen(self->opt.send_raw[i]));
    }
}

/*  Everything time-driven, in one place; the poll timeout is derived from the same deadlines. */
static void s_cron(sim_t *self, int64_t now)
{
    if (!self->startup_sent) {
        if (now >= self->startup_due)
            s_on_startup(self, now);
        else
            return;
    }
    if (self->reconnected_due && now >= self->reconnected_due) {
        self->reconnected_due = 0;
        sim_send_status(self, BITTEN_EA_STATUS_RECONNECTED);
        sim_send_handshake(self);
    }
    if (self->opt.telemetry_s > 0 && now >= self->next_telemetry) {
        sim_send_telemetry(self);
        self->next_telemetry = now + s_period_ms(self->opt.telemetry_s);
    }
    if (self->opt.heartbeat_s > 0 && now >= self->next_heartbeat) {
        sim_send_heartbeat(self);
        self->next_heartbeat = now + s_period_ms(self->opt.heartbeat_s);
    }
    sim_auto_close(self, now);
    sim_flush_outbox(self, now, false);
    if (self->ticks_on)
        sim_ticks_pump(self, now);
    if (self->opt.silence_reconnect_s > 0 &&
        now - self->last_heard >= s_period_ms(self->opt.silence_reconnect_s) &&
        sim_reconnect(self, now) != 0) {
        self->stop = true;
        self->stop_why = "reconnect_failed";
    }
    if (self->opt.duration_s > 0 && now - self->start_mono >= s_period_ms(self->opt.duration_s)) {
        self->stop = true;
        self->stop_why = "duration";
    }
    if (self->opt.count_signals > 0 && self->n.signals >= self->opt.count_signals &&
        self->out_count == 0) {
        self->stop = true;
        self->stop_why = "count_signals";
    }
}

static void s_deadline(int64_t *best, int64_t when)
{
    if (when < *best)
        *best = when;
}

static long s_poll_timeout(const sim_t *self, int64_t now)
{
    int64_t next = now + SIM_POLL_MAX_MS;
    if (!self->startup_sent) {
        s_deadline(&next, self->startup_due);
    } else {
        if (self->reconnected_due)
            s_deadline(&next, self->reconnected_due);
        if (self->opt.telemetry_s > 0)
            s_deadline(&next, self->next_telemetry);
        if (self->opt.heartbeat_s > 0)
            s_deadline(&next, self->next_heartbeat);
        if (self->out_count > 0)
            s_deadline(&next, self->outbox[self->out_head].due);
        if (self->opt.auto_close_s > 0) {
            for (size_t i = 0; i < self->pos_count; i++)
                s_deadline(&next, self->pos[i].opened_mono + s_period_ms(self->opt.auto_close_s));
        }
        if (self->ticks_on) /* no item loaded yet: the burst limit was hit, continue now */
            s_deadline(&next, self->ticks.has_item ? sim_ticks_due(self) : now);
    }
    if (self->opt.silence_reconnect_s > 0)
        s_deadline(&next, self->last_heard + s_period_ms(self->opt.silence_reconnect_s));
    if (self->opt.duration_s > 0)
        s_deadline(&next, self->start_mono + s_period_ms(self->opt.duration_s));
    return next <= now ? 0 : (long)(next - now);
}

void sim_run(sim_t *self)
{
    while (!self->stop) {
        int64_t now = sim_mono();
        s_cron(self, now);
        if (self->stop)
            break;
        zmq_pollitem_t item = {self->pull, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&item, 1, s_poll_timeout(self, sim_mono()));
        if (sim_stop_signal) {
            self->stop = true;
            self->stop_why = sim_stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
            break;
        }
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            sim_log(self, SIM_ERROR, "poll.failed", "error=\"%s\"", zmq_strerror(errno));
            self->stop = true;
            self->stop_why = "poll_failed";
            break;
        }
        if (item.revents & ZMQ_POLLIN)
            sim_drain_commands(self);
    }
}
