/*  evidence.c: reading a report back into per-pattern records (evidence.h). */
#include "modules/citadel/evidence.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static int s_fail(char *err, size_t errlen, const char *what, const char *name)
{
    if (err && errlen)
        snprintf(err, errlen, "%s%s%.40s", what, name ? ": " : "", name ? name : "");
    return -1;
}

//  The whole text as JSON, else its last non-empty line.
static json_t *s_load(const char *text)
{
    json_error_t jerr;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (o)
        return o;
    size_t end = strlen(text);
    while (end > 0 && strchr(" \t\r\n", text[end - 1]))
        end--;
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    return end > start ? json_loadb(text + start, end - start, JSON_REJECT_DUPLICATES, &jerr)
                       : NULL;
}

static json_t *s_path(json_t *o, const char *const *keys, size_t n)
{
    for (size_t i = 0; o && i < n; i++)
        o = json_object_get(o, keys[i]);
    return json_is_object(o) ? o : NULL;
}

static bool s_count(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

//  A number, or NAN for null; false when absent or another type.
static bool s_figure(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_null(v)) {
        *out = NAN;
        return true;
    }
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

static int s_pattern_index(const char *name)
{
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++)
        if (strcmp(venom_pattern_str((venom_pattern_t)p), name) == 0)
            return p;
    return -1;
}

int citadel_evidence_seed_parse(const char *text, bitten_rstats_t seed[VENOM_PATTERN_COUNT],
                                char *err, size_t errlen)
{
    if (!text || !seed)
        return s_fail(err, errlen, "no text", NULL);
    json_t *doc = s_load(text);
    if (!doc)
        return s_fail(err, errlen, "not JSON (neither the whole file nor its last line)", NULL);
    static const char *const report[] = {"summary", "outcomes", "before_citadel", "pattern"};
    static const char *const stats[] = {"stats", "pattern"};
    static const char *const inner[] = {"pattern"};
    json_t *by = s_path(doc, report, 4);
    by = by ? by : s_path(doc, stats, 2);
    by = by ? by : s_path(doc, inner, 1);
    bitten_rstats_t next[VENOM_PATTERN_COUNT];
    memset(next, 0, sizeof next);
    int rc = by ? 0
                : s_fail(err, errlen,
                         "no per-pattern record (summary.outcomes.before_citadel.pattern, "
                         "stats.pattern or pattern)",
                         NULL);
    const char *name;
    json_t *fig;
    json_object_foreach(by, name, fig)
    {
        if (rc != 0)
            break;
        int p = s_pattern_index(name);
        uint64_t wins, losses, timeouts, closed;
        double exp_r, sd_r, avg_rr;
        if (p < 0)
            rc = s_fail(err, errlen, "unknown pattern", name);
        else if (!json_is_object(fig) || !s_count(fig, "wins", &wins) ||
                 !s_count(fig, "losses", &losses) || !s_count(fig, "timeouts", &timeouts) ||
                 !s_count(fig, "closed", &closed))
            rc = s_fail(err, errlen, "counts (wins, losses, timeouts, closed) not all >= 0 integers for",
                        name);
        else if (closed != wins + losses + timeouts)
            rc = s_fail(err, errlen, "closed != wins + losses + timeouts for", name);
        else if (!s_figure(fig, "expectancy_r", &exp_r) || !s_figure(fig, "sd_r", &sd_r) ||
                 !s_figure(fig, "avg_rr", &avg_rr) ||
                 bitten_rstats_from_figures(&next[p], wins, losses, timeouts, exp_r, sd_r,
                                            avg_rr) != 0)
            rc = s_fail(err, errlen, "expectancy_r, sd_r or avg_rr missing or not finite for",
                        name);
    }
    json_decref(doc);
    if (rc == 0)
        memcpy(seed, next, sizeof next);
    return rc;
}
