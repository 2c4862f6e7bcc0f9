/*  xp_risk.c: the XP & risk module shell: feeds telemetry, heartbeats and fire states into the
 *  pure core (xp_risk_core.h), answers the risk gate, raises and lifts halts, pays XP, snapshots.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <ev.h>

#include "bitten/slots.h"
#include "bitten/symbols.h"
#include "core/store.h"
#include "core/symbols_config.h"
#include "modules/xp_risk/xp_risk.h"

#define XP_RISK_STATUS_MAX 200 /* accounts listed in `status`; accounts_risk lists them all */
#define XP_RISK_UPDATE_MS 1000 /* at most one account.update event per account per second */
#define XP_RISK_SNAPSHOT_VERSION 1
#define XP_RISK_WHY_MAX 240
/*  Not a tier: risk_tier_params() answers NULL, so tier limits (the daily loss cap) are skipped
 *  for an account whose tier is not known yet; account-wide triggers still apply. */
#define XP_RISK_NO_TIER ((bitten_tier_t)-1)

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    account_state_t state;
    bitten_ms_t last_update_emit;
    bool update_pending;  /* an account.update is owed (rate limit) */
    bool dirty;           /* changed since the last snapshot */
    bool drawdown_warned; /* above risk.drawdown_warn_pct at the last telemetry */
    //  An operator released this automatic halt: it is not raised again until its condition
    //  has cleared once (else a resume would be undone, and close_all resent, a second later).
    bool suppressed[RISK_TRIGGER_COUNT];
    //  A snapshot written before the fire router owned the retry said a hard halt's close_all
    //  was still owed: handed to the router (HALT) once the halts are restored.
    bool legacy_close_owed;
    bitten_ms_t margin_status_asked_at; /* the last `command` status for its margin; 0 = never */
} s_account_t;

typedef struct {
    bitten_halt_rec_t rec; /* id (0 when the store failed), scope, uuid, kind, reason, why */
    int trigger;           /* a risk_trigger_t, or -1 for an operator halt */
} s_halt_t;

struct xp_risk {
    bitten_core_t *core;
    bitten_log_t *log;
    bitten_store_t *store;
    risk_params_t params;
    bitten_ms_t snapshot_interval_ms;
    bitten_symbols_t *symbols;
    zhashx_t *accounts;     /* uuid -> s_account_t* (owned; never removed before destroy) */
    bitten_slots_t by_slot; /* account slot -> s_account_t* (borrowed): the frame path */
    s_halt_t *halts;    /* active halts, oldest first */
    size_t n_halts, cap_halts;
    ev_timer snapshot_timer, update_timer;
    bool timers_started;
    bitten_risk_query_t query;
    uint64_t gates, refused[BITTEN_R_COUNT_], xp_awards, snapshots, halts_raised;
    uint64_t margin_status_asks; /* `command` status sent to v7 EAs whose margin is unknown */
    uint64_t alloc_failures;     /* positions / fire times that could not be allocated */
};

/* ---------------------------------------------------------------- config */

//  risk_params_t <-> risk.* keys: xp_risk_params.c.

int xp_risk_check_config(const bitten_config_t *cfg, char *err, size_t errlen)
{
    risk_params_t p;
    return xp_risk_params_from_config(cfg, &p, err, errlen);
}

/* ---------------------------------------------------------------- accounts */

static void s_account_free(void **item)
{
    s_account_t *acc = *item;
    if (acc)
        account_state_free(&acc->state);
    free(acc);
    *item = NULL;
}

static s_account_t *s_account_find(xp_risk_t *self, const char *uuid)
{
    return (uuid && *uuid) ? zhashx_lookup(self->accounts, uuid) : NULL;
}

//  Finds or creates: an account exists from its first telemetry or heartbeat with a uuid.
static s_account_t *s_account(xp_risk_t *self, const char *uuid)
{
    s_account_t *acc = s_account_find(self, uuid);
    if (acc || !uuid || !*uuid)
        return acc;
    acc = calloc(1, sizeof *acc);
    if (!acc)
        return NULL;
    snprintf(acc->uuid, sizeof acc->uuid, "%s", uuid);
    account_state_init(&acc->state);
    zhashx_insert(self->accounts, acc->uuid, acc);
    return acc;
}

//  The account's tier, from its one owner (the accounts module); -1 when it is not known
//  there (yet): an account is known to XP & risk from any frame with its uuid.
static int s_account_tier(xp_risk_t *self, const char *uuid)
{
    const bitten_accounts_query_t *aq = bitten_core_accounts_query(self->core);
    if (aq->tier)
        return aq->tier(aq->self, uuid); /* no 2 KB copy per telemetry */
    bitten_account_t acc;
    if (!aq->find || aq->find(aq->self, uuid, &acc) != 0)
        return -1;
    return (int)acc.tier;
}

//  A frame's account and its tier, from what the core resolved once for the frame (its slot:
//  no hashing of the uuid, the record checked against the uuid), else by uuid as any caller.
//  *now: the frame's daemon clock. Finds or creates like s_account.
static s_account_t *s_frame_account(xp_risk_t *self, const bitten_frame_t *frame, const char *uuid,
                                    int *tier, bitten_ms_t *now)
{
    const bitten_frame_ctx_t *fx = bitten_core_frame_ctx(self->core, frame);
    //  The slot is the account of the frame's own uuid field: only for that uuid.
    int slot = fx && *uuid && uuid == bitten_frame_uuid(frame) ? fx->account.slot : -1;
    *now = fx ? fx->now_ms : bitten_core_now_ms(self->core);
    s_account_t *acc = bitten_slots_get(&self->by_slot, slot);
    if (!acc || strcmp(acc->uuid, uuid) != 0) {
        acc = s_account(self, uuid);
        if (acc)
            bitten_slots_put(&self->by_slot, slot, acc);
    }
    *tier = slot >= 0 ? (int)fx->account.tier : acc ? s_account_tier(self, acc->uuid) : -1;
    return acc;
}

static const char *s_tier_name(xp_risk_t *self, const char *uuid)
{
    int tier = s_account_tier(self, uuid);
    return tier < 0 ? "?" : bitten_tier_str((bitten_tier_t)tier);
}

static bool s_halt_applies(const s_halt_t *h, const char *uuid)
{
    return h->rec.scope == BITTEN_HALT_GLOBAL || (uuid && strcmp(h->rec.uuid, uuid) == 0);
}

static json_t *s_halt_json(const s_halt_t *h)
{
    char since[32];
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)h->rec.id, "scope",
                  h->rec.scope == BITTEN_HALT_GLOBAL ? "global" : "account", "kind",
                  h->rec.kind == BITTEN_HALT_HARD ? "hard" : "soft", "reason",
                  bitten_reason_str(h->rec.reason), "trigger",
                  h->trigger < 0 ? "OPERATOR" : risk_trigger_str((risk_trigger_t)h->trigger), "why",
                  h->rec.why, "since", bitten_format_time(h->rec.created_at, since, sizeof since));
    if (h->rec.scope == BITTEN_HALT_ACCOUNT)
        json_object_set_new(o, "uuid", json_string(h->rec.uuid));
    return o;
}

static json_t *s_account_json(xp_risk_t *self, const s_account_t *acc, bitten_ms_t now)
{
    const account_state_t *s = &acc->state;
    double loss = 0, dd = 0;
    bool has_loss = account_daily_loss_pct(s, &loss), has_dd = account_drawdown_pct(s, &dd);
    int tier = s_account_tier(self, acc->uuid);
    json_t *o = json_pack(
        "{s:s, s:o, s:f, s:f, s:f, s:f, s:f, s:b, s:I, s:i, s:i, s:i, s:f}", "uuid", acc->uuid,
        "tier", tier < 0 ? json_null() : json_string(bitten_tier_str((bitten_tier_t)tier)), "balance", s->balance, "equity", s->equity,
        "peak_equity", s->peak_equity, "day_start_balance", s->day_start_balance, "realised_today",
        s->realised_pl_today, "medic", risk_is_medic(s, &self->params), "open_positions",
        (json_int_t)account_open_positions(s), "fires_today", s->fires_today, "loss_streak",
        s->consecutive_losses, "win_streak", s->win_streak, "free_margin", s->free_margin);
    json_object_set_new(o, "closes_profit_unknown_today", json_integer(s->closes_unknown_today));
    json_object_set_new(o, "telemetry_max_age_s",
                        json_integer(risk_telemetry_max_age_s(&self->params, s->telemetry_dialect)));
    json_object_set_new(o, "daily_loss_pct", has_loss ? json_real(loss) : json_null());
    json_object_set_new(o, "drawdown_pct", has_dd ? json_real(dd) : json_null());
    //  One type per field (docs/events.md): a number or null, the state says which null.
    bool known = s->margin_level_state == RISK_LEVEL_KNOWN;
    json_object_set_new(o, "margin_level", known ? json_real(s->margin_level) : json_null());
    json_object_set_new(o, "margin_level_state",
                        json_string(known                                         ? "known"
                                    : s->margin_level_state == RISK_LEVEL_NONE ? "none"
                                                                               : "unknown"));
    json_object_set_new(o, "last_telemetry_age_s",
                        s->has_telemetry ? json_real((double)(now - s->last_telemetry_at) / 1000.0)
                                         : json_null());
    json_t *halts = json_array();
    for (size_t i = 0; i < self->n_halts; i++)
        if (self->halts[i].rec.scope == BITTEN_HALT_ACCOUNT &&
            strcmp(self->halts[i].rec.uuid, acc->uuid) == 0)
            json_array_append_new(halts, s_halt_json(&self->halts[i]));
    json_object_set_new(o, "halts", halts);
    return o;
}

static void s_emit_update(xp_risk_t *self, s_account_t *acc, bitten_ms_t now)
{
    acc->last_update_emit = now;
    acc->update_pending = false;
    if (bitten_core_events_wanted(self->core)) /* one per telemetry frame: skip when unheard */
        bitten_core_emit(self->core, "account.update", s_account_json(self, acc, now));
}

//  The account's numbers changed: owe a snapshot, and an account.update within a second.
static void s_changed(xp_risk_t *self, s_account_t *acc, bitten_ms_t now)
{
    acc->dirty = true;
    if (now - acc->last_update_emit >= XP_RISK_UPDATE_MS)
        s_emit_update(self, acc, now);
    else
        acc->update_pending = true;
}

static void s_update_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    xp_risk_t *self = w->data;
    bitten_ms_t now = bitten_core_now_ms(self->core);
    for (s_account_t *acc = zhashx_first(self->accounts); acc; acc = zhashx_next(self->accounts))
        if (acc->update_pending && now - acc->last_update_emit >= XP_RISK_UPDATE_MS)
            s_emit_update(self, acc, now);
}

/* ---------------------------------------------------------------- snapshots */

static json_t *s_snapshot_json(xp_risk_t *self, const s_account_t *acc)
{
    const account_state_t *s = &acc->state;
    json_t *o = json_object();
    json_object_set_new(o, "v", json_integer(XP_RISK_SNAPSHOT_VERSION));
    json_object_set_new(o, "tier", json_string(s_tier_name(self, acc->uuid))); /* for audits */
    if (s->has_balance)
        json_object_set_new(o, "balance", json_real(s->balance));
    if (s->has_equity)
        json_object_set_new(o, "equity", json_real(s->equity));
    if (s->has_margin)
        json_object_set_new(o, "margin", json_real(s->margin));
    if (s->has_free_margin)
        json_object_set_new(o, "free_margin", json_real(s->free_margin));
    json_object_set_new(o, "margin_level_state",
                        json_string(s->margin_level_state == RISK_LEVEL_KNOWN  ? "known"
                                    : s->margin_level_state == RISK_LEVEL_NONE ? "none"
                                                                               : "unknown"));
    json_object_set_new(o, "margin_level", json_real(s->margin_level));
    if (s->has_reported_positions)
        json_object_set_new(o, "reported_positions", json_integer(s->reported_positions));
    json_object_set_new(o, "peak_equity", json_real(s->peak_equity));
    if (s->has_telemetry) {
        json_object_set_new(o, "last_telemetry_at", json_integer(s->last_telemetry_at));
        json_object_set_new(o, "telemetry_dialect",
                            json_string(bitten_dialect_str(s->telemetry_dialect)));
    }
    if (s->has_day)
        json_object_set_new(o, "day_index", json_integer(s->day_index));
    if (s->has_day_start)
        json_object_set_new(o, "day_start_balance", json_real(s->day_start_balance));
    json_object_set_new(o, "realised_today", json_real(s->realised_pl_today));
    json_object_set_new(o, "closes_unknown_today", json_integer(s->closes_unknown_today));
    json_object_set_new(o, "fires_today", json_integer(s->fires_today));
    json_object_set_new(o, "loss_streak", json_integer(s->consecutive_losses));
    json_object_set_new(o, "win_streak", json_integer(s->win_streak));
    json_object_set_new(o, "last_loss_at", json_integer(s->last_loss_at));
    json_object_set_new(o, "last_fire_at", json_integer(s->last_fire_at));
    json_t *fires = json_array();
    for (size_t i = 0; i < s->recent_fire_count; i++)
        json_array_append_new(fires, json_integer(s->recent_fires[i]));
    json_object_set_new(o, "recent_fires", fires);
    json_object_set_new(o, "recent_fire_next", json_integer((json_int_t)s->recent_fire_next));
    json_t *positions = json_array();
    for (size_t i = 0; i < s->position_count; i++) {
        const risk_position_t *p = &s->positions[i];
        json_array_append_new(positions, json_pack("{s:s, s:s, s:s, s:I, s:f}", "signal_id",
                                                   p->signal_id, "symbol", p->symbol, "direction",
                                                   bitten_action_str(p->direction), "ticket",
                                                   (json_int_t)p->ticket, "lot", p->lot));
    }
    json_object_set_new(o, "positions", positions);
    if (s->untracked) /* a fill or fire lost to memory: refused across the restart too */
        json_object_set_new(o, "untracked", json_true());
    json_t *suppressed = json_array();
    for (int t = 0; t < RISK_TRIGGER_COUNT; t++)
        if (acc->suppressed[t])
            json_array_append_new(suppressed, json_string(risk_trigger_str((risk_trigger_t)t)));
    json_object_set_new(o, "suppressed", suppressed);
    return o;
}

static bool s_get_num(const json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return false;
    *out = json_number_value(v);
    return true;
}

static int64_t s_get_int(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void s_copy_str(char *dst, size_t size, const json_t *v)
{
    snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

//  The inverse of s_snapshot_json. Unknown or missing fields stay at "nothing seen".
static void s_snapshot_restore(s_account_t *acc, const json_t *o)
{
    account_state_t *s = &acc->state;
    account_state_free(s);
    s->has_balance = s_get_num(o, "balance", &s->balance);
    s->has_equity = s_get_num(o, "equity", &s->equity);
    s->has_margin = s_get_num(o, "margin", &s->margin);
    s->has_free_margin = s_get_num(o, "free_margin", &s->free_margin);
    const char *level = json_string_value(json_object_get(o, "margin_level_state"));
    s->margin_level_state = (level && strcmp(level, "known") == 0)  ? RISK_LEVEL_KNOWN
                            : (level && strcmp(level, "none") == 0) ? RISK_LEVEL_NONE
                                                                    : RISK_LEVEL_UNKNOWN;
    s_get_num(o, "margin_level", &s->margin_level);
    s->has_reported_positions = json_is_integer(json_object_get(o, "reported_positions"));
    s->reported_positions = s_get_int(o, "reported_positions");
    s_get_num(o, "peak_equity", &s->peak_equity);
    s->has_telemetry = json_is_integer(json_object_get(o, "last_telemetry_at"));
    s->last_telemetry_at = s_get_int(o, "last_telemetry_at");
    int dialect = bitten_dialect_from_str(json_string_value(json_object_get(o, "telemetry_dialect")));
    s->telemetry_dialect = dialect < 0 ? BITTEN_DIALECT_UNKNOWN : (bitten_dialect_t)dialect;
    s->has_day = json_is_integer(json_object_get(o, "day_index"));
    s->day_index = s_get_int(o, "day_index");
    s->has_day_start = s_get_num(o, "day_start_balance", &s->day_start_balance);
    s_get_num(o, "realised_today", &s->realised_pl_today);
    s->closes_unknown_today = (int)s_get_int(o, "closes_unknown_today");
    s->fires_today = (int)s_get_int(o, "fires_today");
    s->consecutive_losses = (int)s_get_int(o, "loss_streak");
    s->win_streak = (int)s_get_int(o, "win_streak");
    s->last_loss_at = s_get_int(o, "last_loss_at");
    s->last_fire_at = s_get_int(o, "last_fire_at");
    acc->legacy_close_owed = json_is_true(json_object_get(o, "close_owed"));
    size_t i;
    json_t *v;
    s->untracked = json_is_true(json_object_get(o, "untracked"));
    size_t n_positions = json_array_size(json_object_get(o, "positions"));
    if ((json_array_size(json_object_get(o, "recent_fires")) > 0 || n_positions > 0) &&
        account_state_reserve(s, n_positions) != 0) {
        s->untracked = true; /* fail closed: the gate refuses this account */
        return;
    }
    json_array_foreach(json_object_get(o, "recent_fires"), i, v)
    {
        if (i >= RISK_RECENT_FIRES_MAX)
            break;
        s->recent_fires[i] = json_integer_value(v);
        s->recent_fire_count = i + 1;
    }
    s->recent_fire_next = (size_t)s_get_int(o, "recent_fire_next") % RISK_RECENT_FIRES_MAX;
    json_array_foreach(json_object_get(o, "positions"), i, v)
    {
        if (s->position_count >= RISK_POSITIONS_MAX)
            break;
        risk_position_t *p = &s->positions[s->position_count];
        s_copy_str(p->signal_id, sizeof p->signal_id, json_object_get(v, "signal_id"));
        s_copy_str(p->symbol, sizeof p->symbol, json_object_get(v, "symbol"));
        const char *dir = json_string_value(json_object_get(v, "direction"));
        p->direction = (dir && strcmp(dir, "sell") == 0) ? BITTEN_ACTION_SELL : BITTEN_ACTION_BUY;
        p->ticket = s_get_int(v, "ticket");
        s_get_num(v, "lot", &p->lot);
        s->position_count++;
    }
    json_array_foreach(json_object_get(o, "suppressed"), i, v)
    {
        for (int t = 0; t < RISK_TRIGGER_COUNT; t++)
            if (json_is_string(v) &&
                strcmp(json_string_value(v), risk_trigger_str((risk_trigger_t)t)) == 0)
                acc->suppressed[t] = true;
    }
}

static int s_restore_cb(void *arg, const char *uuid, bitten_ms_t at, const char *text)
{
    xp_risk_t *self = arg;
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    if (!json_is_object(o) || s_get_int(o, "v") != XP_RISK_SNAPSHOT_VERSION) {
        BLOG_WARN(self->log, "xp_risk", "snapshot.unreadable", "uuid=%s at=%lld", uuid,
                  (long long)at);
        json_decref(o);
        return 0;
    }
    s_account_t *acc = s_account(self, uuid);
    if (acc) {
        s_snapshot_restore(acc, o);
        BLOG_INFO(self->log, "xp_risk", "account.restored",
                  "uuid=%s at=%lld peak_equity=%.2f day_start_balance=%.2f fires_today=%d "
                  "loss_streak=%d win_streak=%d positions=%zu",
                  uuid, (long long)at, acc->state.peak_equity, acc->state.day_start_balance,
                  acc->state.fires_today, acc->state.consecutive_losses, acc->state.win_streak,
                  acc->state.position_count);
    }
    json_decref(o);
    return 0;
}

//  Writes one account's snapshot (in the store group open around it, if any). 0 or -1.
static int s_snapshot_one(xp_risk_t *self, s_account_t *acc, bitten_ms_t now)
{
    json_t *o = s_snapshot_json(self, acc);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    int rc =
        (text && bitten_store_account_snapshot(self->store, acc->uuid, now, text) == 0) ? 0 : -1;
    free(text);
    if (rc == 0) {
        acc->dirty = false;
        self->snapshots++;
    } else {
        BLOG_ERROR(self->log, "xp_risk", "snapshot.failed", "uuid=%s error=\"%s\"", acc->uuid,
                   bitten_store_errmsg(self->store));
    }
    return rc;
}

//  Writes the changed accounts (all of them when force), as ONE store transaction: one fsync
//  for the lot. why: "interval", "shutdown".
static void s_snapshot_all(xp_risk_t *self, bool force, const char *why)
{
    bitten_ms_t now = bitten_core_now_ms(self->core);
    size_t written = 0, failed = 0;
    bool grouped = false;
    for (s_account_t *acc = zhashx_first(self->accounts); acc; acc = zhashx_next(self->accounts)) {
        if (!acc->dirty && !force)
            continue;
        if (!grouped && !written && !failed)
            grouped = bitten_store_group_begin(self->store, false) == 0;
        if (s_snapshot_one(self, acc, now) == 0)
            written++;
        else
            failed++;
    }
    if (grouped && bitten_store_group_end(self->store) != 0) {
        //  Nothing of the group reached the journal: the accounts stay owed.
        BLOG_ERROR(self->log, "xp_risk", "snapshot.failed", "accounts=%zu error=\"commit: %s\"",
                   written, bitten_store_errmsg(self->store));
        for (s_account_t *acc = zhashx_first(self->accounts); acc;
             acc = zhashx_next(self->accounts))
            acc->dirty = true;
        self->snapshots -= written;
        failed += written;
        written = 0;
    }
    if (written || failed)
        BLOG_DEBUG(self->log, "xp_risk", "snapshot", "why=%s accounts=%zu failed=%zu", why, written,
                   failed);
}

//  A fire moved the account: its snapshot now (shots, spacing, positions, streaks must survive
//  a kill -9), in the fire router's store group of that move: one commit with the fire's own
//  transition (SENT: relaxed, like the transition; a result: the result's one fsync). The other
//  accounts' telemetry changes wait for the interval, as they always have.
static void s_snapshot_fire(xp_risk_t *self, s_account_t *acc)
{
    s_snapshot_one(self, acc, bitten_core_now_ms(self->core));
}

static void s_snapshot_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_snapshot_all(w->data, false, "interval");
}

/* ---------------------------------------------------------------- halts */


//  Publishes a halt change on the bus (HALT): the fire router closes the positions of a raised
//  hard halt with close_positions, and owns the retry when that close cannot be sent.
static void s_publish_halt(xp_risk_t *self, const s_halt_t *h, bool raised, const char *by,
                           bool close_positions)
{
    bitten_halt_event_t ev = {.raised = raised,
                              .halt_id = h->rec.id,
                              .scope = h->rec.scope,
                              .uuid = h->rec.uuid,
                              .kind = h->rec.kind,
                              .reason = h->rec.reason,
                              .why = h->rec.why,
                              .by = by,
                              .close_positions = raised && close_positions &&
                                                 h->rec.kind == BITTEN_HALT_HARD};
    bitten_bus_publish(bitten_core_bus(self->core), BITTEN_EV_HALT, &ev);
}

//  Records, logs and publishes a halt; a hard one asks for the account's positions (every
//  account's for a global one) to be closed when close_positions.
static void s_halt_raise(xp_risk_t *self, bitten_halt_scope_t scope, const char *uuid,
                         bitten_halt_kind_t kind, bitten_reason_t reason, int trigger,
                         const char *why, const char *by, bool close_positions)
{
    if (self->n_halts == self->cap_halts) {
        size_t cap = self->cap_halts ? self->cap_halts * 2 : 8;
        s_halt_t *grown = realloc(self->halts, cap * sizeof *grown);
        if (!grown) {
            BLOG_ERROR(self->log, "xp_risk", "halt.failed", "uuid=%s error=\"out of memory\"",
                       uuid ? uuid : "-");
            return;
        }
        self->halts = grown;
        self->cap_halts = cap;
    }
    s_halt_t h;
    memset(&h, 0, sizeof h);
    h.trigger = trigger;
    h.rec.scope = scope;
    snprintf(h.rec.uuid, sizeof h.rec.uuid, "%s", scope == BITTEN_HALT_ACCOUNT ? uuid : "");
    h.rec.kind = kind;
    h.rec.reason = reason;
    snprintf(h.rec.why, sizeof h.rec.why, "%s", why);
    h.rec.created_at = bitten_core_now_ms(self->core);
    //  A halt the store cannot record still holds in memory: failing safe beats trading on.
    if (bitten_store_halt_insert(self->store, &h.rec, &h.rec.id) != 0)
        BLOG_ERROR(self->log, "xp_risk", "store.failed", "what=halt uuid=%s error=\"%s\"",
                   uuid ? uuid : "-", bitten_store_errmsg(self->store));
    self->halts[self->n_halts++] = h;
    self->halts_raised++;
    char qwhy[XP_RISK_WHY_MAX + 40];
    BLOG(self->log, kind == BITTEN_HALT_HARD ? BITTEN_LOG_ERROR : BITTEN_LOG_WARN, "xp_risk",
         "halt", "halt_id=%lld scope=%s uuid=%s kind=%s reason=%s trigger=%s by=%s why=%s",
         (long long)h.rec.id, scope == BITTEN_HALT_GLOBAL ? "global" : "account",
         scope == BITTEN_HALT_ACCOUNT ? uuid : "-", kind == BITTEN_HALT_HARD ? "hard" : "soft",
         bitten_reason_str(reason),
         trigger < 0 ? "OPERATOR" : risk_trigger_str((risk_trigger_t)trigger), by,
         bitten_log_quote(why, qwhy, sizeof qwhy));
    json_t *ev = s_halt_json(&h);
    json_object_set_new(ev, "by", json_string(by));
    bitten_core_emit(self->core, "halt", ev);
    s_publish_halt(self, &h, true, by, close_positions);
}

static void s_halt_release(xp_risk_t *self, size_t index, const char *by, const char *why)
{
    s_halt_t h = self->halts[index];
    bitten_ms_t now = bitten_core_now_ms(self->core);
    if (h.rec.id > 0 && bitten_store_halt_release(self->store, h.rec.id, now, by) < 0)
        BLOG_ERROR(self->log, "xp_risk", "store.failed",
                   "what=halt_release halt_id=%lld error=\"%s\"", (long long)h.rec.id,
                   bitten_store_errmsg(self->store));
    memmove(&self->halts[index], &self->halts[index + 1],
            (self->n_halts - index - 1) * sizeof *self->halts);
    self->n_halts--;
    char qwhy[XP_RISK_WHY_MAX + 40];
    BLOG_INFO(self->log, "xp_risk", "halt.released",
              "halt_id=%lld scope=%s uuid=%s kind=%s reason=%s trigger=%s by=%s why=%s",
              (long long)h.rec.id, h.rec.scope == BITTEN_HALT_GLOBAL ? "global" : "account",
              h.rec.scope == BITTEN_HALT_ACCOUNT ? h.rec.uuid : "-",
              h.rec.kind == BITTEN_HALT_HARD ? "hard" : "soft", bitten_reason_str(h.rec.reason),
              h.trigger < 0 ? "OPERATOR" : risk_trigger_str((risk_trigger_t)h.trigger), by,
              bitten_log_quote(why, qwhy, sizeof qwhy));
    json_t *ev = s_halt_json(&h);
    json_object_set_new(ev, "by", json_string(by));
    json_object_set_new(ev, "released_why", json_string(why));
    bitten_core_emit(self->core, "halt.released", ev);
    s_publish_halt(self, &h, false, by, false);
}

static int s_halt_restore_cb(void *arg, const bitten_halt_rec_t *rec)
{
    xp_risk_t *self = arg;
    if (self->n_halts == self->cap_halts) {
        size_t cap = self->cap_halts ? self->cap_halts * 2 : 8;
        s_halt_t *grown = realloc(self->halts, cap * sizeof *grown);
        if (!grown)
            return -1;
        self->halts = grown;
        self->cap_halts = cap;
    }
    s_halt_t *h = &self->halts[self->n_halts++];
    h->rec = *rec;
    h->trigger = risk_trigger_from_reason(rec->reason);
    BLOG_WARN(self->log, "xp_risk", "halt.restored",
              "halt_id=%lld scope=%s uuid=%s kind=%s reason=%s why=\"restored; close_all is not "
              "sent again\"",
              (long long)rec->id, rec->scope == BITTEN_HALT_GLOBAL ? "global" : "account",
              rec->scope == BITTEN_HALT_ACCOUNT ? rec->uuid : "-",
              rec->kind == BITTEN_HALT_HARD ? "hard" : "soft", bitten_reason_str(rec->reason));
    return 0;
}

static s_halt_t *s_auto_halt(xp_risk_t *self, const char *uuid, int trigger)
{
    for (size_t i = 0; i < self->n_halts; i++)
        if (self->halts[i].trigger == trigger && self->halts[i].rec.scope == BITTEN_HALT_ACCOUNT &&
            strcmp(self->halts[i].rec.uuid, uuid) == 0)
            return &self->halts[i];
    return NULL;
}

static void s_trigger_why(xp_risk_t *self, const s_account_t *acc, risk_trigger_t t, char *why,
                          size_t size)
{
    const risk_params_t *p = &self->params;
    const account_state_t *s = &acc->state;
    double v = 0;
    switch (t) {
    case RISK_TRIGGER_DRAWDOWN:
        account_drawdown_pct(s, &v);
        snprintf(why, size,
                 "drawdown %.2f %% from peak equity %.2f is above risk.drawdown_halt_pct %g", v,
                 s->peak_equity, p->drawdown_halt_pct);
        return;
    case RISK_TRIGGER_MARGIN:
        snprintf(why, size, "margin level %.2f %% is below risk.margin_level_alarm_pct %g",
                 s->margin_level, p->margin_level_alarm_pct);
        return;
    case RISK_TRIGGER_DAILY_LOSS:
        account_daily_loss_pct(s, &v);
        snprintf(why, size, "daily loss %.2f %% from day-start balance %.2f reached the %s cap", v,
                 s->day_start_balance, s_tier_name(self, acc->uuid));
        return;
    case RISK_TRIGGER_COUNT:
        break;
    }
    snprintf(why, size, "?");
}

//  After each telemetry: lift the automatic halts that may lift, raise the ones the numbers
//  call for, warn once per crossing of the drawdown warning line.
static void s_evaluate_halts(xp_risk_t *self, s_account_t *acc, int tier, bitten_ms_t now)
{
    const risk_params_t *p = &self->params;
    for (size_t i = self->n_halts; i-- > 0;) {
        s_halt_t *h = &self->halts[i];
        if (h->trigger < 0 || h->rec.scope != BITTEN_HALT_ACCOUNT ||
            strcmp(h->rec.uuid, acc->uuid) != 0)
            continue;
        if (risk_halt_may_lift(h->rec.kind, (risk_trigger_t)h->trigger, h->rec.created_at,
                               &acc->state, p, now))
            s_halt_release(self, i, "auto",
                           h->trigger == RISK_TRIGGER_MARGIN ? "margin level recovered"
                                                             : "the trading day rolled");
    }
    risk_halt_decision_t d;
    risk_halt_triggers(p, tier < 0 ? XP_RISK_NO_TIER : (bitten_tier_t)tier, &acc->state, now, &d);
    bool wanted[RISK_TRIGGER_COUNT] = {false};
    for (size_t i = 0; i < d.count; i++)
        wanted[d.halts[i].trigger] = true;
    for (int t = 0; t < RISK_TRIGGER_COUNT; t++)
        if (!wanted[t] && acc->suppressed[t]) {
            acc->suppressed[t] = false;
            acc->dirty = true;
        }
    if (d.drawdown_warn && !acc->drawdown_warned) {
        double dd = 0;
        account_drawdown_pct(&acc->state, &dd);
        BLOG_WARN(self->log, "xp_risk", "risk.drawdown_warn",
                  "uuid=%s drawdown_pct=%.2f peak_equity=%.2f equity=%.2f warn_pct=%g", acc->uuid,
                  dd, acc->state.peak_equity, acc->state.equity, p->drawdown_warn_pct);
        bitten_core_emit(self->core, "risk.drawdown_warn",
                         json_pack("{s:s, s:f, s:f, s:f}", "uuid", acc->uuid, "drawdown_pct", dd,
                                   "peak_equity", acc->state.peak_equity, "equity",
                                   acc->state.equity));
    }
    acc->drawdown_warned = d.drawdown_warn;
    for (size_t i = 0; i < d.count; i++) {
        const risk_halt_t *want = &d.halts[i];
        if (acc->suppressed[want->trigger] || s_auto_halt(self, acc->uuid, (int)want->trigger))
            continue;
        char why[XP_RISK_WHY_MAX];
        s_trigger_why(self, acc, want->trigger, why, sizeof why);
        s_halt_raise(self, BITTEN_HALT_ACCOUNT, acc->uuid, want->kind, want->reason,
                     (int)want->trigger, why, "auto", true);
    }
}

/* ---------------------------------------------------------------- the risk query */

//  Operator halts and hard halts answer HALTED (check 1 of the router). Automatic soft halts
//  refuse in the gate with their trigger's reason, so an operator reads RISK_DAILY_LOSS or
//  RISK_MARGIN rather than a bare HALTED while the limit that raised them is the cause.
static void s_query_halted(void *arg, const char *uuid, bool *global, bool *account)
{
    xp_risk_t *self = arg;
    *global = *account = false;
    for (size_t i = 0; i < self->n_halts; i++) {
        const s_halt_t *h = &self->halts[i];
        if (h->rec.scope == BITTEN_HALT_GLOBAL)
            *global = true;
        else if (uuid && strcmp(h->rec.uuid, uuid) == 0 &&
                 (h->trigger < 0 || h->rec.kind == BITTEN_HALT_HARD))
            *account = true;
    }
}

static int s_query_halt_count(void *arg)
{
    return (int)((xp_risk_t *)arg)->n_halts;
}

//  The risk gate (bitten_risk_gate_fn): the account's tier from the accounts module, its
//  state from here, the pure gate, then the automatic soft halts with their own reasons.
static bitten_reason_t s_query_gate(void *arg, const bitten_risk_request_t *req,
                                    bitten_risk_answer_t *answer)
{
    xp_risk_t *self = arg;
    memset(answer, 0, sizeof *answer);
    self->gates++;
    //  Telemetry ages are real time: the wall clock, never a frame's own timestamp.
    bitten_ms_t now = bitten_core_now_ms(self->core);
    s_account_t *acc = s_account_find(self, req->uuid);
    int tier = req->uuid ? s_account_tier(self, req->uuid) : -1;
    bitten_reason_t r = BITTEN_R_RISK_STALE_TELEMETRY; /* never heard of: no telemetry */
    if (acc) {
        risk_view_t v;
        r = tier < 0 ? BITTEN_R_RISK_UNAVAILABLE
                     : risk_gate(&self->params, (bitten_tier_t)tier, &acc->state, req, now, &v);
        //  Room for the fill and the fire this answer lets through, before it goes: the arrays
        //  are allocated on first use, and memory that cannot be had refuses here.
        size_t room = acc->state.position_count + 1 + (req->in_flight > 0 ? (size_t)req->in_flight : 0);
        if (r == BITTEN_R_OK && account_state_reserve(&acc->state, room) != 0) {
            r = BITTEN_R_RISK_UNAVAILABLE;
            self->alloc_failures++;
            BLOG_ERROR(self->log, "xp_risk", "gate.no_memory",
                       "uuid=%s reason=RISK_UNAVAILABLE why=\"no memory for the account's "
                       "positions or fire times: refused\"",
                       acc->uuid);
        }
        if (r == BITTEN_R_OK) {
            for (size_t i = 0; i < self->n_halts && r == BITTEN_R_OK; i++)
                if (self->halts[i].trigger >= 0 && s_halt_applies(&self->halts[i], acc->uuid))
                    r = self->halts[i].rec.reason;
        }
        if (r == BITTEN_R_OK)
            risk_view_answer(&v, answer);
    }
    if (r != BITTEN_R_OK) {
        self->refused[r]++;
        BLOG_DEBUG(self->log, "xp_risk", "gate.refused", "uuid=%s tier=%s symbol=%s reason=%s",
                   req->uuid ? req->uuid : "-",
                   tier < 0 ? "-" : bitten_tier_str((bitten_tier_t)tier),
                   req->symbol && *req->symbol ? req->symbol : "-", bitten_reason_str(r));
    }
    return r;
}

/* ---------------------------------------------------------------- XP */

static void s_pay(xp_risk_t *self, const char *uuid, const char *signal_id,
                  const xp_award_t *awards, size_t n, bitten_ms_t now)
{
    for (size_t i = 0; i < n; i++) {
        int64_t total = 0;
        int rc = bitten_store_xp_award(self->store, uuid, signal_id, awards[i].event, awards[i].xp,
                                       now, &total, xp_rank_for);
        if (rc == 1) {
            BLOG_INFO(self->log, "xp_risk", "xp.duplicate", "uuid=%s signal_id=%s event=%s", uuid,
                      signal_id, awards[i].event);
            continue;
        }
        if (rc != 0) {
            BLOG_ERROR(self->log, "xp_risk", "store.failed",
                       "what=xp_award uuid=%s signal_id=%s event=%s error=\"%s\"", uuid, signal_id,
                       awards[i].event, bitten_store_errmsg(self->store));
            continue;
        }
        self->xp_awards++;
        const char *rank = xp_rank_for(total);
        BLOG_INFO(self->log, "xp_risk", "xp.award",
                  "uuid=%s signal_id=%s event=%s xp=%lld total=%lld rank=%s", uuid, signal_id,
                  awards[i].event, (long long)awards[i].xp, (long long)total, rank);
        bitten_core_emit(self->core, "xp.award",
                         json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "uuid", uuid, "signal_id",
                                   signal_id, "event", awards[i].event, "xp",
                                   (json_int_t)awards[i].xp, "total", (json_int_t)total, "rank",
                                   rank));
        const char *up = xp_rank_up(total - awards[i].xp, total);
        if (up) {
            BLOG_INFO(self->log, "xp_risk", "xp.rank_up", "uuid=%s rank=%s from=%s total=%lld",
                      uuid, up, xp_rank_for(total - awards[i].xp), (long long)total);
            bitten_core_emit(self->core, "xp.rank_up",
                             json_pack("{s:s, s:s, s:s, s:I}", "uuid", uuid, "rank", up, "from",
                                       xp_rank_for(total - awards[i].xp), "total",
                                       (json_int_t)total));
        }
    }
}

//  R: the money the fire planned to risk (lot x sl pips x pip value); 0 when unknown.
static double s_planned_risk(xp_risk_t *self, const bitten_fire_rec_t *f)
{
    const bitten_symbol_t *sym = bitten_symbols_find(self->symbols, f->symbol);
    if (!sym || !(f->lot > 0) || !(f->sl_pips > 0))
        return 0.0;
    return f->lot * f->sl_pips * sym->pip_value;
}

/* ---------------------------------------------------------------- bus handlers */

static void s_on_telemetry(void *arg, bitten_event_t event, const void *payload)
{
    xp_risk_t *self = arg;
    const bitten_frame_t *f = payload;
    const bitten_telemetry_t *t = &f->u.telemetry;
    int tier;
    bitten_ms_t now;
    s_account_t *acc = s_frame_account(self, f, t->uuid, &tier, &now);
    if (!acc)
        return;
    if (account_apply_telemetry(&acc->state, t, now, &self->params) != 0) {
        BLOG_WARN(self->log, "xp_risk", "telemetry.ignored",
                  "uuid=%s why=\"a number is not finite\"", acc->uuid);
        return;
    }
    acc->state.telemetry_dialect = f->dialect;
    s_changed(self, acc, now);
    s_evaluate_halts(self, acc, tier, now);
}

static bool s_ea_dialect(const bitten_frame_t *f)
{
    return f->dialect == BITTEN_DIALECT_V7 || f->dialect == BITTEN_DIALECT_V205 ||
           f->dialect == BITTEN_DIALECT_V202;
}

//  EA v7 with positions open and its margin unknown: ask for its status_report, whose margin
//  the heartbeats then carry (rate-limited; only on the account's proven route).
static void s_ask_margin_status(xp_risk_t *self, s_account_t *acc, bitten_ms_t now)
{
    if (!risk_wants_margin_status(&acc->state, &self->params, acc->margin_status_asked_at, now))
        return;
    acc->margin_status_asked_at = now; /* also when it cannot go out: at most one try per interval */
    bitten_ea_command_t cmd = {.command = BITTEN_EA_CMD_STATUS};
    char frame[256];
    int len = bitten_encode_ea_command(&cmd, frame, sizeof frame);
    bitten_reason_t reason = BITTEN_R_INTERNAL;
    if (len > 0 && bitten_core_send_to(self->core, acc->uuid, BITTEN_FRAME_COMMAND, frame,
                                       (size_t)len, &reason) == 0) {
        self->margin_status_asks++;
        BLOG_INFO(self->log, "xp_risk", "margin.status_asked",
                  "uuid=%s positions=%lld why=\"margin level unknown: asking for status_report\"",
                  acc->uuid, (long long)acc->state.reported_positions);
    } else {
        BLOG_DEBUG(self->log, "xp_risk", "margin.status_not_sent", "uuid=%s reason=%s", acc->uuid,
                   bitten_reason_str(reason));
    }
}

//  A real EA's frame that carries the account's state is its telemetry (issue 13 §4).
static void s_ea_state(xp_risk_t *self, const bitten_frame_t *f, const char *uuid,
                       const risk_ea_state_t *st, const char *what)
{
    if (!*uuid || !st->has_balance || !st->has_equity)
        return;
    int tier;
    bitten_ms_t now;
    s_account_t *acc = s_frame_account(self, f, uuid, &tier, &now);
    if (!acc)
        return;
    bitten_dialect_t dialect = f->dialect;
    //  Fresh by this EA's own cadence (risk_telemetry_max_age_s); v7's counts do not clear
    //  positions (the fire router reconciles them). A frame without margin carries the last
    //  reported one only for the same positions count (account_apply_ea_state).
    acc->state.telemetry_dialect = dialect;
    if (account_apply_ea_state(&acc->state, st, now, &self->params) != 0) {
        BLOG_WARN(self->log, "xp_risk", "telemetry.ignored",
                  "uuid=%s from=%s why=\"a number is not finite\"", acc->uuid, what);
        return;
    }
    s_changed(self, acc, now);
    s_evaluate_halts(self, acc, tier, now);
    s_ask_margin_status(self, acc, now);
}

static void s_on_handshake(void *arg, bitten_event_t event, const void *payload)
{
    const bitten_frame_t *f = payload;
    const bitten_handshake_t *h = &f->u.handshake;
    if (!s_ea_dialect(f))
        return;
    risk_ea_state_t st = {.has_balance = h->has_balance, .has_equity = h->has_equity,
                          .has_margin = h->has_margin, .has_free_margin = h->has_free_margin,
                          .has_margin_level = h->has_margin_level, .balance = h->balance,
                          .equity = h->equity, .margin = h->margin, .free_margin = h->free_margin,
                          .margin_level = h->margin_level};
    s_ea_state(arg, f, h->uuid, &st, "handshake");
}

static void s_on_result_state(void *arg, bitten_event_t event, const void *payload)
{
    const bitten_frame_t *f = payload;
    const bitten_trade_result_t *r = &f->u.trade_result;
    if (!s_ea_dialect(f))
        return;
    risk_ea_state_t st = {.has_balance = r->has_balance, .has_equity = r->has_equity,
                          .has_margin = r->has_margin, .has_free_margin = r->has_free_margin,
                          .has_margin_level = r->has_margin_level, .balance = r->balance,
                          .equity = r->equity, .margin = r->margin, .free_margin = r->free_margin,
                          .margin_level = r->margin_level,
                          //  A buy/sell's fill names its price (v7: ticket 0 and price 0 answer
                          //  a close): its margin is after one more position.
                          .opening_fill = r->status == BITTEN_RESULT_SUCCESS && !r->is_close &&
                                          r->has_price && r->price > 0.0};
    s_ea_state(arg, f, r->uuid, &st, "trade_result");
}

static void s_on_heartbeat(void *arg, bitten_event_t event, const void *payload)
{
    xp_risk_t *self = arg;
    const bitten_frame_t *frame = payload;
    const bitten_ea_heartbeat_t *h = &frame->u.heartbeat;
    if (s_ea_dialect(frame) && *h->uuid && h->has_balance && h->has_equity) {
        risk_ea_state_t st = {.has_balance = true, .has_equity = true,
                              .has_margin = h->has_margin, .has_free_margin = h->has_free_margin,
                              .has_margin_level = h->has_margin_level,
                              .has_positions = h->has_positions, .balance = h->balance,
                              .equity = h->equity, .margin = h->margin,
                              .free_margin = h->free_margin, .margin_level = h->margin_level,
                              .positions = h->positions};
        s_ea_state(self, frame, h->uuid, &st, "heartbeat");
        return;
    }
    s_account_t *acc = NULL;
    int tier;
    bitten_ms_t now = 0;
    if (*h->uuid) {
        acc = s_frame_account(self, frame, h->uuid, &tier, &now);
    } else if (zhashx_size(self->accounts) == 1) {
        acc = zhashx_first(self->accounts); /* EA v7 omits the uuid: only one account can be it */
        now = bitten_core_now_ms(self->core);
    }
    if (!acc)
        return;
    if (account_apply_heartbeat(&acc->state, h, now, &self->params) == 0)
        s_changed(self, acc, now);
}

static void s_on_fire(void *arg, bitten_event_t event, const void *payload)
{
    xp_risk_t *self = arg;
    const bitten_fire_event_t *ev = payload;
    const bitten_fire_rec_t *f = ev->fire;
    //  Closes reduce exposure: they are neither shots nor positions.
    if (f->action != BITTEN_ACTION_BUY && f->action != BITTEN_ACTION_SELL)
        return;
    if (f->state != BITTEN_FIRE_SENT && f->state != BITTEN_FIRE_FILLED &&
        f->state != BITTEN_FIRE_CLOSED)
        return;
    s_account_t *acc = s_account(self, f->uuid);
    if (!acc)
        return;
    bitten_ms_t now = bitten_core_now_ms(self->core);
    const risk_params_t *p = &self->params;
    xp_award_t awards[XP_AWARDS_MAX];
    size_t n = 0;
    if (f->state == BITTEN_FIRE_SENT) {
        account_record_fire(&acc->state, now, p);
        if (!acc->state.recent_fires) {
            self->alloc_failures++;
            BLOG_ERROR(self->log, "xp_risk", "fire.untracked",
                       "uuid=%s signal_id=%s why=\"no memory for the fire times: every further "
                       "fire of the account is refused (RISK_UNAVAILABLE) until the EA reports "
                       "no position open\"",
                       f->uuid, f->signal_id);
        }
    } else if (f->state == BITTEN_FIRE_FILLED) {
        int rc = account_apply_fill(&acc->state, f->signal_id, f->symbol, f->action, f->lot,
                                    f->has_ticket ? f->ticket : 0);
        if (rc == -2) {
            self->alloc_failures++;
            BLOG_ERROR(self->log, "xp_risk", "position.untracked",
                       "uuid=%s signal_id=%s why=\"no memory for the position: every further fire "
                       "of the account is refused (RISK_UNAVAILABLE) until the EA reports no "
                       "position open\"",
                       f->uuid, f->signal_id);
        } else if (rc < 0)
            BLOG_WARN(self->log, "xp_risk", "position.untracked",
                      "uuid=%s signal_id=%s why=\"position list full or ids missing\"", f->uuid,
                      f->signal_id);
        xp_event_t xe = {.on = XP_ON_FILLED};
        n = xp_awards_for_event(p, &xe, awards);
    } else {
        if (!f->has_profit) {
            //  The position is gone whatever its P/L: untracking it keeps the max-positions and
            //  hedge checks true. Its profit is unknown (EA v7 never says it): no P/L, no
            //  streak, no XP paid or charged; today's P/L is marked incomplete.
            BLOG_WARN(self->log, "xp_risk", "close.no_profit",
                      "uuid=%s signal_id=%s profit_known=0 why=\"closed without a profit: position "
                      "removed, no P/L, streak or XP for it\"",
                      f->uuid, f->signal_id);
            account_apply_close_unknown(&acc->state, f->signal_id, f->has_ticket ? f->ticket : 0,
                                        now, p);
            s_changed(self, acc, now);
            s_snapshot_fire(self, acc);
            return;
        }
        risk_close_outcome_t outcome;
        if (account_apply_close(&acc->state, f->signal_id, f->has_ticket ? f->ticket : 0, f->profit,
                                now, p, &outcome) < 0)
            return;
        BLOG_INFO(self->log, "xp_risk", "position.closed",
                  "uuid=%s signal_id=%s profit=%.2f outcome=%s loss_streak=%d win_streak=%d "
                  "realised_today=%.2f",
                  f->uuid, f->signal_id, f->profit, risk_close_outcome_str(outcome),
                  acc->state.consecutive_losses, acc->state.win_streak,
                  acc->state.realised_pl_today);
        xp_event_t xe = {.on = XP_ON_CLOSED,
                         .profit = f->profit,
                         .balance = acc->state.balance,
                         .has_sl = f->sl_points > 0,
                         .planned_risk = s_planned_risk(self, f),
                         .win_streak = acc->state.win_streak};
        n = xp_awards_for_event(p, &xe, awards);
    }
    s_changed(self, acc, now);
    s_pay(self, f->uuid, f->signal_id, awards, n, now);
    //  Fires are rare and what they change (shots, spacing, positions, streaks) must survive a
    //  kill -9: write the account now, not at the next interval.
    s_snapshot_fire(self, acc);
}

static void s_on_shutdown(void *arg, bitten_event_t event, const void *payload)
{
    s_snapshot_all(arg, false, "shutdown");
}

/* ---------------------------------------------------------------- control and status */

static const char *s_str_field(const json_t *req, const char *key)
{
    return json_string_value(json_object_get(req, key));
}

//  true, "true", "1" or a non-zero number (bittenctl call sends numbers and strings).
static bool s_bool_field(const json_t *req, const char *key)
{
    json_t *v = json_object_get(req, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_number(v))
        return json_number_value(v) != 0;
    const char *s = json_string_value(v);
    return s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcmp(s, "yes") == 0);
}

static bitten_reason_t s_bad(json_t *reply, const char *error)
{
    json_object_set_new(reply, "error", json_string(error));
    return BITTEN_R_BAD_REQUEST;
}

//  What each command may be sent (checked by the core before the handler runs).
static const bitten_control_arg_t s_halt_args[] = {{"uuid", BITTEN_ARG_STRING, false},
                                                   {"why", BITTEN_ARG_STRING, true},
                                                   {"hard", BITTEN_ARG_BOOL, false},
                                                   {NULL, 0, false}};
static const bitten_control_arg_t s_resume_args[] = {{"uuid", BITTEN_ARG_STRING, false},
                                                     {NULL, 0, false}};
static const bitten_control_arg_t s_xp_args[] = {{"uuid", BITTEN_ARG_STRING, true},
                                                 {NULL, 0, false}};

static bitten_reason_t s_control_halt(void *arg, const json_t *request, json_t *reply)
{
    xp_risk_t *self = arg;
    const char *uuid = s_str_field(request, "uuid");
    const char *why = s_str_field(request, "why");
    if (uuid && !bitten_valid_id(uuid))
        return s_bad(reply, "uuid: 1-64 of [A-Za-z0-9_.:-]");
    if (!why || !*why || strlen(why) > BITTEN_TEXT_MAX)
        return s_bad(reply, "why: required, the reason for the halt (a line of text)");
    bool hard = s_bool_field(request, "hard");
    bitten_halt_scope_t scope = uuid ? BITTEN_HALT_ACCOUNT : BITTEN_HALT_GLOBAL;
    size_t before = self->n_halts;
    s_halt_raise(self, scope, uuid, hard ? BITTEN_HALT_HARD : BITTEN_HALT_SOFT, BITTEN_R_HALTED, -1,
                 why, "operator", true);
    if (self->n_halts == before)
        return BITTEN_R_INTERNAL; /* out of memory, logged */
    json_object_set_new(reply, "halt", s_halt_json(&self->halts[before]));
    return BITTEN_R_OK;
}

static bitten_reason_t s_control_resume(void *arg, const json_t *request, json_t *reply)
{
    xp_risk_t *self = arg;
    const char *uuid = s_str_field(request, "uuid");
    if (uuid && !bitten_valid_id(uuid))
        return s_bad(reply, "uuid: 1-64 of [A-Za-z0-9_.:-]");
    json_t *released = json_array();
    for (size_t i = self->n_halts; i-- > 0;) {
        const s_halt_t *h = &self->halts[i];
        bool match = uuid ? (h->rec.scope == BITTEN_HALT_ACCOUNT && strcmp(h->rec.uuid, uuid) == 0)
                          : h->rec.scope == BITTEN_HALT_GLOBAL;
        if (!match)
            continue;
        json_array_append_new(released, s_halt_json(h));
        s_account_t *acc = h->trigger >= 0 ? s_account_find(self, h->rec.uuid) : NULL;
        if (acc) {
            acc->suppressed[h->trigger] = true;
            acc->dirty = true;
        }
        s_halt_release(self, i, "operator", "bittenctl resume");
    }
    json_object_set_new(reply, "released", released);
    return BITTEN_R_OK;
}

static json_t *s_global_halts(xp_risk_t *self)
{
    json_t *list = json_array();
    for (size_t i = 0; i < self->n_halts; i++)
        if (self->halts[i].rec.scope == BITTEN_HALT_GLOBAL)
            json_array_append_new(list, s_halt_json(&self->halts[i]));
    return list;
}

static json_t *s_accounts_json(xp_risk_t *self, size_t max)
{
    bitten_ms_t now = bitten_core_now_ms(self->core);
    json_t *list = json_array();
    size_t n = 0;
    for (s_account_t *acc = zhashx_first(self->accounts); acc && n < max;
         acc = zhashx_next(self->accounts), n++)
        json_array_append_new(list, s_account_json(self, acc, now));
    return list;
}

static bitten_reason_t s_control_accounts_risk(void *arg, const json_t *request, json_t *reply)
{
    xp_risk_t *self = arg;
    json_object_set_new(reply, "accounts", s_accounts_json(self, SIZE_MAX));
    json_t *global = s_global_halts(self);
    json_object_set_new(reply, "halted_global", json_boolean(json_array_size(global) > 0));
    json_object_set_new(reply, "global_halts", global);
    return BITTEN_R_OK;
}

static bitten_reason_t s_control_xp(void *arg, const json_t *request, json_t *reply)
{
    xp_risk_t *self = arg;
    const char *uuid = s_str_field(request, "uuid");
    if (!uuid || !bitten_valid_id(uuid))
        return s_bad(reply, "uuid: required, 1-64 of [A-Za-z0-9_.:-]");
    int64_t total = 0;
    if (bitten_store_xp_total(self->store, uuid, &total, NULL, 0) < 0)
        return BITTEN_R_INTERNAL;
    json_object_set_new(reply, "uuid", json_string(uuid));
    //  Never seen and never awarded: a typo, not an account with 0 XP.
    if (total == 0 && !zhashx_lookup(self->accounts, uuid)) {
        json_object_set_new(reply, "error", json_string("unknown account: no config, telemetry "
                                                        "or XP for this uuid"));
        return BITTEN_R_UNKNOWN_ACCOUNT;
    }
    json_object_set_new(reply, "xp", json_integer(total));
    json_object_set_new(reply, "rank", json_string(xp_rank_for(total)));
    return BITTEN_R_OK;
}

static void s_status(void *arg, json_t *section)
{
    xp_risk_t *self = arg;
    json_t *global = s_global_halts(self);
    json_object_set_new(section, "halted_global", json_boolean(json_array_size(global) > 0));
    json_object_set_new(section, "global_halts", global);
    json_object_set_new(section, "halts_active", json_integer((json_int_t)self->n_halts));
    json_object_set_new(section, "halts_raised", json_integer((json_int_t)self->halts_raised));
    json_object_set_new(section, "known", json_integer((json_int_t)zhashx_size(self->accounts)));
    json_object_set_new(section, "gates", json_integer((json_int_t)self->gates));
    json_t *refused = json_object();
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        if (self->refused[i])
            json_object_set_new(refused, bitten_reason_str((bitten_reason_t)i),
                                json_integer((json_int_t)self->refused[i]));
    json_object_set_new(section, "refused", refused);
    json_object_set_new(section, "xp_awards", json_integer((json_int_t)self->xp_awards));
    json_object_set_new(section, "margin_status_asks",
                        json_integer((json_int_t)self->margin_status_asks));
    json_object_set_new(section, "alloc_failures", json_integer((json_int_t)self->alloc_failures));
    json_object_set_new(section, "snapshots", json_integer((json_int_t)self->snapshots));
    //  Every active account halt (what an operator must see first), whatever the number of
    //  accounts; each account's numbers only when asked (status lists, or accounts_risk).
    json_t *account_halts = json_array();
    for (size_t i = 0; i < self->n_halts; i++)
        if (self->halts[i].rec.scope == BITTEN_HALT_ACCOUNT)
            json_array_append_new(account_halts, s_halt_json(&self->halts[i]));
    json_object_set_new(section, "account_halts", account_halts);
    if (bitten_core_status_lists(self->core))
        json_object_set_new(section, "accounts", s_accounts_json(self, XP_RISK_STATUS_MAX));
}

/* ---------------------------------------------------------------- start / stop */

//  Snapshots of older versions kept "close_owed" here. The fire router owns that retry now:
//  each such account's close_all is asked for again through HALT (sent, or owed by the
//  router), so an upgrade never drops a hard halt's close.
static void s_hand_over_legacy_owed(xp_risk_t *self)
{
    for (s_account_t *acc = zhashx_first(self->accounts); acc; acc = zhashx_next(self->accounts)) {
        if (!acc->legacy_close_owed)
            continue;
        acc->legacy_close_owed = false;
        acc->dirty = true;
        s_halt_t h;
        memset(&h, 0, sizeof h);
        h.trigger = -1;
        h.rec.scope = BITTEN_HALT_ACCOUNT;
        h.rec.kind = BITTEN_HALT_HARD;
        h.rec.reason = BITTEN_R_HALTED;
        snprintf(h.rec.uuid, sizeof h.rec.uuid, "%s", acc->uuid);
        snprintf(h.rec.why, sizeof h.rec.why, "a hard halt's close_all was still owed at restart");
        for (size_t i = 0; i < self->n_halts; i++)
            if (self->halts[i].rec.scope == BITTEN_HALT_ACCOUNT &&
                self->halts[i].rec.kind == BITTEN_HALT_HARD &&
                strcmp(self->halts[i].rec.uuid, acc->uuid) == 0)
                h = self->halts[i];
        BLOG_WARN(self->log, "xp_risk", "halt.close_owed_handed_over",
                  "uuid=%s halt_id=%lld why=\"snapshot of an older version: the fire router now "
                  "owns the retry\"",
                  acc->uuid, (long long)h.rec.id);
        s_publish_halt(self, &h, true, "restored", true);
    }
}

int xp_risk_reload(xp_risk_t *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    risk_params_t p;
    if (xp_risk_params_from_config(cfg, &p, err, errlen) != 0)
        return -1;
    self->params = p;
    return 0;
}

xp_risk_t *xp_risk_new(bitten_core_t *core)
{
    xp_risk_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->core = core;
    self->log = bitten_core_log(core);
    self->store = bitten_core_store(core);
    const bitten_config_t *cfg = bitten_core_config(core);
    char err[300] = "out of memory or no store";
    self->accounts = zhashx_new();
    char sym_err[200];
    self->symbols = bitten_symbols_from_config(bitten_core_config(core), sym_err, sizeof sym_err);
    if (!self->accounts || !self->symbols || !self->store ||
        xp_risk_params_from_config(cfg, &self->params, err, sizeof err) != 0) {
        BLOG_ERROR(self->log, "xp_risk", "start_failed", "error=\"%s\"", err);
        xp_risk_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->accounts, s_account_free);
    self->snapshot_interval_ms = bitten_config_int(cfg, "risk.snapshot_interval_s") * 1000;
    if (bitten_store_account_snapshots_latest(self->store, NULL, s_restore_cb, self) < 0 ||
        bitten_store_halts_active(self->store, s_halt_restore_cb, self) < 0) {
        BLOG_ERROR(self->log, "xp_risk", "start_failed", "error=\"store: %s\"",
                   bitten_store_errmsg(self->store));
        xp_risk_destroy(&self);
        return NULL;
    }

    s_hand_over_legacy_owed(self);

    bitten_bus_t *bus = bitten_core_bus(core);
    bitten_bus_subscribe(bus, BITTEN_EV_TELEMETRY, s_on_telemetry, self);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_HEARTBEAT, s_on_heartbeat, self);
    bitten_bus_subscribe(bus, BITTEN_EV_HANDSHAKE, s_on_handshake, self);
    bitten_bus_subscribe(bus, BITTEN_EV_TRADE_RESULT, s_on_result_state, self);
    bitten_bus_subscribe(bus, BITTEN_EV_FIRE, s_on_fire, self);
    bitten_bus_subscribe(bus, BITTEN_EV_SHUTDOWN, s_on_shutdown, self);
    self->query = (bitten_risk_query_t){self, s_query_gate, s_query_halted, s_query_halt_count};
    bitten_core_set_risk_query(core, &self->query);
    bitten_core_control_register(core, "halt", BITTEN_CONTROL_ACT, s_halt_args, s_control_halt,
                                 self);
    bitten_core_control_register(core, "resume", BITTEN_CONTROL_ACT, s_resume_args,
                                 s_control_resume, self);
    bitten_core_control_register(core, "accounts_risk", BITTEN_CONTROL_READ, NULL,
                                 s_control_accounts_risk, self);
    bitten_core_control_register(core, "xp", BITTEN_CONTROL_READ, s_xp_args, s_control_xp, self);
    bitten_core_status_register(core, "risk", s_status, self);
    double snap_s = (double)self->snapshot_interval_ms / 1000.0;
    ev_timer_init(&self->snapshot_timer, s_snapshot_cb, snap_s, snap_s);
    self->snapshot_timer.data = self;
    ev_timer_init(&self->update_timer, s_update_cb, XP_RISK_UPDATE_MS / 1000.0,
                  XP_RISK_UPDATE_MS / 1000.0);
    self->update_timer.data = self;
    ev_timer_start(bitten_core_loop(core), &self->snapshot_timer);
    ev_timer_start(bitten_core_loop(core), &self->update_timer);
    self->timers_started = true;
    BLOG_INFO(self->log, "xp_risk", "ready",
              "accounts_restored=%zu halts_active=%zu "
              "snapshot_interval_s=%lld",
              zhashx_size(self->accounts), self->n_halts,
              (long long)(self->snapshot_interval_ms / 1000));
    return self;
}

void xp_risk_destroy(xp_risk_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xp_risk_t *self = *self_p;
    if (self->timers_started) {
        s_snapshot_all(self, false, "shutdown");
        ev_timer_stop(bitten_core_loop(self->core), &self->snapshot_timer);
        ev_timer_stop(bitten_core_loop(self->core), &self->update_timer);
        bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
        bitten_risk_query_t none = {0};
        bitten_core_set_risk_query(self->core, &none);
    }
    bitten_slots_free(&self->by_slot);
    zhashx_destroy(&self->accounts);
    bitten_symbols_destroy(&self->symbols);
    free(self->halts);
    free(self);
    *self_p = NULL;
}
