/* dispatch/vehicles.c — the vehicle registry and service reminders (see
 * pitlane/vehicles.h for the due-date rules).
 *
 * Per chain (pl__veh_chain, one rwlock: write to change a vehicle, read
 * to look up or list): vehicles by VIN, and per home store an index from
 * due day to the vehicles due that day (a hash map of day -> bucket; a
 * vehicle knows its slot in its bucket, so moving it is O(1)). Every
 * change of a vehicle recomputes its due day and moves it between buckets
 * under the write lock, so DueReminders(store, day) is one map lookup per
 * day asked plus the copying, whatever the number of vehicles.
 *
 * Invariants (under the lock): each vehicle is in exactly the bucket of
 * (its store, its due_day), at index `slot`; its computed fields are
 * what compute_due gives for its stored fields.
 *
 * Reminder holds go through the scheduling module (its own locks) after
 * this lock is released. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/localtime.h"
#include "base/u64map.h"
#include "base/validate.h"
#include "core/barrier.h"
#include "core/keys.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "dispatch/disp_int.h"
#include "pitlane/scheduling.h"

#define ROW_VERSION 1
#define KM_MAX 10000000
#define HOLD_DAYS 7

/* ---- types ---------------------------------------------------------------
 */

typedef struct pl__bucket {
  int32_t n, cap;
  int32_t *ix; /* vehicle indexes */
} pl__bucket;

typedef struct pl__vstore {
  char code[PL_CODE_MAX];
  pl__u64map days; /* day key -> pl__bucket* (owned) */
} pl__vstore;

typedef struct pl__veh {
  pl_vehicle_info v;
  int32_t store_ix; /* in vc->stores */
  int32_t slot;     /* in its bucket */
} pl__veh;

typedef struct pl__veh_chain {
  pthread_rwlock_t lock;
  pl__strmap vin_ix;
  pl__vec vehs; /* pl__veh*, owned */
  pl__strmap store_ix;
  pl__vec stores; /* pl__vstore*, owned */
} pl__veh_chain;

/* ---- dates ---------------------------------------------------------------
 */

int32_t pl_day_add_months(int32_t day, int32_t months) {
  int32_t y, m, d;
  pl__civil_from_days(day, &y, &m, &d);
  int32_t t = y * 12 + (m - 1) + months;
  y = t / 12;
  m = t % 12 + 1;
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int32_t ml = len[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    ml = 29;
  return pl__days_from_civil(y, m, d < ml ? d : ml);
}

static int64_t ceil_div(int64_t a, int64_t b) { /* b > 0 */
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* ---- the due rules -------------------------------------------------------
 */

static void compute_due(pl_vehicle_info *v) {
  int first = v->n_services == 0;
  int32_t base_day = first ? v->purchase_day : v->last_service_day;
  int32_t base_km = first ? 0 : v->last_service_km;
  int32_t months = first                ? PL_FIRST_SERVICE_MONTHS
                   : v->plan_months > 0 ? v->plan_months
                                        : PL_DEFAULT_PLAN_MONTHS;
  int32_t km = first            ? PL_FIRST_SERVICE_KM
               : v->plan_km > 0 ? v->plan_km
                                : PL_DEFAULT_PLAN_KM;
  v->first_service_due = first;
  v->due_km = base_km + km;
  int32_t due = pl_day_add_months(base_day, months);
  v->due_reason = PL_DUE_DATE;
  /* the rate: from the oldest point (the purchase at 0 km, or the oldest
   * kept reading once the list is full) to the newest reading */
  v->m_per_day = 0;
  const pl_mileage_reading *newest =
      v->n_readings > 0 ? &v->readings[v->n_readings - 1] : NULL;
  if (newest != NULL) {
    pl_mileage_reading oldest = {v->purchase_day, 0};
    if (v->n_readings == PL_VEH_READINGS)
      oldest = v->readings[0];
    if (newest->day > oldest.day && newest->km > oldest.km)
      v->m_per_day = (int32_t)((int64_t)(newest->km - oldest.km) * 1000 /
                               (newest->day - oldest.day));
  }
  if (v->m_per_day > 0) {
    int64_t kd =
        newest->day +
        ceil_div((int64_t)(v->due_km - newest->km) * 1000, v->m_per_day);
    if (kd < due) {
      due = (int32_t)kd;
      v->due_reason = PL_DUE_MILEAGE;
    }
  }
  v->due_day = due > v->known_day ? due : v->known_day;
  if (newest == NULL)
    v->est_km_on_due = 0;
  else
    v->est_km_on_due =
        newest->km +
        (int32_t)((int64_t)(v->due_day - newest->day) * v->m_per_day / 1000);
}

/* ---- per-chain state -----------------------------------------------------
 */

pl__veh_chain *pl__veh_state_new(pl__chain *c) {
  (void)c;
  pl__veh_chain *x = calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  pthread_rwlock_init(&x->lock, NULL);
  return x;
}

void pl__veh_state_free(pl__veh_chain *vc) {
  if (vc == NULL)
    return;
  for (int i = 0; i < vc->stores.n; i++) {
    pl__vstore *s = vc->stores.items[i];
    for (uint32_t k = 0; k < s->days.cap; k++)
      if (s->days.keys[k] != 0) {
        pl__bucket *b = s->days.vals[k];
        free(b->ix);
        free(b);
      }
    pl__u64map_free(&s->days);
  }
  pl__vec_free_all(&vc->stores);
  pl__strmap_free(&vc->store_ix);
  pl__vec_free_all(&vc->vehs);
  pl__strmap_free(&vc->vin_ix);
  pthread_rwlock_destroy(&vc->lock);
  free(vc);
}

static uint64_t day_key(int32_t day) {
  return (uint64_t)(uint32_t)day + 1; /* never 0 */
}

/* The store's index entry, created if missing (under the write lock);
 * -1 on OOM. */
static int32_t vstore_of(pl__veh_chain *vc, const char *code) {
  int32_t i = pl__strmap_get(&vc->store_ix, code);
  if (i >= 0)
    return i;
  pl__vstore *s = calloc(1, sizeof *s);
  if (s == NULL || pl__vec_reserve(&vc->stores, 1) != 0 ||
      pl__strmap_reserve(&vc->store_ix, 1) != 0) {
    free(s);
    return -1;
  }
  snprintf(s->code, sizeof s->code, "%s", code);
  i = vc->stores.n;
  pl__vec_push(&vc->stores, s);
  pl__strmap_put(&vc->store_ix, s->code, i);
  return i;
}

/* Room for one more vehicle in (store, day); 0 or PL_ENOMEM. */
static int bucket_reserve(pl__veh_chain *vc, int32_t store_ix, int32_t day) {
  pl__vstore *s = vc->stores.items[store_ix];
  pl__bucket *b = pl__u64map_get(&s->days, day_key(day));
  if (b == NULL) {
    b = calloc(1, sizeof *b);
    if (b == NULL || pl__u64map_put(&s->days, day_key(day), b) != 0) {
      free(b);
      return PL_ENOMEM;
    }
  }
  if (b->n < b->cap)
    return 0;
  int32_t ncap = b->cap ? b->cap * 2 : 8;
  int32_t *p = realloc(b->ix, (size_t)ncap * sizeof *p);
  if (p == NULL)
    return PL_ENOMEM;
  b->ix = p;
  b->cap = ncap;
  return 0;
}

static void bucket_add(pl__veh_chain *vc, pl__veh *x, int32_t ix) {
  pl__vstore *s = vc->stores.items[x->store_ix];
  pl__bucket *b = pl__u64map_get(&s->days, day_key(x->v.due_day));
  x->slot = b->n;
  b->ix[b->n++] = ix;
}

static void bucket_remove(pl__veh_chain *vc, pl__veh *x) {
  pl__vstore *s = vc->stores.items[x->store_ix];
  pl__bucket *b = pl__u64map_get(&s->days, day_key(x->v.due_day));
  int32_t last = b->ix[--b->n];
  b->ix[x->slot] = last;
  ((pl__veh *)vc->vehs.items[last])->slot = x->slot;
}

/* ---- rows ----------------------------------------------------------------
 */

static void veh_row(pl__buf *b, const pl_vehicle_info *v) {
  pl__buf_uvar(b, ROW_VERSION);
  pl__buf_str(b, v->plate);
  pl__buf_str(b, v->model);
  pl__buf_str(b, v->owner);
  pl__buf_str(b, v->store);
  pl__buf_svar(b, v->purchase_day);
  pl__buf_svar(b, v->plan_months);
  pl__buf_svar(b, v->plan_km);
  pl__buf_str(b, v->service);
  pl__buf_str(b, v->first_service);
  pl__buf_uvar(b, (uint64_t)v->n_readings);
  for (int32_t i = 0; i < v->n_readings; i++) {
    pl__buf_svar(b, v->readings[i].day);
    pl__buf_svar(b, v->readings[i].km);
  }
  pl__buf_svar(b, v->n_services);
  pl__buf_svar(b, v->last_service_day);
  pl__buf_svar(b, v->last_service_km);
  pl__buf_svar(b, v->known_day);
  /* appended: factory warranty terms (older rows read as none) */
  pl__buf_svar(b, v->warranty_months);
  pl__buf_svar(b, v->warranty_km);
}

/* ---- validation ----------------------------------------------------------
 */

static int check_vin(pl_error *err, const char *vin) {
  return pl__check_vin(err, "vehicle.vin", vin, PL_VEH_VIN_MAX, 0);
}

static int check_vehicle(pl_error *err, const pl_vehicle_info *v) {
  int rc = pl__check_code(err, "vehicle.chain", v->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = check_vin(err, v->vin);
  if (rc == 0)
    rc = pl__check_plate(err, "vehicle.plate", v->plate, 1);
  if (rc == 0)
    rc = pl__check_text(err, "vehicle.model", v->model, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "vehicle.owner", v->owner, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_code(err, "vehicle.store", v->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.purchase_date", v->purchase_day, 0,
                         2932896 /* 9999-12-31 */);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.plan_months", v->plan_months, 0, 60);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.plan_km", v->plan_km, 0, 100000);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.warranty_months", v->warranty_months, 0,
                         240);
  if (rc == 0)
    rc =
        pl__check_range(err, "vehicle.warranty_km", v->warranty_km, 0, 2000000);
  if (rc == 0)
    rc = pl__check_opt_code(err, "vehicle.service", v->service, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "vehicle.first_service", v->first_service,
                            PL_CODE_MAX);
  return rc;
}

/* Inserts (day, km) into the readings (by day); PL_EPRECOND if it would
 * make the odometer go down. Drops the oldest beyond the room. */
static int add_reading(pl_error *err, pl_vehicle_info *v, int32_t day,
                       int32_t km) {
  int32_t at = v->n_readings;
  for (int32_t i = 0; i < v->n_readings; i++) {
    const pl_mileage_reading *r = &v->readings[i];
    if (r->day <= day && r->km > km)
      return PL__FAIL(err, PL_EPRECOND,
                      "mileage_km: %d is below the %d km read on day %d", km,
                      r->km, r->day);
    if (r->day > day && r->km < km)
      return PL__FAIL(err, PL_EPRECOND,
                      "mileage_km: %d is above the %d km read on day %d", km,
                      r->km, r->day);
    if (r->day > day && at == v->n_readings)
      at = i;
  }
  if (v->n_readings == PL_VEH_READINGS) {
    if (at == 0)
      return 0; /* older than everything kept */
    memmove(&v->readings[0], &v->readings[1],
            (size_t)(at - 1) * sizeof v->readings[0]);
    at--;
  } else {
    memmove(&v->readings[at + 1], &v->readings[at],
            (size_t)(v->n_readings - at) * sizeof v->readings[0]);
    v->n_readings++;
  }
  v->readings[at] = (pl_mileage_reading){day, km};
  return 0;
}

/* ---- mutations -----------------------------------------------------------
 */

/* The common tail of every vehicle change: under the write lock, `next`
 * (already validated and recomputed) replaces `old` (NULL: a new vehicle)
 * through the commit path. */
static int veh_commit(pl_engine *e, pl__chain *c, pl__veh_chain *vc,
                      pl__veh *old, pl_vehicle_info *next, unsigned op,
                      const pl_write *w, pl__sync *sync) {
  int32_t sx = vstore_of(vc, next->store);
  int rc = sx < 0 ? PL_ENOMEM : bucket_reserve(vc, sx, next->due_day);
  pl__veh *fresh = NULL;
  if (rc == 0 && old == NULL) {
    fresh = calloc(1, sizeof *fresh);
    if (fresh == NULL)
      rc = PL_ENOMEM;
    if (rc == 0)
      rc = pl__vec_reserve(&vc->vehs, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&vc->vin_ix, 1);
  }
  pl__buf k = {0}, v = {0};
  if (rc == 0) {
    pl__key_make(&k, c->info.code, PL__K_VEHICLE, next->vin, NULL);
    veh_row(&v, next);
    rc = pl__write_row(e, c, op, pl__chain_now_ms(e, c), &k, &v, w, sync);
  }
  if (rc == 0) {
    pl__veh *x = old != NULL ? old : fresh;
    int32_t ix;
    if (old != NULL) {
      bucket_remove(vc, old);
      ix = pl__strmap_get(&vc->vin_ix, old->v.vin);
    } else {
      ix = vc->vehs.n;
      pl__vec_push(&vc->vehs, fresh);
    }
    x->v = *next;
    x->store_ix = sx;
    if (old == NULL)
      pl__strmap_put(&vc->vin_ix, x->v.vin, ix);
    bucket_add(vc, x, ix);
    pl__observe_vehicle(c, &x->v);
  } else {
    free(fresh);
  }
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc;
}

/* Today in the store's local time; PL_ENOTFOUND names `field`. */
static int store_today(pl_engine *e, const char *chain, const char *store,
                       const char *field, int32_t *today, char *code,
                       pl_error *err) {
  if (pl__store_today(e, chain, store, today, code) != 0)
    return PL__FAIL(err, PL_ENOTFOUND, "%s: no store '%s'", field, store);
  return 0;
}

int pl_vehicle_register(pl_engine *e, const pl_vehicle_info *in,
                        int32_t mileage_km, const pl_write *w,
                        pl_vehicle_info *out, pl_error *err) {
  int rc = check_vehicle(err, in);
  if (rc == 0)
    rc = pl__check_range(err, "mileage_km", mileage_km, 0, KM_MAX);
  pl__chain *c = NULL;
  pl__veh_chain *vc = NULL;
  if (rc == 0)
    rc = pl__veh_lookup(e, in->chain, &c, &vc, err);
  int32_t today = 0;
  char store[PL_CODE_MAX];
  if (rc == 0)
    rc = store_today(e, in->chain, in->store, "vehicle.store", &today, store,
                     err);
  if (rc == 0 && in->purchase_day > today)
    rc = PL__FAIL(err, PL_EINVAL, "vehicle.purchase_date: after today");
  if (rc != 0)
    return rc;
  pl__sync sync;
  pthread_rwlock_wrlock(&vc->lock);
  int32_t i = pl__strmap_get(&vc->vin_ix, in->vin);
  pl__veh *old = i >= 0 ? vc->vehs.items[i] : NULL;
  pl_vehicle_info next;
  if (old != NULL) {
    next = old->v;
    if (next.purchase_day != in->purchase_day)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "vehicle.purchase_date: VIN %s was bought on day %d",
                    in->vin, next.purchase_day);
  } else {
    memset(&next, 0, sizeof next);
    memcpy(next.chain, c->info.code, PL_CODE_MAX);
    memcpy(next.vin, in->vin, PL_VEH_VIN_MAX);
    next.purchase_day = in->purchase_day;
  }
  if (rc == 0) {
    memcpy(next.plate, in->plate, sizeof next.plate);
    memcpy(next.model, in->model, sizeof next.model);
    memcpy(next.owner, in->owner, sizeof next.owner);
    memcpy(next.store, store, PL_CODE_MAX);
    next.plan_months = in->plan_months;
    next.plan_km = in->plan_km;
    next.warranty_months = in->warranty_months;
    next.warranty_km = in->warranty_km;
    memcpy(next.service, in->service, PL_CODE_MAX);
    memcpy(next.first_service, in->first_service, PL_CODE_MAX);
    if (mileage_km > 0)
      rc = add_reading(err, &next, today, mileage_km);
  }
  if (rc == 0) {
    next.known_day = today > next.known_day ? today : next.known_day;
    compute_due(&next);
    rc = veh_commit(e, c, vc, old, &next, PL__OP_VEH_REGISTER, w, &sync);
    if (rc == 0 && out != NULL)
      *out = next;
  }
  pthread_rwlock_unlock(&vc->lock);
  return pl__write_finish(rc, rc == 0, w, &sync, err);
}

/* A reading (service = 0) or a service (service = 1). */
static int veh_event(pl_engine *e, const char *chain, const char *vin,
                     int32_t day, int32_t km, int service, const pl_write *w,
                     pl_vehicle_info *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__veh_chain *vc = NULL;
  int rc = pl__veh_lookup(e, chain, &c, &vc, err);
  if (rc == 0)
    rc = check_vin(err, vin);
  if (rc == 0)
    rc = pl__check_range(err, "mileage_km", km, service ? 0 : 1, KM_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "date", day, -1, 2932896);
  if (rc != 0)
    return rc;
  pl_vehicle_info next;
  pthread_rwlock_rdlock(&vc->lock);
  int32_t i = pl__strmap_get(&vc->vin_ix, vin);
  if (i >= 0)
    next = ((pl__veh *)vc->vehs.items[i])->v;
  pthread_rwlock_unlock(&vc->lock);
  if (i < 0)
    return PL__FAIL(err, PL_ENOTFOUND, "vin: no vehicle '%s'", vin);
  /* the store's today, outside our lock (the chain's lock is taken) */
  int32_t today = 0;
  rc = store_today(e, chain, next.store, "vehicle.store", &today, NULL, err);
  if (rc != 0)
    return rc;
  if (day < 0)
    day = today;
  if (day > today)
    return PL__FAIL(err, PL_EINVAL, "date: after today");
  pl__sync sync;
  pthread_rwlock_wrlock(&vc->lock);
  pl__veh *x = vc->vehs.items[i];
  next = x->v;
  if (day < next.purchase_day)
    rc = PL__FAIL(err, PL_EINVAL, "date: before the purchase date");
  if (rc == 0 && service) {
    if (km == 0)
      km = next.n_readings > 0 ? next.readings[next.n_readings - 1].km : 0;
    if (next.n_services > 0 && day < next.last_service_day)
      rc = PL__FAIL(err, PL_EPRECOND, "date: before the last service (day %d)",
                    next.last_service_day);
    if (rc == 0 && km > 0)
      rc = add_reading(err, &next, day, km);
    if (rc == 0) {
      next.n_services++;
      next.last_service_day = day;
      next.last_service_km = km;
    }
  } else if (rc == 0) {
    rc = add_reading(err, &next, day, km);
  }
  if (rc == 0) {
    next.known_day = today > next.known_day ? today : next.known_day;
    compute_due(&next);
    rc =
        veh_commit(e, c, vc, x, &next,
                   service ? PL__OP_VEH_SERVICE : PL__OP_VEH_MILEAGE, w, &sync);
    if (rc == 0 && out != NULL)
      *out = next;
  }
  pthread_rwlock_unlock(&vc->lock);
  return pl__write_finish(rc, rc == 0, w, &sync, err);
}

int pl_vehicle_mileage(pl_engine *e, const char *chain, const char *vin,
                       int32_t day, int32_t km, const pl_write *w,
                       pl_vehicle_info *out, pl_error *err) {
  return veh_event(e, chain, vin, day, km, 0, w, out, err);
}

int pl_vehicle_service(pl_engine *e, const char *chain, const char *vin,
                       int32_t day, int32_t km, const pl_write *w,
                       pl_vehicle_info *out, pl_error *err) {
  return veh_event(e, chain, vin, day, km, 1, w, out, err);
}

int pl_vehicle_get(pl_engine *e, const char *chain, const char *vin,
                   pl_vehicle_info *out, pl_error *err) {
  pl__veh_chain *vc = NULL;
  int rc = pl__veh_lookup(e, chain, NULL, &vc, err);
  if (rc == 0)
    rc = check_vin(err, vin);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&vc->lock);
  int32_t i = pl__strmap_get(&vc->vin_ix, vin);
  if (i >= 0)
    *out = ((pl__veh *)vc->vehs.items[i])->v;
  pthread_rwlock_unlock(&vc->lock);
  return i >= 0 ? 0 : PL__FAIL(err, PL_ENOTFOUND, "vin: no vehicle '%s'", vin);
}

/* ---- reminders -----------------------------------------------------------
 */

static int cmp_vin(const void *a, const void *b) {
  const pl__veh *x = *(pl__veh *const *)a, *y = *(pl__veh *const *)b;
  return strcmp(x->v.vin, y->v.vin);
}

/* Holds the earliest recommended slot for r at the store (see the
 * header); fills r's booking fields or hold_error. No lock held. */
static void hold_one(pl_engine *e, const pl_reminder_query *q,
                     const pl_store_info *si, int64_t now_min, pl__barrier *bar,
                     pl_reminder *r) {
  const pl_vehicle_info *v = &r->v;
  const char *svc = v->first_service_due
                        ? (v->first_service[0] ? v->first_service : "FIRST")
                        : (v->service[0] ? v->service : "MAINT");
  int64_t day_start = (int64_t)v->due_day * 1440 - si->utc_offset_min;
  int64_t earliest = day_start > now_min ? day_start : (now_min + 4) / 5 * 5;
  pl_slot_query sq = {.chain = q->chain,
                      .n_stores = 1,
                      .stores = {si->code},
                      .n_services = 1,
                      .services = {svc},
                      .earliest = earliest,
                      .latest = day_start + (int64_t)HOLD_DAYS * 1440,
                      .k = 1};
  pl_slot_option opt;
  pl_error err = {0};
  int n = pl_recommend_slots(e, &sq, &opt, 1, &err);
  if (n != 1) {
    snprintf(r->hold_error, sizeof r->hold_error, "%s",
             n == 0 ? "slot: none free within 7 days of the due date"
                    : err.msg);
    return;
  }
  pl_booking_info bi;
  memset(&bi, 0, sizeof bi);
  memcpy(bi.chain, si->chain, PL_CODE_MAX);
  memcpy(bi.store, si->code, PL_CODE_MAX);
  bi.channel = PL_CHANNEL_APP;
  memcpy(bi.customer, v->owner, PL_NAME_MAX);
  memcpy(bi.plate, v->plate, PL_PLATE_MAX);
  memcpy(bi.model, v->model, PL_NAME_MAX);
  bi.mileage_km = v->est_km_on_due;
  bi.n_segments = opt.n_segments;
  memcpy(bi.seg, opt.seg, sizeof bi.seg);
  char idem[PL_IDEM_MAX];
  snprintf(idem, sizeof idem, "rem-%s-%d", v->vin, v->due_day);
  pl_write step = pl__barrier_step(bar);
  pl_booking_info bo;
  int64_t ttl = q->hold_ttl_ms > 0 ? q->hold_ttl_ms : 24LL * 3600 * 1000;
  if (pl_booking_hold(e, &bi, ttl, idem, &step, &bo, &err) != 0) {
    step.durable(step.arg, 0);
    snprintf(r->hold_error, sizeof r->hold_error, "%s", err.msg);
    return;
  }
  r->booking_id = bo.id;
  r->slot_start_min = bo.start;
  r->slot_end_min = bo.end;
}

int pl_due_reminders(pl_engine *e, const pl_reminder_query *q, pl_reminder *out,
                     int cap, const pl_write *w, pl_error *err) {
  pl__veh_chain *vc = NULL;
  int rc = pl__veh_lookup(e, q->chain, NULL, &vc, err);
  if (rc == 0)
    rc = pl__check_code(err, "store", q->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "days", q->days, 0, PL_REMINDER_MAX_DAYS);
  if (rc == 0)
    rc = pl__check_range(err, "date", q->day, 0, 2932896);
  if (rc == 0)
    rc = pl__check_range(err, "hold_ttl_ms", q->hold_ttl_ms, 0,
                         24LL * 3600 * 1000);
  pl_store_info si;
  if (rc == 0 && pl_store_get(e, q->chain, q->store, &si, NULL) != 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", q->store);
  if (rc != 0)
    return rc;
  int32_t days = q->days > 0 ? q->days : 1;
  int total = 0;
  pthread_rwlock_rdlock(&vc->lock);
  int32_t sx = pl__strmap_get(&vc->store_ix, si.code);
  const pl__vstore *s = sx >= 0 ? vc->stores.items[sx] : NULL;
  const pl__bucket *bk[PL_REMINDER_MAX_DAYS] = {0};
  for (int32_t d = 0; s != NULL && d < days; d++) {
    bk[d] = pl__u64map_get(&s->days, day_key(q->day + d));
    total += bk[d] != NULL ? bk[d]->n : 0;
  }
  int copied = 0;
  const pl__veh **sel = NULL;
  for (int32_t d = 0; rc == 0 && d < days && copied < cap; d++) {
    if (bk[d] == NULL || bk[d]->n == 0)
      continue;
    const pl__veh **p =
        realloc(sel, (size_t)bk[d]->n * sizeof(const pl__veh *));
    if (p == NULL) {
      rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
      break;
    }
    sel = p;
    for (int32_t k = 0; k < bk[d]->n; k++)
      sel[k] = vc->vehs.items[bk[d]->ix[k]];
    qsort(sel, (size_t)bk[d]->n, sizeof(const pl__veh *), cmp_vin);
    for (int32_t k = 0; k < bk[d]->n && copied < cap; k++) {
      memset(&out[copied], 0, sizeof out[copied]);
      out[copied++].v = sel[k]->v;
    }
  }
  pthread_rwlock_unlock(&vc->lock);
  free(sel);
  if (rc != 0 || !q->hold)
    return rc != 0 ? rc : total;
  pl__barrier *bar = pl__barrier_new(w);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  int64_t now_min = pl_chain_now_ms(e, q->chain) / 60000;
  for (int i = 0; i < copied; i++)
    hold_one(e, q, &si, now_min, bar, &out[i]);
  rc = pl__barrier_end(bar, 0);
  rc = pl__write_finish(rc, 0, NULL, NULL, err);
  return rc != 0 ? rc : total;
}

/* ---- recovery ------------------------------------------------------------
 */

int pl__veh_load(pl_engine *e, unsigned kind, const char *chain,
                 const unsigned char *rest, size_t rl, const unsigned char *val,
                 size_t vl, pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  pl__veh_chain *vc = c != NULL ? pl__veh_of(c) : NULL;
  if (c == NULL || kind != PL__K_VEHICLE)
    return PL__FAIL(err, PL_ECORRUPT, "recovery: chain '%s' kind %u", chain,
                    kind);
  if (vc == NULL)
    return PL_ENOMEM;
  pl_vehicle_info v;
  memset(&v, 0, sizeof v);
  int bad = rl != PL_VIN_LEN;
  if (!bad) {
    memcpy(v.chain, c->info.code, PL_CODE_MAX);
    memcpy(v.vin, rest, rl);
    pl__rd r;
    pl__rd_init(&r, val, vl);
    bad = pl__rd_uvar(&r) != ROW_VERSION;
    pl__rd_str(&r, v.plate, sizeof v.plate);
    pl__rd_str(&r, v.model, sizeof v.model);
    pl__rd_str(&r, v.owner, sizeof v.owner);
    pl__rd_str(&r, v.store, sizeof v.store);
    v.purchase_day = (int32_t)pl__rd_svar(&r);
    v.plan_months = (int32_t)pl__rd_svar(&r);
    v.plan_km = (int32_t)pl__rd_svar(&r);
    pl__rd_str(&r, v.service, sizeof v.service);
    pl__rd_str(&r, v.first_service, sizeof v.first_service);
    uint64_t n = pl__rd_uvar(&r);
    bad = bad || n > PL_VEH_READINGS;
    for (uint64_t i = 0; !bad && i < n; i++) {
      v.readings[i].day = (int32_t)pl__rd_svar(&r);
      v.readings[i].km = (int32_t)pl__rd_svar(&r);
    }
    v.n_readings = bad ? 0 : (int32_t)n;
    v.n_services = (int32_t)pl__rd_svar(&r);
    v.last_service_day = (int32_t)pl__rd_svar(&r);
    v.last_service_km = (int32_t)pl__rd_svar(&r);
    v.known_day = (int32_t)pl__rd_svar(&r);
    v.warranty_months = (int32_t)pl__rd_svar(&r); /* 0 in older rows */
    v.warranty_km = (int32_t)pl__rd_svar(&r);
    bad = bad || r.bad || check_vehicle(NULL, &v) != 0 || v.n_services < 0 ||
          pl__strmap_get(&vc->vin_ix, v.vin) >= 0;
  }
  pl_store_info si;
  bad = bad || pl_store_get(e, chain, v.store, &si, NULL) != 0;
  if (bad)
    return PL__FAIL(err, PL_ECORRUPT, "recovery: chain '%s': bad vehicle row",
                    chain);
  compute_due(&v);
  int32_t sx = vstore_of(vc, v.store);
  int rc = sx < 0 ? PL_ENOMEM : bucket_reserve(vc, sx, v.due_day);
  pl__veh *x = rc == 0 ? calloc(1, sizeof *x) : NULL;
  if (rc == 0 && x == NULL)
    rc = PL_ENOMEM;
  if (rc == 0)
    rc = pl__vec_reserve(&vc->vehs, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&vc->vin_ix, 1);
  if (rc != 0) {
    free(x);
    return rc;
  }
  x->v = v;
  x->store_ix = sx;
  int32_t ix = vc->vehs.n;
  pl__vec_push(&vc->vehs, x);
  pl__strmap_put(&vc->vin_ix, x->v.vin, ix);
  bucket_add(vc, x, ix);
  pl__observe_vehicle(c, &x->v);
  return 0;
}
