/*  test_bars_csv.c: unit tests for the shared CSV tick/bar reader (src/replay/bars_csv.c)
 *  that `bittend --replay` and bitten-ea-sim both use: header detection, row validation with
 *  one reason per defect, the default bar layout, and a bar's four ticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "replay/bars_csv.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

static void test_header_tells_ticks_from_bars_in_any_order(void **state)
{
    (void)state;
    bitten_csv_columns_t c;
    char ticks[] = "Symbol, ask ,bid,timestamp\r\n";
    assert_int_equal(bitten_csv_header(ticks, &c), 0);
    assert_int_equal(c.kind, BITTEN_CSV_TICKS);
    assert_int_equal(c.symbol, 0);
    assert_int_equal(c.v[0], 2); /* bid */
    assert_int_equal(c.v[1], 1); /* ask */
    assert_int_equal(c.time, 3);
    assert_int_equal(c.volume, -1);
    char bars[] = "time,symbol,open,high,low,close,volume";
    assert_int_equal(bitten_csv_header(bars, &c), 0);
    assert_int_equal(c.kind, BITTEN_CSV_BARS);
    assert_int_equal(c.nv, 4);
    assert_int_equal(c.v[3], 5);
    assert_int_equal(c.volume, 6);
    char missing[] = "time,symbol,open,high,close";
    assert_int_equal(bitten_csv_header(missing, &c), -1);
    char data[] = "1757938680,AUDJPY,98.2,98.3,98.1,98.2,0";
    assert_int_equal(bitten_csv_header(data, &c), -1);
}

static void test_rows_are_refused_with_a_reason(void **state)
{
    (void)state;
    bitten_csv_columns_t c;
    bitten_csv_columns_bars_default(&c);
    bitten_csv_row_t row;
    char ok[] = " 1757938680 , AUDJPY,98.206,98.229,98.204,98.2235,17\n";
    assert_int_equal(bitten_csv_row(ok, &c, 0, &row), BITTEN_R_OK);
    assert_string_equal(row.symbol, "AUDJPY");
    assert_true(row.time == (bitten_ms_t)1757938680 * 1000);
    assert_double_equal(row.v[1], 98.229, 1e-12);
    assert_double_equal(row.volume, 17.0, 1e-12);
    char novol[] = "1757938680,AUDJPY,98.206,98.229,98.204,98.2235,x";
    assert_int_equal(bitten_csv_row(novol, &c, 0, &row), BITTEN_R_OK);
    assert_double_equal(row.volume, 0.0, 0.0);
    char shortrow[] = "1757938680,AUDJPY,98.206,98.229,98.204";
    assert_int_equal(bitten_csv_row(shortrow, &c, 0, &row), BITTEN_R_BAD_FORMAT);
    char badtime[] = "yesterday,AUDJPY,98.206,98.229,98.204,98.2235";
    assert_int_equal(bitten_csv_row(badtime, &c, 0, &row), BITTEN_R_BAD_TIMESTAMP);
    char longsym[] = "1757938680,ABCDEFGHIJKLMNOPQRS,1,1,1,1";
    assert_int_equal(bitten_csv_row(longsym, &c, 0, &row), BITTEN_R_STRING_TOO_LONG);
    char badsym[] = "1757938680,eur/usd,1,1,1,1";
    assert_int_equal(bitten_csv_row(badsym, &c, 0, &row), BITTEN_R_BAD_FORMAT);
    char inf[] = "1757938680,EURUSD,1,1e999,1,1";
    assert_int_equal(bitten_csv_row(inf, &c, 0, &row), BITTEN_R_NOT_FINITE);
    char zero[] = "1757938680,EURUSD,0,1,1,1";
    assert_int_equal(bitten_csv_row(zero, &c, 0, &row), BITTEN_R_OUT_OF_RANGE);
    char enclose[] = "1757938680,EURUSD,1.2,1.1,1.0,1.05"; /* high below open */
    assert_int_equal(bitten_csv_row(enclose, &c, 0, &row), BITTEN_R_OUT_OF_RANGE);
    char hdr[] = "timestamp,symbol,bid,ask";
    assert_int_equal(bitten_csv_header(hdr, &c), 0);
    char crossed[] = "1757964832,EURUSD,1.1002,1.1";
    assert_int_equal(bitten_csv_row(crossed, &c, 0, &row), BITTEN_R_OUT_OF_RANGE);
    //  A server-time string is read with the offset: 19:33:52 at UTC+3 is 16:33:52 UTC.
    char text[] = "2025.09.15 19:33:52,EURUSD,1.17617,1.17619";
    assert_int_equal(bitten_csv_row(text, &c, 10800, &row), BITTEN_R_OK);
    assert_true(row.time == (bitten_ms_t)1757954032 * 1000);
}

static void test_a_bar_becomes_four_ticks_low_first_when_bullish(void **state)
{
    (void)state;
    bitten_csv_row_t bar = {.time = 60000, .symbol = "EURUSD", .v = {1.1, 1.3, 1.0, 1.2}};
    bitten_tick_t t[BITTEN_CSV_TICKS_PER_BAR];
    bitten_csv_bar_ticks(&bar, 60000, 0.5, t);
    const double mids[4] = {1.1, 1.0, 1.3, 1.2};
    for (int k = 0; k < 4; k++) {
        assert_string_equal(t[k].symbol, "EURUSD");
        assert_double_equal(t[k].bid, mids[k] - 0.5, 1e-12);
        assert_double_equal(t[k].ask, mids[k] + 0.5, 1e-12);
        assert_true(t[k].timestamp == 60000 + 15000 * k);
    }
    bar.v[3] = 1.05; /* bearish: high first */
    bitten_csv_bar_ticks(&bar, 300000, 0.0, t);
    assert_double_equal(t[1].bid, 1.3, 1e-12);
    assert_double_equal(t[2].bid, 1.0, 1e-12);
    assert_true(t[3].timestamp == 60000 + 225000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_tells_ticks_from_bars_in_any_order),
        cmocka_unit_test(test_rows_are_refused_with_a_reason),
        cmocka_unit_test(test_a_bar_becomes_four_ticks_low_first_when_bullish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
