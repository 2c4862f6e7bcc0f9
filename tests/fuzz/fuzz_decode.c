/*  fuzz_decode.c: libFuzzer target for src/proto: every input is decoded as a feedback and as a
 *  command frame; what decodes is re-encoded, decoded again and must come back the same. It is
 *  also decoded under every EA dialect, shape-detected and read by the EAs' substring reader,
 *  and parsed by simdjson's fast path and by jansson alone, which must agree (src/proto/jv.h). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitten/dialect.h"
#include "bitten/proto.h"
#include "ea_json.h"
#include "jv_canon.h"

/*  Well above any frame the encoders write (a handshake with a full symbol list is ~1.5 kB). */
#define S_ENC_BUF 16384

/*  The decoder's frame limit as the daemon sets it (feedback.max_frame_bytes default). */
#define S_MAX_FRAME 65536

static void s_die(const char *what, const bitten_frame_t *a, const char *wire, int len)
{
    fprintf(stderr, "fuzz_decode: round trip mismatch: %s (type %s)\n", what,
            bitten_frame_type_str(a->type));
    if (wire)
        fprintf(stderr, "fuzz_decode: re-encoded frame: %.*s\n", len, wire);
    abort();
}

#define S_EQ_STR(field)                                                                            \
    do {                                                                                           \
        if (strcmp(x->field, y->field) != 0)                                                       \
            s_die(#field, a, wire, len);                                                           \
    } while (0)
/*  Doubles are compared exactly: the encoder promises the shortest text that reads back. */
#define S_EQ(field)                                                                                \
    do {                                                                                           \
        if (x->field != y->field)                                                                  \
            s_die(#field, a, wire, len);                                                           \
    } while (0)

static void s_cmp_telemetry(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                            int len)
{
    const bitten_telemetry_t *x = &a->u.telemetry, *y = &b->u.telemetry;
    S_EQ_STR(uuid);
    S_EQ(balance);
    S_EQ(equity);
    S_EQ(has_margin);
    S_EQ(has_free_margin);
    S_EQ(has_profit);
    S_EQ(has_margin_level);
    S_EQ(has_positions);
    S_EQ(has_leverage);
    if (x->has_margin)
        S_EQ(margin);
    if (x->has_free_margin)
        S_EQ(free_margin);
    if (x->has_profit)
        S_EQ(profit);
    if (x->has_margin_level)
        S_EQ(margin_level);
    if (x->has_positions)
        S_EQ(positions);
    if (x->has_leverage)
        S_EQ(leverage);
    S_EQ_STR(currency);
    S_EQ(timestamp);
}

static void s_cmp_trade_result(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                               int len)
{
    const bitten_trade_result_t *x = &a->u.trade_result, *y = &b->u.trade_result;
    S_EQ_STR(signal_id);
    S_EQ(status);
    S_EQ_STR(uuid);
    S_EQ(has_ticket);
    S_EQ(has_price);
    S_EQ(has_close_price);
    S_EQ(has_profit);
    S_EQ(has_balance);
    S_EQ(has_equity);
    S_EQ(has_margin);
    S_EQ(has_lot);
    if (x->has_ticket)
        S_EQ(ticket);
    if (x->has_price)
        S_EQ(price);
    if (x->has_close_price)
        S_EQ(close_price);
    if (x->has_profit)
        S_EQ(profit);
    if (x->has_balance)
        S_EQ(balance);
    if (x->has_equity)
        S_EQ(equity);
    if (x->has_margin)
        S_EQ(margin);
    if (x->has_lot)
        S_EQ(lot);
    S_EQ_STR(message);
    S_EQ(timestamp);
}

static void s_cmp_heartbeat(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                            int len)
{
    const bitten_ea_heartbeat_t *x = &a->u.heartbeat, *y = &b->u.heartbeat;
    S_EQ_STR(uuid);
    S_EQ(has_balance);
    S_EQ(has_equity);
    S_EQ(has_positions);
    if (x->has_balance)
        S_EQ(balance);
    if (x->has_equity)
        S_EQ(equity);
    if (x->has_positions)
        S_EQ(positions);
    S_EQ(timestamp);
}

static void s_cmp_error(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire, int len)
{
    const bitten_ea_error_t *x = &a->u.error, *y = &b->u.error;
    S_EQ_STR(uuid);
    S_EQ_STR(signal_id);
    S_EQ_STR(error);
    S_EQ(timestamp);
}

static void s_cmp_status(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                         int len)
{
    const bitten_ea_status_t *x = &a->u.status, *y = &b->u.status;
    S_EQ_STR(uuid);
    S_EQ(status);
    S_EQ_STR(ea_version);
    S_EQ(has_account);
    if (x->has_account)
        S_EQ(account);
    S_EQ_STR(server);
    S_EQ(timestamp);
}

static void s_cmp_pong(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire, int len)
{
    const bitten_pong_t *x = &a->u.pong, *y = &b->u.pong;
    S_EQ_STR(uuid);
    S_EQ_STR(ping_id);
    S_EQ(timestamp);
}

static void s_cmp_tick(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire, int len)
{
    const bitten_tick_t *x = &a->u.tick, *y = &b->u.tick;
    S_EQ_STR(uuid);
    S_EQ_STR(symbol);
    S_EQ(bid);
    S_EQ(ask);
    S_EQ(has_spread);
    if (x->has_spread)
        S_EQ(spread);
    S_EQ(volume);
    S_EQ(timestamp);
}

static void s_cmp_handshake(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                            int len)
{
    const bitten_handshake_t *x = &a->u.handshake, *y = &b->u.handshake;
    S_EQ_STR(uuid);
    S_EQ(has_account);
    if (x->has_account)
        S_EQ(account);
    S_EQ_STR(broker);
    S_EQ_STR(server);
    S_EQ_STR(symbols);
    S_EQ(has_balance);
    S_EQ(has_equity);
    if (x->has_balance)
        S_EQ(balance);
    if (x->has_equity)
        S_EQ(equity);
    S_EQ(timestamp);
}

/*  The wire carries the lot with 2 decimals, so that is what must survive. */
static void s_cmp_signal(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                         int len)
{
    const bitten_signal_cmd_t *x = &a->u.signal, *y = &b->u.signal;
    S_EQ_STR(signal_id);
    S_EQ_STR(symbol);
    S_EQ(action);
    char lot[32];
    snprintf(lot, sizeof lot, "%.2f", x->lot);
    if (strtod(lot, NULL) != y->lot)
        s_die("lot", a, wire, len);
    S_EQ(sl);
    S_EQ(tp);
    S_EQ(timestamp);
    S_EQ_STR(uuid);
    S_EQ(expires_at);
}

static void s_cmp_command_frames(const bitten_frame_t *a, const bitten_frame_t *b, const char *wire,
                                 int len)
{
    switch (a->type) {
    case BITTEN_FRAME_HEARTBEAT:
        if (a->u.keepalive.timestamp != b->u.keepalive.timestamp)
            s_die("timestamp", a, wire, len);
        break;
    case BITTEN_FRAME_PING:
        if (strcmp(a->u.ping.ping_id, b->u.ping.ping_id) != 0 ||
            a->u.ping.timestamp != b->u.ping.timestamp)
            s_die("ping_id/timestamp", a, wire, len);
        break;
    case BITTEN_FRAME_COMMAND:
        if (a->u.command.command != b->u.command.command)
            s_die("command", a, wire, len);
        break;
    case BITTEN_FRAME_CONFIG:
        if (a->u.config.param != b->u.config.param || a->u.config.value != b->u.config.value)
            s_die("param/value", a, wire, len);
        break;
    default:
        s_cmp_signal(a, b, wire, len);
        break;
    }
}

/*  Encodes a decoded frame. Returns the length, -1 when the encoder refused it, or -2 for a
 *  type without an encoder (candle_batch) or a frame the protocol lets the decoder accept but
 *  the daemon never writes: the encoders require what bittend always sends (a command's
 *  timestamp) and a lot that is still > 0 after rounding to 2 decimals. */
static int s_encode(const bitten_frame_t *f, char *buf, size_t size)
{
    if (f->dir == BITTEN_DIR_COMMAND) {
        switch (f->type) {
        case BITTEN_FRAME_SIGNAL: {
            const bitten_signal_cmd_t *s = &f->u.signal;
            bool opens = s->action == BITTEN_ACTION_BUY || s->action == BITTEN_ACTION_SELL;
            if (s->timestamp == 0 || (opens && s->lot < 0.005))
                return -2;
            return bitten_encode_signal(s, buf, size);
        }
        case BITTEN_FRAME_HEARTBEAT:
            if (f->u.keepalive.timestamp == 0)
                return -2;
            return bitten_encode_keepalive(f->u.keepalive.timestamp, buf, size);
        case BITTEN_FRAME_PING:
            if (f->u.ping.timestamp == 0)
                return -2;
            return bitten_encode_ping(&f->u.ping, buf, size);
        case BITTEN_FRAME_COMMAND:
            return bitten_encode_ea_command(&f->u.command, buf, size);
        case BITTEN_FRAME_CONFIG:
            return bitten_encode_ea_config(&f->u.config, buf, size);
        default:
            return -2;
        }
    }
    switch (f->type) {
    case BITTEN_FRAME_TELEMETRY:
        return bitten_encode_telemetry(&f->u.telemetry, buf, size);
    case BITTEN_FRAME_TRADE_RESULT:
        return bitten_encode_trade_result(&f->u.trade_result, buf, size);
    case BITTEN_FRAME_HEARTBEAT:
        return bitten_encode_ea_heartbeat(&f->u.heartbeat, buf, size);
    case BITTEN_FRAME_ERROR:
        return bitten_encode_ea_error(&f->u.error, buf, size);
    case BITTEN_FRAME_STATUS:
        return bitten_encode_ea_status(&f->u.status, buf, size);
    case BITTEN_FRAME_PONG:
        return bitten_encode_pong(&f->u.pong, buf, size);
    case BITTEN_FRAME_TICK:
        return bitten_encode_tick(&f->u.tick, buf, size);
    case BITTEN_FRAME_HANDSHAKE:
        return bitten_encode_handshake(&f->u.handshake, buf, size);
    default:
        return -2;
    }
}

static void s_round_trip(const bitten_frame_t *a, const bitten_decode_opts_t *opts,
                         bitten_frame_t *b)
{
    char wire[S_ENC_BUF];
    int len = s_encode(a, wire, sizeof wire);
    if (len == -2)
        return;
    if (len < 0)
        s_die("the encoder refused a frame the decoder accepted", a, NULL, 0);
    bitten_decode_error_t err;
    if (bitten_decode(a->dir, wire, (size_t)len, opts, b, &err) != 0) {
        fprintf(stderr, "fuzz_decode: re-decode failed: %s %s %s\n", bitten_reason_str(err.reason),
                err.field, err.detail);
        s_die("re-decode", a, wire, len);
    }
    if (b->type != a->type || b->dir != a->dir)
        s_die("type", a, wire, len);
    if (a->dir == BITTEN_DIR_COMMAND) {
        s_cmp_command_frames(a, b, wire, len);
        return;
    }
    switch (a->type) {
    case BITTEN_FRAME_TELEMETRY:
        s_cmp_telemetry(a, b, wire, len);
        break;
    case BITTEN_FRAME_TRADE_RESULT:
        s_cmp_trade_result(a, b, wire, len);
        break;
    case BITTEN_FRAME_HEARTBEAT:
        s_cmp_heartbeat(a, b, wire, len);
        break;
    case BITTEN_FRAME_ERROR:
        s_cmp_error(a, b, wire, len);
        break;
    case BITTEN_FRAME_STATUS:
        s_cmp_status(a, b, wire, len);
        break;
    case BITTEN_FRAME_PONG:
        s_cmp_pong(a, b, wire, len);
        break;
    case BITTEN_FRAME_TICK:
        s_cmp_tick(a, b, wire, len);
        break;
    case BITTEN_FRAME_HANDSHAKE:
        s_cmp_handshake(a, b, wire, len);
        break;
    default:
        break;
    }
}

/*  The EA dialects: a decoded frame carries the dialect it was decoded as, a refusal a reason;
 *  detection and the EA reader must not crash on anything. */
static void s_dialects(const char *data, size_t size, const bitten_decode_opts_t *opts,
                       bitten_frame_t *a)
{
    static const bitten_dialect_t dialects[] = {BITTEN_DIALECT_V7, BITTEN_DIALECT_V205,
                                                BITTEN_DIALECT_V202};
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++) {
        bitten_decode_error_t err;
        if (bitten_dialect_decode(dialects[i], BITTEN_DIR_FEEDBACK, data, size, opts, a, &err) ==
            0) {
            if (a->dialect != dialects[i])
                s_die("decoded under another dialect", a, NULL, 0);
            if (a->type == BITTEN_FRAME_CANDLE_BATCH &&
                (a->u.candle_batch.series_count == 0 ||
                 a->u.candle_batch.count != a->u.candle_batch.series[0].count))
                s_die("candle series", a, NULL, 0);
        } else if (err.reason == BITTEN_R_OK) {
            s_die("a dialect refusal without a reason", a, NULL, 0);
        }
    }
    bitten_dialect_detect_t d = bitten_dialect_detect(data, size);
    if (d.dialect != BITTEN_DIALECT_UNKNOWN && d.mask != BITTEN_DIALECT_BIT(d.dialect))
        s_die("detection mask", a, NULL, 0);
    char value[64];
    static const char *const keys[] = {"type", "lot", "sl", "symbol", "target_uuid"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        static char cut[EA_JSON_V2_RECV_MAX + 1];
        ea_json_frame(data, size, EA_JSON_V7, cut, sizeof cut);
        ea_json_get(cut, keys[k], EA_JSON_V7, value, sizeof value);
        if (strlen(value) >= sizeof value)
            s_die("EA reader length", a, NULL, 0);
        ea_json_frame(data, size, EA_JSON_V2, cut, sizeof cut);
        ea_json_get(cut, keys[k], EA_JSON_V2, value, sizeof value);
    }
}

/*  The core's one-parse path (bitten_dialect_detect_decode) gives exactly what detection, the
 *  same pick and a separate decode give: detection, return code, error, every frame byte. */
static bitten_dialect_t s_fuzz_pick(void *arg, const bitten_dialect_detect_t *seen,
                                    bitten_decode_opts_t *opts)
{
    int fixed = *(const int *)arg;
    opts->server_utc_offset_s += 3600; /* what a pick sets must reach the decoder */
    if (fixed > BITTEN_DIALECT_UNKNOWN)
        return (bitten_dialect_t)fixed;
    return seen->dialect != BITTEN_DIALECT_UNKNOWN ? seen->dialect : BITTEN_DIALECT_CONTRACT;
}

static void s_one_parse(const char *data, size_t size, const bitten_decode_opts_t *opts,
                        bitten_frame_t *a, bitten_frame_t *b)
{
    int fixed = (int)(size % (BITTEN_DIALECT_COUNT_ + 1)) - 1; /* -1: the detected one */
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    bitten_decode_error_t ea, eb;
    memset(&ea, 0, sizeof ea);
    memset(&eb, 0, sizeof eb);
    bitten_dialect_detect_t sa, sb = bitten_dialect_detect(data, size);
    int ra = bitten_dialect_detect_decode(BITTEN_DIR_FEEDBACK, data, size, opts, s_fuzz_pick,
                                          &fixed, &sa, a, &ea);
    bitten_decode_opts_t ob = *opts;
    bitten_dialect_t d = s_fuzz_pick(&fixed, &sb, &ob);
    int rb = bitten_dialect_decode(d, BITTEN_DIR_FEEDBACK, data, size, &ob, b, &eb);
    if (ra != rb || sa.mask != sb.mask || sa.dialect != sb.dialect || strcmp(sa.why, sb.why) != 0)
        s_die("one parse: detection or result differs", a, NULL, 0);
    if (ea.reason != eb.reason || strcmp(ea.field, eb.field) != 0 ||
        strcmp(ea.detail, eb.detail) != 0)
        s_die("one parse: error differs", a, NULL, 0);
    if (memcmp(a, b, sizeof *a) != 0)
        s_die("one parse: frame differs", a, NULL, 0);
}

/*  The fast path accepts exactly what jansson accepts, with the same tree, and a refusal is
 *  jansson's own (same words, same byte). */
static void s_parsers_agree(const char *data, size_t size)
{
    static char fast[1 << 21], judge[1 << 21];
    const proto_jv_t *root;
    json_error_t je_fast, je_judge;
    int rc_fast = proto_jv_parse(data, size, &root, &je_fast);
    bool fit = rc_fast != 0 || jv_canon(root, fast, sizeof fast);
    int rc_judge = proto_jv_parse_jansson(data, size, &root, &je_judge);
    if (rc_fast != rc_judge) {
        fprintf(stderr, "fuzz_decode: parsers disagree: fast %d, jansson %d (%s)\n", rc_fast,
                rc_judge, rc_judge ? je_judge.text : "accepted");
        abort();
    }
    if (rc_judge == 0 && fit && jv_canon(root, judge, sizeof judge) && strcmp(fast, judge) != 0) {
        fprintf(stderr, "fuzz_decode: trees differ:\nfast    %.300s\njansson %.300s\n", fast, judge);
        abort();
    }
    if (rc_judge == -1 && (strcmp(je_fast.text, je_judge.text) != 0 ||
                           je_fast.position != je_judge.position)) {
        fprintf(stderr, "fuzz_decode: refusals differ: %s / %s\n", je_fast.text, je_judge.text);
        abort();
    }
    proto_jv_done();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Two frames of ~45 kB each (candle_batch): on the heap, not the fuzzer's stack. */
    bitten_frame_t *a = malloc(sizeof *a);
    bitten_frame_t *b = malloc(sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    /* The last byte picks an MT5 server offset sometimes, so that path is exercised too. */
    bitten_decode_opts_t opts = {.max_frame_bytes = S_MAX_FRAME, .server_utc_offset_s = 0};
    if (size > 0 && data[size - 1] == '\n')
        opts.server_utc_offset_s = 3 * 3600;
    const bitten_dir_t dirs[2] = {BITTEN_DIR_FEEDBACK, BITTEN_DIR_COMMAND};
    for (int i = 0; i < 2; i++) {
        bitten_decode_error_t err;
        if (bitten_decode(dirs[i], (const char *)data, size, &opts, a, &err) == 0)
            s_round_trip(a, &opts, b);
        else if (err.reason == BITTEN_R_OK)
            s_die("a refusal without a reason", a, NULL, 0);
    }
    s_dialects((const char *)data, size, &opts, a);
    s_one_parse((const char *)data, size, &opts, a, b);
    s_parsers_agree((const char *)data, size);
    free(a);
    free(b);
    return 0;
}
