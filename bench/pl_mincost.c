/* pl_mincost.c — `pl-mincost FILE.min`: reads a DIMACS min-cost-flow file,
 * solves it with the engine's network simplex and prints one line:
 *   cost <int> solve_ms <float> nodes <n> arcs <m>
 * solve_ms covers pl_mcf_solve only (not reading or parsing), as the LEMON
 * peer (lemon-mincost) times only NetworkSimplex::run. Bad input or an
 * infeasible problem: a message on stderr and exit status 1 (2: usage). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pitlane/mincost.h"

/* Whole file into a malloc'd buffer; NULL on failure. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t room = 1 << 20, n = 0;
  char *buf = malloc(room);
  while (buf != NULL) {
    n += fread(buf + n, 1, room - n, f);
    if (n < room)
      break;
    room *= 2;
    char *nb = realloc(buf, room);
    if (nb == NULL) {
      free(buf);
      buf = NULL;
    } else {
      buf = nb;
    }
  }
  if (buf != NULL && ferror(f)) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = n;
  return buf;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pl-mincost FILE.min\n");
    return 2;
  }
  size_t len = 0;
  char *text = slurp(argv[1], &len);
  if (text == NULL) {
    perror(argv[1]);
    return 1;
  }
  char why[200];
  pl_mcf *m = NULL;
  int rc = pl_mcf_read_dimacs(text, len, &m, why, sizeof why);
  free(text);
  if (rc != 0) {
    fprintf(stderr, "pl-mincost: %s: %s (%s)\n", argv[1], why, pl_err_name(rc));
    return 1;
  }
  int64_t cost = 0;
  double t0 = now_ms();
  rc = pl_mcf_solve(m, &cost);
  double t1 = now_ms();
  if (rc != 0) {
    fprintf(stderr, "pl-mincost: %s: %s (%s)\n", argv[1],
            rc == PL_EPRECOND ? "infeasible: no flow meets the supplies"
            : rc == PL_EINVAL ? "supplies do not sum to zero"
            : rc == PL_ELIMIT ? "numbers too large for exact int64 arithmetic"
                              : pl_strerror(rc),
            pl_err_name(rc));
    pl_mcf_free(m);
    return 1;
  }
  printf("cost %lld solve_ms %.3f nodes %d arcs %d\n", (long long)cost, t1 - t0,
         pl_mcf_node_count(m), pl_mcf_arc_count(m));
  pl_mcf_free(m);
  return 0;
}
