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
 *
 * Lists that count first, then fill, use pl_list_counted for the engine
 * part, and every list whose reply holds just the repeated field answers
 * with pl_list_reply.
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

/* Frees b and leaves it empty, so freeing it again does nothing. */
void pl_list_free(pl_list_buf *b);

/* The engine's two-pass list for the request q: with recs NULL and cap 0
 * it returns how many records there are, else it fills up to cap of them
 * into recs and returns how many it wrote (negative PL_E* on error). */
typedef int (*pl_list_fill_fn)(pl_engine *e, const void *q, void *recs, int cap,
                               pl_error *err);

/* Counts with fill, takes room for that many (pl_list_alloc) and fills
 * b->recs. Returns how many records b holds (at most the count), or -1
 * after failing the call, with nothing left to free. */
int pl_list_counted(pl_rpc *r, pl_list_buf *b, pl_list_fill_fn fill,
                    const void *q, size_t rec_size, size_t msg_size);

/* Replies with a fresh message of type desc whose one repeated message
 * field holds b->ptrs[0..n) (every other field left at its default), then
 * frees b. The pointers must point into b->msgs as built by the handler. */
void pl_list_reply(pl_rpc *r, const ProtobufCMessageDescriptor *desc, int n,
                   pl_list_buf *b);

/* pl_list_reply for a page of a longer list: the reply's int64
 * next_after_id is the id to resume after (0 when the list is done). */
void pl_list_reply_after(pl_rpc *r, const ProtobufCMessageDescriptor *desc,
                         int n, pl_list_buf *b, int64_t next_after_id);

/* Builds the reply message at msg from the engine record rec; msg's first
 * member is the message the reply's repeated field points at. */
typedef void (*pl_list_msg_fn)(void *msg, void *rec);

/* A whole count-then-fill list handler, declared once per method. */
typedef struct pl_list_spec {
  pl_list_fill_fn fill;
  pl_list_msg_fn to_msg;
  size_t rec_size, msg_size;
  const ProtobufCMessageDescriptor *reply;
} pl_list_spec;

/* Answers the request q as s says: pl_list_counted with s->fill, then
 * s->to_msg on every record, then pl_list_reply with s->reply. */
void pl_list_answer(pl_rpc *r, const pl_list_spec *s, const void *q);

#endif
