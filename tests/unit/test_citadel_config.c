/*  test_citadel_config.c: every number of CITADEL is a config key whose default is exactly
 *  citadel_params_default(), and a bad value is refused with the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "modules/citadel/citadel.h"

static void test_config_defaults_equal_the_pure_defaults(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    citadel_params_t from_cfg, pure;
    char err[256];
    assert_int_equal(citadel_params_from_config(cfg, &from_cfg, err, sizeof err), 0);
    citadel_params_default(&pure);
    assert_memory_equal(&from_cfg, &pure, sizeof pure);
    bitten_config_destroy(&cfg);
}

static void test_every_param_field_has_a_key(void **state)
{
    //  Change each key away from its default: some field must change. Counting keys with the
    //  citadel. prefix against the struct's field count catches a forgotten binding.
    size_t keys = 0;
    for (int i = 0; bitten_config_keys[i].key; i++)
        keys += strncmp(bitten_config_keys[i].key, "citadel.", 8) == 0;
    assert_int_equal(keys, 55); /* 54 fields + citadel.evidence_seed_file (a path, read by the shell) */
}

static void test_unordered_labels_are_refused(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "citadel.active_min", "9", "cli", err, sizeof err), 0);
    citadel_params_t p;
    assert_int_equal(citadel_check_config(cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "citadel"));
    assert_int_equal(citadel_params_from_config(cfg, &p, err, sizeof err), -1);
    bitten_config_destroy(&cfg);
}

static void test_windows_must_match_venom(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "citadel.sweep_m1_bars", "6", "cli", err, sizeof err), 0);
    assert_int_equal(citadel_check_config(cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "venom"));
    bitten_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_equal_the_pure_defaults),
        cmocka_unit_test(test_every_param_field_has_a_key),
        cmocka_unit_test(test_unordered_labels_are_refused),
        cmocka_unit_test(test_windows_must_match_venom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
