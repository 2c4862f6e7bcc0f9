/*  zap.c: the pure half of the ZAP handler (core_security.c): which key may complete a CURVE
 *  handshake on which socket, the domain names and the reply's metadata. No sockets here. */
#include <stdio.h>
#include <string.h>

#include "bitten/proto.h"
#include "core/security.h"

static const char *const s_verdict_names[BITTEN_ZAP_VERDICT_COUNT_] = {
    [BITTEN_ZAP_ALLOW] = "allowed",
    [BITTEN_ZAP_KEY_NOT_ALLOWED] = "key_not_allowed",
    [BITTEN_ZAP_KEY_NO_ACCOUNT] = "key_names_no_account",
    [BITTEN_ZAP_ANOTHER_ACCOUNT] = "another_accounts_socket",
    [BITTEN_ZAP_NO_COMMAND_ACCOUNT] = "no_command_account",
    [BITTEN_ZAP_NOT_CURVE] = "not_curve",
    [BITTEN_ZAP_UNKNOWN_DOMAIN] = "unknown_domain",
    [BITTEN_ZAP_MALFORMED] = "malformed_request",
};

const char *bitten_zap_verdict_str(bitten_zap_verdict_t verdict)
{
    return (unsigned)verdict < BITTEN_ZAP_VERDICT_COUNT_ ? s_verdict_names[verdict] : "unknown";
}

int bitten_zap_domain(const char *channel, char *out, size_t size)
{
    int n = snprintf(out, size, BITTEN_ZAP_DOMAIN_PREFIX "%s", channel ? channel : "");
    if (!channel || !*channel || n < 0 || (size_t)n >= size || n > BITTEN_ZAP_DOMAIN_MAX) {
        if (size)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

//  The account of an "account.<uuid>.command" / ".feedback" channel into uuid, or false.
static bool s_pair_account(const char *channel, char *uuid, size_t size)
{
    static const char prefix[] = "account.";
    if (strncmp(channel, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *start = channel + sizeof prefix - 1;
    const char *dot = strrchr(start, '.');
    if (!dot || (strcmp(dot, ".command") != 0 && strcmp(dot, ".feedback") != 0))
        return false;
    size_t len = (size_t)(dot - start);
    if (len == 0 || len >= size)
        return false;
    memcpy(uuid, start, len);
    uuid[len] = '\0';
    return bitten_valid_id(uuid);
}

bitten_zap_verdict_t bitten_zap_decide(const char *domain, const char *mechanism,
                                       const char *key_uuid, const char *command_account)
{
    static const char prefix[] = BITTEN_ZAP_DOMAIN_PREFIX;
    if (!domain || strncmp(domain, prefix, sizeof prefix - 1) != 0)
        return BITTEN_ZAP_UNKNOWN_DOMAIN;
    const char *channel = domain + sizeof prefix - 1;
    char owner[BITTEN_ID_MAX + 1];
    bool shared = strcmp(channel, "feedback") == 0 || strcmp(channel, "router") == 0 ||
                  strcmp(channel, "confirm") == 0;
    bool command = strcmp(channel, "command") == 0;
    bool pair = !shared && !command && s_pair_account(channel, owner, sizeof owner);
    if (!shared && !command && !pair)
        return BITTEN_ZAP_UNKNOWN_DOMAIN;
    if (!mechanism || strcmp(mechanism, "CURVE") != 0)
        return BITTEN_ZAP_NOT_CURVE;
    if (!key_uuid)
        return BITTEN_ZAP_KEY_NOT_ALLOWED;
    //  A key that names no account speaks for nobody: every frame of it would be refused.
    if (!bitten_valid_id(key_uuid))
        return BITTEN_ZAP_KEY_NO_ACCOUNT;
    if (shared)
        return BITTEN_ZAP_ALLOW;
    //  A PUSH cannot tell its peers apart: only the owner's keys may ever sit on it.
    if (command) {
        if (!command_account || !*command_account)
            return BITTEN_ZAP_NO_COMMAND_ACCOUNT;
        return strcmp(command_account, key_uuid) == 0 ? BITTEN_ZAP_ALLOW
                                                      : BITTEN_ZAP_ANOTHER_ACCOUNT;
    }
    return strcmp(owner, key_uuid) == 0 ? BITTEN_ZAP_ALLOW : BITTEN_ZAP_ANOTHER_ACCOUNT;
}

//  part as text into out; false when it does not fit or holds a NUL.
static bool s_text(const bitten_zap_part_t *part, char *out, size_t size)
{
    if (part->size >= size || (part->size && memchr(part->data, '\0', part->size)))
        return false;
    if (part->size)
        memcpy(out, part->data, part->size);
    out[part->size] = '\0';
    return true;
}

int bitten_zap_parse(const bitten_zap_part_t *parts, size_t n, bitten_zap_request_t *req)
{
    memset(req, 0, sizeof *req);
    //  Without the delimiter and a request id there is nothing to answer.
    if (n < 3 || parts[0].size != 0)
        return -1;
    if (n < 7 || parts[1].size != 3 || memcmp(parts[1].data, "1.0", 3) != 0 ||
        !s_text(&parts[3], req->domain, sizeof req->domain) ||
        !s_text(&parts[4], req->address, sizeof req->address) ||
        !s_text(&parts[6], req->mechanism, sizeof req->mechanism))
        return 0;
    if (strcmp(req->mechanism, "CURVE") == 0) {
        if (n != 8 || parts[7].size != sizeof req->key)
            return 0;
        memcpy(req->key, parts[7].data, sizeof req->key);
        req->has_key = true;
    }
    return 1;
}

size_t bitten_zap_metadata(const char *uuid, unsigned char *out, size_t size)
{
    static const char name[] = "uuid";
    size_t nlen = sizeof name - 1, vlen = uuid ? strlen(uuid) : 0;
    size_t total = 1 + nlen + 4 + vlen;
    if (vlen == 0 || total > size)
        return 0;
    out[0] = (unsigned char)nlen;
    memcpy(out + 1, name, nlen);
    unsigned char *p = out + 1 + nlen;
    p[0] = (unsigned char)(vlen >> 24);
    p[1] = (unsigned char)(vlen >> 16);
    p[2] = (unsigned char)(vlen >> 8);
    p[3] = (unsigned char)vlen;
    memcpy(p + 4, uuid, vlen);
    return total;
}
