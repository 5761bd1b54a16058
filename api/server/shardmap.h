/* shardmap.h — the cluster's shard map, read from etcd and kept current
 * by a watch (docs/scaling.md).
 *
 * In etcd, under the prefix /pitlane/:
 *   /pitlane/nodes/<node id>   = "host:port"   (where the node serves)
 *   /pitlane/chains/<chain>    = "<node id>"   (who owns the chain)
 * The map's version is etcd's revision when it was read: every change to
 * the map raises it, so "version >= V" tells a mover that a node has seen
 * its flip (committed at revision V).
 *
 * Access: etcd's v3 JSON gateway over HTTP (POST /v3/kv/range, a
 * streaming POST /v3/watch) with libcurl, from one thread per map. Each
 * read builds a new immutable snapshot and swaps it in under a rwlock;
 * lookups copy what they need under the read lock (no allocation, a
 * binary search). If etcd goes away the last map stays in force and the
 * thread retries every 500 ms.
 *
 * Ownership and threads: the map owns its thread and snapshots; every
 * function but start/stop may be called from any thread. No global state
 * of ours (libcurl's global init runs once, in start, on the caller's
 * thread). */
#ifndef PL_API_SHARDMAP_H
#define PL_API_SHARDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl_shardmap pl_shardmap;

enum { PL_NODE_ID_MAX = 64, PL_NODE_ADDR_MAX = 128 };

typedef enum pl_shard_owner {
  PL_SHARD_MINE = 0,  /* this node owns the chain */
  PL_SHARD_OTHER = 1, /* another node does: node/addr say which */
  PL_SHARD_NONE = 2,  /* the map does not name the chain */
} pl_shard_owner;

/* Reads the map from etcd at `url` ("http://127.0.0.1:2379") for node
 * `node_id` and starts watching it. Returns 0, or -1 with why[why_len]
 * filled (etcd unreachable, the node not in the map, out of memory). */
int pl_shardmap_start(const char *url, const char *node_id, pl_shardmap **out,
                      char *why, size_t why_len);
void pl_shardmap_stop(pl_shardmap *m); /* accepts NULL */

/* Who owns `chain`; for PL_SHARD_OTHER, node[PL_NODE_ID_MAX] and
 * addr[PL_NODE_ADDR_MAX] (either may be NULL) name the owner. */
pl_shard_owner pl_shardmap_owner(pl_shardmap *m, const char *chain, char *node,
                                 char *addr);

/* The version (etcd revision) of the map in force. */
int64_t pl_shardmap_version(pl_shardmap *m);
const char *pl_shardmap_node_id(const pl_shardmap *m);

/* Calls fn for every chain the map gives this node (under the read lock:
 * fn must not call back into the map). */
void pl_shardmap_each_mine(pl_shardmap *m, void (*fn)(void *, const char *),
                           void *arg);

#endif
