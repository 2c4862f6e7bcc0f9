/*  bus.c: the event bus: per event, an ordered array of (handler, self) pairs.
 *  Publishing walks the array on the caller's stack; nothing is queued or copied. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "bitten/bus.h"

#define BUS_MAX_DEPTH 16

typedef struct {
    bitten_bus_handler_fn *fn;
    void *self;
} s_handler_t;

typedef struct {
    s_handler_t *items;
    size_t count, cap;
} s_handlers_t;

struct bitten_bus {
    s_handlers_t handlers[BITTEN_EV_COUNT_];
    int depth;
};

static const char *const s_event_names[] = {
#define BITTEN_EVENT_NAME_(id, name, payload) name,
    BITTEN_EVENTS(BITTEN_EVENT_NAME_)
#undef BITTEN_EVENT_NAME_
};

const char *bitten_event_name(bitten_event_t event)
{
    if ((int)event < 0 || event >= BITTEN_EV_COUNT_)
        return "?";
    return s_event_names[event];
}

int bitten_event_from_name(const char *name)
{
    for (int i = 0; i < BITTEN_EV_COUNT_; i++)
        if (strcmp(s_event_names[i], name) == 0)
            return i;
    return -1;
}

bitten_bus_t *bitten_bus_new(void)
{
    return calloc(1, sizeof(bitten_bus_t));
}

void bitten_bus_destroy(bitten_bus_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bitten_bus_t *self = *self_p;
    for (int i = 0; i < BITTEN_EV_COUNT_; i++)
        free(self->handlers[i].items);
    free(self);
    *self_p = NULL;
}

int bitten_bus_subscribe(bitten_bus_t *self, bitten_event_t event, bitten_bus_handler_fn *handler,
                         void *handler_self)
{
    assert(self && handler);
    if ((int)event < 0 || event >= BITTEN_EV_COUNT_)
        return -1;
    s_handlers_t *list = &self->handlers[event];
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 4;
        s_handler_t *items = realloc(list->items, cap * sizeof(*items));
        if (!items)
            return -1;
        list->items = items;
        list->cap = cap;
    }
    list->items[list->count++] = (s_handler_t){handler, handler_self};
    return 0;
}

void bitten_bus_unsubscribe_all(bitten_bus_t *self, void *handler_self)
{
    for (int i = 0; i < BITTEN_EV_COUNT_; i++) {
        s_handlers_t *list = &self->handlers[i];
        size_t kept = 0;
        for (size_t j = 0; j < list->count; j++)
            if (list->items[j].self != handler_self)
                list->items[kept++] = list->items[j];
        list->count = kept;
    }
}

void bitten_bus_publish(bitten_bus_t *self, bitten_event_t event, const void *payload)
{
    assert(self && event < BITTEN_EV_COUNT_);
    //  A handler that publishes what it handles would recurse forever: a programmer error.
    assert(self->depth < BUS_MAX_DEPTH);
    const s_handlers_t *list = &self->handlers[event];
    self->depth++;
    //  Index, not pointer: a handler may subscribe more handlers (realloc) while we walk.
    for (size_t i = 0; i < list->count; i++)
        list->items[i].fn(list->items[i].self, event, payload);
    self->depth--;
}

size_t bitten_bus_handler_count(const bitten_bus_t *self, bitten_event_t event)
{
    return event < BITTEN_EV_COUNT_ ? self->handlers[event].count : 0;
}
