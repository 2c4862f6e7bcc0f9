/*  engine.c: VENOM's per-symbol evaluation (venom.md "When it looks", stops, identity, rate
 *  control), its parameter checks and the market context that travels with a signal. Pure. */
#include "modules/venom/venom_core.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MS_PER_S 1000
#define S_MS_PER_DAY 86400000LL
#define S_SPREAD_RING_MAX 1000 /* the context sorts a copy of the spread ring on the stack */

/* ================================================================ words */

const char *venom_direction_str(venom_direction_t d)
{
    return d == VENOM_BUY ? "BUY" : d == VENOM_SELL ? "SELL" : "?";
}

const char *venom_class_str(venom_class_t c)
{
    return c == VENOM_RAPID_ASSAULT      ? "RAPID_ASSAULT"
           : c == VENOM_PRECISION_STRIKE ? "PRECISION_STRIKE"
                                         : "?";
}

static const char *const s_pattern_names[VENOM_PATTERN_COUNT] = {
    "LIQUIDITY_SWEEP_REVERSAL", "FAIR_VALUE_GAP_FILL", "ORDER_BLOCK_BOUNCE", "BB_SCALP",
    "MOMENTUM_BURST",           "EMA_RSI_SCALP"};

const char *venom_pattern_str(venom_pattern_t p)
{
    return (p >= 0 && p < VENOM_PATTERN_COUNT) ? s_pattern_names[p] : "?";
}

venom_class_t venom_pattern_class(venom_pattern_t p)
{
    return (p == VENOM_LIQUIDITY_SWEEP_REVERSAL || p == VENOM_FAIR_VALUE_GAP_FILL ||
            p == VENOM_ORDER_BLOCK_BOUNCE)
               ? VENOM_PRECISION_STRIKE
               : VENOM_RAPID_ASSAULT;
}

static const char *const s_session_names[VENOM_SESSION_COUNT] = {"ASIAN", "LONDON", "OVERLAP",
                                                                 "NEWYORK", "LATE"};

const char *venom_session_str(venom_session_t s)
{
    return (s >= 0 && s < VENOM_SESSION_COUNT) ? s_session_names[s] : "?";
}

const char *venom_skip_str(venom_skip_t s)
{
    switch (s) {
    case VENOM_SKIP_NONE:
        return "NONE";
    case VENOM_SKIP_FEW_CANDLES:
        return "FEW_CANDLES";
    case VENOM_SKIP_WEEKEND:
        return "WEEKEND";
    case VENOM_SKIP_STALE:
        return "STALE";
    case VENOM_SKIP_COUNT:
        break;
    }
    return "?";
}

const char *venom_rate_verdict_str(venom_rate_verdict_t v)
{
    switch (v) {
    case VENOM_RATE_OK:
        return "OK";
    case VENOM_RATE_COOLDOWN:
        return "COOLDOWN";
    case VENOM_RATE_WINDOW_CAP:
        return "WINDOW_CAP";
    case VENOM_RATE_DAILY_CAP:
        return "DAILY_CAP";
    case VENOM_RATE_SYMBOL_DAY_CAP:
        return "SYMBOL_DAY_CAP";
    case VENOM_RATE_SESSION_CAP:
        return "SESSION_CAP";
    case VENOM_RATE_COUNT:
        break;
    }
    return "?";
}

/* ================================================================ parameters */

static int s_bad(char *err, size_t errlen, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "venom.%s out of range", what);
    return -1;
}

int venom_params_validate(const venom_params_t *p, char *err, size_t errlen)
{
    if (!p)
        return s_bad(err, errlen, "params");
    if (p->signal_ttl_s < 1)
        return s_bad(err, errlen, "signal_ttl_s");
    if (p->min_m5_candles < 1 || p->min_m5_candles > p->ring_m5 + 1)
        return s_bad(err, errlen, "min_m5_candles (1 .. ring_m5 + 1)");
    if (p->stale_after_s < 0)
        return s_bad(err, errlen, "stale_after_s");
    if (p->weekend_start_wday < 0 || p->weekend_start_wday > 6 || p->weekend_end_wday < 0 ||
        p->weekend_end_wday > 6 || p->weekend_start_hour < 0 || p->weekend_start_hour > 23 ||
        p->weekend_end_hour < 0 || p->weekend_end_hour > 23)
        return s_bad(err, errlen, "weekend_*");
    if (p->cooldown_s < 0 || p->rate_window_s < 0 || p->max_per_day < 0 ||
        p->max_per_symbol_day < 0)
        return s_bad(err, errlen, "cooldown_s / rate_window_s / max_per_day / max_per_symbol_day");
    if (p->max_hold_s < 0)
        return s_bad(err, errlen, "max_hold_s");
    for (int s = 0; s < VENOM_SESSION_COUNT; s++)
        if (p->max_per_session[s] < 0)
            return s_bad(err, errlen, "max_per_session");
    if ((p->exit_mode != VENOM_EXIT_FIXED && p->exit_mode != VENOM_EXIT_ATR) ||
        !(p->atr_sl_mult > 0.0) || !(p->atr_sl_floor_pips >= 0.0) ||
        !(p->atr_sl_cap_pips >= p->atr_sl_floor_pips))
        return s_bad(err, errlen, "exit_mode / atr_sl_* (0 < mult, 0 <= floor <= cap)");
    if (p->max_per_window < 1 || p->max_per_window > VENOM_RATE_MAX)
        return s_bad(err, errlen, "max_per_window");
    if (p->ring_m1 < 1 || p->ring_m5 < 1 || p->ring_m15 < 1)
        return s_bad(err, errlen, "ring_*");
    if (p->spread_ring < 1 || p->spread_ring > S_SPREAD_RING_MAX)
        return s_bad(err, errlen, "spread_ring");
    if (p->atr_percentile_bars < 1 || p->sweep_m1_bars < 0)
        return s_bad(err, errlen, "atr_percentile_bars / sweep_m1_bars");
    if (p->atr_period < 1 || p->ema_fast < 1 || p->ema_mid < 1 || p->ema_slow < 1 ||
        p->rsi_period < 1 || p->bb_period < 1 || !(p->atr_floor_pips >= 0.0))
        return s_bad(err, errlen, "indicator periods");
    if (p->swing_side < 1 || p->swing_lookback < 1 || p->swing_lookback > VENOM_SWINGS_MAX ||
        p->swing_skip < 0)
        return s_bad(err, errlen, "swing_*");
    for (int s = 0; s < VENOM_SESSION_COUNT; s++)
        if (p->session_start_hour[s] < 0 || p->session_start_hour[s] > 23)
            return s_bad(err, errlen, "session_start_hour");
    if (!(p->sl_cap_pips > 0.0) || !(p->tp_ratio_rapid > 0.0) || !(p->tp_ratio_precision > 0.0))
        return s_bad(err, errlen, "sl_cap_pips / tp_ratio_*");
    if (p->fvg.lookback < 3 || p->obb.lookback < 3 || p->obb.impulse_max_candles < 1 ||
        p->mb.window < 1)
        return s_bad(err, errlen, "detector windows");
    return 0;
}

/* ================================================================ signals, skips, rate */

int venom_format_signal_id(char *buf, size_t size, const char *symbol, bitten_ms_t created_at,
                           int seq)
{
    long long secs = (long long)(created_at / S_MS_PER_S);
    int len = seq >= 2 ? snprintf(buf, size, "VENOM_%s_%lld_%d", symbol, secs, seq)
                       : snprintf(buf, size, "VENOM_%s_%lld", symbol, secs);
    return (len < 0 || (size_t)len >= size) ? -1 : 0;
}

const char *venom_exit_mode_str(venom_exit_mode_t m)
{
    return m == VENOM_EXIT_ATR ? "atr" : m == VENOM_EXIT_FIXED ? "fixed" : "?";
}

static double s_sl_mult(const venom_params_t *p, venom_pattern_t pat)
{
    switch (pat) {
    case VENOM_LIQUIDITY_SWEEP_REVERSAL:
        return p->lsr.sl_atr_mult;
    case VENOM_FAIR_VALUE_GAP_FILL:
        return p->fvg.sl_atr_mult;
    case VENOM_ORDER_BLOCK_BOUNCE:
        return p->obb.sl_atr_mult;
    case VENOM_BB_SCALP:
        return p->bb.sl_atr_mult;
    case VENOM_MOMENTUM_BURST:
        return p->mb.sl_atr_mult;
    case VENOM_EMA_RSI_SCALP:
    default:
        return p->ers.sl_atr_mult;
    }
}

double venom_stop_pips(const venom_params_t *p, const bitten_symbol_t *sym, venom_pattern_t pat,
                       double a, double atr_pips)
{
    double sl;
    if (p->exit_mode == VENOM_EXIT_ATR && isfinite(atr_pips) && atr_pips > 0.0) {
        sl = fmax(fmax(sym->min_stop_pips, p->atr_sl_floor_pips),
                  venom_round1(atr_pips * p->atr_sl_mult));
        sl = fmin(sl, p->atr_sl_cap_pips);
    } else {
        sl = fmax(sym->min_stop_pips, venom_round1(a * s_sl_mult(p, pat)));
    }
    return fmin(sl, p->sl_cap_pips);
}

void venom_build_signal_exits(const venom_params_t *p, const bitten_symbol_t *sym,
                              const venom_detection_t *d, double a, double atr_pips,
                              double entry, double spread_pips, venom_session_t session,
                              bitten_ms_t now, int seq, venom_signal_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->symbol, sizeof out->symbol, "%s", sym->name);
    if (venom_format_signal_id(out->signal_id, sizeof out->signal_id, sym->name, now, seq) != 0)
        out->signal_id[0] = '\0';
    out->direction = d->direction;
    out->direction_str = venom_direction_str(d->direction);
    out->pattern = d->pattern;
    out->pattern_str = venom_pattern_str(d->pattern);
    out->signal_class = venom_pattern_class(d->pattern);
    out->class_str = venom_class_str(out->signal_class);
    out->confidence = d->confidence;
    out->atr_pips = a;
    out->atr_raw_pips = atr_pips;

    double sl = venom_stop_pips(p, sym, d->pattern, a, atr_pips);
    double ratio =
        out->signal_class == VENOM_RAPID_ASSAULT ? p->tp_ratio_rapid : p->tp_ratio_precision;
    double tp = venom_round1(sl * ratio);
    double sign = d->direction == VENOM_BUY ? 1.0 : -1.0;
    out->entry = entry;
    out->sl_pips = sl;
    out->tp_pips = tp;
    out->sl_price = venom_round_digits(entry - sign * sl * sym->pip, sym->digits);
    out->tp_price = venom_round_digits(entry + sign * tp * sym->pip, sym->digits);
    out->rr = tp / sl;
    out->session = session;
    out->session_str = venom_session_str(session);
    out->created_at = now;
    out->expires_at = now + (bitten_ms_t)p->signal_ttl_s * S_MS_PER_S;
    out->spread_pips = spread_pips;
}

void venom_build_signal(const venom_params_t *p, const bitten_symbol_t *sym,
                        const venom_detection_t *d, double a, double entry, double spread_pips,
                        venom_session_t session, bitten_ms_t now, int seq, venom_signal_t *out)
{
    venom_params_t fixed = *p;
    fixed.exit_mode = VENOM_EXIT_FIXED;
    venom_build_signal_exits(&fixed, sym, d, a, NAN, entry, spread_pips, session, now, seq, out);
}

bool venom_is_weekend(const venom_params_t *p, bitten_ms_t t)
{
    return venom_week_window(t, p->weekend_start_wday, p->weekend_start_hour, p->weekend_end_wday,
                             p->weekend_end_hour);
}

bool venom_week_window(bitten_ms_t t, int start_wday, int start_hour, int end_wday, int end_hour)
{
    const long long min_per_day = 1440, min_per_hour = 60, days_per_week = 7;
    const long long epoch_wday = 4; /* 1970-01-01 was a Thursday (0 = Sunday) */
    long long minutes = (long long)(t / (S_MS_PER_S * 60LL));
    if (t < 0 && t % (S_MS_PER_S * 60LL))
        minutes--;
    long long days = minutes / min_per_day, rem = minutes % min_per_day;
    if (rem < 0) {
        rem += min_per_day;
        days--;
    }
    long long wday = ((days + epoch_wday) % days_per_week + days_per_week) % days_per_week;
    long long m = wday * min_per_day + rem; /* minute of the week from Sunday 00:00 */
    long long start = start_wday * min_per_day + start_hour * min_per_hour;
    long long end = end_wday * min_per_day + end_hour * min_per_hour;
    if (start <= end)
        return m >= start && m < end;
    return m >= start || m < end; /* wraps over Sunday 00:00 */
}

venom_skip_t venom_skip_check(const venom_params_t *p, size_t m5_count, bitten_ms_t now,
                              bitten_ms_t last_tick, bitten_ms_t newest_tick)
{
    if (m5_count < (size_t)p->min_m5_candles)
        return VENOM_SKIP_FEW_CANDLES;
    if (venom_is_weekend(p, now))
        return VENOM_SKIP_WEEKEND;
    if (newest_tick - last_tick > (bitten_ms_t)p->stale_after_s * S_MS_PER_S)
        return VENOM_SKIP_STALE;
    return VENOM_SKIP_NONE;
}

static int64_t s_utc_day(bitten_ms_t t)
{
    return t >= 0 ? t / S_MS_PER_DAY : -((-t + S_MS_PER_DAY - 1) / S_MS_PER_DAY);
}

int64_t venom_session_occurrence(const venom_params_t *p, venom_session_t s, bitten_ms_t t)
{
    int hour = (s >= 0 && s < VENOM_SESSION_COUNT) ? p->session_start_hour[s] : 0;
    return s_utc_day(t - (bitten_ms_t)hour * 3600LL * S_MS_PER_S);
}

venom_rate_verdict_t venom_rate_check(const venom_params_t *p, const venom_rate_t *sym,
                                      const venom_daily_t *day, bitten_ms_t now)
{
    if (sym && sym->count > 0 &&
        now - sym->times[sym->count - 1] < (bitten_ms_t)p->cooldown_s * S_MS_PER_S)
        return VENOM_RATE_COOLDOWN;
    if (sym) {
        size_t in_window = 0;
        bitten_ms_t since = now - (bitten_ms_t)p->rate_window_s * S_MS_PER_S;
        for (size_t i = 0; i < sym->count; i++)
            if (sym->times[i] > since)
                in_window++;
        if (in_window >= (size_t)p->max_per_window)
            return VENOM_RATE_WINDOW_CAP;
    }
    if (day && p->max_per_day > 0) {
        int count = day->day == s_utc_day(now) ? day->count : 0;
        if (count >= p->max_per_day)
            return VENOM_RATE_DAILY_CAP;
    }
    if (sym && p->max_per_symbol_day > 0) {
        int count = sym->day == s_utc_day(now) ? sym->day_count : 0;
        if (count >= p->max_per_symbol_day)
            return VENOM_RATE_SYMBOL_DAY_CAP;
    }
    if (day) {
        venom_session_t s = venom_session_at(p, now);
        int cap = p->max_per_session[s];
        int count = day->session_id[s] == venom_session_occurrence(p, s, now)
                        ? day->session_count[s]
                        : 0;
        if (cap > 0 && count >= cap)
            return VENOM_RATE_SESSION_CAP;
    }
    return VENOM_RATE_OK;
}

void venom_rate_record(const venom_params_t *p, venom_rate_t *sym, venom_daily_t *day,
                       bitten_ms_t now)
{
    int64_t today = s_utc_day(now);
    if (sym) {
        size_t keep = (size_t)p->max_per_window;
        if (keep > VENOM_RATE_MAX)
            keep = VENOM_RATE_MAX;
        if (sym->count >= keep) {
            size_t drop = sym->count - keep + 1;
            memmove(sym->times, sym->times + drop, (sym->count - drop) * sizeof sym->times[0]);
            sym->count -= drop;
        }
        sym->times[sym->count++] = now;
        if (sym->day != today) {
            sym->day = today;
            sym->day_count = 0;
        }
        sym->day_count++;
    }
    if (day) {
        if (day->day != today) {
            day->day = today;
            day->count = 0;
        }
        day->count++;
        venom_session_t s = venom_session_at(p, now);
        int64_t occ = venom_session_occurrence(p, s, now);
        if (day->session_id[s] != occ) {
            day->session_id[s] = occ;
            day->session_count[s] = 0;
        }
        day->session_count[s]++;
    }
}

/*  Appends fmt (with at most one %lld, v) to buf at *len; false when it does not fit. */
static bool s_put(char *buf, size_t size, size_t *len, const char *fmt, long long v)
{
    int w = snprintf(buf + *len, size - *len, fmt, v);
    if (w < 0 || (size_t)w >= size - *len)
        return false;
    *len += (size_t)w;
    return true;
}

static int s_fail_text(char *buf, size_t size)
{
    if (buf && size)
        buf[0] = '\0';
    return -1;
}

int venom_rate_serialize(const venom_rate_t *r, char *buf, size_t size)
{
    if (!r || !buf || size == 0 || r->count > VENOM_RATE_MAX)
        return s_fail_text(buf, size);
    size_t len = 0;
    bool ok = s_put(buf, size, &len, "v2 day=%lld", (long long)r->day) &&
              s_put(buf, size, &len, " count=%lld times=", (long long)r->day_count);
    for (size_t i = 0; ok && i < r->count; i++)
        ok = s_put(buf, size, &len, i ? ",%lld" : "%lld", (long long)r->times[i]);
    return ok ? (int)len : s_fail_text(buf, size);
}

//  A decimal integer at *s (optionally negative when allow_neg), moving *s past it.
static bool s_parse_ll(const char **s, long long *out, bool allow_neg)
{
    const char *p = *s;
    if (!((*p >= '0' && *p <= '9') || (allow_neg && *p == '-')))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno)
        return false;
    *out = v;
    *s = end;
    return true;
}

//  "<word><integer>" at *s: the word, then an integer in [min, max].
static bool s_parse_field(const char **s, const char *word, long long min, long long max,
                          long long *out)
{
    size_t n = strlen(word);
    if (strncmp(*s, word, n) != 0)
        return false;
    const char *p = *s + n;
    long long v;
    if (!s_parse_ll(&p, &v, min < 0) || v < min || v > max)
        return false;
    *out = v;
    *s = p;
    return true;
}

//  Ascending signal times "<ms>,<ms>,..." up to the end of text (none: "").
static bool s_parse_times(const char *s, venom_rate_t *r)
{
    while (*s) {
        long long v;
        if (r->count >= VENOM_RATE_MAX || (r->count > 0 && *s++ != ',') ||
            !s_parse_ll(&s, &v, false) || (r->count > 0 && v < r->times[r->count - 1]))
            return false;
        r->times[r->count++] = (bitten_ms_t)v;
    }
    return true;
}

int venom_rate_deserialize(venom_rate_t *out, const char *text)
{
    if (!out || !text)
        return -1;
    venom_rate_t r;
    memset(&r, 0, sizeof r);
    if (strncmp(text, "v1 ", 3) == 0) {
        //  Written before the per-symbol day budget: its count is the times of the newest
        //  time's UTC day (a lower bound: the ring keeps max_per_window times).
        if (!s_parse_times(text + 3, &r))
            return -1;
        r.day = r.count ? s_utc_day(r.times[r.count - 1]) : 0;
        for (size_t i = 0; i < r.count; i++)
            r.day_count += s_utc_day(r.times[i]) == r.day;
        *out = r;
        return 0;
    }
    const char *s = text;
    long long day, count;
    if (strncmp(s, "v2 ", 3) != 0)
        return -1;
    s += 3;
    if (!s_parse_field(&s, "day=", -1, INT64_MAX, &day) ||
        !s_parse_field(&s, " count=", 0, INT32_MAX, &count) || strncmp(s, " times=", 7) != 0 ||
        !s_parse_times(s + 7, &r))
        return -1;
    r.day = day;
    r.day_count = (int)count;
    *out = r;
    return 0;
}

int venom_daily_serialize(const venom_daily_t *d, char *buf, size_t size)
{
    if (!d || !buf || size == 0)
        return s_fail_text(buf, size);
    size_t len = 0;
    bool ok = s_put(buf, size, &len, "v2 day=%lld", (long long)d->day) &&
              s_put(buf, size, &len, " count=%lld sessions=", (long long)d->count);
    for (int i = 0; ok && i < VENOM_SESSION_COUNT; i++)
        ok = s_put(buf, size, &len, i ? ",%lld" : "%lld", (long long)d->session_id[i]) &&
             s_put(buf, size, &len, ":%lld", (long long)d->session_count[i]);
    return ok ? (int)len : s_fail_text(buf, size);
}

int venom_daily_deserialize(venom_daily_t *out, const char *text)
{
    if (!out || !text)
        return -1;
    bool v1 = strncmp(text, "v1 ", 3) == 0; /* before the session budgets: day and count */
    if (!v1 && strncmp(text, "v2 ", 3) != 0)
        return -1;
    venom_daily_t d;
    memset(&d, 0, sizeof d);
    const char *s = text + 3;
    long long day, count;
    if (!s_parse_field(&s, "day=", -1, INT64_MAX, &day) ||
        !s_parse_field(&s, " count=", 0, INT32_MAX, &count))
        return -1;
    d.day = day;
    d.count = (int)count;
    if (!v1) {
        if (strncmp(s, " sessions=", 10) != 0)
            return -1;
        s += 10;
        for (int i = 0; i < VENOM_SESSION_COUNT; i++) {
            long long id, n;
            if (!s_parse_field(&s, i ? "," : "", -1, INT64_MAX, &id) ||
                !s_parse_field(&s, ":", 0, INT32_MAX, &n))
                return -1;
            d.session_id[i] = id;
            d.session_count[i] = (int)n;
        }
    }
    if (*s)
        return -1;
    *out = d;
    return 0;
}

/* ================================================================ engine */

typedef struct {
    bitten_symbol_t sym;
    venom_candles_t *candles;
    bitten_ms_t last_tick;
    double last_price;
    double *spreads; /* ring of spread_ring, pips */
    size_t spread_count, spread_next;
    venom_rate_t rate;
    int64_t last_id_second; /* collision suffix: seq within one second */
    int last_id_seq;
    venom_trend_state_t trend; /* EMAs / RSI over the closed M5 ring at trend_version */
    uint64_t trend_version;
    bool trend_valid;
    venom_trend_chains_t *chains; /* ... carried along the ring as it slides */
    venom_atr_carry_t atr_carry;     /* the closed part of the ATR and of the swing tests, */
    venom_swing_carry_t swing_carry; /* for trend_version too (filled by the evaluations) */
    venom_atr_history_t *atr_hist;   /* ATR14 per closed M5 bar, at trend_version when ok */
    bool atr_hist_ok;
} s_symbol_state_t;

struct venom_engine {
    venom_params_t p;
    s_symbol_state_t *syms;
    size_t n_syms;
    size_t *slots; /* name hash -> index into syms + 1 (0: empty), open addressing */
    size_t n_slots; /* a power of two >= 2 x n_syms */
    bitten_ms_t newest_tick;
    venom_daily_t daily;
    venom_stats_t stats;
};

static int s_index_names(venom_engine_t *self);

venom_engine_t *venom_engine_new(const venom_params_t *p, const bitten_symbols_t *symbols)
{
    if (!p || !symbols || venom_params_validate(p, NULL, 0) != 0)
        return NULL;
    venom_engine_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->p = *p;
    self->daily.day = -1;
    self->n_syms = bitten_symbols_count(symbols);
    self->syms = calloc(self->n_syms ? self->n_syms : 1, sizeof *self->syms);
    if (!self->syms) {
        venom_engine_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < self->n_syms; i++) {
        s_symbol_state_t *st = &self->syms[i];
        st->sym = *bitten_symbols_at(symbols, i);
        st->candles =
            venom_candles_new((size_t)p->ring_m1, (size_t)p->ring_m5, (size_t)p->ring_m15);
        st->spreads = calloc((size_t)p->spread_ring, sizeof *st->spreads);
        //  The trend chains and ATR history (~72 KB a symbol at the defaults) wait for the
        //  symbol's first evaluation (s_evaluate): most symbols of the table never get a tick.
        st->last_price = NAN;
        st->last_id_second = -1;
        if (!st->candles || !st->spreads) {
            venom_engine_destroy(&self);
            return NULL;
        }
    }
    if (s_index_names(self) != 0) {
        venom_engine_destroy(&self);
        return NULL;
    }
    return self;
}

void venom_engine_destroy(venom_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    venom_engine_t *self = *self_p;
    if (self->syms) {
        for (size_t i = 0; i < self->n_syms; i++) {
            venom_candles_destroy(&self->syms[i].candles);
            venom_trend_chains_destroy(&self->syms[i].chains);
            venom_atr_history_destroy(&self->syms[i].atr_hist);
            free(self->syms[i].spreads);
        }
    }
    free(self->syms);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

static size_t s_name_hash(const char *name)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (const unsigned char *b = (const unsigned char *)name; *b; b++)
        h = (h ^ *b) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

/*  The first symbol of the table with this name (as a scan in table order would find):
 *  the slots are filled in table order, so an earlier duplicate sits earlier on the probe. */
static s_symbol_state_t *s_find(const venom_engine_t *self, const char *name)
{
    if (!name)
        return NULL;
    size_t mask = self->n_slots - 1;
    for (size_t at = s_name_hash(name) & mask; self->slots[at]; at = (at + 1) & mask) {
        s_symbol_state_t *st = &self->syms[self->slots[at] - 1];
        if (strcmp(st->sym.name, name) == 0)
            return st;
    }
    return NULL;
}

static int s_index_names(venom_engine_t *self)
{
    self->n_slots = 4;
    while (self->n_slots < 2 * self->n_syms)
        self->n_slots *= 2;
    self->slots = calloc(self->n_slots, sizeof *self->slots);
    if (!self->slots)
        return -1;
    size_t mask = self->n_slots - 1;
    for (size_t i = 0; i < self->n_syms; i++) {
        size_t at = s_name_hash(self->syms[i].sym.name) & mask;
        while (self->slots[at])
            at = (at + 1) & mask;
        self->slots[at] = i + 1;
    }
    return 0;
}

static int s_drop(bitten_reason_t *reason, bitten_reason_t why)
{
    if (reason)
        *reason = why;
    return -1;
}

/*  The tick's spread in pips: the EA's spread (points) when sent, else ask - bid. */
static double s_tick_spread_pips(const bitten_symbol_t *sym, const bitten_tick_t *t)
{
    if (t->has_spread && isfinite(t->spread) && t->spread >= 0.0)
        return t->spread * sym->point / sym->pip;
    return (t->ask - t->bid) / sym->pip;
}

/*  Evaluates st at the M1 close brought by the tick at `now`. 1 with *out, else 0. */
static int s_evaluate(venom_engine_t *self, s_symbol_state_t *st, bitten_ms_t now, double entry,
                      double spread_pips, venom_signal_t *out)
{
    const venom_params_t *p = &self->p;
    self->stats.evaluations++;
    size_t n, closed;
    uint64_t version;
    const bitten_candle_t *c = venom_candles_m5_view(st->candles, &n, &closed, &version);
    venom_skip_t skip = venom_skip_check(p, n, now, st->last_tick, self->newest_tick);
    if (skip != VENOM_SKIP_NONE) {
        self->stats.skipped[skip]++;
        return 0;
    }
    /* the symbol's first evaluation past the skips: its chains and ATR history from here */
    if (!st->chains && !(st->chains = venom_trend_chains_new((size_t)p->ring_m5, p->ema_fast,
                                                             p->ema_mid, p->ema_slow,
                                                             p->rsi_period))) {
        self->stats.alloc_failed++; /* no chains, no evaluation: no signal (fail closed) */
        return 0;
    }
    if (!st->atr_hist &&
        !(st->atr_hist = venom_atr_history_new((size_t)p->ring_m5, p->atr_period, st->sym.pip))) {
        self->stats.alloc_failed++;
        return 0;
    }
    /* the closed ring changes once per M5 (or per merge): bring the chains along then (one
     * step per distinct chain for an appended candle), step the forming bar on every M1 close */
    if (!st->trend_valid || st->trend_version != version || st->trend.n != closed) {
        uint64_t epoch, first;
        venom_candles_m5_lineage(st->candles, NULL, &epoch, &first);
        venom_trend_chains_sync(st->chains, c, closed, first, epoch, &st->trend);
        st->atr_hist_ok = venom_atr_history_sync(st->atr_hist, c, closed, first, epoch);
        venom_atr_carry(&st->atr_carry, closed, p->atr_period);
        venom_swing_carry(&st->swing_carry, closed, p->swing_side, p->swing_lookback,
                          p->swing_skip);
        st->trend_version = version;
        st->trend_valid = true;
    }
    venom_trend_t trend;
    venom_trend_finish(&st->trend, c, n, p->ema_fast, p->ema_mid, p->ema_slow, p->rsi_period,
                       &trend);
    venom_eval_input_t in;
    venom_eval_input_init_carried(&in, p, c, n, st->sym.pip, now, &trend, &st->atr_carry,
                                  &st->swing_carry);
    venom_detection_t found[VENOM_PATTERN_COUNT];
    venom_detect_all(p, &in, found);
    int any = venom_select(found, VENOM_PATTERN_COUNT, -INFINITY);
    if (any < 0)
        return 0;
    self->stats.detections++;
    int best = venom_select(found, VENOM_PATTERN_COUNT, p->min_confidence);
    if (best < 0) {
        self->stats.below_min_confidence++;
        return 0;
    }
    venom_rate_verdict_t verdict = venom_rate_check(p, &st->rate, &self->daily, now);
    if (verdict != VENOM_RATE_OK) {
        self->stats.rate_blocked[verdict]++;
        self->stats.rate_blocked_by_session[verdict][in.session]++;
        return 0;
    }
    int64_t second = now / S_MS_PER_S;
    st->last_id_seq = second == st->last_id_second ? st->last_id_seq + 1 : 1;
    st->last_id_second = second;
    venom_signal_t sig;
    venom_build_signal_exits(p, &st->sym, &found[best], in.a, in.atr_pips, entry, spread_pips,
                             in.session, now, st->last_id_seq, &sig);
    venom_rate_record(p, &st->rate, &self->daily, now);
    self->stats.signals++;
    self->stats.signals_by_session[in.session]++;
    if (out)
        *out = sig;
    return 1;
}

int venom_engine_on_tick(venom_engine_t *self, const bitten_tick_t *tick, venom_signal_t *out,
                         bitten_reason_t *reason)
{
    self->stats.ticks++;
    s_symbol_state_t *st = s_find(self, tick->symbol);
    if (!st) {
        self->stats.unknown_symbol++;
        return s_drop(reason, BITTEN_R_UNKNOWN_SYMBOL);
    }
    if (!isfinite(tick->bid) || !isfinite(tick->ask) || tick->bid <= 0.0 || tick->ask <= 0.0) {
        self->stats.bad_price++;
        return s_drop(reason, BITTEN_R_OUT_OF_RANGE);
    }
    double mid = (tick->bid + tick->ask) / 2.0;
    double volume = isfinite(tick->volume) ? tick->volume : 0.0;
    int closed = venom_candles_on_tick(st->candles, tick->timestamp, mid, volume, NULL);
    if (closed < 0) {
        self->stats.out_of_order++;
        return s_drop(reason, BITTEN_R_TICK_OUT_OF_ORDER);
    }
    if (tick->timestamp > st->last_tick)
        st->last_tick = tick->timestamp;
    if (tick->timestamp > self->newest_tick)
        self->newest_tick = tick->timestamp;
    st->last_price = mid;
    double spread = s_tick_spread_pips(&st->sym, tick);
    st->spreads[st->spread_next] = spread;
    if (++st->spread_next >= (size_t)self->p.spread_ring) /* no division per tick */
        st->spread_next = 0;
    if (st->spread_count < (size_t)self->p.spread_ring)
        st->spread_count++;
    if (reason)
        *reason = BITTEN_R_OK;
    if (closed == 0)
        return 0;
    return s_evaluate(self, st, tick->timestamp, mid, spread, out);
}

int venom_engine_on_candles(venom_engine_t *self, const char *symbol, int timeframe_s,
                            const bitten_candle_t *c, size_t n)
{
    s_symbol_state_t *st = s_find(self, symbol);
    if (!st || (n > 0 && !c))
        return -1;
    return venom_candles_merge(st->candles, timeframe_s, c, n);
}

void venom_engine_stats(const venom_engine_t *self, venom_stats_t *out)
{
    *out = self->stats;
}

const char *const venom_params_live_keys[] = {
    "venom.min_confidence", "venom.signal_ttl_s",       "venom.stale_after_s",
    "venom.cooldown_s",     "venom.max_per_day",        "venom.max_per_symbol_day",
    "venom.max_per_session.", "venom.exit_mode",        "venom.atr_sl_mult",
    "venom.atr_sl_floor_pips", "venom.atr_sl_cap_pips", "venom.sl_cap_pips",
    "venom.tp_ratio_rapid", "venom.tp_ratio_precision", "venom.session_bonus.",
    NULL};

int venom_engine_apply_live(venom_engine_t *self, const venom_params_t *next, char *err,
                            size_t errlen)
{
    venom_params_t p = self->p;
    p.min_confidence = next->min_confidence;
    p.signal_ttl_s = next->signal_ttl_s;
    p.stale_after_s = next->stale_after_s;
    p.cooldown_s = next->cooldown_s;
    p.max_per_day = next->max_per_day;
    p.max_per_symbol_day = next->max_per_symbol_day;
    memcpy(p.max_per_session, next->max_per_session, sizeof p.max_per_session);
    p.exit_mode = next->exit_mode;
    p.atr_sl_mult = next->atr_sl_mult;
    p.atr_sl_floor_pips = next->atr_sl_floor_pips;
    p.atr_sl_cap_pips = next->atr_sl_cap_pips;
    p.sl_cap_pips = next->sl_cap_pips;
    p.tp_ratio_rapid = next->tp_ratio_rapid;
    p.tp_ratio_precision = next->tp_ratio_precision;
    memcpy(p.session_bonus, next->session_bonus, sizeof p.session_bonus);
    if (venom_params_validate(&p, err, errlen) != 0)
        return -1;
    self->p = p;
    return 0;
}

int venom_engine_rate(const venom_engine_t *self, const char *symbol, venom_rate_t *out)
{
    const s_symbol_state_t *st = s_find(self, symbol);
    if (!st || !out)
        return -1;
    *out = st->rate;
    return 0;
}

int venom_engine_restore_rate(venom_engine_t *self, const char *symbol, const venom_rate_t *in)
{
    s_symbol_state_t *st = s_find(self, symbol);
    if (!st || !in || in->count > VENOM_RATE_MAX)
        return -1;
    st->rate = *in;
    return 0;
}

void venom_engine_daily(const venom_engine_t *self, venom_daily_t *out)
{
    *out = self->daily;
}

void venom_engine_restore_daily(venom_engine_t *self, const venom_daily_t *in)
{
    self->daily = *in;
}

/* ================================================================ context for CITADEL */

static double s_median(const double *v, size_t n)
{
    double tmp[S_SPREAD_RING_MAX];
    if (n == 0)
        return NAN;
    for (size_t i = 0; i < n; i++) { /* insertion sort: n <= 1000, called per signal */
        double x = v[i];
        size_t j = i;
        for (; j > 0 && tmp[j - 1] > x; j--)
            tmp[j] = tmp[j - 1];
        tmp[j] = x;
    }
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
}

/*  EMA(mid) now minus one bar ago and price - EMA(slow), in pips: from t (venom_ema(c, n, mid),
 *  venom_ema(c, n - 1, mid), venom_ema(c, n, slow), bit for bit) when given, else one pass. */
static void s_trend(const venom_params_t *p, const bitten_candle_t *c, size_t n,
                    const venom_trend_state_t *t, double pip, double price, double *slope,
                    double *vs_slow)
{
    venom_trend_state_t walked;
    if (!t) {
        venom_trend_closed(&walked, c, n, 0, p->ema_mid, p->ema_slow, 0);
        t = &walked;
    }
    *slope = (t->ema_mid - t->ema_mid_prev) / pip;
    *vs_slow = (price - t->ema_slow) / pip;
}

int venom_engine_context(const venom_engine_t *self, const char *symbol, venom_context_t *ctx)
{
    const s_symbol_state_t *st = s_find(self, symbol);
    if (!st || !ctx)
        return -1;
    const venom_params_t *p = &self->p;
    double pip = st->sym.pip;
    memset(ctx, 0, sizeof *ctx);
    ctx->windows =
        (venom_context_windows_t){p->sweep_m1_bars, p->atr_percentile_bars, p->spread_ring};
    ctx->symbol = &st->sym;
    ctx->m1_count = venom_candles_closed(st->candles, 60, &ctx->m1);
    ctx->m5_count = venom_candles_closed(st->candles, 300, &ctx->m5);
    ctx->m15_count = venom_candles_closed(st->candles, 900, &ctx->m15);
    ctx->last_tick_at = st->last_tick;
    ctx->newest_tick_at = self->newest_tick;
    ctx->last_price = st->last_price;
    ctx->spread_samples = st->spread_count;
    ctx->last_spread_pips = NAN;
    if (st->spread_count > 0) {
        size_t ring = (size_t)p->spread_ring;
        ctx->last_spread_pips = st->spreads[(st->spread_next + ring - 1) % ring];
    }
    ctx->median_spread_pips = s_median(st->spreads, st->spread_count);

    const bitten_candle_t *m5 = ctx->m5;
    size_t n5 = ctx->m5_count;
    uint64_t version;
    venom_candles_m5_lineage(st->candles, &version, NULL, NULL);
    bool carried = st->trend_valid && st->trend_version == version && st->trend.n == n5;
    /* each bar's ATR14 as kept when it closed, else computed here: the same values */
    const venom_atr_history_t *hist = carried && st->atr_hist_ok ? st->atr_hist : NULL;
    ctx->atr_pips = hist ? venom_atr_history_at(hist, n5 - 1)
                         : venom_atr_pips(m5, n5, p->atr_period, pip);
    ctx->atr_percentile = NAN;
    if (isfinite(ctx->atr_pips)) {
        size_t bars = (size_t)p->atr_percentile_bars, counted = 0, below = 0;
        for (size_t k = n5 > bars ? n5 - bars : 0; k < n5; k++) {
            double v = hist ? venom_atr_history_at(hist, k)
                            : venom_atr_pips(m5, k + 1, p->atr_period, pip);
            if (!isfinite(v))
                continue;
            counted++;
            if (v <= ctx->atr_pips)
                below++;
        }
        ctx->atr_percentile = 100.0 * (double)below / (double)counted;
    }
    double price = st->last_price;
    if (!isfinite(price) && n5 > 0)
        price = m5[n5 - 1].close;
    s_trend(p, m5, n5, carried ? &st->trend : NULL, pip, price, &ctx->m5_ema_mid_slope_pips,
            &ctx->m5_price_vs_ema_slow_pips);
    s_trend(p, ctx->m15, ctx->m15_count, NULL, pip, price, &ctx->m15_ema_mid_slope_pips,
            &ctx->m15_price_vs_ema_slow_pips);
    venom_swings(m5, n5, p->swing_side, p->swing_lookback, p->swing_skip, &ctx->swings);
    size_t first = ctx->m1_count > (size_t)p->sweep_m1_bars ? ctx->m1_count - p->sweep_m1_bars : 0;
    for (size_t i = first; i < ctx->m1_count; i++) {
        const bitten_candle_t *b = &ctx->m1[i];
        for (size_t k = 0; k < ctx->swings.n_lows; k++)
            if (b->low < ctx->swings.lows[k] && b->close > ctx->swings.lows[k])
                ctx->sweep_for_buy = true;
        for (size_t k = 0; k < ctx->swings.n_highs; k++)
            if (b->high > ctx->swings.highs[k] && b->close < ctx->swings.highs[k])
                ctx->sweep_for_sell = true;
    }
    ctx->session = venom_session_at(p, st->last_tick);
    return 0;
}
