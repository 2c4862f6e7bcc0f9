/*  core_feedback.c: the feedback dispatch: read a frame, decode it, check whose it is (CURVE),
 *  count it and publish it on the bus; every refused frame goes through core_reject(). */
#include <errno.h>
#include <string.h>

#include "bitten/dialect.h"
#include "core/core_internal.h"

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

/* ---------------------------------------------------------------- rejects */

void core_reject(bitten_core_t *core, const char *channel, bitten_reason_t reason,
                 const char *field, const char *detail, const void *data, size_t len)
{
    core_stats_t *st = &core->stats;
    st->rejects[reason]++;
    char excerpt[1024 * 4 + 16];
    bitten_log_excerpt(data, len, (size_t)core->set.reject_excerpt_bytes, excerpt, sizeof excerpt);

    //  One line per reason per interval; the counter and the event carry every reject.
    bitten_ms_t now = core_daemon_ms(core);
    if (now - st->reject_logged_ms[reason] >= core->set.reject_log_interval_ms) {
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
        core_reject(core, "feedback", BITTEN_R_UUID_NOT_AUTHORIZED, "uuid",
                    "the EA's certificate names no account (metadata uuid)", data, len);
        return -1;
    }
    if (*uuid && strcmp(uuid, key_uuid) != 0) {
        char detail[200];
        snprintf(detail, sizeof detail, "frame speaks for '%.64s', its key is for '%.64s'", uuid,
                 key_uuid);
        core_reject(core, "feedback", BITTEN_R_UUID_NOT_AUTHORIZED, "uuid", detail, data, len);
        return -1;
    }
    if (!*uuid)
        bitten_frame_set_uuid(core->frame, key_uuid);
    return 0;
}

//  The largest UTC offset a broker's server time can have: EA dialects stamp server time, and
//  a wrong feedback.server_utc_offset_s (alarmed elsewhere: CLOCK_SKEW) must not blind them.
#define SERVER_TIME_SLACK_MS (14LL * 3600 * 1000)

bool core_frame_time_ok(const bitten_frame_t *f, bitten_ms_t wall, int64_t max_age_ms,
                        int64_t max_future_ms)
{
    bitten_ms_t ts = f->type == BITTEN_FRAME_TELEMETRY   ? f->u.telemetry.timestamp
                     : f->type == BITTEN_FRAME_HEARTBEAT ? f->u.heartbeat.timestamp
                                                         : 0;
    if (ts == 0)
        return true; /* unstamped, or a frame whose age is not account state */
    int64_t slack = f->dialect == BITTEN_DIALECT_CONTRACT ? 0 : SERVER_TIME_SLACK_MS;
    return wall - ts <= max_age_ms + slack && ts - wall <= max_future_ms + slack;
}

//  Account state stamped far from now (telemetry from 2001, an EA whose clock is off) is
//  refused, so it can never count as fresh. Ages still run from the receipt, not the stamp.
static int s_check_time(bitten_core_t *core, const char *data, size_t len)
{
    bitten_ms_t wall = core_wall_ms(core);
    if (core_frame_time_ok(core->frame, wall, core->set.max_frame_age_ms,
                           core->set.max_frame_future_ms))
        return 0;
    const bitten_frame_t *f = core->frame;
    bitten_ms_t ts =
        f->type == BITTEN_FRAME_TELEMETRY ? f->u.telemetry.timestamp : f->u.heartbeat.timestamp;
    char detail[160];
    snprintf(detail, sizeof detail, "%s stamped %+lld s from the wall clock (dialect %s)",
             bitten_frame_type_str(f->type), (long long)((ts - wall) / 1000),
             bitten_dialect_str(f->dialect));
    core_reject(core, "feedback", BITTEN_R_FRAME_TIME_OUT_OF_RANGE, "timestamp", detail, data, len);
    return -1;
}

static void s_handle_feedback(bitten_core_t *core, zmq_msg_t *msg, const char *data, size_t len)
{
    bitten_decode_error_t err;
    core->stats.bytes_in += len;
    if (bitten_decode(BITTEN_DIR_FEEDBACK, data, len, &core->decode_opts, core->frame, &err) != 0) {
        core_reject(core, "feedback", err.reason, err.field, err.detail, data, len);
        return;
    }
    if (s_check_account(core, msg, data, len) != 0 || s_check_time(core, data, len) != 0)
        return;
    core->stats.frames_in[core->frame->type]++;
    bitten_bus_publish(core->bus, s_frame_events[core->frame->type], core->frame);
}

//  Reads one whole message; a multipart message is drained and refused as a whole.
void core_feedback_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    for (int n = 0; n < core->set.max_frames; n++) {
        zmq_msg_t msg;
        if (!core_recv_next(socket, &msg)) {
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
            core_reject(core, "feedback", BITTEN_R_MULTIPART_FRAME, "", detail, "", 0);
            zmq_msg_close(&msg);
            continue;
        }
        s_handle_feedback(core, &msg, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}
