/*  log.h: one line per event, logfmt ("TS LEVEL module event key=value ...") or JSON.
 *  Lines below the level are never formatted; identical repeats are rate-limited. */
#ifndef BITTEN_LOG_H
#define BITTEN_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { BITTEN_LOG_DEBUG, BITTEN_LOG_INFO, BITTEN_LOG_WARN, BITTEN_LOG_ERROR } bitten_log_level_t;
typedef enum { BITTEN_LOG_LOGFMT, BITTEN_LOG_JSON } bitten_log_format_t;

typedef struct bitten_log bitten_log_t;

/*  A logger writing to path (appending), or to stderr when path is NULL or "".
 *  repeat_window_ms: an identical line (same level, module, event and fields) within this
 *  window is suppressed and counted; 0 turns that off. NULL when the file cannot be opened. */
bitten_log_t *bitten_log_new(const char *path, bitten_log_level_t level,
                             bitten_log_format_t format, int repeat_window_ms);
void bitten_log_destroy(bitten_log_t **self_p);

/*  Reopens the file (SIGHUP, for logrotate). Returns 0, or -1 and keeps the old stream. */
int bitten_log_reopen(bitten_log_t *self);

bool bitten_log_enabled(const bitten_log_t *self, bitten_log_level_t level);
void bitten_log_set_level(bitten_log_t *self, bitten_log_level_t level);

/*  fields is a printf format for "key=value key2=value2"; values with spaces or quotes must
 *  be quoted with bitten_log_quote(). Use the BLOG_* macros so disabled lines cost nothing. */
void bitten_log_write(bitten_log_t *self, bitten_log_level_t level, const char *module,
                      const char *event, const char *fields, ...)
    __attribute__((format(printf, 5, 6)));

/*  Emits "log.suppressed" lines for repeats whose window has passed. Call once a second. */
void bitten_log_flush_suppressed(bitten_log_t *self);

/*  Writes s into buf as a logfmt value: as is when it is a plain token, else in double quotes
 *  with \" \\ \n escapes; cut to fit. Returns buf. */
const char *bitten_log_quote(const char *s, char *buf, size_t size);

/*  Writes an excerpt of raw bytes for a log line: printable ASCII kept, others as \xNN, at most
 *  max_bytes of input, quoted. Returns buf. */
const char *bitten_log_excerpt(const void *data, size_t len, size_t max_bytes, char *buf,
                               size_t size);

/*  "debug"/"info"/"warn"/"error" <-> level; -1 for unknown names. */
int bitten_log_level_from_str(const char *name);
const char *bitten_log_level_str(bitten_log_level_t level);

#define BLOG(log, level, module, event, ...)                                                      \
    do {                                                                                           \
        if (bitten_log_enabled((log), (level)))                                                    \
            bitten_log_write((log), (level), (module), (event), __VA_ARGS__);                     \
    } while (0)
#define BLOG_DEBUG(log, module, event, ...) BLOG(log, BITTEN_LOG_DEBUG, module, event, __VA_ARGS__)
#define BLOG_INFO(log, module, event, ...) BLOG(log, BITTEN_LOG_INFO, module, event, __VA_ARGS__)
#define BLOG_WARN(log, module, event, ...) BLOG(log, BITTEN_LOG_WARN, module, event, __VA_ARGS__)
#define BLOG_ERROR(log, module, event, ...) BLOG(log, BITTEN_LOG_ERROR, module, event, __VA_ARGS__)

#endif
