/*  venom.c: the VENOM module: feeds bus ticks and candle batches to the pure engine, and turns
 *  each signal into a bus event, an events-channel "signal", a log line and (later) a store row. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store.h"
#include "core/symbols_config.h"
#include "modules/venom/venom.h"

#include "modules/venom/outcome.h"
#include "modules/venom/record.h"

#define S_ERR_MAX 256

struct venom {
    bitten_core_t *core;
    bitten_log_t *log;
    const bitten_config_t *cfg;
    venom_engine_t *engine;
    uint64_t not_selected; /* ticks and batches of symbols outside venom.symbols */
    uint64_t candle_batches, candles_merged, candle_batches_refused;
    char last_signal_id[BITTEN_ID_MAX + 1];
    venom_query_t query; /* provided as "venom.context" */
    venom_tracker_t *tracker; /* every signal followed on the live ticks (outcome.h) */
    venom_record_t record;    /* their closed outcomes per pattern, kept in the store's kv */
    uint64_t outcomes;        /* decided since start */
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

static int s_query_context(void *arg, const char *symbol, venom_context_t *out)
{
    return venom_engine_context(((venom_t *)arg)->engine, symbol, out);
}

/* ---------------------------------------------------------------- params from config */

#define S_I(field) offsetof(venom_params_t, field), true
#define S_D(field) offsetof(venom_params_t, field), false

//  One row per field of venom_params_t; the keys, defaults and ranges live in config_keys.c.
static const bitten_cfg_bind_t s_param_keys[] = {
    {"venom.min_confidence", S_D(min_confidence)},
    {"venom.signal_ttl_s", S_I(signal_ttl_s)},
    {"venom.min_m5_candles", S_I(min_m5_candles)},
    {"venom.stale_after_s", S_I(stale_after_s)},
    {"venom.weekend_start_wday", S_I(weekend_start_wday)},
    {"venom.weekend_start_hour", S_I(weekend_start_hour)},
    {"venom.weekend_end_wday", S_I(weekend_end_wday)},
    {"venom.weekend_end_hour", S_I(weekend_end_hour)},
    {"venom.cooldown_s", S_I(cooldown_s)},
    {"venom.max_per_window", S_I(max_per_window)},
    {"venom.rate_window_s", S_I(rate_window_s)},
    {"venom.max_per_day", S_I(max_per_day)},
    {"venom.max_per_symbol_day", S_I(max_per_symbol_day)},
    {"venom.max_per_session.asian", S_I(max_per_session[VENOM_SESSION_ASIAN])},
    {"venom.max_per_session.london", S_I(max_per_session[VENOM_SESSION_LONDON])},
    {"venom.max_per_session.overlap", S_I(max_per_session[VENOM_SESSION_OVERLAP])},
    {"venom.max_per_session.newyork", S_I(max_per_session[VENOM_SESSION_NEWYORK])},
    {"venom.max_per_session.late", S_I(max_per_session[VENOM_SESSION_LATE])},
    {"venom.max_hold_s", S_I(max_hold_s)},
    {"venom.ring_m1", S_I(ring_m1)},
    {"venom.ring_m5", S_I(ring_m5)},
    {"venom.ring_m15", S_I(ring_m15)},
    {"venom.spread_ring", S_I(spread_ring)},
    {"venom.atr_percentile_bars", S_I(atr_percentile_bars)},
    {"venom.sweep_m1_bars", S_I(sweep_m1_bars)},
    {"venom.atr_period", S_I(atr_period)},
    {"venom.atr_floor_pips", S_D(atr_floor_pips)},
    {"venom.ema_fast", S_I(ema_fast)},
    {"venom.ema_mid", S_I(ema_mid)},
    {"venom.ema_slow", S_I(ema_slow)},
    {"venom.rsi_period", S_I(rsi_period)},
    {"venom.bb_period", S_I(bb_period)},
    {"venom.bb_k", S_D(bb_k)},
    {"venom.swing_side", S_I(swing_side)},
    {"venom.swing_lookback", S_I(swing_lookback)},
    {"venom.swing_skip", S_I(swing_skip)},
    {"venom.session_start_hour.asian", S_I(session_start_hour[VENOM_SESSION_ASIAN])},
    {"venom.session_start_hour.london", S_I(session_start_hour[VENOM_SESSION_LONDON])},
    {"venom.session_start_hour.overlap", S_I(session_start_hour[VENOM_SESSION_OVERLAP])},
    {"venom.session_start_hour.newyork", S_I(session_start_hour[VENOM_SESSION_NEWYORK])},
    {"venom.session_start_hour.late", S_I(session_start_hour[VENOM_SESSION_LATE])},
    {"venom.session_bonus.asian", S_D(session_bonus[VENOM_SESSION_ASIAN])},
    {"venom.session_bonus.london", S_D(session_bonus[VENOM_SESSION_LONDON])},
    {"venom.session_bonus.overlap", S_D(session_bonus[VENOM_SESSION_OVERLAP])},
    {"venom.session_bonus.newyork", S_D(session_bonus[VENOM_SESSION_NEWYORK])},
    {"venom.session_bonus.late", S_D(session_bonus[VENOM_SESSION_LATE])},
    {"venom.atr_sl_mult", S_D(atr_sl_mult)},
    {"venom.atr_sl_floor_pips", S_D(atr_sl_floor_pips)},
    {"venom.atr_sl_cap_pips", S_D(atr_sl_cap_pips)},
    {"venom.sl_cap_pips", S_D(sl_cap_pips)},
    {"venom.tp_ratio_rapid", S_D(tp_ratio_rapid)},
    {"venom.tp_ratio_precision", S_D(tp_ratio_precision)},
    {"venom.lsr.sweep_min_pips", S_D(lsr.sweep_min_pips)},
    {"venom.lsr.sweep_min_atr", S_D(lsr.sweep_min_atr)},
    {"venom.lsr.wick_min", S_D(lsr.wick_min)},
    {"venom.lsr.range_min_pips", S_D(lsr.range_min_pips)},
    {"venom.lsr.sl_atr_mult", S_D(lsr.sl_atr_mult)},
    {"venom.lsr.conf.base", S_D(lsr.conf.base)},
    {"venom.lsr.conf.min", S_D(lsr.conf.min)},
    {"venom.lsr.conf.max", S_D(lsr.conf.max)},
    {"venom.lsr.conf_sweep_mult", S_D(lsr.conf_sweep_mult)},
    {"venom.lsr.conf_sweep_cap", S_D(lsr.conf_sweep_cap)},
    {"venom.lsr.conf_wick_mult", S_D(lsr.conf_wick_mult)},
    {"venom.lsr.conf_wick_cap", S_D(lsr.conf_wick_cap)},
    {"venom.lsr.conf_close_cap", S_D(lsr.conf_close_cap)},
    {"venom.fvg.gap_min_pips", S_D(fvg.gap_min_pips)},
    {"venom.fvg.gap_min_atr", S_D(fvg.gap_min_atr)},
    {"venom.fvg.middle_body_min", S_D(fvg.middle_body_min)},
    {"venom.fvg.lookback", S_I(fvg.lookback)},
    {"venom.fvg.sl_atr_mult", S_D(fvg.sl_atr_mult)},
    {"venom.fvg.conf.base", S_D(fvg.conf.base)},
    {"venom.fvg.conf.min", S_D(fvg.conf.min)},
    {"venom.fvg.conf.max", S_D(fvg.conf.max)},
    {"venom.fvg.conf_gap_mult", S_D(fvg.conf_gap_mult)},
    {"venom.fvg.conf_gap_cap", S_D(fvg.conf_gap_cap)},
    {"venom.fvg.conf_body_mult", S_D(fvg.conf_body_mult)},
    {"venom.fvg.conf_body_cap", S_D(fvg.conf_body_cap)},
    {"venom.obb.impulse_min_atr", S_D(obb.impulse_min_atr)},
    {"venom.obb.impulse_max_candles", S_I(obb.impulse_max_candles)},
    {"venom.obb.lookback", S_I(obb.lookback)},
    {"venom.obb.wick_min", S_D(obb.wick_min)},
    {"venom.obb.sl_atr_mult", S_D(obb.sl_atr_mult)},
    {"venom.obb.conf.base", S_D(obb.conf.base)},
    {"venom.obb.conf.min", S_D(obb.conf.min)},
    {"venom.obb.conf.max", S_D(obb.conf.max)},
    {"venom.obb.conf_impulse_mult", S_D(obb.conf_impulse_mult)},
    {"venom.obb.conf_impulse_cap", S_D(obb.conf_impulse_cap)},
    {"venom.obb.conf_wick_mult", S_D(obb.conf_wick_mult)},
    {"venom.obb.conf_wick_cap", S_D(obb.conf_wick_cap)},
    {"venom.bb.rsi_sell_min", S_D(bb.rsi_sell_min)},
    {"venom.bb.rsi_buy_max", S_D(bb.rsi_buy_max)},
    {"venom.bb.wick_min", S_D(bb.wick_min)},
    {"venom.bb.sl_atr_mult", S_D(bb.sl_atr_mult)},
    {"venom.bb.conf.base", S_D(bb.conf.base)},
    {"venom.bb.conf.min", S_D(bb.conf.min)},
    {"venom.bb.conf.max", S_D(bb.conf.max)},
    {"venom.bb.conf_rsi_mult", S_D(bb.conf_rsi_mult)},
    {"venom.bb.conf_rsi_cap", S_D(bb.conf_rsi_cap)},
    {"venom.bb.conf_pen_mult", S_D(bb.conf_pen_mult)},
    {"venom.bb.conf_pen_cap", S_D(bb.conf_pen_cap)},
    {"venom.mb.window", S_I(mb.window)},
    {"venom.mb.span_max_pips", S_D(mb.span_max_pips)},
    {"venom.mb.span_max_atr", S_D(mb.span_max_atr)},
    {"venom.mb.range_ratio_min", S_D(mb.range_ratio_min)},
    {"venom.mb.body_min", S_D(mb.body_min)},
    {"venom.mb.beyond_min_pips", S_D(mb.beyond_min_pips)},
    {"venom.mb.sl_atr_mult", S_D(mb.sl_atr_mult)},
    {"venom.mb.conf.base", S_D(mb.conf.base)},
    {"venom.mb.conf.min", S_D(mb.conf.min)},
    {"venom.mb.conf.max", S_D(mb.conf.max)},
    {"venom.mb.conf_ratio_mult", S_D(mb.conf_ratio_mult)},
    {"venom.mb.conf_ratio_cap", S_D(mb.conf_ratio_cap)},
    {"venom.mb.conf_body_mult", S_D(mb.conf_body_mult)},
    {"venom.mb.conf_body_cap", S_D(mb.conf_body_cap)},
    {"venom.mb.conf_slope_bonus", S_D(mb.conf_slope_bonus)},
    {"venom.ers.spread_min_pips", S_D(ers.spread_min_pips)},
    {"venom.ers.spread_min_atr", S_D(ers.spread_min_atr)},
    {"venom.ers.rsi_min", S_D(ers.rsi_min)},
    {"venom.ers.rsi_max", S_D(ers.rsi_max)},
    {"venom.ers.sl_atr_mult", S_D(ers.sl_atr_mult)},
    {"venom.ers.conf.base", S_D(ers.conf.base)},
    {"venom.ers.conf.min", S_D(ers.conf.min)},
    {"venom.ers.conf.max", S_D(ers.conf.max)},
    {"venom.ers.conf_spread_mult", S_D(ers.conf_spread_mult)},
    {"venom.ers.conf_spread_cap", S_D(ers.conf_spread_cap)},
};

int venom_params_from_config(const bitten_config_t *cfg, venom_params_t *p, char *err,
                             size_t errlen)
{
    memset(p, 0, sizeof *p);
    bitten_config_read_bound(cfg, s_param_keys, sizeof s_param_keys / sizeof *s_param_keys, p);
    const char *mode = bitten_config_str(cfg, "venom.exit_mode"); /* a string: not bound */
    p->exit_mode = mode && strcmp(mode, "atr") == 0 ? VENOM_EXIT_ATR : VENOM_EXIT_FIXED;
    return venom_params_validate(p, err, errlen);
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

bool venom_symbol_selected(const bitten_config_t *cfg, const char *symbol)
{
    size_t n = bitten_config_list_count(cfg, "venom.symbols");
    for (size_t i = 0; i < n; i++)
        if (strcmp(bitten_config_list_at(cfg, "venom.symbols", i), symbol) == 0)
            return true;
    return n == 0;
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
    bitten_core_emit(self->core, "signal", obj);
    bitten_bus_publish(bitten_core_bus(self->core), BITTEN_EV_SIGNAL, s);
}

//  Identical lines are rate-limited by the logger (log.repeat_window_ms): keep the fields of a
//  drop line to reason and symbol so a flood folds into one line plus a suppressed count.
static void s_log_drop(venom_t *self, const bitten_tick_t *t, bitten_reason_t why)
{
    if (why == BITTEN_R_UNKNOWN_SYMBOL)
        BLOG_DEBUG(self->log, "venom", "tick.dropped", "reason=%s symbol=%s",
                   bitten_reason_str(why), t->symbol);
    else
        BLOG_WARN(self->log, "venom", "tick.dropped", "reason=%s symbol=%s", bitten_reason_str(why),
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

static void s_on_tick(void *arg, bitten_event_t event, const void *payload)
{
    venom_t *self = arg;
    const bitten_tick_t *tick = &((const bitten_frame_t *)payload)->u.tick;
    if (!venom_symbol_selected(self->cfg, tick->symbol)) {
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
        s_on_signal(self, &sig);
        venom_tracker_on_signal(self->tracker, 0, &sig); /* fills on this tick's ask / bid */
    }
}

static void s_on_candles(void *arg, bitten_event_t event, const void *payload)
{
    venom_t *self = arg;
    const bitten_candle_batch_t *b = &((const bitten_frame_t *)payload)->u.candle_batch;
    if (!venom_symbol_selected(self->cfg, b->symbol)) {
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
    json_object_set_new(section, "not_selected", json_integer((json_int_t)self->not_selected));
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
    self->cfg = bitten_core_config(core);
    char err[S_ERR_MAX] = "";
    venom_params_t p;
    char sym_err[200];
    bitten_symbols_t *symbols = bitten_symbols_from_config(bitten_core_config(core), sym_err,
                                                           sizeof sym_err);
    if (!symbols)
        snprintf(err, sizeof err, "out of memory");
    else if (venom_params_from_config(self->cfg, &p, err, sizeof err) == 0 &&
             venom_check_symbols(self->cfg, symbols, err, sizeof err) == 0) {
        self->engine = venom_engine_new(&p, symbols);
        venom_follow_params_t fp;
        venom_follow_params_init(&fp, &p);
        self->tracker = self->engine ? venom_tracker_new(&fp, symbols) : NULL;
        if (!self->engine || !self->tracker)
            snprintf(err, sizeof err, "cannot create the engine");
    }
    if (!self->engine || !self->tracker) {
        venom_engine_destroy(&self->engine);
        bitten_symbols_destroy(&symbols);
        char quoted[S_ERR_MAX + 8];
        BLOG_ERROR(self->log, "venom", "venom.start_failed", "error=%s",
                   bitten_log_quote(err, quoted, sizeof quoted));
        free(self);
        return NULL;
    }
    char text[4096];
    if (bitten_store_kv_get(bitten_core_store(core), S_KV_RECORD, text, sizeof text) == 0 &&
        venom_record_load(&self->record, text) != 0)
        BLOG_WARN(self->log, "venom", "outcome_record.unreadable", "action=start_empty");
    bitten_bus_t *bus = bitten_core_bus(core);
    bitten_bus_subscribe(bus, "feedback.tick", s_on_tick, self);
    bitten_bus_subscribe(bus, "feedback.candle_batch", s_on_candles, self);
    bitten_core_status_register(core, "venom", s_status, self);
    bitten_core_control_register(core, "signals", s_control_signals, self);
    self->query = (venom_query_t){self, s_query_context};
    bitten_core_provide(core, VENOM_QUERY_CONTEXT, &self->query);
    size_t selected = bitten_config_list_count(self->cfg, "venom.symbols");
    BLOG_INFO(self->log, "venom", "venom.started", "symbols=%zu selected=%s min_confidence=%.1f",
              selected ? selected : bitten_symbols_count(symbols), selected ? "listed" : "all",
              p.min_confidence);
    bitten_symbols_destroy(&symbols); /* the engine keeps its own copy */
    return self;
}

void venom_destroy(venom_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    venom_t *self = *self_p;
    bitten_core_provide(self->core, VENOM_QUERY_CONTEXT, NULL);
    bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
    size_t open = venom_book_open_count(venom_tracker_book(self->tracker));
    if (open) { /* not kept across a restart: counted, not scored */
        self->record.lost_open += open;
        s_save_record(self);
    }
    venom_tracker_destroy(&self->tracker);
    venom_engine_destroy(&self->engine);
    free(self);
    *self_p = NULL;
}
