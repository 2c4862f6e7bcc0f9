/*  test_core_clock.c: which frame stamps the core believes (core_frame_time_ok). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_internal.h"

#define NOW 1764547200000LL /* 2025-12-01T00:00:00Z */
#define AGE (300 * 1000LL)
#define FUTURE (60 * 1000LL)
#define SLACK (14LL * 3600 * 1000)

static bool s_ok(bitten_frame_type_t type, bitten_dialect_t dialect, bitten_ms_t ts)
{
    bitten_frame_t f;
    memset(&f, 0, sizeof f);
    f.type = type;
    f.dialect = dialect;
    if (type == BITTEN_FRAME_TELEMETRY)
        f.u.telemetry.timestamp = ts;
    else if (type == BITTEN_FRAME_HEARTBEAT)
        f.u.heartbeat.timestamp = ts;
    else if (type == BITTEN_FRAME_TICK)
        f.u.tick.timestamp = ts;
    return core_frame_time_ok(&f, NOW, AGE, FUTURE);
}

static void test_contract_frames_get_the_bounds_exactly(void **state)
{
    bitten_dialect_t c = BITTEN_DIALECT_CONTRACT;
    assert_true(s_ok(BITTEN_FRAME_TELEMETRY, c, NOW));
    assert_true(s_ok(BITTEN_FRAME_TELEMETRY, c, NOW - AGE));
    assert_false(s_ok(BITTEN_FRAME_TELEMETRY, c, NOW - AGE - 1));
    assert_true(s_ok(BITTEN_FRAME_TELEMETRY, c, NOW + FUTURE));
    assert_false(s_ok(BITTEN_FRAME_TELEMETRY, c, NOW + FUTURE + 1));
    assert_false(s_ok(BITTEN_FRAME_HEARTBEAT, c, 978307200000LL)); /* 2001 */
    assert_true(s_ok(BITTEN_FRAME_TELEMETRY, c, 0));               /* unstamped */
}

static void test_server_time_dialects_get_fourteen_hours_more(void **state)
{
    for (int d = 0; d < BITTEN_DIALECT_COUNT_; d++) {
        if (d == BITTEN_DIALECT_CONTRACT)
            continue;
        assert_true(s_ok(BITTEN_FRAME_TELEMETRY, (bitten_dialect_t)d, NOW + 3 * 3600 * 1000LL));
        assert_true(s_ok(BITTEN_FRAME_TELEMETRY, (bitten_dialect_t)d, NOW - AGE - SLACK));
        assert_false(s_ok(BITTEN_FRAME_TELEMETRY, (bitten_dialect_t)d, NOW - AGE - SLACK - 1));
        assert_false(s_ok(BITTEN_FRAME_HEARTBEAT, (bitten_dialect_t)d, 978307200000LL));
    }
}

static void test_market_data_is_not_bounded_by_its_stamp(void **state)
{
    assert_true(s_ok(BITTEN_FRAME_TICK, BITTEN_DIALECT_CONTRACT, 978307200000LL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_frames_get_the_bounds_exactly),
        cmocka_unit_test(test_server_time_dialects_get_fourteen_hours_more),
        cmocka_unit_test(test_market_data_is_not_bounded_by_its_stamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
