/*  csv_order.h: what lets `bittend --replay` stream a CSV in constant memory instead of reading
 *  it whole and sorting it. A first pass (bitten_csv_scan_t) finds how far the rows stray from
 *  time order and each symbol's bar spacing; the second pass feeds the rows through a reorder
 *  queue (bitten_csv_queue_t) that releases a tick as soon as no later row can come before it.
 *  The ticks come out exactly as a stable sort by time would give them; the queue holds only
 *  the ticks of the time window a row may still stray into (a file in time order: the rest of
 *  the bars that are still going on). Pure data structures, no I/O. */
#ifndef BITTEN_CSV_ORDER_H
#define BITTEN_CSV_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "replay/bars_csv.h"

#define BITTEN_CSV_DEFAULT_BAR_MS 60000 /* a symbol with a single bar: one minute */

/*  Grows *items (of size bytes each) to hold need, doubling *cap. 0, or -1 out of memory
 *  (*items kept). The replay's growable arrays. */
int bitten_replay_grow(void **items, size_t *cap, size_t need, size_t size);

/* ---------------------------------------------------------------- first pass */

typedef struct bitten_csv_scan_t bitten_csv_scan_t;

/*  kind: the file's; only bars count gaps (a tick file needs only its order). */
bitten_csv_scan_t *bitten_csv_scan_new(bitten_csv_kind_t kind);
void bitten_csv_scan_destroy(bitten_csv_scan_t **p);

/*  One accepted row, in file order; line: its line in the file. Returns 0, or -1 out of
 *  memory. The memory kept is one
 *  name per symbol and, for bars, one counter per distinct gap between a symbol's consecutive
 *  bars (a handful for real bars: the bar size, weekends, feed gaps), not one per row. */
int bitten_csv_scan_add(bitten_csv_scan_t *s, const bitten_csv_row_t *row, uint64_t line);

/*  The most any row's time lies before an earlier row's (0: the file is in time order), and
 *  the line of the first row that lies before an earlier one (0: none) with how much earlier
 *  it is than the latest row before it. */
bitten_ms_t bitten_csv_scan_lateness(const bitten_csv_scan_t *s);
uint64_t bitten_csv_scan_first_late(const bitten_csv_scan_t *s, bitten_ms_t *by);

/*  The symbol's bar spacing: the most frequent positive gap between its consecutive rows
 *  (ties: the shorter), so weekend and feed gaps do not count; BITTEN_CSV_DEFAULT_BAR_MS for
 *  a symbol with no gap or not seen. Counted once, on the first call after the last add. */
bitten_ms_t bitten_csv_scan_spacing(bitten_csv_scan_t *s, const char *symbol);

/* ---------------------------------------------------------------- reorder queue */

typedef struct bitten_csv_queue_t bitten_csv_queue_t;

/*  A min-queue of items of item_size bytes keyed (ts, seq); seq is unique and rises in file
 *  order, so equal times keep file order. lateness: the scan's. */
bitten_csv_queue_t *bitten_csv_queue_new(size_t item_size, bitten_ms_t lateness);
void bitten_csv_queue_destroy(bitten_csv_queue_t **p);

/*  Adds an item (copied). row_time: the time of the row it comes from (every item of a row
 *  is at or after it). Returns 0, or -1 out of memory. */
int bitten_csv_queue_push(bitten_csv_queue_t *q, bitten_ms_t row_time, bitten_ms_t ts, uint64_t seq,
                          const void *item);

/*  Takes the earliest item into out when no row still to come can precede it (every item
 *  when at_end); returns 1 when it did, 0 when there is none to take yet. */
int bitten_csv_queue_pop(bitten_csv_queue_t *q, int at_end, void *out);

/*  Items held now, and the most held at once. */
size_t bitten_csv_queue_count(const bitten_csv_queue_t *q);
size_t bitten_csv_queue_max(const bitten_csv_queue_t *q);

#endif
