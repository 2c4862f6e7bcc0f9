/*  bench_json.h: what bench_json's parsers share (the C file and the C++ shims): a frame's
 *  fields to read, and what a parse read from them. A parser parses the frame, then reads
 *  every field named (strings copied into a bounded buffer, numbers as double), as bittend's
 *  decode would, so lazy and eager parsers do the same work. */
#ifndef BENCH_JSON_H
#define BENCH_JSON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BJ_MAX_FIELDS 12

typedef struct {
    const char *parent;    /* NULL: a top-level key; else the top-level object holding it */
    const char *key;
    char kind;             /* 's' string, 'n' number */
} bj_field_t;

typedef struct {
    const char *name;
    const char *text;      /* NUL-terminated, with BJ_PADDING bytes of slack after it */
    size_t len;
    int nfields;
    bj_field_t fields[BJ_MAX_FIELDS];
} bj_frame_t;

//  What one parse read: how many fields it found, a checksum of them, the last string.
typedef struct {
    int found;
    double sum;
    char str[72];
} bj_out_t;

#define BJ_PADDING 64

//  The C++ shims (compiled when their package is found). 0 parsed, -1 refused.
int bj_simdjson_dom(const bj_frame_t *f, bj_out_t *out);
int bj_simdjson_ondemand(const bj_frame_t *f, bj_out_t *out);
int bj_rapidjson(const bj_frame_t *f, bj_out_t *out);

//  Shared by the shims: copy a string field (bounded) and count it.
void bj_take_str(bj_out_t *out, const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif
