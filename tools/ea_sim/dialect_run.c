/*  dialect_run.c: bitten-ea-sim --dialect v7|v2.05|v2.02: the sockets, frames, clocks and
 *  command handling of the real EAs, written from their source facts (ea-dialects.md).
 *  The market is synthetic: every monitored symbol quotes its recorded bid (--price for the
 *  chart symbol) every --quote-ms while the market is open; the server clock (TimeCurrent())
 *  is the last quote's time, UTC + --server-offset-s, and stands still with --market-closed. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "dialect.h"
#include "ea_json.h"
#include "sim.h"

#define S_QUOTES_MAX 64
#define S_OUT_MAX 12288       /* a frame may embed a 4096-byte command value */
#define S_V7_TIMER_MS 100     /* EventSetMillisecondTimer(100) */
#define S_V7_RCVTIMEO_MS 1000 /* ZMQ_RCVTIMEO on the command PULL */
#define S_V7_SILENCE_S 120    /* no frame received for this long: reconnect */
#define S_V7_CANDLES_S 5      /* candle_batch cadence */
#define S_V2_TIMER_MS 1000    /* EventSetTimer(1) */
#define S_V2_OHLC_S 60
#define S_V2_LINGER_MS 1000 /* the real v2.x lingers for ever (-1); the sim gives up */
#define S_V7_MAGIC 20250101
#define S_V2_MAGIC 7176191872LL

typedef struct {
    char wire[BITTEN_SYMBOL_MAX + 1]; /* the broker's name: canonical + suffix */
    const bitten_symbol_t *spec;
    double bid, ask;
    int64_t time_s;     /* server time of the last quote */
    int64_t timer_sent; /* v2.x OnTimer: the quote time last sent as TICK */
} s_quote_t;

typedef struct {
    sim_t *sim;
    sim_dialect_t d;
    ea_json_flavor_t fl;
    void *cmd, *fb, *confirm;
    s_quote_t q[S_QUOTES_MAX];
    size_t nq;
    int64_t now_s; /* TimeCurrent() */
    int64_t last_hb_s, last_candles_s, last_ohlc_s, last_recv_s, ontick_sent_s;
    int64_t next_quote_mono, next_timer_mono, start_mono;
    bool tick_pending, shutdown_requested;
    long ticks_processed, messages_received, messages_sent, trades_executed, errors;
    char node_id[64], broker[BITTEN_TEXT_MAX + 1], server[BITTEN_TEXT_MAX + 1];
} s_ea_t;

/* ---------------------------------------------------------------- sending */

static void s_send(s_ea_t *ea, void *sock, const char *text)
{
    if (!sock)
        return;
    //  Every EA send is blocking (flags 0); a signal interrupts it.
    if (zmq_send(sock, text, strlen(text), 0) < 0) {
        ea->sim->n.send_failed++;
        sim_log(ea->sim, SIM_WARN, "send.failed", "error=\"%s\"", zmq_strerror(errno));
        return;
    }
    ea->messages_sent++;
    ea->sim->n.frames_out++;
}

static void s_fmt(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, S_OUT_MAX, fmt, ap);
    va_end(ap);
}

static void s_ts(const s_ea_t *ea, char *out)
{
    sim_server_time_str(ea->now_s, out, 32);
}

static double s_balance(const s_ea_t *ea)
{
    return sim_round_to(ea->sim->balance, 2);
}

static double s_free_margin(const s_ea_t *ea)
{
    return sim_equity(ea->sim) - sim_margin(ea->sim);
}

static double s_margin_level(const s_ea_t *ea)
{
    double m = sim_margin(ea->sim);
    return m > 0 ? sim_equity(ea->sim) / m * 100.0 : 0.0;
}

/*  A v7 `%d` of a 64-bit value: MQL5 prints the low 32 bits as signed (ea-dialects.md §2.1). */
static int s_d32(int64_t v)
{
    return (int)(int32_t)(uint32_t)(uint64_t)v;
}

/* ---------------------------------------------------------------- the market */

static s_quote_t *s_quote(s_ea_t *ea, const char *wire)
{
    for (size_t i = 0; i < ea->nq; i++)
        if (strcmp(ea->q[i].wire, wire) == 0)
            return &ea->q[i];
    return NULL;
}

static int s_market_init(s_ea_t *ea)
{
    const sim_opts_t *o = &ea->sim->opt;
    const char *p = o->symbols;
    while (*p && ea->nq < S_QUOTES_MAX) {
        size_t n = strcspn(p, ",");
        char canon[BITTEN_SYMBOL_MAX + 1];
        if (n == 0 || n > BITTEN_SYMBOL_MAX) {
            p += n + (p[n] == ',');
            continue;
        }
        memcpy(canon, p, n);
        canon[n] = '\0';
        p += n + (p[n] == ',');
        s_quote_t *q = &ea->q[ea->nq];
        memset(q, 0, sizeof *q);
        if (snprintf(q->wire, sizeof q->wire, "%s%s", canon, o->symbol_suffix) >=
            (int)sizeof q->wire)
            continue;
        q->spec = sim_spec(ea->sim, q->wire);
        const sim_broker_symbol_t *b = sim_broker_symbol(canon);
        double bid = b ? b->bid : SIM_DEFAULT_PRICE;
        if (ea->nq == 0 && o->has_price)
            bid = o->price;
        q->timer_sent = -1;
        q->time_s = -1;
        ea->nq++;
        if (o->ticks_path)
            continue; /* no quote before the replay gives one */
        q->bid = sim_normalize(bid, q->spec->digits);
        q->ask = sim_normalize(q->bid + q->spec->typical_spread * q->spec->pip, q->spec->digits);
        q->time_s = ea->now_s;
        sim_mid_set(ea->sim, q->wire, (q->bid + q->ask) / 2.0);
    }
    return ea->nq > 0 ? 0 : -1;
}

/*  A new quote for every symbol at the present server time (the prices do not move). */
static void s_market_quote(s_ea_t *ea)
{
    ea->now_s = sim_wall() / 1000 + ea->sim->opt.server_offset_s;
    for (size_t i = 0; i < ea->nq; i++)
        ea->q[i].time_s = ea->now_s;
    ea->tick_pending = true;
}

/*  --ticks: the replayed ticks due now become the market's quotes. A symbol outside the
 *  Market Watch (--symbols) moves the clock only; a chart-symbol quote is an OnTick. */
static void s_market_replay(s_ea_t *ea, int64_t now_mono)
{
    bitten_tick_t t;
    for (int i = 0; i < SIM_TICK_BURST && sim_ticks_next(ea->sim, now_mono, &t); i++) {
        int64_t server_s = t.timestamp / 1000 + ea->sim->opt.server_offset_s;
        if (server_s > ea->now_s)
            ea->now_s = server_s; /* TimeCurrent(): the last quote, never backwards */
        char wire[BITTEN_SYMBOL_MAX + 8];
        snprintf(wire, sizeof wire, "%s%s", t.symbol, ea->sim->opt.symbol_suffix);
        s_quote_t *q = s_quote(ea, wire);
        if (!q)
            continue;
        q->bid = sim_normalize(t.bid, q->spec->digits);
        q->ask = sim_normalize(t.ask, q->spec->digits);
        q->time_s = server_s;
        sim_mid_set(ea->sim, q->wire, (q->bid + q->ask) / 2.0);
        if (q == &ea->q[0])
            ea->tick_pending = true;
    }
}

/* ---------------------------------------------------------------- v7 frames */

static void s_v7_status(s_ea_t *ea, const char *status, const char *message)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    s_fmt(out,
          "{\"type\":\"status\",\"status\":\"%s\",\"message\":\"%s\",\"ea_version\":\"7.01\","
          "\"account\":%d,\"server\":\"%s\",\"timestamp\":\"%s\"}",
          status, message, s_d32(ea->sim->opt.account), ea->server, ts);
    s_send(ea, ea->fb, out);
    ea->sim->n.status_sent++;
}

static void s_v7_result(s_ea_t *ea, const char *signal_id, int64_t ticket, double price,
                        const char *message)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    s_fmt(out,
          "{\"type\":\"trade_result\",\"signal_id\":\"%s\",\"status\":\"success\",\"ticket\":%d,"
          "\"price\":%.5f,\"message\":\"%s\",\"balance\":%.2f,\"equity\":%.2f,\"margin\":%.2f,"
          "\"timestamp\":\"%s\"}",
          signal_id, s_d32(ticket), price, message, s_balance(ea), sim_equity(ea->sim),
          sim_margin(ea->sim), ts);
    s_send(ea, ea->fb, out);
    ea->sim->n.results_sent++;
}

static void s_v7_error(s_ea_t *ea, const char *signal_id, const char *error)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    s_fmt(out, "{\"type\":\"error\",\"signal_id\":\"%s\",\"error\":\"%s\",\"timestamp\":\"%s\"}",
          signal_id, error, ts);
    s_send(ea, ea->fb, out);
    ea->sim->n.errors_sent++;
    ea->errors++;
}

static void s_v7_tick(s_ea_t *ea, const s_quote_t *q)
{
    char out[S_OUT_MAX];
    s_fmt(out,
          "{\"type\":\"tick\",\"symbol\":\"%s\",\"bid\":%.5f,\"ask\":%.5f,\"spread\":%.1f,"
          "\"volume\":%d,\"timestamp\":%d}",
          q->wire, q->bid, q->ask, (q->ask - q->bid) / q->spec->point, 0, s_d32(q->time_s));
    s_send(ea, ea->fb, out);
    ea->sim->n.ticks_sent++;
}

/*  CopyRates(..., 0, 10, ...) and `i < 5`: the five oldest of ten bars (shifts 9..5). The
 *  synthetic market's bars are flat at the current mid. */
static size_t s_v7_candles(const s_ea_t *ea, const s_quote_t *q, int tf_s, char *out, size_t size)
{
    size_t n = 0;
    int64_t cur = ea->now_s / tf_s * tf_s;
    double mid = sim_normalize((q->bid + q->ask) / 2.0, q->spec->digits);
    for (int shift = 9; shift >= 5 && n < size; shift--) {
        int w = snprintf(out + n, size - n,
                         "%s{\"time\":%d,\"open\":%.5f,\"high\":%.5f,\"low\":%.5f,\"close\":%.5f,"
                         "\"volume\":%d}",
                         shift == 9 ? "" : ",", s_d32(cur - (int64_t)shift * tf_s), mid, mid, mid,
                         mid, 0);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    return n;
}

static void s_v7_candle_batch(s_ea_t *ea, const s_quote_t *q)
{
    char m1[1024], m5[1024], m15[1024], out[S_OUT_MAX];
    s_v7_candles(ea, q, 60, m1, sizeof m1);
    s_v7_candles(ea, q, 300, m5, sizeof m5);
    s_v7_candles(ea, q, 900, m15, sizeof m15);
    s_fmt(out,
          "{\"type\":\"candle_batch\",\"symbol\":\"%s\",\"timestamp\":%d,\"M1\":[%s],\"M5\":[%s],"
          "\"M15\":[%s]}",
          q->wire, s_d32(ea->now_s), m1, m5, m15);
    s_send(ea, ea->fb, out);
}

static void s_v7_heartbeat(s_ea_t *ea)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    s_fmt(out,
          "{\"type\":\"heartbeat\",\"balance\":%.2f,\"equity\":%.2f,\"positions\":%d,"
          "\"timestamp\":\"%s\"}",
          s_balance(ea), sim_equity(ea->sim), (int)ea->sim->pos_count, ts);
    s_send(ea, ea->fb, out);
    ea->sim->n.heartbeats_sent++;
}

static void s_v7_status_report(s_ea_t *ea)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    s_fmt(out,
          "{\"type\":\"status_report\",\"connected\":true,\"uptime\":%d,\"messages_received\":%d,"
          "\"messages_sent\":%d,\"trades_executed\":%d,\"errors\":%d,\"open_positions\":%d,"
          "\"account_balance\":%.2f,\"account_equity\":%.2f,\"account_margin\":%.2f,"
          "\"timestamp\":\"%s\"}",
          s_d32(ea->now_s - ea->last_recv_s), (int)ea->messages_received, (int)ea->messages_sent,
          (int)ea->trades_executed, (int)ea->errors, (int)ea->sim->pos_count, s_balance(ea),
          sim_equity(ea->sim), sim_margin(ea->sim), ts);
    s_send(ea, ea->fb, out);
}

/* ---------------------------------------------------------------- v2.x frames */

static const char *s_v2_socket_type(const s_ea_t *ea)
{
    return ea->d == SIM_DIALECT_V205 ? ",\"socket_type\":\"DEALER\"" : "";
}

static void s_v2_tick(s_ea_t *ea, const s_quote_t *q)
{
    char out[S_OUT_MAX], ts[32];
    sim_server_time_str(q->time_s, ts, sizeof ts);
    int dg = q->spec->digits;
    s_fmt(out,
          "{\"type\":\"TICK\",\"node_id\":\"%s\",\"user_uuid\":\"%s\",\"symbol\":\"%s\","
          "\"bid\":%.*f,\"ask\":%.*f,\"spread\":%.1f,\"volume\":0,\"timestamp\":\"%s\"}",
          ea->node_id, ea->sim->opt.uuid, q->wire, dg, q->bid, dg, q->ask,
          (q->ask - q->bid) / q->spec->point, ts);
    s_send(ea, ea->fb, out);
    ea->sim->n.ticks_sent++;
}

static void s_v2_ohlc(s_ea_t *ea, const s_quote_t *q, const char *tf, int tf_s)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    int dg = q->spec->digits;
    double mid = sim_normalize((q->bid + q->ask) / 2.0, dg);
    s_fmt(out,
          "{\"type\":\"OHLC\",\"node_id\":\"%s\",\"user_uuid\":\"%s\",\"symbol\":\"%s\","
          "\"timeframe\":\"%s\",\"time\":%" PRId64 ",\"open\":%.*f,\"high\":%.*f,\"low\":%.*f,"
          "\"close\":%.*f,\"timestamp\":\"%s\"}",
          ea->node_id, ea->sim->opt.uuid, q->wire, tf, (ea->now_s / tf_s - 1) * tf_s, dg, mid, dg,
          mid, dg, mid, dg, mid, ts);
    s_send(ea, ea->fb, out);
}

static void s_v2_symbol_list(const s_ea_t *ea, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ea->nq && i < 20 && n < size; i++) /* the first 20 only */
        n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "", ea->q[i].wire);
}

static void s_v2_handshake(s_ea_t *ea)
{
    char out[S_OUT_MAX], ts[32], list[1024];
    s_ts(ea, ts);
    s_v2_symbol_list(ea, list, sizeof list);
    const sim_opts_t *o = &ea->sim->opt;
    if (ea->d == SIM_DIALECT_V205)
        s_fmt(out,
              "{\"type\":\"handshake\",\"deployment_mode\":\"universal_dealer\",\"node_id\":\"%s\","
              "\"user_uuid\":\"%s\",\"account\":%" PRId64 ",\"broker\":\"%s\",\"server\":\"%s\","
              "\"chart_symbol\":\"%s\",\"monitored_symbols\":%zu,\"symbol_list\":\"%s\","
              "\"currency\":\"USD\",\"balance\":%.2f,\"equity\":%.2f,\"leverage\":%ld,"
              "\"version\":\"2.05\",\"socket_type\":\"DEALER\",\"timestamp\":\"%s\"}",
              ea->node_id, o->uuid, o->account, ea->broker, ea->server, ea->q[0].wire, ea->nq, list,
              s_balance(ea), sim_equity(ea->sim), o->leverage, ts);
    else
        s_fmt(out,
              "{\"type\":\"handshake\",\"deployment_mode\":\"universal\",\"node_id\":\"%s\","
              "\"user_uuid\":\"%s\",\"account\":%" PRId64 ",\"broker\":\"%s\",\"server\":\"%s\","
              "\"chart_symbol\":\"%s\",\"monitored_symbols\":%zu,\"symbol_list\":\"%s\","
              "\"balance\":%.2f,\"equity\":%.2f,\"version\":\"2.02\",\"timestamp\":\"%s\"}",
              ea->node_id, o->uuid, o->account, ea->broker, ea->server, ea->q[0].wire, ea->nq, list,
              s_balance(ea), sim_equity(ea->sim), ts);
    s_send(ea, ea->fb, out);
}

/*  HELLO / HEARTBEAT on the v2.05 DEALER (ea-dialects.md §4.3). */
static void s_v205_dealer_frame(s_ea_t *ea, bool hello)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    const sim_opts_t *o = &ea->sim->opt;
    double eq = sim_equity(ea->sim);
    if (hello)
        s_fmt(out,
              "{\"type\":\"HELLO\",\"target_uuid\":\"%s\",\"node_id\":\"%s\","
              "\"account_login\":\"%" PRId64 "\",\"broker\":\"%s\",\"company\":\"%s\","
              "\"terminal\":\"MetaTrader 5\",\"currency\":\"USD\",\"balance\":%.2f,"
              "\"equity\":%.2f,\"leverage\":%ld,\"margin\":%.2f,\"free_margin\":%.2f,"
              "\"margin_level\":%.2f,\"symbols\":%zu,\"version\":\"2.05\",\"timestamp\":\"%s\"}",
              o->uuid, ea->node_id, o->account, ea->server, ea->broker, s_balance(ea), eq,
              o->leverage, sim_margin(ea->sim), s_free_margin(ea), s_margin_level(ea), ea->nq, ts);
    else
        s_fmt(out,
              "{\"type\":\"HEARTBEAT\",\"target_uuid\":\"%s\",\"node_id\":\"%s\","
              "\"currency\":\"USD\",\"balance\":%.2f,\"equity\":%.2f,\"leverage\":%ld,"
              "\"margin\":%.2f,\"free_margin\":%.2f,\"margin_level\":%.2f,"
              "\"ticks_processed\":%ld,\"timestamp\":\"%s\"}",
              o->uuid, ea->node_id, s_balance(ea), eq, o->leverage, sim_margin(ea->sim),
              s_free_margin(ea), s_margin_level(ea), ea->ticks_processed, ts);
    s_send(ea, ea->cmd, out);
}

static void s_v2_heartbeat(s_ea_t *ea)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    const sim_opts_t *o = &ea->sim->opt;
    if (ea->d == SIM_DIALECT_V205)
        s_fmt(out,
              "{\"type\":\"heartbeat\",\"node_id\":\"%s\",\"user_uuid\":\"%s\",\"account\":%" PRId64
              ",\"currency\":\"USD\",\"balance\":%.2f,\"equity\":%.2f,\"leverage\":%ld,"
              "\"free_margin\":%.2f,\"margin_level\":%.2f,\"symbols_monitored\":%zu,"
              "\"ticks_processed\":%ld,\"socket_type\":\"DEALER\",\"timestamp\":\"%s\"}",
              ea->node_id, o->uuid, o->account, s_balance(ea), sim_equity(ea->sim), o->leverage,
              s_free_margin(ea), s_margin_level(ea), ea->nq, ea->ticks_processed, ts);
    else
        s_fmt(out,
              "{\"type\":\"heartbeat\",\"node_id\":\"%s\",\"user_uuid\":\"%s\",\"account\":%" PRId64
              ",\"balance\":%.2f,\"equity\":%.2f,\"free_margin\":%.2f,\"margin_level\":%.2f,"
              "\"symbols_monitored\":%zu,\"ticks_processed\":%ld,\"timestamp\":\"%s\"}",
              ea->node_id, o->uuid, o->account, s_balance(ea), sim_equity(ea->sim),
              s_free_margin(ea), s_margin_level(ea), ea->nq, ea->ticks_processed, ts);
    s_send(ea, ea->fb, out);
    ea->sim->n.heartbeats_sent++;
    if (ea->d == SIM_DIALECT_V205)
        s_v205_dealer_frame(ea, false);
}

static void s_v2_disconnect(s_ea_t *ea)
{
    char out[S_OUT_MAX], ts[32];
    s_ts(ea, ts);
    s_fmt(out,
          "{\"type\":\"DISCONNECT\",\"deployment_mode\":\"%s\",\"node_id\":\"%s\","
          "\"user_uuid\":\"%s\",\"symbols_monitored\":%zu,\"ticks_processed\":%ld%s,"
          "\"timestamp\":\"%s\"}",
          ea->d == SIM_DIALECT_V205 ? "universal_dealer" : "universal", ea->node_id,
          ea->sim->opt.uuid, ea->nq, ea->ticks_processed, s_v2_socket_type(ea), ts);
    s_send(ea, ea->fb, out);
}

/*  confirmation (close = false) or close_confirmation, on the confirm socket. */
static void s_v2_confirm(s_ea_t *ea, bool close, const char *command_type, const char *fire_id,
                         bool ok, int64_t ticket, double price, double lot, const char *message)
{
    char out[S_OUT_MAX], ts[32], idpart[BITTEN_ID_MAX + 32] = "", cur[32] = "";
    s_ts(ea, ts);
    const sim_opts_t *o = &ea->sim->opt;
    if (!close && ea->d == SIM_DIALECT_V205)
        snprintf(idpart, sizeof idpart, "\"fire_id\":\"%s\",", fire_id);
    if (ea->d == SIM_DIALECT_V205)
        snprintf(cur, sizeof cur, "\"currency\":\"USD\",");
    s_fmt(out,
          "{\"type\":\"%s\",\"command_type\":\"%s\",%s\"node_id\":\"%s\",\"user_uuid\":\"%s\","
          "\"status\":\"%s\",\"ticket\":%" PRId64 ",\"%s\":%.5f,\"lot\":%.2f,\"message\":\"%s\","
          "\"account\":%" PRId64 ",%s\"balance\":%.2f,\"equity\":%.2f,\"free_margin\":%.2f,"
          "\"margin_level\":%.2f,\"timestamp\":\"%s\"}",
          close ? "close_confirmation" : "confirmation", command_type, idpart, ea->node_id, o->uuid,
          ok ? "success" : "failed", ticket, close ? "close_price" : "price", price, lot, message,
          o->account, cur, s_balance(ea), sim_equity(ea->sim), s_free_margin(ea),
          s_margin_level(ea), ts);
    s_send(ea, ea->confirm, out);
    if (ok)
        ea->sim->n.results_sent++;
    else
        ea->sim->n.errors_sent++;
}

/* ---------------------------------------------------------------- trading */

static sim_position_t *s_pos_add(s_ea_t *ea, const s_quote_t *q, bool buy, double lot, double price,
                                 const char *comment)
{
    sim_position_t *p = sim_position_new(ea->sim, q->wire, comment, buy, lot, price);
    if (p)
        ea->trades_executed++;
    return p;
}

/*  Closes pos[i] at the market (bid for a buy, ask for a sell); returns its volume. */
static double s_pos_close(s_ea_t *ea, size_t i)
{
    sim_t *sim = ea->sim;
    sim_position_t p = sim->pos[i];
    const s_quote_t *q = s_quote(ea, p.symbol);
    double close = q ? (p.dir > 0 ? q->bid : q->ask) : p.open_price;
    const bitten_symbol_t *spec = sim_spec(sim, p.symbol);
    sim->balance +=
        sim_round_to((close - p.open_price) * p.dir / spec->pip * spec->pip_value * p.lot, 2);
    memmove(sim->pos + i, sim->pos + i + 1, (sim->pos_count - i - 1) * sizeof *sim->pos);
    sim->pos_count--;
    sim->n.closed++;
    sim_log(sim, SIM_INFO, "position.closed", "ticket=%" PRId64 " symbol=%s", p.ticket, p.symbol);
    return p.lot;
}

/*  A broker rejection: --reject-symbol and --fail-rate apply to every dialect. */
static bool s_broker_rejects(s_ea_t *ea, const char *wire)
{
    const sim_opts_t *o = &ea->sim->opt;
    if (o->reject_symbol && strcmp(o->reject_symbol, wire) == 0)
        return true;
    return o->fail_rate > 0 && sim_rng_unit(ea->sim) < o->fail_rate;
}

/* ---------------------------------------------------------------- v7 commands */

static void s_v7_signal(s_ea_t *ea, const char *json)
{
    char symbol[S_OUT_MAX], action[S_OUT_MAX], id[S_OUT_MAX];
    ea_json_get(json, "symbol", EA_JSON_V7, symbol, sizeof symbol);
    ea_json_get(json, "action", EA_JSON_V7, action, sizeof action);
    double lot = ea_json_double(json, "lot", EA_JSON_V7);
    double sl = ea_json_double(json, "sl", EA_JSON_V7);
    double tp = ea_json_double(json, "tp", EA_JSON_V7);
    ea_json_get(json, "signal_id", EA_JSON_V7, id, sizeof id);
    ea->sim->n.signals++;
    sim_log(ea->sim, SIM_INFO, "signal.received", "signal_id=%s symbol=%s action=%s lot=%g", id,
            symbol, action, lot);
    if (!symbol[0] || !action[0]) {
        s_v7_error(ea, id, "Invalid signal parameters");
        return;
    }
    if (strcmp(action, "buy") == 0 || strcmp(action, "sell") == 0) {
        s_quote_t *q = s_quote(ea, symbol);
        char msg[S_OUT_MAX];
        if (!q) {
            s_fmt(msg, "Invalid symbol: %s", symbol);
            s_v7_error(ea, id, msg);
            return;
        }
        bool buy = action[0] == 'b';
        double price = buy ? q->ask : q->bid;
        if (!(price > 0)) { /* no quote yet: PositionOpen fails */
            s_v7_error(ea, id, "Trade failed: Unknown error (4756)");
            return;
        }
        double vol = sim_v7_lot(lot, q->spec->min_lot, q->spec->max_lot, q->spec->lot_step);
        if (vol < 0) {
            s_v7_error(ea, id, "Invalid lot size after normalization");
            return;
        }
        double slp = sim_v7_stop(buy, true, price, sl, q->spec->point, q->spec->digits);
        double tpp = sim_v7_stop(buy, false, price, tp, q->spec->point, q->spec->digits);
        if (s_broker_rejects(ea, symbol)) {
            s_v7_error(ea, id, "Trade failed: Unknown error (4756)");
            return;
        }
        sim_position_t *p = s_pos_add(ea, q, buy, vol, price, id);
        if (!p) {
            s_v7_error(ea, id, "Trade failed: Unknown error (4756)");
            return;
        }
        sim_log(ea->sim, SIM_INFO, "position.opened",
                "ticket=%" PRId64 " signal_id=%s symbol=%s side=%s lot=%.2f price=%.*f sl=%.*f "
                "tp=%.*f",
                p->ticket, id, symbol, action, vol, q->spec->digits, price, q->spec->digits, slp,
                q->spec->digits, tpp);
        s_v7_result(ea, id, p->ticket, price, ""); /* ticket: the deal */
    } else if (strcmp(action, "close") == 0 || strcmp(action, "close_all") == 0) {
        bool all = action[5] == '_';
        int closed = 0;
        for (size_t i = 0; i < ea->sim->pos_count;)
            if (all || strcmp(ea->sim->pos[i].symbol, symbol) == 0) {
                s_pos_close(ea, i);
                closed++;
            } else
                i++;
        char msg[S_OUT_MAX];
        if (!all && closed == 0) {
            s_fmt(msg, "No positions found for %s", symbol);
            s_v7_error(ea, id, msg);
            return;
        }
        s_fmt(msg, "Closed %d positions", closed);
        s_v7_result(ea, id, 0, 0.0, msg);
    } else {
        char msg[S_OUT_MAX];
        s_fmt(msg, "Unknown action: %s", action);
        s_v7_error(ea, id, msg);
    }
}

static void s_v7_handle(s_ea_t *ea, const char *json)
{
    char type[S_OUT_MAX], text[S_OUT_MAX];
    ea_json_get(json, "type", EA_JSON_V7, type, sizeof type);
    if (strcmp(type, "signal") == 0) {
        s_v7_signal(ea, json);
    } else if (strcmp(type, "command") == 0) {
        ea_json_get(json, "command", EA_JSON_V7, text, sizeof text);
        if (strcmp(text, "shutdown") == 0) {
            ea->shutdown_requested = true; /* ExpertRemove at the next OnTimer */
        } else if (strcmp(text, "reset") == 0) {
            ea->messages_received = ea->messages_sent = ea->trades_executed = ea->errors = 0;
            s_v7_status(ea, "reset", "Statistics reset");
        } else if (strcmp(text, "status") == 0) {
            s_v7_status_report(ea);
        }
    } else if (strcmp(type, "config") == 0) {
        char param[S_OUT_MAX], msg[S_OUT_MAX];
        ea_json_get(json, "param", EA_JSON_V7, param, sizeof param);
        ea_json_get(json, "value", EA_JSON_V7, text, sizeof text);
        if (strcmp(param, "magic_number") == 0 || strcmp(param, "slippage") == 0) {
            s_fmt(msg, "%s updated to %s", param[0] == 'm' ? "Magic number" : "Slippage", text);
            s_v7_status(ea, "config", msg);
        }
    } else if (strcmp(type, "ping") == 0) {
        char out[S_OUT_MAX], ts[32];
        s_ts(ea, ts);
        s_fmt(out, "{\"type\":\"pong\",\"timestamp\":\"%s\"}", ts);
        s_send(ea, ea->fb, out);
        ea->sim->n.pings++;
    } else if (strcmp(type, "heartbeat") == 0) {
        ea->sim->n.keepalives++;
    } else {
        ea->sim->n.ignored++;
        sim_log(ea->sim, SIM_INFO, "frame.unknown", "type=%s", type);
    }
}

/* ---------------------------------------------------------------- v2.x commands */

static void s_v2_fire(s_ea_t *ea, const char *json)
{
    char id[S_OUT_MAX] = "", symbol[S_OUT_MAX], dir[S_OUT_MAX] = "", side[S_OUT_MAX] = "";
    char msg[S_OUT_MAX];
    bool v205 = ea->d == SIM_DIALECT_V205;
    if (v205) {
        ea_json_get(json, "fire_id", EA_JSON_V2, id, sizeof id);
        ea_json_get(json, "direction", EA_JSON_V2, dir, sizeof dir);
        if (!dir[0])
            ea_json_get(json, "side", EA_JSON_V2, side, sizeof side);
    }
    ea_json_get(json, "symbol", EA_JSON_V2, symbol, sizeof symbol);
    double entry = ea_json_double(json, "entry", EA_JSON_V2);
    double sl = ea_json_double(json, "sl", EA_JSON_V2);
    double tp = ea_json_double(json, "tp", EA_JSON_V2);
    double lot = ea_json_double(json, "lot", EA_JSON_V2);
    ea->sim->n.signals++;
    sim_log(ea->sim, SIM_INFO, "fire.received", "fire_id=%s symbol=%s direction=%s lot=%g", id,
            symbol, dir, lot);
    s_quote_t *q = s_quote(ea, symbol);
    if (!q) {
        s_fmt(msg, "Symbol not available: %s", symbol);
        s_v2_confirm(ea, false, "fire", id, false, 0, 0, lot, msg);
        return;
    }
    if (!(q->bid > 0) || !(q->ask > 0)) {
        s_fmt(msg, "No quotes available for %s", symbol);
        s_v2_confirm(ea, false, "fire", id, false, 0, 0, lot, msg);
        return;
    }
    double volume = lot <= 0 ? 0.01 : lot; /* as sent: no step, no clamp */
    bool buy = v205 ? sim_v205_is_buy(dir, side, entry, q->bid, q->ask)
                    : sim_v202_is_buy(entry, q->bid, q->ask);
    double price = buy ? q->ask : q->bid;
    double slp = sim_v2_stop(buy, true, price, sl), tpp = sim_v2_stop(buy, false, price, tp);
    if (s_broker_rejects(ea, symbol)) {
        s_v2_confirm(ea, false, "fire", id, false, 0, 0, lot,
                     "Trade execution failed - Error: 4756 Result: 10006");
        return;
    }
    sim_position_t *p = s_pos_add(ea, q, buy, volume, price, id[0] ? id : "BITTEN_DEALER");
    if (!p) {
        s_v2_confirm(ea, false, "fire", id, false, 0, 0, lot,
                     "Trade execution failed - Error: 4756 Result: 10006");
        return;
    }
    sim_log(ea->sim, SIM_INFO, "position.opened",
            "ticket=%" PRId64 " fire_id=%s symbol=%s side=%s lot=%.2f price=%.*f sl=%.*f tp=%.*f",
            p->ticket, id, symbol, buy ? "buy" : "sell", volume, q->spec->digits, price,
            q->spec->digits, slp, q->spec->digits, tpp);
    s_v2_confirm(ea, false, "fire", id, true, p->ticket, price, lot,
                 v205 ? "Trade executed successfully via DEALER" : "Trade executed successfully");
}

static void s_v2_handle(s_ea_t *ea, const char *json)
{
    char target[S_OUT_MAX], type[S_OUT_MAX], msg[S_OUT_MAX];
    bool found = ea_json_get(json, "target_uuid", EA_JSON_V2, target, sizeof target);
    if (ea->d == SIM_DIALECT_V205 ? (target[0] && strcmp(target, ea->sim->opt.uuid) != 0)
                                  : (!found || strcmp(target, ea->sim->opt.uuid) != 0)) {
        ea->sim->n.ignored++; /* dropped silently (v2.05 logs it) */
        sim_log(ea->sim, SIM_INFO, "command.not_for_me", "target_uuid=%s", target);
        return;
    }
    ea_json_get(json, "type", EA_JSON_V2, type, sizeof type);
    if (strcmp(type, "fire") == 0) {
        s_v2_fire(ea, json);
    } else if (strcmp(type, "close_all") == 0) {
        int closed = 0;
        double volume = 0;
        for (size_t i = 0; i < ea->sim->pos_count;) {
            volume += s_pos_close(ea, i);
            closed++;
        }
        s_fmt(msg, "Closed %d positions, 0 failed, Total volume: %.2f", closed, volume);
        s_v2_confirm(ea, true, "close_all", "", true, 0, 0.0, volume, msg);
    } else if (strcmp(type, "close_ticket") == 0) {
        long long ticket = ea_json_int(json, "ticket", EA_JSON_V2);
        size_t i = 0;
        while (i < ea->sim->pos_count && ea->sim->pos[i].ticket != ticket)
            i++;
        if (ticket <= 0)
            s_v2_confirm(ea, true, "close_ticket", "", false, ticket, 0, 0,
                         "Invalid ticket number");
        else if (i == ea->sim->pos_count)
            s_v2_confirm(ea, true, "close_ticket", "", false, ticket, 0, 0, "Position not found");
        else {
            double volume = s_pos_close(ea, i);
            s_v2_confirm(ea, true, "close_ticket", "", true, ticket, 0.0, volume,
                         "Position closed successfully");
        }
    } else if (strcmp(type, "ping") == 0 && ea->d == SIM_DIALECT_V205) {
        char id[S_OUT_MAX], out[S_OUT_MAX], ts[32];
        ea_json_get(json, "ping_id", EA_JSON_V2, id, sizeof id);
        s_ts(ea, ts);
        s_fmt(out,
              "{\"type\":\"pong\",\"ping_id\":\"%s\",\"node_id\":\"%s\",\"user_uuid\":\"%s\","
              "\"timestamp\":\"%s\"}",
              id, ea->node_id, ea->sim->opt.uuid, ts);
        s_send(ea, ea->confirm, out);
        ea->sim->n.pings++;
    } else {
        s_fmt(msg, "Unknown command type: %s", type);
        s_v2_confirm(ea, false, "unknown", "", false, 0, 0, 0, msg);
    }
}

/* ---------------------------------------------------------------- receiving */

/*  One frame from the command socket: blocking up to the socket's RCVTIMEO (v7) or not at
 *  all (v2.x, ZMQ_DONTWAIT). Returns true when a frame was handled. */
static bool s_recv_one(s_ea_t *ea, int flags)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, ea->cmd, flags) < 0) {
        zmq_msg_close(&msg);
        return false;
    }
    char text[EA_JSON_V2_RECV_MAX + 1];
    size_t n = ea_json_frame(zmq_msg_data(&msg), zmq_msg_size(&msg), ea->fl, text, sizeof text);
    bool got = zmq_msg_size(&msg) > 0;
    zmq_msg_close(&msg);
    if (!got)
        return true; /* an empty frame (a ROUTER delimiter) is read and ignored */
    ea->messages_received++;
    ea->last_recv_s = ea->now_s;
    sim_log(ea->sim, SIM_INFO, "command.received", "bytes=%zu", n);
    if (ea->d == SIM_DIALECT_V7)
        s_v7_handle(ea, text);
    else
        s_v2_handle(ea, text);
    return true;
}

/* ---------------------------------------------------------------- sockets */

static void *s_socket(s_ea_t *ea, int type, const char *endpoint, int linger)
{
    void *sock = zmq_socket(ea->sim->ctx, type);
    if (!sock)
        return NULL;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (type == ZMQ_PULL && ea->d == SIM_DIALECT_V7) {
        int t = S_V7_RCVTIMEO_MS;
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &t, sizeof t);
    }
    if (type == ZMQ_DEALER) {
        //  StringToCharArray(uuid, buf, 0, StringLen, CP_UTF8) and ArraySize - 1: the last
        //  byte is cut (ea-dialects.md §4.2).
        size_t n = strlen(ea->sim->opt.uuid);
        zmq_setsockopt(sock, ZMQ_ROUTING_ID, ea->sim->opt.uuid, n ? n - 1 : 0);
    }
    if (zmq_connect(sock, endpoint) != 0) {
        sim_log(ea->sim, SIM_ERROR, "connect.failed", "endpoint=%s error=\"%s\"", endpoint,
                zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

static void s_close_sockets(s_ea_t *ea)
{
    void **all[] = {&ea->cmd, &ea->fb, &ea->confirm};
    for (size_t i = 0; i < 3; i++)
        if (*all[i]) {
            zmq_close(*all[i]);
            *all[i] = NULL;
        }
}

static int s_open_sockets(s_ea_t *ea)
{
    const sim_opts_t *o = &ea->sim->opt;
    if (ea->d == SIM_DIALECT_V7) {
        ea->cmd = s_socket(ea, ZMQ_PULL, o->command_ep, 0);
        ea->fb = s_socket(ea, ZMQ_PUSH, o->feedback_ep, 0);
        return ea->cmd && ea->fb ? 0 : -1;
    }
    int type = ea->d == SIM_DIALECT_V205 ? ZMQ_DEALER : ZMQ_PULL;
    ea->fb = s_socket(ea, ZMQ_PUSH, o->feedback_ep, S_V2_LINGER_MS);
    ea->cmd = s_socket(ea, type, o->command_ep, S_V2_LINGER_MS);
    ea->confirm = s_socket(ea, ZMQ_PUSH, o->confirm_ep, S_V2_LINGER_MS);
    return ea->cmd && ea->fb && ea->confirm ? 0 : -1;
}

/* ---------------------------------------------------------------- the EA's events */

static int64_t s_heartbeat_s(const s_ea_t *ea)
{
    const sim_opts_t *o = &ea->sim->opt;
    if (o->heartbeat_set)
        return (int64_t)o->heartbeat_s;
    return ea->d == SIM_DIALECT_V7 ? 5 : 30;
}

static void s_v7_on_timer(s_ea_t *ea)
{
    if (ea->shutdown_requested) {
        ea->sim->stop = true;
        ea->sim->stop_why = "shutdown_command";
        return;
    }
    s_recv_one(ea, 0); /* blocks up to RCVTIMEO (1 s) when nothing is waiting */
    int64_t hb = s_heartbeat_s(ea);
    if (hb > 0 && (ea->last_hb_s == 0 || ea->now_s - ea->last_hb_s >= hb)) {
        s_v7_heartbeat(ea);
        ea->last_hb_s = ea->now_s;
    }
    if (ea->now_s - ea->last_recv_s > S_V7_SILENCE_S && ea->sim->opt.silence_reconnect_s > 0) {
        sim_log(ea->sim, SIM_WARN, "reconnect", "silent_s=%" PRId64, ea->now_s - ea->last_recv_s);
        s_close_sockets(ea);
        if (s_open_sockets(ea) != 0) {
            ea->sim->stop = true;
            ea->sim->stop_why = "reconnect_failed";
            return;
        }
        ea->sim->n.reconnects++;
        ea->last_recv_s = ea->now_s;
        s_v7_status(ea, "reconnected", "Reconnected after 0 attempts");
    }
}

static void s_v7_on_tick(s_ea_t *ea)
{
    s_quote_t *chart = &ea->q[0];
    s_v7_tick(ea, chart);
    ea->ticks_processed++;
    if (ea->now_s - ea->last_candles_s >= S_V7_CANDLES_S) {
        s_v7_candle_batch(ea, chart);
        ea->last_candles_s = ea->now_s;
    }
}

static void s_v2_on_timer(s_ea_t *ea)
{
    for (size_t i = 0; i < ea->nq; i++)
        if (ea->q[i].time_s > ea->q[i].timer_sent) {
            s_v2_tick(ea, &ea->q[i]);
            ea->q[i].timer_sent = ea->q[i].time_s;
        }
    int64_t hb = s_heartbeat_s(ea);
    if (hb > 0 && (ea->last_hb_s == 0 || ea->now_s - ea->last_hb_s >= hb)) {
        s_v2_heartbeat(ea);
        ea->last_hb_s = ea->now_s;
    }
    if (ea->now_s - ea->last_ohlc_s >= S_V2_OHLC_S) {
        for (size_t i = 0; i < ea->nq; i++) {
            if (ea->q[i].time_s < 0)
                continue; /* no quote, no bars */
            s_v2_ohlc(ea, &ea->q[i], "M1", 60);
            if (ea->now_s % 300 == 0)
                s_v2_ohlc(ea, &ea->q[i], "M5", 300);
            if (ea->now_s % 900 == 0)
                s_v2_ohlc(ea, &ea->q[i], "M15", 900);
        }
        ea->last_ohlc_s = ea->now_s;
    }
}

static void s_v2_on_tick(s_ea_t *ea)
{
    ea->ticks_processed++;
    if (ea->now_s != ea->ontick_sent_s) { /* the chart symbol, once per server second */
        s_v2_tick(ea, &ea->q[0]);
        ea->ontick_sent_s = ea->now_s;
    }
    s_recv_one(ea, ZMQ_DONTWAIT); /* commands are read here only, one per tick */
}

static void s_sleep_until(int64_t due)
{
    int64_t ms = due - sim_mono();
    if (ms > 0)
        zmq_poll(NULL, 0, (long)ms);
}

static void s_cp1252(const char *in, char *out, size_t size)
{
    //  UTF-8 U+0080..U+00FF become the single byte the EA's CP_ACP (cp1252) sends.
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < size; p++) {
        if ((*p == 0xC2 || *p == 0xC3) && (p[1] & 0xC0) == 0x80) {
            out[n++] = (char)(((*p & 0x03) << 6) | (p[1] & 0x3F));
            p++;
        } else
            out[n++] = (char)*p;
    }
    out[n] = '\0';
}

int sim_dialect_run(sim_t *sim)
{
    s_ea_t ea;
    memset(&ea, 0, sizeof ea);
    ea.sim = sim;
    ea.d = sim->opt.dialect;
    ea.fl = ea.d == SIM_DIALECT_V7 ? EA_JSON_V7 : EA_JSON_V2;
    const sim_opts_t *o = &sim->opt;
    if (o->cp1252) {
        s_cp1252(o->broker, ea.broker, sizeof ea.broker);
        s_cp1252(o->server, ea.server, sizeof ea.server);
    } else {
        snprintf(ea.broker, sizeof ea.broker, "%s", o->broker);
        snprintf(ea.server, sizeof ea.server, "%s", o->server);
    }
    snprintf(ea.node_id, sizeof ea.node_id, "NODE_%" PRId64 "_%u", o->account,
             (unsigned)(uint32_t)sim_mono()); /* GetTickCount(): new at every start */
    ea.now_s = sim_wall() / 1000 + o->server_offset_s;
    bool replay = o->ticks_path != NULL;
    if (replay && !sim->ticks.csv) {
        fprintf(stderr, "bitten-ea-sim: --ticks with --dialect %s needs a CSV file\n",
                sim_dialect_str(ea.d));
        return 2;
    }
    int64_t first_ms = replay ? sim_ticks_peek_ms(sim) : -1;
    if (first_ms >= 0) /* the terminal's clock starts at the first recorded quote */
        ea.now_s = first_ms / 1000 + o->server_offset_s;
    ea.last_recv_s = ea.now_s;
    if (s_market_init(&ea) != 0) {
        fprintf(stderr, "bitten-ea-sim: --symbols names no symbol\n");
        return 2;
    }
    if (s_open_sockets(&ea) != 0) {
        s_close_sockets(&ea);
        return 1;
    }
    sim_log(sim, SIM_INFO, "ea_sim.start",
            "dialect=%s uuid=%s command=%s feedback=%s confirm=%s chart=%s market=%s ticks=%s",
            sim_dialect_str(ea.d), o->uuid, o->command_ep, o->feedback_ep,
            ea.d == SIM_DIALECT_V7 ? "-" : o->confirm_ep, ea.q[0].wire,
            o->market_closed ? "closed" : "open", replay ? o->ticks_path : "-");
    if (ea.d == SIM_DIALECT_V7)
        s_v7_status(&ea, "startup", "EA v7.01 initialized with tick streaming");
    else {
        if (ea.d == SIM_DIALECT_V205)
            s_v205_dealer_frame(&ea, true);
        s_v2_handshake(&ea);
    }
    for (int i = 0; i < o->send_raw_count; i++)
        s_send(&ea, ea.fb, o->send_raw[i]);
    ea.start_mono = sim_mono();
    ea.next_quote_mono = ea.start_mono + o->quote_ms;
    ea.next_timer_mono = ea.start_mono;
    int64_t timer_ms = ea.d == SIM_DIALECT_V7 ? S_V7_TIMER_MS : S_V2_TIMER_MS;
    while (!sim->stop) {
        if (sim_stop_signal) {
            sim->stop_why = sim_stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
            break;
        }
        int64_t now = sim_mono();
        if (o->duration_s > 0 && now - ea.start_mono >= (int64_t)(o->duration_s * 1000.0)) {
            sim->stop_why = "duration";
            break;
        }
        if (o->count_signals > 0 && sim->n.signals >= o->count_signals) {
            sim->stop_why = "count_signals";
            break;
        }
        if (replay)
            s_market_replay(&ea, now);
        else if (!o->market_closed && now >= ea.next_quote_mono) {
            s_market_quote(&ea);
            ea.next_quote_mono = now + o->quote_ms;
        }
        if (ea.tick_pending) { /* MT5 coalesces: one OnTick for the quotes that came */
            ea.tick_pending = false;
            if (ea.d == SIM_DIALECT_V7)
                s_v7_on_tick(&ea);
            else
                s_v2_on_tick(&ea);
        }
        if (now >= ea.next_timer_mono) {
            if (ea.d == SIM_DIALECT_V7)
                s_v7_on_timer(&ea);
            else
                s_v2_on_timer(&ea);
            ea.next_timer_mono = sim_mono() + timer_ms;
        }
        int64_t due = ea.next_timer_mono;
        if (replay && sim->ticks_on) {
            int64_t next = sim->ticks.has_item ? sim_ticks_due(sim) : sim_mono();
            if (next < due)
                due = next;
        } else if (!replay && !o->market_closed && ea.next_quote_mono < due)
            due = ea.next_quote_mono;
        s_sleep_until(due);
    }
    if (ea.d == SIM_DIALECT_V7)
        s_v7_status(&ea, "shutdown", "EA removed from chart");
    else
        s_v2_disconnect(&ea);
    sim_log(sim, SIM_INFO, "ea_sim.stop", "dialect=%s why=%s signals=%ld", sim_dialect_str(ea.d),
            sim->stop_why ? sim->stop_why : "-", sim->n.signals);
    s_close_sockets(&ea);
    return 0;
}
