/* workorders/events.c — work-order events: their encoding, each order's log of
 * durable events, and the watchers that stream them (see workorders.h).
 *
 * An event enters its order's log only when the write that carries it is
 * durable (pl__wo_publish, from the commit thread), under hub_mu, which
 * also guards the watcher list. A watch replays the log and registers
 * under the same mutex, so between replay and live streaming nothing is
 * missed or repeated, and every watcher sees one order's events in
 * sequence. */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "workorders/step.h"

#define EVENT_VERSION 1

struct pl_wo_watch {
  pl__wo_chain *wc;
  int64_t wo_id;           /* > 0: one order */
  char store[PL_CODE_MAX]; /* wo_id 0: one store */
  pl_wo_event_fn fn;
  void *arg;
};

void pl__wo_event_encode(pl__buf *v, const pl_wo_event *ev) {
  pl__buf_uvar(v, EVENT_VERSION);
  pl__buf_uvar(v, ev->seq);
  pl__buf_svar(v, ev->at_ms);
  pl__buf_uvar(v, (uint64_t)ev->kind);
  pl__buf_uvar(v, (uint64_t)ev->state);
  pl__buf_svar(v, ev->item_no);
  pl__buf_svar(v, ev->percent);
  pl__buf_str(v, ev->actor);
  pl__buf_str(v, ev->note);
}

int pl__wo_event_decode(const unsigned char *p, size_t n, pl_wo_event *ev) {
  pl__rd r;
  pl__rd_init(&r, p, n);
  if (pl__rd_uvar(&r) != EVENT_VERSION)
    return PL_ECORRUPT;
  ev->seq = pl__rd_uvar(&r);
  ev->at_ms = pl__rd_svar(&r);
  ev->kind = (pl_wo_event_kind)pl__rd_uvar(&r);
  ev->state = (pl_wo_state)pl__rd_uvar(&r);
  ev->item_no = (int32_t)pl__rd_svar(&r);
  ev->percent = (int32_t)pl__rd_svar(&r);
  pl__rd_str(&r, ev->actor, sizeof ev->actor);
  pl__rd_str(&r, ev->note, sizeof ev->note);
  if (r.bad || ev->kind < PL_WOE_CREATED || ev->kind > PL_WOE_PARTS_RESERVED ||
      ev->state < PL_WO_PENDING || ev->state > PL_WO_CANCELLED)
    return PL_ECORRUPT;
  return 0;
}

int pl__wo_log_append(pl__wo *o, const pl_wo_event *ev) {
  if (o->n_ev == o->cap_ev) {
    int32_t cap = o->cap_ev ? o->cap_ev * 2 : 8;
    pl_wo_event *p = realloc(o->ev, (size_t)cap * sizeof *p);
    if (p == NULL)
      return PL_ENOMEM;
    o->ev = p;
    o->cap_ev = cap;
  }
  o->ev[o->n_ev++] = *ev;
  return 0;
}

void pl__wo_log_free(pl__wo *o) {
  free(o->ev);
  o->ev = NULL;
  o->n_ev = o->cap_ev = 0;
}

static int watch_wants(const struct pl_wo_watch *wt, const pl_wo_event *ev) {
  return wt->wo_id > 0 ? wt->wo_id == ev->wo_id
                       : strcmp(wt->store, ev->store) == 0;
}

int pl__wo_publish(pl__wo_chain *wc, pl__wo *o, const pl_wo_event *ev) {
  pthread_mutex_lock(&wc->hub_mu);
  int rc = pl__wo_log_append(o, ev);
  for (int i = 0; i < wc->watchers.n; i++) {
    struct pl_wo_watch *wt = wc->watchers.items[i];
    if (watch_wants(wt, ev))
      wt->fn(wt->arg, ev);
  }
  pthread_mutex_unlock(&wc->hub_mu);
  return rc;
}

/* A booking change on its way to the watchers of its store. */
struct pl__booking_notice {
  pl__wo_chain *wc;
  pl_wo_event ev;
  pl_write next; /* when wrapped: the caller's callback, called after */
};

pl__booking_notice *
pl__wo_booking_notice(pl__chain *c, const pl_booking_info *b, int64_t at_ms) {
  pl__wo_chain *wc = pl__wo_peek(c);
  if (wc == NULL || atomic_load(&wc->store_watchers) == 0)
    return NULL; /* nobody watches a store of this chain */
  pl__booking_notice *n = calloc(1, sizeof *n);
  if (n == NULL)
    return NULL;
  n->wc = wc;
  pl_wo_event *ev = &n->ev;
  ev->kind = PL_WOE_BOOKING;
  memcpy(ev->chain, c->info.code, PL_CODE_MAX);
  memcpy(ev->store, b->store, PL_CODE_MAX);
  ev->at_ms = at_ms;
  ev->state = PL_WO_PENDING; /* no order: the field must stay valid */
  ev->booking_id = b->id;
  ev->booking_state = b->state;
  ev->booking_start = b->start;
  ev->booking_end = b->end;
  return n;
}

void pl__wo_booking_durable(pl__booking_notice *n, int rc) {
  if (rc == 0) { /* live only: nothing logged */
    pl__wo_chain *wc = n->wc;
    pthread_mutex_lock(&wc->hub_mu);
    for (int i = 0; i < wc->watchers.n; i++) {
      struct pl_wo_watch *wt = wc->watchers.items[i];
      if (wt->wo_id == 0 && strcmp(wt->store, n->ev.store) == 0)
        wt->fn(wt->arg, &n->ev);
    }
    pthread_mutex_unlock(&wc->hub_mu);
  }
  free(n);
}

/* The wrapped pl_write of pl__wo_booking_wrap. */
static void booking_wrapped(void *arg, int rc) {
  pl__booking_notice *n = arg;
  pl_write next = n->next;
  pl__wo_booking_durable(n, rc);
  next.durable(next.arg, rc);
}

pl_write pl__wo_booking_wrap(pl__booking_notice *n, const pl_write *next) {
  n->next = *next;
  return (pl_write){booking_wrapped, n};
}

/* The chain's work-order state and its order `id` (orders are never
 * freed before close, so o stays valid): 0, the lookup's error, or
 * PL_ENOTFOUND naming "id". */
static int find_order(pl_engine *e, const char *chain, int64_t id,
                      pl__wo_chain **wc, pl__wo **o, pl_error *err) {
  int rc = pl__wo_lookup(e, chain, NULL, wc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&(*wc)->lock);
  *o = id >= 1 && id <= (*wc)->orders.n ? (*wc)->orders.items[id - 1] : NULL;
  pthread_rwlock_unlock(&(*wc)->lock);
  if (*o == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "id: no work order %lld", (long long)id);
  return 0;
}

static int add_watch(pl__wo_chain *wc, struct pl_wo_watch *wt) {
  if (pl__vec_reserve(&wc->watchers, 1) != 0)
    return PL_ENOMEM;
  pl__vec_push(&wc->watchers, wt);
  return 0;
}

int pl_wo_watch_order(pl_engine *e, const char *chain, int64_t id,
                      uint64_t after_seq, pl_wo_event_fn fn, void *arg,
                      pl_wo_watch **out, pl_error *err) {
  pl__wo_chain *wc = NULL;
  pl__wo *o = NULL;
  int rc = find_order(e, chain, id, &wc, &o, err);
  if (rc != 0)
    return rc;
  struct pl_wo_watch *wt = calloc(1, sizeof *wt);
  if (wt == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  *wt = (struct pl_wo_watch){.wc = wc, .wo_id = id, .fn = fn, .arg = arg};
  pthread_mutex_lock(&wc->hub_mu);
  for (int32_t i = 0; i < o->n_ev; i++)
    if (o->ev[i].seq > after_seq)
      fn(arg, &o->ev[i]);
  rc = add_watch(wc, wt);
  pthread_mutex_unlock(&wc->hub_mu);
  if (rc != 0) {
    free(wt);
    return PL__FAIL(err, rc, "engine: out of memory");
  }
  *out = wt;
  return 0;
}

static int cmp_event_time(const void *a, const void *b) {
  const pl_wo_event *x = *(pl_wo_event *const *)a;
  const pl_wo_event *y = *(pl_wo_event *const *)b;
  if (x->at_ms != y->at_ms)
    return x->at_ms < y->at_ms ? -1 : 1;
  if (x->wo_id != y->wo_id)
    return x->wo_id < y->wo_id ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int pl_wo_watch_store(pl_engine *e, const char *chain, const char *store,
                      int64_t since_ms, pl_wo_event_fn fn, void *arg,
                      pl_wo_watch **out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc == 0)
    rc = pl__check_code(err, "store", store, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl_store_info si;
  rc = pl_store_get(e, chain, store, &si, err);
  if (rc != 0)
    return rc;
  struct pl_wo_watch *wt = calloc(1, sizeof *wt);
  if (wt == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  *wt = (struct pl_wo_watch){.wc = wc, .fn = fn, .arg = arg};
  memcpy(wt->store, si.code, sizeof wt->store);
  /* The replay: the store's events since since_ms, oldest first. Orders
   * are read under the chain's read lock (their store never changes),
   * then hub_mu, the documented order. */
  pthread_rwlock_rdlock(&wc->lock);
  pthread_mutex_lock(&wc->hub_mu);
  size_t n = 0, cap = 0;
  const pl_wo_event **sel = NULL;
  for (int i = 0; rc == 0 && i < wc->orders.n; i++) {
    const pl__wo *o = wc->orders.items[i];
    if (strcmp(o->w->store, wt->store) != 0)
      continue;
    for (int32_t k = 0; k < o->n_ev; k++) {
      if (o->ev[k].at_ms < since_ms)
        continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 64;
        const pl_wo_event **p = realloc(sel, cap * sizeof(pl_wo_event *));
        if (p == NULL) {
          rc = PL_ENOMEM;
          break;
        }
        sel = p;
      }
      sel[n++] = &o->ev[k];
    }
  }
  pthread_rwlock_unlock(&wc->lock);
  if (rc == 0) {
    if (n > 1)
      qsort(sel, n, sizeof(pl_wo_event *), cmp_event_time);
    for (size_t i = 0; i < n; i++)
      fn(arg, sel[i]);
    rc = add_watch(wc, wt);
    if (rc == 0)
      atomic_fetch_add(&wc->store_watchers, 1);
  }
  pthread_mutex_unlock(&wc->hub_mu);
  free(sel);
  if (rc != 0) {
    free(wt);
    return PL__FAIL(err, rc, "engine: out of memory");
  }
  *out = wt;
  return 0;
}

void pl_wo_unwatch(pl_engine *e, pl_wo_watch *wt) {
  (void)e;
  if (wt == NULL)
    return;
  pl__wo_chain *wc = wt->wc;
  pthread_mutex_lock(&wc->hub_mu);
  if (pl__vec_remove(&wc->watchers, wt) && wt->wo_id == 0)
    atomic_fetch_sub(&wc->store_watchers, 1);
  pthread_mutex_unlock(&wc->hub_mu);
  free(wt);
}

int pl_wo_events(pl_engine *e, const char *chain, int64_t id,
                 uint64_t after_seq, pl_wo_event *out, int cap, pl_error *err) {
  pl__wo_chain *wc = NULL;
  pl__wo *o = NULL;
  int rc = find_order(e, chain, id, &wc, &o, err);
  if (rc != 0)
    return rc;
  int n = 0;
  pthread_mutex_lock(&wc->hub_mu);
  for (int32_t i = 0; i < o->n_ev && n < cap; i++)
    if (o->ev[i].seq > after_seq)
      out[n++] = o->ev[i];
  pthread_mutex_unlock(&wc->hub_mu);
  return n;
}
