/*  bittenctl.c: the operator's command-line client: asks bittend over the control socket
 *  (REQ -> REP) and prints the answer for people, or as JSON; `tail` follows the events channel. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <jansson.h>
#include <sys/stat.h>
#include <zmq.h>

#include "bitten/proto.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define DEFAULT_CONTROL "tcp://127.0.0.1:5557"
#define DEFAULT_TOKEN_FILE "/var/lib/bitten/control.token"

typedef struct {
    const char *control;
    int timeout_ms;
    bool json;
    const char *events; /* tail: events endpoint (default: asked from status) */
    const char *topics[16];
    size_t n_topics;
    const char *uuid, *symbol;
    long count;              /* tail: stop after this many events, 0 = forever */
    int seconds;             /* tail: stop after this many seconds, 0 = forever */
    bool hard;               /* halt */
    const char *why;         /* halt */
    const char *state;       /* fires */
    int limit;               /* fires; 0 = the daemon's default */
    const char *action, *id; /* fire, close */
    const char *sl_pips, *tp_pips, *lot, *risk_pct; /* fire: checked as numbers */
    const char *dir;                                /* keygen */
    bool server;                                    /* keygen --server */
    bool force;                                     /* keygen --force: overwrite an existing pair */
    bool override_risk; /* fire --override-risk: an explicit lot above the risk target */
    bool stats;                                     /* signals --stats */
} s_opts_t;

/*  Reasons bittenctl gives itself (the daemon's are in include/bitten/reason.h). */
#define R_USAGE "USAGE"
#define R_UNREACHABLE "UNREACHABLE"
#define R_BAD_REPLY "BAD_REPLY"
#define R_KEY_EXISTS "KEY_EXISTS"
#define R_WRITE_FAILED "WRITE_FAILED"
#define R_NOT_FOUND "NOT_FOUND"

/*  Floats in every JSON bittenctl prints: 15 significant digits, as in events and replies. */
#define S_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

static volatile sig_atomic_t s_interrupted;

static void s_on_signal(int signum)
{
    s_interrupted = 1;
}

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "usage: bittenctl [--control EP] [--timeout-ms N] [--json] COMMAND [options]\n"
        "       bittenctl --version | --help\n"
        "commands:\n"
        "  status                 uptime, frames in/out, rejects by reason, EAs, endpoints\n"
        "  eas [--uuid U]         every known EA (or one): online, last seen, round-trip time\n"
        "  config                 the daemon's effective configuration, with origins\n"
        "  reload                 re-read the config file, validate it whole, apply what can\n"
        "                         change live, say what needs a restart (as SIGHUP)\n"
        "  tail [--topic T]... [--uuid U] [--symbol S] [--count N] [--seconds N]\n"
        "                         print the events channel (topic prefix filters); notes\n"
        "                         seq gaps; exits 3 when bittend stops or goes silent\n"
        "  signals [--symbol S] [--limit N]\n"
        "                         stored VENOM signals, newest first, with CITADEL's verdict\n"
        "  signals --stats        the live outcome record per pattern: closed, win rate and\n"
        "                         E(R) with 95%% intervals, real fills' slippage (venom.md)\n"
        "  keygen --server | --uuid U [--dir D] [--force]\n"
        "                         make a CURVE certificate pair (D/NAME.cert, .cert_secret);\n"
        "                         an existing pair is kept unless --force\n"
        "  call CMD [key=value]...  send any control command (values that parse as numbers\n"
        "                         are sent as numbers)\n"
        "  accounts               every account: tier, mode, balance, equity, daily loss,\n"
        "                         drawdown, positions, fires today, telemetry age, halts\n"
        "  fires [--uuid U] [--state S] [--limit N]\n"
        "                         the fire journal, newest first (PROFIT unknown: a close\n"
        "                         the EA never reported, EA v7)\n"
        "  fire --uuid U --symbol S --action buy|sell --sl-pips N [--tp-pips N]\n"
        "       [--lot X [--override-risk] | --risk-pct X] [--id ID]\n"
        "                         an operator fire (the whole check chain applies; a --lot\n"
        "                         risking more than the tier's %% needs --override-risk)\n"
        "  close --uuid U [--symbol S] [--id ID]\n"
        "                         close the symbol's positions, or all of them\n"
        "  halt [--uuid U] [--hard] --why TEXT\n"
        "                         refuse new fires (global, or one account); --hard also\n"
        "                         closes the positions (close_all)\n"
        "  resume [--uuid U]      release the global halts, or the account's\n"
        "  xp --uuid U            the account's XP total and rank\n"
        "The control endpoint is --control, else $BITTEN_CONTROL, else " DEFAULT_CONTROL ".\n"
        "The operator token (bittend's control.token_file) is read from\n"
        "$BITTEN_CONTROL_TOKEN_FILE, else " DEFAULT_TOKEN_FILE " (when readable).\n"
        "With --json every command prints one JSON object on stdout, with \"ok\" and, when not\n"
        "ok, \"reason\" and \"error\" (tail: one object per event).\n"
        "Exit codes: 0 ok, 1 refused or not found (reason printed), 2 usage, 3 bittend not "
        "reachable.\n");
}

/* ---------------------------------------------------------------- request / reply */

//  The operator token (first line of the token file) into request["token"], when readable.
static void s_add_token(json_t *request)
{
    const char *path = getenv("BITTEN_CONTROL_TOKEN_FILE");
    FILE *f = fopen(path ? path : DEFAULT_TOKEN_FILE, "r");
    char token[256] = "";
    if (f && fgets(token, sizeof token, f))
        token[strcspn(token, "\r\n \t")] = '\0';
    if (f)
        fclose(f);
    if (*token)
        json_object_set_new(request, "token", json_string(token));
}

static void s_print_json(json_t *obj)
{
    char *text = json_dumps(obj, S_JSON_FLAGS);
    puts(text ? text : "{\"ok\":false,\"reason\":\"INTERNAL\",\"error\":\"out of memory\"}");
    free(text);
}

//  A failure of bittenctl itself: the message on stderr and, with --json, one object on
//  stdout. Returns rc.
static int s_fail(const s_opts_t *o, int rc, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail(const s_opts_t *o, int rc, const char *reason, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "bittenctl: %s\n", msg);
    if (o->json) {
        json_t *obj = json_pack("{s:b, s:s, s:s}", "ok", 0, "reason", reason, "error", msg);
        s_print_json(obj);
        json_decref(obj);
    }
    return rc;
}

//  Sends one request and returns the parsed reply, or NULL when bittend cannot be reached in
//  time or answers something else than a JSON object (*rc and the message set by s_fail).
static json_t *s_request(const s_opts_t *o, json_t *request, int *rc)
{
    void *ctx = zmq_ctx_new();
    void *req = zmq_socket(ctx, ZMQ_REQ);
    int zero = 0;
    zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(req, ZMQ_RCVTIMEO, &o->timeout_ms, sizeof o->timeout_ms);
    zmq_setsockopt(req, ZMQ_SNDTIMEO, &o->timeout_ms, sizeof o->timeout_ms);
    json_t *reply = NULL;
    s_add_token(request);
    char *text = json_dumps(request, JSON_COMPACT);
    if (zmq_connect(req, o->control) != 0) {
        *rc = s_fail(o, EXIT_USAGE, R_USAGE, "bad control endpoint '%s': %s", o->control,
                     zmq_strerror(errno));
    } else if (zmq_send(req, text, strlen(text), 0) < 0) {
        *rc = s_fail(o, EXIT_UNREACHABLE, R_UNREACHABLE, "cannot send to bittend at %s: %s",
                     o->control, zmq_strerror(errno));
    } else {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, req, 0) < 0)
            *rc = s_fail(o, EXIT_UNREACHABLE, R_UNREACHABLE,
                         "no answer from bittend at %s within %d ms (is it running?)", o->control,
                         o->timeout_ms);
        else {
            json_error_t jerr;
            reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
            if (!json_is_object(reply)) {
                json_decref(reply);
                reply = NULL;
                *rc = s_fail(o, EXIT_UNREACHABLE, R_BAD_REPLY,
                             "bittend at %s answered something that is not a JSON object",
                             o->control);
            }
        }
        zmq_msg_close(&msg);
    }
    free(text);
    zmq_close(req);
    zmq_ctx_term(ctx);
    return reply;
}

//  A refusal from bittend: the reason on stderr; with --json the reply itself on stdout (it
//  carries ok:false, reason and error).
static int s_refused(const s_opts_t *o, json_t *reply)
{
    if (!json_is_string(json_object_get(reply, "reason")))
        json_object_set_new(reply, "reason", json_string("?"));
    if (!json_is_string(json_object_get(reply, "error")))
        json_object_set_new(reply, "error", json_string(""));
    json_object_set_new(reply, "ok", json_false());
    fprintf(stderr, "bittenctl: refused: %s: %s\n",
            json_string_value(json_object_get(reply, "reason")),
            json_string_value(json_object_get(reply, "error")));
    if (o->json)
        s_print_json(reply);
    return EXIT_REFUSED;
}

/* ---------------------------------------------------------------- printers */

static void s_print_counts(const char *title, json_t *obj)
{
    printf("%-14s", title);
    const char *key;
    json_t *value;
    int n = 0;
    json_object_foreach(obj, key, value)
    {
        printf("%s%s=%" JSON_INTEGER_FORMAT, n++ ? " " : "", key, json_integer_value(value));
    }
    printf("%s\n", n ? "" : "none");
}

static void s_print_eas(json_t *list)
{
    size_t i;
    json_t *ea;
    printf("%-28s %-7s %-24s %8s %8s %s\n", "UUID", "STATE", "LAST SEEN", "AGE S", "RTT MS",
           "FRAMES");
    json_array_foreach(list, i, ea)
    {
        json_t *rtt = json_object_get(ea, "rtt_ms");
        char rtt_text[32] = "-";
        if (rtt)
            snprintf(rtt_text, sizeof rtt_text, "%.0f", json_number_value(rtt));
        printf("%-28s %-7s %-24s %8.1f %8s %" JSON_INTEGER_FORMAT "\n",
               json_string_value(json_object_get(ea, "uuid")),
               json_is_true(json_object_get(ea, "online")) ? "online" : "offline",
               json_string_value(json_object_get(ea, "last_seen")),
               json_number_value(json_object_get(ea, "age_s")), rtt_text,
               json_integer_value(json_object_get(ea, "frames")));
    }
}

static const char *s_str(json_t *obj, const char *key, const char *absent);
static void s_print_halt(json_t *h);

//  Halts (global and per account), then alarms: what an operator must look at first.
static void s_print_halts_and_alarms(json_t *r)
{
    json_t *risk = json_object_get(r, "risk");
    size_t n = json_array_size(json_object_get(risk, "global_halts")) +
               json_array_size(json_object_get(risk, "account_halts"));
    size_t k;
    json_t *h;
    if (n == 0)
        printf("%-14snone\n", "halts");
    else {
        printf("%-14s%zu active%s\n", "halts", n,
               json_is_true(json_object_get(risk, "halted_global")) ? "  GLOBAL HALT: no new fires"
                                                                    : "");
        json_array_foreach(json_object_get(risk, "global_halts"), k, h)
        {
            s_print_halt(h);
        }
        json_array_foreach(json_object_get(risk, "account_halts"), k, h)
        {
            s_print_halt(h);
        }
    }
    json_t *fires = json_object_get(r, "fires");
    json_t *tr = json_object_get(fires, "transitions");
    const char *strict =
        json_string_value(json_object_get(json_object_get(r, "zmq"), "strict_violation"));
    json_int_t timeouts = json_integer_value(json_object_get(tr, "TIMEOUT"));
    json_int_t unconfirmed = json_integer_value(json_object_get(tr, "UNCONFIRMED"));
    json_int_t failed = json_integer_value(json_object_get(tr, "FAILED"));
    json_int_t orphans = json_integer_value(json_object_get(fires, "orphan_results"));
    json_int_t unavailable =
        json_integer_value(json_object_get(json_object_get(r, "citadel"), "unavailable"));
    if (!strict && !timeouts && !unconfirmed && !failed && !orphans && !unavailable) {
        printf("%-14snone\n", "alarms");
        return;
    }
    printf("%-14s", "alarms");
    if (strict)
        printf("STRICT VIOLATION: %s  ", strict);
    if (timeouts)
        printf("fire timeouts=%" JSON_INTEGER_FORMAT "  ", timeouts);
    if (unconfirmed)
        printf("unconfirmed fires=%" JSON_INTEGER_FORMAT "  ", unconfirmed);
    if (failed)
        printf("failed fires=%" JSON_INTEGER_FORMAT "  ", failed);
    if (orphans)
        printf("orphan results=%" JSON_INTEGER_FORMAT "  ", orphans);
    if (unavailable)
        printf("citadel unavailable=%" JSON_INTEGER_FORMAT, unavailable);
    printf("\n");
}

static void s_print_fires_and_citadel(json_t *r)
{
    json_t *fires = json_object_get(r, "fires");
    if (fires) {
        printf("%-14sopen=%" JSON_INTEGER_FORMAT, "fires",
               json_integer_value(json_object_get(fires, "open")));
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(fires, "open_by_state"), key, v)
        {
            printf(" %s=%" JSON_INTEGER_FORMAT, key, json_integer_value(v));
        }
        printf("\n");
        s_print_counts("fires so far", json_object_get(fires, "transitions"));
        s_print_counts("fires refused", json_object_get(fires, "refused"));
    }
    json_t *c = json_object_get(r, "citadel");
    if (c) {
        char b[32];
        json_t *th = json_object_get(c, "threshold");
        if (json_is_number(th))
            snprintf(b, sizeof b, "%.1f", json_number_value(th));
        else
            snprintf(b, sizeof b, "-");
        printf("%-14sthreshold=%s tier=%s evaluated=%" JSON_INTEGER_FORMAT
               " passed=%" JSON_INTEGER_FORMAT "\n",
               "citadel", b, s_str(c, "tier", "-"),
               json_integer_value(json_object_get(c, "evaluated")),
               json_integer_value(json_object_get(c, "passed")));
        s_print_counts("blocked", json_object_get(c, "blocked"));
    }
}

static void s_print_status(json_t *r)
{
    json_t *ep = json_object_get(r, "endpoints");
    json_t *zmq = json_object_get(r, "zmq");
    json_t *cmd = json_object_get(r, "command");
    json_t *fb = json_object_get(r, "feedback");
    json_t *eas = json_object_get(r, "eas");
    printf("bittend %s  pid %" JSON_INTEGER_FORMAT "  up %.0f s  since %s\n",
           json_string_value(json_object_get(r, "version")),
           json_integer_value(json_object_get(r, "pid")),
           json_number_value(json_object_get(r, "uptime_s")),
           json_string_value(json_object_get(r, "started_at")));
    s_print_halts_and_alarms(r);
    printf("%-14scommand %s  feedback %s (%s)\n", "endpoints",
           json_string_value(json_object_get(ep, "command")),
           json_string_value(json_object_get(ep, "feedback")),
           json_string_value(json_object_get(r, "feedback_socket")));
    printf("%-14scontrol %s  events %s\n", "", json_string_value(json_object_get(ep, "control")),
           json_string_value(json_object_get(ep, "events")));
    printf("%-14smode=%s enforce=%s strict=%s%s%s\n", "zmq",
           json_is_true(json_object_get(zmq, "mode")) ? "on" : "off",
           json_is_true(json_object_get(zmq, "enforce")) ? "on" : "off",
           json_is_true(json_object_get(zmq, "strict")) ? "on" : "off",
           json_is_string(json_object_get(zmq, "strict_violation")) ? "  VIOLATION: " : "",
           json_is_string(json_object_get(zmq, "strict_violation"))
               ? json_string_value(json_object_get(zmq, "strict_violation"))
               : "");
    printf("%-14speers=%" JSON_INTEGER_FORMAT " keepalives=%" JSON_INTEGER_FORMAT
           " sends_refused=%" JSON_INTEGER_FORMAT "\n",
           "command", json_integer_value(json_object_get(cmd, "peers")),
           json_integer_value(json_object_get(cmd, "keepalives_sent")),
           json_integer_value(json_object_get(cmd, "sends_refused")));
    printf("%-14speers=%" JSON_INTEGER_FORMAT " disconnects=%" JSON_INTEGER_FORMAT
           " bytes_in=%" JSON_INTEGER_FORMAT "\n",
           "feedback", json_integer_value(json_object_get(fb, "peers")),
           json_integer_value(json_object_get(fb, "disconnects")),
           json_integer_value(json_object_get(fb, "bytes_in")));
    s_print_counts("frames in", json_object_get(r, "frames_in"));
    s_print_counts("frames out", json_object_get(r, "frames_out"));
    s_print_counts("rejects", json_object_get(r, "rejects"));
    s_print_fires_and_citadel(r);
    json_t *venom = json_object_get(r, "venom");
    if (venom) {
        json_t *last = json_object_get(venom, "last_signal_id");
        printf("%-14sticks=%" JSON_INTEGER_FORMAT " evaluations=%" JSON_INTEGER_FORMAT
               " signals=%" JSON_INTEGER_FORMAT " last=%s\n",
               "venom", json_integer_value(json_object_get(venom, "ticks")),
               json_integer_value(json_object_get(venom, "evaluations")),
               json_integer_value(json_object_get(venom, "signals")),
               json_is_string(last) ? json_string_value(last) : "-");
        s_print_counts("venom drops", json_object_get(venom, "drops"));
        s_print_counts("venom skips", json_object_get(venom, "skips"));
    }
    if (eas) {
        printf("%-14sknown=%" JSON_INTEGER_FORMAT " online=%" JSON_INTEGER_FORMAT "\n", "EAs",
               json_integer_value(json_object_get(eas, "known")),
               json_integer_value(json_object_get(eas, "online")));
        s_print_eas(json_object_get(eas, "list"));
    }
}

static void s_print_config(json_t *r)
{
    const char *key;
    json_t *entry;
    json_object_foreach(json_object_get(r, "config"), key, entry)
    {
        char *value = json_dumps(json_object_get(entry, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%-32s %-40s # %s\n", key, value ? value : "?",
               json_string_value(json_object_get(entry, "origin")));
        free(value);
    }
}

static const char *s_str(json_t *obj, const char *key, const char *absent)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : absent;
}

//  A number, or "-" when absent or not a number (null: unknown).
static const char *s_num_text(json_t *obj, const char *key, const char *fmt, char *buf, size_t size)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v))
        return json_is_string(v) ? json_string_value(v) : "-";
    snprintf(buf, size, fmt, json_number_value(v));
    return buf;
}

static void s_print_halt(json_t *h)
{
    printf("  halt %" JSON_INTEGER_FORMAT " %s %s%s%s %s (%s) since %s: %s\n",
           json_integer_value(json_object_get(h, "id")), s_str(h, "scope", "?"),
           s_str(h, "uuid", ""), json_object_get(h, "uuid") ? " " : "", s_str(h, "kind", "?"),
           s_str(h, "reason", "?"), s_str(h, "trigger", "?"), s_str(h, "since", "?"),
           s_str(h, "why", ""));
}

static void s_print_halt_reply(json_t *r)
{
    json_t *h = json_object_get(r, "halt");
    printf("halted: %s%s%s, %s, id %" JSON_INTEGER_FORMAT ": %s\n", s_str(h, "scope", "?"),
           json_object_get(h, "uuid") ? " " : "", s_str(h, "uuid", ""), s_str(h, "kind", "?"),
           json_integer_value(json_object_get(h, "id")), s_str(h, "why", ""));
}

static void s_print_resume_reply(json_t *r)
{
    json_t *list = json_object_get(r, "released");
    printf("released %zu halt%s\n", json_array_size(list), json_array_size(list) == 1 ? "" : "s");
    size_t i;
    json_t *h;
    json_array_foreach(list, i, h)
    {
        s_print_halt(h);
    }
}

static void s_print_xp_reply(json_t *r)
{
    printf("%s: %" JSON_INTEGER_FORMAT " XP, rank %s\n", s_str(r, "uuid", "?"),
           json_integer_value(json_object_get(r, "xp")), s_str(r, "rank", "?"));
}

static void s_print_fires(json_t *r)
{
    printf("%-6s %-28s %-20s %-8s %-9s %6s %-11s %-20s %10s %s\n", "ID", "SIGNAL", "UUID",
           "SYMBOL", "ACTION", "LOT", "STATE", "REASON", "PROFIT", "CREATED");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "fires"), i, f)
    {
        //  A close whose profit the EA never said (EA v7) reads "unknown", never a number.
        char profit[32] = "-";
        json_t *p = json_object_get(f, "profit");
        if (json_is_number(p))
            snprintf(profit, sizeof profit, "%.2f", json_number_value(p));
        else if (json_is_false(json_object_get(f, "profit_known")))
            snprintf(profit, sizeof profit, "unknown");
        printf("%-6" JSON_INTEGER_FORMAT " %-28s %-20s %-8s %-9s %6.2f %-11s %-20s %10s %s\n",
               json_integer_value(json_object_get(f, "id")), s_str(f, "signal_id", "?"),
               s_str(f, "uuid", "?"), s_str(f, "symbol", "-"), s_str(f, "action", "?"),
               json_number_value(json_object_get(f, "lot")), s_str(f, "state", "?"),
               s_str(f, "reason", "-"), profit, s_str(f, "created_at", "?"));
    }
}

static void s_print_fire_reply(json_t *r)
{
    printf("fire %" JSON_INTEGER_FORMAT " %s for %s: %s, lot %.2f\n",
           json_integer_value(json_object_get(r, "id")), s_str(r, "signal_id", "?"),
           s_str(r, "uuid", "?"), s_str(r, "state", "?"),
           json_number_value(json_object_get(r, "lot")));
}

static void s_print_accounts(json_t *r)
{
    printf("%-24s %-9s %-6s %10s %10s %7s %7s %3s %5s %6s %s\n", "UUID", "TIER", "MODE", "BALANCE",
           "EQUITY", "DLOSS%", "DD%", "POS", "FIRES", "AGE S", "HALTS");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r, "accounts"), i, a)
    {
        json_t *risk = json_object_get(a, "risk");
        char b1[32], b2[32], b3[32], b4[32], b5[32];
        printf("%-24s %-9s %-6s %10s %10s %7s %7s %3" JSON_INTEGER_FORMAT " %5" JSON_INTEGER_FORMAT
               " %6s %zu%s\n",
               s_str(a, "uuid", "?"), s_str(a, "tier", s_str(risk, "tier", "?")),
               s_str(a, "mode", "-"), s_num_text(risk, "balance", "%.2f", b1, sizeof b1),
               s_num_text(risk, "equity", "%.2f", b2, sizeof b2),
               s_num_text(risk, "daily_loss_pct", "%.2f", b3, sizeof b3),
               s_num_text(risk, "drawdown_pct", "%.2f", b4, sizeof b4),
               json_integer_value(json_object_get(risk, "open_positions")),
               json_integer_value(json_object_get(risk, "fires_today")),
               s_num_text(risk, "last_telemetry_age_s", "%.1f", b5, sizeof b5),
               json_array_size(json_object_get(risk, "halts")),
               json_is_true(json_object_get(risk, "medic")) ? " medic" : "");
        size_t k;
        json_t *h;
        json_array_foreach(json_object_get(risk, "halts"), k, h)
        {
            s_print_halt(h);
        }
    }
    size_t k;
    json_t *h;
    json_array_foreach(json_object_get(r, "global_halts"), k, h)
    {
        s_print_halt(h);
    }
}

/* ---------------------------------------------------------------- commands */

static void s_print_eas_reply(json_t *r)
{
    printf("command peers: %" JSON_INTEGER_FORMAT "\n",
           json_integer_value(json_object_get(r, "command_peers")));
    s_print_eas(json_object_get(r, "eas"));
}

//  Prints a successful reply (ok:true set) with print, or as JSON. Returns 0.
static int s_ok(const s_opts_t *o, json_t *reply, void (*print)(json_t *))
{
    json_object_set_new(reply, "ok", json_true());
    if (o->json || !print)
        s_print_json(reply);
    else
        print(reply);
    return EXIT_SUCCESS;
}

//  Sends request (stolen) and prints the reply with print, or as JSON.
static int s_command(const s_opts_t *o, json_t *request, void (*print)(json_t *))
{
    int rc = EXIT_SUCCESS;
    json_t *reply = s_request(o, request, &rc);
    json_decref(request);
    if (!reply)
        return rc;
    rc = json_is_true(json_object_get(reply, "ok")) ? s_ok(o, reply, print) : s_refused(o, reply);
    json_decref(reply);
    return rc;
}

static int s_simple(const s_opts_t *o, const char *cmd, void (*print)(json_t *))
{
    return s_command(o, json_pack("{s:s}", "cmd", cmd), print);
}

static int s_usage_error(const s_opts_t *o, const char *what)
{
    return s_fail(o, EXIT_USAGE, R_USAGE, "%s (try --help)", what);
}

static int s_call(const s_opts_t *o, int argc, char **argv)
{
    if (argc < 1)
        return s_usage_error(o, "call needs a command name");
    json_t *request = json_pack("{s:s}", "cmd", argv[0]);
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i]) {
            json_decref(request);
            char what[300];
            snprintf(what, sizeof what, "call: '%.200s' is not key=value", argv[i]);
            return s_usage_error(o, what);
        }
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
        char *end;
        double number = strtod(eq + 1, &end);
        json_object_set_new(request, key,
                            (*end == '\0' && end != eq + 1) ? json_real(number)
                                                            : json_string(eq + 1));
    }
    //  call prints the reply as JSON whatever --json says: it is the raw control API.
    s_opts_t raw = *o;
    raw.json = true;
    return s_command(&raw, request, NULL);
}

//  A number option into request[key]; absent is fine. Returns 0, or -1 (*rc set).
static int s_put_number(const s_opts_t *o, json_t *request, const char *key, const char *text,
                        const char *option, int *rc)
{
    if (!text)
        return 0;
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v)) {
        char what[200];
        snprintf(what, sizeof what, "%s: '%.100s' is not a number", option, text);
        *rc = s_usage_error(o, what);
        return -1;
    }
    json_object_set_new(request, key, json_real(v));
    return 0;
}

static int s_halt(s_opts_t *o)
{
    if (!o->why || !*o->why)
        return s_usage_error(o, "halt needs --why TEXT");
    json_t *request = json_pack("{s:s, s:s, s:b}", "cmd", "halt", "why", o->why, "hard", o->hard);
    if (o->uuid)
        json_object_set_new(request, "uuid", json_string(o->uuid));
    return s_command(o, request, s_print_halt_reply);
}

static int s_resume(s_opts_t *o)
{
    json_t *request = json_pack("{s:s}", "cmd", "resume");
    if (o->uuid)
        json_object_set_new(request, "uuid", json_string(o->uuid));
    return s_command(o, request, s_print_resume_reply);
}

static int s_xp(s_opts_t *o)
{
    if (!o->uuid)
        return s_usage_error(o, "xp needs --uuid U");
    return s_command(o, json_pack("{s:s, s:s}", "cmd", "xp", "uuid", o->uuid), s_print_xp_reply);
}

//  eas, or one EA with --uuid (not seen: NOT_FOUND, exit 1).
static int s_eas(s_opts_t *o)
{
    int rc = EXIT_SUCCESS;
    json_t *request = json_pack("{s:s}", "cmd", "eas");
    json_t *reply = s_request(o, request, &rc);
    json_decref(request);
    if (!reply)
        return rc;
    if (!json_is_true(json_object_get(reply, "ok"))) {
        rc = s_refused(o, reply);
        json_decref(reply);
        return rc;
    }
    if (o->uuid) {
        json_t *kept = json_array();
        size_t i;
        json_t *ea;
        json_array_foreach(json_object_get(reply, "eas"), i, ea)
        {
            if (strcmp(s_str(ea, "uuid", ""), o->uuid) == 0)
                json_array_append(kept, ea);
        }
        json_object_set_new(reply, "eas", kept);
        if (json_array_size(kept) == 0) {
            json_decref(reply);
            return s_fail(o, EXIT_REFUSED, R_NOT_FOUND, "no EA has been heard from uuid '%s'",
                          o->uuid);
        }
    }
    rc = s_ok(o, reply, s_print_eas_reply);
    json_decref(reply);
    return rc;
}

static int s_fires(s_opts_t *o)
{
    json_t *request = json_pack("{s:s}", "cmd", "fires");
    if (o->uuid)
        json_object_set_new(request, "uuid", json_string(o->uuid));
    if (o->state)
        json_object_set_new(request, "state", json_string(o->state));
    if (o->limit > 0)
        json_object_set_new(request, "limit", json_integer(o->limit));
    return s_command(o, request, s_print_fires);
}

static void s_print_signals(json_t *r)
{
    size_t i;
    json_t *sig;
    printf("%-24s %-28s %-8s %-4s %-26s %5s %6s %6s %-16s %s\n", "CREATED", "SIGNAL", "SYMBOL",
           "DIR", "PATTERN", "CONF", "SL", "TP", "VERDICT", "REASONS");
    json_array_foreach(json_object_get(r, "signals"), i, sig)
    {
        json_t *v = json_object_get(sig, "verdict");
        char reasons[256] = "-";
        json_t *list = json_object_get(v, "reasons");
        size_t j, off = 0;
        json_t *reason;
        json_array_foreach(list, j, reason)
        {
            int n = snprintf(reasons + off, sizeof reasons - off, "%s%s", j ? "," : "",
                             json_string_value(reason));
            if (n < 0 || (size_t)n >= sizeof reasons - off)
                break;
            off += (size_t)n;
        }
        printf("%-24s %-28s %-8s %-4s %-26s %5.1f %6.1f %6.1f %-16s %s\n",
               json_string_value(json_object_get(sig, "created_at")),
               json_string_value(json_object_get(sig, "signal_id")),
               json_string_value(json_object_get(sig, "symbol")),
               json_string_value(json_object_get(sig, "direction")),
               json_string_value(json_object_get(sig, "pattern")),
               json_number_value(json_object_get(sig, "confidence")),
               json_number_value(json_object_get(sig, "sl_pips")),
               json_number_value(json_object_get(sig, "tp_pips")),
               v ? json_string_value(json_object_get(v, "label")) : "-", reasons);
    }
}

static void s_print_stat_row(const char *name, json_t *g)
{
    char win[40] = "-", exp[48] = "-", need[24] = "-";
    json_t *wr = json_object_get(g, "win_rate"), *wi = json_object_get(g, "win_rate_95");
    json_t *e = json_object_get(g, "expectancy_r"), *ei = json_object_get(g, "expectancy_r_95");
    if (json_is_number(wr) && json_is_array(wi))
        snprintf(win, sizeof win, "%.1f%% [%.1f, %.1f]", 100 * json_number_value(wr),
                 100 * json_number_value(json_array_get(wi, 0)),
                 100 * json_number_value(json_array_get(wi, 1)));
    if (json_is_number(e) && json_is_array(ei))
        snprintf(exp, sizeof exp, "%+.3f [%+.3f, %+.3f]", json_number_value(e),
                 json_number_value(json_array_get(ei, 0)), json_number_value(json_array_get(ei, 1)));
    else if (json_is_number(e))
        snprintf(exp, sizeof exp, "%+.3f", json_number_value(e));
    if (json_is_integer(json_object_get(g, "trades_for_0_1r_edge")))
        snprintf(need, sizeof need, "%lld",
                 (long long)json_integer_value(json_object_get(g, "trades_for_0_1r_edge")));
    printf("%-26s %6lld %5lld %5lld %5lld  %-20s %-26s %8s\n", name,
           (long long)json_integer_value(json_object_get(g, "closed")),
           (long long)json_integer_value(json_object_get(g, "wins")),
           (long long)json_integer_value(json_object_get(g, "losses")),
           (long long)json_integer_value(json_object_get(g, "timeouts")), win, exp, need);
}

static void s_print_stats(json_t *r)
{
    json_t *st = json_object_get(r, "stats");
    printf("%-26s %6s %5s %5s %5s  %-20s %-26s %8s\n", "PATTERN", "CLOSED", "WIN", "LOSS", "T/O",
           "WIN RATE [95%]", "E(R) [95%]", "N(+0.1R)");
    const char *name;
    json_t *g;
    json_object_foreach(json_object_get(st, "pattern"), name, g)
    {
        s_print_stat_row(name, g);
    }
    s_print_stat_row("overall", json_object_get(st, "overall"));
    printf("open now: %lld, lost to restarts: %lld\n",
           (long long)json_integer_value(json_object_get(st, "open_now")),
           (long long)json_integer_value(json_object_get(st, "lost_open")));
    //  Real fills beside the shadow entries: slippage, adverse positive.
    json_object_foreach(json_object_get(st, "fills"), name, g)
    {
        json_t *mean = json_object_get(g, "slippage_pips_mean");
        if (json_integer_value(json_object_get(g, "n")) > 0 && json_is_number(mean))
            printf("fills %-20s %6lld  slippage %+.2f pips (%+.4f R) per fill\n", name,
                   (long long)json_integer_value(json_object_get(g, "n")), json_number_value(mean),
                   json_number_value(json_object_get(g, "slippage_r_mean")));
    }
    printf("fills of signals not followed here: %lld\n",
           (long long)json_integer_value(json_object_get(st, "fills_unmatched")));
}

static int s_signals(s_opts_t *o)
{
    if (o->stats)
        return s_command(o, json_pack("{s:s, s:b}", "cmd", "signals", "stats", 1), s_print_stats);
    json_t *request = json_pack("{s:s}", "cmd", "signals");
    if (o->symbol)
        json_object_set_new(request, "symbol", json_string(o->symbol));
    if (o->limit > 0)
        json_object_set_new(request, "limit", json_integer(o->limit));
    return s_command(o, request, s_print_signals);
}

//  fire and close: a DUPLICATE says what happened to the first use of the signal_id (the
//  reply's state and first_reason), not "already fired" when it was refused.
static int s_fire_command(const s_opts_t *o, json_t *request)
{
    int rc = EXIT_SUCCESS;
    json_t *reply = s_request(o, request, &rc);
    json_decref(request);
    if (!reply)
        return rc;
    if (json_is_true(json_object_get(reply, "ok"))) {
        rc = s_ok(o, reply, s_print_fire_reply);
        json_decref(reply);
        return rc;
    }
    const char *reason = s_str(reply, "reason", "");
    if (strcmp(reason, "DUPLICATE") == 0 && json_is_string(json_object_get(reply, "state"))) {
        char msg[400];
        const char *state = s_str(reply, "state", "?");
        const char *first = s_str(reply, "first_reason", NULL);
        if (strcmp(state, "REFUSED") == 0)
            snprintf(msg, sizeof msg, "signal_id %s was REFUSED (%s) earlier; pick a new --id",
                     s_str(reply, "signal_id", "?"), first ? first : "?");
        else
            snprintf(msg, sizeof msg,
                     "signal_id %s was already used (fire %" JSON_INTEGER_FORMAT
                     ", state %s%s%s); pick a new --id",
                     s_str(reply, "signal_id", "?"),
                     json_integer_value(json_object_get(reply, "id")), state, first ? ", " : "",
                     first ? first : "");
        json_object_set_new(reply, "error", json_string(msg));
    }
    rc = s_refused(o, reply);
    json_decref(reply);
    return rc;
}

static int s_fire(s_opts_t *o)
{
    if (!o->uuid || !o->symbol || !o->action || !o->sl_pips)
        return s_usage_error(o, "fire needs --uuid U --symbol S --action buy|sell --sl-pips N");
    if (strcmp(o->action, "buy") != 0 && strcmp(o->action, "sell") != 0)
        return s_usage_error(o, "fire: --action is buy or sell (closes: bittenctl close)");
    if (o->lot && o->risk_pct)
        return s_usage_error(o, "fire: give --lot or --risk-pct, not both");
    json_t *request = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "fire", "uuid", o->uuid, "symbol",
                                o->symbol, "action", o->action);
    if (o->id)
        json_object_set_new(request, "signal_id", json_string(o->id));
    if (o->override_risk && !o->lot) {
        json_decref(request);
        return s_usage_error(o, "fire: --override-risk goes with --lot");
    }
    if (o->override_risk)
        json_object_set_new(request, "override_risk", json_true());
    int rc = EXIT_USAGE;
    if (s_put_number(o, request, "sl_pips", o->sl_pips, "--sl-pips", &rc) != 0 ||
        s_put_number(o, request, "tp_pips", o->tp_pips, "--tp-pips", &rc) != 0 ||
        s_put_number(o, request, "lot", o->lot, "--lot", &rc) != 0 ||
        s_put_number(o, request, "risk_pct", o->risk_pct, "--risk-pct", &rc) != 0) {
        json_decref(request);
        return rc;
    }
    return s_fire_command(o, request);
}

static int s_close(s_opts_t *o)
{
    if (!o->uuid)
        return s_usage_error(o, "close needs --uuid U");
    json_t *request = json_pack("{s:s, s:s}", "cmd", "close", "uuid", o->uuid);
    if (o->symbol)
        json_object_set_new(request, "symbol", json_string(o->symbol));
    if (o->id)
        json_object_set_new(request, "signal_id", json_string(o->id));
    return s_fire_command(o, request);
}

//  One control request that must succeed for a composite command; NULL (printed, *rc set)
//  otherwise.
static json_t *s_request_ok(const s_opts_t *o, const char *cmd, int *rc)
{
    json_t *request = json_pack("{s:s}", "cmd", cmd);
    json_t *reply = s_request(o, request, rc);
    json_decref(request);
    if (reply && !json_is_true(json_object_get(reply, "ok"))) {
        *rc = s_refused(o, reply);
        json_decref(reply);
        reply = NULL;
    }
    return reply;
}

//  "accounts" (the router: tier, mode, limits) merged with "accounts_risk" (XP & risk: the
//  numbers and halts) by uuid; accounts only one of them knows are listed too.
static int s_accounts(s_opts_t *o)
{
    int rc = EXIT_SUCCESS;
    json_t *config = s_request_ok(o, "accounts", &rc);
    if (!config)
        return rc;
    json_t *risk = s_request_ok(o, "accounts_risk", &rc);
    if (!risk) {
        json_decref(config);
        return rc;
    }
    json_t *merged = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(config, "accounts"), i, a)
    {
        json_t *copy = json_deep_copy(a);
        json_object_set_new(copy, "risk", json_object());
        json_array_append_new(merged, copy);
    }
    json_array_foreach(json_object_get(risk, "accounts"), i, a)
    {
        const char *uuid = s_str(a, "uuid", "");
        json_t *target = NULL;
        size_t k;
        json_t *m;
        json_array_foreach(merged, k, m)
        {
            if (strcmp(s_str(m, "uuid", ""), uuid) == 0)
                target = m;
        }
        if (!target) {
            target = json_pack("{s:s}", "uuid", uuid);
            json_array_append_new(merged, target);
        }
        json_object_set(target, "risk", a);
    }
    json_t *halted = json_object_get(risk, "halted_global");
    json_t *halts = json_object_get(risk, "global_halts");
    json_t *out =
        json_pack("{s:o, s:O, s:O}", "accounts", merged, "halted_global",
                  halted ? halted : json_false(), "global_halts", halts ? halts : json_array());
    rc = s_ok(o, out, s_print_accounts);
    json_decref(out);
    json_decref(config);
    json_decref(risk);
    return rc;
}

//  An event frame is "topic {json}": filters look at the topic and, parsed, uuid and symbol.
static bool s_event_matches(const s_opts_t *o, const char *topic, json_t *body)
{
    if (o->n_topics) {
        bool any = false;
        for (size_t i = 0; i < o->n_topics && !any; i++)
            any = strncmp(topic, o->topics[i], strlen(o->topics[i])) == 0;
        if (!any)
            return false;
    }
    if (o->uuid && (!body || !json_string_value(json_object_get(body, "uuid")) ||
                    strcmp(json_string_value(json_object_get(body, "uuid")), o->uuid) != 0))
        return false;
    if (o->symbol && (!body || !json_string_value(json_object_get(body, "symbol")) ||
                      strcmp(json_string_value(json_object_get(body, "symbol")), o->symbol) != 0))
        return false;
    return true;
}

//  The events contract (docs/events.md) as a tail sees it: seq +1 per event, a heartbeat
//  every interval, daemon.stopping last. A jump is printed as a gap; a stop or three silent
//  intervals end the tail with EXIT_UNREACHABLE.
typedef struct {
    json_int_t last_seq;   /* 0: none yet */
    long heartbeat_ms;     /* 0: not known yet (no status asked, no heartbeat heard) */
    long quiet_ms;         /* since the last event */
} s_tail_watch_t;

static void s_tail_note(const s_opts_t *o, json_t *obj, const char *text)
{
    if (o->json) {
        char *line = json_dumps(obj, JSON_COMPACT);
        puts(line ? line : "{}");
        free(line);
    } else
        printf("# %s\n", text);
    fflush(stdout);
    json_decref(obj);
}

//  Notes a gap, learns the heartbeat interval. Returns true when the daemon says it stops.
static bool s_tail_watch(const s_opts_t *o, s_tail_watch_t *w, const char *topic, json_t *body)
{
    w->quiet_ms = 0;
    json_t *seq = json_object_get(body, "seq");
    if (json_is_integer(seq)) {
        json_int_t n = json_integer_value(seq);
        if (strcmp(topic, "daemon.started") == 0 || n <= w->last_seq)
            w->last_seq = 0; /* a new daemon process numbers from 1 again */
        if (w->last_seq > 0 && n > w->last_seq + 1) {
            char text[128];
            snprintf(text, sizeof text, "gap: %lld events lost (seq %lld..%lld)",
                     (long long)(n - w->last_seq - 1), (long long)(w->last_seq + 1),
                     (long long)(n - 1));
            s_tail_note(o, json_pack("{s:I, s:I, s:I}", "gap", n - w->last_seq - 1, "from",
                                     w->last_seq + 1, "to", n - 1),
                        text);
        }
        w->last_seq = n;
    }
    json_t *interval = json_object_get(body, strcmp(topic, "daemon.started") == 0 ? "heartbeat_s"
                                                                                 : "interval_s");
    if ((strcmp(topic, "daemon.heartbeat") == 0 || strcmp(topic, "daemon.started") == 0) &&
        json_is_integer(interval) && json_integer_value(interval) > 0)
        w->heartbeat_ms = (long)json_integer_value(interval) * 1000;
    return strcmp(topic, "daemon.stopping") == 0;
}

static void s_tail_stopping(const s_opts_t *o, json_t *body)
{
    const char *why = json_string_value(json_object_get(body, "why"));
    char text[160];
    snprintf(text, sizeof text, "bittend is stopping (%s): tail ends", why ? why : "?");
    s_tail_note(o, json_pack("{s:b, s:s}", "stopped", 1, "why", why ? why : "?"), text);
}

//  Heartbeats are the tail's own business: shown only when a --topic names them.
static bool s_tail_shows(const s_opts_t *o, const char *topic)
{
    if (strcmp(topic, "daemon.heartbeat") != 0)
        return true;
    for (size_t i = 0; i < o->n_topics; i++)
        if (strncmp(topic, o->topics[i], strlen(o->topics[i])) == 0)
            return true;
    return false;
}

static int s_tail(s_opts_t *o)
{
    char events_ep[256];
    s_tail_watch_t watch = {0, 0, 0};
    if (!o->events) {
        int rc = EXIT_SUCCESS;
        json_t *reply = s_request_ok(o, "status", &rc);
        if (!reply)
            return rc;
        json_t *hb = json_object_get(reply, "events_heartbeat_s");
        if (json_is_integer(hb) && json_integer_value(hb) > 0)
            watch.heartbeat_ms = (long)json_integer_value(hb) * 1000;
        const char *ep =
            json_string_value(json_object_get(json_object_get(reply, "endpoints"), "events"));
        snprintf(events_ep, sizeof events_ep, "%s", ep ? ep : "");
        json_decref(reply);
        //  A wildcard bind reports 0.0.0.0: connect over loopback instead.
        if (strncmp(events_ep, "tcp://0.0.0.0:", 14) == 0) {
            char port[16];
            snprintf(port, sizeof port, "%.15s", events_ep + 14);
            snprintf(events_ep, sizeof events_ep, "tcp://127.0.0.1:%s", port);
        }
        o->events = events_ep;
    }
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int zero = 0, poll_ms = 200;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &poll_ms, sizeof poll_ms);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(sub, o->events) != 0) {
        zmq_close(sub);
        zmq_ctx_term(ctx);
        return s_fail(o, EXIT_USAGE, R_USAGE, "bad events endpoint '%s'", o->events);
    }
    long seen = 0;
    int waited_ms = 0, rc = EXIT_SUCCESS;
    while (!s_interrupted && rc == EXIT_SUCCESS && (o->count == 0 || seen < o->count) &&
           (o->seconds == 0 || waited_ms < o->seconds * 1000)) {
        char buf[65536];
        int n = zmq_recv(sub, buf, sizeof buf - 1, 0);
        if (n < 0) {
            waited_ms += poll_ms;
            watch.quiet_ms += poll_ms;
            if (watch.heartbeat_ms > 0 && watch.quiet_ms >= 3 * watch.heartbeat_ms) {
                char text[160];
                snprintf(text, sizeof text, "no heartbeat for %ld s (3 intervals): bittend is "
                         "gone or unreachable; tail ends", watch.quiet_ms / 1000);
                s_tail_note(o, json_pack("{s:b, s:s, s:I}", "stopped", 1, "why", "no_heartbeat",
                                         "quiet_s", (json_int_t)(watch.quiet_ms / 1000)),
                            text);
                rc = EXIT_UNREACHABLE;
            }
            continue;
        }
        if (n > (int)sizeof buf - 1)
            n = (int)sizeof buf - 1;
        buf[n] = '\0';
        char *space = strchr(buf, ' ');
        const char *topic = buf;
        const char *body_text = space ? space + 1 : "";
        if (space)
            *space = '\0';
        json_error_t jerr;
        json_t *body = json_loads(body_text, 0, &jerr);
        bool stopping = s_tail_watch(o, &watch, topic, body);
        if (s_tail_shows(o, topic) && s_event_matches(o, topic, body)) {
            seen++;
            if (o->json) {
                json_t *line = json_pack("{s:s, s:O?}", "topic", topic, "event", body);
                char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(15));
                puts(text ? text : "{}");
                free(text);
                json_decref(line);
            } else
                printf("%-18s %s\n", topic, body_text);
            fflush(stdout);
        }
        if (stopping) {
            s_tail_stopping(o, body);
            rc = EXIT_UNREACHABLE;
        }
        json_decref(body);
    }
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return rc;
}

static bool s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

//  CURVE certificates (czmq zcert): the server's, or one per EA whose metadata names its
//  account. NAME.cert is public (the server's goes to every EA, an EA's to security.clients_dir);
//  NAME.cert_secret stays where it is used. Works offline: no daemon needed. An existing pair
//  is never replaced without --force: a new server key locks out every EA at the next start.
static int s_keygen(s_opts_t *o)
{
    if (o->server == (o->uuid != NULL))
        return s_usage_error(o, "keygen needs exactly one of --server or --uuid U");
    if (o->uuid && !bitten_valid_id(o->uuid))
        return s_usage_error(o, "keygen: --uuid must be 1-64 of [A-Za-z0-9_.:-]");
    const char *dir = o->dir ? o->dir : ".";
    char path[1024], secret[1040];
    snprintf(path, sizeof path, "%s/%s.cert", dir, o->server ? "server" : o->uuid);
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (!o->force && (s_exists(path) || s_exists(secret)))
        return s_fail(o, EXIT_REFUSED, R_KEY_EXISTS,
                      "keygen: '%s' exists; kept (replacing %s locks out %s until they get the "
                      "new public key; add --force to replace it)",
                      s_exists(path) ? path : secret,
                      o->server ? "the server key" : "this EA's key",
                      o->server ? "every EA" : "the EA");
    zcert_t *cert = zcert_new();
    if (!cert || zsys_dir_create("%s", dir) != 0) {
        zcert_destroy(&cert);
        return s_fail(o, EXIT_REFUSED, R_WRITE_FAILED, "keygen: cannot create '%s'", dir);
    }
    zcert_set_meta(cert, "role", "%s", o->server ? "bittend" : "ea");
    if (o->uuid)
        zcert_set_meta(cert, "uuid", "%s", o->uuid);
    int rc = zcert_save(cert, path);
    if (rc == 0) {
        chmod(secret, 0600);
        if (o->json) {
            json_t *out =
                json_pack("{s:b, s:s, s:s, s:s, s:b}", "ok", 1, "public", path, "secret", secret,
                          "public_key", zcert_public_txt(cert), "replaced", o->force);
            s_print_json(out);
            json_decref(out);
        } else
            printf("public  %s\nsecret  %s\nkey     %s\n", path, secret, zcert_public_txt(cert));
        rc = EXIT_SUCCESS;
    } else
        rc = s_fail(o, EXIT_REFUSED, R_WRITE_FAILED, "keygen: cannot write '%s'", path);
    zcert_destroy(&cert);
    return rc;
}

/* ---------------------------------------------------------------- options */

//  Long options; each command accepts the global ones plus those its table row names.
static const struct option s_long_opts[] = {{"control", required_argument, NULL, 'c'},
                                            {"timeout-ms", required_argument, NULL, 't'},
                                            {"json", no_argument, NULL, 'j'},
                                            {"events", required_argument, NULL, 'e'},
                                            {"topic", required_argument, NULL, 'T'},
                                            {"uuid", required_argument, NULL, 'u'},
                                            {"symbol", required_argument, NULL, 's'},
                                            {"count", required_argument, NULL, 'n'},
                                            {"seconds", required_argument, NULL, 'S'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"hard", no_argument, NULL, 'H'},
                                            {"why", required_argument, NULL, 'w'},
                                            {"state", required_argument, NULL, 'a'},
                                            {"limit", required_argument, NULL, 'l'},
                                            {"action", required_argument, NULL, 'A'},
                                            {"id", required_argument, NULL, 'i'},
                                            {"sl-pips", required_argument, NULL, 'L'},
                                            {"tp-pips", required_argument, NULL, 'P'},
                                            {"lot", required_argument, NULL, 'o'},
                                            {"risk-pct", required_argument, NULL, 'r'},
                                            {"dir", required_argument, NULL, 'd'},
                                            {"server", no_argument, NULL, 'V'},
                                            {"force", no_argument, NULL, 'F'},
                                            {"override-risk", no_argument, NULL, 'R'},
                                            {"stats", no_argument, NULL, 'X'},
                                            {"version", no_argument, NULL, 'v'},
                                            {NULL, 0, NULL, 0}};

#define S_GLOBAL_OPTS "ctjh"

typedef struct {
    const char *name;
    const char *opts; /* the s_long_opts values it accepts, besides S_GLOBAL_OPTS */
    int (*run)(s_opts_t *o);
} s_cmd_t;

static int s_run_status(s_opts_t *o)
{
    //  A person's status: with the EA list (a poll without `lists` gets counts only).
    return s_command(o, json_pack("{s:s, s:b}", "cmd", "status", "lists", 1), s_print_status);
}

static int s_run_config(s_opts_t *o)
{
    return s_simple(o, "config", s_print_config);
}

static void s_print_list(const char *what, json_t *list)
{
    size_t i;
    json_t *v;
    printf("%-15s", what);
    json_array_foreach(list, i, v)
    {
        printf("%s%s", i ? ", " : "", json_string_value(v));
    }
    printf("%s\n", json_array_size(list) ? "" : "-");
}

static void s_print_reload(json_t *r)
{
    s_print_list("changed", json_object_get(r, "changed"));
    s_print_list("applied", json_object_get(r, "applied"));
    s_print_list("restart needed", json_object_get(r, "restart_needed"));
}

//  Re-read and apply the configuration (as SIGHUP does); refused: the running one stays.
static int s_run_reload(s_opts_t *o)
{
    return s_simple(o, "reload", s_print_reload);
}

static const s_cmd_t s_cmds[] = {
    {"status", "", s_run_status},
    {"eas", "u", s_eas},
    {"config", "", s_run_config},
    {"reload", "", s_run_reload},
    {"tail", "eTusnS", s_tail},
    {"accounts", "", s_accounts},
    {"fires", "ual", s_fires},
    {"fire", "usALPoriR", s_fire},
    {"close", "usi", s_close},
    {"halt", "uHw", s_halt},
    {"resume", "u", s_resume},
    {"xp", "u", s_xp},
    {"keygen", "VudF", s_keygen},
    {"signals", "slX", s_signals},
};

//  A whole decimal number in [min, max]. Returns 0, or -1.
static int s_parse_int(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

//  One option into o. Returns 0, or an exit code (message printed).
static int s_take_option(s_opts_t *o, int c, const char *arg)
{
    long v = 0;
    char what[300];
    switch (c) {
    case 'c':
        o->control = arg;
        return 0;
    case 'j':
        o->json = true;
        return 0;
    case 't':
        if (s_parse_int(arg, 1, 3600000, &v) != 0) {
            snprintf(what, sizeof what,
                     "--timeout-ms: '%.100s' is not a whole number of ms (1-3600000)", arg);
            return s_usage_error(o, what);
        }
        o->timeout_ms = (int)v;
        return 0;
    case 'n':
    case 'S':
    case 'l':
        if (s_parse_int(arg, 0, 1000000000, &v) != 0) {
            snprintf(what, sizeof what, "--%s: '%.100s' is not a whole number >= 0",
                     c == 'n'   ? "count"
                     : c == 'S' ? "seconds"
                                : "limit",
                     arg);
            return s_usage_error(o, what);
        }
        if (c == 'n')
            o->count = v;
        else if (c == 'S')
            o->seconds = (int)v;
        else
            o->limit = (int)v;
        return 0;
    case 'e':
        o->events = arg;
        return 0;
    case 'T':
        if (o->n_topics == sizeof o->topics / sizeof *o->topics)
            return s_usage_error(o, "tail: at most 16 --topic");
        o->topics[o->n_topics++] = arg;
        return 0;
    case 'u':
        o->uuid = arg;
        return 0;
    case 's':
        o->symbol = arg;
        return 0;
    case 'H':
        o->hard = true;
        return 0;
    case 'w':
        o->why = arg;
        return 0;
    case 'a':
        o->state = arg;
        return 0;
    case 'A':
        o->action = arg;
        return 0;
    case 'i':
        o->id = arg;
        return 0;
    case 'L':
        o->sl_pips = arg;
        return 0;
    case 'P':
        o->tp_pips = arg;
        return 0;
    case 'o':
        o->lot = arg;
        return 0;
    case 'R':
        o->override_risk = true;
        return 0;
    case 'r':
        o->risk_pct = arg;
        return 0;
    case 'd':
        o->dir = arg;
        return 0;
    case 'V':
        o->server = true;
        return 0;
    case 'F':
        o->force = true;
        return 0;
    case 'X':
        o->stats = true;
        return 0;
    default:
        return s_usage_error(o, "unknown option");
    }
}

static const char *s_long_name(int c)
{
    for (const struct option *p = s_long_opts; p->name; p++)
        if (p->val == c)
            return p->name;
    return "?";
}

int main(int argc, char **argv)
{
    s_opts_t o = {.timeout_ms = 3000};
    o.control = getenv("BITTEN_CONTROL") ? getenv("BITTEN_CONTROL") : DEFAULT_CONTROL;
    //  Known before parsing, so that even a usage error is one JSON object under --json.
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            o.json = true;
    opterr = 0;
    int c;
    //  '+' stops at the command name; the global options are accepted after it too.
    while ((c = getopt_long(argc, argv, "+:h", s_long_opts, NULL)) != -1) {
        if (c == 'h') {
            s_usage(stdout);
            return EXIT_SUCCESS;
        }
        if (c == 'v') {
            printf("bittenctl %s\n", BITTEN_VERSION);
            return EXIT_SUCCESS;
        }
        if (c == ':' || c == '?' || !strchr(S_GLOBAL_OPTS, c)) {
            char what[200];
            snprintf(what, sizeof what, "%s option '%.100s' before the command",
                     c == ':' ? "missing value for" : "unknown", argv[optind - 1]);
            return s_usage_error(&o, what);
        }
        int rc = s_take_option(&o, c, optarg);
        if (rc != 0)
            return rc;
    }
    if (optind >= argc) {
        s_usage(stderr);
        return s_fail(&o, EXIT_USAGE, R_USAGE, "a command is needed (try --help)");
    }
    const char *name = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    if (strcmp(name, "call") == 0)
        return s_call(&o, sub_argc - 1, sub_argv + 1);
    const s_cmd_t *cmd = NULL;
    for (size_t i = 0; i < sizeof s_cmds / sizeof *s_cmds && !cmd; i++)
        if (strcmp(s_cmds[i].name, name) == 0)
            cmd = &s_cmds[i];
    if (!cmd) {
        char what[200];
        snprintf(what, sizeof what, "unknown command '%.100s'", name);
        return s_usage_error(&o, what);
    }
    optind = 1;
    while ((c = getopt_long(sub_argc, sub_argv, ":h", s_long_opts, NULL)) != -1) {
        if (c == 'h') {
            s_usage(stdout);
            return EXIT_SUCCESS;
        }
        char what[200];
        if (c == ':' || c == '?') {
            snprintf(what, sizeof what, "%s: %s option '%.100s'", name,
                     c == ':' ? "missing value for" : "unknown", sub_argv[optind - 1]);
            return s_usage_error(&o, what);
        }
        if (!strchr(S_GLOBAL_OPTS, c) && !strchr(cmd->opts, c)) {
            snprintf(what, sizeof what, "%s does not take --%s", name, s_long_name(c));
            return s_usage_error(&o, what);
        }
        int rc = s_take_option(&o, c, optarg);
        if (rc != 0)
            return rc;
    }
    if (optind < sub_argc) {
        char what[200];
        snprintf(what, sizeof what, "%s: unexpected argument '%.100s'", name, sub_argv[optind]);
        return s_usage_error(&o, what);
    }
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return cmd->run(&o);
}
