/*  accounts_store.c: the accounts table on the store's SQLite connection: two prepared
 *  statements, kept for the module's life and finalized when it stops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "modules/accounts/accounts_store.h"

#define S_PUT_SQL                                                                                  \
    "INSERT INTO accounts (uuid, tier, mode, risk_pct, max_lot, symbols, created_at, updated_at) " \
    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "                                                            \
    "ON CONFLICT (uuid) DO UPDATE SET tier = excluded.tier, mode = excluded.mode,"                 \
    " risk_pct = excluded.risk_pct, max_lot = excluded.max_lot,"                                   \
    " symbols = excluded.symbols, updated_at = excluded.updated_at"
#define S_GET_SQL                                                                                  \
    "SELECT uuid, tier, mode, risk_pct, max_lot, symbols, created_at, updated_at FROM accounts "   \
    "WHERE uuid = ?"

struct accounts_store {
    sqlite3 *db;
    sqlite3_stmt *put, *get; /* prepared on first use */
};

accounts_store_t *accounts_store_new(bitten_store_t *store)
{
    sqlite3 *db = bitten_store_sqlite(store);
    if (!db)
        return NULL;
    accounts_store_t *self = calloc(1, sizeof *self);
    if (self)
        self->db = db;
    return self;
}

void accounts_store_destroy(accounts_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sqlite3_finalize((*self_p)->put);
    sqlite3_finalize((*self_p)->get);
    free(*self_p);
    *self_p = NULL;
}

static sqlite3_stmt *s_stmt(accounts_store_t *self, sqlite3_stmt **slot, const char *sql)
{
    if (!*slot &&
        sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
        return NULL;
    return *slot;
}

static void s_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void s_copy(char *dst, size_t size, const unsigned char *src)
{
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

int accounts_store_put(accounts_store_t *self, const accounts_store_row_t *row)
{
    sqlite3_stmt *st = (self && row) ? s_stmt(self, &self->put, S_PUT_SQL) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, row->uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, row->tier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, row->mode, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 4, row->risk_pct);
    sqlite3_bind_double(st, 5, row->max_lot);
    sqlite3_bind_text(st, 6, row->symbols, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, row->created_at);
    sqlite3_bind_int64(st, 8, row->updated_at ? row->updated_at : row->created_at);
    int rc = sqlite3_step(st);
    s_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int accounts_store_get(accounts_store_t *self, const char *uuid, accounts_store_row_t *row)
{
    sqlite3_stmt *st = (self && uuid && row) ? s_stmt(self, &self->get, S_GET_SQL) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(row, 0, sizeof *row);
        s_copy(row->uuid, sizeof row->uuid, sqlite3_column_text(st, 0));
        s_copy(row->tier, sizeof row->tier, sqlite3_column_text(st, 1));
        s_copy(row->mode, sizeof row->mode, sqlite3_column_text(st, 2));
        row->risk_pct = sqlite3_column_double(st, 3);
        row->max_lot = sqlite3_column_double(st, 4);
        s_copy(row->symbols, sizeof row->symbols, sqlite3_column_text(st, 5));
        row->created_at = sqlite3_column_int64(st, 6);
        row->updated_at = sqlite3_column_int64(st, 7);
    }
    s_done(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

void accounts_store_row_of(const bitten_account_t *account, bitten_ms_t now,
                           accounts_store_row_t *row)
{
    memset(row, 0, sizeof *row);
    snprintf(row->uuid, sizeof row->uuid, "%s", account->uuid);
    snprintf(row->tier, sizeof row->tier, "%s", bitten_tier_str(account->tier));
    snprintf(row->mode, sizeof row->mode, "%s", bitten_account_mode_str(account->mode));
    row->risk_pct = account->risk_pct;
    row->max_lot = account->max_lot;
    snprintf(row->symbols, sizeof row->symbols, "%s", account->symbols);
    row->created_at = row->updated_at = now;
}

const char *accounts_store_errmsg(accounts_store_t *self)
{
    return self && self->db ? sqlite3_errmsg(self->db) : "no store";
}
