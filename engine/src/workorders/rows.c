/* workorders/rows.c — a work order's stored row and event keys, and recovery of
 * orders, events and claims at open. Rows only ever gain fields at the
 * end (base/codec.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workorders/step.h"

#include "core/observe.h"

/* ---- rows ---------------------------------------------------------------- */

void pl__wo_key(pl__buf *k, const char *chain, int64_t id) {
  pl__key_prefix(k, chain, PL__K_WO);
  pl__buf_be64(k, (uint64_t)id);
}

void pl__wo_event_key(pl__buf *k, const char *chain, int64_t id, uint64_t seq) {
  pl__key_prefix(k, chain, PL__K_WO_EVENT);
  pl__buf_be64(k, (uint64_t)id);
  pl__buf_be64(k, seq);
}

void pl__wo_row(pl__buf *v, const pl_work_order *w, const char *idem) {
  pl__buf_uvar(v, PL__WO_ROW_VERSION);
  pl__buf_str(v, idem);
  pl__buf_str(v, w->store);
  pl__buf_svar(v, w->booking_id);
  pl__buf_uvar(v, (uint64_t)w->state);
  pl__buf_str(v, w->vehicle.plate);
  pl__buf_str(v, w->vehicle.vin);
  pl__buf_str(v, w->vehicle.model);
  pl__buf_svar(v, w->vehicle.mileage_km);
  pl__buf_uvar(v, (uint64_t)w->vehicle.n_photos);
  for (int32_t i = 0; i < w->vehicle.n_photos; i++)
    pl__buf_str(v, w->vehicle.photos[i]);
  pl__buf_str(v, w->complaint);
  pl__buf_str(v, w->advisor);
  pl__buf_str(v, w->insurer);
  pl__buf_str(v, w->claim_no);
  pl__buf_uvar(v, (uint64_t)w->n_techs);
  for (int32_t i = 0; i < w->n_techs; i++)
    pl__buf_str(v, w->techs[i]);
  pl__buf_uvar(v, (uint64_t)w->n_qc);
  for (int32_t i = 0; i < w->n_qc; i++) {
    pl__buf_uvar(v, (uint64_t)w->qc[i].passed);
    pl__buf_str(v, w->qc[i].inspector);
    pl__buf_str(v, w->qc[i].notes);
    pl__buf_svar(v, w->qc[i].at_ms);
  }
  pl__buf_svar(v, w->created_ms);
  pl__buf_svar(v, w->updated_ms);
  pl__buf_svar(v, w->delivered_ms);
  pl__buf_svar(v, w->warranty_days);
  pl__buf_svar(v, w->warranty_km);
  pl__buf_uvar(v, w->last_seq);
  pl__buf_uvar(v, (uint64_t)w->n_items);
  for (int32_t i = 0; i < w->n_items; i++) {
    const pl_wo_item *it = &w->items[i];
    pl__buf_svar(v, it->no);
    pl__buf_uvar(v, (uint64_t)it->kind);
    pl__buf_str(v, it->service);
    pl__buf_svar(v, it->labour_min);
    pl__buf_str(v, it->part_no);
    pl__buf_svar(v, it->qty);
    pl__buf_str(v, it->warehouse);
    pl__buf_svar(v, it->unit_price_fen);
    pl__buf_str(v, it->note);
    pl__buf_uvar(v, (uint64_t)it->state);
    pl__buf_uvar(v, (uint64_t)it->extra);
    pl__buf_svar(v, it->reserved);
    pl__buf_uvar(v, (uint64_t)it->n_lots);
    for (int32_t k = 0; k < it->n_lots; k++) {
      pl__buf_uvar(v, it->lots[k].lot);
      pl__buf_svar(v, it->lots[k].qty);
      pl__buf_svar(v, it->lots[k].unit_cost_fen);
    }
    pl__buf_str(v, it->done_by);
    pl__buf_str(v, it->idem);
  }
  /* appended: each item's warranty (rows before it read as none) */
  pl__buf_uvar(v, (uint64_t)w->n_items);
  for (int32_t i = 0; i < w->n_items; i++) {
    const pl_wo_item *it = &w->items[i];
    pl__buf_uvar(v, (uint64_t)it->warranty_claim);
    pl__buf_uvar(v, (uint64_t)it->warranty);
    pl__buf_svar(v, it->src_wo);
    pl__buf_svar(v, it->src_item);
    pl__buf_svar(v, it->warranty_days);
    pl__buf_svar(v, it->warranty_km);
    pl__buf_svar(v, it->warranty_from_day);
    pl__buf_svar(v, it->warranty_from_km);
    for (int32_t k = 0; k < it->n_lots; k++)
      pl__buf_str(v, it->lot_supplier[k]);
  }
  pl__buf_svar(v, w->started_ms); /* version 2 (after the warranty) */
}

/* Decodes a row into w (full size) and idem. */
int pl__wo_read(pl__rd *r, pl_work_order *w, char *idem) {
  uint64_t version = pl__rd_uvar(r);
  if (version != 1 && version != PL__WO_ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, idem, PL_IDEM_MAX);
  pl__rd_str(r, w->store, sizeof w->store);
  w->booking_id = pl__rd_svar(r);
  w->state = (pl_wo_state)pl__rd_uvar(r);
  pl__rd_str(r, w->vehicle.plate, sizeof w->vehicle.plate);
  pl__rd_str(r, w->vehicle.vin, sizeof w->vehicle.vin);
  pl__rd_str(r, w->vehicle.model, sizeof w->vehicle.model);
  w->vehicle.mileage_km = pl__rd_svar(r);
  uint64_t n = pl__rd_uvar(r);
  if (n > PL_WO_MAX_PHOTOS)
    return PL_ECORRUPT;
  w->vehicle.n_photos = (int32_t)n;
  for (uint64_t i = 0; i < n; i++)
    pl__rd_str(r, w->vehicle.photos[i], sizeof w->vehicle.photos[i]);
  pl__rd_str(r, w->complaint, sizeof w->complaint);
  pl__rd_str(r, w->advisor, sizeof w->advisor);
  pl__rd_str(r, w->insurer, sizeof w->insurer);
  pl__rd_str(r, w->claim_no, sizeof w->claim_no);
  n = pl__rd_uvar(r);
  if (n > PL_WO_MAX_TECHS)
    return PL_ECORRUPT;
  w->n_techs = (int32_t)n;
  for (uint64_t i = 0; i < n; i++)
    pl__rd_str(r, w->techs[i], sizeof w->techs[i]);
  n = pl__rd_uvar(r);
  if (n > PL_WO_MAX_QC)
    return PL_ECORRUPT;
  w->n_qc = (int32_t)n;
  for (uint64_t i = 0; i < n; i++) {
    w->qc[i].passed = (int32_t)pl__rd_uvar(r);
    pl__rd_str(r, w->qc[i].inspector, sizeof w->qc[i].inspector);
    pl__rd_str(r, w->qc[i].notes, sizeof w->qc[i].notes);
    w->qc[i].at_ms = pl__rd_svar(r);
  }
  w->created_ms = pl__rd_svar(r);
  w->updated_ms = pl__rd_svar(r);
  w->delivered_ms = pl__rd_svar(r);
  w->warranty_days = (int32_t)pl__rd_svar(r);
  w->warranty_km = pl__rd_svar(r);
  w->last_seq = pl__rd_uvar(r);
  n = pl__rd_uvar(r);
  if (n > PL_WO_MAX_ITEMS)
    return PL_ECORRUPT;
  w->n_items = (int32_t)n;
  for (uint64_t i = 0; i < n; i++) {
    pl_wo_item *it = &w->items[i];
    it->no = (int32_t)pl__rd_svar(r);
    it->kind = (pl_item_kind)pl__rd_uvar(r);
    pl__rd_str(r, it->service, sizeof it->service);
    it->labour_min = (int32_t)pl__rd_svar(r);
    pl__rd_str(r, it->part_no, sizeof it->part_no);
    it->qty = pl__rd_svar(r);
    pl__rd_str(r, it->warehouse, sizeof it->warehouse);
    it->unit_price_fen = pl__rd_svar(r);
    pl__rd_str(r, it->note, sizeof it->note);
    it->state = (pl_item_state)pl__rd_uvar(r);
    it->extra = (int32_t)pl__rd_uvar(r);
    it->reserved = pl__rd_svar(r);
    uint64_t nl = pl__rd_uvar(r);
    if (nl > PL_WO_LOTS)
      return PL_ECORRUPT;
    it->n_lots = (int32_t)nl;
    for (uint64_t k = 0; k < nl; k++) {
      it->lots[k].lot = pl__rd_uvar(r);
      it->lots[k].qty = pl__rd_svar(r);
      it->lots[k].unit_cost_fen = pl__rd_svar(r);
    }
    pl__rd_str(r, it->done_by, sizeof it->done_by);
    pl__rd_str(r, it->idem, sizeof it->idem);
    if (it->kind < PL_ITEM_LABOUR || it->kind > PL_ITEM_PART ||
        it->state < PL_ITEM_AWAITING_APPROVAL || it->state > PL_ITEM_CANCELLED)
      return PL_ECORRUPT;
  }
  n = pl__rd_uvar(r); /* the warranty section: 0 when absent */
  if (n != 0 && n != (uint64_t)w->n_items)
    return PL_ECORRUPT;
  for (uint64_t i = 0; i < n; i++) {
    pl_wo_item *it = &w->items[i];
    it->warranty_claim = (int32_t)pl__rd_uvar(r);
    it->warranty = (pl_warranty_kind)pl__rd_uvar(r);
    it->src_wo = pl__rd_svar(r);
    it->src_item = (int32_t)pl__rd_svar(r);
    it->warranty_days = (int32_t)pl__rd_svar(r);
    it->warranty_km = pl__rd_svar(r);
    it->warranty_from_day = (int32_t)pl__rd_svar(r);
    it->warranty_from_km = pl__rd_svar(r);
    for (int32_t k = 0; k < it->n_lots; k++)
      pl__rd_str(r, it->lot_supplier[k], sizeof it->lot_supplier[k]);
    if (it->warranty > PL_WARRANTY_FACTORY)
      return PL_ECORRUPT;
  }
  w->started_ms = version >= 2 ? pl__rd_svar(r) : 0;
  if (r->bad || w->state < PL_WO_PENDING || w->state > PL_WO_CANCELLED)
    return PL_ECORRUPT;
  return 0;
}

/* ---- recovery
 * ---------------------------------------------------------------- */

static int load_order(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                      const unsigned char *rest, size_t rl,
                      const unsigned char *val, size_t vl) {
  if (rl != 8)
    return PL_ECORRUPT;
  int64_t id = (int64_t)pl__be64_get(rest);
  if (id != wc->orders.n + 1) /* ids are dense and rows come in key order */
    return PL_ECORRUPT;
  pl_work_order *w = calloc(1, sizeof *w);
  pl__wo *o = calloc(1, sizeof *o);
  int rc = w == NULL || o == NULL ? PL_ENOMEM : 0;
  pl__rd r;
  pl__rd_init(&r, val, vl);
  if (rc == 0)
    rc = pl__wo_read(&r, w, o->idem);
  if (rc == 0 && (pl__vec_reserve(&wc->orders, 1) != 0 ||
                  pl__strmap_reserve(&wc->idem_ix, 1) != 0 ||
                  pl__wo_vin_reserve(wc, w->vehicle.vin) != 0))
    rc = PL_ENOMEM;
  if (rc == 0) {
    memcpy(w->chain, c->info.code, PL_CODE_MAX);
    w->id = id;
    o->cap_items = w->n_items > 0 ? w->n_items : 1;
    o->w = realloc(w, pl__wo_size(o->cap_items)); /* shrink to what it holds */
    if (o->w == NULL)
      o->w = w;
    pl__vec_push(&wc->orders, o);
    pl__wo_vin_add(wc, o->w->vehicle.vin, id);
    if (o->idem[0] != '\0')
      pl__strmap_put(&wc->idem_ix, o->idem, wc->orders.n - 1);
    if (o->w->booking_id > 0 &&
        pl__u64map_put(&wc->booking_ix, (uint64_t)o->w->booking_id,
                       (void *)(intptr_t)wc->orders.n) != 0)
      rc = PL_ENOMEM;
    pl__wo_load_apply(wc, o->w, +1);
    pl__observe_wo(c, o->w);
    if (rc == 0 && pl__wo_vin_reserve_delivered(wc, o->w) != 0)
      rc = PL_ENOMEM;
    if (rc == 0)
      pl__wo_vin_delivered(e, wc, o->w);
    return rc;
  }
  free(w);
  free(o);
  return rc;
}

static int load_event(pl__chain *c, pl__wo_chain *wc, const unsigned char *rest,
                      size_t rl, const unsigned char *val, size_t vl) {
  if (rl != 16)
    return PL_ECORRUPT;
  int64_t id = (int64_t)pl__be64_get(rest);
  pl__wo *o = pl__wo_find(wc, id);
  pl_wo_event ev = {0};
  if (o == NULL || pl__wo_event_decode(val, vl, &ev) != 0 ||
      ev.seq != pl__be64_get(rest + 8))
    return PL_ECORRUPT;
  memcpy(ev.chain, c->info.code, PL_CODE_MAX);
  ev.wo_id = id;
  memcpy(ev.store, o->w->store, PL_CODE_MAX);
  return pl__wo_log_append(o, &ev);
}

int pl__wo_load(pl_engine *e, unsigned kind, const char *chain,
                const unsigned char *rest, size_t rl, const unsigned char *val,
                size_t vl, pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  pl__wo_chain *wc = c != NULL ? pl__wo_of(c) : NULL;
  int rc = PL_ECORRUPT; /* an unknown chain or kind */
  if (c != NULL && wc == NULL)
    rc = PL_ENOMEM;
  else if (wc != NULL && kind == PL__K_WO)
    rc = load_order(e, c, wc, rest, rl, val, vl);
  else if (wc != NULL && kind == PL__K_WO_EVENT)
    rc = load_event(c, wc, rest, rl, val, vl);
  else if (wc != NULL && kind == PL__K_CLAIM)
    rc = pl__claim_load(c, wc, rest, rl, val, vl);
  else if (wc != NULL && kind == PL__K_SCLAIM)
    rc = pl__sclaim_load(c, wc, rest, rl, val, vl);
  if (rc == PL_ECORRUPT)
    return PL__FAIL(err, rc,
                    "recovery: chain '%s': bad work-order row (kind "
                    "0x%02x)",
                    chain, kind);
  return rc;
}
