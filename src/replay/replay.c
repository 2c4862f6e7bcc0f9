/*  replay.c: VENOM and CITADEL over a recorded file without sockets (`bittend --replay`): reads
 *  JSON-lines frames or CSV ticks/bars, feeds the pure cores, follows passed signals forward. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/symbols_config.h"
#include "modules/citadel/citadel.h"
#include "modules/venom/venom.h"
#include "replay/bars_csv.h"
#include "replay/replay.h"

#define S_DEFAULT_BAR_MS 60000 /* a symbol with a single bar: one minute */
#define S_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define S_MS_PER_S 1000.0

typedef struct {
    venom_signal_t sig;
    size_t tick; /* index in run->ticks of the tick that closed the M1 */
    citadel_verdict_t verdict;
    bool has_verdict; /* false: no market context (counted as blocked) */
    venom_outcome_t outcome;
} s_signal_t;

typedef struct {
    venom_selection_t *selection; /* venom.symbols, read once */
    venom_engine_t *engine;
    bitten_symbols_t *symbols;
    citadel_params_t shield;
    citadel_threshold_t threshold;
    bitten_decode_opts_t opts;
    bitten_tick_t *ticks; /* every tick fed, in feed order */
    size_t n_ticks, cap_ticks;
    s_signal_t *sigs;
    size_t n_sigs, cap_sigs;
    const char *format;
    uint64_t lines, bad[BITTEN_R_COUNT_], other_frames, not_selected;
    uint64_t candle_batches, candles_merged, candle_batches_refused;
} s_run_t;

/* ================================================================ outcomes (pure) */

const char *venom_outcome_str(venom_outcome_kind_t kind)
{
    return kind == VENOM_OUTCOME_WIN ? "WIN" : kind == VENOM_OUTCOME_LOSS ? "LOSS" : "OPEN";
}

venom_outcome_t venom_replay_outcome(const venom_signal_t *s, const bitten_tick_t *after, size_t n)
{
    venom_outcome_t o = {VENOM_OUTCOME_OPEN, 0.0, 0};
    bool buy = s->direction == VENOM_BUY;
    for (size_t i = 0; i < n; i++) {
        const bitten_tick_t *t = &after[i];
        if (t->timestamp < s->created_at || strcmp(t->symbol, s->symbol) != 0)
            continue;
        bool tp = buy ? t->bid >= s->tp_price : t->ask <= s->tp_price;
        bool sl = buy ? t->bid <= s->sl_price : t->ask >= s->sl_price;
        if (tp || sl) {
            o.kind = tp ? VENOM_OUTCOME_WIN : VENOM_OUTCOME_LOSS;
            o.r = tp ? s->rr : -1.0;
            o.closed_at = t->timestamp;
            return o;
        }
    }
    return o;
}

/* ================================================================ feeding */

static int s_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap * 2 : 1024;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(*items, cap2 * size);
    if (!p)
        return -1;
    *items = p;
    *cap = cap2;
    return 0;
}

static int s_feed(s_run_t *run, const bitten_tick_t *tick)
{
    if (!venom_selection_has(run->selection, tick->symbol)) {
        run->not_selected++;
        return 0;
    }
    if (s_grow((void **)&run->ticks, &run->cap_ticks, run->n_ticks + 1, sizeof *run->ticks) != 0)
        return -1;
    run->ticks[run->n_ticks++] = *tick;
    venom_signal_t sig;
    if (venom_engine_on_tick(run->engine, tick, &sig, NULL) != 1)
        return 0;
    if (s_grow((void **)&run->sigs, &run->cap_sigs, run->n_sigs + 1, sizeof *run->sigs) != 0)
        return -1;
    s_signal_t *s = &run->sigs[run->n_sigs++];
    s->sig = sig;
    s->tick = run->n_ticks - 1;
    s->outcome = (venom_outcome_t){VENOM_OUTCOME_OPEN, 0.0, 0};
    //  The verdict is taken now, on the context as it is when the signal is made: the event
    //  the daemon publishes (venom.c) and CITADEL scores (citadel.c).
    venom_context_t ctx;
    venom_signal_event_t ev = {&s->sig, NULL};
    if (venom_engine_context(run->engine, sig.symbol, &ctx) == 0)
        ev.context = &ctx;
    s->has_verdict = ev.context && citadel_evaluate(&run->shield, &run->threshold, ev.signal,
                                                    ev.context, &s->verdict) == 0;
    return 0;
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

/*  CSV ticks are fed in time order; equal times keep file order (a stable sort). */
typedef struct {
    bitten_ms_t ts;
    size_t index;
} s_order_t;

static int s_cmp_order(const void *a, const void *b)
{
    const s_order_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int s_feed_sorted(s_run_t *run, const bitten_tick_t *ticks, size_t n)
{
    s_order_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = (s_order_t){ticks[i].timestamp, i};
    qsort(order, n, sizeof *order, s_cmp_order);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = s_feed(run, &ticks[order[i].index]);
    free(order);
    return rc;
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
            rc = s_feed(run, &frame->u.tick);
        else if (frame->type == BITTEN_FRAME_CANDLE_BATCH)
            s_feed_candles(run, &frame->u.candle_batch);
        else
            run->other_frames++;
    } while (rc == 0 && getline(line, cap, f) >= 0);
    free(frame);
    return rc;
}

/* ================================================================ CSV */

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

static int s_read_tick_csv(s_run_t *run, FILE *f, char **line, size_t *cap,
                           const bitten_csv_columns_t *c)
{
    bitten_tick_t *ticks = NULL;
    size_t n = 0, tcap = 0;
    int rc = 0;
    while (rc == 0 && getline(line, cap, f) >= 0) {
        if ((*line)[strspn(*line, " \t\r\n")] == '\0')
            continue;
        run->lines++;
        bitten_csv_row_t row;
        bitten_reason_t r = bitten_csv_row(*line, c, run->opts.server_utc_offset_s, &row);
        if (r != BITTEN_R_OK) {
            run->bad[r]++;
            continue;
        }
        rc = s_grow((void **)&ticks, &tcap, n + 1, sizeof *ticks);
        if (rc == 0)
            ticks[n++] = s_make_tick(row.symbol, row.time, row.v[0], row.v[1]);
    }
    if (rc == 0)
        rc = s_feed_sorted(run, ticks, n);
    free(ticks);
    return rc;
}

typedef struct {
    bitten_csv_row_t row;
    size_t sym; /* index in the names seen */
} s_bar_t;

typedef struct {
    size_t sym;
    bitten_ms_t delta;
} s_delta_t;

static int s_cmp_delta(const void *a, const void *b)
{
    const s_delta_t *x = a, *y = b;
    if (x->sym != y->sym)
        return x->sym < y->sym ? -1 : 1;
    return (x->delta > y->delta) - (x->delta < y->delta);
}

/*  Each symbol's bar spacing: the most frequent positive gap between its consecutive bars
 *  (ties: the shorter), so weekend and feed gaps do not count. */
static int s_bar_spacing(const s_bar_t *bars, size_t n, size_t n_syms, bitten_ms_t *spacing)
{
    bitten_ms_t *prev = calloc(n_syms ? n_syms : 1, sizeof *prev);
    s_delta_t *d = malloc((n ? n : 1) * sizeof *d);
    if (!prev || !d) {
        free(prev);
        free(d);
        return -1;
    }
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        bitten_ms_t time = bars[i].row.time;
        if (prev[bars[i].sym] && time > prev[bars[i].sym])
            d[nd++] = (s_delta_t){bars[i].sym, time - prev[bars[i].sym]};
        prev[bars[i].sym] = time;
    }
    qsort(d, nd, sizeof *d, s_cmp_delta);
    for (size_t s = 0; s < n_syms; s++)
        spacing[s] = S_DEFAULT_BAR_MS;
    size_t best_run = 0;
    for (size_t i = 0; i < nd;) {
        size_t j = i;
        while (j < nd && d[j].sym == d[i].sym && d[j].delta == d[i].delta)
            j++;
        if (i == 0 || d[i].sym != d[i - 1].sym)
            best_run = 0;
        if (j - i > best_run) {
            best_run = j - i;
            spacing[d[i].sym] = d[i].delta;
        }
        i = j;
    }
    free(prev);
    free(d);
    return 0;
}

/*  Each bar as four ticks (bitten_csv_bar_ticks) at its symbol's spacing; bid/ask = mid -/+
 *  half the typical spread. */
static int s_expand_bars(s_run_t *run, const s_bar_t *bars, size_t n, size_t n_syms)
{
    bitten_ms_t *spacing = calloc(n_syms ? n_syms : 1, sizeof *spacing);
    bitten_tick_t *ticks = malloc((n ? n : 1) * BITTEN_CSV_TICKS_PER_BAR * sizeof *ticks);
    int rc = (!spacing || !ticks) ? -1 : s_bar_spacing(bars, n, n_syms, spacing);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const s_bar_t *b = &bars[i];
        const bitten_symbol_t *spec = bitten_symbols_find(run->symbols, b->row.symbol);
        double half = spec ? spec->typical_spread * spec->pip / 2.0 : 0.0;
        bitten_csv_bar_ticks(&b->row, spacing[b->sym], half, ticks + i * BITTEN_CSV_TICKS_PER_BAR);
    }
    if (rc == 0)
        rc = s_feed_sorted(run, ticks, n * BITTEN_CSV_TICKS_PER_BAR);
    free(spacing);
    free(ticks);
    return rc;
}

static int s_read_bar_csv(s_run_t *run, FILE *f, char **line, size_t *cap,
                          const bitten_csv_columns_t *c)
{
    s_bar_t *bars = NULL;
    size_t n = 0, bcap = 0, n_syms = 0, scap = 0;
    char(*names)[BITTEN_SYMBOL_MAX + 1] = NULL;
    int rc = 0;
    while (rc == 0 && getline(line, cap, f) >= 0) {
        if ((*line)[strspn(*line, " \t\r\n")] == '\0')
            continue;
        run->lines++;
        bitten_csv_row_t row;
        bitten_reason_t r = bitten_csv_row(*line, c, run->opts.server_utc_offset_s, &row);
        if (r != BITTEN_R_OK) {
            run->bad[r]++;
            continue;
        }
        size_t s = 0;
        while (s < n_syms && strcmp(names[s], row.symbol) != 0)
            s++;
        if (s == n_syms) {
            rc = s_grow((void **)&names, &scap, n_syms + 1, sizeof *names);
            if (rc != 0)
                break;
            strcpy(names[n_syms++], row.symbol);
        }
        rc = s_grow((void **)&bars, &bcap, n + 1, sizeof *bars);
        if (rc == 0)
            bars[n++] = (s_bar_t){row, s};
    }
    if (rc == 0)
        rc = s_expand_bars(run, bars, n, n_syms);
    free(bars);
    free(names);
    return rc;
}

/* ================================================================ summary */

typedef struct {
    uint64_t count, wins, losses, open;
    double sum_r;
} s_tally_t;

static double s_round4(double x)
{
    return round(x * 1e4) / 1e4;
}

static json_t *s_tally_json(const s_tally_t *t)
{
    uint64_t closed = t->wins + t->losses;
    json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "count", (json_int_t)t->count, "wins",
                          (json_int_t)t->wins, "losses", (json_int_t)t->losses, "open",
                          (json_int_t)t->open);
    json_object_set_new(o, "win_rate",
                        closed ? json_real(s_round4((double)t->wins / (double)closed))
                               : json_null());
    json_object_set_new(o, "expectancy_r",
                        closed ? json_real(s_round4(t->sum_r / (double)closed)) : json_null());
    return o;
}

static void s_tally_add(s_tally_t *t, const venom_outcome_t *o)
{
    t->count++;
    if (o->kind == VENOM_OUTCOME_WIN)
        t->wins++;
    else if (o->kind == VENOM_OUTCOME_LOSS)
        t->losses++;
    else
        t->open++;
    if (o->kind != VENOM_OUTCOME_OPEN)
        t->sum_r += o->r;
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
    uint64_t per[VENOM_PATTERN_COUNT] = {0};
    for (size_t i = 0; i < run->n_sigs; i++)
        per[run->sigs[i].sig.pattern]++;
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++)
        json_object_set_new(patterns, venom_pattern_str((venom_pattern_t)p),
                            json_integer((json_int_t)per[p]));
    json_object_set_new(sum, "patterns", patterns);
    uint64_t passed = 0, blocked[BITTEN_R_COUNT_] = {0}, no_context = 0;
    for (size_t i = 0; i < run->n_sigs; i++) {
        const s_signal_t *s = &run->sigs[i];
        if (!s->has_verdict)
            no_context++;
        else if (s->verdict.passed)
            passed++;
        for (size_t r = 0; s->has_verdict && r < s->verdict.n_reasons; r++)
            blocked[s->verdict.reasons[r]]++;
    }
    json_t *by_reason = json_object();
    for (int r = 0; r < BITTEN_R_COUNT_; r++)
        if (blocked[r])
            json_object_set_new(by_reason, bitten_reason_str((bitten_reason_t)r),
                                json_integer((json_int_t)blocked[r]));
    json_object_set_new(sum, "citadel",
                        json_pack("{s:I, s:I, s:I, s:o}", "passed", (json_int_t)passed, "blocked",
                                  (json_int_t)(run->n_sigs - passed), "no_context",
                                  (json_int_t)no_context, "blocked_by_reason", by_reason));
    if (outcomes) {
        //  The backtest counts what would have been fired: signals CITADEL passed. The same
        //  tally over every signal shows what the shield changes.
        s_tally_t all = {0}, every = {0}, by[VENOM_PATTERN_COUNT] = {{0}};
        for (size_t i = 0; i < run->n_sigs; i++) {
            const s_signal_t *s = &run->sigs[i];
            s_tally_add(&every, &s->outcome);
            if (!s->has_verdict || !s->verdict.passed)
                continue;
            s_tally_add(&all, &s->outcome);
            s_tally_add(&by[s->sig.pattern], &s->outcome);
        }
        json_t *o = json_object();
        json_object_set_new(o, "overall", s_tally_json(&all));
        json_t *bp = json_object();
        for (int p = 0; p < VENOM_PATTERN_COUNT; p++)
            json_object_set_new(bp, venom_pattern_str((venom_pattern_t)p), s_tally_json(&by[p]));
        json_object_set_new(o, "patterns", bp);
        json_object_set_new(o, "all_signals_unshielded", s_tally_json(&every));
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

static int s_output(s_run_t *run, bool outcomes, FILE *out)
{
    for (size_t i = 0; i < run->n_sigs; i++) {
        s_signal_t *s = &run->sigs[i];
        json_t *o = venom_signal_json(&s->sig);
        if (!o)
            return -1;
        json_object_set_new(o, "verdict", s->has_verdict ? citadel_verdict_json(&s->sig, &s->verdict)
                                                         : json_null());
        if (outcomes) {
            s->outcome =
                venom_replay_outcome(&s->sig, run->ticks + s->tick + 1, run->n_ticks - s->tick - 1);
            char ts[32];
            json_object_set_new(o, "outcome", json_string(venom_outcome_str(s->outcome.kind)));
            json_object_set_new(o, "r", json_real(s->outcome.r));
            json_object_set_new(o, "closed_at",
                                s->outcome.closed_at ? json_string(bitten_format_time(
                                                           s->outcome.closed_at, ts, sizeof ts))
                                                     : json_null());
        }
        if (s_print(out, o) != 0)
            return -1;
    }
    return s_print(out, s_summary(run, outcomes));
}

/* ================================================================ run */

static int s_read(s_run_t *run, FILE *f, const char *path, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = -1;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0 && line[strspn(line, " \t\r\n")] == '\0')
        ;
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
        rc = bars ? s_read_bar_csv(run, f, &line, &cap, &cols)
                  : s_read_tick_csv(run, f, &line, &cap, &cols);
    }
    free(line);
    if (rc != 0)
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
    s_run_t run;
    memset(&run, 0, sizeof run);
    run.opts.max_frame_bytes = (size_t)bitten_config_int(cfg, "feedback.max_frame_bytes");
    run.opts.server_utc_offset_s = (int)bitten_config_int(cfg, "feedback.server_utc_offset_s");
    venom_params_t p;
    char why[256] = "";
    if (venom_params_from_config(cfg, &p, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: %s", why);
        return -1;
    }
    if (citadel_params_from_config(cfg, &run.shield, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    citadel_threshold_init(&run.threshold);
    run.symbols = bitten_symbols_from_config(cfg, why, sizeof why);
    if (!run.symbols || venom_check_symbols(cfg, run.symbols, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s%s", run.symbols ? "config: " : "", why);
        bitten_symbols_destroy(&run.symbols);
        return -1;
    }
    run.engine = venom_engine_new(&p, run.symbols);
    run.selection = venom_selection_new(cfg);
    FILE *f = run.engine && run.selection ? fopen(path, "r") : NULL;
    int rc = -1;
    if (!run.engine || !run.selection)
        snprintf(err, errlen, "replay: cannot create the engine");
    else if (!f)
        snprintf(err, errlen, "replay: cannot read '%.300s': %s", path, strerror(errno));
    else if (s_read(&run, f, path, err, errlen) == 0) {
        rc = s_output(&run, outcomes, out);
        if (rc != 0)
            snprintf(err, errlen, "replay: out of memory writing the output");
    }
    if (f)
        fclose(f);
    venom_engine_destroy(&run.engine);
    venom_selection_destroy(&run.selection);
    bitten_symbols_destroy(&run.symbols);
    free(run.ticks);
    free(run.sigs);
    return rc;
}
