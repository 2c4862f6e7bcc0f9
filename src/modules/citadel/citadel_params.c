/*  citadel_params.c: citadel_params_t <-> the citadel.* config keys. One bind table serves
 *  both the defaults (the key table's, src/core/config_keys.c: written once) and a loaded config.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "modules/citadel/citadel.h"

#define S_D(field) offsetof(citadel_params_t, field), BITTEN_BIND_DOUBLE
#define S_I(field) offsetof(citadel_params_t, field), BITTEN_BIND_INT
#define S_B(field) offsetof(citadel_params_t, field), BITTEN_BIND_BOOL

//  One row per field of citadel_params_t; keys, defaults and ranges live in config_keys.c.
static const bitten_cfg_bind_t s_param_keys[] = {
    {"citadel.base_score", S_D(base_score)},
    {"citadel.score_min", S_D(score_min)},
    {"citadel.score_max", S_D(score_max)},
    {"citadel.rr_divisor", S_D(rr_divisor)},
    {"citadel.rr_cap", S_D(rr_cap)},
    {"citadel.m5_trend_agree", S_D(m5_trend_agree)},
    {"citadel.m5_trend_disagree", S_D(m5_trend_disagree)},
    {"citadel.m15_trend_agree", S_D(m15_trend_agree)},
    {"citadel.m15_trend_disagree", S_D(m15_trend_disagree)},
    {"citadel.sweep_bonus", S_D(sweep_bonus)},
    {"citadel.sweep_m1_bars", S_I(sweep_m1_bars)},
    {"citadel.trap_penalty", S_D(trap_penalty)},
    {"citadel.trap_distance_pips", S_D(trap_distance_pips)},
    {"citadel.pip_epsilon", S_D(pip_epsilon)},
    {"citadel.atr_high_percentile", S_D(atr_high_percentile)},
    {"citadel.atr_high_penalty", S_D(atr_high_penalty)},
    {"citadel.atr_low_percentile", S_D(atr_low_percentile)},
    {"citadel.atr_low_penalty", S_D(atr_low_penalty)},
    {"citadel.atr_percentile_bars", S_I(atr_percentile_bars)},
    {"citadel.overlap_start_hour", S_I(overlap_start_hour)},
    {"citadel.overlap_end_hour", S_I(overlap_end_hour)},
    {"citadel.overlap_bonus", S_D(overlap_bonus)},
    {"citadel.asian_start_hour", S_I(asian_start_hour)},
    {"citadel.asian_end_hour", S_I(asian_end_hour)},
    {"citadel.asian_penalty", S_D(asian_penalty)},
    {"citadel.spread_penalty_ratio", S_D(spread_penalty_ratio)},
    {"citadel.spread_penalty", S_D(spread_penalty)},
    {"citadel.spread_median_ticks", S_I(spread_median_ticks)},
    {"citadel.approved_min", S_D(approved_min)},
    {"citadel.approved_multiplier", S_D(approved_multiplier)},
    {"citadel.active_min", S_D(active_min)},
    {"citadel.active_multiplier", S_D(active_multiplier)},
    {"citadel.volatility_zone_min", S_D(volatility_zone_min)},
    {"citadel.volatility_zone_multiplier", S_D(volatility_zone_multiplier)},
    {"citadel.spread_block_ratio", S_D(spread_block_ratio)},
    {"citadel.stale_after_s", S_D(stale_after_s)},
    {"citadel.weekend_start_wday", S_I(weekend_start_wday)},
    {"citadel.weekend_start_hour", S_I(weekend_start_hour)},
    {"citadel.weekend_end_wday", S_I(weekend_end_wday)},
    {"citadel.weekend_end_hour", S_I(weekend_end_hour)},
    {"citadel.threshold_base", S_D(threshold_base)},
    {"citadel.relax1_after_min", S_D(relax1_after_min)},
    {"citadel.relax1_threshold", S_D(relax1_threshold)},
    {"citadel.relax2_after_min", S_D(relax2_after_min)},
    {"citadel.relax2_threshold", S_D(relax2_threshold)},
    {"citadel.relax3_after_min", S_D(relax3_after_min)},
    {"citadel.relax3_threshold", S_D(relax3_threshold)},
    {"citadel.reset_after_min", S_D(reset_after_min)},
    {"citadel.tighten_window_min", S_D(tighten_window_min)},
    {"citadel.tighten_min_passes", S_I(tighten_min_passes)},
    {"citadel.tighten_add", S_D(tighten_add)},
    {"citadel.evidence_gate", S_B(evidence_gate)},
    {"citadel.evidence_min_trades", S_I(evidence_min_trades)},
    {"citadel.evidence_min_lower_r", S_D(evidence_min_lower_r)},
};

#define S_N_KEYS (sizeof s_param_keys / sizeof *s_param_keys)

void citadel_params_default(citadel_params_t *p)
{
    bitten_config_fill_params(NULL, s_param_keys, S_N_KEYS, p, sizeof *p);
}

int citadel_params_from_config(const bitten_config_t *cfg, citadel_params_t *p, char *err,
                               size_t errlen)
{
    bitten_config_fill_params(cfg, s_param_keys, S_N_KEYS, p, sizeof *p);
    char why[200];
    if (citadel_params_validate(p, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: citadel.*: %s", why);
        return -1;
    }
    //  The context's windows are VENOM's keys: refuse a mismatch at start (citadel_evaluate
    //  also refuses a context computed over other windows, fail closed).
    venom_context_windows_t w = {
        (int)bitten_config_int(cfg, "venom.sweep_m1_bars"),
        (int)bitten_config_int(cfg, "venom.atr_percentile_bars"),
        (int)bitten_config_int(cfg, "venom.spread_ring"),
    };
    if (citadel_params_check_windows(p, &w, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: citadel.* vs venom.*: %s", why);
        return -1;
    }
    return 0;
}

