/*  account_normalize.c: the pure half of the accounts module's `normalize` hook: broker
 *  symbol names to canonical, server time to UTC, per account (account_normalize.h). */
#include "modules/accounts/account_normalize.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MS 1000

int account_norm_init(account_norm_t *st, const bitten_account_t *acc,
                      const bitten_symbols_t *symbols)
{
    memset(st, 0, sizeof *st);
    bitten_symbol_map_init(&st->map);
    size_t n = symbols ? bitten_symbols_count(symbols) : 0;
    for (size_t i = 0; i < n; i++)
        if (bitten_symbol_map_add_canonical(&st->map, bitten_symbols_at(symbols, i)->name) != 0)
            break; /* the map holds the first BITTEN_SYMMAP_CANON_MAX: the rest stay unknown */
    int rc = 0;
    if (acc->symbol_prefix[0] || acc->symbol_suffix[0])
        rc = bitten_symbol_map_add_affix(&st->map, acc->symbol_prefix, acc->symbol_suffix);
    bitten_offset_init(&st->est, acc->has_server_offset, acc->server_utc_offset_s);
    st->ready = rc == 0;
    return rc;
}

int account_price_decimals(double price)
{
    if (!isfinite(price) || !(price > 0) || price >= 1e12)
        return -1;
    char text[64];
    for (int d = 0; d <= ACCOUNT_DIGITS_MAX; d++) {
        snprintf(text, sizeof text, "%.*f", d, price);
        if (strtod(text, NULL) == price)
            return d;
    }
    return -1;
}

int account_digits_evidence(int current, double bid, double ask)
{
    int out = current;
    int b = account_price_decimals(bid), a = account_price_decimals(ask);
    if (b > out)
        out = b;
    if (a > out)
        out = a;
    return out;
}

bool account_norm_applies(bitten_dialect_t d)
{
    return d == BITTEN_DIALECT_V7 || d == BITTEN_DIALECT_V205 || d == BITTEN_DIALECT_V202;
}

//  A broker name in place -> canonical; the broker's name is learned (and reported once).
static int s_symbol(account_norm_t *st, char *symbol, account_norm_news_t *news,
                    bitten_reason_t *reason)
{
    char canonical[BITTEN_SYMBOL_MAX + 1];
    bitten_symbol_map_add_broker(&st->map, symbol); /* full: the names seen so far decide */
    if (bitten_symbol_to_canonical(&st->map, symbol, canonical, reason) != 0)
        return -1;
    if (strcmp(canonical, symbol) != 0 && !news->learned_name) {
        news->learned_name = true;
        snprintf(news->canonical, sizeof news->canonical, "%s", canonical);
        snprintf(news->broker, sizeof news->broker, "%s", symbol);
    }
    snprintf(symbol, BITTEN_SYMBOL_MAX + 1, "%s", canonical);
    return 0;
}

static void s_shift(bitten_ms_t *t, const account_norm_t *st)
{
    if (*t > 0)
        *t -= (bitten_ms_t)st->est.offset_s * S_MS;
}

int account_norm_frame(account_norm_t *st, const bitten_account_t *acc, bitten_frame_t *frame,
                       bitten_ms_t recv_wall_ms, account_norm_news_t *news,
                       bitten_reason_t *reason)
{
    memset(news, 0, sizeof *news);
    news->offset_event = BITTEN_OFFSET_IGNORED;
    *reason = BITTEN_R_OK;
    if (!account_norm_applies(frame->dialect))
        return 0;
    if (!st->ready && account_norm_init(st, acc, NULL) != 0) {
        *reason = BITTEN_R_BAD_FORMAT;
        return -1;
    }
    switch (frame->type) {
    case BITTEN_FRAME_TICK: {
        bitten_tick_t *t = &frame->u.tick;
        if (s_symbol(st, t->symbol, news, reason) != 0)
            return -1;
        //  A pinned offset is known from the start and stays (init has_initial); a live sample
        //  may still correct a guess with the estimator's hysteresis, logged as CHANGED.
        if (!acc->has_server_offset) {
            int before = st->est.offset_s;
            news->offset_event = bitten_offset_observe(&st->est, &(bitten_offset_cfg_t)BITTEN_OFFSET_CFG_DEFAULT,
                                                       t->timestamp, recv_wall_ms);
            news->offset_s = st->est.offset_s;
            news->previous_s = news->offset_event == BITTEN_OFFSET_CHANGED ? st->est.previous_s : before;
        }
        //  Not refused: its prices are the EA's quote (a fire's absolute stops, liveness); only
        //  its time is not market time yet, so VENOM leaves it out (the flag).
        if (!st->est.known) {
            frame->flags |= BITTEN_FRAME_F_TIME_UNKNOWN;
            return 0;
        }
        s_shift(&t->timestamp, st);
        return 0;
    }
    case BITTEN_FRAME_CANDLE_BATCH: {
        bitten_candle_batch_t *b = &frame->u.candle_batch;
        if (s_symbol(st, b->symbol, news, reason) != 0)
            return -1;
        if (!st->est.known) {
            frame->flags |= BITTEN_FRAME_F_TIME_UNKNOWN;
            return 0;
        }
        for (size_t i = 0; i < b->count && i < BITTEN_BATCH_MAX; i++)
            s_shift(&b->candles[i].time, st);
        return 0;
    }
    case BITTEN_FRAME_HANDSHAKE:
        if (frame->u.handshake.symbols[0])
            bitten_symbol_map_add_broker_list(&st->map, frame->u.handshake.symbols);
        if (st->est.known)
            s_shift(&frame->u.handshake.timestamp, st);
        return 0;
    case BITTEN_FRAME_HEARTBEAT:
        if (st->est.known)
            s_shift(&frame->u.heartbeat.timestamp, st);
        return 0;
    case BITTEN_FRAME_TRADE_RESULT:
        if (st->est.known)
            s_shift(&frame->u.trade_result.timestamp, st);
        return 0;
    case BITTEN_FRAME_STATUS:
        if (st->est.known)
            s_shift(&frame->u.status.timestamp, st);
        return 0;
    case BITTEN_FRAME_PONG:
        if (st->est.known)
            s_shift(&frame->u.pong.timestamp, st);
        return 0;
    case BITTEN_FRAME_ERROR:
        if (st->est.known)
            s_shift(&frame->u.error.timestamp, st);
        return 0;
    default:
        return 0;
    }
}
