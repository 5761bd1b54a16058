/* list_buf.c — see list_buf.h. */
#include "list_buf.h"

#include <stdlib.h>

int pl_list_page(pl_rpc *r, int32_t limit, int def, int max) {
  if (limit < 0 || limit > max) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "limit: %d not in 0..%d",
                (int)limit, max);
    return -1;
  }
  return limit > 0 ? (int)limit : def;
}

int pl_list_alloc(pl_rpc *r, pl_list_buf *b, int cap, size_t rec_size,
                  size_t msg_size) {
  size_t n = cap > 0 ? (size_t)cap : 1; /* an empty list still allocates */
  b->recs = calloc(n, rec_size);
  b->msgs = calloc(n, msg_size);
  b->ptrs = calloc(n, sizeof(void *));
  if (b->recs != NULL && b->msgs != NULL && b->ptrs != NULL)
    return 0;
  pl_list_free(b);
  pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
  return -1;
}

void pl_list_free(pl_list_buf *b) {
  free(b->recs);
  free(b->msgs);
  free(b->ptrs);
  b->recs = b->msgs = NULL;
  b->ptrs = NULL;
}
