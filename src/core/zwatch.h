/*  zwatch.h: a libev watcher for one ZeroMQ socket (prepare + check + idle + io on ZMQ_FD).
 *  ZMQ_FD is edge-triggered, so readiness is read from ZMQ_EVENTS whenever it may have changed. */
#ifndef BITTEN_ZWATCH_H
#define BITTEN_ZWATCH_H

#include <ev.h>

typedef struct zwatch zwatch_t;

/*  Called when the socket has one of `events` (ZMQ_POLLIN/ZMQ_POLLOUT) pending. The callback
 *  handles at most its budget of frames and returns; if more are pending the watcher calls it
 *  again on the next loop iteration without blocking (the idle watcher keeps the loop awake). */
typedef void(zwatch_fn)(zwatch_t *watch, void *socket, int revents, void *arg);

zwatch_t *zwatch_new(struct ev_loop *loop, void *socket, int events, zwatch_fn *fn, void *arg);
void zwatch_destroy(zwatch_t **self_p);

/*  For a socket only this watcher's callback operates on: the callback read it until EAGAIN.
 *  libzmq has then just emptied the socket's command mailbox, so ZMQ_FD will signal anything
 *  new; until it does, the watcher does not ask ZMQ_EVENTS again (each ask of an idle socket
 *  is two system calls). Never for a socket that anything else sends on or reads. */
void zwatch_drained(zwatch_t *self);

#endif
