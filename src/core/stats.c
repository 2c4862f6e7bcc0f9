/*  stats.c: Wilson interval, Student-t quantile, and the outcome accumulator (stats.h). */
#include "bitten/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bitten_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double denom = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / denom;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
}

//  t(0.975, df) for df = 1..30 (standard tables).
static const double s_t975[30] = {
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};

double bitten_t975(uint64_t df)
{
    if (df == 0)
        return NAN;
    if (df <= 30)
        return s_t975[df - 1];
    double z = BITTEN_Z95, v = (double)df;
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
    return z + (z3 + z) / (4.0 * v) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v) +
           (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v) +
           (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) /
               (92160.0 * v * v * v * v);
}

const char *bitten_outcome_str(bitten_outcome_kind_t k)
{
    static const char *const names[BITTEN_OUTCOME_COUNT] = {"WIN", "LOSS", "TIMEOUT", "OPEN"};
    return (k >= 0 && k < BITTEN_OUTCOME_COUNT) ? names[k] : "?";
}

void bitten_rstats_add(bitten_rstats_t *s, bitten_outcome_kind_t kind, double r, double rr)
{
    if (kind < 0 || kind >= BITTEN_OUTCOME_COUNT || !isfinite(r))
        return;
    s->n[kind]++;
    if (kind == BITTEN_OUTCOME_OPEN) {
        s->open_sum_r += r;
        return;
    }
    s->sum_r += r;
    s->sum_r2 += r * r;
    s->sum_rr += isfinite(rr) ? rr : 0.0;
}

void bitten_rstats_merge(bitten_rstats_t *a, const bitten_rstats_t *b)
{
    for (int k = 0; k < BITTEN_OUTCOME_COUNT; k++)
        a->n[k] += b->n[k];
    a->sum_r += b->sum_r;
    a->sum_r2 += b->sum_r2;
    a->sum_rr += b->sum_rr;
    a->open_sum_r += b->open_sum_r;
}

void bitten_rstats_summary(const bitten_rstats_t *s, double edge, bitten_rsummary_t *out)
{
    memset(out, 0, sizeof *out);
    out->wins = s->n[BITTEN_OUTCOME_WIN];
    out->losses = s->n[BITTEN_OUTCOME_LOSS];
    out->timeouts = s->n[BITTEN_OUTCOME_TIMEOUT];
    out->open = s->n[BITTEN_OUTCOME_OPEN];
    out->closed = out->wins + out->losses + out->timeouts;
    out->count = out->closed + out->open;
    out->win_rate = out->win_lo = out->win_hi = NAN;
    out->expectancy = out->exp_lo = out->exp_hi = out->sd = NAN;
    out->avg_rr = out->breakeven_win_rate = NAN;
    out->open_mean_r = out->open ? s->open_sum_r / (double)out->open : NAN;
    if (out->closed == 0)
        return;
    double n = (double)out->closed;
    out->win_rate = (double)out->wins / n;
    bitten_wilson(out->wins, out->closed, BITTEN_Z95, &out->win_lo, &out->win_hi);
    out->expectancy = s->sum_r / n;
    out->avg_rr = s->sum_rr / n;
    out->breakeven_win_rate = 1.0 / (1.0 + out->avg_rr);
    if (out->closed < 2)
        return;
    double var = (s->sum_r2 - n * out->expectancy * out->expectancy) / (n - 1.0);
    out->sd = sqrt(var > 0.0 ? var : 0.0);
    double half = bitten_t975(out->closed - 1) * out->sd / sqrt(n);
    out->exp_lo = out->expectancy - half;
    out->exp_hi = out->expectancy + half;
    //  Sized at no less than the sd of a break-even WIN/LOSS record at this R:R (sqrt(rr)),
    //  so a short run of identical outcomes does not claim that a handful of trades suffice.
    double sd = fmax(out->sd, sqrt(fmax(out->avg_rr, 0.0)));
    if (sd > 0.0 && edge > 0.0)
        out->needed_for_edge = (uint64_t)ceil(pow((BITTEN_Z95 + BITTEN_Z80_POWER) * sd / edge, 2.0));
}

int bitten_rstats_from_figures(bitten_rstats_t *out, uint64_t wins, uint64_t losses,
                               uint64_t timeouts, double expectancy, double sd, double avg_rr)
{
    const uint64_t max_n = (uint64_t)1 << 52; /* counts a double holds exactly */
    if (!out || wins > max_n || losses > max_n || timeouts > max_n)
        return -1;
    uint64_t closed = wins + losses + timeouts;
    double n = (double)closed;
    if (closed > 0 && (!isfinite(expectancy) || !isfinite(avg_rr)))
        return -1;
    if (closed > 1 && !(isfinite(sd) && sd >= 0.0))
        return -1;
    bitten_rstats_t s;
    memset(&s, 0, sizeof s);
    s.n[BITTEN_OUTCOME_WIN] = wins;
    s.n[BITTEN_OUTCOME_LOSS] = losses;
    s.n[BITTEN_OUTCOME_TIMEOUT] = timeouts;
    if (closed > 0) {
        s.sum_r = expectancy * n;
        s.sum_r2 = n * expectancy * expectancy + (closed > 1 ? sd * sd * (n - 1.0) : 0.0);
        s.sum_rr = avg_rr * n;
    }
    *out = s;
    return 0;
}

bitten_rstats_t *bitten_rtable_get(bitten_rtable_t *t, const char *key)
{
    if (!key || strlen(key) > BITTEN_RKEY_MAX)
        return NULL;
    size_t lo = 0, hi = t->count;
    while (lo < hi) { /* first item >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->items[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->count && strcmp(t->items[lo].key, key) == 0)
        return &t->items[lo].s;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        bitten_rgroup_t *p = realloc(t->items, cap * sizeof *p);
        if (!p)
            return NULL;
        t->items = p;
        t->cap = cap;
    }
    memmove(t->items + lo + 1, t->items + lo, (t->count - lo) * sizeof *t->items);
    memset(&t->items[lo], 0, sizeof t->items[lo]);
    strcpy(t->items[lo].key, key);
    t->count++;
    return &t->items[lo].s;
}

void bitten_rtable_free(bitten_rtable_t *t)
{
    free(t->items);
    memset(t, 0, sizeof *t);
}
