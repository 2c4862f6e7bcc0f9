/*  bars_csv.h: the one reader of recorded CSV market data, shared by `bittend --replay` and
 *  bitten-ea-sim. Two layouts, told apart by the header: ticks `timestamp,symbol,bid,ask` and
 *  bars `time,symbol,open,high,low,close[,volume]`; columns in any order, names
 *  case-insensitive, blanks around cells ignored. Pure functions over plain structs. */
#ifndef BITTEN_BARS_CSV_H
#define BITTEN_BARS_CSV_H

#include <stdbool.h>

#include "bitten/proto.h"
#include "bitten/reason.h"

#define BITTEN_CSV_MAX_COLS 16
#define BITTEN_CSV_TICKS_PER_BAR 4

typedef enum { BITTEN_CSV_TICKS, BITTEN_CSV_BARS } bitten_csv_kind_t;

/*  Column indexes of one file. v: ticks bid, ask; bars open, high, low, close. */
typedef struct {
    bitten_csv_kind_t kind;
    int time, symbol, v[4];
    int nv;     /* 2 ticks, 4 bars */
    int volume; /* -1 when the file has none */
} bitten_csv_columns_t;

/*  One data row. v as in the columns; volume 0 when absent or not a number. */
typedef struct {
    bitten_ms_t time;
    char symbol[BITTEN_SYMBOL_MAX + 1];
    double v[4];
    double volume;
} bitten_csv_row_t;

/*  Reads a header line (modified in place: split at commas). A column "open" makes it bars,
 *  else ticks. Returns 0, or -1 when the time, symbol or a price column is missing. */
int bitten_csv_header(char *line, bitten_csv_columns_t *c);

/*  The bar layout of a file without header: time,symbol,open,high,low,close,volume. */
void bitten_csv_columns_bars_default(bitten_csv_columns_t *c);

/*  Parses one data row (line is modified in place). time: epoch seconds (integer or
 *  fraction) or any time string the protocol accepts, strings read with server_utc_offset_s.
 *  Every price must be a finite number > 0; ticks need ask >= bid, bars high and low that
 *  enclose open and close. Returns BITTEN_R_OK or why the row is refused (BAD_FORMAT,
 *  BAD_TIMESTAMP, STRING_TOO_LONG, NOT_FINITE, OUT_OF_RANGE). */
bitten_reason_t bitten_csv_row(char *line, const bitten_csv_columns_t *c, int server_utc_offset_s,
                               bitten_csv_row_t *row);

/*  One bar as four ticks (shared/data/README.md): open, then low and high (low first for a
 *  bullish bar, close >= open), then close, at 0, 1/4, 1/2 and 3/4 of spacing_ms after the
 *  bar's time; bid = price - half_spread, ask = price + half_spread. Only symbol, bid, ask
 *  and timestamp are set; the rest of each tick is zero. */
void bitten_csv_bar_ticks(const bitten_csv_row_t *bar, bitten_ms_t spacing_ms, double half_spread,
                          bitten_tick_t out[BITTEN_CSV_TICKS_PER_BAR]);

#endif
