/*  broker_table.c: the `brokers` config section parsed and validated key by key, matched to an
 *  account by its EA's broker or server name, and broker facts laid over each other. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "modules/accounts/broker_table.h"

#define S_DIGITS_MAX 8

static int s_number(const char *text, double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = text ? strtod(text, &end) : NAN;
    if (!text || errno || end == text || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

//  One symbol's facts: digits, point, lot_step, min_lot, max_lot. 0 or -1 with err.
static int s_symbol_facts(const char *broker, zconfig_t *sym, const bitten_symbols_t *symbols,
                          bitten_broker_symbol_t *out, char *err, size_t errlen)
{
    const char *name = zconfig_name(sym);
    memset(out, 0, sizeof *out);
    if (!bitten_symbols_find(symbols, name)) {
        snprintf(err, errlen, "config: file: key 'brokers.%.40s.symbols.%.20s': not a symbol of "
                              "the symbol table (canonical names; see `symbols`)", broker, name);
        return -1;
    }
    snprintf(out->symbol, sizeof out->symbol, "%s", name);
    for (zconfig_t *c = zconfig_child(sym); c; c = zconfig_next(c)) {
        const char *field = zconfig_name(c), *value = zconfig_value(c);
        double v = 0;
        int rc = -1;
        if (strcmp(field, "digits") == 0) {
            rc = s_number(value, 1, S_DIGITS_MAX, &v);
            if (rc == 0 && v != floor(v))
                rc = -1;
            out->facts.digits = (int)v;
        } else if (strcmp(field, "point") == 0) {
            rc = s_number(value, 1e-10, 1000, &v), out->facts.point = v;
        } else if (strcmp(field, "lot_step") == 0) {
            rc = s_number(value, 1e-6, 1000, &v), out->facts.lot_step = v;
        } else if (strcmp(field, "min_lot") == 0) {
            rc = s_number(value, 1e-6, 100000, &v), out->facts.lot_min = v;
        } else if (strcmp(field, "max_lot") == 0) {
            rc = s_number(value, 1e-6, 100000, &v), out->facts.lot_max = v;
        } else {
            snprintf(err, errlen, "config: file: unknown key 'brokers.%.40s.symbols.%.20s.%.20s' "
                                  "(digits, point, lot_step, min_lot, max_lot)",
                     broker, name, field);
            return -1;
        }
        if (rc != 0) {
            snprintf(err, errlen, "config: file: key 'brokers.%.40s.symbols.%.20s.%.20s': "
                                  "'%.32s' is out of range",
                     broker, name, field, value ? value : "");
            return -1;
        }
    }
    if (out->facts.lot_min > 0 && out->facts.lot_max > 0 &&
        out->facts.lot_min > out->facts.lot_max) {
        snprintf(err, errlen, "config: file: key 'brokers.%.40s.symbols.%.20s.min_lot': above "
                              "max_lot", broker, name);
        return -1;
    }
    return 0;
}

static bool s_same(const char *a, const char *b)
{
    return a[0] && strcmp(a, b) == 0;
}

int broker_table_from_config(const bitten_config_t *cfg, const bitten_symbols_t *symbols,
                             broker_table_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    zconfig_t *section = bitten_config_section(cfg, "brokers");
    for (zconfig_t *b = section ? zconfig_child(section) : NULL; b; b = zconfig_next(b)) {
        const char *key = zconfig_name(b);
        if (out->count >= BROKERS_MAX) {
            snprintf(err, errlen, "config: file: key 'brokers.%.40s': more than %d brokers", key,
                     BROKERS_MAX);
            return -1;
        }
        broker_entry_t *e = &out->items[out->count];
        memset(e, 0, sizeof *e);
        snprintf(e->key, sizeof e->key, "%s", key);
        for (zconfig_t *c = zconfig_child(b); c; c = zconfig_next(c)) {
            const char *field = zconfig_name(c), *value = zconfig_value(c);
            if (strcmp(field, "name") == 0 || strcmp(field, "server") == 0) {
                char *dst = field[0] == 'n' ? e->name : e->server;
                if (!value || strlen(value) > BITTEN_NAME_MAX) {
                    snprintf(err, errlen, "config: file: key 'brokers.%.40s.%s': at most %d "
                                          "bytes", key, field, BITTEN_NAME_MAX);
                    return -1;
                }
                snprintf(dst, BITTEN_NAME_MAX + 1, "%s", value);
            } else if (strcmp(field, "symbols") == 0) {
                for (zconfig_t *s = zconfig_child(c); s; s = zconfig_next(s)) {
                    if (e->n_symbols >= ACCOUNT_SYMBOL_FACTS_MAX) {
                        snprintf(err, errlen, "config: file: key 'brokers.%.40s.symbols': more "
                                              "than %d symbols", key, ACCOUNT_SYMBOL_FACTS_MAX);
                        return -1;
                    }
                    if (s_symbol_facts(key, s, symbols, &e->symbols[e->n_symbols], err,
                                       errlen) != 0)
                        return -1;
                    e->n_symbols++;
                }
            } else {
                snprintf(err, errlen, "config: file: unknown key 'brokers.%.40s.%.40s' (name, "
                                      "server, symbols)", key, field);
                return -1;
            }
        }
        if (!e->name[0] && !e->server[0]) {
            snprintf(err, errlen, "config: file: key 'brokers.%.40s': give name (the company "
                                  "its EA reports) or server", key);
            return -1;
        }
        for (size_t i = 0; i < out->count; i++)
            if (s_same(e->name, out->items[i].name) || s_same(e->server, out->items[i].server)) {
                snprintf(err, errlen, "config: file: key 'brokers.%.40s': the same name or server "
                                      "as 'brokers.%.40s'", key, out->items[i].key);
                return -1;
            }
        out->count++;
    }
    return 0;
}

int broker_table_find_key(const broker_table_t *t, const char *key)
{
    for (size_t i = 0; key && i < t->count; i++)
        if (strcmp(t->items[i].key, key) == 0)
            return (int)i;
    return -1;
}

int broker_table_match(const broker_table_t *t, const char *company, const char *server)
{
    for (size_t i = 0; i < t->count; i++) {
        const broker_entry_t *e = &t->items[i];
        if ((company && s_same(e->name, company)) || (server && s_same(e->server, server)))
            return (int)i;
    }
    return -1;
}

const bitten_broker_symbol_t *broker_entry_symbol(const broker_entry_t *e, const char *symbol)
{
    for (size_t i = 0; e && symbol && i < e->n_symbols; i++)
        if (strcmp(e->symbols[i].symbol, symbol) == 0)
            return &e->symbols[i];
    return NULL;
}

const bitten_broker_symbol_t *broker_facts_merge(const bitten_broker_symbol_t *under,
                                                 const bitten_broker_symbol_t *over,
                                                 bitten_broker_symbol_t *out)
{
    if (!under && !over)
        return NULL;
    if (!under || !over) {
        *out = under ? *under : *over;
        return out;
    }
    *out = *under;
    const bitten_symbol_facts_t *f = &over->facts;
    if (over->broker_name[0])
        snprintf(out->broker_name, sizeof out->broker_name, "%s", over->broker_name);
    if (f->digits > 0) {
        out->facts.digits = f->digits;
        //  A point said below belongs to other digits unless over says its own.
        if (!(f->point > 0))
            out->facts.point = 0;
    }
    if (f->point > 0)
        out->facts.point = f->point;
    if (f->lot_step > 0)
        out->facts.lot_step = f->lot_step;
    if (f->lot_min > 0)
        out->facts.lot_min = f->lot_min;
    if (f->lot_max > 0)
        out->facts.lot_max = f->lot_max;
    return out;
}

bool broker_facts_any(const bitten_broker_symbol_t *f)
{
    return f && (f->facts.digits > 0 || f->facts.point > 0 || f->facts.lot_step > 0 ||
                 f->facts.lot_min > 0 || f->facts.lot_max > 0);
}
