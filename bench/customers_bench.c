/* customers_bench.c — a vehicle's service history in process, on the demo
 * chain with no fsync (no_sync = 1).
 *
 *   BM_ServiceHistory/P   pl_vehicle_history of a vehicle with 200
 *                         visits (walk-in orders on one VIN; every fourth
 *                         delivered, so it has its follow-up too: 250
 *                         entries), reading one page of P entries from the
 *                         newest: a read lock, a lookup, a copy.
 * The target (issue #12): 200 visits, the whole history, <= 20 µs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pitlane/customers.h"
#include "pitlane/demo.h"
#include "pitlane/workorders.h"
#include "shim.h"

#define VISITS 200

static int make_visit(pl_engine *e, const char *vin, int deliver) {
  pl_wo_new in = {0};
  strcpy(in.chain, PL_DEMO_CHAIN);
  strcpy(in.store, "SH01");
  strcpy(in.vehicle.vin, vin);
  strcpy(in.vehicle.plate, "沪B00001");
  in.vehicle.mileage_km = 30000;
  strcpy(in.advisor, "adv1");
  in.n_items = 1;
  in.items[0].kind = PL_ITEM_LABOUR;
  strcpy(in.items[0].service, "TYRE");
  pl_work_order wo;
  int rc = pl_wo_create(e, &in, NULL, NULL, &wo, NULL);
  if (rc != 0 || !deliver)
    return rc;
  const char *ch = PL_DEMO_CHAIN;
  if ((rc = pl_wo_start(e, ch, wo.id, "t", NULL, NULL, NULL)) != 0 ||
      (rc = pl_wo_complete_item(e, ch, wo.id, 1, "t", NULL, NULL, NULL)) != 0 ||
      (rc = pl_wo_request_qc(e, ch, wo.id, "t", NULL, NULL, NULL)) != 0 ||
      (rc = pl_wo_record_qc(e, ch, wo.id, 1, "q", "", NULL, NULL, NULL)) != 0)
    return rc;
  return pl_wo_deliver(e, ch, wo.id, "adv1", 0, 0, NULL, NULL, NULL);
}

static void BM_ServiceHistory(pl_bench_state *st) {
  int visits = VISITS;
  int page = (int)pl_bench_range(st, 0);
  char dir[512];
  if (bench_tempdir(dir, sizeof dir, "pitlane-cbench") != 0) {
    pl_bench_error(st, "mkdtemp failed");
    return;
  }
  pl_config cfg = {.path = dir, .no_sync = 1};
  pl_engine *e = NULL;
  pl_error err = {0};
  int rc = pl_engine_open(&cfg, &e, &err);
  if (rc == 0)
    rc = pl_demo_load(e, &err);
  const char *vin = "LBNCH000000000001";
  for (int i = 0; rc == 0 && i < visits; i++)
    rc = make_visit(e, vin, i % 4 == 0);
  pl_history_entry *out = calloc((size_t)page, sizeof *out);
  if (rc != 0 || out == NULL) {
    pl_bench_error(st, err.msg[0] ? err.msg : "set-up failed");
  } else {
    int n = 0, more = 0;
    while (pl_bench_keep_running(st)) {
      n = pl_vehicle_history(e, PL_DEMO_CHAIN, vin, NULL, out, page, &more,
                             NULL);
      pl_bench_use(out);
    }
    pl_bench_counter(st, "entries", n, 0);
    pl_bench_counter(st, "bytes", (double)n * sizeof *out, 0);
  }
  free(out);
  if (e != NULL)
    pl_engine_close(e);
  bench_rmrf(dir);
}

int main(int argc, char **argv) {
  pl_bench *b = pl_bench_register("BM_ServiceHistory", BM_ServiceHistory);
  pl_bench_unit_us(b);
  pl_bench_arg(b, 20);  /* one screen */
  pl_bench_arg(b, 250); /* everything */
  return pl_bench_main(argc, argv);
}
