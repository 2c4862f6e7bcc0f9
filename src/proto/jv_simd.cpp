// jv_simd.cpp: simdjson's DOM parse of a frame into the value array (jv.h), and the array.
// C++ only here (libsimdjson is C++); everything outside this file sees the C API of jv.h.
#include <simdjson.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "proto/jv.h"

namespace {

// Past this many values the array is given back after the frame (a big candle_batch), so
// one large frame does not keep its memory for the life of the thread.
constexpr size_t KEEP_NODES = 8192;
// Past this the parser's buffers (a few times the frame) are given back the same way.
constexpr size_t KEEP_PARSER_BYTES = 262144;
// simdjson's DOM keeps a container's member count in 24 bits: size() saturates there.
constexpr size_t COUNT_SATURATED = 0xFFFFFF;

struct Nodes {
    proto_jv_t *v = nullptr;
    size_t cap = 0, used = 0;
    ~Nodes() { std::free(v); }
};

struct Padded {
    char *buf = nullptr;
    size_t cap = 0;
    ~Padded() { std::free(buf); }
};

thread_local Nodes nodes;
thread_local Padded padded;
thread_local simdjson::dom::parser parser;

enum Built { BUILT = 0, JANSSON = 1, NO_MEMORY = -1 };

// A string or key jansson would refuse or read differently: one with a NUL in it (\u0000).
bool has_nul(std::string_view s)
{
    return std::memchr(s.data(), '\0', s.size()) != nullptr;
}

Built build(const simdjson::dom::element &e, uint32_t at);

Built build_members(const simdjson::dom::element &e, uint32_t at, bool object)
{
    simdjson::dom::array a;
    simdjson::dom::object o;
    if (object ? e.get_object().get(o) != simdjson::SUCCESS : e.get_array().get(a) != simdjson::SUCCESS)
        return JANSSON;
    size_t n = object ? o.size() : a.size();
    if (n >= COUNT_SATURATED) { // size() says "this many or more": count them
        n = 0;
        if (object)
            for (simdjson::dom::key_value_pair m : o) {
                (void)m;
                n++;
            }
        else
            for (simdjson::dom::element m : a) {
                (void)m;
                n++;
            }
    }
    int64_t first = proto_jv_reserve(n);
    if (first < 0)
        return NO_MEMORY;
    nodes.v[at].u.first = static_cast<uint32_t>(first);
    nodes.v[at].len = static_cast<uint32_t>(n);
    uint32_t i = static_cast<uint32_t>(first);
    if (!object) {
        for (simdjson::dom::element m : a) {
            Built b = build(m, i++);
            if (b != BUILT)
                return b;
        }
        return BUILT;
    }
    for (simdjson::dom::key_value_pair m : o) {
        if (has_nul(m.key))
            return JANSSON;
        Built b = build(m.value, i);
        if (b != BUILT)
            return b;
        nodes.v[i].key = m.key.data(); // NUL-terminated in simdjson's string buffer
        nodes.v[i].key_len = static_cast<uint32_t>(m.key.size());
        i++;
    }
    return BUILT;
}

Built build(const simdjson::dom::element &e, uint32_t at)
{
    using T = simdjson::dom::element_type;
    proto_jv_t *node = &nodes.v[at];
    switch (e.type()) {
    case T::OBJECT:
        node->type = PROTO_JV_OBJECT;
        return build_members(e, at, true);
    case T::ARRAY:
        node->type = PROTO_JV_ARRAY;
        return build_members(e, at, false);
    case T::STRING: {
        std::string_view s;
        if (e.get_string().get(s) != simdjson::SUCCESS || has_nul(s))
            return JANSSON;
        node->type = PROTO_JV_STRING;
        node->u.s = s.data();
        node->len = static_cast<uint32_t>(s.size());
        return BUILT;
    }
    case T::INT64: {
        int64_t i;
        if (e.get_int64().get(i) != simdjson::SUCCESS)
            return JANSSON;
        node->type = PROTO_JV_INTEGER;
        node->u.i = i;
        return BUILT;
    }
    case T::DOUBLE: {
        double d;
        if (e.get_double().get(d) != simdjson::SUCCESS)
            return JANSSON;
        node->type = PROTO_JV_REAL;
        node->u.d = d;
        return BUILT;
    }
    case T::BOOL: {
        bool b;
        if (e.get_bool().get(b) != simdjson::SUCCESS)
            return JANSSON;
        node->type = b ? PROTO_JV_TRUE : PROTO_JV_FALSE;
        return BUILT;
    }
    case T::NULL_VALUE:
        node->type = PROTO_JV_NULL;
        return BUILT;
    case T::UINT64: // past int64: jansson refuses it, in its own words
    default:
        return JANSSON;
    }
}

} // namespace

extern "C" proto_jv_t *proto_jv_nodes(void)
{
    return nodes.v;
}

extern "C" int64_t proto_jv_reserve(size_t n)
{
    Nodes &s = nodes;
    if (n > UINT32_MAX - s.used)
        return -1;
    if (s.used + n > s.cap) {
        size_t cap = s.cap ? s.cap : 64;
        while (cap < s.used + n)
            cap *= 2;
        void *grown = std::realloc(s.v, cap * sizeof *s.v);
        if (grown == nullptr)
            return -1;
        s.v = static_cast<proto_jv_t *>(grown);
        s.cap = cap;
    }
    size_t first = s.used;
    std::memset(static_cast<void *>(s.v + first), 0, n * sizeof *s.v);
    s.used += n;
    return static_cast<int64_t>(first);
}

extern "C" size_t proto_jv_used(void)
{
    return nodes.used;
}

extern "C" void proto_jv_reset(void)
{
    nodes.used = 0;
    if (nodes.cap > KEEP_NODES) {
        std::free(nodes.v);
        nodes.v = nullptr;
        nodes.cap = 0;
    }
    if (parser.capacity() > KEEP_PARSER_BYTES)
        parser = simdjson::dom::parser();
    if (padded.cap > KEEP_PARSER_BYTES) {
        std::free(padded.buf);
        padded.buf = nullptr;
        padded.cap = 0;
    }
}

extern "C" int proto_jv_simd_build(const char *data, size_t len, uint32_t *root_index)
{
    try {
        // simdjson reads up to SIMDJSON_PADDING bytes past the frame: one copy into a buffer
        // that has them (the frame is at most feedback.max_frame_bytes).
        size_t need = len + simdjson::SIMDJSON_PADDING;
        if (need < len)
            return NO_MEMORY;
        if (need > padded.cap) {
            char *grown = static_cast<char *>(std::realloc(padded.buf, need));
            if (grown == nullptr)
                return NO_MEMORY;
            padded.buf = grown;
            padded.cap = need;
        }
        std::memcpy(padded.buf, data, len);
        std::memset(padded.buf + len, 0, simdjson::SIMDJSON_PADDING);
        simdjson::dom::element root;
        simdjson::error_code err = parser.parse(padded.buf, len, false).get(root);
        if (err == simdjson::MEMALLOC)
            return NO_MEMORY;
        if (err)
            return JANSSON;
        int64_t top = proto_jv_reserve(1);
        if (top < 0)
            return NO_MEMORY;
        Built b = build(root, static_cast<uint32_t>(top));
        if (b == BUILT)
            *root_index = static_cast<uint32_t>(top);
        return b;
    } catch (const std::bad_alloc &) {
        return NO_MEMORY;
    } catch (...) {
        return JANSSON;
    }
}
