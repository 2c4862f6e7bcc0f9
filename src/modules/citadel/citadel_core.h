/*  citadel_core.h: CITADEL's pure core (modules.md, "CITADEL — shield"): shield score, label,
 *  always-block rules and the adaptive confidence threshold. Market time only; no I/O, no globals.
 */
#ifndef BITTEN_CITADEL_CORE_H
#define BITTEN_CITADEL_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/signal.h"
#include "bitten/stats.h"

/* ================================================================ parameters */

/*  Every number of modules.md's CITADEL section. Field names map 1:1 to config keys:
 *  rr_divisor -> "citadel.rr_divisor". Times in the unit the name says, distances in pips,
 *  score terms as signed deltas (a penalty is negative). */
typedef struct {
    /* score */
    double base_score;                          /* 5.0 */
    double score_min, score_max;                /* 0, 10: both clamps */
    double rr_divisor, rr_cap;                  /* + min(rr / 3, 1.0) */
    double m5_trend_agree, m5_trend_disagree;   /* +1.0, -0.5 */
    double m15_trend_agree, m15_trend_disagree; /* +1.0, -0.5 */
    double sweep_bonus;                         /* +1.5 ... */
    int sweep_m1_bars;         /* ... over the last 5 closed M1 bars (the context's window) */
    double trap_penalty;       /* -1.5 ... */
    double trap_distance_pips; /* ... entry within 15 pips of an opposing swing, no sweep */
    double pip_epsilon;        /* 1e-6: pip comparisons (trap distance, spread vs median)
                                  allow this much so binary error (1.1015 - 1.1 = 15.0000000000006
                                  pips, 3 x 0.7 = 2.0999999999999996) does not move a boundary */
    double atr_high_percentile, atr_high_penalty; /* > 85 -> -1.0 */
    double atr_low_percentile, atr_low_penalty;   /* < 20 -> -0.5 */
    int atr_percentile_bars;                      /* 100 M5 bars (the context's window) */
    int overlap_start_hour, overlap_end_hour;     /* 12..16 UTC ... */
    double overlap_bonus;                         /* ... +0.5 */
    int asian_start_hour, asian_end_hour;         /* 23..07 UTC ... */
    double asian_penalty;                         /* ... -0.5 */
    double spread_penalty_ratio, spread_penalty;  /* spread > 2 x median -> -1.0 */
    int spread_median_ticks;                      /* 100 ticks (the context's window) */

    /* labels: score >= min, size multiplier */
    double approved_min, approved_multiplier;               /* 8, 1.0  SHIELD_APPROVED */
    double active_min, active_multiplier;                   /* 6, 0.75 SHIELD_ACTIVE */
    double volatility_zone_min, volatility_zone_multiplier; /* 4, 0.5  VOLATILITY_ZONE */

    /* always blocked */
    double spread_block_ratio; /* spread > 3 x median: SPREAD_TOO_WIDE */
    double stale_after_s;      /* 60: symbol's last tick older than this: STALE_MARKET */
    int weekend_start_wday;    /* 5 (Friday; 0 = Sunday) ... */
    int weekend_start_hour;    /* ... 21 UTC, to ... */
    int weekend_end_wday;      /* ... 0 (Sunday) ... */
    int weekend_end_hour;      /* ... 21 UTC: MARKET_CLOSED */

    /* adaptive threshold on VENOM confidence, minutes of market time since the anchor */
    double threshold_base;                     /* 70 */
    double relax1_after_min, relax1_threshold; /* 20 -> 67.5 */
    double relax2_after_min, relax2_threshold; /* 35 -> 65 */
    double relax3_after_min, relax3_threshold; /* 50 -> 62.5 */
    double reset_after_min;                    /* 90 -> threshold_base again */
    double tighten_window_min;                 /* 15 ... */
    int tighten_min_passes;                    /* ... with 3 or more passes in it ... */
    double tighten_add;                        /* ... +5 */

    /* evidence gate (issue 15): the pattern's record of closed outcomes */
    bool evidence_gate;          /* true: a verdict needs the evidence below to pass */
    int evidence_min_trades;     /* 30 closed trades at least: else EVIDENCE_INSUFFICIENT */
    double evidence_min_lower_r; /* 0: lower 95% bound of the expectancy above this, else
                                    NEGATIVE_EXPECTANCY */
} citadel_params_t;

/*  Fills *p with modules.md's numbers: the citadel.* defaults of the key table
 *  (src/core/config_keys.c, the only place they are written down; citadel_params.c binds them). */
void citadel_params_default(citadel_params_t *p);

/*  0, or -1 with a one-line reason in err (unordered labels or tiers, a divisor of 0, ...). */
int citadel_params_validate(const citadel_params_t *p, char *err, size_t errlen);

/*  The context's windows are computed by VENOM and travel in it (venom_context_t.windows):
 *  0 when CITADEL's sweep_m1_bars, atr_percentile_bars and spread_median_ticks equal the
 *  context's sweep_m1_bars, atr_percentile_bars and spread_ring; else -1 naming the first
 *  mismatch in err. */
int citadel_params_check_windows(const citadel_params_t *p, const venom_context_windows_t *w,
                                 char *err, size_t errlen);

/* ================================================================ score terms */

/*  Components (modules.md's table) are summed onto base_score and clamped; then the
 *  penalties are added and the result is clamped again. Split: every table row is a
 *  component except the spread row, the one penalty (it is about the cost of execution,
 *  not the setup). With the default numbers the components range over [-5, +5], so the split
 *  never changes a score; it only matters if the config widens them. Unknown inputs (NAN)
 *  give 0 for a component; the spread terms fail closed instead (see below). */

/*  + min(rr / rr_divisor, rr_cap); 0 for rr <= 0 or NAN. */
double citadel_rr_component(double rr, const citadel_params_t *p);

/*  One timeframe's trend against the signal's direction. The trend is UP when the EMA21 slope
 *  is > 0 AND price is above EMA50 (price_vs_ema50_pips > 0), DOWN when slope < 0 AND price is
 *  below EMA50, otherwise neutral (0, also for NAN). BUY + UP or SELL + DOWN: agree; BUY + DOWN
 *  or SELL + UP: disagree. */
double citadel_trend_component(venom_direction_t d, double ema21_slope_pips,
                               double price_vs_ema50_pips, double agree, double disagree);

/*  sweep_bonus when a liquidity sweep in the signal's favour happened in the last
 *  sweep_m1_bars M1 bars (BUY: a swing low ran and closed back above; SELL mirrored). */
double citadel_sweep_component(venom_direction_t d, bool sweep_for_buy, bool sweep_for_sell,
                               const citadel_params_t *p);

/*  trap_penalty when there is no sweep in the signal's favour and the entry sits under
 *  resistance (BUY: a swing high h with 0 <= h - entry <= trap_distance_pips, +- pip_epsilon) or
 * over support (SELL: a swing low l with 0 <= entry - l <= trap_distance_pips). Swings on closed
 * M5. */
double citadel_trap_component(venom_direction_t d, double entry, double pip,
                              const venom_swings_t *swings, bool sweep_in_favour,
                              const citadel_params_t *p);

/*  atr_high_penalty when percentile > atr_high_percentile, atr_low_penalty when
 *  < atr_low_percentile, else 0 (also for NAN). */
double citadel_volatility_component(double atr_percentile, const citadel_params_t *p);

/*  By the UTC hour of t: overlap_bonus in [overlap_start_hour, overlap_end_hour),
 *  asian_penalty in [asian_start_hour, asian_end_hour) (wrapping midnight), else 0. */
double citadel_session_component(bitten_ms_t t, const citadel_params_t *p);

/*  spread_penalty when spread > spread_penalty_ratio x median + pip_epsilon, or when either is
 *  unknown (NAN, negative): fail closed. Else 0. */
double citadel_spread_penalty(double spread_pips, double median_pips, const citadel_params_t *p);

/* ================================================================ always-block rules */

/*  spread > spread_block_ratio x median + pip_epsilon, or either unknown (fail closed). */
bool citadel_spread_blocks(double spread_pips, double median_pips, const citadel_params_t *p);

/*  Fri 21:00 <= t < Sun 21:00 UTC (the weekend_* fields). */
bool citadel_is_weekend(bitten_ms_t t, const citadel_params_t *p);

/*  now - last_tick_at > stale_after_s, or no tick at all (last_tick_at <= 0): fail closed. */
bool citadel_is_stale(bitten_ms_t now, bitten_ms_t last_tick_at, const citadel_params_t *p);

/* ================================================================ labels */

typedef enum {
    CITADEL_SHIELD_APPROVED,
    CITADEL_SHIELD_ACTIVE,
    CITADEL_VOLATILITY_ZONE,
    CITADEL_UNVERIFIED,
    CITADEL_LABEL_COUNT
} citadel_label_t;

const char *citadel_label_str(citadel_label_t l); /* "SHIELD_APPROVED", ... */

/*  Label for a score (>= approved_min, >= active_min, >= volatility_zone_min, else
 *  UNVERIFIED) and its size multiplier in *multiplier (0 for UNVERIFIED) when not NULL. */
citadel_label_t citadel_label(double score, const citadel_params_t *p, double *multiplier);

/* ================================================================ adaptive threshold */

#define CITADEL_PASS_RING 16 /* recent pass times kept; tighten_min_passes must fit */

/*  State, on market time. The anchor the threshold relaxes from is the last pass or, before
 *  any pass, the first signal seen (citadel_threshold_observe). All zero = fresh. */
typedef struct {
    bool has_first;
    bitten_ms_t first_seen_at;
    bool has_pass;
    bitten_ms_t last_pass_at;
    bitten_ms_t passes[CITADEL_PASS_RING]; /* recent pass times, oldest first */
    size_t n_passes;
} citadel_threshold_t;

typedef enum {
    CITADEL_TIER_BASE,   /* < 20 min since the anchor */
    CITADEL_TIER_RELAX1, /* >= 20 min */
    CITADEL_TIER_RELAX2, /* >= 35 min */
    CITADEL_TIER_RELAX3, /* >= 50 min */
    CITADEL_TIER_RESET,  /* >= 90 min: base again */
    CITADEL_TIER_COUNT
} citadel_tier_t;

/*  "BASE_70", "RELAX_67_5", "RELAX_65", "RELAX_62_5", "RESET_70": the names carry the default
 *  numbers; status shows the threshold itself next to them. */
const char *citadel_tier_str(citadel_tier_t t);

void citadel_threshold_init(citadel_threshold_t *t);

/*  Notes a signal seen at now: sets first_seen_at the first time. */
void citadel_threshold_observe(citadel_threshold_t *t, bitten_ms_t now);

/*  Relaxation tier at now (BASE when there is no anchor yet or now is before it). */
citadel_tier_t citadel_threshold_tier(const citadel_threshold_t *t, bitten_ms_t now,
                                      const citadel_params_t *p);

/*  Passes with pass_at > now - tighten_window_min (a pass drops out at exactly 15:00). */
size_t citadel_threshold_recent_passes(const citadel_threshold_t *t, bitten_ms_t now,
                                       const citadel_params_t *p);

/*  true when recent passes >= tighten_min_passes. */
bool citadel_threshold_tightened(const citadel_threshold_t *t, bitten_ms_t now,
                                 const citadel_params_t *p);

/*  The tier's threshold, + tighten_add when tightened. */
double citadel_threshold_at(const citadel_threshold_t *t, bitten_ms_t now,
                            const citadel_params_t *p);

/*  Records a pass at now (also the anchor from now on). */
void citadel_threshold_record_pass(citadel_threshold_t *t, bitten_ms_t now);

/*  For the store's kv table: "v1 first=<ms|-> last=<ms|-> passes=<ms>,<ms>,..." (passes may
 *  be empty). Returns the length written, or -1 when it does not fit in size (buf then "").
 *  CITADEL_THRESHOLD_TEXT_MAX always fits. */
#define CITADEL_THRESHOLD_TEXT_MAX (48 + 21 * (CITADEL_PASS_RING + 2))
int citadel_threshold_serialize(const citadel_threshold_t *t, char *buf, size_t size);

/*  Parses what serialize wrote. 0, or -1 (malformed) leaving *t untouched. */
int citadel_threshold_deserialize(citadel_threshold_t *t, const char *text);

/* ================================================================ evidence gate */

/*  What a pattern's record of closed outcomes says (docs/citadel.md "Evidence gate"). */
typedef struct {
    bitten_reason_t gate; /* OK, EVIDENCE_INSUFFICIENT or NEGATIVE_EXPECTANCY */
    uint64_t closed;      /* closed trades in the record (WIN, LOSS, TIMEOUT) */
    double expectancy_r, lower_r, upper_r; /* mean R and its 95% interval; NAN when undefined */
} citadel_evidence_t;

/*  The gate on a record (pure): fewer than max(evidence_min_trades, 2) closed trades:
 *  EVIDENCE_INSUFFICIENT; else a lower 95% bound (Student t, bitten_rstats_summary) not above
 *  evidence_min_lower_r: NEGATIVE_EXPECTANCY; else OK. A NULL record counts as empty. The
 *  figures are filled whether or not p->evidence_gate is on; the returned reason is OK when
 *  it is off. */
bitten_reason_t citadel_evidence_check(const citadel_params_t *p, const bitten_rstats_t *record,
                                       citadel_evidence_t *out);

/* ================================================================ verdict */

/*  The terms that made a score, for the event and the log. */
typedef struct {
    double rr, m5_trend, m15_trend, sweep, trap, volatility, session; /* components */
    double components_score;                                          /* clamp(base + components) */
    double spread;                                                    /* penalty */
} citadel_breakdown_t;

#define CITADEL_REASONS_MAX 8

typedef struct {
    double score; /* 0..10, unrounded */
    citadel_label_t label;
    const char *label_str;
    double multiplier; /* the label's (0 for UNVERIFIED), passed or not */
    bool passed;
    bitten_reason_t reasons[CITADEL_REASONS_MAX]; /* why not passed, in check order */
    size_t n_reasons;
    citadel_breakdown_t terms;
    double confidence, threshold; /* VENOM confidence vs the threshold it met or missed */
    citadel_tier_t tier;
    const char *tier_str;
    bool tightened;
    bitten_ms_t evaluated_at; /* market time used: max(created_at, newest tick) */
    bool evidence_checked;    /* the evidence gate was asked (citadel_evaluate_gated) */
    citadel_evidence_t evidence;
} citadel_verdict_t;

/*  Scores sig with ctx, labels it, applies the always-block rules (SPREAD_TOO_WIDE,
 *  MARKET_CLOSED, STALE_MARKET, then UNVERIFIED for a score below volatility_zone_min) and then
 *  the adaptive threshold (CONFIDENCE_BELOW_THRESHOLD); every rule that applies is listed, in
 *  that order. Market time is max(sig->created_at, ctx->newest_tick_at), for all the
 *  clock rules (session, weekend, staleness, threshold). Spread = the wider of
 *  the signal's closing-tick spread and the context's last spread. Records the pass in *thr
 *  when passed. Returns 0, or -1 on bad input (NULL, ctx without symbol or pip <= 0, symbol
 *  mismatch, a context computed over other windows: citadel_params_check_windows) with *out
 *  untouched. */
int citadel_evaluate(const citadel_params_t *p, citadel_threshold_t *thr, const venom_signal_t *sig,
                     const venom_context_t *ctx, citadel_verdict_t *out);

/*  citadel_evaluate plus the evidence gate on record, the signal's pattern's record of closed
 *  outcomes (seed + live): when p->evidence_gate is on and the record does not show the edge,
 *  EVIDENCE_INSUFFICIENT or NEGATIVE_EXPECTANCY is listed after every other reason (and the
 *  threshold records no pass). record NULL: no gate (the replay measures records, it does not
 *  gate on them); citadel_evaluate is this with NULL. */
int citadel_evaluate_gated(const citadel_params_t *p, citadel_threshold_t *thr,
                           const venom_signal_t *sig, const venom_context_t *ctx,
                           const bitten_rstats_t *record, citadel_verdict_t *out);

#endif
