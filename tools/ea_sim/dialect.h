/*  dialect.h: what each real EA does with a command, as pure arithmetic (ea-dialects.md §3.4,
 *  §4.5, §5), and the recorded broker's symbol facts (§6). No sockets, unit-tested. */
#ifndef BITTEN_EA_SIM_DIALECT_H
#define BITTEN_EA_SIM_DIALECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/symbols.h"

typedef enum {
    SIM_DIALECT_CONTRACT, /* docs/protocol.md, the codec of src/proto */
    SIM_DIALECT_V7,       /* BITTENBridge ZMQ 7.01 */
    SIM_DIALECT_V205,     /* Universal EA v2.05 PRODUCTION */
    SIM_DIALECT_V202      /* Universal EA v2.02 */
} sim_dialect_t;

/*  "contract", "v7", "v2.05", "v2.02" <-> the enum. parse: 0, or -1 for another name. */
int sim_dialect_parse(const char *name, sim_dialect_t *out);
const char *sim_dialect_str(sim_dialect_t d);

/*  MQL5 NormalizeDouble: value rounded to digits decimals (half away from zero). */
double sim_normalize(double value, int digits);

/*  v7 ExecuteTrade's lot: lot <= 0 -> 0.01; NormalizeDouble(lot, 2); clamp to [min, max];
 *  MathFloor(v / step) * step on binary doubles; NormalizeDouble(, 2). Returns the executed
 *  volume, or -1 when it is <= 0 or below min ("Invalid lot size after normalization").
 *  Step 0.01: 0.29 -> 0.28. */
double sim_v7_lot(double lot, double min_lot, double max_lot, double step);

/*  v7 stop from a distance in points of the traded symbol, measured from the order price,
 *  rounded to its digits; 0 (no stop) when points <= 0. sl: below a buy, above a sell; tp the
 *  other way. */
double sim_v7_stop(bool buy, bool is_sl, double price, double points, double point, int digits);

/*  v2.x absolute stop: kept when on the right side of the order price (buy: sl < price < tp;
 *  sell: tp < price < sl) and > 0, else silently replaced by 0. */
double sim_v2_stop(bool buy, bool is_sl, double price, double value);

/*  v2.05 direction: "BUY" or "buy" buys, any other non-empty text sells; `side` only when
 *  direction is empty; with neither, the v2.02 rule on entry. */
bool sim_v205_is_buy(const char *direction, const char *side, double entry, double bid, double ask);

/*  v2.02 direction: entry == 0 buys, else buys only when entry is nearer the ask than the bid
 *  (a tie sells). */
bool sim_v202_is_buy(double entry, double bid, double ask);

/*  "YYYY.MM.DD HH:MM:SS" of a server time in seconds (TimeToString, TIME_DATE|TIME_SECONDS);
 *  out holds at least 20 bytes. */
void sim_server_time_str(int64_t server_s, char *out, size_t size);

/*  The recorded broker (§6): digits, point, median spread in points and a recorded bid. */
typedef struct {
    const char *name;
    int digits;
    double point;
    double spread_points;
    double bid;
} sim_broker_symbol_t;

/*  The broker fact of a canonical symbol name, or NULL. */
const sim_broker_symbol_t *sim_broker_symbol(const char *name);

/*  Puts the recorded broker's digits, point and spread over the shared table's entries (the
 *  real broker quotes USDCNH with 4 digits, the shared default assumes 5). 0, or -1. */
int sim_broker_apply(bitten_symbols_t *table);

#endif
