/*  commands.c: the contract command channel: decode, dispatch, duplicate signal ids. */
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

/* ---------------------------------------------------------------- duplicate signal ids */

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int sim_seen_grow(sim_t *self)
{
    size_t cap = self->seen_cap ? self->seen_cap * 2 : SIM_SEEN_INITIAL;
    char(*table)[BITTEN_ID_MAX + 1] = calloc(cap, sizeof *table);
    if (!table)
        return -1;
    for (size_t i = 0; i < self->seen_cap; i++) {
        if (!self->seen[i][0])
            continue;
        size_t j = s_hash(self->seen[i]) & (cap - 1);
        while (table[j][0])
            j = (j + 1) & (cap - 1);
        memcpy(table[j], self->seen[i], sizeof table[j]);
    }
    free(self->seen);
    self->seen = table;
    self->seen_cap = cap;
    return 0;
}

/*  Records id; returns true when it had been seen before. */
static bool s_seen_check_add(sim_t *self, const char *id)
{
    if ((self->seen_count + 1) * 10 >= self->seen_cap * 7 && sim_seen_grow(self) != 0)
        return false; /* out of memory: stop counting, keep trading */
    size_t j = s_hash(id) & (self->seen_cap - 1);
    while (self->seen[j][0]) {
        if (strcmp(self->seen[j], id) == 0)
            return true;
        j = (j + 1) & (self->seen_cap - 1);
    }
    snprintf(self->seen[j], sizeof self->seen[j], "%s", id);
    self->seen_count++;
    return false;
}

/* ---------------------------------------------------------------- command frames */

static void s_on_signal(sim_t *self, const bitten_signal_cmd_t *sig)
{
    self->n.signals++;
    bool dup = s_seen_check_add(self, sig->signal_id);
    sim_log(self, SIM_INFO, "signal.received",
            "signal_id=%s symbol=%s action=%s lot=%.2f sl=%" PRId64 " tp=%" PRId64 " uuid=%s",
            sig->signal_id, sig->symbol, bitten_action_str(sig->action), sig->lot, sig->sl, sig->tp,
            sig->uuid);
    if (dup) {
        self->n.duplicates++;
        sim_log(self, SIM_WARN, "signal.duplicate", "signal_id=%s executing=1", sig->signal_id);
    }
    if (self->opt.only_uuid && sig->uuid[0] && strcmp(sig->uuid, self->opt.uuid) != 0) {
        self->n.ignored++;
        sim_log(self, SIM_INFO, "signal.ignored", "signal_id=%s uuid=%s", sig->signal_id,
                sig->uuid);
        return;
    }
    if (self->opt.honor_expiry && sig->expires_at > 0 && sim_wall() > sig->expires_at) {
        sim_reply_failed(self, sig, "Signal expired");
        return;
    }
    switch (sig->action) {
    case BITTEN_ACTION_BUY:
    case BITTEN_ACTION_SELL:
        sim_open(self, sig);
        break;
    case BITTEN_ACTION_CLOSE:
    case BITTEN_ACTION_CLOSE_ALL:
        sim_close(self, sig);
        break;
    }
}

static void s_on_ea_command(sim_t *self, const bitten_ea_command_t *cmd)
{
    switch (cmd->command) {
    case BITTEN_EA_CMD_STATUS:
        sim_log(self, SIM_INFO, "command.received", "command=status");
        sim_send_status(self, BITTEN_EA_STATUS_CONFIG);
        sim_send_telemetry(self);
        break;
    case BITTEN_EA_CMD_RESET:
        sim_log(self, SIM_INFO, "command.received", "command=reset");
        sim_send_status(self, BITTEN_EA_STATUS_RESET);
        break;
    case BITTEN_EA_CMD_SHUTDOWN:
        sim_log(self, SIM_INFO, "command.received", "command=shutdown");
        self->stop = true; /* the exit path sends status "shutdown" */
        self->stop_why = "shutdown_command";
        break;
    }
}

/*  Best effort: the signal_id of a frame the codec refused, for the error frame. */
static void s_peek_signal_id(const char *data, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    json_t *root = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, NULL);
    if (!root)
        return;
    const char *id = json_string_value(json_object_get(root, "signal_id"));
    if (id && bitten_valid_id(id))
        snprintf(out, size, "%s", id);
    json_decref(root);
}

static void s_on_command_frame(sim_t *self, const char *data, size_t len)
{
    self->last_heard = sim_mono();
    bitten_decode_error_t err;
    memset(&err, 0, sizeof err);
    if (bitten_decode(BITTEN_DIR_COMMAND, data, len, &self->dopts, self->frame, &err) != 0) {
        self->n.invalid_frames++;
        char id[BITTEN_ID_MAX + 1];
        s_peek_signal_id(data, len, id, sizeof id);
        char text[BITTEN_TEXT_MAX + 1];
        snprintf(text, sizeof text, "Invalid signal parameters: %s%s%s",
                 bitten_reason_str(err.reason), err.field[0] ? " " : "", err.field);
        for (char *q = err.detail; *q; q++) /* keep the log line parseable */
            if (*q == '"' || *q == '\n')
                *q = '\'';
        sim_log(self, SIM_WARN, "frame.invalid", "reason=%s field=%s detail=\"%s\" bytes=%zu",
                bitten_reason_str(err.reason), err.field, err.detail, len);
        sim_send_error(self, id, text);
        return;
    }
    const bitten_frame_t *f = self->frame;
    switch (f->type) {
    case BITTEN_FRAME_SIGNAL:
        s_on_signal(self, &f->u.signal);
        break;
    case BITTEN_FRAME_HEARTBEAT:
        self->n.keepalives++;
        sim_log(self, SIM_INFO, "keepalive.received", "count=%ld", self->n.keepalives);
        break;
    case BITTEN_FRAME_PING: {
        bitten_pong_t pong;
        memset(&pong, 0, sizeof pong);
        snprintf(pong.uuid, sizeof pong.uuid, "%s", self->opt.uuid);
        snprintf(pong.ping_id, sizeof pong.ping_id, "%s", f->u.ping.ping_id);
        pong.timestamp = sim_wall();
        char buf[SIM_FRAME_MAX];
        int n = bitten_encode_pong(&pong, buf, sizeof buf);
        if (n < 0) {
            sim_log(self, SIM_ERROR, "encode.failed", "frame=pong");
            break;
        }
        sim_send(self, buf, (size_t)n);
        self->n.pings++;
        sim_log(self, SIM_INFO, "ping.answered", "ping_id=%s", pong.ping_id);
        break;
    }
    case BITTEN_FRAME_COMMAND:
        s_on_ea_command(self, &f->u.command);
        break;
    case BITTEN_FRAME_CONFIG:
        sim_log(self, SIM_INFO, "config.received", "param=%s value=%g",
                f->u.config.param == BITTEN_EA_PARAM_MAGIC_NUMBER ? "magic_number" : "slippage",
                f->u.config.value);
        sim_send_status(self, BITTEN_EA_STATUS_CONFIG);
        break;
    default:
        /* the codec should not hand us feedback types on the command channel */
        self->n.invalid_frames++;
        sim_send_error(self, NULL, "Invalid signal parameters: UNKNOWN_TYPE type");
        break;
    }
}

void sim_drain_commands(sim_t *self)
{
    for (int i = 0; i < SIM_DRAIN_MAX && !self->stop; i++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, self->pull, ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(&msg);
            if (e != EAGAIN && e != EINTR)
                sim_log(self, SIM_WARN, "recv.failed", "error=\"%s\"", zmq_strerror(e));
            return;
        }
        s_on_command_frame(self, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}
