/*  xp_risk.h: the XP & risk module: account risk state from telemetry, heartbeats and fires, the
 *  risk gate and halts the fire router asks, XP awards and ranks, snapshots across restarts. */
#ifndef BITTEN_XP_RISK_H
#define BITTEN_XP_RISK_H

#include <stddef.h>

#include "bitten/config.h"
#include "bitten/core.h"
#include "modules/xp_risk/xp_risk_core.h"

typedef struct xp_risk xp_risk_t;

/*  Starts the module: reads risk.*, restores the latest snapshot of each account and the
 *  active halts from the store, sets the core's risk query. NULL on failure (logged). */
xp_risk_t *xp_risk_new(bitten_core_t *core);

/*  Writes a last snapshot of every changed account, then frees. Idempotent; NULLs *self_p. */
void xp_risk_destroy(xp_risk_t **self_p);

/*  Pure: combinations of risk_params_t the key ranges cannot express (warn below halt, alarm
 *  at or below block, the rate limit within the ring of fire times). 0, or -1 with why. */
int xp_risk_params_validate(const risk_params_t *p, char *why, size_t size);

/*  Reads every risk.* key of risk_params_t into *p and validates it. 0, or -1 with one line
 *  naming the keys in err. */
int xp_risk_params_from_config(const bitten_config_t *cfg, risk_params_t *p, char *err,
                               size_t errlen);

/*  For main.c's module table (--check-config). */
int xp_risk_check_config(const bitten_config_t *cfg, char *err, size_t errlen);

/*  A reload: the risk limits and XP awards (risk.*) from cfg, for the next decision. */
int xp_risk_reload(xp_risk_t *self, const bitten_config_t *cfg, char *err, size_t errlen);

#endif
