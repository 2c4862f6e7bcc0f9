/*  accounts.c: account entries from the config section and the defaults, validated field by
 *  field so a bad entry stops start-up with the key named, and a small ordered table of them. */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "modules/fire_router/accounts.h"

#define ACCOUNTS_MAX_RISK_PCT 5.0

struct accounts {
    account_t *items; /* insertion order */
    size_t count, cap;
    zhashx_t *index;  /* uuid -> position + 1 (as a pointer-sized integer) */
};

const char *account_mode_str(account_mode_t mode)
{
    return mode == ACCOUNT_MODE_AUTO ? "auto" : "manual";
}

static int s_number(const char *text, double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int account_parse(const char *uuid, const char *tier, const char *mode, const char *risk_pct,
                  const char *max_lot, const char *symbols, account_t *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!uuid || !bitten_valid_id(uuid)) {
        snprintf(err, errlen, "uuid: '%.64s' is not 1-64 of [A-Za-z0-9_.:-]", uuid ? uuid : "");
        return -1;
    }
    snprintf(out->uuid, sizeof out->uuid, "%s", uuid);
    int t = fire_tier_from_str(tier ? tier : "NIBBLER");
    if (t < 0) {
        snprintf(err, errlen, "tier: '%.32s' is not NIBBLER|FANG|COMMANDER", tier);
        return -1;
    }
    out->tier = (fire_tier_t)t;
    if (!mode || strcmp(mode, "manual") == 0)
        out->mode = ACCOUNT_MODE_MANUAL;
    else if (strcmp(mode, "auto") == 0)
        out->mode = ACCOUNT_MODE_AUTO;
    else {
        snprintf(err, errlen, "mode: '%.32s' is not manual|auto", mode);
        return -1;
    }
    if (risk_pct && *risk_pct && s_number(risk_pct, 0, ACCOUNTS_MAX_RISK_PCT, &out->risk_pct)) {
        snprintf(err, errlen, "risk_pct: '%.32s' is not a number in 0..%g (0 = the tier's)",
                 risk_pct, ACCOUNTS_MAX_RISK_PCT);
        return -1;
    }
    if (max_lot && *max_lot && s_number(max_lot, 0, 1000, &out->max_lot)) {
        snprintf(err, errlen, "max_lot: '%.32s' is not a number in 0..1000 (0 = no cap)", max_lot);
        return -1;
    }
    if (symbols && strlen(symbols) > BITTEN_SYMLIST_MAX) {
        snprintf(err, errlen, "symbols: longer than %d characters", BITTEN_SYMLIST_MAX);
        return -1;
    }
    snprintf(out->symbols, sizeof out->symbols, "%s", symbols ? symbols : "");
    return 0;
}

int account_from_defaults(const bitten_config_t *cfg, const char *uuid, account_t *out, char *err,
                          size_t errlen)
{
    char risk[32], lot[32];
    snprintf(risk, sizeof risk, "%.17g", bitten_config_double(cfg, "default_account.risk_pct"));
    snprintf(lot, sizeof lot, "%.17g", bitten_config_double(cfg, "default_account.max_lot"));
    return account_parse(uuid, bitten_config_str(cfg, "default_account.tier"),
                         bitten_config_str(cfg, "default_account.mode"), risk, lot,
                         bitten_config_str(cfg, "default_account.symbols"), out, err, errlen);
}

const account_t *accounts_add(accounts_t *self, const account_t *account)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        account_t *items = realloc(self->items, cap * sizeof *items);
        if (!items)
            return NULL;
        self->items = items;
        self->cap = cap;
    }
    self->items[self->count] = *account;
    zhashx_insert(self->index, account->uuid, (void *)(uintptr_t)(self->count + 1));
    return &self->items[self->count++];
}

static const char *s_child(zconfig_t *entry, const char *name)
{
    zconfig_t *c = zconfig_locate(entry, name);
    return c ? zconfig_value(c) : NULL;
}

accounts_t *accounts_new(const bitten_config_t *cfg, char *err, size_t errlen)
{
    accounts_t *self = calloc(1, sizeof *self);
    if (self && !(self->index = zhashx_new())) {
        free(self);
        self = NULL;
    }
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    zconfig_t *section = bitten_config_section(cfg, "accounts");
    for (zconfig_t *e = section ? zconfig_child(section) : NULL; e; e = zconfig_next(e)) {
        account_t a;
        char why[160];
        if (account_parse(s_child(e, "uuid"), s_child(e, "tier"), s_child(e, "mode"),
                          s_child(e, "risk_pct"), s_child(e, "max_lot"), s_child(e, "symbols"), &a,
                          why, sizeof why) != 0) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.%s", zconfig_name(e), why);
            char *colon = strchr(err + strlen("config: file: key 'accounts."), ':');
            //  "accounts.NAME.field: why" reads as "key 'accounts.NAME.field': why".
            if (colon && (size_t)(colon - err) + 2 < errlen) {
                memmove(colon + 1, colon, strlen(colon) + 1);
                *colon = '\'';
            }
            accounts_destroy(&self);
            return NULL;
        }
        if (accounts_find(self, a.uuid)) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.uuid': '%s' is listed twice",
                     zconfig_name(e), a.uuid);
            accounts_destroy(&self);
            return NULL;
        }
        a.from_config = true;
        if (!accounts_add(self, &a)) {
            snprintf(err, errlen, "out of memory");
            accounts_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void accounts_destroy(accounts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->index);
    free((*self_p)->items);
    free(*self_p);
    *self_p = NULL;
}

const account_t *accounts_find(const accounts_t *self, const char *uuid)
{
    uintptr_t pos = (uintptr_t)zhashx_lookup(self->index, uuid);
    return pos ? &self->items[pos - 1] : NULL;
}

size_t accounts_count(const accounts_t *self)
{
    return self->count;
}

const account_t *accounts_at(const accounts_t *self, size_t index)
{
    return index < self->count ? &self->items[index] : NULL;
}
