/*  reason.c: names and one-line meanings of every reason code, generated from reason.h.
 *  The X-macro is the only list, so a new code cannot be left without its string. */

#include <stddef.h>
#include <string.h>

#include "bitten/reason.h"

#define S_NAME_(name, doc) #name,
#define S_DOC_(name, doc) doc,

static const char *const s_names[BITTEN_R_COUNT_] = {BITTEN_REASONS(S_NAME_)};
static const char *const s_docs[BITTEN_R_COUNT_] = {BITTEN_REASONS(S_DOC_)};

#undef S_NAME_
#undef S_DOC_

/*  Enum values come from outside (casts, stored ints): check before indexing. */
static int s_in_range(bitten_reason_t reason)
{
    return (int)reason >= 0 && (int)reason < BITTEN_R_COUNT_;
}

const char *bitten_reason_str(bitten_reason_t reason)
{
    return s_in_range(reason) ? s_names[reason] : "?";
}

const char *bitten_reason_doc(bitten_reason_t reason)
{
    return s_in_range(reason) ? s_docs[reason] : "unknown reason code";
}

int bitten_reason_from_str(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        if (strcmp(s_names[i], name) == 0)
            return i;
    return -1;
}
