/*  fuzz_config.c: libFuzzer target for src/core/config: every input is loaded as a ZPL config
 *  file into a fresh configuration and printed, then applied as a `--set key=value` argument. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "bitten/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*  czmq's SIGINT/SIGTERM handler would swallow libFuzzer's own. (zconfig's one line per bad
 *  input goes to stdout whatever zsys is told: tests/fuzz/run passes -close_fd_mask=1.) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    setenv("ZSYS_SIGHANDLER", "false", 1);
    zsys_handler_set(NULL);
    return 0;
}

//  The file every input is written to, one per fuzzing process (libFuzzer -jobs/-fork safe).
static void s_temp_path(char *buf, size_t size)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, size, "%s/bitten_fuzz_config_%ld.cfg", dir && *dir ? dir : "/tmp",
             (long)getpid());
}

/*  czmq 4.2.1's zconfig_load() leaks its zfile_t when the text is not valid ZPL, and LeakSanitizer
 *  then checks every such input (20x slower). zconfig_load is zfile_read + zconfig_chunk_load, so
 *  the same parser decides here, in memory, without the leak; only valid ZPL goes on to the file
 *  path of bitten_config_load_file (its refusal branch is one snprintf). */
static bool s_is_zpl(const uint8_t *data, size_t size)
{
    zchunk_t *chunk = zchunk_new(data, size);
    if (!chunk)
        return false;
    zconfig_t *root = zconfig_chunk_load(chunk);
    zchunk_destroy(&chunk);
    bool ok = root != NULL;
    zconfig_destroy(&root);
    return ok;
}

static void s_load_file(const uint8_t *data, size_t size)
{
    if (!s_is_zpl(data, size))
        return;
    char path[512];
    s_temp_path(path, sizeof path);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    size_t wrote = fwrite(data, 1, size, f);
    fclose(f);
    if (wrote != size)
        return;
    bitten_config_t *cfg = bitten_config_new();
    if (!cfg)
        abort();
    char err[512];
    err[0] = '\0';
    if (bitten_config_load_file(cfg, path, err, sizeof err) != 0 && err[0] == '\0') {
        fprintf(stderr, "fuzz_config: load_file failed without a message\n");
        abort();
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        bitten_config_print(cfg, null);
        fclose(null);
    }
    /* SECTION keys hand the parsed subtree to modules: walk it like they do. */
    for (int i = 0; bitten_config_keys[i].key; i++)
        if (bitten_config_keys[i].type == BITTEN_CFG_SECTION) {
            zconfig_t *sec = bitten_config_section(cfg, bitten_config_keys[i].key);
            for (zconfig_t *c = sec ? zconfig_child(sec) : NULL; c; c = zconfig_next(c))
                (void)zconfig_get(c, "uuid", "");
        }
    bitten_config_destroy(&cfg);
    unlink(path);
}

static void s_set(const uint8_t *data, size_t size)
{
    char *arg = malloc(size + 1);
    if (!arg)
        return;
    memcpy(arg, data, size);
    arg[size] = '\0';
    char *eq = strchr(arg, '=');
    if (eq) {
        *eq = '\0';
        bitten_config_t *cfg = bitten_config_new();
        if (!cfg)
            abort();
        char err[512];
        err[0] = '\0';
        if (bitten_config_set(cfg, arg, eq + 1, "cli", err, sizeof err) != 0 && err[0] == '\0') {
            fprintf(stderr, "fuzz_config: set failed without a message\n");
            abort();
        }
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            bitten_config_print(cfg, null);
            fclose(null);
        }
        bitten_config_destroy(&cfg);
    }
    free(arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_load_file(data, size);
    s_set(data, size);
    return 0;
}
