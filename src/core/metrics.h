/*  metrics.h: the Prometheus endpoint (metrics.endpoint): the loop renders a text snapshot on
 *  a timer while somebody scrapes and serves scrapes from it (metrics_http.h: non-blocking,
 *  bounded). */
#ifndef BITTEN_CORE_METRICS_H
#define BITTEN_CORE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/proto.h" /* bitten_ms_t */

typedef struct core_metrics core_metrics_t;
struct bitten_core;

/*  Renders are paced by scrapes: the loop's timer renders while the last scrape is less than
 *  idle_after_ms old (monotonic ms), and skips before the first scrape and after that span. */
typedef struct {
    uint64_t scrapes_seen;  /* the scrape count at the last decision */
    bitten_ms_t scraped_at; /* when that count was first seen to move */
    bool scraped;           /* a scrape has been seen */
    bitten_ms_t idle_after_ms;
    bool paused;            /* the last decision skipped (true before the first) */
} core_metrics_pace_t;

/*  The loop renders until this many render intervals pass without a scrape. */
#define CORE_METRICS_IDLE_INTERVALS 120

void core_metrics_pace_init(core_metrics_pace_t *p, bitten_ms_t idle_after_ms);

/*  One timer tick: `scrapes` is the scrape count now. True when the text should be rendered
 *  (a scrape came within idle_after_ms, or the clock reads earlier than the last one). */
bool core_metrics_pace_due(core_metrics_pace_t *p, uint64_t scrapes, bitten_ms_t now);

/*  Parses metrics.endpoint: "" (off) or HOST:PORT with HOST an IPv4 address or localhost and
 *  PORT 0..65535 (0: chosen by the OS). Returns 0 (*off true for ""), or -1 with why. */
int core_metrics_parse_endpoint(const char *text, char *host, size_t hostlen, int *port,
                                bool *off, char *why, size_t whylen);

/*  Starts the endpoint when metrics.endpoint is set (NULL + empty err when it is off), or NULL
 *  with err when it cannot bind. Registers the "metrics" status section. */
core_metrics_t *core_metrics_new(struct bitten_core *core, char *err, size_t errlen);
void core_metrics_destroy(core_metrics_t **self_p);

#endif
