/* inventory/stock.c — stock per warehouse x part: lots issued
 * first-in-first-out, reservations for work orders, and movements (each one
 * ledger entry).
 *
 * A stock cell (warehouse x part) holds its lots in FIFO order (receipt
 * time, then lot id) and its reservations per work order. Every movement
 * follows the commit path, under the cell's mutex:
 *   validate -> plan (which lots, how much; every check that can refuse)
 *   -> reserve memory -> apply to memory -> encode the rows from memory and
 *   queue them with the ledger entry -> on a refused queue, undo.
 * So a refused movement changes nothing, and movements of one cell are in
 * the ledger in the order they were applied.
 *
 * Invariants (checked by pl_stock_verify_ledger):
 *  1. 0 <= reserved <= on_hand for every cell.
 *  2. on_hand == sum of lots[].qty_left; every lot in memory has
 *     qty_left > 0 (an exhausted lot keeps its row on disk, qty 0, so that
 *     lot ids are never reused, but leaves memory).
 *  3. reserved == sum of res[].qty; every reservation has qty > 0.
 *  4. Replaying the chain's ledger from zero gives every cell's on_hand,
 *     reserved and lots.
 *
 * Recovery rebuilds cells from their rows (levels, reservations) and lots
 * (on hand is their sum); history is not replayed.
 *
 * Rows (base/codec.h, version first, fields appended only):
 *   cell  1 min max n (work_order qty)*n
 *   lot   1 received_ms qty_in qty_left unit_cost supplier bin
 *   idem  seq(8 BE) movement            (written by the commit queue)
 * A movement (ledger value of op 48 + kind):
 *   1 kind at_ms warehouse part qty reserved_delta work_order actor reason
 *   supplier bin on_hand_after reserved_after n (lot qty cost)*n */
#include "inventory/stock_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/observe.h"
#include "core/rowwrite.h"

#define ROW_VERSION 1
/* Bounds of one request: qty * cost stays below 2^63 (1e18), and counters
 * built from many requests stay far from overflow. Stored values are only
 * checked against STORED_MAX (sanity), since they accumulate. */
#define QTY_MAX 1000000000LL  /* units per movement, level */
#define COST_MAX 1000000000LL /* fen per unit (10 M yuan) */
#define STORED_MAX (INT64_MAX / 4)

static uint64_t cell_key(int32_t wh, int32_t part) {
  return ((uint64_t)(uint32_t)(wh + 1) << 32) | (uint32_t)part;
}

/* ---- the chain's stock state -------------------------------------------- */

pl__stock_chain *pl__stock_state_new(pl__chain *c) {
  (void)c;
  pl__stock_chain *sc = calloc(1, sizeof *sc);
  if (sc == NULL)
    return NULL;
  pthread_rwlock_init(&sc->map_lock, NULL);
  pthread_mutex_init(&sc->idem_lock, NULL);
  pthread_rwlock_init(&sc->sup_lock, NULL);
  pthread_mutex_init(&sc->st_lock, NULL);
  sc->next_lot = 1;
  sc->next_take = 1;
  return sc;
}

void pl__stock_state_free(pl__stock_chain *sc) {
  if (sc == NULL)
    return;
  for (int i = 0; i < sc->cells.n; i++) {
    pl__cell *cell = sc->cells.items[i];
    pthread_mutex_destroy(&cell->mu);
    free(cell->lots);
    free(cell->res);
  }
  pl__vec_free_all(&sc->cells);
  for (int32_t i = 0; i < sc->n_by_part; i++)
    free(sc->by_part[i].items);
  free(sc->by_part);
  pl__u64map_free(&sc->cell_ix);
  for (int i = 0; i < sc->idems.n; i++)
    pl__buf_free(&((pl__idem *)sc->idems.items[i])->mv);
  pl__vec_free_all(&sc->idems);
  pl__strmap_free(&sc->idem_ix);
  pl__supplier_free(sc);
  pl__stocktake_free(sc);
  pl__fitment_free(sc);
  pthread_rwlock_destroy(&sc->map_lock);
  pthread_mutex_destroy(&sc->idem_lock);
  pthread_rwlock_destroy(&sc->sup_lock);
  pthread_mutex_destroy(&sc->st_lock);
  free(sc);
}

int pl__stock_resolve(pl_engine *e, const char *chain, const char *warehouse,
                      const char *part_no, pl__chain **c_out, int32_t *wh_out,
                      int32_t *part_out, int64_t *cost_out, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0 && warehouse != NULL)
    rc = pl__check_code(err, "warehouse", warehouse, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "part_no", part_no, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_known(e, chain, &c, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&c->lock);
  int32_t wh = warehouse != NULL ? pl__strmap_get(&c->wh_ix, warehouse) : -1;
  int32_t part = pl__strmap_get(&c->part_ix, part_no);
  if (warehouse != NULL && wh < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND,
                  "warehouse: no warehouse '%s' in chain '%s'", warehouse,
                  chain);
  else if (part < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "part_no: no part '%s' in chain '%s'",
                  part_no, chain);
  else if (cost_out != NULL)
    *cost_out = ((const pl__part *)c->parts.items[part])->info.purchase_fen;
  pthread_rwlock_unlock(&c->lock);
  *c_out = c;
  if (wh_out != NULL)
    *wh_out = wh;
  *part_out = part;
  return rc;
}

pl__cell *pl__stock_cell(pl__stock_chain *sc, int32_t wh, int32_t part,
                         int create) {
  uint64_t k = cell_key(wh, part);
  pthread_rwlock_rdlock(&sc->map_lock);
  pl__cell *cell = pl__u64map_get(&sc->cell_ix, k);
  pthread_rwlock_unlock(&sc->map_lock);
  if (cell != NULL || !create)
    return cell;
  pthread_rwlock_wrlock(&sc->map_lock);
  cell = pl__u64map_get(&sc->cell_ix, k);
  if (cell != NULL)
    goto out;
  if (part >= sc->n_by_part) {
    int32_t n = part + 1 > sc->n_by_part * 2 ? part + 1 : sc->n_by_part * 2;
    pl__vec *nb = realloc(sc->by_part, (size_t)n * sizeof *nb);
    if (nb == NULL)
      goto out;
    memset(nb + sc->n_by_part, 0, (size_t)(n - sc->n_by_part) * sizeof *nb);
    sc->by_part = nb;
    sc->n_by_part = n;
  }
  pl__vec *bp = &sc->by_part[part];
  if (pl__vec_reserve(bp, 1) != 0 || pl__vec_reserve(&sc->cells, 1) != 0)
    goto out;
  pl__cell *nc = calloc(1, sizeof *nc);
  if (nc == NULL)
    goto out;
  if (pl__u64map_put(&sc->cell_ix, k, nc) != 0) {
    free(nc);
    goto out;
  }
  pthread_mutex_init(&nc->mu, NULL);
  nc->wh = wh;
  nc->part = part;
  nc->ord = sc->cells.n;
  pl__vec_push(&sc->cells, nc);
  int i = bp->n;
  while (i > 0 && ((pl__cell *)bp->items[i - 1])->wh > wh)
    i--;
  memmove(bp->items + i + 1, bp->items + i,
          (size_t)(bp->n - i) * sizeof(void *));
  bp->items[i] = nc;
  bp->n++;
  cell = nc;
out:
  pthread_rwlock_unlock(&sc->map_lock);
  return cell;
}

/* ---- rows -----------------------------------------------------------------
 */

static void cell_keybuf(pl__buf *k, const char *chain, const char *wh,
                        const char *part) {
  pl__key_make(k, chain, PL__K_STOCK_CELL, wh, part);
}

/* The longest cell or lot key: chain, 0, kind, wh, 0, part, 0, lot. */
#define KEY_MAX (3 * PL_CODE_MAX + 16)

/* Writes <chain> 0 <kind> <wh> 0 <part> (as pl__key_make) into k[KEY_MAX];
 * returns its length. Codes were checked: each is < PL_CODE_MAX bytes. */
static size_t raw_cell_key(unsigned char *k, const char *chain, unsigned kind,
                           const char *wh, const char *part) {
  size_t n = strlen(chain) + 1, wl = strlen(wh), pl = strlen(part);
  assert(n + 2 + wl + pl + 9 <= KEY_MAX);
  memcpy(k, chain, n);
  k[n++] = (unsigned char)kind;
  memcpy(k + n, wh, wl);
  n += wl;
  k[n++] = 0;
  memcpy(k + n, part, pl);
  return n + pl;
}

static void cell_row(pl__buf *v, const pl__cell *cell) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_svar(v, cell->min_qty);
  pl__buf_svar(v, cell->max_qty);
  uint64_t n = 0;
  for (int32_t i = 0; i < cell->n_res; i++)
    n += cell->res[i].qty > 0;
  pl__buf_uvar(v, n);
  for (int32_t i = 0; i < cell->n_res; i++)
    if (cell->res[i].qty > 0) {
      pl__buf_str(v, cell->res[i].work_order);
      pl__buf_svar(v, cell->res[i].qty);
    }
}

static void lot_row(pl__buf *v, const pl__lot *l) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_svar(v, l->received_ms);
  pl__buf_svar(v, l->qty_in);
  pl__buf_svar(v, l->qty_left);
  pl__buf_svar(v, l->unit_cost_fen);
  pl__buf_str(v, l->supplier);
  pl__buf_str(v, l->bin);
}

static void movement_encode(pl__buf *v, const pl_movement *m) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_uvar(v, (uint64_t)m->kind);
  pl__buf_svar(v, m->at_ms);
  pl__buf_str(v, m->warehouse);
  pl__buf_str(v, m->part_no);
  pl__buf_svar(v, m->qty);
  pl__buf_svar(v, m->reserved_delta);
  pl__buf_str(v, m->work_order);
  pl__buf_str(v, m->actor);
  pl__buf_str(v, m->reason);
  pl__buf_str(v, m->supplier);
  pl__buf_str(v, m->bin);
  pl__buf_svar(v, m->on_hand_after);
  pl__buf_svar(v, m->reserved_after);
  pl__buf_uvar(v, (uint64_t)m->n_lots);
  for (int32_t i = 0; i < m->n_lots; i++) {
    pl__buf_uvar(v, m->lots[i].lot);
    pl__buf_svar(v, m->lots[i].qty);
    pl__buf_svar(v, m->lots[i].unit_cost_fen);
  }
}

int pl__movement_decode(const unsigned char *p, size_t n, pl_movement *m) {
  pl__rd r;
  pl__rd_init(&r, p, n);
  memset(m, 0, sizeof *m);
  if (pl__rd_uvar(&r) != ROW_VERSION)
    return PL_ECORRUPT;
  uint64_t kind = pl__rd_uvar(&r);
  if (kind < 1 || kind > PL_MOVE_KIND_MAX)
    return PL_ECORRUPT;
  m->kind = (pl_move_kind)kind;
  m->at_ms = pl__rd_svar(&r);
  pl__rd_str(&r, m->warehouse, sizeof m->warehouse);
  pl__rd_str(&r, m->part_no, sizeof m->part_no);
  m->qty = pl__rd_svar(&r);
  m->reserved_delta = pl__rd_svar(&r);
  pl__rd_str(&r, m->work_order, sizeof m->work_order);
  pl__rd_str(&r, m->actor, sizeof m->actor);
  pl__rd_str(&r, m->reason, sizeof m->reason);
  pl__rd_str(&r, m->supplier, sizeof m->supplier);
  pl__rd_str(&r, m->bin, sizeof m->bin);
  m->on_hand_after = pl__rd_svar(&r);
  m->reserved_after = pl__rd_svar(&r);
  uint64_t nl = pl__rd_uvar(&r);
  if (nl > PL_MOVE_MAX_LOTS)
    return PL_ECORRUPT;
  m->n_lots = (int32_t)nl;
  for (uint64_t i = 0; i < nl; i++) {
    m->lots[i].lot = pl__rd_uvar(&r);
    m->lots[i].qty = pl__rd_svar(&r);
    m->lots[i].unit_cost_fen = pl__rd_svar(&r);
  }
  return r.bad ? PL_ECORRUPT : 0;
}

/* ---- the movement path -------------------------------------------------- */

/* Gives an empty buffer room for cap bytes up front (a failure is left to
 * the first append, which retries and sets oom). */
static void buf_presize(pl__buf *b, size_t cap) {
  b->p = malloc(cap);
  b->cap = b->p != NULL ? cap : 0;
}

static int find_lot(const pl__cell *cell, uint64_t id) {
  for (int32_t i = 0; i < cell->n_lots; i++)
    if (cell->lots[i].id == id)
      return i;
  return -1;
}

static int find_res(const pl__cell *cell, const char *wo) {
  for (int32_t i = 0; i < cell->n_res; i++)
    if (strcmp(cell->res[i].work_order, wo) == 0)
      return i;
  return -1;
}

static int grow(void **p, int32_t *cap, int32_t need, size_t size) {
  if (need <= *cap)
    return 0;
  int32_t ncap = *cap ? *cap * 2 : 1; /* most cells hold one or two lots */
  while (ncap < need)
    ncap *= 2;
  void *np = realloc(*p, (size_t)ncap * size);
  if (np == NULL)
    return PL_ENOMEM;
  *p = np;
  *cap = ncap;
  return 0;
}

static int incoming(pl_move_kind kind, int64_t qty) {
  return kind == PL_MOVE_RECEIPT || kind == PL_MOVE_RETURN_STOCK ||
         kind == PL_MOVE_STOCKTAKE_GAIN || kind == PL_MOVE_TRANSFER_IN ||
         (kind == PL_MOVE_ADJUST && qty > 0);
}

static int outgoing(pl_move_kind kind, int64_t qty) {
  return kind == PL_MOVE_ISSUE || kind == PL_MOVE_SALE ||
         kind == PL_MOVE_RETURN_SUPPLIER || kind == PL_MOVE_STOCKTAKE_LOSS ||
         kind == PL_MOVE_TRANSFER_OUT || (kind == PL_MOVE_ADJUST && qty < 0);
}

/* Looks the idempotency key up; on a hit fills *m from the stored answer. */
static int idem_lookup(pl__stock_chain *sc, const char *idem, pl_movement *m,
                       const char *chain) {
  pthread_mutex_lock(&sc->idem_lock);
  int32_t i = pl__strmap_get(&sc->idem_ix, idem);
  int hit = 0;
  if (i >= 0) {
    const pl__idem *d = sc->idems.items[i];
    if (pl__movement_decode(d->mv.p, d->mv.n, m) == 0) {
      m->seq = d->seq;
      memcpy(m->chain, chain, strlen(chain) + 1);
      hit = 1;
    }
  }
  pthread_mutex_unlock(&sc->idem_lock);
  return hit;
}

/* Fills the lots an outgoing movement of `amount` takes (plan only). */
static int plan_out(const pl__cell *cell, const pl_move_req *in, int64_t amount,
                    pl_movement *m, int32_t *idx, pl_error *err) {
  if (in->lot != 0) {
    int i = find_lot(cell, in->lot);
    if (i < 0)
      return PL__FAIL(err, PL_ENOTFOUND,
                      "lot: no lot %llu with stock of '%s' at '%s'",
                      (unsigned long long)in->lot, in->part_no, in->warehouse);
    if (cell->lots[i].qty_left < amount)
      return PL__FAIL(err, PL_EPRECOND, "qty: %lld exceeds lot %llu's %lld",
                      (long long)amount, (unsigned long long)in->lot,
                      (long long)cell->lots[i].qty_left);
    m->lots[0] = (pl_lot_qty){in->lot, amount, cell->lots[i].unit_cost_fen};
    idx[0] = i;
    m->n_lots = 1;
    return 0;
  }
  int64_t left = amount;
  for (int32_t i = 0; left > 0 && i < cell->n_lots; i++) {
    if (m->n_lots == PL_MOVE_MAX_LOTS)
      return PL__FAIL(err, PL_ELIMIT,
                      "qty: %lld spans more than %d lots; move it in parts",
                      (long long)amount, PL_MOVE_MAX_LOTS);
    int64_t take =
        cell->lots[i].qty_left < left ? cell->lots[i].qty_left : left;
    m->lots[m->n_lots] =
        (pl_lot_qty){cell->lots[i].id, take, cell->lots[i].unit_cost_fen};
    idx[m->n_lots++] = i;
    left -= take;
  }
  assert(left == 0); /* callers checked amount <= on_hand */
  return 0;
}

/* One movement in flight: the plan (what it takes and gives), then what
 * apply changed, so that undo can put it back. */
typedef struct move_state {
  pl_movement m;
  int64_t amount;                /* |qty| */
  int32_t idx[PL_MOVE_MAX_LOTS]; /* cell lot of m.lots[k]; -1: a new lot */
  int ri;                        /* the work order's reservation, or -1 */
  int64_t held;                  /* its quantity before the movement */
  int new_lot;                   /* index of an inserted lot, or -1 */
  int64_t old_on_hand, old_reserved;
  int32_t old_n_res;
  int64_t old_left[PL_MOVE_MAX_LOTS];
} move_state;

/* plan: fills p->m (lots picked, deltas) from the locked cell. Every
 * refusal happens here, before anything changes. */
static int move_plan(pl_engine *e, const pl__move_args *a, move_state *p,
                     pl_error *err) {
  const pl_move_req *in = a->in;
  const pl__cell *cell = a->cell;
  pl_move_kind kind = a->kind;
  pl_movement *m = &p->m;
  m->kind = kind;
  m->at_ms = pl__chain_now_ms(e, a->c);
  memcpy(m->chain, a->c->info.code, sizeof m->chain);
  memcpy(m->warehouse, in->warehouse, sizeof m->warehouse);
  memcpy(m->part_no, in->part_no, sizeof m->part_no);
  memcpy(m->work_order, in->work_order, sizeof m->work_order);
  memcpy(m->actor, in->actor, sizeof m->actor);
  memcpy(m->reason, in->reason, sizeof m->reason);
  memcpy(m->supplier, in->supplier, sizeof m->supplier);
  memcpy(m->bin, in->bin, sizeof m->bin);

  int64_t avail = cell->on_hand - cell->reserved;
  int64_t amount = in->qty < 0 ? -in->qty : in->qty;
  p->amount = amount;
  p->ri = in->work_order[0] != '\0' ? find_res(cell, in->work_order) : -1;
  p->held = p->ri >= 0 ? cell->res[p->ri].qty : 0;
  p->new_lot = -1;
  int64_t held = p->held;

  if (outgoing(kind, in->qty)) {
    int64_t consumed = kind == PL_MOVE_ISSUE && amount < held ? amount
                       : kind == PL_MOVE_ISSUE                ? held
                                                              : 0;
    if (amount - consumed > avail) {
      if (kind == PL_MOVE_ISSUE)
        return PL__FAIL(err, PL_EPRECOND,
                        "qty: %lld exceeds available %lld plus %lld reserved "
                        "for work order '%s'",
                        (long long)amount, (long long)avail, (long long)held,
                        in->work_order);
      return PL__FAIL(err, PL_EPRECOND, "qty: %lld exceeds available %lld",
                      (long long)amount, (long long)avail);
    }
    int rc = plan_out(cell, in, amount, m, p->idx, err);
    if (rc != 0)
      return rc;
    m->qty = -amount;
    m->reserved_delta = -consumed;
  } else if (incoming(kind, in->qty)) {
    int i = kind == PL_MOVE_RETURN_STOCK && in->lot != 0
                ? find_lot(cell, in->lot)
                : -1;
    if (i >= 0) {
      m->lots[0] = (pl_lot_qty){in->lot, amount, cell->lots[i].unit_cost_fen};
      p->idx[0] = i;
    } else {
      int64_t cost = in->unit_cost_fen;
      if (cost == 0 && kind != PL_MOVE_RECEIPT)
        cost = a->default_cost;
      uint64_t id = __atomic_fetch_add(&a->sc->next_lot, 1, __ATOMIC_RELAXED);
      m->lots[0] = (pl_lot_qty){id, amount, cost};
      p->idx[0] = -1;
    }
    m->n_lots = 1;
    m->qty = amount;
  } else if (kind == PL_MOVE_RESERVE) {
    if (amount > avail)
      return PL__FAIL(err, PL_EPRECOND, "qty: %lld exceeds available %lld",
                      (long long)amount, (long long)avail);
    m->reserved_delta = amount;
  } else if (kind == PL_MOVE_RELEASE) {
    if (amount > held)
      return PL__FAIL(err, PL_EPRECOND,
                      "qty: %lld exceeds the %lld reserved for work order "
                      "'%s'",
                      (long long)amount, (long long)held, in->work_order);
    m->reserved_delta = -amount;
  } else {
    return PL__FAIL(err, PL_EINVAL, "kind: %d not a movement", (int)kind);
  }
  return 0;
}

static int idem_wanted(const pl__move_args *a) {
  return a->idem != NULL && a->idem[0] != '\0';
}

/* reserve: makes room for what apply adds (a lot, a reservation, the
 * replay entry *d), so that apply cannot fail. 0 or PL_ENOMEM (nothing
 * kept). */
static int move_reserve(const pl__move_args *a, const move_state *p,
                        pl__idem **d) {
  pl__cell *cell = a->cell;
  pl__stock_chain *sc = a->sc;
  int rc = 0;
  *d = NULL;
  if (p->m.n_lots == 1 && p->idx[0] < 0)
    rc = grow((void **)&cell->lots, &cell->cap_lots, cell->n_lots + 1,
              sizeof *cell->lots);
  if (rc == 0 && p->m.reserved_delta > 0 && p->ri < 0)
    rc = grow((void **)&cell->res, &cell->cap_res, cell->n_res + 1,
              sizeof *cell->res);
  if (rc == 0 && idem_wanted(a)) {
    *d = calloc(1, sizeof **d);
    pthread_mutex_lock(&sc->idem_lock);
    if (*d == NULL || pl__strmap_reserve(&sc->idem_ix, 1) != 0 ||
        pl__vec_reserve(&sc->idems, 1) != 0)
      rc = PL_ENOMEM;
    pthread_mutex_unlock(&sc->idem_lock);
  }
  if (rc != 0) {
    free(*d);
    *d = NULL;
  }
  return rc;
}

/* apply: changes the cell as planned, remembering in p how to undo; fills
 * the movement's after-quantities. Cannot fail. */
static void move_apply(const pl__move_args *a, move_state *p) {
  pl__cell *cell = a->cell;
  pl_movement *m = &p->m;
  p->old_on_hand = cell->on_hand;
  p->old_reserved = cell->reserved;
  p->old_n_res = cell->n_res;
  if (m->n_lots == 1 && p->idx[0] < 0) {
    pl__lot l = {.id = m->lots[0].lot,
                 .received_ms = m->at_ms,
                 .qty_in = p->amount,
                 .qty_left = 0, /* set below, with the others */
                 .unit_cost_fen = m->lots[0].unit_cost_fen};
    memcpy(l.supplier, a->in->supplier, sizeof l.supplier);
    memcpy(l.bin, a->in->bin, sizeof l.bin);
    int i = cell->n_lots;
    while (i > 0 && cell->lots[i - 1].received_ms > l.received_ms)
      i--;
    memmove(cell->lots + i + 1, cell->lots + i,
            (size_t)(cell->n_lots - i) * sizeof *cell->lots);
    cell->lots[i] = l;
    cell->n_lots++;
    p->new_lot = i;
    p->idx[0] = i;
  }
  for (int32_t k = 0; k < m->n_lots; k++) {
    p->old_left[k] = cell->lots[p->idx[k]].qty_left;
    cell->lots[p->idx[k]].qty_left +=
        m->qty > 0 ? m->lots[k].qty : -m->lots[k].qty;
  }
  cell->on_hand += m->qty;
  cell->reserved += m->reserved_delta;
  if (m->reserved_delta != 0) {
    if (p->ri < 0) {
      p->ri = cell->n_res++;
      memcpy(cell->res[p->ri].work_order, a->in->work_order, PL_CODE_MAX);
      cell->res[p->ri].qty = 0;
    }
    p->held = cell->res[p->ri].qty;
    cell->res[p->ri].qty += m->reserved_delta;
  }
  m->on_hand_after = cell->on_hand;
  m->reserved_after = cell->reserved;
  assert(cell->reserved >= 0 && cell->reserved <= cell->on_hand);
}

/* queue: encodes the cell and its touched lots from memory, with the
 * caller's extra rows, into one batch whose ledger entry records the
 * movement (encoded into *mv, which the replay entry keeps) and, with an
 * idempotency key, its alias row; sets p->m.seq. */
static int move_queue(pl_engine *e, const pl__move_args *a, move_state *p,
                      int with_alias, pl__buf *mv) {
  const pl_move_req *in = a->in;
  const char *chain = a->c->info.code;
  /* keys on the stack, one reused row buffer: few allocations per
   * movement (this is the hot path) */
  unsigned char key[KEY_MAX], lk[KEY_MAX];
  size_t kl =
      raw_cell_key(key, chain, PL__K_STOCK_CELL, in->warehouse, in->part_no);
  pl__buf row = {0}, ik = {0};
  pl__batch b = {0};
  buf_presize(&b.ops, 512); /* one allocation for the usual batch */
  buf_presize(&row, 256);
  buf_presize(mv, 256);
  cell_row(&row, a->cell);
  pl__batch_put(&b, key, kl, row.p, row.n);
  for (int32_t k = 0; k < p->m.n_lots; k++) {
    const pl__lot *lot = &a->cell->lots[p->idx[k]];
    size_t ll =
        raw_cell_key(lk, chain, PL__K_STOCK_LOT, in->warehouse, in->part_no);
    lk[ll++] = 0;
    for (int sh = 56; sh >= 0; sh -= 8)
      lk[ll++] = (unsigned char)(lot->id >> sh);
    pl__buf_reset(&row);
    lot_row(&row, lot);
    if (row.oom)
      b.ops.oom = 1;
    else
      pl__batch_put(&b, lk, ll, row.p, row.n);
  }
  movement_encode(mv, &p->m);
  if (a->extra != NULL && a->extra->rows(a->extra->arg, &p->m, &b) != 0)
    b.ops.oom = 1;
  if (with_alias)
    pl__key_make(&ik, chain, PL__K_STOCK_IDEM, a->idem, NULL);
  pl__entry en = {.op = PL__OP_MOVE_BASE + (unsigned)a->kind,
                  .at_ms = p->m.at_ms,
                  .key = key,
                  .kl = kl,
                  .val = mv->p,
                  .vl = mv->n,
                  .alias = with_alias ? ik.p : NULL,
                  .al = ik.n};
  int rc = row.oom || mv->oom || ik.oom
               ? PL_ENOMEM
               : pl__write_batch(e, a->c, &b, &en, a->w, a->sync, &p->m.seq);
  pl__batch_free(&b);
  pl__buf_free(&row);
  pl__buf_free(&ik);
  return rc;
}

/* undo: puts the cell back as it was before move_apply. */
static void move_undo(const pl__move_args *a, const move_state *p) {
  pl__cell *cell = a->cell;
  for (int32_t k = 0; k < p->m.n_lots; k++)
    cell->lots[p->idx[k]].qty_left = p->old_left[k];
  if (p->new_lot >= 0) {
    memmove(cell->lots + p->new_lot, cell->lots + p->new_lot + 1,
            (size_t)(cell->n_lots - p->new_lot - 1) * sizeof *cell->lots);
    cell->n_lots--;
  }
  if (p->m.reserved_delta != 0)
    cell->res[p->ri].qty = p->held;
  cell->n_res = p->old_n_res;
  cell->on_hand = p->old_on_hand;
  cell->reserved = p->old_reserved;
}

/* After a queued movement: exhausted lots and released reservations leave
 * memory (only when this movement emptied one: an O(lots) pass per
 * movement would make a cell with many lots slow). */
static void move_compact(pl__cell *cell, const move_state *p) {
  int emptied = 0;
  for (int32_t k = 0; k < p->m.n_lots; k++)
    emptied |= cell->lots[p->idx[k]].qty_left == 0;
  if (emptied) {
    int32_t j = 0;
    for (int32_t i = 0; i < cell->n_lots; i++)
      if (cell->lots[i].qty_left > 0)
        cell->lots[j++] = cell->lots[i];
    cell->n_lots = j;
  }
  if (p->ri >= 0 && cell->res[p->ri].qty == 0) {
    cell->res[p->ri] = cell->res[cell->n_res - 1];
    cell->n_res--;
  }
}

/* After a queued movement with an idempotency key: d (room reserved by
 * move_reserve) remembers the answer for a retry; takes d and mv. */
static void move_remember(pl__stock_chain *sc, const char *idem, uint64_t seq,
                          pl__idem *d, pl__buf mv) {
  memcpy(d->key, idem, strlen(idem) + 1);
  d->seq = seq;
  d->mv = mv;
  /* Room was reserved above, but a concurrent movement may have used
   * it: reserve again (a failure here only loses the in-memory replay
   * entry; the row is written and reloads at the next open). */
  pthread_mutex_lock(&sc->idem_lock);
  if (pl__vec_reserve(&sc->idems, 1) == 0 &&
      pl__strmap_put(&sc->idem_ix, d->key, sc->idems.n) == 0) {
    pl__vec_push(&sc->idems, d);
    d = NULL;
  }
  pthread_mutex_unlock(&sc->idem_lock);
  if (d != NULL) {
    pl__buf_free(&d->mv);
    free(d);
  }
}

int pl__stock_move_locked(pl_engine *e, const pl__move_args *a, int *queued,
                          pl_movement *out, pl_error *err) {
  move_state p = {0};
  *queued = 0;
  if (idem_wanted(a) && idem_lookup(a->sc, a->idem, &p.m, a->c->info.code)) {
    int rc = pl__write_nothing(e, a->w, a->sync); /* a retry */
    *queued = rc == 0;
    if (rc == 0 && out != NULL)
      *out = p.m;
    return rc;
  }
  int rc = move_plan(e, a, &p, err);
  pl__idem *d = NULL;
  if (rc == 0)
    rc = move_reserve(a, &p, &d);
  if (rc != 0)
    return rc;
  move_apply(a, &p);
  pl__buf mv = {0};
  rc = move_queue(e, a, &p, d != NULL, &mv);
  if (rc != 0) {
    move_undo(a, &p);
    pl__buf_free(&mv);
    free(d);
    return rc;
  }
  *queued = 1;
  pl__observe_movement(a->c, &p.m); /* the KPI reports (core/observe.h) */
  move_compact(a->cell, &p);
  if (d != NULL)
    move_remember(a->sc, a->idem, p.m.seq, d, mv);
  else
    pl__buf_free(&mv);
  if (out != NULL)
    *out = p.m;
  return 0;
}

int pl__stock_finish(int rc, int queued, pl__sync *sync, const pl_write *w,
                     pl_error *err) {
  return pl__write_finish(rc, queued, w, sync, err);
}

/* Validates the fields every movement shares and those `kind` needs. */
static int check_move(const pl_move_req *in, pl_move_kind kind,
                      const char *idem, pl_error *err) {
  int rc = 0;
  if (kind == PL_MOVE_ADJUST) {
    if (in->qty == 0 || in->qty > QTY_MAX || in->qty < -QTY_MAX)
      rc = PL__FAIL(err, PL_EINVAL, "qty: %lld must be non-zero, |qty| <= %lld",
                    (long long)in->qty, QTY_MAX);
  } else if (in->qty <= 0 || in->qty > QTY_MAX) {
    rc = PL__FAIL(err, PL_EINVAL, "qty: %lld must be in [1, %lld]",
                  (long long)in->qty, QTY_MAX);
  }
  if (rc == 0) {
    int need_wo = kind == PL_MOVE_ISSUE || kind == PL_MOVE_RESERVE ||
                  kind == PL_MOVE_RELEASE;
    rc = need_wo
             ? pl__check_code(err, "work_order", in->work_order, PL_CODE_MAX)
             : pl__check_opt_code(err, "work_order", in->work_order,
                                  PL_CODE_MAX);
  }
  if (rc == 0)
    rc = pl__check_text(err, "actor", in->actor, PL_ACTOR_MAX, 0);
  if (rc == 0)
    rc = pl__check_text(err, "reason", in->reason, PL_NAME_MAX,
                        kind != PL_MOVE_ADJUST);
  if (rc == 0)
    rc = pl__check_opt_code(err, "supplier", in->supplier, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "bin", in->bin, PL_BIN_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "unit_cost_fen", in->unit_cost_fen, 0, COST_MAX);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  return rc;
}

static int supplier_known(pl__stock_chain *sc, const char *code) {
  pthread_rwlock_rdlock(&sc->sup_lock);
  int known = pl__strmap_get(&sc->sup_ix, code) >= 0;
  pthread_rwlock_unlock(&sc->sup_lock);
  return known;
}

/* The public movement entry points share this (and transfers, with extra
 * rows). */
static int move(pl_engine *e, pl_move_kind kind, const pl_move_req *in,
                const char *idem, const pl__move_extra *extra,
                const pl_write *w, pl_movement *out, pl_error *err) {
  int rc = check_move(in, kind, idem, err);
  pl__chain *c = NULL;
  int32_t wh = -1, part = -1;
  int64_t cost = 0;
  if (rc == 0)
    rc = pl__stock_resolve(e, in->chain, in->warehouse, in->part_no, &c, &wh,
                           &part, &cost, err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_of(c);
  if (sc == NULL)
    return pl__stock_finish(PL_ENOMEM, 0, NULL, w, err);
  if (in->supplier[0] != '\0' && !supplier_known(sc, in->supplier))
    return PL__FAIL(err, PL_ENOTFOUND, "supplier: no supplier '%s'",
                    in->supplier);
  pl__cell *cell = pl__stock_cell(sc, wh, part, 1);
  if (cell == NULL)
    return pl__stock_finish(PL_ENOMEM, 0, NULL, w, err);
  pl__sync sync;
  int queued = 0;
  pthread_mutex_lock(&cell->mu);
  pl__move_args a = {.c = c,
                     .sc = sc,
                     .cell = cell,
                     .kind = kind,
                     .in = in,
                     .default_cost = cost,
                     .idem = idem,
                     .extra = extra,
                     .w = w,
                     .sync = &sync};
  rc = pl__stock_move_locked(e, &a, &queued, out, err);
  pthread_mutex_unlock(&cell->mu);
  return pl__stock_finish(rc, queued, &sync, w, err);
}

int pl__stock_move_extra(pl_engine *e, pl_move_kind kind, const pl_move_req *in,
                         const char *idem, const pl__move_extra *extra,
                         const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, kind, in, idem, extra, w, out, err);
}

int pl__stock_in_transit(pl__chain *c, int32_t wh, int32_t part,
                         int64_t delta) {
  pl__stock_chain *sc = pl__stock_of(c);
  pl__cell *cell = sc != NULL ? pl__stock_cell(sc, wh, part, 1) : NULL;
  if (cell == NULL)
    return PL_ENOMEM;
  pthread_mutex_lock(&cell->mu);
  cell->in_transit += delta;
  pthread_mutex_unlock(&cell->mu);
  return 0;
}

int pl_stock_receive(pl_engine *e, const pl_move_req *in, const char *idem,
                     const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, PL_MOVE_RECEIPT, in, idem, NULL, w, out, err);
}
int pl_stock_reserve(pl_engine *e, const pl_move_req *in, const char *idem,
                     const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, PL_MOVE_RESERVE, in, idem, NULL, w, out, err);
}
int pl_stock_release(pl_engine *e, const pl_move_req *in, const char *idem,
                     const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, PL_MOVE_RELEASE, in, idem, NULL, w, out, err);
}
int pl_stock_issue(pl_engine *e, const pl_move_req *in, const char *idem,
                   const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, PL_MOVE_ISSUE, in, idem, NULL, w, out, err);
}
int pl_stock_sell(pl_engine *e, const pl_move_req *in, const char *idem,
                  const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, PL_MOVE_SALE, in, idem, NULL, w, out, err);
}
int pl_stock_return(pl_engine *e, const pl_move_req *in, int to_supplier,
                    const char *idem, const pl_write *w, pl_movement *out,
                    pl_error *err) {
  return move(e, to_supplier ? PL_MOVE_RETURN_SUPPLIER : PL_MOVE_RETURN_STOCK,
              in, idem, NULL, w, out, err);
}
int pl_stock_adjust(pl_engine *e, const pl_move_req *in, const char *idem,
                    const pl_write *w, pl_movement *out, pl_error *err) {
  return move(e, PL_MOVE_ADJUST, in, idem, NULL, w, out, err);
}

int pl_stock_set_levels(pl_engine *e, const char *chain, const char *warehouse,
                        const char *part_no, int64_t min_qty, int64_t max_qty,
                        const pl_write *w, pl_error *err) {
  int rc = pl__check_range(err, "min_qty", min_qty, 0, QTY_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "max_qty", max_qty, 0, QTY_MAX);
  if (rc == 0 && max_qty != 0 && max_qty < min_qty)
    rc = PL__FAIL(err, PL_EINVAL, "max_qty: %lld below min_qty %lld",
                  (long long)max_qty, (long long)min_qty);
  pl__chain *c = NULL;
  int32_t wh = -1, part = -1;
  if (rc == 0)
    rc = pl__stock_resolve(e, chain, warehouse, part_no, &c, &wh, &part, NULL,
                           err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_of(c);
  pl__cell *cell = sc != NULL ? pl__stock_cell(sc, wh, part, 1) : NULL;
  if (cell == NULL)
    return pl__stock_finish(PL_ENOMEM, 0, NULL, w, err);
  pl__sync sync;
  pl__buf key = {0}, val = {0};
  pthread_mutex_lock(&cell->mu);
  int64_t omin = cell->min_qty, omax = cell->max_qty;
  cell->min_qty = min_qty;
  cell->max_qty = max_qty;
  cell_keybuf(&key, c->info.code, warehouse, part_no);
  cell_row(&val, cell);
  rc = pl__write_row(e, c, PL__OP_LEVELS, pl__chain_now_ms(e, c), &key, &val, w,
                     &sync);
  if (rc != 0) {
    cell->min_qty = omin;
    cell->max_qty = omax;
  }
  pthread_mutex_unlock(&cell->mu);
  pl__buf_free(&key);
  pl__buf_free(&val);
  return pl__stock_finish(rc, rc == 0, &sync, w, err);
}

/* ---- reads -------------------------------------------------------------- */

int pl_stock_get(pl_engine *e, const char *chain, const char *warehouse,
                 const char *part_no, pl_stock_info *out, pl_error *err) {
  pl__chain *c = NULL;
  int32_t wh = -1, part = -1;
  int rc = pl__stock_resolve(e, chain, warehouse, part_no, &c, &wh, &part, NULL,
                             err);
  if (rc != 0)
    return rc;
  memset(out, 0, sizeof *out);
  memcpy(out->chain, chain, strlen(chain) + 1);
  memcpy(out->warehouse, warehouse, strlen(warehouse) + 1);
  memcpy(out->part_no, part_no, strlen(part_no) + 1);
  pl__stock_chain *sc = pl__stock_peek(c);
  pl__cell *cell = sc != NULL ? pl__stock_cell(sc, wh, part, 0) : NULL;
  if (cell == NULL)
    return 0;
  pthread_mutex_lock(&cell->mu);
  out->on_hand = cell->on_hand;
  out->reserved = cell->reserved;
  out->in_transit = cell->in_transit;
  out->min_qty = cell->min_qty;
  out->max_qty = cell->max_qty;
  out->n_lots = cell->n_lots;
  pthread_mutex_unlock(&cell->mu);
  out->available = out->on_hand - out->reserved;
  return 0;
}

int pl_stock_lots(pl_engine *e, const char *chain, const char *warehouse,
                  const char *part_no, pl_lot_info *out, int cap,
                  pl_error *err) {
  pl__chain *c = NULL;
  int32_t wh = -1, part = -1;
  int rc = pl__stock_resolve(e, chain, warehouse, part_no, &c, &wh, &part, NULL,
                             err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_peek(c);
  pl__cell *cell = sc != NULL ? pl__stock_cell(sc, wh, part, 0) : NULL;
  if (cell == NULL)
    return 0;
  pthread_mutex_lock(&cell->mu);
  int n = cell->n_lots;
  for (int i = 0; i < n && i < cap; i++) {
    const pl__lot *l = &cell->lots[i];
    pl_lot_info *o = &out[i];
    o->lot = l->id;
    o->received_ms = l->received_ms;
    memcpy(o->supplier, l->supplier, sizeof o->supplier);
    o->unit_cost_fen = l->unit_cost_fen;
    memcpy(o->bin, l->bin, sizeof o->bin);
    o->qty_received = l->qty_in;
    o->qty_left = l->qty_left;
  }
  pthread_mutex_unlock(&cell->mu);
  return n;
}

int pl_stock_get_chain(pl_engine *e, const char *chain, const char *part_no,
                       pl_stock_row *rows, int cap, pl_stock_row *total,
                       pl_error *err) {
  pl__chain *c = NULL;
  int32_t part = -1;
  int rc = pl__stock_part(e, chain, part_no, &c, &part, err);
  if (rc != 0)
    return rc;
  pl_stock_row sum = {.warehouse = ""};
  int n = 0;
  pl__stock_chain *sc = pl__stock_peek(c);
  if (sc != NULL) {
    pthread_rwlock_rdlock(&c->lock); /* warehouse codes */
    pthread_rwlock_rdlock(&sc->map_lock);
    if (part < sc->n_by_part) {
      const pl__vec *bp = &sc->by_part[part];
      n = bp->n;
      for (int i = 0; i < n; i++) {
        pl__cell *cell = bp->items[i];
        pthread_mutex_lock(&cell->mu);
        int64_t oh = cell->on_hand, rs = cell->reserved, it = cell->in_transit;
        pthread_mutex_unlock(&cell->mu);
        sum.on_hand += oh;
        sum.reserved += rs;
        sum.in_transit += it;
        if (i < cap) {
          const pl__warehouse *w = c->warehouses.items[cell->wh];
          pl_stock_row *r = &rows[i];
          memcpy(r->warehouse, w->info.code, sizeof r->warehouse);
          r->on_hand = oh;
          r->reserved = rs;
          r->available = oh - rs;
          r->in_transit = it;
        }
      }
    }
    pthread_rwlock_unlock(&sc->map_lock);
    pthread_rwlock_unlock(&c->lock);
  }
  sum.available = sum.on_hand - sum.reserved;
  if (total != NULL)
    *total = sum;
  return n;
}

/* ---- the ledger, read back from RocksDB -----------------------------------
 */

int pl__ledger_walk(pl_engine *e, const char *chain, uint64_t after,
                    pl__ledger_fn fn, void *arg, pl_error *err) {
  pl__buf k = {0};
  pl__key_ledger(&k, chain, after + 1);
  if (k.oom)
    return PL_ENOMEM;
  pl__db_iter *it = pl__db_iter_new(e->db);
  if (it == NULL) {
    pl__buf_free(&k);
    return PL_ENOMEM;
  }
  size_t plen = k.n - 8;
  int rc = 0, bad = 0;
  for (pl__db_iter_seek(it, k.p, k.n); rc == 0 && pl__db_iter_valid(it);
       pl__db_iter_next(it)) {
    size_t kl, vl;
    const unsigned char *key = pl__db_iter_key(it, &kl);
    if (kl != k.n || memcmp(key, k.p, plen) != 0)
      break;
    const unsigned char *v = pl__db_iter_value(it, &vl);
    pl__rd r;
    pl__rd_init(&r, v, vl);
    if (vl < 1) {
      rc = bad = PL_ECORRUPT;
      break;
    }
    r.off = 1;
    int64_t at = pl__rd_svar(&r);
    uint64_t el = pl__rd_uvar(&r);
    if (r.bad || el > vl - r.off) {
      rc = bad = PL_ECORRUPT;
      break;
    }
    r.off += (size_t)el;
    uint64_t ml = pl__rd_uvar(&r);
    if (r.bad || ml > vl - r.off) {
      rc = bad = PL_ECORRUPT;
      break;
    }
    rc = fn(arg, pl__be64_get(key + plen), v[0], at, v + r.off, (size_t)ml);
  }
  if (bad)
    pl__fail(err, rc, "ledger: chain '%s': entry does not decode", chain);
  int src = pl__db_iter_status(it, err);
  pl__db_iter_free(it);
  pl__buf_free(&k);
  return rc != 0 ? rc : src;
}

static int is_move_op(unsigned op) {
  return op > PL__OP_MOVE_BASE && op <= PL__OP_MOVE_BASE + PL_MOVE_KIND_MAX;
}

#define SCAN_MAX 200000 /* ledger entries one page may read */

typedef struct list_ctx {
  const pl_movement_filter *f;
  const char *chain;
  pl_movement *out;
  int cap, n;
  long scanned;
  uint64_t last;
  int full;
} list_ctx;

static int list_one(void *arg, uint64_t seq, unsigned op, int64_t at,
                    const unsigned char *val, size_t vl) {
  list_ctx *x = arg;
  x->last = seq;
  if (++x->scanned >= SCAN_MAX)
    return 1;
  if (!is_move_op(op))
    return 0;
  const pl_movement_filter *f = x->f;
  if (at < f->from_ms || (f->to_ms != 0 && at >= f->to_ms))
    return 0;
  pl_movement m;
  if (pl__movement_decode(val, vl, &m) != 0)
    return PL_ECORRUPT;
  if ((f->warehouse[0] && strcmp(f->warehouse, m.warehouse) != 0) ||
      (f->part_no[0] && strcmp(f->part_no, m.part_no) != 0) ||
      (f->work_order[0] && strcmp(f->work_order, m.work_order) != 0))
    return 0;
  m.seq = seq;
  memcpy(m.chain, x->chain, strlen(x->chain) + 1);
  x->out[x->n++] = m;
  if (x->n == x->cap) {
    x->full = 1;
    return 1;
  }
  return 0;
}

int pl_movement_list(pl_engine *e, const pl_movement_filter *f,
                     pl_movement *out, int cap, uint64_t *next_cursor,
                     pl_error *err) {
  *next_cursor = 0;
  pl__chain *c = NULL;
  int rc = pl__chain_lookup(e, f->chain, &c, err);
  if (rc == 0 && cap <= 0)
    rc = PL__FAIL(err, PL_EINVAL, "limit: must be > 0");
  if (rc != 0)
    return rc;
  list_ctx x = {.f = f, .chain = f->chain, .out = out, .cap = cap};
  rc = pl__ledger_walk(e, f->chain, f->after_seq, list_one, &x, err);
  if (rc < 0)
    return rc;
  if (rc > 0) /* stopped early: a full page, or the scan bound */
    *next_cursor = x.last;
  return x.n;
}

typedef struct trace_ctx {
  uint64_t lot;
  const char *chain;
  pl_movement *out;
  int cap, n;
  pl_lot_trace *sum;
} trace_ctx;

static int trace_one(void *arg, uint64_t seq, unsigned op, int64_t at,
                     const unsigned char *val, size_t vl) {
  (void)at;
  trace_ctx *x = arg;
  if (!is_move_op(op))
    return 0;
  pl_movement m;
  if (pl__movement_decode(val, vl, &m) != 0)
    return PL_ECORRUPT;
  for (int32_t i = 0; i < m.n_lots; i++) {
    if (m.lots[i].lot != x->lot)
      continue;
    if (x->n == 0) {
      memcpy(x->sum->warehouse, m.warehouse, sizeof m.warehouse);
      memcpy(x->sum->part_no, m.part_no, sizeof m.part_no);
    }
    if (m.kind == PL_MOVE_RECEIPT || (x->n == 0 && m.qty > 0))
      x->sum->received += m.lots[i].qty;
    else if (m.qty > 0)
      x->sum->in_total += m.lots[i].qty;
    else
      x->sum->out_total += m.lots[i].qty;
    if (x->n < x->cap) {
      m.seq = seq;
      memcpy(m.chain, x->chain, strlen(x->chain) + 1);
      x->out[x->n] = m;
    }
    x->n++;
    break;
  }
  return 0;
}

int pl_stock_trace_lot(pl_engine *e, const char *chain, uint64_t lot,
                       pl_movement *out, int cap, pl_lot_trace *sum,
                       pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lookup(e, chain, &c, err);
  if (rc == 0 && lot == 0)
    rc = PL__FAIL(err, PL_EINVAL, "lot: required");
  if (rc != 0)
    return rc;
  memset(sum, 0, sizeof *sum);
  sum->lot = lot;
  trace_ctx x = {
      .lot = lot, .chain = chain, .out = out, .cap = cap, .sum = sum};
  rc = pl__ledger_walk(e, chain, 0, trace_one, &x, err);
  if (rc != 0)
    return rc;
  if (x.n == 0)
    return PL__FAIL(err, PL_ENOTFOUND, "lot: no movement of lot %llu",
                    (unsigned long long)lot);
  sum->remaining = sum->received + sum->in_total - sum->out_total;
  return x.n;
}

/* ---- verification: the ledger replayed from zero --------------------------
 */

typedef struct replay_cell {
  int64_t on_hand, reserved;
} replay_cell;

typedef struct replay_lot {
  int64_t qty;
  uint64_t cell;
} replay_lot;

typedef struct verify_ctx {
  pl__chain *c;
  pl__u64map cells; /* cell_key -> replay_cell* */
  pl__u64map lots;  /* lot id -> replay_lot* */
  pl__vec owned;
  pl_error *err;
} verify_ctx;

static void *owned_new(verify_ctx *x, size_t size) {
  void *p = calloc(1, size);
  if (p == NULL || pl__vec_reserve(&x->owned, 1) != 0) {
    free(p);
    return NULL;
  }
  pl__vec_push(&x->owned, p);
  return p;
}

static int verify_one(void *arg, uint64_t seq, unsigned op, int64_t at,
                      const unsigned char *val, size_t vl) {
  (void)at;
  verify_ctx *x = arg;
  if (!is_move_op(op))
    return 0;
  pl_movement m;
  if (pl__movement_decode(val, vl, &m) != 0)
    return PL__FAIL(x->err, PL_ECORRUPT, "ledger: entry %llu does not decode",
                    (unsigned long long)seq);
  pthread_rwlock_rdlock(&x->c->lock);
  int32_t wh = pl__strmap_get(&x->c->wh_ix, m.warehouse);
  int32_t part = pl__strmap_get(&x->c->part_ix, m.part_no);
  pthread_rwlock_unlock(&x->c->lock);
  if (wh < 0 || part < 0)
    return PL__FAIL(x->err, PL_ECORRUPT,
                    "ledger: entry %llu names unknown '%s' x '%s'",
                    (unsigned long long)seq, m.warehouse, m.part_no);
  uint64_t ck = cell_key(wh, part);
  replay_cell *rc = pl__u64map_get(&x->cells, ck);
  if (rc == NULL) {
    rc = owned_new(x, sizeof *rc);
    if (rc == NULL || pl__u64map_put(&x->cells, ck, rc) != 0)
      return PL_ENOMEM;
  }
  rc->on_hand += m.qty;
  rc->reserved += m.reserved_delta;
  if (rc->on_hand != m.on_hand_after || rc->reserved != m.reserved_after ||
      rc->reserved < 0 || rc->reserved > rc->on_hand)
    return PL__FAIL(x->err, PL_ECORRUPT,
                    "ledger: entry %llu: replay gives on_hand %lld reserved "
                    "%lld, entry says %lld/%lld",
                    (unsigned long long)seq, (long long)rc->on_hand,
                    (long long)rc->reserved, (long long)m.on_hand_after,
                    (long long)m.reserved_after);
  int64_t lot_sum = 0;
  for (int32_t i = 0; i < m.n_lots; i++) {
    replay_lot *rl = pl__u64map_get(&x->lots, m.lots[i].lot);
    if (rl == NULL) {
      rl = owned_new(x, sizeof *rl);
      if (rl == NULL || pl__u64map_put(&x->lots, m.lots[i].lot, rl) != 0)
        return PL_ENOMEM;
      rl->cell = ck;
    }
    rl->qty += m.qty > 0 ? m.lots[i].qty : -m.lots[i].qty;
    lot_sum += m.lots[i].qty;
    if (rl->qty < 0 || rl->cell != ck)
      return PL__FAIL(x->err, PL_ECORRUPT, "ledger: entry %llu: lot %llu",
                      (unsigned long long)seq,
                      (unsigned long long)m.lots[i].lot);
  }
  if (lot_sum != (m.qty < 0 ? -m.qty : m.qty))
    return PL__FAIL(x->err, PL_ECORRUPT,
                    "ledger: entry %llu: lots do not add up to qty",
                    (unsigned long long)seq);
  return 0;
}

/* Compares one (locked) cell with its replay and checks its invariants. */
static int verify_cell(verify_ctx *x, const pl__cell *cell, int64_t *lots) {
  const replay_cell *r =
      pl__u64map_get(&x->cells, cell_key(cell->wh, cell->part));
  int64_t oh = r ? r->on_hand : 0, rs = r ? r->reserved : 0;
  int64_t sum_lots = 0, sum_res = 0;
  for (int32_t i = 0; i < cell->n_lots; i++) {
    const replay_lot *rl = pl__u64map_get(&x->lots, cell->lots[i].id);
    if (cell->lots[i].qty_left <= 0 || rl == NULL ||
        rl->qty != cell->lots[i].qty_left)
      return PL__FAIL(
          x->err, PL_ECORRUPT, "stock: lot %llu holds %lld, ledger says %lld",
          (unsigned long long)cell->lots[i].id,
          (long long)cell->lots[i].qty_left, (long long)(rl ? rl->qty : 0));
    sum_lots += cell->lots[i].qty_left;
  }
  for (int32_t i = 0; i < cell->n_res; i++)
    sum_res += cell->res[i].qty;
  *lots += cell->n_lots;
  if (cell->on_hand != oh || cell->reserved != rs)
    return PL__FAIL(x->err, PL_ECORRUPT,
                    "stock: cell %d x %d holds %lld/%lld, ledger says "
                    "%lld/%lld",
                    cell->wh, cell->part, (long long)cell->on_hand,
                    (long long)cell->reserved, (long long)oh, (long long)rs);
  if (sum_lots != cell->on_hand || sum_res != cell->reserved ||
      cell->reserved < 0 || cell->reserved > cell->on_hand)
    return PL__FAIL(x->err, PL_ECORRUPT,
                    "stock: cell %d x %d breaks an invariant", cell->wh,
                    cell->part);
  return 0;
}

int pl_stock_verify_ledger(pl_engine *e, const char *chain, pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lookup(e, chain, &c, err);
  if (rc != 0)
    return rc;
  verify_ctx x = {.c = c, .err = err};
  rc = pl__ledger_walk(e, chain, 0, verify_one, &x, err);
  pl__stock_chain *sc = pl__stock_peek(c);
  if (rc == 0 && sc != NULL) {
    int64_t mem_lots = 0, replay_lots = 0;
    pthread_rwlock_rdlock(&sc->map_lock);
    for (int i = 0; rc == 0 && i < sc->cells.n; i++) {
      pl__cell *cell = sc->cells.items[i];
      pthread_mutex_lock(&cell->mu);
      rc = verify_cell(&x, cell, &mem_lots);
      pthread_mutex_unlock(&cell->mu);
    }
    pthread_rwlock_unlock(&sc->map_lock);
    for (uint32_t i = 0; rc == 0 && i < x.lots.cap; i++)
      if (x.lots.keys[i] != 0 && ((replay_lot *)x.lots.vals[i])->qty > 0)
        replay_lots++;
    if (rc == 0 && replay_lots != mem_lots)
      rc = PL__FAIL(err, PL_ECORRUPT,
                    "stock: %lld lots hold stock, ledger says %lld",
                    (long long)mem_lots, (long long)replay_lots);
    for (uint32_t i = 0; rc == 0 && i < x.cells.cap; i++)
      if (x.cells.keys[i] != 0 &&
          ((replay_cell *)x.cells.vals[i])->on_hand != 0 &&
          pl__stock_cell(sc, (int32_t)(x.cells.keys[i] >> 32) - 1,
                         (int32_t)(uint32_t)x.cells.keys[i], 0) == NULL)
        rc = PL__FAIL(err, PL_ECORRUPT, "stock: a ledger cell is missing");
  }
  pl__u64map_free(&x.cells);
  pl__u64map_free(&x.lots);
  pl__vec_free_all(&x.owned);
  if (rc == PL_ENOMEM)
    return PL__FAIL(err, rc, "engine: out of memory");
  return rc;
}

int pl_stock_memory(pl_engine *e, const char *chain, pl_stock_mem *out,
                    pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lookup(e, chain, &c, err);
  if (rc != 0)
    return rc;
  memset(out, 0, sizeof *out);
  out->sizeof_cell = (int64_t)sizeof(pl__cell);
  out->sizeof_lot = (int64_t)sizeof(pl__lot);
  pl__stock_chain *sc = pl__stock_peek(c);
  if (sc == NULL)
    return 0;
  pthread_rwlock_rdlock(&sc->map_lock);
  int64_t bytes = (int64_t)sc->cell_ix.cap * 16 + (int64_t)sc->cells.cap * 8;
  for (int i = 0; i < sc->cells.n; i++) {
    pl__cell *cell = sc->cells.items[i];
    pthread_mutex_lock(&cell->mu);
    out->lots += cell->n_lots;
    bytes += (int64_t)sizeof *cell + 8 /* by_part */ +
             (int64_t)cell->cap_lots * (int64_t)sizeof(pl__lot) +
             (int64_t)cell->cap_res * (int64_t)sizeof(pl__res);
    pthread_mutex_unlock(&cell->mu);
  }
  out->cells = sc->cells.n;
  pthread_rwlock_unlock(&sc->map_lock);
  out->bytes = bytes;
  return 0;
}

/* ---- recovery ----------------------------------------------------------- */

/* rest = wh 0 part [0 lot(8)] */
static int split_cell(pl__chain *c, const unsigned char *rest, size_t rl,
                      int with_lot, int32_t *wh, int32_t *part, uint64_t *lot) {
  char a[PL_CODE_MAX], b[PL_CODE_MAX];
  if (with_lot) {
    if (rl < 11 || rest[rl - 9] != 0)
      return -1;
    *lot = pl__be64_get(rest + rl - 8);
    rl -= 9;
  }
  const unsigned char *z = memchr(rest, 0, rl);
  if (z == NULL)
    return -1;
  size_t al = (size_t)(z - rest), bl = rl - al - 1;
  if (al == 0 || al >= PL_CODE_MAX || bl == 0 || bl >= PL_CODE_MAX ||
      memchr(z + 1, 0, bl) != NULL)
    return -1;
  memcpy(a, rest, al);
  a[al] = '\0';
  memcpy(b, z + 1, bl);
  b[bl] = '\0';
  *wh = pl__strmap_get(&c->wh_ix, a);
  *part = pl__strmap_get(&c->part_ix, b);
  return *wh < 0 || *part < 0 ? -1 : 0;
}

static int load_cell(pl__chain *c, pl__stock_chain *sc,
                     const unsigned char *rest, size_t rl, pl__rd *r) {
  int32_t wh, part;
  if (split_cell(c, rest, rl, 0, &wh, &part, NULL) != 0)
    return PL_ECORRUPT;
  pl__cell *cell = pl__stock_cell(sc, wh, part, 1);
  if (cell == NULL)
    return PL_ENOMEM;
  cell->min_qty = pl__rd_svar(r);
  cell->max_qty = pl__rd_svar(r);
  uint64_t n = pl__rd_uvar(r);
  if (r->bad || n > 1000000 || cell->n_res != 0)
    return PL_ECORRUPT;
  if (grow((void **)&cell->res, &cell->cap_res, (int32_t)n,
           sizeof *cell->res) != 0)
    return PL_ENOMEM;
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    pl__res *s = &cell->res[cell->n_res++];
    pl__rd_str(r, s->work_order, sizeof s->work_order);
    s->qty = pl__rd_svar(r);
    if (s->qty <= 0 || s->qty > STORED_MAX)
      r->bad = 1;
    else
      cell->reserved += s->qty;
  }
  return r->bad ? PL_ECORRUPT : 0;
}

static int load_lot(pl__chain *c, pl__stock_chain *sc,
                    const unsigned char *rest, size_t rl, pl__rd *r) {
  int32_t wh, part;
  uint64_t id = 0;
  if (split_cell(c, rest, rl, 1, &wh, &part, &id) != 0 || id == 0)
    return PL_ECORRUPT;
  pl__lot l = {.id = id};
  l.received_ms = pl__rd_svar(r);
  l.qty_in = pl__rd_svar(r);
  l.qty_left = pl__rd_svar(r);
  l.unit_cost_fen = pl__rd_svar(r);
  pl__rd_str(r, l.supplier, sizeof l.supplier);
  pl__rd_str(r, l.bin, sizeof l.bin);
  if (r->bad || l.qty_left < 0 || l.qty_left > STORED_MAX)
    return PL_ECORRUPT;
  if (id >= sc->next_lot)
    sc->next_lot = id + 1;
  if (l.qty_left == 0)
    return 0;
  pl__cell *cell = pl__stock_cell(sc, wh, part, 1);
  if (cell == NULL || grow((void **)&cell->lots, &cell->cap_lots,
                           cell->n_lots + 1, sizeof *cell->lots) != 0)
    return PL_ENOMEM;
  int32_t i = cell->n_lots;
  while (i > 0 && (cell->lots[i - 1].received_ms > l.received_ms ||
                   (cell->lots[i - 1].received_ms == l.received_ms &&
                    cell->lots[i - 1].id > l.id)))
    i--;
  memmove(cell->lots + i + 1, cell->lots + i,
          (size_t)(cell->n_lots - i) * sizeof *cell->lots);
  cell->lots[i] = l;
  cell->n_lots++;
  cell->on_hand += l.qty_left;
  return 0;
}

static int load_idem(pl__stock_chain *sc, const unsigned char *rest, size_t rl,
                     const unsigned char *val, size_t vl) {
  if (rl == 0 || rl >= PL_IDEM_MAX || memchr(rest, 0, rl) != NULL || vl < 8)
    return PL_ECORRUPT;
  pl__idem *d = calloc(1, sizeof *d);
  if (d == NULL)
    return PL_ENOMEM;
  memcpy(d->key, rest, rl);
  d->seq = pl__be64_get(val);
  pl__buf_bytes(&d->mv, val + 8, vl - 8);
  pl_movement m;
  int rc = d->mv.oom ? PL_ENOMEM
           : pl__movement_decode(d->mv.p, d->mv.n, &m) != 0 ||
                   pl__strmap_get(&sc->idem_ix, d->key) >= 0
               ? PL_ECORRUPT
               : 0;
  if (rc == 0)
    rc = pl__vec_reserve(&sc->idems, 1);
  if (rc == 0)
    rc = pl__strmap_put(&sc->idem_ix, d->key, sc->idems.n);
  if (rc != 0) {
    pl__buf_free(&d->mv);
    free(d);
    return rc;
  }
  pl__vec_push(&sc->idems, d);
  return 0;
}

int pl__stock_load(pl_engine *e, unsigned kind, const char *chain,
                   const unsigned char *rest, size_t rl,
                   const unsigned char *val, size_t vl, pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  pl__stock_chain *sc = c != NULL ? pl__stock_of(c) : NULL;
  int rc = PL_ECORRUPT;
  if (c != NULL && sc == NULL)
    rc = PL_ENOMEM;
  if (sc != NULL && kind == PL__K_STOCK_IDEM) {
    rc = load_idem(sc, rest, rl, val, vl);
  } else if (sc != NULL) {
    pl__rd r;
    pl__rd_init(&r, val, vl);
    if (pl__rd_uvar(&r) == ROW_VERSION && !r.bad) {
      switch (kind) {
      case PL__K_STOCK_CELL:
        rc = load_cell(c, sc, rest, rl, &r);
        break;
      case PL__K_STOCK_LOT:
        rc = load_lot(c, sc, rest, rl, &r);
        break;
      case PL__K_SUPPLIER:
      case PL__K_QUOTE:
        rc = pl__supplier_load(c, sc, kind, rest, rl, &r);
        break;
      case PL__K_STOCKTAKE:
        rc = pl__stocktake_load(c, sc, rest, rl, &r);
        break;
      case PL__K_FITMENT:
        rc = pl__fitment_load(c, sc, rest, rl, &r);
        break;
      default:
        break;
      }
    }
  }
  if (rc == PL_ENOMEM)
    return PL__FAIL(err, rc, "recovery: out of memory");
  return pl__load_result(err, rc, chain, kind);
}
