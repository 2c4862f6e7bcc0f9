/*  test_dialect_encode.c: each command as each EA reads it, read back with the EA's own naive
 *  reader (first `"key":` wins), and the proof that v7 executes exactly the lot journaled. */

#include <math.h>
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
#include "ea_json.h"

#define V7 BITTEN_DIALECT_V7
#define V205 BITTEN_DIALECT_V205
#define V202 BITTEN_DIALECT_V202

static const bitten_symbol_facts_t S_EURUSD = {5, 0.00001, 0.01, 100.0, 0.01};
static const bitten_symbol_facts_t S_USDCNH = {4, 0.0001, 0.01, 100.0, 0.01};
static const bitten_symbol_facts_t S_XAUUSD = {2, 0.01, 0.01, 100.0, 0.01};

/* ---------------------------------------------------------------- helpers */

/*  What the EA of dialect d reads for key in frame. */
static const char *s_read(bitten_dialect_t d, const char *frame, const char *key)
{
    static char out[256];
    ea_json_flavor_t f = d == BITTEN_DIALECT_V7 ? EA_JSON_V7 : EA_JSON_V2;
    char cut[EA_JSON_V2_RECV_MAX + 1];
    ea_json_frame(frame, strlen(frame), f, cut, sizeof cut);
    ea_json_get(cut, key, f, out, sizeof out);
    return out;
}

/*  StringToDouble of what the EA reads. */
static double s_num(bitten_dialect_t d, const char *frame, const char *key)
{
    return strtod(s_read(d, frame, key), NULL);
}

static bitten_dcmd_t s_open(bitten_action_t action, const char *symbol, double lot, double sl,
                            double tp)
{
    bitten_dcmd_t c;
    memset(&c, 0, sizeof c);
    c.kind = BITTEN_DCMD_OPEN;
    c.action = action;
    snprintf(c.id, sizeof c.id, "VENOM_EURUSD_1757954032");
    snprintf(c.target_uuid, sizeof c.target_uuid, "COMMANDER_DEV_001");
    snprintf(c.symbol, sizeof c.symbol, "%s", symbol);
    c.lot = lot;
    c.sl_dist = sl;
    c.tp_dist = tp;
    c.bid = 1.17617;
    c.ask = 1.17619;
    return c;
}

/*  Encodes, which must succeed; the frame stays in buf. Checks the generic promises: ASCII,
 *  compact (no space outside values), <= 4095 bytes, valid JSON of unique keys. */
static int s_enc(bitten_dialect_t d, const bitten_dcmd_t *c, const bitten_symbol_facts_t *f,
                 char *buf, size_t size, bitten_dcmd_effect_t *eff)
{
    bitten_reason_t why = BITTEN_R_INTERNAL;
    int n = bitten_dialect_encode(d, c, f, buf, size, eff, &why);
    if (n < 0)
        print_error("encode refused: %s\n", bitten_reason_str(why));
    assert_true(n > 0 && n <= BITTEN_EA_CMD_MAX);
    assert_int_equal(why, BITTEN_R_OK);
    assert_int_equal((size_t)n, strlen(buf));
    for (int i = 0; i < n; i++)
        assert_true(buf[i] > 0x20 && buf[i] < 0x7F);
    /* Every key once: the first `"key":` is the only one. */
    for (const char *p = strstr(buf, "\":"); p; p = strstr(p + 2, "\":")) {
        const char *q = p - 1;
        while (q > buf && *q != '"')
            q--;
        char key[40];
        snprintf(key, sizeof key, "%.*s", (int)(p - q + 2), q);
        assert_ptr_equal(strstr(buf, key), q);
    }
    return n;
}

static void s_refused(bitten_dialect_t d, const bitten_dcmd_t *c, const bitten_symbol_facts_t *f,
                      bitten_reason_t want)
{
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_reason_t why = BITTEN_R_OK;
    assert_int_equal(bitten_dialect_encode(d, c, f, buf, sizeof buf, NULL, &why), -1);
    assert_string_equal(bitten_reason_str(why), bitten_reason_str(want));
}

/* ---------------------------------------------------------------- the EA reader itself */

static void test_ea_reader_behaves_like_the_eas(void **state)
{
    (void)state;
    const char *nested = "{\"type\":\"fire\",\"x\":{\"sl\":9},\"sl\":1.1,\"s\":\"a b\"}";
    assert_string_equal(s_read(V205, nested, "sl"), "9"); /* the first match wins */
    assert_string_equal(s_read(V7, nested, "s"), "a b");
    assert_string_equal(s_read(V7, "{\"lot\": 0.05 ,\"a\":1}", "lot"), "0.05");
    assert_string_equal(s_read(V205, "{\"lot\": 0.05 ,\"a\":1}", "lot"), "0.05 ");
    assert_string_equal(s_read(V205, "{\"a\":[1],\"b\":2}", "a"), "[1");
    assert_string_equal(s_read(V7, "{\"a\":\"x\\\"y\"}", "a"), "x\\"); /* no escapes */
    assert_string_equal(s_read(V7, "{\"a\" :1}", "a"), "");            /* space before ':' */
    assert_string_equal(s_read(V7, "{\"a\":1}", "b"), "");
    /* v7 reads 4095 bytes: a key beyond is not there. */
    char big[5000];
    memset(big, ' ', sizeof big);
    memcpy(big, "{\"type\":\"signal\"", 16);
    memcpy(big + 4090, "\"lot\":1}", 9);
    assert_string_equal(s_read(V7, big, "lot"), "");
    assert_string_equal(s_read(V205, big, "lot"), "");
    memcpy(big + 4080, "\"lot\":1}", 9);
    assert_string_equal(s_read(V7, big, "lot"), "1");
}

/* ---------------------------------------------------------------- v7 */

static void test_v7_signal_reads_back_as_intended(void **state)
{
    (void)state;
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_dcmd_effect_t eff;
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 0.00200, 0.00300);
    s_enc(V7, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_string_equal(s_read(V7, buf, "type"), "signal");
    assert_string_equal(s_read(V7, buf, "action"), "buy");
    assert_string_equal(s_read(V7, buf, "symbol"), "EURUSD");
    assert_string_equal(s_read(V7, buf, "signal_id"), "VENOM_EURUSD_1757954032");
    assert_true(s_num(V7, buf, "lot") == 0.05 && eff.lot == 0.05);
    assert_true(s_num(V7, buf, "sl") == 200 && eff.sl_points == 200);
    assert_true(s_num(V7, buf, "tp") == 300 && eff.tp_points == 300);
    c.action = BITTEN_ACTION_SELL;
    s_enc(V7, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_string_equal(s_read(V7, buf, "action"), "sell");
}

/*  USDCNH has 4 digits and XAUUSD 2: the same price distance is 10x / 1000x fewer points. */
static void test_v7_stops_use_the_brokers_point(void **state)
{
    (void)state;
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_dcmd_effect_t eff;
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "USDCNH", 0.10, 0.0200, 0.0300);
    s_enc(V7, &c, &S_USDCNH, buf, sizeof buf, &eff);
    assert_true(s_num(V7, buf, "sl") == 200 && s_num(V7, buf, "tp") == 300);
    c = s_open(BITTEN_ACTION_SELL, "XAUUSD", 0.10, 5.00, 7.50);
    s_enc(V7, &c, &S_XAUUSD, buf, sizeof buf, &eff);
    assert_true(s_num(V7, buf, "sl") == 500 && s_num(V7, buf, "tp") == 750);
    /* A stop closer than half a point would vanish: refused, not sent as "no stop". */
    c = s_open(BITTEN_ACTION_BUY, "XAUUSD", 0.10, 0.004, 0);
    s_refused(V7, &c, &S_XAUUSD, BITTEN_R_INVALID_STOPS);
    c = s_open(BITTEN_ACTION_BUY, "XAUUSD", 0.10, -1, 0);
    s_refused(V7, &c, &S_XAUUSD, BITTEN_R_INVALID_STOPS);
}

static void test_v7_close_and_close_all_name_a_symbol(void **state)
{
    (void)state;
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "", 0, 0, 0);
    c.kind = BITTEN_DCMD_CLOSE_ALL;
    snprintf(c.id, sizeof c.id, "CLOSEALL_1");
    s_enc(V7, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(s_read(V7, buf, "action"), "close_all");
    assert_true(s_read(V7, buf, "symbol")[0] != '\0'); /* "" is "Invalid signal parameters" */
    c.kind = BITTEN_DCMD_CLOSE_SYMBOL;
    snprintf(c.symbol, sizeof c.symbol, "EURUSD.r");
    s_enc(V7, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(s_read(V7, buf, "action"), "close");
    assert_string_equal(s_read(V7, buf, "symbol"), "EURUSD.r");
    c.symbol[0] = '\0';
    s_refused(V7, &c, NULL, BITTEN_R_BAD_FORMAT);
    c.kind = BITTEN_DCMD_CLOSE_TICKET;
    s_refused(V7, &c, NULL, BITTEN_R_DIALECT_UNSUPPORTED);
    c.kind = BITTEN_DCMD_PING;
    s_enc(V7, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(buf, "{\"type\":\"ping\"}");
}

static void test_unsafe_strings_are_refused(void **state)
{
    (void)state;
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "EUR\"USD", 0.05, 0, 0);
    s_refused(V7, &c, &S_EURUSD, BITTEN_R_UNSAFE_STRING);
    c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 0, 0);
    snprintf(c.id, sizeof c.id, "a\\b");
    s_refused(V7, &c, &S_EURUSD, BITTEN_R_UNSAFE_STRING);
    snprintf(c.id, sizeof c.id, "a b");
    s_refused(V205, &c, &S_EURUSD, BITTEN_R_BAD_FORMAT);
    c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 0, 0);
    snprintf(c.target_uuid, sizeof c.target_uuid, "caf\xc3\xa9");
    s_refused(V202, &c, &S_EURUSD, BITTEN_R_UNSAFE_STRING);
    c.target_uuid[0] = '\0';
    s_refused(V202, &c, &S_EURUSD, BITTEN_R_BAD_FORMAT); /* v2.02 drops frames without it */
    char small[20];
    bitten_reason_t why;
    c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 0, 0);
    assert_int_equal(bitten_dialect_encode(V7, &c, &S_EURUSD, small, sizeof small, NULL, &why), -1);
    assert_int_equal(why, BITTEN_R_FRAME_TOO_LARGE);
    assert_int_equal(bitten_dialect_encode(BITTEN_DIALECT_CONTRACT, &c, &S_EURUSD, small,
                                           sizeof small, NULL, &why),
                     -1);
    assert_int_equal(why, BITTEN_R_DIALECT_UNSUPPORTED);
}

/* ---------------------------------------------------------------- the v7 lot proof */

/*  The values ea-dialects.md 3.4 and issue 13 report: v7's own arithmetic loses a step. */
static void test_v7_arithmetic_matches_the_reported_losses(void **state)
{
    (void)state;
    assert_true(bitten_v7_executed_lot(0.29, 0.01, 100, 0.01) == 0.28);
    assert_true(bitten_v7_executed_lot(0.47, 0.01, 100, 0.01) == 0.46);
    assert_true(bitten_v7_executed_lot(0.57, 0.01, 100, 0.01) == 0.56);
    assert_true(bitten_v7_executed_lot(0.58, 0.01, 100, 0.01) == 0.57);
    assert_true(bitten_v7_executed_lot(0.59, 0.01, 100, 0.01) == 0.58);
    assert_true(bitten_v7_executed_lot(0.94, 0.01, 100, 0.01) == 0.93);
    assert_true(bitten_v7_executed_lot(0.3, 0.1, 100, 0.1) == 0.2);
    assert_true(bitten_v7_executed_lot(0, 0.01, 100, 0.01) == 0.01);     /* <= 0: 0.01 */
    assert_true(bitten_v7_executed_lot(500, 0.01, 100, 0.01) == 100);    /* clamped */
    assert_true(bitten_v7_executed_lot(0.001, 0.01, 100, 0.01) == 0.01); /* clamped up */
    int lost_200 = 0, lost_1000 = 0;
    for (int k = 1; k <= 1000; k++) {
        double lot = k / 100.0;
        bool lost = fabs(bitten_v7_executed_lot(lot, 0.01, 100, 0.01) - lot) > 1e-9;
        lost_200 += lost && k <= 200;
        lost_1000 += lost;
    }
    assert_int_equal(lost_200, 14);
    assert_int_equal(lost_1000, 125);
}

/*  For every lot from min to max: the wire lot, read back as v7 reads it and put through v7's
 *  arithmetic, executes exactly the lot the encoder reports, which is the requested one or,
 *  when v7 can never execute it, the largest lot below it that it can. */
static void s_prove_steps(double step, double min, double max, int *sized_down)
{
    bitten_symbol_facts_t f = {5, 0.00001, min, max, step};
    char buf[BITTEN_EA_CMD_MAX + 1];
    long n = lround((max - min) / step);
    *sized_down = 0;
    for (long k = 0; k <= n; k++) {
        double lot = min + (double)k * step;
        lot = round(lot / step) * step;
        bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "EURUSD", lot, 0, 0);
        bitten_dcmd_effect_t eff;
        s_enc(V7, &c, &f, buf, sizeof buf, &eff);
        double wire = s_num(V7, buf, "lot");
        double executed = bitten_v7_executed_lot(wire, min, max, step);
        assert_true(executed == eff.lot);
        assert_true(executed <= lot + 1e-9);
        if (fabs(executed - lot) > 1e-9) {
            (*sized_down)++;
            /* No 2-decimal wire value within one step above executes lot, nor any lot
             * between executed and lot: executed is the largest exact one below. */
            for (double g = executed + step; g < lot + 1e-9; g += step)
                for (long j = 0; j <= lround(step / 0.01); j++) {
                    double w = round(g * 100) / 100 + (double)j / 100;
                    assert_true(fabs(bitten_v7_executed_lot(w, min, max, step) - g) > 1e-9);
                }
        }
        /* The wire never asks for more than one step above the lot. */
        assert_true(wire <= lot + step + 1e-9);
    }
}

static void test_v7_lot_proof_step_001(void **state)
{
    (void)state;
    int down = 0;
    s_prove_steps(0.01, 0.01, 100.0, &down);
    /* 0.29, 0.47, 0.59, 0.94, 1.19, 1.88 below 2: no wire executes them (1027 to 100). */
    assert_int_equal(down, 1027);
    bitten_symbol_facts_t f = S_EURUSD;
    double executed = 0;
    assert_true(bitten_v7_wire_lot(0.29, &f, &executed) == 0.28 && executed == 0.28);
    /* 1.13 does not execute from 1.13 (1.12) but does from 1.14. */
    assert_true(bitten_v7_wire_lot(1.13, &f, &executed) == 1.14 && executed == 1.13);
    assert_true(bitten_v7_wire_lot(0.05, &f, &executed) == 0.05 && executed == 0.05);
}

static void test_v7_lot_proof_step_01(void **state)
{
    (void)state;
    int down = 0;
    s_prove_steps(0.1, 0.1, 100.0, &down);
    assert_int_equal(down, 0); /* a nudge within the step always exists */
    bitten_symbol_facts_t f = {5, 0.00001, 0.1, 100, 0.1};
    double executed = 0;
    assert_true(bitten_v7_wire_lot(0.3, &f, &executed) == 0.31 && executed == 0.3);
}

static void test_v7_lot_proof_step_1(void **state)
{
    (void)state;
    int down = 0;
    s_prove_steps(1.0, 1.0, 100.0, &down);
    assert_int_equal(down, 0);
}

static void test_v7_lot_outside_the_facts_is_refused(void **state)
{
    (void)state;
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.005, 0, 0);
    s_refused(V7, &c, &S_EURUSD, BITTEN_R_INVALID_LOT); /* below min: v7 would raise it */
    c.lot = 101;
    s_refused(V7, &c, &S_EURUSD, BITTEN_R_INVALID_LOT); /* above max: v7 would cut it */
    c.lot = 0.015;
    s_refused(V7, &c, &S_EURUSD, BITTEN_R_INVALID_LOT); /* off the step */
    c.lot = 0;
    s_refused(V7, &c, &S_EURUSD, BITTEN_R_INVALID_LOT);
    c.lot = 0.05;
    s_refused(V7, &c, NULL, BITTEN_R_INVALID_SYMBOL); /* no facts: nothing is assumed */
    bitten_symbol_facts_t bad = {5, 0.00001, 0.01, 100, 0};
    s_refused(V7, &c, &bad, BITTEN_R_INVALID_SYMBOL);
}

/* ---------------------------------------------------------------- v2.05 */

static void test_v205_fire_absolute_stops_from_the_quote(void **state)
{
    (void)state;
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_dcmd_effect_t eff;
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 0.00200, 0.00300);
    snprintf(c.id, sizeof c.id, "fir_001");
    s_enc(V205, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_string_equal(s_read(V205, buf, "type"), "fire");
    assert_string_equal(s_read(V205, buf, "fire_id"), "fir_001");
    assert_string_equal(s_read(V205, buf, "target_uuid"), "COMMANDER_DEV_001");
    assert_string_equal(s_read(V205, buf, "direction"), "BUY");
    assert_string_equal(s_read(V205, buf, "symbol"), "EURUSD");
    /* buy at the ask 1.17619 */
    assert_string_equal(s_read(V205, buf, "sl"), "1.17419");
    assert_string_equal(s_read(V205, buf, "tp"), "1.17919");
    assert_true(s_num(V205, buf, "lot") == 0.05 && eff.lot == 0.05);
    assert_true(eff.sl_price == 1.17419 && eff.tp_price == 1.17919);
    c.action = BITTEN_ACTION_SELL; /* at the bid 1.17617 */
    s_enc(V205, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_string_equal(s_read(V205, buf, "direction"), "SELL");
    assert_string_equal(s_read(V205, buf, "sl"), "1.17817");
    assert_string_equal(s_read(V205, buf, "tp"), "1.17317");
    /* No stop: 0, which the EA reads as none. */
    c.tp_dist = 0;
    s_enc(V205, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_true(s_num(V205, buf, "tp") == 0);
}

static void test_v205_refuses_stops_on_the_wrong_side_and_no_quote(void **state)
{
    (void)state;
    /* A stop farther than the price itself would be negative. */
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 2.0, 0);
    s_refused(V205, &c, &S_EURUSD, BITTEN_R_INVALID_STOPS);
    /* Below half a point it rounds onto the price, which the EA silently drops. */
    c = s_open(BITTEN_ACTION_SELL, "EURUSD", 0.05, 0.000004, 0);
    s_refused(V205, &c, &S_EURUSD, BITTEN_R_INVALID_STOPS);
    c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.05, 0.002, 0);
    c.bid = 0;
    s_refused(V205, &c, &S_EURUSD, BITTEN_R_NO_QUOTE);
    c.bid = 1.2, c.ask = 1.1;
    s_refused(V205, &c, &S_EURUSD, BITTEN_R_NO_QUOTE);
    /* v2.x sends the lot as is: it must already be on the broker's step. */
    c = s_open(BITTEN_ACTION_BUY, "EURUSD", 0.015, 0.002, 0);
    s_refused(V205, &c, &S_EURUSD, BITTEN_R_INVALID_LOT);
}

static void test_v205_close_and_ping(void **state)
{
    (void)state;
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_dcmd_t c = s_open(BITTEN_ACTION_BUY, "", 0, 0, 0);
    c.kind = BITTEN_DCMD_CLOSE_ALL;
    s_enc(V205, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(buf, "{\"type\":\"close_all\",\"target_uuid\":\"COMMANDER_DEV_001\"}");
    c.kind = BITTEN_DCMD_CLOSE_TICKET;
    c.ticket = 20659629;
    s_enc(V205, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(s_read(V205, buf, "type"), "close_ticket");
    assert_true(s_num(V205, buf, "ticket") == 20659629);
    c.ticket = 0;
    s_refused(V205, &c, NULL, BITTEN_R_OUT_OF_RANGE);
    c.kind = BITTEN_DCMD_PING;
    snprintf(c.id, sizeof c.id, "ping_1");
    s_enc(V205, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(s_read(V205, buf, "type"), "ping");
    assert_string_equal(s_read(V205, buf, "ping_id"), "ping_1");
    c.kind = BITTEN_DCMD_CLOSE_SYMBOL;
    s_refused(V205, &c, NULL, BITTEN_R_DIALECT_UNSUPPORTED);
}

/* ---------------------------------------------------------------- v2.02 */

/*  v2.02's direction rule (v202:671): buy iff entry == 0 or |entry-ask| < |entry-bid|. */
static bool s_v202_buys(double entry, double bid, double ask)
{
    return entry == 0 ? true : fabs(entry - ask) < fabs(entry - bid);
}

static void test_v202_direction_through_entry_survives_any_move(void **state)
{
    (void)state;
    char buf[BITTEN_EA_CMD_MAX + 1];
    bitten_dcmd_effect_t eff;
    bitten_dcmd_t c = s_open(BITTEN_ACTION_SELL, "EURUSD", 0.05, 0.00200, 0.00300);
    s_enc(V202, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_string_equal(s_read(V202, buf, "type"), "fire");
    assert_string_equal(s_read(V202, buf, "target_uuid"), "COMMANDER_DEV_001");
    assert_string_equal(s_read(V202, buf, "direction"), "");
    assert_string_equal(s_read(V202, buf, "fire_id"), "");
    double entry = s_num(V202, buf, "entry");
    assert_true(entry > 0);
    /* Sells at the quote, after a rise, after a fall past the spread, and with no spread. */
    static const double quotes[][2] = {
        {1.17617, 1.17619}, {1.19, 1.19002}, {1.10, 1.10002}, {1.17617, 1.17617}};
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++)
        assert_false(s_v202_buys(entry, quotes[i][0], quotes[i][1]));
    /* The bid itself (ea-dialects.md's example) would buy after a fall past the spread. */
    assert_true(s_v202_buys(c.bid, 1.10, 1.10002));
    assert_string_equal(s_read(V202, buf, "sl"), "1.17817");
    assert_string_equal(s_read(V202, buf, "tp"), "1.17317");
    c.action = BITTEN_ACTION_BUY;
    s_enc(V202, &c, &S_EURUSD, buf, sizeof buf, &eff);
    assert_true(s_num(V202, buf, "entry") == 0 && eff.entry == 0);
    assert_true(s_v202_buys(0, 1.1, 1.2));
    assert_string_equal(s_read(V202, buf, "sl"), "1.17419");
    /* v2.02 has no ping. */
    c.kind = BITTEN_DCMD_PING;
    s_refused(V202, &c, NULL, BITTEN_R_DIALECT_UNSUPPORTED);
    c.kind = BITTEN_DCMD_CLOSE_ALL;
    s_enc(V202, &c, NULL, buf, sizeof buf, NULL);
    assert_string_equal(s_read(V202, buf, "target_uuid"), "COMMANDER_DEV_001");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ea_reader_behaves_like_the_eas),
        cmocka_unit_test(test_v7_signal_reads_back_as_intended),
        cmocka_unit_test(test_v7_stops_use_the_brokers_point),
        cmocka_unit_test(test_v7_close_and_close_all_name_a_symbol),
        cmocka_unit_test(test_unsafe_strings_are_refused),
        cmocka_unit_test(test_v7_arithmetic_matches_the_reported_losses),
        cmocka_unit_test(test_v7_lot_proof_step_001),
        cmocka_unit_test(test_v7_lot_proof_step_01),
        cmocka_unit_test(test_v7_lot_proof_step_1),
        cmocka_unit_test(test_v7_lot_outside_the_facts_is_refused),
        cmocka_unit_test(test_v205_fire_absolute_stops_from_the_quote),
        cmocka_unit_test(test_v205_refuses_stops_on_the_wrong_side_and_no_quote),
        cmocka_unit_test(test_v205_close_and_ping),
        cmocka_unit_test(test_v202_direction_through_entry_survives_any_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
