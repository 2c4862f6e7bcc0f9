/*  test_faults.c: bittend under load and faults: EAs that drop and reconnect, a feedback flood
 *  past the HWM, an EA that never reads, a restart under a running EA, garbage on every socket. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define UUID "acct_faults_1"
#define ACCOUNTS                                                                                   \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"                   \
    "        mode = \"manual\"\n" \
    "command\n    account = \"" UUID "\"\n"
#define TELEMETRY                                                                                  \
    "{\"type\":\"telemetry\",\"uuid\":\"" UUID "\",\"account\":{\"balance\":10000,"                \
    "\"equity\":10000}}"
#define HEARTBEAT "{\"type\":\"heartbeat\",\"uuid\":\"" UUID "\"}"

#define S_FLOOD_FRAMES 50000
//  The control socket answers within this, whatever the load. A blocked loop never answers, so
//  the deadline only has to tell "slow because the machine is busy" from "stuck": generous.
#define S_STATUS_DEADLINE_MS 10000
#define S_WAIT_MS 30000 /* waits for a condition that a busy machine reaches late */
//  The slow EA: closes until S_SLOW_WANT_REFUSED were refused, at least S_SLOW_MIN_CLOSES.
#define S_SLOW_MIN_CLOSES 200
#define S_SLOW_WANT_REFUSED 5
#define S_SLOW_MAX_CLOSES 30000
#define S_SLOW_MAX_MS 180000
#define S_SLOW_QUIET_MS 5000

//  One status request that must come back within S_STATUS_DEADLINE_MS. Returns its latency.
static int64_t s_status_in_time(bt_daemon_t *d)
{
    int64_t t0 = bt_now_ms();
    json_t *st = bt_ctl_timeout(d, "{\"cmd\":\"status\"}", S_STATUS_DEADLINE_MS);
    int64_t took = bt_now_ms() - t0;
    if (!st || took > S_STATUS_DEADLINE_MS)
        fprintf(stderr, "test_faults: status took %lld ms (reply %s)\n", (long long)took,
                st ? "late" : "missing");
    assert_non_null(st);
    assert_true(took <= S_STATUS_DEADLINE_MS);
    json_decref(st);
    return took;
}

static int64_t s_stat(bt_daemon_t *d, const char *path)
{
    json_t *st = bt_status(d);
    assert_non_null(st);
    int64_t v = bt_json_int(st, path);
    json_decref(st);
    return v;
}

/* ---------------------------------------------------------------- (a) reconnect */

static void test_feedback_keeps_counting_across_an_ea_disconnect_and_reconnect(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "command.keepalive_s=1", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb, HEARTBEAT, "frames_in.heartbeat", 5000), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(bt_send(fb, HEARTBEAT), 0);
    int64_t first = bt_wait_status(&d, "frames_in.heartbeat", 201, 5000);
    assert_true(first >= 201);
    //  The EA goes away mid-stream: the daemon sees the peer leave.
    zmq_close(fb);
    assert_true(bt_wait_status(&d, "feedback.disconnects", 1, S_WAIT_MS) >= 1);
    //  A new PUB connects (a restarted EA) and its frames are counted as before.
    fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb, HEARTBEAT, "frames_in.heartbeat", 5000), 0);
    int64_t joined = s_stat(&d, "frames_in.heartbeat");
    for (int i = 0; i < 200; i++)
        assert_int_equal(bt_send(fb, HEARTBEAT), 0);
    assert_true(bt_wait_status(&d, "frames_in.heartbeat", joined + 200, 5000) >= joined + 200);
    assert_int_equal(bt_wait_status(&d, "feedback.peers", 1, 3000), 1);
    assert_true(s_stat(&d, "feedback.connects") >= 2);
    assert_int_equal(s_stat(&d, "rejects_total"), 0);
    //  The command side too: a PULL that leaves and comes back gets keepalives again.
    void *cmd = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    zmq_close(cmd);
    assert_int_equal(bt_wait_status_eq(&d, "command.peers", 0, S_WAIT_MS), 0);
    cmd = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    char buf[1024];
    assert_true(bt_recv(cmd, buf, sizeof buf, BT_WAIT_MS) > 0); /* keepalive_s = 1 */
    assert_non_null(strstr(buf, "\"type\":\"heartbeat\""));
    zmq_close(cmd);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- (b) flood */

typedef struct {
    void *push;
    int sent;
    int eagain; /* times the HWM pushed back */
    int failed;
} s_flood_t;

static void *s_flood_thread(void *arg)
{
    s_flood_t *f = arg;
    const char *frame = HEARTBEAT;
    size_t len = strlen(frame);
    while (f->sent < S_FLOOD_FRAMES) {
        if (zmq_send(f->push, frame, len, ZMQ_DONTWAIT) == (int)len) {
            f->sent++;
        } else if (errno == EAGAIN) {
            f->eagain++;
            zmq_pollitem_t item = {f->push, 0, ZMQ_POLLOUT, 0};
            zmq_poll(&item, 1, 100);
        } else {
            f->failed++;
            break;
        }
    }
    return NULL;
}

static void test_a_flood_past_the_hwm_loses_nothing_on_pull_and_control_still_answers(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "feedback.rcvhwm=100", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *push = bt_feedback_socket(&d, true);
    int hwm = 100;
    zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
    assert_int_equal(bt_wait_status(&d, "feedback.peers", 1, 3000), 1);
    int64_t before = s_stat(&d, "frames_in.heartbeat");
    s_flood_t flood = {push, 0, 0, 0};
    pthread_t thread;
    int64_t t0 = bt_now_ms();
    assert_int_equal(pthread_create(&thread, NULL, s_flood_thread, &flood), 0);
    //  While the sender is pushed back, the loop still serves the control socket.
    int64_t worst = 0;
    int probes = 0;
    int64_t seen = before;
    while (seen < before + S_FLOOD_FRAMES && bt_now_ms() - t0 < 20000) {
        int64_t took = s_status_in_time(&d);
        worst = took > worst ? took : worst;
        probes++;
        seen = s_stat(&d, "frames_in.heartbeat");
        bt_sleep_ms(2);
    }
    pthread_join(thread, NULL);
    assert_int_equal(flood.failed, 0);
    assert_int_equal(flood.sent, S_FLOOD_FRAMES);
    //  PUSH/PULL is lossless: every frame sent is counted, no more, no less.
    int64_t got = bt_wait_status(&d, "frames_in.heartbeat", before + S_FLOOD_FRAMES, 10000);
    fprintf(
        stderr,
        "test_faults: flood %d frames in %.2f s, sender pushed back %d times, %d status probes, "
        "worst %lld ms, counted %lld\n",
        flood.sent, (double)(bt_now_ms() - t0) / 1000.0, flood.eagain, probes, (long long)worst,
        (long long)(got - before));
    assert_int_equal(got - before, S_FLOOD_FRAMES);
    bt_sleep_ms(200);
    assert_int_equal(s_stat(&d, "frames_in.heartbeat") - before, S_FLOOD_FRAMES);
    assert_int_equal(s_stat(&d, "rejects_total"), 0);
    zmq_close(push);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- (c) slow EA */

//  Reads what the slow EA's buffers held: every signal_id "slow_N" seen is counted in seen[N].
//  Stops once want signals came (then drains a moment longer for duplicates) or after a long
//  quiet spell.
static int s_read_slow_signals(void *cmd, int *seen, int max, int want)
{
    char buf[1024];
    int got = 0;
    int64_t quiet_ms = S_SLOW_QUIET_MS;
    while (bt_recv(cmd, buf, sizeof buf, (int)quiet_ms) > 0) {
        const char *id = strstr(buf, "\"slow_");
        if (strstr(buf, "\"type\":\"signal\"") && id) {
            int n = atoi(id + 6);
            if (n >= 0 && n < max) {
                seen[n]++;
                got++;
            }
        }
        quiet_ms = got >= want ? 200 : S_SLOW_QUIET_MS;
    }
    return got;
}

//  An EA that never reads: the daemon's sends must never block the loop. Each close is either
//  SENT (and counted, and delivered once when the EA reads again) or refused with a reason
//  (NO_EA_CONNECTED, counted in sends_refused); nothing in between, nothing lost, no
//  duplicates, and the control socket keeps answering. How many are taken before the first
//  refusal depends on the kernel's socket buffers and the machine's speed, so the test asserts
//  the accounting, never a count.
static void test_an_ea_that_never_reads_makes_sends_refuse_not_block(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.socket=pull", "--set", "command.keepalive_s=1",
                          "--set", "command.sndhwm=1",     "--set", "ea.ping_interval_s=0",
                          NULL};
    assert_int_equal(bt_daemon_start(&d, ACCOUNTS, args), 0);
    void *fb = bt_feedback_socket(&d, true);
    //  The slow EA: the smallest queue and kernel buffer it can have, and it never reads.
    void *cmd = zmq_socket(d.zctx, ZMQ_PULL);
    int one = 1, small = 1024, zero = 0;
    zmq_setsockopt(cmd, ZMQ_RCVHWM, &one, sizeof one);
    zmq_setsockopt(cmd, ZMQ_RCVBUF, &small, sizeof small);
    zmq_setsockopt(cmd, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_connect(cmd, d.command), 0);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, S_WAIT_MS), 1);
    bt_send(fb, TELEMETRY);
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, S_WAIT_MS), 1);
    int64_t signals_before = s_stat(&d, "frames_out.signal");
    int64_t refused_before = s_stat(&d, "command.sends_refused");
    int64_t t0 = bt_now_ms();
    int closes = 0, refused = 0, sent = 0;
    int64_t worst = 0;
    static bool was_sent[S_SLOW_MAX_CLOSES];
    //  Closes until the buffers are full and some were refused (at least S_SLOW_MIN_CLOSES).
    while ((refused < S_SLOW_WANT_REFUSED || closes < S_SLOW_MIN_CLOSES) &&
           closes < S_SLOW_MAX_CLOSES && bt_now_ms() - t0 < S_SLOW_MAX_MS) {
        char req[160];
        snprintf(req, sizeof req,
                 "{\"cmd\":\"close\",\"uuid\":\"" UUID
                 "\",\"symbol\":\"EURUSD\",\"signal_id\":\"slow_%d\"}",
                 closes);
        int64_t c0 = bt_now_ms();
        json_t *r = bt_ctl_timeout(&d, req, S_STATUS_DEADLINE_MS);
        int64_t took = bt_now_ms() - c0;
        worst = took > worst ? took : worst;
        assert_non_null(r);
        const char *st = json_string_value(json_object_get(r, "state"));
        const char *reason = json_string_value(json_object_get(r, "reason"));
        if (st && strcmp(st, "SENT") == 0) {
            was_sent[closes] = true;
            sent++;
        } else if (reason && strcmp(reason, "NO_EA_CONNECTED") == 0) {
            refused++;
            bt_sleep_ms(5);
        } else {
            char *text = json_dumps(r, 0);
            fprintf(stderr, "test_faults: unexpected close reply %s\n", text);
            free(text);
            fail();
        }
        json_decref(r);
        closes++;
        if (closes % 200 == 0)
            bt_send(fb, TELEMETRY); /* the EA is alive, just slow */
    }
    json_t *st = bt_status(&d);
    assert_non_null(st);
    int64_t signals = bt_json_int(st, "frames_out.signal") - signals_before;
    int64_t sends_refused = bt_json_int(st, "command.sends_refused");
    int64_t keepalives = bt_json_int(st, "command.keepalives_sent");
    json_decref(st);
    fprintf(stderr,
            "test_faults: slow EA: %d closes, %d sent, %d refused, frames_out.signal +%lld, "
            "sends_refused +%lld, keepalives_sent=%lld, worst control reply %lld ms, %.1f s\n",
            closes, sent, refused, (long long)signals,
            (long long)(sends_refused - refused_before), (long long)keepalives, (long long)worst,
            (double)(bt_now_ms() - t0) / 1000.0);
    //  Buffers are finite: an EA that never reads gets refusals, not a blocked daemon.
    assert_true(refused >= S_SLOW_WANT_REFUSED);
    //  Every close is accounted for: sent or refused, and the daemon counted each the same way
    //  (sends_refused also counts keepalives refused into the full pipe, never fewer).
    assert_int_equal(sent + refused, closes);
    assert_int_equal(signals, sent);
    assert_true(sends_refused - refused_before >= refused);
    assert_true(worst <= S_STATUS_DEADLINE_MS);
    //  The keepalive timer keeps going into the full pipe: each tick is sent or refused.
    int64_t attempts = 0;
    for (int64_t until = bt_now_ms() + S_WAIT_MS; attempts < 2 && bt_now_ms() < until;) {
        bt_sleep_ms(100);
        st = bt_status(&d);
        assert_non_null(st);
        attempts = bt_json_int(st, "command.sends_refused") - sends_refused +
                   bt_json_int(st, "command.keepalives_sent") - keepalives;
        json_decref(st);
    }
    assert_true(attempts >= 2);
    s_status_in_time(&d);
    assert_true(bt_daemon_alive(&d));
    //  The EA reads again: every close that was SENT arrives exactly once, no refused one does.
    static int seen[S_SLOW_MAX_CLOSES];
    memset(seen, 0, sizeof seen);
    int late = s_read_slow_signals(cmd, seen, S_SLOW_MAX_CLOSES, sent);
    int lost = 0, dups = 0, ghosts = 0;
    for (int i = 0; i < closes; i++) {
        lost += was_sent[i] && seen[i] == 0;
        dups += seen[i] > 1;
        ghosts += !was_sent[i] && seen[i] > 0;
    }
    fprintf(stderr,
            "test_faults: slow EA woke up and read %d signals of the %d sent: %d lost, %d "
            "duplicated, %d refused ones delivered\n",
            late, sent, lost, dups, ghosts);
    assert_int_equal(lost, 0);
    assert_int_equal(dups, 0);
    assert_int_equal(ghosts, 0);
    assert_int_equal(late, sent);
    zmq_close(cmd);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- (d) restart under an EA */

typedef struct {
    pid_t pid;
    char out[320], err[320];
} s_sim_t;

static void s_sim_start(s_sim_t *sim, const char *dir, int cmd_port, int fb_port)
{
    snprintf(sim->out, sizeof sim->out, "%s/sim.out", dir);
    snprintf(sim->err, sizeof sim->err, "%s/sim.log", dir);
    char cmd_ep[64], fb_ep[64];
    snprintf(cmd_ep, sizeof cmd_ep, "tcp://%s:%d", bt_loopback(), cmd_port);
    snprintf(fb_ep, sizeof fb_ep, "tcp://%s:%d", bt_loopback(), fb_port);
    sim->pid = fork();
    assert_true(sim->pid >= 0);
    if (sim->pid == 0) {
        int out = open(sim->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(sim->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out >= 0)
            dup2(out, 1);
        if (err >= 0)
            dup2(err, 2);
        execl(EA_SIM_PATH, EA_SIM_PATH, "--command", cmd_ep, "--feedback", fb_ep, "--uuid",
              "sim_faults_1", "--telemetry-s", "1", "--heartbeat-s", "1", "--duration-s", "180",
              (char *)NULL);
        _exit(127);
    }
}

//  The last "keepalive.received count=N" the sim logged, 0 before the first.
static long s_sim_keepalives(const s_sim_t *sim)
{
    FILE *f = fopen(sim->err, "r");
    if (!f)
        return 0;
    char line[2048];
    long n = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "keepalive.received");
        const char *c = p ? strstr(p, "count=") : NULL;
        if (c)
            n = atol(c + 6);
    }
    fclose(f);
    return n;
}

static long s_sim_wait_keepalives(const s_sim_t *sim, long want, int timeout_ms)
{
    int64_t deadline = bt_now_ms() + timeout_ms;
    long n = s_sim_keepalives(sim);
    while (n < want && bt_now_ms() < deadline) {
        bt_sleep_ms(50);
        n = s_sim_keepalives(sim);
    }
    return n;
}

//  SIGTERM, then the summary's keepalives from the last JSON line on stdout (-1 if none).
static long s_sim_stop(s_sim_t *sim)
{
    kill(sim->pid, SIGTERM);
    int status = 0;
    waitpid(sim->pid, &status, 0);
    sim->pid = 0;
    FILE *f = fopen(sim->out, "r");
    if (!f)
        return -1;
    char line[4096];
    long keepalives = -1;
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && json_is_integer(json_object_get(j, "keepalives")))
            keepalives = (long)json_integer_value(json_object_get(j, "keepalives"));
        json_decref(j);
    }
    fclose(f);
    return keepalives;
}

static void test_a_running_ea_comes_back_after_bittend_restarts_on_the_same_ports(void **state)
{
    int cmd_port = bt_free_port(), fb_port = bt_free_port();
    assert_true(cmd_port > 0 && fb_port > 0 && cmd_port != fb_port);
    char cmd_set[80], fb_set[80];
    snprintf(cmd_set, sizeof cmd_set, "command.endpoint=tcp://%s:%d", bt_loopback(), cmd_port);
    snprintf(fb_set, sizeof fb_set, "feedback.endpoint=tcp://%s:%d", bt_loopback(), fb_port);
    const char *args[] = {"--set", cmd_set,
                          "--set", fb_set,
                          "--set", "command.keepalive_s=1",
                          "--set", "ea.offline_after_s=5",
                          "--set", "ea.check_interval_ms=100",
                          NULL};
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    s_sim_t sim;
    s_sim_start(&sim, d.dir, cmd_port, fb_port);
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 5000), 1);
    assert_true(s_sim_wait_keepalives(&sim, 2, S_WAIT_MS) >= 2);
    //  bittend stops cleanly and comes back on the same ports; the EA is not restarted.
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    long before = s_sim_keepalives(&sim);
    assert_int_equal(bt_daemon_restart(&d), 0);
    assert_true(strstr(d.command, cmd_set + strlen("command.endpoint=")) != NULL);
    //  The EA reconnects by itself: online again, and the new daemon's keepalives reach it.
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 8000), 1);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    long after = s_sim_wait_keepalives(&sim, before + 2, S_WAIT_MS);
    assert_true(after >= before + 2);
    assert_true(s_stat(&d, "command.keepalives_sent") >= 1);
    long summary = s_sim_stop(&sim);
    fprintf(stderr, "test_faults: sim keepalives before restart %ld, after %ld, summary %ld\n",
            before, after, summary);
    assert_true(summary >= after);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- (e) garbage */

static int s_port_of(const char *endpoint)
{
    const char *colon = strrchr(endpoint, ':');
    return colon ? atoi(colon + 1) : -1;
}

//  A raw TCP peer on a ZMQ port: writes bytes as they are (no ZMTP), then closes.
static void s_raw_tcp(int port, const void *data, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, bt_loopback(), &addr.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    (void)n; /* the daemon may hang up first */
    bt_sleep_ms(20);
    close(fd);
}

static void s_raw_unix(const char *ipc_endpoint, const void *data, size_t len)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    const char *path = ipc_endpoint + strlen("ipc://");
    assert_true(strlen(path) < sizeof addr.sun_path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    (void)n;
    bt_sleep_ms(20);
    close(fd);
}

static void s_random_bytes(unsigned *seed, unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(rand_r(seed) & 0xff);
}

static void test_garbage_on_every_socket_is_refused_and_the_daemon_stays_up(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    //  Control: not JSON, binary, JSON without cmd: BAD_REQUEST each time, the REP keeps going.
    const char *bad[] = {"not json", "\xff\xfe\x00garbage", "[1,2,3]", "{\"cmd\":42}", ""};
    const size_t bad_len[] = {8, 10, 7, 10, 0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        void *req = zmq_socket(d.zctx, ZMQ_REQ);
        int zero = 0, timeout = 2000;
        zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
        assert_int_equal(zmq_connect(req, d.control), 0);
        assert_int_equal(zmq_send(req, bad[i], bad_len[i], 0), (int)bad_len[i]);
        char buf[1024];
        int n = zmq_recv(req, buf, sizeof buf - 1, 0);
        assert_true(n > 0);
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        json_t *reply = json_loads(buf, 0, NULL);
        assert_non_null(reply);
        assert_true(json_is_false(json_object_get(reply, "ok")));
        assert_string_equal(json_string_value(json_object_get(reply, "reason")), "BAD_REQUEST");
        json_decref(reply);
        zmq_close(req);
    }
    //  Feedback: garbage frames are counted as rejects.
    void *fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb, "garbage!", "rejects.BAD_JSON", 5000), 0);
    int64_t bad_json = s_stat(&d, "rejects.BAD_JSON");
    unsigned seed = 7;
    unsigned char junk[4096];
    for (int i = 0; i < 100; i++) {
        size_t len = 1 + (size_t)(rand_r(&seed) % 512);
        s_random_bytes(&seed, junk, len);
        junk[0] = 'x'; /* never valid JSON */
        assert_int_equal(bt_send_bytes(fb, junk, len), 0);
    }
    assert_true(bt_wait_status(&d, "rejects_total", bad_json + 100, 5000) >= bad_json + 100);
    //  Raw TCP on the command and feedback ports: random bytes, a ZMTP greeting with a bogus
    //  version, an empty connection; and raw bytes on the control's ipc socket.
    int ports[2] = {s_port_of(d.command), s_port_of(d.feedback)};
    static const unsigned char greeting_bad[] = {0xff, 0,   0,   0,   0, 0, 0, 0, 1, 0x7f, 99,
                                                 99,   'X', 'Y', 'Z', 0, 0, 0, 0, 0, 0,    0};
    for (int p = 0; p < 2; p++) {
        assert_true(ports[p] > 0);
        for (int i = 0; i < 20; i++) {
            size_t len = 1 + (size_t)(rand_r(&seed) % sizeof junk);
            s_random_bytes(&seed, junk, len);
            s_raw_tcp(ports[p], junk, len);
        }
        s_raw_tcp(ports[p], greeting_bad, sizeof greeting_bad);
        s_raw_tcp(ports[p], "", 0);
    }
    //  Raw bytes on the control socket read as ZMTP/1.0 frames (any first byte but 0xff), and
    //  each of these writes holds at least one whole message, none with the empty delimiter
    //  a REQ puts first: each is refused and counted, and the next request is answered.
    int64_t bad_requests = s_stat(&d, "rejects.BAD_REQUEST");
    for (int i = 0; i < 10; i++) {
        size_t len = 1 + (size_t)(rand_r(&seed) % sizeof junk);
        s_random_bytes(&seed, junk, len);
        assert_int_not_equal(junk[0], 0xff);
        s_raw_unix(d.control, junk, len);
    }
    //  Still up, still answering, still counting real frames.
    assert_true(bt_daemon_alive(&d));
    s_status_in_time(&d);
    assert_true(bt_wait_status(&d, "rejects.BAD_REQUEST", bad_requests + 10, S_WAIT_MS) >=
                bad_requests + 10);
    s_status_in_time(&d);
    int64_t hb = s_stat(&d, "frames_in.heartbeat");
    assert_int_equal(bt_send_until_counted(&d, fb, HEARTBEAT, "frames_in.heartbeat", 5000), 0);
    assert_true(s_stat(&d, "frames_in.heartbeat") > hb);
    void *cmd = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    zmq_close(cmd);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  A ZMTP/1.0 peer (raw bytes, any first byte but 0xff) sends one request that has no empty
//  delimiter (it is not a REQ's) and hangs up before bittend has read it: the daemon is
//  stopped meanwhile, so the hang-up is always seen first. libzmq's REP socket then dropped
//  the reply to the next well-formed request, whoever sent it (a bittenctl timed out after
//  10 s under load). Every request after such a peer is answered; the malformed one is refused
//  and counted.
static void test_a_malformed_control_peer_that_hangs_up_does_not_eat_the_next_reply(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    int64_t before = s_stat(&d, "rejects.BAD_REQUEST");
    enum { PEERS = 3 };
    for (int i = 0; i < PEERS; i++) {
        //  ZMTP/1.0 frames: size (flags + body), flags (1 = more), body. The routing id differs
        //  per peer (a router refuses a routing id it still knows).
        unsigned char wire[] = {7, 0, 'R', 'A', 'W', 'I', 'D', (unsigned char)('0' + i),
                                6, 1, 'p', 'a', 'r', 't', '1',
                                6, 0, 'p', 'a', 'r', 't', '2'};
        assert_int_equal(kill(d.pid, SIGSTOP), 0);
        s_raw_unix(d.control, wire, sizeof wire);
        assert_int_equal(kill(d.pid, SIGCONT), 0);
        s_status_in_time(&d);
    }
    assert_true(bt_wait_status(&d, "rejects.BAD_REQUEST", before + PEERS, S_WAIT_MS) >=
                before + PEERS);
    assert_int_equal(s_stat(&d, "rejects.BAD_REQUEST"), before + PEERS);
    assert_true(bt_log_contains(&d, "channel=control reason=BAD_REQUEST field=envelope", S_WAIT_MS));
    assert_true(bt_daemon_alive(&d));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  The virtual size of a process in kB, from /proc (0 when unreadable).
static long s_vm_size_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0)
            kb = atol(line + 7);
    if (f)
        fclose(f);
    return kb;
}

//  A valid ZMTP 3.0 greeting (NULL mechanism) and then, instead of READY, the header of a long
//  frame claiming size bytes: libzmq allocates the claimed size unless ZMQ_MAXMSGSIZE is set.
static int s_claim_huge_frame(int port, uint64_t size)
{
    unsigned char wire[64 + 9] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0, 'N', 'U', 'L', 'L'};
    wire[64] = 0x02; /* long frame, not a command */
    for (int i = 0; i < 8; i++)
        wire[65 + i] = (unsigned char)(size >> (56 - 8 * i));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, bt_loopback(), &addr.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ssize_t n = send(fd, wire, sizeof wire, MSG_NOSIGNAL);
    (void)n;
    return fd;
}

//  Anyone who can reach the EA ports may claim a frame of any size before any handshake (or
//  CURVE) completes: bittend must refuse it by its size, not allocate it. A 1 GiB claim held
//  open must not grow the daemon by anything near that; a 2^62 claim must not kill it.
static void test_a_huge_frame_claim_on_an_ea_port_is_refused_before_allocation(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    const char *names[2] = {"feedback", "command"};
    int ports[2] = {s_port_of(d.feedback), s_port_of(d.command)};
    bool ok = true;
    for (int p = 0; p < 2; p++) {
        long before = s_vm_size_kb(d.pid);
        int fd = s_claim_huge_frame(ports[p], (uint64_t)1 << 30);
        bt_sleep_ms(300);
        long held = s_vm_size_kb(d.pid);
        close(fd);
        fprintf(stderr, "test_faults: %s port, 1 GiB frame claim: VmSize %ld -> %ld kB\n", names[p],
                before, held);
        if (held - before > 256 * 1024) {
            fprintf(stderr,
                    "test_faults: BUG: bittend allocated %ld MiB for an unauthenticated "
                    "claim on the %s port (no ZMQ_MAXMSGSIZE there)\n",
                    (held - before) / 1024, names[p]);
            ok = false;
        }
        bt_sleep_ms(100);
        fd = s_claim_huge_frame(ports[p], (uint64_t)1 << 62);
        bt_sleep_ms(300);
        close(fd);
        if (!bt_daemon_alive(&d)) {
            fprintf(stderr,
                    "test_faults: BUG: bittend died on a 2^62-byte frame claim on the %s "
                    "port (see %s)\n",
                    names[p], d.log_path);
            ok = false;
            break;
        }
    }
    //  Stop first, so a failure here leaves no daemon behind.
    json_t *st = ok ? bt_ctl_timeout(&d, "{\"cmd\":\"status\"}", S_STATUS_DEADLINE_MS) : NULL;
    bool answered = st != NULL;
    json_decref(st);
    int rc = bt_daemon_alive(&d) ? bt_daemon_stop(&d, NULL) : -1;
    bt_daemon_cleanup(&d);
    assert_true(ok);
    assert_true(answered);
    assert_int_equal(rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feedback_keeps_counting_across_an_ea_disconnect_and_reconnect),
        cmocka_unit_test(test_a_flood_past_the_hwm_loses_nothing_on_pull_and_control_still_answers),
        cmocka_unit_test(test_an_ea_that_never_reads_makes_sends_refuse_not_block),
        cmocka_unit_test(test_a_running_ea_comes_back_after_bittend_restarts_on_the_same_ports),
        cmocka_unit_test(test_garbage_on_every_socket_is_refused_and_the_daemon_stays_up),
        cmocka_unit_test(test_a_malformed_control_peer_that_hangs_up_does_not_eat_the_next_reply),
        cmocka_unit_test(test_a_huge_frame_claim_on_an_ea_port_is_refused_before_allocation),
    };
    //  BT_TEST_FILTER=<glob> runs only the matching tests (to loop one while chasing a flake).
    cmocka_set_test_filter(getenv("BT_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
