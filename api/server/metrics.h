/* metrics.h — Prometheus text exposition on --metrics HOST:PORT (GNU
 * libmicrohttpd, its own thread): GET /metrics.
 *
 * Series (docs/operations.md lists them): per method and status, calls
 * and a latency histogram; the commit queue (depth, group sizes, fsync
 * latency histogram); RocksDB's memtable, pending compaction, stalls;
 * open streams; rate-limited calls; cluster mode, map version, chains.
 * Counting a call is a few relaxed atomic adds, no lock. */
#ifndef PL_API_METRICS_H
#define PL_API_METRICS_H

#include <grpc/status.h>
#include <stdint.h>

#include "ops.h"

typedef struct pl_metrics pl_metrics;

/* A registry for the n methods (paths kept, not copied). NULL on OOM. */
pl_metrics *pl_metrics_new(const pl_method *methods, int n);

/* Serves GET /metrics on listen ("127.0.0.1:9464"; port 0: any) reading
 * the rest from ops. 0 and *port, or -1 with why. */
int pl_metrics_serve(pl_metrics *m, const char *listen, pl_ops *ops, int *port,
                     char *why, size_t why_len);

/* Stops serving (if it did) and frees. Accepts NULL. */
void pl_metrics_free(pl_metrics *m);

/* Counts one call (method -1: unknown method). */
void pl_metrics_call(pl_metrics *m, int method, grpc_status_code code,
                     int64_t latency_us);

/* The whole page, malloc'd and NUL-terminated (*len without the NUL);
 * NULL on OOM. */
char *pl_metrics_render(pl_metrics *m, pl_ops *ops, size_t *len);

#endif
