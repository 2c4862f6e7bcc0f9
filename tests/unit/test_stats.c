/*  test_stats.c: the report statistics (src/core/stats.c) against known values: Wilson
 *  interval, Student t quantile, the t interval of the expectancy, the sample-size figure and
 *  the keyed table's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bitten/stats.h"

/*  cmocka's float assert is single precision: compare doubles here, printing both. */
static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

static void test_wilson_matches_textbook_values(void **state)
{
    double lo, hi;
    bitten_wilson(5, 10, BITTEN_Z95, &lo, &hi); /* 0.5: [0.2366, 0.7634] */
    assert_double_equal(lo, 0.2366, 1e-4);
    assert_double_equal(hi, 0.7634, 1e-4);
    bitten_wilson(0, 10, BITTEN_Z95, &lo, &hi); /* 0 of 10: [0, 0.2775] */
    assert_double_equal(lo, 0.0, 1e-12);
    assert_double_equal(hi, 0.2775, 1e-4);
    bitten_wilson(81, 263, BITTEN_Z95, &lo, &hi); /* 30.8%: [25.5, 36.6] */
    assert_double_equal(lo, 0.2553, 1e-3);
    assert_double_equal(hi, 0.3660, 1e-3);
    bitten_wilson(0, 0, BITTEN_Z95, &lo, &hi); /* nothing known */
    assert_true(lo == 0.0 && hi == 1.0);
}

static void test_t_quantile_matches_tables(void **state)
{
    assert_double_equal(bitten_t975(1), 12.7062, 1e-4);
    assert_double_equal(bitten_t975(10), 2.2281, 1e-4);
    assert_double_equal(bitten_t975(30), 2.0423, 1e-4);
    assert_double_equal(bitten_t975(40), 2.0211, 2e-4);
    assert_double_equal(bitten_t975(60), 2.0003, 2e-4);
    assert_double_equal(bitten_t975(120), 1.9799, 2e-4);
    assert_double_equal(bitten_t975(100000), 1.9600, 2e-4);
    assert_true(isnan(bitten_t975(0)));
}

static void test_expectancy_interval_is_the_t_interval(void **state)
{
    bitten_rstats_t s;
    memset(&s, 0, sizeof s);
    for (int i = 1; i <= 5; i++) /* R 1..5: mean 3, sd 1.5811, t(4) = 2.7764 */
        bitten_rstats_add(&s, BITTEN_OUTCOME_TIMEOUT, (double)i, 1.5);
    bitten_rstats_add(&s, BITTEN_OUTCOME_OPEN, -0.5, 1.5); /* kept apart */
    bitten_rsummary_t r;
    bitten_rstats_summary(&s, 0.1, &r);
    assert_int_equal(r.closed, 5);
    assert_int_equal(r.open, 1);
    assert_int_equal(r.count, 6);
    assert_double_equal(r.expectancy, 3.0, 1e-12);
    assert_double_equal(r.sd, 1.58114, 1e-5);
    assert_double_equal(r.exp_lo, 3.0 - 1.96324, 1e-4);
    assert_double_equal(r.exp_hi, 3.0 + 1.96324, 1e-4);
    assert_double_equal(r.open_mean_r, -0.5, 1e-12);
    assert_double_equal(r.win_rate, 0.0, 1e-12); /* time-outs are closed, not wins */
    //  (1.96 + 0.8416)^2 x 1.58114^2 / 0.01 = 1962.2 -> 1963
    assert_int_equal(r.needed_for_edge, 1963);
}

static void test_wins_and_losses_give_rate_breakeven_and_a_floor_on_the_sd(void **state)
{
    bitten_rstats_t s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 4; i++)
        bitten_rstats_add(&s, BITTEN_OUTCOME_LOSS, -1.0, 2.0);
    bitten_rsummary_t r;
    bitten_rstats_summary(&s, 0.1, &r);
    assert_double_equal(r.win_rate, 0.0, 1e-12);
    assert_double_equal(r.breakeven_win_rate, 1.0 / 3.0, 1e-12);
    assert_double_equal(r.sd, 0.0, 1e-12);
    //  four identical losses do not make "1 trade suffices": sd floor sqrt(2)
    assert_int_equal(r.needed_for_edge, (uint64_t)ceil(pow(2.801585 * sqrt(2.0) / 0.1, 2.0)));
    memset(&s, 0, sizeof s);
    bitten_rstats_summary(&s, 0.1, &r); /* nothing: undefined, not zero */
    assert_true(isnan(r.win_rate) && isnan(r.expectancy) && isnan(r.exp_lo));
    assert_int_equal(r.needed_for_edge, 0);
}

static void test_table_keeps_keys_sorted_and_merges(void **state)
{
    bitten_rtable_t t = {0};
    bitten_rstats_add(bitten_rtable_get(&t, "symbol=USDJPY"), BITTEN_OUTCOME_WIN, 1.5, 1.5);
    bitten_rstats_add(bitten_rtable_get(&t, "pattern=BB_SCALP"), BITTEN_OUTCOME_LOSS, -1, 1.5);
    bitten_rstats_add(bitten_rtable_get(&t, "symbol=USDJPY"), BITTEN_OUTCOME_LOSS, -1, 1.5);
    assert_int_equal(t.count, 2);
    assert_string_equal(t.items[0].key, "pattern=BB_SCALP");
    assert_string_equal(t.items[1].key, "symbol=USDJPY");
    assert_int_equal(t.items[1].s.n[BITTEN_OUTCOME_WIN] + t.items[1].s.n[BITTEN_OUTCOME_LOSS], 2);
    char longkey[100];
    memset(longkey, 'x', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_null(bitten_rtable_get(&t, longkey));
    bitten_rstats_t sum = {0};
    bitten_rstats_merge(&sum, &t.items[0].s);
    bitten_rstats_merge(&sum, &t.items[1].s);
    assert_double_equal(sum.sum_r, -0.5, 1e-12);
    assert_string_equal(bitten_outcome_str(BITTEN_OUTCOME_TIMEOUT), "TIMEOUT");
    bitten_rtable_free(&t);
}

//  A report's figures give back the record they came from (so a printed report can seed one).
static void test_figures_rebuild_the_record(void **state)
{
    bitten_rstats_t a;
    memset(&a, 0, sizeof a);
    const double rs[] = {2.0, -1.0, -1.0, 0.35, -1.12, 2.0, -0.4};
    for (size_t i = 0; i < sizeof rs / sizeof *rs; i++)
        bitten_rstats_add(&a, rs[i] == 2.0 ? BITTEN_OUTCOME_WIN
                              : rs[i] < -0.9 ? BITTEN_OUTCOME_LOSS
                                             : BITTEN_OUTCOME_TIMEOUT,
                          rs[i], 2.0);
    bitten_rstats_add(&a, BITTEN_OUTCOME_OPEN, 0.5, 2.0);
    bitten_rsummary_t sa, sb;
    bitten_rstats_summary(&a, 0.1, &sa);
    bitten_rstats_t b;
    assert_int_equal(bitten_rstats_from_figures(&b, sa.wins, sa.losses, sa.timeouts, sa.expectancy,
                                                sa.sd, sa.avg_rr),
                     0);
    bitten_rstats_summary(&b, 0.1, &sb);
    assert_int_equal(sb.closed, sa.closed);
    assert_int_equal(sb.open, 0); /* OPEN trades are not part of it */
    assert_true(fabs(sb.expectancy - sa.expectancy) < 1e-12);
    assert_true(fabs(sb.sd - sa.sd) < 1e-12);
    assert_true(fabs(sb.exp_lo - sa.exp_lo) < 1e-12);
    assert_true(fabs(sb.avg_rr - sa.avg_rr) < 1e-12);
    //  Edges: nothing closed needs no figure; one closed needs no sd; undefined figures refuse.
    assert_int_equal(bitten_rstats_from_figures(&b, 0, 0, 0, NAN, NAN, NAN), 0);
    assert_int_equal(b.n[BITTEN_OUTCOME_WIN] + b.n[BITTEN_OUTCOME_LOSS], 0);
    assert_int_equal(bitten_rstats_from_figures(&b, 1, 0, 0, 2.0, NAN, 2.0), 0);
    assert_true(b.sum_r == 2.0 && b.sum_r2 == 4.0);
    bitten_rstats_t keep = b;
    assert_int_equal(bitten_rstats_from_figures(&b, 1, 1, 0, 0.5, NAN, 2.0), -1);
    assert_int_equal(bitten_rstats_from_figures(&b, 1, 1, 0, 0.5, -1.0, 2.0), -1);
    assert_int_equal(bitten_rstats_from_figures(&b, 1, 0, 0, INFINITY, 0.0, 2.0), -1);
    assert_int_equal(bitten_rstats_from_figures(&b, 1, 0, 0, 1.0, 0.0, NAN), -1);
    assert_int_equal(bitten_rstats_from_figures(&b, (uint64_t)1 << 53, 0, 0, 1.0, 0.0, 1.0), -1);
    assert_int_equal(bitten_rstats_from_figures(NULL, 1, 0, 0, 1.0, 0.0, 1.0), -1);
    assert_memory_equal(&b, &keep, sizeof b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson_matches_textbook_values),
        cmocka_unit_test(test_t_quantile_matches_tables),
        cmocka_unit_test(test_expectancy_interval_is_the_t_interval),
        cmocka_unit_test(test_wins_and_losses_give_rate_breakeven_and_a_floor_on_the_sd),
        cmocka_unit_test(test_table_keeps_keys_sorted_and_merges),
        cmocka_unit_test(test_figures_rebuild_the_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
