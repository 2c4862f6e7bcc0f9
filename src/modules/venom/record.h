/*  record.h: the outcome record of VENOM's signals as JSON: the report figures of one
 *  bitten_rstats_t (shared by the replay report and the live record), and the live record per
 *  pattern with its compact form for the store (docs/venom.md "Live outcome record"). */
#ifndef BITTEN_VENOM_RECORD_H
#define BITTEN_VENOM_RECORD_H

#include <jansson.h>

#include "bitten/stats.h"
#include "modules/venom/outcome.h"

#define VENOM_REPORT_EDGE_R 0.1 /* the edge a report sizes its sample for */

/*  {"count", "closed", "wins", "losses", "timeouts", "open", "win_rate", "win_rate_95",
 *   "expectancy_r", "expectancy_r_95", "sd_r", "avg_rr", "breakeven_win_rate", "open_mark_r",
 *   "trades_for_0_1r_edge"}: numbers rounded to 4 decimals, null when undefined. */
json_t *venom_rstats_json(const bitten_rstats_t *st);

/*  A number rounded to 4 decimals, null when not finite. */
json_t *venom_json_num4(double x);

/*  Real fills beside the shadow entries: per pattern, the entry slippage of every fill the
 *  fire router reported for a signal VENOM followed. Adverse is positive (a BUY filled above
 *  its shadow entry, a SELL below), in pips and in R (pips / the signal's SL pips). */
typedef struct {
    uint64_t n;
    double sum_pips, sum_pips2, sum_r;
} venom_fills_t;

/*  The live record: closed outcomes per pattern (OPEN is not recorded: a trade still open is
 *  in the tracker, and a restart loses it, counted as `lost_open`), and the real fills. */
typedef struct {
    bitten_rstats_t pattern[VENOM_PATTERN_COUNT];
    uint64_t lost_open; /* open trades dropped by restarts */
    venom_fills_t fills[VENOM_PATTERN_COUNT];
    uint64_t fills_unmatched; /* fills of signals no longer (or never) followed here */
} venom_record_t;

void venom_record_add(venom_record_t *r, const venom_trade_t *t);

/*  Entry slippage in pips, adverse positive: BUY (fill - shadow) / pip, SELL (shadow - fill)
 *  / pip. NAN when an input is not finite or pip <= 0. */
double venom_slippage_pips(venom_direction_t d, double shadow_entry, double fill, double pip);

/*  Adds one fill's slippage to pattern p (slip_pips finite, sl_pips > 0; else nothing). */
void venom_record_add_fill(venom_record_t *r, venom_pattern_t p, double slip_pips, double sl_pips);

/*  {"overall": {...}, "pattern": {NAME: {...}}, "lost_open": n, "fills": {NAME: {"n",
 *  "slippage_pips_mean", "slippage_pips_95", "slippage_r_mean"}}, "fills_unmatched": n} */
json_t *venom_record_json(const venom_record_t *r);

/*  The sums as text for the store, and back. load: 0, or -1 (r unchanged) on bad text. */
char *venom_record_dump(const venom_record_t *r);
int venom_record_load(venom_record_t *r, const char *text);

#endif
