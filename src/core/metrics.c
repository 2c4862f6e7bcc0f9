/*  metrics.c: the Prometheus text endpoint. The loop renders `status` (the same numbers as
 *  `bittenctl status`) plus two fire-path histograms into text on a timer; a scrape is
 *  answered on the loop from the last text (metrics_http.c: non-blocking, bounded), so a
 *  scrape costs a copy, never a render. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"
#include "core/metrics.h"
#include "core/metrics_http.h"

#define METRICS_BUCKETS 14

//  Seconds: a fire's way from request to the command socket is sub-millisecond when healthy;
//  an EA's answer takes a broker round trip (tens of ms to seconds).
static const double s_bounds[METRICS_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};

typedef struct {
    uint64_t counts[METRICS_BUCKETS]; /* per bucket, not cumulative */
    uint64_t over;                    /* above the last bound */
    uint64_t n;
    double sum;
} s_histogram_t;

struct core_metrics {
    bitten_core_t *core;
    metrics_http_t *http;
    char endpoint[80]; /* effective HOST:PORT */
    ev_timer timer;
    s_histogram_t fire_send, fire_result;
    uint64_t renders, scrapes;
    char *text; /* the last render, served to every scrape until the next */
    size_t len;
};

/* ---------------------------------------------------------------- the endpoint's text */

int core_metrics_parse_endpoint(const char *text, char *host, size_t hostlen, int *port,
                                bool *off, char *why, size_t whylen)
{
    *off = !*text;
    if (*off)
        return 0;
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    long n = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == text || !colon[1] || *end || n < 0 || n > 65535) {
        snprintf(why, whylen, "'%.100s' is not HOST:PORT (PORT 0..65535)", text);
        return -1;
    }
    snprintf(host, hostlen, "%.*s", (int)(colon - text), text);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, hostlen, "127.0.0.1");
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) != 1) {
        snprintf(why, whylen, "'%.100s': HOST must be an IPv4 address or localhost", text);
        return -1;
    }
    *port = (int)n;
    return 0;
}

/* ---------------------------------------------------------------- histograms (bus) */

static void s_observe(s_histogram_t *h, double seconds)
{
    if (seconds < 0)
        seconds = 0; /* a wall-clock step backwards: count it, at zero */
    size_t i = 0;
    while (i < METRICS_BUCKETS && seconds > s_bounds[i])
        i++;
    if (i < METRICS_BUCKETS)
        h->counts[i]++;
    else
        h->over++;
    h->n++;
    h->sum += seconds;
}

static void s_on_fire(void *arg, bitten_event_t event, const void *payload)
{
    core_metrics_t *self = arg;
    const bitten_fire_rec_t *r = ((const bitten_fire_event_t *)payload)->fire;
    if (r->state == BITTEN_FIRE_SENT && r->sent_at && r->created_at)
        s_observe(&self->fire_send, (double)(r->sent_at - r->created_at) / 1000.0);
    else if ((r->state == BITTEN_FIRE_FILLED || r->state == BITTEN_FIRE_FAILED) && r->result_at &&
             r->sent_at)
        s_observe(&self->fire_result, (double)(r->result_at - r->sent_at) / 1000.0);
}

/* ---------------------------------------------------------------- rendering */

//  status paths -> metric families. A row with a label reads an object (one sample per key);
//  one without reads a number.
typedef struct {
    const char *path; /* "fires.transitions" */
    const char *name;
    const char *type; /* counter | gauge */
    const char *label;
    const char *fixed; /* extra label pair, or NULL */
    const char *help;
} s_family_t;

static const s_family_t s_families[] = {
    {"frames_in", "bittend_frames_in_total", "counter", "type", "channel=\"feedback\"",
     "frames received, by channel and frame type"},
    {"frames_out", "bittend_frames_out_total", "counter", "type", "channel=\"command\"",
     "frames sent to EAs, by channel and frame type"},
    {"rejects", "bittend_rejects_total", "counter", "reason", NULL,
     "frames refused, by reason"},
    {"fires.transitions", "bittend_fire_transitions_total", "counter", "state", NULL,
     "fires entering each state"},
    {"fires.refused", "bittend_fires_refused_total", "counter", "reason", NULL,
     "fires refused, by reason"},
    {"fires.open", "bittend_fires_open", "gauge", NULL, NULL, "fires not yet final"},
    {"eas.online", "bittend_eas_online", "gauge", NULL, NULL, "EAs heard recently"},
    {"eas.known", "bittend_eas_known", "gauge", NULL, NULL, "EAs ever heard since start"},
    {"risk.halts_active", "bittend_halts_active", "gauge", NULL, NULL, "halts in force"},
    {"risk.halts_raised", "bittend_halts_raised_total", "counter", NULL, NULL, "halts raised"},
    {"events_published", "bittend_events_published_total", "counter", NULL, NULL,
     "events sent on the events channel"},
    {"event_subscriptions", "bittend_event_subscriptions", "gauge", NULL, NULL,
     "live subscriptions on the events channel"},
    {"control_requests", "bittend_control_requests_total", "counter", NULL, NULL,
     "control requests answered"},
    {"uptime_s", "bittend_uptime_seconds", "gauge", NULL, NULL, "seconds since start"},
};

static json_t *s_path(json_t *root, const char *path)
{
    char part[64];
    json_t *node = root;
    for (const char *p = path; node && *p;) {
        size_t n = strcspn(p, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        node = json_object_get(node, part);
        p += n + (p[n] == '.');
    }
    return node;
}

//  Label values are our own names (reason codes, frame types); escaped anyway.
static void s_label_value(FILE *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out);
        if (*v == '\n')
            fputs("\\n", out);
        else
            fputc(*v, out);
    }
}

static void s_render_family(FILE *out, const s_family_t *f, json_t *v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
    if (!f->label) {
        fprintf(out, "%s%s%s%s %.17g\n", f->name, f->fixed ? "{" : "", f->fixed ? f->fixed : "",
                f->fixed ? "}" : "", json_is_number(v) ? json_number_value(v) : 0.0);
        return;
    }
    const char *key;
    json_t *n;
    json_object_foreach(v, key, n)
    {
        if (!json_is_number(n))
            continue;
        fprintf(out, "%s{%s%s%s=\"", f->name, f->fixed ? f->fixed : "", f->fixed ? "," : "",
                f->label);
        s_label_value(out, key);
        fprintf(out, "\"} %.17g\n", json_number_value(n));
    }
}

//  bittend_store_write_seconds{op=...}: the store's own fixed buckets, one series per op.
static void s_render_store(FILE *out, bitten_store_t *store)
{
    static const char name[] = "bittend_store_write_seconds";
    fprintf(out, "# HELP %s durable store writes (SQLite, on the loop thread), by operation\n"
                 "# TYPE %s histogram\n",
            name, name);
    for (int op = 0; op < BITTEN_STORE_OP_COUNT_; op++) {
        bitten_store_latency_t h;
        bitten_store_latency(store, (bitten_store_op_t)op, &h);
        const char *o = bitten_store_op_str((bitten_store_op_t)op);
        uint64_t cumulative = 0;
        for (size_t i = 0; i < BITTEN_STORE_LATENCY_BUCKETS; i++) {
            cumulative += h.counts[i];
            fprintf(out, "%s_bucket{op=\"%s\",le=\"%g\"} %llu\n", name, o,
                    bitten_store_latency_bounds[i], (unsigned long long)cumulative);
        }
        fprintf(out,
                "%s_bucket{op=\"%s\",le=\"+Inf\"} %llu\n%s_sum{op=\"%s\"} %.17g\n"
                "%s_count{op=\"%s\"} %llu\n",
                name, o, (unsigned long long)h.n, name, o, h.sum, name, o,
                (unsigned long long)h.n);
    }
}

static void s_render_histogram(FILE *out, const char *name, const char *help,
                               const s_histogram_t *h)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < METRICS_BUCKETS; i++) {
        cumulative += h->counts[i];
        fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, s_bounds[i],
                (unsigned long long)cumulative);
    }
    fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.17g\n%s_count %llu\n", name,
            (unsigned long long)h->n, name, h->sum, name, (unsigned long long)h->n);
}

//  The status command's reply, built as `bittenctl status` gets it.
static json_t *s_status(bitten_core_t *core)
{
    for (size_t i = 0; i < core->n_controls; i++)
        if (strcmp(core->controls[i].name, "status") == 0) {
            json_t *reply = json_object();
            core->controls[i].fn(core->controls[i].self, NULL, reply);
            return reply;
        }
    return json_object();
}

static void s_render(core_metrics_t *self)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return;
    json_t *status = s_status(self->core);
    for (size_t i = 0; i < sizeof s_families / sizeof *s_families; i++)
        s_render_family(out, &s_families[i], s_path(status, s_families[i].path));
    json_decref(status);
    s_render_histogram(out, "bittend_fire_send_seconds",
                       "a fire's request (journaled PENDING) to handed to the command socket",
                       &self->fire_send);
    s_render_histogram(out, "bittend_fire_result_seconds",
                       "a sent fire to the EA's result (FILLED or FAILED)", &self->fire_result);
    s_render_store(out, self->core->store);
    fprintf(out, "# HELP bittend_metrics_scrapes_total scrapes served\n"
                 "# TYPE bittend_metrics_scrapes_total counter\n"
                 "bittend_metrics_scrapes_total %llu\n",
            (unsigned long long)self->scrapes);
    if (fclose(out) != 0) {
        free(text);
        return;
    }
    free(self->text);
    self->text = text;
    self->len = len;
    self->renders++;
}

static void s_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    s_render(w->data);
}

/* ---------------------------------------------------------------- a scrape */

static const char *s_body(void *arg, size_t *len)
{
    core_metrics_t *self = arg;
    self->scrapes++;
    *len = self->len;
    return self->text;
}

/* ---------------------------------------------------------------- life */

static void s_status_section(void *arg, json_t *section)
{
    core_metrics_t *self = arg;
    json_object_set_new(section, "endpoint", json_string(self->endpoint));
    json_object_set_new(section, "renders", json_integer((json_int_t)self->renders));
    json_object_set_new(section, "scrapes", json_integer((json_int_t)self->scrapes));
    metrics_http_stats_t h;
    metrics_http_stats(self->http, &h);
    json_object_set_new(section, "not_found", json_integer((json_int_t)h.not_found));
    json_object_set_new(section, "bad_requests", json_integer((json_int_t)h.bad));
    json_object_set_new(section, "connections_refused", json_integer((json_int_t)h.refused));
    json_object_set_new(section, "timeouts", json_integer((json_int_t)h.timeouts));
}

core_metrics_t *core_metrics_new(bitten_core_t *core, char *err, size_t errlen)
{
    err[0] = '\0';
    const char *text = bitten_config_str(core->cfg, "metrics.endpoint");
    char host[64], why[160];
    int port = 0;
    bool off = false;
    if (core_metrics_parse_endpoint(text, host, sizeof host, &port, &off, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: key 'metrics.endpoint': %s", why);
        return NULL;
    }
    if (off)
        return NULL;
    core_metrics_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->core = core;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &addr.sin_addr);
    s_render(self); /* a scrape before the first tick gets numbers, not nothing */
    char why_http[160];
    double timeout_s = (double)bitten_config_int(core->cfg, "metrics.connection_timeout_s");
    self->http =
        metrics_http_new(core->loop, &addr, timeout_s, s_body, self, why_http, sizeof why_http);
    if (!self->http) {
        snprintf(err, errlen, "metrics.endpoint: cannot listen on %s:%d: %s", host, port,
                 why_http);
        core_metrics_destroy(&self);
        return NULL;
    }
    snprintf(self->endpoint, sizeof self->endpoint, "%s:%u", host, metrics_http_port(self->http));
    bitten_bus_subscribe(core->bus, BITTEN_EV_FIRE, s_on_fire, self);
    bitten_core_status_register(core, "metrics", s_status_section, self);
    ev_timer_init(&self->timer, s_timer_cb, 0,
                  (double)bitten_config_int(core->cfg, "metrics.render_interval_ms") / 1000.0);
    self->timer.data = self;
    ev_timer_again(core->loop, &self->timer);
    return self;
}

void core_metrics_destroy(core_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    core_metrics_t *self = *self_p;
    metrics_http_destroy(&self->http);
    if (self->core->loop)
        ev_timer_stop(self->core->loop, &self->timer);
    if (self->core->bus)
        bitten_bus_unsubscribe_all(self->core->bus, self);
    free(self->text);
    free(self);
    *self_p = NULL;
}
