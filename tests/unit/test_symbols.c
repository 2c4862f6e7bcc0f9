/*  test_symbols.c: unit tests for the symbol table (src/core/symbols.c): the shipped
 *  defaults of modules.md "Symbols", put/find, validation and pips -> points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bitten/symbols.h"

/*  cmocka's float assert is single precision: compare doubles here, printing both. */
static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

static const char *const s_expected[] = {"EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD",
                                         "USDCAD", "NZDUSD", "EURJPY", "GBPJPY", "AUDJPY",
                                         "NZDJPY", "CHFJPY", "CADJPY", "EURGBP", "EURAUD",
                                         "GBPCAD", "USDCNH", "XAUUSD", "XAGUSD"};

static void test_defaults_hold_every_listed_symbol(void **state)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    assert_non_null(t);
    size_t n = sizeof s_expected / sizeof s_expected[0];
    assert_int_equal(bitten_symbols_count(t), n);
    for (size_t i = 0; i < n; i++) {
        const bitten_symbol_t *s = bitten_symbols_find(t, s_expected[i]);
        assert_non_null(s);
        //  1 pip = 10 points, except USDCNH (4 digits: 1 pip = 1 point)
        assert_double_equal(s->point * (strcmp(s->name, "USDCNH") == 0 ? 1.0 : 10.0), s->pip, 1e-12);
        assert_double_equal(s->min_lot, 0.01, 1e-12);
        assert_double_equal(s->max_lot, 100.0, 1e-12);
        assert_double_equal(s->lot_step, 0.01, 1e-12);
        assert_true(s->typical_spread > 0.0 && s->typical_spread < 20.0); /* USDCNH: 17 */
    }
    bitten_symbols_destroy(&t);
    assert_null(t);
    bitten_symbols_destroy(&t); /* idempotent */
}

static void test_defaults_follow_modules_md_per_class(void **state)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    const bitten_symbol_t *eu = bitten_symbols_find(t, "EURUSD");
    assert_int_equal(eu->digits, 5);
    assert_double_equal(eu->pip, 0.0001, 1e-15);
    assert_double_equal(eu->pip_value, 10.0, 1e-12);
    assert_double_equal(eu->min_stop_pips, 15.0, 1e-12);

    const char *jpy[] = {"USDJPY", "EURJPY", "GBPJPY", "AUDJPY", "NZDJPY", "CHFJPY", "CADJPY"};
    for (size_t i = 0; i < 7; i++) {
        const bitten_symbol_t *s = bitten_symbols_find(t, jpy[i]);
        assert_int_equal(s->digits, 3);
        assert_double_equal(s->pip, 0.01, 1e-15);
        assert_double_equal(s->pip_value, 6.8, 1e-12);
    }
    assert_double_equal(bitten_symbols_find(t, "GBPJPY")->min_stop_pips, 20.0, 1e-12);
    assert_double_equal(bitten_symbols_find(t, "USDJPY")->min_stop_pips, 15.0, 1e-12);

    const bitten_symbol_t *xau = bitten_symbols_find(t, "XAUUSD");
    assert_int_equal(xau->digits, 2);
    assert_double_equal(xau->pip, 0.1, 1e-15);
    assert_double_equal(xau->point, 0.01, 1e-15);
    assert_double_equal(xau->min_stop_pips, 30.0, 1e-12);

    const bitten_symbol_t *xag = bitten_symbols_find(t, "XAGUSD");
    assert_int_equal(xag->digits, 3);
    assert_double_equal(xag->pip, 0.01, 1e-15);
    assert_double_equal(xag->pip_value, 5.0, 1e-12);

    const bitten_symbol_t *cnh = bitten_symbols_find(t, "USDCNH");
    assert_int_equal(cnh->digits, 4); /* ea-dialects.md section 6: the broker quotes 4 digits */
    assert_double_equal(cnh->pip, 0.0001, 1e-15);
    assert_double_equal(cnh->point, 0.0001, 1e-15);     /* so 1 pip = 1 point on the wire */
    assert_int_equal(bitten_symbol_pips_to_points(cnh, 15.0), 15);
    assert_double_equal(cnh->typical_spread, 17.0, 1e-12); /* recorded median 16-17 points */
    bitten_symbols_destroy(&t);
}

static void test_find_unknown_and_at_out_of_range_give_null(void **state)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    assert_null(bitten_symbols_find(t, "BTCUSD"));
    assert_null(bitten_symbols_find(t, NULL));
    assert_null(bitten_symbols_at(t, bitten_symbols_count(t)));
    assert_string_equal(bitten_symbols_at(t, 0)->name, "EURUSD");
    bitten_symbols_destroy(&t);
}

static void test_put_replaces_existing_and_adds_new(void **state)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    size_t n = bitten_symbols_count(t);
    bitten_symbol_t s = *bitten_symbols_find(t, "EURUSD");
    s.typical_spread = 0.3;
    char err[128];
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), 0);
    assert_int_equal(bitten_symbols_count(t), n);
    assert_double_equal(bitten_symbols_find(t, "EURUSD")->typical_spread, 0.3, 1e-12);

    strcpy(s.name, "EURUSD.R");
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), 0);
    assert_int_equal(bitten_symbols_count(t), n + 1);
    assert_non_null(bitten_symbols_find(t, "EURUSD.R"));
    bitten_symbols_destroy(&t);
}

static void test_put_refuses_invalid_specs_with_a_reason(void **state)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    bitten_symbol_t good = *bitten_symbols_find(t, "EURUSD"), s;
    char err[128];

    s = good;
    strcpy(s.name, "eu");
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "name"));
    s = good;
    s.pip = 0.0;
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), -1);
    s = good;
    s.max_lot = 0.001;
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), -1);
    s = good;
    s.digits = -1;
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), -1);
    s = good;
    s.min_stop_pips = -1.0;
    assert_int_equal(bitten_symbols_put(t, &s, err, sizeof err), -1);
    assert_int_equal(bitten_symbols_count(t), 19);
    bitten_symbols_destroy(&t);
}

static void test_pips_to_points_uses_pip_over_point(void **state)
{
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    assert_int_equal(bitten_symbol_pips_to_points(bitten_symbols_find(t, "EURUSD"), 15.0), 150);
    assert_int_equal(bitten_symbol_pips_to_points(bitten_symbols_find(t, "USDJPY"), 22.5), 225);
    assert_int_equal(bitten_symbol_pips_to_points(bitten_symbols_find(t, "XAUUSD"), 30.0), 300);
    assert_int_equal(bitten_symbol_pips_to_points(bitten_symbols_find(t, "EURUSD"), 0.04), 0);
    bitten_symbols_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_hold_every_listed_symbol),
        cmocka_unit_test(test_defaults_follow_modules_md_per_class),
        cmocka_unit_test(test_find_unknown_and_at_out_of_range_give_null),
        cmocka_unit_test(test_put_replaces_existing_and_adds_new),
        cmocka_unit_test(test_put_refuses_invalid_specs_with_a_reason),
        cmocka_unit_test(test_pips_to_points_uses_pip_over_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
