/*  fuzz_http.c: libFuzzer over the scrape endpoint's request reader (metrics_http_classify):
 *  any bytes give one of its four answers, never a read outside them; and a complete head
 *  keeps its answer when more bytes follow (what the server saw first is what it answers). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    //  An exact-size heap copy: ASan sees a read one past the input.
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    metrics_http_req_t whole = metrics_http_classify(buf, size);
    if (whole > METRICS_HTTP_BAD)
        abort();
    for (size_t cut = 0; cut < size; cut++) {
        metrics_http_req_t part = metrics_http_classify(buf, cut);
        if (part != METRICS_HTTP_MORE && part != whole)
            abort();
        if (part != METRICS_HTTP_MORE)
            break;
    }
    free(buf);
    return 0;
}
