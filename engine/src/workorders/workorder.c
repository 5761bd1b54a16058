/* workorders/workorder.c — work orders' per-chain state, technician load, the
 * step machinery (workorders/step.h), item validation and reservation, and the
 * reads (see workorders.h for the contract, workorders/wo_int.h for the locks).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workorders/step.h"

#include "core/observe.h"
#include "core/rowwrite.h"

#include "scheduling/sched_xs.h"

/* ---- per-chain state ---------------------------------------------------- */

pl__wo_chain *pl__wo_state_new(pl__chain *c) {
  pl__wo_chain *x = calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  x->chain = c;
  pthread_rwlock_init(&x->lock, NULL);
  pthread_mutex_init(&x->hub_mu, NULL);
  atomic_init(&x->store_watchers, 0);
  pthread_mutex_init(&x->claim_mu, NULL);
  return x;
}

void pl__wo_state_free(pl__wo_chain *x) {
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
  pl__wo_vin_free(x);
  pl__sclaims_free(x);
  pthread_rwlock_destroy(&x->lock);
  pthread_mutex_destroy(&x->hub_mu);
  pthread_mutex_destroy(&x->claim_mu);
  free(x);
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

void pl__wo_load_apply(pl__wo_chain *wc, const pl_work_order *w, int sign) {
  int64_t m = order_open_minutes(w);
  if (m == 0)
    return;
  for (int32_t t = 0; t < w->n_techs; t++) {
    int32_t i = load_slot(wc, w->store, w->techs[t], 1);
    if (i >= 0)
      wc->load[i] += sign * m / w->n_techs;
  }
}

int64_t pl__wo_tech_load(pl__wo_chain *wc, const char *store,
                         const char *tech) {
  int32_t i = load_slot(wc, store, tech, 0);
  return i >= 0 ? wc->load[i] : 0;
}

/* ---- one step: rows + event, published when durable ----------------------
 * A step's batch holds the order row and its event row; its ledger entry
 * (or the movement's) is what the audit trail keeps. */

typedef struct step_pub {
  pl__wo_chain *wc;
  pl__wo *o;
  pl_wo_event ev;
  int has_event;
  pl_write next; /* the barrier's pl__wo_step */
} step_pub;

static void event_durable(void *arg, int rc) {
  step_pub *p = arg;
  if (rc == 0 && p->has_event)
    pl__wo_publish(p->wc, p->o, &p->ev);
  pl_write next = p->next;
  free(p);
  next.durable(next.arg, rc);
}

/* Appends the order row (and the event row) of s->next to b. */
static int step_rows(void *arg, const pl_movement *m, pl__batch *b) {
  pl__wo_step *s = arg;
  if (m != NULL && m->kind == PL_MOVE_ISSUE) { /* the lots just picked */
    for (int32_t i = 0; i < s->next->n_items; i++) {
      pl_wo_item *it = &s->next->items[i];
      if (it->no == s->ev.item_no && it->kind == PL_ITEM_PART) {
        it->n_lots = m->n_lots < PL_WO_LOTS ? m->n_lots : PL_WO_LOTS;
        memcpy(it->lots, m->lots, (size_t)it->n_lots * sizeof *it->lots);
        /* each lot's supplier, for warranty claims (traceability) */
        for (int32_t k = 0; k < it->n_lots; k++) {
          it->lot_supplier[k][0] = '\0';
          for (int32_t j = 0; j < s->n_lots_known; j++)
            if (s->lots_known[j].lot == it->lots[k].lot)
              memcpy(it->lot_supplier[k], s->lots_known[j].supplier,
                     PL_CODE_MAX);
        }
      }
    }
  }
  pl__buf k = {0}, v = {0};
  pl__wo_key(&k, s->c->info.code, s->next->id);
  pl__wo_row(&v, s->next, s->idem);
  pl__batch_put(b, k.p, k.n, v.p, v.n);
  if (s->ev.kind != 0) {
    pl__buf_reset(&k);
    pl__buf_reset(&v);
    pl__wo_event_key(&k, s->c->info.code, s->next->id, s->ev.seq);
    pl__wo_event_encode(&v, &s->ev);
    pl__batch_put(b, k.p, k.n, v.p, v.n);
  }
  for (int32_t i = 0; i < s->n_claims; i++) { /* atomic with the item */
    pl__buf_reset(&k);
    pl__buf_reset(&v);
    pl__sclaim_key(&k, s->c->info.code, s->claims[i].id);
    pl__sclaim_row(&v, &s->claims[i]);
    pl__batch_put(b, k.p, k.n, v.p, v.n);
  }
  int rc = k.oom || v.oom ? PL_ENOMEM : 0;
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc;
}

/* Sets up s->ev as the next event of s->next (seq, time, state). */
void pl__wo_step_event(pl__wo_step *s, pl_wo_event_kind kind, int32_t item_no,
                       const char *actor, const char *note) {
  pl_wo_event *ev = &s->ev;
  memset(ev, 0, sizeof *ev);
  ev->kind = kind;
  memcpy(ev->chain, s->c->info.code, PL_CODE_MAX);
  ev->wo_id = s->next->id;
  memcpy(ev->store, s->next->store, PL_CODE_MAX);
  ev->seq = ++s->next->last_seq;
  ev->at_ms = pl__chain_now_ms(s->e, s->c);
  ev->item_no = item_no;
  snprintf(ev->actor, sizeof ev->actor, "%s", actor ? actor : "");
  snprintf(ev->note, sizeof ev->note, "%s", note ? note : "");
  s->next->updated_ms = ev->at_ms;
}

/* The pl_write of a step: the barrier's, wrapped to publish the event. */
static int step_write(pl__wo_step *s, pl_write *out) {
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
    pl_work_order *p = realloc(o->w, pl__wo_size(cap));
    if (p == NULL)
      return PL_ENOMEM; /* the row is queued: memory is behind until reopen */
    o->w = p;
    o->cap_items = cap;
  }
  pl__wo_load_apply(wc, o->w, -1);
  memcpy(o->w, next, pl__wo_size(next->n_items));
  pl__wo_load_apply(wc, o->w, +1);
  pl__observe_wo(wc->chain, o->w);
  return 0;
}

/* Queues the order row + event (its own write, ledger op of the event). */
int pl__wo_step_queue(pl__wo_step *s) {
  s->ev.state = s->next->state;
  pl__batch b = {0};
  int rc = step_rows(s, NULL, &b);
  pl__buf k = {0}, v = {0};
  pl__wo_key(&k, s->c->info.code, s->next->id);
  pl__wo_event_encode(&v, &s->ev);
  pl__entry en = {.op = PL__OP_WO_BASE + (unsigned)s->ev.kind,
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
    rc = pl__write_batch(s->e, s->c, &b, &en, &w, NULL, NULL);
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
int pl__wo_step_move(pl__wo_step *s, pl_move_kind kind, const pl_wo_item *it,
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

int pl__wo_begin(const pl_write *w, pl_work_order **next, pl__barrier **bar,
                 pl_error *err) {
  *next = malloc(sizeof **next);
  *bar = pl__barrier_new(w);
  if (*next != NULL && *bar != NULL)
    return 0;
  free(*next);
  if (*bar != NULL)
    pl__barrier_end(*bar, PL_ENOMEM);
  *next = NULL;
  *bar = NULL;
  return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
}

pl__wo *pl__wo_find(pl__wo_chain *wc, int64_t id) {
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
int pl__wo_make_item(pl_engine *e, pl__chain *c, const char *store,
                     const pl_wo_item_in *in, int32_t no, const char *field,
                     pl_wo_item *it, pl_error *err) {
  memset(it, 0, sizeof *it);
  it->no = no;
  it->kind = in->kind;
  it->state = PL_ITEM_OPEN;
  int rc = pl__check_text(err, field, in->note, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, field, in->unit_price_fen, 0, PL__WO_PRICE_MAX);
  if (rc != 0)
    return rc;
  memcpy(it->note, in->note, PL_NAME_MAX);
  it->unit_price_fen = in->unit_price_fen;
  it->warranty_claim = in->warranty_claim != 0;
  if (in->kind == PL_ITEM_LABOUR) {
    rc = pl__check_code(err, field, in->service, PL_CODE_MAX);
    if (rc == 0)
      rc =
          pl__check_range(err, field, in->labour_min, 0, PL__WO_LABOUR_MIN_MAX);
    if (rc != 0)
      return rc;
    pthread_rwlock_rdlock(&c->lock);
    const pl_service_info *svc = pl__sched_service(c, in->service);
    int32_t dur = svc != NULL ? svc->duration_min : 0;
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
    rc = pl__check_range(err, field, in->qty, 1, PL__WO_PART_QTY_MAX);
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
int pl__wo_reserve_item(pl__wo_step *s, int32_t ix, const char *actor,
                        pl_error *err) {
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
    int rc = pl__wo_step_move(s, PL_MOVE_RESERVE, it, q, actor, NULL, &e2);
    if (rc == 0)
      return 0;
    *it = before;
    if (rc != PL_EPRECOND)
      return PL__FAIL(err, rc, "%s", e2.msg);
  }
  return 0;
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

static int64_t item_list_fen(const pl_wo_item *it) {
  return it->kind == PL_ITEM_LABOUR ? it->unit_price_fen
                                    : it->unit_price_fen * it->qty;
}

int64_t pl_wo_item_customer_fen(const pl_wo_item *it) {
  return it->warranty != PL_WARRANTY_NONE ? 0 : item_list_fen(it);
}

void pl_wo_totals(const pl_work_order *wo, int64_t *labour_fen,
                  int64_t *parts_fen) {
  int64_t l = 0, p = 0;
  for (int32_t i = 0; i < wo->n_items; i++) {
    const pl_wo_item *it = &wo->items[i];
    if (it->state == PL_ITEM_REJECTED || it->state == PL_ITEM_CANCELLED)
      continue;
    if (it->kind == PL_ITEM_LABOUR)
      l += pl_wo_item_customer_fen(it);
    else
      p += pl_wo_item_customer_fen(it);
  }
  *labour_fen = l;
  *parts_fen = p;
}

int64_t pl_wo_warranty_fen(const pl_work_order *wo) {
  int64_t sum = 0;
  for (int32_t i = 0; i < wo->n_items; i++) {
    const pl_wo_item *it = &wo->items[i];
    if (it->state != PL_ITEM_REJECTED && it->state != PL_ITEM_CANCELLED &&
        it->warranty != PL_WARRANTY_NONE)
      sum += item_list_fen(it);
  }
  return sum;
}

int pl_wo_get(pl_engine *e, const char *chain, int64_t id, pl_work_order *out,
              pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&wc->lock);
  const pl__wo *o = pl__wo_find(wc, id);
  if (o != NULL)
    memcpy(out, o->w, pl__wo_size(o->w->n_items));
  pthread_rwlock_unlock(&wc->lock);
  return o != NULL ? 0
                   : PL__FAIL(err, PL_ENOTFOUND, "id: no work order %lld",
                              (long long)id);
}

int pl_wo_list(pl_engine *e, const pl_wo_filter *f, pl_work_order *out, int cap,
               pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, f->chain, &c, &wc, err);
  if (rc == 0 && f->store != NULL)
    rc = pl__check_opt_code(err, "store", f->store, PL_CODE_MAX);
  if (rc == 0 && f->state != 0)
    rc =
        pl__check_range(err, "state", f->state, PL_WO_PENDING, PL_WO_CANCELLED);
  if (rc == 0)
    rc = pl__check_plate(err, "plate", f->plate, 1);
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
    memcpy(&out[n++], w, pl__wo_size(w->n_items));
  }
  pthread_rwlock_unlock(&wc->lock);
  return n;
}
