/*  store.c: the SQLite store's common part: schema migrations, open/close, the statement cache
 *  and transactions the table files share (store_internal.h). The accounts table is the
 *  accounts module's (src/modules/accounts/accounts_store.c). */
#include "core/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/*  How long a write waits for a lock held by another connection (bittenctl reading, a
 *  backup) before it fails. Only this process writes, so waits are short and rare. */
/*  Default wait for a lock another connection holds (bitten_store_set_busy_timeout). The loop
 *  is single-threaded: every ms waited here is a ms no frame, timer or control request runs. */
#define STORE_BUSY_TIMEOUT_MS 50
#define STORE_FILE "bitten.db"
#define STORE_PATH_MAX 4096
#define STORE_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define STORE_KV_BOOT "store.boot_id" /* the boot the journal was last marked under */

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

    /* v3: retention (store_retention.c) walks old rows by time, not the whole table */
    ("CREATE INDEX account_snapshots_at ON account_snapshots(at);"
     "CREATE INDEX fire_events_at ON fire_events(at);"),
};

#define STORE_LATEST_VERSION ((int)(sizeof s_migrations / sizeof s_migrations[0]))

/* ---------------------------------------------------------------- statements */

static const char *const s_tx_sql[S_COUNT_] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
    [S_SYNC_FULL] = "PRAGMA synchronous = FULL",
    [S_SAVEPOINT] = "SAVEPOINT w",
    [S_RELEASE] = "RELEASE w",
    [S_ROLLBACK_TO] = "ROLLBACK TO w",
};

/* ---------------------------------------------------------------- helpers (store_internal.h) */

static void s_set_err(char *err, size_t errlen, const char *what, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "store: %s: %s", what, why);
}

sqlite3_stmt *store_stmt(bitten_store_t *self, s_stmt_id_t id, const char *sql)
{
    if (!self->stmts[id] && sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                               &self->stmts[id], NULL) != SQLITE_OK)
        return NULL;
    return self->stmts[id];
}

static int s_simple(bitten_store_t *self, s_stmt_id_t id)
{
    sqlite3_stmt *st = store_stmt(self, id, s_tx_sql[id]);
    if (st && s_exec_stmt(st) == SQLITE_DONE)
        return 0;
    if (id != S_ROLLBACK)
        store_note_failure(self);
    return -1;
}

void store_note_failure(bitten_store_t *self)
{
    int ext = sqlite3_extended_errcode(self->db);
    self->last_error = ext ? ext : SQLITE_ERROR;
    int primary = self->last_error & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        self->busy++;
    else
        self->failed++;
}

const double bitten_store_latency_bounds[BITTEN_STORE_LATENCY_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};

const char *bitten_store_op_str(bitten_store_op_t op)
{
    static const char *const names[BITTEN_STORE_OP_COUNT_] = {"fire_insert", "fire_transition",
                                                              "snapshot", "kv_set"};
    return (int)op >= 0 && op < BITTEN_STORE_OP_COUNT_ ? names[op] : "?";
}

double store_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void store_observe(bitten_store_t *self, bitten_store_op_t op, double t0)
{
    if (!self || (int)op < 0 || op >= BITTEN_STORE_OP_COUNT_)
        return;
    double s = store_mono_s() - t0;
    bitten_store_latency_t *h = &self->latency[op];
    size_t i = 0;
    while (i < BITTEN_STORE_LATENCY_BUCKETS && s > bitten_store_latency_bounds[i])
        i++;
    if (i < BITTEN_STORE_LATENCY_BUCKETS)
        h->counts[i]++;
    else
        h->over++;
    h->n++;
    h->sum += s;
}

void bitten_store_latency(const bitten_store_t *self, bitten_store_op_t op,
                          bitten_store_latency_t *out)
{
    memset(out, 0, sizeof *out);
    if (self && (int)op >= 0 && op < BITTEN_STORE_OP_COUNT_)
        *out = self->latency[op];
}

//  Inside an open group a transaction is a savepoint of the group's one transaction: its
//  commit is the group's (bitten_store_group_end), durable or relaxed as the group is.
static int s_savepoint(bitten_store_t *self)
{
    if (self->in_savepoint || s_simple(self, S_SAVEPOINT) != 0)
        return -1;
    self->in_savepoint = true;
    return 0;
}

int store_begin(bitten_store_t *self)
{
    self->last_error = 0;
    if (self->group_open)
        return s_savepoint(self);
    //  Every durable transaction starts at FULL, whatever a relaxed one left behind.
    if (self->relaxed && s_simple(self, S_SYNC_FULL) != 0)
        return -1;
    self->relaxed = false;
    self->changes_at_begin = sqlite3_total_changes64(self->db);
    return s_simple(self, S_BEGIN);
}

int store_begin_relaxed(bitten_store_t *self)
{
    self->last_error = 0;
    if (self->group_open)
        return s_savepoint(self);
    if (s_simple(self, S_SYNC_NORMAL) != 0)
        return -1;
    self->relaxed = true;
    self->changes_at_begin = sqlite3_total_changes64(self->db);
    return s_simple(self, S_BEGIN);
}

void store_end_relaxed(bitten_store_t *self)
{
    if (self->group_open)
        return; /* the group's end restores FULL */
    if (self->relaxed && s_simple(self, S_SYNC_FULL) == 0)
        self->relaxed = false;
}

//  After a COMMIT: a FULL one fsyncs the whole log (earlier relaxed commits included), a
//  relaxed one leaves its rows unsynced. A commit that changed no row writes and fsyncs
//  nothing (SQLite returns early), so it leaves the debt as it was.
static void s_committed(bitten_store_t *self)
{
    if (sqlite3_total_changes64(self->db) != self->changes_at_begin)
        self->relaxed_unsynced = self->relaxed;
}

int store_commit(bitten_store_t *self)
{
    if (self->in_savepoint) {
        self->in_savepoint = false;
        if (s_simple(self, S_RELEASE) == 0)
            return 0;
        s_simple(self, S_ROLLBACK_TO);
        s_simple(self, S_RELEASE);
        return -1;
    }
    if (s_simple(self, S_COMMIT) == 0) {
        s_committed(self);
        return 0;
    }
    s_simple(self, S_ROLLBACK);
    return -1;
}

int store_commit_before_send(bitten_store_t *self)
{
    self->defer_checkpoint = true;
    int rc = store_commit(self);
    self->defer_checkpoint = false;
    return rc;
}

static int s_group_commit(bitten_store_t *self)
{
    self->group_open = false;
    int rc = 0;
    if (s_simple(self, S_COMMIT) != 0) {
        s_simple(self, S_ROLLBACK);
        rc = -1;
    } else {
        s_committed(self);
    }
    if (self->group_relaxed)
        store_end_relaxed(self);
    return rc;
}

void store_group_flush(bitten_store_t *self)
{
    if (self->group_open && !self->in_savepoint && s_group_commit(self) != 0)
        self->group_failed = true;
}

int bitten_store_sync(bitten_store_t *self)
{
    if (!self)
        return -1;
    if (!self->relaxed_unsynced || self->group_open || self->in_savepoint)
        return 0;
    if (self->relaxed && s_simple(self, S_SYNC_FULL) != 0)
        return -1;
    self->relaxed = false;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    //  Nobody waits for a sync: under another connection's lock it fails at once (its caller
    //  retries) rather than holding the loop for the busy timeout.
    sqlite3_busy_timeout(self->db, 0);
    int rc = bitten_store_kv_set(self, "store.synced_at", at);
    sqlite3_busy_timeout(self->db, self->busy_timeout_ms);
    if (rc != 0)
        return -1;
    self->relaxed_unsynced = false;
    return 1;
}

int bitten_store_group_begin(bitten_store_t *self, bool relaxed)
{
    if (!self || self->in_savepoint)
        return -1;
    if (self->group_depth++ > 0)
        return 0; /* nested: the outermost group commits */
    self->group_failed = false;
    self->group_relaxed = relaxed;
    if ((relaxed ? store_begin_relaxed(self) : store_begin(self)) != 0) {
        if (relaxed)
            store_end_relaxed(self);
        self->group_depth = 0;
        return -1;
    }
    self->group_open = true;
    return 0;
}

int bitten_store_group_end(bitten_store_t *self)
{
    if (!self || self->group_depth <= 0)
        return -1;
    if (--self->group_depth > 0)
        return 0;
    int rc = self->group_open ? s_group_commit(self) : 0;
    return (rc != 0 || self->group_failed) ? -1 : 0;
}

/*  SQLite's automatic checkpoint (the default WAL hook), moved off the loop: past the threshold
 *  a commit asks the checkpoint thread (store_checkpoint.c) to copy the log into the database
 *  (its fsyncs and page writes, 2-3 ms that sat in front of the next fire); only when a
 *  sustained load keeps the log from restarting does the loop copy the rest itself. No
 *  checkpoint runs in the commit a fire's frame waits for (its PENDING row). Without the thread
 *  the loop checkpoints as before, in the next commit after the PENDING one. */
static int s_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    bitten_store_t *self = arg;
    if (pages < self->ckpt_last_pages)
        self->ckpt_kick_pages = 0; /* the log restarted: the next pass is due at the threshold */
    self->ckpt_last_pages = pages;
    if (pages >= STORE_CKPT_PAGES &&
        store_checkpointer_step(self, pages, self->defer_checkpoint) != STORE_CKPT_NOTHING)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

int store_rollback(bitten_store_t *self, int rc)
{
    if (self->in_savepoint) {
        self->in_savepoint = false;
        s_simple(self, S_ROLLBACK_TO);
        s_simple(self, S_RELEASE);
    } else if (!self->group_open && !sqlite3_get_autocommit(self->db)) {
        s_simple(self, S_ROLLBACK);
    }
    return rc;
}

int store_collect(sqlite3_stmt *st, size_t elem, store_reader_fn *read, void **items_out,
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
     *  PENDING. The one exception is a relaxed transition (SENT after the send), which sets
     *  NORMAL for its own commit only (store_begin_relaxed). The cost (one fsync per commit) is
     *  bounded because high-rate data (ticks, telemetry) is never written per frame: it lives
     *  in memory and is snapshotted on a timer. WAL keeps FULL commits to one sequential fsync
     *  of the log. */
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
    sqlite3_wal_hook(self->db, s_wal_hook, self);
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
    bitten_store_set_busy_timeout(self, STORE_BUSY_TIMEOUT_MS);

    if (s_configure(self, path, version, err, errlen) != 0) {
        bitten_store_close(&self);
        return NULL;
    }
    //  Without the thread (no memory, no thread) the loop checkpoints as before.
    (void)store_checkpointer_start(self, path);
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
    store_checkpointer_stop(self); /* first: the loop's connection is then the last one */
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

/*  The kernel's id for this boot; it changes at every boot, never while the machine runs. */
static int s_boot_id(char *buf, size_t size)
{
    FILE *f = fopen(STORE_BOOT_ID_PATH, "r");
    if (!f)
        return -1;
    bool ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return *buf ? 0 : -1;
}

int bitten_store_same_boot(bitten_store_t *self, bool *same)
{
    char now[64], was[64];
    if (!self || !same)
        return -1;
    *same = false;
    if (s_boot_id(now, sizeof now) != 0)
        return 0;
    //  Absent, unreadable or not a boot id (too long): not the same boot, the cautious answer.
    *same = bitten_store_kv_get(self, STORE_KV_BOOT, was, sizeof was) == 0 && strcmp(now, was) == 0;
    return 0;
}

int bitten_store_mark_boot(bitten_store_t *self)
{
    char now[64];
    if (!self || s_boot_id(now, sizeof now) != 0)
        return -1;
    return bitten_store_kv_set(self, STORE_KV_BOOT, now);
}

struct sqlite3 *bitten_store_sqlite(bitten_store_t *self)
{
    return self ? self->db : NULL;
}

const char *bitten_store_errmsg(bitten_store_t *self)
{
    if (!self)
        return "no store";
    //  A rollback or PRAGMA after the failed step succeeded and cleared SQLite's own message.
    if (sqlite3_errcode(self->db) == SQLITE_OK && self->last_error)
        return sqlite3_errstr(self->last_error);
    return sqlite3_errmsg(self->db);
}

void bitten_store_set_busy_timeout(bitten_store_t *self, int ms)
{
    if (!self)
        return;
    self->busy_timeout_ms = ms < 0 ? 0 : ms;
    sqlite3_busy_timeout(self->db, self->busy_timeout_ms);
}

bitten_reason_t bitten_store_failure_reason(bitten_store_t *self)
{
    if (!self)
        return BITTEN_R_STORE_FAILED;
    int primary = self->last_error & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? BITTEN_R_STORE_BUSY
                                                              : BITTEN_R_STORE_FAILED;
}

void bitten_store_stats(bitten_store_t *self, bitten_store_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!self)
        return;
    out->busy_timeout_ms = self->busy_timeout_ms;
    out->busy = self->busy;
    out->failed = self->failed;
}
