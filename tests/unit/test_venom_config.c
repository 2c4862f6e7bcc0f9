/*  test_venom_config.c: the venom.* keys of the config table (src/core/config_keys.c) and
 *  venom_params_from_config (src/modules/venom/params.c): defaults equal venom.md's numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitten/config.h"
#include "modules/venom/venom.h"

//  venom.md's numbers, by hand: the key table (the one place the daemon reads them from) must
//  carry exactly these.
static void s_venom_md_numbers(venom_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->min_confidence = 60.0;
    p->signal_ttl_s = 60;
    p->min_m5_candles = 50;
    p->stale_after_s = 60;
    p->weekend_start_wday = 5;
    p->weekend_start_hour = 21;
    p->weekend_end_wday = 0;
    p->weekend_end_hour = 21;

    p->cooldown_s = 300;
    p->max_per_window = 3;
    p->rate_window_s = 3600;
    p->max_per_day = 0; /* off: the per-symbol and per-session budgets below instead */
    p->max_per_symbol_day = 24;
    p->max_per_session[VENOM_SESSION_ASIAN] = 40;
    p->max_per_session[VENOM_SESSION_LONDON] = 40;
    p->max_per_session[VENOM_SESSION_OVERLAP] = 40;
    p->max_per_session[VENOM_SESSION_NEWYORK] = 40;
    p->max_per_session[VENOM_SESSION_LATE] = 20;

    p->max_hold_s = 28800;

    p->ring_m1 = 1440;
    p->ring_m5 = 600;
    p->ring_m15 = 400;
    p->spread_ring = 100;
    p->atr_percentile_bars = 100;
    p->sweep_m1_bars = 5;

    p->atr_period = 14;
    p->atr_floor_pips = 10.0;
    p->ema_fast = 8;
    p->ema_mid = 21;
    p->ema_slow = 50;
    p->rsi_period = 14;
    p->bb_period = 20;
    p->bb_k = 2.0;
    p->swing_side = 2;
    p->swing_lookback = 20;
    p->swing_skip = 2;

    p->session_start_hour[VENOM_SESSION_ASIAN] = 23;
    p->session_start_hour[VENOM_SESSION_LONDON] = 7;
    p->session_start_hour[VENOM_SESSION_OVERLAP] = 12;
    p->session_start_hour[VENOM_SESSION_NEWYORK] = 16;
    p->session_start_hour[VENOM_SESSION_LATE] = 21;
    p->session_bonus[VENOM_SESSION_ASIAN] = 0.0;
    p->session_bonus[VENOM_SESSION_LONDON] = 4.0;
    p->session_bonus[VENOM_SESSION_OVERLAP] = 5.0;
    p->session_bonus[VENOM_SESSION_NEWYORK] = 3.0;
    p->session_bonus[VENOM_SESSION_LATE] = -5.0;

    p->exit_mode = VENOM_EXIT_FIXED;
    p->atr_sl_mult = 1.5;
    p->atr_sl_floor_pips = 5.0;
    p->atr_sl_cap_pips = 60.0;
    p->sl_cap_pips = 1000.0;
    p->tp_ratio_rapid = 1.5;
    p->tp_ratio_precision = 2.0;

    p->lsr.sweep_min_pips = 3.0;
    p->lsr.sweep_min_atr = 0.15;
    p->lsr.wick_min = 0.5;
    p->lsr.range_min_pips = 2.0;
    p->lsr.sl_atr_mult = 2.0;
    p->lsr.conf = (venom_conf_params_t){55.0, 60.0, 92.0};
    p->lsr.conf_sweep_mult = 2.0;
    p->lsr.conf_sweep_cap = 15.0;
    p->lsr.conf_wick_mult = 30.0;
    p->lsr.conf_wick_cap = 12.0;
    p->lsr.conf_close_cap = 8.0;

    p->fvg.gap_min_pips = 5.0;
    p->fvg.gap_min_atr = 0.5;
    p->fvg.middle_body_min = 0.6;
    p->fvg.lookback = 10;
    p->fvg.sl_atr_mult = 1.2;
    p->fvg.conf = (venom_conf_params_t){65.0, 65.0, 90.0};
    p->fvg.conf_gap_mult = 1.5;
    p->fvg.conf_gap_cap = 12.0;
    p->fvg.conf_body_mult = 12.0;
    p->fvg.conf_body_cap = 10.0;

    p->obb.impulse_min_atr = 2.0;
    p->obb.impulse_max_candles = 3;
    p->obb.lookback = 15;
    p->obb.wick_min = 0.4;
    p->obb.sl_atr_mult = 1.75;
    p->obb.conf = (venom_conf_params_t){62.0, 62.0, 90.0};
    p->obb.conf_impulse_mult = 3.0;
    p->obb.conf_impulse_cap = 12.0;
    p->obb.conf_wick_mult = 20.0;
    p->obb.conf_wick_cap = 8.0;

    p->bb.rsi_sell_min = 65.0;
    p->bb.rsi_buy_max = 35.0;
    p->bb.wick_min = 0.5;
    p->bb.sl_atr_mult = 0.9;
    p->bb.conf = (venom_conf_params_t){68.0, 65.0, 90.0};
    p->bb.conf_rsi_mult = 0.67;
    p->bb.conf_rsi_cap = 10.0;
    p->bb.conf_pen_mult = 2.0;
    p->bb.conf_pen_cap = 8.0;

    p->mb.window = 9;
    p->mb.span_max_pips = 15.0;
    p->mb.span_max_atr = 1.5;
    p->mb.range_ratio_min = 1.3;
    p->mb.body_min = 0.6;
    p->mb.beyond_min_pips = 3.0;
    p->mb.sl_atr_mult = 1.0;
    p->mb.conf = (venom_conf_params_t){66.0, 62.0, 90.0};
    p->mb.conf_ratio_mult = 6.0;
    p->mb.conf_ratio_cap = 12.0;
    p->mb.conf_body_mult = 12.0;
    p->mb.conf_body_cap = 6.0;
    p->mb.conf_slope_bonus = 5.0;

    p->ers.spread_min_pips = 3.0;
    p->ers.spread_min_atr = 0.3;
    p->ers.rsi_min = 40.0;
    p->ers.rsi_max = 60.0;
    p->ers.sl_atr_mult = 1.2;
    p->ers.conf = (venom_conf_params_t){64.0, 60.0, 88.0};
    p->ers.conf_spread_mult = 10.0; /* venom.md: 2 x spread / A x 5 */
    p->ers.conf_spread_cap = 10.0;
}

static void test_defaults_from_the_key_table_are_venom_md_numbers(void **state)
{
    venom_params_t from_table, md;
    venom_params_default(&from_table);
    s_venom_md_numbers(&md);
    assert_memory_equal(&from_table, &md, sizeof md);
    char err[128];
    assert_int_equal(venom_params_validate(&from_table, err, sizeof err), 0);
}

static void test_config_defaults_give_exactly_venom_params_default(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    assert_non_null(cfg);
    venom_params_t from_cfg, defaults;
    char err[256] = "";
    assert_int_equal(venom_params_from_config(cfg, &from_cfg, err, sizeof err), 0);
    venom_params_default(&defaults);
    //  Both start from a zeroed struct, so padding compares equal too.
    assert_memory_equal(&from_cfg, &defaults, sizeof defaults);
    //  A few fields by name, to say what the memcmp means.
    assert_true(from_cfg.min_confidence == 60.0);
    assert_int_equal(from_cfg.signal_ttl_s, 60);
    assert_int_equal(from_cfg.cooldown_s, 300);
    assert_true(from_cfg.lsr.sweep_min_pips == 3.0);
    assert_true(from_cfg.bb.conf_rsi_mult == 0.67);
    assert_true(from_cfg.session_bonus[VENOM_SESSION_LATE] == -5.0);
    bitten_config_destroy(&cfg);
}

//  A value inside the key's range that differs from its default.
static void s_other_value(const bitten_cfg_key_t *k, char *buf, size_t size)
{
    double def = strtod(k->def, NULL);
    double v = def + 1.0 <= k->max ? def + 1.0 : def - 1.0;
    if (k->type == BITTEN_CFG_DOUBLE && !(v >= k->min && v <= k->max))
        v = (k->min + k->max) / 2.0 != def ? (k->min + k->max) / 2.0 : k->max;
    if (k->type == BITTEN_CFG_INT)
        snprintf(buf, size, "%lld", (long long)v);
    else
        snprintf(buf, size, "%.17g", v);
}

//  Every venom.* number is wired to a field: changing the key changes the params.
static void test_every_venom_key_reaches_a_field(void **state)
{
    venom_params_t defaults;
    venom_params_default(&defaults);
    int keys = 0;
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        if (strncmp(k->key, "venom.", 6) != 0 || k->type == BITTEN_CFG_LIST ||
            strcmp(k->key, "venom.exit_mode") == 0) /* the one string: checked below */
            continue;
        assert_true(k->type == BITTEN_CFG_INT || k->type == BITTEN_CFG_DOUBLE);
        assert_true(k->min <= k->max);
        assert_non_null(k->doc);
        keys++;
        bitten_config_t *cfg = bitten_config_new();
        char value[64], err[256] = "";
        s_other_value(k, value, sizeof value);
        if (bitten_config_set(cfg, k->key, value, "cli", err, sizeof err) != 0)
            fail_msg("%s=%s: %s", k->key, value, err);
        venom_params_t p;
        venom_params_from_config(cfg, &p, err, sizeof err); /* may not validate: only wiring */
        if (memcmp(&p, &defaults, sizeof p) == 0)
            fail_msg("key %s does not reach any field of venom_params_t", k->key);
        bitten_config_destroy(&cfg);
    }
    assert_int_equal(keys, 125); /* one per scalar field of venom_params_t */
    bitten_config_t *cfg = bitten_config_new();
    char err[256] = "";
    venom_params_t p;
    assert_int_equal(venom_params_from_config(cfg, &p, err, sizeof err), 0);
    assert_int_equal(p.exit_mode, VENOM_EXIT_FIXED);
    assert_int_equal(bitten_config_set(cfg, "venom.exit_mode", "atr", "cli", err, sizeof err), 0);
    assert_int_equal(venom_params_from_config(cfg, &p, err, sizeof err), 0);
    assert_int_equal(p.exit_mode, VENOM_EXIT_ATR);
    assert_int_not_equal(bitten_config_set(cfg, "venom.exit_mode", "wide", "cli", err, sizeof err), 0);
    bitten_config_destroy(&cfg);
}

static void test_out_of_range_and_inconsistent_values_are_refused(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256] = "";
    assert_int_equal(bitten_config_set(cfg, "venom.min_confidence", "101", "cli", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "outside"));
    //  Within each key's range, but min_m5_candles > ring_m5 + 1: the engine's own check.
    assert_int_equal(bitten_config_set(cfg, "venom.ring_m5", "10", "cli", err, sizeof err), 0);
    venom_params_t p;
    assert_int_equal(venom_params_from_config(cfg, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "min_m5_candles"));
    bitten_config_destroy(&cfg);
}

static void test_venom_symbols_selects_and_must_name_known_symbols(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    bitten_symbols_t *syms = bitten_symbols_new_defaults();
    char err[256] = "";
    venom_selection_t *all = venom_selection_new(cfg);
    assert_non_null(all);
    assert_true(venom_selection_has(all, "EURUSD")); /* empty: all */
    assert_int_equal(venom_selection_count(all), 0);
    assert_int_equal(venom_check_symbols(cfg, syms, err, sizeof err), 0);
    assert_int_equal(
        bitten_config_set(cfg, "venom.symbols", "EURUSD, XAUUSD", "cli", err, sizeof err), 0);
    venom_selection_t *two = venom_selection_new(cfg);
    assert_true(venom_selection_has(two, "XAUUSD"));
    assert_true(venom_selection_has(two, "EURUSD"));
    assert_false(venom_selection_has(two, "GBPUSD"));
    assert_int_equal(venom_selection_count(two), 2);
    //  A copy taken at start: a later config change does not reach it (no lookups per tick).
    assert_int_equal(bitten_config_set(cfg, "venom.symbols", "GBPUSD", "cli", err, sizeof err), 0);
    assert_false(venom_selection_has(two, "GBPUSD"));
    assert_true(venom_selection_has(all, "GBPUSD"));
    assert_int_equal(venom_check_symbols(cfg, syms, err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "venom.symbols", "EURUSD,NOPE", "cli", err, sizeof err),
                     0);
    assert_int_equal(venom_check_symbols(cfg, syms, err, sizeof err), -1);
    assert_non_null(strstr(err, "NOPE"));
    venom_selection_destroy(&two);
    venom_selection_destroy(&all);
    assert_null(all);
    venom_selection_destroy(&all);
    bitten_symbols_destroy(&syms);
    bitten_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_from_the_key_table_are_venom_md_numbers),
        cmocka_unit_test(test_config_defaults_give_exactly_venom_params_default),
        cmocka_unit_test(test_every_venom_key_reaches_a_field),
        cmocka_unit_test(test_out_of_range_and_inconsistent_values_are_refused),
        cmocka_unit_test(test_venom_symbols_selects_and_must_name_known_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
