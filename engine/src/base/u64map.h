/* base/u64map.h — a map from a uint64 key to a pointer, open addressing;
 * key 0 is never stored (callers offset their keys). Not thread-safe: the
 * owner's lock protects it. A zeroed map is empty and ready. */
#ifndef PL_U64MAP_H
#define PL_U64MAP_H

#include <stdint.h>

typedef struct pl__u64map {
  uint64_t *keys; /* 0: empty slot */
  void **vals;
  uint32_t cap, n; /* cap: power of two, or 0 */
} pl__u64map;

/* The value stored for key, or NULL. */
void *pl__u64map_get(const pl__u64map *m, uint64_t key);
/* Stores (or replaces) key -> val; 0 or PL_ENOMEM (map unchanged). */
int pl__u64map_put(pl__u64map *m, uint64_t key, void *val);
/* Frees the arrays (not the values) and empties the map. */
void pl__u64map_free(pl__u64map *m);

#endif
