/*  metrics.c: the Prometheus text endpoint. The loop renders the numbers `bittenctl status`
 *  shows (the core's counters read directly, the fires/eas/risk sections' counts) plus the
 *  fire-path and store histograms into text on a timer, and answers scrapes from the last text
 *  on its own non-blocking sockets (metrics_http.c: bounded, never waits). The timer renders
 *  only while somebody scrapes: from the start until the first scrape, and after
 *  CORE_METRICS_IDLE_INTERVALS intervals without one, it skips; a scrape then renders on the
 *  spot, so a scrape never gets a text older than one interval. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    core_metrics_pace_t pace;
    s_histogram_t fire_send, fire_result;
    uint64_t renders, skipped, wakes, scrapes;
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

/* ---------------------------------------------------------------- pacing (pure) */

void core_metrics_pace_init(core_metrics_pace_t *p, bitten_ms_t idle_after_ms)
{
    *p = (core_metrics_pace_t){.idle_after_ms = idle_after_ms, .paused = true};
}

bool core_metrics_pace_due(core_metrics_pace_t *p, uint64_t scrapes, bitten_ms_t now)
{
    if (scrapes != p->scrapes_seen) {
        p->scrapes_seen = scrapes;
        p->scraped_at = now;
        p->scraped = true;
    }
    //  A clock that reads earlier than the last scrape counts as recent (render: the safe side).
    p->paused = !p->scraped || (now >= p->scraped_at && now - p->scraped_at >= p->idle_after_ms);
    return !p->paused;
}

/* ---------------------------------------------------------------- rendering */

//  Where a family's numbers live: the core's own counters, read directly, or a module's
//  counts-only status section (a few numbers each, whatever the number of accounts).
typedef enum {
    S_FRAMES_IN,
    S_FRAMES_OUT,
    S_REJECTS,
    S_EVENTS_PUBLISHED,
    S_EVENT_SUBSCRIPTIONS,
    S_CONTROL_REQUESTS,
    S_UPTIME,
    S_SECTION /* path = "section.key" */
} s_source_t;

//  A row with a label reads a set of counts (one sample per non-zero count, as `status` lists
//  them); one without reads a number.
typedef struct {
    s_source_t src;
    const char *path; /* S_SECTION: "fires.transitions" */
    const char *name;
    const char *type; /* counter | gauge */
    const char *label;
    const char *fixed; /* extra label pair, or NULL */
    const char *help;
} s_family_t;

static const s_family_t s_families[] = {
    {S_FRAMES_IN, NULL, "bittend_frames_in_total", "counter", "type", "channel=\"feedback\"",
     "frames received, by channel and frame type"},
    {S_FRAMES_OUT, NULL, "bittend_frames_out_total", "counter", "type", "channel=\"command\"",
     "frames sent to EAs, by channel and frame type"},
    {S_REJECTS, NULL, "bittend_rejects_total", "counter", "reason", NULL,
     "frames refused, by reason"},
    {S_SECTION, "fires.transitions", "bittend_fire_transitions_total", "counter", "state", NULL,
     "fires entering each state"},
    {S_SECTION, "fires.refused", "bittend_fires_refused_total", "counter", "reason", NULL,
     "fires refused, by reason"},
    {S_SECTION, "fires.open", "bittend_fires_open", "gauge", NULL, NULL, "fires not yet final"},
    {S_SECTION, "eas.online", "bittend_eas_online", "gauge", NULL, NULL, "EAs heard recently"},
    {S_SECTION, "eas.known", "bittend_eas_known", "gauge", NULL, NULL,
     "EAs ever heard since start"},
    {S_SECTION, "risk.halts_active", "bittend_halts_active", "gauge", NULL, NULL,
     "halts in force"},
    {S_SECTION, "risk.halts_raised", "bittend_halts_raised_total", "counter", NULL, NULL,
     "halts raised"},
    {S_EVENTS_PUBLISHED, NULL, "bittend_events_published_total", "counter", NULL, NULL,
     "events sent on the events channel"},
    {S_EVENT_SUBSCRIPTIONS, NULL, "bittend_event_subscriptions", "gauge", NULL, NULL,
     "live subscriptions on the events channel"},
    {S_CONTROL_REQUESTS, NULL, "bittend_control_requests_total", "counter", NULL, NULL,
     "control requests answered"},
    {S_UPTIME, NULL, "bittend_uptime_seconds", "gauge", NULL, NULL, "seconds since start"},
};

#define S_N_FAMILIES (sizeof s_families / sizeof *s_families)

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

static void s_render_head(FILE *out, const s_family_t *f)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
}

static void s_render_value(FILE *out, const s_family_t *f, double v)
{
    fprintf(out, "%s%s%s%s %.17g\n", f->name, f->fixed ? "{" : "", f->fixed ? f->fixed : "",
            f->fixed ? "}" : "", v);
}

static void s_render_sample(FILE *out, const s_family_t *f, const char *key, double v)
{
    fprintf(out, "%s{%s%s%s=\"", f->name, f->fixed ? f->fixed : "", f->fixed ? "," : "",
            f->label);
    s_label_value(out, key);
    fprintf(out, "\"} %.17g\n", v);
}

//  A module's family from its status section (a number, or an object of numbers).
static void s_render_json(FILE *out, const s_family_t *f, json_t *v)
{
    if (!f->label) {
        s_render_value(out, f, json_is_number(v) ? json_number_value(v) : 0.0);
        return;
    }
    const char *key;
    json_t *n;
    json_object_foreach(v, key, n)
    {
        if (json_is_number(n))
            s_render_sample(out, f, key, json_number_value(n));
    }
}

static const char *s_frame_name(int i)
{
    return bitten_frame_type_str((bitten_frame_type_t)i);
}

static const char *s_reason_name(int i)
{
    return bitten_reason_str((bitten_reason_t)i);
}

//  The non-zero counts in index order: the samples `status` lists (core_control.c s_counts).
static void s_render_counts(FILE *out, const s_family_t *f, const uint64_t *counts, int n,
                            const char *(*name)(int))
{
    for (int i = 0; i < n; i++)
        if (counts[i])
            s_render_sample(out, f, name(i), (double)counts[i]);
}

static void s_render_family(FILE *out, const s_family_t *f, bitten_core_t *core,
                            json_t *sections)
{
    const core_stats_t *st = &core->stats;
    s_render_head(out, f);
    switch (f->src) {
    case S_FRAMES_IN:
        s_render_counts(out, f, st->frames_in, BITTEN_FRAME_COUNT_, s_frame_name);
        break;
    case S_FRAMES_OUT:
        s_render_counts(out, f, st->frames_out, BITTEN_FRAME_COUNT_, s_frame_name);
        break;
    case S_REJECTS:
        s_render_counts(out, f, st->rejects, BITTEN_R_COUNT_, s_reason_name);
        break;
    case S_EVENTS_PUBLISHED:
        s_render_value(out, f, (double)st->events_published);
        break;
    case S_EVENT_SUBSCRIPTIONS:
        s_render_value(out, f, (double)core->event_subscriptions);
        break;
    case S_CONTROL_REQUESTS:
        s_render_value(out, f, (double)st->control_requests);
        break;
    case S_UPTIME:
        s_render_value(out, f, (double)(core_daemon_ms(core) - core->started_ms) / 1000.0);
        break;
    case S_SECTION:
        s_render_json(out, f, s_path(sections, f->path));
        break;
    }
}

//  Only the status sections the families read (fires, eas, risk: counts, never per-account
//  lists), not the whole `status` reply.
static json_t *s_sections(bitten_core_t *core)
{
    json_t *sections = json_object();
    for (size_t i = 0; i < core->n_statuses; i++) {
        const char *name = core->statuses[i].name;
        size_t len = strlen(name);
        bool wanted = false;
        for (size_t k = 0; k < S_N_FAMILIES && !wanted; k++)
            wanted = s_families[k].path && strncmp(s_families[k].path, name, len) == 0 &&
                     s_families[k].path[len] == '.';
        if (!wanted)
            continue;
        json_t *section = json_object();
        core->statuses[i].fn(core->statuses[i].self, section);
        json_object_set_new(sections, name, section);
    }
    return sections;
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

static bitten_ms_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_render(core_metrics_t *self)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return;
    json_t *sections = s_sections(self->core);
    for (size_t i = 0; i < S_N_FAMILIES; i++)
        s_render_family(out, &s_families[i], self->core, sections);
    json_decref(sections);
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

//  The pace's decision over the scrape count now.
static bool s_due(core_metrics_t *self)
{
    return core_metrics_pace_due(&self->pace, self->scrapes, s_mono_ms());
}

//  The timer renders while somebody scrapes; after CORE_METRICS_IDLE_INTERVALS intervals
//  without a scrape it skips (nothing is built for nobody) until a scrape comes.
static void s_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    core_metrics_t *self = w->data;
    if (s_due(self))
        s_render(self);
    else
        self->skipped++;
}

/* ---------------------------------------------------------------- a scrape */

//  The text a GET /metrics is answered with. Renders paused (nobody scraped lately): render
//  now, and the scrape counted here resumes the timer's renders.
static const char *s_body(void *arg, size_t *len)
{
    core_metrics_t *self = arg;
    self->scrapes++;
    if (self->pace.paused) {
        self->wakes++;
        s_due(self);
        s_render(self);
    }
    *len = self->len;
    return self->text;
}

/* ---------------------------------------------------------------- life */

static void s_status_section(void *arg, json_t *section)
{
    core_metrics_t *self = arg;
    json_object_set_new(section, "endpoint", json_string(self->endpoint));
    json_object_set_new(section, "renders", json_integer((json_int_t)self->renders));
    json_object_set_new(section, "renders_skipped", json_integer((json_int_t)self->skipped));
    json_object_set_new(section, "wakes", json_integer((json_int_t)self->wakes));
    json_object_set_new(section, "paused", json_boolean(self->pace.paused));
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
    bitten_ms_t interval_ms = bitten_config_int(core->cfg, "metrics.render_interval_ms");
    core_metrics_pace_init(&self->pace, CORE_METRICS_IDLE_INTERVALS * interval_ms);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &addr.sin_addr);
    s_render(self); /* a text from the start; paused until the first scrape */
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
    ev_timer_init(&self->timer, s_timer_cb, 0, (double)interval_ms / 1000.0);
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
