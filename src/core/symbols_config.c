/*  symbols_config.c: the symbol table as configured: the built-in defaults, then the `symbols`
 *  section of the config file (override a default's fields, or add a symbol with all of them). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bitten/symbols.h"
#include "core/symbols_config.h"

typedef struct {
    const char *name;
    size_t offset;
    bool is_int;
} s_field_t;

static const s_field_t s_fields[] = {
    {"digits", offsetof(bitten_symbol_t, digits), true},
    {"point", offsetof(bitten_symbol_t, point), false},
    {"pip", offsetof(bitten_symbol_t, pip), false},
    {"pip_value", offsetof(bitten_symbol_t, pip_value), false},
    {"min_lot", offsetof(bitten_symbol_t, min_lot), false},
    {"max_lot", offsetof(bitten_symbol_t, max_lot), false},
    {"lot_step", offsetof(bitten_symbol_t, lot_step), false},
    {"typical_spread", offsetof(bitten_symbol_t, typical_spread), false},
    {"min_stop_pips", offsetof(bitten_symbol_t, min_stop_pips), false},
};
#define S_FIELDS (sizeof s_fields / sizeof *s_fields)

//  Applies one child (e.g. "pip_value = 9.5") to spec. 0, or -1 with the key named in err.
static int s_apply(bitten_symbol_t *spec, zconfig_t *child, char *err, size_t errlen)
{
    const char *field = zconfig_name(child), *value = zconfig_value(child);
    for (size_t i = 0; i < S_FIELDS; i++) {
        if (strcmp(field, s_fields[i].name) != 0)
            continue;
        char *end = NULL;
        errno = 0;
        double v = value ? strtod(value, &end) : NAN;
        if (!value || errno || end == value || *end || !isfinite(v) ||
            (s_fields[i].is_int && v != floor(v))) {
            snprintf(err, errlen, "config: file: key 'symbols.%s.%s': '%.32s' is not a number",
                     spec->name, field, value ? value : "");
            return -1;
        }
        char *dst = (char *)spec + s_fields[i].offset;
        if (s_fields[i].is_int) {
            int n = (int)v;
            memcpy(dst, &n, sizeof n);
        } else
            memcpy(dst, &v, sizeof v);
        return 0;
    }
    snprintf(err, errlen, "config: file: unknown key 'symbols.%s.%s' (see docs/configuration.md)",
             spec->name, field);
    return -1;
}

bitten_symbols_t *bitten_symbols_from_config(const bitten_config_t *cfg, char *err, size_t errlen)
{
    bitten_symbols_t *table = bitten_symbols_new_defaults();
    if (!table) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    zconfig_t *section = bitten_config_section(cfg, "symbols");
    for (zconfig_t *sym = section ? zconfig_child(section) : NULL; sym; sym = zconfig_next(sym)) {
        bitten_symbol_t spec;
        const bitten_symbol_t *known = bitten_symbols_find(table, zconfig_name(sym));
        if (known)
            spec = *known;
        else {
            //  A new symbol: the common lot rules, the rest must be given.
            memset(&spec, 0, sizeof spec);
            snprintf(spec.name, sizeof spec.name, "%.16s", zconfig_name(sym));
            spec.min_lot = 0.01;
            spec.max_lot = 100;
            spec.lot_step = 0.01;
            spec.min_stop_pips = 15;
        }
        for (zconfig_t *child = zconfig_child(sym); child; child = zconfig_next(child))
            if (s_apply(&spec, child, err, errlen) != 0) {
                bitten_symbols_destroy(&table);
                return NULL;
            }
        if (!known && spec.point <= 0 && spec.pip > 0)
            spec.point = spec.pip / 10.0;
        char why[160];
        if (bitten_symbols_put(table, &spec, why, sizeof why) != 0) {
            snprintf(err, errlen, "config: file: key 'symbols.%.16s': %s", zconfig_name(sym), why);
            bitten_symbols_destroy(&table);
            return NULL;
        }
    }
    return table;
}

int bitten_symbols_check_config(const bitten_config_t *cfg, char *err, size_t errlen)
{
    bitten_symbols_t *table = bitten_symbols_from_config(cfg, err, errlen);
    int rc = table ? 0 : -1;
    bitten_symbols_destroy(&table);
    return rc;
}
