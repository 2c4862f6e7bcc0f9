/*  strict.h: ZMQ_STRICT's check for legacy execution files (fire.txt, trade_result.txt) in
 *  the configured folders. Pure file-system look-up; the core decides what to do with it. */
#ifndef BITTEN_STRICT_H
#define BITTEN_STRICT_H

#include <stddef.h>

#include "bitten/config.h"

/*  Returns 1 and the first legacy file's path in path (size bytes) when one exists in any of
 *  strict.legacy_dirs, else 0. */
int bitten_strict_find_legacy(const bitten_config_t *cfg, char *path, size_t size);

#endif
