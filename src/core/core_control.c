/*  core_control.c: the control socket (REQ/REP JSON requests, served by a ROUTER): the command
 *  table, one reply per request, and the core's own commands "status" and "config". */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "core/store.h"

/* ---------------------------------------------------------------- registration (core.h) */

int bitten_core_control_register(bitten_core_t *core, const char *command,
                                 bitten_control_access_t access, const bitten_control_arg_t *args,
                                 bitten_control_fn *fn, void *self)
{
    if (core->n_controls == CORE_MAX_CONTROL || strlen(command) >= sizeof core->controls[0].name)
        return -1;
    core_control_t *c = &core->controls[core->n_controls++];
    snprintf(c->name, sizeof c->name, "%s", command);
    c->access = access;
    c->args = args;
    c->fn = fn;
    c->self = self;
    return 0;
}

/* ---------------------------------------------------------------- argument schemas */

static bool s_arg_type_ok(bitten_arg_type_t type, const json_t *v)
{
    switch (type) {
    case BITTEN_ARG_STRING:
        return json_is_string(v);
    case BITTEN_ARG_INT:
        if (json_is_integer(v))
            return true;
        if (json_is_real(v)) {
            double d = json_real_value(v);
            return isfinite(d) && d == (double)(int64_t)d && fabs(d) < 9e15;
        }
        return false;
    case BITTEN_ARG_NUMBER:
        return json_is_integer(v) || (json_is_real(v) && isfinite(json_real_value(v)));
    case BITTEN_ARG_BOOL:
        return json_is_boolean(v);
    }
    return false;
}

static const char *s_arg_type_name(bitten_arg_type_t type)
{
    switch (type) {
    case BITTEN_ARG_STRING:
        return "must be a string";
    case BITTEN_ARG_INT:
        return "must be an integer";
    case BITTEN_ARG_NUMBER:
        return "must be a number";
    case BITTEN_ARG_BOOL:
        return "must be true or false";
    }
    return "has the wrong type";
}

static const bitten_control_arg_t *s_arg_find(const bitten_control_arg_t *args, const char *name)
{
    for (size_t i = 0; args && args[i].name; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

bitten_reason_t bitten_control_check_args(const bitten_control_arg_t *args, const json_t *request,
                                          const char **field, const char **why)
{
    *field = "";
    *why = "";
    if (!json_is_object(request)) {
        *why = "request must be a JSON object";
        return BITTEN_R_BAD_REQUEST;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)request, key, v)
    {
        if (strcmp(key, "cmd") == 0 || strcmp(key, "token") == 0) {
            if (!json_is_string(v)) {
                *field = strcmp(key, "cmd") == 0 ? "cmd" : "token";
                *why = "must be a string";
                return BITTEN_R_BAD_REQUEST;
            }
            continue;
        }
        const bitten_control_arg_t *a = s_arg_find(args, key);
        if (!a) {
            *field = key;
            *why = "is not a field of this command";
            return BITTEN_R_BAD_REQUEST;
        }
        if (!s_arg_type_ok(a->type, v)) {
            *field = a->name;
            *why = s_arg_type_name(a->type);
            return BITTEN_R_BAD_REQUEST;
        }
    }
    for (size_t i = 0; args && args[i].name; i++)
        if (args[i].required && !json_object_get(request, args[i].name)) {
            *field = args[i].name;
            *why = "is required";
            return BITTEN_R_BAD_REQUEST;
        }
    return BITTEN_R_OK;
}

int bitten_core_status_register(bitten_core_t *core, const char *section, bitten_status_fn *fn,
                                void *self)
{
    if (core->n_statuses == CORE_MAX_STATUS || strlen(section) >= sizeof core->statuses[0].name)
        return -1;
    core_status_t *s = &core->statuses[core->n_statuses++];
    snprintf(s->name, sizeof s->name, "%s", section);
    s->fn = fn;
    s->self = self;
    return 0;
}

/* ---------------------------------------------------------------- status and config */

static json_t *s_counts(const uint64_t *counts, size_t n, const char *(*name)(int), bool all)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
        if (all || counts[i])
            json_object_set_new(obj, name((int)i), json_integer((json_int_t)counts[i]));
    return obj;
}

static const char *s_frame_name(int i)
{
    return bitten_frame_type_str((bitten_frame_type_t)i);
}

static const char *s_reason_name(int i)
{
    return bitten_reason_str((bitten_reason_t)i);
}

//  Every EA-facing channel with its peers and what it proves (docs/protocol-notes.md).
static json_t *s_channels(bitten_core_t *core)
{
    core_stats_t *st = &core->stats;
    json_t *ch = json_object();
    json_t *cmd = core_peers_json(&core->command_peers, core->ep_command);
    json_object_set_new(cmd, "owner", json_string(core->set.command_account));
    json_object_set_new(ch, "command", cmd);
    json_t *fb = core_peers_json(&core->feedback_peers, core->ep_feedback);
    json_object_set_new(fb, "socket", json_string(core->set.feedback_socket));
    json_object_set_new(fb, "anonymous_account", json_string(core->set.anonymous_account));
    json_object_set_new(fb, "frames", json_integer((json_int_t)core->src_feedback.frames));
    json_object_set_new(fb, "refused", json_integer((json_int_t)core->src_feedback.refused));
    json_object_set_new(fb, "attributed_anonymous",
                        json_integer((json_int_t)st->attributed_anonymous));
    json_object_set_new(fb, "unattributed_market",
                        json_integer((json_int_t)st->unattributed_market));
    json_object_set_new(ch, "feedback", fb);
    json_t *rt = core_peers_json(&core->router_peers, core->ep_router);
    json_object_set_new(rt, "frames", json_integer((json_int_t)core->src_router.frames));
    json_object_set_new(rt, "refused", json_integer((json_int_t)core->src_router.refused));
    json_object_set_new(rt, "routes_learned", json_integer((json_int_t)st->routes_learned));
    json_object_set_new(rt, "routes_refused", json_integer((json_int_t)st->routes_refused));
    json_object_set_new(ch, "router", rt);
    json_t *cf = core_peers_json(&core->confirm_peers, core->ep_confirm);
    json_object_set_new(cf, "frames", json_integer((json_int_t)core->src_confirm.frames));
    json_object_set_new(cf, "refused", json_integer((json_int_t)core->src_confirm.refused));
    json_object_set_new(ch, "confirm", cf);
    json_t *pairs = json_array();
    for (size_t i = 0; i < core->n_pairs; i++) {
        core_pair_t *p = &core->pairs[i];
        json_array_append_new(
            pairs, json_pack("{s:s, s:o, s:o, s:I, s:I}", "uuid", p->uuid, "command",
                             core_peers_json(&p->command_peers, p->ep_command), "feedback",
                             core_peers_json(&p->feedback_peers, p->ep_feedback), "frames",
                             (json_int_t)p->src.frames, "refused", (json_int_t)p->src.refused));
    }
    json_object_set_new(ch, "accounts", pairs);
    json_object_set_new(ch, "sends_refused",
                        s_counts(st->sends_by_reason, BITTEN_R_COUNT_, s_reason_name, false));
    return ch;
}

bool bitten_core_status_lists(const bitten_core_t *core)
{
    return core && core->status_lists;
}

//  lists: also every account's risk state and every EA (bounded); else counts only.
static const bitten_control_arg_t s_status_args[] = {{"lists", BITTEN_ARG_BOOL, false},
                                                     {NULL, 0, false}};

static bitten_reason_t s_control_status(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    core_stats_t *st = &core->stats;
    const core_settings_t *set = &core->set;
    bitten_ms_t now = core_daemon_ms(core);
    char ts[32];
    json_object_set_new(reply, "version", json_string(BITTEN_VERSION));
    json_object_set_new(reply, "pid", json_integer(getpid()));
    json_object_set_new(reply, "started_at",
                        json_string(bitten_format_time(core->started_ms, ts, sizeof ts)));
    json_object_set_new(reply, "uptime_s", json_real((double)(now - core->started_ms) / 1000.0));
    json_object_set_new(reply, "endpoints",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "command", core->ep_command,
                                  "feedback", core->ep_feedback, "router", core->ep_router,
                                  "confirm", core->ep_confirm, "control", core->ep_control,
                                  "events", core->ep_events));
    json_object_set_new(reply, "feedback_socket", json_string(set->feedback_socket));
    json_object_set_new(reply, "zmq",
                        json_pack("{s:b, s:b, s:b, s:s?}", "mode", set->zmq_mode, "enforce",
                                  set->zmq_enforce, "strict", set->strict, "strict_violation",
                                  core->strict_path[0] ? core->strict_path : NULL));
    json_object_set_new(reply, "frames_in",
                        s_counts(st->frames_in, BITTEN_FRAME_COUNT_, s_frame_name, false));
    json_object_set_new(reply, "frames_out",
                        s_counts(st->frames_out, BITTEN_FRAME_COUNT_, s_frame_name, false));
    json_object_set_new(reply, "rejects",
                        s_counts(st->rejects, BITTEN_R_COUNT_, s_reason_name, false));
    uint64_t total_rejects = 0;
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        total_rejects += st->rejects[i];
    json_object_set_new(reply, "rejects_total", json_integer((json_int_t)total_rejects));
    json_object_set_new(reply, "command",
                        json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "peers",
                                  core->command_peers.count, "connects",
                                  (json_int_t)core->command_peers.connects, "disconnects",
                                  (json_int_t)core->command_peers.disconnects, "auth_failures",
                                  (json_int_t)core->command_peers.auth_failures, "sends_refused",
                                  (json_int_t)st->sends_refused, "keepalives_sent",
                                  (json_int_t)st->keepalives_sent));
    json_object_set_new(reply, "feedback",
                        json_pack("{s:i, s:I, s:I, s:I, s:I}", "peers", core->feedback_peers.count,
                                  "connects", (json_int_t)core->feedback_peers.connects,
                                  "disconnects", (json_int_t)core->feedback_peers.disconnects,
                                  "auth_failures", (json_int_t)core->feedback_peers.auth_failures,
                                  "bytes_in", (json_int_t)st->bytes_in));
    json_object_set_new(reply, "security",
                        json_pack("{s:b, s:b, s:s}", "curve", core->server_cert != NULL,
                                  "insecure", set->insecure, "trust", core_trust_mode(core)));
    json_object_set_new(reply, "channels", s_channels(core));
    json_object_set_new(reply, "events_published", json_integer((json_int_t)st->events_published));
    json_object_set_new(reply, "events_unheard", json_integer((json_int_t)st->events_unheard));
    json_object_set_new(reply, "events_invalid", json_integer((json_int_t)st->events_invalid));
    json_object_set_new(reply, "events_seq", json_integer((json_int_t)core->events_seq));
    json_object_set_new(reply, "events_heartbeat_s", json_integer(core->heartbeat_s));
    json_object_set_new(reply, "event_subscriptions", json_integer(core->event_subscriptions));
    json_object_set_new(reply, "events",
                        json_pack("{s:i, s:i, s:i, s:I, s:I, s:I}", "subscriptions",
                                  core->event_subscriptions, "max_subscriptions",
                                  core->set.events_max_subs, "peers", core->events_peers.count,
                                  "sheds", (json_int_t)core->stats.events_sheds, "peers_shed",
                                  (json_int_t)core->stats.events_peers_shed, "refused",
                                  (json_int_t)core->stats.events_refused));
    json_object_set_new(reply, "control_requests", json_integer((json_int_t)st->control_requests));
    json_object_set_new(reply, "control_bad_args", json_integer((json_int_t)st->control_bad_args));
    json_object_set_new(reply, "control_unauthorized",
                        json_integer((json_int_t)st->control_unauthorized));
    json_object_set_new(reply, "control_auth",
                        json_string(core->control_token[0] ? "token"
                                    : core->control_ipc    ? "ipc_file_mode"
                                                           : "read_only"));
    const core_clock_t *clk = &core->clock;
    json_object_set_new(
        reply, "clock",
        json_pack("{s:s, s:I, s:I, s:I, s:I}", "ages", "monotonic", "wall_offset_ms",
                  (json_int_t)clk->offset_ms, "steps", (json_int_t)clk->steps, "last_step_ms",
                  (json_int_t)clk->last_step_ms, "step_alarm_ms", (json_int_t)clk->step_alarm_ms));
    bitten_store_stats_t ss;
    bitten_store_stats(core->store, &ss);
    json_object_set_new(reply, "store",
                        json_pack("{s:i, s:I, s:I}", "busy_timeout_ms", ss.busy_timeout_ms, "busy",
                                  (json_int_t)ss.busy, "failed", (json_int_t)ss.failed));
    core->status_lists = json_is_true(json_object_get(request, "lists"));
    for (size_t i = 0; i < core->n_statuses; i++) {
        json_t *section = json_object();
        core->statuses[i].fn(core->statuses[i].self, section);
        json_object_set_new(reply, core->statuses[i].name, section);
    }
    core->status_lists = false;
    return BITTEN_R_OK;
}

//  Every key with its value and where it came from: this command is the one that reads the
//  whole configuration, by its nature.
static bitten_reason_t s_control_config(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    json_t *values = json_object();
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        json_t *v = NULL;
        switch (k->type) {
        case BITTEN_CFG_STRING:
            v = json_string(bitten_config_str(core->cfg, k->key));
            break;
        case BITTEN_CFG_INT:
            v = json_integer(bitten_config_int(core->cfg, k->key));
            break;
        case BITTEN_CFG_DOUBLE:
            v = json_real(bitten_config_double(core->cfg, k->key));
            break;
        case BITTEN_CFG_BOOL:
            v = json_boolean(bitten_config_bool(core->cfg, k->key));
            break;
        case BITTEN_CFG_LIST:
            v = json_array();
            for (size_t j = 0; j < bitten_config_list_count(core->cfg, k->key); j++)
                json_array_append_new(v, json_string(bitten_config_list_at(core->cfg, k->key, j)));
            break;
        case BITTEN_CFG_SECTION:
            continue;
        }
        json_object_set_new(
            values, k->key,
            json_pack("{s:o, s:s}", "value", v, "origin", bitten_config_origin(core->cfg, k->key)));
    }
    json_object_set_new(reply, "config", values);
    return BITTEN_R_OK;
}

static const char *const s_arg_type_names[] = {"string", "integer", "number", "bool"};

//  Every command with its access and argument schema: what a client may send.
static bitten_reason_t s_control_commands(void *self, const json_t *request, json_t *reply)
{
    bitten_core_t *core = self;
    json_t *list = json_array();
    for (size_t i = 0; i < core->n_controls; i++) {
        const core_control_t *c = &core->controls[i];
        json_t *args = json_array();
        for (size_t j = 0; c->args && c->args[j].name; j++)
            json_array_append_new(args, json_pack("{s:s, s:s, s:b}", "name", c->args[j].name,
                                                  "type", s_arg_type_names[c->args[j].type],
                                                  "required", c->args[j].required));
        json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "name", c->name, "access",
                                              c->access == BITTEN_CONTROL_ACT ? "act" : "read",
                                              "args", args));
    }
    json_object_set_new(reply, "commands", list);
    return BITTEN_R_OK;
}

void core_control_register_builtin(bitten_core_t *core)
{
    bitten_core_control_register(core, "commands", BITTEN_CONTROL_READ, NULL, s_control_commands,
                                 core);
    bitten_core_control_register(core, "status", BITTEN_CONTROL_READ, s_status_args,
                                 s_control_status, core);
    bitten_core_control_register(core, "config", BITTEN_CONTROL_READ, NULL, s_control_config, core);
}

/* ---------------------------------------------------------------- requests and replies */

static json_t *s_control_error(bitten_reason_t reason, const char *text)
{
    return json_pack("{s:b, s:s, s:s}", "ok", 0, "reason", bitten_reason_str(reason), "error",
                     text);
}

//  One request in, its reply out (never NULL).
static json_t *s_handle_control(bitten_core_t *core, const char *data, size_t len)
{
    core->stats.control_requests++;
    json_error_t jerr;
    json_t *request = json_loadb(data, len, 0, &jerr);
    const char *cmd = request ? json_string_value(json_object_get(request, "cmd")) : NULL;
    if (!cmd) {
        core_reject(core, "control", BITTEN_R_BAD_REQUEST, "cmd", "expected {\"cmd\":\"...\"}",
                    NULL, 0);
        json_decref(request);
        return s_control_error(BITTEN_R_BAD_REQUEST,
                               "request must be a JSON object with a string cmd");
    }
    for (size_t i = 0; i < core->n_controls; i++) {
        if (strcmp(core->controls[i].name, cmd) != 0)
            continue;
        const core_control_t *c = &core->controls[i];
        const char *field, *why;
        if (bitten_control_check_args(c->args, request, &field, &why) != BITTEN_R_OK) {
            core->stats.control_bad_args++;
            char text[160];
            snprintf(text, sizeof text, "%.40s %s (command %.32s)", *field ? field : "request", why,
                     c->name);
            core_reject(core, "control", BITTEN_R_BAD_REQUEST, field, text, NULL, 0);
            json_t *reply = s_control_error(BITTEN_R_BAD_REQUEST, text);
            json_object_set_new(reply, "field", json_string(field));
            json_decref(request);
            return reply;
        }
        const char *denied;
        if (c->access == BITTEN_CONTROL_ACT && !core_control_authorized(core, request, &denied)) {
            core->stats.control_unauthorized++;
            char text[160];
            snprintf(text, sizeof text, "%s (command %.32s)", denied, c->name);
            //  No excerpt: the request may carry a token, right or nearly right.
            core_reject(core, "control", BITTEN_R_CONTROL_UNAUTHORIZED, "token", text, NULL, 0);
            json_decref(request);
            return s_control_error(BITTEN_R_CONTROL_UNAUTHORIZED, text);
        }
        json_t *reply = json_object();
        bitten_reason_t reason = c->fn(c->self, request, reply);
        json_object_set_new(reply, "ok", json_boolean(reason == BITTEN_R_OK));
        if (reason != BITTEN_R_OK) {
            json_object_set_new(reply, "reason", json_string(bitten_reason_str(reason)));
            if (!json_object_get(reply, "error"))
                json_object_set_new(reply, "error", json_string(bitten_reason_doc(reason)));
        }
        json_decref(request);
        return reply;
    }
    char text[96];
    snprintf(text, sizeof text, "unknown command '%.40s'", cmd);
    json_decref(request);
    return s_control_error(BITTEN_R_UNKNOWN_COMMAND, text);
}

/* ---------------------------------------------------------------- the socket */

//  The control socket is a ROUTER that keeps REP's envelope itself, not a REP: libzmq's REP
//  (4.3.4) drops the reply to the next request, whoever sent it, after a malformed request
//  (no empty delimiter) from a peer that hung up before it was read. Its router is left in
//  the middle of a message, so the next request's routing id is taken for a continuation and
//  its reply goes nowhere: one raw writer on the endpoint made bittenctl time out. Here each
//  request is read whole: the routing ids up to the empty delimiter go back with the reply,
//  the first part after it is the request, further parts are read and ignored. A message
//  without a delimiter cannot be answered: it is refused and counted.
#define CONTROL_MAX_HOPS 8 /* routing ids before the delimiter: 1 from a REQ, more via proxies */

static bool s_recv_part(void *socket, zmq_msg_t *part)
{
    zmq_msg_init(part);
    //  The parts of a message arrive together: DONTWAIT never finds one missing.
    return zmq_msg_recv(part, socket, ZMQ_DONTWAIT) >= 0;
}

static void s_drain(void *socket, bool more)
{
    while (more) {
        zmq_msg_t extra;
        more = s_recv_part(socket, &extra) && zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
}

static void s_control_reply(bitten_core_t *core, void *socket, zmq_msg_t *hops, int n_hops,
                            json_t *reply)
{
    //  15 significant digits, as on the events channel: 9635.82, not 9635.8199999999997.
    char *text = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(reply);
    const char *out = text ? text : "{\"ok\":false,\"reason\":\"INTERNAL\"}";
    //  A ROUTER never blocks: a peer gone or past its HWM loses its reply, nobody else's.
    bool sent = true;
    for (int i = 0; i < n_hops && sent; i++)
        sent = zmq_msg_send(&hops[i], socket, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0;
    sent = sent && zmq_send(socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0;
    sent = sent && zmq_send(socket, out, strlen(out), ZMQ_DONTWAIT) >= 0;
    if (!sent)
        BLOG_ERROR(core->log, "core", "control.reply_failed", "error=\"%s\"", zmq_strerror(errno));
    free(text);
}

//  Reads one whole message and answers it; false when none is waiting.
static bool s_control_message(bitten_core_t *core, void *socket)
{
    zmq_msg_t hops[CONTROL_MAX_HOPS], part;
    int n_hops = 0;
    if (!core_recv_next(socket, &part))
        return false;
    //  The envelope: non-empty parts up to the empty delimiter.
    while (zmq_msg_more(&part) && zmq_msg_size(&part) > 0 && n_hops < CONTROL_MAX_HOPS) {
        zmq_msg_init(&hops[n_hops]);
        zmq_msg_move(&hops[n_hops++], &part);
        zmq_msg_close(&part);
        if (!s_recv_part(socket, &part))
            break;
    }
    bool delimiter = zmq_msg_more(&part) && zmq_msg_size(&part) == 0;
    zmq_msg_t request;
    zmq_msg_init(&request);
    if (delimiter && s_recv_part(socket, &request)) {
        s_drain(socket, zmq_msg_more(&request));
        json_t *reply = s_handle_control(core, zmq_msg_data(&request), zmq_msg_size(&request));
        s_control_reply(core, socket, hops, n_hops, reply);
    } else {
        s_drain(socket, zmq_msg_more(&part));
        //  No excerpt, as for every control reject: the message may carry a token.
        core_reject(core, "control", BITTEN_R_BAD_REQUEST, "envelope",
                    "not a REQ's request (no empty delimiter before it): no reply possible",
                    NULL, 0);
    }
    zmq_msg_close(&request);
    zmq_msg_close(&part);
    for (int i = 0; i < n_hops; i++)
        zmq_msg_close(&hops[i]);
    return true;
}

void core_control_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    bitten_core_t *core = arg;
    for (int n = 0; n < core->set.max_frames; n++)
        if (!s_control_message(core, socket))
            return;
}
