/*  reason.h: every reason code bittend can give, as one enum with one string table.
 *  The same UPPER_SNAKE words appear in logs, events, the store and bittenctl. */
#ifndef BITTEN_REASON_H
#define BITTEN_REASON_H

/*  X(NAME, "one-line meaning") -- append new codes at the end of their group.
 *  The numeric values are not stored anywhere: only the names are. */
#define BITTEN_REASONS(X)                                                                          \
    X(OK, "no error")                                                                              \
    /* frame decoding (proto/) */                                                                  \
    X(FRAME_EMPTY, "frame has no bytes")                                                           \
    X(FRAME_TOO_LARGE, "frame is larger than the configured maximum")                              \
    X(MULTIPART_FRAME, "message has more than one ZeroMQ frame (the protocol sends one)")         \
    X(BAD_JSON, "frame is not valid JSON")                                                         \
    X(NOT_OBJECT, "frame is JSON but not an object")                                               \
    X(MISSING_TYPE, "frame has no string 'type'")                                                  \
    X(UNKNOWN_TYPE, "frame 'type' is not one this channel accepts")                                \
    X(MISSING_FIELD, "a required field is absent")                                                 \
    X(WRONG_TYPE, "a field has the wrong JSON type")                                               \
    X(NOT_FINITE, "a number is NaN, Infinity or overflows a double")                               \
    X(OUT_OF_RANGE, "a number is outside its allowed range")                                       \
    X(STRING_TOO_LONG, "a string is longer than its limit")                                        \
    X(BAD_FORMAT, "a string has characters or a value the field does not allow")                  \
    X(BAD_TIMESTAMP, "a timestamp is in none of the accepted forms")                               \
    X(CONFLICTING_FIELDS, "two fields that must agree do not (e.g. uuid vs user_uuid)")            \
    X(UUID_NOT_AUTHORIZED, "frame speaks for an account its key is not bound to")                  \
    X(DIALECT_UNKNOWN, "no EA dialect is known for the frame (pin one or detect it first)")         \
    X(UNATTRIBUTED, "no connection evidence names the frame's account (uuid-less frame)")          \
    X(ROUTE_CONFLICT, "the connection identity already belongs to another account")                \
    /* EA dialects: symbols, commands (proto/dialect) */                                           \
    X(SYMBOL_AMBIGUOUS, "a symbol maps to more than one canonical or broker name")                 \
    X(UNSAFE_STRING, "a command value holds a character the EA's naive reader misreads")           \
    X(NO_QUOTE, "no usable bid/ask to compute the EA's absolute stops or direction from")          \
    X(DIALECT_UNSUPPORTED, "the EA dialect has no way to express this command")                    \
    /* market data (VENOM) */                                                                      \
    X(UNKNOWN_SYMBOL, "symbol is not in the symbol table")                                         \
    X(TICK_OUT_OF_ORDER, "tick is older than the symbol's current M1 bucket")                      \
    /* fire router checks, in modules.md order */                                                  \
    X(HALTED, "a global or account halt is active")                                                \
    X(STRICT_LEGACY_FILE, "ZMQ_STRICT is on and a legacy execution file appeared")                 \
    X(INVALID_SYMBOL, "fire names a symbol that is not tradable")                                  \
    X(INVALID_ACTION, "fire action is not buy, sell, close or close_all")                          \
    X(INVALID_STOPS, "stop loss missing, target on the wrong side, or stops too wide")             \
    X(INVALID_LOT, "lot is not positive or above the cap")                                         \
    X(EXPIRED, "signal is older than its expires_at")                                              \
    X(UNKNOWN_ACCOUNT, "no such account: not in config and no telemetry seen from it")            \
    X(CLOCK_SKEW, "signal's market time and the wall clock disagree by more than allowed")       \
    X(DUPLICATE, "this (signal_id, uuid) was used before: fired, or refused")                    \
    X(NO_EA_CONNECTED, "no EA is connected to the command socket")                                 \
    X(MULTIPLE_EAS_ON_PUSH, "more than one EA shares the command socket")                          \
    X(ROUTE_UNPROVEN, "no command connection is proven to belong to the account")                  \
    X(EA_OFFLINE, "the account's EA has sent nothing for ea.offline_after_s")                      \
    X(TIER_FORBIDS, "the account's tier may not take this signal class")                           \
    X(RISK_UNAVAILABLE, "no risk gate answered: fail closed")                                      \
    X(RISK_DAILY_LOSS, "daily loss cap reached")                                                   \
    X(RISK_DRAWDOWN, "drawdown from peak equity too deep")                                         \
    X(RISK_MARGIN, "margin level too low")                                                         \
    X(RISK_FREE_MARGIN, "free margin too low")                                                     \
    X(RISK_MAX_POSITIONS, "too many open positions")                                               \
    X(RISK_COOLDOWN, "cooling down after consecutive losses")                                      \
    X(RISK_DAILY_SHOTS, "fires-per-day limit reached")                                             \
    X(RISK_RATE, "fires per minute or spacing limit reached")                                      \
    X(RISK_HEDGE, "fire is opposite to an open position on the symbol")                           \
    X(RISK_STALE_TELEMETRY, "account telemetry is missing or too old")                             \
    X(RISK_SL_TOO_WIDE, "even the minimum lot risks too much for this stop")                       \
    X(TIMEOUT, "no result within fire.result_timeout_s")                                           \
    X(ACCOUNT_LIMIT, "default_account.max_auto_created reached: no account on first contact")      \
    X(RISK_LOT_TOO_LARGE, "an explicit lot risks more than the tier's risk % x tolerance")          \
    /* CITADEL */                                                                                  \
    X(SPREAD_TOO_WIDE, "spread above 3x the symbol's median")                                      \
    X(MARKET_CLOSED, "weekend: the market is closed")                                              \
    X(STALE_MARKET, "market data for the symbol is too old")                                       \
    X(UNVERIFIED, "shield score below 4")                                                          \
    X(CONFIDENCE_BELOW_THRESHOLD, "confidence below the adaptive threshold")                       \
    /* control socket and generic */                                                               \
    X(BAD_REQUEST, "control request is malformed")                                                 \
    X(UNKNOWN_COMMAND, "control command is not known")                                             \
    X(INTERNAL, "internal error (see the log)")                                                   \
    X(CONFIG_INVALID, "the new configuration does not validate: the running one stays")      \
    /* CITADEL evidence gate (the pattern's outcome record) */                                     \
    X(EVIDENCE_INSUFFICIENT, "the pattern's record has too few closed trades to auto-fire")      \
    X(NEGATIVE_EXPECTANCY, "the pattern's expectancy lower 95% bound is below the floor")          \
    /* core hardening (issue 14): store, control, events, clock -- kept apart to ease merges */   \
    X(STORE_BUSY, "the database is locked by another connection: not journaled, not sent")        \
    X(STORE_FAILED, "the database refused the write (disk full, file size limit, I/O error)")    \
    X(CONTROL_UNAUTHORIZED, "an acting control command without the operator's token")          \
    X(FRAME_TIME_OUT_OF_RANGE, "telemetry or heartbeat stamped too far from now (clock or offset)") \
    X(EVENTS_SUBSCRIPTIONS_FULL, "too many subscriptions on the events socket: subscribers shed") \
    X(RESTART_BEFORE_SEND, "journaled by a fan-out, the daemon stopped before its turn to be sent: it never reached an EA")

typedef enum {
#define BITTEN_REASON_ENUM_(name, doc) BITTEN_R_##name,
    BITTEN_REASONS(BITTEN_REASON_ENUM_)
#undef BITTEN_REASON_ENUM_
        BITTEN_R_COUNT_
} bitten_reason_t;

/*  "NO_EA_CONNECTED" for BITTEN_R_NO_EA_CONNECTED; "?" for out-of-range values. */
const char *bitten_reason_str(bitten_reason_t reason);

/*  The one-line meaning of a code. */
const char *bitten_reason_doc(bitten_reason_t reason);

/*  Code for a name, or -1 when the name is not a reason. */
int bitten_reason_from_str(const char *name);

#endif
