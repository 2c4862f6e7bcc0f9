/*  store_retention.c: bounded pruning of what grows without end: account snapshots (all but
 *  each account's latest, past store.snapshot_retention_h) and the fire_events of fires that
 *  reached a final state (past store.fire_event_retention_d). The core calls it on a timer. */
#include "core/store_internal.h"

/*  Old rows come by the time indexes of schema v3, so a pass reads what it deletes (plus the
 *  few rows it must keep), never the whole table. The subquery's b.at >= a.at narrows the
 *  index range; after a clock step back it may miss a newer row and keep an old one (safe).
 *  CROSS JOIN pins fire_events (by its time index) as the outer loop: left to itself the
 *  planner walks every final fire by fires_state, a table that is never pruned. */
static const char *const s_sql[S_COUNT_] = {
    [S_PRUNE_SNAPSHOTS] =
        "DELETE FROM account_snapshots WHERE id IN (SELECT a.id FROM account_snapshots a"
        " WHERE a.at < ?1 AND EXISTS (SELECT 1 FROM account_snapshots b WHERE b.uuid = a.uuid"
        " AND b.at >= a.at AND b.id > a.id) ORDER BY a.at LIMIT ?2)",
    [S_PRUNE_FIRE_EVENTS] =
        "DELETE FROM fire_events WHERE id IN (SELECT e.id FROM fire_events e"
        " CROSS JOIN fires f ON f.id = e.fire_id WHERE e.at < ?1"
        " AND f.state IN ('CLOSED','REFUSED','FAILED','EXPIRED')"
        " AND MAX(f.created_at, COALESCE(f.sent_at, 0), COALESCE(f.result_at, 0),"
        " COALESCE(f.closed_at, 0)) < ?1 ORDER BY e.at LIMIT ?2)",
};

bool bitten_fire_state_is_final(bitten_fire_state_t state)
{
    return state == BITTEN_FIRE_CLOSED || state == BITTEN_FIRE_REFUSED ||
           state == BITTEN_FIRE_FAILED || state == BITTEN_FIRE_EXPIRED;
}

static int s_prune(bitten_store_t *self, s_stmt_id_t id, bitten_ms_t cutoff_ms, int batch)
{
    sqlite3_stmt *st = (self && batch > 0) ? store_stmt(self, id, s_sql[id]) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, cutoff_ms);
    sqlite3_bind_int(st, 2, batch);
    if (s_exec_stmt(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(self->db);
}

int bitten_store_prune_snapshots(bitten_store_t *self, bitten_ms_t cutoff_ms, int batch)
{
    return s_prune(self, S_PRUNE_SNAPSHOTS, cutoff_ms, batch);
}

int bitten_store_prune_fire_events(bitten_store_t *self, bitten_ms_t cutoff_ms, int batch)
{
    return s_prune(self, S_PRUNE_FIRE_EVENTS, cutoff_ms, batch);
}

int bitten_store_prune(bitten_store_t *self, const bitten_retention_t *policy, bitten_ms_t now_ms,
                       bitten_prune_result_t *out)
{
    if (!self || !policy || !out || policy->batch <= 0)
        return -1;
    memset(out, 0, sizeof *out);
    if (!policy->snapshot_retention_ms && !policy->fire_event_retention_ms)
        return 0;
    if (store_begin(self) != 0)
        return -1;
    int snaps = 0, events = 0;
    if (policy->snapshot_retention_ms)
        snaps = bitten_store_prune_snapshots(self, now_ms - policy->snapshot_retention_ms,
                                             policy->batch);
    if (snaps >= 0 && policy->fire_event_retention_ms)
        events = bitten_store_prune_fire_events(self, now_ms - policy->fire_event_retention_ms,
                                                policy->batch);
    if (snaps < 0 || events < 0)
        return store_rollback(self, -1);
    if (store_commit(self) != 0)
        return -1;
    out->snapshots = snaps;
    out->fire_events = events;
    out->more = snaps == policy->batch || events == policy->batch;
    return 0;
}

int bitten_store_optimize(bitten_store_t *self)
{
    return (self && sqlite3_exec(self->db, "PRAGMA optimize", NULL, NULL, NULL) == SQLITE_OK) ? 0
                                                                                             : -1;
}
