/*  daemon.h: the core's life cycle, for main.c and the tests: bind the channels, run the
 *  loop until a stop signal, tear down. Modules use include/bitten/core.h instead. */
#ifndef BITTEN_DAEMON_H
#define BITTEN_DAEMON_H

#include "bitten/core.h"

/*  Creates the loop and binds every channel from cfg (borrowed; must outlive the core).
 *  Returns NULL with a one-line reason in err when a socket cannot be set up. */
bitten_core_t *bitten_core_new(const bitten_config_t *cfg, bitten_log_t *log, char *err,
                               size_t errlen);

/*  Runs the loop until SIGTERM/SIGINT or bitten_core_stop(). Returns 0. */
int bitten_core_run(bitten_core_t *core);

/*  Asks the loop to stop after the current iteration (graceful). */
void bitten_core_stop(bitten_core_t *core);

/*  Closes every socket (short linger) and frees the core. Modules must be gone first. */
void bitten_core_destroy(bitten_core_t **core_p);

/*  Publishes the shutdown event to modules (before they are destroyed). */
void bitten_core_shutdown_begin(bitten_core_t *core);

#endif
