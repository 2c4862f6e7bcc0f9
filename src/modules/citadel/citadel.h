/*  citadel.h: the CITADEL module, the shell around citadel_core.h: every VENOM signal gets a
 *  verdict (score, label, multiplier, passed, reasons) on the bus, the events channel, the store. */
#ifndef BITTEN_CITADEL_H
#define BITTEN_CITADEL_H

#include <jansson.h>

#include "bitten/core.h"
#include "modules/citadel/citadel_core.h"

typedef struct citadel citadel_t;

/*  Reads citadel.* and restores the adaptive threshold from the store. NULL on a bad config. */
citadel_t *citadel_new(bitten_core_t *core);
void citadel_destroy(citadel_t **self_p);

/*  Fills *p from the citadel.* keys and validates it (also against VENOM's windows).
 *  0, or -1 with one line naming the problem in err. */
int citadel_params_from_config(const bitten_config_t *cfg, citadel_params_t *p, char *err,
                               size_t errlen);

/*  For the module table (--check-config): citadel_params_from_config on a throwaway struct,
 *  and citadel.evidence_seed_file read and parsed when set. */
int citadel_check_config(const bitten_config_t *cfg, char *err, size_t errlen);

/*  A reload: the scoring and threshold parameters (citadel.*) from cfg for the next verdict;
 *  the adaptive threshold's state and the evidence seed read at start stay. */
int citadel_reload(citadel_t *self, const bitten_config_t *cfg, char *err, size_t errlen);

/*  The "verdict" event / replay object: signal_id, symbol, score, label, multiplier, passed,
 *  reasons, confidence, threshold, tier, terms, and evidence {gate, closed, expectancy_r,
 *  lower_95_r, upper_95_r} when the evidence gate was asked. A new reference. */
json_t *citadel_verdict_json(const venom_signal_t *sig, const citadel_verdict_t *v);

/*  The bus payload for the fire router, pointing into sig and v (valid while they are). */
void citadel_verdict_event(const venom_signal_t *sig, const citadel_verdict_t *v,
                           bitten_verdict_event_t *out);

#endif
