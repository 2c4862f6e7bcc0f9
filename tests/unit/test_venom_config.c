/*  test_venom_config.c: the venom.* keys of the config table (src/core/config_keys.c) and
 *  venom_params_from_config (src/modules/venom/venom.c): defaults equal venom_params_default. */
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
    assert_true(venom_symbol_selected(cfg, "EURUSD")); /* empty: all */
    assert_int_equal(venom_check_symbols(cfg, syms, err, sizeof err), 0);
    assert_int_equal(
        bitten_config_set(cfg, "venom.symbols", "EURUSD, XAUUSD", "cli", err, sizeof err), 0);
    assert_true(venom_symbol_selected(cfg, "XAUUSD"));
    assert_false(venom_symbol_selected(cfg, "GBPUSD"));
    assert_int_equal(venom_check_symbols(cfg, syms, err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "venom.symbols", "EURUSD,NOPE", "cli", err, sizeof err),
                     0);
    assert_int_equal(venom_check_symbols(cfg, syms, err, sizeof err), -1);
    assert_non_null(strstr(err, "NOPE"));
    bitten_symbols_destroy(&syms);
    bitten_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_give_exactly_venom_params_default),
        cmocka_unit_test(test_every_venom_key_reaches_a_field),
        cmocka_unit_test(test_out_of_range_and_inconsistent_values_are_refused),
        cmocka_unit_test(test_venom_symbols_selects_and_must_name_known_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
