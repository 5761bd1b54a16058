/* customers/cust_int.h — the customers module's private model, shared by
 * customers/customers.c (customers, ownership, rows, recovery),
 * customers/history.c (the per-vehicle history index), customers/followups.c
 * and customers/complaints.c.
 *
 * Per chain, one pl__cust_chain hangs off the chain (state slot PL_MOD_CUST,
 * created on first use), guarded by one rwlock: write to change, read to look
 * up. It is a leaf below every other module's lock (the change feed,
 * core/observe.h, calls in here under theirs), above only the KPI module's and
 * the commit queue's. So nothing in this module calls another module while
 * holding it: the engine's other records (stores, vehicles, orders) are checked
 * before it is taken.
 *
 * Keys (kinds 0x60-0x6F, ledger ops 160-175; core/keys.h):
 *   0x60 id (8 BE)            customer row
 *   0x61 vin                  the vehicle's links (all of them)
 *   0x62 order id (8 BE)      follow-up row (written once recorded; before,
 *                             the delivered order is its record)
 *   0x63 id (8 BE)            complaint row
 *   0x64 store ("" chain)     complaint policy
 */
#ifndef PL_CUST_INT_H
#define PL_CUST_INT_H

#include <pthread.h>

#include "base/u64map.h"
#include "core/barrier.h"
#include "core/internal.h"
#include "core/keys.h"
#include "customers/cust_xs.h"
#include "pitlane/customers.h"
#include "pitlane/scheduling.h"
#include "pitlane/workorders.h"

enum {
  PL__K_CUSTOMER = 0x60,
  PL__K_OWNERS = 0x61,
  PL__K_FOLLOWUP = 0x62,
  PL__K_COMPLAINT = 0x63,
  PL__K_CPOLICY = 0x64,
};

enum {
  PL__OP_CUSTOMER_PUT = 160,
  PL__OP_OWNERS = 161,
  PL__OP_FOLLOWUP = 162,
  PL__OP_COMPLAINT = 163,
  PL__OP_CPOLICY = 164,
};

/* One vehicle as this module knows it: its links and its history. A
 * plate seen on bookings before any VIN was known for it gets a record
 * with vin "" (found through plate_ix only); its entries move to the
 * VIN's record once the plate is learned. */
typedef struct pl__cveh {
  char vin[PL_VEH_VIN_MAX];
  int32_t n_links;
  pl_ownership links[PL_OWNER_LINKS_MAX]; /* by from_day, oldest first */
  int32_t n_hist, cap_hist;
  pl_history_entry *hist; /* ordered as pl_vehicle_history returns them */
} pl__cveh;

typedef struct pl__fup {
  pl_followup f;
  char idem[PL_IDEM_MAX]; /* of the last recording */
} pl__fup;

typedef struct pl__cmp {
  pl_complaint x;
  char idem[PL_IDEM_MAX];
} pl__cmp;

typedef struct pl__cust_chain {
  pthread_rwlock_t lock;
  pl__vec customers; /* pl_customer*, id = index + 1 */
  pl__strmap cust_idem;
  pl__strmap phone_ix;   /* phone -> index */
  pl__strmap vin_ix;     /* vin -> index in vehs */
  pl__strmap plate_ix;   /* plate -> index in vehs (its current vehicle) */
  pl__vec vehs;          /* pl__cveh* */
  pl__u64map booking_wo; /* booking id -> 1: it has a work order */
  pl__u64map fup_ix;     /* order id -> pl__fup* */
  pl__vec fups;          /* pl__fup*, by order id */
  pl__vec complaints;    /* pl__cmp*, id = index + 1 */
  pl__strmap cmp_idem;
  pl__vec policies; /* pl_complaint_policy* */
  struct pl__skeys
      *keys; /* phone and plate key records (customers/customers.c) */
} pl__cust_chain;

/* 8 bytes big-endian (ids in keys). */
static inline void pl__cust_be64(unsigned char *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)v;
}

/* customers/customers.c */
/* The chain's state: pl__cust_of (created on first use; NULL only on OOM),
 * pl__cust_peek, pl__cust_lookup (a chain checked and its state) and the row
 * loader pl__cust_load are declared by the registry (core/modules.h). */
/* Queues one row (kind, key rest) with its ledger entry; under the write
 * lock. 0 or PL_ENOMEM / PL_EUNAVAIL. */
int pl__cust_queue(pl_engine *e, pl__chain *c, unsigned kind, const void *rest,
                   size_t rl, const pl__buf *val, unsigned op,
                   const pl_write *w, pl__sync *sync);
/* The vehicle record of a VIN (create: make it if missing); NULL if
 * unknown (or on OOM). Under the write lock to create. */
pl__cveh *pl__cust_veh(pl__cust_chain *cc, const char *vin, int create);
/* The prologue of a read: the chain's customers state looked up
 * (pl__cust_lookup) and its lock taken for reading. 0 with cc->lock held
 * (the caller unlocks it), or the lookup's error with nothing held. */
int pl__cust_read(pl_engine *e, const char *chain, pl__cust_chain **cc,
                  pl_error *err);
/* pl__cust_read for a read about one vehicle: after the lookup, vin is
 * checked (PL_EINVAL naming "vin"); *v is its record, NULL if unknown. */
int pl__cust_read_vin(pl_engine *e, const char *chain, const char *vin,
                      pl__cust_chain **cc, const pl__cveh **v, pl_error *err);
/* The owner on `day` (0: none); under the lock. */
int64_t pl__cust_owner_on(const pl__cveh *v, int32_t day);
/* Whether customer id may be contacted (unknown: yes); under the lock. */
int pl__cust_contact_ok(const pl__cust_chain *cc, int64_t id);

/* The change feed's entry points: customers/cust_xs.h. */

/* customers/history.c: under the write lock. Puts the entry (replacing the
 * one of the same kind and id) into v's history. */
void pl__hist_put(pl__cveh *v, const pl_history_entry *h);
/* Takes out the entry of (kind, id), if there. */
void pl__hist_drop(pl__cveh *v, pl_history_kind kind, int64_t id);
/* Moves every entry of `from` into `to` (a plate learned its VIN). */
void pl__hist_merge(pl__cveh *to, pl__cveh *from);
/* The entries of one record kind. */
void pl__hist_of_booking(const pl_booking_info *b, pl_history_entry *h);
void pl__hist_of_wo(const pl_work_order *w, pl_history_entry *h);
void pl__hist_of_followup(const pl_followup *f, pl_history_entry *h);
void pl__hist_of_complaint(const pl_complaint *x, pl_history_entry *h);

/* customers/followups.c */
/* A delivered order's follow-up, made if missing (under the write lock). */
void pl__fup_on_delivered(pl__chain *c, pl__cust_chain *cc,
                          const pl_work_order *w);
int pl__fup_load(pl__chain *c, pl__cust_chain *cc, const unsigned char *rest,
                 size_t rl, const unsigned char *val, size_t vl);
void pl__fups_free(pl__cust_chain *cc);

/* customers/complaints.c */
int pl__cmp_load(pl__chain *c, pl__cust_chain *cc, unsigned kind,
                 const unsigned char *rest, size_t rl, const unsigned char *val,
                 size_t vl);
void pl__cmps_free(pl__cust_chain *cc);

#endif
