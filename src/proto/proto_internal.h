/*  proto_internal.h: what the proto/ sources share and nothing outside proto/ may use.
 *  The accepted time window and the wire names of every enum. */
#ifndef BITTEN_PROTO_INTERNAL_H
#define BITTEN_PROTO_INTERNAL_H

#include <stdbool.h>

#include "bitten/dialect.h"
#include "bitten/proto.h"

/*  Timestamps outside [2000-01-01, 2100-01-01) UTC are garbage (epoch ms where seconds belong,
 *  uninitialised MT5 datetimes) rather than times: refusing them catches unit mistakes. */
#define PROTO_TIME_MIN_S 946684800LL  /* 2000-01-01T00:00:00Z */
#define PROTO_TIME_MAX_S 4102444800LL /* 2100-01-01T00:00:00Z, excluded */
#define PROTO_TIME_MIN_MS (PROTO_TIME_MIN_S * 1000)
#define PROTO_TIME_MAX_MS (PROTO_TIME_MAX_S * 1000)

/*  Length of "2025-08-01T12:34:56.789Z" plus its NUL. */
#define PROTO_TIME_BUF 25

bool proto_time_in_window(bitten_ms_t ms);

/*  What bitten_dialect_detect says of a frame already parsed (root NULL when it did not
 *  parse; a scalar root is "not JSON", as without JSON_DECODE_ANY). */
#include "proto/jv.h"
bitten_dialect_detect_t proto_detect_tree(const proto_jv_t *root);

/*  Wire names of the enums, indexed by value (defined in encode.c). The decoder matches
 *  them case-insensitively; the public *_str functions read them. */
#define PROTO_RESULT_STATUS_COUNT 5
#define PROTO_EA_STATUS_COUNT 5
#define PROTO_ACTION_COUNT 4
#define PROTO_EA_CMD_COUNT 3
#define PROTO_EA_PARAM_COUNT 2

extern const char *const proto_frame_names[BITTEN_FRAME_COUNT_];
extern const char *const proto_result_names[PROTO_RESULT_STATUS_COUNT];
extern const char *const proto_ea_status_names[PROTO_EA_STATUS_COUNT];
extern const char *const proto_action_names[PROTO_ACTION_COUNT];
extern const char *const proto_ea_cmd_names[PROTO_EA_CMD_COUNT];
extern const char *const proto_ea_param_names[PROTO_EA_PARAM_COUNT];

#endif
