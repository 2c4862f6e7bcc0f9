/*  venom.h: the VENOM module, the shell around the pure core (venom_core.h): ticks and candle
 *  batches in from the bus; signals out on the bus, the events channel and the log; its config. */
#ifndef BITTEN_VENOM_H
#define BITTEN_VENOM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bitten/core.h"
#include "bitten/symbols.h"
#include "modules/venom/venom_core.h"

typedef struct venom venom_t;

/*  The narrow query VENOM provides on the core as "venom.context" (bitten_core_lookup): the
 *  market context of a symbol for CITADEL. Filled pointers stay valid until the next tick. */
#define VENOM_QUERY_CONTEXT "venom.context"
typedef struct {
    void *self;
    int (*context)(void *self, const char *symbol, venom_context_t *out); /* 0, or -1 unknown */
} venom_query_t;

/*  Builds the params from the venom.* keys, the default symbol table and the engine, and
 *  subscribes to feedback.tick and feedback.candle_batch. NULL (logged) on a bad config. */
venom_t *venom_new(bitten_core_t *core);
void venom_destroy(venom_t **self_p);

/*  Fills *p from the venom.* keys (one key per field of venom_params_t) and validates it.
 *  Returns 0, or -1 with a one-line reason in err. */
int venom_params_from_config(const bitten_config_t *cfg, venom_params_t *p, char *err,
                             size_t errlen);

/*  Checks that every symbol of venom.symbols is in the table. 0, or -1 naming it in err. */
int venom_check_symbols(const bitten_config_t *cfg, const bitten_symbols_t *symbols, char *err,
                        size_t errlen);

/*  True when venom.symbols is empty or lists symbol. */
bool venom_symbol_selected(const bitten_config_t *cfg, const char *symbol);

/*  The "signal" event: every field of venom.md's Output list, times as ISO-8601 (UTC, ms).
 *  A new reference. */
json_t *venom_signal_json(const venom_signal_t *s);

/*  Adds the engine counters to obj: ticks, signals, drops, evaluations, skips, detections,
 *  below_min_confidence, rate_blocked (the same names in `status` and the replay summary). */
void venom_stats_json(const venom_stats_t *st, json_t *obj);

#endif
