/* base/u64map.c — the uint64 -> pointer map (base/u64map.h): open addressing,
 * linear probing, power-of-two capacity kept at most three quarters full. */
#include "base/u64map.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/pitlane.h"

static uint32_t mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return (uint32_t)k;
}

void *pl__u64map_get(const pl__u64map *m, uint64_t key) {
  if (m->cap == 0)
    return NULL;
  uint32_t mask = m->cap - 1;
  for (uint32_t i = mix64(key) & mask;; i = (i + 1) & mask) {
    if (m->keys[i] == key)
      return m->vals[i];
    if (m->keys[i] == 0)
      return NULL;
  }
}

static void u64_place(uint64_t *keys, void **vals, uint32_t cap, uint64_t k,
                      void *v) {
  uint32_t mask = cap - 1;
  uint32_t i = mix64(k) & mask;
  while (keys[i] != 0 && keys[i] != k)
    i = (i + 1) & mask;
  keys[i] = k;
  vals[i] = v;
}

int pl__u64map_put(pl__u64map *m, uint64_t key, void *val) {
  assert(key != 0);
  if ((uint64_t)(m->n + 1) * 4 > (uint64_t)m->cap * 3) {
    uint32_t ncap = m->cap ? m->cap * 2 : 16;
    uint64_t *nk = calloc(ncap, sizeof *nk);
    void **nv = calloc(ncap, sizeof *nv);
    if (nk == NULL || nv == NULL) {
      free(nk);
      free(nv);
      return PL_ENOMEM;
    }
    for (uint32_t i = 0; i < m->cap; i++)
      if (m->keys[i] != 0)
        u64_place(nk, nv, ncap, m->keys[i], m->vals[i]);
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
  }
  if (pl__u64map_get(m, key) == NULL)
    m->n++;
  u64_place(m->keys, m->vals, m->cap, key, val);
  return 0;
}

void pl__u64map_free(pl__u64map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}
