/* stream.c — server-streaming calls on the gRPC C core (see rpc.h).
 *
 * A stream owns its call once the handler opens it. At most one
 * SEND_MESSAGE is outstanding per call (the core's rule), so messages
 * queue here and the completion of one send starts the next; any thread
 * may queue (the engine's commit thread does, for durable events).
 * RECV_CLOSE_ON_SERVER, started when the stream opens, completes when the
 * client goes away or after the final status: then on_close runs once,
 * and after it returns nothing more is sent.
 *
 * References: the close operation, the opener (until on_close has run),
 * and each send or status batch in flight. The last one frees the call.
 * A client that does not read fills its queue (QUEUE_MAX messages); the
 * stream then ends with RESOURCE_EXHAUSTED rather than growing without
 * bound. */
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_int.h"

#define QUEUE_MAX 4096

typedef struct stream_tag {
  pl_tag tag;
  pl_stream *s;
} stream_tag;

struct pl_stream {
  pl_rpc *r;
  grpc_call *call; /* NULL: in-process (messages are dropped) */
  pl__streams *reg;
  pthread_mutex_t mu;
  grpc_byte_buffer **q; /* ring */
  int qh, qn, qcap;
  grpc_byte_buffer *in_flight;
  int sending, closed, finishing, status_sent, on_close_done;
  int refs;
  grpc_status_code fin_code;
  char fin_detail[160];
  grpc_slice detail_slice;
  int cancelled;
  void (*on_close)(void *arg);
  void *arg;
  stream_tag send_tag, close_tag, status_tag;
  pl_stream *next, *prev; /* in the registry */
};

struct pl__streams {
  pthread_mutex_t mu;
  pl_stream *head;
};

pl__streams *pl__streams_new(void) {
  pl__streams *reg = calloc(1, sizeof *reg);
  if (reg != NULL)
    pthread_mutex_init(&reg->mu, NULL);
  return reg;
}

void pl__streams_free(pl__streams *reg) {
  if (reg == NULL)
    return;
  pthread_mutex_destroy(&reg->mu);
  free(reg);
}

static void reg_add(pl__streams *reg, pl_stream *s) {
  pthread_mutex_lock(&reg->mu);
  s->next = reg->head;
  if (reg->head != NULL)
    reg->head->prev = s;
  reg->head = s;
  pthread_mutex_unlock(&reg->mu);
}

static void reg_remove(pl__streams *reg, pl_stream *s) {
  pthread_mutex_lock(&reg->mu);
  if (s->prev != NULL)
    s->prev->next = s->next;
  else if (reg->head == s)
    reg->head = s->next;
  if (s->next != NULL)
    s->next->prev = s->prev;
  s->next = s->prev = NULL;
  pthread_mutex_unlock(&reg->mu);
}

static void stream_free(pl_stream *s) {
  while (s->qn > 0) {
    grpc_byte_buffer_destroy(s->q[s->qh]);
    s->qh = (s->qh + 1) % s->qcap;
    s->qn--;
  }
  free(s->q);
  grpc_slice_unref(s->detail_slice);
  pthread_mutex_destroy(&s->mu);
  if (s->call != NULL) /* an in-process call is freed by its invoker */
    pl__rpc_free(s->r);
  free(s);
}

/* Drops one reference; the caller holds s->mu, which this releases. */
static void unref_unlock(pl_stream *s) {
  int last = --s->refs == 0;
  pthread_mutex_unlock(&s->mu);
  if (last) {
    if (s->reg != NULL)
      reg_remove(s->reg, s);
    stream_free(s);
  }
}

static void start_status_locked(pl_stream *s) {
  grpc_op op;
  memset(&op, 0, sizeof op);
  s->detail_slice = grpc_slice_from_copied_string(s->fin_detail);
  op.op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  op.data.send_status_from_server.status = s->fin_code;
  op.data.send_status_from_server.status_details =
      s->fin_code == GRPC_STATUS_OK ? NULL : &s->detail_slice;
  s->status_sent = 1;
  s->refs++;
  if (grpc_call_start_batch(s->call, &op, 1, &s->status_tag, NULL) !=
      GRPC_CALL_OK) {
    s->refs--;
    grpc_call_cancel(s->call, NULL);
  }
}

/* Starts the next send, or the final status once the queue is empty. */
static void pump_locked(pl_stream *s) {
  if (s->sending || s->closed || s->call == NULL)
    return;
  if (s->qn > 0) {
    grpc_op op;
    memset(&op, 0, sizeof op);
    s->in_flight = s->q[s->qh];
    s->qh = (s->qh + 1) % s->qcap;
    s->qn--;
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = s->in_flight;
    s->sending = 1;
    s->refs++;
    if (grpc_call_start_batch(s->call, &op, 1, &s->send_tag, NULL) !=
        GRPC_CALL_OK) {
      s->sending = 0;
      s->refs--;
      grpc_byte_buffer_destroy(s->in_flight);
      s->in_flight = NULL;
      grpc_call_cancel(s->call, NULL);
    }
    return;
  }
  if (s->finishing && !s->status_sent)
    start_status_locked(s);
}

pl_stream *pl_rpc_stream(pl_rpc *r, void (*on_close)(void *arg), void *arg) {
  pl_stream *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->r = r;
  s->call = pl__rpc_call(r);
  s->on_close = on_close;
  s->arg = arg;
  s->detail_slice = grpc_empty_slice();
  pthread_mutex_init(&s->mu, NULL);
  s->send_tag = (stream_tag){{PL_TAG_STREAM_SEND}, s};
  s->close_tag = (stream_tag){{PL_TAG_STREAM_CLOSE}, s};
  s->status_tag = (stream_tag){{PL_TAG_STREAM_STATUS}, s};
  s->refs = 1; /* the opener, until on_close has run */
  pl__rpc_mark_stream(r, s);
  if (s->call == NULL)
    return s;
  s->reg = pl__rpc_streams(r);
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[1].data.recv_close_on_server.cancelled = &s->cancelled;
  s->refs++; /* the close operation */
  if (s->reg != NULL)
    reg_add(s->reg, s);
  if (grpc_call_start_batch(s->call, ops, 2, &s->close_tag, NULL) !=
      GRPC_CALL_OK) {
    s->refs--;
    s->closed = 1;
    grpc_call_cancel(s->call, NULL);
  }
  return s;
}

static void finish_locked(pl_stream *s, grpc_status_code code,
                          const char *detail) {
  if (s->finishing)
    return;
  s->finishing = 1;
  s->fin_code = code;
  snprintf(s->fin_detail, sizeof s->fin_detail, "%s", detail ? detail : "");
  pump_locked(s);
}

void pl_stream_send(pl_stream *s, const ProtobufCMessage *msg) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  pthread_mutex_lock(&s->mu);
  if (s->closed || s->finishing || s->call == NULL) {
    pthread_mutex_unlock(&s->mu);
    return;
  }
  if (s->qn == s->qcap) {
    int cap = s->qcap ? s->qcap * 2 : 16;
    grpc_byte_buffer **q =
        cap <= QUEUE_MAX ? malloc((size_t)cap * sizeof(grpc_byte_buffer *))
                         : NULL;
    if (q == NULL) {
      finish_locked(s, GRPC_STATUS_RESOURCE_EXHAUSTED,
                    "stream: the client reads too slowly; reconnect from the "
                    "last sequence number seen");
      pthread_mutex_unlock(&s->mu);
      return;
    }
    for (int i = 0; i < s->qn; i++)
      q[i] = s->q[(s->qh + i) % s->qcap];
    free(s->q);
    s->q = q;
    s->qh = 0;
    s->qcap = cap;
  }
  grpc_slice sl = grpc_slice_malloc(n);
  protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(sl));
  s->q[(s->qh + s->qn) % s->qcap] = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  s->qn++;
  pump_locked(s);
  pthread_mutex_unlock(&s->mu);
}

void pl_stream_finish(pl_stream *s, grpc_status_code code, const char *detail) {
  pthread_mutex_lock(&s->mu);
  if (!s->closed && s->call != NULL)
    finish_locked(s, code, detail);
  pthread_mutex_unlock(&s->mu);
}

static void run_on_close(pl_stream *s) {
  pthread_mutex_lock(&s->mu);
  int run = !s->on_close_done;
  s->on_close_done = 1;
  pthread_mutex_unlock(&s->mu);
  if (!run)
    return;
  if (s->on_close != NULL)
    s->on_close(s->arg);
  pthread_mutex_lock(&s->mu);
  unref_unlock(s); /* the opener's reference */
}

void pl__stream_completed(pl_tag *tag, int success) {
  pl_stream *s = ((stream_tag *)tag)->s;
  switch (tag->kind) {
  case PL_TAG_STREAM_SEND:
    pthread_mutex_lock(&s->mu);
    grpc_byte_buffer_destroy(s->in_flight);
    s->in_flight = NULL;
    s->sending = 0;
    if (!success)
      s->closed = 1; /* the client is gone: RECV_CLOSE follows */
    pump_locked(s);
    unref_unlock(s);
    break;
  case PL_TAG_STREAM_STATUS:
    pthread_mutex_lock(&s->mu);
    unref_unlock(s);
    break;
  case PL_TAG_STREAM_CLOSE:
    pthread_mutex_lock(&s->mu);
    s->closed = 1;
    pthread_mutex_unlock(&s->mu);
    run_on_close(s);
    pthread_mutex_lock(&s->mu);
    unref_unlock(s); /* the close operation's reference */
    break;
  default:
    break;
  }
}

void pl__stream_handler_done(pl_stream *s) {
  if (s->call == NULL) /* in-process: nothing streams; close at once */
    run_on_close(s);
}

void pl__streams_finish_all(pl__streams *reg) {
  if (reg == NULL)
    return;
  pthread_mutex_lock(&reg->mu);
  for (pl_stream *s = reg->head; s != NULL; s = s->next)
    pl_stream_finish(s, GRPC_STATUS_UNAVAILABLE,
                     "server: shutting down; reconnect from the last "
                     "sequence number seen");
  pthread_mutex_unlock(&reg->mu);
}

int pl__streams_count(pl__streams *reg) {
  int n = 0;
  pthread_mutex_lock(&reg->mu);
  for (pl_stream *s = reg->head; s != NULL; s = s->next)
    n++;
  pthread_mutex_unlock(&reg->mu);
  return n;
}
