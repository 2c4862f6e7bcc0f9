/*  test_metrics_http.c: what a scrape connection's bytes ask (metrics_http_classify): the one
 *  request served, the ones answered 404 and 400, and a head that never ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics_http.h"

static metrics_http_req_t s_classify(const char *text)
{
    return metrics_http_classify(text, strlen(text));
}

static void test_get_metrics_is_served_with_crlf_or_lf_and_a_query(void **state)
{
    assert_int_equal(s_classify("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), METRICS_HTTP_METRICS);
    assert_int_equal(s_classify("GET /metrics HTTP/1.0\n\n"), METRICS_HTTP_METRICS);
    assert_int_equal(s_classify("GET /metrics?name[]=x HTTP/1.1\r\n\r\n"), METRICS_HTTP_METRICS);
    //  A body after the head (not expected from a scraper) does not change the answer.
    assert_int_equal(s_classify("GET /metrics HTTP/1.1\r\n\r\ntrailing"), METRICS_HTTP_METRICS);
}

static void test_a_head_not_ended_waits_for_more(void **state)
{
    assert_int_equal(s_classify(""), METRICS_HTTP_MORE);
    assert_int_equal(s_classify("GET /metrics HTTP/1.1\r\n"), METRICS_HTTP_MORE);
    assert_int_equal(s_classify("GET /metrics HTTP/1.1\r\nHost: x\r\n\r"), METRICS_HTTP_MORE);
}

static void test_other_paths_and_methods_are_not_found(void **state)
{
    assert_int_equal(s_classify("GET / HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
    assert_int_equal(s_classify("GET /metricsx HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
    assert_int_equal(s_classify("GET /metrics/ HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
    assert_int_equal(s_classify("POST /metrics HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
    assert_int_equal(s_classify("HEAD /metrics HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
}

static void test_an_unreadable_request_line_is_bad(void **state)
{
    assert_int_equal(s_classify("\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET /metrics\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("get /metrics HTTP/1.1\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET metrics HTTP/1.1\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET /metrics HTTP/2.0\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET /metrics HTTP/1.1 extra\r\n\r\n"), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET  /metrics HTTP/1.1\r\n\r\n"), METRICS_HTTP_BAD);
    //  A NUL or a control byte in the target.
    static const char nul[] = "GET /met\0rics HTTP/1.1\r\n\r\n";
    assert_int_equal(metrics_http_classify(nul, sizeof nul - 1), METRICS_HTTP_BAD);
    assert_int_equal(s_classify("GET /me\ttrics HTTP/1.1\r\n\r\n"), METRICS_HTTP_BAD);
}

static void test_a_head_over_its_bound_is_bad_not_waited_for(void **state)
{
    static char big[METRICS_HTTP_REQUEST_MAX];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    assert_int_equal(metrics_http_classify(big, sizeof big), METRICS_HTTP_BAD);
    assert_int_equal(metrics_http_classify(big, sizeof big - 1), METRICS_HTTP_MORE);
    //  Ended exactly at the bound: still read.
    memcpy(big + sizeof big - 4, "\r\n\r\n", 4);
    assert_int_equal(metrics_http_classify(big, sizeof big), METRICS_HTTP_METRICS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_metrics_is_served_with_crlf_or_lf_and_a_query),
        cmocka_unit_test(test_a_head_not_ended_waits_for_more),
        cmocka_unit_test(test_other_paths_and_methods_are_not_found),
        cmocka_unit_test(test_an_unreadable_request_line_is_bad),
        cmocka_unit_test(test_a_head_over_its_bound_is_bad_not_waited_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
