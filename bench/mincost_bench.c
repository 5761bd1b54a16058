/* mincost_bench.c — the min-cost-flow solver on generated chain-transfer
 * instances (tests/mcf_gen.h: the rules of gen_transfer_dimacs.py; the
 * argument is the number of stores, with 3 DCs at 200 stores and 10 above):
 *   BM_MinCostSolve/N    network simplex from scratch (model built once)
 *   BM_MinCostResolve/N  one stock change (5 units moved from a DC to a
 *                        store, then back on the next iteration) followed
 *                        by the warm-started re-solve
 *   BM_MinCostSolveSparse/N    from scratch on the sparse capacitated family
 *                              (mcf_gen_sparse, degree 4; N nodes)
 *   BM_MinCostResolveSparse/N  5 units of a shipment path taken back from
 *                              its ends (then restored on the next
 *                              iteration), then the warm re-solve
 * The smoke ctest runs only /200 (--benchmark_filter). */
#include <stdio.h>

#include "../tests/mcf_gen.h"
#include "pitlane/mincost.h"
#include "shim.h"

static pl_mcf *build(pl_bench_state *st, int stores) {
  pl_mcf *m = NULL;
  if (mcf_gen_build(stores, stores <= 200 ? 3 : 10, 1, &m) != 0)
    pl_bench_error(st, "instance generation failed");
  return m;
}

static void BM_MinCostSolve(pl_bench_state *st) {
  pl_mcf *m = build(st, (int)pl_bench_range(st, 0));
  if (m == NULL)
    return;
  int64_t cost = 0;
  while (pl_bench_keep_running(st)) {
    if (pl_mcf_solve(m, &cost) != 0) {
      pl_bench_error(st, "solve failed");
      break;
    }
    pl_bench_use(&cost);
  }
  pl_bench_counter(st, "arcs", pl_mcf_arc_count(m), 0);
  pl_mcf_free(m);
}

static void BM_MinCostResolve(pl_bench_state *st) {
  int stores = (int)pl_bench_range(st, 0);
  pl_mcf *m = build(st, stores);
  if (m == NULL)
    return;
  int64_t cost = 0;
  if (pl_mcf_solve(m, &cost) != 0) {
    pl_bench_error(st, "solve failed");
    pl_mcf_free(m);
    return;
  }
  /* a store with a surplus has a lane to the sink, so the move stays
   * feasible in both directions */
  int dc = stores, store = 0;
  while (store < stores && pl_mcf_supply(m, store) <= 0)
    store++;
  long i = 0;
  while (pl_bench_keep_running(st)) {
    int from = (i & 1) ? store : dc, to = (i & 1) ? dc : store;
    i++;
    if (pl_mcf_shift_supply(m, from, to, 5) != 0 ||
        pl_mcf_resolve(m, &cost) != 0) {
      pl_bench_error(st, "re-solve failed");
      break;
    }
    pl_bench_use(&cost);
  }
  pl_mcf_free(m);
}

static const mcf_sparse_opts sparse_shape = {4, 0.5, 0.1, 0.1, 0.15};

static void BM_MinCostSolveSparse(pl_bench_state *st) {
  pl_mcf *m = NULL;
  if (mcf_gen_sparse((int)pl_bench_range(st, 0), 1, &sparse_shape, &m)) {
    pl_bench_error(st, "instance generation failed");
    return;
  }
  int64_t cost = 0;
  while (pl_bench_keep_running(st)) {
    if (pl_mcf_solve(m, &cost) != 0) {
      pl_bench_error(st, "solve failed");
      break;
    }
    pl_bench_use(&cost);
  }
  pl_bench_counter(st, "arcs", pl_mcf_arc_count(m), 0);
  pl_mcf_free(m);
}

/* From a node with supply, follows the out-arc with the most flow until a
 * node with demand: the optimal flow carries >= `amount` units from *s to
 * *t, so moving that much supply from s to t (and back) stays feasible
 * even with binding capacities. Returns 0 or -1 (no such path). */
static int flow_path_ends(const pl_mcf *m, int64_t amount, int *s, int *t) {
  int n = pl_mcf_node_count(m), na = pl_mcf_arc_count(m);
  for (int s0 = 0; s0 < n; s0++) {
    if (pl_mcf_supply(m, s0) < amount)
      continue;
    int v = s0;
    for (int step = 0; step < n; step++) {
      int best = -1;
      int64_t bf = amount - 1;
      for (int a = 0; a < na; a++) { /* set-up only: a scan is fine */
        int from, to;
        pl_mcf_arc(m, a, &from, &to, NULL, NULL, NULL);
        if (from == v && pl_mcf_flow(m, a) > bf) {
          bf = pl_mcf_flow(m, a);
          best = a;
        }
      }
      if (best < 0)
        break;
      pl_mcf_arc(m, best, NULL, &v, NULL, NULL, NULL);
      if (pl_mcf_supply(m, v) < 0 && v != s0) {
        *s = s0;
        *t = v;
        return 0;
      }
    }
  }
  return -1;
}

static void BM_MinCostResolveSparse(pl_bench_state *st) {
  pl_mcf *m = NULL;
  int64_t cost = 0;
  int s, t;
  if (mcf_gen_sparse((int)pl_bench_range(st, 0), 1, &sparse_shape, &m) ||
      pl_mcf_solve(m, &cost) != 0 || flow_path_ends(m, 5, &s, &t) != 0) {
    pl_bench_error(st, "set-up failed");
    pl_mcf_free(m);
    return;
  }
  long i = 0;
  while (pl_bench_keep_running(st)) {
    int from = (i & 1) ? t : s, to = (i & 1) ? s : t;
    i++;
    if (pl_mcf_shift_supply(m, from, to, 5) != 0 ||
        pl_mcf_resolve(m, &cost) != 0) {
      pl_bench_error(st, "re-solve failed");
      break;
    }
    pl_bench_use(&cost);
  }
  pl_mcf_free(m);
}

int main(int argc, char **argv) {
  pl_bench *b = pl_bench_register("BM_MinCostSolve", BM_MinCostSolve);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 200), 2000));
  b = pl_bench_register("BM_MinCostResolve", BM_MinCostResolve);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 200), 2000));
  b = pl_bench_register("BM_MinCostSolveSparse", BM_MinCostSolveSparse);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 500), 3000));
  b = pl_bench_register("BM_MinCostResolveSparse", BM_MinCostResolveSparse);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 500), 3000));
  return pl_bench_main(argc, argv);
}
