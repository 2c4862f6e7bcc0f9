/*  test_metrics.c: the Prometheus endpoint fetched over loopback and read by a real
 *  Prometheus text parser (python3-prometheus-client): names, types, labels, and a fire
 *  moving the fire counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

//  Debian's python3 (the package python3-prometheus-client lives there, not in a venv).
#define PYTHON "/usr/bin/python3"

//  Fetches http://ENDPOINT/metrics and prints {"family": {"type": T, "samples": [[name,
//  {labels}, value], ...]}} as parsed by prometheus_client.parser.
static const char s_script[] =
    "import json, sys, urllib.request\n"
    "from prometheus_client.parser import text_string_to_metric_families\n"
    "r = urllib.request.urlopen('http://' + sys.argv[1] + '/metrics', timeout=10)\n"
    "assert r.headers['Content-Type'].startswith('text/plain')\n"
    "out = {}\n"
    "for f in text_string_to_metric_families(r.read().decode()):\n"
    "    out[f.name] = {'type': f.type,\n"
    "                   'samples': [[s.name, s.labels, s.value] for s in f.samples]}\n"
    "print(json.dumps(out))\n";

static json_t *s_scrape(const char *endpoint)
{
    char path[] = "/tmp/bitten-scrape-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(s_script, f);
    fclose(f);
    char cmd[512];
    static char out[1 << 18];
    snprintf(cmd, sizeof cmd, PYTHON " %s %s", path, endpoint);
    int rc = bt_run(cmd, out, sizeof out, 20000);
    remove(path);
    if (rc != 0)
        fprintf(stderr, "scrape rc=%d: %s\n", rc, out);
    assert_int_equal(rc, 0);
    json_error_t jerr;
    json_t *families = json_loads(out, 0, &jerr);
    assert_non_null(families);
    return families;
}

//  The parser names a counter family without its _total suffix.
static json_t *s_family(json_t *families, const char *name, const char *type)
{
    char base[128];
    snprintf(base, sizeof base, "%s", name);
    size_t n = strlen(base);
    if (strcmp(type, "counter") == 0 && n > 6 && strcmp(base + n - 6, "_total") == 0)
        base[n - 6] = '\0';
    json_t *f = json_object_get(families, base);
    if (!f)
        fprintf(stderr, "no family %s\n", base);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "type")), type);
    return f;
}

//  The value of sample `name` whose label `label` is `value` (label NULL: no label asked).
static double s_sample(json_t *family, const char *name, const char *label, const char *value,
                       bool *found)
{
    size_t i;
    json_t *s;
    *found = false;
    json_array_foreach(json_object_get(family, "samples"), i, s)
    {
        if (strcmp(json_string_value(json_array_get(s, 0)), name) != 0)
            continue;
        const char *got = label ? json_string_value(json_object_get(json_array_get(s, 1), label))
                                : NULL;
        if (label && (!got || strcmp(got, value) != 0))
            continue;
        *found = true;
        return json_number_value(json_array_get(s, 2));
    }
    return 0;
}

static void test_the_endpoint_parses_as_prometheus_text_and_a_fire_moves_its_counters(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    json_t *st = bt_status(&d);
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "%s",
             json_string_value(json_object_get(json_object_get(st, "metrics"), "endpoint")));
    json_decref(st);
    assert_non_null(strstr(endpoint, bt_loopback()));

    json_t *fams = s_scrape(endpoint);
    s_family(fams, "bittend_frames_in_total", "counter");
    s_family(fams, "bittend_rejects_total", "counter");
    s_family(fams, "bittend_fire_transitions_total", "counter");
    s_family(fams, "bittend_fires_refused_total", "counter");
    bool found;
    s_sample(s_family(fams, "bittend_eas_online", "gauge"), "bittend_eas_online", NULL, NULL,
             &found);
    assert_true(found);
    s_sample(s_family(fams, "bittend_halts_active", "gauge"), "bittend_halts_active", NULL, NULL,
             &found);
    assert_true(found);
    json_t *h = s_family(fams, "bittend_fire_send_seconds", "histogram");
    s_sample(h, "bittend_fire_send_seconds_bucket", "le", "+Inf", &found);
    assert_true(found);
    s_sample(h, "bittend_fire_send_seconds_count", NULL, NULL, &found);
    assert_true(found);
    s_family(fams, "bittend_fire_result_seconds", "histogram");
    json_decref(fams);

    //  A refused fire: one REFUSED transition and one refusal by its reason.
    json_t *r = bt_ctl(&d, "{\"cmd\":\"fire\",\"uuid\":\"nobody_m\",\"symbol\":\"EURUSD\","
                           "\"action\":\"buy\",\"sl_pips\":20}");
    assert_non_null(r);
    char reason[64];
    snprintf(reason, sizeof reason, "%s", json_string_value(json_object_get(r, "reason")));
    json_decref(r);
    double refused = 0, transitions = 0;
    for (int i = 0; i < 100 && refused < 1; i++) { /* the loop renders on its timer */
        bt_sleep_ms(100);
        fams = s_scrape(endpoint);
        refused = s_sample(s_family(fams, "bittend_fires_refused_total", "counter"),
                           "bittend_fires_refused_total", "reason", reason, &found);
        transitions = s_sample(s_family(fams, "bittend_fire_transitions_total", "counter"),
                               "bittend_fire_transitions_total", "state", "REFUSED", &found);
        json_decref(fams);
    }
    assert_true(refused == 1);
    assert_true(transitions == 1);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

static void test_a_public_metrics_address_needs_insecure(void **state)
{
    bt_daemon_t d;
    const char *args[] = {"--check-config", "--set", "metrics.endpoint=0.0.0.0:9560", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, args, 10000), 2);
    assert_true(bt_log_contains(&d, "'metrics.endpoint'", 100));
    bt_daemon_cleanup(&d);
    const char *bad[] = {"--check-config", "--set", "metrics.endpoint=127.0.0.1:99999", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, bad, 10000), 2);
    assert_true(bt_log_contains(&d, "'metrics.endpoint'", 100));
    bt_daemon_cleanup(&d);
    const char *ok[] = {"--check-config", "--insecure", "--set", "metrics.endpoint=0.0.0.0:9560",
                        "--set", "command.endpoint=tcp://127.0.0.1:*", NULL};
    assert_int_equal(bt_daemon_run_to_exit(&d, NULL, ok, 10000), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_endpoint_parses_as_prometheus_text_and_a_fire_moves_its_counters),
        cmocka_unit_test(test_a_public_metrics_address_needs_insecure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
