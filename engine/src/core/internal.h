/* core/internal.h — the engine object and its in-memory model (private).
 *
 * Ownership: the engine owns its chains; a chain owns its stores,
 * warehouses and parts; a store owns its bays and technicians. Nothing is
 * freed before pl_engine_close (records are never deleted yet), so a
 * pointer found under a lock stays valid after the lock is dropped; its
 * fields, though, are only read under the owning chain's lock.
 *
 * Lock order (docs/architecture.md): engine->chains_lock, then one chain's
 * lock, then the commit queue's mutex. Never two chains at once. */
#ifndef PL_INTERNAL_H
#define PL_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "base/strmap.h"
#include "core/commit.h"
#include "core/db.h"
#include "pitlane/admin.h"
#include "pitlane/pitlane.h"

/* A growable array of owned pointers. */
typedef struct pl__vec {
  void **items;
  int n, cap;
} pl__vec;

/* Makes room for `extra` more items; 0 or PL_ENOMEM. */
int pl__vec_reserve(pl__vec *v, int extra);
/* Appends; the room must have been reserved. */
void pl__vec_push(pl__vec *v, void *item);
/* Takes item out (the last item fills its place: order is not kept);
 * 1 if it was there, else 0. Frees nothing. */
int pl__vec_remove(pl__vec *v, const void *item);
/* Frees every item and the array. */
void pl__vec_free_all(pl__vec *v);

typedef struct pl__store {
  pl_store_info info;
  char idem[PL_IDEM_MAX];
  pl__strmap bay_ix;
  pl__vec bays; /* pl__bay* */
  pl__strmap tech_ix;
  pl__vec techs; /* pl__tech* */
  /* scheduling state, created on first use (scheduling/sched.c) */
  struct pl__sched_store *_Atomic sched;
} pl__store;

typedef struct pl__bay {
  pl_bay_info info;
  char idem[PL_IDEM_MAX];
} pl__bay;

typedef struct pl__tech {
  pl_technician_info info;
  char idem[PL_IDEM_MAX];
} pl__tech;

typedef struct pl__warehouse {
  pl_warehouse_info info;
  char idem[PL_IDEM_MAX];
} pl__warehouse;

typedef struct pl__part {
  pl_part_info info;
  char idem[PL_IDEM_MAX];
} pl__part;

typedef struct pl__chain {
  pl_chain_info info; /* counts are computed on read */
  char idem[PL_IDEM_MAX];
  pthread_rwlock_t lock;
  pl__strmap store_ix;
  pl__vec stores; /* pl__store* */
  pl__strmap wh_ix;
  pl__vec warehouses; /* pl__warehouse* */
  pl__strmap part_ix;
  pl__vec parts;                 /* pl__part* */
  uint64_t next_seq;             /* ledger; under the commit queue's mutex */
  struct pl__sched_chain *sched; /* services, bookings (scheduling/sched.c) */
  struct pl__stock_chain
      *stock; /* inventory (inventory/stock_int.h); NULL until used */
  struct pl__xfer_chain
      *xfer;               /* lanes (transfers/xfer_int.h); NULL until used */
  struct pl__wo_chain *wo; /* work orders, claims (workorders/wo_int.h) */
  struct pl__disp_chain *disp; /* field dispatch (dispatch/disp_int.h) */
  struct pl__veh_chain *veh;   /* vehicles, reminders (dispatch/disp_int.h) */
  struct pl__cust_chain
      *cust;                 /* customers, follow-ups (customers/cust_int.h) */
  struct pl__kpi_chain *kpi; /* KPI reports (kpi/kpi_int.h) */
} pl__chain;

/* The API key table (core/apikeys.c): global, few records, one rwlock (a leaf:
 * nothing else is locked under it but the commit queue's mutex). */
typedef struct pl__apikeys {
  pthread_rwlock_t lock;
  pl__strmap ix;     /* key_id -> index in keys */
  pl__vec keys;      /* pl__apikey* */
  uint64_t next_seq; /* the global ledger; under the commit queue's mutex */
} pl__apikeys;

struct pl_engine {
  pl_clock_fn clock;
  void *clock_arg;
  pl__db *db;
  pl__commit commit;
  atomic_int failed;
  pthread_rwlock_t chains_lock;
  pl__strmap chain_ix;
  pl__vec chains;  /* pl__chain*; NULL: a chain that left (core/chainmove.c) */
  pl__vec retired; /* chains that left this node: kept (readers may still
                      hold them) and freed at close */
  pl__apikeys apikeys;
};

/* Fills err (if not NULL) with code and a printf-style message; returns
 * code. Inline so that callers (and the static analyzer) see that it
 * returns exactly `code`. */
__attribute__((format(printf, 3, 4))) static inline int
pl__fail(pl_error *err, int code, const char *fmt, ...) {
  if (err == NULL)
    return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}
/* pl__fail as an expression whose value is visibly `code` (the analyzer
 * does not follow variadic calls). */
#define PL__FAIL(err, code, ...) (pl__fail((err), (code), __VA_ARGS__), (code))

/* The end of every mutation, after its locks are dropped: waits for
 * durability when the caller gave no pl_write (and something was queued),
 * and words storage and memory failures for err. Returns the final code. */
int pl__write_finish(int rc, int queued, const pl_write *w, pl__sync *sync,
                     pl_error *err);

/* Recovery of the rows in [lo, hi) (hi NULL: to the end), in key order,
 * through each module's loader (core/engine.c); pl_engine_open loads
 * everything, a chain arriving from another node (core/chainmove.c) its own
 * range. Returns 0 or the loader's error. */
int pl__load_range(pl_engine *e, const void *lo, size_t ll, const void *hi,
                   size_t hl, pl_error *err);

/* Takes a chain out of the index (core/admin.c): later lookups miss it and a
 * new chain of that code may be loaded; the record is kept (readers that
 * found it earlier may still hold it) and freed at close. PL_ENOTFOUND. */
int pl__chain_retire(pl_engine *e, const char *code);

/* Looks a chain up (takes and drops chains_lock); NULL if unknown. */
pl__chain *pl__chain_find(pl_engine *e, const char *code);
/* A caller's chain code checked and looked up: 0 and *c, or PL_EINVAL /
 * PL_ENOTFOUND naming the field "chain". */
int pl__chain_lookup(pl_engine *e, const char *chain, pl__chain **c,
                     pl_error *err);

/* Recovery: loads one stored row into memory; called by pl_engine_open in
 * key order. Returns 0 or PL_ECORRUPT. */
int pl__admin_load(pl_engine *e, unsigned kind, const char *chain,
                   const unsigned char *rest, size_t rl,
                   const unsigned char *val, size_t vl, pl_error *err);
void pl__admin_free(pl_engine *e);

/* API keys (core/apikeys.c): the table's init and free, and the loader of the
 * global kind PL__K_APIKEY (chain ""). */
void pl__apikeys_init(pl_engine *e);
void pl__apikeys_free(pl_engine *e);
int pl__apikey_load(pl_engine *e, unsigned kind, const char *chain,
                    const unsigned char *rest, size_t rl,
                    const unsigned char *val, size_t vl, pl_error *err);

/* Inventory (inventory/stock.c): row loader for kinds 0x20-0x2F, and the
 * per-chain state's free (called from chain_free). */
int pl__stock_load(pl_engine *e, unsigned kind, const char *chain,
                   const unsigned char *rest, size_t rl,
                   const unsigned char *val, size_t vl, pl_error *err);
void pl__stock_free(pl__chain *c);
/* The demo chain's inventory (demo/inventory.c), from pl_demo_load. */
int pl__inventory_demo_load(pl_engine *e, pl_error *err);

#endif
