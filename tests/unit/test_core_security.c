/*  test_core_security.c: the one loopback test (src/core/core_security.c) that main.c's start-up
 *  checks and the core's --insecure warning share: what counts as local, and what fails closed;
 *  and the ZAP decision (src/core/zap.c): which key may complete a handshake on which socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

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

/* ---------------------------------------------------------------- ZAP: domain x key -> verdict */

#define DECIDE(domain, key_uuid, owner) bitten_zap_decide(domain, "CURVE", key_uuid, owner)

//  The shared feedback, ROUTER and confirm sockets: every allowed key that names an account
//  (attribution by key happens per frame, core_feedback.c).
static void test_zap_shared_sockets_admit_every_allowed_key(void **state)
{
    const char *shared[] = {"bitten.feedback", "bitten.router", "bitten.confirm"};
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++) {
        assert_int_equal(DECIDE(shared[i], "acct_A", "acct_A"), BITTEN_ZAP_ALLOW);
        assert_int_equal(DECIDE(shared[i], "acct_B", "acct_A"), BITTEN_ZAP_ALLOW);
        assert_int_equal(DECIDE(shared[i], "acct_B", ""), BITTEN_ZAP_ALLOW);
        assert_int_equal(DECIDE(shared[i], NULL, "acct_A"), BITTEN_ZAP_KEY_NOT_ALLOWED);
        assert_int_equal(DECIDE(shared[i], "", "acct_A"), BITTEN_ZAP_KEY_NO_ACCOUNT);
    }
}

//  The shared PUSH cannot tell its peers apart: command.account's keys only, nobody without it.
static void test_zap_the_shared_push_admits_only_command_accounts_keys(void **state)
{
    assert_int_equal(DECIDE("bitten.command", "acct_A", "acct_A"), BITTEN_ZAP_ALLOW);
    assert_int_equal(DECIDE("bitten.command", "acct_B", "acct_A"), BITTEN_ZAP_ANOTHER_ACCOUNT);
    //  A prefix or a case change is another account.
    assert_int_equal(DECIDE("bitten.command", "acct_A2", "acct_A"), BITTEN_ZAP_ANOTHER_ACCOUNT);
    assert_int_equal(DECIDE("bitten.command", "acct_", "acct_A"), BITTEN_ZAP_ANOTHER_ACCOUNT);
    assert_int_equal(DECIDE("bitten.command", "ACCT_A", "acct_A"), BITTEN_ZAP_ANOTHER_ACCOUNT);
    assert_int_equal(DECIDE("bitten.command", "acct_A", ""), BITTEN_ZAP_NO_COMMAND_ACCOUNT);
    assert_int_equal(DECIDE("bitten.command", "acct_A", NULL), BITTEN_ZAP_NO_COMMAND_ACCOUNT);
    assert_int_equal(DECIDE("bitten.command", NULL, "acct_A"), BITTEN_ZAP_KEY_NOT_ALLOWED);
    assert_int_equal(DECIDE("bitten.command", "", "acct_A"), BITTEN_ZAP_KEY_NO_ACCOUNT);
}

//  An account's own pair: its keys only, on both sockets; command.account changes nothing.
static void test_zap_an_accounts_pair_admits_only_its_keys(void **state)
{
    const char *own[] = {"bitten.account.acct_A.command", "bitten.account.acct_A.feedback"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(DECIDE(own[i], "acct_A", ""), BITTEN_ZAP_ALLOW);
        assert_int_equal(DECIDE(own[i], "acct_A", "acct_B"), BITTEN_ZAP_ALLOW);
        assert_int_equal(DECIDE(own[i], "acct_B", "acct_B"), BITTEN_ZAP_ANOTHER_ACCOUNT);
        assert_int_equal(DECIDE(own[i], "acct_AB", ""), BITTEN_ZAP_ANOTHER_ACCOUNT);
        assert_int_equal(DECIDE(own[i], NULL, ""), BITTEN_ZAP_KEY_NOT_ALLOWED);
        assert_int_equal(DECIDE(own[i], "", ""), BITTEN_ZAP_KEY_NO_ACCOUNT);
    }
    //  uuids may hold dots: the account is everything between the prefix and the last part.
    assert_int_equal(DECIDE("bitten.account.mt5.user.7.command", "mt5.user.7", ""),
                     BITTEN_ZAP_ALLOW);
    assert_int_equal(DECIDE("bitten.account.mt5.user.7.command", "mt5.user", ""),
                     BITTEN_ZAP_ANOTHER_ACCOUNT);
    assert_int_equal(DECIDE("bitten.account.mt5.user.7.command", "user.7", ""),
                     BITTEN_ZAP_ANOTHER_ACCOUNT);
}

//  Domains no socket of ours has, and other mechanisms, are refused whatever the key.
static void test_zap_unknown_domains_and_mechanisms_fail_closed(void **state)
{
    const char *bad[] = {"",
                         "bitten",
                         "bitten.",
                         "bitten.events",
                         "bitten.control",
                         "bitten.commandx",
                         "Bitten.command",
                         "other.command",
                         "bitten.account.acct_A",
                         "bitten.account.acct_A.",
                         "bitten.account..command",
                         "bitten.account.acct_A.router",
                         "bitten.account.acct A.command",
                         "bitten.account.acct_A/x.command"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(DECIDE(bad[i], "acct_A", "acct_A"), BITTEN_ZAP_UNKNOWN_DOMAIN);
    assert_int_equal(DECIDE(NULL, "acct_A", "acct_A"), BITTEN_ZAP_UNKNOWN_DOMAIN);
    assert_int_equal(bitten_zap_decide("bitten.feedback", "NULL", "acct_A", "acct_A"),
                     BITTEN_ZAP_NOT_CURVE);
    assert_int_equal(bitten_zap_decide("bitten.command", "PLAIN", "acct_A", "acct_A"),
                     BITTEN_ZAP_NOT_CURVE);
    assert_int_equal(bitten_zap_decide("bitten.command", NULL, "acct_A", "acct_A"),
                     BITTEN_ZAP_NOT_CURVE);
    //  A key "uuid" that is no valid id names no account.
    assert_int_equal(DECIDE("bitten.feedback", "acct A", "acct_A"), BITTEN_ZAP_KEY_NO_ACCOUNT);
}

static void test_zap_domains_and_verdict_names(void **state)
{
    char out[BITTEN_ZAP_DOMAIN_MAX + 1];
    assert_int_equal(bitten_zap_domain("command", out, sizeof out), 0);
    assert_string_equal(out, "bitten.command");
    assert_int_equal(bitten_zap_domain("account.acct_A.feedback", out, sizeof out), 0);
    assert_string_equal(out, "bitten.account.acct_A.feedback");
    //  Every socket's domain is one the decision knows (round trip).
    assert_int_equal(DECIDE(out, "acct_A", ""), BITTEN_ZAP_ALLOW);
    char small[10];
    assert_int_equal(bitten_zap_domain("command", small, sizeof small), -1);
    assert_string_equal(small, "");
    assert_int_equal(bitten_zap_domain("", out, sizeof out), -1);
    assert_int_equal(bitten_zap_domain(NULL, out, sizeof out), -1);
    for (int v = 0; v < BITTEN_ZAP_VERDICT_COUNT_; v++)
        assert_string_not_equal(bitten_zap_verdict_str(v), "unknown");
    assert_string_equal(bitten_zap_verdict_str(BITTEN_ZAP_ANOTHER_ACCOUNT),
                        "another_accounts_socket");
    assert_string_equal(bitten_zap_verdict_str(BITTEN_ZAP_VERDICT_COUNT_), "unknown");
}

//  ZMTP property layout: name length (1 byte), name, value length (4 bytes, big-endian), value.
static void test_zap_metadata_is_one_uuid_property(void **state)
{
    unsigned char out[64];
    size_t n = bitten_zap_metadata("acct_A", out, sizeof out);
    const unsigned char want[] = {4, 'u', 'u', 'i', 'd', 0, 0, 0, 6, 'a', 'c', 'c', 't', '_', 'A'};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(bitten_zap_metadata("", out, sizeof out), 0);
    assert_int_equal(bitten_zap_metadata(NULL, out, sizeof out), 0);
    assert_int_equal(bitten_zap_metadata("acct_A", out, sizeof want - 1), 0);
    char longest[65];
    memset(longest, 'x', 64);
    longest[64] = '\0';
    unsigned char big[1 + 4 + 4 + 64];
    assert_int_equal(bitten_zap_metadata(longest, big, sizeof big), sizeof big);
    assert_int_equal(big[8], 64);
}

//  A well-formed CURVE request as libzmq sends it (after the handler's routing id).
static const unsigned char s_key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                        12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                        23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
#define PART(text)                                                                                 \
    {                                                                                              \
        text, sizeof text - 1                                                                      \
    }

static void test_zap_parse_reads_a_curve_request(void **state)
{
    bitten_zap_part_t parts[] = {
        PART(""),          PART("1.0"), PART("1"),     PART("bitten.command"),
        PART("127.0.0.1"), PART(""),    PART("CURVE"), {s_key, sizeof s_key}};
    bitten_zap_request_t req;
    assert_int_equal(bitten_zap_parse(parts, 8, &req), 1);
    assert_string_equal(req.domain, "bitten.command");
    assert_string_equal(req.address, "127.0.0.1");
    assert_string_equal(req.mechanism, "CURVE");
    assert_true(req.has_key);
    assert_memory_equal(req.key, s_key, sizeof s_key);
    //  Another mechanism carries no key (and is then refused by the decision).
    bitten_zap_part_t null_mech[] = {
        PART(""),          PART("1.0"), PART("1"),   PART("bitten.feedback"),
        PART("127.0.0.1"), PART(""),    PART("NULL")};
    assert_int_equal(bitten_zap_parse(null_mech, 7, &req), 1);
    assert_false(req.has_key);
    assert_int_equal(bitten_zap_decide(req.domain, req.mechanism, NULL, ""), BITTEN_ZAP_NOT_CURVE);
}

//  Every way a request can be wrong: answered 500 when it can be answered, never allowed.
static void test_zap_parse_refuses_malformed_requests(void **state)
{
    bitten_zap_request_t req;
    bitten_zap_part_t ok[] = {PART(""),          PART("1.0"), PART("1"),     PART("bitten.command"),
                              PART("127.0.0.1"), PART(""),    PART("CURVE"), {s_key, sizeof s_key}};
    //  No delimiter, or too short to hold a request id: nothing to answer.
    bitten_zap_part_t no_delim[] = {PART("x"), PART("1.0"), PART("1")};
    assert_int_equal(bitten_zap_parse(no_delim, 3, &req), -1);
    assert_int_equal(bitten_zap_parse(ok, 2, &req), -1);
    assert_int_equal(bitten_zap_parse(ok, 0, &req), -1);
    //  Too few frames, a key missing, an extra frame, a short key.
    assert_int_equal(bitten_zap_parse(ok, 6, &req), 0);
    assert_int_equal(bitten_zap_parse(ok, 7, &req), 0);
    bitten_zap_part_t extra[9];
    memcpy(extra, ok, sizeof ok);
    extra[8] = (bitten_zap_part_t)PART("x");
    assert_int_equal(bitten_zap_parse(extra, 9, &req), 0);
    bitten_zap_part_t bad[8];
    memcpy(bad, ok, sizeof ok);
    bad[7] = (bitten_zap_part_t){s_key, 31};
    assert_int_equal(bitten_zap_parse(bad, 8, &req), 0);
    //  Another version.
    memcpy(bad, ok, sizeof ok);
    bad[1] = (bitten_zap_part_t)PART("2.0");
    assert_int_equal(bitten_zap_parse(bad, 8, &req), 0);
    //  A domain with a NUL inside, or longer than any of ours.
    memcpy(bad, ok, sizeof ok);
    bad[3] = (bitten_zap_part_t){"bitten.command\0x", 16};
    assert_int_equal(bitten_zap_parse(bad, 8, &req), 0);
    static char longest[BITTEN_ZAP_TEXT_MAX + 1];
    memset(longest, 'a', sizeof longest);
    bad[3] = (bitten_zap_part_t){longest, sizeof longest};
    assert_int_equal(bitten_zap_parse(bad, 8, &req), 0);
    assert_false(req.has_key);
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
        cmocka_unit_test(test_zap_shared_sockets_admit_every_allowed_key),
        cmocka_unit_test(test_zap_the_shared_push_admits_only_command_accounts_keys),
        cmocka_unit_test(test_zap_an_accounts_pair_admits_only_its_keys),
        cmocka_unit_test(test_zap_unknown_domains_and_mechanisms_fail_closed),
        cmocka_unit_test(test_zap_domains_and_verdict_names),
        cmocka_unit_test(test_zap_metadata_is_one_uuid_property),
        cmocka_unit_test(test_zap_parse_reads_a_curve_request),
        cmocka_unit_test(test_zap_parse_refuses_malformed_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
