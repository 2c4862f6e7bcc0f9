/*  test_account_normalize.c: the accounts module's normalize hook, pure half
 *  (src/modules/accounts/account_normalize.c): broker names -> canonical, server time -> UTC
 *  (pinned or learned), and the real EAs' account state as telemetry (xp_risk_core). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "modules/accounts/account_normalize.h"
#include "modules/xp_risk/xp_risk_core.h"

#define R(code) BITTEN_R_##code
#define OFFSET_S 10800                 /* the recorded broker: UTC+3 */
#define T0_UTC_MS 1757954032000LL      /* 2025-09-15 16:33:52 UTC */

static bitten_account_t s_acc(const char *suffix, bool pinned)
{
    bitten_account_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.uuid, sizeof a.uuid, "acct_n");
    snprintf(a.symbol_suffix, sizeof a.symbol_suffix, "%s", suffix);
    a.has_server_offset = pinned;
    a.server_utc_offset_s = pinned ? OFFSET_S : 0;
    return a;
}

static bitten_frame_t s_tick(const char *symbol, bitten_ms_t server_ms)
{
    bitten_frame_t f;
    memset(&f, 0, sizeof f);
    f.type = BITTEN_FRAME_TICK;
    f.dialect = BITTEN_DIALECT_V7;
    snprintf(f.u.tick.uuid, sizeof f.u.tick.uuid, "acct_n");
    snprintf(f.u.tick.symbol, sizeof f.u.tick.symbol, "%s", symbol);
    f.u.tick.bid = 1.17617;
    f.u.tick.ask = 1.17619;
    f.u.tick.timestamp = server_ms;
    return f;
}

static void test_a_suffixed_tick_becomes_canonical_and_utc_with_a_pinned_offset(void **state)
{
    bitten_symbols_t *table = bitten_symbols_new_defaults();
    bitten_account_t acc = s_acc("m", true);
    account_norm_t st;
    assert_int_equal(account_norm_init(&st, &acc, table), 0);
    bitten_frame_t f = s_tick("EURUSDm", T0_UTC_MS + OFFSET_S * 1000LL);
    account_norm_news_t news;
    bitten_reason_t why;
    assert_int_equal(account_norm_frame(&st, &acc, &f, T0_UTC_MS, &news, &why), 0);
    assert_string_equal(f.u.tick.symbol, "EURUSD");
    assert_int_equal(f.u.tick.timestamp, T0_UTC_MS);
    assert_true(news.learned_name);
    assert_string_equal(news.canonical, "EURUSD");
    assert_string_equal(news.broker, "EURUSDm");
    /* a name no rule maps is refused with its reason, not passed on raw */
    f = s_tick("FOOBARX", T0_UTC_MS + OFFSET_S * 1000LL);
    assert_int_equal(account_norm_frame(&st, &acc, &f, T0_UTC_MS, &news, &why), -1);
    assert_int_equal(why, R(UNKNOWN_SYMBOL));
    /* contract frames are not touched */
    f = s_tick("EURUSD", T0_UTC_MS);
    f.dialect = BITTEN_DIALECT_CONTRACT;
    assert_int_equal(account_norm_frame(&st, &acc, &f, T0_UTC_MS, &news, &why), 0);
    assert_int_equal(f.u.tick.timestamp, T0_UTC_MS);
    bitten_symbols_destroy(&table);
}

/*  Unpinned: ticks are accepted but flagged TIME_UNKNOWN (stamps untouched, VENOM leaves them
 *  out) until the live stream gives the offset, which is then LEARNED once; a candle batch is
 *  flagged before and shifted after the same way. */
static void test_the_offset_is_learned_from_live_ticks_and_flagged_until_then(void **state)
{
    bitten_symbols_t *table = bitten_symbols_new_defaults();
    bitten_account_t acc = s_acc("", false);
    account_norm_t st;
    assert_int_equal(account_norm_init(&st, &acc, table), 0);
    account_norm_news_t news;
    bitten_reason_t why;
    bitten_frame_t b;
    memset(&b, 0, sizeof b);
    b.type = BITTEN_FRAME_CANDLE_BATCH;
    b.dialect = BITTEN_DIALECT_V7;
    snprintf(b.u.candle_batch.symbol, sizeof b.u.candle_batch.symbol, "EURUSD");
    b.u.candle_batch.count = 1;
    b.u.candle_batch.candles[0].time = T0_UTC_MS + OFFSET_S * 1000LL;
    /* before any tick: flagged, its time untouched */
    assert_int_equal(account_norm_frame(&st, &acc, &b, T0_UTC_MS, &news, &why), 0);
    assert_true(b.flags & BITTEN_FRAME_F_TIME_UNKNOWN);
    assert_int_equal(b.u.candle_batch.candles[0].time, T0_UTC_MS + OFFSET_S * 1000LL);
    int learned = 0, flagged = 0;
    for (int i = 0; i < 40; i++) {
        bitten_ms_t recv = T0_UTC_MS + i * 5000LL;
        bitten_frame_t f = s_tick("EURUSD", recv + OFFSET_S * 1000LL - 300);
        assert_int_equal(account_norm_frame(&st, &acc, &f, recv, &news, &why), 0);
        assert_int_equal(why, R(OK));
        if (news.offset_event == BITTEN_OFFSET_LEARNED)
            learned++;
        if (f.flags & BITTEN_FRAME_F_TIME_UNKNOWN) {
            assert_int_equal(learned, 0);
            assert_int_equal(f.u.tick.timestamp, recv + OFFSET_S * 1000LL - 300);
            flagged++;
        } else {
            assert_int_equal(learned, 1);
            assert_int_equal(f.u.tick.timestamp, recv - 300);
        }
        assert_string_equal(f.u.tick.symbol, "EURUSD");
    }
    assert_int_equal(learned, 1);
    assert_true(flagged > 0 && flagged < 40);
    assert_int_equal(st.est.offset_s, OFFSET_S);
    b.flags = 0;
    b.u.candle_batch.candles[0].time = T0_UTC_MS + OFFSET_S * 1000LL;
    assert_int_equal(account_norm_frame(&st, &acc, &b, T0_UTC_MS, &news, &why), 0);
    assert_false(b.flags & BITTEN_FRAME_F_TIME_UNKNOWN);
    assert_int_equal(b.u.candle_batch.candles[0].time, T0_UTC_MS);
    bitten_symbols_destroy(&table);
}

/*  No real EA sends telemetry: heartbeats and results are the account state. */
static void test_ea_frames_with_balance_and_equity_are_telemetry(void **state)
{
    bitten_telemetry_t t;
    risk_ea_state_t v7 = {.has_balance = true, .has_equity = true, .has_positions = true,
                          .balance = 850.47, .equity = 850.45, .positions = 0};
    assert_true(risk_ea_state_telemetry(&v7, &t));
    /* v7 says nothing about margin, but no position means no margin used */
    assert_true(t.has_margin);
    assert_true(t.margin == 0.0);
    v7.positions = 1; /* a position and no margin figure: unknown (RISK_MARGIN, fail closed) */
    assert_true(risk_ea_state_telemetry(&v7, &t));
    assert_false(t.has_margin || t.has_free_margin || t.has_margin_level);
    risk_ea_state_t v2 = {.has_balance = true, .has_equity = true, .has_free_margin = true,
                          .has_margin_level = true, .balance = 850.47, .equity = 850.47,
                          .free_margin = 850.47, .margin_level = 0.0};
    assert_true(risk_ea_state_telemetry(&v2, &t));
    assert_true(t.has_free_margin && t.free_margin == 850.47);
    assert_true(t.has_margin_level && t.margin_level == 0.0);
    risk_ea_state_t none = {.has_balance = true}; /* no equity: not account state */
    assert_false(risk_ea_state_telemetry(&none, &t));
}

//  Prices prove digits from below: the shortest text of the double ("7.1180" reads as 7.118:
//  3), so digits only ever rise by them.
static void test_price_decimals_are_a_lower_bound_and_only_raise_the_digits(void **state)
{
    (void)state;
    assert_int_equal(account_price_decimals(1.17617), 5);
    assert_int_equal(account_price_decimals(147.366), 3);
    assert_int_equal(account_price_decimals(7.1184), 4);
    assert_int_equal(account_price_decimals(7.1180), 3); /* the trailing zero hides one */
    assert_int_equal(account_price_decimals(3678.0), 0);
    assert_int_equal(account_price_decimals(1.123456789), -1); /* more than 8 */
    assert_int_equal(account_price_decimals(0.0), -1);
    assert_int_equal(account_price_decimals(-1.5), -1);
    assert_int_equal(account_price_decimals(0.0 / 0.0), -1);
    assert_int_equal(account_price_decimals(1.0 / 0.0), -1);
    //  max(current, bid's, ask's): raised, never lowered.
    assert_int_equal(account_digits_evidence(4, 7.118, 7.1184), 4);
    assert_int_equal(account_digits_evidence(3, 7.118, 7.1184), 4);
    assert_int_equal(account_digits_evidence(2, 3678.555, 3678.5), 3);
    assert_int_equal(account_digits_evidence(5, 1.1762, 1.17620), 5); /* not lowered to 4 */
    assert_int_equal(account_digits_evidence(5, 0.0 / 0.0, -1), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_suffixed_tick_becomes_canonical_and_utc_with_a_pinned_offset),
        cmocka_unit_test(test_the_offset_is_learned_from_live_ticks_and_flagged_until_then),
        cmocka_unit_test(test_ea_frames_with_balance_and_equity_are_telemetry),
        cmocka_unit_test(test_price_decimals_are_a_lower_bound_and_only_raise_the_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
