/* inventory/replenish.c — stock alerts and purchase suggestions: reports
 * computed from the stock cells, their min/max levels, the suppliers' quotes
 * and (for overstock) the ledger's issue rate.
 *
 * Usage ("3 months of usage") is what left a cell by issue or sale in the
 * last 90 days of the engine clock. It is read from the ledger in RocksDB:
 * the first entry of the window is found by binary search on sequence
 * numbers (entries are written in sequence order with the clock read just
 * before, so at_ms is monotone up to clock skew between threads), then the
 * window is read forward. A report, not a hot path: nothing here is kept
 * in memory between calls.
 *
 * Locks: chain->lock (read, codes) -> sc->map_lock (read) -> each cell's
 * mutex in turn -> sc->sup_lock (read). */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "inventory/stock_int.h"

#define USAGE_WINDOW_MS (90LL * 24 * 3600 * 1000)

/* The first sequence number whose entry is at or after t_ms. */
static uint64_t first_seq_since(pl_engine *e, pl__chain *c, int64_t t_ms) {
  pthread_mutex_lock(&e->commit.mu);
  uint64_t lo = 1, hi = c->next_seq;
  pthread_mutex_unlock(&e->commit.mu);
  pl__buf k = {0}, v = {0};
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    pl__key_ledger(&k, c->info.code, mid);
    pl__buf_reset(&v);
    int64_t at = INT64_MIN;
    if (!k.oom && pl__db_get(e->db, k.p, k.n, &v, NULL) == 0 && v.n > 1) {
      pl__rd r;
      pl__rd_init(&r, v.p, v.n);
      r.off = 1;
      at = pl__rd_svar(&r);
    }
    if (at < t_ms)
      lo = mid + 1;
    else
      hi = mid;
  }
  pl__buf_free(&k);
  pl__buf_free(&v);
  return lo;
}

typedef struct usage_ctx {
  pl__chain *c;
  pl__stock_chain *sc;
  int64_t *by_ord; /* per cell ordinal */
  int n;
} usage_ctx;

static int usage_one(void *arg, uint64_t seq, unsigned op, int64_t at,
                     const unsigned char *val, size_t vl) {
  (void)seq, (void)at;
  usage_ctx *x = arg;
  if (op != PL__OP_MOVE_BASE + PL_MOVE_ISSUE &&
      op != PL__OP_MOVE_BASE + PL_MOVE_SALE)
    return 0;
  pl_movement m;
  if (pl__movement_decode(val, vl, &m) != 0)
    return PL_ECORRUPT;
  pthread_rwlock_rdlock(&x->c->lock);
  int32_t wh = pl__strmap_get(&x->c->wh_ix, m.warehouse);
  int32_t part = pl__strmap_get(&x->c->part_ix, m.part_no);
  pthread_rwlock_unlock(&x->c->lock);
  const pl__cell *cell =
      wh >= 0 && part >= 0 ? pl__stock_cell(x->sc, wh, part, 0) : NULL;
  if (cell != NULL && cell->ord < x->n)
    x->by_ord[cell->ord] += -m.qty;
  return 0;
}

/* The chain, the warehouse filter ("" or NULL: all; else its index in *wh,
 * -1 for all) and the chain's stock state (*sc NULL: no stock yet). */
static int find_chain(pl_engine *e, const char *chain, const char *warehouse,
                      pl__chain **c, int32_t *wh, pl__stock_chain **sc,
                      pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "warehouse", warehouse, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  rc = pl__chain_known(e, chain, c, err);
  if (rc != 0)
    return rc;
  *wh = -1;
  if (warehouse[0] != '\0') {
    pthread_rwlock_rdlock(&(*c)->lock);
    *wh = pl__strmap_get(&(*c)->wh_ix, warehouse);
    pthread_rwlock_unlock(&(*c)->lock);
    if (*wh < 0)
      return PL__FAIL(err, PL_ENOTFOUND, "warehouse: no warehouse '%s'",
                      warehouse);
  }
  *sc = pl__stock_peek(*c);
  return 0;
}

static int cmp_alert(const void *a, const void *b) {
  const pl_alert *x = a, *y = b;
  int r = strcmp(x->warehouse, y->warehouse);
  if (r == 0)
    r = strcmp(x->part_no, y->part_no);
  return r != 0 ? r : (int)x->kind - (int)y->kind;
}

static void put_alert(pl_alert *out, int cap, int *n, pl_alert_kind kind,
                      const pl_alert *base) {
  if (*n < cap) {
    out[*n] = *base;
    out[*n].kind = kind;
  }
  (*n)++;
}

int pl_stock_alerts(pl_engine *e, const char *chain, const char *warehouse,
                    pl_alert *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  int32_t wh = -1;
  pl__stock_chain *sc = NULL;
  int rc = find_chain(e, chain, warehouse, &c, &wh, &sc, err);
  if (rc != 0 || sc == NULL) /* no stock yet: nothing to report */
    return rc;
  pthread_rwlock_rdlock(&sc->map_lock);
  int ncells = sc->cells.n;
  pthread_rwlock_unlock(&sc->map_lock);
  usage_ctx x = {.c = c, .sc = sc, .n = ncells};
  x.by_ord = calloc((size_t)(ncells ? ncells : 1), sizeof *x.by_ord);
  if (x.by_ord == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  uint64_t from =
      first_seq_since(e, c, pl__chain_now_ms(e, c) - USAGE_WINDOW_MS);
  rc = pl__ledger_walk(e, chain, from - 1, usage_one, &x, err);
  int n = 0;
  if (rc == 0) {
    pthread_rwlock_rdlock(&c->lock);
    pthread_rwlock_rdlock(&sc->map_lock);
    for (int i = 0; i < ncells; i++) {
      pl__cell *cell = sc->cells.items[i];
      if (wh >= 0 && cell->wh != wh)
        continue;
      pl_alert a = {0};
      memcpy(a.warehouse,
             ((const pl__warehouse *)c->warehouses.items[cell->wh])->info.code,
             sizeof a.warehouse);
      memcpy(a.part_no,
             ((const pl__part *)c->parts.items[cell->part])->info.part_no,
             sizeof a.part_no);
      pthread_mutex_lock(&cell->mu);
      a.on_hand = cell->on_hand;
      a.available = cell->on_hand - cell->reserved;
      a.min_qty = cell->min_qty;
      a.max_qty = cell->max_qty;
      pthread_mutex_unlock(&cell->mu);
      a.usage_90d = x.by_ord[i];
      if (a.min_qty > 0 && a.available < a.min_qty)
        put_alert(out, cap, &n, PL_ALERT_BELOW_MIN, &a);
      if (a.max_qty > 0 && a.on_hand > a.max_qty)
        put_alert(out, cap, &n, PL_ALERT_ABOVE_MAX, &a);
      if (a.on_hand > 0 && a.on_hand > a.usage_90d)
        put_alert(out, cap, &n, PL_ALERT_OVERSTOCK, &a);
    }
    pthread_rwlock_unlock(&sc->map_lock);
    pthread_rwlock_unlock(&c->lock);
  }
  free(x.by_ord);
  if (rc != 0)
    return rc;
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_alert);
  return n;
}

static int cmp_line(const void *a, const void *b) {
  const pl_purchase_line *x = a, *y = b;
  /* lines without a supplier last */
  if ((x->supplier[0] == '\0') != (y->supplier[0] == '\0'))
    return x->supplier[0] == '\0' ? 1 : -1;
  int r = strcmp(x->supplier, y->supplier);
  if (r == 0)
    r = strcmp(x->warehouse, y->warehouse);
  return r != 0 ? r : strcmp(x->part_no, y->part_no);
}

int pl_stock_suggest_purchase(pl_engine *e, const char *chain,
                              const char *warehouse, int32_t max_lead_days,
                              pl_purchase_line *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  int32_t wh = -1;
  pl__stock_chain *sc = NULL;
  int rc = find_chain(e, chain, warehouse, &c, &wh, &sc, err);
  if (rc != 0 || sc == NULL) /* no stock yet: nothing to report */
    return rc;
  int n = 0;
  pthread_rwlock_rdlock(&c->lock);
  pthread_rwlock_rdlock(&sc->map_lock);
  for (int i = 0; i < sc->cells.n; i++) {
    pl__cell *cell = sc->cells.items[i];
    if (wh >= 0 && cell->wh != wh)
      continue;
    pthread_mutex_lock(&cell->mu);
    int64_t avail = cell->on_hand - cell->reserved;
    int64_t min = cell->min_qty, max = cell->max_qty;
    pthread_mutex_unlock(&cell->mu);
    if (min <= 0 || avail >= min)
      continue;
    if (n < cap) {
      pl_purchase_line *l = &out[n];
      memset(l, 0, sizeof *l);
      memcpy(l->warehouse,
             ((const pl__warehouse *)c->warehouses.items[cell->wh])->info.code,
             sizeof l->warehouse);
      memcpy(l->part_no,
             ((const pl__part *)c->parts.items[cell->part])->info.part_no,
             sizeof l->part_no);
      l->qty = (max > 0 ? max : min) - avail;
      pthread_rwlock_rdlock(&sc->sup_lock);
      const pl_quote_info *q = pl__supplier_best(sc, l->part_no, max_lead_days);
      if (q != NULL) {
        memcpy(l->supplier, q->supplier, sizeof l->supplier);
        l->price_fen = q->price_fen;
        l->lead_days = q->lead_days;
      }
      pthread_rwlock_unlock(&sc->sup_lock);
    }
    n++;
  }
  pthread_rwlock_unlock(&sc->map_lock);
  pthread_rwlock_unlock(&c->lock);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_line);
  return n;
}
