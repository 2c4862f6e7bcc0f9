/*  test_venom_outcome.c: the trade follower's cost model (src/modules/venom/outcome.c), one
 *  test per rule: entry at ask/bid, exits on the other side, gap fills, SL and TP in one bar,
 *  time-out, weekend, open-at-end marked to market; and the book's memory, bounded by the open
 *  trades whatever the number of ticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/venom/outcome.h"
#include "modules/venom/record.h"

/*  cmocka's float assert is single precision: compare doubles here, printing both. */
static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

#define T0 1757941200000LL /* Monday 2025-09-15 13:00:00 UTC */
#define SEC 1000LL
#define HOUR (3600 * SEC)
#define FRI_2030 1758313800000LL /* Friday 2025-09-19 20:30 UTC, weekend from 21:00 */
#define SUN_2105 1758488700000LL /* Sunday 2025-09-21 21:05 UTC, just after it */

static bitten_symbols_t *s_table;
static const bitten_symbol_t *s_eur;
static venom_follow_params_t s_fp;

static int s_setup(void **state)
{
    s_table = bitten_symbols_new_defaults();
    s_eur = bitten_symbols_find(s_table, "EURUSD");
    venom_params_t p;
    venom_params_default(&p);
    p.max_hold_s = 4 * 3600;
    venom_follow_params_init(&s_fp, &p);
    return 0;
}

static int s_teardown(void **state)
{
    bitten_symbols_destroy(&s_table);
    return 0;
}

static venom_signal_t s_signal(venom_direction_t dir)
{
    venom_signal_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.symbol, sizeof s.symbol, "EURUSD");
    snprintf(s.signal_id, sizeof s.signal_id, "VENOM_EURUSD_1");
    s.direction = dir;
    s.pattern = VENOM_FAIR_VALUE_GAP_FILL;
    s.entry = 1.10000; /* mid: the follower fills at the ask / bid instead */
    s.sl_pips = 20.0;
    s.tp_pips = 40.0;
    s.rr = 2.0;
    s.created_at = T0;
    return s;
}

static venom_trade_t s_open(venom_direction_t dir, double bid, double ask, bitten_ms_t at)
{
    venom_signal_t s = s_signal(dir);
    venom_trade_t t;
    venom_trade_open(&t, &s, s_eur, bid, ask, at, &s_fp);
    return t;
}

static void test_buy_fills_at_the_ask_and_exits_at_the_bid(void **state)
{
    venom_trade_t t = s_open(VENOM_BUY, 1.09990, 1.10010, T0); /* 2-pip spread */
    assert_double_equal(t.entry, 1.10010, 1e-12);
    assert_double_equal(t.sl, 1.09810, 1e-9); /* 20 pips from the fill */
    assert_double_equal(t.tp, 1.10410, 1e-9);
    //  the ask reaches the TP price but the bid does not: still open
    assert_false(venom_trade_on_tick(&t, &s_fp, T0 + SEC, 1.10400, 1.10420));
    assert_true(venom_trade_on_tick(&t, &s_fp, T0 + 2 * SEC, 1.10410, 1.10430));
    assert_int_equal(t.kind, BITTEN_OUTCOME_WIN);
    assert_double_equal(t.r, 2.0, 1e-12);
    assert_int_equal(t.closed_at, T0 + 2 * SEC);
    //  the spread is paid: a round trip at an unchanged mid loses spread / risk
    venom_trade_t u = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    venom_trade_mark(&u);
    assert_int_equal(u.kind, BITTEN_OUTCOME_OPEN);
    assert_double_equal(u.r, -0.1, 1e-9); /* 2 pips of a 20-pip stop */
}

static void test_sell_fills_at_the_bid_and_stops_on_the_ask(void **state)
{
    venom_trade_t t = s_open(VENOM_SELL, 1.09990, 1.10010, T0);
    assert_double_equal(t.entry, 1.09990, 1e-12);
    assert_double_equal(t.sl, 1.10190, 1e-9);
    assert_false(venom_trade_on_tick(&t, &s_fp, T0 + SEC, 1.10170, 1.10189));
    assert_true(venom_trade_on_tick(&t, &s_fp, T0 + 2 * SEC, 1.10175, 1.10190));
    assert_int_equal(t.kind, BITTEN_OUTCOME_LOSS);
    assert_double_equal(t.r, -1.0, 1e-9);
    assert_false(t.gap);
}

static void test_a_stop_passed_by_a_gap_books_the_real_loss(void **state)
{
    venom_trade_t t = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    //  the next quote is 10.6 pips below the stop: filled there, -1.53 R
    assert_true(venom_trade_on_tick(&t, &s_fp, T0 + HOUR, 1.09704, 1.09724));
    assert_int_equal(t.kind, BITTEN_OUTCOME_LOSS);
    assert_double_equal(t.r, -1.53, 1e-9);
    assert_true(t.gap);
    //  a bar that opens beyond the stop: filled at its open (bid = mid - half spread)
    venom_trade_t b = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    assert_true(venom_trade_on_bar(&b, &s_fp, T0 + HOUR, T0 + HOUR + 300 * SEC, 1.09714, 1.09900,
                                   1.09700, 1.09800, 0.0002));
    assert_double_equal(b.exit, 1.09704, 1e-9);
    assert_double_equal(b.r, -1.53, 1e-9);
    assert_true(b.gap);
}

static void test_sl_and_tp_inside_one_bar_is_the_loss(void **state)
{
    venom_trade_t t = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    assert_true(venom_trade_on_bar(&t, &s_fp, T0 + 300 * SEC, T0 + 600 * SEC, 1.10000, 1.10500,
                                   1.09700, 1.10450, 0.0002));
    assert_int_equal(t.kind, BITTEN_OUTCOME_LOSS);
    assert_double_equal(t.r, -1.0, 1e-9);
    assert_true(t.both_in_bar);
    assert_false(t.gap);
    //  TP alone inside the bar: the win
    venom_trade_t w = s_open(VENOM_SELL, 1.09990, 1.10010, T0);
    assert_true(venom_trade_on_bar(&w, &s_fp, T0 + 300 * SEC, T0 + 600 * SEC, 1.10000, 1.10050,
                                   1.09550, 1.09600, 0.0002));
    assert_int_equal(w.kind, BITTEN_OUTCOME_WIN);
    assert_false(w.both_in_bar);
}

static void test_time_out_closes_at_the_market(void **state)
{
    venom_trade_t t = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    assert_int_equal(t.deadline, T0 + 4 * HOUR);
    assert_false(venom_trade_on_tick(&t, &s_fp, T0 + 4 * HOUR - SEC, 1.10100, 1.10120));
    assert_true(venom_trade_on_tick(&t, &s_fp, T0 + 4 * HOUR, 1.10110, 1.10130));
    assert_int_equal(t.kind, BITTEN_OUTCOME_TIMEOUT);
    assert_double_equal(t.r, 0.5, 1e-9); /* (1.10110 - 1.10010) / 0.0020 */
    //  a bar that holds the deadline: at its close
    venom_trade_t b = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    assert_true(venom_trade_on_bar(&b, &s_fp, T0 + 4 * HOUR - 100 * SEC,
                                   T0 + 4 * HOUR + 200 * SEC, 1.10000, 1.10100, 1.09950, 1.10070,
                                   0.0002));
    assert_int_equal(b.kind, BITTEN_OUTCOME_TIMEOUT);
    assert_double_equal(b.exit, 1.10060, 1e-9);
}

static void test_weekend_quotes_do_not_fill_and_monday_marks_the_position(void **state)
{
    venom_trade_t t = s_open(VENOM_BUY, 1.09990, 1.10010, FRI_2030);
    //  a quote inside the closed market, below the stop: ignored
    assert_false(venom_trade_on_tick(&t, &s_fp, FRI_2030 + HOUR, 1.09000, 1.09020));
    assert_false(t.closed);
    //  the deadline passed during the weekend: closed at the first price after it
    assert_true(venom_trade_on_tick(&t, &s_fp, SUN_2105, 1.10030, 1.10050));
    assert_int_equal(t.kind, BITTEN_OUTCOME_TIMEOUT);
    assert_double_equal(t.r, 0.1, 1e-9);
    //  a bar that starts in the weekend window is ignored too
    venom_trade_t b = s_open(VENOM_BUY, 1.09990, 1.10010, FRI_2030);
    assert_false(venom_trade_on_bar(&b, &s_fp, FRI_2030 + HOUR, FRI_2030 + HOUR + 300 * SEC,
                                    1.09000, 1.09100, 1.08900, 1.09000, 0.0002));
}

static void test_open_at_the_end_is_marked_to_market(void **state)
{
    venom_trade_t t = s_open(VENOM_SELL, 1.09990, 1.10010, T0);
    assert_false(venom_trade_on_tick(&t, &s_fp, T0 + SEC, 1.09900, 1.09920));
    venom_trade_mark(&t);
    assert_int_equal(t.kind, BITTEN_OUTCOME_OPEN);
    assert_double_equal(t.exit, 1.09920, 1e-12);
    assert_double_equal(t.r, 0.35, 1e-9); /* (1.09990 - 1.09920) / 0.0020 */
    assert_int_equal(t.closed_at, 0);
    //  quotes before the opening are not part of the trade
    venom_trade_t u = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    assert_false(venom_trade_on_tick(&u, &s_fp, T0 - SEC, 1.0, 1.0001));
}

typedef struct {
    int calls;
    size_t last_tag;
    bitten_outcome_kind_t last_kind;
} s_seen_t;

static void s_on_done(void *ctx, size_t tag, const venom_trade_t *t)
{
    s_seen_t *seen = ctx;
    seen->calls++;
    seen->last_tag = tag;
    seen->last_kind = t->kind;
}

static void test_book_memory_is_bounded_by_open_trades_not_ticks(void **state)
{
    venom_book_t *book = venom_book_new(&s_fp);
    venom_signal_t s = s_signal(VENOM_BUY);
    s_seen_t seen = {0};
    assert_int_equal(venom_book_open(book, 7, &s, s_eur, 1.09990, 1.10010, T0), 0);
    size_t bytes = venom_book_bytes(book);
    //  a million ticks that touch neither SL nor TP, within the hold: nothing grows
    for (int i = 1; i <= 1000000; i++) {
        double d = (i % 100) * 0.000001;
        venom_book_on_tick(book, "EURUSD", T0 + (bitten_ms_t)i * 10, 1.09990 + d, 1.10010 + d,
                           0, s_on_done, &seen);
    }
    assert_int_equal(venom_book_bytes(book), bytes);
    assert_int_equal(venom_book_open_count(book), 1);
    assert_int_equal(seen.calls, 0);
    //  another symbol's quote does not touch it; its own TP closes and removes it
    venom_book_on_tick(book, "GBPUSD", T0 + HOUR, 2.0, 2.0002, 0, s_on_done, &seen);
    assert_int_equal(seen.calls, 0);
    venom_book_on_tick(book, "EURUSD", T0 + HOUR, 1.10500, 1.10520, 0, s_on_done, &seen);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.last_tag, 7);
    assert_int_equal(seen.last_kind, BITTEN_OUTCOME_WIN);
    assert_int_equal(venom_book_open_count(book), 0);
    //  bars go only to trades opened before them; mark_all reports what is left
    assert_int_equal(venom_book_open(book, 8, &s, s_eur, 1.09990, 1.10010, T0 + 2 * HOUR), 0);
    venom_book_on_bar(book, "EURUSD", T0 + 2 * HOUR, T0 + 2 * HOUR + 300 * SEC, 1.1, 1.2, 1.0,
                      1.1, 0.0002, s_on_done, &seen);
    assert_int_equal(seen.calls, 1);
    venom_book_mark_all(book, s_on_done, &seen);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.last_tag, 8);
    assert_int_equal(seen.last_kind, BITTEN_OUTCOME_OPEN);
    venom_book_destroy(&book);
    assert_null(book);
}

//  The live record: closed outcomes per pattern, stored as text and read back exactly.
static void test_live_record_round_trips_and_refuses_bad_text(void **state)
{
    venom_record_t r;
    memset(&r, 0, sizeof r);
    venom_trade_t t = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    assert_true(venom_trade_on_tick(&t, &s_fp, T0 + HOUR, 1.09704, 1.09724)); /* -1.53 R */
    venom_record_add(&r, &t);
    venom_trade_t open = s_open(VENOM_BUY, 1.09990, 1.10010, T0);
    venom_trade_mark(&open);
    venom_record_add(&r, &open); /* OPEN is not a record */
    r.lost_open = 3;
    char *text = venom_record_dump(&r);
    assert_non_null(text);
    venom_record_t back;
    memset(&back, 0xff, sizeof back);
    assert_int_equal(venom_record_load(&back, text), 0);
    assert_memory_equal(&back, &r, sizeof r);
    json_t *j = venom_record_json(&back);
    json_t *fvg = json_object_get(json_object_get(j, "pattern"), "FAIR_VALUE_GAP_FILL");
    assert_int_equal(json_integer_value(json_object_get(fvg, "losses")), 1);
    assert_int_equal(json_integer_value(json_object_get(fvg, "open")), 0);
    assert_true(json_number_value(json_object_get(fvg, "expectancy_r")) == -1.53);
    assert_int_equal(json_integer_value(json_object_get(j, "lost_open")), 3);
    json_decref(j);
    free(text);
    const char *bad[] = {"", "{}", "not json", "{\"lost_open\":0,\"pattern\":{\"BB_SCALP\":[1,2]}}",
                         "{\"lost_open\":0,\"pattern\":{\"BB_SCALP\":[-1,0,0,0,0,0,0,0]}}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        venom_record_t keep = r;
        assert_int_equal(venom_record_load(&keep, bad[i]), -1);
        assert_memory_equal(&keep, &r, sizeof r); /* unchanged */
    }
}

//  Real fills beside the shadow entry: adverse slippage positive, per pattern, stored.
static void test_fill_slippage_is_adverse_positive_and_stored(void **state)
{
    //  BUY shadow at the ask 1.10010: filled 1.10030 is 2 pips worse, 1.10000 is 1 pip better.
    assert_true(fabs(venom_slippage_pips(VENOM_BUY, 1.10010, 1.10030, 0.0001) - 2.0) < 1e-9);
    assert_true(fabs(venom_slippage_pips(VENOM_BUY, 1.10010, 1.10000, 0.0001) + 1.0) < 1e-9);
    //  SELL shadow at the bid: a lower fill is worse.
    assert_true(fabs(venom_slippage_pips(VENOM_SELL, 1.10000, 1.09985, 0.0001) - 1.5) < 1e-9);
    assert_true(isnan(venom_slippage_pips(VENOM_SELL, 1.1, NAN, 0.0001)));
    assert_true(isnan(venom_slippage_pips(VENOM_SELL, 1.1, 1.1, 0.0)));
    venom_record_t r;
    memset(&r, 0, sizeof r);
    venom_record_add_fill(&r, VENOM_MOMENTUM_BURST, 2.0, 20.0);
    venom_record_add_fill(&r, VENOM_MOMENTUM_BURST, 0.0, 20.0);
    venom_record_add_fill(&r, VENOM_MOMENTUM_BURST, NAN, 20.0); /* ignored */
    venom_record_add_fill(&r, VENOM_MOMENTUM_BURST, 1.0, 0.0);  /* ignored */
    venom_record_add_fill(&r, VENOM_PATTERN_COUNT, 1.0, 20.0);  /* ignored */
    r.fills_unmatched = 2;
    assert_int_equal(r.fills[VENOM_MOMENTUM_BURST].n, 2);
    char *text = venom_record_dump(&r);
    venom_record_t back;
    memset(&back, 0xff, sizeof back);
    assert_int_equal(venom_record_load(&back, text), 0);
    assert_memory_equal(&back, &r, sizeof r);
    free(text);
    json_t *j = venom_record_json(&back);
    json_t *mb = json_object_get(json_object_get(j, "fills"), "MOMENTUM_BURST");
    assert_int_equal(json_integer_value(json_object_get(mb, "n")), 2);
    assert_true(json_number_value(json_object_get(mb, "slippage_pips_mean")) == 1.0);
    assert_true(json_number_value(json_object_get(mb, "slippage_r_mean")) == 0.05);
    assert_true(json_is_array(json_object_get(mb, "slippage_pips_95")));
    assert_int_equal(json_integer_value(json_object_get(j, "fills_unmatched")), 2);
    json_decref(j);
    //  A record written before fills were tracked still reads, with none.
    assert_int_equal(venom_record_load(&back, "{\"lost_open\":1,\"pattern\":{}}"), 0);
    assert_int_equal(back.fills[VENOM_MOMENTUM_BURST].n, 0);
    assert_int_equal(back.lost_open, 1);
    const char *bad[] = {
        "{\"lost_open\":0,\"pattern\":{},\"fills\":[]}",
        "{\"lost_open\":0,\"pattern\":{},\"fills\":{\"BB_SCALP\":[1,2]}}",
        "{\"lost_open\":0,\"pattern\":{},\"fills\":{\"BB_SCALP\":[-1,0,0,0]}}",
        "{\"lost_open\":0,\"pattern\":{},\"fills\":{\"BB_SCALP\":[1,\"x\",0,0]}}",
        "{\"lost_open\":0,\"pattern\":{},\"fills_unmatched\":-1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        venom_record_t keep = r;
        if (venom_record_load(&keep, bad[i]) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_memory_equal(&keep, &r, sizeof r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buy_fills_at_the_ask_and_exits_at_the_bid),
        cmocka_unit_test(test_sell_fills_at_the_bid_and_stops_on_the_ask),
        cmocka_unit_test(test_a_stop_passed_by_a_gap_books_the_real_loss),
        cmocka_unit_test(test_sl_and_tp_inside_one_bar_is_the_loss),
        cmocka_unit_test(test_time_out_closes_at_the_market),
        cmocka_unit_test(test_weekend_quotes_do_not_fill_and_monday_marks_the_position),
        cmocka_unit_test(test_open_at_the_end_is_marked_to_market),
        cmocka_unit_test(test_book_memory_is_bounded_by_open_trades_not_ticks),
        cmocka_unit_test(test_live_record_round_trips_and_refuses_bad_text),
        cmocka_unit_test(test_fill_slippage_is_adverse_positive_and_stored),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
