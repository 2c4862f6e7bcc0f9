/*  test_citadel_evidence.c: the evidence gate's seed (src/modules/citadel/evidence.c): a replay
 *  report or a live record read back into per-pattern records, and every bad seed refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/citadel/citadel_core.h"
#include "modules/citadel/evidence.h"

#define FVG VENOM_FAIR_VALUE_GAP_FILL
#define MB VENOM_MOMENTUM_BURST

//  The per-pattern figures of a real report (candles_m5_2025-09.csv, before CITADEL).
#define S_FVG_FIGURES                                                                              \
    "{\"count\":42,\"closed\":41,\"wins\":4,\"losses\":31,\"timeouts\":6,\"open\":1,"              \
    "\"win_rate\":0.0976,\"expectancy_r\":-0.6132,\"expectancy_r_95\":[-0.9246,-0.3018],"          \
    "\"sd_r\":0.9865,\"avg_rr\":2.0}"
#define S_MB_FIGURES                                                                               \
    "{\"closed\":34,\"wins\":9,\"losses\":17,\"timeouts\":8,\"expectancy_r\":0.0412,"              \
    "\"sd_r\":1.1183,\"avg_rr\":1.5}"

static void test_a_replay_report_seeds_each_pattern(void **state)
{
    const char *text = "{\"signal_id\":\"x\"}\n{\"summary\":{\"outcomes\":{\"before_citadel\":{"
                       "\"pattern\":{\"FAIR_VALUE_GAP_FILL\":" S_FVG_FIGURES
                       ",\"MOMENTUM_BURST\":" S_MB_FIGURES "}},\"after_citadel\":{\"pattern\":{"
                       "\"FAIR_VALUE_GAP_FILL\":{\"closed\":0,\"wins\":0,\"losses\":0,"
                       "\"timeouts\":0,\"expectancy_r\":null,\"sd_r\":null,\"avg_rr\":null}}}}}}\n";
    bitten_rstats_t seed[VENOM_PATTERN_COUNT];
    char err[200] = "";
    assert_int_equal(citadel_evidence_seed_parse(text, seed, err, sizeof err), 0);
    //  before_citadel is read (not after_citadel), OPEN trades are left out, and the figures
    //  come back to their rounding.
    bitten_rsummary_t s;
    bitten_rstats_summary(&seed[FVG], 0.1, &s);
    assert_int_equal(s.closed, 41);
    assert_int_equal(s.wins, 4);
    assert_int_equal(s.open, 0);
    assert_true(fabs(s.expectancy - -0.6132) < 1e-9);
    assert_true(fabs(s.sd - 0.9865) < 1e-9);
    assert_true(fabs(s.exp_lo - -0.9246) < 2e-4);
    assert_true(fabs(s.avg_rr - 2.0) < 1e-12);
    bitten_rstats_summary(&seed[MB], 0.1, &s);
    assert_int_equal(s.closed, 34);
    //  A pattern not listed is empty.
    bitten_rstats_summary(&seed[VENOM_BB_SCALP], 0.1, &s);
    assert_int_equal(s.closed, 0);
    //  And the gate reads it as the report does: FVG negative, MB's interval spans 0.
    citadel_params_t p;
    citadel_params_default(&p);
    assert_int_equal(citadel_evidence_check(&p, &seed[FVG], NULL), BITTEN_R_NEGATIVE_EXPECTANCY);
    assert_int_equal(citadel_evidence_check(&p, &seed[MB], NULL), BITTEN_R_NEGATIVE_EXPECTANCY);
    p.evidence_min_lower_r = -0.4;
    assert_int_equal(citadel_evidence_check(&p, &seed[MB], NULL), BITTEN_R_OK);
    assert_int_equal(citadel_evidence_check(&p, &seed[FVG], NULL), BITTEN_R_NEGATIVE_EXPECTANCY);
}

static void test_a_live_record_seeds_too(void **state)
{
    //  `bittenctl signals --stats` pretty-printed over several lines (the whole text parses).
    const char *text = "{\n  \"ok\": true,\n  \"stats\": {\n    \"pattern\": {\n"
                       "      \"FAIR_VALUE_GAP_FILL\": " S_FVG_FIGURES "\n    }\n  }\n}\n";
    bitten_rstats_t seed[VENOM_PATTERN_COUNT];
    char err[200] = "";
    assert_int_equal(citadel_evidence_seed_parse(text, seed, err, sizeof err), 0);
    assert_int_equal(seed[FVG].n[BITTEN_OUTCOME_LOSS], 31);
    //  The inner object alone.
    assert_int_equal(citadel_evidence_seed_parse("{\"pattern\":{\"MOMENTUM_BURST\":" S_MB_FIGURES
                                                 "}}",
                                                 seed, err, sizeof err),
                     0);
    assert_int_equal(seed[MB].n[BITTEN_OUTCOME_TIMEOUT], 8);
    assert_int_equal(seed[FVG].n[BITTEN_OUTCOME_LOSS], 0); /* replaced, not merged */
}

static void test_bad_seeds_are_refused_with_the_seed_untouched(void **state)
{
    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"", "not JSON"},
        {"garbage\n", "not JSON"},
        {"[1,2]", "no per-pattern record"},
        {"{\"pattern\":[]}", "no per-pattern record"},
        {"{\"pattern\":{\"NOPE\":{}}}", "unknown pattern: NOPE"},
        {"{\"pattern\":{\"BB_SCALP\":7}}", "counts"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":1,\"wins\":1,\"losses\":0}}}", "counts"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":1,\"wins\":-1,\"losses\":2,\"timeouts\":0}}}",
         "counts"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":1.5,\"wins\":1,\"losses\":0,\"timeouts\":0}}}",
         "counts"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":3,\"wins\":1,\"losses\":1,\"timeouts\":0}}}",
         "closed != wins + losses + timeouts"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":2,\"wins\":1,\"losses\":1,\"timeouts\":0,"
         "\"expectancy_r\":0.5,\"avg_rr\":2}}}",
         "sd_r"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":2,\"wins\":1,\"losses\":1,\"timeouts\":0,"
         "\"expectancy_r\":null,\"sd_r\":1,\"avg_rr\":2}}}",
         "not finite"},
        {"{\"pattern\":{\"BB_SCALP\":{\"closed\":2,\"wins\":1,\"losses\":1,\"timeouts\":0,"
         "\"expectancy_r\":\"0.5\",\"sd_r\":1,\"avg_rr\":2}}}",
         "expectancy_r"},
        {"{\"pattern\":{\"BB_SCALP\":" S_MB_FIGURES ",\"BB_SCALP\":" S_MB_FIGURES "}}",
         "not JSON"}, /* a duplicate key: which one would count? */
    };
    bitten_rstats_t seed[VENOM_PATTERN_COUNT], before[VENOM_PATTERN_COUNT];
    memset(seed, 0x5a, sizeof seed);
    memcpy(before, seed, sizeof seed);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[200] = "";
        if (citadel_evidence_seed_parse(bad[i].text, seed, err, sizeof err) != -1)
            fail_msg("accepted seed %zu: %s", i, bad[i].text);
        if (!strstr(err, bad[i].needle))
            fail_msg("seed %zu: '%s' does not say '%s'", i, err, bad[i].needle);
        assert_memory_equal(seed, before, sizeof seed);
    }
    assert_int_equal(citadel_evidence_seed_parse(NULL, seed, NULL, 0), -1);
}

//  The seed CITADEL's demo ships (config/demo.cfg) is a current report of the shared M5 data:
//  it parses and gates as the demo's header says (MOMENTUM_BURST passes at the demo floor).
static void test_the_demo_seed_parses_and_gates_as_documented(void **state)
{
    FILE *f = fopen(BITTEN_SOURCE_DIR "/config/demo_evidence_seed.json", "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    bitten_rstats_t seed[VENOM_PATTERN_COUNT];
    char err[200] = "";
    if (citadel_evidence_seed_parse(text, seed, err, sizeof err) != 0)
        fail_msg("%s", err);
    citadel_params_t p;
    citadel_params_default(&p);
    for (int i = 0; i < VENOM_PATTERN_COUNT; i++) /* production floor: every one gated */
        assert_int_not_equal(citadel_evidence_check(&p, &seed[i], NULL), BITTEN_R_OK);
    p.evidence_min_lower_r = -0.4; /* the demo's relaxed floor */
    assert_int_equal(citadel_evidence_check(&p, &seed[MB], NULL), BITTEN_R_OK);
    assert_int_equal(citadel_evidence_check(&p, &seed[FVG], NULL), BITTEN_R_NEGATIVE_EXPECTANCY);
    assert_int_equal(citadel_evidence_check(&p, &seed[VENOM_BB_SCALP], NULL),
                     BITTEN_R_EVIDENCE_INSUFFICIENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_replay_report_seeds_each_pattern),
        cmocka_unit_test(test_a_live_record_seeds_too),
        cmocka_unit_test(test_bad_seeds_are_refused_with_the_seed_untouched),
        cmocka_unit_test(test_the_demo_seed_parses_and_gates_as_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
