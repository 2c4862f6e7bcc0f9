/*  test_proto.c: unit tests of src/proto (decode, encode, timestamps, reason names).
 *  Frames come from protocol.md's examples and from the recorded EA ticks in BITTEN_DATA_DIR. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "bitten/proto.h"
#include "bitten/reason.h"

#define FB BITTEN_DIR_FEEDBACK
#define CMD BITTEN_DIR_COMMAND

/*  2025-08-01T12:34:56.789Z, the time in protocol.md's examples. */
#define T_EXAMPLE 1754051696789LL
/*  "2025.09.15 19:33:52", the first recorded tick. */
#define T_MT5_FIRST 1757964832000LL

#define MAX_FRAME 65536

/* ---------------------------------------------------------------- helpers */

static int s_decode_opts(bitten_dir_t dir, const char *json, int offset_s, bitten_frame_t *f,
                         bitten_decode_error_t *e)
{
    bitten_decode_opts_t opts = {.max_frame_bytes = MAX_FRAME, .server_utc_offset_s = offset_s};
    return bitten_decode(dir, json, strlen(json), &opts, f, e);
}

/*  Decodes json, which must succeed with the given type. Caller test_free()s the frame. */
static bitten_frame_t *s_ok(bitten_dir_t dir, const char *json, bitten_frame_type_t type)
{
    bitten_frame_t *f = test_malloc(sizeof *f);
    bitten_decode_error_t e;
    int rc = s_decode_opts(dir, json, 0, f, &e);
    if (rc != 0)
        print_error("unexpected %s field '%s': %s\n", bitten_reason_str(e.reason), e.field,
                    e.detail);
    assert_int_equal(rc, 0);
    assert_int_equal(e.reason, BITTEN_R_OK);
    assert_string_equal(bitten_frame_type_str(f->type), bitten_frame_type_str(type));
    return f;
}

/*  Decodes json, which must fail with exactly reason and field. */
static void s_fails(bitten_dir_t dir, const char *json, bitten_reason_t reason, const char *field)
{
    bitten_frame_t *f = test_malloc(sizeof *f);
    bitten_decode_error_t e;
    int rc = s_decode_opts(dir, json, 0, f, &e);
    if (rc != -1 || e.reason != reason || strcmp(e.field, field) != 0)
        print_error("got rc %d %s field '%s': %s\n", rc, bitten_reason_str(e.reason), e.field,
                    e.detail);
    assert_int_equal(rc, -1);
    assert_string_equal(bitten_reason_str(e.reason), bitten_reason_str(reason));
    assert_string_equal(e.field, field);
    test_free(f);
}

static bitten_ms_t s_tick_time(const char *timestamp_json, int offset_s)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1.2,\"timestamp\":%s}",
             timestamp_json);
    bitten_frame_t *f = test_malloc(sizeof *f);
    bitten_decode_error_t e;
    bitten_ms_t ms = s_decode_opts(FB, json, offset_s, f, &e) == 0 ? f->u.tick.timestamp : -1;
    test_free(f);
    return ms;
}

/* ---------------------------------------------------------------- protocol.md examples */

static void test_decodes_signal_example(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(CMD,
                             "{\"type\":\"signal\",\"signal_id\":\"VENOM_EURUSD_1754051696\","
                             "\"symbol\":\"EURUSD\",\"action\":\"buy\",\"lot\":0.01,\"sl\":50,"
                             "\"tp\":100,\"timestamp\":\"2025-08-01T12:34:56.789Z\","
                             "\"uuid\":\"mt5_user_7176191872\","
                             "\"expires_at\":\"2025-08-01T12:35:26.789Z\"}",
                             BITTEN_FRAME_SIGNAL);
    const bitten_signal_cmd_t *s = &f->u.signal;
    assert_string_equal(s->signal_id, "VENOM_EURUSD_1754051696");
    assert_string_equal(s->symbol, "EURUSD");
    assert_int_equal(s->action, BITTEN_ACTION_BUY);
    assert_true(s->lot == 0.01);
    assert_int_equal(s->sl, 50);
    assert_int_equal(s->tp, 100);
    assert_int_equal(s->timestamp, T_EXAMPLE);
    assert_string_equal(s->uuid, "mt5_user_7176191872");
    assert_int_equal(s->expires_at, T_EXAMPLE + 30000);
    assert_string_equal(bitten_frame_uuid(f), "mt5_user_7176191872");
    test_free(f);
}

static void test_decodes_close_all_signal_without_symbol_and_zero_lot(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(CMD,
                             "{\"type\":\"signal\",\"signal_id\":\"S1\",\"action\":\"close_all\","
                             "\"lot\":0}",
                             BITTEN_FRAME_SIGNAL);
    assert_int_equal(f->u.signal.action, BITTEN_ACTION_CLOSE_ALL);
    assert_string_equal(f->u.signal.symbol, "");
    assert_true(f->u.signal.lot == 0.0);
    test_free(f);
}

static void test_decodes_keepalive_on_command_channel(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(CMD, "{\"type\":\"heartbeat\",\"timestamp\":\"2025-08-01T12:34:56.789Z\"}",
             BITTEN_FRAME_HEARTBEAT);
    assert_int_equal(f->dir, CMD);
    assert_int_equal(f->u.keepalive.timestamp, T_EXAMPLE);
    assert_string_equal(bitten_frame_uuid(f), "");
    test_free(f);
}

static void test_decodes_ping(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(CMD, "{\"type\":\"ping\",\"ping_id\":\"p-1\",\"timestamp\":1754051696.789}",
             BITTEN_FRAME_PING);
    assert_string_equal(f->u.ping.ping_id, "p-1");
    assert_int_equal(f->u.ping.timestamp, T_EXAMPLE);
    test_free(f);
}

static void test_decodes_command_and_config(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(CMD, "{\"type\":\"command\",\"command\":\"shutdown\"}", BITTEN_FRAME_COMMAND);
    assert_int_equal(f->u.command.command, BITTEN_EA_CMD_SHUTDOWN);
    test_free(f);
    f = s_ok(CMD, "{\"type\":\"config\",\"param\":\"slippage\",\"value\":3}", BITTEN_FRAME_CONFIG);
    assert_int_equal(f->u.config.param, BITTEN_EA_PARAM_SLIPPAGE);
    assert_true(f->u.config.value == 3.0);
    test_free(f);
}

static void test_decodes_telemetry_example(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"telemetry\",\"uuid\":\"mt5_user_7176191872\","
                             "\"account\":{\"balance\":3000.00,\"equity\":3000.00,"
                             "\"margin\":0.00,\"free_margin\":3000.00,\"profit\":0.00},"
                             "\"timestamp\":\"2025-08-01T12:34:56.789Z\"}",
                             BITTEN_FRAME_TELEMETRY);
    const bitten_telemetry_t *t = &f->u.telemetry;
    assert_string_equal(t->uuid, "mt5_user_7176191872");
    assert_true(t->balance == 3000.0 && t->equity == 3000.0);
    assert_true(t->has_margin && t->margin == 0.0);
    assert_true(t->has_free_margin && t->free_margin == 3000.0);
    assert_true(t->has_profit && !t->has_margin_level && !t->has_positions);
    assert_int_equal(t->timestamp, T_EXAMPLE);
    test_free(f);
}

static void test_decodes_flat_telemetry(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"telemetry\",\"user_uuid\":\"u1\",\"balance\":100.5,"
                             "\"equity\":-20,\"positions\":3.0,\"leverage\":500,"
                             "\"currency\":\"USD\",\"margin_level\":250.5}",
                             BITTEN_FRAME_TELEMETRY);
    const bitten_telemetry_t *t = &f->u.telemetry;
    assert_string_equal(t->uuid, "u1");
    assert_true(t->balance == 100.5 && t->equity == -20.0);
    assert_true(t->has_positions && t->positions == 3);
    assert_true(t->has_leverage && t->leverage == 500);
    assert_string_equal(t->currency, "USD");
    assert_true(t->has_margin_level && t->margin_level == 250.5);
    assert_int_equal(t->timestamp, 0);
    test_free(f);
}

static void test_decodes_trade_result_example(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"trade_result\",\"signal_id\":\"VENOM_EURUSD_1754051696\","
                             "\"status\":\"success\",\"ticket\":123456789,\"price\":1.17485,"
                             "\"message\":\"Trade executed successfully\","
                             "\"timestamp\":\"2025-08-01T12:34:57.123Z\"}",
                             BITTEN_FRAME_TRADE_RESULT);
    const bitten_trade_result_t *r = &f->u.trade_result;
    assert_string_equal(r->signal_id, "VENOM_EURUSD_1754051696");
    assert_int_equal(r->status, BITTEN_RESULT_SUCCESS);
    assert_true(r->has_ticket && r->ticket == 123456789);
    assert_true(r->has_price && r->price == 1.17485);
    assert_string_equal(r->message, "Trade executed successfully");
    assert_int_equal(r->timestamp, T_EXAMPLE + 334);
    assert_string_equal(r->uuid, "");
    test_free(f);
}

static void test_trade_result_status_is_case_insensitive_and_zero_price_is_absent(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(FB,
             "{\"type\":\"trade_result\",\"signal_id\":\"S1\",\"status\":\"FAILED\","
             "\"ticket\":0,\"price\":0,\"lot\":0.0}",
             BITTEN_FRAME_TRADE_RESULT);
    assert_int_equal(f->u.trade_result.status, BITTEN_RESULT_FAILED);
    assert_false(f->u.trade_result.has_price);
    assert_false(f->u.trade_result.has_lot);
    test_free(f);
}

static void test_decodes_heartbeat_without_uuid(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"heartbeat\",\"balance\":3000,\"equity\":2990.5,"
                             "\"positions\":2,\"timestamp\":\"2025.09.15 19:33:52\"}",
                             BITTEN_FRAME_HEARTBEAT);
    const bitten_ea_heartbeat_t *h = &f->u.heartbeat;
    assert_int_equal(f->dir, FB);
    assert_string_equal(h->uuid, "");
    assert_true(h->has_balance && h->balance == 3000.0);
    assert_true(h->has_equity && h->equity == 2990.5);
    assert_true(h->has_positions && h->positions == 2);
    assert_int_equal(h->timestamp, T_MT5_FIRST);
    assert_string_equal(bitten_frame_uuid(f), "");
    test_free(f);
}

static void test_decodes_error_example(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"error\",\"signal_id\":\"VENOM_EURUSD_1754051696\","
                             "\"error\":\"Invalid signal parameters\"}",
                             BITTEN_FRAME_ERROR);
    assert_string_equal(f->u.error.signal_id, "VENOM_EURUSD_1754051696");
    assert_string_equal(f->u.error.error, "Invalid signal parameters");
    test_free(f);
}

static void test_decodes_status_example(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(FB,
             "{\"type\":\"status\",\"status\":\"reconnected\",\"ea_version\":\"7.x\","
             "\"account\":123,\"server\":\"Broker-Demo\"}",
             BITTEN_FRAME_STATUS);
    const bitten_ea_status_t *s = &f->u.status;
    assert_int_equal(s->status, BITTEN_EA_STATUS_RECONNECTED);
    assert_string_equal(s->ea_version, "7.x");
    assert_true(s->has_account && s->account == 123);
    assert_string_equal(s->server, "Broker-Demo");
    test_free(f);
}

static void test_decodes_pong(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB, "{\"type\":\"pong\",\"ping_id\":\"p-1\"}", BITTEN_FRAME_PONG);
    assert_string_equal(f->u.pong.ping_id, "p-1");
    test_free(f);
}

static void test_decodes_tick_example(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.17480,"
                             "\"ask\":1.17490,\"spread\":10,\"volume\":1,"
                             "\"timestamp\":\"2025-08-01T12:34:56.789Z\"}",
                             BITTEN_FRAME_TICK);
    const bitten_tick_t *t = &f->u.tick;
    assert_string_equal(t->symbol, "EURUSD");
    assert_true(t->bid == 1.17480 && t->ask == 1.17490);
    assert_true(t->has_spread && t->spread == 10.0);
    assert_true(t->volume == 1.0);
    assert_int_equal(t->timestamp, T_EXAMPLE);
    test_free(f);
}

static void test_decodes_candle_batch(void **state)
{
    (void)state;
    bitten_frame_t *f =
        s_ok(FB,
             "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M5\","
             "\"candles\":[{\"time\":1757944680,\"open\":1.1,\"high\":1.2,"
             "\"low\":1.05,\"close\":1.15,\"volume\":7},"
             "{\"time\":\"2025-09-15T14:03:00Z\",\"open\":1.15,\"high\":1.15,"
             "\"low\":1.15,\"close\":1.15}]}",
             BITTEN_FRAME_CANDLE_BATCH);
    const bitten_candle_batch_t *b = &f->u.candle_batch;
    assert_string_equal(b->symbol, "EURUSD");
    assert_int_equal(b->timeframe_s, 300);
    assert_int_equal(b->count, 2);
    assert_int_equal(b->candles[0].time, 1757944680000LL);
    assert_true(b->candles[0].high == 1.2 && b->candles[0].low == 1.05);
    assert_true(b->candles[0].volume == 7.0);
    assert_int_equal(b->candles[1].time, 1757944980000LL);
    assert_true(b->candles[1].volume == 0.0);
    test_free(f);
}

static void test_decodes_handshake_example(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"handshake\",\"uuid\":\"mt5_user_7176191872\","
                             "\"account\":843859,\"broker\":\"Some Broker Ltd\","
                             "\"server\":\"Broker-Demo\",\"symbols\":\"EURUSD,GBPUSD,XAUUSD\","
                             "\"balance\":3000,\"equity\":3001.5}",
                             BITTEN_FRAME_HANDSHAKE);
    const bitten_handshake_t *h = &f->u.handshake;
    assert_string_equal(h->uuid, "mt5_user_7176191872");
    assert_true(h->has_account && h->account == 843859);
    assert_string_equal(h->broker, "Some Broker Ltd");
    assert_string_equal(h->symbols, "EURUSD,GBPUSD,XAUUSD");
    assert_true(h->has_equity && h->equity == 3001.5);
    assert_string_equal(bitten_frame_uuid(f), "mt5_user_7176191872");
    test_free(f);
}

/* ---------------------------------------------------------------- frame-level refusals */

static void test_rejects_empty_frame(void **state)
{
    (void)state;
    bitten_frame_t f;
    bitten_decode_error_t e;
    assert_int_equal(bitten_decode(FB, "", 0, NULL, &f, &e), -1);
    assert_int_equal(e.reason, BITTEN_R_FRAME_EMPTY);
    assert_string_equal(e.field, "");
}

static void test_rejects_frame_above_max_bytes(void **state)
{
    (void)state;
    const char *json = "{\"type\":\"pong\",\"ping_id\":\"p-1\"}";
    bitten_decode_opts_t opts = {.max_frame_bytes = strlen(json) - 1};
    bitten_frame_t f;
    bitten_decode_error_t e;
    assert_int_equal(bitten_decode(FB, json, strlen(json), &opts, &f, &e), -1);
    assert_int_equal(e.reason, BITTEN_R_FRAME_TOO_LARGE);
    assert_string_equal(e.field, "");
    opts.max_frame_bytes = strlen(json);
    assert_int_equal(bitten_decode(FB, json, strlen(json), &opts, &f, &e), 0);
}

static void test_rejects_invalid_json(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":", BITTEN_R_BAD_JSON, "");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\"} x", BITTEN_R_BAD_JSON, "");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":Nonsense}", BITTEN_R_BAD_JSON, "");
}

static void test_rejects_non_object_top_level(void **state)
{
    (void)state;
    s_fails(FB, "[1,2]", BITTEN_R_NOT_OBJECT, "");
    s_fails(FB, "42", BITTEN_R_NOT_OBJECT, "");
    s_fails(FB, "\"tick\"", BITTEN_R_NOT_OBJECT, "");
}

static void test_rejects_frame_without_string_type(void **state)
{
    (void)state;
    s_fails(FB, "{\"ping_id\":\"p\"}", BITTEN_R_MISSING_TYPE, "type");
    s_fails(FB, "{\"type\":7}", BITTEN_R_MISSING_TYPE, "type");
}

static void test_rejects_type_not_accepted_on_channel(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":\"signal\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(FB, "{\"type\":\"ping\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(CMD, "{\"type\":\"tick\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(CMD, "{\"type\":\"trade_result\"}", BITTEN_R_UNKNOWN_TYPE, "type");
    s_fails(FB, "{\"type\":\"bogus\"}", BITTEN_R_UNKNOWN_TYPE, "type");
}

static void test_accepts_type_in_any_case(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB, "{\"type\":\"PONG\",\"ping_id\":\"p\"}", BITTEN_FRAME_PONG);
    test_free(f);
    f = s_ok(FB, "{\"type\":\"Pong\",\"ping_id\":\"p\"}", BITTEN_FRAME_PONG);
    test_free(f);
    f = s_ok(CMD, "{\"type\":\"PING\",\"ping_id\":\"p\"}", BITTEN_FRAME_PING);
    test_free(f);
}

/* ---------------------------------------------------------------- field refusals */

static void test_rejects_missing_required_fields(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":\"telemetry\",\"balance\":1,\"equity\":1}", BITTEN_R_MISSING_FIELD,
            "uuid");
    s_fails(FB, "{\"type\":\"telemetry\",\"uuid\":\"u\",\"account\":{\"equity\":1}}",
            BITTEN_R_MISSING_FIELD, "account.balance");
    s_fails(FB, "{\"type\":\"telemetry\",\"uuid\":\"u\",\"balance\":1}", BITTEN_R_MISSING_FIELD,
            "equity");
    s_fails(FB, "{\"type\":\"trade_result\",\"signal_id\":\"s\"}", BITTEN_R_MISSING_FIELD,
            "status");
    s_fails(FB, "{\"type\":\"trade_result\",\"status\":\"success\"}", BITTEN_R_MISSING_FIELD,
            "signal_id");
    s_fails(FB, "{\"type\":\"error\",\"signal_id\":\"s\"}", BITTEN_R_MISSING_FIELD, "error");
    s_fails(FB, "{\"type\":\"status\"}", BITTEN_R_MISSING_FIELD, "status");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":null}", BITTEN_R_MISSING_FIELD, "ping_id");
    s_fails(FB, "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1.2}",
            BITTEN_R_MISSING_FIELD, "timestamp");
    s_fails(FB, "{\"type\":\"handshake\",\"account\":1}", BITTEN_R_MISSING_FIELD, "uuid");
    s_fails(FB, "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\"}",
            BITTEN_R_MISSING_FIELD, "candles");
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\",\"candles\":"
            "[{\"time\":1757944680,\"open\":1,\"high\":1,\"low\":1}]}",
            BITTEN_R_MISSING_FIELD, "candles[0].close");
    s_fails(CMD, "{\"type\":\"signal\",\"signal_id\":\"s\",\"action\":\"buy\",\"lot\":0.1}",
            BITTEN_R_MISSING_FIELD, "symbol");
    s_fails(CMD, "{\"type\":\"ping\"}", BITTEN_R_MISSING_FIELD, "ping_id");
    s_fails(CMD, "{\"type\":\"config\",\"param\":\"slippage\"}", BITTEN_R_MISSING_FIELD, "value");
}

static void test_rejects_fields_of_wrong_json_type(void **state)
{
    (void)state;
    s_fails(FB,
            "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":\"1.1\",\"ask\":1.2,"
            "\"timestamp\":1757964832}",
            BITTEN_R_WRONG_TYPE, "bid");
    s_fails(FB, "{\"type\":\"telemetry\",\"uuid\":\"u\",\"account\":\"x\"}", BITTEN_R_WRONG_TYPE,
            "account");
    s_fails(FB,
            "{\"type\":\"trade_result\",\"signal_id\":\"s\",\"status\":\"success\","
            "\"ticket\":1.5}",
            BITTEN_R_WRONG_TYPE, "ticket");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":12}", BITTEN_R_WRONG_TYPE, "ping_id");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"timestamp\":true}", BITTEN_R_WRONG_TYPE,
            "timestamp");
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\","
            "\"candles\":{}}",
            BITTEN_R_WRONG_TYPE, "candles");
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\",\"candles\":"
            "[{\"time\":1757944680,\"open\":1,\"high\":1,\"low\":1,\"close\":1},3]}",
            BITTEN_R_WRONG_TYPE, "candles[1]");
    s_fails(FB, "{\"type\":\"status\",\"status\":1}", BITTEN_R_WRONG_TYPE, "status");
}

static void test_rejects_nan_and_infinity_tokens(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":NaN,\"ask\":1.2}",
            BITTEN_R_NOT_FINITE, "bid");
    s_fails(FB, "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\": -Infinity,\"ask\":1.2}",
            BITTEN_R_NOT_FINITE, "bid");
    s_fails(FB, "{\"type\":\"heartbeat\",\"equity\":inf}", BITTEN_R_NOT_FINITE, "equity");
    s_fails(FB, "{\"type\":\"heartbeat\",\"equity\":nan}", BITTEN_R_NOT_FINITE, "equity");
    s_fails(FB, "[Infinity]", BITTEN_R_NOT_FINITE, "");
}

static void test_rejects_real_that_overflows_a_double(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1e999}",
            BITTEN_R_NOT_FINITE, "ask");
    s_fails(FB, "{\"type\":\"heartbeat\",\"balance\":-1e400}", BITTEN_R_NOT_FINITE, "balance");
}

static void test_rejects_numbers_out_of_range(void **state)
{
    (void)state;
    s_fails(FB,
            "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":0,\"ask\":1.2,"
            "\"timestamp\":1757964832}",
            BITTEN_R_OUT_OF_RANGE, "bid");
    s_fails(FB,
            "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1e7,"
            "\"timestamp\":1757964832}",
            BITTEN_R_OUT_OF_RANGE, "ask");
    s_fails(FB, "{\"type\":\"heartbeat\",\"positions\":10001}", BITTEN_R_OUT_OF_RANGE, "positions");
    s_fails(FB,
            "{\"type\":\"telemetry\",\"uuid\":\"u\",\"account\":{\"balance\":1,"
            "\"equity\":1,\"margin\":-1}}",
            BITTEN_R_OUT_OF_RANGE, "account.margin");
    s_fails(FB, "{\"type\":\"heartbeat\",\"balance\":2e12}", BITTEN_R_OUT_OF_RANGE, "balance");
    s_fails(FB,
            "{\"type\":\"trade_result\",\"signal_id\":\"s\",\"status\":\"closed\","
            "\"lot\":1001}",
            BITTEN_R_OUT_OF_RANGE, "lot");
    s_fails(FB,
            "{\"type\":\"trade_result\",\"signal_id\":\"s\",\"status\":\"success\","
            "\"ticket\":99999999999999999999}",
            BITTEN_R_OUT_OF_RANGE, "ticket");
    s_fails(CMD,
            "{\"type\":\"signal\",\"signal_id\":\"s\",\"symbol\":\"EURUSD\","
            "\"action\":\"buy\",\"lot\":0}",
            BITTEN_R_OUT_OF_RANGE, "lot");
    s_fails(CMD,
            "{\"type\":\"signal\",\"signal_id\":\"s\",\"symbol\":\"EURUSD\","
            "\"action\":\"sell\",\"lot\":0.1,\"sl\":-5}",
            BITTEN_R_OUT_OF_RANGE, "sl");
    s_fails(CMD,
            "{\"type\":\"signal\",\"signal_id\":\"s\",\"symbol\":\"EURUSD\","
            "\"action\":\"sell\",\"lot\":0.1,\"tp\":10000001}",
            BITTEN_R_OUT_OF_RANGE, "tp");
}

static void test_rejects_tick_with_ask_below_bid(void **state)
{
    (void)state;
    s_fails(FB,
            "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.2,\"ask\":1.1,"
            "\"timestamp\":1757964832}",
            BITTEN_R_OUT_OF_RANGE, "ask");
}

static void test_rejects_candle_with_high_below_close(void **state)
{
    (void)state;
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\",\"candles\":"
            "[{\"time\":1757944680,\"open\":1,\"high\":1,\"low\":1,\"close\":1},"
            "{\"time\":1757944740,\"open\":1,\"high\":1.1,\"low\":0.9,\"close\":1},"
            "{\"time\":1757944800,\"open\":1,\"high\":1.1,\"low\":0.9,\"close\":1},"
            "{\"time\":1757944860,\"open\":1,\"high\":1.1,\"low\":0.9,\"close\":1.2}]}",
            BITTEN_R_OUT_OF_RANGE, "candles[3].high");
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\",\"candles\":"
            "[{\"time\":1757944680,\"open\":1,\"high\":1.1,\"low\":1.05,\"close\":1.1}]}",
            BITTEN_R_OUT_OF_RANGE, "candles[0].low");
}

static void test_rejects_candle_batch_over_batch_max(void **state)
{
    (void)state;
    size_t cap = 64 + (BITTEN_BATCH_MAX + 1) * 64;
    char *json = test_malloc(cap);
    size_t n = (size_t)snprintf(json, cap,
                                "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\","
                                "\"timeframe\":\"M1\",\"candles\":[");
    for (int i = 0; i <= BITTEN_BATCH_MAX; i++)
        n += (size_t)snprintf(json + n, cap - n,
                              "%s{\"time\":%d,\"open\":1,\"high\":1,\"low\":1,\"close\":1}",
                              i ? "," : "", 1757944680 + 60 * i);
    snprintf(json + n, cap - n, "]}");
    s_fails(FB, json, BITTEN_R_OUT_OF_RANGE, "candles");
    test_free(json);
}

static void test_rejects_strings_over_their_limit(void **state)
{
    (void)state;
    char json[2048];
    char long_id[BITTEN_ID_MAX + 2];
    memset(long_id, 'a', BITTEN_ID_MAX + 1);
    long_id[BITTEN_ID_MAX + 1] = '\0';
    snprintf(json, sizeof json, "{\"type\":\"pong\",\"ping_id\":\"p\",\"uuid\":\"%s\"}", long_id);
    s_fails(FB, json, BITTEN_R_STRING_TOO_LONG, "uuid");
    long_id[BITTEN_ID_MAX] = '\0'; /* exactly 64 is fine */
    snprintf(json, sizeof json, "{\"type\":\"pong\",\"ping_id\":\"p\",\"uuid\":\"%s\"}", long_id);
    bitten_frame_t *f = s_ok(FB, json, BITTEN_FRAME_PONG);
    assert_int_equal(strlen(f->u.pong.uuid), BITTEN_ID_MAX);
    test_free(f);

    char text[BITTEN_TEXT_MAX + 2];
    memset(text, 'x', BITTEN_TEXT_MAX + 1);
    text[BITTEN_TEXT_MAX + 1] = '\0';
    //  Free text travelling with a result is cut, not refused: the result must not be lost.
    snprintf(json, sizeof json, "{\"type\":\"error\",\"signal_id\":\"s1\",\"error\":\"%s\"}", text);
    f = s_ok(FB, json, BITTEN_FRAME_ERROR);
    assert_int_equal(strlen(f->u.error.error), BITTEN_TEXT_MAX);
    assert_string_equal(f->u.error.signal_id, "s1");
    test_free(f);
    snprintf(json, sizeof json,
             "{\"type\":\"trade_result\",\"signal_id\":\"s1\",\"status\":\"failed\",\"message\":\"%s\"}",
             text);
    f = s_ok(FB, json, BITTEN_FRAME_TRADE_RESULT);
    assert_int_equal(strlen(f->u.trade_result.message), BITTEN_TEXT_MAX);
    test_free(f);

    s_fails(FB, "{\"type\":\"tick\",\"symbol\":\"ABCDEFGHIJKLMNOPQ\",\"bid\":1,\"ask\":1}",
            BITTEN_R_STRING_TOO_LONG, "symbol");
}

static void test_rejects_bad_formats(void **state)
{
    (void)state;
    s_fails(FB,
            "{\"type\":\"tick\",\"symbol\":\"eurusd\",\"bid\":1.1,\"ask\":1.2,"
            "\"timestamp\":1757964832}",
            BITTEN_R_BAD_FORMAT, "symbol");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p 1\"}", BITTEN_R_BAD_FORMAT, "ping_id");
    s_fails(FB, "{\"type\":\"trade_result\",\"signal_id\":\"s\",\"status\":\"partial\"}",
            BITTEN_R_BAD_FORMAT, "status");
    s_fails(FB, "{\"type\":\"status\",\"status\":\"sleeping\"}", BITTEN_R_BAD_FORMAT, "status");
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M2\","
            "\"candles\":[]}",
            BITTEN_R_BAD_FORMAT, "timeframe");
    s_fails(CMD,
            "{\"type\":\"signal\",\"signal_id\":\"s\",\"symbol\":\"EURUSD\","
            "\"action\":\"hold\",\"lot\":0.1}",
            BITTEN_R_BAD_FORMAT, "action");
    s_fails(CMD,
            "{\"type\":\"signal\",\"signal_id\":\"\",\"symbol\":\"EURUSD\","
            "\"action\":\"buy\",\"lot\":0.1}",
            BITTEN_R_BAD_FORMAT, "signal_id");
    s_fails(CMD, "{\"type\":\"command\",\"command\":\"reboot\"}", BITTEN_R_BAD_FORMAT, "command");
    s_fails(CMD, "{\"type\":\"config\",\"param\":\"lots\",\"value\":1}", BITTEN_R_BAD_FORMAT,
            "param");
}

static void test_rejects_bad_timestamps(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"timestamp\":\"2025-13-01T00:00:00Z\"}",
            BITTEN_R_BAD_TIMESTAMP, "timestamp");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"timestamp\":1757964832000}",
            BITTEN_R_BAD_TIMESTAMP, "timestamp");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"timestamp\":\"yesterday\"}",
            BITTEN_R_BAD_TIMESTAMP, "timestamp");
    s_fails(FB,
            "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\",\"timeframe\":\"M1\",\"candles\":"
            "[{\"time\":\"1999-12-31T23:59:59Z\",\"open\":1,\"high\":1,\"low\":1,\"close\":1}]}",
            BITTEN_R_BAD_TIMESTAMP, "candles[0].time");
    s_fails(CMD,
            "{\"type\":\"signal\",\"signal_id\":\"s\",\"symbol\":\"EURUSD\","
            "\"action\":\"buy\",\"lot\":0.1,\"expires_at\":\"2025-02-30T00:00:00Z\"}",
            BITTEN_R_BAD_TIMESTAMP, "expires_at");
}

static void test_rejects_uuid_aliases_that_differ(void **state)
{
    (void)state;
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"uuid\":\"a\",\"user_uuid\":\"b\"}",
            BITTEN_R_CONFLICTING_FIELDS, "user_uuid");
    s_fails(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"uuid\":\"a\",\"target_uuid\":\"b\"}",
            BITTEN_R_CONFLICTING_FIELDS, "target_uuid");
}

static void test_accepts_uuid_aliases_that_agree(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"pong\",\"ping_id\":\"p\",\"uuid\":\"a\","
                             "\"user_uuid\":\"a\",\"target_uuid\":\"a\"}",
                             BITTEN_FRAME_PONG);
    assert_string_equal(bitten_frame_uuid(f), "a");
    test_free(f);
    f = s_ok(FB, "{\"type\":\"pong\",\"ping_id\":\"p\",\"target_uuid\":\"t\"}", BITTEN_FRAME_PONG);
    assert_string_equal(f->u.pong.uuid, "t");
    test_free(f);
}

static void test_ignores_unknown_fields_and_keeps_last_duplicate(void **state)
{
    (void)state;
    bitten_frame_t *f = s_ok(FB,
                             "{\"type\":\"pong\",\"ping_id\":\"first\",\"extra\":[1,{}],"
                             "\"ping_id\":\"last\"}",
                             BITTEN_FRAME_PONG);
    assert_string_equal(f->u.pong.ping_id, "last");
    test_free(f);
}

/* ---------------------------------------------------------------- timestamps */

static void test_parses_three_timestamp_forms_to_exact_ms(void **state)
{
    (void)state;
    assert_int_equal(s_tick_time("\"2025-08-01T12:34:56.789Z\"", 0), T_EXAMPLE);
    assert_int_equal(s_tick_time("\"2025.09.15 19:33:52\"", 0), T_MT5_FIRST);
    assert_int_equal(s_tick_time("1757964832", 0), T_MT5_FIRST);
    assert_int_equal(s_tick_time("1754051696.789", 0), T_EXAMPLE);
}

static void test_subtracts_server_offset_from_mt5_time_only(void **state)
{
    (void)state;
    assert_int_equal(s_tick_time("\"2025.09.15 22:33:52\"", 3 * 3600), T_MT5_FIRST);
    assert_int_equal(s_tick_time("\"2025-09-15T19:33:52Z\"", 3 * 3600), T_MT5_FIRST);
    assert_int_equal(bitten_parse_time_str("2025.09.15 16:33:52", -3 * 3600), T_MT5_FIRST);
}

static void test_parses_iso_variants(void **state)
{
    (void)state;
    assert_int_equal(bitten_parse_time_str("2025-08-01T12:34:56.789Z", 0), T_EXAMPLE);
    assert_int_equal(bitten_parse_time_str("2025-08-01T14:34:56.789+02:00", 0), T_EXAMPLE);
    assert_int_equal(bitten_parse_time_str("2025-08-01T10:04:56.789-02:30", 0), T_EXAMPLE);
    assert_int_equal(bitten_parse_time_str("2025-08-01 12:34:56.789", 0), T_EXAMPLE);
    assert_int_equal(bitten_parse_time_str("2025-08-01T12:34:56.789123456Z", 0), T_EXAMPLE);
    assert_int_equal(bitten_parse_time_str("2025-08-01T12:34:56.7Z", 0), T_EXAMPLE - 89);
    assert_int_equal(bitten_parse_time_str("2025-08-01T12:34:56Z", 0), T_EXAMPLE - 789);
    assert_int_equal(bitten_parse_time_str("2025.09.15 19:33:52.250", 0), T_MT5_FIRST + 250);
    assert_int_equal(bitten_parse_time_str("2024-02-29T00:00:00Z", 0), 1709164800000LL);
    assert_int_equal(bitten_parse_time_str("2099-12-31T23:59:59.999Z", 0), 4102444799999LL);
}

static void test_rejects_invalid_dates_and_times(void **state)
{
    (void)state;
    const char *bad[] = {"2025-13-01T00:00:00Z",
                         "2025-02-30T00:00:00Z",
                         "2025-02-29T00:00:00Z",
                         "2100-02-29T00:00:00Z",
                         "2025-00-10T00:00:00Z",
                         "2025-04-31T00:00:00Z",
                         "2025-08-01T24:00:00Z",
                         "2025-08-01T12:60:00Z",
                         "2025-08-01T12:00:60Z",
                         "2025-08-01T12:34:56.Z",
                         "2025-08-01T12:34:56.1234567890Z",
                         "2025-08-01",
                         "2025-08-01T12:34:56Zjunk",
                         "2025-08-01T12:34:56+0200",
                         "2025-8-01T12:34:56Z",
                         "2025.09.15T19:33:52",
                         "2025.09.15 19:33:52Z",
                         "1999-12-31T23:59:59Z",
                         "2100-01-01T00:00:00Z",
                         "",
                         "12345"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bitten_parse_time_str(bad[i], 0) != -1)
            print_error("accepted '%s'\n", bad[i]);
        assert_int_equal(bitten_parse_time_str(bad[i], 0), -1);
    }
    assert_int_equal(bitten_parse_time_str(NULL, 0), -1);
}

static void test_epoch_seconds_outside_2000_2100_are_refused(void **state)
{
    (void)state;
    assert_int_equal(bitten_time_from_epoch(946684800.0), 946684800000LL);
    assert_int_equal(bitten_time_from_epoch(946684799.999), -1);
    assert_int_equal(bitten_time_from_epoch(4102444800.0), -1);
    assert_int_equal(bitten_time_from_epoch(1754051696.7894), T_EXAMPLE);
    assert_int_equal(bitten_time_from_epoch(0.0), -1);
}

static void test_formats_time_with_milliseconds(void **state)
{
    (void)state;
    char buf[25];
    assert_non_null(bitten_format_time(T_EXAMPLE, buf, sizeof buf));
    assert_string_equal(buf, "2025-08-01T12:34:56.789Z");
    assert_non_null(bitten_format_time(1709164800000LL, buf, sizeof buf));
    assert_string_equal(buf, "2024-02-29T00:00:00.000Z");
    assert_non_null(bitten_format_time(0, buf, sizeof buf));
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    assert_null(bitten_format_time(T_EXAMPLE, buf, 24));
    /* Every ms of a leap-year day boundary round-trips through text. */
    for (bitten_ms_t ms = 1709164800000LL - 5000; ms < 1709164800000LL + 5000; ms += 7) {
        assert_non_null(bitten_format_time(ms, buf, sizeof buf));
        assert_int_equal(bitten_parse_time_str(buf, 0), ms);
    }
}

static void test_validates_ids_and_symbols(void **state)
{
    (void)state;
    assert_true(bitten_valid_id("mt5_user-7176191872:a.b"));
    assert_false(bitten_valid_id(""));
    assert_false(bitten_valid_id("a b"));
    assert_false(bitten_valid_id("a\"b"));
    assert_false(bitten_valid_id(NULL));
    char id[BITTEN_ID_MAX + 2];
    memset(id, 'x', sizeof id - 1);
    id[BITTEN_ID_MAX + 1] = '\0';
    assert_false(bitten_valid_id(id));
    id[BITTEN_ID_MAX] = '\0';
    assert_true(bitten_valid_id(id));

    assert_true(bitten_valid_symbol("XAUUSD"));
    assert_true(bitten_valid_symbol("US30.cash") == false);
    assert_true(bitten_valid_symbol("GER40.X_1"));
    assert_false(bitten_valid_symbol("EU"));
    assert_false(bitten_valid_symbol("eurusd"));
    assert_false(bitten_valid_symbol("ABCDEFGHIJKLMNOPQ"));
    assert_true(bitten_valid_symbol("ABCDEFGHIJKLMNOP"));
    assert_false(bitten_valid_symbol(NULL));
}

/* ---------------------------------------------------------------- encoding */

static bitten_signal_cmd_t s_example_signal(void)
{
    bitten_signal_cmd_t s;
    memset(&s, 0, sizeof s);
    strcpy(s.signal_id, "VENOM_EURUSD_1754051696");
    strcpy(s.symbol, "EURUSD");
    s.action = BITTEN_ACTION_BUY;
    s.lot = 0.01;
    s.sl = 50;
    s.tp = 100;
    s.timestamp = T_EXAMPLE;
    strcpy(s.uuid, "mt5_user_7176191872");
    s.expires_at = T_EXAMPLE + 30000;
    return s;
}

static const char S_SIGNAL_WIRE[] =
    "{\"type\":\"signal\",\"signal_id\":\"VENOM_EURUSD_1754051696\",\"symbol\":\"EURUSD\","
    "\"action\":\"buy\",\"lot\":0.01,\"sl\":50,\"tp\":100,"
    "\"timestamp\":\"2025-08-01T12:34:56.789Z\",\"uuid\":\"mt5_user_7176191872\","
    "\"expires_at\":\"2025-08-01T12:35:26.789Z\"}";

static void test_encodes_signal_byte_exact(void **state)
{
    (void)state;
    bitten_signal_cmd_t s = s_example_signal();
    char buf[512];
    int n = bitten_encode_signal(&s, buf, sizeof buf);
    assert_int_equal(n, strlen(S_SIGNAL_WIRE));
    assert_string_equal(buf, S_SIGNAL_WIRE);
}

static void test_encodes_signal_without_expiry_and_lot_with_two_decimals(void **state)
{
    (void)state;
    bitten_signal_cmd_t s = s_example_signal();
    s.expires_at = 0;
    s.lot = 1.5;
    s.action = BITTEN_ACTION_SELL;
    char buf[512];
    assert_true(bitten_encode_signal(&s, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\"type\":\"signal\",\"signal_id\":\"VENOM_EURUSD_1754051696\","
                             "\"symbol\":\"EURUSD\",\"action\":\"sell\",\"lot\":1.50,\"sl\":50,"
                             "\"tp\":100,\"timestamp\":\"2025-08-01T12:34:56.789Z\","
                             "\"uuid\":\"mt5_user_7176191872\"}");
}

static void test_refuses_to_encode_invalid_signal(void **state)
{
    (void)state;
    char buf[512];
    bitten_signal_cmd_t s = s_example_signal();
    strcpy(s.signal_id, "has space");
    assert_int_equal(bitten_encode_signal(&s, buf, sizeof buf), -1);
    s = s_example_signal();
    strcpy(s.symbol, "eurusd");
    assert_int_equal(bitten_encode_signal(&s, buf, sizeof buf), -1);
    s = s_example_signal();
    s.lot = 0.001; /* would go out as 0.00 on a buy */
    assert_int_equal(bitten_encode_signal(&s, buf, sizeof buf), -1);
    s = s_example_signal();
    s.sl = -1;
    assert_int_equal(bitten_encode_signal(&s, buf, sizeof buf), -1);
    s = s_example_signal();
    s.timestamp = 0;
    assert_int_equal(bitten_encode_signal(&s, buf, sizeof buf), -1);
    s = s_example_signal();
    s.action = (bitten_action_t)9;
    assert_int_equal(bitten_encode_signal(&s, buf, sizeof buf), -1);
}

static void test_encodes_close_all_without_symbol(void **state)
{
    (void)state;
    bitten_signal_cmd_t s = s_example_signal();
    s.action = BITTEN_ACTION_CLOSE_ALL;
    s.symbol[0] = '\0';
    s.lot = 0;
    char buf[512];
    assert_true(bitten_encode_signal(&s, buf, sizeof buf) > 0);
    bitten_frame_t *f = s_ok(CMD, buf, BITTEN_FRAME_SIGNAL);
    assert_int_equal(f->u.signal.action, BITTEN_ACTION_CLOSE_ALL);
    assert_string_equal(f->u.signal.symbol, "");
    test_free(f);
}

static void test_encodes_keepalive_ping_command_config_byte_exact(void **state)
{
    (void)state;
    char buf[256];
    const char *keepalive = "{\"type\":\"heartbeat\",\"timestamp\":\"2025-08-01T12:34:56.789Z\"}";
    assert_int_equal(bitten_encode_keepalive(T_EXAMPLE, buf, sizeof buf), strlen(keepalive));
    assert_string_equal(buf, keepalive);
    bitten_ping_t p = {.ping_id = "ping-42", .timestamp = T_EXAMPLE};
    assert_true(bitten_encode_ping(&p, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\"type\":\"ping\",\"ping_id\":\"ping-42\","
                             "\"timestamp\":\"2025-08-01T12:34:56.789Z\"}");
    bitten_ea_command_t c = {.command = BITTEN_EA_CMD_STATUS};
    assert_true(bitten_encode_ea_command(&c, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\"type\":\"command\",\"command\":\"status\"}");
    bitten_ea_config_t cfg = {.param = BITTEN_EA_PARAM_MAGIC_NUMBER, .value = 20250801};
    assert_true(bitten_encode_ea_config(&cfg, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\"type\":\"config\",\"param\":\"magic_number\",\"value\":20250801}");
    cfg.value = 0.1;
    assert_true(bitten_encode_ea_config(&cfg, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\"type\":\"config\",\"param\":\"magic_number\",\"value\":0.1}");
    assert_int_equal(bitten_encode_keepalive(0, buf, sizeof buf), -1);
}

/*  Every size below the frame's length + NUL fails without touching bytes past size. */
static void test_encoders_return_minus_one_when_buffer_too_small(void **state)
{
    (void)state;
    bitten_signal_cmd_t s = s_example_signal();
    int full = (int)strlen(S_SIGNAL_WIRE);
    char buf[512];
    for (int size = 0; size <= full; size++) {
        memset(buf, '#', sizeof buf);
        assert_int_equal(bitten_encode_signal(&s, buf, (size_t)size), -1);
        for (size_t i = (size_t)size; i < sizeof buf; i++)
            assert_int_equal(buf[i], '#');
    }
    assert_int_equal(bitten_encode_signal(&s, buf, (size_t)full + 1), full);
    assert_int_equal(bitten_encode_signal(&s, NULL, 0), -1);

    bitten_ea_error_t e = {.error = "quote \" and backslash \\"};
    for (int size = 0; size < 40; size++) {
        memset(buf, '#', sizeof buf);
        assert_int_equal(bitten_encode_ea_error(&e, buf, (size_t)size), -1);
        for (size_t i = (size_t)size; i < sizeof buf; i++)
            assert_int_equal(buf[i], '#');
    }
}

static void test_signal_round_trips(void **state)
{
    (void)state;
    bitten_signal_cmd_t s = s_example_signal();
    char buf[512];
    assert_true(bitten_encode_signal(&s, buf, sizeof buf) > 0);
    bitten_frame_t *f = s_ok(CMD, buf, BITTEN_FRAME_SIGNAL);
    assert_memory_equal(&f->u.signal, &s, sizeof s);
    test_free(f);
}

static void test_telemetry_round_trips(void **state)
{
    (void)state;
    bitten_telemetry_t t;
    memset(&t, 0, sizeof t);
    strcpy(t.uuid, "mt5_user_7176191872");
    t.balance = 3000.0;
    t.equity = 2987.123456789;
    t.margin = 12.5, t.has_margin = true;
    t.free_margin = 2974.62, t.has_free_margin = true;
    t.profit = -12.88, t.has_profit = true;
    t.margin_level = 23896.98, t.has_margin_level = true;
    t.positions = 2, t.has_positions = true;
    t.leverage = 500, t.has_leverage = true;
    strcpy(t.currency, "USD");
    t.timestamp = T_EXAMPLE;
    char buf[1024];
    assert_true(bitten_encode_telemetry(&t, buf, sizeof buf) > 0);
    bitten_frame_t *f = s_ok(FB, buf, BITTEN_FRAME_TELEMETRY);
    assert_memory_equal(&f->u.telemetry, &t, sizeof t);
    test_free(f);
}

static void test_trade_result_round_trips_with_escaped_message(void **state)
{
    (void)state;
    bitten_trade_result_t r;
    memset(&r, 0, sizeof r);
    strcpy(r.signal_id, "VENOM_EURUSD_1754051696");
    r.status = BITTEN_RESULT_CLOSED;
    strcpy(r.uuid, "mt5_user_7176191872");
    r.ticket = 123456789, r.has_ticket = true;
    r.price = 1.17485, r.has_price = true;
    r.close_price = 1.17585, r.has_close_price = true;
    r.profit = 10.0, r.has_profit = true;
    r.balance = 3010.0, r.has_balance = true;
    r.equity = 3010.0, r.has_equity = true;
    r.margin = 0.0, r.has_margin = true;
    r.lot = 0.01, r.has_lot = true;
    strcpy(r.message, "closed \"TP\" \\ line\nnext\ttab\x01 caf\xc3\xa9");
    r.timestamp = T_EXAMPLE;
    char buf[1024];
    assert_true(bitten_encode_trade_result(&r, buf, sizeof buf) > 0);
    bitten_frame_t *f = s_ok(FB, buf, BITTEN_FRAME_TRADE_RESULT);
    assert_memory_equal(&f->u.trade_result, &r, sizeof r);
    test_free(f);
}

static void test_ea_heartbeat_round_trips_and_omits_empty_uuid(void **state)
{
    (void)state;
    bitten_ea_heartbeat_t h;
    memset(&h, 0, sizeof h);
    h.balance = 3000.0, h.has_balance = true;
    h.positions = 0, h.has_positions = true;
    h.timestamp = T_EXAMPLE;
    char buf[512];
    assert_true(bitten_encode_ea_heartbeat(&h, buf, sizeof buf) > 0);
    assert_null(strstr(buf, "uuid"));
    bitten_frame_t *f = s_ok(FB, buf, BITTEN_FRAME_HEARTBEAT);
    assert_memory_equal(&f->u.heartbeat, &h, sizeof h);
    test_free(f);
    strcpy(h.uuid, "u1");
    assert_true(bitten_encode_ea_heartbeat(&h, buf, sizeof buf) > 0);
    f = s_ok(FB, buf, BITTEN_FRAME_HEARTBEAT);
    assert_memory_equal(&f->u.heartbeat, &h, sizeof h);
    test_free(f);
}

static void test_ea_error_status_pong_round_trip(void **state)
{
    (void)state;
    char buf[1024];
    bitten_ea_error_t e;
    memset(&e, 0, sizeof e);
    strcpy(e.uuid, "u1");
    strcpy(e.signal_id, "S1");
    strcpy(e.error, "Invalid signal parameters");
    e.timestamp = T_EXAMPLE;
    assert_true(bitten_encode_ea_error(&e, buf, sizeof buf) > 0);
    bitten_frame_t *f = s_ok(FB, buf, BITTEN_FRAME_ERROR);
    assert_memory_equal(&f->u.error, &e, sizeof e);
    test_free(f);

    bitten_ea_status_t s;
    memset(&s, 0, sizeof s);
    strcpy(s.uuid, "u1");
    s.status = BITTEN_EA_STATUS_STARTUP;
    strcpy(s.ea_version, "7.1");
    s.account = 843859, s.has_account = true;
    strcpy(s.server, "Broker-Demo");
    s.timestamp = T_EXAMPLE;
    assert_true(bitten_encode_ea_status(&s, buf, sizeof buf) > 0);
    f = s_ok(FB, buf, BITTEN_FRAME_STATUS);
    assert_memory_equal(&f->u.status, &s, sizeof s);
    test_free(f);

    bitten_pong_t p;
    memset(&p, 0, sizeof p);
    strcpy(p.uuid, "u1");
    strcpy(p.ping_id, "ping-42");
    p.timestamp = T_EXAMPLE;
    assert_true(bitten_encode_pong(&p, buf, sizeof buf) > 0);
    f = s_ok(FB, buf, BITTEN_FRAME_PONG);
    assert_memory_equal(&f->u.pong, &p, sizeof p);
    test_free(f);
}

static void test_tick_and_handshake_round_trip(void **state)
{
    (void)state;
    char buf[2048];
    bitten_tick_t t;
    memset(&t, 0, sizeof t);
    strcpy(t.uuid, "COMMANDER_DEV_001");
    strcpy(t.symbol, "XAUUSD");
    t.bid = 3640.12;
    t.ask = 3640.45;
    t.spread = 33.0, t.has_spread = true;
    t.volume = 0.1 + 0.2; /* needs 17 digits to round-trip */
    t.timestamp = T_MT5_FIRST;
    assert_true(bitten_encode_tick(&t, buf, sizeof buf) > 0);
    bitten_frame_t *f = s_ok(FB, buf, BITTEN_FRAME_TICK);
    assert_memory_equal(&f->u.tick, &t, sizeof t);
    test_free(f);

    bitten_handshake_t h;
    memset(&h, 0, sizeof h);
    strcpy(h.uuid, "mt5_user_7176191872");
    h.account = 843859, h.has_account = true;
    strcpy(h.broker, "Broker \"Ltd\"");
    strcpy(h.server, "Broker-Demo");
    strcpy(h.symbols, "EURUSD,GBPUSD,XAUUSD");
    h.balance = 3000.0, h.has_balance = true;
    h.equity = 3001.5, h.has_equity = true;
    h.timestamp = T_EXAMPLE;
    assert_true(bitten_encode_handshake(&h, buf, sizeof buf) > 0);
    f = s_ok(FB, buf, BITTEN_FRAME_HANDSHAKE);
    assert_memory_equal(&f->u.handshake, &h, sizeof h);
    test_free(f);
}

/* ---------------------------------------------------------------- recorded data */

static void test_decodes_all_recorded_ea_ticks(void **state)
{
    (void)state;
    FILE *in = fopen(BITTEN_DATA_DIR "/ea_ticks_2025-09-15.jsonl", "r");
    assert_non_null(in);
    bitten_frame_t *f = test_malloc(sizeof *f);
    char line[1024];
    char symbols[32][BITTEN_SYMBOL_MAX + 1];
    int nsymbols = 0, count = 0;
    bitten_ms_t first = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        bitten_decode_error_t e;
        int rc = s_decode_opts(FB, line, 0, f, &e);
        if (rc != 0)
            print_error("line %d: %s %s %s\n", count + 1, bitten_reason_str(e.reason), e.field,
                        e.detail);
        assert_int_equal(rc, 0);
        assert_int_equal(f->type, BITTEN_FRAME_TICK);
        assert_string_equal(bitten_frame_uuid(f), "COMMANDER_DEV_001");
        assert_true(f->u.tick.ask >= f->u.tick.bid);
        if (count == 0)
            first = f->u.tick.timestamp;
        int k = 0;
        while (k < nsymbols && strcmp(symbols[k], f->u.tick.symbol) != 0)
            k++;
        if (k == nsymbols) {
            assert_true(nsymbols < 32);
            strcpy(symbols[nsymbols++], f->u.tick.symbol);
        }
        count++;
    }
    fclose(in);
    test_free(f);
    assert_int_equal(count, 1500);
    assert_int_equal(nsymbols, 15);
    assert_int_equal(first, T_MT5_FIRST);
}

/* ---------------------------------------------------------------- names */

static void test_reason_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < BITTEN_R_COUNT_; i++) {
        assert_int_equal(bitten_reason_from_str(bitten_reason_str((bitten_reason_t)i)), i);
        assert_true(strlen(bitten_reason_doc((bitten_reason_t)i)) > 0);
    }
    assert_string_equal(bitten_reason_str(BITTEN_R_NO_EA_CONNECTED), "NO_EA_CONNECTED");
    assert_string_equal(bitten_reason_str(BITTEN_R_COUNT_), "?");
    assert_string_equal(bitten_reason_str((bitten_reason_t)-1), "?");
    assert_int_equal(bitten_reason_from_str("NOT_A_REASON"), -1);
    assert_int_equal(bitten_reason_from_str(NULL), -1);
}

static void test_enum_wire_names(void **state)
{
    (void)state;
    assert_string_equal(bitten_frame_type_str(BITTEN_FRAME_CANDLE_BATCH), "candle_batch");
    assert_string_equal(bitten_frame_type_str(BITTEN_FRAME_COUNT_), "?");
    assert_string_equal(bitten_result_status_str(BITTEN_RESULT_REJECTED), "rejected");
    assert_string_equal(bitten_ea_status_kind_str(BITTEN_EA_STATUS_RECONNECTED), "reconnected");
    assert_string_equal(bitten_action_str(BITTEN_ACTION_CLOSE_ALL), "close_all");
}

/*  jansson allocates from a per-frame arena while a frame is parsed (decode.c): a batch whose
 *  tree overflows the arena decodes whole, jansson values made outside a decode survive it,
 *  and a refused frame leaves the next one decodable. */
static void test_decode_arena_overflow_and_outside_values(void **state)
{
    (void)state;
    json_t *before = json_pack("{s:s, s:f}", "kept", "across decodes", "x", 1.5);
    assert_non_null(before);
    enum { N = 600 }; /* ~45 KB of JSON, a tree far past the 32 KB arena */
    size_t cap = 64 + N * 96;
    char *json = malloc(cap);
    assert_non_null(json);
    size_t at = (size_t)snprintf(json, cap, "{\"type\":\"candle_batch\",\"symbol\":\"EURUSD\","
                                            "\"timeframe\":\"M1\",\"candles\":[");
    for (int i = 0; i < N; i++)
        at += (size_t)snprintf(json + at, cap - at,
                               "%s{\"time\":%d,\"open\":%d.5,\"high\":%d,\"low\":%d,"
                               "\"close\":%d.5,\"volume\":%d}",
                               i ? "," : "", 1757944680 + 60 * i, i + 1, i + 2, i + 1, i + 1, i);
    snprintf(json + at, cap - at, "]}");
    bitten_frame_t *f = test_malloc(sizeof *f);
    bitten_decode_error_t e;
    bitten_decode_opts_t opts = {.max_frame_bytes = 0};
    int rc = bitten_decode(FB, json, strlen(json), &opts, f, &e);
    if (rc != 0)
        print_error("%s %s: %s\n", bitten_reason_str(e.reason), e.field, e.detail);
    assert_int_equal(rc, 0);
    assert_int_equal(f->u.candle_batch.count, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(f->u.candle_batch.candles[i].time, (1757944680LL + 60 * i) * 1000);
        assert_true(f->u.candle_batch.candles[i].close == i + 1.5);
        assert_true(f->u.candle_batch.candles[i].volume == i);
    }
    free(json);
    assert_int_equal(bitten_decode(FB, "{\"type\":", 9, &opts, f, &e), -1);
    assert_int_equal(e.reason, BITTEN_R_BAD_JSON);
    json_t *after = json_pack("{s:i}", "made", 7); /* outside a decode: plain malloc */
    char *text = json_dumps(before, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"kept\":\"across decodes\",\"x\":1.5}");
    free(text);
    json_decref(before);
    json_decref(after);
    const char *tel = "{\"type\":\"telemetry\",\"uuid\":\"ea_1\",\"balance\":100,\"equity\":99}";
    assert_int_equal(bitten_decode(FB, tel, strlen(tel), &opts, f, &e), 0);
    assert_true(f->u.telemetry.equity == 99.0);
    test_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_signal_example),
        cmocka_unit_test(test_decodes_close_all_signal_without_symbol_and_zero_lot),
        cmocka_unit_test(test_decodes_keepalive_on_command_channel),
        cmocka_unit_test(test_decodes_ping),
        cmocka_unit_test(test_decodes_command_and_config),
        cmocka_unit_test(test_decodes_telemetry_example),
        cmocka_unit_test(test_decodes_flat_telemetry),
        cmocka_unit_test(test_decodes_trade_result_example),
        cmocka_unit_test(test_trade_result_status_is_case_insensitive_and_zero_price_is_absent),
        cmocka_unit_test(test_decodes_heartbeat_without_uuid),
        cmocka_unit_test(test_decodes_error_example),
        cmocka_unit_test(test_decodes_status_example),
        cmocka_unit_test(test_decodes_pong),
        cmocka_unit_test(test_decodes_tick_example),
        cmocka_unit_test(test_decodes_candle_batch),
        cmocka_unit_test(test_decodes_handshake_example),
        cmocka_unit_test(test_rejects_empty_frame),
        cmocka_unit_test(test_rejects_frame_above_max_bytes),
        cmocka_unit_test(test_rejects_invalid_json),
        cmocka_unit_test(test_rejects_non_object_top_level),
        cmocka_unit_test(test_rejects_frame_without_string_type),
        cmocka_unit_test(test_rejects_type_not_accepted_on_channel),
        cmocka_unit_test(test_accepts_type_in_any_case),
        cmocka_unit_test(test_rejects_missing_required_fields),
        cmocka_unit_test(test_rejects_fields_of_wrong_json_type),
        cmocka_unit_test(test_rejects_nan_and_infinity_tokens),
        cmocka_unit_test(test_rejects_real_that_overflows_a_double),
        cmocka_unit_test(test_rejects_numbers_out_of_range),
        cmocka_unit_test(test_rejects_tick_with_ask_below_bid),
        cmocka_unit_test(test_rejects_candle_with_high_below_close),
        cmocka_unit_test(test_rejects_candle_batch_over_batch_max),
        cmocka_unit_test(test_rejects_strings_over_their_limit),
        cmocka_unit_test(test_rejects_bad_formats),
        cmocka_unit_test(test_rejects_bad_timestamps),
        cmocka_unit_test(test_rejects_uuid_aliases_that_differ),
        cmocka_unit_test(test_accepts_uuid_aliases_that_agree),
        cmocka_unit_test(test_ignores_unknown_fields_and_keeps_last_duplicate),
        cmocka_unit_test(test_parses_three_timestamp_forms_to_exact_ms),
        cmocka_unit_test(test_subtracts_server_offset_from_mt5_time_only),
        cmocka_unit_test(test_parses_iso_variants),
        cmocka_unit_test(test_rejects_invalid_dates_and_times),
        cmocka_unit_test(test_epoch_seconds_outside_2000_2100_are_refused),
        cmocka_unit_test(test_formats_time_with_milliseconds),
        cmocka_unit_test(test_validates_ids_and_symbols),
        cmocka_unit_test(test_encodes_signal_byte_exact),
        cmocka_unit_test(test_encodes_signal_without_expiry_and_lot_with_two_decimals),
        cmocka_unit_test(test_refuses_to_encode_invalid_signal),
        cmocka_unit_test(test_encodes_close_all_without_symbol),
        cmocka_unit_test(test_encodes_keepalive_ping_command_config_byte_exact),
        cmocka_unit_test(test_encoders_return_minus_one_when_buffer_too_small),
        cmocka_unit_test(test_signal_round_trips),
        cmocka_unit_test(test_telemetry_round_trips),
        cmocka_unit_test(test_trade_result_round_trips_with_escaped_message),
        cmocka_unit_test(test_ea_heartbeat_round_trips_and_omits_empty_uuid),
        cmocka_unit_test(test_ea_error_status_pong_round_trip),
        cmocka_unit_test(test_tick_and_handshake_round_trip),
        cmocka_unit_test(test_decodes_all_recorded_ea_ticks),
        cmocka_unit_test(test_reason_names_round_trip),
        cmocka_unit_test(test_enum_wire_names),
        cmocka_unit_test(test_decode_arena_overflow_and_outside_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
