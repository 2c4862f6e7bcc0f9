/*  security.h: the one answer to "is this endpoint loopback?", shared by main.c's start-up
 *  checks (CURVE or --insecure) and the core's insecure warning (core_security.c), and the
 *  ZAP decision: which allowed CURVE key may complete a handshake on which socket (zap.c). */
#ifndef BITTEN_SECURITY_H
#define BITTEN_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

/*  True when a ZeroMQ endpoint can only be reached from this machine: ipc://, inproc://, and
 *  tcp:// on localhost, an IPv4 address in 127.0.0.0/8 or [::1], with a port. Anything else
 *  is not local (fail closed): a wildcard (*, 0.0.0.0, [::]), another address, a host name, an
 *  interface name, a source;destination pair, an endpoint without a port, other transports. */
bool bitten_endpoint_is_local(const char *endpoint);

/* ---------------------------------------------------------------- ZAP (docs/security.md) */

/*  Every EA-facing socket has its own ZAP domain (ZMQ_ZAP_DOMAIN): "bitten." + its channel:
 *  "bitten.feedback", "bitten.router", "bitten.confirm" (shared: every allowed key),
 *  "bitten.command" (the shared PUSH: command.account's keys only), and
 *  "bitten.account.<uuid>.command" / ".feedback" (an account's own pair: its keys only). */
#define BITTEN_ZAP_DOMAIN_PREFIX "bitten."
#define BITTEN_ZAP_DOMAIN_MAX 255 /* libzmq's limit for ZMQ_ZAP_DOMAIN */

typedef enum {
    BITTEN_ZAP_ALLOW,
    BITTEN_ZAP_KEY_NOT_ALLOWED,    /* no certificate in security.clients_dir has this key */
    BITTEN_ZAP_KEY_NO_ACCOUNT,     /* its certificate names no account (metadata uuid) */
    BITTEN_ZAP_ANOTHER_ACCOUNT,    /* the socket is another account's */
    BITTEN_ZAP_NO_COMMAND_ACCOUNT, /* the shared PUSH without command.account: nobody's */
    BITTEN_ZAP_NOT_CURVE,          /* another mechanism (NULL, PLAIN): never on these sockets */
    BITTEN_ZAP_UNKNOWN_DOMAIN,     /* a domain no socket of ours has */
    BITTEN_ZAP_MALFORMED,          /* a request that is not ZAP 1.0 (set by the handler) */
    BITTEN_ZAP_VERDICT_COUNT_
} bitten_zap_verdict_t;

/*  Pure: may a peer whose CURVE key belongs to key_uuid (NULL: the key is not allowed; "":
 *  allowed but its certificate names no account) complete the handshake on the socket of
 *  domain, with mechanism ("CURVE") and command_account (command.account, "" none)? */
bitten_zap_verdict_t bitten_zap_decide(const char *domain, const char *mechanism,
                                       const char *key_uuid, const char *command_account);

/*  One frame of a ZAP request as received (data need not be NUL-terminated). */
typedef struct {
    const void *data;
    size_t size;
} bitten_zap_part_t;

#define BITTEN_ZAP_TEXT_MAX 256

/*  A ZAP request's fields, NUL-terminated (longer ones are malformed: no domain of ours is). */
typedef struct {
    char domain[BITTEN_ZAP_TEXT_MAX];
    char address[BITTEN_ZAP_TEXT_MAX];
    char mechanism[32];
    unsigned char key[32]; /* the CURVE client's public key (has_key) */
    bool has_key;
} bitten_zap_request_t;

/*  Pure: reads a ZAP 1.0 request (RFC 27) from its frames after the handler's routing id:
 *  [empty delimiter, version, request id, domain, address, identity, mechanism, credentials...].
 *  1: well-formed (*req filled; CURVE carries exactly one 32-byte key); 0: malformed but
 *  answerable (delimiter and request id present: reply 500); -1: no reply is possible. */
int bitten_zap_parse(const bitten_zap_part_t *parts, size_t n, bitten_zap_request_t *req);

/*  "allowed", "key_not_allowed", "key_names_no_account", "another_accounts_socket", ... */
const char *bitten_zap_verdict_str(bitten_zap_verdict_t verdict);

/*  The ZAP domain of a channel ("command", "account.<uuid>.feedback") into out. Returns 0, or
 *  -1 when it does not fit (out is then ""). */
int bitten_zap_domain(const char *channel, char *out, size_t size);

/*  Writes the ZAP reply's metadata (ZMTP properties: 1-byte name length, name, 4-byte
 *  big-endian value length, value) with the one property "uuid" = uuid into out. Returns the
 *  length, or 0 when uuid is empty or does not fit. */
size_t bitten_zap_metadata(const char *uuid, unsigned char *out, size_t size);

#endif
