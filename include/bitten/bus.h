/*  bus.h: the in-process event bus. Each event (an enum) has an ordered list of handlers;
 *  publishing calls them synchronously, in registration order. It knows no module. */
#ifndef BITTEN_BUS_H
#define BITTEN_BUS_H

#include <stddef.h>

/*  X(ID, "name", payload) -- payload is what the const void * handed to handlers points at.
 *  Feedback frames are published after validation, one event per frame type. Payload types
 *  live in bitten/core.h, bitten/proto.h, bitten/signal.h (venom_signal_event_t: a signal VENOM
 *  emitted with its market context) and bitten/trading.h (verdicts, fires, halts): shared
 *  headers, so no module includes another's. */
#define BITTEN_EVENTS(X)                                                                           \
    X(TELEMETRY, "feedback.telemetry", bitten_frame_t)                                             \
    X(TRADE_RESULT, "feedback.trade_result", bitten_frame_t)                                       \
    X(EA_HEARTBEAT, "feedback.heartbeat", bitten_frame_t)                                          \
    X(EA_ERROR, "feedback.error", bitten_frame_t)                                                  \
    X(EA_STATUS, "feedback.status", bitten_frame_t)                                                \
    X(PONG, "feedback.pong", bitten_frame_t)                                                       \
    X(TICK, "feedback.tick", bitten_frame_t)                                                       \
    X(CANDLE_BATCH, "feedback.candle_batch", bitten_frame_t)                                       \
    X(HANDSHAKE, "feedback.handshake", bitten_frame_t)                                             \
    X(FRAME_REJECTED, "frame.rejected", bitten_reject_t)                                           \
    X(EA_ONLINE, "ea.online", bitten_ea_event_t)                                                   \
    X(EA_OFFLINE, "ea.offline", bitten_ea_event_t)                                                 \
    X(COMMAND_PEERS, "command.peers", bitten_peers_event_t)                                        \
    X(STRICT_VIOLATION, "strict.violation", bitten_strict_event_t)                                 \
    X(SIGNAL, "venom.signal", venom_signal_event_t)                                                \
    X(VERDICT, "citadel.verdict", bitten_verdict_event_t)                                          \
    X(FIRE, "fire.state", bitten_fire_event_t)                                                     \
    X(HALT, "risk.halt", bitten_halt_event_t)                                                      \
    X(SHUTDOWN, "daemon.shutdown", void)

typedef enum {
#define BITTEN_EVENT_ENUM_(id, name, payload) BITTEN_EV_##id,
    BITTEN_EVENTS(BITTEN_EVENT_ENUM_)
#undef BITTEN_EVENT_ENUM_
        BITTEN_EV_COUNT_
} bitten_event_t;

typedef struct bitten_bus bitten_bus_t;

/*  handler(self, event, payload): payload's type is the one listed for the event. */
typedef void(bitten_bus_handler_fn)(void *self, bitten_event_t event, const void *payload);

bitten_bus_t *bitten_bus_new(void);
void bitten_bus_destroy(bitten_bus_t **self_p);

/*  Appends a handler for event (an enum, so a misspelt event does not compile). Returns 0, or
 *  -1 when event is out of range or memory runs out. */
int bitten_bus_subscribe(bitten_bus_t *self, bitten_event_t event, bitten_bus_handler_fn *handler,
                         void *handler_self);

/*  Removes every handler registered with handler_self (a module going away). */
void bitten_bus_unsubscribe_all(bitten_bus_t *self, void *handler_self);

/*  Calls the event's handlers in order. A handler may publish other events (depth-limited to
 *  catch loops). */
void bitten_bus_publish(bitten_bus_t *self, bitten_event_t event, const void *payload);

/*  Number of handlers for an event (status, tests). */
size_t bitten_bus_handler_count(const bitten_bus_t *self, bitten_event_t event);

/*  The event's name, for logs ("?" out of range). */
const char *bitten_event_name(bitten_event_t event);
/*  Event for a name, or -1. */
int bitten_event_from_name(const char *name);

#endif
