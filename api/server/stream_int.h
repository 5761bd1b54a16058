/* stream_int.h — what server.c and stream.c share about server-streaming
 * calls (private to the API layer; handlers see only rpc.h).
 *
 * Every completion-queue tag starts with a pl_tag so the worker can tell a
 * unary call's tag (PL_TAG_RPC) from a stream's (PL_TAG_STREAM_*). */
#ifndef PL_API_STREAM_INT_H
#define PL_API_STREAM_INT_H

#include "rpc.h"

typedef enum pl_tag_kind {
  PL_TAG_RPC = 0,
  PL_TAG_STREAM_SEND = 1,
  PL_TAG_STREAM_CLOSE = 2,
  PL_TAG_STREAM_STATUS = 3,
} pl_tag_kind;

typedef struct pl_tag {
  pl_tag_kind kind;
} pl_tag;

typedef struct pl__streams pl__streams;

/* server.c, for stream.c */
grpc_call *pl__rpc_call(pl_rpc *r);      /* NULL for in-process calls */
pl__streams *pl__rpc_streams(pl_rpc *r); /* the server's registry */
void pl__rpc_mark_stream(pl_rpc *r, pl_stream *s); /* no unary reply */
void pl__rpc_free(pl_rpc *r);

/* stream.c, for server.c */
pl__streams *pl__streams_new(void);
/* The number of open streams (for metrics). */
int pl__streams_count(pl__streams *reg);

/* Ends every open stream with UNAVAILABLE (server stopping). */
void pl__streams_finish_all(pl__streams *reg);
void pl__streams_free(pl__streams *reg);
/* A completion of one of a stream's operations (worker thread). */
void pl__stream_completed(pl_tag *tag, int success);
/* The handler that opened s has returned. */
void pl__stream_handler_done(pl_stream *s);

#endif
