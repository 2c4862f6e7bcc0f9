/*  outcome.h: the trade follower: what a signal would have made, under the cost model a trader
 *  accepts (docs/venom.md "Cost model"). Pure and reusable: the replay feeds it recorded ticks
 *  or bars, a live tracker feeds it the live tick stream; the same calls give the same outcome.
 *  Market time only; memory is bounded by the open trades, never by the ticks seen. */
#ifndef BITTEN_VENOM_OUTCOME_H
#define BITTEN_VENOM_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/stats.h"
#include "bitten/symbols.h"
#include "modules/venom/venom_core.h"

/*  What the follower needs besides prices. */
typedef struct {
    bitten_ms_t max_hold_ms; /* venom.max_hold_s x 1000; 0 = no time-out */
    int weekend_start_wday, weekend_start_hour, weekend_end_wday, weekend_end_hour;
} venom_follow_params_t;

/*  From p->max_hold_s (venom.max_hold_s) and the engine's weekend window. */
void venom_follow_params_init(venom_follow_params_t *fp, const venom_params_t *p);

/*  One followed trade. Entry at the ask (BUY) or bid (SELL) of the quote it opens on; SL and
 *  TP are distances from that fill (as the EAs place them); a BUY exits at the bid, a SELL at
 *  the ask. R = (exit - entry) / SL distance, signed for the direction. */
typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1];
    venom_direction_t direction;
    venom_pattern_t pattern;
    venom_session_t session;
    double rr;         /* planned tp_pips / sl_pips */
    double entry;      /* the fill */
    double risk;       /* sl_pips x pip, price */
    double sl, tp;     /* prices, from the fill */
    double spread_at_entry; /* ask - bid of the opening quote, price */
    bitten_ms_t opened_at, deadline; /* deadline 0: none */
    double mark;       /* last exit-side price seen (bid BUY / ask SELL) */
    bitten_ms_t mark_at;
    bool closed;
    bitten_outcome_kind_t kind; /* OPEN until closed or marked */
    double r, exit;
    bitten_ms_t closed_at; /* 0 while OPEN */
    bool gap;              /* the stop was filled beyond its price */
    bool both_in_bar;      /* SL and TP inside one bar: booked as the SL (worst case) */
} venom_trade_t;

/*  Opens t on the quote (bid, ask) at time at. sym gives the pip. */
void venom_trade_open(venom_trade_t *t, const venom_signal_t *s, const bitten_symbol_t *sym,
                      double bid, double ask, bitten_ms_t at, const venom_follow_params_t *fp);

/*  One later quote of the trade's symbol. Ignored before opened_at and while the market is
 *  closed (weekend window). BUY: bid <= SL is a LOSS at that bid (a gap books the real loss),
 *  bid >= TP a WIN at TP; SELL alike on the ask. At or after the deadline: TIMEOUT at that
 *  quote (so a deadline inside a weekend closes at the first price after it). Returns true
 *  when the trade is closed. */
bool venom_trade_on_tick(venom_trade_t *t, const venom_follow_params_t *fp, bitten_ms_t ts,
                         double bid, double ask);

/*  One later bar [start, end) of mid prices with spread (ask - bid, price). The open is a quote
 *  (gap fills, time-out); then SL and TP both inside the bar: LOSS at SL (worst case, flagged
 *  both_in_bar); one of them: that one; the deadline inside the bar: TIMEOUT at the close.
 *  Bars starting in the weekend window are ignored. Returns true when closed. */
bool venom_trade_on_bar(venom_trade_t *t, const venom_follow_params_t *fp, bitten_ms_t start,
                        bitten_ms_t end, double o, double h, double l, double c, double spread);

/*  End of data: a trade still open becomes OPEN with R marked at its last exit-side price. */
void venom_trade_mark(venom_trade_t *t);

/* ---------------------------------------------------------------- a book of open trades */

typedef struct venom_book venom_book_t;

/*  Called once per trade that closes (or is marked OPEN by venom_book_mark_all); tag is the
 *  caller's id given to venom_book_open. The trade is removed from the book afterwards. */
typedef void(venom_book_fn)(void *ctx, size_t tag, const venom_trade_t *t);

venom_book_t *venom_book_new(const venom_follow_params_t *fp);
void venom_book_destroy(venom_book_t **self_p);

/*  0, or -1 when memory runs out. */
int venom_book_open(venom_book_t *self, size_t tag, const venom_signal_t *s,
                    const bitten_symbol_t *sym, double bid, double ask, bitten_ms_t at);

/*  Feeds a quote to the open trades of symbol opened at or after opened_since (0: all). */
void venom_book_on_tick(venom_book_t *self, const char *symbol, bitten_ms_t ts, double bid,
                        double ask, bitten_ms_t opened_since, venom_book_fn *fn, void *ctx);

/*  Feeds a bar to the open trades of symbol opened before start. */
void venom_book_on_bar(venom_book_t *self, const char *symbol, bitten_ms_t start,
                       bitten_ms_t end, double o, double h, double l, double c, double spread,
                       venom_book_fn *fn, void *ctx);

/*  Marks every trade still open (oldest first) and empties the book. */
void venom_book_mark_all(venom_book_t *self, venom_book_fn *fn, void *ctx);

size_t venom_book_open_count(const venom_book_t *self);
/*  Bytes the book holds: grows with the open trades only (the memory test reads it). */
size_t venom_book_bytes(const venom_book_t *self);

/* ---------------------------------------------------------------- the tracker */

/*  What a stream consumer (the replay over ticks, or a live module on the bus) calls: every
 *  quote, then every signal that quote made. A signal opens on its symbol's last quote (the
 *  one that made it: VENOM emits on the tick that closes an M1). The same calls in the same
 *  order give the same outcomes, replayed or live. Memory: the open trades plus one quote per
 *  symbol of the table. */
typedef struct venom_tracker venom_tracker_t;

venom_tracker_t *venom_tracker_new(const venom_follow_params_t *fp, const bitten_symbols_t *symbols);
void venom_tracker_destroy(venom_tracker_t **self_p);

/*  A quote: the open trades of its symbol see it, then it becomes the symbol's last quote.
 *  Quotes of unknown symbols or with bid/ask not finite and > 0 are ignored. */
void venom_tracker_on_tick(venom_tracker_t *self, const bitten_tick_t *tick, venom_book_fn *fn,
                           void *ctx);

/*  Opens a trade for s (tag: the caller's id) at its symbol's last quote. 0; -1 when the
 *  symbol has no quote yet or is unknown (not followed) or memory runs out. */
int venom_tracker_on_signal(venom_tracker_t *self, size_t tag, const venom_signal_t *s);

/*  End of the stream: every trade still open is marked to market (OPEN) and reported. */
void venom_tracker_finish(venom_tracker_t *self, venom_book_fn *fn, void *ctx);

venom_book_t *venom_tracker_book(venom_tracker_t *self);

#endif
