/*  config.h: bittend's configuration: one table of keys (type, default, range, doc) drives
 *  parsing, --print-config and docs/configuration.md. defaults < file < environment < --set. */
#ifndef BITTEN_CONFIG_H
#define BITTEN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    BITTEN_CFG_STRING,
    BITTEN_CFG_INT,
    BITTEN_CFG_DOUBLE,
    BITTEN_CFG_BOOL,
    BITTEN_CFG_LIST,   /* comma-separated strings */
    BITTEN_CFG_SECTION /* a ZPL subtree read by its module (accounts, symbols) */
} bitten_cfg_type_t;

typedef struct {
    const char *key;      /* dotted path, e.g. "command.keepalive_s" */
    bitten_cfg_type_t type;
    const char *def;      /* default as text ("" = empty) */
    double min, max;      /* numeric range (ignored when min > max) */
    const char *choices;  /* STRING only: "a|b|c", or NULL for free text */
    const char *env;      /* environment name when not the derived BITTEN_* one, or NULL */
    const char *doc;      /* one line */
} bitten_cfg_key_t;

/*  The table, ended by a row with key == NULL. Defined in src/core/config_keys.c. */
extern const bitten_cfg_key_t bitten_config_keys[];

typedef struct bitten_config bitten_config_t;

/*  A configuration holding every key's default. NULL on allocation failure. */
bitten_config_t *bitten_config_new(void);
void bitten_config_destroy(bitten_config_t **self_p);

/*  Each loader returns 0, or -1 with a one-line message naming the key (or file) in err.
 *  Later calls override earlier ones: call them in precedence order. */
int bitten_config_load_file(bitten_config_t *self, const char *path, char *err, size_t errlen);
int bitten_config_load_env(bitten_config_t *self, char *err, size_t errlen);
int bitten_config_set(bitten_config_t *self, const char *key, const char *value, const char *origin,
                      char *err, size_t errlen);

/*  Getters for keys of the table; asking for a key that is not in the table (or of another
 *  type) is a programmer error and aborts. */
const char *bitten_config_str(const bitten_config_t *self, const char *key);
int64_t bitten_config_int(const bitten_config_t *self, const char *key);
double bitten_config_double(const bitten_config_t *self, const char *key);
bool bitten_config_bool(const bitten_config_t *self, const char *key);
size_t bitten_config_list_count(const bitten_config_t *self, const char *key);
/*  The index-th element of a list key (trimmed), or NULL past the end. */
const char *bitten_config_list_at(const bitten_config_t *self, const char *key, size_t index);

/*  Binds a key to a field of a module's parameter struct, so a module reads all its numbers
 *  with one call: {"venom.cooldown_s", offsetof(venom_params_t, cooldown_s), BITTEN_BIND_INT}.
 *  The key's type in the table must match the kind (checked; a mismatch aborts). */
typedef enum {
    BITTEN_BIND_DOUBLE, /* number key -> double */
    BITTEN_BIND_INT,    /* int key -> int (the table's ranges fit an int) */
    BITTEN_BIND_INT64,  /* int key -> int64_t */
    BITTEN_BIND_BOOL    /* bool key -> bool */
} bitten_cfg_bind_kind_t;

typedef struct {
    const char *key;
    size_t offset;
    bitten_cfg_bind_kind_t kind;
} bitten_cfg_bind_t;

/*  Writes each bound key's value into base + offset. */
void bitten_config_read_bound(const bitten_config_t *self, const bitten_cfg_bind_t *binds,
                              size_t count, void *base);

/*  Writes each bound key's DEFAULT (the table's def) into base + offset, without a config
 *  object: a module's *_params_default() is memset + this over the same bind table that
 *  *_params_from_config() reads, so every default is written once, in config_keys.c. */
void bitten_config_read_bound_defaults(const bitten_cfg_bind_t *binds, size_t count, void *base);

/*  A module's params in one call: zeroes the size bytes at base (padding too, so two results
 *  compare with memcmp), then reads the bound fields from cfg, or from the key table's
 *  defaults when cfg is NULL. So *_params_default(p) is fill_params(NULL, ...) and
 *  *_params_from_config(cfg, p) is fill_params(cfg, ...) over one bind table. */
void bitten_config_fill_params(const bitten_config_t *cfg, const bitten_cfg_bind_t *binds,
                               size_t count, void *base, size_t size);

/*  Where a key's value came from: "default", "file", "env", "cli". */
const char *bitten_config_origin(const bitten_config_t *self, const char *key);

/*  The ZPL subtree for a SECTION key (a czmq zconfig_t *), or NULL when the file had none.
 *  Borrowed: valid while self lives. */
void *bitten_config_section(const bitten_config_t *self, const char *key);

/*  A key's value as text, whatever its type (NULL for a SECTION key or one not in the table):
 *  what a reload compares. Borrowed: valid while self lives. */
const char *bitten_config_text(const bitten_config_t *self, const char *key);

/*  A SECTION key's subtree as ZPL text ("" when the file had none), for comparing two
 *  configurations. Caller frees; NULL on allocation failure. */
char *bitten_config_section_dump(const bitten_config_t *self, const char *key);

/*  Keys met in the file or --set that name a file or HTTP transport (fire.txt paths, URLs,
 *  webhooks): never used; ZMQ_ENFORCE turns them into a start-up error. NULL past the end. */
const char *bitten_config_legacy_key(const bitten_config_t *self, size_t index);

/*  The environment variable for a key: its env field, else "BITTEN_" + upper case, dots as '_'. */
void bitten_config_env_name(const char *key, char *buf, size_t size);

/*  Writes the effective configuration as ZPL (with origins as comments). */
void bitten_config_print(const bitten_config_t *self, FILE *out);

/*  Writes docs/configuration.md's generated table (Markdown) from the key table. */
void bitten_config_write_doc(FILE *out);

#endif
