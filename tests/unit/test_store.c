/*  test_store.c: unit tests for the SQLite store (src/core/store.c): open and pragmas,
 *  migrations from an older schema, the fire journal, XP, halts, key/values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/store.h"

typedef struct {
    char dir[64];
    char db[96];
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/bitten_store_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof f->db, "%s/bitten.db", f->dir);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[112];
        snprintf(path, sizeof path, "%s%s", f->db, suffix[i]);
        unlink(path);
    }
    char sub[80];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    rmdir(sub);
    rmdir(f->dir);
    free(f);
    return 0;
}

static bitten_store_t *s_open(s_fixture_t *f)
{
    char err[256] = "";
    bitten_store_t *s = bitten_store_open(f->dir, err, sizeof err);
    if (!s)
        print_error("open: %s\n", err);
    assert_non_null(s);
    return s;
}

static bitten_fire_rec_t s_fire(const char *signal_id, const char *uuid, bitten_ms_t at)
{
    bitten_fire_rec_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.signal_id, sizeof r.signal_id, "%s", signal_id);
    snprintf(r.uuid, sizeof r.uuid, "%s", uuid);
    snprintf(r.symbol, sizeof r.symbol, "EURUSD");
    r.action = BITTEN_ACTION_BUY;
    r.lot = 0.10;
    r.sl_points = 200;
    r.tp_points = 300;
    r.sl_pips = 20.0;
    r.tp_pips = 30.0;
    r.source = BITTEN_FIRE_AUTO;
    r.state = BITTEN_FIRE_PENDING;
    r.created_at = at;
    r.expires_at = at + 60000;
    return r;
}

static uint64_t s_latency_n(bitten_store_t *s, bitten_store_op_t op);

/*  Runs one query on the file with a separate connection and returns its first integer. */
static int64_t s_query_int(s_fixture_t *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---------------------------------------------------------------- open and schema */

static void test_open_uses_wal_full_sync_and_latest_schema(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    char mode[16];
    assert_int_equal(bitten_store_journal_mode(s, mode, sizeof mode), 0);
    assert_string_equal(mode, "wal");
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(bitten_store_schema_version(s), bitten_store_latest_version());
    assert_true(bitten_store_latest_version() >= 2);
    bitten_store_close(&s);
    assert_null(s);
    bitten_store_close(&s); /* idempotent */
    bitten_store_close(NULL);
}

static void test_open_creates_a_missing_state_dir(void **state)
{
    s_fixture_t *f = *state;
    char sub[80], err[256];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    bitten_store_t *s = bitten_store_open(sub, err, sizeof err);
    assert_non_null(s);
    bitten_store_close(&s);
    char path[112];
    snprintf(path, sizeof path, "%s/bitten.db", sub);
    assert_int_equal(access(path, F_OK), 0);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/bitten.db%s", sub, suffix[i]);
        unlink(path);
    }
}

static void test_open_refuses_an_unwritable_dir_with_a_reason(void **state)
{
    char err[256] = "";
    bitten_store_t *s = bitten_store_open("/proc/bitten_no_such_dir", err, sizeof err);
    assert_null(s);
    assert_true(strlen(err) > 0);
    assert_null(bitten_store_open_at_version("/tmp", 0, err, sizeof err));
    assert_null(
        bitten_store_open_at_version("/tmp", bitten_store_latest_version() + 1, err, sizeof err));
}

static void test_v1_database_migrates_to_latest_keeping_its_data(void **state)
{
    s_fixture_t *f = *state;
    char err[256] = "";
    bitten_store_t *s = bitten_store_open_at_version(f->dir, 1, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(bitten_store_schema_version(s), 1);
    bitten_fire_rec_t r = s_fire("SIG_1", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_kv_set(s, "citadel.threshold", "67.5"), 0);
    int64_t total = 0;
    assert_int_equal(bitten_store_xp_award(s, "acct_1", "SIG_1", "filled", 5, 1000, &total, NULL),
                     0);
    bitten_store_close(&s);
    assert_int_equal(
        s_query_int(f, "SELECT count(*) FROM sqlite_master WHERE name = 'fires_state'"), 0);

    s = s_open(f);
    assert_int_equal(bitten_store_schema_version(s), bitten_store_latest_version());
    bitten_fire_rec_t got;
    assert_int_equal(bitten_store_fire_find(s, "SIG_1", "acct_1", &got), 0);
    assert_int_equal(got.id, id);
    assert_int_equal(got.state, BITTEN_FIRE_PENDING);
    char buf[16];
    assert_int_equal(bitten_store_kv_get(s, "citadel.threshold", buf, sizeof buf), 0);
    assert_string_equal(buf, "67.5");
    assert_int_equal(bitten_store_xp_total(s, "acct_1", &total, NULL, 0), 0);
    assert_int_equal(total, 5);
    bitten_store_close(&s);

    assert_int_equal(
        s_query_int(f, "SELECT count(*) FROM sqlite_master WHERE name = 'fires_state'"), 1);
    assert_int_equal(s_query_int(f, "SELECT count(*) FROM schema_version"),
                     bitten_store_latest_version());
}

static void test_reopening_at_latest_applies_nothing_twice(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_store_close(&s);
    s = s_open(f);
    bitten_store_close(&s);
    assert_int_equal(s_query_int(f, "SELECT count(*) FROM schema_version"),
                     bitten_store_latest_version());
}

static void test_refuses_a_database_from_a_newer_build(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_store_close(&s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 0)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    assert_null(bitten_store_open(f->dir, err, sizeof err));
    assert_non_null(strstr(err, "v999"));
}

/* ---------------------------------------------------------------- fires */

static void test_duplicate_fire_insert_returns_1_even_after_reopen(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_1", "acct_1", 1000);
    int64_t id = 0, id2 = -7;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_true(id > 0);
    assert_int_equal(bitten_store_fire_insert(s, &r, &id2), 1);
    assert_int_equal(id2, -7); /* untouched */
    /* same signal for another account is a different fire */
    bitten_fire_rec_t other = s_fire("SIG_1", "acct_2", 1000);
    assert_int_equal(bitten_store_fire_insert(s, &other, NULL), 0);
    bitten_store_close(&s);

    s = s_open(f);
    assert_int_equal(bitten_store_fire_insert(s, &r, NULL), 1);
    assert_int_equal(bitten_store_fire_list(s, NULL, NULL, NULL), 2);
    bitten_store_close(&s);
}

static void test_fire_insert_refuses_an_invalid_state(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_1", "acct_1", 1000);
    r.state = BITTEN_FIRE_STATE_COUNT_;
    assert_int_equal(bitten_store_fire_insert(s, &r, NULL), -1);
    assert_int_equal(bitten_store_fire_list(s, NULL, NULL, NULL), 0);
    bitten_store_close(&s);
}

typedef struct {
    bitten_fire_event_rec_t ev[8];
    int n;
} s_events_t;

static int s_on_event(void *arg, const bitten_fire_event_rec_t *ev)
{
    s_events_t *e = arg;
    if (e->n < 8)
        e->ev[e->n++] = *ev;
    return 0;
}

static void test_transitions_update_the_fire_and_record_events(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_1", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, 1010, NULL), 0);
    bitten_fire_update_t fill = {
        .ticket = 123456789, .fill_price = 1.17485, .has_ticket = true, .has_fill_price = true};
    assert_int_equal(bitten_store_fire_transition(s, id, BITTEN_FIRE_FILLED, BITTEN_R_OK,
                                                  "Trade executed successfully", 1500, &fill),
                     0);
    bitten_fire_update_t close = {
        .close_price = 1.17685, .profit = 20.0, .has_close_price = true, .has_profit = true};
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_CLOSED, BITTEN_R_OK, NULL, 9000, &close),
        0);

    bitten_fire_rec_t got;
    assert_int_equal(bitten_store_fire_find(s, "SIG_1", "acct_1", &got), 0);
    assert_int_equal(got.state, BITTEN_FIRE_CLOSED);
    assert_int_equal(got.sent_at, 1010);
    assert_int_equal(got.result_at, 1500);
    assert_int_equal(got.closed_at, 9000);
    assert_true(got.has_ticket && got.ticket == 123456789);
    assert_true(got.has_fill_price && got.fill_price == 1.17485);
    assert_true(got.has_close_price && got.close_price == 1.17685);
    assert_true(got.has_profit && got.profit == 20.0);
    assert_int_equal(got.expires_at, 61000);
    assert_int_equal(got.action, BITTEN_ACTION_BUY);
    assert_int_equal(got.source, BITTEN_FIRE_AUTO);
    assert_int_equal(got.sl_points, 200);
    assert_int_equal(got.reason, BITTEN_R_OK);

    s_events_t e = {.n = 0};
    assert_int_equal(bitten_store_fire_events(s, id, s_on_event, &e), 4);
    assert_int_equal(e.ev[0].from_state, -1);
    assert_int_equal(e.ev[0].to_state, BITTEN_FIRE_PENDING);
    assert_int_equal(e.ev[1].from_state, BITTEN_FIRE_PENDING);
    assert_int_equal(e.ev[1].to_state, BITTEN_FIRE_SENT);
    assert_int_equal(e.ev[2].from_state, BITTEN_FIRE_SENT);
    assert_int_equal(e.ev[2].to_state, BITTEN_FIRE_FILLED);
    assert_string_equal(e.ev[2].detail, "Trade executed successfully");
    assert_int_equal(e.ev[2].at, 1500);
    assert_int_equal(e.ev[3].to_state, BITTEN_FIRE_CLOSED);
    bitten_store_close(&s);
}

//  A fire journaled PENDING (durable) at 1000, then SENT in a relaxed commit at 1010: its id.
static int64_t s_sent_relaxed(bitten_store_t *s, const char *signal_id, const char *detail)
{
    bitten_fire_rec_t r = s_fire(signal_id, "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_fire_transition_relaxed(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK,
                                                          detail, 1010, NULL),
                     0);
    return id;
}

//  SENT is committed relaxed (synchronous=NORMAL for that one commit): journaled like any
//  transition, and the connection is back at FULL for every other write.
static void test_a_relaxed_transition_journals_and_leaves_the_connection_full(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    int64_t id = s_sent_relaxed(s, "SIG_R", "sent");
    assert_int_equal(bitten_store_synchronous(s), 2);
    //  An unknown fire: refused, nothing written, and still FULL afterwards.
    assert_int_equal(bitten_store_fire_transition_relaxed(s, id + 99, BITTEN_FIRE_SENT, BITTEN_R_OK,
                                                          NULL, 1020, NULL),
                     -1);
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(bitten_store_fire_transition_relaxed(NULL, id, BITTEN_FIRE_SENT, BITTEN_R_OK,
                                                          NULL, 1020, NULL),
                     -1);
    assert_int_equal(s_latency_n(s, BITTEN_STORE_OP_FIRE_TRANSITION), 2);
    bitten_store_close(&s);
    //  Another connection sees it (committed, not only in this connection's cache).
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM fires WHERE state = 'SENT' AND "
                                    "sent_at = 1010"),
                     1);
    s = s_open(f);
    bitten_fire_rec_t got;
    assert_int_equal(bitten_store_fire_find(s, "SIG_R", "acct_1", &got), 0);
    assert_int_equal(got.state, BITTEN_FIRE_SENT);
    s_events_t e = {.n = 0};
    assert_int_equal(bitten_store_fire_events(s, id, s_on_event, &e), 2);
    assert_int_equal(e.ev[1].to_state, BITTEN_FIRE_SENT);
    assert_string_equal(e.ev[1].detail, "sent");
    bitten_store_close(&s);
}

//  A group (a result: its transition, XP award, account snapshot, VENOM's record) is ONE
//  transaction: another connection sees none of it before the end and all of it after; a
//  write that fails inside rolls back alone.
static void test_a_group_is_one_transaction_and_a_failed_write_rolls_back_alone(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_G", "acct_1", 1000);
    int64_t id = 0, total = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_group_begin(s, false), 0);
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_FILLED, BITTEN_R_OK, "filled", 1100, NULL),
        0);
    assert_int_equal(bitten_store_xp_award(s, "acct_1", "SIG_G", "filled", 10, 1100, &total, NULL),
                     0);
    assert_int_equal(total, 10);
    //  Awarded twice inside the group: the second is the duplicate, its savepoint rolled back.
    assert_int_equal(bitten_store_xp_award(s, "acct_1", "SIG_G", "filled", 10, 1100, &total, NULL),
                     1);
    assert_int_equal(total, 10);
    assert_int_equal(
        bitten_store_fire_transition(s, id + 99, BITTEN_FIRE_FILLED, BITTEN_R_OK, NULL, 1100, NULL),
        -1);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_1", 1100, "{\"v\":1}"), 0);
    assert_int_equal(bitten_store_kv_set(s, "venom.record", "{}"), 0);
    //  Nested: joins the outer group, whose end is the commit.
    assert_int_equal(bitten_store_group_begin(s, true), 0);
    assert_int_equal(bitten_store_kv_set(s, "nested", "1"), 0);
    assert_int_equal(bitten_store_group_end(s), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM fires WHERE state = 'FILLED'"), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM kv"), 0);
    assert_int_equal(bitten_store_group_end(s), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM fires WHERE state = 'FILLED'"), 1);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM fire_events WHERE fire_id = 1"), 2);
    assert_int_equal(s_query_int(f, "SELECT xp FROM xp_totals WHERE uuid = 'acct_1'"), 10);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM xp_ledger"), 1);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM account_snapshots"), 1);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM kv WHERE key IN ('venom.record', "
                                    "'nested')"),
                     2);
    assert_int_equal(bitten_store_synchronous(s), 2);
    //  Unbalanced or without a store: refused.
    assert_int_equal(bitten_store_group_end(s), -1);
    assert_int_equal(bitten_store_group_begin(NULL, false), -1);
    assert_int_equal(bitten_store_group_end(NULL), -1);
    bitten_store_close(&s);
}

//  A relaxed group (SENT and its account snapshot) commits at NORMAL and leaves the connection
//  at FULL; a fire insert inside any group commits the group first and is durable on its own
//  (its PENDING row before its send), the group's later writes are each their own commit.
static void test_a_fire_insert_in_a_group_commits_the_group_first(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_F", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_group_begin(s, true), 0);
    assert_int_equal(bitten_store_fire_transition_relaxed(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK,
                                                          NULL, 1010, NULL),
                     0);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_1", 1010, "{\"v\":1}"), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM account_snapshots"), 0);
    bitten_fire_rec_t close = s_fire("SIG_F2", "acct_1", 1020);
    assert_int_equal(bitten_store_fire_insert(s, &close, NULL), 0);
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM fires WHERE state = 'SENT'"), 1);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM account_snapshots"), 1);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM fires WHERE signal_id = 'SIG_F2'"), 1);
    assert_int_equal(bitten_store_kv_set(s, "after", "1"), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM kv WHERE key = 'after'"), 1);
    assert_int_equal(bitten_store_group_end(s), 0);
    assert_int_equal(bitten_store_synchronous(s), 2);
    bitten_store_close(&s);
}

//  bitten_store_sync makes relaxed commits durable with one small write, only when one is
//  owed: after a relaxed transition or group, not after a durable commit, not twice.
static void test_sync_writes_only_after_a_relaxed_commit(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_Y", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_sync(s), 0); /* the last commit was durable */
    assert_int_equal(bitten_store_fire_transition_relaxed(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK,
                                                          NULL, 1010, NULL),
                     0);
    assert_int_equal(bitten_store_sync(s), 1);
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM kv WHERE key = 'store.synced_at'"), 1);
    assert_int_equal(bitten_store_sync(s), 0);
    //  A relaxed group owes one; a durable commit after it takes it along.
    assert_int_equal(bitten_store_group_begin(s, true), 0);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_1", 1010, "{\"v\":1}"), 0);
    assert_int_equal(bitten_store_sync(s), 0); /* inside a group: nothing */
    assert_int_equal(bitten_store_group_end(s), 0);
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_FILLED, BITTEN_R_OK, NULL, 1020, NULL), 0);
    assert_int_equal(bitten_store_sync(s), 0);
    assert_int_equal(bitten_store_sync(NULL), -1);
    bitten_store_close(&s);
}

//  A group that cannot begin because another process holds the write lock (an account created
//  on first contact is a relaxed group: accounts.c) leaves nothing behind: no group to end, the
//  connection at FULL, and once the lock is gone the next group is one transaction of its own
//  and a fire insert after it is durable, as if the failure never happened.
static void test_a_group_refused_by_a_lock_leaves_no_group_and_full_sync(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
    sqlite3_busy_timeout(other, 5000);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(bitten_store_group_begin(s, true), -1);
    //  The reason is the refused BEGIN's, not the PRAGMA's that restored FULL after it.
    assert_string_equal(bitten_store_errmsg(s), "database is locked");
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(bitten_store_group_end(s), -1); /* nothing was begun */
    assert_int_equal(bitten_store_group_begin(s, false), -1);
    assert_int_equal(bitten_store_group_end(s), -1);
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);

    assert_int_equal(bitten_store_group_begin(s, true), 0);
    assert_int_equal(bitten_store_kv_set(s, "after_lock", "1"), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM kv WHERE key = 'after_lock'"), 0);
    assert_int_equal(bitten_store_group_end(s), 0);
    assert_int_equal(s_query_int(f, "SELECT COUNT(*) FROM kv WHERE key = 'after_lock'"), 1);
    assert_int_equal(bitten_store_synchronous(s), 2);
    bitten_fire_rec_t r = s_fire("SIG_LOCK", "acct_1", 1000);
    assert_int_equal(bitten_store_fire_insert(s, &r, NULL), 0);
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(bitten_store_sync(s), 0); /* the durable insert took the relaxed group */
    bitten_store_close(&s);
}

//  A durable commit that changed no row fsyncs nothing (SQLite skips it), so a relaxed commit
//  before it is still owed; a sync under another connection's lock fails (with SQLite's reason,
//  not "not an error") and leaves the debt for the next try.
static void test_an_empty_durable_commit_leaves_the_relaxed_debt(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    s_sent_relaxed(s, "SIG_E", NULL);
    assert_int_equal(bitten_store_group_begin(s, false), 0); /* e.g. a prune deleting nothing */
    assert_int_equal(bitten_store_group_end(s), 0);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
    sqlite3_busy_timeout(other, 5000);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(bitten_store_sync(s), -1);
    assert_string_equal(bitten_store_errmsg(s), "database is locked");
    assert_int_equal(bitten_store_synchronous(s), 2);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(bitten_store_sync(s), 1);
    assert_int_equal(bitten_store_sync(s), 0);
    bitten_store_close(&s);
}

//  Whether a relaxed commit can have been lost since the last start: only a reboot loses one.
static void test_same_boot_only_after_a_mark_under_this_boot(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bool same = true;
    assert_int_equal(bitten_store_same_boot(s, &same), 0);
    assert_false(same); /* never marked: the cautious answer */
    assert_int_equal(bitten_store_mark_boot(s), 0);
    assert_int_equal(bitten_store_same_boot(s, &same), 0);
    assert_true(same);
    bitten_store_close(&s);
    s = s_open(f);
    assert_int_equal(bitten_store_same_boot(s, &same), 0);
    assert_true(same);
    //  Marked under another boot (what a power loss and a reboot look like).
    assert_int_equal(bitten_store_kv_set(s, "store.boot_id", "another-boot"), 0);
    assert_int_equal(bitten_store_same_boot(s, &same), 0);
    assert_false(same);
    //  Junk too long to be a boot id: not the same boot, and not an error that stops a start.
    assert_int_equal(bitten_store_kv_set(s, "store.boot_id",
                                         "0123456789012345678901234567890123456789"
                                         "0123456789012345678901234567890123456789"),
                     0);
    same = true;
    assert_int_equal(bitten_store_same_boot(s, &same), 0);
    assert_false(same);
    assert_int_equal(bitten_store_same_boot(NULL, &same), -1);
    assert_int_equal(bitten_store_mark_boot(NULL), -1);
    bitten_store_close(&s);
}

static long long s_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

//  A WAL checkpoint (copy the log into the database, fsync both) never runs in a loop commit:
//  the commit that takes the log past SQLite's 1000-page threshold (here PENDING inserts alone)
//  only asks the store's checkpoint thread, which copies the log into the database on its own
//  connection. Waiting for that thread (not for a time) shows it did, and the rows are whole.
static void test_checkpoints_run_on_the_store_thread_not_in_a_commit(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    bitten_fire_rec_t r = s_fire("SIG_W0", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, 1001, NULL), 0);
    assert_int_equal(bitten_store_checkpoint_wait(s), 0); /* nothing asked below the threshold */
    long long db0 = s_file_size(f->db);
    int i = 1;
    for (; i < 5000 && s_file_size(wal) < 1100LL * (4096 + 24); i++) {
        char sig[32];
        snprintf(sig, sizeof sig, "SIG_W%d", i);
        r = s_fire(sig, "acct_1", 1000 + i);
        assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    }
    assert_true(i < 5000);
    assert_true(bitten_store_checkpoint_wait(s) >= 1);
    assert_true(s_file_size(f->db) > db0);
    bitten_fire_rec_t got;
    assert_int_equal(bitten_store_fire_find(s, "SIG_W1", "acct_1", &got), 0);
    assert_int_equal(got.state, BITTEN_FIRE_PENDING);
    assert_int_equal(bitten_store_fire_find(s, "SIG_W0", "acct_1", &got), 0);
    assert_int_equal(got.state, BITTEN_FIRE_SENT);
    bitten_store_close(&s);
    assert_int_equal(bitten_store_checkpoint_wait(NULL), 0);
}

//  A kill -9 while the checkpoint thread copies the log (the child kills itself right after the
//  commit that asked for a pass, with SENTs relaxed in the log and more commits behind it):
//  every fire the child had committed is there after a reopen, in its committed state, and the
//  store takes new fires. Wherever the kill lands in the pass, the assertions are the same.
static void test_a_kill_9_during_a_checkpoint_keeps_every_committed_fire(void **state)
{
    s_fixture_t *f = *state;
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        bitten_store_t *s = s_open(f);
        bool asked = false;
        for (int i = 0; i < 6000; i++) {
            char sig[32];
            snprintf(sig, sizeof sig, "SIG_K%d", i);
            bitten_fire_rec_t r = s_fire(sig, "acct_1", 1000 + i);
            int64_t id = 0;
            if (bitten_store_fire_insert(s, &r, &id) != 0)
                _exit(2);
            if (i % 2 == 0 && bitten_store_fire_transition_relaxed(
                                  s, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, 2000 + i, NULL) != 0)
                _exit(3);
            if (write(fds[1], &i, sizeof i) != (ssize_t)sizeof i)
                _exit(4);
            if (asked)
                raise(SIGKILL); /* one commit after the pass was asked: it is under way */
            asked = s_file_size(wal) > 1100LL * (4096 + 24);
        }
        _exit(5);
    }
    close(fds[1]);
    int last = -1, got_i;
    while (read(fds[0], &got_i, sizeof got_i) == (ssize_t)sizeof got_i)
        last = got_i;
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(last > 0);
    bitten_store_t *s = s_open(f);
    for (int i = 0; i <= last; i++) {
        char sig[32];
        snprintf(sig, sizeof sig, "SIG_K%d", i);
        bitten_fire_rec_t got;
        assert_int_equal(bitten_store_fire_find(s, sig, "acct_1", &got), 0);
        assert_int_equal(got.state, i % 2 == 0 ? BITTEN_FIRE_SENT : BITTEN_FIRE_PENDING);
    }
    bitten_fire_rec_t r = s_fire("SIG_AFTER", "acct_1", 99000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    bitten_store_close(&s);
}

static void test_refusal_and_timeout_keep_their_reason_and_a_late_result_reconciles(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_fire_rec_t r = s_fire("SIG_1", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, 1001, NULL), 0);
    assert_int_equal(bitten_store_fire_transition(s, id, BITTEN_FIRE_TIMEOUT, BITTEN_R_TIMEOUT,
                                                  NULL, 31001, NULL),
                     0);
    bitten_fire_rec_t got;
    assert_int_equal(bitten_store_fire_find(s, "SIG_1", "acct_1", &got), 0);
    assert_int_equal(got.state, BITTEN_FIRE_TIMEOUT);
    assert_int_equal(got.reason, BITTEN_R_TIMEOUT);
    assert_int_equal(got.result_at, 0); /* a timeout is not a result */
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_FILLED, BITTEN_R_OK, NULL, 40000, NULL), 0);
    assert_int_equal(bitten_store_fire_find(s, "SIG_1", "acct_1", &got), 0);
    assert_int_equal(got.state, BITTEN_FIRE_FILLED);
    assert_int_equal(got.reason, BITTEN_R_OK);
    assert_int_equal(got.result_at, 40000);

    bitten_fire_rec_t refused = s_fire("SIG_2", "acct_1", 2000);
    refused.state = BITTEN_FIRE_REFUSED;
    refused.reason = BITTEN_R_NO_EA_CONNECTED;
    assert_int_equal(bitten_store_fire_insert(s, &refused, &id), 0);
    assert_int_equal(bitten_store_fire_find(s, "SIG_2", "acct_1", &got), 0);
    assert_int_equal(got.reason, BITTEN_R_NO_EA_CONNECTED);
    assert_int_equal(bitten_store_fire_find(s, "SIG_3", "acct_1", &got), 1);
    bitten_store_close(&s);
}

static void test_transition_of_an_unknown_fire_fails_and_writes_nothing(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    assert_int_equal(
        bitten_store_fire_transition(s, 42, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, 1, NULL), -1);
    assert_int_equal(bitten_store_fire_events(s, 42, NULL, NULL), 0);
    bitten_store_close(&s);
}

typedef struct {
    bitten_store_t *store;
    int64_t ids[8];
    int n;
} s_unconfirmed_t;

/*  Marks each fire UNCONFIRMED from inside the walk, as the router does at start-up. */
static int s_mark_unconfirmed(void *arg, const bitten_fire_rec_t *rec)
{
    s_unconfirmed_t *u = arg;
    if (u->n < 8)
        u->ids[u->n++] = rec->id;
    return bitten_store_fire_transition(u->store, rec->id, BITTEN_FIRE_UNCONFIRMED, BITTEN_R_OK,
                                        "restart", 99999, NULL) == 0
               ? 0
               : 1;
}

static void test_unconfirmed_lists_pending_and_sent_oldest_first(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    const char *ids[] = {"S1", "S2", "S3", "S4", "S5"};
    int64_t fid[5];
    for (int i = 0; i < 5; i++) {
        bitten_fire_rec_t r = s_fire(ids[i], "acct_1", 1000 + i);
        assert_int_equal(bitten_store_fire_insert(s, &r, &fid[i]), 0);
    }
    /* S1 PENDING, S2 SENT, S3 FILLED, S4 REFUSED, S5 SENT */
    assert_int_equal(bitten_store_fire_transition(s, fid[1], BITTEN_FIRE_SENT, 0, NULL, 2000, NULL),
                     0);
    assert_int_equal(bitten_store_fire_transition(s, fid[2], BITTEN_FIRE_SENT, 0, NULL, 2000, NULL),
                     0);
    assert_int_equal(
        bitten_store_fire_transition(s, fid[2], BITTEN_FIRE_FILLED, 0, NULL, 2100, NULL), 0);
    assert_int_equal(bitten_store_fire_transition(s, fid[3], BITTEN_FIRE_REFUSED,
                                                  BITTEN_R_NO_EA_CONNECTED, NULL, 2000, NULL),
                     0);
    assert_int_equal(bitten_store_fire_transition(s, fid[4], BITTEN_FIRE_SENT, 0, NULL, 2000, NULL),
                     0);
    bitten_store_close(&s);

    s = s_open(f); /* as after a restart */
    s_unconfirmed_t u = {.store = s, .n = 0};
    assert_int_equal(bitten_store_fires_unconfirmed(s, s_mark_unconfirmed, &u), 3);
    assert_int_equal(u.n, 3);
    assert_int_equal(u.ids[0], fid[0]);
    assert_int_equal(u.ids[1], fid[1]);
    assert_int_equal(u.ids[2], fid[4]);
    assert_int_equal(bitten_store_fires_unconfirmed(s, NULL, NULL), 0);
    bitten_fire_filter_t only = {
        .uuid = NULL, .signal_id = NULL, .state = BITTEN_FIRE_UNCONFIRMED, .limit = 0};
    assert_int_equal(bitten_store_fire_list(s, &only, NULL, NULL), 3);
    bitten_store_close(&s);
}

typedef struct {
    char ids[8][BITTEN_ID_MAX + 1];
    int n;
} s_list_t;

static int s_on_fire(void *arg, const bitten_fire_rec_t *rec)
{
    s_list_t *l = arg;
    if (l->n < 8)
        snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", rec->signal_id);
    return 0;
}

static int s_stop_after_one(void *arg, const bitten_fire_rec_t *rec)
{
    (void)rec;
    (*(int *)arg)++;
    return 1;
}

static void test_fire_list_filters_by_uuid_signal_state_and_limit_newest_first(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    const char *sig[] = {"A", "B", "C", "A"};
    const char *acct[] = {"u1", "u1", "u2", "u2"};
    int64_t fid[4];
    for (int i = 0; i < 4; i++) {
        bitten_fire_rec_t r = s_fire(sig[i], acct[i], 1000 + i);
        assert_int_equal(bitten_store_fire_insert(s, &r, &fid[i]), 0);
    }
    assert_int_equal(bitten_store_fire_transition(s, fid[1], BITTEN_FIRE_SENT, 0, NULL, 2000, NULL),
                     0);

    s_list_t l = {.n = 0};
    bitten_fire_filter_t by_uuid = {.uuid = "u1", .state = -1};
    assert_int_equal(bitten_store_fire_list(s, &by_uuid, s_on_fire, &l), 2);
    assert_string_equal(l.ids[0], "B");
    assert_string_equal(l.ids[1], "A");

    bitten_fire_filter_t by_signal = {.signal_id = "A", .state = -1};
    assert_int_equal(bitten_store_fire_list(s, &by_signal, NULL, NULL), 2);
    bitten_fire_filter_t by_state = {.state = BITTEN_FIRE_SENT};
    assert_int_equal(bitten_store_fire_list(s, &by_state, NULL, NULL), 1);
    bitten_fire_filter_t limited = {.state = -1, .limit = 3};
    assert_int_equal(bitten_store_fire_list(s, &limited, NULL, NULL), 3);
    int calls = 0;
    assert_int_equal(bitten_store_fire_list(s, NULL, s_stop_after_one, &calls), 1);
    assert_int_equal(calls, 1);
    bitten_store_close(&s);
}

/* ---------------------------------------------------------------- signals, verdicts, accounts */

static void test_signal_insert_is_once_and_verdicts_need_their_signal(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_signal_rec_t sig = {.signal_id = "VENOM_EURUSD_1",
                               .symbol = "EURUSD",
                               .direction = "BUY",
                               .class_name = "RAPID_ASSAULT",
                               .pattern = "BB_SCALP",
                               .confidence = 72.5,
                               .entry = 1.1,
                               .sl_pips = 15,
                               .tp_pips = 22.5,
                               .sl_price = 1.0985,
                               .tp_price = 1.10225,
                               .rr = 1.5,
                               .atr_pips = 9.0,
                               .session = "LONDON",
                               .created_at = 1000,
                               .expires_at = 61000,
                               .json = "{\"signal_id\":\"VENOM_EURUSD_1\"}"};
    assert_int_equal(bitten_store_signal_insert(s, &sig), 0);
    assert_int_equal(bitten_store_signal_insert(s, &sig), 1);
    bitten_verdict_rec_t v = {.signal_id = "VENOM_EURUSD_1",
                              .score = 8.5,
                              .label = "SHIELD_APPROVED",
                              .multiplier = 1.0,
                              .passed = true,
                              .reasons_json = "[\"rr\"]",
                              .at = 1001};
    assert_int_equal(bitten_store_verdict_insert(s, &v), 0);
    bitten_verdict_rec_t orphan = v;
    snprintf(orphan.signal_id, sizeof orphan.signal_id, "NO_SUCH_SIGNAL");
    assert_int_equal(bitten_store_verdict_insert(s, &orphan), -1);
    bitten_store_close(&s);
    assert_int_equal(s_query_int(f, "SELECT count(*) FROM verdicts"), 1);
}

/*  The accounts table is the accounts module's: tests/unit/test_accounts.c. */

typedef struct {
    int calls;
    char uuids[4][16];
    bitten_ms_t at[4];
    char json[4][64];
} s_snaps_t;

static int s_snap_cb(void *arg, const char *uuid, bitten_ms_t at, const char *json)
{
    s_snaps_t *s = arg;
    if (s->calls < 4) {
        snprintf(s->uuids[s->calls], sizeof s->uuids[0], "%s", uuid);
        s->at[s->calls] = at;
        snprintf(s->json[s->calls], sizeof s->json[0], "%s", json);
    }
    s->calls++;
    return 0;
}

static void test_latest_snapshot_per_account_survives_reopen(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    s_snaps_t got = {0};
    assert_int_equal(bitten_store_account_snapshots_latest(s, NULL, s_snap_cb, &got), 0);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_b", 1000, "{\"equity\":1}"), 0);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_a", 2000, "{\"equity\":2}"), 0);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_b", 3000, "{\"equity\":3}"), 0);
    bitten_store_close(&s);
    s = s_open(f);
    assert_int_equal(bitten_store_account_snapshots_latest(s, NULL, s_snap_cb, &got), 2);
    assert_int_equal(got.calls, 2);
    assert_string_equal(got.uuids[0], "acct_a");
    assert_string_equal(got.json[0], "{\"equity\":2}");
    assert_string_equal(got.uuids[1], "acct_b");
    assert_int_equal(got.at[1], 3000);
    assert_string_equal(got.json[1], "{\"equity\":3}");
    memset(&got, 0, sizeof got);
    assert_int_equal(bitten_store_account_snapshots_latest(s, "acct_b", s_snap_cb, &got), 1);
    assert_string_equal(got.json[0], "{\"equity\":3}");
    assert_int_equal(bitten_store_account_snapshots_latest(s, "nobody", s_snap_cb, &got), 0);
    bitten_store_close(&s);
}

/* ---------------------------------------------------------------- XP */

static const char *s_rank(int64_t xp)
{
    return xp >= 100 ? "PRIVATE" : "RECRUIT";
}

static void test_xp_award_is_idempotent_and_total_is_the_ledger_sum(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    int64_t total = -1;
    assert_int_equal(bitten_store_xp_total(s, "acct_1", &total, NULL, 0), 1);
    assert_int_equal(total, 0);
    assert_int_equal(bitten_store_xp_award(s, "acct_1", "SIG_1", "filled", 5, 1000, &total, s_rank),
                     0);
    assert_int_equal(total, 5);
    assert_int_equal(
        bitten_store_xp_award(s, "acct_1", "SIG_1", "closed_profit", 125, 2000, &total, s_rank), 0);
    assert_int_equal(total, 130);
    /* the same result again pays nothing */
    assert_int_equal(bitten_store_xp_award(s, "acct_1", "SIG_1", "filled", 5, 3000, &total, s_rank),
                     1);
    assert_int_equal(total, 130);
    /* another account is separate */
    assert_int_equal(bitten_store_xp_award(s, "acct_2", "SIG_1", "filled", 5, 1000, &total, NULL),
                     0);
    assert_int_equal(total, 5);
    bitten_store_close(&s);

    s = s_open(f);
    char rank[16];
    assert_int_equal(
        bitten_store_xp_award(s, "acct_1", "SIG_1", "closed_profit", 125, 4000, &total, s_rank), 1);
    assert_int_equal(bitten_store_xp_total(s, "acct_1", &total, rank, sizeof rank), 0);
    assert_int_equal(total, 130);
    assert_string_equal(rank, "PRIVATE");
    bitten_store_close(&s);
    assert_int_equal(s_query_int(f, "SELECT sum(xp) FROM xp_ledger WHERE uuid = 'acct_1'"), 130);
    assert_int_equal(s_query_int(f, "SELECT count(*) FROM xp_ledger"), 3);
}

/* ---------------------------------------------------------------- halts */

typedef struct {
    bitten_halt_rec_t h[4];
    int n;
} s_halts_t;

static int s_on_halt(void *arg, const bitten_halt_rec_t *h)
{
    s_halts_t *hs = arg;
    if (hs->n < 4)
        hs->h[hs->n++] = *h;
    return 0;
}

static void test_halts_survive_reopen_until_released(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    bitten_halt_rec_t global = {.scope = BITTEN_HALT_GLOBAL,
                                .kind = BITTEN_HALT_SOFT,
                                .reason = BITTEN_R_HALTED,
                                .why = "operator: maintenance",
                                .created_at = 1000};
    bitten_halt_rec_t account = {.scope = BITTEN_HALT_ACCOUNT,
                                 .uuid = "acct_1",
                                 .kind = BITTEN_HALT_HARD,
                                 .reason = BITTEN_R_RISK_DRAWDOWN,
                                 .why = "drawdown 21.3%",
                                 .created_at = 2000};
    int64_t gid = 0, aid = 0;
    assert_int_equal(bitten_store_halt_insert(s, &global, &gid), 0);
    assert_int_equal(bitten_store_halt_insert(s, &account, &aid), 0);
    bitten_store_close(&s);

    s = s_open(f);
    s_halts_t hs = {.n = 0};
    assert_int_equal(bitten_store_halts_active(s, s_on_halt, &hs), 2);
    assert_int_equal(hs.h[0].id, gid);
    assert_int_equal(hs.h[0].scope, BITTEN_HALT_GLOBAL);
    assert_string_equal(hs.h[0].uuid, "");
    assert_int_equal(hs.h[1].scope, BITTEN_HALT_ACCOUNT);
    assert_string_equal(hs.h[1].uuid, "acct_1");
    assert_int_equal(hs.h[1].kind, BITTEN_HALT_HARD);
    assert_int_equal(hs.h[1].reason, BITTEN_R_RISK_DRAWDOWN);
    assert_string_equal(hs.h[1].why, "drawdown 21.3%");

    assert_int_equal(bitten_store_halt_release(s, gid, 3000, "operator"), 0);
    assert_int_equal(bitten_store_halt_release(s, gid, 3001, "operator"), 1);
    assert_int_equal(bitten_store_halt_release(s, 999, 3001, "operator"), 1);
    bitten_store_close(&s);

    s = s_open(f);
    hs.n = 0;
    assert_int_equal(bitten_store_halts_active(s, s_on_halt, &hs), 1);
    assert_int_equal(hs.h[0].id, aid);
    bitten_store_close(&s);
}

/* ---------------------------------------------------------------- key / value */

static void test_kv_sets_overwrites_and_reports_absent_or_small_buffer(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    char buf[8];
    assert_int_equal(bitten_store_kv_get(s, "citadel.threshold", buf, sizeof buf), 1);
    assert_int_equal(bitten_store_kv_set(s, "citadel.threshold", "70"), 0);
    assert_int_equal(bitten_store_kv_set(s, "citadel.threshold", "62.5"), 0);
    assert_int_equal(bitten_store_kv_get(s, "citadel.threshold", buf, sizeof buf), 0);
    assert_string_equal(buf, "62.5");
    assert_int_equal(bitten_store_kv_set(s, "long", "0123456789"), 0);
    assert_int_equal(bitten_store_kv_get(s, "long", buf, sizeof buf), -1);
    bitten_store_close(&s);
    s = s_open(f);
    assert_int_equal(bitten_store_kv_get(s, "citadel.threshold", buf, sizeof buf), 0);
    assert_string_equal(buf, "62.5");
    bitten_store_close(&s);
}

static void test_fire_state_names_round_trip(void **state)
{
    for (int i = 0; i < BITTEN_FIRE_STATE_COUNT_; i++)
        assert_int_equal(bitten_fire_state_from_str(bitten_fire_state_str((bitten_fire_state_t)i)),
                         i);
    assert_string_equal(bitten_fire_state_str(BITTEN_FIRE_UNCONFIRMED), "UNCONFIRMED");
    assert_int_equal(bitten_fire_state_from_str("pending"), -1);
    assert_string_equal(bitten_fire_state_str(BITTEN_FIRE_STATE_COUNT_), "?");
}

/* ---------------------------------------------------------------- write latency */

static uint64_t s_latency_n(bitten_store_t *s, bitten_store_op_t op)
{
    bitten_store_latency_t h;
    bitten_store_latency(s, op, &h);
    uint64_t in_buckets = h.over;
    for (size_t i = 0; i < BITTEN_STORE_LATENCY_BUCKETS; i++)
        in_buckets += h.counts[i];
    assert_int_equal(in_buckets, h.n); /* every write lands in exactly one bucket */
    assert_true(h.sum >= 0);
    return h.n;
}

static void test_each_durable_write_is_timed_under_its_op(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_t *s = s_open(f);
    for (int op = 0; op < BITTEN_STORE_OP_COUNT_; op++)
        assert_int_equal(s_latency_n(s, (bitten_store_op_t)op), 0);
    bitten_fire_rec_t r = s_fire("SIG_1", "acct_1", 1000);
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_fire_insert(s, &r, NULL), 1); /* a duplicate: timed too */
    assert_int_equal(
        bitten_store_fire_transition(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, 1010, NULL), 0);
    assert_int_equal(bitten_store_account_snapshot(s, "acct_1", 1000, "{}"), 0);
    assert_int_equal(s_latency_n(s, BITTEN_STORE_OP_FIRE_INSERT), 2);
    assert_int_equal(s_latency_n(s, BITTEN_STORE_OP_FIRE_TRANSITION), 1);
    assert_int_equal(s_latency_n(s, BITTEN_STORE_OP_SNAPSHOT), 1);
    assert_int_equal(s_latency_n(s, BITTEN_STORE_OP_KV_SET), 0);
    assert_string_equal(bitten_store_op_str(BITTEN_STORE_OP_FIRE_TRANSITION), "fire_transition");
    assert_string_equal(bitten_store_op_str(BITTEN_STORE_OP_COUNT_), "?");
    bitten_store_close(&s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_uses_wal_full_sync_and_latest_schema),
        T(test_open_creates_a_missing_state_dir),
        T(test_open_refuses_an_unwritable_dir_with_a_reason),
        T(test_v1_database_migrates_to_latest_keeping_its_data),
        T(test_reopening_at_latest_applies_nothing_twice),
        T(test_refuses_a_database_from_a_newer_build),
        T(test_duplicate_fire_insert_returns_1_even_after_reopen),
        T(test_each_durable_write_is_timed_under_its_op),
        T(test_fire_insert_refuses_an_invalid_state),
        T(test_transitions_update_the_fire_and_record_events),
        T(test_a_relaxed_transition_journals_and_leaves_the_connection_full),
        T(test_a_group_is_one_transaction_and_a_failed_write_rolls_back_alone),
        T(test_a_fire_insert_in_a_group_commits_the_group_first),
        T(test_sync_writes_only_after_a_relaxed_commit),
        T(test_a_group_refused_by_a_lock_leaves_no_group_and_full_sync),
        T(test_an_empty_durable_commit_leaves_the_relaxed_debt),
        T(test_same_boot_only_after_a_mark_under_this_boot),
        T(test_checkpoints_run_on_the_store_thread_not_in_a_commit),
        T(test_a_kill_9_during_a_checkpoint_keeps_every_committed_fire),
        T(test_refusal_and_timeout_keep_their_reason_and_a_late_result_reconciles),
        T(test_transition_of_an_unknown_fire_fails_and_writes_nothing),
        T(test_unconfirmed_lists_pending_and_sent_oldest_first),
        T(test_fire_list_filters_by_uuid_signal_state_and_limit_newest_first),
        T(test_signal_insert_is_once_and_verdicts_need_their_signal),
        T(test_latest_snapshot_per_account_survives_reopen),
        T(test_xp_award_is_idempotent_and_total_is_the_ledger_sum),
        T(test_halts_survive_reopen_until_released),
        T(test_kv_sets_overwrites_and_reports_absent_or_small_buffer),
        T(test_fire_state_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
