/*  csv_order.c: the first pass over a CSV and the reorder queue of the streaming replay
 *  (csv_order.h). */
#include "replay/csv_order.h"

#include <stdlib.h>
#include <string.h>

int bitten_replay_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap * 2 : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(*items, cap2 * size);
    if (!p)
        return -1;
    *items = p;
    *cap = cap2;
    return 0;
}

/* ================================================================ first pass */

typedef struct {
    char name[BITTEN_SYMBOL_MAX + 1];
    bitten_ms_t prev; /* the time of its last row; 0: none yet */
    bitten_ms_t spacing;
    uint64_t spacing_count; /* how often spacing was the gap */
} s_symbol_t;

typedef struct {
    size_t sym; /* + 1; 0 = an empty slot */
    bitten_ms_t gap;
    uint64_t count;
} s_gap_t;

struct bitten_csv_scan_t {
    bool bars;
    s_symbol_t *syms;
    size_t n_syms, cap_syms;
    s_gap_t *gaps; /* open addressing on (sym, gap), at most half full */
    size_t n_gaps, cap_gaps;
    bool any, spaced;
    bitten_ms_t latest, lateness, first_late_by;
    uint64_t first_late;
};

bitten_csv_scan_t *bitten_csv_scan_new(bitten_csv_kind_t kind)
{
    bitten_csv_scan_t *s = calloc(1, sizeof *s);
    if (s)
        s->bars = kind == BITTEN_CSV_BARS;
    return s;
}

void bitten_csv_scan_destroy(bitten_csv_scan_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->syms);
    free((*p)->gaps);
    free(*p);
    *p = NULL;
}

static size_t s_slot(const s_gap_t *table, size_t cap, size_t sym, bitten_ms_t gap)
{
    uint64_t h = ((uint64_t)gap * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)sym * 0xC2B2AE3D27D4EB4FULL);
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (table[i].sym && !(table[i].sym == sym && table[i].gap == gap))
        i = (i + 1) & (cap - 1);
    return i;
}

static int s_count_gap(bitten_csv_scan_t *s, size_t sym, bitten_ms_t gap)
{
    if (2 * (s->n_gaps + 1) > s->cap_gaps) {
        size_t cap = s->cap_gaps ? 2 * s->cap_gaps : 64;
        s_gap_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < s->cap_gaps; i++)
            if (s->gaps[i].sym)
                t[s_slot(t, cap, s->gaps[i].sym, s->gaps[i].gap)] = s->gaps[i];
        free(s->gaps);
        s->gaps = t;
        s->cap_gaps = cap;
    }
    s_gap_t *g = &s->gaps[s_slot(s->gaps, s->cap_gaps, sym, gap)];
    if (!g->sym) {
        *g = (s_gap_t){sym, gap, 0};
        s->n_gaps++;
    }
    g->count++;
    return 0;
}

static s_symbol_t *s_find(const bitten_csv_scan_t *s, const char *symbol)
{
    for (size_t i = 0; i < s->n_syms; i++)
        if (strcmp(s->syms[i].name, symbol) == 0)
            return &s->syms[i];
    return NULL;
}

int bitten_csv_scan_add(bitten_csv_scan_t *s, const bitten_csv_row_t *row, uint64_t line)
{
    if (s->any && row->time < s->latest) {
        bitten_ms_t by = s->latest - row->time;
        if (!s->first_late) {
            s->first_late = line;
            s->first_late_by = by;
        }
        s->lateness = by > s->lateness ? by : s->lateness;
    }
    if (!s->any || row->time > s->latest)
        s->latest = row->time;
    s->any = true;
    if (!s->bars)
        return 0;
    s_symbol_t *sym = s_find(s, row->symbol);
    if (!sym) {
        if (bitten_replay_grow((void **)&s->syms, &s->cap_syms, s->n_syms + 1, sizeof *s->syms) !=
            0)
            return -1;
        sym = &s->syms[s->n_syms++];
        memset(sym, 0, sizeof *sym);
        strcpy(sym->name, row->symbol);
    }
    if (sym->prev && row->time > sym->prev &&
        s_count_gap(s, (size_t)(sym - s->syms) + 1, row->time - sym->prev) != 0)
        return -1;
    sym->prev = row->time;
    s->spaced = false;
    return 0;
}

bitten_ms_t bitten_csv_scan_lateness(const bitten_csv_scan_t *s)
{
    return s->lateness;
}

uint64_t bitten_csv_scan_first_late(const bitten_csv_scan_t *s, bitten_ms_t *by)
{
    if (by)
        *by = s->first_late_by;
    return s->first_late;
}

//  Each symbol's most frequent gap, ties to the shorter; computed once after the last add.
static void s_spacing(bitten_csv_scan_t *s)
{
    for (size_t i = 0; i < s->n_syms; i++) {
        s->syms[i].spacing = BITTEN_CSV_DEFAULT_BAR_MS;
        s->syms[i].spacing_count = 0;
    }
    for (size_t i = 0; i < s->cap_gaps; i++) {
        const s_gap_t *g = &s->gaps[i];
        if (!g->sym)
            continue;
        s_symbol_t *sym = &s->syms[g->sym - 1];
        if (g->count > sym->spacing_count ||
            (g->count == sym->spacing_count && g->gap < sym->spacing)) {
            sym->spacing_count = g->count;
            sym->spacing = g->gap;
        }
    }
    s->spaced = true;
}

bitten_ms_t bitten_csv_scan_spacing(bitten_csv_scan_t *s, const char *symbol)
{
    if (!s->spaced)
        s_spacing(s);
    const s_symbol_t *sym = s_find(s, symbol);
    return sym ? sym->spacing : BITTEN_CSV_DEFAULT_BAR_MS;
}

/* ================================================================ reorder queue */

typedef struct {
    bitten_ms_t ts;
    uint64_t seq;
} s_key_t;

struct bitten_csv_queue_t {
    size_t item_size, stride; /* stride: key + item, rounded up to 8 */
    unsigned char *heap;
    unsigned char *tmp;
    size_t n, cap, max;
    bitten_ms_t lateness, latest;
    bool any;
};

bitten_csv_queue_t *bitten_csv_queue_new(size_t item_size, bitten_ms_t lateness)
{
    bitten_csv_queue_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->item_size = item_size;
    q->stride = (sizeof(s_key_t) + item_size + 7) / 8 * 8;
    q->lateness = lateness > 0 ? lateness : 0;
    q->tmp = malloc(q->stride);
    if (!q->tmp) {
        free(q);
        return NULL;
    }
    return q;
}

void bitten_csv_queue_destroy(bitten_csv_queue_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->heap);
    free((*p)->tmp);
    free(*p);
    *p = NULL;
}

static unsigned char *s_at(const bitten_csv_queue_t *q, size_t i)
{
    return q->heap + i * q->stride;
}

static bool s_less(const bitten_csv_queue_t *q, size_t a, size_t b)
{
    s_key_t x, y;
    memcpy(&x, s_at(q, a), sizeof x);
    memcpy(&y, s_at(q, b), sizeof y);
    return x.ts != y.ts ? x.ts < y.ts : x.seq < y.seq;
}

static void s_swap(bitten_csv_queue_t *q, size_t a, size_t b)
{
    memcpy(q->tmp, s_at(q, a), q->stride);
    memcpy(s_at(q, a), s_at(q, b), q->stride);
    memcpy(s_at(q, b), q->tmp, q->stride);
}

int bitten_csv_queue_push(bitten_csv_queue_t *q, bitten_ms_t row_time, bitten_ms_t ts, uint64_t seq,
                          const void *item)
{
    if (bitten_replay_grow((void **)&q->heap, &q->cap, q->n + 1, q->stride) != 0)
        return -1;
    if (!q->any || row_time > q->latest)
        q->latest = row_time;
    q->any = true;
    s_key_t key = {ts, seq};
    memcpy(s_at(q, q->n), &key, sizeof key);
    memcpy(s_at(q, q->n) + sizeof key, item, q->item_size);
    for (size_t i = q->n++; i > 0 && s_less(q, i, (i - 1) / 2); i = (i - 1) / 2)
        s_swap(q, i, (i - 1) / 2);
    q->max = q->n > q->max ? q->n : q->max;
    return 0;
}

int bitten_csv_queue_pop(bitten_csv_queue_t *q, int at_end, void *out)
{
    if (q->n == 0)
        return 0;
    s_key_t top;
    memcpy(&top, s_at(q, 0), sizeof top);
    //  Every row still to come is at or after latest - lateness (no row is later than that
    //  behind an earlier one), and has a higher seq: an item up to that time can go.
    if (!at_end && top.ts > q->latest - q->lateness)
        return 0;
    memcpy(out, s_at(q, 0) + sizeof top, q->item_size);
    if (--q->n > 0) {
        memcpy(s_at(q, 0), s_at(q, q->n), q->stride);
        for (size_t i = 0;;) {
            size_t l = 2 * i + 1, r = l + 1, m = i;
            if (l < q->n && s_less(q, l, m))
                m = l;
            if (r < q->n && s_less(q, r, m))
                m = r;
            if (m == i)
                break;
            s_swap(q, i, m);
            i = m;
        }
    }
    return 1;
}

size_t bitten_csv_queue_count(const bitten_csv_queue_t *q)
{
    return q->n;
}

size_t bitten_csv_queue_max(const bitten_csv_queue_t *q)
{
    return q->max;
}
