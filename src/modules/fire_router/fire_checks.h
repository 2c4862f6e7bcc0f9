/*  fire_checks.h: the fire router's decisions as pure functions over plain structs: the check
 *  chain of modules.md ("Fire router", checks 1..9) in its order, lot sizing, the wire command. */
#ifndef BITTEN_FIRE_CHECKS_H
#define BITTEN_FIRE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "bitten/config.h"
#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/symbols.h"
#include "bitten/trading.h"

/* ---------------------------------------------------------------- limits */

/*  The fire.* limits the checks use; defaults, ranges and docs are the key table's
 *  (src/core/config_keys.c, the only place the numbers live). */
typedef struct {
    double max_stop_pips;        /* fire.max_stop_pips: sl/tp beyond this: INVALID_STOPS */
    double sl_too_wide_factor;   /* fire.sl_too_wide_factor: min lot risking more x target */
    double balance_per_lot;      /* fire.balance_per_lot: lot cap = balance / this */
    double manual_lot_tolerance; /* fire.manual_lot_risk_tolerance: explicit lot vs target */
} fire_limits_t;

/*  The key table's defaults, for callers (and tests) that do not read config. */
fire_limits_t fire_limits_default(void);

/*  The limits as cfg says (the key table checks each range). */
fire_limits_t fire_limits_from_config(const bitten_config_t *cfg);

/*  Tiers, signal classes, actions and the risk gate are bitten/trading.h's. */

/* ---------------------------------------------------------------- a fire request */

/*  One fire for one account: from a CITADEL-approved signal (auto) or bittenctl (manual). */
typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    char uuid[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1]; /* may be "" for close_all */
    bitten_action_t action;             /* BITTEN_ACTION_INVALID when a request named none */
    bool manual;
    bitten_signal_class_t signal_class; /* BITTEN_CLASS_NONE for manual fires */
    double sl_pips, tp_pips;          /* distances; sl required to open, tp 0 = none */
    double entry, sl_price, tp_price; /* absolute prices when known (signals), 0 = absent */
    double lot;                       /* manual only, when has_lot */
    bool has_lot;
    bool override_risk;       /* the operator accepts an explicit lot above the risk target */
    double shield_multiplier; /* CITADEL's size multiplier; 1.0 for manual fires */
    bitten_ms_t expires_at;   /* 0 = none */
    bitten_ms_t created_at;   /* market time of the signal; 0 for manual fires */
} fire_request_t;

/*  Everything else the checks look at, gathered by the router before it calls them. */
typedef struct {
    bitten_ms_t now;
    bool halted_global, halted_account; /* an active halt of that scope */
    bool strict_violation;              /* ZMQ_STRICT and a legacy file exists */
    const bitten_symbol_t *symbol;      /* req->symbol in the table; NULL when absent */
    const char *account_symbols;        /* the account's comma list; NULL or "" = all */
    double account_max_lot;             /* the account's max_lot; <= 0 = no account cap */
    bool already_fired;                 /* the store has (signal_id, uuid) */
    int in_flight;                      /* the account's opening fires sent, unresolved */
    bitten_reason_t route;              /* bitten_core_route_check: OK or why not */
    bool ea_online;                     /* the account's EA is live */
    bitten_tier_t tier;
    double risk_pct;         /* for the gate: the operator's, else the account's; <= 0 tier's */
    bitten_risk_gate_t risk; /* fn NULL: RISK_UNAVAILABLE (fail closed) */
    fire_limits_t limits;
} fire_context_t;

/* ---------------------------------------------------------------- the checks */

/*  1. HALTED when a global or an account halt is active. */
bitten_reason_t fire_check_halted(bool halted_global, bool halted_account);

/*  2. STRICT_LEGACY_FILE while a strict-mode violation is active. */
bitten_reason_t fire_check_strict(bool strict_violation);

/*  3a. INVALID_SYMBOL unless the symbol is in the table (sym != NULL) and in the account's
 *  list (NULL or "" = all). symbol_optional (close_all) accepts "". */
bitten_reason_t fire_check_symbol(const char *symbol, bool symbol_optional,
                                  const bitten_symbol_t *sym, const char *account_symbols);

/*  3b. INVALID_ACTION unless action is buy, sell, close or close_all. */
bitten_reason_t fire_check_action(bitten_action_t action);

/*  The smallest stop an opening fire may carry on sym, in the broker's points: the symbol's
 *  min_stop_pips converted to points and rounded UP, and never less than 1 point (0 points is
 *  "no stop" on every wire). 0 when sym is unusable (no point/pip): callers fail closed. */
long fire_min_stop_points(const bitten_symbol_t *sym);

/*  A distance in pips as it really goes on the wire: rounded to the broker's points, back in
 *  pips (14.99 pips on EURUSD -> 150 points -> 15.0). 0 when sym is unusable. */
double fire_wire_pips(const bitten_symbol_t *sym, double pips);

/*  3c. INVALID_STOPS for an opening fire when sl is missing (<= 0), a distance is negative
 *  (wrong side), sl or tp exceeds max_stop_pips, sl rounded to the broker's points is below
 *  fire_min_stop_points(sym) (a tiny stop must never become "no stop"), a tp > 0 rounds to 0
 *  points, sym is NULL, or, when entry and stop prices are known, a stop is on the wrong side
 *  of entry (BUY: sl < entry < tp; SELL mirrored). Manual and automatic fires alike. Close
 *  actions carry no stops and pass. */
bitten_reason_t fire_check_stops(const fire_request_t *req, const bitten_symbol_t *sym,
                                 double max_stop_pips);

/*  3d. INVALID_LOT when an explicit lot is not finite, <= 0, below the symbol's min lot or
 *  above cap (the account's max_lot and the symbol's max, whichever is lower). No explicit
 *  lot passes (sizing decides). */
bitten_reason_t fire_check_lot(bool has_lot, double lot, const bitten_symbol_t *sym,
                               double account_max_lot);

/*  4. EXPIRED when expires_at is set and now is past it (now == expires_at still fires). */
bitten_reason_t fire_check_expired(bitten_ms_t now, bitten_ms_t expires_at);

/*  5. DUPLICATE when the store already holds this (signal_id, uuid). */
bitten_reason_t fire_check_duplicate(bool already_fired);

/*  6. The route's own refusal (NO_EA_CONNECTED, MULTIPLE_EAS_ON_PUSH, ROUTE_UNPROVEN, ...:
 *  bitten_core_route_check), else EA_OFFLINE. */
bitten_reason_t fire_check_ea(bitten_reason_t route, bool ea_online);

/*  7. TIER_FORBIDS: NIBBLER takes RAPID_ASSAULT only; FANG and COMMANDER take all. Manual
 *  fires (BITTEN_CLASS_NONE) are the operator's choice and pass; an unknown tier is refused. */
bitten_reason_t fire_check_tier(bitten_tier_t tier, bitten_signal_class_t signal_class);

/* ---------------------------------------------------------------- lot sizing (check 9) */

typedef struct {
    double equity, balance, risk_pct, shield_multiplier, mode_multiplier;
    double sl_pips;
    const bitten_symbol_t *symbol;
    double account_max_lot; /* <= 0 = no account cap */
    double lot;             /* manual: the operator's lot, when has_lot */
    bool has_lot;
    bool override_risk; /* skip the explicit lot's risk check (journaled by the router) */
    fire_limits_t limits;
} fire_sizing_t;

/*  lot = equity x risk_pct / 100 x shield x mode / (sl_pips x pip_value), rounded down to the
 *  lot step (sl_pips below the symbol's minimum stop, fire_min_stop_points, is INVALID_STOPS:
 *  sizing never divides by a stop smaller than the one the wire can carry), rounded down to the
 *  lot step, capped at min(account max_lot, symbol max, balance / balance_per_lot). Below the
 *  symbol's min lot: RISK_SL_TOO_WIDE when the min lot risks more than sl_too_wide_factor x
 *  the target, else the min lot. An explicit lot is rounded down and capped the same way,
 *  then risk-checked: when that lot x sl x pip_value exceeds the target x
 *  limits.manual_lot_tolerance it is RISK_LOT_TOO_LARGE, unless override_risk.
 *  Non-positive or non-finite account numbers fail closed (RISK_UNAVAILABLE); a cap below
 *  the min lot is INVALID_LOT. Returns BITTEN_R_OK with *lot_out set, or the reason. */
bitten_reason_t fire_size_lot(const fire_sizing_t *in, double *lot_out);

/* ---------------------------------------------------------------- the chain */

/*  Runs checks 1..9 of modules.md in that order and returns the first failure, or
 *  BITTEN_R_OK with the sized lot in *lot_out (may be NULL; 0 for close actions). Close and
 *  close_all reduce exposure, so HALTED, tier, risk gate and sizing apply to buy/sell only;
 *  everything that keeps the wire sane (strict, validity, expiry, duplicate, EA) applies to
 *  all. */
bitten_reason_t fire_run_checks(const fire_request_t *req, const fire_context_t *ctx,
                                double *lot_out);

/* ---------------------------------------------------------------- the command */

/*  True when name is in the comma-separated list (spaces around names ignored); an empty or
 *  NULL list holds every name. */
bool fire_symbol_listed(const char *list, const char *name);

/*  Fills the wire command for a checked request: ids, action, lot (2 decimals; 0 for close
 *  actions), sl/tp converted from pips to points with sym (0 for close actions or when sym
 *  is NULL), timestamp = now, expires_at from the request. Returns 0, or -1 when the action
 *  is invalid or an opening fire has no symbol. */
int fire_build_command(const fire_request_t *req, const bitten_symbol_t *sym, double lot,
                       bitten_ms_t now, bitten_signal_cmd_t *out);

/*  The contract wire carries lots with 2 decimals (protocol.md): the largest lot <= lot that
 *  is both on the symbol's lot step and exact in 2 decimals. INVALID_LOT when that is below
 *  the symbol's min lot (step 0.001: 0.005 and 0.004 have no wire value; never rounded UP).
 *  Returns BITTEN_R_OK with *wire set. */
bitten_reason_t fire_contract_lot(const bitten_symbol_t *sym, double lot, double *wire);

/*  The latest quote of an account's symbol, for v2.x absolute stops. */
typedef struct {
    double bid, ask;
    bool fresh; /* seen, and not older than fire.quote_max_age_s */
} fire_quote_t;

/*  One checked fire as the account's EA will read it: the frame, and what it will execute
 *  (effect.lot is THE lot: the one journaled, replied and executed). dialect UNKNOWN or
 *  CONTRACT: protocol.md's signal (fire_build_command + bitten_encode_signal, lot by
 *  fire_contract_lot); V7 / V2.05 / V2.02: bitten_dialect_encode with the account's broker
 *  name and facts (asym), the stops as distances of the points the wire carries, target_uuid =
 *  the account's uuid, and for v2.x the quote (absent or stale: NO_QUOTE). Returns the frame
 *  length, or -1 with *why. */
int fire_encode(bitten_dialect_t dialect, const fire_request_t *req,
                const bitten_account_symbol_t *asym, double lot, const fire_quote_t *quote,
                bitten_ms_t now, char *buf, size_t size, bitten_dcmd_effect_t *effect,
                bitten_reason_t *why);

#endif
