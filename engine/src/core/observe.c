/* core/observe.c — fans each change out to the modules derived from it (see
 * core/observe.h): the customers module (history, follow-ups), the KPI
 * reports, and the work orders' store watchers (durable booking changes). */
#include "core/observe.h"

#include "customers/cust_xs.h"
#include "inventory/stock_xs.h"
#include "kpi/kpi_xs.h"
#include "workorders/wo_xs.h"

void pl__observe_booking(pl__chain *c, const pl_booking_info *b) {
  pl__cust_on_booking(c, b);
  pl__kpi_booking(c, b);
}

pl__booking_notice *pl__observe_booking_notice(pl__chain *c,
                                               const pl_booking_info *b,
                                               int64_t at_ms) {
  return pl__wo_booking_notice(c, b, at_ms); /* WatchStore */
}

pl_write pl__observe_booking_wrap(pl__booking_notice *n, const pl_write *next) {
  return pl__wo_booking_wrap(n, next);
}

void pl__observe_booking_durable(pl__booking_notice *n, int rc) {
  pl__wo_booking_durable(n, rc);
}

void pl__observe_wo(pl__chain *c, const pl_work_order *w) {
  pl__cust_on_wo(c, w); /* may create the follow-up: observed in turn */
  pl__kpi_wo(c, w);
}

void pl__observe_vehicle(pl__chain *c, const pl_vehicle_info *v) {
  pl__cust_on_vehicle(c, v);
}

void pl__observe_followup(pl__chain *c, const pl_followup *f) {
  pl__kpi_followup(c, f);
}

void pl__observe_complaint(pl__chain *c, const pl_complaint *x) {
  pl__kpi_complaint(c, x);
}

void pl__observe_store(pl__chain *c, const pl_store_info *s) {
  pl__kpi_store(c, s);
}

void pl__observe_warehouse(pl__chain *c, int32_t ix,
                           const pl_warehouse_info *w) {
  pl__kpi_warehouse(c, ix, w);
}

void pl__observe_movement(pl__chain *c, const pl_movement *m) {
  pl__kpi_movement(c, m);
}

void pl__observe_stocktake(pl__chain *c, int32_t wh, int32_t n, int64_t at_ms) {
  pl__kpi_stocktake(c, wh, n, at_ms);
}

void pl__observe_stocktake_code(pl__chain *c, const char *wh, int32_t n,
                                int64_t at_ms) {
  pl__kpi_stocktake_code(c, wh, n, at_ms);
}

int pl__observe_replay_ledger(pl_engine *e, pl__chain *c, uint64_t upto,
                              pl_error *err) {
  return pl__stock_replay_ledger(e, c, upto, err);
}
