/* cluster.c — pitlane.v1.Cluster: a node's status and the steps of a
 * chain move (proto/pitlane/v1/cluster.proto, docs/scaling.md). Platform
 * admin keys only (auth.c). Export, import and drop run on the worker
 * thread that took the call: they are rare operator calls. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pitlane/admin.h"
#include "pitlane/chainmove.h"
#include "pitlane/v1/cluster.pb-c.h"
#include "server/cluster.h"
#include "server/methods.h"

/* jemalloc's control interface, when pitlaned links jemalloc (not under
 * the sanitizers): weak, so the build without it still links. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
                   size_t newlen) __attribute__((weak));

static int64_t allocated_bytes(void) {
  if (mallctl == NULL)
    return 0;
  uint64_t epoch = 1;
  size_t sz = sizeof epoch;
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  size_t allocated = 0;
  sz = sizeof allocated;
  if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0)
    return 0;
  return (int64_t)allocated;
}

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct names {
  char **v;
  size_t n, cap;
} names;

static void add_name(void *arg, const char *chain) {
  names *ns = arg;
  if (ns->n == ns->cap) {
    size_t cap = ns->cap ? ns->cap * 2 : 16;
    char **nv = realloc(ns->v, cap * sizeof *nv);
    if (nv == NULL)
      return;
    ns->v = nv;
    ns->cap = cap;
  }
  char *c = strdup(chain);
  if (c != NULL)
    ns->v[ns->n++] = c;
}

static void free_names(names *ns) {
  for (size_t i = 0; i < ns->n; i++)
    free(ns->v[i]);
  free(ns->v);
}

static void status(pl_rpc *r, const ProtobufCMessage *msg) {
  (void)msg;
  pl_cluster *c = pl_rpc_cluster(r);
  pl_engine *e = pl_rpc_engine(r);
  names owned = {0}, loaded = {0}, frozen = {0};
  Pitlane__V1__ClusterStatus m;
  pitlane__v1__cluster_status__init(&m);
  if (c != NULL) {
    m.node_id = (char *)pl_shardmap_node_id(pl_cluster_map(c));
    m.map_version = pl_shardmap_version(pl_cluster_map(c));
    pl_shardmap_each_mine(pl_cluster_map(c), add_name, &owned);
  }
  int n = pl_chain_list(e, NULL, 0);
  pl_chain_info *info = calloc(n > 0 ? (size_t)n : 1, sizeof *info);
  if (info != NULL) {
    int got = pl_chain_list(e, info, n);
    for (int i = 0; i < got && i < n; i++) {
      add_name(&loaded, info[i].code);
      if (c != NULL && pl_cluster_frozen(c, info[i].code))
        add_name(&frozen, info[i].code);
    }
  }
  free(info);
  m.owned = owned.v;
  m.n_owned = owned.n;
  m.loaded = loaded.v;
  m.n_loaded = loaded.n;
  m.frozen = frozen.v;
  m.n_frozen = frozen.n;
  m.allocated_bytes = allocated_bytes();
  pl_rpc_reply(r, &m.base);
  free_names(&owned);
  free_names(&loaded);
  free_names(&frozen);
}

/* The node's cluster, or NULL after failing the call. */
static pl_cluster *need_cluster(pl_rpc *r) {
  pl_cluster *c = pl_rpc_cluster(r);
  if (c == NULL)
    pl_rpc_fail(r, GRPC_STATUS_FAILED_PRECONDITION,
                "cluster: this node runs without --cluster-etcd");
  return c;
}

static void freeze(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__FreezeChainRequest *q = (const void *)msg;
  pl_cluster *c = need_cluster(r);
  if (c == NULL)
    return;
  if (q->chain[0] == '\0') {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "chain: required");
    return;
  }
  int timeout =
      q->timeout_ms > 0 && q->timeout_ms <= 60000 ? q->timeout_ms : 5000;
  int waited = 0;
  int rc = pl_cluster_freeze(c, q->chain, timeout, &waited);
  if (rc == -1) {
    pl_rpc_fail(r, GRPC_STATUS_DEADLINE_EXCEEDED,
                "chain: writes to '%.40s' still in flight after %d ms; not "
                "frozen",
                q->chain, timeout);
    return;
  }
  if (rc == -2) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED,
                "chain: too many chains frozen at once");
    return;
  }
  Pitlane__V1__FreezeChainResponse m;
  pitlane__v1__freeze_chain_response__init(&m);
  m.waited_ms = waited;
  pl_rpc_reply(r, &m.base);
}

static void unfreeze(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__UnfreezeChainRequest *q = (const void *)msg;
  pl_cluster *c = need_cluster(r);
  if (c == NULL)
    return;
  pl_cluster_unfreeze(c, q->chain);
  Pitlane__V1__UnfreezeChainResponse m;
  pitlane__v1__unfreeze_chain_response__init(&m);
  pl_rpc_reply(r, &m.base);
}

static void reply_range(pl_rpc *r, const pl_chain_range_info *info,
                        int64_t t0) {
  Pitlane__V1__ChainRange m;
  pitlane__v1__chain_range__init(&m);
  m.rows = info->rows;
  m.bytes = info->bytes;
  m.took_us = mono_us() - t0;
  pl_rpc_reply(r, &m.base);
}

/* Runs a chain export or import (fn) of chain at path, timing it, and
 * answers with the range it moved. */
static void move_range(pl_rpc *r,
                       int (*fn)(pl_engine *, const char *, const char *,
                                 pl_chain_range_info *, pl_error *),
                       const char *chain, const char *path) {
  int64_t t0 = mono_us();
  pl_chain_range_info info;
  pl_error err = {0};
  int rc = fn(pl_rpc_engine(r), chain, path, &info, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_range(r, &info, t0);
}

static void export_chain(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ExportChainRequest *q = (const void *)msg;
  pl_cluster *c = need_cluster(r);
  if (c == NULL)
    return;
  if (!pl_cluster_frozen(c, q->chain)) {
    pl_rpc_fail(r, GRPC_STATUS_FAILED_PRECONDITION,
                "chain: freeze '%.40s' before exporting it", q->chain);
    return;
  }
  move_range(r, pl_chain_export, q->chain, q->path);
}

static void import_chain(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ImportChainRequest *q = (const void *)msg;
  if (need_cluster(r) == NULL)
    return;
  move_range(r, pl_chain_import, q->chain, q->path);
}

static void drop_chain(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DropChainRequest *q = (const void *)msg;
  pl_cluster *c = need_cluster(r);
  if (c == NULL)
    return;
  if (pl_shardmap_owner(pl_cluster_map(c), q->chain, NULL, NULL) ==
      PL_SHARD_MINE) {
    pl_rpc_fail(r, GRPC_STATUS_FAILED_PRECONDITION,
                "chain: the shard map still gives '%.40s' to this node; flip "
                "it first",
                q->chain);
    return;
  }
  pl_error err = {0};
  int rc = pl_chain_drop(pl_rpc_engine(r), q->chain, &err);
  if (rc != 0 && rc != PL_ENOTFOUND) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  pl_cluster_unfreeze(c, q->chain);
  Pitlane__V1__DropChainResponse m;
  pitlane__v1__drop_chain_response__init(&m);
  pl_rpc_reply(r, &m.base);
}

#define CL(name, req, fn) PL_METHOD("Cluster", name, req, fn)

const pl_method pl_cluster_methods[] = {
    CL("Status", cluster_status_request, status),
    CL("FreezeChain", freeze_chain_request, freeze),
    CL("UnfreezeChain", unfreeze_chain_request, unfreeze),
    CL("ExportChain", export_chain_request, export_chain),
    CL("ImportChain", import_chain_request, import_chain),
    CL("DropChain", drop_chain_request, drop_chain),
};
const int pl_cluster_n_methods = PL_N_METHODS(pl_cluster_methods);
