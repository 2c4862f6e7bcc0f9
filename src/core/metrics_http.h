/*  metrics_http.h: the scrape endpoint's HTTP, served on the loop thread with non-blocking
 *  sockets. It answers one request per connection (GET /metrics: the text the caller hands
 *  over; anything else 404; a request line it cannot read 400), then closes. Bounded: at most
 *  METRICS_HTTP_MAX_CONNS connections at once (more are closed unanswered, counted), a request
 *  of at most METRICS_HTTP_REQUEST_MAX bytes (and at most 16 times that sent after the
 *  answer), and every connection ends within its timeout
 *  however slowly the client reads or writes: a scraper can never hold the loop. */
#ifndef BITTEN_CORE_METRICS_HTTP_H
#define BITTEN_CORE_METRICS_HTTP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#define METRICS_HTTP_MAX_CONNS 16
#define METRICS_HTTP_REQUEST_MAX 4096

/* ---------------------------------------------------------------- the pure part */

typedef enum {
    METRICS_HTTP_MORE,      /* the head is not complete yet */
    METRICS_HTTP_METRICS,   /* GET /metrics (a query string is ignored) */
    METRICS_HTTP_NOT_FOUND, /* a readable request for anything else: 404 */
    METRICS_HTTP_BAD        /* no readable request line, or the head is over its bound: 400 */
} metrics_http_req_t;

/*  What the bytes received so far (len of them) ask. The head ends at an empty line (CRLF or
 *  LF); a head that has not ended within METRICS_HTTP_REQUEST_MAX bytes is BAD. */
metrics_http_req_t metrics_http_classify(const char *buf, size_t len);

/* ---------------------------------------------------------------- the server */

typedef struct metrics_http metrics_http_t;

/*  The body of a GET /metrics, read when the request is classified (the pointer must stay
 *  valid until the next call on this thread: the server copies it at once). */
typedef const char *(metrics_http_body_fn)(void *arg, size_t *len);

typedef struct {
    uint64_t served; /* 200 answers */
    uint64_t not_found;
    uint64_t bad;      /* 400 answers */
    uint64_t refused;  /* connections closed unanswered: METRICS_HTTP_MAX_CONNS were open */
    uint64_t timeouts; /* connections ended by the timeout before their answer was sent */
} metrics_http_stats_t;

/*  Listens on addr (port 0: the OS chooses) and serves on loop. NULL with err on failure. */
metrics_http_t *metrics_http_new(struct ev_loop *loop, const struct sockaddr_in *addr,
                                 double timeout_s, metrics_http_body_fn *body, void *arg, char *err,
                                 size_t errlen);

/*  Closes the listener and every open connection. */
void metrics_http_destroy(metrics_http_t **self_p);

/*  The bound port. */
unsigned metrics_http_port(const metrics_http_t *self);

void metrics_http_stats(const metrics_http_t *self, metrics_http_stats_t *out);

#endif
