/*  proto.h: the wire protocol of protocol.md as typed C structs.
 *  Decoding validates strictly and names a reason per failure; encoding writes frames exactly
 *  as protocol.md shows them. Nothing outside proto/ parses or writes frame JSON. */
#ifndef BITTEN_PROTO_H
#define BITTEN_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/reason.h"

/*  Milliseconds since 1970-01-01T00:00:00Z. 0 means "absent". */
typedef int64_t bitten_ms_t;

/*  String limits, in bytes, without the terminating NUL. */
#define BITTEN_ID_MAX 64      /* uuid, signal_id, ping_id, node_id: [A-Za-z0-9_.:-] */
#define BITTEN_SYMBOL_MAX 16  /* [A-Z0-9._], at least 3 */
#define BITTEN_NAME_MAX 64    /* short free text: server, broker, ea_version, currency */
#define BITTEN_TEXT_MAX 256   /* messages and errors */
#define BITTEN_SYMLIST_MAX 1024 /* handshake "symbols" list */
#define BITTEN_BATCH_MAX 1000 /* candles in one candle_batch */
#define BITTEN_SERIES_MAX 4   /* timeframes in one candle_batch (EA v7 sends M1, M5, M15) */
#define BITTEN_WIRE_TYPE_MAX 23 /* the frame's own "type" text, e.g. "close_confirmation" */

/*  Every frame type, both directions. Names are the wire names (lower case). */
#define BITTEN_FRAME_TYPES(X)                                                                      \
    /* feedback: EA -> bittend */                                                                  \
    X(TELEMETRY, "telemetry")                                                                      \
    X(TRADE_RESULT, "trade_result")                                                                \
    X(HEARTBEAT, "heartbeat")                                                                      \
    X(ERROR, "error")                                                                              \
    X(STATUS, "status")                                                                            \
    X(PONG, "pong")                                                                                \
    X(TICK, "tick")                                                                                \
    X(CANDLE_BATCH, "candle_batch")                                                                \
    X(HANDSHAKE, "handshake")                                                                      \
    /* command: bittend -> EA (HEARTBEAT is shared) */                                             \
    X(SIGNAL, "signal")                                                                            \
    X(PING, "ping")                                                                                \
    X(COMMAND, "command")                                                                          \
    X(CONFIG, "config")

typedef enum {
#define BITTEN_FRAME_ENUM_(name, wire) BITTEN_FRAME_##name,
    BITTEN_FRAME_TYPES(BITTEN_FRAME_ENUM_)
#undef BITTEN_FRAME_ENUM_
        BITTEN_FRAME_COUNT_
} bitten_frame_type_t;

/*  Which way a frame travels: decides which types are accepted and what "heartbeat" holds. */
typedef enum { BITTEN_DIR_FEEDBACK, BITTEN_DIR_COMMAND } bitten_dir_t;

const char *bitten_frame_type_str(bitten_frame_type_t type);

/* ---------------------------------------------------------------- feedback frames */

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    double balance, equity;
    double margin, free_margin, profit, margin_level;
    bool has_margin, has_free_margin, has_profit, has_margin_level;
    int64_t positions;
    bool has_positions;
    int64_t leverage;
    bool has_leverage;
    char currency[BITTEN_NAME_MAX + 1];
    bitten_ms_t timestamp;
} bitten_telemetry_t;

typedef enum {
    BITTEN_RESULT_SUCCESS,  /* filled */
    BITTEN_RESULT_FAILED,   /* not filled */
    BITTEN_RESULT_REJECTED, /* not filled */
    BITTEN_RESULT_ERROR,    /* not filled */
    BITTEN_RESULT_CLOSED    /* position closed */
} bitten_result_status_t;

const char *bitten_result_status_str(bitten_result_status_t status);

typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    bitten_result_status_t status;
    char uuid[BITTEN_ID_MAX + 1]; /* "" when absent */
    int64_t ticket;
    bool has_ticket;
    double price, close_price, profit, balance, equity, margin, lot;
    bool has_price, has_close_price, has_profit, has_balance, has_equity, has_margin, has_lot;
    char message[BITTEN_TEXT_MAX + 1];
    bitten_ms_t timestamp;
    /* Dialect EAs only (v2.x confirmation / close_confirmation). signal_id is then the
     * fire_id, "" when the EA echoes none (v2.02, close_confirmation). */
    char command_type[BITTEN_NAME_MAX + 1]; /* "fire", "close_all", "close_ticket", "unknown" */
    bool is_close;                          /* a close_confirmation */
    double free_margin, margin_level;
    bool has_free_margin, has_margin_level;
    int64_t account; /* login */
    bool has_account;
    char currency[BITTEN_NAME_MAX + 1];
} bitten_trade_result_t;

/*  Feedback heartbeat (EA -> bittend). uuid "" when the EA omits it (EA v7 does). */
typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    double balance, equity;
    bool has_balance, has_equity;
    int64_t positions;
    bool has_positions;
    bitten_ms_t timestamp;
    /* Dialect EAs only (v2.x heartbeat/HEARTBEAT, v7 status_report); the contract decoder
     * leaves them unset. account is the login. */
    double margin, free_margin, margin_level;
    bool has_margin, has_free_margin, has_margin_level;
    int64_t leverage, account;
    bool has_leverage, has_account;
    char currency[BITTEN_NAME_MAX + 1];
} bitten_ea_heartbeat_t;

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    char signal_id[BITTEN_ID_MAX + 1]; /* "" when absent */
    char error[BITTEN_TEXT_MAX + 1];
    bitten_ms_t timestamp;
} bitten_ea_error_t;

typedef enum {
    BITTEN_EA_STATUS_STARTUP,
    BITTEN_EA_STATUS_SHUTDOWN,
    BITTEN_EA_STATUS_RESET,
    BITTEN_EA_STATUS_CONFIG,
    BITTEN_EA_STATUS_RECONNECTED
} bitten_ea_status_kind_t;

const char *bitten_ea_status_kind_str(bitten_ea_status_kind_t kind);

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    bitten_ea_status_kind_t status;
    char ea_version[BITTEN_NAME_MAX + 1];
    int64_t account;
    bool has_account;
    char server[BITTEN_NAME_MAX + 1];
    bitten_ms_t timestamp;
} bitten_ea_status_t;

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    char ping_id[BITTEN_ID_MAX + 1];
    bitten_ms_t timestamp;
} bitten_pong_t;

typedef struct {
    char uuid[BITTEN_ID_MAX + 1]; /* from uuid/user_uuid, "" when absent */
    char symbol[BITTEN_SYMBOL_MAX + 1];
    double bid, ask;
    double spread; /* points, as the EA sends it */
    bool has_spread;
    double volume; /* 0 when absent */
    bitten_ms_t timestamp; /* required: VENOM's clock */
} bitten_tick_t;

typedef struct {
    bitten_ms_t time; /* bar start */
    double open, high, low, close, volume;
} bitten_candle_t;

/*  One timeframe's run of candles inside a batch: candles[first .. first + count). */
typedef struct {
    int timeframe_s;
    size_t first, count;
} bitten_candle_series_t;

/*  timeframe_s/count describe series 0, which starts at candles[0]: a consumer that reads only
 *  them sees the first timeframe. EA v7 batches carry M1, M5 and M15 as three series, each
 *  the five OLDEST of the last ten bars (ea-dialects.md 3.2); v2.x OHLC is one candle. */
typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1];
    int timeframe_s; /* M1 = 60, M5 = 300, M15 = 900, M30, H1, H4, D1 */
    size_t count;
    size_t series_count; /* >= 1 */
    bitten_candle_series_t series[BITTEN_SERIES_MAX];
    bitten_candle_t candles[BITTEN_BATCH_MAX];
} bitten_candle_batch_t;

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    int64_t account;
    bool has_account;
    char broker[BITTEN_NAME_MAX + 1];
    char server[BITTEN_NAME_MAX + 1];
    char symbols[BITTEN_SYMLIST_MAX + 1]; /* comma-separated (v2.05 symbol_list) */
    double balance, equity;
    bool has_balance, has_equity;
    bitten_ms_t timestamp;
    /* Dialect EAs only (v2.x handshake, v2.05 HELLO). broker is the company name. */
    char ea_version[BITTEN_NAME_MAX + 1];
    char currency[BITTEN_NAME_MAX + 1];
    char chart_symbol[BITTEN_SYMBOL_MAX + 1];
    int64_t leverage, monitored_symbols;
    bool has_leverage, has_monitored_symbols;
    double margin, free_margin, margin_level;
    bool has_margin, has_free_margin, has_margin_level;
} bitten_handshake_t;

/* ---------------------------------------------------------------- command frames */

typedef enum {
    BITTEN_ACTION_BUY,
    BITTEN_ACTION_SELL,
    BITTEN_ACTION_CLOSE,
    BITTEN_ACTION_CLOSE_ALL
} bitten_action_t;

const char *bitten_action_str(bitten_action_t action);

/*  The fire command. sl/tp are distances in points from the fill, 0 = none. */
typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1]; /* may be "" for close_all */
    bitten_action_t action;
    double lot; /* 2 decimals; 0 for close actions */
    int64_t sl, tp;
    bitten_ms_t timestamp;
    char uuid[BITTEN_ID_MAX + 1];
    bitten_ms_t expires_at; /* 0 = none */
} bitten_signal_cmd_t;

typedef struct {
    bitten_ms_t timestamp;
} bitten_keepalive_t;

typedef struct {
    char ping_id[BITTEN_ID_MAX + 1];
    bitten_ms_t timestamp;
} bitten_ping_t;

typedef enum { BITTEN_EA_CMD_STATUS, BITTEN_EA_CMD_RESET, BITTEN_EA_CMD_SHUTDOWN } bitten_ea_cmd_t;

typedef struct {
    bitten_ea_cmd_t command;
} bitten_ea_command_t;

typedef enum { BITTEN_EA_PARAM_MAGIC_NUMBER, BITTEN_EA_PARAM_SLIPPAGE } bitten_ea_param_t;

typedef struct {
    bitten_ea_param_t param;
    double value;
} bitten_ea_config_t;

/* ---------------------------------------------------------------- one decoded frame */

/*  The wire dialects (ea-dialects.md). CONTRACT is protocol.md; UNKNOWN is "not decided yet"
 *  and is never a decoded frame's dialect. */
#define BITTEN_DIALECTS(X)                                                                         \
    X(UNKNOWN, "unknown")                                                                          \
    X(CONTRACT, "contract")                                                                        \
    X(V7, "v7")                                                                                    \
    X(V205, "v2.05")                                                                               \
    X(V202, "v2.02")

typedef enum {
#define BITTEN_DIALECT_ENUM_(name, wire) BITTEN_DIALECT_##name,
    BITTEN_DIALECTS(BITTEN_DIALECT_ENUM_)
#undef BITTEN_DIALECT_ENUM_
        BITTEN_DIALECT_COUNT_
} bitten_dialect_t;

/*  What a frame itself says about its account, exactly as sent ("" / false when absent):
 *  never inferred. uuid of a contract frame is reported as user_uuid. */
typedef struct {
    char user_uuid[BITTEN_ID_MAX + 1];
    char target_uuid[BITTEN_ID_MAX + 1];
    char node_id[BITTEN_ID_MAX + 1];
    int64_t login;
    bool has_login;
} bitten_evidence_t;

/*  bitten_frame_t.flags */
#define BITTEN_FRAME_F_CP1252 0x1u  /* bytes were not UTF-8: read as cp1252 and transcoded */
#define BITTEN_FRAME_F_I32_WRAP 0x2u /* a v7 "%d" 64-bit value came negative: low 32 bits kept */
#define BITTEN_FRAME_F_TIME_UNKNOWN 0x4u /* an EA tick / candle batch whose broker server time
                                            cannot be read as UTC yet (the account's offset is
                                            being learned): its prices count, its time does not */

typedef struct {
    bitten_frame_type_t type;
    bitten_dir_t dir; /* the direction it was decoded for: tells u.heartbeat from u.keepalive */
    bitten_dialect_t dialect;         /* which dialect's rules decoded it */
    bitten_evidence_t evidence;       /* account evidence carried by the frame */
    unsigned flags;                   /* BITTEN_FRAME_F_* */
    char wire_type[BITTEN_WIRE_TYPE_MAX + 1]; /* "type" as sent: "OHLC", "HELLO", ... */
    union {
        bitten_telemetry_t telemetry;
        bitten_trade_result_t trade_result;
        bitten_ea_heartbeat_t heartbeat;   /* feedback heartbeat */
        bitten_ea_error_t error;
        bitten_ea_status_t status;
        bitten_pong_t pong;
        bitten_tick_t tick;
        bitten_candle_batch_t candle_batch;
        bitten_handshake_t handshake;
        bitten_signal_cmd_t signal;
        bitten_keepalive_t keepalive;      /* command heartbeat */
        bitten_ping_t ping;
        bitten_ea_command_t command;
        bitten_ea_config_t config;
    } u;
} bitten_frame_t;

/*  What a frame's account is: its uuid, or "" for frames that carry none. */
const char *bitten_frame_uuid(const bitten_frame_t *frame);

/*  Sets the frame's uuid (frames from a CURVE-authenticated EA that omit it: the key names the
 *  account). Returns 0, or -1 when the type carries no uuid or uuid is not a valid id. */
int bitten_frame_set_uuid(bitten_frame_t *frame, const char *uuid);

/* ---------------------------------------------------------------- decoding */

typedef struct {
    size_t max_frame_bytes;      /* FRAME_TOO_LARGE above this; 0 = no limit */
    int server_utc_offset_s;     /* MT5 server time = UTC + this many seconds */
} bitten_decode_opts_t;

/*  Why a frame was refused: the reason, the field at fault ("" for the whole frame) and a
 *  short human detail ("expected number", "> 64 chars", ...). */
typedef struct {
    bitten_reason_t reason;
    char field[32];
    char detail[96];
} bitten_decode_error_t;

/*  Decodes one frame of the contract dialect (protocol.md) travelling in direction dir into
 *  *out (dialect CONTRACT; the EA dialects: bitten_dialect_decode in dialect.h). Returns 0, or -1 with *err
 *  filled. out and err must not be NULL. Never allocates beyond jansson's own parse. */
int bitten_decode(bitten_dir_t dir, const char *data, size_t len, const bitten_decode_opts_t *opts,
                  bitten_frame_t *out, bitten_decode_error_t *err);

/*  Accepts ISO-8601 ("2025-08-01T12:34:56.789Z", "+hh:mm" offsets, optional fraction) and MT5
 *  server time "YYYY.MM.DD HH:MM:SS[.fff]", which is UTC + server_utc_offset_s (the offset is
 *  subtracted). Returns ms, or -1 when the text is none of these or outside 2000..2100. */
bitten_ms_t bitten_parse_time_str(const char *text, int server_utc_offset_s);

/*  Epoch seconds (integer or fraction) to ms, or -1 when outside 2000-01-01..2100-01-01. */
bitten_ms_t bitten_time_from_epoch(double seconds);

/*  Writes "2025-08-01T12:34:56.789Z" (24 chars + NUL) into buf (>= 25 bytes). */
char *bitten_format_time(bitten_ms_t ms, char *buf, size_t size);

/*  True when s is 1..BITTEN_ID_MAX chars of [A-Za-z0-9_.:-]. */
bool bitten_valid_id(const char *s);

/*  True when s is 3..BITTEN_SYMBOL_MAX chars of [A-Z0-9._]. */
bool bitten_valid_symbol(const char *s);

/*  True when s is 1..BITTEN_SYMBOL_MAX chars of [A-Za-z0-9._#+-]: a broker's own symbol name
 *  as the EA dialects send it (EURUSDm, EURUSD.r, #US30); ASCII with no quote or backslash. */
bool bitten_valid_broker_symbol(const char *s);

/* ---------------------------------------------------------------- encoding */

/*  Each encoder writes one frame (no NUL counted) into buf and returns its length, or -1 when
 *  it does not fit or a field is invalid. Field order is protocol.md's. */
int bitten_encode_signal(const bitten_signal_cmd_t *cmd, char *buf, size_t size);
int bitten_encode_keepalive(bitten_ms_t now, char *buf, size_t size);
int bitten_encode_ping(const bitten_ping_t *ping, char *buf, size_t size);
int bitten_encode_ea_command(const bitten_ea_command_t *cmd, char *buf, size_t size);
int bitten_encode_ea_config(const bitten_ea_config_t *cfg, char *buf, size_t size);

/*  Feedback encoders, used by bitten-ea-sim, tests and benchmarks. */
int bitten_encode_telemetry(const bitten_telemetry_t *t, char *buf, size_t size);
int bitten_encode_trade_result(const bitten_trade_result_t *r, char *buf, size_t size);
int bitten_encode_ea_heartbeat(const bitten_ea_heartbeat_t *h, char *buf, size_t size);
int bitten_encode_ea_error(const bitten_ea_error_t *e, char *buf, size_t size);
int bitten_encode_ea_status(const bitten_ea_status_t *s, char *buf, size_t size);
int bitten_encode_pong(const bitten_pong_t *p, char *buf, size_t size);
int bitten_encode_tick(const bitten_tick_t *t, char *buf, size_t size);
int bitten_encode_handshake(const bitten_handshake_t *h, char *buf, size_t size);

#endif
