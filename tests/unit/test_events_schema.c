/*  test_events_schema.c: the events table (src/core/events_schema.c) against the code that
 *  publishes and against docs/events.md: every published topic is in it, nothing in it is
 *  unpublished, the doc is generated from it, and the check refuses what it should. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "doc_check.h"

#include "bitten/events.h"
#include "bitten/trading.h"

/* ---------------------------------------------------------------- scanning the sources */

#define MAX_TOPICS 128

typedef struct {
    char topics[MAX_TOPICS][64];
    char where[MAX_TOPICS][128];
    size_t n;
} s_found_t;

static void s_add(s_found_t *f, const char *topic, size_t len, const char *file)
{
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->topics[i]) == len && strncmp(f->topics[i], topic, len) == 0)
            return;
    assert_true(f->n < MAX_TOPICS);
    snprintf(f->topics[f->n], sizeof f->topics[0], "%.*s", (int)len, topic);
    snprintf(f->where[f->n], sizeof f->where[0], "%s", file);
    f->n++;
}

//  Every string literal in the topic argument of each bitten_core_emit( call: the text from
//  the first comma to the next comma at the call's own parenthesis depth.
static void s_scan_text(s_found_t *f, const char *text, const char *file)
{
    static const char call[] = "bitten_core_emit(";
    for (const char *p = strstr(text, call); p; p = strstr(p + 1, call)) {
        if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
            continue;
        const char *q = p + strlen(call);
        int depth = 0;
        while (*q && !(depth == 0 && *q == ',')) { /* skip the core argument */
            depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
            q++;
        }
        if (!*q)
            break;
        for (q++; *q && !(depth == 0 && (*q == ',' || *q == ')')); q++) {
            depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
            if (*q == '"') {
                const char *end = strchr(q + 1, '"');
                if (!end)
                    break;
                s_add(f, q + 1, (size_t)(end - q - 1), file);
                q = end;
            }
        }
    }
}

static void s_scan_dir(s_found_t *f, const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            s_scan_dir(f, path);
        else if (n > 2 && strcmp(e->d_name + n - 2, ".c") == 0) {
            FILE *in = fopen(path, "r");
            assert_non_null(in);
            char *text = calloc(1, (size_t)st.st_size + 1);
            assert_non_null(text);
            assert_int_equal(fread(text, 1, (size_t)st.st_size, in), (size_t)st.st_size);
            fclose(in);
            s_scan_text(f, text, path);
            free(text);
        }
    }
    closedir(d);
}

//  The literal topics, plus "fire.<state>" for every state (the router builds that name).
static void s_published(s_found_t *f)
{
    memset(f, 0, sizeof *f);
    s_scan_dir(f, BITTEN_SOURCE_DIR "/src");
    for (int st = 0; st < BITTEN_FIRE_STATE_COUNT_; st++) {
        char topic[64];
        snprintf(topic, sizeof topic, "fire.%s", bitten_fire_state_str((bitten_fire_state_t)st));
        for (char *c = topic; *c; c++)
            *c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
        s_add(f, topic, strlen(topic), "src/modules/fire_router/fire_router.c (fire.<state>)");
    }
}

static void test_every_published_topic_is_in_the_table(void **state)
{
    s_found_t f;
    s_published(&f);
    assert_true(f.n >= 20); /* the scan found the emits (a broken scan finds none) */
    int missing = 0;
    for (size_t i = 0; i < f.n; i++)
        if (!bitten_event_topic_find(f.topics[i])) {
            fprintf(stderr, "topic '%s' (%s) is not in src/core/events_schema.c\n", f.topics[i],
                    f.where[i]);
            missing++;
        }
    assert_int_equal(missing, 0);
}

static void test_every_topic_in_the_table_is_published(void **state)
{
    s_found_t f;
    s_published(&f);
    int stale = 0;
    for (const bitten_event_topic_t *t = bitten_event_topics; t->topic; t++) {
        bool found = false;
        for (size_t i = 0; i < f.n && !found; i++)
            found = strcmp(f.topics[i], t->topic) == 0;
        if (!found) {
            fprintf(stderr, "topic '%s' is in the table but nothing publishes it\n", t->topic);
            stale++;
        }
    }
    assert_int_equal(stale, 0);
}

static void test_the_scan_sees_a_ternary_topic(void **state)
{
    s_found_t f;
    memset(&f, 0, sizeof f);
    s_scan_text(&f, "bitten_core_emit(self->core, on ? \"a.on\" : \"a.off\",\n json_pack(\"{s:s}\", "
                    "\"x\", y)); bitten_core_emit(core, \"b\", o);", "t.c");
    assert_int_equal(f.n, 3);
    assert_string_equal(f.topics[0], "a.on");
    assert_string_equal(f.topics[1], "a.off");
    assert_string_equal(f.topics[2], "b");
}

/* ---------------------------------------------------------------- the doc */

static void test_events_doc_matches_the_table(void **state)
{
    assert_true(doc_section_matches(BITTEN_SOURCE_DIR "/docs/events.md", "EVENTS",
                                    bitten_events_write_doc,
                                    "scripts/regen-events-doc build/bittend"));
}

/* ---------------------------------------------------------------- the check */

static int s_check(const char *topic, const char *body_json)
{
    json_error_t jerr;
    json_t *body = json_loads(body_json, 0, &jerr);
    assert_non_null(body);
    char why[160];
    int rc = bitten_event_check(topic, body, why, sizeof why);
    json_decref(body);
    return rc;
}

static void test_check_accepts_a_well_formed_event(void **state)
{
    assert_int_equal(s_check("ea.online", "{\"uuid\":\"u\",\"last_seen\":\"t\",\"why\":\"first_frame\","
                                          "\"seq\":3,\"ts\":\"t\"}"),
                     0);
    assert_int_equal(s_check("daemon.stopping", "{\"why\":\"stop\"}"), 0);
}

static void test_check_refuses_an_unknown_topic_or_field(void **state)
{
    assert_int_equal(s_check("ea.sideways", "{}"), -1);
    assert_int_equal(s_check("daemon.stopping", "{\"why\":\"stop\",\"extra\":1}"), -1);
}

static void test_check_refuses_a_wrong_type_a_null_or_a_missing_field(void **state)
{
    assert_int_equal(s_check("daemon.stopping", "{\"why\":1}"), -1);
    assert_int_equal(s_check("daemon.stopping", "{\"why\":null}"), -1);
    assert_int_equal(s_check("daemon.stopping", "{}"), -1);
    //  An integer field refuses a real; a number field takes both.
    assert_int_equal(s_check("xp.rank_up", "{\"uuid\":\"u\",\"rank\":\"r\",\"from\":\"f\","
                                           "\"total\":1.5}"),
                     -1);
    assert_int_equal(s_check("risk.drawdown_warn", "{\"uuid\":\"u\",\"drawdown_pct\":12,"
                                                   "\"peak_equity\":1.5,\"equity\":1}"),
                     0);
}

static void test_a_nullable_field_takes_null_but_not_another_type(void **state)
{
    //  margin_level is a number or null, never "none".
    const bitten_event_topic_t *t = bitten_event_topic_find("account.update");
    assert_non_null(t);
    const bitten_event_field_t *ml = NULL;
    for (const bitten_event_field_t *f = t->fields; f->name; f++)
        if (strcmp(f->name, "margin_level") == 0)
            ml = f;
    assert_non_null(ml);
    assert_int_equal(ml->type, BITTEN_EVF_NUMBER);
    assert_int_equal(ml->presence, BITTEN_EVF_NULLABLE);
    assert_int_equal(s_check("daemon.started", "{\"version\":\"1\",\"pid\":1,\"heartbeat_s\":5}"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_published_topic_is_in_the_table),
        cmocka_unit_test(test_every_topic_in_the_table_is_published),
        cmocka_unit_test(test_the_scan_sees_a_ternary_topic),
        cmocka_unit_test(test_events_doc_matches_the_table),
        cmocka_unit_test(test_check_accepts_a_well_formed_event),
        cmocka_unit_test(test_check_refuses_an_unknown_topic_or_field),
        cmocka_unit_test(test_check_refuses_a_wrong_type_a_null_or_a_missing_field),
        cmocka_unit_test(test_a_nullable_field_takes_null_but_not_another_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
