/* inventory.c — pitlane.v1.Inventory: protobuf <-> engine for stock,
 * movements, suppliers, stocktakes and reports. No rule lives here: the
 * engine validates; this file copies fields (failing with the field's
 * name when one cannot fit) and maps results. Mutations pass
 * pl_rpc_write(r), so their reply goes out once the change is durable;
 * CloseStocktake (several movements) blocks its worker until durable.
 * Reply messages point into engine output structs that outlive the
 * packing in pl_rpc_reply. */
#include <stdlib.h>
#include <string.h>

#include "pitlane/inventory.h"
#include "pitlane/v1/inventory.pb-c.h"
#include "server/list_buf.h"
#include "server/methods.h"

#define LIST_MAX 500

static const char *idem_or_null(const char *k) {
  return k != NULL && k[0] != '\0' ? k : NULL;
}

static void *alloc_or_fail(pl_rpc *r, size_t n, size_t size) {
  void *p = calloc(n > 0 ? n : 1, size);
  if (p == NULL)
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
  return p;
}

/* ---- engine struct -> message ---------------------------------------------
 */

/* lq/lqp: caller storage for PL_MOVE_MAX_LOTS lots. */
static void movement_msg(Pitlane__V1__Movement *m, pl_movement *v,
                         Pitlane__V1__LotQty *lq, Pitlane__V1__LotQty **lqp) {
  pitlane__v1__movement__init(m);
  m->seq = v->seq;
  m->at_ms = v->at_ms;
  m->kind = (Pitlane__V1__MovementKind)v->kind;
  m->chain = v->chain;
  m->warehouse = v->warehouse;
  m->part_no = v->part_no;
  m->qty = v->qty;
  m->reserved_delta = v->reserved_delta;
  m->work_order = v->work_order;
  m->actor = v->actor;
  m->reason = v->reason;
  m->supplier = v->supplier;
  m->bin = v->bin;
  m->on_hand_after = v->on_hand_after;
  m->reserved_after = v->reserved_after;
  for (int32_t i = 0; i < v->n_lots; i++) {
    pitlane__v1__lot_qty__init(&lq[i]);
    lq[i].lot = v->lots[i].lot;
    lq[i].qty = v->lots[i].qty;
    lq[i].unit_cost_fen = v->lots[i].unit_cost_fen;
    lqp[i] = &lq[i];
  }
  m->n_lots = (size_t)v->n_lots;
  m->lots = lqp;
}

/* One listed movement's message and the lots it points into. */
typedef struct move_holder {
  Pitlane__V1__Movement m;
  Pitlane__V1__LotQty lq[PL_MOVE_MAX_LOTS];
  Pitlane__V1__LotQty *lqp[PL_MOVE_MAX_LOTS];
} move_holder;

/* Room for cap movements (records in lb->recs, move_holder messages);
 * 0, or -1 after failing the call. */
static int movements_alloc(pl_rpc *r, pl_list_buf *lb, int cap) {
  return pl_list_alloc(r, lb, cap, sizeof(pl_movement), sizeof(move_holder));
}

/* Fills lb's messages and reply pointers from its first n movements;
 * returns the reply's repeated field. */
static Pitlane__V1__Movement **movements_msgs(pl_list_buf *lb, int n) {
  pl_movement *mv = lb->recs;
  move_holder *h = lb->msgs;
  for (int i = 0; i < n; i++) {
    movement_msg(&h[i].m, &mv[i], h[i].lq, h[i].lqp);
    lb->ptrs[i] = &h[i].m;
  }
  return (Pitlane__V1__Movement **)lb->ptrs;
}

/* ---- movements -------------------------------------------------------------
 */

typedef int (*move_fn)(pl_engine *e, const pl_move_req *in, const char *idem,
                       const pl_write *w, pl_movement *out, pl_error *err);

static int return_to_stock(pl_engine *e, const pl_move_req *in,
                           const char *idem, const pl_write *w,
                           pl_movement *out, pl_error *err) {
  return pl_stock_return(e, in, 0, idem, w, out, err);
}

static int return_to_supplier(pl_engine *e, const pl_move_req *in,
                              const char *idem, const pl_write *w,
                              pl_movement *out, pl_error *err) {
  return pl_stock_return(e, in, 1, idem, w, out, err);
}

static void do_move(pl_rpc *r, const ProtobufCMessage *msg, move_fn fn) {
  const Pitlane__V1__MoveRequest *q = (const void *)msg;
  pl_move_req in = {0};
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.warehouse, q->warehouse, "warehouse") ||
      !COPY(r, in.part_no, q->part_no, "part_no") ||
      !COPY(r, in.work_order, q->work_order, "work_order") ||
      !COPY(r, in.actor, q->actor, "actor") ||
      !COPY(r, in.reason, q->reason, "reason") ||
      !COPY(r, in.supplier, q->supplier, "supplier") ||
      !COPY(r, in.bin, q->bin, "bin"))
    return;
  in.qty = q->qty;
  in.lot = q->lot;
  in.unit_cost_fen = q->unit_cost_fen;
  if (fn == return_to_stock && q->to_supplier)
    fn = return_to_supplier;
  pl_movement out;
  pl_error err;
  int rc = fn(pl_rpc_engine(r), &in, idem_or_null(q->idempotency_key),
              pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Movement m;
  Pitlane__V1__LotQty lq[PL_MOVE_MAX_LOTS];
  Pitlane__V1__LotQty *lqp[PL_MOVE_MAX_LOTS];
  movement_msg(&m, &out, lq, lqp);
  pl_rpc_reply(r, &m.base);
}

static void receive(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, pl_stock_receive);
}
static void reserve(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, pl_stock_reserve);
}
static void release(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, pl_stock_release);
}
static void issue(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, pl_stock_issue);
}
static void return_(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, return_to_stock);
}
static void adjust(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, pl_stock_adjust);
}
static void sell(pl_rpc *r, const ProtobufCMessage *m) {
  do_move(r, m, pl_stock_sell);
}

/* ---- stock ------------------------------------------------------------------
 */

static void level_msg(Pitlane__V1__StockLevel *m, pl_stock_info *s) {
  pitlane__v1__stock_level__init(m);
  m->chain = s->chain;
  m->warehouse = s->warehouse;
  m->part_no = s->part_no;
  m->on_hand = s->on_hand;
  m->reserved = s->reserved;
  m->available = s->available;
  m->in_transit = s->in_transit;
  m->min_qty = s->min_qty;
  m->max_qty = s->max_qty;
}

static void lot_msg(Pitlane__V1__Lot *m, pl_lot_info *l) {
  pitlane__v1__lot__init(m);
  m->lot = l->lot;
  m->received_ms = l->received_ms;
  m->supplier = l->supplier;
  m->unit_cost_fen = l->unit_cost_fen;
  m->bin = l->bin;
  m->qty_received = l->qty_received;
  m->qty_left = l->qty_left;
}

static void get_one(pl_rpc *r, const Pitlane__V1__GetStockRequest *q) {
  pl_engine *e = pl_rpc_engine(r);
  pl_stock_info s;
  pl_error err;
  int rc = pl_stock_get(e, q->chain, q->warehouse, q->part_no, &s, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__StockLevel row;
  level_msg(&row, &s);
  pl_list_buf lb = {0};
  if (q->include_lots && s.n_lots > 0) {
    int n = s.n_lots + 8; /* room for lots received meanwhile */
    if (pl_list_alloc(r, &lb, n, sizeof(pl_lot_info),
                      sizeof(Pitlane__V1__Lot)) != 0)
      return;
    pl_lot_info *lots = lb.recs;
    Pitlane__V1__Lot *lm = lb.msgs;
    int got =
        pl_stock_lots(e, q->chain, q->warehouse, q->part_no, lots, n, &err);
    got = got < n ? got : n;
    for (int i = 0; i < got; i++) {
      lot_msg(&lm[i], &lots[i]);
      lb.ptrs[i] = &lm[i];
    }
    row.n_lots = got > 0 ? (size_t)got : 0;
    row.lots = (Pitlane__V1__Lot **)lb.ptrs;
  }
  Pitlane__V1__StockLevel *rows[1] = {&row};
  Pitlane__V1__StockLevel total;
  level_msg(&total, &s);
  Pitlane__V1__GetStockResponse m;
  pitlane__v1__get_stock_response__init(&m);
  m.n_rows = 1;
  m.rows = rows;
  m.total = &total;
  pl_rpc_reply(r, &m.base);
  pl_list_free(&lb);
}

static void get_chain(pl_rpc *r, const Pitlane__V1__GetStockRequest *q) {
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  pl_stock_row total;
  int n = pl_stock_get_chain(e, q->chain, q->part_no, NULL, 0, &total, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  int cap = n + 16;
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, cap, sizeof(pl_stock_row),
                    sizeof(Pitlane__V1__StockLevel)) != 0)
    return;
  pl_stock_row *rows = lb.recs;
  Pitlane__V1__StockLevel *ms = lb.msgs;
  Pitlane__V1__StockLevel **mp = (Pitlane__V1__StockLevel **)lb.ptrs;
  n = pl_stock_get_chain(e, q->chain, q->part_no, rows, cap, &total, &err);
  n = n < cap ? n : cap;
  for (int i = 0; i < n; i++) {
    pitlane__v1__stock_level__init(&ms[i]);
    ms[i].chain = q->chain;
    ms[i].warehouse = rows[i].warehouse;
    ms[i].part_no = q->part_no;
    ms[i].on_hand = rows[i].on_hand;
    ms[i].reserved = rows[i].reserved;
    ms[i].available = rows[i].available;
    ms[i].in_transit = rows[i].in_transit;
    mp[i] = &ms[i];
  }
  Pitlane__V1__StockLevel tm;
  pitlane__v1__stock_level__init(&tm);
  tm.chain = q->chain;
  tm.part_no = q->part_no;
  tm.on_hand = total.on_hand;
  tm.reserved = total.reserved;
  tm.available = total.available;
  tm.in_transit = total.in_transit;
  Pitlane__V1__GetStockResponse m;
  pitlane__v1__get_stock_response__init(&m);
  m.n_rows = n > 0 ? (size_t)n : 0;
  m.rows = mp;
  m.total = &tm;
  pl_rpc_reply(r, &m.base);
  pl_list_free(&lb);
}

static void get_stock(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetStockRequest *q = (const void *)msg;
  if (q->warehouse[0] != '\0')
    get_one(r, q);
  else
    get_chain(r, q);
}

static void set_levels(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetStockLevelsRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int rc = pl_stock_set_levels(e, q->chain, q->warehouse, q->part_no,
                               q->min_qty, q->max_qty, pl_rpc_write(r), &err);
  pl_stock_info s;
  if (rc == 0)
    rc = pl_stock_get(e, q->chain, q->warehouse, q->part_no, &s, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__StockLevel m;
  level_msg(&m, &s);
  pl_rpc_reply(r, &m.base);
}

/* ---- history
 * ------------------------------------------------------------------ */

static void list_movements(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListMovementsRequest *q = (const void *)msg;
  if (q->limit < 0 || q->limit > LIST_MAX) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "limit: %d not in [0, %d]",
                q->limit, LIST_MAX);
    return;
  }
  pl_movement_filter f = {0};
  if (!COPY(r, f.chain, q->chain, "chain") ||
      !COPY(r, f.warehouse, q->warehouse, "warehouse") ||
      !COPY(r, f.part_no, q->part_no, "part_no") ||
      !COPY(r, f.work_order, q->work_order, "work_order"))
    return;
  f.from_ms = q->from_ms;
  f.to_ms = q->to_ms;
  f.after_seq = q->cursor;
  int cap = q->limit > 0 ? q->limit : 100;
  pl_list_buf lb;
  if (movements_alloc(r, &lb, cap) != 0)
    return;
  pl_error err;
  uint64_t next = 0;
  int n = pl_movement_list(pl_rpc_engine(r), &f, lb.recs, cap, &next, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    Pitlane__V1__ListMovementsResponse m;
    pitlane__v1__list_movements_response__init(&m);
    m.n_movements = (size_t)n;
    m.movements = movements_msgs(&lb, n);
    m.next_cursor = next;
    pl_rpc_reply(r, &m.base);
  }
  pl_list_free(&lb);
}

static void trace_lot(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__TraceLotRequest *q = (const void *)msg;
  pl_list_buf lb;
  if (movements_alloc(r, &lb, LIST_MAX) != 0)
    return;
  pl_error err;
  pl_lot_trace sum;
  int n = pl_stock_trace_lot(pl_rpc_engine(r), q->chain, q->lot, lb.recs,
                             LIST_MAX, &sum, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    n = n < LIST_MAX ? n : LIST_MAX;
    Pitlane__V1__TraceLotResponse m;
    pitlane__v1__trace_lot_response__init(&m);
    m.lot = sum.lot;
    m.warehouse = sum.warehouse;
    m.part_no = sum.part_no;
    m.received = sum.received;
    m.in_total = sum.in_total;
    m.out_total = sum.out_total;
    m.remaining = sum.remaining;
    m.n_movements = (size_t)n;
    m.movements = movements_msgs(&lb, n);
    pl_rpc_reply(r, &m.base);
  }
  pl_list_free(&lb);
}

/* ---- suppliers
 * ------------------------------------------------------------------ */

static void supplier_msg(Pitlane__V1__Supplier *m, pl_supplier_info *s) {
  pitlane__v1__supplier__init(m);
  m->chain = s->chain;
  m->code = s->code;
  m->name = s->name;
  m->quality = s->quality;
}

static void quote_msg(Pitlane__V1__Quote *m, pl_quote_info *q) {
  pitlane__v1__quote__init(m);
  m->chain = q->chain;
  m->supplier = q->supplier;
  m->part_no = q->part_no;
  m->price_fen = q->price_fen;
  m->lead_days = q->lead_days;
}

static void create_supplier(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateSupplierRequest *q = (const void *)msg;
  const Pitlane__V1__Supplier *s = q->supplier;
  if (s == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "supplier: required");
    return;
  }
  pl_supplier_info in = {0}, out;
  if (!COPY(r, in.chain, s->chain, "supplier.chain") ||
      !COPY(r, in.code, s->code, "supplier.code") ||
      !COPY(r, in.name, s->name, "supplier.name"))
    return;
  in.quality = s->quality;
  pl_error err;
  int rc = pl_supplier_create(pl_rpc_engine(r), &in,
                              idem_or_null(q->idempotency_key), pl_rpc_write(r),
                              &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Supplier m;
  supplier_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static int suppliers_fill(pl_engine *e, const void *q, void *recs, int cap,
                          pl_error *err) {
  const Pitlane__V1__ListSuppliersRequest *rq = q;
  return pl_supplier_list(e, rq->chain, recs, cap, err);
}

static void suppliers_item(void *m, void *rec) {
  supplier_msg(m, rec);
}

static void list_suppliers(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      suppliers_fill, suppliers_item, sizeof(pl_supplier_info),
      sizeof(Pitlane__V1__Supplier),
      &pitlane__v1__list_suppliers_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

static void set_quote(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetQuoteRequest *q = (const void *)msg;
  const Pitlane__V1__Quote *s = q->quote;
  if (s == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "quote: required");
    return;
  }
  pl_quote_info in = {0};
  if (!COPY(r, in.chain, s->chain, "quote.chain") ||
      !COPY(r, in.supplier, s->supplier, "quote.supplier") ||
      !COPY(r, in.part_no, s->part_no, "quote.part_no"))
    return;
  in.price_fen = s->price_fen;
  in.lead_days = s->lead_days;
  pl_error err;
  int rc = pl_quote_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Quote m;
  quote_msg(&m, &in);
  pl_rpc_reply(r, &m.base);
}

static int quotes_fill(pl_engine *e, const void *q, void *recs, int cap,
                       pl_error *err) {
  const Pitlane__V1__ListQuotesRequest *rq = q;
  return pl_quote_list(e, rq->chain, rq->part_no, recs, cap, err);
}

static void quotes_item(void *m, void *rec) {
  quote_msg(m, rec);
}

static void list_quotes(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      quotes_fill, quotes_item, sizeof(pl_quote_info),
      sizeof(Pitlane__V1__Quote),
      &pitlane__v1__list_quotes_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

/* ---- stocktake
 * -------------------------------------------------------------------- */

static void open_stocktake(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__OpenStocktakeRequest *q = (const void *)msg;
  uint64_t id = 0;
  pl_error err;
  int rc = pl_stocktake_open(pl_rpc_engine(r), q->chain, q->warehouse, q->actor,
                             pl_rpc_write(r), &id, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Stocktake m;
  pitlane__v1__stocktake__init(&m);
  m.chain = q->chain;
  m.stocktake_id = id;
  m.warehouse = q->warehouse;
  pl_rpc_reply(r, &m.base);
}

static void record_count(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RecordCountRequest *q = (const void *)msg;
  pl_error err;
  int rc = pl_stocktake_count(pl_rpc_engine(r), q->chain, q->stocktake_id,
                              q->part_no, q->counted, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__RecordCountResponse m;
  pitlane__v1__record_count_response__init(&m);
  pl_rpc_reply(r, &m.base);
}

static void close_stocktake(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CloseStocktakeRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  enum { CAP = 4096 };
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, CAP, sizeof(pl_variance),
                    sizeof(Pitlane__V1__Variance)) != 0)
    return;
  pl_variance *v = lb.recs;
  Pitlane__V1__Variance *vm = lb.msgs;
  Pitlane__V1__Variance **vp = (Pitlane__V1__Variance **)lb.ptrs;
  pl_error err;
  int n =
      pl_stocktake_close(e, q->chain, q->stocktake_id, q->actor, v, CAP, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    n = n < CAP ? n : CAP;
    Pitlane__V1__VarianceReport m;
    pitlane__v1__variance_report__init(&m);
    m.stocktake_id = q->stocktake_id;
    for (int i = 0; i < n; i++) {
      pitlane__v1__variance__init(&vm[i]);
      vm[i].part_no = v[i].part_no;
      vm[i].expected = v[i].expected;
      vm[i].counted = v[i].counted;
      vm[i].variance = v[i].variance;
      vm[i].value_fen = v[i].value_fen;
      vm[i].seq = v[i].seq;
      vp[i] = &vm[i];
      m.total_value_fen += v[i].value_fen;
    }
    m.n_variances = (size_t)n;
    m.variances = vp;
    pl_rpc_reply(r, &m.base);
  }
  pl_list_free(&lb);
}

/* ---- reports
 * ------------------------------------------------------------------------ */

static void list_alerts(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListAlertsRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int n = pl_stock_alerts(e, q->chain, q->warehouse, NULL, 0, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  int cap = n + 16;
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, cap, sizeof(pl_alert),
                    sizeof(Pitlane__V1__Alert)) != 0)
    return;
  pl_alert *a = lb.recs;
  Pitlane__V1__Alert *am = lb.msgs;
  Pitlane__V1__Alert **ap = (Pitlane__V1__Alert **)lb.ptrs;
  n = pl_stock_alerts(e, q->chain, q->warehouse, a, cap, &err);
  n = n < cap ? n : cap;
  for (int i = 0; i < n; i++) {
    pitlane__v1__alert__init(&am[i]);
    am[i].kind = (Pitlane__V1__AlertKind)a[i].kind;
    am[i].warehouse = a[i].warehouse;
    am[i].part_no = a[i].part_no;
    am[i].on_hand = a[i].on_hand;
    am[i].available = a[i].available;
    am[i].min_qty = a[i].min_qty;
    am[i].max_qty = a[i].max_qty;
    am[i].usage_90d = a[i].usage_90d;
    ap[i] = &am[i];
  }
  pl_list_reply(r, &pitlane__v1__list_alerts_response__descriptor, n, &lb);
}

static void suggest_purchase(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SuggestPurchaseRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int32_t lead = q->max_lead_days > 0 ? q->max_lead_days : -1;
  int n =
      pl_stock_suggest_purchase(e, q->chain, q->warehouse, lead, NULL, 0, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  int cap = n + 16;
  pl_purchase_line *l = alloc_or_fail(r, (size_t)cap, sizeof *l);
  Pitlane__V1__PurchaseLine *lm = alloc_or_fail(r, (size_t)cap, sizeof *lm);
  Pitlane__V1__PurchaseLine **lp =
      alloc_or_fail(r, (size_t)cap, sizeof(Pitlane__V1__PurchaseLine *));
  Pitlane__V1__PurchaseOrder *om = alloc_or_fail(r, (size_t)cap, sizeof *om);
  Pitlane__V1__PurchaseOrder **op =
      alloc_or_fail(r, (size_t)cap, sizeof(Pitlane__V1__PurchaseOrder *));
  if (l != NULL && lm != NULL && lp != NULL && om != NULL && op != NULL) {
    n = pl_stock_suggest_purchase(e, q->chain, q->warehouse, lead, l, cap,
                                  &err);
    n = n < cap ? n : cap;
    Pitlane__V1__SuggestPurchaseResponse m;
    pitlane__v1__suggest_purchase_response__init(&m);
    /* lines come sorted by supplier, unassigned last: cut into orders */
    int no = 0, i = 0;
    for (; i < n && l[i].supplier[0] != '\0'; i++) {
      if (no == 0 || strcmp(om[no - 1].supplier, l[i].supplier) != 0) {
        pitlane__v1__purchase_order__init(&om[no]);
        om[no].supplier = l[i].supplier;
        om[no].lines = &lp[i];
        op[no] = &om[no];
        no++;
      }
      Pitlane__V1__PurchaseOrder *o = &om[no - 1];
      o->n_lines++;
      o->total_fen += l[i].qty * l[i].price_fen;
    }
    for (int k = 0; k < n; k++) {
      pitlane__v1__purchase_line__init(&lm[k]);
      lm[k].warehouse = l[k].warehouse;
      lm[k].part_no = l[k].part_no;
      lm[k].qty = l[k].qty;
      lm[k].price_fen = l[k].price_fen;
      lm[k].lead_days = l[k].lead_days;
      lp[k] = &lm[k];
    }
    m.n_orders = (size_t)no;
    m.orders = op;
    m.n_unassigned = (size_t)(n - i);
    m.unassigned = &lp[i];
    pl_rpc_reply(r, &m.base);
  }
  free(l);
  free(lm);
  free(lp);
  free(om);
  free(op);
}

/* ---- fitment
 * ------------------------------------------------------------------ */

static void fitment_reply(pl_rpc *r, pl_fitment *f, const char *chain) {
  char *models[PL_FITMENT_MAX];
  for (int32_t i = 0; i < f->n; i++)
    models[i] = f->models[i];
  Pitlane__V1__Fitment m;
  pitlane__v1__fitment__init(&m);
  m.chain = (char *)chain;
  m.part_no = f->part_no;
  m.n_models = (size_t)f->n;
  m.models = models;
  pl_rpc_reply(r, &m.base);
}

static void set_fitment(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetFitmentRequest *q = (const void *)msg;
  const Pitlane__V1__Fitment *f = q->fitment;
  if (f == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "fitment: required");
    return;
  }
  if (f->n_models > PL_FITMENT_MAX) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "models: at most %d",
                PL_FITMENT_MAX);
    return;
  }
  pl_fitment in = {0};
  if (!COPY(r, in.part_no, f->part_no, "part_no"))
    return;
  for (size_t i = 0; i < f->n_models; i++)
    if (!COPY(r, in.models[i], f->models[i], "models"))
      return;
  in.n = (int32_t)f->n_models;
  pl_error err;
  int rc =
      pl_fitment_set(pl_rpc_engine(r), f->chain, &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  fitment_reply(r, &in, f->chain);
}

static void get_fitment(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetFitmentRequest *q = (const void *)msg;
  pl_fitment *f = alloc_or_fail(r, 1, sizeof *f);
  if (f == NULL)
    return;
  pl_error err;
  int rc = pl_fitment_get(pl_rpc_engine(r), q->chain, q->part_no, f, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    fitment_reply(r, f, q->chain);
  free(f);
}

static void find_parts_by_model(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__FindPartsByModelRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int n = pl_fitment_find(e, q->chain, q->model, NULL, 0, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  int cap = n + 16;
  char(*nos)[PL_CODE_MAX] = alloc_or_fail(r, (size_t)cap, PL_CODE_MAX);
  char **np = alloc_or_fail(r, (size_t)cap, sizeof(char *));
  if (nos != NULL && np != NULL) {
    n = pl_fitment_find(e, q->chain, q->model, nos, cap, &err);
    n = n < cap ? n : cap;
    for (int i = 0; i < n; i++)
      np[i] = nos[i];
    Pitlane__V1__FindPartsByModelResponse m;
    pitlane__v1__find_parts_by_model_response__init(&m);
    m.n_part_nos = n > 0 ? (size_t)n : 0;
    m.part_nos = np;
    pl_rpc_reply(r, &m.base);
  }
  free(nos);
  free(np);
}

#define INV(name, req, fn) PL_METHOD("Inventory", name, req, fn)

static void verify_ledger(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__VerifyLedgerRequest *q = (const void *)msg;
  pl_error err = {0};
  int rc = pl_stock_verify_ledger(pl_rpc_engine(r), q->chain, &err);
  if (rc != 0 && rc != PL_ECORRUPT) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__VerifyLedgerResponse m;
  pitlane__v1__verify_ledger_response__init(&m);
  m.consistent = rc == 0;
  m.detail = rc == 0 ? (char *)"" : err.msg;
  pl_rpc_reply(r, &m.base);
}

const pl_method pl_inventory_methods[] = {
    INV("VerifyLedger", verify_ledger_request, verify_ledger),
    INV("Receive", move_request, receive),
    INV("Reserve", move_request, reserve),
    INV("Release", move_request, release),
    INV("Issue", move_request, issue),
    INV("ReturnStock", move_request, return_),
    INV("Adjust", move_request, adjust),
    INV("Sell", move_request, sell),
    INV("GetStock", get_stock_request, get_stock),
    INV("SetStockLevels", set_stock_levels_request, set_levels),
    INV("ListMovements", list_movements_request, list_movements),
    INV("TraceLot", trace_lot_request, trace_lot),
    INV("CreateSupplier", create_supplier_request, create_supplier),
    INV("ListSuppliers", list_suppliers_request, list_suppliers),
    INV("SetQuote", set_quote_request, set_quote),
    INV("ListQuotes", list_quotes_request, list_quotes),
    INV("OpenStocktake", open_stocktake_request, open_stocktake),
    INV("RecordCount", record_count_request, record_count),
    INV("CloseStocktake", close_stocktake_request, close_stocktake),
    INV("ListAlerts", list_alerts_request, list_alerts),
    INV("SuggestPurchase", suggest_purchase_request, suggest_purchase),
    INV("SetFitment", set_fitment_request, set_fitment),
    INV("GetFitment", get_fitment_request, get_fitment),
    INV("FindPartsByModel", find_parts_by_model_request, find_parts_by_model),
};
const int pl_inventory_n_methods = PL_N_METHODS(pl_inventory_methods);
