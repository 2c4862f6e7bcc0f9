/*  metrics_http.c: one request per connection, on the loop, never blocking it (see the
 *  header). Every socket is non-blocking; a connection lives in one of three phases: reading
 *  the request head, writing the answer, draining what the client still sends after our
 *  half-close (so that closing never turns into a reset that eats the answer). Its timer ends
 *  it in any phase. */
#define _GNU_SOURCE /* accept4 */
#include "core/metrics_http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the pure part */

//  The end of the head: the first empty line. Returns the offset after it, or 0.
static size_t s_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool s_is_token(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 'A' || p[i] > 'Z')
            return false;
    return true;
}

metrics_http_req_t metrics_http_classify(const char *buf, size_t len)
{
    size_t end = s_head_end(buf, len);
    if (!end)
        return len >= METRICS_HTTP_REQUEST_MAX ? METRICS_HTTP_BAD : METRICS_HTTP_MORE;
    if (end > METRICS_HTTP_REQUEST_MAX)
        return METRICS_HTTP_BAD;
    //  The request line: METHOD SP TARGET SP HTTP/1.x, then CRLF or LF.
    size_t line = 0;
    while (line < end && buf[line] != '\n')
        line++;
    if (line > 0 && buf[line - 1] == '\r')
        line--;
    const char *sp1 = memchr(buf, ' ', line);
    if (!sp1)
        return METRICS_HTTP_BAD;
    size_t mlen = (size_t)(sp1 - buf);
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', line - mlen - 1);
    if (!sp2)
        return METRICS_HTTP_BAD;
    size_t tlen = (size_t)(sp2 - target);
    const char *version = sp2 + 1;
    size_t vlen = line - (size_t)(version - buf);
    if (!s_is_token(buf, mlen) || tlen == 0 || target[0] != '/' || vlen != 8 ||
        memcmp(version, "HTTP/1.", 7) != 0 || version[7] < '0' || version[7] > '9')
        return METRICS_HTTP_BAD;
    for (size_t i = 0; i < tlen; i++)
        if ((unsigned char)target[i] <= ' ' || (unsigned char)target[i] == 0x7f)
            return METRICS_HTTP_BAD;
    static const char path[] = "/metrics";
    size_t plen = sizeof path - 1;
    bool is_path =
        tlen >= plen && memcmp(target, path, plen) == 0 && (tlen == plen || target[plen] == '?');
    if (mlen == 3 && memcmp(buf, "GET", 3) == 0 && is_path)
        return METRICS_HTTP_METRICS;
    return METRICS_HTTP_NOT_FOUND;
}

/* ---------------------------------------------------------------- the server */

/*  What a connection may still send after its answer before it is cut: a scraper sends
 *  nothing more (a pipelined request or two at most); one that keeps sending would keep the
 *  loop reading for its whole timeout. */
#define S_DRAIN_MAX (16 * METRICS_HTTP_REQUEST_MAX)

typedef enum { S_READING, S_WRITING, S_DRAINING } s_phase_t;

typedef struct s_conn {
    metrics_http_t *owner;
    int fd;
    s_phase_t phase;
    ev_io io;
    ev_timer timer;
    char in[METRICS_HTTP_REQUEST_MAX];
    size_t in_len;
    size_t drained; /* bytes read after the answer (S_DRAIN_MAX) */
    char *out;
    size_t out_len, out_sent;
    struct s_conn *prev, *next;
} s_conn_t;

struct metrics_http {
    struct ev_loop *loop;
    int fd;
    ev_io accept_io;
    ev_timer accept_pause; /* out of fds: accepting waits a second instead of spinning */
    unsigned port;
    double timeout_s;
    metrics_http_body_fn *body;
    void *arg;
    s_conn_t *conns;
    size_t n_conns;
    metrics_http_stats_t stats;
};

static void s_conn_close(s_conn_t *c)
{
    metrics_http_t *self = c->owner;
    ev_io_stop(self->loop, &c->io);
    ev_timer_stop(self->loop, &c->timer);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        self->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    self->n_conns--;
    free(c->out);
    free(c);
}

//  Sends what is left of the answer; then half-closes and drains. false: c is closed.
static bool s_conn_write(s_conn_t *c)
{
    metrics_http_t *self = c->owner;
    while (c->out_sent < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->phase != S_WRITING) {
                c->phase = S_WRITING;
                ev_io_stop(self->loop, &c->io);
                ev_io_set(&c->io, c->fd, EV_WRITE);
                ev_io_start(self->loop, &c->io);
            }
            return true;
        }
        s_conn_close(c); /* the client went away */
        return false;
    }
    free(c->out);
    c->out = NULL;
    shutdown(c->fd, SHUT_WR);
    c->phase = S_DRAINING;
    ev_io_stop(self->loop, &c->io);
    ev_io_set(&c->io, c->fd, EV_READ);
    ev_io_start(self->loop, &c->io);
    return true;
}

static bool s_answer(s_conn_t *c, metrics_http_req_t req)
{
    static const char missing[] = "not found: GET /metrics\n";
    static const char bad[] = "bad request\n";
    const char *status = "200 OK", *type = "text/plain; version=0.0.4; charset=utf-8";
    const char *body = NULL;
    size_t blen = 0;
    if (req == METRICS_HTTP_METRICS) {
        body = c->owner->body(c->owner->arg, &blen);
        if (!body)
            blen = 0;
        c->owner->stats.served++;
    } else {
        bool nf = req == METRICS_HTTP_NOT_FOUND;
        status = nf ? "404 Not Found" : "400 Bad Request";
        type = "text/plain";
        body = nf ? missing : bad;
        blen = nf ? sizeof missing - 1 : sizeof bad - 1;
        if (nf)
            c->owner->stats.not_found++;
        else
            c->owner->stats.bad++;
    }
    char head[256];
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\n\r\n",
                        status, type, blen);
    c->out = malloc((size_t)hlen + blen + 1);
    if (!c->out) {
        s_conn_close(c);
        return false;
    }
    memcpy(c->out, head, (size_t)hlen);
    if (blen)
        memcpy(c->out + hlen, body, blen);
    c->out_len = (size_t)hlen + blen;
    c->out_sent = 0;
    return s_conn_write(c);
}

static void s_conn_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    s_conn_t *c = w->data;
    if (c->phase == S_WRITING) {
        s_conn_write(c);
        return;
    }
    if (c->phase == S_DRAINING) {
        char sink[1024];
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n > 0)
            c->drained += (size_t)n;
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
            c->drained > S_DRAIN_MAX)
            s_conn_close(c);
        return;
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        s_conn_close(c); /* closed before asking anything */
        return;
    }
    c->in_len += (size_t)n;
    metrics_http_req_t req = metrics_http_classify(c->in, c->in_len);
    if (req != METRICS_HTTP_MORE)
        s_answer(c, req);
}

static void s_conn_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    s_conn_t *c = w->data;
    if (c->phase != S_DRAINING)
        c->owner->stats.timeouts++;
    s_conn_close(c);
}

static void s_accept_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
    metrics_http_t *self = w->data;
    ev_io_start(loop, &self->accept_io);
}

static void s_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    metrics_http_t *self = w->data;
    for (;;) {
        int fd = accept4(self->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
            //  The listener stays readable while the queue holds a connection we cannot take:
            //  level-triggered, that would spin the loop. Wait, then try again.
            self->stats.refused++;
            ev_io_stop(self->loop, &self->accept_io);
            //  Set again each time: a one-shot timer that has fired keeps an "after" of ~0, and
            //  restarted as it is it fires at once (the spin this pause is there to prevent).
            ev_timer_set(&self->accept_pause, 1.0, 0.0);
            ev_timer_start(self->loop, &self->accept_pause);
            return;
        }
        if (fd < 0)
            return; /* EAGAIN (all taken), or a client gone before it was taken */
        s_conn_t *c = self->n_conns < METRICS_HTTP_MAX_CONNS ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            self->stats.refused++;
            close(fd);
            continue;
        }
        c->owner = self;
        c->fd = fd;
        c->phase = S_READING;
        ev_io_init(&c->io, s_conn_io, fd, EV_READ);
        c->io.data = c;
        ev_timer_init(&c->timer, s_conn_timeout, self->timeout_s, 0);
        c->timer.data = c;
        c->next = self->conns;
        if (self->conns)
            self->conns->prev = c;
        self->conns = c;
        self->n_conns++;
        ev_io_start(self->loop, &c->io);
        ev_timer_start(self->loop, &c->timer);
    }
}

metrics_http_t *metrics_http_new(struct ev_loop *loop, const struct sockaddr_in *addr,
                                 double timeout_s, metrics_http_body_fn *body, void *arg, char *err,
                                 size_t errlen)
{
    metrics_http_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->loop = loop;
    self->timeout_s = timeout_s;
    self->body = body;
    self->arg = arg;
    self->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (self->fd < 0 || setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(self->fd, (const struct sockaddr *)addr, sizeof *addr) != 0 ||
        listen(self->fd, METRICS_HTTP_MAX_CONNS) != 0 ||
        getsockname(self->fd, (struct sockaddr *)&bound, &blen) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (self->fd >= 0)
            close(self->fd);
        free(self);
        return NULL;
    }
    self->port = ntohs(bound.sin_port);
    ev_io_init(&self->accept_io, s_accept, self->fd, EV_READ);
    self->accept_io.data = self;
    ev_timer_init(&self->accept_pause, s_accept_resume, 1.0, 0);
    self->accept_pause.data = self;
    ev_io_start(loop, &self->accept_io);
    return self;
}

void metrics_http_destroy(metrics_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    metrics_http_t *self = *self_p;
    while (self->conns)
        s_conn_close(self->conns);
    ev_io_stop(self->loop, &self->accept_io);
    ev_timer_stop(self->loop, &self->accept_pause);
    close(self->fd);
    free(self);
    *self_p = NULL;
}

unsigned metrics_http_port(const metrics_http_t *self)
{
    return self->port;
}

void metrics_http_stats(const metrics_http_t *self, metrics_http_stats_t *out)
{
    *out = self->stats;
}
