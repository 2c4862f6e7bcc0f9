/*  zwatch.c: the composite watcher. prepare: if ZMQ_EVENTS already says ready, start an idle
 *  watcher so the loop does not sleep; check: call back while ready; io: only wakes the loop.
 *  ZMQ_EVENTS is asked only when the answer may have changed (each ask of an idle socket is a
 *  getpid and a poll inside libzmq, ~20 per loop turn at 10,000 EAs before this). */
#include <stdbool.h>
#include <stdlib.h>

#include <zmq.h>

#include "core/zwatch.h"

struct zwatch {
    struct ev_loop *loop;
    void *socket;
    int events;
    bool drained;  /* zwatch_drained: nothing pending until ZMQ_FD signals */
    bool signalled; /* the io callback ran: ZMQ_FD signalled */
    zwatch_fn *fn;
    void *arg;
    ev_prepare prepare;
    ev_check check;
    ev_idle idle;
    ev_io io;
};

static int s_pending(zwatch_t *self)
{
    int events = 0;
    size_t size = sizeof events;
    if (zmq_getsockopt(self->socket, ZMQ_EVENTS, &events, &size) != 0)
        return 0;
    return events & self->events;
}

static void s_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    zwatch_t *self = w->data;
    //  Drained by the callback and touched by nobody since: libzmq's mailbox is empty and
    //  ZMQ_FD signals the next command (the check below then asks).
    if (self->drained) {
        ev_idle_stop(loop, &self->idle);
        return;
    }
    //  Reading ZMQ_EVENTS also lets libzmq process its command queue (e.g. a bound SUB sends
    //  its subscriptions to new PUB peers only when its socket is touched).
    if (s_pending(self))
        ev_idle_start(loop, &self->idle);
    else
        ev_idle_stop(loop, &self->idle);
}

static void s_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
    zwatch_t *self = w->data;
    //  Only the loop thread operates on the socket, and between prepare and here it only
    //  polled: the answer can differ from prepare's only if ZMQ_FD signalled (the io event,
    //  taken here so its no-op callback does not run) or prepare found work (the idle).
    //  Another watcher's callback that operates on this socket runs in a check like this one,
    //  maybe after it: the next prepare asks again, as it always does unless drained.
    bool signalled = ev_clear_pending(loop, &self->io) != 0 || self->signalled;
    self->signalled = false;
    bool ready = ev_is_active(&self->idle);
    ev_idle_stop(loop, &self->idle);
    if (!signalled && !ready)
        return;
    self->drained = false;
    int pending = s_pending(self);
    if (pending)
        self->fn(self, self->socket, pending, self->arg);
}

static void s_noop_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
}

static void s_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    //  Not reached while the check takes the event first (libev invokes the last queued
    //  first, and the checks are queued after the io events); if it is, the check asks.
    zwatch_t *self = w->data;
    self->signalled = true;
    self->drained = false;
}

void zwatch_drained(zwatch_t *self)
{
    self->drained = true;
}

zwatch_t *zwatch_new(struct ev_loop *loop, void *socket, int events, zwatch_fn *fn, void *arg)
{
    int fd = -1;
    size_t size = sizeof fd;
    if (zmq_getsockopt(socket, ZMQ_FD, &fd, &size) != 0)
        return NULL;
    zwatch_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    *self = (zwatch_t){.loop = loop, .socket = socket, .events = events, .fn = fn, .arg = arg};
    ev_prepare_init(&self->prepare, s_prepare_cb);
    ev_check_init(&self->check, s_check_cb);
    ev_idle_init(&self->idle, s_noop_cb);
    ev_io_init(&self->io, s_io_cb, fd, EV_READ);
    self->prepare.data = self->check.data = self->idle.data = self->io.data = self;
    ev_prepare_start(loop, &self->prepare);
    ev_check_start(loop, &self->check);
    ev_io_start(loop, &self->io);
    return self;
}

void zwatch_destroy(zwatch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zwatch_t *self = *self_p;
    ev_prepare_stop(self->loop, &self->prepare);
    ev_check_stop(self->loop, &self->check);
    ev_idle_stop(self->loop, &self->idle);
    ev_io_stop(self->loop, &self->io);
    free(self);
    *self_p = NULL;
}
