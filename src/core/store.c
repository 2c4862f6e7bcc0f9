/*  store.c: the SQLite store behind store.h: schema migrations, one connection with its
 *  prepared statements kept open, and one transaction per decision that must stay whole. */
#include "core/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

/*  How long a write waits for a lock held by another connection (bittenctl reading, a
 *  backup) before it fails. Only this process writes, so waits are short and rare. */
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_FILE "bitten.db"
#define STORE_PATH_MAX 4096

/* ---------------------------------------------------------------- schema */

/*  Migrations, in order: s_migrations[i] takes the schema from version i to i + 1. Each runs
 *  in one transaction together with its schema_version row. Never edit a shipped entry:
 *  append a new one. */
static const char *const s_migrations[] = {
    /* v1: the tables */
    "CREATE TABLE fires ("
    "  id INTEGER PRIMARY KEY,"
    "  signal_id TEXT NOT NULL,"
    "  uuid TEXT NOT NULL,"
    "  symbol TEXT NOT NULL,"
    "  action TEXT NOT NULL CHECK (action IN ('buy','sell','close','close_all')),"
    "  lot REAL NOT NULL,"
    "  sl_points INTEGER NOT NULL DEFAULT 0,"
    "  tp_points INTEGER NOT NULL DEFAULT 0,"
    "  sl_pips REAL NOT NULL DEFAULT 0,"
    "  tp_pips REAL NOT NULL DEFAULT 0,"
    "  source TEXT NOT NULL CHECK (source IN ('auto','manual')),"
    "  state TEXT NOT NULL CHECK (state IN ('PENDING','SENT','FILLED','CLOSED','REFUSED',"
    "                                       'FAILED','TIMEOUT','EXPIRED','UNCONFIRMED')),"
    "  reason TEXT,"
    "  ticket INTEGER,"
    "  fill_price REAL,"
    "  close_price REAL,"
    "  profit REAL,"
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER,"
    "  result_at INTEGER,"
    "  closed_at INTEGER,"
    "  expires_at INTEGER,"
    "  UNIQUE (signal_id, uuid));"
    "CREATE TABLE fire_events ("
    "  id INTEGER PRIMARY KEY,"
    "  fire_id INTEGER NOT NULL REFERENCES fires(id),"
    "  at INTEGER NOT NULL,"
    "  from_state TEXT,"
    "  to_state TEXT NOT NULL,"
    "  reason TEXT,"
    "  detail TEXT);"
    "CREATE INDEX fire_events_fire ON fire_events(fire_id);"
    "CREATE TABLE signals ("
    "  signal_id TEXT PRIMARY KEY,"
    "  symbol TEXT NOT NULL,"
    "  direction TEXT NOT NULL,"
    "  class TEXT,"
    "  pattern TEXT,"
    "  confidence REAL,"
    "  entry REAL,"
    "  sl_pips REAL,"
    "  tp_pips REAL,"
    "  sl_price REAL,"
    "  tp_price REAL,"
    "  rr REAL,"
    "  atr_pips REAL,"
    "  session TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER,"
    "  json TEXT);"
    "CREATE TABLE verdicts ("
    "  id INTEGER PRIMARY KEY,"
    "  signal_id TEXT NOT NULL REFERENCES signals(signal_id),"
    "  score REAL NOT NULL,"
    "  label TEXT NOT NULL,"
    "  multiplier REAL NOT NULL,"
    "  passed INTEGER NOT NULL,"
    "  reasons TEXT NOT NULL DEFAULT '[]',"
    "  at INTEGER NOT NULL);"
    "CREATE TABLE accounts ("
    "  uuid TEXT PRIMARY KEY,"
    "  tier TEXT NOT NULL,"
    "  mode TEXT NOT NULL,"
    "  risk_pct REAL NOT NULL,"
    "  max_lot REAL NOT NULL,"
    "  symbols TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE account_snapshots ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  json TEXT NOT NULL);"
    "CREATE TABLE xp_ledger ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL,"
    "  signal_id TEXT NOT NULL,"
    "  event TEXT NOT NULL,"
    "  xp INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  UNIQUE (uuid, signal_id, event));"
    "CREATE TABLE xp_totals ("
    "  uuid TEXT PRIMARY KEY,"
    "  xp INTEGER NOT NULL DEFAULT 0,"
    "  rank TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE halts ("
    "  id INTEGER PRIMARY KEY,"
    "  scope TEXT NOT NULL CHECK (scope IN ('global','account')),"
    "  uuid TEXT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('soft','hard')),"
    "  reason TEXT NOT NULL,"
    "  why TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  released_at INTEGER,"
    "  released_by TEXT,"
    "  CHECK ((scope = 'global') = (uuid IS NULL)));"
    "CREATE TABLE kv ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);",

    /* v2: indexes for the router's start-up scan, per-account listings and active halts */
    "CREATE INDEX fires_state ON fires(state);"
    "CREATE INDEX fires_uuid_created ON fires(uuid, created_at);"
    "CREATE INDEX account_snapshots_uuid_at ON account_snapshots(uuid, at);"
    "CREATE INDEX halts_active ON halts(created_at) WHERE released_at IS NULL;",
};

#define STORE_LATEST_VERSION ((int)(sizeof s_migrations / sizeof s_migrations[0]))

/* ---------------------------------------------------------------- statements */

#define FIRE_COLS                                                                                  \
    "id, signal_id, uuid, symbol, action, lot, sl_points, tp_points, sl_pips, tp_pips, source, "   \
    "state, reason, ticket, fill_price, close_price, profit, created_at, sent_at, result_at, "     \
    "closed_at, expires_at"
#define HALT_COLS "id, scope, uuid, kind, reason, why, created_at, released_at, released_by"

typedef enum {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_FIRE_INSERT,
    S_FIRE_EVENT_INSERT,
    S_FIRE_STATE,
    S_FIRE_UPDATE,
    S_FIRE_FIND,
    S_FIRE_LIST,
    S_FIRE_UNCONFIRMED,
    S_FIRE_EVENTS,
    S_SIGNAL_INSERT,
    S_VERDICT_INSERT,
    S_SIGNAL_LIST,
    S_SNAPSHOT_INSERT,
    S_SNAPSHOTS_LATEST,
    S_XP_LEDGER_INSERT,
    S_XP_TOTAL_ADD,
    S_XP_TOTAL_GET,
    S_XP_SET_RANK,
    S_HALT_INSERT,
    S_HALT_RELEASE,
    S_HALTS_ACTIVE,
    S_KV_GET,
    S_KV_SET,
    S_COUNT_
} s_stmt_id_t;

static const char *const s_sql[S_COUNT_] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
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
    [S_SIGNAL_LIST] = "SELECT s.json, v.label, v.passed, v.reasons, v.score FROM signals s "
                      "LEFT JOIN verdicts v ON v.id = (SELECT max(id) FROM verdicts "
                      "WHERE signal_id = s.signal_id) "
                      "WHERE (?1 IS NULL OR s.symbol = ?1) ORDER BY s.created_at DESC, "
                      "s.rowid DESC LIMIT ?2",
    [S_FIRE_EVENTS] = "SELECT fire_id, at, from_state, to_state, reason, detail FROM fire_events"
                      " WHERE fire_id = ? ORDER BY id",
    [S_SIGNAL_INSERT] = "INSERT INTO signals (signal_id, symbol, direction, class, pattern, "
                        "confidence, entry, sl_pips, tp_pips, sl_price, tp_price, rr, atr_pips, "
                        "session, created_at, expires_at, json) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_VERDICT_INSERT] = "INSERT INTO verdicts (signal_id, score, label, multiplier, passed, "
                         "reasons, at) VALUES (?,?,?,?,?,?,?)",
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
    [S_KV_GET] = "SELECT value FROM kv WHERE key = ?",
    [S_KV_SET] = "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

struct bitten_store {
    sqlite3 *db;
    int version;
    sqlite3_stmt *stmts[S_COUNT_]; /* prepared on first use, finalized at close */
};

/* ---------------------------------------------------------------- small helpers */

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

static void s_copy(char *dst, size_t size, const unsigned char *src)
{
    const char *s = src ? (const char *)src : "";
    size_t n = strnlen(s, size - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void s_set_err(char *err, size_t errlen, const char *what, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "store: %s: %s", what, why);
}

static sqlite3_stmt *s_stmt(bitten_store_t *self, s_stmt_id_t id)
{
    if (!self->stmts[id] && sqlite3_prepare_v3(self->db, s_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                               &self->stmts[id], NULL) != SQLITE_OK)
        return NULL;
    return self->stmts[id];
}

/*  Resets a statement for its next use (bindings cleared). */
static void s_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/*  Runs a statement that returns no rows. Returns the step's result code. */
static int s_exec_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    s_done(st);
    return rc;
}

static int s_simple(bitten_store_t *self, s_stmt_id_t id)
{
    sqlite3_stmt *st = s_stmt(self, id);
    return (st && s_exec_stmt(st) == SQLITE_DONE) ? 0 : -1;
}

static int s_begin(bitten_store_t *self)
{
    return s_simple(self, S_BEGIN);
}

static int s_commit(bitten_store_t *self)
{
    if (s_simple(self, S_COMMIT) == 0)
        return 0;
    s_simple(self, S_ROLLBACK);
    return -1;
}

/*  Rolls back (when a transaction is open) and returns rc, so error paths stay one line. */
static int s_rollback(bitten_store_t *self, int rc)
{
    if (!sqlite3_get_autocommit(self->db))
        s_simple(self, S_ROLLBACK);
    return rc;
}

static bool s_is_duplicate(bitten_store_t *self)
{
    int ext = sqlite3_extended_errcode(self->db);
    return ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static void s_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
    if (text)
        sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, idx);
}

/*  0 (absent) ms times are stored as NULL. */
static void s_bind_ms(sqlite3_stmt *st, int idx, bitten_ms_t ms)
{
    if (ms)
        sqlite3_bind_int64(st, idx, ms);
    else
        sqlite3_bind_null(st, idx);
}

static void s_bind_opt_double(sqlite3_stmt *st, int idx, bool has, double v)
{
    if (has)
        sqlite3_bind_double(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

static void s_bind_reason(sqlite3_stmt *st, int idx, bitten_reason_t reason)
{
    s_bind_text(st, idx, reason == BITTEN_R_OK ? NULL : bitten_reason_str(reason));
}

static bitten_reason_t s_col_reason(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int r = t ? bitten_reason_from_str((const char *)t) : BITTEN_R_OK;
    return r < 0 ? BITTEN_R_INTERNAL : (bitten_reason_t)r;
}

static bool s_col_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL;
}

/*  Steps st to the end, reading each row into a growing array of elem-sized items. The
 *  statement is reset before returning, so callers may write to the store while they walk
 *  the rows. Returns 0 (*items_out to free) or -1. */
typedef void(s_reader_fn)(sqlite3_stmt *st, void *item);

static int s_collect(sqlite3_stmt *st, size_t elem, s_reader_fn *read, void **items_out,
                     size_t *count_out)
{
    char *items = NULL;
    size_t count = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char *grown = realloc(items, ncap * elem);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            items = grown;
            cap = ncap;
        }
        memset(items + count * elem, 0, elem);
        read(st, items + count * elem);
        count++;
    }
    s_done(st);
    if (rc != SQLITE_DONE) {
        free(items);
        return -1;
    }
    *items_out = items;
    *count_out = count;
    return 0;
}

/* ---------------------------------------------------------------- open, migrate, close */

static int s_pragma(bitten_store_t *self, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(self->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    s_set_err(err, errlen, sql, msg ? msg : sqlite3_errmsg(self->db));
    sqlite3_free(msg);
    return -1;
}

static int s_read_version(bitten_store_t *self)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(self->db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

/*  Applies migrations current+1 .. target, each with its schema_version row in one
 *  transaction, so a crash leaves the schema at a whole version. */
static int s_migrate(bitten_store_t *self, int target, char *err, size_t errlen)
{
    if (s_pragma(self,
                 "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                 " applied_at INTEGER NOT NULL)",
                 err, errlen) != 0)
        return -1;
    int current = s_read_version(self);
    if (current < 0) {
        s_set_err(err, errlen, "schema_version", sqlite3_errmsg(self->db));
        return -1;
    }
    if (current > STORE_LATEST_VERSION) {
        char why[96];
        snprintf(why, sizeof why, "database has schema v%d, this build knows up to v%d", current,
                 STORE_LATEST_VERSION);
        s_set_err(err, errlen, "schema", why);
        return -1;
    }
    for (int v = current + 1; v <= target; v++) {
        char *msg = NULL;
        char record[160];
        snprintf(record, sizeof record,
                 "INSERT INTO schema_version (version, applied_at) VALUES (%d,"
                 " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                 v);
        if (sqlite3_exec(self->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(self->db, s_migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(self->db, record, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(self->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            char what[32];
            snprintf(what, sizeof what, "migration v%d", v);
            s_set_err(err, errlen, what, msg ? msg : sqlite3_errmsg(self->db));
            sqlite3_free(msg);
            if (!sqlite3_get_autocommit(self->db))
                sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    self->version = s_read_version(self);
    return 0;
}

static int s_ensure_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0750) == 0 || errno == EEXIST)
        return 0;
    s_set_err(err, errlen, dir, strerror(errno));
    return -1;
}

/*  Pragmas, then migrations up to version. */
static int s_configure(bitten_store_t *self, const char *path, int version, char *err,
                       size_t errlen)
{
    /*  Durability. architecture.md asks synchronous=FULL for fire writes and allows NORMAL for
     *  the rest, but synchronous is a per-connection setting, not per table, and one
     *  connection serves the whole loop. So the connection runs FULL: every commit is on disk
     *  before it returns, which is what lets the router send a frame right after journaling
     *  PENDING. The cost (one fsync per commit) is bounded because high-rate data (ticks,
     *  telemetry) is never written per frame: it lives in memory and is snapshotted on a
     *  timer. WAL keeps FULL commits to one sequential fsync of the log. */
    char mode[16] = "";
    if (s_pragma(self, "PRAGMA journal_mode = WAL", err, errlen) != 0)
        return -1;
    if (bitten_store_journal_mode(self, mode, sizeof mode) != 0 || strcmp(mode, "wal") != 0) {
        s_set_err(err, errlen, path, "WAL journal mode not available");
        return -1;
    }
    if (s_pragma(self, "PRAGMA synchronous = FULL", err, errlen) != 0 ||
        s_pragma(self, "PRAGMA foreign_keys = ON", err, errlen) != 0)
        return -1;
    return s_migrate(self, version, err, errlen);
}

bitten_store_t *bitten_store_open_at_version(const char *state_dir, int version, char *err,
                                             size_t errlen)
{
    if (!state_dir || !*state_dir || version < 1 || version > STORE_LATEST_VERSION) {
        s_set_err(err, errlen, "open", "no state_dir or unknown schema version");
        return NULL;
    }
    char path[STORE_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", state_dir, STORE_FILE);
    if (n < 0 || (size_t)n >= sizeof path) {
        s_set_err(err, errlen, "open", "state_dir path too long");
        return NULL;
    }
    if (s_ensure_dir(state_dir, err, errlen) != 0)
        return NULL;

    bitten_store_t *self = calloc(1, sizeof *self);
    if (!self) {
        s_set_err(err, errlen, "open", "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        s_set_err(err, errlen, path, self->db ? sqlite3_errmsg(self->db) : "out of memory");
        bitten_store_close(&self);
        return NULL;
    }
    sqlite3_extended_result_codes(self->db, 1);
    sqlite3_busy_timeout(self->db, STORE_BUSY_TIMEOUT_MS);

    if (s_configure(self, path, version, err, errlen) != 0) {
        bitten_store_close(&self);
        return NULL;
    }
    return self;
}

bitten_store_t *bitten_store_open(const char *state_dir, char *err, size_t errlen)
{
    return bitten_store_open_at_version(state_dir, STORE_LATEST_VERSION, err, errlen);
}

void bitten_store_close(bitten_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bitten_store_t *self = *self_p;
    for (int i = 0; i < S_COUNT_; i++)
        sqlite3_finalize(self->stmts[i]);
    sqlite3_close(self->db);
    free(self);
    *self_p = NULL;
}

int bitten_store_schema_version(bitten_store_t *self)
{
    return self ? self->version : -1;
}

int bitten_store_latest_version(void)
{
    return STORE_LATEST_VERSION;
}

static int s_pragma_value(bitten_store_t *self, const char *sql, char *buf, size_t size, int *num)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        if (buf)
            s_copy(buf, size, sqlite3_column_text(st, 0));
        if (num)
            *num = sqlite3_column_int(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int bitten_store_journal_mode(bitten_store_t *self, char *buf, size_t size)
{
    if (!self || !buf || !size)
        return -1;
    return s_pragma_value(self, "PRAGMA journal_mode", buf, size, NULL);
}

int bitten_store_synchronous(bitten_store_t *self)
{
    int level = -1;
    if (!self || s_pragma_value(self, "PRAGMA synchronous", NULL, 0, &level) != 0)
        return -1;
    return level;
}

struct sqlite3 *bitten_store_sqlite(bitten_store_t *self)
{
    return self ? self->db : NULL;
}

const char *bitten_store_errmsg(bitten_store_t *self)
{
    return self ? sqlite3_errmsg(self->db) : "no store";
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

int bitten_store_fire_insert(bitten_store_t *self, const bitten_fire_rec_t *rec, int64_t *id_out)
{
    if (!self || !rec || (int)rec->state < 0 || rec->state >= BITTEN_FIRE_STATE_COUNT_ ||
        (int)rec->action < 0 || rec->action > BITTEN_ACTION_CLOSE_ALL)
        return -1;
    sqlite3_stmt *st = s_stmt(self, S_FIRE_INSERT);
    if (!st || s_begin(self) != 0)
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
        return s_rollback(self, dup ? 1 : -1);
    int64_t id = sqlite3_last_insert_rowid(self->db);
    if (s_event_insert(self, id, rec->created_at, -1, rec->state, rec->reason, NULL) != 0)
        return s_rollback(self, -1);
    if (s_commit(self) != 0)
        return -1;
    if (id_out)
        *id_out = id;
    return 0;
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

int bitten_store_fire_transition(bitten_store_t *self, int64_t id, bitten_fire_state_t to,
                                 bitten_reason_t reason, const char *detail, bitten_ms_t at_ms,
                                 const bitten_fire_update_t *upd)
{
    if (!self || (int)to < 0 || to >= BITTEN_FIRE_STATE_COUNT_)
        return -1;
    sqlite3_stmt *get = s_stmt(self, S_FIRE_STATE);
    sqlite3_stmt *put = s_stmt(self, S_FIRE_UPDATE);
    if (!get || !put || s_begin(self) != 0)
        return -1;

    sqlite3_bind_int64(get, 1, id);
    int from = -1;
    if (sqlite3_step(get) == SQLITE_ROW)
        from = bitten_fire_state_from_str((const char *)sqlite3_column_text(get, 0));
    s_done(get);
    if (from < 0)
        return s_rollback(self, -1);

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
        return s_rollback(self, -1);
    if (s_event_insert(self, id, at_ms, from, to, reason, detail) != 0)
        return s_rollback(self, -1);
    return s_commit(self);
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
    if (s_collect(st, sizeof(bitten_fire_rec_t), s_read_fire, &items, &count) != 0)
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
    if (s_collect(st, sizeof(bitten_fire_event_rec_t), s_read_event, &items, &count) != 0)
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
    return s_exec_stmt(st) == SQLITE_DONE ? 0 : -1;
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
    if (s_collect(st, sizeof(s_snapshot_row_t), s_read_snapshot, &items, &count) != 0)
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
    if (!ledger || !add || !rank || s_begin(self) != 0)
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
        s_rollback(self, -1);
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
        return s_rollback(self, -1);
    if (rank_of) {
        const char *name = rank_of(total);
        sqlite3_bind_text(rank, 1, uuid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(rank, 2, name ? name : "", -1, SQLITE_TRANSIENT);
        if (s_exec_stmt(rank) != SQLITE_DONE)
            return s_rollback(self, -1);
    }
    if (s_commit(self) != 0)
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
    if (s_collect(st, sizeof(bitten_halt_rec_t), s_read_halt, &items, &count) != 0)
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
    return s_exec_stmt(st) == SQLITE_DONE ? 0 : -1;
}
