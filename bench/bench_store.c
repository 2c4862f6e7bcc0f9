/*  bench_store.c: the durable fire journal on its own: bitten_store_fire_insert (PENDING) and
 *  bitten_store_fire_transition (SENT) in a temp dir on the bench's filesystem, p50/p99; and
 *  the disk alone, the same number of 4 KiB pwrite + fdatasync on a file there (what "one
 *  fsync" costs without SQLite), so a fire's p99 can be set against the fsync's own tail. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_common.h"
#include "core/store.h"

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    const char *parent = getenv("BENCH_TMPDIR") ? getenv("BENCH_TMPDIR") : "/tmp";
    char dir[256];
    snprintf(dir, sizeof dir, "%s/bitten-bench-XXXXXX", parent);
    if (!mkdtemp(dir))
        return 1;
    char err[256];
    bitten_store_t *store = bitten_store_open(dir, err, sizeof err);
    if (!store) {
        fprintf(stderr, "bench_store: %s\n", err);
        bb_rmtree(dir);
        return 1;
    }
    double *ins = calloc((size_t)n, sizeof *ins), *tr = calloc((size_t)n, sizeof *tr);
    int failures = 0;
    double t_all = bb_now();
    for (int i = 0; i < n; i++) {
        bitten_fire_rec_t rec;
        memset(&rec, 0, sizeof rec);
        snprintf(rec.signal_id, sizeof rec.signal_id, "BENCH_STORE_%d", i);
        snprintf(rec.uuid, sizeof rec.uuid, "bench_acct_%04d", i % 2000);
        snprintf(rec.symbol, sizeof rec.symbol, "EURUSD");
        rec.action = BITTEN_ACTION_BUY;
        rec.lot = 0.10;
        rec.sl_points = 200;
        rec.tp_points = 400;
        rec.sl_pips = 20;
        rec.tp_pips = 40;
        rec.source = BITTEN_FIRE_MANUAL;
        rec.state = BITTEN_FIRE_PENDING;
        rec.created_at = 1764000000000LL + i;
        rec.expires_at = rec.created_at + 60000;
        int64_t id = 0;
        double t0 = bb_now();
        int rc = bitten_store_fire_insert(store, &rec, &id);
        double t1 = bb_now();
        int rc2 = bitten_store_fire_transition(store, id, BITTEN_FIRE_SENT, BITTEN_R_OK, "",
                                               rec.created_at + 1, NULL);
        double t2 = bb_now();
        failures += rc != 0 || rc2 != 0;
        ins[i] = (t1 - t0) * 1e6;
        tr[i] = (t2 - t1) * 1e6;
    }
    double total = bb_now() - t_all;
    //  The disk alone: one page rewritten in place and fdatasync'd, n times.
    double *fs = calloc((size_t)n, sizeof *fs);
    char raw[300], page[4096];
    memset(page, 'x', sizeof page);
    snprintf(raw, sizeof raw, "%s/fsync.bin", dir);
    int fd = open(raw, O_RDWR | O_CREAT, 0600);
    size_t nfs = 0;
    for (int i = 0; fd >= 0 && i < n; i++) {
        double t0 = bb_now();
        if (pwrite(fd, page, sizeof page, (off_t)(i % 16) * 4096) != (ssize_t)sizeof page ||
            fdatasync(fd) != 0) {
            failures++;
            break;
        }
        fs[nfs++] = (bb_now() - t0) * 1e6;
    }
    if (fd >= 0)
        close(fd);
    char journal[16] = "";
    bitten_store_journal_mode(store, journal, sizeof journal);
    json_t *out = json_pack(
        "{s:s, s:i, s:i, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "bench",
        "store", "n", n, "failures", failures, "journal_mode", journal, "synchronous",
        bitten_store_synchronous(store), "insert_us_p50", bb_quantile(ins, (size_t)n, 0.5),
        "insert_us_p99", bb_quantile(ins, (size_t)n, 0.99), "insert_us_p999",
        bb_quantile(ins, (size_t)n, 0.999), "transition_us_p50", bb_quantile(tr, (size_t)n, 0.5),
        "transition_us_p99", bb_quantile(tr, (size_t)n, 0.99), "transition_us_p999",
        bb_quantile(tr, (size_t)n, 0.999), "fires_per_s", (double)n / total, "fsync_us_p50",
        bb_quantile(fs, nfs, 0.5), "fsync_us_p99", bb_quantile(fs, nfs, 0.99), "fsync_us_p999",
        bb_quantile(fs, nfs, 0.999));
    bb_emit(out);
    bitten_store_close(&store);
    bb_rmtree(dir);
    free(ins);
    free(tr);
    free(fs);
    return failures ? 1 : 0;
}
