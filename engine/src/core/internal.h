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

#include "base/fail.h"
#include "base/strmap.h"
#include "base/vec.h"
#include "core/commit.h"
#include "core/db.h"
#include "core/modules.h"
#include "pitlane/admin.h"
#include "pitlane/pitlane.h"

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

/* Frees a store's scheduling state (scheduling/sched.c; NULL is a no-op). */
void pl__sched_store_free(struct pl__sched_store *ss);

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
  pl__vec parts;     /* pl__part* */
  uint64_t next_seq; /* ledger; under the commit queue's mutex */
  /* The test clock's offset (pl_chain_advance_clock; 0 for ordinary
   * chains): read without a lock, written under the chain's write lock.
   * info.clock_offset_ms is filled from it on read. */
  _Atomic int64_t clock_offset_ms;
  /* Each module's per-chain state (core/modules.h), indexed by PL_MOD_*;
   * NULL until created. Read through the getters below. */
  void *state[PL_MOD_COUNT];
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

/* pl__fail, PL__FAIL: base/fail.h. */

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

/* A caller's chain code checked, the chain found and its lock taken (write
 * if `write`, else read): 0 with *out locked (the caller unlocks), or
 * PL_EINVAL / PL_ENOTFOUND naming `field`, nothing held. */
int pl__chain_lock(pl_engine *e, const char *code, int write, const char *field,
                   pl__chain **out, pl_error *err);
/* Today (the local day now) in store `store` of chain, and the store's
 * code into code[PL_CODE_MAX] if code is not NULL: 0, or pl_store_get's
 * error (err left to the caller to word). Takes and drops the chain's
 * lock. */
int pl__store_today(pl_engine *e, const char *chain, const char *store,
                    int32_t *today, char *code);
/* The chain's clock (pl_chain_now_ms): the engine's plus the chain's
 * test-clock offset. Every time a chain's records are judged by is read
 * here (c not NULL; engine-wide records read pl_engine_now_ms). */
static inline int64_t pl__chain_now_ms(const pl_engine *e, const pl__chain *c) {
  return pl_engine_now_ms(e) +
         atomic_load_explicit(&((pl__chain *)c)->clock_offset_ms,
                              memory_order_acquire);
}

/* Looks a chain up (takes and drops chains_lock); NULL if unknown. */
pl__chain *pl__chain_find(pl_engine *e, const char *code);
/* The chain of a code the caller has checked: 0 and *c, or PL_ENOTFOUND
 * naming the field "chain". */
int pl__chain_known(pl_engine *e, const char *chain, pl__chain **c,
                    pl_error *err);
/* A caller's chain code checked and looked up: 0 and *c, or PL_EINVAL /
 * PL_ENOTFOUND naming the field "chain". */
int pl__chain_lookup(pl_engine *e, const char *chain, pl__chain **c,
                     pl_error *err);

/* A row loader's result for err: PL_ECORRUPT worded as a bad row of the
 * chain's kind (the message of every loader that has no better one), any
 * other code returned as it is. */
static inline int pl__load_result(pl_error *err, int rc, const char *chain,
                                  unsigned kind) {
  return rc == PL_ECORRUPT
             ? PL__FAIL(err, rc, "recovery: chain '%s' kind %u: bad row", chain,
                        kind)
             : rc;
}

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

/* ---- per-chain module state (core/modules.c) -----------------------------
 */

/* Module id's state for chain c, created on first use (readers may race to
 * create it: the first compare-and-swap wins, the loser's copy is freed).
 * NULL on OOM, or if the module has no per-chain state. */
void *pl__module_state(pl__chain *c, pl__mod id);
/* The state if it exists, else NULL; never creates. */
static inline void *pl__module_peek(const pl__chain *c, pl__mod id) {
  return __atomic_load_n(&c->state[id], __ATOMIC_ACQUIRE);
}
/* A caller's chain looked up (pl__chain_lookup) and its state for module id
 * (pl__module_state): 0 with *c (if c is not NULL) and *state, or PL_EINVAL /
 * PL_ENOTFOUND naming the chain, or PL_ENOMEM. */
int pl__module_lookup(pl_engine *e, const char *chain, pl__mod id,
                      pl__chain **c, void **state, pl_error *err);
/* Creates the states of the eager modules (chain_new); 0 or PL_ENOMEM. */
int pl__modules_chain_init(pl__chain *c);
/* Frees every module's state of c (chain_free), in list order. */
void pl__modules_chain_free(pl__chain *c);

/* Typed getters per module with state: pl__<p>_of (creates), pl__<p>_peek
 * (never creates), pl__<p>_lookup (chain code -> chain and state). */
#define PL__MOD_GETTERS_OF(ID, p)                                              \
  static inline struct pl__##p##_chain *pl__##p##_of(pl__chain *c) {           \
    return pl__module_state(c, PL_MOD_##ID);                                   \
  }                                                                            \
  static inline struct pl__##p##_chain *pl__##p##_peek(const pl__chain *c) {   \
    return pl__module_peek(c, PL_MOD_##ID);                                    \
  }                                                                            \
  static inline int pl__##p##_lookup(                                          \
      pl_engine *e, const char *chain, pl__chain **c,                          \
      struct pl__##p##_chain **x, pl_error *err) {                             \
    void *s = NULL;                                                            \
    int rc = pl__module_lookup(e, chain, PL_MOD_##ID, c, &s, err);             \
    *x = s;                                                                    \
    return rc;                                                                 \
  }
#define PL__MOD_GETTERS(ID, name, p, klo, khi, olo, ohi, rows, state)          \
  PL__IF_STATE_##state(PL__MOD_GETTERS_OF(ID, p))
PL_MODULES(PL__MOD_GETTERS)
#undef PL__MOD_GETTERS
#undef PL__MOD_GETTERS_OF

#endif
