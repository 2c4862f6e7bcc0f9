/*  replay.c: VENOM and CITADEL over a recorded file without sockets (`bittend --replay`): reads
 *  JSON-lines frames or CSV ticks/bars, feeds the pure cores, follows passed signals forward. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bitten/stats.h"
#include "core/symbols_config.h"
#include "modules/citadel/citadel.h"
#include "modules/venom/outcome.h"
#include "modules/venom/record.h"
#include "modules/venom/venom.h"
#include "replay/bars_csv.h"
#include "replay/csv_order.h"
#include "replay/replay.h"

#define S_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define S_MS_PER_S 1000.0

typedef struct {
    venom_signal_t sig;
    citadel_verdict_t verdict;
    bool has_verdict; /* false: no market context (counted as blocked) */
    venom_trade_t trade; /* its followed outcome, copied from the book when decided */
    bool followed;       /* false: could not be followed (out of memory never; kept for safety) */
    bool decided;        /* its trade is decided: it can be tallied (and printed) */
} s_signal_t;

/*  Where a fed tick came from when the file holds bars: the bar and the path point. */
typedef struct {
    bitten_ms_t start, end;
    double o, h, l, c, spread;
    int k; /* 0 = the open */
} s_barctx_t;

typedef struct {
    venom_selection_t *selection; /* venom.symbols, read once */
    venom_engine_t *engine;
    bitten_symbols_t *symbols;
    citadel_params_t shield;
    citadel_threshold_t threshold;
    bitten_decode_opts_t opts;
    venom_tracker_t *tracker; /* open trades and one quote per symbol; nothing per tick */
    venom_book_t *book;       /* the tracker's */
    size_t book_bytes_max, open_max;
    bool reverse_path; /* replay.bar_path = reverse */
    bool second;       /* the path-bias rerun: says nothing on stderr */
    int max_hold_s;    /* venom.max_hold_s, for the cost model's description */
    bool outcomes;
    FILE *lines_out; /* report LINES: each signal is printed here when tallied */
    //  The signals whose trade is not decided yet, and those made after the first of them: a
    //  ring in signal order (tag = signal number). A signal is tallied (and printed) once it
    //  and every earlier one are decided, so the tallies add up in signal order as before,
    //  and nothing is kept per signal after that.
    s_signal_t *ring;
    size_t ring_cap, ring_head, ring_n;
    size_t n_sigs, tallied; /* signals made; tallied (the ring holds n_sigs - tallied) */
    int tally_failed;       /* out of memory or an output error while tallying */
    //  The tallies: per pattern; CITADEL; the cost model's counts; the outcome tables
    //  ([0] before CITADEL, every signal; [1] after, the passed ones).
    uint64_t per_pattern[VENOM_PATTERN_COUNT], passed, no_context, blocked[BITTEN_R_COUNT_];
    uint64_t gaps, both_in_bar;
    bitten_rtable_t tables[2];
    const char *format;
    uint64_t lines, bad[BITTEN_R_COUNT_], other_frames, not_selected;
    uint64_t candle_batches, candles_merged, candle_batches_refused;
} s_run_t;

/* ================================================================ feeding */

static s_signal_t *s_ring_at(const s_run_t *run, size_t tag)
{
    return &run->ring[(run->ring_head + (tag - run->tallied)) % run->ring_cap];
}

static void s_on_decided(void *ctx, size_t tag, const venom_trade_t *t)
{
    s_run_t *run = ctx;
    if (tag < run->tallied || tag >= run->n_sigs)
        return; /* not one of the ring's (never: each trade is decided once) */
    s_signal_t *s = s_ring_at(run, tag);
    s->trade = *t;
    s->decided = true;
}

//  A new signal at the ring's end (grown, in order, when full); NULL out of memory.
static s_signal_t *s_ring_push(s_run_t *run)
{
    if (run->ring_n == run->ring_cap) {
        size_t cap = run->ring_cap ? 2 * run->ring_cap : 64;
        s_signal_t *r = malloc(cap * sizeof *r);
        if (!r)
            return NULL;
        for (size_t i = 0; i < run->ring_n; i++)
            r[i] = run->ring[(run->ring_head + i) % run->ring_cap];
        free(run->ring);
        run->ring = r;
        run->ring_cap = cap;
        run->ring_head = 0;
    }
    run->ring_n++;
    run->n_sigs++;
    s_signal_t *s = s_ring_at(run, run->n_sigs - 1);
    memset(s, 0, sizeof *s);
    return s;
}

static void s_tally(s_run_t *run, const s_signal_t *s);

//  Tallies (and prints) the signals at the ring's start that are decided; every one at_end.
static void s_flush(s_run_t *run, bool at_end)
{
    while (run->ring_n > 0) {
        s_signal_t *s = &run->ring[run->ring_head];
        if (!at_end && !s->decided)
            break;
        s_tally(run, s);
        run->ring_head = (run->ring_head + 1) % run->ring_cap;
        run->ring_n--;
        run->tallied++;
    }
}

//  The open trades see the quote first (before a signal it made opens). Ticks go through the
//  tracker exactly as a live stream would; a bar's open brings the whole bar to the trades
//  opened before it, its later path points go only to trades opened inside it.
static void s_follow(s_run_t *run, const bitten_tick_t *tick, const s_barctx_t *bar)
{
    if (!bar)
        venom_tracker_on_tick(run->tracker, tick, s_on_decided, run);
    else if (bar->k == 0)
        venom_book_on_bar(run->book, tick->symbol, bar->start, bar->end, bar->o, bar->h, bar->l,
                          bar->c, bar->spread, s_on_decided, run);
    else
        venom_book_on_tick(run->book, tick->symbol, tick->timestamp, tick->bid, tick->ask,
                           bar->start, s_on_decided, run);
}

static int s_feed_tick(s_run_t *run, const bitten_tick_t *tick, const s_barctx_t *bar)
{
    if (!venom_selection_has(run->selection, tick->symbol)) {
        run->not_selected++;
        return 0;
    }
    venom_signal_t sig;
    int made = venom_engine_on_tick(run->engine, tick, &sig, NULL);
    if (made < 0)
        return 0; /* dropped by the engine (unknown symbol, out of order, bad price) */
    s_follow(run, tick, bar);
    if (made != 1)
        return 0;
    s_signal_t *s = s_ring_push(run);
    if (!s)
        return -1;
    s->sig = sig;
    s->trade.kind = BITTEN_OUTCOME_OPEN;
    //  The verdict is taken now, on the context as it is when the signal is made: the event
    //  the daemon publishes (venom.c) and CITADEL scores (citadel.c).
    venom_context_t ctx;
    venom_signal_event_t ev = {&s->sig, NULL, NULL}; /* no record: not gated */
    if (venom_engine_context(run->engine, sig.symbol, &ctx) == 0)
        ev.context = &ctx;
    s->has_verdict = ev.context && citadel_evaluate(&run->shield, &run->threshold, ev.signal,
                                                    ev.context, &s->verdict) == 0;
    //  Filled on this very quote: at the ask for a BUY, the bid for a SELL.
    const bitten_symbol_t *spec = bitten_symbols_find(run->symbols, sig.symbol);
    int rc = !bar ? venom_tracker_on_signal(run->tracker, run->n_sigs - 1, &sig)
             : spec ? venom_book_open(run->book, run->n_sigs - 1, &sig, spec, tick->bid, tick->ask,
                                      tick->timestamp)
                    : -1;
    if (rc != 0)
        return -1; /* the engine only signals on a known symbol's tick: out of memory */
    s->followed = true;
    size_t bytes = venom_book_bytes(run->book), open = venom_book_open_count(run->book);
    run->book_bytes_max = bytes > run->book_bytes_max ? bytes : run->book_bytes_max;
    run->open_max = open > run->open_max ? open : run->open_max;
    return 0;
}

//  One tick in, then every signal whose trade it decided (and all before it) tallied.
static int s_feed(s_run_t *run, const bitten_tick_t *tick, const s_barctx_t *bar)
{
    int rc = s_feed_tick(run, tick, bar);
    if (rc == 0)
        s_flush(run, false);
    return rc == 0 && !run->tally_failed ? 0 : -1;
}

static void s_feed_candles(s_run_t *run, const bitten_candle_batch_t *b)
{
    if (!venom_selection_has(run->selection, b->symbol)) {
        run->not_selected++;
        return;
    }
    run->candle_batches++;
    int added =
        venom_engine_on_candles(run->engine, b->symbol, b->timeframe_s, b->candles, b->count);
    if (added < 0)
        run->candle_batches_refused++;
    else
        run->candles_merged += (uint64_t)added;
}

/* ================================================================ JSON lines */

static int s_read_jsonl(s_run_t *run, FILE *f, char **line, size_t *cap)
{
    bitten_frame_t *frame = malloc(sizeof *frame);
    if (!frame)
        return -1;
    int rc = 0;
    do { /* the first line is already in *line */
        size_t n = strcspn(*line, "\r\n");
        if (n == 0)
            continue;
        run->lines++;
        bitten_decode_error_t err;
        if (bitten_decode(BITTEN_DIR_FEEDBACK, *line, n, &run->opts, frame, &err) != 0)
            run->bad[err.reason]++;
        else if (frame->type == BITTEN_FRAME_TICK)
            rc = s_feed(run, &frame->u.tick, NULL);
        else if (frame->type == BITTEN_FRAME_CANDLE_BATCH)
            s_feed_candles(run, &frame->u.candle_batch);
        else
            run->other_frames++;
    } while (rc == 0 && getline(line, cap, f) >= 0);
    free(frame);
    return rc;
}

/* ================================================================ CSV */

/*  A CSV is read twice. The first pass (csv_order.h) finds how far its rows stray from time
 *  order and each symbol's bar spacing; the second feeds the rows through the reorder queue,
 *  which gives the ticks in the order of a stable sort by time (the order the replay has
 *  always used) while holding only the ticks of the time window a later row may still come
 *  back into: for a file in time order, the rest of the bars still going on. */

typedef struct {
    bitten_tick_t tick;
    s_barctx_t bar; /* when the file holds bars */
} s_pending_t;

typedef struct {
    bitten_csv_scan_t *scan;
    bitten_csv_queue_t *queue;
    bool bars;
    uint64_t seq; /* accepted rows so far */
} s_csv_t;

typedef int (*s_row_fn)(s_run_t *run, s_csv_t *csv, const bitten_csv_row_t *row, uint64_t line);

//  Each data row after the header (line header_line), parsed, to fn; with count, the lines
//  and the bad ones by reason are counted (the second pass).
static int s_csv_rows(s_run_t *run, s_csv_t *csv, FILE *f, char **line, size_t *cap,
                      const bitten_csv_columns_t *c, uint64_t header_line, bool count, s_row_fn fn)
{
    uint64_t at = header_line;
    int rc = 0;
    while (rc == 0 && getline(line, cap, f) >= 0) {
        at++;
        if ((*line)[strspn(*line, " \t\r\n")] == '\0')
            continue;
        run->lines += count;
        bitten_csv_row_t row;
        bitten_reason_t r = bitten_csv_row(*line, c, run->opts.server_utc_offset_s, &row);
        if (r != BITTEN_R_OK)
            run->bad[r] += count;
        else
            rc = fn(run, csv, &row, at);
    }
    return rc;
}

static int s_scan_row(s_run_t *run, s_csv_t *csv, const bitten_csv_row_t *row, uint64_t line)
{
    (void)run;
    return bitten_csv_scan_add(csv->scan, row, line);
}

//  Feeds every queued tick no later row can precede (all of them at the end).
static int s_drain(s_run_t *run, s_csv_t *csv, int at_end)
{
    s_pending_t p;
    int rc = 0;
    while (rc == 0 && bitten_csv_queue_pop(csv->queue, at_end, &p))
        rc = s_feed(run, &p.tick, csv->bars ? &p.bar : NULL);
    return rc;
}

static bitten_tick_t s_make_tick(const char *symbol, bitten_ms_t ts, double bid, double ask)
{
    bitten_tick_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", symbol);
    t.bid = bid;
    t.ask = ask;
    t.timestamp = ts;
    return t;
}

/*  A tick row is one tick. A bar is four (bitten_csv_bar_ticks: open, then low and high, low
 *  first for a bullish bar, then close, at 0, 1/4, 1/2 and 3/4 of the symbol's bar spacing);
 *  with replay.bar_path=reverse the middle two swap prices. bid/ask = mid -/+ half the
 *  symbol's configured spread (bars carry none). */
static int s_stream_row(s_run_t *run, s_csv_t *csv, const bitten_csv_row_t *row, uint64_t line)
{
    (void)line;
    s_pending_t p[BITTEN_CSV_TICKS_PER_BAR];
    memset(p, 0, sizeof p);
    int n = 1;
    if (!csv->bars)
        p[0].tick = s_make_tick(row->symbol, row->time, row->v[0], row->v[1]);
    else {
        bitten_ms_t spacing = bitten_csv_scan_spacing(csv->scan, row->symbol);
        const bitten_symbol_t *spec = bitten_symbols_find(run->symbols, row->symbol);
        double half = spec ? spec->typical_spread * spec->pip / 2.0 : 0.0;
        const double *v = row->v; /* open, high, low, close */
        bitten_tick_t t[BITTEN_CSV_TICKS_PER_BAR];
        bitten_csv_bar_ticks(row, spacing, half, t);
        if (run->reverse_path) {
            bitten_tick_t mid = t[1];
            t[1].bid = t[2].bid;
            t[1].ask = t[2].ask;
            t[2].bid = mid.bid;
            t[2].ask = mid.ask;
        }
        n = BITTEN_CSV_TICKS_PER_BAR;
        for (int k = 0; k < n; k++)
            p[k] = (s_pending_t){
                t[k], {row->time, row->time + spacing, v[0], v[1], v[2], v[3], 2.0 * half, k}};
    }
    for (int k = 0; k < n; k++)
        if (bitten_csv_queue_push(csv->queue, row->time, p[k].tick.timestamp,
                                  csv->seq * (uint64_t)n + (uint64_t)k, &p[k]) != 0)
            return -1;
    csv->seq++;
    return s_drain(run, csv, 0);
}

//  Both passes over the rows after the header (at line header_line). 0, or -1 with err.
static int s_read_csv(s_run_t *run, FILE *f, const char *path, char **line, size_t *cap,
                      const bitten_csv_columns_t *c, uint64_t header_line, char *err, size_t errlen)
{
    off_t data = ftello(f);
    if (data < 0) {
        snprintf(err, errlen,
                 "replay: '%.300s' is not a regular file: a CSV is read twice (its time order "
                 "and bar spacing first)",
                 path);
        return -1;
    }
    s_csv_t csv = {bitten_csv_scan_new(c->kind), NULL, c->kind == BITTEN_CSV_BARS, 0};
    int rc = csv.scan ? s_csv_rows(run, &csv, f, line, cap, c, header_line, false, s_scan_row) : -1;
    if (rc == 0 && (ferror(f) || fseeko(f, data, SEEK_SET) != 0)) {
        snprintf(err, errlen, "replay: cannot read '%.300s': %s", path, strerror(errno));
        rc = -1;
    }
    bitten_ms_t by = 0;
    uint64_t late = rc == 0 ? bitten_csv_scan_first_late(csv.scan, &by) : 0;
    if (late && !run->second)
        fprintf(stderr,
                "replay: '%.300s' line %llu is %.3f s earlier than a row before it (rows up to "
                "%.3f s out of time order): fed in time order (a stable sort), holding that "
                "window of the file in memory\n",
                path, (unsigned long long)late, (double)by / S_MS_PER_S,
                (double)bitten_csv_scan_lateness(csv.scan) / S_MS_PER_S);
    if (rc == 0) {
        csv.queue = bitten_csv_queue_new(sizeof(s_pending_t), bitten_csv_scan_lateness(csv.scan));
        rc = csv.queue ? s_csv_rows(run, &csv, f, line, cap, c, header_line, true, s_stream_row)
                       : -1;
    }
    if (rc == 0)
        rc = s_drain(run, &csv, 1);
    bitten_csv_queue_destroy(&csv.queue);
    bitten_csv_scan_destroy(&csv.scan);
    return rc;
}

/* ================================================================ summary and report */


static json_t *s_price(double x) /* a price: as is, null when undefined */
{
    return isfinite(x) ? json_real(x) : json_null();
}

static bool s_passed(const s_signal_t *s)
{
    return s->has_verdict && s->verdict.passed;
}

static void s_add(bitten_rtable_t *t, const char *key, const s_signal_t *s, int *oom)
{
    bitten_rstats_t *st = bitten_rtable_get(t, key);
    if (!st) {
        *oom = 1;
        return;
    }
    if (s)
        bitten_rstats_add(st, s->trade.kind, s->trade.r, s->trade.rr);
}

/*  The outcome tables, [0] before CITADEL (every signal), [1] after (the passed ones), with
 *  every pattern and session listed, with or without trades. 0, or -1 out of memory. */
static int s_tables_init(s_run_t *run)
{
    int oom = 0;
    char key[BITTEN_RKEY_MAX + 1];
    for (int k = 0; k < 2; k++) {
        s_add(&run->tables[k], "overall", NULL, &oom);
        for (int p = 0; p < VENOM_PATTERN_COUNT; p++) {
            snprintf(key, sizeof key, "pattern=%s", venom_pattern_str((venom_pattern_t)p));
            s_add(&run->tables[k], key, NULL, &oom);
        }
        for (int p = 0; p < VENOM_SESSION_COUNT; p++) {
            snprintf(key, sizeof key, "session=%s", venom_session_str((venom_session_t)p));
            s_add(&run->tables[k], key, NULL, &oom);
        }
    }
    return oom ? -1 : 0;
}

static int s_print_signal(const s_run_t *run, const s_signal_t *s);

//  One signal into the tallies, in signal order (and printed, report LINES).
static void s_tally(s_run_t *run, const s_signal_t *s)
{
    run->per_pattern[s->sig.pattern]++;
    if (!s->has_verdict)
        run->no_context++;
    else if (s->verdict.passed)
        run->passed++;
    for (size_t r = 0; s->has_verdict && r < s->verdict.n_reasons; r++)
        run->blocked[s->verdict.reasons[r]]++;
    run->gaps += s->trade.gap;
    run->both_in_bar += s->trade.both_in_bar;
    int oom = 0;
    char key[BITTEN_RKEY_MAX + 1];
    for (int k = 0; s->followed && k < 2; k++) {
        if (k == 1 && !s_passed(s))
            continue;
        bitten_rtable_t *t = &run->tables[k];
        s_add(t, "overall", s, &oom);
        snprintf(key, sizeof key, "pattern=%s", venom_pattern_str(s->sig.pattern));
        s_add(t, key, s, &oom);
        snprintf(key, sizeof key, "session=%s", venom_session_str(s->sig.session));
        s_add(t, key, s, &oom);
        snprintf(key, sizeof key, "symbol=%s", s->sig.symbol);
        s_add(t, key, s, &oom);
    }
    if (oom || (run->lines_out && s_print_signal(run, s) != 0))
        run->tally_failed = 1;
}

static const bitten_rstats_t *s_find_group(const bitten_rtable_t *t, const char *key)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].key, key) == 0)
            return &t->items[i].s;
    return NULL;
}

//  {"overall":{..}, "pattern":{NAME:{..}}, "session":{..}, "symbol":{..}}
static json_t *s_scope_json(const bitten_rtable_t *t)
{
    json_t *o = json_object();
    json_t *dims[3] = {json_object(), json_object(), json_object()};
    const char *names[3] = {"pattern=", "session=", "symbol="};
    for (size_t i = 0; i < t->count; i++) {
        const bitten_rgroup_t *g = &t->items[i];
        if (strcmp(g->key, "overall") == 0)
            json_object_set_new(o, "overall", venom_rstats_json(&g->s));
        for (int d = 0; d < 3; d++)
            if (strncmp(g->key, names[d], strlen(names[d])) == 0)
                json_object_set_new(dims[d], g->key + strlen(names[d]), venom_rstats_json(&g->s));
    }
    json_object_set_new(o, "pattern", dims[0]);
    json_object_set_new(o, "session", dims[1]);
    json_object_set_new(o, "symbol", dims[2]);
    return o;
}

static json_t *s_cost_model_json(const s_run_t *run)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I}", "entry",
        "ask for BUY, bid for SELL, on the quote that made the signal", "exit",
        "bid for BUY, ask for SELL; SL and TP are distances from the fill", "spread",
        strcmp(run->format, "candle_csv") == 0
            ? "configured per symbol (symbols.<S>.typical_spread)"
            : "the ticks' own bid/ask",
        "gap", "a stop passed by a gap fills at the first price beyond it", "same_bar",
        "SL and TP inside one bar: SL (worst case)", "max_hold_s", (json_int_t)run->max_hold_s,
        "weekend", "no fills while the market is closed; held positions meet the first price after",
        "bar_path",
        strcmp(run->format, "candle_csv") != 0 ? "n/a (ticks)"
        : run->reverse_path                    ? "reverse"
                                               : "close",
        "gap_fills", (json_int_t)run->gaps, "sl_tp_same_bar", (json_int_t)run->both_in_bar);
}

static json_t *s_rate_json(const venom_stats_t *st)
{
    json_t *o = json_object();
    for (int r = 1; r < VENOM_RATE_COUNT; r++) {
        json_t *by = json_object();
        for (int k = 0; k < VENOM_SESSION_COUNT; k++)
            json_object_set_new(by, venom_session_str((venom_session_t)k),
                                json_integer((json_int_t)st->rate_blocked_by_session[r][k]));
        json_object_set_new(o, venom_rate_verdict_str((venom_rate_verdict_t)r), by);
    }
    json_t *sig = json_object();
    for (int k = 0; k < VENOM_SESSION_COUNT; k++)
        json_object_set_new(sig, venom_session_str((venom_session_t)k),
                            json_integer((json_int_t)st->signals_by_session[k]));
    return json_pack("{s:o, s:o}", "signals_by_session", sig, "dropped_by_session", o);
}

static json_t *s_outcomes_json(const s_run_t *run)
{
    const bitten_rtable_t *t = run->tables;
    json_t *o = NULL;
    if (!run->tally_failed) {
        o = json_object();
        json_object_set_new(o, "cost_model", s_cost_model_json(run));
        json_object_set_new(o, "method",
                            json_pack("{s:s, s:s, s:s, s:s}", "win_rate_95",
                                      "Wilson score interval", "expectancy_r_95",
                                      "Student t on the closed trades' R", "closed",
                                      "WIN + LOSS + TIMEOUT; OPEN trades are marked to market "
                                      "and kept apart (open_mark_r)",
                                      "trades_for_0_1r_edge",
                                      "closed trades for a true +0.1 R expectancy to differ from "
                                      "0 (two-sided 5%, power 80%) at the observed sd"));
        json_object_set_new(o, "before_citadel", s_scope_json(&t[0]));
        json_object_set_new(o, "after_citadel", s_scope_json(&t[1]));
        const bitten_rstats_t *all = s_find_group(&t[1], "overall");
        const bitten_rstats_t *every = s_find_group(&t[0], "overall");
        //  The earlier summary's names, kept for scripts that read them.
        json_object_set_new(o, "overall", venom_rstats_json(all));
        json_t *bp = json_object();
        for (int p = 0; p < VENOM_PATTERN_COUNT; p++) {
            char key[BITTEN_RKEY_MAX + 1];
            snprintf(key, sizeof key, "pattern=%s", venom_pattern_str((venom_pattern_t)p));
            json_object_set_new(bp, venom_pattern_str((venom_pattern_t)p),
                                venom_rstats_json(s_find_group(&t[1], key)));
        }
        json_object_set_new(o, "patterns", bp);
        json_object_set_new(o, "all_signals_unshielded", venom_rstats_json(every));
        json_object_set_new(o, "memory",
                            json_pack("{s:I, s:I}", "open_trades_max", (json_int_t)run->open_max,
                                      "book_bytes_max", (json_int_t)run->book_bytes_max));
    }
    return o;
}

static json_t *s_summary(const s_run_t *run, bool outcomes)
{
    venom_stats_t st;
    venom_engine_stats(run->engine, &st);
    json_t *sum = json_object();
    json_object_set_new(sum, "format", json_string(run->format));
    json_object_set_new(sum, "lines", json_integer((json_int_t)run->lines));
    uint64_t bad_total = 0;
    json_t *bad = json_object();
    for (int r = 0; r < BITTEN_R_COUNT_; r++)
        if (run->bad[r]) {
            bad_total += run->bad[r];
            json_object_set_new(bad, bitten_reason_str((bitten_reason_t)r),
                                json_integer((json_int_t)run->bad[r]));
        }
    json_object_set_new(sum, "bad_lines", json_integer((json_int_t)bad_total));
    json_object_set_new(sum, "bad_lines_by_reason", bad);
    json_object_set_new(sum, "other_frames", json_integer((json_int_t)run->other_frames));
    json_object_set_new(sum, "candle_batches", json_integer((json_int_t)run->candle_batches));
    json_object_set_new(sum, "candles_merged", json_integer((json_int_t)run->candles_merged));
    json_object_set_new(sum, "not_selected", json_integer((json_int_t)run->not_selected));
    venom_stats_json(&st, sum);
    json_t *patterns = json_object();
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++)
        json_object_set_new(patterns, venom_pattern_str((venom_pattern_t)p),
                            json_integer((json_int_t)run->per_pattern[p]));
    json_object_set_new(sum, "patterns", patterns);
    json_t *by_reason = json_object();
    for (int r = 0; r < BITTEN_R_COUNT_; r++)
        if (run->blocked[r])
            json_object_set_new(by_reason, bitten_reason_str((bitten_reason_t)r),
                                json_integer((json_int_t)run->blocked[r]));
    json_object_set_new(sum, "citadel",
                        json_pack("{s:I, s:I, s:I, s:o}", "passed", (json_int_t)run->passed,
                                  "blocked", (json_int_t)(run->tallied - run->passed), "no_context",
                                  (json_int_t)run->no_context, "blocked_by_reason", by_reason));
    json_object_set_new(sum, "sampling", s_rate_json(&st));
    if (outcomes) {
        json_t *o = s_outcomes_json(run);
        if (!o) {
            json_decref(sum);
            return NULL;
        }
        json_object_set_new(sum, "outcomes", o);
    }
    return json_pack("{s:o}", "summary", sum);
}

static int s_print(FILE *out, json_t *obj)
{
    char *text = obj ? json_dumps(obj, S_JSON_FLAGS) : NULL;
    json_decref(obj);
    if (!text)
        return -1;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

//  One signal line: the signal event, CITADEL's verdict and, with outcomes, the trade.
static int s_print_signal(const s_run_t *run, const s_signal_t *s)
{
    json_t *o = venom_signal_json(&s->sig);
    if (!o)
        return -1;
    json_object_set_new(o, "verdict",
                        s->has_verdict ? citadel_verdict_json(&s->sig, &s->verdict) : json_null());
    if (run->outcomes) {
        const venom_trade_t *t = &s->trade;
        char ts[32];
        json_object_set_new(o, "outcome", json_string(bitten_outcome_str(t->kind)));
        json_object_set_new(o, "r", venom_json_num4(t->r));
        json_object_set_new(o, "fill", json_real(t->entry));
        json_object_set_new(o, "exit", s_price(t->exit));
        json_object_set_new(o, "closed_at",
                            t->closed_at
                                ? json_string(bitten_format_time(t->closed_at, ts, sizeof ts))
                                : json_null());
        json_object_set_new(o, "gap", json_boolean(t->gap));
        json_object_set_new(o, "sl_tp_same_bar", json_boolean(t->both_in_bar));
    }
    return s_print(run->lines_out, o);
}

static void s_cell_pct(FILE *out, json_t *v, json_t *ci)
{
    if (!json_is_number(v)) {
        fprintf(out, " %-19s |", "-");
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.1f [%.1f, %.1f]", 100.0 * json_number_value(v),
             100.0 * json_number_value(json_array_get(ci, 0)),
             100.0 * json_number_value(json_array_get(ci, 1)));
    fprintf(out, " %-19s |", buf);
}

static void s_cell_r(FILE *out, json_t *v, json_t *ci)
{
    char buf[64] = "-";
    if (json_is_number(v) && json_is_array(ci))
        snprintf(buf, sizeof buf, "%+.3f [%+.3f, %+.3f]", json_number_value(v),
                 json_number_value(json_array_get(ci, 0)), json_number_value(json_array_get(ci, 1)));
    else if (json_is_number(v))
        snprintf(buf, sizeof buf, "%+.3f", json_number_value(v));
    fprintf(out, " %-26s |", buf);
}

static void s_table_row(FILE *out, const char *name, json_t *g)
{
    fprintf(out, "| %-34s | %4lld | %4lld | %4lld | %4lld | %4lld |", name,
            (long long)json_integer_value(json_object_get(g, "count")),
            (long long)json_integer_value(json_object_get(g, "wins")),
            (long long)json_integer_value(json_object_get(g, "losses")),
            (long long)json_integer_value(json_object_get(g, "timeouts")),
            (long long)json_integer_value(json_object_get(g, "open")));
    s_cell_pct(out, json_object_get(g, "win_rate"), json_object_get(g, "win_rate_95"));
    s_cell_r(out, json_object_get(g, "expectancy_r"), json_object_get(g, "expectancy_r_95"));
    json_t *rr = json_object_get(g, "avg_rr"), *need = json_object_get(g, "trades_for_0_1r_edge");
    json_t *mark = json_object_get(g, "open_mark_r");
    char b1[16] = "-", b2[24] = "-", b3[16] = "-";
    if (json_is_number(rr))
        snprintf(b1, sizeof b1, "%.2f", json_number_value(rr));
    if (json_is_integer(need))
        snprintf(b2, sizeof b2, "%lld", (long long)json_integer_value(need));
    if (json_is_number(mark))
        snprintf(b3, sizeof b3, "%+.3f", json_number_value(mark));
    fprintf(out, " %5s | %7s | %8s |\n", b1, b3, b2);
}

static int s_output_table(json_t *report, FILE *out)
{
    json_t *sum = json_object_get(report, "summary");
    json_t *o = json_object_get(sum, "outcomes");
    if (!o)
        return -1;
    json_t *cm = json_object_get(o, "cost_model");
    fprintf(out, "replay: %s, %lld ticks, %lld signals (%lld passed CITADEL)\n",
            json_string_value(json_object_get(sum, "format")),
            (long long)json_integer_value(json_object_get(sum, "ticks")),
            (long long)json_integer_value(json_object_get(sum, "signals")),
            (long long)json_integer_value(
                json_object_get(json_object_get(sum, "citadel"), "passed")));
    fprintf(out,
            "cost model: entry at ask (BUY) / bid (SELL); spread: %s; gaps fill beyond the "
            "stop (%lld); SL+TP in one bar = SL (%lld); time-out %llds; bar path: %s\n",
            json_string_value(json_object_get(cm, "spread")),
            (long long)json_integer_value(json_object_get(cm, "gap_fills")),
            (long long)json_integer_value(json_object_get(cm, "sl_tp_same_bar")),
            (long long)json_integer_value(json_object_get(cm, "max_hold_s")),
            json_string_value(json_object_get(cm, "bar_path")));
    fprintf(out, "win rate: Wilson 95%%; E(R): mean R of closed trades, Student t 95%%; open: "
                 "marked to market, not in win rate or E(R); n(+0.1R): closed trades a +0.1 R "
                 "edge needs (5%%, power 80%%)\n");
    const char *scopes[2] = {"before_citadel", "after_citadel"};
    const char *dims[3] = {"pattern", "session", "symbol"};
    for (int k = 0; k < 2; k++) {
        json_t *sc = json_object_get(o, scopes[k]);
        fprintf(out, "\n%s\n", k == 0 ? "BEFORE CITADEL (every signal)" : "AFTER CITADEL (passed)");
        fprintf(out, "| %-34s | %4s | %4s | %4s | %4s | %4s | %-19s | %-26s | %5s | %7s | %8s |\n",
                "group", "n", "win", "loss", "t/o", "open", "win % [95%]", "E(R) [95%]", "RR",
                "open R", "n(+0.1R)");
        s_table_row(out, "overall", json_object_get(sc, "overall"));
        for (int d = 0; d < 3; d++) {
            const char *name;
            json_t *g;
            json_object_foreach(json_object_get(sc, dims[d]), name, g)
            {
                char label[64];
                snprintf(label, sizeof label, "%s %s", dims[d], name);
                s_table_row(out, label, g);
            }
        }
    }
    json_t *bias = json_object_get(o, "path_bias");
    if (json_is_object(bias)) {
        fprintf(out, "\npath bias (bars as 4 guessed ticks; close = low first for a bullish bar, "
                     "reverse = high first):\n");
        for (int k = 0; k < 2; k++) {
            json_t *b = json_object_get(bias, scopes[k]);
            fprintf(out, "  %-15s close: n %lld, E(R) %+.3f | reverse: n %lld, E(R) %+.3f | "
                         "difference %+.3f R\n",
                    scopes[k], (long long)json_integer_value(json_object_get(b, "close_n")),
                    json_number_value(json_object_get(b, "close_expectancy_r")),
                    (long long)json_integer_value(json_object_get(b, "reverse_n")),
                    json_number_value(json_object_get(b, "reverse_expectancy_r")),
                    json_number_value(json_object_get(b, "difference_r")));
        }
    }
    json_t *samp = json_object_get(sum, "sampling");
    fprintf(out, "\nsampling: signals and rate-control drops per session\n| %-14s |", "");
    for (int k = 0; k < VENOM_SESSION_COUNT; k++)
        fprintf(out, " %7s |", venom_session_str((venom_session_t)k));
    fprintf(out, "\n| %-14s |", "signals");
    for (int k = 0; k < VENOM_SESSION_COUNT; k++)
        fprintf(out, " %7lld |",
                (long long)json_integer_value(json_object_get(
                    json_object_get(samp, "signals_by_session"), venom_session_str((venom_session_t)k))));
    const char *rule;
    json_t *by;
    json_object_foreach(json_object_get(samp, "dropped_by_session"), rule, by)
    {
        fprintf(out, "\n| %-14s |", rule);
        for (int k = 0; k < VENOM_SESSION_COUNT; k++)
            fprintf(out, " %7lld |",
                    (long long)json_integer_value(
                        json_object_get(by, venom_session_str((venom_session_t)k))));
    }
    fprintf(out, "\n");
    return ferror(out) ? -1 : 0;
}

//  bias (taken, may be NULL): the path convention's measure, put under outcomes.path_bias.
static int s_output(s_run_t *run, venom_report_t report, FILE *out, json_t *bias)
{
    if (report == VENOM_REPORT_LINES) { /* the signal lines are out already */
        json_decref(bias);
        return s_print(out, s_summary(run, run->outcomes));
    }
    json_t *sum = s_summary(run, true);
    if (!sum) {
        json_decref(bias);
        return -1;
    }
    json_object_set_new(json_object_get(json_object_get(sum, "summary"), "outcomes"),
                        "path_bias", bias ? bias : json_null());
    if (report == VENOM_REPORT_JSON)
        return s_print(out, sum);
    int rc = s_output_table(sum, out);
    json_decref(sum);
    return rc;
}

/* ================================================================ run */

static int s_read(s_run_t *run, FILE *f, const char *path, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = -1;
    ssize_t len;
    uint64_t first = 0; /* the first line with data */
    err[0] = '\0';
    while ((len = getline(&line, &cap, f)) >= 0) {
        first++;
        if (line[strspn(line, " \t\r\n")] != '\0')
            break;
    }
    if (len < 0) {
        if (ferror(f))
            snprintf(err, errlen, "replay: cannot read '%.300s': %s", path, strerror(errno));
        else
            snprintf(err, errlen, "replay: '%.300s' holds no data", path);
        free(line);
        return -1;
    }
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
        memmove(line, line + 3, strlen(line + 3) + 1);
    if (line[strspn(line, " \t")] == '{') {
        run->format = "jsonl";
        rc = s_read_jsonl(run, f, &line, &cap);
    } else {
        bitten_csv_columns_t cols;
        if (bitten_csv_header(line, &cols) != 0) {
            snprintf(err, errlen,
                     "replay: '%.300s': first line is neither a JSON frame nor a CSV "
                     "header 'timestamp,symbol,bid,ask' or "
                     "'time,symbol,open,high,low,close'",
                     path);
            free(line);
            return -1;
        }
        bool bars = cols.kind == BITTEN_CSV_BARS;
        run->format = bars ? "candle_csv" : "tick_csv";
        rc = s_read_csv(run, f, path, &line, &cap, &cols, first, err, errlen);
    }
    free(line);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "replay: out of memory reading '%.300s'", path);
    else if (ferror(f)) {
        snprintf(err, errlen, "replay: cannot read '%.300s': %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int venom_replay_run(const bitten_config_t *cfg, const char *path, bool outcomes, FILE *out,
                     char *err, size_t errlen)
{
    return venom_replay_report(cfg, path, outcomes, VENOM_REPORT_LINES, out, err, errlen);
}

static void s_run_free(s_run_t *run)
{
    venom_engine_destroy(&run->engine);
    venom_selection_destroy(&run->selection);
    venom_tracker_destroy(&run->tracker);
    run->book = NULL;
    bitten_symbols_destroy(&run->symbols);
    free(run->ring);
    run->ring = NULL;
    bitten_rtable_free(&run->tables[0]);
    bitten_rtable_free(&run->tables[1]);
}

//  Reads the file into *run with every trade decided (open ones marked) and every signal
//  tallied; lines_out: where each signal line goes (report LINES), or NULL. 0, or -1 with err.
static int s_replay_once(s_run_t *run, const bitten_config_t *cfg, const char *path, bool reverse,
                         bool second, bool outcomes, FILE *lines_out, char *err, size_t errlen)
{
    memset(run, 0, sizeof *run);
    run->reverse_path = reverse;
    run->second = second;
    run->outcomes = outcomes;
    run->lines_out = lines_out;
    run->opts.max_frame_bytes = (size_t)bitten_config_int(cfg, "feedback.max_frame_bytes");
    run->opts.server_utc_offset_s = (int)bitten_config_int(cfg, "feedback.server_utc_offset_s");
    venom_params_t p;
    char why[256] = "";
    if (venom_params_from_config(cfg, &p, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: %s", why);
        return -1;
    }
    if (citadel_params_from_config(cfg, &run->shield, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    citadel_threshold_init(&run->threshold);
    run->max_hold_s = p.max_hold_s;
    run->symbols = bitten_symbols_from_config(cfg, why, sizeof why);
    if (!run->symbols || venom_check_symbols(cfg, run->symbols, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s%s", run->symbols ? "config: " : "", why);
        bitten_symbols_destroy(&run->symbols);
        return -1;
    }
    run->engine = venom_engine_new(&p, run->symbols);
    run->selection = venom_selection_new(cfg);
    venom_follow_params_t fp;
    venom_follow_params_init(&fp, &p);
    run->tracker = run->engine ? venom_tracker_new(&fp, run->symbols) : NULL;
    run->book = run->tracker ? venom_tracker_book(run->tracker) : NULL;
    bool made = run->book && run->selection && s_tables_init(run) == 0;
    FILE *f = made ? fopen(path, "r") : NULL;
    int rc = -1;
    if (!made)
        snprintf(err, errlen, "replay: cannot create the engine");
    else if (!f)
        snprintf(err, errlen, "replay: cannot read '%.300s': %s", path, strerror(errno));
    else if (s_read(run, f, path, err, errlen) == 0) {
        venom_tracker_finish(run->tracker, s_on_decided, run); /* open at the end: marked */
        s_flush(run, true);
        rc = run->tally_failed ? -1 : 0;
        if (rc != 0)
            snprintf(err, errlen, "replay: out of memory writing the signals");
    }
    if (f)
        fclose(f);
    return rc;
}

//  Both bar path conventions' overall expectancy, and reverse minus close.
static json_t *s_path_bias_json(const s_run_t *a, const s_run_t *b)
{
    const s_run_t *close_run = a->reverse_path ? b : a, *rev_run = a->reverse_path ? a : b;
    const bitten_rtable_t *tc = close_run->tables, *tr = rev_run->tables;
    json_t *o = NULL;
    if (!close_run->tally_failed && !rev_run->tally_failed) {
        o = json_object();
        const char *scopes[2] = {"before_citadel", "after_citadel"};
        for (int k = 0; k < 2; k++) {
            bitten_rsummary_t c, r;
            bitten_rstats_summary(s_find_group(&tc[k], "overall"), VENOM_REPORT_EDGE_R, &c);
            bitten_rstats_summary(s_find_group(&tr[k], "overall"), VENOM_REPORT_EDGE_R, &r);
            json_object_set_new(
                o, scopes[k],
                json_pack("{s:I, s:o, s:I, s:o, s:o}", "close_n", (json_int_t)c.count,
                          "close_expectancy_r", venom_json_num4(c.expectancy), "reverse_n",
                          (json_int_t)r.count, "reverse_expectancy_r", venom_json_num4(r.expectancy),
                          "difference_r", venom_json_num4(r.expectancy - c.expectancy)));
        }
        json_object_set_new(o, "note",
                            json_string("bars replayed as 4 guessed ticks: close = low first "
                                        "for a bullish bar, reverse = high first; the truth "
                                        "is unknown without finer data"));
    }
    return o;
}

int venom_replay_report(const bitten_config_t *cfg, const char *path, bool outcomes,
                        venom_report_t report, FILE *out, char *err, size_t errlen)
{
    const char *bar_path = bitten_config_str(cfg, "replay.bar_path");
    bool reverse = bar_path && strcmp(bar_path, "reverse") == 0;
    s_run_t run, other;
    memset(&other, 0, sizeof other);
    bool lines = report == VENOM_REPORT_LINES;
    int rc = s_replay_once(&run, cfg, path, reverse, false, outcomes || !lines, lines ? out : NULL,
                           err, errlen);
    json_t *bias = NULL;
    //  A report on bars measures the path convention: the same file with the other one.
    if (rc == 0 && report != VENOM_REPORT_LINES && strcmp(run.format, "candle_csv") == 0) {
        rc = s_replay_once(&other, cfg, path, !reverse, true, true, NULL, err, errlen);
        bias = rc == 0 ? s_path_bias_json(&run, &other) : NULL;
        if (rc == 0 && !bias) {
            snprintf(err, errlen, "replay: out of memory writing the output");
            rc = -1;
        }
    }
    if (rc == 0) {
        rc = s_output(&run, report, out, bias);
        bias = NULL; /* s_output took it */
        if (rc != 0)
            snprintf(err, errlen, "replay: out of memory writing the output");
    }
    json_decref(bias);
    s_run_free(&run);
    s_run_free(&other);
    return rc;
}
