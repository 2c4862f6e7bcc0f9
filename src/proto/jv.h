/*  jv.h: one parsed frame as a flat array of values, the only tree the decoders read.
 *  simdjson builds it (fast path); jansson decides every frame simdjson does not take. */
#ifndef BITTEN_PROTO_JV_H
#define BITTEN_PROTO_JV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PROTO_JV_NULL,
    PROTO_JV_TRUE,
    PROTO_JV_FALSE,
    PROTO_JV_INTEGER,
    PROTO_JV_REAL,
    PROTO_JV_STRING,
    PROTO_JV_ARRAY,
    PROTO_JV_OBJECT,
} proto_jv_type_t;

/*  One value. A container's members are `len` consecutive values starting at `first`: an
 *  object's members carry their key. Strings and keys are NUL-terminated, hold no NUL and
 *  point into the parser's buffers, valid until the thread's next parse. */
typedef struct {
    const char *key; /* an object member's key, else NULL */
    union {
        int64_t i;     /* INTEGER */
        double d;      /* REAL */
        const char *s; /* STRING */
        uint32_t first; /* ARRAY, OBJECT while the array is built: the first member's index */
        const void *kids; /* ARRAY, OBJECT once parsed: the first member */
    } u;
    uint32_t key_len;
    uint32_t len; /* STRING: bytes; ARRAY, OBJECT: members (an object's duplicate keys
                   * count on simdjson's way, not on jansson's: read members by key only) */
    uint8_t type; /* proto_jv_type_t */
} proto_jv_t;

/*  Parses one frame into the calling thread's value array and points *root at its top value.
 *  Returns 0, -2 when memory for the values ran out, or -1 with *je filled by jansson (the refusal's wording and position are
 *  jansson's whichever parser looked first). A frame simdjson refuses or cannot represent
 *  exactly as jansson would (a \u0000, an integer past int64, more depth than simdjson
 *  takes) is parsed by jansson and then decoded from jansson's tree, so the accepted set and
 *  the values are jansson's. Any value of the last parse is invalid after the next. */
int proto_jv_parse(const char *data, size_t len, const proto_jv_t **root, json_error_t *je);

/*  The same parse by jansson alone: what the fast path must agree with (tests, fuzzing). */
int proto_jv_parse_jansson(const char *data, size_t len, const proto_jv_t **root,
                           json_error_t *je);

/*  Gives back what the last parse holds (a fallback tree, an outsized value array). The next
 *  parse does it too; calling it right after the decode frees it sooner. */
void proto_jv_done(void);

/*  Counters of this thread's parses, for tests and benches: how many frames took each way. */
typedef struct {
    uint64_t fast;     /* simdjson built the tree */
    uint64_t fallback; /* jansson parsed it (refused or accepted) */
} proto_jv_stats_t;
proto_jv_stats_t proto_jv_stats(void);

/*  The value array of the calling thread (the builders' side; jv_simd.cpp owns it, so a
 *  thread's array is freed when the thread ends). */
proto_jv_t *proto_jv_nodes(void);
/*  Reserves n consecutive zeroed values; returns the first's index or -1 (out of memory). */
int64_t proto_jv_reserve(size_t n);
/*  How many values the array holds. */
size_t proto_jv_used(void);
/*  Empties the array (and gives back an outsized one). */
void proto_jv_reset(void);

/*  simdjson's side (jv_simd.cpp): 0 and *root_index built, 1 when jansson must decide
 *  (simdjson refused it, or it holds what the value array cannot say as jansson would),
 *  -1 out of memory. */
int proto_jv_simd_build(const char *data, size_t len, uint32_t *root_index);

/* ---------------------------------------------------------------- readers (jansson-like) */

/*  Member i of a container of a finished parse. */
static inline const proto_jv_t *proto_jv_at(const proto_jv_t *v, size_t i)
{
    return (const proto_jv_t *)v->u.kids + i;
}

static inline bool proto_jv_is_null(const proto_jv_t *v)
{
    return v != NULL && v->type == PROTO_JV_NULL;
}

static inline bool proto_jv_is_string(const proto_jv_t *v)
{
    return v != NULL && v->type == PROTO_JV_STRING;
}

static inline bool proto_jv_is_integer(const proto_jv_t *v)
{
    return v != NULL && v->type == PROTO_JV_INTEGER;
}

static inline bool proto_jv_is_real(const proto_jv_t *v)
{
    return v != NULL && v->type == PROTO_JV_REAL;
}

static inline bool proto_jv_is_number(const proto_jv_t *v)
{
    return proto_jv_is_integer(v) || proto_jv_is_real(v);
}

static inline bool proto_jv_is_object(const proto_jv_t *v)
{
    return v != NULL && v->type == PROTO_JV_OBJECT;
}

static inline bool proto_jv_is_array(const proto_jv_t *v)
{
    return v != NULL && v->type == PROTO_JV_ARRAY;
}

static inline const char *proto_jv_string(const proto_jv_t *v)
{
    return proto_jv_is_string(v) ? v->u.s : NULL;
}

static inline size_t proto_jv_string_length(const proto_jv_t *v)
{
    return proto_jv_is_string(v) ? v->len : 0;
}

static inline int64_t proto_jv_integer(const proto_jv_t *v)
{
    return proto_jv_is_integer(v) ? v->u.i : 0;
}

static inline double proto_jv_real(const proto_jv_t *v)
{
    return proto_jv_is_real(v) ? v->u.d : 0.0;
}

/*  As json_number_value: an integer as a double, a real, else 0. */
static inline double proto_jv_number(const proto_jv_t *v)
{
    return proto_jv_is_integer(v) ? (double)v->u.i : proto_jv_real(v);
}

static inline size_t proto_jv_array_size(const proto_jv_t *v)
{
    return proto_jv_is_array(v) ? v->len : 0;
}

static inline const proto_jv_t *proto_jv_array_get(const proto_jv_t *v, size_t i)
{
    return proto_jv_is_array(v) && i < v->len ? proto_jv_at(v, i) : NULL;
}

/*  The member key of object v, or NULL. Of duplicate keys the last one wins, as jansson. */
static inline const proto_jv_t *proto_jv_get(const proto_jv_t *v, const char *key)
{
    if (!proto_jv_is_object(v))
        return NULL;
    size_t n = strlen(key);
    const proto_jv_t *m = proto_jv_at(v, 0);
    for (uint32_t i = v->len; i-- > 0;)
        if (m[i].key_len == n && m[i].key[0] == key[0] && memcmp(m[i].key, key, n) == 0)
            return &m[i];
    return NULL;
}

#ifdef __cplusplus
}
#endif

#endif
