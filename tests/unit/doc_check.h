/*  doc_check.h: a generated doc section against its generator, for the unit tests of the
 *  tables that write docs (config keys, events): the text between two markers must match. */
#ifndef BITTEN_TEST_DOC_CHECK_H
#define BITTEN_TEST_DOC_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  True when doc_path holds exactly what write(FILE *) writes between "<!-- BEGIN GENERATED
 *  NAME -->\n" and "<!-- END GENERATED NAME -->"; else prints how to regenerate and is false. */
static inline bool doc_section_matches(const char *doc_path, const char *name,
                                       void (*write)(FILE *), const char *regen)
{
    char *generated = NULL;
    size_t gen_len = 0;
    FILE *mem = open_memstream(&generated, &gen_len);
    write(mem);
    fclose(mem);
    static char doc[1 << 17];
    FILE *f = fopen(doc_path, "r");
    size_t n = f ? fread(doc, 1, sizeof doc - 1, f) : 0;
    if (f)
        fclose(f);
    doc[n] = '\0';
    char b[96], e[96];
    snprintf(b, sizeof b, "<!-- BEGIN GENERATED %s -->\n", name);
    snprintf(e, sizeof e, "<!-- END GENERATED %s -->", name);
    const char *begin = strstr(doc, b), *end = strstr(doc, e);
    bool ok = begin && end && (begin += strlen(b)) <= end &&
              gen_len == (size_t)(end - begin) && memcmp(begin, generated, gen_len) == 0;
    if (!ok)
        fprintf(stderr, "%s is out of date: regenerate it with\n  %s\n", doc_path, regen);
    free(generated);
    return ok;
}

#endif
