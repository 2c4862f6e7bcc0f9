/*  test_symbols_config.c: the `symbols` config section: a default's field overridden, a new
 *  symbol added, and bad entries refused with the key named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/symbols_config.h"

static bitten_symbols_t *s_load(const char *zpl, char *err, size_t errlen)
{
    char path[] = "/tmp/bitten-sym-XXXXXX";
    int fd = mkstemp(path);
    assert_true(write(fd, zpl, strlen(zpl)) == (ssize_t)strlen(zpl));
    close(fd);
    bitten_config_t *cfg = bitten_config_new();
    assert_int_equal(bitten_config_load_file(cfg, path, err, errlen), 0);
    bitten_symbols_t *table = bitten_symbols_from_config(cfg, err, errlen);
    bitten_config_destroy(&cfg);
    unlink(path);
    return table;
}

static void test_a_default_is_overridden_field_by_field(void **state)
{
    char err[256] = "";
    bitten_symbols_t *t = s_load("symbols\n    EURUSD\n        pip_value = \"9.2\"\n", err, sizeof err);
    assert_non_null(t);
    const bitten_symbol_t *s = bitten_symbols_find(t, "EURUSD");
    assert_true(s->pip_value == 9.2);
    assert_true(s->pip == 0.0001); /* the rest stays the default */
    assert_non_null(bitten_symbols_find(t, "USDJPY"));
    bitten_symbols_destroy(&t);
}

static void test_a_new_symbol_is_added_with_its_fields(void **state)
{
    char err[256] = "";
    bitten_symbols_t *t = s_load("symbols\n    US30\n        digits = \"1\"\n        pip = \"1\"\n"
                                 "        pip_value = \"1\"\n        typical_spread = \"2\"\n",
                                 err, sizeof err);
    assert_non_null(t);
    const bitten_symbol_t *s = bitten_symbols_find(t, "US30");
    assert_non_null(s);
    assert_true(s->point == 0.1); /* pip / 10 when not given */
    assert_true(s->lot_step == 0.01);
    bitten_symbols_destroy(&t);
}

static void test_bad_entries_are_refused_naming_the_key(void **state)
{
    char err[256] = "";
    assert_null(s_load("symbols\n    EURUSD\n        pip_valu = \"9\"\n", err, sizeof err));
    assert_non_null(strstr(err, "'symbols.EURUSD.pip_valu'"));
    assert_null(s_load("symbols\n    EURUSD\n        pip_value = \"lots\"\n", err, sizeof err));
    assert_non_null(strstr(err, "'symbols.EURUSD.pip_value'"));
    //  A new symbol without its pip cannot be traded safely.
    assert_null(s_load("symbols\n    US30\n        digits = \"1\"\n", err, sizeof err));
    assert_non_null(strstr(err, "symbols.US30"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_default_is_overridden_field_by_field),
        cmocka_unit_test(test_a_new_symbol_is_added_with_its_fields),
        cmocka_unit_test(test_bad_entries_are_refused_naming_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
