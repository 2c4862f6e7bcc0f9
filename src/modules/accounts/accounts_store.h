/*  accounts_store.h: the `accounts` table of the store, read and written by the accounts module
 *  only (the schema and its migrations stay with the store, src/core/store.c). */
#ifndef BITTEN_ACCOUNTS_STORE_H
#define BITTEN_ACCOUNTS_STORE_H

#include "bitten/trading.h"
#include "core/store.h"

typedef struct accounts_store accounts_store_t;

/*  Statements on store's connection; NULL when store is NULL or memory ran out. Destroy it
 *  before the store closes. */
accounts_store_t *accounts_store_new(bitten_store_t *store);
void accounts_store_destroy(accounts_store_t **self_p);

/*  One row as the table holds it (tier and mode as their names, so operators can read it). */
typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    char tier[16]; /* "NIBBLER" / "FANG" / "COMMANDER" */
    char mode[16]; /* "auto" / "manual" */
    double risk_pct, max_lot;
    char symbols[BITTEN_SYMLIST_MAX + 1]; /* comma list, "" = all */
    bitten_ms_t created_at, updated_at;
} accounts_store_row_t;

/*  Inserts or updates an account (created_at kept from the first put). 0 or -1. */
int accounts_store_put(accounts_store_t *self, const accounts_store_row_t *row);

/*  0 found, 1 not found, -1 error. */
int accounts_store_get(accounts_store_t *self, const char *uuid, accounts_store_row_t *row);

/*  The row for an account at now (created_at = updated_at = now). */
void accounts_store_row_of(const bitten_account_t *account, bitten_ms_t now,
                           accounts_store_row_t *row);

/*  The last SQLite error text, for log lines after a -1. */
const char *accounts_store_errmsg(accounts_store_t *self);

#endif
