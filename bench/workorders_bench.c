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
 *   BM_WarrantyIdsByVin/N      the VIN index: the ids of a vehicle's N
 *                              orders copied out under the read lock (what
 *                              a service history starts from).
 *   BM_WarrantyCheck/N         the warranty preview (CheckWarranty) of a
 *                              labour and a part item for a vehicle with N
 *                              delivered orders holding both: every earlier
 *                              item matches by service / part and fails on
 *                              its terms (mileage), the worst case.
 *   BM_WarrantyCreateNoSync/N  BM_CreateWorkOrderNoSync's walk-in for such
 *                              vehicles (50 of them, taken in turn; a fixed
 *                              1,000 iterations, so each gains at most 20
 *                              orders beyond its N; OPEN_ORDERS kept open
 *                              as there): the decision runs under the write
 *                              lock before the first step.
 * Each run uses a fresh RocksDB directory under $TMPDIR. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pitlane/claims.h"
#include "pitlane/demo.h"
#include "pitlane/testing.h" /* the VIN index (engine-internal) */
#include "pitlane/warranty.h"
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

static int open_demo(pl_bench_state *st, int no_sync) {
  pl_error err = {0};
  if (bench_tempdir(g_dir, sizeof g_dir, "pitlane-wbench") != 0) {
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
  bench_rmrf(g_dir);
}

/* Ends a timed loop: reports `what` if any call failed, counts one item
 * per iteration, closes the engine and frees the request in and the
 * reply out. */
static void finish_run(pl_bench_state *st, int failed, const char *what,
                       void *in, void *out) {
  if (failed)
    pl_bench_error(st, what);
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_demo();
  free(in);
  free(out);
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
  finish_run(st, failed, "create failed", in, out);
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
  finish_run(st, failed, "issue failed", in, out);
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

/* ---- warranty ------------------------------------------------------------ */

#define HISTORY_VINS 50

static void history_vin(char *out, int v) {
  snprintf(out, PL_VIN_MAX, "LSVBEN%011d", v);
}

/* n delivered orders (MAINT + one OF-1001, 10 km apart from 1,000 km,
 * warranty 1 day / 1 km: none covers the next) for each of vins
 * vehicles. */
static int build_history(int vins, int n) {
  pl_wo_new *in = walk_in();
  pl_work_order *w = malloc(sizeof *w);
  int failed = in == NULL || w == NULL;
  for (int k = 0; !failed && k < n; k++)
    for (int v = 0; !failed && v < vins; v++) {
      history_vin(in->vehicle.vin, v);
      in->vehicle.mileage_km = 1000 + 10 * k; /* past the last's 1 km */
      failed |= pl_wo_create(g_engine, in, NULL, &g_async, w, NULL);
      int64_t id = w->id;
      failed |=
          pl_wo_start(g_engine, PL_DEMO_CHAIN, id, "t", &g_async, NULL, NULL);
      for (int i = 1; i <= 2; i++)
        failed |= pl_wo_complete_item(g_engine, PL_DEMO_CHAIN, id, i, "t",
                                      &g_async, NULL, NULL);
      failed |= pl_wo_request_qc(g_engine, PL_DEMO_CHAIN, id, "t", &g_async,
                                 NULL, NULL);
      failed |= pl_wo_record_qc(g_engine, PL_DEMO_CHAIN, id, 1, "q", "",
                                &g_async, NULL, NULL);
      failed |= pl_wo_deliver(g_engine, PL_DEMO_CHAIN, id, "a", 1, 1, &g_async,
                              NULL, NULL);
    }
  free(in);
  free(w);
  return failed;
}

static void BM_WarrantyIdsByVin(pl_bench_state *st) {
  int n = (int)pl_bench_range(st, 0);
  if (open_demo(st, 1) != 0)
    return;
  if (build_history(1, n) != 0) {
    pl_bench_error(st, "history failed");
    close_demo();
    return;
  }
  pl_testing_vin_index *ix = pl_testing_vin_index_of(g_engine, PL_DEMO_CHAIN);
  char vin[PL_VIN_MAX];
  history_vin(vin, 0);
  int64_t ids[256];
  long got = 0;
  while (pl_bench_keep_running(st)) {
    got += pl_testing_ids_by_vin(ix, vin, ids, 256);
  }
  if (got != (long)n * pl_bench_iterations(st))
    pl_bench_error(st, "wrong count");
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_demo();
}

static void BM_WarrantyCheck(pl_bench_state *st) {
  int n = (int)pl_bench_range(st, 0);
  pl_wo_new *in = walk_in();
  pl_wo_item out[2];
  if (in == NULL || open_demo(st, 1) != 0) {
    free(in);
    return;
  }
  int failed = build_history(1, n);
  char vin[PL_VIN_MAX];
  history_vin(vin, 0);
  pl_warranty_query q = {.chain = PL_DEMO_CHAIN,
                         .store = "SH01",
                         .vin = vin,
                         .mileage_km = 100000,
                         .n_items = 2,
                         .items = in->items};
  while (pl_bench_keep_running(st)) {
    failed |= pl_wo_warranty_check(g_engine, &q, out, NULL);
    failed |= out[0].warranty != PL_WARRANTY_NONE;
  }
  if (failed)
    pl_bench_error(st, "check failed");
  pl_bench_set_items(st, pl_bench_iterations(st));
  close_demo();
  free(in);
}

static void BM_WarrantyCreateNoSync(pl_bench_state *st) {
  int n = (int)pl_bench_range(st, 0);
  pl_wo_new *in = walk_in();
  pl_work_order *out = malloc(sizeof *out);
  if (in == NULL || out == NULL || open_demo(st, 1) != 0) {
    free(in);
    free(out);
    return;
  }
  int failed = build_history(HISTORY_VINS, n);
  in->vehicle.mileage_km = 100000;
  int v = 0, made = 0;
  while (pl_bench_keep_running(st)) {
    pl_bench_pause(st);
    history_vin(in->vehicle.vin, v++ % HISTORY_VINS);
    pl_bench_resume(st);
    failed |= pl_wo_create(g_engine, in, NULL, &g_async, out, NULL);
    failed |= out->items[1].warranty != PL_WARRANTY_NONE;
    pl_bench_pause(st); /* as BM_CreateWorkOrderNoSync: OPEN_ORDERS open */
    if (++made > OPEN_ORDERS)
      failed |= pl_wo_cancel(g_engine, PL_DEMO_CHAIN, out->id - OPEN_ORDERS,
                             "bench", "", &g_async, NULL, NULL);
    pl_bench_resume(st);
  }
  finish_run(st, failed, "create failed", in, out);
}

int main(int argc, char **argv) {
  pl_bench_unit_ns(
      pl_bench_register("BM_CreateWorkOrderNoSync", BM_CreateWorkOrderNoSync));
  pl_bench_unit_ns(pl_bench_iterations_fixed(
      pl_bench_register("BM_CreateWorkOrderNoSync", BM_CreateWorkOrderNoSync),
      1000)); /* the same count as BM_WarrantyCreateNoSync's */
  pl_bench_unit_ns(pl_bench_register("BM_IssueWorkOrderItemNoSync",
                                     BM_IssueWorkOrderItemNoSync));
  pl_bench_unit_ns(
      pl_bench_register("BM_SubmitClaimNoSync", BM_SubmitClaimNoSync));
  pl_bench_unit_ns(
      pl_bench_arg(pl_bench_register("BM_WatchReplay", BM_WatchReplay), 20));
  pl_bench_unit_ns(pl_bench_arg(
      pl_bench_register("BM_WarrantyIdsByVin", BM_WarrantyIdsByVin), 200));
  pl_bench_unit_ns(pl_bench_arg(
      pl_bench_arg(pl_bench_register("BM_WarrantyCheck", BM_WarrantyCheck), 0),
      200));
  pl_bench_unit_ns(pl_bench_iterations_fixed(
      pl_bench_arg(pl_bench_arg(pl_bench_register("BM_WarrantyCreateNoSync",
                                                  BM_WarrantyCreateNoSync),
                                0),
                   200),
      1000));
  return pl_bench_main(argc, argv);
}
