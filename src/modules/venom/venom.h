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

/*  Builds the params from the venom.* keys, the default symbol table and the engine, and
 *  subscribes to feedback.tick and feedback.candle_batch. Each signal is published as a
 *  venom_signal_event_t (with its market context). NULL (logged) on a bad config. */
venom_t *venom_new(bitten_core_t *core);
void venom_destroy(venom_t **self_p);

/*  Config reload: applies the venom.* keys that can change live (venom_params_live_keys) to
 *  the engine; the others keep their start-up values. 0, or -1 with err (nothing applied). */
int venom_reload(venom_t *self, const bitten_config_t *cfg, char *err, size_t errlen);

/*  Fills *p from the venom.* keys (one key per field of venom_params_t) and validates it.
 *  Returns 0, or -1 with a one-line reason in err. */
int venom_params_from_config(const bitten_config_t *cfg, venom_params_t *p, char *err,
                             size_t errlen);

/*  Checks that every symbol of venom.symbols is in the table. 0, or -1 naming it in err. */
int venom_check_symbols(const bitten_config_t *cfg, const bitten_symbols_t *symbols, char *err,
                        size_t errlen);

/*  venom.symbols, copied once at start so no tick reads the config. */
typedef struct venom_selection venom_selection_t;

/*  NULL when memory runs out. */
venom_selection_t *venom_selection_new(const bitten_config_t *cfg);
void venom_selection_destroy(venom_selection_t **self_p);

/*  True when venom.symbols was empty or lists symbol. */
bool venom_selection_has(const venom_selection_t *self, const char *symbol);

/*  Symbols listed (0: all are selected). */
size_t venom_selection_count(const venom_selection_t *self);

/*  The "signal" event: every field of venom.md's Output list, times as ISO-8601 (UTC, ms).
 *  A new reference. */
json_t *venom_signal_json(const venom_signal_t *s);

/*  Adds the engine counters to obj: ticks, signals, drops, evaluations, skips, detections,
 *  below_min_confidence, rate_blocked (the same names in `status` and the replay summary). */
void venom_stats_json(const venom_stats_t *st, json_t *obj);

#endif
