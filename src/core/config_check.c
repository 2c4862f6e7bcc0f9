/*  config_check.c: what start-up would trip over, found before anything is bound: endpoint
 *  syntax (a port out of range, a transport ZeroMQ does not have) and the files and dirs. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <czmq.h>

#include "core/config_check.h"

/* ---------------------------------------------------------------- endpoints */

//  Keys named *.endpoint that are not ZeroMQ endpoints (checked by their own parser).
static bool s_not_zmq(const char *key)
{
    static const char *const others[] = {"metrics.endpoint"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        if (strcmp(key, others[i]) == 0)
            return true;
    return false;
}

static int s_check_tcp(const char *rest, char *why, size_t whylen)
{
    const char *colon = strrchr(rest, ':');
    if (strchr(rest, ';')) {
        snprintf(why, whylen, "a source;destination pair cannot be bound");
        return -1;
    }
    if (!colon || colon == rest || (rest[0] == '[' && colon[-1] != ']')) {
        snprintf(why, whylen, "expected tcp://HOST:PORT");
        return -1;
    }
    const char *port = colon + 1;
    if (strcmp(port, "*") == 0 || strcmp(port, "!") == 0)
        return 0; /* an ephemeral port chosen by the OS (so is 0) */
    char *end = NULL;
    errno = 0;
    long n = strtol(port, &end, 10);
    if (!*port || errno || *end || port[0] == '-' || port[0] == '+' || n < 0 || n > 65535) {
        snprintf(why, whylen, "port '%.16s' is not 0..65535 or '*'", port);
        return -1;
    }
    return 0;
}

int bitten_endpoint_check(const char *ep, char *why, size_t whylen)
{
    if (strncmp(ep, "tcp://", 6) == 0)
        return s_check_tcp(ep + 6, why, whylen);
    if (strncmp(ep, "ipc://", 6) == 0) {
        size_t n = strlen(ep + 6);
        if (n == 0 || n >= sizeof((struct sockaddr_un *)0)->sun_path) {
            snprintf(why, whylen, "ipc path must be 1..%zu bytes",
                     sizeof((struct sockaddr_un *)0)->sun_path - 1);
            return -1;
        }
        return 0;
    }
    if (strncmp(ep, "inproc://", 9) == 0) {
        if (!ep[9]) {
            snprintf(why, whylen, "inproc needs a name");
            return -1;
        }
        return 0;
    }
    snprintf(why, whylen, "not a ZMQ endpoint (tcp://, ipc://, inproc://)");
    return -1;
}

int bitten_config_check_endpoints(const bitten_config_t *cfg, char *err, size_t errlen)
{
    static const char suffix[] = ".endpoint";
    for (int i = 0; bitten_config_keys[i].key; i++) {
        const bitten_cfg_key_t *k = &bitten_config_keys[i];
        size_t n = strlen(k->key);
        if (k->type != BITTEN_CFG_STRING || n < sizeof suffix ||
            strcmp(k->key + n - (sizeof suffix - 1), suffix) != 0 || s_not_zmq(k->key))
            continue;
        const char *ep = bitten_config_str(cfg, k->key);
        char why[128];
        if (bitten_endpoint_check(ep, why, sizeof why) != 0) {
            snprintf(err, errlen, "config: key '%s': '%.200s': %s", k->key, ep, why);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- files */

//  The directory a path lives in: "/a/b" -> "/a", "/a" -> "/", "a" -> ".".
static void s_parent_of(const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash == buf)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(buf, size, ".");
}

//  A directory we can create files in, or one that mkdir can create: the nearest existing
//  ancestor must then be a writable directory. Returns 0 or -1 + why.
static int s_check_writable_dir(const char *dir, char *why, size_t whylen)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(why, whylen, "'%.200s' exists and is not a directory", dir);
            return -1;
        }
        if (access(dir, W_OK | X_OK) != 0) {
            snprintf(why, whylen, "'%.200s' is not writable: %s", dir, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(why, whylen, "'%.200s': %s", dir, strerror(errno));
        return -1;
    }
    //  Only the last component is created (store.c's mkdir), so its parent must exist.
    char parent[PATH_MAX];
    s_parent_of(dir, parent, sizeof parent);
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode) || access(parent, W_OK | X_OK) != 0) {
        snprintf(why, whylen, "'%.200s' does not exist and cannot be created in '%.200s'", dir,
                 parent);
        return -1;
    }
    return 0;
}

static int s_check_server_cert(const char *path, char *why, size_t whylen)
{
    if (access(path, R_OK) != 0) {
        snprintf(why, whylen, "cannot read '%.200s': %s", path, strerror(errno));
        return -1;
    }
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        snprintf(why, whylen, "'%.200s' is not a CURVE certificate", path);
        return -1;
    }
    static const byte zero[32] = {0};
    bool has_secret = memcmp(zcert_secret_key(cert), zero, sizeof zero) != 0;
    zcert_destroy(&cert);
    if (!has_secret) {
        snprintf(why, whylen, "'%.200s' holds no secret key (point it at the _secret file)", path);
        return -1;
    }
    return 0;
}

static int s_check_readable_dir(const char *dir, char *why, size_t whylen)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, R_OK | X_OK) != 0) {
        snprintf(why, whylen, "'%.200s' is not a readable directory", dir);
        return -1;
    }
    return 0;
}

static int s_check_log_file(const char *path, char *why, size_t whylen)
{
    if (access(path, F_OK) == 0) {
        if (access(path, W_OK) != 0) {
            snprintf(why, whylen, "cannot append to '%.200s': %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    char parent[PATH_MAX];
    s_parent_of(path, parent, sizeof parent);
    if (access(parent, W_OK | X_OK) != 0) {
        snprintf(why, whylen, "cannot create '%.200s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int bitten_config_check_files(const bitten_config_t *cfg, char *err, size_t errlen)
{
    char why[512];
    const char *key = NULL;
    if (bitten_config_bool(cfg, "security.curve")) {
        const char *cert = bitten_config_str(cfg, "security.server_cert");
        const char *clients = bitten_config_str(cfg, "security.clients_dir");
        if (*cert && s_check_server_cert(cert, why, sizeof why) != 0)
            key = "security.server_cert";
        else if (*clients && s_check_readable_dir(clients, why, sizeof why) != 0)
            key = "security.clients_dir";
    }
    const char *state = bitten_config_str(cfg, "state_dir");
    if (!key && (!*state || s_check_writable_dir(state, why, sizeof why) != 0)) {
        key = "state_dir";
        if (!*state)
            snprintf(why, sizeof why, "must be set");
    }
    const char *log = bitten_config_str(cfg, "log.file");
    if (!key && *log && s_check_log_file(log, why, sizeof why) != 0)
        key = "log.file";
    if (key) {
        snprintf(err, errlen, "config: key '%s': %s", key, why);
        return -1;
    }
    return 0;
}
