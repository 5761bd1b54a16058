/* warranty.h — warranty on work-order items, and the supplier claims a
 * part that failed under warranty becomes. See pitlane.h for the
 * conventions, workorders.h for work orders.
 *
 * Coverage. When an item is added to an order (at create, or as an extra
 * item) the engine decides once whether it is under warranty, at the new
 * order's day (the local day of its store at the time it is added) and
 * mileage (vehicle.mileage_km), for the order's vehicle.vin ("" : never):
 *  - REPAIR: the same labour service (same code) or the same part_no was
 *    done (item DONE) on an earlier DELIVERED order of the same VIN whose
 *    item warranty still runs: day - warranty_from_day <= warranty_days and
 *    mileage - warranty_from_km <= warranty_km (both ends included); for a
 *    part also qty <= the earlier item's qty. The newest such order wins;
 *    the item records it (src_wo, src_item).
 *  - FACTORY: otherwise, if the advisor flagged the item (warranty_claim)
 *    and the VIN is registered (vehicles.h) with factory terms that still
 *    run: day <= pl_day_add_months(purchase_day, warranty_months) and
 *    mileage <= warranty_km.
 *  - NONE otherwise.
 * A covered item keeps its list price (unit_price_fen) and costs the
 * customer 0: pl_wo_totals gives what the customer pays, pl_wo_warranty_fen
 * what the warranty pays. An item's own warranty is set at delivery: the
 * order's warranty_days / warranty_km (Deliver), from the delivery day and
 * the order's mileage. (Parts have no catalogue terms of their own yet:
 * every item of an order carries the order's.)
 *
 * Supplier claims. A part item covered by REPAIR is traced to the lots the
 * earlier item was issued from (pl_wo_item.lots, with their suppliers as
 * recorded at the issue) and becomes one supplier claim per lot: the
 * item's qty is spread over the lots in order (the last takes what is
 * left), amount_fen = the lot's unit cost x qty (an item issued before
 * suppliers were recorded gives supplier ""; its lot still traces it with
 * pl_stock_trace_lot). The claims are written in
 * the same atomic write as the order row that holds the covered item: no
 * claim without its item, no covered part without its claims.
 * States: OPEN -> ACCEPTED | REJECTED (pl_sclaim_decide; repeating the
 * same decision is PL_OK and changes nothing). */
#ifndef PITLANE_WARRANTY_H
#define PITLANE_WARRANTY_H

#include "pitlane/workorders.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- preview ------------------------------------------------------------ */

typedef struct pl_warranty_query {
  const char *chain;
  const char *store;  /* the store the order would be opened at */
  const char *vin;    /* "" or NULL: nothing is covered */
  int64_t mileage_km; /* the odometer now */
  int32_t n_items;    /* 0..PL_WO_MAX_ITEMS */
  const pl_wo_item_in *items;
} pl_warranty_query;

/* Which of the items would be covered if an order were created now with
 * them (the same validation and decision as pl_wo_create; nothing is
 * written). Fills out[0..n_items-1] as the order's items would be (price,
 * warranty, src_wo, src_item). PL_EINVAL / PL_ENOTFOUND naming the field
 * (items[i].part_no ...), PL_ENOMEM. */
PL_API int pl_wo_warranty_check(pl_engine *e, const pl_warranty_query *q,
                                pl_wo_item *out, pl_error *err);

/* ---- supplier claims ---------------------------------------------------- */

typedef enum pl_sclaim_state {
  PL_SCLAIM_OPEN = 1,
  PL_SCLAIM_ACCEPTED = 2,
  PL_SCLAIM_REJECTED = 3,
} pl_sclaim_state;

typedef struct pl_supplier_claim {
  char chain[PL_CODE_MAX];
  int64_t id; /* 1, 2, ... per chain */
  char supplier[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  uint64_t lot;
  int64_t qty;
  int64_t amount_fen; /* the lot's unit cost x qty */
  int64_t src_wo;     /* the repair whose part failed, and its item */
  int32_t src_item;
  int64_t wo_id; /* the order that replaces it under warranty */
  int32_t item_no;
  pl_sclaim_state state;
  char decided_by[PL_ACTOR_MAX];
  char note[PL_NAME_MAX];
  int64_t created_ms, decided_ms;
} pl_supplier_claim;

typedef struct pl_sclaim_filter {
  const char *chain;
  const char *supplier;  /* NULL/"": all */
  pl_sclaim_state state; /* 0: all */
  int64_t after_id;
} pl_sclaim_filter;

/* Claims matching f with id > after_id, by id: copies up to cap and
 * returns how many it copied, or a negative PL_E* (PL_EINVAL naming the
 * field, PL_ENOTFOUND for the chain). */
PL_API int pl_sclaim_list(pl_engine *e, const pl_sclaim_filter *f,
                          pl_supplier_claim *out, int cap, pl_error *err);

PL_API int pl_sclaim_get(pl_engine *e, const char *chain, int64_t id,
                         pl_supplier_claim *out, pl_error *err);

/* OPEN -> to (ACCEPTED or REJECTED), by actor (required) with a note.
 * Repeating the decision already taken is PL_OK (no write); the other one
 * is PL_EPRECOND. PL_EINVAL (to, actor, note), PL_ENOTFOUND (id),
 * PL_EUNAVAIL, PL_ENOMEM; with a NULL w, PL_EIO. */
PL_API int pl_sclaim_decide(pl_engine *e, const char *chain, int64_t id,
                            pl_sclaim_state to, const char *actor,
                            const char *note, const pl_write *w,
                            pl_supplier_claim *out, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
