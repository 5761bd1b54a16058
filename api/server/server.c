/* server.c — the gRPC C-core server loop (see server.h).
 *
 * Each worker owns one completion queue. For every registered method the
 * worker keeps REQUESTS_PER_METHOD calls requested on its queue, plus one
 * catch-all grpc_server_request_call for methods nobody registered. A call
 * moves through:
 *
 *   REQUESTED --(arrives; a fresh request replaces it)--> handler runs
 *     -> reply ready and, for writes, durable (whichever comes last sends)
 *   SENDING   --(batch done)--> freed
 *
 * A write's reply is sent from the commit thread when its change is on
 * disk; grpc_call_start_batch is thread-safe and the completion still comes
 * back on the worker's queue. `holds` counts what a call still waits for
 * before it can be sent (the handler's return, the durable callback).
 *
 * Overload: beyond max_inflight calls being served (arrived, not yet
 * finished: most of them waiting for a group commit) a new call is refused
 * at once with RESOURCE_EXHAUSTED, before it is decoded; Health is always
 * answered. A call whose deadline has already passed when a worker picks
 * it up gets DEADLINE_EXCEEDED without running.
 *
 * Authentication (auth.h): every call but Health must carry a bearer key,
 * verified (and rate-limited) before the request is decoded; after
 * decoding, the method's policy (resolved once per method at start) is
 * checked against the key's roles and the request's chains.
 *
 * Bounds (bounds.h): every decoded request is checked once against the
 * descriptor-driven bounds table (integers, strings, repeated counts)
 * before authorization and its handler; out of bounds is INVALID_ARGUMENT
 * naming the field. */
#include "server.h"

#include "server/bounds.h"
#include "server/ops.h"
#include "stream_int.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REQUESTS_PER_METHOD 2
#define MAX_MESSAGE_BYTES (4 * 1024 * 1024)

typedef struct worker worker;

enum phase { PHASE_REQUESTED, PHASE_SENDING };

/* An in-process call (pl_rpc_invoke) waits on this instead of sending. */
typedef struct invoke_wait {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
} invoke_wait;

struct pl_rpc {
  pl_tag tag; /* first: completion-queue tags start with their kind */
  worker *w;
  pl_engine *engine;
  invoke_wait *invoke; /* non-NULL: no grpc call behind this */
  int method;          /* index in methods, or -1 for the catch-all */
  enum phase phase;
  grpc_call *call;
  gpr_timespec deadline;
  grpc_call_details details; /* catch-all only */
  grpc_metadata_array md;
  grpc_byte_buffer *payload;
  const pl_principal *principal; /* NULL: Health, or in-process */
  /* result */
  grpc_status_code code;
  char detail[PL_ERRMSG_MAX + 64];
  grpc_byte_buffer *reply;
  pl_write write;
  int write_taken;   /* a mutation was handed pl_rpc_write */
  int write_dropped; /* ... and refused it: no durable callback comes */
  int durable_rc;    /* set by the commit thread before its release */
  int counted;       /* in the server's inflight count */
  atomic_int holds;
  int cancelled; /* RECV_CLOSE_ON_SERVER */
  grpc_slice detail_slice;
  pl_stream *stream;  /* a server stream owns the call (stream.c) */
  int cluster_stripe; /* an admitted write's stripe (cluster.h), or -1 */
  struct timespec t0; /* arrival, for metrics and the log (ops.h) */
};

struct worker {
  pl_server *srv;
  grpc_completion_queue *cq;
  pthread_t thread;
  int started;
};

struct pl_server {
  grpc_server *server;
  pl_engine *engine;
  const pl_method *methods;
  int n_methods;
  void **registered; /* per method */
  worker *workers;
  int n_workers;
  grpc_completion_queue *shutdown_cq;
  atomic_int inflight; /* calls arrived and not yet freed */
  int max_inflight;
  pl__streams *streams;
  pl_auth *auth;
  const pl_policy **policy; /* per method; NULL: none (platform admin) */
  pl_cluster *cluster;      /* NULL: a single node */
  pl_ops *ops;              /* NULL: none (ops.h) */
};

/* ---- handler API -------------------------------------------------------- */

pl_engine *pl_rpc_engine(pl_rpc *r) {
  return r->engine;
}

struct pl_cluster *pl_rpc_cluster(pl_rpc *r) {
  return r->w != NULL ? r->w->srv->cluster : NULL;
}

int pl_rpc_owns_chain(pl_rpc *r, const char *chain) {
  pl_cluster *c = pl_rpc_cluster(r);
  return c == NULL || pl_shardmap_owner(pl_cluster_map(c), chain, NULL, NULL) ==
                          PL_SHARD_MINE;
}

pl_ops *pl_rpc_ops(pl_rpc *r) {
  return r->w != NULL ? r->w->srv->ops : NULL;
}

const pl_principal *pl_rpc_principal(pl_rpc *r) {
  return r->principal;
}

void pl_rpc_reply(pl_rpc *r, const ProtobufCMessage *msg) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  grpc_slice s = grpc_slice_malloc(n);
  protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(s));
  if (r->reply != NULL)
    grpc_byte_buffer_destroy(r->reply);
  r->reply = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  r->code = GRPC_STATUS_OK;
}

void pl_rpc_fail(pl_rpc *r, grpc_status_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->detail, sizeof r->detail, fmt, ap);
  va_end(ap);
  r->code = code;
  if (r->reply != NULL) {
    grpc_byte_buffer_destroy(r->reply);
    r->reply = NULL;
  }
}

grpc_status_code pl_status_for(int rc) {
  switch (rc) {
  case PL_OK:
    return GRPC_STATUS_OK;
  case PL_EINVAL:
    return GRPC_STATUS_INVALID_ARGUMENT;
  case PL_ENOTFOUND:
    return GRPC_STATUS_NOT_FOUND;
  case PL_EEXIST:
    return GRPC_STATUS_ALREADY_EXISTS;
  case PL_EPRECOND:
    return GRPC_STATUS_FAILED_PRECONDITION;
  case PL_ENOMEM:
  case PL_ELIMIT:
    return GRPC_STATUS_RESOURCE_EXHAUSTED;
  case PL_EIO:
  case PL_EUNAVAIL:
    return GRPC_STATUS_UNAVAILABLE;
  default:
    return GRPC_STATUS_INTERNAL;
  }
}

void pl_rpc_engine_fail(pl_rpc *r, int rc, const pl_error *err) {
  const char *msg = err != NULL && err->msg[0] ? err->msg : pl_strerror(rc);
  pl_rpc_fail(r, pl_status_for(rc), "%s", msg);
  if (r->write_taken && !r->write_dropped) {
    /* The engine refused before queuing: its callback will not come. The
     * handler's own hold keeps this from reaching zero here. */
    r->write_dropped = 1;
    atomic_fetch_sub(&r->holds, 1);
  }
}

int pl_rpc_copy(pl_rpc *r, char *dst, size_t cap, const char *src,
                const char *field) {
  if (src == NULL)
    src = "";
  size_t n = strlen(src);
  if (n >= cap) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: longer than %zu bytes",
                field, cap - 1);
    return -1;
  }
  memcpy(dst, src, n + 1);
  return 0;
}

/* ---- call lifecycle ----------------------------------------------------- */

static void rpc_free(pl_rpc *r) {
  if (r->cluster_stripe >= 0)
    pl_cluster_done(r->w->srv->cluster, r->cluster_stripe);
  if (r->counted)
    atomic_fetch_sub(&r->w->srv->inflight, 1);
  if (r->call != NULL)
    grpc_call_unref(r->call);
  if (r->payload != NULL)
    grpc_byte_buffer_destroy(r->payload);
  if (r->reply != NULL)
    grpc_byte_buffer_destroy(r->reply);
  grpc_metadata_array_destroy(&r->md);
  if (r->method < 0)
    grpc_call_details_destroy(&r->details);
  grpc_slice_unref(r->detail_slice);
  free(r);
}

/* An insurer's (fleet's) key is narrowed to its own tenant; platform and
 * chain keys, and in-process calls (no principal), are not. */
const char *pl_rpc_insurer_scope(pl_rpc *r) {
  const pl_principal *p = r->principal;
  return p != NULL && p->tenant_kind == PL_TENANT_INSURER ? p->tenant : NULL;
}

const char *pl_rpc_fleet_scope(pl_rpc *r) {
  const pl_principal *p = r->principal;
  return p != NULL && p->tenant_kind == PL_TENANT_FLEET ? p->tenant : NULL;
}

grpc_call *pl__rpc_call(pl_rpc *r) {
  return r->invoke != NULL ? NULL : r->call;
}

pl__streams *pl__rpc_streams(pl_rpc *r) {
  return r->w != NULL ? r->w->srv->streams : NULL;
}

void pl__rpc_mark_stream(pl_rpc *r, pl_stream *s) {
  r->stream = s;
  if (r->counted) { /* open streams do not count as load */
    atomic_fetch_sub(&r->w->srv->inflight, 1);
    r->counted = 0;
  }
}

void pl__rpc_free(pl_rpc *r) {
  rpc_free(r);
}

/* Reports the call's outcome to the ops context (metrics, log). */
static void rpc_report(pl_rpc *r) {
  pl_ops *ops = r->w != NULL ? r->w->srv->ops : NULL;
  if (ops == NULL)
    return;
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pl_call_end c = {.method = r->method,
                   .path = r->method >= 0 ? r->w->srv->methods[r->method].path
                                          : NULL,
                   .code = r->code,
                   .latency_us = (int64_t)(t1.tv_sec - r->t0.tv_sec) * 1000000 +
                                 (t1.tv_nsec - r->t0.tv_nsec) / 1000,
                   .principal = r->principal};
  pl_ops_call_end(ops, &c);
}

/* Sends the status (and the reply, if OK). Any thread. */
static void rpc_send(pl_rpc *r) {
  if (r->cluster_stripe >= 0) { /* the write is durable: a freeze may go on */
    pl_cluster_done(r->w->srv->cluster, r->cluster_stripe);
    r->cluster_stripe = -1;
  }
  if (r->durable_rc != 0)
    pl_rpc_fail(r, GRPC_STATUS_UNAVAILABLE,
                "storage: the write could not be made durable (%s); the "
                "server refuses writes until restarted",
                pl_strerror(r->durable_rc));
  if (r->invoke == NULL)
    rpc_report(r);
  if (r->invoke != NULL) { /* in-process: hand the outcome back */
    pthread_mutex_lock(&r->invoke->mu);
    r->invoke->done = 1;
    pthread_cond_signal(&r->invoke->cv);
    pthread_mutex_unlock(&r->invoke->mu);
    return;
  }
  grpc_op ops[4];
  memset(ops, 0, sizeof ops);
  int n = 0;
  ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
  if (r->code == GRPC_STATUS_OK && r->reply != NULL) {
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n++].data.send_message.send_message = r->reply;
  }
  r->detail_slice = grpc_slice_from_copied_string(r->detail);
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.status = r->code;
  ops[n++].data.send_status_from_server.status_details =
      r->code == GRPC_STATUS_OK ? NULL : &r->detail_slice;
  ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[n++].data.recv_close_on_server.cancelled = &r->cancelled;
  r->phase = PHASE_SENDING;
  grpc_call_error e = grpc_call_start_batch(r->call, ops, (size_t)n, r, NULL);
  if (e != GRPC_CALL_OK) {
    /* Only a bug gets here (ops invalid for the call's state). */
    fprintf(stderr, "pitlaned: start_batch failed (%d)\n", (int)e);
    grpc_call_cancel(r->call, NULL);
    rpc_free(r);
  }
}

static void rpc_release(pl_rpc *r) {
  if (atomic_fetch_sub(&r->holds, 1) == 1)
    rpc_send(r);
}

static void rpc_durable(void *arg, int rc) {
  pl_rpc *r = arg;
  r->durable_rc = rc; /* read by the sender after the release below */
  rpc_release(r);
}

const pl_write *pl_rpc_write(pl_rpc *r) {
  r->write.durable = rpc_durable;
  r->write.arg = r;
  r->write_taken = 1;
  atomic_fetch_add(&r->holds, 1);
  return &r->write;
}

static void request_call(worker *w, int method);

/* Cluster: every chain the request names must be this node's (and not
 * frozen, for a write). A write is counted until the call ends. */
static grpc_status_code cluster_admit(pl_rpc *r, const pl_method *m,
                                      const ProtobufCMessage *req) {
  const pl_server *s = r->w->srv;
  const char *chains[8];
  int n = pl_auth_request_chains(s->policy[r->method], req, chains, 8);
  int write = pl_cluster_is_write(m->path);
  for (int i = 0; i < n && i < 8; i++) {
    int stripe = -1;
    grpc_status_code code =
        pl_cluster_admit(s->cluster, chains[i], write && i == 0, &stripe,
                         r->detail, sizeof r->detail);
    if (code != GRPC_STATUS_OK)
      return code;
    if (i == 0)
      r->cluster_stripe = stripe;
  }
  return GRPC_STATUS_OK;
}

/* Decodes the request, runs the handler, and releases the handler's hold
 * (the reply goes when every hold is released). */
static void rpc_dispatch(pl_rpc *r, const pl_method *m, const uint8_t *body,
                         size_t len) {
  ProtobufCMessage *req =
      protobuf_c_message_unpack(m->request, NULL, len, body);
  if (req == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "request: malformed %s message", m->request->name);
    rpc_release(r);
    return;
  }
  if (pl_bounds_check(req, body, len, r->detail, sizeof r->detail) != 0) {
    r->code = GRPC_STATUS_INVALID_ARGUMENT;
    protobuf_c_message_free_unpacked(req, NULL);
    rpc_release(r);
    return;
  }
  if (r->principal != NULL) {
    const pl_server *s = r->w->srv;
    grpc_status_code code =
        pl_auth_authorize(r->principal, s->policy[r->method], m->path, req,
                          r->detail, sizeof r->detail);
    if (code != GRPC_STATUS_OK) {
      r->code = code;
      protobuf_c_message_free_unpacked(req, NULL);
      rpc_release(r);
      return;
    }
  }
  if (r->w != NULL && r->w->srv->cluster != NULL &&
      !pl_cluster_exempt(m->path)) {
    grpc_status_code code = cluster_admit(r, m, req);
    if (code != GRPC_STATUS_OK) {
      r->code = code;
      protobuf_c_message_free_unpacked(req, NULL);
      rpc_release(r);
      return;
    }
  }
  m->handler(r, req);
  protobuf_c_message_free_unpacked(req, NULL);
  if (r->stream != NULL) { /* the stream owns the call from here */
    pl__stream_handler_done(r->stream);
    return;
  }
  if (r->code == GRPC_STATUS_OK && r->reply == NULL)
    pl_rpc_fail(r, GRPC_STATUS_INTERNAL, "handler produced no reply");
  rpc_release(r);
}

grpc_status_code pl_rpc_invoke(pl_engine *e, const pl_method *m,
                               const void *bytes, size_t n, char *detail,
                               size_t detail_len) {
  pl_rpc *r = calloc(1, sizeof *r);
  invoke_wait iw;
  if (r == NULL)
    return GRPC_STATUS_RESOURCE_EXHAUSTED;
  pthread_mutex_init(&iw.mu, NULL);
  pthread_cond_init(&iw.cv, NULL);
  iw.done = 0;
  r->engine = e;
  r->invoke = &iw;
  r->cluster_stripe = -1;
  r->detail_slice = grpc_empty_slice();
  grpc_metadata_array_init(&r->md);
  atomic_init(&r->holds, 1);
  r->code = GRPC_STATUS_OK;
  rpc_dispatch(r, m, bytes, n);
  pthread_mutex_lock(&iw.mu);
  while (!iw.done && r->stream == NULL) /* a write waits for durability */
    pthread_cond_wait(&iw.cv, &iw.mu);
  pthread_mutex_unlock(&iw.mu);
  grpc_status_code code = r->code;
  if (detail != NULL && detail_len > 0)
    snprintf(detail, detail_len, "%s", r->detail);
  pthread_cond_destroy(&iw.cv);
  pthread_mutex_destroy(&iw.mu);
  r->method = 0;
  rpc_free(r);
  return code;
}

static void rpc_arrived(pl_rpc *r) {
  pl_server *s = r->w->srv;
  clock_gettime(CLOCK_MONOTONIC, &r->t0);
  atomic_init(&r->holds, 1);
  r->code = GRPC_STATUS_OK;
  if (r->method < 0) {
    char *m = grpc_slice_to_c_string(r->details.method);
    pl_rpc_fail(r, GRPC_STATUS_UNIMPLEMENTED, "method %s: not implemented", m);
    gpr_free(m);
    rpc_release(r);
    return;
  }
  const pl_method *m = &s->methods[r->method];
  int health = strncmp(m->path, "/grpc.health.v1.", 16) == 0;
  r->counted = 1;
  if (atomic_fetch_add(&s->inflight, 1) >= s->max_inflight && !health) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED,
                "server: overloaded (%d calls in flight); retry with backoff",
                s->max_inflight);
    rpc_release(r);
    return;
  }
  if (!health) {
    grpc_status_code code = pl_auth_authenticate(s->auth, &r->md, &r->principal,
                                                 r->detail, sizeof r->detail);
    if (code != GRPC_STATUS_OK) {
      r->code = code;
      rpc_release(r);
      return;
    }
  }
  if (gpr_time_cmp(gpr_convert_clock_type(r->deadline, GPR_CLOCK_REALTIME),
                   gpr_now(GPR_CLOCK_REALTIME)) < 0) {
    pl_rpc_fail(r, GRPC_STATUS_DEADLINE_EXCEEDED,
                "deadline: passed before the call could run");
    rpc_release(r);
    return;
  }
  if (r->payload == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "request: no message");
    rpc_release(r);
    return;
  }
  grpc_byte_buffer_reader rd;
  if (!grpc_byte_buffer_reader_init(&rd, r->payload)) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "request: unreadable");
    rpc_release(r);
    return;
  }
  grpc_slice body = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  rpc_dispatch(r, m, GRPC_SLICE_START_PTR(body), GRPC_SLICE_LENGTH(body));
  grpc_slice_unref(body);
}

static void request_call(worker *w, int method) {
  pl_server *s = w->srv;
  pl_rpc *r = calloc(1, sizeof *r);
  if (r == NULL)
    return; /* fewer outstanding requests; grpc queues calls meanwhile */
  r->w = w;
  r->engine = s->engine;
  r->method = method;
  r->cluster_stripe = -1;
  r->phase = PHASE_REQUESTED;
  r->detail_slice = grpc_empty_slice();
  grpc_metadata_array_init(&r->md);
  grpc_call_error e;
  if (method < 0) {
    grpc_call_details_init(&r->details);
    e = grpc_server_request_call(s->server, &r->call, &r->details, &r->md,
                                 w->cq, w->cq, r);
  } else {
    e = grpc_server_request_registered_call(s->server, s->registered[method],
                                            &r->call, &r->deadline, &r->md,
                                            &r->payload, w->cq, w->cq, r);
  }
  if (e != GRPC_CALL_OK)
    rpc_free(r);
}

static void *worker_main(void *arg) {
  worker *w = arg;
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(
        w->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN)
      return NULL;
    if (ev.type != GRPC_OP_COMPLETE)
      continue;
    if (((pl_tag *)ev.tag)->kind != PL_TAG_RPC) {
      pl__stream_completed(ev.tag, ev.success);
      continue;
    }
    pl_rpc *r = ev.tag;
    if (r->phase == PHASE_SENDING || !ev.success) {
      rpc_free(r); /* done, or a request cancelled by shutdown */
    } else {
      request_call(w, r->method);
      rpc_arrived(r);
    }
  }
}

/* ---- start and stop ----------------------------------------------------- */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      char *nb = realloc(buf, cap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got < 4096)
      break;
  }
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static grpc_server_credentials *make_creds(const pl_server_config *cfg,
                                           char *why, size_t why_len) {
  if (cfg->tls_cert == NULL && cfg->tls_key == NULL)
    return grpc_insecure_server_credentials_create();
  if (cfg->tls_cert == NULL || cfg->tls_key == NULL) {
    snprintf(why, why_len, "--tls-cert and --tls-key go together");
    return NULL;
  }
  char *cert = read_file(cfg->tls_cert);
  char *key = read_file(cfg->tls_key);
  grpc_server_credentials *c = NULL;
  if (cert == NULL || key == NULL) {
    snprintf(why, why_len, "cannot read %s",
             cert ? cfg->tls_key : cfg->tls_cert);
  } else {
    grpc_ssl_pem_key_cert_pair pair = {key, cert};
    c = grpc_ssl_server_credentials_create(NULL, &pair, 1, 0, NULL);
    if (c == NULL)
      snprintf(why, why_len, "TLS credentials rejected");
  }
  free(cert);
  free(key);
  return c;
}

static void server_free(pl_server *s) {
  if (s->server != NULL)
    grpc_server_destroy(s->server);
  for (int i = 0; i < s->n_workers; i++) {
    worker *w = &s->workers[i];
    if (w->cq == NULL)
      continue;
    grpc_completion_queue_shutdown(w->cq);
    if (w->started)
      pthread_join(w->thread, NULL);
    else
      while (grpc_completion_queue_next(
                 w->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
                 .type != GRPC_QUEUE_SHUTDOWN) {
      }
    grpc_completion_queue_destroy(w->cq);
  }
  if (s->shutdown_cq != NULL) {
    grpc_completion_queue_shutdown(s->shutdown_cq);
    while (grpc_completion_queue_pluck(s->shutdown_cq, NULL,
                                       gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
               .type != GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(s->shutdown_cq);
  }
  free(s->workers);
  free(s->registered);
  pl__streams_free(s->streams);
  free(s->policy);
  pl_auth_free(s->auth);
  free(s);
}

int pl_server_start(const pl_server_config *cfg, pl_engine *engine,
                    pl_server **out, int *port, char *why, size_t why_len) {
  *out = NULL;
  pl_server *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  s->engine = engine;
  s->methods = cfg->methods;
  s->n_methods = cfg->n_methods;
  s->n_workers = cfg->threads;
  s->max_inflight = cfg->max_inflight > 0 ? cfg->max_inflight : 10000;
  s->cluster = cfg->cluster;
  s->ops = cfg->ops;
  s->streams = pl__streams_new();
  atomic_init(&s->inflight, 0);
  s->workers = calloc((size_t)cfg->threads, sizeof *s->workers);
  s->registered = calloc((size_t)cfg->n_methods + 1, sizeof *s->registered);
  s->policy = calloc((size_t)cfg->n_methods + 1, sizeof(const pl_policy *));
  if (s->workers == NULL || s->registered == NULL || s->streams == NULL ||
      s->policy == NULL || pl_auth_new(engine, &s->auth) != 0) {
    snprintf(why, why_len, "out of memory");
    free(s->workers);
    free(s->registered);
    pl__streams_free(s->streams);
    free(s->policy);
    free(s);
    return -1;
  }
  for (int i = 0; i < cfg->n_methods; i++)
    s->policy[i] = pl_auth_policy(cfg->methods[i].path);
  grpc_arg args[2] = {
      {.type = GRPC_ARG_INTEGER,
       .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
       .value.integer = MAX_MESSAGE_BYTES},
      {.type = GRPC_ARG_INTEGER,
       .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
       .value.integer = MAX_MESSAGE_BYTES},
  };
  grpc_channel_args ch_args = {2, args};
  s->server = grpc_server_create(&ch_args, NULL);
  for (int i = 0; i < cfg->n_methods; i++)
    s->registered[i] = grpc_server_register_method(
        s->server, cfg->methods[i].path, NULL,
        GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
  for (int i = 0; i < s->n_workers; i++) {
    s->workers[i].srv = s;
    s->workers[i].cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(s->server, s->workers[i].cq, NULL);
  }
  s->shutdown_cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_server_register_completion_queue(s->server, s->shutdown_cq, NULL);

  grpc_server_credentials *creds = make_creds(cfg, why, why_len);
  int bound = 0;
  if (creds != NULL) {
    bound = grpc_server_add_http2_port(s->server, cfg->listen, creds);
    grpc_server_credentials_release(creds);
    if (bound == 0)
      snprintf(why, why_len, "cannot listen on %s", cfg->listen);
  }
  if (bound == 0) {
    server_free(s);
    return -1;
  }
  grpc_server_start(s->server);
  for (int i = 0; i < s->n_workers; i++) {
    worker *w = &s->workers[i];
    for (int m = 0; m < s->n_methods; m++)
      for (int k = 0; k < REQUESTS_PER_METHOD; k++)
        request_call(w, m);
    request_call(w, -1);
    if (pthread_create(&w->thread, NULL, worker_main, w) == 0)
      w->started = 1;
  }
  *port = bound;
  *out = s;
  return 0;
}

void pl_server_stop(pl_server *s, int grace_ms) {
  if (s == NULL)
    return;
  grpc_server_shutdown_and_notify(s->server, s->shutdown_cq, s);
  pl__streams_finish_all(
      s->streams); /* watches would never end by themselves */
  gpr_timespec deadline =
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_millis(grace_ms, GPR_TIMESPAN));
  grpc_event ev =
      grpc_completion_queue_pluck(s->shutdown_cq, s, deadline, NULL);
  if (ev.type == GRPC_QUEUE_TIMEOUT) {
    grpc_server_cancel_all_calls(s->server);
    grpc_completion_queue_pluck(s->shutdown_cq, s,
                                gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  }
  server_free(s);
}

int pl_server_open_streams(pl_server *s) {
  return pl__streams_count(s->streams);
}
