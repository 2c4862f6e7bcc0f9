/*  trend.c: venom_trend_closed's EMA / RSI state carried along a sliding M5 ring.
 *
 *  An EMA seeded with the SMA of the window's first closes (and Wilder's RSI seeded the same
 *  way) changes with every slide of the window: the value over [S, E) is the chain started
 *  at S stepped up to E. So a chain is kept for every window start the ring will slide to,
 *  each one seeded and stepped with exactly venom_trend_closed's operations (bit-identical),
 *  and each new candle steps all of them: independent steps, vectorized, instead of one
 *  dependent walk over the window per new candle. Two neighbouring chains whose state is
 *  bit for bit the same stay the same forever (same steps, same inputs), so they are kept
 *  once: the short EMAs and the RSI converge within a few hundred bars, which keeps their
 *  number of distinct chains well under the ring's. Pure; no I/O. */
#include "modules/venom/venom_core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*  Four lanes, IEEE ops per lane (no contraction: ISO C11): the same bits at any width. The
 *  steps are built twice (target_clones): AVX where the CPU has it (one 256-bit op for four
 *  chains), else SSE2 (two 128-bit ops); the loader picks one at start. -DS_WIDE_STEPS=
 *  builds the SSE2 steps only (to check that they give the same bits). */
typedef double s_v4_t __attribute__((vector_size(32)));
#ifndef S_WIDE_STEPS
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define S_WIDE_STEPS __attribute__((target_clones("avx", "default")))
#endif
#endif
#endif
#ifndef S_WIDE_STEPS
#define S_WIDE_STEPS
#endif

/*  The distinct chains of one indicator, ordered by window start: group j serves the starts
 *  lo[j] .. lo[j + 1] - 1 (the last one up to `last`). EMA: a = value, b = value before the
 *  last step (NAN right after the seed). RSI: a = gain, b = loss. Live groups sit at
 *  [off, off + k) of arrays of `alloc`. */
typedef struct {
    int period;     /* < 1: never defined */
    double alpha;   /* EMA */
    bool keep_prev; /* EMA: b is read (the mid EMA's previous value); else b stays NAN */
    size_t off, k, alloc;
    uint64_t last;    /* newest start with a chain */
    uint64_t appends; /* candles stepped in, for the merge pass */
    uint64_t *lo;
    double *a, *b;
} s_chains_t;

struct venom_trend_chains {
    size_t cap;
    s_chains_t fast, mid, slow, rsi;
    bool valid;
    uint64_t epoch, first, end; /* the series the chains are at: candles [first, end) */
};

static int s_chains_init(s_chains_t *s, int period, bool keep_prev, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->period = period;
    s->keep_prev = keep_prev;
    s->alpha = 2.0 / (period + 1.0); /* s_alpha of indicators.c */
    s->alloc = cap + cap / 4 + 2;    /* groups <= cap: re-based once per >= cap / 4 drops */
    s->lo = malloc(s->alloc * sizeof *s->lo);
    s->a = malloc(s->alloc * sizeof *s->a);
    s->b = malloc(s->alloc * sizeof *s->b);
    return s->lo && s->a && s->b ? 0 : -1;
}

static void s_chains_free(s_chains_t *s)
{
    free(s->lo);
    free(s->a);
    free(s->b);
}

venom_trend_chains_t *venom_trend_chains_new(size_t cap, int ema_fast, int ema_mid, int ema_slow,
                                             int rsi_period)
{
    venom_trend_chains_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cap = cap ? cap : 1;
    if (s_chains_init(&self->fast, ema_fast, false, self->cap) ||
        s_chains_init(&self->mid, ema_mid, true, self->cap) ||
        s_chains_init(&self->slow, ema_slow, false, self->cap) ||
        s_chains_init(&self->rsi, rsi_period, true, self->cap)) {
        venom_trend_chains_destroy(&self);
        return NULL;
    }
    return self;
}

void venom_trend_chains_destroy(venom_trend_chains_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    venom_trend_chains_t *self = *self_p;
    s_chains_free(&self->fast);
    s_chains_free(&self->mid);
    s_chains_free(&self->slow);
    s_chains_free(&self->rsi);
    free(self);
    *self_p = NULL;
}

static uint64_t s_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/*  Drops the groups that serve no start >= first. */
static void s_prune(s_chains_t *s, uint64_t first)
{
    if (s->k > 0 && s->last < first) {
        s->k = 0;
        return;
    }
    while (s->k >= 2 && s->lo[s->off + 1] <= first) {
        s->off++;
        s->k--;
    }
}

/*  Adds the chain of window start `start` at the end, then keeps one group per run of
 *  neighbours with the same state. */
static void s_push(s_chains_t *s, uint64_t start, double a, double b)
{
    if (s->off + s->k + 1 > s->alloc) {
        memmove(s->lo, s->lo + s->off, s->k * sizeof *s->lo);
        memmove(s->a, s->a + s->off, s->k * sizeof *s->a);
        memmove(s->b, s->b + s->off, s->k * sizeof *s->b);
        s->off = 0;
    }
    size_t at = s->off + s->k;
    s->lo[at] = start;
    s->a[at] = a;
    s->b[at] = b;
    s->k++;
    s->last = start;
}

/*  Neighbours converge oldest first (the pair with the most steps behind it is the closest),
 *  so the front pair is checked on every append (O(1)); a full pass, for pairs that met out
 *  of turn, runs once per S_MERGE_EVERY appends. Merging later than possible changes no
 *  value: merged chains are equal from then on. */
#define S_MERGE_EVERY 64

static bool s_equal(const s_chains_t *s, size_t i, size_t j)
{
    return s_bits(s->a[i]) == s_bits(s->a[j]) && s_bits(s->b[i]) == s_bits(s->b[j]);
}

static void s_merge(s_chains_t *s)
{
    while (s->k >= 2 && s_equal(s, s->off, s->off + 1)) {
        s->lo[s->off + 1] = s->lo[s->off]; /* group 1 takes over group 0's starts */
        s->off++;
        s->k--;
    }
    if (++s->appends % S_MERGE_EVERY != 0 || s->k < 2)
        return;
    uint64_t *lo = s->lo + s->off;
    double *a = s->a + s->off, *b = s->b + s->off;
    size_t w = 1;
    for (size_t j = 1; j < s->k; j++) {
        if (s_bits(a[j]) == s_bits(a[w - 1]) && s_bits(b[j]) == s_bits(b[w - 1]))
            continue; /* bits equal (NAN too): serves its starts with group w - 1 from now on */
        if (w != j) {
            lo[w] = lo[j];
            a[w] = a[j];
            b[w] = b[j];
        }
        w++;
    }
    s->k = w;
}

/*  venom_ema's step on every chain: alpha * close + (1 - alpha) * ema. The value before the
 *  step goes to b only where it is read: an EMA's state is its value alone, so chains with
 *  equal values merge (b NAN in both) one step earlier, which changes no value. */
S_WIDE_STEPS static void s_step_ema(s_chains_t *s, double close)
{
    double *restrict a = s->a + s->off, *restrict b = s->b + s->off;
    const double ax = s->alpha * close, om = 1.0 - s->alpha;
    const s_v4_t vax = {ax, ax, ax, ax}, vom = {om, om, om, om};
    size_t j = 0, k = s->k;
    if (s->keep_prev)
        memcpy(b, a, k * sizeof *a);
    for (; j + 4 <= k; j += 4) {
        s_v4_t v;
        memcpy(&v, a + j, sizeof v);
        v = vax + vom * v;
        memcpy(a + j, &v, sizeof v);
    }
    for (; j < k; j++)
        a[j] = ax + om * a[j];
}

/*  s_rsi_step on every chain: (avg * (period - 1) + move) / period, for gain and loss. */
S_WIDE_STEPS static void s_step_rsi(s_chains_t *s, double d)
{
    double *restrict g = s->a + s->off, *restrict l = s->b + s->off;
    const double up = d > 0 ? d : 0.0, dn = d < 0 ? -d : 0.0;
    const double pm1 = s->period - 1, pd = s->period;
    const s_v4_t vup = {up, up, up, up}, vdn = {dn, dn, dn, dn};
    const s_v4_t vpm1 = {pm1, pm1, pm1, pm1}, vpd = {pd, pd, pd, pd};
    size_t j = 0, k = s->k;
    for (; j + 4 <= k; j += 4) {
        s_v4_t vg, vl;
        memcpy(&vg, g + j, sizeof vg);
        memcpy(&vl, l + j, sizeof vl);
        vg = (vg * vpm1 + vup) / vpd;
        vl = (vl * vpm1 + vdn) / vpd;
        memcpy(g + j, &vg, sizeof vg);
        memcpy(l + j, &vl, sizeof vl);
    }
    for (; j < k; j++) {
        g[j] = (g[j] * pm1 + up) / pd;
        l[j] = (l[j] * pm1 + dn) / pd;
    }
}

/*  The candle of absolute index e (c[e - first]) joins: every chain steps, and the chain of
 *  the window start that e completes the seed of is added. */
static void s_append_ema(s_chains_t *s, const bitten_candle_t *c, uint64_t first, uint64_t e)
{
    if (s->period < 1)
        return;
    s_step_ema(s, c[e - first].close);
    uint64_t p = (uint64_t)s->period;
    if (e + 1 >= p && e + 1 - p >= first) {
        uint64_t start = e + 1 - p;
        double sum = 0.0; /* s_ema_seed: the SMA of the first `period` closes */
        for (uint64_t i = start; i <= e; i++)
            sum += c[i - first].close;
        s_push(s, start, sum / s->period, NAN);
    }
    s_merge(s);
}

static void s_append_rsi(s_chains_t *s, const bitten_candle_t *c, uint64_t first, uint64_t e)
{
    if (s->period < 1)
        return;
    if (s->k > 0) /* a chain exists only after its seed, so c[e - 1] is in the series */
        s_step_rsi(s, c[e - first].close - c[e - 1 - first].close);
    uint64_t p = (uint64_t)s->period;
    if (e >= p && e - p >= first) {
        uint64_t start = e - p;
        double g = 0.0, l = 0.0; /* s_rsi_seed over the first `period` changes */
        for (uint64_t i = start + 1; i <= e; i++) {
            double d = c[i - first].close - c[i - 1 - first].close;
            if (d > 0)
                g += d;
            else
                l -= d;
        }
        s_push(s, start, g / s->period, l / s->period);
    }
    s_merge(s);
}

/*  The group serving window start `first`, or NULL when no chain was started for it. */
static bool s_front(const s_chains_t *s, uint64_t first, double *a, double *b)
{
    if (s->k == 0 || s->lo[s->off] > first)
        return false;
    *a = s->a[s->off];
    *b = s->b[s->off];
    return true;
}

static double s_ema_out(const s_chains_t *s, uint64_t first, size_t n, double *prev)
{
    double a, b;
    bool have = s->period >= 1 && n >= (size_t)s->period && s_front(s, first, &a, &b);
    if (prev) /* venom_ema(c, n - 1, period): the value before the last step */
        *prev = have && n >= (size_t)s->period + 1 ? b : NAN;
    return have ? a : NAN;
}

void venom_trend_chains_sync(venom_trend_chains_t *self, const bitten_candle_t *c, size_t n,
                             uint64_t first, uint64_t epoch, venom_trend_state_t *out)
{
    if (n > self->cap) { /* more than the chains were sized for: the plain walk */
        self->valid = false;
        venom_trend_closed(out, c, n, self->fast.period, self->mid.period, self->slow.period,
                           self->rsi.period);
        return;
    }
    uint64_t end = first + n;
    /* appended-only since the last sync (oldest dropped, newest added), and the newest
     * candle the chains have seen still in the series: step; anything else: start over */
    bool carry = self->valid && epoch == self->epoch && first >= self->first &&
                 end >= self->end && self->end > first;
    s_chains_t *all[] = {&self->fast, &self->mid, &self->slow, &self->rsi};
    for (size_t i = 0; i < 4; i++) {
        if (!carry)
            all[i]->k = all[i]->off = 0;
        else
            s_prune(all[i], first);
    }
    for (uint64_t e = carry ? self->end : first; e < end; e++) {
        s_append_ema(&self->fast, c, first, e);
        s_append_ema(&self->mid, c, first, e);
        s_append_ema(&self->slow, c, first, e);
        s_append_rsi(&self->rsi, c, first, e);
    }
    self->valid = true;
    self->epoch = epoch;
    self->first = first;
    self->end = end;

    out->n = n;
    out->ema_fast = s_ema_out(&self->fast, first, n, NULL);
    out->ema_mid = s_ema_out(&self->mid, first, n, &out->ema_mid_prev);
    out->ema_slow = s_ema_out(&self->slow, first, n, NULL);
    double g, l;
    bool rsi = self->rsi.period >= 1 && n >= (size_t)self->rsi.period + 1 &&
               s_front(&self->rsi, first, &g, &l);
    out->rsi_gain = rsi ? g : NAN;
    out->rsi_loss = rsi ? l : NAN;
}

size_t venom_trend_chains_count(const venom_trend_chains_t *self, int which)
{
    const s_chains_t *s = which == 0   ? &self->fast
                          : which == 1 ? &self->mid
                          : which == 2 ? &self->slow
                                       : &self->rsi;
    return s->k;
}

/* ================================================================ ATR per closed bar */

/*  venom_atr_pips(c, k + 1) for every closed bar k: a bar's value reads its own bar and the
 *  `period` before it, so once computed it holds while the ring slides (until the bars before
 *  it drop out: then it is NAN, as the plain function says). Kept by absolute index modulo
 *  cap (the ring never holds more than cap bars). */
struct venom_atr_history {
    size_t cap;
    int period;
    double pip;
    double *v;
    bool valid;
    uint64_t epoch, first, end;
};

venom_atr_history_t *venom_atr_history_new(size_t cap, int period, double pip)
{
    venom_atr_history_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cap = cap ? cap : 1;
    self->period = period;
    self->pip = pip;
    self->v = malloc(self->cap * sizeof *self->v);
    if (!self->v)
        venom_atr_history_destroy(&self);
    return self;
}

void venom_atr_history_destroy(venom_atr_history_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->v);
    free(*self_p);
    *self_p = NULL;
}

bool venom_atr_history_sync(venom_atr_history_t *self, const bitten_candle_t *c, size_t n,
                            uint64_t first, uint64_t epoch)
{
    if (n > self->cap) {
        self->valid = false;
        return false;
    }
    uint64_t end = first + n;
    bool carry = self->valid && epoch == self->epoch && first >= self->first && end >= self->end;
    uint64_t from = carry && self->end > first ? self->end : first;
    for (uint64_t e = from; e < end; e++)
        self->v[e % self->cap] =
            venom_atr_pips(c, (size_t)(e - first) + 1, self->period, self->pip);
    self->valid = true;
    self->epoch = epoch;
    self->first = first;
    self->end = end;
    return true;
}

double venom_atr_history_at(const venom_atr_history_t *self, size_t k)
{
    if (!self->valid || self->period < 1 || k < (size_t)self->period ||
        k >= (size_t)(self->end - self->first))
        return NAN; /* fewer than period + 1 bars up to k in the series */
    return self->v[(self->first + k) % self->cap];
}
