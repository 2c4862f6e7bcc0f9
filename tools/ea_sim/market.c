/*  market.c: the broker side of the sim: symbol facts, last mids, fill prices, equity and margin.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <czmq.h>
#include <zmq.h>

#include "sim.h"

/* ---------------------------------------------------------------- symbols and prices */

/*  A symbol the table does not know trades like a 5-digit FX pair. */
static const bitten_symbol_t s_fallback = {"",   5,     0.00001, 0.0001, 10.0,
                                           0.01, 100.0, 0.01,    1.5,    15.0};

const bitten_symbol_t *sim_spec(const sim_t *self, const char *symbol)
{
    //  The broker's suffixed name (EURUSDm) trades as the canonical symbol.
    char canon[BITTEN_SYMBOL_MAX + 1];
    snprintf(canon, sizeof canon, "%s", symbol);
    const char *sfx = self->opt.symbol_suffix;
    size_t n = strlen(canon), k = sfx ? strlen(sfx) : 0;
    if (k > 0 && n > k && strcmp(canon + n - k, sfx) == 0)
        canon[n - k] = '\0';
    const bitten_symbol_t *spec = self->symbols ? bitten_symbols_find(self->symbols, canon) : NULL;
    return spec ? spec : &s_fallback;
}

/*  Units per lot, for margin only: metals trade in ounces (XAU 100, XAG 5000), FX 100,000. */
static double s_contract(const char *symbol)
{
    if (strncmp(symbol, "XAU", 3) == 0)
        return 100.0;
    if (strncmp(symbol, "XAG", 3) == 0)
        return 5000.0;
    return 100000.0;
}

double sim_round_to(double value, int digits)
{
    double scale = pow(10.0, digits);
    return round(value * scale) / scale;
}

void sim_mid_set(sim_t *self, const char *symbol, double mid)
{
    for (size_t i = 0; i < self->mid_count; i++) {
        if (strcmp(self->mids[i].symbol, symbol) == 0) {
            self->mids[i].mid = mid;
            return;
        }
    }
    if (self->mid_count == SIM_MIDS_MAX)
        return;
    sim_mid_t *m = &self->mids[self->mid_count++];
    snprintf(m->symbol, sizeof m->symbol, "%s", symbol);
    m->mid = mid;
}

bool sim_mid_get(const sim_t *self, const char *symbol, double *mid)
{
    for (size_t i = 0; i < self->mid_count; i++) {
        if (strcmp(self->mids[i].symbol, symbol) == 0) {
            *mid = self->mids[i].mid;
            return true;
        }
    }
    return false;
}

double sim_fill_price(const sim_t *self, const char *symbol)
{
    double mid;
    if (self->opt.has_price)
        return self->opt.price;
    if (sim_mid_get(self, symbol, &mid))
        return sim_round_to(mid, sim_spec(self, symbol)->digits);
    return SIM_DEFAULT_PRICE;
}

/*  Floating P/L of one position at the last known mid (0 without ticks). */
static double s_floating(const sim_t *self, const sim_position_t *p)
{
    double mid;
    if (!sim_mid_get(self, p->symbol, &mid))
        return 0.0;
    const bitten_symbol_t *spec = sim_spec(self, p->symbol);
    return (mid - p->open_price) * p->dir / spec->pip * spec->pip_value * p->lot;
}

double sim_profit_open(const sim_t *self)
{
    double sum = 0.0;
    for (size_t i = 0; i < self->pos_count; i++)
        sum += s_floating(self, &self->pos[i]);
    return sum;
}

double sim_equity(const sim_t *self)
{
    return sim_round_to(self->balance + sim_profit_open(self), 2);
}

/*  Roughly what MT5 shows for a USD account: notional in USD / leverage, summed. The
 *  notional is in the base currency: USD-based pairs (USDJPY) need no price, USD-quoted ones
 *  (EURUSD, XAUUSD) are priced in USD, crosses (EURJPY) count at about 1.2 USD per unit. */
double sim_margin(const sim_t *self)
{
    double sum = 0.0;
    for (size_t i = 0; i < self->pos_count; i++) {
        const sim_position_t *p = &self->pos[i];
        size_t n = strlen(p->symbol);
        double usd_per_unit = 1.2;
        if (strncmp(p->symbol, "USD", 3) == 0)
            usd_per_unit = 1.0;
        else if (n >= 3 && strcmp(p->symbol + n - 3, "USD") == 0)
            usd_per_unit = p->open_price;
        sum += p->lot * s_contract(p->symbol) * usd_per_unit / (double)self->opt.leverage;
    }
    return sim_round_to(sum, 2);
}
