/*  store_kv.c: small key/value state (CITADEL's threshold, ...): one table, get and set.
 *  Values are text; a buffer too small for a value is an error, never a truncation. */
#include "core/store_internal.h"

static const char *const s_sql[S_COUNT_] = {
    [S_KV_GET] = "SELECT value FROM kv WHERE key = ?",
    [S_KV_SET] = "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

static sqlite3_stmt *s_stmt(bitten_store_t *self, s_stmt_id_t id)
{
    return store_stmt(self, id, s_sql[id]);
}

/* ---------------------------------------------------------------- key / value */

int bitten_store_kv_get(bitten_store_t *self, const char *key, char *buf, size_t size)
{
    sqlite3_stmt *st = (self && key && buf && size) ? s_stmt(self, S_KV_GET) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), out = -1;
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if (len < size) {
            memcpy(buf, v ? (const char *)v : "", len);
            buf[len] = '\0';
            out = 0;
        }
    } else if (rc == SQLITE_DONE) {
        out = 1;
    }
    s_done(st);
    return out;
}

int bitten_store_kv_set(bitten_store_t *self, const char *key, const char *value)
{
    sqlite3_stmt *st = (self && key && value) ? s_stmt(self, S_KV_SET) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    double t0 = store_mono_s();
    int rc = s_exec_stmt(st) == SQLITE_DONE ? 0 : -1;
    store_observe(self, BITTEN_STORE_OP_KV_SET, t0);
    return rc;
}
