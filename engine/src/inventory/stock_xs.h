/* inventory/stock_xs.h — what other subsystems may call in the inventory
 * module (its cross-subsystem header; docs/architecture.md "What crosses
 * subsystems"): the movement entry point with rows of the caller's in the
 * same atomic batch (transfers/transfer_order.c, workorders/), the
 * in-transit quantities (transfers/transfer_order.c) and the replay of the
 * chain's stock ledger entries to the change feed (core/observe.c). */
#ifndef PL_STOCK_XS_H
#define PL_STOCK_XS_H

#include <stdint.h>

#include "core/commit.h"
#include "core/internal.h"
#include "pitlane/inventory.h"

/* Rows another module writes in a movement's atomic batch (a transfer
 * order, a work order). `rows` runs under the cell's lock once the
 * movement is planned (its lots picked; m->seq not yet known) and appends
 * to b; it returns 0, or PL_ENOMEM to refuse the movement. */
typedef struct pl__move_extra {
  int (*rows)(void *arg, const pl_movement *m, pl__batch *b);
  void *arg;
} pl__move_extra;

/* A movement for another module: like the public entry points
 * (validation, idempotency, locking the cell), with extra's rows (extra
 * may be NULL) in the same atomic batch. Blocks until durable when w is
 * NULL. Returns as the public movement functions. Takes the inventory
 * locks: the caller holds none of the chain's module locks. */
int pl__stock_move_extra(pl_engine *e, pl_move_kind kind, const pl_move_req *in,
                         const char *idem, const pl__move_extra *extra,
                         const pl_write *w, pl_movement *out, pl_error *err);
/* Adds delta to the in-transit quantity of a cell (created if needed).
 * 0 or PL_ENOMEM / PL_ENOTFOUND. */
int pl__stock_in_transit(pl__chain *c, int32_t wh, int32_t part, int64_t delta);

/* Feeds the chain's stored movements and stocktake closes with ledger seq
 * < upto to the change feed (pl__observe_movement,
 * pl__observe_stocktake_code), in ledger order. Returns 0, PL_ECORRUPT
 * (named in err) for an entry that does not decode, or the walk's error. */
int pl__stock_replay_ledger(pl_engine *e, pl__chain *c, uint64_t upto,
                            pl_error *err);

#endif
