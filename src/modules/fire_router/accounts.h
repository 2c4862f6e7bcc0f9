/*  accounts.h: the fire router's accounts: from config (`accounts` section) or created on first
 *  telemetry from `default_account.*`. Parsing and validation are pure; the table is a map. */
#ifndef BITTEN_FIRE_ACCOUNTS_H
#define BITTEN_FIRE_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/config.h"
#include "bitten/proto.h"
#include "modules/fire_router/fire_checks.h"

typedef enum { ACCOUNT_MODE_MANUAL, ACCOUNT_MODE_AUTO } account_mode_t;

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    fire_tier_t tier;
    account_mode_t mode;
    double risk_pct; /* <= 0: the tier's risk per trade (XP & risk) */
    double max_lot;  /* <= 0: no account cap */
    char symbols[BITTEN_SYMLIST_MAX + 1]; /* "" = all */
    bool from_config;
} account_t;

const char *account_mode_str(account_mode_t mode);

/*  Fills *out from text fields (NULL = default). Returns 0, or -1 with the field at fault and
 *  why in err ("tier: 'WOLF' is not NIBBLER|FANG|COMMANDER"). */
int account_parse(const char *uuid, const char *tier, const char *mode, const char *risk_pct,
                  const char *max_lot, const char *symbols, account_t *out, char *err,
                  size_t errlen);

/*  The default_account.* keys as an account for uuid. */
int account_from_defaults(const bitten_config_t *cfg, const char *uuid, account_t *out, char *err,
                          size_t errlen);

typedef struct accounts accounts_t;

/*  Loads every entry of the `accounts` section (each child: uuid, tier, mode, risk_pct,
 *  max_lot, symbols). NULL with one line naming the key in err when one is invalid. */
accounts_t *accounts_new(const bitten_config_t *cfg, char *err, size_t errlen);
void accounts_destroy(accounts_t **self_p);

/*  The account, or NULL. Pointers stay valid until the next accounts_add. */
const account_t *accounts_find(const accounts_t *self, const char *uuid);

/*  Adds an account (first telemetry from an unknown uuid). Returns the stored copy or NULL. */
const account_t *accounts_add(accounts_t *self, const account_t *account);

size_t accounts_count(const accounts_t *self);
/*  Iteration in insertion order (stable output for status and auto-fire order). */
const account_t *accounts_at(const accounts_t *self, size_t index);

#endif
