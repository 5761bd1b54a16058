/* workorders.c — pitlane.v1.WorkOrders: protobuf <-> engine for work
 * orders, the repair report, the two server streams (WatchWorkOrder,
 * WatchStore) fed by the engine's durable events, and warranty (below). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/v1/workorders.pb-c.h"
#include "pitlane/warranty.h"
#include "pitlane/workorders.h"
#include "server/list_buf.h"
#include "server/methods.h"
#include "workorders_msg.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* ---- messages in ------------------------------------------------------- */

int wo_vehicle_in(pl_rpc *r, const Pitlane__V1__Vehicle *m, pl_vehicle *v) {
  memset(v, 0, sizeof *v);
  if (m == NULL)
    return 0;
  if (!COPY(r, v->plate, m->plate, "vehicle.plate") ||
      !COPY(r, v->vin, m->vin, "vehicle.vin") ||
      !COPY(r, v->model, m->model, "vehicle.model"))
    return -1;
  v->mileage_km = m->mileage_km;
  if (m->n_photos > PL_WO_MAX_PHOTOS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "vehicle.photos: at most %d references", PL_WO_MAX_PHOTOS);
    return -1;
  }
  v->n_photos = (int32_t)m->n_photos;
  for (size_t i = 0; i < m->n_photos; i++)
    if (!COPY(r, v->photos[i], m->photos[i], "vehicle.photos"))
      return -1;
  return 0;
}

int wo_item_in(pl_rpc *r, const Pitlane__V1__ItemInput *m, pl_wo_item_in *it) {
  memset(it, 0, sizeof *it);
  if (m == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "item: required");
    return -1;
  }
  it->kind = (pl_item_kind)m->kind;
  it->labour_min = m->labour_minutes;
  it->qty = m->qty;
  it->unit_price_fen = m->unit_price_fen;
  it->warranty_claim = m->warranty_claim != 0;
  if (!COPY(r, it->service, m->service, "item.service") ||
      !COPY(r, it->part_no, m->part_no, "item.part_no") ||
      !COPY(r, it->warehouse, m->warehouse, "item.warehouse") ||
      !COPY(r, it->note, m->note, "item.note"))
    return -1;
  return 0;
}

/* ---- messages out ----------------------------------------------------------
 */

typedef struct wo_msg {
  Pitlane__V1__WorkOrder m;
  Pitlane__V1__Vehicle v;
  char *photos[PL_WO_MAX_PHOTOS];
  char *techs[PL_WO_MAX_TECHS];
  Pitlane__V1__Item items[PL_WO_MAX_ITEMS];
  Pitlane__V1__Item *ip[PL_WO_MAX_ITEMS];
  Pitlane__V1__LotUse lots[PL_WO_MAX_ITEMS][PL_WO_LOTS];
  Pitlane__V1__LotUse *lp[PL_WO_MAX_ITEMS][PL_WO_LOTS];
  Pitlane__V1__QcRecord qc[PL_WO_MAX_QC];
  Pitlane__V1__QcRecord *qp[PL_WO_MAX_QC];
} wo_msg;

static void vehicle_out(Pitlane__V1__Vehicle *m, char **photos, pl_vehicle *v) {
  pitlane__v1__vehicle__init(m);
  m->plate = v->plate;
  m->vin = v->vin;
  m->model = v->model;
  m->mileage_km = v->mileage_km;
  for (int32_t i = 0; i < v->n_photos; i++)
    photos[i] = v->photos[i];
  m->n_photos = (size_t)v->n_photos;
  m->photos = photos;
}

static void lots_out(Pitlane__V1__LotUse *lm, Pitlane__V1__LotUse **lp,
                     const pl_lot_qty *lots, int n) {
  for (int k = 0; k < n; k++) {
    pitlane__v1__lot_use__init(&lm[k]);
    lm[k].lot = lots[k].lot;
    lm[k].qty = lots[k].qty;
    lm[k].unit_cost_fen = lots[k].unit_cost_fen;
    lp[k] = &lm[k];
  }
}

static void qc_out(Pitlane__V1__QcRecord *qm, Pitlane__V1__QcRecord **qp,
                   pl_qc_record *qc, int n) {
  for (int i = 0; i < n; i++) {
    pitlane__v1__qc_record__init(&qm[i]);
    qm[i].passed = qc[i].passed != 0;
    qm[i].inspector = qc[i].inspector;
    qm[i].notes = qc[i].notes;
    qm[i].at_ms = qc[i].at_ms;
    qp[i] = &qm[i];
  }
}

void wo_item_out(Pitlane__V1__Item *im, Pitlane__V1__LotUse *lots,
                 Pitlane__V1__LotUse **lp, pl_wo_item *it) {
  pitlane__v1__item__init(im);
  im->no = it->no;
  im->kind = (Pitlane__V1__ItemKind)it->kind;
  im->service = it->service;
  im->labour_minutes = it->labour_min;
  im->part_no = it->part_no;
  im->qty = it->qty;
  im->warehouse = it->warehouse;
  im->unit_price_fen = it->unit_price_fen;
  im->note = it->note;
  im->state = (Pitlane__V1__ItemState)it->state;
  im->extra = it->extra != 0;
  im->reserved = it->reserved;
  im->short_qty =
      it->kind == PL_ITEM_PART && (it->state == PL_ITEM_OPEN ||
                                   it->state == PL_ITEM_AWAITING_APPROVAL)
          ? it->qty - it->reserved
          : 0;
  lots_out(lots, lp, it->lots, it->n_lots);
  im->n_lots = (size_t)it->n_lots;
  im->lots = lp;
  im->done_by = it->done_by;
  im->warranty_claim = it->warranty_claim != 0;
  im->warranty = (Pitlane__V1__WarrantyCoverage)it->warranty;
  im->warranty_source_id = it->src_wo;
  im->warranty_source_item = it->src_item;
  im->customer_fen = pl_wo_item_customer_fen(it);
  im->warranty_days = it->warranty_days;
  im->warranty_km = it->warranty_km;
}

static void wo_out(wo_msg *wm, pl_work_order *w) {
  Pitlane__V1__WorkOrder *m = &wm->m;
  pitlane__v1__work_order__init(m);
  m->chain = w->chain;
  m->id = w->id;
  m->store = w->store;
  m->booking_id = w->booking_id;
  m->state = (Pitlane__V1__WorkOrderState)w->state;
  vehicle_out(&wm->v, wm->photos, &w->vehicle);
  m->vehicle = &wm->v;
  m->complaint = w->complaint;
  for (int32_t i = 0; i < w->n_items; i++) {
    wo_item_out(&wm->items[i], wm->lots[i], wm->lp[i], &w->items[i]);
    wm->ip[i] = &wm->items[i];
  }
  m->n_items = (size_t)w->n_items;
  m->items = wm->ip;
  for (int32_t i = 0; i < w->n_techs; i++)
    wm->techs[i] = w->techs[i];
  m->n_technicians = (size_t)w->n_techs;
  m->technicians = wm->techs;
  m->advisor = w->advisor;
  m->insurer = w->insurer;
  m->claim_no = w->claim_no;
  qc_out(wm->qc, wm->qp, w->qc, w->n_qc);
  m->n_qc = (size_t)w->n_qc;
  m->qc = wm->qp;
  m->created_ms = w->created_ms;
  m->updated_ms = w->updated_ms;
  m->last_seq = w->last_seq;
  pl_wo_totals(w, &m->labour_fen, &m->parts_fen);
  m->warranty_fen = pl_wo_warranty_fen(w);
}

static void reply_wo(pl_rpc *r, pl_work_order *w) {
  wo_msg *wm = malloc(sizeof *wm);
  if (wm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  wo_out(wm, w);
  pl_rpc_reply(r, &wm->m.base);
  free(wm);
}

/* The work order a call may see: an insurer's key only its own claims'
 * orders, as NOT_FOUND (nobody learns what exists). */
static int visible(pl_rpc *r, const pl_work_order *w) {
  const char *insurer = pl_rpc_insurer_scope(r);
  if (insurer == NULL || strcmp(insurer, w->insurer) == 0)
    return 1;
  pl_rpc_fail(r, GRPC_STATUS_NOT_FOUND, "id: no work order %lld",
              (long long)w->id);
  return 0;
}

/* Runs an engine call that fills a work order, and replies with it. */
static void reply_or_fail(pl_rpc *r, int rc, pl_work_order *w,
                          const pl_error *err) {
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, err);
  else
    reply_wo(r, w);
}

static pl_work_order *wo_alloc(pl_rpc *r) {
  pl_work_order *w = malloc(sizeof *w);
  if (w == NULL)
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "request: out of memory");
  return w;
}

/* Runs `call`, an engine call that fills the work order `w` or fails into
 * `err` (both declared here, for the call to name), and replies with its
 * outcome. */
#define WO_REPLY(r, call)                                                      \
  do {                                                                         \
    pl_work_order *w = wo_alloc(r);                                            \
    if (w == NULL)                                                             \
      break;                                                                   \
    pl_error err = {0};                                                        \
    reply_or_fail((r), (call), w, &err);                                       \
    free(w);                                                                   \
  } while (0)

/* ---- handlers
 * ---------------------------------------------------------------- */

static void create_wo(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateWorkOrderRequest *q = (const void *)msg;
  pl_wo_new *in = calloc(1, sizeof *in);
  pl_work_order *w = wo_alloc(r);
  if (in == NULL || w == NULL) {
    if (w != NULL)
      pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "request: out of memory");
    goto out;
  }
  if (!COPY(r, in->chain, q->chain, "chain") ||
      !COPY(r, in->store, q->store, "store") ||
      !COPY(r, in->complaint, q->complaint, "complaint") ||
      !COPY(r, in->advisor, q->advisor, "advisor") ||
      wo_vehicle_in(r, q->vehicle, &in->vehicle) != 0)
    goto out;
  if (q->n_items > PL_WO_MAX_ITEMS || q->n_technicians > PL_WO_MAX_TECHS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "items: at most %d; technicians: at most %d", PL_WO_MAX_ITEMS,
                PL_WO_MAX_TECHS);
    goto out;
  }
  for (size_t i = 0; i < q->n_items; i++)
    if (wo_item_in(r, q->items[i], &in->items[i]) != 0)
      goto out;
  in->n_items = (int32_t)q->n_items;
  for (size_t i = 0; i < q->n_technicians; i++)
    if (!COPY(r, in->techs[i], q->technicians[i], "technicians"))
      goto out;
  in->n_techs = (int32_t)q->n_technicians;
  in->booking_id = q->booking_id;
  in->assign = (pl_assign_mode)q->assign;
  pl_error err = {0};
  int rc = pl_wo_create(pl_rpc_engine(r), in, q->idempotency_key,
                        pl_rpc_write(r), w, &err);
  reply_or_fail(r, rc, w, &err);
out:
  free(in);
  free(w);
}

/* The work order this call may see (caller frees), or NULL with the
 * call failed: not found, another insurer's, out of memory. */
static pl_work_order *get_visible(pl_rpc *r, const char *chain, int64_t id) {
  pl_work_order *w = wo_alloc(r);
  if (w == NULL)
    return NULL;
  pl_error err = {0};
  int rc = pl_wo_get(pl_rpc_engine(r), chain, id, w, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  if (rc != 0 || !visible(r, w)) {
    free(w);
    return NULL;
  }
  return w;
}

static void get_wo(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__WorkOrderRef *q = (const void *)msg;
  pl_work_order *w = get_visible(r, q->chain, q->id);
  if (w != NULL)
    reply_wo(r, w);
  free(w);
}

static void list_wo(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListWorkOrdersRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  pl_list_buf b;
  if (cap < 0 ||
      pl_list_alloc(r, &b, cap, sizeof(pl_work_order), sizeof(wo_msg)) != 0)
    return;
  pl_work_order *ws = b.recs;
  wo_msg *wm = b.msgs;
  pl_wo_filter f = {.chain = q->chain,
                    .store = q->store,
                    .state = (pl_wo_state)q->state,
                    .plate = q->plate,
                    .insurer = pl_rpc_insurer_scope(r),
                    .after_id = q->after_id};
  pl_error err = {0};
  int n = pl_wo_list(pl_rpc_engine(r), &f, ws, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    wo_out(&wm[i], &ws[i]);
    b.ptrs[i] = &wm[i].m;
  }
  pl_list_reply_after(r, &pitlane__v1__list_work_orders_response__descriptor, n,
                      &b, n == cap ? ws[n - 1].id : 0);
out:
  pl_list_free(&b);
}

static void assign(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__AssignRequest *q = (const void *)msg;
  char techs[PL_WO_MAX_TECHS][PL_CODE_MAX];
  if (q->n_technicians > PL_WO_MAX_TECHS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "technicians: at most %d",
                PL_WO_MAX_TECHS);
    return;
  }
  for (size_t i = 0; i < q->n_technicians; i++)
    if (!COPY(r, techs[i], q->technicians[i], "technicians"))
      return;
  pl_assign_mode mode = (pl_assign_mode)q->mode;
  if (mode == 0)
    mode = q->n_technicians > 0 ? PL_ASSIGN_MANUAL : PL_ASSIGN_AUTO;
  pl_work_order *w = wo_alloc(r);
  if (w == NULL)
    return;
  pl_error err = {0};
  int rc =
      pl_wo_assign(pl_rpc_engine(r), q->chain, q->id, mode,
                   (const char(*)[PL_CODE_MAX])techs, (int)q->n_technicians,
                   q->actor, pl_rpc_write(r), w, &err);
  reply_or_fail(r, rc, w, &err);
  free(w);
}

typedef int (*transition_fn)(pl_engine *, const char *, int64_t, const char *,
                             const pl_write *, pl_work_order *, pl_error *);

static void transition(pl_rpc *r, const ProtobufCMessage *msg,
                       transition_fn fn) {
  const Pitlane__V1__TransitionRequest *q = (const void *)msg;
  pl_work_order *w = wo_alloc(r);
  if (w == NULL)
    return;
  pl_error err = {0};
  int rc =
      fn(pl_rpc_engine(r), q->chain, q->id, q->actor, pl_rpc_write(r), w, &err);
  reply_or_fail(r, rc, w, &err);
  free(w);
}

static void start_repair(pl_rpc *r, const ProtobufCMessage *msg) {
  transition(r, msg, pl_wo_start);
}
static void request_qc(pl_rpc *r, const ProtobufCMessage *msg) {
  transition(r, msg, pl_wo_request_qc);
}
static void reserve_short(pl_rpc *r, const ProtobufCMessage *msg) {
  transition(r, msg, pl_wo_reserve_short);
}

static void cancel(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__TransitionRequest *q = (const void *)msg;
  WO_REPLY(r, pl_wo_cancel(pl_rpc_engine(r), q->chain, q->id, q->actor, q->note,
                           pl_rpc_write(r), w, &err));
}

static void post_progress(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ProgressRequest *q = (const void *)msg;
  WO_REPLY(r, pl_wo_progress(pl_rpc_engine(r), q->chain, q->id, q->actor,
                             q->note, q->percent, pl_rpc_write(r), w, &err));
}

static void add_extra(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__AddExtraItemRequest *q = (const void *)msg;
  pl_wo_item_in it;
  if (wo_item_in(r, q->item, &it) != 0)
    return;
  WO_REPLY(r, pl_wo_add_extra(pl_rpc_engine(r), q->chain, q->id, &it, q->actor,
                              q->idempotency_key, pl_rpc_write(r), w, &err));
}

static void decide_extra(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DecideExtraItemRequest *q = (const void *)msg;
  WO_REPLY(r,
           pl_wo_decide_extra(pl_rpc_engine(r), q->chain, q->id, q->item_no,
                              q->approve, q->actor, pl_rpc_write(r), w, &err));
}

static void complete_item(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CompleteItemRequest *q = (const void *)msg;
  WO_REPLY(r, pl_wo_complete_item(pl_rpc_engine(r), q->chain, q->id, q->item_no,
                                  q->actor, pl_rpc_write(r), w, &err));
}

static void record_qc(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__QcRequest *q = (const void *)msg;
  WO_REPLY(r,
           pl_wo_record_qc(pl_rpc_engine(r), q->chain, q->id, q->passed,
                           q->inspector, q->notes, pl_rpc_write(r), w, &err));
}

/* ---- the repair report
 * --------------------------------------------------------- */

typedef struct report_msg {
  Pitlane__V1__RepairReport m;
  Pitlane__V1__Vehicle v;
  char *photos[PL_WO_MAX_PHOTOS];
  char *techs[PL_WO_MAX_TECHS];
  Pitlane__V1__ReportLine lines[PL_WO_MAX_ITEMS];
  Pitlane__V1__ReportLine *lp[PL_WO_MAX_ITEMS];
  Pitlane__V1__LotUse lots[PL_WO_MAX_ITEMS][PL_WO_LOTS];
  Pitlane__V1__LotUse *lotp[PL_WO_MAX_ITEMS][PL_WO_LOTS];
  char supplier[PL_WO_MAX_ITEMS][PL_CODE_MAX];
  Pitlane__V1__QcRecord qc[PL_WO_MAX_QC];
  Pitlane__V1__QcRecord *qp[PL_WO_MAX_QC];
} report_msg;

/* The supplier of a lot, from its receipt (the first movement). */
static void lot_supplier(pl_engine *e, const char *chain, uint64_t lot,
                         char *out) {
  pl_movement mv;
  pl_lot_trace sum;
  out[0] = '\0';
  if (pl_stock_trace_lot(e, chain, lot, &mv, 1, &sum, NULL) > 0)
    memcpy(out, mv.supplier, PL_CODE_MAX);
}

static void reply_report(pl_rpc *r, pl_work_order *w) {
  if (w->state != PL_WO_DELIVERED) {
    pl_rpc_fail(r, GRPC_STATUS_FAILED_PRECONDITION,
                "id: work order %lld is not delivered yet; the report is "
                "made at delivery",
                (long long)w->id);
    return;
  }
  report_msg *rm = calloc(1, sizeof *rm);
  if (rm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  Pitlane__V1__RepairReport *m = &rm->m;
  pitlane__v1__repair_report__init(m);
  m->chain = w->chain;
  m->work_order_id = w->id;
  m->store = w->store;
  vehicle_out(&rm->v, rm->photos, &w->vehicle);
  m->vehicle = &rm->v;
  size_t n = 0;
  for (int32_t i = 0; i < w->n_items; i++) {
    pl_wo_item *it = &w->items[i];
    if (it->state != PL_ITEM_DONE)
      continue;
    Pitlane__V1__ReportLine *l = &rm->lines[n];
    pitlane__v1__report_line__init(l);
    l->item_no = it->no;
    l->kind = (Pitlane__V1__ItemKind)it->kind;
    l->service = it->service;
    l->part_no = it->part_no;
    l->qty = it->qty;
    l->labour_minutes = it->labour_min;
    l->list_amount_fen = it->kind == PL_ITEM_PART ? it->unit_price_fen * it->qty
                                                  : it->unit_price_fen;
    l->amount_fen = pl_wo_item_customer_fen(it);
    l->warranty = (Pitlane__V1__WarrantyCoverage)it->warranty;
    l->warranty_source_id = it->src_wo;
    l->warranty_source_item = it->src_item;
    l->warranty_days = it->warranty_days;
    l->warranty_km = it->warranty_km;
    lots_out(rm->lots[n], rm->lotp[n], it->lots, it->n_lots);
    l->n_lots = (size_t)it->n_lots;
    l->lots = rm->lotp[n];
    if (it->n_lots > 0 && it->lot_supplier[0][0] != '\0')
      memcpy(rm->supplier[n], it->lot_supplier[0], PL_CODE_MAX);
    else if (it->n_lots > 0) /* issued before suppliers were recorded */
      lot_supplier(pl_rpc_engine(r), w->chain, it->lots[0].lot,
                   rm->supplier[n]);
    l->supplier = rm->supplier[n];
    rm->lp[n++] = l;
  }
  m->n_lines = n;
  m->lines = rm->lp;
  pl_wo_totals(w, &m->labour_fen, &m->parts_fen);
  m->total_fen = m->labour_fen + m->parts_fen;
  m->warranty_fen = pl_wo_warranty_fen(w);
  m->delivered_ms = w->delivered_ms;
  m->warranty_until_ms =
      w->delivered_ms + (int64_t)w->warranty_days * 24 * 3600 * 1000;
  m->warranty_until_km = w->vehicle.mileage_km + w->warranty_km;
  for (int32_t i = 0; i < w->n_techs; i++)
    rm->techs[i] = w->techs[i];
  m->n_technicians = (size_t)w->n_techs;
  m->technicians = rm->techs;
  qc_out(rm->qc, rm->qp, w->qc, w->n_qc);
  m->n_qc = (size_t)w->n_qc;
  m->qc = rm->qp;
  pl_rpc_reply(r, &m->base);
  free(rm);
}

static void deliver(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DeliverRequest *q = (const void *)msg;
  pl_work_order *w = wo_alloc(r);
  if (w == NULL)
    return;
  pl_error err = {0};
  int rc =
      pl_wo_deliver(pl_rpc_engine(r), q->chain, q->id, q->actor,
                    q->warranty_days, q->warranty_km, pl_rpc_write(r), w, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_report(r, w);
  free(w);
}

static void get_report(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__WorkOrderRef *q = (const void *)msg;
  pl_work_order *w = get_visible(r, q->chain, q->id);
  if (w != NULL)
    reply_report(r, w);
  free(w);
}

/* ---- streams
 * ------------------------------------------------------------------ */

typedef struct watch {
  pl_engine *e;
  pl_stream *s;
  pl_wo_watch *wt;
} watch;

static void event_out(void *arg, const pl_wo_event *ev) {
  watch *wa = arg;
  Pitlane__V1__WorkOrderEvent m;
  pitlane__v1__work_order_event__init(&m);
  m.chain = (char *)ev->chain;
  m.work_order_id = ev->wo_id;
  m.store = (char *)ev->store;
  m.seq = ev->seq;
  m.at_ms = ev->at_ms;
  m.kind = (Pitlane__V1__EventKind)ev->kind;
  m.state = (Pitlane__V1__WorkOrderState)ev->state;
  m.item_no = ev->item_no;
  m.actor = (char *)ev->actor;
  m.note = (char *)ev->note;
  m.percent = ev->percent;
  m.booking_id = ev->booking_id;
  m.booking_state = (Pitlane__V1__BookingState)ev->booking_state;
  m.booking_start_min = ev->booking_start;
  m.booking_end_min = ev->booking_end;
  pl_stream_send(wa->s, &m.base);
}

static void watch_closed(void *arg) {
  watch *wa = arg;
  pl_wo_unwatch(wa->e, wa->wt); /* no event_out runs after this */
  free(wa);
}

/* Opens the stream and registers the watch: the replay goes out through
 * the stream's queue before the first live event. */
static void open_watch(pl_rpc *r, const char *chain, int64_t id,
                       const char *store, uint64_t after, int64_t since) {
  watch *wa = calloc(1, sizeof *wa);
  if (wa == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "watch: out of memory");
    return;
  }
  wa->e = pl_rpc_engine(r);
  if (id > 0) { /* the order must exist and be visible before we stream */
    pl_work_order *w = get_visible(r, chain, id);
    int ok = w != NULL;
    free(w);
    if (!ok) {
      free(wa);
      return;
    }
  } else if (pl_rpc_insurer_scope(r) != NULL) {
    pl_rpc_fail(r, GRPC_STATUS_PERMISSION_DENIED,
                "store: an insurer's key watches its own work orders only");
    free(wa);
    return;
  }
  /* The engine checks the arguments before the stream opens: a watch on
   * nothing is an error status, not an empty stream. */
  pl_error err = {0};
  pl_store_info si;
  int rc = id > 0 ? 0 : pl_store_get(wa->e, chain, store, &si, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    free(wa);
    return;
  }
  wa->s = pl_rpc_stream(r, watch_closed, wa);
  if (wa->s == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "watch: out of memory");
    free(wa);
    return;
  }
  rc = id > 0 ? pl_wo_watch_order(wa->e, chain, id, after, event_out, wa,
                                  &wa->wt, &err)
              : pl_wo_watch_store(wa->e, chain, store, since, event_out, wa,
                                  &wa->wt, &err);
  if (rc != 0) /* the stream is open: end it with the engine's word */
    pl_stream_finish(wa->s, pl_status_for(rc), err.msg);
}

static void watch_order(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__WatchWorkOrderRequest *q = (const void *)msg;
  if (q->id <= 0) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "id: required (> 0)");
    return;
  }
  open_watch(r, q->chain, q->id, NULL, q->after_seq, 0);
}

static void watch_store(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__WatchStoreRequest *q = (const void *)msg;
  open_watch(r, q->chain, 0, q->store, 0, q->since_ms);
}

#define WO(name, req, fn) PL_METHOD("WorkOrders", name, req, fn)

const pl_method pl_workorders_methods[] = {
    WO("CreateWorkOrder", create_work_order_request, create_wo),
    WO("GetWorkOrder", work_order_ref, get_wo),
    WO("ListWorkOrders", list_work_orders_request, list_wo),
    WO("Assign", assign_request, assign),
    WO("StartRepair", transition_request, start_repair),
    WO("PostProgress", progress_request, post_progress),
    WO("AddExtraItem", add_extra_item_request, add_extra),
    WO("DecideExtraItem", decide_extra_item_request, decide_extra),
    WO("CompleteItem", complete_item_request, complete_item),
    WO("ReserveShortParts", transition_request, reserve_short),
    WO("RequestQc", transition_request, request_qc),
    WO("RecordQc", qc_request, record_qc),
    WO("Deliver", deliver_request, deliver),
    WO("Cancel", transition_request, cancel),
    WO("GetRepairReport", work_order_ref, get_report),
    WO("WatchWorkOrder", watch_work_order_request, watch_order),
    WO("WatchStore", watch_store_request, watch_store),
};
const int pl_workorders_n_methods = PL_N_METHODS(pl_workorders_methods);

/* ==== warranty ============================================================ */
/* The warranty methods of pitlane.v1.WorkOrders:
 * CheckWarranty (a read-only preview of which items an order opened now
 * would have under warranty), ListSupplierClaims and DecideSupplierClaim
 * (pitlane/warranty.h). Protobuf <-> engine only. */

/* ---- CheckWarranty -------------------------------------------------------
 */

typedef struct check_msg {
  pl_wo_item_in in[PL_WO_MAX_ITEMS];
  pl_wo_item items[PL_WO_MAX_ITEMS];
  Pitlane__V1__Item im[PL_WO_MAX_ITEMS];
  Pitlane__V1__Item *ip[PL_WO_MAX_ITEMS];
  Pitlane__V1__LotUse lots[PL_WO_MAX_ITEMS][PL_WO_LOTS];
  Pitlane__V1__LotUse *lp[PL_WO_MAX_ITEMS][PL_WO_LOTS];
} check_msg;

static void check_warranty(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CheckWarrantyRequest *q = (const void *)msg;
  if (q->n_items > PL_WO_MAX_ITEMS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "items: at most %d",
                PL_WO_MAX_ITEMS);
    return;
  }
  check_msg *cm = calloc(1, sizeof *cm);
  if (cm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "request: out of memory");
    return;
  }
  for (size_t i = 0; i < q->n_items; i++)
    if (wo_item_in(r, q->items[i], &cm->in[i]) != 0)
      goto out;
  pl_warranty_query wq = {.chain = q->chain,
                          .store = q->store,
                          .vin = q->vin,
                          .mileage_km = q->mileage_km,
                          .n_items = (int32_t)q->n_items,
                          .items = cm->in};
  pl_error err = {0};
  int rc = pl_wo_warranty_check(pl_rpc_engine(r), &wq, cm->items, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    goto out;
  }
  Pitlane__V1__CheckWarrantyResponse resp;
  pitlane__v1__check_warranty_response__init(&resp);
  for (size_t i = 0; i < q->n_items; i++) {
    pl_wo_item *it = &cm->items[i];
    wo_item_out(&cm->im[i], cm->lots[i], cm->lp[i], it);
    cm->ip[i] = &cm->im[i];
    int64_t list = it->kind == PL_ITEM_PART ? it->unit_price_fen * it->qty
                                            : it->unit_price_fen;
    resp.customer_fen += pl_wo_item_customer_fen(it);
    resp.warranty_fen += list - pl_wo_item_customer_fen(it);
  }
  resp.n_items = q->n_items;
  resp.items = cm->ip;
  pl_rpc_reply(r, &resp.base);
out:
  free(cm);
}

/* ---- supplier claims -----------------------------------------------------
 */

static void claim_out(Pitlane__V1__SupplierClaim *m, pl_supplier_claim *c) {
  pitlane__v1__supplier_claim__init(m);
  m->chain = c->chain;
  m->id = c->id;
  m->supplier = c->supplier;
  m->part_no = c->part_no;
  m->lot = c->lot;
  m->qty = c->qty;
  m->amount_fen = c->amount_fen;
  m->source_work_order_id = c->src_wo;
  m->source_item_no = c->src_item;
  m->work_order_id = c->wo_id;
  m->item_no = c->item_no;
  m->state = (Pitlane__V1__SupplierClaimState)c->state;
  m->decided_by = c->decided_by;
  m->note = c->note;
  m->created_ms = c->created_ms;
  m->decided_ms = c->decided_ms;
}

static void list_claims(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListSupplierClaimsRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  if (cap < 0)
    return;
  if (q->state < 0 ||
      q->state >
          PITLANE__V1__SUPPLIER_CLAIM_STATE__SUPPLIER_CLAIM_STATE_REJECTED) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "state: %d is not a supplier claim state", (int)q->state);
    return;
  }
  pl_list_buf b;
  if (pl_list_alloc(r, &b, cap, sizeof(pl_supplier_claim),
                    sizeof(Pitlane__V1__SupplierClaim)) != 0)
    return;
  pl_supplier_claim *cs = b.recs;
  Pitlane__V1__SupplierClaim *ms = b.msgs;
  pl_sclaim_filter f = {.chain = q->chain,
                        .supplier = q->supplier,
                        .state = (pl_sclaim_state)q->state,
                        .after_id = q->after_id};
  pl_error err = {0};
  int n = pl_sclaim_list(pl_rpc_engine(r), &f, cs, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    claim_out(&ms[i], &cs[i]);
    b.ptrs[i] = &ms[i];
  }
  pl_list_reply_after(r,
                      &pitlane__v1__list_supplier_claims_response__descriptor,
                      n, &b, n == cap ? cs[n - 1].id : 0);
out:
  pl_list_free(&b);
}

static void decide_claim(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DecideSupplierClaimRequest *q = (const void *)msg;
  if (q->state !=
          PITLANE__V1__SUPPLIER_CLAIM_STATE__SUPPLIER_CLAIM_STATE_ACCEPTED &&
      q->state !=
          PITLANE__V1__SUPPLIER_CLAIM_STATE__SUPPLIER_CLAIM_STATE_REJECTED) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "state: %d is not ACCEPTED (2) or REJECTED (3)", (int)q->state);
    return;
  }
  pl_supplier_claim c;
  pl_error err = {0};
  int rc = pl_sclaim_decide(pl_rpc_engine(r), q->chain, q->id,
                            (pl_sclaim_state)q->state, q->actor, q->note,
                            pl_rpc_write(r), &c, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__SupplierClaim m;
  claim_out(&m, &c);
  pl_rpc_reply(r, &m.base);
}

const pl_method pl_warranty_methods[] = {
    WO("CheckWarranty", check_warranty_request, check_warranty),
    WO("ListSupplierClaims", list_supplier_claims_request, list_claims),
    WO("DecideSupplierClaim", decide_supplier_claim_request, decide_claim),
};
const int pl_warranty_n_methods = PL_N_METHODS(pl_warranty_methods);
