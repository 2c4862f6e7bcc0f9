/*  symbols_config.h: the configured symbol table (defaults + the `symbols` config section),
 *  one call for every module that needs it, so they all agree on pips, points and lots. */
#ifndef BITTEN_SYMBOLS_CONFIG_H
#define BITTEN_SYMBOLS_CONFIG_H

#include "bitten/config.h"
#include "bitten/symbols.h"

/*  The defaults overridden or extended by `symbols`: one child per symbol (its name), with any
 *  of digits, point, pip, pip_value, min_lot, max_lot, lot_step, typical_spread,
 *  min_stop_pips. NULL with one line naming the key in err when an entry is invalid. */
bitten_symbols_t *bitten_symbols_from_config(const bitten_config_t *cfg, char *err, size_t errlen);

/*  bitten_symbols_from_config for --check-config: 0, or -1 with err. */
int bitten_symbols_check_config(const bitten_config_t *cfg, char *err, size_t errlen);

#endif
