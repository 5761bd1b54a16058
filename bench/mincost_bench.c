/* mincost_bench.c — the min-cost-flow solver on generated chain-transfer
 * instances (tests/mcf_gen.h: the rules of gen_transfer_dimacs.py; the
 * argument is the number of stores, with 3 DCs at 200 stores and 10 above):
 *   BM_MinCostSolve/N    network simplex from scratch (model built once)
 *   BM_MinCostResolve/N  one stock change (5 units moved from a DC to a
 *                        store, then back on the next iteration) followed
 *                        by the warm-started re-solve
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

int main(int argc, char **argv) {
  pl_bench *b = pl_bench_register("BM_MinCostSolve", BM_MinCostSolve);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 200), 2000));
  b = pl_bench_register("BM_MinCostResolve", BM_MinCostResolve);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 200), 2000));
  return pl_bench_main(argc, argv);
}
