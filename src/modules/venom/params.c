/*  params.c: venom_params_t <-> the venom.* config keys. One bind table serves both the
 *  defaults (the key table's, src/core/config_keys.c: written once) and a loaded config. */
#include <stddef.h>
#include <string.h>

#include "modules/venom/venom.h"

#define S_I(field) offsetof(venom_params_t, field), BITTEN_BIND_INT
#define S_D(field) offsetof(venom_params_t, field), BITTEN_BIND_DOUBLE

//  One row per field of venom_params_t; the keys, defaults and ranges live in config_keys.c
//  (tests/unit/test_venom_config.c checks every key reaches a field).
static const bitten_cfg_bind_t s_param_keys[] = {
    {"venom.min_confidence", S_D(min_confidence)},
    {"venom.signal_ttl_s", S_I(signal_ttl_s)},
    {"venom.min_m5_candles", S_I(min_m5_candles)},
    {"venom.stale_after_s", S_I(stale_after_s)},
    {"venom.weekend_start_wday", S_I(weekend_start_wday)},
    {"venom.weekend_start_hour", S_I(weekend_start_hour)},
    {"venom.weekend_end_wday", S_I(weekend_end_wday)},
    {"venom.weekend_end_hour", S_I(weekend_end_hour)},
    {"venom.cooldown_s", S_I(cooldown_s)},
    {"venom.max_per_window", S_I(max_per_window)},
    {"venom.rate_window_s", S_I(rate_window_s)},
    {"venom.max_per_day", S_I(max_per_day)},
    {"venom.max_per_symbol_day", S_I(max_per_symbol_day)},
    {"venom.max_per_session.asian", S_I(max_per_session[VENOM_SESSION_ASIAN])},
    {"venom.max_per_session.london", S_I(max_per_session[VENOM_SESSION_LONDON])},
    {"venom.max_per_session.overlap", S_I(max_per_session[VENOM_SESSION_OVERLAP])},
    {"venom.max_per_session.newyork", S_I(max_per_session[VENOM_SESSION_NEWYORK])},
    {"venom.max_per_session.late", S_I(max_per_session[VENOM_SESSION_LATE])},
    {"venom.max_hold_s", S_I(max_hold_s)},
    {"venom.ring_m1", S_I(ring_m1)},
    {"venom.ring_m5", S_I(ring_m5)},
    {"venom.ring_m15", S_I(ring_m15)},
    {"venom.spread_ring", S_I(spread_ring)},
    {"venom.atr_percentile_bars", S_I(atr_percentile_bars)},
    {"venom.sweep_m1_bars", S_I(sweep_m1_bars)},
    {"venom.atr_period", S_I(atr_period)},
    {"venom.atr_floor_pips", S_D(atr_floor_pips)},
    {"venom.ema_fast", S_I(ema_fast)},
    {"venom.ema_mid", S_I(ema_mid)},
    {"venom.ema_slow", S_I(ema_slow)},
    {"venom.rsi_period", S_I(rsi_period)},
    {"venom.bb_period", S_I(bb_period)},
    {"venom.bb_k", S_D(bb_k)},
    {"venom.swing_side", S_I(swing_side)},
    {"venom.swing_lookback", S_I(swing_lookback)},
    {"venom.swing_skip", S_I(swing_skip)},
    {"venom.session_start_hour.asian", S_I(session_start_hour[VENOM_SESSION_ASIAN])},
    {"venom.session_start_hour.london", S_I(session_start_hour[VENOM_SESSION_LONDON])},
    {"venom.session_start_hour.overlap", S_I(session_start_hour[VENOM_SESSION_OVERLAP])},
    {"venom.session_start_hour.newyork", S_I(session_start_hour[VENOM_SESSION_NEWYORK])},
    {"venom.session_start_hour.late", S_I(session_start_hour[VENOM_SESSION_LATE])},
    {"venom.session_bonus.asian", S_D(session_bonus[VENOM_SESSION_ASIAN])},
    {"venom.session_bonus.london", S_D(session_bonus[VENOM_SESSION_LONDON])},
    {"venom.session_bonus.overlap", S_D(session_bonus[VENOM_SESSION_OVERLAP])},
    {"venom.session_bonus.newyork", S_D(session_bonus[VENOM_SESSION_NEWYORK])},
    {"venom.session_bonus.late", S_D(session_bonus[VENOM_SESSION_LATE])},
    {"venom.atr_sl_mult", S_D(atr_sl_mult)},
    {"venom.atr_sl_floor_pips", S_D(atr_sl_floor_pips)},
    {"venom.atr_sl_cap_pips", S_D(atr_sl_cap_pips)},
    {"venom.sl_cap_pips", S_D(sl_cap_pips)},
    {"venom.tp_ratio_rapid", S_D(tp_ratio_rapid)},
    {"venom.tp_ratio_precision", S_D(tp_ratio_precision)},
    {"venom.lsr.sweep_min_pips", S_D(lsr.sweep_min_pips)},
    {"venom.lsr.sweep_min_atr", S_D(lsr.sweep_min_atr)},
    {"venom.lsr.wick_min", S_D(lsr.wick_min)},
    {"venom.lsr.range_min_pips", S_D(lsr.range_min_pips)},
    {"venom.lsr.sl_atr_mult", S_D(lsr.sl_atr_mult)},
    {"venom.lsr.conf.base", S_D(lsr.conf.base)},
    {"venom.lsr.conf.min", S_D(lsr.conf.min)},
    {"venom.lsr.conf.max", S_D(lsr.conf.max)},
    {"venom.lsr.conf_sweep_mult", S_D(lsr.conf_sweep_mult)},
    {"venom.lsr.conf_sweep_cap", S_D(lsr.conf_sweep_cap)},
    {"venom.lsr.conf_wick_mult", S_D(lsr.conf_wick_mult)},
    {"venom.lsr.conf_wick_cap", S_D(lsr.conf_wick_cap)},
    {"venom.lsr.conf_close_cap", S_D(lsr.conf_close_cap)},
    {"venom.fvg.gap_min_pips", S_D(fvg.gap_min_pips)},
    {"venom.fvg.gap_min_atr", S_D(fvg.gap_min_atr)},
    {"venom.fvg.middle_body_min", S_D(fvg.middle_body_min)},
    {"venom.fvg.lookback", S_I(fvg.lookback)},
    {"venom.fvg.sl_atr_mult", S_D(fvg.sl_atr_mult)},
    {"venom.fvg.conf.base", S_D(fvg.conf.base)},
    {"venom.fvg.conf.min", S_D(fvg.conf.min)},
    {"venom.fvg.conf.max", S_D(fvg.conf.max)},
    {"venom.fvg.conf_gap_mult", S_D(fvg.conf_gap_mult)},
    {"venom.fvg.conf_gap_cap", S_D(fvg.conf_gap_cap)},
    {"venom.fvg.conf_body_mult", S_D(fvg.conf_body_mult)},
    {"venom.fvg.conf_body_cap", S_D(fvg.conf_body_cap)},
    {"venom.obb.impulse_min_atr", S_D(obb.impulse_min_atr)},
    {"venom.obb.impulse_max_candles", S_I(obb.impulse_max_candles)},
    {"venom.obb.lookback", S_I(obb.lookback)},
    {"venom.obb.wick_min", S_D(obb.wick_min)},
    {"venom.obb.sl_atr_mult", S_D(obb.sl_atr_mult)},
    {"venom.obb.conf.base", S_D(obb.conf.base)},
    {"venom.obb.conf.min", S_D(obb.conf.min)},
    {"venom.obb.conf.max", S_D(obb.conf.max)},
    {"venom.obb.conf_impulse_mult", S_D(obb.conf_impulse_mult)},
    {"venom.obb.conf_impulse_cap", S_D(obb.conf_impulse_cap)},
    {"venom.obb.conf_wick_mult", S_D(obb.conf_wick_mult)},
    {"venom.obb.conf_wick_cap", S_D(obb.conf_wick_cap)},
    {"venom.bb.rsi_sell_min", S_D(bb.rsi_sell_min)},
    {"venom.bb.rsi_buy_max", S_D(bb.rsi_buy_max)},
    {"venom.bb.wick_min", S_D(bb.wick_min)},
    {"venom.bb.sl_atr_mult", S_D(bb.sl_atr_mult)},
    {"venom.bb.conf.base", S_D(bb.conf.base)},
    {"venom.bb.conf.min", S_D(bb.conf.min)},
    {"venom.bb.conf.max", S_D(bb.conf.max)},
    {"venom.bb.conf_rsi_mult", S_D(bb.conf_rsi_mult)},
    {"venom.bb.conf_rsi_cap", S_D(bb.conf_rsi_cap)},
    {"venom.bb.conf_pen_mult", S_D(bb.conf_pen_mult)},
    {"venom.bb.conf_pen_cap", S_D(bb.conf_pen_cap)},
    {"venom.mb.window", S_I(mb.window)},
    {"venom.mb.span_max_pips", S_D(mb.span_max_pips)},
    {"venom.mb.span_max_atr", S_D(mb.span_max_atr)},
    {"venom.mb.range_ratio_min", S_D(mb.range_ratio_min)},
    {"venom.mb.body_min", S_D(mb.body_min)},
    {"venom.mb.beyond_min_pips", S_D(mb.beyond_min_pips)},
    {"venom.mb.sl_atr_mult", S_D(mb.sl_atr_mult)},
    {"venom.mb.conf.base", S_D(mb.conf.base)},
    {"venom.mb.conf.min", S_D(mb.conf.min)},
    {"venom.mb.conf.max", S_D(mb.conf.max)},
    {"venom.mb.conf_ratio_mult", S_D(mb.conf_ratio_mult)},
    {"venom.mb.conf_ratio_cap", S_D(mb.conf_ratio_cap)},
    {"venom.mb.conf_body_mult", S_D(mb.conf_body_mult)},
    {"venom.mb.conf_body_cap", S_D(mb.conf_body_cap)},
    {"venom.mb.conf_slope_bonus", S_D(mb.conf_slope_bonus)},
    {"venom.ers.spread_min_pips", S_D(ers.spread_min_pips)},
    {"venom.ers.spread_min_atr", S_D(ers.spread_min_atr)},
    {"venom.ers.rsi_min", S_D(ers.rsi_min)},
    {"venom.ers.rsi_max", S_D(ers.rsi_max)},
    {"venom.ers.sl_atr_mult", S_D(ers.sl_atr_mult)},
    {"venom.ers.conf.base", S_D(ers.conf.base)},
    {"venom.ers.conf.min", S_D(ers.conf.min)},
    {"venom.ers.conf.max", S_D(ers.conf.max)},
    {"venom.ers.conf_spread_mult", S_D(ers.conf_spread_mult)},
    {"venom.ers.conf_spread_cap", S_D(ers.conf_spread_cap)},
};

#define S_N_KEYS (sizeof s_param_keys / sizeof *s_param_keys)

/*  venom.exit_mode is a string key (fixed|atr): no bind kind, read here beside the table. The
 *  key table checks the choice; anything but "atr" is FIXED. */
#define S_KEY_EXIT_MODE "venom.exit_mode"

static venom_exit_mode_t s_exit_mode(const char *text)
{
    return text && strcmp(text, "atr") == 0 ? VENOM_EXIT_ATR : VENOM_EXIT_FIXED;
}

static const char *s_default_of(const char *key)
{
    for (const bitten_cfg_key_t *k = bitten_config_keys; k->key; k++)
        if (strcmp(k->key, key) == 0)
            return k->def;
    return NULL;
}

void venom_params_default(venom_params_t *p)
{
    bitten_config_fill_params(NULL, s_param_keys, S_N_KEYS, p, sizeof *p);
    p->exit_mode = s_exit_mode(s_default_of(S_KEY_EXIT_MODE));
}

int venom_params_from_config(const bitten_config_t *cfg, venom_params_t *p, char *err,
                             size_t errlen)
{
    bitten_config_fill_params(cfg, s_param_keys, S_N_KEYS, p, sizeof *p);
    p->exit_mode = s_exit_mode(bitten_config_str(cfg, S_KEY_EXIT_MODE));
    return venom_params_validate(p, err, errlen);
}
