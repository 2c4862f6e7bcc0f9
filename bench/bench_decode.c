/*  bench_decode.c: the feedback decode on one core, no sockets: bitten_decode of the ingest
 *  bench's telemetry frame N times, or what the core does with it (feedback: detection and
 *  decode from one parse, bitten_dialect_detect_decode), or json_loadb + json_decref of it
 *  (baseline B's work). Meant for callgrind (instructions per frame repeat on a busy machine):
 *    valgrind --tool=callgrind bench_decode --frames 20000 --mode decode|feedback|jansson */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench_common.h"
#include "bench_frames.h"
#include "bitten/dialect.h"
#include "bitten/proto.h"

//  The core's choice for a frame on the shared socket from an account without a dialect yet.
static bitten_dialect_t s_pick(void *arg, const bitten_dialect_detect_t *seen,
                               bitten_decode_opts_t *opts)
{
    (void)arg;
    (void)opts;
    return seen->dialect != BITTEN_DIALECT_UNKNOWN ? seen->dialect : BITTEN_DIALECT_CONTRACT;
}

int main(int argc, char **argv)
{
    long frames = 1000000;
    const char *mode = "decode";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--frames"))
            frames = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--mode"))
            mode = argv[i + 1];
    }
    char buf[1024];
    int n = bb_telemetry_frame(42, 1764633600000LL, buf, sizeof buf);
    if (n <= 0)
        return 1;
    bool jansson = !strcmp(mode, "jansson"), feedback = !strcmp(mode, "feedback");
    bitten_dialect_detect_t seen;
    static bitten_frame_t frame;
    bitten_decode_error_t err;
    double sink = 0.0, t0 = bb_now();
    for (long i = 0; i < frames; i++) {
        if (jansson) {
            json_t *root = json_loadb(buf, (size_t)n, 0, NULL);
            sink += root ? 1.0 : 0.0;
            json_decref(root);
        } else if (feedback) {
            if (bitten_dialect_detect_decode(BITTEN_DIR_FEEDBACK, buf, (size_t)n, NULL, s_pick,
                                             NULL, &seen, &frame, &err) == 0)
                sink += frame.u.telemetry.equity;
        } else if (bitten_decode(BITTEN_DIR_FEEDBACK, buf, (size_t)n, NULL, &frame, &err) == 0) {
            sink += frame.u.telemetry.equity;
        }
    }
    double s = bb_now() - t0;
    printf("{\"bench\":\"decode\",\"mode\":\"%s\",\"frames\":%ld,\"frame_bytes\":%d,"
           "\"seconds\":%g,\"fps\":%.1f,\"sink\":%g}\n",
           mode, frames, n, s, frames / s, sink);
    return 0;
}
