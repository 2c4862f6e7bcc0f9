/*  util.c: clocks, the logfmt logger, the seedable rng, rounding. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <czmq.h>
#include <zmq.h>

#include "sim.h"

/* ---------------------------------------------------------------- time, log, rng */

static int64_t s_clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_mono(void)
{
    return s_clock_ms(CLOCK_MONOTONIC);
}

int64_t sim_wall(void)
{
    return s_clock_ms(CLOCK_REALTIME);
}

void sim_log(const sim_t *self, sim_level_t level, const char *event, const char *fmt, ...)
{
    if (level == SIM_INFO && self->opt.quiet)
        return;
    static const char *const names[] = {"INFO", "WARN", "ERROR"};
    int64_t ms = sim_wall();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char line[1024];
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s %s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(ms % 1000), names[level], SIM_NAME, event);
    if (n > 0 && (size_t)n < sizeof line && fmt && *fmt) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "%s\n", line);
}

/*  splitmix64: tiny, seedable, the same sequence on every platform. */
double sim_rng_unit(sim_t *self)
{
    uint64_t z = (self->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}
