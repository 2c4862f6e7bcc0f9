/*  test_bittenctl_json.c: bittenctl's contract against the real daemon: with --json every
 *  command prints exactly one JSON object on stdout, success or not, with "ok" and, when not
 *  ok, "reason" and "error"; exit codes 0 ok, 1 refused/not found, 2 usage, 3 unreachable;
 *  floats with at most 15 significant digits; status shows halts, alarms, fires and CITADEL;
 *  and journald sees priorities and fields (a fake journal socket). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define UUID "acct_json_1"
#define ACCOUNTS                                                                                   \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"                   \
    "        mode = \"manual\"\n" \
    "command\n    account = \"" UUID "\"\n"
#define TELEMETRY                                                                                  \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"                \
    "\"equity\":10000,\"margin\":0,\"free_margin\":10000}}"

typedef struct {
    bt_daemon_t d;
    void *fb, *cmd;
} s_env_t;

static void s_start(s_env_t *e, const char *const *more_args)
{
    const char *args[24] = {
        "--set", "feedback.socket=pull",       "--set", "fire.result_timeout_s=1",
        "--set", "fire.check_interval_ms=100", "--set", "ea.ping_interval_s=0",
        "--set", "command.keepalive_s=100"};
    int n = 10;
    for (int i = 0; more_args && more_args[i]; i++)
        args[n++] = more_args[i];
    args[n] = NULL;
    assert_int_equal(bt_daemon_start(&e->d, ACCOUNTS, args), 0);
    e->fb = bt_feedback_socket(&e->d, true);
    e->cmd = bt_command_socket(&e->d);
    assert_int_equal(bt_wait_status(&e->d, "command.peers", 1, 3000), 1);
    bt_send(e->fb, TELEMETRY);
    assert_int_equal(bt_wait_status(&e->d, "eas.online", 1, 3000), 1);
}

static void s_stop(s_env_t *e)
{
    zmq_close(e->cmd);
    zmq_close(e->fb);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
}

//  No decimal in text (a run of digits with a dot) has more than 15 significant digits.
static void s_assert_15_digits(const char *text)
{
    const char *p = text;
    while (*p) {
        if (!(*p >= '0' && *p <= '9')) {
            p++;
            continue;
        }
        const char *start = p;
        int digits = 0;
        bool dot = false, lead = true;
        for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
            if (*p == '.')
                dot = true;
            else if (!(lead && *p == '0')) {
                lead = false;
                digits++;
            }
        }
        if (dot && digits > 15) {
            fprintf(stderr, "more than 15 significant digits: %.30s\n", start);
            fail();
        }
    }
}

//  Runs bittenctl with --json and args; stdout must be exactly one JSON object with a boolean
//  "ok" (and "reason" and "error" strings when it is false). Checks the exit code; returns the
//  object (caller decrefs).
static json_t *s_json(s_env_t *e, int want_rc, const char *fmt, ...)
{
    char args[1024], cmd[2048], out[65536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s --control %s --json %s 2>/dev/null", BITTENCTL_PATH, e->d.control,
             args);
    int rc = bt_run(cmd, out, sizeof out, 15000);
    json_error_t err;
    json_t *obj = json_loads(out, 0, &err); /* trailing text fails: one object only */
    if (rc != want_rc || !json_is_object(obj)) {
        fprintf(stderr, "bittenctl %s: rc %d (want %d), stdout: %s\n", args, rc, want_rc, out);
        fail();
    }
    json_t *ok = json_object_get(obj, "ok");
    assert_true(json_is_boolean(ok));
    assert_int_equal(json_is_true(ok), want_rc == 0);
    if (!json_is_true(ok)) {
        assert_true(json_is_string(json_object_get(obj, "reason")));
        assert_true(json_is_string(json_object_get(obj, "error")));
    }
    s_assert_15_digits(out);
    return obj;
}

static void s_reason(json_t *obj, const char *reason)
{
    assert_string_equal(json_string_value(json_object_get(obj, "reason")), reason);
    json_decref(obj);
}

static void test_every_read_command_answers_one_object_with_ok(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    json_t *r = s_json(&e, 0, "status");
    assert_non_null(json_object_get(r, "risk"));
    json_decref(r);
    r = s_json(&e, 0, "eas");
    assert_int_equal(json_array_size(json_object_get(r, "eas")), 1);
    json_decref(r);
    r = s_json(&e, 0, "eas --uuid " UUID);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "eas"), 0), "uuid")),
        UUID);
    json_decref(r);
    s_reason(s_json(&e, 1, "eas --uuid nobody"), "NOT_FOUND");
    json_decref(s_json(&e, 0, "config"));
    r = s_json(&e, 0, "accounts");
    assert_true(json_is_array(json_object_get(r, "accounts")));
    assert_true(json_is_boolean(json_object_get(r, "halted_global")));
    json_decref(r);
    json_decref(s_json(&e, 0, "fires --limit 5"));
    json_decref(s_json(&e, 0, "signals --symbol EURUSD --limit 3"));
    r = s_json(&e, 0, "xp --uuid " UUID);
    assert_true(json_is_integer(json_object_get(r, "xp")));
    json_decref(r);
    s_reason(s_json(&e, 1, "xp --uuid nobody"), "UNKNOWN_ACCOUNT");
    json_decref(s_json(&e, 0, "call status"));
    s_reason(s_json(&e, 1, "call frobnicate"), "UNKNOWN_COMMAND");
    //  tail: one object per event; none within a second is no output and exit 0.
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "%s --control %s --json tail --topic nothing.here --seconds 1",
             BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_string_equal(out, "");
    s_stop(&e);
    bt_daemon_cleanup(&e.d);
}

static void test_fire_close_halt_resume_answer_one_object_success_or_not(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    json_t *r = s_json(&e, 0,
                       "fire --uuid " UUID " --symbol EURUSD --action buy --sl-pips 20 "
                       "--tp-pips 30 --lot 0.01 --id j_fire_1");
    assert_string_equal(json_string_value(json_object_get(r, "state")), "SENT");
    json_decref(r);
    //  A refused fire prints its refusal on stdout (it printed nothing before).
    r = s_json(&e, 1, "fire --uuid nobody --symbol EURUSD --action buy --sl-pips 20 --id j_ref");
    assert_string_equal(json_string_value(json_object_get(r, "state")), "REFUSED");
    s_reason(r, "UNKNOWN_ACCOUNT");
    //  Retried: DUPLICATE, and the message says it was refused, not fired.
    r = s_json(&e, 1, "fire --uuid nobody --symbol EURUSD --action buy --sl-pips 20 --id j_ref");
    assert_string_equal(json_string_value(json_object_get(r, "first_reason")), "UNKNOWN_ACCOUNT");
    assert_non_null(
        strstr(json_string_value(json_object_get(r, "error")), "was REFUSED (UNKNOWN_ACCOUNT)"));
    assert_null(strstr(json_string_value(json_object_get(r, "error")), "already fired"));
    s_reason(r, "DUPLICATE");
    r = s_json(&e, 1,
               "fire --uuid " UUID " --symbol EURUSD --action buy --sl-pips 20 "
               "--tp-pips 30 --lot 0.01 --id j_fire_1");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "already used"));
    s_reason(r, "DUPLICATE");
    r = s_json(&e, 0, "close --uuid " UUID " --symbol EURUSD --id j_close_1");
    assert_string_equal(json_string_value(json_object_get(r, "state")), "SENT");
    json_decref(r);
    s_reason(s_json(&e, 1, "close --uuid nobody"), "UNKNOWN_ACCOUNT");
    r = s_json(&e, 0, "halt --why \"json test\"");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "halt"), "scope")),
                        "global");
    json_decref(r);
    r = s_json(&e, 0, "resume");
    assert_int_equal(json_array_size(json_object_get(r, "released")), 1);
    json_decref(r);
    s_stop(&e);
    bt_daemon_cleanup(&e.d);
}

static void test_usage_errors_are_one_object_and_exit_2(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    s_reason(s_json(&e, 2, "status --bogus"), "USAGE");
    s_reason(s_json(&e, 2, "status --uuid x"), "USAGE"); /* an option of another command */
    s_reason(s_json(&e, 2, "--timeout-ms abc status"), "USAGE");
    s_reason(s_json(&e, 2, "fires --limit ten"), "USAGE");
    s_reason(s_json(&e, 2, "tail --seconds 1x"), "USAGE");
    s_reason(s_json(&e, 2, "fire --uuid " UUID " --symbol EURUSD --action buy --sl-pips abc"),
             "USAGE");
    s_reason(s_json(&e, 2, "fire --uuid " UUID), "USAGE");
    s_reason(s_json(&e, 2, "halt"), "USAGE");
    s_reason(s_json(&e, 2, "xp"), "USAGE");
    s_reason(s_json(&e, 2, "nonsense"), "USAGE");
    s_reason(s_json(&e, 2, "status extra"), "USAGE");
    s_reason(s_json(&e, 2, "call"), "USAGE");
    s_reason(s_json(&e, 2, "keygen"), "USAGE");
    char out[256];
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --version", BITTENCTL_PATH);
    assert_int_equal(bt_run(cmd, out, sizeof out, 5000), 0);
    assert_non_null(strstr(out, "bittenctl "));
    snprintf(cmd, sizeof cmd, "%s --version", BITTEND_PATH);
    assert_int_equal(bt_run(cmd, out, sizeof out, 5000), 0);
    assert_non_null(strstr(out, "bittend "));
    //  Not running: every command is one UNREACHABLE object and exit 3.
    s_stop(&e);
    static const char *const cmds[] = {"status",
                                       "eas",
                                       "config",
                                       "accounts",
                                       "fires",
                                       "signals",
                                       "xp --uuid " UUID,
                                       "fire --uuid " UUID
                                       " --symbol EURUSD --action buy --sl-pips 20",
                                       "close --uuid " UUID,
                                       "halt --why x",
                                       "resume",
                                       "call status",
                                       "tail --seconds 1"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        s_reason(s_json(&e, 3, "--timeout-ms 200 %s", cmds[i]), "UNREACHABLE");
    bt_daemon_cleanup(&e.d);
}

static void test_keygen_keeps_an_existing_pair_without_force(void **state)
{
    s_env_t e = {0};
    snprintf(e.d.control, sizeof e.d.control, "ipc:///nonexistent/none.sock"); /* offline */
    char dir[] = "/tmp/bitten-keygen-XXXXXX";
    assert_non_null(mkdtemp(dir));
    json_t *r = s_json(&e, 0, "keygen --server --dir %s", dir);
    const char *key = json_string_value(json_object_get(r, "public_key"));
    assert_non_null(key);
    char first[64];
    snprintf(first, sizeof first, "%s", key);
    json_decref(r);
    r = s_json(&e, 1, "keygen --server --dir %s", dir);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "--force"));
    s_reason(r, "KEY_EXISTS");
    //  the refused run left the first key in place
    char path[128], text[4096];
    snprintf(path, sizeof path, "%s/server.cert", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(text, first));
    r = s_json(&e, 0, "keygen --server --dir %s --force", dir);
    assert_string_not_equal(json_string_value(json_object_get(r, "public_key")), first);
    json_decref(r);
    json_decref(s_json(&e, 0, "keygen --uuid ea_1 --dir %s", dir));
    s_reason(s_json(&e, 1, "keygen --uuid ea_1 --dir %s", dir), "KEY_EXISTS");
    s_reason(s_json(&e, 2, "keygen --uuid 'bad uuid' --dir %s", dir), "USAGE");
    snprintf(path, sizeof path, "rm -rf %s", dir);
    bt_run(path, NULL, 0, 5000);
}

static void test_control_replies_print_floats_with_15_digits(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    bt_sleep_ms(50); /* an uptime with a fraction */
    void *req = zmq_socket(e.d.zctx, ZMQ_REQ);
    int t = 3000;
    zmq_setsockopt(req, ZMQ_RCVTIMEO, &t, sizeof t);
    assert_int_equal(zmq_connect(req, e.d.control), 0);
    const char *ask[] = {"{\"cmd\":\"status\"}", "{\"cmd\":\"accounts_risk\"}",
                         "{\"cmd\":\"accounts\"}"};
    for (size_t i = 0; i < 3; i++) {
        char buf[65536];
        assert_true(zmq_send(req, ask[i], strlen(ask[i]), 0) > 0);
        int n = zmq_recv(req, buf, sizeof buf - 1, 0);
        assert_true(n > 0);
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        s_assert_15_digits(buf);
    }
    zmq_close(req);
    s_stop(&e);
    bt_daemon_cleanup(&e.d);
}

static void test_status_shows_halts_alarms_open_fires_and_citadel(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    char cmd[1024], out[65536];
    snprintf(cmd, sizeof cmd, "%s --control %s status", BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "halts         none"));
    assert_non_null(strstr(out, "alarms        none"));
    assert_non_null(strstr(out, "citadel       threshold="));
    json_decref(s_json(&e, 0, "halt --hard --uuid " UUID " --why \"margin call\""));
    json_decref(s_json(&e, 0, "halt --why \"news at 14:30\""));
    json_decref(s_json(&e, 0, "close --uuid " UUID " --symbol EURUSD --id j_late"));
    //  No result within fire.result_timeout_s = 1: a TIMEOUT, an alarm.
    assert_true(bt_wait_status(&e.d, "fires.transitions.TIMEOUT", 1, 5000) >= 1);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    assert_non_null(strstr(out, "GLOBAL HALT"));
    assert_non_null(strstr(out, "global soft HALTED (OPERATOR)"));
    assert_non_null(strstr(out, ": news at 14:30"));
    assert_non_null(strstr(out, UUID " hard"));
    assert_non_null(strstr(out, ": margin call"));
    assert_non_null(strstr(out, "fire timeouts="));
    assert_non_null(strstr(out, "TIMEOUT=")); /* open fires by state */
    s_stop(&e);
    bt_daemon_cleanup(&e.d);
}

/* ---------------------------------------------------------------- journald */

static int s_fake_journal(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
    unlink(path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {0, 200 * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

//  A fake journal that a thread drains all the time, as journald does: a unix datagram queue
//  holds only net.unix.max_dgram_qlen entries (10 by default), and a daemon whose journal is
//  full writes the line to stderr instead, so a reader that waits would see lines go missing
//  from the journal depending on the machine's speed.
#define S_JOURNAL_MAX 4096
typedef struct {
    int fd;
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop;
    char *entry[S_JOURNAL_MAX];
    size_t len[S_JOURNAL_MAX];
    size_t n;
} s_journal_t;

static void *s_journal_drain(void *arg)
{
    s_journal_t *j = arg;
    char buf[16384];
    for (;;) {
        pthread_mutex_lock(&j->mu);
        bool stop = j->stop;
        pthread_mutex_unlock(&j->mu);
        if (stop)
            break;
        ssize_t n = recv(j->fd, buf, sizeof buf, 0);
        if (n <= 0)
            continue;
        pthread_mutex_lock(&j->mu);
        if (j->n < S_JOURNAL_MAX) {
            j->entry[j->n] = malloc((size_t)n);
            memcpy(j->entry[j->n], buf, (size_t)n);
            j->len[j->n++] = (size_t)n;
        }
        pthread_mutex_unlock(&j->mu);
    }
    return NULL;
}

static void s_journal_start(s_journal_t *j, const char *path)
{
    memset(j, 0, sizeof *j);
    j->fd = s_fake_journal(path);
    pthread_mutex_init(&j->mu, NULL);
    assert_int_equal(pthread_create(&j->thread, NULL, s_journal_drain, j), 0);
}

static size_t s_journal_count(s_journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    size_t n = j->n;
    pthread_mutex_unlock(&j->mu);
    return n;
}

//  Copies entry i (i < s_journal_count) into out; returns its length.
static size_t s_journal_get(s_journal_t *j, size_t i, char *out, size_t cap)
{
    pthread_mutex_lock(&j->mu);
    size_t n = j->len[i] < cap ? j->len[i] : cap;
    memcpy(out, j->entry[i], n);
    pthread_mutex_unlock(&j->mu);
    return n;
}

static void s_journal_stop(s_journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    j->stop = true;
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    for (size_t i = 0; i < j->n; i++)
        free(j->entry[i]);
    pthread_mutex_destroy(&j->mu);
    close(j->fd);
}

//  True when the datagram has the line KEY=VALUE.
static bool s_has(const char *entry, size_t len, const char *kv)
{
    size_t n = strlen(kv);
    for (size_t i = 0; i + n <= len; i++)
        if ((i == 0 || entry[i - 1] == '\n') && memcmp(entry + i, kv, n) == 0 &&
            (i + n == len || entry[i + n] == '\n'))
            return true;
    return false;
}

static void test_journald_gets_priorities_and_fields_for_a_fire_story(void **state)
{
    char dir[] = "/tmp/bitten-journal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sock[128], set_sock[200];
    snprintf(sock, sizeof sock, "%s/journal.sock", dir);
    snprintf(set_sock, sizeof set_sock, "log.journal_socket=%s", sock);
    s_journal_t j;
    s_journal_start(&j, sock);
    const char *args[] = {"--set", "log.journal=native", "--set", set_sock, NULL};
    s_env_t e;
    s_start(&e, args);
    json_decref(s_json(&e, 0, "close --uuid " UUID " --symbol EURUSD --id j_story"));
    bool ready_info = false, sent_info = false, timeout_error = false;
    int64_t deadline = bt_now_ms() + 8000;
    size_t seen = 0;
    while (!timeout_error && bt_now_ms() < deadline) {
        if (seen == s_journal_count(&j)) {
            usleep(20 * 1000);
            continue;
        }
        char entry[16384];
        size_t len = s_journal_get(&j, seen++, entry, sizeof entry);
        assert_true(s_has(entry, len, "SYSLOG_IDENTIFIER=bittend"));
        if (s_has(entry, len, "EVENT=daemon.ready"))
            ready_info = s_has(entry, len, "PRIORITY=6") && s_has(entry, len, "MODULE=core");
        if (s_has(entry, len, "SIGNAL_ID=j_story") && s_has(entry, len, "EVENT=fire.pending"))
            sent_info = s_has(entry, len, "PRIORITY=6") && s_has(entry, len, "UUID=" UUID);
        if (s_has(entry, len, "SIGNAL_ID=j_story") && s_has(entry, len, "EVENT=fire.timeout"))
            timeout_error = s_has(entry, len, "PRIORITY=3") && s_has(entry, len, "ALARM=1") &&
                            s_has(entry, len, "REASON=TIMEOUT") &&
                            s_has(entry, len, "SYMBOL=EURUSD") &&
                            s_has(entry, len, "MODULE=fire_router");
    }
    assert_true(ready_info);
    assert_true(sent_info);
    assert_true(timeout_error);
    s_stop(&e);
    //  The journal took every line: none went to stderr as well.
    assert_false(bt_log_contains(&e.d, "fire.timeout", 0));
    bt_daemon_cleanup(&e.d);
    s_journal_stop(&j);
    unlink(sock);
    rmdir(dir);
}

//  The systemd case: stderr is the journal stream ($JOURNAL_STREAM names its device and inode)
//  and log.journal = auto (the default) switches to native entries by itself.
static void test_auto_mode_sends_to_the_journal_when_stderr_is_the_journal_stream(void **state)
{
    char dir[] = "/tmp/bitten-journal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sock[128], set_sock[200];
    snprintf(sock, sizeof sock, "%s/journal.sock", dir);
    snprintf(set_sock, sizeof set_sock, "log.journal_socket=%s", sock);
    s_journal_t j;
    s_journal_start(&j, sock);
    const char *args[] = {"--set", set_sock, NULL};
    bt_daemon_t d;
    //  First run: stderr is a plain file, so the lines go there.
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    assert_true(bt_log_contains(&d, "INFO core daemon.ready", 3000));
    char entry[16384];
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    assert_int_equal(s_journal_count(&j), 0); /* nothing for the journal */
    //  Again on the same stderr file, now named by JOURNAL_STREAM.
    struct stat st;
    assert_int_equal(stat(d.log_path, &st), 0);
    char env[64];
    snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", env, 1);
    assert_int_equal(bt_daemon_restart(&d), 0);
    unsetenv("JOURNAL_STREAM");
    bool ready = false;
    int64_t deadline = bt_now_ms() + 5000;
    size_t seen = 0;
    while (!ready && bt_now_ms() < deadline) {
        if (seen == s_journal_count(&j)) {
            usleep(20 * 1000);
            continue;
        }
        size_t n = s_journal_get(&j, seen++, entry, sizeof entry);
        ready = s_has(entry, n, "EVENT=daemon.ready") && s_has(entry, n, "PRIORITY=6");
    }
    assert_true(ready);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
    s_journal_stop(&j);
    unlink(sock);
    rmdir(dir);
}

static void test_journal_prefix_mode_puts_priorities_on_stderr(void **state)
{
    const char *args[] = {"--set", "log.journal=prefix", NULL};
    s_env_t e;
    s_start(&e, args);
    json_decref(s_json(&e, 0, "close --uuid " UUID " --symbol EURUSD --id j_prefix"));
    assert_true(bt_log_contains(&e.d, "<6>INFO core daemon.ready", 3000));
    assert_true(
        bt_log_contains(&e.d, "<3>ERROR fire_router fire.timeout signal_id=j_prefix", 8000));
    s_stop(&e);
    bt_daemon_cleanup(&e.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_read_command_answers_one_object_with_ok),
        cmocka_unit_test(test_fire_close_halt_resume_answer_one_object_success_or_not),
        cmocka_unit_test(test_usage_errors_are_one_object_and_exit_2),
        cmocka_unit_test(test_keygen_keeps_an_existing_pair_without_force),
        cmocka_unit_test(test_control_replies_print_floats_with_15_digits),
        cmocka_unit_test(test_status_shows_halts_alarms_open_fires_and_citadel),
        cmocka_unit_test(test_journald_gets_priorities_and_fields_for_a_fire_story),
        cmocka_unit_test(test_auto_mode_sends_to_the_journal_when_stderr_is_the_journal_stream),
        cmocka_unit_test(test_journal_prefix_mode_puts_priorities_on_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
