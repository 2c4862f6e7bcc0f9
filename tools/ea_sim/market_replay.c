/*  market_replay.c: market replay: JSON-lines frames sent raw, CSV bars/ticks turned into ticks. */
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

#include "replay/bars_csv.h"
#include "sim.h"

/* ---------------------------------------------------------------- tick replay */

static void s_item_clear(sim_tick_item_t *item)
{
    free(item->line);
    memset(item, 0, sizeof *item);
    item->ts = -1;
}

static int s_pool_push(sim_ticks_t *tk, const bitten_tick_t *t)
{
    if (tk->pool_count == tk->pool_cap) {
        size_t cap = tk->pool_cap ? tk->pool_cap * 2 : 64;
        bitten_tick_t *pool = realloc(tk->pool, cap * sizeof *pool);
        if (!pool)
            return -1;
        tk->pool = pool;
        uint64_t *seq = realloc(tk->pool_seq, cap * sizeof *seq);
        if (!seq)
            return -1;
        tk->pool_seq = seq;
        tk->pool_cap = cap;
    }
    tk->pool[tk->pool_count] = *t;
    tk->pool_seq[tk->pool_count++] = tk->seq++;
    return 0;
}

/*  Index of the earliest pooled tick (ties: first read); the pool must not be empty. */
static size_t s_pool_min(const sim_ticks_t *tk)
{
    size_t best = 0;
    for (size_t i = 1; i < tk->pool_count; i++) {
        int64_t a = tk->pool[i].timestamp, b = tk->pool[best].timestamp;
        if (a < b || (a == b && tk->pool_seq[i] < tk->pool_seq[best]))
            best = i;
    }
    return best;
}

/*  The ticks of one CSV row into the pool: a tick row as it is, a bar as four ticks
 *  (bitten_csv_bar_ticks: open, low/high, close at 0/15/30/45 s into the bar), priced with the
 *  symbol's typical spread and rounded to its digits. The first line of a pass may be the
 *  header; without one the columns are time,symbol,open,high,low,close,volume. */
static int s_csv_row(sim_t *self, char *line)
{
    sim_ticks_t *tk = &self->ticks;
    if (!tk->header_done) {
        tk->header_done = true;
        char *copy = strdup(line);
        int is_header = copy ? bitten_csv_header(copy, &tk->cols) : -1;
        free(copy);
        if (is_header == 0)
            return 0;
        bitten_csv_columns_bars_default(&tk->cols);
    }
    bitten_csv_row_t row;
    if (bitten_csv_row(line, &tk->cols, 0, &row) != BITTEN_R_OK)
        return -1;
    if (self->opt.rebase_weeks && !tk->rebased) {
        //  Whole weeks keep weekdays and sessions (VENOM and CITADEL read them from market
        //  time); the first bar lands within the week after now, so nothing looks expired.
        const int64_t week_ms = 7LL * 24 * 3600 * 1000;
        int64_t behind = sim_wall() - row.time;
        tk->csv_shift_ms += behind > 0 ? ((behind + week_ms - 1) / week_ms) * week_ms : 0;
        tk->rebased = true;
    }
    const bitten_symbol_t *spec = sim_spec(self, row.symbol);
    double spread = spec->typical_spread * spec->pip;
    bitten_tick_t ticks[BITTEN_CSV_TICKS_PER_BAR];
    int n = 1;
    if (tk->cols.kind == BITTEN_CSV_BARS) {
        bitten_csv_bar_ticks(&row, BITTEN_CSV_TICKS_PER_BAR * SIM_CSV_TICK_STEP_MS, spread / 2.0,
                             ticks);
        n = BITTEN_CSV_TICKS_PER_BAR;
    } else {
        memset(&ticks[0], 0, sizeof ticks[0]);
        snprintf(ticks[0].symbol, sizeof ticks[0].symbol, "%s", row.symbol);
        ticks[0].bid = row.v[0];
        ticks[0].ask = row.v[1];
        ticks[0].timestamp = row.time;
        spread = row.v[1] - row.v[0];
    }
    for (int i = 0; i < n; i++) {
        bitten_tick_t *t = &ticks[i];
        snprintf(t->uuid, sizeof t->uuid, "%s", self->opt.uuid);
        t->bid = sim_round_to(t->bid, spec->digits);
        t->ask = sim_round_to(t->bid + spread, spec->digits);
        t->spread = sim_round_to(spread / spec->point, 1); /* points */
        t->has_spread = true;
        t->volume = row.volume;
        t->timestamp += tk->csv_shift_ms;
        if (s_pool_push(tk, t) != 0)
            return -1;
    }
    tk->bar_start = row.time + tk->csv_shift_ms;
    return 0;
}

static bool s_ticks_rewind(sim_t *self)
{
    sim_ticks_t *tk = &self->ticks;
    if (!self->opt.loop || tk->pass_first_ts < 0) {
        tk->done = true;
        return false;
    }
    if (tk->csv)
        tk->csv_shift_ms += tk->pass_last_ts - tk->pass_first_ts + SIM_CSV_TICK_STEP_MS;
    rewind(tk->fp);
    tk->passes++;
    tk->pass_first_ts = -1;
    tk->pass_eof = false;
    tk->bar_start = -1;
    tk->header_done = false;
    tk->line_no = 0;
    sim_log(self, SIM_INFO, "ticks.loop", "path=%s", self->opt.ticks_path);
    return true;
}

/*  Reads one non-empty line without its end of line; -1 at the end of the file. */
static ssize_t s_ticks_line(sim_ticks_t *tk, char **line, size_t *cap)
{
    ssize_t n;
    do {
        n = getline(line, cap, tk->fp);
        if (n < 0)
            return -1;
        tk->line_no++;
        while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
            (*line)[--n] = '\0';
    } while (n == 0);
    return n;
}

/*  CSV: the next tick is the earliest pooled one once a later bar has been read (bars are
 *  in start order, so nothing read afterwards can come before it). */
static bool s_ticks_load_csv(sim_t *self)
{
    sim_ticks_t *tk = &self->ticks;
    char *line = NULL;
    size_t cap = 0;
    bool rewound = false;
    while (!tk->has_item) {
        if (tk->pool_count > 0) {
            size_t m = s_pool_min(tk);
            if (tk->pass_eof || tk->bar_start > tk->pool[m].timestamp) {
                s_item_clear(&tk->item);
                tk->item.has_tick = true;
                tk->item.tick = tk->pool[m];
                tk->item.ts = tk->item.tick.timestamp;
                tk->pool[m] = tk->pool[tk->pool_count - 1];
                tk->pool_seq[m] = tk->pool_seq[tk->pool_count - 1];
                tk->pool_count--;
                tk->has_item = true;
                break;
            }
        } else if (tk->pass_eof) {
            if (rewound || !s_ticks_rewind(self)) /* a pass that yields nothing ends it */
                break;
            rewound = true;
            continue;
        }
        ssize_t n = s_ticks_line(tk, &line, &cap);
        if (n < 0) {
            tk->pass_eof = true;
            continue;
        }
        if (s_csv_row(self, line) != 0 && tk->passes == 0)
            sim_log(self, SIM_WARN, "ticks.bad_line", "line=%ld", tk->line_no);
    }
    free(line);
    return tk->has_item;
}

/*  JSON lines: each line is one frame, sent as is; decoded only to learn time and price. */
static bool s_ticks_load_jsonl(sim_t *self)
{
    sim_ticks_t *tk = &self->ticks;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = s_ticks_line(tk, &line, &cap);
    if (n < 0 && s_ticks_rewind(self))
        n = s_ticks_line(tk, &line, &cap);
    if (n < 0) {
        free(line);
        return false;
    }
    s_item_clear(&tk->item);
    tk->item.raw = true;
    tk->item.line = line;
    tk->item.line_len = (size_t)n;
    bitten_decode_error_t err;
    if (bitten_decode(BITTEN_DIR_FEEDBACK, line, (size_t)n, &self->dopts, self->frame, &err) == 0 &&
        self->frame->type == BITTEN_FRAME_TICK) {
        tk->item.has_tick = true;
        tk->item.tick = self->frame->u.tick;
        tk->item.ts = tk->item.tick.timestamp;
    } else {
        tk->item.ts = tk->last_ts; /* sent raw anyway, at the pace of its neighbours */
    }
    tk->has_item = true;
    return true;
}

/*  Loads the next replay item into ticks.item. Returns false at the end of the replay. */
static bool s_ticks_load(sim_t *self)
{
    sim_ticks_t *tk = &self->ticks;
    if (tk->has_item)
        return true;
    if (tk->done)
        return false;
    if (!(tk->csv ? s_ticks_load_csv(self) : s_ticks_load_jsonl(self))) {
        tk->done = true;
        return false;
    }
    if (tk->item.ts >= 0) {
        if (tk->pass_first_ts < 0) {
            tk->pass_first_ts = tk->item.ts;
            tk->pass_base_mono = sim_mono();
        }
        tk->last_ts = tk->pass_last_ts = tk->item.ts;
    }
    return true;
}

/*  When the loaded item is due, in monotonic ms. */
int64_t sim_ticks_due(const sim_t *self)
{
    const sim_ticks_t *tk = &self->ticks;
    if (self->opt.speed <= 0 || tk->item.ts < 0 || tk->pass_first_ts < 0)
        return 0;
    return tk->pass_base_mono +
           (int64_t)((double)(tk->item.ts - tk->pass_first_ts) / self->opt.speed);
}

static void s_ticks_send_item(sim_t *self)
{
    sim_tick_item_t *item = &self->ticks.item;
    if (item->raw) {
        sim_send(self, item->line, item->line_len);
    } else {
        char buf[SIM_FRAME_MAX];
        int len = bitten_encode_tick(&item->tick, buf, sizeof buf);
        if (len < 0) {
            sim_log(self, SIM_WARN, "encode.failed", "frame=tick symbol=%s", item->tick.symbol);
            return;
        }
        sim_send(self, buf, (size_t)len);
    }
    if (item->has_tick) {
        sim_mid_set(self, item->tick.symbol, (item->tick.bid + item->tick.ask) / 2.0);
        sim_check_stops(self, item->tick.symbol);
    }
    self->n.ticks_sent++;
}

/*  Sends every item that is due, at most SIM_TICK_BURST per call. */
void sim_ticks_pump(sim_t *self, int64_t now)
{
    for (int i = 0; i < SIM_TICK_BURST; i++) {
        if (!s_ticks_load(self)) {
            if (self->ticks_on) {
                self->ticks_on = false;
                sim_log(self, SIM_INFO, "ticks.done", "ticks_sent=%ld", self->n.ticks_sent);
            }
            return;
        }
        if (sim_ticks_due(self) > now)
            return;
        s_ticks_send_item(self);
        self->ticks.has_item = false;
    }
}

int64_t sim_ticks_peek_ms(sim_t *self)
{
    return s_ticks_load(self) ? self->ticks.item.ts : -1;
}

bool sim_ticks_next(sim_t *self, int64_t now, bitten_tick_t *out)
{
    while (s_ticks_load(self) && sim_ticks_due(self) <= now) {
        self->ticks.has_item = false;
        if (self->ticks.item.has_tick) {
            *out = self->ticks.item.tick;
            return true;
        }
    }
    if (self->ticks.done && self->ticks_on) {
        self->ticks_on = false;
        sim_log(self, SIM_INFO, "ticks.done", "passes=%ld", self->ticks.passes + 1);
    }
    return false;
}

int sim_ticks_open(sim_t *self)
{
    sim_ticks_t *tk = &self->ticks;
    memset(tk, 0, sizeof *tk);
    tk->item.ts = -1;
    tk->pass_first_ts = -1;
    tk->last_ts = -1;
    tk->bar_start = -1;
    tk->fp = fopen(self->opt.ticks_path, "r");
    if (!tk->fp)
        return -1;
    int c;
    while ((c = fgetc(tk->fp)) == ' ' || c == '\n' || c == '\r' || c == '\t')
        ;
    tk->csv = c != '{' && c != EOF;
    rewind(tk->fp);
    self->ticks_on = true;
    return 0;
}
