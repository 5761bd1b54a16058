/* server.h — pitlaned's gRPC C-core server: one completion queue and one
 * worker thread per configured thread, registered methods with their
 * payload read up front, UNIMPLEMENTED for everything else.
 *
 * Lifecycle: pl_server_start -> (serve) -> pl_server_stop, which stops
 * taking calls, lets in-flight calls finish (their durable writes
 * included), then joins the workers. The engine outlives the server. */
#ifndef PL_API_SERVER_H
#define PL_API_SERVER_H

#include "cluster.h"
#include "pitlane/pitlane.h"
#include "rpc.h"

typedef struct pl_server pl_server;

typedef struct pl_server_config {
  const char *listen;   /* "127.0.0.1:50051"; port 0 picks a free one */
  int threads;          /* >= 1 */
  const char *tls_cert; /* PEM file, or NULL for plaintext */
  const char *tls_key;
  const pl_method *methods;
  int n_methods;
  int max_inflight;    /* calls being served at once before new ones get
                          RESOURCE_EXHAUSTED (Health is always served);
                          0: 10000 */
  pl_cluster *cluster; /* NULL: one node owns every chain (no checks);
                          else chain ownership and move freezes per call
                          (cluster.h). Not owned; outlives the server. */
  struct pl_ops *ops;  /* NULL: none (ops.h). Not owned; outlives it. */
} pl_server_config;

/* Starts serving. On success *port is the bound port. Returns 0, or -1
 * with a message in why[why_len]. */
int pl_server_start(const pl_server_config *cfg, pl_engine *engine,
                    pl_server **out, int *port, char *why, size_t why_len);

/* Server streams open now (for metrics). */
int pl_server_open_streams(pl_server *s);

/* Graceful stop: waits up to grace_ms for in-flight calls, then cancels
 * the rest. Frees the server. */
void pl_server_stop(pl_server *s, int grace_ms);

#endif
