/*  test_venom_replay.c: the replay (src/replay/replay.c): the CSV reader's bad-line reasons,
 *  and the outcome report over the recorded M5 bars: byte-identical runs, every group with its
 *  intervals, outcomes that add up. (The cost-model rules: test_venom_outcome.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bitten/config.h"
#include "modules/venom/outcome.h"
#include "modules/venom/venom.h"
#include "replay/replay.h"

#define T0 1757941200000LL /* 2025-09-15 13:00:00 UTC */
#define SEC 1000LL

//  Runs the replay over text written to a temp file; returns the parsed summary.
static json_t *s_replay_text(const char *text, int *rc)
{
    char path[] = "/tmp/bitten-replay-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bitten_config_t *cfg = bitten_config_new();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char err[256] = "";
    *rc = venom_replay_run(cfg, path, true, out, err, sizeof err);
    fclose(out);
    unlink(path);
    bitten_config_destroy(&cfg);
    const char *last = buf;
    for (const char *p = buf; p && *p; p++)
        if (*p == '\n' && p[1])
            last = p + 1;
    json_error_t jerr;
    json_t *summary = *rc == 0 ? json_loads(last, 0, &jerr) : NULL;
    free(buf);
    json_t *inner = summary ? json_incref(json_object_get(summary, "summary")) : NULL;
    json_decref(summary);
    return inner;
}

static void test_tick_csv_counts_bad_lines_by_reason(void **state)
{
    int rc;
    json_t *s = s_replay_text("timestamp,symbol,bid,ask\n"
                              "1757941260,GBPUSD,1.35000,1.35010\n"
                              "1757941200,EURUSD,1.10000,1.10010\n"   /* earlier: fed first */
                              "1757941201,EURUSD,1.10000\n"           /* BAD_FORMAT */
                              "yesterday,EURUSD,1.1,1.1\n"            /* BAD_TIMESTAMP */
                              "1757941202,EURUSD,1.1,1.0\n"           /* ask < bid */
                              "1757941203,eurusd,1.1,1.1\n"           /* BAD_FORMAT */
                              "2025-09-15T13:00:04Z,XXXYYY,1.1,1.1\n" /* UNKNOWN_SYMBOL drop */
                              "\n",
                              &rc);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    assert_string_equal(json_string_value(json_object_get(s, "format")), "tick_csv");
    assert_int_equal(json_integer_value(json_object_get(s, "ticks")), 3);
    assert_int_equal(json_integer_value(json_object_get(s, "bad_lines")), 4);
    json_t *bad = json_object_get(s, "bad_lines_by_reason");
    assert_int_equal(json_integer_value(json_object_get(bad, "BAD_FORMAT")), 2);
    assert_int_equal(json_integer_value(json_object_get(bad, "BAD_TIMESTAMP")), 1);
    assert_int_equal(json_integer_value(json_object_get(bad, "OUT_OF_RANGE")), 1);
    json_t *drops = json_object_get(s, "drops");
    assert_int_equal(json_integer_value(json_object_get(drops, "UNKNOWN_SYMBOL")), 1);
    //  Sorted by time before feeding: nothing is out of order.
    assert_int_equal(json_integer_value(json_object_get(drops, "TICK_OUT_OF_ORDER")), 0);
    json_decref(s);
}

static void test_unreadable_or_unrecognised_file_is_an_error(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256] = "";
    FILE *out = tmpfile();
    assert_int_equal(venom_replay_run(cfg, "/nonexistent/ticks.csv", false, out, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "cannot read"));
    fclose(out);
    bitten_config_destroy(&cfg);
    int rc;
    assert_null(s_replay_text("a,b,c\n1,2,3\n", &rc));
    assert_int_equal(rc, -1);
}


static char *s_report(const char *file, venom_report_t form, const char *bar_path)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256] = "";
    if (bar_path)
        assert_int_equal(bitten_config_set(cfg, "replay.bar_path", bar_path, "cli", err, sizeof err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(venom_replay_report(cfg, file, false, form, out, err, sizeof err), 0);
    fclose(out);
    bitten_config_destroy(&cfg);
    return buf;
}

static void s_check_group(json_t *g)
{
    json_int_t n = json_integer_value(json_object_get(g, "count"));
    json_int_t parts = json_integer_value(json_object_get(g, "wins")) +
                       json_integer_value(json_object_get(g, "losses")) +
                       json_integer_value(json_object_get(g, "timeouts")) +
                       json_integer_value(json_object_get(g, "open"));
    assert_int_equal(n, parts);
    json_t *ci = json_object_get(g, "expectancy_r_95");
    json_t *e = json_object_get(g, "expectancy_r");
    if (json_is_array(ci)) {
        assert_true(json_number_value(json_array_get(ci, 0)) <= json_number_value(e));
        assert_true(json_number_value(e) <= json_number_value(json_array_get(ci, 1)));
    }
    json_t *wi = json_object_get(g, "win_rate_95");
    if (json_is_array(wi))
        assert_true(json_number_value(json_array_get(wi, 0)) <= json_number_value(json_object_get(g, "win_rate")));
}

static void test_report_is_byte_identical_and_adds_up(void **state)
{
    const char *file = BITTEN_DATA_DIR "/candles_m5_2025-09.csv";
    char *a = s_report(file, VENOM_REPORT_JSON, NULL), *b = s_report(file, VENOM_REPORT_JSON, NULL);
    assert_string_equal(a, b);
    char *ta = s_report(file, VENOM_REPORT_TABLE, NULL), *tb = s_report(file, VENOM_REPORT_TABLE, NULL);
    assert_string_equal(ta, tb);
    assert_non_null(strstr(ta, "AFTER CITADEL"));
    json_error_t jerr;
    json_t *doc = json_loads(a, 0, &jerr);
    assert_non_null(doc);
    json_t *sum = json_object_get(doc, "summary");
    json_t *o = json_object_get(sum, "outcomes");
    json_int_t signals = json_integer_value(json_object_get(sum, "signals"));
    assert_true(signals > 0);
    const char *scopes[2] = {"before_citadel", "after_citadel"};
    for (int k = 0; k < 2; k++) {
        json_t *sc = json_object_get(o, scopes[k]);
        s_check_group(json_object_get(sc, "overall"));
        assert_int_equal(json_object_size(json_object_get(sc, "pattern")), VENOM_PATTERN_COUNT);
        assert_int_equal(json_object_size(json_object_get(sc, "session")), VENOM_SESSION_COUNT);
        const char *dim[3] = {"pattern", "session", "symbol"};
        for (int d = 0; d < 3; d++) {
            const char *name;
            json_t *g;
            json_int_t total = 0;
            json_object_foreach(json_object_get(sc, dim[d]), name, g)
            {
                s_check_group(g);
                total += json_integer_value(json_object_get(g, "count"));
            }
            assert_int_equal(total, json_integer_value(json_object_get(json_object_get(sc, "overall"), "count")));
        }
    }
    json_int_t before = json_integer_value(json_object_get(json_object_get(json_object_get(o, "before_citadel"), "overall"), "count"));
    assert_int_equal(before, signals);
    //  the costs are on: no closed trade of this file is worth exactly +rr or -1 on average
    json_t *cm = json_object_get(o, "cost_model");
    assert_int_equal(json_integer_value(json_object_get(cm, "max_hold_s")), 28800);
    assert_true(json_integer_value(json_object_get(cm, "gap_fills")) > 0);
    //  memory: bounded by open trades (no per-tick state): the book stays small
    json_t *mem = json_object_get(o, "memory");
    assert_true(json_integer_value(json_object_get(mem, "open_trades_max")) <= signals);
    assert_true(json_integer_value(json_object_get(mem, "book_bytes_max")) < 256 * 1024);
    json_decref(doc);
    free(a);
    free(b);
    free(ta);
    free(tb);
}

static void test_bar_path_convention_changes_only_the_guessed_path(void **state)
{
    const char *file = BITTEN_DATA_DIR "/candles_m5_2025-09.csv";
    char *close_ = s_report(file, VENOM_REPORT_JSON, "close");
    char *def = s_report(file, VENOM_REPORT_JSON, NULL);
    char *rev = s_report(file, VENOM_REPORT_JSON, "reverse");
    assert_string_equal(close_, def); /* close is the default */
    assert_string_not_equal(close_, rev);
    json_error_t jerr;
    json_t *d = json_loads(rev, 0, &jerr);
    json_t *cm = json_object_get(json_object_get(json_object_get(d, "summary"), "outcomes"), "cost_model");
    assert_string_equal(json_string_value(json_object_get(cm, "bar_path")), "reverse");
    json_decref(d);
    free(close_);
    free(def);
    free(rev);
}


//  The M5 bars as a tick CSV (open, low/high, high/low, close at +0/75/150/225 s, bid/ask =
//  mid -/+ half the symbol's spread); returns the ticks too, in file order.
static size_t s_bars_to_ticks(const char *csv_out, bitten_tick_t **ticks_out)
{
    FILE *in = fopen(BITTEN_DATA_DIR "/candles_m5_2025-09.csv", "r");
    FILE *out = fopen(csv_out, "w");
    assert_non_null(in);
    assert_non_null(out);
    bitten_symbols_t *table = bitten_symbols_new_defaults();
    char line[256];
    size_t n = 0, cap = 0;
    bitten_tick_t *ticks = NULL;
    fprintf(out, "timestamp,symbol,bid,ask\n");
    assert_non_null(fgets(line, sizeof line, in)); /* header */
    while (fgets(line, sizeof line, in)) {
        long long t;
        char sym[BITTEN_SYMBOL_MAX + 1];
        double o, h, l, c;
        if (sscanf(line, "%lld,%16[^,],%lf,%lf,%lf,%lf", &t, sym, &o, &h, &l, &c) != 6)
            continue;
        const bitten_symbol_t *spec = bitten_symbols_find(table, sym);
        double half = spec->typical_spread * spec->pip / 2.0;
        double px[4] = {o, c >= o ? l : h, c >= o ? h : l, c};
        for (int k = 0; k < 4; k++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                ticks = realloc(ticks, cap * sizeof *ticks);
            }
            bitten_tick_t *tk = &ticks[n++];
            memset(tk, 0, sizeof *tk);
            snprintf(tk->symbol, sizeof tk->symbol, "%s", sym);
            tk->timestamp = (t + 75LL * k) * 1000LL;
            tk->bid = px[k] - half;
            tk->ask = px[k] + half;
            fprintf(out, "%lld,%s,%.17g,%.17g\n", t + 75LL * k, sym, tk->bid, tk->ask);
        }
    }
    fclose(in);
    fclose(out);
    bitten_symbols_destroy(&table);
    *ticks_out = ticks;
    return n;
}

static int s_cmp_ts(const void *a, const void *b)
{
    const bitten_tick_t *x = *(const bitten_tick_t *const *)a, *y = *(const bitten_tick_t *const *)b;
    if (x->timestamp != y->timestamp)
        return x->timestamp < y->timestamp ? -1 : 1;
    return (x > y) - (x < y); /* stable: file order */
}

typedef struct {
    venom_signal_t sigs[2048];
    venom_trade_t trades[2048];
    size_t n;
} s_live_t;

static void s_live_decided(void *ctx, size_t tag, const venom_trade_t *t)
{
    ((s_live_t *)ctx)->trades[tag] = *t;
}

//  issue 15: the live tracker's outcome for a replayed stream equals the replay's outcome.
static void test_tracker_fed_like_a_live_stream_equals_the_replay(void **state)
{
    char path[] = "/tmp/bitten-ticks-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    bitten_tick_t *ticks = NULL;
    size_t n = s_bars_to_ticks(path, &ticks);
    assert_true(n > 10000);
    //  the replay
    bitten_config_t *cfg = bitten_config_new();
    char *buf = NULL, err[256] = "";
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(venom_replay_run(cfg, path, true, out, err, sizeof err), 0);
    fclose(out);
    unlink(path);
    //  the same ticks through engine + tracker, as the live module would get them
    venom_params_t p;
    assert_int_equal(venom_params_from_config(cfg, &p, err, sizeof err), 0);
    bitten_symbols_t *table = bitten_symbols_new_defaults();
    venom_engine_t *engine = venom_engine_new(&p, table);
    venom_follow_params_t fp;
    venom_follow_params_init(&fp, &p);
    venom_tracker_t *tracker = venom_tracker_new(&fp, table);
    const bitten_tick_t **order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = &ticks[i];
    qsort(order, n, sizeof *order, s_cmp_ts);
    s_live_t *live = calloc(1, sizeof *live);
    for (size_t i = 0; i < n; i++) {
        venom_signal_t sig;
        int made = venom_engine_on_tick(engine, order[i], &sig, NULL);
        if (made < 0)
            continue;
        venom_tracker_on_tick(tracker, order[i], s_live_decided, live);
        if (made == 1) {
            assert_true(live->n < 2048);
            live->sigs[live->n] = sig;
            assert_int_equal(venom_tracker_on_signal(tracker, live->n, &sig), 0);
            live->n++;
        }
    }
    venom_tracker_finish(tracker, s_live_decided, live);
    //  compare signal by signal
    size_t k = 0, closed = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        assert_non_null(o);
        if (json_object_get(o, "summary")) {
            json_decref(o);
            continue;
        }
        assert_true(k < live->n);
        assert_string_equal(json_string_value(json_object_get(o, "signal_id")), live->sigs[k].signal_id);
        assert_string_equal(json_string_value(json_object_get(o, "outcome")),
                            bitten_outcome_str(live->trades[k].kind));
        assert_true(fabs(json_number_value(json_object_get(o, "r")) - live->trades[k].r) < 1e-4);
        assert_true(fabs(json_number_value(json_object_get(o, "fill")) - live->trades[k].entry) < 1e-9);
        closed += live->trades[k].kind != BITTEN_OUTCOME_OPEN;
        json_decref(o);
        k++;
    }
    assert_int_equal(k, live->n);
    assert_true(live->n > 50 && closed > 50);
    free(live);
    free(order);
    free(ticks);
    free(buf);
    venom_tracker_destroy(&tracker);
    venom_engine_destroy(&engine);
    bitten_symbols_destroy(&table);
    bitten_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_is_byte_identical_and_adds_up),
        cmocka_unit_test(test_tracker_fed_like_a_live_stream_equals_the_replay),
        cmocka_unit_test(test_bar_path_convention_changes_only_the_guessed_path),
        cmocka_unit_test(test_tick_csv_counts_bad_lines_by_reason),
        cmocka_unit_test(test_unreadable_or_unrecognised_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
