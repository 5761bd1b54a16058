/* customers/cust_xs.h — what other subsystems may call in the customers
 * module (its cross-subsystem header; docs/architecture.md "What crosses
 * subsystems"): the change feed's entry points, called only by
 * core/observe.c under the calling module's lock. Each takes the customers
 * write lock (a leaf above KPI's), never calls back into its caller and
 * cannot fail. */
#ifndef PL_CUST_XS_H
#define PL_CUST_XS_H

#include "core/internal.h"
#include "pitlane/scheduling.h"
#include "pitlane/vehicles.h"
#include "pitlane/workorders.h"

void pl__cust_on_booking(pl__chain *c, const pl_booking_info *b);
void pl__cust_on_wo(pl__chain *c, const pl_work_order *w);
void pl__cust_on_vehicle(pl__chain *c, const pl_vehicle_info *v);

#endif
