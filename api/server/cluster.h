/* cluster.h — a node's part in the cluster (docs/scaling.md): which
 * chains it answers for (the shard map), and which of its chains are
 * frozen for a move.
 *
 * The server asks, per call, after authorization and before the handler
 * (pl_cluster_admit, with the request's chains as auth.c finds them):
 *   - a frozen chain (a move is copying it): writes get UNAVAILABLE
 *     "chain 'X' is moving; retry in 200 ms"; reads go on;
 *   - a chain the map gives another node: FAILED_PRECONDITION naming it;
 *   - a chain the map does not name: FAILED_PRECONDITION.
 * An admitted write is counted on its chain's stripe until the call ends
 * (pl_cluster_done, after its reply went, i.e. after it is durable), so a
 * freeze can wait until the chain's writes in flight have finished.
 *
 * Cost per call: an atomic add and sub for a write, a load of the frozen
 * count, and one shard-map lookup (a read lock and a binary search).
 *
 * Ownership and threads: a pl_cluster belongs to one server and outlives
 * its calls; it does not own the shard map. Any thread. No global state. */
#ifndef PL_API_CLUSTER_H
#define PL_API_CLUSTER_H

#include <grpc/status.h>
#include <stddef.h>

#include "shardmap.h"

typedef struct pl_cluster pl_cluster;

/* map: the shard map (not owned). Returns 0 or -1 (out of memory). */
int pl_cluster_new(pl_shardmap *map, pl_cluster **out);
void pl_cluster_free(pl_cluster *c); /* accepts NULL */

pl_shardmap *pl_cluster_map(pl_cluster *c);

/* 1 if the method at path changes state (everything but Get*, List*,
 * RecommendSlots, DayBoard, Quote*, Plan*, Trace*, Verify*, Find*,
 * Suggest*, Watch*). */
int pl_cluster_is_write(const char *path);

/* 1 if the method is not subject to ownership (Health, the Cluster
 * service, API keys: global records). */
int pl_cluster_exempt(const char *path);

/* Admits one call on `chain`. GRPC_STATUS_OK, with *stripe set to the
 * stripe to release by pl_cluster_done for a write (else -1); or the
 * status to answer with, and a message in detail[cap]. */
grpc_status_code pl_cluster_admit(pl_cluster *c, const char *chain, int write,
                                  int *stripe, char *detail, size_t cap);
void pl_cluster_done(pl_cluster *c, int stripe);

/* Freezes a chain's writes and waits (up to timeout_ms) until the writes
 * already admitted have ended. 0 (*waited_ms set), -1: timed out (the
 * chain is left unfrozen), -2: out of room (64 chains frozen at once). */
int pl_cluster_freeze(pl_cluster *c, const char *chain, int timeout_ms,
                      int *waited_ms);
void pl_cluster_unfreeze(pl_cluster *c, const char *chain);
int pl_cluster_frozen(pl_cluster *c, const char *chain);

#endif
