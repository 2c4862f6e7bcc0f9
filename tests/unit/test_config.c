/*  test_config.c: the configuration table and its layers: defaults, ZPL file, environment,
 *  --set; typed errors naming the key; the printed config and docs/configuration.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "doc_check.h"

#include "bitten/config.h"

static char s_path[64];

static const char *s_write(const char *text)
{
    snprintf(s_path, sizeof s_path, "/tmp/bitten-cfg-XXXXXX");
    int fd = mkstemp(s_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return s_path;
}

static void test_defaults_match_the_architecture_table(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    assert_string_equal(bitten_config_str(cfg, "command.endpoint"), "tcp://*:5555");
    assert_string_equal(bitten_config_str(cfg, "feedback.endpoint"), "tcp://*:5556");
    assert_string_equal(bitten_config_str(cfg, "feedback.socket"), "pull");
    assert_string_equal(bitten_config_str(cfg, "router.endpoint"), "tcp://*:5559");
    assert_string_equal(bitten_config_str(cfg, "confirm.endpoint"), "tcp://*:5558");
    assert_string_equal(bitten_config_str(cfg, "control.endpoint"), "tcp://127.0.0.1:5557");
    assert_string_equal(bitten_config_str(cfg, "events.endpoint"), "tcp://127.0.0.1:5560");
    assert_string_equal(bitten_config_str(cfg, "command.account"), "");
    assert_string_equal(bitten_config_str(cfg, "feedback.anonymous_account"), "");
    assert_string_equal(bitten_config_str(cfg, "state_dir"), "/var/lib/bitten");
    assert_int_equal(bitten_config_int(cfg, "command.keepalive_s"), 30);
    assert_int_equal(bitten_config_int(cfg, "ea.offline_after_s"), 90);
    assert_int_equal(bitten_config_int(cfg, "feedback.max_frame_bytes"), 65536);
    assert_true(bitten_config_bool(cfg, "zmq.mode"));
    assert_int_equal(bitten_config_list_count(cfg, "strict.legacy_dirs"), 0);
    assert_string_equal(bitten_config_origin(cfg, "command.endpoint"), "default");
    bitten_config_destroy(&cfg);
    assert_null(cfg);
}

static void test_file_values_override_defaults(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    const char *path = s_write("command\n    keepalive_s = 12\nstrict\n    legacy_dirs = \"/a, /b ,\"\n");
    assert_int_equal(bitten_config_load_file(cfg, path, err, sizeof err), 0);
    assert_int_equal(bitten_config_int(cfg, "command.keepalive_s"), 12);
    assert_string_equal(bitten_config_origin(cfg, "command.keepalive_s"), "file");
    assert_int_equal(bitten_config_list_count(cfg, "strict.legacy_dirs"), 2);
    assert_string_equal(bitten_config_list_at(cfg, "strict.legacy_dirs", 1), "/b");
    assert_null(bitten_config_list_at(cfg, "strict.legacy_dirs", 2));
    unlink(path);
    bitten_config_destroy(&cfg);
}

static void test_unknown_key_in_file_is_an_error_naming_the_key(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    const char *path = s_write("command\n    keepalive = 12\n");
    assert_int_equal(bitten_config_load_file(cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "'command.keepalive'"));
    assert_null(strchr(err, '\n'));
    unlink(path);
    bitten_config_destroy(&cfg);
}

static void test_a_retired_key_is_refused_naming_it_and_why(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[512] = "";
    assert_int_equal(bitten_config_set(cfg, "command.allow_shared", "true", "file", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "'command.allow_shared' is retired"));
    assert_non_null(strstr(err, "command_endpoint"));
    err[0] = '\0';
    assert_int_equal(bitten_config_set(cfg, "command.allow_shared", "false", "env", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "retired"));
    bitten_config_destroy(&cfg);
}

static void test_bad_values_are_refused_with_the_key_and_why(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "command.keepalive_s", "abc", "cli", err, sizeof err), -1);
    assert_non_null(strstr(err, "'command.keepalive_s'"));
    assert_non_null(strstr(err, "not an integer"));
    assert_int_equal(bitten_config_set(cfg, "command.keepalive_s", "111", "cli", err, sizeof err), -1);
    assert_non_null(strstr(err, "outside 1..110"));
    assert_int_equal(bitten_config_set(cfg, "command.keepalive_s", "110", "cli", err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "command.keepalive_s", "0", "cli", err, sizeof err), -1);
    assert_int_equal(bitten_config_set(cfg, "feedback.socket", "push", "cli", err, sizeof err), -1);
    assert_non_null(strstr(err, "sub|pull"));
    assert_int_equal(bitten_config_set(cfg, "zmq.strict", "maybe", "cli", err, sizeof err), -1);
    assert_int_equal(bitten_config_set(cfg, "zmq.strict", "off", "cli", err, sizeof err), 0);
    assert_false(bitten_config_bool(cfg, "zmq.strict"));
    //  A refused value leaves the previous one in force.
    assert_int_equal(bitten_config_int(cfg, "command.keepalive_s"), 110);
    bitten_config_destroy(&cfg);
}

static void test_missing_or_invalid_file_is_an_error(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_load_file(cfg, "/nonexistent/bittend.cfg", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/bittend.cfg"));
    bitten_config_destroy(&cfg);
}

static void test_environment_overrides_file_and_cli_overrides_environment(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    const char *path = s_write("ea\n    offline_after_s = 40\n");
    assert_int_equal(bitten_config_load_file(cfg, path, err, sizeof err), 0);
    setenv("BITTEN_EA_OFFLINE_AFTER_S", "50", 1);
    setenv("ZMQ_STRICT", "0", 1);
    assert_int_equal(bitten_config_load_env(cfg, err, sizeof err), 0);
    assert_int_equal(bitten_config_int(cfg, "ea.offline_after_s"), 50);
    assert_string_equal(bitten_config_origin(cfg, "ea.offline_after_s"), "env");
    assert_false(bitten_config_bool(cfg, "zmq.strict"));
    assert_int_equal(bitten_config_set(cfg, "ea.offline_after_s", "60", "cli", err, sizeof err), 0);
    assert_int_equal(bitten_config_int(cfg, "ea.offline_after_s"), 60);
    setenv("BITTEN_EA_OFFLINE_AFTER_S", "x", 1);
    assert_int_equal(bitten_config_load_env(cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "BITTEN_EA_OFFLINE_AFTER_S"));
    assert_non_null(strstr(err, "'ea.offline_after_s'"));
    unsetenv("BITTEN_EA_OFFLINE_AFTER_S");
    unsetenv("ZMQ_STRICT");
    unlink(path);
    bitten_config_destroy(&cfg);
}

static void test_env_names_follow_the_key_or_the_contract(void **state)
{
    char name[64];
    bitten_config_env_name("command.keepalive_s", name, sizeof name);
    assert_string_equal(name, "BITTEN_COMMAND_KEEPALIVE_S");
    bitten_config_env_name("zmq.enforce", name, sizeof name);
    assert_string_equal(name, "ZMQ_ENFORCE");
    bitten_config_env_name("zmq.mode", name, sizeof name);
    assert_string_equal(name, "ZMQ_MODE");
}

static void test_legacy_transport_keys_are_recorded_not_applied(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "bridge.fire_file", "/x/fire.txt", "file", err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "signals.http_url", "http://x", "file", err, sizeof err), 0);
    assert_string_equal(bitten_config_legacy_key(cfg, 0), "bridge.fire_file");
    assert_string_equal(bitten_config_legacy_key(cfg, 1), "signals.http_url");
    assert_null(bitten_config_legacy_key(cfg, 2));
    bitten_config_destroy(&cfg);
}

static void test_printed_config_loads_back_to_the_same_values(void **state)
{
    bitten_config_t *cfg = bitten_config_new();
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "log.level", "debug", "cli", err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "strict.legacy_dirs", "/a,/b", "cli", err, sizeof err), 0);
    char path[] = "/tmp/bitten-print-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    bitten_config_print(cfg, f);
    fclose(f);
    bitten_config_t *again = bitten_config_new();
    assert_int_equal(bitten_config_load_file(again, path, err, sizeof err), 0);
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        if (k->type == BITTEN_CFG_STRING)
            assert_string_equal(bitten_config_str(cfg, k->key), bitten_config_str(again, k->key));
        if (k->type == BITTEN_CFG_INT)
            assert_int_equal(bitten_config_int(cfg, k->key), bitten_config_int(again, k->key));
    }
    assert_int_equal(bitten_config_list_count(again, "strict.legacy_dirs"), 2);
    unlink(path);
    bitten_config_destroy(&cfg);
    bitten_config_destroy(&again);
}

static void test_every_key_has_a_doc_line_and_a_sane_default(void **state)
{
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        assert_non_null(k->doc);
        assert_true(strlen(k->doc) > 10);
        assert_non_null(k->def);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(bitten_config_keys[j].key, k->key);
    }
    //  bitten_config_new asserts every default parses within its range.
    bitten_config_t *cfg = bitten_config_new();
    assert_non_null(cfg);
    bitten_config_destroy(&cfg);
}

//  docs/configuration.md embeds the generated table between two markers; it must match.
static void test_configuration_doc_matches_the_key_table(void **state)
{
    assert_true(doc_section_matches(BITTEN_SOURCE_DIR "/docs/configuration.md", "KEYS",
                                    bitten_config_write_doc,
                                    "scripts/regen-config-doc build/bittend"));
}

//  Every kind a bind table can hold, defaults and loaded values, into a padded struct.
typedef struct {
    double d;
    int i;
    bool b;
    int64_t big;
    double untouched;
} s_bound_t;

static const bitten_cfg_bind_t s_binds[] = {
    {"fire.max_stop_pips", offsetof(s_bound_t, d), BITTEN_BIND_DOUBLE},
    {"command.keepalive_s", offsetof(s_bound_t, i), BITTEN_BIND_INT},
    {"zmq.enforce", offsetof(s_bound_t, b), BITTEN_BIND_BOOL},
    {"feedback.rcvhwm", offsetof(s_bound_t, big), BITTEN_BIND_INT64},
};
#define S_N_BINDS (sizeof s_binds / sizeof *s_binds)

static void test_bound_defaults_come_from_the_key_table(void **state)
{
    s_bound_t from_table, from_cfg;
    memset(&from_table, 0, sizeof from_table);
    from_table.untouched = 42.0;
    bitten_config_read_bound_defaults(s_binds, S_N_BINDS, &from_table);
    assert_true(from_table.d == 1000.0);
    assert_int_equal(from_table.i, 30);
    assert_true(from_table.b);
    assert_int_equal(from_table.big, 100000);
    assert_true(from_table.untouched == 42.0); /* only bound fields are written */
    //  The same as a fresh config read through the same table, byte for byte.
    bitten_config_t *cfg = bitten_config_new();
    memset(&from_cfg, 0, sizeof from_cfg);
    from_cfg.untouched = 42.0;
    bitten_config_read_bound(cfg, s_binds, S_N_BINDS, &from_cfg);
    assert_memory_equal(&from_table, &from_cfg, sizeof from_cfg);
    //  A loaded value reaches the field; the defaults stay the table's.
    char err[256];
    assert_int_equal(bitten_config_set(cfg, "zmq.enforce", "off", "cli", err, sizeof err), 0);
    assert_int_equal(bitten_config_set(cfg, "feedback.rcvhwm", "5000000", "cli", err, sizeof err),
                     0);
    assert_int_equal(bitten_config_set(cfg, "fire.max_stop_pips", "12.5", "cli", err, sizeof err),
                     0);
    bitten_config_read_bound(cfg, s_binds, S_N_BINDS, &from_cfg);
    assert_false(from_cfg.b);
    assert_int_equal(from_cfg.big, 5000000);
    assert_true(from_cfg.d == 12.5);
    bitten_config_read_bound_defaults(s_binds, S_N_BINDS, &from_cfg);
    assert_memory_equal(&from_table, &from_cfg, sizeof from_cfg);
    //  fill_params zeroes first (the unbound field too), then reads cfg or the defaults.
    s_bound_t filled;
    memset(&filled, 0xff, sizeof filled);
    bitten_config_fill_params(NULL, s_binds, S_N_BINDS, &filled, sizeof filled);
    from_table.untouched = 0.0;
    assert_memory_equal(&filled, &from_table, sizeof filled);
    bitten_config_fill_params(cfg, s_binds, S_N_BINDS, &filled, sizeof filled);
    assert_int_equal(filled.big, 5000000);
    assert_true(filled.untouched == 0.0);
    bitten_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_match_the_architecture_table),
        cmocka_unit_test(test_file_values_override_defaults),
        cmocka_unit_test(test_unknown_key_in_file_is_an_error_naming_the_key),
        cmocka_unit_test(test_a_retired_key_is_refused_naming_it_and_why),
        cmocka_unit_test(test_bad_values_are_refused_with_the_key_and_why),
        cmocka_unit_test(test_missing_or_invalid_file_is_an_error),
        cmocka_unit_test(test_environment_overrides_file_and_cli_overrides_environment),
        cmocka_unit_test(test_env_names_follow_the_key_or_the_contract),
        cmocka_unit_test(test_legacy_transport_keys_are_recorded_not_applied),
        cmocka_unit_test(test_printed_config_loads_back_to_the_same_values),
        cmocka_unit_test(test_every_key_has_a_doc_line_and_a_sane_default),
        cmocka_unit_test(test_configuration_doc_matches_the_key_table),
        cmocka_unit_test(test_bound_defaults_come_from_the_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
