/*  outcome.c: the trade follower and its book (outcome.h). Pure: market time only. */
#include "modules/venom/outcome.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MS_PER_S 1000

void venom_follow_params_init(venom_follow_params_t *fp, const venom_params_t *p)
{
    memset(fp, 0, sizeof *fp);
    fp->max_hold_ms = p->max_hold_s > 0 ? (bitten_ms_t)p->max_hold_s * S_MS_PER_S : 0;
    fp->weekend_start_wday = p->weekend_start_wday;
    fp->weekend_start_hour = p->weekend_start_hour;
    fp->weekend_end_wday = p->weekend_end_wday;
    fp->weekend_end_hour = p->weekend_end_hour;
}

static bool s_closed_market(const venom_follow_params_t *fp, bitten_ms_t t)
{
    return venom_week_window(t, fp->weekend_start_wday, fp->weekend_start_hour,
                             fp->weekend_end_wday, fp->weekend_end_hour);
}

void venom_trade_open(venom_trade_t *t, const venom_signal_t *s, const bitten_symbol_t *sym,
                      double bid, double ask, bitten_ms_t at, const venom_follow_params_t *fp)
{
    memset(t, 0, sizeof *t);
    snprintf(t->signal_id, sizeof t->signal_id, "%s", s->signal_id);
    snprintf(t->symbol, sizeof t->symbol, "%s", s->symbol);
    t->direction = s->direction;
    t->pattern = s->pattern;
    t->session = s->session;
    t->rr = s->sl_pips > 0.0 ? s->tp_pips / s->sl_pips : NAN;
    bool buy = s->direction == VENOM_BUY;
    double sign = buy ? 1.0 : -1.0;
    t->entry = buy ? ask : bid;
    t->risk = s->sl_pips * sym->pip;
    t->sl = t->entry - sign * t->risk;
    t->tp = t->entry + sign * s->tp_pips * sym->pip;
    t->spread_at_entry = ask - bid;
    t->opened_at = at;
    t->deadline = fp->max_hold_ms > 0 ? at + fp->max_hold_ms : 0;
    t->mark = buy ? bid : ask;
    t->mark_at = at;
    t->kind = BITTEN_OUTCOME_OPEN;
    t->r = 0.0;
    t->exit = NAN;
}

static double s_r(const venom_trade_t *t, double exit)
{
    double move = t->direction == VENOM_BUY ? exit - t->entry : t->entry - exit;
    return t->risk > 0.0 ? move / t->risk : 0.0;
}

static bool s_close(venom_trade_t *t, bitten_outcome_kind_t kind, double exit, bitten_ms_t at)
{
    t->closed = true;
    t->kind = kind;
    t->exit = exit;
    t->closed_at = at;
    t->r = kind == BITTEN_OUTCOME_WIN ? t->rr : s_r(t, exit);
    if (kind == BITTEN_OUTCOME_LOSS && !t->both_in_bar)
        t->gap = t->direction == VENOM_BUY ? exit < t->sl : exit > t->sl;
    return true;
}

//  A quote's decision, on the exit side x (bid for a BUY, ask for a SELL).
static bool s_quote(venom_trade_t *t, bitten_ms_t ts, double x)
{
    bool buy = t->direction == VENOM_BUY;
    if (buy ? x <= t->sl : x >= t->sl)
        return s_close(t, BITTEN_OUTCOME_LOSS, x, ts);
    if (buy ? x >= t->tp : x <= t->tp)
        return s_close(t, BITTEN_OUTCOME_WIN, t->tp, ts);
    if (t->deadline && ts >= t->deadline)
        return s_close(t, BITTEN_OUTCOME_TIMEOUT, x, ts);
    t->mark = x;
    t->mark_at = ts;
    return false;
}

bool venom_trade_on_tick(venom_trade_t *t, const venom_follow_params_t *fp, bitten_ms_t ts,
                         double bid, double ask)
{
    if (t->closed)
        return true;
    if (ts < t->opened_at || s_closed_market(fp, ts) || !isfinite(bid) || !isfinite(ask))
        return false;
    return s_quote(t, ts, t->direction == VENOM_BUY ? bid : ask);
}

bool venom_trade_on_bar(venom_trade_t *t, const venom_follow_params_t *fp, bitten_ms_t start,
                        bitten_ms_t end, double o, double h, double l, double c, double spread)
{
    if (t->closed)
        return true;
    if (start < t->opened_at || s_closed_market(fp, start))
        return false;
    bool buy = t->direction == VENOM_BUY;
    double half = spread / 2.0, side = buy ? -half : half; /* exit side = mid + side */
    if (s_quote(t, start, o + side))
        return true;
    double lo = l + side, hi = h + side;
    bool sl_hit = buy ? lo <= t->sl : hi >= t->sl;
    bool tp_hit = buy ? hi >= t->tp : lo <= t->tp;
    if (sl_hit && tp_hit)
        t->both_in_bar = true;
    if (sl_hit)
        return s_close(t, BITTEN_OUTCOME_LOSS, t->sl, end);
    if (tp_hit)
        return s_close(t, BITTEN_OUTCOME_WIN, t->tp, end);
    if (t->deadline && end >= t->deadline)
        return s_close(t, BITTEN_OUTCOME_TIMEOUT, c + side, end);
    t->mark = c + side;
    t->mark_at = end;
    return false;
}

void venom_trade_mark(venom_trade_t *t)
{
    if (t->closed)
        return;
    t->kind = BITTEN_OUTCOME_OPEN;
    t->exit = t->mark;
    t->r = s_r(t, t->mark);
    t->closed_at = 0;
}

/* ================================================================ book */

typedef struct {
    size_t tag;
    venom_trade_t trade;
} s_entry_t;

struct venom_book {
    venom_follow_params_t fp;
    s_entry_t *items; /* open trades, oldest first */
    size_t count, cap;
};

venom_book_t *venom_book_new(const venom_follow_params_t *fp)
{
    venom_book_t *self = calloc(1, sizeof *self);
    if (self)
        self->fp = *fp;
    return self;
}

void venom_book_destroy(venom_book_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->items);
    free(*self_p);
    *self_p = NULL;
}

int venom_book_open(venom_book_t *self, size_t tag, const venom_signal_t *s,
                    const bitten_symbol_t *sym, double bid, double ask, bitten_ms_t at)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        s_entry_t *p = realloc(self->items, cap * sizeof *p);
        if (!p)
            return -1;
        self->items = p;
        self->cap = cap;
    }
    s_entry_t *e = &self->items[self->count++];
    e->tag = tag;
    venom_trade_open(&e->trade, s, sym, bid, ask, at, &self->fp);
    return 0;
}

//  Reports and removes closed trades, keeping the others' order.
static void s_sweep(venom_book_t *self, venom_book_fn *fn, void *ctx)
{
    size_t keep = 0;
    for (size_t i = 0; i < self->count; i++) {
        if (self->items[i].trade.closed) {
            if (fn)
                fn(ctx, self->items[i].tag, &self->items[i].trade);
            continue;
        }
        if (keep != i)
            self->items[keep] = self->items[i];
        keep++;
    }
    self->count = keep;
}

void venom_book_on_tick(venom_book_t *self, const char *symbol, bitten_ms_t ts, double bid,
                        double ask, bitten_ms_t opened_since, venom_book_fn *fn, void *ctx)
{
    bool any = false;
    for (size_t i = 0; i < self->count; i++) {
        venom_trade_t *t = &self->items[i].trade;
        if (t->opened_at < opened_since || strcmp(t->symbol, symbol) != 0)
            continue;
        any |= venom_trade_on_tick(t, &self->fp, ts, bid, ask);
    }
    if (any)
        s_sweep(self, fn, ctx);
}

void venom_book_on_bar(venom_book_t *self, const char *symbol, bitten_ms_t start,
                       bitten_ms_t end, double o, double h, double l, double c, double spread,
                       venom_book_fn *fn, void *ctx)
{
    bool any = false;
    for (size_t i = 0; i < self->count; i++) {
        venom_trade_t *t = &self->items[i].trade;
        if (t->opened_at >= start || strcmp(t->symbol, symbol) != 0)
            continue;
        any |= venom_trade_on_bar(t, &self->fp, start, end, o, h, l, c, spread);
    }
    if (any)
        s_sweep(self, fn, ctx);
}

void venom_book_mark_all(venom_book_t *self, venom_book_fn *fn, void *ctx)
{
    for (size_t i = 0; i < self->count; i++) {
        venom_trade_mark(&self->items[i].trade);
        if (fn)
            fn(ctx, self->items[i].tag, &self->items[i].trade);
    }
    self->count = 0;
}

size_t venom_book_open_count(const venom_book_t *self)
{
    return self->count;
}

size_t venom_book_bytes(const venom_book_t *self)
{
    return sizeof *self + self->cap * sizeof *self->items;
}

/* ================================================================ tracker */

typedef struct {
    const bitten_symbol_t *sym; /* in the tracker's copy of the table */
    double bid, ask;
    bitten_ms_t ts;
    bool seen;
} s_quote_t;

struct venom_tracker {
    venom_book_t *book;
    bitten_symbol_t *syms; /* copy of the table */
    s_quote_t *quotes;     /* one per symbol */
    size_t n_syms;
};

venom_tracker_t *venom_tracker_new(const venom_follow_params_t *fp, const bitten_symbols_t *symbols)
{
    venom_tracker_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->n_syms = bitten_symbols_count(symbols);
    self->book = venom_book_new(fp);
    self->syms = calloc(self->n_syms ? self->n_syms : 1, sizeof *self->syms);
    self->quotes = calloc(self->n_syms ? self->n_syms : 1, sizeof *self->quotes);
    if (!self->book || !self->syms || !self->quotes) {
        venom_tracker_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < self->n_syms; i++) {
        self->syms[i] = *bitten_symbols_at(symbols, i);
        self->quotes[i].sym = &self->syms[i];
    }
    return self;
}

void venom_tracker_destroy(venom_tracker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    venom_tracker_t *self = *self_p;
    venom_book_destroy(&self->book);
    free(self->syms);
    free(self->quotes);
    free(self);
    *self_p = NULL;
}

static s_quote_t *s_quote_of(venom_tracker_t *self, const char *symbol)
{
    for (size_t i = 0; i < self->n_syms; i++)
        if (strcmp(self->syms[i].name, symbol) == 0)
            return &self->quotes[i];
    return NULL;
}

void venom_tracker_on_tick(venom_tracker_t *self, const bitten_tick_t *tick, venom_book_fn *fn,
                           void *ctx)
{
    s_quote_t *q = s_quote_of(self, tick->symbol);
    if (!q || !isfinite(tick->bid) || !isfinite(tick->ask) || tick->bid <= 0.0 || tick->ask <= 0.0)
        return;
    venom_book_on_tick(self->book, tick->symbol, tick->timestamp, tick->bid, tick->ask, 0, fn, ctx);
    q->bid = tick->bid;
    q->ask = tick->ask;
    q->ts = tick->timestamp;
    q->seen = true;
}

int venom_tracker_on_signal(venom_tracker_t *self, size_t tag, const venom_signal_t *s)
{
    s_quote_t *q = s_quote_of(self, s->symbol);
    if (!q || !q->seen)
        return -1;
    return venom_book_open(self->book, tag, s, q->sym, q->bid, q->ask, q->ts);
}

void venom_tracker_finish(venom_tracker_t *self, venom_book_fn *fn, void *ctx)
{
    venom_book_mark_all(self->book, fn, ctx);
}

venom_book_t *venom_tracker_book(venom_tracker_t *self)
{
    return self->book;
}
