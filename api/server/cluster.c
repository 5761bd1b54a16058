/* cluster.c — ownership and move freezes per call (see cluster.h).
 *
 * In-flight writes are counted in 4,096 stripes by a hash of the chain.
 * The write path adds to its stripe and then reads the frozen set; a
 * freeze adds to the frozen set and then reads the stripe (both
 * sequentially consistent), so either the write sees the freeze and backs
 * out, or the freeze sees the write and waits for it. Another chain that
 * shares the stripe can only make a freeze wait a little longer. */
#include "cluster.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pitlane/admin.h"

#define STRIPES 4096
#define MAX_FROZEN 64

struct pl_cluster {
  pl_shardmap *map;
  atomic_int inflight[STRIPES];
  atomic_int n_frozen;
  pthread_mutex_t mu; /* frozen[] */
  char frozen[MAX_FROZEN][PL_CODE_MAX];
};

int pl_cluster_new(pl_shardmap *map, pl_cluster **out) {
  pl_cluster *c = calloc(1, sizeof *c);
  *out = c;
  if (c == NULL)
    return -1;
  c->map = map;
  for (int i = 0; i < STRIPES; i++)
    atomic_init(&c->inflight[i], 0);
  atomic_init(&c->n_frozen, 0);
  pthread_mutex_init(&c->mu, NULL);
  return 0;
}

void pl_cluster_free(pl_cluster *c) {
  if (c == NULL)
    return;
  pthread_mutex_destroy(&c->mu);
  free(c);
}

pl_shardmap *pl_cluster_map(pl_cluster *c) {
  return c->map;
}

static const char *method_of(const char *path) {
  const char *m = strrchr(path, '/');
  return m != NULL ? m + 1 : path;
}

int pl_cluster_is_write(const char *path) {
  static const char *const reads[] = {
      "Get",   "List",   "RecommendSlots", "DayBoard", "Quote", "Plan",
      "Trace", "Verify", "Find",           "Suggest",  "Watch"};
  const char *m = method_of(path);
  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
    if (strncmp(m, reads[i], strlen(reads[i])) == 0)
      return 0;
  return 1;
}

int pl_cluster_exempt(const char *path) {
  return strncmp(path, "/grpc.health.v1.", 16) == 0 ||
         strncmp(path, "/pitlane.v1.Cluster/", 20) == 0 ||
         strstr(path, "ApiKey") != NULL;
}

static int stripe_of(const char *chain) {
  uint32_t h = 2166136261u;
  for (const char *p = chain; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  return (int)(h % STRIPES);
}

int pl_cluster_frozen(pl_cluster *c, const char *chain) {
  if (atomic_load(&c->n_frozen) == 0)
    return 0;
  int found = 0;
  pthread_mutex_lock(&c->mu);
  for (int i = 0; i < MAX_FROZEN && !found; i++)
    found = strcmp(c->frozen[i], chain) == 0 && chain[0] != '\0';
  pthread_mutex_unlock(&c->mu);
  return found;
}

grpc_status_code pl_cluster_admit(pl_cluster *c, const char *chain, int write,
                                  int *stripe, char *detail, size_t cap) {
  *stripe = -1;
  int s = stripe_of(chain);
  if (write)
    atomic_fetch_add(&c->inflight[s], 1);
  if (pl_cluster_frozen(c, chain)) {
    if (write) {
      atomic_fetch_sub(&c->inflight[s], 1);
      snprintf(detail, cap,
               "chain: '%.40s' is moving to another node; retry in 200 ms",
               chain);
      return GRPC_STATUS_UNAVAILABLE;
    }
  } else {
    char node[PL_NODE_ID_MAX], addr[PL_NODE_ADDR_MAX];
    pl_shard_owner o = pl_shardmap_owner(c->map, chain, node, addr);
    if (o != PL_SHARD_MINE) {
      if (write)
        atomic_fetch_sub(&c->inflight[s], 1);
      if (o == PL_SHARD_OTHER)
        snprintf(detail, cap,
                 "chain: '%.40s' is owned by node %s (%s); ask it (or go "
                 "through the router)",
                 chain, node, addr);
      else
        snprintf(detail, cap,
                 "chain: '%.40s' is not in the shard map (map v%lld); name "
                 "its node in etcd first",
                 chain, (long long)pl_shardmap_version(c->map));
      return GRPC_STATUS_FAILED_PRECONDITION;
    }
  }
  if (write)
    *stripe = s;
  return GRPC_STATUS_OK;
}

void pl_cluster_done(pl_cluster *c, int stripe) {
  if (stripe >= 0)
    atomic_fetch_sub(&c->inflight[stripe], 1);
}

static void sleep_ms(int ms) {
  struct timespec ts = {0, (long)ms * 1000000L};
  nanosleep(&ts, NULL);
}

int pl_cluster_freeze(pl_cluster *c, const char *chain, int timeout_ms,
                      int *waited_ms) {
  *waited_ms = 0;
  if (pl_cluster_frozen(c, chain))
    return 0; /* already (a retried freeze) */
  pthread_mutex_lock(&c->mu);
  int slot = -1;
  for (int i = 0; i < MAX_FROZEN && slot < 0; i++)
    if (c->frozen[i][0] == '\0')
      slot = i;
  if (slot >= 0) {
    snprintf(c->frozen[slot], PL_CODE_MAX, "%s", chain);
    atomic_fetch_add(&c->n_frozen, 1);
  }
  pthread_mutex_unlock(&c->mu);
  if (slot < 0)
    return -2;
  int s = stripe_of(chain);
  while (atomic_load(&c->inflight[s]) > 0) {
    if (*waited_ms >= timeout_ms) {
      pl_cluster_unfreeze(c, chain);
      return -1;
    }
    sleep_ms(1);
    (*waited_ms)++;
  }
  return 0;
}

void pl_cluster_unfreeze(pl_cluster *c, const char *chain) {
  pthread_mutex_lock(&c->mu);
  for (int i = 0; i < MAX_FROZEN; i++)
    if (c->frozen[i][0] != '\0' && strcmp(c->frozen[i], chain) == 0) {
      c->frozen[i][0] = '\0';
      atomic_fetch_sub(&c->n_frozen, 1);
    }
  pthread_mutex_unlock(&c->mu);
}
