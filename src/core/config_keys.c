/*  config_keys.c: THE table of configuration keys: every tunable number of bittend lives here
 *  with its type, default, range and one doc line. docs/configuration.md is generated from it. */
#include "bitten/config.h"

#define NR 1, 0 /* no range */
#define S BITTEN_CFG_STRING
#define I BITTEN_CFG_INT
#define D BITTEN_CFG_DOUBLE
#define B BITTEN_CFG_BOOL
#define L BITTEN_CFG_LIST

//  Keep keys of one section together: --print-config nests them by prefix.
const bitten_cfg_key_t bitten_config_keys[] = {
    /* channels */
    {"command.endpoint", S, "tcp://*:5555", NR, NULL, NULL,
     "PUSH socket EAs connect their PULL to (commands, keepalives, pings)"},
    {"command.keepalive_s", I, "30", 1, 110, NULL, NULL,
     "seconds between keepalive heartbeats to each connected EA (EA v7 reconnects after 120 s of silence)"},
    {"command.sndhwm", I, "1000", 1, 1000000, NULL, NULL,
     "frames queued per EA connection before sends refuse with NO_EA_CONNECTED"},
    {"command.allow_shared", B, "false", NR, NULL, NULL,
     "allow fires while several EAs share the PUSH socket (only for EAs that filter by uuid)"},
    {"feedback.endpoint", S, "tcp://*:5556", NR, NULL, NULL,
     "socket EAs connect their PUB (or PUSH) to (telemetry, results, heartbeats, ticks)"},
    {"feedback.socket", S, "sub", NR, "sub|pull", NULL,
     "sub: bound SUB subscribed to everything; pull: bound PULL for EAs whose feedback socket is a PUSH"},
    {"feedback.max_frame_bytes", I, "65536", 256, 16777216, NULL, NULL,
     "ZMQ_MAXMSGSIZE on every receiving socket; a larger frame drops that peer's connection"},
    {"feedback.rcvhwm", I, "100000", 100, 10000000, NULL, NULL,
     "frames buffered in libzmq before a flooding EA is throttled (SUB drops, PULL pushes back)"},
    {"feedback.server_utc_offset_s", I, "0", -50400, 50400, NULL, NULL,
     "MT5 server time minus UTC, in seconds, for timestamps sent as 'YYYY.MM.DD HH:MM:SS'"},
    {"control.endpoint", S, "tcp://127.0.0.1:5557", NR, NULL, NULL,
     "REP socket for bittenctl; loopback or ipc:// only"},
    {"events.endpoint", S, "tcp://127.0.0.1:5558", NR, NULL, NULL,
     "PUB socket where every decision is published as 'topic {json}'"},
    {"events.sndhwm", I, "10000", 1, 10000000, NULL, NULL,
     "events queued per subscriber before the slowest subscriber loses events"},
    /* loop and process */
    {"loop.max_frames_per_wakeup", I, "256", 1, 100000, NULL, NULL,
     "frames handled per socket per loop wakeup, so one busy socket cannot starve the others"},
    {"state_dir", S, "/var/lib/bitten", NR, NULL, NULL,
     "directory for the SQLite store and other state that must survive a restart"},
    {"shutdown.linger_ms", I, "200", 0, 2000, NULL, NULL,
     "ZMQ_LINGER on close: how long unsent frames may delay a stop"},
    /* EAs */
    {"ea.offline_after_s", I, "90", 5, 86400, NULL, NULL,
     "an EA that sent no frame for this long is offline; fires for its account are refused (EA_OFFLINE)"},
    {"ea.ping_interval_s", I, "60", 0, 86400, NULL, NULL,
     "seconds between pings on the command channel to measure EA round-trip time; 0 = off"},
    {"ea.check_interval_ms", I, "1000", 50, 60000, NULL, NULL,
     "how often EA liveness is checked"},
    /* logging and rejects */
    {"log.level", S, "info", NR, "debug|info|warn|error", NULL, "lowest level written"},
    {"log.format", S, "logfmt", NR, "logfmt|json", NULL,
     "logfmt: 'TS LEVEL module event key=value'; json: one object per line"},
    {"log.file", S, "", NR, NULL, NULL, "append to this file (reopened on SIGHUP); empty = stderr"},
    {"log.repeat_window_ms", I, "1000", 0, 3600000, NULL, NULL,
     "identical log lines within this window are counted, then reported as log.suppressed"},
    {"reject.log_interval_ms", I, "1000", 0, 3600000, NULL, NULL,
     "at most one log line per reject reason in this interval (all are counted)"},
    {"reject.excerpt_bytes", I, "64", 0, 1024, NULL, NULL,
     "bytes of a rejected frame shown in its log line and reject event"},
    /* enforcement (architecture.md section 6) */
    {"zmq.mode", B, "true", NR, NULL, "ZMQ_MODE",
     "ZMQ is the only transport; turning it off is refused"},
    {"zmq.enforce", B, "true", NR, NULL, "ZMQ_ENFORCE",
     "endpoints must be tcp://, ipc:// or inproc://; file or HTTP transport keys are start-up errors"},
    {"zmq.strict", B, "true", NR, NULL, "ZMQ_STRICT",
     "legacy files (fire.txt, trade_result.txt) in strict.legacy_dirs block start-up and halt firing"},
    {"strict.legacy_dirs", L, "", NR, NULL, NULL,
     "comma-separated folders searched for fire.txt and trade_result.txt"},
    {"strict.check_interval_s", I, "10", 1, 3600, NULL, NULL,
     "seconds between run-time checks for legacy files"},
    {NULL, S, NULL, NR, NULL, NULL, NULL},
};
