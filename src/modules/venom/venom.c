/*  venom.c: the VENOM module: feeds bus ticks and candle batches to the pure engine, and turns
 *  each signal into a bus event, an events-channel "signal", a log line and a store row; keeps
 *  its rate-control state in the store so the caps survive a restart. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store.h"
#include "core/symbols_config.h"
#include "modules/venom/venom.h"

#include "bitten/trading.h"
#include "modules/venom/outcome.h"
#include "modules/venom/record.h"

#define S_ERR_MAX 256
#define S_RECENT_MAX 256 /* recent signals a real fill is matched against */

//  What a real fill is compared with: the signal's shadow entry (its tick's ask / bid).
typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    venom_pattern_t pattern;
    venom_direction_t direction;
    double shadow_entry, pip, sl_pips;
} s_recent_t;

struct venom {
    bitten_core_t *core;
    bitten_log_t *log;
    venom_engine_t *engine;
    uint64_t not_selected; /* ticks and batches of symbols outside venom.symbols */
    uint64_t time_unknown; /* EA ticks and batches before their account's server offset is known */
    uint64_t candle_batches, candles_merged, candle_batches_refused;
    char last_signal_id[BITTEN_ID_MAX + 1];
    venom_selection_t *selection; /* venom.symbols, read once at start */
    venom_tracker_t *tracker; /* every signal followed on the live ticks (outcome.h) */
    venom_record_t record;    /* their closed outcomes per pattern, kept in the store's kv */
    uint64_t outcomes;        /* decided since start */
    s_recent_t recent[S_RECENT_MAX]; /* ring of the last signals, for the fills */
    size_t recent_next;
};

#define S_KV_RECORD "venom.outcomes"

static int s_signal_row(void *arg, const bitten_signal_row_t *row)
{
    json_error_t err;
    json_t *obj = row->json ? json_loads(row->json, 0, &err) : NULL;
    if (!obj)
        return 0;
    if (row->has_verdict) {
        json_t *reasons = row->reasons_json ? json_loads(row->reasons_json, 0, &err) : NULL;
        json_object_set_new(obj, "verdict",
                            json_pack("{s:s, s:b, s:f, s:o}", "label", row->label, "passed",
                                      row->passed, "score", row->score, "reasons",
                                      reasons ? reasons : json_array()));
    }
    json_array_append_new(arg, obj);
    return 0;
}

static const bitten_control_arg_t s_signals_args[] = {{"symbol", BITTEN_ARG_STRING, false},
                                                      {"limit", BITTEN_ARG_INT, false},
                                                      {"stats", BITTEN_ARG_BOOL, false},
                                                      {NULL, 0, false}};

//  `bittenctl signals [--symbol S] [--limit N]`: stored signals, newest first, with verdicts.
static bitten_reason_t s_control_signals(void *arg, const json_t *request, json_t *reply)
{
    venom_t *self = arg;
    const char *symbol = json_string_value(json_object_get(request, "symbol"));
    json_t *limit = json_object_get(request, "limit");
    double want = json_is_number(limit) ? json_number_value(limit) : 50;
    int n = (want >= 1 && want <= 100000) ? (int)want : 50;
    if (json_is_true(json_object_get(request, "stats"))) { /* `bittenctl signals --stats` */
        json_t *stats = venom_record_json(&self->record);
        json_object_set_new(stats, "open_now",
                            json_integer((json_int_t)venom_book_open_count(
                                venom_tracker_book(self->tracker))));
        json_object_set_new(reply, "stats", stats);
        return BITTEN_R_OK;
    }
    json_t *list = json_array();
    json_object_set_new(reply, "signals", list);
    return bitten_store_signal_list(bitten_core_store(self->core), symbol, n, s_signal_row, list) < 0
               ? BITTEN_R_INTERNAL
               : BITTEN_R_OK;
}

int venom_check_symbols(const bitten_config_t *cfg, const bitten_symbols_t *symbols, char *err,
                        size_t errlen)
{
    const char *name;
    for (size_t i = 0; (name = bitten_config_list_at(cfg, "venom.symbols", i)) != NULL; i++)
        if (!bitten_symbols_find(symbols, name)) {
            snprintf(err, errlen, "key 'venom.symbols': '%.32s' is not in the symbol table", name);
            return -1;
        }
    return 0;
}

struct venom_selection {
    size_t n; /* 0: every symbol */
    char (*names)[BITTEN_SYMBOL_MAX + 1];
};

venom_selection_t *venom_selection_new(const bitten_config_t *cfg)
{
    venom_selection_t *self = calloc(1, sizeof *self);
    size_t n = bitten_config_list_count(cfg, "venom.symbols");
    if (!self || (n && !(self->names = calloc(n, sizeof *self->names)))) {
        free(self);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(self->names[i], sizeof self->names[i], "%s",
                 bitten_config_list_at(cfg, "venom.symbols", i));
    self->n = n;
    return self;
}

void venom_selection_destroy(venom_selection_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->names);
    free(*self_p);
    *self_p = NULL;
}

bool venom_selection_has(const venom_selection_t *self, const char *symbol)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->names[i], symbol) == 0)
            return true;
    return self->n == 0;
}

size_t venom_selection_count(const venom_selection_t *self)
{
    return self->n;
}

/* ---------------------------------------------------------------- json */

json_t *venom_signal_json(const venom_signal_t *s)
{
    char created[32], expires[32];
    bitten_format_time(s->created_at, created, sizeof created);
    bitten_format_time(s->expires_at, expires, sizeof expires);
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "signal_id", json_string(s->signal_id));
    json_object_set_new(o, "symbol", json_string(s->symbol));
    json_object_set_new(o, "direction", json_string(venom_direction_str(s->direction)));
    json_object_set_new(o, "class", json_string(venom_class_str(s->signal_class)));
    json_object_set_new(o, "pattern", json_string(venom_pattern_str(s->pattern)));
    json_object_set_new(o, "confidence", json_real(s->confidence));
    json_object_set_new(o, "entry", json_real(s->entry));
    json_object_set_new(o, "sl_pips", json_real(s->sl_pips));
    json_object_set_new(o, "tp_pips", json_real(s->tp_pips));
    json_object_set_new(o, "sl_price", json_real(s->sl_price));
    json_object_set_new(o, "tp_price", json_real(s->tp_price));
    json_object_set_new(o, "rr", json_real(s->rr));
    json_object_set_new(o, "atr_pips", json_real(s->atr_pips));
    json_object_set_new(o, "session", json_string(venom_session_str(s->session)));
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "expires_at", json_string(expires));
    return o;
}

static json_t *s_counts(const char *const *names, const uint64_t *counts, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, names[i], json_integer((json_int_t)counts[i]));
    return o;
}

void venom_stats_json(const venom_stats_t *st, json_t *obj)
{
    json_object_set_new(obj, "ticks", json_integer((json_int_t)st->ticks));
    json_object_set_new(obj, "signals", json_integer((json_int_t)st->signals));
    const char *drop_names[] = {bitten_reason_str(BITTEN_R_UNKNOWN_SYMBOL),
                                bitten_reason_str(BITTEN_R_TICK_OUT_OF_ORDER),
                                bitten_reason_str(BITTEN_R_OUT_OF_RANGE)};
    const uint64_t drops[] = {st->unknown_symbol, st->out_of_order, st->bad_price};
    json_object_set_new(obj, "drops", s_counts(drop_names, drops, 3));
    json_object_set_new(obj, "evaluations", json_integer((json_int_t)st->evaluations));
    const char *skip_names[VENOM_SKIP_COUNT - 1];
    for (int s = 1; s < VENOM_SKIP_COUNT; s++)
        skip_names[s - 1] = venom_skip_str((venom_skip_t)s);
    json_object_set_new(obj, "skips", s_counts(skip_names, st->skipped + 1, VENOM_SKIP_COUNT - 1));
    json_object_set_new(obj, "detections", json_integer((json_int_t)st->detections));
    json_object_set_new(obj, "below_min_confidence",
                        json_integer((json_int_t)st->below_min_confidence));
    const char *rate_names[VENOM_RATE_COUNT - 1];
    for (int r = 1; r < VENOM_RATE_COUNT; r++)
        rate_names[r - 1] = venom_rate_verdict_str((venom_rate_verdict_t)r);
    json_object_set_new(obj, "rate_blocked",
                        s_counts(rate_names, st->rate_blocked + 1, VENOM_RATE_COUNT - 1));
}

/* ---------------------------------------------------------------- the shell */

//  The store comes with the fire router (src/core/store*): until then a signal is only logged
//  here. This is the one place that will write it (signal and, later, its shield verdict).
//  Every signal is stored before anything acts on it (CITADEL's verdict references it).
static int s_store_signal(venom_t *self, const venom_signal_t *s, const json_t *obj)
{
    bitten_signal_rec_t rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.signal_id, sizeof rec.signal_id, "%s", s->signal_id);
    snprintf(rec.symbol, sizeof rec.symbol, "%s", s->symbol);
    snprintf(rec.direction, sizeof rec.direction, "%s", venom_direction_str(s->direction));
    snprintf(rec.class_name, sizeof rec.class_name, "%s", venom_class_str(s->signal_class));
    snprintf(rec.pattern, sizeof rec.pattern, "%s", venom_pattern_str(s->pattern));
    snprintf(rec.session, sizeof rec.session, "%s", s->session_str);
    rec.confidence = s->confidence;
    rec.entry = s->entry;
    rec.sl_pips = s->sl_pips;
    rec.tp_pips = s->tp_pips;
    rec.sl_price = s->sl_price;
    rec.tp_price = s->tp_price;
    rec.rr = s->rr;
    rec.atr_pips = s->atr_pips;
    rec.created_at = s->created_at;
    rec.expires_at = s->expires_at;
    char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
    rec.json = text;
    int rc = bitten_store_signal_insert(bitten_core_store(self->core), &rec);
    free(text);
    if (rc < 0)
        BLOG_ERROR(self->log, "venom", "store.failed", "signal_id=%s error=\"%s\"", s->signal_id,
                   bitten_store_errmsg(bitten_core_store(self->core)));
    return rc;
}

/* ---------------------------------------------------------------- rate state in the store */

//  The cooldown, window and day caps survive a restart: each signal writes its symbol's rate
//  state and the day counter to the kv table before anything acts on it; start restores them.
#define S_KV_RATE_PREFIX "venom.rate."
#define S_KV_DAY "venom.rate_day"
#define S_KV_TEXT_MAX 4096 /* larger than anything serialize writes */

static void s_save_rate(venom_t *self, const char *symbol)
{
    bitten_store_t *store = bitten_core_store(self->core);
    char key[sizeof S_KV_RATE_PREFIX + BITTEN_SYMBOL_MAX];
    char text[VENOM_RATE_TEXT_MAX], day_text[VENOM_DAILY_TEXT_MAX];
    venom_rate_t rate;
    venom_daily_t day;
    snprintf(key, sizeof key, S_KV_RATE_PREFIX "%s", symbol);
    venom_engine_daily(self->engine, &day);
    if (venom_engine_rate(self->engine, symbol, &rate) != 0 ||
        venom_rate_serialize(&rate, text, sizeof text) < 0 ||
        venom_daily_serialize(&day, day_text, sizeof day_text) < 0 ||
        bitten_store_kv_set(store, key, text) != 0 ||
        bitten_store_kv_set(store, S_KV_DAY, day_text) != 0)
        BLOG_ERROR(self->log, "venom", "rate.save_failed", "symbol=%s error=\"%s\"", symbol,
                   bitten_store_errmsg(store));
}

//  Reads one kv value: 1 found, 0 absent, -1 store error (named in err).
static int s_load_kv(venom_t *self, const char *key, char *text, size_t size, char *err,
                     size_t errlen)
{
    int rc = bitten_store_kv_get(bitten_core_store(self->core), key, text, size);
    if (rc < 0)
        snprintf(err, errlen, "cannot read '%s' from the store: %s", key,
                 bitten_store_errmsg(bitten_core_store(self->core)));
    return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

static int s_restore_rate(venom_t *self, const bitten_symbols_t *symbols, char *err, size_t errlen)
{
    char text[S_KV_TEXT_MAX];
    size_t restored = 0;
    for (size_t i = 0; i < bitten_symbols_count(symbols); i++) {
        const char *name = bitten_symbols_at(symbols, i)->name;
        char key[sizeof S_KV_RATE_PREFIX + BITTEN_SYMBOL_MAX];
        snprintf(key, sizeof key, S_KV_RATE_PREFIX "%s", name);
        int rc = s_load_kv(self, key, text, sizeof text, err, errlen);
        venom_rate_t rate;
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (venom_rate_deserialize(&rate, text) != 0 ||
            venom_engine_restore_rate(self->engine, name, &rate) != 0)
            BLOG_WARN(self->log, "venom", "rate.unreadable", "key=%s action=reset", key);
        else
            restored++;
    }
    venom_daily_t day;
    int rc = s_load_kv(self, S_KV_DAY, text, sizeof text, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1 && venom_daily_deserialize(&day, text) != 0)
        BLOG_WARN(self->log, "venom", "rate.unreadable", "key=%s action=reset", S_KV_DAY);
    else if (rc == 1)
        venom_engine_restore_daily(self->engine, &day);
    venom_engine_daily(self->engine, &day);
    BLOG_INFO(self->log, "venom", "rate.restored", "symbols=%zu day=%lld day_count=%d", restored,
              (long long)day.day, day.count);
    return 0;
}

static void s_on_signal(venom_t *self, const venom_signal_t *s)
{
    BLOG_INFO(self->log, "venom", "signal.created",
              "signal_id=%s symbol=%s direction=%s pattern=%s confidence=%.1f entry=%.10g "
              "sl_pips=%.1f tp_pips=%.1f rr=%.2f",
              s->signal_id, s->symbol, venom_direction_str(s->direction),
              venom_pattern_str(s->pattern), s->confidence, s->entry, s->sl_pips, s->tp_pips,
              s->rr);
    snprintf(self->last_signal_id, sizeof self->last_signal_id, "%s", s->signal_id);
    json_t *obj = venom_signal_json(s);
    s_store_signal(self, s, obj);
    s_save_rate(self, s->symbol);
    bitten_core_emit(self->core, "signal", obj);
    //  The market context as it is at the signal's tick travels with it (CITADEL's input).
    venom_context_t ctx;
    venom_signal_event_t ev = {s, NULL, NULL};
    if (s->pattern >= 0 && s->pattern < VENOM_PATTERN_COUNT)
        ev.record = &self->record.pattern[s->pattern]; /* outcomes decided before this tick */
    if (venom_engine_context(self->engine, s->symbol, &ctx) == 0)
        ev.context = &ctx;
    bitten_bus_publish(bitten_core_bus(self->core), BITTEN_EV_SIGNAL, &ev);
}

//  Identical lines are rate-limited by the logger (log.repeat_window_ms): keep the fields of a
//  drop line to reason and symbol so a flood folds into one line plus a suppressed count.
static void s_log_drop(venom_t *self, const bitten_tick_t *t, bitten_reason_t why)
{
    if (why == BITTEN_R_UNKNOWN_SYMBOL)
        BLOG_DEBUG(self->log, "venom", "tick.dropped", "reason=%s symbol=%s",
                   bitten_reason_str(why), t->symbol);
    else
        BLOG_INFO(self->log, "venom", "tick.dropped", "reason=%s symbol=%s", bitten_reason_str(why),
                  t->symbol);
}

static void s_save_record(venom_t *self)
{
    char *text = venom_record_dump(&self->record);
    if (!text || bitten_store_kv_set(bitten_core_store(self->core), S_KV_RECORD, text) != 0)
        BLOG_ERROR(self->log, "venom", "store.failed", "what=outcome_record");
    free(text);
}

//  A followed signal reached its outcome: logged, published as `signal.outcome`, recorded.
static void s_on_outcome(void *arg, size_t tag, const venom_trade_t *t)
{
    venom_t *self = arg;
    char ts[32];
    BLOG_INFO(self->log, "venom", "signal.outcome",
              "signal_id=%s outcome=%s r=%.4f fill=%.10g exit=%.10g gap=%s", t->signal_id,
              bitten_outcome_str(t->kind), t->r, t->entry, t->exit, t->gap ? "yes" : "no");
    bitten_core_emit(self->core, "signal.outcome",
                     json_pack("{s:s, s:s, s:s, s:o, s:f, s:f, s:s, s:b}", "signal_id",
                               t->signal_id, "pattern", venom_pattern_str(t->pattern),
                               "outcome", bitten_outcome_str(t->kind), "r",
                               venom_json_num4(t->r), "fill", t->entry, "exit", t->exit,
                               "closed_at", bitten_format_time(t->closed_at, ts, sizeof ts),
                               "gap", t->gap));
    venom_record_add(&self->record, t);
    self->outcomes++;
    s_save_record(self);
}

static void s_remember(venom_t *self, const venom_signal_t *sig, const bitten_tick_t *tick)
{
    venom_context_t ctx;
    const bitten_symbol_t *spec =
        venom_engine_context(self->engine, sig->symbol, &ctx) == 0 ? ctx.symbol : NULL;
    s_recent_t *r = &self->recent[self->recent_next++ % S_RECENT_MAX];
    snprintf(r->signal_id, sizeof r->signal_id, "%s", sig->signal_id);
    r->pattern = sig->pattern;
    r->direction = sig->direction;
    r->shadow_entry = sig->direction == VENOM_BUY ? tick->ask : tick->bid;
    r->pip = spec ? spec->pip : NAN;
    r->sl_pips = sig->sl_pips;
}

//  A fire reached FILLED with a price: its slippage against the shadow entry, per pattern.
static void s_on_fire(void *arg, bitten_event_t event, const void *payload)
{
    venom_t *self = arg;
    const bitten_fire_event_t *ev = payload;
    const bitten_fire_rec_t *f = ev->fire;
    if (f->state != BITTEN_FIRE_FILLED || !f->has_fill_price || ev->from == BITTEN_FIRE_FILLED)
        return;
    const s_recent_t *r = NULL;
    for (size_t i = 0; i < S_RECENT_MAX && !r; i++)
        if (self->recent[i].signal_id[0] && strcmp(self->recent[i].signal_id, f->signal_id) == 0)
            r = &self->recent[i];
    if (!r) {
        self->record.fills_unmatched++;
        s_save_record(self);
        return;
    }
    double slip = venom_slippage_pips(r->direction, r->shadow_entry, f->fill_price, r->pip);
    venom_record_add_fill(&self->record, r->pattern, slip, r->sl_pips);
    BLOG_INFO(self->log, "venom", "signal.fill",
              "signal_id=%s uuid=%s pattern=%s shadow_entry=%.10g fill=%.10g slippage_pips=%.2f "
              "slippage_r=%.4f",
              f->signal_id, f->uuid, venom_pattern_str(r->pattern), r->shadow_entry,
              f->fill_price, slip, r->sl_pips > 0 ? slip / r->sl_pips : NAN);
    s_save_record(self);
}

static void s_on_tick(void *arg, bitten_event_t event, const void *payload)
{
    venom_t *self = arg;
    const bitten_frame_t *frame = payload;
    const bitten_tick_t *tick = &frame->u.tick;
    if (frame->flags & BITTEN_FRAME_F_TIME_UNKNOWN) {
        self->time_unknown++;
        return;
    }
    if (!venom_selection_has(self->selection, tick->symbol)) {
        self->not_selected++;
        return;
    }
    venom_signal_t sig;
    bitten_reason_t why = BITTEN_R_OK;
    int r = venom_engine_on_tick(self->engine, tick, &sig, &why);
    if (r < 0) {
        s_log_drop(self, tick, why);
        return;
    }
    venom_tracker_on_tick(self->tracker, tick, s_on_outcome, self); /* as the replay does */
    if (r == 1) {
        s_remember(self, &sig, tick);
        s_on_signal(self, &sig);
        venom_tracker_on_signal(self->tracker, 0, &sig); /* fills on this tick's ask / bid */
    }
}

static void s_on_candles(void *arg, bitten_event_t event, const void *payload)
{
    venom_t *self = arg;
    const bitten_frame_t *frame = payload;
    const bitten_candle_batch_t *b = &frame->u.candle_batch;
    if (frame->flags & BITTEN_FRAME_F_TIME_UNKNOWN) {
        self->time_unknown++;
        return;
    }
    if (!venom_selection_has(self->selection, b->symbol)) {
        self->not_selected++;
        return;
    }
    self->candle_batches++;
    int added =
        venom_engine_on_candles(self->engine, b->symbol, b->timeframe_s, b->candles, b->count);
    if (added < 0) {
        self->candle_batches_refused++;
        BLOG_WARN(self->log, "venom", "candles.refused", "symbol=%s timeframe_s=%d", b->symbol,
                  b->timeframe_s);
        return;
    }
    self->candles_merged += (uint64_t)added;
    BLOG_DEBUG(self->log, "venom", "candles.merged", "symbol=%s timeframe_s=%d count=%zu added=%d",
               b->symbol, b->timeframe_s, b->count, added);
}

static void s_status(void *arg, json_t *section)
{
    venom_t *self = arg;
    venom_stats_t st;
    venom_engine_stats(self->engine, &st);
    venom_stats_json(&st, section);
    //  Status only (the replay report's stats stay as they were): a live shortage of memory.
    json_object_set_new(section, "alloc_failed", json_integer((json_int_t)st.alloc_failed));
    json_object_set_new(section, "not_selected", json_integer((json_int_t)self->not_selected));
    json_object_set_new(section, "waiting_server_offset",
                        json_integer((json_int_t)self->time_unknown));
    json_object_set_new(section, "candle_batches", json_integer((json_int_t)self->candle_batches));
    json_object_set_new(section, "candles_merged", json_integer((json_int_t)self->candles_merged));
    json_object_set_new(section, "candle_batches_refused",
                        json_integer((json_int_t)self->candle_batches_refused));
    json_object_set_new(section, "last_signal_id",
                        self->last_signal_id[0] ? json_string(self->last_signal_id) : json_null());
    json_object_set_new(section, "outcomes",
                        json_pack("{s:I, s:I}", "open",
                                  (json_int_t)venom_book_open_count(
                                      venom_tracker_book(self->tracker)),
                                  "decided", (json_int_t)self->outcomes));
}

venom_t *venom_new(bitten_core_t *core)
{
    venom_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->core = core;
    self->log = bitten_core_log(core);
    const bitten_config_t *cfg = bitten_core_config(core);
    char err[S_ERR_MAX] = "";
    venom_params_t p;
    char sym_err[200];
    bitten_symbols_t *symbols = bitten_symbols_from_config(cfg, sym_err, sizeof sym_err);
    self->selection = venom_selection_new(cfg);
    if (!symbols || !self->selection)
        snprintf(err, sizeof err, "out of memory");
    else if (venom_params_from_config(cfg, &p, err, sizeof err) == 0 &&
             venom_check_symbols(cfg, symbols, err, sizeof err) == 0) {
        self->engine = venom_engine_new(&p, symbols);
        venom_follow_params_t fp;
        venom_follow_params_init(&fp, &p);
        self->tracker = self->engine ? venom_tracker_new(&fp, symbols) : NULL;
        if (!self->engine || !self->tracker)
            snprintf(err, sizeof err, "cannot create the engine");
        else if (s_restore_rate(self, symbols, err, sizeof err) != 0)
            venom_engine_destroy(&self->engine); /* fail closed: caps we cannot read */
    }
    if (!self->engine || !self->tracker) {
        venom_engine_destroy(&self->engine);
        venom_tracker_destroy(&self->tracker);
        bitten_symbols_destroy(&symbols);
        venom_selection_destroy(&self->selection);
        char quoted[S_ERR_MAX + 8];
        BLOG_ERROR(self->log, "venom", "venom.start_failed", "error=%s",
                   bitten_log_quote(err, quoted, sizeof quoted));
        free(self);
        return NULL;
    }
    char text[16384];
    if (bitten_store_kv_get(bitten_core_store(core), S_KV_RECORD, text, sizeof text) == 0 &&
        venom_record_load(&self->record, text) != 0)
        BLOG_WARN(self->log, "venom", "outcome_record.unreadable", "action=start_empty");
    bitten_bus_t *bus = bitten_core_bus(core);
    bitten_bus_subscribe(bus, BITTEN_EV_TICK, s_on_tick, self);
    bitten_bus_subscribe(bus, BITTEN_EV_CANDLE_BATCH, s_on_candles, self);
    bitten_bus_subscribe(bus, BITTEN_EV_FIRE, s_on_fire, self);
    bitten_core_status_register(core, "venom", s_status, self);
    bitten_core_control_register(core, "signals", BITTEN_CONTROL_READ, s_signals_args,
                                 s_control_signals, self);
    size_t selected = venom_selection_count(self->selection);
    BLOG_INFO(self->log, "venom", "venom.started", "symbols=%zu selected=%s min_confidence=%.1f",
              selected ? selected : bitten_symbols_count(symbols), selected ? "listed" : "all",
              p.min_confidence);
    bitten_symbols_destroy(&symbols); /* the engine keeps its own copy */
    return self;
}

int venom_reload(venom_t *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    venom_params_t p;
    if (venom_params_from_config(cfg, &p, err, errlen) != 0 ||
        venom_engine_apply_live(self->engine, &p, err, errlen) != 0)
        return -1;
    BLOG_INFO(self->log, "venom", "venom.reloaded", "min_confidence=%.1f", p.min_confidence);
    return 0;
}

void venom_destroy(venom_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    venom_t *self = *self_p;
    bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
    size_t open = venom_book_open_count(venom_tracker_book(self->tracker));
    if (open) { /* not kept across a restart: counted, not scored */
        self->record.lost_open += open;
        s_save_record(self);
    }
    venom_tracker_destroy(&self->tracker);
    venom_engine_destroy(&self->engine);
    venom_selection_destroy(&self->selection);
    free(self);
    *self_p = NULL;
}
