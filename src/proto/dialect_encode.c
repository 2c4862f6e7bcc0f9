/*  dialect_encode.c: commands written the way each EA's naive reader reads them (ea-dialects.md
 *  2.3, 3.3-3.4, 4.4-4.5, 5, 8.10), and v7's own lot arithmetic to size lots it executes. */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitten/dialect.h"

#define S_LOT_DECIMALS 2      /* v7 NormalizeDouble(lot, 2) */
#define S_LOT_TICK 0.01       /* one unit of the last of those decimals */
#define S_V7_DEFAULT_LOT 0.01 /* v7:55, used for lot <= 0 */
#define S_EPS 1e-9            /* lot comparisons: lots are multiples of >= 0.00000001 */
#define S_DIGITS_MAX 8
#define S_POINTS_MAX 10000000LL  /* sl/tp points, as decode.c accepts */
#define S_CLOSE_ALL_SYMBOL "ALL" /* v7 needs a non-empty symbol; CloseAllPositions ignores it */

/* ---------------------------------------------------------------- v7 lot arithmetic */

/*  MQL5 NormalizeDouble: rounding half away from zero at `digits` decimals. */
static double s_normalize(double v, int digits)
{
    double scale = pow(10.0, digits);
    return round(v * scale) / scale;
}

static bool s_facts_ok(const bitten_symbol_facts_t *f)
{
    return f != NULL && isfinite(f->lot_min) && isfinite(f->lot_max) && isfinite(f->lot_step) &&
           f->lot_min > 0 && f->lot_step > 0 && f->lot_max >= f->lot_min && f->digits >= 0 &&
           f->digits <= S_DIGITS_MAX && isfinite(f->point) && f->point > 0;
}

double bitten_v7_executed_lot(double wire_lot, double lot_min, double lot_max, double lot_step)
{
    double lot = wire_lot <= 0 ? S_V7_DEFAULT_LOT : wire_lot;
    double v = s_normalize(lot, S_LOT_DECIMALS);
    if (v < lot_min)
        v = lot_min;
    if (v > lot_max)
        v = lot_max;
    v = floor(v / lot_step) * lot_step;
    v = s_normalize(v, S_LOT_DECIMALS);
    return v <= 0 || v < lot_min ? 0.0 : v;
}

/*  The double v7 reads for the "%.2f" text of x (StringToDouble of the wire). */
static double s_wire2(double x)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.2f", x);
    return strtod(tmp, NULL);
}

/*  The smallest 2-decimal wire value in [target, target + step] that v7 executes as exactly
 *  target, or -1. v7 floors a binary quotient, so the wire may have to be one step above
 *  (0.30 executes as 0.29; 0.29 as 0.28). */
static double s_wire_for(double target, const bitten_symbol_facts_t *f)
{
    double first = s_wire2(target);
    if (first < target - S_EPS)
        first = s_wire2(first + S_LOT_TICK);
    for (long k = 0;; k++) {
        double w = s_wire2(first + (double)k * S_LOT_TICK);
        if (w > target + f->lot_step + S_EPS || w > f->lot_max + S_EPS)
            return -1;
        double e = bitten_v7_executed_lot(w, f->lot_min, f->lot_max, f->lot_step);
        if (fabs(e - target) < S_EPS)
            return w;
    }
}

/*  True when lot is k * step for an integer k (within S_EPS). */
static bool s_on_grid(double lot, double step)
{
    double k = lot / step;
    return fabs(k - round(k)) * step < S_EPS;
}

double bitten_v7_wire_lot(double requested, const bitten_symbol_facts_t *facts, double *executed)
{
    *executed = 0.0;
    if (!s_facts_ok(facts) || !isfinite(requested) || requested < facts->lot_min - S_EPS ||
        requested > facts->lot_max + S_EPS || !s_on_grid(requested, facts->lot_step))
        return -1;
    long k = lround(requested / facts->lot_step);
    /* Size down one step at a time until v7 executes a lot exactly. */
    for (; k > 0; k--) {
        double target = (double)k * facts->lot_step;
        if (target < facts->lot_min - S_EPS)
            return -1;
        double w = s_wire_for(target, facts);
        if (w > 0) {
            *executed = bitten_v7_executed_lot(w, facts->lot_min, facts->lot_max, facts->lot_step);
            return w;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------- bounded writer */

typedef struct {
    char *buf;
    size_t cap; /* bytes usable, NUL included */
    size_t len;
    bitten_reason_t why; /* first failure */
} s_out_t;

static void s_fail(s_out_t *o, bitten_reason_t why)
{
    if (o->why == BITTEN_R_OK)
        o->why = why;
}

static void s_printf(s_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_printf(s_out_t *o, const char *fmt, ...)
{
    if (o->why != BITTEN_R_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        s_fail(o, BITTEN_R_FRAME_TOO_LARGE);
    else
        o->len += (size_t)n;
}

/*  A string value the EA reads back whole: no quote or backslash (its reader has no escapes),
 *  printable ASCII, and the field's own charset. */
static void s_str(s_out_t *o, const char *key, const char *v, bool (*valid)(const char *))
{
    for (const char *p = v; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E) {
            s_fail(o, BITTEN_R_UNSAFE_STRING);
            return;
        }
    if (!valid(v))
        s_fail(o, BITTEN_R_BAD_FORMAT);
    s_printf(o, ",\"%s\":\"%s\"", key, v);
}

static void s_begin(s_out_t *o, char *buf, size_t size, const char *type)
{
    size_t cap = size < BITTEN_EA_CMD_MAX + 1 ? size : BITTEN_EA_CMD_MAX + 1;
    *o = (s_out_t){buf, cap, 0, BITTEN_R_OK};
    if (buf == NULL || size == 0) {
        o->cap = 0;
        s_fail(o, BITTEN_R_FRAME_TOO_LARGE);
        return;
    }
    s_printf(o, "{\"type\":\"%s\"", type);
}

static int s_end(s_out_t *o, bitten_reason_t *why)
{
    s_printf(o, "}");
    *why = o->why;
    return o->why == BITTEN_R_OK ? (int)o->len : -1;
}

/* ---------------------------------------------------------------- shared checks */

/*  Decimals of step (0.01 -> 2, 1 -> 0), at most S_DIGITS_MAX. */
static int s_step_decimals(double step)
{
    for (int d = 0; d < S_DIGITS_MAX; d++) {
        double scaled = step * pow(10.0, d);
        if (fabs(scaled - round(scaled)) < S_EPS * pow(10.0, d))
            return d;
    }
    return S_DIGITS_MAX;
}

static bool s_is_open(const bitten_dcmd_t *c)
{
    return c->kind == BITTEN_DCMD_OPEN;
}

static bool s_buys(const bitten_dcmd_t *c)
{
    return c->action == BITTEN_ACTION_BUY;
}

/*  Checks an open command's action, lot and stops against the facts. */
static bitten_reason_t s_check_open(const bitten_dcmd_t *c, const bitten_symbol_facts_t *f)
{
    if (c->action != BITTEN_ACTION_BUY && c->action != BITTEN_ACTION_SELL)
        return BITTEN_R_INVALID_ACTION;
    if (!s_facts_ok(f))
        return BITTEN_R_INVALID_SYMBOL;
    if (!isfinite(c->lot) || c->lot <= 0)
        return BITTEN_R_INVALID_LOT;
    if (!isfinite(c->sl_dist) || !isfinite(c->tp_dist) || c->sl_dist < 0 || c->tp_dist < 0)
        return BITTEN_R_INVALID_STOPS;
    return BITTEN_R_OK;
}

/* ---------------------------------------------------------------- v7 */

/*  A distance in price as whole points of the broker's point; a non-zero distance below half
 *  a point would vanish, so it is refused. */
static bitten_reason_t s_points(double dist, double point, int64_t *out)
{
    double p = round(dist / point);
    if (p > (double)S_POINTS_MAX || (dist > 0 && p < 1))
        return BITTEN_R_INVALID_STOPS;
    *out = (int64_t)p;
    return BITTEN_R_OK;
}

static int s_v7(const bitten_dcmd_t *c, const bitten_symbol_facts_t *f, char *buf, size_t size,
                bitten_dcmd_effect_t *eff, bitten_reason_t *why)
{
    s_out_t o;
    if (c->kind == BITTEN_DCMD_PING) {
        s_begin(&o, buf, size, "ping");
        return s_end(&o, why);
    }
    if (c->kind == BITTEN_DCMD_CLOSE_TICKET) {
        *why = BITTEN_R_DIALECT_UNSUPPORTED;
        return -1;
    }
    s_begin(&o, buf, size, "signal");
    s_str(&o, "signal_id", c->id, bitten_valid_id);
    if (c->kind == BITTEN_DCMD_CLOSE_ALL) {
        /* v7 answers "Invalid signal parameters" to "symbol":"" and closes nothing. */
        s_str(&o, "symbol", c->symbol[0] ? c->symbol : S_CLOSE_ALL_SYMBOL,
              bitten_valid_broker_symbol);
        s_printf(&o, ",\"action\":\"close_all\"");
        return s_end(&o, why);
    }
    s_str(&o, "symbol", c->symbol, bitten_valid_broker_symbol);
    if (c->kind == BITTEN_DCMD_CLOSE_SYMBOL) {
        s_printf(&o, ",\"action\":\"close\"");
        return s_end(&o, why);
    }
    bitten_reason_t r = s_check_open(c, f);
    double executed = 0, wire = r == BITTEN_R_OK ? bitten_v7_wire_lot(c->lot, f, &executed) : 0;
    if (r == BITTEN_R_OK && wire < 0)
        r = BITTEN_R_INVALID_LOT;
    if (r == BITTEN_R_OK)
        r = s_points(c->sl_dist, f->point, &eff->sl_points);
    if (r == BITTEN_R_OK)
        r = s_points(c->tp_dist, f->point, &eff->tp_points);
    if (r != BITTEN_R_OK)
        s_fail(&o, r);
    eff->lot = executed;
    s_printf(&o, ",\"action\":\"%s\",\"lot\":%.2f,\"sl\":%lld,\"tp\":%lld",
             s_buys(c) ? "buy" : "sell", wire, (long long)eff->sl_points,
             (long long)eff->tp_points);
    return s_end(&o, why);
}

/* ---------------------------------------------------------------- v2.x */

/*  The absolute stop at dist from price on side (+1 above, -1 below), rounded to the digits;
 *  0 for none. The EA keeps a stop only when strictly on its side (v205:1035-1043). */
static bitten_reason_t s_abs_stop(double price, double dist, int side, int digits, double *out)
{
    *out = 0;
    if (dist == 0)
        return BITTEN_R_OK;
    double v = s_normalize(price + side * dist, digits);
    if (v <= 0 || (side > 0 ? !(v > price) : !(v < price)))
        return BITTEN_R_INVALID_STOPS;
    *out = v;
    return BITTEN_R_OK;
}

static bitten_reason_t s_v2_open_values(const bitten_dcmd_t *c, const bitten_symbol_facts_t *f,
                                        bitten_dcmd_effect_t *eff)
{
    bitten_reason_t r = s_check_open(c, f);
    if (r != BITTEN_R_OK)
        return r;
    /* v2.x sends the volume as is: it must already be valid for the broker. */
    if (c->lot < f->lot_min - S_EPS || c->lot > f->lot_max + S_EPS ||
        !s_on_grid(c->lot, f->lot_step))
        return BITTEN_R_INVALID_LOT;
    if (!isfinite(c->bid) || !isfinite(c->ask) || c->bid <= 0 || c->ask < c->bid)
        return BITTEN_R_NO_QUOTE;
    double price = s_buys(c) ? c->ask : c->bid;
    int below = -1, above = 1;
    r = s_abs_stop(price, c->sl_dist, s_buys(c) ? below : above, f->digits, &eff->sl_price);
    if (r == BITTEN_R_OK)
        r = s_abs_stop(price, c->tp_dist, s_buys(c) ? above : below, f->digits, &eff->tp_price);
    eff->lot = c->lot;
    return r;
}

static int s_v2(bitten_dialect_t d, const bitten_dcmd_t *c, const bitten_symbol_facts_t *f,
                char *buf, size_t size, bitten_dcmd_effect_t *eff, bitten_reason_t *why)
{
    bool v205 = d == BITTEN_DIALECT_V205;
    s_out_t o;
    static const char *const types[] = {[BITTEN_DCMD_OPEN] = "fire",
                                        [BITTEN_DCMD_CLOSE_SYMBOL] = NULL,
                                        [BITTEN_DCMD_CLOSE_ALL] = "close_all",
                                        [BITTEN_DCMD_CLOSE_TICKET] = "close_ticket",
                                        [BITTEN_DCMD_PING] = "ping"};
    if ((int)c->kind < 0 || c->kind > BITTEN_DCMD_PING || types[c->kind] == NULL ||
        (c->kind == BITTEN_DCMD_PING && !v205)) {
        *why = BITTEN_R_DIALECT_UNSUPPORTED;
        return -1;
    }
    s_begin(&o, buf, size, types[c->kind]);
    if (v205 && (s_is_open(c) || c->kind == BITTEN_DCMD_PING))
        s_str(&o, s_is_open(c) ? "fire_id" : "ping_id", c->id, bitten_valid_id);
    /* v2.02 drops frames without it; v2.05 drops any other uuid: always the full uuid. */
    s_str(&o, "target_uuid", c->target_uuid, bitten_valid_id);
    if (c->kind == BITTEN_DCMD_CLOSE_TICKET) {
        if (c->ticket <= 0)
            s_fail(&o, BITTEN_R_OUT_OF_RANGE);
        s_printf(&o, ",\"ticket\":%lld", (long long)c->ticket);
    }
    if (!s_is_open(c))
        return s_end(&o, why);
    s_str(&o, "symbol", c->symbol, bitten_valid_broker_symbol);
    bitten_reason_t r = s_v2_open_values(c, f, eff);
    if (r != BITTEN_R_OK) {
        s_fail(&o, r);
        return s_end(&o, why);
    }
    if (v205) {
        s_printf(&o, ",\"direction\":\"%s\"", s_buys(c) ? "BUY" : "SELL");
    } else {
        /* v2.02 buys when entry is 0, else when entry is nearer the ask (a tie sells). One
         * point is below every bid the EA can see later, so it sells however the market
         * moves before the EA reads the frame; the bid itself would buy after a fall. */
        eff->entry = s_buys(c) ? 0.0 : f->point;
        s_printf(&o, ",\"entry\":%.*f", f->digits, eff->entry);
    }
    s_printf(&o, ",\"sl\":%.*f,\"tp\":%.*f,\"lot\":%.*f", f->digits, eff->sl_price, f->digits,
             eff->tp_price, s_step_decimals(f->lot_step), c->lot);
    return s_end(&o, why);
}

/* ---------------------------------------------------------------- entry */

int bitten_dialect_encode(bitten_dialect_t dialect, const bitten_dcmd_t *cmd,
                          const bitten_symbol_facts_t *facts, char *buf, size_t size,
                          bitten_dcmd_effect_t *effect, bitten_reason_t *why)
{
    bitten_dcmd_effect_t scratch;
    bitten_dcmd_effect_t *eff = effect != NULL ? effect : &scratch;
    memset(eff, 0, sizeof *eff);
    switch (dialect) {
    case BITTEN_DIALECT_V7:
        return s_v7(cmd, facts, buf, size, eff, why);
    case BITTEN_DIALECT_V205:
    case BITTEN_DIALECT_V202:
        return s_v2(dialect, cmd, facts, buf, size, eff, why);
    default:
        *why = BITTEN_R_DIALECT_UNSUPPORTED;
        return -1;
    }
}
