/*  test_ea_registry.c: the EA liveness rule at its boundary (the socket-level behaviour is in
 *  tests/integration/test_ea_channel.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "modules/ea_registry/ea_registry.h"

static void test_ea_is_live_until_offline_after_has_fully_passed(void **state)
{
    const bitten_ms_t after = 90000;
    assert_true(ea_registry_is_live(1000, 1000, after));
    assert_true(ea_registry_is_live(1000, 1000 + after - 1, after));
    assert_false(ea_registry_is_live(1000, 1000 + after, after));
    assert_false(ea_registry_is_live(1000, 1000 + after + 1, after));
}

static void s_slot(ea_registry_ping_t *p, const char *uuid, const char *id, bitten_ms_t at)
{
    snprintf(p->uuid, sizeof p->uuid, "%s", uuid);
    snprintf(p->ping_id, sizeof p->ping_id, "%s", id);
    p->sent_ms = at;
}

//  EA v7 answers a ping with a pong that names no ping: it is the account's answer only when
//  exactly one of its pings is outstanding.
static void test_a_pong_answers_its_ping_id_or_the_accounts_only_outstanding_ping(void **state)
{
    ea_registry_ping_t p[6];
    memset(p, 0, sizeof p);
    s_slot(&p[0], "A", "ping_1", 10);
    s_slot(&p[1], "B", "ping_2", 20);
    s_slot(&p[3], "B", "ping_4", 40);
    s_slot(&p[4], "C", "", 50); /* answered: free */
    //  With an id: that slot, whoever it was sent to.
    assert_int_equal(ea_registry_pong_slot(p, 6, "A", "ping_1"), 0);
    assert_int_equal(ea_registry_pong_slot(p, 6, "B", "ping_4"), 3);
    assert_int_equal(ea_registry_pong_slot(p, 6, "A", "ping_9"), -1);
    //  Without: A has one outstanding, B two (which one is unknown), C none.
    assert_int_equal(ea_registry_pong_slot(p, 6, "A", ""), 0);
    assert_int_equal(ea_registry_pong_slot(p, 6, "A", NULL), 0);
    assert_int_equal(ea_registry_pong_slot(p, 6, "B", ""), -1);
    assert_int_equal(ea_registry_pong_slot(p, 6, "C", ""), -1);
    assert_int_equal(ea_registry_pong_slot(p, 6, "", ""), -1);
    assert_int_equal(ea_registry_pong_slot(p, 6, NULL, ""), -1);
    p[1].ping_id[0] = '\0';
    assert_int_equal(ea_registry_pong_slot(p, 6, "B", ""), 3);
    assert_int_equal(ea_registry_pong_slot(p, 0, "A", ""), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ea_is_live_until_offline_after_has_fully_passed),
        cmocka_unit_test(test_a_pong_answers_its_ping_id_or_the_accounts_only_outstanding_ping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
