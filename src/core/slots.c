/*  slots.c: per-account records indexed by account slot (bitten/slots.h): a growable array of
 *  borrowed pointers. */
#include <stdlib.h>
#include <string.h>

#include "bitten/slots.h"

#define SLOTS_MIN 64

void *bitten_slots_get(const bitten_slots_t *self, int slot)
{
    return slot >= 0 && (size_t)slot < self->cap ? self->items[slot] : NULL;
}

int bitten_slots_put(bitten_slots_t *self, int slot, void *item)
{
    if (slot < 0)
        return -1;
    if ((size_t)slot >= self->cap) {
        size_t cap = self->cap ? self->cap : SLOTS_MIN;
        while (cap <= (size_t)slot)
            cap *= 2;
        void **grown = realloc(self->items, cap * sizeof *grown);
        if (!grown)
            return -1;
        memset(grown + self->cap, 0, (cap - self->cap) * sizeof *grown);
        self->items = grown;
        self->cap = cap;
    }
    self->items[slot] = item;
    return 0;
}

void bitten_slots_forget(bitten_slots_t *self, const void *item)
{
    for (size_t i = 0; i < self->cap; i++)
        if (self->items[i] == item)
            self->items[i] = NULL;
}

void bitten_slots_free(bitten_slots_t *self)
{
    free(self->items);
    self->items = NULL;
    self->cap = 0;
}
