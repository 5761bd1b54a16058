/* rpc.h — what a handler sees of one unary call.
 *
 * The server decodes the request (a malformed one never reaches a
 * handler), calls the handler on a worker thread, and sends whatever the
 * handler left: a reply message (pl_rpc_reply) or a status
 * (pl_rpc_fail / pl_rpc_engine_fail). A handler that passes pl_rpc_write(r)
 * to an engine mutation which returns PL_OK gets its reply sent only once
 * the change is durable (from the commit thread); if the engine call fails
 * it reports the failure with pl_rpc_engine_fail and the reply goes at once.
 */
#ifndef PL_API_RPC_H
#define PL_API_RPC_H

#include <grpc/grpc.h>
#include <grpc/status.h>
#include <protobuf-c/protobuf-c.h>

#include "auth.h"
#include "pitlane/pitlane.h"

typedef struct pl_rpc pl_rpc;

typedef void (*pl_handler_fn)(pl_rpc *r, const ProtobufCMessage *req);

typedef struct pl_method {
  const char *path; /* "/pitlane.v1.Admin/GetStore" */
  const ProtobufCMessageDescriptor *request;
  pl_handler_fn handler;
} pl_method;

/* One row of a service's method table: the method `name` of service
 * pitlane.v1.<svc>, its request type pitlane__v1__<req> and handler fn.
 *   PL_METHOD("Admin", "GetStore", get_store_request, get_store) */
#define PL_METHOD(svc, name, req, fn)                                          \
  { "/pitlane.v1." svc "/" name, &pitlane__v1__##req##__descriptor, fn }

/* The number of rows of a method table (for pl_<svc>_n_methods). */
#define PL_N_METHODS(table) ((int)(sizeof(table) / sizeof((table)[0])))

pl_engine *pl_rpc_engine(pl_rpc *r);

/* The caller: its key's tenant (kind, code), roles and chains (auth.h).
 * By the time a handler runs, the server has checked the method's roles
 * and every `chain` of the request; what only the handler can check (an
 * insurer's own claims, a chain admin's own keys) it checks here. NULL
 * when no authentication is in force (in-process pl_rpc_invoke: fuzzing,
 * tests), which handlers treat as the operator. */
const pl_principal *pl_rpc_principal(pl_rpc *r);

/* 1 if this node answers for `chain`: always without a cluster (and in
 * process), else when the shard map gives it this node (ListChains lists
 * only those). */
int pl_rpc_owns_chain(pl_rpc *r, const char *chain);

/* The node's cluster state (cluster.h), or NULL without one. */
struct pl_cluster *pl_rpc_cluster(pl_rpc *r);

/* The pl_write for one engine mutation of this call: the reply waits for
 * its durability. At most one mutation per call takes it. */
const pl_write *pl_rpc_write(pl_rpc *r);

/* Encodes msg as the reply (status OK). */
void pl_rpc_reply(pl_rpc *r, const ProtobufCMessage *msg);

/* Sets an error status with a printf-style message. */
void pl_rpc_fail(pl_rpc *r, grpc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Maps an engine error (rc < 0) to its gRPC status, with err's message. */
void pl_rpc_engine_fail(pl_rpc *r, int rc, const pl_error *err);

/* The gRPC status for an engine code. */
grpc_status_code pl_status_for(int rc);

/* Copies src into dst[cap]; on overflow fails the call naming `field` and
 * returns -1. */
int pl_rpc_copy(pl_rpc *r, char *dst, size_t cap, const char *src,
                const char *field);

/* COPY(r, dst, src, field): pl_rpc_copy into the array dst (its size
 * taken with sizeof), true when it fit. The one definition the services
 * share:  if (!COPY(r, in.code, q->code, "code")) return; */
#define COPY(r, dst, src, field)                                               \
  (pl_rpc_copy((r), (dst), sizeof(dst), (src), (field)) == 0)

/* Tenant scopes the handlers enforce themselves (authentication decides
 * who may call a method; these narrow what a call may see): the insurer
 * or fleet whose own claims and work orders alone this call may see, or
 * NULL when the caller is not limited that way. */
const char *pl_rpc_insurer_scope(pl_rpc *r);
const char *pl_rpc_fleet_scope(pl_rpc *r);

/* ---- server streams ------------------------------------------------------
 * A handler of a server-streaming method turns its call into a stream:
 * the client gets the initial metadata at once, then every message given
 * to pl_stream_send (from any thread, kept in order), until
 * pl_stream_finish sends a status or the client goes away. on_close(arg)
 * then runs exactly once, on a worker thread; after it returns the stream
 * is gone, so on_close must first stop whatever calls pl_stream_send
 * (e.g. an engine watch). A handler that fails before opening a stream
 * answers with a status as a unary one does. In process (pl_rpc_invoke)
 * the messages are dropped and on_close runs when the handler returns. */
typedef struct pl_stream pl_stream;

/* NULL on OOM (fail the call as usual). */
pl_stream *pl_rpc_stream(pl_rpc *r, void (*on_close)(void *arg), void *arg);
void pl_stream_send(pl_stream *s, const ProtobufCMessage *msg);
void pl_stream_finish(pl_stream *s, grpc_status_code code, const char *detail);

/* Runs one call in process, without gRPC transport: decodes `bytes` as
 * m's request, runs the handler and, for a write, waits until it is
 * durable. Returns the status the client would get (detail filled).
 * For fuzzing and tests; grpc_init() must have been called. */
grpc_status_code pl_rpc_invoke(pl_engine *e, const pl_method *m,
                               const void *bytes, size_t n, char *detail,
                               size_t detail_len);

#endif
