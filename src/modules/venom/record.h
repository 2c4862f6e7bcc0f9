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

/*  The live record: closed outcomes per pattern (OPEN is not recorded: a trade still open is
 *  in the tracker, and a restart loses it, counted as `lost_open`). */
typedef struct {
    bitten_rstats_t pattern[VENOM_PATTERN_COUNT];
    uint64_t lost_open; /* open trades dropped by restarts */
} venom_record_t;

void venom_record_add(venom_record_t *r, const venom_trade_t *t);

/*  {"overall": {...}, "pattern": {NAME: {...}}, "lost_open": n} */
json_t *venom_record_json(const venom_record_t *r);

/*  The sums as text for the store, and back. load: 0, or -1 (r unchanged) on bad text. */
char *venom_record_dump(const venom_record_t *r);
int venom_record_load(venom_record_t *r, const char *text);

#endif
