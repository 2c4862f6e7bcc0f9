/*  test_xp_risk_config.c: every number of XP & risk is a risk.* key whose default is exactly
 *  risk_params_default(), and combinations the ranges cannot express are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "modules/xp_risk/xp_risk.h"

static void test_config_defaults_equal_the_pure_defaults(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    risk_params_t from_cfg, pure;
    char err[256];
    assert_int_equal(xp_risk_params_from_config(cfg, &from_cfg, err, sizeof err), 0);
    pure = risk_params_default();
    //  Field by field: a struct returned by value need not carry its padding, so no memcmp.
    assert_true(from_cfg.nibbler.risk_pct == pure.nibbler.risk_pct);
    assert_true(from_cfg.nibbler.daily_loss_pct == pure.nibbler.daily_loss_pct);
    assert_int_equal(from_cfg.nibbler.fires_per_day, pure.nibbler.fires_per_day);
    assert_int_equal(from_cfg.nibbler.max_positions, pure.nibbler.max_positions);
    assert_int_equal(from_cfg.nibbler.cooldown_s, pure.nibbler.cooldown_s);
    assert_true(from_cfg.fang.risk_pct == pure.fang.risk_pct);
    assert_true(from_cfg.fang.daily_loss_pct == pure.fang.daily_loss_pct);
    assert_int_equal(from_cfg.fang.fires_per_day, pure.fang.fires_per_day);
    assert_int_equal(from_cfg.fang.max_positions, pure.fang.max_positions);
    assert_int_equal(from_cfg.fang.cooldown_s, pure.fang.cooldown_s);
    assert_true(from_cfg.commander.risk_pct == pure.commander.risk_pct);
    assert_true(from_cfg.commander.daily_loss_pct == pure.commander.daily_loss_pct);
    assert_int_equal(from_cfg.commander.fires_per_day, pure.commander.fires_per_day);
    assert_int_equal(from_cfg.commander.max_positions, pure.commander.max_positions);
    assert_int_equal(from_cfg.commander.cooldown_s, pure.commander.cooldown_s);
    assert_int_equal(from_cfg.cooldown_after_losses, pure.cooldown_after_losses);
    assert_true(from_cfg.medic_daily_loss_pct == pure.medic_daily_loss_pct);
    assert_true(from_cfg.medic_risk_multiplier == pure.medic_risk_multiplier);
    assert_int_equal(from_cfg.medic_max_positions, pure.medic_max_positions);
    assert_true(from_cfg.drawdown_warn_pct == pure.drawdown_warn_pct);
    assert_true(from_cfg.drawdown_halt_pct == pure.drawdown_halt_pct);
    assert_true(from_cfg.margin_level_block_pct == pure.margin_level_block_pct);
    assert_true(from_cfg.margin_level_alarm_pct == pure.margin_level_alarm_pct);
    assert_true(from_cfg.free_margin_min == pure.free_margin_min);
    assert_int_equal(from_cfg.telemetry_max_age_s, pure.telemetry_max_age_s);
    assert_int_equal(from_cfg.max_fires_per_window, pure.max_fires_per_window);
    assert_int_equal(from_cfg.rate_window_s, pure.rate_window_s);
    assert_int_equal(from_cfg.fire_spacing_s, pure.fire_spacing_s);
    assert_int_equal(from_cfg.refuse_hedge, pure.refuse_hedge);
    assert_int_equal(from_cfg.day_rollover_utc, pure.day_rollover_utc);
    assert_int_equal(from_cfg.xp.fire_filled, pure.xp.fire_filled);
    assert_int_equal(from_cfg.xp.closed_profit, pure.xp.closed_profit);
    assert_int_equal(from_cfg.xp.win_streak_bonus, pure.xp.win_streak_bonus);
    assert_int_equal(from_cfg.xp.win_streak_cap, pure.xp.win_streak_cap);
    assert_int_equal(from_cfg.xp.closed_loss_with_sl, pure.xp.closed_loss_with_sl);
    assert_int_equal(from_cfg.xp.closed_breakeven, pure.xp.closed_breakeven);
    assert_true(from_cfg.xp.breakeven_pct == pure.xp.breakeven_pct);
    assert_int_equal(from_cfg.xp.reward_multiple, pure.xp.reward_multiple);
    assert_true(from_cfg.xp.reward_multiple_r == pure.xp.reward_multiple_r);
    bitten_config_destroy(&cfg);
}

static void test_every_param_field_has_a_key(void **state)
{
    //  15 tier numbers + 15 account-wide limits + 9 XP numbers + risk.snapshot_interval_s: a
    //  field added to risk_params_t without its key breaks this count (and the defaults test).
    size_t keys = 0;
    for (int i = 0; bitten_config_keys[i].key; i++)
        keys += strncmp(bitten_config_keys[i].key, "risk.", 5) == 0;
    assert_int_equal(keys, 40);
    bitten_config_t *cfg = bitten_config_new();
    assert_int_equal(bitten_config_int(cfg, "risk.snapshot_interval_s"), 60);
    bitten_config_destroy(&cfg);
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
        cmocka_unit_test(test_config_defaults_equal_the_pure_defaults),
        cmocka_unit_test(test_every_param_field_has_a_key),
        cmocka_unit_test(test_a_key_changes_its_field),
        cmocka_unit_test(test_out_of_range_values_are_refused_naming_the_key),
        cmocka_unit_test(test_warn_at_or_above_halt_is_refused),
        cmocka_unit_test(test_alarm_above_block_is_refused),
        cmocka_unit_test(test_rate_limit_beyond_the_ring_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
