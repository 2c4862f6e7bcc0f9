/*  test_ea_json.c: the EAs' naive JSON reader (tools/ea_sim/ea_json.c) behaves like v7's
 *  GetJsonValue and v2.x's ExtractJsonValue: first match wins anywhere, escapes are not
 *  interpreted, the per-flavor value ends, missing -> "", and 4095/4096-byte truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ea_json.h"

static const char *s_get(const char *json, const char *key, ea_json_flavor_t f)
{
    static char out[8192];
    ea_json_get(json, key, f, out, sizeof out);
    return out;
}

static void test_the_first_occurrence_wins_even_nested_or_inside_a_string(void **state)
{
    (void)state;
    const char *nested = "{\"meta\":{\"symbol\":\"GBPUSD\"},\"symbol\":\"EURUSD\"}";
    assert_string_equal(s_get(nested, "symbol", EA_JSON_V7), "GBPUSD");
    assert_string_equal(s_get(nested, "symbol", EA_JSON_V2), "GBPUSD");
    const char *in_string = "{\"comment\":\"x \\\"sl\\\":999\",\"sl\":200}";
    //  The escaped quote ends nothing for the search: `"sl\":` is not `"sl":`, so the real
    //  key is found here; but a raw `"sl":` inside a value wins.
    assert_string_equal(s_get(in_string, "sl", EA_JSON_V7), "200");
    const char *raw = "{\"message\":\"a\",\"note\":\"see \"sl\":5 \",\"sl\":200}";
    assert_string_equal(s_get(raw, "sl", EA_JSON_V7), "5");
    assert_string_equal(s_get(raw, "sl", EA_JSON_V2), "5 \"");
    //  "type" inside a nested object before the real one changes what the EA dispatches.
    const char *type = "{\"data\":{\"type\":\"ping\"},\"type\":\"signal\"}";
    assert_string_equal(s_get(type, "type", EA_JSON_V2), "ping");
}

static void test_the_key_needs_its_colon_right_after_the_quote(void **state)
{
    (void)state;
    const char *spaced = "{\"lot\" : 0.05, \"lot\":0.07}";
    assert_string_equal(s_get(spaced, "lot", EA_JSON_V7), "0.07");
    const char *blanks = "{\"lot\":  \t0.05}";
    assert_string_equal(s_get(blanks, "lot", EA_JSON_V7), "0.05");
    //  A key that is only a suffix of another does not match ("xsl" is not "sl").
    assert_string_equal(s_get("{\"xsl\":1,\"sl\":2}", "sl", EA_JSON_V2), "2");
}

static void test_escapes_are_not_interpreted(void **state)
{
    (void)state;
    const char *esc = "{\"broker\":\"Soci\\u00e9t\\u00e9\",\"id\":\"a\\\"b\"}";
    assert_string_equal(s_get(esc, "broker", EA_JSON_V7), "Soci\\u00e9t\\u00e9");
    assert_string_equal(s_get(esc, "id", EA_JSON_V7), "a\\"); /* \" ends the string */
    //  No closing quote: v7 gives "", v2.x the rest of the text.
    assert_string_equal(s_get("{\"id\":\"abc", "id", EA_JSON_V7), "");
    assert_string_equal(s_get("{\"id\":\"abc", "id", EA_JSON_V2), "abc");
}

static void test_value_ends_differ_per_flavor(void **state)
{
    (void)state;
    const char *spaced = "{\"lot\":0.05 ,\"x\":1}";
    assert_string_equal(s_get(spaced, "lot", EA_JSON_V7), "0.05");
    assert_string_equal(s_get(spaced, "lot", EA_JSON_V2), "0.05 ");
    const char *arr = "{\"v\":[1,2],\"w\":3]}";
    assert_string_equal(s_get(arr, "w", EA_JSON_V7), "3]");
    assert_string_equal(s_get(arr, "w", EA_JSON_V2), "3");
    const char *crlf = "{\"tp\":300\r\n}";
    assert_string_equal(s_get(crlf, "tp", EA_JSON_V7), "300");
    assert_string_equal(s_get(crlf, "tp", EA_JSON_V2), "300\r\n");
}

static void test_missing_and_numbers(void **state)
{
    (void)state;
    char out[16] = "junk";
    assert_false(ea_json_get("{\"a\":1}", "b", EA_JSON_V7, out, sizeof out));
    assert_string_equal(out, "");
    assert_true(ea_json_get("{\"b\":\"\"}", "b", EA_JSON_V7, out, sizeof out));
    assert_string_equal(out, "");
    assert_true(ea_json_double("{\"lot\":\"0.05\"}", "lot", EA_JSON_V7) == 0.05);
    assert_true(ea_json_double("{\"lot\":0.05}", "lot", EA_JSON_V2) == 0.05);
    assert_true(ea_json_double("{\"lot\":null}", "lot", EA_JSON_V7) == 0.0);
    assert_true(ea_json_double("{\"lot\":abc}", "lot", EA_JSON_V7) == 0.0);
    assert_true(ea_json_double("{}", "lot", EA_JSON_V7) == 0.0);
    assert_true(ea_json_int("{\"ticket\":20659629}", "ticket", EA_JSON_V2) == 20659629LL);
    assert_true(ea_json_int("{\"ticket\":\"-7x\"}", "ticket", EA_JSON_V2) == -7LL);
}

static void test_frames_are_cut_at_the_receive_size_and_at_nul(void **state)
{
    (void)state;
    static char big[5000], out[5001];
    memset(big, 'a', sizeof big);
    assert_int_equal(ea_json_frame(big, sizeof big, EA_JSON_V7, out, sizeof out), 4095);
    assert_int_equal(strlen(out), 4095);
    assert_int_equal(ea_json_frame(big, sizeof big, EA_JSON_V2, out, sizeof out), 4096);
    //  A key past the cut is not seen: the EA reads "".
    const char *pre = "{\"type\":\"signal\",\"pad\":\"";
    memcpy(big, pre, strlen(pre));
    memcpy(big + 4090, "\",\"symbol\":\"EURUSD\"}", 20);
    ea_json_frame(big, 4110, EA_JSON_V7, out, sizeof out);
    assert_string_equal(s_get(out, "symbol", EA_JSON_V7), "");
    assert_string_equal(s_get(out, "type", EA_JSON_V7), "signal");
    const char nul[] = "{\"a\":1}\0{\"b\":2}";
    assert_int_equal(ea_json_frame(nul, sizeof nul - 1, EA_JSON_V2, out, sizeof out), 7);
    assert_string_equal(s_get(out, "b", EA_JSON_V2), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_first_occurrence_wins_even_nested_or_inside_a_string),
        cmocka_unit_test(test_the_key_needs_its_colon_right_after_the_quote),
        cmocka_unit_test(test_escapes_are_not_interpreted),
        cmocka_unit_test(test_value_ends_differ_per_flavor),
        cmocka_unit_test(test_missing_and_numbers),
        cmocka_unit_test(test_frames_are_cut_at_the_receive_size_and_at_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
