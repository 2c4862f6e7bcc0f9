/*  indicators.c: VENOM's indicators as pure functions over closed candles (oldest first):
 *  ATR, EMA, RSI (Wilder), Bollinger, swings, candle shape, sessions and rounding. */
#include "modules/venom/venom_core.h"

#include <math.h>

double venom_round1(double x)
{
    return round(x * 10.0) / 10.0;
}

double venom_round_digits(double x, int digits)
{
    double scale = pow(10.0, digits);
    return round(x * scale) / scale;
}

static double s_true_range(const bitten_candle_t *c, size_t i)
{
    double prev_close = c[i - 1].close;
    double tr = c[i].high - c[i].low;
    double up = fabs(c[i].high - prev_close);
    double down = fabs(c[i].low - prev_close);
    if (up > tr)
        tr = up;
    if (down > tr)
        tr = down;
    return tr;
}

/*  The running sum of the true ranges of c[from .. to), from 0.0 in index order. */
static double s_tr_sum(const bitten_candle_t *c, size_t from, size_t to)
{
    double sum = 0.0;
    for (size_t i = from; i < to; i++)
        sum += s_true_range(c, i);
    return sum;
}

double venom_atr_pips(const bitten_candle_t *c, size_t n, int period, double pip)
{
    if (period < 1 || n < (size_t)period + 1 || !(pip > 0.0))
        return NAN;
    return s_tr_sum(c, n - (size_t)period, n) / period / pip;
}

void venom_atr_carry(venom_atr_carry_t *k, size_t closed, int period)
{
    k->closed = closed;
    k->period = period;
    k->filled = false;
    k->prefix = NAN;
}

double venom_atr_pips_carried(venom_atr_carry_t *k, const bitten_candle_t *c, size_t n,
                              int period, double pip)
{
    if (!k || k->period != period || n != k->closed + 1 || period < 1 ||
        n < (size_t)period + 1 || !(pip > 0.0))
        return venom_atr_pips(c, n, period, pip);
    if (!k->filled) { /* the closed candles' part of the running sum, once */
        k->prefix = s_tr_sum(c, n - (size_t)period, n - 1);
        k->filled = true;
    }
    /* the same running sum: the closed candles' part, then the forming candle's range */
    return (k->prefix + s_true_range(c, n - 1)) / period / pip;
}

/*  One step of each indicator: venom_ema / venom_rsi and the carried state share these, so
 *  both do the same operations in the same order (bit-identical results). */
static double s_alpha(int period)
{
    return 2.0 / (period + 1.0);
}

static double s_ema_step(double ema, double close, double alpha)
{
    return alpha * close + (1.0 - alpha) * ema;
}

/*  SMA of the first `period` closes into *ema; false when there are fewer. */
static bool s_ema_seed(const bitten_candle_t *c, size_t n, int period, double *ema)
{
    if (period < 1 || n < (size_t)period)
        return false;
    double sum = 0.0;
    for (size_t i = 0; i < (size_t)period; i++)
        sum += c[i].close;
    *ema = sum / period;
    return true;
}

static void s_rsi_step(double *gain, double *loss, double d, int period)
{
    *gain = (*gain * (period - 1) + (d > 0 ? d : 0.0)) / period;
    *loss = (*loss * (period - 1) + (d < 0 ? -d : 0.0)) / period;
}

/*  Wilder's first averages over the first `period` changes; false when there are too few. */
static bool s_rsi_seed(const bitten_candle_t *c, size_t n, int period, double *gain,
                       double *loss)
{
    if (period < 1 || n < (size_t)period + 1)
        return false;
    double g = 0.0, l = 0.0;
    for (size_t i = 1; i <= (size_t)period; i++) {
        double d = c[i].close - c[i - 1].close;
        if (d > 0)
            g += d;
        else
            l -= d;
    }
    *gain = g / period;
    *loss = l / period;
    return true;
}

static double s_rsi_value(double gain, double loss)
{
    if (loss == 0.0)
        return gain == 0.0 ? 50.0 : 100.0;
    return 100.0 - 100.0 / (1.0 + gain / loss);
}

double venom_ema(const bitten_candle_t *c, size_t n, int period)
{
    double ema;
    if (!s_ema_seed(c, n, period, &ema))
        return NAN;
    double alpha = s_alpha(period);
    for (size_t i = (size_t)period; i < n; i++)
        ema = s_ema_step(ema, c[i].close, alpha);
    return ema;
}

double venom_rsi(const bitten_candle_t *c, size_t n, int period)
{
    double gain, loss;
    if (!s_rsi_seed(c, n, period, &gain, &loss))
        return NAN;
    for (size_t i = (size_t)period + 1; i < n; i++)
        s_rsi_step(&gain, &loss, c[i].close - c[i - 1].close, period);
    return s_rsi_value(gain, loss);
}

/*  The index an EMA's steps start at (its period), or n when it cannot start. */
static size_t s_ema_start(const bitten_candle_t *c, size_t n, int period, double *ema)
{
    *ema = NAN;
    return s_ema_seed(c, n, period, ema) ? (size_t)period : n;
}

void venom_trend_closed(venom_trend_state_t *st, const bitten_candle_t *c, size_t n,
                        int ema_fast, int ema_mid, int ema_slow, int rsi_period)
{
    st->n = n;
    st->ema_mid_prev = NAN;
    size_t sf = s_ema_start(c, n, ema_fast, &st->ema_fast);
    size_t sm = s_ema_start(c, n, ema_mid, &st->ema_mid);
    size_t ss = s_ema_start(c, n, ema_slow, &st->ema_slow);
    st->rsi_gain = st->rsi_loss = NAN;
    size_t sr = s_rsi_seed(c, n, rsi_period, &st->rsi_gain, &st->rsi_loss)
                    ? (size_t)rsi_period + 1
                    : n;
    size_t lo = sf;
    if (sm < lo)
        lo = sm;
    if (ss < lo)
        lo = ss;
    if (sr < lo)
        lo = sr;
    /* one pass, four independent chains: each does exactly venom_ema's / venom_rsi's steps */
    double ef = st->ema_fast, em = st->ema_mid, es = st->ema_slow;
    double gain = st->rsi_gain, loss = st->rsi_loss;
    double af = s_alpha(ema_fast), am = s_alpha(ema_mid), as = s_alpha(ema_slow);
    size_t last = n > 0 ? n - 1 : 0; /* the last step also leaves venom_ema(c, n - 1, mid) */
    for (size_t i = lo; i < last; i++) {
        double x = c[i].close;
        if (i >= sf)
            ef = s_ema_step(ef, x, af);
        if (i >= sm)
            em = s_ema_step(em, x, am);
        if (i >= ss)
            es = s_ema_step(es, x, as);
        if (i >= sr)
            s_rsi_step(&gain, &loss, x - c[i - 1].close, rsi_period);
    }
    if (lo <= last && last < n) {
        double x = c[last].close;
        if (last >= sf)
            ef = s_ema_step(ef, x, af);
        if (last >= sm) {
            st->ema_mid_prev = em;
            em = s_ema_step(em, x, am);
        }
        if (last >= ss)
            es = s_ema_step(es, x, as);
        if (last >= sr)
            s_rsi_step(&gain, &loss, x - c[last - 1].close, rsi_period);
    }
    st->ema_fast = ef;
    st->ema_mid = em;
    st->ema_slow = es;
    st->rsi_gain = gain;
    st->rsi_loss = loss;
}

/*  EMA over c[0 .. n) from the state over the first st->n: one more step for c[st->n]. */
static double s_ema_finish(const venom_trend_state_t *st, double state, const bitten_candle_t *c,
                           size_t n, int period)
{
    if (n == st->n)
        return state;
    if (n == st->n + 1 && period >= 1 && st->n >= (size_t)period)
        return s_ema_step(state, c[st->n].close, s_alpha(period));
    return venom_ema(c, n, period);
}

void venom_trend_finish(const venom_trend_state_t *st, const bitten_candle_t *c, size_t n,
                        int ema_fast, int ema_mid, int ema_slow, int rsi_period,
                        venom_trend_t *out)
{
    out->ema_fast = s_ema_finish(st, st->ema_fast, c, n, ema_fast);
    out->ema_mid = s_ema_finish(st, st->ema_mid, c, n, ema_mid);
    out->ema_slow = s_ema_finish(st, st->ema_slow, c, n, ema_slow);
    if (n == st->n + 1)
        out->ema_mid_prev = st->ema_mid;
    else if (n == st->n)
        out->ema_mid_prev = st->ema_mid_prev;
    else
        out->ema_mid_prev = n > 0 ? venom_ema(c, n - 1, ema_mid) : NAN;
    bool carried = rsi_period >= 1 && st->n >= (size_t)rsi_period + 1;
    if (carried && n == st->n) {
        out->rsi = s_rsi_value(st->rsi_gain, st->rsi_loss);
    } else if (carried && n == st->n + 1) {
        double gain = st->rsi_gain, loss = st->rsi_loss;
        s_rsi_step(&gain, &loss, c[st->n].close - c[st->n - 1].close, rsi_period);
        out->rsi = s_rsi_value(gain, loss);
    } else {
        out->rsi = venom_rsi(c, n, rsi_period);
    }
}

int venom_bollinger(const bitten_candle_t *c, size_t n, int period, double k, double *mid,
                    double *upper, double *lower)
{
    if (period < 1 || n < (size_t)period)
        return -1;
    double mean = 0.0;
    for (size_t i = n - (size_t)period; i < n; i++)
        mean += c[i].close;
    mean /= period;
    double var = 0.0;
    for (size_t i = n - (size_t)period; i < n; i++)
        var += (c[i].close - mean) * (c[i].close - mean);
    double sd = sqrt(var / period);
    if (mid)
        *mid = mean;
    if (upper)
        *upper = mean + k * sd;
    if (lower)
        *lower = mean - k * sd;
    return 0;
}

#define S_SWING_HIGH 1u
#define S_SWING_LOW 2u

/*  Whether c[i] is a swing high / low: strictly above / below `side` bars on each side. */
static unsigned s_swing_test(const bitten_candle_t *c, long i, int side)
{
    bool is_high = true, is_low = true;
    double hi = c[i].high, lo = c[i].low;
    for (long d = 1; d <= side && (is_high || is_low); d++) { /* stop once both failed */
        if (is_high && !(hi > c[i - d].high && hi > c[i + d].high))
            is_high = false;
        if (is_low && !(lo < c[i - d].low && lo < c[i + d].low))
            is_low = false;
    }
    return (is_high ? S_SWING_HIGH : 0u) | (is_low ? S_SWING_LOW : 0u);
}

/*  The candidates of venom_swings over c[0 .. n): first .. last. */
static bool s_swing_range(size_t n, int side, int lookback, int skip, long *first, long *last)
{
    if (side < 1 || lookback < 1 || skip < 0)
        return false;
    *last = (long)n - skip - 1;         /* newest candidate */
    *first = *last - lookback + 1;      /* oldest candidate */
    if (*first < side)
        *first = side;
    if (*last > (long)n - 1 - side)
        *last = (long)n - 1 - side;
    return true;
}

/*  venom_swings' loop over the candidates from .. to, continuing *out. */
/*  Candidate ci with test result f, appended to *out. */
static void s_swings_add(venom_swings_t *out, const bitten_candle_t *ci, unsigned f)
{
    if ((f & S_SWING_HIGH) && out->n_highs < VENOM_SWINGS_MAX) {
        out->highs[out->n_highs++] = ci->high;
        if (isnan(out->highest) || ci->high > out->highest)
            out->highest = ci->high;
    }
    if ((f & S_SWING_LOW) && out->n_lows < VENOM_SWINGS_MAX) {
        out->lows[out->n_lows++] = ci->low;
        if (isnan(out->lowest) || ci->low < out->lowest)
            out->lowest = ci->low;
    }
}

/*  ... each test kept in tests[i - from] when tests is not NULL. */
static void s_swings_collect(const bitten_candle_t *c, long from, long to, int side,
                             venom_swings_t *out, unsigned char *tests)
{
    for (long i = from; i <= to; i++) {
        unsigned f = s_swing_test(c, i, side);
        if (tests)
            tests[i - from] = (unsigned char)f;
        s_swings_add(out, &c[i], f);
    }
}

static void s_swings_empty(venom_swings_t *out)
{
    out->n_highs = out->n_lows = 0;
    out->highest = out->lowest = NAN;
}

static void s_swings_copy(venom_swings_t *out, const venom_swings_t *from)
{
    out->n_highs = from->n_highs;
    out->n_lows = from->n_lows;
    for (size_t i = 0; i < from->n_highs; i++) /* a few: no memcpy call */
        out->highs[i] = from->highs[i];
    for (size_t i = 0; i < from->n_lows; i++)
        out->lows[i] = from->lows[i];
    out->highest = from->highest;
    out->lowest = from->lowest;
}

void venom_swing_carry(venom_swing_carry_t *k, size_t closed, int side, int lookback, int skip)
{
    k->closed = closed;
    k->side = side;
    k->lookback = lookback;
    k->skip = skip;
    k->has_closed = k->has_next = k->has_tests = false;
}

void venom_swings(const bitten_candle_t *c, size_t n, int side, int lookback, int skip,
                  venom_swings_t *out)
{
    s_swings_empty(out);
    long first, last;
    if (s_swing_range(n, side, lookback, skip, &first, &last))
        s_swings_collect(c, first, last, side, out, NULL);
}

void venom_swings_carried(venom_swing_carry_t *k, const bitten_candle_t *c, size_t n, int side,
                          int lookback, int skip, venom_swings_t *out)
{
    long first = 0, last = -1;
    bool use = k && k->side == side && k->lookback == lookback && k->skip == skip &&
               (n == k->closed || n == k->closed + 1) &&
               s_swing_range(n, side, lookback, skip, &first, &last);
    if (use && n == k->closed) {
        if (!k->has_closed) {
            /* venom_swings, its tests kept for the next prefix */
            k->has_tests = last - first + 1 <= VENOM_SWING_TESTS_MAX;
            k->tests_first = first;
            k->tests_last = last;
            s_swings_empty(&k->at_closed);
            s_swings_collect(c, first, last, side, &k->at_closed,
                             k->has_tests ? k->tests : NULL);
            k->has_closed = true;
        }
        s_swings_copy(out, &k->at_closed);
    } else if (use) {
        /* the tests whose bars are all closed, once; then those that reach the forming bar */
        long upto = last < (long)k->closed - 1 - side ? last : (long)k->closed - 1 - side;
        if (!k->has_next) {
            s_swings_empty(&k->next_prefix);
            if (k->has_tests && first >= k->tests_first && upto <= k->tests_last)
                for (long i = first; i <= upto; i++)
                    s_swings_add(&k->next_prefix, &c[i], k->tests[i - k->tests_first]);
            else
                s_swings_collect(c, first, upto, side, &k->next_prefix, NULL);
            k->has_next = true;
        }
        s_swings_copy(out, &k->next_prefix);
        s_swings_collect(c, upto + 1 > first ? upto + 1 : first, last, side, out, NULL);
    } else {
        venom_swings(c, n, side, lookback, skip, out);
    }
}

venom_session_t venom_session_at(const venom_params_t *p, bitten_ms_t t)
{
    const bitten_ms_t hour_ms = 3600000, day_hours = 24;
    bitten_ms_t h = (t / hour_ms) % day_hours;
    if (h < 0)
        h += day_hours;
    /* the session that started most recently (cyclically) at or before hour h */
    venom_session_t best = VENOM_SESSION_ASIAN;
    long best_since = day_hours;
    for (int s = 0; s < VENOM_SESSION_COUNT; s++) {
        long since = (long)((h - p->session_start_hour[s]) % day_hours); /* into [0, 24) */
        if (since < 0)
            since += day_hours;
        if (since < best_since) {
            best_since = since;
            best = (venom_session_t)s;
        }
    }
    return best;
}

double venom_session_bonus(const venom_params_t *p, venom_session_t s)
{
    return (s >= 0 && s < VENOM_SESSION_COUNT) ? p->session_bonus[s] : 0.0;
}

static double s_range(const bitten_candle_t *c)
{
    return c->high - c->low;
}

double venom_body_ratio(const bitten_candle_t *c)
{
    double r = s_range(c);
    return r > 0.0 ? fabs(c->close - c->open) / r : 0.0;
}

double venom_upper_wick_ratio(const bitten_candle_t *c)
{
    double r = s_range(c);
    return r > 0.0 ? (c->high - fmax(c->open, c->close)) / r : 0.0;
}

double venom_lower_wick_ratio(const bitten_candle_t *c)
{
    double r = s_range(c);
    return r > 0.0 ? (fmin(c->open, c->close) - c->low) / r : 0.0;
}
