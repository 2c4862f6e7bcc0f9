/*  bench_frames.h: the ingest benches' telemetry frame (one per simulated account i). */
#ifndef BENCH_FRAMES_H
#define BENCH_FRAMES_H

#include <stdio.h>
#include <string.h>

#include "bitten/proto.h"

/*  Account i's telemetry at `now`, encoded into buf; the byte count, or <= 0. */
static inline int bb_telemetry_frame(int i, bitten_ms_t now, char *buf, size_t cap)
{
    bitten_telemetry_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.uuid, sizeof t.uuid, "bench_ea_%05d", i);
    t.balance = 100000.0 + i;
    t.equity = 100000.0 + i * 0.5;
    t.margin = 250.0;
    t.has_margin = true;
    t.free_margin = t.equity - t.margin;
    t.has_free_margin = true;
    t.profit = 12.5;
    t.has_profit = true;
    t.timestamp = now;
    return bitten_encode_telemetry(&t, buf, cap);
}

#endif
