/*  jv_canon.h: a parsed tree (src/proto/jv.h) as one canonical text, so two parses of the same
 *  frame can be compared byte for byte (test_jv.c, fuzz_decode.c). Header-only, tests only. */
#ifndef BITTEN_TEST_JV_CANON_H
#define BITTEN_TEST_JV_CANON_H

#include <stdio.h>
#include <string.h>

#include "proto/jv.h"

typedef struct {
    char *buf;
    size_t cap, len;
    bool full;
} jv_canon_t;

static void jv_canon_put(jv_canon_t *c, const char *s, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        c->full = true;
        return;
    }
    memcpy(c->buf + c->len, s, n);
    c->len += n;
    c->buf[c->len] = '\0';
}

/*  Types, keys in order, exact number bits, string bytes with their lengths. */
static void jv_canon_value(jv_canon_t *c, const proto_jv_t *v)
{
    char tmp[64];
    switch (v->type) {
    case PROTO_JV_NULL:
        jv_canon_put(c, "n", 1);
        break;
    case PROTO_JV_TRUE:
        jv_canon_put(c, "t", 1);
        break;
    case PROTO_JV_FALSE:
        jv_canon_put(c, "f", 1);
        break;
    case PROTO_JV_INTEGER:
        jv_canon_put(c, tmp, (size_t)snprintf(tmp, sizeof tmp, "i%lld", (long long)v->u.i));
        break;
    case PROTO_JV_REAL: {
        unsigned long long bits;
        memcpy(&bits, &v->u.d, sizeof bits);
        jv_canon_put(c, tmp, (size_t)snprintf(tmp, sizeof tmp, "r%llx", bits));
        break;
    }
    case PROTO_JV_STRING: {
        int n = snprintf(tmp, sizeof tmp, "s%u:", v->len);
        jv_canon_put(c, tmp, (size_t)n);
        jv_canon_put(c, v->u.s, v->len);
        if (strlen(v->u.s) != v->len)
            jv_canon_put(c, "!NUL", 4);
        break;
    }
    case PROTO_JV_ARRAY:
    case PROTO_JV_OBJECT: {
        /* An object's member count is what its distinct keys say (duplicates folded). */
        int n = v->type == PROTO_JV_ARRAY ? snprintf(tmp, sizeof tmp, "[%u", v->len)
                                          : snprintf(tmp, sizeof tmp, "{");
        jv_canon_put(c, tmp, (size_t)n);
        /* An object as its readers see it: each key once, where it first appears, with the
         * value proto_jv_get finds (the last), as jansson keeps a duplicate key. */
        for (uint32_t i = 0; i < v->len; i++) {
            const proto_jv_t *m = proto_jv_at(v, i);
            bool seen = false;
            for (uint32_t j = 0; v->type == PROTO_JV_OBJECT && j < i && !seen; j++)
                seen = proto_jv_at(v, j)->key_len == m->key_len &&
                       memcmp(proto_jv_at(v, j)->key, m->key, m->key_len) == 0;
            if (seen)
                continue;
            if (v->type == PROTO_JV_OBJECT) {
                const proto_jv_t *last = m;
                for (uint32_t j = i + 1; j < v->len; j++)
                    if (proto_jv_at(v, j)->key_len == m->key_len &&
                        memcmp(proto_jv_at(v, j)->key, m->key, m->key_len) == 0)
                        last = proto_jv_at(v, j);
                jv_canon_put(c, tmp, (size_t)snprintf(tmp, sizeof tmp, " k%u:", m->key_len));
                jv_canon_put(c, m->key, m->key_len);
                jv_canon_put(c, "=", 1);
                jv_canon_value(c, last);
            } else {
                jv_canon_put(c, " ", 1);
                jv_canon_value(c, m);
            }
        }
        jv_canon_put(c, v->type == PROTO_JV_ARRAY ? "]" : "}", 1);
        break;
    }
    default:
        jv_canon_put(c, "?", 1);
    }
}

/*  The canonical text of root into buf (NUL-terminated); false if it did not fit. */
static bool jv_canon(const proto_jv_t *root, char *buf, size_t cap)
{
    jv_canon_t c = {buf, cap, 0, false};
    buf[0] = '\0';
    jv_canon_value(&c, root);
    return !c.full;
}

#endif
