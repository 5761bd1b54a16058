/* kpi/kpi_xs.h — what other subsystems may call in the KPI module (its
 * cross-subsystem header; docs/architecture.md "What crosses subsystems"):
 * the entry points of the change feed (called only by core/observe.c) and
 * the pending stock count at open (core/engine.c). Each takes the record's new
 * value (an upsert); the module keeps per record what it last counted, so it
 * can take that out before counting the new value. Called under the owning
 * module's lock (and customers' for follow-ups and complaints); the KPI
 * module's own lock is the innermost of the engine. */
#ifndef PL_KPI_XS_H
#define PL_KPI_XS_H

#include "core/internal.h"
#include "pitlane/customers.h"
#include "pitlane/inventory.h"
#include "pitlane/scheduling.h"
#include "pitlane/workorders.h"

void pl__kpi_booking(pl__chain *c, const pl_booking_info *b);
void pl__kpi_wo(pl__chain *c, const pl_work_order *w);
void pl__kpi_followup(pl__chain *c, const pl_followup *f);
void pl__kpi_complaint(pl__chain *c, const pl_complaint *x);
void pl__kpi_store(pl__chain *c, const pl_store_info *s);
void pl__kpi_warehouse(pl__chain *c, int32_t ix, const pl_warehouse_info *w);
/* Movements and stocktake closes are immutable: each is counted once
 * (live, or from the ledger at open). */
void pl__kpi_movement(pl__chain *c, const pl_movement *m);
void pl__kpi_stocktake(pl__chain *c, int32_t wh, int32_t n, int64_t at_ms);
/* The same, the warehouse named by its code (the ledger's replay). */
void pl__kpi_stocktake_code(pl__chain *c, const char *wh, int32_t n,
                            int64_t at_ms);
/* At open (or when a chain arrives): the chain's stored movements, those
 * with ledger seq < upto, are still to be counted; the first report
 * counts them (pl__observe_replay_ledger). */
void pl__kpi_stock_pending(pl__chain *c, uint64_t upto);

#endif
