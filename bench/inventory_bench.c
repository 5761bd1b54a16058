/* inventory_bench.c — the inventory's hot paths, in process:
 *   BM_ReserveNoSync   reserve 1 unit for a work order (the whole commit
 *                      path: plan, apply, encode rows + ledger entry,
 *                      enqueue), async (pl_write with a no-op callback) on
 *                      an engine opened with no_sync = 1, so no fsync is
 *                      in the measured time; the commit thread writes to
 *                      RocksDB on the other core meanwhile.
 *   BM_IssueNoSync     issue 1 unit FIFO to a work order, same set-up.
 *   BM_IssueNoSyncDrained
 *                      the same, with the commit queue drained (timer
 *                      paused) every 256 issues.
 *   BM_ReserveDurable/threads:N
 *                      reserve + wait until fsynced (NULL pl_write) from N
 *                      threads: what a durable movement costs with group
 *                      commit.
 *   BM_GetStock        one warehouse x part (memory only).
 *   BM_GetStockChain/500
 *                      one part across 500 warehouses: rows + totals.
 *   BM_MemoryPerCell   not a timing: creates 100,000 warehouse x part cells
 *                      with one lot each and reports bytes per cell from
 *                      pl_stock_memory (sizeof-based) and from jemalloc's
 *                      stats.allocated (measured; includes RocksDB's
 *                      memtable and the commit queue, so an upper bound).
 * Each run uses a fresh RocksDB directory under $TMPDIR. */
#include <ftw.h>
#include <jemalloc/jemalloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pitlane/admin.h"
#include "pitlane/inventory.h"
#include "shim.h"

/* Bench-only globals: one engine shared by the threads of a run. */
static pl_engine *g_engine;
static char g_dir[512];
static atomic_long g_seq;

static void noop_durable(void *arg, int rc) {
  (void)arg, (void)rc;
}
static const pl_write g_async = {noop_durable, NULL};

/* A fresh engine with chain "b", n_wh warehouses W0.., n_parts parts P0.. */
static int open_fresh(pl_bench_state *st, int no_sync, int n_wh, int n_parts) {
  pl_config cfg = {0};
  pl_error err = {0};
  if (bench_tempdir(g_dir, sizeof g_dir, "pitlane-ibench") != 0) {
    pl_bench_error(st, "mkdtemp failed");
    return -1;
  }
  cfg.path = g_dir;
  cfg.no_sync = no_sync;
  int rc = pl_engine_open(&cfg, &g_engine, &err);
  pl_chain_info c = {.code = "b", .name = "bench"};
  if (rc == 0)
    rc = pl_chain_create(g_engine, &c, NULL, NULL, NULL, &err);
  for (int i = 0; rc == 0 && i < n_wh; i++) {
    pl_warehouse_info w = {.chain = "b", .name = "wh"};
    snprintf(w.code, sizeof w.code, "W%d", i);
    rc = pl_warehouse_create(g_engine, &w, NULL, &g_async, NULL, &err);
  }
  for (int i = 0; rc == 0 && i < n_parts; i++) {
    pl_part_info p = {.chain = "b", .name = "part", .purchase_fen = 100};
    snprintf(p.part_no, sizeof p.part_no, "P%d", i);
    rc = pl_part_create(g_engine, &p, NULL, &g_async, NULL, &err);
  }
  if (rc != 0) {
    pl_bench_error(st, err.msg);
    return -1;
  }
  return 0;
}

static void close_fresh(void) {
  pl_engine_close(g_engine);
  g_engine = NULL;
  bench_rmrf(g_dir);
}

static pl_move_req req(int wh, int part, int64_t qty) {
  pl_move_req r = {.chain = "b",
                   .qty = qty,
                   .actor = "bench",
                   .work_order = "WO-1",
                   .unit_cost_fen = 100};
  snprintf(r.warehouse, sizeof r.warehouse, "W%d", wh);
  snprintf(r.part_no, sizeof r.part_no, "P%d", part);
  return r;
}

static int stock_up(pl_bench_state *st, int wh, int part, int64_t qty) {
  pl_move_req r = req(wh, part, qty);
  pl_error err = {0};
  if (pl_stock_receive(g_engine, &r, NULL, NULL, NULL, &err) != 0) {
    pl_bench_error(st, err.msg);
    return -1;
  }
  return 0;
}

/* Times movement `move` of one unit of P0 at W0, not waiting for
 * durability, on a fresh no-sync engine holding a billion units there;
 * reports `what` if any call failed. */
static void time_move(pl_bench_state *st,
                      int (*move)(pl_engine *, const pl_move_req *,
                                  const char *, const pl_write *, pl_movement *,
                                  pl_error *),
                      const char *what) {
  if (open_fresh(st, 1, 1, 1) != 0 || stock_up(st, 0, 0, 1000000000LL))
    return;
  pl_move_req r = req(0, 0, 1);
  pl_movement m;
  int failed = 0;
  while (pl_bench_keep_running(st))
    failed |= move(g_engine, &r, NULL, &g_async, &m, NULL);
  if (failed)
    pl_bench_error(st, what);
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_fresh();
}

static void BM_ReserveNoSync(pl_bench_state *st) {
  time_move(st, pl_stock_reserve, "reserve failed");
}

static void BM_IssueNoSync(pl_bench_state *st) {
  time_move(st, pl_stock_issue, "issue failed");
}

/* As BM_IssueNoSync, but every 256 issues the timer stops while the commit
 * queue drains (a blocking movement waits for everything queued before
 * it): the worker's cost without the unbounded backlog an async loop
 * builds up. */
static void BM_IssueNoSyncDrained(pl_bench_state *st) {
  if (open_fresh(st, 1, 1, 2) != 0 || stock_up(st, 0, 0, 1000000000LL) ||
      stock_up(st, 0, 1, 1000000000LL))
    return;
  pl_move_req r = req(0, 0, 1), drain = req(0, 1, 1);
  pl_movement m;
  int failed = 0;
  long n = 0;
  while (pl_bench_keep_running(st)) {
    failed |= pl_stock_issue(g_engine, &r, NULL, &g_async, &m, NULL);
    if ((++n & 255) == 0) {
      pl_bench_pause(st);
      failed |= pl_stock_reserve(g_engine, &drain, NULL, NULL, NULL, NULL);
      pl_bench_resume(st);
    }
  }
  if (failed)
    pl_bench_error(st, "issue failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_fresh();
}

static void BM_ReserveDurable(pl_bench_state *st) {
  if (pl_bench_thread_index(st) == 0) {
    atomic_store(&g_seq, 0);
    if (open_fresh(st, 0, 1, 16) != 0)
      return;
    for (int p = 0; p < 16; p++)
      if (stock_up(st, 0, p, 1000000000LL) != 0)
        return;
  }
  /* one part per thread: threads contend on the commit queue, not a cell */
  pl_move_req r = req(0, pl_bench_thread_index(st) % 16, 1);
  int failed = 0;
  while (pl_bench_keep_running(st))
    failed |= pl_stock_reserve(g_engine, &r, NULL, NULL, NULL, NULL);
  if (failed)
    pl_bench_error(st, "reserve failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  if (pl_bench_thread_index(st) == 0)
    close_fresh();
}

static void BM_GetStock(pl_bench_state *st) {
  if (open_fresh(st, 1, 4, 64) != 0)
    return;
  for (int w = 0; w < 4; w++)
    for (int p = 0; p < 64; p++)
      if (stock_up(st, w, p, 10 + p) != 0)
        return;
  char wh[4][8], part[64][8];
  for (int i = 0; i < 4; i++)
    snprintf(wh[i], sizeof wh[i], "W%d", i);
  for (int i = 0; i < 64; i++)
    snprintf(part[i], sizeof part[i], "P%d", i);
  pl_stock_info s;
  unsigned i = 0;
  while (pl_bench_keep_running(st)) {
    pl_stock_get(g_engine, "b", wh[i & 3], part[(i >> 2) & 63], &s, NULL);
    pl_bench_use(&s);
    i++;
  }
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_fresh();
}

static void BM_GetStockChain(pl_bench_state *st) {
  int n = (int)pl_bench_range(st, 0);
  if (open_fresh(st, 1, n, 2) != 0)
    return;
  for (int w = 0; w < n; w++)
    if (stock_up(st, w, 0, 1 + w) != 0)
      return;
  pl_stock_row *rows = malloc((size_t)n * sizeof *rows);
  pl_stock_row total;
  int got = 0;
  while (pl_bench_keep_running(st)) {
    got = pl_stock_get_chain(g_engine, "b", "P0", rows, n, &total, NULL);
    pl_bench_use(rows);
  }
  if (got != n)
    pl_bench_error(st, "wrong row count");
  pl_bench_set_items(st, pl_bench_iterations(st));
  free(rows);
  close_fresh();
}

static size_t allocated(void) {
  uint64_t epoch = 1;
  size_t sz = sizeof epoch, v = 0, vsz = sizeof v;
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  mallctl("stats.allocated", &v, &vsz, NULL, 0);
  return v;
}

static void BM_MemoryPerCell(pl_bench_state *st) {
  enum { WH = 200, PARTS = 500 };
  if (open_fresh(st, 1, WH, PARTS) != 0)
    return;
  size_t before = allocated();
  for (int w = 0; w < WH; w++)
    for (int p = 0; p < PARTS; p++) {
      pl_move_req r = req(w, p, 5);
      pl_stock_receive(g_engine, &r, NULL, &g_async, NULL, NULL);
    }
  size_t after = allocated();
  pl_stock_mem mem = {0};
  pl_stock_memory(g_engine, "b", &mem, NULL);
  while (pl_bench_keep_running(st)) {
  }
  pl_bench_counter(st, "cells", (double)mem.cells, 0);
  pl_bench_counter(st, "sizeof_cell", (double)mem.sizeof_cell, 0);
  pl_bench_counter(st, "sizeof_lot", (double)mem.sizeof_lot, 0);
  pl_bench_counter(st, "est_bytes_per_cell",
                   (double)mem.bytes / (double)mem.cells, 0);
  pl_bench_counter(st, "measured_bytes_per_cell",
                   (double)(after - before) / (double)mem.cells, 0);
  close_fresh();
}

int main(int argc, char **argv) {
  pl_bench_unit_ns(pl_bench_register("BM_ReserveNoSync", BM_ReserveNoSync));
  pl_bench_unit_ns(pl_bench_register("BM_IssueNoSync", BM_IssueNoSync));
  pl_bench_unit_ns(
      pl_bench_register("BM_IssueNoSyncDrained", BM_IssueNoSyncDrained));
  pl_bench *b = pl_bench_register("BM_ReserveDurable", BM_ReserveDurable);
  pl_bench_unit_us(pl_bench_real_time(b));
  pl_bench_threads(b, 1);
  pl_bench_threads(b, 16);
  pl_bench_unit_ns(pl_bench_register("BM_GetStock", BM_GetStock));
  pl_bench_unit_us(pl_bench_arg(
      pl_bench_register("BM_GetStockChain", BM_GetStockChain), 500));
  pl_bench_register("BM_MemoryPerCell", BM_MemoryPerCell);
  return pl_bench_main(argc, argv);
}
