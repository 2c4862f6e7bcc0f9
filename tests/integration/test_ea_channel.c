/*  test_ea_channel.c: the EA side of the daemon over real sockets: the recorded EA tick file
 *  decodes in full, EAs come online and go offline, keepalives reach every connected EA, the
 *  command peers are counted, pings measure round-trip time, and events are published. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

static int s_replay_file(void *socket, const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    int sent = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        if (n == 0)
            continue;
        assert_int_equal(bt_send_bytes(socket, line, n), 0);
        sent++;
    }
    fclose(f);
    return sent;
}

static void s_replay_real_ticks(bool pull)
{
    bt_daemon_t d;
    const char *args[] = {"--set", pull ? "feedback.socket=pull" : "feedback.socket=sub", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *fb = bt_feedback_socket(&d, pull);
    int unlimited = 0;
    zmq_setsockopt(fb, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
    assert_int_equal(bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"sync\"}", "frames_in.heartbeat", 5000), 0);
    int sent = s_replay_file(fb, BITTEN_DATA_DIR "/ea_ticks_2025-09-15.jsonl");
    assert_int_equal(sent, 1500);
    assert_int_equal(bt_wait_status(&d, "frames_in.tick", 1500, 10000), 1500);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "rejects_total"), 0);
    //  Every tick names its account through user_uuid: the EA is known and online.
    json_decref(st);
    st = bt_ctl(&d, "{\"cmd\":\"status\",\"lists\":true}");
    json_t *list = json_object_get(json_object_get(st, "eas"), "list");
    bool found = false;
    size_t i;
    json_t *ea;
    json_array_foreach(list, i, ea)
        found |= strcmp(json_string_value(json_object_get(ea, "uuid")), "COMMANDER_DEV_001") == 0 &&
                 json_is_true(json_object_get(ea, "online"));
    assert_true(found);
    json_decref(st);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_recorded_ea_ticks_all_decode_over_sub(void **state)
{
    s_replay_real_ticks(false);
}

static void test_recorded_ea_ticks_all_decode_over_pull(void **state)
{
    s_replay_real_ticks(true);
}

static void test_ea_goes_online_then_offline_after_silence(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "ea.offline_after_s=5", "--set", "ea.check_interval_ms=100", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *events = bt_events_socket(&d);
    void *fb = bt_feedback_socket(&d, false);
    bt_sleep_ms(200);
    assert_int_equal(bt_send_until_counted(&d, fb,
                                           "{\"type\":\"telemetry\",\"uuid\":\"ea_live_1\","
                                           "\"account\":{\"balance\":1000,\"equity\":1000}}",
                                           "frames_in.telemetry", 5000), 0);
    assert_true(bt_log_contains(&d, "ea.online uuid=ea_live_1 why=first_frame", 2000));
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 1000), 1);
    char buf[4096];
    bool online_event = false, offline_event = false;
    while (!online_event && bt_recv(events, buf, sizeof buf, BT_WAIT_MS) > 0)
        online_event = strncmp(buf, "ea.online ", 10) == 0 && strstr(buf, "\"ea_live_1\"");
    assert_true(online_event);
    //  Silent for offline_after_s: offline, with an event and a log line.
    while (!offline_event && bt_recv(events, buf, sizeof buf, BT_WAIT_MS) > 0)
        offline_event = strncmp(buf, "ea.offline ", 11) == 0 && strstr(buf, "\"silent\"");
    assert_true(offline_event);
    json_t *st = bt_status(&d);
    assert_int_equal(bt_json_int(st, "eas.online"), 0);
    assert_int_equal(bt_json_int(st, "eas.known"), 1);
    json_decref(st);
    //  Any frame brings it back.
    bt_send(fb, "{\"type\":\"heartbeat\",\"uuid\":\"ea_live_1\"}");
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 3000), 1);
    assert_true(bt_log_contains(&d, "ea.online uuid=ea_live_1 why=frame_after_silence", 2000));
    zmq_close(fb);
    zmq_close(events);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_status_shutdown_marks_offline_and_anonymous_heartbeat_refreshes_the_only_ea(void **state)
{
    bt_daemon_t d;
    //  uuid-less frames are attributed only where the operator said whose they are.
    const char *args[] = {"--set", "feedback.anonymous_account=ea_solo", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb,
                                           "{\"type\":\"status\",\"status\":\"startup\",\"uuid\":"
                                           "\"ea_solo\",\"ea_version\":\"7.1\",\"server\":\"Demo\"}",
                                           "frames_in.status", 5000), 0);
    assert_int_equal(bt_wait_status(&d, "eas.online", 1, 2000), 1);
    //  EA v7 heartbeats carry no uuid: they count for feedback.anonymous_account.
    bt_send(fb, "{\"type\":\"heartbeat\",\"balance\":1000,\"equity\":1000}");
    assert_int_equal(bt_wait_status(&d, "frames_in.heartbeat", 1, 2000), 1);
    json_t *st = bt_ctl(&d, "{\"cmd\":\"status\",\"lists\":true}");
    assert_int_equal(bt_json_int(st, "eas.anonymous_frames"), 0);
    json_t *ea = json_array_get(json_object_get(json_object_get(st, "eas"), "list"), 0);
    assert_int_equal(json_integer_value(json_object_get(ea, "frames")), 2);
    assert_string_equal(json_string_value(json_object_get(ea, "ea_version")), "7.1");
    json_decref(st);
    bt_send(fb, "{\"type\":\"status\",\"status\":\"shutdown\",\"uuid\":\"ea_solo\"}");
    assert_true(bt_log_contains(&d, "ea.offline uuid=ea_solo why=status_shutdown", 3000));
    //  With two EAs known, a heartbeat without uuid is still the configured account's.
    bt_send(fb, "{\"type\":\"heartbeat\",\"uuid\":\"ea_other\"}");
    assert_int_equal(bt_wait_status(&d, "eas.known", 2, 2000), 2);
    bt_send(fb, "{\"type\":\"heartbeat\"}");
    assert_int_equal(bt_wait_status(&d, "channels.feedback.attributed_anonymous", 2, 2000), 2);
    assert_int_equal(bt_wait_status(&d, "eas.online", 2, 2000), 2);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static int s_count_keepalives(void *pull, int ms)
{
    char buf[1024];
    int n = 0;
    while (bt_recv(pull, buf, sizeof buf, ms) > 0)
        if (strncmp(buf, "{\"type\":\"heartbeat\",\"timestamp\":\"", 33) == 0)
            n++;
    return n;
}

static void test_keepalives_reach_every_connected_ea_and_peers_are_counted(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "command.keepalive_s=1", "--set", "ea.ping_interval_s=0", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *ea1 = bt_command_socket(&d);
    void *ea2 = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 2, 3000), 2);
    assert_true(bt_log_contains(&d, "peer.connected channel=command peers=2", 1000));
    //  PUSH round-robins: one heartbeat per peer per interval, so each EA hears from us.
    //  (Reads until each has two, however late a busy machine runs the timer.)
    int n1 = 0, n2 = 0;
    for (int64_t until = bt_now_ms() + BT_WAIT_MS; (n1 < 2 || n2 < 2) && bt_now_ms() < until;) {
        n1 += s_count_keepalives(ea1, 50);
        n2 += s_count_keepalives(ea2, 50);
    }
    assert_true(n1 >= 2);
    assert_true(n2 >= 2);
    assert_true(bt_log_contains(&d, "keepalive.sent count=2 peers=2", 1000));
    zmq_close(ea2);
    json_t *st = NULL;
    for (int i = 0; i < 100; i++) {
        json_decref(st);
        st = bt_status(&d);
        if (bt_json_int(st, "command.peers") == 1)
            break;
        bt_sleep_ms(30);
    }
    assert_int_equal(bt_json_int(st, "command.peers"), 1);
    assert_true(bt_json_int(st, "command.keepalives_sent") >= 4);
    json_decref(st);
    zmq_close(ea1);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_no_ea_connected_means_nothing_is_queued_for_later(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "command.keepalive_s=1", NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    //  Keepalives with no EA are not sent (one per connected peer), so none is queued.
    assert_true(bt_log_contains(&d, "keepalive.skipped reason=no_pull_peer", 4000));
    json_t *st = bt_status(&d);
    assert_non_null(st);
    assert_int_equal(bt_json_int(st, "command.keepalives_sent"), 0);
    json_decref(st);
    void *ea = bt_command_socket(&d);
    assert_int_equal(bt_wait_status(&d, "command.peers", 1, 3000), 1);
    char buf[1024];
    //  The late EA receives only what was sent after it connected, not a backlog of old
    //  heartbeats: never more frames than the daemon counts as sent.
    int got = bt_recv(ea, buf, sizeof buf, BT_WAIT_MS);
    assert_true(got > 0);
    int n = 1;
    st = bt_status(&d);
    int64_t sent = bt_json_int(st, "command.keepalives_sent");
    json_decref(st);
    while (n < sent && bt_recv(ea, buf, sizeof buf, BT_WAIT_MS) > 0)
        n++;
    n += s_count_keepalives(ea, 200);
    st = bt_status(&d);
    int64_t sent_after = bt_json_int(st, "command.keepalives_sent");
    json_decref(st);
    assert_true(n >= sent);
    assert_true(n <= sent_after);
    zmq_close(ea);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_pings_are_answered_and_round_trip_time_is_shown(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--set", "ea.ping_interval_s=1", "--set", "command.account=ea_ping",
                          NULL};
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *cmd = bt_command_socket(&d);
    void *fb = bt_feedback_socket(&d, false);
    assert_int_equal(bt_send_until_counted(&d, fb, "{\"type\":\"heartbeat\",\"uuid\":\"ea_ping\"}",
                                           "frames_in.heartbeat", 5000), 0);
    char buf[1024];
    char ping_id[128] = "";
    //  The newest ping waiting (the daemon remembers the last 16; a busy machine may have
    //  queued several by now): read until one came and nothing more is queued.
    bool queued = true;
    for (int64_t until = bt_now_ms() + BT_WAIT_MS; (!ping_id[0] || queued) && bt_now_ms() < until;) {
        queued = bt_recv(cmd, buf, sizeof buf, ping_id[0] ? 0 : 200) > 0;
        if (queued && strstr(buf, "\"type\":\"ping\"")) {
            json_error_t err;
            json_t *p = json_loads(buf, 0, &err);
            snprintf(ping_id, sizeof ping_id, "%s", json_string_value(json_object_get(p, "ping_id")));
            json_decref(p);
        }
    }
    assert_true(ping_id[0]);
    char pong[256];
    snprintf(pong, sizeof pong, "{\"type\":\"pong\",\"ping_id\":\"%s\",\"uuid\":\"ea_ping\"}", ping_id);
    bt_send(fb, pong);
    assert_int_equal(bt_wait_status(&d, "eas.pongs_matched", 1, 3000), 1);
    json_t *st = bt_ctl(&d, "{\"cmd\":\"status\",\"lists\":true}");
    json_t *ea = json_array_get(json_object_get(json_object_get(st, "eas"), "list"), 0);
    assert_non_null(json_object_get(ea, "rtt_ms"));
    assert_true(json_number_value(json_object_get(ea, "rtt_ms")) >= 0);
    json_decref(st);
    zmq_close(cmd);
    zmq_close(fb);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_legacy_file_appearing_at_run_time_raises_strict_violation(void **state)
{
    char dir[] = "/tmp/bitten-legacy-rt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char set[160];
    snprintf(set, sizeof set, "strict.legacy_dirs=%s", dir);
    const char *args[] = {"--zmq-strict", "--set", set, "--set", "strict.check_interval_s=1", NULL};
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, args), 0);
    void *events = bt_events_socket(&d);
    bt_sleep_ms(200);
    char file[128];
    snprintf(file, sizeof file, "%s/fire.txt", dir);
    FILE *f = fopen(file, "w");
    fputs("EURUSD,buy,0.1\n", f);
    fclose(f);
    char buf[4096];
    bool seen = false;
    while (!seen && bt_recv(events, buf, sizeof buf, BT_WAIT_MS) > 0)
        seen = strncmp(buf, "strict.violation ", 17) == 0 && strstr(buf, "STRICT_LEGACY_FILE");
    assert_true(seen);
    assert_true(bt_log_contains(&d, "ERROR core strict.violation alarm=1", 1000));
    json_t *st = bt_status(&d);
    assert_string_equal(json_string_value(json_object_get(json_object_get(st, "zmq"), "strict_violation")), file);
    json_decref(st);
    remove(file);
    assert_true(bt_log_contains(&d, "strict.cleared", 4000));
    rmdir(dir);
    zmq_close(events);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_ea_ticks_all_decode_over_sub),
        cmocka_unit_test(test_recorded_ea_ticks_all_decode_over_pull),
        cmocka_unit_test(test_ea_goes_online_then_offline_after_silence),
        cmocka_unit_test(test_status_shutdown_marks_offline_and_anonymous_heartbeat_refreshes_the_only_ea),
        cmocka_unit_test(test_keepalives_reach_every_connected_ea_and_peers_are_counted),
        cmocka_unit_test(test_no_ea_connected_means_nothing_is_queued_for_later),
        cmocka_unit_test(test_pings_are_answered_and_round_trip_time_is_shown),
        cmocka_unit_test(test_legacy_file_appearing_at_run_time_raises_strict_violation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
