/* engine_bench.c — the engine's admin paths, in process:
 *   BM_GetStore       lookup of a store by chain and code (read path)
 *   BM_CreatePartDurable/threads:N
 *                     a create made durable (fsync) from N threads at
 *                     once; group commit shares each fsync among them.
 * Each run uses a fresh RocksDB directory under $TMPDIR (disk, not tmpfs,
 * unless TMPDIR says otherwise). */
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pitlane/admin.h"
#include "pitlane/demo.h"
#include "shim.h"

/* Bench-only globals: one engine shared by the threads of a run. */
static pl_engine *g_engine;
static char g_dir[512];
static atomic_long g_seq;

static int open_fresh(pl_bench_state *st) {
  pl_config cfg = {0};
  pl_error err = {0};
  if (bench_tempdir(g_dir, sizeof g_dir, "pitlane-bench") != 0) {
    pl_bench_error(st, "mkdtemp failed");
    return -1;
  }
  cfg.path = g_dir;
  if (pl_engine_open(&cfg, &g_engine, &err) != 0 ||
      pl_demo_load(g_engine, &err) != 0) {
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

static void BM_GetStore(pl_bench_state *st) {
  if (open_fresh(st) != 0)
    return;
  pl_store_info s;
  const char *codes[] = {"SH01", "SH02"};
  unsigned i = 0;
  while (pl_bench_keep_running(st)) {
    pl_store_get(g_engine, PL_DEMO_CHAIN, codes[i++ & 1], &s, NULL);
    pl_bench_use(&s);
  }
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_fresh();
}

static void BM_CreatePartDurable(pl_bench_state *st) {
  if (pl_bench_thread_index(st) == 0) {
    atomic_store(&g_seq, 0);
    if (open_fresh(st) != 0)
      return;
  }
  pl_part_info p = {.chain = PL_DEMO_CHAIN, .name = "bench part"};
  int failed = 0;
  while (pl_bench_keep_running(st)) {
    long n = atomic_fetch_add(&g_seq, 1);
    snprintf(p.part_no, sizeof p.part_no, "B%ld", n);
    if (pl_part_create(g_engine, &p, NULL, NULL, NULL, NULL) != 0)
      failed = 1;
  }
  if (failed)
    pl_bench_error(st, "create failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  if (pl_bench_thread_index(st) == 0)
    close_fresh();
}

int main(int argc, char **argv) {
  pl_bench_unit_ns(pl_bench_register("BM_GetStore", BM_GetStore));
  pl_bench *b = pl_bench_register("BM_CreatePartDurable", BM_CreatePartDurable);
  pl_bench_unit_us(pl_bench_real_time(b));
  pl_bench_threads(b, 1);
  pl_bench_threads(b, 4);
  pl_bench_threads(b, 16);
  return pl_bench_main(argc, argv);
}
