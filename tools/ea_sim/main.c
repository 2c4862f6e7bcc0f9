/*  main.c: bitten-ea-sim, a simulated MetaTrader 5 EA over ZeroMQ: startup, shutdown, the summary.
 */
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

/* ---------------------------------------------------------------- main */

static void s_on_signal_handler(int signo)
{
    sim_stop_signal = signo;
}

static void s_print_summary(const sim_t *self)
{
    const sim_counters_t *n = &self->n;
    printf("{\"signals\":%ld,\"duplicates\":%ld,\"keepalives\":%ld,\"pings\":%ld,"
           "\"results_sent\":%ld,\"closed\":%ld,\"errors_sent\":%ld,\"ticks_sent\":%ld,"
           "\"telemetry_sent\":%ld,\"garbage_sent\":%ld,\"heartbeats_sent\":%ld,"
           "\"status_sent\":%ld,\"results_dropped\":%ld,\"invalid_frames\":%ld,\"ignored\":%ld,"
           "\"reconnects\":%ld,\"send_failed\":%ld,\"open_positions\":%zu,\"balance\":%.2f}\n",
           n->signals, n->duplicates, n->keepalives, n->pings, n->results_sent, n->closed,
           n->errors_sent, n->ticks_sent, n->telemetry_sent, n->garbage_sent, n->heartbeats_sent,
           n->status_sent, n->results_dropped, n->invalid_frames, n->ignored, n->reconnects,
           n->send_failed, self->pos_count, sim_round_to(self->balance, 2));
    fflush(stdout);
}

static void s_sim_destroy(sim_t *self)
{
    sim_sockets_close(self);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    self->ctx = NULL;
    for (size_t i = 0; i < self->out_count; i++)
        free(self->outbox[self->out_head + i].data);
    free(self->outbox);
    free(self->pos);
    free(self->seen);
    free(self->frame);
    bitten_symbols_destroy(&self->symbols);
    if (self->ticks.fp)
        fclose(self->ticks.fp);
    free(self->ticks.item.line);
    free(self->ticks.pool);
    free(self->ticks.pool_seq);
}

int main(int argc, char **argv)
{
    sim_t sim;
    memset(&sim, 0, sizeof sim);
    int rc = sim_parse_args(argc, argv, &sim.opt);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    sim_t *self = &sim;
    self->balance = self->opt.balance;
    self->next_ticket = SIM_FIRST_TICKET;
    self->rng = self->opt.seed;
    self->dopts.max_frame_bytes = SIM_DECODE_MAX;
    self->frame = calloc(1, sizeof *self->frame);
    self->symbols = bitten_symbols_new_defaults();
    if (!self->frame || !self->symbols || sim_seen_grow(self) != 0) {
        fprintf(stderr, "bitten-ea-sim: out of memory\n");
        s_sim_destroy(self);
        return 1;
    }
    if (self->opt.ticks_path && sim_ticks_open(self) != 0) {
        fprintf(stderr, "bitten-ea-sim: cannot open --ticks '%s': %s\n", self->opt.ticks_path,
                strerror(errno));
        s_sim_destroy(self);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: zmq_poll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (self->opt.dialect != SIM_DIALECT_CONTRACT) {
        //  A real EA's broker: the recorded symbol facts (USDCNH 4 digits, ...).
        self->ctx = zmq_ctx_new();
        rc = !self->ctx || sim_broker_apply(self->symbols) != 0 ? 1 : sim_dialect_run(self);
        s_sim_destroy(self);
        if (rc == 0)
            s_print_summary(self);
        return rc;
    }
    self->ctx = zmq_ctx_new();
    if (!self->ctx || sim_sockets_open(self) != 0) {
        fprintf(stderr, "bitten-ea-sim: cannot create sockets\n");
        s_sim_destroy(self);
        return 1;
    }
    self->start_mono = self->last_heard = sim_mono();
    self->startup_due = self->start_mono + SIM_STARTUP_DELAY_MS;
    sim_log(self, SIM_INFO, "ea_sim.start",
            "uuid=%s command=%s feedback=%s feedback_socket=%s balance=%.2f ea_version=%s "
            "ticks=%s",
            self->opt.uuid, self->opt.command_ep, self->opt.feedback_ep,
            self->opt.feedback_push ? "push" : "pub", self->balance, self->opt.ea_version,
            self->opt.ticks_path ? self->opt.ticks_path : "-");

    sim_run(self);

    if (self->startup_sent && !self->shutdown_sent) {
        sim_flush_outbox(self, sim_mono(), true);
        sim_send_status(self, BITTEN_EA_STATUS_SHUTDOWN);
        self->shutdown_sent = true;
    }
    sim_log(self, SIM_INFO, "ea_sim.stop", "why=%s signals=%ld duplicates=%ld",
            self->stop_why ? self->stop_why : "-", self->n.signals, self->n.duplicates);
    s_sim_destroy(self);
    s_print_summary(self);
    return 0;
}
