/*  core.h: what the daemon core offers modules: the loop, bus, config, log, the command and
 *  events channels, control commands, status sections and the narrow query interfaces. */
#ifndef BITTEN_CORE_H
#define BITTEN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bitten/bus.h"
#include "bitten/config.h"
#include "bitten/log.h"
#include "bitten/proto.h"
#include "bitten/reason.h"
#include "bitten/trading.h"

struct ev_loop;
typedef struct bitten_core bitten_core_t;
typedef struct bitten_store bitten_store_t; /* src/core/store.h */

/* ---------------------------------------------------------------- bus payloads */

/*  FRAME_REJECTED: a frame that did not decode or was refused after decoding. */
typedef struct {
    const char *channel;  /* "feedback", "control" */
    bitten_reason_t reason;
    const char *field;    /* "" when the whole frame is at fault */
    const char *detail;
    const void *data;     /* the raw frame */
    size_t len;
} bitten_reject_t;

/*  EA_ONLINE / EA_OFFLINE. */
typedef struct {
    const char *uuid;
    bitten_ms_t last_seen;   /* wall clock ms */
    const char *why;         /* "first_frame", "status_startup", "silent_90s", ... */
} bitten_ea_event_t;

/*  COMMAND_PEERS: the command socket's connected peer count changed. */
typedef struct {
    int peers;
    const char *endpoint;
    bool connected;          /* true: a peer came, false: one left */
} bitten_peers_event_t;

/*  STRICT_VIOLATION: a legacy execution file exists while ZMQ_STRICT is on. */
typedef struct {
    const char *path;
} bitten_strict_event_t;

/*  VERDICT, FIRE and HALT payloads are trading vocabulary: bitten/trading.h. */

/* ---------------------------------------------------------------- query interfaces */

/*  Filled in by the EA registry; the fire router asks it before firing. */
typedef struct {
    void *self;
    /*  Connected peers on the command socket (from the socket monitor). */
    int (*command_peers)(void *self);
    /*  True when the account's EA has sent a frame within ea.offline_after_s. */
    bool (*is_online)(void *self, const char *uuid);
    /*  EAs online now (status line). */
    int (*online_count)(void *self);
} bitten_ea_query_t;

/*  Filled in by XP & risk; the fire router asks it (check 1 and check 8 of modules.md).
 *  With no risk module registered, gate is NULL and the router refuses every opening fire
 *  with RISK_UNAVAILABLE: missing data means "no". */
typedef struct {
    void *self;
    /*  The risk gate (bitten/trading.h): BITTEN_R_OK with *answer filled, or the first RISK_*
     *  limit that refuses. */
    bitten_risk_gate_fn *gate;
    /*  Active halts for the account: *global and *account set. */
    void (*halted)(void *self, const char *uuid, bool *global, bool *account);
    /*  Active halts of any scope (status line); may be NULL. */
    int (*halt_count)(void *self);
} bitten_risk_query_t;

/*  The frame path's answer about an account (issue 17): its slot and the few fields read on
 *  every frame, without find's 2 KB copy. A slot is the account's place in the accounts
 *  module: >= 0, fixed for the daemon's life (accounts are never removed or renumbered) and
 *  never given to another account. Modules may index per-account records by it, but they
 *  check the record's uuid on every use (bitten/slots.h): a slot is a hint, never a proof. */
typedef struct {
    int slot; /* -1: no account */
    bitten_tier_t tier;
    bitten_dialect_t dialect;
    bool dialect_pinned;
} bitten_account_ref_t;

/*  Filled in by the accounts module, the one owner of "who is this account" (uuid, tier, mode,
 *  per-account config, dialect, route, broker symbol facts). Everyone else asks here; nobody
 *  else reads its table. Answers are copies: nothing borrowed outlives the call. With no
 *  accounts module registered, find is NULL and every account is unknown. */
typedef struct {
    void *self;
    /*  0 with *out filled, or -1 when no account has this uuid. */
    int (*find)(void *self, const char *uuid, bitten_account_t *out);
    /*  The account's tier (a bitten_tier_t), or -1 unknown: find without the copy, for the
     *  callers on every frame that need only that (XP & risk). NULL = use find. */
    int (*tier)(void *self, const char *uuid);
    /*  The account's slot and per-frame fields (bitten_account_ref_t): 0, or -1 with
     *  out->slot -1 when no account has this uuid. One hash lookup, no copy of the account. */
    int (*resolve)(void *self, const char *uuid, bitten_account_ref_t *out);
    /*  The accounts in creation order (config first): count, then 0 / -1 per index. */
    size_t (*count)(void *self);
    int (*at)(void *self, size_t index, bitten_account_t *out);
    /*  The symbol as it is for this account: the configured symbol table's spec with the
     *  broker's facts (learned from the EA, else per-account config) laid over it. 0, or -1
     *  when the symbol table does not know it (an unknown uuid gets the table's spec). */
    int (*symbol)(void *self, const char *uuid, const char *symbol, bitten_account_symbol_t *out);
    /*  The account a connection identity belongs to (DEALER routing id or CURVE key of a frame
     *  without uuid): 0 with *out filled, or -1 when no account holds it. */
    int (*find_by_route)(void *self, const bitten_account_route_t *route, bitten_account_t *out);
    /*  What the connection layer learns (issue 13): the EA's dialect (1 when config pinned
     *  another: unchanged), its route (1 when another account holds that identity: refused,
     *  unchanged), one symbol's broker facts. 0, or -1 unknown account or bad input. */
    int (*set_dialect)(void *self, const char *uuid, bitten_dialect_t dialect);
    int (*set_route)(void *self, const char *uuid, const bitten_account_route_t *route);
    int (*put_symbol)(void *self, const char *uuid, const bitten_broker_symbol_t *facts);
    /*  The seam with the connection layer (WIRING.md): called right after attribution and
     *  before publishing, for every attributed frame. Maps broker symbols to canonical (the
     *  broker's name kept for the wire), converts server-time stamps to UTC with the account's
     *  offset (pinned, else learned; changes logged), records the detected dialect, creates
     *  the account on a first heartbeat/handshake. EA-dialect frames must be decoded with
     *  server_utc_offset_s 0. 0, or -1 to refuse the frame with *reason. NULL = no-op.
     *  *ref: in, the frame's account as the core already resolved it (slot -1: not found, or
     *  not looked up), so the hook does not hash the uuid again; out, the frame's account
     *  after the hook (made now on first contact), slot -1 when there is none. */
    int (*normalize)(void *self, bitten_frame_t *frame, bitten_ms_t recv_wall_ms,
                     bitten_reason_t *reason, bitten_account_ref_t *ref);
} bitten_accounts_query_t;

/* ---------------------------------------------------------------- the core */

struct ev_loop *bitten_core_loop(bitten_core_t *core);
bitten_bus_t *bitten_core_bus(bitten_core_t *core);
const bitten_config_t *bitten_core_config(bitten_core_t *core);
bitten_log_t *bitten_core_log(bitten_core_t *core);

/*  The daemon clock now, in ms since the epoch: the wall clock at start-up plus the
 *  monotonic time elapsed since. It never steps: ages, timeouts, expiries and rate limits
 *  measured on it are right also when the system clock is stepped (date -s, a VM resume, a
 *  bad NTP server). A step is detected, logged (clock.step, ERROR) and counted in status ->
 *  clock; the daemon clock keeps its course until a restart (docs/troubleshooting.md). */
bitten_ms_t bitten_core_now_ms(bitten_core_t *core);

/*  What the core resolved once for the feedback frame it is publishing now, for all the
 *  frame's bus handlers (issue 17): the frame's account (account.slot -1 when no account has
 *  the frame's uuid: then look it up by uuid as before) and the daemon clock when the core
 *  handed the frame to the bus. NULL unless payload is that frame and the call is made while
 *  it is being published (a frame published by anyone else, a replay, a nested event). */
typedef struct {
    bitten_account_ref_t account;
    bitten_ms_t now_ms; /* bitten_core_now_ms() read once for the frame */
} bitten_frame_ctx_t;

const bitten_frame_ctx_t *bitten_core_frame_ctx(const bitten_core_t *core, const void *payload);

/*  Sends one command frame to one account's EA, without blocking, and only on a connection
 *  proven to belong to that account (docs/security.md):
 *    - the account's DEALER routing id on the ROUTER (learned from its HELLO/HEARTBEAT);
 *    - the account's own PUSH (accounts.<x>.command_endpoint) with exactly one peer;
 *    - the shared PUSH (command.endpoint) only when command.account names this account and
 *      exactly one peer is connected.
 *  Returns 0, or -1 with *reason: NO_EA_CONNECTED (the proven connection has no peer now;
 *  nothing is queued for later), MULTIPLE_EAS_ON_PUSH (several peers on its PUSH),
 *  ROUTE_UNPROVEN (no connection belongs to the account), UNKNOWN_ACCOUNT, or INTERNAL.
 *  type counts it in the stats. */
int bitten_core_send_to(bitten_core_t *core, const char *uuid, bitten_frame_type_t type,
                        const char *frame, size_t len, bitten_reason_t *reason);

/*  What bitten_core_send_to would answer now, without sending: BITTEN_R_OK or its reason. */
bitten_reason_t bitten_core_route_check(bitten_core_t *core, const char *uuid);

/*  Publishes on the events channel as one frame "topic {json}" (adds "ts" when absent).
 *  Steals the reference to obj. While nobody subscribes it only drops obj (counted as
 *  events_unheard); bitten_core_events_wanted() lets a caller skip building it at all. */
bool bitten_core_events_wanted(bitten_core_t *core);
void bitten_core_emit(bitten_core_t *core, const char *topic, json_t *obj);

/*  Control commands: handler(self, request, reply) fills reply (an object) and returns
 *  BITTEN_R_OK, or a reason (then reply may carry "error": text).
 *
 *  Each command declares at registration what it may be sent (args) and whether it acts.
 *  The core checks every request against that before the handler runs: a field that is not
 *  declared, a declared field of the wrong JSON type or a required one that is absent is
 *  refused BAD_REQUEST naming the field (reply "field"), counted and logged; the handler
 *  only ever sees requests that match. "cmd" and "token" are always allowed. */
typedef enum {
    BITTEN_ARG_STRING,
    BITTEN_ARG_INT,    /* an integer, or a real with an integral value (bittenctl call 5) */
    BITTEN_ARG_NUMBER, /* any finite JSON number */
    BITTEN_ARG_BOOL,   /* true or false, never "true" or 1 */
} bitten_arg_type_t;

typedef struct {
    const char *name; /* NULL ends the list */
    bitten_arg_type_t type;
    bool required;
} bitten_control_arg_t;

/*  READ commands answer questions; ACT commands change state or send orders (fire, close,
 *  halt, resume): they need the operator's credential (docs/security.md). */
typedef enum { BITTEN_CONTROL_READ, BITTEN_CONTROL_ACT } bitten_control_access_t;

typedef bitten_reason_t(bitten_control_fn)(void *self, const json_t *request, json_t *reply);
/*  args: the fields the command takes, ended by {NULL}; NULL = none. Borrowed: static. */
int bitten_core_control_register(bitten_core_t *core, const char *command,
                                 bitten_control_access_t access, const bitten_control_arg_t *args,
                                 bitten_control_fn *fn, void *self);

/*  The check the core runs (pure, for tests): BITTEN_R_OK, or BITTEN_R_BAD_REQUEST with
 *  *field (the offending field, "" when the request is not an object) and *why (static text). */
bitten_reason_t bitten_control_check_args(const bitten_control_arg_t *args, const json_t *request,
                                          const char **field, const char **why);

/*  Status sections: fn(self, section) fills one object of `bittenctl status`. */
typedef void(bitten_status_fn)(void *self, json_t *section);
int bitten_core_status_register(bitten_core_t *core, const char *section, bitten_status_fn *fn,
                                void *self);
/*  Inside a status section's fn: whether the request asked for the per-account and per-EA
 *  lists (`{"cmd":"status","lists":true}`). Without it a section reports counts only, so a
 *  status poll costs the same at 10 accounts and at 10,000 (the lists have their commands:
 *  `eas`, `accounts`, `accounts_risk`). */
bool bitten_core_status_lists(const bitten_core_t *core);

/*  Query interfaces: set by the module that answers, read by the ones that ask. */
void bitten_core_set_ea_query(bitten_core_t *core, const bitten_ea_query_t *query);
const bitten_ea_query_t *bitten_core_ea_query(bitten_core_t *core);
void bitten_core_set_risk_query(bitten_core_t *core, const bitten_risk_query_t *query);
const bitten_risk_query_t *bitten_core_risk_query(bitten_core_t *core);
void bitten_core_set_accounts_query(bitten_core_t *core, const bitten_accounts_query_t *query);
const bitten_accounts_query_t *bitten_core_accounts_query(bitten_core_t *core);

/*  The durable store (opened before any module starts, closed after they stop). */
bitten_store_t *bitten_core_store(bitten_core_t *core);

/*  True while a strict-mode violation is active (a legacy file exists). */
bool bitten_core_strict_violation(bitten_core_t *core);

/* ---------------------------------------------------------------- modules */

/*  One row of main.c's module table. create() returns the module or NULL (the daemon then
 *  refuses to start); destroy() must accept *self_p == NULL. */
typedef struct {
    const char *name;
    void *(*create)(bitten_core_t *core);
    void (*destroy)(void **self_p);
    /*  Optional: validates the module's own configuration before anything binds (also for
     *  --check-config). Returns 0, or -1 with one line naming the key in err. */
    int (*check_config)(const bitten_config_t *cfg, char *err, size_t errlen);
    /*  Optional: applies what can change live from cfg (already validated whole) on a reload
     *  (SIGHUP, `bittenctl reload`). Returns 0, or -1 with err. NULL: its keys need a restart. */
    int (*reload)(void *self, const bitten_config_t *cfg, char *err, size_t errlen);
} bitten_module_t;

/*  Reload: fn re-reads, validates and applies the configuration, on SIGHUP and on the `reload`
 *  control command. It fills reply ("changed", "applied", "restart_needed"; "error" when
 *  refused) and returns BITTEN_R_OK, or BITTEN_R_CONFIG_INVALID keeping the running config. */
typedef bitten_reason_t(bitten_reload_fn)(void *arg, json_t *reply);
void bitten_core_set_reload(bitten_core_t *core, bitten_reload_fn *fn, void *arg);

/*  Makes cfg what bitten_core_config() answers from now on. The previous configuration must
 *  outlive the core (the core's settings point into it). */
void bitten_core_config_replace(bitten_core_t *core, const bitten_config_t *cfg);

#endif
