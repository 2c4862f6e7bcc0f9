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

#endif
