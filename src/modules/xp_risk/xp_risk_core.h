/*  xp_risk_core.h: the pure core of XP & risk (modules.md, "XP & risk"): account state and its
 *  updaters, each risk limit, the risk gate, halt decisions, the XP ladder and ranks. No I/O. */
#ifndef BITTEN_XP_RISK_CORE_H
#define BITTEN_XP_RISK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/trading.h"

/*  Time is always passed in (ms since the epoch, bitten_ms_t); nothing here reads a clock.
 *  Percentages are in % (6.0 means 6 %). Money is in the account currency. */

/* ================================================================ parameters */

/*  The per-tier row of modules.md's table. */
typedef struct {
    double risk_pct;       /* risk per trade, % (an account's own risk_pct may only lower it) */
    double daily_loss_pct; /* daily loss at or above this blocks new fires (and soft-halts) */
    int fires_per_day;     /* fires since the day rolled at or above this block */
    int max_positions;     /* open positions at or above this block */
    int cooldown_s;        /* after cooldown_after_losses losses in a row, block this long */
} risk_tier_params_t;

/*  XP ladder (modules.md "XP"), awarded once per (uuid, signal_id, event). */
typedef struct {
    int64_t fire_filled;         /* a fire filled */
    int64_t closed_profit;       /* closed in profit ... */
    int64_t win_streak_bonus;    /* ... plus this x min(win streak, win_streak_cap) */
    int win_streak_cap;
    int64_t closed_loss_with_sl; /* closed at a loss with a stop-loss set */
    int64_t closed_breakeven;    /* closed at breakeven */
    double breakeven_pct;        /* |profit| < this % of balance is breakeven */
    int64_t reward_multiple;     /* paid ... */
    double reward_multiple_r;    /* ... when realised reward >= this x R */
} xp_params_t;

/*  Every number of modules.md's XP & risk section. Field paths map 1:1 to config keys:
 *  nibbler.daily_loss_pct -> "risk.nibbler.daily_loss_pct", xp.fire_filled ->
 *  "risk.xp.fire_filled". Times in seconds (minutes for day_rollover_utc). The numbers (and
 *  their docs) are the key table's: src/core/config_keys.c, docs/risk.md. */
typedef struct {
    risk_tier_params_t nibbler, fang, commander;
    int cooldown_after_losses; /* losses in a row that start the tier's cooldown */

    double medic_daily_loss_pct;   /* daily loss at or above this is medic mode ... */
    double medic_risk_multiplier;  /* ... risk x this ... */
    int medic_max_positions;       /* ... and at most this many open positions */
    double drawdown_warn_pct;      /* drawdown from peak above this warns */
    double drawdown_halt_pct;      /* above this blocks and hard-halts (manual resume) */
    double margin_level_block_pct; /* margin level below this blocks new fires */
    double margin_level_alarm_pct; /* below this alarms and soft-halts until recovered */
    double free_margin_min;        /* free margin below this blocks */
    int telemetry_max_age_s;       /* telemetry older than this blocks (contract EAs) ... */
    int telemetry_max_age_v7_s;    /* ... EA v7's account state (heartbeat every 5 s) ... */
    int telemetry_max_age_v205_s;  /* ... v2.05's (heartbeat every 30 s) ... */
    int telemetry_max_age_v202_s;  /* ... v2.02's (heartbeat every 30 s) */
    int margin_status_interval_v7_s; /* v7 margin unknown with positions: ask status this
                                        often at most (0 = never) */
    int max_fires_per_window;      /* this many fires ... */
    int rate_window_s;             /* ... in any rolling window this long, per account */
    int fire_spacing_s;            /* at least this long between two fires, per account */
    bool refuse_hedge;             /* a fire opposite to an open position is refused */
    int day_rollover_utc;          /* minutes after 00:00 UTC at which the day rolls */

    xp_params_t xp;
} risk_params_t;

/*  The key table's defaults (xp_risk_params.c reads them through the same bind table as
 *  xp_risk_params_from_config). */
risk_params_t risk_params_default(void);

/*  The freshness limit (s) for account state sent in dialect's frames: each EA's own cadence
 *  (v7 heartbeats every 5 s, v2.x every 30 s); contract telemetry (and UNKNOWN) take
 *  telemetry_max_age_s. */
int risk_telemetry_max_age_s(const risk_params_t *p, bitten_dialect_t dialect);

/*  The row for a tier, or NULL for an unknown tier. */
const risk_tier_params_t *risk_tier_params(const risk_params_t *p, bitten_tier_t tier);

/* ================================================================ account state */

/*  Storage sizes, not limits (the limits are in risk_params_t). */
#define RISK_POSITIONS_MAX 32    /* open positions tracked from results per account */
#define RISK_RECENT_FIRES_MAX 64 /* fire times kept for the rate window (>= max per window) */

/*  One position opened by a fire, known from its fill result. */
typedef struct {
    char signal_id[BITTEN_ID_MAX + 1];
    char symbol[BITTEN_SYMBOL_MAX + 1];
    bitten_action_t direction; /* BITTEN_ACTION_BUY or BITTEN_ACTION_SELL */
    int64_t ticket;            /* 0 = unknown */
    double lot;
} risk_position_t;

/*  Whether a margin level exists: NONE when no margin is used (margin 0), UNKNOWN when the
 *  telemetry said nothing about margin (fails closed). */
typedef enum { RISK_LEVEL_UNKNOWN, RISK_LEVEL_NONE, RISK_LEVEL_KNOWN } risk_level_state_t;

/*  One account's risk state: a plain struct, zero = "nothing seen yet" (use
 *  account_state_init). Times are ms; 0 = never. The positions and the ring of fire times live
 *  on the heap, allocated on first use (most accounts never fire: ~3.8 KB each saved); the
 *  state owns them (account_state_free). A struct copy is a view: it shares them, must not
 *  add a position or a fire, and is not freed. */
typedef struct {
    /* from telemetry (margin fields: each telemetry replaces them) and heartbeats */
    double balance, equity;
    bool has_balance, has_equity;
    double margin;
    bool has_margin;
    double free_margin; /* given, or equity - margin */
    bool has_free_margin;
    double margin_level; /* given, or equity / margin x 100; valid when KNOWN */
    risk_level_state_t margin_level_state;
    int64_t reported_positions; /* the EA's count (telemetry or heartbeat) */
    bool has_reported_positions;
    double peak_equity; /* high-water mark; 0 = none yet */
    bitten_ms_t last_telemetry_at;
    bool has_telemetry;
    bitten_dialect_t telemetry_dialect; /* whose frames the telemetry comes in: its freshness
                                           limit; v7: a count of 0 does not clear positions */

    /* the last margin an EA reported (> 0) and the EA position count it is valid for: a later
       EA frame with no margin and the same count carries it (account_apply_ea_state). Not
       kept in snapshots: after a restart the margin is unknown until the EA says it again. */
    double margin_basis;
    int64_t margin_basis_positions;
    bool has_margin_basis;
    /* margins from opening fills' results (which name no count) since the last count: the
       latest one, and how many fills (-1: another result came, nothing can be bound) */
    double margin_pending;
    int margin_pending_opens;

    /* positions opened by fires (from results); an EA count of 0 clears them. position_cap
       slots (<= RISK_POSITIONS_MAX), NULL until the first fill or reserve */
    risk_position_t *positions;
    size_t position_count, position_cap;

    /* the trading day (rolls at risk.day_rollover_utc) */
    int64_t day_index; /* days since the epoch, shifted by the rollover; valid when has_day */
    bool has_day;
    double day_start_balance; /* the first balance seen after the day rolled */
    bool has_day_start;
    double realised_pl_today;
    int closes_unknown_today; /* closes whose profit the EA never said: P/L today lacks them */
    int fires_today;

    /* closes */
    int consecutive_losses, win_streak; /* a breakeven close resets both */
    bitten_ms_t last_loss_at;
    /* closes whose profit is unknown (EA v7) are judged together, for the loss cooldown only,
       by the balance the EA reports after them against the balance while their positions were
       open (basis; not kept in snapshots: a restart forgets it) */
    double unknown_basis_balance;
    bool has_unknown_basis, unknown_close_waiting;

    /* fires, for the per-window count and spacing: a ring of the latest times
       (RISK_RECENT_FIRES_MAX slots, NULL until the first fire or reserve) */
    bitten_ms_t *recent_fires;
    size_t recent_fire_next, recent_fire_count;
    bitten_ms_t last_fire_at;

    /* a fill or a fire could not be kept (out of memory): what the limits count is short of
       the truth, so the gate refuses every fire (RISK_UNAVAILABLE, fail closed) from then on,
       across restarts (the snapshot keeps it), until the EA reports no position open while
       none is tracked */
    bool untracked;
} account_state_t;

/*  Zeroes the state: nothing seen. On a new or freed state (it does not free). */
void account_state_init(account_state_t *s);

/*  Frees the positions and the fire ring and zeroes the state. */
void account_state_free(account_state_t *s);

/*  Makes room ahead for `positions` tracked positions (at most RISK_POSITIONS_MAX) and the
 *  fire ring, so the fill and the fire that follow a passed gate cannot fail on memory.
 *  0, or -1 when an allocation failed (the state is unchanged otherwise). */
int account_state_reserve(account_state_t *s, size_t positions);

/*  Tests only: the allocator the two arrays grow with (NULL: realloc again), to make it
 *  fail. */
void account_state_set_realloc(void *(*fn)(void *, size_t));

/*  Rolls the trading day when now is in a later day than the state's (or the state has
 *  none): fires today and realised P/L today go to 0 and the day-start balance waits for the
 *  next balance seen. Returns true when the day rolled. */
bool account_roll_day(account_state_t *s, bitten_ms_t now, const risk_params_t *p);

/*  The day index of a time: whole days since the epoch counted from the rollover minute. */
int64_t risk_day_index(bitten_ms_t t, const risk_params_t *p);

/*  Telemetry received at now: rolls the day, replaces balance, equity and the margin
 *  snapshot, raises the peak, sets the day-start balance when the day has none, stamps the
 *  telemetry time. Returns 0, or -1 (nothing changes) when a number is not finite. */
int account_apply_telemetry(account_state_t *s, const bitten_telemetry_t *t, bitten_ms_t now,
                            const risk_params_t *p);

/*  A feedback heartbeat at now: balance, equity (when given), peak, positions count, day-start
 *  as telemetry does; it carries no margin and does not make telemetry fresh. 0 or -1. */
int account_apply_heartbeat(account_state_t *s, const bitten_ea_heartbeat_t *h, bitten_ms_t now,
                            const risk_params_t *p);

/*  Account state as the real EAs send it (issue 13 §4): no EA sends telemetry; a v7 heartbeat
 *  (balance, equity, positions), a v2.x heartbeat / HEARTBEAT / handshake / HELLO (balance,
 *  equity, free margin, margin level, margin) or an EA's trade result / confirmation carrying
 *  balance and equity IS the account's telemetry, with the same freshness gate. What the frame
 *  says about margin counts; a v7 frame that says nothing about margin but reports 0
 *  positions means no margin used (MT5: no position, no margin); anything else leaves margin
 *  unknown (RISK_MARGIN: fail closed) here, and account_apply_ea_state may carry one. Fills *out and returns true when the frame carries
 *  account state (balance and equity), false otherwise (then it is not telemetry). */
typedef struct {
    bool has_balance, has_equity, has_margin, has_free_margin, has_margin_level, has_positions;
    double balance, equity, margin, free_margin, margin_level;
    int64_t positions;
    bool opening_fill; /* the result of a buy/sell that filled: its margin is after the fill */
} risk_ea_state_t;
bool risk_ea_state_telemetry(const risk_ea_state_t *in, bitten_telemetry_t *out);

/*  An EA frame with account state at now, applied as telemetry (risk_ea_state_telemetry) with
 *  the margin carried forward where that is provably the same book of positions:
 *  - a frame that reports margin > 0 and a count > 0 (v7 status_report, v2.x heartbeat) makes
 *    that margin the basis for that count;
 *  - a later frame with no margin figure and the SAME count (a v7 heartbeat) carries the
 *    basis: margin as the basis, free margin and level recomputed from the frame's equity;
 *  - any other count (a human trade, a stop-out), count 0, or a margin-less frame with no
 *    basis drops the basis: the level is unknown (RISK_MARGIN) or none (count 0) as before;
 *  - a trade result names no count (v7 trade_result): it drops the basis; if it is an
 *    opening fill whose margin is above the last known margin, its margin waits for the
 *    next frame with a count, and becomes the basis for it only when that count is exactly
 *    the last count plus the opening fills since (one position per fill, nothing else
 *    changed); any other result in between (a close), or any other count, binds nothing.
 *  Returns 0, 1 when the frame carries no account state (nothing changes), -1 when a number
 *  is not finite (nothing changes). */
int account_apply_ea_state(account_state_t *s, const risk_ea_state_t *in, bitten_ms_t now,
                           const risk_params_t *p);

/*  Whether to ask an EA v7 for its status_report (`command` status) at now: its account state
 *  came in v7 frames, it reports positions open, its margin level is unknown, asking is on
 *  (margin_status_interval_v7_s > 0) and the last ask (0 = never) is at least that long ago
 *  (or ahead of now). The answer names the margin for its count (account_apply_ea_state). */
bool risk_wants_margin_status(const account_state_t *s, const risk_params_t *p,
                              bitten_ms_t last_asked, bitten_ms_t now);

/*  A fill (result "success") of a buy or sell: tracks the position. Returns 0, 1 when the
 *  signal_id is already tracked (a duplicated result; nothing changes), -1 when the
 *  direction is not buy/sell, an id is missing or the list is full, -2 when the list could
 *  not grow (out of memory: the state is marked untracked, the gate refuses from then on). */
int account_apply_fill(account_state_t *s, const char *signal_id, const char *symbol,
                       bitten_action_t direction, double lot, int64_t ticket);

/*  How a close ended: breakeven when |profit| < xp.breakeven_pct % of balance. */
typedef enum { RISK_CLOSE_WIN, RISK_CLOSE_LOSS, RISK_CLOSE_BREAKEVEN } risk_close_outcome_t;

risk_close_outcome_t risk_close_outcome(double profit, double balance, const risk_params_t *p);
const char *risk_close_outcome_str(risk_close_outcome_t o); /* "WIN", "LOSS", "BREAKEVEN" */

/*  A close (result "closed") at now: untracks the position matched by signal_id (or by
 *  ticket when > 0), adds profit to today's P/L and updates the streaks (loss: losses + 1 and
 *  last_loss_at = now, win streak 0; win: win streak + 1, losses 0; breakeven: both 0).
 *  The caller applies each close once (the fire's FILLED -> CLOSED move). Returns 0 when a
 *  tracked position closed, 1 when none matched (P/L and streaks still count), -1 when profit
 *  is not finite. *outcome (may be NULL) gets the outcome. */
int account_apply_close(account_state_t *s, const char *signal_id, int64_t ticket, double profit,
                        bitten_ms_t now, const risk_params_t *p, risk_close_outcome_t *outcome);

/*  A close whose profit is unknown (EA v7 closes reconciled from its heartbeats or the answer
 *  to our close; any close result without a profit): untracks the position matched by
 *  signal_id (or ticket when > 0); today's P/L and the streaks stay as they are (a number for
 *  them would be invented) and closes_unknown_today + 1 says today's realised P/L is
 *  incomplete. The daily loss stays the balance's (an account-level fact the EA reports).
 *  For the loss cooldown only, the next balance the EA reports judges the closes since the
 *  basis together: lower by more than breakeven counts one loss (consecutive_losses + 1,
 *  last_loss_at, win_streak 0), higher ends the loss streak, else nothing; no XP either way.
 *  Returns 0 when a tracked position closed, 1 when none matched. */
int account_apply_close_unknown(account_state_t *s, const char *signal_id, int64_t ticket,
                                bitten_ms_t now, const risk_params_t *p);

/*  A fire sent at now: fires today + 1, remembered for the rate window and spacing (when
 *  the ring cannot be allocated, the state is marked untracked: the gate refuses). */
void account_record_fire(account_state_t *s, bitten_ms_t now, const risk_params_t *p);

/*  Derived numbers. The bool ones return false when the number cannot be known.
 *  Daily loss % = (day-start balance - min(balance, equity)) / day-start balance x 100;
 *  drawdown % = (peak equity - equity) / peak equity x 100; open positions = the larger of
 *  the tracked positions and the EA's count. */
bool account_daily_loss_pct(const account_state_t *s, double *out);
bool account_drawdown_pct(const account_state_t *s, double *out);
size_t account_open_positions(const account_state_t *s);

/* ================================================================ the risk gate */

/*  The fire the gate is asked about is a bitten_risk_request_t (bitten/trading.h): symbol,
 *  action (buy or sell) and the account's risk_pct (<= 0 = the tier's); its uuid is the
 *  shell's business. */

/*  What the gate hands back (filled on every return, as far as the numbers are known). */
typedef struct {
    double equity, balance;
    double base_risk_pct;   /* min(tier risk_pct, account risk_pct when set) */
    double mode_multiplier; /* 1.0; medic_risk_multiplier in medic mode */
    double risk_pct;        /* base_risk_pct x mode_multiplier: what one trade risks */
    bool medic;
    double daily_loss_pct, drawdown_pct; /* 0 when unknown */
    bool drawdown_warn;                  /* drawdown above drawdown_warn_pct */
    int max_positions;                   /* the limit in force (medic lowers it) */
} risk_view_t;

/*  Each limit: BITTEN_R_OK or its reason. Missing data fails closed with the check's code.
 *  Pass a state rolled to now (risk_gate does this on a copy). Boundaries as modules.md:
 *  "at or above" a cap refuses, "above"/"below" are strict. */

/*  STALE_TELEMETRY: no telemetry, telemetry older than the limit of the dialect it came in
 *  (risk_telemetry_max_age_s; exactly that old is fresh), or no balance seen since the day
 *  rolled (no day-start yet). */
bitten_reason_t risk_check_stale_telemetry(const account_state_t *s, const risk_params_t *p,
                                           bitten_ms_t now);
/*  DAILY_LOSS: daily loss >= the tier's daily_loss_pct, or not computable. */
bitten_reason_t risk_check_daily_loss(const account_state_t *s, const risk_tier_params_t *t);
/*  DRAWDOWN: drawdown from peak > drawdown_halt_pct, or no peak. */
bitten_reason_t risk_check_drawdown(const account_state_t *s, const risk_params_t *p);
/*  MARGIN: margin level < margin_level_block_pct, or unknown (none, margin 0, passes). */
bitten_reason_t risk_check_margin(const account_state_t *s, const risk_params_t *p);
/*  FREE_MARGIN: free margin < free_margin_min, or unknown. */
bitten_reason_t risk_check_free_margin(const account_state_t *s, const risk_params_t *p);
/*  MAX_POSITIONS: open positions + in_flight (opening fires sent, outcome not known yet) >= the
 *  tier's max (medic_max_positions in medic mode). */
bitten_reason_t risk_check_max_positions(const account_state_t *s, const risk_params_t *p,
                                         const risk_tier_params_t *t, int in_flight);
/*  COOLDOWN: cooldown_after_losses losses in a row and the last one less than the tier's
 *  cooldown_s ago (exactly cooldown_s later fires). */
bitten_reason_t risk_check_cooldown(const account_state_t *s, const risk_params_t *p,
                                    const risk_tier_params_t *t, bitten_ms_t now);
/*  DAILY_SHOTS: fires today >= the tier's fires_per_day. */
bitten_reason_t risk_check_daily_shots(const account_state_t *s, const risk_tier_params_t *t);
/*  RATE: the last fire less than fire_spacing_s ago, or max_fires_per_window fires in the
 *  last rate_window_s (a fire exactly rate_window_s old has left the window). */
bitten_reason_t risk_check_rate(const account_state_t *s, const risk_params_t *p, bitten_ms_t now);
/*  HEDGE: refuse_hedge and a tracked position on symbol in the other direction. */
bitten_reason_t risk_check_hedge(const account_state_t *s, const risk_params_t *p,
                                 const char *symbol, bitten_action_t direction);

/*  True in medic mode (daily loss at or above medic_daily_loss_pct). */
bool risk_is_medic(const account_state_t *s, const risk_params_t *p);

/*  Runs the limits on a copy of the state rolled to now, in this order, and returns the first
 *  failure (an untracked state, see account_state_t, is RISK_UNAVAILABLE before them):
 *  STALE_TELEMETRY, DAILY_LOSS, DRAWDOWN, MARGIN, FREE_MARGIN, MAX_POSITIONS,
 *  COOLDOWN, DAILY_SHOTS, RATE, HEDGE (modules.md's list, staleness first: nothing else
 *  means anything on old numbers). An unknown tier or a request that is not buy/sell is
 *  RISK_UNAVAILABLE. view may be NULL. */
bitten_reason_t risk_gate(const risk_params_t *p, bitten_tier_t tier, const account_state_t *s,
                          const bitten_risk_request_t *req, bitten_ms_t now, risk_view_t *view);

/*  The answer the fire router's sizing takes from a view: the base risk in risk_pct and the
 *  medic factor in mode_multiplier (sizing multiplies them once). */
void risk_view_answer(const risk_view_t *view, bitten_risk_answer_t *answer);

/* ================================================================ halts */

/*  What raised a halt. The halt record's reason names it: RISK_DRAWDOWN, RISK_MARGIN,
 *  RISK_DAILY_LOSS (risk_trigger_from_reason maps back; operator halts are none of these). */
typedef enum {
    RISK_TRIGGER_DRAWDOWN,   /* drawdown > drawdown_halt_pct: hard, manual resume only */
    RISK_TRIGGER_MARGIN,     /* margin level < margin_level_alarm_pct: soft, lifts on recovery */
    RISK_TRIGGER_DAILY_LOSS, /* daily loss >= tier cap: soft, lifts at the day rollover */
    RISK_TRIGGER_COUNT
} risk_trigger_t;

typedef struct {
    risk_trigger_t trigger;
    bitten_halt_kind_t kind;
    bitten_reason_t reason;
} risk_halt_t;

typedef struct {
    risk_halt_t halts[RISK_TRIGGER_COUNT]; /* the halts that should be active, count of them */
    size_t count;
    bool drawdown_warn; /* drawdown above drawdown_warn_pct (an event, not a halt) */
    bool margin_alarm;  /* margin level below margin_level_alarm_pct (comes with its halt) */
} risk_halt_decision_t;

const char *risk_trigger_str(risk_trigger_t t);       /* "DRAWDOWN", "MARGIN", "DAILY_LOSS" */
int risk_trigger_from_reason(bitten_reason_t reason); /* the trigger, or -1 */
bitten_reason_t risk_trigger_reason(risk_trigger_t t);

/*  The halts the account's numbers call for at now (on a copy rolled to now). Nothing
 *  without telemetry; the caller raises the ones not already active. */
void risk_halt_triggers(const risk_params_t *p, bitten_tier_t tier, const account_state_t *s,
                        bitten_ms_t now, risk_halt_decision_t *out);

/*  Whether a halt raised by trigger at raised_at may be lifted at now: never for a hard halt
 *  or a drawdown halt (manual resume); margin when the level is back at or above the alarm
 *  line on fresh telemetry (or no margin is used); daily loss once the day has rolled. */
bool risk_halt_may_lift(bitten_halt_kind_t kind, risk_trigger_t trigger, bitten_ms_t raised_at,
                        const account_state_t *s, const risk_params_t *p, bitten_ms_t now);

/* ================================================================ XP */

/*  The store's event names (one award each per (uuid, signal_id, event)). */
#define XP_EVENT_FILLED "filled"
#define XP_EVENT_CLOSED_PROFIT "closed_profit"
#define XP_EVENT_CLOSED_LOSS_SL "closed_loss_sl"
#define XP_EVENT_CLOSED_BREAKEVEN "closed_breakeven"
#define XP_EVENT_REWARD_2R "reward_2r"

typedef enum { XP_ON_FILLED, XP_ON_CLOSED } xp_trigger_t;

typedef struct {
    xp_trigger_t on;
    /* XP_ON_CLOSED only: */
    double profit;       /* realised P/L */
    double balance;      /* account balance, for the breakeven test */
    bool has_sl;         /* the position had a stop-loss */
    double planned_risk; /* R: the money the fire planned to risk; <= 0 = unknown */
    int win_streak;      /* wins in a row including this close (account_apply_close's) */
} xp_event_t;

typedef struct {
    const char *event; /* one of XP_EVENT_* (static) */
    int64_t xp;
} xp_award_t;

#define XP_AWARDS_MAX 4

/*  The awards an event earns, written to out (room for XP_AWARDS_MAX); returns how many.
 *  Filled: filled +5. Closed: breakeven +50, or profit +100 + 25 x min(streak, 5), or a loss
 *  with a stop-loss +25; and reward >= 2 R (R > 0) +25. */
size_t xp_awards_for_event(const risk_params_t *p, const xp_event_t *ev,
                           xp_award_t out[XP_AWARDS_MAX]);

/*  The rank for a total: RECRUIT 0, PRIVATE 100, CORPORAL 500, SERGEANT 1000, LIEUTENANT
 *  2500, CAPTAIN 5000, MAJOR 10000, COLONEL 25000, GENERAL 50000 (below 0: RECRUIT).
 *  A bitten_rank_fn: it takes no parameters, so the ladder is a constant table. */
const char *xp_rank_for(int64_t xp);

/*  The new rank when going from before to after crosses a rank line upwards, else NULL. */
const char *xp_rank_up(int64_t before, int64_t after);

#endif
