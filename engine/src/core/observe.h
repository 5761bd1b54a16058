/* core/observe.h — the change feed between modules (private).
 *
 * A module that owns a record calls its pl__observe_* whenever the record
 * takes a new value in memory: live, after the change was queued for
 * disk, still under the module's write lock; and at open, once for each
 * record loaded (single-threaded). The meaning is "this record now looks
 * like this" (an upsert): observers keep what they derive from it keyed by
 * the record's id, so a repeated call changes nothing.
 *
 * Observers (customers: history, follow-ups; kpi: the reports; work
 * orders: the store watchers, once a booking change is durable) take only
 * their own locks, which are leaves below every module's: customers' lock,
 * then kpi's. They never call back into the module that called them and
 * cannot fail (an allocation failure loses derived data, counted in the
 * observer's own statistics, never the record). */
#ifndef PL_OBSERVE_H
#define PL_OBSERVE_H

#include "core/internal.h"
#include "pitlane/customers.h"
#include "pitlane/scheduling.h"
#include "pitlane/vehicles.h"
#include "pitlane/workorders.h"

/* scheduling/booking.c: a booking made, moved or changing state. */
void pl__observe_booking(pl__chain *c, const pl_booking_info *b);
/* scheduling/booking.c, just before it queues a booking change: the same
 * change for those who follow bookings only once they are durable (the
 * watchers of a store, workorders/events.c: WatchStore). NULL when nobody
 * follows — one atomic load, so booking has no other cost then — or on
 * OOM (the watchers miss this one change, nothing else). The notice goes
 * to pl__observe_booking_durable exactly once: as the durable callback
 * from pl__observe_booking_wrap, or by the caller after it waited. */
typedef struct pl__booking_notice pl__booking_notice;
pl__booking_notice *pl__observe_booking_notice(pl__chain *c,
                                               const pl_booking_info *b,
                                               int64_t at_ms);
/* A pl_write that hands n to pl__observe_booking_durable, then calls next
 * with the same result (so followers see the change before the caller's
 * reply goes out). */
pl_write pl__observe_booking_wrap(pl__booking_notice *n, const pl_write *next);
/* rc 0 (the change is durable): publishes n to its followers, taking only
 * their leaf lock; any rc: frees n. */
void pl__observe_booking_durable(pl__booking_notice *n, int rc);
/* workorders/workorder.c: an order installed (created, changed, loaded). */
void pl__observe_wo(pl__chain *c, const pl_work_order *w);
/* dispatch/vehicles.c: a vehicle registered or changed. */
void pl__observe_vehicle(pl__chain *c, const pl_vehicle_info *v);
/* customers: a follow-up created or recorded; a complaint changed. */
void pl__observe_followup(pl__chain *c, const pl_followup *f);
void pl__observe_complaint(pl__chain *c, const pl_complaint *x);
/* core/admin.c: a store or warehouse created or loaded (ix: its index in the
 * chain's vec). Under the chain's lock (write at creation). */
void pl__observe_store(pl__chain *c, const pl_store_info *s);
void pl__observe_warehouse(pl__chain *c, int32_t ix,
                           const pl_warehouse_info *w);
/* inventory/stock.c: a movement applied and queued (under its cell's mutex).
 * Movements are immutable and only observed live: at open they are not
 * rows but ledger entries, replayed by pl__observe_replay_ledger. */
void pl__observe_movement(pl__chain *c, const pl_movement *m);
/* inventory/stocktake.c: a stocktake of warehouse index wh closed with n
 * counted lines at at_ms (its ledger entry's time). */
void pl__observe_stocktake(pl__chain *c, int32_t wh, int32_t n, int64_t at_ms);
/* inventory/replay.c: the same, the warehouse named by its code (a
 * stocktake close read back from the ledger). */
void pl__observe_stocktake_code(pl__chain *c, const char *wh, int32_t n,
                                int64_t at_ms);
/* kpi/kpi.c, before the first report after open (or after a chain arrived):
 * feeds the chain's stored movements and stocktake closes with ledger seq
 * < upto to their observers, in ledger order (those made since were
 * observed live; inventory/replay.c decodes them). Returns 0 or the walk's
 * error. */
int pl__observe_replay_ledger(pl_engine *e, pl__chain *c, uint64_t upto,
                              pl_error *err);

#endif
