/*  accounts.h: the accounts module, the one owner of "who is this account": it creates the
 *  accounts (config `accounts` section at start, `default_account.*` on first telemetry, at
 *  most default_account.max_auto_created of those), keeps the store's accounts table, and
 *  answers everyone else through the core's accounts query (bitten/core.h). */
#ifndef BITTEN_ACCOUNTS_H
#define BITTEN_ACCOUNTS_H

#include "bitten/core.h"

typedef struct accounts accounts_t;

/*  Starts the module: loads and stores the configured accounts, sets the accounts query.
 *  NULL on failure (logged). Must start before the modules that ask it. */
accounts_t *accounts_new(bitten_core_t *core);
void accounts_destroy(accounts_t **self_p);

/*  Validates the accounts section and the default_account keys (for --check-config). */
int accounts_check_config(const bitten_config_t *cfg, char *err, size_t errlen);

/*  A reload: configured accounts take their new tier, mode, risk_pct, max_lot and symbols;
 *  new ones are added. An account removed from the file stays until a restart. */
int accounts_reload(accounts_t *self, const bitten_config_t *cfg, char *err, size_t errlen);

#endif
