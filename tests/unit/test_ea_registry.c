/*  test_ea_registry.c: the EA liveness rule at its boundary (the socket-level behaviour is in
 *  tests/integration/test_ea_channel.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "modules/ea_registry/ea_registry.h"

static void test_ea_is_live_until_offline_after_has_fully_passed(void **state)
{
    const bitten_ms_t after = 90000;
    assert_true(ea_registry_is_live(1000, 1000, after));
    assert_true(ea_registry_is_live(1000, 1000 + after - 1, after));
    assert_false(ea_registry_is_live(1000, 1000 + after, after));
    assert_false(ea_registry_is_live(1000, 1000 + after + 1, after));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ea_is_live_until_offline_after_has_fully_passed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
