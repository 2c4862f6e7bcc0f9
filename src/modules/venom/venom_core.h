/*  venom_core.h: VENOM's pure core (venom.md): candles, indicators, the six detectors, the
 *  per-symbol evaluation and rate control. Market time only; no I/O, no clock, no globals.
 *  What it publishes (the signal, its context, the pattern and session words) is shared
 *  vocabulary: bitten/signal.h. */
#ifndef BITTEN_VENOM_CORE_H
#define BITTEN_VENOM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/signal.h"
#include "bitten/symbols.h"

/* ================================================================ parameters */

typedef enum { VENOM_EXIT_FIXED, VENOM_EXIT_ATR } venom_exit_mode_t;
const char *venom_exit_mode_str(venom_exit_mode_t m); /* "fixed" / "atr" */

/*  Confidence = base + pattern terms + session bonus, clamped to [min, max], then round1. */
typedef struct {
    double base, min, max;
} venom_conf_params_t;

/*  Every number of venom.md. Field paths map to config keys: lsr.sweep_min_pips ->
 *  "venom.lsr.sweep_min_pips". Times in seconds, distances in pips, ratios as fractions. */
typedef struct {
    /* evaluation and output */
    double min_confidence;  /* 60: emit only at or above */
    int signal_ttl_s;       /* 60: expires_at = created_at + this */
    int min_m5_candles;     /* 50: skip with fewer M5 candles (closed + forming) */
    int stale_after_s;      /* 60: skip when the symbol's last tick is older than the newest
                               tick on any symbol by more than this */
    int weekend_start_wday; /* 5 (Friday; 0 = Sunday) */
    int weekend_start_hour; /* 21 UTC */
    int weekend_end_wday;   /* 0 (Sunday) */
    int weekend_end_hour;   /* 21 UTC */

    /* rate control, market time */
    int cooldown_s;     /* 300: per symbol, after a signal */
    int max_per_window; /* 3 signals per symbol ... */
    int rate_window_s;  /* ... in any rolling 3600 s */
    int max_per_day;    /* 0 (off): all symbols, per UTC day; 0 = no global cap */
    int max_per_symbol_day;                    /* 24 per symbol per UTC day; 0 = no cap */
    int max_per_session[VENOM_SESSION_COUNT];  /* all symbols, per occurrence of the session
                                                  (ASIAN 23-07 counts as one); 0 = no cap */

    /* outcome tracking (outcome.h) */
    int max_hold_s; /* 28800: a followed trade closes at the market after this; 0 = never */

    /* candle rings (closed candles per symbol) and context history */
    int ring_m1, ring_m5, ring_m15; /* 1440, 600, 400 */
    int spread_ring;                /* 100 ticks kept for the median spread */
    int atr_percentile_bars;        /* 100 M5 bars for the ATR percentile */
    int sweep_m1_bars;              /* 5 M1 bars looked at for a recent liquidity sweep */

    /* indicators */
    int atr_period;                  /* 14 */
    double atr_floor_pips;           /* 10: A = max(10, ATR14) */
    int ema_fast, ema_mid, ema_slow; /* 8, 21, 50 */
    int rsi_period;                  /* 14 */
    int bb_period;                   /* 20 */
    double bb_k;                     /* 2.0 population std devs */
    int swing_side;                  /* 2 bars on each side, strictly lower/higher */
    int swing_lookback;              /* 20 bars searched ... */
    int swing_skip;                  /* ... before the last 2 */

    /* sessions: start hour (UTC) and confidence bonus, indexed by venom_session_t */
    int session_start_hour[VENOM_SESSION_COUNT]; /* 23, 7, 12, 16, 21 */
    double session_bonus[VENOM_SESSION_COUNT];   /* 0, +4, +5, +3, -5 */

    /* stops and targets */
    venom_exit_mode_t exit_mode; /* FIXED: SL = max(min stop, A x pattern multiple) (default);
                                    ATR: SL = ATR14 x atr_sl_mult, clamped per symbol */
    double atr_sl_mult;          /* 1.5: ATR mode, SL = this x raw ATR14 (M5, pips) ... */
    double atr_sl_floor_pips;    /* 5: ... at least this (and the symbol's min stop) ... */
    double atr_sl_cap_pips;      /* 60: ... at most this (and venom.sl_cap_pips) */
    double sl_cap_pips;        /* 1000 */
    double tp_ratio_rapid;     /* 1.5 x SL for RAPID_ASSAULT */
    double tp_ratio_precision; /* 2.0 x SL for PRECISION_STRIKE */

    struct {                                    /* LIQUIDITY_SWEEP_REVERSAL */
        double sweep_min_pips, sweep_min_atr;   /* sweep >= max(3, 0.15 A) */
        double wick_min;                        /* 0.5 of range */
        double range_min_pips;                  /* 2 */
        double sl_atr_mult;                     /* 2.0 */
        venom_conf_params_t conf;               /* 55, [60, 92] */
        double conf_sweep_mult, conf_sweep_cap; /* min(15, 2 x sweep) */
        double conf_wick_mult, conf_wick_cap;   /* min(12, 30 x wick) */
        double conf_close_cap;                  /* min(8, close distance back inside) */
    } lsr;
    struct {                                  /* FAIR_VALUE_GAP_FILL */
        double gap_min_pips, gap_min_atr;     /* gap >= max(5, 0.5 A) */
        double middle_body_min;               /* 0.6 */
        int lookback;                         /* 10 candles (cur included) */
        double sl_atr_mult;                   /* 1.2 */
        venom_conf_params_t conf;             /* 65, [65, 90] */
        double conf_gap_mult, conf_gap_cap;   /* min(12, 1.5 x gap) */
        double conf_body_mult, conf_body_cap; /* min(10, 12 x middle body) */
    } fvg;
    struct {                                        /* ORDER_BLOCK_BOUNCE */
        double impulse_min_atr;                     /* 2 A */
        int impulse_max_candles;                    /* 3 */
        int lookback;                               /* 15 candles (cur included) */
        double wick_min;                            /* 0.4 rejection wick */
        double sl_atr_mult;                         /* 1.75 */
        venom_conf_params_t conf;                   /* 62, [62, 90] */
        double conf_impulse_mult, conf_impulse_cap; /* min(12, 3 x impulse / A) */
        double conf_wick_mult, conf_wick_cap;       /* min(8, 20 x wick) */
    } obb;
    struct {                                /* BB_SCALP (bands: bb_period, bb_k) */
        double rsi_sell_min, rsi_buy_max;   /* 65, 35 */
        double wick_min;                    /* 0.5 */
        double sl_atr_mult;                 /* 0.9 */
        venom_conf_params_t conf;           /* 68, [65, 90] */
        double conf_rsi_mult, conf_rsi_cap; /* min(10, 0.67 x RSI excess) */
        double conf_pen_mult, conf_pen_cap; /* min(8, 2 x penetration) */
    } bb;
    struct {                                    /* MOMENTUM_BURST */
        int window;                             /* 9 candles before cur */
        double span_max_pips, span_max_atr;     /* span <= max(15, 1.5 A) */
        double range_ratio_min;                 /* 1.3 x mean range */
        double body_min;                        /* 0.6 */
        double beyond_min_pips;                 /* 3 */
        double sl_atr_mult;                     /* 1.0 */
        venom_conf_params_t conf;               /* 66, [62, 90] */
        double conf_ratio_mult, conf_ratio_cap; /* min(12, 6 x (ratio - 1.3)) */
        double conf_body_mult, conf_body_cap;   /* min(6, 12 x (body - 0.6)) */
        double conf_slope_bonus;                /* +5 with the EMA21 slope */
    } mb;
    struct {                                      /* EMA_RSI_SCALP */
        double spread_min_pips, spread_min_atr;   /* EMA8 - EMA50 >= max(3, 0.3 A) */
        double rsi_min, rsi_max;                  /* 40..60 */
        double sl_atr_mult;                       /* 1.2 */
        venom_conf_params_t conf;                 /* 64, [60, 88] */
        double conf_spread_mult, conf_spread_cap; /* min(10, 2 x spread / A x 5): mult 10 */
    } ers;
} venom_params_t;

/*  Fills *p with venom.md's numbers: the venom.* defaults of the key table
 *  (src/core/config_keys.c, the only place they are written down; params.c binds them). */
void venom_params_default(venom_params_t *p);

/*  0, or -1 with a one-line reason in err (a ring of 0, a negative cooldown, ...). */
int venom_params_validate(const venom_params_t *p, char *err, size_t errlen);

/* ================================================================ candles (candles.c) */

/*  Per-symbol M1 -> M5 -> M15 builder on market time. M1 = floor(ts / 60 s) from ticks;
 *  M5 and M15 aggregate closed M1 (resp. M5) candles. A higher candle closes as soon as a tick
 *  falls in a later bucket. Volume = sum of EA volume when > 0, else the tick count. */
typedef struct venom_candles venom_candles_t;

venom_candles_t *venom_candles_new(size_t ring_m1, size_t ring_m5, size_t ring_m15);
void venom_candles_destroy(venom_candles_t **self_p);

/*  Adds a tick (price = mid). Returns 1 when the tick closed the previous M1 (copied into
 *  *closed_m1 when not NULL), 0 when it went into the current M1, -1 when it is older than the
 *  current M1 bucket (or inside an M1 already closed): TICK_OUT_OF_ORDER, nothing changed. */
int venom_candles_on_tick(venom_candles_t *self, bitten_ms_t ts, double price, double ea_volume,
                          bitten_candle_t *closed_m1);

/*  Merges closed candles of timeframe_s (60, 300, 900) by start time: never replaces a
 *  candle already present (built from ticks or merged before), never touches the forming
 *  bucket or later. M1 candles also back-fill missing M5 and M15 buckets, M5 candles missing
 *  M15 buckets. Candles must be aligned to their timeframe (others are skipped).
 *  Returns how many candles of timeframe_s were added, or -1 for another timeframe. */
int venom_candles_merge(venom_candles_t *self, int timeframe_s, const bitten_candle_t *c, size_t n);

/*  Closed candles of a timeframe, oldest first: pointer valid until the next change. */
size_t venom_candles_closed(const venom_candles_t *self, int timeframe_s,
                            const bitten_candle_t **out);

/*  The forming candle: M1 from its ticks, M5 / M15 from closed M1 / M5 only. false if none. */
bool venom_candles_forming(const venom_candles_t *self, int timeframe_s, bitten_candle_t *out);

/*  VENOM's evaluation series: closed M5 then the forming M5 (when it holds a closed M1), into
 *  buf of cap candles (cap >= ring_m5 + 1 keeps everything). Returns the count copied. */
size_t venom_candles_m5_series(const venom_candles_t *self, bitten_candle_t *buf, size_t cap);

/*  The same series without a copy: closed M5 then the forming M5, contiguous, valid until the
 *  next change to self. *n = the count, *closed = the closed ones among them, *version changes
 *  whenever the closed M5 ring changes (so state over the closed candles can be kept). */
const bitten_candle_t *venom_candles_m5_view(venom_candles_t *self, size_t *n, size_t *closed,
                                             uint64_t *version);

/*  How the closed M5 ring came to be: *version as venom_candles_m5_view's; *epoch changes on
 *  any change but appending a newer candle than all (the oldest dropping out of a full ring);
 *  *first counts the candles dropped from the oldest end in this epoch, so within one epoch
 *  the ring is candles [first, first + n) of one append-only sequence. NULL outputs skipped. */
void venom_candles_m5_lineage(const venom_candles_t *self, uint64_t *version, uint64_t *epoch,
                              uint64_t *first);

/* ================================================================ indicators (indicators.c) */

/*  Pure functions over candles oldest first. They return NAN when there is too little data. */

/*  Mean of the last `period` true ranges, in pips (needs period + 1 candles). */
double venom_atr_pips(const bitten_candle_t *c, size_t n, int period, double pip);

/*  The part of venom_atr_pips(c, closed + 1, ...) over the closed candles c[0 .. closed):
 *  the running sum of their true ranges, made on first use and kept while the closed candles
 *  stay (venom_atr_carry starts it over for them), so that an evaluation with a forming
 *  candle adds one range. _carried is venom_atr_pips bit for bit (it is venom_atr_pips for
 *  any other n or period, or k NULL). */
typedef struct {
    size_t closed;
    int period;
    bool filled;
    double prefix;
} venom_atr_carry_t;

void venom_atr_carry(venom_atr_carry_t *k, size_t closed, int period);
double venom_atr_pips_carried(venom_atr_carry_t *k, const bitten_candle_t *c, size_t n,
                              int period, double pip);

/*  EMA of closes, alpha = 2 / (period + 1), seeded with the SMA of the first `period`. */
double venom_ema(const bitten_candle_t *c, size_t n, int period);

/*  RSI with Wilder smoothing (first averages = SMA of the first `period` changes). */
double venom_rsi(const bitten_candle_t *c, size_t n, int period);

/*  EMA(fast, mid, slow) and RSI carried over closed candles, so that the evaluation series
 *  (closed + one forming candle) costs one step per indicator instead of a walk over the ring.
 *  venom_trend_closed walks c[0 .. n) once (all four in one pass); venom_trend_finish applies
 *  the forming candle (c[closed] when n == closed + 1). The values are bit-identical to
 *  venom_ema / venom_rsi over c[0 .. n): the same operations in the same order. */
typedef struct {
    size_t n;                          /* closed candles walked */
    double ema_fast, ema_mid, ema_slow; /* venom_ema(c, n, period); NAN if n < period */
    double ema_mid_prev;                /* venom_ema(c, n - 1, ema_mid) */
    double rsi_gain, rsi_loss;          /* Wilder averages after c[n - 1]; NAN if n <= period */
} venom_trend_state_t;

typedef struct {
    double ema_fast, ema_mid, ema_slow, ema_mid_prev, rsi;
} venom_trend_t;

void venom_trend_closed(venom_trend_state_t *st, const bitten_candle_t *c, size_t n,
                        int ema_fast, int ema_mid, int ema_slow, int rsi_period);
void venom_trend_finish(const venom_trend_state_t *st, const bitten_candle_t *c, size_t n,
                        int ema_fast, int ema_mid, int ema_slow, int rsi_period,
                        venom_trend_t *out);

/*  venom_trend_closed carried along a sliding ring: one chain per window start the ring will
 *  slide to (trend.c), each stepped with venom_trend_closed's own operations, so a new candle
 *  costs one independent step per distinct chain instead of a walk over the window. cap = the
 *  most closed candles a series holds (ring_m5). NULL when memory runs out. */
typedef struct venom_trend_chains venom_trend_chains_t;

venom_trend_chains_t *venom_trend_chains_new(size_t cap, int ema_fast, int ema_mid, int ema_slow,
                                             int rsi_period);
void venom_trend_chains_destroy(venom_trend_chains_t **self_p);

/*  Brings the chains to the closed series c[0 .. n) and writes venom_trend_closed(c, n) into
 *  *out, bit for bit. first and epoch: venom_candles_m5_lineage's. While the epoch stays and
 *  the chains' newest candle is still in the series, only the candles added since are
 *  stepped; otherwise the chains are rebuilt from c (as many steps as the window's chains). */
void venom_trend_chains_sync(venom_trend_chains_t *self, const bitten_candle_t *c, size_t n,
                             uint64_t first, uint64_t epoch, venom_trend_state_t *out);

/*  Distinct chains kept now: which = 0 fast, 1 mid, 2 slow EMA, 3 RSI (tests, benches). */
size_t venom_trend_chains_count(const venom_trend_chains_t *self, int which);

/*  venom_atr_pips(c, k + 1, period, pip) of every bar k of a sliding closed series, each
 *  computed once when its bar joins (trend.c), for the context's ATR percentile. sync: as
 *  venom_trend_chains_sync (false, and nothing kept, when n > cap); _at: the value for bar k
 *  of the series of the last sync (NAN when the plain function says so, or k out of it). */
typedef struct venom_atr_history venom_atr_history_t;

venom_atr_history_t *venom_atr_history_new(size_t cap, int period, double pip);
void venom_atr_history_destroy(venom_atr_history_t **self_p);
bool venom_atr_history_sync(venom_atr_history_t *self, const bitten_candle_t *c, size_t n,
                            uint64_t first, uint64_t epoch);
double venom_atr_history_at(const venom_atr_history_t *self, size_t k);

/*  SMA(period) +/- k x population std dev of the last `period` closes. -1 if n < period. */
int venom_bollinger(const bitten_candle_t *c, size_t n, int period, double k, double *mid,
                    double *upper, double *lower);

void venom_swings(const bitten_candle_t *c, size_t n, int side, int lookback, int skip,
                  venom_swings_t *out);

/*  venom_swings over c[0 .. closed), and over c[0 .. closed + 1) as far as its tests need no
 *  bar past the closed ones: each made on first use and kept while the closed candles stay
 *  (venom_swing_carry starts them over); the second takes its tests from the first's when it
 *  was made before (they read the same closed bars). _carried is venom_swings bit for bit
 *  (for another n or other parameters, or k NULL, it is venom_swings). */
#define VENOM_SWING_TESTS_MAX 64 /* tests kept (venom.swing_lookback's bound) */
typedef struct {
    size_t closed;
    int side, lookback, skip;
    bool has_closed, has_next, has_tests;
    venom_swings_t at_closed;   /* venom_swings(c, closed) */
    venom_swings_t next_prefix; /* venom_swings(c, closed + 1) over its all-closed tests */
    long tests_first, tests_last; /* at_closed's candidates, and each one's swing test */
    unsigned char tests[VENOM_SWING_TESTS_MAX];
} venom_swing_carry_t;

void venom_swing_carry(venom_swing_carry_t *k, size_t closed, int side, int lookback, int skip);
void venom_swings_carried(venom_swing_carry_t *k, const bitten_candle_t *c, size_t n, int side,
                          int lookback, int skip, venom_swings_t *out);

venom_session_t venom_session_at(const venom_params_t *p, bitten_ms_t t);
double venom_session_bonus(const venom_params_t *p, venom_session_t s);

/*  Candle shape, as fractions of the range (0 for a zero-range candle). */
double venom_body_ratio(const bitten_candle_t *c);
double venom_upper_wick_ratio(const bitten_candle_t *c);
double venom_lower_wick_ratio(const bitten_candle_t *c);

/*  round(x * 10) / 10, half away from zero. */
double venom_round1(double x);
/*  Rounded to `digits` decimals. */
double venom_round_digits(double x, int digits);

/* ================================================================ detectors (detectors.c) */

/*  One evaluation's input: the M5 series (closed + forming as c[n-1] = cur) and the values
 *  the detectors share. Filled by venom_eval_input_init; tests may overwrite any field. */
typedef struct {
    const bitten_candle_t *c;
    size_t n;
    double pip;
    double atr_pips;                    /* ATR14 over the series, NAN if n < 15 */
    double a;                           /* max(atr_floor_pips, atr_pips) */
    double rsi;                         /* RSI14 at cur */
    double ema_fast, ema_mid, ema_slow; /* EMA8, 21, 50 at cur */
    double ema_mid_prev;                /* EMA21 at prev (series without cur) */
    double bb_mid, bb_upper, bb_lower;  /* at cur */
    venom_swings_t swings;
    venom_session_t session;
    double session_bonus;
} venom_eval_input_t;

void venom_eval_input_init(venom_eval_input_t *in, const venom_params_t *p,
                           const bitten_candle_t *c, size_t n, double pip, bitten_ms_t now);

/*  The same with the EMAs and RSI already computed (venom_trend_finish over the same c, n). */
void venom_eval_input_init_trend(venom_eval_input_t *in, const venom_params_t *p,
                                 const bitten_candle_t *c, size_t n, double pip, bitten_ms_t now,
                                 const venom_trend_t *t);

/*  ... and with the ATR and swing parts over the closed candles carried (venom_atr_carry,
 *  venom_swing_carry for the closed candles of c, filled on use; either may be NULL). */
void venom_eval_input_init_carried(venom_eval_input_t *in, const venom_params_t *p,
                                   const bitten_candle_t *c, size_t n, double pip,
                                   bitten_ms_t now, const venom_trend_t *t,
                                   venom_atr_carry_t *atr, venom_swing_carry_t *swings);

/*  A detector's answer. Metrics per pattern:
 *          level (price)        size_pips           shape            extra
 *    LSR   swept swing level    sweep               wick ratio       close back inside, pips
 *    FVG   gap edge nearest k-2 gap                 middle body      index of candle k
 *    OBB   block edge (hi/lo)   impulse             rejection wick   impulse / A
 *    BB    band touched         penetration         wick ratio       RSI14
 *    MB    range edge broken    close beyond edge   body             range ratio
 *    ERS   EMA21                EMA8 - EMA50        RSI14            EMA21 slope, pips */
typedef struct {
    bool fired;
    venom_pattern_t pattern;
    venom_direction_t direction;
    double confidence; /* clamped to the pattern's range, round1 */
    double level, size_pips, shape, extra;
} venom_detection_t;

venom_detection_t venom_detect_liquidity_sweep(const venom_params_t *p,
                                               const venom_eval_input_t *in);
venom_detection_t venom_detect_fair_value_gap(const venom_params_t *p,
                                              const venom_eval_input_t *in);
venom_detection_t venom_detect_order_block(const venom_params_t *p, const venom_eval_input_t *in);
venom_detection_t venom_detect_bb_scalp(const venom_params_t *p, const venom_eval_input_t *in);
venom_detection_t venom_detect_momentum_burst(const venom_params_t *p,
                                              const venom_eval_input_t *in);
venom_detection_t venom_detect_ema_rsi(const venom_params_t *p, const venom_eval_input_t *in);

/*  All six, out[pattern]. */
void venom_detect_all(const venom_params_t *p, const venom_eval_input_t *in,
                      venom_detection_t out[VENOM_PATTERN_COUNT]);

/*  Index of the fired detection with the highest confidence (ties: lowest index) if that
 *  confidence >= min_confidence, else -1. */
int venom_select(const venom_detection_t *d, size_t n, double min_confidence);

/* ================================================================ signals and rate (engine.c) */

/*  "VENOM_<SYMBOL>_<unix seconds>", plus "_<seq>" when seq >= 2. -1 if it does not fit. */
int venom_format_signal_id(char *buf, size_t size, const char *symbol, bitten_ms_t created_at,
                           int seq);

/*  Fills the stops, targets, prices and identity of a signal from a detection (pure):
 *  SL = min(cap, max(min stop, round1(A x m))), TP = round1(SL x class ratio). seq as above.
 *  Always the FIXED exit mode (venom_build_signal_exits picks by p->exit_mode). */
void venom_build_signal(const venom_params_t *p, const bitten_symbol_t *sym,
                        const venom_detection_t *d, double a, double entry, double spread_pips,
                        venom_session_t session, bitten_ms_t now, int seq, venom_signal_t *out);

/*  The SL in pips: FIXED as above; ATR (atr_pips finite and > 0): min(sl_cap, atr_sl_cap,
 *  max(min stop, atr_sl_floor, round1(atr_pips x atr_sl_mult))); ATR mode without a usable
 *  ATR falls back to FIXED. */
double venom_stop_pips(const venom_params_t *p, const bitten_symbol_t *sym, venom_pattern_t pat,
                       double a, double atr_pips);

/*  venom_build_signal with the exit mode of p: atr_pips is the raw ATR14 (M5, pips). */
void venom_build_signal_exits(const venom_params_t *p, const bitten_symbol_t *sym,
                              const venom_detection_t *d, double a, double atr_pips,
                              double entry, double spread_pips, venom_session_t session,
                              bitten_ms_t now, int seq, venom_signal_t *out);

/*  Why an evaluation is skipped, checked in this order. */
typedef enum {
    VENOM_SKIP_NONE,
    VENOM_SKIP_FEW_CANDLES, /* fewer than min_m5_candles */
    VENOM_SKIP_WEEKEND,     /* Fri 21:00 <= t < Sun 21:00 UTC */
    VENOM_SKIP_STALE,       /* newest_tick - last_tick > stale_after_s */
    VENOM_SKIP_COUNT
} venom_skip_t;

const char *venom_skip_str(venom_skip_t s);
bool venom_is_weekend(const venom_params_t *p, bitten_ms_t t);
/*  start <= t < end on the weekly clock (Sunday = 0, UTC hours; wraps over Sunday 00:00). */
bool venom_week_window(bitten_ms_t t, int start_wday, int start_hour, int end_wday, int end_hour);
venom_skip_t venom_skip_check(const venom_params_t *p, size_t m5_count, bitten_ms_t now,
                              bitten_ms_t last_tick, bitten_ms_t newest_tick);

/*  Rate control state: one per symbol plus one global record (day and session budgets). */
#define VENOM_RATE_MAX 64 /* max_per_window is clamped to this */
typedef struct {
    bitten_ms_t times[VENOM_RATE_MAX]; /* recent signal times, oldest first */
    size_t count;
    int64_t day; /* UTC day of day_count */
    int day_count;
} venom_rate_t;

typedef struct {
    int64_t day; /* UTC day number (ms / 86400000), -1 before the first signal */
    int count;
    int64_t session_id[VENOM_SESSION_COUNT]; /* which occurrence session_count is for */
    int session_count[VENOM_SESSION_COUNT];
} venom_daily_t;

/*  The occurrence of session s that t falls in: the UTC day number of t minus the session's
 *  start hour (one number for an ASIAN session from 23:00 to 07:00). */
int64_t venom_session_occurrence(const venom_params_t *p, venom_session_t s, bitten_ms_t t);

typedef enum {
    VENOM_RATE_OK,
    VENOM_RATE_COOLDOWN,   /* now - last < cooldown_s */
    VENOM_RATE_WINDOW_CAP, /* max_per_window signals in (now - rate_window_s, now] */
    VENOM_RATE_DAILY_CAP,  /* max_per_day reached in now's UTC day */
    VENOM_RATE_SYMBOL_DAY_CAP, /* max_per_symbol_day reached for this symbol today */
    VENOM_RATE_SESSION_CAP,    /* max_per_session[now's session] reached in this occurrence */
    VENOM_RATE_COUNT
} venom_rate_verdict_t;

const char *venom_rate_verdict_str(venom_rate_verdict_t v);

/*  Text forms for the store's kv table, so the caps and the cooldown survive a restart.
 *  Symbol: "v2 day=<n> count=<n> times=<ms>,<ms>,..." (the per-symbol day budget, then the
 *  signal times oldest first; none: "times="). Day: "v2 day=<n> count=<n>
 *  sessions=<occurrence>:<count>,..." (day -1: none yet; one pair per session, ASIAN first).
 *  The v1 forms written before the day and session budgets ("v1 <ms>,...", "v1 day=<n>
 *  count=<n>") still read: the symbol's day count is then its times on the newest time's day,
 *  the session counters start empty. Serialize returns the length, or -1 when it does not fit
 *  in size (buf then ""); the _TEXT_MAX sizes always fit. Deserialize returns 0, or -1 on
 *  anything serialize would not write (more than VENOM_RATE_MAX times, times not ascending or
 *  negative, a negative count, trailing bytes) leaving *out untouched. */
#define VENOM_RATE_TEXT_MAX (64 + 21 * VENOM_RATE_MAX)
#define VENOM_DAILY_TEXT_MAX (64 + 33 * VENOM_SESSION_COUNT)
int venom_rate_serialize(const venom_rate_t *r, char *buf, size_t size);
int venom_rate_deserialize(venom_rate_t *out, const char *text);
int venom_daily_serialize(const venom_daily_t *d, char *buf, size_t size);
int venom_daily_deserialize(venom_daily_t *out, const char *text);
venom_rate_verdict_t venom_rate_check(const venom_params_t *p, const venom_rate_t *sym,
                                      const venom_daily_t *day, bitten_ms_t now);
void venom_rate_record(const venom_params_t *p, venom_rate_t *sym, venom_daily_t *day,
                       bitten_ms_t now);

/* ================================================================ engine (engine.c) */

typedef struct venom_engine venom_engine_t;

/*  Copies the params and the symbol table (later table changes are not seen). NULL when the
 *  params are invalid or memory runs out. */
venom_engine_t *venom_engine_new(const venom_params_t *p, const bitten_symbols_t *symbols);
void venom_engine_destroy(venom_engine_t **self_p);

/*  Feeds one tick. Returns 1 with a signal in *out (the tick closed an M1 and the evaluation
 *  emitted; its signal_id gets "_2", "_3" if the symbol already used that second), 0 when accepted
 * without a signal, -1 when dropped with *reason: UNKNOWN_SYMBOL, TICK_OUT_OF_ORDER, OUT_OF_RANGE
 * (bid/ask not finite and > 0). out / reason may be NULL. */
int venom_engine_on_tick(venom_engine_t *self, const bitten_tick_t *tick, venom_signal_t *out,
                         bitten_reason_t *reason);

/*  Merges a candle_batch (warm-up / back-fill). Returns candles added, -1 for an unknown
 *  symbol or an unsupported timeframe (only 60, 300, 900). */
int venom_engine_on_candles(venom_engine_t *self, const char *symbol, int timeframe_s,
                            const bitten_candle_t *c, size_t n);

/*  Counters since creation. */
typedef struct {
    uint64_t ticks, unknown_symbol, out_of_order, bad_price;
    uint64_t evaluations, skipped[VENOM_SKIP_COUNT], detections, below_min_confidence;
    uint64_t rate_blocked[VENOM_RATE_COUNT], signals;
    uint64_t rate_blocked_by_session[VENOM_RATE_COUNT][VENOM_SESSION_COUNT]; /* what each cap
                                                                  dropped, per session */
    uint64_t signals_by_session[VENOM_SESSION_COUNT];
    uint64_t alloc_failed; /* evaluations skipped: a symbol's trend state (allocated at its
                              first evaluation) could not be allocated; no signal */
} venom_stats_t;

void venom_engine_stats(const venom_engine_t *self, venom_stats_t *out);

/*  Config reload: copies into the engine's params the fields of next that may change live
 *  (venom_params_live_keys: confidence, TTL, staleness, cooldown, daily and session caps,
 *  exits, session bonuses) and keeps the rest (rings, windows, indicators: they shape the
 *  state the engine holds). 0, or -1 with err when the result does not validate. */
int venom_engine_apply_live(venom_engine_t *self, const venom_params_t *next, char *err,
                            size_t errlen);

/*  The venom.* keys (exact, or a prefix ending in '.') venom_engine_apply_live applies;
 *  NULL-terminated. */
extern const char *const venom_params_live_keys[];

/*  0, or -1 when the symbol is unknown. */
int venom_engine_context(const venom_engine_t *self, const char *symbol, venom_context_t *ctx);

/*  Rate-control state, to persist and restore it: one symbol's (0, or -1 unknown symbol) and
 *  the day counter. Restoring replaces the state; a restored time later than the ticks that
 *  follow keeps its cooldown until market time passes it (fail closed). */
int venom_engine_rate(const venom_engine_t *self, const char *symbol, venom_rate_t *out);
int venom_engine_restore_rate(venom_engine_t *self, const char *symbol, const venom_rate_t *in);
void venom_engine_daily(const venom_engine_t *self, venom_daily_t *out);
void venom_engine_restore_daily(venom_engine_t *self, const venom_daily_t *in);

#endif
