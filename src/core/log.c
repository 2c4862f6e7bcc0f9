/*  log.c: the logger: formats one line per event (logfmt or JSON) to stderr or a file,
 *  rate-limits identical repeats and reopens its file on request (SIGHUP). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

struct bitten_log {
    FILE *out;
    char *path;
    bitten_log_level_t level;
    bitten_log_format_t format;
    int repeat_window_ms;
    s_repeat_t repeats[LOG_REPEAT_SLOTS];
};

static const char *const s_level_names[] = {"debug", "info", "warn", "error"};
static const char *const s_level_tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};

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

void bitten_log_destroy(bitten_log_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bitten_log_t *self = *self_p;
    bitten_log_flush_suppressed(self);
    for (int i = 0; i < LOG_REPEAT_SLOTS; i++)
        self->repeats[i].window_start_ms = INT64_MIN / 2;
    bitten_log_flush_suppressed(self);
    if (self->out && self->out != stderr)
        fclose(self->out);
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

//  Appends s to a JSON string body, escaping what JSON requires.
static void s_json_escape(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
}

//  Turns "k=v k2=\"a b\"" into JSON members. Values are kept as strings: logfmt has no types.
static void s_write_json_fields(FILE *out, const char *fields)
{
    const char *p = fields;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *key = p;
        while (*p && *p != '=' && *p != ' ')
            p++;
        size_t key_len = (size_t)(p - key);
        if (key_len == 0)
            break;
        fputs(",\"", out);
        s_json_escape(out, key, key_len);
        fputs("\":\"", out);
        if (*p == '=') {
            p++;
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1]) {
                        p++;
                        if (*p == 'n')
                            fputs("\\n", out);
                        else
                            s_json_escape(out, p, 1);
                    } else
                        s_json_escape(out, p, 1);
                    p++;
                }
                if (*p == '"')
                    p++;
            } else {
                const char *value = p;
                while (*p && *p != ' ')
                    p++;
                s_json_escape(out, value, (size_t)(p - value));
            }
        }
        fputc('"', out);
    }
}

static void s_emit(bitten_log_t *self, int64_t now_ms, bitten_log_level_t level, const char *module,
                   const char *event, const char *fields)
{
    char ts[32];
    bitten_format_time(now_ms, ts, sizeof ts);
    if (self->format == BITTEN_LOG_JSON) {
        fprintf(self->out, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":\"%s\",\"event\":\"%s\"",
                ts, s_level_names[level], module, event);
        s_write_json_fields(self->out, fields);
        fputs("}\n", self->out);
    } else if (*fields)
        fprintf(self->out, "%s %s %s %s %s\n", ts, s_level_tags[level], module, event, fields);
    else
        fprintf(self->out, "%s %s %s %s\n", ts, s_level_tags[level], module, event);
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
