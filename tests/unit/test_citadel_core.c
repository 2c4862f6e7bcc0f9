/*  test_citadel_core.c: CITADEL's pure core (src/modules/citadel/citadel_core.c): every score
 *  term at its boundaries, labels, always-block rules, the adaptive threshold and evaluate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modules/citadel/citadel_core.h"
#include "modules/venom/venom_core.h" /* venom_params_default: the windows must agree */

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_near(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

#define SEC 1000LL
#define MIN 60000LL
#define HOUR 3600000LL
#define DAY 86400000LL
#define MON_0915 1757894400000LL /* Monday 2025-09-15 00:00 UTC */
#define FRI_0912 (MON_0915 - 3 * DAY)
#define SAT_0913 (MON_0915 - 2 * DAY)
#define SUN_0914 (MON_0915 - 1 * DAY)

static citadel_params_t s_params(void)
{
    citadel_params_t p;
    citadel_params_default(&p);
    return p;
}

/* ================================================================ parameters */

static void test_defaults_carry_every_number_of_modules_md(void **state)
{
    citadel_params_t p = s_params();
    assert_near(p.base_score, 5.0, 0);
    assert_near(p.score_min, 0.0, 0);
    assert_near(p.score_max, 10.0, 0);
    assert_near(p.rr_divisor, 3.0, 0);
    assert_near(p.rr_cap, 1.0, 0);
    assert_near(p.m5_trend_agree, 1.0, 0);
    assert_near(p.m5_trend_disagree, -0.5, 0);
    assert_near(p.m15_trend_agree, 1.0, 0);
    assert_near(p.m15_trend_disagree, -0.5, 0);
    assert_near(p.sweep_bonus, 1.5, 0);
    assert_int_equal(p.sweep_m1_bars, 5);
    assert_near(p.trap_penalty, -1.5, 0);
    assert_near(p.trap_distance_pips, 15.0, 0);
    assert_near(p.atr_high_percentile, 85.0, 0);
    assert_near(p.atr_high_penalty, -1.0, 0);
    assert_near(p.atr_low_percentile, 20.0, 0);
    assert_near(p.atr_low_penalty, -0.5, 0);
    assert_int_equal(p.atr_percentile_bars, 100);
    assert_int_equal(p.overlap_start_hour, 12);
    assert_int_equal(p.overlap_end_hour, 16);
    assert_near(p.overlap_bonus, 0.5, 0);
    assert_int_equal(p.asian_start_hour, 23);
    assert_int_equal(p.asian_end_hour, 7);
    assert_near(p.asian_penalty, -0.5, 0);
    assert_near(p.spread_penalty_ratio, 2.0, 0);
    assert_near(p.spread_penalty, -1.0, 0);
    assert_int_equal(p.spread_median_ticks, 100);
    assert_near(p.approved_min, 8.0, 0);
    assert_near(p.approved_multiplier, 1.0, 0);
    assert_near(p.active_min, 6.0, 0);
    assert_near(p.active_multiplier, 0.75, 0);
    assert_near(p.volatility_zone_min, 4.0, 0);
    assert_near(p.volatility_zone_multiplier, 0.5, 0);
    assert_near(p.spread_block_ratio, 3.0, 0);
    assert_near(p.stale_after_s, 60.0, 0);
    assert_int_equal(p.weekend_start_wday, 5);
    assert_int_equal(p.weekend_start_hour, 21);
    assert_int_equal(p.weekend_end_wday, 0);
    assert_int_equal(p.weekend_end_hour, 21);
    assert_near(p.threshold_base, 70.0, 0);
    assert_near(p.relax1_after_min, 20.0, 0);
    assert_near(p.relax1_threshold, 67.5, 0);
    assert_near(p.relax2_after_min, 35.0, 0);
    assert_near(p.relax2_threshold, 65.0, 0);
    assert_near(p.relax3_after_min, 50.0, 0);
    assert_near(p.relax3_threshold, 62.5, 0);
    assert_near(p.reset_after_min, 90.0, 0);
    assert_near(p.tighten_window_min, 15.0, 0);
    assert_int_equal(p.tighten_min_passes, 3);
    assert_near(p.tighten_add, 5.0, 0);
    char err[128];
    assert_int_equal(citadel_params_validate(&p, err, sizeof err), 0);
}

static void test_validate_rejects_unordered_labels_tiers_and_zero_divisor(void **state)
{
    char err[128];
    citadel_params_t p = s_params();
    p.active_min = 8.0;
    assert_int_equal(citadel_params_validate(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "label"));
    p = s_params();
    p.relax2_after_min = 10.0;
    assert_int_equal(citadel_params_validate(&p, err, sizeof err), -1);
    p = s_params();
    p.rr_divisor = 0.0;
    assert_int_equal(citadel_params_validate(&p, err, sizeof err), -1);
    p = s_params();
    p.tighten_min_passes = CITADEL_PASS_RING + 1;
    assert_int_equal(citadel_params_validate(&p, err, sizeof err), -1);
    p = s_params();
    p.asian_start_hour = 24;
    assert_int_equal(citadel_params_validate(&p, err, sizeof err), -1);
}

static void test_context_windows_agree_with_venom_defaults(void **state)
{
    citadel_params_t p = s_params();
    venom_params_t vp;
    venom_params_default(&vp);
    venom_context_windows_t w = {vp.sweep_m1_bars, vp.atr_percentile_bars, vp.spread_ring};
    char err[128];
    assert_int_equal(citadel_params_check_windows(&p, &w, err, sizeof err), 0);
    w.sweep_m1_bars = 7;
    assert_int_equal(citadel_params_check_windows(&p, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "sweep_m1_bars"));
    w = (venom_context_windows_t){vp.sweep_m1_bars, vp.atr_percentile_bars, 50};
    assert_int_equal(citadel_params_check_windows(&p, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "spread_median_ticks"));
    w = (venom_context_windows_t){vp.sweep_m1_bars, 99, vp.spread_ring};
    assert_int_equal(citadel_params_check_windows(&p, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "atr_percentile_bars"));
}

/* ================================================================ components */

static void test_rr_component_is_rr_over_3_capped_at_1(void **state)
{
    citadel_params_t p = s_params();
    assert_near(citadel_rr_component(2.99, &p), 2.99 / 3.0, 1e-12);
    assert_near(citadel_rr_component(3.0, &p), 1.0, 0);
    assert_near(citadel_rr_component(3.01, &p), 1.0, 0);
    assert_near(citadel_rr_component(1.5, &p), 0.5, 0);
    assert_near(citadel_rr_component(0.0, &p), 0.0, 0);
    assert_near(citadel_rr_component(-1.0, &p), 0.0, 0);
    assert_near(citadel_rr_component(NAN, &p), 0.0, 0);
}

static void test_trend_agrees_only_when_slope_and_ema50_side_agree(void **state)
{
    /* BUY: UP (slope > 0 and above EMA50) agrees, DOWN disagrees, anything else neutral */
    assert_near(citadel_trend_component(VENOM_BUY, 0.4, 12.0, 1.0, -0.5), 1.0, 0);
    assert_near(citadel_trend_component(VENOM_BUY, -0.4, -12.0, 1.0, -0.5), -0.5, 0);
    assert_near(citadel_trend_component(VENOM_BUY, 0.4, -12.0, 1.0, -0.5), 0.0, 0);
    assert_near(citadel_trend_component(VENOM_BUY, -0.4, 12.0, 1.0, -0.5), 0.0, 0);
    assert_near(citadel_trend_component(VENOM_BUY, 0.0, 12.0, 1.0, -0.5), 0.0, 0);
    assert_near(citadel_trend_component(VENOM_BUY, 0.4, 0.0, 1.0, -0.5), 0.0, 0);
    assert_near(citadel_trend_component(VENOM_BUY, NAN, 12.0, 1.0, -0.5), 0.0, 0);
    /* SELL mirrored */
    assert_near(citadel_trend_component(VENOM_SELL, -0.4, -12.0, 1.0, -0.5), 1.0, 0);
    assert_near(citadel_trend_component(VENOM_SELL, 0.4, 12.0, 1.0, -0.5), -0.5, 0);
    assert_near(citadel_trend_component(VENOM_SELL, -0.4, 12.0, 1.0, -0.5), 0.0, 0);
}

static void test_sweep_counts_only_in_the_signals_favour(void **state)
{
    citadel_params_t p = s_params();
    assert_near(citadel_sweep_component(VENOM_BUY, true, false, &p), 1.5, 0);
    assert_near(citadel_sweep_component(VENOM_BUY, false, true, &p), 0.0, 0);
    assert_near(citadel_sweep_component(VENOM_SELL, false, true, &p), 1.5, 0);
    assert_near(citadel_sweep_component(VENOM_SELL, true, false, &p), 0.0, 0);
    assert_near(citadel_sweep_component(VENOM_SELL, false, false, &p), 0.0, 0);
}

static venom_swings_t s_swings(double high, double low)
{
    venom_swings_t s;
    memset(&s, 0, sizeof s);
    s.highest = s.lowest = NAN;
    if (isfinite(high)) {
        s.highs[s.n_highs++] = high;
        s.highest = high;
    }
    if (isfinite(low)) {
        s.lows[s.n_lows++] = low;
        s.lowest = low;
    }
    return s;
}

static void test_buy_under_resistance_within_15_pips_is_a_trap(void **state)
{
    citadel_params_t p = s_params();
    const double pip = 0.0001, entry = 1.10000;
    venom_swings_t at15 = s_swings(1.10150, NAN);    /* 15.0 pips above (15.0000000000006) */
    venom_swings_t at1501 = s_swings(1.101501, NAN); /* 15.01 pips */
    venom_swings_t at0 = s_swings(1.10000, NAN);
    venom_swings_t below = s_swings(1.09990, NAN); /* already above it: not resistance */
    assert_near(citadel_trap_component(VENOM_BUY, entry, pip, &at15, false, &p), -1.5, 0);
    assert_near(citadel_trap_component(VENOM_BUY, entry, pip, &at1501, false, &p), 0.0, 0);
    assert_near(citadel_trap_component(VENOM_BUY, entry, pip, &at0, false, &p), -1.5, 0);
    assert_near(citadel_trap_component(VENOM_BUY, entry, pip, &below, false, &p), 0.0, 0);
    /* a sweep in the signal's favour lifts the trap */
    assert_near(citadel_trap_component(VENOM_BUY, entry, pip, &at15, true, &p), 0.0, 0);
    /* a swing low near a BUY is support, not a trap */
    venom_swings_t low = s_swings(NAN, 1.09950);
    assert_near(citadel_trap_component(VENOM_BUY, entry, pip, &low, false, &p), 0.0, 0);
}

static void test_sell_over_support_within_15_pips_is_a_trap(void **state)
{
    citadel_params_t p = s_params();
    const double pip = 0.0001, entry = 1.10000;
    venom_swings_t at15 = s_swings(NAN, 1.09850);
    venom_swings_t at1501 = s_swings(NAN, 1.098499);
    venom_swings_t two = s_swings(1.10050, 1.09000); /* high near: support far */
    two.lows[two.n_lows++] = 1.09900;                /* a second low, 10 pips below */
    assert_near(citadel_trap_component(VENOM_SELL, entry, pip, &at15, false, &p), -1.5, 0);
    assert_near(citadel_trap_component(VENOM_SELL, entry, pip, &at1501, false, &p), 0.0, 0);
    assert_near(citadel_trap_component(VENOM_SELL, entry, pip, &two, false, &p), -1.5, 0);
    assert_near(citadel_trap_component(VENOM_SELL, entry, pip, &at15, true, &p), 0.0, 0);
    /* JPY pip */
    venom_swings_t jpy = s_swings(NAN, 147.350);
    assert_near(citadel_trap_component(VENOM_SELL, 147.500, 0.01, &jpy, false, &p), -1.5, 0);
}

static void test_volatility_penalises_above_85_and_below_20(void **state)
{
    citadel_params_t p = s_params();
    assert_near(citadel_volatility_component(85.0, &p), 0.0, 0);
    assert_near(citadel_volatility_component(85.01, &p), -1.0, 0);
    assert_near(citadel_volatility_component(100.0, &p), -1.0, 0);
    assert_near(citadel_volatility_component(20.0, &p), 0.0, 0);
    assert_near(citadel_volatility_component(19.99, &p), -0.5, 0);
    assert_near(citadel_volatility_component(0.0, &p), -0.5, 0);
    assert_near(citadel_volatility_component(50.0, &p), 0.0, 0);
    assert_near(citadel_volatility_component(NAN, &p), 0.0, 0);
}

static void test_session_overlap_12_to_16_and_asian_23_to_07(void **state)
{
    citadel_params_t p = s_params();
    bitten_ms_t d = MON_0915;
    assert_near(citadel_session_component(d + 11 * HOUR + 59 * MIN + 59 * SEC, &p), 0.0, 0);
    assert_near(citadel_session_component(d + 12 * HOUR, &p), 0.5, 0);
    assert_near(citadel_session_component(d + 15 * HOUR + 59 * MIN, &p), 0.5, 0);
    assert_near(citadel_session_component(d + 16 * HOUR, &p), 0.0, 0);
    assert_near(citadel_session_component(d + 22 * HOUR + 59 * MIN, &p), 0.0, 0);
    assert_near(citadel_session_component(d + 23 * HOUR, &p), -0.5, 0);
    assert_near(citadel_session_component(d + 0 * HOUR, &p), -0.5, 0);
    assert_near(citadel_session_component(d + 6 * HOUR + 59 * MIN, &p), -0.5, 0);
    assert_near(citadel_session_component(d + 7 * HOUR, &p), 0.0, 0);
}

static void test_spread_above_twice_median_costs_a_point(void **state)
{
    citadel_params_t p = s_params();
    assert_near(citadel_spread_penalty(2.0, 1.0, &p), 0.0, 0);
    assert_near(citadel_spread_penalty(2.0 + 1e-5, 1.0, &p), -1.0, 0);
    assert_near(citadel_spread_penalty(1.4, 0.7, &p), 0.0, 0); /* exactly 2x, binary error */
    assert_near(citadel_spread_penalty(0.5, 0.7, &p), 0.0, 0);
    /* unknown fails closed */
    assert_near(citadel_spread_penalty(1.0, NAN, &p), -1.0, 0);
    assert_near(citadel_spread_penalty(NAN, 1.0, &p), -1.0, 0);
}

/* ================================================================ always-block rules */

static void test_spread_above_three_times_median_blocks(void **state)
{
    citadel_params_t p = s_params();
    assert_false(citadel_spread_blocks(3.0, 1.0, &p));
    assert_true(citadel_spread_blocks(3.0 + 1e-5, 1.0, &p));
    assert_false(citadel_spread_blocks(2.1, 0.7, &p)); /* 3 x 0.7 = 2.0999999999999996 */
    assert_true(citadel_spread_blocks(2.11, 0.7, &p));
    assert_true(citadel_spread_blocks(1.0, NAN, &p));
    assert_true(citadel_spread_blocks(0.1, 0.0, &p));
    assert_false(citadel_spread_blocks(0.0, 0.0, &p));
}

static void test_weekend_runs_from_friday_21_to_sunday_21_utc(void **state)
{
    citadel_params_t p = s_params();
    assert_false(citadel_is_weekend(FRI_0912 + 21 * HOUR - 1, &p));
    assert_true(citadel_is_weekend(FRI_0912 + 21 * HOUR, &p));
    assert_true(citadel_is_weekend(SAT_0913 + 12 * HOUR, &p));
    assert_true(citadel_is_weekend(SUN_0914 + 21 * HOUR - 1, &p));
    assert_false(citadel_is_weekend(SUN_0914 + 21 * HOUR, &p));
    assert_false(citadel_is_weekend(MON_0915 + 2 * DAY + 12 * HOUR, &p));
}

static void test_market_older_than_60_s_is_stale(void **state)
{
    citadel_params_t p = s_params();
    bitten_ms_t t = MON_0915 + 10 * HOUR;
    assert_false(citadel_is_stale(t + 60 * SEC, t, &p));
    assert_true(citadel_is_stale(t + 60 * SEC + 1, t, &p));
    assert_false(citadel_is_stale(t, t, &p));
    assert_true(citadel_is_stale(t, 0, &p)); /* no tick at all */
}

/* ================================================================ labels */

static void s_label_is(double score, citadel_label_t want, double mult)
{
    citadel_params_t p = s_params();
    double m = -1;
    assert_int_equal(citadel_label(score, &p, &m), want);
    assert_near(m, mult, 0);
}

static void test_label_boundaries_and_multipliers(void **state)
{
    s_label_is(0.0, CITADEL_UNVERIFIED, 0.0);
    s_label_is(3.99, CITADEL_UNVERIFIED, 0.0);
    s_label_is(4.0, CITADEL_VOLATILITY_ZONE, 0.5);
    s_label_is(5.99, CITADEL_VOLATILITY_ZONE, 0.5);
    s_label_is(6.0, CITADEL_SHIELD_ACTIVE, 0.75);
    s_label_is(7.99, CITADEL_SHIELD_ACTIVE, 0.75);
    s_label_is(8.0, CITADEL_SHIELD_APPROVED, 1.0);
    s_label_is(10.0, CITADEL_SHIELD_APPROVED, 1.0);
    assert_string_equal(citadel_label_str(CITADEL_SHIELD_APPROVED), "SHIELD_APPROVED");
    assert_string_equal(citadel_label_str(CITADEL_SHIELD_ACTIVE), "SHIELD_ACTIVE");
    assert_string_equal(citadel_label_str(CITADEL_VOLATILITY_ZONE), "VOLATILITY_ZONE");
    assert_string_equal(citadel_label_str(CITADEL_UNVERIFIED), "UNVERIFIED");
}

/* ================================================================ adaptive threshold */

static void test_threshold_relaxes_from_the_first_signal_seen(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t t;
    citadel_threshold_init(&t);
    bitten_ms_t t0 = MON_0915 + 8 * HOUR;
    assert_near(citadel_threshold_at(&t, t0, &p), 70.0, 0); /* no anchor yet */
    citadel_threshold_observe(&t, t0);
    citadel_threshold_observe(&t, t0 + 5 * MIN); /* the first one stays the anchor */
    assert_near(citadel_threshold_at(&t, t0 + 19 * MIN + 59 * SEC, &p), 70.0, 0);
    assert_int_equal(citadel_threshold_tier(&t, t0 + 19 * MIN + 59 * SEC, &p), CITADEL_TIER_BASE);
    assert_near(citadel_threshold_at(&t, t0 + 20 * MIN - 1, &p), 70.0, 0);
    assert_near(citadel_threshold_at(&t, t0 + 20 * MIN, &p), 67.5, 0);
    assert_int_equal(citadel_threshold_tier(&t, t0 + 20 * MIN, &p), CITADEL_TIER_RELAX1);
    assert_near(citadel_threshold_at(&t, t0 + 35 * MIN - 1, &p), 67.5, 0);
    assert_near(citadel_threshold_at(&t, t0 + 35 * MIN, &p), 65.0, 0);
    assert_near(citadel_threshold_at(&t, t0 + 50 * MIN - 1, &p), 65.0, 0);
    assert_near(citadel_threshold_at(&t, t0 + 50 * MIN, &p), 62.5, 0);
    assert_near(citadel_threshold_at(&t, t0 + 90 * MIN - 1, &p), 62.5, 0);
    assert_near(citadel_threshold_at(&t, t0 + 90 * MIN, &p), 70.0, 0);
    assert_int_equal(citadel_threshold_tier(&t, t0 + 90 * MIN, &p), CITADEL_TIER_RESET);
    assert_near(citadel_threshold_at(&t, t0 - MIN, &p), 70.0, 0); /* before the anchor */
    assert_string_equal(citadel_tier_str(CITADEL_TIER_BASE), "BASE_70");
    assert_string_equal(citadel_tier_str(CITADEL_TIER_RELAX1), "RELAX_67_5");
    assert_string_equal(citadel_tier_str(CITADEL_TIER_RELAX2), "RELAX_65");
    assert_string_equal(citadel_tier_str(CITADEL_TIER_RELAX3), "RELAX_62_5");
    assert_string_equal(citadel_tier_str(CITADEL_TIER_RESET), "RESET_70");
}

static void test_a_pass_moves_the_anchor(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t t;
    citadel_threshold_init(&t);
    bitten_ms_t t0 = MON_0915 + 8 * HOUR, t1 = t0 + 40 * MIN;
    citadel_threshold_observe(&t, t0);
    assert_near(citadel_threshold_at(&t, t1, &p), 65.0, 0);
    citadel_threshold_record_pass(&t, t1);
    assert_near(citadel_threshold_at(&t, t1, &p), 70.0, 0);
    assert_near(citadel_threshold_at(&t, t1 + 19 * MIN + 59 * SEC, &p), 70.0, 0);
    assert_near(citadel_threshold_at(&t, t1 + 20 * MIN, &p), 67.5, 0);
    assert_near(citadel_threshold_at(&t, t1 + 35 * MIN, &p), 65.0, 0);
    assert_near(citadel_threshold_at(&t, t1 + 50 * MIN, &p), 62.5, 0);
    assert_near(citadel_threshold_at(&t, t1 + 90 * MIN, &p), 70.0, 0);
}

static void test_three_passes_in_15_min_tighten_by_5(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t t;
    citadel_threshold_init(&t);
    bitten_ms_t t0 = MON_0915 + 13 * HOUR;
    citadel_threshold_observe(&t, t0);
    citadel_threshold_record_pass(&t, t0);
    citadel_threshold_record_pass(&t, t0 + 5 * MIN);
    assert_int_equal(citadel_threshold_recent_passes(&t, t0 + 10 * MIN, &p), 2);
    assert_false(citadel_threshold_tightened(&t, t0 + 10 * MIN, &p));
    assert_near(citadel_threshold_at(&t, t0 + 10 * MIN, &p), 70.0, 0);
    citadel_threshold_record_pass(&t, t0 + 10 * MIN);
    assert_int_equal(citadel_threshold_recent_passes(&t, t0 + 10 * MIN, &p), 3);
    assert_true(citadel_threshold_tightened(&t, t0 + 10 * MIN, &p));
    assert_near(citadel_threshold_at(&t, t0 + 10 * MIN, &p), 75.0, 0);
    /* the pass at t0 is still in the window 1 ms before 15:00 and out at exactly 15:00 */
    assert_near(citadel_threshold_at(&t, t0 + 15 * MIN - 1, &p), 75.0, 0);
    assert_int_equal(citadel_threshold_recent_passes(&t, t0 + 15 * MIN, &p), 2);
    assert_near(citadel_threshold_at(&t, t0 + 15 * MIN, &p), 70.0, 0);
}

static void test_pass_ring_keeps_the_latest_16(void **state)
{
    citadel_threshold_t t;
    citadel_threshold_init(&t);
    for (int i = 0; i < CITADEL_PASS_RING + 4; i++)
        citadel_threshold_record_pass(&t, MON_0915 + i * MIN);
    assert_int_equal(t.n_passes, CITADEL_PASS_RING);
    assert_int_equal(t.passes[0], MON_0915 + 4 * MIN);
    assert_int_equal(t.passes[CITADEL_PASS_RING - 1], MON_0915 + (CITADEL_PASS_RING + 3) * MIN);
    assert_int_equal(t.last_pass_at, MON_0915 + (CITADEL_PASS_RING + 3) * MIN);
}

static void s_assert_same_state(const citadel_threshold_t *a, const citadel_threshold_t *b)
{
    assert_int_equal(a->has_first, b->has_first);
    assert_int_equal(a->first_seen_at, b->first_seen_at);
    assert_int_equal(a->has_pass, b->has_pass);
    assert_int_equal(a->last_pass_at, b->last_pass_at);
    assert_int_equal(a->n_passes, b->n_passes);
    for (size_t i = 0; i < a->n_passes; i++)
        assert_int_equal(a->passes[i], b->passes[i]);
}

static void test_threshold_state_round_trips_through_text(void **state)
{
    citadel_threshold_t t, back;
    char buf[CITADEL_THRESHOLD_TEXT_MAX];
    citadel_threshold_init(&t);
    assert_true(citadel_threshold_serialize(&t, buf, sizeof buf) > 0);
    assert_string_equal(buf, "v1 first=- last=- passes=");
    memset(&back, 0x5a, sizeof back);
    assert_int_equal(citadel_threshold_deserialize(&back, buf), 0);
    s_assert_same_state(&t, &back);

    citadel_threshold_observe(&t, 1757894400000LL);
    citadel_threshold_record_pass(&t, 1757894460000LL);
    citadel_threshold_record_pass(&t, 1757894520000LL);
    int n = citadel_threshold_serialize(&t, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(buf));
    assert_string_equal(buf, "v1 first=1757894400000 last=1757894520000 "
                             "passes=1757894460000,1757894520000");
    assert_int_equal(citadel_threshold_deserialize(&back, buf), 0);
    s_assert_same_state(&t, &back);

    /* a full ring of the longest times still fits CITADEL_THRESHOLD_TEXT_MAX */
    for (int i = 0; i < CITADEL_PASS_RING; i++)
        citadel_threshold_record_pass(&t, INT64_MIN + i);
    t.first_seen_at = INT64_MIN;
    assert_true(citadel_threshold_serialize(&t, buf, sizeof buf) > 0);
    assert_int_equal(citadel_threshold_deserialize(&back, buf), 0);
    s_assert_same_state(&t, &back);

    /* too small a buffer */
    char small[16];
    assert_int_equal(citadel_threshold_serialize(&t, small, sizeof small), -1);
    assert_string_equal(small, "");
}

static void test_malformed_threshold_text_is_refused_and_leaves_state(void **state)
{
    citadel_threshold_t t;
    citadel_threshold_init(&t);
    citadel_threshold_record_pass(&t, 42);
    const char *bad[] = {"",
                         "v2 first=- last=- passes=",
                         "v1 first=x last=- passes=",
                         "v1 first=1 last=2 passes=1,",
                         "v1 first=1 last=2 passes=,1",
                         "v1 first=1 last=2",
                         "v1 first=1 last=- passes=5",
                         "v1 first=1 last=2 passes=1 ",
                         "v1 first=99999999999999999999 last=- passes=",
                         "v1 first=1 last=2 passes=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(citadel_threshold_deserialize(&t, bad[i]), -1);
        assert_int_equal(t.last_pass_at, 42);
        assert_int_equal(t.n_passes, 1);
    }
}

/* ================================================================ evaluate */

static bitten_symbol_t s_eurusd(void)
{
    bitten_symbol_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "EURUSD");
    s.digits = 5;
    s.pip = 0.0001;
    s.point = 0.00001;
    s.pip_value = 10;
    s.min_lot = 0.01;
    s.max_lot = 100;
    s.lot_step = 0.01;
    s.min_stop_pips = 15;
    return s;
}

/*  A clean BUY on Monday 13:00 UTC: rr 2, both trends up, a sweep for BUY, ATR at the 50th
 *  percentile, spread 0.8 against a median of 0.7, no swing near the entry. */
static void s_good_buy(const bitten_symbol_t *sym, venom_signal_t *sig, venom_context_t *ctx)
{
    bitten_ms_t t = MON_0915 + 13 * HOUR;
    memset(sig, 0, sizeof *sig);
    snprintf(sig->signal_id, sizeof sig->signal_id, "VENOM_EURUSD_%lld", (long long)(t / SEC));
    snprintf(sig->symbol, sizeof sig->symbol, "EURUSD");
    sig->direction = VENOM_BUY;
    sig->signal_class = VENOM_PRECISION_STRIKE;
    sig->pattern = VENOM_LIQUIDITY_SWEEP_REVERSAL;
    sig->confidence = 80.0;
    sig->entry = 1.10000;
    sig->sl_pips = 20.0;
    sig->tp_pips = 40.0;
    sig->rr = 2.0;
    sig->atr_pips = 10.0;
    sig->session = VENOM_SESSION_OVERLAP;
    sig->created_at = t;
    sig->expires_at = t + 60 * SEC;
    sig->spread_pips = 0.8;

    memset(ctx, 0, sizeof *ctx);
    ctx->windows = (venom_context_windows_t){5, 100, 100}; /* VENOM's defaults */
    ctx->symbol = sym;
    ctx->last_tick_at = t;
    ctx->newest_tick_at = t;
    ctx->last_price = 1.10000;
    ctx->last_spread_pips = 0.8;
    ctx->median_spread_pips = 0.7;
    ctx->spread_samples = 100;
    ctx->atr_pips = 10.0;
    ctx->atr_percentile = 50.0;
    ctx->m5_ema_mid_slope_pips = 0.6;
    ctx->m5_price_vs_ema_slow_pips = 8.0;
    ctx->m15_ema_mid_slope_pips = 0.3;
    ctx->m15_price_vs_ema_slow_pips = 14.0;
    ctx->swings = s_swings(1.10400, 1.09700); /* 40 pips above, 30 below */
    ctx->sweep_for_buy = true;
    ctx->session = VENOM_SESSION_OVERLAP;
}

static void test_evaluate_approves_a_clean_buy_and_records_the_pass(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    citadel_verdict_t v;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    /* 5 + 2/3 + 1 + 1 + 1.5 + 0 (trap) + 0 (ATR) + 0.5 (overlap), spread 0 */
    assert_near(v.terms.rr, 2.0 / 3.0, 1e-12);
    assert_near(v.terms.m5_trend, 1.0, 0);
    assert_near(v.terms.m15_trend, 1.0, 0);
    assert_near(v.terms.sweep, 1.5, 0);
    assert_near(v.terms.trap, 0.0, 0);
    assert_near(v.terms.volatility, 0.0, 0);
    assert_near(v.terms.session, 0.5, 0);
    assert_near(v.terms.spread, 0.0, 0);
    assert_near(v.score, 9.0 + 2.0 / 3.0, 1e-12);
    assert_int_equal(v.label, CITADEL_SHIELD_APPROVED);
    assert_string_equal(v.label_str, "SHIELD_APPROVED");
    assert_near(v.multiplier, 1.0, 0);
    assert_true(v.passed);
    assert_int_equal(v.n_reasons, 0);
    assert_near(v.threshold, 70.0, 0);
    assert_string_equal(v.tier_str, "BASE_70");
    assert_false(v.tightened);
    assert_int_equal(v.evaluated_at, sig.created_at);
    assert_true(thr.has_pass);
    assert_int_equal(thr.last_pass_at, sig.created_at);
    assert_int_equal(thr.n_passes, 1);
}

static void test_evaluate_refuses_a_context_over_other_windows(void **state)
{
    //  The context travels with the signal: one computed over windows CITADEL's score was not
    //  set up for gets no verdict (the shell logs verdict.unavailable; no fire).
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    citadel_verdict_t v;
    memset(&v, 0x5a, sizeof v);
    citadel_verdict_t before = v;
    ctx.windows.sweep_m1_bars = 6;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), -1);
    assert_memory_equal(&v, &before, sizeof v); /* untouched */
    assert_false(thr.has_first);                /* nothing observed either */
    ctx.windows.sweep_m1_bars = 5;
    ctx.windows.spread_ring = 99;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), -1);
    ctx.windows.spread_ring = 100;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_true(v.passed);
}

static void test_evaluate_lists_every_blocking_reason_in_order(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    bitten_ms_t t = SAT_0913 + 2 * HOUR; /* weekend and Asian hours */
    sig.created_at = t;
    sig.confidence = 62.0;
    sig.rr = 1.5;
    sig.spread_pips = 3.5;
    ctx.last_spread_pips = 3.5; /* 5 x the median */
    ctx.median_spread_pips = 0.7;
    ctx.last_tick_at = t - 2 * MIN; /* stale */
    ctx.newest_tick_at = t;
    ctx.m5_ema_mid_slope_pips = -0.6;
    ctx.m5_price_vs_ema_slow_pips = -8.0;
    ctx.m15_ema_mid_slope_pips = -0.3;
    ctx.m15_price_vs_ema_slow_pips = -14.0;
    ctx.sweep_for_buy = false;
    ctx.sweep_for_sell = true;
    ctx.swings = s_swings(1.10080, 1.09000); /* resistance 8 pips above the BUY */
    ctx.atr_percentile = 92.0;
    citadel_verdict_t v;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    /* 5 + 0.5 - 0.5 - 0.5 + 0 - 1.5 - 1.0 - 0.5 = 1.5, then spread -1.0 = 0.5 */
    assert_near(v.terms.components_score, 1.5, 1e-12);
    assert_near(v.terms.trap, -1.5, 0);
    assert_near(v.terms.session, -0.5, 0);
    assert_near(v.terms.spread, -1.0, 0);
    assert_near(v.score, 0.5, 1e-12);
    assert_int_equal(v.label, CITADEL_UNVERIFIED);
    assert_near(v.multiplier, 0.0, 0);
    assert_false(v.passed);
    assert_int_equal(v.n_reasons, 5);
    assert_int_equal(v.reasons[0], BITTEN_R_SPREAD_TOO_WIDE);
    assert_int_equal(v.reasons[1], BITTEN_R_MARKET_CLOSED);
    assert_int_equal(v.reasons[2], BITTEN_R_STALE_MARKET);
    assert_int_equal(v.reasons[3], BITTEN_R_UNVERIFIED);
    assert_int_equal(v.reasons[4], BITTEN_R_CONFIDENCE_BELOW_THRESHOLD);
    assert_false(thr.has_pass);
    assert_true(thr.has_first); /* a blocked signal still starts the clock */
    assert_int_equal(thr.first_seen_at, t);
}

static void test_evaluate_blocks_a_good_score_on_confidence_alone(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    bitten_ms_t t0 = sig.created_at;
    sig.confidence = 68.0;
    citadel_verdict_t v;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_false(v.passed);
    assert_int_equal(v.label, CITADEL_SHIELD_APPROVED);
    assert_int_equal(v.n_reasons, 1);
    assert_int_equal(v.reasons[0], BITTEN_R_CONFIDENCE_BELOW_THRESHOLD);

    /* 20 min after that first signal the threshold is 67.5: the same confidence passes */
    sig.created_at = ctx.last_tick_at = ctx.newest_tick_at = t0 + 20 * MIN;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_true(v.passed);
    assert_near(v.threshold, 67.5, 0);
    assert_string_equal(v.tier_str, "RELAX_67_5");

    /* and the pass resets it to 70 */
    sig.created_at = ctx.last_tick_at = ctx.newest_tick_at = t0 + 21 * MIN;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_false(v.passed);
    assert_near(v.threshold, 70.0, 0);
}

static void test_evaluate_measures_staleness_against_the_newest_tick(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    citadel_verdict_t v;
    ctx.newest_tick_at = ctx.last_tick_at + 60 * SEC;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_true(v.passed);
    ctx.newest_tick_at = ctx.last_tick_at + 60 * SEC + 1;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_false(v.passed);
    assert_int_equal(v.n_reasons, 1);
    assert_int_equal(v.reasons[0], BITTEN_R_STALE_MARKET);
}

static void test_spread_penalty_applies_after_the_first_clamp(void **state)
{
    citadel_params_t p = s_params();
    p.sweep_bonus = 3.0; /* components now reach 5 + 2/3 + 1 + 1 + 3 + 0.5 > 10 */
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    sig.spread_pips = ctx.last_spread_pips = 1.5; /* > 2 x 0.7, < 3 x 0.7 */
    citadel_verdict_t v;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_near(v.terms.components_score, 10.0, 0);
    assert_near(v.score, 9.0, 0);
    assert_int_equal(v.label, CITADEL_SHIELD_APPROVED);
    assert_true(v.passed);
}

static void test_evaluate_uses_the_wider_spread_and_fails_closed_without_median(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    citadel_verdict_t v;
    ctx.last_spread_pips = 2.2; /* the current tick widened past 3 x 0.7 */
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_int_equal(v.reasons[0], BITTEN_R_SPREAD_TOO_WIDE);
    s_good_buy(&sym, &sig, &ctx);
    ctx.median_spread_pips = NAN;
    ctx.spread_samples = 0;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_false(v.passed);
    assert_int_equal(v.reasons[0], BITTEN_R_SPREAD_TOO_WIDE);
    assert_near(v.terms.spread, -1.0, 0);
}

static void test_evaluate_refuses_bad_input(void **state)
{
    citadel_params_t p = s_params();
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    citadel_verdict_t v;
    memset(&v, 0x5a, sizeof v);
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, NULL, &v), -1);
    assert_int_equal(citadel_evaluate(&p, &thr, NULL, &ctx, &v), -1);
    snprintf(sig.symbol, sizeof sig.symbol, "GBPUSD");
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), -1);
    s_good_buy(&sym, &sig, &ctx);
    ctx.symbol = NULL;
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), -1);
    assert_false(thr.has_first); /* nothing recorded */
}

/* ================================================================ evidence gate */

//  n closed trades of r R each (sd 0: the interval is the mean itself), plus open ones.
static bitten_rstats_t s_record(int n, double r, int open)
{
    bitten_rstats_t s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < n; i++)
        bitten_rstats_add(&s, r > 0 ? BITTEN_OUTCOME_WIN : BITTEN_OUTCOME_LOSS, r, 2.0);
    for (int i = 0; i < open; i++)
        bitten_rstats_add(&s, BITTEN_OUTCOME_OPEN, 1.0, 2.0);
    return s;
}

static void test_evidence_gate_minimum_trades_boundary(void **state)
{
    citadel_params_t p = s_params();
    assert_true(p.evidence_gate);
    assert_int_equal(p.evidence_min_trades, 30);
    assert_near(p.evidence_min_lower_r, 0.0, 0);
    citadel_evidence_t e;
    bitten_rstats_t r = s_record(29, 0.5, 10); /* open trades are not evidence */
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_EVIDENCE_INSUFFICIENT);
    assert_int_equal(e.closed, 29);
    assert_near(e.expectancy_r, 0.5, 1e-12);
    r = s_record(30, 0.5, 0);
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_OK);
    assert_int_equal(e.closed, 30);
    //  The lower bound needs two closed trades whatever the minimum says.
    p.evidence_min_trades = 0;
    r = s_record(1, 0.5, 0);
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_EVIDENCE_INSUFFICIENT);
    assert_true(isnan(e.lower_r));
    r = s_record(2, 0.5, 0);
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_OK);
    //  No record at all.
    assert_int_equal(citadel_evidence_check(&p, NULL, &e), BITTEN_R_EVIDENCE_INSUFFICIENT);
    assert_int_equal(e.closed, 0);
    assert_true(isnan(e.expectancy_r));
}

static void test_evidence_gate_lower_bound_must_be_above_the_floor(void **state)
{
    citadel_params_t p = s_params();
    citadel_evidence_t e;
    bitten_rstats_t r = s_record(40, 0.25, 0); /* lower bound exactly 0.25 */
    p.evidence_min_lower_r = 0.25;                /* equal: not above */
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_NEGATIVE_EXPECTANCY);
    assert_near(e.lower_r, 0.25, 1e-12);
    p.evidence_min_lower_r = 0.2499;
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_OK);
    //  A positive mean whose interval reaches below 0 does not show the edge.
    p.evidence_min_lower_r = 0.0;
    bitten_rstats_t wide;
    memset(&wide, 0, sizeof wide);
    for (int i = 0; i < 40; i++) /* 14 wins at +2, 26 losses at -1: mean +0.05 */
        bitten_rstats_add(&wide, i < 14 ? BITTEN_OUTCOME_WIN : BITTEN_OUTCOME_LOSS,
                          i < 14 ? 2.0 : -1.0, 2.0);
    assert_int_equal(citadel_evidence_check(&p, &wide, &e), BITTEN_R_NEGATIVE_EXPECTANCY);
    assert_near(e.expectancy_r, 0.05, 1e-12);
    assert_true(e.lower_r < 0.0 && e.upper_r > 0.0);
    //  A losing record, and the same with the floor relaxed below its bound.
    r = s_record(40, -0.5, 0);
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_NEGATIVE_EXPECTANCY);
    p.evidence_min_lower_r = -10.0;
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_OK);
    //  Gate off: OK whatever the record, the figures still filled.
    p.evidence_min_lower_r = 0.0;
    p.evidence_gate = false;
    assert_int_equal(citadel_evidence_check(&p, &r, &e), BITTEN_R_OK);
    assert_near(e.expectancy_r, -0.5, 1e-12);
    assert_string_equal(bitten_reason_str(BITTEN_R_NEGATIVE_EXPECTANCY), "NEGATIVE_EXPECTANCY");
    assert_string_equal(bitten_reason_str(BITTEN_R_EVIDENCE_INSUFFICIENT), "EVIDENCE_INSUFFICIENT");
}

static void test_evaluate_gated_blocks_last_and_records_no_pass(void **state)
{
    citadel_params_t p = s_params();
    bitten_symbol_t sym = s_eurusd();
    venom_signal_t sig;
    venom_context_t ctx;
    s_good_buy(&sym, &sig, &ctx);
    citadel_threshold_t thr;
    citadel_verdict_t v;
    //  The clean buy that passes the shield, on a losing record: blocked, no pass recorded.
    citadel_threshold_init(&thr);
    bitten_rstats_t losing = s_record(40, -0.5, 0);
    assert_int_equal(citadel_evaluate_gated(&p, &thr, &sig, &ctx, &losing, &v), 0);
    assert_false(v.passed);
    assert_int_equal(v.n_reasons, 1);
    assert_int_equal(v.reasons[0], BITTEN_R_NEGATIVE_EXPECTANCY);
    assert_true(v.evidence_checked);
    assert_int_equal(v.evidence.gate, BITTEN_R_NEGATIVE_EXPECTANCY);
    assert_int_equal(v.label, CITADEL_SHIELD_APPROVED); /* the score is the shield's */
    assert_false(thr.has_pass);
    assert_int_equal(thr.n_passes, 0);
    //  A winning record: passed, the pass recorded.
    bitten_rstats_t winning = s_record(40, 0.5, 0);
    assert_int_equal(citadel_evaluate_gated(&p, &thr, &sig, &ctx, &winning, &v), 0);
    assert_true(v.passed);
    assert_int_equal(v.evidence.gate, BITTEN_R_OK);
    assert_int_equal(thr.n_passes, 1);
    //  Below the threshold too: the evidence reason comes after it.
    citadel_threshold_init(&thr);
    sig.confidence = 10.0;
    bitten_rstats_t empty;
    memset(&empty, 0, sizeof empty);
    assert_int_equal(citadel_evaluate_gated(&p, &thr, &sig, &ctx, &empty, &v), 0);
    assert_int_equal(v.n_reasons, 2);
    assert_int_equal(v.reasons[0], BITTEN_R_CONFIDENCE_BELOW_THRESHOLD);
    assert_int_equal(v.reasons[1], BITTEN_R_EVIDENCE_INSUFFICIENT);
    //  No record (the replay): no gate.
    sig.confidence = 80.0;
    citadel_threshold_init(&thr);
    assert_int_equal(citadel_evaluate(&p, &thr, &sig, &ctx, &v), 0);
    assert_true(v.passed);
    assert_false(v.evidence_checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_carry_every_number_of_modules_md),
        cmocka_unit_test(test_validate_rejects_unordered_labels_tiers_and_zero_divisor),
        cmocka_unit_test(test_context_windows_agree_with_venom_defaults),
        cmocka_unit_test(test_rr_component_is_rr_over_3_capped_at_1),
        cmocka_unit_test(test_trend_agrees_only_when_slope_and_ema50_side_agree),
        cmocka_unit_test(test_sweep_counts_only_in_the_signals_favour),
        cmocka_unit_test(test_buy_under_resistance_within_15_pips_is_a_trap),
        cmocka_unit_test(test_sell_over_support_within_15_pips_is_a_trap),
        cmocka_unit_test(test_volatility_penalises_above_85_and_below_20),
        cmocka_unit_test(test_session_overlap_12_to_16_and_asian_23_to_07),
        cmocka_unit_test(test_spread_above_twice_median_costs_a_point),
        cmocka_unit_test(test_spread_above_three_times_median_blocks),
        cmocka_unit_test(test_weekend_runs_from_friday_21_to_sunday_21_utc),
        cmocka_unit_test(test_market_older_than_60_s_is_stale),
        cmocka_unit_test(test_label_boundaries_and_multipliers),
        cmocka_unit_test(test_threshold_relaxes_from_the_first_signal_seen),
        cmocka_unit_test(test_a_pass_moves_the_anchor),
        cmocka_unit_test(test_three_passes_in_15_min_tighten_by_5),
        cmocka_unit_test(test_pass_ring_keeps_the_latest_16),
        cmocka_unit_test(test_threshold_state_round_trips_through_text),
        cmocka_unit_test(test_malformed_threshold_text_is_refused_and_leaves_state),
        cmocka_unit_test(test_evaluate_approves_a_clean_buy_and_records_the_pass),
        cmocka_unit_test(test_evaluate_refuses_a_context_over_other_windows),
        cmocka_unit_test(test_evaluate_lists_every_blocking_reason_in_order),
        cmocka_unit_test(test_evaluate_blocks_a_good_score_on_confidence_alone),
        cmocka_unit_test(test_evaluate_measures_staleness_against_the_newest_tick),
        cmocka_unit_test(test_spread_penalty_applies_after_the_first_clamp),
        cmocka_unit_test(test_evaluate_uses_the_wider_spread_and_fails_closed_without_median),
        cmocka_unit_test(test_evaluate_refuses_bad_input),
        cmocka_unit_test(test_evidence_gate_minimum_trades_boundary),
        cmocka_unit_test(test_evidence_gate_lower_bound_must_be_above_the_floor),
        cmocka_unit_test(test_evaluate_gated_blocks_last_and_records_no_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
