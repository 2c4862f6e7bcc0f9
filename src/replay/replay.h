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

typedef enum { VENOM_OUTCOME_OPEN, VENOM_OUTCOME_WIN, VENOM_OUTCOME_LOSS } venom_outcome_kind_t;

typedef struct {
    venom_outcome_kind_t kind;
    double r;              /* +rr for WIN, -1 for LOSS, 0 while OPEN */
    bitten_ms_t closed_at; /* the deciding tick's time, 0 while OPEN */
} venom_outcome_t;

const char *venom_outcome_str(venom_outcome_kind_t kind); /* "OPEN" / "WIN" / "LOSS" */

/*  Follows s through `after` (the ticks that came after the signal's tick, in feed order):
 *  only ticks of s's symbol at or after created_at count. BUY: bid >= tp_price is WIN, bid <=
 *  sl_price is LOSS; SELL: ask <= tp_price is WIN, ask >= sl_price is LOSS (bid = ask = mid
 *  when a stream has no spread). The first tick that touches either decides; none: OPEN. */
venom_outcome_t venom_replay_outcome(const venom_signal_t *s, const bitten_tick_t *after, size_t n);

/*  Runs VENOM (params and venom.symbols from cfg) over the file at path and writes one
 *  compact JSON line per signal, then one {"summary":{...}} line, to out. The file is JSON
 *  lines of feedback frames (ticks fed in file order, candle_batch frames merged, other frames
 *  ignored), or CSV with a header: `timestamp,symbol,bid,ask` ticks, or
 *  `time,symbol,open,high,low,close[,volume]` bars expanded to four ticks each; CSV ticks are
 *  fed in time order (stable). outcomes: follow each signal forward (venom_replay_outcome).
 *  Output depends only on the file and cfg. Returns 0, or -1 with one line in err when the
 *  file cannot be read or the configuration is not usable. */
int venom_replay_run(const bitten_config_t *cfg, const char *path, bool outcomes, FILE *out,
                     char *err, size_t errlen);

#endif
