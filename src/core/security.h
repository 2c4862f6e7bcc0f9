/*  security.h: the one answer to "is this endpoint loopback?", shared by main.c's start-up
 *  checks (CURVE or --insecure) and the core's insecure warning (core_security.c). */
#ifndef BITTEN_SECURITY_H
#define BITTEN_SECURITY_H

#include <stdbool.h>

/*  True when a ZeroMQ endpoint can only be reached from this machine: ipc://, inproc://, and
 *  tcp:// on localhost, an IPv4 address in 127.0.0.0/8 or [::1], with a port. Anything else
 *  is not local (fail closed): a wildcard (*, 0.0.0.0, [::]), another address, a host name, an
 *  interface name, a source;destination pair, an endpoint without a port, other transports. */
bool bitten_endpoint_is_local(const char *endpoint);

#endif
