/*  signal.h: the signal vocabulary VENOM publishes and CITADEL (and the replay) reads: pattern,
 *  direction, session, the signal, its market context and the `venom.signal` bus payload. */
#ifndef BITTEN_SIGNAL_H
#define BITTEN_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bitten/proto.h"
#include "bitten/stats.h"
#include "bitten/symbols.h"

/* ================================================================ enums and their words */

typedef enum { VENOM_BUY, VENOM_SELL } venom_direction_t;
typedef enum { VENOM_RAPID_ASSAULT, VENOM_PRECISION_STRIKE } venom_class_t;

/*  In venom.md's table order: that order breaks confidence ties (earlier row wins). */
typedef enum {
    VENOM_LIQUIDITY_SWEEP_REVERSAL,
    VENOM_FAIR_VALUE_GAP_FILL,
    VENOM_ORDER_BLOCK_BOUNCE,
    VENOM_BB_SCALP,
    VENOM_MOMENTUM_BURST,
    VENOM_EMA_RSI_SCALP,
    VENOM_PATTERN_COUNT
} venom_pattern_t;

/*  UTC sessions: ASIAN 23-07, LONDON 07-12, OVERLAP 12-16, NEWYORK 16-21, LATE 21-23. */
typedef enum {
    VENOM_SESSION_ASIAN,
    VENOM_SESSION_LONDON,
    VENOM_SESSION_OVERLAP,
    VENOM_SESSION_NEWYORK,
    VENOM_SESSION_LATE,
    VENOM_SESSION_COUNT
} venom_session_t;

/*  Implemented with VENOM's engine (src/modules/venom/engine.c). */
const char *venom_direction_str(venom_direction_t d); /* "BUY" / "SELL" */
const char *venom_class_str(venom_class_t c);         /* "RAPID_ASSAULT" / "PRECISION_STRIKE" */
const char *venom_pattern_str(venom_pattern_t p);     /* "LIQUIDITY_SWEEP_REVERSAL", ... */
const char *venom_session_str(venom_session_t s);     /* "ASIAN", "LONDON", ... */
venom_class_t venom_pattern_class(venom_pattern_t p); /* LSR, FVG, OBB: PRECISION_STRIKE */

/* ================================================================ the signal */

#define VENOM_SESSION_STR_MAX 16

typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1];
    venom_direction_t direction;
    const char *direction_str;
    venom_class_t signal_class;
    const char *class_str;
    venom_pattern_t pattern;
    const char *pattern_str;
    double confidence;
    double entry; /* mid of the closing tick */
    double sl_pips, tp_pips;
    double sl_price, tp_price; /* rounded to the symbol's digits */
    double rr;                 /* tp_pips / sl_pips */
    double atr_pips;           /* A = max(10, ATR14) used for the stops */
    double atr_raw_pips;       /* ATR14 itself (NAN when unknown): the ATR exit mode's input */
    venom_session_t session;
    const char *session_str;
    bitten_ms_t created_at, expires_at;
    double spread_pips; /* of the closing tick */
} venom_signal_t;

/* ================================================================ its market context */

#define VENOM_SWINGS_MAX 64
/*  Swing highs / lows: bar i whose high is strictly above the highs of `side` bars on each
 *  side (lows alike), for i in the `lookback` bars before the last `skip`. Oldest first.
 *  (venom_swings in src/modules/venom/venom_core.h finds them.) */
typedef struct {
    double highs[VENOM_SWINGS_MAX];
    size_t n_highs;
    double lows[VENOM_SWINGS_MAX];
    size_t n_lows;
    double highest; /* highest swing high, NAN if none */
    double lowest;  /* lowest swing low, NAN if none */
} venom_swings_t;

/*  The windows a context is computed over: venom.sweep_m1_bars, venom.atr_percentile_bars,
 *  venom.spread_ring (CITADEL checks they are the ones its score expects). */
typedef struct {
    int sweep_m1_bars, atr_percentile_bars, spread_ring;
} venom_context_windows_t;

/*  What CITADEL reads about one symbol: it travels with every signal (venom_signal_event_t).
 *  Pointers borrow the engine's memory and stay valid until the next on_tick / on_candles /
 *  destroy. Values are NAN when unknown. */
typedef struct {
    venom_context_windows_t windows;
    const bitten_symbol_t *symbol;
    const bitten_candle_t *m1, *m5, *m15; /* closed candles, oldest first */
    size_t m1_count, m5_count, m15_count;
    bitten_ms_t last_tick_at;   /* this symbol, 0 if none */
    bitten_ms_t newest_tick_at; /* any symbol */
    double last_price;          /* mid of the last tick */
    double last_spread_pips;
    double median_spread_pips; /* over the last spread_ring ticks */
    size_t spread_samples;
    double atr_pips;       /* ATR14 on closed M5 */
    double atr_percentile; /* 0..100: share of the last atr_percentile_bars M5 ATR14
                              values that are <= the current one */
    double m5_ema_mid_slope_pips, m15_ema_mid_slope_pips; /* EMA21 now - EMA21 one bar ago */
    double m5_price_vs_ema_slow_pips, m15_price_vs_ema_slow_pips; /* last_price - EMA50 */
    venom_swings_t swings;                                        /* on closed M5 */
    bool sweep_for_buy;      /* one of the last sweep_m1_bars closed M1 bars ran below an
                                M5 swing low and closed back above it */
    bool sweep_for_sell;     /* ... ran above an M5 swing high and closed back below */
    venom_session_t session; /* of the last tick */
} venom_context_t;

/* ================================================================ the bus payload */

/*  The payload of BITTEN_EV_SIGNAL ("venom.signal"): the signal, its symbol's market context
 *  taken right after the tick that made it, and the live record of closed outcomes of the
 *  signal's pattern (VENOM's, docs/venom.md "Live outcome record"; CITADEL's evidence gate),
 *  so CITADEL never asks VENOM back. Published synchronously: all of it (and the context's
 *  borrowed pointers) is valid during the handler only. context and record may be NULL. */
typedef struct {
    const venom_signal_t *signal;
    const venom_context_t *context;
    const bitten_rstats_t *record;
} venom_signal_event_t;

/*  A record's figure as JSON, the one rounding of every report of it (the replay report, the
 *  live record, CITADEL's evidence): 4 decimals, null when not finite. Implemented with the
 *  record (src/modules/venom/record.c). */
json_t *venom_json_num4(double x);

#endif
