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

int pl_list_counted(pl_rpc *r, pl_list_buf *b, pl_list_fill_fn fill,
                    const void *q, size_t rec_size, size_t msg_size) {
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int n = fill(e, q, NULL, 0, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return -1;
  }
  if (pl_list_alloc(r, b, n, rec_size, msg_size) != 0)
    return -1;
  int got = fill(e, q, b->recs, n, &err);
  if (got < 0) {
    pl_list_free(b);
    pl_rpc_engine_fail(r, got, &err);
    return -1;
  }
  return got < n ? got : n;
}

/* The descriptor's one repeated message field, or NULL. */
static const ProtobufCFieldDescriptor *
repeated_field(const ProtobufCMessageDescriptor *desc) {
  const ProtobufCFieldDescriptor *found = NULL;
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &desc->fields[i];
    if (f->label != PROTOBUF_C_LABEL_REPEATED ||
        f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    if (found != NULL)
      return NULL;
    found = f;
  }
  return found;
}

/* Replies with desc's message holding b->ptrs[0..n) and, when after is
 * not NULL, *after as its int64 next_after_id; then frees b. */
static void reply_list(pl_rpc *r, const ProtobufCMessageDescriptor *desc, int n,
                       pl_list_buf *b, const int64_t *after) {
  const ProtobufCFieldDescriptor *f = repeated_field(desc);
  const ProtobufCFieldDescriptor *next =
      after == NULL ? NULL
                    : protobuf_c_message_descriptor_get_field_by_name(
                          desc, "next_after_id");
  ProtobufCMessage *m = calloc(1, desc->sizeof_message);
  if (f == NULL || m == NULL ||
      (after != NULL &&
       (next == NULL || next->type != PROTOBUF_C_TYPE_INT64))) {
    free(m);
    pl_list_free(b);
    pl_rpc_fail(
        r, m == NULL ? GRPC_STATUS_RESOURCE_EXHAUSTED : GRPC_STATUS_INTERNAL,
        "reply: cannot build %s", desc->name);
    return;
  }
  desc->message_init(m);
  char *base = (char *)m;
  *(size_t *)(void *)(base + f->quantifier_offset) = n > 0 ? (size_t)n : 0;
  *(void ***)(void *)(base + f->offset) = b->ptrs;
  if (next != NULL)
    *(int64_t *)(void *)(base + next->offset) = *after;
  pl_rpc_reply(r, m);
  free(m);
  pl_list_free(b);
}

void pl_list_reply(pl_rpc *r, const ProtobufCMessageDescriptor *desc, int n,
                   pl_list_buf *b) {
  reply_list(r, desc, n, b, NULL);
}

void pl_list_reply_after(pl_rpc *r, const ProtobufCMessageDescriptor *desc,
                         int n, pl_list_buf *b, int64_t next_after_id) {
  reply_list(r, desc, n, b, &next_after_id);
}

void pl_list_answer(pl_rpc *r, const pl_list_spec *s, const void *q) {
  pl_list_buf b;
  int n = pl_list_counted(r, &b, s->fill, q, s->rec_size, s->msg_size);
  if (n < 0)
    return;
  for (int i = 0; i < n; i++) {
    void *m = (char *)b.msgs + (size_t)i * s->msg_size;
    s->to_msg(m, (char *)b.recs + (size_t)i * s->rec_size);
    b.ptrs[i] = m;
  }
  pl_list_reply(r, s->reply, n, &b);
}
