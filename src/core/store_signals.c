/*  store_signals.c: the signals VENOM emitted and the verdicts CITADEL gave them: insert both,
 *  and list signals with their latest verdict (`bittenctl signals`). */
#include "core/store_internal.h"

static const char *const s_sql[S_COUNT_] = {
    [S_SIGNAL_INSERT] = "INSERT INTO signals (signal_id, symbol, direction, class, pattern, "
                        "confidence, entry, sl_pips, tp_pips, sl_price, tp_price, rr, atr_pips, "
                        "session, created_at, expires_at, json) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_VERDICT_INSERT] = "INSERT INTO verdicts (signal_id, score, label, multiplier, passed, "
                         "reasons, at) VALUES (?,?,?,?,?,?,?)",
    [S_SIGNAL_LIST] = "SELECT s.json, v.label, v.passed, v.reasons, v.score FROM signals s "
                      "LEFT JOIN verdicts v ON v.id = (SELECT max(id) FROM verdicts "
                      "WHERE signal_id = s.signal_id) "
                      "WHERE (?1 IS NULL OR s.symbol = ?1) ORDER BY s.created_at DESC, "
                      "s.rowid DESC LIMIT ?2",
};

static sqlite3_stmt *s_stmt(bitten_store_t *self, s_stmt_id_t id)
{
    return store_stmt(self, id, s_sql[id]);
}

/* ---------------------------------------------------------------- signals and verdicts */

int bitten_store_signal_insert(bitten_store_t *self, const bitten_signal_rec_t *rec)
{
    sqlite3_stmt *st = (self && rec) ? s_stmt(self, S_SIGNAL_INSERT) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rec->signal_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, rec->symbol, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, rec->direction, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, rec->class_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, rec->pattern, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 6, rec->confidence);
    sqlite3_bind_double(st, 7, rec->entry);
    sqlite3_bind_double(st, 8, rec->sl_pips);
    sqlite3_bind_double(st, 9, rec->tp_pips);
    sqlite3_bind_double(st, 10, rec->sl_price);
    sqlite3_bind_double(st, 11, rec->tp_price);
    sqlite3_bind_double(st, 12, rec->rr);
    sqlite3_bind_double(st, 13, rec->atr_pips);
    sqlite3_bind_text(st, 14, rec->session, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 15, rec->created_at);
    s_bind_ms(st, 16, rec->expires_at);
    s_bind_text(st, 17, rec->json);
    int rc = sqlite3_step(st);
    bool dup = rc != SQLITE_DONE && s_is_duplicate(self);
    s_done(st);
    return rc == SQLITE_DONE ? 0 : dup ? 1 : -1;
}

int bitten_store_signal_list(bitten_store_t *self, const char *symbol, int limit,
                             bitten_signal_cb *cb, void *arg)
{
    sqlite3_stmt *st = self ? s_stmt(self, S_SIGNAL_LIST) : NULL;
    if (!st)
        return -1;
    s_bind_text(st, 1, symbol);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bitten_signal_row_t row = {0};
        row.json = (const char *)sqlite3_column_text(st, 0);
        row.has_verdict = !s_col_null(st, 1);
        s_copy(row.label, sizeof row.label, sqlite3_column_text(st, 1));
        row.passed = sqlite3_column_int(st, 2) != 0;
        row.reasons_json = (const char *)sqlite3_column_text(st, 3);
        row.score = sqlite3_column_double(st, 4);
        n++;
        if (cb && cb(arg, &row) != 0)
            break;
    }
    s_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int bitten_store_verdict_insert(bitten_store_t *self, const bitten_verdict_rec_t *rec)
{
    sqlite3_stmt *st = (self && rec) ? s_stmt(self, S_VERDICT_INSERT) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rec->signal_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 2, rec->score);
    sqlite3_bind_text(st, 3, rec->label, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 4, rec->multiplier);
    sqlite3_bind_int(st, 5, rec->passed ? 1 : 0);
    sqlite3_bind_text(st, 6, rec->reasons_json ? rec->reasons_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, rec->at);
    return s_exec_stmt(st) == SQLITE_DONE ? 0 : -1;
}
