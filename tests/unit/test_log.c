/*  test_log.c: the logger: logfmt and JSON lines, levels that skip formatting, quoting,
 *  rate-limited repeats with a "suppressed N" line, and reopening the file. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "bitten/log.h"

static char s_path[64];

static char *s_read(void)
{
    static char buf[65536];
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
    assert_int_equal(json_integer_value(json_object_get(obj, "n")), 3);
    json_decref(obj);
}

//  The fields of one JSON-format line, parsed.
static json_t *s_json_fields(const char *fields)
{
    char members[4096], text[4200];
    bitten_log_fields_json(fields, members, sizeof members);
    snprintf(text, sizeof text, "{\"_\":0%s}", members);
    json_error_t err;
    json_t *obj = json_loads(text, 0, &err);
    assert_non_null(obj);
    return obj;
}

static void test_json_values_are_typed_numbers_booleans_null_and_strings(void **state)
{
    json_t *o = s_json_fields("lot=0.10 n=-3 big=1e3 ok=true alarm=false symbol=- "
                              "reason=BAD_JSON zero=007 text=\"42\" pct=12.5.1");
    assert_true(json_is_real(json_object_get(o, "lot")));
    assert_true(json_number_value(json_object_get(o, "lot")) == 0.10);
    assert_true(json_is_integer(json_object_get(o, "n")));
    assert_int_equal(json_integer_value(json_object_get(o, "n")), -3);
    assert_true(json_is_number(json_object_get(o, "big")));
    assert_true(json_is_true(json_object_get(o, "ok")));
    assert_true(json_is_false(json_object_get(o, "alarm")));
    assert_true(json_is_null(json_object_get(o, "symbol")));
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "BAD_JSON");
    //  not JSON numbers: kept as the text
    assert_string_equal(json_string_value(json_object_get(o, "zero")), "007");
    assert_string_equal(json_string_value(json_object_get(o, "pct")), "12.5.1");
    //  quoted: always a string
    assert_string_equal(json_string_value(json_object_get(o, "text")), "42");
    json_decref(o);
}

static void test_json_identity_keys_stay_strings_when_they_look_numeric(void **state)
{
    json_t *o = s_json_fields("uuid=12345678 signal_id=42 login=7 account_uuid=9 fire_id=5");
    assert_string_equal(json_string_value(json_object_get(o, "uuid")), "12345678");
    assert_string_equal(json_string_value(json_object_get(o, "signal_id")), "42");
    assert_string_equal(json_string_value(json_object_get(o, "login")), "7");
    assert_string_equal(json_string_value(json_object_get(o, "account_uuid")), "9");
    assert_int_equal(json_integer_value(json_object_get(o, "fire_id")), 5);
    json_decref(o);
}

static void test_json_escapes_quotes_newlines_and_control_bytes(void **state)
{
    char q[64];
    char fields[128];
    snprintf(fields, sizeof fields, "detail=%s", bitten_log_quote("a \"b\"\n\\c", q, sizeof q));
    json_t *o = s_json_fields(fields);
    assert_string_equal(json_string_value(json_object_get(o, "detail")), "a \"b\"\n\\c");
    json_decref(o);
    char small[16];
    size_t n = bitten_log_fields_json("a_long_key=a_long_value_that_is_cut", small, sizeof small);
    assert_true(n < sizeof small);
    assert_int_equal(strlen(small), n);
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

static void test_prefix_mode_writes_sd_daemon_priorities_without_timestamps(void **state)
{
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_DEBUG, BITTEN_LOG_LOGFMT, 0);
    assert_int_equal(bitten_log_set_journal(log, BITTEN_LOG_JOURNAL_PREFIX, NULL),
                     BITTEN_LOG_JOURNAL_PREFIX);
    BLOG_ERROR(log, "fire_router", "fire.timeout", "signal_id=S1 alarm=1");
    BLOG_WARN(log, "core", "strict.cleared", "");
    BLOG_INFO(log, "core", "daemon.started", "pid=1");
    BLOG_DEBUG(log, "core", "peer.seen", "");
    bitten_log_destroy(&log);
    assert_string_equal(s_read(), "<3>ERROR fire_router fire.timeout signal_id=S1 alarm=1\n"
                                  "<4>WARN core strict.cleared\n"
                                  "<6>INFO core daemon.started pid=1\n"
                                  "<7>DEBUG core peer.seen\n");
}

//  A fake journald: a datagram socket bound in /tmp.
static int s_fake_journal(char *path, size_t size)
{
    snprintf(path, size, "/tmp/bitten-journal-%d.sock", (int)getpid());
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

//  Value of FIELD in one native-protocol datagram ("KEY=value\n" lines), or NULL.
static const char *s_field(const char *entry, const char *key, char *out, size_t size)
{
    size_t n = strlen(key);
    for (const char *p = entry; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        if (strncmp(p, key, n) == 0 && p[n] == '=') {
            const char *end = strchr(p + n, '\n');
            snprintf(out, size, "%.*s", (int)(end ? (size_t)(end - p) - n - 1 : strlen(p + n + 1)),
                     p + n + 1);
            return out;
        }
    }
    return NULL;
}

static void test_native_mode_sends_priority_and_fields_to_the_journal_socket(void **state)
{
    char sock[108], entry[8192], v[256];
    int fd = s_fake_journal(sock, sizeof sock);
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0);
    assert_int_equal(bitten_log_set_journal(log, BITTEN_LOG_JOURNAL_NATIVE, sock),
                     BITTEN_LOG_JOURNAL_NATIVE);
    char q[64];
    BLOG_ERROR(log, "fire_router", "fire.timeout", "signal_id=VENOM_EURUSD_1 uuid=acc-1 "
               "reason=TIMEOUT symbol=EURUSD alarm=1 message=%s",
               bitten_log_quote("two\nlines", q, sizeof q));
    BLOG_INFO(log, "citadel", "verdict.blocked", "signal_id=VENOM_EURUSD_2");
    ssize_t n = recv(fd, entry, sizeof entry - 1, 0);
    assert_true(n > 0);
    entry[n] = '\0';
    assert_string_equal(s_field(entry, "PRIORITY", v, sizeof v), "3");
    assert_string_equal(s_field(entry, "SYSLOG_IDENTIFIER", v, sizeof v), "bittend");
    assert_string_equal(s_field(entry, "MODULE", v, sizeof v), "fire_router");
    assert_string_equal(s_field(entry, "EVENT", v, sizeof v), "fire.timeout");
    assert_string_equal(s_field(entry, "SIGNAL_ID", v, sizeof v), "VENOM_EURUSD_1");
    assert_string_equal(s_field(entry, "UUID", v, sizeof v), "acc-1");
    assert_string_equal(s_field(entry, "REASON", v, sizeof v), "TIMEOUT");
    assert_string_equal(s_field(entry, "SYMBOL", v, sizeof v), "EURUSD");
    assert_string_equal(s_field(entry, "ALARM", v, sizeof v), "1");
    assert_non_null(strstr(s_field(entry, "MESSAGE", v, sizeof v), "ERROR fire_router fire.timeout"));
    //  a key that names a journal field of its own is prefixed; a newline takes the binary form
    static const char binary[] = "\nBITTEN_MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\n";
    assert_non_null(memmem(entry, (size_t)n, binary, sizeof binary - 1));
    n = recv(fd, entry, sizeof entry - 1, 0);
    assert_true(n > 0);
    entry[n] = '\0';
    assert_string_equal(s_field(entry, "PRIORITY", v, sizeof v), "6");
    assert_string_equal(s_field(entry, "EVENT", v, sizeof v), "verdict.blocked");
    bitten_log_destroy(&log);
    assert_string_equal(s_read(), ""); /* the journal took both */
    close(fd);
    unlink(sock);
}

//  A journal that is slow to read (its queue holds only net.unix.max_dgram_qlen entries, 10 by
//  default): the entries it cannot take now wait in order and reach it later, none goes to
//  stderr while the wait queue has room, and what never fits is written to stderr at the end.
static void test_a_busy_journal_gets_every_entry_in_order_later(void **state)
{
    char sock[108], entry[8192], v[256];
    int fd = s_fake_journal(sock, sizeof sock);
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0);
    bitten_log_set_journal(log, BITTEN_LOG_JOURNAL_NATIVE, sock);
    enum { N = 100 };
    for (int i = 0; i < N; i++)
        BLOG_INFO(log, "core", "line", "n=%d", i);
    assert_string_equal(s_read(), ""); /* nothing fell back to stderr */
    //  Read what the queue held, then let the logger send the rest, until all arrived.
    int next = 0;
    for (int round = 0; round < 10 * N && next < N; round++) {
        struct timeval tv = {0, 100 * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t n;
        while ((n = recv(fd, entry, sizeof entry - 1, MSG_DONTWAIT)) > 0) {
            entry[n] = '\0';
            char want[16];
            snprintf(want, sizeof want, "%d", next++);
            assert_string_equal(s_field(entry, "N", v, sizeof v), want);
        }
        bitten_log_flush_suppressed(log); /* the core's housekeeping timer */
    }
    assert_int_equal(next, N);
    //  A journal that stops reading: once its queue and the wait queue are full, lines go to
    //  stderr; at the end whatever still waits goes there too: no line is lost.
    for (int i = 0; i < 400; i++)
        BLOG_INFO(log, "core", "late", "n=%d", i);
    bitten_log_destroy(&log);
    char *out = s_read();
    int on_stderr = s_count(out, "INFO core late");
    int in_journal = 0;
    ssize_t n;
    while ((n = recv(fd, entry, sizeof entry - 1, MSG_DONTWAIT)) > 0)
        in_journal++;
    assert_int_equal(on_stderr + in_journal, 400);
    assert_true(on_stderr > 0);
    close(fd);
    unlink(sock);
}

static void test_native_mode_falls_back_to_prefixed_lines_without_a_journal(void **state)
{
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0);
    bitten_log_set_journal(log, BITTEN_LOG_JOURNAL_NATIVE, "/nonexistent/journal.sock");
    BLOG_ERROR(log, "core", "strict.violation", "path=x");
    bitten_log_destroy(&log);
    assert_string_equal(s_read(), "<3>ERROR core strict.violation path=x\n");
}

static void test_journal_stream_names_the_fd_by_device_and_inode(void **state)
{
    int fd = open(s_path, O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    char env[64];
    snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    assert_true(bitten_log_fd_is_journal(fd, env));
    snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + 1);
    assert_false(bitten_log_fd_is_journal(fd, env));
    assert_false(bitten_log_fd_is_journal(fd, NULL));
    assert_false(bitten_log_fd_is_journal(fd, "garbage"));
    close(fd);
    //  auto: a log file is never the journal
    bitten_log_t *log = bitten_log_new(s_path, BITTEN_LOG_INFO, BITTEN_LOG_LOGFMT, 0);
    assert_int_equal(bitten_log_set_journal(log, BITTEN_LOG_JOURNAL_AUTO, NULL),
                     BITTEN_LOG_JOURNAL_OFF);
    bitten_log_destroy(&log);
    assert_int_equal(bitten_log_journal_from_str("native"), BITTEN_LOG_JOURNAL_NATIVE);
    assert_int_equal(bitten_log_journal_from_str("syslog"), -1);
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
        cmocka_unit_test(test_json_values_are_typed_numbers_booleans_null_and_strings),
        cmocka_unit_test(test_json_identity_keys_stay_strings_when_they_look_numeric),
        cmocka_unit_test(test_json_escapes_quotes_newlines_and_control_bytes),
        cmocka_unit_test_setup_teardown(test_prefix_mode_writes_sd_daemon_priorities_without_timestamps, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_native_mode_sends_priority_and_fields_to_the_journal_socket, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_busy_journal_gets_every_entry_in_order_later, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_native_mode_falls_back_to_prefixed_lines_without_a_journal, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_journal_stream_names_the_fd_by_device_and_inode, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
