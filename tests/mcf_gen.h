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

#endif
