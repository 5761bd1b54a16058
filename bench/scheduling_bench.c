/* scheduling_bench.c — the scheduling hot paths, in process.
 *
 *   BM_RecommendSlots   top-5 MAINT (60 min) on a store with 20 bays and
 *                       30 technicians, 14-day horizon, 70 % of bay time
 *                       booked at random; each query starts on a random
 *                       day of the horizon. Reports p50/p99 per query.
 *   BM_RecommendSlotsPeerCalendar
 *                       the PostgreSQL peer's calendar exactly
 *                       (../shared/bench/pg_booking_tuned: 12 lifts, 3
 *                       alignment, 2 paint, 3 EV bays; 30 technicians, 20
 *                       with the engine skill; its deterministic 70 %
 *                       preload; UTC store open 08-18), its query (lift +
 *                       engine, 60 min, top 5, 15-minute grid, from a
 *                       random day 0-13 and hour 8-16 of 2026-12-01..).
 *                       With --peer-check it prints the top-5 starts of a
 *                       fixed query for the side-by-side script instead.
 *   BM_HoldConfirm      Hold + Confirm of a recommended option, the cost a
 *                       worker pays (apply in memory + queue the write);
 *                       the durable write runs on the commit thread
 *                       (RocksDB WAL without fsync here: "without disk").
 *                       Each iteration's booking is cancelled untimed.
 *   BM_RecommendSlotsLoaner
 *                       BM_RecommendSlots' store and query with
 *                       need_loaner: the store has 8 loaner cars and the
 *                       fill asks for a loaner on half its bookings while
 *                       one is free (so the cars are mostly taken in the
 *                       day's busy hours).
 *   BM_HoldLoanerConfirm
 *                       BM_HoldConfirm with a loaner (any free one of 8)
 *                       reserved by the hold, in the same lock and batch.
 *
 * Flags are Google Benchmark's own. The calendar is built once per run in a
 * fresh RocksDB directory under $TMPDIR. */
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "pitlane/scheduling.h"
#include "pitlane/testing.h" /* sizes of the records, for memory */
#include "shim.h"
#include <jemalloc/jemalloc.h>

#define BAYS 20
#define TECHS 30
#define HORIZON 14
#define OFFSET 480

typedef struct world {
  long bookings;     /* made by the fill */
  size_t fill_bytes; /* jemalloc bytes allocated during the fill */
  pl_engine *e;
  char dir[256];
  int64_t clock_ms;
  int64_t day0; /* local day of "now" */
} world;

static int64_t world_clock(void *arg) {
  return ((world *)arg)->clock_ms;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void) { /* xorshift64: bench inputs only */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static int64_t at(int64_t day, int hh, int mm) {
  return day * 1440 - OFFSET + hh * 60 + mm;
}

/* Bytes the process has allocated through jemalloc (engine and RocksDB
 * alike: RocksDB's memtable is part of what a booking costs here). */
static size_t allocated_bytes(void) {
  uint64_t epoch = 1;
  size_t sz = sizeof epoch, allocated = 0, asz = sizeof allocated;
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  mallctl("stats.allocated", &allocated, &asz, NULL, 0);
  return allocated;
}

#define LOANERS 8

/* Builds the store and books `fill` of its bay time at random; with
 * `loaners` cars, half the fill's bookings ask for one while one is free. */
static int world_open(world *w, double fill, int loaners, pl_bench_state *st) {
  memset(w, 0, sizeof *w);
  if (bench_tempdir(w->dir, sizeof w->dir, "pitlane-sbench") != 0)
    return -1;
  w->day0 = 20454;
  w->clock_ms = at(w->day0, 0, 0) * 60000;
  pl_config cfg = {
      .path = w->dir, .clock = world_clock, .clock_arg = w, .no_sync = 1};
  pl_error err = {0};
  if (pl_engine_open(&cfg, &w->e, &err) != 0) {
    pl_bench_error(st, err.msg);
    return -1;
  }
  pl_chain_info c = {.code = "bench", .name = "bench"};
  pl_store_info s = {.chain = "bench",
                     .code = "S1",
                     .name = "store",
                     .utc_offset_min = OFFSET};
  pl_service_info svc = {.chain = "bench",
                         .code = "MAINT",
                         .name = "m",
                         .bay_type = PL_BAY_GENERAL_LIFT,
                         .skill = PL_SKILL_ENGINE,
                         .min_level = 2,
                         .duration_min = 60,
                         .technicians = 1};
  int rc = pl_chain_create(w->e, &c, NULL, NULL, NULL, &err);
  if (rc == 0)
    rc = pl_store_create(w->e, &s, NULL, NULL, NULL, &err);
  for (int i = 0; rc == 0 && i < BAYS; i++) {
    pl_bay_info b = {
        .chain = "bench", .store = "S1", .type = PL_BAY_GENERAL_LIFT};
    snprintf(b.code, sizeof b.code, "B%02d", i);
    rc = pl_bay_create(w->e, &b, NULL, NULL, NULL, &err);
  }
  for (int i = 0; rc == 0 && i < TECHS; i++) {
    pl_technician_info t = {.chain = "bench", .store = "S1", .n_skills = 1};
    snprintf(t.code, sizeof t.code, "T%02d", i);
    snprintf(t.name, sizeof t.name, "tech %d", i);
    t.skills[0] = (pl_skill_level){PL_SKILL_ENGINE, 2 + i % 4};
    rc = pl_technician_create(w->e, &t, NULL, NULL, NULL, &err);
  }
  if (rc == 0)
    rc = pl_service_create(w->e, &svc, NULL, NULL, NULL, &err);
  pl_store_hours h = {.chain = "bench", .store = "S1", .horizon_days = HORIZON};
  for (int d = 0; d < 7; d++)
    h.week[d] = (pl_local_range){8 * 60, 18 * 60};
  if (rc == 0)
    rc = pl_store_hours_set(w->e, &h, NULL, &err);
  for (int i = 0; rc == 0 && i < loaners; i++) {
    pl_loaner_info l = {.chain = "bench", .store = "S1", .fuel_pct = 100};
    snprintf(l.code, sizeof l.code, "L%02d", i);
    snprintf(l.plate, sizeof l.plate, "沪L%05d", i);
    rc = pl_loaner_upsert(w->e, &l, NULL, NULL, &err);
  }
  size_t before = allocated_bytes();
  /* fill: random 60-minute bookings until `fill` of bay time is taken */
  long target = (long)(fill * BAYS * HORIZON * 120); /* cells */
  long booked = 0;
  for (int tries = 0; rc == 0 && booked < target && tries < 200000; tries++) {
    int64_t day = w->day0 + (int64_t)(rnd() % HORIZON);
    int64_t start = at(day, 8, 0) + 5 * (int64_t)(rnd() % 109);
    pl_slot_query q = {.chain = "bench",
                       .n_stores = 1,
                       .stores = {"S1"},
                       .n_services = 1,
                       .services = {"MAINT"},
                       .earliest = start,
                       .latest = start + 60,
                       .k = 1,
                       .step_min = 5};
    q.need_loaner = loaners > 0 && rnd() % 2 == 0;
    pl_slot_option o;
    if (pl_recommend_slots(w->e, &q, &o, 1, NULL) != 1) {
      if (!q.need_loaner)
        continue;
      q.need_loaner = 0; /* no car then: book it without */
      if (pl_recommend_slots(w->e, &q, &o, 1, NULL) != 1)
        continue;
    }
    pl_booking_info in = {.chain = "bench",
                          .store = "S1",
                          .channel = PL_CHANNEL_APP,
                          .n_segments = 1,
                          .loaner_need =
                              q.need_loaner ? PL_LOANER_ANY : PL_LOANER_NONE};
    in.seg[0] = o.seg[0];
    pl_booking_info out;
    rc = pl_booking_hold(w->e, &in, 0, NULL, NULL, &out, &err);
    if (rc == 0)
      rc = pl_booking_transition(w->e, "bench", out.id, PL_BOOKING_CONFIRMED,
                                 NULL, NULL, &err);
    booked += 12;
    w->bookings += rc == 0;
  }
  w->fill_bytes = allocated_bytes() - before;
  if (rc != 0) {
    pl_bench_error(st, err.msg);
    return -1;
  }
  return 0;
}

/* The peer's calendar (see the header comment). */
#define PEER_DAY0 20788 /* 2026-12-01 */
static int64_t peer_at(int d, int h) {
  return ((int64_t)PEER_DAY0 + d) * 1440 + h * 60;
}

static int peer_open(world *w, pl_bench_state *st) {
  memset(w, 0, sizeof *w);
  if (bench_tempdir(w->dir, sizeof w->dir, "pitlane-peer") != 0)
    return -1;
  w->day0 = PEER_DAY0;
  w->clock_ms = peer_at(0, 0) * 60000;
  pl_config cfg = {
      .path = w->dir, .clock = world_clock, .clock_arg = w, .no_sync = 1};
  pl_error err = {0};
  int rc = pl_engine_open(&cfg, &w->e, &err);
  pl_chain_info c = {.code = "peer", .name = "peer"};
  pl_store_info s = {.chain = "peer", .code = "S1", .name = "store"};
  if (rc == 0)
    rc = pl_chain_create(w->e, &c, NULL, NULL, NULL, &err);
  if (rc == 0)
    rc = pl_store_create(w->e, &s, NULL, NULL, NULL, &err);
  for (int g = 1; rc == 0 && g <= 20; g++) {
    pl_bay_info b = {.chain = "peer", .store = "S1"};
    snprintf(b.code, sizeof b.code, "B%02d", g);
    b.type = g <= 12   ? PL_BAY_GENERAL_LIFT
             : g <= 15 ? PL_BAY_ALIGNMENT
             : g <= 17 ? PL_BAY_PAINT_BOOTH
                       : PL_BAY_EV_HIGH_VOLTAGE;
    rc = pl_bay_create(w->e, &b, NULL, NULL, NULL, &err);
  }
  for (int g = 1; rc == 0 && g <= 30; g++) {
    pl_technician_info t = {.chain = "peer", .store = "S1", .n_skills = 2};
    snprintf(t.code, sizeof t.code, "T%02d", g);
    strcpy(t.name, t.code);
    if (g % 3 == 0) {
      t.skills[0] = (pl_skill_level){PL_SKILL_ENGINE, 3};
      t.skills[1] = (pl_skill_level){PL_SKILL_EV_HIGH_VOLTAGE, 3};
    } else if (g % 3 == 1) {
      t.skills[0] = (pl_skill_level){PL_SKILL_ENGINE, 3};
      t.skills[1] = (pl_skill_level){PL_SKILL_ELECTRICAL, 3};
    } else {
      t.skills[0] = (pl_skill_level){PL_SKILL_BODY_PAINT, 3};
      t.skills[1] = (pl_skill_level){PL_SKILL_DIAGNOSIS, 1};
    }
    rc = pl_technician_create(w->e, &t, NULL, NULL, NULL, &err);
  }
  static const struct {
    const char *code;
    pl_bay_type bay;
  } svcs[] = {{"LIFT", PL_BAY_GENERAL_LIFT},
              {"ALIGN", PL_BAY_ALIGNMENT},
              {"EV", PL_BAY_EV_HIGH_VOLTAGE}};
  for (int i = 0; rc == 0 && i < 3; i++) {
    pl_service_info v = {.chain = "peer",
                         .bay_type = svcs[i].bay,
                         .skill = PL_SKILL_ENGINE,
                         .min_level = 1,
                         .duration_min = 60,
                         .technicians = 1};
    strcpy(v.code, svcs[i].code);
    strcpy(v.name, svcs[i].code);
    rc = pl_service_create(w->e, &v, NULL, NULL, NULL, &err);
  }
  pl_store_hours h = {.chain = "peer", .store = "S1", .horizon_days = 16};
  for (int d = 0; d < 7; d++)
    h.week[d] = (pl_local_range){8 * 60, 18 * 60};
  if (rc == 0)
    rc = pl_store_hours_set(w->e, &h, NULL, &err);
  /* preload.sql, transcribed */
  int engine_techs[20], ne = 0;
  for (int g = 1; g <= 30; g++)
    if (g % 3 != 2)
      engine_techs[ne++] = g;
  static const int other_bays[] = {13, 14, 15, 18, 19, 20};
  for (int d = 0; rc == 0 && d <= 13; d++)
    for (int hr = 8; rc == 0 && hr <= 17; hr++) {
      int nl = (d * 10 + hr) % 5 == 0 || (d * 10 + hr) % 5 == 3 ? 9 : 8;
      int off = (d * 7 + hr * 5) % 12, toff = (d * 11 + hr * 7) % 20;
      for (int j = 0; rc == 0 && j <= 13; j++) {
        int bay = j < nl ? 1 + (off + j) % 12 : other_bays[j - nl];
        int tech = engine_techs[(toff + j) % 20];
        pl_booking_info in = {.chain = "peer",
                              .store = "S1",
                              .channel = PL_CHANNEL_PHONE,
                              .n_segments = 1};
        pl_segment *sg = &in.seg[0];
        strcpy(sg->service, bay <= 12 ? "LIFT" : bay <= 15 ? "ALIGN" : "EV");
        snprintf(sg->bay, sizeof sg->bay, "B%02d", bay);
        sg->n_techs = 1;
        snprintf(sg->techs[0], sizeof sg->techs[0], "T%02d", tech);
        sg->start = peer_at(d, hr);
        pl_booking_info out;
        rc = pl_booking_hold(w->e, &in, 0, NULL, NULL, &out, &err);
        if (rc == 0)
          rc = pl_booking_transition(w->e, "peer", out.id, PL_BOOKING_CONFIRMED,
                                     NULL, NULL, &err);
      }
    }
  if (rc != 0) {
    if (st != NULL)
      pl_bench_error(st, err.msg);
    else
      fprintf(stderr, "peer calendar: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static pl_slot_query peer_query(int day, int hour) {
  pl_slot_query q = {.chain = "peer",
                     .n_stores = 1,
                     .stores = {"S1"},
                     .n_services = 1,
                     .services = {"LIFT"},
                     .earliest = peer_at(day, hour),
                     .latest = peer_at(day + 14, hour) + 60,
                     .k = 5,
                     .step_min = 15};
  return q;
}

static void world_close(world *w) {
  pl_engine_close(w->e);
  bench_rmrf(w->dir);
}

static void report_percentiles(pl_bench_state *st, int64_t *lat, size_t n) {
  if (n == 0)
    return;
  qsort(lat, n, sizeof *lat, cmp_i64);
  pl_bench_counter(st, "p50_ns", (double)lat[n / 2], 0);
  pl_bench_counter(st, "p99_ns", (double)lat[(size_t)((double)n * 0.99)], 0);
}

static void recommend_bench(pl_bench_state *st, int loaners) {
  world w;
  if (world_open(&w, 0.70, loaners, st) != 0)
    return;
  size_t cap = 1 << 22, n = 0;
  int64_t *lat = malloc(cap * sizeof *lat);
  int found = 0;
  while (pl_bench_keep_running(st)) {
    int64_t day = w.day0 + (int64_t)(rnd() % HORIZON);
    pl_slot_query q = {.chain = "bench",
                       .n_stores = 1,
                       .stores = {"S1"},
                       .n_services = 1,
                       .services = {"MAINT"},
                       .earliest = at(day, 0, 0),
                       .latest = at(w.day0 + HORIZON, 0, 0),
                       .k = 5,
                       .need_loaner = loaners > 0};
    pl_slot_option o[5];
    int64_t t0 = mono_ns();
    int got = pl_recommend_slots(w.e, &q, o, 5, NULL);
    int64_t t1 = mono_ns();
    found += got;
    if (n < cap)
      lat[n++] = t1 - t0;
  }
  report_percentiles(st, lat, n);
  pl_bench_counter(st, "bookings", (double)w.bookings, 0);
  pl_bench_counter(st, "booking_struct_B",
                   (double)(pl_testing_booking_bytes() + 2 * sizeof(void *)),
                   0);
  pl_bench_counter(st, "booking_measured_B",
                   w.bookings ? (double)w.fill_bytes / (double)w.bookings : 0,
                   0);
  pl_bench_counter(st, "resource_day_B",
                   (double)(3 * pl_testing_day_bytes() + sizeof(int16_t)), 0);
  pl_bench_counter(st, "options_per_query", n ? (double)found / (double)n : 0,
                   0);
  free(lat);
  world_close(&w);
}

static void BM_RecommendSlots(pl_bench_state *st) {
  recommend_bench(st, 0);
}
static void BM_RecommendSlotsLoaner(pl_bench_state *st) {
  recommend_bench(st, LOANERS);
}

static void BM_RecommendSlotsPeerCalendar(pl_bench_state *st) {
  world w;
  if (peer_open(&w, st) != 0)
    return;
  size_t cap = 1 << 22, n = 0;
  int64_t *lat = malloc(cap * sizeof *lat);
  while (pl_bench_keep_running(st)) {
    pl_slot_query q = peer_query((int)(rnd() % 14), 8 + (int)(rnd() % 9));
    pl_slot_option o[5];
    int64_t t0 = mono_ns();
    int got = pl_recommend_slots(w.e, &q, o, 5, NULL);
    int64_t t1 = mono_ns();
    pl_bench_use(&got);
    if (n < cap)
      lat[n++] = t1 - t0;
  }
  report_percentiles(st, lat, n);
  free(lat);
  world_close(&w);
}

/* --peer-check: the top-5 starts (UTC, minutes since the epoch) of the
 * query free_slots_fast('lift','engine','2026-12-05 13:00+00','60 min',5),
 * one per line, for the side-by-side script to compare with PostgreSQL. */
static int peer_check(void) {
  world w;
  if (peer_open(&w, NULL) != 0)
    return 1;
  pl_slot_query q = peer_query(4, 13);
  pl_slot_option o[5];
  int n = pl_recommend_slots(w.e, &q, o, 5, NULL);
  for (int i = 0; i < n; i++)
    printf("%lld\n", (long long)o[i].start * 60);
  world_close(&w);
  return n == 5 ? 0 : 1;
}

static atomic_long durable_calls;
static void on_durable(void *arg, int rc) {
  (void)arg;
  (void)rc;
  atomic_fetch_add(&durable_calls, 1);
}

static void hold_bench(pl_bench_state *st, int loaners) {
  world w;
  if (world_open(&w, 0.0, loaners, st) != 0)
    return;
  pl_write pw = {on_durable, NULL};
  size_t cap = 1 << 22, n = 0;
  int64_t *lat = malloc(cap * sizeof *lat);
  int failed = 0;
  pl_slot_query q = {.chain = "bench",
                     .n_stores = 1,
                     .stores = {"S1"},
                     .n_services = 1,
                     .services = {"MAINT"},
                     .earliest = at(w.day0, 0, 0),
                     .latest = at(w.day0 + HORIZON, 0, 0),
                     .k = 1,
                     .need_loaner = loaners > 0};
  pl_slot_option o;
  if (pl_recommend_slots(w.e, &q, &o, 1, NULL) != 1) {
    pl_bench_error(st, "no slot");
    world_close(&w);
    return;
  }
  pl_booking_info in = {.chain = "bench",
                        .store = "S1",
                        .channel = PL_CHANNEL_APP,
                        .n_segments = 1,
                        .loaner_need =
                            loaners > 0 ? PL_LOANER_ANY : PL_LOANER_NONE};
  in.seg[0] = o.seg[0];
  while (pl_bench_keep_running(st)) {
    pl_booking_info out;
    int64_t t0 = mono_ns();
    int rc = pl_booking_hold(w.e, &in, 0, NULL, &pw, &out, NULL);
    if (rc == 0)
      rc = pl_booking_transition(w.e, "bench", out.id, PL_BOOKING_CONFIRMED,
                                 &pw, NULL, NULL);
    int64_t t1 = mono_ns();
    pl_bench_set_time(st, (double)(t1 - t0) * 1e-9);
    if (rc != 0)
      failed = 1;
    else /* give the slot back, untimed */
      pl_booking_transition(w.e, "bench", out.id, PL_BOOKING_CANCELLED, &pw,
                            NULL, NULL);
    if (n < cap)
      lat[n++] = t1 - t0;
  }
  if (failed)
    pl_bench_error(st, "hold/confirm failed");
  report_percentiles(st, lat, n);
  free(lat);
  world_close(&w);
}

static void BM_HoldConfirm(pl_bench_state *st) {
  hold_bench(st, 0);
}
static void BM_HoldLoanerConfirm(pl_bench_state *st) {
  hold_bench(st, LOANERS);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--peer-check") == 0)
    return peer_check();
  pl_bench_unit_ns(pl_bench_register("BM_RecommendSlotsPeerCalendar",
                                     BM_RecommendSlotsPeerCalendar));
  pl_bench_unit_ns(pl_bench_register("BM_RecommendSlots", BM_RecommendSlots));
  pl_bench_unit_ns(
      pl_bench_register("BM_RecommendSlotsLoaner", BM_RecommendSlotsLoaner));
  pl_bench_unit_ns(pl_bench_manual_time(
      pl_bench_register("BM_HoldConfirm", BM_HoldConfirm)));
  pl_bench_unit_ns(pl_bench_manual_time(
      pl_bench_register("BM_HoldLoanerConfirm", BM_HoldLoanerConfirm)));
  return pl_bench_main(argc, argv);
}
