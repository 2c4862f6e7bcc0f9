/*  test_xp_risk_core.c: unit tests for XP & risk's pure core (src/modules/xp_risk): every
 *  limit at its boundary per tier, medic mode, day rollover, halts, the XP ladder and ranks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store.h" /* bitten_rank_fn: xp_rank_for is the store's rank callback */
#include "modules/fire_router/fire_checks.h" /* the router's chain, for the end-to-end case */
#include "modules/xp_risk/xp_risk_core.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

#define R(code) BITTEN_R_##code
#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY_MS (24 * HOUR)
/*  2025-09-15T00:00:00Z (a Monday) and 10:00 that day. */
#define DAY0 INT64_C(1757894400000)
#define T0 (DAY0 + 10 * HOUR)

static const bitten_tier_t s_tiers[] = {BITTEN_TIER_NIBBLER, BITTEN_TIER_FANG,
                                        BITTEN_TIER_COMMANDER};

/* ---------------------------------------------------------------- fixtures */

static bitten_telemetry_t s_tel(double balance, double equity, double margin, double free_margin)
{
    bitten_telemetry_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.uuid, sizeof t.uuid, "acct_1");
    t.balance = balance;
    t.equity = equity;
    t.margin = margin;
    t.has_margin = true;
    t.free_margin = free_margin;
    t.has_free_margin = true;
    return t;
}

/*  Telemetry with no margin in use: margin 0, free margin = equity. */
static bitten_telemetry_t s_flat(double balance, double equity)
{
    return s_tel(balance, equity, 0.0, equity);
}

static void s_feed(account_state_t *s, const bitten_telemetry_t *t, bitten_ms_t now,
                   const risk_params_t *p)
{
    assert_int_equal(account_apply_telemetry(s, t, now, p), 0);
}

/*  A fresh account: day started at 10000, telemetry at T0 showing 10000 flat. */
static account_state_t s_account(const risk_params_t *p)
{
    account_state_t s;
    account_state_init(&s);
    bitten_telemetry_t t = s_flat(10000.0, 10000.0);
    s_feed(&s, &t, T0, p);
    return s;
}

static bitten_risk_request_t s_req(const char *symbol, bitten_action_t dir)
{
    return (bitten_risk_request_t){
        .uuid = "acct_1", .symbol = symbol, .action = dir, .risk_pct = 0.0};
}

static bitten_reason_t s_gate(const risk_params_t *p, bitten_tier_t tier, const account_state_t *s,
                              bitten_ms_t now)
{
    bitten_risk_request_t req = s_req("EURUSD", BITTEN_ACTION_BUY);
    return risk_gate(p, tier, s, &req, now, NULL);
}

/* ---------------------------------------------------------------- parameters */

static void test_defaults_hold_every_number_of_the_spec(void **state)
{
    risk_params_t p = risk_params_default();
    assert_double_equal(p.nibbler.risk_pct, 1.0, 0);
    assert_double_equal(p.fang.risk_pct, 1.25, 0);
    assert_double_equal(p.commander.risk_pct, 1.25, 0);
    assert_double_equal(p.nibbler.daily_loss_pct, 6.0, 0);
    assert_double_equal(p.fang.daily_loss_pct, 8.5, 0);
    assert_double_equal(p.commander.daily_loss_pct, 8.5, 0);
    assert_int_equal(p.nibbler.fires_per_day, 6);
    assert_int_equal(p.fang.fires_per_day, 10);
    assert_int_equal(p.commander.fires_per_day, 20);
    assert_int_equal(p.nibbler.max_positions, 1);
    assert_int_equal(p.fang.max_positions, 2);
    assert_int_equal(p.commander.max_positions, 3);
    assert_int_equal(p.nibbler.cooldown_s, 6 * 3600);
    assert_int_equal(p.fang.cooldown_s, 4 * 3600);
    assert_int_equal(p.commander.cooldown_s, 4 * 3600);
    assert_int_equal(p.cooldown_after_losses, 2);
    assert_double_equal(p.medic_daily_loss_pct, 5.0, 0);
    assert_double_equal(p.medic_risk_multiplier, 0.5, 0);
    assert_int_equal(p.medic_max_positions, 1);
    assert_double_equal(p.drawdown_warn_pct, 10.0, 0);
    assert_double_equal(p.drawdown_halt_pct, 20.0, 0);
    assert_double_equal(p.margin_level_block_pct, 150.0, 0);
    assert_double_equal(p.margin_level_alarm_pct, 100.0, 0);
    assert_double_equal(p.free_margin_min, 50.0, 0);
    assert_int_equal(p.telemetry_max_age_s, 60);
    assert_int_equal(p.max_fires_per_window, 5);
    assert_int_equal(p.rate_window_s, 60);
    assert_int_equal(p.fire_spacing_s, 30);
    assert_true(p.refuse_hedge);
    assert_int_equal(p.day_rollover_utc, 0);
    assert_int_equal(p.xp.fire_filled, 5);
    assert_int_equal(p.xp.closed_profit, 100);
    assert_int_equal(p.xp.win_streak_bonus, 25);
    assert_int_equal(p.xp.win_streak_cap, 5);
    assert_int_equal(p.xp.closed_loss_with_sl, 25);
    assert_int_equal(p.xp.closed_breakeven, 50);
    assert_double_equal(p.xp.breakeven_pct, 0.01, 0);
    assert_int_equal(p.xp.reward_multiple, 25);
    assert_double_equal(p.xp.reward_multiple_r, 2.0, 0);
    assert_true(p.max_fires_per_window <= RISK_RECENT_FIRES_MAX);
}

static void test_unknown_tier_has_no_row_and_the_gate_fails_closed(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    assert_null(risk_tier_params(&p, (bitten_tier_t)7));
    assert_int_equal(s_gate(&p, (bitten_tier_t)7, &s, T0), R(RISK_UNAVAILABLE));
    bitten_risk_request_t close = s_req("EURUSD", BITTEN_ACTION_CLOSE);
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, &close, T0, NULL), R(RISK_UNAVAILABLE));
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, NULL, T0, NULL), R(RISK_UNAVAILABLE));
}

static void test_a_fresh_flat_account_may_fire_on_every_tier(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0), R(OK));
}

/* ---------------------------------------------------------------- stale telemetry */

static void test_refuses_fire_without_any_telemetry(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s;
    account_state_init(&s);
    assert_int_equal(risk_check_stale_telemetry(&s, &p, T0), R(RISK_STALE_TELEMETRY));
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0), R(RISK_STALE_TELEMETRY));
}

static void test_telemetry_60_s_old_is_fresh_60_001_s_is_stale(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0 + 60 * SEC), R(OK));
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0 + 60 * SEC + 1), R(RISK_STALE_TELEMETRY));
    }
}

//  Each EA's account state is fresh by its own cadence: v7 heartbeats every 5 s (20 s), v2.x
//  every 30 s (90 s); contract telemetry (and a state of unknown origin) 60 s.
static void test_freshness_follows_the_dialect_the_state_came_in(void **state)
{
    risk_params_t p = risk_params_default();
    assert_int_equal(risk_telemetry_max_age_s(&p, BITTEN_DIALECT_V7), 20);
    assert_int_equal(risk_telemetry_max_age_s(&p, BITTEN_DIALECT_V205), 90);
    assert_int_equal(risk_telemetry_max_age_s(&p, BITTEN_DIALECT_V202), 90);
    assert_int_equal(risk_telemetry_max_age_s(&p, BITTEN_DIALECT_CONTRACT), 60);
    assert_int_equal(risk_telemetry_max_age_s(&p, BITTEN_DIALECT_UNKNOWN), 60);
    assert_int_equal(risk_telemetry_max_age_s(&p, BITTEN_DIALECT_COUNT_), 60);
    const struct {
        bitten_dialect_t d;
        int limit_s;
    } rows[] = {{BITTEN_DIALECT_V7, 20}, {BITTEN_DIALECT_V205, 90}, {BITTEN_DIALECT_V202, 90},
                {BITTEN_DIALECT_CONTRACT, 60}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        account_state_t s = s_account(&p);
        s.telemetry_dialect = rows[i].d;
        bitten_ms_t limit = rows[i].limit_s * SEC;
        assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0 + limit), R(OK));
        assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0 + limit + 1),
                         R(RISK_STALE_TELEMETRY));
    }
    //  Configured per dialect: a v7 limit does not move the others.
    p.telemetry_max_age_v7_s = 7;
    account_state_t s = s_account(&p);
    s.telemetry_dialect = BITTEN_DIALECT_V7;
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0 + 7 * SEC + 1), R(RISK_STALE_TELEMETRY));
    s.telemetry_dialect = BITTEN_DIALECT_V205;
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0 + 7 * SEC + 1), R(OK));
}

static void test_a_heartbeat_does_not_make_telemetry_fresh(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    bitten_ea_heartbeat_t h = {.balance = 10100.0,
                               .equity = 10100.0,
                               .has_balance = true,
                               .has_equity = true,
                               .positions = 0,
                               .has_positions = true};
    assert_int_equal(account_apply_heartbeat(&s, &h, T0 + 59 * SEC, &p), 0);
    assert_double_equal(s.equity, 10100.0, 0);
    assert_double_equal(s.peak_equity, 10100.0, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0 + 61 * SEC), R(RISK_STALE_TELEMETRY));
}

static void test_stale_telemetry_is_checked_before_everything_else(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    bitten_telemetry_t t = s_tel(10000.0, 5000.0, 5000.0, 0.0); /* fails every money check */
    s_feed(&s, &t, T0, &p);
    s.fires_today = 99;
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0), R(RISK_DAILY_LOSS));
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0 + 61 * SEC), R(RISK_STALE_TELEMETRY));
}

static void test_non_finite_telemetry_changes_nothing(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    bitten_telemetry_t t = s_flat(NAN, 1.0);
    assert_int_equal(account_apply_telemetry(&s, &t, T0 + SEC, &p), -1);
    assert_double_equal(s.balance, 10000.0, 0);
    assert_int_equal(s.last_telemetry_at, T0);
}

/* ---------------------------------------------------------------- daily loss and medic */

/*  Day start 10000; then equity drops to 10000 - loss. */
static account_state_t s_after_loss(const risk_params_t *p, double loss)
{
    account_state_t s = s_account(p);
    bitten_telemetry_t t = s_flat(10000.0, 10000.0 - loss);
    s_feed(&s, &t, T0 + SEC, p);
    return s;
}

static void test_daily_loss_cap_refuses_at_the_cap_per_tier(void **state)
{
    risk_params_t p = risk_params_default();
    /* NIBBLER 6.0, FANG and COMMANDER 8.5 */
    const double below[] = {599.0, 849.0, 849.0}, at[] = {600.0, 850.0, 850.0};
    for (size_t i = 0; i < 3; i++) {
        const risk_tier_params_t *t = risk_tier_params(&p, s_tiers[i]);
        account_state_t ok = s_after_loss(&p, below[i]);
        account_state_t cap = s_after_loss(&p, at[i]);
        double pct;
        assert_true(account_daily_loss_pct(&ok, &pct));
        assert_double_equal(pct, below[i] / 100.0, 1e-12);
        assert_int_equal(risk_check_daily_loss(&ok, t), R(OK));
        assert_int_equal(risk_check_daily_loss(&cap, t), R(RISK_DAILY_LOSS));
        assert_int_equal(s_gate(&p, s_tiers[i], &ok, T0 + SEC), R(OK));
        assert_int_equal(s_gate(&p, s_tiers[i], &cap, T0 + SEC), R(RISK_DAILY_LOSS));
    }
}

static void test_daily_loss_uses_the_lower_of_balance_and_equity(void **state)
{
    risk_params_t p = risk_params_default();
    const risk_tier_params_t *t = risk_tier_params(&p, BITTEN_TIER_NIBBLER);
    account_state_t s = s_account(&p);
    bitten_telemetry_t realised = s_flat(9400.0, 10200.0); /* balance fell, equity is up */
    s_feed(&s, &realised, T0 + SEC, &p);
    assert_int_equal(risk_check_daily_loss(&s, t), R(RISK_DAILY_LOSS));
    bitten_telemetry_t floating = s_flat(10200.0, 9400.0);
    s_feed(&s, &floating, T0 + 2 * SEC, &p);
    assert_int_equal(risk_check_daily_loss(&s, t), R(RISK_DAILY_LOSS));
    bitten_telemetry_t up = s_flat(10200.0, 10300.0);
    s_feed(&s, &up, T0 + 3 * SEC, &p);
    double pct;
    assert_true(account_daily_loss_pct(&s, &pct));
    assert_double_equal(pct, -2.0, 1e-12);
    assert_int_equal(risk_check_daily_loss(&s, t), R(OK));
}

static void test_medic_mode_from_5_pct_halves_risk_and_allows_one_position(void **state)
{
    risk_params_t p = risk_params_default();
    for (size_t i = 0; i < 3; i++) {
        const risk_tier_params_t *t = risk_tier_params(&p, s_tiers[i]);
        account_state_t calm = s_after_loss(&p, 499.0);
        account_state_t medic = s_after_loss(&p, 500.0);
        bitten_risk_request_t req = s_req("EURUSD", BITTEN_ACTION_BUY);
        risk_view_t v;

        assert_false(risk_is_medic(&calm, &p));
        assert_int_equal(risk_gate(&p, s_tiers[i], &calm, &req, T0 + SEC, &v), R(OK));
        assert_false(v.medic);
        assert_double_equal(v.mode_multiplier, 1.0, 0);
        assert_double_equal(v.risk_pct, t->risk_pct, 0);
        assert_int_equal(v.max_positions, t->max_positions);

        assert_true(risk_is_medic(&medic, &p));
        assert_int_equal(risk_gate(&p, s_tiers[i], &medic, &req, T0 + SEC, &v), R(OK));
        assert_true(v.medic);
        assert_double_equal(v.mode_multiplier, 0.5, 0);
        assert_double_equal(v.base_risk_pct, t->risk_pct, 0);
        assert_double_equal(v.risk_pct, t->risk_pct * 0.5, 1e-12);
        assert_double_equal(v.daily_loss_pct, 5.0, 1e-12);
        assert_double_equal(v.equity, 9500.0, 0);
        assert_double_equal(v.balance, 10000.0, 0);
        assert_int_equal(v.max_positions, 1);

        /* one open position: COMMANDER and FANG may add one more until medic mode */
        assert_int_equal(account_apply_fill(&calm, "S1", "GBPUSD", BITTEN_ACTION_BUY, 0.1, 11), 0);
        assert_int_equal(account_apply_fill(&medic, "S1", "GBPUSD", BITTEN_ACTION_BUY, 0.1, 11), 0);
        assert_int_equal(risk_check_max_positions(&calm, &p, t, 0),
                         t->max_positions > 1 ? R(OK) : R(RISK_MAX_POSITIONS));
        assert_int_equal(risk_check_max_positions(&medic, &p, t, 0), R(RISK_MAX_POSITIONS));
        account_state_free(&calm);
        account_state_free(&medic);
    }
}

static void test_an_account_risk_pct_may_lower_the_tier_risk_never_raise_it(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    bitten_risk_request_t req = s_req("EURUSD", BITTEN_ACTION_SELL);
    risk_view_t v;
    req.risk_pct = 0.5;
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, &req, T0, &v), R(OK));
    assert_double_equal(v.risk_pct, 0.5, 0);
    req.risk_pct = 3.0;
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, &req, T0, &v), R(OK));
    assert_double_equal(v.risk_pct, 1.25, 0);
}

/* ---------------------------------------------------------------- day rollover */

static void test_day_start_resets_to_the_first_balance_after_midnight(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_after_loss(&p, 700.0); /* 7 %: NIBBLER capped */
    account_record_fire(&s, T0 + 2 * SEC, &p);
    assert_int_equal(account_apply_close(&s, "X", 0, -700.0, T0 + 3 * SEC, &p, NULL), 1);
    assert_int_equal(s_gate(&p, BITTEN_TIER_NIBBLER, &s, T0 + 4 * SEC), R(RISK_DAILY_LOSS));

    bitten_ms_t last = DAY0 + DAY_MS - SEC; /* 23:59:59 */
    bitten_telemetry_t t = s_flat(9300.0, 9300.0);
    s_feed(&s, &t, last, &p);
    assert_double_equal(s.day_start_balance, 10000.0, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_NIBBLER, &s, last), R(RISK_DAILY_LOSS));

    /* 00:00:00: the day rolled, but no balance has been seen yet: wait for telemetry */
    bitten_ms_t midnight = DAY0 + DAY_MS;
    assert_int_equal(s_gate(&p, BITTEN_TIER_NIBBLER, &s, midnight), R(RISK_STALE_TELEMETRY));

    bitten_telemetry_t next = s_flat(9300.0, 9290.0);
    s_feed(&s, &next, midnight + SEC, &p);
    assert_double_equal(s.day_start_balance, 9300.0, 0);
    assert_int_equal(s.fires_today, 0);
    assert_double_equal(s.realised_pl_today, 0.0, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_NIBBLER, &s, midnight + SEC), R(OK));

    /* the second balance of the day does not move the day start */
    bitten_telemetry_t later = s_flat(9500.0, 9500.0);
    s_feed(&s, &later, midnight + 2 * SEC, &p);
    assert_double_equal(s.day_start_balance, 9300.0, 0);    account_state_free(&s);
}

static void test_day_rolls_at_a_non_zero_rollover_minute(void **state)
{
    risk_params_t p = risk_params_default();
    p.day_rollover_utc = 22 * 60; /* 22:00 UTC */
    account_state_t s = s_account(&p);
    bitten_ms_t before = DAY0 + 22 * HOUR - SEC, at = DAY0 + 22 * HOUR;
    assert_int_equal(risk_day_index(before, &p), risk_day_index(T0, &p));
    assert_int_equal(risk_day_index(at, &p), risk_day_index(T0, &p) + 1);

    bitten_telemetry_t down = s_flat(9400.0, 9400.0); /* 6 %: NIBBLER capped */
    s_feed(&s, &down, before, &p);
    assert_int_equal(s_gate(&p, BITTEN_TIER_NIBBLER, &s, before), R(RISK_DAILY_LOSS));
    /* midnight UTC is not the rollover here: still the same trading day */
    assert_false(account_roll_day(&s, DAY0 + 21 * HOUR, &p));

    s_feed(&s, &down, at, &p);
    assert_double_equal(s.day_start_balance, 9400.0, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_NIBBLER, &s, at), R(OK));
    assert_false(account_roll_day(&s, DAY0 + DAY_MS + 21 * HOUR, &p));
    assert_true(account_roll_day(&s, DAY0 + DAY_MS + 22 * HOUR, &p));
}

static void test_a_heartbeat_balance_can_start_the_day(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    bitten_ea_heartbeat_t h = {.balance = 9800.0, .has_balance = true};
    assert_int_equal(account_apply_heartbeat(&s, &h, DAY0 + DAY_MS + SEC, &p), 0);
    assert_true(s.has_day_start);
    assert_double_equal(s.day_start_balance, 9800.0, 0);
}

/* ---------------------------------------------------------------- drawdown */

static void test_drawdown_warns_above_10_pct_and_refuses_above_20_pct(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    const struct {
        double equity;
        bool warn;
        bitten_reason_t r;
    } rows[] = {
        {9000.0, false, R(OK)},
        {8999.0, true, R(OK)},
        {8000.0, true, R(OK)},
        {7999.0, true, R(RISK_DRAWDOWN)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        /* a new day with this equity as its start, so the daily loss is 0 */
        bitten_ms_t day = DAY0 + (bitten_ms_t)(i + 1) * DAY_MS + HOUR;
        bitten_telemetry_t t = s_flat(rows[i].equity, rows[i].equity);
        s_feed(&s, &t, day, &p);
        assert_double_equal(s.peak_equity, 10000.0, 0);
        assert_int_equal(risk_check_drawdown(&s, &p), rows[i].r);
        for (size_t k = 0; k < 3; k++) {
            bitten_risk_request_t req = s_req("EURUSD", BITTEN_ACTION_BUY);
            risk_view_t v;
            assert_int_equal(risk_gate(&p, s_tiers[k], &s, &req, day, &v), rows[i].r);
            assert_int_equal(v.drawdown_warn, rows[i].warn);
        }
        risk_halt_decision_t d;
        risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, day, &d);
        assert_int_equal(d.drawdown_warn, rows[i].warn);
    }
}

/* ---------------------------------------------------------------- margin and free margin */

static void test_margin_level_150_fires_149_99_is_refused(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    /* computed: equity / margin x 100 */
    bitten_telemetry_t t = s_tel(10000.0, 1500.0, 1000.0, 500.0);
    s_feed(&s, &t, T0, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    assert_double_equal(s.margin_level, 150.0, 0);
    assert_int_equal(risk_check_margin(&s, &p), R(OK));
    t = s_tel(10000.0, 1499.9, 1000.0, 499.9);
    s_feed(&s, &t, T0, &p);
    assert_double_equal(s.margin_level, 149.99, 1e-9);
    assert_int_equal(risk_check_margin(&s, &p), R(RISK_MARGIN));

    /* given by the EA */
    t = s_tel(10000.0, 10000.0, 100.0, 9900.0);
    t.margin_level = 150.0;
    t.has_margin_level = true;
    s_feed(&s, &t, T0, &p);
    assert_int_equal(risk_check_margin(&s, &p), R(OK));
    t.margin_level = 149.99;
    s_feed(&s, &t, T0, &p);
    assert_int_equal(risk_check_margin(&s, &p), R(RISK_MARGIN));

    /* the gate, each tier, with a flat day */
    for (size_t i = 0; i < 3; i++) {
        account_state_t g = s_account(&p);
        bitten_telemetry_t ok = s_tel(10000.0, 10000.0, 6666.0, 3334.0);
        s_feed(&g, &ok, T0, &p);
        assert_int_equal(s_gate(&p, s_tiers[i], &g, T0), R(OK));
        bitten_telemetry_t low = s_tel(10000.0, 10000.0, 6667.0, 3333.0);
        s_feed(&g, &low, T0, &p);
        assert_int_equal(s_gate(&p, s_tiers[i], &g, T0), R(RISK_MARGIN));
    }
}

static void test_no_margin_in_use_passes_unknown_margin_fails_closed(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_NONE);
    assert_int_equal(risk_check_margin(&s, &p), R(OK));

    bitten_telemetry_t mt5 = s_tel(10000.0, 10000.0, 0.0, 10000.0);
    mt5.has_margin_level = true; /* MT5 says 0 when nothing is open */
    s_feed(&s, &mt5, T0, &p);
    assert_int_equal(risk_check_margin(&s, &p), R(OK));

    bitten_telemetry_t bare = s_flat(10000.0, 10000.0);
    bare.has_margin = bare.has_free_margin = false;
    s_feed(&s, &bare, T0, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    assert_int_equal(risk_check_margin(&s, &p), R(RISK_MARGIN));
    assert_int_equal(risk_check_free_margin(&s, &p), R(RISK_FREE_MARGIN));
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0), R(RISK_MARGIN));
}

static void test_free_margin_50_fires_49_99_is_refused(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    bitten_telemetry_t t = s_flat(10000.0, 10000.0);
    t.free_margin = 50.0;
    s_feed(&s, &t, T0, &p);
    assert_int_equal(risk_check_free_margin(&s, &p), R(OK));
    t.free_margin = 49.99;
    s_feed(&s, &t, T0, &p);
    assert_int_equal(risk_check_free_margin(&s, &p), R(RISK_FREE_MARGIN));
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0), R(RISK_FREE_MARGIN));

    /* derived as equity - margin when the EA leaves it out (margin level stays >= 150) */
    t = s_tel(100.0, 100.0, 50.0, 0.0);
    t.has_free_margin = false;
    p.margin_level_block_pct = 0.0;
    account_state_t d;
    account_state_init(&d);
    s_feed(&d, &t, T0, &p);
    assert_true(d.has_free_margin);
    assert_double_equal(d.free_margin, 50.0, 0);
    assert_int_equal(risk_check_free_margin(&d, &p), R(OK));
    t.margin = 50.01;
    s_feed(&d, &t, T0, &p);
    assert_int_equal(risk_check_free_margin(&d, &p), R(RISK_FREE_MARGIN));
}

/* ---------------------------------------------------------------- EA margin carried forward */

#define S_NO_COUNT (-1)

/*  An EA frame: margin < 0 = not said; positions S_NO_COUNT = not said (a trade result). */
static risk_ea_state_t s_ea(double equity, double margin, int64_t positions, bool opening)
{
    return (risk_ea_state_t){.has_balance = true,
                             .has_equity = true,
                             .balance = 10000.0,
                             .equity = equity,
                             .has_margin = margin >= 0.0 || isnan(margin),
                             .margin = margin,
                             .has_positions = positions != S_NO_COUNT,
                             .positions = positions,
                             .opening_fill = opening};
}

static void s_ea_feed(account_state_t *s, risk_ea_state_t in, const risk_params_t *p)
{
    assert_int_equal(account_apply_ea_state(s, &in, T0, p), 0);
}

/*  A v7 heartbeat: balance, equity, positions, no margin. */
static void s_v7_hb(account_state_t *s, double equity, int64_t positions, const risk_params_t *p)
{
    s_ea_feed(s, s_ea(equity, -1.0, positions, false), p);
}

static void test_ea_margin_is_carried_for_the_same_positions_count(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    /* v7 status_report: account_margin 500 with open_positions 1 */
    s_ea_feed(&s, s_ea(10000.0, 500.0, 1, false), &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    assert_double_equal(s.margin_level, 2000.0, 1e-9);
    /* heartbeats with the same count and no margin: carried, level from the fresh equity */
    s_v7_hb(&s, 900.0, 1, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    assert_double_equal(s.margin, 500.0, 0);
    assert_double_equal(s.margin_level, 180.0, 1e-9);
    assert_double_equal(s.free_margin, 400.0, 1e-9);
    assert_int_equal(risk_check_margin(&s, &p), R(OK));
    s_v7_hb(&s, 740.0, 1, &p); /* 148 %: the carried margin still refuses a low level */
    assert_int_equal(risk_check_margin(&s, &p), R(RISK_MARGIN));
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0), R(OK));
    /* a frame with a new margin for the same count replaces it */
    s_ea_feed(&s, s_ea(10000.0, 8000.0, 1, false), &p);
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_double_equal(s.margin_level, 125.0, 1e-9);
    assert_int_equal(risk_check_margin(&s, &p), R(RISK_MARGIN));
}

static void test_a_changed_positions_count_makes_the_margin_unknown_again(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    s_ea_feed(&s, s_ea(10000.0, 500.0, 1, false), &p);
    /* a human trade (or a stop-out): another count, the margin is not known */
    s_v7_hb(&s, 10000.0, 2, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0), R(RISK_MARGIN));
    /* back to the old count: the old margin is stale (which position left is unknown) */
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    assert_int_equal(risk_check_margin(&s, &p), R(RISK_MARGIN));
    /* 0 positions: no margin used */
    s_v7_hb(&s, 10000.0, 0, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_NONE);
    assert_int_equal(risk_check_margin(&s, &p), R(OK));
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    /* a margin of 0 with positions open is never carried */
    s_ea_feed(&s, s_ea(10000.0, 0.0, 1, false), &p);
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    /* no basis ever: a margin-less count is unknown, as before */
    account_state_t f = s_account(&p);
    s_v7_hb(&f, 10000.0, 1, &p);
    assert_int_equal(f.margin_level_state, RISK_LEVEL_UNKNOWN);
}

static void test_a_fill_results_margin_binds_only_to_the_count_it_opened(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    s_v7_hb(&s, 10000.0, 0, &p);
    /* v7 trade_result of a buy: margin after the fill, no count */
    s_ea_feed(&s, s_ea(10000.0, 50.0, S_NO_COUNT, true), &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    s_v7_hb(&s, 10000.0, 1, &p); /* 0 + one fill */
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    assert_double_equal(s.margin, 50.0, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0), R(OK));
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    /* two fills before the next count: the latest margin for 1 + 2 */
    s_ea_feed(&s, s_ea(10000.0, 100.0, S_NO_COUNT, true), &p);
    s_ea_feed(&s, s_ea(10000.0, 150.0, S_NO_COUNT, true), &p);
    s_v7_hb(&s, 10000.0, 3, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_KNOWN);
    assert_double_equal(s.margin, 150.0, 0);
    /* a fill, then a count that is not one more: nothing is bound */
    s_ea_feed(&s, s_ea(10000.0, 200.0, S_NO_COUNT, true), &p);
    s_v7_hb(&s, 10000.0, 3, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    s_v7_hb(&s, 10000.0, 4, &p); /* the pending margin went with the first count */
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);

    /* a close's result in between: the book changed in an unknown way */
    account_state_t c = s_account(&p);
    s_v7_hb(&c, 10000.0, 0, &p);
    s_ea_feed(&c, s_ea(10000.0, 50.0, S_NO_COUNT, true), &p);
    s_ea_feed(&c, s_ea(10000.0, 50.0, S_NO_COUNT, false), &p); /* "Closed 0 positions" */
    s_v7_hb(&c, 10000.0, 1, &p);
    assert_int_equal(c.margin_level_state, RISK_LEVEL_UNKNOWN);

    /* a fill whose margin is not above the last known one may be from before the fill */
    account_state_t g = s_account(&p);
    s_ea_feed(&g, s_ea(10000.0, 100.0, 1, false), &p);
    s_ea_feed(&g, s_ea(10000.0, 100.0, S_NO_COUNT, true), &p);
    s_v7_hb(&g, 10000.0, 2, &p);
    assert_int_equal(g.margin_level_state, RISK_LEVEL_UNKNOWN);
    /* nor is a fill reporting margin 0 with a position open "no margin" */
    account_state_t z = s_account(&p);
    s_v7_hb(&z, 10000.0, 0, &p);
    s_ea_feed(&z, s_ea(10000.0, 0.0, S_NO_COUNT, true), &p);
    s_v7_hb(&z, 10000.0, 1, &p);
    assert_int_equal(z.margin_level_state, RISK_LEVEL_UNKNOWN);
    /* a fill before any count was seen has nothing to count from */
    account_state_t n = s_account(&p);
    s_ea_feed(&n, s_ea(10000.0, 50.0, S_NO_COUNT, true), &p);
    s_v7_hb(&n, 10000.0, 1, &p);
    assert_int_equal(n.margin_level_state, RISK_LEVEL_UNKNOWN);
}

static void test_v7_is_asked_for_its_status_while_its_margin_is_unknown(void **state)
{
    risk_params_t p = risk_params_default();
    assert_int_equal(p.margin_status_interval_v7_s, 15);
    account_state_t s = s_account(&p);
    s.telemetry_dialect = BITTEN_DIALECT_V7;
    s_v7_hb(&s, 10000.0, 0, &p); /* nothing open: no margin, nothing to ask */
    assert_false(risk_wants_margin_status(&s, &p, 0, T0));
    s_v7_hb(&s, 10000.0, 1, &p); /* open, margin unknown */
    assert_true(risk_wants_margin_status(&s, &p, 0, T0));
    /* at most once per interval; a last ask ahead of now (a clock from before) asks */
    assert_false(risk_wants_margin_status(&s, &p, T0, T0 + 15 * SEC - 1));
    assert_true(risk_wants_margin_status(&s, &p, T0, T0 + 15 * SEC));
    assert_true(risk_wants_margin_status(&s, &p, T0 + MIN, T0));
    p.margin_status_interval_v7_s = 0; /* off */
    assert_false(risk_wants_margin_status(&s, &p, 0, T0));
    p = risk_params_default();
    /* the answer makes it known: nothing more to ask */
    s_ea_feed(&s, s_ea(10000.0, 50.0, 1, false), &p);
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_false(risk_wants_margin_status(&s, &p, 0, T0));
    /* other dialects name their margin in their heartbeats: never asked */
    s.telemetry_dialect = BITTEN_DIALECT_V205;
    s_v7_hb(&s, 10000.0, 2, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    assert_false(risk_wants_margin_status(&s, &p, 0, T0));
}

static void test_a_non_finite_ea_margin_is_refused_and_never_carried(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    s_v7_hb(&s, 10000.0, 0, &p);
    risk_ea_state_t bad = s_ea(10000.0, NAN, S_NO_COUNT, true);
    assert_int_equal(account_apply_ea_state(&s, &bad, T0, &p), -1);
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_int_equal(s.margin_level_state, RISK_LEVEL_UNKNOWN);
    assert_int_equal(s_gate(&p, BITTEN_TIER_FANG, &s, T0), R(RISK_MARGIN));

    /* a status_report with NaN changes nothing: the basis it would replace stays */
    s_ea_feed(&s, s_ea(10000.0, 500.0, 1, false), &p);
    account_state_t before;
    memcpy(&before, &s, sizeof s);
    bad = s_ea(10000.0, NAN, 1, false);
    assert_int_equal(account_apply_ea_state(&s, &bad, T0, &p), -1);
    bad = s_ea(INFINITY, -1.0, 1, false);
    assert_int_equal(account_apply_ea_state(&s, &bad, T0, &p), -1);
    assert_memory_equal(&s, &before, sizeof s);
    s_v7_hb(&s, 10000.0, 1, &p);
    assert_double_equal(s.margin_level, 2000.0, 1e-9);
    /* no balance or equity: not account state, nothing changes */
    risk_ea_state_t none = s_ea(10000.0, 500.0, 2, false);
    none.has_equity = false;
    memcpy(&before, &s, sizeof s);
    assert_int_equal(account_apply_ea_state(&s, &none, T0, &p), 1);
    assert_memory_equal(&s, &before, sizeof s);
}

/* ---------------------------------------------------------------- positions and hedges */

static void test_max_open_positions_per_tier(void **state)
{
    risk_params_t p = risk_params_default();
    static const char *const syms[] = {"EURUSD", "GBPUSD", "USDJPY", "AUDUSD"};
    for (size_t i = 0; i < 3; i++) {
        const risk_tier_params_t *t = risk_tier_params(&p, s_tiers[i]);
        account_state_t s = s_account(&p);
        for (int n = 0; n < t->max_positions; n++) {
            assert_int_equal(risk_check_max_positions(&s, &p, t, 0), R(OK));
            /* an opening fire in flight takes the slot it may fill (issue 14 item 8) */
            assert_int_equal(risk_check_max_positions(&s, &p, t, t->max_positions - n),
                             R(RISK_MAX_POSITIONS));
            if (t->max_positions - n > 1)
                assert_int_equal(risk_check_max_positions(&s, &p, t, t->max_positions - n - 1),
                                 R(OK));
            char id[16];
            snprintf(id, sizeof id, "S%d", n);
            assert_int_equal(account_apply_fill(&s, id, syms[n], BITTEN_ACTION_BUY, 0.1, n + 1), 0);
        }
        assert_int_equal(account_open_positions(&s), (size_t)t->max_positions);
        assert_int_equal(risk_check_max_positions(&s, &p, t, 0), R(RISK_MAX_POSITIONS));
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0), R(RISK_MAX_POSITIONS));
        /* one closes: room again */
        assert_int_equal(account_apply_close(&s, "S0", 0, 10.0, T0 + SEC, &p, NULL), 0);
        assert_int_equal(risk_check_max_positions(&s, &p, t, 0), R(OK));
        account_state_free(&s);
    }
}

static void test_the_eas_position_count_counts_and_zero_clears_tracked_positions(void **state)
{
    risk_params_t p = risk_params_default();
    const risk_tier_params_t *fang = risk_tier_params(&p, BITTEN_TIER_FANG);
    account_state_t s = s_account(&p);
    bitten_telemetry_t t = s_flat(10000.0, 10000.0);
    t.positions = 2; /* e.g. opened by hand in the terminal */
    t.has_positions = true;
    s_feed(&s, &t, T0, &p);
    assert_int_equal(account_open_positions(&s), 2);
    assert_int_equal(risk_check_max_positions(&s, &p, fang, 0), R(RISK_MAX_POSITIONS));

    t.positions = 0;
    s_feed(&s, &t, T0, &p);
    assert_int_equal(account_apply_fill(&s, "S1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 1), 0);
    assert_int_equal(account_open_positions(&s), 1);
    s_feed(&s, &t, T0 + SEC, &p); /* the close result never came */
    assert_int_equal(account_open_positions(&s), 0);
    assert_int_equal(risk_check_hedge(&s, &p, "EURUSD", BITTEN_ACTION_SELL), R(OK));

    //  EA v7: one 0 may be stale (counted before the fill); its closes come as CLOSED fires
    //  from the fire router's reconciliation, so its count alone clears nothing.
    s.telemetry_dialect = BITTEN_DIALECT_V7;
    assert_int_equal(account_apply_fill(&s, "S2", "EURUSD", BITTEN_ACTION_BUY, 0.1, 2), 0);
    s_feed(&s, &t, T0 + 2 * SEC, &p);
    assert_int_equal(account_open_positions(&s), 1);
    assert_int_equal(risk_check_hedge(&s, &p, "EURUSD", BITTEN_ACTION_SELL), R(RISK_HEDGE));
    assert_int_equal(account_apply_close_unknown(&s, "S2", 0, T0 + 3 * SEC, &p), 0);
    assert_int_equal(account_open_positions(&s), 0);
    account_state_free(&s);
}

static void test_fills_are_tracked_once_and_need_a_side(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    assert_int_equal(account_apply_fill(&s, "S1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 7), 0);
    assert_int_equal(account_apply_fill(&s, "S1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 7), 1);
    assert_int_equal(account_apply_fill(&s, "S2", "EURUSD", BITTEN_ACTION_CLOSE, 0.1, 8), -1);
    assert_int_equal(account_apply_fill(&s, "", "EURUSD", BITTEN_ACTION_BUY, 0.1, 8), -1);
    assert_int_equal(s.position_count, 1);
    /* a close matched by ticket alone */
    assert_int_equal(account_apply_close(&s, "", 7, 1.0, T0, &p, NULL), 0);
    assert_int_equal(s.position_count, 0);
    account_state_free(&s);
}

//  EA v7 never says a close's profit: the position goes, nothing is invented (no P/L, no
//  streak move), and the day counts the closes its realised P/L lacks until the day rolls.
static void test_a_close_with_unknown_profit_untracks_and_invents_nothing(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    assert_int_equal(account_apply_fill(&s, "U1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 7), 0);
    assert_int_equal(account_apply_fill(&s, "U2", "GBPUSD", BITTEN_ACTION_SELL, 0.1, 8), 0);
    assert_int_equal(account_apply_close(&s, "L", 0, -20.0, T0, &p, NULL), 1); /* a loss */
    assert_int_equal(s.consecutive_losses, 1);
    assert_int_equal(account_apply_close_unknown(&s, "U1", 0, T0 + SEC, &p), 0);
    assert_int_equal(account_apply_close_unknown(&s, "", 8, T0 + SEC, &p), 0); /* by ticket */
    assert_int_equal(account_apply_close_unknown(&s, "U9", 0, T0 + SEC, &p), 1);
    assert_int_equal(s.position_count, 0);
    assert_int_equal(s.closes_unknown_today, 3);
    assert_double_equal(s.realised_pl_today, -20.0, 1e-9);
    assert_int_equal(s.consecutive_losses, 1); /* not reset as a breakeven would */
    assert_int_equal(s.win_streak, 0);
    account_roll_day(&s, T0 + DAY_MS, &p);
    assert_int_equal(s.closes_unknown_today, 0);
    account_state_free(&s);
}

//  v7 closes of unknown profit still feed the loss cooldown: the balance the EA reports after
//  them, against the balance while their positions were open, is one loss (or one gain) for
//  all of them; no XP, no P/L either way.
static void s_v7_heartbeat(account_state_t *s, double balance, int64_t positions,
                           bitten_ms_t now, const risk_params_t *p)
{
    bitten_ea_heartbeat_t h;
    memset(&h, 0, sizeof h);
    h.balance = h.equity = balance;
    h.has_balance = h.has_equity = h.has_positions = true;
    h.positions = positions;
    assert_int_equal(account_apply_heartbeat(s, &h, now, p), 0);
}

//  One position filled and closed with profit unknown, then a heartbeat at balance (at s).
static void s_v7_round(account_state_t *s, const char *id, int64_t ticket, double balance,
                       bitten_ms_t at, const risk_params_t *p)
{
    assert_int_equal(account_apply_fill(s, id, "EURUSD", BITTEN_ACTION_BUY, 0.1, ticket), 0);
    assert_int_equal(account_apply_close_unknown(s, id, 0, at, p), 0);
    s_v7_heartbeat(s, balance, 0, at + SEC, p);
}

static void test_unknown_profit_closes_that_lost_start_the_loss_cooldown(void **state)
{
    risk_params_t p = risk_params_default();
    p.cooldown_after_losses = 2;
    const risk_tier_params_t *t = risk_tier_params(&p, BITTEN_TIER_COMMANDER);
    account_state_t s = s_account(&p); /* balance 10000 */
    /* two positions closed together, the balance 50 lower: one loss, not two, no P/L */
    assert_int_equal(account_apply_fill(&s, "A1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 1), 0);
    assert_int_equal(account_apply_fill(&s, "A2", "GBPUSD", BITTEN_ACTION_BUY, 0.1, 2), 0);
    s_v7_heartbeat(&s, 10000.0, 2, T0 + SEC, &p); /* open: the balance moves not */
    assert_int_equal(account_apply_close_unknown(&s, "A1", 0, T0 + 2 * SEC, &p), 0);
    assert_int_equal(account_apply_close_unknown(&s, "A2", 0, T0 + 2 * SEC, &p), 0);
    assert_int_equal(s.consecutive_losses, 0); /* judged by the balance that follows */
    s_v7_heartbeat(&s, 9950.0, 0, T0 + 3 * SEC, &p);
    assert_int_equal(s.consecutive_losses, 1);
    assert_int_equal(s.last_loss_at, T0 + 3 * SEC);
    assert_double_equal(s.realised_pl_today, 0.0, 1e-9);
    /* a later heartbeat with no close waiting judges nothing */
    s_v7_heartbeat(&s, 9900.0, 0, T0 + 4 * SEC, &p);
    assert_int_equal(s.consecutive_losses, 1);
    /* a second losing round: two losses, the cooldown holds */
    s_v7_round(&s, "A3", 3, 9800.0, T0 + 5 * SEC, &p);
    assert_int_equal(s.consecutive_losses, 2);
    assert_int_equal(risk_check_cooldown(&s, &p, t, T0 + 7 * SEC), R(RISK_COOLDOWN));
    /* a round at breakeven (within xp.breakeven_pct of the balance) moves nothing */
    s_v7_round(&s, "A4", 4, 9800.0, T0 + 8 * SEC, &p);
    assert_int_equal(s.consecutive_losses, 2);
    /* a round that gained ends the loss streak, with no win streak (no XP) */
    s_v7_round(&s, "A5", 5, 9900.0, T0 + 10 * SEC, &p);
    assert_int_equal(s.consecutive_losses, 0);
    assert_int_equal(s.win_streak, 0);
    assert_int_equal(risk_check_cooldown(&s, &p, t, T0 + 12 * SEC), R(OK));
    account_state_free(&s);
}

static void test_hedge_refuses_the_opposite_side_on_the_same_symbol(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    assert_int_equal(account_apply_fill(&s, "S1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 1), 0);
    assert_int_equal(risk_check_hedge(&s, &p, "EURUSD", BITTEN_ACTION_SELL), R(RISK_HEDGE));
    assert_int_equal(risk_check_hedge(&s, &p, "EURUSD", BITTEN_ACTION_BUY), R(OK));
    assert_int_equal(risk_check_hedge(&s, &p, "GBPUSD", BITTEN_ACTION_SELL), R(OK));

    bitten_risk_request_t sell = s_req("EURUSD", BITTEN_ACTION_SELL);
    bitten_risk_request_t buy = s_req("EURUSD", BITTEN_ACTION_BUY);
    assert_int_equal(risk_gate(&p, BITTEN_TIER_COMMANDER, &s, &sell, T0, NULL), R(RISK_HEDGE));
    assert_int_equal(risk_gate(&p, BITTEN_TIER_COMMANDER, &s, &buy, T0, NULL), R(OK));
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, &sell, T0, NULL), R(RISK_HEDGE));
    /* NIBBLER is already at its one position */
    assert_int_equal(risk_gate(&p, BITTEN_TIER_NIBBLER, &s, &sell, T0, NULL),
                     R(RISK_MAX_POSITIONS));

    p.refuse_hedge = false;
    assert_int_equal(risk_check_hedge(&s, &p, "EURUSD", BITTEN_ACTION_SELL), R(OK));
    account_state_free(&s);
}

/* ---------------------------------------------------------------- cooldown */

static void test_cooldown_after_two_losses_ends_exactly_at_its_length(void **state)
{
    risk_params_t p = risk_params_default();
    for (size_t i = 0; i < 3; i++) {
        const risk_tier_params_t *t = risk_tier_params(&p, s_tiers[i]);
        bitten_ms_t len = (bitten_ms_t)t->cooldown_s * SEC;
        account_state_t s = s_account(&p);
        bitten_ms_t loss_at = T0 + MIN;
        assert_int_equal(account_apply_close(&s, "A", 0, -20.0, T0, &p, NULL), 1);
        assert_int_equal(risk_check_cooldown(&s, &p, t, T0 + SEC), R(OK)); /* one loss */
        assert_int_equal(account_apply_close(&s, "B", 0, -20.0, loss_at, &p, NULL), 1);
        assert_int_equal(s.consecutive_losses, 2);
        assert_int_equal(risk_check_cooldown(&s, &p, t, loss_at + len - SEC), R(RISK_COOLDOWN));
        assert_int_equal(risk_check_cooldown(&s, &p, t, loss_at + len), R(OK));

        /* through the gate (telemetry kept fresh) */
        bitten_telemetry_t tel = s_flat(10000.0, 9960.0);
        s_feed(&s, &tel, loss_at + len - SEC, &p);
        assert_int_equal(s_gate(&p, s_tiers[i], &s, loss_at + len - SEC), R(RISK_COOLDOWN));
        assert_int_equal(s_gate(&p, s_tiers[i], &s, loss_at + len), R(OK));
    }
    /* 6 h for NIBBLER: 5:59:59 refused, 6:00:00 fires */
    const risk_tier_params_t *nib = risk_tier_params(&p, BITTEN_TIER_NIBBLER);
    account_state_t s = s_account(&p);
    account_apply_close(&s, "A", 0, -20.0, T0, &p, NULL);
    account_apply_close(&s, "B", 0, -20.0, T0, &p, NULL);
    assert_int_equal(risk_check_cooldown(&s, &p, nib, T0 + 5 * HOUR + 59 * MIN + 59 * SEC),
                     R(RISK_COOLDOWN));
    assert_int_equal(risk_check_cooldown(&s, &p, nib, T0 + 6 * HOUR), R(OK));
}

static void test_a_win_or_breakeven_between_losses_breaks_the_run(void **state)
{
    risk_params_t p = risk_params_default();
    const risk_tier_params_t *t = risk_tier_params(&p, BITTEN_TIER_FANG);
    account_state_t s = s_account(&p);
    risk_close_outcome_t o;
    account_apply_close(&s, "A", 0, -20.0, T0, &p, &o);
    assert_int_equal(o, RISK_CLOSE_LOSS);
    account_apply_close(&s, "B", 0, 30.0, T0, &p, &o);
    assert_int_equal(o, RISK_CLOSE_WIN);
    assert_int_equal(s.win_streak, 1);
    account_apply_close(&s, "C", 0, -20.0, T0, &p, NULL);
    assert_int_equal(risk_check_cooldown(&s, &p, t, T0 + SEC), R(OK));
    account_apply_close(&s, "D", 0, -0.5, T0, &p, &o); /* < 0.01 % of 10000 */
    assert_int_equal(o, RISK_CLOSE_BREAKEVEN);
    assert_int_equal(s.consecutive_losses, 0);
    account_apply_close(&s, "E", 0, -20.0, T0, &p, NULL);
    assert_int_equal(risk_check_cooldown(&s, &p, t, T0 + SEC), R(OK));
    assert_double_equal(s.realised_pl_today, -20.0 + 30.0 - 20.0 - 0.5 - 20.0, 1e-9);
    assert_int_equal(account_apply_close(&s, "F", 0, INFINITY, T0, &p, NULL), -1);
}

/* ---------------------------------------------------------------- fires per day and rate */

static void test_fires_per_day_per_tier(void **state)
{
    risk_params_t p = risk_params_default();
    for (size_t i = 0; i < 3; i++) {
        const risk_tier_params_t *t = risk_tier_params(&p, s_tiers[i]);
        account_state_t s = s_account(&p);
        bitten_ms_t now = T0;
        for (int n = 0; n < t->fires_per_day - 1; n++) {
            now += MIN;
            account_record_fire(&s, now, &p);
        }
        bitten_telemetry_t tel = s_flat(10000.0, 10000.0);
        now += MIN;
        s_feed(&s, &tel, now, &p);
        assert_int_equal(risk_check_daily_shots(&s, t), R(OK)); /* e.g. NIBBLER: 5 of 6 */
        assert_int_equal(s_gate(&p, s_tiers[i], &s, now), R(OK));
        account_record_fire(&s, now, &p);
        assert_int_equal(s.fires_today, t->fires_per_day);
        assert_int_equal(risk_check_daily_shots(&s, t), R(RISK_DAILY_SHOTS)); /* 6 of 6 */
        assert_int_equal(s_gate(&p, s_tiers[i], &s, now + MIN), R(RISK_DAILY_SHOTS));
        /* the next trading day: shots are back once a balance is seen */
        bitten_ms_t tomorrow = DAY0 + DAY_MS + HOUR;
        s_feed(&s, &tel, tomorrow, &p);
        assert_int_equal(s_gate(&p, s_tiers[i], &s, tomorrow), R(OK));
        account_state_free(&s);
    }
}

static void test_spacing_29_999_s_refused_30_s_fires(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    account_record_fire(&s, T0, &p);
    assert_int_equal(risk_check_rate(&s, &p, T0 + 30 * SEC - 1), R(RISK_RATE));
    assert_int_equal(risk_check_rate(&s, &p, T0 + 30 * SEC), R(OK));
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0 + 30 * SEC - 1), R(RISK_RATE));
        assert_int_equal(s_gate(&p, s_tiers[i], &s, T0 + 30 * SEC), R(OK));
    }
    account_state_free(&s);
}

static void test_at_most_5_fires_in_any_minute(void **state)
{
    risk_params_t p = risk_params_default();
    p.fire_spacing_s = 0; /* spacing alone allows 2 a minute: isolate the window */
    account_state_t s = s_account(&p);
    for (int n = 0; n < 4; n++)
        account_record_fire(&s, T0 + n * SEC, &p);
    assert_int_equal(risk_check_rate(&s, &p, T0 + 4 * SEC), R(OK)); /* the 5th may go */
    account_record_fire(&s, T0 + 4 * SEC, &p);
    assert_int_equal(risk_check_rate(&s, &p, T0 + 5 * SEC), R(RISK_RATE));
    assert_int_equal(risk_check_rate(&s, &p, T0 + MIN - 1), R(RISK_RATE));
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0 + MIN - 1), R(RISK_RATE));
    assert_int_equal(risk_check_rate(&s, &p, T0 + MIN), R(OK)); /* the first left the window */
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0 + MIN), R(OK));
    account_state_free(&s);
}

static void test_the_gate_reports_the_earliest_failure_in_its_order(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    account_apply_fill(&s, "S1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 1);
    account_record_fire(&s, T0, &p);
    /* max positions, rate and hedge all fail: max positions comes first */
    bitten_risk_request_t sell = s_req("EURUSD", BITTEN_ACTION_SELL);
    assert_int_equal(risk_gate(&p, BITTEN_TIER_NIBBLER, &s, &sell, T0 + SEC, NULL),
                     R(RISK_MAX_POSITIONS));
    /* FANG has room: rate before hedge */
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, &sell, T0 + SEC, NULL), R(RISK_RATE));
    assert_int_equal(risk_gate(&p, BITTEN_TIER_FANG, &s, &sell, T0 + 30 * SEC, NULL),
                     R(RISK_HEDGE));
    account_state_free(&s);
}

/* ---------------------------------------------------------------- memory (fail closed) */

static int s_allocs_left; /* allocations the failing allocator grants before it fails */

static void *s_failing_realloc(void *ptr, size_t size)
{
    if (s_allocs_left <= 0)
        return NULL;
    s_allocs_left--;
    return realloc(ptr, size);
}

//  The positions and fire times are allocated on first use: an account that never fired
//  holds none; reserving makes room for the fill and fire a passed gate lets through.
static void test_positions_and_fire_times_are_allocated_on_first_use(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    assert_null(s.positions);
    assert_null(s.recent_fires);
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0), R(OK));
    assert_int_equal(account_state_reserve(&s, 3), 0);
    assert_non_null(s.recent_fires);
    assert_true(s.position_cap >= 3 && s.position_cap <= RISK_POSITIONS_MAX);
    assert_int_equal(account_state_reserve(&s, 1000), 0); /* capped at the storage size */
    assert_int_equal(s.position_cap, RISK_POSITIONS_MAX);
    account_state_free(&s);
    assert_null(s.positions);

    /* grown one by one up to the storage size, then full as before */
    s = s_account(&p);
    char id[16];
    for (int n = 0; n < RISK_POSITIONS_MAX; n++) {
        snprintf(id, sizeof id, "G%d", n);
        assert_int_equal(account_apply_fill(&s, id, "EURUSD", BITTEN_ACTION_BUY, 0.1, n + 1), 0);
    }
    assert_int_equal(account_apply_fill(&s, "G-full", "EURUSD", BITTEN_ACTION_BUY, 0.1, 99), -1);
    assert_false(s.untracked);
    assert_int_equal(s.position_count, RISK_POSITIONS_MAX);
    assert_string_equal(s.positions[RISK_POSITIONS_MAX - 1].signal_id, "G31");
    account_state_free(&s);
}

//  A fill or a fire that cannot be kept for lack of memory would leave the limits counting
//  less than the truth: the account is refused from then on (RISK_UNAVAILABLE).
static void test_a_fill_or_fire_lost_to_memory_refuses_every_later_fire(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_set_realloc(s_failing_realloc);

    /* reserve fails: nothing changes, the caller refuses */
    account_state_t s = s_account(&p);
    s_allocs_left = 0;
    assert_int_equal(account_state_reserve(&s, 1), -1);
    assert_null(s.recent_fires);
    assert_false(s.untracked);
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0), R(OK));

    /* a fire whose time cannot be kept */
    account_record_fire(&s, T0, &p);
    assert_true(s.untracked);
    assert_int_equal(s.fires_today, 1); /* still counted for the day */
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0 + HOUR), R(RISK_UNAVAILABLE));
    account_state_free(&s);

    /* a fill that cannot be kept: the ring was granted, the positions were not */
    s = s_account(&p);
    s_allocs_left = 1;
    assert_int_equal(account_apply_fill(&s, "M1", "EURUSD", BITTEN_ACTION_BUY, 0.1, 1), -2);
    assert_true(s.untracked);
    assert_int_equal(s.position_count, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0), R(RISK_UNAVAILABLE));
    account_state_free(&s);

    /* growing past the first slots fails: the tracked positions stay as they were */
    s = s_account(&p);
    s_allocs_left = 2; /* the ring and the first 4 slots */
    char id[16];
    for (int n = 0; n < 4; n++) {
        snprintf(id, sizeof id, "N%d", n);
        assert_int_equal(account_apply_fill(&s, id, "EURUSD", BITTEN_ACTION_BUY, 0.1, n + 1), 0);
    }
    assert_false(s.untracked);
    assert_int_equal(account_apply_fill(&s, "N4", "EURUSD", BITTEN_ACTION_BUY, 0.1, 5), -2);
    assert_true(s.untracked);
    assert_int_equal(s.position_count, 4);
    assert_string_equal(s.positions[3].signal_id, "N3");
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0), R(RISK_UNAVAILABLE));
    account_state_set_realloc(NULL);

    /* the EA reports positions still open: still refused; nothing open: tracked again */
    bitten_ea_heartbeat_t hb = {.has_balance = true, .balance = 10000.0, .has_equity = true,
                                .equity = 10000.0, .has_positions = true, .positions = 2};
    assert_int_equal(account_apply_heartbeat(&s, &hb, T0 + 1000, &p), 0);
    assert_true(s.untracked);
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0 + 1000), R(RISK_UNAVAILABLE));
    hb.positions = 0;
    assert_int_equal(account_apply_heartbeat(&s, &hb, T0 + 2000, &p), 0);
    assert_false(s.untracked);
    assert_int_equal(s.position_count, 0);
    assert_int_equal(s_gate(&p, BITTEN_TIER_COMMANDER, &s, T0 + 2000), R(OK));
    account_state_free(&s);
}

/* ---------------------------------------------------------------- halts */

static void test_drawdown_over_20_pct_raises_a_hard_halt_that_never_lifts(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    risk_halt_decision_t d;
    bitten_telemetry_t at20 = s_flat(10000.0, 8000.0);
    s_feed(&s, &at20, T0, &p);
    risk_halt_triggers(&p, BITTEN_TIER_COMMANDER, &s, T0, &d);
    for (size_t i = 0; i < d.count; i++)
        assert_int_not_equal(d.halts[i].trigger, RISK_TRIGGER_DRAWDOWN);
    assert_true(d.drawdown_warn);

    bitten_telemetry_t over = s_flat(10000.0, 7999.0);
    s_feed(&s, &over, T0, &p);
    risk_halt_triggers(&p, BITTEN_TIER_COMMANDER, &s, T0, &d);
    assert_true(d.count >= 1);
    assert_int_equal(d.halts[0].trigger, RISK_TRIGGER_DRAWDOWN);
    assert_int_equal(d.halts[0].kind, BITTEN_HALT_HARD);
    assert_int_equal(d.halts[0].reason, R(RISK_DRAWDOWN));
    assert_int_equal(risk_trigger_from_reason(R(RISK_DRAWDOWN)), RISK_TRIGGER_DRAWDOWN);

    bitten_telemetry_t back = s_flat(10000.0, 10000.0);
    s_feed(&s, &back, T0 + 2 * DAY_MS, &p);
    assert_false(
        risk_halt_may_lift(BITTEN_HALT_HARD, RISK_TRIGGER_DRAWDOWN, T0, &s, &p, T0 + 2 * DAY_MS));
    assert_false(
        risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_DRAWDOWN, T0, &s, &p, T0 + 2 * DAY_MS));
}

static void test_margin_below_100_pct_soft_halts_and_lifts_on_fresh_recovery(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    risk_halt_decision_t d;
    bitten_telemetry_t at100 = s_tel(10000.0, 10000.0, 10000.0, 0.0);
    s_feed(&s, &at100, T0, &p);
    risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, T0, &d);
    assert_false(d.margin_alarm);
    assert_int_equal(d.count, 0);

    bitten_telemetry_t low = s_tel(10000.0, 9999.0, 10000.0, 0.0); /* 99.99 %, 0.01 % down */
    s_feed(&s, &low, T0, &p);
    risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, T0, &d);
    assert_true(d.margin_alarm);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.halts[0].trigger, RISK_TRIGGER_MARGIN);
    assert_int_equal(d.halts[0].kind, BITTEN_HALT_SOFT);
    assert_int_equal(d.halts[0].reason, R(RISK_MARGIN));
    assert_false(risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_MARGIN, T0, &s, &p, T0));

    s_feed(&s, &at100, T0 + MIN, &p);
    assert_true(risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_MARGIN, T0, &s, &p, T0 + MIN));
    /* recovered, but on numbers too old to trust */
    assert_false(
        risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_MARGIN, T0, &s, &p, T0 + 2 * MIN + 1));
    /* positions closed: no margin in use */
    bitten_telemetry_t flat = s_flat(10000.0, 10000.0);
    s_feed(&s, &flat, T0 + 3 * MIN, &p);
    assert_true(
        risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_MARGIN, T0, &s, &p, T0 + 3 * MIN));
    assert_false(
        risk_halt_may_lift(BITTEN_HALT_HARD, RISK_TRIGGER_MARGIN, T0, &s, &p, T0 + 3 * MIN));
}

static void test_daily_loss_cap_soft_halts_until_the_day_rolls(void **state)
{
    risk_params_t p = risk_params_default();
    p.day_rollover_utc = 30; /* 00:30 UTC */
    account_state_t s = s_account(&p);
    risk_halt_decision_t d;
    bitten_telemetry_t down = s_flat(9151.0, 9151.0); /* 8.49 % */
    s_feed(&s, &down, T0, &p);
    risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, T0, &d);
    assert_int_equal(d.count, 0);
    risk_halt_triggers(&p, BITTEN_TIER_NIBBLER, &s, T0, &d); /* over NIBBLER's 6 % */
    assert_int_equal(d.count, 1);

    down = s_flat(9150.0, 9150.0); /* 8.5 % */
    s_feed(&s, &down, T0, &p);
    risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, T0, &d);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.halts[0].trigger, RISK_TRIGGER_DAILY_LOSS);
    assert_int_equal(d.halts[0].kind, BITTEN_HALT_SOFT);
    assert_int_equal(d.halts[0].reason, R(RISK_DAILY_LOSS));

    bitten_ms_t roll = DAY0 + DAY_MS + 30 * MIN;
    assert_false(
        risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_DAILY_LOSS, T0, &s, &p, roll - 1));
    assert_true(risk_halt_may_lift(BITTEN_HALT_SOFT, RISK_TRIGGER_DAILY_LOSS, T0, &s, &p, roll));
    /* after the roll the same numbers are a new day's start: nothing to raise again */
    s_feed(&s, &down, roll, &p);
    risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, roll, &d);
    assert_int_equal(d.count, 0);
}

static void test_no_telemetry_raises_nothing(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s;
    account_state_init(&s);
    risk_halt_decision_t d;
    risk_halt_triggers(&p, BITTEN_TIER_FANG, &s, T0, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(risk_trigger_from_reason(R(HALTED)), -1);
    assert_string_equal(risk_trigger_str(RISK_TRIGGER_DAILY_LOSS), "DAILY_LOSS");
}

/* ---------------------------------------------------------------- XP */

static xp_event_t s_close(double profit, bool has_sl, double r, int streak)
{
    return (xp_event_t){.on = XP_ON_CLOSED,
                        .profit = profit,
                        .balance = 10000.0,
                        .has_sl = has_sl,
                        .planned_risk = r,
                        .win_streak = streak};
}

static int64_t s_xp_of(const xp_award_t *a, size_t n, const char *event)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].event, event) == 0)
            return a[i].xp;
    return -1;
}

static void test_xp_ladder(void **state)
{
    risk_params_t p = risk_params_default();
    xp_award_t a[XP_AWARDS_MAX];
    xp_event_t filled = {.on = XP_ON_FILLED};
    assert_int_equal(xp_awards_for_event(&p, &filled, a), 1);
    assert_string_equal(a[0].event, "filled");
    assert_int_equal(a[0].xp, 5);

    /* profit: 100 + 25 x min(streak, 5) */
    const int streaks[] = {0, 1, 2, 5, 6, 40};
    const int64_t want[] = {100, 125, 150, 225, 225, 225};
    for (size_t i = 0; i < sizeof streaks / sizeof streaks[0]; i++) {
        xp_event_t ev = s_close(40.0, true, 0.0, streaks[i]);
        size_t n = xp_awards_for_event(&p, &ev, a);
        assert_int_equal(n, 1);
        assert_int_equal(s_xp_of(a, n, XP_EVENT_CLOSED_PROFIT), want[i]);
    }

    /* loss: +25 with a stop-loss, nothing without */
    xp_event_t loss = s_close(-40.0, true, 50.0, 0);
    size_t n = xp_awards_for_event(&p, &loss, a);
    assert_int_equal(n, 1);
    assert_int_equal(s_xp_of(a, n, XP_EVENT_CLOSED_LOSS_SL), 25);
    loss.has_sl = false;
    assert_int_equal(xp_awards_for_event(&p, &loss, a), 0);

    /* >= 2 R: +25 on top */
    xp_event_t big = s_close(100.0, true, 50.0, 1);
    n = xp_awards_for_event(&p, &big, a);
    assert_int_equal(n, 2);
    assert_int_equal(s_xp_of(a, n, XP_EVENT_CLOSED_PROFIT), 125);
    assert_int_equal(s_xp_of(a, n, XP_EVENT_REWARD_2R), 25);
    big.profit = 99.99;
    n = xp_awards_for_event(&p, &big, a);
    assert_int_equal(s_xp_of(a, n, XP_EVENT_REWARD_2R), -1);
    big.planned_risk = 0.0; /* R unknown: no reward award */
    big.profit = 1000.0;
    n = xp_awards_for_event(&p, &big, a);
    assert_int_equal(n, 1);
}

static void test_breakeven_is_under_0_01_pct_of_balance(void **state)
{
    risk_params_t p = risk_params_default();
    xp_award_t a[XP_AWARDS_MAX];
    /* balance 10000: the line is 1.00 */
    const struct {
        double profit;
        const char *event;
        int64_t xp;
    } rows[] = {
        {0.0, XP_EVENT_CLOSED_BREAKEVEN, 50},   {0.99, XP_EVENT_CLOSED_BREAKEVEN, 50},
        {-0.99, XP_EVENT_CLOSED_BREAKEVEN, 50}, {1.0, XP_EVENT_CLOSED_PROFIT, 125},
        {-1.0, XP_EVENT_CLOSED_LOSS_SL, 25},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        xp_event_t ev = s_close(rows[i].profit, true, 0.0, 1);
        size_t n = xp_awards_for_event(&p, &ev, a);
        assert_int_equal(n, 1);
        assert_string_equal(a[0].event, rows[i].event);
        assert_int_equal(a[0].xp, rows[i].xp);
    }
    assert_int_equal(risk_close_outcome(0.99, 10000.0, &p), RISK_CLOSE_BREAKEVEN);
    assert_int_equal(risk_close_outcome(1.0, 10000.0, &p), RISK_CLOSE_WIN);
    assert_string_equal(risk_close_outcome_str(RISK_CLOSE_BREAKEVEN), "BREAKEVEN");
}

static void test_win_streak_from_closes_feeds_the_award(void **state)
{
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    xp_award_t a[XP_AWARDS_MAX];
    int64_t want[] = {125, 150, 175, 200, 225, 225, 225};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        account_apply_close(&s, "W", 0, 50.0, T0, &p, NULL);
        xp_event_t ev = s_close(50.0, true, 0.0, s.win_streak);
        assert_int_equal(xp_awards_for_event(&p, &ev, a), 1);
        assert_int_equal(a[0].xp, want[i]);
    }
    account_apply_close(&s, "L", 0, -50.0, T0, &p, NULL);
    assert_int_equal(s.win_streak, 0);
}

static void test_rank_boundaries(void **state)
{
    bitten_rank_fn *fn = xp_rank_for; /* the store's rank callback type */
    const struct {
        int64_t line;
        const char *below, *at;
    } rows[] = {
        {100, "RECRUIT", "PRIVATE"},     {500, "PRIVATE", "CORPORAL"},
        {1000, "CORPORAL", "SERGEANT"},  {2500, "SERGEANT", "LIEUTENANT"},
        {5000, "LIEUTENANT", "CAPTAIN"}, {10000, "CAPTAIN", "MAJOR"},
        {25000, "MAJOR", "COLONEL"},     {50000, "COLONEL", "GENERAL"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_string_equal(fn(rows[i].line - 1), rows[i].below);
        assert_string_equal(fn(rows[i].line), rows[i].at);
        assert_string_equal(xp_rank_up(rows[i].line - 1, rows[i].line), rows[i].at);
        assert_null(xp_rank_up(rows[i].line, rows[i].line + 1));
    }
    assert_string_equal(xp_rank_for(0), "RECRUIT");
    assert_string_equal(xp_rank_for(-5), "RECRUIT");
    assert_string_equal(xp_rank_for(INT64_MAX), "GENERAL");
    assert_string_equal(xp_rank_up(0, 600), "CORPORAL"); /* two lines at once: the new one */
    assert_null(xp_rank_up(600, 0));
}

/* ---------------------------------------------------------------- the router's chain, this gate */

/*  What the shell does for the router: the pure gate on one account's state, answered in the
 *  shared vocabulary (bitten_risk_gate_fn). */
typedef struct {
    const risk_params_t *params;
    bitten_tier_t tier;
    const account_state_t *state;
    bitten_ms_t now;
} s_gate_ctx_t;

static bitten_reason_t s_shell_gate(void *self, const bitten_risk_request_t *req,
                                    bitten_risk_answer_t *answer)
{
    const s_gate_ctx_t *g = self;
    risk_view_t v;
    bitten_reason_t r = risk_gate(g->params, g->tier, g->state, req, g->now, &v);
    risk_view_answer(&v, answer);
    return r;
}

static void test_the_router_chain_sizes_from_this_gate_in_one_vocabulary(void **state)
{
    bitten_symbols_t *symbols = bitten_symbols_new_defaults();
    assert_non_null(symbols);
    risk_params_t p = risk_params_default();
    account_state_t s = s_account(&p);
    s_gate_ctx_t gctx = {.params = &p, .tier = BITTEN_TIER_FANG, .state = &s, .now = T0};

    fire_request_t req;
    memset(&req, 0, sizeof req);
    snprintf(req.signal_id, sizeof req.signal_id, "SIG_1");
    snprintf(req.uuid, sizeof req.uuid, "acct_1");
    snprintf(req.symbol, sizeof req.symbol, "EURUSD");
    req.action = BITTEN_ACTION_BUY;
    req.signal_class = BITTEN_CLASS_RAPID_ASSAULT;
    req.sl_pips = 20.0;
    req.shield_multiplier = 1.0;
    fire_context_t ctx = {
        .now = T0,
        .symbol = bitten_symbols_find(symbols, "EURUSD"),
        .route = BITTEN_R_OK,
        .ea_online = true,
        .tier = BITTEN_TIER_FANG,
        .risk = {&gctx, s_shell_gate},
        .limits = fire_limits_default(),
    };
    double lot = 0.0;
    /* 10000 x 1.25 % / (20 pips x 10) = 0.62 */
    assert_int_equal(fire_run_checks(&req, &ctx, &lot), R(OK));
    assert_double_equal(lot, 0.62, 1e-9);

    /* medic mode: half of it, multiplied once */
    account_state_t medic = s_after_loss(&p, 500.0);
    gctx.state = &medic;
    gctx.now = ctx.now = T0 + SEC;
    assert_int_equal(fire_run_checks(&req, &ctx, &lot), R(OK));
    assert_double_equal(lot, 0.29, 1e-9); /* 9500 x 1.25 % x 0.5 / 200 = 0.296875 */

    bitten_risk_answer_t v;
    bitten_risk_request_t ask = {"acct_1", "EURUSD", BITTEN_ACTION_BUY, 0.0, 0};
    assert_int_equal(s_shell_gate(&gctx, &ask, &v), R(OK));
    assert_double_equal(v.risk_pct, 1.25, 0);
    assert_double_equal(v.mode_multiplier, 0.5, 0);
    /* the account's own lower risk % travels in the request and lowers the base */
    ctx.risk_pct = 0.5;
    assert_int_equal(fire_run_checks(&req, &ctx, &lot), R(OK));
    assert_double_equal(lot, 0.11, 1e-9); /* 9500 x 0.5 % x 0.5 / 200 = 0.11875 */
    ctx.risk_pct = 0.0;

    /* a refusal passes through with its code */
    gctx.now = ctx.now = T0 + 2 * MIN;
    assert_int_equal(fire_run_checks(&req, &ctx, &lot), R(RISK_STALE_TELEMETRY));
    ask.action = BITTEN_ACTION_CLOSE;
    assert_int_equal(s_shell_gate(&gctx, &ask, &v), R(RISK_UNAVAILABLE));
    bitten_symbols_destroy(&symbols);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_hold_every_number_of_the_spec),
        cmocka_unit_test(test_unknown_tier_has_no_row_and_the_gate_fails_closed),
        cmocka_unit_test(test_a_fresh_flat_account_may_fire_on_every_tier),
        cmocka_unit_test(test_refuses_fire_without_any_telemetry),
        cmocka_unit_test(test_telemetry_60_s_old_is_fresh_60_001_s_is_stale),
        cmocka_unit_test(test_a_heartbeat_does_not_make_telemetry_fresh),
        cmocka_unit_test(test_stale_telemetry_is_checked_before_everything_else),
        cmocka_unit_test(test_non_finite_telemetry_changes_nothing),
        cmocka_unit_test(test_daily_loss_cap_refuses_at_the_cap_per_tier),
        cmocka_unit_test(test_daily_loss_uses_the_lower_of_balance_and_equity),
        cmocka_unit_test(test_medic_mode_from_5_pct_halves_risk_and_allows_one_position),
        cmocka_unit_test(test_an_account_risk_pct_may_lower_the_tier_risk_never_raise_it),
        cmocka_unit_test(test_day_start_resets_to_the_first_balance_after_midnight),
        cmocka_unit_test(test_day_rolls_at_a_non_zero_rollover_minute),
        cmocka_unit_test(test_a_heartbeat_balance_can_start_the_day),
        cmocka_unit_test(test_drawdown_warns_above_10_pct_and_refuses_above_20_pct),
        cmocka_unit_test(test_margin_level_150_fires_149_99_is_refused),
        cmocka_unit_test(test_no_margin_in_use_passes_unknown_margin_fails_closed),
        cmocka_unit_test(test_free_margin_50_fires_49_99_is_refused),
        cmocka_unit_test(test_ea_margin_is_carried_for_the_same_positions_count),
        cmocka_unit_test(test_a_changed_positions_count_makes_the_margin_unknown_again),
        cmocka_unit_test(test_a_fill_results_margin_binds_only_to_the_count_it_opened),
        cmocka_unit_test(test_a_non_finite_ea_margin_is_refused_and_never_carried),
        cmocka_unit_test(test_v7_is_asked_for_its_status_while_its_margin_is_unknown),
        cmocka_unit_test(test_max_open_positions_per_tier),
        cmocka_unit_test(test_the_eas_position_count_counts_and_zero_clears_tracked_positions),
        cmocka_unit_test(test_positions_and_fire_times_are_allocated_on_first_use),
        cmocka_unit_test(test_a_fill_or_fire_lost_to_memory_refuses_every_later_fire),
        cmocka_unit_test(test_fills_are_tracked_once_and_need_a_side),
        cmocka_unit_test(test_a_close_with_unknown_profit_untracks_and_invents_nothing),
        cmocka_unit_test(test_unknown_profit_closes_that_lost_start_the_loss_cooldown),
        cmocka_unit_test(test_freshness_follows_the_dialect_the_state_came_in),
        cmocka_unit_test(test_hedge_refuses_the_opposite_side_on_the_same_symbol),
        cmocka_unit_test(test_cooldown_after_two_losses_ends_exactly_at_its_length),
        cmocka_unit_test(test_a_win_or_breakeven_between_losses_breaks_the_run),
        cmocka_unit_test(test_fires_per_day_per_tier),
        cmocka_unit_test(test_spacing_29_999_s_refused_30_s_fires),
        cmocka_unit_test(test_at_most_5_fires_in_any_minute),
        cmocka_unit_test(test_the_gate_reports_the_earliest_failure_in_its_order),
        cmocka_unit_test(test_drawdown_over_20_pct_raises_a_hard_halt_that_never_lifts),
        cmocka_unit_test(test_margin_below_100_pct_soft_halts_and_lifts_on_fresh_recovery),
        cmocka_unit_test(test_daily_loss_cap_soft_halts_until_the_day_rolls),
        cmocka_unit_test(test_no_telemetry_raises_nothing),
        cmocka_unit_test(test_xp_ladder),
        cmocka_unit_test(test_breakeven_is_under_0_01_pct_of_balance),
        cmocka_unit_test(test_win_streak_from_closes_feeds_the_award),
        cmocka_unit_test(test_rank_boundaries),
        cmocka_unit_test(test_the_router_chain_sizes_from_this_gate_in_one_vocabulary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
