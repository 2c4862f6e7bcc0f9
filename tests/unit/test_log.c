/*  test_log.c: the logger: logfmt and JSON lines, levels that skip formatting, quoting,
 *  rate-limited repeats with a "suppressed N" line, and reopening the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "bitten/log.h"

static char s_path[64];

static char *s_read(void)
{
    static char buf[16384];
    FILE *f = fopen(s_path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static int s_setup(void **state)
{
    snprintf(s_path, sizeof s_path, "/tmp/bitten-log-XXXXXX");
    int fd = mkstemp(s_path);
    close(fd);
    return 0;
}

static int s_teardown(void **state)
{
    unlink(s_path);
    return 0;
}

static int s_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_logfmt_line_has_timestamp_level_module_event_fields(void **state)
{
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0);
    BLOG_INFO(log, "fire_router", "fire.sent", "signal_id=%s lot=%.2f", "VENOM_EURUSD_1", 0.1);
    bitten_log_destroy(&log);
    const char *text = s_read();
    //  2026-11-25T10:00:00.123Z INFO fire_router fire.sent signal_id=... lot=0.10
    assert_int_equal(text[4], '-');
    assert_int_equal(text[10], 'T');
    assert_int_equal(text[23], 'Z');
    assert_string_equal(text + 24, " INFO fire_router fire.sent signal_id=VENOM_EURUSD_1 lot=0.10\n");
}

static int s_formatted;

static const char *s_expensive(void)
{
    s_formatted++;
    return "x";
}

static void test_lines_below_the_level_are_not_formatted(void **state)
{
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_WARN, BITTEN_LOG_LOGFMT, 0);
    s_formatted = 0;
    BLOG_INFO(log, "m", "e", "v=%s", s_expensive());
    BLOG_DEBUG(log, "m", "e", "v=%s", s_expensive());
    assert_int_equal(s_formatted, 0);
    BLOG_WARN(log, "m", "e", "v=%s", s_expensive());
    assert_int_equal(s_formatted, 1);
    bitten_log_destroy(&log);
    assert_int_equal(s_count(s_read(), " WARN m e v=x"), 1);
}

static void test_json_format_turns_fields_into_members(void **state)
{
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_DEBUG, BITTEN_LOG_JSON, 0);
    char q[64];
    BLOG_ERROR(log, "core", "frame.rejected", "reason=BAD_JSON detail=%s n=3",
               bitten_log_quote("not \"json\" at all", q, sizeof q));
    bitten_log_destroy(&log);
    json_error_t err;
    json_t *obj = json_loads(s_read(), 0, &err);
    assert_non_null(obj);
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "error");
    assert_string_equal(json_string_value(json_object_get(obj, "module")), "core");
    assert_string_equal(json_string_value(json_object_get(obj, "event")), "frame.rejected");
    assert_string_equal(json_string_value(json_object_get(obj, "reason")), "BAD_JSON");
    assert_string_equal(json_string_value(json_object_get(obj, "detail")), "not \"json\" at all");
    assert_string_equal(json_string_value(json_object_get(obj, "n")), "3");
    json_decref(obj);
}

static void test_identical_repeats_are_suppressed_and_reported(void **state)
{
    //  A window far longer than 51 writes take on any machine, however busy (the repeats must
    //  all fall inside it); the sleep then outlasts it.
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 3000);
    for (int i = 0; i < 50; i++)
        BLOG_WARN(log, "core", "peer.flood", "uuid=a");
    BLOG_WARN(log, "core", "peer.flood", "uuid=b"); /* different fields: not a repeat */
    usleep(3100 * 1000);
    bitten_log_flush_suppressed(log);
    BLOG_WARN(log, "core", "peer.flood", "uuid=a"); /* window over: printed again */
    bitten_log_destroy(&log);
    const char *text = s_read();
    assert_int_equal(s_count(text, "peer.flood uuid=a"), 2);
    assert_int_equal(s_count(text, "peer.flood uuid=b"), 1);
    assert_int_equal(s_count(text, "log.suppressed suppressed=49 of_module=core of_event=peer.flood"), 1);
}

static void test_quote_leaves_plain_tokens_and_escapes_the_rest(void **state)
{
    char buf[64];
    assert_string_equal(bitten_log_quote("EURUSD", buf, sizeof buf), "EURUSD");
    assert_string_equal(bitten_log_quote("a b", buf, sizeof buf), "\"a b\"");
    assert_string_equal(bitten_log_quote("", buf, sizeof buf), "\"\"");
    assert_string_equal(bitten_log_quote("x=\"1\"\n", buf, sizeof buf), "\"x=\\\"1\\\"\\n\"");
    char small[6];
    bitten_log_quote("abcdefghij k", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

static void test_excerpt_shows_bytes_safely_and_marks_cuts(void **state)
{
    char buf[128];
    assert_string_equal(bitten_log_excerpt("ab\x01\"", 4, 64, buf, sizeof buf), "\"ab\\x01\\x22\"");
    assert_string_equal(bitten_log_excerpt("abcdef", 6, 3, buf, sizeof buf), "\"abc...\"");
}

static void test_reopen_writes_to_the_new_file_after_rotation(void **state)
{
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0);
    BLOG_INFO(log, "m", "before", "");
    char rotated[80];
    snprintf(rotated, sizeof rotated, "%s.1", s_path);
    assert_int_equal(rename(s_path, rotated), 0);
    assert_int_equal(bitten_log_reopen(log), 0);
    BLOG_INFO(log, "m", "after", "");
    bitten_log_destroy(&log);
    const char *text = s_read();
    assert_non_null(strstr(text, " INFO m after\n"));
    assert_null(strstr(text, "before"));
    unlink(rotated);
}

static void test_level_names_round_trip(void **state)
{
    assert_int_equal(bitten_log_level_from_str("debug"), BITTEN_LOG_DEBUG);
    assert_int_equal(bitten_log_level_from_str("warning"), BITTEN_LOG_WARN);
    assert_int_equal(bitten_log_level_from_str("loud"), -1);
    assert_string_equal(bitten_log_level_str(BITTEN_LOG_ERROR), "error");
    assert_null(bitten_log_new("/nonexistent/dir/x.log", BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logfmt_line_has_timestamp_level_module_event_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_lines_below_the_level_are_not_formatted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_json_format_turns_fields_into_members, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_identical_repeats_are_suppressed_and_reported, s_setup, s_teardown),
        cmocka_unit_test(test_quote_leaves_plain_tokens_and_escapes_the_rest),
        cmocka_unit_test(test_excerpt_shows_bytes_safely_and_marks_cuts),
        cmocka_unit_test_setup_teardown(test_reopen_writes_to_the_new_file_after_rotation, s_setup, s_teardown),
        cmocka_unit_test(test_level_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
