/*  test_accounts.c: the accounts module and the halts it serves, over real sockets: accounts
 *  created on first contact are bounded (ACCOUNT_LIMIT, counted, logged), the `accounts` reply
 *  comes from the one owner, a global hard halt closes every account, and a hard halt's owed
 *  close_all survives a restart (also one owed by an older version's snapshot) and goes out
 *  when the EA comes online. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zmq.h>

#include "harness.h"

#define UUID "acct_ac_1"
#define ACCOUNTS                                                                                   \
    "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"                   \
    "        mode = \"manual\"\n"                                                                  \
    "command\n    account = \"" UUID "\"\n"
#define TEL(uuid, equity)                                                                          \
    "{\"type\":\"telemetry\",\"uuid\":\"" uuid "\",\"account\":{\"balance\":10000,"                \
    "\"equity\":" equity ",\"margin\":0,\"free_margin\":" equity "}}"
#define HANDSHAKE                                                                                  \
    "{\"type\":\"handshake\",\"uuid\":\"" UUID "\",\"account\":843859,\"broker\":\"B\","           \
    "\"server\":\"B-Demo\",\"symbols\":\"EURUSD\",\"balance\":10000,\"equity\":7900}"

typedef struct {
    bt_daemon_t d;
    void *fb;  /* feedback PUSH (feedback.socket = pull: nothing lost, in order) */
    void *cmd; /* the EA's command PULL, when connected */
} s_env_t;

static void s_start(s_env_t *e, const char *zpl, const char *const *more_args)
{
    const char *args[24] = {"--set", "feedback.socket=pull",   "--set", "ea.ping_interval_s=0",
                            "--set", "command.keepalive_s=100"};
    int n = 6;
    for (int i = 0; more_args && more_args[i]; i++)
        args[n++] = more_args[i];
    args[n] = NULL;
    assert_int_equal(bt_daemon_start(&e->d, zpl, args), 0);
    e->fb = bt_feedback_socket(&e->d, true);
    e->cmd = NULL;
}

static void s_connect_ea(s_env_t *e, int peers)
{
    e->cmd = bt_command_socket(&e->d);
    assert_int_equal(bt_wait_status(&e->d, "command.peers", peers, 3000), peers);
}

static void s_close_sockets(s_env_t *e)
{
    if (e->cmd)
        zmq_close(e->cmd);
    zmq_close(e->fb);
    e->cmd = e->fb = NULL;
}

static void s_stop(s_env_t *e)
{
    s_close_sockets(e);
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
}

static const char *s_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

//  Waits for a command frame containing needle; returns true when one came.
static bool s_wait_frame(void *cmd, const char *needle, int ms)
{
    char buf[2048];
    while (bt_recv(cmd, buf, sizeof buf, ms) > 0)
        if (strstr(buf, needle))
            return true;
    return false;
}

/* ---------------------------------------------------------------- first contact */

static void test_accounts_from_first_contact_stop_at_the_bound_with_a_reason(void **state)
{
    s_env_t e;
    const char *args[] = {"--set", "default_account.max_auto_created=2", NULL};
    s_start(&e, ACCOUNTS, args);
    bt_send(e.fb, TEL("auto_1", "10000"));
    bt_send(e.fb, TEL("auto_2", "10000"));
    bt_send(e.fb, TEL("auto_1", "10000")); /* known already: not counted again */
    bt_send(e.fb, TEL("auto_3", "10000"));
    bt_send(e.fb, TEL("auto_4", "10000"));
    assert_int_equal(bt_wait_status(&e.d, "frames_in.telemetry", 5, 3000), 5);
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_refused", 2, 3000), 2);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "accounts.known"), 3); /* the configured one + 2 */
    assert_int_equal(bt_json_int(st, "accounts.auto_created"), 2);
    assert_int_equal(bt_json_int(st, "accounts.max_auto_created"), 2);
    assert_int_equal(bt_json_int(st, "fires.accounts"), 3);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "account.refused uuid=auto_3 reason=ACCOUNT_LIMIT", 2000));
    assert_true(bt_log_contains(&e.d, "account.created uuid=auto_2 tier=NIBBLER mode=manual", 0));

    //  The one owner answers `accounts`: config first, then first contact in its order.
    json_t *r = bt_ctl(&e.d, "{\"cmd\":\"accounts\"}");
    assert_non_null(r);
    json_t *list = json_object_get(r, "accounts");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(s_str(json_array_get(list, 0), "uuid"), UUID);
    assert_string_equal(s_str(json_array_get(list, 0), "tier"), "FANG");
    assert_true(json_is_true(json_object_get(json_array_get(list, 0), "from_config")));
    assert_string_equal(s_str(json_array_get(list, 1), "uuid"), "auto_1");
    assert_false(json_is_true(json_object_get(json_array_get(list, 1), "from_config")));
    assert_string_equal(s_str(json_array_get(list, 2), "uuid"), "auto_2");
    //  Created by its first frame, it records what that frame spoke (contract telemetry);
    //  the configured account has sent nothing: its dialect is still unknown.
    assert_string_equal(s_str(json_array_get(list, 2), "dialect"), "contract");
    assert_string_equal(s_str(json_array_get(list, 0), "dialect"), "unknown");
    json_decref(r);

    //  An account over the bound stays unknown: its fire is refused with the usual reason.
    r = bt_ctl(&e.d, "{\"cmd\":\"fire\",\"uuid\":\"auto_3\",\"symbol\":\"EURUSD\","
                     "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    assert_string_equal(s_str(r, "state"), "REFUSED");
    assert_string_equal(s_str(r, "reason"), "UNKNOWN_ACCOUNT");
    json_decref(r);
    s_stop(&e);
}

//  Issue 13 §4: real EAs send no telemetry; their first heartbeat or handshake creates the
//  account as a first telemetry does (was: listed with tier '?', fires UNKNOWN_ACCOUNT).
static void test_a_first_heartbeat_or_handshake_creates_the_account(void **state)
{
    s_env_t e;
    s_start(&e, ACCOUNTS, NULL);
    bt_send(e.fb, "{\"type\":\"heartbeat\",\"uuid\":\"hb_1\",\"balance\":1000,\"equity\":1000}");
    bt_send(e.fb, "{\"type\":\"handshake\",\"uuid\":\"hs_1\",\"account\":1,\"broker\":\"B\","
                  "\"server\":\"B-Demo\",\"symbols\":\"EURUSD\",\"balance\":1000,\"equity\":1000}");
    bt_send(e.fb, "{\"type\":\"heartbeat\"}"); /* no uuid: nobody is created */
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", 2, 3000), 2);
    assert_true(bt_log_contains(&e.d, "account.created uuid=hb_1 tier=NIBBLER", 2000));
    assert_true(bt_log_contains(&e.d, "account.created uuid=hs_1 tier=NIBBLER", 2000));
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "accounts.known"), 3);
    json_decref(st);
    //  Known now: a fire is judged on its merits, not refused UNKNOWN_ACCOUNT.
    json_t *r = bt_ctl(&e.d, "{\"cmd\":\"fire\",\"uuid\":\"hb_1\",\"symbol\":\"EURUSD\","
                            "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    assert_string_not_equal(s_str(r, "reason"), "UNKNOWN_ACCOUNT");
    json_decref(r);
    s_stop(&e);
}

static void test_max_auto_created_0_creates_no_account_on_first_contact(void **state)
{
    s_env_t e;
    const char *args[] = {"--set", "default_account.max_auto_created=0", NULL};
    s_start(&e, NULL, args);
    bt_send(e.fb, TEL("auto_1", "10000"));
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_refused", 1, 3000), 1);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "accounts.known"), 0);
    json_decref(st);
    s_stop(&e);
}

//  The first column of the first row sql answers in the daemon's store (NULL: no row), with
//  one text parameter bound when param is not NULL. A running daemon's store is read as well
//  as a stopped or killed one's: WAL readers see every committed row.
static char *s_conn_text(sqlite3 *db, const char *sql, const char *param)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (param)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    char *value = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        value = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return value;
}

static char *s_db_text(const char *dir, const char *sql, const char *param)
{
    char path[400];
    snprintf(path, sizeof path, "%s/state/bitten.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    char *value = s_conn_text(db, sql, param);
    sqlite3_close(db);
    return value;
}

#define S_SYNCED_AT "SELECT value FROM kv WHERE key = 'store.synced_at'"

//  How many rows of the accounts table match `where`.
static int s_count(const char *dir, const char *where)
{
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM accounts WHERE %s", where);
    char *n = s_db_text(dir, sql, NULL);
    assert_non_null(n);
    int count = atoi(n);
    free(n);
    return count;
}

static char *s_kv(const char *dir, const char *key)
{
    return s_db_text(dir, "SELECT value FROM kv WHERE key = ?", key);
}

//  A second connection to the daemon's store, to take its write lock (BEGIN IMMEDIATE); it
//  waits for a commit the daemon may be making right now.
static sqlite3 *s_lock_holder(s_env_t *e)
{
    char path[400];
    snprintf(path, sizeof path, "%s/state/bitten.db", e->d.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void s_send_tels(s_env_t *e, const char *prefix, int from, int to)
{
    for (int i = from; i < to; i++) {
        char frame[300];
        snprintf(frame, sizeof frame,
                 "{\"type\":\"telemetry\",\"uuid\":\"%s%d\",\"account\":{\"balance\":10000,"
                 "\"equity\":10000,\"margin\":0,\"free_margin\":10000}}",
                 prefix, i);
        bt_send(e->fb, frame);
    }
}

//  Issue 17 (bench/notes.md 4d): an account created on first contact is a relaxed commit (a
//  fsync each stalled the loop for seconds when thousands of EAs connected at once), made
//  durable by a sync shortly after. A kill -9 before that sync loses no row (the log is in
//  the kernel's cache), and a restart re-creates the same accounts without duplicates.
static void test_first_contact_rows_are_synced_after_and_survive_a_kill_9(void **state)
{
    s_env_t e;
    s_start(&e, ACCOUNTS, NULL);
    char *before = s_kv(e.d.dir, "store.synced_at"); /* nothing relaxed yet: none, or older */
    s_send_tels(&e, "auto_k_", 0, 20);
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", 20, 5000), 20);
    //  The rows were relaxed: the housekeeping sync writes the sync mark (nothing else here
    //  commits relaxed: no fire, no result).
    char *after = NULL;
    for (int i = 0; i < 100; i++) {
        free(after);
        after = s_kv(e.d.dir, "store.synced_at");
        if (after && (!before || strcmp(after, before) != 0))
            break;
        bt_sleep_ms(50);
    }
    assert_non_null(after);
    if (before)
        assert_string_not_equal(after, before);
    assert_int_equal(s_count(e.d.dir, "uuid LIKE 'auto_k_%'"), 20);

    //  Five more, then kill -9 at once (before the next sync, mostly): every row is there.
    s_send_tels(&e, "auto_k_", 20, 25);
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", 25, 5000), 25);
    s_close_sockets(&e);
    bt_daemon_kill(&e.d);
    assert_int_equal(s_count(e.d.dir, "uuid LIKE 'auto_k_%'"), 25);

    //  The restarted daemon re-creates them from the same defaults: one row each still.
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    e.fb = bt_feedback_socket(&e.d, true);
    s_send_tels(&e, "auto_k_", 0, 25);
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", 25, 5000), 25);
    s_close_sockets(&e);
    assert_int_equal(bt_daemon_stop(&e.d, NULL), 0);
    assert_int_equal(s_count(e.d.dir, "uuid LIKE 'auto_k_%'"), 25);
    assert_int_equal(s_count(e.d.dir, "uuid = '" UUID "' AND tier = 'FANG'"), 1);
    bt_daemon_cleanup(&e.d);
    free(before);
    free(after);
}

//  A database another process holds locked when an EA first connects: the account is created
//  (its EA trades), the row's failure is logged with its uuid (after the store's busy timeout,
//  once: the refused group's BEGIN; no second try), and the next account after the lock is
//  written.
static void test_a_locked_store_at_first_contact_is_logged_and_the_account_still_trades(
    void **state)
{
    s_env_t e;
    s_start(&e, ACCOUNTS, NULL);
    sqlite3 *db = s_lock_holder(&e);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    bt_send(e.fb, TEL("locked_1", "10000"));
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", 1, 5000), 1);
    assert_true(bt_log_contains(&e.d, "store.failed what=account uuid=locked_1", 3000));
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    //  Known in memory: its fire is judged on its merits.
    json_t *r = bt_ctl(&e.d, "{\"cmd\":\"fire\",\"uuid\":\"locked_1\",\"symbol\":\"EURUSD\","
                            "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    const char *why = s_str(r, "reason"); /* none: it went out */
    assert_true(!why || strcmp(why, "UNKNOWN_ACCOUNT") != 0);
    json_decref(r);
    bt_send(e.fb, TEL("locked_2", "10000"));
    assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", 2, 5000), 2);
    s_close_sockets(&e);
    assert_int_equal(bt_daemon_stop(&e.d, NULL), 0);
    assert_int_equal(s_count(e.d.dir, "uuid = 'locked_2'"), 1);
    bt_daemon_cleanup(&e.d);
}

//  A lock taken between an account's relaxed commit and the housekeeping sync that makes it
//  durable: the failed sync is logged once (not every second), retried, and reported when
//  the relaxed commits are on disk. When a tick synced before the lock was taken (the sync
//  mark moved), the test tries again with a new account.
static void test_a_sync_refused_by_a_lock_is_logged_once_and_retried(void **state)
{
    s_env_t e;
    s_start(&e, ACCOUNTS, NULL);
    sqlite3 *db = s_lock_holder(&e);
    bool owed = false;
    for (int i = 0; i < 20 && !owed; i++) {
        char *before = s_conn_text(db, S_SYNCED_AT, NULL);
        char frame[300];
        snprintf(frame, sizeof frame,
                 "{\"type\":\"telemetry\",\"uuid\":\"sync_%d\",\"account\":{\"balance\":1000,"
                 "\"equity\":1000,\"margin\":0,\"free_margin\":1000}}", i);
        bt_send(e.fb, frame);
        assert_int_equal(bt_wait_status(&e.d, "accounts.auto_created", i + 1, 5000), i + 1);
        assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        char *now = s_conn_text(db, S_SYNCED_AT, NULL);
        owed = (!before && !now) || (before && now && strcmp(before, now) == 0);
        free(before);
        free(now);
        if (!owed)
            assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    }
    assert_true(owed);
    //  The row is owed and the lock held: the next tick fails, and the ones after it too.
    assert_true(bt_log_contains(&e.d, "store.failed what=sync", 5000));
    bt_sleep_ms(2500);
    assert_int_equal(bt_log_lines(&e.d, "store.failed what=sync"), 1);
    assert_true(bt_log_contains(&e.d, "store.failed what=sync error=\"database is locked\"", 0));
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_true(bt_log_contains(&e.d, "store.synced", 5000));
    s_stop(&e);
}

/* ---------------------------------------------------------------- halts as events */

static void test_a_global_hard_halt_closes_every_account_once(void **state)
{
    s_env_t e;
    //  The second account has its own endpoint pair; the first owns the shared PUSH. Each
    //  close_all reaches its own EA and no other.
    s_start(&e,
            "accounts\n    main\n        uuid = \"" UUID "\"\n        tier = \"FANG\"\n"
            "    second\n        uuid = \"auto_1\"\n"
            "        command_endpoint = \"tcp://127.0.0.1:*\"\n"
            "        feedback_endpoint = \"tcp://127.0.0.1:*\"\n"
            "command\n    account = \"" UUID "\"\n",
            NULL);
    s_connect_ea(&e, 1);
    char ep_cmd[128], ep_fb[128];
    assert_int_equal(bt_account_endpoints(&e.d, "auto_1", ep_cmd, ep_fb, sizeof ep_cmd), 0);
    void *cmd2 = bt_socket(&e.d, ZMQ_PULL, ep_cmd);
    void *fb2 = bt_socket(&e.d, ZMQ_PUSH, ep_fb);
    assert_int_equal(bt_wait_status(&e.d, "channels.accounts.0.command.peers", 1, 3000), 1);
    bt_send(e.fb, TEL(UUID, "10000"));
    bt_send(fb2, TEL("auto_1", "10000"));
    assert_int_equal(bt_wait_status(&e.d, "eas.online", 2, 3000), 2);
    json_t *r = bt_ctl(&e.d, "{\"cmd\":\"halt\",\"hard\":true,\"why\":\"test: close all\"}");
    assert_non_null(r);
    assert_string_equal(s_str(json_object_get(r, "halt"), "scope"), "global");
    json_decref(r);
    assert_int_equal(bt_wait_status(&e.d, "fires.transitions.SENT", 2, 3000), 2);
    char buf[2048];
    int cfg_closes = 0, auto_closes = 0;
    //  Every frame each EA received: its own close_all, nothing of the other's.
    while (bt_recv(e.cmd, buf, sizeof buf, 500) > 0) {
        assert_null(strstr(buf, "HALT_auto_1_"));
        cfg_closes += strstr(buf, "\"signal_id\":\"HALT_" UUID "_") != NULL;
    }
    while (bt_recv(cmd2, buf, sizeof buf, 500) > 0) {
        assert_null(strstr(buf, "HALT_" UUID "_"));
        auto_closes += strstr(buf, "\"signal_id\":\"HALT_auto_1_") != NULL;
    }
    assert_int_equal(cfg_closes, 1);
    assert_int_equal(auto_closes, 1);
    zmq_close(cmd2);
    zmq_close(fb2);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.halt_closes_owed"), 0);
    json_decref(st);
    s_stop(&e);
}

//  A drawdown hard halt while no EA is on the command socket: owed. Across a restart the debt
//  is kept; the EA's first frame after it (a handshake: EA online) sends the close_all.
static void
test_an_owed_close_all_survives_a_restart_and_goes_out_when_the_ea_is_online(void **state)
{
    s_env_t e;
    s_start(&e, ACCOUNTS, NULL);
    bt_send(e.fb, TEL(UUID, "10000"));
    bt_send(e.fb, TEL(UUID, "7900"));
    assert_true(bt_log_contains(&e.d, "halt.close_all_owed uuid=" UUID, 3000));
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "fires.halt_closes_owed"), 1);
    json_decref(st);

    s_close_sockets(&e);
    assert_int_equal(bt_daemon_stop(&e.d, NULL), 0);
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    e.fb = bt_feedback_socket(&e.d, true);
    s_connect_ea(&e, 1);
    bt_send(e.fb, HANDSHAKE);
    assert_true(s_wait_frame(e.cmd, "\"action\":\"close_all\"", 3000));
    //  Paid: the next frames owe nothing more.
    bt_send(e.fb, TEL(UUID, "7900"));
    assert_false(s_wait_frame(e.cmd, "close_all", 300));
    s_stop(&e);
}

static void s_sql(const char *dir, const char *sql)
{
    char path[400];
    snprintf(path, sizeof path, "%s/state/bitten.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        print_error("sql: %s\n", err ? err : "?");
    sqlite3_free(err);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

//  A database of the version before: the debt lived in XP & risk's snapshot ("close_owed").
//  After the upgrade the router takes it over: the close_all goes out once the EA is heard.
static void test_a_close_all_owed_in_an_older_snapshot_still_goes_out(void **state)
{
    s_env_t e;
    s_start(&e, ACCOUNTS, NULL);
    bt_send(e.fb, TEL(UUID, "10000"));
    bt_send(e.fb, TEL(UUID, "7900"));
    assert_true(bt_log_contains(&e.d, "halt.close_all_owed uuid=" UUID, 3000));
    s_close_sockets(&e);
    assert_int_equal(bt_daemon_stop(&e.d, NULL), 0);
    //  What the older version left: no router debt, the flag in the latest snapshot.
    s_sql(e.d.dir, "DELETE FROM kv WHERE key LIKE 'fire_router.close_owed.%';"
                   "INSERT INTO account_snapshots (uuid, at, json) SELECT uuid, at + 1,"
                   " json_set(json, '$.close_owed', json('true')) FROM account_snapshots"
                   " WHERE id = (SELECT MAX(id) FROM account_snapshots WHERE uuid = '" UUID "');");
    assert_int_equal(bt_daemon_restart(&e.d), 0);
    assert_true(bt_log_contains(&e.d, "halt.close_owed_handed_over uuid=" UUID, 2000));
    e.fb = bt_feedback_socket(&e.d, true);
    s_connect_ea(&e, 1);
    bt_send(e.fb, TEL(UUID, "7900"));
    assert_true(s_wait_frame(e.cmd, "\"action\":\"close_all\"", 3000));
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_from_first_contact_stop_at_the_bound_with_a_reason),
        cmocka_unit_test(test_a_first_heartbeat_or_handshake_creates_the_account),
        cmocka_unit_test(test_max_auto_created_0_creates_no_account_on_first_contact),
        cmocka_unit_test(test_first_contact_rows_are_synced_after_and_survive_a_kill_9),
        cmocka_unit_test(
            test_a_locked_store_at_first_contact_is_logged_and_the_account_still_trades),
        cmocka_unit_test(test_a_sync_refused_by_a_lock_is_logged_once_and_retried),
        cmocka_unit_test(test_a_global_hard_halt_closes_every_account_once),
        cmocka_unit_test(
            test_an_owed_close_all_survives_a_restart_and_goes_out_when_the_ea_is_online),
        cmocka_unit_test(test_a_close_all_owed_in_an_older_snapshot_still_goes_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
