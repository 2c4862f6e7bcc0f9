/*  test_metrics.c: the Prometheus endpoint fetched over loopback and read by a real
 *  Prometheus text parser (python3-prometheus-client): names, types, labels, a fire moving
 *  the fire counters, every family carrying the numbers `status` shows, and the renders
 *  pausing while nobody scrapes (a scrape wakes them); over raw sockets, the HTTP bounds (404,
 *  400, too many connections, a silent client cut at the timeout). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

//  Debian's python3 (the package python3-prometheus-client lives there, not in a venv).
#define PYTHON "/usr/bin/python3"

//  Fetches http://ENDPOINT/metrics and prints {"family": {"type": T, "samples": [[name,
//  {labels}, value], ...]}} as parsed by prometheus_client.parser.
static const char s_script[] =
    "import json, sys, urllib.request\n"
    "from prometheus_client.parser import text_string_to_metric_families\n"
    "r = urllib.request.urlopen('http://' + sys.argv[1] + '/metrics', timeout=10)\n"
    "assert r.headers['Content-Type'].startswith('text/plain')\n"
    "out = {}\n"
    "for f in text_string_to_metric_families(r.read().decode()):\n"
    "    out[f.name] = {'type': f.type,\n"
    "                   'samples': [[s.name, s.labels, s.value] for s in f.samples]}\n"
    "print(json.dumps(out))\n";

static json_t *s_scrape(const char *endpoint)
{
    char path[] = "/tmp/bitten-scrape-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(s_script, f);
    fclose(f);
    char cmd[512];
    static char out[1 << 18];
    snprintf(cmd, sizeof cmd, PYTHON " %s %s", path, endpoint);
    int rc = bt_run(cmd, out, sizeof out, 20000);
    remove(path);
    if (rc != 0)
        fprintf(stderr, "scrape rc=%d: %s\n", rc, out);
    assert_int_equal(rc, 0);
    json_error_t jerr;
    json_t *families = json_loads(out, 0, &jerr);
    assert_non_null(families);
    return families;
}

//  The parser names a counter family without its _total suffix.
static json_t *s_family(json_t *families, const char *name, const char *type)
{
    char base[128];
    snprintf(base, sizeof base, "%s", name);
    size_t n = strlen(base);
    if (strcmp(type, "counter") == 0 && n > 6 && strcmp(base + n - 6, "_total") == 0)
        base[n - 6] = '\0';
    json_t *f = json_object_get(families, base);
    if (!f)
        fprintf(stderr, "no family %s\n", base);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "type")), type);
    return f;
}

//  The value of sample `name` whose label `label` is `value` (label NULL: no label asked).
static double s_sample(json_t *family, const char *name, const char *label, const char *value,
                       bool *found)
{
    size_t i;
    json_t *s;
    *found = false;
    json_array_foreach(json_object_get(family, "samples"), i, s)
    {
        if (strcmp(json_string_value(json_array_get(s, 0)), name) != 0)
            continue;
        const char *got =
            label ? json_string_value(json_object_get(json_array_get(s, 1), label)) : NULL;
        if (label && (!got || strcmp(got, value) != 0))
            continue;
        *found = true;
        return json_number_value(json_array_get(s, 2));
    }
    return 0;
}

static void test_the_endpoint_parses_as_prometheus_text_and_a_fire_moves_its_counters(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    json_t *st = bt_status(&d);
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "%s",
             json_string_value(json_object_get(json_object_get(st, "metrics"), "endpoint")));
    json_decref(st);
    assert_non_null(strstr(endpoint, bt_loopback()));

    json_t *fams = s_scrape(endpoint);
    s_family(fams, "bittend_frames_in_total", "counter");
    s_family(fams, "bittend_rejects_total", "counter");
    s_family(fams, "bittend_fire_transitions_total", "counter");
    s_family(fams, "bittend_fires_refused_total", "counter");
    bool found;
    s_sample(s_family(fams, "bittend_eas_online", "gauge"), "bittend_eas_online", NULL, NULL,
             &found);
    assert_true(found);
    s_sample(s_family(fams, "bittend_halts_active", "gauge"), "bittend_halts_active", NULL, NULL,
             &found);
    assert_true(found);
    json_t *h = s_family(fams, "bittend_fire_send_seconds", "histogram");
    s_sample(h, "bittend_fire_send_seconds_bucket", "le", "+Inf", &found);
    assert_true(found);
    s_sample(h, "bittend_fire_send_seconds_count", NULL, NULL, &found);
    assert_true(found);
    s_family(fams, "bittend_fire_result_seconds", "histogram");
    //  Store write latency, one series per operation.
    h = s_family(fams, "bittend_store_write_seconds", "histogram");
    s_sample(h, "bittend_store_write_seconds_bucket", "op", "snapshot", &found);
    assert_true(found);
    double inserts0 = s_sample(h, "bittend_store_write_seconds_count", "op", "fire_insert", &found);
    assert_true(found);
    json_decref(fams);

    //  A refused fire: one REFUSED transition and one refusal by its reason.
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fire\",\"uuid\":\"nobody_m\",\"symbol\":\"EURUSD\","
                           "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    char reason[64];
    snprintf(reason, sizeof reason, "%s", json_string_value(json_object_get(r, "reason")));
    json_decref(r);
    double refused = 0, transitions = 0, inserts = 0;
    for (int i = 0; i < 100 && refused < 1; i++) { /* the loop renders on its timer */
        bt_sleep_ms(100);
        fams = s_scrape(endpoint);
        refused = s_sample(s_family(fams, "bittend_fires_refused_total", "counter"),
                           "bittend_fires_refused_total", "reason", reason, &found);
        transitions = s_sample(s_family(fams, "bittend_fire_transitions_total", "counter"),
                               "bittend_fire_transitions_total", "state", "REFUSED", &found);
        h = s_family(fams, "bittend_store_write_seconds", "histogram");
        inserts = s_sample(h, "bittend_store_write_seconds_count", "op", "fire_insert", &found);
        json_decref(fams);
    }
    assert_true(refused == 1);
    assert_true(transitions == 1);
    //  The refusal was journaled: the fire insert's latency was observed.
    assert_true(inserts >= inserts0 + 1);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  Every family the endpoint has exported (names and types are an interface: dashboards and
//  alerts read them), and where `status` shows the same numbers (NULL: no status path).
typedef struct {
    const char *name, *type, *status, *label;
} s_expected_t;

static const s_expected_t s_expected[] = {
    {"bittend_frames_in_total", "counter", "frames_in", "type"},
    {"bittend_frames_out_total", "counter", "frames_out", "type"},
    {"bittend_rejects_total", "counter", "rejects", "reason"},
    {"bittend_fire_transitions_total", "counter", "fires.transitions", "state"},
    {"bittend_fires_refused_total", "counter", "fires.refused", "reason"},
    {"bittend_fires_open", "gauge", "fires.open", NULL},
    {"bittend_eas_online", "gauge", "eas.online", NULL},
    {"bittend_eas_known", "gauge", "eas.known", NULL},
    {"bittend_halts_active", "gauge", "risk.halts_active", NULL},
    {"bittend_halts_raised_total", "counter", "risk.halts_raised", NULL},
    {"bittend_events_published_total", "counter", "events_published", NULL},
    {"bittend_event_subscriptions", "gauge", "event_subscriptions", NULL},
    {"bittend_control_requests_total", "counter", NULL, NULL}, /* moves with each status */
    {"bittend_uptime_seconds", "gauge", NULL, NULL},
    {"bittend_fire_send_seconds", "histogram", NULL, NULL},
    {"bittend_fire_result_seconds", "histogram", NULL, NULL},
    {"bittend_store_write_seconds", "histogram", NULL, NULL},
    {"bittend_metrics_scrapes_total", "counter", NULL, NULL},
};

#define S_N_EXPECTED (sizeof s_expected / sizeof *s_expected)

static json_t *s_status_at(json_t *st, const char *path)
{
    char part[64];
    json_t *node = st;
    for (const char *p = path; node && *p;) {
        size_t n = strcspn(p, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        node = json_object_get(node, part);
        p += n + (p[n] == '.');
    }
    return node;
}

//  True when family e of the scrape holds exactly status' numbers at e->status: one sample
//  per labelled count (status lists the non-zero ones), or the one number.
static bool s_matches(json_t *fams, const s_expected_t *e, json_t *st)
{
    char sample[128];
    snprintf(sample, sizeof sample, "%s", e->name);
    json_t *f = s_family(fams, e->name, e->type);
    json_t *v = s_status_at(st, e->status);
    bool found;
    if (!e->label) {
        double got = s_sample(f, sample, NULL, NULL, &found);
        return found && json_is_number(v) && got == json_number_value(v);
    }
    if (!json_is_object(v) || json_array_size(json_object_get(f, "samples")) != json_object_size(v))
        return false;
    const char *key;
    json_t *n;
    json_object_foreach(v, key, n)
    {
        double got = s_sample(f, sample, e->label, key, &found);
        if (!found || got != json_number_value(n))
            return false;
    }
    return true;
}

static void test_every_family_carries_the_numbers_status_shows(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    json_t *st = bt_status(&d);
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "%s",
             json_string_value(json_object_get(json_object_get(st, "metrics"), "endpoint")));
    json_decref(st);
    //  Labelled families with samples: a frame refused, a tick received, a fire refused.
    void *fb = bt_feedback_socket(&d, true);
    assert_non_null(fb);
    assert_int_equal(bt_send(fb, "not json"), 0);
    assert_true(bt_wait_status(&d, "rejects_total", 1, 20000) >= 1);
    assert_int_equal(bt_send_tick(fb, BT_LSR_TB, 1.1), 0);
    json_decref(bt_ctl(&d, "{\"cmd\":\"fire\",\"uuid\":\"nobody_m\",\"symbol\":\"EURUSD\","
                           "\"action\":\"buy\",\"sl_pips\":20}"));
    assert_true(bt_wait_status(&d, "fires.transitions.REFUSED", 1, 20000) >= 1);

    bool all = false;
    for (int i = 0; i < 100 && !all; i++) { /* the text is up to one render interval old */
        json_t *fams = s_scrape(endpoint);
        st = bt_status(&d);
        //  Exactly these families, with these types.
        assert_int_equal(json_object_size(fams), S_N_EXPECTED);
        all = true;
        for (size_t k = 0; k < S_N_EXPECTED; k++) {
            s_family(fams, s_expected[k].name, s_expected[k].type);
            if (s_expected[k].status && !s_matches(fams, &s_expected[k], st))
                all = false;
        }
        //  The samples are not all empty: this compares numbers, not absences.
        all = all &&
              json_array_size(json_object_get(s_family(fams, "bittend_rejects_total", "counter"),
                                              "samples")) >= 1 &&
              json_array_size(json_object_get(
                  s_family(fams, "bittend_fires_refused_total", "counter"), "samples")) >= 1;
        json_decref(st);
        json_decref(fams);
        if (!all)
            bt_sleep_ms(100);
    }
    assert_true(all);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static bool s_status_bool(bt_daemon_t *d, const char *section, const char *key)
{
    json_t *st = bt_status(d);
    bool v = json_is_true(json_object_get(json_object_get(st, section), key));
    json_decref(st);
    return v;
}

//  Nobody has scraped yet: the loop does not render; a scrape wakes it, gets a text with the
//  numbers of now and resumes the renders, which stop again after CORE_METRICS_IDLE_INTERVALS
//  render intervals (120 x 100 ms here) without a scrape.
static void test_renders_pause_while_nobody_scrapes_and_a_scrape_wakes_them(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "metrics.render_interval_ms=100", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    json_t *st = bt_status(&d);
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "%s",
             json_string_value(json_object_get(json_object_get(st, "metrics"), "endpoint")));
    json_decref(st);
    assert_true(bt_wait_status(&d, "metrics.renders_skipped", 1, 120000) >= 1);
    assert_true(s_status_bool(&d, "metrics", "paused"));
    int64_t renders = bt_json_int(st = bt_status(&d), "metrics.renders");
    json_decref(st);
    int64_t skipped = bt_wait_status(&d, "metrics.renders_skipped", 1, 1000);
    //  While paused, ticks pass and nothing is rendered.
    assert_true(bt_wait_status(&d, "metrics.renders_skipped", skipped + 5, 60000) >= skipped + 5);
    assert_int_equal(bt_json_int(st = bt_status(&d), "metrics.renders"), renders);
    json_decref(st);
    assert_int_equal(bt_json_int(st = bt_status(&d), "metrics.wakes"), 0);
    json_decref(st);

    //  A fire refused while paused; the scrape wakes the loop, which renders it.
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fire\",\"uuid\":\"nobody_m\",\"symbol\":\"EURUSD\","
                           "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    char reason[64];
    snprintf(reason, sizeof reason, "%s", json_string_value(json_object_get(r, "reason")));
    json_decref(r);
    bool found;
    double refused = 0;
    for (int i = 0; i < 100 && refused < 1; i++) {
        json_t *fams = s_scrape(endpoint);
        refused = s_sample(s_family(fams, "bittend_fires_refused_total", "counter"),
                           "bittend_fires_refused_total", "reason", reason, &found);
        json_decref(fams);
        if (refused < 1)
            bt_sleep_ms(100);
    }
    assert_true(refused == 1);
    assert_true(bt_wait_status(&d, "metrics.wakes", 1, 20000) >= 1);
    assert_true(bt_wait_status(&d, "metrics.renders", renders + 2, 20000) >= renders + 2);
    assert_false(s_status_bool(&d, "metrics", "paused")); /* the timer renders again */
    skipped = bt_json_int(st = bt_status(&d), "metrics.renders_skipped");
    json_decref(st);
    assert_true(bt_wait_status(&d, "metrics.renders_skipped", skipped + 1, 120000) >= skipped + 1);
    assert_true(s_status_bool(&d, "metrics", "paused")); /* nobody scraped since: paused again */
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- raw HTTP */

static const char *s_endpoint(bt_daemon_t *d, char *out, size_t size)
{
    json_t *st = bt_status(d);
    snprintf(out, size, "%s",
             json_string_value(json_object_get(json_object_get(st, "metrics"), "endpoint")));
    json_decref(st);
    return out;
}

//  A blocking TCP connection to HOST:PORT.
static int s_connect(const char *endpoint)
{
    char host[64];
    const char *colon = strrchr(endpoint, ':');
    assert_non_null(colon);
    snprintf(host, sizeof host, "%.*s", (int)(colon - endpoint), endpoint);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(colon + 1));
    assert_int_equal(inet_pton(AF_INET, host, &a.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

//  Everything the peer sends until it closes (or timeout_ms passes: -1). NUL-terminated.
static ssize_t s_read_all(int fd, char *buf, size_t size, int timeout_ms)
{
    size_t got = 0;
    int64_t until = bt_now_ms() + timeout_ms;
    while (got + 1 < size) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(until - bt_now_ms());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return -1;
        ssize_t n = recv(fd, buf + got, size - 1 - got, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            break;
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return (ssize_t)got;
}

//  Sends request on a new connection and returns the whole answer (the server closes).
static void s_exchange(const char *endpoint, const char *request, size_t len, char *answer,
                       size_t size)
{
    int fd = s_connect(endpoint);
    assert_int_equal(send(fd, request, len, MSG_NOSIGNAL), (ssize_t)len);
    assert_true(s_read_all(fd, answer, size, 20000) > 0);
    close(fd);
}

static int64_t s_metrics_stat(bt_daemon_t *d, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "metrics.%s", key);
    json_t *st = bt_status(d);
    int64_t v = bt_json_int(st, path);
    json_decref(st);
    return v;
}

//  Anything but GET /metrics is answered 404 or 400 and counted; a request line longer than
//  the bound is refused, not waited for; the endpoint serves the next scrape as before.
static void test_bad_requests_get_a_status_code_and_a_count(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char ep[96], answer[1 << 16];
    s_endpoint(&d, ep, sizeof ep);

    static const char other[] = "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n";
    s_exchange(ep, other, sizeof other - 1, answer, sizeof answer);
    assert_true(strncmp(answer, "HTTP/1.1 404 ", 13) == 0);
    assert_non_null(strstr(answer, "not found: GET /metrics"));

    static const char garbage[] = "\x16\x03\x01 not http\r\n\r\n"; /* e.g. a TLS hello */
    s_exchange(ep, garbage, sizeof garbage - 1, answer, sizeof answer);
    assert_true(strncmp(answer, "HTTP/1.1 400 ", 13) == 0);

    static char big[8192];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    int fd = s_connect(ep);
    //  The server answers after its bound and closes; what it did not read may reset.
    send(fd, big, sizeof big, MSG_NOSIGNAL);
    assert_true(s_read_all(fd, answer, sizeof answer, 20000) >= 0);
    close(fd);

    static const char ok[] = "GET /metrics HTTP/1.0\r\n\r\n";
    s_exchange(ep, ok, sizeof ok - 1, answer, sizeof answer);
    assert_true(strncmp(answer, "HTTP/1.1 200 ", 13) == 0);
    assert_non_null(strstr(answer, "\r\n\r\n# HELP bittend_frames_in_total"));
    //  Content-Length is the body's length.
    const char *cl = strstr(answer, "Content-Length: ");
    assert_non_null(cl);
    assert_int_equal((size_t)atol(cl + 16), strlen(strstr(answer, "\r\n\r\n") + 4));

    assert_int_equal(s_metrics_stat(&d, "not_found"), 1);
    assert_int_equal(s_metrics_stat(&d, "bad_requests"), 2);
    assert_true(s_metrics_stat(&d, "scrapes") >= 1);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  Clients that connect and never ask hold their slots, not the loop: control keeps answering,
//  a connection past the limit is closed unanswered and counted, and once the silent ones are
//  gone a scrape is served again.
static void test_silent_scrapers_never_hold_the_loop_and_are_bounded(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "metrics.connection_timeout_s=600", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    char ep[96], answer[1 << 16];
    s_endpoint(&d, ep, sizeof ep);
    enum { SILENT = 16 };
    int silent[SILENT];
    for (int i = 0; i < SILENT; i++)
        silent[i] = s_connect(ep);
    //  Control answers while they sit there.
    json_t *st = bt_status(&d);
    assert_non_null(st);
    json_decref(st);
    //  One more: closed without an answer once the server has taken it.
    int extra = s_connect(ep);
    assert_true(s_read_all(extra, answer, sizeof answer, 30000) == 0);
    close(extra);
    assert_true(s_metrics_stat(&d, "connections_refused") >= 1);
    for (int i = 0; i < SILENT; i++)
        close(silent[i]);
    //  The slots come back as the server sees the closes.
    static const char ok[] = "GET /metrics HTTP/1.1\r\n\r\n";
    bool served = false;
    for (int i = 0; i < 200 && !served; i++) {
        int fd = s_connect(ep);
        send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL);
        served = s_read_all(fd, answer, sizeof answer, 20000) > 0 &&
                 strncmp(answer, "HTTP/1.1 200 ", 13) == 0;
        close(fd);
        if (!served)
            bt_sleep_ms(50);
    }
    assert_true(served);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  A client that asks nothing is cut at metrics.connection_timeout_s and counted.
static void test_a_silent_scraper_is_cut_at_the_timeout(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "metrics.connection_timeout_s=1", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    char ep[96], answer[256];
    s_endpoint(&d, ep, sizeof ep);
    int fd = s_connect(ep);
    send(fd, "GET /metr", 9, MSG_NOSIGNAL); /* half a request, then nothing */
    assert_true(s_read_all(fd, answer, sizeof answer, 60000) == 0);
    close(fd);
    assert_int_equal(s_metrics_stat(&d, "timeouts"), 1);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  A client that keeps sending after its answer (the drain that keeps the close from resetting
//  the answer) is cut once it has sent far more than any request: it cannot keep the loop
//  reading for the whole connection timeout. The timeout is 600 s here: only the bound can end
//  it within the test.
static void test_a_client_flooding_after_its_answer_is_cut(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "metrics.connection_timeout_s=600", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    char ep[96];
    s_endpoint(&d, ep, sizeof ep);
    int fd = s_connect(ep);
    static const char ok[] = "GET /metrics HTTP/1.1\r\n\r\n";
    assert_int_equal(send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL), (ssize_t)(sizeof ok - 1));
    static char junk[65536];
    memset(junk, 'x', sizeof junk);
    //  Send up to 16 MB while reading the answer (then the server's half-close, EOF); the
    //  server must end the connection (a reset, or a send refused) long before that.
    size_t sent = 0;
    bool ended = false, eof = false;
    int64_t until = bt_now_ms() + 20000;
    while (!ended && bt_now_ms() < until) {
        short events = (short)((eof ? 0 : POLLIN) | (sent < (16u << 20) ? POLLOUT : 0));
        struct pollfd p = {.fd = fd, .events = events};
        if (poll(&p, 1, 200) <= 0)
            continue;
        if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
            char sink[65536];
            ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
            if (n == 0)
                eof = true; /* the answer is whole: the server shut its side */
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                ended = true;
        }
        if (!ended && (p.revents & POLLOUT)) {
            ssize_t n = send(fd, junk, sizeof junk, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                ended = true;
        }
    }
    close(fd);
    assert_true(ended);
    //  And the next scrape is served as before.
    char answer[1 << 16];
    s_exchange(ep, ok, sizeof ok - 1, answer, sizeof answer);
    assert_true(strncmp(answer, "HTTP/1.1 200 ", 13) == 0);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static int s_fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    int n = 0;
    while (readdir(dir))
        n++;
    closedir(dir);
    return n - 2; /* . and .. */
}

//  Out of fds (EMFILE), the endpoint stops accepting for a second at a time, not in a spin: a
//  scrape waiting in the listen queue is refused at most once per second it waits (counted:
//  connections_refused), and is served once fds are free again.
static void test_out_of_fds_the_endpoint_waits_a_second_each_time(void **state)
{
    enum { LIMIT = 80 };
    //  bittend raises its soft fd limit to the hard one at start: lower both on the running
    //  daemon (a process may lower another of its user's limits).
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char cmd[128], out[256];
    snprintf(cmd, sizeof cmd, "prlimit --pid %d --nofile=%d:%d", (int)d.pid, LIMIT, LIMIT);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
    char ep[96], fb[128], answer[1 << 16];
    s_endpoint(&d, ep, sizeof ep);
    json_t *st = bt_status(&d);
    bt_connectable(json_string_value(json_object_get(json_object_get(st, "endpoints"), "feedback")),
                   fb, sizeof fb);
    json_decref(st);
    //  Take the daemon's fds with plain TCP connections to its feedback socket: LIMIT of them,
    //  more than it has fds left for (libzmq takes what it can, the rest wait in its queue).
    int hold[LIMIT];
    for (int i = 0; i < LIMIT; i++)
        hold[i] = s_connect(fb + strlen("tcp://"));
    int n_hold = LIMIT;
    int64_t until = bt_now_ms() + 20000;
    while (s_fd_count(d.pid) < LIMIT && bt_now_ms() < until)
        bt_sleep_ms(10);
    assert_true(s_fd_count(d.pid) >= LIMIT);
    //  A scrape now waits in the listen queue; hold it there a few seconds.
    int64_t t0 = bt_now_ms();
    int fd = s_connect(ep);
    static const char ok[] = "GET /metrics HTTP/1.1\r\n\r\n";
    assert_int_equal(send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL), (ssize_t)(sizeof ok - 1));
    bt_sleep_ms(3000);
    for (int i = 0; i < n_hold; i++)
        close(hold[i]);
    assert_true(s_read_all(fd, answer, sizeof answer, 30000) > 0);
    int64_t waited_s = (bt_now_ms() - t0) / 1000;
    close(fd);
    assert_true(strncmp(answer, "HTTP/1.1 200 ", 13) == 0);
    int64_t refused = s_metrics_stat(&d, "connections_refused");
    assert_true(refused >= 1);            /* it did run out */
    assert_true(refused <= waited_s + 2); /* once a second at most, not in a spin */
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_public_metrics_address_needs_insecure(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--check-config", "--set", "metrics.endpoint=0.0.0.0:9560", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, args, 10000), 2);
    assert_true(bt_log_contains(&d, "'metrics.endpoint'", 100));
    bt_daemon_cleanup(&d);
    const char *bad[] = {"--check-config", "--set", "metrics.endpoint=127.0.0.1:99999", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, bad, 10000), 2);
    assert_true(bt_log_contains(&d, "'metrics.endpoint'", 100));
    bt_daemon_cleanup(&d);
    const char *ok[] = {"--check-config",
                        "--insecure",
                        "--set",
                        "metrics.endpoint=0.0.0.0:9560",
                        "--set",
                        "command.endpoint=tcp://127.0.0.1:*",
                        NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, ok, 10000), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_endpoint_parses_as_prometheus_text_and_a_fire_moves_its_counters),
        cmocka_unit_test(test_every_family_carries_the_numbers_status_shows),
        cmocka_unit_test(test_renders_pause_while_nobody_scrapes_and_a_scrape_wakes_them),
        cmocka_unit_test(test_bad_requests_get_a_status_code_and_a_count),
        cmocka_unit_test(test_silent_scrapers_never_hold_the_loop_and_are_bounded),
        cmocka_unit_test(test_a_silent_scraper_is_cut_at_the_timeout),
        cmocka_unit_test(test_a_client_flooding_after_its_answer_is_cut),
        cmocka_unit_test(test_out_of_fds_the_endpoint_waits_a_second_each_time),
        cmocka_unit_test(test_a_public_metrics_address_needs_insecure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
