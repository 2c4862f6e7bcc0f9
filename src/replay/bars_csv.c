/*  bars_csv.c: the CSV tick/bar reader shared by the replay and bitten-ea-sim (bars_csv.h). */
#include "replay/bars_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  Splits line at commas in place, trimming blanks; returns the column count.
static int s_split(char *line, char **cols, int max)
{
    line[strcspn(line, "\r\n")] = '\0';
    int n = 0;
    for (char *p = line;; p++) {
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        while (isspace((unsigned char)*p))
            p++;
        size_t len = strlen(p);
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            p[--len] = '\0';
        if (n < max)
            cols[n] = p;
        n++;
        if (!end)
            break;
        p = end;
    }
    return n;
}

static int s_col(char **cols, int n, const char *a, const char *b)
{
    for (int i = 0; i < n && i < BITTEN_CSV_MAX_COLS; i++)
        if (strcasecmp(cols[i], a) == 0 || (b && strcasecmp(cols[i], b) == 0))
            return i;
    return -1;
}

static bitten_reason_t s_number(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end)
        return BITTEN_R_BAD_FORMAT;
    if (!isfinite(v) || errno == ERANGE)
        return BITTEN_R_NOT_FINITE;
    *out = v;
    return BITTEN_R_OK;
}

//  Epoch seconds (integer or fraction), or any time string the protocol accepts.
static bitten_ms_t s_time(const char *text, int server_utc_offset_s)
{
    double secs;
    if (s_number(text, &secs) == BITTEN_R_OK)
        return bitten_time_from_epoch(secs);
    return bitten_parse_time_str(text, server_utc_offset_s);
}

int bitten_csv_header(char *line, bitten_csv_columns_t *c)
{
    char *cols[BITTEN_CSV_MAX_COLS];
    int n = s_split(line, cols, BITTEN_CSV_MAX_COLS);
    memset(c, 0, sizeof *c);
    c->time = s_col(cols, n, "timestamp", "time");
    c->symbol = s_col(cols, n, "symbol", NULL);
    c->volume = s_col(cols, n, "volume", NULL);
    int open = s_col(cols, n, "open", NULL);
    c->kind = open >= 0 ? BITTEN_CSV_BARS : BITTEN_CSV_TICKS;
    if (c->kind == BITTEN_CSV_BARS) {
        int v[4] = {open, s_col(cols, n, "high", NULL), s_col(cols, n, "low", NULL),
                    s_col(cols, n, "close", NULL)};
        memcpy(c->v, v, sizeof v);
        c->nv = 4;
    } else {
        c->v[0] = s_col(cols, n, "bid", NULL);
        c->v[1] = s_col(cols, n, "ask", NULL);
        c->nv = 2;
    }
    if (c->time < 0 || c->symbol < 0)
        return -1;
    for (int k = 0; k < c->nv; k++)
        if (c->v[k] < 0)
            return -1;
    return 0;
}

void bitten_csv_columns_bars_default(bitten_csv_columns_t *c)
{
    *c = (bitten_csv_columns_t){BITTEN_CSV_BARS, 0, 1, {2, 3, 4, 5}, 4, 6};
}

bitten_reason_t bitten_csv_row(char *line, const bitten_csv_columns_t *c, int server_utc_offset_s,
                               bitten_csv_row_t *row)
{
    char *cols[BITTEN_CSV_MAX_COLS];
    int n = s_split(line, cols, BITTEN_CSV_MAX_COLS);
    int need = c->time > c->symbol ? c->time : c->symbol;
    for (int k = 0; k < c->nv; k++)
        need = c->v[k] > need ? c->v[k] : need;
    if (n <= need || n > BITTEN_CSV_MAX_COLS)
        return BITTEN_R_BAD_FORMAT;
    memset(row, 0, sizeof *row);
    row->time = s_time(cols[c->time], server_utc_offset_s);
    if (row->time < 0)
        return BITTEN_R_BAD_TIMESTAMP;
    if (strlen(cols[c->symbol]) > BITTEN_SYMBOL_MAX)
        return BITTEN_R_STRING_TOO_LONG;
    if (!bitten_valid_symbol(cols[c->symbol]))
        return BITTEN_R_BAD_FORMAT;
    strcpy(row->symbol, cols[c->symbol]);
    double *v = row->v;
    for (int k = 0; k < c->nv; k++) {
        bitten_reason_t r = s_number(cols[c->v[k]], &v[k]);
        if (r != BITTEN_R_OK)
            return r;
        if (v[k] <= 0.0)
            return BITTEN_R_OUT_OF_RANGE;
    }
    if (c->kind == BITTEN_CSV_TICKS && v[1] < v[0])
        return BITTEN_R_OUT_OF_RANGE; /* ask below bid */
    if (c->kind == BITTEN_CSV_BARS &&
        (v[1] < v[2] || v[1] < fmax(v[0], v[3]) || v[2] > fmin(v[0], v[3])))
        return BITTEN_R_OUT_OF_RANGE; /* high/low do not enclose open and close */
    double vol;
    if (c->volume >= 0 && c->volume < n && s_number(cols[c->volume], &vol) == BITTEN_R_OK &&
        vol >= 0.0)
        row->volume = vol;
    return BITTEN_R_OK;
}

void bitten_csv_bar_ticks(const bitten_csv_row_t *bar, bitten_ms_t spacing_ms, double half_spread,
                          bitten_tick_t out[BITTEN_CSV_TICKS_PER_BAR])
{
    const double *v = bar->v; /* open, high, low, close */
    bool bullish = v[3] >= v[0];
    double px[BITTEN_CSV_TICKS_PER_BAR] = {v[0], bullish ? v[2] : v[1], bullish ? v[1] : v[2],
                                           v[3]};
    for (int k = 0; k < BITTEN_CSV_TICKS_PER_BAR; k++) {
        bitten_tick_t *t = &out[k];
        memset(t, 0, sizeof *t);
        snprintf(t->symbol, sizeof t->symbol, "%s", bar->symbol);
        t->bid = px[k] - half_spread;
        t->ask = px[k] + half_spread;
        t->timestamp = bar->time + spacing_ms * k / BITTEN_CSV_TICKS_PER_BAR;
    }
}
