/*  test_venom_indicators.c: hand-computed values for VENOM's indicators (ATR, EMA, RSI Wilder,
 *  Bollinger, swings), candle shapes, sessions and rounding (src/modules/venom/indicators.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "modules/venom/venom_core.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_near(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

static bitten_candle_t s_c(double o, double h, double l, double c)
{
    return (bitten_candle_t){0, o, h, l, c, 0};
}

static bitten_candle_t s_close(double c)
{
    return s_c(c, c, c, c);
}

static void test_atr_is_mean_of_true_ranges_in_pips(void **state)
{
    bitten_candle_t c[] = {
        s_c(1.0000, 1.0004, 0.9996, 1.0000),
        s_c(1.0000, 1.0010, 0.9995, 1.0005), /* TR = H - L = 15 pips */
        s_c(1.0022, 1.0030, 1.0020, 1.0025), /* gap up: TR = H - prev close = 25 pips */
        s_c(1.0020, 1.0026, 1.0006, 1.0010), /* TR = H - L = 20 pips */
    };
    assert_near(venom_atr_pips(c, 4, 3, 0.0001), 20.0, 1e-9);
    /* only the last `period` true ranges count */
    assert_near(venom_atr_pips(c, 4, 2, 0.0001), 22.5, 1e-9);
    assert_true(isnan(venom_atr_pips(c, 3, 3, 0.0001))); /* needs period + 1 candles */
}

static void test_ema_is_seeded_with_sma_then_steps_with_alpha(void **state)
{
    bitten_candle_t c[] = {s_close(1), s_close(2), s_close(3), s_close(4), s_close(5)};
    assert_near(venom_ema(c, 3, 3), 2.0, 1e-12); /* SMA(1,2,3) */
    assert_near(venom_ema(c, 4, 3), 3.0, 1e-12); /* 0.5 x 4 + 0.5 x 2 */
    assert_near(venom_ema(c, 5, 3), 4.0, 1e-12); /* 0.5 x 5 + 0.5 x 3 */
    assert_true(isnan(venom_ema(c, 2, 3)));
    /* alpha = 2 / (n + 1): period 4 -> 0.4 */
    bitten_candle_t d[] = {s_close(2), s_close(2), s_close(2), s_close(2), s_close(7)};
    assert_near(venom_ema(d, 5, 4), 4.0, 1e-12);
}

static void test_rsi_uses_wilder_smoothing(void **state)
{
    /* changes +1, -0.5, +1 | -0.5, +1. First averages: gain 2/3, loss 1/6.
     * then gain 4/9, loss 5/18; then gain 17/27, loss 5/27: RS 3.4, RSI 100 - 100/4.4. */
    bitten_candle_t c[] = {s_close(10),   s_close(11), s_close(10.5),
                           s_close(11.5), s_close(11), s_close(12)};
    assert_near(venom_rsi(c, 6, 3), 100.0 - 100.0 / 4.4, 1e-9);
    assert_near(venom_rsi(c, 4, 3), 100.0 - 100.0 / (1.0 + 4.0), 1e-9); /* 2/3 over 1/6 */
    assert_true(isnan(venom_rsi(c, 3, 3)));
}

static void test_rsi_is_100_without_losses_and_50_when_flat(void **state)
{
    bitten_candle_t up[] = {s_close(1), s_close(2), s_close(3), s_close(4)};
    bitten_candle_t flat[] = {s_close(1), s_close(1), s_close(1), s_close(1)};
    assert_near(venom_rsi(up, 4, 3), 100.0, 1e-12);
    assert_near(venom_rsi(flat, 4, 3), 50.0, 1e-12);
}

static void test_bollinger_uses_population_std_dev(void **state)
{
    bitten_candle_t c[] = {s_close(9), s_close(1), s_close(2), s_close(3), s_close(4), s_close(5)};
    double mid, up, lo;
    assert_int_equal(venom_bollinger(c, 6, 5, 2.0, &mid, &up, &lo), 0);
    assert_near(mid, 3.0, 1e-12);                  /* the 9 is outside the last 5 */
    assert_near(up, 3.0 + 2.0 * sqrt(2.0), 1e-12); /* variance 10 / 5 */
    assert_near(lo, 3.0 - 2.0 * sqrt(2.0), 1e-12);
    assert_int_equal(venom_bollinger(c, 4, 5, 2.0, &mid, &up, &lo), -1);
}

static void s_highs(bitten_candle_t *c, const double *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c[i] = s_c(h[i] - 0.5, h[i], h[i] - 1.0, h[i] - 0.5);
}

static void test_swing_high_needs_two_strictly_lower_bars_each_side(void **state)
{
    double h[] = {1, 2, 3, 6, 4, 3, 2, 1, 1};
    bitten_candle_t c[9];
    s_highs(c, h, 9);
    venom_swings_t s;
    venom_swings(c, 9, 2, 20, 2, &s);
    assert_int_equal(s.n_highs, 1);
    assert_near(s.highs[0], 6.0, 0);
    assert_near(s.highest, 6.0, 0);
    /* lows are highs - 1: the 6 bar's low (5) is no swing low; nothing is */
    assert_int_equal(s.n_lows, 0);
    assert_true(isnan(s.lowest));
}

static void test_equal_highs_are_not_swings(void **state)
{
    double h[] = {1, 2, 6, 6, 4, 3, 2, 1, 1};
    bitten_candle_t c[9];
    s_highs(c, h, 9);
    venom_swings_t s;
    venom_swings(c, 9, 2, 20, 2, &s);
    assert_int_equal(s.n_highs, 0);
    assert_true(isnan(s.highest));
}

static void test_swings_ignore_the_last_two_bars(void **state)
{
    /* the peak at index 6 is the third-last bar: it is a candidate, but its right
     * neighbours are the last 2; the peak at index 7 (second-last) is never a candidate */
    double h[] = {1, 1, 1, 1, 2, 3, 9, 4, 3};
    bitten_candle_t c[9];
    s_highs(c, h, 9);
    venom_swings_t s;
    venom_swings(c, 9, 2, 20, 2, &s);
    assert_int_equal(s.n_highs, 1);
    assert_near(s.highest, 9.0, 0);
    double g[] = {1, 1, 1, 1, 2, 3, 4, 9, 3};
    s_highs(c, g, 9);
    venom_swings(c, 9, 2, 20, 2, &s);
    assert_int_equal(s.n_highs, 0);
}

static void test_swing_lows_and_lowest(void **state)
{
    bitten_candle_t c[12];
    for (int i = 0; i < 12; i++)
        c[i] = s_c(10, 11, 9, 10);
    c[3].low = 7;
    c[7].low = 6;
    venom_swings_t s;
    venom_swings(c, 12, 2, 20, 2, &s);
    assert_int_equal(s.n_lows, 2);
    assert_near(s.lows[0], 7, 0);
    assert_near(s.lows[1], 6, 0);
    assert_near(s.lowest, 6, 0);
    /* lookback 3 before the last 2 covers indices 7..9 only */
    venom_swings(c, 12, 2, 3, 2, &s);
    assert_int_equal(s.n_lows, 1);
}

static void test_candle_shape_ratios(void **state)
{
    bitten_candle_t c = s_c(1.0, 2.0, 0.0, 1.5); /* range 2 */
    assert_near(venom_body_ratio(&c), 0.25, 1e-12);
    assert_near(venom_upper_wick_ratio(&c), 0.25, 1e-12);
    assert_near(venom_lower_wick_ratio(&c), 0.5, 1e-12);
    bitten_candle_t flat = s_close(3);
    assert_near(venom_body_ratio(&flat), 0.0, 0);
}

static void test_sessions_by_utc_hour_and_bonus(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    const bitten_ms_t day = 1757894400000LL; /* Monday 2025-09-15 00:00 UTC */
    const bitten_ms_t h = 3600000;
    assert_int_equal(venom_session_at(&p, day + 6 * h + 59 * 60000), VENOM_SESSION_ASIAN);
    assert_int_equal(venom_session_at(&p, day + 7 * h), VENOM_SESSION_LONDON);
    assert_int_equal(venom_session_at(&p, day + 12 * h), VENOM_SESSION_OVERLAP);
    assert_int_equal(venom_session_at(&p, day + 15 * h + 59 * 60000), VENOM_SESSION_OVERLAP);
    assert_int_equal(venom_session_at(&p, day + 16 * h), VENOM_SESSION_NEWYORK);
    assert_int_equal(venom_session_at(&p, day + 21 * h), VENOM_SESSION_LATE);
    assert_int_equal(venom_session_at(&p, day + 22 * h + 59 * 60000), VENOM_SESSION_LATE);
    assert_int_equal(venom_session_at(&p, day + 23 * h), VENOM_SESSION_ASIAN);
    assert_int_equal(venom_session_at(&p, day), VENOM_SESSION_ASIAN);
    assert_near(venom_session_bonus(&p, VENOM_SESSION_OVERLAP), 5, 0);
    assert_near(venom_session_bonus(&p, VENOM_SESSION_LONDON), 4, 0);
    assert_near(venom_session_bonus(&p, VENOM_SESSION_NEWYORK), 3, 0);
    assert_near(venom_session_bonus(&p, VENOM_SESSION_ASIAN), 0, 0);
    assert_near(venom_session_bonus(&p, VENOM_SESSION_LATE), -5, 0);
    assert_string_equal(venom_session_str(VENOM_SESSION_NEWYORK), "NEWYORK");
}

static void test_rounding_helpers(void **state)
{
    assert_near(venom_round1(24.68), 24.7, 1e-12);
    assert_near(venom_round1(22.25), 22.3, 1e-12);
    assert_near(venom_round_digits(1.0975349, 5), 1.09753, 1e-12);
    assert_near(venom_round_digits(3650.125, 2), 3650.13, 1e-9);
}

/*  Bit-identical, not just close: the carried state does venom_ema's / venom_rsi's operations
 *  in the same order, so every value compares equal as bits (NAN where both are NAN). */
static void s_same_bits(double a, double b, size_t n, const char *what)
{
    if (memcmp(&a, &b, sizeof a) != 0) {
        print_error("%s at n=%zu: %.17g != %.17g\n", what, n, a, b);
        fail();
    }
}

static void test_carried_trend_is_bit_identical_to_the_full_walk(void **state)
{
    enum { N = 420 };
    static bitten_candle_t c[N];
    uint64_t x = 88172645463325252ULL; /* xorshift: a wandering price with flat runs */
    double price = 1.1;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int step = (int)(x % 7) - 3; /* -3 .. 3 pips, 0 (flat) one time in 7 */
        price += step * 0.0001 + (double)(x >> 40) * 1e-12;
        c[i] = s_close(price);
    }
    const int periods[][4] = {{8, 21, 50, 14}, {1, 2, 3, 1}, {3, 3, 200, 30}, {0, 5, 9, 0}};
    for (size_t k = 0; k < sizeof periods / sizeof periods[0]; k++) {
        int f = periods[k][0], m = periods[k][1], sl = periods[k][2], r = periods[k][3];
        for (size_t closed = 0; closed < N; closed++) {
            venom_trend_state_t st;
            venom_trend_closed(&st, c, closed, f, m, sl, r);
            for (size_t n = closed; n <= closed + 1; n++) {
                venom_trend_t t;
                venom_trend_finish(&st, c, n, f, m, sl, r, &t);
                s_same_bits(t.ema_fast, venom_ema(c, n, f), n, "ema_fast");
                s_same_bits(t.ema_mid, venom_ema(c, n, m), n, "ema_mid");
                s_same_bits(t.ema_slow, venom_ema(c, n, sl), n, "ema_slow");
                s_same_bits(t.ema_mid_prev, n > 0 ? venom_ema(c, n - 1, m) : NAN, n, "mid_prev");
                s_same_bits(t.rsi, venom_rsi(c, n, r), n, "rsi");
            }
        }
    }
    /* the walk over a ring that dropped its oldest candles starts from the new first one */
    venom_trend_state_t st;
    venom_trend_closed(&st, c + 100, 300, 8, 21, 50, 14);
    venom_trend_t t;
    venom_trend_finish(&st, c + 100, 301, 8, 21, 50, 14, &t);
    s_same_bits(t.ema_slow, venom_ema(c + 100, 301, 50), 301, "slid ema_slow");
    s_same_bits(t.rsi, venom_rsi(c + 100, 301, 14), 301, "slid rsi");
    assert_false(isnan(t.rsi));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atr_is_mean_of_true_ranges_in_pips),
        cmocka_unit_test(test_ema_is_seeded_with_sma_then_steps_with_alpha),
        cmocka_unit_test(test_rsi_uses_wilder_smoothing),
        cmocka_unit_test(test_rsi_is_100_without_losses_and_50_when_flat),
        cmocka_unit_test(test_bollinger_uses_population_std_dev),
        cmocka_unit_test(test_swing_high_needs_two_strictly_lower_bars_each_side),
        cmocka_unit_test(test_equal_highs_are_not_swings),
        cmocka_unit_test(test_swings_ignore_the_last_two_bars),
        cmocka_unit_test(test_swing_lows_and_lowest),
        cmocka_unit_test(test_candle_shape_ratios),
        cmocka_unit_test(test_sessions_by_utc_hour_and_bonus),
        cmocka_unit_test(test_rounding_helpers),
        cmocka_unit_test(test_carried_trend_is_bit_identical_to_the_full_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
