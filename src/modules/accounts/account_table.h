/*  account_table.h: the pure half of the accounts module: an account entry parsed and
 *  validated field by field (config `accounts` section, `default_account.*`), and the ordered
 *  table of accounts with their dialect, route and broker symbol facts. No I/O. */
#ifndef BITTEN_ACCOUNT_TABLE_H
#define BITTEN_ACCOUNT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/config.h"
#include "bitten/symbols.h"
#include "bitten/trading.h"

/*  Most symbols one account's broker facts describe (the symbol table's size is the bound). */
#define ACCOUNT_SYMBOL_FACTS_MAX 64

/*  Fills *out from text fields (NULL = default: NIBBLER, manual, tier's risk, no cap, all
 *  symbols, dialect not pinned). Returns 0, or -1 with the field at fault and why in err
 *  ("tier: 'WOLF' is not NIBBLER|FANG|COMMANDER"). */
int account_parse(const char *uuid, const char *tier, const char *mode, const char *risk_pct,
                  const char *max_lot, const char *symbols, const char *dialect,
                  bitten_account_t *out, char *err, size_t errlen);

/*  The default_account.* keys as an account for uuid (created on first contact). */
int account_from_defaults(const bitten_config_t *cfg, const char *uuid, bitten_account_t *out,
                          char *err, size_t errlen);

/*  Lays the broker's facts (NULL = none) over the symbol table's spec (NULL = not in the
 *  table) into *out (spec, and the same numbers as out->facts for the dialect encoders). Returns 0,
 * or -1 when the table does not know the symbol: a broker fact alone is never enough to trade on
 * (pip and pip value are not among them). */
int account_symbol_resolve(const bitten_symbol_t *base, const bitten_broker_symbol_t *broker,
                           bitten_account_symbol_t *out);

typedef struct account_table account_table_t;

account_table_t *account_table_new(void);
void account_table_destroy(account_table_t **self_p);

/*  A table holding every entry of the `accounts` section (each child: uuid, tier, mode,
 *  risk_pct, max_lot, symbols, dialect), marked from_config. NULL with one line naming the key
 *  in err when one is invalid or a uuid is listed twice. */
account_table_t *account_table_from_config(const bitten_config_t *cfg, char *err, size_t errlen);

/*  The account, or NULL. The pointer stays valid until the table is destroyed. */
const bitten_account_t *account_table_find(const account_table_t *self, const char *uuid);

/*  The frame path's lookup (issue 17): the account and its slot (*slot -1 and NULL when
 *  unknown). A slot is the account's index in insertion order (account_table_at): entries are
 *  never removed or reordered, so a slot names one account for the table's whole life and is
 *  never given to another. */
const bitten_account_t *account_table_find_slot(const account_table_t *self, const char *uuid,
                                                int *slot);

/*  The account in that slot if its uuid is uuid, else NULL (a slot out of range, or a slot
 *  that names another account: whoever handed it out was wrong, nothing is trusted). No hash. */
const bitten_account_t *account_table_at_slot(const account_table_t *self, int slot,
                                              const char *uuid);

/*  Adds a copy (its uuid must not be in the table). Returns the stored copy, or NULL when the
 *  uuid is there already or memory ran out. */
const bitten_account_t *account_table_add(account_table_t *self, const bitten_account_t *account);

/*  A reload: the account's configurable settings (tier, mode, risk_pct, max_lot, symbols)
 *  from `from` (same uuid). Returns 1 when something changed, 0 when not, -1 unknown uuid. */
int account_table_update_settings(account_table_t *self, const bitten_account_t *from);

size_t account_table_count(const account_table_t *self);
/*  Insertion order (stable output for status and the auto-fire order); NULL past the end. */
const bitten_account_t *account_table_at(const account_table_t *self, size_t index);

/*  The account's dialect as detected: 0 set, 1 unchanged because config pinned another one,
 *  -1 unknown account or not a dialect. */
int account_table_set_dialect(account_table_t *self, const char *uuid, bitten_dialect_t dialect);

/*  True when the two routes share a connection identity: the same DEALER routing id or the
 *  same CURVE public key (endpoints are not identities). */
bool account_route_shares(const bitten_account_route_t *a, const bitten_account_route_t *b);

/*  The account's route (how its connection is recognised): 0; 1 when another account already
 *  holds that routing id or CURVE key (refused: nothing changes); -1 for an unknown account or
 *  a routing id of 0 or more than BITTEN_ROUTE_ID_MAX bytes. */
int account_table_set_route(account_table_t *self, const char *uuid,
                            const bitten_account_route_t *route);

/*  The account whose route shares an identity with route (a frame without uuid, issue 13), or
 *  NULL. set_route keeps identities unique, so at most one matches. */
const bitten_account_t *account_table_find_by_route(const account_table_t *self,
                                                    const bitten_account_route_t *route);

/*  Adds or replaces the broker's facts for one symbol of the account: 0, or -1 for an
 *  unknown account, an empty symbol, or more than ACCOUNT_SYMBOL_FACTS_MAX symbols. */
int account_table_put_symbol(account_table_t *self, const char *uuid,
                             const bitten_broker_symbol_t *facts);

/*  The broker's facts for the account's symbol, or NULL. */
const bitten_broker_symbol_t *account_table_symbol_facts(const account_table_t *self,
                                                         const char *uuid, const char *symbol);

/*  The `brokers` entry config pins for the account (accounts.<x>.broker), "" for none. */
const char *account_table_broker_key(const account_table_t *self, const char *uuid);

#endif
