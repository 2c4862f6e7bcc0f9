/*  test_fire_reconcile.c: unit tests for the reconciliation of EA v7's closes from its
 *  heartbeats and from its answers to our close commands (src/modules/fire_router/
 *  fire_reconcile.c). No sockets, no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "modules/fire_router/fire_reconcile.h"

#define HB(r, pos, filled) fire_recon_heartbeat((r), true, (pos), (filled), 2)

static void test_only_v7_is_reconciled(void **state)
{
    (void)state;
    assert_true(fire_recon_applies(BITTEN_DIALECT_V7));
    assert_false(fire_recon_applies(BITTEN_DIALECT_CONTRACT));
    assert_false(fire_recon_applies(BITTEN_DIALECT_V205));
    assert_false(fire_recon_applies(BITTEN_DIALECT_V202));
    assert_false(fire_recon_applies(BITTEN_DIALECT_UNKNOWN));
}

static void test_zero_positions_close_all_only_after_two_heartbeats_in_a_row(void **state)
{
    (void)state;
    fire_recon_t r;
    fire_recon_init(&r);
    assert_int_equal(HB(&r, 0, 2), FIRE_RECON_WAIT);      /* one may be stale */
    assert_int_equal(HB(&r, 0, 2), FIRE_RECON_CLOSE_ALL); /* it persisted */
    //  The streak starts again after a decision.
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_CLOSE_ALL);
    //  confirm_n 3 wants three; < 1 counts as 1.
    assert_int_equal(fire_recon_heartbeat(&r, true, 0, 1, 3), FIRE_RECON_WAIT);
    assert_int_equal(fire_recon_heartbeat(&r, true, 0, 1, 3), FIRE_RECON_WAIT);
    assert_int_equal(fire_recon_heartbeat(&r, true, 0, 1, 3), FIRE_RECON_CLOSE_ALL);
    assert_int_equal(fire_recon_heartbeat(&r, true, 0, 1, 0), FIRE_RECON_CLOSE_ALL);
}

static void test_a_count_in_between_breaks_the_streak(void **state)
{
    (void)state;
    fire_recon_t r;
    fire_recon_init(&r);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    assert_int_equal(HB(&r, 1, 1), FIRE_RECON_NOTHING); /* the stale one was the 0 */
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    //  A heartbeat without a count (or a negative one) is no evidence: the streak breaks.
    assert_int_equal(fire_recon_heartbeat(&r, false, 0, 1, 2), FIRE_RECON_NOTHING);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    assert_int_equal(fire_recon_heartbeat(&r, true, -1, 1, 2), FIRE_RECON_NOTHING);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_CLOSE_ALL);
}

static void test_a_fill_restarts_the_streak(void **state)
{
    (void)state;
    //  The heartbeat counted before the fill's position existed arrives first, then the fill:
    //  one more 0 after the fill is not enough.
    fire_recon_t r;
    fire_recon_init(&r);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    fire_recon_fill(&r);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_CLOSE_ALL);
}

static void test_nothing_filled_or_enough_positions_decides_nothing(void **state)
{
    (void)state;
    fire_recon_t r;
    fire_recon_init(&r);
    assert_int_equal(HB(&r, 0, 0), FIRE_RECON_NOTHING);
    assert_int_equal(HB(&r, 0, 0), FIRE_RECON_NOTHING);
    assert_int_equal(HB(&r, 3, 2), FIRE_RECON_NOTHING); /* a human trade raises the count */
    assert_int_equal(HB(&r, 2, 2), FIRE_RECON_NOTHING);
    //  A streak of zeros without filled fires does not carry over to a fill.
    assert_int_equal(HB(&r, 0, 0), FIRE_RECON_NOTHING);
    assert_int_equal(HB(&r, 0, 1), FIRE_RECON_WAIT);
}

static void test_a_lower_count_above_zero_closes_nothing_and_is_reported_once(void **state)
{
    (void)state;
    fire_recon_t r;
    fire_recon_init(&r);
    assert_int_equal(HB(&r, 1, 3), FIRE_RECON_PARTIAL);
    assert_int_equal(HB(&r, 1, 3), FIRE_RECON_PARTIAL_SEEN);
    assert_int_equal(HB(&r, 2, 3), FIRE_RECON_PARTIAL); /* a new mismatch */
    assert_int_equal(HB(&r, 2, 3), FIRE_RECON_PARTIAL_SEEN);
    assert_int_equal(HB(&r, 3, 3), FIRE_RECON_NOTHING); /* agreed: the next one is new */
    assert_int_equal(HB(&r, 2, 3), FIRE_RECON_PARTIAL);
    //  A partial heartbeat between two zeros breaks the zero streak.
    assert_int_equal(HB(&r, 0, 3), FIRE_RECON_WAIT);
    assert_int_equal(HB(&r, 1, 3), FIRE_RECON_PARTIAL);
    assert_int_equal(HB(&r, 0, 3), FIRE_RECON_WAIT);
    assert_int_equal(HB(&r, 0, 3), FIRE_RECON_CLOSE_ALL);
}

static void test_closed_count_reads_exactly_v7s_text(void **state)
{
    (void)state;
    assert_int_equal(fire_recon_closed_count("Closed 1 positions"), 1);
    assert_int_equal(fire_recon_closed_count("Closed 0 positions"), 0);
    assert_int_equal(fire_recon_closed_count("Closed 12 positions"), 12);
    assert_int_equal(fire_recon_closed_count(""), -1);
    assert_int_equal(fire_recon_closed_count(NULL), -1);
    assert_int_equal(fire_recon_closed_count("Closed positions"), -1);
    assert_int_equal(fire_recon_closed_count("Closed -1 positions"), -1);
    assert_int_equal(fire_recon_closed_count("Closed 1 positions!"), -1);
    assert_int_equal(fire_recon_closed_count("closed 1 positions"), -1);
    assert_int_equal(fire_recon_closed_count("Closed 99999999999 positions"), -1);
    assert_int_equal(fire_recon_closed_count("No positions found for EURUSD"), -1);
}

static void test_a_close_answer_closes_its_scope_only_when_it_closed_enough(void **state)
{
    (void)state;
    const bitten_dialect_t v7 = BITTEN_DIALECT_V7;
    int64_t n = 0;
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE, true, "Closed 2 positions",
                                             2, &n),
                     FIRE_RECON_SCOPE_SYMBOL);
    assert_int_equal(n, 2);
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE_ALL, true,
                                             "Closed 3 positions", 2, &n),
                     FIRE_RECON_SCOPE_ALL);
    //  close_all answers "Closed 0 positions" also when nothing of ours is open.
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE_ALL, true,
                                             "Closed 0 positions", 0, NULL),
                     FIRE_RECON_SCOPE_ALL);
    //  Fewer closed than FILLED fires in scope: a PositionClose failed (still open) or a stop
    //  took one before; which is not said.
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE, true, "Closed 1 positions",
                                             2, &n),
                     FIRE_RECON_SCOPE_NONE);
    assert_int_equal(n, 1);
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE_ALL, true,
                                             "Closed 0 positions", 1, NULL),
                     FIRE_RECON_SCOPE_NONE);
    //  An error (even "No positions found": every close may have failed), another text,
    //  another dialect or an opening action prove nothing.
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE, false,
                                             "No positions found for EURUSD", 0, &n),
                     FIRE_RECON_SCOPE_NONE);
    assert_int_equal(n, -1);
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_CLOSE, true, "", 0, NULL),
                     FIRE_RECON_SCOPE_NONE);
    assert_int_equal(fire_recon_close_answer(BITTEN_DIALECT_CONTRACT, BITTEN_ACTION_CLOSE, true,
                                             "Closed 2 positions", 1, NULL),
                     FIRE_RECON_SCOPE_NONE);
    assert_int_equal(fire_recon_close_answer(v7, BITTEN_ACTION_BUY, true, "Closed 2 positions",
                                             1, NULL),
                     FIRE_RECON_SCOPE_NONE);
}

static bitten_fire_rec_t s_fire(const char *uuid, const char *symbol, bitten_action_t action,
                                bitten_fire_state_t st)
{
    bitten_fire_rec_t f;
    memset(&f, 0, sizeof f);
    snprintf(f.uuid, sizeof f.uuid, "%s", uuid);
    snprintf(f.symbol, sizeof f.symbol, "%s", symbol);
    snprintf(f.signal_id, sizeof f.signal_id, "S1");
    f.action = action;
    f.state = st;
    return f;
}

static void test_a_scope_closes_the_accounts_filled_opening_fires(void **state)
{
    (void)state;
    bitten_fire_rec_t eu = s_fire("A", "EURUSD", BITTEN_ACTION_BUY, BITTEN_FIRE_FILLED);
    bitten_fire_rec_t gu = s_fire("A", "GBPUSD", BITTEN_ACTION_SELL, BITTEN_FIRE_FILLED);
    bitten_fire_rec_t other = s_fire("B", "EURUSD", BITTEN_ACTION_BUY, BITTEN_FIRE_FILLED);
    bitten_fire_rec_t sent = s_fire("A", "EURUSD", BITTEN_ACTION_BUY, BITTEN_FIRE_SENT);
    bitten_fire_rec_t tout = s_fire("A", "EURUSD", BITTEN_ACTION_BUY, BITTEN_FIRE_TIMEOUT);
    bitten_fire_rec_t close = s_fire("A", "EURUSD", BITTEN_ACTION_CLOSE, BITTEN_FIRE_FILLED);
    assert_true(fire_recon_closes(&eu, "A", FIRE_RECON_SCOPE_SYMBOL, "EURUSD"));
    assert_false(fire_recon_closes(&gu, "A", FIRE_RECON_SCOPE_SYMBOL, "EURUSD"));
    assert_true(fire_recon_closes(&gu, "A", FIRE_RECON_SCOPE_ALL, ""));
    assert_false(fire_recon_closes(&other, "A", FIRE_RECON_SCOPE_ALL, ""));
    //  Not FILLED: its outcome is unknown, a close proves nothing about it.
    assert_false(fire_recon_closes(&sent, "A", FIRE_RECON_SCOPE_ALL, ""));
    assert_false(fire_recon_closes(&tout, "A", FIRE_RECON_SCOPE_ALL, ""));
    assert_false(fire_recon_closes(&close, "A", FIRE_RECON_SCOPE_ALL, ""));
    assert_false(fire_recon_closes(&eu, "A", FIRE_RECON_SCOPE_NONE, "EURUSD"));
    assert_false(fire_recon_closes(&eu, NULL, FIRE_RECON_SCOPE_ALL, ""));
    assert_false(fire_recon_closes(&eu, "A", FIRE_RECON_SCOPE_SYMBOL, NULL));
    assert_string_equal(fire_recon_action_str(FIRE_RECON_CLOSE_ALL), "CLOSE_ALL");
    assert_string_equal(fire_recon_action_str((fire_recon_action_t)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_v7_is_reconciled),
        cmocka_unit_test(test_zero_positions_close_all_only_after_two_heartbeats_in_a_row),
        cmocka_unit_test(test_a_count_in_between_breaks_the_streak),
        cmocka_unit_test(test_a_fill_restarts_the_streak),
        cmocka_unit_test(test_nothing_filled_or_enough_positions_decides_nothing),
        cmocka_unit_test(test_a_lower_count_above_zero_closes_nothing_and_is_reported_once),
        cmocka_unit_test(test_closed_count_reads_exactly_v7s_text),
        cmocka_unit_test(test_a_close_answer_closes_its_scope_only_when_it_closed_enough),
        cmocka_unit_test(test_a_scope_closes_the_accounts_filled_opening_fires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
