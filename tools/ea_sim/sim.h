/*  sim.h: bitten-ea-sim internals shared by the files of tools/ea_sim/ (one struct, one loop). */
#ifndef BITTEN_EA_SIM_H
#define BITTEN_EA_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bitten/proto.h"
#include "bitten/symbols.h"
#include "replay/bars_csv.h"
#include "dialect.h"

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

/* ---------------------------------------------------------------- types */

typedef struct {
    const char *command_ep, *feedback_ep;
    bool feedback_push;     /* default true: bittend binds a PULL (feedback.socket = pull) */
    bool feedback_socket_set; /* --feedback-socket given */
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
    bool rebase_weeks;        /* csv: shift recorded time by whole weeks to the present */
    const char *curve_server; /* the server's public certificate file */
    const char *curve_cert;   /* this EA's secret certificate file */
    bool drop_results;
    long delay_results_ms, garbage_every, count_signals;
    const char *send_raw[SIM_RAW_MAX];
    int send_raw_count;
    bool quiet, honor_expiry, only_uuid, no_close_ack;
    /* --dialect: which real EA to be (dialect_run.c) */
    sim_dialect_t dialect;
    const char *confirm_ep;    /* v2.x confirmations (5558) */
    long server_offset_s;      /* broker server time = UTC + this */
    const char *symbol_suffix; /* the broker's names: EURUSD + "m" */
    bool cp1252;               /* broker/server names as cp1252 bytes, not UTF-8 */
    bool market_closed;        /* no quotes: the server clock stands still */
    long quote_ms;             /* synthetic quote period */
    bool heartbeat_set;        /* --heartbeat-s given: overrides the dialect's cadence */
} sim_opts_t;

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
    int64_t bar_start;         /* start of the last bar read, -1 none this pass */
    bitten_csv_columns_t cols; /* csv: from the header, else the default bar layout */
    bool header_done;          /* csv: the first line of this pass has been looked at */
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
    bitten_symbols_t *symbols; /* the broker's symbol facts: the shared table */
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

/*  Set by the SIGINT/SIGTERM handler (main.c), read by the loop. */
extern volatile sig_atomic_t sim_stop_signal;

/* util.c */
void sim_log(const sim_t *self, sim_level_t level, const char *event, const char *fmt, ...);
int64_t sim_mono(void);
double sim_rng_unit(sim_t *self);
int64_t sim_wall(void);

/* market.c */
double sim_equity(const sim_t *self);
double sim_fill_price(const sim_t *self, const char *symbol);
double sim_margin(const sim_t *self);
bool sim_mid_get(const sim_t *self, const char *symbol, double *mid);
void sim_mid_set(sim_t *self, const char *symbol, double mid);
double sim_profit_open(const sim_t *self);
double sim_round_to(double value, int digits);
const bitten_symbol_t *sim_spec(const sim_t *self, const char *symbol);

/* faults.c */
void sim_flush_outbox(sim_t *self, int64_t now, bool all);
void sim_send(sim_t *self, const char *data, size_t len);
void sim_send_result(sim_t *self, const bitten_trade_result_t *r);

/* feedback.c */
void sim_send_error(sim_t *self, const char *signal_id, const char *text);
void sim_send_handshake(sim_t *self);
void sim_send_heartbeat(sim_t *self);
void sim_send_status(sim_t *self, bitten_ea_status_kind_t kind);
void sim_send_telemetry(sim_t *self);

/* trading.c */
/*  A new open position (ticket assigned, opened now), or NULL out of memory. */
sim_position_t *sim_position_new(sim_t *self, const char *symbol, const char *signal_id, bool buy,
                                 double lot, double price);
void sim_auto_close(sim_t *self, int64_t now);
void sim_check_stops(sim_t *self, const char *symbol);
void sim_close(sim_t *self, const bitten_signal_cmd_t *sig);
void sim_open(sim_t *self, const bitten_signal_cmd_t *sig);
void sim_reply_failed(sim_t *self, const bitten_signal_cmd_t *sig, const char *message);

/* commands.c */
void sim_drain_commands(sim_t *self);
int sim_seen_grow(sim_t *self);

/* sockets.c */
int sim_reconnect(sim_t *self, int64_t now);
void sim_sockets_close(sim_t *self);
int sim_sockets_open(sim_t *self);

/* market_replay.c */
int64_t sim_ticks_due(const sim_t *self);
int sim_ticks_open(sim_t *self);
void sim_ticks_pump(sim_t *self, int64_t now);
/*  The next replayed tick due at now (monotonic ms) into out, without sending it (the real-EA
 *  dialects quote from it); false when none is due or the replay has ended. */
bool sim_ticks_next(sim_t *self, int64_t now, bitten_tick_t *out);
/*  The data time (ms) of the next replayed item, -1 at the end. */
int64_t sim_ticks_peek_ms(sim_t *self);

/* loop.c */
void sim_run(sim_t *self);

/* options.c */
int sim_parse_args(int argc, char **argv, sim_opts_t *o);

/* dialect_run.c: the real EAs (--dialect v7|v2.05|v2.02); 0, or an exit code */
int sim_dialect_run(sim_t *self);

#endif
