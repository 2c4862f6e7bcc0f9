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

double venom_atr_pips(const bitten_candle_t *c, size_t n, int period, double pip)
{
    if (period < 1 || n < (size_t)period + 1 || !(pip > 0.0))
        return NAN;
    double sum = 0.0;
    for (size_t i = n - (size_t)period; i < n; i++) {
        double prev_close = c[i - 1].close;
        double tr = c[i].high - c[i].low;
        double up = fabs(c[i].high - prev_close);
        double down = fabs(c[i].low - prev_close);
        if (up > tr)
            tr = up;
        if (down > tr)
            tr = down;
        sum += tr;
    }
    return sum / period / pip;
}

double venom_ema(const bitten_candle_t *c, size_t n, int period)
{
    if (period < 1 || n < (size_t)period)
        return NAN;
    double ema = 0.0;
    for (size_t i = 0; i < (size_t)period; i++)
        ema += c[i].close;
    ema /= period;
    double alpha = 2.0 / (period + 1.0);
    for (size_t i = (size_t)period; i < n; i++)
        ema = alpha * c[i].close + (1.0 - alpha) * ema;
    return ema;
}

double venom_rsi(const bitten_candle_t *c, size_t n, int period)
{
    if (period < 1 || n < (size_t)period + 1)
        return NAN;
    double gain = 0.0, loss = 0.0;
    for (size_t i = 1; i <= (size_t)period; i++) {
        double d = c[i].close - c[i - 1].close;
        if (d > 0)
            gain += d;
        else
            loss -= d;
    }
    gain /= period;
    loss /= period;
    for (size_t i = (size_t)period + 1; i < n; i++) {
        double d = c[i].close - c[i - 1].close;
        gain = (gain * (period - 1) + (d > 0 ? d : 0.0)) / period;
        loss = (loss * (period - 1) + (d < 0 ? -d : 0.0)) / period;
    }
    if (loss == 0.0)
        return gain == 0.0 ? 50.0 : 100.0;
    return 100.0 - 100.0 / (1.0 + gain / loss);
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

void venom_swings(const bitten_candle_t *c, size_t n, int side, int lookback, int skip,
                  venom_swings_t *out)
{
    out->n_highs = out->n_lows = 0;
    out->highest = out->lowest = NAN;
    if (side < 1 || lookback < 1 || skip < 0)
        return;
    long last = (long)n - skip - 1;   /* newest candidate */
    long first = last - lookback + 1; /* oldest candidate */
    if (first < side)
        first = side;
    if (last > (long)n - 1 - side)
        last = (long)n - 1 - side;
    for (long i = first; i <= last; i++) {
        bool is_high = true, is_low = true;
        for (long d = 1; d <= side; d++) {
            if (!(c[i].high > c[i - d].high && c[i].high > c[i + d].high))
                is_high = false;
            if (!(c[i].low < c[i - d].low && c[i].low < c[i + d].low))
                is_low = false;
        }
        if (is_high && out->n_highs < VENOM_SWINGS_MAX) {
            out->highs[out->n_highs++] = c[i].high;
            if (isnan(out->highest) || c[i].high > out->highest)
                out->highest = c[i].high;
        }
        if (is_low && out->n_lows < VENOM_SWINGS_MAX) {
            out->lows[out->n_lows++] = c[i].low;
            if (isnan(out->lowest) || c[i].low < out->lowest)
                out->lowest = c[i].low;
        }
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
        long since = (long)((h - p->session_start_hour[s]) % day_hours + day_hours) % day_hours;
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
