/*  fire_reconcile.h: positions of EAs that never report a close (EA v7: OnTrade() is empty),
 *  reconciled from what they do say: the `positions` count of their heartbeats and the answer
 *  to our own close / close_all. Pure functions over plain structs (docs/protocol-notes.md,
 *  "v7 closes"); the fire router applies what they decide. What cannot be known, the profit of
 *  such a close, is left unknown: the fire becomes CLOSED without a profit. */
#ifndef BITTEN_FIRE_RECONCILE_H
#define BITTEN_FIRE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/proto.h"
#include "bitten/trading.h"

/*  True for the dialects whose EA never reports a close, SL/TP hit, stop-out or manual close
 *  (v7), so their FILLED opening fires are reconciled here. */
bool fire_recon_applies(bitten_dialect_t dialect);

/*  One account's heartbeat evidence. Zero = nothing seen (fire_recon_init). */
typedef struct {
    int zero_streak;           /* heartbeats in a row reporting 0 positions since the last fill */
    int64_t warned_positions;  /* the partial mismatch last reported (-1: none) ... */
    size_t warned_filled;      /* ... with this many FILLED fires */
} fire_recon_t;

void fire_recon_init(fire_recon_t *r);

/*  A fill of one of the account's opening fires: heartbeats received before it may have been
 *  counted before the position existed, so the streak starts again. */
void fire_recon_fill(fire_recon_t *r);

typedef enum {
    FIRE_RECON_NOTHING,      /* nothing FILLED, or at least as many positions as FILLED fires */
    FIRE_RECON_WAIT,         /* 0 positions, not yet confirm_n heartbeats in a row */
    FIRE_RECON_CLOSE_ALL,    /* 0 positions confirm_n times in a row: every FILLED one closed */
    FIRE_RECON_PARTIAL,      /* 0 < positions < FILLED: some closed, which is unknown (new) */
    FIRE_RECON_PARTIAL_SEEN  /* the same partial mismatch as last reported */
} fire_recon_action_t;

const char *fire_recon_action_str(fire_recon_action_t a); /* "NOTHING", ... */

/*  One heartbeat of the account: `positions` is the EA's count of ALL the account's positions
 *  (any magic number: a human trade raises it), `filled` the account's FILLED opening fires.
 *  A heartbeat without a count breaks a streak. confirm_n < 1 counts as 1. The only close it
 *  decides is "all" at 0 positions: then no position of any kind is open, so none of ours is,
 *  whatever netting, human trades or stale frames did. A lower count that is not 0 closes
 *  nothing (which of our fires closed is not in the frame): PARTIAL once per mismatch, for the
 *  log; those fires stay FILLED (the risk gate counts them: fails closed). */
fire_recon_action_t fire_recon_heartbeat(fire_recon_t *r, bool has_positions, int64_t positions,
                                         size_t filled, int confirm_n);

/*  What the EA's answer to one of our own close commands proves closed. */
typedef enum {
    FIRE_RECON_SCOPE_NONE,   /* nothing */
    FIRE_RECON_SCOPE_SYMBOL, /* the account's FILLED opening fires on the close's symbol */
    FIRE_RECON_SCOPE_ALL     /* every FILLED opening fire of the account */
} fire_recon_scope_t;

/*  v7 answers a close with "Closed N positions" (success; close_all always, even N = 0) after
 *  trying PositionClose on each of its positions (magic 20250101) on the symbol, or on all:
 *  N counts the closes that succeeded, a failed one stays open and is not reported. So the
 *  answer proves the account's in_scope FILLED fires closed only when N >= in_scope (v7's
 *  magic is ours: its positions are our fires); a smaller N (some close failed, or a stop hit
 *  one before) proves nothing about which (the heartbeats decide). The error "No positions
 *  found for S" proves nothing either (every close may have failed). Returns SYMBOL for a
 *  close, ALL for a close_all, else NONE; *n (may be NULL) gets N, -1 when not said. */
fire_recon_scope_t fire_recon_close_answer(bitten_dialect_t dialect, bitten_action_t close_action,
                                           bool success, const char *message, size_t in_scope,
                                           int64_t *n);

/*  N of v7's "Closed N positions" (exactly that text), or -1. */
int64_t fire_recon_closed_count(const char *message);

/*  True when scope (with the close's symbol for SYMBOL) closes fire f of account uuid: an
 *  opening fire (buy/sell), FILLED, of that account (and on that symbol). */
bool fire_recon_closes(const bitten_fire_rec_t *f, const char *uuid, fire_recon_scope_t scope,
                       const char *symbol);

#endif
