/* kpi.c — the managers' numbers, kept incrementally from the change feed
 * (kpi_int.h). Not written yet: the entry points count nothing. */
#include "kpi_int.h"

void pl__kpi_booking(pl__chain *c, const pl_booking_info *b) {
  (void)c;
  (void)b;
}
void pl__kpi_wo(pl__chain *c, const pl_work_order *w) {
  (void)c;
  (void)w;
}
void pl__kpi_followup(pl__chain *c, const pl_followup *f) {
  (void)c;
  (void)f;
}
void pl__kpi_complaint(pl__chain *c, const pl_complaint *x) {
  (void)c;
  (void)x;
}
void pl__kpi_free(pl__chain *c) {
  (void)c;
}
