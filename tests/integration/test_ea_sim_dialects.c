/*  test_ea_sim_dialects.c: bitten-ea-sim --dialect v7|v2.05|v2.02 against raw test sockets
 *  (not bittend): each dialect connects the socket types its EA's source uses, emits its
 *  frames in the EA's exact format, and executes a command frame the way that EA does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "ea_json.h"
#include "harness.h"

#define S_WAIT_MS 15000
#define S_BUF 8192

typedef struct {
    void *ctx, *cmd, *fb, *confirm;
    char cmd_ep[128], fb_ep[128], confirm_ep[128];
    char dir[64], err_path[128], out_path[128];
    pid_t pid;
} s_env_t;

static void *s_bind(s_env_t *e, int type, char *ep, size_t size)
{
    void *sock = zmq_socket(e->ctx, type);
    assert_non_null(sock);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_bind(sock, "tcp://127.0.0.1:*"), 0);
    size_t n = size;
    assert_int_equal(zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, ep, &n), 0);
    return sock;
}

/*  Binds the server side for the dialect and starts the sim with the extra args. */
static void s_start(s_env_t *e, const char *dialect, int cmd_type, const char *const *extra)
{
    memset(e, 0, sizeof *e);
    e->ctx = zmq_ctx_new();
    e->cmd = s_bind(e, cmd_type, e->cmd_ep, sizeof e->cmd_ep);
    e->fb = s_bind(e, ZMQ_PULL, e->fb_ep, sizeof e->fb_ep);
    e->confirm = s_bind(e, ZMQ_PULL, e->confirm_ep, sizeof e->confirm_ep);
    snprintf(e->dir, sizeof e->dir, "/tmp/bt_sim_dialect_XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->err_path, sizeof e->err_path, "%s/sim.log", e->dir);
    snprintf(e->out_path, sizeof e->out_path, "%s/sim.out", e->dir);
    const char *argv[40] = {
        EA_SIM_PATH,         "--dialect",  dialect,     "--command",    e->cmd_ep,
        "--feedback",        e->fb_ep,     "--confirm", e->confirm_ep,  "--uuid",
        "COMMANDER_DEV_001", "--quote-ms", "100",       "--duration-s", "60"};
    size_t n = 15;
    for (size_t i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    e->pid = fork();
    assert_true(e->pid >= 0);
    if (e->pid == 0) {
        FILE *err = freopen(e->err_path, "w", stderr);
        FILE *out = freopen(e->out_path, "w", stdout);
        (void)err;
        (void)out;
        execv(EA_SIM_PATH, (char *const *)argv);
        _exit(127);
    }
}

/*  Stops the sim (SIGTERM: it must exit 0) and returns its summary line in summary. */
static void s_stop_summary(s_env_t *e, char *summary, size_t size)
{
    kill(e->pid, SIGTERM);
    int status = 0;
    waitpid(e->pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    summary[0] = '\0';
    FILE *f = fopen(e->out_path, "r");
    assert_non_null(f);
    assert_non_null(fgets(summary, (int)size, f));
    fclose(f);
    zmq_close(e->cmd);
    zmq_close(e->fb);
    zmq_close(e->confirm);
    zmq_ctx_term(e->ctx);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    assert_int_equal(system(cmd), 0);
}

static void s_stop(s_env_t *e)
{
    char summary[2048];
    s_stop_summary(e, summary, sizeof summary);
}

/*  The next frame on sock whose type is `type` (EA frames start with it), within the wait;
 *  frames of other types are skipped. For a ROUTER the routing id is returned in id. */
static bool s_expect(void *sock, const char *type, char *buf, char *id, size_t id_size)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "{\"type\":\"%s\",", type);
    int64_t deadline = bt_now_ms() + S_WAIT_MS;
    while (bt_now_ms() < deadline) {
        int rcvmore = 0;
        size_t sz = sizeof rcvmore;
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) <= 0)
            continue;
        int n = zmq_recv(sock, buf, S_BUF - 1, 0);
        if (n < 0)
            continue;
        buf[n < S_BUF - 1 ? n : S_BUF - 1] = '\0';
        zmq_getsockopt(sock, ZMQ_RCVMORE, &rcvmore, &sz);
        if (rcvmore) { /* ROUTER: [id, payload] */
            if (id)
                snprintf(id, id_size, "%s", buf);
            n = zmq_recv(sock, buf, S_BUF - 1, 0);
            if (n < 0)
                continue;
            buf[n < S_BUF - 1 ? n : S_BUF - 1] = '\0';
        }
        if (strncmp(buf, prefix, strlen(prefix)) == 0)
            return true;
    }
    print_error("no %s frame within %d ms\n", type, S_WAIT_MS);
    return false;
}

static const char *s_get(const char *json, const char *key, ea_json_flavor_t f)
{
    static char out[S_BUF];
    ea_json_get(json, key, f, out, sizeof out);
    return out;
}

static bool s_log_has(const s_env_t *e, const char *text)
{
    int64_t deadline = bt_now_ms() + S_WAIT_MS;
    while (bt_now_ms() < deadline) {
        FILE *f = fopen(e->err_path, "r");
        char line[4096];
        bool found = false;
        while (f && !found && fgets(line, sizeof line, f))
            found = strstr(line, text) != NULL;
        if (f)
            fclose(f);
        if (found)
            return true;
        bt_sleep_ms(50);
    }
    print_error("sim log lacks '%s'\n", text);
    return false;
}

static void test_v7_pull_push_frames_and_signal_arithmetic(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {"--symbols", "EURUSD,USDCNH", "--heartbeat-s", "1", NULL};
    s_start(&e, "v7", ZMQ_PUSH, extra);
    char buf[S_BUF];
    assert_true(s_expect(e.fb, "status", buf, NULL, 0));
    assert_non_null(strstr(buf,
                           "{\"type\":\"status\",\"status\":\"startup\",\"message\":\"EA v7.01 "
                           "initialized with tick streaming\",\"ea_version\":\"7.01\","
                           "\"account\":843859,\"server\":\"Sim-Demo\",\"timestamp\":\""));
    //  Ticks: %.5f prices and an integer server-time timestamp (UTC + 10800).
    assert_true(s_expect(e.fb, "tick", buf, NULL, 0));
    assert_non_null(strstr(buf, "\"symbol\":\"EURUSD\",\"bid\":1.17617,\"ask\":1.17619,"));
    long long ts = ea_json_int(buf, "timestamp", EA_JSON_V7);
    long long utc = (long long)time(NULL);
    assert_true(ts >= utc + 10800 - 60 && ts <= utc + 10800 + 60);
    assert_null(strstr(buf, "uuid"));
    assert_true(s_expect(e.fb, "heartbeat", buf, NULL, 0));
    assert_non_null(strstr(buf, "\"balance\":10000.00,\"equity\":10000.00,\"positions\":0,"));
    assert_true(s_expect(e.fb, "candle_batch", buf, NULL, 0));
    assert_null(strstr(buf, "timeframe"));

    //  lot 0.29 executes as 0.28; sl/tp are points from the order price (the ask).
    assert_int_equal(bt_send(e.cmd,
                             "{\"type\":\"signal\",\"signal_id\":\"S1\",\"symbol\":\"EURUSD\","
                             "\"action\":\"buy\",\"lot\":0.29,\"sl\":200,\"tp\":300}"),
                     0);
    assert_true(s_expect(e.fb, "trade_result", buf, NULL, 0));
    assert_string_equal(s_get(buf, "signal_id", EA_JSON_V7), "S1");
    assert_string_equal(s_get(buf, "status", EA_JSON_V7), "success");
    assert_string_equal(s_get(buf, "price", EA_JSON_V7), "1.17619");
    assert_true(s_log_has(&e, "lot=0.28 price=1.17619 sl=1.17419 tp=1.17919"));
    //  USDCNH: 4 digits at the recorded broker, so 200 points are 0.0200.
    assert_int_equal(bt_send(e.cmd,
                             "{\"type\":\"signal\",\"signal_id\":\"S2\",\"symbol\":\"USDCNH\","
                             "\"action\":\"sell\",\"lot\":0.1,\"sl\":200}"),
                     0);
    assert_true(s_expect(e.fb, "trade_result", buf, NULL, 0));
    assert_true(s_log_has(&e, "symbol=USDCNH side=sell lot=0.10 price=7.1184 sl=7.1384"));
    //  close_all with an empty symbol closes nothing.
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"signal\",\"signal_id\":\"CA0\",\"symbol\":\"\","
                                    "\"action\":\"close_all\"}"),
                     0);
    assert_true(s_expect(e.fb, "error", buf, NULL, 0));
    assert_string_equal(s_get(buf, "error", EA_JSON_V7), "Invalid signal parameters");
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"ping\",\"ping_id\":\"p1\"}"), 0);
    assert_true(s_expect(e.fb, "pong", buf, NULL, 0));
    assert_null(strstr(buf, "ping_id"));
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"signal\",\"signal_id\":\"CA1\",\"symbol\":\"ALL\","
                                    "\"action\":\"close_all\"}"),
                     0);
    assert_true(s_expect(e.fb, "trade_result", buf, NULL, 0));
    assert_string_equal(s_get(buf, "message", EA_JSON_V7), "Closed 2 positions");
    assert_string_equal(s_get(buf, "ticket", EA_JSON_V7), "0");
    s_stop(&e);
}

static void test_v205_dealer_identity_confirm_socket_and_wrong_side_stops(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {
        "--symbols", "EURUSD,GBPUSD", "--broker", "Soci\xc3\xa9t\xc3\xa9", "--cp1252", NULL};
    s_start(&e, "v2.05", ZMQ_ROUTER, extra);
    char buf[S_BUF], id[256] = "";
    assert_true(s_expect(e.cmd, "HELLO", buf, id, sizeof id));
    assert_string_equal(id, "COMMANDER_DEV_00"); /* the uuid minus its last byte */
    assert_string_equal(s_get(buf, "target_uuid", EA_JSON_V2), "COMMANDER_DEV_001");
    assert_non_null(strstr(buf, "\"company\":\"Soci\xe9t\xe9\",")); /* cp1252 bytes */
    assert_true(s_expect(e.fb, "handshake", buf, NULL, 0));
    assert_non_null(
        strstr(buf, "{\"type\":\"handshake\",\"deployment_mode\":\"universal_dealer\","));
    assert_non_null(strstr(buf, "\"symbol_list\":\"EURUSD,GBPUSD\","));
    assert_true(s_expect(e.fb, "TICK", buf, NULL, 0));
    assert_string_equal(s_get(buf, "user_uuid", EA_JSON_V2), "COMMANDER_DEV_001");

    //  A buy with its SL above the ask: the EA trades it without that stop.
    const char *fire = "{\"type\":\"fire\",\"fire_id\":\"fir_001\",\"target_uuid\":"
                       "\"COMMANDER_DEV_001\",\"symbol\":\"EURUSD\",\"direction\":\"BUY\","
                       "\"entry\":0,\"sl\":1.17819,\"tp\":1.17919,\"lot\":0.29}";
    assert_int_equal(zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE), (int)strlen(id));
    assert_int_equal(bt_send(e.cmd, fire), 0);
    assert_true(s_expect(e.confirm, "confirmation", buf, NULL, 0));
    assert_string_equal(s_get(buf, "fire_id", EA_JSON_V2), "fir_001");
    assert_string_equal(s_get(buf, "status", EA_JSON_V2), "success");
    assert_string_equal(s_get(buf, "lot", EA_JSON_V2), "0.29"); /* as sent */
    assert_true(s_log_has(&e, "side=buy lot=0.29 price=1.17619 sl=0.00000 tp=1.17919"));
    //  Another account's command is dropped; the ping after it is answered on confirm.
    const char *other = "{\"type\":\"close_all\",\"target_uuid\":\"COMMANDER_DEV_002\"}";
    zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE);
    assert_int_equal(bt_send(e.cmd, other), 0);
    zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE);
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"ping\",\"ping_id\":\"ping_1\"}"), 0);
    assert_true(s_expect(e.confirm, "pong", buf, NULL, 0));
    assert_string_equal(s_get(buf, "ping_id", EA_JSON_V2), "ping_1");
    assert_true(s_log_has(&e, "command.not_for_me target_uuid=COMMANDER_DEV_002"));
    zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE);
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"close_all\"}"), 0);
    assert_true(s_expect(e.confirm, "close_confirmation", buf, NULL, 0));
    assert_string_equal(s_get(buf, "message", EA_JSON_V2),
                        "Closed 1 positions, 0 failed, Total volume: 0.29");
    s_stop(&e);
}

static void test_v202_needs_target_uuid_and_reads_direction_from_entry(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {"--symbols", "EURUSD", NULL};
    s_start(&e, "v2.02", ZMQ_PUSH, extra);
    char buf[S_BUF];
    assert_true(s_expect(e.fb, "handshake", buf, NULL, 0));
    assert_non_null(strstr(buf, "\"deployment_mode\":\"universal\","));
    assert_non_null(strstr(buf, "\"version\":\"2.02\",\"timestamp\":\""));
    //  Without target_uuid the frame is dropped; the next one (entry at the bid) sells.
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"fire\",\"symbol\":\"EURUSD\",\"entry\":0,"
                                    "\"lot\":0.05}"),
                     0);
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"fire\",\"target_uuid\":\"COMMANDER_DEV_001\","
                                    "\"symbol\":\"EURUSD\",\"entry\":1.17617,\"sl\":1.17817,"
                                    "\"tp\":1.17317,\"lot\":0.05}"),
                     0);
    assert_true(s_expect(e.confirm, "confirmation", buf, NULL, 0));
    assert_null(strstr(buf, "fire_id"));
    assert_string_equal(s_get(buf, "message", EA_JSON_V2), "Trade executed successfully");
    assert_string_equal(s_get(buf, "price", EA_JSON_V2), "1.17617");
    assert_true(s_log_has(&e, "command.not_for_me"));
    assert_true(s_log_has(&e, "side=sell lot=0.05 price=1.17617 sl=1.17817 tp=1.17317"));
    s_stop(&e);
}

static void test_v7_suffix_on_the_wire_and_a_closed_market_still_answers_pings(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {"--symbols", "EURUSD", "--symbol-suffix", "m", "--market-closed", NULL};
    s_start(&e, "v7", ZMQ_PUSH, extra);
    char buf[S_BUF];
    assert_true(s_expect(e.fb, "status", buf, NULL, 0));
    //  The unsuffixed name is not the broker's symbol.
    assert_int_equal(bt_send(e.cmd,
                             "{\"type\":\"signal\",\"signal_id\":\"S1\",\"symbol\":\"EURUSD\","
                             "\"action\":\"buy\",\"lot\":0.05}"),
                     0);
    assert_true(s_expect(e.fb, "error", buf, NULL, 0));
    assert_string_equal(s_get(buf, "error", EA_JSON_V7), "Invalid symbol: EURUSD");
    assert_int_equal(bt_send(e.cmd,
                             "{\"type\":\"signal\",\"signal_id\":\"S2\",\"symbol\":\"EURUSDm\","
                             "\"action\":\"buy\",\"lot\":0.05}"),
                     0);
    assert_true(s_expect(e.fb, "trade_result", buf, NULL, 0));
    assert_string_equal(s_get(buf, "signal_id", EA_JSON_V7), "S2");
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"ping\"}"), 0);
    assert_true(s_expect(e.fb, "pong", buf, NULL, 0));
    //  The market is closed: the server clock stands still, so no tick and no candle_batch
    //  was sent, and the only heartbeat is the one of the first OnTimer.
    char summary[2048];
    s_stop_summary(&e, summary, sizeof summary);
    assert_non_null(strstr(summary, "\"ticks_sent\":0,"));
    assert_non_null(strstr(summary, "\"heartbeats_sent\":1,"));
}

static void test_v7_commands_config_and_a_frame_cut_at_4095_bytes(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {"--symbols", "EURUSD", NULL};
    s_start(&e, "v7", ZMQ_PUSH, extra);
    char buf[S_BUF];
    assert_true(s_expect(e.fb, "status", buf, NULL, 0));
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"command\",\"command\":\"status\"}"), 0);
    assert_true(s_expect(e.fb, "status_report", buf, NULL, 0));
    assert_non_null(strstr(buf, "{\"type\":\"status_report\",\"connected\":true,\"uptime\":"));
    assert_non_null(strstr(buf, ",\"open_positions\":0,\"account_balance\":10000.00,"));
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"config\",\"param\":\"slippage\",\"value\":20}"),
                     0);
    assert_true(s_expect(e.fb, "status", buf, NULL, 0));
    assert_string_equal(s_get(buf, "status", EA_JSON_V7), "config");
    assert_string_equal(s_get(buf, "message", EA_JSON_V7), "Slippage updated to 20");
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"command\",\"command\":\"reset\"}"), 0);
    assert_true(s_expect(e.fb, "status", buf, NULL, 0));
    assert_string_equal(s_get(buf, "message", EA_JSON_V7), "Statistics reset");
    //  The symbol stands after byte 4095: the EA never sees it.
    static char big[5000];
    const char *head = "{\"type\":\"signal\",\"signal_id\":\"BIG\",\"action\":\"buy\","
                       "\"pad\":\"";
    memset(big, 'x', sizeof big);
    memcpy(big, head, strlen(head));
    const char *tail = "\",\"symbol\":\"EURUSD\"}";
    memcpy(big + 4100, tail, strlen(tail));
    assert_int_equal(bt_send_bytes(e.cmd, big, 4100 + strlen(tail)), 0);
    assert_true(s_expect(e.fb, "error", buf, NULL, 0));
    assert_string_equal(s_get(buf, "signal_id", EA_JSON_V7), "BIG");
    assert_string_equal(s_get(buf, "error", EA_JSON_V7), "Invalid signal parameters");
    //  A keepalive is read and answered with nothing.
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"heartbeat\"}"), 0);
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"ping\"}"), 0);
    assert_true(s_expect(e.fb, "pong", buf, NULL, 0));
    char summary[2048];
    s_stop_summary(&e, summary, sizeof summary);
    assert_non_null(strstr(summary, "\"keepalives\":1,"));
}

static void test_v205_close_ticket_and_unknown_types_and_v202_ping(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {"--symbols", "USDJPY", NULL};
    s_start(&e, "v2.05", ZMQ_ROUTER, extra);
    char buf[S_BUF], id[256] = "";
    assert_true(s_expect(e.cmd, "HELLO", buf, id, sizeof id));
    zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE);
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"fire\",\"fire_id\":\"f2\",\"symbol\":\"USDJPY\","
                                    "\"side\":\"sell\",\"sl\":148.0,\"lot\":0.02}"),
                     0);
    assert_true(s_expect(e.confirm, "confirmation", buf, NULL, 0));
    assert_string_equal(s_get(buf, "price", EA_JSON_V2), "147.36600"); /* sold at the bid */
    long long ticket = ea_json_int(buf, "ticket", EA_JSON_V2);
    assert_true(ticket > 0);
    assert_true(s_log_has(&e, "side=sell lot=0.02 price=147.366 sl=148.000 tp=0.000"));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "{\"type\":\"close_ticket\",\"ticket\":%lld}", ticket);
    zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE);
    assert_int_equal(bt_send(e.cmd, cmd), 0);
    assert_true(s_expect(e.confirm, "close_confirmation", buf, NULL, 0));
    assert_string_equal(s_get(buf, "message", EA_JSON_V2), "Position closed successfully");
    assert_string_equal(s_get(buf, "close_price", EA_JSON_V2), "0.00000");
    assert_null(strstr(buf, "fire_id"));
    //  A v7-style signal is not executed: the failed "unknown" confirmation.
    zmq_send(e.cmd, id, strlen(id), ZMQ_SNDMORE);
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"signal\",\"symbol\":\"USDJPY\"}"), 0);
    assert_true(s_expect(e.confirm, "confirmation", buf, NULL, 0));
    assert_string_equal(s_get(buf, "command_type", EA_JSON_V2), "unknown");
    assert_string_equal(s_get(buf, "message", EA_JSON_V2), "Unknown command type: signal");
    s_stop(&e);

    const char *extra2[] = {"--symbols", "EURUSD", NULL};
    s_start(&e, "v2.02", ZMQ_PUSH, extra2);
    assert_true(s_expect(e.fb, "handshake", buf, NULL, 0));
    assert_int_equal(bt_send(e.cmd, "{\"type\":\"ping\",\"target_uuid\":\"COMMANDER_DEV_001\"}"),
                     0);
    assert_true(s_expect(e.confirm, "confirmation", buf, NULL, 0));
    assert_string_equal(s_get(buf, "message", EA_JSON_V2), "Unknown command type: ping");
    assert_null(strstr(buf, "currency"));
    s_stop(&e);
}

static void test_v202_replays_recorded_bars_as_quotes_in_server_time(void **state)
{
    (void)state;
    s_env_t e;
    const char *extra[] = {
        "--symbols", "EURUSD,GBPUSD", "--symbol-suffix",
        ".r",        "--ticks",       BITTEN_DATA_DIR "/candles_m1_2025-09-15.csv",
        NULL};
    s_start(&e, "v2.02", ZMQ_PUSH, extra);
    char buf[S_BUF];
    assert_true(s_expect(e.fb, "handshake", buf, NULL, 0));
    assert_non_null(strstr(buf, "\"symbol_list\":\"EURUSD.r,GBPUSD.r\","));
    //  The first bar (1757938680 UTC) opens at 15:18:00 server time (UTC+3); its open is the
    //  first quote, bid = open - half the recorded 2-point spread.
    assert_true(s_expect(e.fb, "TICK", buf, NULL, 0));
    assert_string_equal(s_get(buf, "timestamp", EA_JSON_V2), "2025.09.15 15:18:00");
    assert_true(strcmp(s_get(buf, "symbol", EA_JSON_V2), "EURUSD.r") == 0 ||
                strcmp(s_get(buf, "symbol", EA_JSON_V2), "GBPUSD.r") == 0);
    s_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v7_pull_push_frames_and_signal_arithmetic),
        cmocka_unit_test(test_v205_dealer_identity_confirm_socket_and_wrong_side_stops),
        cmocka_unit_test(test_v202_needs_target_uuid_and_reads_direction_from_entry),
        cmocka_unit_test(test_v7_suffix_on_the_wire_and_a_closed_market_still_answers_pings),
        cmocka_unit_test(test_v7_commands_config_and_a_frame_cut_at_4095_bytes),
        cmocka_unit_test(test_v205_close_ticket_and_unknown_types_and_v202_ping),
        cmocka_unit_test(test_v202_replays_recorded_bars_as_quotes_in_server_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
