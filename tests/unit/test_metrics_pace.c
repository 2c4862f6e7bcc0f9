/*  test_metrics_pace.c: when the loop renders the metrics text (src/core/metrics.c): never
 *  before the first scrape; while somebody scrapes, every tick; after idle_after_ms without a
 *  scrape, never, until the next one; a clock earlier than the last scrape renders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/metrics.h"

static void test_nothing_is_rendered_before_the_first_scrape(void **state)
{
    core_metrics_pace_t p;
    core_metrics_pace_init(&p, 5000);
    assert_true(p.paused);
    assert_false(core_metrics_pace_due(&p, 0, 0));
    assert_false(core_metrics_pace_due(&p, 0, 10000));
    assert_true(p.paused);
    assert_true(core_metrics_pace_due(&p, 1, 10001)); /* the first scrape */
    assert_false(p.paused);
}

static void test_a_scrape_resumes_and_restarts_the_idle_span(void **state)
{
    core_metrics_pace_t p;
    core_metrics_pace_init(&p, 5000);
    assert_true(core_metrics_pace_due(&p, 1, 7000)); /* a scrape came: render */
    assert_false(p.paused);
    assert_true(core_metrics_pace_due(&p, 1, 11999)); /* 4.999 s after it was seen */
    assert_false(core_metrics_pace_due(&p, 1, 12000)); /* nobody scraped for 5 s */
    assert_true(p.paused);
    assert_false(core_metrics_pace_due(&p, 1, 99000));
    assert_true(core_metrics_pace_due(&p, 2, 99001)); /* the next scrape */
    //  Scraped steadily (every 3 s): renders on every tick in between.
    for (bitten_ms_t t = 100000; t < 130000; t += 1000)
        assert_true(core_metrics_pace_due(&p, 3 + (uint64_t)(t / 3000), t));
}

static void test_a_clock_earlier_than_the_last_scrape_renders(void **state)
{
    core_metrics_pace_t p;
    core_metrics_pace_init(&p, 5000);
    assert_true(core_metrics_pace_due(&p, 1, 50000));
    assert_true(core_metrics_pace_due(&p, 1, 1000));
    assert_false(p.paused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_is_rendered_before_the_first_scrape),
        cmocka_unit_test(test_a_scrape_resumes_and_restarts_the_idle_span),
        cmocka_unit_test(test_a_clock_earlier_than_the_last_scrape_renders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
