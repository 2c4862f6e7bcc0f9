/*  test_xp_risk_config.c: every number of XP & risk is a risk.* key, the key table's defaults
 *  are docs/risk.md's numbers, and combinations the ranges cannot express are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "modules/xp_risk/xp_risk.h"

//  docs/risk.md's numbers, by hand: the key table (the one place the daemon reads them from)
//  must carry exactly these.
static void s_risk_md_numbers(risk_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->nibbler = (risk_tier_params_t){1.0, 6.0, 6, 1, 21600};
    p->fang = (risk_tier_params_t){1.25, 8.5, 10, 2, 14400};
    p->commander = (risk_tier_params_t){1.25, 8.5, 20, 3, 14400};
    p->cooldown_after_losses = 2;
    p->medic_daily_loss_pct = 5.0;
    p->medic_risk_multiplier = 0.5;
    p->medic_max_positions = 1;
    p->drawdown_warn_pct = 10.0;
    p->drawdown_halt_pct = 20.0;
    p->margin_level_block_pct = 150.0;
    p->margin_level_alarm_pct = 100.0;
    p->free_margin_min = 50.0;
    p->telemetry_max_age_s = 60;
    p->telemetry_max_age_v7_s = 20;
    p->margin_status_interval_v7_s = 15;
    p->telemetry_max_age_v205_s = 90;
    p->telemetry_max_age_v202_s = 90;
    p->max_fires_per_window = 5;
    p->rate_window_s = 60;
    p->fire_spacing_s = 30;
    p->refuse_hedge = true;
    p->day_rollover_utc = 0;
    p->xp.fire_filled = 5;
    p->xp.closed_profit = 100;
    p->xp.win_streak_bonus = 25;
    p->xp.win_streak_cap = 5;
    p->xp.closed_loss_with_sl = 25;
    p->xp.closed_breakeven = 50;
    p->xp.breakeven_pct = 0.01;
    p->xp.reward_multiple = 25;
    p->xp.reward_multiple_r = 2.0;
}

static void s_assert_tier_equal(const risk_tier_params_t *a, const risk_tier_params_t *b)
{
    assert_true(a->risk_pct == b->risk_pct);
    assert_true(a->daily_loss_pct == b->daily_loss_pct);
    assert_int_equal(a->fires_per_day, b->fires_per_day);
    assert_int_equal(a->max_positions, b->max_positions);
    assert_int_equal(a->cooldown_s, b->cooldown_s);
}

//  Field by field: a struct returned by value need not carry its padding, so no memcmp.
static void s_assert_params_equal(const risk_params_t *a, const risk_params_t *b)
{
    s_assert_tier_equal(&a->nibbler, &b->nibbler);
    s_assert_tier_equal(&a->fang, &b->fang);
    s_assert_tier_equal(&a->commander, &b->commander);
    assert_int_equal(a->cooldown_after_losses, b->cooldown_after_losses);
    assert_true(a->medic_daily_loss_pct == b->medic_daily_loss_pct);
    assert_true(a->medic_risk_multiplier == b->medic_risk_multiplier);
    assert_int_equal(a->medic_max_positions, b->medic_max_positions);
    assert_true(a->drawdown_warn_pct == b->drawdown_warn_pct);
    assert_true(a->drawdown_halt_pct == b->drawdown_halt_pct);
    assert_true(a->margin_level_block_pct == b->margin_level_block_pct);
    assert_true(a->margin_level_alarm_pct == b->margin_level_alarm_pct);
    assert_true(a->free_margin_min == b->free_margin_min);
    assert_int_equal(a->telemetry_max_age_s, b->telemetry_max_age_s);
    assert_int_equal(a->telemetry_max_age_v7_s, b->telemetry_max_age_v7_s);
    assert_int_equal(a->margin_status_interval_v7_s, b->margin_status_interval_v7_s);
    assert_int_equal(a->telemetry_max_age_v205_s, b->telemetry_max_age_v205_s);
    assert_int_equal(a->telemetry_max_age_v202_s, b->telemetry_max_age_v202_s);
    assert_int_equal(a->max_fires_per_window, b->max_fires_per_window);
    assert_int_equal(a->rate_window_s, b->rate_window_s);
    assert_int_equal(a->fire_spacing_s, b->fire_spacing_s);
    assert_int_equal(a->refuse_hedge, b->refuse_hedge);
    assert_int_equal(a->day_rollover_utc, b->day_rollover_utc);
    assert_int_equal(a->xp.fire_filled, b->xp.fire_filled);
    assert_int_equal(a->xp.closed_profit, b->xp.closed_profit);
    assert_int_equal(a->xp.win_streak_bonus, b->xp.win_streak_bonus);
    assert_int_equal(a->xp.win_streak_cap, b->xp.win_streak_cap);
    assert_int_equal(a->xp.closed_loss_with_sl, b->xp.closed_loss_with_sl);
    assert_int_equal(a->xp.closed_breakeven, b->xp.closed_breakeven);
    assert_true(a->xp.breakeven_pct == b->xp.breakeven_pct);
    assert_int_equal(a->xp.reward_multiple, b->xp.reward_multiple);
    assert_true(a->xp.reward_multiple_r == b->xp.reward_multiple_r);
}

static void test_defaults_from_the_key_table_are_risk_md_numbers(void **state)
{
    risk_params_t md;
    s_risk_md_numbers(&md);
    risk_params_t pure = risk_params_default();
    s_assert_params_equal(&pure, &md);
    bitten_config_t *cfg = bitten_config_new();
    risk_params_t from_cfg;
    char err[256];
    assert_int_equal(xp_risk_params_from_config(cfg, &from_cfg, err, sizeof err), 0);
    //  Both start from a zeroed struct, so padding compares equal too.
    assert_memory_equal(&from_cfg, &md, sizeof md);
    bitten_config_destroy(&cfg);
}

//  A value of the key other than its default: the other bool, else an end of its range.
static void s_other_value(const bitten_cfg_key_t *k, char *buf, size_t size)
{
    if (k->type == BITTEN_CFG_BOOL)
        snprintf(buf, size, "%s", strcmp(k->def, "true") == 0 ? "false" : "true");
    else
        snprintf(buf, size, "%.17g", strtod(k->def, NULL) == k->max ? k->min : k->max);
}

//  Every risk.* number is wired to a field: changing the key changes the params.
static void test_every_param_field_has_a_key(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    risk_params_t defaults;
    char err[256];
    assert_int_equal(xp_risk_params_from_config(cfg, &defaults, err, sizeof err), 0);
    assert_int_equal(bitten_config_int(cfg, "risk.snapshot_interval_s"), 60); /* the shell's */
    bitten_config_destroy(&cfg);
    size_t keys = 0;
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        if (strncmp(k->key, "risk.", 5) != 0 || strcmp(k->key, "risk.snapshot_interval_s") == 0)
            continue;
        keys++;
        cfg = bitten_config_new();
        char value[64];
        s_other_value(k, value, sizeof value);
        if (bitten_config_set(cfg, k->key, value, "cli", err, sizeof err) != 0)
            fail_msg("%s=%s: %s", k->key, value, err);
        risk_params_t p;
        xp_risk_params_from_config(cfg, &p, err, sizeof err); /* may not validate: wiring only */
        if (memcmp(&p, &defaults, sizeof p) == 0)
            fail_msg("key %s does not reach any field of risk_params_t", k->key);
        bitten_config_destroy(&cfg);
    }
    //  15 tier numbers + 19 account-wide limits (telemetry freshness: contract, v7, v2.05,
    //  v2.02; v7's margin status asks) + 9 XP numbers: a field added to risk_params_t without its key breaks this
    //  count (and the risk.md numbers test).
    assert_int_equal(keys, 43);
}

static void test_a_key_changes_its_field(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(
        bitten_config_set(cfg, "risk.fang.daily_loss_pct", "7.5", "cli", err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "risk.xp.fire_filled", "7", "cli", err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "risk.refuse_hedge", "false", "cli", err, sizeof err),
                     0);
    risk_params_t p;
    assert_int_equal(xp_risk_params_from_config(cfg, &p, err, sizeof err), 0);
    assert_true(p.fang.daily_loss_pct == 7.5);
    assert_int_equal(p.xp.fire_filled, 7);
    assert_false(p.refuse_hedge);
    bitten_config_destroy(&cfg);
}

static void test_out_of_range_values_are_refused_naming_the_key(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "risk.nibbler.risk_pct", "9", "cli", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "risk.nibbler.risk_pct"));
    assert_int_equal(
        bitten_config_set(cfg, "risk.day_rollover_utc", "1440", "cli", err, sizeof err), -1);
    bitten_config_destroy(&cfg);
}

static void test_warn_at_or_above_halt_is_refused(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "risk.drawdown_warn_pct", "20", "cli", err, sizeof err),
                     0);
    assert_int_equal(xp_risk_check_config(cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "risk.drawdown_warn_pct"));
    bitten_config_destroy(&cfg);
}

static void test_alarm_above_block_is_refused(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(
        bitten_config_set(cfg, "risk.margin_level_alarm_pct", "200", "cli", err, sizeof err), 0);
    assert_int_equal(xp_risk_check_config(cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "risk.margin_level_alarm_pct"));
    bitten_config_destroy(&cfg);
}

static void test_rate_limit_beyond_the_ring_is_refused(void **state)
{
    risk_params_t p = risk_params_default();
    char why[200];
    assert_int_equal(xp_risk_params_validate(&p, why, sizeof why), 0);
    p.max_fires_per_window = RISK_RECENT_FIRES_MAX + 1;
    assert_int_equal(xp_risk_params_validate(&p, why, sizeof why), -1);
    assert_non_null(strstr(why, "risk.max_fires_per_window"));
    p.max_fires_per_window = RISK_RECENT_FIRES_MAX;
    assert_int_equal(xp_risk_params_validate(&p, why, sizeof why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_from_the_key_table_are_risk_md_numbers),
        cmocka_unit_test(test_every_param_field_has_a_key),
        cmocka_unit_test(test_a_key_changes_its_field),
        cmocka_unit_test(test_out_of_range_values_are_refused_naming_the_key),
        cmocka_unit_test(test_warn_at_or_above_halt_is_refused),
        cmocka_unit_test(test_alarm_above_block_is_refused),
        cmocka_unit_test(test_rate_limit_beyond_the_ring_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
