/*  test_core_security.c: the one loopback test (src/core/core_security.c) that main.c's start-up
 *  checks and the core's --insecure warning share: what counts as local, and what fails closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/security.h"

static void test_localhost_is_local(void **state)
{
    assert_true(bitten_endpoint_is_local("tcp://localhost:5557"));
    assert_true(bitten_endpoint_is_local("tcp://localhost:*"));
    assert_true(bitten_endpoint_is_local("tcp://LocalHost:5557"));
}

static void test_any_127_address_is_local(void **state)
{
    assert_true(bitten_endpoint_is_local("tcp://127.0.0.1:5557"));
    assert_true(bitten_endpoint_is_local("tcp://127.0.0.1:*"));
    assert_true(bitten_endpoint_is_local("tcp://127.1.2.3:40000"));
    assert_true(bitten_endpoint_is_local("tcp://127.255.255.254:1"));
}

static void test_ipv6_loopback_is_local(void **state)
{
    assert_true(bitten_endpoint_is_local("tcp://[::1]:5557"));
    assert_true(bitten_endpoint_is_local("tcp://[0:0:0:0:0:0:0:1]:5557"));
}

static void test_ipc_and_inproc_are_local(void **state)
{
    assert_true(bitten_endpoint_is_local("ipc:///run/bitten/control.sock"));
    assert_true(bitten_endpoint_is_local("ipc://@bitten"));
    assert_true(bitten_endpoint_is_local("inproc://bitten.test"));
}

static void test_wildcards_are_not_local(void **state)
{
    assert_false(bitten_endpoint_is_local("tcp://*:5555"));
    assert_false(bitten_endpoint_is_local("tcp://*:*"));
    assert_false(bitten_endpoint_is_local("tcp://0.0.0.0:5555"));
    assert_false(bitten_endpoint_is_local("tcp://[::]:5555"));
    assert_false(bitten_endpoint_is_local("tcp://[*]:5555"));
}

static void test_public_and_private_addresses_are_not_local(void **state)
{
    assert_false(bitten_endpoint_is_local("tcp://203.0.113.7:5555"));
    assert_false(bitten_endpoint_is_local("tcp://10.0.0.5:5555"));
    assert_false(bitten_endpoint_is_local("tcp://192.168.1.10:5555"));
    assert_false(bitten_endpoint_is_local("tcp://128.0.0.1:5555"));
    assert_false(bitten_endpoint_is_local("tcp://[2001:db8::1]:5555"));
    assert_false(bitten_endpoint_is_local("tcp://[::ffff:203.0.113.7]:5555"));
}

//  A prefix test would pass these: a name that only starts like a loopback address, an
//  interface, a source;destination pair, a missing port, another transport.
static void test_lookalikes_fail_closed(void **state)
{
    assert_false(bitten_endpoint_is_local("tcp://127.evil.example:5555"));
    assert_false(bitten_endpoint_is_local("tcp://127.0.0.1.evil.example:5555"));
    assert_false(bitten_endpoint_is_local("tcp://localhost.evil.example:5555"));
    assert_false(bitten_endpoint_is_local("tcp://example.com:5555"));
    assert_false(bitten_endpoint_is_local("tcp://eth0:5555"));
    assert_false(bitten_endpoint_is_local("tcp://127.0.0.1;203.0.113.7:5555"));
    assert_false(bitten_endpoint_is_local("tcp://127.0.0.1"));
    assert_false(bitten_endpoint_is_local("tcp://127.0.0.1:"));
    assert_false(bitten_endpoint_is_local("tcp://[::1]"));
    assert_false(bitten_endpoint_is_local("tcp://::1:5555"));
    assert_false(bitten_endpoint_is_local("tcp://:5555"));
    assert_false(bitten_endpoint_is_local("tcp://"));
    assert_false(bitten_endpoint_is_local("ws://127.0.0.1:5555"));
    assert_false(bitten_endpoint_is_local("pgm://127.0.0.1;239.192.1.1:5555"));
    assert_false(bitten_endpoint_is_local("127.0.0.1:5555"));
    assert_false(bitten_endpoint_is_local(""));
    assert_false(bitten_endpoint_is_local(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_localhost_is_local),
        cmocka_unit_test(test_any_127_address_is_local),
        cmocka_unit_test(test_ipv6_loopback_is_local),
        cmocka_unit_test(test_ipc_and_inproc_are_local),
        cmocka_unit_test(test_wildcards_are_not_local),
        cmocka_unit_test(test_public_and_private_addresses_are_not_local),
        cmocka_unit_test(test_lookalikes_fail_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
