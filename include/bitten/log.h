/*  log.h: one line per event, logfmt ("TS LEVEL module event key=value ...") or JSON, to a
 *  file, stderr, or journald. Lines below the level are never formatted; identical repeats
 *  are rate-limited. Every call site uses the same BLOG_* macros whatever the sink.
 *
 *  journald: when stderr is the journal (JOURNAL_STREAM names stderr's dev:ino) or log.journal
 *  says so, each line is one journal entry sent over the native protocol with PRIORITY (3 error,
 *  4 warn, 6 info, 7 debug), MESSAGE (the line without its timestamp), SYSLOG_IDENTIFIER=bittend,
 *  MODULE, EVENT and one field per logfmt key, upper-cased (signal_id=X -> SIGNAL_ID=X), so
 *  `journalctl SIGNAL_ID=X` finds a fire's story and `journalctl -p err` shows the alarms. When
 *  the journal socket cannot take an entry the line goes to stderr with an sd-daemon "<N>"
 *  prefix instead (the "prefix" mode does only that).
 *
 *  JSON values are typed in one place: a quoted logfmt value is a string; unquoted true/false
 *  are booleans, "-" is null (the call sites' "none"), a JSON number is a number, except for keys
 *  that name an identity (uuid, signal_id, login, account, *_uuid), which stay strings. */
#ifndef BITTEN_LOG_H
#define BITTEN_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    BITTEN_LOG_DEBUG,
    BITTEN_LOG_INFO,
    BITTEN_LOG_WARN,
    BITTEN_LOG_ERROR
} bitten_log_level_t;
typedef enum { BITTEN_LOG_LOGFMT, BITTEN_LOG_JSON } bitten_log_format_t;

typedef enum {
    BITTEN_LOG_JOURNAL_AUTO,   /* native when the log goes to stderr and stderr is the journal */
    BITTEN_LOG_JOURNAL_OFF,    /* plain lines */
    BITTEN_LOG_JOURNAL_PREFIX, /* "<N>" sd-daemon priority prefix on each line, no timestamp */
    BITTEN_LOG_JOURNAL_NATIVE  /* structured entries to the journal socket */
} bitten_log_journal_t;

#define BITTEN_LOG_JOURNAL_SOCKET "/run/systemd/journal/socket"

typedef struct bitten_log bitten_log_t;

/*  A logger writing to path (appending), or to stderr when path is NULL or "".
 *  repeat_window_ms: an identical line (same level, module, event and fields) within this
 *  window is suppressed and counted; 0 turns that off. NULL when the file cannot be opened. */
bitten_log_t *bitten_log_new(const char *path, bitten_log_level_t level, bitten_log_format_t format,
                             int repeat_window_ms);
void bitten_log_destroy(bitten_log_t **self_p);

/*  Reopens the file (SIGHUP, for logrotate). Returns 0, or -1 and keeps the old stream. */
int bitten_log_reopen(bitten_log_t *self);

/*  Chooses the journal sink. AUTO resolves here (native when the log goes to stderr and
 *  stderr is the journal, else off). socket_path NULL or "" = BITTEN_LOG_JOURNAL_SOCKET.
 *  Returns the mode in effect. */
bitten_log_journal_t bitten_log_set_journal(bitten_log_t *self, bitten_log_journal_t mode,
                                            const char *socket_path);

/*  "auto"/"off"/"prefix"/"native" -> mode; -1 for unknown names. */
int bitten_log_journal_from_str(const char *name);
const char *bitten_log_journal_str(bitten_log_journal_t mode);

/*  True when journal_stream ($JOURNAL_STREAM, "DEV:INODE") names the file open on fd. */
bool bitten_log_fd_is_journal(int fd, const char *journal_stream);

/*  syslog priority of a level: 3 error, 4 warn, 6 info, 7 debug. */
int bitten_log_priority(bitten_log_level_t level);

/*  Writes logfmt fields as JSON object members (",\"k\":v" each, typed as described above)
 *  into out. Returns the length written (cut to fit, always NUL-terminated). */
size_t bitten_log_fields_json(const char *fields, char *out, size_t size);

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

#define BLOG(log, level, module, event, ...)                                                       \
    do {                                                                                           \
        if (bitten_log_enabled((log), (level)))                                                    \
            bitten_log_write((log), (level), (module), (event), __VA_ARGS__);                      \
    } while (0)
#define BLOG_DEBUG(log, module, event, ...) BLOG(log, BITTEN_LOG_DEBUG, module, event, __VA_ARGS__)
#define BLOG_INFO(log, module, event, ...) BLOG(log, BITTEN_LOG_INFO, module, event, __VA_ARGS__)
#define BLOG_WARN(log, module, event, ...) BLOG(log, BITTEN_LOG_WARN, module, event, __VA_ARGS__)
#define BLOG_ERROR(log, module, event, ...) BLOG(log, BITTEN_LOG_ERROR, module, event, __VA_ARGS__)

#endif
