/*  trading.h: the trading vocabulary every module shares: tiers, signal classes, actions, fire
 *  states, halts, accounts, the risk request and answer, and the bus payloads that carry them. */
#ifndef BITTEN_TRADING_H
#define BITTEN_TRADING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/dialect.h"
#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/symbols.h"

/* ---------------------------------------------------------------- tiers and classes */

typedef enum {
    BITTEN_TIER_NIBBLER,
    BITTEN_TIER_FANG,
    BITTEN_TIER_COMMANDER,
    BITTEN_TIER_COUNT_
} bitten_tier_t;

const char *bitten_tier_str(bitten_tier_t tier); /* "NIBBLER", "FANG", "COMMANDER"; "?" */
int bitten_tier_from_str(const char *name);      /* the tier, or -1 (case matters) */

/*  A signal's class. BITTEN_CLASS_NONE: a manual fire, which carries none. */
typedef enum {
    BITTEN_CLASS_NONE,
    BITTEN_CLASS_RAPID_ASSAULT,
    BITTEN_CLASS_PRECISION_STRIKE
} bitten_signal_class_t;

const char *bitten_signal_class_str(bitten_signal_class_t cls); /* "NONE", "RAPID_ASSAULT"; "?" */
int bitten_signal_class_from_str(const char *name);             /* the class, or -1 */

/* ---------------------------------------------------------------- actions and directions */

/*  A fire's action is a bitten_action_t (bitten/proto.h): buy and sell open (they are the
 *  direction), close and close_all reduce exposure. An operator request naming no known
 *  action carries BITTEN_ACTION_INVALID, so the check chain refuses it INVALID_ACTION in its
 *  place (and the refusal is journaled like any other). */
#define BITTEN_ACTION_INVALID ((bitten_action_t)(BITTEN_ACTION_CLOSE_ALL + 1))

/*  The action for "buy", "sell", "close", "close_all", else BITTEN_ACTION_INVALID. */
bitten_action_t bitten_action_parse(const char *name);
/*  True for one of the four actions. */
bool bitten_action_valid(bitten_action_t action);
/*  True for buy and sell (and, failing closed, for an invalid action). */
bool bitten_action_opens(bitten_action_t action);

/* ---------------------------------------------------------------- fires */

typedef enum {
    BITTEN_FIRE_PENDING,     /* journaled, not yet sent */
    BITTEN_FIRE_SENT,        /* handed to the command socket */
    BITTEN_FIRE_FILLED,      /* EA reported success */
    BITTEN_FIRE_CLOSED,      /* position closed */
    BITTEN_FIRE_REFUSED,     /* a check or the send refused it: never reached an EA */
    BITTEN_FIRE_FAILED,      /* EA error or failed/rejected result */
    BITTEN_FIRE_TIMEOUT,     /* no result within fire.result_timeout_s (a result may follow) */
    BITTEN_FIRE_EXPIRED,     /* expired before it could be sent */
    BITTEN_FIRE_UNCONFIRMED, /* PENDING/SENT at a restart: outcome unknown, never resent */
    BITTEN_FIRE_STATE_COUNT_
} bitten_fire_state_t;

/*  "PENDING" ... "UNCONFIRMED"; "?" out of range. from_str: the state or -1. */
const char *bitten_fire_state_str(bitten_fire_state_t state);
int bitten_fire_state_from_str(const char *name);

typedef enum { BITTEN_FIRE_AUTO, BITTEN_FIRE_MANUAL } bitten_fire_source_t;

/*  One fire as journaled. Optional numbers carry has_*; times are ms, 0 = absent. */
typedef struct {
    int64_t id; /* set by the store */
    char signal_id[BITTEN_ID_MAX + 1];
    char uuid[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1];
    bitten_action_t action;
    double lot;
    int64_t sl_points, tp_points;
    double sl_pips, tp_pips;
    bitten_fire_source_t source;
    bitten_fire_state_t state;
    bitten_reason_t reason; /* BITTEN_R_OK = none */
    int64_t ticket;
    double fill_price, close_price, profit;
    bool has_ticket, has_fill_price, has_close_price, has_profit;
    bitten_ms_t created_at, sent_at, result_at, closed_at, expires_at;
} bitten_fire_rec_t;

/* ---------------------------------------------------------------- halts */

typedef enum { BITTEN_HALT_GLOBAL, BITTEN_HALT_ACCOUNT } bitten_halt_scope_t;
/*  A soft halt refuses new opening fires; a hard one also closes the positions. */
typedef enum { BITTEN_HALT_SOFT, BITTEN_HALT_HARD } bitten_halt_kind_t;

/* ---------------------------------------------------------------- accounts */

typedef enum { BITTEN_MODE_MANUAL, BITTEN_MODE_AUTO } bitten_account_mode_t;

const char *bitten_account_mode_str(bitten_account_mode_t mode); /* "manual", "auto" */

/*  The protocol dialect an account's EA speaks is a bitten_dialect_t (bitten/proto.h; names in
 *  bitten/dialect.h). Until it is detected or config pins it, an account's is UNKNOWN. */

#define BITTEN_ROUTE_ID_MAX 255 /* a DEALER routing id is 1..255 bytes */
#define BITTEN_CURVE_KEY_LEN 40 /* Z85 text of a CURVE public key */
#define BITTEN_ENDPOINT_MAX 255

/*  How frames from and commands to an account's EA are attributed to it: filled by the
 *  connection layer once it knows (issue 13). has_* false = not known. */
typedef struct {
    bool has_routing_id;
    unsigned char routing_id[BITTEN_ROUTE_ID_MAX]; /* DEALER identity, raw bytes */
    size_t routing_id_len;
    bool has_curve_key;
    char curve_key[BITTEN_CURVE_KEY_LEN + 1];        /* Z85 public key of its connection */
    char command_endpoint[BITTEN_ENDPOINT_MAX + 1];  /* a per-account endpoint; "" = shared */
    char feedback_endpoint[BITTEN_ENDPOINT_MAX + 1]; /* a per-account endpoint; "" = shared */
} bitten_account_route_t;

/*  Who an account is: the accounts module's facts, copied out to whoever asks. */
typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    bitten_tier_t tier;
    bitten_account_mode_t mode;
    double risk_pct;                      /* <= 0: the tier's risk per trade (XP & risk) */
    double max_lot;                       /* <= 0: no account cap */
    char symbols[BITTEN_SYMLIST_MAX + 1]; /* comma list the account may trade; "" = all */
    bool from_config;                     /* false: created on first contact */
    bitten_ms_t created_at;               /* first contact; 0 for config accounts */
    bitten_dialect_t dialect;
    bool dialect_pinned; /* set by config: detection must not change it */
    bitten_account_route_t route;
    /* The broker's names and clock (config; issue 13): a prefix/suffix rule for its symbol
     * names ("" = none: learned from the EA's names only) and a pinned server UTC offset. */
    char symbol_prefix[BITTEN_AFFIX_MAX + 1], symbol_suffix[BITTEN_AFFIX_MAX + 1];
    bool has_server_offset;
    int server_utc_offset_s;
} bitten_account_t;

/*  What an account's broker says about one symbol (from its EA, or per-account config), in the
 *  dialect layer's terms (bitten_symbol_facts_t, bitten/dialect.h): a number <= 0 is "not
 *  said", and the configured symbol table's value stands. */
typedef struct {
    char symbol[BITTEN_SYMBOL_MAX + 1];      /* canonical: the symbol table's name */
    char broker_name[BITTEN_SYMBOL_MAX + 1]; /* as the broker spells it (EURUSDm); "" = same */
    bitten_symbol_facts_t facts;
} bitten_broker_symbol_t;

/*  A symbol as it is for one account: the symbol table's spec with the broker's facts laid
 *  over it, the same numbers for the dialect encoders, and the name to put on the wire. */
typedef struct {
    bitten_symbol_t spec;
    bitten_symbol_facts_t facts;
    char broker_name[BITTEN_SYMBOL_MAX + 1]; /* spec.name when the broker adds nothing */
    bool from_broker;                        /* some fact came from the broker */
} bitten_account_symbol_t;

/* ---------------------------------------------------------------- the risk gate */

/*  The fire XP & risk is asked about (check 8 of modules.md). */
typedef struct {
    const char *uuid;
    const char *symbol;
    bitten_action_t action; /* BITTEN_ACTION_BUY or BITTEN_ACTION_SELL */
    double risk_pct;        /* the account's (or the operator's) risk per trade; <= 0 = tier's */
    int in_flight; /* the account's opening fires sent but unresolved (SENT, TIMEOUT,
                      UNCONFIRMED): each may be an open position, so each counts as one */
} bitten_risk_request_t;

/*  What a go comes with: the numbers lot sizing needs. */
typedef struct {
    double equity, balance;
    double risk_pct;        /* base risk per trade in %: min(tier's, the request's when set) */
    double mode_multiplier; /* 1.0; risk.medic_risk_multiplier in medic mode */
} bitten_risk_answer_t;

/*  BITTEN_R_OK with *answer filled, or the first RISK_* limit that refuses. */
typedef bitten_reason_t(bitten_risk_gate_fn)(void *self, const bitten_risk_request_t *req,
                                             bitten_risk_answer_t *answer);

/*  The one risk gate: XP & risk answers, the fire router's check chain asks. fn NULL (no risk
 *  module) refuses every opening fire RISK_UNAVAILABLE: missing data means "no". */
typedef struct {
    void *self;
    bitten_risk_gate_fn *fn;
} bitten_risk_gate_t;

/* ---------------------------------------------------------------- bus payloads */

/*  FIRE: a fire moved from `from` (-1 when it was just created) to fire->state. */
typedef struct {
    const bitten_fire_rec_t *fire;
    int from;
    const char *detail; /* the EA's message, or why; "" when none */
    bool manual;
    double shield_multiplier;
} bitten_fire_event_t;

/*  HALT: XP & risk raised or lifted a halt. The fire router closes the positions of a raised
 *  hard halt with close_positions (the account's, every account's for a global one) and owns
 *  the retry when that close cannot be sent. Halts restored at start are not announced, except
 *  an account whose older snapshot says its close_all was still owed (by = "restored"). */
typedef struct {
    bool raised;     /* true: raised; false: lifted (released) */
    int64_t halt_id; /* the store's id; 0 when the store failed */
    bitten_halt_scope_t scope;
    const char *uuid; /* the account; "" for a global halt */
    bitten_halt_kind_t kind;
    bitten_reason_t reason; /* HALTED (operator), RISK_DRAWDOWN, RISK_MARGIN, ... */
    const char *why;        /* one line for the operator */
    const char *by;         /* "auto", "operator", "restored" */
    bool close_positions;   /* raised hard halts: close the positions now */
} bitten_halt_event_t;

/*  VERDICT: a VENOM signal with CITADEL's verdict on it. Only passed ones are fired. */
typedef struct {
    const char *signal_id;
    const char *symbol;
    bitten_action_t direction; /* BITTEN_ACTION_BUY or BITTEN_ACTION_SELL */
    const char *signal_class;  /* "RAPID_ASSAULT" / "PRECISION_STRIKE" */
    const char *pattern;
    double confidence, entry, sl_pips, tp_pips, sl_price, tp_price, rr;
    bitten_ms_t created_at, expires_at;
    double score, multiplier;
    const char *label; /* SHIELD_APPROVED, SHIELD_ACTIVE, VOLATILITY_ZONE, UNVERIFIED */
    bool passed;
} bitten_verdict_event_t;

#endif
