/*  symbols.c: the symbol table (name, digits, point, pip, pip value, lots, spread, min stop).
 *  Built-in defaults per modules.md "Symbols"; config overrides go through bitten_symbols_put. */
#include "bitten/symbols.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bitten_symbols {
    bitten_symbol_t *items;
    size_t count, cap;
};

/*  The defaults. JPY pairs: pip 0.01, 3 digits, pip value ~6.8. XAUUSD: pip 0.1, 2 digits,
 *  min stop 30. XAGUSD: pip 0.01, 3 digits, pip value 5. GBPJPY: min stop 20. USDCNH: 4 digits.
 *  Typical spreads are in pips, at or above the median of the recorded EA data. */
#define S_FX(name, spread)                                                                         \
    {                                                                                              \
        name, 5, 0.00001, 0.0001, 10.0, 0.01, 100.0, 0.01, spread, 15.0                            \
    }
#define S_JPY(name, spread, stop)                                                                  \
    {                                                                                              \
        name, 3, 0.001, 0.01, 6.8, 0.01, 100.0, 0.01, spread, stop                                 \
    }
static const bitten_symbol_t s_defaults[] = {
    S_FX("EURUSD", 0.8),
    S_FX("GBPUSD", 1.0),
    S_JPY("USDJPY", 0.8, 15.0),
    S_FX("USDCHF", 1.2),
    S_FX("AUDUSD", 1.0),
    S_FX("USDCAD", 1.2),
    S_FX("NZDUSD", 1.2),
    S_JPY("EURJPY", 1.2, 15.0),
    S_JPY("GBPJPY", 2.0, 20.0),
    S_JPY("AUDJPY", 1.2, 15.0),
    S_JPY("NZDJPY", 1.5, 15.0),
    S_JPY("CHFJPY", 2.0, 15.0),
    S_JPY("CADJPY", 1.8, 15.0),
    S_FX("EURGBP", 1.0),
    S_FX("EURAUD", 1.8),
    S_FX("GBPCAD", 2.5),
    /* USDCNH is quoted with 4 digits: point = pip = 0.0001. The recorded EA ticks
     * (shared/data, ea-dialects.md section 6) show a median spread of 16-17 points = 16-17
     * pips (0.0016-0.0017), p90 18, against a 15-pip minimum stop. */
    {"USDCNH", 4, 0.0001, 0.0001, 10.0, 0.01, 100.0, 0.01, 17.0, 15.0},
    {"XAUUSD", 2, 0.01, 0.1, 10.0, 0.01, 100.0, 0.01, 2.5, 30.0},
    {"XAGUSD", 3, 0.001, 0.01, 5.0, 0.01, 100.0, 0.01, 2.5, 15.0},
};
#undef S_FX
#undef S_JPY

/*  Symbol names: 3..BITTEN_SYMBOL_MAX chars of [A-Z0-9._] (same rule as bitten_valid_symbol;
 *  repeated here so the table does not depend on the protocol layer). */
static bool s_valid_name(const char *s)
{
    size_t len = strnlen(s, BITTEN_SYMBOL_MAX + 1);
    if (len < 3 || len > BITTEN_SYMBOL_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'))
            return false;
    }
    return true;
}

static bool s_positive(double v)
{
    return isfinite(v) && v > 0.0;
}

static int s_fail(char *err, size_t errlen, const char *name, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "symbol %s: %s", name, why);
    return -1;
}

static int s_check(const bitten_symbol_t *spec, char *err, size_t errlen)
{
    const char *name = spec->name;
    if (!s_valid_name(name))
        return s_fail(err, errlen, "?", "name must be 3-16 chars of [A-Z0-9._]");
    if (spec->digits < 0 || spec->digits > 10)
        return s_fail(err, errlen, name, "digits must be 0..10");
    if (!s_positive(spec->point) || !s_positive(spec->pip))
        return s_fail(err, errlen, name, "point and pip must be > 0");
    if (spec->pip < spec->point)
        return s_fail(err, errlen, name, "pip must be >= point");
    if (!s_positive(spec->pip_value))
        return s_fail(err, errlen, name, "pip_value must be > 0");
    if (!s_positive(spec->min_lot) || !s_positive(spec->lot_step) || !isfinite(spec->max_lot) ||
        spec->max_lot < spec->min_lot)
        return s_fail(err, errlen, name, "lots need 0 < min_lot <= max_lot and lot_step > 0");
    if (!isfinite(spec->typical_spread) || spec->typical_spread < 0.0)
        return s_fail(err, errlen, name, "typical_spread must be >= 0");
    if (!isfinite(spec->min_stop_pips) || spec->min_stop_pips < 0.0)
        return s_fail(err, errlen, name, "min_stop_pips must be >= 0");
    return 0;
}

bitten_symbols_t *bitten_symbols_new_defaults(void)
{
    bitten_symbols_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    size_t n = sizeof s_defaults / sizeof s_defaults[0];
    self->items = calloc(n, sizeof *self->items);
    if (!self->items) {
        free(self);
        return NULL;
    }
    memcpy(self->items, s_defaults, sizeof s_defaults);
    self->count = self->cap = n;
    return self;
}

void bitten_symbols_destroy(bitten_symbols_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->items);
    free(*self_p);
    *self_p = NULL;
}

int bitten_symbols_put(bitten_symbols_t *self, const bitten_symbol_t *spec, char *err,
                       size_t errlen)
{
    if (!self || !spec)
        return s_fail(err, errlen, "?", "no table or spec");
    if (s_check(spec, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->items[i].name, spec->name) == 0) {
            self->items[i] = *spec;
            return 0;
        }
    }
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        bitten_symbol_t *items = realloc(self->items, cap * sizeof *items);
        if (!items)
            return s_fail(err, errlen, spec->name, "out of memory");
        self->items = items;
        self->cap = cap;
    }
    self->items[self->count++] = *spec;
    return 0;
}

const bitten_symbol_t *bitten_symbols_find(const bitten_symbols_t *self, const char *name)
{
    if (!self || !name)
        return NULL;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->items[i].name, name) == 0)
            return &self->items[i];
    return NULL;
}

size_t bitten_symbols_count(const bitten_symbols_t *self)
{
    return self ? self->count : 0;
}

const bitten_symbol_t *bitten_symbols_at(const bitten_symbols_t *self, size_t index)
{
    return (self && index < self->count) ? &self->items[index] : NULL;
}

long bitten_symbol_pips_to_points(const bitten_symbol_t *sym, double pips)
{
    return lround(pips * sym->pip / sym->point);
}
