/*  bench_fire.c: decision latency: operator fire over the control REQ -> signal frame at the
 *  account's own DEALER (ROUTER route; and -> control reply), many accounts with fresh telemetry, p50/p99/p99.9. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "bench_common.h"
#include "bitten/proto.h"

static bitten_ms_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (bitten_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_send_telemetry(void *push, int accounts)
{
    bitten_ms_t now = s_wall_ms();
    for (int i = 0; i < accounts; i++) {
        bitten_telemetry_t t;
        memset(&t, 0, sizeof t);
        snprintf(t.uuid, sizeof t.uuid, "bench_acct_%05dx", i);
        t.balance = t.equity = 100000.0;
        t.margin = 0;
        t.has_margin = true;
        t.free_margin = 100000.0;
        t.has_free_margin = true;
        t.timestamp = now;
        char buf[1024];
        int n = bitten_encode_telemetry(&t, buf, sizeof buf);
        if (n > 0)
            zmq_send(push, buf, (size_t)n, 0);
    }
}

//  The EA acknowledges a fire as MT5 would: a trade_result with the echoed signal_id.
static void s_ack(void *push, const char *frame, const char *uuid, long i)
{
    const char *p = strstr(frame, "\"signal_id\":\"");
    if (!p)
        return;
    p += 13;
    bitten_trade_result_t r;
    memset(&r, 0, sizeof r);
    size_t len = strcspn(p, "\"");
    snprintf(r.signal_id, sizeof r.signal_id, "%.*s", (int)len, p);
    snprintf(r.uuid, sizeof r.uuid, "%s", uuid);
    r.status = BITTEN_RESULT_SUCCESS;
    r.ticket = 1000000 + i;
    r.has_ticket = true;
    r.price = 1.17485;
    r.has_price = true;
    snprintf(r.message, sizeof r.message, "Trade executed successfully");
    r.timestamp = s_wall_ms();
    char buf[1024];
    int n = bitten_encode_trade_result(&r, buf, sizeof buf);
    if (n > 0)
        zmq_send(push, buf, (size_t)n, 0);
}

typedef struct {
    bool replied, framed;
    double t_reply, t_frame;
    char state[24], error[160];
} s_shot_t;

//  One fire: request, then wait for the reply and (when SENT) the frame on the PULL.
static int s_fire(bb_daemon_t *d, void *ea, void *push, const char *mode, int acct, long i,
                  s_shot_t *shot)
{
    char req[512], uuid[64];
    snprintf(uuid, sizeof uuid, "bench_acct_%05dx", acct);
    if (!strcmp(mode, "fire"))
        snprintf(req, sizeof req,
                 "{\"cmd\":\"fire\",\"uuid\":\"%s\",\"symbol\":\"EURUSD\",\"action\":\"buy\","
                 "\"sl_pips\":20,\"tp_pips\":40,\"lot\":0.01,\"signal_id\":\"BENCH_F_%ld\"}",
                 uuid, i);
    else
        snprintf(req, sizeof req,
                 "{\"cmd\":\"close\",\"uuid\":\"%s\",\"symbol\":\"EURUSD\","
                 "\"signal_id\":\"BENCH_C_%ld\"}",
                 uuid, i);
    memset(shot, 0, sizeof *shot);
    double t0 = bb_now();
    if (zmq_send(d->req, req, strlen(req), 0) < 0)
        return -1;
    char frame[2048];
    double deadline = t0 + 10.0;
    bool want_frame = true;
    while (!shot->replied || (want_frame && !shot->framed)) {
        zmq_pollitem_t items[2] = {{d->req, 0, ZMQ_POLLIN, 0}, {ea, 0, ZMQ_POLLIN, 0}};
        int left = (int)((deadline - bb_now()) * 1000);
        if (left <= 0 || zmq_poll(items, 2, left) < 0)
            return -1;
        if (items[1].revents & ZMQ_POLLIN) {
            int n = zmq_recv(ea, frame, sizeof frame - 1, 0);
            if (n < 0)
                continue;
            frame[n < (int)sizeof frame - 1 ? n : (int)sizeof frame - 1] = '\0';
            if (strstr(frame, "\"type\":\"signal\"")) {
                shot->t_frame = bb_now() - t0;
                shot->framed = true;
                s_ack(push, frame, uuid, i);
            }
        }
        if (items[0].revents & ZMQ_POLLIN) {
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, d->req, 0) >= 0) {
                shot->t_reply = bb_now() - t0;
                shot->replied = true;
                json_error_t err;
                json_t *r = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &err);
                snprintf(shot->state, sizeof shot->state, "%s",
                         r ? (json_string_value(json_object_get(r, "state")) ?: "?") : "?");
                snprintf(shot->error, sizeof shot->error, "%s",
                         r ? (json_string_value(json_object_get(r, "error")) ?: "") : "bad reply");
                json_decref(r);
                want_frame = strcmp(shot->state, "SENT") == 0;
            }
            zmq_msg_close(&msg);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *bittend = "build-bench/bittend", *mode = "auto";
    int accounts = 2000, gap_ms = 0;
    long fires = 10000;
    const char *sets[16];
    int nsets = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--bittend"))
            bittend = argv[i + 1];
        else if (!strcmp(argv[i], "--accounts"))
            accounts = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--fires"))
            fires = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--mode"))
            mode = argv[i + 1];
        else if (!strcmp(argv[i], "--gap-ms"))
            gap_ms = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--set") && nsets < 6) {
            sets[2 * nsets] = "--set";
            sets[2 * nsets + 1] = argv[i + 1];
            nsets++;
        } else {
            fprintf(stderr, "usage: bench_fire [--bittend P] [--accounts A] [--fires N] "
                            "[--mode auto|fire|close] [--gap-ms G] [--set key=value]...\n");
            return 2;
        }
    }
    //  Every account's EA is a DEALER on the ROUTER (identity = its uuid minus the last byte,
    //  registered by a HELLO): each fire reaches its own account's socket, as in production.
    const char *args[20] = {"--set", "fire.result_timeout_s=3600"};
    int na = 2;
    for (int i = 0; i < 2 * nsets; i++)
        args[na++] = sets[i];
    args[na] = NULL;
    size_t cap = (size_t)accounts * 160 + 64;
    char *zpl = malloc(cap), *p = zpl;
    p += sprintf(p, "accounts\n");
    for (int i = 0; i < accounts; i++)
        p += sprintf(p,
                     "    a%05d\n        uuid = \"bench_acct_%05dx\"\n        tier = \"COMMANDER\"\n"
                     "        mode = \"manual\"\n",
                     i, i);
    bb_daemon_t d;
    bb_stop_on_signals(&d);
    if (bb_daemon_start(&d, bittend, zpl, args) != 0) {
        fprintf(stderr, "bench_fire: bittend did not start (see its log)\n");
        return 1;
    }
    free(zpl);
    long rss_idle = bb_proc_status_kb(d.pid, "VmRSS");
    void *push = zmq_socket(d.zctx, ZMQ_PUSH);
    void **dealers = calloc((size_t)accounts, sizeof *dealers);
    int zero = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect(push, d.feedback);
    for (int i = 0; i < accounts; i++) {
        char id[64], hello[256];
        snprintf(id, sizeof id, "bench_acct_%05d", i);
        dealers[i] = zmq_socket(d.zctx, ZMQ_DEALER);
        if (!dealers[i]) {
            fprintf(stderr, "bench_fire: EA socket %d of %d: %s\n", i, accounts,
                    zmq_strerror(zmq_errno()));
            return 2;
        }
        zmq_setsockopt(dealers[i], ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(dealers[i], ZMQ_ROUTING_ID, id, strlen(id));
        zmq_connect(dealers[i], d.router);
        int n = snprintf(hello, sizeof hello,
                         "{\"type\":\"HELLO\",\"target_uuid\":\"%sx\",\"node_id\":\"N%d\","
                         "\"balance\":100000,\"equity\":100000,\"version\":\"2.05\","
                         "\"timestamp\":\"2025.09.15 19:33:51\"}",
                         id, i);
        zmq_send(dealers[i], hello, (size_t)n, 0);
    }
    //  Telemetry once every route is learned: a HELLO handled after it would leave the margin
    //  level unknown again, and XP & risk refuses an opening fire on an unknown level.
    bb_wait_status(&d, "channels.router.routes_learned", accounts, 50, 20000);
    s_send_telemetry(push, accounts);
    int64_t online = bb_wait_status(&d, "eas.online", accounts, 50, 20000);
    bb_sleep_ms(200);
    double last_tel = bb_now();

    //  Mode: an open fire when the risk gate lets it through, else close (no risk gate).
    s_shot_t shot;
    char fallback[256] = "";
    if (!strcmp(mode, "auto")) {
        if (s_fire(&d, dealers[0], push, "fire", 0, 0, &shot) == 0 &&
            !strcmp(shot.state, "SENT")) {
            mode = "fire";
        } else {
            mode = "close";
            snprintf(fallback, sizeof fallback, "open fire refused: state=%s error=%s",
                     shot.state, shot.error);
        }
    }
    int warm = 100;
    double *frame_us = calloc((size_t)fires, sizeof *frame_us);
    double *reply_us = calloc((size_t)fires, sizeof *reply_us);
    size_t nf = 0, nr = 0;
    long refused = 0, errors = 0;
    char first_refusal[256] = "";
    double cpu0 = 0, t_start = 0;
    for (long i = 0; i < fires + warm; i++) {
        if (i == warm) {
            cpu0 = bb_proc_cpu_s(d.pid);
            t_start = bb_now();
        }
        if (bb_now() - last_tel > 10.0) { /* keep every account's telemetry fresh */
            s_send_telemetry(push, accounts);
            last_tel = bb_now();
        }
        if (s_fire(&d, dealers[i % accounts], push, mode, (int)(i % accounts), i + 1, &shot) !=
            0) {
            errors++;
            if (errors > 20)
                break;
            continue;
        }
        //  --gap-ms: the daemon handles the EA's ack (FILLED, an fsync of its own) before the next
        //  fire, as when fires are further apart than a fill; 0 = back to back.
        if (gap_ms > 0)
            bb_sleep_ms(gap_ms);
        if (i < warm)
            continue;
        reply_us[nr++] = shot.t_reply * 1e6;
        if (shot.framed)
            frame_us[nf++] = shot.t_frame * 1e6;
        else if (++refused == 1)
            snprintf(first_refusal, sizeof first_refusal, "state=%s error=%s", shot.state,
                     shot.error);
    }
    double secs = bb_now() - t_start;
    //  The frame latency's distribution (counts per bucket, upper edges in us), so a p99 can be
    //  read against a bound: how many frames took longer, not one quantile only.
    static const double edges[] = {250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 20000};
    json_t *hist = json_array();
    for (size_t b = 0; b <= sizeof edges / sizeof edges[0]; b++) {
        double lo = b ? edges[b - 1] : 0;
        double hi = b < sizeof edges / sizeof edges[0] ? edges[b] : 1e300;
        json_int_t c = 0;
        for (size_t k = 0; k < nf; k++)
            c += frame_us[k] >= lo && frame_us[k] < hi;
        json_array_append_new(hist, json_pack("[f, I]", hi < 1e300 ? hi : -1, c));
    }
    double cpu = bb_proc_cpu_s(d.pid) - cpu0;
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:s, s:f, s:f, s:f, s:f, s:f, s:f, "
        "s:f, s:f, s:f, s:I, s:I, s:f, s:o}",
        "bench", "fire", "mode", mode, "fallback", fallback, "accounts", accounts, "gap_ms", gap_ms,
        "online", (json_int_t)online, "fires", (json_int_t)nr, "sent", (json_int_t)nf, "refused",
        (json_int_t)refused, "errors", (json_int_t)errors, "first_refusal", first_refusal,
        "frame_us_p50", bb_quantile(frame_us, nf, 0.5), "frame_us_p99",
        bb_quantile(frame_us, nf, 0.99), "frame_us_p999", bb_quantile(frame_us, nf, 0.999),
        "reply_us_p50", bb_quantile(reply_us, nr, 0.5), "reply_us_p99",
        bb_quantile(reply_us, nr, 0.99), "reply_us_p999", bb_quantile(reply_us, nr, 0.999),
        "fires_per_s", (double)nr / secs, "daemon_cpu_s", cpu, "seconds", secs, "rss_idle_kb",
        (json_int_t)rss_idle, "rss_after_kb", (json_int_t)bb_proc_status_kb(d.pid, "VmRSS"),
        "frame_us_p90", bb_quantile(frame_us, nf, 0.9), "frame_us_hist", hist);
    bb_emit(out);
    for (int i = 0; i < accounts; i++)
        zmq_close(dealers[i]);
    free(dealers);
    zmq_close(push);
    bb_daemon_stop(&d);
    free(frame_us);
    free(reply_us);
    return nf > 0 ? 0 : 1;
}
