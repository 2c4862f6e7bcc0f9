/*  xp_risk_core.c: XP & risk decisions as pure functions over plain structs: the account state
 *  updaters, each risk limit, the gate in its order, halt triggers and lifts, XP and ranks. */
#include "modules/xp_risk/xp_risk_core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*  Units, not policy. */
#define S_MS_PER_S INT64_C(1000)
#define S_MS_PER_MIN INT64_C(60000)
#define S_MS_PER_DAY INT64_C(86400000)
#define S_PERCENT 100.0
/*  Money arithmetic in doubles can land a hair off an exact limit (2999.7 - 2819.7 is not
 *  180): a relative nudge this small keeps "at the limit" at the limit. */
#define S_PCT_EPS 1e-9

/* ================================================================ parameters */

/*  risk_params_default(): xp_risk_params.c, from the key table. */

int risk_telemetry_max_age_s(const risk_params_t *p, bitten_dialect_t dialect)
{
    switch (dialect) {
    case BITTEN_DIALECT_V7:
        return p->telemetry_max_age_v7_s;
    case BITTEN_DIALECT_V205:
        return p->telemetry_max_age_v205_s;
    case BITTEN_DIALECT_V202:
        return p->telemetry_max_age_v202_s;
    default:
        return p->telemetry_max_age_s;
    }
}

const risk_tier_params_t *risk_tier_params(const risk_params_t *p, bitten_tier_t tier)
{
    switch (tier) {
    case BITTEN_TIER_NIBBLER:
        return &p->nibbler;
    case BITTEN_TIER_FANG:
        return &p->fang;
    case BITTEN_TIER_COMMANDER:
        return &p->commander;
    case BITTEN_TIER_COUNT_:
        break;
    }
    return NULL;
}

/* ================================================================ helpers */

/*  part / whole x 100, multiplied first so exact inputs give exact limits (600 of 10000 is
 *  6.0, not 6.000000000000001). */
static double s_pct(double part, double whole)
{
    return part * S_PERCENT / whole;
}

/*  value >= limit, allowing for float error in value. */
static bool s_at_or_above(double value, double limit)
{
    return value >= limit - fabs(limit) * S_PCT_EPS;
}

/*  value > limit, allowing for float error in value. */
static bool s_above(double value, double limit)
{
    return value > limit + fabs(limit) * S_PCT_EPS;
}

static bool s_is_side(bitten_action_t a)
{
    return a == BITTEN_ACTION_BUY || a == BITTEN_ACTION_SELL;
}

static void s_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/*  Floor division: days before the epoch stay distinct. */
static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static bool s_telemetry_fresh(const account_state_t *s, const risk_params_t *p, bitten_ms_t now)
{
    //  now < last_telemetry_at (restored from a run whose clock was ahead) is not fresh.
    return s->has_telemetry && now >= s->last_telemetry_at &&
           now - s->last_telemetry_at <=
               (int64_t)risk_telemetry_max_age_s(p, s->telemetry_dialect) * S_MS_PER_S;
}

/*  A copy of the state as it is at now: the day rolled if it has. */
static account_state_t s_rolled(const account_state_t *s, const risk_params_t *p, bitten_ms_t now)
{
    account_state_t r = *s;
    account_roll_day(&r, now, p);
    return r;
}

/*  The same without the copy while the day has not rolled (every telemetry evaluates the
 *  halts: no copy of the positions and fire history then): s itself, else *scratch. */
static const account_state_t *s_rolled_view(const account_state_t *s, const risk_params_t *p,
                                            bitten_ms_t now, account_state_t *scratch)
{
    if (s->has_day && risk_day_index(now, p) <= s->day_index)
        return s; /* account_roll_day would change nothing */
    *scratch = s_rolled(s, p, now);
    return scratch;
}

/* ================================================================ account state */

void account_state_init(account_state_t *s)
{
    memset(s, 0, sizeof *s);
}

static void *(*s_realloc)(void *, size_t) = realloc;

void account_state_set_realloc(void *(*fn)(void *, size_t))
{
    s_realloc = fn ? fn : realloc;
}

void account_state_free(account_state_t *s)
{
    free(s->positions);
    free(s->recent_fires);
    account_state_init(s);
}

int account_state_reserve(account_state_t *s, size_t positions)
{
    if (!s->recent_fires) {
        bitten_ms_t *ring = s_realloc(NULL, RISK_RECENT_FIRES_MAX * sizeof *ring);
        if (!ring)
            return -1;
        memset(ring, 0, RISK_RECENT_FIRES_MAX * sizeof *ring);
        s->recent_fires = ring;
    }
    if (positions > RISK_POSITIONS_MAX)
        positions = RISK_POSITIONS_MAX;
    if (positions <= s->position_cap)
        return 0;
    //  Doubling from 4: a handful of reallocs up to the storage size.
    size_t cap = s->position_cap ? s->position_cap * 2 : 4;
    while (cap < positions)
        cap *= 2;
    if (cap > RISK_POSITIONS_MAX)
        cap = RISK_POSITIONS_MAX;
    risk_position_t *grown = s_realloc(s->positions, cap * sizeof *grown);
    if (!grown)
        return -1;
    s->positions = grown;
    s->position_cap = cap;
    return 0;
}

int64_t risk_day_index(bitten_ms_t t, const risk_params_t *p)
{
    return s_floor_div(t - (int64_t)p->day_rollover_utc * S_MS_PER_MIN, S_MS_PER_DAY);
}

bool account_roll_day(account_state_t *s, bitten_ms_t now, const risk_params_t *p)
{
    int64_t day = risk_day_index(now, p);
    if (s->has_day && day <= s->day_index)
        return false;
    s->day_index = day;
    s->has_day = true;
    s->day_start_balance = 0.0;
    s->has_day_start = false;
    s->realised_pl_today = 0.0;
    s->closes_unknown_today = 0;
    s->fires_today = 0;
    return true;
}

/*  Balance and equity seen (telemetry or heartbeat): peak and day-start follow. */
static void s_see_balance_equity(account_state_t *s, bool has_balance, double balance,
                                 bool has_equity, double equity)
{
    if (has_balance) {
        s->balance = balance;
        s->has_balance = true;
        if (!s->has_day_start && balance > 0.0) {
            s->day_start_balance = balance;
            s->has_day_start = true;
        }
    }
    if (has_equity) {
        s->equity = equity;
        s->has_equity = true;
        if (equity > s->peak_equity)
            s->peak_equity = equity;
    }
}

/*  The EA's position count; 0 means nothing is open, so tracked positions whose close result
 *  never came are dropped (else they would block max positions and hedges for ever). Not for
 *  EA v7's count: one heartbeat may be stale, and the fire router reconciles v7's closes (0
 *  twice in a row, fire_reconcile.h), each reaching here as a CLOSED fire. */
static void s_see_positions(account_state_t *s, bool has_positions, int64_t positions)
{
    if (!has_positions)
        return;
    s->reported_positions = positions;
    s->has_reported_positions = true;
    //  A margin is known only for the count it was reported with (account_apply_ea_state).
    if (s->has_margin_basis && positions != s->margin_basis_positions)
        s->has_margin_basis = false;
    s->margin_pending_opens = 0;
    if (positions == 0 && s->telemetry_dialect != BITTEN_DIALECT_V7)
        s->position_count = 0;
    //  Nothing open on the EA and nothing tracked: what memory lost (a fill, a fire time) no
    //  longer hides a position, so the account is tracked again (the fire times lost may still
    //  make the rate window count short until it passes).
    if (positions == 0 && s->position_count == 0)
        s->untracked = false;
}

//  A balance the EA just reported: judges the closes of unknown profit waiting for it (one
//  loss or one gain for all of them: which one lost is unknown), and takes the basis for the
//  positions still open.
static void s_judge_unknown_closes(account_state_t *s, bitten_ms_t now, const risk_params_t *p)
{
    if (!s->has_balance)
        return;
    if (s->unknown_close_waiting && s->has_unknown_basis) {
        s->unknown_close_waiting = false;
        double delta = s->balance - s->unknown_basis_balance;
        switch (risk_close_outcome(delta, s->balance, p)) {
        case RISK_CLOSE_LOSS:
            s->consecutive_losses++;
            s->last_loss_at = now;
            s->win_streak = 0;
            break;
        case RISK_CLOSE_WIN:
            s->consecutive_losses = 0;
            break;
        case RISK_CLOSE_BREAKEVEN:
            break;
        }
        s->has_unknown_basis = false;
    }
    if (!s->has_unknown_basis && s->position_count > 0) {
        s->unknown_basis_balance = s->balance;
        s->has_unknown_basis = true;
    }
}

int account_apply_telemetry(account_state_t *s, const bitten_telemetry_t *t, bitten_ms_t now,
                            const risk_params_t *p)
{
    if (!isfinite(t->balance) || !isfinite(t->equity) || (t->has_margin && !isfinite(t->margin)) ||
        (t->has_free_margin && !isfinite(t->free_margin)) ||
        (t->has_margin_level && !isfinite(t->margin_level)))
        return -1;
    account_roll_day(s, now, p);
    s_see_balance_equity(s, true, t->balance, true, t->equity);

    s->has_margin = t->has_margin;
    s->margin = t->has_margin ? t->margin : 0.0;
    if (t->has_free_margin) {
        s->free_margin = t->free_margin;
        s->has_free_margin = true;
    } else {
        s->has_free_margin = t->has_margin;
        s->free_margin = t->has_margin ? t->equity - t->margin : 0.0;
    }
    /* MT5 reports margin level 0 when no margin is used: that is "none", not 0 %. */
    s->margin_level = 0.0;
    if (t->has_margin && t->margin == 0.0) {
        s->margin_level_state = RISK_LEVEL_NONE;
    } else if (t->has_margin_level && t->margin_level > 0.0) {
        s->margin_level_state = RISK_LEVEL_KNOWN;
        s->margin_level = t->margin_level;
    } else if (t->has_margin && t->margin > 0.0) {
        s->margin_level_state = RISK_LEVEL_KNOWN;
        s->margin_level = s_pct(t->equity, t->margin);
    } else if (t->has_margin_level && t->margin_level == 0.0) {
        s->margin_level_state = RISK_LEVEL_NONE;
    } else {
        s->margin_level_state = RISK_LEVEL_UNKNOWN; /* negative margin or nothing said */
    }

    s_see_positions(s, t->has_positions, t->positions);
    s->last_telemetry_at = now;
    s->has_telemetry = true;
    s_judge_unknown_closes(s, now, p);
    return 0;
}

int account_apply_heartbeat(account_state_t *s, const bitten_ea_heartbeat_t *h, bitten_ms_t now,
                            const risk_params_t *p)
{
    if ((h->has_balance && !isfinite(h->balance)) || (h->has_equity && !isfinite(h->equity)))
        return -1;
    account_roll_day(s, now, p);
    s_see_balance_equity(s, h->has_balance, h->balance, h->has_equity, h->equity);
    s_see_positions(s, h->has_positions, h->positions);
    s_judge_unknown_closes(s, now, p);
    return 0;
}

bool risk_ea_state_telemetry(const risk_ea_state_t *in, bitten_telemetry_t *out)
{
    memset(out, 0, sizeof *out);
    if (!in->has_balance || !in->has_equity)
        return false;
    out->balance = in->balance;
    out->equity = in->equity;
    out->has_margin = in->has_margin;
    out->margin = in->margin;
    out->has_free_margin = in->has_free_margin;
    out->free_margin = in->free_margin;
    out->has_margin_level = in->has_margin_level;
    out->margin_level = in->margin_level;
    out->has_positions = in->has_positions;
    out->positions = in->positions;
    if (!in->has_margin && !in->has_free_margin && !in->has_margin_level && in->has_positions &&
        in->positions == 0) {
        out->has_margin = true; /* no position, no margin */
        out->margin = 0.0;
    }
    return true;
}

int account_apply_ea_state(account_state_t *s, const risk_ea_state_t *in, bitten_ms_t now,
                           const risk_params_t *p)
{
    bitten_telemetry_t t;
    if (!risk_ea_state_telemetry(in, &t))
        return 1;
    bool says_margin = in->has_margin || in->has_free_margin || in->has_margin_level;
    bool counted = in->has_positions && in->positions > 0;
    bool has_basis = s->has_margin_basis;
    double basis = s->margin_basis;
    int64_t basis_positions = s->margin_basis_positions;
    bool carried = false;
    if (!says_margin && counted) {
        //  Opening fills' margin, bound to the first count after them when it grew by exactly
        //  one position per fill.
        if (s->margin_pending_opens > 0 && s->has_reported_positions &&
            in->positions == s->reported_positions + s->margin_pending_opens) {
            has_basis = true;
            basis = s->margin_pending;
            basis_positions = in->positions;
        }
        if (has_basis && basis_positions == in->positions) {
            t.has_margin = true;
            t.margin = basis;
            carried = true;
        }
    }
    //  Known before this frame: an opening fill adds margin, so a result not above it is not
    //  known to be after the fill.
    bool known = s->has_margin && s->margin_level_state != RISK_LEVEL_UNKNOWN;
    double margin_before = s->margin;
    if (account_apply_telemetry(s, &t, now, p) != 0)
        return -1;
    if (in->has_positions) {
        //  s_see_positions dropped a basis of another count and the pending fills.
        s->has_margin_basis = false;
        if (carried || (counted && in->has_margin && in->margin > 0.0)) {
            s->has_margin_basis = true;
            s->margin_basis = carried ? basis : in->margin;
            s->margin_basis_positions = in->positions;
        }
    } else if (says_margin) {
        //  A trade result: the book changed, its count is not said.
        s->has_margin_basis = false;
        if (in->opening_fill && in->has_margin && in->margin > 0.0 &&
            (!known || in->margin > margin_before) && s->margin_pending_opens >= 0) {
            s->margin_pending_opens++;
            s->margin_pending = in->margin;
        } else {
            s->margin_pending_opens = -1;
        }
    }
    return 0;
}

bool risk_wants_margin_status(const account_state_t *s, const risk_params_t *p,
                              bitten_ms_t last_asked, bitten_ms_t now)
{
    if (s->telemetry_dialect != BITTEN_DIALECT_V7 || p->margin_status_interval_v7_s <= 0 ||
        s->margin_level_state != RISK_LEVEL_UNKNOWN || !s->has_reported_positions ||
        s->reported_positions <= 0)
        return false;
    return last_asked <= 0 || now < last_asked ||
           now - last_asked >= (int64_t)p->margin_status_interval_v7_s * S_MS_PER_S;
}

static int s_find_position(const account_state_t *s, const char *signal_id, int64_t ticket)
{
    for (size_t i = 0; i < s->position_count; i++) {
        const risk_position_t *pos = &s->positions[i];
        if (signal_id && signal_id[0] && strcmp(pos->signal_id, signal_id) == 0)
            return (int)i;
        if (ticket > 0 && pos->ticket == ticket)
            return (int)i;
    }
    return -1;
}

int account_apply_fill(account_state_t *s, const char *signal_id, const char *symbol,
                       bitten_action_t direction, double lot, int64_t ticket)
{
    if (!signal_id || !signal_id[0] || !symbol || !symbol[0] || !s_is_side(direction))
        return -1;
    if (s_find_position(s, signal_id, 0) >= 0)
        return 1;
    if (s->position_count >= RISK_POSITIONS_MAX)
        return -1;
    if (account_state_reserve(s, s->position_count + 1) != 0) {
        s->untracked = true;
        return -2;
    }
    risk_position_t *pos = &s->positions[s->position_count++];
    memset(pos, 0, sizeof *pos);
    s_copy(pos->signal_id, sizeof pos->signal_id, signal_id);
    s_copy(pos->symbol, sizeof pos->symbol, symbol);
    pos->direction = direction;
    pos->ticket = ticket > 0 ? ticket : 0;
    pos->lot = lot;
    if (!s->has_unknown_basis && s->has_balance) {
        s->unknown_basis_balance = s->balance; /* an open adds nothing to the balance */
        s->has_unknown_basis = true;
    }
    return 0;
}

risk_close_outcome_t risk_close_outcome(double profit, double balance, const risk_params_t *p)
{
    if (balance > 0.0 && fabs(profit) < balance * p->xp.breakeven_pct / S_PERCENT)
        return RISK_CLOSE_BREAKEVEN;
    return profit > 0.0 ? RISK_CLOSE_WIN : (profit < 0.0 ? RISK_CLOSE_LOSS : RISK_CLOSE_BREAKEVEN);
}

const char *risk_close_outcome_str(risk_close_outcome_t o)
{
    switch (o) {
    case RISK_CLOSE_WIN:
        return "WIN";
    case RISK_CLOSE_LOSS:
        return "LOSS";
    case RISK_CLOSE_BREAKEVEN:
        return "BREAKEVEN";
    }
    return "?";
}

/*  Removes the position matched by signal_id (or ticket > 0); its index, or -1 when none. */
static int s_untrack(account_state_t *s, const char *signal_id, int64_t ticket)
{
    int at = s_find_position(s, signal_id, ticket);
    if (at >= 0) {
        s->positions[at] = s->positions[s->position_count - 1];
        s->position_count--;
    }
    return at;
}

int account_apply_close(account_state_t *s, const char *signal_id, int64_t ticket, double profit,
                        bitten_ms_t now, const risk_params_t *p, risk_close_outcome_t *outcome)
{
    if (!isfinite(profit))
        return -1;
    account_roll_day(s, now, p);
    int at = s_untrack(s, signal_id, ticket);
    s->realised_pl_today += profit;

    risk_close_outcome_t o = risk_close_outcome(profit, s->balance, p);
    switch (o) {
    case RISK_CLOSE_WIN:
        s->win_streak++;
        s->consecutive_losses = 0;
        break;
    case RISK_CLOSE_LOSS:
        s->consecutive_losses++;
        s->last_loss_at = now;
        s->win_streak = 0;
        break;
    case RISK_CLOSE_BREAKEVEN:
        s->win_streak = 0;
        s->consecutive_losses = 0;
        break;
    }
    if (outcome)
        *outcome = o;
    return at >= 0 ? 0 : 1;
}

int account_apply_close_unknown(account_state_t *s, const char *signal_id, int64_t ticket,
                                bitten_ms_t now, const risk_params_t *p)
{
    account_roll_day(s, now, p);
    int at = s_untrack(s, signal_id, ticket);
    s->closes_unknown_today++;
    if (s->has_unknown_basis)
        s->unknown_close_waiting = true;
    return at >= 0 ? 0 : 1;
}

void account_record_fire(account_state_t *s, bitten_ms_t now, const risk_params_t *p)
{
    account_roll_day(s, now, p);
    s->fires_today++;
    s->last_fire_at = now;
    if (!s->recent_fires && account_state_reserve(s, 0) != 0) {
        s->untracked = true;
        return;
    }
    s->recent_fires[s->recent_fire_next] = now;
    s->recent_fire_next = (s->recent_fire_next + 1) % RISK_RECENT_FIRES_MAX;
    if (s->recent_fire_count < RISK_RECENT_FIRES_MAX)
        s->recent_fire_count++;
}

bool account_daily_loss_pct(const account_state_t *s, double *out)
{
    if (!s->has_day_start || !(s->day_start_balance > 0.0) || !s->has_balance || !s->has_equity)
        return false;
    double low = fmin(s->balance, s->equity);
    *out = s_pct(s->day_start_balance - low, s->day_start_balance);
    return true;
}

bool account_drawdown_pct(const account_state_t *s, double *out)
{
    if (!(s->peak_equity > 0.0) || !s->has_equity)
        return false;
    *out = s_pct(s->peak_equity - s->equity, s->peak_equity);
    return true;
}

size_t account_open_positions(const account_state_t *s)
{
    size_t reported = (s->has_reported_positions && s->reported_positions > 0)
                          ? (size_t)s->reported_positions
                          : 0;
    return reported > s->position_count ? reported : s->position_count;
}

/* ================================================================ the limits */

bitten_reason_t risk_check_stale_telemetry(const account_state_t *s, const risk_params_t *p,
                                           bitten_ms_t now)
{
    return (s_telemetry_fresh(s, p, now) && s->has_day_start) ? BITTEN_R_OK
                                                              : BITTEN_R_RISK_STALE_TELEMETRY;
}

bool risk_is_medic(const account_state_t *s, const risk_params_t *p)
{
    double loss;
    return account_daily_loss_pct(s, &loss) && s_at_or_above(loss, p->medic_daily_loss_pct);
}

bitten_reason_t risk_check_daily_loss(const account_state_t *s, const risk_tier_params_t *t)
{
    double loss;
    if (!account_daily_loss_pct(s, &loss) || s_at_or_above(loss, t->daily_loss_pct))
        return BITTEN_R_RISK_DAILY_LOSS;
    return BITTEN_R_OK;
}

bitten_reason_t risk_check_drawdown(const account_state_t *s, const risk_params_t *p)
{
    double dd;
    if (!account_drawdown_pct(s, &dd) || s_above(dd, p->drawdown_halt_pct))
        return BITTEN_R_RISK_DRAWDOWN;
    return BITTEN_R_OK;
}

bitten_reason_t risk_check_margin(const account_state_t *s, const risk_params_t *p)
{
    switch (s->margin_level_state) {
    case RISK_LEVEL_NONE:
        return BITTEN_R_OK;
    case RISK_LEVEL_KNOWN:
        return s->margin_level < p->margin_level_block_pct ? BITTEN_R_RISK_MARGIN : BITTEN_R_OK;
    case RISK_LEVEL_UNKNOWN:
        break;
    }
    return BITTEN_R_RISK_MARGIN;
}

bitten_reason_t risk_check_free_margin(const account_state_t *s, const risk_params_t *p)
{
    if (!s->has_free_margin || s->free_margin < p->free_margin_min)
        return BITTEN_R_RISK_FREE_MARGIN;
    return BITTEN_R_OK;
}

/*  The open-position limit in force: the tier's, lowered in medic mode. */
static int s_max_positions(const account_state_t *s, const risk_params_t *p,
                           const risk_tier_params_t *t)
{
    if (risk_is_medic(s, p) && p->medic_max_positions < t->max_positions)
        return p->medic_max_positions;
    return t->max_positions;
}

bitten_reason_t risk_check_max_positions(const account_state_t *s, const risk_params_t *p,
                                         const risk_tier_params_t *t, int in_flight)
{
    int limit = s_max_positions(s, p, t);
    size_t pending = in_flight > 0 ? (size_t)in_flight : 0;
    if (limit <= 0 || account_open_positions(s) + pending >= (size_t)limit)
        return BITTEN_R_RISK_MAX_POSITIONS;
    return BITTEN_R_OK;
}

bitten_reason_t risk_check_cooldown(const account_state_t *s, const risk_params_t *p,
                                    const risk_tier_params_t *t, bitten_ms_t now)
{
    if (p->cooldown_after_losses > 0 && s->consecutive_losses >= p->cooldown_after_losses &&
        now - s->last_loss_at < (int64_t)t->cooldown_s * S_MS_PER_S)
        return BITTEN_R_RISK_COOLDOWN;
    return BITTEN_R_OK;
}

bitten_reason_t risk_check_daily_shots(const account_state_t *s, const risk_tier_params_t *t)
{
    return s->fires_today >= t->fires_per_day ? BITTEN_R_RISK_DAILY_SHOTS : BITTEN_R_OK;
}

bitten_reason_t risk_check_rate(const account_state_t *s, const risk_params_t *p, bitten_ms_t now)
{
    if (s->last_fire_at != 0 && now - s->last_fire_at < (int64_t)p->fire_spacing_s * S_MS_PER_S)
        return BITTEN_R_RISK_RATE;
    int64_t window = (int64_t)p->rate_window_s * S_MS_PER_S;
    size_t in_window = 0;
    for (size_t i = 0; i < s->recent_fire_count; i++)
        if (now - s->recent_fires[i] < window)
            in_window++;
    /* A limit above the ring's size can only be seen up to the ring: refuse at a full ring. */
    size_t limit = p->max_fires_per_window < 0 ? 0 : (size_t)p->max_fires_per_window;
    if (limit > RISK_RECENT_FIRES_MAX)
        limit = RISK_RECENT_FIRES_MAX;
    return in_window >= limit ? BITTEN_R_RISK_RATE : BITTEN_R_OK;
}

bitten_reason_t risk_check_hedge(const account_state_t *s, const risk_params_t *p,
                                 const char *symbol, bitten_action_t direction)
{
    if (!p->refuse_hedge)
        return BITTEN_R_OK;
    for (size_t i = 0; i < s->position_count; i++) {
        const risk_position_t *pos = &s->positions[i];
        if (strcmp(pos->symbol, symbol) == 0 && pos->direction != direction)
            return BITTEN_R_RISK_HEDGE;
    }
    return BITTEN_R_OK;
}

/* ================================================================ the gate */

static void s_fill_view(const account_state_t *s, const risk_params_t *p,
                        const risk_tier_params_t *t, double account_risk_pct, risk_view_t *v)
{
    memset(v, 0, sizeof *v);
    v->equity = s->has_equity ? s->equity : 0.0;
    v->balance = s->has_balance ? s->balance : 0.0;
    if (!t)
        return;
    v->base_risk_pct =
        (account_risk_pct > 0.0 && account_risk_pct < t->risk_pct) ? account_risk_pct : t->risk_pct;
    v->medic = risk_is_medic(s, p);
    v->mode_multiplier = v->medic ? p->medic_risk_multiplier : 1.0;
    v->risk_pct = v->base_risk_pct * v->mode_multiplier;
    if (!account_daily_loss_pct(s, &v->daily_loss_pct))
        v->daily_loss_pct = 0.0;
    if (!account_drawdown_pct(s, &v->drawdown_pct))
        v->drawdown_pct = 0.0;
    v->drawdown_warn = s_above(v->drawdown_pct, p->drawdown_warn_pct);
    v->max_positions = s_max_positions(s, p, t);
}

bitten_reason_t risk_gate(const risk_params_t *p, bitten_tier_t tier, const account_state_t *state,
                          const bitten_risk_request_t *req, bitten_ms_t now, risk_view_t *view)
{
    const risk_tier_params_t *t = risk_tier_params(p, tier);
    account_state_t s = s_rolled(state, p, now);
    risk_view_t local;
    s_fill_view(&s, p, t, req ? req->risk_pct : 0.0, view ? view : &local);
    if (!t || !req || !req->symbol || !s_is_side(req->action) || s.untracked)
        return BITTEN_R_RISK_UNAVAILABLE;

    bitten_reason_t r;
    if ((r = risk_check_stale_telemetry(&s, p, now)) != BITTEN_R_OK ||
        (r = risk_check_daily_loss(&s, t)) != BITTEN_R_OK ||
        (r = risk_check_drawdown(&s, p)) != BITTEN_R_OK ||
        (r = risk_check_margin(&s, p)) != BITTEN_R_OK ||
        (r = risk_check_free_margin(&s, p)) != BITTEN_R_OK ||
        (r = risk_check_max_positions(&s, p, t, req->in_flight)) != BITTEN_R_OK ||
        (r = risk_check_cooldown(&s, p, t, now)) != BITTEN_R_OK ||
        (r = risk_check_daily_shots(&s, t)) != BITTEN_R_OK ||
        (r = risk_check_rate(&s, p, now)) != BITTEN_R_OK ||
        (r = risk_check_hedge(&s, p, req->symbol, req->action)) != BITTEN_R_OK)
        return r;
    return BITTEN_R_OK;
}

void risk_view_answer(const risk_view_t *view, bitten_risk_answer_t *answer)
{
    answer->equity = view->equity;
    answer->balance = view->balance;
    answer->risk_pct = view->base_risk_pct;
    answer->mode_multiplier = view->mode_multiplier;
}

/* ================================================================ halts */

const char *risk_trigger_str(risk_trigger_t t)
{
    switch (t) {
    case RISK_TRIGGER_DRAWDOWN:
        return "DRAWDOWN";
    case RISK_TRIGGER_MARGIN:
        return "MARGIN";
    case RISK_TRIGGER_DAILY_LOSS:
        return "DAILY_LOSS";
    case RISK_TRIGGER_COUNT:
        break;
    }
    return "?";
}

bitten_reason_t risk_trigger_reason(risk_trigger_t t)
{
    switch (t) {
    case RISK_TRIGGER_DRAWDOWN:
        return BITTEN_R_RISK_DRAWDOWN;
    case RISK_TRIGGER_MARGIN:
        return BITTEN_R_RISK_MARGIN;
    case RISK_TRIGGER_DAILY_LOSS:
        return BITTEN_R_RISK_DAILY_LOSS;
    case RISK_TRIGGER_COUNT:
        break;
    }
    return BITTEN_R_INTERNAL;
}

int risk_trigger_from_reason(bitten_reason_t reason)
{
    for (int t = 0; t < RISK_TRIGGER_COUNT; t++)
        if (risk_trigger_reason((risk_trigger_t)t) == reason)
            return t;
    return -1;
}

static void s_add_halt(risk_halt_decision_t *out, risk_trigger_t trigger, bitten_halt_kind_t kind)
{
    out->halts[out->count++] =
        (risk_halt_t){.trigger = trigger, .kind = kind, .reason = risk_trigger_reason(trigger)};
}

void risk_halt_triggers(const risk_params_t *p, bitten_tier_t tier, const account_state_t *state,
                        bitten_ms_t now, risk_halt_decision_t *out)
{
    memset(out, 0, sizeof *out);
    if (!state->has_telemetry)
        return;
    account_state_t scratch;
    const account_state_t *s = s_rolled_view(state, p, now, &scratch);
    double dd, loss;
    if (account_drawdown_pct(s, &dd)) {
        out->drawdown_warn = s_above(dd, p->drawdown_warn_pct);
        if (s_above(dd, p->drawdown_halt_pct))
            s_add_halt(out, RISK_TRIGGER_DRAWDOWN, BITTEN_HALT_HARD);
    }
    if (s->margin_level_state == RISK_LEVEL_KNOWN && s->margin_level < p->margin_level_alarm_pct) {
        out->margin_alarm = true;
        s_add_halt(out, RISK_TRIGGER_MARGIN, BITTEN_HALT_SOFT);
    }
    const risk_tier_params_t *t = risk_tier_params(p, tier);
    if (t && account_daily_loss_pct(s, &loss) && s_at_or_above(loss, t->daily_loss_pct))
        s_add_halt(out, RISK_TRIGGER_DAILY_LOSS, BITTEN_HALT_SOFT);
}

bool risk_halt_may_lift(bitten_halt_kind_t kind, risk_trigger_t trigger, bitten_ms_t raised_at,
                        const account_state_t *s, const risk_params_t *p, bitten_ms_t now)
{
    if (kind != BITTEN_HALT_SOFT)
        return false;
    switch (trigger) {
    case RISK_TRIGGER_DRAWDOWN:
        return false;
    case RISK_TRIGGER_MARGIN:
        if (!s_telemetry_fresh(s, p, now))
            return false;
        return s->margin_level_state == RISK_LEVEL_NONE ||
               (s->margin_level_state == RISK_LEVEL_KNOWN &&
                s->margin_level >= p->margin_level_alarm_pct);
    case RISK_TRIGGER_DAILY_LOSS:
        return risk_day_index(now, p) > risk_day_index(raised_at, p);
    case RISK_TRIGGER_COUNT:
        break;
    }
    return false;
}

/* ================================================================ XP */

size_t xp_awards_for_event(const risk_params_t *p, const xp_event_t *ev,
                           xp_award_t out[XP_AWARDS_MAX])
{
    const xp_params_t *x = &p->xp;
    size_t n = 0;
    if (ev->on == XP_ON_FILLED) {
        out[n++] = (xp_award_t){XP_EVENT_FILLED, x->fire_filled};
        return n;
    }
    switch (risk_close_outcome(ev->profit, ev->balance, p)) {
    case RISK_CLOSE_BREAKEVEN:
        out[n++] = (xp_award_t){XP_EVENT_CLOSED_BREAKEVEN, x->closed_breakeven};
        break;
    case RISK_CLOSE_WIN: {
        int streak = ev->win_streak < 0 ? 0 : ev->win_streak;
        if (streak > x->win_streak_cap)
            streak = x->win_streak_cap;
        out[n++] = (xp_award_t){XP_EVENT_CLOSED_PROFIT,
                                x->closed_profit + x->win_streak_bonus * (int64_t)streak};
        break;
    }
    case RISK_CLOSE_LOSS:
        if (ev->has_sl)
            out[n++] = (xp_award_t){XP_EVENT_CLOSED_LOSS_SL, x->closed_loss_with_sl};
        break;
    }
    if (ev->planned_risk > 0.0 &&
        s_at_or_above(ev->profit, x->reward_multiple_r * ev->planned_risk))
        out[n++] = (xp_award_t){XP_EVENT_REWARD_2R, x->reward_multiple};
    return n;
}

/*  The ladder, lowest first. Constant because a bitten_rank_fn takes no parameters. */
static const struct {
    int64_t min_xp;
    const char *name;
} s_ranks[] = {
    {0, "RECRUIT"},     {100, "PRIVATE"},     {500, "CORPORAL"},
    {1000, "SERGEANT"}, {2500, "LIEUTENANT"}, {5000, "CAPTAIN"},
    {10000, "MAJOR"},   {25000, "COLONEL"},   {50000, "GENERAL"},
};
#define S_RANK_COUNT (sizeof s_ranks / sizeof s_ranks[0])

static size_t s_rank_index(int64_t xp)
{
    size_t i = 0;
    while (i + 1 < S_RANK_COUNT && xp >= s_ranks[i + 1].min_xp)
        i++;
    return i;
}

const char *xp_rank_for(int64_t xp)
{
    return s_ranks[s_rank_index(xp)].name;
}

const char *xp_rank_up(int64_t before, int64_t after)
{
    size_t to = s_rank_index(after);
    return to > s_rank_index(before) ? s_ranks[to].name : NULL;
}
