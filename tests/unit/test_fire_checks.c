/*  test_fire_checks.c: unit tests for the fire router's pure checks, their order, lot sizing
 *  and the wire command (src/modules/fire_router/fire_checks.c). No sockets, no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ea_json.h"
#include "modules/fire_router/fire_checks.h"

static void s_near(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.12g != %.12g (eps %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define assert_double_equal(a, b, eps) s_near((a), (b), (eps), __FILE__, __LINE__)

#define R(code) BITTEN_R_##code

/*  The symbol table (shipped defaults) is the group state: *state in every test. */
static const bitten_symbols_t *s_table; /* the same table, for helpers without state */

static int s_group_setup(void **state)
{
    *state = bitten_symbols_new_defaults();
    s_table = *state;
    return *state ? 0 : -1;
}

static int s_group_teardown(void **state)
{
    bitten_symbols_t *t = *state;
    bitten_symbols_destroy(&t);
    return 0;
}

static const bitten_symbol_t *s_sym(void **state, const char *name)
{
    const bitten_symbol_t *s = bitten_symbols_find(*state, name);
    assert_non_null(s);
    return s;
}

/* ---------------------------------------------------------------- each check at its edge */

static void test_halted_refuses_on_a_global_or_an_account_halt(void **state)
{
    assert_int_equal(fire_check_halted(false, false), R(OK));
    assert_int_equal(fire_check_halted(true, false), R(HALTED));
    assert_int_equal(fire_check_halted(false, true), R(HALTED));
}

static void test_strict_refuses_while_a_legacy_file_exists(void **state)
{
    assert_int_equal(fire_check_strict(false), R(OK));
    assert_int_equal(fire_check_strict(true), R(STRICT_LEGACY_FILE));
}

static void test_symbol_must_be_in_the_table_and_the_accounts_list(void **state)
{
    const bitten_symbol_t *eu = s_sym(state, "EURUSD");
    assert_int_equal(fire_check_symbol("EURUSD", false, eu, NULL), R(OK));
    assert_int_equal(fire_check_symbol("EURUSD", false, eu, ""), R(OK));
    assert_int_equal(fire_check_symbol("EURUSD", false, eu, "USDJPY, EURUSD"), R(OK));
    assert_int_equal(fire_check_symbol("EURUSD", false, eu, "USDJPY,XAUUSD"), R(INVALID_SYMBOL));
    assert_int_equal(fire_check_symbol("FOOBAR", false, NULL, NULL), R(INVALID_SYMBOL));
    assert_int_equal(fire_check_symbol("", false, NULL, NULL), R(INVALID_SYMBOL));
    assert_int_equal(fire_check_symbol("USDJPY", false, eu, NULL), R(INVALID_SYMBOL));
    /* close_all may name no symbol */
    assert_int_equal(fire_check_symbol("", true, NULL, "USDJPY"), R(OK));
}

static void test_symbol_list_matches_whole_names_only(void **state)
{
    assert_true(fire_symbol_listed(NULL, "EURUSD"));
    assert_true(fire_symbol_listed("EURUSD", "EURUSD"));
    assert_true(fire_symbol_listed(" GBPUSD , EURUSD ", "EURUSD"));
    assert_false(fire_symbol_listed("EURUSD.m", "EURUSD"));
    assert_false(fire_symbol_listed("EURUSDX,USD", "EURUSD"));
    assert_false(fire_symbol_listed("EURUSD", ""));
}

static void test_action_accepts_the_four_wire_actions_only(void **state)
{
    assert_int_equal(bitten_action_parse("buy"), BITTEN_ACTION_BUY);
    assert_int_equal(bitten_action_parse("sell"), BITTEN_ACTION_SELL);
    assert_int_equal(bitten_action_parse("close"), BITTEN_ACTION_CLOSE);
    assert_int_equal(bitten_action_parse("close_all"), BITTEN_ACTION_CLOSE_ALL);
    assert_int_equal(fire_check_action(BITTEN_ACTION_BUY), R(OK));
    assert_int_equal(fire_check_action(BITTEN_ACTION_SELL), R(OK));
    assert_int_equal(fire_check_action(BITTEN_ACTION_CLOSE), R(OK));
    assert_int_equal(fire_check_action(BITTEN_ACTION_CLOSE_ALL), R(OK));
    assert_int_equal(fire_check_action(bitten_action_parse("BUY")), R(INVALID_ACTION));
    assert_int_equal(fire_check_action(bitten_action_parse("hold")), R(INVALID_ACTION));
    assert_int_equal(fire_check_action(bitten_action_parse("")), R(INVALID_ACTION));
    assert_int_equal(fire_check_action(bitten_action_parse(NULL)), R(INVALID_ACTION));
    assert_int_equal(fire_check_action((bitten_action_t)9), R(INVALID_ACTION));
    /* an action nobody named fails closed: it counts as opening until check 3 refuses it */
    assert_true(bitten_action_opens(BITTEN_ACTION_INVALID));
    assert_false(bitten_action_opens(BITTEN_ACTION_CLOSE));
}

static fire_request_t s_stops(double sl, double tp)
{
    fire_request_t r;
    memset(&r, 0, sizeof r);
    r.sl_pips = sl;
    r.tp_pips = tp;
    return r;
}

static bitten_reason_t s_check_stops(fire_request_t r, bitten_action_t action, double max)
{
    r.action = action;
    return fire_check_stops(&r, bitten_symbols_find(s_table, "EURUSD"), max);
}

/*  modules.md's numbers, by hand: the key table (the one place the daemon reads them from)
 *  must carry exactly these, and each fire.* limit key reaches its field. */
static void test_limits_default_to_modules_md_numbers(void **state)
{
    fire_limits_t d = fire_limits_default();
    assert_true(d.max_stop_pips == 1000.0);      /* "sl/tp beyond 1000 pips" */
    assert_true(d.sl_too_wide_factor == 1.5);    /* "more than 1.5 x the target" */
    assert_true(d.balance_per_lot == 1000.0);    /* "balance / 1000" */
    assert_true(d.manual_lot_tolerance == 1.1);  /* explicit lot risking more than 1.1 x */
    bitten_config_t *cfg = bitten_config_new();
    fire_limits_t c = fire_limits_from_config(cfg);
    assert_memory_equal(&c, &d, sizeof c);
    char err[256];
    const char *keys[] = {"fire.max_stop_pips", "fire.sl_too_wide_factor", "fire.balance_per_lot",
                          "fire.manual_lot_risk_tolerance"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_int_equal(bitten_config_set(cfg, keys[i], "7", "cli", err, sizeof err), 0);
    c = fire_limits_from_config(cfg);
    assert_true(c.max_stop_pips == 7.0 && c.sl_too_wide_factor == 7.0 &&
                c.balance_per_lot == 7.0 && c.manual_lot_tolerance == 7.0);
    bitten_config_destroy(&cfg);
}

static void test_stops_need_a_stop_loss_within_1000_pips(void **state)
{
    const double max = 1000.0; /* modules.md; the default: test_limits_default_to_modules_md_numbers */
    fire_request_t r = s_stops(20, 30);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(OK));
    r = s_stops(0, 30);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(INVALID_STOPS));
    r = s_stops(1000, 1000);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(OK));
    r = s_stops(1000.01, 30);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(INVALID_STOPS));
    r = s_stops(20, 1000.01);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(INVALID_STOPS));
    r = s_stops(20, 0); /* no target is allowed */
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(OK));
    r = s_stops(20, -1); /* a negative distance is the wrong side */
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(INVALID_STOPS));
    r = s_stops(NAN, 30);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(INVALID_STOPS));
    r = s_stops(0, 0); /* close actions carry no stops */
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_CLOSE, max), R(OK));
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_CLOSE_ALL, max), R(OK));
}

/*  Issue 14 item 1: a stop that rounds below the minimum (or to 0 points = "no stop" on the
 *  wire) is refused, manual or not; the minimum is the symbol's min_stop_pips in points. */
static void test_a_tiny_stop_is_refused_after_rounding_to_the_brokers_points(void **state)
{
    const double max = fire_limits_default().max_stop_pips;
    const bitten_symbol_t *eur = s_sym(state, "EURUSD"); /* min 15 pips = 150 points */
    assert_int_equal(fire_min_stop_points(eur), 150);
    const double tiny[] = {0.01, 0.04, 0.049, 0.05, 1.0, 14.94};
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        fire_request_t r = s_stops(tiny[i], 30);
        r.manual = true;
        assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(INVALID_STOPS));
        assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(INVALID_STOPS));
    }
    /* 14.95 pips rounds to 150 points: exactly the minimum, and that is what the EA gets */
    fire_request_t r = s_stops(14.95, 30);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(OK));
    assert_double_equal(fire_wire_pips(eur, 14.95), 15.0, 1e-9);
    /* a tp that rounds to 0 points would be "no target": refused, not silently dropped */
    r = s_stops(20, 0.04);
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(INVALID_STOPS));
    /* no symbol (or an unusable one) fails closed */
    r = s_stops(20, 30);
    r.action = BITTEN_ACTION_BUY;
    assert_int_equal(fire_check_stops(&r, NULL, max), R(INVALID_STOPS));
    bitten_symbol_t broken = *eur;
    broken.point = 0;
    assert_int_equal(fire_check_stops(&r, &broken, max), R(INVALID_STOPS));
    assert_int_equal(fire_min_stop_points(&broken), 0);
    /* a symbol configured without a minimum still needs one point */
    bitten_symbol_t none = *eur;
    none.min_stop_pips = 0;
    assert_int_equal(fire_min_stop_points(&none), 1);
    r.sl_pips = 0.04; /* 0 points */
    assert_int_equal(fire_check_stops(&r, &none, max), R(INVALID_STOPS));
    r.sl_pips = 0.05; /* 1 point (rounds half away from zero) */
    assert_int_equal(fire_check_stops(&r, &none, max), R(OK));
    /* in the symbol's own points: XAUUSD min 30 pips x 0.1 / 0.01 = 300 points */
    assert_int_equal(fire_min_stop_points(s_sym(state, "XAUUSD")), 300);
}

/*  Sizing never divides by a stop below the minimum, even when handed one directly. */
static void test_sizing_refuses_a_stop_below_the_minimum(void **state)
{
    fire_sizing_t in = {.equity = 10000,
                        .balance = 10000,
                        .risk_pct = 1.0,
                        .shield_multiplier = 1.0,
                        .mode_multiplier = 1.0,
                        .sl_pips = 0.04,
                        .symbol = s_sym(state, "EURUSD"),
                        .limits = fire_limits_default()};
    double lot = -1;
    assert_int_equal(fire_size_lot(&in, &lot), R(INVALID_STOPS));
    in.sl_pips = 14.9;
    assert_int_equal(fire_size_lot(&in, &lot), R(INVALID_STOPS));
    in.sl_pips = 15.0;
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.66, 1e-12); /* 100 / 150 */
}

static void test_stops_on_the_wrong_side_of_entry_are_refused(void **state)
{
    const double max = fire_limits_default().max_stop_pips;
    fire_request_t r = s_stops(20, 30);
    r.entry = 1.1000;
    r.sl_price = 1.0980;
    r.tp_price = 1.1030;
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(OK));
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(INVALID_STOPS));
    r.tp_price = 1.0970; /* BUY target under entry */
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_BUY, max), R(INVALID_STOPS));
    r.sl_price = 1.1020; /* SELL: sl above, tp below */
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(OK));
    r.tp_price = 1.1000; /* target at entry is no target side at all */
    assert_int_equal(s_check_stops(r, BITTEN_ACTION_SELL, max), R(INVALID_STOPS));
}

static void test_explicit_lot_must_be_positive_tradable_and_under_the_cap(void **state)
{
    const bitten_symbol_t *eu = s_sym(state, "EURUSD");
    assert_int_equal(fire_check_lot(false, 0.0, eu, 1.0), R(OK));
    assert_int_equal(fire_check_lot(true, 0.0, eu, 1.0), R(INVALID_LOT));
    assert_int_equal(fire_check_lot(true, -0.1, eu, 1.0), R(INVALID_LOT));
    assert_int_equal(fire_check_lot(true, NAN, eu, 1.0), R(INVALID_LOT));
    assert_int_equal(fire_check_lot(true, 0.009, eu, 1.0), R(INVALID_LOT));
    assert_int_equal(fire_check_lot(true, 0.01, eu, 1.0), R(OK));
    assert_int_equal(fire_check_lot(true, 1.0, eu, 1.0), R(OK));
    assert_int_equal(fire_check_lot(true, 1.01, eu, 1.0), R(INVALID_LOT));
    /* no account cap: the symbol's max */
    assert_int_equal(fire_check_lot(true, 100.0, eu, 0.0), R(OK));
    assert_int_equal(fire_check_lot(true, 100.01, eu, 0.0), R(INVALID_LOT));
    assert_int_equal(fire_check_lot(true, 0.1, NULL, 1.0), R(INVALID_LOT));
}

static void test_expired_only_after_expires_at(void **state)
{
    assert_int_equal(fire_check_expired(1000, 0), R(OK)); /* no expiry */
    assert_int_equal(fire_check_expired(60999, 61000), R(OK));
    assert_int_equal(fire_check_expired(61000, 61000), R(OK));
    assert_int_equal(fire_check_expired(61001, 61000), R(EXPIRED));
}

static void test_duplicate_when_already_fired(void **state)
{
    assert_int_equal(fire_check_duplicate(false), R(OK));
    assert_int_equal(fire_check_duplicate(true), R(DUPLICATE));
}

static void test_ea_check_names_the_route_refusal_then_offline(void **state)
{
    assert_int_equal(fire_check_ea(R(NO_EA_CONNECTED), true), R(NO_EA_CONNECTED));
    assert_int_equal(fire_check_ea(R(MULTIPLE_EAS_ON_PUSH), false), R(MULTIPLE_EAS_ON_PUSH));
    assert_int_equal(fire_check_ea(R(ROUTE_UNPROVEN), true), R(ROUTE_UNPROVEN));
    assert_int_equal(fire_check_ea(R(UNKNOWN_ACCOUNT), true), R(UNKNOWN_ACCOUNT));
    assert_int_equal(fire_check_ea(R(OK), true), R(OK));
    assert_int_equal(fire_check_ea(R(OK), false), R(EA_OFFLINE));
}

static void test_nibbler_takes_rapid_assault_only_fang_and_commander_take_all(void **state)
{
    assert_int_equal(fire_check_tier(BITTEN_TIER_NIBBLER, BITTEN_CLASS_RAPID_ASSAULT), R(OK));
    assert_int_equal(fire_check_tier(BITTEN_TIER_NIBBLER, BITTEN_CLASS_PRECISION_STRIKE),
                     R(TIER_FORBIDS));
    assert_int_equal(fire_check_tier(BITTEN_TIER_NIBBLER, BITTEN_CLASS_NONE), R(OK)); /* manual */
    assert_int_equal(fire_check_tier(BITTEN_TIER_FANG, BITTEN_CLASS_PRECISION_STRIKE), R(OK));
    assert_int_equal(fire_check_tier(BITTEN_TIER_FANG, BITTEN_CLASS_RAPID_ASSAULT), R(OK));
    assert_int_equal(fire_check_tier(BITTEN_TIER_COMMANDER, BITTEN_CLASS_PRECISION_STRIKE), R(OK));
    assert_int_equal(fire_check_tier((bitten_tier_t)7, BITTEN_CLASS_RAPID_ASSAULT),
                     R(TIER_FORBIDS));
}

static void test_tier_and_class_names_round_trip(void **state)
{
    assert_int_equal(bitten_tier_from_str("NIBBLER"), BITTEN_TIER_NIBBLER);
    assert_int_equal(bitten_tier_from_str("COMMANDER"), BITTEN_TIER_COMMANDER);
    assert_int_equal(bitten_tier_from_str("nibbler"), -1);
    assert_string_equal(bitten_tier_str(BITTEN_TIER_FANG), "FANG");
    assert_int_equal(bitten_signal_class_from_str("PRECISION_STRIKE"),
                     BITTEN_CLASS_PRECISION_STRIKE);
    assert_string_equal(bitten_signal_class_str(BITTEN_CLASS_RAPID_ASSAULT), "RAPID_ASSAULT");
    assert_string_equal(bitten_signal_class_str((bitten_signal_class_t)9), "?");
}

/* ---------------------------------------------------------------- the chain and its order */

typedef struct {
    bitten_reason_t answer;
    bitten_risk_answer_t view;
    bitten_risk_request_t asked; /* the last request, as the gate saw it */
    int calls;
} s_gate_t;

static bitten_reason_t s_gate(void *self, const bitten_risk_request_t *req,
                              bitten_risk_answer_t *view)
{
    s_gate_t *g = self;
    g->calls++;
    g->asked = *req;
    *view = g->view;
    return g->answer;
}

typedef struct {
    fire_request_t req;
    fire_context_t ctx;
    s_gate_t gate;
} s_case_t;

/*  A NIBBLER auto fire on EURUSD that passes every check: 10000 equity, 1 %, SL 20 -> 0.50. */
static void s_good(void **state, s_case_t *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->req.signal_id, sizeof c->req.signal_id, "VENOM_EURUSD_1");
    snprintf(c->req.uuid, sizeof c->req.uuid, "acct_1");
    snprintf(c->req.symbol, sizeof c->req.symbol, "EURUSD");
    c->req.action = BITTEN_ACTION_BUY;
    c->req.signal_class = BITTEN_CLASS_RAPID_ASSAULT;
    c->req.sl_pips = 20;
    c->req.tp_pips = 30;
    c->req.shield_multiplier = 1.0;
    c->req.expires_at = 61000;
    c->ctx.now = 1000;
    c->ctx.symbol = s_sym(state, "EURUSD");
    c->ctx.account_max_lot = 5.0;
    c->ctx.route = R(OK);
    c->ctx.ea_online = true;
    c->ctx.tier = BITTEN_TIER_NIBBLER;
    c->ctx.risk_pct = 0.8; /* the account's own: passed to the gate as it is */
    c->ctx.limits = fire_limits_default();
    c->gate.answer = R(OK);
    c->gate.view = (bitten_risk_answer_t){10000, 10000, 1.0, 1.0};
    c->ctx.risk = (bitten_risk_gate_t){&c->gate, s_gate};
}

static void test_a_request_passing_every_check_gets_its_sized_lot(void **state)
{
    s_case_t c;
    s_good(state, &c);
    double lot = -1;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(OK));
    assert_double_equal(lot, 0.50, 1e-9);
    assert_int_equal(c.gate.calls, 1);
    /* the gate is asked in the shared vocabulary: the account, symbol, direction, risk % */
    assert_string_equal(c.gate.asked.uuid, "acct_1");
    assert_string_equal(c.gate.asked.symbol, "EURUSD");
    assert_int_equal(c.gate.asked.action, BITTEN_ACTION_BUY);
    assert_double_equal(c.gate.asked.risk_pct, c.ctx.risk_pct, 0);
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, NULL), R(OK));
}

/*  Starts from a request that fails every check, then repairs one check at a time: each step
 *  must report the earliest failure left, in modules.md's order. */
static void test_a_request_failing_several_checks_gets_the_earliest_reason(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.ctx.halted_global = true;
    c.ctx.strict_violation = true;
    c.ctx.symbol = NULL;
    snprintf(c.req.symbol, sizeof c.req.symbol, "FOOBAR");
    c.req.action = BITTEN_ACTION_INVALID;
    c.req.sl_pips = 0;
    c.req.has_lot = true;
    c.req.lot = -1;
    c.ctx.now = 70000;
    c.ctx.already_fired = true;
    c.ctx.route = R(NO_EA_CONNECTED);
    c.req.signal_class = BITTEN_CLASS_PRECISION_STRIKE;
    c.gate.answer = R(RISK_DAILY_LOSS);
    double lot = 0;

    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(HALTED));
    c.ctx.halted_global = false;
    c.ctx.halted_account = true;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(HALTED));
    c.ctx.halted_account = false;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(STRICT_LEGACY_FILE));
    c.ctx.strict_violation = false;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(INVALID_SYMBOL));
    snprintf(c.req.symbol, sizeof c.req.symbol, "EURUSD");
    c.ctx.symbol = s_sym(state, "EURUSD");
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(INVALID_ACTION));
    c.req.action = BITTEN_ACTION_BUY;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(INVALID_STOPS));
    c.req.sl_pips = 20;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(INVALID_LOT));
    c.req.has_lot = false;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(EXPIRED));
    c.ctx.now = 1000;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(DUPLICATE));
    c.ctx.already_fired = false;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(NO_EA_CONNECTED));
    c.ctx.route = R(MULTIPLE_EAS_ON_PUSH);
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(MULTIPLE_EAS_ON_PUSH));
    c.ctx.route = R(ROUTE_UNPROVEN);
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(ROUTE_UNPROVEN));
    c.ctx.route = R(OK);
    c.ctx.ea_online = false;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(EA_OFFLINE));
    c.ctx.ea_online = true;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(TIER_FORBIDS));
    assert_int_equal(c.gate.calls, 0); /* the risk gate is not asked before its turn */
    c.req.signal_class = BITTEN_CLASS_RAPID_ASSAULT;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(RISK_DAILY_LOSS));
    assert_int_equal(c.gate.calls, 1);
    c.gate.answer = R(OK);
    c.req.sl_pips = 999;                            /* within 1000 pips: valid stops */
    c.gate.view.equity = c.gate.view.balance = 100; /* target 1.00; min lot risks 99.90 */
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(RISK_SL_TOO_WIDE));
    c.req.sl_pips = 20;
    c.gate.view.equity = c.gate.view.balance = 10000;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(OK));
    assert_double_equal(lot, 0.50, 1e-9);
}

/*  The whole chain on the tiny stops of the hostile review: never OK, never a lot. */
static void test_the_chain_refuses_tiny_manual_stops_before_sizing(void **state)
{
    const double tiny[] = {0.01, 0.04, 0.049};
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        s_case_t c;
        s_good(state, &c);
        c.req.manual = true;
        c.req.signal_class = BITTEN_CLASS_NONE;
        c.req.sl_pips = tiny[i];
        double lot = -1;
        assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(INVALID_STOPS));
        assert_double_equal(lot, 0.0, 0.0);
        assert_int_equal(c.gate.calls, 0);
    }
}

static void test_no_risk_gate_fails_closed_with_risk_unavailable(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.ctx.risk.fn = NULL;
    double lot = 7;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(RISK_UNAVAILABLE));
    assert_double_equal(lot, 0.0, 0.0);
}

static void test_a_gate_go_without_account_numbers_fails_closed(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.gate.view = (bitten_risk_answer_t){0, 0, 0, 0};
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, NULL), R(RISK_UNAVAILABLE));
    c.gate.view = (bitten_risk_answer_t){10000, 10000, 1.0, NAN};
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, NULL), R(RISK_UNAVAILABLE));
}

static void test_close_actions_skip_halt_tier_risk_and_sizing(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.req.action = BITTEN_ACTION_CLOSE;
    c.req.sl_pips = 0;
    c.ctx.halted_global = true;
    c.ctx.risk.fn = NULL;
    c.req.signal_class = BITTEN_CLASS_PRECISION_STRIKE;
    double lot = 7;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(OK));
    assert_double_equal(lot, 0.0, 0.0);
    /* ...but not the wire checks */
    c.ctx.route = R(NO_EA_CONNECTED);
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(NO_EA_CONNECTED));
    c.ctx.route = R(OK);
    c.ctx.already_fired = true;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(DUPLICATE));
    c.ctx.already_fired = false;
    c.ctx.strict_violation = true;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(STRICT_LEGACY_FILE));
    c.ctx.strict_violation = false;
    c.req.action = BITTEN_ACTION_CLOSE_ALL;
    c.req.symbol[0] = '\0';
    c.ctx.symbol = NULL;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(OK));
}

static void test_manual_fire_passes_the_tier_and_uses_its_lot_capped(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.req.manual = true;
    c.req.signal_class = BITTEN_CLASS_PRECISION_STRIKE; /* ignored for manual fires */
    c.req.shield_multiplier = 0.0;                    /* ignored for manual fires */
    c.req.has_lot = true;
    c.req.lot = 0.257;
    double lot = 0;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(OK));
    assert_double_equal(lot, 0.25, 1e-9);
    c.gate.view.balance = 1000; /* balance cap 1.00 */
    c.req.lot = 3.0;            /* under the account's 5.0: valid, then capped */
    /* 1.00 lot x 20 pips x 10 = 200 at risk vs a target of 100 (x 1.1): refused... */
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(RISK_LOT_TOO_LARGE));
    /* ...unless the operator overrides it explicitly */
    c.req.override_risk = true;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(OK));
    assert_double_equal(lot, 1.00, 1e-9);
    /* an automatic fire cannot carry an override */
    c.req.manual = false;
    c.req.signal_class = BITTEN_CLASS_RAPID_ASSAULT;
    c.req.shield_multiplier = 1.0;
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(RISK_LOT_TOO_LARGE));
    c.req.manual = true;
    c.req.lot = 5.01; /* over the account's max_lot: refused at check 3 */
    assert_int_equal(fire_run_checks(&c.req, &c.ctx, &lot), R(INVALID_LOT));
}

/* ---------------------------------------------------------------- lot sizing */

/*  The sizing arithmetic on a copy of the symbol without a minimum stop (1 point), so the
 *  hand-computed table can use small stops; the minimum itself is tested above. */
static bitten_symbol_t s_arith_sym;

static fire_sizing_t s_sizing(void **state, const char *symbol, double balance, double risk_pct,
                              double shield, double sl_pips)
{
    s_arith_sym = *s_sym(state, symbol);
    s_arith_sym.min_stop_pips = 0;
    fire_sizing_t in = {.equity = balance,
                        .balance = balance,
                        .risk_pct = risk_pct,
                        .shield_multiplier = shield,
                        .mode_multiplier = 1.0,
                        .sl_pips = sl_pips,
                        .symbol = &s_arith_sym,
                        .account_max_lot = 0.0,
                        .limits = fire_limits_default()};
    return in;
}

typedef struct {
    const char *symbol;
    double risk_pct, shield, balance, sl_pips, lot;
} s_lot_row_t;

/*  Hand-computed: lot = balance x risk% x shield / (sl x pip_value), floored to 0.01.
 *  EURUSD and XAUUSD pip value 10, USDJPY and GBPJPY 6.8. */
static const s_lot_row_t s_lot_table[] = {
    /* EURUSD, 1 %: 1000 -> target 10 */
    {"EURUSD", 1.0, 1.0, 1000, 10, 0.10},  /* 10 / 100 */
    {"EURUSD", 1.0, 1.0, 1000, 20, 0.05},  /* 10 / 200 */
    {"EURUSD", 1.0, 1.0, 1000, 50, 0.02},  /* 10 / 500 */
    {"EURUSD", 1.0, 1.0, 10000, 10, 1.00}, /* 100 / 100 */
    {"EURUSD", 1.0, 1.0, 10000, 20, 0.50},
    {"EURUSD", 1.0, 1.0, 10000, 50, 0.20},
    {"EURUSD", 1.0, 1.0, 100000, 10, 10.00}, /* 1000 / 100 */
    {"EURUSD", 1.0, 1.0, 100000, 20, 5.00},
    {"EURUSD", 1.0, 1.0, 100000, 50, 2.00},
    /* USDJPY, 1 %: risk per lot = sl x 6.8 */
    {"USDJPY", 1.0, 1.0, 1000, 10, 0.14},    /* 10 / 68 = 0.147 */
    {"USDJPY", 1.0, 1.0, 1000, 20, 0.07},    /* 10 / 136 = 0.0735 */
    {"USDJPY", 1.0, 1.0, 1000, 50, 0.02},    /* 10 / 340 = 0.0294 */
    {"USDJPY", 1.0, 1.0, 10000, 10, 1.47},   /* 100 / 68 = 1.4706 */
    {"USDJPY", 1.0, 1.0, 10000, 20, 0.73},   /* 0.7353 */
    {"USDJPY", 1.0, 1.0, 10000, 50, 0.29},   /* 0.2941 */
    {"USDJPY", 1.0, 1.0, 100000, 10, 14.70}, /* 14.706 */
    {"USDJPY", 1.0, 1.0, 100000, 20, 7.35},  /* 7.353 */
    {"USDJPY", 1.0, 1.0, 100000, 50, 2.94},  /* 2.941 */
    /* GBPJPY, FANG 1.25 % */
    {"GBPJPY", 1.25, 1.0, 1000, 10, 0.18},    /* 12.5 / 68 = 0.1838 */
    {"GBPJPY", 1.25, 1.0, 1000, 20, 0.09},    /* 12.5 / 136 = 0.0919 */
    {"GBPJPY", 1.25, 1.0, 1000, 50, 0.03},    /* 12.5 / 340 = 0.0368 */
    {"GBPJPY", 1.25, 1.0, 10000, 10, 1.83},   /* 1.8382 */
    {"GBPJPY", 1.25, 1.0, 10000, 20, 0.91},   /* 0.9191 */
    {"GBPJPY", 1.25, 1.0, 10000, 50, 0.36},   /* 0.3676 */
    {"GBPJPY", 1.25, 1.0, 100000, 10, 18.38}, /* 18.382 */
    {"GBPJPY", 1.25, 1.0, 100000, 20, 9.19},  /* 9.191 */
    {"GBPJPY", 1.25, 1.0, 100000, 50, 3.67},  /* 3.676 */
    /* XAUUSD, 1.25 % x SHIELD_ACTIVE 0.75 = 0.9375 % */
    {"XAUUSD", 1.25, 0.75, 1000, 10, 0.09},   /* 9.375 / 100 */
    {"XAUUSD", 1.25, 0.75, 1000, 20, 0.04},   /* 0.046875 */
    {"XAUUSD", 1.25, 0.75, 1000, 50, 0.01},   /* 0.01875 */
    {"XAUUSD", 1.25, 0.75, 10000, 10, 0.93},  /* 0.9375 */
    {"XAUUSD", 1.25, 0.75, 10000, 20, 0.46},  /* 0.46875 */
    {"XAUUSD", 1.25, 0.75, 10000, 50, 0.18},  /* 0.1875 */
    {"XAUUSD", 1.25, 0.75, 100000, 10, 9.37}, /* 9.375 */
    {"XAUUSD", 1.25, 0.75, 100000, 20, 4.68}, /* 4.6875 */
    {"XAUUSD", 1.25, 0.75, 100000, 50, 1.87}, /* 1.875 */
};

static void test_lot_sizing_table_for_four_symbols_three_balances_three_stops(void **state)
{
    for (size_t i = 0; i < sizeof s_lot_table / sizeof s_lot_table[0]; i++) {
        const s_lot_row_t *row = &s_lot_table[i];
        fire_sizing_t in =
            s_sizing(state, row->symbol, row->balance, row->risk_pct, row->shield, row->sl_pips);
        double lot = -1;
        bitten_reason_t r = fire_size_lot(&in, &lot);
        if (r != R(OK) || fabs(lot - row->lot) > 1e-9) {
            print_error("row %zu %s balance %.0f sl %.0f: got %s %.4f, want %.2f\n", i, row->symbol,
                        row->balance, row->sl_pips, bitten_reason_str(r), lot, row->lot);
            fail();
        }
    }
}

static void test_round_down_does_not_lose_a_step_to_float_error(void **state)
{
    /* 0.29 / 0.01 is 28.999999999999996 in doubles: a bare floor would give 0.28 */
    double lot = 0;
    fire_sizing_t in = s_sizing(state, "EURUSD", 2900, 1.0, 1.0, 10); /* 29 / 100 */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.29, 1e-12);
    in = s_sizing(state, "EURUSD", 5700, 1.0, 1.0, 10);
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.57, 1e-12);
    in = s_sizing(state, "EURUSD", 11500, 1.0, 1.0, 10);
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 1.15, 1e-12);
    /* and a value just under a step still rounds down */
    in = s_sizing(state, "EURUSD", 2899, 1.0, 1.0, 10); /* 0.2899 */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.28, 1e-12);
}

static void test_medic_mode_halves_the_lot(void **state)
{
    fire_sizing_t in = s_sizing(state, "EURUSD", 10000, 1.0, 1.0, 20);
    in.mode_multiplier = 0.5;
    double lot = 0;
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.25, 1e-12);
}

static void test_lot_is_capped_by_account_max_symbol_max_and_balance(void **state)
{
    double lot = 0;
    /* account max_lot 0.5 under a 1.00 lot */
    fire_sizing_t in = s_sizing(state, "EURUSD", 10000, 1.0, 1.0, 10);
    in.account_max_lot = 0.5;
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.50, 1e-12);
    /* balance / 1000: SL 0.5 pip would be 20 lots on 10000 -> 10.00 */
    in = s_sizing(state, "EURUSD", 10000, 1.0, 1.0, 0.5);
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 10.00, 1e-12);
    /* the balance cap is itself rounded down to the step: 1234 / 1000 -> 1.23 */
    in = s_sizing(state, "EURUSD", 1234, 1.0, 1.0, 0.5);
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 1.23, 1e-12);
    /* symbol max 100: 1,000,000 at SL 5 would be 200 lots, balance cap 1000 */
    in = s_sizing(state, "EURUSD", 1000000, 1.0, 1.0, 5);
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 100.00, 1e-12);
    /* the balance cap uses balance, the target uses equity */
    in = s_sizing(state, "EURUSD", 10000, 1.0, 1.0, 10);
    in.balance = 800; /* cap 0.80 while equity would size 1.00 */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.80, 1e-12);
}

static void test_sl_too_wide_refuses_exactly_above_one_and_a_half_times_the_target(void **state)
{
    /* 100 x 1 % = target 1.00; min lot 0.01 risks 0.01 x sl x 10 = 0.1 x sl */
    double lot = 0;
    fire_sizing_t in = s_sizing(state, "EURUSD", 100, 1.0, 1.0, 15.0); /* min lot risks 1.50 */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.01, 1e-12);
    in.sl_pips = 15.1; /* 1.51 > 1.50 */
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_SL_TOO_WIDE));
    in.sl_pips = 10.5; /* raw 0.0095: below min lot but within 1.5x -> min lot */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.01, 1e-12);
}

static void test_a_balance_too_small_for_the_min_lot_is_invalid_lot(void **state)
{
    double lot = 0;
    fire_sizing_t in = s_sizing(state, "EURUSD", 5, 1.0, 1.0, 0.1); /* cap 0.005 < min lot 0.01 */
    assert_int_equal(fire_size_lot(&in, &lot), R(INVALID_LOT));
}

/*  Issue 14 item 9: lot 10 with a 100-pip stop was 100 % of equity at risk vs 1.25 %. */
static void test_an_explicit_lot_is_risk_checked_with_a_tolerance(void **state)
{
    double lot = 0;
    fire_sizing_t in = s_sizing(state, "EURUSD", 10000, 1.25, 1.0, 100); /* target 125 */
    in.has_lot = true;
    in.lot = 10.0; /* capped to 10.00 by balance: 10000 at risk */
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_LOT_TOO_LARGE));
    in.lot = 0.13; /* 130: within 1.1 x 125 = 137.5 */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.13, 1e-12);
    in.lot = 0.14; /* 140 > 137.5 */
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_LOT_TOO_LARGE));
    in.override_risk = true;
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.14, 1e-12);
    in.override_risk = false;
    in.limits.manual_lot_tolerance = 0; /* no tolerance configured: fail closed */
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_UNAVAILABLE));
}

static void test_explicit_lot_is_rounded_down_and_capped(void **state)
{
    double lot = 0;
    fire_sizing_t in = s_sizing(state, "EURUSD", 1000, 1.0, 1.0, 20);
    in.has_lot = true;
    in.override_risk = true; /* the rounding and caps, not the risk check (tested above) */
    in.lot = 0.257;
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.25, 1e-12);
    in.lot = 7.0; /* balance cap 1.00 */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 1.00, 1e-12);
    in.lot = 0.009; /* rounds to nothing */
    assert_int_equal(fire_size_lot(&in, &lot), R(INVALID_LOT));
    in.lot = NAN;
    assert_int_equal(fire_size_lot(&in, &lot), R(INVALID_LOT));
    in.lot = 0.29; /* explicit lots are safe from float error too */
    assert_int_equal(fire_size_lot(&in, &lot), R(OK));
    assert_double_equal(lot, 0.29, 1e-12);
}

static void test_sizing_fails_closed_on_missing_account_numbers(void **state)
{
    double lot = 0;
    fire_sizing_t in = s_sizing(state, "EURUSD", 1000, 1.0, 1.0, 20);
    in.equity = 0;
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_UNAVAILABLE));
    in = s_sizing(state, "EURUSD", 1000, 0.0, 1.0, 20);
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_UNAVAILABLE));
    in = s_sizing(state, "EURUSD", NAN, 1.0, 1.0, 20);
    assert_int_equal(fire_size_lot(&in, &lot), R(RISK_UNAVAILABLE));
    in = s_sizing(state, "EURUSD", 1000, 1.0, 1.0, 20);
    in.symbol = NULL;
    assert_int_equal(fire_size_lot(&in, &lot), R(INVALID_SYMBOL));
}

/* ---------------------------------------------------------------- the command */

static void test_command_carries_points_lot_uuid_and_expiry(void **state)
{
    s_case_t c;
    s_good(state, &c);
    const bitten_ms_t t0 =
        1754051696789; /* 2025-08-01T12:34:56.789Z: the encoder wants real times */
    c.req.expires_at = t0 + 30000;
    bitten_signal_cmd_t cmd;
    assert_int_equal(fire_build_command(&c.req, s_sym(state, "EURUSD"), 0.5, t0, &cmd), 0);
    assert_string_equal(cmd.signal_id, "VENOM_EURUSD_1");
    assert_string_equal(cmd.uuid, "acct_1");
    assert_string_equal(cmd.symbol, "EURUSD");
    assert_int_equal(cmd.action, BITTEN_ACTION_BUY);
    assert_double_equal(cmd.lot, 0.50, 1e-12);
    assert_int_equal(cmd.sl, 200); /* 20 pips x 0.0001 / 0.00001 */
    assert_int_equal(cmd.tp, 300);
    assert_int_equal(cmd.timestamp, t0);
    assert_int_equal(cmd.expires_at, t0 + 30000);
    char buf[512];
    int n = bitten_encode_signal(&cmd, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\"sl\":200"));
    assert_non_null(strstr(buf, "\"uuid\":\"acct_1\""));
    assert_non_null(strstr(buf, "\"expires_at\":\"2025-08-01T12:35:26.789Z\""));

    snprintf(c.req.symbol, sizeof c.req.symbol, "USDJPY");
    c.req.sl_pips = 15;
    c.req.tp_pips = 0;
    assert_int_equal(fire_build_command(&c.req, s_sym(state, "USDJPY"), 0.07, 1000, &cmd), 0);
    assert_int_equal(cmd.sl, 150);
    assert_int_equal(cmd.tp, 0);
    snprintf(c.req.symbol, sizeof c.req.symbol, "XAUUSD");
    c.req.sl_pips = 30;
    c.req.tp_pips = 60;
    assert_int_equal(fire_build_command(&c.req, s_sym(state, "XAUUSD"), 0.01, 1000, &cmd), 0);
    assert_int_equal(cmd.sl, 300);
    assert_int_equal(cmd.tp, 600);
}

/*  Issue 14 item 10: lot_step / min_lot 0.001. The contract wire has 2 decimals: the lot is
 *  rounded DOWN to what the wire carries (never up: 0.005 was sent as 0.01), and a lot that
 *  has no wire value is INVALID_LOT (0.004 was INTERNAL). */
static void test_the_contract_lot_is_the_wire_lot_never_rounded_up(void **state)
{
    bitten_symbol_t fine = *s_sym(state, "EURUSD");
    fine.lot_step = fine.min_lot = 0.001;
    double wire = -1;
    assert_int_equal(fire_contract_lot(&fine, 0.005, &wire), R(INVALID_LOT));
    assert_int_equal(fire_contract_lot(&fine, 0.004, &wire), R(INVALID_LOT));
    assert_int_equal(fire_contract_lot(&fine, 0.014, &wire), R(OK));
    assert_double_equal(wire, 0.01, 1e-12);
    assert_int_equal(fire_contract_lot(&fine, 0.29, &wire), R(OK));
    assert_double_equal(wire, 0.29, 1e-12);
    const bitten_symbol_t *eur = s_sym(state, "EURUSD");
    assert_int_equal(fire_contract_lot(eur, 0.57, &wire), R(OK));
    assert_double_equal(wire, 0.57, 1e-12);
    bitten_symbol_t odd = *eur;
    odd.lot_step = 0.025;
    odd.min_lot = 0.025;
    assert_int_equal(fire_contract_lot(&odd, 0.05, &wire), R(OK));
    assert_double_equal(wire, 0.05, 1e-12);
    assert_int_equal(fire_contract_lot(&odd, 0.03, &wire), R(INVALID_LOT)); /* 0.025: 3 decimals */
    assert_int_equal(fire_contract_lot(eur, 0, &wire), R(INVALID_LOT));
    assert_int_equal(fire_contract_lot(NULL, 0.1, &wire), R(INVALID_SYMBOL));
}

static bitten_account_symbol_t s_asym(void **state, const char *name, const char *broker,
                                      int digits)
{
    bitten_account_symbol_t a;
    memset(&a, 0, sizeof a);
    a.spec = *s_sym(state, name);
    if (digits > 0) {
        a.spec.digits = digits;
        a.spec.point = pow(10, -digits);
    }
    snprintf(a.broker_name, sizeof a.broker_name, "%s", broker);
    a.facts = (bitten_symbol_facts_t){a.spec.digits, a.spec.point, a.spec.min_lot, a.spec.max_lot,
                                      a.spec.lot_step};
    return a;
}

/*  Each dialect's frame, read back as that EA reads it (first match wins): the lot it
 *  executes is effect.lot, the stops are in its units, the broker's symbol name is on it. */
static void test_fire_encode_speaks_each_dialect_and_journals_what_executes(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.req.sl_pips = 20;
    c.req.tp_pips = 30;
    bitten_account_symbol_t a = s_asym(state, "EURUSD", "EURUSDm", 0);
    fire_quote_t q = {1.17617, 1.17619, true};
    char buf[BITTEN_EA_CMD_MAX + 1], v[64];
    bitten_dcmd_effect_t eff;
    bitten_reason_t why;

    /* v7: lot 0.29 floors to 0.28 in v7: the wire lot executes as journaled */
    int n = fire_encode(BITTEN_DIALECT_V7, &c.req, &a, 0.29, &q, 1000, buf, sizeof buf, &eff, &why);
    assert_true(n > 0);
    double wire = ea_json_double(buf, "lot", EA_JSON_V7);
    assert_double_equal(bitten_v7_executed_lot(wire, a.facts.lot_min, a.facts.lot_max,
                                               a.facts.lot_step),
                        eff.lot, 1e-12);
    assert_true(ea_json_get(buf, "type", EA_JSON_V7, v, sizeof v));
    assert_string_equal(v, "signal");
    ea_json_get(buf, "symbol", EA_JSON_V7, v, sizeof v);
    assert_string_equal(v, "EURUSDm");
    ea_json_get(buf, "action", EA_JSON_V7, v, sizeof v);
    assert_string_equal(v, "buy");
    assert_int_equal(ea_json_int(buf, "sl", EA_JSON_V7), 200);
    assert_int_equal(ea_json_int(buf, "tp", EA_JSON_V7), 300);
    assert_int_equal(eff.sl_points, 200);

    /* USDCNH quoted with 4 digits: 20 pips are 200 points of 0.0001 -> the same distance */
    snprintf(c.req.symbol, sizeof c.req.symbol, "USDCNH");
    bitten_account_symbol_t cnh = s_asym(state, "USDCNH", "USDCNH", 4);
    n = fire_encode(BITTEN_DIALECT_V7, &c.req, &cnh, 0.10, &q, 1000, buf, sizeof buf, &eff, &why);
    assert_true(n > 0);
    assert_int_equal(ea_json_int(buf, "sl", EA_JSON_V7) * 1, (long long)lround(20 * cnh.spec.pip / 0.0001));
    snprintf(c.req.symbol, sizeof c.req.symbol, "EURUSD");

    /* v2.05: absolute stops from the quote, direction, fire_id, full target_uuid */
    n = fire_encode(BITTEN_DIALECT_V205, &c.req, &a, 0.29, &q, 1000, buf, sizeof buf, &eff, &why);
    assert_true(n > 0);
    ea_json_get(buf, "type", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "fire");
    ea_json_get(buf, "fire_id", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "VENOM_EURUSD_1");
    ea_json_get(buf, "target_uuid", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "acct_1");
    ea_json_get(buf, "direction", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "BUY");
    assert_double_equal(ea_json_double(buf, "sl", EA_JSON_V2), 1.17419, 1e-9);
    assert_double_equal(ea_json_double(buf, "tp", EA_JSON_V2), 1.17919, 1e-9);
    assert_double_equal(ea_json_double(buf, "lot", EA_JSON_V2), eff.lot, 1e-12);
    assert_double_equal(eff.lot, 0.29, 1e-12);
    /* no quote, or a stale one: NO_QUOTE, nothing built */
    q.fresh = false;
    assert_true(fire_encode(BITTEN_DIALECT_V205, &c.req, &a, 0.29, &q, 1000, buf, sizeof buf, &eff,
                            &why) < 0);
    assert_int_equal(why, R(NO_QUOTE));
    assert_true(fire_encode(BITTEN_DIALECT_V202, &c.req, &a, 0.29, NULL, 1000, buf, sizeof buf,
                            &eff, &why) < 0);
    assert_int_equal(why, R(NO_QUOTE));
    q.fresh = true;
    /* v2.02: target_uuid mandatory, a sell says so by entry */
    c.req.action = BITTEN_ACTION_SELL;
    n = fire_encode(BITTEN_DIALECT_V202, &c.req, &a, 0.05, &q, 1000, buf, sizeof buf, &eff, &why);
    assert_true(n > 0);
    ea_json_get(buf, "target_uuid", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "acct_1");
    assert_false(ea_json_get(buf, "direction", EA_JSON_V2, v, sizeof v));
    assert_true(ea_json_double(buf, "entry", EA_JSON_V2) > 0);
    assert_double_equal(ea_json_double(buf, "sl", EA_JSON_V2), 1.17817, 1e-9);

    /* close_all as each EA understands it */
    c.req.action = BITTEN_ACTION_CLOSE_ALL;
    c.req.symbol[0] = '\0';
    n = fire_encode(BITTEN_DIALECT_V7, &c.req, NULL, 0, NULL, 1000, buf, sizeof buf, &eff, &why);
    assert_true(n > 0);
    ea_json_get(buf, "symbol", EA_JSON_V7, v, sizeof v);
    assert_true(v[0] != '\0'); /* "symbol":"" closes nothing on v7 */
    ea_json_get(buf, "action", EA_JSON_V7, v, sizeof v);
    assert_string_equal(v, "close_all");
    n = fire_encode(BITTEN_DIALECT_V205, &c.req, NULL, 0, NULL, 1000, buf, sizeof buf, &eff, &why);
    assert_true(n > 0);
    ea_json_get(buf, "type", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "close_all");
    ea_json_get(buf, "target_uuid", EA_JSON_V2, v, sizeof v);
    assert_string_equal(v, "acct_1");
    /* contract: today's signal; its lot is the wire lot */
    c.req.action = BITTEN_ACTION_BUY;
    snprintf(c.req.symbol, sizeof c.req.symbol, "EURUSD");
    bitten_account_symbol_t plain = s_asym(state, "EURUSD", "EURUSD", 0);
    plain.spec.lot_step = plain.spec.min_lot = 0.001;
    c.req.expires_at = 1754051696789 + 30000; /* the contract encoder wants real times */
    n = fire_encode(BITTEN_DIALECT_CONTRACT, &c.req, &plain, 0.014, NULL, 1754051696789, buf,
                    sizeof buf, &eff, &why);
    assert_true(n > 0);
    assert_double_equal(eff.lot, 0.01, 1e-12);
    assert_double_equal(ea_json_double(buf, "lot", EA_JSON_V7), 0.01, 1e-12);
    assert_true(fire_encode(BITTEN_DIALECT_CONTRACT, &c.req, &plain, 0.005, NULL, 1754051696789,
                            buf, sizeof buf, &eff, &why) < 0);
    assert_int_equal(why, R(INVALID_LOT));
}

static void test_close_command_has_no_lot_or_stops_and_bad_actions_build_nothing(void **state)
{
    s_case_t c;
    s_good(state, &c);
    c.req.action = BITTEN_ACTION_CLOSE_ALL;
    c.req.symbol[0] = '\0';
    bitten_signal_cmd_t cmd;
    assert_int_equal(fire_build_command(&c.req, NULL, 0.5, 1000, &cmd), 0);
    assert_int_equal(cmd.action, BITTEN_ACTION_CLOSE_ALL);
    assert_double_equal(cmd.lot, 0.0, 0.0);
    assert_int_equal(cmd.sl, 0);
    assert_int_equal(cmd.tp, 0);
    c.req.action = BITTEN_ACTION_INVALID;
    assert_int_equal(fire_build_command(&c.req, s_sym(state, "EURUSD"), 0.5, 1000, &cmd), -1);
    c.req.action = BITTEN_ACTION_BUY;
    assert_int_equal(fire_build_command(&c.req, NULL, 0.5, 1000, &cmd), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_halted_refuses_on_a_global_or_an_account_halt),
        cmocka_unit_test(test_strict_refuses_while_a_legacy_file_exists),
        cmocka_unit_test(test_symbol_must_be_in_the_table_and_the_accounts_list),
        cmocka_unit_test(test_symbol_list_matches_whole_names_only),
        cmocka_unit_test(test_action_accepts_the_four_wire_actions_only),
        cmocka_unit_test(test_limits_default_to_modules_md_numbers),
        cmocka_unit_test(test_stops_need_a_stop_loss_within_1000_pips),
        cmocka_unit_test(test_a_tiny_stop_is_refused_after_rounding_to_the_brokers_points),
        cmocka_unit_test(test_sizing_refuses_a_stop_below_the_minimum),
        cmocka_unit_test(test_the_chain_refuses_tiny_manual_stops_before_sizing),
        cmocka_unit_test(test_stops_on_the_wrong_side_of_entry_are_refused),
        cmocka_unit_test(test_explicit_lot_must_be_positive_tradable_and_under_the_cap),
        cmocka_unit_test(test_expired_only_after_expires_at),
        cmocka_unit_test(test_duplicate_when_already_fired),
        cmocka_unit_test(test_ea_check_names_the_route_refusal_then_offline),
        cmocka_unit_test(test_nibbler_takes_rapid_assault_only_fang_and_commander_take_all),
        cmocka_unit_test(test_tier_and_class_names_round_trip),
        cmocka_unit_test(test_a_request_passing_every_check_gets_its_sized_lot),
        cmocka_unit_test(test_a_request_failing_several_checks_gets_the_earliest_reason),
        cmocka_unit_test(test_no_risk_gate_fails_closed_with_risk_unavailable),
        cmocka_unit_test(test_a_gate_go_without_account_numbers_fails_closed),
        cmocka_unit_test(test_close_actions_skip_halt_tier_risk_and_sizing),
        cmocka_unit_test(test_manual_fire_passes_the_tier_and_uses_its_lot_capped),
        cmocka_unit_test(test_lot_sizing_table_for_four_symbols_three_balances_three_stops),
        cmocka_unit_test(test_round_down_does_not_lose_a_step_to_float_error),
        cmocka_unit_test(test_medic_mode_halves_the_lot),
        cmocka_unit_test(test_lot_is_capped_by_account_max_symbol_max_and_balance),
        cmocka_unit_test(test_sl_too_wide_refuses_exactly_above_one_and_a_half_times_the_target),
        cmocka_unit_test(test_a_balance_too_small_for_the_min_lot_is_invalid_lot),
        cmocka_unit_test(test_an_explicit_lot_is_risk_checked_with_a_tolerance),
        cmocka_unit_test(test_explicit_lot_is_rounded_down_and_capped),
        cmocka_unit_test(test_sizing_fails_closed_on_missing_account_numbers),
        cmocka_unit_test(test_command_carries_points_lot_uuid_and_expiry),
        cmocka_unit_test(test_close_command_has_no_lot_or_stops_and_bad_actions_build_nothing),
        cmocka_unit_test(test_the_contract_lot_is_the_wire_lot_never_rounded_up),
        cmocka_unit_test(test_fire_encode_speaks_each_dialect_and_journals_what_executes),
    };
    return cmocka_run_group_tests(tests, s_group_setup, s_group_teardown);
}
