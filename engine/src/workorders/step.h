/* workorders/step.h — the work-order module's shared machinery (private to
 * workorders/workorder.c, workorders/rows.c, workorders/create.c,
 * workorders/moves.c).
 *
 * Every mutation follows one shape: under the chain's write lock, copy the
 * order into a scratch copy (pl__wo_step.next), change the copy, queue its
 * row with an event — its own write (pl__wo_step_queue) or the batch of a
 * stock movement (pl__wo_step_move, through pl__move_extra) — and only
 * when the queueing succeeded make the copy the order. The event reaches
 * watchers when its write is durable. The writes of one call share a
 * pl__barrier, so the caller's pl_write fires once, after the last. */
#ifndef PL_WO_STEP_H
#define PL_WO_STEP_H

#include <stddef.h>

#include "base/validate.h"
#include "core/barrier.h"
#include "core/keys.h"
#include "inventory/stock_xs.h" /* pl__move_extra */
#include "pitlane/warranty.h"
#include "workorders/wo_int.h"

#define PL__WO_ROW_VERSION 2 /* 2: started_ms appended; 1 still read */
#define PL__WO_PART_QTY_MAX 1000000
#define PL__WO_LABOUR_MIN_MAX 1440      /* minutes */
#define PL__WO_PRICE_MAX 100000000000LL /* 1e9 yuan */
#define PL__WO_DEFAULT_WARRANTY_DAYS 90
#define PL__WO_DEFAULT_WARRANTY_KM 5000

/* Bytes of an order holding n items (items[] is its last member). */
static inline size_t pl__wo_size(int32_t n_items) {
  return offsetof(pl_work_order, items) + (size_t)n_items * sizeof(pl_wo_item);
}

typedef struct pl__wo_step {
  pl_engine *e;
  pl__chain *c;
  pl__wo_chain *wc;
  pl__wo *o;
  pl_work_order *next; /* the scratch copy to install */
  const char *idem;
  pl_wo_event ev; /* kind 0: no event */
  pl__barrier *bar;
  /* supplier claims written in the step's batch (then cleared) */
  const pl_supplier_claim *claims;
  int32_t n_claims;
  /* an issue: the cell's lots read before it, for their suppliers */
  const pl_lot_info *lots_known;
  int32_t n_lots_known;
} pl__wo_step;

/* workorders/warranty.c: coverage. A set of new supplier claims (owned). */
typedef struct pl__sclaim_set {
  int32_t n, cap;
  pl_supplier_claim *v;
} pl__sclaim_set;

/* Decides the warranty of items [from, next->n_items) of a scratch order
 * (store, vehicle, items set; id set if it exists) at now_ms, under
 * wc->lock (read or write). With claims (may be NULL: a preview), the
 * supplier claims of REPAIR-covered parts are appended to it, numbered
 * from the chain's next id. 0 or PL_ENOMEM (err filled). */
int pl__warranty_decide(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                        pl_work_order *next, int32_t from, int64_t now_ms,
                        pl__sclaim_set *claims, pl_error *err);
/* The store's local day at ms (its UTC offset); 0 offset if unknown. */
int32_t pl__wo_local_day(pl_engine *e, const char *chain, const char *store,
                         int64_t ms);

/* workorders/supplier_claims.c */
void pl__sclaim_key(pl__buf *k, const char *chain, int64_t id);
void pl__sclaim_row(pl__buf *v, const pl_supplier_claim *cl);
/* Under the write lock, before the step is queued: room for the set's
 * claims (0 or PL_ENOMEM, nothing changed) ... */
int pl__sclaims_reserve(pl__wo_chain *wc, const pl__sclaim_set *set);
/* ... and once queued: the claims join the chain (cannot fail). */
void pl__sclaims_install(pl__wo_chain *wc, pl__sclaim_set *set);
void pl__sclaim_set_free(pl__sclaim_set *set);

/* workorders/workorder.c: technician load (open labour minutes of active
 * orders) */
void pl__wo_load_apply(pl__wo_chain *wc, const pl_work_order *w, int sign);
int64_t pl__wo_tech_load(pl__wo_chain *wc, const char *store, const char *tech);

/* workorders/rows.c: keys and rows */
void pl__wo_key(pl__buf *k, const char *chain, int64_t id);
void pl__wo_event_key(pl__buf *k, const char *chain, int64_t id, uint64_t seq);
void pl__wo_row(pl__buf *v, const pl_work_order *w, const char *idem);
int pl__wo_read(pl__rd *r, pl_work_order *w, char *idem);

/* workorders/workorder.c: steps */
/* Sets up s->ev as the next event of s->next (seq, time). */
void pl__wo_step_event(pl__wo_step *s, pl_wo_event_kind kind, int32_t item_no,
                       const char *actor, const char *note);
/* Queues the order row + event as its own write; installs on success. */
int pl__wo_step_queue(pl__wo_step *s);
/* A movement of qty of item `it` carrying the order row (and event). */
int pl__wo_step_move(pl__wo_step *s, pl_move_kind kind, const pl_wo_item *it,
                     int64_t qty, const char *actor, pl_movement *mv,
                     pl_error *err);
/* A mutation's scratch order (*next, room for every item) and barrier
 * for the caller's write w; PL_ENOMEM (err filled) and nothing made. */
int pl__wo_begin(const pl_write *w, pl_work_order **next, pl__barrier **bar,
                 pl_error *err);
/* A repeat: an empty write behind the first call's, for its durability. */
int pl__wo_queue_repeat(pl_engine *e, pl__barrier *bar);

/* workorders/workorder.c: lookups and items */
/* (the chain and its state: pl__wo_lookup, core/modules.h) */
/* Under wc->lock. */
pl__wo *pl__wo_find(pl__wo_chain *wc, int64_t id);
/* Validates an item input (errors name `field`) into an OPEN item. */
int pl__wo_make_item(pl_engine *e, pl__chain *c, const char *store,
                     const pl_wo_item_in *in, int32_t no, const char *field,
                     pl_wo_item *it, pl_error *err);
/* Reserves what stock allows of part item ix of the scratch order. */
int pl__wo_reserve_item(pl__wo_step *s, int32_t ix, const char *actor,
                        pl_error *err);

/* workorders/create.c: what pl_wo_create would refuse for its input (fields,
 * store, items), without writing anything (claims check before holding). */
int pl__wo_validate(pl_engine *e, const pl_wo_new *in, pl_error *err);

/* workorders/create.c: assignment */
int pl__wo_auto_assign(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                       pl_work_order *w, pl_error *err);
int pl__wo_manual_assign(pl_engine *e, const char *chain, pl_work_order *w,
                         const char (*techs)[PL_CODE_MAX], int n,
                         pl_error *err);

#endif
