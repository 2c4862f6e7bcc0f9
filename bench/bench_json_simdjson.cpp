// bench_json_simdjson.cpp: bench_json's simdjson shim (Debian libsimdjson-dev), DOM and
// On-Demand. Bench only; the frames carry BJ_PADDING bytes of slack, so nothing is copied.
#include <simdjson.h>

#include "bench_json.h"

using namespace simdjson;

extern "C" int bj_simdjson_dom(const bj_frame_t *f, bj_out_t *out)
{
    static dom::parser parser;
    dom::element root;
    if (parser.parse(f->text, f->len, false).get(root))
        return -1;
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        dom::element v;
        if (fd->parent ? root[fd->parent][fd->key].get(v) : root[fd->key].get(v))
            continue;
        if (fd->kind == 's') {
            std::string_view s;
            if (!v.get_string().get(s))
                bj_take_str(out, s.data(), s.size());
        } else {
            double d;
            if (!v.get_double().get(d)) {
                out->sum += d;
                out->found++;
            }
        }
    }
    return 0;
}

// On-Demand: lazy; only what is read is parsed (stage 1 still checks the UTF-8 of all of it).
extern "C" int bj_simdjson_ondemand(const bj_frame_t *f, bj_out_t *out)
{
    static ondemand::parser parser;
    ondemand::document doc;
    if (parser.iterate(padded_string_view(f->text, f->len, f->len + BJ_PADDING)).get(doc))
        return -1;
    ondemand::object root;
    if (doc.get_object().get(root))
        return -1;
    const char *open = nullptr;
    ondemand::object sub;
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        ondemand::value v;
        if (fd->parent) {
            if (!open || std::strcmp(open, fd->parent)) {
                if (root.find_field_unordered(fd->parent).get_object().get(sub))
                    return -1;
                open = fd->parent;
            }
        }
        error_code e = (fd->parent ? sub : root).find_field_unordered(fd->key).get(v);
        if (e == NO_SUCH_FIELD)
            continue;
        if (e)
            return -1;
        if (fd->kind == 's') {
            std::string_view s;
            if (v.get_string().get(s))
                return -1;
            bj_take_str(out, s.data(), s.size());
        } else {
            double d;
            if (v.get_double().get(d))
                return -1;
            out->sum += d;
            out->found++;
        }
    }
    return 0;
}
