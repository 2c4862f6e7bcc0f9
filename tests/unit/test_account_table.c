/*  test_account_table.c: the accounts module's pure half (src/modules/accounts/account_table.c):
 *  parsing each field, the defaults, the table from config, dialect, route and broker symbol
 *  facts; the `brokers` section (broker_table.c); and its table in the store
 *  (accounts_store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bitten/config.h"
#include "bitten/dialect.h"
#include "modules/accounts/account_table.h"
#include "modules/accounts/accounts_store.h"
#include "modules/accounts/broker_table.h"

/* ---------------------------------------------------------------- parsing */

static void test_an_entry_with_only_a_uuid_gets_the_safe_defaults(void **state)
{
    bitten_account_t a;
    char err[200] = "";
    assert_int_equal(
        account_parse("acct_1", NULL, NULL, NULL, NULL, NULL, NULL, &a, err, sizeof err), 0);
    assert_string_equal(a.uuid, "acct_1");
    assert_int_equal(a.tier, BITTEN_TIER_NIBBLER);
    assert_int_equal(a.mode, BITTEN_MODE_MANUAL); /* never auto-fires unless asked */
    assert_true(a.risk_pct == 0.0);
    assert_true(a.max_lot == 0.0);
    assert_string_equal(a.symbols, "");
    assert_int_equal(a.dialect, BITTEN_DIALECT_UNKNOWN);
    assert_false(a.dialect_pinned);
    assert_false(a.from_config);
}

static void test_every_field_is_parsed_and_a_dialect_in_config_pins_it(void **state)
{
    bitten_account_t a;
    char err[200] = "";
    assert_int_equal(account_parse("acct_2", "COMMANDER", "auto", "0.5", "2.5", "EURUSD,USDJPY",
                                   "v2.05", &a, err, sizeof err),
                     0);
    assert_int_equal(a.tier, BITTEN_TIER_COMMANDER);
    assert_int_equal(a.mode, BITTEN_MODE_AUTO);
    assert_true(a.risk_pct == 0.5);
    assert_true(a.max_lot == 2.5);
    assert_string_equal(a.symbols, "EURUSD,USDJPY");
    assert_int_equal(a.dialect, BITTEN_DIALECT_V205);
    assert_true(a.dialect_pinned);
}

static void test_each_bad_field_is_refused_naming_the_field(void **state)
{
    struct {
        const char *uuid, *tier, *mode, *risk, *lot, *dialect, *names;
    } rows[] = {
        {"bad uuid", NULL, NULL, NULL, NULL, NULL, "uuid:"},
        {NULL, NULL, NULL, NULL, NULL, NULL, "uuid:"},
        {"a", "WOLF", NULL, NULL, NULL, NULL, "tier: 'WOLF'"},
        {"a", "nibbler", NULL, NULL, NULL, NULL, "tier:"}, /* names are case-sensitive */
        {"a", NULL, "semi", NULL, NULL, NULL, "mode: 'semi'"},
        {"a", NULL, NULL, "5.01", NULL, NULL, "risk_pct:"},
        {"a", NULL, NULL, "-1", NULL, NULL, "risk_pct:"},
        {"a", NULL, NULL, "1x", NULL, NULL, "risk_pct:"},
        {"a", NULL, NULL, "nan", NULL, NULL, "risk_pct:"},
        {"a", NULL, NULL, NULL, "1000.5", NULL, "max_lot:"},
        {"a", NULL, NULL, NULL, NULL, "v9", "dialect: 'v9'"},
        {"a", NULL, NULL, NULL, NULL, "unknown", "dialect:"}, /* not something to pin */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bitten_account_t a;
        char err[200] = "";
        assert_int_equal(account_parse(rows[i].uuid, rows[i].tier, rows[i].mode, rows[i].risk,
                                       rows[i].lot, NULL, rows[i].dialect, &a, err, sizeof err),
                         -1);
        if (!strstr(err, rows[i].names)) {
            print_error("row %zu: '%s' does not name '%s'\n", i, err, rows[i].names);
            fail();
        }
    }
    char longlist[BITTEN_SYMLIST_MAX + 2];
    memset(longlist, 'A', sizeof longlist - 1);
    longlist[sizeof longlist - 1] = '\0';
    bitten_account_t a;
    char err[200] = "";
    assert_int_equal(
        account_parse("a", NULL, NULL, NULL, NULL, longlist, NULL, &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbols:"));
}

/* ---------------------------------------------------------------- from config */

static bitten_config_t *s_config(const char *text)
{
    char path[] = "/tmp/bitten_accounts_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bitten_config_t *cfg = bitten_config_new();
    char err[300] = "";
    int rc = bitten_config_load_file(cfg, path, err, sizeof err);
    unlink(path);
    if (rc != 0)
        print_error("config: %s\n", err);
    assert_int_equal(rc, 0);
    return cfg;
}

//  accounts.<x>.broker pins a `brokers` entry (its existence is checked at start).
static void test_an_account_may_pin_a_brokers_entry(void **state)
{
    bitten_config_t *cfg = s_config("accounts\n"
                                    "    a\n        uuid = \"acct_a\"\n        broker = \"demo\"\n"
                                    "    b\n        uuid = \"acct_b\"\n");
    char err[300] = "";
    account_table_t *t = account_table_from_config(cfg, err, sizeof err);
    assert_non_null(t);
    assert_string_equal(account_table_broker_key(t, "acct_a"), "demo");
    assert_string_equal(account_table_broker_key(t, "acct_b"), "");
    assert_string_equal(account_table_broker_key(t, "acct_none"), "");
    assert_string_equal(account_table_broker_key(t, NULL), "");
    account_table_destroy(&t);
    bitten_config_destroy(&cfg);
}

static void test_config_accounts_keep_their_order_and_defaults_make_the_rest(void **state)
{
    bitten_config_t *cfg = s_config("accounts\n"
                                    "    b\n        uuid = \"acct_b\"\n        tier = \"FANG\"\n"
                                    "    a\n        uuid = \"acct_a\"\n        mode = \"auto\"\n"
                                    "default_account\n    tier = \"COMMANDER\"\n"
                                    "    symbols = \"XAUUSD\"\n");
    char err[300] = "";
    account_table_t *t = account_table_from_config(cfg, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(account_table_count(t), 2);
    assert_string_equal(account_table_at(t, 0)->uuid, "acct_b");
    assert_string_equal(account_table_at(t, 1)->uuid, "acct_a");
    assert_null(account_table_at(t, 2));
    assert_true(account_table_find(t, "acct_a")->from_config);
    assert_int_equal(account_table_find(t, "acct_a")->mode, BITTEN_MODE_AUTO);
    assert_int_equal(account_table_find(t, "acct_b")->tier, BITTEN_TIER_FANG);
    assert_null(account_table_find(t, "acct_c"));

    bitten_account_t fresh;
    assert_int_equal(account_from_defaults(cfg, "acct_c", &fresh, err, sizeof err), 0);
    assert_int_equal(fresh.tier, BITTEN_TIER_COMMANDER);
    assert_int_equal(fresh.mode, BITTEN_MODE_MANUAL);
    assert_string_equal(fresh.symbols, "XAUUSD");
    const bitten_account_t *stored = account_table_add(t, &fresh);
    assert_non_null(stored);
    assert_false(stored->from_config);
    /* a second add of the same uuid is refused: one account per uuid */
    assert_null(account_table_add(t, &fresh));
    assert_int_equal(account_table_count(t), 3);
    /* earlier pointers stay valid while the table grows */
    const bitten_account_t *first = account_table_at(t, 0);
    char uuid[16];
    for (int i = 0; i < 40; i++) {
        snprintf(uuid, sizeof uuid, "grow_%d", i);
        snprintf(fresh.uuid, sizeof fresh.uuid, "%s", uuid);
        assert_non_null(account_table_add(t, &fresh));
    }
    assert_ptr_equal(first, account_table_find(t, "acct_b"));
    assert_string_equal(first->uuid, "acct_b");
    account_table_destroy(&t);
    account_table_destroy(&t); /* idempotent */
    bitten_config_destroy(&cfg);
}

static void test_a_bad_or_twice_listed_config_account_names_its_key(void **state)
{
    bitten_config_t *cfg =
        s_config("accounts\n    main\n        uuid = \"acct_1\"\n        tier = \"WOLF\"\n");
    char err[300] = "";
    assert_null(account_table_from_config(cfg, err, sizeof err));
    assert_non_null(strstr(err, "key 'accounts.main.tier': 'WOLF'"));
    bitten_config_destroy(&cfg);
    cfg = s_config("accounts\n    one\n        uuid = \"acct_1\"\n"
                   "    two\n        uuid = \"acct_1\"\n");
    assert_null(account_table_from_config(cfg, err, sizeof err));
    assert_non_null(strstr(err, "key 'accounts.two.uuid': 'acct_1' is listed twice"));
    bitten_config_destroy(&cfg);
    /* the broker's names and clock */
    cfg = s_config("accounts\n    one\n        uuid = \"acct_1\"\n        symbol_suffix = \"m\"\n"
                   "        server_utc_offset_s = 10800\n");
    account_table_t *t = account_table_from_config(cfg, err, sizeof err);
    assert_non_null(t);
    assert_string_equal(account_table_find(t, "acct_1")->symbol_suffix, "m");
    assert_true(account_table_find(t, "acct_1")->has_server_offset);
    assert_int_equal(account_table_find(t, "acct_1")->server_utc_offset_s, 10800);
    account_table_destroy(&t);
    bitten_config_destroy(&cfg);
    cfg = s_config("accounts\n    one\n        uuid = \"acct_1\"\n        server_utc_offset_s = \"3h\"\n");
    assert_null(account_table_from_config(cfg, err, sizeof err));
    assert_non_null(strstr(err, "key 'accounts.one.server_utc_offset_s': '3h'"));
    bitten_config_destroy(&cfg);
    cfg = s_config("accounts\n    one\n        uuid = \"acct_1\"\n        symbol_suffix = \"waytoolong\"\n");
    assert_null(account_table_from_config(cfg, err, sizeof err));
    assert_non_null(strstr(err, "accounts.one.symbol_suffix"));
    bitten_config_destroy(&cfg);
}

/* ---------------------------------------------------------------- dialect, route, symbols */

static account_table_t *s_one(const char *uuid, const char *dialect)
{
    account_table_t *t = account_table_new();
    assert_non_null(t);
    bitten_account_t a;
    char err[200];
    assert_int_equal(
        account_parse(uuid, NULL, NULL, NULL, NULL, NULL, dialect, &a, err, sizeof err), 0);
    assert_non_null(account_table_add(t, &a));
    return t;
}

static void test_a_detected_dialect_is_kept_unless_config_pinned_another(void **state)
{
    account_table_t *t = s_one("acct_1", NULL);
    assert_int_equal(account_table_set_dialect(t, "acct_1", BITTEN_DIALECT_V7), 0);
    assert_int_equal(account_table_find(t, "acct_1")->dialect, BITTEN_DIALECT_V7);
    assert_int_equal(account_table_set_dialect(t, "nobody", BITTEN_DIALECT_V7), -1);
    assert_int_equal(account_table_set_dialect(t, "acct_1", (bitten_dialect_t)99), -1);
    account_table_destroy(&t);

    t = s_one("acct_2", "v2.02");
    assert_int_equal(account_table_set_dialect(t, "acct_2", BITTEN_DIALECT_V7), 1);
    assert_int_equal(account_table_find(t, "acct_2")->dialect, BITTEN_DIALECT_V202);
    assert_int_equal(account_table_set_dialect(t, "acct_2", BITTEN_DIALECT_V202), 0);
    account_table_destroy(&t);
    assert_string_equal(bitten_dialect_str(BITTEN_DIALECT_V205), "v2.05");
    assert_int_equal(bitten_dialect_from_str("contract"), BITTEN_DIALECT_CONTRACT);
    assert_int_equal(bitten_dialect_from_str("V7"), -1);
}

static bitten_account_route_t s_dealer(const char *id)
{
    bitten_account_route_t r;
    memset(&r, 0, sizeof r);
    r.has_routing_id = true;
    r.routing_id_len = strlen(id);
    memcpy(r.routing_id, id, r.routing_id_len);
    return r;
}

static void test_a_route_is_recorded_for_a_known_account_only(void **state)
{
    account_table_t *t = s_one("acct_1", NULL);
    bitten_account_route_t r = s_dealer("acct_");
    assert_int_equal(account_table_set_route(t, "acct_1", &r), 0);
    assert_true(account_table_find(t, "acct_1")->route.has_routing_id);
    assert_int_equal(account_table_find(t, "acct_1")->route.routing_id_len, 5);
    assert_int_equal(account_table_set_route(t, "nobody", &r), -1);
    bitten_account_route_t empty = s_dealer("");
    assert_int_equal(account_table_set_route(t, "acct_1", &empty), -1);
    /* found again by its identity, and only by that */
    assert_ptr_equal(account_table_find_by_route(t, &r), account_table_find(t, "acct_1"));
    bitten_account_route_t other = s_dealer("acct_2");
    assert_null(account_table_find_by_route(t, &other));
    assert_null(account_table_find_by_route(t, NULL));
    account_table_destroy(&t);
}

/*  v2.05's DEALER identity is its uuid minus the last character: "acct_1" and "acct_2" both
 *  become "acct_". Two accounts on one identity would misdeliver: the second is refused. */
static void test_two_accounts_on_one_connection_identity_are_refused(void **state)
{
    account_table_t *t = s_one("acct_1", NULL);
    bitten_account_t b;
    char err[200];
    assert_int_equal(
        account_parse("acct_2", NULL, NULL, NULL, NULL, NULL, NULL, &b, err, sizeof err), 0);
    assert_non_null(account_table_add(t, &b));
    bitten_account_route_t r = s_dealer("acct_");
    assert_int_equal(account_table_set_route(t, "acct_1", &r), 0);
    assert_int_equal(account_table_set_route(t, "acct_2", &r), 1);
    assert_false(account_table_find(t, "acct_2")->route.has_routing_id);
    assert_string_equal(account_table_find_by_route(t, &r)->uuid, "acct_1");
    /* the same for a CURVE key */
    bitten_account_route_t k1, k2;
    memset(&k1, 0, sizeof k1);
    k1.has_curve_key = true;
    snprintf(k1.curve_key, sizeof k1.curve_key, "%s", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    k2 = k1;
    assert_int_equal(account_table_set_route(t, "acct_2", &k1), 0);
    k2.has_routing_id = true; /* a new identity for acct_1 that reuses acct_2's key */
    k2.routing_id_len = 1;
    k2.routing_id[0] = 'x';
    assert_int_equal(account_table_set_route(t, "acct_1", &k2), 1);
    assert_string_equal(account_table_find_by_route(t, &k1)->uuid, "acct_2");
    /* an account may renew its own route */
    assert_int_equal(account_table_set_route(t, "acct_1", &r), 0);
    assert_true(account_route_shares(&r, &r));
    assert_false(account_route_shares(&r, &k1));
    account_table_destroy(&t);
}

static void test_broker_facts_lay_over_the_symbol_table_and_fall_back_to_it(void **state)
{
    bitten_symbols_t *symbols = bitten_symbols_new_defaults();
    assert_non_null(symbols);
    const bitten_symbol_t *eurusd = bitten_symbols_find(symbols, "EURUSD");
    account_table_t *t = s_one("acct_1", NULL);

    /* nothing from the broker: the table's spec, the table's name */
    bitten_account_symbol_t out;
    assert_null(account_table_symbol_facts(t, "acct_1", "EURUSD"));
    assert_int_equal(account_symbol_resolve(eurusd, NULL, &out), 0);
    assert_int_equal(out.spec.digits, eurusd->digits);
    assert_string_equal(out.broker_name, "EURUSD");
    assert_false(out.from_broker);

    /* the broker quotes 4 digits with a suffix: digits, point and the wire name change, the
     * facts it did not give stay the table's */
    bitten_broker_symbol_t facts = {
        .symbol = "EURUSD", .broker_name = "EURUSDm", .facts = {.digits = 4, .point = 0.0001}};
    assert_int_equal(account_table_put_symbol(t, "acct_1", &facts), 0);
    const bitten_broker_symbol_t *got = account_table_symbol_facts(t, "acct_1", "EURUSD");
    assert_non_null(got);
    assert_int_equal(account_symbol_resolve(eurusd, got, &out), 0);
    assert_int_equal(out.spec.digits, 4);
    assert_true(out.spec.point == 0.0001);
    assert_true(out.spec.lot_step == eurusd->lot_step);
    assert_true(out.spec.pip == eurusd->pip);
    assert_string_equal(out.broker_name, "EURUSDm");
    assert_true(out.from_broker);
    /* the dialect encoders get the same numbers */
    assert_int_equal(out.facts.digits, 4);
    assert_true(out.facts.point == 0.0001);
    assert_true(out.facts.lot_step == eurusd->lot_step);
    assert_true(out.facts.lot_min == eurusd->min_lot);
    assert_true(out.facts.lot_max == eurusd->max_lot);

    /* a second put of the same symbol replaces it */
    facts.facts.lot_step = 0.1;
    facts.facts.digits = 0;
    assert_int_equal(account_table_put_symbol(t, "acct_1", &facts), 0);
    assert_int_equal(
        account_symbol_resolve(eurusd, account_table_symbol_facts(t, "acct_1", "EURUSD"), &out), 0);
    assert_int_equal(out.spec.digits, eurusd->digits);
    assert_true(out.spec.lot_step == 0.1);

    /* digits alone (what v2.x price decimals tell): the point follows them, so v7 distances
     * are counted in the broker's points (USDCNH quoted with 4 digits) */
    bitten_broker_symbol_t only_digits = {.symbol = "EURUSD", .facts = {.digits = 4}};
    assert_int_equal(account_symbol_resolve(eurusd, &only_digits, &out), 0);
    assert_int_equal(out.spec.digits, 4);
    assert_true(fabs(out.spec.point - 0.0001) < 1e-15);
    assert_true(fabs(out.facts.point - 0.0001) < 1e-15);

    /* the broker alone is not enough: a symbol the table does not know is not tradable */
    assert_int_equal(account_symbol_resolve(NULL, &facts, &out), -1);
    /* other accounts and bad input */
    assert_null(account_table_symbol_facts(t, "nobody", "EURUSD"));
    assert_int_equal(account_table_put_symbol(t, "nobody", &facts), -1);
    bitten_broker_symbol_t empty = {.symbol = ""};
    assert_int_equal(account_table_put_symbol(t, "acct_1", &empty), -1);
    /* bounded per account */
    for (int i = 0; i < ACCOUNT_SYMBOL_FACTS_MAX - 1; i++) {
        bitten_broker_symbol_t f = {.facts = {.digits = 5}};
        snprintf(f.symbol, sizeof f.symbol, "SYM%d", i);
        assert_int_equal(account_table_put_symbol(t, "acct_1", &f), 0);
    }
    bitten_broker_symbol_t one_more = {.symbol = "ONEMORE", .facts = {.digits = 5}};
    assert_int_equal(account_table_put_symbol(t, "acct_1", &one_more), -1);
    account_table_destroy(&t);
    bitten_symbols_destroy(&symbols);
}

static void test_vocabulary_names_round_trip(void **state)
{
    assert_string_equal(bitten_tier_str(BITTEN_TIER_FANG), "FANG");
    assert_string_equal(bitten_tier_str((bitten_tier_t)7), "?");
    assert_int_equal(bitten_tier_from_str("COMMANDER"), BITTEN_TIER_COMMANDER);
    assert_int_equal(bitten_tier_from_str(NULL), -1);
    assert_string_equal(bitten_account_mode_str(BITTEN_MODE_AUTO), "auto");
    assert_string_equal(bitten_account_mode_str(BITTEN_MODE_MANUAL), "manual");
}

/* ---------------------------------------------------------------- the table in the store */

//  Issue 17: the frame path's slot is the account's insertion index, the same for the table's
//  whole life, and a slot is only honoured for the uuid it names.
static void test_a_slot_names_one_account_for_the_tables_life(void **state)
{
    account_table_t *t = account_table_new();
    assert_non_null(t);
    bitten_account_t a;
    char err[160], uuid[16];
    int slot = 99;
    assert_null(account_table_find_slot(t, "slot_0", &slot));
    assert_int_equal(slot, -1);
    for (int i = 0; i < 50; i++) {
        snprintf(uuid, sizeof uuid, "slot_%d", i);
        assert_int_equal(
            account_parse(uuid, NULL, NULL, NULL, NULL, NULL, NULL, &a, err, sizeof err), 0);
        const bitten_account_t *added = account_table_add(t, &a);
        assert_non_null(added);
        //  Growing the table moves no account to another slot.
        assert_ptr_equal(account_table_find_slot(t, uuid, &slot), added);
        assert_int_equal(slot, i);
        assert_ptr_equal(account_table_find_slot(t, "slot_0", &slot), account_table_at(t, 0));
        assert_int_equal(slot, 0);
    }
    assert_null(account_table_add(t, &a)); /* a uuid listed twice takes no second slot */
    assert_int_equal(account_table_count(t), 50);
    assert_ptr_equal(account_table_at_slot(t, 7, "slot_7"), account_table_at(t, 7));
    assert_null(account_table_at_slot(t, 7, "slot_8"));   /* another account's slot */
    assert_null(account_table_at_slot(t, 50, "slot_50")); /* beyond the table */
    assert_null(account_table_at_slot(t, -1, "slot_0"));
    assert_null(account_table_at_slot(t, 0, NULL));
    assert_null(account_table_find_slot(t, NULL, &slot));
    assert_int_equal(slot, -1);
    account_table_destroy(&t);
}

static void test_the_store_row_updates_and_keeps_created_at(void **state)
{
    char dir[] = "/tmp/bitten_accounts_store_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[256] = "";
    bitten_store_t *store = bitten_store_open(dir, err, sizeof err);
    assert_non_null(store);
    accounts_store_t *s = accounts_store_new(store);
    assert_non_null(s);
    assert_null(accounts_store_new(NULL));

    bitten_account_t a;
    assert_int_equal(account_parse("acct_1", "NIBBLER", "auto", "1", "1", "EURUSD,USDJPY", NULL, &a,
                                   err, sizeof err),
                     0);
    accounts_store_row_t row;
    accounts_store_row_of(&a, 1000, &row);
    assert_string_equal(row.tier, "NIBBLER");
    assert_string_equal(row.mode, "auto");
    assert_int_equal(accounts_store_put(s, &row), 0);
    a.tier = BITTEN_TIER_FANG;
    accounts_store_row_of(&a, 5000, &row);
    assert_int_equal(accounts_store_put(s, &row), 0);
    accounts_store_row_t got;
    assert_int_equal(accounts_store_get(s, "acct_1", &got), 0);
    assert_string_equal(got.tier, "FANG");
    assert_string_equal(got.symbols, "EURUSD,USDJPY");
    assert_true(got.risk_pct == 1.0);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.updated_at, 5000);
    assert_int_equal(accounts_store_get(s, "nobody", &got), 1);
    accounts_store_destroy(&s);
    accounts_store_destroy(&s); /* idempotent */
    bitten_store_close(&store);

    const char *suffix[] = {"bitten.db", "bitten.db-wal", "bitten.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[96];
        snprintf(path, sizeof path, "%s/%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* ---------------------------------------------------------------- brokers (broker_table.c) */

//  Parses text; returns the rc, the table in *t (caller frees) and the error in err.
static int s_parse(const char *text, broker_table_t **t, char *err, size_t n)
{
    bitten_config_t *cfg = s_config(text);
    bitten_symbols_t *symbols = bitten_symbols_new_defaults();
    *t = calloc(1, sizeof **t);
    assert_non_null(*t);
    err[0] = '\0';
    int rc = broker_table_from_config(cfg, symbols, *t, err, n);
    bitten_symbols_destroy(&symbols);
    bitten_config_destroy(&cfg);
    return rc;
}

static void test_brokers_give_symbol_facts_matched_by_company_or_server(void **state)
{
    (void)state;
    broker_table_t *t;
    char err[300];
    assert_int_equal(s_parse("brokers\n"
                             "    icm\n        name = \"IC Markets\"\n"
                             "        symbols\n            USDCNH\n                digits = 4\n"
                             "                lot_step = 0.01\n"
                             "    demo\n        server = \"MetaQuotes-Demo\"\n"
                             "        symbols\n            XAUUSD\n                digits = 3\n"
                             "                point = 0.001\n                min_lot = 0.1\n"
                             "                max_lot = 50\n",
                             &t, err, sizeof err),
                     0);
    assert_int_equal(t->count, 2);
    assert_int_equal(broker_table_find_key(t, "demo"), 1);
    assert_int_equal(broker_table_find_key(t, "nope"), -1);
    assert_int_equal(broker_table_find_key(t, NULL), -1);
    assert_int_equal(broker_table_match(t, "IC Markets", ""), 0);
    assert_int_equal(broker_table_match(t, "", "MetaQuotes-Demo"), 1);
    assert_int_equal(broker_table_match(t, "MetaQuotes Ltd.", "MetaQuotes-Demo"), 1);
    assert_int_equal(broker_table_match(t, "", ""), -1); /* empty never matches */
    assert_int_equal(broker_table_match(t, NULL, NULL), -1);
    assert_int_equal(broker_table_match(t, "ic markets", ""), -1); /* exact */
    const bitten_broker_symbol_t *cnh = broker_entry_symbol(&t->items[0], "USDCNH");
    assert_non_null(cnh);
    assert_int_equal(cnh->facts.digits, 4);
    assert_true(cnh->facts.lot_step == 0.01);
    assert_true(cnh->facts.point == 0); /* not said: the digits' */
    assert_null(broker_entry_symbol(&t->items[0], "XAUUSD"));
    assert_null(broker_entry_symbol(NULL, "XAUUSD"));
    const bitten_broker_symbol_t *xau = broker_entry_symbol(&t->items[1], "XAUUSD");
    assert_true(xau->facts.point == 0.001 && xau->facts.lot_min == 0.1 && xau->facts.lot_max == 50);
    assert_true(broker_facts_any(xau));
    free(t);
    //  No section: no brokers.
    assert_int_equal(s_parse("log\n    level = \"info\"\n", &t, err, sizeof err), 0);
    assert_int_equal(t->count, 0);
    free(t);
}

static void test_a_bad_brokers_entry_names_its_key(void **state)
{
    (void)state;
    const struct {
        const char *text, *want;
    } bad[] = {
        {"brokers\n    b\n        symbols\n            EURUSD\n                digits = 5\n",
         "give name"},
        {"brokers\n    b\n        name = \"X\"\n        colour = \"red\"\n",
         "unknown key 'brokers.b.colour'"},
        {"brokers\n    b\n        name = \"X\"\n        symbols\n            EURUSDm\n"
         "                digits = 5\n",
         "'brokers.b.symbols.EURUSDm': not a symbol"},
        {"brokers\n    b\n        name = \"X\"\n        symbols\n            EURUSD\n"
         "                digits = 9\n",
         "'brokers.b.symbols.EURUSD.digits': '9' is out of range"},
        {"brokers\n    b\n        name = \"X\"\n        symbols\n            EURUSD\n"
         "                digits = 4.5\n",
         "EURUSD.digits"},
        {"brokers\n    b\n        name = \"X\"\n        symbols\n            EURUSD\n"
         "                lot_step = -1\n",
         "EURUSD.lot_step"},
        {"brokers\n    b\n        name = \"X\"\n        symbols\n            EURUSD\n"
         "                spread = 2\n",
         "unknown key 'brokers.b.symbols.EURUSD.spread'"},
        {"brokers\n    b\n        name = \"X\"\n        symbols\n            EURUSD\n"
         "                min_lot = 2\n                max_lot = 1\n",
         "min_lot': above max_lot"},
        {"brokers\n    a\n        name = \"X\"\n    b\n        name = \"X\"\n",
         "'brokers.b': the same name or server as 'brokers.a'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        broker_table_t *t;
        char err[300];
        assert_int_equal(s_parse(bad[i].text, &t, err, sizeof err), -1);
        if (!strstr(err, bad[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].want);
        free(t);
    }
}

static void test_what_the_ea_says_lies_over_the_brokers_config(void **state)
{
    (void)state;
    bitten_broker_symbol_t cfg, ea, out;
    memset(&cfg, 0, sizeof cfg);
    memset(&ea, 0, sizeof ea);
    snprintf(cfg.symbol, sizeof cfg.symbol, "USDCNH");
    cfg.facts = (bitten_symbol_facts_t){.digits = 4, .point = 0.0001, .lot_step = 0.01};
    snprintf(ea.symbol, sizeof ea.symbol, "USDCNH");
    snprintf(ea.broker_name, sizeof ea.broker_name, "USDCNHm");
    assert_null(broker_facts_merge(NULL, NULL, &out));
    assert_false(broker_facts_any(&ea)); /* a name is not a number */
    assert_false(broker_facts_any(NULL));
    const bitten_broker_symbol_t *m = broker_facts_merge(&cfg, &ea, &out);
    assert_string_equal(m->broker_name, "USDCNHm");
    assert_int_equal(m->facts.digits, 4);
    assert_true(m->facts.point == 0.0001 && m->facts.lot_step == 0.01);
    //  The EA's digits win, and a point said for other digits goes with them.
    ea.facts.digits = 5;
    m = broker_facts_merge(&cfg, &ea, &out);
    assert_int_equal(m->facts.digits, 5);
    assert_true(m->facts.point == 0);
    assert_true(m->facts.lot_step == 0.01);
    m = broker_facts_merge(NULL, &ea, &out);
    assert_int_equal(m->facts.digits, 5);
    m = broker_facts_merge(&cfg, NULL, &out);
    assert_int_equal(m->facts.digits, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_entry_with_only_a_uuid_gets_the_safe_defaults),
        cmocka_unit_test(test_every_field_is_parsed_and_a_dialect_in_config_pins_it),
        cmocka_unit_test(test_each_bad_field_is_refused_naming_the_field),
        cmocka_unit_test(test_config_accounts_keep_their_order_and_defaults_make_the_rest),
        cmocka_unit_test(test_an_account_may_pin_a_brokers_entry),
        cmocka_unit_test(test_brokers_give_symbol_facts_matched_by_company_or_server),
        cmocka_unit_test(test_a_bad_brokers_entry_names_its_key),
        cmocka_unit_test(test_what_the_ea_says_lies_over_the_brokers_config),
        cmocka_unit_test(test_a_bad_or_twice_listed_config_account_names_its_key),
        cmocka_unit_test(test_a_detected_dialect_is_kept_unless_config_pinned_another),
        cmocka_unit_test(test_a_route_is_recorded_for_a_known_account_only),
        cmocka_unit_test(test_two_accounts_on_one_connection_identity_are_refused),
        cmocka_unit_test(test_broker_facts_lay_over_the_symbol_table_and_fall_back_to_it),
        cmocka_unit_test(test_vocabulary_names_round_trip),
        cmocka_unit_test(test_the_store_row_updates_and_keeps_created_at),
        cmocka_unit_test(test_a_slot_names_one_account_for_the_tables_life),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
