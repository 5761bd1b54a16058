/* fuzz_dimacs.c — libFuzzer target for the DIMACS min-cost-flow reader
 * (pl-mincost's input) and, for small instances it accepts, the solver. */
#include <stdint.h>
#include <stdlib.h>

#include "pitlane/mincost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pl_mcf *m = NULL;
  char why[128];
  if (pl_mcf_read_dimacs((const char *)data, size, &m, why, sizeof why) != 0)
    return 0;
  if (pl_mcf_node_count(m) <= 64 && pl_mcf_arc_count(m) <= 256) {
    int64_t cost;
    pl_mcf_solve(m, &cost);
  }
  pl_mcf_free(m);
  return 0;
}
