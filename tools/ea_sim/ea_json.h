/*  ea_json.h: JSON read the way the real BITTEN EAs read it (docs/ea-sim.md, ea-dialects.md
 *  §2.3): a substring search, not a parser. bitten-ea-sim executes commands through it, and
 *  tests use it to read bittend's commands back "as that EA would".
 *
 *  Rules, from the EAs' source (v7 GetJsonValue, v2.x ExtractJsonValue):
 *  - the key is the FIRST occurrence of `"key":` anywhere in the text (inside a nested object
 *    or a string value too); nothing may stand between the closing quote and the colon;
 *  - after the colon, spaces and tabs are skipped;
 *  - a value starting with `"` runs to the next `"`; escapes are not interpreted (`\"` ends
 *    it, `\u00e9` stays six characters). With no closing quote v7 reads "" and v2.x reads to
 *    the end of the text;
 *  - any other value runs up to `,` or `}` (v7 also space, CR, LF; v2.x also `]`);
 *  - a missing key, or an empty value, reads as "".
 *  - the EA sees at most 4095 (v7) / 4096 (v2.x) bytes of a frame, and its string ends at the
 *    first NUL byte (CharArrayToString). */
#ifndef BITTEN_EA_JSON_H
#define BITTEN_EA_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    EA_JSON_V7, /* BITTENBridge ZMQ v7 (7.01): GetJsonValue */
    EA_JSON_V2  /* Universal EA v2.02 / v2.05: ExtractJsonValue */
} ea_json_flavor_t;

#define EA_JSON_V7_RECV_MAX 4095
#define EA_JSON_V2_RECV_MAX 4096

/*  The bytes of a received frame as the EA's string: at most the flavor's receive size, cut
 *  at the first NUL. Copies into out (size >= EA_JSON_V2_RECV_MAX + 1 holds every case;
 *  smaller buffers truncate further) and returns the length. */
size_t ea_json_frame(const void *data, size_t len, ea_json_flavor_t flavor, char *out, size_t size);

/*  The text value of key, NUL-terminated in out (cut to size - 1 bytes). Returns true when
 *  the key was found, false when it is absent (out is then ""). A found key may still have
 *  the value "" (exactly what the EA compares against). */
bool ea_json_get(const char *json, const char *key, ea_json_flavor_t flavor, char *out,
                 size_t size);

/*  StringToDouble / StringToInteger of that value: the leading decimal number, 0 when there
 *  is none ("null", "", "abc", a missing key). `"lot":"0.05"` equals `"lot":0.05`. */
double ea_json_double(const char *json, const char *key, ea_json_flavor_t flavor);
long long ea_json_int(const char *json, const char *key, ea_json_flavor_t flavor);

#endif
