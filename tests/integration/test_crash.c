/*  test_crash.c: crash safety under load: the test plays the EA (telemetry, results) while the
 *  operator closes flow, SIGKILLs bittend at seeded random points and checks the store after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define UUID "acct_crash_1"
#define ACCOUNTS                                                                                   \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"                   \
    "        mode = \"manual\"\n" \
    "command\n    account = \"" UUID "\"\n"
#define TELEMETRY                                                                                  \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"                \
    "\"equity\":10000}}"

#define S_MAX_FIRES 4096
#define S_DEFAULT_CYCLES 20
#define S_TELEMETRY_MS 100 /* the EA's telemetry period, and one step of the loop */

//  What the test knows of one fire K<n>, from the control reply and from the EA's side.
typedef struct {
    bool issued;    /* the control socket answered with an id > 0 */
    char state[16]; /* the state in that answer (SENT, REFUSED) */
    int received;   /* how many times the EA got its signal frame */
    bool answered;  /* the EA has sent its trade_result at least once */
    bool filled;    /* seen FILLED in the store */
} s_fire_t;

typedef struct {
    bt_daemon_t d;
    void *fb;  /* the EA's feedback PUSH (feedback.socket = pull) */
    void *cmd; /* the EA's command PULL */
    unsigned seed;
    int next; /* n of the next K<n> */
    s_fire_t fires[S_MAX_FIRES];
    int unanswered[S_MAX_FIRES]; /* received, result not sent yet (a kill came in between) */
    int n_unanswered;
    int cycles, issued, sent, received, duplicates, results, resent;
    int late;                     /* results first sent after the restart */
    int unanswered_requests;      /* closes whose control reply the kill cut off */
    int not_filled_after_restart; /* received fires the restarted daemon did not have FILLED */
} s_run_t;

static int s_env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static void s_connect_ea(s_run_t *r)
{
    r->fb = bt_feedback_socket(&r->d, true);
    r->cmd = bt_command_socket(&r->d);
    assert_non_null(r->fb);
    assert_non_null(r->cmd);
    assert_int_equal(bt_wait_status(&r->d, "command.peers", 1, 5000), 1);
    bt_send(r->fb, TELEMETRY);
    assert_int_equal(bt_wait_status(&r->d, "eas.online", 1, 5000), 1);
}

static void s_send_result(s_run_t *r, int k)
{
    char frame[256];
    snprintf(frame, sizeof frame,
             "{\"type\":\"trade_result\",\"signal_id\":\"K%d\",\"status\":\"success\","
             "\"uuid\":\"" UUID "\",\"message\":\"Closed 0 positions\"}",
             k);
    assert_int_equal(bt_send(r->fb, frame), 0);
    r->fires[k].answered = true;
    r->results++;
}

//  Reads signal frames for up to wait_ms. Each is counted; answered at once unless hold is
//  set (then it waits in unanswered, as a result the EA had not sent yet when bittend died).
//  first_only returns right after the first signal, so a kill can follow its result closely.
static void s_pump_ex(s_run_t *r, int wait_ms, bool hold, bool first_only)
{
    char buf[4096];
    int64_t deadline = bt_now_ms() + wait_ms;
    for (;;) {
        int64_t left = deadline - bt_now_ms();
        if (bt_recv(r->cmd, buf, sizeof buf, left > 0 ? (int)left : 0) < 0)
            return;
        if (!strstr(buf, "\"type\":\"signal\""))
            continue; /* keepalives */
        const char *id = strstr(buf, "\"signal_id\":\"K");
        assert_non_null(id);
        int k = atoi(id + strlen("\"signal_id\":\"K"));
        assert_true(k >= 0 && k < S_MAX_FIRES);
        if (++r->fires[k].received > 1) {
            r->duplicates++;
            fprintf(stderr, "test_crash: K%d received %d times: %s\n", k, r->fires[k].received,
                    buf);
        } else {
            r->received++;
        }
        if (hold)
            r->unanswered[r->n_unanswered++] = k;
        else
            s_send_result(r, k);
        if (first_only)
            return;
    }
}

static void s_pump(s_run_t *r, int wait_ms, bool hold)
{
    s_pump_ex(r, wait_ms, hold, false);
}

static void s_issue_close(s_run_t *r)
{
    int k = r->next++;
    assert_true(k < S_MAX_FIRES);
    char req[192];
    snprintf(
        req, sizeof req,
        "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"signal_id\":\"K%d\"}", k);
    json_t *reply = bt_ctl(&r->d, req);
    assert_non_null(reply);
    if (bt_json_int(reply, "id") > 0) {
        r->fires[k].issued = true;
        r->issued++;
        const char *state = json_string_value(json_object_get(reply, "state"));
        snprintf(r->fires[k].state, sizeof r->fires[k].state, "%s", state ? state : "?");
        if (state && strcmp(state, "SENT") == 0)
            r->sent++;
    }
    json_decref(reply);
}

//  A close whose reply the test does not wait for: bittend dies while handling it (journaled
//  PENDING, sent or not). The reply counts when it made it out before the kill.
static void *s_issue_close_async(s_run_t *r, int *k_out)
{
    int k = r->next++;
    assert_true(k < S_MAX_FIRES);
    char req[192];
    snprintf(
        req, sizeof req,
        "{\"cmd\":\"close\",\"uuid\":\"" UUID "\",\"symbol\":\"EURUSD\",\"signal_id\":\"K%d\"}", k);
    void *sock = zmq_socket(r->d.zctx, ZMQ_REQ);
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_connect(sock, r->d.control), 0);
    assert_int_equal(zmq_send(sock, req, strlen(req), 0), (int)strlen(req));
    *k_out = k;
    return sock;
}

static void s_finish_async(s_run_t *r, void *sock, int k)
{
    char buf[2048];
    int n = zmq_recv(sock, buf, sizeof buf - 1, ZMQ_DONTWAIT);
    if (n > 0) {
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        json_t *reply = json_loads(buf, 0, NULL);
        if (reply && bt_json_int(reply, "id") > 0) {
            r->fires[k].issued = true;
            r->issued++;
            const char *state = json_string_value(json_object_get(reply, "state"));
            snprintf(r->fires[k].state, sizeof r->fires[k].state, "%s", state ? state : "?");
            if (state && strcmp(state, "SENT") == 0)
                r->sent++;
        }
        json_decref(reply);
    } else {
        r->unanswered_requests++;
    }
    zmq_close(sock);
}

//  The store's fires, all of them: signal_id -> state.
static json_t *s_fires(s_run_t *r)
{
    json_t *reply = bt_ctl(&r->d, "{\"cmd\":\"fires\",\"uuid\":\"" UUID "\",\"limit\":1000000}");
    assert_non_null(reply);
    json_t *by_id = json_object();
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(reply, "fires"), i, f)
    {
        const char *id = json_string_value(json_object_get(f, "signal_id"));
        const char *state = json_string_value(json_object_get(f, "state"));
        if (id && state)
            json_object_set_new(by_id, id, json_string(state));
    }
    json_decref(reply);
    return by_id;
}

static const char *s_state_of(json_t *by_id, int k)
{
    char id[32];
    snprintf(id, sizeof id, "K%d", k);
    return json_string_value(json_object_get(by_id, id));
}

//  Results the dead daemon may never have read: send again every received fire's result
//  until the store shows it FILLED (one round, or rounds until wait_ms has passed: a busy
//  machine applies them late). Returns how many are still not FILLED.
static int s_reconcile(s_run_t *r, int wait_ms)
{
    int64_t deadline = bt_now_ms() + wait_ms;
    r->late += r->n_unanswered;
    for (int i = 0; i < r->n_unanswered; i++)
        s_send_result(r, r->unanswered[i]);
    r->n_unanswered = 0;
    int missing = 0;
    for (int round = 0; round == 0 || bt_now_ms() < deadline; round++) {
        json_t *by_id = s_fires(r);
        missing = 0;
        for (int k = 0; k < r->next; k++) {
            if (!r->fires[k].received || r->fires[k].filled)
                continue;
            const char *state = s_state_of(by_id, k);
            if (state && strcmp(state, "FILLED") == 0) {
                r->fires[k].filled = true;
                continue;
            }
            missing++;
            r->not_filled_after_restart += round == 0;
            s_send_result(r, k);
            r->resent++;
        }
        json_decref(by_id);
        if (missing == 0)
            break;
        bt_sleep_ms(150);
    }
    return missing;
}

//  One life of the daemon: steps of telemetry + a close + the EA's answers, then SIGKILL at a
//  seeded random point of the last step.
static void s_cycle(s_run_t *r)
{
    int steps = 2 + (int)(rand_r(&r->seed) % 6);
    int where = (int)(rand_r(&r->seed) % 5);
    int pause = (int)(rand_r(&r->seed) % 60);
    for (int s = 0; s < steps; s++) {
        bool last = s == steps - 1;
        bt_send(r->fb, TELEMETRY);
        int burst = 1 + (int)(rand_r(&r->seed) % 3);
        for (int b = 0; b < burst; b++)
            s_issue_close(r);
        if (last && where == 4) {
            int k;
            void *sock = s_issue_close_async(r, &k);
            bt_sleep_ms(pause % 3); /* mid-request: journaled PENDING, maybe sent */
            bt_daemon_kill(&r->d);
            s_finish_async(r, sock, k);
            break;
        }
        if (last && where == 0) {
            bt_sleep_ms(pause / 10); /* the signal is on the wire, the EA has not read it */
            break;
        }
        if (last && where == 1) {
            s_pump(r, 10 + pause, true); /* received, the result not sent yet */
            break;
        }
        if (last && where == 2) {
            s_pump_ex(r, 200, false, true);
            break; /* a result is in flight */
        }
        s_pump(r, last ? 10 + pause : S_TELEMETRY_MS, false);
        if (last)
            bt_sleep_ms(pause); /* quiet: the result has likely been applied */
    }
    bt_daemon_kill(&r->d);
    //  What already reached the EA's socket is the EA's: read it before reconnecting.
    s_pump(r, 100, true);
    zmq_close(r->cmd);
    zmq_close(r->fb);
    assert_int_equal(bt_daemon_restart(&r->d), 0);
    r->cycles++;
    s_connect_ea(r);
    s_reconcile(r, 0);
}

static void test_sigkill_under_load_loses_nothing_and_sends_nothing_twice(void **state)
{
    s_run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->seed = (unsigned)s_env_int("BITTEN_CRASH_SEED", 1);
    int cycles = s_env_int("BITTEN_CRASH_CYCLES", S_DEFAULT_CYCLES);
    const char *args[] = {"--set", "feedback.socket=pull",       "--set", "fire.result_timeout_s=2",
                          "--set", "fire.check_interval_ms=100", "--set", "ea.ping_interval_s=0",
                          NULL};
    assert_int_equal(bt_daemon_start(&r->d, ACCOUNTS, args), 0);
    s_connect_ea(r);
    int64_t t0 = bt_now_ms();
    for (int c = 0; c < cycles; c++)
        s_cycle(r);
    //  After the final restart: every result the EA sent is applied, late ones included.
    int missing = s_reconcile(r, BT_WAIT_MS);
    json_t *by_id = s_fires(r);
    int pending = 0, unconfirmed = 0, lost = 0, filled = 0;
    const char *key;
    json_t *value;
    json_object_foreach(by_id, key, value)
    {
        const char *st = json_string_value(value);
        pending += strcmp(st, "PENDING") == 0;
        unconfirmed += strcmp(st, "UNCONFIRMED") == 0;
        filled += strcmp(st, "FILLED") == 0;
    }
    for (int k = 0; k < r->next; k++) {
        const char *st = s_state_of(by_id, k);
        if (r->fires[k].issued && !st) {
            fprintf(stderr, "test_crash: K%d was answered %s by control but is not in the store\n",
                    k, r->fires[k].state);
            lost++;
        }
        if (r->fires[k].received && (!st || strcmp(st, "FILLED") != 0))
            fprintf(stderr, "test_crash: K%d was received and answered but is %s\n", k,
                    st ? st : "absent");
    }
    fprintf(stderr,
            "test_crash: seed=%s cycles=%d fires_issued=%d sent=%d delivered=%d duplicates=%d "
            "results_sent=%d late_results=%d not_filled_after_restart=%d results_resent=%d "
            "unanswered_requests=%d store: fires=%zu filled=%d unconfirmed=%d "
            "pending=%d lost=%d (%.1f s)\n",
            getenv("BITTEN_CRASH_SEED") ? getenv("BITTEN_CRASH_SEED") : "1", r->cycles, r->issued,
            r->sent, r->received, r->duplicates, r->results, r->late, r->not_filled_after_restart,
            r->resent, r->unanswered_requests, json_object_size(by_id), filled, unconfirmed,
            pending, lost, (double)(bt_now_ms() - t0) / 1000.0);
    json_decref(by_id);
    assert_int_equal(r->cycles, cycles);
    assert_true(r->received > 0);
    assert_int_equal(lost, 0);          /* (a) */
    assert_int_equal(r->duplicates, 0); /* (b) */
    assert_int_equal(pending, 0);       /* (c) */
    assert_int_equal(missing, 0);       /* (d) */
    zmq_close(r->cmd);
    zmq_close(r->fb);
    assert_int_equal(bt_daemon_stop(&r->d, NULL), 0);
    bt_daemon_cleanup(&r->d);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_under_load_loses_nothing_and_sends_nothing_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
