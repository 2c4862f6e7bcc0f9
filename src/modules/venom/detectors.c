/*  detectors.c: the six VENOM detectors of venom.md as pure functions over one evaluation's
 *  input (M5 series with cur last), plus the selection of the winning detection. */
#include "modules/venom/venom_core.h"

#include <math.h>

/*  Pips computed from prices carry binary rounding noise (0.3 pips may come out 2.9999999):
 *  thresholds accept values this close below them. A tolerance, not a trading number. */
static const double S_TOLERANCE = 1e-9;

static bool s_at_least(double value, double threshold)
{
    return value >= threshold - S_TOLERANCE;
}

static bool s_at_most(double value, double threshold)
{
    return value <= threshold + S_TOLERANCE;
}

static double s_cap(double value, double cap)
{
    return value < cap ? value : cap;
}

static double s_confidence(const venom_conf_params_t *c, double terms, double session_bonus)
{
    double v = c->base + terms + session_bonus;
    if (v < c->min)
        v = c->min;
    if (v > c->max)
        v = c->max;
    return venom_round1(v);
}

static venom_detection_t s_none(venom_pattern_t pattern)
{
    return (venom_detection_t){.fired = false, .pattern = pattern};
}

static bool s_bullish(const bitten_candle_t *c)
{
    return c->close > c->open;
}

static bool s_bearish(const bitten_candle_t *c)
{
    return c->close < c->open;
}

/* ---------------------------------------------------------------- LIQUIDITY_SWEEP_REVERSAL */

venom_detection_t venom_detect_liquidity_sweep(const venom_params_t *p,
                                               const venom_eval_input_t *in)
{
    venom_detection_t d = s_none(VENOM_LIQUIDITY_SWEEP_REVERSAL);
    if (in->n < 2 || !isfinite(in->a))
        return d;
    const bitten_candle_t *cur = &in->c[in->n - 1], *prev = &in->c[in->n - 2];
    if (!s_at_least((cur->high - cur->low) / in->pip, p->lsr.range_min_pips))
        return d;
    double min_sweep = fmax(p->lsr.sweep_min_pips, p->lsr.sweep_min_atr * in->a);

    double level = in->swings.highest;
    double wick = venom_upper_wick_ratio(cur);
    double sweep = (cur->high - level) / in->pip;
    double back = (level - cur->close) / in->pip;
    d.direction = VENOM_SELL;
    bool fired = isfinite(level) && s_at_least(sweep, min_sweep) && cur->close < level &&
                 s_at_least(wick, p->lsr.wick_min) && s_bullish(prev) && s_bearish(cur);
    if (!fired) {
        level = in->swings.lowest;
        wick = venom_lower_wick_ratio(cur);
        sweep = (level - cur->low) / in->pip;
        back = (cur->close - level) / in->pip;
        d.direction = VENOM_BUY;
        fired = isfinite(level) && s_at_least(sweep, min_sweep) && cur->close > level &&
                s_at_least(wick, p->lsr.wick_min) && s_bearish(prev) && s_bullish(cur);
    }
    if (!fired)
        return d;
    d.fired = true;
    d.level = level;
    d.size_pips = sweep;
    d.shape = wick;
    d.extra = back;
    double terms = s_cap(p->lsr.conf_sweep_mult * sweep, p->lsr.conf_sweep_cap) +
                   s_cap(p->lsr.conf_wick_mult * wick, p->lsr.conf_wick_cap) +
                   s_cap(back, p->lsr.conf_close_cap);
    d.confidence = s_confidence(&p->lsr.conf, terms, in->session_bonus);
    return d;
}

/* ---------------------------------------------------------------- FAIR_VALUE_GAP_FILL */

/*  For candles k-2, k-1, k with k-2 inside the last `lookback` candles and k before cur, the
 *  most recent gap that qualifies: bullish when low[k] - high[k-2] >= max(5, 0.5 A) (bearish
 *  mirrored), body of k-1 >= 0.6, no candle after k (cur included) reached the far edge
 *  (high[k-2] for a bullish gap: "less than fully filled"), and cur's close lies inside the
 *  gap. Trades in the gap's direction. */
venom_detection_t venom_detect_fair_value_gap(const venom_params_t *p, const venom_eval_input_t *in)
{
    venom_detection_t d = s_none(VENOM_FAIR_VALUE_GAP_FILL);
    long n = (long)in->n;
    if (n < 4 || !isfinite(in->a))
        return d;
    const bitten_candle_t *c = in->c, *cur = &in->c[n - 1];
    double min_gap = fmax(p->fvg.gap_min_pips, p->fvg.gap_min_atr * in->a);
    long first = n - p->fvg.lookback + 2;
    if (first < 2)
        first = 2;
    for (long k = n - 2; k >= first; k--) {
        /* the tests in order of cost (all must hold): cur's close inside, the body, the gap,
         * then the walk for a fill */
        double body = NAN;
        for (int dir = 0; dir < 2; dir++) {
            bool bull = dir == 0;
            double bottom = bull ? c[k - 2].high : c[k].high;
            double top = bull ? c[k].low : c[k - 2].low;
            if (cur->close < bottom || cur->close > top)
                continue;
            if (isnan(body))
                body = venom_body_ratio(&c[k - 1]);
            if (!s_at_least(body, p->fvg.middle_body_min))
                break; /* the same middle candle for both directions */
            double gap = (top - bottom) / in->pip;
            if (!(gap > 0.0) || !s_at_least(gap, min_gap))
                continue;
            bool filled = false;
            for (long j = k + 1; j < n && !filled; j++)
                filled = bull ? c[j].low <= bottom : c[j].high >= top;
            if (filled)
                continue;
            d.fired = true;
            d.direction = bull ? VENOM_BUY : VENOM_SELL;
            d.level = bull ? bottom : top;
            d.size_pips = gap;
            d.shape = body;
            d.extra = (double)k;
            double terms = s_cap(p->fvg.conf_gap_mult * gap, p->fvg.conf_gap_cap) +
                           s_cap(p->fvg.conf_body_mult * body, p->fvg.conf_body_cap);
            d.confidence = s_confidence(&p->fvg.conf, terms, in->session_bonus);
            return d;
        }
    }
    return d;
}

/* ---------------------------------------------------------------- ORDER_BLOCK_BOUNCE */

/*  Block: within the last `lookback` candles (cur included), the most recent candle b whose
 *  colour is opposite to the impulse that follows it: candle b+1 has the impulse colour and
 *  close[b+j] - open[b+1] reaches 2 A (bullish; mirrored) for some j <= 3, b+j before cur.
 *  cur trades back into the block (its low within [block low, block high] for a bullish
 *  block) and closes out of it in the impulse direction with a wick >= 0.4 of its range. */
static bool s_find_block(const venom_params_t *p, const venom_eval_input_t *in, bool bull,
                         long *block, double *impulse)
{
    long n = (long)in->n;
    const bitten_candle_t *c = in->c;
    long first = n - p->obb.lookback;
    if (first < 0)
        first = 0;
    double min_move = p->obb.impulse_min_atr * in->a;
    for (long b = n - 3; b >= first; b--) {
        if (bull ? !s_bearish(&c[b]) || !s_bullish(&c[b + 1])
                 : !s_bullish(&c[b]) || !s_bearish(&c[b + 1]))
            continue;
        for (long j = 1; j <= p->obb.impulse_max_candles && b + j <= n - 2; j++) {
            double move = (c[b + j].close - c[b + 1].open) / in->pip;
            if (!bull)
                move = -move;
            if (s_at_least(move, min_move)) {
                *block = b;
                *impulse = move;
                return true;
            }
        }
    }
    return false;
}

venom_detection_t venom_detect_order_block(const venom_params_t *p, const venom_eval_input_t *in)
{
    venom_detection_t d = s_none(VENOM_ORDER_BLOCK_BOUNCE);
    if (in->n < 3 || !isfinite(in->a))
        return d;
    const bitten_candle_t *cur = &in->c[in->n - 1];
    for (int dir = 0; dir < 2; dir++) {
        bool bull = dir == 0;
        /* cur's wick first: it needs no block, and the search is the detector's cost */
        double wick = bull ? venom_lower_wick_ratio(cur) : venom_upper_wick_ratio(cur);
        if (!s_at_least(wick, p->obb.wick_min))
            continue;
        long b;
        double impulse;
        if (!s_find_block(p, in, bull, &b, &impulse))
            continue;
        const bitten_candle_t *blk = &in->c[b];
        bool into = bull ? cur->low <= blk->high && cur->low >= blk->low
                         : cur->high >= blk->low && cur->high <= blk->high;
        bool out = bull ? cur->close > blk->high : cur->close < blk->low;
        if (!into || !out)
            continue;
        d.fired = true;
        d.direction = bull ? VENOM_BUY : VENOM_SELL;
        d.level = bull ? blk->high : blk->low;
        d.size_pips = impulse;
        d.shape = wick;
        d.extra = impulse / in->a;
        double terms = s_cap(p->obb.conf_impulse_mult * impulse / in->a, p->obb.conf_impulse_cap) +
                       s_cap(p->obb.conf_wick_mult * wick, p->obb.conf_wick_cap);
        d.confidence = s_confidence(&p->obb.conf, terms, in->session_bonus);
        return d;
    }
    return d;
}

/* ---------------------------------------------------------------- BB_SCALP */

venom_detection_t venom_detect_bb_scalp(const venom_params_t *p, const venom_eval_input_t *in)
{
    venom_detection_t d = s_none(VENOM_BB_SCALP);
    if (in->n < 1 || !isfinite(in->bb_upper) || !isfinite(in->bb_lower) || !isfinite(in->rsi))
        return d;
    const bitten_candle_t *cur = &in->c[in->n - 1];
    double excess, pen, wick;
    if (cur->high >= in->bb_upper && s_at_least(in->rsi, p->bb.rsi_sell_min) &&
        s_at_least(venom_upper_wick_ratio(cur), p->bb.wick_min) && cur->close < in->bb_upper) {
        d.direction = VENOM_SELL;
        d.level = in->bb_upper;
        excess = in->rsi - p->bb.rsi_sell_min;
        pen = (cur->high - in->bb_upper) / in->pip;
        wick = venom_upper_wick_ratio(cur);
    } else if (cur->low <= in->bb_lower && s_at_most(in->rsi, p->bb.rsi_buy_max) &&
               s_at_least(venom_lower_wick_ratio(cur), p->bb.wick_min) &&
               cur->close > in->bb_lower) {
        d.direction = VENOM_BUY;
        d.level = in->bb_lower;
        excess = p->bb.rsi_buy_max - in->rsi;
        pen = (in->bb_lower - cur->low) / in->pip;
        wick = venom_lower_wick_ratio(cur);
    } else {
        return d;
    }
    d.fired = true;
    d.size_pips = pen;
    d.shape = wick;
    d.extra = in->rsi;
    double terms = s_cap(p->bb.conf_rsi_mult * excess, p->bb.conf_rsi_cap) +
                   s_cap(p->bb.conf_pen_mult * pen, p->bb.conf_pen_cap);
    d.confidence = s_confidence(&p->bb.conf, terms, in->session_bonus);
    return d;
}

/* ---------------------------------------------------------------- MOMENTUM_BURST */

/*  The `window` candles before cur span <= max(15, 1.5 A); cur's range >= 1.3 x their mean
 *  range, body >= 0.6, and cur (bullish for BUY, bearish for SELL) closes >= 3 pips beyond
 *  their high (BUY) or low (SELL). */
venom_detection_t venom_detect_momentum_burst(const venom_params_t *p, const venom_eval_input_t *in)
{
    venom_detection_t d = s_none(VENOM_MOMENTUM_BURST);
    if (p->mb.window < 1 || in->n < (size_t)p->mb.window + 1 || !isfinite(in->a))
        return d;
    const bitten_candle_t *cur = &in->c[in->n - 1];
    double body = venom_body_ratio(cur); /* cur's own test first: the window loop is the cost */
    if (!s_at_least(body, p->mb.body_min))
        return d;
    const bitten_candle_t *w = &in->c[in->n - 1 - (size_t)p->mb.window];
    double hi = w[0].high, lo = w[0].low, ranges = 0.0;
    for (int i = 0; i < p->mb.window; i++) {
        hi = fmax(hi, w[i].high);
        lo = fmin(lo, w[i].low);
        ranges += w[i].high - w[i].low;
    }
    double mean_range = ranges / p->mb.window;
    double span = (hi - lo) / in->pip;
    if (!s_at_most(span, fmax(p->mb.span_max_pips, p->mb.span_max_atr * in->a)) ||
        !(mean_range > 0.0))
        return d;
    double ratio = (cur->high - cur->low) / mean_range;
    if (!s_at_least(ratio, p->mb.range_ratio_min))
        return d;
    double up = (cur->close - hi) / in->pip, down = (lo - cur->close) / in->pip;
    double slope = in->ema_mid - in->ema_mid_prev;
    bool with_slope;
    if (s_bullish(cur) && s_at_least(up, p->mb.beyond_min_pips)) {
        d.direction = VENOM_BUY;
        d.level = hi;
        d.size_pips = up;
        with_slope = slope > 0.0;
    } else if (s_bearish(cur) && s_at_least(down, p->mb.beyond_min_pips)) {
        d.direction = VENOM_SELL;
        d.level = lo;
        d.size_pips = down;
        with_slope = slope < 0.0;
    } else {
        return d;
    }
    d.fired = true;
    d.shape = body;
    d.extra = ratio;
    double terms =
        s_cap(p->mb.conf_ratio_mult * (ratio - p->mb.range_ratio_min), p->mb.conf_ratio_cap) +
        s_cap(p->mb.conf_body_mult * (body - p->mb.body_min), p->mb.conf_body_cap) +
        (with_slope ? p->mb.conf_slope_bonus : 0.0);
    d.confidence = s_confidence(&p->mb.conf, terms, in->session_bonus);
    return d;
}

/* ---------------------------------------------------------------- EMA_RSI_SCALP */

/*  BUY: EMA8 > EMA21 > EMA50, EMA8 - EMA50 >= max(3, 0.3 A), prev closed at or below EMA21
 *  (its own bar's EMA21: the pullback), cur closes above EMA21, 40 <= RSI14 <= 60. SELL
 *  mirrored. */
venom_detection_t venom_detect_ema_rsi(const venom_params_t *p, const venom_eval_input_t *in)
{
    venom_detection_t d = s_none(VENOM_EMA_RSI_SCALP);
    if (in->n < 2 || !isfinite(in->ema_fast) || !isfinite(in->ema_mid) || !isfinite(in->ema_slow) ||
        !isfinite(in->ema_mid_prev) || !isfinite(in->rsi) || !isfinite(in->a))
        return d;
    const bitten_candle_t *cur = &in->c[in->n - 1], *prev = &in->c[in->n - 2];
    if (!s_at_least(in->rsi, p->ers.rsi_min) || !s_at_most(in->rsi, p->ers.rsi_max))
        return d;
    double min_spread = fmax(p->ers.spread_min_pips, p->ers.spread_min_atr * in->a);
    double spread = (in->ema_fast - in->ema_slow) / in->pip;
    if (in->ema_fast > in->ema_mid && in->ema_mid > in->ema_slow &&
        s_at_least(spread, min_spread) && prev->close <= in->ema_mid_prev &&
        cur->close > in->ema_mid) {
        d.direction = VENOM_BUY;
    } else if (in->ema_fast < in->ema_mid && in->ema_mid < in->ema_slow &&
               s_at_least(-spread, min_spread) && prev->close >= in->ema_mid_prev &&
               cur->close < in->ema_mid) {
        d.direction = VENOM_SELL;
        spread = -spread;
    } else {
        return d;
    }
    d.fired = true;
    d.level = in->ema_mid;
    d.size_pips = spread;
    d.shape = in->rsi;
    d.extra = (in->ema_mid - in->ema_mid_prev) / in->pip;
    double terms = s_cap(p->ers.conf_spread_mult * spread / in->a, p->ers.conf_spread_cap);
    d.confidence = s_confidence(&p->ers.conf, terms, in->session_bonus);
    return d;
}

/* ---------------------------------------------------------------- all and selection */

void venom_eval_input_init(venom_eval_input_t *in, const venom_params_t *p,
                           const bitten_candle_t *c, size_t n, double pip, bitten_ms_t now)
{
    venom_trend_t t = {
        .ema_fast = venom_ema(c, n, p->ema_fast),
        .ema_mid = venom_ema(c, n, p->ema_mid),
        .ema_slow = venom_ema(c, n, p->ema_slow),
        .ema_mid_prev = n > 0 ? venom_ema(c, n - 1, p->ema_mid) : NAN,
        .rsi = venom_rsi(c, n, p->rsi_period),
    };
    venom_eval_input_init_trend(in, p, c, n, pip, now, &t);
}

void venom_eval_input_init_trend(venom_eval_input_t *in, const venom_params_t *p,
                                 const bitten_candle_t *c, size_t n, double pip, bitten_ms_t now,
                                 const venom_trend_t *t)
{
    venom_eval_input_init_carried(in, p, c, n, pip, now, t, NULL, NULL);
}

void venom_eval_input_init_carried(venom_eval_input_t *in, const venom_params_t *p,
                                   const bitten_candle_t *c, size_t n, double pip,
                                   bitten_ms_t now, const venom_trend_t *t,
                                   venom_atr_carry_t *atr, venom_swing_carry_t *swings)
{
    in->c = c;
    in->n = n;
    in->pip = pip;
    in->atr_pips = venom_atr_pips_carried(atr, c, n, p->atr_period, pip);
    in->a = isfinite(in->atr_pips) ? fmax(p->atr_floor_pips, in->atr_pips) : NAN;
    in->rsi = t->rsi;
    in->ema_fast = t->ema_fast;
    in->ema_mid = t->ema_mid;
    in->ema_slow = t->ema_slow;
    in->ema_mid_prev = t->ema_mid_prev;
    if (venom_bollinger(c, n, p->bb_period, p->bb_k, &in->bb_mid, &in->bb_upper, &in->bb_lower) !=
        0)
        in->bb_mid = in->bb_upper = in->bb_lower = NAN;
    venom_swings_carried(swings, c, n, p->swing_side, p->swing_lookback, p->swing_skip,
                         &in->swings);
    in->session = venom_session_at(p, now);
    in->session_bonus = venom_session_bonus(p, in->session);
}

void venom_detect_all(const venom_params_t *p, const venom_eval_input_t *in,
                      venom_detection_t out[VENOM_PATTERN_COUNT])
{
    out[VENOM_LIQUIDITY_SWEEP_REVERSAL] = venom_detect_liquidity_sweep(p, in);
    out[VENOM_FAIR_VALUE_GAP_FILL] = venom_detect_fair_value_gap(p, in);
    out[VENOM_ORDER_BLOCK_BOUNCE] = venom_detect_order_block(p, in);
    out[VENOM_BB_SCALP] = venom_detect_bb_scalp(p, in);
    out[VENOM_MOMENTUM_BURST] = venom_detect_momentum_burst(p, in);
    out[VENOM_EMA_RSI_SCALP] = venom_detect_ema_rsi(p, in);
}

int venom_select(const venom_detection_t *d, size_t n, double min_confidence)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (d[i].fired && (best < 0 || d[i].confidence > d[best].confidence))
            best = (int)i;
    if (best >= 0 && d[best].confidence < min_confidence)
        return -1;
    return best;
}
