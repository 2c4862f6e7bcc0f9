/*  events_schema.c: the one table of the events channel: every topic, its publisher and its
 *  fields with their JSON types. bitten_core_emit checks each event against it; the doc is it. */
#include <string.h>

#include "bitten/events.h"

#define S BITTEN_EVF_STRING
#define I BITTEN_EVF_INT
#define N BITTEN_EVF_NUMBER
#define B BITTEN_EVF_BOOL
#define A BITTEN_EVF_ARRAY
#define O BITTEN_EVF_OBJECT
#define REQ BITTEN_EVF_REQUIRED
#define OPT BITTEN_EVF_OPTIONAL
#define NUL BITTEN_EVF_NULLABLE
#define END {NULL, 0, 0, NULL}

const bitten_event_field_t bitten_event_common_fields[] = {
    {"seq", I, REQ, "the publisher's sequence number: +1 per event sent; a jump is a loss "
                    "(a subscriber past events.sndhwm), a restart starts again at 1"},
    {"ts", S, REQ, "when it was published (UTC, ISO 8601 with ms) unless the topic sets it"},
    END};

/* ---------------------------------------------------------------- daemon */

static const bitten_event_field_t s_started[] = {
    {"version", S, REQ, "bittend's version"},
    {"pid", I, REQ, "process id"},
    {"heartbeat_s", I, REQ, "daemon.heartbeat period (events.heartbeat_s)"},
    END};

static const bitten_event_field_t s_heartbeat[] = {
    {"interval_s", I, REQ, "the period: no heartbeat for 3 periods means the daemon is gone"},
    {"uptime_s", N, REQ, "seconds since start"},
    {"subscriptions", I, REQ, "live subscriptions on the events channel"},
    END};

static const bitten_event_field_t s_stopping[] = {
    {"why", S, REQ, "what stopped it: the signal's name (Terminated, Interrupt) or 'stop'"},
    END};

/* ---------------------------------------------------------------- core */

static const bitten_event_field_t s_reject[] = {
    {"channel", S, REQ, "feedback, confirm, router, account (a per-account pair), command or "
                        "control"},
    {"reason", S, REQ, "reason code (reason.h)"},
    {"field", S, REQ, "the offending field, or empty"},
    {"detail", S, REQ, "what was wrong"},
    {"bytes", I, REQ, "frame size"},
    {"excerpt", S, REQ, "the frame's first reject.excerpt_bytes, escaped"},
    END};

static const bitten_event_field_t s_strict_violation[] = {
    {"path", S, REQ, "the legacy execution file found"},
    {"reason", S, REQ, "STRICT_LEGACY_FILE"},
    END};

static const bitten_event_field_t s_strict_cleared[] = {
    {"path", S, REQ, "the legacy file that is gone"},
    END};

static const bitten_event_field_t s_clock_step[] = {
    {"step_ms", I, REQ, "how far the wall clock jumped (negative: backwards)"},
    {"offset_ms", I, REQ, "wall clock minus the daemon's monotonic clock, now"},
    {"steps", I, REQ, "steps seen since start"},
    END};

/* ---------------------------------------------------------------- signals and verdicts */

static const bitten_event_field_t s_signal[] = {
    {"signal_id", S, REQ, "VENOM's id (the fire's key with the uuid)"},
    {"symbol", S, REQ, "symbol"},
    {"direction", S, REQ, "BUY or SELL"},
    {"class", S, REQ, "RAPID or PRECISION"},
    {"pattern", S, REQ, "the detector"},
    {"confidence", N, REQ, "0..100"},
    {"entry", N, REQ, "entry price"},
    {"sl_pips", N, REQ, "stop distance, pips"},
    {"tp_pips", N, REQ, "target distance, pips"},
    {"sl_price", N, REQ, "stop price"},
    {"tp_price", N, REQ, "target price"},
    {"rr", N, REQ, "reward / risk"},
    {"atr_pips", N, REQ, "ATR at the signal, pips"},
    {"session", S, REQ, "market session"},
    {"created_at", S, REQ, "market time of the signal"},
    {"expires_at", S, REQ, "after this no fire is sent for it"},
    END};

static const bitten_event_field_t s_verdict[] = {
    {"signal_id", S, REQ, "the signal"},
    {"symbol", S, REQ, "symbol"},
    {"score", N, REQ, "CITADEL shield score"},
    {"label", S, REQ, "score band"},
    {"multiplier", N, REQ, "lot multiplier of the band"},
    {"passed", B, REQ, "true: auto accounts may fire it"},
    {"reasons", A, REQ, "reason codes that blocked it (strings), empty when passed"},
    {"confidence", N, REQ, "the signal's confidence"},
    {"threshold", N, REQ, "the confidence threshold in force"},
    {"tier", S, REQ, "CITADEL's threshold tier"},
    {"tightened", B, REQ, "the threshold was tightened"},
    {"terms", O, REQ, "the score's terms (numbers by name)"},
    {"evidence", O, OPT, "the evidence gate, when checked: gate (reason), closed (trades), "
                         "expectancy_r, lower_95_r, upper_95_r (numbers or null)"},
    END};

static const bitten_event_field_t s_signal_outcome[] = {
    {"signal_id", S, REQ, "the followed signal (--outcomes / VENOM's follower)"},
    {"pattern", S, REQ, "the detector"},
    {"outcome", S, REQ, "WIN, LOSS, TIMEOUT or OPEN"},
    {"r", N, NUL, "result in R (4 decimals); null when not finite"},
    {"fill", N, REQ, "entry price"},
    {"exit", N, REQ, "exit price"},
    {"closed_at", S, REQ, "market time of the outcome"},
    {"gap", B, REQ, "the stop was filled beyond its price (a gap)"},
    END};

/* ---------------------------------------------------------------- fires */

#define FIRE_FIELDS                                                                           \
    {"id", I, REQ, "fire id (the journal's)"}, {"signal_id", S, REQ, "signal id"},             \
        {"uuid", S, REQ, "account"}, {"symbol", S, REQ, "symbol (empty for close_all)"},       \
        {"action", S, REQ, "buy, sell, close, close_all"}, {"lot", N, REQ, "lots"},            \
        {"sl_points", I, REQ, "stop, points"}, {"tp_points", I, REQ, "target, points"},        \
        {"sl_pips", N, REQ, "stop, pips"}, {"tp_pips", N, REQ, "target, pips"},                \
        {"source", S, REQ, "auto or manual"}, {"state", S, REQ, "the new state"},              \
        {"created_at", S, REQ, "when it was journaled"},                                        \
        {"reason", S, OPT, "reason code, when not OK"},                                         \
        {"ticket", I, OPT, "the broker's ticket"}, {"fill_price", N, OPT, "fill price"},        \
        {"close_price", N, OPT, "close price"}, {"profit", N, OPT, "realised profit"},          \
        {"sent_at", S, OPT, "when it was sent"}, {"result_at", S, OPT, "when the EA answered"}, \
        {"closed_at", S, OPT, "when it closed"}, {"expires_at", S, OPT, "send deadline"},      \
        {"from", S, OPT, "the previous state"}, {"detail", S, OPT, "the EA's or check's words"}, \
        {"profit_known", B, OPT, "CLOSED only: false when the EA never said the profit (EA v7 " \
                                 "closes reconciled from heartbeats or our close's answer)"}

static const bitten_event_field_t s_fire[] = {FIRE_FIELDS, END};

static const bitten_event_field_t s_fire_duplicate[] = {
    {"signal_id", S, REQ, "signal id"},
    {"uuid", S, REQ, "account"},
    {"id", I, REQ, "the first fire's id"},
    {"reason", S, REQ, "DUPLICATE"},
    END};

static const bitten_event_field_t s_orphan[] = {
    {"signal_id", S, REQ, "the result's signal id"},
    {"uuid", S, REQ, "the result's account (may be empty)"},
    {"status", S, REQ, "the result's status"},
    {"why", S, REQ, "why no fire matched"},
    END};

/* ---------------------------------------------------------------- accounts, risk, XP */

static const bitten_event_field_t s_account_created[] = {
    {"uuid", S, REQ, "account"},
    {"tier", S, REQ, "NIBBLER, FANG or COMMANDER"},
    {"mode", S, REQ, "manual or auto"},
    END};

#define HALT_FIELDS                                                                          \
    {"id", I, REQ, "halt id"}, {"scope", S, REQ, "global or account"},                       \
        {"kind", S, REQ, "soft (no new fires) or hard (also closes)"},                       \
        {"reason", S, REQ, "reason code"}, {"trigger", S, REQ, "risk trigger or OPERATOR"}, \
        {"why", S, REQ, "words"}, {"since", S, REQ, "when it was raised"},                   \
        {"uuid", S, OPT, "account (scope account only)"}, {"by", S, REQ, "who: risk or operator"}

static const bitten_event_field_t s_halt[] = {HALT_FIELDS, END};

static const bitten_event_field_t s_halt_released[] = {
    HALT_FIELDS, {"released_why", S, REQ, "why it was released"}, END};

static const bitten_event_field_t s_account_update[] = {
    {"uuid", S, REQ, "account"},
    {"tier", S, NUL, "NIBBLER, FANG or COMMANDER; null when the account is unknown"},
    {"balance", N, REQ, "balance"},
    {"equity", N, REQ, "equity"},
    {"peak_equity", N, REQ, "highest equity seen"},
    {"day_start_balance", N, REQ, "balance at the day's rollover"},
    {"realised_today", N, REQ, "realised P/L today (without the closes_profit_unknown_today)"},
    {"telemetry_max_age_s", I, REQ, "the account state's freshness limit in force: its EA "
                                    "dialect's (risk.telemetry_max_age_*)"},
    {"closes_profit_unknown_today", I, REQ, "closes today whose profit the EA never said (EA "
                                            "v7): realised_today lacks them; the daily loss is "
                                            "the balance's"},
    {"medic", B, REQ, "MEDIC mode (reduced risk) in force"},
    {"open_positions", I, REQ, "open positions"},
    {"fires_today", I, REQ, "fires today"},
    {"loss_streak", I, REQ, "consecutive losses"},
    {"win_streak", I, REQ, "consecutive wins"},
    {"free_margin", N, REQ, "free margin"},
    {"daily_loss_pct", N, NUL, "today's loss, % of day start; null before telemetry"},
    {"drawdown_pct", N, NUL, "drawdown from peak, %; null before telemetry"},
    {"margin_level", N, NUL, "margin level %; null when none (no positions) or unknown"},
    {"margin_level_state", S, REQ, "known, none (no positions) or unknown"},
    {"last_telemetry_age_s", N, NUL, "seconds since the last telemetry; null before any"},
    {"halts", A, REQ, "the account's halts (objects as in topic halt, without by)"},
    END};

static const bitten_event_field_t s_drawdown_warn[] = {
    {"uuid", S, REQ, "account"},
    {"drawdown_pct", N, REQ, "drawdown from peak, %"},
    {"peak_equity", N, REQ, "peak equity"},
    {"equity", N, REQ, "equity"},
    END};

static const bitten_event_field_t s_xp_award[] = {
    {"uuid", S, REQ, "account"},     {"signal_id", S, REQ, "the fire's signal"},
    {"event", S, REQ, "what earned it"}, {"xp", I, REQ, "XP awarded"},
    {"total", I, REQ, "the account's total"}, {"rank", S, REQ, "rank at that total"},
    END};

static const bitten_event_field_t s_xp_rank_up[] = {
    {"uuid", S, REQ, "account"},
    {"rank", S, REQ, "the new rank"},
    {"from", S, REQ, "the old rank"},
    {"total", I, REQ, "XP total"},
    END};

/* ---------------------------------------------------------------- EAs */

static const bitten_event_field_t s_ea[] = {
    {"uuid", S, REQ, "account"},
    {"last_seen", S, REQ, "last frame from it"},
    {"why", S, REQ, "what changed it (first frame, silence, goodbye)"},
    END};

/* ---------------------------------------------------------------- the table */

const bitten_event_topic_t bitten_event_topics[] = {
    {"daemon.started", "core", "the loop runs (sockets bound, modules up)", s_started},
    {"daemon.heartbeat", "core", "every events.heartbeat_s", s_heartbeat},
    {"daemon.stopping", "core", "the daemon is stopping: nothing follows", s_stopping},
    {"reject", "core", "a frame was refused (counted per reason)", s_reject},
    {"strict.violation", "core", "a legacy execution file appeared: fires refused", s_strict_violation},
    {"strict.cleared", "core", "the legacy file is gone", s_strict_cleared},
    {"clock.step", "core", "the wall clock stepped: ages keep the daemon's clock (an alarm)",
     s_clock_step},
    {"signal", "venom", "a new signal", s_signal},
    {"signal.outcome", "venom", "a followed signal reached TP, SL or its time limit",
     s_signal_outcome},
    {"verdict", "citadel", "CITADEL's verdict on a signal", s_verdict},
    {"fire.pending", "fire_router", "journaled, about to be sent", s_fire},
    {"fire.sent", "fire_router", "handed to the command socket", s_fire},
    {"fire.filled", "fire_router", "the EA reported success", s_fire},
    {"fire.closed", "fire_router", "the position closed", s_fire},
    {"fire.refused", "fire_router", "a check refused it (reason): never reached an EA", s_fire},
    {"fire.failed", "fire_router", "the EA reported an error", s_fire},
    {"fire.timeout", "fire_router", "no result in fire.result_timeout_s: an alarm", s_fire},
    {"fire.expired", "fire_router", "expired before it could be sent", s_fire},
    {"fire.unconfirmed", "fire_router", "PENDING/SENT at a restart: outcome unknown", s_fire},
    {"fire.duplicate", "fire_router", "a (signal_id, uuid) used before: nothing sent",
     s_fire_duplicate},
    {"orphan_result", "fire_router", "a result no fire matches", s_orphan},
    {"account.created", "accounts", "an account made from default_account on first contact",
     s_account_created},
    {"account.update", "xp_risk", "an account's numbers changed (at most 1/s per account)",
     s_account_update},
    {"halt", "xp_risk", "a halt was raised", s_halt},
    {"halt.released", "xp_risk", "a halt was released", s_halt_released},
    {"risk.drawdown_warn", "xp_risk", "drawdown passed risk.drawdown_warn_pct", s_drawdown_warn},
    {"xp.award", "xp_risk", "XP awarded", s_xp_award},
    {"xp.rank_up", "xp_risk", "a new rank", s_xp_rank_up},
    {"ea.online", "ea_registry", "an EA is heard", s_ea},
    {"ea.offline", "ea_registry", "an EA went silent (ea.offline_after_s) or said goodbye", s_ea},
    {NULL, NULL, NULL, NULL}};

/* ---------------------------------------------------------------- checks */

const bitten_event_topic_t *bitten_event_topic_find(const char *topic)
{
    for (const bitten_event_topic_t *t = bitten_event_topics; topic && t->topic; t++)
        if (strcmp(t->topic, topic) == 0)
            return t;
    return NULL;
}

static const bitten_event_field_t *s_field(const bitten_event_field_t *fields, const char *name)
{
    for (const bitten_event_field_t *f = fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static bool s_type_ok(bitten_evf_type_t type, const json_t *v)
{
    switch (type) {
    case BITTEN_EVF_STRING:
        return json_is_string(v);
    case BITTEN_EVF_INT:
        return json_is_integer(v);
    case BITTEN_EVF_NUMBER:
        return json_is_number(v);
    case BITTEN_EVF_BOOL:
        return json_is_boolean(v);
    case BITTEN_EVF_ARRAY:
        return json_is_array(v);
    case BITTEN_EVF_OBJECT:
    default:
        return json_is_object(v);
    }
}

static const char *s_type_name(bitten_evf_type_t type)
{
    static const char *const names[] = {"string", "integer", "number", "bool", "array", "object"};
    return names[type];
}

int bitten_event_check(const char *topic, const json_t *body, char *why, size_t whylen)
{
    const bitten_event_topic_t *t = bitten_event_topic_find(topic);
    if (!t) {
        snprintf(why, whylen, "topic '%s' is not in the events table", topic ? topic : "");
        return -1;
    }
    if (!json_is_object(body)) {
        snprintf(why, whylen, "%s: body is not an object", topic);
        return -1;
    }
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)body, name, v)
    {
        const bitten_event_field_t *f = s_field(t->fields, name);
        if (!f)
            f = s_field(bitten_event_common_fields, name);
        if (!f) {
            snprintf(why, whylen, "%s: field '%s' is not in the events table", topic, name);
            return -1;
        }
        if (json_is_null(v) ? f->presence != BITTEN_EVF_NULLABLE : !s_type_ok(f->type, v)) {
            snprintf(why, whylen, "%s: field '%s' is not %s%s", topic, name, s_type_name(f->type),
                     f->presence == BITTEN_EVF_NULLABLE ? " or null" : "");
            return -1;
        }
    }
    for (const bitten_event_field_t *f = t->fields; f->name; f++)
        if (f->presence != BITTEN_EVF_OPTIONAL && !json_object_get(body, f->name)) {
            snprintf(why, whylen, "%s: field '%s' is missing", topic, f->name);
            return -1;
        }
    return 0;
}

/* ---------------------------------------------------------------- the doc */

static void s_write_fields(FILE *out, const bitten_event_field_t *fields)
{
    static const char *const presence[] = {"always", "optional", "always, null when unknown"};
    fprintf(out, "| field | type | present | meaning |\n|---|---|---|---|\n");
    for (const bitten_event_field_t *f = fields; f->name; f++)
        fprintf(out, "| `%s` | %s | %s | %s |\n", f->name, s_type_name(f->type),
                presence[f->presence], f->doc);
}

void bitten_events_write_doc(FILE *out)
{
    fprintf(out, "| topic | publisher | when |\n|---|---|---|\n");
    for (const bitten_event_topic_t *t = bitten_event_topics; t->topic; t++)
        fprintf(out, "| `%s` | %s | %s |\n", t->topic, t->publisher, t->doc);
    fprintf(out, "\n### Fields of every event\n\n");
    s_write_fields(out, bitten_event_common_fields);
    for (const bitten_event_topic_t *t = bitten_event_topics; t->topic; t++) {
        fprintf(out, "\n### %s\n\n%s (%s).\n\n", t->topic, t->doc, t->publisher);
        s_write_fields(out, t->fields);
    }
}
