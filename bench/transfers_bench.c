/* transfers_bench.c — QuoteTransfer on a 200-store chain with 3
 * distribution centres, in process.
 *
 *   BM_QuoteTransfer  a random store asks for 1-5 units of a part that
 *                     about a third of the stores and every centre hold;
 *                     lanes: each store to and from its two nearest
 *                     centres, centres among themselves, and stores within
 *                     a radius directly (~6 each). Reports p50/p99.
 * Flags are Google Benchmark's own. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "pitlane/inventory.h"
#include "pitlane/transfers.h"
#include "shim.h"

#define STORES 200
#define DCS 3

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  return bench_xorshift(&rng);
}

static void code_of(int i, char *out) {
  if (i < STORES)
    snprintf(out, PL_CODE_MAX, "W%03d", i);
  else
    snprintf(out, PL_CODE_MAX, "DC%d", i - STORES);
}

static int build(pl_engine *e, pl_error *err) {
  pl_chain_info c = {.code = "bench", .name = "bench"};
  int rc = pl_chain_create(e, &c, NULL, NULL, NULL, err);
  pl_part_info p = {
      .chain = "bench", .part_no = "P1", .name = "part", .purchase_fen = 1000};
  if (rc == 0)
    rc = pl_part_create(e, &p, NULL, NULL, NULL, err);
  double x[STORES + DCS], y[STORES + DCS];
  for (int i = 0; i < STORES + DCS; i++) {
    x[i] = (double)(rnd() % 1000);
    y[i] = (double)(rnd() % 1000);
    pl_warehouse_info w = {.chain = "bench", .name = "w"};
    code_of(i, w.code);
    if (rc == 0)
      rc = pl_warehouse_create(e, &w, NULL, NULL, NULL, err);
  }
  for (int i = 0; rc == 0 && i < STORES + DCS; i++) {
    for (int j = 0; rc == 0 && j < STORES + DCS; j++) {
      if (i == j)
        continue;
      double d2 = (x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j]);
      int dc_i = i >= STORES, dc_j = j >= STORES;
      int link = (dc_i && dc_j) || d2 < 100.0 * 100.0;
      if (!link && (dc_i || dc_j)) { /* store <-> its two nearest centres */
        int s = dc_i ? j : i, dc = dc_i ? i : j, closer = 0;
        double ds =
            (x[s] - x[dc]) * (x[s] - x[dc]) + (y[s] - y[dc]) * (y[s] - y[dc]);
        for (int k = STORES; k < STORES + DCS; k++)
          if ((x[s] - x[k]) * (x[s] - x[k]) + (y[s] - y[k]) * (y[s] - y[k]) <
              ds)
            closer++;
        link = closer < 2;
      }
      if (!link)
        continue;
      pl_lane_info l = {.chain = "bench",
                        .fixed_fen = 2000 + (int64_t)(rnd() % 3000),
                        .unit_fen = 50 + (int64_t)(rnd() % 200),
                        .lead_min = 60 + (int)(rnd() % 600)};
      code_of(i, l.from);
      code_of(j, l.to);
      rc = pl_lane_set(e, &l, NULL, err);
    }
  }
  for (int i = 0; rc == 0 && i < STORES + DCS; i++) {
    if (i < STORES && rnd() % 3 != 0)
      continue;
    pl_move_req r = {.chain = "bench",
                     .part_no = "P1",
                     .actor = "bench",
                     .qty = i >= STORES ? 500 : 1 + (int64_t)(rnd() % 20)};
    code_of(i, r.warehouse);
    rc = pl_stock_receive(e, &r, NULL, NULL, NULL, err);
  }
  return rc;
}

static void BM_QuoteTransfer(pl_bench_state *st) {
  char dir[256];
  if (bench_tempdir(dir, sizeof dir, "pitlane-xbench") != 0)
    return;
  pl_config cfg = {.path = dir, .no_sync = 1};
  pl_engine *e = NULL;
  pl_error err = {0};
  if (pl_engine_open(&cfg, &e, &err) != 0 || build(e, &err) != 0) {
    pl_bench_error(st, err.msg);
    pl_engine_close(e);
    return;
  }
  size_t cap = 1 << 22, n = 0;
  int64_t *lat = malloc(cap * sizeof *lat);
  long plans = 0;
  while (pl_bench_keep_running(st)) {
    char dest[PL_CODE_MAX];
    code_of((int)(rnd() % STORES), dest);
    pl_transfer_plan out[5];
    int64_t t0 = mono_ns();
    int got = pl_quote_transfer(e, "bench", "P1", 1 + (int64_t)(rnd() % 5),
                                dest, 0, out, 5, NULL);
    int64_t t1 = mono_ns();
    plans += got;
    if (n < cap)
      lat[n++] = t1 - t0;
  }
  if (n > 0) {
    qsort(lat, n, sizeof *lat, cmp_i64);
    pl_bench_counter(st, "p50_ns", (double)lat[n / 2], 0);
    pl_bench_counter(st, "p99_ns", (double)lat[(size_t)((double)n * 0.99)], 0);
    pl_bench_counter(st, "plans_per_quote", (double)plans / (double)n, 0);
  }
  pl_lane_info l;
  pl_bench_counter(st, "lanes", pl_lane_list(e, "bench", &l, 0, NULL), 0);
  free(lat);
  pl_engine_close(e);
  bench_rmrf(dir);
}

int main(int argc, char **argv) {
  pl_bench_unit_ns(pl_bench_register("BM_QuoteTransfer", BM_QuoteTransfer));
  return pl_bench_main(argc, argv);
}
