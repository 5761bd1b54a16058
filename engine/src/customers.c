/* customers.c — placeholder while the module is written. */
#include "cust_int.h"
#include "observe.h"

void pl__cust_free(pl__chain *c) { (void)c; }
int pl__cust_load(pl_engine *e, unsigned kind, const char *chain,
                  const unsigned char *rest, size_t rl,
                  const unsigned char *val, size_t vl, pl_error *err) {
  (void)e, (void)kind, (void)rest, (void)rl, (void)val, (void)vl;
  return PL__FAIL(err, PL_ECORRUPT, "recovery: chain '%s': customers", chain);
}
void pl__cust_on_booking(pl__chain *c, const pl_booking_info *b) {
  (void)c, (void)b;
}
void pl__cust_on_wo(pl__chain *c, const pl_work_order *w) { (void)c, (void)w; }
void pl__cust_on_vehicle(pl__chain *c, const pl_vehicle_info *v) {
  (void)c, (void)v;
}
