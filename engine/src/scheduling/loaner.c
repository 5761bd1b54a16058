/* scheduling/loaner.c — a store's loaner cars (代步车): the pool (upsert, get,
 * list), their calendar (a reservation made with a booking,
 * scheduling/booking.c), the hand-out and the return, and their stored rows.
 *
 * A loaner car is a calendar resource like a bay: its day row (after the
 * bays and technicians, pl__loaner_res) is free all day unless the car is
 * retired, less the spans of the bookings that reserve it. A booking
 * that asks for a loaner reserves one from its visit's start to its end
 * plus PL_LOANER_RETURN_BUFFER_MIN, in the same step (the store's mu, one
 * WriteBatch: the reservation is part of the booking row). The span must
 * end by local midnight, so a reservation, like a visit, lies in one
 * local day.
 *
 * Under the store's mu:
 *  1. A booking b holds its car's cells iff pl__booking_holds_loaner(b):
 *     it occupies (held and not lapsed, confirmed, checked in) and its
 *     car is reserved or handed out. Cancel, no-show, completion, a
 *     lapsed hold (swept, or read as lapsed at recovery) and the car's
 *     return release them.
 *  2. No two bookings holding cells of one car overlap (checked, like a
 *     bay, before the hold or reschedule is queued).
 *  3. A car is OUT iff some booking's phase is HANDED_OUT with it, and
 *     then out_booking names that booking.
 *
 * Car states:
 *
 *   AVAILABLE --hand_out--> OUT --return--> AVAILABLE
 *   AVAILABLE <--upsert--> RETIRED   (not while reserved or out)
 *
 * Each hand-out and return is also an event row (PL__K_LOANER_EVENT)
 * written in the same batch as the car's and the booking's rows, and is
 * the ledger entry of that batch. */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "scheduling/sched_int.h"

#define ROW_VERSION 1
#define EVENT_VERSION 1
#define BUFFER_CELLS (PL_LOANER_RETURN_BUFFER_MIN / PL__CELL_MIN)

enum { EV_HAND_OUT = 1, EV_RETURN = 2 };

/* ---- calendar ----------------------------------------------------------- */

int pl__loaner_span(const pl__store *s, const pl__booking *b, int *from,
                    int *to) {
  int64_t base_min =
      (int64_t)b->local_day * 1440 - (int64_t)s->info.utc_offset_min;
  *from = (int)((b->info.start - base_min) / PL__CELL_MIN);
  *to = (int)((b->info.end - base_min) / PL__CELL_MIN) + BUFFER_CELLS;
  return *to <= PL__CELLS;
}

static const pl__loaner *loaner_at(const pl__sched_store *ss, int li) {
  return ss->loaners.items[li];
}

/* 1 if car li can take [from, to) in day dc. */
static int car_free(const pl__store *s, const pl__sched_store *ss,
                    const pl__daycal *dc, int li, int from, int to) {
  int r = pl__loaner_res(s, li);
  return r < dc->n_res && loaner_at(ss, li)->info.state != PL_LOANER_RETIRED &&
         pl__day_all(&dc->free[r], from, to);
}

int pl__loaner_pick(const pl__store *s, pl__sched_store *ss,
                    const pl__daycal *dc, pl__booking *b, int keep,
                    pl_error *err) {
  pl_booking_info *i = &b->info;
  if (i->loaner_need == PL_LOANER_NONE) {
    b->loaner = -1;
    i->loaner[0] = '\0';
    i->loaner_until = 0;
    return 0;
  }
  if (i->loaner_phase == PL_LOANER_RETURNED)
    return 0; /* back already: nothing left to reserve */
  int from, to;
  if (!pl__loaner_span(s, b, &from, &to))
    return PL__FAIL(err, PL_EPRECOND,
                    "booking.loaner: the visit's end plus the %d-minute "
                    "return buffer passes local midnight",
                    PL_LOANER_RETURN_BUFFER_MIN);
  int li = -1;
  if (i->loaner_need == PL_LOANER_NAMED) {
    li = pl__strmap_get(&ss->loaner_ix, i->loaner);
    if (li < 0)
      return PL__FAIL(err, PL_ENOTFOUND,
                      "booking.loaner: no loaner '%s' in store '%s'", i->loaner,
                      s->info.code);
    if (!car_free(s, ss, dc, li, from, to))
      return PL__FAIL(
          err, PL_EPRECOND, "booking.loaner: loaner '%s' is %s then", i->loaner,
          loaner_at(ss, li)->info.state == PL_LOANER_RETIRED ? "retired"
                                                             : "not free");
  } else if (i->loaner_phase == PL_LOANER_HANDED_OUT) {
    /* the customer has this car: it moves with the visit or nothing does */
    li = keep;
    if (li < 0 || !car_free(s, ss, dc, li, from, to))
      return PL__FAIL(err, PL_EPRECOND,
                      "booking.loaner: loaner '%s' (handed out) is not free "
                      "then",
                      i->loaner);
  } else {
    if (keep >= 0 && car_free(s, ss, dc, keep, from, to))
      li = keep;
    for (int k = 0; li < 0 && k < ss->loaners.n; k++)
      if (car_free(s, ss, dc, k, from, to))
        li = k;
    if (li < 0)
      return PL__FAIL(err, PL_EPRECOND,
                      "booking.loaner: no loaner of store '%s' is free then",
                      s->info.code);
  }
  const char *code = loaner_at(ss, li)->info.code;
  b->loaner = (int16_t)li;
  memcpy(i->loaner, code, strlen(code) + 1);
  i->loaner_until = i->end + PL_LOANER_RETURN_BUFFER_MIN;
  return 0;
}

void pl__loaners_free(pl__sched_store *ss) {
  for (int i = 0; i < ss->loaners.n; i++)
    free(((pl__loaner *)ss->loaners.items[i])->ev);
  pl__vec_free_all(&ss->loaners);
  pl__strmap_free(&ss->loaner_ix);
}

/* ---- rows --------------------------------------------------------------- */

static void loaner_key(pl__buf *k, const char *chain, const char *store,
                       const char *code) {
  pl__key_make(k, chain, PL__K_LOANER, store, code);
}

static void loaner_row(pl__buf *v, const pl__loaner *l) {
  const pl_loaner_info *i = &l->info;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, i->plate);
  pl__buf_str(v, i->model);
  pl__buf_uvar(v, (uint64_t)i->state);
  pl__buf_svar(v, i->odometer_km);
  pl__buf_svar(v, i->fuel_pct);
  pl__buf_svar(v, i->out_booking);
  pl__buf_str(v, i->out_customer);
  pl__buf_svar(v, i->out_km);
  pl__buf_svar(v, i->out_ms);
  pl__buf_svar(v, i->out_fuel_pct);
  pl__buf_svar(v, i->returned_km);
  pl__buf_svar(v, i->returned_ms);
  pl__buf_svar(v, i->returned_fuel_pct);
  pl__buf_svar(v, i->created_ms);
  pl__buf_svar(v, i->updated_ms);
  pl__buf_uvar(v, l->n_events);
}

static int loaner_read(pl__rd *r, pl__loaner *l) {
  pl_loaner_info *i = &l->info;
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, i->plate, sizeof i->plate);
  pl__rd_str(r, i->model, sizeof i->model);
  i->state = (pl_loaner_state)pl__rd_uvar(r);
  i->odometer_km = pl__rd_svar(r);
  i->fuel_pct = (int32_t)pl__rd_svar(r);
  i->out_booking = pl__rd_svar(r);
  pl__rd_str(r, i->out_customer, sizeof i->out_customer);
  i->out_km = pl__rd_svar(r);
  i->out_ms = pl__rd_svar(r);
  i->out_fuel_pct = (int32_t)pl__rd_svar(r);
  i->returned_km = pl__rd_svar(r);
  i->returned_ms = pl__rd_svar(r);
  i->returned_fuel_pct = (int32_t)pl__rd_svar(r);
  i->created_ms = pl__rd_svar(r);
  i->updated_ms = pl__rd_svar(r);
  l->n_events = pl__rd_uvar(r);
  if (r->bad || i->state < PL_LOANER_AVAILABLE ||
      i->state > PL_LOANER_RETIRED || i->fuel_pct < 0 || i->fuel_pct > 100)
    return PL_ECORRUPT;
  return 0;
}

static void event_key(pl__buf *k, const char *chain, const pl__loaner *l,
                      uint64_t seq) {
  pl__key_make(k, chain, PL__K_LOANER_EVENT, l->info.store, l->info.code);
  pl__buf_u8(k, 0);
  pl__buf_be64(k, seq);
}

static void event_row(pl__buf *v, int kind, const pl__booking *b, int64_t km,
                      int32_t fuel, int64_t at_ms) {
  pl__buf_uvar(v, EVENT_VERSION);
  pl__buf_uvar(v, (uint64_t)kind);
  pl__buf_svar(v, b->info.id);
  pl__buf_str(v, b->info.customer);
  pl__buf_svar(v, km);
  pl__buf_svar(v, fuel);
  pl__buf_svar(v, at_ms);
}

/* Room for one more event of l (so appending after a write cannot fail). */
static int event_reserve(pl__loaner *l) {
  if (l->n_ev < l->cap_ev)
    return 0;
  int32_t cap = l->cap_ev ? l->cap_ev * 2 : 8;
  pl_loaner_event *ev = realloc(l->ev, (size_t)cap * sizeof *ev);
  if (ev == NULL)
    return PL_ENOMEM;
  l->ev = ev;
  l->cap_ev = cap;
  return 0;
}

static void event_append(pl__loaner *l, int kind, const pl__booking *b,
                         int64_t km, int32_t fuel, int64_t at_ms) {
  pl_loaner_event *ev = &l->ev[l->n_ev++];
  memset(ev, 0, sizeof *ev);
  ev->kind = (pl_loaner_event_kind)kind;
  ev->booking = b->info.id;
  memcpy(ev->customer, b->info.customer, sizeof ev->customer);
  ev->km = km;
  ev->fuel_pct = fuel;
  ev->at_ms = at_ms;
}

/* ---- locking and writing ------------------------------------------------ */

typedef struct lctx {
  pl__chain *c;
  pl__store *s;
  pl__sched_store *ss;
  pl__sync sync;
  int queued;
} lctx;

static void lctx_unlock(lctx *x) {
  if (x->ss != NULL)
    pthread_mutex_unlock(&x->ss->mu);
  if (x->c != NULL)
    pthread_rwlock_unlock(&x->c->lock);
  x->ss = NULL;
  x->c = NULL;
}

static int lctx_finish(lctx *x, int rc, const pl_write *w, pl_error *err) {
  lctx_unlock(x);
  return pl__write_finish(rc, x->queued, w, &x->sync, err);
}

static int lock_chain(pl_engine *e, lctx *x, const char *chain,
                      const char *field, pl_error *err) {
  return pl__chain_lock(e, chain, 0, field, &x->c, err);
}

/* With the chain locked: locks store s's scheduling mu and sweeps lapsed
 * holds, so their cars are free before anything is checked. */
static int lock_store(pl_engine *e, lctx *x, pl__store *s, pl_error *err) {
  x->s = s;
  pl__sched_store *ss = pl__sched_store_of(x->c, s);
  if (ss == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pthread_mutex_lock(&ss->mu);
  x->ss = ss;
  pl__sched_sweep(e, x->c, s, ss);
  return 0;
}

static int lock_store_code(pl_engine *e, lctx *x, const char *chain,
                           const char *store, const char *what, pl_error *err) {
  char field[32];
  snprintf(field, sizeof field, "%s.chain", what);
  int rc = lock_chain(e, x, chain, field, err);
  snprintf(field, sizeof field, "%s.store", what);
  if (rc == 0)
    rc = pl__check_code(err, field, store, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  int32_t si = pl__strmap_get(&x->c->store_ix, store);
  if (si < 0)
    return PL__FAIL(err, PL_ENOTFOUND, "%s: no store '%s'", field, store);
  return lock_store(e, x, x->c->stores.items[si], err);
}

/* Queues the rows (k[i], v[i]) as one write (pl__write_rows: the ledger
 * entry records row 0) and notes in x that something is queued. */
static int queue_rows(pl_engine *e, lctx *x, unsigned op, pl__buf *k,
                      pl__buf *v, int n, const pl_write *w) {
  int rc = pl__write_rows(e, x->c, op, pl__chain_now_ms(e, x->c), k, v, n, w,
                          &x->sync);
  x->queued = rc == 0;
  return rc;
}

/* A repeated request: answered once the first is durable. */
static int queue_nothing(pl_engine *e, lctx *x, const pl_write *w) {
  int rc = pl__write_nothing(e, w, &x->sync);
  x->queued = rc == 0;
  return rc;
}

static void free_bufs(pl__buf *b, int n) {
  for (int i = 0; i < n; i++)
    pl__buf_free(&b[i]);
}

/* ---- the pool ----------------------------------------------------------- */

static int check_upsert(const pl_loaner_info *in, pl_error *err) {
  int rc = pl__check_code(err, "loaner.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_plate(err, "loaner.plate", in->plate, 0);
  if (rc == 0)
    rc = pl__check_text(err, "loaner.model", in->model, PL_NAME_MAX, 1);
  if (rc == 0 && in->state == PL_LOANER_OUT)
    rc = PL__FAIL(err, PL_EINVAL,
                  "loaner.state: OUT is set by a hand-out, not an upsert");
  if (rc == 0 && in->state != 0 && in->state != PL_LOANER_AVAILABLE &&
      in->state != PL_LOANER_RETIRED)
    rc = PL__FAIL(err, PL_EINVAL, "loaner.state: not a loaner state");
  if (rc == 0)
    rc = pl__check_range(err, "loaner.odometer_km", in->odometer_km, 0,
                         10000000);
  if (rc == 0)
    rc = pl__check_range(err, "loaner.fuel_pct", in->fuel_pct, 0, 100);
  return rc;
}

/* The live booking holding car li's cells, or NULL. */
static const pl__booking *reserved_by(const pl__sched_store *ss, int li) {
  for (int i = 0; i < ss->occupying.n; i++) {
    const pl__booking *b = ss->occupying.items[i];
    if (b->loaner == li && pl__booking_holds_loaner(b))
      return b;
  }
  return NULL;
}

int pl_loaner_upsert(pl_engine *e, const pl_loaner_info *in, const pl_write *w,
                     pl_loaner_info *out, pl_error *err) {
  lctx x = {0};
  int rc = check_upsert(in, err);
  if (rc == 0)
    rc = lock_store_code(e, &x, in->chain, in->store, "loaner", err);
  if (rc != 0)
    return lctx_finish(&x, rc, w, err);
  pl__sched_store *ss = x.ss;
  int32_t li = pl__strmap_get(&ss->loaner_ix, in->code);
  pl__loaner *cur = li >= 0 ? ss->loaners.items[li] : NULL;
  for (int k = 0; k < ss->loaners.n; k++)
    if (k != li && strcmp(((pl__loaner *)ss->loaners.items[k])->info.plate,
                          in->plate) == 0)
      return lctx_finish(
          &x,
          PL__FAIL(err, PL_EEXIST, "loaner.plate: '%s' is loaner '%s' already",
                   in->plate, ((pl__loaner *)ss->loaners.items[k])->info.code),
          w, err);
  pl__loaner next = {0};
  int64_t now = pl__chain_now_ms(e, x.c);
  if (cur != NULL) {
    next = *cur;
  } else {
    if (ss->loaners.n >= PL_MAX_STORE_LOANERS)
      return lctx_finish(&x,
                         PL__FAIL(err, PL_ELIMIT,
                                  "loaner.code: store '%s' has %d loaners, "
                                  "the most it may",
                                  x.s->info.code, PL_MAX_STORE_LOANERS),
                         w, err);
    memcpy(next.info.chain, x.c->info.code, PL_CODE_MAX);
    memcpy(next.info.store, x.s->info.code, PL_CODE_MAX);
    memcpy(next.info.code, in->code, strlen(in->code) + 1);
    next.info.state = PL_LOANER_AVAILABLE;
    next.info.created_ms = now;
  }
  memcpy(next.info.plate, in->plate, strlen(in->plate) + 1);
  memcpy(next.info.model, in->model, strlen(in->model) + 1);
  if (in->state != 0)
    next.info.state = in->state;
  next.info.odometer_km = in->odometer_km;
  next.info.fuel_pct = in->fuel_pct;
  if (cur != NULL) {
    const pl_loaner_info *o = &cur->info;
    const pl_loaner_info *n = &next.info;
    int same = strcmp(o->plate, n->plate) == 0 &&
               strcmp(o->model, n->model) == 0 && o->state == n->state &&
               o->odometer_km == n->odometer_km && o->fuel_pct == n->fuel_pct;
    if (same) {
      rc = queue_nothing(e, &x, w);
      if (rc == 0 && out != NULL)
        *out = cur->info;
      return lctx_finish(&x, rc, w, err);
    }
    const pl__booking *by;
    if (o->state == PL_LOANER_OUT)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "loaner.state: loaner '%s' is out with booking %lld: "
                    "return it first",
                    o->code, (long long)o->out_booking);
    else if (n->odometer_km < o->odometer_km)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "loaner.odometer_km: %lld is below the current reading "
                    "%lld",
                    (long long)n->odometer_km, (long long)o->odometer_km);
    else if (n->state == PL_LOANER_RETIRED && o->state != PL_LOANER_RETIRED &&
             (by = reserved_by(ss, li)) != NULL)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "loaner.state: loaner '%s' is reserved by booking %lld",
                    o->code, (long long)by->info.id);
    if (rc != 0)
      return lctx_finish(&x, rc, w, err);
  }
  next.info.updated_ms = now;
  pl__loaner *fresh = NULL;
  if (cur == NULL) {
    fresh = malloc(sizeof *fresh);
    if (fresh == NULL)
      rc = PL_ENOMEM;
    if (rc == 0)
      rc = pl__vec_reserve(&ss->loaners, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&ss->loaner_ix, 1);
    if (rc != 0) {
      free(fresh);
      return lctx_finish(&x, rc, w, err);
    }
  }
  pl__buf k[1] = {{0}}, v[1] = {{0}};
  loaner_key(&k[0], x.c->info.code, x.s->info.code, next.info.code);
  loaner_row(&v[0], &next);
  rc = queue_rows(e, &x, PL__OP_LOANER_UPSERT, k, v, 1, w);
  free_bufs(k, 1);
  free_bufs(v, 1);
  if (rc != 0) {
    free(fresh);
    return lctx_finish(&x, rc, w, err);
  }
  if (fresh != NULL) {
    *fresh = next;
    pl__vec_push(&ss->loaners, fresh);
    pl__strmap_put(&ss->loaner_ix, fresh->info.code, ss->loaners.n - 1);
    cur = fresh;
    ss->version++; /* a new day row */
  } else {
    if (cur->info.state != next.info.state)
      ss->version++; /* retired or back: its base changes */
    *cur = next;
  }
  if (out != NULL)
    *out = cur->info;
  return lctx_finish(&x, 0, w, err);
}

int pl_loaner_get(pl_engine *e, const char *chain, const char *store,
                  const char *code, pl_loaner_info *out, pl_error *err) {
  lctx x = {0};
  int rc = pl__check_code(err, "loaner.code", code, PL_CODE_MAX);
  if (rc == 0)
    rc = lock_store_code(e, &x, chain, store, "loaner", err);
  if (rc == 0) {
    int32_t li = pl__strmap_get(&x.ss->loaner_ix, code);
    if (li < 0)
      rc = PL__FAIL(err, PL_ENOTFOUND, "loaner.code: no loaner '%s' in '%s'",
                    code, store);
    else
      *out = loaner_at(x.ss, li)->info;
  }
  lctx_unlock(&x);
  return rc;
}

static int cmp_loaner(const void *a, const void *b) {
  return strcmp(((const pl_loaner_info *)a)->code,
                ((const pl_loaner_info *)b)->code);
}

int pl_loaner_list(pl_engine *e, const char *chain, const char *store,
                   pl_loaner_info *out, int cap, pl_error *err) {
  lctx x = {0};
  int rc = lock_store_code(e, &x, chain, store, "loaner", err);
  if (rc != 0) {
    lctx_unlock(&x);
    return rc;
  }
  int n = x.ss->loaners.n;
  int got = n < cap ? n : cap;
  for (int i = 0; i < got; i++)
    out[i] = loaner_at(x.ss, i)->info;
  lctx_unlock(&x);
  if (got > 0)
    qsort(out, (size_t)got, sizeof *out, cmp_loaner);
  return n;
}

int pl_loaner_events(pl_engine *e, const char *chain, const char *store,
                     const char *code, pl_loaner_event *out, int cap,
                     pl_error *err) {
  lctx x = {0};
  int rc = pl__check_code(err, "loaner.code", code, PL_CODE_MAX);
  if (rc == 0)
    rc = lock_store_code(e, &x, chain, store, "loaner", err);
  if (rc == 0) {
    int32_t li = pl__strmap_get(&x.ss->loaner_ix, code);
    if (li < 0) {
      rc = PL__FAIL(err, PL_ENOTFOUND, "loaner.code: no loaner '%s' in '%s'",
                    code, store);
    } else {
      const pl__loaner *l = loaner_at(x.ss, li);
      rc = l->n_ev;
      for (int i = 0; i < l->n_ev && i < cap; i++)
        out[i] = l->ev[i];
    }
  }
  lctx_unlock(&x);
  return rc;
}

/* ---- hand-out and return ------------------------------------------------ */

/* Locks the chain and booking id's store; *bp the booking. */
static int lock_booking(pl_engine *e, lctx *x, const char *chain, int64_t id,
                        pl__booking **bp, pl_error *err) {
  int rc = lock_chain(e, x, chain, "chain", err);
  if (rc != 0)
    return rc;
  pl__sched_chain *sc = pl__sched_peek(x->c);
  pl__booking *b = NULL;
  pthread_mutex_lock(&sc->book_mu);
  if (id >= 1 && id <= sc->bookings.n)
    b = sc->bookings.items[id - 1];
  pthread_mutex_unlock(&sc->book_mu);
  if (b == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "booking_id: no booking %lld",
                    (long long)id);
  int32_t si = pl__strmap_get(&x->c->store_ix, b->info.store);
  if (si < 0)
    return PL__FAIL(err, PL_ECORRUPT, "booking %lld: store vanished",
                    (long long)id);
  *bp = b;
  return lock_store(e, x, x->c->stores.items[si], err);
}

/* The car booking b reserved, or NULL. A booking that no longer occupies
 * is linked to its car by code here (recovery links only the live ones). */
static pl__loaner *car_of(pl__sched_store *ss, pl__booking *b) {
  if (b->info.loaner_need == PL_LOANER_NONE || b->info.loaner[0] == '\0')
    return NULL;
  if (b->loaner < 0) {
    int32_t li = pl__strmap_get(&ss->loaner_ix, b->info.loaner);
    if (li < 0)
      return NULL;
    b->loaner = (int16_t)li;
  }
  return ss->loaners.items[b->loaner];
}

/* Writes the car, the booking and the event in one batch. */
static int queue_move(pl_engine *e, lctx *x, unsigned op, int kind,
                      const pl__loaner *l, const pl__booking *b, int64_t km,
                      int32_t fuel, int64_t now, const pl_write *w) {
  pl__buf k[3] = {{0}}, v[3] = {{0}};
  event_key(&k[0], x->c->info.code, l, l->n_events - 1);
  event_row(&v[0], kind, b, km, fuel, now);
  loaner_key(&k[1], x->c->info.code, l->info.store, l->info.code);
  loaner_row(&v[1], l);
  pl__booking_key(&k[2], x->c->info.code, b->info.id);
  pl__booking_row(&v[2], b);
  int rc = queue_rows(e, x, op, k, v, 3, w);
  free_bufs(k, 3);
  free_bufs(v, 3);
  return rc;
}

static int check_reading(int64_t km, int32_t fuel, pl_error *err) {
  int rc = pl__check_range(err, "mileage_km", km, 0, 10000000);
  if (rc == 0)
    rc = pl__check_range(err, "fuel_pct", fuel, 0, 100);
  return rc;
}

/* The start of a hand-out or return: the reading checked, the booking
 * locked (x) and its car; 0, or an error to finish x with. */
static int lock_reading(pl_engine *e, lctx *x, const char *chain, int64_t id,
                        int64_t km, int32_t fuel_pct, pl__booking **b,
                        pl__loaner **l, pl_error *err) {
  int rc = check_reading(km, fuel_pct, err);
  if (rc == 0)
    rc = lock_booking(e, x, chain, id, b, err);
  if (rc == 0 && (*l = car_of(x->ss, *b)) == NULL)
    rc = PL__FAIL(err, PL_EPRECOND,
                  "booking.loaner: booking %lld reserved no loaner",
                  (long long)id);
  return rc;
}

/* A repeated hand-out or return (the same reading again): nothing to
 * write, but the caller still gets the car and waits for what is queued. */
static int loaner_again(pl_engine *e, lctx *x, const pl__loaner *l,
                        const pl_write *w, pl_loaner_info *out, pl_error *err) {
  int rc = queue_nothing(e, x, w);
  if (rc == 0 && out != NULL)
    *out = l->info;
  return lctx_finish(x, rc, w, err);
}

/* The end of a hand-out (ev EV_HAND_OUT) or return (EV_RETURN): nl is the
 * car's new value (made from *l after event_reserve, n_events counted);
 * queues it with its event and the booking in loaner phase `phase` (op),
 * and only once queued installs both in memory; a return also frees the
 * cells the car's reservation held. Finishes x. */
static int loaner_step(pl_engine *e, lctx *x, unsigned op, int ev,
                       pl__loaner *l, pl__loaner *nl, pl__booking *b,
                       pl_loaner_phase phase, int64_t km, int32_t fuel_pct,
                       int64_t now, const pl_write *w, pl_loaner_info *out,
                       pl_error *err) {
  pl__booking nb = *b;
  nb.info.loaner_phase = phase;
  nb.info.updated_ms = now;
  int rc = queue_move(e, x, op, ev, nl, &nb, km, fuel_pct, now, w);
  if (rc == 0) {
    if (ev == EV_RETURN) /* the car is back: its cells are free again */
      pl__sched_apply_loaner(x->s, x->ss, b, 0);
    event_append(nl, ev, b, km, fuel_pct, now);
    *l = *nl;
    b->info.loaner_phase = phase; /* a hand-out's cells stay held */
    b->info.updated_ms = now;
    if (out != NULL)
      *out = l->info;
  }
  return lctx_finish(x, rc, w, err);
}

int pl_loaner_hand_out(pl_engine *e, const char *chain, int64_t id, int64_t km,
                       int32_t fuel_pct, const pl_write *w, pl_loaner_info *out,
                       pl_error *err) {
  lctx x = {0};
  pl__booking *b = NULL;
  pl__loaner *l = NULL;
  int rc = lock_reading(e, &x, chain, id, km, fuel_pct, &b, &l, err);
  if (rc != 0)
    return lctx_finish(&x, rc, w, err);
  const pl_booking_info *bi = &b->info;
  if (bi->loaner_phase == PL_LOANER_HANDED_OUT &&
      l->info.state == PL_LOANER_OUT && l->info.out_booking == id &&
      l->info.out_km == km && l->info.out_fuel_pct == fuel_pct)
    return loaner_again(e, &x, l, w, out, err);
  int64_t now = pl__chain_now_ms(e, x.c);
  int held_live =
      bi->state == PL_BOOKING_HELD && bi->expires_ms > now; /* not yet */
  if (bi->state != PL_BOOKING_CONFIRMED && bi->state != PL_BOOKING_CHECKED_IN)
    rc = PL__FAIL(err, PL_EPRECOND,
                  "booking: booking %lld is %s: a loaner goes out with a "
                  "confirmed or checked-in booking",
                  (long long)id,
                  held_live                           ? "held"
                  : bi->state == PL_BOOKING_HELD      ? "expired"
                  : bi->state == PL_BOOKING_COMPLETED ? "completed"
                                                      : "over");
  else if (bi->loaner_phase != PL_LOANER_RESERVED)
    rc = PL__FAIL(
        err, PL_EPRECOND, "booking.loaner: loaner '%s' was %s", bi->loaner,
        bi->loaner_phase == PL_LOANER_RETURNED ? "returned already"
                                               : "handed out already");
  else if (l->info.state == PL_LOANER_OUT)
    rc = PL__FAIL(err, PL_EPRECOND,
                  "loaner: loaner '%s' is still out with booking %lld",
                  l->info.code, (long long)l->info.out_booking);
  else if (l->info.state == PL_LOANER_RETIRED)
    rc = PL__FAIL(err, PL_EPRECOND, "loaner: loaner '%s' is retired",
                  l->info.code);
  else if (km < l->info.odometer_km)
    rc = PL__FAIL(err, PL_EPRECOND,
                  "mileage_km: %lld is below loaner '%s''s odometer %lld",
                  (long long)km, l->info.code, (long long)l->info.odometer_km);
  if (rc != 0)
    return lctx_finish(&x, rc, w, err);
  if (event_reserve(l) != 0)
    return lctx_finish(&x, PL_ENOMEM, w, err);
  pl__loaner nl = *l; /* after the reserve: nl.ev is l's array */
  nl.info.state = PL_LOANER_OUT;
  nl.info.out_booking = id;
  memcpy(nl.info.out_customer, bi->customer, sizeof nl.info.out_customer);
  nl.info.out_km = km;
  nl.info.out_fuel_pct = fuel_pct;
  nl.info.out_ms = now;
  nl.info.odometer_km = km;
  nl.info.fuel_pct = fuel_pct;
  nl.info.updated_ms = now;
  nl.n_events++;
  return loaner_step(e, &x, PL__OP_LOANER_HAND_OUT, EV_HAND_OUT, l, &nl, b,
                     PL_LOANER_HANDED_OUT, km, fuel_pct, now, w, out, err);
}

int pl_loaner_return(pl_engine *e, const char *chain, int64_t id, int64_t km,
                     int32_t fuel_pct, const pl_write *w, pl_loaner_info *out,
                     pl_error *err) {
  lctx x = {0};
  pl__booking *b = NULL;
  pl__loaner *l = NULL;
  int rc = lock_reading(e, &x, chain, id, km, fuel_pct, &b, &l, err);
  if (rc != 0)
    return lctx_finish(&x, rc, w, err);
  const pl_booking_info *bi = &b->info;
  if (bi->loaner_phase == PL_LOANER_RETURNED) {
    if (l->info.out_booking == id && l->info.returned_km == km &&
        l->info.returned_fuel_pct == fuel_pct)
      return loaner_again(e, &x, l, w, out, err);
    rc = PL__FAIL(err, PL_EPRECOND,
                  "booking.loaner: loaner '%s' was returned already",
                  bi->loaner);
  } else if (bi->loaner_phase != PL_LOANER_HANDED_OUT) {
    rc = PL__FAIL(err, PL_EPRECOND,
                  "booking.loaner: loaner '%s' was not handed out", bi->loaner);
  } else if (km < l->info.out_km) {
    rc = PL__FAIL(err, PL_EPRECOND,
                  "mileage_km: %lld is below the %lld km loaner '%s' went out "
                  "with",
                  (long long)km, (long long)l->info.out_km, l->info.code);
  }
  if (rc != 0)
    return lctx_finish(&x, rc, w, err);
  int64_t now = pl__chain_now_ms(e, x.c);
  if (event_reserve(l) != 0)
    return lctx_finish(&x, PL_ENOMEM, w, err);
  pl__loaner nl = *l; /* after the reserve: nl.ev is l's array */
  nl.info.state = PL_LOANER_AVAILABLE;
  nl.info.odometer_km = km;
  nl.info.fuel_pct = fuel_pct;
  nl.info.returned_km = km;
  nl.info.returned_fuel_pct = fuel_pct;
  nl.info.returned_ms = now;
  nl.info.updated_ms = now;
  nl.n_events++;
  return loaner_step(e, &x, PL__OP_LOANER_RETURN, EV_RETURN, l, &nl, b,
                     PL_LOANER_RETURNED, km, fuel_pct, now, w, out, err);
}

/* ---- recovery ----------------------------------------------------------- */

/* rest = store 0x00 code [0x00 seq8]: the store and car. */
static int split_key(const unsigned char *rest, size_t rl, char *store,
                     char *code, const unsigned char **tail, size_t *tl) {
  const unsigned char *z = memchr(rest, 0, rl);
  if (z == NULL || z == rest || (size_t)(z - rest) >= PL_CODE_MAX)
    return -1;
  memcpy(store, rest, (size_t)(z - rest));
  store[z - rest] = '\0';
  const unsigned char *c = z + 1;
  size_t cl = rl - (size_t)(c - rest);
  const unsigned char *z2 = memchr(c, 0, cl);
  size_t len = z2 != NULL ? (size_t)(z2 - c) : cl;
  if (len == 0 || len >= PL_CODE_MAX)
    return -1;
  memcpy(code, c, len);
  code[len] = '\0';
  *tail = z2 != NULL ? z2 + 1 : NULL;
  *tl = z2 != NULL ? cl - len - 1 : 0;
  return 0;
}

int pl__loaner_load(pl_engine *e, pl__chain *c, unsigned kind,
                    const unsigned char *rest, size_t rl,
                    const unsigned char *val, size_t vl) {
  (void)e;
  char store[PL_CODE_MAX], code[PL_CODE_MAX];
  const unsigned char *tail;
  size_t tl;
  if (split_key(rest, rl, store, code, &tail, &tl) != 0)
    return PL_ECORRUPT;
  pl__store *s = NULL;
  pl__sched_store *ss = NULL;
  int rc = pl__sched_load_store(c, store, &s, &ss);
  if (rc != 0)
    return rc;
  int32_t li = pl__strmap_get(&ss->loaner_ix, code);
  pl__rd r;
  pl__rd_init(&r, val, vl);
  if (kind == PL__K_LOANER_EVENT) {
    /* the car's row came first (kind order); its events follow in order */
    if (li < 0 || tail == NULL || tl != 8 || pl__rd_uvar(&r) != EVENT_VERSION)
      return PL_ECORRUPT;
    pl__loaner *l = ss->loaners.items[li];
    uint64_t seq = pl__be64_get(tail);
    pl__booking b = {0};
    int k = (int)pl__rd_uvar(&r);
    b.info.id = pl__rd_svar(&r);
    pl__rd_str(&r, b.info.customer, sizeof b.info.customer);
    int64_t km = pl__rd_svar(&r);
    int32_t fuel = (int32_t)pl__rd_svar(&r);
    int64_t at = pl__rd_svar(&r);
    if (r.bad || (k != EV_HAND_OUT && k != EV_RETURN) ||
        seq != (uint64_t)l->n_ev || seq >= l->n_events)
      return PL_ECORRUPT;
    if (event_reserve(l) != 0)
      return PL_ENOMEM;
    event_append(l, k, &b, km, fuel, at);
    return 0;
  }
  if (tail != NULL || li >= 0 || ss->loaners.n >= PL_MAX_STORE_LOANERS)
    return PL_ECORRUPT;
  pl__loaner *l = calloc(1, sizeof *l);
  if (l == NULL)
    return PL_ENOMEM;
  rc = loaner_read(&r, l);
  memcpy(l->info.chain, c->info.code, PL_CODE_MAX);
  memcpy(l->info.store, store, PL_CODE_MAX);
  memcpy(l->info.code, code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__vec_reserve(&ss->loaners, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&ss->loaner_ix, 1);
  if (rc != 0) {
    free(l);
    return rc;
  }
  pl__vec_push(&ss->loaners, l);
  li = ss->loaners.n - 1;
  pl__strmap_put(&ss->loaner_ix, l->info.code, li);
  /* link the store's live reservations of this car (bookings were read
   * before it); days are materialised later, from occupying */
  for (int i = 0; i < ss->occupying.n; i++) {
    pl__booking *b = ss->occupying.items[i];
    if (b->loaner < 0 && b->info.loaner_need != PL_LOANER_NONE &&
        strcmp(b->info.loaner, code) == 0)
      b->loaner = (int16_t)li;
  }
  ss->version++;
  return 0;
}
