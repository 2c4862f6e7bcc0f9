/*  core_security.c: CURVE on the EA-facing sockets (server certificate, our ZAP handler with
 *  the allowed EA certificates and one domain per socket, reload on SIGHUP), the control
 *  token, the --insecure warning and the one loopback test. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---------------------------------------------------------------- CURVE and ZAP */

//  libzmq asks the ZAP handler bound here (in its context) about every CURVE handshake.
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* libzmq draft option: no handler means refused, not open */
#endif
#define ZAP_MAX_PARTS 10 /* a CURVE request has 9 (with the ROUTER's routing id) */
#define ZAP_TEXT_MAX BITTEN_ZAP_TEXT_MAX

//  Our own ZAP handler (RFC 27) in place of czmq's zauth: zauth admits every allowed key on
//  every socket, so a PUSH (which cannot tell its peers apart) would take any account's key.
//  Here each socket has its own domain and the answer depends on whose key it is (zap.c).
typedef struct core_zap core_zap_t;
struct core_zap {
    bitten_core_t *core;
    void *socket; /* ROUTER bound at ZAP_ENDPOINT, watched on the loop */
    zwatch_t *watch;
    zhashx_t *keys; /* z85 public key -> its certificate's account uuid ("" none) */
    uint64_t requests, allowed, reply_failed;
    uint64_t refused[BITTEN_ZAP_VERDICT_COUNT_];
    bitten_ms_t logged_ms[BITTEN_ZAP_VERDICT_COUNT_]; /* last zap.refused line per reason */
    uint64_t unlogged[BITTEN_ZAP_VERDICT_COUNT_];     /* refusals since that line */
    bool have_last;
    bitten_zap_verdict_t last_reason;
    char last_domain[ZAP_TEXT_MAX], last_uuid[BITTEN_ID_MAX + 1], last_address[ZAP_TEXT_MAX];
    char last_key[41];
    bitten_ms_t last_ms;
};

//  The allowed keys of every certificate file in dir (public .cert, and a _secret one, which
//  is named in a warning: a secret key belongs on its EA only). NULL when dir is unreadable.
static zhashx_t *s_keys_load(bitten_core_t *core, const char *dir, size_t *files)
{
    zdir_t *listing = dir && *dir ? zdir_new(dir, NULL) : NULL;
    if (!listing)
        return NULL;
    zhashx_t *keys = zhashx_new();
    zhashx_set_destructor(keys, (zhashx_destructor_fn *)zstr_free);
    zhashx_set_duplicator(keys, (zhashx_duplicator_fn *)strdup);
    zfile_t **list = zdir_flatten(listing);
    *files = 0;
    for (size_t i = 0; list && list[i]; i++) {
        const char *path = zfile_filename(list[i], NULL);
        zconfig_t *cert = zconfig_load(path);
        const char *pub = cert ? zconfig_get(cert, "curve/public-key", NULL) : NULL;
        uint8_t raw[32];
        char z85[41];
        (*files)++;
        if (!pub || strlen(pub) != 40 || !zmq_z85_decode(raw, pub) ||
            !zmq_z85_encode(z85, raw, 32)) {
            BLOG_DEBUG(core->log, "core", "keys.skipped", "path=%s why=\"no CURVE public key\"",
                       path);
            zconfig_destroy(&cert);
            continue;
        }
        if (zconfig_get(cert, "curve/secret-key", NULL))
            BLOG_WARN(core->log, "core", "keys.secret_in_clients_dir",
                      "path=%s msg=\"a secret key belongs on its EA only: move it out of "
                      "security.clients_dir\"",
                      path);
        const char *uuid = zconfig_get(cert, "metadata/uuid", "");
        if (!bitten_valid_id(uuid))
            uuid = "";
        const char *had = zhashx_lookup(keys, z85);
        //  One key, two accounts: it proves neither (fail closed).
        if (had && strcmp(had, uuid) != 0) {
            BLOG_WARN(core->log, "core", "keys.conflict",
                      "path=%s key=%s msg=\"another certificate gives this key another account: "
                      "it speaks for none\"",
                      path, z85);
            uuid = "";
        }
        zhashx_update(keys, z85, (void *)uuid);
        zconfig_destroy(&cert);
    }
    zdir_flatten_free(&list);
    zdir_destroy(&listing);
    return keys;
}

//  (Re)loads the allowed EA certificates: at start and on SIGHUP (key rotation). The table
//  is read at each handshake: a removed key stops new connections, not live ones. A reload
//  that cannot read the dir leaves no key allowed (fail closed) and says so.
static int s_load_clients(bitten_core_t *core)
{
    core_zap_t *zap = core->zap;
    const char *dir = core->set.clients_dir;
    size_t files = 0;
    zhashx_t *keys = s_keys_load(core, dir, &files);
    zhashx_destroy(&zap->keys);
    zap->keys = keys ? keys : zhashx_new();
    if (!keys)
        return -1;
    BLOG_INFO(core->log, "core", "keys.loaded", "clients_dir=%s files=%zu keys=%zu", dir, files,
              zhashx_size(zap->keys));
    return 0;
}

//  Counts and logs a refusal: one zap.refused line per reason per reject.log_interval_ms,
//  with the refusals it stands for. Names the socket and the key's account, never a secret.
static void s_zap_refused(core_zap_t *zap, bitten_zap_verdict_t verdict, const char *domain,
                          const char *uuid, const char *key, const char *address)
{
    bitten_core_t *core = zap->core;
    bitten_ms_t now = core_daemon_ms(core);
    zap->refused[verdict]++;
    zap->have_last = true;
    zap->last_reason = verdict;
    zap->last_ms = now;
    snprintf(zap->last_domain, sizeof zap->last_domain, "%s", domain);
    snprintf(zap->last_uuid, sizeof zap->last_uuid, "%s", uuid ? uuid : "");
    snprintf(zap->last_address, sizeof zap->last_address, "%s", address);
    snprintf(zap->last_key, sizeof zap->last_key, "%s", key);
    if (zap->logged_ms[verdict] &&
        now - zap->logged_ms[verdict] < core->set.reject_log_interval_ms) {
        zap->unlogged[verdict]++;
        return;
    }
    char qd[2 * ZAP_TEXT_MAX], qa[2 * ZAP_TEXT_MAX];
    const char *channel =
        strncmp(domain, BITTEN_ZAP_DOMAIN_PREFIX, sizeof BITTEN_ZAP_DOMAIN_PREFIX - 1) == 0
            ? domain + sizeof BITTEN_ZAP_DOMAIN_PREFIX - 1
            : "-";
    char qc[2 * ZAP_TEXT_MAX];
    BLOG_WARN(core->log, "core", "zap.refused",
              "socket=%s domain=%s reason=%s key_uuid=%s key=%s address=%s refused=%llu "
              "suppressed=%llu",
              bitten_log_quote(channel, qc, sizeof qc), bitten_log_quote(domain, qd, sizeof qd),
              bitten_zap_verdict_str(verdict), uuid && *uuid ? uuid : "-", *key ? key : "-",
              bitten_log_quote(*address ? address : "-", qa, sizeof qa),
              (unsigned long long)zap->refused[verdict],
              (unsigned long long)zap->unlogged[verdict]);
    zap->logged_ms[verdict] = now;
    zap->unlogged[verdict] = 0;
}

//  [routing id, "", "1.0", request id, status, text, user id, metadata], without waiting.
static void s_zap_reply(core_zap_t *zap, zmq_msg_t *rid, zmq_msg_t *request_id, const char *status,
                        const char *text, const char *user_id, const unsigned char *meta,
                        size_t meta_len)
{
    const int more = ZMQ_SNDMORE | ZMQ_DONTWAIT;
    void *s = zap->socket;
    bool ok = zmq_send(s, zmq_msg_data(rid), zmq_msg_size(rid), more) >= 0 &&
              zmq_send(s, "", 0, more) >= 0 && zmq_send(s, "1.0", 3, more) >= 0 &&
              zmq_send(s, zmq_msg_data(request_id), zmq_msg_size(request_id), more) >= 0 &&
              zmq_send(s, status, 3, more) >= 0 && zmq_send(s, text, strlen(text), more) >= 0 &&
              zmq_send(s, user_id, strlen(user_id), more) >= 0 &&
              zmq_send(s, meta, meta_len, ZMQ_DONTWAIT) >= 0;
    if (!ok) {
        //  The handshake then times out in libzmq (ZMQ_HANDSHAKE_IVL): refused, never open.
        zap->reply_failed++;
        BLOG_ERROR(zap->core->log, "core", "zap.reply_failed", "errno=%d error=\"%s\"", errno,
                   zmq_strerror(errno));
    }
}

//  One ZAP request: [routing id, "", version, request id, domain, address, routing id,
//  mechanism, credentials...] (libzmq sends the CURVE client's 32-byte public key).
static void s_zap_handle(core_zap_t *zap, zmq_msg_t *p, int n, bool overflow)
{
    bitten_zap_part_t parts[ZAP_MAX_PARTS];
    for (int i = 1; i < n; i++)
        parts[i - 1] = (bitten_zap_part_t){zmq_msg_data(&p[i]), zmq_msg_size(&p[i])};
    bitten_zap_request_t req;
    int parsed = n >= 1 ? bitten_zap_parse(parts, (size_t)n - 1, &req) : -1;
    if (parsed < 0)
        return; /* no delimiter or request id: nobody to answer */
    zap->requests++;
    char key[41] = "";
    const char *uuid = NULL;
    bitten_zap_verdict_t verdict = BITTEN_ZAP_MALFORMED;
    if (parsed == 1 && !overflow) {
        if (req.has_key && zmq_z85_encode(key, req.key, sizeof req.key))
            uuid = zhashx_lookup(zap->keys, key);
        verdict =
            bitten_zap_decide(req.domain, req.mechanism, uuid, zap->core->set.command_account);
    }
    unsigned char meta[1 + 4 + 4 + BITTEN_ID_MAX];
    if (verdict == BITTEN_ZAP_ALLOW) {
        zap->allowed++;
        BLOG_DEBUG(zap->core->log, "core", "zap.allowed", "domain=%s key_uuid=%s key=%s",
                   req.domain, uuid, key);
        s_zap_reply(zap, &p[0], &p[3], "200", "OK", uuid, meta,
                    bitten_zap_metadata(uuid, meta, sizeof meta));
        return;
    }
    s_zap_refused(zap, verdict, req.domain, uuid, key, req.address);
    s_zap_reply(zap, &p[0], &p[3], verdict == BITTEN_ZAP_MALFORMED ? "500" : "400",
                bitten_zap_verdict_str(verdict), "", meta, 0);
}

//  Runs on the loop: every read and write is ZMQ_DONTWAIT, at most loop.max_frames_per_wakeup
//  requests per turn (zwatch calls again for the rest). libzmq waits for the answer inside
//  its own I/O thread, so nothing here ever waits for a peer.
static void s_zap_cb(zwatch_t *watch, void *socket, int revents, void *arg)
{
    core_zap_t *zap = arg;
    for (int i = 0; i < zap->core->set.max_frames; i++) {
        zmq_msg_t p[ZAP_MAX_PARTS];
        if (!core_recv_next(socket, &p[0]))
            return;
        int n = 1;
        bool overflow = false;
        while (zmq_msg_more(&p[n - 1])) {
            zmq_msg_t *next = n < ZAP_MAX_PARTS ? &p[n] : NULL;
            zmq_msg_t spill;
            if (!core_recv_next(socket, next ? next : &spill))
                break;
            if (next)
                n++;
            else {
                overflow = true;
                bool more = zmq_msg_more(&spill);
                zmq_msg_close(&spill);
                if (!more)
                    break;
            }
        }
        s_zap_handle(zap, p, n, overflow);
        for (int k = 0; k < n; k++)
            zmq_msg_close(&p[k]);
    }
}

static void s_zap_status(void *self, json_t *section)
{
    core_zap_t *zap = self;
    json_t *by = json_object();
    uint64_t total = 0;
    for (int v = BITTEN_ZAP_ALLOW + 1; v < BITTEN_ZAP_VERDICT_COUNT_; v++) {
        json_object_set_new(by, bitten_zap_verdict_str(v),
                            json_integer((json_int_t)zap->refused[v]));
        total += zap->refused[v];
    }
    json_object_set_new(section, "keys", json_integer((json_int_t)zhashx_size(zap->keys)));
    json_object_set_new(section, "requests", json_integer((json_int_t)zap->requests));
    json_object_set_new(section, "allowed", json_integer((json_int_t)zap->allowed));
    json_object_set_new(section, "refused", json_integer((json_int_t)total));
    json_object_set_new(section, "refused_by_reason", by);
    json_object_set_new(section, "reply_failed", json_integer((json_int_t)zap->reply_failed));
    json_object_set_new(
        section, "last_refused",
        zap->have_last
            ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "domain", zap->last_domain, "reason",
                        bitten_zap_verdict_str(zap->last_reason), "key_uuid", zap->last_uuid, "key",
                        zap->last_key, "address", zap->last_address, "age_ms",
                        (json_int_t)(core_daemon_ms(zap->core) - zap->last_ms))
            : json_null());
}

static void s_zap_destroy(core_zap_t **zap_p)
{
    core_zap_t *zap = *zap_p;
    if (!zap)
        return;
    zwatch_destroy(&zap->watch);
    if (zap->socket)
        zmq_close(zap->socket);
    zhashx_destroy(&zap->keys);
    free(zap);
    *zap_p = NULL;
}

//  The handler is bound before any EA-facing socket exists, so no handshake ever runs
//  without it (and ZMQ_ZAP_ENFORCE_DOMAIN makes a missing handler a refusal, not a pass).
static core_zap_t *s_zap_new(bitten_core_t *core)
{
    core_zap_t *zap = calloc(1, sizeof *zap);
    if (!zap)
        return NULL;
    zap->core = core;
    zap->socket = zmq_socket(core->zctx, ZMQ_ROUTER);
    int zero = 0;
    if (!zap->socket || zmq_setsockopt(zap->socket, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(zap->socket, ZAP_ENDPOINT) != 0 ||
        !(zap->watch = zwatch_new(core->loop, zap->socket, ZMQ_POLLIN, s_zap_cb, zap))) {
        s_zap_destroy(&zap);
        return NULL;
    }
    return zap;
}

int core_security_start(bitten_core_t *core, char *err, size_t errlen)
{
    if (!core->set.curve)
        return 0;
    const char *cert_path = core->set.server_cert;
    core->server_cert = zcert_load(cert_path);
    if (!core->server_cert) {
        snprintf(err, errlen, "security.server_cert: cannot load '%s'", cert_path);
        return -1;
    }
    core->zap = s_zap_new(core);
    if (!core->zap) {
        snprintf(err, errlen, "security: cannot start the ZAP handler (%s): %s", ZAP_ENDPOINT,
                 zmq_strerror(errno));
        return -1;
    }
    if (s_load_clients(core) != 0) {
        snprintf(err, errlen, "security.clients_dir: cannot read '%s'", core->set.clients_dir);
        return -1;
    }
    bitten_core_status_register(core, "zap", s_zap_status, core->zap);
    return 0;
}

int core_security_apply(bitten_core_t *core, void *socket, const char *channel)
{
    if (!core->server_cert)
        return 0;
    //  The domain names the socket: the ZAP handler admits only the keys it may hold.
    char domain[BITTEN_ZAP_DOMAIN_MAX + 1];
    int on = 1;
    if (bitten_zap_domain(channel, domain, sizeof domain) != 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on) != 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, zcert_secret_key(core->server_cert), 32) != 0 ||
        zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0)
        return -1;
    if (zmq_setsockopt(socket, ZMQ_ZAP_ENFORCE_DOMAIN, &on, sizeof on) != 0)
        BLOG_DEBUG(core->log, "core", "zap.enforce_unavailable", "domain=%s", domain);
    return 0;
}

void core_security_reload(bitten_core_t *core)
{
    if (core->zap && s_load_clients(core) != 0)
        BLOG_ERROR(core->log, "core", "keys.reload_failed",
                   "clients_dir=%s msg=\"cannot read it: no EA key is allowed until a reload "
                   "reads it\"",
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
    s_zap_destroy(&core->zap);
    zcert_destroy(&core->server_cert);
}
