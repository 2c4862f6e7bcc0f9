/*  store_internal.h: what the store's files share (store.c, store_fires.c, store_signals.c,
 *  store_risk.c, store_kv.c, store_retention.c): the connection, its statement cache and the binding helpers. */
#ifndef BITTEN_STORE_INTERNAL_H
#define BITTEN_STORE_INTERNAL_H

#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#include "core/store.h"

/*  Every prepared statement, by the file whose SQL it is. Each file keeps its own SQL text in
 *  a table indexed by these ids and prepares through store_stmt(). */
typedef enum {
    /* store.c: transactions */
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SYNC_NORMAL,
    S_SYNC_FULL,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    /* store_fires.c */
    S_FIRE_INSERT,
    S_FIRE_EVENT_INSERT,
    S_FIRE_STATE,
    S_FIRE_UPDATE,
    S_FIRE_FIND,
    S_FIRE_LIST,
    S_FIRE_UNCONFIRMED,
    S_FIRE_EVENTS,
    /* store_signals.c */
    S_SIGNAL_INSERT,
    S_VERDICT_INSERT,
    S_SIGNAL_LIST,
    /* store_risk.c */
    S_SNAPSHOT_INSERT,
    S_SNAPSHOTS_LATEST,
    S_XP_LEDGER_INSERT,
    S_XP_TOTAL_ADD,
    S_XP_TOTAL_GET,
    S_XP_SET_RANK,
    S_HALT_INSERT,
    S_HALT_RELEASE,
    S_HALTS_ACTIVE,
    /* store_kv.c */
    S_KV_GET,
    S_KV_SET,
    /* store_retention.c */
    S_PRUNE_SNAPSHOTS,
    S_PRUNE_FIRE_EVENTS,
    S_COUNT_
} s_stmt_id_t;

struct bitten_store {
    sqlite3 *db;
    int version;
    sqlite3_stmt *stmts[S_COUNT_]; /* prepared on first use, finalized at close */
    int busy_timeout_ms;           /* the longest a write waits for another connection's lock */
    int last_error;                /* extended code of the last failed transaction step, or 0 */
    uint64_t busy, failed;         /* transactions refused: lock held elsewhere / other error */
    bitten_store_latency_t latency[BITTEN_STORE_OP_COUNT_];
    bool relaxed; /* synchronous=NORMAL is set (a relaxed commit); store_begin restores FULL */
    bool defer_checkpoint; /* the commit under way is a fire's PENDING row: no checkpoint in it */
    int group_depth;       /* bitten_store_group_begin calls not yet ended */
    bool group_open;       /* the group's transaction is open: store_begin is a SAVEPOINT in it */
    bool group_relaxed;    /* ... and its COMMIT runs at synchronous=NORMAL */
    bool in_savepoint;     /* a store_begin inside the group, not yet committed or rolled back */
    bool group_failed;     /* the group's early commit (store_group_flush) failed */
    bool relaxed_unsynced; /* a relaxed commit wrote rows not yet on disk (bitten_store_sync) */
    long long changes_at_begin; /* sqlite3_total_changes64 when the transaction began */
    /* WAL checkpoints off the loop (store_checkpoint.c): the thread, its own connection */
    sqlite3 *ckpt_db;
    pthread_t ckpt_thread;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    bool ckpt_running;        /* the thread is up; else the loop checkpoints (the old way) */
    bool ckpt_due, ckpt_busy; /* under ckpt_mu: asked for / under way */
    int ckpt_kick_pages;      /* loop only: the log's size when the thread was last asked */
    int ckpt_last_pages;      /* loop only: the log's size at the last commit (a drop = restart) */
    bool ckpt_stop;           /* under ckpt_mu: close asked the thread to end */
    uint64_t checkpoints;     /* under ckpt_mu: done by the thread */
};

/* ----------------------------------------------------- store_checkpoint.c */

/*  Starts the checkpoint thread on its own connection to path (after the schema is in place).
 *  0, or -1 (then the loop's commit hook checkpoints itself, as SQLite would). */
int store_checkpointer_start(bitten_store_t *self, const char *path);
/*  The log's size (pages) that asks the thread for a pass, once per that many new pages (SQLite's
 *  default wal_autocheckpoint), and the size at which the loop copies the rest itself. */
#define STORE_CKPT_PAGES 1000
#define STORE_CKPT_FINISH_PAGES 4000
/*  What a commit that leaves the log at pages (>= STORE_CKPT_PAGES) does. before_send: it is a
 *  fire's PENDING row, which a frame waits for: no checkpoint in it, at most the thread asked.
 *  ON_LOOP: no thread, checkpoint here (as SQLite would). NOTHING: the thread was asked (now or
 *  before). FINISH: the log reached STORE_CKPT_FINISH_PAGES and the thread is idle: checkpoint
 *  here what it has not copied, so the log restarts. Never blocks on a checkpoint (a mutex held
 *  only to flip flags). */
typedef enum { STORE_CKPT_ON_LOOP, STORE_CKPT_NOTHING, STORE_CKPT_FINISH } store_ckpt_step_t;
store_ckpt_step_t store_checkpointer_step(bitten_store_t *self, int pages, bool before_send);
/*  Ends the thread (a checkpoint under way finishes first) and closes its connection. */
void store_checkpointer_stop(bitten_store_t *self);

/* ---------------------------------------------------------------- store.c */

/*  Statement id, prepared from sql on first use and kept; NULL when it does not prepare. */
sqlite3_stmt *store_stmt(bitten_store_t *self, s_stmt_id_t id, const char *sql);

/*  One transaction per decision that must stay whole: BEGIN IMMEDIATE ... COMMIT. commit rolls
 *  back when it fails; rollback (when a transaction is open) returns rc, so error paths stay one
 *  line. 0 or -1. */
int store_begin(bitten_store_t *self);

/*  CLOCK_MONOTONIC seconds, the start of a timed write; store_observe adds now - t0 to op's
 *  latency histogram (nothing when self is NULL). */
double store_mono_s(void);
void store_observe(bitten_store_t *self, bitten_store_op_t op, double t0);
/*  Records why a transaction step failed (for bitten_store_failure_reason) and counts it. */
void store_note_failure(bitten_store_t *self);
int store_commit(bitten_store_t *self);
/*  A transaction whose COMMIT does not wait for the disk: synchronous=NORMAL from BEGIN to
 *  store_end_relaxed (SQLite refuses to change it inside a transaction). On WAL its frames are
 *  written to the log, not fsynced: they survive a kill -9 of this process (the kernel holds
 *  them), not a power loss or OS crash before the next durable commit, whose fsync of the log
 *  takes them along. store_end_relaxed (after the commit or rollback) restores FULL; if that
 *  fails, the next store_begin tries again and fails closed. 0 or -1. */
int store_begin_relaxed(bitten_store_t *self);
/*  store_commit for the commit a frame waits for (a fire's PENDING row): a WAL checkpoint due
 *  now (the log past its threshold) waits for the next commit, after the send. 0 or -1. */
int store_commit_before_send(bitten_store_t *self);
void store_end_relaxed(bitten_store_t *self);
int store_rollback(bitten_store_t *self, int rc);
/*  Ends an open group's transaction now (its own commit), so that the transaction that follows
 *  is a transaction of its own: a fire's PENDING row is durable before its send whatever group
 *  is open around it. The group's later writes are then each their own transaction. No-op when
 *  no group is open. */
void store_group_flush(bitten_store_t *self);

/*  Steps st to the end, reading each row into a growing array of elem-sized items. The
 *  statement is reset before returning, so callers may write to the store while they walk
 *  the rows. Returns 0 (*items_out to free) or -1. */
typedef void(store_reader_fn)(sqlite3_stmt *st, void *item);
int store_collect(sqlite3_stmt *st, size_t elem, store_reader_fn *read, void **items_out,
                  size_t *count_out);

/* ---------------------------------------------------------------- small helpers */

static inline void s_copy(char *dst, size_t size, const unsigned char *src)
{
    const char *s = src ? (const char *)src : "";
    size_t n = strnlen(s, size - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/*  Resets a statement for its next use (bindings cleared). */
static inline void s_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/*  Runs a statement that returns no rows. Returns the step's result code. */
static inline int s_exec_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    s_done(st);
    return rc;
}

static inline bool s_is_duplicate(bitten_store_t *self)
{
    int ext = sqlite3_extended_errcode(self->db);
    return ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static inline void s_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
    if (text)
        sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, idx);
}

/*  0 (absent) ms times are stored as NULL. */
static inline void s_bind_ms(sqlite3_stmt *st, int idx, bitten_ms_t ms)
{
    if (ms)
        sqlite3_bind_int64(st, idx, ms);
    else
        sqlite3_bind_null(st, idx);
}

static inline void s_bind_opt_double(sqlite3_stmt *st, int idx, bool has, double v)
{
    if (has)
        sqlite3_bind_double(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

static inline void s_bind_reason(sqlite3_stmt *st, int idx, bitten_reason_t reason)
{
    s_bind_text(st, idx, reason == BITTEN_R_OK ? NULL : bitten_reason_str(reason));
}

static inline bitten_reason_t s_col_reason(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int r = t ? bitten_reason_from_str((const char *)t) : BITTEN_R_OK;
    return r < 0 ? BITTEN_R_INTERNAL : (bitten_reason_t)r;
}

static inline bool s_col_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL;
}

#endif
