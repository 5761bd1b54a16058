/* inventory/stock_int.h — the inventory module's private model, shared by
 * stock.c (cells, lots, reservations, movements), inventory/supplier.c and
 * inventory/stocktake.c.
 *
 * Per chain, one pl__stock_chain hangs off pl__chain.state[PL_MOD_STOCK]
 * (created on first use, freed by pl__stock_state_free from chain_free).
 * Warehouses and parts are the chain's dense indexes (core/admin.c's strmaps);
 * a stock cell is one warehouse x part and owns its lots and reservations.
 *
 * Locks (docs/architecture.md "Lock order"), outermost first:
 *   chain->lock (read, only to resolve codes; dropped before the next)
 *   sc->st_lock (stocktakes)
 *   sc->map_lock (rwlock: the cell index; write only to add a cell)
 *   cell->mu, several in ascending (warehouse index, part index) order
 *   sc->idem_lock, sc->sup_lock (suppliers, quotes, fitment; leaves)
 *   the commit queue's mutex
 * A cell pointer found under map_lock stays valid until the engine closes
 * (cells are never freed before). */
#ifndef PL_STOCK_H
#define PL_STOCK_H

#include <pthread.h>
#include <stdint.h>

#include "base/u64map.h"
#include "core/internal.h"
#include "inventory/stock_xs.h"
#include "pitlane/inventory.h"

/* Key kinds (core/keys.h range 0x20-0x2F) and ledger ops (48-79). */
enum {
  PL__K_STOCK_CELL = 0x20, /* wh 0 part -> cell row */
  PL__K_STOCK_LOT = 0x21,  /* wh 0 part 0 lot(8 BE) -> lot row */
  PL__K_SUPPLIER = 0x22,   /* supplier -> supplier row */
  PL__K_QUOTE = 0x23,      /* supplier 0 part -> quote row */
  PL__K_STOCKTAKE = 0x24,  /* id(8 BE) -> stocktake row */
  PL__K_FITMENT = 0x25,    /* part -> fitment row */
  PL__K_STOCK_IDEM = 0x2F, /* idem -> seq(8 BE) movement */
  PL__OP_MOVE_BASE = 48,   /* + pl_move_kind (49..60) */
  PL__OP_LEVELS = 70,
  PL__OP_SUPPLIER_CREATE = 71,
  PL__OP_QUOTE_SET = 72,
  PL__OP_STOCKTAKE_OPEN = 73,
  PL__OP_STOCKTAKE_COUNT = 74,
  PL__OP_STOCKTAKE_CLOSE = 75,
  PL__OP_FITMENT_SET = 76,
};

typedef struct pl__lot {
  uint64_t id;
  int64_t received_ms;
  int64_t qty_in, qty_left;
  int64_t unit_cost_fen;
  char supplier[PL_CODE_MAX];
  char bin[PL_BIN_MAX];
} pl__lot;

typedef struct pl__res {
  char work_order[PL_CODE_MAX];
  int64_t qty;
} pl__res;

typedef struct pl__cell {
  pthread_mutex_t mu;
  int32_t wh, part; /* chain indexes */
  int32_t ord;      /* index in pl__stock_chain.cells */
  int64_t on_hand, reserved;
  int64_t in_transit; /* shipped transfers to here, not yet received:
                         memory only, rebuilt from the transfer orders */
  int64_t min_qty, max_qty;
  int32_t n_lots, cap_lots; /* lots[] in FIFO order, qty_left > 0 */
  int32_t n_res, cap_res;   /* reservations, qty > 0 */
  pl__lot *lots;
  pl__res *res;
} pl__cell;

typedef struct pl__idem {
  char key[PL_IDEM_MAX];
  uint64_t seq;
  pl__buf mv; /* the movement as stored */
} pl__idem;

typedef struct pl__supplier {
  pl_supplier_info info;
  char idem[PL_IDEM_MAX];
  pl__vec quotes; /* pl_quote_info* */
} pl__supplier;

typedef struct pl__count {
  int32_t part;
  int64_t counted;
} pl__count;

typedef struct pl__stocktake {
  uint64_t id;
  int32_t wh;
  int closed;
  char actor[PL_ACTOR_MAX];
  int32_t n, cap;
  pl__count *counts;
} pl__stocktake;

typedef struct pl__stock_chain {
  pthread_rwlock_t map_lock;
  pl__u64map cell_ix; /* (wh + 1) << 32 | part -> pl__cell* */
  pl__vec cells;      /* pl__cell*, owned */
  pl__vec *by_part;   /* [part index]: pl__cell* sorted by wh (not owned) */
  int32_t n_by_part;
  uint64_t next_lot; /* atomic (__atomic builtins) */

  pthread_mutex_t idem_lock;
  pl__strmap idem_ix;
  pl__vec idems; /* pl__idem* */

  pthread_rwlock_t sup_lock;
  pl__strmap sup_ix;
  pl__vec sups; /* pl__supplier* */

  pthread_mutex_t st_lock;
  pl__vec takes; /* pl__stocktake* */
  uint64_t next_take;

  /* fitment, under sup_lock: [part index] -> pl_fitment* or NULL */
  pl_fitment **fit;
  int32_t n_fit;
} pl__stock_chain;

/* Movements for other modules, in-transit quantities and the ledger's
 * replay: inventory/stock_xs.h. */

/* The chain's stock state: pl__stock_of (created on first use; NULL only on
 * OOM) and pl__stock_peek come from the registry (core/modules.h). */

/* Finds the chain, and the warehouse and part (codes checked, errors name
 * "warehouse" / "part_no" with `prefix`), copying the part's purchase
 * price. No lock is held on return. */
int pl__stock_resolve(pl_engine *e, const char *chain, const char *warehouse,
                      const char *part_no, pl__chain **c_out, int32_t *wh_out,
                      int32_t *part_out, int64_t *cost_out, pl_error *err);
/* pl__stock_resolve for a part alone (no warehouse, no price). */
static inline int pl__stock_part(pl_engine *e, const char *chain,
                                 const char *part_no, pl__chain **c_out,
                                 int32_t *part_out, pl_error *err) {
  return pl__stock_resolve(e, chain, NULL, part_no, c_out, NULL, part_out, NULL,
                           err);
}
/* The cell of wh x part, created (empty) if create; NULL if absent or
 * OOM. Takes and drops map_lock. */
pl__cell *pl__stock_cell(pl__stock_chain *sc, int32_t wh, int32_t part,
                         int create);

/* One movement on a cell its caller has locked (pl__stock_move_locked). */
typedef struct pl__move_args {
  pl__chain *c;
  pl__stock_chain *sc;
  pl__cell *cell; /* locked by the caller (cell->mu) */
  pl_move_kind kind;
  const pl_move_req *in; /* checked by the caller */
  int64_t default_cost;  /* unit cost of a new lot whose request names none */
  const char *idem;      /* may be NULL */
  const pl__move_extra *extra; /* may be NULL */
  const pl_write *w;           /* w and sync: see pl__commit_submit */
  pl__sync *sync;
} pl__move_args;

/* Applies one movement to a locked cell and queues it, in the phases of
 * the commit path: plan (every refusal) -> reserve memory -> apply ->
 * queue (-> undo if queuing failed). *queued says whether something was
 * queued (for pl__stock_finish); *out (may be NULL) is the movement. */
int pl__stock_move_locked(pl_engine *e, const pl__move_args *a, int *queued,
                          pl_movement *out, pl_error *err);

/* Reports the storage outcome after locks are dropped (as admin's finish). */
int pl__stock_finish(int rc, int queued, pl__sync *sync, const pl_write *w,
                     pl_error *err);

/* Ledger walk: calls fn for each entry of the chain with seq > after
 * (stops when fn returns non-zero, which is returned). */
typedef int (*pl__ledger_fn)(void *arg, uint64_t seq, unsigned op,
                             int64_t at_ms, const unsigned char *val,
                             size_t vl);
int pl__ledger_walk(pl_engine *e, const char *chain, uint64_t after,
                    pl__ledger_fn fn, void *arg, pl_error *err);
/* Decodes a movement (ledger value of op PL__OP_MOVE_BASE + kind). */
int pl__movement_decode(const unsigned char *p, size_t n, pl_movement *m);

int pl__supplier_load(pl__chain *c, pl__stock_chain *sc, unsigned kind,
                      const unsigned char *rest, size_t rl, pl__rd *r);
void pl__supplier_free(pl__stock_chain *sc);
/* Under sup_lock (read): the cheapest quote for part with lead <= max
 * (max < 0: any); NULL if none. */
const pl_quote_info *pl__supplier_best(pl__stock_chain *sc, const char *part_no,
                                       int32_t max_lead);
int pl__stocktake_load(pl__chain *c, pl__stock_chain *sc,
                       const unsigned char *rest, size_t rl, pl__rd *r);
void pl__stocktake_free(pl__stock_chain *sc);
int pl__fitment_load(pl__chain *c, pl__stock_chain *sc,
                     const unsigned char *rest, size_t rl, pl__rd *r);
void pl__fitment_free(pl__stock_chain *sc);

#endif
