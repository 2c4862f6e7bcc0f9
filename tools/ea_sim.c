/*  ea_sim.c: bitten-ea-sim, a simulated MetaTrader 5 EA that speaks protocol.md over ZeroMQ.
 *  Fills signals, reports results, telemetry and ticks, and injects faults for demos and tests. */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <czmq.h>
#include <zmq.h>

#include "bitten/proto.h"

/* ---------------------------------------------------------------- constants */

#define SIM_NAME "ea_sim"
#define SIM_FRAME_MAX 8192       /* one encoded feedback frame */
#define SIM_DECODE_MAX 65536     /* command frames above this are refused by the codec */
#define SIM_DRAIN_MAX 256        /* command frames handled per wake-up */
#define SIM_TICK_BURST 256       /* ticks sent per loop iteration at most */
#define SIM_POLL_MAX_MS 1000     /* never sleep longer than this */
#define SIM_RAW_MAX 16           /* --send-raw repeats */
#define SIM_MIDS_MAX 256         /* symbols whose last mid we remember */
#define SIM_STARTUP_DELAY_MS 200 /* let a bound SUB subscribe before "startup" */
#define SIM_LINGER_MS 500
#define SIM_FIRST_TICKET 100000001
#define SIM_DEFAULT_PRICE 1.10000
#define SIM_CSV_TICK_STEP_MS 15000 /* a bar becomes ticks at 0, 15, 30, 45 s */
#define SIM_SEEN_INITIAL 1024      /* signal_id set, open addressing */

/*  Garbage frames for --garbage-every, sent in this order, cycling. */
static const char *const s_garbage[] = {
    "not json",
    "[1,2]",
    "{\"type\":\"nope\"}",
    "{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":\"x\"}",
    ("{\"type\":\"tick\",\"symbol\":\"EURUSD\",\"bid\":NaN,\"ask\":1.1,\"spread\":10,\"volume\":0,"
     "\"timestamp\":\"2025-09-15T19:33:52.000Z\"}"),
};
#define SIM_GARBAGE_COUNT (sizeof s_garbage / sizeof s_garbage[0])

/*  The only static state: a signal handler can reach nothing else. */
static volatile sig_atomic_t s_stop_signal = 0;

/* ---------------------------------------------------------------- types */

typedef struct {
    const char *command_ep, *feedback_ep;
    bool feedback_push;
    const char *uuid, *server, *broker, *ea_version, *symbols, *reject_symbol;
    int64_t account;
    double balance;
    long leverage;
    double telemetry_s, heartbeat_s, silence_reconnect_s, auto_close_s, duration_s;
    bool no_uuid_heartbeat;
    double price;
    bool has_price;
    double close_move_pips;
    double fail_rate;
    uint64_t seed;
    const char *ticks_path;
    double speed;
    bool loop;
    bool rebase_weeks; /* csv: shift recorded time by whole weeks to the present */
    const char *curve_server; /* the server's public certificate file */
    const char *curve_cert;   /* this EA's secret certificate file */
    bool drop_results;
    long delay_results_ms, garbage_every, count_signals;
    const char *send_raw[SIM_RAW_MAX];
    int send_raw_count;
    bool quiet, honor_expiry, only_uuid, no_close_ack;
} sim_opts_t;

/*  Per-symbol trading facts, enough for prices, profit and margin. */
typedef struct {
    int digits;         /* price decimals */
    double pip;         /* 10 points */
    double pip_value;   /* per 1.0 lot, USD */
    double spread_pips; /* typical */
    double contract;    /* units per lot, for margin */
} sim_spec_t;

typedef struct {
    int64_t ticket;
    char symbol[BITTEN_SYMBOL_MAX + 1];
    char signal_id[BITTEN_ID_MAX + 1];
    int dir; /* +1 buy, -1 sell */
    double lot, open_price;
    int64_t sl, tp; /* points */
    int64_t opened_mono;
} sim_position_t;

typedef struct {
    char symbol[BITTEN_SYMBOL_MAX + 1];
    double mid;
} sim_mid_t;

/*  A trade_result waiting for --delay-results-ms. */
typedef struct {
    int64_t due;
    size_t len;
    char *data;
} sim_delayed_t;

/*  One item of the tick replay: a raw JSON line, or a tick to encode. */
typedef struct {
    bool raw;
    char *line; /* raw: owned */
    size_t line_len;
    bool has_tick;
    bitten_tick_t tick;
    int64_t ts; /* data time in ms, -1 when unknown */
} sim_tick_item_t;

typedef struct {
    FILE *fp;
    bool csv;
    bool done;
    bool has_item;
    sim_tick_item_t item;
    bitten_tick_t *pool; /* csv: expanded bars not sent yet, merged by time */
    uint64_t *pool_seq;  /* insertion order breaks ties: symbols keep file order */
    size_t pool_count, pool_cap;
    uint64_t seq;
    int64_t bar_start; /* start of the last bar read, -1 none this pass */
    bool pass_eof;
    int64_t pass_first_ts; /* -1 until the first item of a pass */
    int64_t pass_base_mono;
    int64_t last_ts;
    int64_t pass_last_ts;
    int64_t csv_shift_ms; /* csv --loop: keep time moving forward */
    bool rebased;         /* --rebase-weeks applied */
    long line_no;
    long passes; /* completed passes over the file (--loop) */
} sim_ticks_t;

typedef struct {
    long signals, duplicates, keepalives, pings, results_sent, results_dropped, closed, errors_sent,
        ticks_sent, telemetry_sent, heartbeats_sent, status_sent, garbage_sent, invalid_frames,
        reconnects, send_failed, ignored, frames_out;
} sim_counters_t;

typedef struct {
    sim_opts_t opt;
    void *ctx, *pull, *push;
    sim_counters_t n;
    bitten_frame_t *frame; /* decode scratch: the union is large */
    bitten_decode_opts_t dopts;
    uint64_t rng;
    int64_t next_ticket;
    double balance;
    sim_position_t *pos;
    size_t pos_count, pos_cap;
    sim_mid_t mids[SIM_MIDS_MAX];
    size_t mid_count;
    char (*seen)[BITTEN_ID_MAX + 1];
    size_t seen_cap, seen_count;
    sim_delayed_t *outbox;
    size_t out_head, out_count, out_cap;
    sim_ticks_t ticks;
    bool ticks_on;
    int64_t start_mono, startup_due, next_telemetry, next_heartbeat, last_heard;
    bool startup_sent, shutdown_sent;
    int64_t reconnected_due; /* 0 = no "reconnected" status pending */
    size_t garbage_next;
    bool stop;
    const char *stop_why;
} sim_t;

typedef enum { SIM_INFO, SIM_WARN, SIM_ERROR } sim_level_t;

/* ---------------------------------------------------------------- time, log, rng */

static int64_t s_clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t s_mono(void)
{
    return s_clock_ms(CLOCK_MONOTONIC);
}

static int64_t s_wall(void)
{
    return s_clock_ms(CLOCK_REALTIME);
}

static void s_log(const sim_t *self, sim_level_t level, const char *event, const char *fmt, ...)
{
    if (level == SIM_INFO && self->opt.quiet)
        return;
    static const char *const names[] = {"INFO", "WARN", "ERROR"};
    int64_t ms = s_wall();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char line[1024];
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s %s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(ms % 1000), names[level], SIM_NAME, event);
    if (n > 0 && (size_t)n < sizeof line && fmt && *fmt) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "%s\n", line);
}

/*  splitmix64: tiny, seedable, the same sequence on every platform. */
static double s_rng_unit(sim_t *self)
{
    uint64_t z = (self->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* ---------------------------------------------------------------- symbols and prices */

static sim_spec_t s_spec(const char *symbol)
{
    sim_spec_t spec = {5, 0.0001, 10.0, 1.5, 100000.0};
    if (strncmp(symbol, "XAU", 3) == 0) {
        spec = (sim_spec_t){2, 0.1, 10.0, 2.5, 100.0};
    } else if (strncmp(symbol, "XAG", 3) == 0) {
        spec = (sim_spec_t){3, 0.01, 5.0, 3.0, 5000.0};
    } else if (strstr(symbol, "JPY")) {
        spec = (sim_spec_t){3, 0.01, 6.8, 1.5, 100000.0};
    } else if (strcmp(symbol, "EURUSD") == 0) {
        spec.spread_pips = 1.0;
    }
    return spec;
}

static double s_round_to(double value, int digits)
{
    double scale = pow(10.0, digits);
    return round(value * scale) / scale;
}

static void s_mid_set(sim_t *self, const char *symbol, double mid)
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

static bool s_mid_get(const sim_t *self, const char *symbol, double *mid)
{
    for (size_t i = 0; i < self->mid_count; i++) {
        if (strcmp(self->mids[i].symbol, symbol) == 0) {
            *mid = self->mids[i].mid;
            return true;
        }
    }
    return false;
}

static double s_fill_price(const sim_t *self, const char *symbol)
{
    double mid;
    if (self->opt.has_price)
        return self->opt.price;
    if (s_mid_get(self, symbol, &mid))
        return s_round_to(mid, s_spec(symbol).digits);
    return SIM_DEFAULT_PRICE;
}

/*  Floating P/L of one position at the last known mid (0 without ticks). */
static double s_floating(const sim_t *self, const sim_position_t *p)
{
    double mid;
    if (!s_mid_get(self, p->symbol, &mid))
        return 0.0;
    sim_spec_t spec = s_spec(p->symbol);
    return (mid - p->open_price) * p->dir / spec.pip * spec.pip_value * p->lot;
}

static double s_profit_open(const sim_t *self)
{
    double sum = 0.0;
    for (size_t i = 0; i < self->pos_count; i++)
        sum += s_floating(self, &self->pos[i]);
    return sum;
}

static double s_equity(const sim_t *self)
{
    return s_round_to(self->balance + s_profit_open(self), 2);
}

/*  Roughly what MT5 shows for a USD account: notional in USD / leverage, summed. The
 *  notional is in the base currency: USD-based pairs (USDJPY) need no price, USD-quoted ones
 *  (EURUSD, XAUUSD) are priced in USD, crosses (EURJPY) count at about 1.2 USD per unit. */
static double s_margin(const sim_t *self)
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
        sum += p->lot * s_spec(p->symbol).contract * usd_per_unit / (double)self->opt.leverage;
    }
    return s_round_to(sum, 2);
}

/* ---------------------------------------------------------------- duplicate signal ids */

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int s_seen_grow(sim_t *self)
{
    size_t cap = self->seen_cap ? self->seen_cap * 2 : SIM_SEEN_INITIAL;
    char(*table)[BITTEN_ID_MAX + 1] = calloc(cap, sizeof *table);
    if (!table)
        return -1;
    for (size_t i = 0; i < self->seen_cap; i++) {
        if (!self->seen[i][0])
            continue;
        size_t j = s_hash(self->seen[i]) & (cap - 1);
        while (table[j][0])
            j = (j + 1) & (cap - 1);
        memcpy(table[j], self->seen[i], sizeof table[j]);
    }
    free(self->seen);
    self->seen = table;
    self->seen_cap = cap;
    return 0;
}

/*  Records id; returns true when it had been seen before. */
static bool s_seen_check_add(sim_t *self, const char *id)
{
    if ((self->seen_count + 1) * 10 >= self->seen_cap * 7 && s_seen_grow(self) != 0)
        return false; /* out of memory: stop counting, keep trading */
    size_t j = s_hash(id) & (self->seen_cap - 1);
    while (self->seen[j][0]) {
        if (strcmp(self->seen[j], id) == 0)
            return true;
        j = (j + 1) & (self->seen_cap - 1);
    }
    snprintf(self->seen[j], sizeof self->seen[j], "%s", id);
    self->seen_count++;
    return false;
}

/* ---------------------------------------------------------------- sending */

static void s_send_bytes(sim_t *self, const char *data, size_t len)
{
    if (!self->push)
        return;
    if (zmq_send(self->push, data, len, ZMQ_DONTWAIT) < 0) {
        self->n.send_failed++;
        s_log(self, SIM_WARN, "send.failed", "errno=%d error=\"%s\"", errno, zmq_strerror(errno));
    }
}

/*  Every outgoing frame goes through here, so --garbage-every sees them all. */
static void s_send(sim_t *self, const char *data, size_t len)
{
    self->n.frames_out++;
    if (self->opt.garbage_every > 0 && self->n.frames_out % self->opt.garbage_every == 0) {
        const char *junk = s_garbage[self->garbage_next++ % SIM_GARBAGE_COUNT];
        s_send_bytes(self, junk, strlen(junk));
        self->n.garbage_sent++;
    }
    s_send_bytes(self, data, len);
}

static void s_send_status(sim_t *self, bitten_ea_status_kind_t kind)
{
    bitten_ea_status_t st;
    memset(&st, 0, sizeof st);
    snprintf(st.uuid, sizeof st.uuid, "%s", self->opt.uuid);
    st.status = kind;
    snprintf(st.ea_version, sizeof st.ea_version, "%s", self->opt.ea_version);
    st.account = self->opt.account;
    st.has_account = true;
    snprintf(st.server, sizeof st.server, "%s", self->opt.server);
    st.timestamp = s_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_ea_status(&st, buf, sizeof buf);
    if (len < 0) {
        s_log(self, SIM_ERROR, "encode.failed", "frame=status");
        return;
    }
    s_send(self, buf, (size_t)len);
    self->n.status_sent++;
    s_log(self, SIM_INFO, "status.sent", "status=%s", bitten_ea_status_kind_str(kind));
}

static void s_send_handshake(sim_t *self)
{
    bitten_handshake_t hs;
    memset(&hs, 0, sizeof hs);
    snprintf(hs.uuid, sizeof hs.uuid, "%s", self->opt.uuid);
    hs.account = self->opt.account;
    hs.has_account = true;
    snprintf(hs.broker, sizeof hs.broker, "%s", self->opt.broker);
    snprintf(hs.server, sizeof hs.server, "%s", self->opt.server);
    snprintf(hs.symbols, sizeof hs.symbols, "%s", self->opt.symbols);
    hs.balance = s_round_to(self->balance, 2);
    hs.equity = s_equity(self);
    hs.has_balance = hs.has_equity = true;
    hs.timestamp = s_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_handshake(&hs, buf, sizeof buf);
    if (len < 0) {
        s_log(self, SIM_ERROR, "encode.failed", "frame=handshake");
        return;
    }
    s_send(self, buf, (size_t)len);
    s_log(self, SIM_INFO, "handshake.sent", "uuid=%s account=%" PRId64, hs.uuid, hs.account);
}

static void s_send_telemetry(sim_t *self)
{
    bitten_telemetry_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.uuid, sizeof t.uuid, "%s", self->opt.uuid);
    t.balance = s_round_to(self->balance, 2);
    t.equity = s_equity(self);
    t.margin = s_margin(self);
    t.free_margin = s_round_to(t.equity - t.margin, 2);
    t.profit = s_round_to(s_profit_open(self), 2);
    t.has_margin = t.has_free_margin = t.has_profit = true;
    if (t.margin > 0) {
        t.margin_level = s_round_to(t.equity / t.margin * 100.0, 2);
        t.has_margin_level = true;
    }
    t.positions = (int64_t)self->pos_count;
    t.has_positions = true;
    t.leverage = self->opt.leverage;
    t.has_leverage = true;
    snprintf(t.currency, sizeof t.currency, "USD");
    t.timestamp = s_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_telemetry(&t, buf, sizeof buf);
    if (len < 0) {
        s_log(self, SIM_ERROR, "encode.failed", "frame=telemetry");
        return;
    }
    s_send(self, buf, (size_t)len);
    self->n.telemetry_sent++;
    s_log(self, SIM_INFO, "telemetry.sent", "balance=%.2f equity=%.2f margin=%.2f positions=%zu",
          t.balance, t.equity, t.margin, self->pos_count);
}

static void s_send_heartbeat(sim_t *self)
{
    bitten_ea_heartbeat_t hb;
    memset(&hb, 0, sizeof hb);
    if (!self->opt.no_uuid_heartbeat)
        snprintf(hb.uuid, sizeof hb.uuid, "%s", self->opt.uuid);
    hb.balance = s_round_to(self->balance, 2);
    hb.equity = s_equity(self);
    hb.has_balance = hb.has_equity = true;
    hb.positions = (int64_t)self->pos_count;
    hb.has_positions = true;
    hb.timestamp = s_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_ea_heartbeat(&hb, buf, sizeof buf);
    if (len < 0) {
        s_log(self, SIM_ERROR, "encode.failed", "frame=heartbeat");
        return;
    }
    s_send(self, buf, (size_t)len);
    self->n.heartbeats_sent++;
    s_log(self, SIM_INFO, "heartbeat.sent", "positions=%zu", self->pos_count);
}

/*  Sends, delays or drops one trade_result, as the fault flags say. */
static void s_send_result(sim_t *self, const bitten_trade_result_t *r)
{
    const char *status = bitten_result_status_str(r->status);
    if (self->opt.drop_results) {
        self->n.results_dropped++;
        s_log(self, SIM_WARN, "result.dropped", "signal_id=%s status=%s", r->signal_id, status);
        return;
    }
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_trade_result(r, buf, sizeof buf);
    if (len < 0) {
        s_log(self, SIM_ERROR, "encode.failed", "frame=trade_result signal_id=%s", r->signal_id);
        return;
    }
    if (self->opt.delay_results_ms > 0) {
        if (self->out_head + self->out_count == self->out_cap) {
            if (self->out_head > 0) {
                memmove(self->outbox, self->outbox + self->out_head,
                        self->out_count * sizeof *self->outbox);
                self->out_head = 0;
            }
            if (self->out_count == self->out_cap) {
                size_t cap = self->out_cap ? self->out_cap * 2 : 64;
                sim_delayed_t *grown = realloc(self->outbox, cap * sizeof *grown);
                if (!grown) {
                    s_log(self, SIM_ERROR, "result.lost", "signal_id=%s error=oom", r->signal_id);
                    return;
                }
                self->outbox = grown;
                self->out_cap = cap;
            }
        }
        char *copy = malloc((size_t)len);
        if (!copy) {
            s_log(self, SIM_ERROR, "result.lost", "signal_id=%s error=oom", r->signal_id);
            return;
        }
        memcpy(copy, buf, (size_t)len);
        sim_delayed_t *d = &self->outbox[self->out_head + self->out_count++];
        d->due = s_mono() + self->opt.delay_results_ms;
        d->len = (size_t)len;
        d->data = copy;
        s_log(self, SIM_INFO, "result.delayed", "signal_id=%s status=%s delay_ms=%ld", r->signal_id,
              status, self->opt.delay_results_ms);
        return;
    }
    s_send(self, buf, (size_t)len);
    self->n.results_sent++;
    s_log(self, SIM_INFO, "result.sent", "signal_id=%s status=%s ticket=%" PRId64, r->signal_id,
          status, r->has_ticket ? r->ticket : (int64_t)0);
}

static void s_flush_outbox(sim_t *self, int64_t now, bool all)
{
    while (self->out_count > 0) {
        sim_delayed_t *d = &self->outbox[self->out_head];
        if (!all && d->due > now)
            break;
        s_send(self, d->data, d->len);
        self->n.results_sent++;
        s_log(self, SIM_INFO, "result.sent", "delayed=1 bytes=%zu", d->len);
        free(d->data);
        self->out_head++;
        self->out_count--;
    }
    if (self->out_count == 0)
        self->out_head = 0;
}

static void s_send_error(sim_t *self, const char *signal_id, const char *text)
{
    bitten_ea_error_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.uuid, sizeof e.uuid, "%s", self->opt.uuid);
    snprintf(e.signal_id, sizeof e.signal_id, "%s", signal_id ? signal_id : "");
    snprintf(e.error, sizeof e.error, "%s", text);
    e.timestamp = s_wall();
    char buf[SIM_FRAME_MAX];
    int len = bitten_encode_ea_error(&e, buf, sizeof buf);
    if (len < 0) {
        s_log(self, SIM_ERROR, "encode.failed", "frame=error");
        return;
    }
    s_send(self, buf, (size_t)len);
    self->n.errors_sent++;
    s_log(self, SIM_INFO, "error.sent", "signal_id=%s error=\"%s\"", e.signal_id, e.error);
}

/* ---------------------------------------------------------------- trading */

static void s_result_init(const sim_t *self, bitten_trade_result_t *r, const char *signal_id,
                          bitten_result_status_t status, const char *message)
{
    memset(r, 0, sizeof *r);
    snprintf(r->signal_id, sizeof r->signal_id, "%s", signal_id);
    snprintf(r->uuid, sizeof r->uuid, "%s", self->opt.uuid);
    snprintf(r->message, sizeof r->message, "%s", message);
    r->status = status;
    r->timestamp = s_wall();
}

static void s_result_account(const sim_t *self, bitten_trade_result_t *r)
{
    r->balance = s_round_to(self->balance, 2);
    r->equity = s_equity(self);
    r->margin = s_margin(self);
    r->has_balance = r->has_equity = r->has_margin = true;
}

static void s_reply_failed(sim_t *self, const bitten_signal_cmd_t *sig, const char *message)
{
    bitten_trade_result_t r;
    s_result_init(self, &r, sig->signal_id, BITTEN_RESULT_FAILED, message);
    s_result_account(self, &r);
    s_log(self, SIM_INFO, "trade.failed", "signal_id=%s symbol=%s reason=\"%s\"", sig->signal_id,
          sig->symbol, message);
    s_send_result(self, &r);
}

static void s_open(sim_t *self, const bitten_signal_cmd_t *sig)
{
    if (self->opt.reject_symbol && strcmp(self->opt.reject_symbol, sig->symbol) == 0) {
        char msg[BITTEN_TEXT_MAX + 1];
        snprintf(msg, sizeof msg, "Symbol %s is not tradable", sig->symbol);
        s_reply_failed(self, sig, msg);
        return;
    }
    if (self->opt.fail_rate > 0 && s_rng_unit(self) < self->opt.fail_rate) {
        s_reply_failed(self, sig, "Trade failed: simulated broker rejection (retcode 10006)");
        return;
    }
    if (self->pos_count == self->pos_cap) {
        size_t cap = self->pos_cap ? self->pos_cap * 2 : 16;
        sim_position_t *grown = realloc(self->pos, cap * sizeof *grown);
        if (!grown) {
            s_reply_failed(self, sig, "Trade failed: simulator out of memory");
            return;
        }
        self->pos = grown;
        self->pos_cap = cap;
    }
    sim_position_t *p = &self->pos[self->pos_count++];
    memset(p, 0, sizeof *p);
    p->ticket = self->next_ticket++;
    snprintf(p->symbol, sizeof p->symbol, "%s", sig->symbol);
    snprintf(p->signal_id, sizeof p->signal_id, "%s", sig->signal_id);
    p->dir = sig->action == BITTEN_ACTION_BUY ? 1 : -1;
    p->lot = sig->lot;
    p->open_price = s_fill_price(self, sig->symbol);
    p->sl = sig->sl;
    p->tp = sig->tp;
    p->opened_mono = s_mono();

    bitten_trade_result_t r;
    s_result_init(self, &r, sig->signal_id, BITTEN_RESULT_SUCCESS, "Trade executed successfully");
    r.ticket = p->ticket;
    r.has_ticket = true;
    r.price = p->open_price;
    r.has_price = true;
    r.lot = p->lot;
    r.has_lot = true;
    s_result_account(self, &r);
    s_log(self, SIM_INFO, "position.opened",
          "ticket=%" PRId64 " signal_id=%s symbol=%s side=%s lot=%.2f price=%.*f", p->ticket,
          p->signal_id, p->symbol, p->dir > 0 ? "buy" : "sell", p->lot, s_spec(p->symbol).digits,
          p->open_price);
    s_send_result(self, &r);
}

/*  Pips in the position's favour at the last replayed mid, or --close-move-pips without one. */
static double s_move_pips(const sim_t *self, const sim_position_t *p)
{
    double mid;
    if (!s_mid_get(self, p->symbol, &mid))
        return self->opt.close_move_pips;
    return (mid - p->open_price) * p->dir / s_spec(p->symbol).pip;
}

/*  Closes pos[index] at the market (the last replayed mid; --close-move-pips from the fill when
 *  no ticks are replayed), capped by its sl/tp as a broker would fill them, and reports it. */
static double s_close_at(sim_t *self, size_t index, const char *why)
{
    sim_position_t p = self->pos[index];
    sim_spec_t spec = s_spec(p.symbol);
    double move = s_move_pips(self, &p); /* pips in the position's favour */
    if (p.tp > 0 && move > (double)p.tp / 10.0)
        move = (double)p.tp / 10.0;
    if (p.sl > 0 && -move > (double)p.sl / 10.0)
        move = -(double)p.sl / 10.0;
    double close_price = s_round_to(p.open_price + p.dir * move * spec.pip, spec.digits);
    double profit = s_round_to(move * spec.pip_value * p.lot, 2);
    self->balance += profit;
    memmove(self->pos + index, self->pos + index + 1,
            (self->pos_count - index - 1) * sizeof *self->pos);
    self->pos_count--;
    self->n.closed++;

    char msg[BITTEN_TEXT_MAX + 1];
    snprintf(msg, sizeof msg, "Position closed (%s)", why);
    bitten_trade_result_t r;
    s_result_init(self, &r, p.signal_id, BITTEN_RESULT_CLOSED, msg);
    r.ticket = p.ticket;
    r.has_ticket = true;
    r.price = p.open_price;
    r.has_price = true;
    r.close_price = close_price;
    r.has_close_price = true;
    r.profit = profit;
    r.has_profit = true;
    r.lot = p.lot;
    r.has_lot = true;
    s_result_account(self, &r);
    s_log(self, SIM_INFO, "position.closed",
          "ticket=%" PRId64 " signal_id=%s symbol=%s profit=%.2f close_price=%.*f balance=%.2f "
          "why=%s",
          p.ticket, p.signal_id, p.symbol, profit, spec.digits, close_price, self->balance, why);
    s_send_result(self, &r);
    return profit;
}

/*  close / close_all: closes matching positions, then answers the close signal itself. */
static void s_close(sim_t *self, const bitten_signal_cmd_t *sig)
{
    bool all = sig->action == BITTEN_ACTION_CLOSE_ALL;
    size_t closed = 0;
    double lots = 0.0;
    for (size_t i = 0; i < self->pos_count;) {
        if (all || strcmp(self->pos[i].symbol, sig->symbol) == 0) {
            lots += self->pos[i].lot;
            s_close_at(self, i, all ? "close_all" : "close");
            closed++;
        } else {
            i++;
        }
    }
    if (self->opt.no_close_ack)
        return;
    char msg[BITTEN_TEXT_MAX + 1];
    if (closed == 0) {
        snprintf(msg, sizeof msg, "No open positions%s%s", all ? "" : " on ",
                 all ? "" : sig->symbol);
        s_reply_failed(self, sig, msg);
        return;
    }
    snprintf(msg, sizeof msg, "Closed %zu position(s)", closed);
    bitten_trade_result_t r;
    s_result_init(self, &r, sig->signal_id, BITTEN_RESULT_SUCCESS, msg);
    r.lot = s_round_to(lots, 2);
    r.has_lot = true;
    s_result_account(self, &r);
    s_send_result(self, &r);
}

static void s_auto_close(sim_t *self, int64_t now)
{
    if (self->opt.auto_close_s <= 0)
        return;
    int64_t hold = (int64_t)(self->opt.auto_close_s * 1000.0);
    for (size_t i = 0; i < self->pos_count;) {
        if (now - self->pos[i].opened_mono >= hold)
            s_close_at(self, i, "auto_close");
        else
            i++;
    }
}

/* ---------------------------------------------------------------- command frames */

static void s_on_signal(sim_t *self, const bitten_signal_cmd_t *sig)
{
    self->n.signals++;
    bool dup = s_seen_check_add(self, sig->signal_id);
    s_log(self, SIM_INFO, "signal.received",
          "signal_id=%s symbol=%s action=%s lot=%.2f sl=%" PRId64 " tp=%" PRId64 " uuid=%s",
          sig->signal_id, sig->symbol, bitten_action_str(sig->action), sig->lot, sig->sl, sig->tp,
          sig->uuid);
    if (dup) {
        self->n.duplicates++;
        s_log(self, SIM_WARN, "signal.duplicate", "signal_id=%s executing=1", sig->signal_id);
    }
    if (self->opt.only_uuid && sig->uuid[0] && strcmp(sig->uuid, self->opt.uuid) != 0) {
        self->n.ignored++;
        s_log(self, SIM_INFO, "signal.ignored", "signal_id=%s uuid=%s", sig->signal_id, sig->uuid);
        return;
    }
    if (self->opt.honor_expiry && sig->expires_at > 0 && s_wall() > sig->expires_at) {
        s_reply_failed(self, sig, "Signal expired");
        return;
    }
    switch (sig->action) {
    case BITTEN_ACTION_BUY:
    case BITTEN_ACTION_SELL:
        s_open(self, sig);
        break;
    case BITTEN_ACTION_CLOSE:
    case BITTEN_ACTION_CLOSE_ALL:
        s_close(self, sig);
        break;
    }
}

static void s_on_ea_command(sim_t *self, const bitten_ea_command_t *cmd)
{
    switch (cmd->command) {
    case BITTEN_EA_CMD_STATUS:
        s_log(self, SIM_INFO, "command.received", "command=status");
        s_send_status(self, BITTEN_EA_STATUS_CONFIG);
        s_send_telemetry(self);
        break;
    case BITTEN_EA_CMD_RESET:
        s_log(self, SIM_INFO, "command.received", "command=reset");
        s_send_status(self, BITTEN_EA_STATUS_RESET);
        break;
    case BITTEN_EA_CMD_SHUTDOWN:
        s_log(self, SIM_INFO, "command.received", "command=shutdown");
        self->stop = true; /* the exit path sends status "shutdown" */
        self->stop_why = "shutdown_command";
        break;
    }
}

/*  Best effort: the signal_id of a frame the codec refused, for the error frame. */
static void s_peek_signal_id(const char *data, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    json_t *root = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, NULL);
    if (!root)
        return;
    const char *id = json_string_value(json_object_get(root, "signal_id"));
    if (id && bitten_valid_id(id))
        snprintf(out, size, "%s", id);
    json_decref(root);
}

static void s_on_command_frame(sim_t *self, const char *data, size_t len)
{
    self->last_heard = s_mono();
    bitten_decode_error_t err;
    memset(&err, 0, sizeof err);
    if (bitten_decode(BITTEN_DIR_COMMAND, data, len, &self->dopts, self->frame, &err) != 0) {
        self->n.invalid_frames++;
        char id[BITTEN_ID_MAX + 1];
        s_peek_signal_id(data, len, id, sizeof id);
        char text[BITTEN_TEXT_MAX + 1];
        snprintf(text, sizeof text, "Invalid signal parameters: %s%s%s",
                 bitten_reason_str(err.reason), err.field[0] ? " " : "", err.field);
        for (char *q = err.detail; *q; q++) /* keep the log line parseable */
            if (*q == '"' || *q == '\n')
                *q = '\'';
        s_log(self, SIM_WARN, "frame.invalid", "reason=%s field=%s detail=\"%s\" bytes=%zu",
              bitten_reason_str(err.reason), err.field, err.detail, len);
        s_send_error(self, id, text);
        return;
    }
    const bitten_frame_t *f = self->frame;
    switch (f->type) {
    case BITTEN_FRAME_SIGNAL:
        s_on_signal(self, &f->u.signal);
        break;
    case BITTEN_FRAME_HEARTBEAT:
        self->n.keepalives++;
        s_log(self, SIM_INFO, "keepalive.received", "count=%ld", self->n.keepalives);
        break;
    case BITTEN_FRAME_PING: {
        bitten_pong_t pong;
        memset(&pong, 0, sizeof pong);
        snprintf(pong.uuid, sizeof pong.uuid, "%s", self->opt.uuid);
        snprintf(pong.ping_id, sizeof pong.ping_id, "%s", f->u.ping.ping_id);
        pong.timestamp = s_wall();
        char buf[SIM_FRAME_MAX];
        int n = bitten_encode_pong(&pong, buf, sizeof buf);
        if (n < 0) {
            s_log(self, SIM_ERROR, "encode.failed", "frame=pong");
            break;
        }
        s_send(self, buf, (size_t)n);
        self->n.pings++;
        s_log(self, SIM_INFO, "ping.answered", "ping_id=%s", pong.ping_id);
        break;
    }
    case BITTEN_FRAME_COMMAND:
        s_on_ea_command(self, &f->u.command);
        break;
    case BITTEN_FRAME_CONFIG:
        s_log(self, SIM_INFO, "config.received", "param=%s value=%g",
              f->u.config.param == BITTEN_EA_PARAM_MAGIC_NUMBER ? "magic_number" : "slippage",
              f->u.config.value);
        s_send_status(self, BITTEN_EA_STATUS_CONFIG);
        break;
    default:
        /* the codec should not hand us feedback types on the command channel */
        self->n.invalid_frames++;
        s_send_error(self, NULL, "Invalid signal parameters: UNKNOWN_TYPE type");
        break;
    }
}

static void s_drain_commands(sim_t *self)
{
    for (int i = 0; i < SIM_DRAIN_MAX && !self->stop; i++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, self->pull, ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(&msg);
            if (e != EAGAIN && e != EINTR)
                s_log(self, SIM_WARN, "recv.failed", "error=\"%s\"", zmq_strerror(e));
            return;
        }
        s_on_command_frame(self, zmq_msg_data(&msg), zmq_msg_size(&msg));
        zmq_msg_close(&msg);
    }
}

/* ---------------------------------------------------------------- sockets */

static void s_sockets_close(sim_t *self)
{
    if (self->pull)
        zmq_close(self->pull);
    if (self->push)
        zmq_close(self->push);
    self->pull = self->push = NULL;
}

/*  CURVE client: the server's public key, and this EA's own key pair (its certificate's
 *  metadata names the account bittend will hold it to). */
static int s_curve_apply(sim_t *self, void *sock)
{
    zcert_t *server = zcert_load(self->opt.curve_server);
    zcert_t *mine = self->opt.curve_cert ? zcert_load(self->opt.curve_cert) : NULL;
    int rc = -1;
    if (server && mine) {
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, zcert_public_key(server), 32);
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, zcert_public_key(mine), 32);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, zcert_secret_key(mine), 32);
        rc = 0;
    } else
        s_log(self, SIM_ERROR, "curve.failed", "server_cert=%s cert=%s", self->opt.curve_server,
              self->opt.curve_cert ? self->opt.curve_cert : "-");
    zcert_destroy(&server);
    zcert_destroy(&mine);
    return rc;
}

static void *s_socket(sim_t *self, int type, const char *endpoint)
{
    void *sock = zmq_socket(self->ctx, type);
    if (!sock)
        return NULL;
    int linger = SIM_LINGER_MS;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (self->opt.curve_server && s_curve_apply(self, sock) != 0) {
        zmq_close(sock);
        return NULL;
    }
    if (zmq_connect(sock, endpoint) != 0) {
        s_log(self, SIM_ERROR, "connect.failed", "endpoint=%s error=\"%s\"", endpoint,
              zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

static int s_sockets_open(sim_t *self)
{
    self->pull = s_socket(self, ZMQ_PULL, self->opt.command_ep);
    self->push =
        s_socket(self, self->opt.feedback_push ? ZMQ_PUSH : ZMQ_PUB, self->opt.feedback_ep);
    if (!self->pull || !self->push) {
        s_sockets_close(self);
        return -1;
    }
    return 0;
}

/*  EA v7: nothing heard on the command channel for a while -> tear down and reconnect. */
static int s_reconnect(sim_t *self, int64_t now)
{
    s_log(self, SIM_WARN, "reconnect", "silent_s=%.1f", (double)(now - self->last_heard) / 1000.0);
    s_sockets_close(self);
    if (s_sockets_open(self) != 0)
        return -1;
    self->n.reconnects++;
    self->last_heard = now;
    self->reconnected_due = now + SIM_STARTUP_DELAY_MS;
    return 0;
}

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

/*  One CSV bar -> four ticks into the pool: open, then low and high (low first when
 *  bullish, high first when bearish), then close, at 0/15/30/45 s into the bar. */
static int s_csv_bar(sim_t *self, const char *line)
{
    char time_text[64], symbol[BITTEN_SYMBOL_MAX + 1];
    double o, h, l, c, v = 0.0;
    int got =
        sscanf(line, " %63[^,],%16[^,],%lf,%lf,%lf,%lf,%lf", time_text, symbol, &o, &h, &l, &c, &v);
    if (got < 6 || !bitten_valid_symbol(symbol) || !(o > 0 && h > 0 && l > 0 && c > 0))
        return -1;
    char *end;
    double secs = strtod(time_text, &end);
    bitten_ms_t bar =
        *end == '\0' ? bitten_time_from_epoch(secs) : bitten_parse_time_str(time_text, 0);
    if (bar < 0)
        return -1;
    if (self->opt.rebase_weeks && !self->ticks.rebased) {
        //  Whole weeks keep weekdays and sessions (VENOM and CITADEL read them from market
        //  time); the first bar lands within the week after now, so nothing looks expired.
        const int64_t week_ms = 7LL * 24 * 3600 * 1000;
        int64_t behind = s_wall() - bar;
        self->ticks.csv_shift_ms += behind > 0 ? ((behind + week_ms - 1) / week_ms) * week_ms : 0;
        self->ticks.rebased = true;
    }
    sim_spec_t spec = s_spec(symbol);
    double prices[4] = {o, c >= o ? l : h, c >= o ? h : l, c};
    double spread = spec.spread_pips * spec.pip;
    for (int i = 0; i < 4; i++) {
        bitten_tick_t t;
        memset(&t, 0, sizeof t);
        snprintf(t.uuid, sizeof t.uuid, "%s", self->opt.uuid);
        snprintf(t.symbol, sizeof t.symbol, "%s", symbol);
        t.bid = s_round_to(prices[i] - spread / 2.0, spec.digits);
        t.ask = s_round_to(t.bid + spread, spec.digits);
        t.spread = spec.spread_pips * 10.0; /* points */
        t.has_spread = true;
        t.volume = v;
        t.timestamp = bar + self->ticks.csv_shift_ms + (bitten_ms_t)i * SIM_CSV_TICK_STEP_MS;
        if (s_pool_push(&self->ticks, &t) != 0)
            return -1;
    }
    self->ticks.bar_start = bar + self->ticks.csv_shift_ms;
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
    tk->line_no = 0;
    s_log(self, SIM_INFO, "ticks.loop", "path=%s", self->opt.ticks_path);
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
        if (strncmp(line, "time,", 5) == 0)
            continue;
        if (s_csv_bar(self, line) != 0 && tk->passes == 0)
            s_log(self, SIM_WARN, "ticks.bad_line", "line=%ld", tk->line_no);
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
            tk->pass_base_mono = s_mono();
        }
        tk->last_ts = tk->pass_last_ts = tk->item.ts;
    }
    return true;
}

/*  When the loaded item is due, in monotonic ms. */
static int64_t s_ticks_due(const sim_t *self)
{
    const sim_ticks_t *tk = &self->ticks;
    if (self->opt.speed <= 0 || tk->item.ts < 0 || tk->pass_first_ts < 0)
        return 0;
    return tk->pass_base_mono +
           (int64_t)((double)(tk->item.ts - tk->pass_first_ts) / self->opt.speed);
}


/*  As a broker does: a replayed price that reaches a position's SL or TP closes it there. */
static void s_check_stops(sim_t *self, const char *symbol)
{
    for (size_t i = 0; i < self->pos_count;) {
        const sim_position_t *p = &self->pos[i];
        double move = strcmp(p->symbol, symbol) == 0 ? s_move_pips(self, p) : 0.0;
        bool hit_tp = p->tp > 0 && move >= (double)p->tp / 10.0;
        bool hit_sl = p->sl > 0 && -move >= (double)p->sl / 10.0;
        if (hit_tp || hit_sl)
            s_close_at(self, i, hit_tp ? "take_profit" : "stop_loss");
        else
            i++;
    }
}

static void s_ticks_send_item(sim_t *self)
{
    sim_tick_item_t *item = &self->ticks.item;
    if (item->raw) {
        s_send(self, item->line, item->line_len);
    } else {
        char buf[SIM_FRAME_MAX];
        int len = bitten_encode_tick(&item->tick, buf, sizeof buf);
        if (len < 0) {
            s_log(self, SIM_WARN, "encode.failed", "frame=tick symbol=%s", item->tick.symbol);
            return;
        }
        s_send(self, buf, (size_t)len);
    }
    if (item->has_tick) {
        s_mid_set(self, item->tick.symbol, (item->tick.bid + item->tick.ask) / 2.0);
        s_check_stops(self, item->tick.symbol);
    }
    self->n.ticks_sent++;
}

/*  Sends every item that is due, at most SIM_TICK_BURST per call. */
static void s_ticks_pump(sim_t *self, int64_t now)
{
    for (int i = 0; i < SIM_TICK_BURST; i++) {
        if (!s_ticks_load(self)) {
            if (self->ticks_on) {
                self->ticks_on = false;
                s_log(self, SIM_INFO, "ticks.done", "ticks_sent=%ld", self->n.ticks_sent);
            }
            return;
        }
        if (s_ticks_due(self) > now)
            return;
        s_ticks_send_item(self);
        self->ticks.has_item = false;
    }
}

static int s_ticks_open(sim_t *self)
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

/* ---------------------------------------------------------------- the loop */

static int64_t s_period_ms(double seconds)
{
    return (int64_t)(seconds * 1000.0);
}

static void s_on_startup(sim_t *self, int64_t now)
{
    self->startup_sent = true;
    s_send_status(self, BITTEN_EA_STATUS_STARTUP);
    s_send_handshake(self);
    if (self->opt.telemetry_s > 0) {
        s_send_telemetry(self);
        self->next_telemetry = now + s_period_ms(self->opt.telemetry_s);
    }
    if (self->opt.heartbeat_s > 0)
        self->next_heartbeat = now + s_period_ms(self->opt.heartbeat_s);
    for (int i = 0; i < self->opt.send_raw_count; i++) {
        s_send(self, self->opt.send_raw[i], strlen(self->opt.send_raw[i]));
        s_log(self, SIM_INFO, "raw.sent", "bytes=%zu", strlen(self->opt.send_raw[i]));
    }
}

/*  Everything time-driven, in one place; the poll timeout is derived from the same deadlines. */
static void s_cron(sim_t *self, int64_t now)
{
    if (!self->startup_sent) {
        if (now >= self->startup_due)
            s_on_startup(self, now);
        else
            return;
    }
    if (self->reconnected_due && now >= self->reconnected_due) {
        self->reconnected_due = 0;
        s_send_status(self, BITTEN_EA_STATUS_RECONNECTED);
        s_send_handshake(self);
    }
    if (self->opt.telemetry_s > 0 && now >= self->next_telemetry) {
        s_send_telemetry(self);
        self->next_telemetry = now + s_period_ms(self->opt.telemetry_s);
    }
    if (self->opt.heartbeat_s > 0 && now >= self->next_heartbeat) {
        s_send_heartbeat(self);
        self->next_heartbeat = now + s_period_ms(self->opt.heartbeat_s);
    }
    s_auto_close(self, now);
    s_flush_outbox(self, now, false);
    if (self->ticks_on)
        s_ticks_pump(self, now);
    if (self->opt.silence_reconnect_s > 0 &&
        now - self->last_heard >= s_period_ms(self->opt.silence_reconnect_s) &&
        s_reconnect(self, now) != 0) {
        self->stop = true;
        self->stop_why = "reconnect_failed";
    }
    if (self->opt.duration_s > 0 && now - self->start_mono >= s_period_ms(self->opt.duration_s)) {
        self->stop = true;
        self->stop_why = "duration";
    }
    if (self->opt.count_signals > 0 && self->n.signals >= self->opt.count_signals &&
        self->out_count == 0) {
        self->stop = true;
        self->stop_why = "count_signals";
    }
}

static void s_deadline(int64_t *best, int64_t when)
{
    if (when < *best)
        *best = when;
}

static long s_poll_timeout(const sim_t *self, int64_t now)
{
    int64_t next = now + SIM_POLL_MAX_MS;
    if (!self->startup_sent) {
        s_deadline(&next, self->startup_due);
    } else {
        if (self->reconnected_due)
            s_deadline(&next, self->reconnected_due);
        if (self->opt.telemetry_s > 0)
            s_deadline(&next, self->next_telemetry);
        if (self->opt.heartbeat_s > 0)
            s_deadline(&next, self->next_heartbeat);
        if (self->out_count > 0)
            s_deadline(&next, self->outbox[self->out_head].due);
        if (self->opt.auto_close_s > 0) {
            for (size_t i = 0; i < self->pos_count; i++)
                s_deadline(&next, self->pos[i].opened_mono + s_period_ms(self->opt.auto_close_s));
        }
        if (self->ticks_on) /* no item loaded yet: the burst limit was hit, continue now */
            s_deadline(&next, self->ticks.has_item ? s_ticks_due(self) : now);
    }
    if (self->opt.silence_reconnect_s > 0)
        s_deadline(&next, self->last_heard + s_period_ms(self->opt.silence_reconnect_s));
    if (self->opt.duration_s > 0)
        s_deadline(&next, self->start_mono + s_period_ms(self->opt.duration_s));
    return next <= now ? 0 : (long)(next - now);
}

static void s_run(sim_t *self)
{
    while (!self->stop) {
        int64_t now = s_mono();
        s_cron(self, now);
        if (self->stop)
            break;
        zmq_pollitem_t item = {self->pull, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&item, 1, s_poll_timeout(self, s_mono()));
        if (s_stop_signal) {
            self->stop = true;
            self->stop_why = s_stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
            break;
        }
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            s_log(self, SIM_ERROR, "poll.failed", "error=\"%s\"", zmq_strerror(errno));
            self->stop = true;
            self->stop_why = "poll_failed";
            break;
        }
        if (item.revents & ZMQ_POLLIN)
            s_drain_commands(self);
    }
}

/* ---------------------------------------------------------------- options */

static void s_usage(FILE *out)
{
    fputs(
        "usage: bitten-ea-sim [options]\n"
        "A simulated MT5 Expert Advisor speaking the bittend protocol (docs protocol.md).\n"
        "\n"
        "connection:\n"
        "  --command EP              command PULL connects here (tcp://127.0.0.1:5555)\n"
        "  --feedback EP             feedback socket connects here (tcp://127.0.0.1:5556)\n"
        "  --feedback-socket pub|push  feedback socket type (pub)\n"
        "  --silence-reconnect-s N   reconnect both sockets after N s without a command\n"
        "                            frame (120, 0 = off)\n"
        "account:\n"
        "  --uuid U                  account uuid (sim_ea_001)\n"
        "  --account N               MT5 account number (843859)\n"
        "  --balance B               starting balance, USD (10000)\n"
        "  --leverage N              leverage for margin (100)\n"
        "  --server NAME             (Sim-Demo)   --broker NAME (BITTEN Sim Broker)\n"
        "  --ea-version V            (7.0-sim)    --symbols LIST (handshake symbols)\n"
        "  --telemetry-s N           telemetry period (5, 0 = off)\n"
        "  --heartbeat-s N           heartbeat period (10, 0 = off)\n"
        "  --no-uuid-heartbeat       omit uuid in heartbeats, like EA v7\n"
        "trading:\n"
        "  --price P                 fill price (last tick mid of the symbol, else 1.10000)\n"
        "  --close-move-pips P       without replayed ticks: close P pips in the position's favour,\n"
        "                            capped by sl/tp (10); with ticks: at the market, and\n"
        "                            replayed prices that reach SL or TP close positions there\n"
        "  --auto-close-s N          close each position N s after its fill (0 = never)\n"
        "  --fail-rate X             answer 'failed' to this fraction of opens (0..1)\n"
        "  --seed N                  seed for --fail-rate (1)\n"
        "  --reject-symbol S         answer 'failed' to opens on symbol S\n"
        "  --honor-expiry            answer 'failed' to signals past their expires_at\n"
        "  --only-uuid               ignore signals whose uuid is another account's\n"
        "  --no-close-ack            no trade_result for the close signal itself\n"
        "security:\n"
        "  --curve-server FILE       CURVE: the server's public certificate (bittenctl keygen)\n"
        "  --curve-cert FILE         CURVE: this EA's secret certificate (its uuid in metadata)\n"
        "ticks:\n"
        "  --ticks FILE              replay JSON-lines tick frames (raw) or CSV candles\n"
        "                            time,symbol,open,high,low,close,volume (4 ticks a bar)\n"
        "  --speed X                 replay speed factor (1, 0 = as fast as possible)\n"
        "  --loop                    restart the replay at the end of the file\n"
        "  --rebase-weeks            csv: shift the recorded times by whole weeks into the\n"
        "                            present (keeps weekdays and sessions)\n"
        "faults:\n"
        "  --drop-results            never send trade_result frames\n"
        "  --delay-results-ms N      send trade_result frames N ms late\n"
        "  --garbage-every N         precede every N-th outgoing frame with a garbage frame\n"
        "  --send-raw STRING         send STRING as a frame after startup (up to 16 times)\n"
        "run control:\n"
        "  --duration-s N            exit after N s (0 = until SIGINT/SIGTERM)\n"
        "  --count-signals N         exit after N signals handled\n"
        "  --quiet                   log warnings and errors only\n"
        "  -h, --help                this text\n"
        "\n"
        "Logs go to stderr, one logfmt line per event. At exit the last line on stdout is a\n"
        "JSON summary: signals, duplicates, keepalives, pings, results_sent, closed, ...\n",
        out);
}

static int s_bad_arg(const char *what, const char *name, const char *value)
{
    fprintf(stderr, "bitten-ea-sim: %s %s%s%s%s (see --help)\n", what, name, value ? " '" : "",
            value ? value : "", value ? "'" : "");
    return -1;
}

static int s_parse_num(const char *name, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v) || v < lo || v > hi)
        return s_bad_arg("bad value for", name, text);
    *out = v;
    return 0;
}

static int s_parse_int(const char *name, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < lo || v > hi)
        return s_bad_arg("bad value for", name, text);
    *out = (long)v;
    return 0;
}

static void s_opts_default(sim_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->command_ep = "tcp://127.0.0.1:5555";
    o->feedback_ep = "tcp://127.0.0.1:5556";
    o->uuid = "sim_ea_001";
    o->account = 843859;
    o->balance = 10000.0;
    o->leverage = 100;
    o->server = "Sim-Demo";
    o->broker = "BITTEN Sim Broker";
    o->ea_version = "7.0-sim";
    o->symbols = "EURUSD,GBPUSD,USDJPY,USDCHF,AUDUSD,USDCAD,NZDUSD,EURJPY,GBPJPY,XAUUSD";
    o->telemetry_s = 5.0;
    o->heartbeat_s = 10.0;
    o->silence_reconnect_s = 120.0;
    o->close_move_pips = 10.0;
    o->seed = 1;
    o->speed = 1.0;
}

static bool s_takes_value(const char *name)
{
    static const char *const names[] = {"--command",
                                        "--feedback",
                                        "--feedback-socket",
                                        "--uuid",
                                        "--account",
                                        "--balance",
                                        "--leverage",
                                        "--server",
                                        "--broker",
                                        "--ea-version",
                                        "--symbols",
                                        "--telemetry-s",
                                        "--heartbeat-s",
                                        "--silence-reconnect-s",
                                        "--price",
                                        "--close-move-pips",
                                        "--auto-close-s",
                                        "--fail-rate",
                                        "--seed",
                                        "--reject-symbol",
                                        "--curve-server",
                                        "--curve-cert",
                                        "--ticks",
                                        "--speed",
                                        "--delay-results-ms",
                                        "--garbage-every",
                                        "--send-raw",
                                        "--duration-s",
                                        "--count-signals"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/*  Returns 0 to run, 1 after --help, -1 on a bad argument (one line already printed). */
static int s_parse_args(int argc, char **argv, sim_opts_t *o)
{
    s_opts_default(o);
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        const char *val = NULL;
        if (strncmp(arg, "--", 2) == 0 && eq && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
        }
        /* flags */
        bool *flag = NULL;
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            s_usage(stdout);
            return 1;
        } else if (strcmp(name, "--no-uuid-heartbeat") == 0) {
            flag = &o->no_uuid_heartbeat;
        } else if (strcmp(name, "--loop") == 0) {
            flag = &o->loop;
        } else if (strcmp(name, "--rebase-weeks") == 0) {
            flag = &o->rebase_weeks;
        } else if (strcmp(name, "--drop-results") == 0) {
            flag = &o->drop_results;
        } else if (strcmp(name, "--quiet") == 0) {
            flag = &o->quiet;
        } else if (strcmp(name, "--honor-expiry") == 0) {
            flag = &o->honor_expiry;
        } else if (strcmp(name, "--only-uuid") == 0) {
            flag = &o->only_uuid;
        } else if (strcmp(name, "--no-close-ack") == 0) {
            flag = &o->no_close_ack;
        }
        if (flag) {
            if (val)
                return s_bad_arg("option takes no value:", name, NULL);
            *flag = true;
            continue;
        }
        /* options with a value */
        if (!s_takes_value(name))
            return s_bad_arg(strncmp(name, "--", 2) == 0 ? "unknown option" : "unknown argument",
                             name, NULL);
        if (!val) {
            if (i + 1 >= argc)
                return s_bad_arg("missing value for", name, NULL);
            val = argv[++i];
        }
        double d;
        long l;
        if (strcmp(name, "--command") == 0) {
            o->command_ep = val;
        } else if (strcmp(name, "--feedback") == 0) {
            o->feedback_ep = val;
        } else if (strcmp(name, "--feedback-socket") == 0) {
            if (strcmp(val, "push") != 0 && strcmp(val, "pub") != 0)
                return s_bad_arg("bad value for", name, val);
            o->feedback_push = strcmp(val, "push") == 0;
        } else if (strcmp(name, "--uuid") == 0) {
            if (!bitten_valid_id(val))
                return s_bad_arg("bad value for", name, val);
            o->uuid = val;
        } else if (strcmp(name, "--account") == 0) {
            if (s_parse_int(name, val, 0, 2000000000L, &l) != 0)
                return -1;
            o->account = l;
        } else if (strcmp(name, "--balance") == 0) {
            if (s_parse_num(name, val, 0, 1e12, &o->balance) != 0)
                return -1;
        } else if (strcmp(name, "--leverage") == 0) {
            if (s_parse_int(name, val, 1, 10000, &o->leverage) != 0)
                return -1;
        } else if (strcmp(name, "--server") == 0) {
            o->server = val;
        } else if (strcmp(name, "--broker") == 0) {
            o->broker = val;
        } else if (strcmp(name, "--ea-version") == 0) {
            o->ea_version = val;
        } else if (strcmp(name, "--symbols") == 0) {
            o->symbols = val;
        } else if (strcmp(name, "--telemetry-s") == 0) {
            if (s_parse_num(name, val, 0, 86400, &o->telemetry_s) != 0)
                return -1;
        } else if (strcmp(name, "--heartbeat-s") == 0) {
            if (s_parse_num(name, val, 0, 86400, &o->heartbeat_s) != 0)
                return -1;
        } else if (strcmp(name, "--silence-reconnect-s") == 0) {
            if (s_parse_num(name, val, 0, 86400, &o->silence_reconnect_s) != 0)
                return -1;
        } else if (strcmp(name, "--price") == 0) {
            if (s_parse_num(name, val, 1e-9, 1e9, &o->price) != 0)
                return -1;
            o->has_price = true;
        } else if (strcmp(name, "--close-move-pips") == 0) {
            if (s_parse_num(name, val, -100000, 100000, &o->close_move_pips) != 0)
                return -1;
        } else if (strcmp(name, "--auto-close-s") == 0) {
            if (s_parse_num(name, val, 0, 86400 * 365.0, &o->auto_close_s) != 0)
                return -1;
        } else if (strcmp(name, "--fail-rate") == 0) {
            if (s_parse_num(name, val, 0, 1, &o->fail_rate) != 0)
                return -1;
        } else if (strcmp(name, "--seed") == 0) {
            if (s_parse_num(name, val, 0, 9007199254740992.0, &d) != 0)
                return -1;
            if (d != floor(d))
                return s_bad_arg("bad value for", name, val);
            o->seed = (uint64_t)d;
        } else if (strcmp(name, "--curve-server") == 0) {
            o->curve_server = val;
        } else if (strcmp(name, "--curve-cert") == 0) {
            o->curve_cert = val;
        } else if (strcmp(name, "--reject-symbol") == 0) {
            o->reject_symbol = val;
        } else if (strcmp(name, "--ticks") == 0) {
            o->ticks_path = val;
        } else if (strcmp(name, "--speed") == 0) {
            if (s_parse_num(name, val, 0, 1e9, &o->speed) != 0)
                return -1;
        } else if (strcmp(name, "--delay-results-ms") == 0) {
            if (s_parse_int(name, val, 0, 3600000L, &o->delay_results_ms) != 0)
                return -1;
        } else if (strcmp(name, "--garbage-every") == 0) {
            if (s_parse_int(name, val, 0, 1000000000L, &o->garbage_every) != 0)
                return -1;
        } else if (strcmp(name, "--send-raw") == 0) {
            if (o->send_raw_count == SIM_RAW_MAX)
                return s_bad_arg("too many", name, NULL);
            o->send_raw[o->send_raw_count++] = val;
        } else if (strcmp(name, "--duration-s") == 0) {
            if (s_parse_num(name, val, 0, 86400 * 365.0, &o->duration_s) != 0)
                return -1;
        } else if (strcmp(name, "--count-signals") == 0) {
            if (s_parse_int(name, val, 0, 2000000000L, &o->count_signals) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- main */

static void s_on_signal_handler(int signo)
{
    s_stop_signal = signo;
}

static void s_print_summary(const sim_t *self)
{
    const sim_counters_t *n = &self->n;
    printf("{\"signals\":%ld,\"duplicates\":%ld,\"keepalives\":%ld,\"pings\":%ld,"
           "\"results_sent\":%ld,\"closed\":%ld,\"errors_sent\":%ld,\"ticks_sent\":%ld,"
           "\"telemetry_sent\":%ld,\"garbage_sent\":%ld,\"heartbeats_sent\":%ld,"
           "\"status_sent\":%ld,\"results_dropped\":%ld,\"invalid_frames\":%ld,\"ignored\":%ld,"
           "\"reconnects\":%ld,\"send_failed\":%ld,\"open_positions\":%zu,\"balance\":%.2f}\n",
           n->signals, n->duplicates, n->keepalives, n->pings, n->results_sent, n->closed,
           n->errors_sent, n->ticks_sent, n->telemetry_sent, n->garbage_sent, n->heartbeats_sent,
           n->status_sent, n->results_dropped, n->invalid_frames, n->ignored, n->reconnects,
           n->send_failed, self->pos_count, s_round_to(self->balance, 2));
    fflush(stdout);
}

static void s_sim_destroy(sim_t *self)
{
    s_sockets_close(self);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    self->ctx = NULL;
    for (size_t i = 0; i < self->out_count; i++)
        free(self->outbox[self->out_head + i].data);
    free(self->outbox);
    free(self->pos);
    free(self->seen);
    free(self->frame);
    if (self->ticks.fp)
        fclose(self->ticks.fp);
    free(self->ticks.item.line);
    free(self->ticks.pool);
    free(self->ticks.pool_seq);
}

int main(int argc, char **argv)
{
    sim_t sim;
    memset(&sim, 0, sizeof sim);
    int rc = s_parse_args(argc, argv, &sim.opt);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    sim_t *self = &sim;
    self->balance = self->opt.balance;
    self->next_ticket = SIM_FIRST_TICKET;
    self->rng = self->opt.seed;
    self->dopts.max_frame_bytes = SIM_DECODE_MAX;
    self->frame = calloc(1, sizeof *self->frame);
    if (!self->frame || s_seen_grow(self) != 0) {
        fprintf(stderr, "bitten-ea-sim: out of memory\n");
        s_sim_destroy(self);
        return 1;
    }
    if (self->opt.ticks_path && s_ticks_open(self) != 0) {
        fprintf(stderr, "bitten-ea-sim: cannot open --ticks '%s': %s\n", self->opt.ticks_path,
                strerror(errno));
        s_sim_destroy(self);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: zmq_poll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    self->ctx = zmq_ctx_new();
    if (!self->ctx || s_sockets_open(self) != 0) {
        fprintf(stderr, "bitten-ea-sim: cannot create sockets\n");
        s_sim_destroy(self);
        return 1;
    }
    self->start_mono = self->last_heard = s_mono();
    self->startup_due = self->start_mono + SIM_STARTUP_DELAY_MS;
    s_log(self, SIM_INFO, "ea_sim.start",
          "uuid=%s command=%s feedback=%s feedback_socket=%s balance=%.2f ea_version=%s "
          "ticks=%s",
          self->opt.uuid, self->opt.command_ep, self->opt.feedback_ep,
          self->opt.feedback_push ? "push" : "pub", self->balance, self->opt.ea_version,
          self->opt.ticks_path ? self->opt.ticks_path : "-");

    s_run(self);

    if (self->startup_sent && !self->shutdown_sent) {
        s_flush_outbox(self, s_mono(), true);
        s_send_status(self, BITTEN_EA_STATUS_SHUTDOWN);
        self->shutdown_sent = true;
    }
    s_log(self, SIM_INFO, "ea_sim.stop", "why=%s signals=%ld duplicates=%ld",
          self->stop_why ? self->stop_why : "-", self->n.signals, self->n.duplicates);
    s_sim_destroy(self);
    s_print_summary(self);
    return 0;
}
