/*  test_store_retention.c: unit tests for the store's retention (src/core/store_retention.c):
 *  what pruning must keep (each account's latest snapshot, recent rows, every fire that can
 *  still move, every fires row), bounded batches, and a bounded store in a simulated run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/store.h"

typedef struct {
    char dir[64];
    char db[96];
    bitten_store_t *s;
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/bitten_retention_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof f->db, "%s/bitten.db", f->dir);
    char err[256] = "";
    f->s = bitten_store_open(f->dir, err, sizeof err);
    if (!f->s) {
        fprintf(stderr, "open: %s\n", err);
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    bitten_store_close(&f->s);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[112];
        snprintf(path, sizeof path, "%s%s", f->db, suffix[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/*  The first integer of one query, on a second connection to the same file. */
static int64_t s_int(s_fixture_t *f, const char *sql)
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

static void s_snap(s_fixture_t *f, const char *uuid, bitten_ms_t at)
{
    char json[64];
    snprintf(json, sizeof json, "{\"at\":%lld}", (long long)at);
    assert_int_equal(bitten_store_account_snapshot(f->s, uuid, at, json), 0);
}

typedef struct {
    int calls;
    char uuid[4][32];
    bitten_ms_t at[4];
} s_latest_t;

static int s_latest_cb(void *arg, const char *uuid, bitten_ms_t at, const char *json)
{
    s_latest_t *l = arg;
    if (l->calls < 4) {
        snprintf(l->uuid[l->calls], sizeof l->uuid[0], "%s", uuid);
        l->at[l->calls] = at;
    }
    l->calls++;
    return 0;
}

/* ---------------------------------------------------------------- snapshots */

static void test_snapshots_prune_keeps_recent_rows_and_each_accounts_latest(void **state)
{
    s_fixture_t *f = *state;
    for (bitten_ms_t at = 1000; at <= 10000; at += 1000)
        s_snap(f, "acct_a", at); /* all old: only the last (10000) must stay */
    s_snap(f, "acct_b", 500);    /* one old row: it is b's latest, it stays */
    for (bitten_ms_t at = 1000; at <= 30000; at += 5000)
        s_snap(f, "acct_c", at); /* 1000..26000: the ones from 20000 on are recent */
    assert_int_equal(bitten_store_prune_snapshots(f->s, 20000, 1000), 9 + 0 + 4);
    assert_int_equal(s_int(f, "SELECT count(*) FROM account_snapshots WHERE uuid='acct_a'"), 1);
    assert_int_equal(s_int(f, "SELECT at FROM account_snapshots WHERE uuid='acct_a'"), 10000);
    assert_int_equal(s_int(f, "SELECT count(*) FROM account_snapshots WHERE uuid='acct_b'"), 1);
    assert_int_equal(s_int(f, "SELECT min(at) FROM account_snapshots WHERE uuid='acct_c'"), 21000);
    assert_int_equal(s_int(f, "SELECT count(*) FROM account_snapshots WHERE uuid='acct_c'"), 2);
    s_latest_t l = {0};
    assert_int_equal(bitten_store_account_snapshots_latest(f->s, NULL, s_latest_cb, &l), 3);
    assert_int_equal(l.at[0], 10000);
    assert_int_equal(l.at[1], 500);
    assert_int_equal(l.at[2], 26000);
    //  Nothing left to prune: a second pass deletes nothing.
    assert_int_equal(bitten_store_prune_snapshots(f->s, 20000, 1000), 0);
}

//  After a clock step back the newest row (by id) can carry the oldest time: it is still the
//  latest (what a restart restores), so it stays.
static void test_snapshots_prune_keeps_the_latest_row_after_a_clock_step_back(void **state)
{
    s_fixture_t *f = *state;
    s_snap(f, "acct_a", 5000);
    s_snap(f, "acct_a", 9000);
    s_snap(f, "acct_a", 2000); /* the clock stepped back */
    //  5000 goes (9000 is newer in both id and time); 9000 stays too: the one row newer by
    //  id is older by time, so the narrowed lookup keeps it (an extra row, never a lost one).
    assert_int_equal(bitten_store_prune_snapshots(f->s, 100000, 1000), 1);
    s_latest_t l = {0};
    assert_int_equal(bitten_store_account_snapshots_latest(f->s, "acct_a", s_latest_cb, &l), 1);
    assert_int_equal(l.at[0], 2000);
}

static void test_prune_runs_in_bounded_batches_and_says_when_more_remain(void **state)
{
    s_fixture_t *f = *state;
    for (bitten_ms_t at = 1; at <= 8; at++)
        s_snap(f, "acct_a", at); /* 7 deletable, the 8th is the latest */
    bitten_retention_t policy = {.snapshot_retention_ms = 1000, .batch = 3};
    bitten_prune_result_t r;
    int expect[] = {3, 3, 1, 0};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(bitten_store_prune(f->s, &policy, 100000, &r), 0);
        assert_int_equal(r.snapshots, expect[i]);
        assert_int_equal(r.fire_events, 0);
        assert_int_equal(r.more, expect[i] == 3);
    }
    assert_int_equal(s_int(f, "SELECT count(*) FROM account_snapshots"), 1);
}

static void test_prune_with_no_horizon_deletes_nothing(void **state)
{
    s_fixture_t *f = *state;
    s_snap(f, "acct_a", 1);
    s_snap(f, "acct_a", 2);
    bitten_retention_t off = {.batch = 100};
    bitten_prune_result_t r;
    assert_int_equal(bitten_store_prune(f->s, &off, 1000000, &r), 0);
    assert_int_equal(r.snapshots + r.fire_events, 0);
    assert_false(r.more);
    assert_int_equal(s_int(f, "SELECT count(*) FROM account_snapshots"), 2);
    bitten_retention_t bad = {.snapshot_retention_ms = 1, .batch = 0};
    assert_int_equal(bitten_store_prune(f->s, &bad, 1000000, &r), -1);
    assert_int_equal(bitten_store_prune_snapshots(f->s, 1000000, 0), -1);
    assert_int_equal(s_int(f, "SELECT count(*) FROM account_snapshots"), 2);
}

/* ---------------------------------------------------------------- fire events */

static int64_t s_fire(s_fixture_t *f, const char *signal_id, bitten_ms_t at)
{
    bitten_fire_rec_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.signal_id, sizeof r.signal_id, "%s", signal_id);
    snprintf(r.uuid, sizeof r.uuid, "acct_a");
    snprintf(r.symbol, sizeof r.symbol, "EURUSD");
    r.action = BITTEN_ACTION_BUY;
    r.lot = 0.10;
    r.source = BITTEN_FIRE_AUTO;
    r.state = BITTEN_FIRE_PENDING;
    r.created_at = at;
    r.expires_at = at + 60000;
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(f->s, &r, &id), 0);
    return id;
}

static void s_move(s_fixture_t *f, int64_t id, bitten_fire_state_t to, bitten_ms_t at)
{
    assert_int_equal(bitten_store_fire_transition(f->s, id, to, BITTEN_R_OK, NULL, at, NULL), 0);
}

static int s_count_cb(void *arg, const bitten_fire_event_rec_t *ev)
{
    (*(int *)arg)++;
    return 0;
}

static int s_events(s_fixture_t *f, int64_t id)
{
    int n = 0;
    int rc = bitten_store_fire_events(f->s, id, s_count_cb, &n);
    assert_int_equal(rc, n);
    return n;
}

static void test_fire_events_prune_only_fires_that_cannot_move_any_more(void **state)
{
    s_fixture_t *f = *state;
    //  Every fire was created long ago (t = 1000..); the horizon is t = 50000.
    int64_t closed = s_fire(f, "S_CLOSED", 1000);
    s_move(f, closed, BITTEN_FIRE_SENT, 1001);
    s_move(f, closed, BITTEN_FIRE_FILLED, 1002);
    s_move(f, closed, BITTEN_FIRE_CLOSED, 1003);
    int64_t refused = s_fire(f, "S_REFUSED", 1000);
    s_move(f, refused, BITTEN_FIRE_REFUSED, 1001);
    int64_t failed = s_fire(f, "S_FAILED", 1000);
    s_move(f, failed, BITTEN_FIRE_SENT, 1001);
    s_move(f, failed, BITTEN_FIRE_FAILED, 1002);
    int64_t expired = s_fire(f, "S_EXPIRED", 1000);
    s_move(f, expired, BITTEN_FIRE_EXPIRED, 1001);
    //  Not final: an open position, a result that may still come, an unknown outcome.
    int64_t filled = s_fire(f, "S_FILLED", 1000);
    s_move(f, filled, BITTEN_FIRE_SENT, 1001);
    s_move(f, filled, BITTEN_FIRE_FILLED, 1002);
    int64_t timeout = s_fire(f, "S_TIMEOUT", 1000);
    s_move(f, timeout, BITTEN_FIRE_SENT, 1001);
    s_move(f, timeout, BITTEN_FIRE_TIMEOUT, 1002);
    int64_t unconfirmed = s_fire(f, "S_UNCONFIRMED", 1000);
    s_move(f, unconfirmed, BITTEN_FIRE_SENT, 1001);
    s_move(f, unconfirmed, BITTEN_FIRE_UNCONFIRMED, 1002);
    int64_t pending = s_fire(f, "S_PENDING", 1000);
    int64_t sent = s_fire(f, "S_SENT", 1000);
    s_move(f, sent, BITTEN_FIRE_SENT, 1001);
    //  Final, created long ago, but closed recently: its story is recent, it stays whole.
    int64_t late = s_fire(f, "S_LATE", 1000);
    s_move(f, late, BITTEN_FIRE_SENT, 1001);
    s_move(f, late, BITTEN_FIRE_FILLED, 1002);
    s_move(f, late, BITTEN_FIRE_CLOSED, 60000);

    assert_int_equal(bitten_store_prune_fire_events(f->s, 50000, 1000), 4 + 2 + 3 + 2);
    assert_int_equal(s_events(f, closed), 0);
    assert_int_equal(s_events(f, refused), 0);
    assert_int_equal(s_events(f, failed), 0);
    assert_int_equal(s_events(f, expired), 0);
    assert_int_equal(s_events(f, filled), 3);
    assert_int_equal(s_events(f, timeout), 3);
    assert_int_equal(s_events(f, unconfirmed), 3);
    assert_int_equal(s_events(f, pending), 1);
    assert_int_equal(s_events(f, sent), 2);
    assert_int_equal(s_events(f, late), 4);
    //  Every fires row stays: the journal, and the exactly-once guard across restarts.
    assert_int_equal(s_int(f, "SELECT count(*) FROM fires"), 10);
    bitten_fire_rec_t rec;
    assert_int_equal(bitten_store_fire_find(f->s, "S_CLOSED", "acct_a", &rec), 0);
    assert_int_equal(rec.state, BITTEN_FIRE_CLOSED);
    bitten_fire_rec_t again;
    memset(&again, 0, sizeof again);
    again = rec;
    again.state = BITTEN_FIRE_PENDING;
    assert_int_equal(bitten_store_fire_insert(f->s, &again, NULL), 1);
    //  A TIMEOUT fire whose late result arrives becomes final, and is pruned next time.
    s_move(f, timeout, BITTEN_FIRE_FILLED, 1003);
    s_move(f, timeout, BITTEN_FIRE_CLOSED, 1004);
    assert_int_equal(bitten_store_prune_fire_events(f->s, 50000, 1000), 5);
    assert_int_equal(s_events(f, timeout), 0);
}

static void test_final_states(void **state)
{
    bool final[BITTEN_FIRE_STATE_COUNT_] = {
        [BITTEN_FIRE_CLOSED] = true, [BITTEN_FIRE_REFUSED] = true,
        [BITTEN_FIRE_FAILED] = true, [BITTEN_FIRE_EXPIRED] = true};
    for (int s = 0; s < BITTEN_FIRE_STATE_COUNT_; s++)
        assert_int_equal(bitten_fire_state_is_final((bitten_fire_state_t)s), final[s]);
}

/* ---------------------------------------------------------------- a bounded store */

//  Two simulated days, an account snapshot every 5 minutes, a 6 h horizon pruned every 30
//  minutes in batches of 4 (a fake clock, no sleeping; each pass repeats while its batch comes
//  back full): once the horizon is full the row count stops growing, and so does the file
//  (freed pages are reused). The week at the demo rate is bench/bench_retention.c.
static void test_a_long_run_stays_bounded(void **state)
{
    s_fixture_t *f = *state;
    const bitten_ms_t minute = 60000, day = 1440 * minute, horizon = 6 * 60 * minute;
    bitten_retention_t policy = {horizon, horizon, 4};
    const int64_t kept = horizon / (5 * minute) + 1; /* t - horizon .. t, both ends */
    int64_t pages_day1 = 0;
    for (bitten_ms_t t = 5 * minute; t <= 2 * day; t += 5 * minute) {
        s_snap(f, "acct_a", t);
        if (t % (30 * minute) == 0) {
            bitten_prune_result_t r;
            int passes = 0;
            do {
                assert_int_equal(bitten_store_prune(f->s, &policy, t, &r), 0);
                passes++;
            } while (r.more);
            int64_t rows = s_int(f, "SELECT count(*) FROM account_snapshots");
            //  Every row before t - horizon is gone, every later one stays.
            int64_t written = t / (5 * minute);
            assert_int_equal(rows, written < kept ? written : kept);
            assert_true(passes <= 3);
        }
        if (t == day)
            pages_day1 = s_int(f, "PRAGMA page_count");
    }
    assert_true(pages_day1 > 0);
    assert_int_equal(s_int(f, "PRAGMA page_count"), pages_day1);
    assert_int_equal(bitten_store_optimize(f->s), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_snapshots_prune_keeps_recent_rows_and_each_accounts_latest),
        T(test_snapshots_prune_keeps_the_latest_row_after_a_clock_step_back),
        T(test_prune_runs_in_bounded_batches_and_says_when_more_remain),
        T(test_prune_with_no_horizon_deletes_nothing),
        T(test_fire_events_prune_only_fires_that_cannot_move_any_more),
        T(test_final_states),
        T(test_a_long_run_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
