/*  test_venom_trend.c: the trend chains carried along a sliding ring (src/modules/venom/trend.c)
 *  against the plain walk (venom_trend_closed) bit for bit: random walks with flat runs (ties:
 *  chains that meet and merge), rings that slide, syncs several candles apart, rebuilds
 *  (epoch changes, gaps longer than the ring), the real M5 closes of shared/data, and the
 *  ring lineage of the candle builder that tells the engine when it may carry; the carried
 *  ATR and swing parts (indicators.c) and the per-bar ATR history behind the context's ATR
 *  percentile against the plain functions, ties and window wrap included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/venom/venom_core.h"

static uint64_t s_rng = 88172645463325252ULL;

static uint64_t s_next(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static void s_same_state(const venom_trend_state_t *got, const venom_trend_state_t *want,
                         size_t at, const char *what)
{
    if (memcmp(got, want, sizeof *got) != 0) {
        print_error("%s: state differs at candle %zu (n %zu / %zu): ema %.17g/%.17g %.17g/%.17g "
                    "%.17g/%.17g prev %.17g/%.17g rsi %.17g/%.17g %.17g/%.17g\n",
                    what, at, got->n, want->n, got->ema_fast, want->ema_fast, got->ema_mid,
                    want->ema_mid, got->ema_slow, want->ema_slow, got->ema_mid_prev,
                    want->ema_mid_prev, got->rsi_gain, want->rsi_gain, got->rsi_loss,
                    want->rsi_loss);
        fail();
    }
}

/*  A wandering price: steps of -3 .. +3 pips, flat (0) one time in 7, long flat runs when
 *  flat_runs, plus noise in the last bits so that chains rarely meet by accident. */
static void s_walk(bitten_candle_t *c, size_t n, bool flat_runs)
{
    double price = 1.1;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = s_next();
        int step = (int)(x % 7) - 3;
        if (flat_runs && (i / 50) % 3 == 1)
            step = 0; /* 50 equal closes: every chain started inside agrees */
        price += step * 0.0001 + (flat_runs ? 0.0 : (double)(x >> 40) * 1e-12);
        c[i] = (bitten_candle_t){(bitten_ms_t)i * 300000, price, price, price, price, 0};
    }
}

/*  Slides a ring of cap over c[0 .. n): appends one candle at a time, syncs after every
 *  `every`-th append (1 .. every candles between syncs), bumps the epoch at the candles
 *  where bump(i) says so, and compares every sync with the plain walk. */
static void s_slide(const bitten_candle_t *c, size_t n, size_t cap, const int per[4],
                    size_t every, size_t bump_every, const char *what)
{
    venom_trend_chains_t *ch = venom_trend_chains_new(cap, per[0], per[1], per[2], per[3]);
    assert_non_null(ch);
    uint64_t epoch = 0, first = 0;
    for (size_t end = 1; end <= n; end++) {
        size_t lo = end > cap ? end - cap : 0;
        if (bump_every && end % bump_every == 0) {
            epoch++; /* the ring changed inside: the lineage starts over at its oldest */
            first = 0;
        }
        if (end > cap && !(bump_every && end % bump_every == 0))
            first++;
        size_t gap = every > 1 ? 1 + (size_t)(s_next() % every) : 1;
        if (end % gap != 0 && end != n)
            continue;
        venom_trend_state_t got, want;
        venom_trend_chains_sync(ch, c + lo, end - lo, first, epoch, &got);
        venom_trend_closed(&want, c + lo, end - lo, per[0], per[1], per[2], per[3]);
        s_same_state(&got, &want, end, what);
    }
    venom_trend_chains_destroy(&ch);
    assert_null(ch);
}

static const int s_periods[][4] = {
    {8, 21, 50, 14}, /* the defaults */
    {1, 2, 3, 1},    /* shortest */
    {3, 3, 200, 30}, /* a period longer than small rings: never defined there */
    {0, 5, 9, 0},    /* no fast EMA, no RSI */
};

static void test_chains_equal_the_walk_on_random_sliding_rings(void **state)
{
    enum { N = 1500 };
    static bitten_candle_t c[N];
    const size_t caps[] = {1, 2, 14, 15, 51, 60, 600};
    for (int flat = 0; flat < 2; flat++) {
        s_walk(c, N, flat);
        for (size_t k = 0; k < sizeof s_periods / sizeof s_periods[0]; k++)
            for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
                s_slide(c, N, caps[i], s_periods[k], 1, 0, "every candle");
                s_slide(c, N, caps[i], s_periods[k], 7, 0, "several candles per sync");
            }
    }
}

static void test_chains_rebuild_after_an_epoch_change_or_a_long_gap(void **state)
{
    enum { N = 1400 };
    static bitten_candle_t c[N];
    s_walk(c, N, false);
    for (size_t k = 0; k < sizeof s_periods / sizeof s_periods[0]; k++) {
        s_slide(c, N, 120, s_periods[k], 1, 37, "epoch bumps");
        s_slide(c, N, 120, s_periods[k], 3, 101, "epoch bumps, gaps");
    }
    /* the ring slid further than its size between two syncs: nothing to carry */
    venom_trend_chains_t *ch = venom_trend_chains_new(100, 8, 21, 50, 14);
    venom_trend_state_t got, want;
    venom_trend_chains_sync(ch, c, 100, 0, 0, &got);
    venom_trend_chains_sync(ch, c + 400, 100, 400, 0, &got);
    venom_trend_closed(&want, c + 400, 100, 8, 21, 50, 14);
    s_same_state(&got, &want, 500, "gap");
    /* ... and a series longer than the chains were sized for falls back to the walk */
    venom_trend_chains_sync(ch, c, 300, 0, 0, &got);
    venom_trend_closed(&want, c, 300, 8, 21, 50, 14);
    s_same_state(&got, &want, 300, "over cap");
    venom_trend_chains_sync(ch, c + 1, 100, 1, 0, &got);
    venom_trend_closed(&want, c + 1, 100, 8, 21, 50, 14);
    s_same_state(&got, &want, 101, "after over cap");
    venom_trend_chains_destroy(&ch);
}

static void test_equal_chains_merge_and_diverging_ones_do_not(void **state)
{
    enum { N = 900, CAP = 600 };
    static bitten_candle_t c[N];
    for (size_t i = 0; i < N; i++) /* all closes tied */
        c[i] = (bitten_candle_t){(bitten_ms_t)i * 300000, 1.25, 1.25, 1.25, 1.25, 0};
    venom_trend_chains_t *ch = venom_trend_chains_new(CAP, 8, 21, 50, 14);
    venom_trend_state_t got, want;
    for (size_t end = 1; end <= N; end++) {
        size_t lo = end > CAP ? end - CAP : 0;
        venom_trend_chains_sync(ch, c + lo, end - lo, lo, 0, &got);
    }
    venom_trend_closed(&want, c + N - CAP, CAP, 8, 21, 50, 14);
    s_same_state(&got, &want, N, "tied");
    /* every window start agrees: a handful of groups at most (the newest not yet merged) */
    for (int w = 0; w < 4; w++)
        assert_in_range(venom_trend_chains_count(ch, w), 1, 66);
    venom_trend_chains_destroy(&ch);

    /* a random walk without flat runs: EMA50's chains do not meet within 600 bars */
    s_walk(c, N, false);
    ch = venom_trend_chains_new(CAP, 8, 21, 50, 14);
    for (size_t end = 1; end <= N; end++) {
        size_t lo = end > CAP ? end - CAP : 0;
        venom_trend_chains_sync(ch, c + lo, end - lo, lo, 0, &got);
    }
    venom_trend_closed(&want, c + N - CAP, CAP, 8, 21, 50, 14);
    s_same_state(&got, &want, N, "walk");
    assert_true(venom_trend_chains_count(ch, 2) > 500);
    assert_true(venom_trend_chains_count(ch, 0) < venom_trend_chains_count(ch, 2));
    venom_trend_chains_destroy(&ch);
}

/*  The closes of one symbol in the shared M5 bars, repeated `times` (a week apart). */
static size_t s_load_real(const char *symbol, bitten_candle_t *c, size_t cap, int times)
{
    FILE *f = fopen(BITTEN_DATA_DIR "/candles_m5_2025-09.csv", "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (n < cap && fgets(line, sizeof line, f)) {
        long t;
        char sym[64];
        double o, h, l, cl;
        if (sscanf(line, "%ld,%63[^,],%lf,%lf,%lf,%lf", &t, sym, &o, &h, &l, &cl) == 6 &&
            strcmp(sym, symbol) == 0)
            c[n++] = (bitten_candle_t){(bitten_ms_t)t * 1000, o, h, l, cl, 0};
    }
    fclose(f);
    size_t one = n;
    for (int r = 1; r < times; r++)
        for (size_t i = 0; i < one && n < cap; i++) {
            c[n] = c[i];
            c[n].time += (bitten_ms_t)r * 7 * 86400000LL;
            n++;
        }
    return n;
}

static void test_chains_equal_the_walk_on_the_shared_m5_closes(void **state)
{
    enum { N = 2400 };
    static bitten_candle_t c[N];
    const char *symbols[] = {"EURUSD", "USDJPY", "XAUUSD", "GBPJPY"};
    for (size_t s = 0; s < sizeof symbols / sizeof symbols[0]; s++) {
        size_t n = s_load_real(symbols[s], c, N, 6);
        assert_true(n > 1000); /* the ring of 600 slides for hundreds of bars */
        s_slide(c, n, 600, s_periods[0], 1, 0, symbols[s]);
        s_slide(c, n, 600, s_periods[0], 4, 0, symbols[s]);
    }
}

/*  Random bars on a coarse grid: equal highs and lows (ties) are common. */
static void s_bars(bitten_candle_t *c, size_t n)
{
    double price = 1.1;
    for (size_t i = 0; i < n; i++) {
        price += ((int)(s_next() % 5) - 2) * 0.0002;
        double up = (double)(s_next() % 3) * 0.0002, down = (double)(s_next() % 3) * 0.0002;
        double close = price + ((int)(s_next() % 3) - 1) * 0.0001;
        c[i] = (bitten_candle_t){(bitten_ms_t)i * 300000, price, fmax(price, close) + up,
                                 fmin(price, close) - down, close, 0};
    }
}

static void s_same_swings(const venom_swings_t *got, const venom_swings_t *want, size_t n)
{
    if (memcmp(got, want, sizeof *got) != 0) {
        print_error("swings differ at n %zu: %zu/%zu highs, %zu/%zu lows\n", n, got->n_highs,
                    want->n_highs, got->n_lows, want->n_lows);
        fail();
    }
}

static void test_carried_atr_and_swings_equal_the_plain_ones(void **state)
{
    enum { N = 260 };
    static bitten_candle_t c[N];
    s_bars(c, N);
    const int params[][3] = {{2, 20, 2}, {1, 1, 0}, {3, 64, 0}, {2, 5, 9}, {1, 64, 3}};
    for (size_t k = 0; k < sizeof params / sizeof params[0]; k++) {
        int side = params[k][0], lookback = params[k][1], skip = params[k][2];
        for (size_t at = 0; at < 2 * (N - 1); at++) {
            /* closed first (the forming bar's prefix then reuses its tests), or forming first */
            size_t closed = at / 2;
            bool forming_first = at % 2;
            venom_swing_carry_t sk;
            venom_swing_carry(&sk, closed, side, lookback, skip);
            /* filled while another bar was forming: what it keeps must not depend on it */
            bitten_candle_t forming = c[closed];
            for (int round = 0; round < 2; round++) {
                c[closed] = round == 0 ? c[N - 1] : forming;
                for (size_t m = 0; m < 2; m++) {
                    size_t n = forming_first ? closed + 1 - m : closed + m;
                    venom_swings_t got, want;
                    memset(&got, 0, sizeof got);
                    memset(&want, 0, sizeof want);
                    venom_swings_carried(&sk, c, n, side, lookback, skip, &got);
                    venom_swings(c, n, side, lookback, skip, &want);
                    s_same_swings(&got, &want, n);
                }
            }
        }
    }
    const int periods[] = {1, 2, 14, 30};
    for (size_t k = 0; k < sizeof periods / sizeof periods[0]; k++)
        for (size_t closed = 0; closed + 1 < N; closed++) {
            venom_atr_carry_t ak;
            venom_atr_carry(&ak, closed, periods[k]);
            bitten_candle_t forming = c[closed];
            for (int round = 0; round < 2; round++) {
                c[closed] = round == 0 ? c[N - 1] : forming;
                for (size_t n = closed; n <= closed + 1; n++) {
                    double got = venom_atr_pips_carried(&ak, c, n, periods[k], 0.0001);
                    double want = venom_atr_pips(c, n, periods[k], 0.0001);
                    if (memcmp(&got, &want, sizeof got) != 0) {
                        print_error("atr %d at n %zu: %.17g != %.17g\n", periods[k], n, got,
                                    want);
                        fail();
                    }
                }
            }
        }
    /* a carry made for other parameters is not used */
    venom_atr_carry_t ak;
    venom_atr_carry(&ak, 100, 14);
    (void)venom_atr_pips_carried(&ak, c, 101, 14, 0.0001);
    assert_true(ak.filled);
    ak.prefix = 1e9; /* would show */
    double plain = venom_atr_pips(c, 101, 7, 0.0001);
    double got = venom_atr_pips_carried(&ak, c, 101, 7, 0.0001);
    assert_memory_equal(&got, &plain, sizeof got);
    assert_true(venom_atr_pips_carried(&ak, c, 101, 14, 0.0001) > 1e9); /* ... and is, here */
}

/*  The context's ATR percentile (engine.c) over the bars' ATR values from `at`. */
static double s_percentile(const venom_atr_history_t *h, const bitten_candle_t *c, size_t n,
                           size_t bars)
{
    double now = h ? venom_atr_history_at(h, n - 1) : venom_atr_pips(c, n, 14, 0.0001);
    if (!isfinite(now))
        return NAN;
    size_t counted = 0, below = 0;
    for (size_t k = n > bars ? n - bars : 0; k < n; k++) {
        double v = h ? venom_atr_history_at(h, k) : venom_atr_pips(c, k + 1, 14, 0.0001);
        if (!isfinite(v))
            continue;
        counted++;
        below += v <= now;
    }
    return 100.0 * (double)below / (double)counted;
}

static void test_atr_history_equals_the_plain_atr_of_every_bar(void **state)
{
    enum { N = 1500 };
    static bitten_candle_t c[N];
    s_bars(c, N); /* a coarse grid: many bars share their ATR (ties at the percentile) */
    const size_t caps[] = {1, 14, 15, 16, 100, 600};
    for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
        size_t cap = caps[ci];
        venom_atr_history_t *h = venom_atr_history_new(cap, 14, 0.0001);
        assert_non_null(h);
        uint64_t epoch = 0, first = 0;
        for (size_t end = 1; end <= N; end++) {
            size_t lo = end > cap ? end - cap : 0;
            bool bump = end % 211 == 0; /* the ring changed inside: a new lineage */
            if (bump) {
                epoch++;
                first = 0;
            } else if (end > cap) {
                first++;
            }
            if (s_next() % 3 != 0 && end != N)
                continue; /* one to several bars between syncs */
            /* the series as the engine hands it: a different (forming) bar right after it */
            static bitten_candle_t buf[N + 1];
            memcpy(buf, c + lo, (end - lo) * sizeof buf[0]);
            buf[end - lo] = (bitten_candle_t){0, 9.0, 9.5, 0.5, 1.0, 0};
            assert_true(venom_atr_history_sync(h, buf, end - lo, first, epoch));
            for (size_t k = 0; k <= end - lo; k++) { /* k = end - lo: past the series, NAN */
                double got = venom_atr_history_at(h, k);
                double want = k < end - lo ? venom_atr_pips(c + lo, k + 1, 14, 0.0001) : NAN;
                if (memcmp(&got, &want, sizeof got) != 0) {
                    print_error("cap %zu end %zu bar %zu: %.17g != %.17g\n", cap, end, k, got,
                                want);
                    fail();
                }
            }
            double pg = s_percentile(h, c + lo, end - lo, 100);
            double pw = s_percentile(NULL, c + lo, end - lo, 100);
            assert_memory_equal(&pg, &pw, sizeof pg);
        }
        assert_false(venom_atr_history_sync(h, c, cap + 1, 0, epoch + 1)); /* over cap */
        assert_true(isnan(venom_atr_history_at(h, cap - 1)));
        venom_atr_history_destroy(&h);
        assert_null(h);
    }
    /* the shared M5 closes of one symbol, through a ring of 600 that slides */
    size_t n = s_load_real("EURUSD", c, N, 5);
    venom_atr_history_t *h = venom_atr_history_new(600, 14, 0.0001);
    for (size_t end = 1; end <= n; end++) {
        size_t lo = end > 600 ? end - 600 : 0;
        assert_true(venom_atr_history_sync(h, c + lo, end - lo, lo, 0));
        double pg = s_percentile(h, c + lo, end - lo, 100);
        double pw = s_percentile(NULL, c + lo, end - lo, 100);
        assert_memory_equal(&pg, &pw, sizeof pg);
    }
    venom_atr_history_destroy(&h);
}

typedef struct {
    uint64_t version, epoch, first;
} s_lineage_t;

static s_lineage_t s_lineage(const venom_candles_t *cb)
{
    s_lineage_t l;
    venom_candles_m5_lineage(cb, &l.version, &l.epoch, &l.first);
    return l;
}

static bool s_lineage_same(s_lineage_t a, s_lineage_t b)
{
    return a.version == b.version && a.epoch == b.epoch && a.first == b.first;
}

static bitten_candle_t s_m5(int bucket)
{
    return (bitten_candle_t){(bitten_ms_t)bucket * 300000, 1.1, 1.1, 1.1, 1.1, 0};
}

/*  The candle builder's lineage: appends keep the epoch and count the drops of a full ring,
 *  anything else (a back-filled candle inside the ring) starts a new epoch. */
static void test_m5_lineage_tells_appends_from_other_changes(void **state)
{
    venom_candles_t *cb = venom_candles_new(60, 3, 10);
    s_lineage_t l0 = s_lineage(cb);
    assert_int_equal(l0.first, 0);
    const int buckets[] = {1, 2, 3, 5, 6, 8}; /* bucket 4 and 7 get no tick */
    for (size_t i = 0; i < sizeof buckets / sizeof buckets[0]; i++)
        assert_true(venom_candles_on_tick(cb, s_m5(buckets[i]).time + 1000, 1.0 + i * 0.001,
                                          1.0, NULL) >= 0);
    /* closed 1, 2, 3, 5, 6: the ring of 3 keeps 3, 5, 6 and dropped two, appends only */
    const bitten_candle_t *ring;
    assert_int_equal(venom_candles_closed(cb, 300, &ring), 3);
    assert_int_equal(ring[0].time, s_m5(3).time);
    s_lineage_t l1 = s_lineage(cb);
    assert_true(l1.version > l0.version);
    assert_int_equal(l1.epoch, l0.epoch);
    assert_int_equal(l1.first, 2);
    /* bucket 7, newer than all: an append (the oldest drops), same epoch */
    bitten_candle_t c = s_m5(7);
    assert_int_equal(venom_candles_merge(cb, 300, &c, 1), 1);
    s_lineage_t l2 = s_lineage(cb);
    assert_true(l2.version > l1.version);
    assert_int_equal(l2.epoch, l1.epoch);
    assert_int_equal(l2.first, 3);
    /* bucket 4 is older than all a full ring keeps now: ignored, nothing changes */
    c = s_m5(4);
    assert_int_equal(venom_candles_merge(cb, 300, &c, 1), 0);
    assert_true(s_lineage_same(s_lineage(cb), l2));
    venom_candles_destroy(&cb);

    cb = venom_candles_new(60, 3, 10);
    const int sparse[] = {1, 3, 5}; /* closed 1, 3: room for one more */
    for (size_t i = 0; i < sizeof sparse / sizeof sparse[0]; i++)
        assert_true(venom_candles_on_tick(cb, s_m5(sparse[i]).time + 1000, 1.0, 1.0, NULL) >= 0);
    l1 = s_lineage(cb);
    c = s_m5(2);
    assert_int_equal(venom_candles_merge(cb, 300, &c, 1), 1); /* inside: 1, 2, 3 */
    l2 = s_lineage(cb);
    assert_true(l2.version > l1.version);
    assert_true(l2.epoch != l1.epoch);
    assert_int_equal(l2.first, 0);
    assert_int_equal(venom_candles_merge(cb, 300, &c, 1), 0); /* present: nothing changes */
    assert_true(s_lineage_same(s_lineage(cb), l2));
    venom_candles_destroy(&cb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chains_equal_the_walk_on_random_sliding_rings),
        cmocka_unit_test(test_chains_rebuild_after_an_epoch_change_or_a_long_gap),
        cmocka_unit_test(test_equal_chains_merge_and_diverging_ones_do_not),
        cmocka_unit_test(test_chains_equal_the_walk_on_the_shared_m5_closes),
        cmocka_unit_test(test_m5_lineage_tells_appends_from_other_changes),
        cmocka_unit_test(test_carried_atr_and_swings_equal_the_plain_ones),
        cmocka_unit_test(test_atr_history_equals_the_plain_atr_of_every_bar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
