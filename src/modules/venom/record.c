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
    return json_pack("{s:o, s:o, s:I}", "overall", venom_rstats_json(&all), "pattern", by,
                     "lost_open", (json_int_t)r->lost_open);
}

//  {"lost_open": n, "pattern": {NAME: [win, loss, timeout, open, sum_r, sum_r2, sum_rr, open_sum_r]}}
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
    json_t *o = json_pack("{s:I, s:o}", "lost_open", (json_int_t)r->lost_open, "pattern", by);
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
    json_decref(o);
    if (rc == 0)
        *r = next;
    return rc;
}
