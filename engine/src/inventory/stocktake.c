/* inventory/stocktake.c — counting a warehouse (盘点): open -> count* -> close.
 *
 *   (none) --pl_stocktake_open--> OPEN --pl_stocktake_count--> OPEN
 *          OPEN --pl_stocktake_close--> CLOSED (final; closing again,
 *          or counting, is PL_EPRECOND)
 *
 * Invariants:
 *  1. At most one OPEN stocktake per warehouse.
 *  2. Closing writes one correction movement (盘盈 gain / 盘亏 loss) per
 *     counted part whose count differs from on hand at close, then the
 *     CLOSED row. Each is its own ledger entry; if a crash lands between
 *     them, the stocktake is still OPEN after restart, and closing it
 *     again corrects only what is still different (variances are computed
 *     against on hand at close, so the corrections converge).
 *  3. A count below the part's reserved qty refuses the close (the loss
 *     would take reserved units): release the reservations first.
 * State is under sc->st_lock; cells are locked after it, in ascending part
 * index order (all in one warehouse).
 *
 * Row: 1 warehouse closed actor n (part_no counted)*n */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "inventory/stock_int.h"

#define ROW_VERSION 1

static void take_row(pl__buf *v, const pl__chain *c, const pl__stocktake *t) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v,
              ((const pl__warehouse *)c->warehouses.items[t->wh])->info.code);
  pl__buf_uvar(v, (uint64_t)t->closed);
  pl__buf_str(v, t->actor);
  pl__buf_uvar(v, (uint64_t)t->n);
  for (int32_t i = 0; i < t->n; i++) {
    pl__buf_str(
        v, ((const pl__part *)c->parts.items[t->counts[i].part])->info.part_no);
    pl__buf_svar(v, t->counts[i].counted);
  }
}

/* Encodes the stocktake's row (reading codes under the chain's lock, so
 * callers must not hold a cell lock: docs/architecture.md "Lock order"). */
static void encode_take(pl__chain *c, const pl__stocktake *t, pl__buf *val) {
  pthread_rwlock_rdlock(&c->lock);
  take_row(val, c, t);
  pthread_rwlock_unlock(&c->lock);
}

/* Queues an encoded stocktake row with its ledger entry. */
static int submit_take(pl_engine *e, pl__chain *c, const pl__stocktake *t,
                       unsigned op, const pl__buf *val, const pl_write *w,
                       pl__sync *sync) {
  pl__buf key = {0};
  pl__key_prefix(&key, c->info.code, PL__K_STOCKTAKE);
  pl__buf_be64(&key, t->id);
  int64_t at = pl__chain_now_ms(e, c);
  int rc = pl__write_row(e, c, op, at, &key, val, w, sync);
  if (rc == 0 && op == PL__OP_STOCKTAKE_CLOSE) /* the KPI reports */
    pl__observe_stocktake(c, t->wh, t->n, at);
  pl__buf_free(&key);
  return rc;
}

/* Encodes and queues (no cell lock held). */
static int queue_take(pl_engine *e, pl__chain *c, const pl__stocktake *t,
                      unsigned op, const pl_write *w, pl__sync *sync) {
  pl__buf val = {0};
  encode_take(c, t, &val);
  int rc = submit_take(e, c, t, op, &val, w, sync);
  pl__buf_free(&val);
  return rc;
}

static pl__stocktake *take_find(pl__stock_chain *sc, uint64_t id) {
  for (int i = 0; i < sc->takes.n; i++) {
    pl__stocktake *t = sc->takes.items[i];
    if (t->id == id)
      return t;
  }
  return NULL;
}

int pl_stocktake_open(pl_engine *e, const char *chain, const char *warehouse,
                      const char *actor, const pl_write *w, uint64_t *id_out,
                      pl_error *err) {
  int rc = pl__check_code(err, "warehouse", warehouse, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor, PL_ACTOR_MAX, 0);
  pl__chain *c = NULL;
  pl__stock_chain *sc = NULL;
  if (rc == 0)
    rc = pl__stock_lookup(e, chain, &c, &sc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&c->lock);
  int32_t wh = pl__strmap_get(&c->wh_ix, warehouse);
  pthread_rwlock_unlock(&c->lock);
  if (wh < 0)
    return PL__FAIL(err, PL_ENOTFOUND, "warehouse: no warehouse '%s'",
                    warehouse);
  pl__sync sync;
  int queued = 0;
  pthread_mutex_lock(&sc->st_lock);
  for (int i = 0; rc == 0 && i < sc->takes.n; i++) {
    const pl__stocktake *t = sc->takes.items[i];
    if (t->wh == wh && !t->closed)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "warehouse: stocktake %llu of '%s' is still open",
                    (unsigned long long)t->id, warehouse);
  }
  pl__stocktake *t = NULL;
  if (rc == 0) {
    t = calloc(1, sizeof *t);
    rc = t == NULL ? PL_ENOMEM : pl__vec_reserve(&sc->takes, 1);
  }
  if (rc == 0) {
    t->id = sc->next_take;
    t->wh = wh;
    memcpy(t->actor, actor, strlen(actor) + 1);
    rc = queue_take(e, c, t, PL__OP_STOCKTAKE_OPEN, w, &sync);
  }
  if (rc == 0) {
    queued = 1;
    sc->next_take++;
    pl__vec_push(&sc->takes, t);
    if (id_out != NULL)
      *id_out = t->id;
  } else {
    free(t);
  }
  pthread_mutex_unlock(&sc->st_lock);
  return pl__stock_finish(rc, queued, &sync, w, err);
}

int pl_stocktake_count(pl_engine *e, const char *chain, uint64_t id,
                       const char *part_no, int64_t counted, const pl_write *w,
                       pl_error *err) {
  int rc = pl__check_range(err, "counted", counted, 0, 1000000000LL);
  pl__chain *c = NULL;
  int32_t part = -1;
  if (rc == 0)
    rc = pl__stock_part(e, chain, part_no, &c, &part, err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_of(c);
  if (sc == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl__sync sync;
  int queued = 0;
  pthread_mutex_lock(&sc->st_lock);
  pl__stocktake *t = take_find(sc, id);
  if (t == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND, "stocktake_id: no stocktake %llu",
                  (unsigned long long)id);
  else if (t->closed)
    rc = PL__FAIL(err, PL_EPRECOND, "stocktake_id: %llu is closed",
                  (unsigned long long)id);
  int32_t i = 0;
  while (rc == 0 && i < t->n && t->counts[i].part != part)
    i++;
  if (rc == 0 && i == t->n && t->n == t->cap) {
    int32_t ncap = t->cap ? t->cap * 2 : 16;
    pl__count *nc = realloc(t->counts, (size_t)ncap * sizeof *nc);
    if (nc == NULL) {
      rc = PL_ENOMEM;
    } else {
      t->counts = nc;
      t->cap = ncap;
    }
  }
  if (rc == 0) {
    int added = i == t->n;
    int64_t old = added ? 0 : t->counts[i].counted;
    t->counts[i] = (pl__count){part, counted};
    t->n += added;
    rc = queue_take(e, c, t, PL__OP_STOCKTAKE_COUNT, w, &sync);
    if (rc != 0) {
      t->n -= added;
      t->counts[i].counted = old;
    }
    queued = rc == 0;
  }
  pthread_mutex_unlock(&sc->st_lock);
  return pl__stock_finish(rc, queued, &sync, w, err);
}

static int cmp_count(const void *a, const void *b) {
  const pl__count *x = a, *y = b;
  return (x->part > y->part) - (x->part < y->part);
}

/* Variances by part_no (the reply's order, whatever the parts' indexes). */
static int cmp_variance(const void *a, const void *b) {
  return strcmp(((const pl_variance *)a)->part_no,
                ((const pl_variance *)b)->part_no);
}

int pl_stocktake_close(pl_engine *e, const char *chain, uint64_t id,
                       const char *actor, pl_variance *out, int cap,
                       pl_error *err) {
  int rc = pl__check_text(err, "actor", actor, PL_ACTOR_MAX, 0);
  pl__chain *c = NULL;
  pl__stock_chain *sc = NULL;
  if (rc == 0)
    rc = pl__stock_lookup(e, chain, &c, &sc, err);
  if (rc != 0)
    return rc;
  pthread_mutex_lock(&sc->st_lock);
  pl__stocktake *t = take_find(sc, id);
  if (t == NULL) {
    pthread_mutex_unlock(&sc->st_lock);
    return PL__FAIL(err, PL_ENOTFOUND, "stocktake_id: no stocktake %llu",
                    (unsigned long long)id);
  }
  if (t->closed) {
    pthread_mutex_unlock(&sc->st_lock);
    return PL__FAIL(err, PL_EPRECOND, "stocktake_id: %llu already closed",
                    (unsigned long long)id);
  }
  int32_t n = t->n;
  pl__count *counts = malloc((size_t)(n ? n : 1) * sizeof *counts);
  pl__cell **cells = calloc((size_t)(n ? n : 1), sizeof(pl__cell *));
  pl__sync *syncs = calloc((size_t)n + 1, sizeof *syncs);
  int *queued = calloc((size_t)n + 1, sizeof *queued);
  pl_move_req *reqs = calloc((size_t)(n ? n : 1), sizeof *reqs);
  int64_t *costs = calloc((size_t)(n ? n : 1), sizeof *costs);
  if (counts == NULL || cells == NULL || syncs == NULL || queued == NULL ||
      reqs == NULL || costs == NULL)
    rc = PL_ENOMEM;
  if (rc == 0) {
    if (n > 0) { /* t->counts is NULL before the first count */
      memcpy(counts, t->counts, (size_t)n * sizeof *counts);
      qsort(counts, (size_t)n, sizeof *counts, cmp_count);
    }
    pthread_rwlock_rdlock(&c->lock);
    const char *wh =
        ((const pl__warehouse *)c->warehouses.items[t->wh])->info.code;
    for (int32_t i = 0; i < n; i++) {
      const pl__part *p = c->parts.items[counts[i].part];
      pl_move_req *q = &reqs[i];
      memcpy(q->chain, c->info.code, sizeof q->chain);
      memcpy(q->warehouse, wh, strlen(wh) + 1);
      memcpy(q->part_no, p->info.part_no, sizeof q->part_no);
      memcpy(q->actor, actor, strlen(actor) + 1);
      snprintf(q->reason, sizeof q->reason, "stocktake %llu",
               (unsigned long long)id);
      costs[i] = p->info.purchase_fen;
    }
    pthread_rwlock_unlock(&c->lock);
    for (int32_t i = 0; rc == 0 && i < n; i++)
      if ((cells[i] = pl__stock_cell(sc, t->wh, counts[i].part, 1)) == NULL)
        rc = PL_ENOMEM;
  }
  /* the closed row, encoded before the cells are locked */
  pl__buf closed_row = {0};
  t->closed = 1;
  encode_take(c, t, &closed_row);
  t->closed = 0;
  int32_t locked = 0;
  for (; rc == 0 && locked < n; locked++)
    pthread_mutex_lock(&cells[locked]->mu);
  for (int32_t i = 0; rc == 0 && i < n; i++)
    if (counts[i].counted < cells[i]->reserved)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "counts: part '%s' counted %lld below its reserved %lld; "
                    "release reservations first",
                    reqs[i].part_no, (long long)counts[i].counted,
                    (long long)cells[i]->reserved);
  int32_t nv = 0;
  for (int32_t i = 0; rc == 0 && i < n; i++) {
    pl__cell *cell = cells[i];
    pl_variance v = {0};
    memcpy(v.part_no, reqs[i].part_no, sizeof v.part_no);
    v.expected = cell->on_hand;
    v.counted = counts[i].counted;
    v.variance = v.counted - v.expected;
    if (v.variance != 0) {
      pl_movement m;
      reqs[i].qty = v.variance > 0 ? v.variance : -v.variance;
      pl__move_args a = {.c = c,
                         .sc = sc,
                         .cell = cell,
                         .kind = v.variance > 0 ? PL_MOVE_STOCKTAKE_GAIN
                                                : PL_MOVE_STOCKTAKE_LOSS,
                         .in = &reqs[i],
                         .default_cost = costs[i],
                         .sync = &syncs[i]};
      rc = pl__stock_move_locked(e, &a, &queued[i], &m, err);
      if (rc == 0) {
        v.seq = m.seq;
        for (int32_t k = 0; k < m.n_lots; k++) {
          int64_t x;
          if (__builtin_mul_overflow(m.lots[k].qty, m.lots[k].unit_cost_fen,
                                     &x) ||
              __builtin_add_overflow(v.value_fen, x, &v.value_fen))
            v.value_fen = INT64_MAX; /* saturates; never in practice */
        }
        if (v.variance < 0)
          v.value_fen = -v.value_fen;
      }
    }
    if (rc == 0 && nv < cap)
      out[nv] = v;
    nv += rc == 0;
  }
  if (rc == 0) {
    rc = submit_take(e, c, t, PL__OP_STOCKTAKE_CLOSE, &closed_row, NULL,
                     &syncs[n]);
    t->closed = rc == 0;
    queued[n] = rc == 0;
  }
  for (int32_t i = 0; i < locked; i++)
    pthread_mutex_unlock(&cells[i]->mu);
  pthread_mutex_unlock(&sc->st_lock);
  /* wait for everything queued, even after a failure */
  for (int32_t i = 0; queued != NULL && i <= n; i++)
    if (queued[i]) {
      int src = pl__sync_wait(&syncs[i]);
      if (rc == 0)
        rc = src;
    }
  pl__buf_free(&closed_row);
  free(counts);
  free(cells);
  free(syncs);
  free(queued);
  free(reqs);
  free(costs);
  rc = pl__stock_finish(rc, 0, NULL, NULL, err);
  if (rc == 0 && out != NULL)
    qsort(out, (size_t)(nv < cap ? nv : cap), sizeof *out, cmp_variance);
  return rc == 0 ? nv : rc;
}

/* ---- recovery ------------------------------------------------------------ */

int pl__stocktake_load(pl__chain *c, pl__stock_chain *sc,
                       const unsigned char *rest, size_t rl, pl__rd *r) {
  if (rl != 8)
    return PL_ECORRUPT;
  pl__stocktake *t = calloc(1, sizeof *t);
  if (t == NULL)
    return PL_ENOMEM;
  t->id = pl__be64_get(rest);
  char code[PL_CODE_MAX];
  pl__rd_str(r, code, sizeof code);
  t->wh = pl__strmap_get(&c->wh_ix, code);
  t->closed = pl__rd_uvar(r) != 0;
  pl__rd_str(r, t->actor, sizeof t->actor);
  uint64_t n = pl__rd_uvar(r);
  int rc = r->bad || t->wh < 0 || n > 10000000 ? PL_ECORRUPT : 0;
  if (rc == 0 && n > 0) {
    t->counts = calloc((size_t)n, sizeof *t->counts);
    t->cap = (int32_t)n;
    if (t->counts == NULL)
      rc = PL_ENOMEM;
  }
  for (uint64_t i = 0; rc == 0 && i < n; i++) {
    pl__rd_str(r, code, sizeof code);
    t->counts[i].part = pl__strmap_get(&c->part_ix, code);
    t->counts[i].counted = pl__rd_svar(r);
    if (r->bad || t->counts[i].part < 0)
      rc = PL_ECORRUPT;
    t->n++;
  }
  if (rc == 0)
    rc = pl__vec_reserve(&sc->takes, 1);
  if (rc != 0) {
    free(t->counts);
    free(t);
    return rc;
  }
  pl__vec_push(&sc->takes, t);
  if (t->id >= sc->next_take)
    sc->next_take = t->id + 1;
  return 0;
}

void pl__stocktake_free(pl__stock_chain *sc) {
  for (int i = 0; i < sc->takes.n; i++)
    free(((pl__stocktake *)sc->takes.items[i])->counts);
  pl__vec_free_all(&sc->takes);
}
