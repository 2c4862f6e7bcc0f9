/*  trading.c: positions: open, close, close_all, auto-close and SL/TP hits. */
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

/* ---------------------------------------------------------------- trading */

static void s_result_init(const sim_t *self, bitten_trade_result_t *r, const char *signal_id,
                          bitten_result_status_t status, const char *message)
{
    memset(r, 0, sizeof *r);
    snprintf(r->signal_id, sizeof r->signal_id, "%s", signal_id);
    snprintf(r->uuid, sizeof r->uuid, "%s", self->opt.uuid);
    snprintf(r->message, sizeof r->message, "%s", message);
    r->status = status;
    r->timestamp = sim_wall();
}

static void s_result_account(const sim_t *self, bitten_trade_result_t *r)
{
    r->balance = sim_round_to(self->balance, 2);
    r->equity = sim_equity(self);
    r->margin = sim_margin(self);
    r->has_balance = r->has_equity = r->has_margin = true;
}

void sim_reply_failed(sim_t *self, const bitten_signal_cmd_t *sig, const char *message)
{
    bitten_trade_result_t r;
    s_result_init(self, &r, sig->signal_id, BITTEN_RESULT_FAILED, message);
    s_result_account(self, &r);
    sim_log(self, SIM_INFO, "trade.failed", "signal_id=%s symbol=%s reason=\"%s\"", sig->signal_id,
            sig->symbol, message);
    sim_send_result(self, &r);
}

sim_position_t *sim_position_new(sim_t *self, const char *symbol, const char *signal_id, bool buy,
                                 double lot, double price)
{
    if (self->pos_count == self->pos_cap) {
        size_t cap = self->pos_cap ? self->pos_cap * 2 : 16;
        sim_position_t *grown = realloc(self->pos, cap * sizeof *grown);
        if (!grown)
            return NULL;
        self->pos = grown;
        self->pos_cap = cap;
    }
    sim_position_t *p = &self->pos[self->pos_count++];
    memset(p, 0, sizeof *p);
    p->ticket = self->next_ticket++;
    snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
    snprintf(p->signal_id, sizeof p->signal_id, "%s", signal_id);
    p->dir = buy ? 1 : -1;
    p->lot = lot;
    p->open_price = price;
    p->opened_mono = sim_mono();
    return p;
}

void sim_open(sim_t *self, const bitten_signal_cmd_t *sig)
{
    if (self->opt.reject_symbol && strcmp(self->opt.reject_symbol, sig->symbol) == 0) {
        char msg[BITTEN_TEXT_MAX + 1];
        snprintf(msg, sizeof msg, "Symbol %s is not tradable", sig->symbol);
        sim_reply_failed(self, sig, msg);
        return;
    }
    if (self->opt.fail_rate > 0 && sim_rng_unit(self) < self->opt.fail_rate) {
        sim_reply_failed(self, sig, "Trade failed: simulated broker rejection (retcode 10006)");
        return;
    }
    sim_position_t *p =
        sim_position_new(self, sig->symbol, sig->signal_id, sig->action == BITTEN_ACTION_BUY,
                         sig->lot, sim_fill_price(self, sig->symbol));
    if (!p) {
        sim_reply_failed(self, sig, "Trade failed: simulator out of memory");
        return;
    }
    p->sl = sig->sl;
    p->tp = sig->tp;

    bitten_trade_result_t r;
    s_result_init(self, &r, sig->signal_id, BITTEN_RESULT_SUCCESS, "Trade executed successfully");
    r.ticket = p->ticket;
    r.has_ticket = true;
    r.price = p->open_price;
    r.has_price = true;
    r.lot = p->lot;
    r.has_lot = true;
    s_result_account(self, &r);
    sim_log(self, SIM_INFO, "position.opened",
            "ticket=%" PRId64 " signal_id=%s symbol=%s side=%s lot=%.2f price=%.*f", p->ticket,
            p->signal_id, p->symbol, p->dir > 0 ? "buy" : "sell", p->lot,
            sim_spec(self, p->symbol)->digits, p->open_price);
    sim_send_result(self, &r);
}

/*  Pips in the position's favour at the last replayed mid, or --close-move-pips without one. */
static double s_move_pips(const sim_t *self, const sim_position_t *p)
{
    double mid;
    if (!sim_mid_get(self, p->symbol, &mid))
        return self->opt.close_move_pips;
    return (mid - p->open_price) * p->dir / sim_spec(self, p->symbol)->pip;
}

/*  Closes pos[index] at the market (the last replayed mid; --close-move-pips from the fill when
 *  no ticks are replayed), capped by its sl/tp as a broker would fill them, and reports it. */
static double s_close_at(sim_t *self, size_t index, const char *why)
{
    sim_position_t p = self->pos[index];
    const bitten_symbol_t *spec = sim_spec(self, p.symbol);
    double move = s_move_pips(self, &p); /* pips in the position's favour */
    if (p.tp > 0 && move > (double)p.tp / 10.0)
        move = (double)p.tp / 10.0;
    if (p.sl > 0 && -move > (double)p.sl / 10.0)
        move = -(double)p.sl / 10.0;
    double close_price = sim_round_to(p.open_price + p.dir * move * spec->pip, spec->digits);
    double profit = sim_round_to(move * spec->pip_value * p.lot, 2);
    self->balance += profit;
    memmove(self->pos + index, self->pos + index + 1,
            (self->pos_count - index - 1) * sizeof *self->pos);
    self->pos_count--;
    self->n.closed++;

    char msg[BITTEN_TEXT_MAX + 1];
    snprintf(msg, sizeof msg, "Position closed (%s)", why);
    bitten_trade_result_t r;
    s_result_init(self, &r, p.signal_id, BITTEN_RESULT_CLOSED, msg);
    r.ticket = p.ticket;
    r.has_ticket = true;
    r.price = p.open_price;
    r.has_price = true;
    r.close_price = close_price;
    r.has_close_price = true;
    r.profit = profit;
    r.has_profit = true;
    r.lot = p.lot;
    r.has_lot = true;
    s_result_account(self, &r);
    sim_log(self, SIM_INFO, "position.closed",
            "ticket=%" PRId64 " signal_id=%s symbol=%s profit=%.2f close_price=%.*f balance=%.2f "
            "why=%s",
            p.ticket, p.signal_id, p.symbol, profit, spec->digits, close_price, self->balance, why);
    sim_send_result(self, &r);
    return profit;
}

/*  close / close_all: closes matching positions, then answers the close signal itself. */
void sim_close(sim_t *self, const bitten_signal_cmd_t *sig)
{
    bool all = sig->action == BITTEN_ACTION_CLOSE_ALL;
    size_t closed = 0;
    double lots = 0.0;
    for (size_t i = 0; i < self->pos_count;) {
        if (all || strcmp(self->pos[i].symbol, sig->symbol) == 0) {
            lots += self->pos[i].lot;
            s_close_at(self, i, all ? "close_all" : "close");
            closed++;
        } else {
            i++;
        }
    }
    if (self->opt.no_close_ack)
        return;
    char msg[BITTEN_TEXT_MAX + 1];
    if (closed == 0) {
        snprintf(msg, sizeof msg, "No open positions%s%s", all ? "" : " on ",
                 all ? "" : sig->symbol);
        sim_reply_failed(self, sig, msg);
        return;
    }
    snprintf(msg, sizeof msg, "Closed %zu position(s)", closed);
    bitten_trade_result_t r;
    s_result_init(self, &r, sig->signal_id, BITTEN_RESULT_SUCCESS, msg);
    r.lot = sim_round_to(lots, 2);
    r.has_lot = true;
    s_result_account(self, &r);
    sim_send_result(self, &r);
}

void sim_auto_close(sim_t *self, int64_t now)
{
    if (self->opt.auto_close_s <= 0)
        return;
    int64_t hold = (int64_t)(self->opt.auto_close_s * 1000.0);
    for (size_t i = 0; i < self->pos_count;) {
        if (now - self->pos[i].opened_mono >= hold)
            s_close_at(self, i, "auto_close");
        else
            i++;
    }
}

/*  As a broker does: a replayed price that reaches a position's SL or TP closes it there. */
void sim_check_stops(sim_t *self, const char *symbol)
{
    for (size_t i = 0; i < self->pos_count;) {
        const sim_position_t *p = &self->pos[i];
        double move = strcmp(p->symbol, symbol) == 0 ? s_move_pips(self, p) : 0.0;
        bool hit_tp = p->tp > 0 && move >= (double)p->tp / 10.0;
        bool hit_sl = p->sl > 0 && -move >= (double)p->sl / 10.0;
        if (hit_tp || hit_sl)
            s_close_at(self, i, hit_tp ? "take_profit" : "stop_loss");
        else
            i++;
    }
}
