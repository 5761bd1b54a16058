/* workorders_bench.c — work orders and claims in process, on the demo
 * chain, with no fsync (no_sync = 1) and async writes (a no-op pl_write):
 * the worker's cost of each step, the commit thread writing on the other
 * core meanwhile.
 *   BM_CreateWorkOrderNoSync   a walk-in with one labour item and one part
 *                              reserved (two commit items: the order row,
 *                              then the reservation carrying it), with
 *                              OPEN_ORDERS orders open (the oldest is
 *                              cancelled, timer paused).
 *   BM_IssueWorkOrderItemNoSync
 *                              the part item done: issued FIFO from the
 *                              order's reservation, the order row and its
 *                              event in the movement's batch. Each order
 *                              is created and started with the timer
 *                              paused.
 *   BM_SubmitClaimNoSync       an insurer's claim without a booking: the
 *                              claim's keys, the order, its reservation,
 *                              the claim row.
 *   BM_WatchReplay/N           registering a watch on an order with N
 *                              durable events and replaying them to a
 *                              callback (what a reconnecting phone costs).
 * Each run uses a fresh RocksDB directory under $TMPDIR. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/claims.h"
#include "pitlane/demo.h"
#include "pitlane/workorders.h"
#include "shim.h"

/* Bench-only globals: one engine per run. */
static pl_engine *g_engine;
static char g_dir[512];

/* Open orders holding the part at once (a stock cell's row carries its
 * reservations, so a movement's cost grows with them; a busy store has a
 * few hundred orders open). */
#define OPEN_ORDERS 256

static void noop_durable(void *arg, int rc) {
  (void)arg, (void)rc;
}
static const pl_write g_async = {noop_durable, NULL};

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

static int open_demo(pl_bench_state *st, int no_sync) {
  const char *base = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/pitlane-wbench-XXXXXX",
           base ? base : "/tmp");
  pl_error err = {0};
  if (mkdtemp(g_dir) == NULL) {
    pl_bench_error(st, "mkdtemp failed");
    return -1;
  }
  pl_config cfg = {.path = g_dir, .no_sync = no_sync};
  int rc = pl_engine_open(&cfg, &g_engine, &err);
  if (rc == 0)
    rc = pl_demo_load(g_engine, &err);
  pl_move_req r = {.chain = PL_DEMO_CHAIN,
                   .warehouse = "WH-SH01",
                   .part_no = "OF-1001",
                   .qty = 1000000000LL,
                   .actor = "bench"};
  if (rc == 0)
    rc = pl_stock_receive(g_engine, &r, NULL, NULL, NULL, &err);
  if (rc != 0) {
    pl_bench_error(st, err.msg);
    return -1;
  }
  return 0;
}

static void close_demo(void) {
  pl_engine_close(g_engine);
  g_engine = NULL;
  nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static pl_wo_new *walk_in(void) {
  pl_wo_new *in = calloc(1, sizeof *in);
  if (in == NULL)
    return NULL;
  strcpy(in->chain, PL_DEMO_CHAIN);
  strcpy(in->store, "SH01");
  strcpy(in->vehicle.plate, "沪A00001");
  strcpy(in->advisor, "bench");
  in->items[0] = (pl_wo_item_in){.kind = PL_ITEM_LABOUR, .service = "MAINT"};
  in->items[1] =
      (pl_wo_item_in){.kind = PL_ITEM_PART, .part_no = "OF-1001", .qty = 1};
  in->n_items = 2;
  return in;
}

static void BM_CreateWorkOrderNoSync(pl_bench_state *st) {
  pl_wo_new *in = walk_in();
  pl_work_order *out = malloc(sizeof *out);
  if (in == NULL || out == NULL || open_demo(st, 1) != 0) {
    free(in);
    free(out);
    return;
  }
  int failed = 0;
  while (pl_bench_keep_running(st)) {
    failed |= pl_wo_create(g_engine, in, NULL, &g_async, out, NULL);
    if (out->id > OPEN_ORDERS) { /* steady state: the oldest one leaves */
      pl_bench_pause(st);
      failed |= pl_wo_cancel(g_engine, PL_DEMO_CHAIN, out->id - OPEN_ORDERS,
                             "bench", "", &g_async, NULL, NULL);
      pl_bench_resume(st);
    }
  }
  if (failed)
    pl_bench_error(st, "create failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_demo();
  free(in);
  free(out);
}

static void BM_IssueWorkOrderItemNoSync(pl_bench_state *st) {
  pl_wo_new *in = walk_in();
  pl_work_order *out = malloc(sizeof *out);
  if (in == NULL || out == NULL || open_demo(st, 1) != 0) {
    free(in);
    free(out);
    return;
  }
  in->items[0] = in->items[1];
  in->n_items = 1;
  int failed = 0;
  while (pl_bench_keep_running(st)) {
    pl_bench_pause(st);
    failed |= pl_wo_create(g_engine, in, NULL, &g_async, out, NULL);
    failed |= pl_wo_start(g_engine, PL_DEMO_CHAIN, out->id, "t", &g_async, NULL,
                          NULL);
    pl_bench_resume(st);
    failed |= pl_wo_complete_item(g_engine, PL_DEMO_CHAIN, out->id, 1, "t",
                                  &g_async, out, NULL);
  }
  if (failed)
    pl_bench_error(st, "issue failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_demo();
  free(in);
  free(out);
}

static void BM_SubmitClaimNoSync(pl_bench_state *st) {
  pl_claim_req *in = calloc(1, sizeof *in);
  if (in == NULL || open_demo(st, 1) != 0) {
    free(in);
    return;
  }
  strcpy(in->chain, PL_DEMO_CHAIN);
  strcpy(in->store, "SH01");
  strcpy(in->insurer, "PICC");
  strcpy(in->vehicle.plate, "沪B00001");
  in->items[0] =
      (pl_wo_item_in){.kind = PL_ITEM_PART, .part_no = "OF-1001", .qty = 1};
  in->n_items = 1;
  pl_claim out;
  long n = 0;
  int failed = 0;
  while (pl_bench_keep_running(st)) {
    snprintf(in->claim_no, sizeof in->claim_no, "C%ld", n++);
    failed |= pl_claim_submit(g_engine, in, &g_async, &out, NULL);
    if (out.wo_id > OPEN_ORDERS) {
      pl_bench_pause(st);
      failed |= pl_wo_cancel(g_engine, PL_DEMO_CHAIN, out.wo_id - OPEN_ORDERS,
                             "bench", "", &g_async, NULL, NULL);
      pl_bench_resume(st);
    }
  }
  if (failed)
    pl_bench_error(st, "claim failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_demo();
  free(in);
}

static void count_event(void *arg, const pl_wo_event *ev) {
  (void)ev;
  (*(long *)arg)++;
}

static void BM_WatchReplay(pl_bench_state *st) {
  int n_ev = (int)pl_bench_range(st, 0);
  pl_wo_new *in = walk_in();
  pl_work_order *out = malloc(sizeof *out);
  if (in == NULL || out == NULL || open_demo(st, 1) != 0) {
    free(in);
    free(out);
    return;
  }
  int failed = pl_wo_create(g_engine, in, NULL, NULL, out, NULL);
  failed |=
      pl_wo_start(g_engine, PL_DEMO_CHAIN, out->id, "t", NULL, NULL, NULL);
  for (int i = 2; i < n_ev; i++) /* NULL pl_write: durable, so replayable */
    failed |= pl_wo_progress(g_engine, PL_DEMO_CHAIN, out->id, "t", "step",
                             i % 100, NULL, NULL, NULL);
  long seen = 0;
  while (pl_bench_keep_running(st)) {
    pl_wo_watch *wt = NULL;
    failed |= pl_wo_watch_order(g_engine, PL_DEMO_CHAIN, out->id, 0,
                                count_event, &seen, &wt, NULL);
    pl_wo_unwatch(g_engine, wt);
  }
  if (failed || seen != (long)n_ev * pl_bench_iterations(st))
    pl_bench_error(st, "replay failed or incomplete");
  pl_bench_set_items(st, seen);
  close_demo();
  free(in);
  free(out);
}

int main(int argc, char **argv) {
  pl_bench_unit_ns(
      pl_bench_register("BM_CreateWorkOrderNoSync", BM_CreateWorkOrderNoSync));
  pl_bench_unit_ns(pl_bench_register("BM_IssueWorkOrderItemNoSync",
                                     BM_IssueWorkOrderItemNoSync));
  pl_bench_unit_ns(
      pl_bench_register("BM_SubmitClaimNoSync", BM_SubmitClaimNoSync));
  pl_bench_unit_ns(
      pl_bench_arg(pl_bench_register("BM_WatchReplay", BM_WatchReplay), 20));
  return pl_bench_main(argc, argv);
}
