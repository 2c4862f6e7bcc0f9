/*  config.c: configuration values over the key table: typed parsing and range checks, the
 *  ZPL file (czmq zconfig), the environment, --set, and the printers for operators and docs. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bitten/config.h"

#define CFG_LEGACY_MAX 16

typedef struct {
    char *text;           /* the value as given */
    const char *origin;
    int64_t i;
    double d;
    bool b;
    char **items;         /* LIST: trimmed elements */
    size_t n_items;
} s_value_t;

struct bitten_config {
    size_t n_keys;
    s_value_t *values;
    zconfig_t *file_root; /* kept for SECTION keys */
    char *legacy[CFG_LEGACY_MAX];
    size_t n_legacy;
};

static int s_index(const char *key)
{
    for (int i = 0; bitten_config_keys[i].key; i++)
        if (strcmp(bitten_config_keys[i].key, key) == 0)
            return i;
    return -1;
}

static void s_free_items(s_value_t *v)
{
    for (size_t i = 0; i < v->n_items; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->n_items = 0;
}

static bool s_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0)
            return (*out = true), true;
        if (strcasecmp(text, no[i]) == 0)
            return (*out = false), true;
    }
    return false;
}

static bool s_in_choices(const char *choices, const char *text)
{
    size_t len = strlen(text);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, text, n) == 0)
            return true;
        p += n + (bar ? 1 : 0);
    }
    return false;
}

static int s_split_list(s_value_t *v, const char *text)
{
    s_free_items(v);
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *s = p;
        while (n && isspace((unsigned char)*s))
            s++, n--;
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
        if (n) {
            char **items = realloc(v->items, (v->n_items + 1) * sizeof(char *));
            if (!items)
                return -1;
            v->items = items;
            v->items[v->n_items] = strndup(s, n);
            if (!v->items[v->n_items])
                return -1;
            v->n_items++;
        }
        p += (comma ? (size_t)(comma - p) + 1 : strlen(p));
    }
    return 0;
}

//  Parses text for row k into v. Returns 0, or -1 with a message (without the key) in err.
static int s_parse(const bitten_cfg_key_t *k, s_value_t *v, const char *text, char *err,
                   size_t errlen)
{
    bool ranged = k->min <= k->max;
    char *end = NULL;
    switch (k->type) {
    case BITTEN_CFG_STRING:
        if (k->choices && !s_in_choices(k->choices, text)) {
            snprintf(err, errlen, "'%s' is not one of %s", text, k->choices);
            return -1;
        }
        break;
    case BITTEN_CFG_INT: {
        errno = 0;
        long long n = strtoll(text, &end, 10);
        if (errno || end == text || *end) {
            snprintf(err, errlen, "'%s' is not an integer", text);
            return -1;
        }
        if (ranged && (n < k->min || n > k->max)) {
            snprintf(err, errlen, "%lld is outside %.15g..%.15g", n, k->min, k->max);
            return -1;
        }
        v->i = n;
        v->d = (double)n;
        break;
    }
    case BITTEN_CFG_DOUBLE: {
        errno = 0;
        double d = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(d)) {
            snprintf(err, errlen, "'%s' is not a finite number", text);
            return -1;
        }
        if (ranged && (d < k->min || d > k->max)) {
            snprintf(err, errlen, "%g is outside %.15g..%.15g", d, k->min, k->max);
            return -1;
        }
        v->d = d;
        break;
    }
    case BITTEN_CFG_BOOL:
        if (!s_parse_bool(text, &v->b)) {
            snprintf(err, errlen, "'%s' is not a boolean (true/false, 1/0, yes/no, on/off)", text);
            return -1;
        }
        break;
    case BITTEN_CFG_LIST:
        if (s_split_list(v, text) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        break;
    case BITTEN_CFG_SECTION:
        snprintf(err, errlen, "is a section: set it in the config file");
        return -1;
    }
    char *copy = strdup(text);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(v->text);
    v->text = copy;
    return 0;
}

bitten_config_t *bitten_config_new(void)
{
    bitten_config_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    while (bitten_config_keys[self->n_keys].key)
        self->n_keys++;
    self->values = calloc(self->n_keys, sizeof(s_value_t));
    if (!self->values) {
        free(self);
        return NULL;
    }
    for (size_t i = 0; i < self->n_keys; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        char err[128];
        self->values[i].origin = "default";
        if (k->type == BITTEN_CFG_SECTION)
            continue;
        //  A default that does not parse is a bug in the table, caught by the first test run.
        int rc = s_parse(k, &self->values[i], k->def, err, sizeof err);
        assert(rc == 0);
        (void)rc;
    }
    return self;
}

void bitten_config_destroy(bitten_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bitten_config_t *self = *self_p;
    for (size_t i = 0; i < self->n_keys; i++) {
        free(self->values[i].text);
        s_free_items(&self->values[i]);
    }
    for (size_t i = 0; i < self->n_legacy; i++)
        free(self->legacy[i]);
    free(self->values);
    zconfig_destroy(&self->file_root);
    free(self);
    *self_p = NULL;
}

//  Keys an old deployment may still carry: file drops, HTTP endpoints, webhooks.
static bool s_is_legacy_transport_key(const char *key)
{
    static const char *const markers[] = {"fire_file", "fire.txt", "result_file",
                                          "trade_result", "file_path", "files_dir",
                                          "http", "url", "webhook", "bridge_dir"};
    char lower[128];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char)tolower((unsigned char)key[n]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++)
        if (strstr(lower, markers[i]))
            return true;
    return false;
}

//  Keys that existed once and must not be accepted silently: what they did is unsafe now.
static const struct {
    const char *key, *why;
} s_retired[] = {
    {"command.allow_shared",
     "a PUSH shared by several EAs hands each fire to whichever connects (another account's "
     "terminal); give each account its own accounts.<x>.command_endpoint + feedback_endpoint, "
     "serve DEALER EAs on router.endpoint, or name the shared PUSH's one owner in "
     "command.account (docs/protocol-notes.md)"},
};

int bitten_config_set(bitten_config_t *self, const char *key, const char *value, const char *origin,
                      char *err, size_t errlen)
{
    int i = s_index(key);
    if (i < 0) {
        for (size_t r = 0; r < sizeof s_retired / sizeof *s_retired; r++)
            if (strcmp(key, s_retired[r].key) == 0) {
                snprintf(err, errlen, "config: %s: key '%s' is retired: %s", origin, key,
                         s_retired[r].why);
                return -1;
            }
        if (s_is_legacy_transport_key(key)) {
            if (self->n_legacy < CFG_LEGACY_MAX)
                self->legacy[self->n_legacy++] = strdup(key);
            return 0;
        }
        snprintf(err, errlen, "config: %s: unknown key '%s' (see docs/configuration.md)", origin,
                 key);
        return -1;
    }
    char why[160];
    if (s_parse(&bitten_config_keys[i], &self->values[i], value, why, sizeof why) != 0) {
        snprintf(err, errlen, "config: %s: key '%s': %s", origin, key, why);
        return -1;
    }
    self->values[i].origin = origin;
    return 0;
}

//  True when key is a SECTION key or lies under one.
static bool s_under_section(const char *key)
{
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        size_t n = strlen(k->key);
        if (k->type == BITTEN_CFG_SECTION && strncmp(key, k->key, n) == 0 &&
            (key[n] == '\0' || key[n] == '.'))
            return true;
    }
    return false;
}

static int s_walk(bitten_config_t *self, zconfig_t *node, const char *prefix, char *err,
                  size_t errlen)
{
    for (zconfig_t *child = zconfig_child(node); child; child = zconfig_next(child)) {
        char path[256];
        const char *name = zconfig_name(child);
        if (!name)
            continue;
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", name);
        if (s_under_section(path))
            continue;
        if (zconfig_child(child)) {
            if (s_walk(self, child, path, err, errlen) != 0)
                return -1;
        } else if (bitten_config_set(self, path, zconfig_value(child) ? zconfig_value(child) : "",
                                     "file", err, errlen) != 0)
            return -1;
    }
    return 0;
}

//  zconfig keeps a key given twice as two nodes and the walk lets the last win; a section
//  (accounts, symbols) given twice is worse: its modules read only the first. So a small scan
//  of the text refuses both, naming the two lines (zconfig keeps no line numbers).
#define CFG_SCAN_DEPTH 16
#define CFG_SCAN_NAME 128

typedef struct {
    char *path;
    int line;
} s_seen_t;

static int s_scan_duplicates(FILE *f, const char *file, char *err, size_t errlen)
{
    char line[1024], stack[CFG_SCAN_DEPTH][CFG_SCAN_NAME];
    s_seen_t *seen = NULL;
    size_t n_seen = 0;
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t indent = strspn(line, " ");
        const char *p = line + indent;
        size_t len = strcspn(p, " \t=\r\n");
        size_t level = indent / 4;
        if (*p == '#' || len == 0 || len >= CFG_SCAN_NAME || level >= CFG_SCAN_DEPTH)
            continue; /* a comment, a blank, or something zconfig refuses on its own */
        snprintf(stack[level], CFG_SCAN_NAME, "%.*s", (int)len, p);
        char full[CFG_SCAN_DEPTH * CFG_SCAN_NAME] = "";
        for (size_t l = 0, o = 0; l <= level; l++)
            o += (size_t)snprintf(full + o, sizeof full - o, "%s%s", l ? "." : "", stack[l]);
        bool leaf = p[len + strspn(p + len, " \t")] == '=';
        if (!leaf && !s_under_section(full))
            continue; /* a plain section given twice merges cleanly in the walk */
        for (size_t i = 0; i < n_seen && rc == 0; i++)
            if (strcmp(seen[i].path, full) == 0) {
                snprintf(err, errlen, "config: file '%s': key '%s' is given twice (lines %d and %d)",
                         file, full, seen[i].line, lineno);
                rc = -1;
            }
        s_seen_t *grown = rc == 0 ? realloc(seen, (n_seen + 1) * sizeof *seen) : NULL;
        if (rc == 0 && (!grown || !(grown[n_seen].path = strdup(full)))) {
            if (grown)
                seen = grown;
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else if (rc == 0) {
            seen = grown;
            seen[n_seen++].line = lineno;
        }
    }
    for (size_t i = 0; i < n_seen; i++)
        free(seen[i].path);
    free(seen);
    return rc;
}

int bitten_config_load_file(bitten_config_t *self, const char *path, char *err, size_t errlen)
{
    FILE *probe = fopen(path, "r");
    if (!probe) {
        snprintf(err, errlen, "config: cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    int dup = s_scan_duplicates(probe, path, err, errlen);
    fclose(probe);
    if (dup != 0)
        return -1;
    zconfig_t *root = zconfig_load(path);
    if (!root) {
        snprintf(err, errlen, "config: '%s' is not valid ZPL (czmq zconfig could not parse it)",
                 path);
        return -1;
    }
    int rc = s_walk(self, root, "", err, errlen);
    if (rc == 0) {
        zconfig_destroy(&self->file_root);
        self->file_root = root;
    } else
        zconfig_destroy(&root);
    return rc;
}

void bitten_config_env_name(const char *key, char *buf, size_t size)
{
    int i = s_index(key);
    if (i >= 0 && bitten_config_keys[i].env) {
        snprintf(buf, size, "%s", bitten_config_keys[i].env);
        return;
    }
    size_t o = (size_t)snprintf(buf, size, "BITTEN_");
    for (const char *p = key; *p && o + 1 < size; p++)
        buf[o++] = (*p == '.') ? '_' : (char)toupper((unsigned char)*p);
    if (o < size)
        buf[o] = '\0';
}

int bitten_config_load_env(bitten_config_t *self, char *err, size_t errlen)
{
    for (size_t i = 0; i < self->n_keys; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        if (k->type == BITTEN_CFG_SECTION)
            continue;
        char name[128];
        bitten_config_env_name(k->key, name, sizeof name);
        const char *value = getenv(name);
        if (!value)
            continue;
        char why[160];
        if (s_parse(k, &self->values[i], value, why, sizeof why) != 0) {
            snprintf(err, errlen, "config: environment %s (key '%s'): %s", name, k->key, why);
            return -1;
        }
        self->values[i].origin = "env";
    }
    return 0;
}

static const s_value_t *s_get(const bitten_config_t *self, const char *key, bitten_cfg_type_t type)
{
    int i = s_index(key);
    //  Asking for a key that is not in the table is a programmer error, not a config error.
    if (i < 0 || bitten_config_keys[i].type != type) {
        fprintf(stderr, "bittend: BUG: config key '%s' is not in the table as that type\n", key);
        abort();
    }
    return &self->values[i];
}

const char *bitten_config_str(const bitten_config_t *self, const char *key)
{
    return s_get(self, key, BITTEN_CFG_STRING)->text;
}

int64_t bitten_config_int(const bitten_config_t *self, const char *key)
{
    return s_get(self, key, BITTEN_CFG_INT)->i;
}

double bitten_config_double(const bitten_config_t *self, const char *key)
{
    return s_get(self, key, BITTEN_CFG_DOUBLE)->d;
}

bool bitten_config_bool(const bitten_config_t *self, const char *key)
{
    return s_get(self, key, BITTEN_CFG_BOOL)->b;
}

size_t bitten_config_list_count(const bitten_config_t *self, const char *key)
{
    return s_get(self, key, BITTEN_CFG_LIST)->n_items;
}

const char *bitten_config_list_at(const bitten_config_t *self, const char *key, size_t index)
{
    const s_value_t *v = s_get(self, key, BITTEN_CFG_LIST);
    return index < v->n_items ? v->items[index] : NULL;
}

static bitten_cfg_type_t s_bind_type(bitten_cfg_bind_kind_t kind)
{
    return kind == BITTEN_BIND_DOUBLE ? BITTEN_CFG_DOUBLE
           : kind == BITTEN_BIND_BOOL ? BITTEN_CFG_BOOL
                                      : BITTEN_CFG_INT;
}

//  Writes v into field as the bind's kind wants it.
static void s_store_bound(char *field, bitten_cfg_bind_kind_t kind, const s_value_t *v)
{
    switch (kind) {
    case BITTEN_BIND_INT: {
        int i = (int)v->i; /* table ranges fit an int */
        memcpy(field, &i, sizeof i);
        break;
    }
    case BITTEN_BIND_INT64: {
        int64_t i = v->i;
        memcpy(field, &i, sizeof i);
        break;
    }
    case BITTEN_BIND_BOOL: {
        bool b = v->b;
        memcpy(field, &b, sizeof b);
        break;
    }
    case BITTEN_BIND_DOUBLE:
    default:
        memcpy(field, &v->d, sizeof v->d);
        break;
    }
}

void bitten_config_read_bound(const bitten_config_t *self, const bitten_cfg_bind_t *binds,
                              size_t count, void *base)
{
    for (size_t i = 0; i < count; i++)
        s_store_bound((char *)base + binds[i].offset, binds[i].kind,
                      s_get(self, binds[i].key, s_bind_type(binds[i].kind)));
}

void bitten_config_read_bound_defaults(const bitten_cfg_bind_t *binds, size_t count, void *base)
{
    for (size_t i = 0; i < count; i++) {
        int k = s_index(binds[i].key);
        if (k < 0 || bitten_config_keys[k].type != s_bind_type(binds[i].kind)) {
            fprintf(stderr, "bittend: BUG: config key '%s' is not in the table as that type\n",
                    binds[i].key);
            abort();
        }
        //  Parsed like any value (no allocation kept); a default that does not parse is a bug
        //  in the table, caught by test_config and by bitten_config_new's assert.
        s_value_t v;
        memset(&v, 0, sizeof v);
        char err[128];
        if (s_parse(&bitten_config_keys[k], &v, bitten_config_keys[k].def, err, sizeof err) != 0) {
            fprintf(stderr, "bittend: BUG: default of config key '%s': %s\n", binds[i].key, err);
            abort();
        }
        s_store_bound((char *)base + binds[i].offset, binds[i].kind, &v);
        free(v.text);
        s_free_items(&v);
    }
}

void bitten_config_fill_params(const bitten_config_t *cfg, const bitten_cfg_bind_t *binds,
                               size_t count, void *base, size_t size)
{
    memset(base, 0, size);
    if (cfg)
        bitten_config_read_bound(cfg, binds, count, base);
    else
        bitten_config_read_bound_defaults(binds, count, base);
}

const char *bitten_config_origin(const bitten_config_t *self, const char *key)
{
    int i = s_index(key);
    return i >= 0 ? self->values[i].origin : "?";
}

void *bitten_config_section(const bitten_config_t *self, const char *key)
{
    if (!self->file_root)
        return NULL;
    char path[256];
    snprintf(path, sizeof path, "%s", key);
    for (char *p = path; *p; p++)
        if (*p == '.')
            *p = '/';
    return zconfig_locate(self->file_root, path);
}

const char *bitten_config_text(const bitten_config_t *self, const char *key)
{
    int i = s_index(key);
    return i >= 0 && bitten_config_keys[i].type != BITTEN_CFG_SECTION ? self->values[i].text
                                                                       : NULL;
}

char *bitten_config_section_dump(const bitten_config_t *self, const char *key)
{
    zconfig_t *section = bitten_config_section(self, key);
    char *text = section ? zconfig_str_save(section) : NULL;
    return text ? text : strdup("");
}

const char *bitten_config_legacy_key(const bitten_config_t *self, size_t index)
{
    return index < self->n_legacy ? self->legacy[index] : NULL;
}

//  ZPL quoting: values are always written in double quotes, which zconfig strips.
static void s_print_value(FILE *out, const char *text)
{
    fputc('"', out);
    for (const char *p = text; *p; p++)
        fputc(*p == '"' ? '\'' : *p, out);
    fputc('"', out);
}

void bitten_config_print(const bitten_config_t *self, FILE *out)
{
    fprintf(out, "#   bittend effective configuration (ZPL); '# from' says where each value "
                 "came from\n");
    char section[128] = "";
    for (size_t i = 0; i < self->n_keys; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        if (k->type == BITTEN_CFG_SECTION)
            continue;
        const char *dot = strrchr(k->key, '.');
        size_t sec_len = dot ? (size_t)(dot - k->key) : 0;
        if (sec_len != strlen(section) || strncmp(section, k->key, sec_len) != 0) {
            snprintf(section, sizeof section, "%.*s", (int)sec_len, k->key);
            if (sec_len)
                fprintf(out, "%s\n", section);
        }
        fprintf(out, "%s%s = ", sec_len ? "    " : "", dot ? dot + 1 : k->key);
        s_print_value(out, self->values[i].text);
        fprintf(out, "    # from %s\n", self->values[i].origin);
    }
}

static const char *s_type_name(bitten_cfg_type_t type)
{
    static const char *const names[] = {"string", "int", "number", "bool", "list", "section"};
    return names[type];
}

void bitten_config_write_doc(FILE *out)
{
    fprintf(out, "| key | type | default | range | environment | meaning |\n");
    fprintf(out, "|---|---|---|---|---|---|\n");
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        char range[96] = "";
        if (k->choices) {
            snprintf(range, sizeof range, "%s", k->choices);
            for (char *p = range; *p; p++)
                if (*p == '|')
                    *p = '/';
        } else if (k->min <= k->max)
            snprintf(range, sizeof range, "%.15g..%.15g", k->min, k->max);
        char env[128];
        bitten_config_env_name(k->key, env, sizeof env);
        fprintf(out, "| `%s` | %s | `%s` | %s | `%s` | %s |\n", k->key, s_type_name(k->type),
                k->def, range, env, k->doc);
    }
}
