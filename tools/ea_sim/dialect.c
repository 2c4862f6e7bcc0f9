/*  dialect.c: the real EAs' command arithmetic and the recorded broker's facts (dialect.h). */
#include "dialect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const s_names[] = {"contract", "v7", "v2.05", "v2.02"};

int sim_dialect_parse(const char *name, sim_dialect_t *out)
{
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++)
        if (strcmp(name, s_names[i]) == 0) {
            *out = (sim_dialect_t)i;
            return 0;
        }
    return -1;
}

const char *sim_dialect_str(sim_dialect_t d)
{
    return (size_t)d < sizeof s_names / sizeof s_names[0] ? s_names[d] : "?";
}

double sim_normalize(double value, int digits)
{
    double scale = pow(10.0, digits);
    return round(value * scale) / scale;
}

double sim_v7_lot(double lot, double min_lot, double max_lot, double step)
{
    if (lot <= 0)
        lot = 0.01; /* DEFAULT_LOT */
    double v = sim_normalize(lot, 2);
    if (v < min_lot)
        v = min_lot;
    if (v > max_lot)
        v = max_lot;
    v = floor(v / step) * step;
    v = sim_normalize(v, 2);
    if (v <= 0 || v < min_lot)
        return -1.0;
    return v;
}

double sim_v7_stop(bool buy, bool is_sl, double price, double points, double point, int digits)
{
    if (!(points > 0))
        return 0.0;
    bool below = buy == is_sl; /* a buy's sl and a sell's tp lie below the price */
    double v = below ? price - points * point : price + points * point;
    return sim_normalize(v, digits);
}

double sim_v2_stop(bool buy, bool is_sl, double price, double value)
{
    if (!(value > 0))
        return 0.0;
    bool below = buy == is_sl;
    return (below ? value < price : value > price) ? value : 0.0;
}

bool sim_v202_is_buy(double entry, double bid, double ask)
{
    return entry == 0 ? true : fabs(entry - ask) < fabs(entry - bid);
}

bool sim_v205_is_buy(const char *direction, const char *side, double entry, double bid, double ask)
{
    const char *d = direction[0] ? direction : side;
    if (d[0])
        return strcmp(d, "BUY") == 0 || strcmp(d, "buy") == 0;
    return sim_v202_is_buy(entry, bid, ask);
}

void sim_server_time_str(int64_t server_s, char *out, size_t size)
{
    time_t t = (time_t)server_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, size, "%04d.%02d.%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*  ea-dialects.md §6: recorded 2025-09-11 and 2025-09-15, login 843859. */
static const sim_broker_symbol_t s_broker[] = {
    {"EURUSD", 5, 0.00001, 2, 1.17617},  {"GBPUSD", 5, 0.00001, 3, 1.35985},
    {"USDCHF", 5, 0.00001, 3, 0.79453},  {"AUDUSD", 5, 0.00001, 2, 0.66676},
    {"NZDUSD", 5, 0.00001, 2, 0.59671},  {"EURGBP", 5, 0.00001, 1, 0.86495},
    {"EURAUD", 5, 0.00001, 11, 1.76409}, {"GBPCAD", 5, 0.00001, 9, 1.87681},
    {"USDCAD", 5, 0.00001, 4, 1.38593},  {"USDJPY", 3, 0.001, 3, 147.366},
    {"EURJPY", 3, 0.001, 6, 173.345},    {"GBPJPY", 3, 0.001, 13, 200.424},
    {"AUDJPY", 3, 0.001, 6, 98.253},     {"NZDJPY", 3, 0.001, 8, 87.930},
    {"USDCNH", 4, 0.0001, 17, 7.1184},   {"XAUUSD", 2, 0.01, 17, 3678.55},
    {"XAGUSD", 3, 0.001, 11, 41.159},
};

const sim_broker_symbol_t *sim_broker_symbol(const char *name)
{
    for (size_t i = 0; i < sizeof s_broker / sizeof s_broker[0]; i++)
        if (strcmp(s_broker[i].name, name) == 0)
            return &s_broker[i];
    return NULL;
}

int sim_broker_apply(bitten_symbols_t *table)
{
    for (size_t i = 0; i < sizeof s_broker / sizeof s_broker[0]; i++) {
        const sim_broker_symbol_t *b = &s_broker[i];
        const bitten_symbol_t *have = bitten_symbols_find(table, b->name);
        if (!have)
            continue;
        bitten_symbol_t spec = *have;
        spec.digits = b->digits;
        spec.point = b->point;
        if (spec.pip < spec.point)
            spec.pip = spec.point;
        spec.typical_spread = b->spread_points * b->point / spec.pip;
        if (bitten_symbols_put(table, &spec, NULL, 0) != 0)
            return -1;
    }
    return 0;
}
