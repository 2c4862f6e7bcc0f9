/*  events.h: the events channel's contract: one table of every topic bittend publishes with
 *  its fields and their JSON types, which checks each event at emit and writes docs/events.md. */
#ifndef BITTEN_EVENTS_H
#define BITTEN_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

typedef enum {
    BITTEN_EVF_STRING,
    BITTEN_EVF_INT,    /* a JSON integer */
    BITTEN_EVF_NUMBER, /* a JSON number (integer or real) */
    BITTEN_EVF_BOOL,
    BITTEN_EVF_ARRAY,
    BITTEN_EVF_OBJECT
} bitten_evf_type_t;

typedef enum {
    BITTEN_EVF_REQUIRED = 0, /* always present, never null */
    BITTEN_EVF_OPTIONAL = 1, /* may be absent (never null) */
    BITTEN_EVF_NULLABLE = 2  /* always present, null when unknown */
} bitten_evf_presence_t;

typedef struct {
    const char *name;
    bitten_evf_type_t type;
    bitten_evf_presence_t presence;
    const char *doc;
} bitten_event_field_t;

typedef struct {
    const char *topic;
    const char *publisher; /* the module (or core) that publishes it */
    const char *doc;
    const bitten_event_field_t *fields; /* ended by a row with name == NULL */
} bitten_event_topic_t;

/*  Every topic, ended by a row with topic == NULL. Defined in src/core/events_schema.c. */
extern const bitten_event_topic_t bitten_event_topics[];

/*  Fields every event carries (added by bitten_core_emit): "seq" and "ts". */
extern const bitten_event_field_t bitten_event_common_fields[];

/*  The topic's row, or NULL. */
const bitten_event_topic_t *bitten_event_topic_find(const char *topic);

/*  Checks an event's body against its topic's row (the common fields may be present or not):
 *  the topic is known, every field is declared, required ones are there, types match. Returns
 *  0, or -1 with the first problem in why. */
int bitten_event_check(const char *topic, const json_t *body, char *why, size_t whylen);

/*  Writes docs/events.md's generated part (Markdown) from the table. */
void bitten_events_write_doc(FILE *out);

#endif
