/*  accounts.c: the accounts module shell: the table (account_table.h) filled from config and
 *  on first contact, written to the store (accounts_store.h), answered through the core's
 *  accounts query, listed by the `accounts` control command. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bitten/dialect.h"
#include "core/store.h"
#include "core/symbols_config.h"
#include "modules/accounts/account_normalize.h"
#include "modules/accounts/account_table.h"
#include "modules/accounts/accounts.h"
#include "modules/accounts/accounts_store.h"
#include "modules/accounts/broker_table.h"

struct accounts {
    bitten_core_t *core;
    bitten_log_t *log;
    const bitten_config_t *cfg;
    account_table_t *table;
    accounts_store_t *store;
    bitten_symbols_t *symbols; /* the configured table the broker's facts are laid over */
    size_t max_auto_created;
    uint64_t auto_created, auto_refused;
    uint64_t normalize_refused;
    //  uuid -> account_norm_t (owned): each known account's broker names and clock; only
    //  accounts in the table get one, so its size is bounded like the table's.
    zhashx_t *norm;
    //  The `brokers` section, the entry each account's EA named (uuid -> index + 1, known
    //  accounts only), and the account+symbol pairs already warned to use the symbol table.
    broker_table_t *brokers;
    zhashx_t *broker_of, *table_warned;
    bitten_accounts_query_t query;
};

/* ---------------------------------------------------------------- config */

int accounts_check_config(const bitten_config_t *cfg, char *err, size_t errlen)
{
    bitten_account_t probe;
    char why[160];
    if (account_from_defaults(cfg, "default_account_probe", &probe, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: key 'default_account.%s", why);
        char *colon = strchr(err + strlen("config: key 'default_account."), ':');
        if (colon && (size_t)(colon - err) + 2 < errlen) {
            memmove(colon + 1, colon, strlen(colon) + 1);
            *colon = '\'';
        }
        return -1;
    }
    account_table_t *table = account_table_from_config(cfg, err, errlen);
    if (!table)
        return -1;
    bitten_symbols_t *symbols = bitten_symbols_from_config(cfg, err, errlen);
    broker_table_t *brokers = calloc(1, sizeof *brokers);
    int rc = symbols && brokers ? broker_table_from_config(cfg, symbols, brokers, err, errlen) : -1;
    for (size_t i = 0; rc == 0 && i < account_table_count(table); i++) {
        const char *uuid = account_table_at(table, i)->uuid;
        const char *key = account_table_broker_key(table, uuid);
        if (*key && broker_table_find_key(brokers, key) < 0) {
            snprintf(err, errlen, "config: file: account '%.64s': broker '%.40s' is not an entry "
                                  "of `brokers`", uuid, key);
            rc = -1;
        }
    }
    free(brokers);
    bitten_symbols_destroy(&symbols);
    account_table_destroy(&table);
    return rc;
}

/* ---------------------------------------------------------------- the store */

//  The account as the store keeps it (operators audit it; nobody else reads the table).
//  relaxed: an account created on first contact, written in a relaxed commit (no fsync: a
//  creation storm of thousands of EAs stalled the loop 3.8 ms per account while libzmq queued
//  their frames) and on disk within a second (the core's housekeeping sync), unless a durable
//  commit took it along already. A kill -9 loses none of it (the log is in the kernel's
//  cache); a power loss in that second loses only rows nobody reads back: the account is
//  re-created from the same defaults on its EA's next frame (docs/design.md "Accounts").
//  Configured accounts and reloads are written durably, inside the caller's group.
static void s_store_account(accounts_t *self, const bitten_account_t *acc, bool relaxed)
{
    bitten_store_t *store = bitten_core_store(self->core);
    bool grouped = relaxed && bitten_store_group_begin(store, true) == 0;
    if (relaxed && !grouped) {
        //  Refused (another connection holds the lock past the busy timeout): a plain write
        //  now would wait that timeout a second time on the loop. The row is written when
        //  the account is next created (the next start).
        BLOG_ERROR(self->log, "accounts", "store.failed", "what=account uuid=%s error=\"%s\"",
                   acc->uuid, bitten_store_errmsg(store));
        return;
    }
    accounts_store_row_t row;
    accounts_store_row_of(acc, bitten_core_now_ms(self->core), &row);
    int rc = accounts_store_put(self->store, &row);
    if (rc != 0)
        BLOG_ERROR(self->log, "accounts", "store.failed", "what=account uuid=%s error=\"%s\"",
                   acc->uuid, accounts_store_errmsg(self->store));
    if (grouped && bitten_store_group_end(store) != 0 && rc == 0)
        BLOG_ERROR(self->log, "accounts", "store.failed", "what=account uuid=%s error=\"%s\"",
                   acc->uuid, bitten_store_errmsg(store));
}

//  The configured accounts (start, reload): one durable commit for all of them.
static bool s_group_begin(accounts_t *self)
{
    bitten_store_t *store = bitten_core_store(self->core);
    if (bitten_store_group_begin(store, false) == 0)
        return true;
    BLOG_ERROR(self->log, "accounts", "store.failed", "what=accounts error=\"%s\"",
               bitten_store_errmsg(store));
    return false;
}

static void s_group_end(accounts_t *self, bool begun)
{
    bitten_store_t *store = bitten_core_store(self->core);
    if (begun && bitten_store_group_end(store) != 0)
        BLOG_ERROR(self->log, "accounts", "store.failed", "what=accounts error=\"%s\"",
                   bitten_store_errmsg(store));
}

/* ---------------------------------------------------------------- first contact */

//  The account (found, or created now) and its *slot, or NULL: unknown and not creatable.
static const bitten_account_t *s_create_from_defaults(accounts_t *self, const char *uuid, int *slot)
{
    *slot = -1;
    const bitten_account_t *known =
        (uuid && *uuid) ? account_table_find_slot(self->table, uuid, slot) : NULL;
    if (!uuid || !*uuid || known)
        return known;
    if (self->auto_created >= self->max_auto_created) {
        //  Junk uuids must not grow memory without bound: this one stays unknown (its fires
        //  are refused UNKNOWN_ACCOUNT). Logged once loudly, then counted.
        self->auto_refused++;
        if (self->auto_refused == 1)
            BLOG_WARN(self->log, "accounts", "account.refused",
                      "uuid=%s reason=ACCOUNT_LIMIT max_auto_created=%zu why=\"%s; further "
                      "refusals are counted in status accounts.auto_refused\"",
                      uuid, self->max_auto_created, bitten_reason_doc(BITTEN_R_ACCOUNT_LIMIT));
        else
            BLOG_DEBUG(self->log, "accounts", "account.refused", "uuid=%s reason=ACCOUNT_LIMIT",
                       uuid);
        return NULL;
    }
    bitten_account_t fresh;
    char err[200];
    if (account_from_defaults(self->cfg, uuid, &fresh, err, sizeof err) != 0)
        return NULL;
    fresh.created_at = bitten_core_now_ms(self->core);
    const bitten_account_t *acc = account_table_add(self->table, &fresh);
    if (!acc) {
        BLOG_ERROR(self->log, "accounts", "account.failed", "uuid=%s error=\"out of memory\"",
                   uuid);
        return NULL;
    }
    self->auto_created++;
    *slot = (int)account_table_count(self->table) - 1; /* the one just added */
    s_store_account(self, acc, true);
    BLOG_INFO(self->log, "accounts", "account.created",
              "uuid=%s tier=%s mode=%s from=default_account", acc->uuid, bitten_tier_str(acc->tier),
              bitten_account_mode_str(acc->mode));
    bitten_core_emit(self->core, "account.created",
                     json_pack("{s:s, s:s, s:s}", "uuid", acc->uuid, "tier",
                               bitten_tier_str(acc->tier), "mode",
                               bitten_account_mode_str(acc->mode)));
    return acc;
}

/* ---------------------------------------------------------------- normalize (the seam) */

static int s_query_set_dialect(void *arg, const char *uuid, bitten_dialect_t dialect);

static void s_norm_free(void **item)
{
    free(*item);
    *item = NULL;
}

static account_norm_t *s_norm(accounts_t *self, const bitten_account_t *acc)
{
    account_norm_t *st = zhashx_lookup(self->norm, acc->uuid);
    if (st)
        return st;
    if (!(st = calloc(1, sizeof *st)))
        return NULL;
    if (account_norm_init(st, acc, self->symbols) != 0)
        BLOG_WARN(self->log, "accounts", "symbol_affix.invalid",
                  "uuid=%s prefix=%s suffix=%s why=\"not a broker symbol affix: ignored\"",
                  acc->uuid, acc->symbol_prefix, acc->symbol_suffix);
    st->ready = true;
    zhashx_update(self->norm, acc->uuid, st);
    return st;
}

static int s_resolve(accounts_t *self, const char *uuid, const char *symbol,
                     bitten_account_symbol_t *out, bool *from_table);

//  An EA's quote (its symbol canonical now) proves at least as many digits as its prices
//  show (account_digits_evidence): raised into the account's broker facts, never lowered.
static void s_learn_digits(accounts_t *self, const char *uuid, const bitten_tick_t *t)
{
    const bitten_symbol_t *base = bitten_symbols_find(self->symbols, t->symbol);
    bitten_account_symbol_t now;
    bool from_table;
    if (!base || s_resolve(self, uuid, t->symbol, &now, &from_table) != 0)
        return;
    const bitten_broker_symbol_t *known = account_table_symbol_facts(self->table, uuid, t->symbol);
    int current = now.spec.digits;
    int seen = account_digits_evidence(current, t->bid, t->ask);
    //  One more than the symbol table's at most: a broker quoting a fractional digit more is
    //  real (XAUUSD 3), a price with float noise is not evidence of 8 digits.
    if (seen <= current || seen > base->digits + 1)
        return;
    bitten_broker_symbol_t facts;
    if (known)
        facts = *known;
    else
        memset(&facts, 0, sizeof facts);
    snprintf(facts.symbol, sizeof facts.symbol, "%s", t->symbol);
    facts.facts.digits = seen;
    if (facts.facts.point > 0)
        facts.facts.point = pow(10.0, -seen); /* a point said before is one of fewer digits */
    if (account_table_put_symbol(self->table, uuid, &facts) == 0)
        BLOG_WARN(self->log, "accounts", "symbol.digits_learned",
                  "uuid=%s symbol=%s digits=%d was=%d bid=%.*f why=\"the EA's prices have more "
                  "decimals than the symbol's digits: raised (points follow)\"",
                  uuid, t->symbol, seen, current, seen, t->bid);
}

//  The `brokers` entry the EA's handshake (company, server) or status (server) names becomes
//  the account's, unless config pins one.
static void s_select_broker(accounts_t *self, const char *uuid, const bitten_frame_t *frame)
{
    if (*account_table_broker_key(self->table, uuid))
        return;
    const char *company = frame->type == BITTEN_FRAME_HANDSHAKE ? frame->u.handshake.broker : "";
    const char *server = frame->type == BITTEN_FRAME_HANDSHAKE ? frame->u.handshake.server
                                                                : frame->u.status.server;
    int i = broker_table_match(self->brokers, company, server);
    if (i < 0 || (int)(intptr_t)zhashx_lookup(self->broker_of, uuid) == i + 1)
        return;
    zhashx_update(self->broker_of, uuid, (void *)(intptr_t)(i + 1));
    char qc[160], qs[160];
    BLOG_INFO(self->log, "accounts", "broker.selected", "uuid=%s broker=%s company=%s server=%s",
              uuid, self->brokers->items[i].key, bitten_log_quote(company, qc, sizeof qc),
              bitten_log_quote(server, qs, sizeof qs));
}

static void s_ref_of(const bitten_account_t *acc, int slot, bitten_account_ref_t *out)
{
    out->slot = acc ? slot : -1;
    out->tier = acc ? acc->tier : BITTEN_TIER_NIBBLER;
    out->dialect = acc ? acc->dialect : BITTEN_DIALECT_UNKNOWN;
    out->dialect_pinned = acc && acc->dialect_pinned;
}

static int s_query_normalize(void *arg, bitten_frame_t *frame, bitten_ms_t recv_wall_ms,
                             bitten_reason_t *reason, bitten_account_ref_t *ref)
{
    accounts_t *self = arg;
    const char *uuid = bitten_frame_uuid(frame);
    *reason = BITTEN_R_OK;
    int slot = ref->slot;
    ref->slot = -1;
    if (!uuid || !*uuid)
        return 0;
    //  The account the core already resolved for this frame (checked against the uuid), else
    //  first contact: the core calls this hook once for every attributed frame, so this is
    //  the one place a telemetry, heartbeat or handshake creates its account (bounded by
    //  default_account.max_auto_created; a bus subscriber as well counted each refusal twice).
    //  One lookup at most: the account found (or created) there.
    const bitten_account_t *acc = account_table_at_slot(self->table, slot, uuid);
    if (!acc)
        acc = (frame->type == BITTEN_FRAME_HEARTBEAT || frame->type == BITTEN_FRAME_HANDSHAKE ||
               frame->type == BITTEN_FRAME_TELEMETRY)
                  ? s_create_from_defaults(self, uuid, &slot)
                  : account_table_find_slot(self->table, uuid, &slot);
    if (!acc)
        return 0; /* unknown and not creatable: the modules refuse its fires */
    if (frame->dialect != BITTEN_DIALECT_UNKNOWN && acc->dialect != frame->dialect)
        s_query_set_dialect(self, uuid, frame->dialect);
    //  Contract frames are canonical and UTC already: their accounts get no broker names or
    //  clock state (account_norm_applies), made on the first EA frame instead.
    account_norm_t *st = NULL;
    if (account_norm_applies(frame->dialect) && !(st = s_norm(self, acc))) {
        *reason = BITTEN_R_INTERNAL;
        return -1;
    }
    account_norm_news_t news;
    int rc = account_norm_frame(st, acc, frame, recv_wall_ms, &news, reason);
    if (news.offset_event == BITTEN_OFFSET_LEARNED)
        BLOG_INFO(self->log, "accounts", "server_offset.learned", "uuid=%s offset_s=%d", uuid,
                  news.offset_s);
    else if (news.offset_event == BITTEN_OFFSET_CHANGED)
        BLOG_WARN(self->log, "accounts", "server_offset.changed",
                  "uuid=%s offset_s=%d previous_s=%d why=\"the broker's clock moved (DST?)\"",
                  uuid, news.offset_s, news.previous_s);
    if (news.learned_name &&
        !account_table_symbol_facts(self->table, uuid, news.canonical)) {
        bitten_broker_symbol_t facts;
        memset(&facts, 0, sizeof facts);
        snprintf(facts.symbol, sizeof facts.symbol, "%s", news.canonical);
        snprintf(facts.broker_name, sizeof facts.broker_name, "%s", news.broker);
        if (account_table_put_symbol(self->table, uuid, &facts) == 0)
            BLOG_INFO(self->log, "accounts", "symbol.learned", "uuid=%s symbol=%s broker_name=%s",
                      uuid, news.canonical, news.broker);
    }
    if (rc == 0 && (frame->type == BITTEN_FRAME_HANDSHAKE || frame->type == BITTEN_FRAME_STATUS))
        s_select_broker(self, uuid, frame);
    if (rc == 0 && frame->type == BITTEN_FRAME_TICK &&
        (frame->dialect == BITTEN_DIALECT_V7 || frame->dialect == BITTEN_DIALECT_V205 ||
         frame->dialect == BITTEN_DIALECT_V202))
        s_learn_digits(self, uuid, &frame->u.tick);
    if (rc != 0)
        self->normalize_refused++;
    s_ref_of(acc, slot, ref); /* read now: set_dialect above may have changed it */
    return rc;
}

/* ---------------------------------------------------------------- the query */

static int s_copy_out(const bitten_account_t *acc, bitten_account_t *out)
{
    if (!acc)
        return -1;
    if (out)
        *out = *acc;
    return 0;
}

static int s_query_find(void *arg, const char *uuid, bitten_account_t *out)
{
    return s_copy_out(account_table_find(((accounts_t *)arg)->table, uuid), out);
}

static int s_query_resolve(void *arg, const char *uuid, bitten_account_ref_t *out)
{
    int slot;
    const bitten_account_t *acc = account_table_find_slot(((accounts_t *)arg)->table, uuid, &slot);
    s_ref_of(acc, slot, out);
    return acc ? 0 : -1;
}

static int s_query_tier(void *arg, const char *uuid)
{
    const bitten_account_t *acc = account_table_find(((accounts_t *)arg)->table, uuid);
    return acc ? (int)acc->tier : -1;
}

static size_t s_query_count(void *arg)
{
    return account_table_count(((accounts_t *)arg)->table);
}

static int s_query_at(void *arg, size_t index, bitten_account_t *out)
{
    return s_copy_out(account_table_at(((accounts_t *)arg)->table, index), out);
}

//  The account's `brokers` entry: the one config pins, else the one its EA named, or NULL.
static const broker_entry_t *s_broker(accounts_t *self, const char *uuid)
{
    const char *key = account_table_broker_key(self->table, uuid);
    int i = *key ? broker_table_find_key(self->brokers, key)
                 : (int)(intptr_t)zhashx_lookup(self->broker_of, uuid) - 1;
    return i >= 0 ? &self->brokers->items[i] : NULL;
}

//  The symbol for the account: the symbol table's spec, the broker's configured facts over
//  it, what the EA said over those. *from_table: neither says any number.
static int s_resolve(accounts_t *self, const char *uuid, const char *symbol,
                     bitten_account_symbol_t *out, bool *from_table)
{
    const bitten_symbol_t *base = symbol ? bitten_symbols_find(self->symbols, symbol) : NULL;
    const bitten_broker_symbol_t *configured = broker_entry_symbol(s_broker(self, uuid), symbol);
    const bitten_broker_symbol_t *said = account_table_symbol_facts(self->table, uuid, symbol);
    bitten_broker_symbol_t merged;
    *from_table = !broker_facts_any(configured) && !broker_facts_any(said);
    return account_symbol_resolve(base, broker_facts_merge(configured, said, &merged), out);
}

static int s_query_symbol(void *arg, const char *uuid, const char *symbol,
                          bitten_account_symbol_t *out)
{
    accounts_t *self = arg;
    bool from_table = false;
    int rc = s_resolve(self, uuid, symbol, out, &from_table);
    const bitten_account_t *acc = account_table_find(self->table, uuid);
    //  A real EA's broker may quote a symbol unlike the table (USDCNH in 4 digits): say once
    //  per account and symbol that nothing broker-specific is known.
    if (rc == 0 && from_table && acc &&
        (acc->dialect == BITTEN_DIALECT_V7 || acc->dialect == BITTEN_DIALECT_V205 ||
         acc->dialect == BITTEN_DIALECT_V202)) {
        char key[2 * BITTEN_ID_MAX + 2];
        snprintf(key, sizeof key, "%s|%s", uuid, symbol);
        if (!zhashx_lookup(self->table_warned, key)) {
            zhashx_insert(self->table_warned, key, (void *)1);
            const broker_entry_t *b = s_broker(self, uuid);
            BLOG_WARN(self->log, "accounts", "symbol.table_fallback",
                      "uuid=%s symbol=%s broker=%s digits=%d point=%g lot_step=%g why=\"no "
                      "facts from the EA or brokers.%s.symbols: the symbol table's are used; "
                      "check them against the broker\"",
                      uuid, symbol, b ? b->key : "-", out->spec.digits, out->spec.point,
                      out->spec.lot_step, b ? b->key : "<broker>");
        }
    }
    return rc;
}

static int s_query_set_dialect(void *arg, const char *uuid, bitten_dialect_t dialect)
{
    accounts_t *self = arg;
    const bitten_account_t *acc = account_table_find(self->table, uuid);
    bitten_dialect_t before = acc ? acc->dialect : BITTEN_DIALECT_UNKNOWN;
    int rc = account_table_set_dialect(self->table, uuid, dialect);
    if (rc == 0 && before != dialect)
        BLOG_INFO(self->log, "accounts", "account.dialect", "uuid=%s dialect=%s from=%s", uuid,
                  bitten_dialect_str(dialect), bitten_dialect_str(before));
    else if (rc == 1)
        BLOG_WARN(self->log, "accounts", "account.dialect_pinned",
                  "uuid=%s pinned=%s seen=%s why=\"config pins the dialect: kept\"", uuid,
                  bitten_dialect_str(before), bitten_dialect_str(dialect));
    return rc;
}

static int s_query_find_by_route(void *arg, const bitten_account_route_t *route,
                                 bitten_account_t *out)
{
    return s_copy_out(account_table_find_by_route(((accounts_t *)arg)->table, route), out);
}

static int s_query_set_route(void *arg, const char *uuid, const bitten_account_route_t *route)
{
    accounts_t *self = arg;
    int rc = account_table_set_route(self->table, uuid, route);
    if (rc == 1)
        BLOG_ERROR(self->log, "accounts", "route.conflict",
                   "uuid=%s alarm=1 why=\"another account holds this connection identity: "
                   "refused, fires to either could reach the wrong terminal\"",
                   uuid);
    return rc;
}

static int s_query_put_symbol(void *arg, const char *uuid, const bitten_broker_symbol_t *facts)
{
    return account_table_put_symbol(((accounts_t *)arg)->table, uuid, facts);
}

/* ---------------------------------------------------------------- control and status */

static bitten_reason_t s_control_accounts(void *arg, const json_t *request, json_t *reply)
{
    accounts_t *self = arg;
    json_t *list = json_array();
    for (size_t i = 0; i < account_table_count(self->table); i++) {
        const bitten_account_t *a = account_table_at(self->table, i);
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:b, s:s}", "uuid", a->uuid,
                                        "tier", bitten_tier_str(a->tier), "mode",
                                        bitten_account_mode_str(a->mode), "risk_pct", a->risk_pct,
                                        "max_lot", a->max_lot, "symbols", a->symbols, "from_config",
                                        a->from_config, "dialect", bitten_dialect_str(a->dialect)));
        //  The broker's clock as bittend knows it: pinned, learned, or not yet.
        json_t *row = json_array_get(list, json_array_size(list) - 1);
        const account_norm_t *st = zhashx_lookup(self->norm, a->uuid);
        if (a->has_server_offset)
            json_object_set_new(row, "server_utc_offset_s", json_integer(a->server_utc_offset_s));
        else if (st && st->est.known)
            json_object_set_new(row, "server_utc_offset_s", json_integer(st->est.offset_s));
        json_object_set_new(row, "server_offset",
                            json_string(a->has_server_offset        ? "pinned"
                                        : (st && st->est.known) ? "learned"
                                                                : "unknown"));
        const broker_entry_t *b = s_broker(self, a->uuid);
        json_object_set_new(row, "broker", b ? json_string(b->key) : json_null());
    }
    json_object_set_new(reply, "accounts", list);
    return BITTEN_R_OK;
}

static void s_status(void *arg, json_t *section)
{
    accounts_t *self = arg;
    json_object_set_new(section, "known",
                        json_integer((json_int_t)account_table_count(self->table)));
    json_object_set_new(section, "auto_created", json_integer((json_int_t)self->auto_created));
    json_object_set_new(section, "max_auto_created",
                        json_integer((json_int_t)self->max_auto_created));
    json_object_set_new(section, "auto_refused", json_integer((json_int_t)self->auto_refused));
    json_object_set_new(section, "normalize_refused",
                        json_integer((json_int_t)self->normalize_refused));
}

/* ---------------------------------------------------------------- reload */

int accounts_reload(accounts_t *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    account_table_t *fresh = account_table_from_config(cfg, err, errlen);
    if (!fresh)
        return -1;
    bool grouped = s_group_begin(self);
    for (size_t i = 0; i < account_table_count(fresh); i++) {
        const bitten_account_t *a = account_table_at(fresh, i);
        int rc = account_table_update_settings(self->table, a);
        const bitten_account_t *now = rc < 0 ? account_table_add(self->table, a)
                                             : account_table_find(self->table, a->uuid);
        if (!now) {
            snprintf(err, errlen, "out of memory");
            s_group_end(self, grouped);
            account_table_destroy(&fresh);
            return -1;
        }
        if (rc != 0) {
            BLOG_INFO(self->log, "accounts", rc < 0 ? "account.added" : "account.reloaded",
                      "uuid=%s tier=%s mode=%s risk_pct=%g max_lot=%g", now->uuid,
                      bitten_tier_str(now->tier), bitten_account_mode_str(now->mode),
                      now->risk_pct, now->max_lot);
            s_store_account(self, now, false);
        }
    }
    s_group_end(self, grouped);
    account_table_destroy(&fresh);
    self->cfg = cfg;
    self->max_auto_created = (size_t)bitten_config_int(cfg, "default_account.max_auto_created");
    return 0;
}

/* ---------------------------------------------------------------- start / stop */

accounts_t *accounts_new(bitten_core_t *core)
{
    accounts_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->core = core;
    self->log = bitten_core_log(core);
    self->cfg = bitten_core_config(core);
    char err[300] = "out of memory or no store";
    self->table = account_table_from_config(self->cfg, err, sizeof err);
    char sym_err[200];
    self->symbols = bitten_symbols_from_config(self->cfg, sym_err, sizeof sym_err);
    self->store = accounts_store_new(bitten_core_store(core));
    self->norm = zhashx_new();
    if (self->norm)
        zhashx_set_destructor(self->norm, s_norm_free);
    self->brokers = calloc(1, sizeof *self->brokers);
    self->broker_of = zhashx_new();
    self->table_warned = zhashx_new();
    if (!self->table || !self->symbols || !self->store || !self->norm || !self->brokers ||
        !self->broker_of || !self->table_warned) {
        BLOG_ERROR(self->log, "accounts", "start_failed", "error=\"%s\"",
                   !self->table     ? err
                   : !self->symbols ? sym_err
                                    : "out of memory or no store");
        accounts_destroy(&self);
        return NULL;
    }
    //  The brokers section is read at start (a reload keeps it) and every pin must name one.
    if (accounts_check_config(self->cfg, err, sizeof err) != 0 ||
        broker_table_from_config(self->cfg, self->symbols, self->brokers, err, sizeof err) != 0) {
        BLOG_ERROR(self->log, "accounts", "start_failed", "error=\"%s\"", err);
        accounts_destroy(&self);
        return NULL;
    }
    self->max_auto_created =
        (size_t)bitten_config_int(self->cfg, "default_account.max_auto_created");
    bool grouped = s_group_begin(self);
    for (size_t i = 0; i < account_table_count(self->table); i++)
        s_store_account(self, account_table_at(self->table, i), false);
    s_group_end(self, grouped);
    self->query = (bitten_accounts_query_t){.self = self,
                                            .find = s_query_find,
                                            .tier = s_query_tier,
                                            .resolve = s_query_resolve,
                                            .count = s_query_count,
                                            .at = s_query_at,
                                            .symbol = s_query_symbol,
                                            .find_by_route = s_query_find_by_route,
                                            .set_dialect = s_query_set_dialect,
                                            .set_route = s_query_set_route,
                                            .put_symbol = s_query_put_symbol,
                                            .normalize = s_query_normalize};
    bitten_core_set_accounts_query(core, &self->query);
    bitten_core_control_register(core, "accounts", BITTEN_CONTROL_READ, NULL, s_control_accounts,
                                 self);
    bitten_core_status_register(core, "accounts", s_status, self);
    BLOG_INFO(self->log, "accounts", "ready", "accounts=%zu max_auto_created=%zu",
              account_table_count(self->table), self->max_auto_created);
    return self;
}

void accounts_destroy(accounts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accounts_t *self = *self_p;
    if (self->query.self) {
        bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
        bitten_accounts_query_t none = {0};
        bitten_core_set_accounts_query(self->core, &none);
    }
    accounts_store_destroy(&self->store);
    bitten_symbols_destroy(&self->symbols);
    account_table_destroy(&self->table);
    zhashx_destroy(&self->norm);
    zhashx_destroy(&self->broker_of);
    zhashx_destroy(&self->table_warned);
    free(self->brokers);
    free(self);
    *self_p = NULL;
}
