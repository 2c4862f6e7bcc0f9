/*  fire_router.h: turns CITADEL-passed signals (auto accounts) and operator fires into fire
 *  commands, exactly once per (signal_id, uuid), and follows each fire to its result. */
#ifndef BITTEN_FIRE_ROUTER_H
#define BITTEN_FIRE_ROUTER_H

#include "bitten/core.h"
#include "core/store.h"

typedef struct fire_router fire_router_t;

/*  The router publishes FIRE (bitten_fire_event_t, bitten/trading.h) on every state change, and
 *  reacts to HALT: a raised hard halt's close_all goes out through the same journaled path as
 *  an operator's (signal_id HALT_<uuid>_<ms>); one that cannot be sent is owed and retried
 *  when the account's EA is heard or comes online (kept across restarts in the store's kv). */

fire_router_t *fire_router_new(bitten_core_t *core);
void fire_router_destroy(fire_router_t **self_p);

/*  Pure: may a fire in state `from` move to `to` on a result? (SENT, TIMEOUT and UNCONFIRMED
 *  take any outcome; FILLED only CLOSED; final states nothing.) */
bool fire_router_may_move(bitten_fire_state_t from, bitten_fire_state_t to);

/*  Pure: the state a trade_result status moves an opening or closing fire to. */
bitten_fire_state_t fire_router_state_for_result(bitten_result_status_t status);

#endif
