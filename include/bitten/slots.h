/*  slots.h: a module's per-account records indexed by the accounts module's slot
 *  (bitten_account_ref_t), so a frame's handler finds its record without hashing the uuid. */
#ifndef BITTEN_SLOTS_H
#define BITTEN_SLOTS_H

#include <stddef.h>

/*  Borrowed pointers (the module owns its records and keeps them in its own uuid index too).
 *  A slot is a hint: the caller checks the record it gets back is the frame's account (its
 *  uuid) and otherwise looks the uuid up as before and puts the right record in the slot. A
 *  module that frees a record must bitten_slots_forget it first. Zero-initialised = empty. */
typedef struct {
    void **items;
    size_t cap;
} bitten_slots_t;

/*  The record in slot, or NULL (never put, forgotten, or slot < 0 / beyond the table). */
void *bitten_slots_get(const bitten_slots_t *self, int slot);

/*  Puts item in slot (grows the table; 10,000 accounts: 80 KB). 0, or -1 for slot < 0 or
 *  no memory: nothing changes, and the caller just keeps using its uuid index. */
int bitten_slots_put(bitten_slots_t *self, int slot, void *item);

/*  Clears every slot that holds item (a record about to be freed). */
void bitten_slots_forget(bitten_slots_t *self, const void *item);

/*  Frees the table (not the records); the table is empty and usable again. */
void bitten_slots_free(bitten_slots_t *self);

#endif
