/*  options.c: the command line. */
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

/* ---------------------------------------------------------------- options */

static void s_usage(FILE *out)
{
    fputs(
        "usage: bitten-ea-sim [options]\n"
        "A simulated MT5 Expert Advisor speaking the bittend protocol (docs protocol.md).\n"
        "\n"
        "dialect:\n"
        "  --dialect D               contract (protocol.md, default), or a real EA as its\n"
        "                            source behaves: v7 (PULL commands, PUSH feedback), v2.05\n"
        "                            (DEALER commands, identity = uuid minus its last byte,\n"
        "                            PUSH feedback, PUSH confirm), v2.02 (PULL, PUSH, PUSH)\n"
        "  --confirm EP              v2.x: confirmation PUSH connects here (tcp://127.0.0.1:5558)\n"
        "  --server-offset-s N       broker server time = UTC + N (10800)\n"
        "  --symbol-suffix S         the broker's symbol names carry S (m: EURUSDm)\n"
        "  --cp1252                  broker and server names as cp1252 bytes, like the EA\n"
        "  --market-closed           no quotes: the server clock and every cadence stop\n"
        "  --quote-ms N              dialects: every symbol quotes every N ms (1000)\n"
        "connection:\n"
        "  --command EP              command PULL connects here (tcp://127.0.0.1:5555)\n"
        "  --feedback EP             feedback socket connects here (tcp://127.0.0.1:5556)\n"
        "  --feedback-socket pub|push  feedback socket type (push; pub for feedback.socket = sub)\n"
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
        "  --heartbeat-s N           heartbeat period (10, 0 = off; dialects: the EA's own\n"
        "                            5 s (v7) / 30 s (v2.x) of server time unless given)\n"
        "  --no-uuid-heartbeat       omit uuid in heartbeats, like EA v7\n"
        "trading:\n"
        "  --price P                 fill price (last tick mid of the symbol, else 1.10000)\n"
        "  --close-move-pips P       without replayed ticks: close P pips in the position's "
        "favour,\n"
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
        "                            or ticks timestamp,symbol,bid,ask; dialects: CSV only,\n"
        "                            the quotes of the market (server time = data time +\n"
        "                            --server-offset-s; the clock stops at the end)\n"
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
    o->feedback_push = true;
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
    o->dialect = SIM_DIALECT_CONTRACT;
    o->confirm_ep = "tcp://127.0.0.1:5558";
    o->server_offset_s = 10800;
    o->symbol_suffix = "";
    o->quote_ms = 1000;
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
                                        "--count-signals",
                                        "--dialect",
                                        "--confirm",
                                        "--server-offset-s",
                                        "--symbol-suffix",
                                        "--quote-ms"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/*  Returns 0 to run, 1 after --help, -1 on a bad argument (one line already printed). */
int sim_parse_args(int argc, char **argv, sim_opts_t *o)
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
        } else if (strcmp(name, "--cp1252") == 0) {
            flag = &o->cp1252;
        } else if (strcmp(name, "--market-closed") == 0) {
            flag = &o->market_closed;
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
            o->feedback_socket_set = true;
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
            o->heartbeat_set = true;
        } else if (strcmp(name, "--dialect") == 0) {
            if (sim_dialect_parse(val, &o->dialect) != 0)
                return s_bad_arg("bad value for", name, val);
        } else if (strcmp(name, "--confirm") == 0) {
            o->confirm_ep = val;
        } else if (strcmp(name, "--server-offset-s") == 0) {
            if (s_parse_int(name, val, -86400, 86400, &o->server_offset_s) != 0)
                return -1;
        } else if (strcmp(name, "--symbol-suffix") == 0) {
            if (strlen(val) > 4 ||
                strspn(val, "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._") != strlen(val))
                return s_bad_arg("bad value for", name, val);
            o->symbol_suffix = val;
        } else if (strcmp(name, "--quote-ms") == 0) {
            if (s_parse_int(name, val, 10, 3600000L, &o->quote_ms) != 0)
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
    if (o->dialect != SIM_DIALECT_CONTRACT &&
        (o->curve_server || o->drop_results || o->delay_results_ms || o->garbage_every ||
         o->feedback_socket_set)) {
        fprintf(stderr, "bitten-ea-sim: --curve-server, --drop-results, "
                        "--delay-results-ms, --garbage-every and --feedback-socket work with "
                        "--dialect contract only (see --help)\n");
        return -1;
    }
    return 0;
}
