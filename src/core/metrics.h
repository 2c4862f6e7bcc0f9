/*  metrics.h: the Prometheus endpoint (metrics.endpoint): the loop renders a text snapshot on
 *  a timer and serves scrapes from it (metrics_http.h: non-blocking, bounded). */
#ifndef BITTEN_CORE_METRICS_H
#define BITTEN_CORE_METRICS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct core_metrics core_metrics_t;
struct bitten_core;

/*  Parses metrics.endpoint: "" (off) or HOST:PORT with HOST an IPv4 address or localhost and
 *  PORT 0..65535 (0: chosen by the OS). Returns 0 (*off true for ""), or -1 with why. */
int core_metrics_parse_endpoint(const char *text, char *host, size_t hostlen, int *port,
                                bool *off, char *why, size_t whylen);

/*  Starts the endpoint when metrics.endpoint is set (NULL + empty err when it is off), or NULL
 *  with err when it cannot bind. Registers the "metrics" status section. */
core_metrics_t *core_metrics_new(struct bitten_core *core, char *err, size_t errlen);
void core_metrics_destroy(core_metrics_t **self_p);

#endif
