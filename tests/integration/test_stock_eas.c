/*  test_stock_eas.c: issue 13's "done when", end to end over real sockets. bittend runs
 *  config/stock-ea.cfg itself (only its endpoints, control token and state dir are the
 *  harness's: per-test loopback address, OS-chosen ports) and the real bitten-ea-sim speaks as
 *  a stock EA v7 (one pinned account on the shared PUSH/PULL pair) and as a stock Universal EA
 *  v2.05 (DEALER on the ROUTER, confirmations on the confirm PULL, account from first
 *  contact), each alone and then both at once. Per EA: online, its account state as its
 *  heartbeat reports it, its ticks feeding VENOM once the broker offset is learned, a manual
 *  fire executed with the intended lot and stops (the sim's own position.opened line), the
 *  result matched (FILLED), a hard halt whose close-all the EA executes (0 positions left), and
 *  no frame rejected. With both: each fire reaches only its own EA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define V7_UUID "v7_main" /* the account config/stock-ea.cfg pins for the one v7 EA */
#define V205_UUID "STOCK_V205_0001"

/* ---------------------------------------------------------------- the shipped config */

//  Keys of config/stock-ea.cfg the harness owns (endpoints, token, state dir, log level):
//  dropped from the file, every other line is kept as shipped.
static const char *const s_harness_keys[] = {
    "command.endpoint", "feedback.endpoint", "router.endpoint",  "confirm.endpoint",
    "control.endpoint", "control.token_file", "events.endpoint", "metrics.endpoint",
    "state_dir",        "log.level",          NULL};

static bool s_harness_key(const char *path)
{
    for (int i = 0; s_harness_keys[i]; i++)
        if (strcmp(s_harness_keys[i], path) == 0)
            return true;
    return false;
}

//  config/stock-ea.cfg without the harness's keys, as the harness's extra ZPL (a section left
//  with no key, e.g. router, goes too: an empty section reads as an unknown key). Checks that
//  each of them was there (the file really is rewritten, not replaced). Caller frees.
#define S_LINES 512
static char *s_stock_zpl(void)
{
    FILE *f = fopen(BITTEN_SOURCE_DIR "/config/stock-ea.cfg", "r");
    assert_non_null(f);
    static char lines[S_LINES][256];
    int level[S_LINES], n = 0, dropped = 0;
    bool key[S_LINES], keep[S_LINES];
    char stack[8][64] = {{0}};
    while (n < S_LINES && fgets(lines[n], sizeof lines[n], f)) {
        const char *line = lines[n];
        size_t indent = strspn(line, " ");
        const char *p = line + indent;
        size_t len = strcspn(p, " \t=\r\n");
        key[n] = *p != '#' && len > 0 && len < 64 && indent / 4 < 8;
        level[n] = (int)(indent / 4);
        keep[n] = true;
        if (key[n]) {
            snprintf(stack[level[n]], sizeof stack[0], "%.*s", (int)len, p);
            char path[600] = "";
            for (int l = 0, o = 0; l <= level[n]; l++)
                o += snprintf(path + o, sizeof path - (size_t)o, "%s%s", l ? "." : "", stack[l]);
            if (p[len + strspn(p + len, " \t")] == '=' && s_harness_key(path)) {
                keep[n] = false;
                dropped++;
            }
        }
        n++;
    }
    fclose(f);
    //  A section header stays when a kept key lies under it.
    for (int i = 0; i < n; i++) {
        const char *p = lines[i] + strspn(lines[i], " ");
        if (!key[i] || strchr(p, '='))
            continue;
        bool child = false;
        for (int j = i + 1; j < n && !child; j++) {
            if (!key[j])
                continue;
            if (level[j] <= level[i])
                break;
            child = keep[j];
        }
        keep[i] = child;
    }
    char *out = calloc(1, (size_t)n * sizeof lines[0] + 1);
    assert_non_null(out);
    for (int i = 0; i < n; i++)
        if (keep[i])
            strcat(out, lines[i]);
    int want = 0;
    while (s_harness_keys[want])
        want++;
    assert_int_equal(dropped, want);
    return out;
}

static int s_daemon_start(bt_daemon_t *d)
{
    char *zpl = s_stock_zpl();
    int rc = bt_daemon_start(d, zpl, NULL);
    free(zpl);
    return rc;
}

/* ---------------------------------------------------------------- the simulated EAs */

typedef struct {
    pid_t pid;
    char dir[64], err_path[128], out_path[128];
    const char *uuid; /* the account it trades for */
} s_sim_t;

//  The sims of the running test, killed by the teardown when an assertion jumped past their
//  stop (a v2.x EA blocks in its send once bittend is gone, as the real one does).
#define S_MAX_SIMS 4
static pid_t s_live[S_MAX_SIMS];

static void s_track(pid_t pid, pid_t replace)
{
    for (int i = 0; i < S_MAX_SIMS; i++)
        if (s_live[i] == replace) {
            s_live[i] = pid;
            return;
        }
}

static int s_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < S_MAX_SIMS; i++)
        if (s_live[i] > 0) {
            kill(s_live[i], SIGKILL);
            waitpid(s_live[i], NULL, 0);
            s_live[i] = 0;
        }
    return 0;
}

//  Starts bitten-ea-sim as that stock EA against the daemon: only its endpoints are set
//  (what an operator changes in the EA's #defines), plus its symbols and balance.
static void s_sim_start(s_sim_t *s, bt_daemon_t *d, const char *dialect, const char *symbols,
                        const char *balance)
{
    memset(s, 0, sizeof *s);
    bool v7 = strcmp(dialect, "v7") == 0;
    s->uuid = v7 ? V7_UUID : V205_UUID;
    snprintf(s->dir, sizeof s->dir, "/tmp/bt_stock_ea_XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->err_path, sizeof s->err_path, "%s/sim.log", s->dir);
    snprintf(s->out_path, sizeof s->out_path, "%s/sim.out", s->dir);
    //  v7's command #define -> 5555 (the shared PUSH); v2.05's -> 5559 (the ROUTER).
    const char *argv[] = {EA_SIM_PATH,  "--dialect",  dialect,   "--command",
                          v7 ? d->command : d->router, "--feedback", d->feedback,
                          "--confirm",  d->confirm,   "--uuid",  V205_UUID,
                          "--symbols",  symbols,      "--balance", balance,
                          "--quote-ms", "250",        "--duration-s", "900",
                          NULL};
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        FILE *err = freopen(s->err_path, "w", stderr);
        FILE *out = freopen(s->out_path, "w", stdout);
        (void)err;
        (void)out;
        execv(EA_SIM_PATH, (char *const *)argv);
        _exit(127);
    }
    s_track(s->pid, 0);
}

//  True once the sim's log has a line containing every one of the texts (NULL-terminated).
static bool s_sim_logged(const s_sim_t *s, const char *const *texts)
{
    int64_t deadline = bt_now_ms() + BT_WAIT_MS;
    while (bt_now_ms() < deadline) {
        FILE *f = fopen(s->err_path, "r");
        char line[4096];
        bool found = false;
        while (f && !found && fgets(line, sizeof line, f)) {
            found = true;
            for (int i = 0; texts[i] && found; i++)
                found = strstr(line, texts[i]) != NULL;
        }
        if (f)
            fclose(f);
        if (found)
            return true;
        bt_sleep_ms(50);
    }
    print_error("sim %s: no log line with '%s'...\n", s->uuid, texts[0]);
    return false;
}

//  True when no line of the sim's log so far contains text.
static bool s_sim_never_logged(const s_sim_t *s, const char *text)
{
    FILE *f = fopen(s->err_path, "r");
    assert_non_null(f);
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return !found;
}

//  SIGTERM (it must exit 0); its JSON summary (the last stdout line) into summary.
static json_t *s_sim_stop(s_sim_t *s)
{
    kill(s->pid, SIGTERM);
    int status = 0;
    waitpid(s->pid, &status, 0);
    s_track(0, s->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    FILE *f = fopen(s->out_path, "r");
    assert_non_null(f);
    char line[4096] = "", last[4096] = "";
    while (fgets(line, sizeof line, f))
        snprintf(last, sizeof last, "%s", line);
    fclose(f);
    json_error_t jerr;
    json_t *summary = json_loads(last, 0, &jerr);
    assert_non_null(summary);
    if (!getenv("BITTEN_KEEP_TEST_DIRS")) {
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        assert_int_equal(system(cmd), 0);
    }
    return summary;
}

/* ---------------------------------------------------------------- daemon views */

static json_t *s_find(json_t *array, const char *uuid)
{
    size_t i;
    json_t *it;
    json_array_foreach(array, i, it)
    {
        const char *u = json_string_value(json_object_get(it, "uuid"));
        if (u && strcmp(u, uuid) == 0)
            return it;
    }
    return NULL;
}

//  The account's balance and equity as XP & risk holds them (status lists: risk.accounts), once
//  they equal what the EA reports.
static void s_expect_account_state(bt_daemon_t *d, const char *uuid, double balance)
{
    int64_t deadline = bt_now_ms() + BT_WAIT_MS;
    double b = -1, e = -1;
    while (bt_now_ms() < deadline) {
        json_t *st = bt_ctl(d, "{\"cmd\":\"status\",\"lists\":true}");
        json_t *acc = st ? s_find(json_object_get(json_object_get(st, "risk"), "accounts"), uuid)
                         : NULL;
        b = acc ? json_number_value(json_object_get(acc, "balance")) : -1;
        e = acc ? json_number_value(json_object_get(acc, "equity")) : -1;
        json_decref(st);
        if (b == balance && e == balance)
            return;
        bt_sleep_ms(100);
    }
    print_error("%s: balance %.2f equity %.2f, the EA reports %.2f\n", uuid, b, e, balance);
    fail();
}

//  The EA is online (status eas.list) and its account is in `accounts` with that dialect.
static void s_expect_online(bt_daemon_t *d, const char *uuid, const char *dialect)
{
    int64_t deadline = bt_now_ms() + BT_WAIT_MS;
    bool online = false, known = false;
    while (bt_now_ms() < deadline && !(online && known)) {
        json_t *st = bt_ctl(d, "{\"cmd\":\"status\",\"lists\":true}");
        json_t *ea = st ? s_find(json_object_get(json_object_get(st, "eas"), "list"), uuid) : NULL;
        online = ea && json_is_true(json_object_get(ea, "online"));
        json_decref(st);
        json_t *r = bt_ctl(d, "{\"cmd\":\"accounts\"}");
        json_t *acc = r ? s_find(json_object_get(r, "accounts"), uuid) : NULL;
        const char *dl = acc ? json_string_value(json_object_get(acc, "dialect")) : NULL;
        known = dl && strcmp(dl, dialect) == 0;
        json_decref(r);
        if (!(online && known))
            bt_sleep_ms(100);
    }
    if (!online || !known)
        print_error("%s: online=%d known as %s=%d\n", uuid, online, dialect, known);
    assert_true(online && known);
}

//  One fire's journal row by signal_id, once its state is `state`; NULL after the wait.
static json_t *s_wait_fire(bt_daemon_t *d, const char *signal_id, const char *state)
{
    char req[256];
    snprintf(req, sizeof req, "{\"cmd\":\"fires\",\"signal_id\":\"%s\"}", signal_id);
    int64_t deadline = bt_now_ms() + BT_WAIT_MS;
    const char *seen = "-";
    while (bt_now_ms() < deadline) {
        json_t *r = bt_ctl(d, req);
        json_t *row = r ? json_array_get(json_object_get(r, "fires"), 0) : NULL;
        const char *s = row ? json_string_value(json_object_get(row, "state")) : NULL;
        if (s && strcmp(s, state) == 0) {
            json_incref(row);
            json_decref(r);
            return row;
        }
        seen = s ? (strcmp(s, "SENT") == 0 ? "SENT" : "other") : "-";
        json_decref(r);
        bt_sleep_ms(100);
    }
    print_error("fire %s never %s (last: %s)\n", signal_id, state, seen);
    return NULL;
}

//  The rejects counted so far, as an object (caller decrefs).
static json_t *s_rejects(bt_daemon_t *d)
{
    json_t *st = bt_status(d);
    assert_non_null(st);
    json_t *r = json_deep_copy(json_object_get(st, "rejects"));
    json_decref(st);
    return r ? r : json_object();
}

//  Until the broker's UTC offset is learned from an EA's own ticks, that account's ticks are
//  accepted (liveness, the quote) but VENOM leaves them out (venom.waiting_server_offset: it must
//  not see server time as UTC; protocol-notes.md). Waits for the learning, and returns the
//  rejects counted at that moment.
static json_t *s_wait_offset_learned(bt_daemon_t *d, const char *uuid)
{
    char text[128];
    snprintf(text, sizeof text, "server_offset.learned uuid=%s offset_s=10800", uuid);
    //  A minute of live ticks (5 agreeing samples over 60 s) after the first one that counts:
    //  a fixed span, so the wait is that minute plus the harness's floor for a busy machine.
    assert_true(bt_log_contains(d, text, 60000 + 2 * BT_WAIT_MS));
    //  The ticks before it (there are some: the span needs them) waited; none was refused.
    assert_true(bt_wait_status(d, "venom.waiting_server_offset", 1, BT_WAIT_MS) >= 1);
    return s_rejects(d);
}

//  No frame rejected, from the first frame to the last (learned: the rejects when the last
//  account learned its offset, which must be none either).
static void s_expect_no_rejects_since(bt_daemon_t *d, json_t *learned)
{
    json_t *now = s_rejects(d);
    const char *reason;
    json_t *v;
    json_object_foreach(learned, reason, v)
    {
        if (json_integer_value(v) != 0)
            print_error("rejected before the offset was learned: %s=%lld\n", reason,
                        (long long)json_integer_value(v));
        assert_int_equal(json_integer_value(v), 0);
    }
    json_object_foreach(now, reason, v)
    {
        if (json_integer_value(v) != 0)
            print_error("rejected: %s=%lld\n", reason, (long long)json_integer_value(v));
        assert_int_equal(json_integer_value(v), 0);
    }
    json_decref(now);
    json_t *st = bt_status(d);
    assert_int_equal(bt_json_int(st, "eas.anonymous_frames"), 0);
    assert_int_equal(bt_json_int(st, "channels.router.refused"), 0);
    assert_int_equal(bt_json_int(st, "channels.confirm.refused"), 0);
    assert_int_equal(bt_json_int(st, "fires.transitions.TIMEOUT"), 0);
    json_decref(st);
}

//  VENOM's tick counter rises with the EA's ticks once its offset is known.
static void s_expect_venom_ticks(bt_daemon_t *d)
{
    json_t *st = bt_status(d);
    int64_t before = bt_json_int(st, "venom.ticks");
    json_decref(st);
    assert_true(bt_wait_status(d, "venom.ticks", before + 3, BT_WAIT_MS) >= before + 3);
}

//  A manual fire with explicit lot and stops. A v2.x fire needs the account's quote of the
//  symbol (its stops are absolute prices): refused NO_QUOTE (nothing sent) until the EA's
//  first tick after its offset was learned reached the daemon, then tried again under a new id.
//  Returns the signal_id of the fire that was sent.
static void s_fire(bt_daemon_t *d, const char *uuid, const char *symbol, const char *action,
                   double lot, int sl_pips, int tp_pips, char *signal_id, size_t size)
{
    int64_t deadline = bt_now_ms() + BT_WAIT_MS;
    for (int attempt = 1; bt_now_ms() < deadline; attempt++) {
        snprintf(signal_id, size, "stock_%s_%d", uuid, attempt);
        char req[512];
        snprintf(req, sizeof req,
                 "{\"cmd\":\"fire\",\"uuid\":\"%s\",\"symbol\":\"%s\",\"action\":\"%s\","
                 "\"lot\":%.2f,\"sl_pips\":%d,\"tp_pips\":%d,\"signal_id\":\"%s\"}",
                 uuid, symbol, action, lot, sl_pips, tp_pips, signal_id);
        json_t *r = bt_ctl(d, req);
        assert_non_null(r);
        const char *state = json_string_value(json_object_get(r, "state"));
        const char *reason = json_string_value(json_object_get(r, "reason"));
        bool sent = state && strcmp(state, "SENT") == 0;
        bool no_quote = reason && strcmp(reason, "NO_QUOTE") == 0;
        if (!sent && !no_quote) {
            char *text = json_dumps(r, JSON_COMPACT);
            print_error("fire refused: %s\n", text);
            free(text);
        }
        if (sent) {
            assert_true(json_real_value(json_object_get(r, "lot")) == lot); /* as asked */
            json_decref(r);
            return;
        }
        json_decref(r);
        assert_true(no_quote);
        bt_sleep_ms(200);
    }
    fail_msg("fire for %s never sent", uuid);
}

//  The fire's lot as journaled, and the EA executed exactly that lot with those stops.
static void s_expect_executed(bt_daemon_t *d, const s_sim_t *s, const char *signal_id,
                              const char *executed)
{
    json_t *row = s_wait_fire(d, signal_id, "FILLED"); /* its result matched */
    assert_non_null(row);
    char lot[32];
    snprintf(lot, sizeof lot, "lot=%.2f ", json_real_value(json_object_get(row, "lot")));
    json_decref(row);
    char id[128];
    snprintf(id, sizeof id, "_id=%s ", signal_id); /* v7 signal_id=, v2.05 fire_id= */
    const char *texts[] = {"position.opened", id, lot, executed, NULL};
    assert_true(s_sim_logged(s, texts));
}

//  A hard halt: every account's positions are closed (close_all as each EA reads it).
static void s_halt_hard(bt_daemon_t *d)
{
    json_t *r = bt_ctl(d, "{\"cmd\":\"halt\",\"hard\":true,\"why\":\"stock EA end to end\"}");
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
}

//  The halt's close_all for uuid was sent, executed (its positions closed) and matched.
static void s_expect_halt_closed(bt_daemon_t *d, const s_sim_t *s)
{
    char req[256];
    snprintf(req, sizeof req, "{\"cmd\":\"fires\",\"uuid\":\"%s\"}", s->uuid);
    int64_t deadline = bt_now_ms() + BT_WAIT_MS;
    bool filled = false;
    while (!filled && bt_now_ms() < deadline) {
        json_t *r = bt_ctl(d, req);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(r, "fires"), i, row)
        {
            const char *a = json_string_value(json_object_get(row, "action"));
            const char *st = json_string_value(json_object_get(row, "state"));
            filled = filled ||
                     (a && st && strcmp(a, "close_all") == 0 && strcmp(st, "FILLED") == 0);
        }
        json_decref(r);
        if (!filled)
            bt_sleep_ms(100);
    }
    assert_true(filled);
    const char *texts[] = {"position.closed", NULL};
    assert_true(s_sim_logged(s, texts));
}

//  The EA's own account of the run: nothing misread (no error answered, no frame ignored),
//  the fire executed once and no position left after the halt.
static void s_expect_sim_summary(s_sim_t *s)
{
    json_t *sum = s_sim_stop(s);
    char *text = json_dumps(sum, JSON_COMPACT);
    print_message("sim %s: %s\n", s->uuid, text);
    free(text);
    assert_int_equal(json_integer_value(json_object_get(sum, "open_positions")), 0);
    assert_int_equal(json_integer_value(json_object_get(sum, "closed")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "errors_sent")), 0);
    assert_int_equal(json_integer_value(json_object_get(sum, "ignored")), 0);
    assert_int_equal(json_integer_value(json_object_get(sum, "invalid_frames")), 0);
    json_decref(sum);
}

/* ---------------------------------------------------------------- the tests */

static void test_stock_config_passes_check_config(void **state)
{
    (void)state;
    char out[4096];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --config %s/config/stock-ea.cfg --check-config 2>&1",
             BITTEND_PATH, BITTEN_SOURCE_DIR);
    assert_int_equal(bt_run(cmd, out, sizeof out, BT_WAIT_MS), 0);
    //  Without security.insecure the same file is refused: public binds without CURVE.
    snprintf(cmd, sizeof cmd,
             "%s --config %s/config/stock-ea.cfg --set security.insecure=false --check-config "
             "2>&1",
             BITTEND_PATH, BITTEN_SOURCE_DIR);
    int rc = bt_run(cmd, out, sizeof out, BT_WAIT_MS);
    if (rc == 0)
        print_error("--check-config accepted public binds without CURVE or insecure: %s\n", out);
    assert_int_not_equal(rc, 0);
}

//  v7: sl/tp 15/25 pips from the ask (1.17619) -> 1.17469 / 1.17869, lot 0.12 as sent.
#define V7_EXECUTED "symbol=EURUSD side=buy lot=0.12 price=1.17619 sl=1.17469 tp=1.17869"
//  v2.05: a sell at the bid (1.35985), sl 20 pips above, tp 40 below, lot 0.07 as sent.
#define V205_EXECUTED "symbol=GBPUSD side=sell lot=0.07 price=1.35985 sl=1.36185 tp=1.35585"

//  One stock EA alone against the shipped config, from its first frame to the halt.
typedef struct {
    const char *dialect, *uuid, *symbols, *balance;
    double balance_value;
    const char *symbol, *action;
    double lot;
    int sl_pips, tp_pips;
    const char *executed;
} s_case_t;

static void s_run_alone(const s_case_t *c)
{
    bt_daemon_t d;
    assert_int_equal(s_daemon_start(&d), 0);
    s_sim_t sim;
    s_sim_start(&sim, &d, c->dialect, c->symbols, c->balance);
    s_expect_online(&d, c->uuid, c->dialect);
    s_expect_account_state(&d, c->uuid, c->balance_value);
    if (strcmp(c->dialect, "v2.05") == 0) /* its HELLO bound its DEALER identity */
        assert_true(bt_log_contains(&d, "route.learned uuid=" V205_UUID " channel=router",
                                    BT_WAIT_MS));
    json_t *learned = s_wait_offset_learned(&d, c->uuid);
    s_expect_venom_ticks(&d);
    char id[128];
    s_fire(&d, c->uuid, c->symbol, c->action, c->lot, c->sl_pips, c->tp_pips, id, sizeof id);
    s_expect_executed(&d, &sim, id, c->executed);
    s_halt_hard(&d);
    s_expect_halt_closed(&d, &sim);
    s_expect_no_rejects_since(&d, learned);
    json_decref(learned);
    s_expect_sim_summary(&sim);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_stock_v7_end_to_end(void **state)
{
    (void)state;
    s_run_alone(&(s_case_t){"v7", V7_UUID, "EURUSD", "5321.50", 5321.50, "EURUSD", "buy", 0.12,
                            15, 25, V7_EXECUTED});
}

static void test_stock_v205_end_to_end(void **state)
{
    (void)state;
    s_run_alone(&(s_case_t){"v2.05", V205_UUID, "GBPUSD", "7777.25", 7777.25, "GBPUSD", "sell",
                            0.07, 20, 40, V205_EXECUTED});
}

static void test_stock_v7_and_v205_at_once_each_fire_reaches_only_its_ea(void **state)
{
    (void)state;
    bt_daemon_t d;
    assert_int_equal(s_daemon_start(&d), 0);
    s_sim_t v7, v205;
    s_sim_start(&v7, &d, "v7", "EURUSD", "5321.50");
    s_sim_start(&v205, &d, "v2.05", "GBPUSD,USDJPY", "7777.25");
    s_expect_online(&d, V7_UUID, "v7");
    s_expect_online(&d, V205_UUID, "v2.05");
    s_expect_account_state(&d, V7_UUID, 5321.50);
    s_expect_account_state(&d, V205_UUID, 7777.25);
    json_decref(s_wait_offset_learned(&d, V7_UUID));
    json_t *learned = s_wait_offset_learned(&d, V205_UUID);
    s_expect_venom_ticks(&d);
    char id7[128], id205[128];
    s_fire(&d, V7_UUID, "EURUSD", "buy", 0.12, 15, 25, id7, sizeof id7);
    s_fire(&d, V205_UUID, "GBPUSD", "sell", 0.07, 20, 40, id205, sizeof id205);
    s_expect_executed(&d, &v7, id7, V7_EXECUTED);
    s_expect_executed(&d, &v205, id205, V205_EXECUTED);
    //  Each fire reached its own EA only.
    assert_true(s_sim_never_logged(&v205, id7));
    assert_true(s_sim_never_logged(&v7, id205));
    s_halt_hard(&d);
    s_expect_halt_closed(&d, &v7);
    s_expect_halt_closed(&d, &v205);
    assert_true(s_sim_never_logged(&v7, "HALT_" V205_UUID));
    s_expect_no_rejects_since(&d, learned);
    json_decref(learned);
    s_expect_sim_summary(&v7);
    s_expect_sim_summary(&v205);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stock_config_passes_check_config),
        cmocka_unit_test_teardown(test_stock_v7_end_to_end, s_teardown),
        cmocka_unit_test_teardown(test_stock_v205_end_to_end, s_teardown),
        cmocka_unit_test_teardown(test_stock_v7_and_v205_at_once_each_fire_reaches_only_its_ea,
                                  s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
