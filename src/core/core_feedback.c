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

/* ---------------------------------------------------------------- attribution */

const char *core_trust_mode(const bitten_core_t *core)
{
    if (core->server_cert)
        return "curve";
    //  Shared sockets are bound too (they always are): per-account means the accounts that
    //  have their own pair are proven by endpoint; the shared ones still trust the frame.
    return core->n_pairs ? "per-account+shared-unauthenticated" : "shared-unauthenticated";
}

//  Refuses a frame from src (counted per source too). Always returns -1.
static int s_refuse(core_src_t *src, bitten_reason_t reason, const char *field,
                    const char *detail, const char *data, size_t len)
{
    src->refused++;
    core_reject(src->core, src->channel, reason, field, detail, data, len);
    return -1;
}

//  The dialect to decode a frame with: the account's pinned one; else the one it holds if the
//  frame's shape allows it; else the shape's (the first of several candidates: v2.05 and v2.02
//  write their shared frames alike); else the contract, whose decoder names what is wrong.
static bitten_dialect_t s_dialect(const bitten_account_ref_t *acc,
                                  const bitten_dialect_detect_t *seen)
{
    bitten_dialect_t pinned = acc && acc->dialect_pinned ? acc->dialect : BITTEN_DIALECT_UNKNOWN;
    bitten_dialect_t current = acc ? acc->dialect : BITTEN_DIALECT_UNKNOWN;
    bitten_dialect_t d = bitten_dialect_choose(pinned, current, seen);
    for (int i = BITTEN_DIALECT_CONTRACT; d == BITTEN_DIALECT_UNKNOWN && i < BITTEN_DIALECT_COUNT_;
         i++)
        if (seen->mask & BITTEN_DIALECT_BIT(i))
            d = (bitten_dialect_t)i;
    return d == BITTEN_DIALECT_UNKNOWN ? BITTEN_DIALECT_CONTRACT : d;
}

//  The options an EA dialect's frame is decoded with: with the accounts' normalize hook, EA
//  server time is converted there, per account.
static void s_dialect_opts(const bitten_core_t *core, bitten_dialect_t d,
                           bitten_decode_opts_t *opts)
{
    if (d != BITTEN_DIALECT_CONTRACT && core->accounts_query.normalize)
        opts->server_utc_offset_s = 0;
}

static int s_decode(bitten_core_t *core, bitten_dialect_t d, const char *data, size_t len,
                    bitten_decode_error_t *err)
{
    bitten_decode_opts_t opts = core->decode_opts;
    s_dialect_opts(core, d, &opts);
    return bitten_dialect_decode(d, BITTEN_DIR_FEEDBACK, data, len, &opts, core->frame, err);
}

//  What the first decode of a frame needs to choose its dialect from the frame's shape.
typedef struct {
    const bitten_core_t *core;
    const bitten_account_ref_t *acc; /* the account the connection proves, or NULL */
    bool v7_ok;                  /* v7 frames need an account (proven or anonymous) */
    bool anonymous;              /* acc is feedback.anonymous_account's, not proven */
    bool not_anonymous;          /* set: the frame's shape is no v7's, so not that account's */
    bitten_dialect_t chosen;
} s_pick_t;

static bitten_dialect_t s_pick(void *arg, const bitten_dialect_detect_t *seen,
                               bitten_decode_opts_t *opts)
{
    s_pick_t *p = arg;
    //  A frame whose shape no v7 writes (a v2.x TICK or handshake with its user_uuid, beside
    //  the one v7 EA) is not the anonymous account's: read it in its own dialect, not v7's.
    if (p->anonymous && seen->mask != 0 && !(seen->mask & BITTEN_DIALECT_BIT(BITTEN_DIALECT_V7))) {
        p->acc = NULL;
        p->v7_ok = false;
        p->not_anonymous = true;
    }
    bitten_dialect_t d = s_dialect(p->acc, seen);
    if (!p->v7_ok && d == BITTEN_DIALECT_V7)
        d = BITTEN_DIALECT_CONTRACT;
    s_dialect_opts(p->core, d, opts);
    p->chosen = d;
    return d;
}

static bool s_market_data(const bitten_frame_t *f)
{
    return f->type == BITTEN_FRAME_TICK || f->type == BITTEN_FRAME_CANDLE_BATCH;
}

//  An id (uuid) into a BITTEN_ID_MAX + 1 buffer, cut there: snprintf's formatting costs more
//  than the rest of the frame's account work.
static void s_copy_id(char *dst, const char *src)
{
    size_t n = strnlen(src, BITTEN_ID_MAX);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

//  The account the connection proves before the frame is read: per-account socket, CURVE key
//  metadata, or a ROUTER routing id an account holds. "" when the connection proves none;
//  else its uuid in uuid_buf (ROUTER) or src, with *acc its slot and dialect (*have_acc).
static const char *s_proven(core_src_t *src, zmq_msg_t *msg, const unsigned char *rid,
                            size_t rid_len, char *uuid_buf, bitten_account_ref_t *acc,
                            bool *have_acc)
{
    bitten_core_t *core = src->core;
    const bitten_accounts_query_t *aq = &core->accounts_query;
    *have_acc = false;
    if (src->kind == CORE_SRC_ACCOUNT) {
        *have_acc = aq->resolve && aq->resolve(aq->self, src->uuid, acc) == 0;
        return src->uuid;
    }
    if (src->kind == CORE_SRC_ROUTER && rid && aq->find_by_route) {
        bitten_account_route_t route;
        memset(&route, 0, sizeof route);
        route.has_routing_id = true;
        route.routing_id_len = rid_len;
        memcpy(route.routing_id, rid, rid_len);
        bitten_account_t found;
        if (aq->find_by_route(aq->self, &route, &found) == 0) {
            s_copy_id(uuid_buf, found.uuid);
            *have_acc = aq->resolve && aq->resolve(aq->self, uuid_buf, acc) == 0;
            return uuid_buf;
        }
    }
    return "";
}

//  A ROUTER frame from an identity no account holds: only a HELLO or HEARTBEAT whose
//  target_uuid minus its last byte IS the routing id binds it (v2.05's own rule, v205:96-102),
//  and only to an account that exists and does not hold another identity's place.
//  *pending (may be NULL): the account is not known yet but may be made on first contact by
//  this very HELLO/HEARTBEAT (the normalize hook): 0 now, and the caller learns the route
//  again once the frame has been normalized.
static int s_learn_route(core_src_t *src, const unsigned char *rid, size_t rid_len,
                         const char *data, size_t len, bool *pending)
{
    bitten_core_t *core = src->core;
    const bitten_accounts_query_t *aq = &core->accounts_query;
    const bitten_frame_t *f = core->frame;
    const char *target = f->evidence.target_uuid;
    bool hello = f->type == BITTEN_FRAME_HANDSHAKE || f->type == BITTEN_FRAME_HEARTBEAT;
    size_t tlen = strlen(target);
    if (!hello || !*target)
        return s_refuse(src, BITTEN_R_UNATTRIBUTED, "", 
                        "this DEALER identity is not bound to an account: HELLO or HEARTBEAT "
                        "with target_uuid first", data, len);
    if (tlen != rid_len + 1 || memcmp(target, rid, rid_len) != 0)
        return s_refuse(src, BITTEN_R_UUID_NOT_AUTHORIZED, "target_uuid",
                        "target_uuid minus its last byte is not the connection's identity", data,
                        len);
    //  An account with its own endpoint pair is served by that PUSH alone (docs/security.md):
    //  a route would take precedence over it (core_channels.c s_route) and send its commands
    //  to whoever spoke first on the ROUTER.
    if (core_pair_find(core, target))
        return s_refuse(src, BITTEN_R_UUID_NOT_AUTHORIZED, "target_uuid",
                        "this account has its own endpoint pair: it is never routed over the "
                        "ROUTER",
                        data, len);
    //  The same for command.account: the shared PUSH's one EA (v7, v2.02) is its route.
    if (*core->set.command_account && strcmp(core->set.command_account, target) == 0)
        return s_refuse(src, BITTEN_R_UUID_NOT_AUTHORIZED, "target_uuid",
                        "this account is command.account: it is served by the shared PUSH, "
                        "never routed over the ROUTER",
                        data, len);
    bitten_account_t acc;
    if (pending && aq->find && aq->normalize && aq->find(aq->self, target, &acc) != 0) {
        *pending = true;
        return 0;
    }
    if (!aq->find || aq->find(aq->self, target, &acc) != 0 || !aq->set_route)
        return s_refuse(src, BITTEN_R_UNKNOWN_ACCOUNT, "target_uuid",
                        "no such account (config, or first contact on the feedback socket)",
                        data, len);
    bitten_account_route_t route = acc.route;
    route.has_routing_id = true;
    route.routing_id_len = rid_len;
    memcpy(route.routing_id, rid, rid_len);
    int rc = aq->set_route(aq->self, target, &route);
    if (rc != 0) {
        core->stats.routes_refused++;
        return s_refuse(src, rc == 1 ? BITTEN_R_ROUTE_CONFLICT : BITTEN_R_INTERNAL, "target_uuid",
                        rc == 1 ? "another account holds this identity (uuids that differ only "
                                  "in their last character collide)"
                                : "the accounts module refused the route",
                        data, len);
    }
    core->stats.routes_learned++;
    BLOG_INFO(core->log, "core", "route.learned", "uuid=%s channel=router id_bytes=%zu", target,
              rid_len);
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
static int s_check_time(core_src_t *src, bitten_ms_t wall, const char *data, size_t len)
{
    bitten_core_t *core = src->core;
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
    return s_refuse(src, BITTEN_R_FRAME_TIME_OUT_OF_RANGE, "timestamp", detail, data, len);
}

static void s_forget_route(bitten_core_t *core, const char *uuid)
{
    const bitten_accounts_query_t *aq = &core->accounts_query;
    bitten_account_t acc;
    if (!aq->find || !aq->set_route || aq->find(aq->self, uuid, &acc) != 0)
        return;
    bitten_account_route_t route = acc.route;
    route.has_routing_id = false;
    route.routing_id_len = 0;
    aq->set_route(aq->self, uuid, &route);
    core->stats.routes_refused++;
    BLOG_WARN(core->log, "core", "route.forgotten",
              "uuid=%s channel=router why=\"another EA speaks on its DEALER identity\"", uuid);
}

//  Sets frame->uuid to the account the frame belongs to, or refuses it. 0 or -1.
static int s_attribute(core_src_t *src, zmq_msg_t *msg, const char *proven,
                       const unsigned char *rid, size_t rid_len, const char *data, size_t len,
                       bool *route_pending)
{
    bitten_core_t *core = src->core;
    bitten_frame_t *f = core->frame;
    const char *claimed = bitten_frame_uuid(f);
    char detail[200];
    //  CURVE: the key's certificate names the account (metadata "uuid").
    if (core->server_cert) {
        const char *key_uuid = zmq_msg_gets(msg, "uuid");
        if (!key_uuid || !bitten_valid_id(key_uuid))
            return s_refuse(src, BITTEN_R_UUID_NOT_AUTHORIZED, "uuid",
                            "the EA's certificate names no account (metadata uuid)", data, len);
        if (*proven && strcmp(proven, key_uuid) != 0) {
            snprintf(detail, sizeof detail, "the connection is '%.64s''s, its key is for '%.64s'",
                     proven, key_uuid);
            return s_refuse(src, BITTEN_R_UUID_NOT_AUTHORIZED, "uuid", detail, data, len);
        }
        proven = key_uuid;
    }
    if (src->kind == CORE_SRC_ROUTER && !*proven) {
        if (s_learn_route(src, rid, rid_len, data, len, route_pending) != 0)
            return -1;
        proven = f->evidence.target_uuid;
    }
    if (*proven) {
        if (*claimed && strcmp(claimed, proven) != 0) {
            snprintf(detail, sizeof detail, "frame speaks for '%.64s', its connection is '%.64s''s",
                     claimed, proven);
            //  Another EA now holds this DEALER identity (uuids that differ only in their
            //  last byte collide): the identity proves nothing any more. The holder's fires
            //  are refused ROUTE_UNPROVEN until its own HELLO/HEARTBEAT binds it again.
            if (src->kind == CORE_SRC_ROUTER && !core->server_cert)
                s_forget_route(core, proven);
            return s_refuse(src, BITTEN_R_UUID_NOT_AUTHORIZED, "uuid", detail, data, len);
        }
        if (!*claimed)
            bitten_frame_set_uuid(f, proven);
        return 0;
    }
    //  Shared sockets without CURVE: a uuid in the frame is the EA's word (docs/security.md).
    if (*claimed)
        return 0;
    if (src->kind == CORE_SRC_FEEDBACK && *core->set.anonymous_account) {
        core->stats.attributed_anonymous++;
        bitten_frame_set_uuid(f, core->set.anonymous_account);
        return 0;
    }
    //  Market data names no account and needs none (VENOM reads the symbol).
    if (s_market_data(f)) {
        core->stats.unattributed_market++;
        return 0;
    }
    return s_refuse(src, BITTEN_R_UNATTRIBUTED, "uuid",
                    "uuid-less frame on a shared socket: give the EA its own endpoint pair "
                    "(accounts.<x>.command_endpoint/feedback_endpoint) or set "
                    "feedback.anonymous_account",
                    data, len);
}

static void s_handle(core_src_t *src, zmq_msg_t *msg, const unsigned char *rid, size_t rid_len,
                     const char *data, size_t len)
{
    bitten_core_t *core = src->core;
    const bitten_accounts_query_t *aq = &core->accounts_query;
    core->stats.bytes_in += len;
    //  One account lookup per frame (issue 17): the account the connection proves, or the one
    //  the frame names, is resolved once here; normalize and every bus handler get its slot.
    bitten_account_ref_t acc = {.slot = -1};
    bool have_acc;
    char proven_copy[BITTEN_ID_MAX + 1];
    const char *proven = s_proven(src, msg, rid, rid_len, proven_copy, &acc, &have_acc);
    if (proven != proven_copy)
        s_copy_id(proven_copy, proven);
    //  A shared socket with no account proven: uuid-less frames are feedback.anonymous_account's
    //  (its dialect decides), or nobody's, and then they are read as the contract's.
    bool anonymous = !*proven_copy && src->kind == CORE_SRC_FEEDBACK && *core->set.anonymous_account;
    if (anonymous)
        have_acc = aq->resolve && aq->resolve(aq->self, core->set.anonymous_account, &acc) == 0;
    //  One parse: the frame's shape, then the dialect chosen from it, then the decode.
    bitten_dialect_detect_t seen;
    s_pick_t pick = {core, have_acc ? &acc : NULL, *proven_copy || anonymous, anonymous, false,
                     BITTEN_DIALECT_UNKNOWN};
    bitten_decode_error_t err;
    if (bitten_dialect_detect_decode(BITTEN_DIR_FEEDBACK, data, len, &core->decode_opts, s_pick,
                                     &pick, &seen, core->frame, &err) != 0) {
        s_refuse(src, err.reason, err.field, err.detail, data, len);
        return;
    }
    if (pick.not_anonymous)
        anonymous = have_acc = false;
    bitten_dialect_t d = pick.chosen;
    //  A frame that names its account on a shared socket: that account's pinned dialect wins.
    char named[BITTEN_ID_MAX + 1] = "";
    bitten_account_ref_t named_acc = {.slot = -1};
    bool have_named = false;
    if (!*proven_copy && *bitten_frame_uuid(core->frame) && aq->resolve) {
        s_copy_id(named, bitten_frame_uuid(core->frame));
        have_named = aq->resolve(aq->self, named, &named_acc) == 0;
    }
    if (have_named && named_acc.dialect_pinned && named_acc.dialect != d) {
        d = named_acc.dialect;
        if (s_decode(core, d, data, len, &err) != 0) {
            s_refuse(src, err.reason, err.field, err.detail, data, len);
            return;
        }
    }
    bool route_pending = false;
    if (s_attribute(src, msg, proven_copy, rid, rid_len, data, len, &route_pending) != 0)
        return;
    bitten_frame_t *f = core->frame;
    const char *uuid = bitten_frame_uuid(f);
    //  The frame's account as found above: the proven (or anonymous) one, or the named one,
    //  whichever the frame now speaks for; none found: normalize looks it up (or makes it).
    const char *acc_uuid = anonymous ? core->set.anonymous_account : proven_copy;
    bitten_account_ref_t ref = {.slot = -1};
    if (have_acc && strcmp(acc_uuid, uuid) == 0)
        ref = acc;
    else if (have_named && strcmp(named, uuid) == 0)
        ref = named_acc;
    //  The account records what its EA speaks (pinned dialects stay; unknown uuids: no-op;
    //  an account that already holds it, as found above: nothing to do).
    bool holds = ref.slot >= 0 && ref.dialect == seen.dialect;
    if (*uuid && aq->set_dialect && seen.dialect != BITTEN_DIALECT_UNKNOWN && !holds)
        aq->set_dialect(aq->self, uuid, seen.dialect);
    //  One wall-clock read serves the account's clock (normalize) and the stamp check.
    bitten_ms_t wall = core_wall_ms(core);
    if (aq->normalize) {
        bitten_reason_t why = BITTEN_R_OK;
        if (aq->normalize(aq->self, f, wall, &why, &ref) != 0) {
            s_refuse(src, why == BITTEN_R_OK ? BITTEN_R_INTERNAL : why, "",
                     "refused by the account's normalization", data, len);
            return;
        }
    }
    //  A v2.05 HELLO from a new account (it precedes the handshake): made now, route bound.
    if (route_pending && s_learn_route(src, rid, rid_len, data, len, NULL) != 0)
        return;
    if (s_check_time(src, wall, data, len) != 0)
        return;
    src->frames++;
    core->stats.frames_in[f->type]++;
    //  What the handlers read through bitten_core_frame_ctx(), valid during this publish only.
    core->frame_ctx = (bitten_frame_ctx_t){ref, core_daemon_ms(core)};
    core->frame_ctx_of = f;
    bitten_bus_publish(core->bus, s_frame_events[f->type], f);
    core->frame_ctx_of = NULL;
}

const bitten_frame_ctx_t *bitten_core_frame_ctx(const bitten_core_t *core, const void *payload)
{
    return payload && payload == core->frame_ctx_of ? &core->frame_ctx : NULL;
}

/* ---------------------------------------------------------------- receiving */

//  Drains the rest of a multipart message; returns the parts read in total.
static size_t s_drain(void *socket, zmq_msg_t *msg, size_t parts)
{
    while (zmq_msg_more(msg)) {
        zmq_msg_close(msg);
        zmq_msg_init(msg);
        if (zmq_msg_recv(msg, socket, ZMQ_DONTWAIT) < 0)
            break;
        parts++;
    }
    return parts;
}

static void s_multipart(core_src_t *src, size_t parts)
{
    char detail[64];
    snprintf(detail, sizeof detail, "%zu frames", parts);
    src->refused++;
    core_reject(src->core, src->channel, BITTEN_R_MULTIPART_FRAME, "", detail, "", 0);
}

//  Reads one whole message; a multipart message is drained and refused as a whole. On the
//  ROUTER a message is [routing id, payload]: exactly two parts.
void core_feedback_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    core_src_t *src = arg;
    bitten_core_t *core = src->core;
    for (int n = 0; n < core->set.max_frames; n++) {
        zmq_msg_t msg;
        if (!core_recv_next(socket, &msg)) {
            if (errno != EAGAIN && errno != EINTR)
                BLOG_ERROR(core->log, "core", "feedback.recv_failed", "channel=%s error=\"%s\"",
                           src->channel, zmq_strerror(errno));
            //  The PULLs are read here only; the ROUTER is also sent on (fires, pings).
            else if (errno == EAGAIN && src->kind != CORE_SRC_ROUTER)
                zwatch_drained(watch);
            return;
        }
        if (src->kind == CORE_SRC_ROUTER) {
            zmq_msg_t payload;
            zmq_msg_init(&payload);
            if (!zmq_msg_more(&msg) || zmq_msg_recv(&payload, socket, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&payload);
                zmq_msg_close(&msg);
                continue;
            }
            if (zmq_msg_more(&payload)) {
                s_multipart(src, s_drain(socket, &payload, 2));
            } else if (zmq_msg_size(&msg) >= 1 && zmq_msg_size(&msg) <= BITTEN_ROUTE_ID_MAX) {
                s_handle(src, &payload, zmq_msg_data(&msg), zmq_msg_size(&msg),
                         zmq_msg_data(&payload), zmq_msg_size(&payload));
            }
            zmq_msg_close(&payload);
            zmq_msg_close(&msg);
            continue;
        }
        if (zmq_msg_more(&msg)) {
            s_multipart(src, s_drain(socket, &msg, 1));
            zmq_msg_close(&msg);
            continue;
        }
        s_handle(src, &msg, NULL, 0, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}
