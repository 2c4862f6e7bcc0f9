/*  broker_table.h: the `brokers` config section, per-broker symbol facts (issue 13 §4: symbol
 *  facts come from the EA where it sends them, else from per-account/broker config, never
 *  assumed). An account takes the entry its config names (accounts.<x>.broker), else the one
 *  whose name / server its EA's handshake or status reports. Pure: no I/O. */
#ifndef BITTEN_BROKER_TABLE_H
#define BITTEN_BROKER_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/config.h"
#include "bitten/symbols.h"
#include "bitten/trading.h"
#include "modules/accounts/account_table.h"

#define BROKERS_MAX 32

typedef struct {
    char key[BITTEN_NAME_MAX + 1];    /* the config entry's name */
    char name[BITTEN_NAME_MAX + 1];   /* the company (v2.x handshake `broker`, HELLO `company`) */
    char server[BITTEN_NAME_MAX + 1]; /* the trade server (v7 status / v2.x handshake `server`) */
    bitten_broker_symbol_t symbols[ACCOUNT_SYMBOL_FACTS_MAX];
    size_t n_symbols;
} broker_entry_t;

typedef struct {
    broker_entry_t items[BROKERS_MAX];
    size_t count;
} broker_table_t;

/*  Reads `brokers`: one child per broker (its key), with name and/or server, and `symbols`: one
 *  child per symbol of the symbol table, with any of digits (0..8), point, lot_step, min_lot,
 *  max_lot (> 0; min_lot <= max_lot). Fills *out (zeroed first). Returns 0, or -1 with one
 *  line naming the key in err (an unknown field, symbol or value; an entry with neither name
 *  nor server; two entries with one name or server; more than BROKERS_MAX). */
int broker_table_from_config(const bitten_config_t *cfg, const bitten_symbols_t *symbols,
                             broker_table_t *out, char *err, size_t errlen);

/*  The entry with that key, or -1. */
int broker_table_find_key(const broker_table_t *t, const char *key);

/*  The first entry whose name is company or whose server is server (empty never matches), or
 *  -1. */
int broker_table_match(const broker_table_t *t, const char *company, const char *server);

/*  The entry's facts for a (canonical) symbol, or NULL. */
const bitten_broker_symbol_t *broker_entry_symbol(const broker_entry_t *e, const char *symbol);

/*  over's facts laid on under's (either may be NULL): a fact > 0 (a broker name that is not
 *  "") of over wins. Returns out, or NULL when both are NULL. */
const bitten_broker_symbol_t *broker_facts_merge(const bitten_broker_symbol_t *under,
                                                 const bitten_broker_symbol_t *over,
                                                 bitten_broker_symbol_t *out);

/*  True when f says any number (digits, point, lot step/min/max). */
bool broker_facts_any(const bitten_broker_symbol_t *f);

#endif
