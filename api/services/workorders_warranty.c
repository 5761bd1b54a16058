/* warranty_rpc.c — the warranty methods of pitlane.v1.WorkOrders:
 * CheckWarranty (a read-only preview of which items an order opened now
 * would have under warranty), ListSupplierClaims and DecideSupplierClaim
 * (pitlane/warranty.h). Protobuf <-> engine only. */
#include <stdlib.h>
#include <string.h>

#include "server/list_buf.h"
#include "server/methods.h"
#include "pitlane/v1/workorders.pb-c.h"
#include "pitlane/warranty.h"
#include "workorders_msg.h"

#define COPY(r, dst, src, field)                                               \
  (pl_rpc_copy((r), (dst), sizeof(dst), (src), (field)) == 0)

#define LIST_DEFAULT 100
#define LIST_MAX 1000

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
  Pitlane__V1__ListSupplierClaimsResponse resp;
  pitlane__v1__list_supplier_claims_response__init(&resp);
  resp.n_claims = (size_t)n;
  resp.claims = (Pitlane__V1__SupplierClaim **)b.ptrs;
  resp.next_after_id = n == cap ? cs[n - 1].id : 0;
  pl_rpc_reply(r, &resp.base);
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

#define WO(name, req, fn)                                                      \
  { "/pitlane.v1.WorkOrders/" name, &pitlane__v1__##req##__descriptor, fn }

const pl_method pl_warranty_methods[] = {
    WO("CheckWarranty", check_warranty_request, check_warranty),
    WO("ListSupplierClaims", list_supplier_claims_request, list_claims),
    WO("DecideSupplierClaim", decide_supplier_claim_request, decide_claim),
};
const int pl_warranty_n_methods =
    (int)(sizeof pl_warranty_methods / sizeof pl_warranty_methods[0]);
