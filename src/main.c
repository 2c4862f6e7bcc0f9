/*  main.c: bittend's entry point and the only file that knows every module: parse the command
 *  line, layer the configuration, enforce ZMQ mode, start the core and the modules, run, stop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitten/config.h"
#include "bitten/core.h"
#include "bitten/events.h"
#include "core/config_check.h"
#include "core/daemon.h"
#include "core/metrics.h"
#include "core/security.h"
#include "core/strict.h"
#include "core/symbols_config.h"
#include "modules/accounts/accounts.h"
#include "modules/citadel/citadel.h"
#include "modules/ea_registry/ea_registry.h"
#include "modules/fire_router/fire_router.h"
#include "modules/xp_risk/xp_risk.h"
#include "replay/replay.h"
#include "modules/venom/venom.h"

#define EXIT_CONFIG 2
#define EXIT_LOCKED 3 /* another bittend holds state_dir/bittend.lock */
#define LOCK_FILE "bittend.lock"
#define ERR_MAX 512

/* ---------------------------------------------------------------- the module table */

static void *s_accounts_new(bitten_core_t *core)
{
    return accounts_new(core);
}

static void s_accounts_destroy(void **self_p)
{
    accounts_destroy((accounts_t **)self_p);
}

static void *s_ea_registry_new(bitten_core_t *core)
{
    return ea_registry_new(core);
}

static void s_ea_registry_destroy(void **self_p)
{
    ea_registry_destroy((ea_registry_t **)self_p);
}

static void *s_venom_new(bitten_core_t *core)
{
    return venom_new(core);
}

static void s_venom_destroy(void **self_p)
{
    venom_destroy((venom_t **)self_p);
}

static void *s_citadel_new(bitten_core_t *core)
{
    return citadel_new(core);
}

static void s_citadel_destroy(void **self_p)
{
    citadel_destroy((citadel_t **)self_p);
}

static void *s_fire_router_new(bitten_core_t *core)
{
    return fire_router_new(core);
}

static void s_fire_router_destroy(void **self_p)
{
    fire_router_destroy((fire_router_t **)self_p);
}

static void *s_xp_risk_new(bitten_core_t *core)
{
    return xp_risk_new(core);
}

static void s_xp_risk_destroy(void **self_p)
{
    xp_risk_destroy((xp_risk_t **)self_p);
}

static int s_accounts_reload(void *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    return accounts_reload(self, cfg, err, errlen);
}

static int s_citadel_reload(void *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    return citadel_reload(self, cfg, err, errlen);
}

static int s_venom_reload(void *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    return venom_reload(self, cfg, err, errlen);
}

static int s_xp_risk_reload(void *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    return xp_risk_reload(self, cfg, err, errlen);
}

//  Created in this order, destroyed in reverse. Adding a module is one line here. The
//  accounts module comes first: every other module may ask it about an account, and its
//  first-contact handler must run before theirs.
static const bitten_module_t s_modules[] = {
    {"accounts", s_accounts_new, s_accounts_destroy, accounts_check_config, s_accounts_reload},
    {"ea_registry", s_ea_registry_new, s_ea_registry_destroy, NULL, NULL},
    {"venom", s_venom_new, s_venom_destroy, bitten_symbols_check_config, s_venom_reload},
    {"citadel", s_citadel_new, s_citadel_destroy, citadel_check_config, s_citadel_reload},
    {"fire_router", s_fire_router_new, s_fire_router_destroy, NULL, NULL},
    {"xp_risk", s_xp_risk_new, s_xp_risk_destroy, xp_risk_check_config, s_xp_risk_reload},
};
#define MODULE_COUNT (sizeof s_modules / sizeof *s_modules)

/* ---------------------------------------------------------------- command line */

typedef struct {
    const char *config_path;
    const char *sets[64]; /* "key=value" in command-line order */
    size_t n_sets;
    bool print_config, print_doc, check_config, print_events_doc;
    bool no_zmq_mode;
    const char *replay_path; /* --replay FILE: VENOM over a file, no sockets */
    bool outcomes;
    venom_report_t report; /* --report json|table */
    char owned[3][512];   /* storage for the --log-* shorthands */
} s_args_t;

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: bittend [--config FILE] [--set key=value]... [options]\n"
            "  --config FILE        ZPL configuration file (see docs/configuration.md)\n"
            "  --set key=value      override one key (repeatable; wins over file and env)\n"
            "  --log-level L        debug|info|warn|error (= --set log.level=L)\n"
            "  --log-format F       logfmt|json (= --set log.format=F)\n"
            "  --log-file PATH      append the log to PATH, reopened on SIGHUP\n"
            "  --zmq-mode           ZMQ mode on (the default and the only mode)\n"
            "  --no-zmq-mode        refused: ZMQ is the only transport\n"
            "  --zmq-enforce        endpoints must be ZMQ; file/HTTP transport keys are errors\n"
            "  --zmq-strict         legacy files in strict.legacy_dirs block start-up and firing\n"
            "  --insecure           allow a non-loopback bind without CURVE (warns every minute)\n"
            "  --print-config       print the effective configuration (ZPL) and exit\n"
            "  --print-config-doc   print the configuration key table (Markdown) and exit\n"
            "  --print-events-doc   print the events channel's topics and fields (Markdown), exit\n"
            "  --check-config       validate the configuration and exit 0, or 2 naming the key\n"
            "  --replay FILE        run VENOM over FILE (JSON-lines frames or CSV ticks/bars),\n"
            "                       print each signal and a summary as JSON lines, and exit\n"
            "  --outcomes           with --replay: follow each signal under the cost model\n"
            "                       (WIN / LOSS / TIMEOUT, or OPEN marked to market)\n"
            "  --report json|table  with --replay: only the outcome report (intervals per\n"
            "                       pattern, session, symbol, before and after CITADEL)\n"
            "  --version, --help\n"
            "Environment: every key as BITTEN_<KEY> (dots as '_'), and ZMQ_MODE, ZMQ_ENFORCE,\n"
            "ZMQ_STRICT. Precedence: defaults < file < environment < command line.\n");
}

//  Returns 0, 1 to exit 0 (help/version), or -1 on a usage error (message printed).
static int s_parse_args(int argc, char **argv, s_args_t *a)
{
    enum { O_SET = 256, O_LEVEL, O_FORMAT, O_FILE, O_MODE, O_NO_MODE, O_ENFORCE, O_STRICT,
           O_PRINT, O_DOC, O_CHECK, O_VERSION, O_INSECURE, O_REPLAY, O_OUTCOMES, O_REPORT,
           O_EVENTS_DOC };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},   {"set", required_argument, NULL, O_SET},
        {"log-level", required_argument, NULL, O_LEVEL},
        {"log-format", required_argument, NULL, O_FORMAT},
        {"log-file", required_argument, NULL, O_FILE}, {"zmq-mode", no_argument, NULL, O_MODE},
        {"no-zmq-mode", no_argument, NULL, O_NO_MODE},
        {"zmq-enforce", no_argument, NULL, O_ENFORCE},
        {"zmq-strict", no_argument, NULL, O_STRICT},
        {"print-config", no_argument, NULL, O_PRINT},
        {"print-config-doc", no_argument, NULL, O_DOC},
        {"check-config", no_argument, NULL, O_CHECK}, {"version", no_argument, NULL, O_VERSION},
        {"insecure", no_argument, NULL, O_INSECURE},
        {"replay", required_argument, NULL, O_REPLAY},
        {"outcomes", no_argument, NULL, O_OUTCOMES},
        {"report", required_argument, NULL, O_REPORT},
        {"print-events-doc", no_argument, NULL, O_EVENTS_DOC},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    //  The flag forms are --set shorthands, kept as strings so one code path parses them.
    static const char *const fixed[] = {
        [O_MODE - O_SET] = "zmq.mode=true", [O_ENFORCE - O_SET] = "zmq.enforce=true",
        [O_STRICT - O_SET] = "zmq.strict=true", [O_INSECURE - O_SET] = "security.insecure=true"};
    static const char *const prefixed[] = {[O_LEVEL - O_SET] = "log.level=",
                                           [O_FORMAT - O_SET] = "log.format=",
                                           [O_FILE - O_SET] = "log.file="};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (a->n_sets == sizeof a->sets / sizeof *a->sets) {
            fprintf(stderr, "bittend: too many --set options\n");
            return -1;
        }
        switch (c) {
        case 'c':
            a->config_path = optarg;
            break;
        case O_SET:
            a->sets[a->n_sets++] = optarg;
            break;
        case O_LEVEL:
        case O_FORMAT:
        case O_FILE: {
            char *buf = a->owned[c - O_LEVEL];
            snprintf(buf, sizeof a->owned[0], "%s%s", prefixed[c - O_SET], optarg);
            a->sets[a->n_sets++] = buf;
            break;
        }
        case O_MODE:
        case O_ENFORCE:
        case O_STRICT:
        case O_INSECURE:
            a->sets[a->n_sets++] = fixed[c - O_SET];
            break;
        case O_NO_MODE:
            a->no_zmq_mode = true;
            break;
        case O_PRINT:
            a->print_config = true;
            break;
        case O_DOC:
            a->print_doc = true;
            break;
        case O_CHECK:
            a->check_config = true;
            break;
        case O_REPLAY:
            a->replay_path = optarg;
            break;
        case O_OUTCOMES:
            a->outcomes = true;
            break;
        case O_EVENTS_DOC:
            a->print_events_doc = true;
            break;
        case O_REPORT:
            if (strcmp(optarg, "json") == 0)
                a->report = VENOM_REPORT_JSON;
            else if (strcmp(optarg, "table") == 0)
                a->report = VENOM_REPORT_TABLE;
            else {
                fprintf(stderr, "bittend: --report takes json or table, not '%s'\n", optarg);
                return -1;
            }
            break;
        case O_VERSION:
            printf("bittend %s\n", BITTEN_VERSION);
            return 1;
        case 'h':
            s_usage(stdout);
            return 1;
        default:
            fprintf(stderr, "bittend: unknown or incomplete option '%s' (try --help)\n",
                    argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bittend: unexpected argument '%s' (try --help)\n", argv[optind]);
        return -1;
    }
    if ((a->outcomes || a->report != VENOM_REPORT_LINES) && !a->replay_path) {
        fprintf(stderr, "bittend: --outcomes and --report need --replay FILE (try --help)\n");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- configuration */

static int s_load_config(const s_args_t *a, bitten_config_t *cfg, char *err, size_t errlen)
{
    if (a->config_path && bitten_config_load_file(cfg, a->config_path, err, errlen) != 0)
        return -1;
    if (bitten_config_load_env(cfg, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < a->n_sets; i++) {
        char key[128];
        const char *eq = strchr(a->sets[i], '=');
        if (!eq || eq == a->sets[i] || (size_t)(eq - a->sets[i]) >= sizeof key) {
            snprintf(err, errlen, "config: --set '%s': expected key=value", a->sets[i]);
            return -1;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - a->sets[i]), a->sets[i]);
        if (bitten_config_set(cfg, key, eq + 1, "cli", err, errlen) != 0)
            return -1;
    }
    return 0;
}

static bool s_is_zmq_endpoint(const char *ep)
{
    return strncmp(ep, "tcp://", 6) == 0 || strncmp(ep, "ipc://", 6) == 0 ||
           strncmp(ep, "inproc://", 9) == 0;
}

//  Architecture section 6 and 8: refuse to run in any mode but ZMQ. Returns 0 or -1 + err.
static int s_enforce(const s_args_t *a, const bitten_config_t *cfg, char *err, size_t errlen)
{
    if (a->no_zmq_mode || !bitten_config_bool(cfg, "zmq.mode")) {
        snprintf(err, errlen, "config: key 'zmq.mode' (ZMQ_MODE / --no-zmq-mode): ZMQ mode "
                              "cannot be turned off; ZMQ is the only transport");
        return -1;
    }
    //  The EA-facing ones first: they carry CURVE (n_ea of them).
    static const char *const endpoints[] = {"command.endpoint", "feedback.endpoint",
                                            "router.endpoint",  "confirm.endpoint",
                                            "control.endpoint", "events.endpoint"};
    const size_t n_ea = 4;
    bool enforce = bitten_config_bool(cfg, "zmq.enforce");
    if (bitten_config_check_endpoints(cfg, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < sizeof endpoints / sizeof *endpoints; i++) {
        const char *ep = bitten_config_str(cfg, endpoints[i]);
        if (enforce && !s_is_zmq_endpoint(ep)) {
            snprintf(err, errlen, "config: key '%s': '%s' is not a ZMQ endpoint (tcp://, ipc://, "
                                  "inproc://) and ZMQ_ENFORCE is on", endpoints[i], ep);
            return -1;
        }
    }
    //  Architecture section 8: EAs on the internet only with CURVE, unless the operator says
    //  --insecure out loud (and hears about it every minute).
    bool curve = bitten_config_bool(cfg, "security.curve");
    bool insecure = bitten_config_bool(cfg, "security.insecure");
    for (size_t i = 0; i < sizeof endpoints / sizeof *endpoints; i++) {
        const char *ep = bitten_config_str(cfg, endpoints[i]);
        bool authenticated = curve && i < n_ea; /* the EA-facing sockets carry CURVE */
        if (!bitten_endpoint_is_local(ep) && !authenticated && !insecure) {
            snprintf(err, errlen, "config: key '%s': '%s' is not loopback; turn security.curve on "
                                  "(server certificate + allowed EA certificates) or start with "
                                  "--insecure", endpoints[i], ep);
            return -1;
        }
    }
    if (curve && (!*bitten_config_str(cfg, "security.server_cert") ||
                  !*bitten_config_str(cfg, "security.clients_dir"))) {
        snprintf(err, errlen, "config: key '%s': required when security.curve is on",
                 *bitten_config_str(cfg, "security.server_cert") ? "security.clients_dir"
                                                                  : "security.server_cert");
        return -1;
    }
    //  --print-config shows a configuration for a machine that may not have its files yet.
    if (!a->print_config && bitten_config_check_files(cfg, err, errlen) != 0)
        return -1;
    //  The metrics endpoint is HTTP without authentication: loopback, or --insecure.
    char host[64], why[160], as_tcp[96];
    int port = 0;
    bool off = false;
    const char *metrics = bitten_config_str(cfg, "metrics.endpoint");
    if (core_metrics_parse_endpoint(metrics, host, sizeof host, &port, &off, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: key 'metrics.endpoint': %s", why);
        return -1;
    }
    snprintf(as_tcp, sizeof as_tcp, "tcp://%s:%d", host, port);
    if (!off && !insecure && !bitten_endpoint_is_local(as_tcp)) {
        snprintf(err, errlen, "config: key 'metrics.endpoint': '%s' is not loopback; start with "
                              "--insecure to serve metrics beyond this machine", metrics);
        return -1;
    }
    const char *ctl = bitten_config_str(cfg, "control.endpoint");
    if (!bitten_endpoint_is_local(ctl)) {
        snprintf(err, errlen, "config: key 'control.endpoint': '%s' must be loopback or ipc://",
                 ctl);
        return -1;
    }
    const char *legacy = bitten_config_legacy_key(cfg, 0);
    if (legacy && enforce) {
        snprintf(err, errlen, "config: key '%s' names a file or HTTP transport; ZMQ is the only "
                              "transport (ZMQ_ENFORCE is on)", legacy);
        return -1;
    }
    if (bitten_config_bool(cfg, "zmq.strict")) {
        char path[512];
        if (bitten_strict_find_legacy(cfg, path, sizeof path) == 1) {
            snprintf(err, errlen, "strict: legacy execution file '%.400s' exists; remove it or turn "
                                  "ZMQ_STRICT off (key 'zmq.strict')", path);
            return -1;
        }
    }
    return 0;
}

//  Each module's own validation, so a bad account entry is exit 2 naming the key, not a
//  module that fails to start after the sockets are bound.
static int s_check_modules(const bitten_config_t *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < MODULE_COUNT; i++)
        if (s_modules[i].check_config && s_modules[i].check_config(cfg, err, errlen) != 0)
            return -1;
    return 0;
}

static bitten_log_t *s_open_log(const bitten_config_t *cfg, char *err, size_t errlen)
{
    const char *file = bitten_config_str(cfg, "log.file");
    int level = bitten_log_level_from_str(bitten_config_str(cfg, "log.level"));
    bitten_log_format_t format = strcmp(bitten_config_str(cfg, "log.format"), "json") == 0
                                     ? BITTEN_LOG_JSON
                                     : BITTEN_LOG_LOGFMT;
    bitten_log_t *log = bitten_log_new(file, (bitten_log_level_t)level, format,
                                       (int)bitten_config_int(cfg, "log.repeat_window_ms"));
    if (!log) {
        snprintf(err, errlen, "config: key 'log.file': cannot open '%.300s' for appending", file);
        return NULL;
    }
    int journal = bitten_log_journal_from_str(bitten_config_str(cfg, "log.journal"));
    bitten_log_set_journal(log, journal < 0 ? BITTEN_LOG_JOURNAL_AUTO : (bitten_log_journal_t)journal,
                           bitten_config_str(cfg, "log.journal_socket"));
    return log;
}

//  The whole configuration as start-up checks it: layers, enforcement, every module's check.
static int s_validate(const s_args_t *a, bitten_config_t *cfg, char *err, size_t errlen)
{
    return s_load_config(a, cfg, err, errlen) != 0 || s_enforce(a, cfg, err, errlen) != 0 ||
                   s_check_modules(cfg, err, errlen) != 0
               ? -1
               : 0;
}

/* ---------------------------------------------------------------- reload */

typedef struct {
    const s_args_t *args;
    bitten_log_t *log;
    bitten_core_t *core;
    void *modules[MODULE_COUNT];
    //  Every configuration the daemon ran with, the last one current: the core's settings
    //  and the modules' cached strings point into older ones, so they live until exit.
    bitten_config_t **cfgs;
    size_t n_cfgs;
} s_daemon_t;

//  What a reload applies live, by key prefix, and the module whose reload callback does it
//  (NULL: main.c itself). A changed key outside these, or of a module without a callback,
//  needs a restart; so do the few below that are read once at start.
static const struct {
    const char *prefix, *module;
} s_live[] = {{"accounts", "accounts"}, {"default_account.", "accounts"}, {"risk.", "xp_risk"},
              {"citadel.", "citadel"},  {"venom.", "venom"},            {"log.level", NULL}};
static const char *const s_start_only[] = {"citadel.evidence_seed_file",
                                           "risk.snapshot_interval_s"};

//  key is prefix, or under it when prefix ends in '.'
static bool s_key_matches(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(key, prefix, n) == 0 && (prefix[n - 1] == '.' || key[n] == '\0');
}

static bool s_is_live(const char *key)
{
    for (size_t i = 0; i < sizeof s_start_only / sizeof *s_start_only; i++)
        if (strcmp(key, s_start_only[i]) == 0)
            return false;
    if (s_key_matches(key, "venom.")) { /* only the fields venom_engine_apply_live copies */
        bool live = false;
        for (size_t i = 0; venom_params_live_keys[i] && !live; i++)
            live = s_key_matches(key, venom_params_live_keys[i]);
        if (!live)
            return false;
    }
    for (size_t i = 0; i < sizeof s_live / sizeof *s_live; i++) {
        if (!s_key_matches(key, s_live[i].prefix))
            continue;
        if (!s_live[i].module)
            return true;
        for (size_t m = 0; m < MODULE_COUNT; m++)
            if (strcmp(s_modules[m].name, s_live[i].module) == 0)
                return s_modules[m].reload != NULL;
    }
    return false;
}

static bool s_key_changed(const bitten_config_t *a, const bitten_config_t *b,
                          const bitten_cfg_key_t *k)
{
    if (k->type != BITTEN_CFG_SECTION)
        return strcmp(bitten_config_text(a, k->key), bitten_config_text(b, k->key)) != 0;
    char *x = bitten_config_section_dump(a, k->key), *y = bitten_config_section_dump(b, k->key);
    bool changed = !x || !y || strcmp(x, y) != 0;
    free(x);
    free(y);
    return changed;
}

//  The lines of a section dump that name an endpoint, in order ("" when none).
static char *s_endpoint_lines(const char *dump)
{
    size_t n = dump ? strlen(dump) : 0, o = 0;
    char *out = calloc(1, n + 1);
    for (const char *p = dump; out && p && *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool has = false;
        for (size_t i = 0; i + 9 <= len && !has; i++)
            has = strncmp(p + i, "_endpoint", 9) == 0;
        if (has) {
            memcpy(out + o, p, len);
            o += len;
            out[o++] = '\n';
        }
        p = end ? end + 1 : p + len;
    }
    return out;
}

//  True when an account's own endpoint pair changed: the core binds those at start only, so a
//  reload applies the rest of the accounts section and reports these as restart-needed.
static bool s_account_endpoints_changed(const bitten_config_t *a, const bitten_config_t *b)
{
    char *x = bitten_config_section_dump(a, "accounts"), *y = bitten_config_section_dump(b, "accounts");
    char *ex = s_endpoint_lines(x), *ey = s_endpoint_lines(y);
    bool changed = !ex || !ey || strcmp(ex, ey) != 0;
    free(ex);
    free(ey);
    free(x);
    free(y);
    return changed;
}

static void s_join(json_t *list, char *buf, size_t size)
{
    size_t o = 0, i;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach(list, i, v)
    {
        int n = snprintf(buf + o, size - o, "%s%s", i ? "," : "", json_string_value(v));
        if (n < 0 || (size_t)n >= size - o)
            break;
        o += (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, size, "-");
}

//  SIGHUP and `bittenctl reload`: the file, environment and --set read again and checked
//  whole as at start-up; on any error the running configuration stays. Then the changed keys
//  that can change live are applied (modules' reload callbacks, the log level) and the rest
//  are reported as needing a restart.
static bitten_reason_t s_reload(void *arg, json_t *reply)
{
    s_daemon_t *dm = arg;
    char err[ERR_MAX] = "out of memory";
    bitten_config_t *next = bitten_config_new();
    bitten_config_t **grown =
        next ? realloc(dm->cfgs, (dm->n_cfgs + 1) * sizeof *dm->cfgs) : NULL;
    if (grown)
        dm->cfgs = grown;
    if (!next || !grown || s_validate(dm->args, next, err, sizeof err) != 0) {
        char q[ERR_MAX + 16];
        BLOG_ERROR(dm->log, "core", "config.reload_failed", "error=%s action=kept_running_config",
                   bitten_log_quote(err, q, sizeof q));
        json_object_set_new(reply, "error", json_string(err));
        bitten_config_destroy(&next);
        return BITTEN_R_CONFIG_INVALID;
    }
    const bitten_config_t *cur = dm->cfgs[dm->n_cfgs - 1];
    json_t *changed = json_array(), *applied = json_array(), *restart = json_array();
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        if (!s_key_changed(cur, next, k))
            continue;
        json_array_append_new(changed, json_string(k->key));
        json_array_append_new(s_is_live(k->key) ? applied : restart, json_string(k->key));
        if (strcmp(k->key, "accounts") == 0 && s_account_endpoints_changed(cur, next))
            json_array_append_new(restart, json_string("accounts.*.command_endpoint/feedback_endpoint"));
    }
    dm->cfgs[dm->n_cfgs++] = next;
    bitten_core_config_replace(dm->core, next);
    bitten_log_set_level(dm->log, (bitten_log_level_t)bitten_log_level_from_str(
                                      bitten_config_str(next, "log.level")));
    bitten_reason_t rc = BITTEN_R_OK;
    for (size_t m = 0; m < MODULE_COUNT; m++)
        if (s_modules[m].reload && s_modules[m].reload(dm->modules[m], next, err, sizeof err) != 0) {
            BLOG_ERROR(dm->log, "core", "config.reload_failed", "module=%s error=\"%s\"",
                       s_modules[m].name, err);
            json_object_set_new(reply, "error", json_string(err));
            rc = BITTEN_R_INTERNAL;
        }
    char c[1024], a[1024], r[1024];
    s_join(changed, c, sizeof c);
    s_join(applied, a, sizeof a);
    s_join(restart, r, sizeof r);
    BLOG(dm->log, json_array_size(restart) ? BITTEN_LOG_WARN : BITTEN_LOG_INFO, "core",
         "config.reloaded", "changed=%s applied=%s restart_needed=%s", c, a, r);
    json_object_set_new(reply, "changed", changed);
    json_object_set_new(reply, "applied", applied);
    json_object_set_new(reply, "restart_needed", restart);
    return rc;
}

/* ---------------------------------------------------------------- the state-dir lock */

//  One bittend per state_dir: two would restore the same accounts and mark each other's
//  PENDING/SENT fires UNCONFIRMED. flock() on state_dir/bittend.lock, held (fd open, not
//  inherited) until the process ends, also by kill -9: the kernel drops it with the fd.
//  Returns the fd, -1 with err (cannot lock), or -2 with err naming the holder's pid.
static int s_lock_state_dir(const char *state_dir, char *err, size_t errlen)
{
    if (mkdir(state_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "state_dir: cannot create '%.300s': %s", state_dir, strerror(errno));
        return -1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", state_dir, LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "state_dir: cannot open '%.300s': %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (e != EWOULDBLOCK) {
            snprintf(err, errlen, "state_dir: cannot lock '%.300s': %s", path, strerror(e));
            return -1;
        }
        snprintf(err, errlen, "state_dir '%.200s' is in use by another bittend (pid %.20s holds %.220s)",
                 state_dir, *pid ? pid : "unknown", path);
        return -2;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        snprintf(err, errlen, "state_dir: cannot write '%.300s': %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---------------------------------------------------------------- run */

static int s_run(s_daemon_t *dm)
{
    char err[ERR_MAX];
    bitten_log_t *log = dm->log;
    bitten_core_t *core = bitten_core_new(dm->cfgs[0], log, err, sizeof err);
    if (!core) {
        BLOG_ERROR(log, "core", "daemon.start_failed", "error=\"%s\"", err);
        fprintf(stderr, "bittend: %s\n", err);
        return EXIT_FAILURE;
    }
    dm->core = core;
    void **modules = dm->modules;
    size_t started = 0;
    for (; started < MODULE_COUNT; started++) {
        modules[started] = s_modules[started].create(core);
        if (!modules[started]) {
            BLOG_ERROR(log, "core", "module.start_failed", "module=%s", s_modules[started].name);
            break;
        }
    }
    int rc = EXIT_FAILURE;
    if (started == MODULE_COUNT) {
        bitten_core_set_reload(core, s_reload, dm);
        char banner[160];
        BLOG_INFO(log, "core", "banner", "msg=%s",
                  bitten_log_quote("BITTEN ZMQ MODE ENABLED — File fallback disabled.", banner,
                                   sizeof banner));
        rc = bitten_core_run(core) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        bitten_core_shutdown_begin(core);
    }
    while (started > 0) {
        started--;
        s_modules[started].destroy(&modules[started]);
    }
    bitten_core_destroy(&core);
    BLOG_INFO(log, "core", "daemon.stopped", "exit=%d", rc);
    return rc;
}

//  Every EA holds one or two fds: the soft limit goes up to the hard one (the unit sets both,
//  LimitNOFILE; a shell's soft 1024 would cap a manual start at ~500 EAs, and libzmq aborts
//  on EMFILE in some listeners). Logged either way, so an operator sees the ceiling.
static void s_raise_nofile(bitten_log_t *log)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    BLOG_INFO(log, "core", "process.nofile", "soft=%llu hard=%llu was=%llu",
              (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
              (unsigned long long)was);
}

int main(int argc, char **argv)
{
    s_args_t args = {0};
    int parsed = s_parse_args(argc, argv, &args);
    if (parsed != 0)
        return parsed > 0 ? EXIT_SUCCESS : EXIT_CONFIG;
    if (args.print_doc) {
        bitten_config_write_doc(stdout);
        return EXIT_SUCCESS;
    }
    if (args.print_events_doc) {
        bitten_events_write_doc(stdout);
        return EXIT_SUCCESS;
    }
    char err[ERR_MAX];
    bitten_config_t *cfg = bitten_config_new();
    //  A replay is offline (no sockets, no log): transport enforcement does not apply.
    if (!cfg ||
        (args.replay_path ? s_load_config(&args, cfg, err, sizeof err) != 0 ||
                                s_check_modules(cfg, err, sizeof err) != 0
                          : s_validate(&args, cfg, err, sizeof err) != 0)) {
        fprintf(stderr, "bittend: %s\n", cfg ? err : "out of memory");
        bitten_config_destroy(&cfg);
        return EXIT_CONFIG;
    }
    if (args.replay_path) {
        int rc = venom_replay_report(cfg, args.replay_path, args.outcomes, args.report, stdout,
                                     err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "bittend: %s\n", err);
        bitten_config_destroy(&cfg);
        return rc == 0 && fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_CONFIG;
    }
    if (args.print_config || args.check_config) {
        if (args.print_config)
            bitten_config_print(cfg, stdout);
        else
            printf("ok\n");
        bitten_config_destroy(&cfg);
        return EXIT_SUCCESS;
    }
    //  Before the log opens: a second bittend writes nothing into the first one's log file,
    //  only its one line on stderr.
    int lock = s_lock_state_dir(bitten_config_str(cfg, "state_dir"), err, sizeof err);
    if (lock < 0) {
        fprintf(stderr, "bittend: %s\n", err);
        bitten_config_destroy(&cfg);
        return lock == -2 ? EXIT_LOCKED : EXIT_FAILURE;
    }
    bitten_log_t *log = s_open_log(cfg, err, sizeof err);
    if (!log) {
        fprintf(stderr, "bittend: %s\n", err);
        close(lock);
        bitten_config_destroy(&cfg);
        return EXIT_CONFIG;
    }
    signal(SIGPIPE, SIG_IGN);
    s_raise_nofile(log);
    //  A file size limit (RLIMIT_FSIZE) must not kill the daemon silently: the write fails
    //  with EFBIG instead, the store reports it, and the fire is refused (fail closed).
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; bitten_config_legacy_key(cfg, i); i++)
        BLOG_WARN(log, "core", "config.legacy_key_ignored", "key=%s",
                  bitten_config_legacy_key(cfg, i));
    s_daemon_t dm = {.args = &args, .log = log, .cfgs = malloc(sizeof(bitten_config_t *))};
    if (!dm.cfgs) {
        fprintf(stderr, "bittend: out of memory\n");
        close(lock);
        bitten_log_destroy(&log);
        bitten_config_destroy(&cfg);
        return EXIT_FAILURE;
    }
    dm.cfgs[dm.n_cfgs++] = cfg;
    int rc = s_run(&dm);
    close(lock);
    bitten_log_destroy(&log);
    for (size_t i = 0; i < dm.n_cfgs; i++)
        bitten_config_destroy(&dm.cfgs[i]);
    free(dm.cfgs);
    return rc;
}
