/*  bench_ticks.c: the tick path on one core: venom_engine_on_tick over the shared M5 and M1
 *  candle CSVs expanded to ticks, looped with times shifted by whole weeks; CITADEL per signal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bench_common.h"
#include "bitten/symbols.h"
#include "modules/citadel/citadel_core.h"
#include "modules/venom/venom_core.h"

#define WEEK_MS (7LL * 86400 * 1000)

/*  FNV-1a over raw bytes: the digest of every signal and its context, so two builds of the
 *  engine can be compared over the whole run (bit-identical signals give the same digest). */
static uint64_t s_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t s_digest_signal(uint64_t h, const venom_signal_t *s)
{
    h = s_fnv(h, s->signal_id, strlen(s->signal_id));
    h = s_fnv(h, &s->direction, sizeof s->direction);
    h = s_fnv(h, &s->pattern, sizeof s->pattern);
    const double v[] = {s->confidence, s->entry, s->sl_pips, s->tp_pips, s->sl_price,
                        s->tp_price, s->rr, s->atr_pips, s->atr_raw_pips, s->spread_pips};
    h = s_fnv(h, v, sizeof v);
    return s_fnv(h, &s->created_at, sizeof s->created_at);
}

static uint64_t s_digest_context(uint64_t h, const venom_context_t *c)
{
    const double v[] = {c->last_price, c->last_spread_pips, c->median_spread_pips, c->atr_pips,
                        c->atr_percentile, c->m5_ema_mid_slope_pips, c->m15_ema_mid_slope_pips,
                        c->m5_price_vs_ema_slow_pips, c->m15_price_vs_ema_slow_pips,
                        c->swings.highest, c->swings.lowest};
    h = s_fnv(h, v, sizeof v);
    const size_t z[] = {c->m1_count, c->m5_count, c->m15_count, c->spread_samples,
                        c->swings.n_highs, c->swings.n_lows};
    h = s_fnv(h, z, sizeof z);
    const bool b[] = {c->sweep_for_buy, c->sweep_for_sell};
    return s_fnv(h, b, sizeof b);
}

typedef struct {
    bitten_ms_t ts;
    long seq;
    char symbol[BITTEN_SYMBOL_MAX + 1];
    double mid, half; /* half: half a pip, the spread is one pip around the mid */
} s_tick_t;

typedef struct {
    s_tick_t *v;
    size_t n, cap;
} s_ticks_t;

static void s_push(s_ticks_t *t, bitten_ms_t ts, const char *symbol, double mid)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
    }
    s_tick_t *k = &t->v[t->n];
    k->ts = ts;
    k->seq = (long)t->n;
    snprintf(k->symbol, sizeof k->symbol, "%s", symbol);
    k->mid = mid;
    t->n++;
}

static int s_cmp(const void *a, const void *b)
{
    const s_tick_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

//  Bars to four ticks each, as shared/data/README.md says: open, then high and low (low first
//  for a bullish bar), then close, spread over the bar's span; sorted by time (stable).
static int s_load(const char *path, int bar_s, int per_minute, s_ticks_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_ticks: cannot open %s\n", path);
        return -1;
    }
    char line[512];
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    long t;
    char sym[64];
    double o, h, l, c;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%ld,%63[^,],%lf,%lf,%lf,%lf", &t, sym, &o, &h, &l, &c) != 6)
            continue;
        bitten_ms_t base = (bitten_ms_t)t * 1000;
        bitten_ms_t span = (bitten_ms_t)bar_s * 1000;
        bool bull = c >= o;
        bitten_ms_t kt[4] = {0, span / 4, span / 2, span - 5000};
        double kp[4] = {o, bull ? l : h, bull ? h : l, c};
        if (per_minute <= 0) {
            for (int k = 0; k < 4; k++)
                s_push(out, base + kt[k], sym, kp[k]);
            continue;
        }
        //  Denser: per_minute ticks a minute on the piecewise-linear path through the 4 knots.
        long total = (long)per_minute * bar_s / 60;
        for (long j = 0; j < total; j++) {
            bitten_ms_t at = span * j / total;
            double price = c;
            for (int k = 0; k < 3; k++)
                if (at >= kt[k] && at < kt[k + 1]) {
                    price = kp[k] + (kp[k + 1] - kp[k]) * (double)(at - kt[k]) /
                                        (double)(kt[k + 1] - kt[k]);
                    break;
                }
            s_push(out, base + at, sym, price);
        }
    }
    fclose(f);
    qsort(out->v, out->n, sizeof *out->v, s_cmp);
    return 0;
}

int main(int argc, char **argv)
{
    const char *m5 = "../shared/data/candles_m5_2025-09.csv";
    const char *m1 = "../shared/data/candles_m1_2025-09-15.csv";
    long want = 5000000;
    int per_minute = 0; /* 0: four ticks a bar (shared/data/README.md) */
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--m5"))
            m5 = argv[i + 1];
        else if (!strcmp(argv[i], "--m1"))
            m1 = argv[i + 1];
        else if (!strcmp(argv[i], "--per-minute"))
            per_minute = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--ticks"))
            want = atol(argv[i + 1]);
        else {
            fprintf(stderr, "usage: bench_ticks [--m5 CSV] [--m1 CSV] [--ticks N] [--per-minute K]\n");
            return 2;
        }
    }
    s_ticks_t seg[2] = {{0}, {0}};
    if (s_load(m5, 300, per_minute, &seg[0]) != 0 || s_load(m1, 60, per_minute, &seg[1]) != 0)
        return 1;
    bitten_symbols_t *symbols = bitten_symbols_new_defaults();
    venom_params_t vp;
    venom_params_default(&vp);
    venom_engine_t *eng = venom_engine_new(&vp, symbols);
    citadel_params_t cp;
    citadel_params_default(&cp);
    citadel_threshold_t thr;
    citadel_threshold_init(&thr);
    if (!eng)
        return 1;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < seg[s].n; i++) {
            const bitten_symbol_t *sym = bitten_symbols_find(symbols, seg[s].v[i].symbol);
            seg[s].v[i].half = sym ? sym->pip * 0.5 : 0.00005;
        }
    size_t cit_cap = 1 << 16, cit_n = 0;
    double *cit_ns = malloc(cit_cap * sizeof *cit_ns);
    long fed = 0, signals = 0, passed = 0, dropped = 0;
    double sink = 0;
    uint64_t digest = 14695981039346656037ULL;
    bitten_tick_t tick;
    memset(&tick, 0, sizeof tick);
    double t0 = bb_now();
    for (long loop = 0; fed < want; loop++) {
        for (int s = 0; s < 2 && fed < want; s++) {
            bitten_ms_t shift = (2 * loop + s) * WEEK_MS;
            for (size_t i = 0; i < seg[s].n && fed < want; i++) {
                const s_tick_t *k = &seg[s].v[i];
                double half = k->half;
                memcpy(tick.symbol, k->symbol, sizeof tick.symbol);
                tick.bid = k->mid - half;
                tick.ask = k->mid + half;
                tick.timestamp = k->ts + shift;
                venom_signal_t sig;
                bitten_reason_t why;
                int rc = venom_engine_on_tick(eng, &tick, &sig, &why);
                fed++;
                if (rc < 0)
                    dropped++;
                if (rc == 1) {
                    signals++;
                    double c0 = bb_now();
                    venom_context_t ctx;
                    citadel_verdict_t v;
                    bool have = venom_engine_context(eng, sig.symbol, &ctx) == 0;
                    bool ok = have && citadel_evaluate(&cp, &thr, &sig, &ctx, &v) == 0 && v.passed;
                    double c1 = bb_now();
                    if (ok)
                        passed++;
                    digest = s_digest_signal(digest, &sig);
                    if (have)
                        digest = s_digest_context(digest, &ctx);
                    digest = s_fnv(digest, &ok, sizeof ok);
                    if (cit_n < cit_cap)
                        cit_ns[cit_n++] = (c1 - c0) * 1e9;
                }
            }
        }
    }
    double t1 = bb_now();
    venom_stats_t st;
    venom_engine_stats(eng, &st);

    //  Floor: the same feed loop (copy, shift) without the engine.
    long fed2 = 0;
    double b0 = bb_now();
    for (long loop = 0; fed2 < want; loop++)
        for (int s = 0; s < 2 && fed2 < want; s++) {
            bitten_ms_t shift = (2 * loop + s) * WEEK_MS;
            for (size_t i = 0; i < seg[s].n && fed2 < want; i++) {
                const s_tick_t *k = &seg[s].v[i];
                double half = k->half;
                memcpy(tick.symbol, k->symbol, sizeof tick.symbol);
                tick.bid = k->mid - half;
                tick.ask = k->mid + half;
                tick.timestamp = k->ts + shift;
                sink += tick.bid + (double)(tick.timestamp & 7);
                fed2++;
            }
        }
    double b1 = bb_now();
    double cit_sum = 0;
    for (size_t i = 0; i < cit_n; i++)
        cit_sum += cit_ns[i];
    char digest_hex[17];
    snprintf(digest_hex, sizeof digest_hex, "%016llx", (unsigned long long)digest);
    json_t *out = json_pack(
        "{s:s, s:i, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:f, s:I, s:f, s:f, s:f, s:f, s:s}", "bench",
        "ticks", "per_minute", per_minute, "ticks", (json_int_t)fed, "ticks_per_loop", (json_int_t)(seg[0].n + seg[1].n),
        "seconds", t1 - t0, "tps", (double)fed / (t1 - t0), "evaluations",
        (json_int_t)st.evaluations, "signals", (json_int_t)signals, "citadel_passed",
        (json_int_t)passed, "dropped", (json_int_t)dropped, "feed_only_tps",
        (double)fed2 / (b1 - b0), "citadel_n", (json_int_t)cit_n, "citadel_ns_p50",
        cit_n ? bb_quantile(cit_ns, cit_n, 0.5) : 0.0, "citadel_ns_p99",
        cit_n ? bb_quantile(cit_ns, cit_n, 0.99) : 0.0, "citadel_ns_mean",
        cit_n ? cit_sum / (double)cit_n : 0.0, "sink", fmod(sink, 1.0), "signals_digest", digest_hex);
    bb_emit(out);
    venom_engine_destroy(&eng);
    bitten_symbols_destroy(&symbols);
    free(cit_ns);
    free(seg[0].v);
    free(seg[1].v);
    return 0;
}
