/* base/strmap.h — an open-addressing map from a NUL-terminated string to an
 * int32 index (the interning of caller codes into dense indexes).
 *
 * The map does not copy keys: each key must stay valid and unchanged while
 * it is in the map (records own their codes; the map points at them).
 * Not thread-safe: the owner's lock protects it. */
#ifndef PL_STRMAP_H
#define PL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl__strmap_slot {
  const char *key; /* NULL: empty */
  uint32_t hash;
  int32_t val;
} pl__strmap_slot;

typedef struct pl__strmap {
  pl__strmap_slot *slots;
  uint32_t cap; /* power of two, or 0 */
  uint32_t n;
} pl__strmap;

/* Hash of a byte string (FNV-1a, 32 bit). */
uint32_t pl__hash_bytes(const void *p, size_t n);

/* Returns the value stored for key, or -1. */
int32_t pl__strmap_get(const pl__strmap *m, const char *key);

/* Makes room for `extra` more keys, so that as many puts cannot fail.
 * Returns 0 or PL_ENOMEM (map unchanged). */
int pl__strmap_reserve(pl__strmap *m, uint32_t extra);

/* Inserts key -> val; the key must not be present. Returns 0 or PL_ENOMEM
 * (map unchanged); never fails after a pl__strmap_reserve for it. */
int pl__strmap_put(pl__strmap *m, const char *key, int32_t val);

void pl__strmap_free(pl__strmap *m);

#endif
