/*  config_check.h: the checks a whole configuration must pass before bittend binds anything,
 *  shared by start-up, --check-config and reload: endpoints parse, files and dirs are usable. */
#ifndef BITTEN_CONFIG_CHECK_H
#define BITTEN_CONFIG_CHECK_H

#include <stddef.h>

#include "bitten/config.h"

/*  Every "*.endpoint" key of the table (ZeroMQ endpoints) parses: tcp://HOST:PORT with PORT
 *  0..65535, '*' or '!' (0, '*', '!': chosen by the OS), ipc://PATH, inproc://NAME.
 *  Returns 0, or -1 with one line naming the key in err. */
int bitten_config_check_endpoints(const bitten_config_t *cfg, char *err, size_t errlen);

/*  One ZeroMQ endpoint's syntax. Returns 0, or -1 with the reason (without the key) in why. */
int bitten_endpoint_check(const char *endpoint, char *why, size_t whylen);

/*  The files start-up opens: with security.curve on, the server certificate loads and holds a
 *  secret key, and security.clients_dir is a readable directory; state_dir is a writable
 *  directory or can be created; log.file (when set) can be appended to. Nothing is created.
 *  Returns 0, or -1 with one line naming the key in err. */
int bitten_config_check_files(const bitten_config_t *cfg, char *err, size_t errlen);

#endif
