/* observe.c — fans each change out to the modules derived from it (see
 * observe.h): the customers module (history, follow-ups) and the KPI
 * reports. */
#include "observe.h"

#include "cust_int.h"
#include "kpi_int.h"

void pl__observe_booking(pl__chain *c, const pl_booking_info *b) {
  pl__cust_on_booking(c, b);
  pl__kpi_booking(c, b);
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
