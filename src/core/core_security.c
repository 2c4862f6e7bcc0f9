/*  core_security.c: CURVE on the EA-facing sockets (server certificate, zauth with the allowed
 *  EA certificates, reload on SIGHUP), the --insecure warning and the one loopback test. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---------------------------------------------------------------- the control token */

#define TOKEN_MIN 16

//  Creates path with 32 random bytes as 64 hex characters, mode 0640 (owner + the service
//  group: the operator's bittenctl reads it). O_EXCL: an existing file is never replaced.
static int s_token_create(const char *path, char *err, size_t errlen)
{
    unsigned char raw[32];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        snprintf(err, errlen, "control.token_file: no randomness for '%.300s'", path);
        return -1;
    }
    char hex[2 * sizeof raw + 2];
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    hex[2 * sizeof raw] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0 || fchmod(fd, 0640) != 0 ||
        write(fd, hex, 2 * sizeof raw + 1) != (ssize_t)(2 * sizeof raw + 1)) {
        snprintf(err, errlen, "control.token_file: cannot create '%.300s': %s", path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int core_control_token_load(bitten_core_t *core, char *err, size_t errlen)
{
    core->control_token[0] = '\0';
    core->control_ipc = strncmp(core->set.ep_control, "ipc://", 6) == 0;
    const char *path = core->set.token_file;
    if (!path || !*path)
        return 0;
    struct stat sb;
    bool created = false;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        if (s_token_create(path, err, errlen) != 0)
            return -1;
        created = true;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "control.token_file: cannot read '%.300s': %s", path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    //  A token any local user can read is no credential.
    if (sb.st_mode & (S_IROTH | S_IWOTH)) {
        close(fd);
        snprintf(err, errlen,
                 "control.token_file: '%.300s' is readable or writable by others "
                 "(chmod 0640)",
                 path);
        return -1;
    }
    char buf[sizeof core->control_token];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\r\n \t")] = '\0';
    if (strlen(buf) < TOKEN_MIN) {
        snprintf(err, errlen,
                 "control.token_file: '%.300s' holds no token of %d or more "
                 "characters on its first line",
                 path, TOKEN_MIN);
        return -1;
    }
    memcpy(core->control_token, buf, sizeof core->control_token);
    if (created) /* once per install: an existing token is not news */
        BLOG_WARN(core->log, "core", "control.token_created",
                  "file=%s msg=\"new operator token; bittenctl reads it from this file\"", path);
    return 0;
}

//  Compares all of want's bytes whatever got is, so the time says nothing about the token.
static bool s_token_equal(const char *want, const char *got)
{
    size_t n = strlen(want), m = strlen(got);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
    return diff == 0;
}

bool core_control_authorized(const bitten_core_t *core, const json_t *request, const char **why)
{
    if (core->control_token[0]) {
        const char *got = json_string_value(json_object_get(request, "token"));
        *why = got ? "the token does not match control.token_file"
                   : "acting commands need the operator token (control.token_file)";
        return got && s_token_equal(core->control_token, got);
    }
    *why = "acting commands over a tcp:// control socket need control.token_file";
    return core->control_ipc;
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
