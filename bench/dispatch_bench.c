/* dispatch_bench.c — field dispatch and service reminders in process, on
 * an engine with no fsync (no_sync = 1) and async writes (a no-op
 * pl_write), so the figures are the worker's cost; the commit thread
 * writes on the other core meanwhile.
 *
 *   BM_Dispatch5000      the nearest free rescue truck among 5,000 spread
 *                        over a 45 km x 45 km city, for a random position:
 *                        the grid search, the state change and its queued
 *                        write. Each offer is cancelled again with the
 *                        timer paused, so the fleet stays free. Reports
 *                        p50 and p99 (µs) of the dispatch call alone.
 *   BM_DueReminders/N    DueReminders(store, one day) with N vehicles
 *                        registered at that store, each last serviced on
 *                        a random day of the past year (so due on one of
 *                        the next 365): an index lookup, sorting that
 *                        day's ~N/365 vehicles by VIN and copying them.
 *                        Reports p50/p99 (ms) and the vehicles per day.
 * Each run uses a fresh RocksDB directory under $TMPDIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pitlane/dispatch.h"
#include "pitlane/vehicles.h"
#include "shim.h"

#define FLEET 5000
#define DISPATCH_ITERS 20000

static void noop_durable(void *arg, int rc) {
  (void)arg, (void)rc;
}
static const pl_write g_async = {noop_durable, NULL};

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  return bench_xorshift(&rng);
}

static pl_engine *open_fresh(pl_bench_state *st, char *dir, size_t n) {
  if (bench_tempdir(dir, n, "pitlane-dbench") != 0) {
    pl_bench_error(st, "mkdtemp failed");
    return NULL;
  }
  pl_config cfg = {.path = dir, .no_sync = 1};
  pl_engine *e = NULL;
  pl_error err = {0};
  int rc = pl_engine_open(&cfg, &e, &err);
  pl_chain_info c = {.code = "bench", .name = "bench"};
  if (rc == 0)
    rc = pl_chain_create(e, &c, NULL, NULL, NULL, &err);
  pl_store_info s = {.chain = "bench",
                     .code = "S1",
                     .name = "store",
                     .utc_offset_min = 480,
                     .lat_e6 = 31200000,
                     .lng_e6 = 121450000};
  if (rc == 0)
    rc = pl_store_create(e, &s, NULL, NULL, NULL, &err);
  if (rc != 0) {
    pl_bench_error(st, err.msg);
    pl_engine_close(e);
    bench_rmrf(dir);
    return NULL;
  }
  return e;
}

static void BM_Dispatch5000(pl_bench_state *st) {
  char dir[512];
  pl_engine *e = open_fresh(st, dir, sizeof dir);
  if (e == NULL)
    return;
  pl_error err = {0};
  int rc = 0;
  for (int i = 0; rc == 0 && i < FLEET; i++) {
    pl_field_resource r;
    memset(&r, 0, sizeof r);
    strcpy(r.chain, "bench");
    snprintf(r.code, sizeof r.code, "T%05d", i);
    strcpy(r.name, "truck");
    strcpy(r.home_store, "S1");
    r.kind = PL_FR_RESCUE_TRUCK;
    r.lat_e6 = 31000000 + (int32_t)(rnd() % 400000);
    r.lng_e6 = 121200000 + (int32_t)(rnd() % 480000);
    rc = pl_field_resource_upsert(e, &r, i + 1 < FLEET ? &g_async : NULL, NULL,
                                  &err);
  }
  int64_t *ns = malloc(DISPATCH_ITERS * sizeof *ns);
  int64_t n = 0;
  pl_dispatch_request q;
  memset(&q, 0, sizeof q);
  strcpy(q.chain, "bench");
  q.kind = PL_DISPATCH_RESCUE;
  pl_dispatch d;
  while (rc == 0 && ns != NULL && pl_bench_keep_running(st)) {
    q.lat_e6 = 31000000 + (int32_t)(rnd() % 400000);
    q.lng_e6 = 121200000 + (int32_t)(rnd() % 480000);
    int64_t t0 = mono_ns();
    rc = pl_dispatch_create(e, &q, NULL, &g_async, &d, &err);
    int64_t t1 = mono_ns();
    if (n < DISPATCH_ITERS)
      ns[n++] = t1 - t0;
    pl_bench_pause(st);
    if (rc == 0)
      rc = pl_dispatch_act(e, "bench", d.id, PL_DA_CANCEL, NULL, 0, &g_async,
                           NULL, &err);
    pl_bench_resume(st);
  }
  if (rc != 0)
    pl_bench_error(st, err.msg);
  else if (n > 0) {
    qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
    pl_bench_counter(st, "p50_us", (double)ns[n / 2] / 1000.0, 0);
    pl_bench_counter(st, "p99_us", (double)ns[n * 99 / 100] / 1000.0, 0);
  }
  free(ns);
  pl_engine_close(e);
  bench_rmrf(dir);
}

#define REM_CAP 10000
#define REM_SAMPLES 4096

static void BM_DueReminders(pl_bench_state *st) {
  int64_t nveh = pl_bench_range(st, 0);
  char dir[512];
  pl_engine *e = open_fresh(st, dir, sizeof dir);
  if (e == NULL)
    return;
  pl_error err = {0};
  int rc = 0;
  int32_t today = pl_local_day(pl_engine_now_ms(e) / 60000, 480);
  pl_vehicle_info v;
  memset(&v, 0, sizeof v);
  strcpy(v.chain, "bench");
  strcpy(v.store, "S1");
  strcpy(v.model, "model");
  /* bought 400-765 days ago, last serviced in the past year at a few
   * thousand km: due 12 months after that service, one day in the next
   * 365 for each */
  for (int64_t i = 0; rc == 0 && i < nveh; i++) {
    snprintf(v.vin, sizeof v.vin, "LBNCH%012d", (int)i);
    v.purchase_day = today - 400 - (int32_t)(rnd() % 365);
    rc = pl_vehicle_register(e, &v, 0, &g_async, NULL, &err);
    if (rc == 0)
      rc = pl_vehicle_service(e, "bench", v.vin, today - (int32_t)(rnd() % 365),
                              1000 + (int32_t)(rnd() % 5000),
                              i + 1 < nveh ? &g_async : NULL, NULL, &err);
  }
  pl_reminder *out = malloc(REM_CAP * sizeof *out);
  int64_t *ns = malloc(REM_SAMPLES * sizeof *ns);
  int64_t n = 0, listed = 0;
  pl_reminder_query q = {.chain = "bench", .store = "S1"};
  while (rc == 0 && out != NULL && ns != NULL && pl_bench_keep_running(st)) {
    q.day = today + (int32_t)(rnd() % 365);
    int64_t t0 = mono_ns();
    int got = pl_due_reminders(e, &q, out, REM_CAP, NULL, &err);
    int64_t t1 = mono_ns();
    if (got < 0)
      rc = got;
    else
      listed += got;
    ns[n++ % REM_SAMPLES] = t1 - t0;
  }
  if (rc != 0)
    pl_bench_error(st, err.msg);
  else if (n > 0) {
    int64_t m = n < REM_SAMPLES ? n : REM_SAMPLES;
    qsort(ns, (size_t)m, sizeof *ns, cmp_i64);
    pl_bench_counter(st, "p50_ms", (double)ns[m / 2] / 1e6, 0);
    pl_bench_counter(st, "p99_ms", (double)ns[m * 99 / 100] / 1e6, 0);
    pl_bench_counter(st, "per_day", (double)listed / (double)n, 0);
  }
  free(out);
  free(ns);
  pl_engine_close(e);
  bench_rmrf(dir);
}

int main(int argc, char **argv) {
  pl_bench_unit_us(pl_bench_iterations_fixed(
      pl_bench_register("BM_Dispatch5000", BM_Dispatch5000), DISPATCH_ITERS));
  /* fixed iterations: one run, so the registry is built once per size */
  pl_bench *b = pl_bench_iterations_fixed(
      pl_bench_register("BM_DueReminders", BM_DueReminders), 2000);
  pl_bench_unit_us(pl_bench_arg(pl_bench_arg(b, 10000), 1000000));
  return pl_bench_main(argc, argv);
}
