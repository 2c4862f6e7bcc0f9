/*  ea_json.c: the EAs' naive JSON reader (ea_json.h). */
#include "ea_json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_VALUE_MAX 4097

size_t ea_json_frame(const void *data, size_t len, ea_json_flavor_t flavor, char *out, size_t size)
{
    size_t max = flavor == EA_JSON_V7 ? EA_JSON_V7_RECV_MAX : EA_JSON_V2_RECV_MAX;
    if (len > max)
        len = max;
    if (size == 0)
        return 0;
    if (len > size - 1)
        len = size - 1;
    const char *nul = memchr(data, '\0', len);
    if (nul)
        len = (size_t)(nul - (const char *)data);
    memcpy(out, data, len);
    out[len] = '\0';
    return len;
}

static bool s_stops(char ch, ea_json_flavor_t flavor)
{
    if (ch == ',' || ch == '}')
        return true;
    if (flavor == EA_JSON_V7)
        return ch == ' ' || ch == '\r' || ch == '\n';
    return ch == ']';
}

static void s_copy(char *out, size_t size, const char *from, size_t len)
{
    if (size == 0)
        return;
    if (len > size - 1)
        len = size - 1;
    memcpy(out, from, len);
    out[len] = '\0';
}

bool ea_json_get(const char *json, const char *key, ea_json_flavor_t flavor, char *out, size_t size)
{
    if (size)
        out[0] = '\0';
    size_t klen = strlen(key);
    char *pattern = malloc(klen + 4);
    if (!pattern)
        return false;
    snprintf(pattern, klen + 4, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    free(pattern);
    if (!at)
        return false;
    const char *p = at + klen + 3;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"') {
        p++;
        const char *end = strchr(p, '"');
        if (!end) /* v7 gives up; v2.x takes the rest of the text */
            end = flavor == EA_JSON_V7 ? p : p + strlen(p);
        s_copy(out, size, p, (size_t)(end - p));
        return true;
    }
    const char *end = p;
    while (*end && !s_stops(*end, flavor))
        end++;
    s_copy(out, size, p, (size_t)(end - p));
    return true;
}

/*  The leading decimal number of text (sign, digits, one point, an exponent), else 0. */
static double s_to_double(const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return 0.0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return 0.0; /* no hex floats */
    return strtod(text, NULL);
}

double ea_json_double(const char *json, const char *key, ea_json_flavor_t flavor)
{
    char value[S_VALUE_MAX];
    ea_json_get(json, key, flavor, value, sizeof value);
    return s_to_double(value);
}

long long ea_json_int(const char *json, const char *key, ea_json_flavor_t flavor)
{
    char value[S_VALUE_MAX];
    ea_json_get(json, key, flavor, value, sizeof value);
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p) && !((*p == '-' || *p == '+') && isdigit((unsigned char)p[1])))
        return 0;
    return strtoll(p, NULL, 10);
}
