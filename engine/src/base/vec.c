/* base/vec.c — the growable pointer array (base/vec.h): capacity doubles
 * from 8. */
#include "base/vec.h"

#include <stdlib.h>
#include <string.h>

#include "pitlane/pitlane.h"

int pl__vec_reserve(pl__vec *v, int extra) {
  if (v->n + extra <= v->cap)
    return 0;
  int ncap = v->cap ? v->cap : 8;
  while (ncap < v->n + extra)
    ncap *= 2;
  void **ni = realloc(v->items, (size_t)ncap * sizeof *ni);
  if (ni == NULL)
    return PL_ENOMEM;
  v->items = ni;
  v->cap = ncap;
  return 0;
}

void pl__vec_push(pl__vec *v, void *item) {
  v->items[v->n++] = item;
}

int pl__vec_remove(pl__vec *v, const void *item) {
  for (int i = 0; i < v->n; i++)
    if (v->items[i] == item) {
      v->items[i] = v->items[--v->n];
      return 1;
    }
  return 0;
}

void pl__vec_free_all(pl__vec *v) {
  for (int i = 0; i < v->n; i++)
    free(v->items[i]);
  free(v->items);
  memset(v, 0, sizeof *v);
}
