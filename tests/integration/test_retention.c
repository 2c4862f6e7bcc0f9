/*  test_retention.c: the real daemon prunes its store on its timer (src/core/core.c prune
 *  timer over src/core/store_retention.c): old account snapshots but each account's latest,
 *  the events of old fires in a final state, nothing of a fire that can still move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "core/store.h"
#include "harness.h"

#define OLD 1577836800000LL /* 2020-01-01: far past every horizon */

static int64_t s_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int64_t s_old_fire(bitten_store_t *s, const char *signal_id, bitten_fire_state_t last)
{
    bitten_fire_rec_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.signal_id, sizeof r.signal_id, "%s", signal_id);
    snprintf(r.uuid, sizeof r.uuid, "ghost_acct");
    snprintf(r.symbol, sizeof r.symbol, "EURUSD");
    r.action = BITTEN_ACTION_BUY;
    r.lot = 0.1;
    r.source = BITTEN_FIRE_MANUAL;
    r.state = BITTEN_FIRE_PENDING;
    r.created_at = OLD;
    r.expires_at = OLD + 60000;
    int64_t id = 0;
    assert_int_equal(bitten_store_fire_insert(s, &r, &id), 0);
    assert_int_equal(bitten_store_fire_transition(s, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL,
                                                  OLD + 1, NULL), 0);
    assert_int_equal(bitten_store_fire_transition(s, id, last, BITTEN_R_OK, NULL, OLD + 2, NULL),
                     0);
    return id;
}

static void test_the_daemon_prunes_old_rows_on_its_timer_and_keeps_what_must_stay(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "store.prune_interval_s=1", "--set", "store.prune_batch=2",
                          "--set", "store.snapshot_retention_h=1", "--set",
                          "store.fire_event_retention_d=1", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);

    //  Old rows, written while the daemon is stopped: 5 snapshots of an account nobody
    //  configured (the daemon writes none of its own for it), a CLOSED and a TIMEOUT fire.
    char state_dir[300], db[320], err[256];
    snprintf(state_dir, sizeof state_dir, "%s/state", d.dir);
    snprintf(db, sizeof db, "%s/bitten.db", state_dir);
    bitten_store_t *s = bitten_store_open(state_dir, err, sizeof err);
    assert_non_null(s);
    for (int i = 0; i < 5; i++)
        assert_int_equal(bitten_store_account_snapshot(s, "ghost_acct", OLD + i, "{}"), 0);
    int64_t closed = s_old_fire(s, "OLD_CLOSED", BITTEN_FIRE_CLOSED);
    int64_t timeout = s_old_fire(s, "OLD_TIMEOUT", BITTEN_FIRE_TIMEOUT);
    bitten_store_close(&s);

    assert_int_equal(bt_daemon_restart(&d), 0);
    //  Batches of 2: the 4 deletable snapshots and 3 events take passes 50 ms apart.
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM fire_events WHERE fire_id = %lld",
             (long long)closed);
    int64_t snaps = -1, events = -1;
    for (int i = 0; i < 100; i++) {
        snaps = s_int(db, "SELECT count(*) FROM account_snapshots WHERE uuid = 'ghost_acct'");
        events = s_int(db, sql);
        if (snaps == 1 && events == 0)
            break;
        bt_sleep_ms(100);
    }
    assert_int_equal(snaps, 1);
    assert_int_equal(events, 0);
    //  The latest snapshot is the one kept; the TIMEOUT fire keeps its story; both rows stay.
    assert_int_equal(
        s_int(db, "SELECT at FROM account_snapshots WHERE uuid = 'ghost_acct'"), OLD + 4);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM fire_events WHERE fire_id = %lld",
             (long long)timeout);
    assert_int_equal(s_int(db, sql), 3);
    assert_int_equal(s_int(db, "SELECT count(*) FROM fires WHERE uuid = 'ghost_acct'"), 2);
    assert_true(bt_daemon_alive(&d));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_daemon_prunes_old_rows_on_its_timer_and_keeps_what_must_stay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
