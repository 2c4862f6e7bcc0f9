/*  test_ea_dialect.c: the simulated EAs' command arithmetic (tools/ea_sim/dialect.c) matches
 *  the real EAs' source: v7 lots floored on binary doubles, v7 stops in broker points, v2.x
 *  wrong-side stops dropped, direction rules, server-time strings, the recorded broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "dialect.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

static void test_v7_lot_loses_a_step_on_binary_doubles(void **state)
{
    (void)state;
    assert_double_equal(sim_v7_lot(0.29, 0.01, 100, 0.01), 0.28, 1e-12);
    const double lost[] = {0.29, 0.47, 0.57, 0.58, 0.59, 0.94};
    for (size_t i = 0; i < sizeof lost / sizeof lost[0]; i++)
        assert_double_equal(sim_v7_lot(lost[i], 0.01, 100, 0.01), lost[i] - 0.01, 1e-9);
    assert_double_equal(sim_v7_lot(0.05, 0.01, 100, 0.01), 0.05, 1e-12);
    assert_double_equal(sim_v7_lot(0.3, 0.1, 100, 0.1), 0.2, 1e-12); /* step 0.1 */
    //  ea-dialects.md: 125 of the lots 0.01..10.00 lose a step with step 0.01.
    int lose = 0;
    for (int c = 1; c <= 1000; c++)
        if (fabs(sim_v7_lot(c / 100.0, 0.01, 100, 0.01) - c / 100.0) > 1e-9)
            lose++;
    assert_int_equal(lose, 125);
    assert_double_equal(sim_v7_lot(0, 0.01, 100, 0.01), 0.01, 1e-12);     /* <= 0 -> 0.01 */
    assert_double_equal(sim_v7_lot(500, 0.01, 100, 0.01), 100.0, 1e-12);  /* clamped */
    assert_double_equal(sim_v7_lot(0.001, 0.01, 100, 0.01), 0.01, 1e-12); /* up to min */
    assert_true(sim_v7_lot(0.05, 0.1, 100, 0.3) < 0); /* 0.1 / 0.3 floors to 0: error */
}

static void test_v7_stops_are_points_of_the_traded_symbol(void **state)
{
    (void)state;
    //  EURUSD buy at 1.17619, sl 200 points, tp 300 points.
    assert_double_equal(sim_v7_stop(true, true, 1.17619, 200, 0.00001, 5), 1.17419, 1e-12);
    assert_double_equal(sim_v7_stop(true, false, 1.17619, 300, 0.00001, 5), 1.17919, 1e-12);
    //  A sell: sl above, tp below.
    assert_double_equal(sim_v7_stop(false, true, 1.17617, 200, 0.00001, 5), 1.17817, 1e-12);
    assert_double_equal(sim_v7_stop(false, false, 1.17617, 300, 0.00001, 5), 1.17317, 1e-12);
    //  USDCNH quotes 4 digits: 200 points are 0.0200, ten times a 5-digit assumption.
    assert_double_equal(sim_v7_stop(true, true, 7.1201, 200, 0.0001, 4), 7.1001, 1e-12);
    assert_double_equal(sim_v7_stop(true, true, 1.1, 0, 0.00001, 5), 0.0, 0.0);
}

static void test_v2_stops_on_the_wrong_side_become_zero(void **state)
{
    (void)state;
    assert_double_equal(sim_v2_stop(true, true, 1.17619, 1.17419), 1.17419, 0.0);
    assert_double_equal(sim_v2_stop(true, true, 1.17619, 1.17819), 0.0, 0.0); /* above a buy */
    assert_double_equal(sim_v2_stop(true, false, 1.17619, 1.17419), 0.0, 0.0);
    assert_double_equal(sim_v2_stop(false, true, 1.17617, 1.17817), 1.17817, 0.0);
    assert_double_equal(sim_v2_stop(false, true, 1.17617, 1.17417), 0.0, 0.0);
    assert_double_equal(sim_v2_stop(true, true, 1.17619, 200), 0.0, 0.0); /* points by mistake */
    assert_double_equal(sim_v2_stop(true, false, 1.17619, 200), 200, 0.0);
}

static void test_direction_rules(void **state)
{
    (void)state;
    assert_true(sim_v205_is_buy("BUY", "", 0, 1.1, 1.1002));
    assert_true(sim_v205_is_buy("buy", "", 0, 1.1, 1.1002));
    assert_false(sim_v205_is_buy("Buy", "", 0, 1.1, 1.1002));
    assert_false(sim_v205_is_buy("long", "", 0, 1.1, 1.1002));
    assert_true(sim_v205_is_buy("", "buy", 0, 1.1, 1.1002));
    assert_true(sim_v205_is_buy("", "", 0, 1.1, 1.1002));
    assert_true(sim_v202_is_buy(0, 1.1, 1.1002));
    assert_true(sim_v202_is_buy(1.1002, 1.1, 1.1002));
    assert_false(sim_v202_is_buy(1.1, 1.1, 1.1002));
    assert_false(sim_v202_is_buy(1.1001, 1.1, 1.1002)); /* a tie sells */
}

static void test_server_time_and_broker_facts(void **state)
{
    (void)state;
    char ts[32];
    sim_server_time_str(1757954032 + 10800, ts, sizeof ts);
    assert_string_equal(ts, "2025.09.15 19:33:52");
    const sim_broker_symbol_t *cnh = sim_broker_symbol("USDCNH");
    assert_non_null(cnh);
    assert_int_equal(cnh->digits, 4);
    assert_int_equal(sim_broker_symbol("XAUUSD")->digits, 2);
    assert_null(sim_broker_symbol("EURUSDm"));
    bitten_symbols_t *t = bitten_symbols_new_defaults();
    assert_non_null(t);
    assert_int_equal(bitten_symbols_find(t, "USDCNH")->digits, 4); /* the shared default */
    //  A table that says otherwise (a symbols section with 5 digits) gets the broker's facts.
    bitten_symbol_t five = *bitten_symbols_find(t, "USDCNH");
    five.digits = 5;
    five.point = 0.00001;
    assert_int_equal(bitten_symbols_put(t, &five, NULL, 0), 0);
    assert_int_equal(bitten_symbols_find(t, "USDCNH")->digits, 5);
    assert_int_equal(sim_broker_apply(t), 0);
    assert_int_equal(bitten_symbols_find(t, "USDCNH")->digits, 4);
    assert_double_equal(bitten_symbols_find(t, "USDCNH")->point, 0.0001, 1e-15);
    bitten_symbols_destroy(&t);
    sim_dialect_t d;
    assert_int_equal(sim_dialect_parse("v2.05", &d), 0);
    assert_int_equal(d, SIM_DIALECT_V205);
    assert_int_equal(sim_dialect_parse("v2.5", &d), -1);
    assert_string_equal(sim_dialect_str(SIM_DIALECT_V7), "v7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v7_lot_loses_a_step_on_binary_doubles),
        cmocka_unit_test(test_v7_stops_are_points_of_the_traded_symbol),
        cmocka_unit_test(test_v2_stops_on_the_wrong_side_become_zero),
        cmocka_unit_test(test_direction_rules),
        cmocka_unit_test(test_server_time_and_broker_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
