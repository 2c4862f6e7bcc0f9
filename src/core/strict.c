/*  strict.c: looks for the files the replaced system executed trades through. Their presence
 *  means something still speaks the old file protocol: ZMQ_STRICT refuses to run beside it. */
#include <stdio.h>
#include <sys/stat.h>

#include "core/strict.h"

static const char *const s_legacy_names[] = {"fire.txt", "trade_result.txt"};

int bitten_strict_find_legacy(const bitten_config_t *cfg, char *path, size_t size)
{
    size_t dirs = bitten_config_list_count(cfg, "strict.legacy_dirs");
    for (size_t i = 0; i < dirs; i++) {
        const char *dir = bitten_config_list_at(cfg, "strict.legacy_dirs", i);
        for (size_t j = 0; j < sizeof s_legacy_names / sizeof *s_legacy_names; j++) {
            struct stat st;
            snprintf(path, size, "%s/%s", dir, s_legacy_names[j]);
            if (stat(path, &st) == 0)
                return 1;
        }
    }
    return 0;
}
