/*  test_venom_engine.c: VENOM's evaluation (src/modules/venom/engine.c): stops and targets,
 *  ids, skip rules, rate control, the tick path end to end, context, and real-data replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

#define SEC 1000LL
#define MIN 60000LL
#define HOUR 3600000LL
#define DAY 86400000LL
#define MON_0915 1757894400000LL /* Monday 2025-09-15 00:00 UTC */
#define FRI_0912 (MON_0915 - 3 * DAY)
#define SUN_0914 (MON_0915 - 1 * DAY)

/* ================================================================ stops, targets, ids */

static venom_detection_t s_det(venom_pattern_t pat, venom_direction_t dir, double conf)
{
    return (venom_detection_t){.fired = true, .pattern = pat, .direction = dir, .confidence = conf};
}

static void test_sl_is_a_times_pattern_multiple_and_tp_is_class_ratio(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    venom_detection_t d = s_det(VENOM_LIQUIDITY_SWEEP_REVERSAL, VENOM_BUY, 80);
    venom_signal_t s;
    venom_build_signal(&p, bitten_symbols_find(t, "EURUSD"), &d, 12.34, 1.10000, 0.8,
                       VENOM_SESSION_OVERLAP, MON_0915 + 13 * HOUR, 1, &s);
    assert_near(s.sl_pips, 24.7, 1e-12); /* round1(12.34 x 2.0) */
    assert_near(s.tp_pips, 49.4, 1e-12); /* x 2.0 PRECISION_STRIKE */
    assert_near(s.rr, 2.0, 1e-12);
    assert_near(s.sl_price, 1.09753, 1e-12);
    assert_near(s.tp_price, 1.10494, 1e-12);
    assert_string_equal(s.class_str, "PRECISION_STRIKE");
    assert_string_equal(s.pattern_str, "LIQUIDITY_SWEEP_REVERSAL");
    assert_string_equal(s.direction_str, "BUY");
    assert_string_equal(s.session_str, "OVERLAP");
    assert_int_equal(s.expires_at - s.created_at, 60 * SEC);
    assert_string_equal(s.signal_id, "VENOM_EURUSD_1757941200");

    d = s_det(VENOM_MOMENTUM_BURST, VENOM_SELL, 80); /* RAPID: x 1.5, SL above entry */
    venom_build_signal(&p, bitten_symbols_find(t, "USDJPY"), &d, 17.0, 147.5004, 1.0,
                       VENOM_SESSION_LONDON, MON_0915 + 8 * HOUR, 1, &s);
    assert_near(s.sl_pips, 17.0, 1e-12);
    assert_near(s.tp_pips, 25.5, 1e-12);
    assert_near(s.rr, 1.5, 1e-12);
    assert_near(s.sl_price, 147.670, 1e-9); /* 147.6704 rounded to 3 digits */
    assert_near(s.tp_price, 147.245, 1e-9); /* 147.2454 */
    assert_string_equal(s.class_str, "RAPID_ASSAULT");
    bitten_symbols_destroy(&t);
}

static void test_sl_has_symbol_floor_and_1000_pip_cap(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    venom_signal_t s;
    venom_detection_t d = s_det(VENOM_BB_SCALP, VENOM_BUY, 70); /* 0.9 x 10 = 9 -> 15 */
    venom_build_signal(&p, bitten_symbols_find(t, "EURUSD"), &d, 10, 1.1, 0, 0, MON_0915, 1, &s);
    assert_near(s.sl_pips, 15.0, 1e-12);
    assert_near(s.tp_pips, 22.5, 1e-12);
    venom_build_signal(&p, bitten_symbols_find(t, "GBPJPY"), &d, 10, 199.0, 0, 0, MON_0915, 1, &s);
    assert_near(s.sl_pips, 20.0, 1e-12);
    venom_build_signal(&p, bitten_symbols_find(t, "XAUUSD"), &d, 10, 3650.0, 0, 0, MON_0915, 1, &s);
    assert_near(s.sl_pips, 30.0, 1e-12);
    assert_near(s.sl_price, 3647.0, 1e-9);
    d = s_det(VENOM_LIQUIDITY_SWEEP_REVERSAL, VENOM_SELL, 70); /* 2 x 800 = 1600 -> 1000 */
    venom_build_signal(&p, bitten_symbols_find(t, "XAUUSD"), &d, 800, 3650.0, 0, 0, MON_0915, 1,
                       &s);
    assert_near(s.sl_pips, 1000.0, 1e-12);
    assert_near(s.tp_pips, 2000.0, 1e-12);
    assert_near(s.sl_price, 3750.0, 1e-9);
    bitten_symbols_destroy(&t);
}

static void test_signal_id_gets_suffix_on_collision(void **state)
{
    char id[BITTEN_ID_MAX + 1];
    assert_int_equal(venom_format_signal_id(id, sizeof id, "EURUSD", 1757941260999LL, 1), 0);
    assert_string_equal(id, "VENOM_EURUSD_1757941260");
    venom_format_signal_id(id, sizeof id, "EURUSD", 1757941260999LL, 2);
    assert_string_equal(id, "VENOM_EURUSD_1757941260_2");
    venom_format_signal_id(id, sizeof id, "EURUSD", 1757941260999LL, 3);
    assert_string_equal(id, "VENOM_EURUSD_1757941260_3");
    char small[10];
    assert_int_equal(venom_format_signal_id(small, sizeof small, "EURUSD", 1, 1), -1);
}

/* ================================================================ skip rules */

static void test_weekend_is_friday_2100_to_sunday_2100_utc(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    assert_false(venom_is_weekend(&p, FRI_0912 + 20 * HOUR + 59 * MIN));
    assert_true(venom_is_weekend(&p, FRI_0912 + 21 * HOUR));
    assert_true(venom_is_weekend(&p, FRI_0912 + DAY + 12 * HOUR)); /* Saturday */
    assert_true(venom_is_weekend(&p, SUN_0914 + 20 * HOUR + 59 * MIN + 59 * SEC));
    assert_false(venom_is_weekend(&p, SUN_0914 + 21 * HOUR));
    assert_false(venom_is_weekend(&p, MON_0915 + 3 * HOUR));
    assert_int_equal(venom_skip_check(&p, 50, FRI_0912 + 21 * HOUR, 0, 0), VENOM_SKIP_WEEKEND);
}

static void test_skip_rules_few_candles_and_stale_boundaries(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_ms_t now = MON_0915 + 13 * HOUR;
    assert_int_equal(venom_skip_check(&p, 49, now, now, now), VENOM_SKIP_FEW_CANDLES);
    assert_int_equal(venom_skip_check(&p, 50, now, now, now), VENOM_SKIP_NONE);
    assert_int_equal(venom_skip_check(&p, 50, now, now, now + 60 * SEC), VENOM_SKIP_NONE);
    assert_int_equal(venom_skip_check(&p, 50, now, now, now + 60 * SEC + 1), VENOM_SKIP_STALE);
    assert_string_equal(venom_skip_str(VENOM_SKIP_STALE), "STALE");
}

/* ================================================================ rate control */

static void test_cooldown_blocks_at_4_59_and_allows_at_5_00(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_rate_t r = {0};
    venom_daily_t d = {.day = -1};
    bitten_ms_t t0 = MON_0915 + 13 * HOUR;
    assert_int_equal(venom_rate_check(&p, &r, &d, t0), VENOM_RATE_OK);
    venom_rate_record(&p, &r, &d, t0);
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + 4 * MIN + 59 * SEC), VENOM_RATE_COOLDOWN);
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + 5 * MIN), VENOM_RATE_OK);
}

static void test_at_most_three_per_rolling_hour_per_symbol(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_rate_t r = {0};
    venom_daily_t d = {.day = -1};
    bitten_ms_t t0 = MON_0915 + 13 * HOUR;
    venom_rate_record(&p, &r, &d, t0);
    venom_rate_record(&p, &r, &d, t0 + 5 * MIN);
    venom_rate_record(&p, &r, &d, t0 + 10 * MIN);
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + 15 * MIN), VENOM_RATE_WINDOW_CAP);
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + HOUR - 1), VENOM_RATE_WINDOW_CAP);
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + HOUR), VENOM_RATE_OK);
    venom_rate_record(&p, &r, &d, t0 + HOUR);
    /* now t0+5, t0+10, t0+60 are the last three: blocked until t0+65 */
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + HOUR + 5 * MIN - 1), VENOM_RATE_COOLDOWN);
    assert_int_equal(venom_rate_check(&p, &r, &d, t0 + HOUR + 5 * MIN - 1 + 1), VENOM_RATE_OK);
    /* (t0+5 has just left the window at t0+65) */
}

static void test_daily_cap_is_global_per_utc_day(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    assert_int_equal(p.max_per_day, 0); /* off by default: the session budgets replace it */
    p.max_per_day = 60;
    for (int s = 0; s < VENOM_SESSION_COUNT; s++)
        p.max_per_session[s] = 0;
    venom_daily_t d = {.day = -1};
    bitten_ms_t t0 = MON_0915 + 1 * HOUR;
    for (int i = 0; i < 60; i++) {
        venom_rate_t fresh = {0}; /* a different symbol each time */
        assert_int_equal(venom_rate_check(&p, &fresh, &d, t0 + i * MIN), VENOM_RATE_OK);
        venom_rate_record(&p, &fresh, &d, t0 + i * MIN);
    }
    venom_rate_t fresh = {0};
    assert_int_equal(venom_rate_check(&p, &fresh, &d, MON_0915 + DAY - 1), VENOM_RATE_DAILY_CAP);
    assert_int_equal(venom_rate_check(&p, &fresh, &d, MON_0915 + DAY), VENOM_RATE_OK);
    assert_string_equal(venom_rate_verdict_str(VENOM_RATE_DAILY_CAP), "DAILY_CAP");
}

//  A session's budget is per occurrence: ASIAN 23:00-07:00 is one, the next LONDON is fresh.
static void test_session_budget_spans_midnight_and_leaves_other_sessions_alone(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    p.max_per_session[VENOM_SESSION_ASIAN] = 2;
    venom_daily_t d = {.day = -1};
    bitten_ms_t asian_2330 = MON_0915 - 30 * MIN;   /* Sunday 23:30 UTC */
    bitten_ms_t asian_0300 = MON_0915 + 3 * HOUR;   /* Monday 03:00: the same ASIAN */
    venom_rate_t a = {0}, b = {0}, c = {0};
    venom_rate_record(&p, &a, &d, asian_2330);
    venom_rate_record(&p, &b, &d, asian_0300);
    assert_int_equal(venom_rate_check(&p, &c, &d, asian_0300 + HOUR), VENOM_RATE_SESSION_CAP);
    assert_int_equal(venom_rate_check(&p, &c, &d, MON_0915 + 8 * HOUR), VENOM_RATE_OK); /* LONDON */
    assert_int_equal(venom_rate_check(&p, &c, &d, asian_2330 + DAY), VENOM_RATE_OK); /* next ASIAN */
    assert_string_equal(venom_rate_verdict_str(VENOM_RATE_SESSION_CAP), "SESSION_CAP");
}

static void test_symbol_day_budget_counts_one_symbol(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    p.max_per_symbol_day = 2;
    p.cooldown_s = 0;
    venom_daily_t d = {.day = -1};
    venom_rate_t eur = {0}, gbp = {0};
    venom_rate_record(&p, &eur, &d, MON_0915);
    venom_rate_record(&p, &eur, &d, MON_0915 + 2 * HOUR);
    assert_int_equal(venom_rate_check(&p, &eur, &d, MON_0915 + 4 * HOUR), VENOM_RATE_SYMBOL_DAY_CAP);
    assert_int_equal(venom_rate_check(&p, &gbp, &d, MON_0915 + 4 * HOUR), VENOM_RATE_OK);
    assert_int_equal(venom_rate_check(&p, &eur, &d, MON_0915 + DAY), VENOM_RATE_OK);
}

//  ATR exits: SL from the raw ATR, floored by the symbol's min stop and the floor, capped.
static void test_atr_exit_mode_sizes_the_stop_from_volatility(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    bitten_symbol_t eur = *bitten_symbols_find(t, "EURUSD");
    //  FIXED (default): max(min stop 15, A x 1.2)
    assert_true(venom_stop_pips(&p, &eur, VENOM_FAIR_VALUE_GAP_FILL, 10.0, 3.0) == 15.0);
    p.exit_mode = VENOM_EXIT_ATR;
    eur.min_stop_pips = 0.0; /* a broker that allows tight stops */
    assert_true(venom_stop_pips(&p, &eur, VENOM_FAIR_VALUE_GAP_FILL, 10.0, 3.0) == 5.0); /* floor */
    assert_true(venom_stop_pips(&p, &eur, VENOM_FAIR_VALUE_GAP_FILL, 10.0, 8.0) == 12.0); /* 1.5 x 8 */
    assert_true(venom_stop_pips(&p, &eur, VENOM_FAIR_VALUE_GAP_FILL, 50.0, 50.0) == 60.0); /* cap */
    eur.min_stop_pips = 15.0; /* the symbol's minimum stop still applies */
    assert_true(venom_stop_pips(&p, &eur, VENOM_FAIR_VALUE_GAP_FILL, 10.0, 8.0) == 15.0);
    //  no ATR yet: the fixed rule
    assert_true(venom_stop_pips(&p, &eur, VENOM_FAIR_VALUE_GAP_FILL, 20.0, NAN) == 24.0);
    venom_detection_t det = {.fired = true, .pattern = VENOM_BB_SCALP, .direction = VENOM_BUY};
    venom_signal_t s;
    eur.min_stop_pips = 0.0;
    venom_build_signal_exits(&p, &eur, &det, 10.0, 8.0, 1.1, 0.8, VENOM_SESSION_LONDON, MON_0915,
                             1, &s);
    assert_true(s.sl_pips == 12.0 && s.tp_pips == 18.0); /* TP = SL x 1.5 (RAPID) */
    assert_string_equal(venom_exit_mode_str(VENOM_EXIT_ATR), "atr");
    bitten_symbols_destroy(&t);
}

/* ================================================================ the tick path */

static bitten_tick_t s_tick(const char *sym, bitten_ms_t ts, double price)
{
    bitten_tick_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%.16s", sym);
    t.bid = t.ask = price;
    t.spread = 10; /* points: 1 pip on EURUSD */
    t.has_spread = true;
    t.timestamp = ts;
    return t;
}

/*  Warm-up: `closed` flat M5 candles up to bucket tb (exclusive) with a swing high of
 *  1.10100 ten bars back and a bullish last bar; then an M1 starting at tm (inside tb's
 *  M5) that sweeps it to 1.10160 and comes back to 1.10040. The caller sends the closing
 *  tick: LIQUIDITY_SWEEP_REVERSAL SELL, sweep 6, wick 0.833, back 6: 55+12+12+6 + session. */
static void s_lsr_warmup(venom_engine_t *e, const char *sym, int closed, bitten_ms_t tb,
                         bitten_ms_t tm)
{
    bitten_candle_t *c = calloc((size_t)closed, sizeof *c);
    for (int i = 0; i < closed; i++)
        c[i] =
            (bitten_candle_t){tb - (closed - i) * 5 * MIN, 1.10000, 1.10020, 1.09980, 1.10000, 0};
    c[closed - 10].high = 1.10100;
    c[closed - 1].close = 1.10010;
    assert_int_equal(venom_engine_on_candles(e, sym, 300, c, (size_t)closed), closed);
    free(c);
    bitten_tick_t t;
    t = s_tick(sym, tm, 1.10060);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, NULL), 0);
    t = s_tick(sym, tm + 20 * SEC, 1.10160);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, NULL), 0);
    t = s_tick(sym, tm + 40 * SEC, 1.10040);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, NULL), 0);
}

static int s_close_tick(venom_engine_t *e, const char *sym, bitten_ms_t ts, venom_signal_t *out)
{
    bitten_tick_t t = s_tick(sym, ts, 1.10040);
    bitten_reason_t why;
    return venom_engine_on_tick(e, &t, out, &why);
}

static venom_engine_t *s_engine(const venom_params_t *p)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    venom_engine_t *e = venom_engine_new(p, t);
    bitten_symbols_destroy(&t); /* the engine keeps its own copy */
    assert_non_null(e);
    return e;
}

static void test_engine_emits_lsr_signal_on_m1_close(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_engine_t *e = s_engine(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    venom_signal_t s;
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, &s), 1);
    assert_string_equal(s.signal_id, "VENOM_EURUSD_1757941260");
    assert_string_equal(s.symbol, "EURUSD");
    assert_int_equal(s.pattern, VENOM_LIQUIDITY_SWEEP_REVERSAL);
    assert_int_equal(s.direction, VENOM_SELL);
    assert_near(s.confidence, 90.0, 1e-9); /* OVERLAP +5 */
    assert_near(s.atr_pips, 10.0, 1e-12);  /* ATR 67/14 pips, floored to 10 */
    assert_near(s.entry, 1.10040, 1e-12);
    assert_near(s.sl_pips, 20.0, 1e-12);
    assert_near(s.tp_pips, 40.0, 1e-12);
    assert_near(s.sl_price, 1.10240, 1e-12);
    assert_near(s.tp_price, 1.09640, 1e-12);
    assert_near(s.spread_pips, 1.0, 1e-12);
    assert_int_equal(s.created_at, tb + MIN);
    assert_int_equal(s.expires_at, tb + 2 * MIN);

    venom_context_t ctx;
    assert_int_equal(venom_engine_context(e, "EURUSD", &ctx), 0);
    assert_int_equal(ctx.m5_count, 60);
    assert_int_equal(ctx.m1_count, 1);
    assert_int_equal(ctx.last_tick_at, tb + MIN);
    assert_int_equal(ctx.newest_tick_at, tb + MIN);
    assert_near(ctx.last_spread_pips, 1.0, 1e-12);
    assert_near(ctx.median_spread_pips, 1.0, 1e-12);
    assert_int_equal(ctx.spread_samples, 4);
    assert_near(ctx.atr_pips, 64.0 / 14.0, 1e-9); /* 13 ranges of 4, the swing bar 12 */
    assert_near(ctx.swings.highest, 1.10100, 1e-12);
    assert_true(ctx.sweep_for_sell);
    assert_false(ctx.sweep_for_buy);
    assert_int_equal(ctx.session, VENOM_SESSION_OVERLAP);
    assert_true(isfinite(ctx.atr_percentile));
    assert_int_equal(venom_engine_context(e, "BTCUSD", &ctx), -1);

    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.signals, 1);
    venom_engine_destroy(&e);
    assert_null(e);
    venom_engine_destroy(&e);
}

static void test_engine_drops_unknown_symbol_and_out_of_order_ticks(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_engine_t *e = s_engine(&p);
    bitten_reason_t why = BITTEN_R_OK;
    bitten_tick_t t = s_tick("BTCUSD", MON_0915, 1.0);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, &why), -1);
    assert_int_equal(why, BITTEN_R_UNKNOWN_SYMBOL);
    t = s_tick("EURUSD", MON_0915 + MIN + 5 * SEC, 1.1);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, &why), 0);
    t = s_tick("EURUSD", MON_0915 + MIN - 1, 1.1);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, &why), -1);
    assert_int_equal(why, BITTEN_R_TICK_OUT_OF_ORDER);
    t = s_tick("EURUSD", MON_0915 + 2 * MIN, NAN);
    assert_int_equal(venom_engine_on_tick(e, &t, NULL, &why), -1);
    assert_int_equal(why, BITTEN_R_OUT_OF_RANGE);
    assert_int_equal(venom_engine_on_candles(e, "BTCUSD", 300, NULL, 0), -1);
    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.unknown_symbol, 1);
    assert_int_equal(st.out_of_order, 1);
    venom_engine_destroy(&e);
}

static void test_engine_skips_with_fewer_than_50_m5_candles(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    venom_engine_t *e = s_engine(&p);
    s_lsr_warmup(e, "EURUSD", 48, tb, tb); /* 48 closed + forming = 49 */
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 0);
    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.skipped[VENOM_SKIP_FEW_CANDLES], 1);
    venom_engine_destroy(&e);

    e = s_engine(&p);
    s_lsr_warmup(e, "EURUSD", 49, tb, tb); /* 50 */
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 1);
    venom_engine_destroy(&e);
}

static int s_lsr_at(const venom_params_t *p, bitten_ms_t tm, venom_signal_t *s)
{
    venom_engine_t *e = s_engine(p);
    bitten_ms_t tb = tm - tm % (5 * MIN);
    s_lsr_warmup(e, "EURUSD", 60, tb, tm);
    int r = s_close_tick(e, "EURUSD", tm + MIN, s);
    venom_engine_destroy(&e);
    return r;
}

static void test_engine_weekend_boundaries(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_signal_t s;
    assert_int_equal(s_lsr_at(&p, FRI_0912 + 20 * HOUR + 58 * MIN, &s), 1); /* eval 20:59 */
    assert_near(s.confidence, 88.0, 1e-9);                                  /* NEWYORK +3 */
    assert_int_equal(s_lsr_at(&p, FRI_0912 + 20 * HOUR + 59 * MIN, &s), 0); /* eval 21:00 */
    assert_int_equal(s_lsr_at(&p, SUN_0914 + 20 * HOUR + 58 * MIN, &s), 0); /* eval 20:59 */
    assert_int_equal(s_lsr_at(&p, SUN_0914 + 20 * HOUR + 59 * MIN, &s), 1); /* eval 21:00 */
    assert_near(s.confidence, 80.0, 1e-9);                                  /* LATE -5 */
}

static void test_engine_min_confidence(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_signal_t s;
    p.min_confidence = 90.0;
    assert_int_equal(s_lsr_at(&p, MON_0915 + 13 * HOUR, &s), 1);
    p.min_confidence = 90.1;
    assert_int_equal(s_lsr_at(&p, MON_0915 + 13 * HOUR, &s), 0);
}

static void test_engine_staleness_boundary_60s(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    for (int late = 0; late <= 1; late++) {
        venom_engine_t *e = s_engine(&p);
        s_lsr_warmup(e, "EURUSD", 60, tb, tb);
        bitten_tick_t other = s_tick("GBPUSD", tb + MIN + 60 * SEC + late, 1.35);
        assert_int_equal(venom_engine_on_tick(e, &other, NULL, NULL), 0);
        assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), late ? 0 : 1);
        venom_stats_t st;
        venom_engine_stats(e, &st);
        assert_int_equal(st.skipped[VENOM_SKIP_STALE], late ? 1 : 0);
        venom_engine_destroy(&e);
    }
}

/*  First signal at 13:01:00; the same M5 bar is evaluated again when the M1 13:04 closes. */
static int s_second_signal_after(bitten_ms_t delay_after_first, venom_stats_t *st)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_engine_t *e = s_engine(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    venom_signal_t s;
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, &s), 1);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + 4 * MIN, NULL), 0); /* 3:00: cooldown */
    int r = s_close_tick(e, "EURUSD", tb + MIN + delay_after_first, &s);
    venom_engine_stats(e, st);
    venom_engine_destroy(&e);
    return r;
}

static void test_engine_cooldown_4_59_blocked_5_00_allowed(void **state)
{
    venom_stats_t st;
    assert_int_equal(s_second_signal_after(5 * MIN - 1, &st), 0);
    assert_int_equal(st.rate_blocked[VENOM_RATE_COOLDOWN], 2);
    assert_int_equal(s_second_signal_after(5 * MIN, &st), 1);
    assert_int_equal(st.signals, 2);
}

static void test_engine_daily_cap_counts_all_symbols(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    p.max_per_day = 1;
    venom_engine_t *e = s_engine(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 1);
    s_lsr_warmup(e, "GBPUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "GBPUSD", tb + MIN, NULL), 0);
    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.rate_blocked[VENOM_RATE_DAILY_CAP], 1);
    //  13:01 UTC is OVERLAP: the drop and the signal are counted there
    assert_int_equal(st.rate_blocked_by_session[VENOM_RATE_DAILY_CAP][VENOM_SESSION_OVERLAP], 1);
    assert_int_equal(st.rate_blocked_by_session[VENOM_RATE_DAILY_CAP][VENOM_SESSION_ASIAN], 0);
    assert_int_equal(st.signals_by_session[VENOM_SESSION_OVERLAP], 1);
    venom_engine_destroy(&e);
}

static void test_engine_session_budget_blocks_with_its_own_verdict(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    p.max_per_session[VENOM_SESSION_OVERLAP] = 1;
    venom_engine_t *e = s_engine(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 1);
    s_lsr_warmup(e, "GBPUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "GBPUSD", tb + MIN, NULL), 0);
    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.rate_blocked[VENOM_RATE_SESSION_CAP], 1);
    assert_int_equal(st.rate_blocked_by_session[VENOM_RATE_SESSION_CAP][VENOM_SESSION_OVERLAP], 1);
    venom_engine_destroy(&e);
}

/* ================================================================ real data replays */

typedef struct {
    bitten_tick_t tick;
    size_t order;
} s_seq_tick_t;

static int s_cmp_tick(const void *a, const void *b)
{
    const s_seq_tick_t *x = a, *y = b;
    if (x->tick.timestamp != y->tick.timestamp)
        return x->tick.timestamp < y->tick.timestamp ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/*  Each CSV bar becomes 4 ticks: open, low then high (bullish bar) or high then low, close,
 *  at +0, +1, +2, +3 steps of step_ms. bid = ask = mid; spread = the symbol's typical. */
static s_seq_tick_t *s_expand_csv(const char *path, const bitten_symbols_t *syms,
                                  bitten_ms_t step_ms, size_t *count)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = 1024, n = 0;
    s_seq_tick_t *out = malloc(cap * sizeof *out);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        long long ts;
        char sym[32];
        double o, h, l, c, v;
        if (sscanf(line, "%lld,%31[^,],%lf,%lf,%lf,%lf,%lf", &ts, sym, &o, &h, &l, &c, &v) != 7)
            continue;
        const bitten_symbol_t *spec = bitten_symbols_find(syms, sym);
        assert_non_null(spec);
        double px[4] = {o, c >= o ? l : h, c >= o ? h : l, c};
        for (int k = 0; k < 4; k++) {
            if (n == cap) {
                cap *= 2;
                out = realloc(out, cap * sizeof *out);
            }
            s_seq_tick_t *t = &out[n];
            t->tick = s_tick(sym, ts * 1000 + k * step_ms, px[k]);
            t->tick.spread = spec->typical_spread * spec->pip / spec->point;
            t->order = n++;
        }
    }
    fclose(f);
    qsort(out, n, sizeof *out, s_cmp_tick);
    *count = n;
    return out;
}

static size_t s_replay(const s_seq_tick_t *ticks, size_t n, venom_signal_t *sigs, size_t cap,
                       venom_stats_t *st)
{
    venom_params_t p;
    venom_params_default(&p);
    venom_engine_t *e = s_engine(&p);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        venom_signal_t s;
        bitten_reason_t why;
        int r = venom_engine_on_tick(e, &ticks[i].tick, &s, &why);
        assert_true(r >= 0);
        if (r == 1 && found < cap)
            sigs[found++] = s;
    }
    venom_engine_stats(e, st);
    venom_engine_destroy(&e);
    return found;
}

static void s_check_signals(const venom_signal_t *sigs, size_t n)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    for (size_t i = 0; i < n; i++) {
        const venom_signal_t *s = &sigs[i];
        const bitten_symbol_t *sym = bitten_symbols_find(t, s->symbol);
        assert_non_null(sym);
        if (s->direction == VENOM_BUY) {
            assert_true(s->sl_price < s->entry && s->tp_price > s->entry);
        } else {
            assert_true(s->sl_price > s->entry && s->tp_price < s->entry);
        }
        double ratio = s->signal_class == VENOM_RAPID_ASSAULT ? 1.5 : 2.0;
        assert_int_equal(s->signal_class, venom_pattern_class(s->pattern));
        assert_near(s->tp_pips, venom_round1(s->sl_pips * ratio), 1e-9);
        assert_true(s->sl_pips >= sym->min_stop_pips && s->sl_pips <= 1000.0);
        assert_true(s->confidence >= 60.0 && s->confidence <= 92.0);
        assert_true(s->atr_pips >= 10.0);
        assert_int_equal(s->expires_at - s->created_at, 60 * SEC);
        assert_false(venom_is_weekend(&p, s->created_at));
        assert_int_equal(strncmp(s->signal_id, "VENOM_", 6), 0);
        /* rate control held: 5 min apart, 3 per rolling hour, per symbol */
        int same = 0;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(sigs[j].symbol, s->symbol) != 0)
                continue;
            assert_true(s->created_at - sigs[j].created_at >= 5 * MIN);
            if (s->created_at - sigs[j].created_at < HOUR)
                same++;
            assert_string_not_equal(sigs[j].signal_id, s->signal_id);
        }
        assert_true(same < 3);
    }
    bitten_symbols_destroy(&t);
}

static void s_assert_same(const venom_signal_t *a, const venom_signal_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a[i].signal_id, b[i].signal_id);
        assert_int_equal(a[i].pattern, b[i].pattern);
        assert_int_equal(a[i].direction, b[i].direction);
        assert_true(a[i].confidence == b[i].confidence && a[i].entry == b[i].entry &&
                    a[i].sl_price == b[i].sl_price && a[i].tp_price == b[i].tp_price &&
                    a[i].atr_pips == b[i].atr_pips);
    }
}

static void s_replay_file(const char *name, bitten_ms_t step_ms)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    size_t n;
    s_seq_tick_t *ticks = s_expand_csv(name, t, step_ms, &n);
    bitten_symbols_destroy(&t);
    assert_true(n > 1000);
    enum { CAP = 4096 };
    venom_signal_t *a = calloc(CAP, sizeof *a), *b = calloc(CAP, sizeof *b);
    venom_stats_t sa, sb;
    size_t na = s_replay(ticks, n, a, CAP, &sa);
    size_t nb = s_replay(ticks, n, b, CAP, &sb);
    assert_int_equal(na, nb);
    s_assert_same(a, b, na);
    s_check_signals(a, na);
    int per[VENOM_PATTERN_COUNT] = {0};
    for (size_t i = 0; i < na; i++)
        per[a[i].pattern]++;
    printf("  %s: %zu ticks, %llu evaluations (%llu few candles, %llu weekend, %llu stale), "
           "%llu detections, %llu below min, %llu rate-blocked, %zu signals:",
           strrchr(name, '/') + 1, n, (unsigned long long)sa.evaluations,
           (unsigned long long)sa.skipped[VENOM_SKIP_FEW_CANDLES],
           (unsigned long long)sa.skipped[VENOM_SKIP_WEEKEND],
           (unsigned long long)sa.skipped[VENOM_SKIP_STALE], (unsigned long long)sa.detections,
           (unsigned long long)sa.below_min_confidence,
           (unsigned long long)(sa.rate_blocked[VENOM_RATE_COOLDOWN] +
                                sa.rate_blocked[VENOM_RATE_WINDOW_CAP] +
                                sa.rate_blocked[VENOM_RATE_DAILY_CAP]),
           na);
    for (int k = 0; k < VENOM_PATTERN_COUNT; k++)
        printf(" %s=%d", venom_pattern_str((venom_pattern_t)k), per[k]);
    printf("\n");
    for (size_t i = 0; i < na && i < 5; i++)
        printf("    %s %s %s conf=%.1f entry=%.5f sl=%.1f tp=%.1f A=%.1f %s\n", a[i].signal_id,
               a[i].direction_str, a[i].pattern_str, a[i].confidence, a[i].entry, a[i].sl_pips,
               a[i].tp_pips, a[i].atr_pips, a[i].session_str);
    free(a);
    free(b);
    free(ticks);
}

static void test_replay_m1_csv_gives_valid_deterministic_signals(void **state)
{
    s_replay_file(BITTEN_DATA_DIR "/candles_m1_2025-09-15.csv", 15 * SEC);
}

static void test_replay_m5_csv_gives_valid_deterministic_signals(void **state)
{
    s_replay_file(BITTEN_DATA_DIR "/candles_m5_2025-09.csv", 75 * SEC);
}

/* ---------------------------------------------------------------- rate state persistence */

static void test_rate_state_round_trips_through_text(void **state)
{
    venom_rate_t r, back;
    memset(&r, 0, sizeof r);
    char buf[VENOM_RATE_TEXT_MAX];
    assert_true(venom_rate_serialize(&r, buf, sizeof buf) > 0);
    assert_string_equal(buf, "v2 day=0 count=0 times=");
    memset(&back, 0x5a, sizeof back);
    assert_int_equal(venom_rate_deserialize(&back, buf), 0);
    assert_int_equal(back.count, 0);
    assert_int_equal(back.day_count, 0);
    r.count = 3;
    r.times[0] = 1757941260000;
    r.times[1] = 1757941560000;
    r.times[2] = 1757941560000; /* equal times stay in order */
    r.day = 20346;
    r.day_count = 5; /* more than the ring holds: the day budget counts beyond the window */
    assert_true(venom_rate_serialize(&r, buf, sizeof buf) > 0);
    assert_string_equal(buf, "v2 day=20346 count=5 times=1757941260000,1757941560000,1757941560000");
    assert_int_equal(venom_rate_deserialize(&back, buf), 0);
    assert_int_equal(back.count, 3);
    assert_memory_equal(back.times, r.times, 3 * sizeof r.times[0]);
    assert_int_equal(back.day, 20346);
    assert_int_equal(back.day_count, 5);
    //  A full ring of the largest times fits VENOM_RATE_TEXT_MAX; one byte less does not.
    venom_rate_t full;
    memset(&full, 0, sizeof full);
    full.count = VENOM_RATE_MAX;
    full.day = INT64_MAX;
    full.day_count = INT32_MAX;
    for (size_t i = 0; i < VENOM_RATE_MAX; i++)
        full.times[i] = INT64_MAX;
    int len = venom_rate_serialize(&full, buf, sizeof buf);
    assert_true(len > 0 && (size_t)len < sizeof buf);
    assert_int_equal(venom_rate_deserialize(&back, buf), 0);
    assert_int_equal(back.count, VENOM_RATE_MAX);
    assert_int_equal(venom_rate_serialize(&full, buf, (size_t)len), -1);
    assert_string_equal(buf, "");

    venom_daily_t d, dback;
    memset(&d, 0, sizeof d);
    d.day = -1;
    char dbuf[VENOM_DAILY_TEXT_MAX];
    assert_true(venom_daily_serialize(&d, dbuf, sizeof dbuf) > 0);
    assert_string_equal(dbuf, "v2 day=-1 count=0 sessions=0:0,0:0,0:0,0:0,0:0");
    d.day = 20346;
    d.count = 7;
    d.session_id[VENOM_SESSION_ASIAN] = 20345; /* the ASIAN session that began at 23:00 */
    d.session_count[VENOM_SESSION_ASIAN] = 4;
    d.session_id[VENOM_SESSION_LONDON] = 20346;
    d.session_count[VENOM_SESSION_LONDON] = 3;
    assert_true(venom_daily_serialize(&d, dbuf, sizeof dbuf) > 0);
    assert_int_equal(venom_daily_deserialize(&dback, dbuf), 0);
    assert_int_equal(dback.day, 20346);
    assert_int_equal(dback.count, 7);
    assert_memory_equal(dback.session_id, d.session_id, sizeof d.session_id);
    assert_memory_equal(dback.session_count, d.session_count, sizeof d.session_count);
    //  The largest values still fit VENOM_DAILY_TEXT_MAX.
    d.day = INT64_MAX;
    d.count = INT32_MAX;
    for (int s = 0; s < VENOM_SESSION_COUNT; s++) {
        d.session_id[s] = INT64_MAX;
        d.session_count[s] = INT32_MAX;
    }
    assert_true(venom_daily_serialize(&d, dbuf, sizeof dbuf) > 0);
    assert_int_equal(venom_daily_deserialize(&dback, dbuf), 0);
    assert_int_equal(dback.session_count[VENOM_SESSION_LATE], INT32_MAX);
}

//  State written by a bittend from before the per-symbol and per-session budgets still reads:
//  the symbol's day count is its times on the newest time's day, the sessions start empty.
static void test_v1_rate_text_still_reads(void **state)
{
    venom_rate_t r;
    memset(&r, 0x5a, sizeof r);
    assert_int_equal(venom_rate_deserialize(&r, "v1 "), 0);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.day_count, 0);
    /* 2025-09-14 23:59 and two on 2025-09-15 (day 20346) */
    assert_int_equal(venom_rate_deserialize(&r, "v1 1757894340000,1757941260000,1757941560000"), 0);
    assert_int_equal(r.count, 3);
    assert_int_equal(r.times[2], 1757941560000);
    assert_int_equal(r.day, 20346);
    assert_int_equal(r.day_count, 2);
    venom_daily_t d;
    memset(&d, 0x5a, sizeof d);
    assert_int_equal(venom_daily_deserialize(&d, "v1 day=20346 count=7"), 0);
    assert_int_equal(d.day, 20346);
    assert_int_equal(d.count, 7);
    for (int s = 0; s < VENOM_SESSION_COUNT; s++)
        assert_int_equal(d.session_count[s], 0);
}

static void test_malformed_rate_text_is_refused_untouched(void **state)
{
    static const char *const bad_rate[] = {
        "", "v2 1", "v1", "v1 x", "v1 1,", "v1 ,1", "v1 -5", "v1 2,1", "v1 1 ", "v1 1,,2",
        "v1 99999999999999999999", "v1 1;2", "v2 day=1 count=1", "v2 day=1 count=-1 times=",
        "v2 day=-2 count=0 times=", "v2 day=1 count=1 times=2,1", "v2 day=1 count=1 times=1 ",
        "v2 day=1 count=99999999999 times=", "v2 day=1  count=1 times=", "v3 day=1 count=1 times=",
    };
    venom_rate_t r, before;
    memset(&r, 0x33, sizeof r);
    before = r;
    for (size_t i = 0; i < sizeof bad_rate / sizeof *bad_rate; i++) {
        if (venom_rate_deserialize(&r, bad_rate[i]) != -1)
            fail_msg("accepted rate text '%s'", bad_rate[i]);
        assert_memory_equal(&r, &before, sizeof r);
    }
    //  More times than the ring holds.
    char many[VENOM_RATE_TEXT_MAX * 2] = "v1 ";
    for (int i = 0; i <= VENOM_RATE_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), i ? ",%d" : "%d", i);
    assert_int_equal(venom_rate_deserialize(&r, many), -1);
    static const char *const bad_day[] = {
        "", "v1 day=1", "v1 day=x count=1", "v1 day=-2 count=1", "v1 day=1 count=-1",
        "v1 day=1 count=1 ", "v1 day=1 count=99999999999", "v1 day=1  count=1",
        "v2 day=1 count=1", "v2 day=1 count=1 sessions=", "v2 day=1 count=1 sessions=1:1,2:2",
        "v2 day=1 count=1 sessions=1:1,1:1,1:1,1:1,1:-1",
        "v2 day=1 count=1 sessions=1:1,1:1,1:1,1:1,1:1,1:1",
        "v2 day=1 count=1 sessions=1:1,1:1,1:1,1:1,1:1 ", "v1 day=1 count=1 sessions=0:0,0:0,0:0,0:0,0:0",
    };
    venom_daily_t d = {42, 42, {0}, {0}};
    for (size_t i = 0; i < sizeof bad_day / sizeof *bad_day; i++) {
        if (venom_daily_deserialize(&d, bad_day[i]) != -1)
            fail_msg("accepted day text '%s'", bad_day[i]);
        assert_int_equal(d.day, 42);
        assert_int_equal(d.count, 42);
    }
    assert_int_equal(venom_rate_deserialize(NULL, "v1 "), -1);
    assert_int_equal(venom_rate_deserialize(&r, NULL), -1);
}

//  A fresh engine given the state of one that signalled holds the cooldown and the day cap,
//  as the daemon does after a restart.
static void test_restored_rate_state_keeps_cooldown_and_daily_cap(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_ms_t tb = MON_0915 + 13 * HOUR;
    venom_engine_t *first = s_engine(&p);
    s_lsr_warmup(first, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(first, "EURUSD", tb + MIN, NULL), 1);
    venom_rate_t rate;
    venom_daily_t day;
    assert_int_equal(venom_engine_rate(first, "EURUSD", &rate), 0);
    assert_int_equal(rate.count, 1);
    assert_int_equal(rate.times[0], tb + MIN);
    venom_engine_daily(first, &day);
    assert_int_equal(day.count, 1);
    assert_int_equal(venom_engine_rate(first, "NOPE", &rate), -1);
    venom_engine_destroy(&first);

    //  Cooldown: the same scenario again on a restored engine is blocked.
    venom_engine_t *e = s_engine(&p);
    assert_int_equal(venom_engine_restore_rate(e, "EURUSD", &rate), 0);
    venom_engine_restore_daily(e, &day);
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 0);
    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.rate_blocked[VENOM_RATE_COOLDOWN], 1);
    venom_engine_destroy(&e);

    //  Day cap (no cooldown): blocked by the restored day counter alone.
    p.cooldown_s = 0;
    p.max_per_day = 1;
    e = s_engine(&p);
    venom_engine_restore_daily(e, &day);
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 0);
    venom_engine_stats(e, &st);
    assert_int_equal(st.rate_blocked[VENOM_RATE_DAILY_CAP], 1);
    venom_engine_destroy(&e);

    //  Without the restore the same engine signals (the test can fail).
    e = s_engine(&p);
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + MIN, NULL), 1);
    venom_rate_t over = {{0}, VENOM_RATE_MAX + 1, 0, 0};
    assert_int_equal(venom_engine_restore_rate(e, "EURUSD", &over), -1);
    assert_int_equal(venom_engine_restore_rate(e, "NOPE", &rate), -1);
    venom_engine_destroy(&e);
}

//  The per-symbol day and per-session budgets survive the text round trip a restart takes.
static void test_restored_rate_state_keeps_symbol_day_and_session_budgets(void **state)
{
    venom_params_t p;
    venom_params_default(&p);
    p.cooldown_s = 0;
    p.max_per_symbol_day = 1;
    p.max_per_session[VENOM_SESSION_OVERLAP] = 1;
    bitten_ms_t tb = MON_0915 + 13 * HOUR; /* OVERLAP */
    venom_engine_t *first = s_engine(&p);
    s_lsr_warmup(first, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(first, "EURUSD", tb + MIN, NULL), 1);
    venom_rate_t rate;
    venom_daily_t day;
    char rate_text[VENOM_RATE_TEXT_MAX], day_text[VENOM_DAILY_TEXT_MAX];
    assert_int_equal(venom_engine_rate(first, "EURUSD", &rate), 0);
    venom_engine_daily(first, &day);
    assert_true(venom_rate_serialize(&rate, rate_text, sizeof rate_text) > 0);
    assert_true(venom_daily_serialize(&day, day_text, sizeof day_text) > 0);
    venom_engine_destroy(&first);
    assert_int_equal(venom_rate_deserialize(&rate, rate_text), 0);
    assert_int_equal(venom_daily_deserialize(&day, day_text), 0);
    assert_int_equal(rate.day_count, 1);
    assert_int_equal(day.session_count[VENOM_SESSION_OVERLAP], 1);

    //  Symbol day budget: the symbol's restored counter alone blocks it (sessions unlimited).
    p.max_per_session[VENOM_SESSION_OVERLAP] = 0;
    venom_engine_t *e = s_engine(&p);
    assert_int_equal(venom_engine_restore_rate(e, "EURUSD", &rate), 0);
    s_lsr_warmup(e, "EURUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "EURUSD", tb + 2 * MIN, NULL), 0);
    venom_stats_t st;
    venom_engine_stats(e, &st);
    assert_int_equal(st.rate_blocked[VENOM_RATE_SYMBOL_DAY_CAP], 1);
    venom_engine_destroy(&e);

    //  Session budget: another symbol, blocked by the restored session counter.
    p.max_per_symbol_day = 0;
    p.max_per_session[VENOM_SESSION_OVERLAP] = 1;
    e = s_engine(&p);
    venom_engine_restore_daily(e, &day);
    s_lsr_warmup(e, "GBPUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "GBPUSD", tb + MIN, NULL), 0);
    venom_engine_stats(e, &st);
    assert_int_equal(st.rate_blocked[VENOM_RATE_SESSION_CAP], 1);
    venom_engine_destroy(&e);

    //  Without the restore the same engine signals (the test can fail).
    e = s_engine(&p);
    s_lsr_warmup(e, "GBPUSD", 60, tb, tb);
    assert_int_equal(s_close_tick(e, "GBPUSD", tb + MIN, NULL), 1);
    venom_engine_destroy(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sl_is_a_times_pattern_multiple_and_tp_is_class_ratio),
        cmocka_unit_test(test_sl_has_symbol_floor_and_1000_pip_cap),
        cmocka_unit_test(test_signal_id_gets_suffix_on_collision),
        cmocka_unit_test(test_weekend_is_friday_2100_to_sunday_2100_utc),
        cmocka_unit_test(test_skip_rules_few_candles_and_stale_boundaries),
        cmocka_unit_test(test_cooldown_blocks_at_4_59_and_allows_at_5_00),
        cmocka_unit_test(test_at_most_three_per_rolling_hour_per_symbol),
        cmocka_unit_test(test_daily_cap_is_global_per_utc_day),
        cmocka_unit_test(test_session_budget_spans_midnight_and_leaves_other_sessions_alone),
        cmocka_unit_test(test_symbol_day_budget_counts_one_symbol),
        cmocka_unit_test(test_atr_exit_mode_sizes_the_stop_from_volatility),
        cmocka_unit_test(test_engine_emits_lsr_signal_on_m1_close),
        cmocka_unit_test(test_engine_drops_unknown_symbol_and_out_of_order_ticks),
        cmocka_unit_test(test_engine_skips_with_fewer_than_50_m5_candles),
        cmocka_unit_test(test_engine_weekend_boundaries),
        cmocka_unit_test(test_engine_min_confidence),
        cmocka_unit_test(test_engine_staleness_boundary_60s),
        cmocka_unit_test(test_engine_cooldown_4_59_blocked_5_00_allowed),
        cmocka_unit_test(test_engine_daily_cap_counts_all_symbols),
        cmocka_unit_test(test_engine_session_budget_blocks_with_its_own_verdict),
        cmocka_unit_test(test_rate_state_round_trips_through_text),
        cmocka_unit_test(test_v1_rate_text_still_reads),
        cmocka_unit_test(test_malformed_rate_text_is_refused_untouched),
        cmocka_unit_test(test_restored_rate_state_keeps_cooldown_and_daily_cap),
        cmocka_unit_test(test_restored_rate_state_keeps_symbol_day_and_session_budgets),
        cmocka_unit_test(test_replay_m1_csv_gives_valid_deterministic_signals),
        cmocka_unit_test(test_replay_m5_csv_gives_valid_deterministic_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
