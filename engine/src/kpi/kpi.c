/* kpi/kpi.c — the managers' numbers (kpi.h), kept incrementally from the change
 * feed (core/observe.h, kpi/kpi_xs.h).
 *
 * Design. Per chain, integer counters (a "cell" of KC_N int64) per local
 * day for each scope: the chain, each store, each advisor, each
 * technician (store + code); and per scope and labour service a narrow
 * cell (orders, minutes) for the repair-time breakdown. Each day series
 * also keeps one cell per calendar month, the sum of its days, so a range
 * sums whole months where it can and days only at its two ends: a year is
 * ~12 month cells + up to ~60 day cells per scope, whatever the volume.
 *
 * Records (bookings, orders, follow-ups, complaints) change: for each the
 * module keeps a digest of what it counted (which store, advisor and
 * technicians, which days, how much) keyed by the record's id. A new value
 * of the record takes the old digest's counts out (sign -1) and puts the
 * new one's in (+1), so the counters are a pure function of the records'
 * current values, and rebuilding them at open through the same calls gives
 * the same numbers. Movements and stocktake closes never change: each is
 * counted once, live or from the ledger at open.
 *
 * Invariants:
 *  1. For every scope and counter, the month cell is the sum of its days.
 *  2. Every counter equals the sum, over current digests (and movements),
 *     of their contributions (a digest is applied with +1 exactly once
 *     while it is the record's current one).
 *  3. Scopes and series are never freed before the chain.
 *
 * Lock: kc->lock, an rwlock, the innermost lock of the engine (observers
 * write under their module's lock; reports read after dropping the
 * chain's). Nothing else is taken under it. An allocation failure loses
 * counts (kc->lost counts them), never a record.
 *
 * Available minutes (utilisation, occupancy) are not counted here: the
 * report asks the calendars (pl__sched_available) before taking the lock.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/localtime.h"
#include "base/u64map.h"
#include "core/observe.h"
#include "kpi/kpi_xs.h"
#include "pitlane/kpi.h"
#include "scheduling/sched_xs.h"

/* ---- types ----------------------------------------------------------------
 */

enum { /* counters of a main cell */
       C_RESP_MS,
       C_RESP_N,
       C_START_N,
       C_START_ON_TIME,
       C_LABOUR_MIN,
       C_BAY_BOOKED_MIN,
       C_REPAIR_MIN,
       C_REPAIR_N,
       C_DELIVERED,
       C_FIRST_TIME_FIX,
       C_CLOSED,
       C_CLOSED_DELIVERED,
       C_FU_N,
       C_FU_DONE,
       C_SAT_N,
       C_SAT_OK,
       C_COMPLAINTS,
       C_RESOLVED,
       C_RESOLVED_ON_TIME,
       C_ISSUED_FEN,
       C_STOCK_DELTA_FEN,
       C_STOCK_DAY_DELTA, /* day x delta: for the mean stock value */
       C_ST_LINES,
       C_ST_VARIANCE,
       KC_N
};
enum { S_ORDERS, S_MINUTES, KS_N }; /* a service cell */

/* Counters per local day from day0, and per month from mon0. */
typedef struct kser {
  int32_t day0, nd;
  int32_t mon0, nm;
  int64_t *days; /* nd x width */
  int64_t *mons; /* nm x width */
} kser;

typedef struct ksvc {
  int32_t svc; /* index in kc->svc_codes */
  kser s;
} ksvc;

typedef struct kscope {
  char key[PL_ACTOR_MAX + PL_CODE_MAX]; /* advisor, "store\x01tech" */
  kser main;
  kser labour; /* technicians: C_LABOUR_MIN again, one counter wide, so a
                  chain's daily balance reads 8 days a cache line */
  int32_t n_svc, cap_svc;
  ksvc *svc;
} kscope;

typedef struct kstore {
  char code[PL_CODE_MAX];
  int32_t offset;
  kscope sc;
} kstore;

/* What a booking counted. */
typedef struct dg_booking {
  int32_t store; /* -1: nothing */
  int32_t created_day;
  int64_t resp_ms; /* -1: not confirmed */
  int32_t occupying;
  int32_t n_seg;
  int32_t seg_day[PL_MAX_VISIT], seg_min[PL_MAX_VISIT];
  int64_t start_min; /* UTC minutes: the on-time reference */
  int64_t wo_id;     /* the order made from it (0: none yet) */
} dg_booking;

/* What an order counted. */
typedef struct dg_order {
  int32_t store;
  kscope *adv;
  int32_t n_tech;
  kscope *tech[PL_WO_MAX_TECHS];
  int32_t created_day, closed, delivered;
  int64_t booking_id;
  int64_t started_ms;  /* 0: not started */
  int64_t booking_min; /* the booking's start; INT64_MIN: none known */
  int32_t start_day;
  int32_t qc_day; /* -1: not passed */
  int64_t repair_min, labour_min;
  int32_t delivered_day, first_time_fix;
  int32_t n_svc;
  int32_t *svc; /* distinct labour services done */
} dg_order;

typedef struct dg_followup {
  int32_t store;
  kscope *adv;
  int32_t due_day, done, sat_n, sat_ok, done_day;
} dg_followup;

typedef struct dg_complaint {
  int32_t store;
  kscope *adv; /* the order's advisor, NULL: none */
  int32_t created_day, resolved, resolved_day, on_time;
} dg_complaint;

typedef struct pl__kpi_chain {
  pthread_rwlock_t lock;
  kscope chain;
  pl__strmap store_ix; /* code -> index in stores */
  int32_t n_stores, cap_stores;
  kstore **stores;
  int32_t n_wh, cap_wh;
  int32_t *wh_store;  /* warehouse index -> store index, -1: none (DC) */
  pl__strmap wh_ix;   /* code -> warehouse index */
  pl__strmap adv_ix;  /* advisor -> index in advisors */
  pl__vec advisors;   /* kscope* */
  pl__strmap tech_ix; /* "store\x01tech" -> index in techs */
  pl__vec techs;      /* kscope* */
  pl__strmap svc_ix;  /* service code -> index */
  pl__vec svc_codes;  /* char* */
  pl__u64map bookings, orders, followups, complaints; /* id -> dg_* */
  int64_t lost;                                       /* counts lost to OOM */
  /* The stock counters of movements stored before the chain was loaded
   * (ledger seq < stock_upto) are counted from the ledger on the first
   * report that needs them, not at open (design.md: recovery reads rows,
   * the ledger is the audit trail). Movements made since are counted live
   * as they happen, so each is counted once. Under replay_mu. */
  pthread_mutex_t replay_mu;
  int stock_pending;
  uint64_t stock_upto;
} pl__kpi_chain;

/* ---- calendar -------------------------------------------------------------
 */

/* Month number (year * 12 + month - 1) of a day. */
static int32_t month_of(int32_t z) {
  int32_t y, m, d;
  pl__civil_from_days(z, &y, &m, &d);
  return y * 12 + m - 1;
}

static int32_t month_first_day(int32_t mon) {
  int32_t y = mon >= 0 ? mon / 12 : -((-mon + 11) / 12);
  return pl__days_from_civil(y, mon - y * 12 + 1, 1);
}

/* ---- series ---------------------------------------------------------------
 */

/* Makes [lo, hi] indexable in a width-w array starting at *first with *n
 * entries; 0 or PL_ENOMEM (nothing changed). */
static int span_fit(int32_t *first, int32_t *n, int64_t **a, int w, int32_t lo,
                    int32_t hi) {
  if (*n > 0 && lo >= *first && hi < *first + *n)
    return 0;
  int32_t nf = *n > 0 && *first < lo ? *first : lo;
  int32_t nl = *n > 0 && *first + *n - 1 > hi ? *first + *n - 1 : hi;
  /* slack: grow by a quarter so a moving edge reallocates rarely */
  int32_t len = nl - nf + 1, slack = len / 4 + 8;
  if (*n == 0 || nf < *first)
    nf -= *n == 0 ? 0 : slack;
  if (*n == 0 || nl > *first + *n - 1)
    nl += slack;
  int64_t *p = calloc((size_t)(nl - nf + 1) * (size_t)w, sizeof *p);
  if (p == NULL)
    return PL_ENOMEM;
  if (*n > 0)
    memcpy(p + (size_t)(*first - nf) * (size_t)w, *a,
           (size_t)*n * (size_t)w * sizeof *p);
  free(*a);
  *a = p;
  *first = nf;
  *n = nl - nf + 1;
  return 0;
}

static int ser_add(kser *s, int w, int32_t day, int ctr, int64_t v) {
  int32_t mon = month_of(day);
  if (span_fit(&s->day0, &s->nd, &s->days, w, day, day) != 0 ||
      span_fit(&s->mon0, &s->nm, &s->mons, w, mon, mon) != 0)
    return PL_ENOMEM;
  s->days[(size_t)(day - s->day0) * (size_t)w + (size_t)ctr] += v;
  s->mons[(size_t)(mon - s->mon0) * (size_t)w + (size_t)ctr] += v;
  return 0;
}

/* Adds counters [c0, c1) summed over days [from, to] to acc[c - c0]:
 * whole months from their month cell, the rest day by day. */
static void ser_sum(const kser *s, int w, int c0, int c1, int32_t from,
                    int32_t to, int64_t *acc) {
  if (s->nd == 0)
    return;
  int32_t lo = from > s->day0 ? from : s->day0;
  int32_t hi = to < s->day0 + s->nd - 1 ? to : s->day0 + s->nd - 1;
  if (lo > hi)
    return;
  for (int32_t mon = month_of(lo), last = month_of(hi); mon <= last; mon++) {
    if (mon < s->mon0 || mon >= s->mon0 + s->nm)
      continue; /* no day of it was ever counted */
    int32_t first = month_first_day(mon), end = month_first_day(mon + 1) - 1;
    if (first >= from && end <= to) { /* the whole month: its cell */
      const int64_t *m = s->mons + (size_t)(mon - s->mon0) * (size_t)w;
      for (int c = c0; c < c1; c++)
        acc[c - c0] += m[c];
      continue;
    }
    int32_t a = first > lo ? first : lo, b = end < hi ? end : hi;
    for (int32_t d = a; d <= b; d++) {
      const int64_t *x = s->days + (size_t)(d - s->day0) * (size_t)w;
      for (int c = c0; c < c1; c++)
        acc[c - c0] += x[c];
    }
  }
}

static void ser_free(kser *s) {
  free(s->days);
  free(s->mons);
  memset(s, 0, sizeof *s);
}

static void scope_free(kscope *sc) {
  ser_free(&sc->main);
  ser_free(&sc->labour);
  for (int32_t i = 0; i < sc->n_svc; i++)
    ser_free(&sc->svc[i].s);
  free(sc->svc);
}

/* The scope's series of service svc, created if missing; NULL on OOM. */
static kser *scope_svc(kscope *sc, int32_t svc) {
  for (int32_t i = 0; i < sc->n_svc; i++)
    if (sc->svc[i].svc == svc)
      return &sc->svc[i].s;
  if (sc->n_svc == sc->cap_svc) {
    int32_t cap = sc->cap_svc ? sc->cap_svc * 2 : 4;
    ksvc *p = realloc(sc->svc, (size_t)cap * sizeof *p);
    if (p == NULL)
      return NULL;
    sc->svc = p;
    sc->cap_svc = cap;
  }
  ksvc *k = &sc->svc[sc->n_svc++];
  memset(k, 0, sizeof *k);
  k->svc = svc;
  return &k->s;
}

/* ---- chain state ----------------------------------------------------------
 */

pl__kpi_chain *pl__kpi_state_new(pl__chain *c) {
  (void)c;
  pl__kpi_chain *kc = calloc(1, sizeof *kc);
  if (kc == NULL)
    return NULL;
  pthread_rwlock_init(&kc->lock, NULL);
  pthread_mutex_init(&kc->replay_mu, NULL);
  return kc;
}

static void free_digests(pl__u64map *m, int orders) {
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->keys[i] != 0) {
      if (orders)
        free(((dg_order *)m->vals[i])->svc);
      free(m->vals[i]);
    }
  pl__u64map_free(m);
}

void pl__kpi_stock_pending(pl__chain *c, uint64_t upto) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_mutex_lock(&kc->replay_mu);
  kc->stock_pending = 1;
  kc->stock_upto = upto;
  pthread_mutex_unlock(&kc->replay_mu);
}

/* Counts the stored movements once, before the first report (see
 * stock_pending). Takes replay_mu, then kc->lock per entry. */
static int stock_ready(pl_engine *e, pl__chain *c, pl__kpi_chain *kc,
                       pl_error *err) {
  pthread_mutex_lock(&kc->replay_mu);
  int rc = 0;
  if (kc->stock_pending) {
    rc = pl__observe_replay_ledger(e, c, kc->stock_upto, err);
    if (rc == 0)
      kc->stock_pending = 0;
  }
  pthread_mutex_unlock(&kc->replay_mu);
  return rc;
}

void pl__kpi_state_free(pl__kpi_chain *kc) {
  if (kc == NULL)
    return;
  scope_free(&kc->chain);
  for (int32_t i = 0; i < kc->n_stores; i++) {
    scope_free(&kc->stores[i]->sc);
    free(kc->stores[i]);
  }
  free(kc->stores);
  free(kc->wh_store);
  pl__strmap_free(&kc->store_ix);
  pl__strmap_free(&kc->wh_ix);
  for (int i = 0; i < kc->advisors.n; i++)
    scope_free(kc->advisors.items[i]);
  pl__vec_free_all(&kc->advisors);
  for (int i = 0; i < kc->techs.n; i++)
    scope_free(kc->techs.items[i]);
  pl__vec_free_all(&kc->techs);
  pl__strmap_free(&kc->adv_ix);
  pl__strmap_free(&kc->tech_ix);
  pl__strmap_free(&kc->svc_ix);
  pl__vec_free_all(&kc->svc_codes);
  free_digests(&kc->bookings, 0);
  free_digests(&kc->orders, 1);
  free_digests(&kc->followups, 0);
  free_digests(&kc->complaints, 0);
  pthread_rwlock_destroy(&kc->lock);
  pthread_mutex_destroy(&kc->replay_mu);
  free(kc);
}

/* Under the write lock: a scope of a string-keyed map, created if missing
 * (NULL on OOM). */
static kscope *named_scope(pl__strmap *ix, pl__vec *v, const char *key) {
  int32_t i = pl__strmap_get(ix, key);
  if (i >= 0)
    return v->items[i];
  kscope *sc = calloc(1, sizeof *sc);
  if (sc == NULL || pl__vec_reserve(v, 1) != 0 ||
      pl__strmap_reserve(ix, 1) != 0) {
    free(sc);
    return NULL;
  }
  snprintf(sc->key, sizeof sc->key, "%s", key);
  pl__vec_push(v, sc);
  pl__strmap_put(ix, sc->key, v->n - 1);
  return sc;
}

static kscope *tech_scope(pl__kpi_chain *kc, const char *store,
                          const char *tech) {
  char key[2 * PL_CODE_MAX + 1];
  snprintf(key, sizeof key, "%s\x01%s", store, tech);
  return named_scope(&kc->tech_ix, &kc->techs, key);
}

static int32_t svc_index(pl__kpi_chain *kc, const char *code) {
  int32_t i = pl__strmap_get(&kc->svc_ix, code);
  if (i >= 0)
    return i;
  char *dup = strdup(code);
  if (dup == NULL || pl__vec_reserve(&kc->svc_codes, 1) != 0 ||
      pl__strmap_reserve(&kc->svc_ix, 1) != 0) {
    free(dup);
    return -1;
  }
  pl__vec_push(&kc->svc_codes, dup);
  pl__strmap_put(&kc->svc_ix, dup, kc->svc_codes.n - 1);
  return kc->svc_codes.n - 1;
}

static int32_t store_index(const pl__kpi_chain *kc, const char *code) {
  return pl__strmap_get(&kc->store_ix, code);
}

/* Adds v to counter ctr on day in the chain, the store (>= 0) and each
 * extra scope. */
static void count(pl__kpi_chain *kc, int32_t store, kscope *const *extra,
                  int n_extra, int32_t day, int ctr, int64_t v) {
  if (v == 0)
    return;
  int bad = ser_add(&kc->chain.main, KC_N, day, ctr, v) != 0;
  if (store >= 0)
    bad |= ser_add(&kc->stores[store]->sc.main, KC_N, day, ctr, v) != 0;
  for (int i = 0; i < n_extra; i++)
    if (extra[i] != NULL)
      bad |= ser_add(&extra[i]->main, KC_N, day, ctr, v) != 0;
  kc->lost += bad;
}

static void count_svc(pl__kpi_chain *kc, int32_t store, kscope *const *extra,
                      int n_extra, int32_t svc, int32_t day, int64_t minutes,
                      int64_t sign) {
  kscope *all[2 + PL_WO_MAX_TECHS + 1];
  int n = 0;
  all[n++] = &kc->chain;
  if (store >= 0)
    all[n++] = &kc->stores[store]->sc;
  for (int i = 0; i < n_extra; i++)
    if (extra[i] != NULL)
      all[n++] = extra[i];
  for (int i = 0; i < n; i++) {
    kser *s = scope_svc(all[i], svc);
    int bad = s == NULL || ser_add(s, KS_N, day, S_ORDERS, sign) != 0 ||
              ser_add(s, KS_N, day, S_MINUTES, sign * minutes) != 0;
    kc->lost += bad;
  }
}

/* ---- stores and warehouses ------------------------------------------------
 */

void pl__kpi_store(pl__chain *c, const pl_store_info *s) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  if (store_index(kc, s->code) < 0) {
    kstore *k = calloc(1, sizeof *k);
    if (kc->n_stores == kc->cap_stores) {
      int32_t cap = kc->cap_stores ? kc->cap_stores * 2 : 8;
      kstore **p = realloc(kc->stores, (size_t)cap * sizeof(kstore *));
      if (p != NULL) {
        kc->stores = p;
        kc->cap_stores = cap;
      }
    }
    if (k == NULL || kc->n_stores == kc->cap_stores ||
        pl__strmap_reserve(&kc->store_ix, 1) != 0) {
      free(k);
      kc->lost++;
    } else {
      memcpy(k->code, s->code, sizeof k->code);
      k->offset = s->utc_offset_min;
      kc->stores[kc->n_stores] = k;
      pl__strmap_put(&kc->store_ix, k->code, kc->n_stores++);
    }
  }
  pthread_rwlock_unlock(&kc->lock);
}

void pl__kpi_warehouse(pl__chain *c, int32_t ix, const pl_warehouse_info *w) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL || ix < 0)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  if (ix >= kc->cap_wh) {
    int32_t cap = ix + 16;
    int32_t *p = realloc(kc->wh_store, (size_t)cap * sizeof *p);
    if (p != NULL) {
      kc->wh_store = p;
      kc->cap_wh = cap;
    }
  }
  if (ix < kc->cap_wh && pl__strmap_reserve(&kc->wh_ix, 1) == 0) {
    for (int32_t i = kc->n_wh; i < ix; i++)
      kc->wh_store[i] = -1;
    if (ix >= kc->n_wh)
      kc->n_wh = ix + 1;
    kc->wh_store[ix] = w->store[0] != '\0' ? store_index(kc, w->store) : -1;
    if (pl__strmap_get(&kc->wh_ix, w->code) < 0)
      pl__strmap_put(&kc->wh_ix, w->code, ix);
  } else {
    kc->lost++;
  }
  pthread_rwlock_unlock(&kc->lock);
}

/* ---- bookings -------------------------------------------------------------
 */

static int booking_counts_bay(pl_booking_state s) {
  return s == PL_BOOKING_CONFIRMED || s == PL_BOOKING_CHECKED_IN ||
         s == PL_BOOKING_COMPLETED;
}

static void booking_apply(pl__kpi_chain *kc, const dg_booking *d,
                          int64_t sign) {
  if (d->store < 0)
    return;
  if (d->resp_ms >= 0) {
    count(kc, d->store, NULL, 0, d->created_day, C_RESP_N, sign);
    count(kc, d->store, NULL, 0, d->created_day, C_RESP_MS, sign * d->resp_ms);
  }
  if (d->occupying)
    for (int32_t i = 0; i < d->n_seg; i++)
      count(kc, d->store, NULL, 0, d->seg_day[i], C_BAY_BOOKED_MIN,
            sign * (int64_t)d->seg_min[i]);
}

static void order_apply(pl__kpi_chain *kc, const dg_order *d, int64_t sign);
static void order_set_start(const pl__kpi_chain *kc, dg_order *d);

void pl__kpi_booking(pl__chain *c, const pl_booking_info *b) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  dg_booking *d = pl__u64map_get(&kc->bookings, (uint64_t)b->id);
  if (d == NULL) {
    d = calloc(1, sizeof *d);
    if (d == NULL || pl__u64map_put(&kc->bookings, (uint64_t)b->id, d) != 0) {
      free(d);
      kc->lost++;
      pthread_rwlock_unlock(&kc->lock);
      return;
    }
    d->store = -1;
  }
  booking_apply(kc, d, -1);
  int32_t st = store_index(kc, b->store);
  d->store = st;
  if (st >= 0) {
    int32_t off = kc->stores[st]->offset;
    d->created_day = pl__local_day_ms(b->created_ms, off);
    d->resp_ms = b->confirmed_ms > 0 ? b->confirmed_ms - b->created_ms : -1;
    d->occupying = booking_counts_bay(b->state);
    d->n_seg = b->n_segments;
    for (int32_t i = 0; i < b->n_segments && i < PL_MAX_VISIT; i++) {
      d->seg_day[i] = pl_local_day(b->seg[i].start, off);
      d->seg_min[i] = (int32_t)(b->seg[i].end - b->seg[i].start);
    }
  }
  booking_apply(kc, d, +1);
  if (d->start_min != b->start) { /* an order's on-time start follows it */
    d->start_min = b->start;
    dg_order *o =
        d->wo_id > 0 ? pl__u64map_get(&kc->orders, (uint64_t)d->wo_id) : NULL;
    if (o != NULL) {
      order_apply(kc, o, -1);
      order_set_start(kc, o);
      order_apply(kc, o, +1);
    }
  }
  pthread_rwlock_unlock(&kc->lock);
}

/* ---- work orders ----------------------------------------------------------
 */

static void order_apply(pl__kpi_chain *kc, const dg_order *d, int64_t sign) {
  if (d->store < 0)
    return;
  kscope *ex[1 + PL_WO_MAX_TECHS];
  int n = 0;
  ex[n++] = d->adv;
  for (int32_t i = 0; i < d->n_tech; i++)
    ex[n++] = d->tech[i];
  if (d->closed) {
    count(kc, d->store, ex, n, d->created_day, C_CLOSED, sign);
    count(kc, d->store, ex, n, d->created_day, C_CLOSED_DELIVERED,
          sign * d->delivered);
  }
  if (d->started_ms > 0 && d->booking_min != INT64_MIN) {
    int on_time = d->started_ms <= d->booking_min * 60000 + PL_KPI_ON_TIME_MS;
    count(kc, d->store, ex, n, d->start_day, C_START_N, sign);
    count(kc, d->store, ex, n, d->start_day, C_START_ON_TIME, sign * on_time);
  }
  if (d->qc_day != -1) {
    count(kc, d->store, ex, n, d->qc_day, C_REPAIR_N, sign);
    count(kc, d->store, ex, n, d->qc_day, C_REPAIR_MIN, sign * d->repair_min);
    /* labour: each technician the full minutes; the store and chain their
     * sum (utilisation is technicians' labour / their available time) */
    for (int32_t i = 0; i < d->n_tech; i++)
      kc->lost += (ser_add(&d->tech[i]->main, KC_N, d->qc_day, C_LABOUR_MIN,
                           sign * d->labour_min) |
                   ser_add(&d->tech[i]->labour, 1, d->qc_day, 0,
                           sign * d->labour_min)) != 0;
    count(kc, d->store, NULL, 0, d->qc_day, C_LABOUR_MIN,
          sign * d->labour_min * d->n_tech);
    for (int32_t i = 0; i < d->n_svc; i++)
      count_svc(kc, d->store, ex, n, d->svc[i], d->qc_day, d->repair_min, sign);
  }
  if (d->delivered) {
    count(kc, d->store, ex, n, d->delivered_day, C_DELIVERED, sign);
    count(kc, d->store, ex, n, d->delivered_day, C_FIRST_TIME_FIX,
          sign * d->first_time_fix);
  }
}

/* The booking start the order's on-time start compares with. */
static void order_set_start(const pl__kpi_chain *kc, dg_order *d) {
  const dg_booking *b =
      d->booking_id > 0 ? pl__u64map_get(&kc->bookings, (uint64_t)d->booking_id)
                        : NULL;
  d->booking_min = b != NULL && b->store >= 0 ? b->start_min : INT64_MIN;
}

void pl__kpi_wo(pl__chain *c, const pl_work_order *w) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  dg_order *d = pl__u64map_get(&kc->orders, (uint64_t)w->id);
  if (d == NULL) {
    d = calloc(1, sizeof *d);
    if (d == NULL || pl__u64map_put(&kc->orders, (uint64_t)w->id, d) != 0) {
      free(d);
      kc->lost++;
      pthread_rwlock_unlock(&kc->lock);
      return;
    }
    d->store = -1;
  }
  order_apply(kc, d, -1);
  int32_t st = store_index(kc, w->store);
  d->store = st;
  if (st >= 0) {
    int32_t off = kc->stores[st]->offset;
    d->adv = w->advisor[0] != '\0'
                 ? named_scope(&kc->adv_ix, &kc->advisors, w->advisor)
                 : NULL;
    d->n_tech = 0;
    for (int32_t i = 0; i < w->n_techs && i < PL_WO_MAX_TECHS; i++) {
      kscope *t = tech_scope(kc, w->store, w->techs[i]);
      if (t != NULL)
        d->tech[d->n_tech++] = t;
    }
    d->created_day = pl__local_day_ms(w->created_ms, off);
    d->delivered = w->state == PL_WO_DELIVERED;
    d->closed = d->delivered || w->state == PL_WO_CANCELLED;
    d->booking_id = w->booking_id;
    d->started_ms = w->started_ms;
    d->start_day = pl__local_day_ms(w->started_ms, off);
    order_set_start(kc, d);
    if (w->booking_id > 0) {
      dg_booking *b = pl__u64map_get(&kc->bookings, (uint64_t)w->booking_id);
      if (b != NULL)
        b->wo_id = w->id;
    }
    /* the QC pass: the latest record, passed (it moved the order on) */
    d->qc_day = -1;
    const pl_qc_record *qc = w->n_qc > 0 ? &w->qc[w->n_qc - 1] : NULL;
    if ((w->state == PL_WO_COMPLETED || w->state == PL_WO_DELIVERED) &&
        qc != NULL && qc->passed) {
      d->qc_day = pl__local_day_ms(qc->at_ms, off);
      d->repair_min =
          w->started_ms > 0 ? (qc->at_ms - w->started_ms) / 60000 : 0;
      d->labour_min = 0;
      free(d->svc);
      d->svc = NULL;
      d->n_svc = 0;
      int32_t *svc = malloc((size_t)w->n_items * sizeof *svc + 1);
      for (int32_t i = 0; i < w->n_items; i++) {
        const pl_wo_item *it = &w->items[i];
        if (it->kind != PL_ITEM_LABOUR || it->state != PL_ITEM_DONE)
          continue;
        d->labour_min += it->labour_min;
        int32_t s = svc != NULL ? svc_index(kc, it->service) : -1;
        int dup = 0;
        for (int32_t k = 0; k < d->n_svc; k++)
          dup |= svc[k] == s;
        if (s >= 0 && !dup)
          svc[d->n_svc++] = s;
        kc->lost += s < 0;
      }
      d->svc = svc;
    }
    d->delivered_day = pl__local_day_ms(w->delivered_ms, off);
    d->first_time_fix = d->delivered && w->n_qc == 1 && w->qc[0].passed;
  }
  order_apply(kc, d, +1);
  pthread_rwlock_unlock(&kc->lock);
}

/* ---- follow-ups and complaints --------------------------------------------
 */

static void followup_apply(pl__kpi_chain *kc, const dg_followup *d,
                           int64_t sign) {
  if (d->store < 0)
    return;
  kscope *ex[1] = {d->adv};
  count(kc, d->store, ex, 1, d->due_day, C_FU_N, sign);
  count(kc, d->store, ex, 1, d->due_day, C_FU_DONE, sign * d->done);
  count(kc, d->store, ex, 1, d->done_day, C_SAT_N, sign * d->sat_n);
  count(kc, d->store, ex, 1, d->done_day, C_SAT_OK, sign * d->sat_ok);
}

void pl__kpi_followup(pl__chain *c, const pl_followup *f) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  dg_followup *d = pl__u64map_get(&kc->followups, (uint64_t)f->id);
  if (d == NULL) {
    d = calloc(1, sizeof *d);
    if (d == NULL || pl__u64map_put(&kc->followups, (uint64_t)f->id, d) != 0) {
      free(d);
      kc->lost++;
      pthread_rwlock_unlock(&kc->lock);
      return;
    }
    d->store = -1;
  }
  followup_apply(kc, d, -1);
  int32_t st = store_index(kc, f->store);
  d->store = st;
  if (st >= 0) {
    int32_t off = kc->stores[st]->offset;
    d->adv = f->advisor[0] != '\0'
                 ? named_scope(&kc->adv_ix, &kc->advisors, f->advisor)
                 : NULL;
    d->due_day = pl__local_day_ms(f->delivered_ms + PL_FOLLOWUP_DUE_MS, off);
    d->done = f->state == PL_FOLLOWUP_DONE;
    d->sat_n = d->done && f->satisfaction > 0;
    d->sat_ok = d->sat_n && f->satisfaction >= 4;
    d->done_day = pl__local_day_ms(f->done_ms, off);
  }
  followup_apply(kc, d, +1);
  pthread_rwlock_unlock(&kc->lock);
}

static void complaint_apply(pl__kpi_chain *kc, const dg_complaint *d,
                            int64_t sign) {
  if (d->store < 0)
    return;
  kscope *ex[1] = {d->adv};
  count(kc, d->store, ex, 1, d->created_day, C_COMPLAINTS, sign);
  count(kc, d->store, ex, 1, d->resolved_day, C_RESOLVED, sign * d->resolved);
  count(kc, d->store, ex, 1, d->resolved_day, C_RESOLVED_ON_TIME,
        sign * d->on_time);
}

void pl__kpi_complaint(pl__chain *c, const pl_complaint *x) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  dg_complaint *d = pl__u64map_get(&kc->complaints, (uint64_t)x->id);
  if (d == NULL) {
    d = calloc(1, sizeof *d);
    if (d == NULL || pl__u64map_put(&kc->complaints, (uint64_t)x->id, d) != 0) {
      free(d);
      kc->lost++;
      pthread_rwlock_unlock(&kc->lock);
      return;
    }
    d->store = -1;
  }
  complaint_apply(kc, d, -1);
  int32_t st = store_index(kc, x->store);
  d->store = st;
  if (st >= 0) {
    int32_t off = kc->stores[st]->offset;
    d->adv = x->advisor[0] != '\0'
                 ? named_scope(&kc->adv_ix, &kc->advisors, x->advisor)
                 : NULL;
    d->created_day = pl__local_day_ms(x->created_ms, off);
    d->resolved = x->resolved_ms > 0;
    d->resolved_day = pl__local_day_ms(x->resolved_ms, off);
    d->on_time = d->resolved && x->resolved_ms <= x->resolution_due_ms;
  }
  complaint_apply(kc, d, +1);
  pthread_rwlock_unlock(&kc->lock);
}

/* ---- stock ----------------------------------------------------------------
 */

/* The store of a warehouse (-1: a distribution centre or unknown) and the
 * day of at_ms there (UTC days for a DC). */
static int32_t wh_day(const pl__kpi_chain *kc, int32_t wh, int64_t at_ms,
                      int32_t *day) {
  int32_t st = wh >= 0 && wh < kc->n_wh ? kc->wh_store[wh] : -1;
  *day = pl__local_day_ms(at_ms, st >= 0 ? kc->stores[st]->offset : 0);
  return st;
}

void pl__kpi_movement(pl__chain *c, const pl_movement *m) {
  if (m->qty == 0) /* reserve, release */
    return;
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  int64_t value = 0;
  for (int32_t i = 0; i < m->n_lots; i++)
    value += m->lots[i].qty * m->lots[i].unit_cost_fen;
  if (m->qty < 0)
    value = -value;
  pthread_rwlock_wrlock(&kc->lock);
  int32_t day;
  int32_t st =
      wh_day(kc, pl__strmap_get(&kc->wh_ix, m->warehouse), m->at_ms, &day);
  count(kc, st, NULL, 0, day, C_STOCK_DELTA_FEN, value);
  count(kc, st, NULL, 0, day, C_STOCK_DAY_DELTA, value * day);
  if (m->kind == PL_MOVE_ISSUE || m->kind == PL_MOVE_SALE)
    count(kc, st, NULL, 0, day, C_ISSUED_FEN, -value);
  if (m->kind == PL_MOVE_STOCKTAKE_GAIN || m->kind == PL_MOVE_STOCKTAKE_LOSS)
    count(kc, st, NULL, 0, day, C_ST_VARIANCE, 1);
  pthread_rwlock_unlock(&kc->lock);
}

void pl__kpi_stocktake(pl__chain *c, int32_t wh, int32_t n, int64_t at_ms) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_wrlock(&kc->lock);
  int32_t day;
  int32_t st = wh_day(kc, wh, at_ms, &day);
  count(kc, st, NULL, 0, day, C_ST_LINES, n);
  pthread_rwlock_unlock(&kc->lock);
}

void pl__kpi_stocktake_code(pl__chain *c, const char *wh, int32_t n,
                            int64_t at_ms) {
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return;
  pthread_rwlock_rdlock(&kc->lock);
  int32_t ix = pl__strmap_get(&kc->wh_ix, wh);
  pthread_rwlock_unlock(&kc->lock);
  pl__kpi_stocktake(c, ix, n, at_ms);
}

/* ---- the report -----------------------------------------------------------
 */

static const struct {
  const char *name;
  int has_target, higher;
  double target;
} KPI_META[PL_KPI_COUNT] = {
    {"booking_response", 1, 0, 10.0}, {"on_time_start", 0, 1, 0},
    {"tech_utilisation", 0, 1, 0},    {"tech_balance", 1, 1, 0.90},
    {"bay_occupancy", 0, 1, 0},       {"repair_time", 0, 0, 0},
    {"first_time_fix", 0, 1, 0},      {"followup_completion", 0, 1, 0},
    {"satisfaction", 1, 1, 0.95},     {"complaint_rate", 1, 0, 0.01},
    {"complaint_on_time", 0, 1, 0},   {"order_completion", 1, 1, 0.99},
    {"stock_turnover", 0, 1, 0},      {"stocktake_error", 1, 0, 0.02},
};

const char *pl_kpi_name(pl_kpi_id id) {
  return id >= 1 && id <= PL_KPI_COUNT ? KPI_META[id - 1].name : "";
}

/* What one bucket (or the whole range) adds up to. */
typedef struct kpi_sums {
  int64_t c[KC_N];
  int64_t stock_before; /* stock value at the end of the day before */
  int64_t bay_avail, tech_avail;
  int64_t bal_num, bal_den; /* min/max utilisation, as a fraction */
  int32_t from, to;
} kpi_sums;

/* A technician of the scope: where its counters are, and its available
 * minutes per bucket. */
typedef struct kpi_tech {
  char key[2 * PL_CODE_MAX + 1];
} kpi_tech;

static double ratio(int64_t num, int64_t den) {
  return den != 0 ? (double)num / (double)den : 0.0;
}

/* numerator/denominator of each KPI from a bucket's sums. */
static void kpi_values(const kpi_sums *s, int64_t num[PL_KPI_COUNT],
                       int64_t den[PL_KPI_COUNT]) {
  const int64_t *c = s->c;
  num[0] = c[C_RESP_MS], den[0] = c[C_RESP_N];
  num[1] = c[C_START_ON_TIME], den[1] = c[C_START_N];
  num[2] = c[C_LABOUR_MIN], den[2] = s->tech_avail;
  num[3] = s->bal_num, den[3] = s->bal_den;
  num[4] = c[C_BAY_BOOKED_MIN], den[4] = s->bay_avail;
  num[5] = c[C_REPAIR_MIN], den[5] = c[C_REPAIR_N];
  num[6] = c[C_FIRST_TIME_FIX], den[6] = c[C_DELIVERED];
  num[7] = c[C_FU_DONE], den[7] = c[C_FU_N];
  num[8] = c[C_SAT_OK], den[8] = c[C_SAT_N];
  num[9] = c[C_COMPLAINTS], den[9] = c[C_DELIVERED];
  num[10] = c[C_RESOLVED_ON_TIME], den[10] = c[C_RESOLVED];
  num[11] = c[C_CLOSED_DELIVERED], den[11] = c[C_CLOSED];
  /* mean closing stock value: sum over days d of V(d) / days, where
   * V(d) = before + sum of deltas up to d */
  int64_t nd = (int64_t)s->to - s->from + 1;
  int64_t total = nd * s->stock_before +
                  ((int64_t)s->to + 1) * c[C_STOCK_DELTA_FEN] -
                  c[C_STOCK_DAY_DELTA];
  num[12] = c[C_ISSUED_FEN], den[12] = nd > 0 ? total / nd : 0;
  num[13] = c[C_ST_VARIANCE], den[13] = c[C_ST_LINES];
}

static double kpi_value(int k, int64_t num, int64_t den) {
  if (k == 0) /* ms -> minutes */
    return ratio(num, den) / 60000.0;
  return ratio(num, den);
}

/* Sums the scope's counters over [from, to] into s (stock value too). */
static void sums_of(const kscope *sc, int32_t from, int32_t to, kpi_sums *s) {
  ser_sum(&sc->main, KC_N, 0, KC_N, from, to, s->c);
}

typedef struct report_ctx {
  int32_t from, to, nd, nb;
  int32_t *bucket;         /* nd: day -> bucket */
  int32_t *bstart;         /* nb + 1: first day of each bucket, then to + 1 */
  int64_t *bay_b, *tech_b; /* nb */
  int32_t n_tech;
  kpi_tech *techs;
  /* bucket-major (b * n_tech + i), so one bucket's balance reads one run */
  int32_t *tech_avail; /* nb x n_tech (minutes: at most 366 x 1440) */
  int32_t *tech_lab;   /* nb x n_tech (saturating) */
} report_ctx;

static void ctx_free(report_ctx *x) {
  free(x->bucket);
  free(x->bstart);
  free(x->bay_b);
  free(x->tech_b);
  free(x->techs);
  free(x->tech_avail);
  free(x->tech_lab);
}

static int32_t clamp32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static int make_buckets(report_ctx *x, pl_kpi_granularity g) {
  x->nd = x->to - x->from + 1;
  x->bucket = malloc((size_t)x->nd * sizeof *x->bucket);
  x->bstart = malloc((size_t)(x->nd + 1) * sizeof *x->bstart);
  if (x->bucket == NULL || x->bstart == NULL)
    return PL_ENOMEM;
  int32_t key_prev = 0;
  x->nb = 0;
  for (int32_t d = x->from; d <= x->to; d++) {
    int32_t key = g == PL_KPI_DAY    ? d
                  : g == PL_KPI_WEEK ? pl__floor_div((int64_t)d + 3, 7)
                                     : month_of(d);
    if (d == x->from || key != key_prev)
      x->bstart[x->nb++] = d;
    key_prev = key;
    x->bucket[d - x->from] = x->nb - 1;
  }
  x->bstart[x->nb] = x->to + 1;
  x->bay_b = calloc((size_t)x->nb, sizeof *x->bay_b);
  x->tech_b = calloc((size_t)x->nb, sizeof *x->tech_b);
  return x->bay_b == NULL || x->tech_b == NULL ? PL_ENOMEM : 0;
}

/* Under the chain's read lock: available minutes of the scope's stores
 * (all, or one; tech >= 0: only that technician of it). */
static int gather_available(pl__chain *c, report_ctx *x, pl__store *only,
                            int32_t tech) {
  int32_t n_tech = 0;
  for (int i = 0; i < c->stores.n; i++) {
    pl__store *s = c->stores.items[i];
    if (only == NULL || s == only)
      n_tech += tech >= 0 ? 1 : s->techs.n;
  }
  x->techs = calloc((size_t)(n_tech ? n_tech : 1), sizeof *x->techs);
  x->tech_avail =
      calloc((size_t)(n_tech ? n_tech : 1) * (size_t)x->nb, sizeof(int32_t));
  if (x->techs == NULL || x->tech_avail == NULL)
    return PL_ENOMEM;
  int rc = 0;
  for (int i = 0; rc == 0 && i < c->stores.n; i++) {
    pl__store *s = c->stores.items[i];
    if (only != NULL && s != only)
      continue;
    int64_t *per = calloc((size_t)(s->techs.n ? s->techs.n : 1) * (size_t)x->nb,
                          sizeof *per);
    if (per == NULL)
      return PL_ENOMEM;
    rc = pl__sched_available(c, s, x->from, x->to, x->bucket, x->nb, x->bay_b,
                             tech >= 0 ? NULL : x->tech_b, per);
    for (int j = 0; rc == 0 && j < s->techs.n; j++) {
      if (tech >= 0 && j != tech)
        continue;
      kpi_tech *t = &x->techs[x->n_tech];
      snprintf(t->key, sizeof t->key, "%s\x01%s", s->info.code,
               ((const pl__tech *)s->techs.items[j])->info.code);
      const int64_t *pj = per + (size_t)j * (size_t)x->nb;
      for (int32_t b = 0; b < x->nb; b++)
        x->tech_avail[(size_t)b * (size_t)n_tech + (size_t)x->n_tech] =
            clamp32(pj[b]);
      if (tech >= 0)
        for (int32_t b = 0; b < x->nb; b++)
          x->tech_b[b] += pj[b];
      x->n_tech++;
    }
    free(per);
  }
  return rc;
}

/* Under kc's read lock: each technician's labour minutes per bucket
 * (x->tech_lab, n_tech x nb). */
static int tech_labour(const pl__kpi_chain *kc, report_ctx *x) {
  x->tech_lab = calloc((size_t)(x->n_tech ? x->n_tech : 1) * (size_t)x->nb,
                       sizeof(int32_t));
  if (x->tech_lab == NULL)
    return PL_ENOMEM;
  for (int32_t i = 0; i < x->n_tech; i++) {
    int32_t ix = pl__strmap_get(&kc->tech_ix, x->techs[i].key);
    if (ix < 0)
      continue;
    const kser *s = &((const kscope *)kc->techs.items[ix])->labour;
    int32_t *lab = x->tech_lab + i;
    size_t step = (size_t)x->n_tech;
    if (x->nb < x->nd) { /* weeks, months: whole months are one cell */
      for (int32_t b = 0; b < x->nb; b++) {
        int64_t v = 0;
        ser_sum(s, 1, 0, 1, x->bstart[b], x->bstart[b + 1] - 1, &v);
        lab[(size_t)b * step] = clamp32(v);
      }
      continue;
    }
    int32_t lo = x->from > s->day0 ? x->from : s->day0;
    int32_t hi = x->to < s->day0 + s->nd - 1 ? x->to : s->day0 + s->nd - 1;
    for (int32_t d = lo; d <= hi; d++) /* days: one pass */
      lab[(size_t)(d - x->from) * step] = clamp32(s->days[d - s->day0]);
  }
  return 0;
}

/* Balance (min/max utilisation of the technicians with available time)
 * over the whole range (b = -1) or one bucket; 0/0 (no data) when no
 * technician had available time or none did any labour. */
static void balance(const report_ctx *x, int32_t b, int64_t *num,
                    int64_t *den) {
  int64_t lo_l = 0, lo_a = 0, hi_l = 0, hi_a = 0;
  int any = 0;
  size_t step = (size_t)x->n_tech;
  for (int32_t i = 0; i < x->n_tech; i++) {
    int64_t av = 0, lab = 0;
    if (b < 0) {
      for (int32_t k = 0; k < x->nb; k++) {
        av += x->tech_avail[(size_t)k * step + (size_t)i];
        lab += x->tech_lab[(size_t)k * step + (size_t)i];
      }
    } else {
      av = x->tech_avail[(size_t)b * step + (size_t)i];
      lab = x->tech_lab[(size_t)b * step + (size_t)i];
    }
    if (av <= 0)
      continue;
    /* lab/av < lo_l/lo_a  <=>  lab*lo_a < lo_l*av */
    if (!any || lab * lo_a < lo_l * av)
      lo_l = lab, lo_a = av;
    if (!any || lab * hi_a > hi_l * av)
      hi_l = lab, hi_a = av;
    any = 1;
  }
  /* nobody worked (hi_l == 0): min and max utilisation are both 0/x and
   * their ratio 0/0, "no data" like every empty KPI, never "balanced" */
  *num = any ? lo_l * hi_a : 0;
  *den = any ? lo_a * hi_l : 0;
}

static int cmp_service(const void *a, const void *b) {
  const pl_kpi_service *x = a, *y = b;
  if (x->orders != y->orders)
    return x->orders > y->orders ? -1 : 1;
  return strcmp(x->service, y->service);
}

/* Under kc's read lock: the repair-time breakdown of a scope. */
static void services_of(const pl__kpi_chain *kc, const kscope *sc, int32_t from,
                        int32_t to, pl_kpi_report *out) {
  pl_kpi_service all[PL_KPI_SERVICES_MAX * 4];
  memset(all, 0, sizeof all);
  int32_t n = 0;
  for (int32_t i = 0; i < sc->n_svc && n < PL_KPI_SERVICES_MAX * 4; i++) {
    int64_t acc[KS_N] = {0};
    ser_sum(&sc->svc[i].s, KS_N, 0, KS_N, from, to, acc);
    if (acc[S_ORDERS] == 0)
      continue;
    pl_kpi_service *v = &all[n++];
    memset(v, 0, sizeof *v);
    snprintf(v->service, sizeof v->service, "%s",
             (const char *)kc->svc_codes.items[sc->svc[i].svc]);
    v->orders = acc[S_ORDERS];
    v->minutes = acc[S_MINUTES];
  }
  qsort(all, (size_t)n, sizeof *all, cmp_service);
  out->n_services = n < PL_KPI_SERVICES_MAX ? n : PL_KPI_SERVICES_MAX;
  memcpy(out->services, all, (size_t)out->n_services * sizeof *all);
}

static int check_query(const pl_kpi_query *q, pl_error *err) {
  if (q == NULL)
    return PL__FAIL(err, PL_EINVAL, "query: required");
  if (q->from_day > q->to_day)
    return PL__FAIL(err, PL_EINVAL, "from_day: after to_day");
  if ((int64_t)q->to_day - q->from_day + 1 > PL_KPI_MAX_DAYS)
    return PL__FAIL(err, PL_EINVAL, "to_day: more than %d days after from_day",
                    PL_KPI_MAX_DAYS);
  if (q->granularity != 0 && q->granularity != PL_KPI_DAY &&
      q->granularity != PL_KPI_WEEK && q->granularity != PL_KPI_MONTH)
    return PL__FAIL(err, PL_EINVAL, "granularity: unknown (%d)",
                    (int)q->granularity);
  int has_store = q->store != NULL && q->store[0] != '\0';
  int has_tech = q->technician != NULL && q->technician[0] != '\0';
  int has_adv = q->advisor != NULL && q->advisor[0] != '\0';
  if (has_tech && !has_store)
    return PL__FAIL(err, PL_EINVAL, "store: required with technician");
  if (has_adv && (has_store || has_tech))
    return PL__FAIL(err, PL_EINVAL,
                    "advisor: an advisor's report is chain-wide (no store "
                    "or technician)");
  if (has_adv && strlen(q->advisor) >= PL_ACTOR_MAX)
    return PL__FAIL(err, PL_EINVAL, "advisor: too long");
  if (has_store && strlen(q->store) >= PL_CODE_MAX)
    return PL__FAIL(err, PL_EINVAL, "store: too long");
  if (has_tech && strlen(q->technician) >= PL_CODE_MAX)
    return PL__FAIL(err, PL_EINVAL, "technician: too long");
  return 0;
}

int pl_kpi_report_get(pl_engine *e, const pl_kpi_query *q, pl_kpi_report *out,
                      pl_error *err) {
  int rc = check_query(q, err);
  pl__chain *c = NULL;
  if (rc == 0)
    rc = pl__chain_lookup(e, q->chain, &c, err);
  if (rc != 0)
    return rc;
  pl__kpi_chain *kc = pl__kpi_of(c);
  if (kc == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  rc = stock_ready(e, c, kc, err);
  if (rc != 0)
    return rc;
  int has_store = q->store != NULL && q->store[0] != '\0';
  int has_tech = q->technician != NULL && q->technician[0] != '\0';
  int has_adv = q->advisor != NULL && q->advisor[0] != '\0';
  pl_kpi_granularity g = q->granularity ? q->granularity : PL_KPI_DAY;
  report_ctx x = {.from = q->from_day, .to = q->to_day};
  rc = make_buckets(&x, g);

  /* 1. available minutes, from the calendars, under the chain's lock */
  pthread_rwlock_rdlock(&c->lock);
  pl__store *s = NULL;
  int32_t tech = -1;
  if (rc == 0 && has_store) {
    int32_t i = pl__strmap_get(&c->store_ix, q->store);
    s = i >= 0 ? c->stores.items[i] : NULL;
    if (s == NULL)
      rc = PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", q->store);
  }
  if (rc == 0 && has_tech) {
    tech = pl__strmap_get(&s->tech_ix, q->technician);
    if (tech < 0)
      rc = PL__FAIL(err, PL_ENOTFOUND, "technician: no technician '%s' in %s",
                    q->technician, q->store);
  }
  if (rc == 0 && !has_adv)
    rc = gather_available(c, &x, s, tech);
  pthread_rwlock_unlock(&c->lock);
  if (rc != 0) {
    ctx_free(&x);
    return rc == PL_ENOMEM ? PL__FAIL(err, rc, "engine: out of memory") : rc;
  }

  /* 2. the counters */
  memset(out, 0, sizeof *out);
  out->from_day = x.from;
  out->to_day = x.to;
  out->granularity = g;
  pthread_rwlock_rdlock(&kc->lock);
  const kscope *sc = NULL;
  if (has_adv) {
    int32_t i = pl__strmap_get(&kc->adv_ix, q->advisor);
    sc = i >= 0 ? kc->advisors.items[i] : NULL;
  } else if (has_tech) {
    char key[2 * PL_CODE_MAX + 1];
    snprintf(key, sizeof key, "%s\x01%s", q->store, q->technician);
    int32_t i = pl__strmap_get(&kc->tech_ix, key);
    sc = i >= 0 ? kc->techs.items[i] : NULL;
  } else if (has_store) {
    int32_t i = store_index(kc, q->store);
    sc = i >= 0 ? &kc->stores[i]->sc : NULL;
  } else {
    sc = &kc->chain;
  }
  static const kscope empty;
  if (sc == NULL)
    sc = &empty;
  int scoped = has_adv || has_tech; /* no stock, bookings, complaints */
  kpi_sums tot = {.from = x.from, .to = x.to};
  int64_t before = 0;
  if (!scoped && sc->main.nd > 0 && x.from > sc->main.day0)
    ser_sum(&sc->main, KC_N, C_STOCK_DELTA_FEN, C_STOCK_DELTA_FEN + 1,
            sc->main.day0, x.from - 1, &before);
  tot.stock_before = before;
  sums_of(sc, x.from, x.to, &tot);
  for (int32_t b = 0; b < x.nb; b++) {
    tot.bay_avail += x.bay_b[b];
    tot.tech_avail += x.tech_b[b];
  }
  int with_balance = !has_tech && !has_adv && tech_labour(kc, &x) == 0;
  if (with_balance)
    balance(&x, -1, &tot.bal_num, &tot.bal_den);
  int64_t num[PL_KPI_COUNT], den[PL_KPI_COUNT];
  kpi_values(&tot, num, den);
  for (int k = 0; k < PL_KPI_COUNT; k++) {
    pl_kpi *o = &out->kpis[k];
    o->id = (pl_kpi_id)(k + 1);
    snprintf(o->name, sizeof o->name, "%s", KPI_META[k].name);
    o->numerator = num[k];
    o->denominator = den[k];
    o->value = kpi_value(k, num[k], den[k]);
    o->has_target = KPI_META[k].has_target;
    o->higher_is_better = KPI_META[k].higher;
    o->target = KPI_META[k].target;
    o->met =
        o->has_target && den[k] != 0 &&
        (o->higher_is_better ? o->value >= o->target : o->value <= o->target);
    o->n_points = x.nb;
  }
  int64_t stock = before;
  for (int32_t b = 0; b < x.nb; b++) {
    kpi_sums bs = {.from = x.bstart[b], .to = x.bstart[b + 1] - 1};
    bs.stock_before = stock;
    sums_of(sc, bs.from, bs.to, &bs);
    stock += bs.c[C_STOCK_DELTA_FEN];
    bs.bay_avail = x.bay_b[b];
    bs.tech_avail = x.tech_b[b];
    if (with_balance)
      balance(&x, b, &bs.bal_num, &bs.bal_den);
    kpi_values(&bs, num, den);
    for (int k = 0; k < PL_KPI_COUNT; k++) {
      pl_kpi_point *p = &out->kpis[k].points[b];
      p->day = bs.from;
      p->numerator = num[k];
      p->denominator = den[k];
      p->value = kpi_value(k, num[k], den[k]);
    }
  }
  services_of(kc, sc, x.from, x.to, out);
  pthread_rwlock_unlock(&kc->lock);
  if (scoped) /* KPIs that do not apply to one person read empty */
    for (int k = 0; k < PL_KPI_COUNT; k++) {
      int keep = k == 1 || k == 5 || k == 6 || k == 11 ||
                 (has_adv && (k >= 7 && k <= 10)) || (has_tech && k == 2);
      if (keep)
        continue;
      pl_kpi *o = &out->kpis[k];
      o->numerator = o->denominator = 0;
      o->value = 0;
      o->met = 0;
      for (int32_t b = 0; b < o->n_points; b++) {
        o->points[b].numerator = o->points[b].denominator = 0;
        o->points[b].value = 0;
      }
    }
  ctx_free(&x);
  return 0;
}
