// bench_json_rapidjson.cpp: bench_json's RapidJSON shim (Debian rapidjson-dev, header-only),
// strict UTF-8 (kParseValidateEncodingFlag), the values in a pool over a static buffer (the
// arena, as jansson_arena), the parse stack reused.
#include <cstring>

#include <rapidjson/document.h>

#include "bench_json.h"

using namespace rapidjson;

extern "C" int bj_rapidjson(const bj_frame_t *f, bj_out_t *out)
{
    static char pool[32768];
    static CrtAllocator stack_alloc;
    MemoryPoolAllocator<> alloc(pool, sizeof pool);
    Document doc(&alloc, 1024, &stack_alloc);
    doc.Parse<kParseValidateEncodingFlag>(f->text, f->len);
    if (doc.HasParseError() || !doc.IsObject())
        return -1;
    for (int i = 0; i < f->nfields; i++) {
        const bj_field_t *fd = &f->fields[i];
        const Value *o = &doc;
        if (fd->parent) {
            Value::ConstMemberIterator p = doc.FindMember(fd->parent);
            if (p == doc.MemberEnd() || !p->value.IsObject())
                continue;
            o = &p->value;
        }
        Value::ConstMemberIterator m = o->FindMember(fd->key);
        if (m == o->MemberEnd())
            continue;
        if (fd->kind == 's' && m->value.IsString())
            bj_take_str(out, m->value.GetString(), m->value.GetStringLength());
        else if (fd->kind == 'n' && m->value.IsNumber()) {
            out->sum += m->value.GetDouble();
            out->found++;
        }
    }
    return 0;
}
