/*  xp_risk_params.c: risk_params_t <-> the risk.* config keys. One bind table serves both the
 *  defaults (the key table's, src/core/config_keys.c: written once) and a loaded config. */
#include <stddef.h>
#include <stdio.h>

#include "modules/xp_risk/xp_risk.h"

#define S_D(field) offsetof(risk_params_t, field), BITTEN_BIND_DOUBLE
#define S_I(field) offsetof(risk_params_t, field), BITTEN_BIND_INT
#define S_I64(field) offsetof(risk_params_t, field), BITTEN_BIND_INT64
#define S_B(field) offsetof(risk_params_t, field), BITTEN_BIND_BOOL

//  One row per field of risk_params_t; keys, defaults and ranges live in config_keys.c
//  (tests/unit/test_xp_risk_config.c checks every key reaches a field).
static const bitten_cfg_bind_t s_param_keys[] = {
    {"risk.nibbler.risk_pct", S_D(nibbler.risk_pct)},
    {"risk.nibbler.daily_loss_pct", S_D(nibbler.daily_loss_pct)},
    {"risk.nibbler.fires_per_day", S_I(nibbler.fires_per_day)},
    {"risk.nibbler.max_positions", S_I(nibbler.max_positions)},
    {"risk.nibbler.cooldown_s", S_I(nibbler.cooldown_s)},
    {"risk.fang.risk_pct", S_D(fang.risk_pct)},
    {"risk.fang.daily_loss_pct", S_D(fang.daily_loss_pct)},
    {"risk.fang.fires_per_day", S_I(fang.fires_per_day)},
    {"risk.fang.max_positions", S_I(fang.max_positions)},
    {"risk.fang.cooldown_s", S_I(fang.cooldown_s)},
    {"risk.commander.risk_pct", S_D(commander.risk_pct)},
    {"risk.commander.daily_loss_pct", S_D(commander.daily_loss_pct)},
    {"risk.commander.fires_per_day", S_I(commander.fires_per_day)},
    {"risk.commander.max_positions", S_I(commander.max_positions)},
    {"risk.commander.cooldown_s", S_I(commander.cooldown_s)},
    {"risk.cooldown_after_losses", S_I(cooldown_after_losses)},
    {"risk.medic_daily_loss_pct", S_D(medic_daily_loss_pct)},
    {"risk.medic_risk_multiplier", S_D(medic_risk_multiplier)},
    {"risk.medic_max_positions", S_I(medic_max_positions)},
    {"risk.drawdown_warn_pct", S_D(drawdown_warn_pct)},
    {"risk.drawdown_halt_pct", S_D(drawdown_halt_pct)},
    {"risk.margin_level_block_pct", S_D(margin_level_block_pct)},
    {"risk.margin_level_alarm_pct", S_D(margin_level_alarm_pct)},
    {"risk.free_margin_min", S_D(free_margin_min)},
    {"risk.telemetry_max_age_s", S_I(telemetry_max_age_s)},
    {"risk.telemetry_max_age_v7_s", S_I(telemetry_max_age_v7_s)},
    {"risk.margin_status_interval_v7_s", S_I(margin_status_interval_v7_s)},
    {"risk.telemetry_max_age_v205_s", S_I(telemetry_max_age_v205_s)},
    {"risk.telemetry_max_age_v202_s", S_I(telemetry_max_age_v202_s)},
    {"risk.max_fires_per_window", S_I(max_fires_per_window)},
    {"risk.rate_window_s", S_I(rate_window_s)},
    {"risk.fire_spacing_s", S_I(fire_spacing_s)},
    {"risk.refuse_hedge", S_B(refuse_hedge)},
    {"risk.day_rollover_utc", S_I(day_rollover_utc)},
    {"risk.xp.fire_filled", S_I64(xp.fire_filled)},
    {"risk.xp.closed_profit", S_I64(xp.closed_profit)},
    {"risk.xp.win_streak_bonus", S_I64(xp.win_streak_bonus)},
    {"risk.xp.win_streak_cap", S_I(xp.win_streak_cap)},
    {"risk.xp.closed_loss_with_sl", S_I64(xp.closed_loss_with_sl)},
    {"risk.xp.closed_breakeven", S_I64(xp.closed_breakeven)},
    {"risk.xp.breakeven_pct", S_D(xp.breakeven_pct)},
    {"risk.xp.reward_multiple", S_I64(xp.reward_multiple)},
    {"risk.xp.reward_multiple_r", S_D(xp.reward_multiple_r)},
};

#define S_N_KEYS (sizeof s_param_keys / sizeof *s_param_keys)

risk_params_t risk_params_default(void)
{
    risk_params_t p;
    bitten_config_fill_params(NULL, s_param_keys, S_N_KEYS, &p, sizeof p);
    return p;
}

int xp_risk_params_validate(const risk_params_t *p, char *why, size_t size)
{
    if (!(p->drawdown_warn_pct < p->drawdown_halt_pct)) {
        snprintf(why, size, "risk.drawdown_warn_pct (%g) must be below risk.drawdown_halt_pct (%g)",
                 p->drawdown_warn_pct, p->drawdown_halt_pct);
        return -1;
    }
    if (!(p->margin_level_alarm_pct <= p->margin_level_block_pct)) {
        snprintf(why, size,
                 "risk.margin_level_alarm_pct (%g) must not be above risk.margin_level_block_pct "
                 "(%g): a margin halt would outlive the block",
                 p->margin_level_alarm_pct, p->margin_level_block_pct);
        return -1;
    }
    if (p->max_fires_per_window < 1 || p->max_fires_per_window > RISK_RECENT_FIRES_MAX) {
        snprintf(why, size, "risk.max_fires_per_window (%d) must be 1..%d (fire times kept)",
                 p->max_fires_per_window, RISK_RECENT_FIRES_MAX);
        return -1;
    }
    return 0;
}

int xp_risk_params_from_config(const bitten_config_t *cfg, risk_params_t *p, char *err,
                               size_t errlen)
{
    bitten_config_fill_params(cfg, s_param_keys, S_N_KEYS, p, sizeof *p);
    char why[200];
    if (xp_risk_params_validate(p, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: risk.*: %s", why);
        return -1;
    }
    return 0;
}
