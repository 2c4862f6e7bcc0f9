/*  fire_router.h: turns CITADEL-passed signals (auto accounts) and operator fires into fire
 *  commands, exactly once per (signal_id, uuid), and follows each fire to its result. */
#ifndef BITTEN_FIRE_ROUTER_H
#define BITTEN_FIRE_ROUTER_H

#include "bitten/core.h"
#include "core/store.h"

typedef struct fire_router fire_router_t;

/*  FIRE bus event: a fire moved from `from` (-1 when it was just created) to fire->state. */
typedef struct {
    const bitten_fire_rec_t *fire;
    int from;
    const char *detail;  /* the EA's message, or why; "" when none */
    bool manual;
    double shield_multiplier;
} fire_event_t;

/*  Provided on the core as "fire.close_all" (bitten_core_lookup): XP & risk asks the router to
 *  close every position of an account when a hard halt is raised. The router journals it as a
 *  close_all fire with signal_id HALT_<uuid>_<ms>, like any other fire. close_all returns 0
 *  when the frame was sent, -1 when it was refused (the refusal is journaled and logged). */
#define FIRE_QUERY_CLOSE_ALL "fire.close_all"
typedef struct {
    void *self;
    int (*close_all)(void *self, const char *uuid, const char *why);
} fire_close_all_query_t;

fire_router_t *fire_router_new(bitten_core_t *core);
void fire_router_destroy(fire_router_t **self_p);

/*  Validates the accounts section and the default_account keys (for --check-config). */
int fire_router_check_config(const bitten_config_t *cfg, char *err, size_t errlen);

/*  Pure: may a fire in state `from` move to `to` on a result? (SENT, TIMEOUT and UNCONFIRMED
 *  take any outcome; FILLED only CLOSED; final states nothing.) */
bool fire_router_may_move(bitten_fire_state_t from, bitten_fire_state_t to);

/*  Pure: the state a trade_result status moves an opening or closing fire to. */
bitten_fire_state_t fire_router_state_for_result(bitten_result_status_t status);

#endif
