/*  test_venom_replay.c: the replay's pure outcome rule (src/modules/venom/replay.c): TP first is
 *  a WIN, SL first a LOSS, neither OPEN; and the CSV reader's bad-line reasons and ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bitten/config.h"
#include "replay/replay.h"

#define T0 1757941200000LL /* 2025-09-15 13:00:00 UTC */
#define SEC 1000LL

static venom_signal_t s_signal(venom_direction_t dir)
{
    venom_signal_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.symbol, sizeof s.symbol, "EURUSD");
    s.direction = dir;
    s.entry = 1.10000;
    s.sl_pips = 20.0;
    s.tp_pips = 40.0;
    s.rr = 2.0;
    s.sl_price = dir == VENOM_BUY ? 1.09800 : 1.10200;
    s.tp_price = dir == VENOM_BUY ? 1.10400 : 1.09600;
    s.created_at = T0;
    return s;
}

static bitten_tick_t s_tick(const char *sym, bitten_ms_t ts, double bid, double ask)
{
    bitten_tick_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    t.bid = bid;
    t.ask = ask;
    t.timestamp = ts;
    return t;
}

static void test_buy_tp_touched_first_is_a_win_worth_rr(void **state)
{
    venom_signal_t s = s_signal(VENOM_BUY);
    bitten_tick_t after[] = {
        s_tick("EURUSD", T0 + 1 * SEC, 1.10100, 1.10110),
        s_tick("GBPUSD", T0 + 2 * SEC, 1.09000, 1.09010), /* another symbol: not followed */
        s_tick("EURUSD", T0 + 3 * SEC, 1.10400, 1.10410), /* bid reaches TP */
        s_tick("EURUSD", T0 + 4 * SEC, 1.09700, 1.09710),
    };
    venom_outcome_t o = venom_replay_outcome(&s, after, 4);
    assert_int_equal(o.kind, VENOM_OUTCOME_WIN);
    assert_true(o.r == 2.0);
    assert_int_equal(o.closed_at, T0 + 3 * SEC);
    assert_string_equal(venom_outcome_str(o.kind), "WIN");
}

static void test_buy_sl_touched_first_is_a_loss_of_one_r(void **state)
{
    venom_signal_t s = s_signal(VENOM_BUY);
    bitten_tick_t after[] = {
        s_tick("EURUSD", T0 + 1 * SEC, 1.09800, 1.09810), /* bid at SL */
        s_tick("EURUSD", T0 + 2 * SEC, 1.10500, 1.10510),
    };
    venom_outcome_t o = venom_replay_outcome(&s, after, 2);
    assert_int_equal(o.kind, VENOM_OUTCOME_LOSS);
    assert_true(o.r == -1.0);
    assert_int_equal(o.closed_at, T0 + 1 * SEC);
}

static void test_sell_uses_the_ask_and_neither_touched_stays_open(void **state)
{
    venom_signal_t s = s_signal(VENOM_SELL);
    //  The bid reaches the SELL's TP but the ask (what closes a short) does not.
    bitten_tick_t open[] = {
        s_tick("EURUSD", T0 + 1 * SEC, 1.09590, 1.09610),
        s_tick("EURUSD", T0 + 2 * SEC, 1.10180, 1.10199),
    };
    venom_outcome_t o = venom_replay_outcome(&s, open, 2);
    assert_int_equal(o.kind, VENOM_OUTCOME_OPEN);
    assert_true(o.r == 0.0);
    assert_int_equal(o.closed_at, 0);
    assert_int_equal(venom_replay_outcome(&s, open, 0).kind, VENOM_OUTCOME_OPEN);
    bitten_tick_t win[] = {s_tick("EURUSD", T0 + 1 * SEC, 1.09590, 1.09600)};
    assert_int_equal(venom_replay_outcome(&s, win, 1).kind, VENOM_OUTCOME_WIN);
    bitten_tick_t loss[] = {s_tick("EURUSD", T0 + 1 * SEC, 1.10190, 1.10200)};
    assert_int_equal(venom_replay_outcome(&s, loss, 1).kind, VENOM_OUTCOME_LOSS);
    //  A mid-only stream (bid = ask) works the same way.
    bitten_tick_t mid[] = {s_tick("EURUSD", T0 + 1 * SEC, 1.10200, 1.10200)};
    assert_int_equal(venom_replay_outcome(&s, mid, 1).kind, VENOM_OUTCOME_LOSS);
}

static void test_ticks_older_than_the_signal_are_ignored(void **state)
{
    venom_signal_t s = s_signal(VENOM_BUY);
    bitten_tick_t after[] = {s_tick("EURUSD", T0 - 1, 1.09000, 1.09010)}; /* out of order */
    assert_int_equal(venom_replay_outcome(&s, after, 1).kind, VENOM_OUTCOME_OPEN);
}

//  Runs the replay over text written to a temp file; returns the parsed summary.
static json_t *s_replay_text(const char *text, int *rc)
{
    char path[] = "/tmp/bitten-replay-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bitten_config_t *cfg = bitten_config_new();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char err[256] = "";
    *rc = venom_replay_run(cfg, path, true, out, err, sizeof err);
    fclose(out);
    unlink(path);
    bitten_config_destroy(&cfg);
    const char *last = buf;
    for (const char *p = buf; p && *p; p++)
        if (*p == '\n' && p[1])
            last = p + 1;
    json_error_t jerr;
    json_t *summary = *rc == 0 ? json_loads(last, 0, &jerr) : NULL;
    free(buf);
    json_t *inner = summary ? json_incref(json_object_get(summary, "summary")) : NULL;
    json_decref(summary);
    return inner;
}

static void test_tick_csv_counts_bad_lines_by_reason(void **state)
{
    int rc;
    json_t *s = s_replay_text("timestamp,symbol,bid,ask\n"
                              "1757941260,GBPUSD,1.35000,1.35010\n"
                              "1757941200,EURUSD,1.10000,1.10010\n"   /* earlier: fed first */
                              "1757941201,EURUSD,1.10000\n"           /* BAD_FORMAT */
                              "yesterday,EURUSD,1.1,1.1\n"            /* BAD_TIMESTAMP */
                              "1757941202,EURUSD,1.1,1.0\n"           /* ask < bid */
                              "1757941203,eurusd,1.1,1.1\n"           /* BAD_FORMAT */
                              "2025-09-15T13:00:04Z,XXXYYY,1.1,1.1\n" /* UNKNOWN_SYMBOL drop */
                              "\n",
                              &rc);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    assert_string_equal(json_string_value(json_object_get(s, "format")), "tick_csv");
    assert_int_equal(json_integer_value(json_object_get(s, "ticks")), 3);
    assert_int_equal(json_integer_value(json_object_get(s, "bad_lines")), 4);
    json_t *bad = json_object_get(s, "bad_lines_by_reason");
    assert_int_equal(json_integer_value(json_object_get(bad, "BAD_FORMAT")), 2);
    assert_int_equal(json_integer_value(json_object_get(bad, "BAD_TIMESTAMP")), 1);
    assert_int_equal(json_integer_value(json_object_get(bad, "OUT_OF_RANGE")), 1);
    json_t *drops = json_object_get(s, "drops");
    assert_int_equal(json_integer_value(json_object_get(drops, "UNKNOWN_SYMBOL")), 1);
    //  Sorted by time before feeding: nothing is out of order.
    assert_int_equal(json_integer_value(json_object_get(drops, "TICK_OUT_OF_ORDER")), 0);
    json_decref(s);
}

static void test_unreadable_or_unrecognised_file_is_an_error(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256] = "";
    FILE *out = tmpfile();
    assert_int_equal(venom_replay_run(cfg, "/nonexistent/ticks.csv", false, out, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "cannot read"));
    fclose(out);
    bitten_config_destroy(&cfg);
    int rc;
    assert_null(s_replay_text("a,b,c\n1,2,3\n", &rc));
    assert_int_equal(rc, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buy_tp_touched_first_is_a_win_worth_rr),
        cmocka_unit_test(test_buy_sl_touched_first_is_a_loss_of_one_r),
        cmocka_unit_test(test_sell_uses_the_ask_and_neither_touched_stays_open),
        cmocka_unit_test(test_ticks_older_than_the_signal_are_ignored),
        cmocka_unit_test(test_tick_csv_counts_bad_lines_by_reason),
        cmocka_unit_test(test_unreadable_or_unrecognised_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
