/*  bench_json.c: parse-only microbenchmark of the Debian-packaged JSON libraries over the
 *  frames bittend ingests (issue 17: "keep jansson unless a Debian-packaged alternative is
 *  clearly better"). Each parser parses a frame and reads the fields bittend's decode reads
 *  (type, uuid, the numbers, the nested account object), so lazy parsers do the same work.
 *  Frames: the ingest benches' telemetry (bench_frames.h), a v7 tick and heartbeat and a
 *  v2.05 TICK (as the real EAs send them; the tests in test_dialect_decode.c).
 *    bench_json [--iters N] [--rounds R]        ns/frame per library x frame, median of R
 *    bench_json --only LIB --frame F --iters N  one loop (callgrind: --toggle-collect=bj_loop)
 *    bench_json --check                         which bad inputs each library accepts
 *  Each library is compiled in only when its package was found (BJ_HAVE_*). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BJ_NO_JANSSON
#include <jansson.h>

#include "bench_frames.h"
#include "bitten/dialect.h"
#include "bitten/proto.h"
#endif
#ifdef BJ_HAVE_JSONC
#include <json-c/json.h>
#endif
#ifdef BJ_HAVE_CJSON
#include <cjson/cJSON.h>
#endif
#ifdef BJ_HAVE_YAJL
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>
#endif

#include "bench_json.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bj_take_str(bj_out_t *out, const char *s, size_t len)
{
    if (len >= sizeof out->str)
        len = sizeof out->str - 1;
    memcpy(out->str, s, len);
    out->str[len] = '\0';
    out->sum += (double)len;
    out->found++;
}

static void s_take_num(bj_out_t *out, double v)
{
    out->sum += v;
    out->found++;
}

/* ---------------------------------------------------------------- jansson */
#ifndef BJ_NO_JANSSON

//  Like decode.c: a bump arena while a frame is parsed, malloc otherwise (the hooks are global).
static struct {
    unsigned char buf[32768];
    size_t used;
    bool on;
} s_arena;

static void *s_arena_malloc(size_t size)
{
    if (s_arena.on) {
        size_t need = (size + 15) & ~(size_t)15;
        if (s_arena.used + need <= sizeof s_arena.buf) {
            void *p = s_arena.buf + s_arena.used;
            s_arena.used += need;
            return p;
        }
    }
    return malloc(size);
}

static void s_arena_free(void *p)
{
    const unsigned char *b = p;
    if (b >= s_arena.buf && b < s_arena.buf + sizeof s_arena.buf)
        return;
    free(p);
}

/*  jansson's allocator hooks are process-wide and decode.c installs its own on its first
 *  parse: each mode installs the hooks it is measured with (two stores per parse). */
static json_malloc_t s_decode_malloc;
static json_free_t s_decode_free;

static void s_hooks_mine(void)
{
    json_set_alloc_funcs(s_arena_malloc, s_arena_free);
}

static void s_jansson_read(json_t *root, const bj_frame_t *f, bj_out_t *out)
{
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        json_t *o = fd->parent ? json_object_get(root, fd->parent) : root;
        json_t *v = json_object_get(o, fd->key);
        if (fd->kind == 's' && json_is_string(v))
            bj_take_str(out, json_string_value(v), json_string_length(v));
        else if (fd->kind == 'n' && json_is_number(v))
            s_take_num(out, json_number_value(v));
    }
}

static int s_jansson(const bj_frame_t *f, bj_out_t *out)
{
    s_hooks_mine();
    json_t *root = json_loadb(f->text, f->len, JSON_DECODE_ANY, NULL);
    if (!root)
        return -1;
    s_jansson_read(root, f, out);
    json_decref(root);
    return 0;
}

static int s_jansson_arena(const bj_frame_t *f, bj_out_t *out)
{
    s_hooks_mine();
    s_arena.on = true;
    s_arena.used = 0;
    json_t *root = json_loadb(f->text, f->len, JSON_DECODE_ANY, NULL);
    if (root)
        s_jansson_read(root, f, out);
    //  The tree lives in the arena (the frames are small): the reset frees it, no decref walk.
    s_arena.on = false;
    return root ? 0 : -1;
}

/* ---------------------------------------------------------------- bittend's own decode */

static bitten_dialect_t s_pick(void *arg, const bitten_dialect_detect_t *seen,
                               bitten_decode_opts_t *opts)
{
    (void)arg;
    (void)opts;
    return seen->dialect != BITTEN_DIALECT_UNKNOWN ? seen->dialect : BITTEN_DIALECT_CONTRACT;
}

static int s_bittend(const bj_frame_t *f, bj_out_t *out)
{
    static bitten_frame_t frame;
    bitten_dialect_detect_t seen;
    bitten_decode_error_t err;
    if (s_decode_malloc)
        json_set_alloc_funcs(s_decode_malloc, s_decode_free);
    if (bitten_dialect_detect_decode(BITTEN_DIR_FEEDBACK, f->text, f->len, NULL, s_pick, NULL,
                                     &seen, &frame, &err) != 0)
        return -1;
    out->found = f->nfields;    // the typed frame holds every field
    out->sum += (double)frame.type;
    return 0;
}
#endif

/* ---------------------------------------------------------------- json-c
 *  Its symbols clash with jansson's (json_object_get, ...): built as its own program,
 *  bench_json_jsonc, without jansson and bittend. */
#ifdef BJ_HAVE_JSONC
static int s_jsonc(const bj_frame_t *f, bj_out_t *out)
{
    static struct json_tokener *tok;
    if (!tok) {
        tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    }
    json_tokener_reset(tok);
    struct json_object *root = json_tokener_parse_ex(tok, f->text, (int)f->len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != f->len) {
        json_object_put(root);
        return -1;
    }
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        struct json_object *o = root, *v = NULL;
        if (fd->parent && !json_object_object_get_ex(root, fd->parent, &o))
            continue;
        if (!json_object_object_get_ex(o, fd->key, &v))
            continue;
        if (fd->kind == 's' && json_object_is_type(v, json_type_string))
            bj_take_str(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        else if (fd->kind == 'n' && (json_object_is_type(v, json_type_double) ||
                                     json_object_is_type(v, json_type_int)))
            s_take_num(out, json_object_get_double(v));
    }
    json_object_put(root);
    return 0;
}
#endif

/* ---------------------------------------------------------------- cJSON */
#ifdef BJ_HAVE_CJSON
static int s_cjson(const bj_frame_t *f, bj_out_t *out)
{
    //  length + 1: the NUL, so require_null_terminated refuses trailing garbage.
    cJSON *root = cJSON_ParseWithLengthOpts(f->text, f->len + 1, NULL, 1);
    if (!root)
        return -1;
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        const cJSON *o = fd->parent ? cJSON_GetObjectItemCaseSensitive(root, fd->parent) : root;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, fd->key);
        if (fd->kind == 's' && cJSON_IsString(v))
            bj_take_str(out, v->valuestring, strlen(v->valuestring));
        else if (fd->kind == 'n' && cJSON_IsNumber(v))
            s_take_num(out, v->valuedouble);
    }
    cJSON_Delete(root);
    return 0;
}
#endif

/* ---------------------------------------------------------------- yajl (tree, callbacks) */
#ifdef BJ_HAVE_YAJL
static int s_yajl_tree(const bj_frame_t *f, bj_out_t *out)
{
    char errbuf[128];
    yajl_val root = yajl_tree_parse(f->text, errbuf, sizeof errbuf);
    if (!root)
        return -1;
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        const char *path[3] = {fd->parent ? fd->parent : fd->key, fd->parent ? fd->key : NULL,
                               NULL};
        yajl_val v = yajl_tree_get(root, path, yajl_t_any);
        const char *str = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
        if (fd->kind == 's' && str)
            bj_take_str(out, str, strlen(str));
        else if (fd->kind == 'n' && YAJL_IS_NUMBER(v))
            s_take_num(out, YAJL_IS_DOUBLE(v) ? YAJL_GET_DOUBLE(v) : (double)YAJL_GET_INTEGER(v));
    }
    yajl_tree_free(root);
    return 0;
}

typedef struct {
    const bj_frame_t *f;
    bj_out_t *out;
    int depth;
    char key[64], parent[64];
} s_sax_t;

static const bj_field_t *s_sax_field(const s_sax_t *c)
{
    for (int i = 0; i < c->f->nfields; i++) {
        const bj_field_t *fd = &c->f->fields[i];
        if (c->depth == 1 && !fd->parent && !strcmp(fd->key, c->key))
            return fd;
        if (c->depth == 2 && fd->parent && !strcmp(fd->parent, c->parent) &&
            !strcmp(fd->key, c->key))
            return fd;
    }
    return NULL;
}

static int s_sax_num(s_sax_t *c, double v)
{
    const bj_field_t *fd = s_sax_field(c);
    if (fd && fd->kind == 'n')
        s_take_num(c->out, v);
    return 1;
}

static int s_sax_int(void *ctx, long long v) { return s_sax_num(ctx, (double)v); }
static int s_sax_double(void *ctx, double v) { return s_sax_num(ctx, v); }
static int s_sax_null(void *ctx) { (void)ctx; return 1; }
static int s_sax_bool(void *ctx, int v) { (void)ctx; (void)v; return 1; }

static int s_sax_string(void *ctx, const unsigned char *s, size_t len)
{
    s_sax_t *c = ctx;
    const bj_field_t *fd = s_sax_field(c);
    if (fd && fd->kind == 's')
        bj_take_str(c->out, (const char *)s, len);
    return 1;
}

static int s_sax_key(void *ctx, const unsigned char *s, size_t len)
{
    s_sax_t *c = ctx;
    if (len >= sizeof c->key)
        len = sizeof c->key - 1;
    memcpy(c->key, s, len);
    c->key[len] = '\0';
    return 1;
}

static int s_sax_open(void *ctx)
{
    s_sax_t *c = ctx;
    if (++c->depth == 2)
        memcpy(c->parent, c->key, sizeof c->parent);
    c->key[0] = '\0';
    return 1;
}

static int s_sax_close(void *ctx)
{
    ((s_sax_t *)ctx)->depth--;
    return 1;
}

static int s_yajl_sax(const bj_frame_t *f, bj_out_t *out)
{
    static const yajl_callbacks cb = {s_sax_null, s_sax_bool, s_sax_int, s_sax_double, NULL,
                                      s_sax_string, s_sax_open, s_sax_key, s_sax_close,
                                      s_sax_open, s_sax_close};
    s_sax_t c = {.f = f, .out = out};
    yajl_handle h = yajl_alloc(&cb, NULL, &c);
    int rc = yajl_parse(h, (const unsigned char *)f->text, f->len) == yajl_status_ok &&
                     yajl_complete_parse(h) == yajl_status_ok
                 ? 0
                 : -1;
    yajl_free(h);
    return rc;
}
#endif

/* ---------------------------------------------------------------- the table */

typedef int (*s_parse_fn)(const bj_frame_t *f, bj_out_t *out);

static const struct {
    const char *name;
    s_parse_fn fn;
} s_libs[] = {
#ifndef BJ_NO_JANSSON
    {"jansson", s_jansson},
    {"jansson_arena", s_jansson_arena},
    {"bittend_decode", s_bittend},
#endif
#ifdef BJ_HAVE_JSONC
    {"json-c", s_jsonc},
#endif
#ifdef BJ_HAVE_CJSON
    {"cjson", s_cjson},
#endif
#ifdef BJ_HAVE_YAJL
    {"yajl_tree", s_yajl_tree},
    {"yajl_sax", s_yajl_sax},
#endif
#ifdef BJ_HAVE_SIMDJSON
    {"simdjson_dom", bj_simdjson_dom},
    {"simdjson_od", bj_simdjson_ondemand},
#endif
#ifdef BJ_HAVE_RAPIDJSON
    {"rapidjson", bj_rapidjson},
#endif
};
#ifndef BJ_NO_JANSSON
#define S_BITTEND s_bittend
#else
#define S_BITTEND NULL
#endif
#define S_NLIBS ((int)(sizeof s_libs / sizeof s_libs[0]))

//  bench_frames.h's telemetry of account 42 (what bench_ingest sends), checked at start.
#define S_TELEMETRY                                                                            \
    "{\"type\":\"telemetry\",\"uuid\":\"bench_ea_00042\",\"account\":{\"balance\":100042,"     \
    "\"equity\":100021,\"margin\":250,\"free_margin\":99771,\"profit\":12.5},\"timestamp\":"   \
    "\"2025-12-02T00:00:00.000Z\"}"

//  The frames (text padded for simdjson) and the fields bittend's decoders read from each.
static bj_frame_t s_frames[] = {
    {"telemetry", S_TELEMETRY, 0, 8,
     {{NULL, "type", 's'}, {NULL, "uuid", 's'}, {NULL, "timestamp", 's'},
      {"account", "balance", 'n'}, {"account", "equity", 'n'}, {"account", "margin", 'n'},
      {"account", "free_margin", 'n'}, {"account", "profit", 'n'}}},
    {"v7_tick",
     "{\"type\":\"tick\",\"symbol\":\"USDJPY\",\"bid\":147.36600,\"ask\":147.36900,"
     "\"spread\":3.0,\"volume\":0,\"timestamp\":1757964832}",
     0, 7,
     {{NULL, "type", 's'}, {NULL, "symbol", 's'}, {NULL, "bid", 'n'}, {NULL, "ask", 'n'},
      {NULL, "spread", 'n'}, {NULL, "volume", 'n'}, {NULL, "timestamp", 'n'}}},
    {"v7_heartbeat",
     "{\"type\":\"heartbeat\",\"balance\":850.47,\"equity\":850.45,\"positions\":1,"
     "\"timestamp\":\"2025.09.15 19:33:57\"}",
     0, 5,
     {{NULL, "type", 's'}, {NULL, "balance", 'n'}, {NULL, "equity", 'n'},
      {NULL, "positions", 'n'}, {NULL, "timestamp", 's'}}},
    {"v205_tick",
     "{\"type\":\"TICK\",\"node_id\":\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_"
     "DEV_001\",\"symbol\":\"USDCHF\",\"bid\":0.79453,\"ask\":0.79456,\"spread\":3.0,"
     "\"volume\":0,\"timestamp\":\"2025.09.15 19:33:52\"}",
     0, 9,
     {{NULL, "type", 's'}, {NULL, "node_id", 's'}, {NULL, "user_uuid", 's'},
      {NULL, "symbol", 's'}, {NULL, "bid", 'n'}, {NULL, "ask", 'n'}, {NULL, "spread", 'n'},
      {NULL, "volume", 'n'}, {NULL, "timestamp", 's'}}},
};
#define S_NFRAMES ((int)(sizeof s_frames / sizeof s_frames[0]))

//  The string literals get padded copies (simdjson reads up to BJ_PADDING bytes past the end).
static void s_frames_init(void)
{
#ifndef BJ_NO_JANSSON
    char buf[1024];
    if (bb_telemetry_frame(42, 1764633600000LL, buf, sizeof buf) <= 0 || strcmp(buf, S_TELEMETRY)) {
        fprintf(stderr, "bench_json: bench_frames.h's telemetry changed: %s\n", buf);
        exit(1);
    }
#endif
    for (int i = 0; i < S_NFRAMES; i++) {
        size_t len = strlen(s_frames[i].text);
        char *copy = calloc(1, len + 1 + BJ_PADDING);
        memcpy(copy, s_frames[i].text, len);
        s_frames[i].text = copy;
        s_frames[i].len = len;
    }
}

static volatile double s_sink;

//  The measured loop (callgrind: --toggle-collect=bj_loop). -1 when a parse failed or missed
//  a field.
__attribute__((noinline)) int bj_loop(s_parse_fn fn, const bj_frame_t *f, long iters)
{
    bj_out_t out;
    for (long i = 0; i < iters; i++) {
        out.found = 0;
        out.sum = 0.0;
        if (fn(f, &out) != 0 || out.found != f->nfields)
            return -1;
        s_sink += out.sum;
    }
    return 0;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*  Bad inputs (the decode tests' and the fuzz corpus's cases, and the JSON edge cases):
 *  which each library accepts. What bittend's decoder needs: every one refused except the
 *  duplicate key (the last one wins: test_ignores_unknown_fields_and_keeps_last_duplicate). */
static const struct {
    const char *name;
    const char *text;
    size_t len;    // 0: strlen
} s_bad[] = {
    {"invalid UTF-8 (\\xff\\xfe)", "{\"type\":\"error\",\"error\":\"\xff\xfe\"}", 0},
    {"overlong UTF-8 (\\xc0\\xaf)", "{\"type\":\"error\",\"error\":\"\xc0\xaf\"}", 0},
    {"UTF-8 surrogate (\\xed\\xa0\\x80)", "{\"type\":\"error\",\"error\":\"\xed\xa0\x80\"}", 0},
    {"lone surrogate \\ud800", "{\"type\":\"error\",\"error\":\"\\ud800\"}", 0},
    {"lone low surrogate \\udc00", "{\"type\":\"error\",\"error\":\"\\udc00x\"}", 0},
    {"escaped NUL \\u0000", "{\"type\":\"error\",\"error\":\"a\\u0000b\"}", 0},
    {"raw NUL byte in a string", "{\"type\":\"error\",\"error\":\"a\0b\"}", 31},
    {"raw control char (\\x01)", "{\"type\":\"error\",\"error\":\"a\x01\"}", 0},
    {"number 1e999 (overflow)", "{\"type\":\"t\",\"account\":{\"balance\":1e999}}", 0},
    {"integer 123456789012345678901234",
     "{\"type\":\"trade_result\",\"ticket\":123456789012345678901234}", 0},
    {"NaN", "{\"type\":\"tick\",\"bid\":NaN}", 0},
    {"-Infinity", "{\"type\":\"t\",\"balance\":-Infinity}", 0},
    {"leading zero 01", "{\"type\":\"t\",\"bid\":01}", 0},
    {"trailing garbage", "{\"type\":\"tick\"} x", 0},
    {"two documents", "{\"type\":\"tick\"}{\"type\":\"tick\"}", 0},
    {"trailing comma", "{\"type\":\"tick\",}", 0},
    {"single quotes", "{'type':'tick'}", 0},
    {"comment", "{\"type\":\"tick\"/* c */}", 0},
    {"truncated", "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":1.1", 0},
    {"depth 2000", NULL, 0},
    {"duplicate key (value kept)", "{\"type\":\"first\",\"type\":\"last\"}", 0},
};
#define S_NBAD ((int)(sizeof s_bad / sizeof s_bad[0]))

static int s_check(void)
{
    static char deep[4200 + BJ_PADDING];
    for (int i = 0; i < 2000; i++)
        deep[i] = '[';
    for (int i = 0; i < 2000; i++)
        deep[2000 + i] = ']';
    //  bittend's decode is left out: it refuses these for their made-up types anyway.
    printf("%-34s", "input \\ library");
    for (int l = 0; l < S_NLIBS; l++)
        if (s_libs[l].fn != S_BITTEND)
            printf(" %-14s", s_libs[l].name);
    printf("\n");
    for (int b = 0; b < S_NBAD; b++) {
        char *text = calloc(1, 4200 + BJ_PADDING);
        size_t len = s_bad[b].text ? (s_bad[b].len ? s_bad[b].len : strlen(s_bad[b].text)) : 4000;
        memcpy(text, s_bad[b].text ? s_bad[b].text : deep, len);
        bj_frame_t f = {s_bad[b].name, text, len, 1, {{NULL, "type", 's'}}};
        printf("%-34s", s_bad[b].name);
        for (int l = 0; l < S_NLIBS; l++) {
            if (s_libs[l].fn == S_BITTEND)
                continue;
            bj_out_t out = {0};
            int rc = s_libs[l].fn(&f, &out);
            char cell[96];
            if (rc != 0)
                snprintf(cell, sizeof cell, "refused");
            else if (strstr(s_bad[b].name, "duplicate"))
                snprintf(cell, sizeof cell, "keeps \"%s\"", out.found ? out.str : "?");
            else
                snprintf(cell, sizeof cell, "ACCEPTS");
            printf(" %-14s", cell);
        }
        printf("\n");
        free(text);
    }
    return 0;
}

int main(int argc, char **argv)
{
    long iters = 200000;
    int rounds = 5;
    const char *only = NULL, *frame = NULL;
    bool check = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check"))
            check = true;
        else if (i + 1 < argc && !strcmp(argv[i], "--iters"))
            iters = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--rounds"))
            rounds = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--only"))
            only = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--frame"))
            frame = argv[++i];
        else {
            fprintf(stderr, "usage: bench_json [--iters N] [--rounds R] [--only LIB --frame F]"
                            " [--check]\n");
            return 2;
        }
    }
    s_frames_init();
#ifndef BJ_NO_JANSSON
    {   //  One decode installs decode.c's hooks; keep them for the bittend_decode mode.
        bj_out_t out = {0};
        s_bittend(&s_frames[0], &out);
        json_get_alloc_funcs(&s_decode_malloc, &s_decode_free);
    }
#endif
    if (check)
        return s_check();
    if (only) {
        for (int l = 0; l < S_NLIBS; l++)
            for (int f = 0; f < S_NFRAMES; f++)
                if (!strcmp(s_libs[l].name, only) && (!frame || !strcmp(s_frames[f].name, frame)))
                    if (bj_loop(s_libs[l].fn, &s_frames[f], iters) != 0) {
                        fprintf(stderr, "%s failed on %s\n", only, s_frames[f].name);
                        return 1;
                    }
        return 0;
    }
    for (int f = 0; f < S_NFRAMES; f++)
        printf("# %s (%zu bytes): %s\n", s_frames[f].name, s_frames[f].len, s_frames[f].text);
    static double ns[32][8][64];
    if (rounds > 64)
        rounds = 64;
    //  Rounds alternate over every library and frame, so all see the same minutes.
    for (int r = 0; r < rounds; r++)
        for (int f = 0; f < S_NFRAMES; f++)
            for (int l = 0; l < S_NLIBS; l++) {
                double t0 = s_now();
                if (bj_loop(s_libs[l].fn, &s_frames[f], iters) != 0) {
                    fprintf(stderr, "%s failed on %s\n", s_libs[l].name, s_frames[f].name);
                    return 1;
                }
                ns[l][f][r] = (s_now() - t0) * 1e9 / (double)iters;
            }
    printf("ns/frame, median of %d rounds x %ld parses (min in brackets)\n%-16s", rounds, iters,
           "library");
    for (int f = 0; f < S_NFRAMES; f++)
        printf(" %18s", s_frames[f].name);
    printf("\n");
    for (int l = 0; l < S_NLIBS; l++) {
        printf("%-16s", s_libs[l].name);
        for (int f = 0; f < S_NFRAMES; f++) {
            qsort(ns[l][f], (size_t)rounds, sizeof(double), s_cmp);
            char cell[40];
            snprintf(cell, sizeof cell, "%.0f (%.0f)", ns[l][f][rounds / 2], ns[l][f][0]);
            printf(" %18s", cell);
        }
        printf("\n");
    }
    return 0;
}
