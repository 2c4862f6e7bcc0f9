/*  test_control_args.c: the control argument check the core runs before any handler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bitten/core.h"

static const bitten_control_arg_t s_args[] = {{"uuid", BITTEN_ARG_STRING, true},
                                              {"limit", BITTEN_ARG_INT, false},
                                              {"lot", BITTEN_ARG_NUMBER, false},
                                              {"hard", BITTEN_ARG_BOOL, false},
                                              {NULL, 0, false}};

//  *field is copied: it points into the request, which is freed here.
static bitten_reason_t s_check(const bitten_control_arg_t *args, const char *text,
                               const char **field)
{
    static char copy[64];
    json_error_t err;
    json_t *req = json_loads(text, 0, &err);
    const char *why, *f;
    bitten_reason_t r = bitten_control_check_args(args, req, &f, &why);
    assert_non_null(why);
    snprintf(copy, sizeof copy, "%s", f);
    *field = copy;
    json_decref(req);
    return r;
}

static void test_matching_requests_pass(void **state)
{
    const char *field;
    assert_int_equal(s_check(s_args, "{\"cmd\":\"x\",\"uuid\":\"a\"}", &field), BITTEN_R_OK);
    assert_int_equal(s_check(s_args,
                             "{\"cmd\":\"x\",\"uuid\":\"a\",\"limit\":5,\"lot\":0.1,"
                             "\"hard\":true,\"token\":\"t\"}",
                             &field),
                     BITTEN_R_OK);
    //  bittenctl call sends numbers as reals: an integral real is an integer.
    assert_int_equal(s_check(s_args, "{\"cmd\":\"x\",\"uuid\":\"a\",\"limit\":5.0}", &field),
                     BITTEN_R_OK);
    assert_int_equal(s_check(NULL, "{\"cmd\":\"status\"}", &field), BITTEN_R_OK);
}

static void test_wrong_type_unknown_and_missing_are_refused_naming_the_field(void **state)
{
    static const struct {
        const char *request, *field;
        bool schema;
    } cases[] = {
        {"{\"cmd\":\"resume\",\"uuid\":12345}", "uuid", true},
        {"{\"cmd\":\"x\",\"uuid\":\"a\",\"limit\":1.5}", "limit", true},
        {"{\"cmd\":\"x\",\"uuid\":\"a\",\"lot\":\"1\"}", "lot", true},
        {"{\"cmd\":\"x\",\"uuid\":\"a\",\"hard\":\"true\"}", "hard", true},
        {"{\"cmd\":\"x\",\"uuid\":\"a\",\"extra\":1}", "extra", true},
        {"{\"cmd\":\"x\"}", "uuid", true},
        {"{\"cmd\":\"x\",\"uuid\":\"a\",\"token\":7}", "token", true},
        {"{\"cmd\":\"status\",\"uuid\":\"a\"}", "uuid", false},
        {"[1]", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *field = NULL;
        assert_int_equal(s_check(cases[i].schema ? s_args : NULL, cases[i].request, &field),
                         BITTEN_R_BAD_REQUEST);
        assert_string_equal(field, cases[i].field);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching_requests_pass),
        cmocka_unit_test(test_wrong_type_unknown_and_missing_are_refused_naming_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
