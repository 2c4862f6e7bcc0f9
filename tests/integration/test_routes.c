/*  test_routes.c: who a frame belongs to and where a fire may go, over real sockets: the
 *  hostile review's case 2 (issue 14), per-account endpoint pairs, the ROUTER for DEALER EAs
 *  (v2.05 identities, collisions), uuid-less frames and the confirm PULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <time.h>
#include <zmq.h>

#include "harness.h"

#define TEL(uuid)                                                                                  \
    "{\"type\":\"telemetry\",\"uuid\":\"" uuid "\",\"account\":{\"balance\":10000,"                \
    "\"equity\":10000,\"margin\":0,\"free_margin\":10000}}"
#define PAIR(name, uuid)                                                                           \
    "    " name "\n        uuid = \"" uuid "\"\n        tier = \"FANG\"\n"                         \
    "        command_endpoint = \"tcp://127.0.0.1:*\"\n"                                          \
    "        feedback_endpoint = \"tcp://127.0.0.1:*\"\n"
#define SHARED(name, uuid) "    " name "\n        uuid = \"" uuid "\"\n        tier = \"FANG\"\n"

//  A v7 heartbeat stamped now (server time = UTC here): account state must be fresh.
static const char *s_v7_heartbeat(void)
{
    static char frame[256];
    char ts[32];
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y.%m.%d %H:%M:%S", gmtime(&now));
    snprintf(frame, sizeof frame,
             "{\"type\":\"heartbeat\",\"balance\":850.47,\"equity\":850.45,\"positions\":1,"
             "\"timestamp\":\"%s\"}",
             ts);
    return frame;
}
#define V7_HEARTBEAT s_v7_heartbeat()

static const char *const s_args[] = {"--set", "ea.ping_interval_s=0", "--set",
                                     "command.keepalive_s=100", NULL};

//  A manual close of symbol for uuid (no risk gate; symbol NULL: close_all): the reply's state
//  and reason.
static void s_close_symbol(bt_daemon_t *d, const char *uuid, const char *symbol,
                           const char *signal_id, const char *state, const char *reason)
{
    char req[256];
    if (symbol)
        snprintf(req, sizeof req,
                 "{\"cmd\":\"close\",\"uuid\":\"%s\",\"symbol\":\"%s\",\"signal_id\":\"%s\"}",
                 uuid, symbol, signal_id);
    else
        snprintf(req, sizeof req, "{\"cmd\":\"close\",\"uuid\":\"%s\",\"signal_id\":\"%s\"}",
                 uuid, signal_id);
    json_t *r = bt_ctl(d, req);
    assert_non_null(r);
    const char *got = json_string_value(json_object_get(r, "state"));
    const char *why = json_string_value(json_object_get(r, "reason"));
    if (!got || strcmp(got, state) != 0 || (reason && (!why || strcmp(why, reason) != 0)))
        fprintf(stderr, "%s: expected %s %s, got %s %s\n", signal_id, state, reason ? reason : "",
                got ? got : "-", why ? why : "-");
    assert_string_equal(got, state);
    if (reason)
        assert_string_equal(why, reason);
    json_decref(r);
}

//  A manual close of EURUSD for uuid.
static void s_close(bt_daemon_t *d, const char *uuid, const char *signal_id, const char *state,
                    const char *reason)
{
    s_close_symbol(d, uuid, "EURUSD", signal_id, state, reason);
}

//  A manual close_all for uuid: the one close every dialect executes (v2.05 has no
//  close-by-symbol, ea-dialects.md §4.4).
static void s_close_all(bt_daemon_t *d, const char *uuid, const char *signal_id,
                        const char *state, const char *reason)
{
    s_close_symbol(d, uuid, NULL, signal_id, state, reason);
}

//  Every frame the EA socket got within ms: how many carry needle; none may carry forbidden.
static int s_frames(void *ea, const char *needle, const char *forbidden, int ms)
{
    char buf[4096];
    int n = 0;
    while (bt_recv(ea, buf, sizeof buf, ms) > 0) {
        if (forbidden)
            assert_null(strstr(buf, forbidden));
        if (strstr(buf, needle))
            n++;
    }
    return n;
}

/* ---------------------------------------------------------------- issue 14, case 2 */

//  A's EA has its own pair but its command connection is gone while its feedback is fresh;
//  B's PULL sits on the shared PUSH. A's fire is refused, and B's EA gets none of it. C, with
//  no route of its own and not the shared PUSH's owner, is refused ROUTE_UNPROVEN.
static void test_a_fire_never_leaves_on_a_connection_that_is_not_its_accounts(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d,
                                     "accounts\n" PAIR("a", "acct_rt_A") SHARED("b", "acct_rt_B")
                                         SHARED("c", "acct_rt_C") "command\n    account = \"acct_rt_B\"\n",
                                     s_args),
                     0);
    char a_cmd[128], a_fb[128];
    assert_int_equal(bt_account_endpoints(&d, "acct_rt_A", a_cmd, a_fb, sizeof a_cmd), 0);
    void *a_feedback = bt_socket(&d, ZMQ_PUSH, a_fb);
    void *b_pull = bt_command_socket(&d);
    void *shared_fb = bt_feedback_socket(&d, true);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    bt_send(a_feedback, TEL("acct_rt_A"));
    bt_send(shared_fb, TEL("acct_rt_B"));
    bt_send(shared_fb, TEL("acct_rt_C"));
    assert_int_equal(bt_wait_status(&d, "eas.online", 3, 3000), 3);

    s_close(&d, "acct_rt_A", "rt_a_1", "REFUSED", "NO_EA_CONNECTED");
    s_close(&d, "acct_rt_C", "rt_c_1", "REFUSED", "ROUTE_UNPROVEN");
    s_close(&d, "acct_rt_B", "rt_b_1", "SENT", NULL);
    //  B's EA got its own fire and nothing of A's or C's.
    assert_int_equal(s_frames(b_pull, "rt_b_1", "rt_a_", 500), 1);

    //  A second PULL on the shared PUSH: nobody can tell which EA a frame would reach.
    void *stranger = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 2, 3000), 2);
    s_close(&d, "acct_rt_B", "rt_b_2", "REFUSED", "MULTIPLE_EAS_ON_PUSH");
    assert_int_equal(s_frames(stranger, "rt_b_2", NULL, 300), 0);
    zmq_close(stranger);
    zmq_close(a_feedback);
    zmq_close(b_pull);
    zmq_close(shared_fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- per-account pairs */

static void test_two_accounts_on_their_own_pairs_each_get_only_their_fires(void **state)
{
    bt_daemon_t d;
    assert_int_equal(
        bt_daemon_start(&d, "accounts\n" PAIR("a", "acct_rt_A") PAIR("b", "acct_rt_B"), s_args),
        0);
    char a_cmd[128], a_fb[128], b_cmd[128], b_fb[128];
    assert_int_equal(bt_account_endpoints(&d, "acct_rt_A", a_cmd, a_fb, sizeof a_cmd), 0);
    assert_int_equal(bt_account_endpoints(&d, "acct_rt_B", b_cmd, b_fb, sizeof b_cmd), 0);
    void *a_pull = bt_socket(&d, ZMQ_PULL, a_cmd), *a_push = bt_socket(&d, ZMQ_PUSH, a_fb);
    void *b_pull = bt_socket(&d, ZMQ_PULL, b_cmd), *b_push = bt_socket(&d, ZMQ_PUSH, b_fb);
    assert_int_equal(bt_wait_status(&d, "channels.accounts.0.command.peers", 1, 3000), 1);
    assert_int_equal(bt_wait_status(&d, "channels.accounts.1.command.peers", 1, 3000), 1);
    //  The EA of a uuid-less dialect (v7) names no account: its pair does.
    bt_send(a_push, V7_HEARTBEAT);
    bt_send(b_push, TEL("acct_rt_B"));
    assert_int_equal(bt_wait_status(&d, "eas.online", 2, 3000), 2);
    assert_int_equal(bt_wait_status(&d, "channels.accounts.0.frames", 1, 3000), 1);

    s_close(&d, "acct_rt_A", "rt_a_1", "SENT", NULL);
    s_close(&d, "acct_rt_B", "rt_b_1", "SENT", NULL);
    s_close(&d, "acct_rt_A", "rt_a_2", "SENT", NULL);
    assert_int_equal(s_frames(a_pull, "\"signal_id\":\"rt_a_", "rt_b_", 500), 2);
    assert_int_equal(s_frames(b_pull, "\"signal_id\":\"rt_b_", "rt_a_", 500), 1);

    //  A frame on A's pair that speaks for B is refused, counted and logged.
    bt_send(a_push, TEL("acct_rt_B"));
    assert_int_equal(bt_wait_status(&d, "rejects.UUID_NOT_AUTHORIZED", 1, 3000), 1);
    assert_true(bt_log_contains(&d, "channel=account reason=UUID_NOT_AUTHORIZED", 2000));
    assert_int_equal(bt_wait_status(&d, "channels.accounts.0.refused", 1, 1000), 1);
    zmq_close(a_pull);
    zmq_close(a_push);
    zmq_close(b_pull);
    zmq_close(b_push);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- the ROUTER */

#define HELLO(uuid)                                                                                \
    "{\"type\":\"HELLO\",\"target_uuid\":\"" uuid "\",\"node_id\":\"NODE_843859_109092125\","      \
    "\"account_login\":\"843859\",\"broker\":\"MetaQuotes-Demo\",\"company\":\"MetaQuotes Ltd.\","  \
    "\"terminal\":\"MetaTrader 5\",\"currency\":\"USD\",\"balance\":850.47,\"equity\":850.47,"     \
    "\"leverage\":100,\"margin\":0.00,\"free_margin\":850.47,\"margin_level\":0.00,\"symbols\":15," \
    "\"version\":\"2.05\",\"timestamp\":\"2025.09.15 19:33:51\"}"

//  A DEALER with the right identity (uuid minus its last byte) says HELLO for uuid, an account
//  that a PUSH serves (ea_pull reads it): the HELLO binds nothing (why: the log's reason), and
//  a close for the account still leaves on that PUSH, never to the DEALER. Closes the sockets.
static void s_expect_hello_refused(bt_daemon_t *d, const char *uuid, const char *why,
                                   void *ea_pull, void *ea_push, const char *signal_id)
{
    char identity[64], needle[96];
    snprintf(identity, sizeof identity, "%.*s", (int)strlen(uuid) - 1, uuid);
    void *dealer = bt_dealer_socket(d, identity);
    assert_non_null(dealer);
    assert_int_equal(bt_wait_status(d, "channels.router.peers", 1, 3000), 1);
    char hello[512];
    snprintf(hello, sizeof hello, HELLO("%s"), uuid);
    bt_send(dealer, hello);
    assert_int_equal(bt_wait_status(d, "rejects.UUID_NOT_AUTHORIZED", 1, 3000), 1);
    assert_true(bt_log_contains(d, why, 2000));
    json_t *st = bt_status(d);
    assert_int_equal(bt_json_int(st, "channels.router.routes_learned"), 0);
    json_decref(st);
    s_close(d, uuid, signal_id, "SENT", NULL);
    snprintf(needle, sizeof needle, "\"signal_id\":\"%s\"", signal_id);
    assert_int_equal(s_frames(ea_pull, needle, NULL, 500), 1);
    assert_int_equal(s_frames(dealer, signal_id, NULL, 300), 0);
    zmq_close(dealer);
    zmq_close(ea_pull);
    zmq_close(ea_push);
}

//  An account served by its own pair is never routed over the ROUTER (the route would
//  otherwise override the pair's PUSH and send its commands to whoever spoke first).
static void test_a_hello_on_the_router_cannot_take_a_pair_accounts_commands(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, "accounts\n" PAIR("a", "acct_rt_A"), s_args), 0);
    char a_cmd[128], a_fb[128];
    assert_int_equal(bt_account_endpoints(&d, "acct_rt_A", a_cmd, a_fb, sizeof a_cmd), 0);
    void *a_pull = bt_socket(&d, ZMQ_PULL, a_cmd), *a_push = bt_socket(&d, ZMQ_PUSH, a_fb);
    assert_int_equal(bt_wait_status(&d, "channels.accounts.0.command.peers", 1, 3000), 1);
    bt_send(a_push, V7_HEARTBEAT);
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 3000), 1);
    s_expect_hello_refused(&d, "acct_rt_A", "its own endpoint pair: it is never routed", a_pull,
                           a_push, "rt_pr_1");
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

//  The same for command.account (the shared PUSH's one EA).
static void test_a_hello_on_the_router_cannot_take_the_command_accounts_commands(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, "command\n    account = \"acct_rt_S\"\n", s_args), 0);
    void *pull = bt_command_socket(&d), *push = bt_feedback_socket(&d, true);
    assert_int_equal(bt_wait_status(&d, "channels.command.peers", 1, 3000), 1);
    bt_send(push, "{\"type\":\"telemetry\",\"uuid\":\"acct_rt_S\",\"balance\":1000.0,"
                  "\"equity\":1000.0,\"margin\":0.0,\"free_margin\":1000.0,\"positions\":0}");
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 3000), 1);
    s_expect_hello_refused(&d, "acct_rt_S", "this account is command.account", pull, push,
                           "rt_ca_1");
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_dealer_ea_registers_by_hello_and_gets_only_its_fires(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d,
                                     "accounts\n" SHARED("one", "COMMANDER_DEV_001")
                                         SHARED("two", "COMMANDER_DEV_002"),
                                     s_args),
                     0);
    //  v2.05's identity is its uuid minus the last byte.
    void *dealer = bt_dealer_socket(&d, "COMMANDER_DEV_00");
    assert_non_null(dealer);
    assert_int_equal(bt_wait_status(&d, "channels.router.peers", 1, 3000), 1);
    //  Before its HELLO the identity proves nothing: a HEARTBEAT-less frame is refused.
    bt_send(dealer, "{\"type\":\"pong\",\"ping_id\":\"p1\",\"node_id\":\"N\","
                    "\"user_uuid\":\"COMMANDER_DEV_001\",\"timestamp\":\"2025.09.15 19:34:06\"}");
    assert_int_equal(bt_wait_status(&d, "rejects.UNATTRIBUTED", 1, 3000), 1);
    bt_send(dealer, HELLO("COMMANDER_DEV_001"));
    assert_int_equal(bt_wait_status(&d, "channels.router.routes_learned", 1, 3000), 1);
    assert_true(bt_log_contains(&d, "route.learned uuid=COMMANDER_DEV_001", 2000));
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 3000), 1);

    s_close_all(&d, "COMMANDER_DEV_001", "rt_d_1", "SENT", NULL);
    s_close_all(&d, "COMMANDER_DEV_002", "rt_d_2", "REFUSED", "ROUTE_UNPROVEN");
    //  v2.05's close_all carries no id: its target_uuid says whose it is.
    assert_int_equal(s_frames(dealer, "\"target_uuid\":\"COMMANDER_DEV_001\"",
                              "COMMANDER_DEV_002", 500),
                     1);
    //  v2.05 has no close-by-symbol: on its proven route it is refused, and nothing is sent.
    s_close_symbol(&d, "COMMANDER_DEV_001", "EURUSD", "rt_d_sym", "REFUSED",
                   "DIALECT_UNSUPPORTED");
    assert_int_equal(s_frames(dealer, "close", NULL, 300), 0);

    //  Another EA whose uuid differs only in the last byte gets the same identity. While the
    //  first is connected libzmq refuses it (HANDOVER off); once it speaks for its own uuid
    //  on that identity, the identity proves nothing and the first account's fires stop.
    zmq_close(dealer);
    assert_int_equal(bt_wait_status(&d, "channels.router.disconnects", 1, 3000), 1);
    void *twin = bt_dealer_socket(&d, "COMMANDER_DEV_00");
    bt_send(twin, HELLO("COMMANDER_DEV_002"));
    assert_int_equal(bt_wait_status(&d, "rejects.UUID_NOT_AUTHORIZED", 1, 3000), 1);
    assert_true(bt_log_contains(&d, "route.forgotten uuid=COMMANDER_DEV_001", 2000));
    s_close_all(&d, "COMMANDER_DEV_001", "rt_d_3", "REFUSED", "ROUTE_UNPROVEN");
    assert_int_equal(s_frames(twin, "close", NULL, 300), 0);
    //  A DEALER whose identity is not its target_uuid minus the last byte binds nothing.
    void *liar = bt_dealer_socket(&d, "SOMEONE_ELSE");
    bt_send(liar, HELLO("COMMANDER_DEV_002"));
    assert_int_equal(bt_wait_status(&d, "rejects.UUID_NOT_AUTHORIZED", 2, 3000), 2);
    s_close_all(&d, "COMMANDER_DEV_002", "rt_d_4", "REFUSED", "ROUTE_UNPROVEN");
    zmq_close(liar);
    zmq_close(twin);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- uuid-less frames */


static void test_a_uuid_less_heartbeat_is_refused_unless_the_operator_names_its_account(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, s_args), 0);
    void *fb = bt_feedback_socket(&d, true);
    bt_send(fb, V7_HEARTBEAT);
    assert_int_equal(bt_wait_status(&d, "rejects.UNATTRIBUTED", 1, 3000), 1);
    assert_true(bt_log_contains(&d, "channel=feedback reason=UNATTRIBUTED", 2000));
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "frames_in.heartbeat"), 0);
    assert_int_equal(bt_json_int(st, "eas.known"), 0);
    json_decref(st);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);

    const char *args[] = {"--set", "feedback.anonymous_account=acct_v7_1", "--set",
                          "ea.ping_interval_s=0", NULL};
    assert_int_equal(bt_daemon_start(&d, "accounts\n" SHARED("v7", "acct_v7_1"), args), 0);
    fb = bt_feedback_socket(&d, true);
    bt_send(fb, V7_HEARTBEAT);
    assert_int_equal(bt_wait_status(&d, "frames_in.heartbeat", 1, 3000), 1);
    st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "channels.feedback.attributed_anonymous"), 1);
    assert_int_equal(bt_json_int(st, "rejects.UNATTRIBUTED"), 0);
    json_decref(st);
    st = bt_ctl(&d, "{\"cmd\":\"eas\"}");
    json_t *ea = json_array_get(json_object_get(st, "eas"), 0);
    assert_string_equal(json_string_value(json_object_get(ea, "uuid")), "acct_v7_1");
    json_decref(st);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

/* ---------------------------------------------------------------- the confirm PULL */

static void test_a_v2_confirmation_on_the_confirm_socket_reaches_the_bus(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, "accounts\n" SHARED("one", "COMMANDER_DEV_001"), s_args),
                     0);
    void *confirm = bt_confirm_socket(&d);
    assert_non_null(confirm);
    bt_send(confirm,
            "{\"type\":\"confirmation\",\"command_type\":\"fire\",\"fire_id\":\"fir_001\","
            "\"node_id\":\"NODE_843859_109092125\",\"user_uuid\":\"COMMANDER_DEV_001\","
            "\"status\":\"success\",\"ticket\":20659629,\"price\":1.17619,\"lot\":0.05,"
            "\"message\":\"Trade executed successfully via DEALER\",\"account\":843859,"
            "\"currency\":\"USD\",\"balance\":850.47,\"equity\":850.37,\"free_margin\":791.56,"
            "\"margin_level\":1445.97,\"timestamp\":\"2025.09.15 19:34:05\"}");
    assert_int_equal(bt_wait_status(&d, "channels.confirm.frames", 1, 3000), 1);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "frames_in.trade_result"), 1);
    assert_int_equal(bt_json_int(st, "channels.confirm.peers"), 1);
    json_decref(st);
    //  Nobody waits for fir_001: an orphan, published, not dropped.
    assert_int_equal(bt_wait_status(&d, "fires.orphan_results", 1, 3000), 1);
    //  A uuid-less frame on the confirm socket has no account: refused.
    bt_send(confirm, "{\"type\":\"confirmation\",\"command_type\":\"fire\",\"status\":\"success\","
                     "\"ticket\":1,\"price\":1.1,\"lot\":0.05,\"message\":\"\"}");
    assert_true(bt_wait_status(&d, "channels.confirm.refused", 1, 3000) >= 1);
    zmq_close(confirm);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_fire_never_leaves_on_a_connection_that_is_not_its_accounts),
        cmocka_unit_test(test_two_accounts_on_their_own_pairs_each_get_only_their_fires),
        cmocka_unit_test(test_a_dealer_ea_registers_by_hello_and_gets_only_its_fires),
        cmocka_unit_test(test_a_hello_on_the_router_cannot_take_a_pair_accounts_commands),
        cmocka_unit_test(test_a_hello_on_the_router_cannot_take_the_command_accounts_commands),
        cmocka_unit_test(test_a_uuid_less_heartbeat_is_refused_unless_the_operator_names_its_account),
        cmocka_unit_test(test_a_v2_confirmation_on_the_confirm_socket_reaches_the_bus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
