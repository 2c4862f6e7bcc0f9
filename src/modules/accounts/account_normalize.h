/*  account_normalize.h: what a real EA's frame means for its account, as a pure function over
 *  plain structs (issue 13 §4, §5): broker symbol names -> canonical (the broker's name kept
 *  for the wire), broker server time -> UTC with the account's offset (pinned in config, else
 *  learned from the live tick stream with bitten_offset_observe), and the dialect seen. The
 *  accounts module calls it from the core's `normalize` hook (accounts.c). No I/O. */
#ifndef BITTEN_ACCOUNT_NORMALIZE_H
#define BITTEN_ACCOUNT_NORMALIZE_H

#include <stdbool.h>

#include "bitten/dialect.h"
#include "bitten/proto.h"
#include "bitten/symbols.h"
#include "bitten/trading.h"

/*  One account's learned state: its broker names and its server clock. Plain data. */
typedef struct {
    bool ready;              /* map filled with the canonical table and the configured affixes */
    bitten_symbol_map_t map; /* canonical = the symbol table; broker = names the EA reported */
    bitten_offset_est_t est;
} account_norm_t;

/*  What one frame taught, for the shell to log and store. */
typedef struct {
    bitten_offset_event_t offset_event; /* LEARNED / CHANGED: log INFO / WARN */
    int offset_s, previous_s;
    bool learned_name; /* canonical <- broker: put_symbol it (broker name for the wire) */
    char canonical[BITTEN_SYMBOL_MAX + 1], broker[BITTEN_SYMBOL_MAX + 1];
} account_norm_news_t;

/*  Prepares st for acc: the canonical names of symbols, acc's prefix/suffix rule (if any), the
 *  pinned offset (if any) as known. Returns 0, or -1 when the affix is invalid. */
int account_norm_init(account_norm_t *st, const bitten_account_t *acc,
                      const bitten_symbols_t *symbols);

/*  Whether account_norm_frame changes frames of this dialect: the EA dialects (V7 / V2.05 /
 *  V2.02). For the others it returns 0 at once and never reads st, so an account that only
 *  ever sends contract frames needs no account_norm_t (~3.5 KB: the accounts module makes
 *  one on the account's first EA frame). */
bool account_norm_applies(bitten_dialect_t dialect);

/*  Normalizes one attributed frame of an EA dialect (V7 / V2.05 / V2.02) in place; contract
 *  frames are left as they are (protocol.md: UTC and canonical already). The core decodes EA
 *  frames with server_utc_offset_s 0, so their stamps are the broker's wall clock read as UTC:
 *    - tick / candle_batch: the symbol becomes canonical (unknown -> -1 UNKNOWN_SYMBOL, two
 *      candidates -> SYMBOL_AMBIGUOUS); the broker's name is learned. Their stamps are live
 *      samples of the server clock (tick only) and become UTC with the account's offset; while
 *      no offset is pinned or learned they keep their stamps and carry
 *      BITTEN_FRAME_F_TIME_UNKNOWN: their prices are a quote, but VENOM must not see a market
 *      3 h in the future, so it leaves them out.
 *    - handshake: its symbol_list is learned; heartbeat / trade_result / handshake / status /
 *      pong / error stamps become UTC when the offset is known (else kept: display only).
 *  st may be NULL when !account_norm_applies(frame->dialect). Returns 0, or -1 with *reason. */
int account_norm_frame(account_norm_t *st, const bitten_account_t *acc, bitten_frame_t *frame,
                       bitten_ms_t recv_wall_ms, account_norm_news_t *news,
                       bitten_reason_t *reason);

/*  Symbol digits from quotes (issue 13 §4): no EA sends its symbols' digits, but its prices
 *  are evidence. The decimals of a price are those of the shortest text that reads back as
 *  the same double ("7.1180" and "7.118" are one double: 3), 0..ACCOUNT_DIGITS_MAX, or -1 (not
 *  finite, <= 0, or more decimals than that). That is a lower bound of the broker's digits: an
 *  EA prints at most SYMBOL_DIGITS decimals (v2.x exactly that many, v7 always 5), and a
 *  trailing zero hides one, so the digits are raised by it, never lowered. */
#define ACCOUNT_DIGITS_MAX 8
int account_price_decimals(double price);

/*  The digits after one quote: max(current, decimals of bid, decimals of ask). */
int account_digits_evidence(int current, double bid, double ask);

#endif
