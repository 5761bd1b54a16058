/* mcf_gen.h — the chain-transfer instance of
 * shared/bench/gen_transfer_dimacs.py, built in C straight into a pl_mcf
 * (same rules: stores and DCs on a 1000 km square, store surplus/shortage,
 * lanes within 150 km plus every DC to every store, cost 50 + 3/km, a sink
 * taking surplus at 0 cost). The random stream differs from Python's, so a
 * seed gives a different but equally shaped instance. Shared by the tests
 * and the benchmarks; header-only, no state outside the call. */
#ifndef PL_MCF_GEN_H
#define PL_MCF_GEN_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "pitlane/mincost.h"

typedef struct mcf_rng {
  uint64_t s;
} mcf_rng;

static inline uint64_t mcf_rng_next(mcf_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double mcf_rng_unit(mcf_rng *r) {
  return (double)(mcf_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [lo, hi]. */
static inline int64_t mcf_rng_int(mcf_rng *r, int64_t lo, int64_t hi) {
  return lo + (int64_t)(mcf_rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Builds the instance; nodes 0..stores-1 are stores, then the DCs, then the
 * sink. Returns 0 or a PL_E* code (*out NULL). */
static inline int mcf_gen_build(int stores, int dcs, uint64_t seed,
                                pl_mcf **out) {
  int n = stores + dcs;
  mcf_rng r = {seed};
  double *x = malloc(sizeof(double) * (size_t)n);
  double *y = malloc(sizeof(double) * (size_t)n);
  int64_t *sup = malloc(sizeof(int64_t) * (size_t)n);
  int rc = PL_ENOMEM;
  *out = NULL;
  if (x == NULL || y == NULL || sup == NULL)
    goto done;
  for (int i = 0; i < n; i++) {
    x[i] = mcf_rng_unit(&r) * 1000.0;
    y[i] = mcf_rng_unit(&r) * 1000.0;
  }
  for (int i = 0; i < stores; i++) {
    double u = mcf_rng_unit(&r);
    sup[i] = u < 0.35 ? mcf_rng_int(&r, 1, 40)
                      : (u < 0.7 ? -mcf_rng_int(&r, 1, 30) : 0);
  }
  for (int i = stores; i < n; i++)
    sup[i] = mcf_rng_int(&r, 200, 2000);
  int64_t shortv = 0, extra = 0;
  for (int i = 0; i < n; i++) {
    if (sup[i] < 0)
      shortv -= sup[i];
    else
      extra += sup[i];
  }
  if (extra < shortv && dcs > 0) {
    sup[stores] += shortv - extra;
    extra = shortv;
  }
  pl_mcf *m = NULL;
  rc = pl_mcf_new(n + 1, n * 64, &m);
  if (rc != 0)
    goto done;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < stores; j++) {
      if (i == j)
        continue;
      double d = hypot(x[i] - x[j], y[i] - y[j]);
      if (d <= 150.0 || i >= stores) {
        rc = pl_mcf_add_arc(m, i, j, 1000000, 50 + (int64_t)(d * 3));
        if (rc < 0)
          goto fail;
      }
    }
  }
  for (int i = 0; i < n; i++) {
    if (sup[i] > 0 && (rc = pl_mcf_add_arc(m, i, n, 1000000, 0)) < 0)
      goto fail;
    pl_mcf_set_supply(m, i, sup[i]);
  }
  pl_mcf_set_supply(m, n, -(extra - shortv));
  *out = m;
  rc = 0;
  goto done;
fail:
  pl_mcf_free(m);
done:
  free(x);
  free(y);
  free(sup);
  return rc;
}

/* Parameters of the sparse lane family (bench/gen_sparse_dimacs.py). */
typedef struct mcf_sparse_opts {
  int degree;       /* mean lanes to nearest stores (each store [d-2, d+2]) */
  double tight;     /* share of used lanes whose capacity is the shipped
                       volume exactly (binding) */
  double zero;      /* share of free lanes (cost 0) */
  double parallel;  /* share of store lanes with a second, parallel one */
  double transship; /* share of stores that only pass goods on */
} mcf_sparse_opts;

/* Builds a sparse capacitated instance of n nodes (n >= 4) by the rules of
 * bench/gen_sparse_dimacs.py (its random stream differs): stores link to
 * their nearest stores and to/from their 1-2 nearest DCs (n / 100, at
 * least 2); shipments of 1..20 units walk 1..6 lanes (longer through
 * transshipment nodes) between non-transshipment nodes, the supplies are
 * their net outflows (exact balance, no slack) and the capacities their
 * volumes (binding with probability tight), so the instance is feasible.
 * Nearest neighbours by a full scan: meant for n up to a few thousand.
 * Returns 0 or a PL_E* code (*out NULL). */
static inline int mcf_gen_sparse(int n, uint64_t seed, const mcf_sparse_opts *o,
                                 pl_mcf **out) {
  mcf_rng r = {seed};
  int n_dc = n / 100 < 2 ? 2 : n / 100, n_st = n - n_dc;
  int room = n * (o->degree + 9) * 2 + 16, na = 0, rc = PL_ENOMEM;
  double *x = malloc(sizeof(double) * (size_t)n);
  double *y = malloc(sizeof(double) * (size_t)n);
  int *tail = malloc(sizeof(int) * (size_t)room);
  int *head = malloc(sizeof(int) * (size_t)room);
  int64_t *cost = malloc(sizeof(int64_t) * (size_t)room);
  int64_t *flow = calloc((size_t)room, sizeof(int64_t));
  int *first = malloc(sizeof(int) * ((size_t)n + 1));
  char *trans = calloc((size_t)n, 1);
  int *near = malloc(sizeof(int) * 16);
  double *nd = malloc(sizeof(double) * 16);
  pl_mcf *m = NULL;
  *out = NULL;
  if (!x || !y || !tail || !head || !cost || !flow || !first || !trans ||
      !near || !nd || n < 4 || o->degree < 1 || o->degree > 12)
    goto done;
  for (int i = 0; i < n; i++) {
    x[i] = mcf_rng_unit(&r) * 1000.0;
    y[i] = mcf_rng_unit(&r) * 1000.0;
  }
  /* lanes: the store lanes grouped by tail, then the DC lanes (both
   * ways) in a second pass */
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < n_st; i++) {
      int lo = o->degree > 2 ? o->degree - 2 : 1;
      int k = pass == 0 ? (int)mcf_rng_int(&r, lo, o->degree + 2)
                        : (int)mcf_rng_int(&r, 1, 2);
      int from = pass == 0 ? 0 : n_st, to = pass == 0 ? n_st : n, cnt = 0;
      for (int j = from; j < to; j++) { /* k nearest by insertion */
        if (j == i)
          continue;
        double d = hypot(x[i] - x[j], y[i] - y[j]);
        int p = cnt < k ? cnt++ : k;
        if (p == k && d >= nd[k - 1])
          continue;
        if (p == k)
          p = k - 1;
        while (p > 0 && nd[p - 1] > d) {
          nd[p] = nd[p - 1];
          near[p] = near[p - 1];
          p--;
        }
        nd[p] = d;
        near[p] = j;
      }
      for (int c = 0; c < cnt; c++) {
        int j = near[c];
        int64_t base = mcf_rng_unit(&r) < o->zero ? -1 : 20;
        int copies = pass == 0 && mcf_rng_unit(&r) < o->parallel ? 2 : 1;
        for (int t = 0; t < copies; t++) {
          tail[na] = pass == 0 ? i : j; /* DC lanes: both ways */
          head[na] = pass == 0 ? j : i;
          cost[na++] = base < 0 ? 0 : base + 15 * t + (int64_t)(nd[c] * 3);
          if (pass == 1) {
            tail[na] = i;
            head[na] = j;
            cost[na++] = base < 0 ? 0 : 10 + (int64_t)(nd[c] * 3);
          }
        }
      }
    }
  }
  /* counting sort by tail so shipments can walk out-lanes */
  int *order = malloc(sizeof(int) * (size_t)(na ? na : 1));
  if (order == NULL)
    goto done;
  for (int v = 0; v <= n; v++)
    first[v] = 0;
  for (int a = 0; a < na; a++)
    first[tail[a] + 1]++;
  for (int v = 0; v < n; v++)
    first[v + 1] += first[v];
  {
    int *fill = malloc(sizeof(int) * (size_t)n);
    if (fill == NULL) {
      free(order);
      goto done;
    }
    for (int v = 0; v < n; v++)
      fill[v] = first[v];
    for (int a = 0; a < na; a++)
      order[fill[tail[a]]++] = a;
    free(fill);
  }
  for (int i = 0; i < n_st; i++)
    trans[i] = mcf_rng_unit(&r) < o->transship;
  for (int s = 0; s < 2 * n; s++) {
    int src = (int)mcf_rng_int(&r, 0, n - 1);
    if (trans[src])
      continue;
    int64_t q = mcf_rng_int(&r, 1, 20);
    int path[24], len = 0, v = src, steps = (int)mcf_rng_int(&r, 1, 6);
    while (len < 24 && first[v + 1] > first[v] &&
           (len < steps || (trans[v] && len < 12))) {
      int a = order[first[v] +
                    (int)mcf_rng_int(&r, 0, first[v + 1] - first[v] - 1)];
      path[len++] = a;
      v = head[a];
    }
    if (len == 0 || v == src || trans[v])
      continue;
    for (int t = 0; t < len; t++)
      flow[path[t]] += q;
  }
  free(order);
  rc = pl_mcf_new(n, na, &m);
  if (rc != 0)
    goto done;
  int64_t *sup = calloc((size_t)n, sizeof(int64_t));
  if (sup == NULL) {
    rc = PL_ENOMEM;
    goto fail;
  }
  for (int a = 0; a < na; a++) {
    int64_t f = flow[a], cap;
    if (f > 0)
      cap = mcf_rng_unit(&r) < o->tight ? f : f + mcf_rng_int(&r, 1, 2 * f + 5);
    else
      cap = mcf_rng_int(&r, 1, 30);
    sup[tail[a]] += f;
    sup[head[a]] -= f;
    if ((rc = pl_mcf_add_arc(m, tail[a], head[a], cap, cost[a])) < 0) {
      free(sup);
      goto fail;
    }
  }
  for (int v = 0; v < n; v++)
    pl_mcf_set_supply(m, v, sup[v]);
  free(sup);
  *out = m;
  rc = 0;
  goto done;
fail:
  pl_mcf_free(m);
done:
  free(x);
  free(y);
  free(tail);
  free(head);
  free(cost);
  free(flow);
  free(first);
  free(trans);
  free(near);
  free(nd);
  return rc;
}

#endif
