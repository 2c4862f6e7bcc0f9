/*  test_bus.c: the event bus: handlers per event, called synchronously in registration
 *  order, unknown events refused, unsubscribe by owner, nested publishing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bitten/bus.h"

typedef struct {
    char trace[64];
    int calls;
    bitten_bus_t *bus;
} s_probe_t;

static void s_append(s_probe_t *p, char c)
{
    size_t n = strlen(p->trace);
    p->trace[n] = c;
    p->trace[n + 1] = '\0';
    p->calls++;
}

static void s_a(void *self, bitten_event_t ev, const void *payload)
{
    s_append(self, 'a');
}

static void s_b(void *self, bitten_event_t ev, const void *payload)
{
    s_append(self, 'b');
}

static void s_payload(void *self, bitten_event_t ev, const void *payload)
{
    s_append(self, *(const char *)payload);
}

static void s_republish(void *self, bitten_event_t ev, const void *payload)
{
    s_probe_t *p = self;
    s_append(p, 'r');
    bitten_bus_publish(p->bus, BITTEN_EV_EA_OFFLINE, "x");
}

static void test_handlers_run_in_registration_order(void **state)
{
    bitten_bus_t *bus = bitten_bus_new();
    s_probe_t p = {.bus = bus};
    assert_int_equal(bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_b, &p), 0);
    assert_int_equal(bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_a, &p), 0);
    assert_int_equal(bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_b, &p), 0);
    bitten_bus_publish(bus, BITTEN_EV_EA_ONLINE, NULL);
    assert_string_equal(p.trace, "bab");
    assert_int_equal(bitten_bus_handler_count(bus, BITTEN_EV_EA_ONLINE), 3);
    bitten_bus_destroy(&bus);
    assert_null(bus);
}

static void test_only_the_published_event_handlers_run(void **state)
{
    bitten_bus_t *bus = bitten_bus_new();
    s_probe_t p = {.bus = bus};
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_a, &p);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_OFFLINE, s_payload, &p);
    bitten_bus_publish(bus, BITTEN_EV_EA_OFFLINE, "z");
    assert_string_equal(p.trace, "z");
    bitten_bus_publish(bus, BITTEN_EV_TICK, NULL);
    assert_int_equal(p.calls, 1);
    bitten_bus_destroy(&bus);
}

static void test_unknown_event_is_refused(void **state)
{
    bitten_bus_t *bus = bitten_bus_new();
    s_probe_t p = {0};
    //  A misspelt event no longer compiles; an out-of-range value is still refused.
    assert_int_equal(bitten_bus_subscribe(bus, BITTEN_EV_COUNT_, s_a, &p), -1);
    assert_int_equal(bitten_bus_subscribe(bus, (bitten_event_t)-1, s_a, &p), -1);
    assert_int_equal(bitten_event_from_name("nope"), -1);
    assert_int_equal(bitten_event_from_name("feedback.tick"), BITTEN_EV_TICK);
    assert_string_equal(bitten_event_name(BITTEN_EV_STRICT_VIOLATION), "strict.violation");
    bitten_bus_destroy(&bus);
}

static void test_unsubscribe_all_removes_only_that_owner(void **state)
{
    bitten_bus_t *bus = bitten_bus_new();
    s_probe_t p1 = {0}, p2 = {0};
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_a, &p1);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_b, &p2);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_a, &p1);
    bitten_bus_unsubscribe_all(bus, &p1);
    bitten_bus_publish(bus, BITTEN_EV_EA_ONLINE, NULL);
    assert_int_equal(p1.calls, 0);
    assert_string_equal(p2.trace, "b");
    bitten_bus_destroy(&bus);
}

static void test_a_handler_may_publish_another_event(void **state)
{
    bitten_bus_t *bus = bitten_bus_new();
    s_probe_t p = {.bus = bus};
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_republish, &p);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_OFFLINE, s_payload, &p);
    bitten_bus_subscribe(bus, BITTEN_EV_EA_ONLINE, s_a, &p);
    bitten_bus_publish(bus, BITTEN_EV_EA_ONLINE, NULL);
    //  Synchronous: the nested event's handlers ran before the next handler of the first.
    assert_string_equal(p.trace, "rxa");
    bitten_bus_destroy(&bus);
}

static void test_destroy_is_idempotent(void **state)
{
    bitten_bus_t *bus = NULL;
    bitten_bus_destroy(&bus);
    bitten_bus_destroy(NULL);
    assert_null(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handlers_run_in_registration_order),
        cmocka_unit_test(test_only_the_published_event_handlers_run),
        cmocka_unit_test(test_unknown_event_is_refused),
        cmocka_unit_test(test_unsubscribe_all_removes_only_that_owner),
        cmocka_unit_test(test_a_handler_may_publish_another_event),
        cmocka_unit_test(test_destroy_is_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
