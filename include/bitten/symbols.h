/*  symbols.h: the symbol table shared by VENOM and the fire router (modules.md, "Symbols").
 *  A pure lookup over plain structs; the table is built from defaults plus config overrides. */
#ifndef BITTEN_SYMBOLS_H
#define BITTEN_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/proto.h"

typedef struct {
    char name[BITTEN_SYMBOL_MAX + 1];
    int digits;            /* price decimals, e.g. 5 for EURUSD, 3 for USDJPY */
    double point;          /* MT5 _Point = pip / 10 */
    double pip;            /* 0.0001, 0.01 JPY pairs, 0.1 XAUUSD, 0.01 XAGUSD */
    double pip_value;      /* per 1.0 lot, account currency: 10, JPY ~6.8, XAGUSD 5 */
    double min_lot, max_lot, lot_step;
    double typical_spread; /* pips */
    double min_stop_pips;  /* VENOM's minimum SL: 15 default, 20 GBPJPY, 30 XAUUSD */
} bitten_symbol_t;

typedef struct bitten_symbols bitten_symbols_t;

/*  A table holding the built-in defaults (majors, JPY crosses, XAUUSD, XAGUSD, and the
 *  other symbols seen in the recorded EA data). NULL on allocation failure. */
bitten_symbols_t *bitten_symbols_new_defaults(void);
void bitten_symbols_destroy(bitten_symbols_t **self_p);

/*  Adds or replaces one symbol. Returns 0, or -1 when the spec is invalid (names why in
 *  err, size errlen). */
int bitten_symbols_put(bitten_symbols_t *self, const bitten_symbol_t *spec, char *err,
                       size_t errlen);

/*  The symbol, or NULL when it is not in the table. */
const bitten_symbol_t *bitten_symbols_find(const bitten_symbols_t *self, const char *name);

size_t bitten_symbols_count(const bitten_symbols_t *self);
const bitten_symbol_t *bitten_symbols_at(const bitten_symbols_t *self, size_t index);

/*  Wire sl/tp are points: points = pips x pip / point, rounded to the nearest integer. */
long bitten_symbol_pips_to_points(const bitten_symbol_t *sym, double pips);

#endif
