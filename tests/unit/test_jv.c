/*  test_jv.c: unit tests of src/proto/jv (the frame parser): simdjson's fast path takes what it
 *  can, and whatever it takes it reads exactly as jansson (the judge) does, value for value. */

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jv_canon.h"
#include "proto/jv.h"

#define CANON_CAP (1u << 22)

static char *s_fast_text, *s_judge_text;

static int s_setup(void **state)
{
    s_fast_text = malloc(CANON_CAP);
    s_judge_text = malloc(CANON_CAP);
    return s_fast_text && s_judge_text ? 0 : -1;
}

static int s_teardown(void **state)
{
    free(s_fast_text);
    free(s_judge_text);
    return 0;
}

typedef enum { S_FAST, S_FALLBACK } s_way_t;

/*  Parses data both ways and checks they agree: both refuse with the same words, or both
 *  accept the same tree. Returns which way proto_jv_parse took; *accepted says the verdict. */
static s_way_t s_agree(const char *data, size_t len, bool *accepted)
{
    proto_jv_stats_t before = proto_jv_stats();
    const proto_jv_t *root;
    json_error_t je_fast, je_judge;
    int rc_fast = proto_jv_parse(data, len, &root, &je_fast);
    proto_jv_stats_t after = proto_jv_stats();
    s_way_t way = after.fast > before.fast ? S_FAST : S_FALLBACK;
    assert_int_equal(after.fast + after.fallback, before.fast + before.fallback + 1);
    if (rc_fast == 0)
        assert_true(jv_canon(root, s_fast_text, CANON_CAP));
    int rc_judge = proto_jv_parse_jansson(data, len, &root, &je_judge);
    assert_int_equal(rc_fast, rc_judge);
    if (rc_judge == 0) {
        assert_true(jv_canon(root, s_judge_text, CANON_CAP));
        assert_string_equal(s_fast_text, s_judge_text);
    } else {
        assert_string_equal(je_fast.text, je_judge.text);
        assert_int_equal(je_fast.position, je_judge.position);
    }
    proto_jv_done();
    *accepted = rc_judge == 0;
    return way;
}

static s_way_t s_agree_str(const char *json, bool *accepted)
{
    return s_agree(json, strlen(json), accepted);
}

/* ---------------------------------------------------------------- the fast path */

static void test_fast_path_reads_a_telemetry_frame_as_jansson(void **state)
{
    const char *f = "{\"type\":\"telemetry\",\"uuid\":\"acc-42\",\"timestamp\":\"2025-08-01T12:34:56.789Z\","
                    "\"account\":{\"balance\":10000.5,\"equity\":9990.25,\"margin\":12,"
                    "\"free_margin\":-3.5e2,\"leverage\":500},\"positions\":[],\"ok\":true,"
                    "\"none\":null,\"esc\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"}";
    bool ok;
    assert_int_equal(s_agree_str(f, &ok), S_FAST);
    assert_true(ok);
    const proto_jv_t *root;
    json_error_t je;
    assert_int_equal(proto_jv_parse(f, strlen(f), &root, &je), 0);
    assert_true(proto_jv_is_object(root));
    assert_string_equal(proto_jv_string(proto_jv_get(root, "uuid")), "acc-42");
    const proto_jv_t *acc = proto_jv_get(root, "account");
    assert_true(proto_jv_is_real(proto_jv_get(acc, "balance")));
    assert_true(proto_jv_number(proto_jv_get(acc, "balance")) == 10000.5);
    assert_true(proto_jv_is_integer(proto_jv_get(acc, "leverage")));
    assert_int_equal(proto_jv_integer(proto_jv_get(acc, "leverage")), 500);
    assert_true(proto_jv_number(proto_jv_get(acc, "free_margin")) == -350.0);
    assert_true(proto_jv_is_array(proto_jv_get(root, "positions")));
    assert_int_equal(proto_jv_array_size(proto_jv_get(root, "positions")), 0);
    assert_true(proto_jv_is_null(proto_jv_get(root, "none")));
    assert_null(proto_jv_get(root, "absent"));
    assert_null(proto_jv_get(acc, "uuid")); /* members of the object asked, not of the frame */
    assert_string_equal(proto_jv_string(proto_jv_get(root, "esc")),
                        "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80");
    proto_jv_done();
}

static void test_last_of_duplicate_keys_wins_on_both_paths(void **state)
{
    const char *f = "{\"type\":\"a\",\"lot\":1,\"type\":\"b\",\"lot\":2.5}";
    bool ok;
    assert_int_equal(s_agree_str(f, &ok), S_FAST);
    assert_true(ok);
    const proto_jv_t *root;
    json_error_t je;
    for (int judge = 0; judge < 2; judge++) {
        int rc = judge ? proto_jv_parse_jansson(f, strlen(f), &root, &je)
                       : proto_jv_parse(f, strlen(f), &root, &je);
        assert_int_equal(rc, 0);
        assert_string_equal(proto_jv_string(proto_jv_get(root, "type")), "b");
        assert_true(proto_jv_number(proto_jv_get(root, "lot")) == 2.5);
        proto_jv_done();
    }
}

static void test_readers_are_null_safe_and_typed(void **state)
{
    const char *f = "[1,\"x\",{\"k\":[true,false]}]";
    const proto_jv_t *root;
    json_error_t je;
    assert_int_equal(proto_jv_parse(f, strlen(f), &root, &je), 0);
    assert_null(proto_jv_get(root, "k"));            /* an array has no members by name */
    assert_null(proto_jv_get(NULL, "k"));
    assert_null(proto_jv_array_get(root, 3));        /* past the end */
    assert_null(proto_jv_string(proto_jv_array_get(root, 0)));
    assert_int_equal(proto_jv_integer(proto_jv_array_get(root, 1)), 0);
    assert_false(proto_jv_is_null(NULL));
    assert_false(proto_jv_is_number(NULL));
    const proto_jv_t *k = proto_jv_get(proto_jv_array_get(root, 2), "k");
    assert_int_equal(proto_jv_array_size(k), 2);
    assert_int_equal(proto_jv_array_get(k, 0)->type, PROTO_JV_TRUE);
    assert_int_equal(proto_jv_array_get(k, 1)->type, PROTO_JV_FALSE);
    proto_jv_done();
}

/* ---------------------------------------------------------------- edges: jansson decides */

/*  Each input, and what the judge says of it. The fast path must give the same answer; where
 *  simdjson would read it otherwise (or not at all), jansson decides (S_FALLBACK). */
typedef struct {
    const char *name;
    const char *json;
    size_t len; /* 0: strlen */
    bool accepted;
    s_way_t way;
} s_edge_t;

static const s_edge_t S_EDGES[] = {
    {"escaped NUL in a string", "{\"a\":\"x\\u0000y\"}", 0, false, S_FALLBACK},
    {"escaped NUL in a key", "{\"x\\u0000y\":1}", 0, false, S_FALLBACK},
    {"raw NUL in a string", "{\"a\":\"x\0y\"}", 11, false, S_FALLBACK},
    {"integer past int64", "{\"a\":9223372036854775808}", 0, false, S_FALLBACK},
    {"integer past uint64", "{\"a\":123456789012345678901234}", 0, false, S_FALLBACK},
    {"int64 max", "{\"a\":9223372036854775807}", 0, true, S_FAST},
    {"int64 min", "{\"a\":-9223372036854775808}", 0, true, S_FAST},
    {"below int64 min", "{\"a\":-9223372036854775809}", 0, false, S_FALLBACK},
    {"minus zero integer", "{\"a\":-0}", 0, true, S_FAST}, /* the integer 0, both */
    {"minus zero real", "{\"a\":-0.0}", 0, true, S_FAST},
    {"zero", "{\"a\":0,\"b\":0.0,\"c\":0e5}", 0, true, S_FAST},
    {"real overflow", "{\"a\":1e999}", 0, false, S_FALLBACK},
    {"real underflow", "{\"a\":1e-400}", 0, true, S_FAST},
    {"smallest subnormal", "{\"a\":4.9406564584124654e-324}", 0, true, S_FAST},
    {"largest double", "{\"a\":1.7976931348623157e308}", 0, true, S_FAST},
    {"hard rounding", "{\"a\":2.2250738585072011e-308,\"b\":0.1,\"c\":1.00000000000000011102230246251565404236316680908203125}", 0, true, S_FAST},
    {"exponent forms", "{\"a\":1E2,\"b\":1e+2,\"c\":-1.5e-3,\"d\":10}", 0, true, S_FAST},
    {"NaN", "{\"a\":NaN}", 0, false, S_FALLBACK},
    {"Infinity", "{\"a\":-Infinity}", 0, false, S_FALLBACK},
    {"leading zero", "{\"a\":01}", 0, false, S_FALLBACK},
    {"invalid UTF-8", "{\"a\":\"\xff\xfe\"}", 0, false, S_FALLBACK},
    {"overlong UTF-8", "{\"a\":\"\xc0\xaf\"}", 0, false, S_FALLBACK},
    {"UTF-8 surrogate", "{\"a\":\"\xed\xa0\x80\"}", 0, false, S_FALLBACK},
    {"lone surrogate", "{\"a\":\"\\ud800\"}", 0, false, S_FALLBACK},
    {"lone low surrogate", "{\"a\":\"\\udc00\"}", 0, false, S_FALLBACK},
    {"raw control character", "{\"a\":\"\x01\"}", 0, false, S_FALLBACK},
    {"trailing garbage", "{\"a\":1}x", 0, false, S_FALLBACK},
    {"two documents", "{\"a\":1}{\"a\":2}", 0, false, S_FALLBACK},
    {"trailing comma", "{\"a\":1,}", 0, false, S_FALLBACK},
    {"single quotes", "{'a':1}", 0, false, S_FALLBACK},
    {"comment", "{\"a\":1/*c*/}", 0, false, S_FALLBACK},
    {"truncated", "{\"a\":", 0, false, S_FALLBACK},
    {"empty", "", 0, false, S_FALLBACK},
    {"whitespace only", " \t\r\n", 0, false, S_FALLBACK},
    {"byte order mark", "\xef\xbb\xbf{\"a\":1}", 0, false, S_FALLBACK},
    {"a scalar", "42", 0, true, S_FAST},
    {"a string", "\"s\"", 0, true, S_FAST},
    {"null", "null", 0, true, S_FAST},
    {"surrounding whitespace", " \n{ \"a\" : [ 1 , 2 ] }\t", 0, true, S_FAST},
    {"empty containers", "{\"a\":{},\"b\":[],\"\":\"\"}", 0, true, S_FAST},
};

static void test_every_edge_gets_the_judges_answer(void **state)
{
    for (size_t i = 0; i < sizeof S_EDGES / sizeof S_EDGES[0]; i++) {
        const s_edge_t *e = &S_EDGES[i];
        bool ok;
        print_message("edge: %s\n", e->name);
        s_way_t way = s_agree(e->json, e->len ? e->len : strlen(e->json), &ok);
        assert_int_equal(ok, e->accepted);
        assert_int_equal(way, e->way);
    }
}

/*  Deeper than simdjson goes (1024), within jansson's 2048: jansson reads it. */
static void test_depth_past_simdjson_is_jansson_s(void **state)
{
    for (int depth = 1000; depth <= 2100; depth += 550) {
        char *f = malloc(2 * (size_t)depth + 2);
        assert_non_null(f);
        memset(f, '[', (size_t)depth);
        memset(f + depth, ']', (size_t)depth);
        f[2 * depth] = '\0';
        bool ok;
        s_way_t way = s_agree(f, 2 * (size_t)depth, &ok);
        assert_int_equal(ok, depth <= 2048);
        assert_int_equal(way, depth < 1024 ? S_FAST : S_FALLBACK);
        free(f);
    }
}

/*  A frame of 100,000 values grows the array; the frame after it still parses (the array and
 *  the parser's buffers are given back past their keep sizes). */
static void test_a_large_frame_then_a_small_one(void **state)
{
    size_t n = 100000, cap = n * 24 + 64, len = 0;
    char *f = malloc(cap);
    assert_non_null(f);
    len += (size_t)snprintf(f + len, cap - len, "{\"candles\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(f + len, cap - len, "%s{\"c\":%zu.5}", i ? "," : "", i);
    len += (size_t)snprintf(f + len, cap - len, "]}");
    bool ok;
    assert_int_equal(s_agree(f, len, &ok), S_FAST);
    assert_true(ok);
    const proto_jv_t *root;
    json_error_t je;
    assert_int_equal(proto_jv_parse(f, len, &root, &je), 0);
    const proto_jv_t *candles = proto_jv_get(root, "candles");
    assert_int_equal(proto_jv_array_size(candles), n);
    assert_true(proto_jv_number(proto_jv_get(proto_jv_array_get(candles, n - 1), "c")) ==
                (double)(n - 1) + 0.5);
    proto_jv_done();
    free(f);
    assert_int_equal(s_agree_str("{\"type\":\"heartbeat\"}", &ok), S_FAST);
    assert_true(ok);
}

/*  simdjson's DOM counts a container's members in 24 bits: past 0xFFFFFF its size() says
 *  0xFFFFFF. An array of 2^24 + 100 values (33 MB, only without feedback.max_frame_bytes,
 *  e.g. bitten_decode with no options) must still be read whole, inside the value array. */
static void test_more_members_than_simdjson_counts(void **state)
{
    size_t n = (1u << 24) + 100, len = 0;
    char *f = malloc(2 * n + 2);
    assert_non_null(f);
    f[len++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            f[len++] = ',';
        f[len++] = i + 1 == n ? '9' : '7';
    }
    f[len++] = ']';
    const proto_jv_t *root;
    json_error_t je;
    assert_int_equal(proto_jv_parse(f, len, &root, &je), 0);
    assert_int_equal(proto_jv_array_size(root), n);
    assert_int_equal(proto_jv_used(), n + 1);
    assert_int_equal(proto_jv_integer(proto_jv_array_get(root, n - 1)), 9);
    assert_int_equal(proto_jv_integer(proto_jv_array_get(root, 0xFFFFFF)), 7);
    proto_jv_done();
    free(f);
}

/*  Every frame the live EA recorded: the fast path takes each one and reads it as jansson. */
static void test_recorded_ea_frames_take_the_fast_path(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/ea_ticks_2025-09-15.jsonl", BITTEN_DATA_DIR);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[4096];
    size_t frames = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0)
            continue;
        bool ok;
        assert_int_equal(s_agree(line, len, &ok), S_FAST);
        assert_true(ok);
        frames++;
    }
    fclose(fp);
    assert_true(frames > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_path_reads_a_telemetry_frame_as_jansson),
        cmocka_unit_test(test_last_of_duplicate_keys_wins_on_both_paths),
        cmocka_unit_test(test_readers_are_null_safe_and_typed),
        cmocka_unit_test(test_every_edge_gets_the_judges_answer),
        cmocka_unit_test(test_depth_past_simdjson_is_jansson_s),
        cmocka_unit_test(test_a_large_frame_then_a_small_one),
        cmocka_unit_test(test_more_members_than_simdjson_counts),
        cmocka_unit_test(test_recorded_ea_frames_take_the_fast_path),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
