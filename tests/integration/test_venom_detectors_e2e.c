/*  test_venom_detectors_e2e.c: each of VENOM's six detectors fired end to end: crafted M5 paths
 *  sent as EURUSD ticks over a real PUSH socket to bittend, the `signal` event and status read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"
#include "modules/venom/venom_core.h"

/*  Every scenario's last M5 bar starts at 13:00 UTC on Monday 2025-09-15 (OVERLAP, +5) and is
 *  closed by one tick at 13:01:00, so every signal is VENOM_EURUSD_1757941260. */
#define TB 1757941200LL
#define SIGNAL_ID "VENOM_EURUSD_1757941260"
#define WARMUP 55 /* flat M5 bars before each pattern: >= 50 M5 candles when it begins */
#define MAX_BARS 96
#define MAX_TICKS (5 * MAX_BARS + 1)

/*  Bars in pips around 1000 as in tests/unit/test_venom_detectors.c (pip = 1 there); sent as
 *  EURUSD prices 1.10000 + (x - 1000) x 0.0001, so every level has at most 5 decimals. */
typedef struct {
    double o, h, l, c;
} s_bar_t;

typedef struct {
    long long ts; /* unix seconds, the wire's timestamp */
    double price; /* bid = ask = price */
} s_tick_t;

typedef struct {
    const char *pattern;
    const char *direction;
    double confidence;   /* by hand, in the bars' comment */
    const s_bar_t *bars; /* after the warm-up; the last one is cur */
    size_t n_bars;
} s_scenario_t;

static double s_price(double pips)
{
    return 1.10000 + (pips - 1000.0) * 0.0001;
}

/*  Warm-up bars are spread over their five minutes (M1s fold back into exactly that M5 OHLC);
 *  each pattern bar is sent inside its first minute instead. Reason: VENOM also evaluates the
 *  forming M5 at every M1 close, and a half-built pattern bar is another candle: the first leg
 *  of LIQUIDITY_SWEEP_REVERSAL's bar (1006 -> 1016) is a MOMENTUM_BURST BUY, which would emit
 *  first and put the symbol into its 5 min cooldown. With one M1 per pattern bar each bar is
 *  evaluated exactly once, whole, as cur when the next bar's first tick closes its M1. */
static size_t s_build(const s_scenario_t *sc, s_tick_t *t)
{
    size_t total = WARMUP + sc->n_bars, n = 0;
    assert_true(total <= MAX_BARS);
    for (size_t i = 0; i < total; i++) {
        long long start = TB - (long long)(total - 1 - i) * 300;
        if (i < WARMUP) {
            /* flat 1000/1002/998/1000: open, low, high, close, close at minutes 0..4 */
            const double px[5] = {1000, 998, 1002, 1000, 1000};
            for (int m = 0; m < 5; m++)
                t[n++] = (s_tick_t){start + m * 60 + 7, s_price(px[m])};
            t[n - 5].ts = start; /* the open at second 0 */
            continue;
        }
        const s_bar_t *b = &sc->bars[i - WARMUP];
        bool bull = b->c >= b->o;
        const double px[4] = {b->o, bull ? b->l : b->h, bull ? b->h : b->l, b->c};
        for (int k = 0; k < 4; k++)
            t[n++] = (s_tick_t){start + k * 15, s_price(px[k])};
    }
    /* closes cur's M1: cur = the forming M5 holding that one closed M1 */
    t[n] = (s_tick_t){TB + 60, t[n - 1].price};
    n++;
    return n;
}

static bitten_tick_t s_bitten_tick(const s_tick_t *x)
{
    bitten_tick_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "EURUSD");
    t.bid = t.ask = x->price;
    t.spread = 10;
    t.has_spread = true;
    t.timestamp = x->ts * 1000;
    return t;
}

/*  The pure engine over the same ticks, in process: the expectation the daemon must meet, and
 *  evidence of where a failure lies (scenario vs daemon). Returns signals, first in *first. */
static int s_oracle(const s_tick_t *t, size_t n, venom_signal_t *first)
{
    venom_params_t p;
    venom_params_default(&p);
    bitten_symbols_t *syms = bitten_symbols_new_defaults();
    venom_engine_t *e = venom_engine_new(&p, syms);
    bitten_symbols_destroy(&syms);
    assert_non_null(e);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        bitten_tick_t tick = s_bitten_tick(&t[i]);
        venom_signal_t s;
        int r = venom_engine_on_tick(e, &tick, &s, NULL);
        assert_true(r >= 0);
        if (r == 1) {
            if (found == 0)
                *first = s;
            else
                print_message("  oracle: extra signal %s %s %s %.1f\n", s.signal_id, s.pattern_str,
                              s.direction_str, s.confidence);
            found++;
        }
    }
    venom_engine_destroy(&e);
    return found;
}

static void s_send_tick(void *fb, const s_tick_t *t)
{
    char frame[192];
    snprintf(frame, sizeof frame,
             "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":%.5f,\"ask\":%.5f,\"spread\":10,"
             "\"timestamp\":%lld}",
             t->price, t->price, t->ts);
    assert_int_equal(bt_send(fb, frame), 0);
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

/*  Starts bittend, PUSHes the ticks, waits until VENOM counted them all; returns the daemon
 *  with its events SUB (connected before the first tick) in *events. */
static void s_run_daemon(bt_daemon_t *d, void **events, const s_tick_t *t, size_t n)
{
    const char *args[] = {"--set", "feedback.socket=pull", NULL};
    assert_int_equal(bt_daemon_start(d, NULL, args), 0);
    *events = bt_events_socket(d);
    void *fb = bt_feedback_socket(d, true);
    assert_int_equal(
        bt_send_until_counted(d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    for (size_t i = 0; i < n; i++)
        s_send_tick(fb, &t[i]);
    assert_int_equal(bt_wait_status(d, "venom.ticks", (int64_t)n, 20000), (int64_t)n);
    zmq_close(fb);
}

static void s_stop_daemon(bt_daemon_t *d, void *events)
{
    zmq_close(events);
    assert_int_equal(bt_daemon_stop(d, NULL), 0);
    bt_daemon_cleanup(d);
}

static void s_fires(const s_scenario_t *sc)
{
    static s_tick_t t[MAX_TICKS];
    size_t n = s_build(sc, t);
    venom_signal_t want;
    assert_int_equal(s_oracle(t, n, &want), 1);
    assert_string_equal(want.pattern_str, sc->pattern);
    assert_string_equal(want.direction_str, sc->direction);
    assert_string_equal(want.signal_id, SIGNAL_ID);
    assert_true(want.confidence == sc->confidence);
    print_message("  %s %s: confidence %.1f, A %.2f, sl %.1f, tp %.1f\n", sc->pattern,
                  sc->direction, want.confidence, want.atr_pips, want.sl_pips, want.tp_pips);

    bt_daemon_t d;
    void *events;
    s_run_daemon(&d, &events, t, n);
    assert_int_equal(bt_wait_status(&d, "venom.signals", 1, 3000), 1);

    char buf[4096];
    json_t *sig = NULL;
    while (!sig && bt_recv(events, buf, sizeof buf, BT_WAIT_MS) > 0)
        if (strncmp(buf, "signal ", 7) == 0) {
            json_error_t err;
            sig = json_loads(buf + 7, 0, &err);
        }
    assert_non_null(sig);
    assert_string_equal(s_str(sig, "signal_id"), SIGNAL_ID);
    assert_string_equal(s_str(sig, "symbol"), "EURUSD");
    assert_string_equal(s_str(sig, "pattern"), sc->pattern);
    assert_string_equal(s_str(sig, "direction"), sc->direction);
    assert_string_equal(s_str(sig, "class"), want.class_str);
    assert_true(json_number_value(json_object_get(sig, "confidence")) == want.confidence);
    assert_true(json_number_value(json_object_get(sig, "entry")) == want.entry);
    assert_true(json_number_value(json_object_get(sig, "sl_pips")) == want.sl_pips);
    assert_true(json_number_value(json_object_get(sig, "tp_pips")) == want.tp_pips);
    assert_string_equal(s_str(sig, "session"), "OVERLAP");
    assert_string_equal(s_str(sig, "created_at"), "2025-09-15T13:01:00.000Z");
    json_decref(sig);

    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "venom.signals"), 1);
    assert_int_equal(bt_json_int(st, "venom.ticks"), (int64_t)n);
    assert_int_equal(bt_json_int(st, "venom.drops.TICK_OUT_OF_ORDER"), 0);
    assert_int_equal(bt_json_int(st, "venom.skips.STALE"), 0);
    assert_int_equal(bt_json_int(st, "venom.skips.WEEKEND"), 0);
    json_decref(st);
    s_stop_daemon(&d, events);
}

/* ---------------------------------------------------------------- LIQUIDITY_SWEEP_REVERSAL */

/*  The bar tables below keep one candle per entry in rows, as in the unit tests. */
/* clang-format off */
#define F {1000, 1002, 998, 1000} /* the unit tests' flat filler */
/* clang-format on */

/*  test_lsr_sell_fires_...: swing high 1010 fourteen bars back, prev bullish, cur sweeps 6
 *  and closes 5 back below: 55 + 12 + 12 + 5 + 5 (OVERLAP) = 89. */
/* clang-format off */
static const s_bar_t s_lsr_bars[] = {
    F, F, F, F, F, F, F, F, F, F, {1000, 1010, 998, 1000}, F, F, F, F, F, F, F, F, F, F, F, F,
    {1000, 1002, 999, 1001},
    {1006, 1016, 1004, 1005},
};
/* clang-format on */

static void test_liquidity_sweep_reversal_sell_end_to_end(void **state)
{
    s_scenario_t sc = {"LIQUIDITY_SWEEP_REVERSAL", "SELL", 89.0, s_lsr_bars,
                       sizeof s_lsr_bars / sizeof *s_lsr_bars};
    s_fires(&sc);
}

/* ---------------------------------------------------------------- FAIR_VALUE_GAP_FILL */

/*  test_fvg_fires_...: bullish gap 1002..1008 over a middle body of 0.75, cur back inside.
 *  Adapted: through the engine the middle bar (1002 -> 1011 over a flat range of 4) is itself
 *  a MOMENTUM_BURST BUY, and so is the next bar; a long lower wick (985) on the fourth filler
 *  widens the 9-bar span over max(15, 1.5 A) for every window up to cur, so MB stays quiet.
 *  A = 10 (ATR14 88 / 14). 65 + 9 + 9 + 5 = 88. */
/* clang-format off */
static const s_bar_t s_fvg_bars[] = {
    F, F, F, {1000, 1002, 985, 1000}, F, F, F, F,
    {1002, 1012, 1000, 1011},
    {1009, 1016, 1008, 1015},
    {1015, 1016, 1011, 1012},
    {1012, 1013, 1003, 1004},
};
/* clang-format on */

static void test_fair_value_gap_fill_buy_end_to_end(void **state)
{
    s_scenario_t sc = {"FAIR_VALUE_GAP_FILL", "BUY", 88.0, s_fvg_bars,
                       sizeof s_fvg_bars / sizeof *s_fvg_bars};
    s_fires(&sc);
}

/* ---------------------------------------------------------------- ORDER_BLOCK_BOUNCE */

/*  test_obb_fires_...: bearish block 997..1002, impulse 22 over two bars, cur dips to 999 and
 *  closes 1006 with a lower wick of 0.5. Adapted like FVG: the impulse bars are momentum
 *  bursts on their own, so filler 12 gets a 985 wick (in every 9-bar window from the impulse
 *  to cur). 62 + 6.6 + 8 + 5 = 81.6. */
/* clang-format off */
static const s_bar_t s_obb_bars[] = {
    F, F, F, F, F, F, F, F, F, F, F, F, {1000, 1002, 985, 1000}, F,
    {1001, 1002, 997, 998},
    {998, 1009, 997.5, 1008},
    {1008, 1021, 1007, 1020},
    {1020, 1021, 1011, 1012},
    {1012, 1013, 1007, 1008},
    {1003, 1007, 999, 1006},
};
/* clang-format on */

static void test_order_block_bounce_buy_end_to_end(void **state)
{
    s_scenario_t sc = {"ORDER_BLOCK_BOUNCE", "BUY", 81.6, s_obb_bars,
                       sizeof s_obb_bars / sizeof *s_obb_bars};
    s_fires(&sc);
}

/* ---------------------------------------------------------------- BB_SCALP */

/*  The unit test injects the bands and RSI; here they come from the closes. 24 bars climb one
 *  pip each (o = x - 1, h = c = x, l = x - 1.5: no upper wick, no losses, so RSI14 = 100 and
 *  no band touch fires), then cur opens at the last close, spikes 16 over it and closes 1 up:
 *  upper band = mean + 2 sd of the last 20 closes (1006..1025, cur included) = 1027.03, high
 *  1040 above it by 13, close 1025 back inside, upper wick 15 / 17.
 *  68 + min(10, 0.67 x 35) + min(8, 2 x 13) + 5 = 91 -> clamped to 90. */
/* clang-format off */
#define U(x) {(x) - 1, (x), (x) - 1.5, (x)}
static const s_bar_t s_bb_bars[] = {
    U(1001), U(1002), U(1003), U(1004), U(1005), U(1006), U(1007), U(1008),
    U(1009), U(1010), U(1011), U(1012), U(1013), U(1014), U(1015), U(1016),
    U(1017), U(1018), U(1019), U(1020), U(1021), U(1022), U(1023), U(1024),
    {1024, 1040, 1023, 1025},
};
/* clang-format on */

static void test_bb_scalp_sell_end_to_end(void **state)
{
    s_scenario_t sc = {"BB_SCALP", "SELL", 90.0, s_bb_bars, sizeof s_bb_bars / sizeof *s_bb_bars};
    s_fires(&sc);
}

/* ---------------------------------------------------------------- MOMENTUM_BURST */

/*  test_mb_fires_...: nine bars 1000/1002/998/1001 (span 4, mean range 4), cur 1001 -> 1009
 *  (range 10: ratio 2.5, body 0.8, 7 beyond), EMA21 rising: 66 + 7.2 + 2.4 + 5 + 5 = 85.6. */
/* clang-format off */
static const s_bar_t s_mb_bars[] = {
    {1000, 1002, 998, 1001}, {1000, 1002, 998, 1001}, {1000, 1002, 998, 1001},
    {1000, 1002, 998, 1001}, {1000, 1002, 998, 1001}, {1000, 1002, 998, 1001},
    {1000, 1002, 998, 1001}, {1000, 1002, 998, 1001}, {1000, 1002, 998, 1001},
    {1001, 1010, 1000, 1009},
};
/* clang-format on */

static void test_momentum_burst_buy_end_to_end(void **state)
{
    s_scenario_t sc = {"MOMENTUM_BURST", "BUY", 85.6, s_mb_bars,
                       sizeof s_mb_bars / sizeof *s_mb_bars};
    s_fires(&sc);
}

/* ---------------------------------------------------------------- EMA_RSI_SCALP */

/*  The unit test injects the EMAs and RSI; here they come from the closes. 20 bars climb one
 *  pip each (EMA8 > EMA21 > EMA50), prev falls back to 1009.5, below its EMA21 (1011.31), cur
 *  closes 1011.5, just above EMA21 (1011.32). At cur: EMA8 1014.19, EMA50 1006.82 (spread
 *  7.38 >= max(3, 0.3 A)), RSI14 53.7, A = 10 (ATR14 2.3). 64 + min(10, 7.38) + 5 = 76.4. */
/* clang-format off */
static const s_bar_t s_ers_bars[] = {
    U(1001), U(1002), U(1003), U(1004), U(1005), U(1006), U(1007), U(1008),
    U(1009), U(1010), U(1011), U(1012), U(1013), U(1014), U(1015), U(1016),
    U(1017), U(1018), U(1019), U(1020),
    {1020, 1020.5, 1009, 1009.5},
    {1009.5, 1012, 1009, 1011.5},
};
/* clang-format on */

static void test_ema_rsi_scalp_buy_end_to_end(void **state)
{
    s_scenario_t sc = {"EMA_RSI_SCALP", "BUY", 76.4, s_ers_bars,
                       sizeof s_ers_bars / sizeof *s_ers_bars};
    s_fires(&sc);
}

/* ---------------------------------------------------------------- nothing fires */

/*  Only the flat warm-up (and a flat cur): every evaluation runs, no detector fires. */
static void test_a_flat_sequence_gives_no_signal(void **state)
{
    static const s_bar_t flat[] = {F, F, F, F, F};
    s_scenario_t sc = {"", "", 0.0, flat, sizeof flat / sizeof *flat};
    static s_tick_t t[MAX_TICKS];
    size_t n = s_build(&sc, t);
    venom_signal_t unused;
    assert_int_equal(s_oracle(t, n, &unused), 0);

    bt_daemon_t d;
    void *events;
    s_run_daemon(&d, &events, t, n);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "venom.signals"), 0);
    assert_int_equal(bt_json_int(st, "venom.detections"), 0);
    /* One evaluation per M1 close: 5 per warm-up bar (the very first tick closes nothing, the
     * next bar's first tick closes minute 4), 1 per one-minute bar. Bar i is evaluated with
     * i + 1 M5 candles, so bars 0..48 are skipped (FEW_CANDLES) and 35 evaluations run. */
    assert_int_equal(bt_json_int(st, "venom.evaluations"), 5 * WARMUP + 5);
    assert_int_equal(bt_json_int(st, "venom.skips.FEW_CANDLES"), 5 * 49);
    json_decref(st);
    char buf[4096];
    while (bt_recv(events, buf, sizeof buf, 300) > 0)
        assert_true(strncmp(buf, "signal ", 7) != 0);
    s_stop_daemon(&d, events);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_liquidity_sweep_reversal_sell_end_to_end),
        cmocka_unit_test(test_fair_value_gap_fill_buy_end_to_end),
        cmocka_unit_test(test_order_block_bounce_buy_end_to_end),
        cmocka_unit_test(test_bb_scalp_sell_end_to_end),
        cmocka_unit_test(test_momentum_burst_buy_end_to_end),
        cmocka_unit_test(test_ema_rsi_scalp_buy_end_to_end),
        cmocka_unit_test(test_a_flat_sequence_gives_no_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
