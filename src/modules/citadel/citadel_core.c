/*  citadel_core.c: CITADEL's shield score, labels, always-block rules and adaptive threshold
 *  (modules.md, "CITADEL — shield") as pure functions over plain values and VENOM's context. */
#include "modules/citadel/citadel_core.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* calendar facts, not policy */
#define S_MS_PER_S 1000LL
#define S_MS_PER_MIN 60000LL
#define S_MIN_PER_HOUR 60LL
#define S_MIN_PER_DAY 1440LL
#define S_HOURS_PER_DAY 24
#define S_DAYS_PER_WEEK 7LL
#define S_EPOCH_WDAY 4LL /* 1970-01-01 was a Thursday (0 = Sunday) */

/* ================================================================ parameters */

static int s_bad(char *err, size_t errlen, const char *what)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "citadel: invalid %s", what);
    return -1;
}

static bool s_hour_ok(int h)
{
    return h >= 0 && h < S_HOURS_PER_DAY;
}

static bool s_wday_ok(int d)
{
    return d >= 0 && d < S_DAYS_PER_WEEK;
}

int citadel_params_validate(const citadel_params_t *p, char *err, size_t errlen)
{
    if (!p)
        return s_bad(err, errlen, "params (NULL)");
    if (!(p->score_min < p->score_max))
        return s_bad(err, errlen, "score_min / score_max (need min < max)");
    if (!(p->base_score >= p->score_min && p->base_score <= p->score_max))
        return s_bad(err, errlen, "base_score (outside score_min..score_max)");
    if (!(p->rr_divisor > 0) || !(p->rr_cap >= 0))
        return s_bad(err, errlen, "rr_divisor / rr_cap");
    if (p->sweep_m1_bars < 0 || p->atr_percentile_bars < 1 || p->spread_median_ticks < 1)
        return s_bad(err, errlen, "sweep_m1_bars / atr_percentile_bars / spread_median_ticks");
    if (!(p->trap_distance_pips >= 0) || !(p->pip_epsilon >= 0))
        return s_bad(err, errlen, "trap_distance_pips / pip_epsilon");
    if (!(p->atr_low_percentile <= p->atr_high_percentile))
        return s_bad(err, errlen, "atr_low_percentile / atr_high_percentile (need low <= high)");
    if (!s_hour_ok(p->overlap_start_hour) || !s_hour_ok(p->overlap_end_hour) ||
        !s_hour_ok(p->asian_start_hour) || !s_hour_ok(p->asian_end_hour) ||
        !s_hour_ok(p->weekend_start_hour) || !s_hour_ok(p->weekend_end_hour))
        return s_bad(err, errlen, "hour (need 0..23)");
    if (!s_wday_ok(p->weekend_start_wday) || !s_wday_ok(p->weekend_end_wday))
        return s_bad(err, errlen, "weekend wday (need 0..6, 0 = Sunday)");
    if (!(p->spread_penalty_ratio > 0) || !(p->spread_block_ratio > 0))
        return s_bad(err, errlen, "spread_penalty_ratio / spread_block_ratio");
    if (!(p->approved_min > p->active_min && p->active_min > p->volatility_zone_min))
        return s_bad(err, errlen, "label minimums (need approved > active > volatility_zone)");
    if (!(p->approved_multiplier >= 0) || !(p->active_multiplier >= 0) ||
        !(p->volatility_zone_multiplier >= 0))
        return s_bad(err, errlen, "label multiplier (need >= 0)");
    if (!(p->stale_after_s >= 0))
        return s_bad(err, errlen, "stale_after_s");
    if (!(p->relax1_after_min > 0 && p->relax1_after_min < p->relax2_after_min &&
          p->relax2_after_min < p->relax3_after_min && p->relax3_after_min < p->reset_after_min))
        return s_bad(err, errlen,
                     "relax*_after_min / reset_after_min (need 0 < r1 < r2 < r3 < reset)");
    if (!isfinite(p->threshold_base) || !isfinite(p->relax1_threshold) ||
        !isfinite(p->relax2_threshold) || !isfinite(p->relax3_threshold) ||
        !isfinite(p->tighten_add))
        return s_bad(err, errlen, "threshold (not finite)");
    if (p->evidence_min_trades < 0 || !isfinite(p->evidence_min_lower_r))
        return s_bad(err, errlen, "evidence_min_trades / evidence_min_lower_r");
    if (!(p->tighten_window_min > 0) || p->tighten_min_passes < 1 ||
        p->tighten_min_passes > CITADEL_PASS_RING)
        return s_bad(err, errlen,
                     "tighten_window_min / tighten_min_passes (need 1..CITADEL_PASS_RING)");
    return 0;
}

int citadel_params_check_windows(const citadel_params_t *p, const venom_context_windows_t *w,
                                 char *err, size_t errlen)
{
    if (!p || !w)
        return s_bad(err, errlen, "params (NULL)");
    if (p->sweep_m1_bars != w->sweep_m1_bars)
        return s_bad(err, errlen, "sweep_m1_bars (differs from venom.sweep_m1_bars)");
    if (p->atr_percentile_bars != w->atr_percentile_bars)
        return s_bad(err, errlen, "atr_percentile_bars (differs from venom.atr_percentile_bars)");
    if (p->spread_median_ticks != w->spread_ring)
        return s_bad(err, errlen, "spread_median_ticks (differs from venom.spread_ring)");
    return 0;
}

/* ================================================================ market time */

/*  Minutes since the epoch, floored (also for negative times). */
static long long s_minutes(bitten_ms_t t)
{
    long long m = (long long)(t / S_MS_PER_MIN);
    if (t < 0 && t % S_MS_PER_MIN)
        m--;
    return m;
}

static long long s_minute_of_day(bitten_ms_t t)
{
    long long r = s_minutes(t) % S_MIN_PER_DAY;
    return r < 0 ? r + S_MIN_PER_DAY : r;
}

/*  Minute of the week from Sunday 00:00 UTC. */
static long long s_minute_of_week(bitten_ms_t t)
{
    long long m = s_minutes(t);
    long long days = m / S_MIN_PER_DAY - (m % S_MIN_PER_DAY < 0 ? 1 : 0);
    long long wday = ((days + S_EPOCH_WDAY) % S_DAYS_PER_WEEK + S_DAYS_PER_WEEK) % S_DAYS_PER_WEEK;
    return wday * S_MIN_PER_DAY + s_minute_of_day(t);
}

/*  start <= x < end, wrapping when start > end (an empty window when they are equal). */
static bool s_in_window(long long x, long long start, long long end)
{
    if (start <= end)
        return x >= start && x < end;
    return x >= start || x < end;
}

/* ================================================================ score terms */

static double s_clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

double citadel_rr_component(double rr, const citadel_params_t *p)
{
    if (!(rr > 0))
        return 0.0;
    double v = rr / p->rr_divisor;
    return v < p->rr_cap ? v : p->rr_cap;
}

double citadel_trend_component(venom_direction_t d, double ema21_slope_pips,
                               double price_vs_ema50_pips, double agree, double disagree)
{
    bool up = ema21_slope_pips > 0 && price_vs_ema50_pips > 0;
    bool down = ema21_slope_pips < 0 && price_vs_ema50_pips < 0;
    if (!up && !down)
        return 0.0;
    bool with = d == VENOM_BUY ? up : down;
    return with ? agree : disagree;
}

static bool s_sweep_in_favour(venom_direction_t d, bool sweep_for_buy, bool sweep_for_sell)
{
    return d == VENOM_BUY ? sweep_for_buy : sweep_for_sell;
}

double citadel_sweep_component(venom_direction_t d, bool sweep_for_buy, bool sweep_for_sell,
                               const citadel_params_t *p)
{
    return s_sweep_in_favour(d, sweep_for_buy, sweep_for_sell) ? p->sweep_bonus : 0.0;
}

/*  True when some level lies ahead of entry by 0..max pips (sign: +1 above, -1 below). */
static bool s_level_near(const double *levels, size_t n, double entry, double pip, double sign,
                         const citadel_params_t *p)
{
    for (size_t i = 0; i < n; i++) {
        double ahead = sign * (levels[i] - entry) / pip;
        if (ahead >= -p->pip_epsilon && ahead <= p->trap_distance_pips + p->pip_epsilon)
            return true;
    }
    return false;
}

double citadel_trap_component(venom_direction_t d, double entry, double pip,
                              const venom_swings_t *swings, bool sweep_in_favour,
                              const citadel_params_t *p)
{
    if (sweep_in_favour || !swings || !(pip > 0) || !isfinite(entry))
        return 0.0;
    size_t nh = swings->n_highs < VENOM_SWINGS_MAX ? swings->n_highs : VENOM_SWINGS_MAX;
    size_t nl = swings->n_lows < VENOM_SWINGS_MAX ? swings->n_lows : VENOM_SWINGS_MAX;
    bool trapped = d == VENOM_BUY ? s_level_near(swings->highs, nh, entry, pip, 1.0, p)
                                  : s_level_near(swings->lows, nl, entry, pip, -1.0, p);
    return trapped ? p->trap_penalty : 0.0;
}

double citadel_volatility_component(double atr_percentile, const citadel_params_t *p)
{
    if (atr_percentile > p->atr_high_percentile)
        return p->atr_high_penalty;
    if (atr_percentile < p->atr_low_percentile)
        return p->atr_low_penalty;
    return 0.0;
}

double citadel_session_component(bitten_ms_t t, const citadel_params_t *p)
{
    long long m = s_minute_of_day(t);
    if (s_in_window(m, p->overlap_start_hour * S_MIN_PER_HOUR,
                    p->overlap_end_hour * S_MIN_PER_HOUR))
        return p->overlap_bonus;
    if (s_in_window(m, p->asian_start_hour * S_MIN_PER_HOUR, p->asian_end_hour * S_MIN_PER_HOUR))
        return p->asian_penalty;
    return 0.0;
}

/*  spread > ratio x median; unknown (NAN or negative) counts as too wide. */
static bool s_spread_above(double spread, double median, double ratio, double eps)
{
    if (!(spread >= 0) || !(median >= 0))
        return true;
    return spread > ratio * median + eps;
}

double citadel_spread_penalty(double spread_pips, double median_pips, const citadel_params_t *p)
{
    return s_spread_above(spread_pips, median_pips, p->spread_penalty_ratio, p->pip_epsilon)
               ? p->spread_penalty
               : 0.0;
}

/* ================================================================ always-block rules */

bool citadel_spread_blocks(double spread_pips, double median_pips, const citadel_params_t *p)
{
    return s_spread_above(spread_pips, median_pips, p->spread_block_ratio, p->pip_epsilon);
}

bool citadel_is_weekend(bitten_ms_t t, const citadel_params_t *p)
{
    long long start =
        p->weekend_start_wday * S_MIN_PER_DAY + p->weekend_start_hour * S_MIN_PER_HOUR;
    long long end = p->weekend_end_wday * S_MIN_PER_DAY + p->weekend_end_hour * S_MIN_PER_HOUR;
    return s_in_window(s_minute_of_week(t), start, end);
}

bool citadel_is_stale(bitten_ms_t now, bitten_ms_t last_tick_at, const citadel_params_t *p)
{
    if (last_tick_at <= 0)
        return true;
    return (double)(now - last_tick_at) > p->stale_after_s * (double)S_MS_PER_S;
}

/* ================================================================ labels */

static const char *const s_label_names[CITADEL_LABEL_COUNT] = {"SHIELD_APPROVED", "SHIELD_ACTIVE",
                                                               "VOLATILITY_ZONE", "UNVERIFIED"};

const char *citadel_label_str(citadel_label_t l)
{
    return (l >= 0 && l < CITADEL_LABEL_COUNT) ? s_label_names[l] : "?";
}

citadel_label_t citadel_label(double score, const citadel_params_t *p, double *multiplier)
{
    citadel_label_t l = CITADEL_UNVERIFIED;
    double m = 0.0;
    if (score >= p->approved_min) {
        l = CITADEL_SHIELD_APPROVED;
        m = p->approved_multiplier;
    } else if (score >= p->active_min) {
        l = CITADEL_SHIELD_ACTIVE;
        m = p->active_multiplier;
    } else if (score >= p->volatility_zone_min) {
        l = CITADEL_VOLATILITY_ZONE;
        m = p->volatility_zone_multiplier;
    }
    if (multiplier)
        *multiplier = m;
    return l;
}

/* ================================================================ adaptive threshold */

static const char *const s_tier_names[CITADEL_TIER_COUNT] = {"BASE_70", "RELAX_67_5", "RELAX_65",
                                                             "RELAX_62_5", "RESET_70"};

const char *citadel_tier_str(citadel_tier_t t)
{
    return (t >= 0 && t < CITADEL_TIER_COUNT) ? s_tier_names[t] : "?";
}

void citadel_threshold_init(citadel_threshold_t *t)
{
    memset(t, 0, sizeof *t);
}

void citadel_threshold_observe(citadel_threshold_t *t, bitten_ms_t now)
{
    if (!t->has_first) {
        t->has_first = true;
        t->first_seen_at = now;
    }
}

static bool s_at_least_min(bitten_ms_t elapsed, double minutes)
{
    return (double)elapsed >= minutes * (double)S_MS_PER_MIN;
}

citadel_tier_t citadel_threshold_tier(const citadel_threshold_t *t, bitten_ms_t now,
                                      const citadel_params_t *p)
{
    bitten_ms_t anchor;
    if (t->has_pass)
        anchor = t->last_pass_at;
    else if (t->has_first)
        anchor = t->first_seen_at;
    else
        return CITADEL_TIER_BASE;
    bitten_ms_t elapsed = now - anchor;
    if (s_at_least_min(elapsed, p->reset_after_min))
        return CITADEL_TIER_RESET;
    if (s_at_least_min(elapsed, p->relax3_after_min))
        return CITADEL_TIER_RELAX3;
    if (s_at_least_min(elapsed, p->relax2_after_min))
        return CITADEL_TIER_RELAX2;
    if (s_at_least_min(elapsed, p->relax1_after_min))
        return CITADEL_TIER_RELAX1;
    return CITADEL_TIER_BASE;
}

size_t citadel_threshold_recent_passes(const citadel_threshold_t *t, bitten_ms_t now,
                                       const citadel_params_t *p)
{
    double window = p->tighten_window_min * (double)S_MS_PER_MIN;
    size_t n = 0;
    for (size_t i = 0; i < t->n_passes && i < CITADEL_PASS_RING; i++)
        if ((double)(now - t->passes[i]) < window)
            n++;
    return n;
}

bool citadel_threshold_tightened(const citadel_threshold_t *t, bitten_ms_t now,
                                 const citadel_params_t *p)
{
    return citadel_threshold_recent_passes(t, now, p) >= (size_t)p->tighten_min_passes;
}

double citadel_threshold_at(const citadel_threshold_t *t, bitten_ms_t now,
                            const citadel_params_t *p)
{
    double v = p->threshold_base;
    switch (citadel_threshold_tier(t, now, p)) {
    case CITADEL_TIER_RELAX1:
        v = p->relax1_threshold;
        break;
    case CITADEL_TIER_RELAX2:
        v = p->relax2_threshold;
        break;
    case CITADEL_TIER_RELAX3:
        v = p->relax3_threshold;
        break;
    default:
        break;
    }
    if (citadel_threshold_tightened(t, now, p))
        v += p->tighten_add;
    return v;
}

void citadel_threshold_record_pass(citadel_threshold_t *t, bitten_ms_t now)
{
    if (t->n_passes >= CITADEL_PASS_RING) {
        memmove(t->passes, t->passes + 1, (CITADEL_PASS_RING - 1) * sizeof t->passes[0]);
        t->n_passes = CITADEL_PASS_RING - 1;
    }
    t->passes[t->n_passes++] = now;
    t->has_pass = true;
    t->last_pass_at = now;
}

/*  Appends str, or the time when has (else "-"), to buf at *len; false when it does not fit. */
static bool s_put(char *buf, size_t size, size_t *len, const char *str)
{
    int w = snprintf(buf + *len, size - *len, "%s", str);
    if (w < 0 || (size_t)w >= size - *len)
        return false;
    *len += (size_t)w;
    return true;
}

static bool s_put_ms(char *buf, size_t size, size_t *len, bool has, bitten_ms_t ms)
{
    char tmp[32];
    if (!has)
        return s_put(buf, size, len, "-");
    snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)ms);
    return s_put(buf, size, len, tmp);
}

int citadel_threshold_serialize(const citadel_threshold_t *t, char *buf, size_t size)
{
    if (!t || !buf || size == 0)
        return -1;
    size_t len = 0;
    bool ok = s_put(buf, size, &len, "v1 first=") &&
              s_put_ms(buf, size, &len, t->has_first, t->first_seen_at) &&
              s_put(buf, size, &len, " last=") &&
              s_put_ms(buf, size, &len, t->has_pass, t->last_pass_at) &&
              s_put(buf, size, &len, " passes=");
    for (size_t i = 0; ok && i < t->n_passes && i < CITADEL_PASS_RING; i++)
        ok = (i == 0 || s_put(buf, size, &len, ",")) &&
             s_put_ms(buf, size, &len, true, t->passes[i]);
    if (!ok) {
        buf[0] = '\0';
        return -1;
    }
    return (int)len;
}

/*  Parses a decimal integer at *s, moving *s past it. */
static bool s_parse_ms(const char **s, bitten_ms_t *out)
{
    if (!((**s >= '0' && **s <= '9') || **s == '-'))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(*s, &end, 10);
    if (end == *s || errno)
        return false;
    *out = (bitten_ms_t)v;
    *s = end;
    return true;
}

/*  "<ms>" or "-" (absent) at *s. */
static bool s_parse_opt_ms(const char **s, bool *has, bitten_ms_t *out)
{
    if (**s == '-' && ((*s)[1] == ' ' || (*s)[1] == '\0')) {
        *has = false;
        *out = 0;
        (*s)++;
        return true;
    }
    *has = true;
    return s_parse_ms(s, out);
}

static bool s_expect(const char **s, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(*s, word, n) != 0)
        return false;
    *s += n;
    return true;
}

int citadel_threshold_deserialize(citadel_threshold_t *t, const char *text)
{
    if (!t || !text)
        return -1;
    citadel_threshold_t v;
    citadel_threshold_init(&v);
    const char *s = text;
    if (!s_expect(&s, "v1 first=") || !s_parse_opt_ms(&s, &v.has_first, &v.first_seen_at) ||
        !s_expect(&s, " last=") || !s_parse_opt_ms(&s, &v.has_pass, &v.last_pass_at) ||
        !s_expect(&s, " passes="))
        return -1;
    while (*s) {
        if (v.n_passes >= CITADEL_PASS_RING)
            return -1;
        if (v.n_passes > 0 && !s_expect(&s, ","))
            return -1;
        if (!s_parse_ms(&s, &v.passes[v.n_passes]))
            return -1;
        v.n_passes++;
    }
    if (v.n_passes > 0 && !v.has_pass)
        return -1; /* passes without a last pass: not something serialize writes */
    *t = v;
    return 0;
}

/* ================================================================ verdict */

/*  The wider of two spreads; NAN only when both are unknown. */
static double s_wider(double a, double b)
{
    if (!isfinite(a))
        return b;
    if (!isfinite(b))
        return a;
    return a > b ? a : b;
}

static void s_add_reason(citadel_verdict_t *v, bitten_reason_t r)
{
    if (v->n_reasons < CITADEL_REASONS_MAX)
        v->reasons[v->n_reasons++] = r;
}

bitten_reason_t citadel_evidence_check(const citadel_params_t *p, const bitten_rstats_t *record,
                                       citadel_evidence_t *out)
{
    bitten_rstats_t empty;
    memset(&empty, 0, sizeof empty);
    bitten_rsummary_t sum;
    bitten_rstats_summary(record ? record : &empty, 0.0, &sum);
    citadel_evidence_t e = {BITTEN_R_OK, sum.closed, sum.expectancy, sum.exp_lo, sum.exp_hi};
    uint64_t need = p->evidence_min_trades > 2 ? (uint64_t)p->evidence_min_trades : 2;
    if (sum.closed < need)
        e.gate = BITTEN_R_EVIDENCE_INSUFFICIENT;
    else if (!(sum.exp_lo > p->evidence_min_lower_r))
        e.gate = BITTEN_R_NEGATIVE_EXPECTANCY;
    if (!p->evidence_gate)
        e.gate = BITTEN_R_OK;
    if (out)
        *out = e;
    return e.gate;
}

int citadel_evaluate(const citadel_params_t *p, citadel_threshold_t *thr, const venom_signal_t *sig,
                     const venom_context_t *ctx, citadel_verdict_t *out)
{
    return citadel_evaluate_gated(p, thr, sig, ctx, NULL, out);
}

int citadel_evaluate_gated(const citadel_params_t *p, citadel_threshold_t *thr,
                           const venom_signal_t *sig, const venom_context_t *ctx,
                           const bitten_rstats_t *record, citadel_verdict_t *out)
{
    if (!p || !thr || !sig || !ctx || !out || !ctx->symbol || !(ctx->symbol->pip > 0) ||
        strcmp(sig->symbol, ctx->symbol->name) != 0 ||
        citadel_params_check_windows(p, &ctx->windows, NULL, 0) != 0)
        return -1;
    citadel_verdict_t v;
    memset(&v, 0, sizeof v);
    venom_direction_t d = sig->direction;
    bitten_ms_t now = sig->created_at > ctx->newest_tick_at ? sig->created_at : ctx->newest_tick_at;
    v.evaluated_at = now;

    citadel_breakdown_t *b = &v.terms;
    bool in_favour = s_sweep_in_favour(d, ctx->sweep_for_buy, ctx->sweep_for_sell);
    b->rr = citadel_rr_component(sig->rr, p);
    b->m5_trend =
        citadel_trend_component(d, ctx->m5_ema_mid_slope_pips, ctx->m5_price_vs_ema_slow_pips,
                                p->m5_trend_agree, p->m5_trend_disagree);
    b->m15_trend =
        citadel_trend_component(d, ctx->m15_ema_mid_slope_pips, ctx->m15_price_vs_ema_slow_pips,
                                p->m15_trend_agree, p->m15_trend_disagree);
    b->sweep = citadel_sweep_component(d, ctx->sweep_for_buy, ctx->sweep_for_sell, p);
    b->trap = citadel_trap_component(d, sig->entry, ctx->symbol->pip, &ctx->swings, in_favour, p);
    b->volatility = citadel_volatility_component(ctx->atr_percentile, p);
    b->session = citadel_session_component(now, p);
    b->components_score = s_clamp(p->base_score + b->rr + b->m5_trend + b->m15_trend + b->sweep +
                                      b->trap + b->volatility + b->session,
                                  p->score_min, p->score_max);
    double spread = s_wider(sig->spread_pips, ctx->last_spread_pips);
    b->spread = citadel_spread_penalty(spread, ctx->median_spread_pips, p);
    v.score = s_clamp(b->components_score + b->spread, p->score_min, p->score_max);
    v.label = citadel_label(v.score, p, &v.multiplier);
    v.label_str = citadel_label_str(v.label);

    if (citadel_spread_blocks(spread, ctx->median_spread_pips, p))
        s_add_reason(&v, BITTEN_R_SPREAD_TOO_WIDE);
    if (citadel_is_weekend(now, p))
        s_add_reason(&v, BITTEN_R_MARKET_CLOSED);
    if (citadel_is_stale(now, ctx->last_tick_at, p))
        s_add_reason(&v, BITTEN_R_STALE_MARKET);
    if (v.label == CITADEL_UNVERIFIED)
        s_add_reason(&v, BITTEN_R_UNVERIFIED);

    citadel_threshold_observe(thr, now);
    v.confidence = sig->confidence;
    v.threshold = citadel_threshold_at(thr, now, p);
    v.tier = citadel_threshold_tier(thr, now, p);
    v.tier_str = citadel_tier_str(v.tier);
    v.tightened = citadel_threshold_tightened(thr, now, p);
    if (!(sig->confidence >= v.threshold))
        s_add_reason(&v, BITTEN_R_CONFIDENCE_BELOW_THRESHOLD);
    if (record) {
        v.evidence_checked = true;
        bitten_reason_t gate = citadel_evidence_check(p, record, &v.evidence);
        if (gate != BITTEN_R_OK)
            s_add_reason(&v, gate);
    }

    v.passed = v.n_reasons == 0;
    if (v.passed)
        citadel_threshold_record_pass(thr, now);
    *out = v;
    return 0;
}
