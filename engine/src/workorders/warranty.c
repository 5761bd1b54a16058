/* workorders/warranty.c — which items of a work order are under warranty (see
 * pitlane/warranty.h for the rules), the per-chain VIN index the decision
 * reads, and the read-only preview pl_wo_warranty_check.
 *
 * Design: the decision reads only memory. Each VIN of a chain has the ids
 * of its orders in creation order (pl__vin_orders: a growable int64
 * array), kept under the work orders' lock by pl_wo_create and rebuilt at
 * load; an earlier repair's own warranty is stored on its items at
 * delivery (start day and km, days and km), and each VIN also keeps a
 * compact array of its delivered orders' done items (kind, hash of the
 * code, qty, resolved terms), so checking an item against a vehicle's
 * history is arithmetic over one contiguous array, newest order first;
 * only a candidate that fits costs a look at the order itself (to compare
 * the code, not just its hash).
 * The factory terms come from the vehicle registry (one lookup, only when
 * an item is flagged as a defect claim).
 *
 * Invariants:
 *  (1) vins[i]->ids is strictly ascending and every id names an order of
 *      the chain whose vehicle.vin is vins[i]->vin;
 *  (2) vin_ix maps each vins[i]->vin (owned by vins[i]) to i;
 *  (2a) vins[i]->done holds one entry per DONE item of each DELIVERED
 *      order of the VIN, sorted by (wo_id, item_no), its terms resolved
 *      (added at delivery and at load: a delivered order never changes);
 *  (3) coverage is decided once, when the item is added, and stored with
 *      it; nothing here writes.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workorders/step.h"

#include "base/localtime.h"

#include "pitlane/vehicles.h"

/* ---- the VIN index -------------------------------------------------------
 */

/* One done item of a delivered order, as the decision needs it: a compact
 * copy (no pointer to chase) with its warranty terms resolved. */
typedef struct pl__wdone {
  int64_t wo_id;
  int32_t item_no;
  int32_t kind;
  uint32_t key_hash; /* of the service or part_no */
  int32_t days, from_day;
  int64_t qty, km, from_km;
} pl__wdone;

typedef struct pl__vin_orders {
  char vin[PL_VIN_MAX];
  int32_t n, cap;
  int64_t *ids;
  /* the done items of its delivered orders, by (wo_id, item_no) */
  int32_t n_done, cap_done;
  pl__wdone *done;
} pl__vin_orders;

static pl__vin_orders *vin_find(pl__wo_chain *wc, const char *vin) {
  if (vin == NULL || vin[0] == '\0')
    return NULL;
  int32_t i = pl__strmap_get(&wc->vin_ix, vin);
  return i >= 0 ? wc->vins.items[i] : NULL;
}

int pl__wo_ids_by_vin(pl__wo_chain *wc, const char *vin, int64_t *ids,
                      int cap) {
  const pl__vin_orders *x = vin_find(wc, vin);
  if (x == NULL)
    return 0;
  int n = x->n < cap ? x->n : cap;
  if (n > 0)
    memcpy(ids, x->ids, (size_t)n * sizeof *ids);
  return x->n;
}

int pl__wo_vin_reserve(pl__wo_chain *wc, const char *vin) {
  if (vin == NULL || vin[0] == '\0')
    return 0;
  pl__vin_orders *x = vin_find(wc, vin);
  if (x == NULL) {
    x = calloc(1, sizeof *x);
    if (x == NULL || pl__vec_reserve(&wc->vins, 1) != 0 ||
        pl__strmap_reserve(&wc->vin_ix, 1) != 0) {
      free(x);
      return PL_ENOMEM;
    }
    snprintf(x->vin, sizeof x->vin, "%s", vin);
    pl__vec_push(&wc->vins, x);
    pl__strmap_put(&wc->vin_ix, x->vin, wc->vins.n - 1);
  }
  if (x->n == x->cap) {
    int32_t cap = x->cap ? x->cap * 2 : 4;
    int64_t *p = realloc(x->ids, (size_t)cap * sizeof *p);
    if (p == NULL)
      return PL_ENOMEM; /* an empty entry may stay: harmless */
    x->ids = p;
    x->cap = cap;
  }
  return 0;
}

void pl__wo_vin_add(pl__wo_chain *wc, const char *vin, int64_t id) {
  pl__vin_orders *x = vin_find(wc, vin);
  if (x == NULL)
    return; /* no VIN */
  assert(x->n < x->cap && (x->n == 0 || x->ids[x->n - 1] < id));
  x->ids[x->n++] = id;
}

void pl__wo_vin_free(pl__wo_chain *wc) {
  for (int i = 0; i < wc->vins.n; i++) {
    pl__vin_orders *x = wc->vins.items[i];
    free(x->ids);
    free(x->done);
  }
  pl__vec_free_all(&wc->vins);
  pl__strmap_free(&wc->vin_ix);
}

/* ---- the decision ------------------------------------------------------- */

int32_t pl__wo_local_day(pl_engine *e, const char *chain, const char *store,
                         int64_t ms) {
  pl_store_info si;
  int32_t off =
      pl_store_get(e, chain, store, &si, NULL) == 0 ? si.utc_offset_min : 0;
  return pl__local_day_ms(ms, off);
}

/* An earlier item's own warranty: stored at delivery; for orders
 * delivered before items carried it, the order's terms from its delivery
 * day in its store's offset. */
typedef struct terms {
  int32_t days, from_day;
  int64_t km, from_km;
} terms;

static terms item_terms(pl_engine *e, const pl_work_order *w,
                        const pl_wo_item *it) {
  terms t;
  if (it->warranty_days > 0 || it->warranty_km > 0) {
    t.days = it->warranty_days;
    t.km = it->warranty_km;
    t.from_day = it->warranty_from_day;
    t.from_km = it->warranty_from_km;
  } else {
    t.days = w->warranty_days;
    t.km = w->warranty_km;
    t.from_day = pl__wo_local_day(e, w->chain, w->store, w->delivered_ms);
    t.from_km = w->vehicle.mileage_km;
  }
  return t;
}

static const char *work_key(const pl_wo_item *it) {
  return it->kind == PL_ITEM_LABOUR ? it->service : it->part_no;
}

static uint32_t key_hash(const pl_wo_item *it) {
  const char *k = work_key(it);
  return pl__hash_bytes(k, strlen(k));
}

static int done_items(const pl_work_order *w) {
  int n = 0;
  for (int32_t i = 0; i < w->n_items; i++)
    n += w->items[i].state == PL_ITEM_DONE;
  return n;
}

int pl__wo_vin_reserve_delivered(pl__wo_chain *wc, const pl_work_order *w) {
  pl__vin_orders *x = vin_find(wc, w->vehicle.vin);
  if (x == NULL)
    return 0;
  int32_t need = x->n_done + done_items(w);
  if (need <= x->cap_done)
    return 0;
  int32_t cap = x->cap_done ? x->cap_done : 8;
  while (cap < need)
    cap *= 2;
  pl__wdone *p = realloc(x->done, (size_t)cap * sizeof *p);
  if (p == NULL)
    return PL_ENOMEM;
  x->done = p;
  x->cap_done = cap;
  return 0;
}

void pl__wo_vin_delivered(pl_engine *e, pl__wo_chain *wc,
                          const pl_work_order *w) {
  pl__vin_orders *x = vin_find(wc, w->vehicle.vin);
  if (x == NULL || w->state != PL_WO_DELIVERED)
    return;
  /* keep (wo_id, item_no) order: an older order delivered late goes in
   * the middle (rare) */
  int32_t at = x->n_done;
  while (at > 0 && x->done[at - 1].wo_id > w->id)
    at--;
  int n = done_items(w);
  assert(x->n_done + n <= x->cap_done);
  memmove(x->done + at + n, x->done + at,
          (size_t)(x->n_done - at) * sizeof *x->done);
  x->n_done += n;
  for (int32_t i = 0; i < w->n_items; i++) {
    const pl_wo_item *it = &w->items[i];
    if (it->state != PL_ITEM_DONE)
      continue;
    terms t = item_terms(e, w, it);
    pl__wdone *d = &x->done[at++];
    d->wo_id = w->id;
    d->item_no = it->no;
    d->kind = (int32_t)it->kind;
    d->key_hash = key_hash(it);
    d->days = t.days;
    d->from_day = t.from_day;
    d->qty = it->qty;
    d->km = t.km;
    d->from_km = t.from_km;
  }
}

/* The item `no` of order id (NULL if absent). */
static const pl_wo_item *find_item(pl__wo_chain *wc, int64_t id, int32_t no) {
  const pl__wo *o = pl__wo_find(wc, id);
  for (int32_t j = 0; o != NULL && j < o->w->n_items; j++)
    if (o->w->items[j].no == no)
      return &o->w->items[j];
  return NULL;
}

static int set_push(pl__sclaim_set *set, pl_supplier_claim **out) {
  if (set->n == set->cap) {
    int32_t cap = set->cap ? set->cap * 2 : 4;
    pl_supplier_claim *p = realloc(set->v, (size_t)cap * sizeof *p);
    if (p == NULL)
      return PL_ENOMEM;
    set->v = p;
    set->cap = cap;
  }
  *out = &set->v[set->n++];
  memset(*out, 0, sizeof **out);
  return 0;
}

/* The claims for part item `it` (covered by REPAIR of `src` in `so`):
 * one per lot of the source item, qty spread over them in order. */
static int make_claims(pl__wo_chain *wc, const pl_work_order *w,
                       const pl_wo_item *it, const pl_wo_item *src,
                       int64_t now_ms, pl__sclaim_set *set) {
  int64_t left = it->qty;
  int32_t nl = src->n_lots > 0 ? src->n_lots : 1;
  for (int32_t k = 0; k < nl && left > 0; k++) {
    pl_supplier_claim *cl;
    if (set_push(set, &cl) != 0)
      return PL_ENOMEM;
    memcpy(cl->chain, w->chain, PL_CODE_MAX);
    cl->id = wc->sclaims.n + set->n;
    memcpy(cl->part_no, it->part_no, PL_CODE_MAX);
    int64_t q = left;
    if (src->n_lots > 0) {
      if (k < nl - 1 && src->lots[k].qty < q)
        q = src->lots[k].qty;
      cl->lot = src->lots[k].lot;
      cl->amount_fen = src->lots[k].unit_cost_fen * q;
      /* as recorded at the issue; "" for items issued before suppliers
       * were recorded (the lot still traces it: pl_stock_trace_lot, too
       * slow to run here under the lock) */
      memcpy(cl->supplier, src->lot_supplier[k], PL_CODE_MAX);
    }
    cl->qty = q;
    left -= q;
    cl->src_wo = it->src_wo;
    cl->src_item = it->src_item;
    cl->wo_id = w->id;
    cl->item_no = it->no;
    cl->state = PL_SCLAIM_OPEN;
    cl->created_ms = now_ms;
  }
  return 0;
}

/* Whether the vehicle's factory terms run on `day` at `km`. */
static int factory_runs(const pl_vehicle_info *v, int32_t day, int64_t km) {
  if (v->warranty_months <= 0 || v->warranty_km <= 0)
    return 0;
  return day >= v->purchase_day &&
         day <= pl_day_add_months(v->purchase_day, v->warranty_months) &&
         km <= v->warranty_km;
}

int pl__warranty_decide(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                        pl_work_order *next, int32_t from, int64_t now_ms,
                        pl__sclaim_set *claims, pl_error *err) {
  (void)c;
  for (int32_t i = from; i < next->n_items; i++) {
    next->items[i].warranty = PL_WARRANTY_NONE;
    next->items[i].src_wo = 0;
    next->items[i].src_item = 0;
  }
  const char *vin = next->vehicle.vin;
  if (vin[0] == '\0' || from >= next->n_items)
    return 0;
  int32_t day = pl__wo_local_day(e, next->chain, next->store, now_ms);
  int64_t km = next->vehicle.mileage_km;
  int32_t undecided = next->n_items - from;
  /* REPAIR: the done items of the vehicle's delivered orders, newest
   * order first, its items in order; only a candidate (kind, key hash,
   * qty and terms all fit) costs a look at the order itself */
  uint32_t hash[PL_WO_MAX_ITEMS];
  for (int32_t i = from; i < next->n_items; i++)
    hash[i] = key_hash(&next->items[i]);
  const pl__vin_orders *x = vin_find(wc, vin);
  int32_t end = x != NULL ? x->n_done : 0;
  while (end > 0 && undecided > 0) {
    int32_t beg = end - 1; /* the newest order's first done item */
    while (beg > 0 && x->done[beg - 1].wo_id == x->done[end - 1].wo_id)
      beg--;
    for (int32_t k = beg; k < end && undecided > 0; k++) {
      const pl__wdone *d = &x->done[k];
      if ((int64_t)day - d->from_day > d->days || km - d->from_km > d->km)
        continue;
      for (int32_t i = from; i < next->n_items; i++) {
        pl_wo_item *it = &next->items[i];
        if (it->warranty != PL_WARRANTY_NONE || hash[i] != d->key_hash ||
            (int32_t)it->kind != d->kind ||
            (it->kind == PL_ITEM_PART && it->qty > d->qty))
          continue;
        const pl_wo_item *src = find_item(wc, d->wo_id, d->item_no);
        if (src == NULL || strcmp(work_key(src), work_key(it)) != 0)
          continue; /* a hash collision */
        it->warranty = PL_WARRANTY_REPAIR;
        it->src_wo = d->wo_id;
        it->src_item = d->item_no;
        undecided--;
      }
    }
    end = beg;
  }
  /* FACTORY: flagged defects, if the registry has terms that still run */
  int looked = 0, runs = 0;
  for (int32_t i = from; i < next->n_items; i++) {
    pl_wo_item *it = &next->items[i];
    if (it->warranty != PL_WARRANTY_NONE || !it->warranty_claim)
      continue;
    if (!looked) {
      pl_vehicle_info v;
      looked = 1;
      runs = pl_vehicle_get(e, next->chain, vin, &v, NULL) == 0 &&
             factory_runs(&v, day, km);
    }
    if (runs)
      it->warranty = PL_WARRANTY_FACTORY;
  }
  /* supplier claims for the parts a repair's warranty covers */
  for (int32_t i = from; claims != NULL && i < next->n_items; i++) {
    pl_wo_item *it = &next->items[i];
    if (it->warranty != PL_WARRANTY_REPAIR || it->kind != PL_ITEM_PART)
      continue;
    const pl_wo_item *src = find_item(wc, it->src_wo, it->src_item);
    assert(src != NULL);
    if (src != NULL && make_claims(wc, next, it, src, now_ms, claims) != 0)
      return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  return 0;
}

/* ---- the preview ---------------------------------------------------------
 */

int pl_wo_warranty_check(pl_engine *e, const pl_warranty_query *q,
                         pl_wo_item *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, q->chain, &c, &wc, err);
  const char *vin = q->vin != NULL ? q->vin : "";
  if (rc == 0)
    rc = pl__check_code(err, "store", q->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_vin(err, "vin", vin, PL_VIN_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, "mileage_km", q->mileage_km, 0, 10000000);
  if (rc == 0)
    rc = pl__check_range(err, "items", q->n_items, 0, PL_WO_MAX_ITEMS);
  pl_store_info si;
  if (rc == 0)
    rc = pl_store_get(e, q->chain, q->store, &si, err);
  pl_work_order *w = rc == 0 ? calloc(1, sizeof *w) : NULL;
  if (rc == 0 && w == NULL)
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc != 0)
    return rc;
  memcpy(w->chain, c->info.code, PL_CODE_MAX);
  memcpy(w->store, si.code, PL_CODE_MAX);
  snprintf(w->vehicle.vin, sizeof w->vehicle.vin, "%s", vin);
  w->vehicle.mileage_km = q->mileage_km;
  for (int32_t i = 0; rc == 0 && i < q->n_items; i++) {
    char field[32];
    snprintf(field, sizeof field, "items[%d]", i);
    rc = pl__wo_make_item(e, c, si.code, &q->items[i], i + 1, field,
                          &w->items[i], err);
  }
  w->n_items = q->n_items;
  if (rc == 0) {
    pthread_rwlock_rdlock(&wc->lock);
    rc = pl__warranty_decide(e, c, wc, w, 0, pl__chain_now_ms(e, c), NULL, err);
    pthread_rwlock_unlock(&wc->lock);
  }
  if (rc == 0)
    memcpy(out, w->items, (size_t)w->n_items * sizeof *out);
  free(w);
  return rc;
}
