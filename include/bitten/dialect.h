/*  dialect.h: the real EAs' wire dialects (ea-dialects.md) as data: decoding into the typed
 *  frames of proto.h, detection, broker symbol names, server time, and command encoders. */
#ifndef BITTEN_DIALECT_H
#define BITTEN_DIALECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitten/proto.h"
#include "bitten/reason.h"

/*  The largest command frame every EA reads whole (v7 receives into 4095 bytes). */
#define BITTEN_EA_CMD_MAX 4095

/*  "v7", "v2.05", ... (the config spelling); "?" out of range. */
const char *bitten_dialect_str(bitten_dialect_t dialect);

/*  The dialect of a name ("contract", "v7", "v2.05", "v2.02"), or -1. */
int bitten_dialect_from_str(const char *name);

/* ---------------------------------------------------------------- decoding */

/*  Decodes one frame the way dialect writes it (a concrete dialect: UNKNOWN is refused
 *  DIALECT_UNKNOWN). Every field lands in the struct of its frame type (proto.h):
 *    v7     tick, candle_batch (M1/M5/M15 as series), heartbeat, trade_result, error, status,
 *           status_report (-> HEARTBEAT), pong (ping_id "")
 *    v2.x   TICK, OHLC (-> CANDLE_BATCH, 1 candle), handshake, heartbeat, DISCONNECT (-> STATUS
 *           shutdown), confirmation / close_confirmation (-> TRADE_RESULT, signal_id = fire_id)
 *    v2.05  also HELLO (-> HANDSHAKE), HEARTBEAT (-> HEARTBEAT), pong (with ping_id)
 *  out->dialect, out->evidence, out->flags and out->wire_type are always set. Integer and
 *  string server times both become UTC by opts->server_utc_offset_s. Bytes that are not UTF-8
 *  are read as cp1252 (BITTEN_FRAME_F_CP1252), except for CONTRACT, which is bitten_decode.
 *  Symbols are the broker's names (bitten_valid_broker_symbol); map them with
 *  bitten_symbol_map_*. EA dialects decode the feedback direction only (an EA reads commands
 *  with the EA-like reader in tools/ea_sim/ea_json.h, not a decoder): BITTEN_DIR_COMMAND frames
 *  are UNKNOWN_TYPE for them. Returns 0, or -1 with *err filled. */
int bitten_dialect_decode(bitten_dialect_t dialect, bitten_dir_t dir, const char *data, size_t len,
                          const bitten_decode_opts_t *opts, bitten_frame_t *out,
                          bitten_decode_error_t *err);

/*  True when data[0..len) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool bitten_utf8_valid(const char *data, size_t len);

/*  Writes the UTF-8 of cp1252 bytes (the five undefined bytes become U+0081.. like Windows'
 *  MultiByteToWideChar) into out (cap >= 3 * len + 1 always suffices), NUL-terminated.
 *  Returns the length written, without the NUL; stops early when out is full. */
size_t bitten_cp1252_to_utf8(const char *in, size_t len, char *out, size_t cap);

/* ---------------------------------------------------------------- detection */

#define BITTEN_DIALECT_BIT(d) (1u << (d))
#define BITTEN_DIALECT_ALL                                                                         \
    (BITTEN_DIALECT_BIT(BITTEN_DIALECT_CONTRACT) | BITTEN_DIALECT_BIT(BITTEN_DIALECT_V7) |         \
     BITTEN_DIALECT_BIT(BITTEN_DIALECT_V205) | BITTEN_DIALECT_BIT(BITTEN_DIALECT_V202))

/*  What a frame's shape says about its sender's dialect. */
typedef struct {
    unsigned mask;            /* BITTEN_DIALECT_BIT of every dialect that writes this shape */
    bitten_dialect_t dialect; /* the only one, or UNKNOWN when mask has 0 or several bits */
    const char *why;          /* the shape that decided, e.g. "handshake version 2.05" */
} bitten_dialect_detect_t;

/*  Pure: reads only the frame's bytes (cp1252 is tolerated). Unparseable frames give mask 0.
 *  Decisive shapes: handshake version (2.05 / 2.02), status ea_version 7.x, HELLO/HEARTBEAT,
 *  socket_type "DEALER", deployment_mode, uuid-less tick/heartbeat/candle_batch/pong/
 *  status_report/trade_result (v7), confirmation with / without fire_id, telemetry (contract).
 *  user_uuid + node_id alone (TICK, OHLC, DISCONNECT) say "v2.05 or v2.02". */
bitten_dialect_detect_t bitten_dialect_detect(const char *data, size_t len);

/*  The dialect to decode an account's frames with: pinned (config) wins; else the one
 *  current already holds if mask allows it; else the detected one; else UNKNOWN. */
bitten_dialect_t bitten_dialect_choose(bitten_dialect_t pinned, bitten_dialect_t current,
                                       const bitten_dialect_detect_t *seen);

/*  Chooses the dialect a frame is decoded with from what its shape says; may change *opts
 *  (a copy of the caller's). Called while the frame's JSON tree is held: it must not use
 *  jansson (bitten_dialect_detect_decode). */
typedef bitten_dialect_t (*bitten_dialect_pick_fn)(void *arg, const bitten_dialect_detect_t *seen,
                                                   bitten_decode_opts_t *opts);

/*  One parse for both: the same results as
 *      *seen = bitten_dialect_detect(data, len);
 *      o = *opts; d = pick(arg, seen, &o);
 *      return bitten_dialect_decode(d, dir, data, len, &o, out, err);
 *  but valid UTF-8 within opts->max_frame_bytes is parsed once (the feedback hot path); other
 *  frames take exactly those three steps. opts may be NULL (no limit, offset 0). */
int bitten_dialect_detect_decode(bitten_dir_t dir, const char *data, size_t len,
                                 const bitten_decode_opts_t *opts, bitten_dialect_pick_fn pick,
                                 void *arg, bitten_dialect_detect_t *seen, bitten_frame_t *out,
                                 bitten_decode_error_t *err);

/* ---------------------------------------------------------------- EA-side reading */

/* ---------------------------------------------------------------- broker symbols */

#define BITTEN_SYMMAP_AFFIX_MAX 8   /* configured prefix/suffix rules */
#define BITTEN_SYMMAP_ALIAS_MAX 32  /* configured broker name = canonical pairs */
#define BITTEN_SYMMAP_CANON_MAX 64  /* canonical symbols (VENOM's table) */
#define BITTEN_SYMMAP_BROKER_MAX 64 /* broker names seen (handshake symbol_list, ticks) */
#define BITTEN_AFFIX_MAX 8

/*  One account's broker names. Plain data, no allocation; fill with the _add functions. */
typedef struct {
    size_t n_canonical, n_affix, n_alias, n_broker;
    char canonical[BITTEN_SYMMAP_CANON_MAX][BITTEN_SYMBOL_MAX + 1];
    struct {
        char prefix[BITTEN_AFFIX_MAX + 1], suffix[BITTEN_AFFIX_MAX + 1];
    } affix[BITTEN_SYMMAP_AFFIX_MAX];
    struct {
        char broker[BITTEN_SYMBOL_MAX + 1], canonical[BITTEN_SYMBOL_MAX + 1];
    } alias[BITTEN_SYMMAP_ALIAS_MAX];
    char broker[BITTEN_SYMMAP_BROKER_MAX][BITTEN_SYMBOL_MAX + 1];
} bitten_symbol_map_t;

void bitten_symbol_map_init(bitten_symbol_map_t *map);
/*  Each returns 0, or -1 when full, invalid (canonical: bitten_valid_symbol; broker names:
 *  bitten_valid_broker_symbol; affixes: <= 8 of the broker charset, not both empty) or a
 *  contradiction (an alias naming a broker name twice with two canonicals). Duplicates are 0. */
int bitten_symbol_map_add_canonical(bitten_symbol_map_t *map, const char *canonical);
int bitten_symbol_map_add_affix(bitten_symbol_map_t *map, const char *prefix, const char *suffix);
int bitten_symbol_map_add_alias(bitten_symbol_map_t *map, const char *broker,
                                const char *canonical);
/*  A name the EA reported (tick, handshake symbol_list): the names commands may use. */
int bitten_symbol_map_add_broker(bitten_symbol_map_t *map, const char *broker);
/*  Adds every name of a comma-separated list (v2.05 symbol_list); -1 at the first bad one. */
int bitten_symbol_map_add_broker_list(bitten_symbol_map_t *map, const char *list);

/*  Broker name -> canonical: an alias; else the name itself when canonical; else every affix
 *  rule whose stripping yields a canonical symbol. Exactly one answer, or -1 with *why
 *  UNKNOWN_SYMBOL (none) or SYMBOL_AMBIGUOUS (several). out has BITTEN_SYMBOL_MAX + 1 bytes. */
int bitten_symbol_to_canonical(const bitten_symbol_map_t *map, const char *broker, char *out,
                               bitten_reason_t *why);

/*  Canonical -> the broker's exact name: among the broker names seen, those that map back to
 *  canonical (exactly one, else SYMBOL_AMBIGUOUS; none seen: UNKNOWN_SYMBOL). With no broker
 *  name seen at all: the alias, else the only affix rule, else the canonical name itself when
 *  no rule is configured; several rules: SYMBOL_AMBIGUOUS. */
int bitten_symbol_to_broker(const bitten_symbol_map_t *map, const char *canonical, char *out,
                            bitten_reason_t *why);

/* ---------------------------------------------------------------- server time */

/*  Broker server time (the EAs' integer epochs count the server's wall clock as if UTC) to
 *  UTC ms: server_s - offset_s. -1 outside 2000..2100. Strings: bitten_parse_time_str. */
bitten_ms_t bitten_server_time_to_utc(int64_t server_s, int server_utc_offset_s);

typedef struct {
    int granularity_s;  /* offsets are multiples of this (900 = 15 min; 1800; 3600) */
    int confirm_n;      /* consecutive samples agreeing on a new offset before it is taken */
    int confirm_span_s; /* ... spanning at least this much receive time */
    int max_drift_s;    /* live samples: server and receive clocks advance alike within this */
} bitten_offset_cfg_t;

/*  granularity 15 min, 5 samples over 60 s, 5 s drift: what the unit tests use. */
#define BITTEN_OFFSET_CFG_DEFAULT {900, 5, 60, 5}

typedef enum {
    BITTEN_OFFSET_IGNORED, /* not a live sample (frozen server clock, burst of stale frames) */
    BITTEN_OFFSET_STEADY,  /* agrees with the offset in force (or builds toward one) */
    BITTEN_OFFSET_LEARNED, /* the first offset is known: offset_s */
    BITTEN_OFFSET_CHANGED  /* a new offset took over (DST): previous_s -> offset_s */
} bitten_offset_event_t;

/*  The estimator's whole state: plain data, zero-initialise or bitten_offset_init. */
typedef struct {
    bool known;
    int offset_s, previous_s;
    int candidate_s, candidate_n;
    int64_t candidate_first_recv_ms;
    bool has_last;
    int64_t last_server_ms, last_recv_ms;
    int64_t changes, ignored;
} bitten_offset_est_t;

/*  Starts unknown (known false), or known at initial_s when has_initial (a configured guess
 *  that the live stream may still correct, with the same hysteresis). */
void bitten_offset_init(bitten_offset_est_t *est, bool has_initial, int initial_s);

/*  One sample: a frame's server-time stamp (as the EA wrote it, before any conversion) and
 *  the wall clock (UTC) at receipt. A sample is live when its server time moved since the
 *  last sample and by the same amount as the receive clock (within max_drift_s); the
 *  estimate is (server - receive) rounded to granularity_s, so an EA lag below half the
 *  granularity does not matter. Pure: state in, state out. */
bitten_offset_event_t bitten_offset_observe(bitten_offset_est_t *est,
                                            const bitten_offset_cfg_t *cfg, bitten_ms_t server_ms,
                                            bitten_ms_t recv_utc_ms);

/* ---------------------------------------------------------------- commands */

/*  What bittend knows of a symbol on the account's broker (from the EA or config). */
typedef struct {
    int digits;   /* quote decimals: EURUSD 5, USDJPY 3, USDCNH 4, XAUUSD 2 */
    double point; /* 10^-digits */
    double lot_min, lot_max, lot_step;
} bitten_symbol_facts_t;

/*  One command in dialect-neutral terms. */
typedef enum {
    BITTEN_DCMD_OPEN,         /* buy / sell (action) */
    BITTEN_DCMD_CLOSE_SYMBOL, /* close every position on symbol (v7 "close") */
    BITTEN_DCMD_CLOSE_ALL,
    BITTEN_DCMD_CLOSE_TICKET, /* v2.x */
    BITTEN_DCMD_PING
} bitten_dcmd_kind_t;

typedef struct {
    bitten_dcmd_kind_t kind;
    bitten_action_t action;              /* OPEN: BUY or SELL */
    char id[BITTEN_ID_MAX + 1];          /* signal_id (v7), fire_id (v2.05), ping_id (v2.05) */
    char target_uuid[BITTEN_ID_MAX + 1]; /* the FULL uuid: required by v2.02, sent to v2.05 */
    char symbol[BITTEN_SYMBOL_MAX + 1];  /* the broker's exact name (bitten_symbol_to_broker) */
    double lot;                          /* requested lots */
    double sl_dist, tp_dist;             /* stop distances in price from the order price, 0 none */
    double bid, ask;                     /* current quote (v2.x absolute stops) */
    int64_t ticket;                      /* CLOSE_TICKET */
} bitten_dcmd_t;

/*  What the frame will make the EA do, as far as bittend can know in advance. */
typedef struct {
    double lot;                   /* the volume the EA will send to the broker: journal this one */
    int64_t sl_points, tp_points; /* v7 */
    double sl_price, tp_price;    /* v2.x absolute (0 = none) */
    double entry;                 /* v2.02 */
} bitten_dcmd_effect_t;

/*  Writes the command as dialect's EA reads it: flat, ASCII, compact, unique keys, at most
 *  BITTEN_EA_CMD_MAX bytes, no '"' or '\' inside values (UNSAFE_STRING). Returns the length,
 *  or -1 with *why set (INVALID_LOT, INVALID_STOPS, INVALID_SYMBOL, NO_QUOTE, BAD_FORMAT,
 *  DIALECT_UNSUPPORTED, FRAME_TOO_LARGE, UNSAFE_STRING). facts may be NULL for commands that
 *  need none (close, ping). effect may be NULL. CONTRACT commands: bitten_encode_* (proto.h).
 *    v7    {"type":"signal","signal_id","symbol","action"(lower),"lot","sl","tp"} with sl/tp
 *          in the broker's points; close_all names a non-empty symbol ("ALL" when none
 *          given); ping is {"type":"ping"}; no close_ticket.
 *    v2.05 {"type":"fire","fire_id","target_uuid","symbol","direction":"BUY"|"SELL","sl","tp",
 *          "lot"} with absolute stops from the quote; close_all / close_ticket /
 *          ping (with ping_id).
 *    v2.02 as v2.05 but no fire_id/direction: "entry" 0 buys, one point sells (see
 *          protocol-notes.md); target_uuid mandatory; no ping. */
int bitten_dialect_encode(bitten_dialect_t dialect, const bitten_dcmd_t *cmd,
                          const bitten_symbol_facts_t *facts, char *buf, size_t size,
                          bitten_dcmd_effect_t *effect, bitten_reason_t *why);

/*  v7's own lot arithmetic (v7:474,507-518) on the double it reads: <= 0 becomes 0.01,
 *  NormalizeDouble(,2), clamp to [min, max], MathFloor(v / step) * step, NormalizeDouble(,2).
 *  Returns the volume sent to the broker, or 0 when v7 answers "Invalid lot size after
 *  normalization". */
double bitten_v7_executed_lot(double wire_lot, double lot_min, double lot_max, double lot_step);

/*  The lot to put on the wire for v7 so that it executes exactly; *executed gets what v7 will
 *  send to the broker. Tries requested itself, then the next 2-decimal values up to one step
 *  above it that v7 floors back to requested (step 0.01: 1.14 executes as 1.13; step 0.1:
 *  0.31 as 0.3); when none exists (step 0.01: 0.29, 0.47, 0.59, 0.94, 1.19, 1.88, ... have no
 *  wire value at all), sizes DOWN to the largest lot <= requested that v7 executes exactly. Returns
 * the wire lot, or -1 when no lot in [min, requested] executes, requested is outside [min, max], or
 * facts are unusable. */
double bitten_v7_wire_lot(double requested, const bitten_symbol_facts_t *facts, double *executed);

#endif
