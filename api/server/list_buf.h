/* list_buf.h — what every list handler needs around its engine call: the
 * page size of the request's `limit`, and room for `cap` engine records,
 * their messages and the pointer array the reply holds.
 *
 *   int cap = pl_list_page(r, q->limit, DEFAULT, MAX);
 *   pl_list_buf b;
 *   if (cap < 0 || pl_list_alloc(r, &b, cap, sizeof(rec), sizeof(msg)))
 *     return;
 *   ... n = engine call into b.recs; fill b.msgs, b.ptrs; reply ...
 *   pl_list_free(&b);
 */
#ifndef PL_API_LIST_BUF_H
#define PL_API_LIST_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

typedef struct pl_list_buf {
  void *recs;  /* cap engine records */
  void *msgs;  /* cap messages (or the handler's message holders) */
  void **ptrs; /* cap pointers: the reply's repeated field */
} pl_list_buf;

/* The page size for limit (0: def); fails the call naming `limit` and
 * returns -1 when limit is outside 0..max. */
int pl_list_page(pl_rpc *r, int32_t limit, int def, int max);

/* Zeroed room for cap of each (at least one, so an empty list needs no
 * special case); 0, or -1 after failing the call (RESOURCE_EXHAUSTED)
 * with nothing left to free. Lists without a page (count, then list)
 * pass the count as cap. */
int pl_list_alloc(pl_rpc *r, pl_list_buf *b, int cap, size_t rec_size,
                  size_t msg_size);

void pl_list_free(pl_list_buf *b);

#endif
