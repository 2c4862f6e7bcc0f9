/*  store_risk.c: what XP & risk keeps: account state snapshots, the XP ledger with its totals
 *  and ranks (exactly once per award), and halts (insert, release, list active). */
#include <stdlib.h>

#include "core/store_internal.h"

#define HALT_COLS "id, scope, uuid, kind, reason, why, created_at, released_at, released_by"

static const char *const s_sql[S_COUNT_] = {
    [S_SNAPSHOT_INSERT] = "INSERT INTO account_snapshots (uuid, at, json) VALUES (?,?,?)",
    [S_SNAPSHOTS_LATEST] = "SELECT uuid, at, json FROM account_snapshots a WHERE id = "
                           "(SELECT MAX(id) FROM account_snapshots b WHERE b.uuid = a.uuid) "
                           "AND (?1 IS NULL OR uuid = ?1) ORDER BY uuid",
    [S_XP_LEDGER_INSERT] = "INSERT INTO xp_ledger (uuid, signal_id, event, xp, at) "
                           "VALUES (?,?,?,?,?)",
    [S_XP_TOTAL_ADD] = "INSERT INTO xp_totals (uuid, xp) VALUES (?1, ?2) ON CONFLICT (uuid) "
                       "DO UPDATE SET xp = xp + excluded.xp RETURNING xp",
    [S_XP_TOTAL_GET] = "SELECT xp, rank FROM xp_totals WHERE uuid = ?",
    [S_XP_SET_RANK] = "UPDATE xp_totals SET rank = ?2 WHERE uuid = ?1",
    [S_HALT_INSERT] = "INSERT INTO halts (scope, uuid, kind, reason, why, created_at) "
                      "VALUES (?,?,?,?,?,?)",
    [S_HALT_RELEASE] = "UPDATE halts SET released_at = ?2, released_by = ?3"
                       " WHERE id = ?1 AND released_at IS NULL",
    [S_HALTS_ACTIVE] = "SELECT " HALT_COLS " FROM halts WHERE released_at IS NULL ORDER BY "
                       "created_at, id",
};

static sqlite3_stmt *s_stmt(bitten_store_t *self, s_stmt_id_t id)
{
    return store_stmt(self, id, s_sql[id]);
}

/* ---------------------------------------------------------------- account snapshots */

int bitten_store_account_snapshot(bitten_store_t *self, const char *uuid, bitten_ms_t at,
                                  const char *json)
{
    sqlite3_stmt *st = (self && uuid && json) ? s_stmt(self, S_SNAPSHOT_INSERT) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, json, -1, SQLITE_TRANSIENT);
    double t0 = store_mono_s();
    int rc = s_exec_stmt(st) == SQLITE_DONE ? 0 : -1;
    store_observe(self, BITTEN_STORE_OP_SNAPSHOT, t0);
    return rc;
}

typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    bitten_ms_t at;
    char *json; /* owned; NULL when the copy failed */
} s_snapshot_row_t;

static void s_read_snapshot(sqlite3_stmt *st, void *item)
{
    s_snapshot_row_t *row = item;
    s_copy(row->uuid, sizeof row->uuid, sqlite3_column_text(st, 0));
    row->at = sqlite3_column_int64(st, 1);
    const unsigned char *json = sqlite3_column_text(st, 2);
    row->json = strdup(json ? (const char *)json : "");
}

int bitten_store_account_snapshots_latest(bitten_store_t *self, const char *uuid,
                                          bitten_snapshot_cb *cb, void *arg)
{
    sqlite3_stmt *st = self ? s_stmt(self, S_SNAPSHOTS_LATEST) : NULL;
    if (!st)
        return -1;
    s_bind_text(st, 1, uuid);
    void *items = NULL;
    size_t count = 0;
    if (store_collect(st, sizeof(s_snapshot_row_t), s_read_snapshot, &items, &count) != 0)
        return -1;
    s_snapshot_row_t *rows = items;
    int passed = 0;
    bool stop = false, failed = false;
    for (size_t i = 0; i < count; i++) {
        failed = failed || !rows[i].json;
        if (!failed && !stop) {
            passed++;
            stop = cb && cb(arg, rows[i].uuid, rows[i].at, rows[i].json) != 0;
        }
        free(rows[i].json);
    }
    free(items);
    return failed ? -1 : passed;
}

/* ---------------------------------------------------------------- XP */

int bitten_store_xp_total(bitten_store_t *self, const char *uuid, int64_t *total, char *rank,
                          size_t rank_size)
{
    sqlite3_stmt *st = (self && uuid) ? s_stmt(self, S_XP_TOTAL_GET) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (total)
        *total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rank && rank_size)
        s_copy(rank, rank_size, rc == SQLITE_ROW ? sqlite3_column_text(st, 1) : NULL);
    s_done(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int bitten_store_xp_award(bitten_store_t *self, const char *uuid, const char *signal_id,
                          const char *event, int64_t xp, bitten_ms_t at, int64_t *new_total,
                          bitten_rank_fn *rank_of)
{
    if (!self || !uuid || !signal_id || !event)
        return -1;
    sqlite3_stmt *ledger = s_stmt(self, S_XP_LEDGER_INSERT);
    sqlite3_stmt *add = s_stmt(self, S_XP_TOTAL_ADD);
    sqlite3_stmt *rank = s_stmt(self, S_XP_SET_RANK);
    if (!ledger || !add || !rank || store_begin(self) != 0)
        return -1;

    sqlite3_bind_text(ledger, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ledger, 2, signal_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ledger, 3, event, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ledger, 4, xp);
    sqlite3_bind_int64(ledger, 5, at);
    int rc = sqlite3_step(ledger);
    bool dup = rc != SQLITE_DONE && s_is_duplicate(self);
    s_done(ledger);
    if (rc != SQLITE_DONE) {
        store_rollback(self, -1);
        if (!dup)
            return -1;
        int64_t current = 0;
        if (bitten_store_xp_total(self, uuid, &current, NULL, 0) < 0)
            return -1;
        if (new_total)
            *new_total = current;
        return 1;
    }

    sqlite3_bind_text(add, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(add, 2, xp);
    int64_t total = 0;
    rc = sqlite3_step(add);
    if (rc == SQLITE_ROW) {
        total = sqlite3_column_int64(add, 0);
        rc = sqlite3_step(add);
    }
    s_done(add);
    if (rc != SQLITE_DONE)
        return store_rollback(self, -1);
    if (rank_of) {
        const char *name = rank_of(total);
        sqlite3_bind_text(rank, 1, uuid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(rank, 2, name ? name : "", -1, SQLITE_TRANSIENT);
        if (s_exec_stmt(rank) != SQLITE_DONE)
            return store_rollback(self, -1);
    }
    if (store_commit(self) != 0)
        return -1;
    if (new_total)
        *new_total = total;
    return 0;
}

/* ---------------------------------------------------------------- halts */

int bitten_store_halt_insert(bitten_store_t *self, const bitten_halt_rec_t *rec, int64_t *id_out)
{
    sqlite3_stmt *st = (self && rec) ? s_stmt(self, S_HALT_INSERT) : NULL;
    if (!st)
        return -1;
    bool global = rec->scope == BITTEN_HALT_GLOBAL;
    sqlite3_bind_text(st, 1, global ? "global" : "account", -1, SQLITE_STATIC);
    s_bind_text(st, 2, global ? NULL : rec->uuid);
    sqlite3_bind_text(st, 3, rec->kind == BITTEN_HALT_HARD ? "hard" : "soft", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, bitten_reason_str(rec->reason), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rec->why, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, rec->created_at);
    if (s_exec_stmt(st) != SQLITE_DONE)
        return -1;
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(self->db);
    return 0;
}

int bitten_store_halt_release(bitten_store_t *self, int64_t id, bitten_ms_t at, const char *by)
{
    sqlite3_stmt *st = self ? s_stmt(self, S_HALT_RELEASE) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    s_bind_text(st, 3, by ? by : "");
    if (s_exec_stmt(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(self->db) == 1 ? 0 : 1;
}

static void s_read_halt(sqlite3_stmt *st, void *item)
{
    bitten_halt_rec_t *h = item;
    h->id = sqlite3_column_int64(st, 0);
    const unsigned char *scope = sqlite3_column_text(st, 1);
    h->scope = (scope && strcmp((const char *)scope, "global") == 0) ? BITTEN_HALT_GLOBAL
                                                                     : BITTEN_HALT_ACCOUNT;
    s_copy(h->uuid, sizeof h->uuid, sqlite3_column_text(st, 2));
    const unsigned char *kind = sqlite3_column_text(st, 3);
    h->kind =
        (kind && strcmp((const char *)kind, "hard") == 0) ? BITTEN_HALT_HARD : BITTEN_HALT_SOFT;
    h->reason = s_col_reason(st, 4);
    s_copy(h->why, sizeof h->why, sqlite3_column_text(st, 5));
    h->created_at = sqlite3_column_int64(st, 6);
    h->released_at = sqlite3_column_int64(st, 7);
    s_copy(h->released_by, sizeof h->released_by, sqlite3_column_text(st, 8));
}

int bitten_store_halts_active(bitten_store_t *self, bitten_halt_cb *cb, void *arg)
{
    sqlite3_stmt *st = self ? s_stmt(self, S_HALTS_ACTIVE) : NULL;
    if (!st)
        return -1;
    void *items = NULL;
    size_t count = 0;
    if (store_collect(st, sizeof(bitten_halt_rec_t), s_read_halt, &items, &count) != 0)
        return -1;
    const bitten_halt_rec_t *halts = items;
    size_t i = 0;
    for (; i < count; i++)
        if (cb && cb(arg, &halts[i]) != 0) {
            i++;
            break;
        }
    free(items);
    return (int)i;
}
