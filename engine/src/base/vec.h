/* base/vec.h — a growable array of owned pointers. Not thread-safe: the
 * owner's lock protects it. A zeroed vector is empty and ready. */
#ifndef PL_VEC_H
#define PL_VEC_H

/* A growable array of owned pointers. */
typedef struct pl__vec {
  void **items;
  int n, cap;
} pl__vec;

/* Makes room for `extra` more items; 0 or PL_ENOMEM. */
int pl__vec_reserve(pl__vec *v, int extra);
/* Appends; the room must have been reserved. */
void pl__vec_push(pl__vec *v, void *item);
/* Takes item out (the last item fills its place: order is not kept);
 * 1 if it was there, else 0. Frees nothing. */
int pl__vec_remove(pl__vec *v, const void *item);
/* Frees every item and the array. */
void pl__vec_free_all(pl__vec *v);

#endif
