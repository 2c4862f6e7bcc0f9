/*  soak_kill.c: the kill -9 soak of issue 14 ("Done when"). Four auto accounts, each with
 *  its own EA (telemetry, results, a command PULL that reads every frame); manual fires AND
 *  VENOM signals that CITADEL passes (an automatic fan-out to every auto account) in flight;
 *  SIGKILL at a seeded random point (often the instant the fan-out's first fire.pending is
 *  logged); restart; go on. At the end, over the store and every frame each EA received:
 *    duplicates  no (signal_id, uuid) reached the EAs twice
 *    absent      every passed verdict in the store has a fire row for EVERY auto account
 *    pending     no fire is PENDING after the final restart
 *    unjournaled every frame an EA received has its fire row, and that row is not REFUSED
 *    lost        every fire the control socket answered with an id is in the store
 *  Not in the default ctest run. Without BITTEN_SOAK_CYCLES it does 4 cycles (a smoke run); the
 *  soak: BITTEN_SOAK_CYCLES=200 [BITTEN_SOAK_SEED=N] ./build/tests/soak_kill, or cmake
 *  -DBITTEN_SOAK=ON and ctest -L soak (docs/operations.md, "The kill -9 soak"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define S_ACCOUNTS 4
#define S_DEFAULT_CYCLES 4
#define S_BAR 300LL /* M5 */

typedef struct {
    char uuid[32];
    void *fb;  /* feedback PUSH */
    void *cmd; /* command PULL */
} s_ea_t;

typedef struct {
    bt_daemon_t d;
    s_ea_t ea[S_ACCOUNTS];
    unsigned seed;
    int cycles, next_manual, scenarios;
    json_t *received; /* "sid|uuid" -> times received (every EA socket together) */
    json_t *held;     /* "sid|uuid" received, result not sent yet (a kill came in between) */
    json_t *issued;   /* "sid|uuid" -> state the control socket answered (id > 0) */
    json_t *scenario; /* VENOM signal_id -> "cycle N kill=WHERE", for the report */
    void *market; /* the shared feedback socket the tick scenario goes on */
    int duplicates, delivered, delivered_manual, delivered_auto, misrouted;
    int kills_at_pending, unanswered_requests;
    long log_offset;
    long long last_base;
} s_run_t;

static int s_env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static void s_key(char *out, size_t size, const char *sid, const char *uuid)
{
    snprintf(out, size, "%s|%s", sid, uuid);
}

static void s_telemetry(s_run_t *r, int i)
{
    char frame[256];
    snprintf(frame, sizeof frame,
             "{\"type\":\"telemetry\",\"uuid\":\"%s\",\"account\":{\"balance\":10000,"
             "\"equity\":10000,\"margin\":0,\"free_margin\":10000,\"margin_level\":0}}",
             r->ea[i].uuid);
    bt_send(r->ea[i].fb, frame);
}

static void s_connect_eas(s_run_t *r)
{
    //  Each account has its own endpoint pair (OS-chosen ports, new after every restart): a
    //  fire can only leave on its own account's connection (issue 14 item 2).
    for (int i = 0; i < S_ACCOUNTS; i++) {
        char cmd[128], fb[128], key[64];
        assert_int_equal(bt_account_endpoints(&r->d, r->ea[i].uuid, cmd, fb, sizeof cmd), 0);
        r->ea[i].cmd = bt_socket(&r->d, ZMQ_PULL, cmd);
        r->ea[i].fb = bt_socket(&r->d, ZMQ_PUSH, fb);
        assert_non_null(r->ea[i].fb);
        assert_non_null(r->ea[i].cmd);
        snprintf(key, sizeof key, "channels.accounts.%d.command.peers", i);
        assert_int_equal(bt_wait_status(&r->d, key, 1, 5000), 1);
    }
    r->market = bt_feedback_socket(&r->d, true);
    assert_non_null(r->market);
    for (int i = 0; i < S_ACCOUNTS; i++)
        s_telemetry(r, i);
    assert_int_equal(bt_wait_status(&r->d, "eas.online", S_ACCOUNTS, 5000), S_ACCOUNTS);
}

static void s_close_eas(s_run_t *r)
{
    zmq_close(r->market);
    r->market = NULL;
    for (int i = 0; i < S_ACCOUNTS; i++) {
        zmq_close(r->ea[i].cmd);
        zmq_close(r->ea[i].fb);
    }
}

static int s_ea_of(s_run_t *r, const char *uuid)
{
    for (int i = 0; i < S_ACCOUNTS; i++)
        if (strcmp(r->ea[i].uuid, uuid) == 0)
            return i;
    return 0;
}

//  The EA's answer: "failed" (no position opens, so the tiers' position caps never starve the
//  soak of sends). Sent from the target account's own feedback socket.
static void s_send_result(s_run_t *r, const char *sid, const char *uuid)
{
    char frame[320];
    snprintf(frame, sizeof frame,
             "{\"type\":\"trade_result\",\"signal_id\":\"%s\",\"status\":\"failed\","
             "\"uuid\":\"%s\",\"message\":\"soak: not placed\"}",
             sid, uuid);
    bt_send(r->ea[s_ea_of(r, uuid)].fb, frame);
}

//  One signal frame an EA read: counted by (signal_id, uuid), answered at once unless hold.
static void s_take(s_run_t *r, int ea, const char *buf, bool hold)
{
    json_error_t err;
    json_t *f = json_loads(buf, 0, &err);
    assert_non_null(f);
    const char *sid = json_string_value(json_object_get(f, "signal_id"));
    const char *uuid = json_string_value(json_object_get(f, "uuid"));
    //  A frame without uuid (the v7 dialect, detected from this EA's uuid-less frames on its
    //  own pair) is for the account whose connection carried it.
    if (!uuid)
        uuid = r->ea[ea].uuid;
    if (!sid)
        fail_msg("soak_kill: a signal frame without signal_id: %s", buf);
    char key[160];
    s_key(key, sizeof key, sid, uuid);
    int n = (int)json_integer_value(json_object_get(r->received, key)) + 1;
    json_object_set_new(r->received, key, json_integer(n));
    if (strcmp(uuid, r->ea[ea].uuid) != 0)
        r->misrouted++; /* another account's fire reached this EA (issue 14 item 2) */
    if (n > 1) {
        r->duplicates++;
        fprintf(stderr, "soak_kill: DUPLICATE %s received %d times (cycle %d): %s\n", key, n,
                r->cycles, buf);
    } else {
        r->delivered++;
        if (strncmp(sid, "VENOM_", 6) == 0)
            r->delivered_auto++;
        else
            r->delivered_manual++;
    }
    if (hold)
        json_object_set_new(r->held, key, json_true());
    else
        s_send_result(r, sid, uuid);
    json_decref(f);
}

//  Reads every EA's command socket for wait_ms (a round over all of them each ms).
static void s_pump(s_run_t *r, int wait_ms, bool hold)
{
    char buf[4096];
    int64_t deadline = bt_now_ms() + wait_ms;
    do {
        bool any = false;
        for (int i = 0; i < S_ACCOUNTS; i++)
            while (bt_recv(r->ea[i].cmd, buf, sizeof buf, 0) > 0) {
                any = true;
                if (strstr(buf, "\"type\":\"signal\""))
                    s_take(r, i, buf, hold);
            }
        if (!any)
            bt_sleep_ms(1);
    } while (bt_now_ms() < deadline);
}

static void s_record_reply(s_run_t *r, json_t *reply, const char *sid, const char *uuid)
{
    if (!reply || bt_json_int(reply, "id") <= 0)
        return;
    char key[160];
    s_key(key, sizeof key, sid, uuid);
    const char *state = json_string_value(json_object_get(reply, "state"));
    json_object_set_new(r->issued, key, json_string(state ? state : "?"));
}

static void s_manual_request(s_run_t *r, int ea, char *sid, size_t sid_size, char *req,
                             size_t req_size)
{
    snprintf(sid, sid_size, "M%d", r->next_manual++);
    snprintf(req, req_size,
             "{\"cmd\":\"fire\",\"uuid\":\"%s\",\"symbol\":\"EURUSD\",\"action\":\"%s\","
             "\"sl_pips\":20,\"tp_pips\":40,\"signal_id\":\"%s\"}",
             r->ea[ea].uuid, (r->next_manual & 1) ? "buy" : "sell", sid);
}

static void s_manual_fire(s_run_t *r, int ea)
{
    char sid[32], req[320];
    s_manual_request(r, ea, sid, sizeof sid, req, sizeof req);
    json_t *reply = bt_ctl(&r->d, req);
    assert_non_null(reply);
    s_record_reply(r, reply, sid, r->ea[ea].uuid);
    json_decref(reply);
}

//  Waits (1 ms steps, up to wait_ms) for text in the log written after r->log_offset.
static bool s_log_seen(s_run_t *r, const char *text, int wait_ms)
{
    static char buf[1 << 20];
    int64_t deadline = bt_now_ms() + wait_ms;
    do {
        FILE *f = fopen(r->d.log_path, "r");
        if (f) {
            fseek(f, r->log_offset, SEEK_SET);
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            if (strstr(buf, text))
                return true;
        }
        bt_sleep_ms(1);
    } while (bt_now_ms() < deadline);
    return false;
}

static long s_log_size(s_run_t *r)
{
    FILE *f = fopen(r->d.log_path, "r");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

//  One life of the daemon: a few steps of telemetry + manual fires + the EAs' answers, then a
//  VENOM scenario (its verdict fans out to the four accounts) and SIGKILL at a seeded point.
static void s_cycle(s_run_t *r)
{
    r->log_offset = s_log_size(r);
    int steps = 1 + (int)(rand_r(&r->seed) % 3);
    int where = (int)(rand_r(&r->seed) % 6);
    int pause = (int)(rand_r(&r->seed) % 80);
    for (int s = 0; s < steps - 1; s++) {
        for (int i = 0; i < S_ACCOUNTS; i++)
            s_telemetry(r, i);
        int burst = 1 + (int)(rand_r(&r->seed) % 3);
        for (int b = 0; b < burst; b++)
            s_manual_fire(r, (int)(rand_r(&r->seed) % S_ACCOUNTS));
        s_pump(r, 50, false);
    }
    for (int i = 0; i < S_ACCOUNTS; i++)
        s_telemetry(r, i);
    //  The signal's minute (base + 60) is now or a little later (an expired signal is refused,
    //  not sent), one M5 bar later than the last cycle's so each cycle's signal_id is new.
    long long base = ((long long)time(NULL) - 60 + S_BAR - 1) / S_BAR * S_BAR;
    if (base <= r->last_base)
        base = r->last_base + S_BAR;
    r->last_base = base;
    r->scenarios++;
    static const char *const kill_at[] = {"first_pending", "first_pending+manual", "ticks",
                                          "held_results", "results_in_flight", "quiet+manual"};
    char vsid[64], what[64];
    snprintf(vsid, sizeof vsid, "VENOM_EURUSD_%lld", base + 60);
    snprintf(what, sizeof what, "cycle %d kill=%s", r->cycles + 1, kill_at[where]);
    json_object_set_new(r->scenario, vsid, json_string(what));
    char pending[160];
    snprintf(pending, sizeof pending, "fire.pending signal_id=VENOM_EURUSD_%lld", base + 60);
    void *async = NULL;
    char async_sid[32] = "", async_uuid[32] = "";
    if (where == 1) { /* a manual fire and the fan-out in flight together */
        char req[320];
        int ea = (int)(rand_r(&r->seed) % S_ACCOUNTS);
        s_manual_request(r, ea, async_sid, sizeof async_sid, req, sizeof req);
        snprintf(async_uuid, sizeof async_uuid, "%s", r->ea[ea].uuid);
        async = zmq_socket(r->d.zctx, ZMQ_REQ);
        int zero = 0;
        zmq_setsockopt(async, ZMQ_LINGER, &zero, sizeof zero);
        assert_int_equal(zmq_connect(async, r->d.control), 0);
        assert_int_equal(zmq_send(async, req, strlen(req), 0), (int)strlen(req));
    }
    //  Market data on the shared feedback socket: uuid-less ticks feed VENOM (on an account's
    //  own pair they would be that account's, in its detected dialect).
    (void)rand_r(&r->seed); /* keeps the seeded kill points where they were */
    assert_true(bt_send_lsr_scenario_at(r->market, base) > 0);
    switch (where) {
    case 0: /* the instant the fan-out journals its first fire (issue 14 item 3) */
    case 1:
        if (s_log_seen(r, pending, 3000))
            r->kills_at_pending++;
        if (pause % 3)
            bt_sleep_ms(pause % 3);
        break;
    case 2: /* somewhere while the ticks are read, judged, fanned out */
        bt_sleep_ms(pause);
        break;
    case 3: /* received by the EAs, results not sent yet */
        s_pump(r, 10 + pause, true);
        break;
    case 4: /* results in flight */
        s_pump(r, 10 + pause, false);
        break;
    default: /* quiet: all answered, then a manual fire right before the kill */
        s_pump(r, 200 + pause, false);
        s_manual_fire(r, (int)(rand_r(&r->seed) % S_ACCOUNTS));
        break;
    }
    bt_daemon_kill(&r->d);
    if (async) {
        char buf[2048];
        int n = zmq_recv(async, buf, sizeof buf - 1, ZMQ_DONTWAIT);
        if (n > 0) {
            buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
            json_t *reply = json_loads(buf, 0, NULL);
            s_record_reply(r, reply, async_sid, async_uuid);
            json_decref(reply);
        } else {
            r->unanswered_requests++;
        }
        zmq_close(async);
    }
    //  What already reached an EA's socket is that EA's: read it before reconnecting.
    s_pump(r, 100, true);
    s_close_eas(r);
    assert_int_equal(bt_daemon_restart(&r->d), 0);
    r->cycles++;
    s_connect_eas(r);
    //  The results the dead daemon never got: the EAs send them to the new one.
    const char *key;
    json_t *v;
    json_object_foreach(r->held, key, v)
    {
        char sid[128];
        snprintf(sid, sizeof sid, "%.*s", (int)(strchr(key, '|') - key), key);
        s_send_result(r, sid, strchr(key, '|') + 1);
    }
    json_object_clear(r->held);
}

//  The store's fires of every account: "sid|uuid" -> {"state","reason"} (new reference).
static json_t *s_store_fires(s_run_t *r)
{
    json_t *all = json_object();
    for (int i = 0; i < S_ACCOUNTS; i++) {
        char req[160];
        snprintf(req, sizeof req, "{\"cmd\":\"fires\",\"uuid\":\"%s\",\"limit\":1000000}",
                 r->ea[i].uuid);
        json_t *reply = bt_ctl(&r->d, req);
        assert_non_null(reply);
        json_t *f;
        size_t k;
        json_array_foreach(json_object_get(reply, "fires"), k, f)
        {
            const char *sid = json_string_value(json_object_get(f, "signal_id"));
            const char *uuid = json_string_value(json_object_get(f, "uuid"));
            char key[160];
            s_key(key, sizeof key, sid ? sid : "?", uuid ? uuid : r->ea[i].uuid);
            json_object_set(all, key, f);
        }
        json_decref(reply);
    }
    return all;
}

static const char *s_state(json_t *fires, const char *key)
{
    return json_string_value(json_object_get(json_object_get(fires, key), "state"));
}

//  Sends again the result of every received fire still SENT/UNCONFIRMED/TIMEOUT until the
//  store shows it FAILED (a busy machine applies them late). Returns how many are not.
static int s_reconcile(s_run_t *r, int wait_ms)
{
    int64_t deadline = bt_now_ms() + wait_ms;
    int open = 0;
    do {
        json_t *fires = s_store_fires(r);
        open = 0;
        const char *key;
        json_t *v;
        json_object_foreach(r->received, key, v)
        {
            const char *st = s_state(fires, key);
            if (st && (strcmp(st, "SENT") == 0 || strcmp(st, "UNCONFIRMED") == 0 ||
                       strcmp(st, "TIMEOUT") == 0 || strcmp(st, "PENDING") == 0)) {
                char sid[128];
                snprintf(sid, sizeof sid, "%.*s", (int)(strchr(key, '|') - key), key);
                s_send_result(r, sid, strchr(key, '|') + 1);
                open++;
            }
        }
        json_decref(fires);
        if (open)
            bt_sleep_ms(200);
    } while (open && bt_now_ms() < deadline);
    return open;
}

static void test_kill9_soak_no_duplicate_no_absent_decision(void **state)
{
    s_run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    const char *seed_env = getenv("BITTEN_SOAK_SEED");
    r->seed = (unsigned)s_env_int("BITTEN_SOAK_SEED", 1);
    unsigned seed0 = r->seed;
    int cycles = s_env_int("BITTEN_SOAK_CYCLES", S_DEFAULT_CYCLES);
    fprintf(stderr, "soak_kill: seed=%u cycles=%d%s\n", seed0, cycles,
            seed_env ? "" : " (BITTEN_SOAK_SEED=N to change)");
    r->received = json_object();
    r->held = json_object();
    r->issued = json_object();
    r->scenario = json_object();
    char zpl[2048] = "accounts\n";
    for (int i = 0; i < S_ACCOUNTS; i++) {
        snprintf(r->ea[i].uuid, sizeof r->ea[i].uuid, "soak_%d", i);
        size_t len = strlen(zpl);
        snprintf(zpl + len, sizeof zpl - len,
                 "    a%d\n        uuid = \"%s\"\n        tier = \"COMMANDER\"\n"
                 "        mode = \"auto\"\n"
                 "        command_endpoint = \"tcp://127.0.0.1:*\"\n"
                 "        feedback_endpoint = \"tcp://127.0.0.1:*\"\n",
                 i, r->ea[i].uuid);
    }
    //  No evidence gate, no rate limits, no spacing: every cycle's verdict passes and fans out.
    //  Each EA on its own endpoint pair: besides nothing sent twice or left undecided, every
    //  frame must reach only its own account's EA (misrouted stays 0).
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "ea.ping_interval_s=0", NULL};
    size_t len = strlen(zpl);
    snprintf(zpl + len, sizeof zpl - len,
             "citadel\n    evidence_gate = 0\n"
             "fire\n    max_clock_skew_s = 0\n" /* later cycles run ahead of the clock */
             "    result_timeout_s = 2\n    check_interval_ms = 100\n"
             "risk\n    fire_spacing_s = 0\n    max_fires_per_window = 64\n    rate_window_s = 1\n"
             "    commander\n        fires_per_day = 1000\n        max_positions = 32\n"
             "venom\n    cooldown_s = 0\n    max_per_window = 64\n    max_per_symbol_day = 0\n"
             "    max_per_session\n        asian = 0\n        london = 0\n        overlap = 0\n"
             "        newyork = 0\n        late = 0\n");
    assert_int_equal(bt_daemon_start(&r->d, zpl, args), 0);
    s_connect_eas(r);
    int64_t t0 = bt_now_ms();
    for (int c = 0; c < cycles; c++)
        s_cycle(r);
    int open = s_reconcile(r, BT_WAIT_MS);

    //  The invariants, over the store after the last restart.
    json_t *fires = s_store_fires(r);
    json_t *sigs = bt_ctl(&r->d, "{\"cmd\":\"signals\",\"limit\":100000}");
    assert_non_null(sigs);
    int passed = 0, absent = 0, unjournaled = 0, sent_refused = 0, lost = 0, pending = 0;
    int auto_rows = 0, manual_rows = 0;
    json_t *s;
    size_t i;
    json_array_foreach(json_object_get(sigs, "signals"), i, s)
    {
        if (!json_is_true(json_object_get(json_object_get(s, "verdict"), "passed")))
            continue;
        passed++;
        const char *sid = json_string_value(json_object_get(s, "signal_id"));
        for (int a = 0; a < S_ACCOUNTS; a++) {
            char key[160];
            s_key(key, sizeof key, sid, r->ea[a].uuid);
            if (!json_object_get(fires, key)) {
                absent++;
                fprintf(stderr,
                        "soak_kill: ABSENT passed verdict %s (%s) has no fire for %s\n", sid,
                        json_string_value(json_object_get(r->scenario, sid)), r->ea[a].uuid);
            }
        }
    }
    json_t *by_state = json_object();
    const char *key;
    json_t *f;
    json_object_foreach(fires, key, f)
    {
        const char *st = json_string_value(json_object_get(f, "state"));
        const char *src = json_string_value(json_object_get(f, "source"));
        json_object_set_new(by_state, st,
                            json_integer(json_integer_value(json_object_get(by_state, st)) + 1));
        pending += strcmp(st, "PENDING") == 0;
        if (src && strcmp(src, "manual") == 0)
            manual_rows++;
        else
            auto_rows++;
        if (strcmp(st, "REFUSED") == 0) {
            const char *why = json_string_value(json_object_get(f, "reason"));
            char rk[64];
            snprintf(rk, sizeof rk, "REFUSED.%s", why ? why : "?");
            json_object_set_new(by_state, rk,
                                json_integer(json_integer_value(json_object_get(by_state, rk)) + 1));
        }
    }
    json_t *v;
    json_object_foreach(r->received, key, v)
    {
        const char *st = s_state(fires, key);
        if (!st) {
            unjournaled++;
            fprintf(stderr, "soak_kill: UNJOURNALED %s reached an EA, no fire row\n", key);
        } else if (strcmp(st, "REFUSED") == 0) {
            sent_refused++;
            fprintf(stderr, "soak_kill: %s reached an EA but is REFUSED\n", key);
        }
    }
    json_object_foreach(r->issued, key, v)
        if (!json_object_get(fires, key)) {
            lost++;
            fprintf(stderr, "soak_kill: LOST %s answered %s, not in the store\n", key,
                    json_string_value(v));
        }
    char *states = json_dumps(by_state, JSON_SORT_KEYS | JSON_COMPACT);
    fprintf(stderr,
            "soak_kill: SUMMARY seed=%u cycles=%d accounts=%d passed_verdicts=%d "
            "fires_delivered=%d manual=%d auto=%d misrouted=%d store_fires=%zu "
            "(manual=%d auto=%d) states=%s kills_at_first_pending=%d unanswered_requests=%d "
            "duplicates=%d absent=%d unjournaled=%d sent_but_refused=%d lost=%d pending=%d "
            "unresolved_after_reconcile=%d (%.1f s)\n",
            seed0, r->cycles, S_ACCOUNTS, passed, r->delivered, r->delivered_manual,
            r->delivered_auto, r->misrouted, json_object_size(fires), manual_rows, auto_rows,
            states, r->kills_at_pending, r->unanswered_requests, r->duplicates, absent,
            unjournaled, sent_refused, lost, pending, open, (double)(bt_now_ms() - t0) / 1000.0);
    free(states);
    json_decref(by_state);
    json_decref(sigs);
    json_decref(fires);
    assert_int_equal(r->cycles, cycles);
    assert_true(passed > 0);           /* the fan-out ran: the soak can fail */
    assert_true(r->delivered_auto > 0);
    assert_true(r->delivered_manual > 0);
    assert_int_equal(r->duplicates, 0);
    assert_int_equal(r->misrouted, 0);
    assert_int_equal(absent, 0);
    assert_int_equal(unjournaled, 0);
    assert_int_equal(sent_refused, 0);
    assert_int_equal(lost, 0);
    assert_int_equal(pending, 0);
    s_close_eas(r);
    assert_int_equal(bt_daemon_stop(&r->d, NULL), 0);
    bt_daemon_cleanup(&r->d);
    json_decref(r->received);
    json_decref(r->held);
    json_decref(r->issued);
    json_decref(r->scenario);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill9_soak_no_duplicate_no_absent_decision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
