/*  ea_registry.h: which EAs exist, which are online (a frame within ea.offline_after_s), how
 *  many peers the command socket has, and their round-trip time. Answers bitten_ea_query_t. */
#ifndef BITTEN_EA_REGISTRY_H
#define BITTEN_EA_REGISTRY_H

#include "bitten/core.h"

typedef struct ea_registry ea_registry_t;

ea_registry_t *ea_registry_new(bitten_core_t *core);
void ea_registry_destroy(ea_registry_t **self_p);

/*  Pure liveness rule: online while now - last_seen < offline_after. */
bool ea_registry_is_live(bitten_ms_t last_seen_ms, bitten_ms_t now_ms, bitten_ms_t offline_after_ms);

/*  One ping sent and not answered yet (ping_id "" = a free slot). */
typedef struct {
    char uuid[BITTEN_ID_MAX + 1];
    char ping_id[BITTEN_ID_MAX + 1];
    bitten_ms_t sent_ms;
} ea_registry_ping_t;

/*  Pure: which outstanding ping a pong from uuid answers. A pong with a ping_id answers the
 *  slot with that id; EA v7's pong carries none, so it answers the account's outstanding ping
 *  only when exactly one is outstanding (two or more: which one is unknown). Returns the
 *  slot's index, or -1 (no RTT can be measured; the pong still counts as liveness). */
int ea_registry_pong_slot(const ea_registry_ping_t *pings, size_t n, const char *uuid,
                          const char *ping_id);

#endif
