/*  test_replay_stream.c: `bittend --replay` streams a CSV (issue 15): its peak memory does not
 *  grow with the rows (the shared M5 bars, and the same bars as ticks, 1x and 8x), a file out
 *  of time order replays exactly as the same rows sorted (and says so on stderr, naming the
 *  line), and a CSV that cannot be read twice (a pipe) is refused with a clear error. Peak RSS
 *  is the child's own (wait4), compared between two runs of the same binary; no timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define M5_CSV BITTEN_DATA_DIR "/candles_m5_2025-09.csv"
#define COPY_S (28LL * 86400) /* each copy 4 weeks later: weekdays and sessions kept */
/*  Peak RSS may differ between the 1x and the 8x run by this much. Before streaming, the 8x
 *  bar file took ~26 MB more than the 1x one (~217 bytes per tick); streaming, ~0.4 MB. */
#define RSS_SLACK_KB 4096

typedef struct {
    int rc;       /* exit code, -1 when it did not exit */
    long rss_kb;  /* peak resident set of the child */
    char *out;    /* stdout (malloc'd) */
    char *errout; /* stderr (malloc'd) */
} s_result_t;

static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

//  Runs bittend with argv (after the program name), stdin from in_path (or /dev/null).
static s_result_t s_bittend(const char *const *args, const char *in_path)
{
    char out_path[] = "/tmp/bitten-rs-out-XXXXXX", err_path[] = "/tmp/bitten-rs-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    assert_true(out_fd >= 0 && err_fd >= 0);
    const char *argv[16] = {BITTEND_PATH};
    int n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in_fd = open(in_path ? in_path : "/dev/null", O_RDONLY);
        if (in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
            _exit(127);
        //  Under ASan, freed blocks wait in a quarantine that would count as resident memory.
        const char *asan = getenv("ASAN_OPTIONS");
        char opts[512];
        snprintf(opts, sizeof opts, "%s%squarantine_size_mb=1", asan ? asan : "",
                 asan && *asan ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
        execv(BITTEND_PATH, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    close(out_fd);
    close(err_fd);
    s_result_t r = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ru.ru_maxrss, s_slurp(out_path),
                    s_slurp(err_path)};
    unlink(out_path);
    unlink(err_path);
    return r;
}

static void s_result_free(s_result_t *r)
{
    free(r->out);
    free(r->errout);
}

//  The shared M5 bars, copies times, each copy COPY_S later; as bars, or as ticks (each bar's
//  open, low/high, high/low, close at +0/75/150/225 s, mid +/- 0.00005), written bar after
//  bar: a tick file up to 225 s out of time order, as a naive converter writes it. Returns
//  the rows written.
static long s_write_copies(const char *path, int copies, bool as_ticks)
{
    FILE *in = fopen(M5_CSV, "r");
    FILE *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[512];
    assert_non_null(fgets(line, sizeof line, in));
    fputs(as_ticks ? "timestamp,symbol,bid,ask\n" : line, out);
    long rows = 0;
    for (int c = 0; c < copies; c++) {
        rewind(in);
        assert_non_null(fgets(line, sizeof line, in));
        while (fgets(line, sizeof line, in)) {
            long long t;
            char sym[32];
            double o, h, l, cl, v;
            if (sscanf(line, "%lld,%31[^,],%lf,%lf,%lf,%lf,%lf", &t, sym, &o, &h, &l, &cl, &v) != 7)
                continue;
            t += c * COPY_S;
            if (!as_ticks) {
                fprintf(out, "%lld,%s,%.6f,%.6f,%.6f,%.6f,%.0f\n", t, sym, o, h, l, cl, v);
                rows++;
                continue;
            }
            double px[4] = {o, cl >= o ? l : h, cl >= o ? h : l, cl};
            for (int k = 0; k < 4; k++, rows++)
                fprintf(out, "%lld,%s,%.6f,%.6f\n", t + 75LL * k, sym, px[k] - 0.00005,
                        px[k] + 0.00005);
        }
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
    return rows;
}

static json_t *s_summary(const char *out)
{
    const char *last = out;
    for (const char *p = out; *p; p++)
        if (*p == '\n' && p[1])
            last = p + 1;
    json_error_t jerr;
    json_t *doc = json_loads(last, 0, &jerr);
    assert_non_null(doc);
    json_t *sum = json_incref(json_object_get(doc, "summary"));
    json_decref(doc);
    assert_non_null(sum);
    return sum;
}

//  Replays the 1x and the 8x file with the options opt1 opt2; returns the peak RSS
//  difference (8x - 1x, KB).
static long s_rss_growth(bool as_ticks, const char *opt1, const char *opt2)
{
    char p1[] = "/tmp/bitten-rs-1x-XXXXXX", p8[] = "/tmp/bitten-rs-8x-XXXXXX";
    close(mkstemp(p1));
    close(mkstemp(p8));
    long rows1 = s_write_copies(p1, 1, as_ticks), rows8 = s_write_copies(p8, 8, as_ticks);
    assert_int_equal(rows8, 8 * rows1);
    const char *a1[] = {"--replay", p1, opt1, opt2, NULL};
    const char *a8[] = {"--replay", p8, opt1, opt2, NULL};
    s_result_t r1 = s_bittend(a1, NULL), r8 = s_bittend(a8, NULL);
    unlink(p1);
    unlink(p8);
    assert_int_equal(r1.rc, 0);
    assert_int_equal(r8.rc, 0);
    json_t *s1 = s_summary(r1.out), *s8 = s_summary(r8.out);
    json_int_t ticks1 = json_integer_value(json_object_get(s1, "ticks"));
    assert_true(ticks1 >= 4 * 4000); /* the whole file went through */
    assert_int_equal(json_integer_value(json_object_get(s8, "ticks")), 8 * ticks1);
    assert_true(json_integer_value(json_object_get(s8, "signals")) >
                json_integer_value(json_object_get(s1, "signals")));
    print_message("%s x1: %ld KB, x8: %ld KB peak RSS\n", as_ticks ? "ticks" : "bars", r1.rss_kb,
                  r8.rss_kb);
    json_decref(s1);
    json_decref(s8);
    long growth = r8.rss_kb - r1.rss_kb;
    s_result_free(&r1);
    s_result_free(&r8);
    return growth;
}

static void test_bar_csv_memory_does_not_grow_with_the_rows(void **state)
{
    (void)state;
    //  --report json: two replays of the file (the path-bias rerun), the report kept whole.
    assert_true(s_rss_growth(false, "--report", "json") < RSS_SLACK_KB);
}

static void test_tick_csv_memory_does_not_grow_with_the_rows(void **state)
{
    (void)state;
    //  Out of order by up to 225 s: the reorder window is 225 s, whatever the length. One
    //  line per signal, printed as each is decided: the signals are not kept either.
    assert_true(s_rss_growth(true, "--outcomes", NULL) < RSS_SLACK_KB);
}

static void test_rows_out_of_order_replay_as_the_sorted_rows_and_say_so(void **state)
{
    (void)state;
    char unsorted[] = "/tmp/bitten-rs-u-XXXXXX", sorted[] = "/tmp/bitten-rs-s-XXXXXX";
    close(mkstemp(unsorted));
    close(mkstemp(sorted));
    s_write_copies(unsorted, 1, true);
    //  The same rows in time order, equal times in file order (a stable sort by the time).
    char cmd[512];
    snprintf(cmd, sizeof cmd, "(head -n 1 %s; tail -n +2 %s | sort -s -t, -k1,1n) > %s", unsorted,
             unsorted, sorted);
    assert_int_equal(system(cmd), 0);
    const char *au[] = {"--replay", unsorted, "--outcomes", NULL};
    const char *as[] = {"--replay", sorted, "--outcomes", NULL};
    s_result_t u = s_bittend(au, NULL), s = s_bittend(as, NULL);
    assert_int_equal(u.rc, 0);
    assert_int_equal(s.rc, 0);
    assert_true(strlen(s.out) > 1000);
    assert_string_equal(u.out, s.out); /* byte-identical: signals, outcomes, summary */
    assert_string_equal(s.errout, "");
    //  The first line whose time is before an earlier line's, and by how much.
    FILE *f = fopen(unsorted, "r");
    assert_non_null(f);
    char line[256], want[128] = "";
    long long latest = -1;
    for (int at = 1; fgets(line, sizeof line, f); at++) {
        long long t = atoll(line);
        if (at > 1 && t < latest) {
            snprintf(want, sizeof want, "line %d is %lld.000 s earlier than a row before it", at,
                     latest - t);
            break;
        }
        latest = at > 1 && t > latest ? t : latest;
    }
    fclose(f);
    assert_true(want[0]);
    assert_non_null(strstr(u.errout, want));
    assert_non_null(strstr(u.errout, "fed in time order"));
    s_result_free(&u);
    s_result_free(&s);
    unlink(unsorted);
    unlink(sorted);
}

static void test_a_csv_that_cannot_be_read_twice_is_refused(void **state)
{
    (void)state;
    char file[] = "/tmp/bitten-rs-pipe-XXXXXX";
    close(mkstemp(file));
    s_write_copies(file, 1, false);
    const char *args[] = {"--replay", "/dev/stdin", "--report", "json", NULL};
    //  From a pipe: refused (exit 2) with one line saying why; nothing on stdout.
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t cat = fork();
    assert_true(cat >= 0);
    if (cat == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        execlp("cat", "cat", file, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char in_path[64];
    snprintf(in_path, sizeof in_path, "/proc/self/fd/%d", fds[0]);
    s_result_t r = s_bittend(args, in_path);
    close(fds[0]);
    int status;
    waitpid(cat, &status, 0);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.errout, "is not a regular file: a CSV is read twice"));
    s_result_free(&r);
    //  The same file by name replays.
    const char *named[] = {"--replay", file, "--report", "json", NULL};
    r = s_bittend(named, NULL);
    assert_int_equal(r.rc, 0);
    s_result_free(&r);
    unlink(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_csv_memory_does_not_grow_with_the_rows),
        cmocka_unit_test(test_tick_csv_memory_does_not_grow_with_the_rows),
        cmocka_unit_test(test_rows_out_of_order_replay_as_the_sorted_rows_and_say_so),
        cmocka_unit_test(test_a_csv_that_cannot_be_read_twice_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
