/*  test_bars_csv.c: unit tests for the shared CSV tick/bar reader (src/replay/bars_csv.c)
 *  that `bittend --replay` and bitten-ea-sim both use: header detection, row validation with
 *  one reason per defect, the default bar layout, and a bar's four ticks; and the streaming
 *  replay's first pass and reorder queue (src/replay/csv_order.c): the order of a stable sort
 *  by time, in memory bounded by the time window rows stray over, not by the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/bars_csv.h"
#include "replay/csv_order.h"

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

static bitten_csv_row_t s_row(const char *symbol, bitten_ms_t time)
{
    bitten_csv_row_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.symbol, sizeof r.symbol, "%s", symbol);
    r.time = time;
    return r;
}

static void test_scan_finds_the_first_row_out_of_order_and_how_far(void **state)
{
    (void)state;
    bitten_csv_scan_t *s = bitten_csv_scan_new(BITTEN_CSV_TICKS);
    bitten_ms_t times[] = {1000, 1000, 2000, 5000, 4000, 5000, 2500, 9000};
    for (int i = 0; i < 8; i++) {
        bitten_csv_row_t r = s_row("EURUSD", times[i]);
        assert_int_equal(bitten_csv_scan_add(s, &r, (uint64_t)i + 2), 0); /* line 1: header */
    }
    bitten_ms_t by = -1;
    assert_int_equal(bitten_csv_scan_first_late(s, &by), 6); /* 4000 after 5000 */
    assert_true(by == 1000);
    assert_true(bitten_csv_scan_lateness(s) == 2500); /* 2500 after 5000 */
    bitten_csv_scan_destroy(&s);
    assert_null(s);
    s = bitten_csv_scan_new(BITTEN_CSV_TICKS);
    for (int i = 0; i < 4; i++) {
        bitten_csv_row_t r = s_row("EURUSD", 1000 * (i / 2)); /* equal times are in order */
        assert_int_equal(bitten_csv_scan_add(s, &r, (uint64_t)i + 2), 0);
    }
    assert_int_equal(bitten_csv_scan_first_late(s, &by), 0);
    assert_true(by == 0 && bitten_csv_scan_lateness(s) == 0);
    bitten_csv_scan_destroy(&s);
}

static void test_scan_spacing_is_the_most_frequent_gap_ties_to_the_shorter(void **state)
{
    (void)state;
    bitten_csv_scan_t *s = bitten_csv_scan_new(BITTEN_CSV_BARS);
    //  EURUSD: gaps 300 s x3, 600 s x1, a weekend; GBPUSD: 60 s x2 and 120 s x2 (a tie);
    //  USDJPY: one bar. Interleaved by time, as a multi-symbol file is.
    bitten_ms_t eu[] = {0, 300, 600, 900, 1500, 200000};
    bitten_ms_t gb[] = {0, 60, 120, 240, 360};
    bitten_csv_row_t r;
    uint64_t line = 1;
    for (int i = 0; i < 6; i++) {
        r = s_row("EURUSD", 1000000 + eu[i] * 1000);
        assert_int_equal(bitten_csv_scan_add(s, &r, ++line), 0);
        if (i < 5) {
            r = s_row("GBPUSD", 1000000 + gb[i] * 1000);
            assert_int_equal(bitten_csv_scan_add(s, &r, ++line), 0);
        }
    }
    r = s_row("USDJPY", 5000000);
    assert_int_equal(bitten_csv_scan_add(s, &r, ++line), 0);
    assert_true(bitten_csv_scan_spacing(s, "EURUSD") == 300000);
    assert_true(bitten_csv_scan_spacing(s, "GBPUSD") == 60000);
    assert_true(bitten_csv_scan_spacing(s, "USDJPY") == BITTEN_CSV_DEFAULT_BAR_MS);
    assert_true(bitten_csv_scan_spacing(s, "XAUUSD") == BITTEN_CSV_DEFAULT_BAR_MS);
    //  One more 120 s gap for GBPUSD breaks the tie: counted again after an add.
    r = s_row("GBPUSD", 1000000 + 480000);
    assert_int_equal(bitten_csv_scan_add(s, &r, ++line), 0);
    assert_true(bitten_csv_scan_spacing(s, "GBPUSD") == 120000);
    //  A tick file counts no gaps: every symbol has the default.
    bitten_csv_scan_t *t = bitten_csv_scan_new(BITTEN_CSV_TICKS);
    for (int i = 0; i < 3; i++) {
        r = s_row("EURUSD", 1000000 + 5000 * i);
        assert_int_equal(bitten_csv_scan_add(t, &r, (uint64_t)i + 2), 0);
    }
    assert_true(bitten_csv_scan_spacing(t, "EURUSD") == BITTEN_CSV_DEFAULT_BAR_MS);
    bitten_csv_scan_destroy(&t);
    bitten_csv_scan_destroy(&s);
}

//  Many distinct gaps (the table rehashes on the way) and many rows of few gaps.
static void test_scan_counts_many_gaps_and_many_symbols(void **state)
{
    (void)state;
    bitten_csv_scan_t *s = bitten_csv_scan_new(BITTEN_CSV_BARS);
    bitten_ms_t t = 1000;
    for (int i = 0; i < 5000; i++) { /* gaps 7, 7, then 2..4999 ms once each */
        t += i < 3 ? 7 : i;
        bitten_csv_row_t r = s_row("AAAAAA", t);
        assert_int_equal(bitten_csv_scan_add(s, &r, (uint64_t)i + 2), 0);
    }
    assert_true(bitten_csv_scan_spacing(s, "AAAAAA") == 7);
    char sym[16];
    for (int i = 0; i < 100000; i++) {
        snprintf(sym, sizeof sym, "S%05d", i % 20);
        bitten_csv_row_t r = s_row(sym, 100000000 + (bitten_ms_t)(i / 20) * 300000);
        assert_int_equal(bitten_csv_scan_add(s, &r, (uint64_t)i + 5002), 0);
    }
    assert_true(bitten_csv_scan_spacing(s, "S00000") == 300000);
    assert_true(bitten_csv_scan_spacing(s, "S00019") == 300000);
    assert_true(bitten_csv_scan_spacing(s, "AAAAAA") == 7);
    bitten_csv_scan_destroy(&s);
}

typedef struct {
    bitten_ms_t ts;
    uint64_t seq;
} s_item_t;

static int s_cmp_item(const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/*  n_rows rows of n_syms symbols a bar spacing apart, each jittered back by up to jitter ms,
 *  each giving per_row items at row time + k x spacing / 4 (as the replay expands a bar).
 *  The queue's output must be exactly the stable sort of every item by time; returns the
 *  most items it held at once. */
static size_t s_queue_run(int n_rows, int n_syms, bitten_ms_t spacing, bitten_ms_t jitter,
                          int per_row)
{
    size_t total = (size_t)n_rows * (size_t)per_row;
    s_item_t *want = malloc(total * sizeof *want), *got = malloc(total * sizeof *got);
    bitten_ms_t *times = malloc((size_t)n_rows * sizeof *times);
    assert_non_null(want);
    assert_non_null(got);
    assert_non_null(times);
    bitten_csv_scan_t *scan = bitten_csv_scan_new(BITTEN_CSV_TICKS);
    unsigned seed = 12345;
    for (int i = 0; i < n_rows; i++) {
        seed = seed * 1103515245u + 12345u;
        bitten_ms_t back = jitter ? (bitten_ms_t)((seed >> 8) % (unsigned)(jitter + 1)) : 0;
        times[i] = 100000000 + (bitten_ms_t)(i / n_syms) * spacing - back;
        bitten_csv_row_t r = s_row("EURUSD", times[i]);
        assert_int_equal(bitten_csv_scan_add(scan, &r, (uint64_t)i + 2), 0);
    }
    assert_true(bitten_csv_scan_lateness(scan) <= jitter);
    bitten_csv_queue_t *q = bitten_csv_queue_new(sizeof(s_item_t), bitten_csv_scan_lateness(scan));
    assert_non_null(q);
    size_t n = 0, out = 0;
    for (int i = 0; i < n_rows; i++) {
        for (int k = 0; k < per_row; k++) {
            s_item_t it = {times[i] + spacing * k / 4,
                           (uint64_t)i * (uint64_t)per_row + (uint64_t)k};
            want[n++] = it;
            assert_int_equal(bitten_csv_queue_push(q, times[i], it.ts, it.seq, &it), 0);
        }
        while (out < total && bitten_csv_queue_pop(q, 0, &got[out]))
            out++;
    }
    while (out < total && bitten_csv_queue_pop(q, 1, &got[out]))
        out++;
    s_item_t extra;
    assert_int_equal(bitten_csv_queue_pop(q, 1, &extra), 0);
    assert_int_equal(out, total);
    assert_int_equal(bitten_csv_queue_count(q), 0);
    qsort(want, total, sizeof *want, s_cmp_item);
    for (size_t i = 0; i < total; i++) {
        assert_true(got[i].ts == want[i].ts);
        assert_int_equal(got[i].seq, want[i].seq);
    }
    size_t max = bitten_csv_queue_max(q);
    bitten_csv_queue_destroy(&q);
    assert_null(q);
    bitten_csv_scan_destroy(&scan);
    free(times);
    free(want);
    free(got);
    return max;
}

static void test_queue_gives_a_stable_time_sort_holding_only_the_open_bars(void **state)
{
    (void)state;
    //  Bars of 15 symbols in time order: only the bars still going on are held, whatever the
    //  number of rows (8x the rows, the same most held).
    size_t few = s_queue_run(1500, 15, 300000, 0, 4), many = s_queue_run(12000, 15, 300000, 0, 4);
    assert_true(few <= 4 * 15);
    assert_int_equal(few, many);
    //  Ticks in time order: each goes straight through.
    assert_int_equal(s_queue_run(5000, 3, 1000, 0, 1), 1);
    //  Equal times across symbols keep file order.
    assert_true(s_queue_run(3000, 3, 0, 0, 4) <= 4 * 3000);
    //  Rows up to 5 s out of order, 1 s apart: the sort is still exact, and what is held is
    //  the 5 s window, not the file.
    size_t j1 = s_queue_run(2000, 1, 1000, 5000, 1), j8 = s_queue_run(16000, 1, 1000, 5000, 1);
    assert_true(j1 <= 12 && j8 <= 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_tells_ticks_from_bars_in_any_order),
        cmocka_unit_test(test_rows_are_refused_with_a_reason),
        cmocka_unit_test(test_a_bar_becomes_four_ticks_low_first_when_bullish),
        cmocka_unit_test(test_scan_finds_the_first_row_out_of_order_and_how_far),
        cmocka_unit_test(test_scan_spacing_is_the_most_frequent_gap_ties_to_the_shorter),
        cmocka_unit_test(test_scan_counts_many_gaps_and_many_symbols),
        cmocka_unit_test(test_queue_gives_a_stable_time_sort_holding_only_the_open_bars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
