/*  test_dialect_symbols_time.c: broker symbol names <-> canonical symbols, server time to UTC,
 *  and the live offset estimator (DST step, frozen clocks, stale bursts). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bitten/dialect.h"
#include "bitten/proto.h"

#define OFFSET 10800
#define T0_UTC_MS 1757954032000LL /* 2025-09-15 16:33:52 UTC */

/* ---------------------------------------------------------------- symbols */

static bitten_symbol_map_t *s_map(void)
{
    bitten_symbol_map_t *m = test_malloc(sizeof *m);
    bitten_symbol_map_init(m);
    static const char *const canon[] = {"EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "USDCNH"};
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++)
        assert_int_equal(bitten_symbol_map_add_canonical(m, canon[i]), 0);
    return m;
}

static void s_to_canon(const bitten_symbol_map_t *m, const char *broker, const char *want,
                       bitten_reason_t why_want)
{
    char out[BITTEN_SYMBOL_MAX + 1];
    bitten_reason_t why;
    int rc = bitten_symbol_to_canonical(m, broker, out, &why);
    assert_string_equal(bitten_reason_str(why), bitten_reason_str(why_want));
    assert_int_equal(rc, why_want == BITTEN_R_OK ? 0 : -1);
    assert_string_equal(out, want);
}

static void s_to_broker(const bitten_symbol_map_t *m, const char *canon, const char *want,
                        bitten_reason_t why_want)
{
    char out[BITTEN_SYMBOL_MAX + 1];
    bitten_reason_t why;
    int rc = bitten_symbol_to_broker(m, canon, out, &why);
    assert_string_equal(bitten_reason_str(why), bitten_reason_str(why_want));
    assert_int_equal(rc, why_want == BITTEN_R_OK ? 0 : -1);
    assert_string_equal(out, want);
}

static void test_plain_names_map_to_themselves(void **state)
{
    (void)state;
    bitten_symbol_map_t *m = s_map();
    s_to_canon(m, "EURUSD", "EURUSD", BITTEN_R_OK);
    s_to_broker(m, "EURUSD", "EURUSD", BITTEN_R_OK);
    s_to_canon(m, "EURUSDm", "", BITTEN_R_UNKNOWN_SYMBOL); /* no rule: not guessed */
    s_to_canon(m, "AUDUSD", "", BITTEN_R_UNKNOWN_SYMBOL);
    s_to_broker(m, "AUDUSD", "", BITTEN_R_UNKNOWN_SYMBOL);
    test_free(m);
}

static void test_suffix_and_prefix_rules_map_both_ways(void **state)
{
    (void)state;
    bitten_symbol_map_t *m = s_map();
    assert_int_equal(bitten_symbol_map_add_affix(m, "", "m"), 0);
    s_to_canon(m, "EURUSDm", "EURUSD", BITTEN_R_OK);
    s_to_broker(m, "EURUSD", "EURUSDm", BITTEN_R_OK); /* the only rule, nothing seen yet */
    test_free(m);
    m = s_map();
    assert_int_equal(bitten_symbol_map_add_affix(m, "", ".r"), 0);
    assert_int_equal(bitten_symbol_map_add_affix(m, "#", ""), 0);
    s_to_canon(m, "EURUSD.r", "EURUSD", BITTEN_R_OK);
    s_to_canon(m, "#XAUUSD", "XAUUSD", BITTEN_R_OK);
    s_to_canon(m, "EURUSD.x", "", BITTEN_R_UNKNOWN_SYMBOL);
    /* Two rules and no broker list: which name the broker uses is not known. */
    s_to_broker(m, "EURUSD", "", BITTEN_R_SYMBOL_AMBIGUOUS);
    /* Once the EA has named its symbols, the one that maps back is the wire name. */
    assert_int_equal(bitten_symbol_map_add_broker_list(m, "EURUSD.r,#XAUUSD,USDJPY.r"), 0);
    s_to_broker(m, "EURUSD", "EURUSD.r", BITTEN_R_OK);
    s_to_broker(m, "XAUUSD", "#XAUUSD", BITTEN_R_OK);
    s_to_broker(m, "GBPUSD", "", BITTEN_R_UNKNOWN_SYMBOL); /* not in the terminal */
    test_free(m);
}

static void test_ambiguity_is_refused(void **state)
{
    (void)state;
    bitten_symbol_map_t *m = s_map();
    assert_int_equal(bitten_symbol_map_add_canonical(m, "EURUSDM"), 0);
    assert_int_equal(bitten_symbol_map_add_affix(m, "", "M"), 0);
    /* "EURUSDM" is canonical itself: the plain name wins over stripping. */
    s_to_canon(m, "EURUSDM", "EURUSDM", BITTEN_R_OK);
    /* Two rules that strip one broker name to two canonical symbols. */
    bitten_symbol_map_t *n = s_map();
    assert_int_equal(bitten_symbol_map_add_canonical(n, "EURUSDX"), 0);
    assert_int_equal(bitten_symbol_map_add_affix(n, "", "X.r"), 0);
    assert_int_equal(bitten_symbol_map_add_affix(n, "", ".r"), 0);
    s_to_canon(n, "EURUSDX.r", "", BITTEN_R_SYMBOL_AMBIGUOUS);
    /* A terminal that lists EURUSD and EURUSD.r: commands cannot pick one. */
    assert_int_equal(bitten_symbol_map_add_broker(n, "EURUSD"), 0);
    assert_int_equal(bitten_symbol_map_add_broker(n, "EURUSD.r"), 0);
    s_to_broker(n, "EURUSD", "", BITTEN_R_SYMBOL_AMBIGUOUS);
    /* An explicit alias settles it on the way in. */
    assert_int_equal(bitten_symbol_map_add_alias(n, "EURUSDX.r", "EURUSDX"), 0);
    s_to_canon(n, "EURUSDX.r", "EURUSDX", BITTEN_R_OK);
    assert_int_equal(bitten_symbol_map_add_alias(n, "EURUSDX.r", "EURUSD"), -1);
    test_free(m);
    test_free(n);
}

static void test_aliases_and_bad_input(void **state)
{
    (void)state;
    bitten_symbol_map_t *m = s_map();
    assert_int_equal(bitten_symbol_map_add_alias(m, "GOLD", "XAUUSD"), 0);
    s_to_canon(m, "GOLD", "XAUUSD", BITTEN_R_OK);
    s_to_broker(m, "XAUUSD", "GOLD", BITTEN_R_OK);
    assert_int_equal(bitten_symbol_map_add_canonical(m, "eurusd"), -1);
    assert_int_equal(bitten_symbol_map_add_affix(m, "", ""), -1);
    assert_int_equal(bitten_symbol_map_add_affix(m, "", "\"x"), -1);
    assert_int_equal(bitten_symbol_map_add_affix(m, "", "123456789"), -1);
    assert_int_equal(bitten_symbol_map_add_broker(m, "EUR USD"), -1);
    assert_int_equal(bitten_symbol_map_add_broker_list(m, "EURUSD,,GBPUSD"), -1);
    assert_int_equal(bitten_symbol_map_add_broker_list(m, ""), 0);
    for (int i = 0; i < BITTEN_SYMMAP_AFFIX_MAX; i++) {
        char suf[4];
        snprintf(suf, sizeof suf, "_%d", i);
        assert_int_equal(bitten_symbol_map_add_affix(m, "", suf), 0);
    }
    assert_int_equal(bitten_symbol_map_add_affix(m, "", "_x"), -1); /* full */
    assert_int_equal(bitten_symbol_map_add_affix(m, "", "_0"), 0);  /* duplicate */
    test_free(m);
}

/* ---------------------------------------------------------------- server time */

static void test_integer_and_string_server_time_agree(void **state)
{
    (void)state;
    bitten_ms_t from_int = bitten_server_time_to_utc(1757964832, OFFSET);
    bitten_ms_t from_str = bitten_parse_time_str("2025.09.15 19:33:52", OFFSET);
    assert_int_equal(from_int, T0_UTC_MS);
    assert_int_equal(from_str, T0_UTC_MS);
    assert_int_equal(bitten_server_time_to_utc(100, 0), -1);
    assert_int_equal(bitten_server_time_to_utc(1757964832, -OFFSET),
                     T0_UTC_MS + 2 * OFFSET * 1000LL);
}

static const bitten_offset_cfg_t S_CFG = BITTEN_OFFSET_CFG_DEFAULT;

/*  Feeds n live samples one second apart from *t (UTC ms) with the EA lag lag_ms. */
static bitten_offset_event_t s_feed(bitten_offset_est_t *e, bitten_ms_t *t, int n, int offset_s,
                                    int lag_ms, bitten_offset_event_t *last_change)
{
    bitten_offset_event_t ev = BITTEN_OFFSET_IGNORED;
    for (int i = 0; i < n; i++) {
        /* The EA stamps whole server seconds; the frame arrives lag_ms later. */
        bitten_ms_t server = (*t / 1000) * 1000 + (bitten_ms_t)offset_s * 1000;
        ev = bitten_offset_observe(e, &S_CFG, server, *t + lag_ms);
        if (ev == BITTEN_OFFSET_LEARNED || ev == BITTEN_OFFSET_CHANGED)
            *last_change = ev;
        *t += 1000;
    }
    return ev;
}

static void test_offset_is_learned_from_the_stream(void **state)
{
    (void)state;
    bitten_offset_est_t e;
    bitten_offset_init(&e, false, 0);
    bitten_ms_t t = T0_UTC_MS + 250;
    bitten_offset_event_t change = BITTEN_OFFSET_IGNORED;
    s_feed(&e, &t, 30, OFFSET, 900, &change);
    assert_false(e.known); /* 5 samples but not yet 60 s of them */
    s_feed(&e, &t, 40, OFFSET, 900, &change);
    assert_true(e.known);
    assert_int_equal(change, BITTEN_OFFSET_LEARNED);
    assert_int_equal(e.offset_s, OFFSET);
    assert_int_equal(e.changes, 0);
    /* Granularity 15 min: a +05:45 broker is found too, even with a 5 min lag. */
    bitten_offset_init(&e, false, 0);
    change = BITTEN_OFFSET_IGNORED;
    s_feed(&e, &t, 120, 20700, 300000, &change);
    assert_int_equal(change, BITTEN_OFFSET_LEARNED);
    assert_int_equal(e.offset_s, 20700);
}

static void test_dst_step_is_noticed_after_hysteresis(void **state)
{
    (void)state;
    bitten_offset_est_t e;
    bitten_offset_init(&e, true, OFFSET);
    bitten_ms_t t = T0_UTC_MS;
    bitten_offset_event_t change = BITTEN_OFFSET_IGNORED;
    s_feed(&e, &t, 100, OFFSET, 500, &change);
    assert_int_equal(change, BITTEN_OFFSET_IGNORED); /* steady: nothing to announce */
    /* The broker's clock goes back one hour (UTC+3 -> UTC+2). */
    s_feed(&e, &t, 30, 7200, 500, &change);
    assert_int_equal(e.offset_s, OFFSET); /* not yet: one glitch must not move it */
    s_feed(&e, &t, 60, 7200, 500, &change);
    assert_int_equal(change, BITTEN_OFFSET_CHANGED);
    assert_int_equal(e.offset_s, 7200);
    assert_int_equal(e.previous_s, OFFSET);
    assert_int_equal(e.changes, 1);
    /* A few odd samples in between reset the candidate instead of flipping back. */
    change = BITTEN_OFFSET_IGNORED;
    for (int round = 0; round < 20; round++) {
        s_feed(&e, &t, 3, OFFSET, 500, &change);
        s_feed(&e, &t, 1, 7200, 500, &change);
    }
    assert_int_equal(e.offset_s, 7200);
    assert_int_equal(change, BITTEN_OFFSET_IGNORED);
}

static void test_frozen_clock_and_closed_market_change_nothing(void **state)
{
    (void)state;
    bitten_offset_est_t e;
    bitten_offset_init(&e, true, OFFSET);
    bitten_ms_t t = T0_UTC_MS;
    bitten_offset_event_t change = BITTEN_OFFSET_IGNORED;
    s_feed(&e, &t, 10, OFFSET, 200, &change);
    /* TimeCurrent() stands still: v7 still answers pings with the same stamp for an hour. */
    bitten_ms_t frozen = e.last_server_ms;
    int64_t ignored = e.ignored;
    for (int i = 0; i < 3600; i++, t += 1000)
        assert_int_equal(bitten_offset_observe(&e, &S_CFG, frozen, t), BITTEN_OFFSET_IGNORED);
    assert_int_equal(e.ignored, ignored + 3600);
    assert_int_equal(e.offset_s, OFFSET);
    /* The market closed for the weekend: no frames for 2 days, then live again. */
    t += 2 * 86400 * 1000LL;
    s_feed(&e, &t, 200, OFFSET, 200, &change);
    assert_int_equal(e.offset_s, OFFSET);
    assert_int_equal(e.changes, 0);
}

static void test_stale_burst_after_an_outage_is_not_an_offset(void **state)
{
    (void)state;
    bitten_offset_est_t e;
    bitten_offset_init(&e, true, OFFSET);
    bitten_ms_t t = T0_UTC_MS;
    bitten_offset_event_t change = BITTEN_OFFSET_IGNORED;
    s_feed(&e, &t, 10, OFFSET, 200, &change);
    /* 1000 queued frames, one per server second over the last 40 minutes, all at once. */
    bitten_ms_t now = t + 40 * 60 * 1000LL;
    for (int i = 0; i < 1000; i++) {
        bitten_ms_t server = t + OFFSET * 1000LL + (bitten_ms_t)i * 2400;
        bitten_offset_observe(&e, &S_CFG, (server / 1000) * 1000, now + i);
    }
    assert_int_equal(e.offset_s, OFFSET);
    t = now + 1000;
    s_feed(&e, &t, 100, OFFSET, 200, &change);
    assert_int_equal(e.offset_s, OFFSET);
    assert_int_equal(e.changes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_names_map_to_themselves),
        cmocka_unit_test(test_suffix_and_prefix_rules_map_both_ways),
        cmocka_unit_test(test_ambiguity_is_refused),
        cmocka_unit_test(test_aliases_and_bad_input),
        cmocka_unit_test(test_integer_and_string_server_time_agree),
        cmocka_unit_test(test_offset_is_learned_from_the_stream),
        cmocka_unit_test(test_dst_step_is_noticed_after_hysteresis),
        cmocka_unit_test(test_frozen_clock_and_closed_market_change_nothing),
        cmocka_unit_test(test_stale_burst_after_an_outage_is_not_an_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
