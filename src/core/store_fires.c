/*  store_fires.c: the fires table and its fire_events journal: insert (the exactly-once guard),
 *  transitions with their event rows in one transaction, find, list, the start-up scan. */
#include <stdlib.h>

#include "core/store_internal.h"

#define FIRE_COLS                                                                                  \
    "id, signal_id, uuid, symbol, action, lot, sl_points, tp_points, sl_pips, tp_pips, source, "   \
    "state, reason, ticket, fill_price, close_price, profit, created_at, sent_at, result_at, "     \
    "closed_at, expires_at"

static const char *const s_sql[S_COUNT_] = {
    [S_FIRE_INSERT] = "INSERT INTO fires (signal_id, uuid, symbol, action, lot, sl_points, "
                      "tp_points, sl_pips, tp_pips, source, state, reason, ticket, fill_price, "
                      "close_price, profit, created_at, sent_at, result_at, closed_at, expires_at) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_FIRE_EVENT_INSERT] = "INSERT INTO fire_events (fire_id, at, from_state, to_state, reason, "
                            "detail) VALUES (?,?,?,?,?,?)",
    [S_FIRE_STATE] = "SELECT state FROM fires WHERE id = ?",
    [S_FIRE_UPDATE] = "UPDATE fires SET state = ?2, reason = ?3,"
                      " ticket = COALESCE(?4, ticket), fill_price = COALESCE(?5, fill_price),"
                      " close_price = COALESCE(?6, close_price), profit = COALESCE(?7, profit),"
                      " sent_at = COALESCE(?8, sent_at), result_at = COALESCE(?9, result_at),"
                      " closed_at = COALESCE(?10, closed_at) WHERE id = ?1",
    [S_FIRE_FIND] = "SELECT " FIRE_COLS " FROM fires WHERE signal_id = ? AND uuid = ?",
    [S_FIRE_LIST] = "SELECT " FIRE_COLS " FROM fires WHERE (?1 IS NULL OR uuid = ?1)"
                    " AND (?2 IS NULL OR signal_id = ?2) AND (?3 IS NULL OR state = ?3)"
                    " ORDER BY id DESC LIMIT ?4",
    [S_FIRE_UNCONFIRMED] = "SELECT " FIRE_COLS " FROM fires WHERE state IN ('PENDING', 'SENT')"
                           " ORDER BY id",
    [S_FIRE_EVENTS] = "SELECT fire_id, at, from_state, to_state, reason, detail FROM fire_events"
                      " WHERE fire_id = ? ORDER BY id",
};

static sqlite3_stmt *s_stmt(bitten_store_t *self, s_stmt_id_t id)
{
    return store_stmt(self, id, s_sql[id]);
}

static const char *const s_state_names[BITTEN_FIRE_STATE_COUNT_] = {
    "PENDING", "SENT",    "FILLED",  "CLOSED",     "REFUSED",
    "FAILED",  "TIMEOUT", "EXPIRED", "UNCONFIRMED"};

const char *bitten_fire_state_str(bitten_fire_state_t state)
{
    return ((int)state >= 0 && state < BITTEN_FIRE_STATE_COUNT_) ? s_state_names[state] : "?";
}

int bitten_fire_state_from_str(const char *name)
{
    for (int i = 0; name && i < BITTEN_FIRE_STATE_COUNT_; i++)
        if (strcmp(s_state_names[i], name) == 0)
            return i;
    return -1;
}

static const char *const s_action_names[] = {"buy", "sell", "close", "close_all"};

static int s_action_from_str(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(s_action_names[i], name) == 0)
            return i;
    return -1;
}

/* ---------------------------------------------------------------- fires */

static void s_read_fire(sqlite3_stmt *st, void *item)
{
    bitten_fire_rec_t *r = item;
    r->id = sqlite3_column_int64(st, 0);
    s_copy(r->signal_id, sizeof r->signal_id, sqlite3_column_text(st, 1));
    s_copy(r->uuid, sizeof r->uuid, sqlite3_column_text(st, 2));
    s_copy(r->symbol, sizeof r->symbol, sqlite3_column_text(st, 3));
    int action = s_action_from_str((const char *)sqlite3_column_text(st, 4));
    r->action = action < 0 ? BITTEN_ACTION_BUY : (bitten_action_t)action; /* CHECK'd column */
    r->lot = sqlite3_column_double(st, 5);
    r->sl_points = sqlite3_column_int64(st, 6);
    r->tp_points = sqlite3_column_int64(st, 7);
    r->sl_pips = sqlite3_column_double(st, 8);
    r->tp_pips = sqlite3_column_double(st, 9);
    const unsigned char *src = sqlite3_column_text(st, 10);
    r->source =
        (src && strcmp((const char *)src, "manual") == 0) ? BITTEN_FIRE_MANUAL : BITTEN_FIRE_AUTO;
    int state = bitten_fire_state_from_str((const char *)sqlite3_column_text(st, 11));
    r->state = state < 0 ? BITTEN_FIRE_UNCONFIRMED : (bitten_fire_state_t)state;
    r->reason = s_col_reason(st, 12);
    r->has_ticket = !s_col_null(st, 13);
    r->ticket = sqlite3_column_int64(st, 13);
    r->has_fill_price = !s_col_null(st, 14);
    r->fill_price = sqlite3_column_double(st, 14);
    r->has_close_price = !s_col_null(st, 15);
    r->close_price = sqlite3_column_double(st, 15);
    r->has_profit = !s_col_null(st, 16);
    r->profit = sqlite3_column_double(st, 16);
    r->created_at = sqlite3_column_int64(st, 17);
    r->sent_at = sqlite3_column_int64(st, 18);
    r->result_at = sqlite3_column_int64(st, 19);
    r->closed_at = sqlite3_column_int64(st, 20);
    r->expires_at = sqlite3_column_int64(st, 21);
}

static int s_event_insert(bitten_store_t *self, int64_t fire_id, bitten_ms_t at, int from,
                          bitten_fire_state_t to, bitten_reason_t reason, const char *detail)
{
    sqlite3_stmt *st = s_stmt(self, S_FIRE_EVENT_INSERT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fire_id);
    sqlite3_bind_int64(st, 2, at);
    s_bind_text(st, 3, from < 0 ? NULL : bitten_fire_state_str((bitten_fire_state_t)from));
    s_bind_text(st, 4, bitten_fire_state_str(to));
    s_bind_reason(st, 5, reason);
    s_bind_text(st, 6, detail);
    return s_exec_stmt(st) == SQLITE_DONE ? 0 : -1;
}

static bool s_rec_ok(const bitten_fire_rec_t *rec)
{
    return rec && (int)rec->state >= 0 && rec->state < BITTEN_FIRE_STATE_COUNT_ &&
           (int)rec->action >= 0 && rec->action <= BITTEN_ACTION_CLOSE_ALL;
}

/*  One fire row and its first event, inside the caller's transaction: 0 (id in *id_out), 1
 *  duplicate (only this statement is undone), -1 error. */
static int s_insert_row(bitten_store_t *self, const bitten_fire_rec_t *rec, int64_t *id_out)
{
    sqlite3_stmt *st = s_stmt(self, S_FIRE_INSERT);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rec->signal_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, rec->uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, rec->symbol, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, s_action_names[rec->action], -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, rec->lot);
    sqlite3_bind_int64(st, 6, rec->sl_points);
    sqlite3_bind_int64(st, 7, rec->tp_points);
    sqlite3_bind_double(st, 8, rec->sl_pips);
    sqlite3_bind_double(st, 9, rec->tp_pips);
    sqlite3_bind_text(st, 10, rec->source == BITTEN_FIRE_MANUAL ? "manual" : "auto", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 11, bitten_fire_state_str(rec->state), -1, SQLITE_STATIC);
    s_bind_reason(st, 12, rec->reason);
    if (rec->has_ticket)
        sqlite3_bind_int64(st, 13, rec->ticket);
    s_bind_opt_double(st, 14, rec->has_fill_price, rec->fill_price);
    s_bind_opt_double(st, 15, rec->has_close_price, rec->close_price);
    s_bind_opt_double(st, 16, rec->has_profit, rec->profit);
    sqlite3_bind_int64(st, 17, rec->created_at);
    s_bind_ms(st, 18, rec->sent_at);
    s_bind_ms(st, 19, rec->result_at);
    s_bind_ms(st, 20, rec->closed_at);
    s_bind_ms(st, 21, rec->expires_at);
    int rc = sqlite3_step(st);
    bool dup = rc != SQLITE_DONE && s_is_duplicate(self);
    s_done(st);
    if (rc != SQLITE_DONE)
        return dup ? 1 : -1;
    int64_t id = sqlite3_last_insert_rowid(self->db);
    if (s_event_insert(self, id, rec->created_at, -1, rec->state, rec->reason, NULL) != 0)
        return -1;
    if (id_out)
        *id_out = id;
    return 0;
}

static int s_fire_insert(bitten_store_t *self, const bitten_fire_rec_t *rec, int64_t *id_out)
{
    if (!self || !s_rec_ok(rec))
        return -1;
    store_group_flush(self); /* a PENDING row is durable on its own, before its send */
    if (store_begin(self) != 0)
        return -1;
    int64_t id = 0;
    int rc = s_insert_row(self, rec, &id);
    if (rc != 0)
        return store_rollback(self, rc);
    if ((rec->state == BITTEN_FIRE_PENDING ? store_commit_before_send(self) : store_commit(self)) !=
        0)
        return -1;
    if (id_out)
        *id_out = id;
    return 0;
}

int bitten_store_fire_insert(bitten_store_t *self, const bitten_fire_rec_t *rec, int64_t *id_out)
{
    double t0 = store_mono_s();
    int rc = s_fire_insert(self, rec, id_out);
    store_observe(self, BITTEN_STORE_OP_FIRE_INSERT, t0);
    return rc;
}

static int s_fire_insert_many(bitten_store_t *self, bitten_fire_rec_t *recs, size_t n, int *rcs)
{
    if (!self || (n > 0 && (!recs || !rcs)))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!s_rec_ok(&recs[i]))
            return -1;
    store_group_flush(self);
    if (store_begin(self) != 0)
        return -1;
    bool pending = false;
    for (size_t i = 0; i < n; i++) {
        rcs[i] = s_insert_row(self, &recs[i], &recs[i].id);
        if (rcs[i] < 0)
            return store_rollback(self, -1);
        pending = pending || (rcs[i] == 0 && recs[i].state == BITTEN_FIRE_PENDING);
    }
    return (pending ? store_commit_before_send(self) : store_commit(self)) == 0 ? 0 : -1;
}

int bitten_store_fire_insert_many(bitten_store_t *self, bitten_fire_rec_t *recs, size_t n,
                                  int *rcs)
{
    double t0 = store_mono_s();
    int rc = s_fire_insert_many(self, recs, n, rcs);
    store_observe(self, BITTEN_STORE_OP_FIRE_INSERT, t0);
    return rc;
}

/*  Which timestamp column a move to `to` stamps (sent_at, result_at or closed_at), as the
 *  bind index of S_FIRE_UPDATE; 0 for none. TIMEOUT and UNCONFIRMED stamp nothing: they are
 *  not outcomes, and a later real result still stamps result_at. */
static int s_stamp_column(bitten_fire_state_t to)
{
    switch (to) {
    case BITTEN_FIRE_SENT:
        return 8;
    case BITTEN_FIRE_FILLED:
    case BITTEN_FIRE_FAILED:
    case BITTEN_FIRE_REFUSED:
    case BITTEN_FIRE_EXPIRED:
        return 9;
    case BITTEN_FIRE_CLOSED:
        return 10;
    default:
        return 0;
    }
}

static int s_fire_transition(bitten_store_t *self, int64_t id, bitten_fire_state_t to,
                             bitten_reason_t reason, const char *detail, bitten_ms_t at_ms,
                             const bitten_fire_update_t *upd, bool relaxed)
{
    if (!self || (int)to < 0 || to >= BITTEN_FIRE_STATE_COUNT_)
        return -1;
    sqlite3_stmt *get = s_stmt(self, S_FIRE_STATE);
    sqlite3_stmt *put = s_stmt(self, S_FIRE_UPDATE);
    if (!get || !put || (relaxed ? store_begin_relaxed(self) : store_begin(self)) != 0)
        return -1;

    sqlite3_bind_int64(get, 1, id);
    int from = -1;
    if (sqlite3_step(get) == SQLITE_ROW)
        from = bitten_fire_state_from_str((const char *)sqlite3_column_text(get, 0));
    s_done(get);
    if (from < 0)
        return store_rollback(self, -1);

    sqlite3_bind_int64(put, 1, id);
    sqlite3_bind_text(put, 2, bitten_fire_state_str(to), -1, SQLITE_STATIC);
    s_bind_reason(put, 3, reason);
    if (upd) {
        if (upd->has_ticket)
            sqlite3_bind_int64(put, 4, upd->ticket);
        s_bind_opt_double(put, 5, upd->has_fill_price, upd->fill_price);
        s_bind_opt_double(put, 6, upd->has_close_price, upd->close_price);
        s_bind_opt_double(put, 7, upd->has_profit, upd->profit);
    }
    int stamp = s_stamp_column(to);
    if (stamp)
        sqlite3_bind_int64(put, stamp, at_ms);
    if (s_exec_stmt(put) != SQLITE_DONE || sqlite3_changes(self->db) != 1)
        return store_rollback(self, -1);
    if (s_event_insert(self, id, at_ms, from, to, reason, detail) != 0)
        return store_rollback(self, -1);
    return store_commit(self);
}

int bitten_store_fire_transition(bitten_store_t *self, int64_t id, bitten_fire_state_t to,
                                 bitten_reason_t reason, const char *detail, bitten_ms_t at_ms,
                                 const bitten_fire_update_t *upd)
{
    double t0 = store_mono_s();
    int rc = s_fire_transition(self, id, to, reason, detail, at_ms, upd, false);
    store_observe(self, BITTEN_STORE_OP_FIRE_TRANSITION, t0);
    return rc;
}

int bitten_store_fire_transition_relaxed(bitten_store_t *self, int64_t id, bitten_fire_state_t to,
                                         bitten_reason_t reason, const char *detail,
                                         bitten_ms_t at_ms, const bitten_fire_update_t *upd)
{
    double t0 = store_mono_s();
    int rc = s_fire_transition(self, id, to, reason, detail, at_ms, upd, true);
    if (self)
        store_end_relaxed(self);
    store_observe(self, BITTEN_STORE_OP_FIRE_TRANSITION, t0);
    return rc;
}

int bitten_store_fire_find(bitten_store_t *self, const char *signal_id, const char *uuid,
                           bitten_fire_rec_t *rec)
{
    if (!self || !signal_id || !uuid || !rec)
        return -1;
    sqlite3_stmt *st = s_stmt(self, S_FIRE_FIND);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, signal_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(rec, 0, sizeof *rec);
        s_read_fire(st, rec);
    }
    s_done(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static int s_walk_fires(sqlite3_stmt *st, bitten_fire_cb *cb, void *arg)
{
    void *items = NULL;
    size_t count = 0;
    if (store_collect(st, sizeof(bitten_fire_rec_t), s_read_fire, &items, &count) != 0)
        return -1;
    const bitten_fire_rec_t *recs = items;
    size_t i = 0;
    for (; i < count; i++)
        if (cb && cb(arg, &recs[i]) != 0) {
            i++;
            break;
        }
    free(items);
    return (int)i;
}

int bitten_store_fire_list(bitten_store_t *self, const bitten_fire_filter_t *filter,
                           bitten_fire_cb *cb, void *arg)
{
    if (!self)
        return -1;
    sqlite3_stmt *st = s_stmt(self, S_FIRE_LIST);
    if (!st)
        return -1;
    if (filter) {
        s_bind_text(st, 1, filter->uuid);
        s_bind_text(st, 2, filter->signal_id);
        if (filter->state >= 0 && filter->state < BITTEN_FIRE_STATE_COUNT_)
            sqlite3_bind_text(st, 3, bitten_fire_state_str((bitten_fire_state_t)filter->state), -1,
                              SQLITE_STATIC);
    }
    sqlite3_bind_int(st, 4, (filter && filter->limit > 0) ? filter->limit : -1);
    return s_walk_fires(st, cb, arg);
}

int bitten_store_fires_unconfirmed(bitten_store_t *self, bitten_fire_cb *cb, void *arg)
{
    sqlite3_stmt *st = self ? s_stmt(self, S_FIRE_UNCONFIRMED) : NULL;
    return st ? s_walk_fires(st, cb, arg) : -1;
}

static void s_read_event(sqlite3_stmt *st, void *item)
{
    bitten_fire_event_rec_t *e = item;
    e->fire_id = sqlite3_column_int64(st, 0);
    e->at = sqlite3_column_int64(st, 1);
    e->from_state = s_col_null(st, 2)
                        ? -1
                        : bitten_fire_state_from_str((const char *)sqlite3_column_text(st, 2));
    int to = bitten_fire_state_from_str((const char *)sqlite3_column_text(st, 3));
    e->to_state = to < 0 ? BITTEN_FIRE_UNCONFIRMED : (bitten_fire_state_t)to;
    e->reason = s_col_reason(st, 4);
    s_copy(e->detail, sizeof e->detail, sqlite3_column_text(st, 5));
}

int bitten_store_fire_events(bitten_store_t *self, int64_t fire_id, bitten_fire_event_cb *cb,
                             void *arg)
{
    sqlite3_stmt *st = self ? s_stmt(self, S_FIRE_EVENTS) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fire_id);
    void *items = NULL;
    size_t count = 0;
    if (store_collect(st, sizeof(bitten_fire_event_rec_t), s_read_event, &items, &count) != 0)
        return -1;
    const bitten_fire_event_rec_t *evs = items;
    size_t i = 0;
    for (; i < count; i++)
        if (cb && cb(arg, &evs[i]) != 0) {
            i++;
            break;
        }
    free(items);
    return (int)i;
}
