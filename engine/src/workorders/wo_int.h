/* workorders/wo_int.h — work orders' private model, shared by workorder.c
 * (orders, their rows and state moves), workorders/events.c (the durable event
 * log and watchers), workorders/claims.c, workorders/warranty.c (the VIN index,
 * coverage) and workorders/supplier_claims.c.
 *
 * Per chain, one pl__wo_chain hangs off the chain (PL_MOD_WO, created on first
 * use). Locks, outermost first:
 *   wc->lock (rwlock: every order of the chain; write to change one;
 *             also the VIN index and the supplier claims)
 *   the scheduling and stock modules' own locks (a check-in, a movement),
 *   the chain's lock and the vehicle registry's lock (read: a warranty
 *             decision looks up the store and the vehicle)
 *   wc->hub_mu (event logs and watchers; also taken by the commit thread)
 *   the commit queue's mutex
 * Orders are never freed before the engine closes; an order's pl__wo stays
 * put, its `w` is reallocated (under the write lock) as items are added.
 */
#ifndef PL_WO_INT_H
#define PL_WO_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/u64map.h"
#include "core/internal.h"
#include "core/observe.h"
#include "pitlane/workorders.h"
#include "workorders/wo_xs.h"

enum {
  PL__K_WO = 0x40,       /* id (8 BE) -> work order row */
  PL__K_WO_EVENT = 0x41, /* id (8 BE) seq (8 BE) -> event row */
  PL__K_CLAIM = 0x42,    /* insurer 00 claim_no -> claim row */
  PL__K_SCLAIM = 0x43,   /* id (8 BE) -> supplier claim row */
};

enum {
  PL__OP_WO_BASE = 96, /* + pl_wo_event_kind (97..110) */
  PL__OP_CLAIM = 120,
  PL__OP_SCLAIM_DECIDE = 121, /* a supplier claim accepted / rejected (its
                                 creation rides on the order's own step) */
};

typedef struct pl__wo {
  char idem[PL_IDEM_MAX];
  int32_t cap_items;
  pl_work_order *w; /* room for cap_items items */
  /* durable events, under hub_mu */
  int32_t n_ev, cap_ev;
  pl_wo_event *ev;
} pl__wo;

typedef struct pl__wo_chain {
  pl__chain *chain; /* its chain (for the change feed, core/observe.h) */
  pthread_rwlock_t lock;
  pl__vec orders;        /* pl__wo*, owned; id = index + 1 */
  pl__strmap idem_ix;    /* idempotency key -> index */
  pl__u64map booking_ix; /* booking id -> index + 1 */
  pl__strmap load_ix;    /* "store\x01tech" -> index in load */
  pl__vec load_keys;     /* char*, owned */
  int64_t *load;         /* open labour minutes per technician */
  int32_t cap_load;
  pthread_mutex_t hub_mu;
  pl__vec watchers;          /* struct pl_wo_watch*, not owned */
  atomic_int store_watchers; /* how many watch a store (bookings skip the
                                hub when 0) */
  /* claims (workorders/claims.c), under claim_mu, taken before lock */
  pthread_mutex_t claim_mu;
  pl__vec claims; /* struct pl__claim*, owned */
  pl__strmap claim_ix;
  /* under lock: VIN -> ids of its orders in creation order
   * (workorders/warranty.c) */
  pl__strmap vin_ix; /* vin -> index in vins */
  pl__vec vins;      /* struct pl__vin_orders*, owned */
  /* under lock: supplier claims (workorders/supplier_claims.c); id = index + 1
   */
  pl__vec sclaims; /* pl_supplier_claim*, owned */
} pl__wo_chain;

/* The chain's state (pl__wo_of: created on first use, NULL only on OOM),
 * pl__wo_peek, pl__wo_lookup and the row loader pl__wo_load: core/modules.h.
 */

/* workorders/events.c */
void pl__wo_event_encode(pl__buf *v, const pl_wo_event *ev);
int pl__wo_event_decode(const unsigned char *p, size_t n, pl_wo_event *ev);
/* Appends a durable event to its order's log and tells the watchers.
 * Takes hub_mu. 0 or PL_ENOMEM (the event is then only on disk). */
int pl__wo_publish(pl__wo_chain *wc, pl__wo *o, const pl_wo_event *ev);
/* The change feed's durable bookings: workorders/wo_xs.h. */
/* Recovery: appends a stored event (no watchers yet). */
int pl__wo_log_append(pl__wo *o, const pl_wo_event *ev);
void pl__wo_log_free(pl__wo *o);

/* workorders/warranty.c: the VIN index.
 * pl__wo_ids_by_vin copies into ids (up to cap) the ids of the chain's
 * orders whose vehicle.vin is `vin`, in creation order (ascending id), and
 * returns how many there are in all (may exceed cap; 0 for an unknown or
 * empty VIN). Lock rule: the caller holds wc->lock, for reading or
 * writing, across the call and for as long as it relies on the answer
 * (an order is only added, never removed, and its VIN never changes, so
 * ids stay valid after the lock is dropped; only new ones may appear).
 * Cost: one hash lookup and a memcpy of min(n, cap) ids. */
int pl__wo_ids_by_vin(pl__wo_chain *wc, const char *vin, int64_t *ids, int cap);
/* Under the write lock: records order id (its vehicle's VIN, if any) in
 * the index; 0 or PL_ENOMEM (then nothing changed). Reserve first with
 * pl__wo_vin_reserve so the add cannot fail after a write was queued. */
int pl__wo_vin_reserve(pl__wo_chain *wc, const char *vin);
void pl__wo_vin_add(pl__wo_chain *wc, const char *vin, int64_t id);
/* Under the write lock: a delivered order's done items join its VIN's
 * summary (what warranty decisions scan). Reserve room before the
 * delivery's write is queued (0 or PL_ENOMEM, nothing changed), add once
 * the order is installed (cannot fail). */
int pl__wo_vin_reserve_delivered(pl__wo_chain *wc, const pl_work_order *w);
void pl__wo_vin_delivered(pl_engine *e, pl__wo_chain *wc,
                          const pl_work_order *w);
void pl__wo_vin_free(pl__wo_chain *wc);

/* workorders/supplier_claims.c */
int pl__sclaim_load(pl__chain *c, pl__wo_chain *wc, const unsigned char *rest,
                    size_t rl, const unsigned char *val, size_t vl);
void pl__sclaims_free(pl__wo_chain *wc);

/* workorders/claims.c */
int pl__claim_load(pl__chain *c, pl__wo_chain *wc, const unsigned char *rest,
                   size_t rl, const unsigned char *val, size_t vl);
void pl__claims_free(pl__wo_chain *wc);

#endif
