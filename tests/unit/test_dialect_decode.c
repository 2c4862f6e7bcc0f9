/*  test_dialect_decode.c: every example frame of ea-dialects.md decodes under its dialect into
 *  the right struct; malformed variants are refused with their reason; detection by shape. */

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

#define FB BITTEN_DIR_FEEDBACK
#define V7 BITTEN_DIALECT_V7
#define V205 BITTEN_DIALECT_V205
#define V202 BITTEN_DIALECT_V202
#define OFFSET 10800 /* the recorded broker: UTC+3 */

/*  2025.09.15 19:33:52 server time = 16:33:52 UTC. */
#define T_SERVER_S 1757964832LL
#define T_UTC_MS ((T_SERVER_S - OFFSET) * 1000)

/* ---------------------------------------------------------------- helpers */

static bitten_frame_t *s_frame(void)
{
    return test_malloc(sizeof(bitten_frame_t));
}

static int s_dec(bitten_dialect_t d, const char *json, bitten_frame_t *f, bitten_decode_error_t *e)
{
    bitten_decode_opts_t opts = {.max_frame_bytes = 65536, .server_utc_offset_s = OFFSET};
    return bitten_dialect_decode(d, FB, json, strlen(json), &opts, f, e);
}

static bitten_frame_t *s_ok(bitten_dialect_t d, const char *json, bitten_frame_type_t type)
{
    bitten_frame_t *f = s_frame();
    bitten_decode_error_t e;
    int rc = s_dec(d, json, f, &e);
    if (rc != 0)
        print_error("unexpected %s field '%s': %s\n", bitten_reason_str(e.reason), e.field,
                    e.detail);
    assert_int_equal(rc, 0);
    assert_string_equal(bitten_frame_type_str(f->type), bitten_frame_type_str(type));
    assert_int_equal(f->dialect, d);
    return f;
}

static void s_fails(bitten_dialect_t d, const char *json, bitten_reason_t reason, const char *field)
{
    bitten_frame_t *f = s_frame();
    bitten_decode_error_t e;
    int rc = s_dec(d, json, f, &e);
    if (rc != -1 || e.reason != reason || strcmp(e.field, field) != 0)
        print_error("got rc %d %s field '%s': %s\n", rc, bitten_reason_str(e.reason), e.field,
                    e.detail);
    assert_int_equal(rc, -1);
    assert_string_equal(bitten_reason_str(e.reason), bitten_reason_str(reason));
    assert_string_equal(e.field, field);
    test_free(f);
}

/* ---------------------------------------------------------------- v7 frames (3.2) */

static void test_v7_tick_integer_server_time_becomes_utc(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(V7,
                             "{\"type\":\"tick\",\"symbol\":\"USDJPY\",\"bid\":147.36600,\"ask\":"
                             "147.36900,\"spread\":3.0,\"volume\":0,\"timestamp\":1757964832}",
                             BITTEN_FRAME_TICK);
    assert_string_equal(f->u.tick.symbol, "USDJPY");
    assert_true(f->u.tick.bid == 147.366 && f->u.tick.ask == 147.369);
    assert_int_equal(f->u.tick.timestamp, T_UTC_MS);
    assert_string_equal(f->u.tick.uuid, "");
    assert_string_equal(f->evidence.user_uuid, "");
    assert_false(f->evidence.has_login);
    assert_string_equal(f->wire_type, "tick");
    test_free(f);
}

static void test_v7_tick_with_broker_suffix_decodes(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(V7,
                             "{\"type\":\"tick\",\"symbol\":\"EURUSDm\",\"bid\":1.17617,\"ask\":"
                             "1.17619,\"spread\":2.0,\"volume\":0,\"timestamp\":1757964832}",
                             BITTEN_FRAME_TICK);
    assert_string_equal(f->u.tick.symbol, "EURUSDm");
    test_free(f);
    s_fails(BITTEN_DIALECT_CONTRACT,
            "{\"type\":\"tick\",\"symbol\":\"EURUSDm\",\"bid\":1.1,\"ask\":1.2,\"timestamp\":1}",
            BITTEN_R_BAD_FORMAT, "symbol");
    s_fails(V7,
            "{\"type\":\"tick\",\"symbol\":\"EUR USD\",\"bid\":1.1,\"ask\":1.2,\"timestamp\":"
            "1757964832}",
            BITTEN_R_BAD_FORMAT, "symbol");
}

/*  A v7 candle_batch with n bars per array, times spaced by each timeframe. */
static void s_v7_batch(char *buf, size_t cap, int n)
{
    static const char *const keys[] = {"M1", "M5", "M15"};
    static const int tf[] = {60, 300, 900};
    size_t len = (size_t)snprintf(buf, cap,
                                  "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timestamp\":"
                                  "1757964832");
    for (int k = 0; k < 3; k++) {
        len += (size_t)snprintf(buf + len, cap - len, ",\"%s\":[", keys[k]);
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(buf + len, cap - len,
                                    "%s{\"time\":%lld,\"open\":1.17610,\"high\":1.17618,\"low\":"
                                    "1.17606,\"close\":1.17612,\"volume\":41}",
                                    i ? "," : "", 1757964240LL - (long long)(9 - i) * tf[k]);
        len += (size_t)snprintf(buf + len, cap - len, "]");
    }
    snprintf(buf + len, cap - len, "}");
}

static void test_v7_candle_batch_gives_three_series(void **state)
{
    (void)state;
    char json[4096];
    s_v7_batch(json, sizeof json, 5);
    bitten_frame_t *f = s_ok(V7, json, BITTEN_FRAME_CANDLE_BATCH);
    const bitten_candle_batch_t *b = &f->u.candle_batch;
    assert_int_equal(b->series_count, 3);
    assert_int_equal(b->series[0].timeframe_s, 60);
    assert_int_equal(b->series[1].timeframe_s, 300);
    assert_int_equal(b->series[2].timeframe_s, 900);
    assert_int_equal(b->series[1].first, 5);
    assert_int_equal(b->series[2].count, 5);
    /* series 0 is what timeframe_s/count describe: a reader of only those sees M1 alone. */
    assert_int_equal(b->timeframe_s, 60);
    assert_int_equal(b->count, 5);
    assert_int_equal(b->candles[0].time, (1757964240LL - 9 * 60 - OFFSET) * 1000);
    assert_int_equal(b->candles[10].time, (1757964240LL - 9 * 900 - OFFSET) * 1000);
    test_free(f);
    s_v7_batch(json, sizeof json, 0); /* fewer bars available: [] */
    f = s_ok(V7, json, BITTEN_FRAME_CANDLE_BATCH);
    assert_int_equal(f->u.candle_batch.count, 0);
    assert_int_equal(f->u.candle_batch.series_count, 3);
    test_free(f);
}

static void test_v7_candle_batch_malformed_is_refused(void **state)
{
    (void)state;
    s_fails(V7, "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"M1\":[],\"M5\":[]}",
            BITTEN_R_MISSING_FIELD, "M15");
    s_fails(V7, "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"M1\":{},\"M5\":[],\"M15\":[]}",
            BITTEN_R_WRONG_TYPE, "M1");
    s_fails(V7,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"M1\":[{\"time\":1757964240,"
            "\"open\":1.2,\"high\":1.1,\"low\":1.0,\"close\":1.1}],\"M5\":[],\"M15\":[]}",
            BITTEN_R_OUT_OF_RANGE, "M1[0].high");
    s_fails(V7, "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"M5\":[1],\"M1\":[],\"M15\":[]}",
            BITTEN_R_WRONG_TYPE, "M5[0]");
}

static void test_v7_heartbeat_without_uuid(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(V7,
                             "{\"type\":\"heartbeat\",\"balance\":850.47,\"equity\":850.45,"
                             "\"positions\":1,\"timestamp\":\"2025.09.15 19:33:57\"}",
                             BITTEN_FRAME_HEARTBEAT);
    const bitten_ea_heartbeat_t *h = &f->u.heartbeat;
    assert_true(h->has_balance && h->balance == 850.47 && h->equity == 850.45);
    assert_true(h->has_positions && h->positions == 1);
    assert_int_equal(h->timestamp, T_UTC_MS + 5000);
    assert_string_equal(h->uuid, "");
    test_free(f);
    s_fails(V7, "{\"type\":\"heartbeat\",\"balance\":\"x\"}", BITTEN_R_WRONG_TYPE, "balance");
    s_fails(V7, "{\"type\":\"heartbeat\",\"positions\":-1}", BITTEN_R_OUT_OF_RANGE, "positions");
}

static void test_v7_trade_results_and_error(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(
        V7,
        "{\"type\":\"trade_result\",\"signal_id\":\"VENOM_EURUSD_1757954032\",\"status\":"
        "\"success\",\"ticket\":20658629,\"price\":1.17619,\"message\":\"\",\"balance\":850.47,"
        "\"equity\":850.47,\"margin\":58.81,\"timestamp\":\"2025.09.15 19:33:53\"}",
        BITTEN_FRAME_TRADE_RESULT);
    const bitten_trade_result_t *r = &f->u.trade_result;
    assert_string_equal(r->signal_id, "VENOM_EURUSD_1757954032");
    assert_int_equal(r->status, BITTEN_RESULT_SUCCESS);
    assert_true(r->has_ticket && r->ticket == 20658629);
    assert_true(r->has_price && r->price == 1.17619);
    assert_true(r->has_margin && r->margin == 58.81);
    test_free(f);
    f = s_ok(V7,
             "{\"type\":\"trade_result\",\"signal_id\":\"CLOSE_EURUSD_1\",\"status\":\"success\","
             "\"ticket\":0,\"price\":0.00000,\"message\":\"Closed 1 positions\",\"balance\":850.31,"
             "\"equity\":850.31,\"margin\":0.00,\"timestamp\":\"2025.09.15 19:35:00\"}",
             BITTEN_FRAME_TRADE_RESULT);
    assert_false(f->u.trade_result.has_price);
    assert_string_equal(f->u.trade_result.message, "Closed 1 positions");
    test_free(f);
    f = s_ok(V7,
             "{\"type\":\"error\",\"signal_id\":\"CLOSEALL_1\",\"error\":\"Invalid signal "
             "parameters\",\"timestamp\":\"2025.09.15 19:36:40\"}",
             BITTEN_FRAME_ERROR);
    assert_string_equal(f->u.error.signal_id, "CLOSEALL_1");
    assert_string_equal(f->u.error.error, "Invalid signal parameters");
    test_free(f);
    s_fails(V7, "{\"type\":\"trade_result\",\"status\":\"success\"}", BITTEN_R_MISSING_FIELD,
            "signal_id");
    s_fails(V7, "{\"type\":\"trade_result\",\"signal_id\":\"a\",\"status\":\"won\"}",
            BITTEN_R_BAD_FORMAT, "status");
}

/*  v7 prints 64-bit deal tickets through %d: 3000000123 arrives as -1294967173. */
static void test_v7_negative_ticket_is_unwrapped_and_flagged(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(V7,
                             "{\"type\":\"trade_result\",\"signal_id\":\"S1\",\"status\":"
                             "\"success\",\"ticket\":-1294967173,\"price\":1.1}",
                             BITTEN_FRAME_TRADE_RESULT);
    assert_int_equal(f->u.trade_result.ticket, 3000000123LL);
    assert_true(f->flags & BITTEN_FRAME_F_I32_WRAP);
    test_free(f);
    s_fails(V7,
            "{\"type\":\"trade_result\",\"signal_id\":\"S1\",\"status\":\"success\","
            "\"ticket\":-2147483649}",
            BITTEN_R_OUT_OF_RANGE, "ticket");
    s_fails(V205,
            "{\"type\":\"confirmation\",\"command_type\":\"fire\",\"user_uuid\":\"U1\",\"status\":"
            "\"success\",\"ticket\":-5}",
            BITTEN_R_OUT_OF_RANGE, "ticket");
}

static void test_v7_status_status_report_and_pong(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(V7,
             "{\"type\":\"status\",\"status\":\"startup\",\"message\":\"EA v7.01 initialized with "
             "tick streaming\",\"ea_version\":\"7.01\",\"account\":843859,\"server\":"
             "\"MetaQuotes-Demo\",\"timestamp\":\"2025.09.15 19:33:50\"}",
             BITTEN_FRAME_STATUS);
    assert_int_equal(f->u.status.status, BITTEN_EA_STATUS_STARTUP);
    assert_string_equal(f->u.status.ea_version, "7.01");
    assert_true(f->evidence.has_login && f->evidence.login == 843859);
    test_free(f);
    f = s_ok(V7,
             "{\"type\":\"status_report\",\"connected\":true,\"uptime\":3,\"messages_received\":4,"
             "\"messages_sent\":9,\"trades_executed\":1,\"errors\":0,\"open_positions\":1,"
             "\"account_balance\":850.47,\"account_equity\":850.45,\"account_margin\":58.81,"
             "\"timestamp\":\"2025.09.15 19:33:58\"}",
             BITTEN_FRAME_HEARTBEAT);
    assert_string_equal(f->wire_type, "status_report");
    assert_true(f->u.heartbeat.has_margin && f->u.heartbeat.margin == 58.81);
    assert_true(f->u.heartbeat.positions == 1 && f->u.heartbeat.equity == 850.45);
    test_free(f);
    f = s_ok(V7, "{\"type\":\"pong\",\"timestamp\":\"2025.09.15 19:33:58\"}", BITTEN_FRAME_PONG);
    assert_string_equal(f->u.pong.ping_id, "");
    assert_int_equal(f->u.pong.timestamp, T_UTC_MS + 6000);
    test_free(f);
    s_fails(V7, "{\"type\":\"status\",\"status\":\"dancing\"}", BITTEN_R_BAD_FORMAT, "status");
    s_fails(V7, "{\"type\":\"status_report\",\"open_positions\":1.5}", BITTEN_R_WRONG_TYPE,
            "open_positions");
    /* The contract's pong still needs its ping_id. */
    bitten_frame_t *g = s_frame();
    bitten_decode_error_t e;
    const char *pong = "{\"type\":\"pong\",\"timestamp\":\"2025.09.15 19:33:58\"}";
    assert_int_equal(bitten_decode(FB, pong, strlen(pong), NULL, g, &e), -1);
    assert_int_equal(e.reason, BITTEN_R_MISSING_FIELD);
    test_free(g);
}

static void test_v7_refuses_v2_frames(void **state)
{
    (void)state;
    s_fails(V7, "{\"type\":\"OHLC\",\"symbol\":\"EURUSD\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(V7, "{\"type\":\"telemetry\",\"uuid\":\"a\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(V202, "{\"type\":\"HELLO\",\"target_uuid\":\"a\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(V202, "{\"type\":\"pong\",\"ping_id\":\"p\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(BITTEN_DIALECT_UNKNOWN, "{\"type\":\"tick\"}", BITTEN_R_DIALECT_UNKNOWN, "");
}

/* ---------------------------------------------------------------- v2.05 frames (4.3) */

static const char *const S_V205_HANDSHAKE =
    "{\"type\":\"handshake\",\"deployment_mode\":\"universal_dealer\",\"node_id\":\"NODE_843859_"
    "109092125\",\"user_uuid\":\"COMMANDER_DEV_001\",\"account\":843859,\"broker\":\"MetaQuotes "
    "Ltd.\",\"server\":\"MetaQuotes-Demo\",\"chart_symbol\":\"EURUSD\",\"monitored_symbols\":15,"
    "\"symbol_list\":\"EURUSD,GBPUSD,USDCHF,USDJPY,AUDUSD,NZDUSD,EURJPY,GBPJPY,EURGBP,EURAUD,"
    "GBPCAD,AUDJPY,NZDJPY,USDCNH,XAUUSD\",\"currency\":\"USD\",\"balance\":850.47,\"equity\":"
    "850.47,\"leverage\":100,\"version\":\"2.05\",\"socket_type\":\"DEALER\",\"timestamp\":"
    "\"2025.09.15 19:33:51\"}";

static void test_v205_tick_ohlc_handshake(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(V205,
             "{\"type\":\"TICK\",\"node_id\":\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_"
             "DEV_001\",\"symbol\":\"USDCHF\",\"bid\":0.79453,\"ask\":0.79456,\"spread\":3.0,"
             "\"volume\":0,\"timestamp\":\"2025.09.15 19:33:52\"}",
             BITTEN_FRAME_TICK);
    assert_int_equal(f->u.tick.timestamp, T_UTC_MS);
    assert_string_equal(f->u.tick.uuid, "COMMANDER_DEV_001");
    assert_string_equal(f->evidence.user_uuid, "COMMANDER_DEV_001");
    assert_string_equal(f->evidence.node_id, "NODE_843859_109092125");
    test_free(f);
    f = s_ok(V205,
             "{\"type\":\"OHLC\",\"node_id\":\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_"
             "DEV_001\",\"symbol\":\"USDJPY\",\"timeframe\":\"M1\",\"time\":1757964780,\"open\":"
             "147.366,\"high\":147.371,\"low\":147.362,\"close\":147.369,\"timestamp\":"
             "\"2025.09.15 19:34:00\"}",
             BITTEN_FRAME_CANDLE_BATCH);
    const bitten_candle_batch_t *b = &f->u.candle_batch;
    assert_int_equal(b->count, 1);
    assert_int_equal(b->timeframe_s, 60);
    assert_int_equal(b->candles[0].time, (1757964780LL - OFFSET) * 1000);
    assert_true(b->candles[0].close == 147.369 && b->candles[0].volume == 0);
    assert_string_equal(f->wire_type, "OHLC");
    test_free(f);
    f = s_ok(V205, S_V205_HANDSHAKE, BITTEN_FRAME_HANDSHAKE);
    const bitten_handshake_t *h = &f->u.handshake;
    assert_string_equal(h->uuid, "COMMANDER_DEV_001");
    assert_true(h->has_account && h->account == 843859);
    assert_string_equal(h->broker, "MetaQuotes Ltd.");
    assert_string_equal(h->server, "MetaQuotes-Demo");
    assert_string_equal(h->chart_symbol, "EURUSD");
    assert_true(h->has_monitored_symbols && h->monitored_symbols == 15);
    assert_non_null(strstr(h->symbols, "USDCNH,XAUUSD"));
    assert_string_equal(h->currency, "USD");
    assert_true(h->has_leverage && h->leverage == 100);
    assert_string_equal(h->ea_version, "2.05");
    assert_true(f->evidence.has_login && f->evidence.login == 843859);
    test_free(f);
}

static void test_v2_malformed_frames_are_refused(void **state)
{
    (void)state;
    s_fails(V205, "{\"type\":\"OHLC\",\"symbol\":\"USDJPY\",\"timeframe\":\"M2\"}",
            BITTEN_R_BAD_FORMAT, "timeframe");
    s_fails(V205,
            "{\"type\":\"OHLC\",\"user_uuid\":\"U1\",\"symbol\":\"USDJPY\",\"timeframe\":\"M1\","
            "\"open\":1,\"high\":1,\"low\":1,\"close\":1}",
            BITTEN_R_MISSING_FIELD, "time");
    s_fails(V205,
            "{\"type\":\"OHLC\",\"symbol\":\"USDJPY\",\"timeframe\":\"M1\",\"time\":1757964780,"
            "\"open\":2,\"high\":1,\"low\":1,\"close\":1}",
            BITTEN_R_OUT_OF_RANGE, "high");
    s_fails(V205, "{\"type\":\"handshake\",\"node_id\":\"N1\"}", BITTEN_R_MISSING_FIELD, "uuid");
    s_fails(V205, "{\"type\":\"TICK\",\"user_uuid\":\"U1\",\"node_id\":\"bad id\"}",
            BITTEN_R_MISSING_FIELD, "symbol");
    s_fails(V205,
            "{\"type\":\"TICK\",\"user_uuid\":\"U1\",\"node_id\":\"bad id\",\"symbol\":\"EURUSD\","
            "\"bid\":1.1,\"ask\":1.2,\"timestamp\":\"2025.09.15 19:33:52\"}",
            BITTEN_R_BAD_FORMAT, "node_id");
    s_fails(V205,
            "{\"type\":\"TICK\",\"user_uuid\":\"U1\",\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1.2,"
            "\"timestamp\":\"2025.09.15 25:33:52\"}",
            BITTEN_R_BAD_TIMESTAMP, "timestamp");
    s_fails(V205, "{\"type\":\"DISCONNECT\",\"node_id\":\"N1\"}", BITTEN_R_MISSING_FIELD, "uuid");
    s_fails(V205, "{\"type\":\"confirmation\",\"user_uuid\":\"U1\",\"status\":\"success\"}",
            BITTEN_R_MISSING_FIELD, "command_type");
    s_fails(V205, "{\"type\":\"HELLO\",\"target_uuid\":\"U1\",\"account_login\":\"84a3859\"}",
            BITTEN_R_BAD_FORMAT, "account_login");
    s_fails(V205, "{\"type\":\"heartbeat\",\"user_uuid\":\"U1\",\"leverage\":-1}",
            BITTEN_R_OUT_OF_RANGE, "leverage");
    s_fails(V205,
            "{\"type\":\"TICK\",\"user_uuid\":\"U1\",\"uuid\":\"U2\",\"symbol\":\"EURUSD\","
            "\"bid\":1.1,\"ask\":1.2,\"timestamp\":\"2025.09.15 19:33:52\"}",
            BITTEN_R_CONFLICTING_FIELDS, "user_uuid");
    s_fails(V205, "{\"type\":\"handshake\",\"user_uuid\":\"U1\",\"bal", BITTEN_R_BAD_JSON, "");
}

static void test_v205_heartbeat_disconnect_hello_HEARTBEAT(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(V205,
             "{\"type\":\"heartbeat\",\"node_id\":\"NODE_843859_109092125\",\"user_uuid\":"
             "\"COMMANDER_DEV_001\",\"account\":843859,\"currency\":\"USD\",\"balance\":850.47,"
             "\"equity\":850.47,\"leverage\":100,\"free_margin\":850.47,\"margin_level\":0.00,"
             "\"symbols_monitored\":15,\"ticks_processed\":1,\"socket_type\":\"DEALER\","
             "\"timestamp\":\"2025.09.15 19:33:52\"}",
             BITTEN_FRAME_HEARTBEAT);
    const bitten_ea_heartbeat_t *h = &f->u.heartbeat;
    assert_string_equal(h->uuid, "COMMANDER_DEV_001");
    assert_true(h->has_free_margin && h->free_margin == 850.47);
    assert_true(h->has_margin_level && h->margin_level == 0.0);
    assert_true(h->has_account && h->account == 843859);
    assert_string_equal(h->currency, "USD");
    assert_false(h->has_positions);
    test_free(f);
    f = s_ok(V205,
             "{\"type\":\"DISCONNECT\",\"deployment_mode\":\"universal_dealer\",\"node_id\":\"NODE_"
             "843859_109092125\",\"user_uuid\":\"COMMANDER_DEV_001\",\"symbols_monitored\":15,"
             "\"ticks_processed\":431,\"socket_type\":\"DEALER\",\"timestamp\":\"2025.09.15 "
             "19:41:17\"}",
             BITTEN_FRAME_STATUS);
    assert_int_equal(f->u.status.status, BITTEN_EA_STATUS_SHUTDOWN);
    assert_string_equal(f->u.status.uuid, "COMMANDER_DEV_001");
    test_free(f);
    f = s_ok(V205,
             "{\"type\":\"HELLO\",\"target_uuid\":\"COMMANDER_DEV_001\",\"node_id\":\"NODE_843859_"
             "109092125\",\"account_login\":\"843859\",\"broker\":\"MetaQuotes-Demo\",\"company\":"
             "\"MetaQuotes Ltd.\",\"terminal\":\"MetaTrader 5\",\"currency\":\"USD\",\"balance\":"
             "850.47,\"equity\":850.47,\"leverage\":100,\"margin\":0.00,\"free_margin\":850.47,"
             "\"margin_level\":0.00,\"symbols\":15,\"version\":\"2.05\",\"timestamp\":\"2025.09.15 "
             "19:33:51\"}",
             BITTEN_FRAME_HANDSHAKE);
    const bitten_handshake_t *hs = &f->u.handshake;
    assert_string_equal(hs->uuid, "COMMANDER_DEV_001");
    assert_string_equal(hs->server, "MetaQuotes-Demo");
    assert_string_equal(hs->broker, "MetaQuotes Ltd.");
    assert_true(hs->has_account && hs->account == 843859);
    assert_true(hs->has_monitored_symbols && hs->monitored_symbols == 15);
    assert_string_equal(hs->symbols, "");
    assert_string_equal(f->evidence.target_uuid, "COMMANDER_DEV_001");
    assert_string_equal(f->evidence.user_uuid, "");
    assert_true(f->evidence.has_login && f->evidence.login == 843859);
    test_free(f);
    f = s_ok(V205,
             "{\"type\":\"HEARTBEAT\",\"target_uuid\":\"COMMANDER_DEV_001\",\"node_id\":\"NODE_"
             "843859_109092125\",\"currency\":\"USD\",\"balance\":850.47,\"equity\":850.47,"
             "\"leverage\":100,\"margin\":0.00,\"free_margin\":850.47,\"margin_level\":0.00,"
             "\"ticks_processed\":1,\"timestamp\":\"2025.09.15 19:33:52\"}",
             BITTEN_FRAME_HEARTBEAT);
    assert_string_equal(f->u.heartbeat.uuid, "COMMANDER_DEV_001");
    assert_true(f->u.heartbeat.has_margin);
    assert_string_equal(f->wire_type, "HEARTBEAT");
    test_free(f);
}

static void test_v205_confirmations_and_pong(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(V205,
             "{\"type\":\"confirmation\",\"command_type\":\"fire\",\"fire_id\":\"fir_001\","
             "\"node_id\":\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_DEV_001\",\"status\":"
             "\"success\",\"ticket\":20659629,\"price\":1.17619,\"lot\":0.05,\"message\":\"Trade "
             "executed successfully via DEALER\",\"account\":843859,\"currency\":\"USD\","
             "\"balance\":850.47,\"equity\":850.37,\"free_margin\":791.56,\"margin_level\":1445.97,"
             "\"timestamp\":\"2025.09.15 19:34:05\"}",
             BITTEN_FRAME_TRADE_RESULT);
    const bitten_trade_result_t *r = &f->u.trade_result;
    assert_string_equal(r->signal_id, "fir_001");
    assert_string_equal(r->command_type, "fire");
    assert_false(r->is_close);
    assert_true(r->has_lot && r->lot == 0.05);
    assert_true(r->has_margin_level && r->margin_level == 1445.97);
    assert_string_equal(r->uuid, "COMMANDER_DEV_001");
    test_free(f);
    f = s_ok(
        V205,
        "{\"type\":\"close_confirmation\",\"command_type\":\"close_ticket\",\"node_id\":"
        "\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_DEV_001\",\"status\":\"success\","
        "\"ticket\":20659629,\"close_price\":0.00000,\"lot\":0.05,\"message\":\"Position closed "
        "successfully\",\"account\":843859,\"currency\":\"USD\",\"balance\":850.21,\"equity\":"
        "850.21,\"free_margin\":850.21,\"margin_level\":0.00,\"timestamp\":\"2025.09.15 "
        "19:36:00\"}",
        BITTEN_FRAME_TRADE_RESULT);
    assert_true(f->u.trade_result.is_close);
    assert_false(f->u.trade_result.has_close_price);
    assert_string_equal(f->u.trade_result.signal_id, "");
    test_free(f);
    f = s_ok(V205,
             "{\"type\":\"confirmation\",\"command_type\":\"unknown\",\"fire_id\":\"\",\"node_id\":"
             "\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_DEV_001\",\"status\":\"failed\","
             "\"ticket\":0,\"price\":0.00000,\"lot\":0.00,\"message\":\"Unknown command type: "
             "heartbeat\",\"account\":843859,\"currency\":\"USD\",\"balance\":850.47,\"equity\":"
             "850.47,\"free_margin\":850.47,\"margin_level\":0.00,\"timestamp\":\"2025.09.15 "
             "19:34:07\"}",
             BITTEN_FRAME_TRADE_RESULT);
    assert_int_equal(f->u.trade_result.status, BITTEN_RESULT_FAILED);
    assert_false(f->u.trade_result.has_ticket);
    assert_string_equal(f->u.trade_result.command_type, "unknown");
    test_free(f);
    f = s_ok(V205,
             "{\"type\":\"pong\",\"ping_id\":\"ping_1\",\"node_id\":\"NODE_843859_109092125\","
             "\"user_uuid\":\"COMMANDER_DEV_001\",\"timestamp\":\"2025.09.15 19:34:06\"}",
             BITTEN_FRAME_PONG);
    assert_string_equal(f->u.pong.ping_id, "ping_1");
    assert_string_equal(f->u.pong.uuid, "COMMANDER_DEV_001");
    test_free(f);
    s_fails(V205, "{\"type\":\"pong\",\"user_uuid\":\"U1\"}", BITTEN_R_MISSING_FIELD, "ping_id");
}

/* ---------------------------------------------------------------- v2.02 frames (5) */

static void test_v202_frames(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(
        V202,
        "{\"type\":\"handshake\",\"deployment_mode\":\"universal\",\"node_id\":\"NODE_843859_1\","
        "\"user_uuid\":\"COMMANDER_DEV_001\",\"account\":843859,\"broker\":\"MetaQuotes Ltd.\","
        "\"server\":\"MetaQuotes-Demo\",\"chart_symbol\":\"EURUSD\",\"monitored_symbols\":2,"
        "\"symbol_list\":\"EURUSD,USDJPY\",\"balance\":850.47,\"equity\":850.47,\"version\":"
        "\"2.02\",\"timestamp\":\"2025.09.15 19:33:51\"}",
        BITTEN_FRAME_HANDSHAKE);
    assert_string_equal(f->u.handshake.ea_version, "2.02");
    assert_string_equal(f->u.handshake.symbols, "EURUSD,USDJPY");
    test_free(f);
    f = s_ok(V202,
             "{\"type\":\"heartbeat\",\"node_id\":\"NODE_843859_1\",\"user_uuid\":\"COMMANDER_DEV_"
             "001\",\"account\":843859,\"balance\":850.47,\"equity\":850.47,\"free_margin\":850.47,"
             "\"margin_level\":0.00,\"symbols_monitored\":2,\"ticks_processed\":9,\"timestamp\":"
             "\"2025.09.15 19:33:52\"}",
             BITTEN_FRAME_HEARTBEAT);
    assert_true(f->u.heartbeat.has_free_margin);
    test_free(f);
    f = s_ok(V202,
             "{\"type\":\"confirmation\",\"command_type\":\"fire\",\"node_id\":\"NODE_843859_1\","
             "\"user_uuid\":\"COMMANDER_DEV_001\",\"status\":\"success\",\"ticket\":20659629,"
             "\"price\":1.17619,\"lot\":0.05,\"message\":\"Trade executed successfully\","
             "\"account\":843859,\"balance\":850.47,\"equity\":850.37,\"free_margin\":791.56,"
             "\"margin_level\":1445.97,\"timestamp\":\"2025.09.15 19:34:05\"}",
             BITTEN_FRAME_TRADE_RESULT);
    assert_string_equal(f->u.trade_result.signal_id, ""); /* v2.02 echoes no id at all */
    test_free(f);
    f = s_ok(
        V202,
        "{\"type\":\"DISCONNECT\",\"deployment_mode\":\"universal\",\"node_id\":\"NODE_843859_"
        "1\",\"user_uuid\":\"COMMANDER_DEV_001\",\"symbols_monitored\":2,\"ticks_processed\":9,"
        "\"timestamp\":\"2025.09.15 19:41:17\"}",
        BITTEN_FRAME_STATUS);
    test_free(f);
}

/* ---------------------------------------------------------------- cp1252 */

static void test_cp1252_broker_name_is_transcoded_not_lost(void **state)
{
    (void)state;
    const char *json = "{\"type\":\"handshake\",\"user_uuid\":\"U_1234567890\",\"broker\":"
                       "\"Soci\xe9t\xe9 G\xe9n\xe9rale \x80\",\"version\":\"2.05\"}";
    assert_false(bitten_utf8_valid(json, strlen(json)));
    bitten_frame_t *f = s_ok(V205, json, BITTEN_FRAME_HANDSHAKE);
    assert_string_equal(f->u.handshake.broker,
                        "Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale \xe2\x82\xac");
    assert_true(f->flags & BITTEN_FRAME_F_CP1252);
    test_free(f);
    /* Valid UTF-8 is taken as it is. */
    f = s_ok(V205,
             "{\"type\":\"handshake\",\"user_uuid\":\"U1\",\"broker\":\"Soci\xc3\xa9t\xc3\xa9\"}",
             BITTEN_FRAME_HANDSHAKE);
    assert_false(f->flags & BITTEN_FRAME_F_CP1252);
    assert_string_equal(f->u.handshake.broker, "Soci\xc3\xa9t\xc3\xa9");
    test_free(f);
    /* The contract stays strict: the same bytes are BAD_JSON there. */
    bitten_frame_t *g = s_frame();
    bitten_decode_error_t e;
    assert_int_equal(bitten_decode(FB, json, strlen(json), NULL, g, &e), -1);
    assert_int_equal(e.reason, BITTEN_R_BAD_JSON);
    test_free(g);
}

static void test_utf8_validator_and_cp1252_table(void **state)
{
    (void)state;
    assert_true(bitten_utf8_valid("abc", 3));
    assert_false(bitten_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(bitten_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(bitten_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(bitten_utf8_valid("\xe2\x82", 2));         /* cut */
    assert_true(bitten_utf8_valid("\xf0\x9f\x98\x80", 4));
    char out[16];
    assert_int_equal(bitten_cp1252_to_utf8("\x81\x9f", 2, out, sizeof out), 4);
    assert_string_equal(out, "\xc2\x81\xc5\xb8");
    /* out too small: stops at a character boundary, still terminated */
    assert_int_equal(bitten_cp1252_to_utf8("a\x80", 2, out, 3), 1);
    assert_string_equal(out, "a");
}

/* ---------------------------------------------------------------- detection */

static void s_detects(const char *json, bitten_dialect_t want, unsigned mask)
{
    bitten_dialect_detect_t d = bitten_dialect_detect(json, strlen(json));
    if (d.dialect != want || d.mask != mask)
        print_error("%s: got %s mask %#x (%s)\n", json, bitten_dialect_str(d.dialect), d.mask,
                    d.why);
    assert_int_equal(d.dialect, want);
    assert_int_equal(d.mask, mask);
}

#define BIT(d) BITTEN_DIALECT_BIT(d)

static void test_detects_dialect_from_shape(void **state)
{
    (void)state;
    unsigned v2 = BIT(V205) | BIT(V202);
    s_detects(S_V205_HANDSHAKE, V205, BIT(V205));
    s_detects("{\"type\":\"handshake\",\"user_uuid\":\"U\",\"version\":\"2.02\"}", V202, BIT(V202));
    s_detects("{\"type\":\"status\",\"status\":\"startup\",\"ea_version\":\"7.01\"}", V7, BIT(V7));
    s_detects("{\"type\":\"heartbeat\",\"balance\":1,\"equity\":1,\"positions\":0,\"timestamp\":"
              "\"2025.09.15 19:33:57\"}",
              V7, BIT(V7));
    s_detects(
        "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1,\"ask\":1,\"timestamp\":1757964832}",
        V7, BIT(V7));
    s_detects("{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"M1\":[],\"M5\":[],\"M15\":[]}",
              V7, BIT(V7));
    s_detects("{\"type\":\"pong\",\"timestamp\":\"2025.09.15 19:33:58\"}", V7, BIT(V7));
    s_detects("{\"type\":\"TICK\",\"node_id\":\"N\",\"user_uuid\":\"U\",\"symbol\":\"EURUSD\"}",
              BITTEN_DIALECT_UNKNOWN, v2);
    s_detects("{\"type\":\"HELLO\",\"target_uuid\":\"U\"}", V205, BIT(V205));
    s_detects("{\"type\":\"heartbeat\",\"node_id\":\"N\",\"user_uuid\":\"U\",\"socket_type\":"
              "\"DEALER\"}",
              V205, BIT(V205));
    s_detects("{\"type\":\"heartbeat\",\"node_id\":\"N\",\"user_uuid\":\"U\",\"account\":1}", V202,
              BIT(V202));
    s_detects("{\"type\":\"confirmation\",\"fire_id\":\"f\",\"user_uuid\":\"U\"}", V205, BIT(V205));
    s_detects("{\"type\":\"confirmation\",\"user_uuid\":\"U\"}", V202, BIT(V202));
    s_detects("{\"type\":\"telemetry\",\"uuid\":\"U\"}", BITTEN_DIALECT_CONTRACT,
              BIT(BITTEN_DIALECT_CONTRACT));
    s_detects("{\"type\":\"tick\",\"uuid\":\"U\",\"timestamp\":\"2025-08-01T12:34:56Z\"}",
              BITTEN_DIALECT_CONTRACT, BIT(BITTEN_DIALECT_CONTRACT));
    s_detects("{\"type\":\"error\",\"error\":\"x\"}", BITTEN_DIALECT_UNKNOWN, BITTEN_DIALECT_ALL);
    s_detects("not json", BITTEN_DIALECT_UNKNOWN, 0);
    /* cp1252 does not hide the shape */
    s_detects("{\"type\":\"handshake\",\"broker\":\"Soci\xe9t\xe9\",\"version\":\"2.02\"}", V202,
              BIT(V202));
}

static void test_pinned_dialect_wins(void **state)
{
    (void)state;
    const char *hb = "{\"type\":\"heartbeat\",\"balance\":1,\"positions\":0}";
    bitten_dialect_detect_t d = bitten_dialect_detect(hb, strlen(hb));
    assert_int_equal(bitten_dialect_choose(BITTEN_DIALECT_CONTRACT, V7, &d),
                     BITTEN_DIALECT_CONTRACT);
    assert_int_equal(bitten_dialect_choose(BITTEN_DIALECT_UNKNOWN, BITTEN_DIALECT_UNKNOWN, &d), V7);
    /* A v2-family frame keeps an account already known as v2.02 ... */
    const char *tick = "{\"type\":\"TICK\",\"node_id\":\"N\",\"user_uuid\":\"U\"}";
    bitten_dialect_detect_t t = bitten_dialect_detect(tick, strlen(tick));
    assert_int_equal(bitten_dialect_choose(BITTEN_DIALECT_UNKNOWN, V202, &t), V202);
    /* ... but cannot decide alone, and a v7 frame does not keep a v2.02 account. */
    assert_int_equal(bitten_dialect_choose(BITTEN_DIALECT_UNKNOWN, BITTEN_DIALECT_UNKNOWN, &t),
                     BITTEN_DIALECT_UNKNOWN);
    assert_int_equal(bitten_dialect_choose(BITTEN_DIALECT_UNKNOWN, V202, &d), V7);
    assert_string_equal(bitten_dialect_str(V205), "v2.05");
    assert_int_equal(bitten_dialect_from_str("v2.02"), V202);
    assert_int_equal(bitten_dialect_from_str("unknown"), -1);
    assert_int_equal(bitten_dialect_from_str("v8"), -1);
}

/* ---------------------------------------------------------------- ea-dialects.md itself */

/*  Decodes every complete frame in the code blocks of the section that starts with heading
 *  (a leading port label such as "5556 " is dropped, shortened frames with "..." skipped)
 *  under dialect; returns how many. */
static int s_decode_doc_section(const char *heading, bitten_dialect_t dialect)
{
    FILE *fp = fopen(BITTEN_DATA_DIR "/../docs/ea-dialects.md", "r");
    assert_non_null(fp);
    char line[4096];
    bool in_section = false, in_block = false;
    int n = 0;
    bitten_frame_t *f = s_frame();
    while (fgets(line, sizeof line, fp) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "### ", 4) == 0 || strncmp(line, "## ", 3) == 0)
            in_section = strncmp(line, heading, strlen(heading)) == 0;
        if (strncmp(line, "```", 3) == 0) {
            in_block = !in_block;
            continue;
        }
        const char *frame = line;
        if (strlen(frame) > 5 && frame[0] == '5' && frame[4] == ' ')
            frame += 5;
        if (!in_section || !in_block || frame[0] != '{' || strstr(frame, "\xe2\x80\xa6") != NULL)
            continue;
        bitten_decode_error_t e;
        if (s_dec(dialect, frame, f, &e) != 0)
            print_error("%s: %s %s %s\n", frame, bitten_reason_str(e.reason), e.field, e.detail);
        assert_int_equal(s_dec(dialect, frame, f, &e), 0);
        n++;
    }
    fclose(fp);
    test_free(f);
    return n;
}

static void test_every_frame_of_ea_dialects_md_decodes(void **state)
{
    (void)state;
    assert_int_equal(s_decode_doc_section("### 3.2", V7), 8);
    assert_int_equal(s_decode_doc_section("### 4.3", V205), 11);
}

/* ---------------------------------------------------------------- the contract */

static void test_contract_frames_carry_dialect_and_evidence(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(BITTEN_DIALECT_CONTRACT,
                             "{\"type\":\"status\",\"status\":\"startup\",\"account\":843859,"
                             "\"user_uuid\":\"COMMANDER_DEV_001\"}",
                             BITTEN_FRAME_STATUS);
    assert_string_equal(f->evidence.user_uuid, "COMMANDER_DEV_001");
    assert_true(f->evidence.has_login && f->evidence.login == 843859);
    assert_string_equal(f->wire_type, "status");
    test_free(f);
    /* Through bitten_decode too: the contract decoder is the same. */
    f = s_frame();
    bitten_decode_error_t e;
    const char *hb = "{\"type\":\"heartbeat\",\"uuid\":\"A1\",\"balance\":1}";
    assert_int_equal(bitten_decode(FB, hb, strlen(hb), NULL, f, &e), 0);
    assert_int_equal(f->dialect, BITTEN_DIALECT_CONTRACT);
    assert_string_equal(f->evidence.user_uuid, "A1");
    assert_false(f->evidence.has_login);
    test_free(f);
}

/* ---------------------------------------------------------------- recorded ticks */

static void test_recorded_v2_ticks_all_decode(void **state)
{
    (void)state;
    FILE *fp = fopen(BITTEN_DATA_DIR "/ea_ticks_2025-09-15.jsonl", "r");
    assert_non_null(fp);
    char line[2048];
    int n = 0;
    bitten_ms_t last = 0;
    bitten_frame_t *f = s_frame();
    while (fgets(line, sizeof line, fp) != NULL) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0)
            continue;
        bitten_decode_error_t e;
        bitten_decode_opts_t opts = {.max_frame_bytes = 65536, .server_utc_offset_s = OFFSET};
        int rc = bitten_dialect_decode(V205, FB, line, len, &opts, f, &e);
        if (rc != 0)
            print_error("line %d: %s %s %s\n", n + 1, bitten_reason_str(e.reason), e.field,
                        e.detail);
        assert_int_equal(rc, 0);
        assert_int_equal(f->type, BITTEN_FRAME_TICK);
        assert_string_equal(f->evidence.user_uuid, "COMMANDER_DEV_001");
        assert_true(f->evidence.node_id[0] != '\0');
        assert_true(f->u.tick.timestamp >= last); /* never decreases (ea-dialects.md 6) */
        last = f->u.tick.timestamp;
        bitten_dialect_detect_t d = bitten_dialect_detect(line, len);
        assert_int_equal(d.mask, BITTEN_DIALECT_BIT(V205) | BITTEN_DIALECT_BIT(V202));
        n++;
    }
    fclose(fp);
    test_free(f);
    assert_int_equal(n, 1500);
    /* The first one is 2025.09.15 19:33:52 server time; the last stays within 16:33-16:42 UTC. */
    assert_true(last >= T_UTC_MS && last < T_UTC_MS + 10 * 60 * 1000);
}

/* ---------------------------------------------------------------- one parse for detect + decode */

typedef struct {
    int fixed;          /* the dialect to pick, or -1: the detected one (contract if none) */
    int calls;
    bitten_dialect_detect_t seen;
} s_pick_arg_t;

static bitten_dialect_t s_test_pick(void *arg, const bitten_dialect_detect_t *seen,
                                    bitten_decode_opts_t *opts)
{
    s_pick_arg_t *p = arg;
    p->calls++;
    p->seen = *seen;
    opts->server_utc_offset_s = OFFSET; /* what the pick sets must reach the decoder */
    if (p->fixed >= 0)
        return (bitten_dialect_t)p->fixed;
    return seen->dialect != BITTEN_DIALECT_UNKNOWN ? seen->dialect : BITTEN_DIALECT_CONTRACT;
}

/*  bitten_dialect_detect_decode == bitten_dialect_detect + the pick + bitten_dialect_decode,
 *  field for field: the detection, the return code, the error and every byte of the frame. */
static void s_same_as_two_steps(const char *data, size_t len, size_t max, int fixed)
{
    bitten_decode_opts_t opts = {.max_frame_bytes = max, .server_utc_offset_s = 0};
    s_pick_arg_t one = {fixed, 0, {0, 0, NULL}}, two = {fixed, 0, {0, 0, NULL}};
    bitten_frame_t *f1 = s_frame(), *f2 = s_frame();
    memset(f1, 0xA5, sizeof *f1);
    memset(f2, 0xA5, sizeof *f2);
    bitten_decode_error_t e1, e2;
    memset(&e1, 0x5A, sizeof e1);
    memset(&e2, 0x5A, sizeof e2);
    bitten_dialect_detect_t seen1;
    int rc1 = bitten_dialect_detect_decode(FB, data, len, &opts, s_test_pick, &one, &seen1, f1,
                                           &e1);
    bitten_dialect_detect_t seen2 = bitten_dialect_detect(data, len);
    bitten_decode_opts_t o2 = opts;
    bitten_dialect_t d2 = s_test_pick(&two, &seen2, &o2);
    int rc2 = bitten_dialect_decode(d2, FB, data, len, &o2, f2, &e2);
    if (rc1 != rc2 || seen1.mask != seen2.mask)
        print_error("%.*s: rc %d/%d mask %u/%u\n", (int)len, data, rc1, rc2, seen1.mask,
                    seen2.mask);
    assert_int_equal(one.calls, 1);
    assert_int_equal(rc1, rc2);
    assert_int_equal(seen1.mask, seen2.mask);
    assert_int_equal(seen1.dialect, seen2.dialect);
    assert_string_equal(seen1.why, seen2.why);
    assert_int_equal(one.seen.mask, seen2.mask);
    assert_int_equal(e1.reason, e2.reason);
    if (rc1 != 0) {
        assert_string_equal(e1.field, e2.field);
        assert_string_equal(e1.detail, e2.detail);
    }
    assert_memory_equal(f1, f2, sizeof *f1);
    test_free(f1);
    test_free(f2);
}

static void s_same_for_every_pick(const char *data, size_t len)
{
    for (int fixed = -1; fixed < BITTEN_DIALECT_COUNT_; fixed++) {
        s_same_as_two_steps(data, len, 65536, fixed);
        s_same_as_two_steps(data, len, 0, fixed);
        s_same_as_two_steps(data, len, len > 1 ? len - 1 : 1, fixed); /* too large */
    }
}

static void test_one_parse_detect_decode_equals_the_two_steps(void **state)
{
    (void)state;
    static const char *const frames[] = {
        ("{\"type\":\"telemetry\",\"uuid\":\"A1\",\"timestamp\":\"2025-09-15T16:33:52Z\","
         "\"account\":{\"balance\":10000.5,\"equity\":10001.25,\"margin\":12,"
         "\"free_margin\":9989,\"positions\":2}}"),
        "{\"type\":\"heartbeat\",\"uuid\":\"A1\",\"balance\":1}",
        ("{\"type\":\"tick\",\"symbol\":\"EURUSDm\",\"bid\":1.1,\"ask\":1.2,"
         "\"timestamp\":1757964832}"),
        "{\"type\":\"status_report\",\"ea_version\":\"7.01\",\"balance\":5}",
        "{\"type\":\"HELLO\",\"target_uuid\":\"COMMANDER_DEV_0011\",\"version\":\"2.05\"}",
        "{\"type\":\"confirmation\",\"user_uuid\":\"U\",\"node_id\":\"n\",\"fire_id\":\"F1\"}",
        "{\"type\":\"TICK\",\"user_uuid\":\"U\",\"node_id\":\"n\",\"symbol\":\"EURUSD\"}",
        "{\"type\":\"signal\",\"uuid\":\"A1\"}",
        "{\"type\":\"nonsense\"}",
        "{\"type\":7}",
        "{\"uuid\":\"A1\"}",
        "{\"type\":\"telemetry\",\"uuid\":\"A1\",\"balance\":1e999}",
        "{\"type\":\"telemetry\",\"uuid\":\"A1\",\"balance\":NaN}",
        "{\"type\":\"telemetry\",\"uuid\":\"A1\",\"positions\":123456789012345678901234}",
        "{\"type\":\"telemetry\",\"uuid\":\"A1\",",
        "{\"type\":\"tick\",\"type\":\"heartbeat\",\"uuid\":\"A1\"}",
        "42",
        "\"telemetry\"",
        "null",
        "[{\"type\":\"telemetry\"}]",
        "[]",
        "   ",
        "not json",
        "{\"type\":\"tick\",\"symbol\":\"EUR\x80USD\",\"bid\":1.1,\"ask\":1.2}", /* cp1252 */
        "{\"type\":\"telemetry\",\"uuid\":\"A\xc3\xa9\"}",                        /* UTF-8 */
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        s_same_for_every_pick(frames[i], strlen(frames[i]));
    s_same_for_every_pick("", 0);
    s_same_for_every_pick(NULL, 0);
    /* Every recorded v2.05 tick, too. */
    FILE *fp = fopen(BITTEN_DATA_DIR "/ea_ticks_2025-09-15.jsonl", "r");
    assert_non_null(fp);
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, fp) != NULL && n < 200) {
        size_t len = strcspn(line, "\r\n");
        if (len > 0 && ++n)
            s_same_for_every_pick(line, len);
    }
    fclose(fp);
    assert_int_equal(n, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v7_tick_integer_server_time_becomes_utc),
        cmocka_unit_test(test_v7_tick_with_broker_suffix_decodes),
        cmocka_unit_test(test_v7_candle_batch_gives_three_series),
        cmocka_unit_test(test_v7_candle_batch_malformed_is_refused),
        cmocka_unit_test(test_v7_heartbeat_without_uuid),
        cmocka_unit_test(test_v7_trade_results_and_error),
        cmocka_unit_test(test_v7_negative_ticket_is_unwrapped_and_flagged),
        cmocka_unit_test(test_v7_status_status_report_and_pong),
        cmocka_unit_test(test_v7_refuses_v2_frames),
        cmocka_unit_test(test_v205_tick_ohlc_handshake),
        cmocka_unit_test(test_v2_malformed_frames_are_refused),
        cmocka_unit_test(test_v205_heartbeat_disconnect_hello_HEARTBEAT),
        cmocka_unit_test(test_v205_confirmations_and_pong),
        cmocka_unit_test(test_v202_frames),
        cmocka_unit_test(test_cp1252_broker_name_is_transcoded_not_lost),
        cmocka_unit_test(test_utf8_validator_and_cp1252_table),
        cmocka_unit_test(test_detects_dialect_from_shape),
        cmocka_unit_test(test_pinned_dialect_wins),
        cmocka_unit_test(test_every_frame_of_ea_dialects_md_decodes),
        cmocka_unit_test(test_contract_frames_carry_dialect_and_evidence),
        cmocka_unit_test(test_recorded_v2_ticks_all_decode),
        cmocka_unit_test(test_one_parse_detect_decode_equals_the_two_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
