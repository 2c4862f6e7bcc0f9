/*  decode.c: one JSON frame -> a validated bitten_frame_t, field by field.
 *  Every refusal names a reason code and the field at fault; the parse is jv.h's. */

#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bitten/dialect.h"
#include "bitten/proto.h"
#include "proto/jv.h"
#include "proto_internal.h"

/*  Accepted values. Wide enough for any real account, narrow enough to catch garbage
 *  (uninitialised doubles, points sent as prices, ms sent as seconds).
 *
 *  field                                  accepted               note
 *  bid, ask, candle open/high/low/close   (0, 1e7)               ask >= bid; low <= o,c <= high
 *  trade_result price, close_price        0 or (0, 1e7)          0 = absent (EAs send 0 on
 *  trade_result lot                       0 or (0, 1000]           a failed order)
 *  signal lot                             buy/sell (0, 1000]     close/close_all [0, 1000]
 *  balance, equity, profit, free_margin,  [-1e12, 1e12]          equity, profit go negative
 *    margin_level
 *  margin                                 [0, 1e12]
 *  spread (points)                        [0, 1e6]
 *  volume                                 [0, 1e15]
 *  positions                              integer 0..10000
 *  ticket, account (login)                integer >= 0
 *  leverage                               integer 0..1e6
 *  sl, tp (points)                        integer 0..1e7
 *  config value                           any finite number
 *  timestamps                             2000-01-01 .. 2100-01-01 UTC (excluded)
 *  ids, symbols, free text                bitten_valid_id/_symbol and the *_MAX limits
 *
 *  Integer fields also take reals with an integral value (MQL5 writes 3.0). JSON null counts
 *  as absent, and so does "" for an optional id: EAs write both for "not set". */

typedef struct {
    double lo, hi;
    bool lo_open, hi_open; /* exclusive bounds */
} s_range_t;

typedef struct {
    int64_t lo, hi;
} s_irange_t;

static const s_range_t S_PRICE = {0.0, 1e7, true, true};
static const s_range_t S_PRICE_OR_ZERO = {0.0, 1e7, false, true};
static const s_range_t S_MONEY = {-1e12, 1e12, false, false};
static const s_range_t S_MARGIN = {0.0, 1e12, false, false};
static const s_range_t S_LOT = {0.0, 1000.0, true, false};
static const s_range_t S_LOT_OR_ZERO = {0.0, 1000.0, false, false};
static const s_range_t S_SPREAD = {0.0, 1e6, false, false};
static const s_range_t S_VOLUME = {0.0, 1e15, false, false};
static const s_range_t S_ANY = {-DBL_MAX, DBL_MAX, false, false};
static const s_irange_t S_POSITIONS = {0, 10000};
static const s_irange_t S_TICKET = {0, INT64_MAX};
static const s_irange_t S_LEVERAGE = {0, 1000000};
static const s_irange_t S_POINTS = {0, 10000000};

/*  Reals beyond this cannot be converted to int64_t without undefined behaviour. */
#define S_INT64_REAL_LIMIT 9.2e18

static const char *const S_UUID_KEYS[] = {"uuid", "user_uuid", "target_uuid"};
#define S_UUID_KEY_COUNT (sizeof S_UUID_KEYS / sizeof S_UUID_KEYS[0])

static const char *const S_TIMEFRAMES[] = {"M1", "M5", "M15", "M30", "H1", "H4", "D1"};
static const int S_TIMEFRAME_S[] = {60, 300, 900, 1800, 3600, 14400, 86400};
#define S_TIMEFRAME_COUNT ((int)(sizeof S_TIMEFRAME_S / sizeof S_TIMEFRAME_S[0]))

/*  What a dialect changes in how fields are read: the dialects as data (ea-dialects.md). */
typedef struct {
    bool server_int_time;  /* integer timestamps are server time, like the strings */
    bool broker_symbols;   /* symbols are the broker's names: EURUSDm, EURUSD.r */
    bool wrap_i32;         /* v7 prints 64-bit tickets/logins with %d: negative = low 32 bits */
    bool ping_id_optional; /* v7's pong echoes no ping_id */
} s_rules_t;

static const s_rules_t S_RULES[BITTEN_DIALECT_COUNT_] = {
    [BITTEN_DIALECT_CONTRACT] = {false, false, false, false},
    [BITTEN_DIALECT_V7] = {true, true, true, true},
    [BITTEN_DIALECT_V205] = {true, true, false, false},
    [BITTEN_DIALECT_V202] = {true, true, false, false},
};

/*  Where fields are read from, and how to name them in an error. */
typedef struct {
    const proto_jv_t *obj;
    const char *prefix; /* "", "account." or "candles[3]." */
    int utc_offset_s;   /* MT5 server time = UTC + this */
    bitten_decode_error_t *err;
    const s_rules_t *rules;
    bitten_frame_t *frame; /* for flags */
    const char *hit_key;   /* s_pick found this key in obj already: its value is hit */
    const proto_jv_t *hit;
} s_ctx_t;

/* ---------------------------------------------------------------- errors */

static int s_fail(const s_ctx_t *c, bitten_reason_t reason, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*  Fills *err and returns -1, so decoders can `return s_fail(...)`. Long names truncate. */
static int s_fail(const s_ctx_t *c, bitten_reason_t reason, const char *key, const char *fmt, ...)
{
    bitten_decode_error_t *err = c->err;
    err->reason = reason;
    snprintf(err->field, sizeof err->field, "%s%s", key[0] ? c->prefix : "", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return -1;
}

static int s_absent(const s_ctx_t *c, const char *key, bool required)
{
    return required ? s_fail(c, BITTEN_R_MISSING_FIELD, key, "required") : 0;
}

/* ---------------------------------------------------------------- parse failures */

static bool s_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool s_is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*  ASCII only: the locale must not change what a frame means. */
static bool s_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/*  Best effort: the key of `"key": <token>` when the bad token at start is an object member,
 *  so a NaN or 1e999 is reported against its field. Leaves key "" otherwise. */
static void s_key_before(const char *data, size_t start, char *key, size_t cap)
{
    size_t p = start;
    while (p > 0 && (data[p - 1] == '-' || data[p - 1] == '+'))
        p--;
    while (p > 0 && s_is_space(data[p - 1]))
        p--;
    if (p == 0 || data[p - 1] != ':')
        return;
    p--;
    while (p > 0 && s_is_space(data[p - 1]))
        p--;
    if (p == 0 || data[p - 1] != '"')
        return;
    size_t end = p - 1, q = end;
    while (q > 0 && data[q - 1] != '"')
        q--;
    if (q == 0)
        return;
    size_t n = end - q < cap - 1 ? end - q : cap - 1;
    memcpy(key, data + q, n);
    key[n] = '\0';
}

/*  jansson reports NaN/Infinity as "invalid token" with the position at or just after the
 *  token (after the sign for "-Infinity"): find the word and tell them from other garbage. */
static bool s_nonfinite_token(const char *data, size_t len, size_t pos, size_t *start)
{
    size_t p = pos;
    while (p > 0 && s_is_alpha(data[p - 1]))
        p--;
    char word[9] = "";
    size_t n = 0;
    while (p + n < len && n < sizeof word - 1 && s_is_alpha(data[p + n])) {
        word[n] = data[p + n];
        n++;
    }
    word[n] = '\0';
    *start = p;
    bool more = p + n < len && s_is_alpha(data[p + n]);
    return !more && (s_ieq(word, "nan") || s_ieq(word, "inf") || s_ieq(word, "infinity"));
}

static int s_parse_failure(const s_ctx_t *c, const char *data, size_t len, const json_error_t *je)
{
    size_t pos = je->position < 0 ? 0 : (size_t)je->position;
    if (pos > len)
        pos = len;
    char key[sizeof c->err->field] = "";
    size_t start = pos;
    enum json_error_code code = json_error_code(je);
    if (code == json_error_numeric_overflow) {
        while (start > 0 && s_is_number_char(data[start - 1]))
            start--;
        s_key_before(data, start, key, sizeof key);
        /* A real that overflows is not finite; a 20-digit integer is valid JSON, just too big. */
        bool real = strncmp(je->text, "real", 4) == 0;
        return s_fail(c, real ? BITTEN_R_NOT_FINITE : BITTEN_R_OUT_OF_RANGE, key, "%s", je->text);
    }
    if (code == json_error_invalid_syntax && s_nonfinite_token(data, len, pos, &start)) {
        s_key_before(data, start, key, sizeof key);
        return s_fail(c, BITTEN_R_NOT_FINITE, key, "%s", je->text);
    }
    return s_fail(c, BITTEN_R_BAD_JSON, "", "%s at byte %d", je->text, je->position);
}

/* ---------------------------------------------------------------- field readers */

/*  Each reader writes its default when the field is absent and returns 0 or -1 (err set). */

static const proto_jv_t *s_lookup(const s_ctx_t *c, const char *key)
{
    const proto_jv_t *v = c->hit_key != NULL && strcmp(c->hit_key, key) == 0
                          ? c->hit
                          : proto_jv_get(c->obj, key);
    return proto_jv_is_null(v) ? NULL : v;
}

/*  A string of at most cap - 1 bytes copied into dst. */
static int s_str(const s_ctx_t *c, const char *key, bool required, char *dst, size_t cap)
{
    dst[0] = '\0';
    const proto_jv_t *v = s_lookup(c, key);
    if (v == NULL)
        return s_absent(c, key, required);
    if (!proto_jv_is_string(v))
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected string");
    size_t n = proto_jv_string_length(v);
    if (n >= cap)
        return s_fail(c, BITTEN_R_STRING_TOO_LONG, key, "%zu bytes > %zu", n, cap - 1);
    memcpy(dst, proto_jv_string(v), n + 1);
    return 0;
}

/*  Free text an EA reports about a trade (message, error) is cut to fit, never refused:
 *  refusing it would lose the result it travels with. Cut at a UTF-8 character boundary. */
static int s_text(const s_ctx_t *c, const char *key, bool required, char *dst, size_t cap)
{
    dst[0] = '\0';
    const proto_jv_t *v = s_lookup(c, key);
    if (v == NULL)
        return s_absent(c, key, required);
    if (!proto_jv_is_string(v))
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected string");
    size_t n = proto_jv_string_length(v);
    const char *text = proto_jv_string(v);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, text, n);
    dst[n] = '\0';
    return 0;
}

static int s_id(const s_ctx_t *c, const char *key, bool required, char *dst)
{
    if (s_str(c, key, required, dst, BITTEN_ID_MAX + 1) != 0)
        return -1;
    if (dst[0] == '\0' && !required)
        return 0;
    if (!bitten_valid_id(dst))
        return s_fail(c, BITTEN_R_BAD_FORMAT, key, "not 1-64 of [A-Za-z0-9_.:-]");
    return 0;
}

/*  Lower case is refused, not fixed: the symbol table and the EA both use the broker's case. */
static int s_symbol(const s_ctx_t *c, const char *key, bool required, char *dst)
{
    if (s_str(c, key, required, dst, BITTEN_SYMBOL_MAX + 1) != 0)
        return -1;
    if (dst[0] == '\0' && !required)
        return 0;
    if (c->rules->broker_symbols && !bitten_valid_broker_symbol(dst))
        return s_fail(c, BITTEN_R_BAD_FORMAT, key, "'%s' is not 1-16 of [A-Za-z0-9._#+-]", dst);
    if (!c->rules->broker_symbols && !bitten_valid_symbol(dst))
        return s_fail(c, BITTEN_R_BAD_FORMAT, key, "'%s' is not 3-16 of [A-Z0-9._]", dst);
    return 0;
}

/*  The account id under any of its three names; they must agree when several are present. */
static int s_uuid(const s_ctx_t *c, bool required, char *dst)
{
    char alias[BITTEN_ID_MAX + 1];
    const char *first = NULL;
    dst[0] = '\0';
    for (size_t i = 0; i < S_UUID_KEY_COUNT; i++) {
        if (s_id(c, S_UUID_KEYS[i], false, alias) != 0)
            return -1;
        if (alias[0] == '\0')
            continue;
        if (first != NULL && strcmp(dst, alias) != 0)
            return s_fail(c, BITTEN_R_CONFLICTING_FIELDS, S_UUID_KEYS[i], "differs from %s", first);
        if (first == NULL) {
            memcpy(dst, alias, strlen(alias) + 1);
            first = S_UUID_KEYS[i];
        }
    }
    if (required && first == NULL)
        return s_fail(c, BITTEN_R_MISSING_FIELD, "uuid", "required (or user_uuid/target_uuid)");
    return 0;
}

static bool s_in_range(const s_range_t *r, double v)
{
    bool lo_ok = r->lo_open ? v > r->lo : v >= r->lo;
    bool hi_ok = r->hi_open ? v < r->hi : v <= r->hi;
    return lo_ok && hi_ok;
}

/*  has may be NULL for required fields. */
static int s_num(const s_ctx_t *c, const char *key, bool required, const s_range_t *r, double *out,
                 bool *has)
{
    *out = 0.0;
    if (has != NULL)
        *has = false;
    const proto_jv_t *v = s_lookup(c, key);
    if (v == NULL)
        return s_absent(c, key, required);
    if (!proto_jv_is_number(v))
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected number");
    double d = proto_jv_number(v);
    if (!isfinite(d))
        return s_fail(c, BITTEN_R_NOT_FINITE, key, "not finite");
    if (!s_in_range(r, d))
        return s_fail(c, BITTEN_R_OUT_OF_RANGE, key, "%g outside %s%g, %g%s", d,
                      r->lo_open ? "(" : "[", r->lo, r->hi, r->hi_open ? ")" : "]");
    *out = d;
    if (has != NULL)
        *has = true;
    return 0;
}

/*  A number where 0 means "not given" (trade_result price/lot on a failed order). */
static int s_num_zero_absent(const s_ctx_t *c, const char *key, const s_range_t *r, double *out,
                             bool *has)
{
    if (s_num(c, key, false, r, out, has) != 0)
        return -1;
    *has = *has && *out != 0.0;
    return 0;
}

static int s_int(const s_ctx_t *c, const char *key, bool required, const s_irange_t *r,
                 int64_t *out, bool *has)
{
    *out = 0;
    if (has != NULL)
        *has = false;
    const proto_jv_t *v = s_lookup(c, key);
    if (v == NULL)
        return s_absent(c, key, required);
    int64_t i;
    if (proto_jv_is_integer(v)) {
        i = proto_jv_integer(v);
    } else if (proto_jv_is_real(v)) {
        double d = proto_jv_real(v);
        if (!isfinite(d))
            return s_fail(c, BITTEN_R_NOT_FINITE, key, "not finite");
        if (d != trunc(d))
            return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected integer, got %g", d);
        if (d < -S_INT64_REAL_LIMIT || d > S_INT64_REAL_LIMIT)
            return s_fail(c, BITTEN_R_OUT_OF_RANGE, key, "%g does not fit 64 bits", d);
        i = (int64_t)d;
    } else {
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected integer");
    }
    if (i < r->lo || i > r->hi)
        return s_fail(c, BITTEN_R_OUT_OF_RANGE, key, "%lld outside [%lld, %lld]", (long long)i,
                      (long long)r->lo, (long long)r->hi);
    *out = i;
    if (has != NULL)
        *has = true;
    return 0;
}

/*  A deal ticket or login: >= 0, except that v7's "%d" turns values >= 2^31 into their signed
 *  low 32 bits; those are taken back (+2^32, exact below 2^32) and the frame is flagged. */
static int s_ticket(const s_ctx_t *c, const char *key, int64_t *out, bool *has)
{
    static const s_irange_t wrapped = {INT32_MIN, INT64_MAX};
    if (s_int(c, key, false, c->rules->wrap_i32 ? &wrapped : &S_TICKET, out, has) != 0)
        return -1;
    if (*out < 0) {
        *out += (int64_t)1 << 32;
        c->frame->flags |= BITTEN_FRAME_F_I32_WRAP;
    }
    return 0;
}

/*  A string in any accepted form, or a number of epoch seconds. Absent = 0. */
static int s_time(const s_ctx_t *c, const char *key, bool required, bitten_ms_t *out)
{
    *out = 0;
    const proto_jv_t *v = s_lookup(c, key);
    if (v == NULL)
        return s_absent(c, key, required);
    bitten_ms_t ms;
    if (proto_jv_is_string(v))
        ms = bitten_parse_time_str(proto_jv_string(v), c->utc_offset_s);
    else if (proto_jv_is_number(v) && c->rules->server_int_time)
        ms = bitten_time_from_epoch(proto_jv_number(v) - (double)c->utc_offset_s);
    else if (proto_jv_is_number(v))
        ms = bitten_time_from_epoch(proto_jv_number(v));
    else
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected time string or epoch seconds");
    if (ms < 0)
        return s_fail(c, BITTEN_R_BAD_TIMESTAMP, key,
                      "not ISO-8601, MT5 time or epoch seconds in 2000..2100");
    *out = ms;
    return 0;
}

/*  A required string naming one of names (any case); *out is its index. */
static int s_enum(const s_ctx_t *c, const char *key, const char *const *names, int count, int *out)
{
    const proto_jv_t *v = s_lookup(c, key);
    if (v == NULL)
        return s_absent(c, key, true);
    if (!proto_jv_is_string(v))
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected string");
    for (int i = 0; i < count; i++) {
        if (s_ieq(proto_jv_string(v), names[i])) {
            *out = i;
            return 0;
        }
    }
    return s_fail(c, BITTEN_R_BAD_FORMAT, key, "'%.40s' is not an accepted value",
                  proto_jv_string(v));
}

/* ---------------------------------------------------------------- feedback frames */

/*  Optional account fields live in "account" when it is there, else at top level. The
 *  context picked remembers what it found (in *scratch), so the reader looks it up once. */
static const s_ctx_t *s_pick(const s_ctx_t *account, const s_ctx_t *top, const char *key,
                             s_ctx_t *scratch)
{
    const proto_jv_t *v = proto_jv_get(account->obj, key);
    if (v == NULL && account->obj != top->obj)
        return top;
    *scratch = v != NULL ? *account : *top;
    scratch->hit_key = key;
    scratch->hit = v;
    return scratch;
}

static int s_telemetry(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_telemetry_t *t = &out->u.telemetry;
    memset(t, 0, sizeof *t);
    s_ctx_t a = *c, k;
    const proto_jv_t *account = s_lookup(c, "account");
    if (account != NULL && !proto_jv_is_object(account))
        return s_fail(c, BITTEN_R_WRONG_TYPE, "account", "expected object");
    if (account != NULL) {
        a.obj = account;
        a.prefix = "account.";
    }
    if (s_uuid(c, true, t->uuid) || s_num(&a, "balance", true, &S_MONEY, &t->balance, NULL) ||
        s_num(&a, "equity", true, &S_MONEY, &t->equity, NULL) ||
        s_num(s_pick(&a, c, "margin", &k), "margin", false, &S_MARGIN, &t->margin,
              &t->has_margin) ||
        s_num(s_pick(&a, c, "free_margin", &k), "free_margin", false, &S_MONEY, &t->free_margin,
              &t->has_free_margin) ||
        s_num(s_pick(&a, c, "profit", &k), "profit", false, &S_MONEY, &t->profit, &t->has_profit) ||
        s_num(s_pick(&a, c, "margin_level", &k), "margin_level", false, &S_MONEY, &t->margin_level,
              &t->has_margin_level) ||
        s_int(s_pick(&a, c, "positions", &k), "positions", false, &S_POSITIONS, &t->positions,
              &t->has_positions) ||
        s_str(s_pick(&a, c, "currency", &k), "currency", false, t->currency, sizeof t->currency) ||
        s_int(s_pick(&a, c, "leverage", &k), "leverage", false, &S_LEVERAGE, &t->leverage,
              &t->has_leverage) ||
        s_time(c, "timestamp", false, &t->timestamp))
        return -1;
    return 0;
}

static int s_trade_result(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_trade_result_t *r = &out->u.trade_result;
    memset(r, 0, sizeof *r);
    int status = 0;
    if (s_id(c, "signal_id", true, r->signal_id) ||
        s_enum(c, "status", proto_result_names, PROTO_RESULT_STATUS_COUNT, &status) ||
        s_uuid(c, false, r->uuid) ||
        s_ticket(c, "ticket", &r->ticket, &r->has_ticket) ||
        s_num_zero_absent(c, "price", &S_PRICE_OR_ZERO, &r->price, &r->has_price) ||
        s_num_zero_absent(c, "close_price", &S_PRICE_OR_ZERO, &r->close_price,
                          &r->has_close_price) ||
        s_num(c, "profit", false, &S_MONEY, &r->profit, &r->has_profit) ||
        s_num(c, "balance", false, &S_MONEY, &r->balance, &r->has_balance) ||
        s_num(c, "equity", false, &S_MONEY, &r->equity, &r->has_equity) ||
        s_num(c, "margin", false, &S_MARGIN, &r->margin, &r->has_margin) ||
        s_num_zero_absent(c, "lot", &S_LOT_OR_ZERO, &r->lot, &r->has_lot) ||
        s_text(c, "message", false, r->message, sizeof r->message) ||
        s_time(c, "timestamp", false, &r->timestamp))
        return -1;
    r->status = (bitten_result_status_t)status;
    return 0;
}

static int s_ea_heartbeat(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_heartbeat_t *h = &out->u.heartbeat;
    memset(h, 0, sizeof *h);
    if (s_uuid(c, false, h->uuid) ||
        s_num(c, "balance", false, &S_MONEY, &h->balance, &h->has_balance) ||
        s_num(c, "equity", false, &S_MONEY, &h->equity, &h->has_equity) ||
        s_int(c, "positions", false, &S_POSITIONS, &h->positions, &h->has_positions) ||
        s_time(c, "timestamp", false, &h->timestamp))
        return -1;
    return 0;
}

static int s_ea_error(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_error_t *e = &out->u.error;
    memset(e, 0, sizeof *e);
    if (s_text(c, "error", true, e->error, sizeof e->error) ||
        s_id(c, "signal_id", false, e->signal_id) || s_uuid(c, false, e->uuid) ||
        s_time(c, "timestamp", false, &e->timestamp))
        return -1;
    return 0;
}

static int s_ea_status(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_status_t *s = &out->u.status;
    memset(s, 0, sizeof *s);
    int kind = 0;
    if (s_enum(c, "status", proto_ea_status_names, PROTO_EA_STATUS_COUNT, &kind) ||
        s_str(c, "ea_version", false, s->ea_version, sizeof s->ea_version) ||
        s_ticket(c, "account", &s->account, &s->has_account) ||
        s_str(c, "server", false, s->server, sizeof s->server) || s_uuid(c, false, s->uuid) ||
        s_time(c, "timestamp", false, &s->timestamp))
        return -1;
    s->status = (bitten_ea_status_kind_t)kind;
    return 0;
}

static int s_pong(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_pong_t *p = &out->u.pong;
    memset(p, 0, sizeof *p);
    if (s_id(c, "ping_id", !c->rules->ping_id_optional, p->ping_id) || s_uuid(c, false, p->uuid) ||
        s_time(c, "timestamp", false, &p->timestamp))
        return -1;
    return 0;
}

/*  node_id (the recorded EA sends one) is ignored like any unknown field. */
static int s_tick(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_tick_t *t = &out->u.tick;
    memset(t, 0, sizeof *t);
    if (s_symbol(c, "symbol", true, t->symbol) || s_num(c, "bid", true, &S_PRICE, &t->bid, NULL) ||
        s_num(c, "ask", true, &S_PRICE, &t->ask, NULL) ||
        s_num(c, "spread", false, &S_SPREAD, &t->spread, &t->has_spread) ||
        s_num(c, "volume", false, &S_VOLUME, &t->volume, NULL) ||
        s_time(c, "timestamp", true, &t->timestamp) || s_uuid(c, false, t->uuid))
        return -1;
    if (t->ask < t->bid)
        return s_fail(c, BITTEN_R_OUT_OF_RANGE, "ask", "ask %g below bid %g", t->ask, t->bid);
    return 0;
}

/*  time, open, high, low, close, volume of the object e reads. */
static int s_candle_fields(const s_ctx_t *e, bitten_candle_t *k)
{
    if (s_time(e, "time", true, &k->time) || s_num(e, "open", true, &S_PRICE, &k->open, NULL) ||
        s_num(e, "high", true, &S_PRICE, &k->high, NULL) ||
        s_num(e, "low", true, &S_PRICE, &k->low, NULL) ||
        s_num(e, "close", true, &S_PRICE, &k->close, NULL) ||
        s_num(e, "volume", false, &S_VOLUME, &k->volume, NULL))
        return -1;
    if (k->high < fmax(k->open, k->close) || k->high < k->low)
        return s_fail(e, BITTEN_R_OUT_OF_RANGE, "high", "high %g below open/close/low", k->high);
    if (k->low > fmin(k->open, k->close))
        return s_fail(e, BITTEN_R_OUT_OF_RANGE, "low", "low %g above open/close", k->low);
    return 0;
}

/*  One element of the array named array; errors name it "array[i].field". */
static int s_candle(const s_ctx_t *c, const char *array, const proto_jv_t *v, size_t i,
                    bitten_candle_t *k)
{
    char prefix[24];
    snprintf(prefix, sizeof prefix, "%s[%zu].", array, i);
    if (!proto_jv_is_object(v)) {
        prefix[strlen(prefix) - 1] = '\0'; /* "candles[i]" names the element itself */
        return s_fail(c, BITTEN_R_WRONG_TYPE, prefix, "expected object");
    }
    s_ctx_t e = *c;
    e.obj = v;
    e.prefix = prefix;
    return s_candle_fields(&e, k);
}

/*  Appends the array key (required) as the batch's next series of timeframe_s. */
static int s_candle_series(const s_ctx_t *c, const char *key, int timeframe_s,
                           bitten_candle_batch_t *b)
{
    const proto_jv_t *candles = s_lookup(c, key);
    if (candles == NULL)
        return s_absent(c, key, true);
    if (!proto_jv_is_array(candles))
        return s_fail(c, BITTEN_R_WRONG_TYPE, key, "expected array");
    size_t first = b->series_count == 0 ? 0 : b->series[b->series_count - 1].first +
                                                  b->series[b->series_count - 1].count;
    size_t n = proto_jv_array_size(candles);
    if (n > BITTEN_BATCH_MAX - first)
        return s_fail(c, BITTEN_R_OUT_OF_RANGE, key, "%zu candles > %d", first + n,
                      BITTEN_BATCH_MAX);
    for (size_t i = 0; i < n; i++) {
        if (s_candle(c, key, proto_jv_array_get(candles, i), i, &b->candles[first + i]) != 0)
            return -1;
    }
    b->series[b->series_count++] = (bitten_candle_series_t){timeframe_s, first, n};
    b->timeframe_s = b->series[0].timeframe_s;
    b->count = b->series[0].count;
    return 0;
}

/*  The batch member is ~40 kB: only the header and the candles actually present are written. */
static int s_candle_batch(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_candle_batch_t *b = &out->u.candle_batch;
    b->count = 0;
    b->series_count = 0;
    int tf = 0;
    if (s_uuid(c, false, b->uuid) || s_symbol(c, "symbol", true, b->symbol) ||
        s_enum(c, "timeframe", S_TIMEFRAMES, S_TIMEFRAME_COUNT, &tf))
        return -1;
    b->timeframe_s = S_TIMEFRAME_S[tf];
    return s_candle_series(c, "candles", S_TIMEFRAME_S[tf], b);
}

static int s_handshake(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_handshake_t *h = &out->u.handshake;
    memset(h, 0, sizeof *h);
    if (s_uuid(c, true, h->uuid) ||
        s_int(c, "account", false, &S_TICKET, &h->account, &h->has_account) ||
        s_str(c, "broker", false, h->broker, sizeof h->broker) ||
        s_str(c, "server", false, h->server, sizeof h->server) ||
        s_str(c, "symbols", false, h->symbols, sizeof h->symbols) ||
        s_num(c, "balance", false, &S_MONEY, &h->balance, &h->has_balance) ||
        s_num(c, "equity", false, &S_MONEY, &h->equity, &h->has_equity) ||
        s_time(c, "timestamp", false, &h->timestamp))
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- command frames */

static int s_signal(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_signal_cmd_t *s = &out->u.signal;
    memset(s, 0, sizeof *s);
    int action = 0;
    if (s_id(c, "signal_id", true, s->signal_id) ||
        s_enum(c, "action", proto_action_names, PROTO_ACTION_COUNT, &action))
        return -1;
    s->action = (bitten_action_t)action;
    bool opens = s->action == BITTEN_ACTION_BUY || s->action == BITTEN_ACTION_SELL;
    /* close_all may name no symbol; close actions carry lot 0. */
    if (s_symbol(c, "symbol", s->action != BITTEN_ACTION_CLOSE_ALL, s->symbol) ||
        s_num(c, "lot", true, opens ? &S_LOT : &S_LOT_OR_ZERO, &s->lot, NULL) ||
        s_int(c, "sl", false, &S_POINTS, &s->sl, NULL) ||
        s_int(c, "tp", false, &S_POINTS, &s->tp, NULL) ||
        s_time(c, "timestamp", false, &s->timestamp) || s_uuid(c, false, s->uuid) ||
        s_time(c, "expires_at", false, &s->expires_at))
        return -1;
    return 0;
}

static int s_keepalive(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_keepalive_t *k = &out->u.keepalive;
    k->timestamp = 0;
    return s_time(c, "timestamp", false, &k->timestamp);
}

static int s_ping(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ping_t *p = &out->u.ping;
    memset(p, 0, sizeof *p);
    if (s_id(c, "ping_id", true, p->ping_id) || s_time(c, "timestamp", false, &p->timestamp))
        return -1;
    return 0;
}

static int s_ea_command(const s_ctx_t *c, bitten_frame_t *out)
{
    int cmd = 0;
    if (s_enum(c, "command", proto_ea_cmd_names, PROTO_EA_CMD_COUNT, &cmd) != 0)
        return -1;
    out->u.command.command = (bitten_ea_cmd_t)cmd;
    return 0;
}

static int s_ea_config(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_config_t *cfg = &out->u.config;
    int param = 0;
    if (s_enum(c, "param", proto_ea_param_names, PROTO_EA_PARAM_COUNT, &param) ||
        s_num(c, "value", true, &S_ANY, &cfg->value, NULL))
        return -1;
    cfg->param = (bitten_ea_param_t)param;
    return 0;
}

/* ---------------------------------------------------------------- EA dialect frames */

/*  Names of things (broker, server, company) are information, not keys: cut to fit. */
#define S_NAME(c, key, dst) s_text(c, key, false, dst, sizeof(dst))

static const s_irange_t S_COUNT = {0, 1000000000};

/*  v7 candle_batch: {"M1":[..],"M5":[..],"M15":[..]} and no timeframe (ea-dialects.md 3.2). */
static int s_v7_candle_batch(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_candle_batch_t *b = &out->u.candle_batch;
    b->count = 0;
    b->series_count = 0;
    bitten_ms_t ts = 0;
    if (s_uuid(c, false, b->uuid) || s_symbol(c, "symbol", true, b->symbol) ||
        s_time(c, "timestamp", false, &ts) || s_candle_series(c, "M1", 60, b) ||
        s_candle_series(c, "M5", 300, b) || s_candle_series(c, "M15", 900, b))
        return -1;
    return 0;
}

/*  v2.x OHLC: one closed bar, integer server-time "time", no volume. */
static int s_ohlc(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_candle_batch_t *b = &out->u.candle_batch;
    memset(b, 0, offsetof(bitten_candle_batch_t, candles) + sizeof b->candles[0]);
    int tf = 0;
    bitten_ms_t ts = 0;
    if (s_uuid(c, false, b->uuid) || s_symbol(c, "symbol", true, b->symbol) ||
        s_enum(c, "timeframe", S_TIMEFRAMES, S_TIMEFRAME_COUNT, &tf) ||
        s_time(c, "timestamp", false, &ts))
        return -1;
    if (s_candle_fields(c, &b->candles[0]) != 0)
        return -1;
    b->series_count = 1;
    b->series[0] = (bitten_candle_series_t){S_TIMEFRAME_S[tf], 0, 1};
    b->timeframe_s = S_TIMEFRAME_S[tf];
    b->count = 1;
    return 0;
}

/*  Account fields of v2.x heartbeat / HEARTBEAT and v7 heartbeat, all optional. */
static int s_d_heartbeat(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_heartbeat_t *h = &out->u.heartbeat;
    if (s_ea_heartbeat(c, out) || s_num(c, "margin", false, &S_MARGIN, &h->margin, &h->has_margin) ||
        s_num(c, "free_margin", false, &S_MONEY, &h->free_margin, &h->has_free_margin) ||
        s_num(c, "margin_level", false, &S_MONEY, &h->margin_level, &h->has_margin_level) ||
        s_int(c, "leverage", false, &S_LEVERAGE, &h->leverage, &h->has_leverage) ||
        s_ticket(c, "account", &h->account, &h->has_account) ||
        s_str(c, "currency", false, h->currency, sizeof h->currency))
        return -1;
    return 0;
}

/*  v7 status_report: the account part becomes a heartbeat; the counters are not kept. */
static int s_v7_status_report(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_heartbeat_t *h = &out->u.heartbeat;
    memset(h, 0, sizeof *h);
    int64_t counter = 0;
    if (s_num(c, "account_balance", false, &S_MONEY, &h->balance, &h->has_balance) ||
        s_num(c, "account_equity", false, &S_MONEY, &h->equity, &h->has_equity) ||
        s_num(c, "account_margin", false, &S_MARGIN, &h->margin, &h->has_margin) ||
        s_int(c, "open_positions", false, &S_POSITIONS, &h->positions, &h->has_positions) ||
        s_int(c, "uptime", false, &S_TICKET, &counter, NULL) ||
        s_int(c, "messages_received", false, &S_TICKET, &counter, NULL) ||
        s_int(c, "messages_sent", false, &S_TICKET, &counter, NULL) ||
        s_int(c, "trades_executed", false, &S_TICKET, &counter, NULL) ||
        s_int(c, "errors", false, &S_TICKET, &counter, NULL) ||
        s_time(c, "timestamp", false, &h->timestamp))
        return -1;
    return 0;
}

/*  v2.x confirmation / close_confirmation as a trade_result (signal_id = fire_id or ""). */
static int s_confirmation_any(const s_ctx_t *c, bitten_frame_t *out, bool is_close)
{
    bitten_trade_result_t *r = &out->u.trade_result;
    memset(r, 0, sizeof *r);
    int status = 0;
    if (s_id(c, "fire_id", false, r->signal_id) ||
        s_str(c, "command_type", true, r->command_type, sizeof r->command_type) ||
        s_enum(c, "status", proto_result_names, PROTO_RESULT_STATUS_COUNT, &status) ||
        s_uuid(c, true, r->uuid) || s_ticket(c, "ticket", &r->ticket, &r->has_ticket) ||
        s_num_zero_absent(c, "price", &S_PRICE_OR_ZERO, &r->price, &r->has_price) ||
        s_num_zero_absent(c, "close_price", &S_PRICE_OR_ZERO, &r->close_price,
                          &r->has_close_price) ||
        s_num_zero_absent(c, "lot", &S_LOT_OR_ZERO, &r->lot, &r->has_lot) ||
        s_text(c, "message", false, r->message, sizeof r->message) ||
        s_ticket(c, "account", &r->account, &r->has_account) ||
        s_str(c, "currency", false, r->currency, sizeof r->currency) ||
        s_num(c, "balance", false, &S_MONEY, &r->balance, &r->has_balance) ||
        s_num(c, "equity", false, &S_MONEY, &r->equity, &r->has_equity) ||
        s_num(c, "free_margin", false, &S_MONEY, &r->free_margin, &r->has_free_margin) ||
        s_num(c, "margin_level", false, &S_MONEY, &r->margin_level, &r->has_margin_level) ||
        s_time(c, "timestamp", false, &r->timestamp))
        return -1;
    r->status = (bitten_result_status_t)status;
    r->is_close = is_close;
    /* ticket 0 is what the EA writes on a failure: absent, like price 0. */
    r->has_ticket = r->has_ticket && r->ticket != 0;
    return 0;
}

static int s_confirmation(const s_ctx_t *c, bitten_frame_t *out)
{
    return s_confirmation_any(c, out, false);
}

static int s_close_confirmation(const s_ctx_t *c, bitten_frame_t *out)
{
    return s_confirmation_any(c, out, true);
}

/*  v2.x handshake on 5556: broker = ACCOUNT_COMPANY, symbol_list = first 20 names. */
static int s_d_handshake(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_handshake_t *h = &out->u.handshake;
    memset(h, 0, sizeof *h);
    if (s_uuid(c, true, h->uuid) || s_ticket(c, "account", &h->account, &h->has_account) ||
        S_NAME(c, "broker", h->broker) || S_NAME(c, "server", h->server) ||
        s_symbol(c, "chart_symbol", false, h->chart_symbol) ||
        s_int(c, "monitored_symbols", false, &S_COUNT, &h->monitored_symbols,
              &h->has_monitored_symbols) ||
        s_str(c, "symbol_list", false, h->symbols, sizeof h->symbols) ||
        s_str(c, "currency", false, h->currency, sizeof h->currency) ||
        s_num(c, "balance", false, &S_MONEY, &h->balance, &h->has_balance) ||
        s_num(c, "equity", false, &S_MONEY, &h->equity, &h->has_equity) ||
        s_int(c, "leverage", false, &S_LEVERAGE, &h->leverage, &h->has_leverage) ||
        S_NAME(c, "version", h->ea_version) || s_time(c, "timestamp", false, &h->timestamp))
        return -1;
    return 0;
}

/*  v2.05 HELLO on the DEALER: broker = ACCOUNT_SERVER, company = ACCOUNT_COMPANY, the login
 *  as a quoted string, symbols = the count. */
static int s_hello(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_handshake_t *h = &out->u.handshake;
    memset(h, 0, sizeof *h);
    char login[24];
    if (s_uuid(c, true, h->uuid) || s_str(c, "account_login", false, login, sizeof login) ||
        S_NAME(c, "broker", h->server) || S_NAME(c, "company", h->broker) ||
        s_str(c, "currency", false, h->currency, sizeof h->currency) ||
        s_num(c, "balance", false, &S_MONEY, &h->balance, &h->has_balance) ||
        s_num(c, "equity", false, &S_MONEY, &h->equity, &h->has_equity) ||
        s_int(c, "leverage", false, &S_LEVERAGE, &h->leverage, &h->has_leverage) ||
        s_num(c, "margin", false, &S_MARGIN, &h->margin, &h->has_margin) ||
        s_num(c, "free_margin", false, &S_MONEY, &h->free_margin, &h->has_free_margin) ||
        s_num(c, "margin_level", false, &S_MONEY, &h->margin_level, &h->has_margin_level) ||
        s_int(c, "symbols", false, &S_COUNT, &h->monitored_symbols, &h->has_monitored_symbols) ||
        S_NAME(c, "version", h->ea_version) || s_time(c, "timestamp", false, &h->timestamp))
        return -1;
    if (login[0] != '\0') {
        char *end = NULL;
        long long v = strtoll(login, &end, 10);
        if (login[0] < '0' || login[0] > '9' || *end != '\0' || v < 0 || v == LLONG_MAX)
            return s_fail(c, BITTEN_R_BAD_FORMAT, "account_login", "'%.20s' is not a login",
                          login);
        h->account = v;
        h->has_account = true;
    }
    return 0;
}

/*  v2.x DISCONNECT (OnDeinit): the EA goes away, i.e. a shutdown status. */
static int s_disconnect(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_ea_status_t *s = &out->u.status;
    memset(s, 0, sizeof *s);
    s->status = BITTEN_EA_STATUS_SHUTDOWN;
    return s_uuid(c, true, s->uuid) || s_time(c, "timestamp", false, &s->timestamp) ? -1 : 0;
}

/*  The login the decoded struct carries, if any. */
static void s_evidence_login(bitten_frame_t *out)
{
    bitten_evidence_t *ev = &out->evidence;
    const bitten_ea_heartbeat_t *hb = &out->u.heartbeat;
    switch (out->type) {
    case BITTEN_FRAME_HEARTBEAT:
        ev->has_login = out->dir == BITTEN_DIR_FEEDBACK && hb->has_account;
        ev->login = ev->has_login ? hb->account : 0;
        break;
    case BITTEN_FRAME_HANDSHAKE:
        ev->has_login = out->u.handshake.has_account;
        ev->login = out->u.handshake.account;
        break;
    case BITTEN_FRAME_TRADE_RESULT:
        ev->has_login = out->u.trade_result.has_account;
        ev->login = out->u.trade_result.account;
        break;
    case BITTEN_FRAME_STATUS:
        ev->has_login = out->u.status.has_account;
        ev->login = out->u.status.account;
        break;
    default:
        break;
    }
}

/*  What an EA dialect frame says about its account (bitten_evidence_t), exactly as sent. */
static int s_evidence(const s_ctx_t *c, bitten_frame_t *out)
{
    bitten_evidence_t *ev = &out->evidence;
    if (s_id(c, "user_uuid", false, ev->user_uuid) ||
        s_id(c, "target_uuid", false, ev->target_uuid) || s_id(c, "node_id", false, ev->node_id))
        return -1;
    if (ev->user_uuid[0] == '\0' && proto_jv_is_string(proto_jv_get(c->obj, "uuid")) &&
        s_id(c, "uuid", false, ev->user_uuid) != 0)
        return -1;
    s_evidence_login(out);
    return 0;
}

/* ---------------------------------------------------------------- dispatch */

typedef int (*s_decode_fn)(const s_ctx_t *c, bitten_frame_t *out);

/*  Which wire types each dialect accepts in each direction, and as which frame type. Type
 *  names match in any case ("TICK" and "tick", "HEARTBEAT" and "heartbeat"). */
typedef struct {
    unsigned dialects; /* S_D(...) bits */
    bitten_dir_t dir;
    const char *wire;
    bitten_frame_type_t type;
    s_decode_fn decode;
} s_route_t;

#define S_D(d) (1u << BITTEN_DIALECT_##d)
#define S_C S_D(CONTRACT)
#define S_V2 (S_D(V205) | S_D(V202))
#define S_FB BITTEN_DIR_FEEDBACK
#define S_CMD BITTEN_DIR_COMMAND

static const s_route_t S_ROUTES[] = {
    {S_C, S_FB, "telemetry", BITTEN_FRAME_TELEMETRY, s_telemetry},
    {S_C | S_D(V7), S_FB, "trade_result", BITTEN_FRAME_TRADE_RESULT, s_trade_result},
    {S_C, S_FB, "heartbeat", BITTEN_FRAME_HEARTBEAT, s_ea_heartbeat},
    {S_C | S_D(V7), S_FB, "error", BITTEN_FRAME_ERROR, s_ea_error},
    {S_C | S_D(V7), S_FB, "status", BITTEN_FRAME_STATUS, s_ea_status},
    {S_C | S_D(V7) | S_D(V205), S_FB, "pong", BITTEN_FRAME_PONG, s_pong},
    {S_C | S_D(V7) | S_V2, S_FB, "tick", BITTEN_FRAME_TICK, s_tick},
    {S_C, S_FB, "candle_batch", BITTEN_FRAME_CANDLE_BATCH, s_candle_batch},
    {S_C, S_FB, "handshake", BITTEN_FRAME_HANDSHAKE, s_handshake},
    {S_D(V7), S_FB, "candle_batch", BITTEN_FRAME_CANDLE_BATCH, s_v7_candle_batch},
    {S_D(V7) | S_V2, S_FB, "heartbeat", BITTEN_FRAME_HEARTBEAT, s_d_heartbeat},
    {S_D(V7), S_FB, "status_report", BITTEN_FRAME_HEARTBEAT, s_v7_status_report},
    {S_V2, S_FB, "ohlc", BITTEN_FRAME_CANDLE_BATCH, s_ohlc},
    {S_V2, S_FB, "handshake", BITTEN_FRAME_HANDSHAKE, s_d_handshake},
    {S_V2, S_FB, "disconnect", BITTEN_FRAME_STATUS, s_disconnect},
    {S_V2, S_FB, "confirmation", BITTEN_FRAME_TRADE_RESULT, s_confirmation},
    {S_V2, S_FB, "close_confirmation", BITTEN_FRAME_TRADE_RESULT, s_close_confirmation},
    {S_D(V205), S_FB, "hello", BITTEN_FRAME_HANDSHAKE, s_hello},
    {S_C, S_CMD, "signal", BITTEN_FRAME_SIGNAL, s_signal},
    {S_C, S_CMD, "heartbeat", BITTEN_FRAME_HEARTBEAT, s_keepalive},
    {S_C, S_CMD, "ping", BITTEN_FRAME_PING, s_ping},
    {S_C, S_CMD, "command", BITTEN_FRAME_COMMAND, s_ea_command},
    {S_C, S_CMD, "config", BITTEN_FRAME_CONFIG, s_ea_config},
};

static const s_route_t *s_find_route(bitten_dialect_t dialect, bitten_dir_t dir, const char *name)
{
    for (size_t i = 0; i < sizeof S_ROUTES / sizeof S_ROUTES[0]; i++) {
        const s_route_t *r = &S_ROUTES[i];
        if ((r->dialects & (1u << dialect)) && r->dir == dir && s_ieq(name, r->wire))
            return r;
    }
    return NULL;
}

static const char *s_json_kind(const proto_jv_t *v)
{
    switch (v->type) {
    case PROTO_JV_ARRAY:
        return "an array";
    case PROTO_JV_STRING:
        return "a string";
    case PROTO_JV_INTEGER:
    case PROTO_JV_REAL:
        return "a number";
    default:
        return "a literal";
    }
}

/*  snprintf(dst, cap, "%s", src) without the formatter (twice per frame on the hot path). */
static void s_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int s_decode_root(const s_ctx_t *c, bitten_dialect_t dialect, bitten_dir_t dir,
                         bitten_frame_t *out)
{
    if (!proto_jv_is_object(c->obj))
        return s_fail(c, BITTEN_R_NOT_OBJECT, "", "top level is %s", s_json_kind(c->obj));
    const proto_jv_t *type = proto_jv_get(c->obj, "type");
    if (!proto_jv_is_string(type))
        return s_fail(c, BITTEN_R_MISSING_TYPE, "type", type ? "not a string" : "absent");
    const s_route_t *route = s_find_route(dialect, dir, proto_jv_string(type));
    if (route == NULL)
        return s_fail(c, BITTEN_R_UNKNOWN_TYPE, "type", "'%.40s' on the %s channel (%s)",
                      proto_jv_string(type), dir == BITTEN_DIR_COMMAND ? "command" : "feedback",
                      bitten_dialect_str(dialect));
    out->type = route->type;
    out->dir = dir;
    out->dialect = dialect;
    s_copy(out->wire_type, sizeof out->wire_type, proto_jv_string(type));
    if (route->decode(c, out) != 0)
        return -1;
    if (dialect != BITTEN_DIALECT_CONTRACT)
        return s_evidence(c, out);
    /* The contract's uuid/user_uuid/target_uuid are one field, already checked. */
    s_copy(out->evidence.user_uuid, sizeof out->evidence.user_uuid, bitten_frame_uuid(out));
    s_evidence_login(out);
    return 0;
}

/* ---------------------------------------------------------------- the parse */

/*  Parses data (already valid for the dialect's charset) and decodes it. */
static int s_decode_bytes(s_ctx_t *c, bitten_dialect_t dialect, bitten_dir_t dir,
                          const char *data, size_t len, bitten_frame_t *out)
{
    json_error_t je;
    const proto_jv_t *root;
    int rc = proto_jv_parse(data, len, &root, &je);
    if (rc == 0) {
        c->obj = root;
        rc = s_decode_root(c, dialect, dir, out);
    } else if (rc == -2) {
        rc = s_fail(c, BITTEN_R_INTERNAL, "", "out of memory parsing %zu bytes", len);
    } else {
        rc = s_parse_failure(c, data, len, &je);
    }
    proto_jv_done();
    return rc;
}

/*  Checks and set-up common to every dialect; returns 0 or -1 with err filled. */
static int s_begin(s_ctx_t *c, bitten_dialect_t dialect, const char *data, size_t len,
                   const bitten_decode_opts_t *opts, bitten_frame_t *out,
                   bitten_decode_error_t *err)
{
    err->reason = BITTEN_R_OK;
    err->field[0] = '\0';
    err->detail[0] = '\0';
    *c = (s_ctx_t){.obj = NULL, .prefix = "", .utc_offset_s = 0, .err = err,
                   .rules = &S_RULES[BITTEN_DIALECT_CONTRACT], .frame = out};
    out->flags = 0;
    memset(&out->evidence, 0, sizeof out->evidence);
    out->wire_type[0] = '\0';
    size_t max = 0;
    if (opts != NULL) {
        c->utc_offset_s = opts->server_utc_offset_s;
        max = opts->max_frame_bytes;
    }
    if ((int)dialect <= BITTEN_DIALECT_UNKNOWN || (int)dialect >= BITTEN_DIALECT_COUNT_)
        return s_fail(c, BITTEN_R_DIALECT_UNKNOWN, "", "no dialect to decode with");
    c->rules = &S_RULES[dialect];
    if (data == NULL || len == 0)
        return s_fail(c, BITTEN_R_FRAME_EMPTY, "", "0 bytes");
    if (max != 0 && len > max)
        return s_fail(c, BITTEN_R_FRAME_TOO_LARGE, "", "%zu bytes > %zu", len, max);
    return 0;
}

int bitten_decode(bitten_dir_t dir, const char *data, size_t len, const bitten_decode_opts_t *opts,
                  bitten_frame_t *out, bitten_decode_error_t *err)
{
    s_ctx_t c;
    if (s_begin(&c, BITTEN_DIALECT_CONTRACT, data, len, opts, out, err) != 0)
        return -1;
    return s_decode_bytes(&c, BITTEN_DIALECT_CONTRACT, dir, data, len, out);
}

int bitten_dialect_decode(bitten_dialect_t dialect, bitten_dir_t dir, const char *data, size_t len,
                          const bitten_decode_opts_t *opts, bitten_frame_t *out,
                          bitten_decode_error_t *err)
{
    s_ctx_t c;
    if (s_begin(&c, dialect, data, len, opts, out, err) != 0)
        return -1;
    if (dialect == BITTEN_DIALECT_CONTRACT || bitten_utf8_valid(data, len))
        return s_decode_bytes(&c, dialect, dir, data, len, out);
    /* The EAs write CP_ACP (cp1252): read the bytes as such rather than lose the frame. */
    size_t cap = len * 3 + 1;
    char *utf8 = malloc(cap);
    if (utf8 == NULL)
        return s_fail(&c, BITTEN_R_INTERNAL, "", "out of memory transcoding %zu bytes", len);
    size_t n = bitten_cp1252_to_utf8(data, len, utf8, cap);
    int rc = s_decode_bytes(&c, dialect, dir, utf8, n, out);
    free(utf8);
    out->flags |= BITTEN_FRAME_F_CP1252;
    return rc;
}

int bitten_dialect_detect_decode(bitten_dir_t dir, const char *data, size_t len,
                                 const bitten_decode_opts_t *opts, bitten_dialect_pick_fn pick,
                                 void *arg, bitten_dialect_detect_t *seen, bitten_frame_t *out,
                                 bitten_decode_error_t *err)
{
    bitten_decode_opts_t o = opts != NULL ? *opts : (bitten_decode_opts_t){0, 0};
    if (data == NULL || len == 0 || (o.max_frame_bytes != 0 && len > o.max_frame_bytes) ||
        !bitten_utf8_valid(data, len)) {
        /* Refused before any parse, or read as cp1252 by the EA dialects only: rare. */
        *seen = bitten_dialect_detect(data, len);
        bitten_dialect_t d = pick(arg, seen, &o);
        return bitten_dialect_decode(d, dir, data, len, &o, out, err);
    }
    /* Valid UTF-8: detection and every dialect's decode read these very bytes, so one tree
     * (DECODE_ANY, as s_decode_bytes parses) serves both. */
    json_error_t je;
    const proto_jv_t *root = NULL;
    int parsed = proto_jv_parse(data, len, &root, &je);
    *seen = proto_detect_tree(root);
    bitten_dialect_t d = pick(arg, seen, &o);
    s_ctx_t c;
    int rc = s_begin(&c, d, data, len, &o, out, err);
    if (rc == 0 && parsed == -2)
        rc = s_fail(&c, BITTEN_R_INTERNAL, "", "out of memory parsing %zu bytes", len);
    else if (rc == 0 && parsed != 0)
        rc = s_parse_failure(&c, data, len, &je);
    else if (rc == 0) {
        c.obj = root;
        rc = s_decode_root(&c, d, dir, out);
    }
    proto_jv_done();
    return rc;
}

//  The uuid field of a frame's struct, or NULL for types that carry none.
static char *s_uuid_field(bitten_frame_t *frame)
{
    switch (frame->type) {
    case BITTEN_FRAME_TELEMETRY:
        return frame->u.telemetry.uuid;
    case BITTEN_FRAME_TRADE_RESULT:
        return frame->u.trade_result.uuid;
    case BITTEN_FRAME_HEARTBEAT:
        /* A command-channel heartbeat is a keepalive and carries no account. */
        return frame->dir == BITTEN_DIR_FEEDBACK ? frame->u.heartbeat.uuid : NULL;
    case BITTEN_FRAME_ERROR:
        return frame->u.error.uuid;
    case BITTEN_FRAME_STATUS:
        return frame->u.status.uuid;
    case BITTEN_FRAME_PONG:
        return frame->u.pong.uuid;
    case BITTEN_FRAME_TICK:
        return frame->u.tick.uuid;
    case BITTEN_FRAME_CANDLE_BATCH:
        return frame->u.candle_batch.uuid;
    case BITTEN_FRAME_HANDSHAKE:
        return frame->u.handshake.uuid;
    case BITTEN_FRAME_SIGNAL:
        return frame->u.signal.uuid;
    default:
        return NULL;
    }
}

const char *bitten_frame_uuid(const bitten_frame_t *frame)
{
    //  s_uuid_field only reads the frame: the cast is for sharing the one switch.
    const char *field = s_uuid_field((bitten_frame_t *)frame);
    return field ? field : "";
}

int bitten_frame_set_uuid(bitten_frame_t *frame, const char *uuid)
{
    char *field = s_uuid_field(frame);
    if (!field || !bitten_valid_id(uuid))
        return -1;
    snprintf(field, BITTEN_ID_MAX + 1, "%s", uuid);
    return 0;
}
