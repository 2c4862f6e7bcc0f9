/*  replay.h: `bittend --replay FILE [--outcomes]`: VENOM over a recorded file, no sockets, and
 *  the pure outcome rule that follows a signal forward through the same ticks (backtest). */
#ifndef BITTEN_VENOM_REPLAY_H
#define BITTEN_VENOM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bitten/config.h"
#include "bitten/proto.h"
#include "modules/venom/venom_core.h"

typedef enum {
    VENOM_REPORT_LINES, /* one JSON line per signal, then {"summary":{...}} */
    VENOM_REPORT_JSON,  /* only {"summary":{...}} with the full outcome report */
    VENOM_REPORT_TABLE  /* the outcome report as human tables */
} venom_report_t;

/*  Runs VENOM (params and venom.symbols from cfg) over the file at path and writes one
 *  compact JSON line per signal, then one {"summary":{...}} line, to out. The file is JSON
 *  lines of feedback frames (ticks fed in file order, candle_batch frames merged, other frames
 *  ignored), or CSV with a header: `timestamp,symbol,bid,ask` ticks, or
 *  `time,symbol,open,high,low,close[,volume]` bars expanded to four ticks each; CSV ticks are
 *  fed in time order (stable). A CSV is streamed in two passes (csv_order.h): memory does not
 *  grow with its rows when they are in time order (rows out of order are still fed sorted,
 *  holding the window they stray over, and one line on stderr names the first); it must be
 *  seekable. outcomes: follow each signal forward (outcome.h).
 *  Output depends only on the file and cfg. Returns 0, or -1 with one line in err when the
 *  file cannot be read or the configuration is not usable. */
int venom_replay_run(const bitten_config_t *cfg, const char *path, bool outcomes, FILE *out,
                     char *err, size_t errlen);

/*  venom_replay_run with a report form; JSON and TABLE imply outcomes. Each signal is followed
 *  by the trade follower (modules/venom/outcome.h, docs/venom.md "Cost model") while the file
 *  is read: nothing is kept per tick, only the open trades and the signals. */
int venom_replay_report(const bitten_config_t *cfg, const char *path, bool outcomes,
                        venom_report_t report, FILE *out, char *err, size_t errlen);

#endif
