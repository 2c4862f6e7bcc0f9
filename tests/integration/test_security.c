/*  test_security.c: CURVE over real sockets: an EA without an allowed key gets nothing and is
 *  never heard; an EA's key binds it to its account (UUID_NOT_AUTHORIZED otherwise); keys are
 *  reloaded on SIGHUP; a non-loopback bind needs CURVE or --insecure; the sim speaks CURVE. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <czmq.h>

#include "harness.h"

typedef struct {
    char keys[128];
    char server_secret[200], server_public[200];
    char a_secret[200], b_secret[200], b_public_pending[200];
    char set_cert[300], set_dir[300];
    bt_daemon_t d;
} s_env_t;

static void s_keygen(const char *args)
{
    char cmd[600], out[1024];
    snprintf(cmd, sizeof cmd, "%s keygen %s", BITTENCTL_PATH, args);
    assert_int_equal(bt_run(cmd, out, sizeof out, 10000), 0);
}

//  Starts bittend with CURVE: acct_A's key allowed, acct_B's allowed too when b_allowed (else
//  kept aside in pending/), the shared PUSH owned by acct_A (command.account) unless
//  ownerless, extra_zpl added.
static void s_start_with(s_env_t *e, const char *extra_zpl, bool b_allowed, bool ownerless)
{
    snprintf(e->keys, sizeof e->keys, "/tmp/bitten-keys-XXXXXX");
    assert_non_null(mkdtemp(e->keys));
    char args[400];
    snprintf(args, sizeof args, "--server --dir %s", e->keys);
    s_keygen(args);
    snprintf(args, sizeof args, "--uuid acct_A --dir %s/clients", e->keys);
    s_keygen(args);
    snprintf(args, sizeof args, "--uuid acct_B --dir %s/%s", e->keys,
             b_allowed ? "clients" : "pending");
    s_keygen(args);
    snprintf(e->server_secret, sizeof e->server_secret, "%s/server.cert_secret", e->keys);
    snprintf(e->server_public, sizeof e->server_public, "%s/server.cert", e->keys);
    snprintf(e->a_secret, sizeof e->a_secret, "%s/clients/acct_A.cert_secret", e->keys);
    snprintf(e->b_secret, sizeof e->b_secret, "%s/%s/acct_B.cert_secret", e->keys,
             b_allowed ? "clients" : "pending");
    snprintf(e->b_public_pending, sizeof e->b_public_pending, "%s/pending/acct_B.cert", e->keys);
    snprintf(e->set_cert, sizeof e->set_cert, "security.server_cert=%s", e->server_secret);
    snprintf(e->set_dir, sizeof e->set_dir, "security.clients_dir=%s/clients", e->keys);
    //  A refusal logs once per reason per interval: one interval longer than any test here.
    const char *daemon_args[] = {"--set", "security.curve=true",
                                 "--set", e->set_cert,
                                 "--set", e->set_dir,
                                 "--set", "command.keepalive_s=1",
                                 "--set", "ea.ping_interval_s=0",
                                 "--set", "command.account=acct_A",
                                 "--set", "reject.log_interval_ms=3600000",
                                 NULL};
    if (ownerless)
        daemon_args[11] = "command.account=";
    assert_int_equal(bt_daemon_start(&e->d, extra_zpl, daemon_args), 0);
}

static void s_start(s_env_t *e)
{
    s_start_with(e, NULL, false, false);
}

static void s_stop(s_env_t *e)
{
    assert_int_equal(bt_daemon_stop(&e->d, NULL), 0);
    bt_daemon_cleanup(&e->d);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->keys);
    assert_int_equal(system(cmd), 0);
}

//  A socket with CURVE client keys (secret_cert NULL: no keys at all, a plain socket).
static void *s_socket(s_env_t *e, int type, const char *endpoint, const char *secret_cert)
{
    void *s = zmq_socket(e->d.zctx, type);
    int zero = 0, send_ms = 200;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    //  A PUSH whose handshake is refused has no pipe: a blocking send would wait for ever.
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &send_ms, sizeof send_ms);
    if (secret_cert) {
        zcert_t *server = zcert_load(e->server_public);
        zcert_t *mine = zcert_load(secret_cert);
        assert_non_null(server);
        assert_non_null(mine);
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, zcert_public_key(server), 32);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, zcert_public_key(mine), 32);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, zcert_secret_key(mine), 32);
        zcert_destroy(&server);
        zcert_destroy(&mine);
    }
    assert_int_equal(zmq_connect(s, endpoint), 0);
    return s;
}

static int s_drain(void *s, int ms)
{
    char buf[2048];
    int n = 0;
    while (bt_recv(s, buf, sizeof buf, ms) > 0)
        n++;
    return n;
}

#define TELEMETRY(uuid)                                                                            \
    "{\"type\":\"telemetry\",\"uuid\":\"" uuid "\",\"account\":{\"balance\":1000,\"equity\":1000}" \
    "}"

static void test_an_ea_without_an_allowed_key_gets_nothing_and_is_not_heard(void **state)
{
    s_env_t e;
    s_start(&e);
    void *good_cmd = s_socket(&e, ZMQ_PULL, e.d.command, e.a_secret);
    void *good_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.a_secret);
    void *plain_cmd = s_socket(&e, ZMQ_PULL, e.d.command, NULL);
    void *plain_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, NULL);
    void *stranger_cmd = s_socket(&e, ZMQ_PULL, e.d.command, e.b_secret); /* key not allowed */
    assert_int_equal(
        bt_send_until_counted(&e.d, good_fb, TELEMETRY("acct_A"), "frames_in.telemetry", 5000), 0);
    for (int i = 0; i < 20; i++) {
        bt_send(plain_fb, TELEMETRY("acct_A"));
        bt_sleep_ms(100);
    }
    //  Keepalives went to the authenticated EA only (the first waited for: a busy machine
    //  may be slow through the CURVE handshake).
    char first[2048];
    assert_true(bt_recv(good_cmd, first, sizeof first, BT_WAIT_MS) > 0);
    assert_true(bt_wait_status(&e.d, "command.auth_failures", 1, BT_WAIT_MS) >= 1);
    assert_true(bt_wait_status(&e.d, "feedback.auth_failures", 1, BT_WAIT_MS) >= 1);
    s_drain(good_cmd, 300);
    assert_int_equal(s_drain(plain_cmd, 300), 0);
    assert_int_equal(s_drain(stranger_cmd, 300), 0);
    json_t *st = bt_status(&e.d);
    assert_true(bt_json_int(st, "frames_in.telemetry") >= 1);
    int64_t counted = bt_json_int(st, "frames_in.telemetry");
    assert_true(bt_json_int(st, "command.auth_failures") >= 1);
    assert_true(bt_json_int(st, "feedback.auth_failures") >= 1);
    assert_true(bt_json_int(st, "security.curve"));
    json_decref(st);
    //  None of the 20 plain telemetry frames got in.
    bt_sleep_ms(200);
    st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "frames_in.telemetry"), counted);
    json_decref(st);
    assert_true(bt_log_contains(&e.d, "peer.auth_failed channel=command", 1000));
    //  Control and events stay plain loopback sockets under CURVE: never asked of the ZAP
    //  handler (no domain), so every status call and a subscriber get through.
    void *events = bt_events_socket(&e.d);
    assert_non_null(events);
    st = bt_status(&e.d);
    assert_true(bt_json_int(st, "zap.requests") >= 3);
    assert_true(bt_json_int(st, "zap.allowed") >= 2);
    assert_int_equal(bt_json_int(st, "zap.refused_by_reason.unknown_domain"), 0);
    assert_int_equal(bt_json_int(st, "zap.refused_by_reason.not_curve"), 0);
    assert_int_equal(bt_json_int(st, "zap.refused_by_reason.malformed_request"), 0);
    assert_true(bt_json_int(st, "zap.refused_by_reason.key_not_allowed") >= 1);
    json_decref(st);
    zmq_close(events);
    zmq_close(good_cmd);
    zmq_close(good_fb);
    zmq_close(plain_cmd);
    zmq_close(plain_fb);
    zmq_close(stranger_cmd);
    s_stop(&e);
}

static void test_a_key_speaks_only_for_its_own_account(void **state)
{
    s_env_t e;
    s_start(&e);
    void *fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.a_secret);
    assert_int_equal(
        bt_send_until_counted(&e.d, fb, TELEMETRY("acct_A"), "frames_in.telemetry", 5000), 0);
    //  The stray process of the old system: acct_A's key claiming acct_B.
    bt_send(fb, TELEMETRY("acct_B"));
    assert_int_equal(bt_wait_status(&e.d, "rejects.UUID_NOT_AUTHORIZED", 1, 3000), 1);
    assert_true(bt_log_contains(&e.d, "reason=UUID_NOT_AUTHORIZED", 1000));
    //  A frame without uuid (EA v7 heartbeat) is attributed to the key's account.
    bt_send(fb, "{\"type\":\"heartbeat\",\"balance\":1000,\"equity\":1000}");
    assert_int_equal(bt_wait_status(&e.d, "frames_in.heartbeat", 1, 3000), 1);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "eas.known"), 1);
    assert_int_equal(bt_json_int(st, "eas.anonymous_frames"), 0);
    //  A poll gets counts only; the list is the eas command's.
    assert_null(json_object_get(json_object_get(st, "eas"), "list"));
    json_decref(st);
    st = bt_ctl(&e.d, "{\"cmd\":\"eas\"}");
    json_t *ea = json_array_get(json_object_get(st, "eas"), 0);
    assert_string_equal(json_string_value(json_object_get(ea, "uuid")), "acct_A");
    json_decref(st);
    zmq_close(fb);
    s_stop(&e);
}

static void test_keys_are_reloaded_on_sighup(void **state)
{
    s_env_t e;
    s_start(&e);
    void *b_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.b_secret);
    for (int i = 0; i < 10; i++) {
        bt_send(b_fb, TELEMETRY("acct_B"));
        bt_sleep_ms(50);
    }
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "frames_in.telemetry"), 0);
    json_decref(st);
    //  The operator adds acct_B's public certificate and sends SIGHUP.
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/clients/'", e.b_public_pending, e.keys);
    assert_int_equal(system(cmd), 0);
    kill(e.d.pid, SIGHUP);
    assert_true(bt_log_contains(&e.d, "keys.loaded", 2000));
    zmq_close(b_fb);
    b_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.b_secret);
    assert_int_equal(
        bt_send_until_counted(&e.d, b_fb, TELEMETRY("acct_B"), "frames_in.telemetry", 5000), 0);
    zmq_close(b_fb);
    s_stop(&e);
}

//  docs/security.md: only public halves belong in clients_dir. This set-up keeps acct_A's
//  secret there too (the sim needs one): it is named in a WARN line, the public one is not.
static void test_a_secret_key_in_the_clients_dir_is_named_in_a_warning(void **state)
{
    s_env_t e;
    s_start(&e);
    char want[400];
    snprintf(want, sizeof want, "WARN core keys.secret_in_clients_dir path=%s msg=", e.a_secret);
    assert_true(bt_log_contains(&e.d, want, 2000));
    snprintf(want, sizeof want, "path=%s/clients/acct_A.cert msg=", e.keys);
    assert_false(bt_log_contains(&e.d, want, 0));
    s_stop(&e);
}

static void test_the_sim_speaks_curve(void **state)
{
    s_env_t e;
    s_start(&e);
    char cmd[1500], out[8192];
    snprintf(cmd, sizeof cmd,
             "%s --command %s --feedback %s --uuid acct_A --telemetry-s 1 "
             "--heartbeat-s 1 --duration-s 10 --quiet --curve-server %s --curve-cert %s",
             EA_SIM_PATH, e.d.command, e.d.feedback, e.server_public, e.a_secret);
    assert_int_equal(bt_run(cmd, out, sizeof out, 20000), 0);
    json_error_t err;
    json_t *sum = json_loads(strrchr(out, '{'), 0, &err);
    assert_non_null(sum);
    assert_true(json_integer_value(json_object_get(sum, "keepalives")) >= 1);
    json_decref(sum);
    json_t *st = bt_status(&e.d);
    assert_true(bt_json_int(st, "frames_in.telemetry") >= 1);
    assert_int_equal(bt_json_int(st, "rejects_total"), 0);
    json_decref(st);
    s_stop(&e);
}

static void test_a_public_bind_needs_curve_or_insecure(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "feedback.endpoint=tcp://0.0.0.0:0", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, args, 10000), 2);
    assert_true(bt_log_contains(&d, "key 'feedback.endpoint'", 100));
    assert_true(bt_log_contains(&d, "--insecure", 100));
    bt_daemon_cleanup(&d);
    const char *insecure[] = {"--set", "feedback.endpoint=tcp://0.0.0.0:*", "--insecure", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, insecure), 0);
    assert_true(bt_log_contains(&d, "WARN core security.insecure", 2000));
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
    //  CURVE without its keys is a config error too.
    const char *no_keys[] = {"--set", "security.curve=true", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, no_keys, 10000), 2);
    assert_true(bt_log_contains(&d, "security.server_cert", 100));
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- issue 14, item 2 with CURVE */

#define ACCOUNTS(a_extra)                                                                          \
    "accounts\n    a\n        uuid = \"acct_A\"\n        tier = \"FANG\"\n" a_extra                \
    "    b\n        uuid = \"acct_B\"\n        tier = \"FANG\"\n"
#define OWN_PAIR                                                                                   \
    "        command_endpoint = \"tcp://127.0.0.1:*\"\n"                                           \
    "        feedback_endpoint = \"tcp://127.0.0.1:*\"\n"

//  A manual close_all for uuid (no risk gate): the reply's state and reason into the buffers.
static void s_close_all(s_env_t *e, const char *uuid, const char *signal_id, char *state,
                        char *reason, size_t size)
{
    char req[256];
    snprintf(req, sizeof req, "{\"cmd\":\"close\",\"uuid\":\"%s\",\"signal_id\":\"%s\"}", uuid,
             signal_id);
    json_t *r = bt_ctl(&e->d, req);
    assert_non_null(r);
    const char *got = json_string_value(json_object_get(r, "state"));
    const char *why = json_string_value(json_object_get(r, "reason"));
    snprintf(state, size, "%s", got ? got : "-");
    snprintf(reason, size, "%s", why ? why : "-");
    json_decref(r);
}

//  Frames on s within ms that carry needle.
static int s_frames_with(void *s, const char *needle, int ms)
{
    char buf[4096];
    int n = 0;
    while (bt_recv(s, buf, sizeof buf, ms) > 0)
        n += strstr(buf, needle) != NULL;
    return n;
}

//  The review's case: A's command connection is gone while its feedback is fresh, and a PULL
//  with B's valid key sits on A's PUSH (command_ep). The handshake is refused (counted,
//  logged once naming the socket and B), A's three fires are refused NO_EA_CONNECTED, B
//  receives none of them; B's key still speaks for B on the shared feedback; A's own key
//  reconnecting gets A's next fire. channel: the refused socket's name in the log.
static void s_stolen_key_case(s_env_t *e, const char *command_ep, const char *feedback_ep,
                              const char *channel, const char *auth_path)
{
    void *a_fb = s_socket(e, ZMQ_PUSH, feedback_ep, e->a_secret);
    assert_int_equal(
        bt_send_until_counted(&e->d, a_fb, TELEMETRY("acct_A"), "frames_in.telemetry", 5000), 0);
    //  libzmq ends a session whose handshake was refused (no retry): a second PULL of B's
    //  makes the second refusal. Both counted, one log line for the reason.
    json_t *st = bt_status(&e->d);
    int64_t before = bt_json_int(st, "zap.refused_by_reason.another_accounts_socket");
    json_decref(st);
    void *b_first = s_socket(e, ZMQ_PULL, command_ep, e->b_secret);
    assert_true(bt_wait_status(&e->d, "zap.refused_by_reason.another_accounts_socket", before + 1,
                               BT_WAIT_MS) >= before + 1);
    void *b_pull = s_socket(e, ZMQ_PULL, command_ep, e->b_secret);
    assert_true(bt_wait_status(&e->d, "zap.refused_by_reason.another_accounts_socket", before + 2,
                               BT_WAIT_MS) >= before + 2);
    assert_true(bt_wait_status(&e->d, auth_path, 2, BT_WAIT_MS) >= 2);
    char want[300];
    snprintf(want, sizeof want,
             "WARN core zap.refused socket=%s domain=bitten.%s reason=another_accounts_socket "
             "key_uuid=acct_B key=",
             channel, channel);
    assert_true(bt_log_contains(&e->d, want, 2000));
    assert_int_equal(bt_log_lines(&e->d, "zap.refused"), 1);
    st = bt_status(&e->d);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(st, "zap"), "last_refused"), "key_uuid")),
        "acct_B");
    json_decref(st);

    char state[64], reason[64], id[32];
    for (int i = 1; i <= 3; i++) {
        snprintf(id, sizeof id, "stolen_%d", i);
        s_close_all(e, "acct_A", id, state, reason, sizeof state);
        assert_string_equal(state, "REFUSED");
        assert_string_equal(reason, "NO_EA_CONNECTED");
    }
    assert_int_equal(s_frames_with(b_pull, "stolen_", 500), 0);
    assert_int_equal(s_frames_with(b_first, "stolen_", 100), 0);
    zmq_close(b_first);

    //  B's key is still B's on the shared feedback socket: accepted and attributed to B.
    void *b_fb = s_socket(e, ZMQ_PUSH, e->d.feedback, e->b_secret);
    assert_int_equal(bt_send_until_counted(&e->d, b_fb,
                                           "{\"type\":\"heartbeat\",\"balance\":1000,"
                                           "\"equity\":1000}",
                                           "frames_in.heartbeat", 5000),
                     0);
    st = bt_ctl(&e->d, "{\"cmd\":\"status\",\"lists\":true}");
    json_t *list = json_object_get(json_object_get(st, "eas"), "list");
    bool b_seen = false;
    for (size_t i = 0; i < json_array_size(list); i++)
        b_seen |= strcmp(json_string_value(json_object_get(json_array_get(list, i), "uuid")),
                         "acct_B") == 0;
    assert_true(b_seen);
    assert_int_equal(bt_json_int(st, "rejects.UUID_NOT_AUTHORIZED"), 0);
    json_decref(st);

    //  A's own EA comes back (B's PULL gone: its retries would make two peers for an instant).
    zmq_close(b_pull);
    void *a_pull = s_socket(e, ZMQ_PULL, command_ep, e->a_secret);
    char frame[2048];
    assert_true(bt_recv(a_pull, frame, sizeof frame, BT_WAIT_MS) > 0); /* a keepalive: it is in */
    s_close_all(e, "acct_A", "own_1", state, reason, sizeof state);
    assert_string_equal(state, "SENT");
    assert_int_equal(s_frames_with(a_pull, "own_1", 1000), 1);
    zmq_close(a_pull);
    zmq_close(a_fb);
    zmq_close(b_fb);
}

static void test_a_stolen_key_on_the_shared_push_is_refused_and_gets_no_fire(void **state)
{
    s_env_t e;
    s_start_with(&e, ACCOUNTS(""), true, false);
    s_stolen_key_case(&e, e.d.command, e.d.feedback, "command", "command.auth_failures");
    s_stop(&e);
}

static void test_a_stolen_key_on_an_accounts_own_pair_is_refused_and_gets_no_fire(void **state)
{
    s_env_t e;
    s_start_with(&e, ACCOUNTS(OWN_PAIR), true, false);
    char cmd[128], fb[128];
    assert_int_equal(bt_account_endpoints(&e.d, "acct_A", cmd, fb, sizeof cmd), 0);
    s_stolen_key_case(&e, cmd, fb, "account.acct_A.command",
                      "channels.accounts.0.command.auth_failures");
    //  B's key cannot speak on A's feedback socket either: refused at the handshake, unheard;
    //  counted on that socket, and inside the log interval folded into the reason's one line.
    void *b_on_a_fb = s_socket(&e, ZMQ_PUSH, fb, e.b_secret);
    for (int i = 0; i < 5; i++)
        bt_send(b_on_a_fb, TELEMETRY("acct_B"));
    assert_true(bt_wait_status(&e.d, "channels.accounts.0.feedback.auth_failures", 1, BT_WAIT_MS) >=
                1);
    assert_int_equal(bt_log_lines(&e.d, "zap.refused"), 1);
    zmq_close(b_on_a_fb);
    json_t *st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "channels.accounts.0.refused"), 0);
    json_decref(st);
    s_stop(&e);
}

//  No command.account owns the shared PUSH: no key may sit on it (it could never take a fire).
static void test_the_shared_push_without_an_owner_admits_no_key(void **state)
{
    s_env_t e;
    s_start_with(&e, ACCOUNTS(""), true, true);
    void *a_pull = s_socket(&e, ZMQ_PULL, e.d.command, e.a_secret);
    assert_true(bt_wait_status(&e.d, "zap.refused_by_reason.no_command_account", 1, BT_WAIT_MS) >=
                1);
    assert_int_equal(s_drain(a_pull, 1500), 0); /* not even a keepalive */
    assert_true(bt_log_contains(&e.d, "reason=no_command_account key_uuid=acct_A", 1000));
    zmq_close(a_pull);
    s_stop(&e);
}

//  A key removed from clients_dir and reloaded with SIGHUP is refused at its next handshake:
//  not allowed any more, its frames never decoded.
static void test_a_removed_key_is_refused_at_the_next_handshake(void **state)
{
    s_env_t e;
    s_start_with(&e, NULL, true, false);
    assert_int_equal(bt_wait_status(&e.d, "zap.keys", 2, 2000), 2);
    void *b_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.b_secret);
    assert_int_equal(
        bt_send_until_counted(&e.d, b_fb, TELEMETRY("acct_B"), "frames_in.telemetry", 5000), 0);
    zmq_close(b_fb);
    //  The operator revokes B: both of its files leave clients_dir (the test keeps them).
    char cmd[900];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/revoked' && mv '%s/clients/acct_B.cert' '%s' '%s/revoked/'", e.keys,
             e.keys, e.b_secret, e.keys);
    assert_int_equal(system(cmd), 0);
    snprintf(e.b_secret, sizeof e.b_secret, "%s/revoked/acct_B.cert_secret", e.keys);
    kill(e.d.pid, SIGHUP);
    assert_int_equal(bt_wait_status_eq(&e.d, "zap.keys", 1, 5000), 1);
    char want[400];
    snprintf(want, sizeof want, "keys.loaded clients_dir=%s/clients files=2 keys=1", e.keys);
    assert_true(bt_log_contains(&e.d, want, 2000));
    json_t *st = bt_status(&e.d);
    int64_t counted = bt_json_int(st, "frames_in.telemetry");
    json_decref(st);
    b_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.b_secret);
    for (int i = 0; i < 5; i++)
        bt_send(b_fb, TELEMETRY("acct_B"));
    assert_true(bt_wait_status(&e.d, "zap.refused_by_reason.key_not_allowed", 1, BT_WAIT_MS) >= 1);
    assert_true(bt_log_contains(&e.d,
                                "zap.refused socket=feedback domain=bitten.feedback "
                                "reason=key_not_allowed key_uuid=- key=",
                                1000));
    //  A's key, still allowed, gets in; B's five frames never did.
    void *a_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.a_secret);
    assert_int_equal(
        bt_send_until_counted(&e.d, a_fb, TELEMETRY("acct_A"), "frames_in.telemetry", 5000), 0);
    st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "frames_in.telemetry"), counted + 1);
    json_decref(st);
    zmq_close(b_fb);
    zmq_close(a_fb);
    s_stop(&e);
}

//  A key that names no account, or that two certificates give to different accounts, speaks
//  for nobody: refused at the handshake (here on the shared feedback; every socket: the unit
//  tests). An allowed key gets onto the shared ROUTER and confirm sockets.
static void test_a_key_that_names_no_single_account_is_refused(void **state)
{
    s_env_t e;
    s_start_with(&e, NULL, true, false);
    char cmd[1200], c_secret[300];
    //  acct_C's public half without its uuid line; acct_B's public half once more, for acct_A.
    snprintf(cmd, sizeof cmd,
             "%s keygen --uuid acct_C --dir %s/pending >/dev/null && "
             "grep -v 'uuid = ' %s/pending/acct_C.cert > %s/clients/no_account.cert && "
             "sed 's/uuid = \"acct_B\"/uuid = \"acct_A\"/' %s/clients/acct_B.cert > "
             "%s/clients/b_as_a.cert",
             BITTENCTL_PATH, e.keys, e.keys, e.keys, e.keys, e.keys);
    assert_int_equal(system(cmd), 0);
    snprintf(c_secret, sizeof c_secret, "%s/pending/acct_C.cert_secret", e.keys);
    kill(e.d.pid, SIGHUP);
    assert_int_equal(bt_wait_status(&e.d, "zap.keys", 3, 5000), 3);
    char want[400];
    snprintf(want, sizeof want, "WARN core keys.conflict path=%s/clients/", e.keys);
    assert_true(bt_log_contains(&e.d, want, 2000));

    void *c_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, c_secret);
    void *b_fb = s_socket(&e, ZMQ_PUSH, e.d.feedback, e.b_secret);
    for (int i = 0; i < 5; i++) {
        bt_send(c_fb, "{\"type\":\"heartbeat\",\"balance\":1000,\"equity\":1000}");
        bt_send(b_fb, TELEMETRY("acct_B"));
    }
    assert_true(bt_wait_status(&e.d, "zap.refused_by_reason.key_names_no_account", 2, BT_WAIT_MS) >=
                2);
    assert_true(bt_log_contains(&e.d, "reason=key_names_no_account", 1000));
    //  A's key still gets onto the ROUTER and the confirm PULL (nothing of C's or B's counted).
    json_t *st = bt_status(&e.d);
    int64_t allowed = bt_json_int(st, "zap.allowed");
    json_decref(st);
    void *a_dealer = s_socket(&e, ZMQ_DEALER, e.d.router, e.a_secret);
    void *a_confirm = s_socket(&e, ZMQ_PUSH, e.d.confirm, e.a_secret);
    assert_true(bt_wait_status(&e.d, "zap.allowed", allowed + 2, BT_WAIT_MS) >= allowed + 2);
    st = bt_status(&e.d);
    assert_int_equal(bt_json_int(st, "channels.router.auth_failures"), 0);
    assert_int_equal(bt_json_int(st, "channels.confirm.auth_failures"), 0);
    assert_int_equal(bt_json_int(st, "frames_in.heartbeat"), 0);
    assert_int_equal(bt_json_int(st, "frames_in.telemetry"), 0);
    json_decref(st);
    zmq_close(c_fb);
    zmq_close(b_fb);
    zmq_close(a_dealer);
    zmq_close(a_confirm);
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_ea_without_an_allowed_key_gets_nothing_and_is_not_heard),
        cmocka_unit_test(test_a_key_speaks_only_for_its_own_account),
        cmocka_unit_test(test_keys_are_reloaded_on_sighup),
        cmocka_unit_test(test_a_secret_key_in_the_clients_dir_is_named_in_a_warning),
        cmocka_unit_test(test_the_sim_speaks_curve),
        cmocka_unit_test(test_a_public_bind_needs_curve_or_insecure),
        cmocka_unit_test(test_a_stolen_key_on_the_shared_push_is_refused_and_gets_no_fire),
        cmocka_unit_test(test_a_stolen_key_on_an_accounts_own_pair_is_refused_and_gets_no_fire),
        cmocka_unit_test(test_the_shared_push_without_an_owner_admits_no_key),
        cmocka_unit_test(test_a_removed_key_is_refused_at_the_next_handshake),
        cmocka_unit_test(test_a_key_that_names_no_single_account_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
