/*  bench_retention.c: does the store stay bounded? A fake clock writes account snapshots at the
 *  demo's rate (55 rows / 6 min: one per 6.55 s) and fires with their events (PENDING, SENT,
 *  FILLED, CLOSED) for N simulated days, and runs the core's retention pass every 60 s (repeating
 *  while a batch comes back full), as the prune timer does. Per simulated day: rows, file and WAL
 *  size, free pages, the slowest pass. BENCH_TMPDIR picks the filesystem (default /tmp; on
 *  tmpfs fsync costs nothing, so the sizes come fast and the pass times mean little).
 *  Usage: bench_retention [days=14] [snapshot_retention_h=168] [fire_event_retention_d=2]
 *         [fires_per_hour=60] [batch=500] [first_prune_day=0]
 *  first_prune_day > 0: no pass before that day, as when retention meets an old store (the
 *  backlog drains in full batches, 50 ms apart in the daemon). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "bench_common.h"
#include "core/store.h"

static int64_t s_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

//  This thread's CPU time, ms: a pass's own work, without the waits of a busy shared machine.
static double s_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t s_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static int s_fire(bitten_store_t *store, int64_t n, bitten_ms_t at)
{
    bitten_fire_rec_t rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.signal_id, sizeof rec.signal_id, "VENOM_EURUSD_%lld", (long long)n);
    snprintf(rec.uuid, sizeof rec.uuid, "demo_ea_001");
    snprintf(rec.symbol, sizeof rec.symbol, "EURUSD");
    rec.action = BITTEN_ACTION_BUY;
    rec.lot = 0.10;
    rec.sl_points = 200;
    rec.tp_points = 300;
    rec.source = BITTEN_FIRE_AUTO;
    rec.state = BITTEN_FIRE_PENDING;
    rec.created_at = at;
    rec.expires_at = at + 60000;
    int64_t id = 0;
    bitten_fire_update_t fill = {.ticket = 1000 + n, .fill_price = 1.17, .has_ticket = true,
                                 .has_fill_price = true};
    bitten_fire_update_t close = {.close_price = 1.171, .profit = 10, .has_close_price = true,
                                  .has_profit = true};
    if (bitten_store_fire_insert(store, &rec, &id) != 0 ||
        bitten_store_fire_transition(store, id, BITTEN_FIRE_SENT, BITTEN_R_OK, NULL, at + 5, NULL) ||
        bitten_store_fire_transition(store, id, BITTEN_FIRE_FILLED, BITTEN_R_OK, "ticket", at + 300,
                                     &fill) ||
        bitten_store_fire_transition(store, id, BITTEN_FIRE_CLOSED, BITTEN_R_OK, "tp", at + 20000,
                                     &close))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    int days = argc > 1 ? atoi(argv[1]) : 14;
    int snap_h = argc > 2 ? atoi(argv[2]) : 168;
    int event_d = argc > 3 ? atoi(argv[3]) : 2;
    int fires_per_hour = argc > 4 ? atoi(argv[4]) : 60;
    int batch = argc > 5 ? atoi(argv[5]) : 500;
    int first_prune_day = argc > 6 ? atoi(argv[6]) : 0;
    const char *parent = getenv("BENCH_TMPDIR") ? getenv("BENCH_TMPDIR") : "/tmp";
    char dir[256], db[300], wal[310];
    snprintf(dir, sizeof dir, "%s/bitten-retention-XXXXXX", parent);
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/bitten.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", db);
    char err[256];
    bitten_store_t *store = bitten_store_open(dir, err, sizeof err);
    if (!store) {
        fprintf(stderr, "bench_retention: %s\n", err);
        bb_rmtree(dir);
        return 1;
    }
    bitten_retention_t policy = {(int64_t)snap_h * 3600 * 1000, (int64_t)event_d * 86400 * 1000,
                                 batch};
    //  A snapshot as xp_risk writes it (about this size).
    const char *json = "{\"balance\":10000.0,\"equity\":10012.5,\"peak_equity\":10050.0,"
                       "\"day_start_balance\":10000.0,\"day\":20260,\"fires_today\":12,"
                       "\"loss_streak\":0,\"win_streak\":2,\"positions\":[{\"ticket\":1234,"
                       "\"symbol\":\"EURUSD\",\"lot\":0.1,\"risk\":25.0}]}";
    const bitten_ms_t t0 = 1764547200000LL, step = 6545; /* 55 rows per 6 minutes */
    const bitten_ms_t end = t0 + (bitten_ms_t)days * 86400 * 1000;
    bitten_ms_t next_prune = t0 + 60000 + (bitten_ms_t)first_prune_day * 86400 * 1000, next_fire = t0, next_day = t0 + 86400 * 1000;
    const bitten_ms_t fire_every = fires_per_hour > 0 ? 3600000 / fires_per_hour : end;
    int64_t fires = 0, snaps = 0, pruned_snaps = 0, pruned_events = 0, failures = 0;
    double worst_pass_ms = 0, day_worst_ms = 0, pass_ms_sum = 0, worst_cpu_ms = 0;
    int64_t passes = 0, full_passes = 0;
    printf("day  snapshots  fire_events  fires   db_MiB  wal_MiB  free_pages  worst_pass_ms\n");
    for (bitten_ms_t t = t0; t < end; t += step) {
        failures += bitten_store_account_snapshot(store, "demo_ea_001", t, json) != 0;
        snaps++;
        for (; next_fire <= t; next_fire += fire_every)
            failures += s_fire(store, fires++, next_fire) != 0;
        if (t >= next_prune) {
            next_prune += 60000;
            bitten_prune_result_t r;
            do {
                double a = bb_now(), c = s_cpu_ms();
                if (bitten_store_prune(store, &policy, t, &r) != 0) {
                    failures++;
                    break;
                }
                double ms = (bb_now() - a) * 1000, cpu = s_cpu_ms() - c;
                worst_cpu_ms = cpu > worst_cpu_ms ? cpu : worst_cpu_ms;
                day_worst_ms = ms > day_worst_ms ? ms : day_worst_ms;
                pass_ms_sum += ms;
                passes++;
                full_passes += r.more;
                pruned_snaps += r.snapshots;
                pruned_events += r.fire_events;
            } while (r.more);
        }
        if (t >= next_day || t + step >= end) {
            next_day += 86400 * 1000;
            printf("%3lld  %9lld  %11lld  %6lld  %7.2f  %7.2f  %10lld  %13.2f\n",
                   (long long)((t - t0 + step) / 86400000),
                   (long long)s_int(db, "SELECT count(*) FROM account_snapshots"),
                   (long long)s_int(db, "SELECT count(*) FROM fire_events"),
                   (long long)s_int(db, "SELECT count(*) FROM fires"),
                   (double)s_size(db) / 1048576.0, (double)s_size(wal) / 1048576.0,
                   (long long)s_int(db, "PRAGMA freelist_count"), day_worst_ms);
            fflush(stdout);
            worst_pass_ms = day_worst_ms > worst_pass_ms ? day_worst_ms : worst_pass_ms;
            day_worst_ms = 0;
        }
    }
    bitten_store_optimize(store);
    bitten_store_close(&store);
    printf("{\"bench\":\"retention\",\"days\":%d,\"snapshot_retention_h\":%d,"
           "\"fire_event_retention_d\":%d,\"fires_per_hour\":%d,\"batch\":%d,"
           "\"snapshots_written\":%lld,\"snapshots_pruned\":%lld,\"fires\":%lld,"
           "\"fire_events_pruned\":%lld,\"passes\":%lld,\"full_batch_passes\":%lld,"
           "\"mean_pass_ms\":%.3f,"
           "\"worst_pass_ms\":%.2f,\"worst_pass_cpu_ms\":%.2f,\"failures\":%lld}\n",
           days, snap_h, event_d, fires_per_hour, batch, (long long)snaps,
           (long long)pruned_snaps, (long long)fires, (long long)pruned_events, (long long)passes,
           (long long)full_passes,
           passes ? pass_ms_sum / (double)passes : 0.0, worst_pass_ms, worst_cpu_ms,
           (long long)failures);
    bb_rmtree(dir);
    return failures ? 1 : 0;
}
