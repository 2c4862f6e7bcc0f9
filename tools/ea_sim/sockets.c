/*  sockets.c: the command and feedback sockets, CURVE, the v7-style silence reconnect. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <czmq.h>
#include <zmq.h>

#include "sim.h"

/* ---------------------------------------------------------------- sockets */

void sim_sockets_close(sim_t *self)
{
    if (self->pull)
        zmq_close(self->pull);
    if (self->push)
        zmq_close(self->push);
    self->pull = self->push = NULL;
}

/*  CURVE client: the server's public key, and this EA's own key pair (its certificate's
 *  metadata names the account bittend will hold it to). */
static int s_curve_apply(sim_t *self, void *sock)
{
    zcert_t *server = zcert_load(self->opt.curve_server);
    zcert_t *mine = self->opt.curve_cert ? zcert_load(self->opt.curve_cert) : NULL;
    int rc = -1;
    if (server && mine) {
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, zcert_public_key(server), 32);
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, zcert_public_key(mine), 32);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, zcert_secret_key(mine), 32);
        rc = 0;
    } else
        sim_log(self, SIM_ERROR, "curve.failed", "server_cert=%s cert=%s", self->opt.curve_server,
                self->opt.curve_cert ? self->opt.curve_cert : "-");
    zcert_destroy(&server);
    zcert_destroy(&mine);
    return rc;
}

static void *s_socket(sim_t *self, int type, const char *endpoint)
{
    void *sock = zmq_socket(self->ctx, type);
    if (!sock)
        return NULL;
    int linger = SIM_LINGER_MS;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (self->opt.curve_server && s_curve_apply(self, sock) != 0) {
        zmq_close(sock);
        return NULL;
    }
    if (zmq_connect(sock, endpoint) != 0) {
        sim_log(self, SIM_ERROR, "connect.failed", "endpoint=%s error=\"%s\"", endpoint,
                zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

int sim_sockets_open(sim_t *self)
{
    self->pull = s_socket(self, ZMQ_PULL, self->opt.command_ep);
    self->push =
        s_socket(self, self->opt.feedback_push ? ZMQ_PUSH : ZMQ_PUB, self->opt.feedback_ep);
    if (!self->pull || !self->push) {
        sim_sockets_close(self);
        return -1;
    }
    return 0;
}

/*  EA v7: nothing heard on the command channel for a while -> tear down and reconnect. */
int sim_reconnect(sim_t *self, int64_t now)
{
    sim_log(self, SIM_WARN, "reconnect", "silent_s=%.1f",
            (double)(now - self->last_heard) / 1000.0);
    sim_sockets_close(self);
    if (sim_sockets_open(self) != 0)
        return -1;
    self->n.reconnects++;
    self->last_heard = now;
    self->reconnected_due = now + SIM_STARTUP_DELAY_MS;
    return 0;
}
