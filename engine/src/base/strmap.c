/* base/strmap.c — string -> int32 map with linear probing.
 *
 * Invariants: cap is 0 or a power of two; n <= cap * 3 / 4 after every put;
 * entries are never removed (codes are interned for the engine's lifetime),
 * so probing needs no tombstones. */
#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "pitlane/pitlane.h"

uint32_t pl__hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 16777619u;
  }
  return h;
}

int32_t pl__strmap_get(const pl__strmap *m, const char *key) {
  if (m->cap == 0)
    return -1;
  uint32_t h = pl__hash_bytes(key, strlen(key));
  uint32_t mask = m->cap - 1;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    const pl__strmap_slot *s = &m->slots[i];
    if (s->key == NULL)
      return -1;
    if (s->hash == h && strcmp(s->key, key) == 0)
      return s->val;
  }
}

static void strmap_place(pl__strmap_slot *slots, uint32_t cap,
                         const pl__strmap_slot *src) {
  uint32_t mask = cap - 1;
  uint32_t i = src->hash & mask;
  while (slots[i].key != NULL)
    i = (i + 1) & mask;
  slots[i] = *src;
}

static int strmap_grow(pl__strmap *m, uint32_t want) {
  uint32_t ncap = m->cap ? m->cap : 16;
  while ((uint64_t)want * 4 > (uint64_t)ncap * 3)
    ncap *= 2;
  pl__strmap_slot *ns = calloc(ncap, sizeof *ns);
  if (ns == NULL)
    return PL_ENOMEM;
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->slots[i].key != NULL)
      strmap_place(ns, ncap, &m->slots[i]);
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  return 0;
}

int pl__strmap_reserve(pl__strmap *m, uint32_t extra) {
  uint64_t want = (uint64_t)m->n + extra;
  if (want * 4 <= (uint64_t)m->cap * 3)
    return 0;
  if (want > UINT32_MAX / 4)
    return PL_ENOMEM;
  return strmap_grow(m, (uint32_t)want);
}

int pl__strmap_put(pl__strmap *m, const char *key, int32_t val) {
  int rc = pl__strmap_reserve(m, 1);
  if (rc != 0)
    return rc;
  pl__strmap_slot s = {key, pl__hash_bytes(key, strlen(key)), val};
  strmap_place(m->slots, m->cap, &s);
  m->n++;
  return 0;
}

void pl__strmap_free(pl__strmap *m) {
  free(m->slots);
  m->slots = NULL;
  m->cap = m->n = 0;
}
