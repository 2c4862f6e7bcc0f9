/*  faults.c: the outgoing frame path and the faults injected on it (garbage frames, dropped or
 * delayed results). */
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

/*  Garbage frames for --garbage-every, sent in this order, cycling. */
static const char *const s_garbage[] = {
    "not json",
    "[1,2]",
    "{\"type\":\"nope\"}",
    "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":\"x\"}",
    ("{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":NaN,\"ask\":1.1,\"spread\":10,\"volume\":0,"
     "\"timestamp\":\"2025-09-15T19:33:52.000Z\"}"),
};
#define SIM_GARBAGE_COUNT (sizeof s_garbage / sizeof s_garbage[0])

/* ---------------------------------------------------------------- sending */

static void s_send_bytes(sim_t *self, const char *data, size_t len)
{
    if (!self->push)
        return;
    if (zmq_send(self->push, data, len, ZMQ_DONTWAIT) < 0) {
        self->n.send_failed++;
        sim_log(self, SIM_WARN, "send.failed", "errno=%d error=\"%s\"", errno, zmq_strerror(errno));
    }
}

/*  Every outgoing frame goes through here, so --garbage-every sees them all. */
void sim_send(sim_t *self, const char *data, size_t len)
{
    self->n.frames_out++;
    if (self->opt.garbage_every > 0 && self->n.frames_out % self->opt.garbage_every == 0) {
        const char *junk = s_garbage[self->garbage_next++ % SIM_GARBAGE_COUNT];
        s_send_bytes(self, junk, strlen(junk));
        self->n.garbage_sent++;
    }
    s_send_bytes(self, data, len);
}

void sim_send_result(sim_t *self, const bitten_trade_result_t *r)
{
    const char *status = bitten_result_status_str(r->status);
    if (self->opt.drop_results) {
        self->n.results_dropped++;
        sim_log(self, SIM_WARN, "result.dropped", "signal_id=%s status=%s", r->signal_id, status);
        return;
    }
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_trade_result(r, buf, sizeof buf);
    if (len < 0) {
        sim_log(self, SIM_ERROR, "encode.failed", "frame=trade_result signal_id=%s", r->signal_id);
        return;
    }
    if (self->opt.delay_results_ms > 0) {
        if (self->out_head + self->out_count == self->out_cap) {
            if (self->out_head > 0) {
                memmove(self->outbox, self->outbox + self->out_head,
                        self->out_count * sizeof *self->outbox);
                self->out_head = 0;
            }
            if (self->out_count == self->out_cap) {
                size_t cap = self->out_cap ? self->out_cap * 2 : 64;
                sim_delayed_t *grown = realloc(self->outbox, cap * sizeof *grown);
                if (!grown) {
                    sim_log(self, SIM_ERROR, "result.lost", "signal_id=%s error=oom", r->signal_id);
                    return;
                }
                self->outbox = grown;
                self->out_cap = cap;
            }
        }
        char *copy = malloc((size_t)len);
        if (!copy) {
            sim_log(self, SIM_ERROR, "result.lost", "signal_id=%s error=oom", r->signal_id);
            return;
        }
        memcpy(copy, buf, (size_t)len);
        sim_delayed_t *d = &self->outbox[self->out_head + self->out_count++];
        d->due = sim_mono() + self->opt.delay_results_ms;
        d->len = (size_t)len;
        d->data = copy;
        sim_log(self, SIM_INFO, "result.delayed", "signal_id=%s status=%s delay_ms=%ld",
                r->signal_id, status, self->opt.delay_results_ms);
        return;
    }
    sim_send(self, buf, (size_t)len);
    self->n.results_sent++;
    sim_log(self, SIM_INFO, "result.sent", "signal_id=%s status=%s ticket=%" PRId64, r->signal_id,
            status, r->has_ticket ? r->ticket : (int64_t)0);
}

void sim_flush_outbox(sim_t *self, int64_t now, bool all)
{
    while (self->out_count > 0) {
        sim_delayed_t *d = &self->outbox[self->out_head];
        if (!all && d->due > now)
            break;
        sim_send(self, d->data, d->len);
        self->n.results_sent++;
        sim_log(self, SIM_INFO, "result.sent", "delayed=1 bytes=%zu", d->len);
        free(d->data);
        self->out_head++;
        self->out_count--;
    }
    if (self->out_count == 0)
        self->out_head = 0;
}
