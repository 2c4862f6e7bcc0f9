/*  account_table.c: account entries from the config section and the defaults, validated field
 *  by field so a bad entry stops start-up with the key named, and the ordered table of them. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bitten/dialect.h"
#include "modules/accounts/account_table.h"

#define ACCOUNTS_MAX_RISK_PCT 5.0
#define ACCOUNTS_MAX_LOT 1000.0

typedef struct {
    bitten_account_t account;
    bitten_broker_symbol_t *facts; /* grown on first use: most accounts never have any */
    size_t n_facts, cap_facts;
    char broker_key[BITTEN_NAME_MAX + 1]; /* config: the `brokers` entry it pins; "" = none */
    int slot;                             /* its index in items: fixed, entries are never removed */
} s_entry_t;

struct account_table {
    s_entry_t **items; /* insertion order; each entry allocated once, so pointers stay valid */
    size_t count, cap;
    zhashx_t *index; /* uuid -> s_entry_t* (not owned) */
};

/* ---------------------------------------------------------------- parsing */

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
                  const char *max_lot, const char *symbols, const char *dialect,
                  bitten_account_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!uuid || !bitten_valid_id(uuid)) {
        snprintf(err, errlen, "uuid: '%.64s' is not 1-64 of [A-Za-z0-9_.:-]", uuid ? uuid : "");
        return -1;
    }
    snprintf(out->uuid, sizeof out->uuid, "%s", uuid);
    int t = bitten_tier_from_str(tier ? tier : "NIBBLER");
    if (t < 0) {
        snprintf(err, errlen, "tier: '%.32s' is not NIBBLER|FANG|COMMANDER", tier);
        return -1;
    }
    out->tier = (bitten_tier_t)t;
    if (!mode || strcmp(mode, "manual") == 0)
        out->mode = BITTEN_MODE_MANUAL;
    else if (strcmp(mode, "auto") == 0)
        out->mode = BITTEN_MODE_AUTO;
    else {
        snprintf(err, errlen, "mode: '%.32s' is not manual|auto", mode);
        return -1;
    }
    if (risk_pct && *risk_pct && s_number(risk_pct, 0, ACCOUNTS_MAX_RISK_PCT, &out->risk_pct)) {
        snprintf(err, errlen, "risk_pct: '%.32s' is not a number in 0..%g (0 = the tier's)",
                 risk_pct, ACCOUNTS_MAX_RISK_PCT);
        return -1;
    }
    if (max_lot && *max_lot && s_number(max_lot, 0, ACCOUNTS_MAX_LOT, &out->max_lot)) {
        snprintf(err, errlen, "max_lot: '%.32s' is not a number in 0..%g (0 = no cap)", max_lot,
                 ACCOUNTS_MAX_LOT);
        return -1;
    }
    if (symbols && strlen(symbols) > BITTEN_SYMLIST_MAX) {
        snprintf(err, errlen, "symbols: longer than %d characters", BITTEN_SYMLIST_MAX);
        return -1;
    }
    snprintf(out->symbols, sizeof out->symbols, "%s", symbols ? symbols : "");
    out->dialect = BITTEN_DIALECT_UNKNOWN;
    if (dialect && *dialect) {
        int d = bitten_dialect_from_str(dialect);
        if (d <= BITTEN_DIALECT_UNKNOWN) {
            snprintf(err, errlen, "dialect: '%.32s' is not contract|v7|v2.05|v2.02", dialect);
            return -1;
        }
        out->dialect = (bitten_dialect_t)d;
        out->dialect_pinned = true;
    }
    return 0;
}

int account_from_defaults(const bitten_config_t *cfg, const char *uuid, bitten_account_t *out,
                          char *err, size_t errlen)
{
    char risk[32], lot[32];
    snprintf(risk, sizeof risk, "%.17g", bitten_config_double(cfg, "default_account.risk_pct"));
    snprintf(lot, sizeof lot, "%.17g", bitten_config_double(cfg, "default_account.max_lot"));
    return account_parse(uuid, bitten_config_str(cfg, "default_account.tier"),
                         bitten_config_str(cfg, "default_account.mode"), risk, lot,
                         bitten_config_str(cfg, "default_account.symbols"), NULL, out, err, errlen);
}

int account_symbol_resolve(const bitten_symbol_t *base, const bitten_broker_symbol_t *broker,
                           bitten_account_symbol_t *out)
{
    memset(out, 0, sizeof *out);
    if (!base)
        return -1;
    out->spec = *base;
    snprintf(out->broker_name, sizeof out->broker_name, "%s", base->name);
    if (broker) {
        const bitten_symbol_facts_t *f = &broker->facts;
        if (broker->broker_name[0]) {
            snprintf(out->broker_name, sizeof out->broker_name, "%s", broker->broker_name);
            out->from_broker = true;
        }
        if (f->digits > 0)
            out->spec.digits = f->digits, out->from_broker = true;
        if (f->point > 0)
            out->spec.point = f->point, out->from_broker = true;
        else if (f->digits > 0) /* digits alone (v2.x price decimals): the point follows */
            out->spec.point = pow(10.0, -f->digits);
        if (f->lot_step > 0)
            out->spec.lot_step = f->lot_step, out->from_broker = true;
        if (f->lot_min > 0)
            out->spec.min_lot = f->lot_min, out->from_broker = true;
        if (f->lot_max > 0)
            out->spec.max_lot = f->lot_max, out->from_broker = true;
    }
    out->facts = (bitten_symbol_facts_t){.digits = out->spec.digits,
                                         .point = out->spec.point,
                                         .lot_min = out->spec.min_lot,
                                         .lot_max = out->spec.max_lot,
                                         .lot_step = out->spec.lot_step};
    return 0;
}

/* ---------------------------------------------------------------- the table */

account_table_t *account_table_new(void)
{
    account_table_t *self = calloc(1, sizeof *self);
    if (self && !(self->index = zhashx_new())) {
        free(self);
        self = NULL;
    }
    return self;
}

void account_table_destroy(account_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    account_table_t *self = *self_p;
    zhashx_destroy(&self->index);
    for (size_t i = 0; i < self->count; i++) {
        free(self->items[i]->facts);
        free(self->items[i]);
    }
    free(self->items);
    free(self);
    *self_p = NULL;
}

static s_entry_t *s_entry(const account_table_t *self, const char *uuid)
{
    return uuid ? zhashx_lookup(self->index, uuid) : NULL;
}

int account_table_update_settings(account_table_t *self, const bitten_account_t *from)
{
    s_entry_t *e = s_entry(self, from->uuid);
    if (!e)
        return -1;
    bitten_account_t *a = &e->account;
    bool changed = a->tier != from->tier || a->mode != from->mode ||
                   a->risk_pct != from->risk_pct || a->max_lot != from->max_lot ||
                   strcmp(a->symbols, from->symbols) != 0;
    a->tier = from->tier;
    a->mode = from->mode;
    a->risk_pct = from->risk_pct;
    a->max_lot = from->max_lot;
    memcpy(a->symbols, from->symbols, sizeof a->symbols);
    return changed ? 1 : 0;
}

const bitten_account_t *account_table_find(const account_table_t *self, const char *uuid)
{
    s_entry_t *e = s_entry(self, uuid);
    return e ? &e->account : NULL;
}

const bitten_account_t *account_table_find_slot(const account_table_t *self, const char *uuid,
                                                int *slot)
{
    s_entry_t *e = s_entry(self, uuid);
    *slot = e ? e->slot : -1;
    return e ? &e->account : NULL;
}

const bitten_account_t *account_table_at_slot(const account_table_t *self, int slot,
                                              const char *uuid)
{
    if (slot < 0 || (size_t)slot >= self->count || !uuid)
        return NULL;
    const bitten_account_t *a = &self->items[slot]->account;
    return strcmp(a->uuid, uuid) == 0 ? a : NULL;
}

const bitten_account_t *account_table_add(account_table_t *self, const bitten_account_t *account)
{
    if (s_entry(self, account->uuid))
        return NULL;
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        s_entry_t **items = realloc(self->items, cap * sizeof *items);
        if (!items)
            return NULL;
        self->items = items;
        self->cap = cap;
    }
    s_entry_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->account = *account;
    e->slot = (int)self->count;
    if (zhashx_insert(self->index, e->account.uuid, e) != 0) {
        free(e);
        return NULL;
    }
    self->items[self->count++] = e;
    return &e->account;
}

size_t account_table_count(const account_table_t *self)
{
    return self->count;
}

const bitten_account_t *account_table_at(const account_table_t *self, size_t index)
{
    return index < self->count ? &self->items[index]->account : NULL;
}

int account_table_set_dialect(account_table_t *self, const char *uuid, bitten_dialect_t dialect)
{
    s_entry_t *e = s_entry(self, uuid);
    if (!e || (int)dialect < 0 || dialect >= BITTEN_DIALECT_COUNT_)
        return -1;
    if (e->account.dialect_pinned && e->account.dialect != dialect)
        return 1;
    e->account.dialect = dialect;
    return 0;
}

bool account_route_shares(const bitten_account_route_t *a, const bitten_account_route_t *b)
{
    if (a->has_routing_id && b->has_routing_id && a->routing_id_len == b->routing_id_len &&
        memcmp(a->routing_id, b->routing_id, a->routing_id_len) == 0)
        return true;
    if (a->has_curve_key && b->has_curve_key && strcmp(a->curve_key, b->curve_key) == 0)
        return true;
    return false;
}

int account_table_set_route(account_table_t *self, const char *uuid,
                            const bitten_account_route_t *route)
{
    s_entry_t *e = s_entry(self, uuid);
    if (!e || !route ||
        (route->has_routing_id &&
         (route->routing_id_len == 0 || route->routing_id_len > BITTEN_ROUTE_ID_MAX)))
        return -1;
    //  Two accounts on one connection identity would let a fire reach the wrong terminal:
    //  the second one is refused and the first keeps it.
    for (size_t i = 0; i < self->count; i++)
        if (self->items[i] != e && account_route_shares(&self->items[i]->account.route, route))
            return 1;
    e->account.route = *route;
    return 0;
}

const bitten_account_t *account_table_find_by_route(const account_table_t *self,
                                                    const bitten_account_route_t *route)
{
    for (size_t i = 0; route && i < self->count; i++)
        if (account_route_shares(&self->items[i]->account.route, route))
            return &self->items[i]->account;
    return NULL;
}

int account_table_put_symbol(account_table_t *self, const char *uuid,
                             const bitten_broker_symbol_t *facts)
{
    s_entry_t *e = s_entry(self, uuid);
    if (!e || !facts || !facts->symbol[0])
        return -1;
    for (size_t i = 0; i < e->n_facts; i++)
        if (strcmp(e->facts[i].symbol, facts->symbol) == 0) {
            e->facts[i] = *facts;
            return 0;
        }
    if (e->n_facts == ACCOUNT_SYMBOL_FACTS_MAX)
        return -1;
    if (e->n_facts == e->cap_facts) {
        size_t cap = e->cap_facts ? e->cap_facts * 2 : 4;
        bitten_broker_symbol_t *grown = realloc(e->facts, cap * sizeof *grown);
        if (!grown)
            return -1;
        e->facts = grown;
        e->cap_facts = cap;
    }
    e->facts[e->n_facts++] = *facts;
    return 0;
}

const bitten_broker_symbol_t *account_table_symbol_facts(const account_table_t *self,
                                                         const char *uuid, const char *symbol)
{
    s_entry_t *e = s_entry(self, uuid);
    for (size_t i = 0; e && symbol && i < e->n_facts; i++)
        if (strcmp(e->facts[i].symbol, symbol) == 0)
            return &e->facts[i];
    return NULL;
}

/* ---------------------------------------------------------------- from config */

static const char *s_child(zconfig_t *entry, const char *name)
{
    zconfig_t *c = zconfig_locate(entry, name);
    return c ? zconfig_value(c) : NULL;
}

//  The fields an accounts entry may carry: anything else (a typo such as `tire`) is refused,
//  not silently left at its default. Returns the first unknown field's name, or NULL.
static const char *s_unknown_field(zconfig_t *entry)
{
    static const char *const known[] = {"uuid",          "tier",          "mode",
                                        "risk_pct",      "max_lot",       "symbols",
                                        "dialect",       "symbol_prefix", "symbol_suffix",
                                        "server_utc_offset_s", "command_endpoint",
                                        "feedback_endpoint", "broker"};
    for (zconfig_t *c = zconfig_child(entry); c; c = zconfig_next(c)) {
        const char *name = zconfig_name(c);
        size_t i = 0;
        while (i < sizeof known / sizeof *known && strcmp(name, known[i]) != 0)
            i++;
        if (i == sizeof known / sizeof *known)
            return name;
    }
    return NULL;
}

account_table_t *account_table_from_config(const bitten_config_t *cfg, char *err, size_t errlen)
{
    account_table_t *self = account_table_new();
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    zconfig_t *section = bitten_config_section(cfg, "accounts");
    for (zconfig_t *e = section ? zconfig_child(section) : NULL; e; e = zconfig_next(e)) {
        bitten_account_t a;
        char why[160];
        const char *unknown = s_unknown_field(e);
        if (unknown) {
            snprintf(err, errlen, "config: file: unknown key 'accounts.%.40s.%.40s' (see "
                     "docs/configuration.md)", zconfig_name(e), unknown);
            account_table_destroy(&self);
            return NULL;
        }
        if (account_parse(s_child(e, "uuid"), s_child(e, "tier"), s_child(e, "mode"),
                          s_child(e, "risk_pct"), s_child(e, "max_lot"), s_child(e, "symbols"),
                          s_child(e, "dialect"), &a, why, sizeof why) != 0) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.%s", zconfig_name(e), why);
            char *colon = strchr(err + strlen("config: file: key 'accounts."), ':');
            //  "accounts.NAME.field: why" reads as "key 'accounts.NAME.field': why".
            if (colon && (size_t)(colon - err) + 2 < errlen) {
                memmove(colon + 1, colon, strlen(colon) + 1);
                *colon = '\'';
            }
            account_table_destroy(&self);
            return NULL;
        }
        //  An endpoint pair of its own (the core binds it): both or neither, ZMQ endpoints.
        const char *cmd_ep = s_child(e, "command_endpoint"), *fb_ep = s_child(e, "feedback_endpoint");
        const char *bad = NULL;
        if ((cmd_ep && *cmd_ep) != (fb_ep && *fb_ep))
            bad = (cmd_ep && *cmd_ep) ? "feedback_endpoint': required with command_endpoint"
                                      : "command_endpoint': required with feedback_endpoint";
        else if ((cmd_ep && strlen(cmd_ep) > BITTEN_ENDPOINT_MAX) ||
                 (fb_ep && strlen(fb_ep) > BITTEN_ENDPOINT_MAX))
            bad = "command_endpoint': endpoint too long";
        else if (cmd_ep && *cmd_ep &&
                 (strncmp(cmd_ep, "tcp://", 6) != 0 && strncmp(cmd_ep, "ipc://", 6) != 0))
            bad = "command_endpoint': not a tcp:// or ipc:// endpoint";
        else if (fb_ep && *fb_ep &&
                 (strncmp(fb_ep, "tcp://", 6) != 0 && strncmp(fb_ep, "ipc://", 6) != 0))
            bad = "feedback_endpoint': not a tcp:// or ipc:// endpoint";
        if (bad) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.%s", zconfig_name(e), bad);
            account_table_destroy(&self);
            return NULL;
        }
        snprintf(a.route.command_endpoint, sizeof a.route.command_endpoint, "%s",
                 cmd_ep ? cmd_ep : "");
        snprintf(a.route.feedback_endpoint, sizeof a.route.feedback_endpoint, "%s",
                 fb_ep ? fb_ep : "");
        if (account_table_find(self, a.uuid)) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.uuid': '%s' is listed twice",
                     zconfig_name(e), a.uuid);
            account_table_destroy(&self);
            return NULL;
        }
        //  The broker's names and clock (issue 13): optional.
        const char *pre = s_child(e, "symbol_prefix"), *suf = s_child(e, "symbol_suffix");
        const char *off = s_child(e, "server_utc_offset_s");
        snprintf(a.symbol_prefix, sizeof a.symbol_prefix, "%s", pre ? pre : "");
        snprintf(a.symbol_suffix, sizeof a.symbol_suffix, "%s", suf ? suf : "");
        if ((pre && strlen(pre) > BITTEN_AFFIX_MAX) || (suf && strlen(suf) > BITTEN_AFFIX_MAX)) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.symbol_suffix': at most %d "
                                  "characters (prefix too)", zconfig_name(e), BITTEN_AFFIX_MAX);
            account_table_destroy(&self);
            return NULL;
        }
        if (off && *off) {
            char *end = NULL;
            long v = strtol(off, &end, 10);
            if (!end || *end || v < -14 * 3600 || v > 14 * 3600) {
                snprintf(err, errlen, "config: file: key 'accounts.%.40s.server_utc_offset_s': "
                                      "'%.32s' is not whole seconds in -50400..50400",
                         zconfig_name(e), off);
                account_table_destroy(&self);
                return NULL;
            }
            a.has_server_offset = true;
            a.server_utc_offset_s = (int)v;
        }
        a.from_config = true;
        const char *broker = s_child(e, "broker");
        if (broker && strlen(broker) > BITTEN_NAME_MAX) {
            snprintf(err, errlen, "config: file: key 'accounts.%.40s.broker': at most %d bytes",
                     zconfig_name(e), BITTEN_NAME_MAX);
            account_table_destroy(&self);
            return NULL;
        }
        if (!account_table_add(self, &a)) {
            snprintf(err, errlen, "out of memory");
            account_table_destroy(&self);
            return NULL;
        }
        if (broker) {
            s_entry_t *added = zhashx_lookup(self->index, a.uuid);
            snprintf(added->broker_key, sizeof added->broker_key, "%s", broker);
        }
    }
    return self;
}

const char *account_table_broker_key(const account_table_t *self, const char *uuid)
{
    const s_entry_t *e = uuid ? zhashx_lookup(self->index, uuid) : NULL;
    return e ? e->broker_key : "";
}
