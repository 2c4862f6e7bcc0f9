/*  test_venom_candles.c: VENOM's candle builder (src/modules/venom/candles.c): M1/M5/M15
 *  bucketing on market time, tick volume, gaps, out-of-order drops, candle_batch merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "modules/venom/venom_core.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_near(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

#define T0 1757944800000LL /* 2025-09-15 14:00:00 UTC, an M15 boundary */
#define MIN 60000LL
#define SEC 1000LL

static venom_candles_t *s_new(void)
{
    venom_candles_t *c = venom_candles_new(1440, 600, 400);
    assert_non_null(c);
    return c;
}

static void test_m1_closes_on_first_tick_of_next_minute(void **state)
{
    venom_candles_t *cb = s_new();
    bitten_candle_t m1;
    assert_int_equal(venom_candles_on_tick(cb, T0, 1.0, 0, &m1), 0);
    assert_int_equal(venom_candles_on_tick(cb, T0 + 20 * SEC, 3.0, 0, &m1), 0);
    assert_int_equal(venom_candles_on_tick(cb, T0 + 40 * SEC, 0.5, 0, &m1), 0);
    assert_int_equal(venom_candles_on_tick(cb, T0 + MIN - 1, 2.0, 0, &m1), 0);
    const bitten_candle_t *closed;
    assert_int_equal(venom_candles_closed(cb, 60, &closed), 0);
    assert_int_equal(venom_candles_on_tick(cb, T0 + MIN, 2.5, 0, &m1), 1);
    assert_int_equal(m1.time, T0);
    assert_near(m1.open, 1.0, 0);
    assert_near(m1.high, 3.0, 0);
    assert_near(m1.low, 0.5, 0);
    assert_near(m1.close, 2.0, 0);
    assert_int_equal(venom_candles_closed(cb, 60, &closed), 1);
    assert_int_equal(closed[0].time, T0);
    bitten_candle_t f;
    assert_true(venom_candles_forming(cb, 60, &f));
    assert_int_equal(f.time, T0 + MIN);
    venom_candles_destroy(&cb);
    assert_null(cb);
}

static void test_volume_is_tick_count_when_ea_volume_is_zero(void **state)
{
    venom_candles_t *cb = s_new();
    bitten_candle_t m1;
    venom_candles_on_tick(cb, T0, 1.0, 0, NULL);
    venom_candles_on_tick(cb, T0 + 1 * SEC, 1.0, 0, NULL);
    venom_candles_on_tick(cb, T0 + 2 * SEC, 1.0, 0, NULL);
    venom_candles_on_tick(cb, T0 + MIN, 1.0, 5, &m1);
    assert_near(m1.volume, 3.0, 0);
    venom_candles_on_tick(cb, T0 + MIN + SEC, 1.0, 7, NULL);
    venom_candles_on_tick(cb, T0 + 2 * MIN, 1.0, 0, &m1);
    assert_near(m1.volume, 12.0, 0); /* EA volume when > 0 */
    venom_candles_destroy(&cb);
}

static void test_m5_and_m15_aggregate_by_floor_of_time(void **state)
{
    venom_candles_t *cb = s_new();
    /* one tick per minute, price = minute index, for 16 minutes */
    for (int m = 0; m <= 15; m++)
        venom_candles_on_tick(cb, T0 + m * MIN + 30 * SEC, 100.0 + m, 0, NULL);
    const bitten_candle_t *m5, *m15;
    /* the tick at 14:15:30 closed M1 14:14, then M5 14:10 and M15 14:00 */
    assert_int_equal(venom_candles_closed(cb, 300, &m5), 3);
    assert_int_equal(m5[0].time, T0);
    assert_int_equal(m5[1].time, T0 + 5 * MIN);
    assert_near(m5[0].open, 100, 0);
    assert_near(m5[0].close, 104, 0);
    assert_near(m5[0].high, 104, 0);
    assert_near(m5[0].low, 100, 0);
    assert_near(m5[0].volume, 5, 0);
    assert_int_equal(venom_candles_closed(cb, 900, &m15), 1);
    assert_int_equal(m15[0].time, T0);
    assert_near(m15[0].open, 100, 0);
    assert_near(m15[0].close, 114, 0);
    assert_near(m15[0].volume, 15, 0);
    assert_false(venom_candles_forming(cb, 300, NULL)); /* no M1 of 14:15 closed yet */
    venom_candles_destroy(&cb);
}

static void test_m5_series_ends_with_forming_candle_from_closed_m1(void **state)
{
    venom_candles_t *cb = s_new();
    for (int m = 0; m <= 7; m++)
        venom_candles_on_tick(cb, T0 + m * MIN, 100.0 + m, 0, NULL);
    bitten_candle_t buf[8];
    /* closed M5 14:00 (minutes 0-4) + forming 14:05 from closed M1 14:05, 14:06 */
    size_t n = venom_candles_m5_series(cb, buf, 8);
    assert_int_equal(n, 2);
    assert_int_equal(buf[1].time, T0 + 5 * MIN);
    assert_near(buf[1].open, 105, 0);
    assert_near(buf[1].close, 106, 0);
    /* when the closed M1 completed its bucket, cur is that (now closed) M5 */
    venom_candles_t *cb2 = s_new();
    for (int m = 0; m <= 5; m++)
        venom_candles_on_tick(cb2, T0 + m * MIN, 100.0 + m, 0, NULL);
    n = venom_candles_m5_series(cb2, buf, 8);
    assert_int_equal(n, 1);
    assert_near(buf[0].close, 104, 0);
    venom_candles_destroy(&cb);
    venom_candles_destroy(&cb2);
}

static void test_gaps_are_not_filled_with_invented_candles(void **state)
{
    venom_candles_t *cb = s_new();
    venom_candles_on_tick(cb, T0, 1.0, 0, NULL);
    venom_candles_on_tick(cb, T0 + MIN, 1.1, 0, NULL);
    venom_candles_on_tick(cb, T0 + 12 * MIN, 1.2, 0, NULL); /* 10 quiet minutes */
    const bitten_candle_t *m1, *m5;
    assert_int_equal(venom_candles_closed(cb, 60, &m1), 2);
    assert_int_equal(m1[1].time, T0 + MIN);
    assert_int_equal(venom_candles_closed(cb, 300, &m5), 1); /* 14:00 only, no 14:05 */
    assert_int_equal(m5[0].time, T0);
    venom_candles_on_tick(cb, T0 + 13 * MIN, 1.3, 0, NULL);
    assert_int_equal(venom_candles_closed(cb, 60, &m1), 3);
    assert_int_equal(m1[2].time, T0 + 12 * MIN);
    venom_candles_destroy(&cb);
}

static void test_tick_older_than_current_m1_is_dropped(void **state)
{
    venom_candles_t *cb = s_new();
    venom_candles_on_tick(cb, T0 + 50 * SEC, 1.0, 0, NULL);
    venom_candles_on_tick(cb, T0 + MIN + 10 * SEC, 2.0, 0, NULL);
    assert_int_equal(venom_candles_on_tick(cb, T0 + 59 * SEC, 9.0, 0, NULL), -1);
    /* earlier than the last tick but inside the current bucket: accepted */
    assert_int_equal(venom_candles_on_tick(cb, T0 + MIN + 5 * SEC, 3.0, 0, NULL), 0);
    bitten_candle_t f;
    assert_true(venom_candles_forming(cb, 60, &f));
    assert_near(f.high, 3.0, 0);
    const bitten_candle_t *m1;
    assert_int_equal(venom_candles_closed(cb, 60, &m1), 1);
    assert_near(m1[0].high, 1.0, 0); /* the dropped 9.0 changed nothing */
    venom_candles_destroy(&cb);
}

static void test_batch_merges_by_time_and_never_overwrites_tick_candles(void **state)
{
    venom_candles_t *cb = s_new();
    for (int m = 0; m <= 3; m++)
        venom_candles_on_tick(cb, T0 + m * MIN, 1.0 + m, 0, NULL); /* M1 14:00..14:02 closed */
    bitten_candle_t batch[6];
    for (int i = 0; i < 6; i++) /* 13:58 .. 14:03 */
        batch[i] = (bitten_candle_t){T0 + (i - 2) * MIN, 50, 60, 40, 55, 9};
    assert_int_equal(venom_candles_merge(cb, 60, batch, 6), 2); /* 13:58, 13:59 only */
    const bitten_candle_t *m1;
    assert_int_equal(venom_candles_closed(cb, 60, &m1), 5);
    assert_int_equal(m1[0].time, T0 - 2 * MIN);
    assert_int_equal(m1[2].time, T0);
    assert_near(m1[2].open, 1.0, 0); /* still the tick-built candle */
    bitten_candle_t f;
    assert_true(venom_candles_forming(cb, 60, &f));
    assert_near(f.open, 4.0, 0); /* forming 14:03 untouched */
    /* the batch back-filled M5 13:55 from its M1s, not 14:00 (being built) */
    const bitten_candle_t *m5;
    assert_int_equal(venom_candles_closed(cb, 300, &m5), 1);
    assert_int_equal(m5[0].time, T0 - 5 * MIN);
    assert_near(m5[0].volume, 18, 0);
    /* merging again adds nothing */
    assert_int_equal(venom_candles_merge(cb, 60, batch, 6), 0);
    assert_int_equal(venom_candles_merge(cb, 120, batch, 6), -1);
    venom_candles_destroy(&cb);
}

static void test_batch_warms_up_m5_and_ticks_continue_after_it(void **state)
{
    venom_candles_t *cb = s_new();
    bitten_candle_t batch[3];
    for (int i = 0; i < 3; i++)
        batch[i] = (bitten_candle_t){T0 - (3 - i) * 5 * MIN, 1, 2, 0, 1, 0};
    batch[1].time += 1; /* not aligned: skipped */
    assert_int_equal(venom_candles_merge(cb, 300, batch, 3), 2);
    const bitten_candle_t *m5;
    assert_int_equal(venom_candles_closed(cb, 300, &m5), 2);
    venom_candles_on_tick(cb, T0, 1.0, 0, NULL);
    venom_candles_on_tick(cb, T0 + MIN, 1.0, 0, NULL);
    bitten_candle_t buf[4];
    assert_int_equal(venom_candles_m5_series(cb, buf, 4), 3);
    assert_int_equal(buf[2].time, T0);
    venom_candles_destroy(&cb);
}

static void test_rings_keep_the_newest_closed_candles(void **state)
{
    venom_candles_t *cb = venom_candles_new(3, 2, 2);
    for (int m = 0; m <= 12; m++)
        venom_candles_on_tick(cb, T0 + m * MIN, m, 0, NULL);
    const bitten_candle_t *m1, *m5;
    assert_int_equal(venom_candles_closed(cb, 60, &m1), 3);
    assert_int_equal(m1[0].time, T0 + 9 * MIN);
    assert_int_equal(m1[2].time, T0 + 11 * MIN);
    assert_int_equal(venom_candles_closed(cb, 300, &m5), 2);
    bitten_candle_t buf[1];
    assert_int_equal(venom_candles_m5_series(cb, buf, 1), 1); /* just the forming one */
    assert_int_equal(buf[0].time, T0 + 10 * MIN);
    venom_candles_destroy(&cb);
}

/*  The view is the series without the copy, also after the ring dropped its oldest (it moves
 *  forward in its buffer and back now and then). */
static void test_m5_view_equals_the_copied_series(void **state)
{
    venom_candles_t *cb = venom_candles_new(50, 7, 5);
    assert_non_null(cb);
    bitten_candle_t buf[8];
    uint64_t last_version = 0;
    size_t last_closed = 0;
    bitten_candle_t last[8];
    for (int m = 0; m < 400; m++) {
        venom_candles_on_tick(cb, T0 + m * MIN, 100.0 + (m % 13), 0, NULL);
        size_t n, closed;
        uint64_t version;
        const bitten_candle_t *v = venom_candles_m5_view(cb, &n, &closed, &version);
        size_t copied = venom_candles_m5_series(cb, buf, 8);
        assert_int_equal(n, copied);
        assert_true(closed == n || closed + 1 == n);
        assert_memory_equal(v, buf, n * sizeof *v);
        /* other closed candles => another version (what state kept over them relies on) */
        bool same = closed == last_closed && memcmp(v, last, closed * sizeof *v) == 0;
        if (!same)
            assert_true(version != last_version);
        last_version = version;
        last_closed = closed;
        memcpy(last, v, closed * sizeof *v);
        const bitten_candle_t *ring;
        assert_int_equal(venom_candles_closed(cb, 300, &ring), closed);
        assert_ptr_equal(ring, v);
    }
    venom_candles_destroy(&cb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_m1_closes_on_first_tick_of_next_minute),
        cmocka_unit_test(test_volume_is_tick_count_when_ea_volume_is_zero),
        cmocka_unit_test(test_m5_and_m15_aggregate_by_floor_of_time),
        cmocka_unit_test(test_m5_series_ends_with_forming_candle_from_closed_m1),
        cmocka_unit_test(test_gaps_are_not_filled_with_invented_candles),
        cmocka_unit_test(test_tick_older_than_current_m1_is_dropped),
        cmocka_unit_test(test_batch_merges_by_time_and_never_overwrites_tick_candles),
        cmocka_unit_test(test_batch_warms_up_m5_and_ticks_continue_after_it),
        cmocka_unit_test(test_rings_keep_the_newest_closed_candles),
        cmocka_unit_test(test_m5_view_equals_the_copied_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
