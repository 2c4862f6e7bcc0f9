/*  record.c: outcome records as JSON (record.h). */
#include "modules/venom/record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

json_t *venom_json_num4(double x)
{
    return isfinite(x) ? json_real(round(x * 1e4) / 1e4) : json_null();
}

static json_t *s_pair(double lo, double hi)
{
    return (isfinite(lo) && isfinite(hi))
               ? json_pack("[o, o]", venom_json_num4(lo), venom_json_num4(hi))
               : json_null();
}

json_t *venom_rstats_json(const bitten_rstats_t *st)
{
    bitten_rsummary_t r;
    bitten_rstats_summary(st, VENOM_REPORT_EDGE_R, &r);
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)r.count,
                          "closed", (json_int_t)r.closed, "wins", (json_int_t)r.wins, "losses",
                          (json_int_t)r.losses, "timeouts", (json_int_t)r.timeouts, "open",
                          (json_int_t)r.open);
    json_object_set_new(o, "win_rate", venom_json_num4(r.win_rate));
    json_object_set_new(o, "win_rate_95", s_pair(r.win_lo, r.win_hi));
    json_object_set_new(o, "expectancy_r", venom_json_num4(r.expectancy));
    json_object_set_new(o, "expectancy_r_95", s_pair(r.exp_lo, r.exp_hi));
    json_object_set_new(o, "sd_r", venom_json_num4(r.sd));
    json_object_set_new(o, "avg_rr", venom_json_num4(r.avg_rr));
    json_object_set_new(o, "breakeven_win_rate", venom_json_num4(r.breakeven_win_rate));
    json_object_set_new(o, "open_mark_r", venom_json_num4(r.open_mean_r));
    json_object_set_new(o, "trades_for_0_1r_edge",
                        r.needed_for_edge ? json_integer((json_int_t)r.needed_for_edge)
                                          : json_null());
    return o;
}

void venom_record_add(venom_record_t *r, const venom_trade_t *t)
{
    if (t->kind == BITTEN_OUTCOME_OPEN || t->pattern < 0 || t->pattern >= VENOM_PATTERN_COUNT)
        return;
    bitten_rstats_add(&r->pattern[t->pattern], t->kind, t->r, t->rr);
}

double venom_slippage_pips(venom_direction_t d, double shadow_entry, double fill, double pip)
{
    if (!isfinite(shadow_entry) || !isfinite(fill) || !(pip > 0.0) || !isfinite(pip))
        return NAN;
    double diff = d == VENOM_BUY ? fill - shadow_entry : shadow_entry - fill;
    return diff / pip;
}

void venom_record_add_fill(venom_record_t *r, venom_pattern_t p, double slip_pips, double sl_pips)
{
    if (p < 0 || p >= VENOM_PATTERN_COUNT || !isfinite(slip_pips) || !(sl_pips > 0.0) ||
        !isfinite(sl_pips))
        return;
    venom_fills_t *f = &r->fills[p];
    f->n++;
    f->sum_pips += slip_pips;
    f->sum_pips2 += slip_pips * slip_pips;
    f->sum_r += slip_pips / sl_pips;
}

//  {"n", "slippage_pips_mean", "slippage_pips_95" (t interval, null under 2), "slippage_r_mean"}
static json_t *s_fills_json(const venom_fills_t *f)
{
    double n = (double)f->n, mean = f->n ? f->sum_pips / n : NAN;
    double lo = NAN, hi = NAN;
    if (f->n >= 2) {
        double var = (f->sum_pips2 - n * mean * mean) / (n - 1.0);
        double half = bitten_t975(f->n - 1) * sqrt(var > 0.0 ? var : 0.0) / sqrt(n);
        lo = mean - half;
        hi = mean + half;
    }
    json_t *o = json_pack("{s:I}", "n", (json_int_t)f->n);
    json_object_set_new(o, "slippage_pips_mean", venom_json_num4(mean));
    json_object_set_new(o, "slippage_pips_95", s_pair(lo, hi));
    json_object_set_new(o, "slippage_r_mean", venom_json_num4(f->n ? f->sum_r / n : NAN));
    return o;
}

json_t *venom_record_json(const venom_record_t *r)
{
    bitten_rstats_t all;
    memset(&all, 0, sizeof all);
    json_t *by = json_object();
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++) {
        bitten_rstats_merge(&all, &r->pattern[p]);
        json_object_set_new(by, venom_pattern_str((venom_pattern_t)p),
                            venom_rstats_json(&r->pattern[p]));
    }
    json_t *fills = json_object();
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++)
        json_object_set_new(fills, venom_pattern_str((venom_pattern_t)p),
                            s_fills_json(&r->fills[p]));
    return json_pack("{s:o, s:o, s:I, s:o, s:I}", "overall", venom_rstats_json(&all), "pattern",
                     by, "lost_open", (json_int_t)r->lost_open, "fills", fills,
                     "fills_unmatched", (json_int_t)r->fills_unmatched);
}

//  {"lost_open": n, "pattern": {NAME: [win, loss, timeout, open, sum_r, sum_r2, sum_rr,
//  open_sum_r]}, "fills": {NAME: [n, sum_pips, sum_pips2, sum_r]}, "fills_unmatched": n}
//  (fills absent: written before fills were tracked, read as none)
char *venom_record_dump(const venom_record_t *r)
{
    json_t *by = json_object();
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++) {
        const bitten_rstats_t *s = &r->pattern[p];
        json_object_set_new(
            by, venom_pattern_str((venom_pattern_t)p),
            json_pack("[I, I, I, I, f, f, f, f]", (json_int_t)s->n[BITTEN_OUTCOME_WIN],
                      (json_int_t)s->n[BITTEN_OUTCOME_LOSS], (json_int_t)s->n[BITTEN_OUTCOME_TIMEOUT],
                      (json_int_t)s->n[BITTEN_OUTCOME_OPEN], s->sum_r, s->sum_r2, s->sum_rr,
                      s->open_sum_r));
    }
    json_t *fills = json_object();
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++) {
        const venom_fills_t *f = &r->fills[p];
        if (f->n)
            json_object_set_new(fills, venom_pattern_str((venom_pattern_t)p),
                                json_pack("[I, f, f, f]", (json_int_t)f->n, f->sum_pips,
                                          f->sum_pips2, f->sum_r));
    }
    json_t *o = json_pack("{s:I, s:o, s:o, s:I}", "lost_open", (json_int_t)r->lost_open, "pattern",
                          by, "fills", fills, "fills_unmatched", (json_int_t)r->fills_unmatched);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(o);
    return text;
}

int venom_record_load(venom_record_t *r, const char *text)
{
    json_error_t err;
    json_t *o = text ? json_loads(text, 0, &err) : NULL;
    json_t *by = json_object_get(o, "pattern");
    venom_record_t next;
    memset(&next, 0, sizeof next);
    int rc = json_is_object(by) && json_is_integer(json_object_get(o, "lost_open")) ? 0 : -1;
    next.lost_open = (uint64_t)json_integer_value(json_object_get(o, "lost_open"));
    for (int p = 0; rc == 0 && p < VENOM_PATTERN_COUNT; p++) {
        json_t *a = json_object_get(by, venom_pattern_str((venom_pattern_t)p));
        if (!a)
            continue; /* a pattern added since: empty */
        if (json_array_size(a) != 8) {
            rc = -1;
            break;
        }
        bitten_rstats_t *s = &next.pattern[p];
        for (int k = 0; k < 4; k++) {
            json_int_t v = json_integer_value(json_array_get(a, (size_t)k));
            if (!json_is_integer(json_array_get(a, (size_t)k)) || v < 0)
                rc = -1;
            s->n[k] = (uint64_t)v;
        }
        double *sums[4] = {&s->sum_r, &s->sum_r2, &s->sum_rr, &s->open_sum_r};
        for (int k = 0; k < 4; k++) {
            json_t *v = json_array_get(a, (size_t)(4 + k));
            if (!json_is_number(v) || !isfinite(json_number_value(v)))
                rc = -1;
            *sums[k] = json_number_value(v);
        }
    }
    json_t *fills = json_object_get(o, "fills"), *unmatched = json_object_get(o, "fills_unmatched");
    if (rc == 0 && ((fills && !json_is_object(fills)) ||
                    (unmatched && (!json_is_integer(unmatched) || json_integer_value(unmatched) < 0))))
        rc = -1;
    next.fills_unmatched = unmatched ? (uint64_t)json_integer_value(unmatched) : 0;
    for (int p = 0; rc == 0 && fills && p < VENOM_PATTERN_COUNT; p++) {
        json_t *a = json_object_get(fills, venom_pattern_str((venom_pattern_t)p));
        if (!a)
            continue;
        json_t *n = json_array_get(a, 0);
        if (json_array_size(a) != 4 || !json_is_integer(n) || json_integer_value(n) < 0) {
            rc = -1;
            break;
        }
        venom_fills_t *f = &next.fills[p];
        f->n = (uint64_t)json_integer_value(n);
        double *sums[3] = {&f->sum_pips, &f->sum_pips2, &f->sum_r};
        for (int k = 0; k < 3; k++) {
            json_t *v = json_array_get(a, (size_t)(1 + k));
            if (!json_is_number(v) || !isfinite(json_number_value(v)))
                rc = -1;
            *sums[k] = json_number_value(v);
        }
    }
    json_decref(o);
    if (rc == 0)
        *r = next;
    return rc;
}
