/*  test_venom_detectors.c: each VENOM detector (src/modules/venom/detectors.c) on crafted M5
 *  sequences: one that fires (direction, confidence by hand) and near misses that must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "modules/venom/venom_core.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_near(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

/*  Prices in "pips" (pip = 1.0) so every distance below is exact. */
#define PIP 1.0
#define ASIAN_0300 (1757894400000LL + 3 * 3600000LL)    /* Monday, session bonus 0 */
#define OVERLAP_1300 (1757894400000LL + 13 * 3600000LL) /* bonus +5 */

static bitten_candle_t s_c(double o, double h, double l, double c)
{
    return (bitten_candle_t){0, o, h, l, c, 0};
}

static void s_flat(bitten_candle_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        c[i] = s_c(1000, 1002, 998, 1000);
        c[i].time = (bitten_ms_t)i * 300000;
    }
}

/*  Input with A pinned to 10 (the floor) so the thresholds are max(fixed, x A) as in venom.md. */
static venom_eval_input_t s_input(const venom_params_t *p, const bitten_candle_t *c, size_t n,
                                  bitten_ms_t now)
{
    venom_eval_input_t in;
    venom_eval_input_init(&in, p, c, n, PIP, now);
    in.a = 10.0;
    return in;
}

/* ---------------------------------------------------------------- LSR */

#define LSR_N 25
static void s_lsr_sell_setup(bitten_candle_t *c)
{
    s_flat(c, LSR_N);
    c[10].high = 1010;                   /* the swing high */
    c[23] = s_c(1000, 1002, 999, 1001);  /* prev bullish */
    c[24] = s_c(1006, 1016, 1004, 1005); /* sweep 6, wick 10/12, close 5 back below */
}

static void test_lsr_sell_fires_on_sweep_of_swing_high_and_close_back(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[LSR_N];
    s_lsr_sell_setup(c);
    venom_eval_input_t in = s_input(&p, c, LSR_N, ASIAN_0300);
    venom_detection_t d = venom_detect_liquidity_sweep(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_SELL);
    assert_near(d.level, 1010, 0);
    assert_near(d.size_pips, 6, 1e-12);
    /* 55 + min(15, 2 x 6) + min(12, 30 x 0.833) + min(8, 5) + 0 = 84 */
    assert_near(d.confidence, 84.0, 1e-9);
    in = s_input(&p, c, LSR_N, OVERLAP_1300);
    assert_near(venom_detect_liquidity_sweep(&p, &in).confidence, 89.0, 1e-9);
}

static void test_lsr_near_misses_do_not_fire(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[LSR_N];
    venom_eval_input_t in;

    s_lsr_sell_setup(c);
    c[24] = s_c(1006, 1012.9, 1004, 1005); /* sweep 2.9 < max(3, 0.15 x 10) */
    in = s_input(&p, c, LSR_N, ASIAN_0300);
    assert_false(venom_detect_liquidity_sweep(&p, &in).fired);

    s_lsr_sell_setup(c);
    c[24] = s_c(1010.12, 1016, 1004, 1005); /* upper wick 5.88 / 12 = 0.49 */
    in = s_input(&p, c, LSR_N, ASIAN_0300);
    assert_false(venom_detect_liquidity_sweep(&p, &in).fired);

    s_lsr_sell_setup(c);
    c[23] = s_c(1001, 1002, 999, 1000); /* prev bearish */
    in = s_input(&p, c, LSR_N, ASIAN_0300);
    assert_false(venom_detect_liquidity_sweep(&p, &in).fired);

    s_lsr_sell_setup(c);
    c[24] = s_c(1015, 1016, 1004, 1010); /* closes at the level, not below */
    in = s_input(&p, c, LSR_N, ASIAN_0300);
    assert_false(venom_detect_liquidity_sweep(&p, &in).fired);

    s_lsr_sell_setup(c);
    c[10].high = 1002; /* no swing high at all */
    in = s_input(&p, c, LSR_N, ASIAN_0300);
    assert_false(venom_detect_liquidity_sweep(&p, &in).fired);
}

static void test_lsr_buy_mirrors_on_swing_low(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[LSR_N];
    s_flat(c, LSR_N);
    c[12].low = 990;
    c[23] = s_c(1001, 1002, 999, 1000); /* prev bearish */
    c[24] = s_c(994, 996, 980, 995);    /* sweep 10, lower wick 14/16, close 5 back above */
    venom_eval_input_t in = s_input(&p, c, LSR_N, ASIAN_0300);
    venom_detection_t d = venom_detect_liquidity_sweep(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_BUY);
    /* 55 + min(15, 20) + 12 + min(8, 5) = 87 */
    assert_near(d.confidence, 87.0, 1e-9);
}

/* ---------------------------------------------------------------- FVG */

#define FVG_N 12
static void s_fvg_setup(bitten_candle_t *c)
{
    s_flat(c, FVG_N);
    c[8] = s_c(1002, 1012, 1000, 1011); /* middle: body 9 / 12 = 0.75 */
    c[9] = s_c(1009, 1016, 1008, 1015); /* k: low 1008 over c[7].high 1002: gap 6 */
    c[10] = s_c(1015, 1016, 1011, 1012);
    c[11] = s_c(1012, 1013, 1003, 1004); /* cur: back inside the gap, not filled */
}

static void test_fvg_fires_when_cur_is_inside_an_unfilled_bullish_gap(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[FVG_N];
    s_fvg_setup(c);
    venom_eval_input_t in = s_input(&p, c, FVG_N, ASIAN_0300);
    venom_detection_t d = venom_detect_fair_value_gap(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_BUY);
    assert_near(d.size_pips, 6, 1e-12);
    assert_near(d.shape, 0.75, 1e-12);
    /* 65 + min(12, 1.5 x 6) + min(10, 12 x 0.75) = 83 */
    assert_near(d.confidence, 83.0, 1e-9);
}

static void test_fvg_near_misses_do_not_fire(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[FVG_N];
    venom_eval_input_t in;

    s_fvg_setup(c);
    c[8] = s_c(1003.92, 1012, 1000, 1011); /* middle body 7.08 / 12 = 0.59 */
    in = s_input(&p, c, FVG_N, ASIAN_0300);
    assert_false(venom_detect_fair_value_gap(&p, &in).fired);

    s_fvg_setup(c);
    c[9].low = 1006.9; /* gap 4.9 < max(5, 0.5 x 10) */
    in = s_input(&p, c, FVG_N, ASIAN_0300);
    assert_false(venom_detect_fair_value_gap(&p, &in).fired);

    s_fvg_setup(c);
    c[11].low = 1002; /* fully filled */
    in = s_input(&p, c, FVG_N, ASIAN_0300);
    assert_false(venom_detect_fair_value_gap(&p, &in).fired);

    s_fvg_setup(c);
    c[11].close = 1009; /* cur closes above the gap */
    in = s_input(&p, c, FVG_N, ASIAN_0300);
    assert_false(venom_detect_fair_value_gap(&p, &in).fired);
}

/*  The gap's first candle (index 7) pads out with in-gap candles before cur. */
static size_t s_fvg_padded(bitten_candle_t *c, size_t n)
{
    s_fvg_setup(c);
    bitten_candle_t cur = c[FVG_N - 1];
    for (size_t i = FVG_N - 1; i < n - 1; i++)
        c[i] = s_c(1012, 1013, 1005, 1008);
    c[n - 1] = cur;
    return n;
}

static void test_fvg_ignores_gaps_older_than_the_last_ten_candles(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[18];
    venom_eval_input_t in = s_input(&p, c, s_fvg_padded(c, 17), ASIAN_0300);
    assert_true(venom_detect_fair_value_gap(&p, &in).fired); /* k-2 = 7 = 17 - 10 */
    in = s_input(&p, c, s_fvg_padded(c, 18), ASIAN_0300);
    assert_false(venom_detect_fair_value_gap(&p, &in).fired); /* k-2 = 7 < 18 - 10 */
}

/* ---------------------------------------------------------------- OBB */

#define OBB_N 20
static void s_obb_setup(bitten_candle_t *c)
{
    s_flat(c, OBB_N);                  /* flat filler: open == close, no colour */
    c[14] = s_c(1001, 1002, 997, 998); /* the block: bearish */
    c[15] = s_c(998, 1009, 997.5, 1008);
    c[16] = s_c(1008, 1021, 1007, 1020); /* impulse 1020 - 998 = 22 >= 2 A over 2 candles */
    c[17] = s_c(1020, 1021, 1011, 1012);
    c[18] = s_c(1012, 1013, 1007, 1008);
    c[19] = s_c(1003, 1007, 999, 1006); /* cur: low 999 in [997, 1002], wick 4 / 8 */
}

static void test_obb_fires_on_rejection_from_the_block(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[OBB_N];
    s_obb_setup(c);
    venom_eval_input_t in = s_input(&p, c, OBB_N, ASIAN_0300);
    venom_detection_t d = venom_detect_order_block(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_BUY);
    assert_near(d.size_pips, 22, 1e-12);
    assert_near(d.level, 1002, 0);
    /* 62 + min(12, 3 x 22 / 10) + min(8, 20 x 0.5) = 76.6 */
    assert_near(d.confidence, 76.6, 1e-9);
}

static void test_obb_near_misses_do_not_fire(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[OBB_N];
    venom_eval_input_t in;

    s_obb_setup(c);
    c[19] = s_c(1002.12, 1007, 999, 1006); /* rejection wick 3.12 / 8 = 0.39 */
    in = s_input(&p, c, OBB_N, ASIAN_0300);
    assert_false(venom_detect_order_block(&p, &in).fired);

    s_obb_setup(c);
    c[16].close = 1017.9; /* impulse 19.9 < 2 A */
    in = s_input(&p, c, OBB_N, ASIAN_0300);
    assert_false(venom_detect_order_block(&p, &in).fired);

    s_obb_setup(c);
    c[19] = s_c(1003, 1007, 996, 1006); /* trades through the block, not into it */
    in = s_input(&p, c, OBB_N, ASIAN_0300);
    assert_false(venom_detect_order_block(&p, &in).fired);

    s_obb_setup(c);
    c[19] = s_c(1000.5, 1003, 999, 1001.5); /* closes inside the block */
    in = s_input(&p, c, OBB_N, ASIAN_0300);
    assert_false(venom_detect_order_block(&p, &in).fired);
}

/* ---------------------------------------------------------------- BB */

static venom_eval_input_t s_bb_input(const venom_params_t *p, bitten_candle_t *c)
{
    s_flat(c, 30);
    c[29] = s_c(1000, 1010, 999, 1001); /* upper wick 9 / 11 */
    venom_eval_input_t in = s_input(p, c, 30, ASIAN_0300);
    in.bb_upper = 1006;
    in.bb_lower = 990;
    in.rsi = 75;
    return in;
}

static void test_bb_sell_fires_above_upper_band_with_high_rsi(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[30];
    venom_eval_input_t in = s_bb_input(&p, c);
    venom_detection_t d = venom_detect_bb_scalp(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_SELL);
    assert_near(d.size_pips, 4, 1e-12);
    /* 68 + min(10, 0.67 x 10) + min(8, 2 x 4) = 82.7 */
    assert_near(d.confidence, 82.7, 1e-9);
}

static void test_bb_near_misses_do_not_fire(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[30];
    venom_eval_input_t in = s_bb_input(&p, c);
    in.rsi = 64.9;
    assert_false(venom_detect_bb_scalp(&p, &in).fired);

    in = s_bb_input(&p, c);
    c[29] = s_c(1004.61, 1010, 999, 1001); /* upper wick 5.39 / 11 = 0.49 */
    assert_false(venom_detect_bb_scalp(&p, &in).fired);

    in = s_bb_input(&p, c);
    in.bb_upper = 1010.5; /* high below the band */
    assert_false(venom_detect_bb_scalp(&p, &in).fired);

    in = s_bb_input(&p, c);
    in.bb_upper = 1000.5; /* close 1001 not back inside */
    assert_false(venom_detect_bb_scalp(&p, &in).fired);
}

static void test_bb_buy_mirrors_with_low_rsi(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[30];
    venom_eval_input_t in = s_bb_input(&p, c);
    c[29] = s_c(996, 997, 984, 995); /* lower wick 11 / 13 */
    in.rsi = 30;
    in.bb_lower = 987;
    in.bb_upper = 1100;
    venom_detection_t d = venom_detect_bb_scalp(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_BUY);
    /* 68 + 0.67 x 5 + min(8, 2 x 3) = 77.35 -> 77.4 (round1) */
    assert_near(d.confidence, 77.4, 1e-9);
    in.rsi = 35.1;
    assert_false(venom_detect_bb_scalp(&p, &in).fired);
}

/* ---------------------------------------------------------------- MB */

#define MB_N 10
static void s_mb_setup(bitten_candle_t *c)
{
    for (int i = 0; i < MB_N - 1; i++)
        c[i] = s_c(1000, 1002, 998, 1001);     /* span 4, mean range 4 */
    c[MB_N - 1] = s_c(1001, 1010, 1000, 1009); /* range 10 (ratio 2.5), body 0.8, +7 */
}

static void test_mb_fires_on_breakout_of_a_tight_range(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[MB_N];
    s_mb_setup(c);
    venom_eval_input_t in = s_input(&p, c, MB_N, ASIAN_0300);
    in.ema_mid = 1001;
    in.ema_mid_prev = 1000; /* EMA21 rising: +5 */
    venom_detection_t d = venom_detect_momentum_burst(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_BUY);
    assert_near(d.extra, 2.5, 1e-12);
    /* 66 + min(12, 6 x 1.2) + min(6, 12 x 0.2) + 5 = 80.6 */
    assert_near(d.confidence, 80.6, 1e-9);
    in.ema_mid = 999; /* against the slope: no bonus */
    assert_near(venom_detect_momentum_burst(&p, &in).confidence, 75.6, 1e-9);
}

static void test_mb_near_misses_do_not_fire(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[MB_N];
    venom_eval_input_t in;

    s_mb_setup(c);
    c[MB_N - 1] = s_c(999, 1005.5, 998.5, 1004.9); /* closes 2.9 beyond the high */
    in = s_input(&p, c, MB_N, ASIAN_0300);
    assert_false(venom_detect_momentum_burst(&p, &in).fired);

    s_mb_setup(c);
    c[MB_N - 1] = s_c(1000.1, 1005.26, 1000.1, 1005.2); /* range ratio 5.16 / 4 = 1.29 */
    in = s_input(&p, c, MB_N, ASIAN_0300);
    assert_false(venom_detect_momentum_burst(&p, &in).fired);

    s_mb_setup(c);
    c[MB_N - 1] = s_c(1003.1, 1010, 1000, 1009); /* body 5.9 / 10 = 0.59 */
    in = s_input(&p, c, MB_N, ASIAN_0300);
    assert_false(venom_detect_momentum_burst(&p, &in).fired);

    s_mb_setup(c);
    c[0].high = 1013.1; /* span 15.1 > max(15, 1.5 x 10) */
    c[MB_N - 1] = s_c(1001, 1030, 1000, 1028);
    in = s_input(&p, c, MB_N, ASIAN_0300);
    assert_false(venom_detect_momentum_burst(&p, &in).fired);
}

/* ---------------------------------------------------------------- ERS */

static venom_eval_input_t s_ers_input(const venom_params_t *p, bitten_candle_t *c)
{
    s_flat(c, 60);
    c[58] = s_c(1001, 1002, 998, 999);   /* prev: pullback to/below EMA21 */
    c[59] = s_c(999, 1003, 998.5, 1002); /* cur: back above */
    venom_eval_input_t in = s_input(p, c, 60, ASIAN_0300);
    in.ema_fast = 1004;
    in.ema_mid = 1000.5;
    in.ema_mid_prev = 1000;
    in.ema_slow = 998;
    in.rsi = 50;
    return in;
}

static void test_ers_fires_on_pullback_in_ordered_emas(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[60];
    venom_eval_input_t in = s_ers_input(&p, c);
    venom_detection_t d = venom_detect_ema_rsi(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_BUY);
    assert_near(d.size_pips, 6, 1e-12);
    /* 64 + min(10, 2 x 6 / 10 x 5) = 70 */
    assert_near(d.confidence, 70.0, 1e-9);
}

static void test_ers_near_misses_do_not_fire(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[60];
    venom_eval_input_t in = s_ers_input(&p, c);
    in.rsi = 60.1;
    assert_false(venom_detect_ema_rsi(&p, &in).fired);
    in = s_ers_input(&p, c);
    in.rsi = 39.9;
    assert_false(venom_detect_ema_rsi(&p, &in).fired);
    in = s_ers_input(&p, c);
    in.ema_fast = 1000.9; /* EMA8 - EMA50 = 2.9 < max(3, 0.3 x 10) */
    assert_false(venom_detect_ema_rsi(&p, &in).fired);
    in = s_ers_input(&p, c);
    c[58].close = 1000.1; /* prev did not pull back to EMA21 */
    assert_false(venom_detect_ema_rsi(&p, &in).fired);
    in = s_ers_input(&p, c);
    in.ema_mid = 1004.5; /* EMA8 < EMA21: not ordered */
    assert_false(venom_detect_ema_rsi(&p, &in).fired);
}

static void test_ers_sell_mirrors_and_clamps_to_its_range(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_candle_t c[60];
    venom_eval_input_t in = s_ers_input(&p, c);
    c[58] = s_c(999, 1002, 998, 1001);
    c[59] = s_c(1001, 1001.5, 997, 998);
    in.ema_fast = 990;
    in.ema_mid = 999;
    in.ema_mid_prev = 1000;
    in.ema_slow = 1005;    /* spread 15 -> min(10, 15) = 10 */
    in.session_bonus = 20; /* 64 + 10 + 20 = 94 -> clamped to 88 */
    venom_detection_t d = venom_detect_ema_rsi(&p, &in);
    assert_true(d.fired);
    assert_int_equal(d.direction, VENOM_SELL);
    assert_near(d.confidence, 88.0, 1e-9);
}

/* ---------------------------------------------------------------- selection */

static void test_select_takes_highest_confidence_and_earlier_row_on_ties(void **state)
{
    venom_detection_t d[VENOM_PATTERN_COUNT] = {0};
    assert_int_equal(venom_select(d, VENOM_PATTERN_COUNT, 60), -1);
    d[1] = (venom_detection_t){.fired = true, .confidence = 75};
    d[3] = (venom_detection_t){.fired = true, .confidence = 75};
    d[5] = (venom_detection_t){.fired = true, .confidence = 70};
    d[0] = (venom_detection_t){.fired = false, .confidence = 99};
    assert_int_equal(venom_select(d, VENOM_PATTERN_COUNT, 60), 1);
    d[4] = (venom_detection_t){.fired = true, .confidence = 75.1};
    assert_int_equal(venom_select(d, VENOM_PATTERN_COUNT, 60), 4);
}

static void test_select_refuses_best_below_min_confidence(void **state)
{
    venom_detection_t d[2] = {{.fired = true, .confidence = 59.9}, {.fired = false}};
    assert_int_equal(venom_select(d, 2, 60), -1);
    d[0].confidence = 60.0;
    assert_int_equal(venom_select(d, 2, 60), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lsr_sell_fires_on_sweep_of_swing_high_and_close_back),
        cmocka_unit_test(test_lsr_near_misses_do_not_fire),
        cmocka_unit_test(test_lsr_buy_mirrors_on_swing_low),
        cmocka_unit_test(test_fvg_fires_when_cur_is_inside_an_unfilled_bullish_gap),
        cmocka_unit_test(test_fvg_near_misses_do_not_fire),
        cmocka_unit_test(test_fvg_ignores_gaps_older_than_the_last_ten_candles),
        cmocka_unit_test(test_obb_fires_on_rejection_from_the_block),
        cmocka_unit_test(test_obb_near_misses_do_not_fire),
        cmocka_unit_test(test_bb_sell_fires_above_upper_band_with_high_rsi),
        cmocka_unit_test(test_bb_near_misses_do_not_fire),
        cmocka_unit_test(test_bb_buy_mirrors_with_low_rsi),
        cmocka_unit_test(test_mb_fires_on_breakout_of_a_tight_range),
        cmocka_unit_test(test_mb_near_misses_do_not_fire),
        cmocka_unit_test(test_ers_fires_on_pullback_in_ordered_emas),
        cmocka_unit_test(test_ers_near_misses_do_not_fire),
        cmocka_unit_test(test_ers_sell_mirrors_and_clamps_to_its_range),
        cmocka_unit_test(test_select_takes_highest_confidence_and_earlier_row_on_ties),
        cmocka_unit_test(test_select_refuses_best_below_min_confidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
