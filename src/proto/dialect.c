/*  dialect.c: the EA dialects' names, charset repair, shape detection, the EAs' own JSON
 *  reader, broker symbol names and server time. Pure functions over plain structs. */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bitten/dialect.h"
#include "proto_internal.h"

#define S_MS_PER_S 1000LL

/* ---------------------------------------------------------------- names */

#define S_DIALECT_NAME_(name, wire) wire,
static const char *const S_DIALECT_NAMES[BITTEN_DIALECT_COUNT_] = {
    BITTEN_DIALECTS(S_DIALECT_NAME_)};
#undef S_DIALECT_NAME_

const char *bitten_dialect_str(bitten_dialect_t dialect)
{
    return (int)dialect >= 0 && (int)dialect < BITTEN_DIALECT_COUNT_ ? S_DIALECT_NAMES[dialect]
                                                                     : "?";
}

int bitten_dialect_from_str(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = BITTEN_DIALECT_CONTRACT; i < BITTEN_DIALECT_COUNT_; i++)
        if (strcmp(S_DIALECT_NAMES[i], name) == 0)
            return i;
    return -1;
}

/* ---------------------------------------------------------------- charset */

bool bitten_utf8_valid(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        //  ASCII, eight bytes at a time (a frame is mostly ASCII).
        uint64_t word;
        while (len - i >= sizeof word) {
            memcpy(&word, p + i, sizeof word);
            if (word & 0x8080808080808080ULL)
                break;
            i += sizeof word;
        }
        if (i >= len)
            break;
        unsigned c = p[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/*  cp1252 0x80..0x9F; the undefined 0x81, 0x8D, 0x8F, 0x90, 0x9D keep their C1 code point. */
static const unsigned short S_CP1252_HIGH[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

size_t bitten_cp1252_to_utf8(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)in[i];
        if (c >= 0x80 && c < 0xA0)
            c = S_CP1252_HIGH[c - 0x80];
        char tmp[3];
        size_t n;
        if (c < 0x80) {
            tmp[0] = (char)c, n = 1;
        } else if (c < 0x800) {
            tmp[0] = (char)(0xC0 | (c >> 6)), tmp[1] = (char)(0x80 | (c & 0x3F)), n = 2;
        } else {
            tmp[0] = (char)(0xE0 | (c >> 12)), tmp[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            tmp[2] = (char)(0x80 | (c & 0x3F)), n = 3;
        }
        if (o + n >= cap)
            break;
        memcpy(out + o, tmp, n);
        o += n;
    }
    out[o] = '\0';
    return o;
}

/* ---------------------------------------------------------------- detection */

#define S_BIT(d) BITTEN_DIALECT_BIT(BITTEN_DIALECT_##d)
#define S_V2 (S_BIT(V205) | S_BIT(V202))

static const char *s_get_str(const proto_jv_t *o, const char *key)
{
    const proto_jv_t *v = proto_jv_get(o, key);
    return proto_jv_is_string(v) ? proto_jv_string(v) : NULL;
}

static bool s_has(const proto_jv_t *o, const char *key)
{
    const proto_jv_t *v = proto_jv_get(o, key);
    return v != NULL && !proto_jv_is_null(v);
}

static bool s_eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

/*  The mask and the reason for one parsed frame. The rules follow ea-dialects.md 3.2, 4.3, 5
 *  and protocol.md: the first decisive shape wins. */
static unsigned s_detect_obj(const proto_jv_t *o, const char **why)
{
    const char *type = s_get_str(o, "type");
    if (type == NULL)
        return *why = "no type", 0;
    bool has_uuid = s_has(o, "uuid") || s_has(o, "user_uuid") || s_has(o, "target_uuid");
    const char *version = s_get_str(o, "version");
    const char *ea_version = s_get_str(o, "ea_version");
    const char *mode = s_get_str(o, "deployment_mode");
    if (s_eq(version, "2.05"))
        return *why = "version 2.05", S_BIT(V205);
    if (s_eq(version, "2.02"))
        return *why = "version 2.02", S_BIT(V202);
    if (ea_version != NULL && strncmp(ea_version, "7.", 2) == 0)
        return *why = "ea_version 7.x", S_BIT(V7);
    if (s_eq(type, "HELLO") || s_eq(type, "HEARTBEAT"))
        return *why = "DEALER HELLO/HEARTBEAT", S_BIT(V205);
    if (s_eq(s_get_str(o, "socket_type"), "DEALER") || s_eq(mode, "universal_dealer"))
        return *why = "DEALER socket_type/deployment_mode", S_BIT(V205);
    if (s_eq(mode, "universal"))
        return *why = "deployment_mode universal", S_BIT(V202);
    if (s_eq(type, "telemetry"))
        return *why = "telemetry", S_BIT(CONTRACT);
    if (s_eq(type, "confirmation") || s_eq(type, "close_confirmation")) {
        /* v2.05 adds fire_id (confirmation) and currency (both); v2.02 has neither. */
        bool newer = s_has(o, "fire_id") || s_has(o, "currency");
        return *why = newer ? "confirmation with fire_id/currency" : "confirmation without",
               newer ? S_BIT(V205) : S_BIT(V202);
    }
    if (s_eq(type, "heartbeat") && s_has(o, "user_uuid") && s_has(o, "node_id"))
        return *why = "v2.02 heartbeat (no socket_type)", S_BIT(V202);
    if (s_eq(type, "pong") && s_has(o, "node_id"))
        return *why = "pong with node_id", S_BIT(V205);
    if (s_has(o, "user_uuid") && s_has(o, "node_id"))
        return *why = "user_uuid + node_id", S_V2;
    if (s_eq(type, "TICK") || s_eq(type, "OHLC") || s_eq(type, "DISCONNECT"))
        return *why = "upper-case v2.x type", S_V2;
    if (s_eq(type, "candle_batch") && s_has(o, "M1") && !s_has(o, "timeframe"))
        return *why = "candle_batch with M1/M5/M15", S_BIT(V7);
    if (s_eq(type, "status_report"))
        return *why = "status_report", S_BIT(V7);
    if (!has_uuid && s_eq(type, "tick") && proto_jv_is_integer(proto_jv_get(o, "timestamp")))
        return *why = "uuid-less tick with integer timestamp", S_BIT(V7);
    if (!has_uuid && s_eq(type, "heartbeat") && s_has(o, "balance") && s_has(o, "positions"))
        return *why = "uuid-less heartbeat with balance/positions", S_BIT(V7);
    if (!has_uuid && s_eq(type, "pong") && !s_has(o, "ping_id"))
        return *why = "pong without ping_id", S_BIT(V7);
    if (s_has(o, "uuid"))
        return *why = "uuid field", S_BIT(CONTRACT);
    return *why = "no decisive field", BITTEN_DIALECT_ALL;
}

bitten_dialect_detect_t bitten_dialect_detect(const char *data, size_t len)
{
    bitten_dialect_detect_t d = {0, BITTEN_DIALECT_UNKNOWN, "not JSON"};
    if (data == NULL || len == 0)
        return d;
    char *utf8 = NULL;
    if (!bitten_utf8_valid(data, len)) {
        size_t cap = len * 3 + 1;
        utf8 = malloc(cap);
        if (utf8 == NULL)
            return d;
        len = bitten_cp1252_to_utf8(data, len, utf8, cap);
        data = utf8;
    }
    json_error_t je;
    const proto_jv_t *root = NULL;
    if (proto_jv_parse(data, len, &root, &je) != 0)
        root = NULL;
    d = proto_detect_tree(root);
    proto_jv_done();
    free(utf8);
    return d;
}

bitten_dialect_detect_t proto_detect_tree(const proto_jv_t *root)
{
    bitten_dialect_detect_t d = {0, BITTEN_DIALECT_UNKNOWN, "not JSON"};
    //  bitten_dialect_detect parses without JSON_DECODE_ANY: a scalar is "not JSON" there.
    if (!proto_jv_is_object(root) && !proto_jv_is_array(root))
        return d;
    d.mask = s_detect_obj(root, &d.why);
    for (int i = BITTEN_DIALECT_CONTRACT; i < BITTEN_DIALECT_COUNT_; i++)
        if (d.mask == BITTEN_DIALECT_BIT(i))
            d.dialect = (bitten_dialect_t)i;
    return d;
}

bitten_dialect_t bitten_dialect_choose(bitten_dialect_t pinned, bitten_dialect_t current,
                                       const bitten_dialect_detect_t *seen)
{
    if (pinned > BITTEN_DIALECT_UNKNOWN && pinned < BITTEN_DIALECT_COUNT_)
        return pinned;
    unsigned mask = seen != NULL ? seen->mask : 0;
    if (current > BITTEN_DIALECT_UNKNOWN && current < BITTEN_DIALECT_COUNT_ &&
        (mask == 0 || (mask & BITTEN_DIALECT_BIT(current))))
        return current;
    return seen != NULL ? seen->dialect : BITTEN_DIALECT_UNKNOWN;
}

/* ---------------------------------------------------------------- broker symbols */

void bitten_symbol_map_init(bitten_symbol_map_t *map)
{
    memset(map, 0, sizeof *map);
}

/*  Copies src, which the caller has checked to fit cap - 1 bytes, NUL-terminated; a longer
 *  one is cut (never expected). */
static void s_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool s_in_list(char (*list)[BITTEN_SYMBOL_MAX + 1], size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static int s_add_name(char (*list)[BITTEN_SYMBOL_MAX + 1], size_t *n, size_t max, const char *s)
{
    if (s_in_list(list, *n, s))
        return 0;
    if (*n >= max)
        return -1;
    s_copy(list[(*n)++], BITTEN_SYMBOL_MAX + 1, s);
    return 0;
}

int bitten_symbol_map_add_canonical(bitten_symbol_map_t *map, const char *canonical)
{
    if (!bitten_valid_symbol(canonical))
        return -1;
    return s_add_name(map->canonical, &map->n_canonical, BITTEN_SYMMAP_CANON_MAX, canonical);
}

static bool s_valid_affix(const char *a)
{
    size_t n = strlen(a);
    if (n == 0)
        return true;
    /* An affix is a piece of a broker name: the same charset. */
    return n <= BITTEN_AFFIX_MAX && bitten_valid_broker_symbol(a);
}

int bitten_symbol_map_add_affix(bitten_symbol_map_t *map, const char *prefix, const char *suffix)
{
    if (prefix == NULL || suffix == NULL || !s_valid_affix(prefix) || !s_valid_affix(suffix) ||
        (prefix[0] == '\0' && suffix[0] == '\0'))
        return -1;
    for (size_t i = 0; i < map->n_affix; i++)
        if (strcmp(map->affix[i].prefix, prefix) == 0 && strcmp(map->affix[i].suffix, suffix) == 0)
            return 0;
    if (map->n_affix >= BITTEN_SYMMAP_AFFIX_MAX)
        return -1;
    s_copy(map->affix[map->n_affix].prefix, BITTEN_AFFIX_MAX + 1, prefix);
    s_copy(map->affix[map->n_affix].suffix, BITTEN_AFFIX_MAX + 1, suffix);
    map->n_affix++;
    return 0;
}

int bitten_symbol_map_add_alias(bitten_symbol_map_t *map, const char *broker, const char *canonical)
{
    if (!bitten_valid_broker_symbol(broker) || !bitten_valid_symbol(canonical))
        return -1;
    for (size_t i = 0; i < map->n_alias; i++)
        if (strcmp(map->alias[i].broker, broker) == 0)
            return strcmp(map->alias[i].canonical, canonical) == 0 ? 0 : -1;
    if (map->n_alias >= BITTEN_SYMMAP_ALIAS_MAX)
        return -1;
    s_copy(map->alias[map->n_alias].broker, BITTEN_SYMBOL_MAX + 1, broker);
    s_copy(map->alias[map->n_alias].canonical, BITTEN_SYMBOL_MAX + 1, canonical);
    map->n_alias++;
    return 0;
}

int bitten_symbol_map_add_broker(bitten_symbol_map_t *map, const char *broker)
{
    if (!bitten_valid_broker_symbol(broker))
        return -1;
    return s_add_name(map->broker, &map->n_broker, BITTEN_SYMMAP_BROKER_MAX, broker);
}

int bitten_symbol_map_add_broker_list(bitten_symbol_map_t *map, const char *list)
{
    const char *p = list;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char name[BITTEN_SYMBOL_MAX + 2];
        if (n == 0 || n > BITTEN_SYMBOL_MAX)
            return -1;
        memcpy(name, p, n);
        name[n] = '\0';
        if (bitten_symbol_map_add_broker(map, name) != 0)
            return -1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/*  Collects one candidate answer; a second, different one makes the lookup ambiguous. */
typedef struct {
    char value[BITTEN_SYMBOL_MAX + 1];
    int n;
} s_answer_t;

static void s_answer(s_answer_t *a, const char *v)
{
    if (a->n > 0 && strcmp(a->value, v) == 0)
        return;
    if (a->n == 0)
        s_copy(a->value, sizeof a->value, v);
    a->n++;
}

static int s_answer_out(const s_answer_t *a, char *out, bitten_reason_t *why)
{
    if (a->n == 1) {
        memcpy(out, a->value, strlen(a->value) + 1);
        *why = BITTEN_R_OK;
        return 0;
    }
    out[0] = '\0';
    *why = a->n == 0 ? BITTEN_R_UNKNOWN_SYMBOL : BITTEN_R_SYMBOL_AMBIGUOUS;
    return -1;
}

/*  The canonical name behind broker by the affix rule i, or false. */
static bool s_strip(const bitten_symbol_map_t *map, size_t i, const char *broker, char *canon)
{
    const char *pre = map->affix[i].prefix, *suf = map->affix[i].suffix;
    size_t n = strlen(broker), np = strlen(pre), ns = strlen(suf);
    if (n <= np + ns || strncmp(broker, pre, np) != 0 || strcmp(broker + n - ns, suf) != 0)
        return false;
    size_t k = n - np - ns;
    memcpy(canon, broker + np, k);
    canon[k] = '\0';
    return s_in_list((char(*)[BITTEN_SYMBOL_MAX + 1]) map->canonical, map->n_canonical, canon);
}

int bitten_symbol_to_canonical(const bitten_symbol_map_t *map, const char *broker, char *out,
                               bitten_reason_t *why)
{
    s_answer_t a = {"", 0};
    for (size_t i = 0; i < map->n_alias; i++)
        if (strcmp(map->alias[i].broker, broker) == 0)
            s_answer(&a, map->alias[i].canonical);
    if (a.n == 0 &&
        s_in_list((char(*)[BITTEN_SYMBOL_MAX + 1]) map->canonical, map->n_canonical, broker))
        s_answer(&a, broker);
    if (a.n == 0) {
        char canon[BITTEN_SYMBOL_MAX + 1];
        for (size_t i = 0; i < map->n_affix; i++)
            if (s_strip(map, i, broker, canon))
                s_answer(&a, canon);
    }
    return s_answer_out(&a, out, why);
}

int bitten_symbol_to_broker(const bitten_symbol_map_t *map, const char *canonical, char *out,
                            bitten_reason_t *why)
{
    s_answer_t a = {"", 0};
    if (!s_in_list((char(*)[BITTEN_SYMBOL_MAX + 1]) map->canonical, map->n_canonical, canonical))
        return s_answer_out(&a, out, why);
    if (map->n_broker > 0) {
        char back[BITTEN_SYMBOL_MAX + 1];
        bitten_reason_t r;
        for (size_t i = 0; i < map->n_broker; i++)
            if (bitten_symbol_to_canonical(map, map->broker[i], back, &r) == 0 &&
                strcmp(back, canonical) == 0)
                s_answer(&a, map->broker[i]);
        return s_answer_out(&a, out, why);
    }
    for (size_t i = 0; i < map->n_alias; i++)
        if (strcmp(map->alias[i].canonical, canonical) == 0)
            s_answer(&a, map->alias[i].broker);
    if (a.n == 0 && map->n_affix == 0)
        s_answer(&a, canonical);
    for (size_t i = 0; a.n == 0 && i < map->n_affix; i++) {
        char name[2 * BITTEN_AFFIX_MAX + BITTEN_SYMBOL_MAX + 1];
        snprintf(name, sizeof name, "%s%s%s", map->affix[i].prefix, canonical,
                 map->affix[i].suffix);
        if (!bitten_valid_broker_symbol(name))
            continue;
        s_answer(&a, name);
        if (map->n_affix > 1)
            a.n = 2; /* several rules and no broker list: which one the broker uses is unknown */
    }
    return s_answer_out(&a, out, why);
}

/* ---------------------------------------------------------------- server time */

bitten_ms_t bitten_server_time_to_utc(int64_t server_s, int server_utc_offset_s)
{
    int64_t utc_s = server_s - server_utc_offset_s;
    if (utc_s < PROTO_TIME_MIN_S || utc_s >= PROTO_TIME_MAX_S)
        return -1;
    return utc_s * S_MS_PER_S;
}

void bitten_offset_init(bitten_offset_est_t *est, bool has_initial, int initial_s)
{
    memset(est, 0, sizeof *est);
    est->known = has_initial;
    est->offset_s = has_initial ? initial_s : 0;
    est->previous_s = est->offset_s;
}

/*  (server - recv) rounded to the nearest multiple of granularity_s, in seconds. */
static int s_round_offset(bitten_ms_t server_ms, bitten_ms_t recv_ms, int granularity_s)
{
    double raw_s = (double)(server_ms - recv_ms) / (double)S_MS_PER_S;
    return (int)llround(raw_s / granularity_s) * granularity_s;
}

bitten_offset_event_t bitten_offset_observe(bitten_offset_est_t *est,
                                            const bitten_offset_cfg_t *cfg, bitten_ms_t server_ms,
                                            bitten_ms_t recv_utc_ms)
{
    bool live = false;
    if (est->has_last) {
        int64_t d_server = server_ms - est->last_server_ms;
        int64_t d_recv = recv_utc_ms - est->last_recv_ms;
        /* Server time must move, and at the pace of the wall clock: a DST step moves it by
         * granularity multiples, so that difference is allowed too. */
        int64_t drift = d_server - d_recv;
        int64_t step_ms = (int64_t)cfg->granularity_s * S_MS_PER_S;
        int64_t rem = step_ms > 0 ? ((drift % step_ms) + step_ms) % step_ms : drift;
        int64_t off_grid = rem < step_ms - rem ? rem : step_ms - rem;
        live = d_server != 0 && d_recv >= 0 && off_grid <= (int64_t)cfg->max_drift_s * S_MS_PER_S;
    }
    est->has_last = true;
    est->last_server_ms = server_ms;
    est->last_recv_ms = recv_utc_ms;
    if (!live) {
        est->ignored++;
        return BITTEN_OFFSET_IGNORED;
    }
    int guess = s_round_offset(server_ms, recv_utc_ms, cfg->granularity_s);
    if (est->known && guess == est->offset_s) {
        est->candidate_n = 0;
        return BITTEN_OFFSET_STEADY;
    }
    if (est->candidate_n == 0 || guess != est->candidate_s) {
        est->candidate_s = guess;
        est->candidate_n = 0;
        est->candidate_first_recv_ms = recv_utc_ms;
    }
    est->candidate_n++;
    bool spans =
        recv_utc_ms - est->candidate_first_recv_ms >= (int64_t)cfg->confirm_span_s * S_MS_PER_S;
    if (est->candidate_n < cfg->confirm_n || !spans)
        return BITTEN_OFFSET_STEADY;
    bool was_known = est->known;
    est->previous_s = est->offset_s;
    est->offset_s = guess;
    est->known = true;
    est->candidate_n = 0;
    if (!was_known)
        return BITTEN_OFFSET_LEARNED;
    est->changes++;
    return BITTEN_OFFSET_CHANGED;
}
