/*  test_hardening.c: issue 14 items over the real daemon: one bittend per state dir, bounded
 *  store waits on a locked database, strict control schemas, the control token, the events
 *  subscription bound and the clock-step shim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/resource.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zmq.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif
#ifndef S_ASAN
#define S_ASAN 0
#endif

#define UUID "acct_hard_1"
#define ACCOUNTS                                                                                   \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"                   \
    "        mode = \"manual\"\n"                                                                  \
    "command\n    account = \"" UUID "\"\n"
#define TELEMETRY                                                                                  \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"                \
    "\"equity\":10000}}"

typedef struct {
    bt_daemon_t d;
    void *fb;  /* feedback PUSH */
    void *cmd; /* the EA's command PULL */
} s_env_t;

//  A daemon with one manual account whose EA is connected and online.
static void s_start(s_env_t *e, const char *const *more_args)
{
    const char *args[32] = {"--set", "feedback.socket=pull",   "--set", "ea.ping_interval_s=0",
                            "--set", "command.keepalive_s=100"};
    int n = 6;
    for (int i = 0; more_args && more_args[i] && n < 30; i++)
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
    bt_daemon_cleanup(&e->d);
}

static json_t *s_ctl(bt_daemon_t *d, const char *request)
{
    json_t *r = bt_ctl(d, request);
    assert_non_null(r);
    return r;
}

static const char *s_str(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

static void s_dump_unless(bool ok, json_t *reply)
{
    if (!ok) {
        char *text = json_dumps(reply, 0);
        fprintf(stderr, "unexpected reply: %s\n", text);
        free(text);
    }
}

//  An operator close of EURUSD for the env's account, with its own signal_id (no risk gate:
//  the shortest way to a fire that is journaled and sent).
static json_t *s_close_fire(s_env_t *e, const char *signal_id)
{
    char req[256];
    snprintf(req, sizeof req,
             "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"signal_id\":\"%s\"}",
             signal_id);
    return s_ctl(&e->d, req);
}

static int s_count_frames(void *cmd, const char *needle, int ms)
{
    char buf[2048];
    int n = 0;
    while (bt_recv(cmd, buf, sizeof buf, ms) > 0)
        if (strstr(buf, needle))
            n++;
    return n;
}

/* ---------------------------------------------------------------- 12: state-dir lock */

static void test_second_daemon_on_the_same_state_dir_refuses_naming_the_holder(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char cmd[1024], out[2048], want[64];
    snprintf(cmd, sizeof cmd, "%s --config %s 2>&1", BITTEND_PATH, d.cfg_path);
    int rc = bt_run(cmd, out, sizeof out, 10000);
    if (rc != 3)
        fprintf(stderr, "rc=%d output: %s\n", rc, out);
    assert_int_equal(rc, 3);
    snprintf(want, sizeof want, "pid %d holds", (int)d.pid);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "bittend.lock"));
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
    //  The first one is untouched and still answers.
    json_t *st = bt_status(&d);
    assert_non_null(st);
    json_decref(st);
    //  kill -9 releases the lock with the process: a new daemon starts on the same dir.
    assert_int_equal(bt_daemon_restart(&d), 0);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- 11: locked database */

static void test_a_locked_database_refuses_the_fire_store_busy_and_the_loop_answers(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    char path[400];
    snprintf(path, sizeof path, "%s/state/bitten.db", e.d.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    json_t *r = s_close_fire(&e, "busy_1");
    s_dump_unless(strcmp(s_str(r, "reason"), "STORE_BUSY") == 0, r);
    assert_string_equal(s_str(r, "reason"), "STORE_BUSY");
    json_decref(r);
    //  Not journaled, so not sent.
    assert_int_equal(s_count_frames(e.cmd, "busy_1", 300), 0);
    //  The loop is not frozen: status answers while the lock is still held.
    json_t *st = bt_status(&e.d);
    assert_non_null(st);
    assert_true(bt_json_int(st, "store.busy") >= 1);
    assert_int_equal(bt_json_int(st, "store.busy_timeout_ms"), 50);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "fire.not_journaled signal_id=busy_1", 1000));

    //  Lock released: the next fire is journaled and sent.
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    r = s_close_fire(&e, "busy_2");
    s_dump_unless(strcmp(s_str(r, "state"), "SENT") == 0, r);
    assert_string_equal(s_str(r, "state"), "SENT");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "busy_2", 1000), 1);
    s_stop(&e);
}

//  A file size limit (prlimit --fsize) used to kill the daemon by SIGXFSZ with no log line:
//  now the write fails (EFBIG), the fire is refused STORE_FAILED and not sent, and it lives.
static void test_a_file_size_limit_fails_the_write_not_the_daemon(void **state)
{
    s_env_t e;
    const char *more[] = {"--set", "log.level=warn", NULL}; /* keeps the log under the limit */
    s_start(&e, more);
    json_t *r = s_close_fire(&e, "fsz_0");
    assert_string_equal(s_str(r, "state"), "SENT");
    json_decref(r);
    char wal[400], cmd[600];
    snprintf(wal, sizeof wal, "%s/state/bitten.db-wal", e.d.dir);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    assert_true(sb.st_size > 0);
    //  The soft limit only ("N:"): raising it back needs no privilege.
    snprintf(cmd, sizeof cmd, "prlimit --pid %d --fsize=%lld:", (int)e.d.pid,
             (long long)sb.st_size);
    assert_int_equal(bt_run(cmd, NULL, 0, 5000), 0);

    r = s_close_fire(&e, "fsz_1");
    s_dump_unless(strcmp(s_str(r, "reason"), "STORE_FAILED") == 0, r);
    assert_string_equal(s_str(r, "reason"), "STORE_FAILED");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "fsz_1", 300), 0);
    assert_true(bt_daemon_alive(&e.d));
    json_t *st = bt_status(&e.d);
    assert_non_null(st);
    assert_true(bt_json_int(st, "store.failed") >= 1);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "fire.not_journaled signal_id=fsz_1", 1000));

    snprintf(cmd, sizeof cmd,
             "prlimit --pid %d --fsize=$(prlimit --pid %d --fsize -o HARD --noheadings --raw):",
             (int)e.d.pid, (int)e.d.pid);
    assert_int_equal(bt_run(cmd, NULL, 0, 5000), 0);
    r = s_close_fire(&e, "fsz_2");
    s_dump_unless(strcmp(s_str(r, "state"), "SENT") == 0, r);
    assert_string_equal(s_str(r, "state"), "SENT");
    json_decref(r);
    s_stop(&e);
}

/* ---------------------------------------------------------------- 7: control schemas */

//  Sends request (an object, stolen) and expects BAD_REQUEST naming field.
static void s_expect_bad_field(bt_daemon_t *d, json_t *request, const char *field)
{
    char *text = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    json_t *r = s_ctl(d, text);
    bool ok = strcmp(s_str(r, "reason"), "BAD_REQUEST") == 0 &&
              strcmp(s_str(r, "field"), field) == 0 && json_is_false(json_object_get(r, "ok"));
    if (!ok)
        fprintf(stderr, "request %s\n", text);
    s_dump_unless(ok, r);
    assert_true(ok);
    json_decref(r);
    free(text);
}

static json_t *s_wrong_value(const char *type)
{
    //  A string where anything else is expected, a number where a string is.
    if (strcmp(type, "string") == 0)
        return json_integer(12345);
    if (strcmp(type, "integer") == 0)
        return json_real(1.5);
    if (strcmp(type, "bool") == 0)
        return json_string("true");
    return json_string("1");
}

//  Started from a shell with a low soft fd limit, bittend raises it to the hard one (each EA
//  holds fds) and logs both; the test process keeps its own limits.
static void test_the_soft_fd_limit_is_raised_to_the_hard_one_and_logged(void **state)
{
    struct rlimit was, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    if (was.rlim_max < 512)
        skip(); /* nothing to raise into */
    low = was;
    low.rlim_cur = 256; /* the daemon inherits it */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    bt_daemon_t d;
    int started = bt_daemon_start(&d, NULL, NULL);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
    assert_int_equal(started, 0);
    char line[128];
    snprintf(line, sizeof line, "process.nofile soft=%llu hard=%llu was=256",
             (unsigned long long)was.rlim_max, (unsigned long long)was.rlim_max);
    assert_true(bt_log_contains(&d, line, 5000));
    char path[64], text[4096] = "";
    snprintf(path, sizeof path, "/proc/%d/limits", (int)d.pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *row = strstr(text, "Max open files");
    assert_non_null(row);
    unsigned long long soft = 0, hard = 0;
    assert_int_equal(sscanf(row + strlen("Max open files"), "%llu %llu", &soft, &hard), 2);
    assert_true(soft == hard && hard == (unsigned long long)was.rlim_max);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_every_command_refuses_wrong_types_unknown_and_missing_fields(void **state)
{
    s_env_t e;
    const char *more[] = {"--set", "debug.test_hooks=true", NULL};
    s_start(&e, more);
    json_t *global = s_ctl(&e.d, "{\"cmd\":\"halt\",\"why\":\"schema test\"}");
    assert_true(json_is_true(json_object_get(global, "ok")));
    json_decref(global);

    json_t *r = s_ctl(&e.d, "{\"cmd\":\"commands\"}");
    json_t *list = json_object_get(r, "commands");
    assert_true(json_array_size(list) >= 14);
    size_t i, checked = 0;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *name = s_str(c, "name");
        //  A field the command does not know.
        s_expect_bad_field(&e.d, json_pack("{s:s, s:i}", "cmd", name, "bogus_field", 1),
                           "bogus_field");
        size_t j;
        json_t *a;
        json_array_foreach(json_object_get(c, "args"), j, a)
        {
            const char *arg = s_str(a, "name");
            json_t *req = json_pack("{s:s}", "cmd", name);
            json_object_set_new(req, arg, s_wrong_value(s_str(a, "type")));
            s_expect_bad_field(&e.d, req, arg);
            if (json_is_true(json_object_get(a, "required")))
                s_expect_bad_field(&e.d, json_pack("{s:s}", "cmd", name), arg);
            checked++;
        }
    }
    assert_true(checked >= 10);
    json_decref(r);

    //  The hostile review's request: a numeric uuid must not lift the GLOBAL halt.
    s_expect_bad_field(&e.d, json_pack("{s:s, s:i}", "cmd", "resume", "uuid", 12345), "uuid");
    r = s_ctl(&e.d, "{\"cmd\":\"accounts_risk\"}");
    assert_true(json_is_true(json_object_get(r, "halted_global")));
    json_decref(r);
    //  Nothing was sent to the EA by any of them.
    assert_int_equal(s_count_frames(e.cmd, "\"type\":\"signal\"", 300), 0);
    json_t *st = bt_status(&e.d);
    assert_true(bt_json_int(st, "control_bad_args") >= (int64_t)checked);
    assert_true(bt_json_int(st, "rejects.BAD_REQUEST") >= (int64_t)checked);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "frame.rejected channel=control reason=BAD_REQUEST", 1000));
    s_stop(&e);
}

/* ---------------------------------------------------------------- 14: control credential */

static void s_expect_reason(json_t *r, const char *reason)
{
    assert_non_null(r);
    s_dump_unless(strcmp(s_str(r, "reason"), reason) == 0, r);
    assert_string_equal(s_str(r, "reason"), reason);
    json_decref(r);
}

static void test_acting_commands_need_the_operator_token_reading_does_not(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    const char *fire = "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                       "\"signal_id\":\"tok_1\"}";
    s_expect_reason(bt_ctl_raw(&e.d, fire, 3000), "CONTROL_UNAUTHORIZED");
    s_expect_reason(bt_ctl_raw(&e.d, "{\"cmd\":\"halt\",\"why\":\"x\",\"hard\":true}", 3000),
                    "CONTROL_UNAUTHORIZED");
    s_expect_reason(
        bt_ctl_raw(&e.d, "{\"cmd\":\"halt\",\"why\":\"x\",\"token\":\"" BT_TOKEN "x\"}", 3000),
        "CONTROL_UNAUTHORIZED");
    s_expect_reason(bt_ctl_raw(&e.d, "{\"cmd\":\"resume\",\"token\":\"\"}", 3000),
                    "CONTROL_UNAUTHORIZED");
    //  Nothing was sent and nothing halted.
    assert_int_equal(s_count_frames(e.cmd, "tok_1", 300), 0);
    json_t *r = bt_ctl_raw(&e.d, "{\"cmd\":\"accounts_risk\"}", 3000);
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_false(json_is_true(json_object_get(r, "halted_global")));
    json_decref(r);
    json_t *st = bt_ctl_raw(&e.d, "{\"cmd\":\"status\"}", 3000);
    assert_non_null(st);
    assert_int_equal(bt_json_int(st, "control_unauthorized"), 4);
    assert_int_equal(bt_json_int(st, "rejects.CONTROL_UNAUTHORIZED"), 4);
    assert_string_equal(s_str(st, "control_auth"), "token");
    json_decref(st);
    //  With the token the same close goes out.
    r = s_ctl(&e.d, fire);
    assert_string_equal(s_str(r, "state"), "SENT");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "tok_1", 1000), 1);
    //  bittenctl reads the token file; without it the operator's halt is refused.
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd,
             "env BITTEN_CONTROL_TOKEN_FILE=/nonexistent %s --control %s halt --why test 2>&1",
             BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 1);
    assert_non_null(strstr(out, "CONTROL_UNAUTHORIZED"));
    snprintf(cmd, sizeof cmd,
             "env BITTEN_CONTROL_TOKEN_FILE=%s %s --control %s halt --why test 2>&1",
             e.d.token_path, BITTENCTL_PATH, e.d.control);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    //  The log names the refusal, never a token.
    assert_true(bt_log_contains(&e.d, "reason=CONTROL_UNAUTHORIZED", 1000));
    assert_false(bt_log_contains(&e.d, BT_TOKEN, 100));
    s_stop(&e);
}

static void test_without_a_token_file_tcp_control_is_read_only_and_ipc_is_0660(void **state)
{
    char ep[64], set[96];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", bt_free_port());
    snprintf(set, sizeof set, "control.endpoint=%s", ep);
    const char *tcp_args[] = {"--set", set, "--set", "control.token_file=", NULL};
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, tcp_args), 0);
    s_expect_reason(bt_ctl(&d, "{\"cmd\":\"halt\",\"why\":\"x\"}"), "CONTROL_UNAUTHORIZED");
    json_t *st = bt_status(&d);
    assert_non_null(st);
    assert_string_equal(s_str(st, "control_auth"), "read_only");
    json_decref(st);
    assert_true(bt_log_contains(&d, "control.read_only", 1000));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);

    //  ipc:// without a token: the socket file (0660) is the credential; acting works.
    const char *ipc_args[] = {"--set", "control.token_file=", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, ipc_args), 0);
    struct stat sb;
    assert_int_equal(stat(d.control + 6, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0660);
    json_t *r = bt_ctl_raw(&d, "{\"cmd\":\"halt\",\"why\":\"x\"}", 3000);
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_missing_token_file_is_created_private_and_a_public_one_refused(void **state)
{
    bt_daemon_t d;
    char dir[] = "/tmp/bitten-token-XXXXXX", path[64], set[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/control.token", dir);
    snprintf(set, sizeof set, "control.token_file=%s", path);
    const char *args[] = {"--set", set, NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_true(sb.st_size >= 17);
    //  The harness token is not this daemon's.
    s_expect_reason(bt_ctl(&d, "{\"cmd\":\"resume\"}"), "CONTROL_UNAUTHORIZED");
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
    chmod(path, 0644);
    int rc = bt_daemon_run_to_exit(&d, NULL, args, 10000);
    assert_int_equal(rc, 1);
    assert_true(bt_log_contains(&d, "readable or writable by others", 100));
    bt_daemon_cleanup(&d);
    remove(path);
    rmdir(dir);
}

/* ---------------------------------------------------------------- 4: clock steps */

static int64_t s_status_int(bt_daemon_t *d, const char *path)
{
    json_t *st = bt_status(d);
    assert_non_null(st);
    int64_t v = bt_json_int(st, path);
    json_decref(st);
    return v;
}

//  Polls until the integer at path equals want; returns the last value.
static int64_t s_wait_equal(bt_daemon_t *d, const char *path, int64_t want, int timeout_ms)
{
    int64_t v = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        v = s_status_int(d, path);
        if (v == want)
            return v;
        bt_sleep_ms(50);
    }
    return v;
}

static void test_a_backward_clock_step_keeps_ages_and_the_silent_ea_goes_offline(void **state)
{
    s_env_t e;
    const char *more[] = {
        "--set", "debug.test_hooks=true",      "--set", "ea.offline_after_s=5",
        "--set", "risk.telemetry_max_age_s=2", "--set", "ea.check_interval_ms=100",
        NULL};
    s_start(&e, more);
    json_t *r = s_ctl(&e.d, "{\"cmd\":\"debug.clock_step\",\"ms\":-600000}");
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    //  Detected, logged, counted, shown.
    assert_int_equal(bt_wait_status(&e.d, "clock.steps", 1, 5000), 1);
    assert_true(bt_log_contains(&e.d, "clock.step alarm=1 step_ms=-", 2000));
    assert_true(s_status_int(&e.d, "clock.last_step_ms") <= -599000);
    //  The EA stays silent: it goes offline after 5 s of it, whatever the wall clock says.
    assert_int_equal(s_wait_equal(&e.d, "eas.online", 0, 12000), 0);
    r = s_ctl(&e.d, "{\"cmd\":\"eas\"}");
    json_t *ea = json_array_get(json_object_get(r, "eas"), 0);
    assert_false(json_is_true(json_object_get(ea, "online")));
    assert_true(json_number_value(json_object_get(ea, "age_s")) >= 5.0);
    json_decref(r);
    r = s_ctl(&e.d, "{\"cmd\":\"fire\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\","
                    "\"action\":\"buy\",\"sl_pips\":20,\"tp_pips\":30,\"signal_id\":\"clk_1\"}");
    s_dump_unless(strcmp(s_str(r, "state"), "REFUSED") == 0, r);
    assert_string_equal(s_str(r, "state"), "REFUSED");
    assert_string_equal(s_str(r, "reason"), "EA_OFFLINE");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "clk_1", 300), 0);

    //  Telemetry stamped in 2001 is refused: it does not bring the account back.
    bt_send(e.fb, "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"timestamp\":978307200,"
                  "\"account\":{\"balance\":10000,\"equity\":10000}}");
    assert_int_equal(bt_wait_status(&e.d, "rejects.FRAME_TIME_OUT_OF_RANGE", 1, 3000), 1);
    assert_int_equal(s_status_int(&e.d, "eas.online"), 0);
    assert_true(bt_log_contains(&e.d, "reason=FRAME_TIME_OUT_OF_RANGE field=timestamp", 1000));
    //  Fresh telemetry does.
    bt_send(e.fb, TELEMETRY);
    assert_int_equal(bt_wait_status(&e.d, "eas.online", 1, 3000), 1);
    s_stop(&e);
}

/* ---------------------------------------------------------------- 6: junk subscriptions */

static long s_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static void test_a_subscription_flood_is_bounded_and_never_blocks_a_fire(void **state)
{
    s_env_t e;
    s_start(&e, NULL);
    void *real = bt_events_socket(&e.d); /* a real subscriber: "" (everything) */
    assert_int_equal(bt_wait_status(&e.d, "events.subscriptions", 1, 3000), 1);
    long rss_before = s_rss_kb(e.d.pid);

    //  One junk client: 50,000 distinct 100-byte subscriptions (under the byte bound).
    void *junk = zmq_socket(e.d.zctx, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt(junk, ZMQ_LINGER, &zero, sizeof zero);
    //  No send HWM: a SUB would otherwise drop all but 1000 of them on (re)connect.
    zmq_setsockopt(junk, ZMQ_SNDHWM, &zero, sizeof zero);
    char topic[101];
    memset(topic, 'j', 100);
    for (int i = 0; i < 50000; i++) {
        snprintf(topic, sizeof topic, "%06d", i);
        topic[6] = 'j';
        zmq_setsockopt(junk, ZMQ_SUBSCRIBE, topic, 100);
    }
    assert_int_equal(zmq_connect(junk, e.d.events), 0);
    //  A second junk client with subscriptions over the byte bound (200 > 128).
    void *big = zmq_socket(e.d.zctx, ZMQ_SUB);
    zmq_setsockopt(big, ZMQ_LINGER, &zero, sizeof zero);
    char long_topic[200];
    memset(long_topic, 'b', sizeof long_topic);
    zmq_setsockopt(big, ZMQ_SUBSCRIBE, long_topic, sizeof long_topic);
    assert_int_equal(zmq_connect(big, e.d.events), 0);

    assert_true(bt_wait_status(&e.d, "rejects.EVENTS_SUBSCRIPTIONS_FULL", 1, 10000) >= 1);
    //  During the flood: status answers and a fire goes out.
    json_t *r = s_close_fire(&e, "flood_1");
    s_dump_unless(strcmp(s_str(r, "state"), "SENT") == 0, r);
    assert_string_equal(s_str(r, "state"), "SENT");
    json_decref(r);
    assert_int_equal(s_count_frames(e.cmd, "flood_1", 1000), 1);
    bt_sleep_ms(1000);
    json_t *st = bt_status(&e.d);
    assert_non_null(st);
    assert_true(bt_json_int(st, "events.sheds") >= 1);
    assert_true(bt_json_int(st, "events.refused") >= 1);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "channel=events reason=EVENTS_SUBSCRIPTIONS_FULL", 1000));
    //  Memory stays bounded while the flood goes on. libzmq's I/O thread files a peer's
    //  subscriptions into its trie before the loop counts them, so how much of the junk set is
    //  in memory when the cut comes depends on the scheduler: 1-75 MB usually, and the whole
    //  set (~158 MB: 50,000 distinct 100-byte topics, a trie node per byte) when the I/O thread
    //  got there first (seen 1 run in 4 on a quiet machine). The bound is what stops it going
    //  past one set (without it the trie keeps every subscription of every connection). So:
    //  under two whole sets, whatever the scheduler did.
    long grown_mb = (s_rss_kb(e.d.pid) - rss_before) / 1024;
    fprintf(stderr, "daemon RSS grew %ld MB under the flood\n", grown_mb);
#if !S_ASAN
    assert_true(grown_mb < 320); /* ASan's quarantine keeps freed memory: no RSS bound there */
#endif

    //  Junk gone: the real subscriber (reconnected by libzmq) hears events again.
    zmq_close(junk);
    zmq_close(big);
    bool heard = false;
    char buf[4096];
    for (int i = 0; i < 50 && !heard; i++) {
        json_t *h = s_ctl(&e.d, "{\"cmd\":\"halt\",\"why\":\"after the flood\"}");
        json_decref(h);
        while (!heard && bt_recv(real, buf, sizeof buf, 200) > 0)
            heard = strncmp(buf, "halt ", 5) == 0;
    }
    assert_true(heard);
    zmq_close(real);
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_daemon_on_the_same_state_dir_refuses_naming_the_holder),
        cmocka_unit_test(test_a_locked_database_refuses_the_fire_store_busy_and_the_loop_answers),
        cmocka_unit_test(test_a_file_size_limit_fails_the_write_not_the_daemon),
        cmocka_unit_test(test_the_soft_fd_limit_is_raised_to_the_hard_one_and_logged),
        cmocka_unit_test(test_every_command_refuses_wrong_types_unknown_and_missing_fields),
        cmocka_unit_test(test_acting_commands_need_the_operator_token_reading_does_not),
        cmocka_unit_test(test_without_a_token_file_tcp_control_is_read_only_and_ipc_is_0660),
        cmocka_unit_test(test_a_missing_token_file_is_created_private_and_a_public_one_refused),
        cmocka_unit_test(test_a_backward_clock_step_keeps_ages_and_the_silent_ea_goes_offline),
        cmocka_unit_test(test_a_subscription_flood_is_bounded_and_never_blocks_a_fire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
