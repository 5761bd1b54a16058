/* dispatch_test.c — field dispatch and service reminders in the engine:
 * the grid's nearest answer against brute force over random positions,
 * racing threads never dispatch one resource twice, the life cycle
 * (decline to the next nearest, unassigned, retry, arrive, complete),
 * scheduled pick-ups as calendar entries, watches see durable views,
 * everything survives a reopen, and due days against a reference computed
 * here with a fake clock. */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <time.h>

#include "pitlane/demo.h"
#include "pitlane/dispatch.h"
#include "pitlane/vehicles.h"

#define CH "disp"
/* 2026-11-25 09:00 in Shanghai (UTC+8) */
#define T0_MS ((int64_t)1795568400000LL)

typedef test_fx fx;

static void noop_durable(void *arg, int rc) {
  (void)arg;
  if (rc != 0) { /* not an assert: this is the commit thread */
    fprintf(stderr, "async write failed: %s\n", pl_err_name(rc));
    abort();
  }
}
static const pl_write g_async = {noop_durable, NULL};

static pl_engine *open_fast(const char *dir, test_clock *clk) {
  pl_config cfg = {
      .path = dir, .clock = test_clock_now, .clock_arg = clk, .no_sync = 1};
  pl_engine *e = NULL;
  pl_error err = {0};
  if (pl_engine_open(&cfg, &e, &err) != 0)
    fail_msg("open: %s", err.msg);
  return e;
}

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  f->dir = test_tempdir();
  f->clk.now_ms = T0_MS;
  f->e = open_fast(f->dir, &f->clk);
  test_chain_with_store(f->e, CH, "S1");
  *state = f;
  return 0;
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static void add_res(pl_engine *e, const char *code, pl_fr_kind kind,
                    int32_t lat, int32_t lng, const pl_write *w) {
  pl_field_resource r;
  memset(&r, 0, sizeof r);
  strcpy(r.chain, CH);
  snprintf(r.code, sizeof r.code, "%s", code);
  strcpy(r.name, "resource");
  strcpy(r.home_store, "S1");
  r.kind = kind;
  r.lat_e6 = lat;
  r.lng_e6 = lng;
  pl_error err = {0};
  if (pl_field_resource_upsert(e, &r, w, NULL, &err) != 0)
    fail_msg("upsert %s: %s", code, err.msg);
}

static pl_dispatch_request rescue_at(int32_t lat, int32_t lng) {
  pl_dispatch_request q;
  memset(&q, 0, sizeof q);
  strcpy(q.chain, CH);
  q.kind = PL_DISPATCH_RESCUE;
  q.lat_e6 = lat;
  q.lng_e6 = lng;
  return q;
}

/* ---- the index against brute force -------------------------------------- */

#define BF_RES 1500
#define BF_QUERIES 300

static void nearest_matches_brute_force(void **state) {
  fx *f = *state;
  static int32_t lat[BF_RES], lng[BF_RES];
  static int busy[BF_RES];
  char code[PL_CODE_MAX];
  for (int i = 0; i < BF_RES; i++) {
    /* a dense city and a sparse ring of outliers up to ~100 km out */
    int far = i % 10 == 0;
    lat[i] = 31000000 + (int32_t)(rnd() % (far ? 1000000 : 400000)) -
             (far ? 300000 : 0);
    lng[i] = 121200000 + (int32_t)(rnd() % (far ? 1000000 : 500000)) -
             (far ? 300000 : 0);
    snprintf(code, sizeof code, "T%04d", i);
    add_res(f->e, code, PL_FR_RESCUE_TRUCK, lat[i], lng[i], &g_async);
  }
  pl_error err = {0};
  for (int k = 0; k < BF_QUERIES; k++) {
    int32_t qa = 30800000 + (int32_t)(rnd() % 800000);
    int32_t qb = 121000000 + (int32_t)(rnd() % 900000);
    int best = -1;
    double bd = INFINITY;
    for (int i = 0; i < BF_RES; i++) {
      if (busy[i])
        continue;
      double d = pl_geo_distance_m(qa, qb, lat[i], lng[i]);
      if (d < bd) {
        bd = d;
        best = i;
      }
    }
    pl_dispatch_request q = rescue_at(qa, qb);
    pl_dispatch d;
    int rc = pl_dispatch_create(f->e, &q, NULL, &g_async, &d, &err);
    assert_int_equal(rc, 0);
    int got = atoi(d.resource + 1);
    double gd = pl_geo_distance_m(qa, qb, lat[got], lng[got]);
    if (fabs(gd - bd) > 1e-6)
      fail_msg("query %d: got %s at %.3f m, brute force T%04d at %.3f m", k,
               d.resource, gd, best, bd);
    assert_int_equal(busy[got], 0);
    /* road distance = great circle x 1.3 */
    assert_true(llabs(d.distance_m - llround(bd * 1.3)) <= 1);
    /* every third stays busy (the search must skip it), the rest free up */
    if (k % 3 == 0)
      busy[got] = 1;
    else
      assert_int_equal(pl_dispatch_act(f->e, CH, d.id, PL_DA_CANCEL, NULL, 0,
                                       &g_async, NULL, &err),
                       0);
  }
}

/* ---- racing threads ----------------------------------------------------- */

#define RACE_RES 60
#define RACE_THREADS 8
#define RACE_EACH 15

typedef struct race {
  pl_engine *e;
  int seed;
  int ok;
  char got[RACE_EACH][PL_CODE_MAX];
} race;

static void *racer(void *arg) {
  race *r = arg;
  uint64_t s = 0x9E3779B97F4A7C15ULL * (uint64_t)(r->seed + 1);
  for (int i = 0; i < RACE_EACH; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    pl_dispatch_request q = rescue_at(31100000 + (int32_t)(s % 20000),
                                      121400000 + (int32_t)(s % 20011));
    pl_dispatch d;
    pl_error err = {0};
    int rc = pl_dispatch_create(r->e, &q, NULL, NULL, &d, &err);
    if (rc == 0)
      strcpy(r->got[r->ok++], d.resource);
    else if (rc != PL_EPRECOND)
      return (void *)1;
  }
  return NULL;
}

static void racing_threads_never_share_a_resource(void **state) {
  fx *f = *state;
  char code[PL_CODE_MAX];
  for (int i = 0; i < RACE_RES; i++) {
    snprintf(code, sizeof code, "R%03d", i);
    add_res(f->e, code, PL_FR_RESCUE_TRUCK, 31100000 + i * 300,
            121400000 + i * 200, &g_async);
  }
  race rs[RACE_THREADS];
  pthread_t th[RACE_THREADS];
  memset(rs, 0, sizeof rs);
  for (int i = 0; i < RACE_THREADS; i++) {
    rs[i].e = f->e;
    rs[i].seed = i;
    pthread_create(&th[i], NULL, racer, &rs[i]);
  }
  int total = 0;
  for (int i = 0; i < RACE_THREADS; i++) {
    void *ret;
    pthread_join(th[i], &ret);
    assert_null(ret);
    total += rs[i].ok;
  }
  /* 120 requests, 60 trucks: exactly 60 offers, all to different trucks */
  assert_int_equal(total, RACE_RES);
  static int seen[RACE_RES];
  for (int i = 0; i < RACE_THREADS; i++)
    for (int k = 0; k < rs[i].ok; k++) {
      int ix = atoi(rs[i].got[k] + 1);
      assert_int_equal(seen[ix], 0);
      seen[ix] = 1;
    }
  pl_field_resource fr;
  for (int i = 0; i < RACE_RES; i++) {
    snprintf(code, sizeof code, "R%03d", i);
    assert_int_equal(pl_field_resource_get(f->e, CH, code, &fr, NULL), 0);
    assert_int_equal(fr.state, PL_FR_OFFERED);
  }
}

/* ---- life cycle ---------------------------------------------------------- */

static void decline_goes_to_the_next_nearest_then_unassigned(void **state) {
  fx *f = *state;
  add_res(f->e, "A", PL_FR_RESCUE_TRUCK, 31100000, 121400000, NULL);
  add_res(f->e, "B", PL_FR_RESCUE_TRUCK, 31110000, 121400000, NULL);
  add_res(f->e, "C", PL_FR_RESCUE_TRUCK, 31200000, 121400000, NULL);
  pl_dispatch_request q = rescue_at(31101000, 121400000);
  pl_dispatch d;
  pl_error err = {0};
  assert_int_equal(pl_dispatch_create(f->e, &q, "k1", NULL, &d, &err), 0);
  assert_string_equal(d.resource, "A");
  assert_int_equal(d.state, PL_DS_OFFERED);
  /* ETA: ~111 m x 1.3 at 30 km/h */
  assert_true(d.travel_s >= 17 && d.travel_s <= 18);
  assert_true(d.eta_ms == T0_MS + d.travel_s * 1000);
  /* the same key: the same dispatch */
  pl_dispatch again;
  assert_int_equal(pl_dispatch_create(f->e, &q, "k1", NULL, &again, &err), 0);
  assert_int_equal(again.id, d.id);
  /* someone else cannot decline it */
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_DECLINE, "B", 0, NULL, &d, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "resource"));
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_DECLINE, "A", 0, NULL, &d, &err),
      0);
  assert_string_equal(d.resource, "B");
  assert_int_equal(d.n_declined, 1);
  pl_field_resource fr;
  pl_field_resource_get(f->e, CH, "A", &fr, NULL);
  assert_int_equal(fr.state, PL_FR_FREE);
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_DECLINE, NULL, 0, NULL, &d, &err),
      0);
  assert_string_equal(d.resource, "C");
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_DECLINE, NULL, 0, NULL, &d, &err),
      0);
  assert_int_equal(d.state, PL_DS_UNASSIGNED);
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_RETRY, NULL, 0, NULL, &d, &err),
      PL_EPRECOND);
  /* a new truck: retry finds it */
  add_res(f->e, "D", PL_FR_RESCUE_TRUCK, 31300000, 121400000, NULL);
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_RETRY, NULL, 0, NULL, &d, &err), 0);
  assert_string_equal(d.resource, "D");
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_ARRIVE, NULL, 0, NULL, &d, &err),
      PL_EPRECOND);
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_ACCEPT, "D", 0, NULL, &d, &err), 0);
  pl_field_resource_get(f->e, CH, "D", &fr, NULL);
  assert_int_equal(fr.state, PL_FR_EN_ROUTE);
  /* positions come in: the ETA follows */
  int64_t eta0 = d.eta_ms;
  f->clk.now_ms += 60000;
  assert_int_equal(pl_field_resource_position(f->e, CH, "D", 31150000,
                                              121400000, 0, NULL, &fr, &err),
                   0);
  assert_int_equal(pl_dispatch_get(f->e, CH, d.id, &d, &err), 0);
  assert_true(d.eta_ms < eta0);
  assert_int_equal(d.res_lat_e6, 31150000);
  /* not free while en route */
  assert_int_equal(pl_field_resource_position(f->e, CH, "D", 31150000,
                                              121400000, 1, NULL, &fr, &err),
                   PL_EPRECOND);
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_ARRIVE, NULL, 0, NULL, &d, &err),
      0);
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_COMPLETE, NULL, 0, NULL, &d, &err),
      0);
  assert_int_equal(d.state, PL_DS_COMPLETED);
  /* repeating the last move is a no-op */
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_COMPLETE, NULL, 0, NULL, &d, &err),
      0);
  pl_field_resource_get(f->e, CH, "D", &fr, NULL);
  assert_int_equal(fr.state, PL_FR_RETURNING);
  assert_int_equal(pl_field_resource_position(f->e, CH, "D", 31300000,
                                              121400000, 1, NULL, &fr, &err),
                   0);
  assert_int_equal(fr.state, PL_FR_FREE);
  /* bad input names the field */
  q.lat_e6 = 91000000;
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "lat_e6"));
  q = rescue_at(1, 1);
  q.kind = PL_DISPATCH_PICKUP;
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "store"));
}

static void scheduled_pickups_are_calendar_entries(void **state) {
  fx *f = *state;
  add_res(f->e, "D1", PL_FR_DRIVER, 31100000, 121400000, NULL);
  add_res(f->e, "D2", PL_FR_DRIVER, 31150000, 121400000, NULL);
  pl_dispatch_request q = rescue_at(31101000, 121400000);
  q.kind = PL_DISPATCH_PICKUP;
  strcpy(q.store, "S1");
  q.at_ms = T0_MS + 3 * 3600 * 1000;
  q.duration_min = 60;
  pl_dispatch a, b, c;
  pl_error err = {0};
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &a, &err), 0);
  assert_true(a.scheduled);
  assert_string_equal(a.resource, "D1");
  pl_field_resource fr;
  pl_field_resource_get(f->e, CH, "D1", &fr, NULL);
  assert_int_equal(fr.state, PL_FR_FREE); /* a calendar entry only */
  assert_int_equal(fr.n_calendar, 1);
  /* overlapping: D1 is taken then, so D2 */
  q.at_ms += 30 * 60000;
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &b, &err), 0);
  assert_string_equal(b.resource, "D2");
  /* a third overlapping one: nobody */
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &c, &err),
                   PL_EPRECOND);
  /* two hours later: D1 again */
  q.at_ms += 2 * 3600 * 1000;
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &c, &err), 0);
  assert_string_equal(c.resource, "D1");
  /* an immediate rescue of a driver kind is not mixed up: immediate
   * pick-up now takes a free driver */
  q.at_ms = 0;
  pl_dispatch now;
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &now, &err), 0);
  assert_false(now.scheduled);
  /* cancelling frees the calendar entry */
  assert_int_equal(
      pl_dispatch_act(f->e, CH, a.id, PL_DA_CANCEL, NULL, 0, NULL, &a, &err),
      0);
  pl_field_resource_get(f->e, CH, "D1", &fr, NULL);
  assert_true(fr.n_calendar == 1 && fr.calendar[0].dispatch_id == c.id);
}

/* ---- watches and restart ------------------------------------------------- */

typedef struct seen_views {
  int n;
  pl_dispatch last;
  uint64_t versions[64];
} seen_views;

static void on_view(void *arg, const pl_dispatch *d) {
  seen_views *s = arg;
  if (s->n < 64)
    s->versions[s->n] = d->version;
  s->n++;
  s->last = *d;
}

static void watches_and_restart_keep_the_dispatch(void **state) {
  fx *f = *state;
  add_res(f->e, "A", PL_FR_RESCUE_TRUCK, 31100000, 121400000, NULL);
  add_res(f->e, "B", PL_FR_RESCUE_TRUCK, 31300000, 121400000, NULL);
  pl_dispatch_request q = rescue_at(31101000, 121400000);
  pl_dispatch d;
  pl_error err = {0};
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d, &err), 0);
  seen_views sv = {0};
  pl_dispatch_watch *wt = NULL;
  assert_int_equal(
      pl_dispatch_watch_open(f->e, CH, d.id, on_view, &sv, &wt, &err), 0);
  assert_int_equal(sv.n, 1); /* the replay */
  assert_int_equal(
      pl_dispatch_act(f->e, CH, d.id, PL_DA_ACCEPT, NULL, 0, NULL, &d, &err),
      0);
  f->clk.now_ms += 30000;
  pl_field_resource fr;
  assert_int_equal(pl_field_resource_position(f->e, CH, "A", 31100500,
                                              121400000, 0, NULL, &fr, &err),
                   0);
  assert_int_equal(sv.n, 3); /* NULL pl_write: durable before return */
  for (int i = 1; i < sv.n; i++)
    assert_true(sv.versions[i] > sv.versions[i - 1]);
  assert_int_equal(sv.last.res_lat_e6, 31100500);
  pl_dispatch_unwatch(f->e, wt);
  assert_int_equal(pl_dispatch_get(f->e, CH, d.id, &d, &err), 0);
  pl_engine_close(f->e);
  f->e = open_fast(f->dir, &f->clk);
  pl_dispatch back;
  assert_int_equal(pl_dispatch_get(f->e, CH, d.id, &back, &err), 0);
  assert_memory_equal(&back, &d, sizeof d);
  assert_int_equal(pl_field_resource_get(f->e, CH, "A", &fr, &err), 0);
  assert_int_equal(fr.state, PL_FR_EN_ROUTE);
  assert_int_equal(fr.lat_e6, 31100500);
  /* A is busy: the next request goes to B */
  pl_dispatch d2;
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d2, &err), 0);
  assert_string_equal(d2.resource, "B");
  assert_int_equal(d2.id, d.id + 1);
  /* a new watch replays the durable state */
  seen_views s2 = {0};
  assert_int_equal(
      pl_dispatch_watch_open(f->e, CH, d.id, on_view, &s2, &wt, &err), 0);
  assert_int_equal(s2.n, 1);
  assert_int_equal(s2.last.state, PL_DS_ACCEPTED);
  pl_dispatch_unwatch(f->e, wt);
}

/* ---- reminders against a reference --------------------------------------- */

/* The reference: calendar months through timegm, the rules of vehicles.h
 * written out again. */
static int32_t ref_add_months(int32_t day, int32_t months) {
  time_t t = (time_t)day * 86400;
  struct tm tm;
  gmtime_r(&t, &tm);
  int y = tm.tm_year + 1900, m = tm.tm_mon + months;
  y += m >= 0 ? m / 12 : -((11 - m) / 12);
  m = ((m % 12) + 12) % 12;
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int ml = len[m] + (m == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  struct tm o = {.tm_year = y - 1900,
                 .tm_mon = m,
                 .tm_mday = tm.tm_mday < ml ? tm.tm_mday : ml};
  return (int32_t)(timegm(&o) / 86400);
}

typedef struct ref_veh {
  int32_t purchase, known;
  int n;
  int32_t day[8], km[8]; /* all readings, by day */
  int services;
  int32_t sday, skm;
} ref_veh;

static int32_t ref_due(const ref_veh *v, int *by_km) {
  int first = v->services == 0;
  int32_t bday = first ? v->purchase : v->sday;
  int32_t bkm = first ? 0 : v->skm;
  int32_t due = ref_add_months(bday, first ? 3 : 6);
  int32_t target = bkm + (first ? 5000 : 8000);
  *by_km = 0;
  if (v->n > 0) {
    int k = v->n > 4 ? v->n - 4 : 0; /* the kept readings */
    int32_t od = v->n >= 4 ? v->day[k] : v->purchase;
    int32_t ok = v->n >= 4 ? v->km[k] : 0;
    int32_t nd = v->day[v->n - 1], nk = v->km[v->n - 1];
    if (nd > od && nk > ok) {
      int64_t rate = (int64_t)(nk - ok) * 1000 / (nd - od);
      if (rate > 0) {
        int64_t num = (int64_t)(target - nk) * 1000;
        int64_t add = num >= 0 ? (num + rate - 1) / rate : -((-num) / rate);
        if (nd + add < due) {
          due = (int32_t)(nd + add);
          *by_km = 1;
        }
      }
    }
  }
  return due > v->known ? due : v->known;
}

#define VEH 200

static void reminders_match_the_reference(void **state) {
  fx *f = *state;
  static ref_veh ref[VEH];
  char vin[PL_VEH_VIN_MAX];
  pl_error err = {0};
  int32_t today0 = pl_local_day(T0_MS / 60000, 480);
  /* registered over 60 days of the fake clock, with readings and
   * services spread over them */
  for (int i = 0; i < VEH; i++) {
    snprintf(vin, sizeof vin, "LTEST%012d", i);
    pl_vehicle_info v;
    memset(&v, 0, sizeof v);
    strcpy(v.chain, CH);
    strcpy(v.vin, vin);
    strcpy(v.store, "S1");
    v.purchase_day = today0 - (int32_t)(rnd() % 700);
    v.plan_months = 6;
    v.plan_km = 8000;
    ref[i].purchase = v.purchase_day;
    ref[i].known = today0;
    assert_int_equal(pl_vehicle_register(f->e, &v, 0, &g_async, NULL, &err), 0);
  }
  int32_t today = today0;
  for (int step = 0; step < 60; step++) {
    f->clk.now_ms += 86400000LL;
    today++;
    for (int k = 0; k < 8; k++) {
      int i = (int)(rnd() % VEH);
      ref_veh *r = &ref[i];
      snprintf(vin, sizeof vin, "LTEST%012d", i);
      int32_t last_km = r->n > 0 ? r->km[r->n - 1] : 0;
      int32_t km = last_km + 10 + (int32_t)(rnd() % 3000);
      if (r->n == 8) /* the reference keeps its own window */
        continue;
      if (rnd() % 4 == 0) {
        assert_int_equal(
            pl_vehicle_service(f->e, CH, vin, -1, km, &g_async, NULL, &err), 0);
        r->services++;
        r->sday = today;
        r->skm = km;
      } else {
        assert_int_equal(
            pl_vehicle_mileage(f->e, CH, vin, -1, km, &g_async, NULL, &err), 0);
      }
      r->day[r->n] = today;
      r->km[r->n++] = km;
      r->known = today;
    }
  }
  /* every vehicle, and the index per day */
  static int per_day[2000];
  memset(per_day, 0, sizeof per_day);
  int32_t lo = today0 - 100;
  for (int i = 0; i < VEH; i++) {
    snprintf(vin, sizeof vin, "LTEST%012d", i);
    pl_vehicle_info v;
    assert_int_equal(pl_vehicle_get(f->e, CH, vin, &v, &err), 0);
    int by_km;
    int32_t want = ref_due(&ref[i], &by_km);
    if (v.due_day != want)
      fail_msg("%s: due %d, reference %d", vin, v.due_day, want);
    assert_int_equal(v.due_reason, by_km ? PL_DUE_MILEAGE : PL_DUE_DATE);
    assert_true(want >= lo && want < lo + 2000);
    per_day[want - lo]++;
  }
  pl_reminder *out = calloc(VEH, sizeof *out);
  int listed = 0;
  for (int32_t d = lo; d < lo + 2000; d += 31) {
    pl_reminder_query q = {.chain = CH, .store = "S1", .day = d, .days = 31};
    int n = pl_due_reminders(f->e, &q, out, VEH, NULL, &err);
    assert_true(n >= 0);
    int want = 0;
    for (int32_t k = d; k < d + 31 && k < lo + 2000; k++)
      want += per_day[k - lo];
    assert_int_equal(n, want);
    for (int k = 1; k < n; k++)
      assert_true(out[k - 1].v.due_day < out[k].v.due_day ||
                  (out[k - 1].v.due_day == out[k].v.due_day &&
                   strcmp(out[k - 1].v.vin, out[k].v.vin) < 0));
    listed += n;
  }
  assert_int_equal(listed, VEH);
  /* it all survives a reopen */
  pl_vehicle_info before, after;
  assert_int_equal(pl_vehicle_get(f->e, CH, "LTEST000000000007", &before, &err),
                   0);
  pl_engine_close(f->e);
  f->e = open_fast(f->dir, &f->clk);
  assert_int_equal(pl_vehicle_get(f->e, CH, "LTEST000000000007", &after, &err),
                   0);
  assert_memory_equal(&before, &after, sizeof before);
  /* odometers never go down; bad VINs name the field */
  if (after.n_readings > 0) {
    int32_t km = after.readings[after.n_readings - 1].km;
    assert_int_equal(pl_vehicle_mileage(f->e, CH, "LTEST000000000007", -1,
                                        km > 1 ? km - 1 : 1, NULL, NULL, &err),
                     km > 1 ? PL_EPRECOND : 0);
  }
  assert_int_equal(pl_vehicle_get(f->e, CH, "LTEST00000000000I", &after, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "vin"));
  free(out);
}

static void first_service_at_three_months_or_5000_km(void **state) {
  fx *f = *state;
  pl_error err = {0};
  int32_t today = pl_local_day(T0_MS / 60000, 480);
  pl_vehicle_info v;
  memset(&v, 0, sizeof v);
  strcpy(v.chain, CH);
  strcpy(v.vin, "LFRST000000000001");
  strcpy(v.store, "S1");
  v.purchase_day = today - 30;
  assert_int_equal(pl_vehicle_register(f->e, &v, 0, NULL, &v, &err), 0);
  assert_int_equal(v.due_day, pl_day_add_months(today - 30, 3));
  assert_int_equal(v.due_reason, PL_DUE_DATE);
  assert_true(v.first_service_due);
  /* 3,000 km in 30 days: 5,000 in 50, i.e. 20 days from now */
  assert_int_equal(
      pl_vehicle_mileage(f->e, CH, v.vin, -1, 3000, NULL, &v, &err), 0);
  assert_int_equal(v.due_reason, PL_DUE_MILEAGE);
  assert_int_equal(v.due_day, today + 20);
  assert_int_equal(v.m_per_day, 100000);
  pl_reminder r[4];
  pl_reminder_query q = {.chain = CH, .store = "S1", .day = today + 20};
  assert_int_equal(pl_due_reminders(f->e, &q, r, 4, NULL, &err), 1);
  assert_string_equal(r[0].v.vin, v.vin);
  /* serviced: 12 months / 10,000 km by default from the service */
  assert_int_equal(pl_vehicle_service(f->e, CH, v.vin, -1, 0, NULL, &v, &err),
                   0);
  assert_false(v.first_service_due);
  assert_int_equal(v.due_km, 13000);
  assert_int_equal(pl_due_reminders(f->e, &q, r, 4, NULL, &err), 0);
}

/* Found by fuzz_rpc (issue 19): with resources at opposite corners of the
 * world the grid's box is 18,000 x 36,000 cells, and a request nobody can
 * take scanned every ring of it (about 1e9 cell visits, minutes). It must
 * answer at once that nobody is free. */
static void a_search_over_a_world_sized_grid_is_bounded(void **state) {
  fx *f = *state;
  add_res(f->e, "FAR1", PL_FR_RESCUE_TRUCK, -89990000, -179990000, NULL);
  add_res(f->e, "FAR2", PL_FR_RESCUE_TRUCK, 89990000, 179990000, NULL);
  pl_error err = {0};
  pl_dispatch d;
  pl_dispatch_request q = rescue_at(-89000000, -179000000);
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d, &err), 0);
  assert_string_equal(d.resource, "FAR1");
  q = rescue_at(89000000, 179000000);
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d, &err), 0);
  assert_string_equal(d.resource, "FAR2");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  q = rescue_at(4096, 0); /* both busy: nobody eligible */
  assert_int_equal(pl_dispatch_create(f->e, &q, NULL, NULL, &d, &err),
                   PL_EPRECOND);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_non_null(strstr(err.msg, "free"));
  double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (s > 2.0)
    fail_msg("an unassignable dispatch took %.1f s", s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          a_search_over_a_world_sized_grid_is_bounded, setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(nearest_matches_brute_force, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(racing_threads_never_share_a_resource,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          decline_goes_to_the_next_nearest_then_unassigned, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(scheduled_pickups_are_calendar_entries,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(watches_and_restart_keep_the_dispatch,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(reminders_match_the_reference, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(first_service_at_three_months_or_5000_km,
                                      setup, test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
