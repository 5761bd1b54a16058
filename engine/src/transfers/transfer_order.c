/* transfers/transfer_order.c — transfer orders: planned -> shipped -> received,
 * or cancelled (see transfers.h for the contract).
 *
 * Ship and receive are stock movements (TRANSFER_OUT at the source,
 * TRANSFER_IN at the destination) made through the inventory module with
 * the order's row in the same atomic batch (built once the movement has
 * picked its lots, FIFO, so the shipped lot list is in it), so the order's
 * state and the stock can never disagree on disk.
 *
 * Invariants (under order_mu): orders[id - 1] is order id; the
 * destination cell's in_transit includes qty exactly while the order is
 * shipped (rebuilt at recovery from shipped orders). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "inventory/stock_xs.h"
#include "transfers/xfer_int.h"

#define ROW_VERSION 1

typedef struct pl__order {
  pl_transfer_info info;
  char idem[PL_IDEM_MAX];
  int32_t to_ix, part_ix;
} pl__order;

void pl__transfer_free_all(pl__xfer_chain *x) {
  pl__vec_free_all(&x->orders);
  pl__strmap_free(&x->order_idem);
}

/* ---- rows --------------------------------------------------------------- */

static void order_key(pl__buf *k, const char *chain, int64_t id) {
  pl__key_prefix(k, chain, PL__K_TRANSFER);
  pl__buf_be64(k, (uint64_t)id);
}

static void order_row(pl__buf *v, const pl__order *o) {
  const pl_transfer_info *t = &o->info;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, t->part_no);
  pl__buf_svar(v, t->qty);
  pl__buf_uvar(v, (uint64_t)t->n_hops);
  for (int h = 0; h <= t->n_hops; h++)
    pl__buf_str(v, t->path[h]);
  pl__buf_svar(v, t->cost_fen);
  pl__buf_svar(v, t->lead_min);
  pl__buf_uvar(v, (uint64_t)t->state);
  pl__buf_str(v, t->actor);
  pl__buf_svar(v, t->created_ms);
  pl__buf_svar(v, t->shipped_ms);
  pl__buf_svar(v, t->received_ms);
  pl__buf_uvar(v, (uint64_t)t->n_lots);
  for (int i = 0; i < t->n_lots; i++) {
    pl__buf_uvar(v, t->lots[i].lot);
    pl__buf_svar(v, t->lots[i].qty);
    pl__buf_svar(v, t->lots[i].unit_cost_fen);
  }
  pl__buf_str(v, o->idem);
}

static int order_read(pl__rd *r, pl__order *o) {
  pl_transfer_info *t = &o->info;
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, t->part_no, sizeof t->part_no);
  t->qty = pl__rd_svar(r);
  uint64_t h = pl__rd_uvar(r);
  if (h > PL_ROUTE_MAX_HOPS)
    return PL_ECORRUPT;
  t->n_hops = (int32_t)h;
  for (uint64_t i = 0; i <= h; i++)
    pl__rd_str(r, t->path[i], sizeof t->path[i]);
  memcpy(t->from, t->path[0], PL_CODE_MAX);
  memcpy(t->to, t->path[h], PL_CODE_MAX);
  t->cost_fen = pl__rd_svar(r);
  t->lead_min = (int32_t)pl__rd_svar(r);
  t->state = (pl_transfer_state)pl__rd_uvar(r);
  pl__rd_str(r, t->actor, sizeof t->actor);
  t->created_ms = pl__rd_svar(r);
  t->shipped_ms = pl__rd_svar(r);
  t->received_ms = pl__rd_svar(r);
  uint64_t n = pl__rd_uvar(r);
  if (n > PL_MOVE_MAX_LOTS)
    return PL_ECORRUPT;
  t->n_lots = (int32_t)n;
  for (uint64_t i = 0; i < n; i++) {
    t->lots[i].lot = pl__rd_uvar(r);
    t->lots[i].qty = pl__rd_svar(r);
    t->lots[i].unit_cost_fen = pl__rd_svar(r);
  }
  pl__rd_str(r, o->idem, sizeof o->idem);
  if (r->bad || t->state < PL_TRANSFER_PLANNED ||
      t->state > PL_TRANSFER_CANCELLED || t->qty <= 0)
    return PL_ECORRUPT;
  return 0;
}

/* Queues the order's row with a ledger entry of lg_op. */
static int queue_order(pl_engine *e, pl__chain *c, const pl__order *o,
                       unsigned lg_op, const pl_write *w, pl__sync *sync) {
  pl__buf k = {0}, v = {0};
  order_key(&k, c->info.code, o->info.id);
  order_row(&v, o);
  int rc = pl__write_row(e, c, lg_op, pl__chain_now_ms(e, c), &k, &v, w, sync);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc;
}

/* ---- create ------------------------------------------------------------- */

int pl_transfer_create(pl_engine *e, const pl_transfer_info *in,
                       const char *idem, const pl_write *w,
                       pl_transfer_info *out, pl_error *err) {
  int rc = pl__check_code(err, "transfer.chain", in->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "transfer.part_no", in->part_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "transfer.from", in->from, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "transfer.to", in->to, PL_CODE_MAX);
  if (rc == 0 && strcmp(in->from, in->to) == 0)
    rc = PL__FAIL(err, PL_EINVAL, "transfer.to: same as transfer.from");
  if (rc == 0)
    rc = pl__check_range(err, "transfer.qty", in->qty, 1, 1000000000);
  if (rc == 0)
    rc = pl__check_text(err, "transfer.actor", in->actor, PL_ACTOR_MAX, 0);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc != 0)
    return rc;
  pl__chain *c = pl__chain_find(e, in->chain);
  if (c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "transfer.chain: no chain '%s'",
                    in->chain);
  pthread_rwlock_rdlock(&c->lock);
  int32_t fi = pl__strmap_get(&c->wh_ix, in->from);
  int32_t ti = pl__strmap_get(&c->wh_ix, in->to);
  int32_t pi = pl__strmap_get(&c->part_ix, in->part_no);
  pl__xfer_chain *x = pl__xfer_of(c);
  pl_plan_leg leg;
  if (pi < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "transfer.part_no: no part '%s'",
                  in->part_no);
  else if (fi < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "transfer.from: no warehouse '%s'",
                  in->from);
  else if (ti < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "transfer.to: no warehouse '%s'", in->to);
  else if (x == NULL)
    rc = PL_ENOMEM;
  else if ((rc = pl__xfer_route(c, x, fi, ti, in->qty, &leg)) == PL_EPRECOND)
    pl__fail(err, rc, "transfer.to: no lane route from '%s' to '%s'", in->from,
             in->to);
  pthread_rwlock_unlock(&c->lock);
  if (rc != 0)
    return rc == PL_ENOMEM ? PL__FAIL(err, rc, "engine: out of memory") : rc;

  pl__sync sync;
  int queued = 0;
  pthread_mutex_lock(&x->order_mu);
  int has_idem = idem != NULL && idem[0] != '\0';
  int32_t prev = has_idem ? pl__strmap_get(&x->order_idem, idem) : -1;
  pl__order *o = NULL;
  if (prev >= 0) {
    o = x->orders.items[prev];
    rc = pl__write_nothing(e, w, &sync);
    queued = rc == 0;
  } else if ((o = calloc(1, sizeof *o)) == NULL) {
    rc = PL_ENOMEM;
  } else {
    pl_transfer_info *t = &o->info;
    memcpy(t->chain, c->info.code, PL_CODE_MAX);
    memcpy(t->part_no, in->part_no, PL_CODE_MAX);
    t->qty = in->qty;
    memcpy(t->from, in->from, PL_CODE_MAX);
    memcpy(t->to, in->to, PL_CODE_MAX);
    t->n_hops = leg.n_hops;
    memcpy(t->path, leg.path, sizeof t->path);
    t->cost_fen = leg.cost_fen;
    t->lead_min = leg.lead_min;
    t->state = PL_TRANSFER_PLANNED;
    memcpy(t->actor, in->actor, PL_ACTOR_MAX);
    t->created_ms = pl__chain_now_ms(e, c);
    if (has_idem)
      memcpy(o->idem, idem, strlen(idem) + 1);
    o->to_ix = ti;
    o->part_ix = pi;
    rc = pl__vec_reserve(&x->orders, 1);
    if (rc == 0 && has_idem)
      rc = pl__strmap_reserve(&x->order_idem, 1);
    if (rc == 0) {
      t->id = x->orders.n + 1;
      rc = queue_order(e, c, o, PL__OP_TRANSFER, w, &sync);
    }
    if (rc == 0) {
      queued = 1;
      pl__vec_push(&x->orders, o);
      if (has_idem)
        pl__strmap_put(&x->order_idem, o->idem, (int32_t)(t->id - 1));
    } else {
      free(o);
      o = NULL;
    }
  }
  if (rc == 0 && out != NULL)
    *out = o->info;
  pthread_mutex_unlock(&x->order_mu);
  return pl__write_finish(rc, queued, w, &sync, err);
}

/* ---- transitions -------------------------------------------------------- */

static const char *state_name(pl_transfer_state s) {
  static const char *const n[] = {"?", "planned", "shipped", "received",
                                  "cancelled"};
  return (unsigned)s < 5 ? n[s] : "?";
}

/* Finds the order (under order_mu, taken here and left held on success). */
static int lock_order(pl_engine *e, const char *chain, int64_t id,
                      const char *actor, pl__chain **c_out,
                      pl__xfer_chain **x_out, pl__order **o_out,
                      pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor, PL_ACTOR_MAX, 0);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_known(e, chain, &c, err);
  if (rc != 0)
    return rc;
  pl__xfer_chain *x = pl__xfer_of(c);
  if (x == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pthread_mutex_lock(&x->order_mu);
  if (id < 1 || id > x->orders.n) {
    pthread_mutex_unlock(&x->order_mu);
    return PL__FAIL(err, PL_ENOTFOUND, "transfer_id: no transfer %lld",
                    (long long)id);
  }
  *c_out = c;
  *x_out = x;
  *o_out = x->orders.items[id - 1];
  return 0;
}

/* The order's row for the movement's batch: a ship records the lots the
 * movement picked. */
static int order_extra_rows(void *arg, const pl_movement *m, pl__batch *b) {
  struct order_extra {
    const pl__chain *c;
    pl__order *next;
  } *x = arg;
  pl_transfer_info *t = &x->next->info;
  if (m->kind == PL_MOVE_TRANSFER_OUT) {
    t->n_lots = m->n_lots;
    memcpy(t->lots, m->lots, sizeof t->lots);
  }
  pl__buf k = {0}, v = {0};
  order_key(&k, x->c->info.code, t->id);
  order_row(&v, x->next);
  int rc = k.oom || v.oom ? PL_ENOMEM : 0;
  if (rc == 0)
    pl__batch_put(b, k.p, k.n, v.p, v.n);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc;
}

/* The stock movement of a ship or receive, with the order row (state
 * `next`, lots filled in by a ship) in the same batch. */
static int order_move(pl_engine *e, pl__chain *c, pl__order *next,
                      pl_move_kind kind, const char *actor, const pl_write *w,
                      pl_movement *mv, pl_error *err) {
  const pl_transfer_info *t = &next->info;
  pl_move_req req = {0};
  memcpy(req.chain, c->info.code, PL_CODE_MAX);
  memcpy(req.warehouse, kind == PL_MOVE_TRANSFER_OUT ? t->from : t->to,
         PL_CODE_MAX);
  memcpy(req.part_no, t->part_no, PL_CODE_MAX);
  req.qty = t->qty;
  snprintf(req.work_order, sizeof req.work_order, "T%lld", (long long)t->id);
  snprintf(req.actor, sizeof req.actor, "%s", actor);
  snprintf(req.reason, sizeof req.reason, "transfer T%lld %s -> %s",
           (long long)t->id, t->from, t->to);
  if (kind == PL_MOVE_TRANSFER_IN && t->n_lots > 0) {
    int64_t value = 0, units = 0;
    for (int i = 0; i < t->n_lots; i++) {
      value += t->lots[i].qty * t->lots[i].unit_cost_fen;
      units += t->lots[i].qty;
    }
    req.unit_cost_fen = units > 0 ? value / units : 0;
  }
  char idem[PL_IDEM_MAX];
  snprintf(idem, sizeof idem, "xfer-T%lld-%s", (long long)t->id,
           kind == PL_MOVE_TRANSFER_OUT ? "out" : "in");
  struct {
    const pl__chain *c;
    pl__order *next;
  } arg = {c, next};
  pl__move_extra extra = {order_extra_rows, &arg};
  return pl__stock_move_extra(e, kind, &req, idem, &extra, w, mv, err);
}

static int transition(pl_engine *e, const char *chain, int64_t id,
                      const char *actor, pl_transfer_state to,
                      const pl_write *w, pl_transfer_info *out, pl_error *err) {
  pl__chain *c;
  pl__xfer_chain *x;
  pl__order *o;
  int rc = lock_order(e, chain, id, actor, &c, &x, &o, err);
  if (rc != 0)
    return rc;
  pl_transfer_state cur = o->info.state;
  pl_transfer_state from = to == PL_TRANSFER_SHIPPED    ? PL_TRANSFER_PLANNED
                           : to == PL_TRANSFER_RECEIVED ? PL_TRANSFER_SHIPPED
                                                        : PL_TRANSFER_PLANNED;
  pl__sync sync;
  int queued = 0;
  if (cur == to) { /* a repeat: the same answer once the first is durable */
    rc = pl__write_nothing(e, w, &sync);
    queued = rc == 0;
  } else if (cur != from) {
    rc = PL__FAIL(err, PL_EPRECOND, "transfer T%lld is %s: cannot become %s",
                  (long long)id, state_name(cur), state_name(to));
  } else {
    pl__order next = *o;
    next.info.state = to;
    int64_t now = pl__chain_now_ms(e, c);
    if (to == PL_TRANSFER_CANCELLED) {
      rc = queue_order(e, c, &next, PL__OP_TRANSFER, w, &sync);
      queued = rc == 0;
    } else {
      pl_movement mv;
      if (to == PL_TRANSFER_SHIPPED)
        next.info.shipped_ms = now;
      else
        next.info.received_ms = now;
      /* the movement blocks or calls w back itself: nothing to wait for
       * here afterwards */
      rc = order_move(e, c, &next,
                      to == PL_TRANSFER_SHIPPED ? PL_MOVE_TRANSFER_OUT
                                                : PL_MOVE_TRANSFER_IN,
                      actor, w, &mv, err);
      if (rc == 0 && to == PL_TRANSFER_SHIPPED) {
        next.info.n_lots = mv.n_lots; /* also right for an idempotent replay */
        memcpy(next.info.lots, mv.lots, sizeof next.info.lots);
        pl__stock_in_transit(c, o->to_ix, o->part_ix, next.info.qty);
      } else if (rc == 0) {
        pl__stock_in_transit(c, o->to_ix, o->part_ix, -next.info.qty);
      }
    }
    if (rc == 0)
      *o = next;
  }
  if (rc == 0 && out != NULL)
    *out = o->info;
  pthread_mutex_unlock(&x->order_mu);
  return pl__write_finish(rc, queued, w, &sync, err);
}

int pl_transfer_ship(pl_engine *e, const char *chain, int64_t id,
                     const char *actor, const pl_write *w,
                     pl_transfer_info *out, pl_error *err) {
  return transition(e, chain, id, actor, PL_TRANSFER_SHIPPED, w, out, err);
}

int pl_transfer_receive(pl_engine *e, const char *chain, int64_t id,
                        const char *actor, const pl_write *w,
                        pl_transfer_info *out, pl_error *err) {
  return transition(e, chain, id, actor, PL_TRANSFER_RECEIVED, w, out, err);
}

int pl_transfer_cancel(pl_engine *e, const char *chain, int64_t id,
                       const char *actor, const pl_write *w,
                       pl_transfer_info *out, pl_error *err) {
  return transition(e, chain, id, actor, PL_TRANSFER_CANCELLED, w, out, err);
}

/* ---- reads -------------------------------------------------------------- */

int pl_transfer_get(pl_engine *e, const char *chain, int64_t id,
                    pl_transfer_info *out, pl_error *err) {
  pl__chain *c;
  pl__xfer_chain *x;
  pl__order *o;
  int rc = lock_order(e, chain, id, "reader", &c, &x, &o, err);
  if (rc != 0)
    return rc;
  *out = o->info;
  pthread_mutex_unlock(&x->order_mu);
  return 0;
}

int pl_transfer_list(pl_engine *e, const char *chain, pl_transfer_info *out,
                     int cap, pl_error *err) {
  pl__chain *c = NULL;
  pl__xfer_chain *x = NULL;
  int rc = pl__xfer_lookup(e, chain, &c, &x, err);
  if (rc != 0)
    return rc;
  pthread_mutex_lock(&x->order_mu);
  int n = x->orders.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__order *)x->orders.items[i])->info;
  pthread_mutex_unlock(&x->order_mu);
  return n;
}

/* ---- recovery ----------------------------------------------------------- */

int pl__transfer_load(pl_engine *e, pl__chain *c, const unsigned char *rest,
                      size_t rl, const unsigned char *val, size_t vl) {
  (void)e;
  pl__xfer_chain *x = pl__xfer_of(c);
  if (x == NULL)
    return PL_ENOMEM;
  if (rl != 8)
    return PL_ECORRUPT;
  int64_t id = (int64_t)pl__be64_get(rest);
  if (id != x->orders.n + 1)
    return PL_ECORRUPT;
  pl__order *o = calloc(1, sizeof *o);
  if (o == NULL)
    return PL_ENOMEM;
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int rc = order_read(&r, o);
  memcpy(o->info.chain, c->info.code, PL_CODE_MAX);
  o->info.id = id;
  o->to_ix = pl__strmap_get(&c->wh_ix, o->info.to);
  o->part_ix = pl__strmap_get(&c->part_ix, o->info.part_no);
  if (rc == 0 && (o->to_ix < 0 || o->part_ix < 0))
    rc = PL_ECORRUPT;
  if (rc == 0)
    rc = pl__vec_reserve(&x->orders, 1);
  if (rc == 0 && o->idem[0] != '\0')
    rc = pl__strmap_put(&x->order_idem, o->idem, (int32_t)(id - 1));
  if (rc == 0 && o->info.state == PL_TRANSFER_SHIPPED)
    rc = pl__stock_in_transit(c, o->to_ix, o->part_ix, o->info.qty);
  if (rc != 0) {
    free(o);
    return rc;
  }
  pl__vec_push(&x->orders, o);
  return 0;
}
