/*  candles.c: VENOM's per-symbol candle builder: ticks -> M1 -> M5 -> M15 on market time,
 *  closed candles kept in fixed rings, candle_batch merged without overwriting anything. */
#include "modules/venom/venom_core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_M1_MS 60000
#define S_M5_MS 300000
#define S_M15_MS 900000

/*  Closed candles, oldest first, at most cap (the oldest drops out). c[0 .. n) sits inside
 *  base[0 .. 2 cap + 2): dropping the oldest moves c forward (O(1)), and c is moved back to
 *  base only when the room after it is used up (once per cap drops: one candle copied per
 *  drop). c[n] is always a spare slot, so closed + forming can be handed out contiguous
 *  without a copy. version counts the changes. */
typedef struct {
    bitten_candle_t *base, *c;
    size_t n, cap, alloc;
    uint64_t version;
    uint64_t epoch; /* bumped by any change but an append at the newest end */
    uint64_t first; /* oldest candles dropped in this epoch */
} s_ring_t;

struct venom_candles {
    s_ring_t m1, m5, m15;
    bool has_m1, has_m5, has_m15; /* forming candles */
    bitten_candle_t m1f, m5f, m15f;
    double m1_ea_volume; /* sum of EA volumes > 0 in the forming M1 */
    double m1_ticks;     /* ticks in the forming M1 */
};

static bitten_ms_t s_floor(bitten_ms_t t, bitten_ms_t size)
{
    bitten_ms_t q = t / size;
    if (t % size != 0 && t < 0)
        q--;
    return q * size;
}

static int s_ring_init(s_ring_t *r, size_t cap)
{
    r->cap = cap ? cap : 1;
    r->alloc = 2 * r->cap + 2;
    r->base = r->c = calloc(r->alloc, sizeof *r->c);
    r->n = 0;
    r->version = 0;
    return r->c ? 0 : -1;
}

/*  Puts c in time order. An existing candle at the same time is replaced only when replace
 *  is true. Returns true when the ring changed. */
static bool s_ring_put(s_ring_t *r, const bitten_candle_t *c, bool replace)
{
    size_t pos = r->n;
    while (pos > 0 && r->c[pos - 1].time >= c->time)
        pos--;
    if (pos < r->n && r->c[pos].time == c->time) {
        if (!replace)
            return false;
        r->c[pos] = *c;
        r->version++;
        r->epoch++;
        r->first = 0;
        return true;
    }
    if (r->n == r->cap) {
        if (pos == 0)
            return false; /* older than everything a full ring keeps */
        r->c++;
        r->n--;
        r->first++;
        pos--;
    }
    if (pos < r->n) { /* inside the ring: not an append */
        r->epoch++;
        r->first = 0;
    }
    if ((size_t)(r->c - r->base) + r->n + 2 > r->alloc) { /* keep c[n + 1] as the spare */
        memmove(r->base, r->c, r->n * sizeof *r->c);
        r->c = r->base;
    }
    if (pos < r->n)
        memmove(r->c + pos + 1, r->c + pos, (r->n - pos) * sizeof *r->c);
    r->c[pos] = *c;
    r->n++;
    r->version++;
    return true;
}

static void s_fold(bitten_candle_t *agg, const bitten_candle_t *c)
{
    if (c->high > agg->high)
        agg->high = c->high;
    if (c->low < agg->low)
        agg->low = c->low;
    agg->close = c->close;
    agg->volume += c->volume;
}

venom_candles_t *venom_candles_new(size_t ring_m1, size_t ring_m5, size_t ring_m15)
{
    venom_candles_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (s_ring_init(&self->m1, ring_m1) || s_ring_init(&self->m5, ring_m5) ||
        s_ring_init(&self->m15, ring_m15)) {
        venom_candles_destroy(&self);
        return NULL;
    }
    return self;
}

void venom_candles_destroy(venom_candles_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    venom_candles_t *self = *self_p;
    free(self->m1.base);
    free(self->m5.base);
    free(self->m15.base);
    free(self);
    *self_p = NULL;
}

static void s_close_m15(venom_candles_t *self)
{
    s_ring_put(&self->m15, &self->m15f, true);
    self->has_m15 = false;
}

static void s_add_m5_to_m15(venom_candles_t *self, const bitten_candle_t *m5)
{
    bitten_ms_t bucket = s_floor(m5->time, S_M15_MS);
    if (self->has_m15 && self->m15f.time != bucket)
        s_close_m15(self);
    if (!self->has_m15) {
        self->m15f = *m5;
        self->m15f.time = bucket;
        self->has_m15 = true;
    } else {
        s_fold(&self->m15f, m5);
    }
}

static void s_close_m5(venom_candles_t *self)
{
    s_ring_put(&self->m5, &self->m5f, true);
    self->has_m5 = false;
    s_add_m5_to_m15(self, &self->m5f);
}

static void s_add_m1_to_m5(venom_candles_t *self, const bitten_candle_t *m1)
{
    bitten_ms_t bucket = s_floor(m1->time, S_M5_MS);
    if (self->has_m5 && self->m5f.time != bucket)
        s_close_m5(self);
    if (!self->has_m5) {
        self->m5f = *m1;
        self->m5f.time = bucket;
        self->has_m5 = true;
    } else {
        s_fold(&self->m5f, m1);
    }
}

static bitten_candle_t s_m1_current(const venom_candles_t *self)
{
    bitten_candle_t c = self->m1f;
    c.volume = self->m1_ea_volume > 0.0 ? self->m1_ea_volume : self->m1_ticks;
    return c;
}

int venom_candles_on_tick(venom_candles_t *self, bitten_ms_t ts, double price, double ea_volume,
                          bitten_candle_t *closed_m1)
{
    bitten_ms_t bucket = s_floor(ts, S_M1_MS);
    int closed = 0;
    if (self->has_m1) {
        if (bucket < self->m1f.time)
            return -1;
        if (bucket == self->m1f.time) {
            if (price > self->m1f.high)
                self->m1f.high = price;
            if (price < self->m1f.low)
                self->m1f.low = price;
            self->m1f.close = price;
            if (ea_volume > 0.0)
                self->m1_ea_volume += ea_volume;
            self->m1_ticks += 1.0;
            return 0;
        }
        bitten_candle_t done = s_m1_current(self);
        s_ring_put(&self->m1, &done, true);
        s_add_m1_to_m5(self, &done);
        if (closed_m1)
            *closed_m1 = done;
        closed = 1;
    } else if (self->m1.n > 0 && bucket <= self->m1.c[self->m1.n - 1].time) {
        return -1; /* inside (or before) an M1 already closed, e.g. from a candle_batch */
    }
    /* nothing more can join higher buckets that the tick has left behind */
    if (self->has_m5 && s_floor(ts, S_M5_MS) != self->m5f.time)
        s_close_m5(self);
    if (self->has_m15 && s_floor(ts, S_M15_MS) != self->m15f.time)
        s_close_m15(self);
    self->m1f = (bitten_candle_t){bucket, price, price, price, price, 0.0};
    self->m1_ea_volume = ea_volume > 0.0 ? ea_volume : 0.0;
    self->m1_ticks = 1.0;
    self->has_m1 = true;
    return closed;
}

static int s_cmp_time(const void *a, const void *b)
{
    const bitten_candle_t *x = a, *y = b;
    return (x->time > y->time) - (x->time < y->time);
}

static bool s_usable(const bitten_candle_t *c, bitten_ms_t size, bitten_ms_t limit)
{
    return c->time % size == 0 && c->time < limit && isfinite(c->open) && isfinite(c->high) &&
           isfinite(c->low) && isfinite(c->close) && isfinite(c->volume) && c->low <= c->high;
}

/*  Aggregates sorted src candles into buckets of `size` ms below limit, adding only buckets
 *  the ring does not hold yet. */
static void s_backfill(s_ring_t *ring, const bitten_candle_t *src, size_t n, bitten_ms_t size,
                       bitten_ms_t limit)
{
    size_t i = 0;
    while (i < n) {
        bitten_ms_t bucket = s_floor(src[i].time, size);
        bitten_candle_t agg = src[i];
        agg.time = bucket;
        size_t j = i + 1;
        for (; j < n && s_floor(src[j].time, size) == bucket; j++)
            s_fold(&agg, &src[j]);
        if (bucket < limit)
            s_ring_put(ring, &agg, false);
        i = j;
    }
}

int venom_candles_merge(venom_candles_t *self, int timeframe_s, const bitten_candle_t *c, size_t n)
{
    bitten_ms_t size = (bitten_ms_t)timeframe_s * 1000;
    s_ring_t *ring;
    if (timeframe_s == S_M1_MS / 1000)
        ring = &self->m1;
    else if (timeframe_s == S_M5_MS / 1000)
        ring = &self->m5;
    else if (timeframe_s == S_M15_MS / 1000)
        ring = &self->m15;
    else
        return -1;
    if (n == 0)
        return 0;

    /* nothing at or after the forming bucket of each timeframe */
    bitten_ms_t open_at = INT64_MAX; /* start of the oldest bucket still being built */
    if (self->has_m15)
        open_at = self->m15f.time;
    else if (self->has_m5)
        open_at = s_floor(self->m5f.time, S_M15_MS);
    else if (self->has_m1)
        open_at = s_floor(self->m1f.time, S_M15_MS);
    bitten_ms_t lim1 = self->has_m1 ? self->m1f.time : INT64_MAX;
    bitten_ms_t lim5 = self->has_m5   ? self->m5f.time
                       : self->has_m1 ? s_floor(self->m1f.time, S_M5_MS)
                                      : INT64_MAX;
    bitten_ms_t lim15 = open_at;
    bitten_ms_t limit = ring == &self->m1 ? lim1 : ring == &self->m5 ? lim5 : lim15;

    bitten_candle_t *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s_usable(&c[i], size, limit))
            sorted[m++] = c[i];
    qsort(sorted, m, sizeof *sorted, s_cmp_time);
    size_t u = 0; /* drop repeated start times: the first one given wins */
    for (size_t i = 0; i < m; i++)
        if (u == 0 || sorted[u - 1].time != sorted[i].time)
            sorted[u++] = sorted[i];

    int added = 0;
    for (size_t i = 0; i < u; i++)
        if (s_ring_put(ring, &sorted[i], false))
            added++;
    if (ring == &self->m1)
        s_backfill(&self->m5, sorted, u, S_M5_MS, lim5);
    if (ring != &self->m15)
        s_backfill(&self->m15, sorted, u, S_M15_MS, lim15);
    free(sorted);
    return added;
}

static const s_ring_t *s_ring_of(const venom_candles_t *self, int timeframe_s)
{
    switch (timeframe_s) {
    case S_M1_MS / 1000:
        return &self->m1;
    case S_M5_MS / 1000:
        return &self->m5;
    case S_M15_MS / 1000:
        return &self->m15;
    default:
        return NULL;
    }
}

size_t venom_candles_closed(const venom_candles_t *self, int timeframe_s,
                            const bitten_candle_t **out)
{
    const s_ring_t *r = s_ring_of(self, timeframe_s);
    if (out)
        *out = r ? r->c : NULL;
    return r ? r->n : 0;
}

bool venom_candles_forming(const venom_candles_t *self, int timeframe_s, bitten_candle_t *out)
{
    switch (timeframe_s) {
    case S_M1_MS / 1000:
        if (self->has_m1 && out)
            *out = s_m1_current(self);
        return self->has_m1;
    case S_M5_MS / 1000:
        if (self->has_m5 && out)
            *out = self->m5f;
        return self->has_m5;
    case S_M15_MS / 1000:
        if (self->has_m15 && out)
            *out = self->m15f;
        return self->has_m15;
    default:
        return false;
    }
}

size_t venom_candles_m5_series(const venom_candles_t *self, bitten_candle_t *buf, size_t cap)
{
    size_t extra = self->has_m5 ? 1 : 0;
    size_t total = self->m5.n + extra;
    if (cap == 0)
        return 0;
    size_t keep = total < cap ? total : cap; /* >= 1 whenever extra is 1 */
    size_t from_ring = keep - extra;
    memcpy(buf, self->m5.c + (self->m5.n - from_ring), from_ring * sizeof *buf);
    if (extra)
        buf[from_ring] = self->m5f;
    return from_ring + extra;
}

const bitten_candle_t *venom_candles_m5_view(venom_candles_t *self, size_t *n, size_t *closed,
                                             uint64_t *version)
{
    s_ring_t *r = &self->m5;
    if (self->has_m5)
        r->c[r->n] = self->m5f; /* the spare slot */
    *n = r->n + (self->has_m5 ? 1 : 0);
    if (closed)
        *closed = r->n;
    if (version)
        *version = r->version;
    return r->c;
}

void venom_candles_m5_lineage(const venom_candles_t *self, uint64_t *version, uint64_t *epoch,
                              uint64_t *first)
{
    if (version)
        *version = self->m5.version;
    if (epoch)
        *epoch = self->m5.epoch;
    if (first)
        *first = self->m5.first;
}
