/*  jv.c: a frame's value array, built by simdjson when it can and by jansson when it must.
 *  jansson stays the judge: simdjson's fast path only takes frames it reads as jansson does. */
#include "proto/jv.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct {
    json_t *tree; /* the last fallback parse, kept while its strings are read */
    proto_jv_stats_t stats;
} s_state_t;

static _Thread_local s_state_t s_state;

/* ---------------------------------------------------------------- jansson's per-frame arena */

/*  jansson allocates every value, key and hash table of a frame and frees them all again at
 *  json_decref; malloc/free of those was ~20 % of a telemetry decode. While this thread
 *  parses a frame, jansson's allocations come from a per-thread bump arena that is reset
 *  when the frame's tree is freed; past the arena (a big candle_batch) they fall back to
 *  malloc. The hooks are process-wide (json_set_alloc_funcs), so they serve every other
 *  jansson user too: outside a parse (or on another thread) they are malloc and free, and
 *  free is a no-op only for addresses inside this thread's arena. Nothing of a parsed tree
 *  outlives the frame's decode (fields are copied into the frame struct). */
#define S_ARENA_BYTES 32768

typedef struct {
    _Alignas(16) unsigned char buf[S_ARENA_BYTES];
    size_t used;
    bool on;
    bool spilled; /* this parse took memory from malloc too: its tree must be json_decref'd */
} s_arena_t;

static _Thread_local s_arena_t s_arena;
static pthread_once_t s_arena_once = PTHREAD_ONCE_INIT;

static void *s_arena_malloc(size_t size)
{
    s_arena_t *a = &s_arena;
    size_t need = (size + 15) & ~(size_t)15;
    if (a->on && need >= size && need <= S_ARENA_BYTES - a->used) {
        void *p = a->buf + a->used;
        a->used += need;
        return p;
    }
    if (a->on)
        a->spilled = true;
    return malloc(size);
}

static void s_arena_free(void *p)
{
    const unsigned char *b = p, *buf = s_arena.buf;
    if (b >= buf && b < buf + S_ARENA_BYTES)
        return; /* reclaimed all at once when the frame is done */
    free(p);
}

static void s_arena_install(void)
{
    json_set_alloc_funcs(s_arena_malloc, s_arena_free);
}

//  Frees the last fallback tree. A tree wholly in the arena needs no json_decref walk (it
//  would only call s_arena_free, a no-op there): the reset frees it.
static void s_tree_free(void)
{
    if (s_state.tree != NULL && s_arena.spilled)
        json_decref(s_state.tree);
    s_state.tree = NULL;
    s_arena.on = false;
    s_arena.used = 0;
    s_arena.spilled = false;
}

/* ---------------------------------------------------------------- jansson's tree -> values */

static int s_from_tree(const json_t *v, uint32_t at);

static int s_members(const json_t *v, uint32_t at)
{
    size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
    int64_t first = proto_jv_reserve(n);
    if (first < 0)
        return -1;
    proto_jv_t *node = proto_jv_nodes() + at;
    node->u.first = (uint32_t)first;
    node->len = (uint32_t)n;
    if (json_is_array(v)) {
        for (size_t i = 0; i < n; i++)
            if (s_from_tree(json_array_get(v, i), (uint32_t)first + (uint32_t)i) != 0)
                return -1;
        return 0;
    }
    size_t i = 0;
    const char *key;
    const json_t *m;
    json_object_foreach ((json_t *)v, key, m) {
        if (s_from_tree(m, (uint32_t)first + (uint32_t)i) != 0)
            return -1;
        proto_jv_t *member = proto_jv_nodes() + first + i;
        member->key = key;
        member->key_len = (uint32_t)strlen(key);
        i++;
    }
    return 0;
}

static int s_from_tree(const json_t *v, uint32_t at)
{
    proto_jv_t *node = proto_jv_nodes() + at;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        node->type = PROTO_JV_OBJECT;
        return s_members(v, at);
    case JSON_ARRAY:
        node->type = PROTO_JV_ARRAY;
        return s_members(v, at);
    case JSON_STRING:
        node->type = PROTO_JV_STRING;
        node->u.s = json_string_value(v);
        node->len = (uint32_t)json_string_length(v);
        return 0;
    case JSON_INTEGER:
        node->type = PROTO_JV_INTEGER;
        node->u.i = json_integer_value(v);
        return 0;
    case JSON_REAL:
        node->type = PROTO_JV_REAL;
        node->u.d = json_real_value(v);
        return 0;
    case JSON_TRUE:
        node->type = PROTO_JV_TRUE;
        return 0;
    case JSON_FALSE:
        node->type = PROTO_JV_FALSE;
        return 0;
    default:
        node->type = PROTO_JV_NULL;
        return 0;
    }
}

//  Once the array stops growing, each container points at its members (the readers then need
//  no lookup of the thread's array). Members always follow their container.
static const proto_jv_t *s_link(uint32_t top)
{
    proto_jv_t *nodes = proto_jv_nodes();
    size_t used = proto_jv_used();
    for (size_t i = top; i < used; i++)
        if (nodes[i].type == PROTO_JV_ARRAY || nodes[i].type == PROTO_JV_OBJECT)
            nodes[i].u.kids = nodes + nodes[i].u.first;
    return nodes + top;
}

static int s_fallback(const char *data, size_t len, const proto_jv_t **root, json_error_t *je)
{
    s_state.stats.fallback++;
    proto_jv_reset(); /* what simdjson built of it, if anything */
    pthread_once(&s_arena_once, s_arena_install);
    s_arena.used = 0;
    s_arena.on = true;
    s_arena.spilled = false;
    /* DECODE_ANY so that "42" is NOT_OBJECT rather than BAD_JSON. Duplicate keys are not
     * fatal: the last one wins, as in most JSON readers the EA side may be tested with. */
    s_state.tree = json_loadb(data, len, JSON_DECODE_ANY, je);
    s_arena.on = false; /* the tree is read, not grown, from here on */
    if (s_state.tree == NULL)
        return -1;
    int64_t top = proto_jv_reserve(1);
    if (top < 0 || s_from_tree(s_state.tree, (uint32_t)top) != 0)
        return -2;
    *root = s_link((uint32_t)top);
    return 0;
}

/* ---------------------------------------------------------------- the entry */


static void s_trim(void)
{
    s_tree_free();
    proto_jv_reset();
}

void proto_jv_done(void)
{
    s_trim();
}

int proto_jv_parse(const char *data, size_t len, const proto_jv_t **root, json_error_t *je)
{
    s_trim();
    *root = NULL;
    uint32_t top = 0;
    int rc = proto_jv_simd_build(data, len, &top);
    if (rc == 0) {
        s_state.stats.fast++;
        *root = s_link(top);
        return 0;
    }
    return s_fallback(data, len, root, je);
}

int proto_jv_parse_jansson(const char *data, size_t len, const proto_jv_t **root,
                           json_error_t *je)
{
    s_trim();
    *root = NULL;
    return s_fallback(data, len, root, je);
}

proto_jv_stats_t proto_jv_stats(void)
{
    return s_state.stats;
}
