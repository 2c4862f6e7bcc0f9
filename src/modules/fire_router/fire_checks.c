/*  fire_checks.c: the pure half of the fire router: each check of modules.md as a function,
 *  the chain that runs them in order, lot sizing and the wire command. No I/O, no state. */
#include "modules/fire_router/fire_checks.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "bitten/dialect.h"

/*  Lots are multiples of a step computed in floating point: 0.29 / 0.01 is 28.999999999999996.
 *  A relative nudge this small never moves an honest value to the next step. */
#define FIRE_STEP_EPS 1e-9
/*  Wire lots have 2 decimals (protocol.md). */
#define FIRE_LOT_SCALE 100.0

/* ---------------------------------------------------------------- limits */

#define S_D(field) offsetof(fire_limits_t, field), BITTEN_BIND_DOUBLE

//  One row per field of fire_limits_t; keys, defaults and ranges live in config_keys.c.
static const bitten_cfg_bind_t s_limit_keys[] = {
    {"fire.max_stop_pips", S_D(max_stop_pips)},
    {"fire.sl_too_wide_factor", S_D(sl_too_wide_factor)},
    {"fire.balance_per_lot", S_D(balance_per_lot)},
    {"fire.manual_lot_risk_tolerance", S_D(manual_lot_tolerance)},
};

#define S_N_LIMIT_KEYS (sizeof s_limit_keys / sizeof *s_limit_keys)

fire_limits_t fire_limits_default(void)
{
    fire_limits_t l;
    bitten_config_fill_params(NULL, s_limit_keys, S_N_LIMIT_KEYS, &l, sizeof l);
    return l;
}

fire_limits_t fire_limits_from_config(const bitten_config_t *cfg)
{
    fire_limits_t l;
    bitten_config_fill_params(cfg, s_limit_keys, S_N_LIMIT_KEYS, &l, sizeof l);
    return l;
}

/* ---------------------------------------------------------------- the checks */

bitten_reason_t fire_check_halted(bool halted_global, bool halted_account)
{
    return (halted_global || halted_account) ? BITTEN_R_HALTED : BITTEN_R_OK;
}

bitten_reason_t fire_check_strict(bool strict_violation)
{
    return strict_violation ? BITTEN_R_STRICT_LEGACY_FILE : BITTEN_R_OK;
}

bool fire_symbol_listed(const char *list, const char *name)
{
    if (!list || !*list)
        return true;
    if (!name || !*name)
        return false;
    size_t nlen = strlen(name);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && end[-1] == ' ')
            end--;
        if ((size_t)(end - start) == nlen && strncmp(start, name, nlen) == 0)
            return true;
    }
    return false;
}

bitten_reason_t fire_check_symbol(const char *symbol, bool symbol_optional,
                                  const bitten_symbol_t *sym, const char *account_symbols)
{
    if (symbol_optional && (!symbol || !*symbol))
        return BITTEN_R_OK;
    if (!symbol || !*symbol || !sym || strcmp(sym->name, symbol) != 0)
        return BITTEN_R_INVALID_SYMBOL;
    return fire_symbol_listed(account_symbols, symbol) ? BITTEN_R_OK : BITTEN_R_INVALID_SYMBOL;
}

bitten_reason_t fire_check_action(bitten_action_t action)
{
    return bitten_action_valid(action) ? BITTEN_R_OK : BITTEN_R_INVALID_ACTION;
}

/*  Buy and sell (known actions only: an invalid one is refused before this matters). */
static bool s_opens(bitten_action_t action)
{
    return action == BITTEN_ACTION_BUY || action == BITTEN_ACTION_SELL;
}

static bool s_usable(const bitten_symbol_t *sym)
{
    return sym && isfinite(sym->point) && sym->point > 0.0 && isfinite(sym->pip) && sym->pip > 0.0;
}

long fire_min_stop_points(const bitten_symbol_t *sym)
{
    if (!s_usable(sym))
        return 0;
    double min_pips = isfinite(sym->min_stop_pips) && sym->min_stop_pips > 0 ? sym->min_stop_pips : 0;
    long points = (long)ceil(min_pips * sym->pip / sym->point - FIRE_STEP_EPS);
    return points < 1 ? 1 : points;
}

double fire_wire_pips(const bitten_symbol_t *sym, double pips)
{
    if (!s_usable(sym) || !isfinite(pips))
        return 0.0;
    return (double)bitten_symbol_pips_to_points(sym, pips) * sym->point / sym->pip;
}

bitten_reason_t fire_check_stops(const fire_request_t *req, const bitten_symbol_t *sym,
                                 double max_stop_pips)
{
    bitten_action_t action = req->action;
    if (!s_opens(action))
        return BITTEN_R_OK;
    double sl = req->sl_pips, tp = req->tp_pips;
    if (!isfinite(sl) || !isfinite(tp) || sl <= 0.0 || tp < 0.0)
        return BITTEN_R_INVALID_STOPS;
    if (sl > max_stop_pips || tp > max_stop_pips)
        return BITTEN_R_INVALID_STOPS;
    //  What the EA will read is the stop rounded to the broker's points: that one must still
    //  be at least the symbol's minimum stop (sl 0.04 pips on EURUSD is 0 points = no stop).
    if (!s_usable(sym) || bitten_symbol_pips_to_points(sym, sl) < fire_min_stop_points(sym))
        return BITTEN_R_INVALID_STOPS;
    if (tp > 0.0 && bitten_symbol_pips_to_points(sym, tp) < 1)
        return BITTEN_R_INVALID_STOPS;
    if (req->entry > 0.0) {
        bool buy = action == BITTEN_ACTION_BUY;
        if (req->sl_price > 0.0 &&
            (buy ? req->sl_price >= req->entry : req->sl_price <= req->entry))
            return BITTEN_R_INVALID_STOPS;
        if (req->tp_price > 0.0 &&
            (buy ? req->tp_price <= req->entry : req->tp_price >= req->entry))
            return BITTEN_R_INVALID_STOPS;
    }
    return BITTEN_R_OK;
}

/*  The hard lot cap: the account's max_lot (when set) and the symbol's max. */
static double s_hard_cap(const bitten_symbol_t *sym, double account_max_lot)
{
    double cap = sym->max_lot;
    if (account_max_lot > 0.0 && account_max_lot < cap)
        cap = account_max_lot;
    return cap;
}

bitten_reason_t fire_check_lot(bool has_lot, double lot, const bitten_symbol_t *sym,
                               double account_max_lot)
{
    if (!has_lot)
        return BITTEN_R_OK;
    if (!isfinite(lot) || lot <= 0.0)
        return BITTEN_R_INVALID_LOT;
    if (!sym)
        return BITTEN_R_INVALID_LOT;
    double eps = sym->lot_step * FIRE_STEP_EPS;
    if (lot < sym->min_lot - eps || lot > s_hard_cap(sym, account_max_lot) + eps)
        return BITTEN_R_INVALID_LOT;
    return BITTEN_R_OK;
}

bitten_reason_t fire_check_expired(bitten_ms_t now, bitten_ms_t expires_at)
{
    return (expires_at > 0 && now > expires_at) ? BITTEN_R_EXPIRED : BITTEN_R_OK;
}

bitten_reason_t fire_check_duplicate(bool already_fired)
{
    return already_fired ? BITTEN_R_DUPLICATE : BITTEN_R_OK;
}

bitten_reason_t fire_check_ea(bitten_reason_t route, bool ea_online)
{
    if (route != BITTEN_R_OK)
        return route;
    return ea_online ? BITTEN_R_OK : BITTEN_R_EA_OFFLINE;
}

bitten_reason_t fire_check_tier(bitten_tier_t tier, bitten_signal_class_t signal_class)
{
    switch (tier) {
    case BITTEN_TIER_NIBBLER:
        return (signal_class == BITTEN_CLASS_RAPID_ASSAULT || signal_class == BITTEN_CLASS_NONE)
                   ? BITTEN_R_OK
                   : BITTEN_R_TIER_FORBIDS;
    case BITTEN_TIER_FANG:
    case BITTEN_TIER_COMMANDER:
        return BITTEN_R_OK;
    case BITTEN_TIER_COUNT_:
        break;
    }
    return BITTEN_R_TIER_FORBIDS;
}

/* ---------------------------------------------------------------- lot sizing */

/*  Whole lot steps in x, rounded down. */
static double s_steps_down(double x, double step)
{
    return floor(x / step + FIRE_STEP_EPS);
}

/*  n steps as a lot, without the float tail (0.07000000000000001). */
static double s_lot_of(double steps, double step)
{
    return round(steps * step * 1e8) / 1e8;
}

static bool s_positive(double v)
{
    return isfinite(v) && v > 0.0;
}

bitten_reason_t fire_size_lot(const fire_sizing_t *in, double *lot_out)
{
    const bitten_symbol_t *sym = in->symbol;
    if (!sym)
        return BITTEN_R_INVALID_SYMBOL;
    if (!s_positive(in->equity) || !s_positive(in->balance) || !s_positive(in->risk_pct) ||
        !s_positive(in->shield_multiplier) || !s_positive(in->mode_multiplier) ||
        !s_positive(in->limits.balance_per_lot) || !s_positive(in->limits.sl_too_wide_factor))
        return BITTEN_R_RISK_UNAVAILABLE;
    if (!s_positive(sym->lot_step) || !s_positive(sym->min_lot) || !s_positive(sym->pip_value))
        return BITTEN_R_INVALID_SYMBOL;
    //  Never size on a stop the wire cannot carry: the smallest is the symbol's minimum stop.
    long min_points = fire_min_stop_points(sym);
    if (!in->has_lot &&
        (min_points <= 0 || !s_positive(in->sl_pips) ||
         in->sl_pips * sym->pip / sym->point < (double)min_points * (1.0 - FIRE_STEP_EPS)))
        return BITTEN_R_INVALID_STOPS;

    double step = sym->lot_step;
    double cap = s_hard_cap(sym, in->account_max_lot);
    double balance_cap = in->balance / in->limits.balance_per_lot;
    if (balance_cap < cap)
        cap = balance_cap;
    double cap_steps = s_steps_down(cap, step);
    double min_steps = ceil(sym->min_lot / step - FIRE_STEP_EPS);

    double target =
        in->equity * in->risk_pct / 100.0 * in->shield_multiplier * in->mode_multiplier;
    double steps;
    if (in->has_lot) {
        if (!s_positive(in->lot))
            return BITTEN_R_INVALID_LOT;
        steps = fmin(s_steps_down(in->lot, step), cap_steps);
        if (steps < min_steps)
            return BITTEN_R_INVALID_LOT;
        //  The operator's lot is checked like a sized one: what it risks at this stop
        //  against the tier's target, with a tolerance (issue 14 item 9).
        if (!in->override_risk) {
            double tol = in->limits.manual_lot_tolerance;
            if (!s_positive(in->sl_pips) || !s_positive(tol))
                return BITTEN_R_RISK_UNAVAILABLE;
            double risk = s_lot_of(steps, step) * in->sl_pips * sym->pip_value;
            if (risk > target * tol * (1.0 + FIRE_STEP_EPS))
                return BITTEN_R_RISK_LOT_TOO_LARGE;
        }
    } else {
        if (!s_positive(in->sl_pips))
            return BITTEN_R_INVALID_STOPS;
        double risk_per_lot = in->sl_pips * sym->pip_value;
        steps = fmin(s_steps_down(target / risk_per_lot, step), cap_steps);
        if (steps < min_steps) {
            double min_risk = sym->min_lot * risk_per_lot;
            double allowed = in->limits.sl_too_wide_factor * target;
            if (min_risk > allowed * (1.0 + FIRE_STEP_EPS))
                return BITTEN_R_RISK_SL_TOO_WIDE;
            if (min_steps > cap_steps)
                return BITTEN_R_INVALID_LOT; /* the balance cannot carry even the min lot */
            steps = min_steps;
        }
    }
    if (lot_out)
        *lot_out = s_lot_of(steps, step);
    return BITTEN_R_OK;
}

/* ---------------------------------------------------------------- the chain */

bitten_reason_t fire_run_checks(const fire_request_t *req, const fire_context_t *ctx,
                                double *lot_out)
{
    bitten_reason_t r;
    bitten_action_t action = req->action;
    /*  An unknown action is treated as opening until check 3 names it: fail closed. */
    bool known = bitten_action_valid(action);
    bool opens = bitten_action_opens(action);
    if (lot_out)
        *lot_out = 0.0;

    /* 1 */
    if (opens && (r = fire_check_halted(ctx->halted_global, ctx->halted_account)) != BITTEN_R_OK)
        return r;
    /* 2 */
    if ((r = fire_check_strict(ctx->strict_violation)) != BITTEN_R_OK)
        return r;
    /* 3 */
    bool symbol_optional = known && action == BITTEN_ACTION_CLOSE_ALL;
    if ((r = fire_check_symbol(req->symbol, symbol_optional, ctx->symbol, ctx->account_symbols)) !=
        BITTEN_R_OK)
        return r;
    if ((r = fire_check_action(action)) != BITTEN_R_OK)
        return r;
    if ((r = fire_check_stops(req, ctx->symbol, ctx->limits.max_stop_pips)) != BITTEN_R_OK)
        return r;
    if (opens && (r = fire_check_lot(req->has_lot, req->lot, ctx->symbol, ctx->account_max_lot)) !=
                     BITTEN_R_OK)
        return r;
    /* 4 */
    if ((r = fire_check_expired(ctx->now, req->expires_at)) != BITTEN_R_OK)
        return r;
    /* 5 */
    if ((r = fire_check_duplicate(ctx->already_fired)) != BITTEN_R_OK)
        return r;
    /* 6 */
    if ((r = fire_check_ea(ctx->route, ctx->ea_online)) != BITTEN_R_OK)
        return r;
    if (!opens)
        return BITTEN_R_OK;
    /* 7 */
    if ((r = fire_check_tier(ctx->tier, req->manual ? BITTEN_CLASS_NONE : req->signal_class)) !=
        BITTEN_R_OK)
        return r;
    /* 8 */
    if (!ctx->risk.fn)
        return BITTEN_R_RISK_UNAVAILABLE;
    bitten_risk_request_t ask = {req->uuid, req->symbol, action, ctx->risk_pct, ctx->in_flight};
    bitten_risk_answer_t view = {0};
    if ((r = ctx->risk.fn(ctx->risk.self, &ask, &view)) != BITTEN_R_OK)
        return r;
    /* 9 */
    fire_sizing_t sizing = {
        .equity = view.equity,
        .balance = view.balance,
        .risk_pct = view.risk_pct,
        .shield_multiplier = req->manual ? 1.0 : req->shield_multiplier,
        .mode_multiplier = view.mode_multiplier,
        .sl_pips = fire_wire_pips(ctx->symbol, req->sl_pips), /* the stop the EA will get */
        .symbol = ctx->symbol,
        .account_max_lot = ctx->account_max_lot,
        .lot = req->lot,
        .has_lot = req->has_lot,
        .override_risk = req->manual && req->override_risk,
        .limits = ctx->limits,
    };
    return fire_size_lot(&sizing, lot_out);
}

/* ---------------------------------------------------------------- the command */

static void s_copy_id(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int fire_build_command(const fire_request_t *req, const bitten_symbol_t *sym, double lot,
                       bitten_ms_t now, bitten_signal_cmd_t *out)
{
    if (!req || !out || fire_check_action(req->action) != BITTEN_R_OK)
        return -1;
    bitten_action_t action = req->action;
    bool opens = s_opens(action);
    if (opens && (!sym || !req->symbol[0]))
        return -1;
    memset(out, 0, sizeof *out);
    s_copy_id(out->signal_id, sizeof out->signal_id, req->signal_id);
    s_copy_id(out->symbol, sizeof out->symbol, req->symbol);
    s_copy_id(out->uuid, sizeof out->uuid, req->uuid);
    out->action = action;
    out->lot = opens ? round(lot * FIRE_LOT_SCALE) / FIRE_LOT_SCALE : 0.0;
    out->sl = opens ? bitten_symbol_pips_to_points(sym, req->sl_pips) : 0;
    out->tp = (opens && req->tp_pips > 0.0) ? bitten_symbol_pips_to_points(sym, req->tp_pips) : 0;
    out->timestamp = now;
    out->expires_at = req->expires_at;
    return 0;
}

/* ---------------------------------------------------------------- the wire */

bitten_reason_t fire_contract_lot(const bitten_symbol_t *sym, double lot, double *wire)
{
    *wire = 0.0;
    if (!sym || !s_positive(sym->lot_step) || !s_positive(sym->min_lot))
        return BITTEN_R_INVALID_SYMBOL;
    if (!s_positive(lot))
        return BITTEN_R_INVALID_LOT;
    double cents = s_lot_of(s_steps_down(lot, 1.0 / FIRE_LOT_SCALE), 1.0 / FIRE_LOT_SCALE);
    double v = s_lot_of(s_steps_down(cents, sym->lot_step), sym->lot_step);
    double scaled = v * FIRE_LOT_SCALE;
    if (fabs(scaled - round(scaled)) > FIRE_STEP_EPS * FIRE_LOT_SCALE ||
        v < sym->min_lot - sym->lot_step * FIRE_STEP_EPS || v <= 0.0)
        return BITTEN_R_INVALID_LOT;
    *wire = round(scaled) / FIRE_LOT_SCALE;
    return BITTEN_R_OK;
}

static int s_encode_contract(const fire_request_t *req, const bitten_account_symbol_t *asym,
                             double lot, bitten_ms_t now, char *buf, size_t size,
                             bitten_dcmd_effect_t *eff, bitten_reason_t *why)
{
    const bitten_symbol_t *sym = asym ? &asym->spec : NULL;
    double wire = 0.0;
    if (s_opens(req->action) && (*why = fire_contract_lot(sym, lot, &wire)) != BITTEN_R_OK)
        return -1;
    bitten_signal_cmd_t cmd;
    if (fire_build_command(req, sym, wire, now, &cmd) != 0) {
        *why = BITTEN_R_INVALID_ACTION;
        return -1;
    }
    if (asym && asym->broker_name[0] && *cmd.symbol)
        s_copy_id(cmd.symbol, sizeof cmd.symbol, asym->broker_name);
    int len = bitten_encode_signal(&cmd, buf, size);
    if (len <= 0) {
        *why = BITTEN_R_INVALID_LOT; /* the encoder refuses only values out of range */
        return -1;
    }
    eff->lot = cmd.lot;
    eff->sl_points = cmd.sl;
    eff->tp_points = cmd.tp;
    return len;
}

int fire_encode(bitten_dialect_t dialect, const fire_request_t *req,
                const bitten_account_symbol_t *asym, double lot, const fire_quote_t *quote,
                bitten_ms_t now, char *buf, size_t size, bitten_dcmd_effect_t *effect,
                bitten_reason_t *why)
{
    memset(effect, 0, sizeof *effect);
    *why = BITTEN_R_OK;
    if (dialect != BITTEN_DIALECT_V7 && dialect != BITTEN_DIALECT_V205 &&
        dialect != BITTEN_DIALECT_V202)
        return s_encode_contract(req, asym, lot, now, buf, size, effect, why);
    bitten_dcmd_t c;
    memset(&c, 0, sizeof c);
    s_copy_id(c.id, sizeof c.id, req->signal_id);
    s_copy_id(c.target_uuid, sizeof c.target_uuid, req->uuid);
    if (asym)
        s_copy_id(c.symbol, sizeof c.symbol, asym->broker_name[0] ? asym->broker_name : asym->spec.name);
    else
        s_copy_id(c.symbol, sizeof c.symbol, req->symbol);
    switch (req->action) {
    case BITTEN_ACTION_BUY:
    case BITTEN_ACTION_SELL:
        if (!asym) {
            *why = BITTEN_R_INVALID_SYMBOL;
            return -1;
        }
        c.kind = BITTEN_DCMD_OPEN;
        c.action = req->action;
        c.lot = lot;
        //  The distances the checks passed, as whole broker points back in price.
        c.sl_dist = (double)bitten_symbol_pips_to_points(&asym->spec, req->sl_pips) * asym->facts.point;
        c.tp_dist = req->tp_pips > 0.0
                        ? (double)bitten_symbol_pips_to_points(&asym->spec, req->tp_pips) * asym->facts.point
                        : 0.0;
        if (dialect != BITTEN_DIALECT_V7) {
            if (!quote || !quote->fresh) {
                *why = BITTEN_R_NO_QUOTE;
                return -1;
            }
            c.bid = quote->bid;
            c.ask = quote->ask;
        }
        break;
    case BITTEN_ACTION_CLOSE:
        c.kind = BITTEN_DCMD_CLOSE_SYMBOL;
        break;
    case BITTEN_ACTION_CLOSE_ALL:
        c.kind = BITTEN_DCMD_CLOSE_ALL;
        if (!*req->symbol)
            c.symbol[0] = '\0';
        break;
    default:
        *why = BITTEN_R_INVALID_ACTION;
        return -1;
    }
    int len = bitten_dialect_encode(dialect, &c, asym ? &asym->facts : NULL, buf, size, effect, why);
    if (len > 0 && c.kind == BITTEN_DCMD_OPEN && dialect != BITTEN_DIALECT_V7) {
        //  v2.x stops are prices; the journal keeps the distances in the broker's points too.
        effect->sl_points = bitten_symbol_pips_to_points(&asym->spec, req->sl_pips);
        effect->tp_points = req->tp_pips > 0.0 ? bitten_symbol_pips_to_points(&asym->spec, req->tp_pips) : 0;
    }
    return len;
}
