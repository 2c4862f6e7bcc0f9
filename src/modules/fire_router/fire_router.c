/*  fire_router.c: the fire router module: check chain -> lot -> durable PENDING -> send -> SENT,
 *  then results, errors and timeouts move each fire on; nothing is ever sent twice. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>
#include <ev.h>

#include "bitten/slots.h"

#include "modules/fire_router/fire_checks.h"
#include "modules/fire_router/fire_reconcile.h"
#include "modules/fire_router/fire_router.h"

#define ROUTER_FRAME_MAX 1024
#define ROUTER_KEY_MAX (2 * BITTEN_ID_MAX + 2)
#define ROUTER_LIST_DEFAULT 50
#define ROUTER_SYNC_S 0.1 /* a SENT is on disk at most this long after its relaxed commit */
#define ROUTER_KV_OWED "fire_router.close_owed." /* + uuid: "1" while a halt's close_all is owed */
#define ROUTER_KV_MAX (sizeof ROUTER_KV_OWED + BITTEN_ID_MAX + 1)

//  A fire still waiting for news: SENT, TIMEOUT, UNCONFIRMED (a result) or FILLED (its close).
typedef struct {
    bitten_fire_rec_t rec;
    bool manual;
} s_open_t;

struct fire_router {
    bitten_core_t *core;
    bitten_log_t *log;
    bitten_store_t *store;
    const bitten_config_t *cfg;
    fire_limits_t limits;
    bitten_ms_t result_timeout_ms, manual_ttl_ms, max_skew_ms, quote_max_age_ms;
    int crash_after_sends; /* test hook: SIGKILL after this many sends of one fan-out; 0 off */
    bool crash_before_sent; /* test hook: SIGKILL after a send, before its SENT is journaled */
    zhashx_t *open; /* "signal_id|uuid" -> s_open_t* (owned) */
    //  The latest bid/ask per "uuid|symbol" (v2.x absolute stops), known accounts and table
    //  symbols only, so junk cannot grow it.
    zhashx_t *quotes;
    ev_timer sweep;
    ev_timer sync; /* one-shot after a SENT: makes the relaxed commits durable */
    uint64_t seq;
    //  Hard halts' close_all that could not be sent: uuid -> s_owed_t (owned; a cache of the
    //  store's kv, filled for known accounts only, so junk uuids cannot grow it; never removed
    //  before destroy), and the same records by account slot for the frame path.
    zhashx_t *owed;
    bitten_slots_t owed_by_slot;
    uint64_t by_state[BITTEN_FIRE_STATE_COUNT_];
    uint64_t refused[BITTEN_R_COUNT_];
    uint64_t orphans, duplicate_results, auto_signals, halt_closes_owed;
    uint64_t restart_before_send; /* fan-out fires a restart found never sent: REFUSED */
    //  EAs that never report closes (v7): heartbeat evidence per known account (uuid ->
    //  fire_recon_t, owned), how many heartbeats of 0 positions in a row close, what it did.
    zhashx_t *recon;
    int recon_confirm_n;
    uint64_t recon_closed_heartbeat, recon_closed_answer, recon_partial;
};

/* ---------------------------------------------------------------- pure rules */

bool fire_router_may_move(bitten_fire_state_t from, bitten_fire_state_t to)
{
    switch (from) {
    case BITTEN_FIRE_SENT:
    case BITTEN_FIRE_TIMEOUT:
    case BITTEN_FIRE_UNCONFIRMED:
        return to == BITTEN_FIRE_FILLED || to == BITTEN_FIRE_FAILED || to == BITTEN_FIRE_CLOSED ||
               (to == BITTEN_FIRE_TIMEOUT && from == BITTEN_FIRE_SENT);
    case BITTEN_FIRE_FILLED:
        return to == BITTEN_FIRE_CLOSED;
    default:
        return false;
    }
}

bitten_fire_state_t fire_router_state_for_result(bitten_result_status_t status)
{
    switch (status) {
    case BITTEN_RESULT_SUCCESS:
        return BITTEN_FIRE_FILLED;
    case BITTEN_RESULT_CLOSED:
        return BITTEN_FIRE_CLOSED;
    default:
        return BITTEN_FIRE_FAILED;
    }
}

/* ---------------------------------------------------------------- open fires */

static void s_key(const char *signal_id, const char *uuid, char *key)
{
    snprintf(key, ROUTER_KEY_MAX, "%s|%s", signal_id, uuid);
}

static s_open_t *s_open_find(fire_router_t *self, const char *signal_id, const char *uuid)
{
    char key[ROUTER_KEY_MAX];
    if (*uuid) {
        s_key(signal_id, uuid, key);
        return zhashx_lookup(self->open, key);
    }
    //  A result without uuid (EAs that do not echo it): unambiguous only if one fire matches.
    s_open_t *found = NULL;
    for (s_open_t *o = zhashx_first(self->open); o; o = zhashx_next(self->open))
        if (strcmp(o->rec.signal_id, signal_id) == 0) {
            if (found)
                return NULL;
            found = o;
        }
    return found;
}

//  Sent and not resolved: SENT, TIMEOUT, UNCONFIRMED (FILLED ones wait for their close only).
//  Tested first in the scans below: most open fires are FILLED positions, and the state is an
//  int compare where the uuid is a strcmp (the scan runs before every opening fire's PENDING).
static bool s_awaits_result(const s_open_t *o)
{
    return o->rec.state == BITTEN_FIRE_SENT || o->rec.state == BITTEN_FIRE_TIMEOUT ||
           o->rec.state == BITTEN_FIRE_UNCONFIRMED;
}

//  Opening fires of uuid sent but not resolved: each may have opened a position the EA has
//  not reported yet (issue 14 item 8). FILLED ones are the risk module's tracked positions
//  already.
static int s_in_flight(fire_router_t *self, const char *uuid)
{
    int n = 0;
    for (s_open_t *o = zhashx_first(self->open); o; o = zhashx_next(self->open))
        if (s_awaits_result(o) && bitten_action_opens(o->rec.action) &&
            strcmp(o->rec.uuid, uuid) == 0)
            n++;
    return n;
}

static void s_open_put(fire_router_t *self, const bitten_fire_rec_t *rec, bool manual)
{
    s_open_t *o = calloc(1, sizeof *o);
    if (!o)
        return;
    o->rec = *rec;
    o->manual = manual;
    char key[ROUTER_KEY_MAX];
    s_key(rec->signal_id, rec->uuid, key);
    zhashx_update(self->open, key, o);
}

static void s_open_drop(fire_router_t *self, const bitten_fire_rec_t *rec)
{
    char key[ROUTER_KEY_MAX];
    s_key(rec->signal_id, rec->uuid, key);
    zhashx_delete(self->open, key);
}

static void s_open_free(void **item)
{
    free(*item);
    *item = NULL;
}

/* ---------------------------------------------------------------- quotes */

typedef struct {
    double bid, ask;
    bitten_ms_t at; /* daemon clock at receipt */
} s_quote_t;

static void s_on_tick(void *arg, bitten_event_t event, const void *payload)
{
    fire_router_t *self = arg;
    const bitten_tick_t *t = &((const bitten_frame_t *)payload)->u.tick;
    if (!*t->uuid || !*t->symbol || !(t->bid > 0) || !(t->ask >= t->bid))
        return;
    char key[ROUTER_KEY_MAX];
    s_key(t->symbol, t->uuid, key);
    s_quote_t *q = zhashx_lookup(self->quotes, key);
    if (!q) {
        const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
        bitten_account_t acc;
        bitten_account_symbol_t asym;
        if (!aq->find || aq->find(aq->self, t->uuid, &acc) != 0 || !aq->symbol ||
            aq->symbol(aq->self, t->uuid, t->symbol, &asym) != 0)
            return;
        if (!(q = calloc(1, sizeof *q)))
            return;
        zhashx_update(self->quotes, key, q);
    }
    q->bid = t->bid;
    q->ask = t->ask;
    q->at = bitten_core_now_ms(self->core);
}

static fire_quote_t s_quote(fire_router_t *self, const char *uuid, const char *symbol,
                            bitten_ms_t now)
{
    fire_quote_t out = {0, 0, false};
    char key[ROUTER_KEY_MAX];
    s_key(symbol, uuid, key);
    const s_quote_t *q = zhashx_lookup(self->quotes, key);
    if (q) {
        out.bid = q->bid;
        out.ask = q->ask;
        out.fresh = now >= q->at && now - q->at <= self->quote_max_age_ms;
    }
    return out;
}

/* ---------------------------------------------------------------- publishing a state */

static json_t *s_fire_json(const bitten_fire_rec_t *r)
{
    char created[32];
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:I, s:I, s:f, s:f, s:s, s:s, s:s}",
                          "id", (json_int_t)r->id, "signal_id", r->signal_id, "uuid", r->uuid,
                          "symbol", r->symbol, "action", bitten_action_str(r->action), "lot",
                          r->lot, "sl_points", (json_int_t)r->sl_points, "tp_points",
                          (json_int_t)r->tp_points, "sl_pips", r->sl_pips, "tp_pips", r->tp_pips,
                          "source", r->source == BITTEN_FIRE_MANUAL ? "manual" : "auto", "state",
                          bitten_fire_state_str(r->state), "created_at",
                          bitten_format_time(r->created_at, created, sizeof created));
    if (r->reason != BITTEN_R_OK)
        json_object_set_new(o, "reason", json_string(bitten_reason_str(r->reason)));
    if (r->has_ticket)
        json_object_set_new(o, "ticket", json_integer(r->ticket));
    if (r->has_fill_price)
        json_object_set_new(o, "fill_price", json_real(r->fill_price));
    if (r->has_close_price)
        json_object_set_new(o, "close_price", json_real(r->close_price));
    if (r->has_profit)
        json_object_set_new(o, "profit", json_real(r->profit));
    //  A close whose profit the EA never said (v7 closes reconciled from its heartbeats or the
    //  answer to our close): marked, never invented.
    if (r->state == BITTEN_FIRE_CLOSED)
        json_object_set_new(o, "profit_known", json_boolean(r->has_profit));
    char ts[32];
    if (r->sent_at)
        json_object_set_new(o, "sent_at", json_string(bitten_format_time(r->sent_at, ts, sizeof ts)));
    if (r->result_at)
        json_object_set_new(o, "result_at",
                            json_string(bitten_format_time(r->result_at, ts, sizeof ts)));
    if (r->closed_at)
        json_object_set_new(o, "closed_at",
                            json_string(bitten_format_time(r->closed_at, ts, sizeof ts)));
    if (r->expires_at)
        json_object_set_new(o, "expires_at",
                            json_string(bitten_format_time(r->expires_at, ts, sizeof ts)));
    return o;
}

//  One fire changed state: count it, log it with the ids an operator greps for, publish it on
//  the bus (XP & risk) and on the events channel ("fire.<state>").
static void s_announce(fire_router_t *self, const bitten_fire_rec_t *rec, int from,
                       const char *detail, bool manual, double multiplier)
{
    self->by_state[rec->state]++;
    if (rec->state == BITTEN_FIRE_REFUSED)
        self->refused[rec->reason]++;
    char qdetail[300], event[40], topic[40];
    bitten_log_quote(detail ? detail : "", qdetail, sizeof qdetail);
    snprintf(event, sizeof event, "fire.%s", bitten_fire_state_str(rec->state));
    for (char *p = event; *p; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    snprintf(topic, sizeof topic, "%s", event);
    //  A refusal is the check chain working (INFO, one line, with its reason); a failed or
    //  unconfirmed fire wants a look (WARN); no result in time is an alarm (ERROR).
    bitten_log_level_t level = BITTEN_LOG_INFO;
    if (rec->state == BITTEN_FIRE_FAILED || rec->state == BITTEN_FIRE_UNCONFIRMED)
        level = BITTEN_LOG_WARN;
    if (rec->state == BITTEN_FIRE_TIMEOUT)
        level = BITTEN_LOG_ERROR;
    BLOG(self->log, level, "fire_router", event,
         "signal_id=%s uuid=%s symbol=%s action=%s lot=%.2f sl_points=%lld tp_points=%lld "
         "fire_id=%lld from=%s reason=%s ticket=%lld source=%s%s detail=%s",
         rec->signal_id, rec->uuid, rec->symbol[0] ? rec->symbol : "-",
         bitten_action_str(rec->action), rec->lot, (long long)rec->sl_points,
         (long long)rec->tp_points, (long long)rec->id,
         from < 0 ? "-" : bitten_fire_state_str((bitten_fire_state_t)from),
         rec->reason == BITTEN_R_OK ? "-" : bitten_reason_str(rec->reason),
         rec->has_ticket ? (long long)rec->ticket : 0LL, manual ? "manual" : "auto",
         rec->state == BITTEN_FIRE_TIMEOUT ? " alarm=1" : "", qdetail);
    bitten_fire_event_t ev = {rec, from, detail ? detail : "", manual, multiplier};
    bitten_bus_publish(bitten_core_bus(self->core), BITTEN_EV_FIRE, &ev);
    json_t *obj = s_fire_json(rec);
    if (from >= 0)
        json_object_set_new(obj, "from", json_string(bitten_fire_state_str((bitten_fire_state_t)from)));
    if (detail && *detail)
        json_object_set_new(obj, "detail", json_string(detail));
    bitten_core_emit(self->core, topic, obj);
}

//  Journals a transition, then mirrors it in memory and announces it. Returns 0 or -1.
static int s_move(fire_router_t *self, bitten_fire_rec_t *rec, bitten_fire_state_t to,
                  bitten_reason_t reason, const char *detail, const bitten_fire_update_t *upd,
                  bool manual)
{
    bitten_ms_t now = bitten_core_now_ms(self->core);
    //  What happened on the wire happened: memory and the bus follow it even when the journal
    //  write fails (a restart then finds the older state and marks it UNCONFIRMED).
    //  SENT (only ever right after a send) is committed relaxed: no fsync between the frame
    //  and the reply. Its PENDING row was durable before the send; a SENT lost to a power loss
    //  leaves that PENDING row, which a restart makes UNCONFIRMED (s_unconfirmed_cb).
    //  The move and what the bus handlers write for it (XP & risk's award and account
    //  snapshot, VENOM's record) are one group: one commit, all or none. SENT's is relaxed.
    bool grouped = bitten_store_group_begin(self->store, to == BITTEN_FIRE_SENT) == 0;
    int rc = 0;
    if ((to == BITTEN_FIRE_SENT ? bitten_store_fire_transition_relaxed
                                : bitten_store_fire_transition)(self->store, rec->id, to, reason,
                                                                detail, now, upd) != 0) {
        BLOG_ERROR(self->log, "fire_router", "store.failed",
                   "signal_id=%s uuid=%s fire_id=%lld to=%s alarm=1 error=\"%s\"",
                   rec->signal_id, rec->uuid, (long long)rec->id, bitten_fire_state_str(to),
                   bitten_store_errmsg(self->store));
        rc = -1;
    }
    int from = (int)rec->state;
    rec->state = to;
    rec->reason = reason;
    if (to == BITTEN_FIRE_SENT)
        rec->sent_at = now;
    if (to == BITTEN_FIRE_FILLED || to == BITTEN_FIRE_FAILED || to == BITTEN_FIRE_REFUSED)
        rec->result_at = now;
    if (to == BITTEN_FIRE_CLOSED)
        rec->closed_at = now;
    if (upd) {
        if (upd->has_ticket)
            rec->ticket = upd->ticket, rec->has_ticket = true;
        if (upd->has_fill_price)
            rec->fill_price = upd->fill_price, rec->has_fill_price = true;
        if (upd->has_close_price)
            rec->close_price = upd->close_price, rec->has_close_price = true;
        if (upd->has_profit)
            rec->profit = upd->profit, rec->has_profit = true;
    }
    s_announce(self, rec, from, detail, manual, 1.0);
    if (grouped && bitten_store_group_end(self->store) != 0) {
        BLOG_ERROR(self->log, "fire_router", "store.failed",
                   "signal_id=%s uuid=%s fire_id=%lld to=%s alarm=1 error=\"commit: %s\"",
                   rec->signal_id, rec->uuid, (long long)rec->id, bitten_fire_state_str(to),
                   bitten_store_errmsg(self->store));
        rc = -1;
    }
    return rc;
}

/* ---------------------------------------------------------------- submitting one fire */

typedef struct {
    int64_t id;
    bitten_fire_state_t state;
    bitten_reason_t reason;
    double lot;
    bitten_reason_t first_reason; /* DUPLICATE: the first use's reason (a refusal's), or OK */
} s_outcome_t;

//  One fire for one account on its way: decided (checks, the frame), then journaled, then sent.
//  Everything it decides is journaled before the frame leaves, so a crash at any point leaves
//  a fire that is found again and never resent.
typedef struct {
    fire_request_t req;
    bitten_fire_rec_t rec; /* REFUSED (with its reason) or PENDING, to journal */
    s_outcome_t out;
    bool done; /* nothing (more) to journal: store error before the checks, or DUPLICATE */
    int found; /* the store's answer for (signal_id, uuid): 0 found, 1 not */
    bitten_fire_rec_t existing;
    char frame[ROUTER_FRAME_MAX];
    int len;
} s_prep_t;

//  Decides one fire: every check, and the frame as the account's EA reads it. No journal yet.
static void s_prepare(fire_router_t *self, const fire_request_t *req_in, double risk_pct,
                      s_prep_t *p)
{
    memset(p, 0, sizeof *p);
    p->req = *req_in;
    const fire_request_t *req = &p->req;
    s_outcome_t out = {0, BITTEN_FIRE_REFUSED, BITTEN_R_OK, 0, BITTEN_R_OK};
    bitten_ms_t now = bitten_core_now_ms(self->core);
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    bitten_account_t account;
    bitten_account_symbol_t asym;
    const bitten_symbol_t *sym = NULL;
    const bitten_account_t *acc =
        (aq->find && aq->find(aq->self, req->uuid, &account) == 0) ? &account : NULL;
    bitten_fire_rec_t rec;
    memset(&rec, 0, sizeof rec);
    char *frame = p->frame;
    snprintf(rec.signal_id, sizeof rec.signal_id, "%s", req->signal_id);
    snprintf(rec.uuid, sizeof rec.uuid, "%s", req->uuid);
    snprintf(rec.symbol, sizeof rec.symbol, "%s", req->symbol);
    //  The journal holds real actions only: a request naming none is journaled as "buy" with
    //  its INVALID_ACTION refusal (it never reaches the wire).
    rec.action = bitten_action_valid(req->action) ? req->action : BITTEN_ACTION_BUY;
    rec.sl_pips = req->sl_pips;
    rec.tp_pips = req->tp_pips;
    rec.source = req->manual ? BITTEN_FIRE_MANUAL : BITTEN_FIRE_AUTO;
    rec.created_at = now;
    rec.expires_at = req->expires_at;

    bitten_fire_rec_t existing;
    memset(&existing, 0, sizeof existing);
    int found = bitten_store_fire_find(self->store, req->signal_id, req->uuid, &existing);
    p->found = found;
    p->existing = existing;
    if (found < 0) {
        out.reason = BITTEN_R_INTERNAL;
        p->out = out;
        p->done = true;
        return;
    }
    bitten_ms_t skew = req->created_at ? req->created_at - now : 0;
    if (!acc) {
        out.reason = BITTEN_R_UNKNOWN_ACCOUNT;
    } else if (self->max_skew_ms > 0 && (skew > self->max_skew_ms || -skew > self->max_skew_ms)) {
        //  Ticks in MT5 server time without feedback.server_utc_offset_s (or a replay) make
        //  market time and the wall clock disagree: expiry would be meaningless. Refuse.
        out.reason = BITTEN_R_CLOCK_SKEW;
    } else {
        fire_context_t ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.now = now;
        const bitten_risk_query_t *rq = bitten_core_risk_query(self->core);
        if (rq->halted)
            rq->halted(rq->self, req->uuid, &ctx.halted_global, &ctx.halted_account);
        ctx.strict_violation = bitten_core_strict_violation(self->core);
        //  The symbol as it is for this account's broker (the symbol table's spec with the
        //  broker's facts over it): checked, sized and converted to points with one spec.
        if (*req->symbol && aq->symbol && aq->symbol(aq->self, req->uuid, req->symbol, &asym) == 0)
            ctx.symbol = &asym.spec;
        sym = ctx.symbol;
        ctx.account_symbols = acc->symbols;
        ctx.account_max_lot = acc->max_lot;
        ctx.already_fired = found == 0;
        ctx.in_flight = bitten_action_opens(req->action) ? s_in_flight(self, req->uuid) : 0;
        const bitten_ea_query_t *eq = bitten_core_ea_query(self->core);
        //  Only a connection proven to be this account's may carry its fire (core.h).
        ctx.route = bitten_core_route_check(self->core, req->uuid);
        ctx.ea_online = eq->is_online ? eq->is_online(eq->self, req->uuid) : false;
        ctx.tier = acc->tier;
        ctx.risk_pct = risk_pct > 0 ? risk_pct : acc->risk_pct;
        ctx.risk = (bitten_risk_gate_t){rq->self, rq->gate};
        ctx.limits = self->limits;
        out.reason = fire_run_checks(req, &ctx, &out.lot);
    }
    //  The frame as this account's EA reads it; its effect.lot is THE lot (journaled, replied,
    //  executed). An encoder refusal (no lot the wire can carry, no quote, ...) is a refusal
    //  with its own reason, journaled like any other.
    int len = -1;
    bitten_dcmd_effect_t eff;
    memset(&eff, 0, sizeof eff);
    if (out.reason == BITTEN_R_OK) {
        fire_quote_t quote = s_quote(self, req->uuid, req->symbol, now);
        bitten_reason_t why = BITTEN_R_OK;
        len = fire_encode(acc->dialect, req, sym ? &asym : NULL, out.lot, &quote, now, frame,
                          sizeof p->frame, &eff, &why);
        if (len <= 0) {
            out.reason = why != BITTEN_R_OK ? why : BITTEN_R_INTERNAL;
            out.lot = 0;
        } else {
            out.lot = eff.lot;
        }
    }
    rec.lot = out.lot;
    if (out.reason == BITTEN_R_DUPLICATE) {
        //  Nothing new to journal: the first fire's row stands; the caller hears DUPLICATE.
        out.id = existing.id;
        out.state = existing.state;
        out.first_reason = existing.reason;
        self->refused[BITTEN_R_DUPLICATE]++;
        BLOG_INFO(self->log, "fire_router", "fire.duplicate",
                  "signal_id=%s uuid=%s fire_id=%lld state=%s reason=DUPLICATE", rec.signal_id,
                  rec.uuid, (long long)existing.id, bitten_fire_state_str(existing.state));
        bitten_core_emit(self->core, "fire.duplicate",
                         json_pack("{s:s, s:s, s:I, s:s}", "signal_id", rec.signal_id, "uuid",
                                   rec.uuid, "id", (json_int_t)existing.id, "reason",
                                   "DUPLICATE"));
        p->out = out;
        p->done = true;
        return;
    }
    if (out.reason != BITTEN_R_OK) {
        rec.state = BITTEN_FIRE_REFUSED;
        rec.reason = out.reason;
    } else {
        rec.sl_points = eff.sl_points;
        rec.tp_points = eff.tp_points;
        rec.lot = eff.lot;
        rec.state = BITTEN_FIRE_PENDING;
    }
    p->rec = rec;
    p->out = out;
    p->len = len;
}

//  The journal's answer for a prepared fire (rc of the insert: 0, 1 duplicate, -1 failed):
//  announces it. Returns true when it is PENDING on disk and may be sent.
static bool s_journaled(fire_router_t *self, s_prep_t *p, int rc)
{
    const fire_request_t *req = &p->req;
    bitten_fire_rec_t rec = p->rec;
    s_outcome_t *o = &p->out;
    if (rec.state == BITTEN_FIRE_REFUSED) {
        if (rc == 1) {
            //  Refused by an earlier check, but this (signal_id, uuid) exists already: the
            //  first fire's row stands and nothing new is announced as if it were this one.
            self->refused[BITTEN_R_DUPLICATE]++;
            o->reason = BITTEN_R_DUPLICATE;
            if (p->found == 0) {
                o->id = p->existing.id;
                o->state = p->existing.state;
                o->first_reason = p->existing.reason;
            }
            BLOG_INFO(self->log, "fire_router", "fire.duplicate",
                      "signal_id=%s uuid=%s reason=DUPLICATE first_refusal=%s", rec.signal_id,
                      rec.uuid, bitten_reason_str(rec.reason));
            return false;
        }
        if (rc == 0)
            o->id = rec.id;
        s_announce(self, &rec, -1, bitten_reason_doc(o->reason), req->manual,
                   req->shield_multiplier);
        return false;
    }
    if (rc != 0) {
        //  1: another path journaled it first (DUPLICATE); -1: the store failed. Either way the
        //  frame is not sent: a fire that is not journaled must not exist.
        o->reason = rc == 1 ? BITTEN_R_DUPLICATE : bitten_store_failure_reason(self->store);
        o->lot = 0;
        BLOG_ERROR(self->log, "fire_router", "fire.not_journaled",
                   "signal_id=%s uuid=%s reason=%s error=\"%s\"", rec.signal_id, rec.uuid,
                   bitten_reason_str(o->reason), bitten_store_errmsg(self->store));
        return false;
    }
    o->id = rec.id;
    p->rec = rec;
    s_announce(self, &rec, -1, "", req->manual, req->shield_multiplier);
    return true;
}

//  Test hooks (debug.test_hooks): a kill -9 at a chosen point of the send sequence. The loop
//  stops here; libzmq's I/O thread gets a moment to put the frame just sent on the wire, so a
//  test can count it (a real kill may come before that: the fire is then UNCONFIRMED unsent).
static void s_debug_crash(fire_router_t *self, const char *signal_id, const char *where)
{
    BLOG_WARN(self->log, "fire_router", "debug.crash", "signal_id=%s at=\"%s\"", signal_id, where);
    struct timespec ts = {0, 200 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0)
        ;
    raise(SIGKILL);
}

//  ROUTER_SYNC_S after a SENT (once per burst: a fan-out's sends share it): its relaxed commit
//  (and the account snapshot in it) goes to disk, unless a durable commit (a result, the next
//  PENDING) took it along already. Off the frame's path; bounds what a power loss can drop.
static void s_sync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    fire_router_t *self = w->data;
    if (bitten_store_sync(self->store) < 0)
        BLOG_ERROR(self->log, "fire_router", "store.failed", "what=sync error=\"%s\"",
                   bitten_store_errmsg(self->store));
}

static void s_sync_soon(fire_router_t *self)
{
    if (!ev_is_active(&self->sync)) {
        ev_timer_set(&self->sync, ROUTER_SYNC_S, 0.0);
        ev_timer_start(bitten_core_loop(self->core), &self->sync);
    }
}

//  Sends a journaled PENDING fire: SENT, or REFUSED with the socket's reason. Returns -1 when
//  that outcome could not be journaled (the row stays PENDING on disk).
static int s_send(fire_router_t *self, s_prep_t *p)
{
    const fire_request_t *req = &p->req;
    bitten_fire_rec_t rec = p->rec;
    s_outcome_t *o = &p->out;
    bitten_reason_t why;
    if (bitten_core_send_to(self->core, rec.uuid, BITTEN_FRAME_SIGNAL, p->frame, (size_t)p->len,
                            &why) != 0) {
        int rc = s_move(self, &rec, BITTEN_FIRE_REFUSED, why,
                        "the command socket refused the frame", NULL, req->manual);
        o->state = BITTEN_FIRE_REFUSED;
        o->reason = why;
        o->lot = 0;
        return rc;
    }
    if (self->crash_before_sent)
        s_debug_crash(self, rec.signal_id, "sent, SENT not journaled");
    //  An operator's risk override is part of the record: in the SENT row's detail and the log.
    int rc = s_move(self, &rec, BITTEN_FIRE_SENT, BITTEN_R_OK,
                    (req->override_risk && req->has_lot)
                        ? "override_risk: explicit lot above the risk target"
                        : "",
                    NULL, req->manual);
    s_open_put(self, &rec, req->manual);
    s_sync_soon(self);
    o->state = BITTEN_FIRE_SENT;
    return rc;
}

//  The whole path of one fire for one account.
static s_outcome_t s_submit(fire_router_t *self, const fire_request_t *req, double risk_pct)
{
    s_prep_t *p = calloc(1, sizeof *p);
    if (!p)
        return (s_outcome_t){0, BITTEN_FIRE_REFUSED, BITTEN_R_INTERNAL, 0, BITTEN_R_OK};
    s_prepare(self, req, risk_pct, p);
    if (!p->done) {
        int rc = bitten_store_fire_insert(self->store, &p->rec, &p->rec.id);
        if (s_journaled(self, p, rc))
            s_send(self, p);
    }
    s_outcome_t out = p->out;
    free(p);
    return out;
}

/* ---------------------------------------------------------------- auto fire */

static void s_on_verdict(void *arg, bitten_event_t event, const void *payload)
{
    fire_router_t *self = arg;
    const bitten_verdict_event_t *v = payload;
    if (!v->passed)
        return;
    self->auto_signals++;
    fire_request_t req;
    memset(&req, 0, sizeof req);
    snprintf(req.signal_id, sizeof req.signal_id, "%s", v->signal_id);
    snprintf(req.symbol, sizeof req.symbol, "%s", v->symbol);
    req.action = v->direction;
    int cls = bitten_signal_class_from_str(v->signal_class);
    if (cls <= BITTEN_CLASS_NONE ||
        (v->direction != BITTEN_ACTION_BUY && v->direction != BITTEN_ACTION_SELL)) {
        //  An auto fire without a known class could slip past the tier check, and a signal is
        //  a direction, never a close: refuse it.
        BLOG_ERROR(self->log, "fire_router", "verdict.unusable", "signal_id=%s class=%s action=%s",
                   v->signal_id, v->signal_class ? v->signal_class : "-",
                   bitten_action_str(v->direction));
        return;
    }
    req.signal_class = (bitten_signal_class_t)cls;
    req.sl_pips = v->sl_pips;
    req.tp_pips = v->tp_pips;
    req.entry = v->entry;
    req.sl_price = v->sl_price;
    req.tp_price = v->tp_price;
    req.shield_multiplier = v->multiplier;
    req.created_at = v->created_at;
    //  The signal's life, counted from now on the wall clock when that is sooner: the EA and
    //  the EXPIRED check both read expires_at against real time.
    bitten_ms_t now = bitten_core_now_ms(self->core);
    bitten_ms_t ttl = v->expires_at - v->created_at;
    req.expires_at = v->expires_at < now + ttl ? v->expires_at : now + ttl;
    //  Every target is decided, then ALL are journaled in one transaction (PENDING, or REFUSED
    //  with the reason), and only then is the first frame sent: a kill -9 between two sends
    //  leaves every account of a passed verdict on disk (PENDING -> UNCONFIRMED at restart),
    //  never absent (issue 14 item 3). Index loop over copies: a fire never adds accounts.
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    size_t n = aq->count ? aq->count(aq->self) : 0;
    s_prep_t *preps = n ? calloc(n, sizeof *preps) : NULL;
    bitten_fire_rec_t *recs = n ? calloc(n, sizeof *recs) : NULL;
    int *rcs = n ? calloc(n, sizeof *rcs) : NULL;
    size_t *idx = n ? calloc(n, sizeof *idx) : NULL;
    if (n && (!preps || !recs || !rcs || !idx)) {
        BLOG_ERROR(self->log, "fire_router", "verdict.dropped",
                   "signal_id=%s alarm=1 why=\"out of memory before journaling the fan-out\"",
                   v->signal_id);
        free(preps), free(recs), free(rcs), free(idx);
        return;
    }
    size_t np = 0, nj = 0;
    bitten_account_t acc;
    for (size_t i = 0; i < n; i++) {
        if (aq->at(aq->self, i, &acc) != 0 || acc.mode != BITTEN_MODE_AUTO)
            continue;
        snprintf(req.uuid, sizeof req.uuid, "%s", acc.uuid);
        s_prepare(self, &req, 0, &preps[np]);
        if (!preps[np].done) {
            recs[nj] = preps[np].rec;
            idx[nj++] = np;
        }
        np++;
    }
    int batch = bitten_store_fire_insert_many(self->store, recs, nj, rcs);
    for (size_t j = 0; j < nj; j++) {
        s_prep_t *p = &preps[idx[j]];
        if (batch == 0)
            p->rec.id = recs[j].id;
        if (!s_journaled(self, p, batch == 0 ? rcs[j] : -1))
            p->len = 0; /* not to be sent */
    }
    int sent = 0;
    for (size_t j = 0; j < nj; j++) {
        s_prep_t *p = &preps[idx[j]];
        if (p->len <= 0)
            continue;
        if (s_send(self, p) != 0) {
            //  Its outcome is not on disk, so it stays PENDING there: the restart rule (only
            //  the lowest PENDING row of a fan-out may have been sent) holds only if no later
            //  target is sent. Fail closed: the rest stay PENDING, unsent.
            BLOG_ERROR(self->log, "fire_router", "fanout.stopped",
                       "signal_id=%s fire_id=%lld alarm=1 unsent=%zu why=\"a send's outcome "
                       "could not be journaled\"",
                       v->signal_id, (long long)p->rec.id, nj - j - 1);
            break;
        }
        if (self->crash_after_sends > 0 && ++sent == self->crash_after_sends) {
            //  Test hook (debug.test_hooks + debug.crash_after_fanout_sends): a kill -9 in the
            //  middle of a fan-out, right after a send.
            s_debug_crash(self, v->signal_id, "fan-out send journaled");
        }
    }
    free(preps), free(recs), free(rcs), free(idx);
}

/* ---------------------------------------------------------------- reconciled closes */

//  The account's heartbeat evidence; NULL for an account the accounts module does not know
//  (so junk uuids cannot grow the map).
static fire_recon_t *s_recon(fire_router_t *self, const char *uuid)
{
    fire_recon_t *r = zhashx_lookup(self->recon, uuid);
    if (r)
        return r;
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    bitten_account_t acc;
    if (!aq->find || aq->find(aq->self, uuid, &acc) != 0 || !(r = calloc(1, sizeof *r)))
        return NULL;
    fire_recon_init(r);
    zhashx_update(self->recon, uuid, r);
    return r;
}

//  How many open fires of uuid the scope covers (FILLED opening fires; on symbol for SYMBOL).
static size_t s_recon_count(fire_router_t *self, const char *uuid, fire_recon_scope_t scope,
                            const char *symbol)
{
    size_t n = 0;
    for (s_open_t *o = zhashx_first(self->open); o; o = zhashx_next(self->open))
        if (fire_recon_closes(&o->rec, uuid, scope, symbol))
            n++;
    return n;
}

//  Closes what scope covers, each CLOSED without a profit (the EA never says it): journaled,
//  announced (XP & risk untracks the position, pays and charges nothing) and dropped. The
//  fires are copied out first: announcing may not disturb the walk. Returns how many.
static size_t s_recon_close(fire_router_t *self, const char *uuid, fire_recon_scope_t scope,
                            const char *symbol, const char *detail)
{
    size_t cap = s_recon_count(self, uuid, scope, symbol), n = 0;
    s_open_t *list = cap ? calloc(cap, sizeof *list) : NULL;
    if (!list)
        return 0;
    for (s_open_t *o = zhashx_first(self->open); o && n < cap; o = zhashx_next(self->open))
        if (fire_recon_closes(&o->rec, uuid, scope, symbol))
            list[n++] = *o;
    size_t closed = 0;
    for (size_t i = 0; i < n; i++) {
        bitten_fire_rec_t rec = list[i].rec;
        if (s_move(self, &rec, BITTEN_FIRE_CLOSED, BITTEN_R_OK, detail, NULL, list[i].manual) == 0)
            closed++;
        //  Moved in memory either way (what the EA said happened); a failed journal write
        //  leaves it FILLED in the store, and the next start reconciles it again.
        s_open_drop(self, &rec);
    }
    free(list);
    return closed;
}

//  A heartbeat of an EA that never reports closes: its positions count against the account's
//  FILLED opening fires (fire_recon_heartbeat decides).
static void s_recon_heartbeat(fire_router_t *self, const bitten_frame_t *frame)
{
    const bitten_ea_heartbeat_t *h = &frame->u.heartbeat;
    if (!fire_recon_applies(frame->dialect) || !*h->uuid)
        return;
    fire_recon_t *r = s_recon(self, h->uuid);
    if (!r)
        return;
    size_t filled = s_recon_count(self, h->uuid, FIRE_RECON_SCOPE_ALL, NULL);
    fire_recon_action_t a =
        fire_recon_heartbeat(r, h->has_positions, h->positions, filled, self->recon_confirm_n);
    if (a == FIRE_RECON_PARTIAL) {
        self->recon_partial++;
        BLOG_WARN(self->log, "fire_router", "reconcile.partial",
                  "uuid=%s positions=%lld filled=%zu why=\"the EA reports fewer positions than "
                  "FILLED fires but not 0: which closed is unknown; they stay FILLED (counted by "
                  "the risk gate) until it reports 0 or we close them\"",
                  h->uuid, (long long)h->positions, filled);
        return;
    }
    if (a != FIRE_RECON_CLOSE_ALL)
        return;
    char detail[200];
    snprintf(detail, sizeof detail,
             "reconciled: the EA's heartbeats report 0 positions (%d in a row); profit unknown",
             self->recon_confirm_n);
    size_t n = s_recon_close(self, h->uuid, FIRE_RECON_SCOPE_ALL, NULL, detail);
    self->recon_closed_heartbeat += n;
    BLOG_INFO(self->log, "fire_router", "reconcile.closed",
              "uuid=%s by=heartbeats closed=%zu filled=%zu profit_known=0", h->uuid, n, filled);
}

//  The EA's answer to our own close / close_all (v7: "Closed N positions"): what it proves
//  closed becomes CLOSED, profit unknown. close_rec is the close fire, already moved.
static void s_recon_close_answer(fire_router_t *self, const bitten_fire_rec_t *close_rec,
                                 const bitten_trade_result_t *r, bitten_dialect_t dialect)
{
    if (!fire_recon_applies(dialect) || close_rec->action == BITTEN_ACTION_BUY ||
        close_rec->action == BITTEN_ACTION_SELL)
        return;
    fire_recon_scope_t want = close_rec->action == BITTEN_ACTION_CLOSE ? FIRE_RECON_SCOPE_SYMBOL
                                                                       : FIRE_RECON_SCOPE_ALL;
    size_t in_scope = s_recon_count(self, close_rec->uuid, want, close_rec->symbol);
    int64_t said = -1;
    fire_recon_scope_t scope =
        fire_recon_close_answer(dialect, close_rec->action, r->status == BITTEN_RESULT_SUCCESS,
                                r->message, in_scope, &said);
    if (scope == FIRE_RECON_SCOPE_NONE) {
        if (in_scope > 0)
            BLOG_WARN(self->log, "fire_router", "reconcile.close_short",
                      "uuid=%s signal_id=%s closed_said=%lld filled=%zu why=\"the EA closed fewer "
                      "positions than FILLED fires in scope: they stay FILLED until its "
                      "heartbeats report 0\"",
                      close_rec->uuid, close_rec->signal_id, (long long)said, in_scope);
        return;
    }
    char detail[300], qmsg[160];
    bitten_log_quote(r->message, qmsg, sizeof qmsg);
    snprintf(detail, sizeof detail, "reconciled: the EA's answer to %s %s: %.100s; profit unknown",
             bitten_action_str(close_rec->action), close_rec->signal_id, r->message);
    size_t n = s_recon_close(self, close_rec->uuid, scope, close_rec->symbol, detail);
    self->recon_closed_answer += n;
    BLOG_INFO(self->log, "fire_router", "reconcile.closed",
              "uuid=%s by=close_answer signal_id=%s closed=%zu message=%s profit_known=0",
              close_rec->uuid, close_rec->signal_id, n, qmsg);
}

/* ---------------------------------------------------------------- results */

static void s_orphan(fire_router_t *self, const char *signal_id, const char *uuid,
                     const char *status, const char *why)
{
    self->orphans++;
    BLOG_WARN(self->log, "fire_router", "orphan_result", "signal_id=%s uuid=%s status=%s why=%s",
              signal_id, *uuid ? uuid : "-", status, why);
    bitten_core_emit(self->core, "orphan_result",
                     json_pack("{s:s, s:s, s:s, s:s}", "signal_id", signal_id, "uuid", uuid,
                               "status", status, "why", why));
}

//  A result that names no command (v2.02 confirmations echo no id at all): it can only be
//  the account's fire when exactly one opening fire of that account awaits its result;
//  otherwise it stays unmatched, with the reason (issue 13 §6). *n = how many wait.
static s_open_t *s_only_waiting(fire_router_t *self, const char *uuid, bool close_all,
                                size_t *n)
{
    s_open_t *found = NULL;
    *n = 0;
    for (s_open_t *o = zhashx_first(self->open); o; o = zhashx_next(self->open))
        if (s_awaits_result(o) &&
            (close_all ? o->rec.action == BITTEN_ACTION_CLOSE_ALL
                       : bitten_action_opens(o->rec.action)) &&
            strcmp(o->rec.uuid, uuid) == 0) {
            (*n)++;
            found = o;
        }
    return *n == 1 ? found : NULL;
}

static void s_apply_result(fire_router_t *self, const bitten_trade_result_t *r,
                           bitten_dialect_t dialect);

static void s_on_result(void *arg, bitten_event_t event, const void *payload)
{
    const bitten_frame_t *f = payload;
    s_apply_result(arg, &f->u.trade_result, f->dialect);
}

static void s_apply_result(fire_router_t *self, const bitten_trade_result_t *r,
                           bitten_dialect_t dialect)
{
    bitten_fire_state_t to = fire_router_state_for_result(r->status);
    if (!*r->signal_id) {
        //  Only v2.02 answers a fire without its id; v2.05's id-less confirmation is its answer
        //  to a frame it did not know ("unknown") and must never settle a fire.
        //  A v2.x close_all answer (close_confirmation, no id) settles the account's one
        //  close_all waiting, likewise.
        size_t waiting = 0;
        bool v202_fire = dialect == BITTEN_DIALECT_V202 && !r->is_close &&
                         strcmp(r->command_type, "fire") == 0;
        bool v2_close_all = (dialect == BITTEN_DIALECT_V202 || dialect == BITTEN_DIALECT_V205) &&
                            r->is_close && strcmp(r->command_type, "close_all") == 0;
        s_open_t *only = *r->uuid && (v202_fire || v2_close_all)
                             ? s_only_waiting(self, r->uuid, v2_close_all, &waiting)
                             : NULL;
        if (!only) {
            char why[160];
            if (r->is_close && !v2_close_all)
                snprintf(why, sizeof why, "a close confirmation names no fire");
            else if (v2_close_all)
                snprintf(why, sizeof why, "a close_all confirmation while %zu close_all fires of "
                                          "the account wait", waiting);
            else if (!*r->uuid)
                snprintf(why, sizeof why, "a result without id and without account");
            else if (!v202_fire)
                snprintf(why, sizeof why, "a result without id (command_type %s) settles no fire",
                         r->command_type[0] ? r->command_type : "-");
            else
                snprintf(why, sizeof why, "a v2.02 result without id while %zu fires of the "
                                          "account wait", waiting);
            s_orphan(self, "-", r->uuid, bitten_result_status_str(r->status), why);
            return;
        }
        if (!fire_router_may_move(only->rec.state, to)) {
            self->duplicate_results++;
            return;
        }
        bitten_trade_result_t copy = *r;
        snprintf(copy.signal_id, sizeof copy.signal_id, "%s", only->rec.signal_id);
        BLOG_INFO(self->log, "fire_router", "result.matched_by_account",
                  "signal_id=%s uuid=%s why=\"the result names no fire; the only one waiting\"",
                  copy.signal_id, copy.uuid);
        s_apply_result(self, &copy, dialect);
        return;
    }
    s_open_t *o = s_open_find(self, r->signal_id, r->uuid);
    if (!o) {
        bitten_fire_rec_t known;
        int found = *r->uuid ? bitten_store_fire_find(self->store, r->signal_id, r->uuid, &known) : 1;
        if (found == 0 && fire_router_may_move(known.state, to)) {
            //  Still waiting in the journal (e.g. TIMEOUT before a restart): it moves on now.
            s_open_put(self, &known, known.source == BITTEN_FIRE_MANUAL);
            o = s_open_find(self, r->signal_id, r->uuid);
        }
    }
    if (!o) {
        bitten_fire_rec_t known;
        int found = *r->uuid ? bitten_store_fire_find(self->store, r->signal_id, r->uuid, &known) : 1;
        if (found == 0) {
            //  A repeat of a result already applied (EAs resend): counted, not applied twice.
            self->duplicate_results++;
            BLOG_INFO(self->log, "fire_router", "result.duplicate",
                      "signal_id=%s uuid=%s state=%s status=%s", r->signal_id, r->uuid,
                      bitten_fire_state_str(known.state), bitten_result_status_str(r->status));
            return;
        }
        s_orphan(self, r->signal_id, r->uuid, bitten_result_status_str(r->status),
                 *r->uuid ? "no fire with this signal_id and uuid is waiting for a result"
                          : "no single waiting fire has this signal_id");
        return;
    }
    if (!fire_router_may_move(o->rec.state, to)) {
        self->duplicate_results++;
        BLOG_INFO(self->log, "fire_router", "result.duplicate",
                  "signal_id=%s uuid=%s state=%s status=%s", o->rec.signal_id, o->rec.uuid,
                  bitten_fire_state_str(o->rec.state), bitten_result_status_str(r->status));
        return;
    }
    bitten_fire_update_t upd = {0};
    upd.ticket = r->ticket;
    upd.has_ticket = r->has_ticket;
    if (to == BITTEN_FIRE_FILLED && r->has_price)
        upd.fill_price = r->price, upd.has_fill_price = true;
    if (to == BITTEN_FIRE_CLOSED) {
        if (r->has_close_price)
            upd.close_price = r->close_price, upd.has_close_price = true;
        else if (r->has_price)
            upd.close_price = r->price, upd.has_close_price = true;
        if (r->has_profit)
            upd.profit = r->profit, upd.has_profit = true;
    }
    bitten_reason_t reason = BITTEN_R_OK;
    bool manual = o->manual;
    bitten_fire_rec_t rec = o->rec;
    if (s_move(self, &rec, to, reason, r->message, &upd, manual) != 0)
        return;
    //  Opening fires stay open until their position closes; everything else is done.
    bool position_open = to == BITTEN_FIRE_FILLED &&
                         (rec.action == BITTEN_ACTION_BUY || rec.action == BITTEN_ACTION_SELL);
    if (position_open)
        o->rec = rec;
    else
        s_open_drop(self, &rec);
    if (position_open) {
        //  Heartbeats counted before this position existed must not close it.
        fire_recon_t *recon = fire_recon_applies(dialect) ? s_recon(self, rec.uuid) : NULL;
        if (recon)
            fire_recon_fill(recon);
    } else if (to == BITTEN_FIRE_FILLED) {
        s_recon_close_answer(self, &rec, r, dialect);
    }
}

static void s_on_ea_error(void *arg, bitten_event_t event, const void *payload)
{
    fire_router_t *self = arg;
    const bitten_ea_error_t *e = &((const bitten_frame_t *)payload)->u.error;
    if (!*e->signal_id)
        return;
    s_open_t *o = s_open_find(self, e->signal_id, e->uuid);
    if (!o) {
        s_orphan(self, e->signal_id, e->uuid, "error", "no waiting fire has this signal_id");
        return;
    }
    if (!fire_router_may_move(o->rec.state, BITTEN_FIRE_FAILED)) {
        self->duplicate_results++;
        BLOG_INFO(self->log, "fire_router", "error.ignored", "signal_id=%s uuid=%s state=%s",
                  o->rec.signal_id, o->rec.uuid, bitten_fire_state_str(o->rec.state));
        return;
    }
    bitten_fire_rec_t rec = o->rec;
    if (s_move(self, &rec, BITTEN_FIRE_FAILED, BITTEN_R_OK, e->error, NULL, o->manual) == 0)
        s_open_drop(self, &rec);
}

static void s_sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    fire_router_t *self = w->data;
    bitten_ms_t now = bitten_core_now_ms(self->core);
    for (s_open_t *o = zhashx_first(self->open); o; o = zhashx_next(self->open)) {
        if (o->rec.state != BITTEN_FIRE_SENT || now - o->rec.sent_at < self->result_timeout_ms)
            continue;
        //  s_move does not touch the map, so iterating on is safe.
        s_move(self, &o->rec, BITTEN_FIRE_TIMEOUT, BITTEN_R_TIMEOUT,
               "no result within fire.result_timeout_s; a late result still reconciles", NULL,
               o->manual);
    }
}

/* ---------------------------------------------------------------- control commands */

static const char *s_str_field(const json_t *req, const char *key)
{
    return json_string_value(json_object_get(req, key));
}

static bool s_num_field(const json_t *req, const char *key, double *out)
{
    json_t *v = json_object_get(req, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return isfinite(*out);
}

static void s_reply_outcome(json_t *reply, const fire_request_t *req, const s_outcome_t *out)
{
    json_object_set_new(reply, "id", json_integer(out->id));
    json_object_set_new(reply, "signal_id", json_string(req->signal_id));
    json_object_set_new(reply, "uuid", json_string(req->uuid));
    json_object_set_new(reply, "state", json_string(bitten_fire_state_str(out->state)));
    json_object_set_new(reply, "lot", json_real(out->lot));
    if (out->reason != BITTEN_R_OK)
        json_object_set_new(reply, "error", json_string(bitten_reason_doc(out->reason)));
    if (out->reason == BITTEN_R_DUPLICATE && out->first_reason != BITTEN_R_OK)
        json_object_set_new(reply, "first_reason", json_string(bitten_reason_str(out->first_reason)));
}

//  Common fields of fire and close: uuid, optional signal_id (else MANUAL_<ms>_<seq>).
static bitten_reason_t s_manual_request(fire_router_t *self, const json_t *request, const char *prefix,
                                        fire_request_t *req, json_t *reply)
{
    memset(req, 0, sizeof *req);
    const char *uuid = s_str_field(request, "uuid");
    const char *id = s_str_field(request, "signal_id");
    if (!uuid || !bitten_valid_id(uuid)) {
        json_object_set_new(reply, "error", json_string("uuid: required, 1-64 of [A-Za-z0-9_.:-]"));
        return BITTEN_R_BAD_REQUEST;
    }
    if (id && !bitten_valid_id(id)) {
        json_object_set_new(reply, "error", json_string("signal_id: 1-64 of [A-Za-z0-9_.:-]"));
        return BITTEN_R_BAD_REQUEST;
    }
    bitten_ms_t now = bitten_core_now_ms(self->core);
    snprintf(req->uuid, sizeof req->uuid, "%s", uuid);
    if (id)
        snprintf(req->signal_id, sizeof req->signal_id, "%s", id);
    else
        snprintf(req->signal_id, sizeof req->signal_id, "%s_%lld_%llu", prefix, (long long)now,
                 (unsigned long long)++self->seq);
    req->manual = true;
    req->shield_multiplier = 1.0;
    req->expires_at = now + self->manual_ttl_ms;
    const char *symbol = s_str_field(request, "symbol");
    snprintf(req->symbol, sizeof req->symbol, "%.16s", symbol ? symbol : "");
    return BITTEN_R_OK;
}

//  What each command may be sent (checked by the core before the handler runs).
static const bitten_control_arg_t s_fire_args[] = {
    {"uuid", BITTEN_ARG_STRING, true},     {"signal_id", BITTEN_ARG_STRING, false},
    {"symbol", BITTEN_ARG_STRING, false},  {"action", BITTEN_ARG_STRING, false},
    {"sl_pips", BITTEN_ARG_NUMBER, false}, {"tp_pips", BITTEN_ARG_NUMBER, false},
    {"lot", BITTEN_ARG_NUMBER, false},     {"risk_pct", BITTEN_ARG_NUMBER, false},
    {"override_risk", BITTEN_ARG_BOOL, false}, {NULL, 0, false}};
static const bitten_control_arg_t s_close_args[] = {{"uuid", BITTEN_ARG_STRING, true},
                                                    {"signal_id", BITTEN_ARG_STRING, false},
                                                    {"symbol", BITTEN_ARG_STRING, false},
                                                    {NULL, 0, false}};
static const bitten_control_arg_t s_fires_args[] = {{"uuid", BITTEN_ARG_STRING, false},
                                                    {"signal_id", BITTEN_ARG_STRING, false},
                                                    {"state", BITTEN_ARG_STRING, false},
                                                    {"limit", BITTEN_ARG_INT, false},
                                                    {NULL, 0, false}};

static bitten_reason_t s_control_fire(void *arg, const json_t *request, json_t *reply)
{
    fire_router_t *self = arg;
    fire_request_t req;
    bitten_reason_t bad = s_manual_request(self, request, "MANUAL", &req, reply);
    if (bad != BITTEN_R_OK)
        return bad;
    req.action = bitten_action_parse(s_str_field(request, "action"));
    s_num_field(request, "sl_pips", &req.sl_pips);
    s_num_field(request, "tp_pips", &req.tp_pips);
    req.has_lot = s_num_field(request, "lot", &req.lot);
    json_t *ovr = json_object_get(request, "override_risk");
    if (ovr && !json_is_boolean(ovr)) {
        json_object_set_new(reply, "error", json_string("override_risk: true or false"));
        return BITTEN_R_BAD_REQUEST;
    }
    req.override_risk = json_is_true(ovr);
    double risk_pct = 0;
    s_num_field(request, "risk_pct", &risk_pct);
    s_outcome_t out = s_submit(self, &req, risk_pct);
    s_reply_outcome(reply, &req, &out);
    return out.reason;
}

//  Test hook (debug.test_hooks only): publishes a passed verdict for an automatic fan-out, as
//  CITADEL would, stamped now: {"cmd":"debug.verdict","signal_id","symbol","action",
//  "sl_pips","tp_pips","class"}. Lets a test fan out without replaying a market.
static const bitten_control_arg_t s_debug_verdict_args[] = {
    {"signal_id", BITTEN_ARG_STRING, true}, {"symbol", BITTEN_ARG_STRING, false},
    {"action", BITTEN_ARG_STRING, false},   {"class", BITTEN_ARG_STRING, false},
    {"sl_pips", BITTEN_ARG_NUMBER, false},  {"tp_pips", BITTEN_ARG_NUMBER, false},
    {NULL, 0, false}};

static bitten_reason_t s_control_debug_verdict(void *arg, const json_t *request, json_t *reply)
{
    fire_router_t *self = arg;
    const char *id = s_str_field(request, "signal_id");
    const char *symbol = s_str_field(request, "symbol");
    const char *cls = s_str_field(request, "class");
    bitten_action_t dir = bitten_action_parse(s_str_field(request, "action"));
    double sl = 0, tp = 0;
    if (!id || !bitten_valid_id(id) || !symbol || !s_num_field(request, "sl_pips", &sl) ||
        (dir != BITTEN_ACTION_BUY && dir != BITTEN_ACTION_SELL)) {
        json_object_set_new(reply, "error",
                            json_string("signal_id, symbol, action buy|sell, sl_pips required"));
        return BITTEN_R_BAD_REQUEST;
    }
    s_num_field(request, "tp_pips", &tp);
    bitten_ms_t now = bitten_core_now_ms(self->core);
    bitten_verdict_event_t v = {.signal_id = id,
                                .symbol = symbol,
                                .direction = dir,
                                .signal_class = cls ? cls : "PRECISION_STRIKE",
                                .pattern = "DEBUG",
                                .sl_pips = sl,
                                .tp_pips = tp,
                                .created_at = now,
                                .expires_at = now + 60000,
                                .multiplier = 1.0,
                                .label = "SHIELD_APPROVED",
                                .passed = true};
    bitten_bus_publish(bitten_core_bus(self->core), BITTEN_EV_VERDICT, &v);
    return BITTEN_R_OK;
}

static bitten_reason_t s_control_close(void *arg, const json_t *request, json_t *reply)
{
    fire_router_t *self = arg;
    fire_request_t req;
    bitten_reason_t bad = s_manual_request(self, request, "CLOSE", &req, reply);
    if (bad != BITTEN_R_OK)
        return bad;
    req.action = *req.symbol ? BITTEN_ACTION_CLOSE : BITTEN_ACTION_CLOSE_ALL;
    s_outcome_t out = s_submit(self, &req, 0);
    s_reply_outcome(reply, &req, &out);
    return out.reason;
}

//  A hard halt closes the account's positions through the same journaled path as an
//  operator's close_all. The uuid is cut so the id stays a valid id. 0 sent, -1 refused.
static int s_close_all_for_halt(fire_router_t *self, const char *uuid, const char *why)
{
    fire_request_t req;
    memset(&req, 0, sizeof req);
    bitten_ms_t now = bitten_core_now_ms(self->core);
    snprintf(req.uuid, sizeof req.uuid, "%s", uuid);
    snprintf(req.signal_id, sizeof req.signal_id, "HALT_%.40s_%lld", uuid, (long long)now);
    req.action = BITTEN_ACTION_CLOSE_ALL;
    req.manual = true;
    req.shield_multiplier = 1.0;
    req.expires_at = now + self->manual_ttl_ms;
    s_outcome_t out = s_submit(self, &req, 0);
    char qwhy[300];
    BLOG(self->log, out.state == BITTEN_FIRE_SENT ? BITTEN_LOG_WARN : BITTEN_LOG_ERROR,
         "fire_router", "halt.close_all", "signal_id=%s uuid=%s state=%s reason=%s why=%s",
         req.signal_id, uuid, bitten_fire_state_str(out.state),
         out.reason == BITTEN_R_OK ? "-" : bitten_reason_str(out.reason),
         bitten_log_quote(why ? why : "", qwhy, sizeof qwhy));
    return out.state == BITTEN_FIRE_SENT ? 0 : -1;
}

/* ---------------------------------------------------------------- halts */

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    bool owed;
} s_owed_t;

static void s_owed_free(void **item)
{
    free(*item);
    *item = NULL;
}

static void s_owed_key(const char *uuid, char *key)
{
    snprintf(key, ROUTER_KV_MAX, ROUTER_KV_OWED "%s", uuid);
}

//  The account's cached record, or NULL: by its slot when the caller has one (checked against
//  the uuid: a slot is a hint), else by uuid.
static s_owed_t *s_owed_cached(fire_router_t *self, const char *uuid, int slot)
{
    s_owed_t *o = bitten_slots_get(&self->owed_by_slot, slot);
    if (o && strcmp(o->uuid, uuid) == 0)
        return o;
    if ((o = zhashx_lookup(self->owed, uuid)) != NULL)
        bitten_slots_put(&self->owed_by_slot, slot, o);
    return o;
}

//  Caches what the store says. No memory: not cached, the next ask reads the store again.
static void s_owed_cache(fire_router_t *self, const char *uuid, int slot, bool owed)
{
    s_owed_t *o = s_owed_cached(self, uuid, slot);
    if (!o && (o = calloc(1, sizeof *o)) != NULL) {
        snprintf(o->uuid, sizeof o->uuid, "%s", uuid);
        if (zhashx_insert(self->owed, o->uuid, o) != 0) {
            free(o);
            return;
        }
        bitten_slots_put(&self->owed_by_slot, slot, o);
    }
    if (o)
        o->owed = owed;
}

//  Whether a hard halt's close_all is owed to the account: the cache, else the store (read
//  once per known account; an unknown uuid is never owed anything and is not cached). slot:
//  the account's when the caller has it from the frame (-1: none).
static bool s_owed_at(fire_router_t *self, const char *uuid, int slot)
{
    const s_owed_t *cached = s_owed_cached(self, uuid, slot);
    if (cached)
        return cached->owed;
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    bitten_account_t acc;
    if (!aq->find || aq->find(aq->self, uuid, &acc) != 0)
        return false;
    char key[ROUTER_KV_MAX], value[4] = "";
    s_owed_key(uuid, key);
    int rc = bitten_store_kv_get(self->store, key, value, sizeof value);
    if (rc < 0) {
        //  Not cached: the next frame of this account asks the store again.
        BLOG_ERROR(self->log, "fire_router", "store.failed", "what=close_owed uuid=%s error=\"%s\"",
                   uuid, bitten_store_errmsg(self->store));
        return false;
    }
    bool owed = rc == 0 && strcmp(value, "1") == 0;
    s_owed_cache(self, uuid, slot, owed);
    return owed;
}

static bool s_owed(fire_router_t *self, const char *uuid)
{
    return s_owed_at(self, uuid, -1);
}

static void s_set_owed(fire_router_t *self, const char *uuid, bool owed)
{
    s_owed_cache(self, uuid, -1, owed);
    char key[ROUTER_KV_MAX];
    s_owed_key(uuid, key);
    if (bitten_store_kv_set(self->store, key, owed ? "1" : "0") != 0)
        BLOG_ERROR(self->log, "fire_router", "store.failed", "what=close_owed uuid=%s error=\"%s\"",
                   uuid, bitten_store_errmsg(self->store));
}

//  A hard halt must close the positions even when the EA cannot take the order right now
//  (offline, not connected): a refused close_all is owed and retried when the account's EA is
//  heard or comes online, until one is sent.
static void s_halt_close(fire_router_t *self, const char *uuid, const char *why)
{
    if (s_close_all_for_halt(self, uuid, why) == 0) {
        if (s_owed(self, uuid))
            s_set_owed(self, uuid, false);
        return;
    }
    if (s_owed(self, uuid))
        return;
    s_set_owed(self, uuid, true);
    self->halt_closes_owed++;
    BLOG_ERROR(self->log, "fire_router", "halt.close_all_owed",
               "uuid=%s alarm=1 why=\"close_all refused; retried when the EA is heard\"", uuid);
}

//  slot: the account's, from the frame being published (-1: none).
static void s_retry_owed_at(fire_router_t *self, const char *uuid, int slot)
{
    if (uuid && *uuid && s_owed_at(self, uuid, slot))
        s_halt_close(self, uuid, "retry: a hard halt's close_all is owed");
}

static void s_retry_owed(fire_router_t *self, const char *uuid)
{
    s_retry_owed_at(self, uuid, -1);
}

//  A frame's account heard: its slot from the core spares hashing the uuid on every frame.
static void s_retry_owed_frame(fire_router_t *self, const bitten_frame_t *f, const char *uuid)
{
    const bitten_frame_ctx_t *fx = bitten_core_frame_ctx(self->core, f);
    s_retry_owed_at(self, uuid, fx && uuid == bitten_frame_uuid(f) ? fx->account.slot : -1);
}

//  HALT from XP & risk: a raised hard halt closes the account's positions, or every account's
//  for a global one. Accounts are copied out one at a time, so the fires this publishes may
//  do anything without disturbing the loop.
static void s_on_halt(void *arg, bitten_event_t event, const void *payload)
{
    fire_router_t *self = arg;
    const bitten_halt_event_t *h = payload;
    if (!h->raised || h->kind != BITTEN_HALT_HARD || !h->close_positions)
        return;
    const char *why = h->why ? h->why : "";
    if (h->scope == BITTEN_HALT_ACCOUNT) {
        if (h->uuid && *h->uuid)
            s_halt_close(self, h->uuid, why);
        return;
    }
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    size_t n = aq->count ? aq->count(aq->self) : 0;
    bitten_account_t acc;
    for (size_t i = 0; i < n; i++)
        if (aq->at(aq->self, i, &acc) == 0)
            s_halt_close(self, acc.uuid, why);
}

static void s_on_ea_online(void *arg, bitten_event_t event, const void *payload)
{
    s_retry_owed(arg, ((const bitten_ea_event_t *)payload)->uuid);
}

static void s_on_telemetry(void *arg, bitten_event_t event, const void *payload)
{
    const bitten_frame_t *f = payload;
    s_retry_owed_frame(arg, f, f->u.telemetry.uuid);
}

static void s_on_heartbeat(void *arg, bitten_event_t event, const void *payload)
{
    fire_router_t *self = arg;
    const bitten_ea_heartbeat_t *h = &((const bitten_frame_t *)payload)->u.heartbeat;
    if (*h->uuid) {
        s_recon_heartbeat(self, payload);
        s_retry_owed_frame(self, payload, h->uuid);
        return;
    }
    //  EA v7 omits the uuid: only when one account exists can it be that account's EA.
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    bitten_account_t acc;
    if (aq->count && aq->count(aq->self) == 1 && aq->at(aq->self, 0, &acc) == 0)
        s_retry_owed(self, acc.uuid);
}

static int s_list_cb(void *arg, const bitten_fire_rec_t *rec)
{
    json_array_append_new(arg, s_fire_json(rec));
    return 0;
}

static bitten_reason_t s_control_fires(void *arg, const json_t *request, json_t *reply)
{
    fire_router_t *self = arg;
    bitten_fire_filter_t filter = {s_str_field(request, "uuid"), s_str_field(request, "signal_id"),
                                   -1, ROUTER_LIST_DEFAULT};
    const char *state = s_str_field(request, "state");
    if (state) {
        filter.state = bitten_fire_state_from_str(state);
        if (filter.state < 0) {
            json_object_set_new(reply, "error", json_string("state: not a fire state"));
            return BITTEN_R_BAD_REQUEST;
        }
    }
    double limit;
    if (s_num_field(request, "limit", &limit) && limit >= 0)
        filter.limit = (int)limit;
    json_t *list = json_array();
    json_object_set_new(reply, "fires", list);
    return bitten_store_fire_list(self->store, &filter, s_list_cb, list) < 0 ? BITTEN_R_INTERNAL
                                                                             : BITTEN_R_OK;
}

//  The open fires (awaiting a result) counted by state.
static json_t *s_open_by_state(fire_router_t *self)
{
    uint64_t n[BITTEN_FIRE_STATE_COUNT_] = {0};
    for (s_open_t *f = zhashx_first(self->open); f; f = zhashx_next(self->open))
        if ((unsigned)f->rec.state < BITTEN_FIRE_STATE_COUNT_)
            n[f->rec.state]++;
    json_t *obj = json_object();
    for (int i = 0; i < BITTEN_FIRE_STATE_COUNT_; i++)
        if (n[i])
            json_object_set_new(obj, bitten_fire_state_str((bitten_fire_state_t)i),
                                json_integer((json_int_t)n[i]));
    return obj;
}

static void s_status(void *arg, json_t *section)
{
    fire_router_t *self = arg;
    json_t *states = json_object();
    for (int i = 0; i < BITTEN_FIRE_STATE_COUNT_; i++)
        if (self->by_state[i])
            json_object_set_new(states, bitten_fire_state_str((bitten_fire_state_t)i),
                                json_integer((json_int_t)self->by_state[i]));
    json_t *refused = json_object();
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        if (self->refused[i])
            json_object_set_new(refused, bitten_reason_str((bitten_reason_t)i),
                                json_integer((json_int_t)self->refused[i]));
    json_object_set_new(section, "transitions", states);
    json_object_set_new(section, "refused", refused);
    json_object_set_new(section, "open", json_integer((json_int_t)zhashx_size(self->open)));
    json_object_set_new(section, "open_by_state", s_open_by_state(self));
    json_object_set_new(section, "orphan_results", json_integer((json_int_t)self->orphans));
    json_object_set_new(section, "duplicate_results",
                        json_integer((json_int_t)self->duplicate_results));
    json_object_set_new(section, "auto_signals", json_integer((json_int_t)self->auto_signals));
    json_object_set_new(section, "restart_before_send",
                        json_integer((json_int_t)self->restart_before_send));
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    json_object_set_new(section, "accounts",
                        json_integer((json_int_t)(aq->count ? aq->count(aq->self) : 0)));
    json_object_set_new(section, "halt_closes_owed",
                        json_integer((json_int_t)self->halt_closes_owed));
    json_object_set_new(section, "reconciled",
                        json_pack("{s:I, s:I, s:I}", "closed_by_heartbeats",
                                  (json_int_t)self->recon_closed_heartbeat, "closed_by_close_answer",
                                  (json_int_t)self->recon_closed_answer, "partial_mismatches",
                                  (json_int_t)self->recon_partial));
}

/* ---------------------------------------------------------------- start-up */

typedef struct {
    fire_router_t *self;
    zhashx_t *fanouts; /* signal_ids whose first PENDING auto fire was seen */
    bool same_boot;    /* no relaxed SENT can be lost: the machine did not reboot since */
    int unmoved;       /* rows whose move could not be journaled */
} s_restart_t;

//  After a restart, fires journaled PENDING or SENT have an unknown outcome: they become
//  UNCONFIRMED, wait for a late result, and are never sent again. One exception: a fan-out
//  sends its targets in row-id order, each outcome journaled (synchronous=FULL) before the
//  next send and the fan-out stops when one cannot be, so of an automatic fan-out's PENDING
//  rows only the lowest-id one can have been in flight. The later ones never left: REFUSED
//  RESTART_BEFORE_SEND, so they hold no max_positions slot. Rows arrive in id order.
//  SENT is committed relaxed (no fsync): a kill -9 keeps it (the kernel has it), a power loss
//  or OS crash may drop it, so the rule needs the same kernel boot as the last start. After a
//  reboot every PENDING row may have been sent: all become UNCONFIRMED.
static int s_unconfirmed_cb(void *arg, const bitten_fire_rec_t *row)
{
    s_restart_t *rs = arg;
    fire_router_t *self = rs->self;
    bitten_fire_rec_t rec = *row;
    bool manual = rec.source == BITTEN_FIRE_MANUAL;
    if (!manual && rec.state == BITTEN_FIRE_PENDING && rs->same_boot) {
        if (zhashx_lookup(rs->fanouts, rec.signal_id)) {
            if (s_move(self, &rec, BITTEN_FIRE_REFUSED, BITTEN_R_RESTART_BEFORE_SEND,
                       "bittend stopped before this fan-out target's turn to be sent; not sent",
                       NULL, false) == 0)
                self->restart_before_send++;
            else
                rs->unmoved++;
            return 0;
        }
        zhashx_insert(rs->fanouts, rec.signal_id, (void *)1);
    }
    if (s_move(self, &rec, BITTEN_FIRE_UNCONFIRMED, BITTEN_R_OK,
               rs->same_boot ? "bittend restarted before this fire's result; it is not resent"
                             : "bittend restarted after a reboot (or on an unmarked journal) "
                               "before this fire's result; it may have been sent; not resent",
               NULL, manual) == 0)
        s_open_put(self, &rec, manual);
    else
        rs->unmoved++;
    return 0;
}

//  Fires still waiting for a result or a close: keep waiting across restarts.
static int s_filled_cb(void *arg, const bitten_fire_rec_t *row)
{
    s_open_put(arg, row, row->source == BITTEN_FIRE_MANUAL);
    return 0;
}

fire_router_t *fire_router_new(bitten_core_t *core)
{
    fire_router_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->core = core;
    self->log = bitten_core_log(core);
    self->store = bitten_core_store(core);
    self->cfg = bitten_core_config(core);
    self->open = zhashx_new();
    self->owed = zhashx_new();
    if (self->owed)
        zhashx_set_destructor(self->owed, s_owed_free);
    self->quotes = zhashx_new();
    self->recon = zhashx_new();
    if (!self->open || !self->owed || !self->quotes || !self->recon || !self->store) {
        BLOG_ERROR(self->log, "fire_router", "start_failed", "error=\"out of memory or no store\"");
        fire_router_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->open, s_open_free);
    zhashx_set_destructor(self->quotes, s_open_free);
    zhashx_set_destructor(self->recon, s_open_free);
    self->recon_confirm_n = (int)bitten_config_int(self->cfg, "fire.reconcile_heartbeats");
    self->limits = fire_limits_from_config(self->cfg);
    self->result_timeout_ms = bitten_config_int(self->cfg, "fire.result_timeout_s") * 1000;
    self->manual_ttl_ms = bitten_config_int(self->cfg, "fire.manual_ttl_s") * 1000;
    self->max_skew_ms = bitten_config_int(self->cfg, "fire.max_clock_skew_s") * 1000;
    self->quote_max_age_ms = bitten_config_int(self->cfg, "fire.quote_max_age_s") * 1000;
    if (bitten_config_bool(self->cfg, "debug.test_hooks")) {
        self->crash_after_sends = (int)bitten_config_int(self->cfg, "debug.crash_after_fanout_sends");
        self->crash_before_sent = bitten_config_bool(self->cfg, "debug.crash_before_sent_journal");
    }
    //  Everything still waiting for news comes back into memory: PENDING/SENT become
    //  UNCONFIRMED; TIMEOUT, UNCONFIRMED and FILLED wait on as they were.
    bitten_fire_filter_t waiting[] = {{NULL, NULL, BITTEN_FIRE_FILLED, 0},
                                      {NULL, NULL, BITTEN_FIRE_TIMEOUT, 0},
                                      {NULL, NULL, BITTEN_FIRE_UNCONFIRMED, 0}};
    int loaded = 0;
    for (size_t i = 0; i < sizeof waiting / sizeof *waiting && loaded >= 0; i++)
        loaded = bitten_store_fire_list(self->store, &waiting[i], s_filled_cb, self);
    s_restart_t rs = {self, zhashx_new(), false, 0};
    if (loaded >= 0 && bitten_store_same_boot(self->store, &rs.same_boot) != 0)
        loaded = -1;
    int walked = (loaded >= 0 && rs.fanouts) ? bitten_store_fires_unconfirmed(self->store, s_unconfirmed_cb, &rs) : -1;
    zhashx_destroy(&rs.fanouts);
    //  Every fire a lost relaxed commit could leave behind is accounted for now: mark the boot
    //  (before any new relaxed commit). Unmarked, the next start is cautious.
    if (walked >= 0 && (rs.unmoved > 0 || bitten_store_mark_boot(self->store) != 0))
        BLOG_WARN(self->log, "fire_router", "store.boot_unmarked",
                  "why=\"the next start treats unsent fan-out targets as maybe sent\" error=\"%s\"",
                  bitten_store_errmsg(self->store));
    if (loaded < 0 || walked < 0) {
        BLOG_ERROR(self->log, "fire_router", "start_failed",
                   "error=\"cannot read the fire journal: %s\"", bitten_store_errmsg(self->store));
        fire_router_destroy(&self);
        return NULL;
    }

    bitten_bus_t *bus = bitten_core_bus(core);
    bitten_bus_subscribe(bus, BITTEN_EV_VERDICT, s_on_verdict, self);
    bitten_bus_subscribe(bus, BITTEN_EV_TRADE_RESULT, s_on_result, self);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ERROR, s_on_ea_error, self);
    bitten_bus_subscribe(bus, BITTEN_EV_HALT, s_on_halt, self);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_on_ea_online, self);
    bitten_bus_subscribe(bus, BITTEN_EV_TELEMETRY, s_on_telemetry, self);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_HEARTBEAT, s_on_heartbeat, self);
    bitten_bus_subscribe(bus, BITTEN_EV_TICK, s_on_tick, self);
    bitten_core_control_register(core, "fire", BITTEN_CONTROL_ACT, s_fire_args, s_control_fire,
                                 self);
    bitten_core_control_register(core, "close", BITTEN_CONTROL_ACT, s_close_args,
                                 s_control_close, self);
    bitten_core_control_register(core, "fires", BITTEN_CONTROL_READ, s_fires_args,
                                 s_control_fires, self);
    if (bitten_config_bool(self->cfg, "debug.test_hooks"))
        bitten_core_control_register(core, "debug.verdict", BITTEN_CONTROL_ACT, s_debug_verdict_args,
                                     s_control_debug_verdict, self);
    bitten_core_status_register(core, "fires", s_status, self);
    double sweep_s = (double)bitten_config_int(self->cfg, "fire.check_interval_ms") / 1000.0;
    ev_timer_init(&self->sweep, s_sweep_cb, sweep_s, sweep_s);
    self->sweep.data = self;
    ev_timer_start(bitten_core_loop(core), &self->sweep);
    ev_timer_init(&self->sync, s_sync_cb, ROUTER_SYNC_S, 0.0);
    self->sync.data = self;
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(core);
    BLOG_INFO(self->log, "fire_router", "ready", "accounts=%zu waiting=%zu result_timeout_s=%lld",
              aq->count ? aq->count(aq->self) : 0, zhashx_size(self->open),
              (long long)(self->result_timeout_ms / 1000));
    return self;
}

void fire_router_destroy(fire_router_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fire_router_t *self = *self_p;
    if (self->open) {
        ev_timer_stop(bitten_core_loop(self->core), &self->sweep);
        ev_timer_stop(bitten_core_loop(self->core), &self->sync);
        bitten_store_sync(self->store);
        bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
    }
    zhashx_destroy(&self->open);
    zhashx_destroy(&self->owed);
    bitten_slots_free(&self->owed_by_slot);
    zhashx_destroy(&self->quotes);
    zhashx_destroy(&self->recon);
    free(self);
    *self_p = NULL;
}
