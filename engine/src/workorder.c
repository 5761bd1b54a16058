/* workorder.c — work orders: creation at reception, assignment, the state
 * moves, extra items, parts reserved and issued through the inventory
 * module (see workorders.h for the contract, wo_int.h for the locks).
 *
 * Every mutation follows one shape: under the chain's write lock, copy the
 * order into a scratch copy, change the copy, queue its row with an event
 * (its own write, or the batch of a stock movement via pl__move_extra),
 * and only when the queueing succeeded make the copy the order. The event
 * is published to watchers when the write is durable (event_durable).
 * Several writes of one call share a pl__barrier, so the caller's pl_write
 * fires once, after the last. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "keys.h"
#include "sched_int.h"
#include "validate.h"
#include "wo_int.h"

#define ROW_VERSION 1
#define PART_QTY_MAX 1000000
#define LABOUR_MIN_MAX 1440      /* minutes */
#define PRICE_MAX 100000000000LL /* 1e9 yuan */
#define DEFAULT_WARRANTY_DAYS 90
#define DEFAULT_WARRANTY_KM 5000

static size_t wo_size(int32_t n_items) {
  return offsetof(pl_work_order, items) + (size_t)n_items * sizeof(pl_wo_item);
}

/* ---- per-chain state ---------------------------------------------------- */

pl__wo_chain *pl__wo_of(pl__chain *c) {
  pl__wo_chain *cur = __atomic_load_n(&c->wo, __ATOMIC_ACQUIRE);
  if (cur != NULL)
    return cur;
  pl__wo_chain *x = calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  pthread_rwlock_init(&x->lock, NULL);
  pthread_mutex_init(&x->hub_mu, NULL);
  pthread_mutex_init(&x->claim_mu, NULL);
  if (!__atomic_compare_exchange_n(&c->wo, &cur, x, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    pthread_rwlock_destroy(&x->lock);
    pthread_mutex_destroy(&x->hub_mu);
    pthread_mutex_destroy(&x->claim_mu);
    free(x);
    return cur;
  }
  return x;
}

void pl__wo_free(pl__chain *c) {
  pl__wo_chain *x = c->wo;
  if (x == NULL)
    return;
  for (int i = 0; i < x->orders.n; i++) {
    pl__wo *o = x->orders.items[i];
    free(o->w);
    pl__wo_log_free(o);
  }
  pl__vec_free_all(&x->orders);
  pl__strmap_free(&x->idem_ix);
  pl__u64map_free(&x->booking_ix);
  pl__strmap_free(&x->load_ix);
  pl__vec_free_all(&x->load_keys);
  free(x->load);
  free(x->watchers.items);
  pl__claims_free(x);
  pthread_rwlock_destroy(&x->lock);
  pthread_mutex_destroy(&x->hub_mu);
  pthread_mutex_destroy(&x->claim_mu);
  free(x);
  c->wo = NULL;
}

/* ---- technician load (for automatic assignment) -------------------------
 * load[t] = open labour minutes of active orders (not yet completed),
 * shared equally by the order's technicians. Maintained by wo_install. */

static int64_t order_open_minutes(const pl_work_order *w) {
  if (w->state >= PL_WO_COMPLETED || w->n_techs == 0)
    return 0;
  int64_t m = 0;
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].kind == PL_ITEM_LABOUR &&
        (w->items[i].state == PL_ITEM_OPEN ||
         w->items[i].state == PL_ITEM_AWAITING_APPROVAL))
      m += w->items[i].labour_min;
  return m;
}

static void load_key(char *k, const char *store, const char *tech) {
  snprintf(k, (size_t)2 * PL_CODE_MAX, "%s\x01%s", store, tech);
}

/* Index of a technician's load slot, created if create; -1 if absent. */
static int32_t load_slot(pl__wo_chain *wc, const char *store, const char *tech,
                         int create) {
  char k[2 * PL_CODE_MAX];
  load_key(k, store, tech);
  int32_t i = pl__strmap_get(&wc->load_ix, k);
  if (i >= 0 || !create)
    return i;
  if (wc->load_keys.n == wc->cap_load) {
    int32_t cap = wc->cap_load ? wc->cap_load * 2 : 32;
    int64_t *p = realloc(wc->load, (size_t)cap * sizeof *p);
    if (p == NULL)
      return -1;
    wc->load = p;
    wc->cap_load = cap;
  }
  char *kc = strdup(k);
  if (kc == NULL || pl__vec_reserve(&wc->load_keys, 1) != 0 ||
      pl__strmap_reserve(&wc->load_ix, 1) != 0) {
    free(kc);
    return -1;
  }
  i = wc->load_keys.n;
  pl__vec_push(&wc->load_keys, kc);
  wc->load[i] = 0;
  pl__strmap_put(&wc->load_ix, kc, i);
  return i;
}

static void load_apply(pl__wo_chain *wc, const pl_work_order *w, int sign) {
  int64_t m = order_open_minutes(w);
  if (m == 0)
    return;
  for (int32_t t = 0; t < w->n_techs; t++) {
    int32_t i = load_slot(wc, w->store, w->techs[t], 1);
    if (i >= 0)
      wc->load[i] += sign * m / w->n_techs;
  }
}

static int64_t tech_load(pl__wo_chain *wc, const char *store,
                         const char *tech) {
  int32_t i = load_slot(wc, store, tech, 0);
  return i >= 0 ? wc->load[i] : 0;
}

/* ---- rows ---------------------------------------------------------------- */

static void wo_key(pl__buf *k, const char *chain, int64_t id) {
  pl__key_prefix(k, chain, PL__K_WO);
  pl__buf_be64(k, (uint64_t)id);
}

static void event_key(pl__buf *k, const char *chain, int64_t id, uint64_t seq) {
  pl__key_prefix(k, chain, PL__K_WO_EVENT);
  pl__buf_be64(k, (uint64_t)id);
  pl__buf_be64(k, seq);
}

static void wo_row(pl__buf *v, const pl_work_order *w, const char *idem) {
  pl__buf_uvar(v, ROW_VERSION);
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
}

/* Decodes a row into w (full size) and idem. */
static int wo_read(pl__rd *r, pl_work_order *w, char *idem) {
  if (pl__rd_uvar(r) != ROW_VERSION)
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
  if (r->bad || w->state < PL_WO_PENDING || w->state > PL_WO_CANCELLED)
    return PL_ECORRUPT;
  return 0;
}

/* ---- one step: rows + event, published when durable ----------------------
 * A step's batch holds the order row and its event row; its ledger entry
 * (or the movement's) is what the audit trail keeps. */

typedef struct step_pub {
  pl__wo_chain *wc;
  pl__wo *o;
  pl_wo_event ev;
  int has_event;
  pl_write next; /* the barrier's step */
} step_pub;

static void event_durable(void *arg, int rc) {
  step_pub *p = arg;
  if (rc == 0 && p->has_event)
    pl__wo_publish(p->wc, p->o, &p->ev);
  pl_write next = p->next;
  free(p);
  next.durable(next.arg, rc);
}

typedef struct step {
  pl_engine *e;
  pl__chain *c;
  pl__wo_chain *wc;
  pl__wo *o;
  pl_work_order *next; /* the scratch copy to install */
  const char *idem;
  pl_wo_event ev; /* kind 0: no event */
  pl__barrier *bar;
} step;

/* Appends the order row (and the event row) of s->next to b. */
static int step_rows(void *arg, const pl_movement *m, pl__batch *b) {
  step *s = arg;
  if (m != NULL && m->kind == PL_MOVE_ISSUE) { /* the lots just picked */
    for (int32_t i = 0; i < s->next->n_items; i++) {
      pl_wo_item *it = &s->next->items[i];
      if (it->no == s->ev.item_no && it->kind == PL_ITEM_PART) {
        it->n_lots = m->n_lots < PL_WO_LOTS ? m->n_lots : PL_WO_LOTS;
        memcpy(it->lots, m->lots, (size_t)it->n_lots * sizeof *it->lots);
      }
    }
  }
  pl__buf k = {0}, v = {0};
  wo_key(&k, s->c->info.code, s->next->id);
  wo_row(&v, s->next, s->idem);
  pl__batch_put(b, k.p, k.n, v.p, v.n);
  if (s->ev.kind != 0) {
    pl__buf_reset(&k);
    pl__buf_reset(&v);
    event_key(&k, s->c->info.code, s->next->id, s->ev.seq);
    pl__wo_event_encode(&v, &s->ev);
    pl__batch_put(b, k.p, k.n, v.p, v.n);
  }
  int rc = k.oom || v.oom ? PL_ENOMEM : 0;
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc;
}

/* Sets up s->ev as the next event of s->next (seq, time, state). */
static void step_event(step *s, pl_wo_event_kind kind, int32_t item_no,
                       const char *actor, const char *note) {
  pl_wo_event *ev = &s->ev;
  memset(ev, 0, sizeof *ev);
  ev->kind = kind;
  memcpy(ev->chain, s->c->info.code, PL_CODE_MAX);
  ev->wo_id = s->next->id;
  memcpy(ev->store, s->next->store, PL_CODE_MAX);
  ev->seq = ++s->next->last_seq;
  ev->at_ms = pl_engine_now_ms(s->e);
  ev->item_no = item_no;
  snprintf(ev->actor, sizeof ev->actor, "%s", actor ? actor : "");
  snprintf(ev->note, sizeof ev->note, "%s", note ? note : "");
  s->next->updated_ms = ev->at_ms;
}

/* The pl_write of a step: the barrier's, wrapped to publish the event. */
static int step_write(step *s, pl_write *out) {
  step_pub *p = calloc(1, sizeof *p);
  if (p == NULL)
    return PL_ENOMEM;
  p->wc = s->wc;
  p->o = s->o;
  p->ev = s->ev;
  p->ev.state = s->next->state;
  p->has_event = s->ev.kind != 0;
  p->next = pl__barrier_step(s->bar);
  out->durable = event_durable;
  out->arg = p; /* event_durable frees it */
  return 0;
}

/* Makes the scratch copy the order (after its write was queued). */
static int wo_install(pl__wo_chain *wc, pl__wo *o, const pl_work_order *next) {
  if (next->n_items > o->cap_items) {
    int32_t cap = next->n_items + 4;
    if (cap > PL_WO_MAX_ITEMS)
      cap = PL_WO_MAX_ITEMS;
    pl_work_order *p = realloc(o->w, wo_size(cap));
    if (p == NULL)
      return PL_ENOMEM; /* the row is queued: memory is behind until reopen */
    o->w = p;
    o->cap_items = cap;
  }
  load_apply(wc, o->w, -1);
  memcpy(o->w, next, wo_size(next->n_items));
  load_apply(wc, o->w, +1);
  return 0;
}

/* Queues the order row + event (its own write, ledger op of the event). */
static int step_queue(step *s) {
  s->ev.state = s->next->state;
  pl__batch b = {0};
  int rc = step_rows(s, NULL, &b);
  pl__buf k = {0}, v = {0};
  wo_key(&k, s->c->info.code, s->next->id);
  pl__wo_event_encode(&v, &s->ev);
  pl__ledger lg = {.chain = s->c->info.code,
                   .next_seq = &s->c->next_seq,
                   .op = PL__OP_WO_BASE + (unsigned)s->ev.kind,
                   .at_ms = s->ev.at_ms,
                   .key = k.p,
                   .kl = k.n,
                   .val = v.p,
                   .vl = v.n};
  pl_write w;
  if (rc == 0 && (k.oom || v.oom || b.ops.oom))
    rc = PL_ENOMEM;
  if (rc == 0)
    rc = step_write(s, &w);
  if (rc == 0) {
    rc = pl__commit_submit(&s->e->commit, &b, &lg, &w, NULL, NULL);
    if (rc != 0)
      free(w.arg);
  }
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc == 0 ? wo_install(s->wc, s->o, s->next) : rc;
}

/* A stock movement for item `it` of the scratch order, carrying the
 * order's row (and event, if any). Installs the scratch copy on success. */
static int step_move(step *s, pl_move_kind kind, const pl_wo_item *it,
                     int64_t qty, const char *actor, pl_movement *mv,
                     pl_error *err) {
  s->ev.state = s->next->state;
  pl_move_req req = {0};
  memcpy(req.chain, s->c->info.code, PL_CODE_MAX);
  memcpy(req.warehouse, it->warehouse, PL_CODE_MAX);
  memcpy(req.part_no, it->part_no, PL_CODE_MAX);
  req.qty = qty;
  snprintf(req.work_order, sizeof req.work_order, "WO%lld",
           (long long)s->next->id);
  snprintf(req.actor, sizeof req.actor, "%s", actor);
  snprintf(req.reason, sizeof req.reason, "work order %lld item %d",
           (long long)s->next->id, it->no);
  pl_write w;
  int rc = step_write(s, &w);
  if (rc != 0)
    return PL__FAIL(err, rc, "engine: out of memory");
  pl__move_extra extra = {step_rows, s};
  pl_movement m;
  rc = pl__stock_move_extra(s->e, kind, &req, NULL, &extra, &w, &m, err);
  if (rc != 0) { /* nothing queued: the barrier step will not fire */
    step_pub *p = w.arg;
    p->next.durable(p->next.arg, 0);
    free(p);
    return rc;
  }
  if (mv != NULL)
    *mv = m;
  return wo_install(s->wc, s->o, s->next);
}

/* ---- lookups --------------------------------------------------------------
 */

static int find_chain(pl_engine *e, const char *chain, pl__chain **c,
                      pl__wo_chain **wc, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  *c = pl__chain_find(e, chain);
  if (*c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "chain: no chain '%s'", chain);
  *wc = pl__wo_of(*c);
  return *wc == NULL ? PL__FAIL(err, PL_ENOMEM, "engine: out of memory") : 0;
}

static pl__wo *find_order(pl__wo_chain *wc, int64_t id) {
  return id >= 1 && id <= wc->orders.n ? wc->orders.items[id - 1] : NULL;
}

static int64_t part_sale_price(pl_engine *e, const char *chain,
                               const char *part_no) {
  pl_part_info p;
  return pl_part_get(e, chain, part_no, &p, NULL) == 0 ? p.sale_fen : 0;
}

/* The store's first warehouse (by code), "" if none. */
static void store_warehouse(pl_engine *e, const char *chain, const char *store,
                            char *out) {
  out[0] = '\0';
  int n = pl_warehouse_list(e, chain, NULL, 0, NULL);
  if (n <= 0)
    return;
  pl_warehouse_info *all = calloc((size_t)n, sizeof *all);
  if (all == NULL)
    return;
  n = pl_warehouse_list(e, chain, all, n, NULL);
  for (int i = 0; i < n; i++)
    if (strcmp(all[i].store, store) == 0) {
      memcpy(out, all[i].code, PL_CODE_MAX);
      break;
    }
  free(all);
}

/* Validates one item input and turns it into an item (state OPEN). */
static int make_item(pl_engine *e, pl__chain *c, const char *store,
                     const pl_wo_item_in *in, int32_t no, const char *field,
                     pl_wo_item *it, pl_error *err) {
  memset(it, 0, sizeof *it);
  it->no = no;
  it->kind = in->kind;
  it->state = PL_ITEM_OPEN;
  int rc = pl__check_text(err, field, in->note, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, field, in->unit_price_fen, 0, PRICE_MAX);
  if (rc != 0)
    return rc;
  memcpy(it->note, in->note, PL_NAME_MAX);
  it->unit_price_fen = in->unit_price_fen;
  if (in->kind == PL_ITEM_LABOUR) {
    rc = pl__check_code(err, field, in->service, PL_CODE_MAX);
    if (rc == 0)
      rc = pl__check_range(err, field, in->labour_min, 0, LABOUR_MIN_MAX);
    if (rc != 0)
      return rc;
    pthread_rwlock_rdlock(&c->lock);
    pl__svc *svc = c->sched != NULL ? pl__svc_find(c, in->service) : NULL;
    int32_t dur = svc != NULL ? svc->info.duration_min : 0;
    pthread_rwlock_unlock(&c->lock);
    if (svc == NULL)
      return PL__FAIL(err, PL_ENOTFOUND, "%s.service: no service '%s'", field,
                      in->service);
    memcpy(it->service, in->service, PL_CODE_MAX);
    it->labour_min = in->labour_min > 0 ? in->labour_min : dur;
    if (it->unit_price_fen == 0)
      it->unit_price_fen =
          (int64_t)it->labour_min * (int64_t)PL_WO_LABOUR_FEN_PER_HOUR / 60;
    return 0;
  }
  if (in->kind != PL_ITEM_PART)
    return PL__FAIL(err, PL_EINVAL, "%s.kind: %d is neither labour nor part",
                    field, (int)in->kind);
  rc = pl__check_code(err, field, in->part_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, field, in->qty, 1, PART_QTY_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, field, in->warehouse, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl_part_info p;
  if (pl_part_get(e, c->info.code, in->part_no, &p, NULL) != 0)
    return PL__FAIL(err, PL_ENOTFOUND, "%s.part_no: no part '%s'", field,
                    in->part_no);
  memcpy(it->part_no, in->part_no, PL_CODE_MAX);
  it->qty = in->qty;
  if (in->warehouse[0] != '\0') {
    pthread_rwlock_rdlock(&c->lock);
    int known = pl__strmap_get(&c->wh_ix, in->warehouse) >= 0;
    pthread_rwlock_unlock(&c->lock);
    if (!known)
      return PL__FAIL(err, PL_ENOTFOUND, "%s.warehouse: no warehouse '%s'",
                      field, in->warehouse);
    memcpy(it->warehouse, in->warehouse, PL_CODE_MAX);
  } else {
    store_warehouse(e, c->info.code, store, it->warehouse);
    if (it->warehouse[0] == '\0')
      return PL__FAIL(err, PL_EPRECOND,
                      "%s.warehouse: store '%s' has no warehouse; name one",
                      field, store);
  }
  if (it->unit_price_fen == 0)
    it->unit_price_fen = part_sale_price(e, c->info.code, it->part_no);
  return 0;
}

/* Reserves what it can of a part item (OPEN or awaiting approval) of the
 * scratch order: min(still needed, available). A race that takes the
 * stock between the read and the movement leaves the item short. */
static int reserve_item(step *s, int32_t ix, const char *actor, pl_error *err) {
  pl_wo_item *it = &s->next->items[ix];
  int64_t need = it->qty - it->reserved;
  if (need <= 0)
    return 0;
  for (int attempt = 0; attempt < 2; attempt++) {
    pl_stock_info st;
    if (pl_stock_get(s->e, s->c->info.code, it->warehouse, it->part_no, &st,
                     NULL) != 0)
      return 0; /* no stock cell yet: all short */
    int64_t q = need < st.available ? need : st.available;
    if (q <= 0)
      return 0;
    pl_wo_item before = *it;
    it->reserved += q;
    pl_error e2 = {0};
    int rc = step_move(s, PL_MOVE_RESERVE, it, q, actor, NULL, &e2);
    if (rc == 0)
      return 0;
    *it = before;
    if (rc != PL_EPRECOND)
      return PL__FAIL(err, rc, "%s", e2.msg);
  }
  return 0;
}

/* ---- create -------------------------------------------------------------- */

static int check_vehicle(const pl_vehicle *v, pl_error *err) {
  int rc = pl__check_text(err, "vehicle.plate", v->plate, PL_PLATE_MAX, 1);
  if (rc == 0)
    rc = pl__check_opt_code(err, "vehicle.vin", v->vin, PL_VIN_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "vehicle.model", v->model, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.mileage_km", v->mileage_km, 0, 10000000);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.photos", v->n_photos, 0,
                         PL_WO_MAX_PHOTOS);
  for (int32_t i = 0; rc == 0 && i < v->n_photos; i++)
    rc = pl__check_text(err, "vehicle.photos", v->photos[i], PL_WO_REF_MAX, 0);
  return rc;
}

static int has_skill(const pl_technician_info *t, pl_skill sk, int32_t lvl) {
  for (int32_t i = 0; i < t->n_skills; i++)
    if (t->skills[i].skill == sk && t->skills[i].level >= lvl)
      return 1;
  return 0;
}

/* Automatic assignment: for each skill the labour items need (at the
 * highest level asked), the least-loaded technician of the store who has
 * it; one technician covering several skills is reused. Orders without
 * labour get the least-loaded technician. */
static int auto_assign(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                       pl_work_order *w, pl_error *err) {
  int n = pl_technician_list(e, c->info.code, w->store, NULL, 0, NULL);
  w->n_techs = 0;
  if (n <= 0)
    return 0; /* a store without technicians: assign later */
  pl_technician_info *t = calloc((size_t)n, sizeof *t);
  if (t == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  n = pl_technician_list(e, c->info.code, w->store, t, n, NULL);
  int32_t need[PL_SKILL_MAX + 1] = {0};
  pthread_rwlock_rdlock(&c->lock);
  for (int32_t i = 0; i < w->n_items; i++) {
    if (w->items[i].kind != PL_ITEM_LABOUR)
      continue;
    const pl__svc *svc = pl__svc_find(c, w->items[i].service);
    if (svc != NULL && svc->info.min_level > need[svc->info.skill])
      need[svc->info.skill] = svc->info.min_level;
  }
  pthread_rwlock_unlock(&c->lock);
  int rc = 0, any = 0;
  for (int sk = 1; sk <= PL_SKILL_MAX && rc == 0; sk++) {
    if (need[sk] == 0)
      continue;
    any = 1;
    int covered = 0;
    for (int32_t k = 0; k < w->n_techs && !covered; k++)
      for (int i = 0; i < n; i++)
        if (strcmp(t[i].code, w->techs[k]) == 0 &&
            has_skill(&t[i], (pl_skill)sk, need[sk]))
          covered = 1;
    if (covered)
      continue;
    int best = -1;
    int64_t best_load = 0;
    for (int i = 0; i < n; i++) {
      if (!has_skill(&t[i], (pl_skill)sk, need[sk]))
        continue;
      int64_t l = tech_load(wc, w->store, t[i].code);
      if (best < 0 || l < best_load) {
        best = i;
        best_load = l;
      }
    }
    if (best < 0)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "technicians: nobody at store '%s' has skill %d at level "
                    ">= %d",
                    w->store, sk, need[sk]);
    else if (w->n_techs < PL_WO_MAX_TECHS)
      memcpy(w->techs[w->n_techs++], t[best].code, PL_CODE_MAX);
  }
  if (rc == 0 && !any) {
    int best = 0;
    for (int i = 1; i < n; i++)
      if (tech_load(wc, w->store, t[i].code) <
          tech_load(wc, w->store, t[best].code))
        best = i;
    memcpy(w->techs[w->n_techs++], t[best].code, PL_CODE_MAX);
  }
  free(t);
  return rc;
}

static int manual_assign(pl_engine *e, const char *chain, pl_work_order *w,
                         const char (*techs)[PL_CODE_MAX], int n,
                         pl_error *err) {
  if (n < 1 || n > PL_WO_MAX_TECHS)
    return PL__FAIL(err, PL_EINVAL, "technicians: %d given, 1..%d allowed", n,
                    PL_WO_MAX_TECHS);
  int total = pl_technician_list(e, chain, w->store, NULL, 0, NULL);
  pl_technician_info *t = total > 0 ? calloc((size_t)total, sizeof *t) : NULL;
  if (total > 0 && t == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (total > 0)
    total = pl_technician_list(e, chain, w->store, t, total, NULL);
  int rc = 0;
  for (int k = 0; k < n && rc == 0; k++) {
    rc = pl__check_code(err, "technicians", techs[k], PL_CODE_MAX);
    int found = 0;
    for (int i = 0; rc == 0 && i < total && !found; i++)
      found = strcmp(t[i].code, techs[k]) == 0;
    for (int j = 0; rc == 0 && j < k; j++)
      if (strcmp(techs[j], techs[k]) == 0)
        rc =
            PL__FAIL(err, PL_EINVAL, "technicians: '%s' given twice", techs[k]);
    if (rc == 0 && !found)
      rc = PL__FAIL(err, PL_ENOTFOUND,
                    "technicians: no technician '%s' at store '%s'", techs[k],
                    w->store);
  }
  free(t);
  if (rc != 0)
    return rc;
  w->n_techs = n;
  for (int k = 0; k < n; k++)
    memcpy(w->techs[k], techs[k], PL_CODE_MAX);
  return 0;
}

/* A repeat of a finished call: the same answer once what the first call
 * wrote is durable (an empty write queued behind it). */
static int queue_repeat(pl_engine *e, pl__barrier *bar) {
  pl_write w = pl__barrier_step(bar);
  pl__batch b = {0};
  int rc = pl__commit_submit(&e->commit, &b, NULL, &w, NULL, NULL);
  if (rc != 0)
    w.durable(w.arg, 0); /* nothing queued: release the step */
  return rc;
}

/* Builds the order from a booking: store check, its services as labour
 * items (unless given), its technicians; checks it in. */
static int from_booking(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                        const pl_wo_new *in, pl_work_order *w, pl__barrier *bar,
                        pl_error *err) {
  if (pl__u64map_get(&wc->booking_ix, (uint64_t)in->booking_id) != NULL)
    return PL__FAIL(err, PL_EEXIST,
                    "booking_id: booking %lld already has a work order",
                    (long long)in->booking_id);
  pl_booking_info b;
  int rc = pl_booking_get(e, c->info.code, in->booking_id, &b, NULL);
  if (rc != 0)
    return PL__FAIL(err, PL_ENOTFOUND, "booking_id: no booking %lld",
                    (long long)in->booking_id);
  if (strcmp(b.store, in->store) != 0)
    return PL__FAIL(err, PL_EINVAL,
                    "booking_id: booking %lld is at store '%s', not '%s'",
                    (long long)in->booking_id, b.store, in->store);
  if (b.state != PL_BOOKING_CONFIRMED && b.state != PL_BOOKING_HELD &&
      b.state != PL_BOOKING_CHECKED_IN)
    return PL__FAIL(err, PL_EPRECOND,
                    "booking_id: booking %lld cannot be checked in (state %d)",
                    (long long)in->booking_id, (int)b.state);
  if (w->vehicle.plate[0] == '\0')
    memcpy(w->vehicle.plate, b.plate, sizeof b.plate);
  if (w->vehicle.model[0] == '\0')
    memcpy(w->vehicle.model, b.model, sizeof w->vehicle.model);
  if (w->vehicle.mileage_km == 0)
    w->vehicle.mileage_km = b.mileage_km;
  for (int32_t s = 0; s < b.n_segments; s++) {
    int listed = 0;
    for (int32_t i = 0; i < w->n_items && !listed; i++)
      listed = w->items[i].kind == PL_ITEM_LABOUR &&
               strcmp(w->items[i].service, b.seg[s].service) == 0;
    if (!listed && w->n_items < PL_WO_MAX_ITEMS) {
      pl_wo_item_in li = {.kind = PL_ITEM_LABOUR};
      memcpy(li.service, b.seg[s].service, PL_CODE_MAX);
      rc = make_item(e, c, w->store, &li, w->n_items + 1, "booking.service",
                     &w->items[w->n_items], err);
      if (rc != 0)
        return rc;
      w->n_items++;
    }
    for (int32_t k = 0; k < b.seg[s].n_techs; k++) {
      int dup = 0;
      for (int32_t j = 0; j < w->n_techs; j++)
        dup |= strcmp(w->techs[j], b.seg[s].techs[k]) == 0;
      if (!dup && w->n_techs < PL_WO_MAX_TECHS)
        memcpy(w->techs[w->n_techs++], b.seg[s].techs[k], PL_CODE_MAX);
    }
  }
  if (b.state != PL_BOOKING_CHECKED_IN) {
    pl_write bw = pl__barrier_step(bar);
    rc = pl_booking_transition(e, c->info.code, in->booking_id,
                               PL_BOOKING_CHECKED_IN, &bw, NULL, err);
    if (rc != 0)
      bw.durable(bw.arg, 0); /* not queued */
  }
  return rc;
}

int pl_wo_create(pl_engine *e, const pl_wo_new *in, const char *idem,
                 const pl_write *w, pl_work_order *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = find_chain(e, in->chain, &c, &wc, err);
  if (rc == 0)
    rc = pl__check_code(err, "store", in->store, PL_CODE_MAX);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc == 0)
    rc = check_vehicle(&in->vehicle, err);
  if (rc == 0)
    rc = pl__check_text(err, "complaint", in->complaint, PL_WO_TEXT_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "advisor", in->advisor, PL_ACTOR_MAX, 1);
  if (rc == 0)
    rc = pl__check_opt_code(err, "insurer", in->insurer, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "claim_no", in->claim_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "items", in->n_items, 0, PL_WO_MAX_ITEMS);
  if (rc == 0)
    rc = pl__check_range(err, "booking_id", in->booking_id, 0, INT64_MAX);
  if (rc == 0 && in->assign != 0 && in->assign != PL_ASSIGN_AUTO &&
      in->assign != PL_ASSIGN_MANUAL)
    rc = PL__FAIL(err, PL_EINVAL, "assign: %d is not AUTO or MANUAL",
                  (int)in->assign);
  if (rc != 0)
    return rc;
  pl_store_info si;
  rc = pl_store_get(e, in->chain, in->store, &si, err);
  if (rc != 0)
    return rc;

  pl_work_order *next = calloc(1, sizeof *next);
  pl__barrier *bar = pl__barrier_new(w);
  if (next == NULL || bar == NULL) {
    free(next);
    if (bar != NULL)
      pl__barrier_end(bar, PL_ENOMEM);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  memcpy(next->chain, c->info.code, PL_CODE_MAX);
  memcpy(next->store, si.code, PL_CODE_MAX);
  next->booking_id = in->booking_id;
  next->state = PL_WO_PENDING;
  next->vehicle = in->vehicle;
  memcpy(next->complaint, in->complaint, sizeof next->complaint);
  memcpy(next->advisor, in->advisor, sizeof next->advisor);
  memcpy(next->insurer, in->insurer, sizeof next->insurer);
  memcpy(next->claim_no, in->claim_no, sizeof next->claim_no);
  for (int32_t i = 0; rc == 0 && i < in->n_items; i++) {
    char field[32];
    snprintf(field, sizeof field, "items[%d]", i);
    rc = make_item(e, c, si.code, &in->items[i], i + 1, field, &next->items[i],
                   err);
  }
  next->n_items = in->n_items;

  pthread_rwlock_wrlock(&wc->lock);
  int32_t dup =
      idem != NULL && idem[0] != '\0' ? pl__strmap_get(&wc->idem_ix, idem) : -1;
  pl__wo *o = NULL;
  if (dup >= 0) { /* a retry: the first answer */
    o = wc->orders.items[dup];
    if (out != NULL)
      memcpy(out, o->w, wo_size(o->w->n_items));
    rc = queue_repeat(e, bar);
    pthread_rwlock_unlock(&wc->lock);
    free(next);
    return pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
  }
  if (rc == 0 && in->booking_id > 0 && !in->link_only)
    rc = from_booking(e, c, wc, in, next, bar, err);
  if (rc == 0) {
    int manual =
        in->assign == PL_ASSIGN_MANUAL || (in->assign == 0 && in->n_techs > 0);
    if (manual)
      rc = manual_assign(e, c->info.code, next, in->techs, in->n_techs, err);
    else if (next->n_techs == 0)
      rc = auto_assign(e, c, wc, next, err);
  }
  if (rc == 0) {
    o = calloc(1, sizeof *o);
    int32_t cap = next->n_items + 4;
    if (cap > PL_WO_MAX_ITEMS)
      cap = PL_WO_MAX_ITEMS;
    if (o != NULL)
      o->w = calloc(1, wo_size(cap));
    if (o == NULL || o->w == NULL || pl__vec_reserve(&wc->orders, 1) != 0 ||
        pl__strmap_reserve(&wc->idem_ix, 1) != 0) {
      if (o != NULL)
        free(o->w);
      free(o);
      o = NULL;
      rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
    } else {
      o->cap_items = cap;
    }
  }
  if (rc == 0) {
    next->id = wc->orders.n + 1;
    next->created_ms = pl_engine_now_ms(e);
    memcpy(o->w, next, offsetof(pl_work_order, items)); /* id for steps */
    step s = {.e = e,
              .c = c,
              .wc = wc,
              .o = o,
              .next = next,
              .idem = idem != NULL ? idem : "",
              .bar = bar};
    snprintf(o->idem, sizeof o->idem, "%s", s.idem);
    step_event(&s, PL_WOE_CREATED, 0, in->advisor, in->complaint);
    rc = step_queue(&s);
    if (rc != 0) {
      free(o->w);
      free(o);
    } else {
      pl__vec_push(&wc->orders, o);
      if (o->idem[0] != '\0')
        pl__strmap_put(&wc->idem_ix, o->idem, wc->orders.n - 1);
      if (next->booking_id > 0)
        pl__u64map_put(&wc->booking_ix, (uint64_t)next->booking_id,
                       (void *)(intptr_t)wc->orders.n);
      /* parts: reserve what stock allows, one movement each */
      s.ev.kind = 0;
      for (int32_t i = 0; rc == 0 && i < next->n_items; i++)
        if (next->items[i].kind == PL_ITEM_PART)
          rc = reserve_item(&s, i, in->advisor[0] ? in->advisor : "reception",
                            err);
      if (out != NULL)
        memcpy(out, o->w, wo_size(o->w->n_items));
      rc = rc == PL_EUNAVAIL || rc == PL_ENOMEM ? rc : 0;
    }
  }
  pthread_rwlock_unlock(&wc->lock);
  free(next);
  return pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
}

/* ---- state moves ----------------------------------------------------------
 * Each takes the chain's write lock, checks, and runs `fn` on a scratch
 * copy with a step set up; fn queues the step(s). */

typedef int (*move_fn)(step *s, void *arg, pl_error *err);

static int with_order(pl_engine *e, const char *chain, int64_t id,
                      const char *actor, int need_actor, move_fn fn, void *arg,
                      const pl_write *w, pl_work_order *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = find_chain(e, chain, &c, &wc, err);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor ? actor : "", PL_ACTOR_MAX,
                        !need_actor);
  if (rc != 0)
    return rc;
  pl_work_order *next = malloc(sizeof *next);
  pl__barrier *bar = pl__barrier_new(w);
  if (next == NULL || bar == NULL) {
    free(next);
    if (bar != NULL)
      pl__barrier_end(bar, PL_ENOMEM);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  pthread_rwlock_wrlock(&wc->lock);
  pl__wo *o = find_order(wc, id);
  if (o == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no work order %lld", (long long)id);
  } else {
    memcpy(next, o->w, wo_size(o->w->n_items));
    step s = {.e = e,
              .c = c,
              .wc = wc,
              .o = o,
              .next = next,
              .idem = o->idem,
              .bar = bar};
    rc = fn(&s, arg, err);
    if (rc == 0 && pl__barrier_steps(bar) == 0)
      rc = queue_repeat(e, bar); /* a repeat: answer once durable */
    if (rc == 0 && out != NULL)
      memcpy(out, o->w, wo_size(o->w->n_items));
  }
  pthread_rwlock_unlock(&wc->lock);
  free(next);
  return pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
}

static const char *state_name(pl_wo_state s) {
  static const char *const names[] = {"?",           "pending",   "in_repair",
                                      "awaiting_qc", "completed", "delivered",
                                      "cancelled"};
  return s >= PL_WO_PENDING && s <= PL_WO_CANCELLED ? names[s] : "?";
}

static int wrong_state(pl_error *err, const pl_work_order *w,
                       const char *what) {
  return PL__FAIL(err, PL_EPRECOND, "work order %lld is %s: cannot %s",
                  (long long)w->id, state_name(w->state), what);
}

typedef struct simple_arg {
  const char *actor, *note;
} simple_arg;

static int do_start(step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  if (s->next->state == PL_WO_IN_REPAIR)
    return 0;
  if (s->next->state != PL_WO_PENDING)
    return wrong_state(err, s->next, "start repair");
  s->next->state = PL_WO_IN_REPAIR;
  step_event(s, PL_WOE_STARTED, 0, a->actor, a->note);
  return step_queue(s);
}

int pl_wo_start(pl_engine *e, const char *chain, int64_t id, const char *actor,
                const pl_write *w, pl_work_order *out, pl_error *err) {
  simple_arg a = {actor, ""};
  return with_order(e, chain, id, actor, 1, do_start, &a, w, out, err);
}

static int do_request_qc(step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state == PL_WO_AWAITING_QC)
    return 0;
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "go to QC");
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].state == PL_ITEM_AWAITING_APPROVAL)
      return PL__FAIL(err, PL_EPRECOND,
                      "item_no %d: extra item awaits the customer's approval",
                      w->items[i].no);
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].state == PL_ITEM_OPEN)
      return PL__FAIL(err, PL_EPRECOND, "item_no %d: not done yet",
                      w->items[i].no);
  w->state = PL_WO_AWAITING_QC;
  step_event(s, PL_WOE_QC_REQUESTED, 0, a->actor, a->note);
  return step_queue(s);
}

int pl_wo_request_qc(pl_engine *e, const char *chain, int64_t id,
                     const char *actor, const pl_write *w, pl_work_order *out,
                     pl_error *err) {
  simple_arg a = {actor, ""};
  return with_order(e, chain, id, actor, 1, do_request_qc, &a, w, out, err);
}

typedef struct qc_arg {
  int passed;
  const char *inspector, *notes;
} qc_arg;

static int do_record_qc(step *s, void *arg, pl_error *err) {
  qc_arg *a = arg;
  pl_work_order *w = s->next;
  int rc = pl__check_text(err, "notes", a->notes, PL_NAME_MAX, 1);
  if (rc != 0)
    return rc;
  if (w->state != PL_WO_AWAITING_QC)
    return wrong_state(err, w, "record QC");
  if (w->n_qc == PL_WO_MAX_QC) {
    memmove(w->qc, w->qc + 1, (PL_WO_MAX_QC - 1) * sizeof *w->qc);
    w->n_qc--;
  }
  pl_qc_record *q = &w->qc[w->n_qc++];
  memset(q, 0, sizeof *q);
  q->passed = a->passed != 0;
  snprintf(q->inspector, sizeof q->inspector, "%s", a->inspector);
  snprintf(q->notes, sizeof q->notes, "%s", a->notes);
  q->at_ms = pl_engine_now_ms(s->e);
  w->state = a->passed ? PL_WO_COMPLETED : PL_WO_IN_REPAIR;
  step_event(s, a->passed ? PL_WOE_QC_PASSED : PL_WOE_QC_FAILED, 0,
             a->inspector, a->notes);
  return step_queue(s);
}

int pl_wo_record_qc(pl_engine *e, const char *chain, int64_t id, int passed,
                    const char *inspector, const char *notes, const pl_write *w,
                    pl_work_order *out, pl_error *err) {
  qc_arg a = {passed, inspector, notes ? notes : ""};
  return with_order(e, chain, id, inspector, 1, do_record_qc, &a, w, out, err);
}

typedef struct deliver_arg {
  const char *actor;
  int32_t days;
  int64_t km;
} deliver_arg;

/* The booking behind a delivered order is completed (idempotent: a repeat
 * of Deliver after a crash between the two writes finishes it). */
static int complete_booking(step *s, pl_error *err) {
  if (s->next->booking_id <= 0)
    return 0;
  pl_booking_info b;
  if (pl_booking_get(s->e, s->c->info.code, s->next->booking_id, &b, NULL) !=
          0 ||
      b.state == PL_BOOKING_COMPLETED)
    return 0;
  pl_write bw = pl__barrier_step(s->bar);
  int rc = pl_booking_transition(s->e, s->c->info.code, s->next->booking_id,
                                 PL_BOOKING_COMPLETED, &bw, NULL, err);
  if (rc != 0)
    bw.durable(bw.arg, 0);
  return rc == PL_EPRECOND ? 0 : rc; /* e.g. cancelled meanwhile */
}

static int do_deliver(step *s, void *arg, pl_error *err) {
  deliver_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state == PL_WO_DELIVERED)
    return complete_booking(s, err);
  if (w->state != PL_WO_COMPLETED)
    return wrong_state(err, w, "be delivered");
  int rc = pl__check_range(err, "warranty_days", a->days, 0, 3650);
  if (rc == 0)
    rc = pl__check_range(err, "warranty_km", a->km, 0, 1000000);
  if (rc != 0)
    return rc;
  w->state = PL_WO_DELIVERED;
  w->warranty_days = a->days > 0 ? a->days : DEFAULT_WARRANTY_DAYS;
  w->warranty_km = a->km > 0 ? a->km : DEFAULT_WARRANTY_KM;
  step_event(s, PL_WOE_DELIVERED, 0, a->actor, "");
  w->delivered_ms = s->ev.at_ms;
  rc = step_queue(s);
  return rc == 0 ? complete_booking(s, err) : rc;
}

int pl_wo_deliver(pl_engine *e, const char *chain, int64_t id,
                  const char *actor, int32_t warranty_days, int64_t warranty_km,
                  const pl_write *w, pl_work_order *out, pl_error *err) {
  deliver_arg a = {actor, warranty_days, warranty_km};
  return with_order(e, chain, id, actor, 1, do_deliver, &a, w, out, err);
}

/* Releases what an item holds (scratch order), carrying the row. */
static int release_item(step *s, int32_t ix, const char *actor, pl_error *err) {
  pl_wo_item *it = &s->next->items[ix];
  if (it->kind != PL_ITEM_PART || it->reserved <= 0)
    return 0;
  int64_t q = it->reserved;
  it->reserved = 0;
  return step_move(s, PL_MOVE_RELEASE, it, q, actor, NULL, err);
}

static int do_cancel(step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  pl_work_order *w = s->next;
  int rc = pl__check_text(err, "note", a->note, PL_NAME_MAX, 1);
  if (rc != 0)
    return rc;
  if (w->state == PL_WO_CANCELLED)
    return 0;
  if (w->state != PL_WO_PENDING && w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "be cancelled");
  /* first the releases (each carries the row as it then is), then the
   * cancellation with its event */
  for (int32_t i = 0; rc == 0 && i < w->n_items; i++)
    rc = release_item(s, i, a->actor, err);
  if (rc != 0)
    return rc;
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].state == PL_ITEM_OPEN ||
        w->items[i].state == PL_ITEM_AWAITING_APPROVAL)
      w->items[i].state = PL_ITEM_CANCELLED;
  w->state = PL_WO_CANCELLED;
  step_event(s, PL_WOE_CANCELLED, 0, a->actor, a->note);
  return step_queue(s);
}

int pl_wo_cancel(pl_engine *e, const char *chain, int64_t id, const char *actor,
                 const char *note, const pl_write *w, pl_work_order *out,
                 pl_error *err) {
  simple_arg a = {actor, note ? note : ""};
  return with_order(e, chain, id, actor, 1, do_cancel, &a, w, out, err);
}

typedef struct progress_arg {
  const char *actor, *note;
  int32_t percent;
} progress_arg;

static int do_progress(step *s, void *arg, pl_error *err) {
  progress_arg *a = arg;
  int rc = pl__check_text(err, "note", a->note, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_range(err, "percent", a->percent, 0, 100);
  if (rc != 0)
    return rc;
  if (s->next->state != PL_WO_IN_REPAIR)
    return wrong_state(err, s->next, "report progress");
  step_event(s, PL_WOE_PROGRESS, 0, a->actor, a->note);
  s->ev.percent = a->percent;
  return step_queue(s);
}

int pl_wo_progress(pl_engine *e, const char *chain, int64_t id,
                   const char *actor, const char *note, int32_t percent,
                   const pl_write *w, pl_work_order *out, pl_error *err) {
  progress_arg a = {actor, note ? note : "", percent};
  return with_order(e, chain, id, actor, 1, do_progress, &a, w, out, err);
}

typedef struct assign_arg {
  pl_assign_mode mode;
  const char (*techs)[PL_CODE_MAX];
  int n;
  const char *actor;
} assign_arg;

static int do_assign(step *s, void *arg, pl_error *err) {
  assign_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state != PL_WO_PENDING && w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "be reassigned");
  int rc;
  if (a->mode == PL_ASSIGN_MANUAL) {
    rc = manual_assign(s->e, s->c->info.code, w, a->techs, a->n, err);
  } else if (a->mode == PL_ASSIGN_AUTO) {
    /* this order's own load must not count against its technicians */
    load_apply(s->wc, s->o->w, -1);
    rc = auto_assign(s->e, s->c, s->wc, w, err);
    load_apply(s->wc, s->o->w, +1);
  } else {
    rc = PL__FAIL(err, PL_EINVAL, "mode: %d is not AUTO or MANUAL",
                  (int)a->mode);
  }
  if (rc != 0)
    return rc;
  char note[PL_NAME_MAX] = "";
  size_t len = 0;
  for (int32_t i = 0; i < w->n_techs && len + PL_CODE_MAX + 2 < sizeof note;
       i++)
    len += (size_t)snprintf(note + len, sizeof note - len, "%s%s", i ? "," : "",
                            w->techs[i]);
  step_event(s, PL_WOE_ASSIGNED, 0, a->actor, note);
  return step_queue(s);
}

int pl_wo_assign(pl_engine *e, const char *chain, int64_t id,
                 pl_assign_mode mode, const char (*techs)[PL_CODE_MAX],
                 int n_techs, const char *actor, const pl_write *w,
                 pl_work_order *out, pl_error *err) {
  assign_arg a = {mode, techs, n_techs, actor};
  return with_order(e, chain, id, actor, 1, do_assign, &a, w, out, err);
}

typedef struct extra_arg {
  const pl_wo_item_in *item;
  const char *actor;
  const char *idem;
} extra_arg;

static int do_add_extra(step *s, void *arg, pl_error *err) {
  extra_arg *a = arg;
  pl_work_order *w = s->next;
  /* idempotent: an item added under the same key is the first answer */
  if (a->idem != NULL && a->idem[0] != '\0')
    for (int32_t i = 0; i < w->n_items; i++)
      if (strcmp(w->items[i].idem, a->idem) == 0)
        return 0;
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "take an extra item");
  if (w->n_items >= PL_WO_MAX_ITEMS)
    return PL__FAIL(err, PL_ELIMIT, "items: a work order holds at most %d",
                    PL_WO_MAX_ITEMS);
  pl_wo_item *it = &w->items[w->n_items];
  int rc =
      make_item(s->e, s->c, w->store, a->item, w->n_items + 1, "item", it, err);
  if (rc != 0)
    return rc;
  it->state = PL_ITEM_AWAITING_APPROVAL;
  it->extra = 1;
  snprintf(it->idem, sizeof it->idem, "%s", a->idem != NULL ? a->idem : "");
  w->n_items++;
  step_event(s, PL_WOE_EXTRA_PROPOSED, it->no, a->actor,
             a->idem != NULL ? a->idem : "");
  rc = step_queue(s);
  if (rc == 0 && it->kind == PL_ITEM_PART) {
    s->ev.kind = 0;
    rc = reserve_item(s, w->n_items - 1, a->actor, err);
  }
  return rc;
}

int pl_wo_add_extra(pl_engine *e, const char *chain, int64_t id,
                    const pl_wo_item_in *item, const char *actor,
                    const char *idem, const pl_write *w, pl_work_order *out,
                    pl_error *err) {
  int rc = 0;
  if (idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc != 0)
    return rc;
  extra_arg a = {item, actor, idem};
  return with_order(e, chain, id, actor, 1, do_add_extra, &a, w, out, err);
}

static int item_index(const pl_work_order *w, int32_t no, pl_error *err) {
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].no == no)
      return i;
  return PL__FAIL(err, PL_ENOTFOUND, "item_no: work order %lld has no item %d",
                  (long long)w->id, no);
}

typedef struct item_arg {
  int32_t no;
  int approve;
  const char *actor;
} item_arg;

static int do_decide(step *s, void *arg, pl_error *err) {
  item_arg *a = arg;
  pl_work_order *w = s->next;
  int ix = item_index(w, a->no, err);
  if (ix < 0)
    return ix;
  pl_wo_item *it = &w->items[ix];
  pl_item_state to = a->approve ? PL_ITEM_OPEN : PL_ITEM_REJECTED;
  if (it->state == to && it->extra)
    return 0; /* a repeat */
  if (it->state != PL_ITEM_AWAITING_APPROVAL)
    return PL__FAIL(err, PL_EPRECOND,
                    "item_no: item %d does not await approval", a->no);
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "decide an extra item");
  it->state = to;
  step_event(s, a->approve ? PL_WOE_EXTRA_APPROVED : PL_WOE_EXTRA_REJECTED,
             a->no, a->actor, "");
  if (!a->approve && it->kind == PL_ITEM_PART && it->reserved > 0) {
    int64_t q = it->reserved;
    it->reserved = 0;
    return step_move(s, PL_MOVE_RELEASE, it, q, a->actor, NULL, err);
  }
  return step_queue(s);
}

int pl_wo_decide_extra(pl_engine *e, const char *chain, int64_t id,
                       int32_t item_no, int approve, const char *actor,
                       const pl_write *w, pl_work_order *out, pl_error *err) {
  item_arg a = {item_no, approve, actor};
  return with_order(e, chain, id, actor, 1, do_decide, &a, w, out, err);
}

static int do_complete(step *s, void *arg, pl_error *err) {
  item_arg *a = arg;
  pl_work_order *w = s->next;
  int ix = item_index(w, a->no, err);
  if (ix < 0)
    return ix;
  pl_wo_item *it = &w->items[ix];
  if (it->state == PL_ITEM_DONE)
    return 0;
  if (it->state != PL_ITEM_OPEN)
    return PL__FAIL(err, PL_EPRECOND, "item_no: item %d is not open%s", a->no,
                    it->state == PL_ITEM_AWAITING_APPROVAL
                        ? " (awaits the customer's approval)"
                        : "");
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "complete items");
  if (it->kind == PL_ITEM_PART && it->reserved < it->qty)
    return PL__FAIL(err, PL_EPRECOND,
                    "item_no: item %d has %lld of %lld %s reserved; reserve "
                    "the rest first (ReserveShortParts)",
                    a->no, (long long)it->reserved, (long long)it->qty,
                    it->part_no);
  it->state = PL_ITEM_DONE;
  snprintf(it->done_by, sizeof it->done_by, "%s", a->actor);
  step_event(s, PL_WOE_ITEM_DONE, a->no, a->actor, "");
  if (it->kind == PL_ITEM_PART) {
    int64_t q = it->reserved;
    it->reserved = 0; /* the issue consumes the reservation */
    return step_move(s, PL_MOVE_ISSUE, it, q, a->actor, NULL, err);
  }
  return step_queue(s);
}

int pl_wo_complete_item(pl_engine *e, const char *chain, int64_t id,
                        int32_t item_no, const char *actor, const pl_write *w,
                        pl_work_order *out, pl_error *err) {
  item_arg a = {item_no, 1, actor};
  return with_order(e, chain, id, actor, 1, do_complete, &a, w, out, err);
}

static int do_reserve_short(step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state >= PL_WO_COMPLETED)
    return wrong_state(err, w, "reserve parts");
  int64_t before = pl_wo_short(w);
  int rc = 0;
  for (int32_t i = 0; rc == 0 && i < w->n_items; i++)
    if (w->items[i].kind == PL_ITEM_PART &&
        (w->items[i].state == PL_ITEM_OPEN ||
         w->items[i].state == PL_ITEM_AWAITING_APPROVAL))
      rc = reserve_item(s, i, a->actor, err);
  if (rc != 0 || pl_wo_short(s->o->w) == before)
    return rc;
  memcpy(s->next, s->o->w, wo_size(s->o->w->n_items));
  char note[PL_NAME_MAX];
  snprintf(note, sizeof note, "%lld short", (long long)pl_wo_short(s->next));
  step_event(s, PL_WOE_PARTS_RESERVED, 0, a->actor, note);
  return step_queue(s);
}

int pl_wo_reserve_short(pl_engine *e, const char *chain, int64_t id,
                        const char *actor, const pl_write *w,
                        pl_work_order *out, pl_error *err) {
  simple_arg a = {actor, ""};
  return with_order(e, chain, id, actor, 1, do_reserve_short, &a, w, out, err);
}

/* ---- reads -----------------------------------------------------------------
 */

int64_t pl_wo_short(const pl_work_order *wo) {
  int64_t n = 0;
  for (int32_t i = 0; i < wo->n_items; i++) {
    const pl_wo_item *it = &wo->items[i];
    if (it->kind == PL_ITEM_PART &&
        (it->state == PL_ITEM_OPEN || it->state == PL_ITEM_AWAITING_APPROVAL))
      n += it->qty - it->reserved;
  }
  return n;
}

void pl_wo_totals(const pl_work_order *wo, int64_t *labour_fen,
                  int64_t *parts_fen) {
  int64_t l = 0, p = 0;
  for (int32_t i = 0; i < wo->n_items; i++) {
    const pl_wo_item *it = &wo->items[i];
    if (it->state == PL_ITEM_REJECTED || it->state == PL_ITEM_CANCELLED)
      continue;
    if (it->kind == PL_ITEM_LABOUR)
      l += it->unit_price_fen;
    else
      p += it->unit_price_fen * it->qty;
  }
  *labour_fen = l;
  *parts_fen = p;
}

int pl_wo_get(pl_engine *e, const char *chain, int64_t id, pl_work_order *out,
              pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = find_chain(e, chain, &c, &wc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&wc->lock);
  const pl__wo *o = find_order(wc, id);
  if (o != NULL)
    memcpy(out, o->w, wo_size(o->w->n_items));
  pthread_rwlock_unlock(&wc->lock);
  return o != NULL ? 0
                   : PL__FAIL(err, PL_ENOTFOUND, "id: no work order %lld",
                              (long long)id);
}

int pl_wo_list(pl_engine *e, const pl_wo_filter *f, pl_work_order *out, int cap,
               pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = find_chain(e, f->chain, &c, &wc, err);
  if (rc == 0 && f->store != NULL)
    rc = pl__check_opt_code(err, "store", f->store, PL_CODE_MAX);
  if (rc == 0 && f->state != 0)
    rc =
        pl__check_range(err, "state", f->state, PL_WO_PENDING, PL_WO_CANCELLED);
  if (rc != 0)
    return rc;
  int n = 0;
  pthread_rwlock_rdlock(&wc->lock);
  int64_t start = f->after_id > 0 ? f->after_id : 0;
  for (int64_t i = start; i < wc->orders.n && n < cap; i++) {
    const pl_work_order *w = ((const pl__wo *)wc->orders.items[i])->w;
    if ((f->store != NULL && f->store[0] && strcmp(w->store, f->store) != 0) ||
        (f->state != 0 && w->state != f->state) ||
        (f->plate != NULL && f->plate[0] &&
         strcmp(w->vehicle.plate, f->plate) != 0) ||
        (f->insurer != NULL && f->insurer[0] &&
         strcmp(w->insurer, f->insurer) != 0))
      continue;
    memcpy(&out[n++], w, wo_size(w->n_items));
  }
  pthread_rwlock_unlock(&wc->lock);
  return n;
}

/* ---- recovery
 * ---------------------------------------------------------------- */

static int load_order(pl__chain *c, pl__wo_chain *wc, const unsigned char *rest,
                      size_t rl, const unsigned char *val, size_t vl) {
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
    rc = wo_read(&r, w, o->idem);
  if (rc == 0 && (pl__vec_reserve(&wc->orders, 1) != 0 ||
                  pl__strmap_reserve(&wc->idem_ix, 1) != 0))
    rc = PL_ENOMEM;
  if (rc == 0) {
    memcpy(w->chain, c->info.code, PL_CODE_MAX);
    w->id = id;
    o->cap_items = w->n_items > 0 ? w->n_items : 1;
    o->w = realloc(w, wo_size(o->cap_items)); /* shrink to what it holds */
    if (o->w == NULL)
      o->w = w;
    pl__vec_push(&wc->orders, o);
    if (o->idem[0] != '\0')
      pl__strmap_put(&wc->idem_ix, o->idem, wc->orders.n - 1);
    if (o->w->booking_id > 0 &&
        pl__u64map_put(&wc->booking_ix, (uint64_t)o->w->booking_id,
                       (void *)(intptr_t)wc->orders.n) != 0)
      rc = PL_ENOMEM;
    load_apply(wc, o->w, +1);
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
  pl__wo *o = find_order(wc, id);
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
    rc = load_order(c, wc, rest, rl, val, vl);
  else if (wc != NULL && kind == PL__K_WO_EVENT)
    rc = load_event(c, wc, rest, rl, val, vl);
  else if (wc != NULL && kind == PL__K_CLAIM)
    rc = pl__claim_load(c, wc, rest, rl, val, vl);
  if (rc == PL_ECORRUPT)
    return PL__FAIL(err, rc,
                    "recovery: chain '%s': bad work-order row (kind "
                    "0x%02x)",
                    chain, kind);
  return rc;
}
