/* workorders/wo_xs.h — what other subsystems may call in the work-order
 * module (its cross-subsystem header; docs/architecture.md "What crosses
 * subsystems"): the change feed's durable bookings, called only by
 * core/observe.c (same contracts as pl__observe_booking_notice, _wrap,
 * _durable): a booking change for the watchers of its store, live only
 * (nothing logged), published under hub_mu once durable. NULL at the cost
 * of an atomic load when nobody watches a store of the chain. */
#ifndef PL_WO_XS_H
#define PL_WO_XS_H

#include <stdint.h>

#include "core/internal.h"
#include "core/observe.h"
#include "pitlane/scheduling.h"

pl__booking_notice *
pl__wo_booking_notice(pl__chain *c, const pl_booking_info *b, int64_t at_ms);
pl_write pl__wo_booking_wrap(pl__booking_notice *n, const pl_write *next);
void pl__wo_booking_durable(pl__booking_notice *n, int rc);

#endif
