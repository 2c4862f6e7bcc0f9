/*  fire_reconcile.c: closes of EAs that never report them (EA v7), decided from its heartbeats'
 *  position count and its answers to our close commands. Pure: no I/O, no clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/fire_router/fire_reconcile.h"

bool fire_recon_applies(bitten_dialect_t dialect)
{
    return dialect == BITTEN_DIALECT_V7;
}

void fire_recon_init(fire_recon_t *r)
{
    memset(r, 0, sizeof *r);
    r->warned_positions = -1;
}

void fire_recon_fill(fire_recon_t *r)
{
    r->zero_streak = 0;
}

const char *fire_recon_action_str(fire_recon_action_t a)
{
    switch (a) {
    case FIRE_RECON_NOTHING:
        return "NOTHING";
    case FIRE_RECON_WAIT:
        return "WAIT";
    case FIRE_RECON_CLOSE_ALL:
        return "CLOSE_ALL";
    case FIRE_RECON_PARTIAL:
        return "PARTIAL";
    case FIRE_RECON_PARTIAL_SEEN:
        return "PARTIAL_SEEN";
    }
    return "?";
}

fire_recon_action_t fire_recon_heartbeat(fire_recon_t *r, bool has_positions, int64_t positions,
                                         size_t filled, int confirm_n)
{
    if (confirm_n < 1)
        confirm_n = 1;
    if (!has_positions || positions < 0) {
        r->zero_streak = 0;
        return FIRE_RECON_NOTHING;
    }
    if (positions > 0)
        r->zero_streak = 0;
    if (filled == 0 || (uint64_t)positions >= filled) {
        r->zero_streak = 0;
        r->warned_positions = -1;
        return FIRE_RECON_NOTHING;
    }
    if (positions > 0) {
        if (r->warned_positions == positions && r->warned_filled == filled)
            return FIRE_RECON_PARTIAL_SEEN;
        r->warned_positions = positions;
        r->warned_filled = filled;
        return FIRE_RECON_PARTIAL;
    }
    r->warned_positions = -1;
    if (++r->zero_streak < confirm_n)
        return FIRE_RECON_WAIT;
    r->zero_streak = 0;
    return FIRE_RECON_CLOSE_ALL;
}

int64_t fire_recon_closed_count(const char *message)
{
    static const char head[] = "Closed ", tail[] = " positions";
    if (!message || strncmp(message, head, sizeof head - 1) != 0)
        return -1;
    const char *p = message + sizeof head - 1;
    if (*p < '0' || *p > '9')
        return -1;
    char *end = NULL;
    long long n = strtoll(p, &end, 10);
    if (end == p || end - p > 9 || strcmp(end, tail) != 0)
        return -1;
    return (int64_t)n;
}

fire_recon_scope_t fire_recon_close_answer(bitten_dialect_t dialect, bitten_action_t close_action,
                                           bool success, const char *message, size_t in_scope,
                                           int64_t *n)
{
    int64_t closed = success ? fire_recon_closed_count(message) : -1;
    if (n)
        *n = closed;
    if (!fire_recon_applies(dialect) || closed < 0 || (uint64_t)closed < in_scope)
        return FIRE_RECON_SCOPE_NONE;
    if (close_action == BITTEN_ACTION_CLOSE)
        return FIRE_RECON_SCOPE_SYMBOL;
    if (close_action == BITTEN_ACTION_CLOSE_ALL)
        return FIRE_RECON_SCOPE_ALL;
    return FIRE_RECON_SCOPE_NONE;
}

bool fire_recon_closes(const bitten_fire_rec_t *f, const char *uuid, fire_recon_scope_t scope,
                       const char *symbol)
{
    if (scope == FIRE_RECON_SCOPE_NONE || !uuid || strcmp(f->uuid, uuid) != 0 ||
        f->state != BITTEN_FIRE_FILLED ||
        (f->action != BITTEN_ACTION_BUY && f->action != BITTEN_ACTION_SELL))
        return false;
    return scope == FIRE_RECON_SCOPE_ALL || (symbol && strcmp(f->symbol, symbol) == 0);
}
