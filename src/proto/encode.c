/*  encode.c: typed frames -> compact JSON exactly in protocol.md's field order, and the wire
 *  names of every enum. Writes only into the caller's buffer; never allocates. */

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitten/proto.h"
#include "proto_internal.h"

/*  Same limits the decoder applies, so every encoded frame decodes again. */
#define S_LOT_MAX 1000.0
#define S_POINTS_MAX 10000000LL /* sl, tp */
#define S_NUM_BUF 32            /* longest %.17g is 24 chars */

/* ---------------------------------------------------------------- wire names */

#define S_FRAME_NAME_(name, wire) wire,
const char *const proto_frame_names[BITTEN_FRAME_COUNT_] = {BITTEN_FRAME_TYPES(S_FRAME_NAME_)};
#undef S_FRAME_NAME_

const char *const proto_result_names[PROTO_RESULT_STATUS_COUNT] = {"success", "failed", "rejected",
                                                                   "error", "closed"};
const char *const proto_ea_status_names[PROTO_EA_STATUS_COUNT] = {"startup", "shutdown", "reset",
                                                                  "config", "reconnected"};
const char *const proto_action_names[PROTO_ACTION_COUNT] = {"buy", "sell", "close", "close_all"};
const char *const proto_ea_cmd_names[PROTO_EA_CMD_COUNT] = {"status", "reset", "shutdown"};
const char *const proto_ea_param_names[PROTO_EA_PARAM_COUNT] = {"magic_number", "slippage"};

/*  Enum values may come from casts of stored ints: check before indexing. */
static const char *s_name(const char *const *names, int count, int value)
{
    return value >= 0 && value < count ? names[value] : "?";
}

const char *bitten_frame_type_str(bitten_frame_type_t type)
{
    return s_name(proto_frame_names, BITTEN_FRAME_COUNT_, (int)type);
}

const char *bitten_result_status_str(bitten_result_status_t status)
{
    return s_name(proto_result_names, PROTO_RESULT_STATUS_COUNT, (int)status);
}

const char *bitten_ea_status_kind_str(bitten_ea_status_kind_t kind)
{
    return s_name(proto_ea_status_names, PROTO_EA_STATUS_COUNT, (int)kind);
}

const char *bitten_action_str(bitten_action_t action)
{
    return s_name(proto_action_names, PROTO_ACTION_COUNT, (int)action);
}

static const char *s_ea_cmd_str(bitten_ea_cmd_t cmd)
{
    return s_name(proto_ea_cmd_names, PROTO_EA_CMD_COUNT, (int)cmd);
}

static const char *s_ea_param_str(bitten_ea_param_t param)
{
    return s_name(proto_ea_param_names, PROTO_EA_PARAM_COUNT, (int)param);
}

/* ---------------------------------------------------------------- bounded writer */

/*  The frame being written. failed is set by the first thing that does not fit or is not
 *  valid; later writes are skipped, so encoders check once at the end. */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
    bool failed;
} s_out_t;

static void s_printf(s_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_printf(s_out_t *o, const char *fmt, ...)
{
    if (o->failed)
        return;
    size_t avail = o->size - o->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, avail, fmt, ap);
    va_end(ap);
    /* n == avail would leave no room for the NUL: the frame does not fit. */
    if (n < 0 || (size_t)n >= avail)
        o->failed = true;
    else
        o->len += (size_t)n;
}

static void s_putc(s_out_t *o, char c)
{
    if (o->failed)
        return;
    if (o->len + 1 >= o->size) {
        o->failed = true;
        return;
    }
    o->buf[o->len++] = c;
    o->buf[o->len] = '\0';
}

static void s_check(s_out_t *o, bool ok)
{
    if (!ok)
        o->failed = true;
}

/*  A JSON string of at most max bytes of s: max bounds the read even for an unterminated
 *  struct field. Free text (messages, broker names) may hold quotes and control chars. */
static void s_json_str(s_out_t *o, const char *s, size_t max)
{
    s_putc(o, '"');
    for (size_t i = 0; i < max && s[i] != '\0' && !o->failed; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            s_putc(o, '\\');
            s_putc(o, (char)c);
        } else if (c == '\n') {
            s_printf(o, "\\n");
        } else if (c == '\r') {
            s_printf(o, "\\r");
        } else if (c == '\t') {
            s_printf(o, "\\t");
        } else if (c < 0x20) {
            s_printf(o, "\\u%04x", c);
        } else {
            s_putc(o, (char)c);
        }
    }
    s_putc(o, '"');
}

/*  Shortest %g that reads back as the same double, so decode(encode(x)) == x exactly. */
static void s_shortest(double v, char *tmp, size_t size)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, size, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            return;
    }
}

/* ---------------------------------------------------------------- fields */

/*  Every field after "type" starts with a comma, so no first-field state is needed. */
static void s_begin(s_out_t *o, char *buf, size_t size, bitten_frame_type_t type)
{
    *o = (s_out_t){.buf = buf, .size = size, .len = 0, .failed = buf == NULL || size == 0};
    s_printf(o, "{\"type\":\"%s\"", bitten_frame_type_str(type));
}

static int s_end(s_out_t *o)
{
    s_putc(o, '}');
    return o->failed || o->len > INT_MAX ? -1 : (int)o->len;
}

static void s_key(s_out_t *o, const char *key)
{
    s_printf(o, ",\"%s\":", key);
}

static void s_field_str(s_out_t *o, const char *key, const char *s, size_t max)
{
    s_key(o, key);
    s_json_str(o, s, max);
}

/*  An id field; invalid ids make the frame invalid. */
static void s_field_id(s_out_t *o, const char *key, const char *id)
{
    s_check(o, bitten_valid_id(id));
    s_field_str(o, key, id, BITTEN_ID_MAX);
}

/*  An optional id: omitted when "". */
static void s_opt_id(s_out_t *o, const char *key, const char *id)
{
    if (id[0] != '\0')
        s_field_id(o, key, id);
}

static void s_opt_text(s_out_t *o, const char *key, const char *s, size_t max)
{
    if (s[0] != '\0')
        s_field_str(o, key, s, max);
}

static void s_num(s_out_t *o, double v)
{
    char tmp[S_NUM_BUF];
    s_check(o, isfinite(v));
    if (o->failed)
        return;
    s_shortest(v, tmp, sizeof tmp);
    s_printf(o, "%s", tmp);
}

static void s_field_num(s_out_t *o, const char *key, double v)
{
    s_key(o, key);
    s_num(o, v);
}

static void s_opt_num(s_out_t *o, const char *key, bool has, double v)
{
    if (has)
        s_field_num(o, key, v);
}

static void s_field_int(s_out_t *o, const char *key, int64_t v)
{
    s_key(o, key);
    s_printf(o, "%lld", (long long)v);
}

static void s_opt_int(s_out_t *o, const char *key, bool has, int64_t v)
{
    if (has)
        s_field_int(o, key, v);
}

/*  A timestamp the decoder would accept; anything else makes the frame invalid. */
static void s_field_time(s_out_t *o, const char *key, bitten_ms_t ms)
{
    char tmp[PROTO_TIME_BUF];
    s_check(o, proto_time_in_window(ms) && bitten_format_time(ms, tmp, sizeof tmp) != NULL);
    if (o->failed)
        return;
    s_key(o, key);
    s_printf(o, "\"%s\"", tmp);
}

/*  0 means absent. */
static void s_opt_time(s_out_t *o, const char *key, bitten_ms_t ms)
{
    if (ms != 0)
        s_field_time(o, key, ms);
}

static void s_field_enum(s_out_t *o, const char *key, const char *name)
{
    s_check(o, strcmp(name, "?") != 0);
    s_field_str(o, key, name, strlen(name));
}

/* ---------------------------------------------------------------- command frames */

/*  The lot as the wire will carry it (2 decimals), checked against what the action allows. */
static void s_field_lot(s_out_t *o, bitten_action_t action, double lot)
{
    char tmp[S_NUM_BUF];
    s_check(o, isfinite(lot) && lot >= 0.0 && lot <= S_LOT_MAX);
    if (o->failed)
        return;
    snprintf(tmp, sizeof tmp, "%.2f", lot);
    double wire = strtod(tmp, NULL);
    bool opens = action == BITTEN_ACTION_BUY || action == BITTEN_ACTION_SELL;
    s_check(o, wire <= S_LOT_MAX && (opens ? wire > 0.0 : wire >= 0.0));
    s_key(o, "lot");
    s_printf(o, "%s", tmp);
}

static void s_field_points(s_out_t *o, const char *key, int64_t v)
{
    s_check(o, v >= 0 && v <= S_POINTS_MAX);
    s_field_int(o, key, v);
}

int bitten_encode_signal(const bitten_signal_cmd_t *cmd, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_SIGNAL);
    s_field_id(&o, "signal_id", cmd->signal_id);
    /* close_all may name no symbol; every other action needs a valid one. */
    bool no_symbol = cmd->action == BITTEN_ACTION_CLOSE_ALL && cmd->symbol[0] == '\0';
    s_check(&o, no_symbol || bitten_valid_symbol(cmd->symbol));
    s_field_str(&o, "symbol", cmd->symbol, BITTEN_SYMBOL_MAX);
    s_field_enum(&o, "action", bitten_action_str(cmd->action));
    s_field_lot(&o, cmd->action, cmd->lot);
    s_field_points(&o, "sl", cmd->sl);
    s_field_points(&o, "tp", cmd->tp);
    s_field_time(&o, "timestamp", cmd->timestamp);
    s_opt_id(&o, "uuid", cmd->uuid);
    s_opt_time(&o, "expires_at", cmd->expires_at);
    return s_end(&o);
}

int bitten_encode_keepalive(bitten_ms_t now, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_HEARTBEAT);
    s_field_time(&o, "timestamp", now);
    return s_end(&o);
}

int bitten_encode_ping(const bitten_ping_t *ping, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_PING);
    s_field_id(&o, "ping_id", ping->ping_id);
    s_field_time(&o, "timestamp", ping->timestamp);
    return s_end(&o);
}

int bitten_encode_ea_command(const bitten_ea_command_t *cmd, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_COMMAND);
    s_field_enum(&o, "command", s_ea_cmd_str(cmd->command));
    return s_end(&o);
}

int bitten_encode_ea_config(const bitten_ea_config_t *cfg, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_CONFIG);
    s_field_enum(&o, "param", s_ea_param_str(cfg->param));
    s_field_num(&o, "value", cfg->value);
    return s_end(&o);
}

/* ---------------------------------------------------------------- feedback frames */

int bitten_encode_telemetry(const bitten_telemetry_t *t, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_TELEMETRY);
    s_field_id(&o, "uuid", t->uuid);
    /* Nested like protocol.md's example; balance is always first, so it opens the object. */
    s_printf(&o, ",\"account\":{\"balance\":");
    s_num(&o, t->balance);
    s_field_num(&o, "equity", t->equity);
    s_opt_num(&o, "margin", t->has_margin, t->margin);
    s_opt_num(&o, "free_margin", t->has_free_margin, t->free_margin);
    s_opt_num(&o, "profit", t->has_profit, t->profit);
    s_opt_num(&o, "margin_level", t->has_margin_level, t->margin_level);
    s_opt_int(&o, "positions", t->has_positions, t->positions);
    s_opt_text(&o, "currency", t->currency, BITTEN_NAME_MAX);
    s_opt_int(&o, "leverage", t->has_leverage, t->leverage);
    s_putc(&o, '}');
    s_opt_time(&o, "timestamp", t->timestamp);
    return s_end(&o);
}

int bitten_encode_trade_result(const bitten_trade_result_t *r, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_TRADE_RESULT);
    s_field_id(&o, "signal_id", r->signal_id);
    s_field_enum(&o, "status", bitten_result_status_str(r->status));
    s_opt_int(&o, "ticket", r->has_ticket, r->ticket);
    s_opt_num(&o, "price", r->has_price, r->price);
    s_opt_num(&o, "close_price", r->has_close_price, r->close_price);
    s_opt_num(&o, "profit", r->has_profit, r->profit);
    s_opt_num(&o, "lot", r->has_lot, r->lot);
    s_opt_num(&o, "balance", r->has_balance, r->balance);
    s_opt_num(&o, "equity", r->has_equity, r->equity);
    s_opt_num(&o, "margin", r->has_margin, r->margin);
    s_opt_text(&o, "message", r->message, BITTEN_TEXT_MAX);
    s_opt_time(&o, "timestamp", r->timestamp);
    s_opt_id(&o, "uuid", r->uuid);
    return s_end(&o);
}

int bitten_encode_ea_heartbeat(const bitten_ea_heartbeat_t *h, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_HEARTBEAT);
    s_opt_id(&o, "uuid", h->uuid);
    s_opt_num(&o, "balance", h->has_balance, h->balance);
    s_opt_num(&o, "equity", h->has_equity, h->equity);
    s_opt_int(&o, "positions", h->has_positions, h->positions);
    s_opt_time(&o, "timestamp", h->timestamp);
    return s_end(&o);
}

int bitten_encode_ea_error(const bitten_ea_error_t *e, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_ERROR);
    s_opt_id(&o, "signal_id", e->signal_id);
    s_field_str(&o, "error", e->error, BITTEN_TEXT_MAX);
    s_opt_id(&o, "uuid", e->uuid);
    s_opt_time(&o, "timestamp", e->timestamp);
    return s_end(&o);
}

int bitten_encode_ea_status(const bitten_ea_status_t *s, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_STATUS);
    s_field_enum(&o, "status", bitten_ea_status_kind_str(s->status));
    s_opt_text(&o, "ea_version", s->ea_version, BITTEN_NAME_MAX);
    s_opt_int(&o, "account", s->has_account, s->account);
    s_opt_text(&o, "server", s->server, BITTEN_NAME_MAX);
    s_opt_id(&o, "uuid", s->uuid);
    s_opt_time(&o, "timestamp", s->timestamp);
    return s_end(&o);
}

int bitten_encode_pong(const bitten_pong_t *p, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_PONG);
    s_field_id(&o, "ping_id", p->ping_id);
    s_opt_id(&o, "uuid", p->uuid);
    s_opt_time(&o, "timestamp", p->timestamp);
    return s_end(&o);
}

int bitten_encode_tick(const bitten_tick_t *t, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_TICK);
    s_check(&o, bitten_valid_symbol(t->symbol));
    s_field_str(&o, "symbol", t->symbol, BITTEN_SYMBOL_MAX);
    s_field_num(&o, "bid", t->bid);
    s_field_num(&o, "ask", t->ask);
    s_opt_num(&o, "spread", t->has_spread, t->spread);
    s_field_num(&o, "volume", t->volume);
    s_field_time(&o, "timestamp", t->timestamp);
    s_opt_id(&o, "uuid", t->uuid);
    return s_end(&o);
}

int bitten_encode_handshake(const bitten_handshake_t *h, char *buf, size_t size)
{
    s_out_t o;
    s_begin(&o, buf, size, BITTEN_FRAME_HANDSHAKE);
    s_field_id(&o, "uuid", h->uuid);
    s_opt_int(&o, "account", h->has_account, h->account);
    s_opt_text(&o, "broker", h->broker, BITTEN_NAME_MAX);
    s_opt_text(&o, "server", h->server, BITTEN_NAME_MAX);
    s_opt_text(&o, "symbols", h->symbols, BITTEN_SYMLIST_MAX);
    s_opt_num(&o, "balance", h->has_balance, h->balance);
    s_opt_num(&o, "equity", h->has_equity, h->equity);
    s_opt_time(&o, "timestamp", h->timestamp);
    return s_end(&o);
}
