/* transfers.c — pitlane.v1.Transfers: lanes and quotes. protobuf <->
 * engine only. */
#include <stdlib.h>
#include <string.h>

#include "pitlane/transfers.h"
#include "pitlane/v1/transfers.pb-c.h"
#include "server/list_buf.h"
#include "server/methods.h"

static void lane_msg(Pitlane__V1__Lane *m, pl_lane_info *l) {
  pitlane__v1__lane__init(m);
  m->chain = l->chain;
  m->from = l->from;
  m->to = l->to;
  m->fixed_fen = l->fixed_fen;
  m->unit_fen = l->unit_fen;
  m->lead_min = l->lead_min;
  m->capacity = l->capacity;
}

static void set_lane(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetLaneRequest *q = (const void *)msg;
  const Pitlane__V1__Lane *l = q->lane;
  if (l == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "lane: required");
    return;
  }
  pl_lane_info in = {0};
  if (!COPY(r, in.chain, l->chain, "lane.chain") ||
      !COPY(r, in.from, l->from, "lane.from") ||
      !COPY(r, in.to, l->to, "lane.to"))
    return;
  in.fixed_fen = l->fixed_fen;
  in.unit_fen = l->unit_fen;
  in.lead_min = l->lead_min;
  in.capacity = l->capacity;
  pl_error err;
  int rc = pl_lane_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Lane m;
  lane_msg(&m, &in);
  pl_rpc_reply(r, &m.base);
}

static void delete_lane(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DeleteLaneRequest *q = (const void *)msg;
  pl_error err;
  int rc = pl_lane_delete(pl_rpc_engine(r), q->chain, q->from, q->to,
                          pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__DeleteLaneResponse m;
  pitlane__v1__delete_lane_response__init(&m);
  pl_rpc_reply(r, &m.base);
}

static int lanes_fill(pl_engine *e, const void *q, void *recs, int cap,
                      pl_error *err) {
  const Pitlane__V1__ListLanesRequest *rq = q;
  return pl_lane_list(e, rq->chain, recs, cap, err);
}

static void lanes_item(void *m, void *rec) {
  lane_msg(m, rec);
}

static void list_lanes(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      lanes_fill, lanes_item, sizeof(pl_lane_info), sizeof(Pitlane__V1__Lane),
      &pitlane__v1__list_lanes_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

/* Message storage for one plan's legs and paths. */
typedef struct plan_msgs {
  Pitlane__V1__TransferPlan m;
  Pitlane__V1__PlanLeg legs[PL_PLAN_MAX_SOURCES];
  Pitlane__V1__PlanLeg *legp[PL_PLAN_MAX_SOURCES];
  char *path[PL_PLAN_MAX_SOURCES][PL_ROUTE_MAX_HOPS + 1];
} plan_msgs;

static void quote_transfer(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__QuoteTransferRequest *q = (const void *)msg;
  int cap = q->max_plans > 0 ? q->max_plans : 5;
  if (cap > 64) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "max_plans: at most 64");
    return;
  }
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, cap, sizeof(pl_transfer_plan), sizeof(plan_msgs)) !=
      0)
    return;
  pl_transfer_plan *plans = lb.recs;
  plan_msgs *pm = lb.msgs;
  Pitlane__V1__TransferPlan **pp = (Pitlane__V1__TransferPlan **)lb.ptrs;
  pl_error err;
  int n = pl_quote_transfer(pl_rpc_engine(r), q->chain, q->part_no, q->qty,
                            q->destination, q->need_by_ms, plans, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    goto out;
  }
  n = n < cap ? n : cap;
  for (int i = 0; i < n; i++) {
    pl_transfer_plan *p = &plans[i];
    plan_msgs *o = &pm[i];
    pitlane__v1__transfer_plan__init(&o->m);
    for (int k = 0; k < p->n_legs; k++) {
      pl_plan_leg *l = &p->legs[k];
      Pitlane__V1__PlanLeg *lm = &o->legs[k];
      pitlane__v1__plan_leg__init(lm);
      lm->source = l->source;
      lm->qty = l->qty;
      for (int h = 0; h <= l->n_hops; h++)
        o->path[k][h] = l->path[h];
      lm->n_path = (size_t)l->n_hops + 1;
      lm->path = o->path[k];
      lm->cost_fen = l->cost_fen;
      lm->lead_min = l->lead_min;
      o->legp[k] = lm;
    }
    o->m.n_legs = (size_t)p->n_legs;
    o->m.legs = o->legp;
    o->m.qty = p->qty;
    o->m.cost_fen = p->cost_fen;
    o->m.arrival_ms = p->arrival_ms;
    o->m.late = p->late;
    o->m.split = p->split;
    pp[i] = &o->m;
  }
  Pitlane__V1__QuoteTransferResponse m;
  pitlane__v1__quote_transfer_response__init(&m);
  m.n_plans = (size_t)n;
  m.plans = pp;
  pl_rpc_reply(r, &m.base);
out:
  pl_list_free(&lb);
}

#define REBALANCE_MAX 4096

static void plan_rebalance(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__PlanRebalanceRequest *q = (const void *)msg;
  pl_list_buf moves, gaps;
  if (pl_list_alloc(r, &moves, REBALANCE_MAX, sizeof(pl_rebalance_move),
                    sizeof(Pitlane__V1__RebalanceMove)) != 0)
    return;
  if (pl_list_alloc(r, &gaps, REBALANCE_MAX, sizeof(pl_rebalance_gap),
                    sizeof(Pitlane__V1__RebalanceGap)) != 0) {
    pl_list_free(&moves);
    return;
  }
  pl_rebalance_move *mv = moves.recs;
  Pitlane__V1__RebalanceMove *mm = moves.msgs;
  Pitlane__V1__RebalanceMove **mp = (Pitlane__V1__RebalanceMove **)moves.ptrs;
  pl_rebalance_gap *gp = gaps.recs;
  Pitlane__V1__RebalanceGap *gm = gaps.msgs;
  Pitlane__V1__RebalanceGap **gpp = (Pitlane__V1__RebalanceGap **)gaps.ptrs;
  pl_rebalance_result res;
  pl_error err;
  int rc = pl_plan_rebalance(pl_rpc_engine(r), q->chain, q->part_no, mv,
                             REBALANCE_MAX, gp, REBALANCE_MAX, &res, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    goto out;
  }
  int nm = res.n_moves < REBALANCE_MAX ? res.n_moves : REBALANCE_MAX;
  int ng = res.n_gaps < REBALANCE_MAX ? res.n_gaps : REBALANCE_MAX;
  for (int i = 0; i < nm; i++) {
    pitlane__v1__rebalance_move__init(&mm[i]);
    mm[i].part_no = mv[i].part_no;
    mm[i].from = mv[i].from;
    mm[i].to = mv[i].to;
    mm[i].qty = mv[i].qty;
    mm[i].cost_fen = mv[i].cost_fen;
    mm[i].lead_min = mv[i].lead_min;
    mp[i] = &mm[i];
  }
  for (int i = 0; i < ng; i++) {
    pitlane__v1__rebalance_gap__init(&gm[i]);
    gm[i].part_no = gp[i].part_no;
    gm[i].warehouse = gp[i].warehouse;
    gm[i].short_qty = gp[i].short_qty;
    gm[i].reason = (Pitlane__V1__GapReason)gp[i].reason;
    gpp[i] = &gm[i];
  }
  Pitlane__V1__PlanRebalanceResponse m;
  pitlane__v1__plan_rebalance_response__init(&m);
  m.unit_cost_fen = res.unit_cost_fen;
  m.cost_fen = res.cost_fen;
  m.shortage = res.shortage;
  m.covered = res.covered;
  m.parts = res.parts;
  m.n_moves = (size_t)nm;
  m.moves = mp;
  m.n_gaps = (size_t)ng;
  m.gaps = gpp;
  m.truncated = nm < res.n_moves || ng < res.n_gaps;
  pl_rpc_reply(r, &m.base);
out:
  pl_list_free(&moves);
  pl_list_free(&gaps);
}

/* ---- transfer orders ---------------------------------------------------- */

typedef struct transfer_msg {
  Pitlane__V1__Transfer m;
  char *path[PL_ROUTE_MAX_HOPS + 1];
  Pitlane__V1__ShippedLot lots[PL_MOVE_MAX_LOTS];
  Pitlane__V1__ShippedLot *lotp[PL_MOVE_MAX_LOTS];
} transfer_msg;

static void transfer_out(transfer_msg *tm, pl_transfer_info *t) {
  Pitlane__V1__Transfer *m = &tm->m;
  pitlane__v1__transfer__init(m);
  m->chain = t->chain;
  m->id = t->id;
  m->part_no = t->part_no;
  m->qty = t->qty;
  m->from = t->from;
  m->to = t->to;
  for (int h = 0; h <= t->n_hops; h++)
    tm->path[h] = t->path[h];
  m->n_path = (size_t)t->n_hops + 1;
  m->path = tm->path;
  m->cost_fen = t->cost_fen;
  m->lead_min = t->lead_min;
  m->state = (Pitlane__V1__TransferState)t->state;
  m->actor = t->actor;
  m->created_ms = t->created_ms;
  m->shipped_ms = t->shipped_ms;
  m->received_ms = t->received_ms;
  for (int i = 0; i < t->n_lots; i++) {
    pitlane__v1__shipped_lot__init(&tm->lots[i]);
    tm->lots[i].lot = t->lots[i].lot;
    tm->lots[i].qty = t->lots[i].qty;
    tm->lots[i].unit_cost_fen = t->lots[i].unit_cost_fen;
    tm->lotp[i] = &tm->lots[i];
  }
  m->n_lots = (size_t)t->n_lots;
  m->lots = tm->lotp;
}

static void reply_transfer(pl_rpc *r, pl_transfer_info *t) {
  transfer_msg *tm = malloc(sizeof *tm);
  if (tm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  transfer_out(tm, t);
  pl_rpc_reply(r, &tm->m.base);
  free(tm);
}

static void create_transfer(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateTransferRequest *q = (const void *)msg;
  pl_transfer_info in = {0}, out;
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.part_no, q->part_no, "part_no") ||
      !COPY(r, in.from, q->from, "from") || !COPY(r, in.to, q->to, "to") ||
      !COPY(r, in.actor, q->actor, "actor"))
    return;
  in.qty = q->qty;
  pl_error err;
  const char *idem = q->idempotency_key[0] ? q->idempotency_key : NULL;
  int rc = pl_transfer_create(pl_rpc_engine(r), &in, idem, pl_rpc_write(r),
                              &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_transfer(r, &out);
}

typedef int (*transfer_step)(pl_engine *, const char *, int64_t, const char *,
                             const pl_write *, pl_transfer_info *, pl_error *);

static void step(pl_rpc *r, const ProtobufCMessage *msg, transfer_step fn) {
  const Pitlane__V1__TransferRef *q = (const void *)msg;
  pl_transfer_info out;
  pl_error err;
  int rc = fn(pl_rpc_engine(r), q->chain, q->transfer_id, q->actor,
              pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_transfer(r, &out);
}

static void ship(pl_rpc *r, const ProtobufCMessage *m) {
  step(r, m, pl_transfer_ship);
}
static void receive(pl_rpc *r, const ProtobufCMessage *m) {
  step(r, m, pl_transfer_receive);
}
static void cancel(pl_rpc *r, const ProtobufCMessage *m) {
  step(r, m, pl_transfer_cancel);
}

static void get_transfer(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__TransferRef *q = (const void *)msg;
  pl_transfer_info out;
  pl_error err;
  int rc =
      pl_transfer_get(pl_rpc_engine(r), q->chain, q->transfer_id, &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_transfer(r, &out);
}

static int transfers_fill(pl_engine *e, const void *q, void *recs, int cap,
                          pl_error *err) {
  const Pitlane__V1__ListTransfersRequest *rq = q;
  return pl_transfer_list(e, rq->chain, recs, cap, err);
}

static void transfers_item(void *m, void *rec) {
  transfer_out(m, rec);
}

static void list_transfers(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      transfers_fill, transfers_item, sizeof(pl_transfer_info),
      sizeof(transfer_msg), &pitlane__v1__list_transfers_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

#define XFER(name, req, fn) PL_METHOD("Transfers", name, req, fn)

const pl_method pl_transfers_methods[] = {
    XFER("SetLane", set_lane_request, set_lane),
    XFER("DeleteLane", delete_lane_request, delete_lane),
    XFER("ListLanes", list_lanes_request, list_lanes),
    XFER("QuoteTransfer", quote_transfer_request, quote_transfer),
    XFER("PlanRebalance", plan_rebalance_request, plan_rebalance),
    XFER("CreateTransfer", create_transfer_request, create_transfer),
    XFER("Ship", transfer_ref, ship),
    XFER("Receive", transfer_ref, receive),
    XFER("Cancel", transfer_ref, cancel),
    XFER("GetTransfer", transfer_ref, get_transfer),
    XFER("ListTransfers", list_transfers_request, list_transfers),
};
const int pl_transfers_n_methods = PL_N_METHODS(pl_transfers_methods);
