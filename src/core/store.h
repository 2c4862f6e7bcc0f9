/*  store.h: the durable store (SQLite, one file state_dir/bitten.db, WAL, versioned schema):
 *  fires and their events, signals and verdicts, accounts, XP, halts and small key/values.
 *  One file per table group: store.c (open, migrate), store_fires.c, store_signals.c,
 *  store_risk.c (account snapshots, XP, halts), store_kv.c, store_retention.c (pruning);
 *  store_internal.h is what they share. The accounts table is the accounts module's
 *  (src/modules/accounts/accounts_store.c). */
#ifndef BITTEN_STORE_H
#define BITTEN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/trading.h"

typedef struct bitten_store bitten_store_t;

/* ------------------------------------------------ open / close (store.c) */

/*  Opens (creating it and state_dir when missing) state_dir/bitten.db and migrates it to the
 *  latest schema. NULL on failure, with the cause in err (size errlen). */
bitten_store_t *bitten_store_open(const char *state_dir, char *err, size_t errlen);

/*  As bitten_store_open, but applies migrations only up to `version` (1..latest). For tests
 *  that need a database of an older schema; the daemon always uses bitten_store_open. */
bitten_store_t *bitten_store_open_at_version(const char *state_dir, int version, char *err,
                                             size_t errlen);

/*  Closes the database and finalizes its statements. Idempotent; NULLs *self_p. */
void bitten_store_close(bitten_store_t **self_p);

/*  The schema version of the open database, and the latest one this build knows. */
int bitten_store_schema_version(bitten_store_t *self);
int bitten_store_latest_version(void);

/*  The journal mode ("wal") and synchronous level (2 = FULL) the connection runs with (FULL
 *  between transactions; only a relaxed transition's own commit runs at NORMAL). */
int bitten_store_journal_mode(bitten_store_t *self, char *buf, size_t size);
int bitten_store_synchronous(bitten_store_t *self);

/*  Whether the journal was last marked (bitten_store_mark_boot) under the running kernel boot
 *  (/proc/sys/kernel/random/boot_id): then every commit made since, relaxed ones included, is
 *  still there, since only a power loss or OS crash loses a relaxed commit. *same is false
 *  when the boot differs or either id is unknown or unreadable (the cautious answer). 0, or
 *  -1 without a store. mark: records the running boot, durably; call it once the start-up
 *  has accounted for every fire a lost commit could have left behind. 0 or -1. */
int bitten_store_same_boot(bitten_store_t *self, bool *same);
int bitten_store_mark_boot(bitten_store_t *self);

/*  The connection, for a module that owns its own tables in this database (the accounts
 *  module's `accounts` table): it prepares and finalizes its own statements, before the store
 *  closes. Migrations stay here, in one place. */
struct sqlite3;
struct sqlite3 *bitten_store_sqlite(bitten_store_t *self);

/*  The last SQLite error text, for log lines after a -1. */
const char *bitten_store_errmsg(bitten_store_t *self);

/*  How long a write waits for a lock held by another connection (another sqlite3 process
 *  holding BEGIN IMMEDIATE), in ms; then the write fails (default 50, store.busy_timeout_ms).
 *  Bounded so a locked database costs the single-threaded loop milliseconds, not seconds. */
void bitten_store_set_busy_timeout(bitten_store_t *self, int ms);

/*  Why the last transaction (fire insert, transition, snapshot, ...) returned -1:
 *  BITTEN_R_STORE_BUSY when another connection held the lock past the busy timeout,
 *  BITTEN_R_STORE_FAILED for any other failure (disk full, EFBIG under a file size limit,
 *  I/O error). A caller that must not act on an unjournaled decision refuses with it. */
bitten_reason_t bitten_store_failure_reason(bitten_store_t *self);

/*  Counters for `status` -> store. */
typedef struct {
    int busy_timeout_ms;
    uint64_t busy;   /* transactions refused because the database was locked elsewhere */
    uint64_t failed; /* transactions refused for another error */
} bitten_store_stats_t;
void bitten_store_stats(bitten_store_t *self, bitten_store_stats_t *out);

/*  Durable write latency (CLOCK_MONOTONIC around the whole call, failures included), per
 *  operation, in fixed buckets kept in the store: no allocation per write. For metrics. */
typedef enum {
    BITTEN_STORE_OP_FIRE_INSERT,     /* bitten_store_fire_insert(_many) */
    BITTEN_STORE_OP_FIRE_TRANSITION, /* bitten_store_fire_transition */
    BITTEN_STORE_OP_SNAPSHOT,        /* bitten_store_account_snapshot */
    BITTEN_STORE_OP_KV_SET,          /* bitten_store_kv_set */
    BITTEN_STORE_OP_COUNT_
} bitten_store_op_t;
#define BITTEN_STORE_LATENCY_BUCKETS 14
/*  Upper bounds in seconds, ascending. */
extern const double bitten_store_latency_bounds[BITTEN_STORE_LATENCY_BUCKETS];
typedef struct {
    uint64_t counts[BITTEN_STORE_LATENCY_BUCKETS]; /* per bucket, not cumulative */
    uint64_t over;                                 /* above the last bound */
    uint64_t n;
    double sum; /* seconds */
} bitten_store_latency_t;
/*  "fire_insert", "fire_transition", "snapshot", "kv_set". */
const char *bitten_store_op_str(bitten_store_op_t op);
void bitten_store_latency(const bitten_store_t *self, bitten_store_op_t op,
                          bitten_store_latency_t *out);

/*  A group: the writes made between begin and end (any module's: fire transitions, XP awards,
 *  snapshots, key/values) are ONE transaction, so they cost one commit (one fsync; none when
 *  relaxed: synchronous=NORMAL, it survives a kill -9, not a power loss before the next
 *  durable commit) and land all or none. Inside it each write's own transaction is a savepoint:
 *  a write that fails rolls back alone, the rest stay. Each write's 0 means "in the group";
 *  the group's end says whether they reached the journal. A fire insert (its PENDING row must
 *  be durable before its send) commits the open group first and is its own transaction; the
 *  group's later writes are then each their own too. Nested begins join the outermost group.
 *  begin: 0, or -1 (nothing opened: the writes are each their own transaction; do not call
 *  end). end: 0, or -1 when the group's commit failed (its writes are not in the journal). */
int bitten_store_group_begin(bitten_store_t *self, bool relaxed);
int bitten_store_group_end(bitten_store_t *self);

/*  Makes the relaxed commits since the last durable one durable (one small fsync'd write, kv
 *  `store.synced_at`), so a power loss cannot take them any more. 1 written, 0 nothing owed
 *  (the last commit was durable, or a group is open), -1 error. For a timer shortly after a
 *  relaxed commit: the frame never waits for it, and the window a power loss can drop a SENT
 *  (and its account snapshot) in is bounded by that timer, not by the next fire. */
int bitten_store_sync(bitten_store_t *self);

/*  WAL checkpoints run on a thread of the store's own (its own connection), asked by the commit
 *  that takes the log past SQLite's 1000-page threshold. Waits until that thread has nothing
 *  asked or under way; returns how many checkpoints it has completed (0 when it is not
 *  running). For tests and benches: the loop never waits for a checkpoint. */
uint64_t bitten_store_checkpoint_wait(bitten_store_t *self);

/* ------------------------------------------------ fires (store_fires.c) */

/*  Fire states, sources and the fire record are the trading vocabulary (bitten/trading.h). */

/*  Journals a new fire (rec->state, normally PENDING) and its first fire_events row in one
 *  durable transaction. Returns 0 (id in *id_out when not NULL), 1 when this (signal_id,
 *  uuid) is already in the store -- the exactly-once guard across restarts -- or -1. */
int bitten_store_fire_insert(bitten_store_t *self, const bitten_fire_rec_t *rec, int64_t *id_out);

/*  Journals n new fires in ONE durable transaction (an automatic fan-out: every target of a
 *  verdict is on disk before the first send). rcs[i] = 0 (recs[i].id set) or 1 (that
 *  (signal_id, uuid) exists already: that row alone is skipped). Returns 0, or -1 when
 *  nothing was journaled. */
int bitten_store_fire_insert_many(bitten_store_t *self, bitten_fire_rec_t *recs, size_t n,
                                  int *rcs);

/*  Optional fields a transition sets; has_* false leaves the column as it is. */
typedef struct {
    int64_t ticket;
    double fill_price, close_price, profit;
    bool has_ticket, has_fill_price, has_close_price, has_profit;
} bitten_fire_update_t;

/*  Moves fire `id` to `to` and appends a fire_events row (from, to, reason, detail) in one
 *  transaction. The row's reason becomes `reason` (BITTEN_R_OK clears it). Timestamps follow
 *  the state: SENT stamps sent_at, FILLED/FAILED/REFUSED/EXPIRED stamp result_at, CLOSED
 *  stamps closed_at; TIMEOUT and UNCONFIRMED stamp nothing (a later result still does).
 *  upd and detail may be NULL. The store journals; it does not judge whether the move is
 *  allowed (the router does). Returns 0, or -1 (also when id is unknown). */
int bitten_store_fire_transition(bitten_store_t *self, int64_t id, bitten_fire_state_t to,
                                 bitten_reason_t reason, const char *detail, bitten_ms_t at_ms,
                                 const bitten_fire_update_t *upd);

/*  As bitten_store_fire_transition, but the commit does not wait for the disk (WAL with
 *  synchronous=NORMAL for this one transaction): it survives a kill -9 of bittend (the log
 *  write is in the kernel) but NOT a power loss or OS crash before the next durable commit,
 *  which fsyncs the log and takes it along. For SENT right after a send: the PENDING row
 *  journaled durably before the send is what exactly-once needs (a restart makes it
 *  UNCONFIRMED); bitten_store_same_boot tells a restart whether such a commit can be lost. */
int bitten_store_fire_transition_relaxed(bitten_store_t *self, int64_t id, bitten_fire_state_t to,
                                         bitten_reason_t reason, const char *detail,
                                         bitten_ms_t at_ms, const bitten_fire_update_t *upd);

/*  The fire for (signal_id, uuid): 0 found (in *rec), 1 not found, -1 error. */
int bitten_store_fire_find(bitten_store_t *self, const char *signal_id, const char *uuid,
                           bitten_fire_rec_t *rec);

/*  Called once per row; return non-zero to stop. Rows are read into memory before the first
 *  call, so the callback may write to the store (e.g. transition the fire it is given). */
typedef int(bitten_fire_cb)(void *arg, const bitten_fire_rec_t *rec);

/*  Filter for bitten_store_fire_list: NULL / -1 / 0 mean "any" / "any" / "no limit". */
typedef struct {
    const char *uuid;
    const char *signal_id;
    int state; /* a bitten_fire_state_t, or -1 */
    int limit;
} bitten_fire_filter_t;

/*  Fires matching filter, newest first. Returns the number of rows passed to cb, or -1. */
int bitten_store_fire_list(bitten_store_t *self, const bitten_fire_filter_t *filter,
                           bitten_fire_cb *cb, void *arg);

/*  Fires left PENDING or SENT (oldest first): at start-up the router marks them UNCONFIRMED
 *  and never resends them. Returns the number of rows, or -1. */
int bitten_store_fires_unconfirmed(bitten_store_t *self, bitten_fire_cb *cb, void *arg);

/*  One fire_events row, for audits and tests. */
typedef struct {
    int64_t fire_id;
    bitten_ms_t at;
    int from_state; /* -1 for the creating event */
    bitten_fire_state_t to_state;
    bitten_reason_t reason;
    char detail[BITTEN_TEXT_MAX + 1];
} bitten_fire_event_rec_t;

typedef int(bitten_fire_event_cb)(void *arg, const bitten_fire_event_rec_t *ev);

/*  The events of one fire in order. Returns their number, or -1. */
int bitten_store_fire_events(bitten_store_t *self, int64_t fire_id, bitten_fire_event_cb *cb,
                             void *arg);

/* ------------------------------------------------ signals and verdicts (store_signals.c) */

typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1];
    char direction[8];   /* "BUY" / "SELL" */
    char class_name[24]; /* "RAPID_ASSAULT" / "PRECISION_STRIKE" */
    char pattern[32];
    double confidence, entry, sl_pips, tp_pips, sl_price, tp_price, rr, atr_pips;
    char session[24];
    bitten_ms_t created_at, expires_at;
    const char *json; /* the full signal event, borrowed; NULL = none */
} bitten_signal_rec_t;

/*  Returns 0, 1 when the signal_id is already stored, or -1. */
int bitten_store_signal_insert(bitten_store_t *self, const bitten_signal_rec_t *rec);

/*  One stored signal with its latest verdict, for `bittenctl signals`. Strings are valid only
 *  during the callback, which must not write to the store. */
typedef struct {
    const char *json; /* the signal event as stored; NULL when none was stored */
    bool has_verdict;
    char label[24];
    bool passed;
    const char *reasons_json;
    double score;
} bitten_signal_row_t;

typedef int(bitten_signal_cb)(void *arg, const bitten_signal_row_t *row);

/*  Signals newest first (symbol NULL = all; limit <= 0 = no limit). The number of rows passed to
 *  cb, or -1. */
int bitten_store_signal_list(bitten_store_t *self, const char *symbol, int limit,
                             bitten_signal_cb *cb, void *arg);

typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    double score;
    char label[24];
    double multiplier;
    bool passed;
    const char *reasons_json; /* JSON array text, borrowed; NULL = "[]" */
    bitten_ms_t at;
} bitten_verdict_rec_t;

/*  Returns 0, or -1 (also when the signal is not stored: verdicts reference signals). */
int bitten_store_verdict_insert(bitten_store_t *self, const bitten_verdict_rec_t *rec);

/* ---------------------------------------------------------------- account snapshots (XP & risk) */

/*  The accounts table itself belongs to the accounts module (src/modules/accounts/). */

/*  Appends one account state snapshot (JSON text). 0 or -1. */
int bitten_store_account_snapshot(bitten_store_t *self, const char *uuid, bitten_ms_t at,
                                  const char *json);

/*  The latest snapshot of each account (or of uuid only, when not NULL), in uuid order:
 *  cb(arg, uuid, at, json) per row; return non-zero to stop. Rows are read before the first
 *  call. Returns the number of rows passed to cb, or -1. */
typedef int(bitten_snapshot_cb)(void *arg, const char *uuid, bitten_ms_t at, const char *json);
int bitten_store_account_snapshots_latest(bitten_store_t *self, const char *uuid,
                                          bitten_snapshot_cb *cb, void *arg);

/* ------------------------------------------------ XP (store_risk.c) */

/*  The rank name for a total (XP & risk owns the ladder). */
typedef const char *(bitten_rank_fn)(int64_t total_xp);

/*  Awards xp to uuid for (signal_id, event) and adds it to the total in one transaction.
 *  rank_of (may be NULL) names the rank stored with the new total. Returns 0 (the new total
 *  in *new_total), 1 when this (uuid, signal_id, event) was already awarded (nothing changes;
 *  *new_total is the current total), or -1. */
int bitten_store_xp_award(bitten_store_t *self, const char *uuid, const char *signal_id,
                          const char *event, int64_t xp, bitten_ms_t at, int64_t *new_total,
                          bitten_rank_fn *rank_of);

/*  The total and rank of uuid: 0 found, 1 none yet (0 XP, rank ""), -1 error. rank may be NULL. */
int bitten_store_xp_total(bitten_store_t *self, const char *uuid, int64_t *total, char *rank,
                          size_t rank_size);

/* ------------------------------------------------ halts (store_risk.c) */

typedef struct {
    int64_t id;
    bitten_halt_scope_t scope;
    char uuid[BITTEN_ID_MAX + 1]; /* "" for global */
    bitten_halt_kind_t kind;
    bitten_reason_t reason;
    char why[BITTEN_TEXT_MAX + 1];
    bitten_ms_t created_at, released_at; /* released_at 0 while active */
    char released_by[BITTEN_NAME_MAX + 1];
} bitten_halt_rec_t;

/*  Records an active halt. 0 (id in *id_out when not NULL) or -1. */
int bitten_store_halt_insert(bitten_store_t *self, const bitten_halt_rec_t *rec, int64_t *id_out);

/*  Releases halt id: 0, 1 when it is unknown or already released, -1 error. */
int bitten_store_halt_release(bitten_store_t *self, int64_t id, bitten_ms_t at, const char *by);

typedef int(bitten_halt_cb)(void *arg, const bitten_halt_rec_t *rec);

/*  Active halts, oldest first. Returns their number, or -1. */
int bitten_store_halts_active(bitten_store_t *self, bitten_halt_cb *cb, void *arg);

/* ------------------------------------------------ key / value (store_kv.c) */

/*  Small state (CITADEL's threshold, ...). get: 0 found, 1 absent, -1 error or buffer too
 *  small. set: 0 or -1. */
int bitten_store_kv_get(bitten_store_t *self, const char *key, char *buf, size_t size);
int bitten_store_kv_set(bitten_store_t *self, const char *key, const char *value);

/* ------------------------------------------------ retention (store_retention.c) */

/*  A fire in a final state moves no more: CLOSED, REFUSED, FAILED, EXPIRED. FILLED (a position
 *  is open), TIMEOUT and UNCONFIRMED (a result may still arrive), PENDING and SENT are not. */
bool bitten_fire_state_is_final(bitten_fire_state_t state);

/*  What is pruned (store.* keys): horizons in ms (0 = keep forever), rows per table per pass. */
typedef struct {
    int64_t snapshot_retention_ms;
    int64_t fire_event_retention_ms;
    int batch;
} bitten_retention_t;

typedef struct {
    int snapshots;   /* account_snapshots rows deleted */
    int fire_events; /* fire_events rows deleted */
    bool more;       /* a table filled its batch: call again soon, older rows remain */
} bitten_prune_result_t;

/*  Deletes at most `batch` account snapshots taken before cutoff_ms, never an account's latest
 *  one (what bitten_store_account_snapshots_latest returns). The number deleted, or -1. */
int bitten_store_prune_snapshots(bitten_store_t *self, bitten_ms_t cutoff_ms, int batch);

/*  Deletes at most `batch` fire_events rows older than cutoff_ms of fires in a final state whose
 *  last activity (created/sent/result/closed) is before cutoff_ms. The fires row itself stays:
 *  it is the journal's summary and the (signal_id, uuid) exactly-once guard. Deleted, or -1. */
int bitten_store_prune_fire_events(bitten_store_t *self, bitten_ms_t cutoff_ms, int batch);

/*  One bounded pass of both prunes at time now_ms, in one transaction (one commit). 0 (counts
 *  in *out) or -1 (nothing deleted). */
int bitten_store_prune(bitten_store_t *self, const bitten_retention_t *policy, bitten_ms_t now_ms,
                       bitten_prune_result_t *out);

/*  PRAGMA optimize: refreshes the planner's statistics where SQLite thinks it helps (cheap;
 *  SQLite's advice for long-lived connections is to run it every few hours). 0 or -1. */
int bitten_store_optimize(bitten_store_t *self);

#endif
