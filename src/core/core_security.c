/*  core_security.c: CURVE on the EA-facing sockets (server certificate, zauth with the allowed
 *  EA certificates, reload on SIGHUP), the --insecure warning and the one loopback test. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/core_internal.h"
#include "core/security.h"

/* ---------------------------------------------------------------- loopback endpoints */

//  host is "localhost", a dotted IPv4 address in 127.0.0.0/8 or a bracketed IPv6 loopback.
static bool s_loopback_host(const char *host, size_t len)
{
    char text[64];
    if (len == 0 || len >= sizeof text)
        return false;
    memcpy(text, host, len);
    text[len] = '\0';
    if (strcasecmp(text, "localhost") == 0)
        return true;
    if (text[0] == '[') {
        if (len < 3 || text[len - 1] != ']')
            return false;
        text[len - 1] = '\0';
        struct in6_addr a6;
        return inet_pton(AF_INET6, text + 1, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    struct in_addr a4;
    return inet_pton(AF_INET, text, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

bool bitten_endpoint_is_local(const char *endpoint)
{
    if (!endpoint)
        return false;
    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    const char *colon = strrchr(host, ':');
    //  The port follows the last colon; an IPv6 address has its own colons inside brackets.
    if (!colon || colon[1] == '\0' || (host[0] == '[' && colon[-1] != ']'))
        return false;
    return s_loopback_host(host, (size_t)(colon - host));
}

/* ---------------------------------------------------------------- CURVE */

//  A secret key belongs to its EA only (docs/security.md): one in clients_dir is still
//  loaded (zauth allows its public half) but named, so an operator removes it.
static void s_warn_secrets(bitten_core_t *core, zdir_t *listing)
{
    zfile_t **files = listing ? zdir_flatten(listing) : NULL;
    for (size_t i = 0; files && files[i]; i++) {
        zconfig_t *cert = zconfig_load(zfile_filename(files[i], NULL));
        if (cert && zconfig_get(cert, "curve/secret-key", NULL))
            BLOG_WARN(core->log, "core", "keys.secret_in_clients_dir",
                      "path=%s msg=\"a secret key belongs on its EA only: move it out of "
                      "security.clients_dir\"",
                      zfile_filename(files[i], NULL));
        zconfig_destroy(&cert);
    }
    zdir_flatten_free(&files);
}

//  (Re)loads the allowed EA certificates into zauth: at start and on SIGHUP (key rotation).
//  zauth checks keys at each handshake: a removed key stops new connections, not live ones.
static int s_load_clients(bitten_core_t *core)
{
    const char *dir = core->set.clients_dir;
    if (zstr_sendx(core->auth, "CURVE", dir, NULL) != 0 || zsock_wait(core->auth) != 0)
        return -1;
    zdir_t *listing = zdir_new(dir, NULL);
    size_t keys = listing ? zdir_count(listing) : 0;
    s_warn_secrets(core, listing);
    zdir_destroy(&listing);
    BLOG_INFO(core->log, "core", "keys.loaded", "clients_dir=%s files=%zu", dir, keys);
    return 0;
}

int core_security_start(bitten_core_t *core, char *err, size_t errlen)
{
    if (!core->set.curve)
        return 0;
    const char *cert_path = core->set.server_cert;
    core->server_cert = zcert_load(cert_path);
    core->auth = core->server_cert ? zactor_new(zauth, NULL) : NULL;
    if (!core->server_cert || !core->auth || s_load_clients(core) != 0) {
        snprintf(err, errlen, "security.server_cert: cannot load '%s' or start zauth", cert_path);
        return -1;
    }
    return 0;
}

void core_security_apply(bitten_core_t *core, void *socket)
{
    if (!core->server_cert)
        return;
    //  zauth answers ZAP with the key's certificate (its metadata names the account).
    int on = 1;
    zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on);
    zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, zcert_secret_key(core->server_cert), 32);
    zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "bitten", 6);
}

void core_security_reload(bitten_core_t *core)
{
    if (core->auth && s_load_clients(core) != 0)
        BLOG_ERROR(core->log, "core", "keys.reload_failed", "clients_dir=%s",
                   core->set.clients_dir);
}

/* ---------------------------------------------------------------- --insecure */

static void s_insecure_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    BLOG_WARN(core->log, "core", "security.insecure",
              "msg=\"non-loopback bind without CURVE: EAs are not authenticated\" command=%s "
              "router=%s feedback=%s confirm=%s events=%s trust=%s",
              core->ep_command, core->ep_router, core->ep_feedback, core->ep_confirm,
              core->ep_events, core_trust_mode(core));
}

void core_security_warn_insecure(bitten_core_t *core)
{
    //  The bound endpoints (a wildcard port already resolved), not the configured text.
    if (!core->set.insecure ||
        (bitten_endpoint_is_local(core->ep_command) &&
         bitten_endpoint_is_local(core->ep_feedback) && bitten_endpoint_is_local(core->ep_router) &&
         bitten_endpoint_is_local(core->ep_confirm) && bitten_endpoint_is_local(core->ep_events)))
        return;
    core_timer_start(core, &core->insecure_timer, s_insecure_cb, (double)core->set.insecure_warn_s);
    s_insecure_cb(core->loop, &core->insecure_timer, 0);
}

void core_security_stop(bitten_core_t *core)
{
    if (core->loop)
        ev_timer_stop(core->loop, &core->insecure_timer);
    zactor_destroy(&core->auth);
    zcert_destroy(&core->server_cert);
}
