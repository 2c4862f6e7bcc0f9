/*  log.c: the logger: formats one line per event (logfmt or JSON) to stderr, a file or journald
 *  (native entries with fields, or "<N>" prefixes), rate-limits identical repeats and reopens
 *  its file on request (SIGHUP). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bitten/log.h"
#include "bitten/proto.h"

#define LOG_REPEAT_SLOTS 64
#define LOG_FIELDS_MAX 2048

typedef struct {
    uint64_t hash;
    int64_t window_start_ms;
    unsigned long suppressed;
    bitten_log_level_t level;
    char module[32];
    char event[64];
} s_repeat_t;

//  A journal entry that met a full socket queue (journald busy, or a small
//  net.unix.max_dgram_qlen): kept in order and sent before anything newer, from the next log
//  call or the core's housekeeping timer. Only when this queue is full too does a line go to
//  stderr instead, so a busy journal loses nothing and never blocks the loop.
#define LOG_JOURNAL_PENDING 256
typedef struct {
    char *data;
    size_t len;
    bitten_log_level_t level;
    char *line; /* the line for stderr if it can never be sent */
} s_pending_t;

struct bitten_log {
    FILE *out;
    char *path;
    bitten_log_level_t level;
    bitten_log_format_t format;
    int repeat_window_ms;
    bitten_log_journal_t journal; /* resolved: never AUTO */
    char journal_path[108];
    int journal_fd; /* datagram socket to journal_path, -1 until first use */
    s_pending_t pending[LOG_JOURNAL_PENDING]; /* entries the journal could not take yet */
    size_t pending_head, pending_n;
    s_repeat_t repeats[LOG_REPEAT_SLOTS];
};

static const char *const s_level_names[] = {"debug", "info", "warn", "error"};
static const char *const s_level_tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *const s_journal_names[] = {"auto", "off", "prefix", "native"};

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static FILE *s_open(const char *path)
{
    FILE *f = fopen(path, "a");
    if (f)
        setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

bitten_log_t *bitten_log_new(const char *path, bitten_log_level_t level, bitten_log_format_t format,
                             int repeat_window_ms)
{
    bitten_log_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->level = level;
    self->format = format;
    self->repeat_window_ms = repeat_window_ms;
    self->journal = BITTEN_LOG_JOURNAL_OFF;
    self->journal_fd = -1;
    if (path && *path) {
        self->path = strdup(path);
        self->out = self->path ? s_open(path) : NULL;
        if (!self->out) {
            free(self->path);
            free(self);
            return NULL;
        }
    } else
        self->out = stderr;
    return self;
}

static bool s_journal_drain(bitten_log_t *self, bool to_stderr);

void bitten_log_destroy(bitten_log_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bitten_log_t *self = *self_p;
    bitten_log_flush_suppressed(self);
    for (int i = 0; i < LOG_REPEAT_SLOTS; i++)
        self->repeats[i].window_start_ms = INT64_MIN / 2;
    bitten_log_flush_suppressed(self);
    s_journal_drain(self, true);
    if (self->out && self->out != stderr)
        fclose(self->out);
    if (self->journal_fd >= 0)
        close(self->journal_fd);
    free(self->path);
    free(self);
    *self_p = NULL;
}

int bitten_log_reopen(bitten_log_t *self)
{
    if (!self->path)
        return 0;
    FILE *f = s_open(self->path);
    if (!f)
        return -1;
    fclose(self->out);
    self->out = f;
    return 0;
}

bool bitten_log_enabled(const bitten_log_t *self, bitten_log_level_t level)
{
    return self && level >= self->level;
}

void bitten_log_set_level(bitten_log_t *self, bitten_log_level_t level)
{
    self->level = level;
}

int bitten_log_level_from_str(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, s_level_names[i]) == 0)
            return i;
    if (strcmp(name, "warning") == 0)
        return BITTEN_LOG_WARN;
    return -1;
}

const char *bitten_log_level_str(bitten_log_level_t level)
{
    return (unsigned)level < 4 ? s_level_names[level] : "?";
}

/* ---------------------------------------------------------------- logfmt fields */

//  A string being built into a fixed buffer; writes past the end are dropped (cut lines).
typedef struct {
    char *p;
    size_t len, size;
} s_buf_t;

static void s_put(s_buf_t *b, const char *s, size_t n)
{
    if (b->size == 0)
        return;
    size_t room = b->size - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void s_puts(s_buf_t *b, const char *s)
{
    s_put(b, s, strlen(s));
}

//  Appends s to a JSON string body, escaping what JSON requires.
static void s_json_escape(s_buf_t *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            s_put(b, esc, 2);
        } else if (c == '\n')
            s_put(b, "\\n", 2);
        else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            s_put(b, esc, 6);
        } else
            s_put(b, (const char *)&s[i], 1);
    }
}

//  The next "key=value" of a logfmt string: the key and the value (unquoted, \" \\ \n undone)
//  into the caller's buffers. Returns false at the end.
static bool s_next_field(const char **pp, char *key, size_t key_size, char *value,
                         size_t value_size, bool *quoted)
{
    const char *p = *pp;
    while (*p == ' ')
        p++;
    const char *k = p;
    while (*p && *p != '=' && *p != ' ')
        p++;
    size_t key_len = (size_t)(p - k);
    if (key_len == 0)
        return false;
    snprintf(key, key_size, "%.*s", (int)key_len, k);
    s_buf_t v = {value, 0, value_size};
    value[0] = '\0';
    *quoted = false;
    if (*p == '=') {
        p++;
        if (*p == '"') {
            *quoted = true;
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) {
                    p++;
                    s_put(&v, *p == 'n' ? "\n" : p, 1);
                } else
                    s_put(&v, p, 1);
                p++;
            }
            if (*p == '"')
                p++;
        } else {
            const char *start = p;
            while (*p && *p != ' ')
                p++;
            s_put(&v, start, (size_t)(p - start));
        }
    }
    *pp = p;
    return true;
}

//  RFC 8259 number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
static bool s_is_json_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0' && p - s < 32;
}

//  Keys whose values name someone or something: strings even when they look like numbers
//  (an MT5 login used as uuid, a numeric signal id).
static bool s_is_identity_key(const char *key)
{
    static const char *const names[] = {"uuid",    "signal_id", "login",
                                        "account", "of_event",  "of_module"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(key, names[i]) == 0)
            return true;
    size_t n = strlen(key);
    return n > 5 && strcmp(key + n - 5, "_uuid") == 0;
}

size_t bitten_log_fields_json(const char *fields, char *out, size_t size)
{
    s_buf_t b = {out, 0, size};
    if (size)
        out[0] = '\0';
    char key[64], value[LOG_FIELDS_MAX];
    bool quoted;
    const char *p = fields;
    while (s_next_field(&p, key, sizeof key, value, sizeof value, &quoted)) {
        s_puts(&b, ",\"");
        s_json_escape(&b, key, strlen(key));
        s_puts(&b, "\":");
        if (!quoted && strcmp(value, "-") == 0)
            s_puts(&b, "null");
        else if (!quoted && (strcmp(value, "true") == 0 || strcmp(value, "false") == 0))
            s_puts(&b, value);
        else if (!quoted && !s_is_identity_key(key) && s_is_json_number(value))
            s_puts(&b, value);
        else {
            s_puts(&b, "\"");
            s_json_escape(&b, value, strlen(value));
            s_puts(&b, "\"");
        }
    }
    return b.len;
}

/* ---------------------------------------------------------------- journald */

int bitten_log_priority(bitten_log_level_t level)
{
    static const int priorities[] = {7, 6, 4, 3};
    return (unsigned)level < 4 ? priorities[level] : 6;
}

bool bitten_log_fd_is_journal(int fd, const char *journal_stream)
{
    unsigned long long dev, ino;
    char tail;
    if (!journal_stream || sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return false;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int bitten_log_journal_from_str(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, s_journal_names[i]) == 0)
            return i;
    return -1;
}

const char *bitten_log_journal_str(bitten_log_journal_t mode)
{
    return (unsigned)mode < 4 ? s_journal_names[mode] : "?";
}

bitten_log_journal_t bitten_log_set_journal(bitten_log_t *self, bitten_log_journal_t mode,
                                            const char *socket_path)
{
    if (mode == BITTEN_LOG_JOURNAL_AUTO)
        mode = !self->path && bitten_log_fd_is_journal(fileno(stderr), getenv("JOURNAL_STREAM"))
                   ? BITTEN_LOG_JOURNAL_NATIVE
                   : BITTEN_LOG_JOURNAL_OFF;
    snprintf(self->journal_path, sizeof self->journal_path, "%s",
             socket_path && *socket_path ? socket_path : BITTEN_LOG_JOURNAL_SOCKET);
    if (self->journal_fd >= 0 && mode != BITTEN_LOG_JOURNAL_NATIVE) {
        close(self->journal_fd);
        self->journal_fd = -1;
    }
    self->journal = mode;
    return mode;
}

//  One journal field: "KEY=value\n", or the binary form when the value holds a newline.
static void s_journal_field(s_buf_t *b, const char *key, const char *value)
{
    if (!strchr(value, '\n')) {
        s_puts(b, key);
        s_puts(b, "=");
        s_puts(b, value);
        s_puts(b, "\n");
        return;
    }
    uint64_t n = strlen(value);
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(n >> (8 * i));
    s_puts(b, key);
    s_puts(b, "\n");
    s_put(b, (const char *)le, 8);
    s_put(b, value, (size_t)n);
    s_puts(b, "\n");
}

//  A logfmt key as a journal field name: A-Z 0-9 _, not starting with '_' or a digit, not one
//  of the fields this logger sets itself (those get a BITTEN_ prefix).
static void s_journal_key(const char *key, char *out, size_t size)
{
    static const char *const own[] = {"MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER",
                                      "MODULE",  "EVENT",    "MESSAGE_ID"};
    char up[64];
    size_t n = 0;
    for (const char *p = key; *p && n + 1 < sizeof up; p++)
        up[n++] = (*p >= 'a' && *p <= 'z')                                 ? (char)(*p - 32)
                  : ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ? *p
                                                                           : '_';
    up[n] = '\0';
    bool clash = n == 0 || up[0] == '_' || (up[0] >= '0' && up[0] <= '9') ||
                 strncmp(up, "CODE_", 5) == 0 || strncmp(up, "SYSLOG_", 7) == 0;
    for (size_t i = 0; i < sizeof own / sizeof *own && !clash; i++)
        clash = strcmp(up, own[i]) == 0;
    snprintf(out, size, "%s%s", clash ? "BITTEN_" : "", up);
}

static bool s_journal_sendto(bitten_log_t *self, const char *data, size_t len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", self->journal_path);
    ssize_t sent =
        sendto(self->journal_fd, data, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof sa);
    return sent == (ssize_t)len;
}

static void s_pending_pop(bitten_log_t *self)
{
    s_pending_t *e = &self->pending[self->pending_head];
    free(e->data);
    free(e->line);
    e->data = e->line = NULL;
    self->pending_head = (self->pending_head + 1) % LOG_JOURNAL_PENDING;
    self->pending_n--;
}

//  Sends queued entries in order until the journal refuses one. With to_stderr (at the end),
//  what is left goes to stderr so nothing is lost. Returns true when the queue is empty.
static bool s_journal_drain(bitten_log_t *self, bool to_stderr)
{
    while (self->pending_n > 0) {
        s_pending_t *e = &self->pending[self->pending_head];
        if (self->journal_fd < 0 || !s_journal_sendto(self, e->data, e->len)) {
            bool busy = self->journal_fd >= 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
            if (busy && !to_stderr)
                return false;
            fprintf(self->out, "<%d>%s\n", bitten_log_priority(e->level), e->line);
        }
        s_pending_pop(self);
    }
    return true;
}

//  Keeps an entry the journal could not take now. Returns false when the queue is full.
static bool s_journal_defer(bitten_log_t *self, bitten_log_level_t level, const char *data,
                            size_t len, const char *line)
{
    if (self->pending_n == LOG_JOURNAL_PENDING)
        return false;
    s_pending_t *e = &self->pending[(self->pending_head + self->pending_n) % LOG_JOURNAL_PENDING];
    e->data = malloc(len);
    e->line = strdup(line);
    if (!e->data || !e->line) {
        free(e->data);
        free(e->line);
        e->data = e->line = NULL;
        return false;
    }
    memcpy(e->data, data, len);
    e->len = len;
    e->level = level;
    self->pending_n++;
    return true;
}

//  Sends one entry over the journal's native protocol (after any queued ones), or queues it
//  when the journal's socket is full for now. Returns 0, or -1 (the caller writes the line to
//  stderr: no socket, or the queue is full).
static int s_journal_send(bitten_log_t *self, bitten_log_level_t level, const char *module,
                          const char *event, const char *fields, const char *message)
{
    if (self->journal_fd < 0) {
        self->journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (self->journal_fd < 0)
            return -1;
        int fl = fcntl(self->journal_fd, F_GETFL);
        fcntl(self->journal_fd, F_SETFL, fl | O_NONBLOCK);
    }
    char data[LOG_FIELDS_MAX * 3];
    s_buf_t b = {data, 0, sizeof data};
    char prio[4], key[80], value[LOG_FIELDS_MAX];
    snprintf(prio, sizeof prio, "%d", bitten_log_priority(level));
    s_journal_field(&b, "PRIORITY", prio);
    s_journal_field(&b, "SYSLOG_IDENTIFIER", "bittend");
    s_journal_field(&b, "MESSAGE", message);
    s_journal_field(&b, "MODULE", module);
    s_journal_field(&b, "EVENT", event);
    bool quoted;
    char raw_key[64];
    const char *p = fields;
    while (s_next_field(&p, raw_key, sizeof raw_key, value, sizeof value, &quoted)) {
        s_journal_key(raw_key, key, sizeof key);
        s_journal_field(&b, key, value);
    }
    if (s_journal_drain(self, false)) {
        if (s_journal_sendto(self, data, b.len))
            return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1; /* no journal there: stderr */
    }
    return s_journal_defer(self, level, data, b.len, message) ? 0 : -1;
}

/* ---------------------------------------------------------------- emit */

static void s_emit(bitten_log_t *self, int64_t now_ms, bitten_log_level_t level, const char *module,
                   const char *event, const char *fields)
{
    char line[LOG_FIELDS_MAX * 2 + 256];
    s_buf_t b = {line, 0, sizeof line};
    line[0] = '\0';
    char ts[32];
    bitten_format_time(now_ms, ts, sizeof ts);
    bool journal =
        self->journal == BITTEN_LOG_JOURNAL_NATIVE || self->journal == BITTEN_LOG_JOURNAL_PREFIX;
    if (self->format == BITTEN_LOG_JSON) {
        s_puts(&b, "{\"ts\":\"");
        s_puts(&b, ts);
        s_puts(&b, "\",\"level\":\"");
        s_puts(&b, s_level_names[level]);
        s_puts(&b, "\",\"module\":\"");
        s_json_escape(&b, module, strlen(module));
        s_puts(&b, "\",\"event\":\"");
        s_json_escape(&b, event, strlen(event));
        s_puts(&b, "\"");
        char members[LOG_FIELDS_MAX * 2];
        bitten_log_fields_json(fields, members, sizeof members);
        s_puts(&b, members);
        s_puts(&b, "}");
    } else {
        //  journald stamps each entry itself.
        if (!journal) {
            s_puts(&b, ts);
            s_puts(&b, " ");
        }
        s_puts(&b, s_level_tags[level]);
        s_puts(&b, " ");
        s_puts(&b, module);
        s_puts(&b, " ");
        s_puts(&b, event);
        if (*fields) {
            s_puts(&b, " ");
            s_puts(&b, fields);
        }
    }
    if (self->journal == BITTEN_LOG_JOURNAL_NATIVE &&
        s_journal_send(self, level, module, event, fields, line) == 0)
        return;
    if (journal)
        fprintf(self->out, "<%d>%s\n", bitten_log_priority(level), line);
    else
        fprintf(self->out, "%s\n", line);
}

static void s_emit_suppressed(bitten_log_t *self, int64_t now_ms, s_repeat_t *slot)
{
    char fields[160];
    snprintf(fields, sizeof fields, "suppressed=%lu of_module=%s of_event=%s window_ms=%d",
             slot->suppressed, slot->module, slot->event, self->repeat_window_ms);
    s_emit(self, now_ms, slot->level, "log", "log.suppressed", fields);
    slot->suppressed = 0;
}

//  FNV-1a over the parts that make two lines "identical".
static uint64_t s_hash(uint64_t h, const char *s)
{
    if (h == 0)
        h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

//  Returns true when the line is a repeat inside its window and must not be printed.
static bool s_suppress(bitten_log_t *self, int64_t now_ms, bitten_log_level_t level,
                       const char *module, const char *event, const char *fields)
{
    if (self->repeat_window_ms <= 0)
        return false;
    uint64_t h = s_hash(s_hash(s_hash(s_hash(0, s_level_names[level]), module), event), fields);
    s_repeat_t *slot = &self->repeats[h % LOG_REPEAT_SLOTS];
    bool same = slot->hash == h && slot->window_start_ms != 0;
    if (same && now_ms - slot->window_start_ms < self->repeat_window_ms) {
        slot->suppressed++;
        return true;
    }
    if (slot->suppressed > 0)
        s_emit_suppressed(self, now_ms, slot);
    slot->hash = h;
    slot->window_start_ms = now_ms;
    slot->level = level;
    snprintf(slot->module, sizeof slot->module, "%s", module);
    snprintf(slot->event, sizeof slot->event, "%s", event);
    return false;
}

void bitten_log_write(bitten_log_t *self, bitten_log_level_t level, const char *module,
                      const char *event, const char *fields, ...)
{
    if (!bitten_log_enabled(self, level))
        return;
    char buf[LOG_FIELDS_MAX];
    va_list ap;
    va_start(ap, fields);
    vsnprintf(buf, sizeof buf, fields, ap);
    va_end(ap);
    int64_t now_ms = s_wall_ms();
    if (s_suppress(self, now_ms, level, module, event, buf))
        return;
    s_emit(self, now_ms, level, module, event, buf);
}

void bitten_log_flush_suppressed(bitten_log_t *self)
{
    s_journal_drain(self, false);
    int64_t now_ms = s_wall_ms();
    for (int i = 0; i < LOG_REPEAT_SLOTS; i++) {
        s_repeat_t *slot = &self->repeats[i];
        if (slot->suppressed > 0 && now_ms - slot->window_start_ms >= self->repeat_window_ms)
            s_emit_suppressed(self, now_ms, slot);
    }
}

const char *bitten_log_quote(const char *s, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p >= 0x7f)
            plain = false;
    if (plain) {
        snprintf(buf, size, "%s", s);
        return buf;
    }
    size_t o = 0;
    if (size < 3) {
        buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    for (const char *p = s; *p && o + 3 < size; p++) {
        if (*p == '"' || *p == '\\') {
            buf[o++] = '\\';
            buf[o++] = *p;
        } else if (*p == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else
            buf[o++] = ((unsigned char)*p < 0x20) ? '?' : *p;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

const char *bitten_log_excerpt(const void *data, size_t len, size_t max_bytes, char *buf,
                               size_t size)
{
    const unsigned char *d = data;
    size_t o = 0;
    if (size < 8) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    size_t n = len < max_bytes ? len : max_bytes;
    for (size_t i = 0; i < n && o + 6 < size; i++) {
        unsigned char c = d[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
    }
    if (n < len && o + 4 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
