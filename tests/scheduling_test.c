/* Scheduling on a real engine: calendars, recommendation, holds and the
 * booking life cycle, bad input, restart, and a property test against a
 * brute-force search on random small calendars. The clock is fake: the
 * tests move it, nothing sleeps. */
#include <pthread.h>

#include "testutil.h"

#include "../engine/src/scheduling/calendar.h"
#include "pitlane/scheduling.h"

#define OFFSET 480 /* UTC+8 */
#define DAY0 20454 /* a local day number */
/* UTC minute of local day d at hh:mm */
#define AT(d, hh, mm) ((int64_t)(d)*1440 - OFFSET + (hh)*60 + (mm))

typedef test_fx fx;

static void set_now(fx *f, int64_t utc_min) {
  f->clk.now_ms = utc_min * 60000;
}

static void add_service(pl_engine *e, const char *code, pl_bay_type bay,
                        pl_skill skill, int level, int dur, int techs) {
  pl_service_info s = {.chain = "c1",
                       .bay_type = bay,
                       .skill = skill,
                       .min_level = level,
                       .duration_min = dur,
                       .technicians = techs};
  strcpy(s.code, code);
  strcpy(s.name, code);
  assert_int_equal(pl_service_create(e, &s, NULL, NULL, NULL, NULL), 0);
}

static void add_bay(pl_engine *e, const char *code, pl_bay_type t) {
  pl_bay_info b = {.chain = "c1", .store = "S1", .type = t};
  strcpy(b.code, code);
  assert_int_equal(pl_bay_create(e, &b, NULL, NULL, NULL, NULL), 0);
}

static void add_tech(pl_engine *e, const char *code, int engine_lvl,
                     int tyre_lvl) {
  pl_technician_info t = {.chain = "c1", .store = "S1"};
  strcpy(t.code, code);
  strcpy(t.name, code);
  if (engine_lvl > 0)
    t.skills[t.n_skills++] = (pl_skill_level){PL_SKILL_ENGINE, engine_lvl};
  if (tyre_lvl > 0)
    t.skills[t.n_skills++] = (pl_skill_level){PL_SKILL_TYRES, tyre_lvl};
  assert_int_equal(pl_technician_create(e, &t, NULL, NULL, NULL, NULL), 0);
}

/* Store S1 (UTC+8, open 08:00-18:00 daily), bays L1 L2 (lift), A1
 * (alignment), technicians T1 (engine 3), T2 (engine 4, tyres 2), T3
 * (tyres 3); services OIL (lift, engine>=2, 60 min), BIG (lift, engine>=3,
 * 90 min, 2 techs), TYRE (lift, tyres>=2, 30 min), ALIGN (alignment,
 * tyres>=3, 45 min). Now: DAY0 07:00 local. */
static int setup(void **state) {
  fx *f = test_fx_with_store(0, "c1", "S1");
  set_now(f, AT(DAY0, 7, 0));
  add_bay(f->e, "L1", PL_BAY_GENERAL_LIFT);
  add_bay(f->e, "L2", PL_BAY_GENERAL_LIFT);
  add_bay(f->e, "A1", PL_BAY_ALIGNMENT);
  add_tech(f->e, "T1", 3, 0);
  add_tech(f->e, "T2", 4, 2);
  add_tech(f->e, "T3", 0, 3);
  add_service(f->e, "OIL", PL_BAY_GENERAL_LIFT, PL_SKILL_ENGINE, 2, 60, 1);
  add_service(f->e, "BIG", PL_BAY_GENERAL_LIFT, PL_SKILL_ENGINE, 3, 90, 2);
  add_service(f->e, "TYRE", PL_BAY_GENERAL_LIFT, PL_SKILL_TYRES, 2, 30, 1);
  add_service(f->e, "ALIGN", PL_BAY_ALIGNMENT, PL_SKILL_TYRES, 3, 45, 1);
  *state = f;
  return 0;
}

static pl_slot_query query(const char *svc, int64_t earliest, int64_t latest,
                           int k) {
  pl_slot_query q = {.chain = "c1",
                     .n_stores = 1,
                     .stores = {"S1"},
                     .n_services = 1,
                     .services = {svc},
                     .earliest = earliest,
                     .latest = latest,
                     .k = k};
  return q;
}

static pl_booking_info visit_of(const pl_slot_option *o) {
  pl_booking_info b = {.chain = "c1", .channel = PL_CHANNEL_APP};
  strcpy(b.store, o->store);
  strcpy(b.customer, "张三");
  strcpy(b.plate, "沪A12345");
  b.n_segments = o->n_segments;
  memcpy(b.seg, o->seg, sizeof b.seg);
  return b;
}

static int64_t hold_option(pl_engine *e, const pl_slot_option *o) {
  pl_booking_info in = visit_of(o), out;
  pl_error err = {0};
  int rc = pl_booking_hold(e, &in, 0, NULL, NULL, &out, &err);
  if (rc != 0)
    fail_msg("hold: %s %s", pl_err_name(rc), err.msg);
  return out.id;
}

/* ---- calendar bit tricks ------------------------------------------------ */

static void runs_match_a_direct_scan(void **st) {
  (void)st;
  srand(7);
  for (int iter = 0; iter < 200; iter++) {
    pl__day d = {{0}};
    for (int c = 0; c < PL__CELLS; c++)
      if (rand() % 4 != 0)
        pl__day_set(&d, c, c + 1);
    int len = 1 + rand() % 40;
    pl__day r;
    pl__day_runs(&r, &d, len);
    for (int c = 0; c < PL__CELLS; c++) {
      int expect = c + len <= PL__CELLS && pl__day_all(&d, c, c + len);
      int got = (int)((r.w[c >> 6] >> (c & 63)) & 1);
      if (expect != got)
        fail_msg("len %d cell %d: expected %d got %d", len, c, expect, got);
    }
  }
}

/* ---- recommendation and holds ------------------------------------------- */

static void recommends_earliest_slots_within_opening_hours(void **st) {
  fx *f = *st;
  pl_slot_option o[5];
  pl_slot_query q = query("OIL", AT(DAY0, 0, 0), AT(DAY0 + 1, 0, 0), 5);
  int n = pl_recommend_slots(f->e, &q, o, 5, NULL);
  assert_int_equal(n, 5);
  assert_true(o[0].start == AT(DAY0, 8, 0)); /* opening, not 07:00 now */
  for (int i = 1; i < n; i++)
    assert_true(o[i].start == o[i - 1].start + 15); /* the 15-min grid */
  assert_true(o[0].end == o[0].start + 60);
  assert_int_equal(o[0].seg[0].n_techs, 1);
  /* the last start that still ends by closing */
  q = query("OIL", AT(DAY0, 16, 0), AT(DAY0 + 1, 0, 0), 64);
  n = pl_recommend_slots(f->e, &q, o, 5, NULL);
  assert_true(n > 0);
  pl_slot_option all[64];
  n = pl_recommend_slots(f->e, &q, all, 64, NULL);
  assert_true(all[n - 1].end <= AT(DAY0, 18, 0));
}

static void balances_load_across_technicians(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("OIL", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  char first[PL_CODE_MAX];
  strcpy(first, o[0].seg[0].techs[0]);
  hold_option(f->e, &o[0]);
  /* same start, other bay: the other (less loaded) technician */
  q.earliest = AT(DAY0, 8, 0);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_true(o[0].start == AT(DAY0, 8, 0));
  assert_string_not_equal(o[0].seg[0].techs[0], first);
}

static void a_held_slot_is_not_recommended_and_cannot_be_held_again(void **st) {
  fx *f = *st;
  /* TYRE needs tyres>=2: T2 or T3; hold both at 08:00 */
  pl_slot_option o[2];
  pl_slot_query q = query("TYRE", AT(DAY0, 8, 0), AT(DAY0, 8, 30), 2);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 2, NULL), 1);
  pl_slot_option same = o[0];
  hold_option(f->e, &o[0]);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 2, NULL), 1);
  hold_option(f->e, &o[0]);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 2, NULL), 0);
  pl_booking_info in = visit_of(&same);
  pl_error err = {0};
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "not free"));
}

static void an_expired_hold_frees_its_time_by_itself(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("ALIGN", AT(DAY0, 8, 0), AT(DAY0, 8, 45), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  pl_booking_info in = visit_of(&o[0]), b;
  assert_int_equal(pl_booking_hold(f->e, &in, 60000, NULL, NULL, &b, NULL), 0);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 0);
  f->clk.now_ms += 60000; /* the TTL passes */
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  pl_booking_info got;
  assert_int_equal(pl_booking_get(f->e, "c1", b.id, &got, NULL), 0);
  assert_int_equal(got.state, PL_BOOKING_EXPIRED);
  pl_error err;
  assert_int_equal(pl_booking_transition(f->e, "c1", b.id, PL_BOOKING_CONFIRMED,
                                         NULL, NULL, &err),
                   PL_EPRECOND);
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, NULL), 0);
}

static void the_life_cycle_follows_the_state_diagram(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("OIL", AT(DAY0, 9, 0), AT(DAY0, 18, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  int64_t id = hold_option(f->e, &o[0]);
  pl_booking_info b;
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_CHECKED_IN,
                                         NULL, NULL, NULL),
                   PL_EPRECOND);
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_CONFIRMED,
                                         NULL, &b, NULL),
                   0);
  assert_int_equal(b.state, PL_BOOKING_CONFIRMED);
  f->clk.now_ms += 3600 * 1000; /* confirmed bookings do not expire */
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_CONFIRMED,
                                         NULL, &b, NULL),
                   0); /* repeated: same answer */
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_CHECKED_IN,
                                         NULL, &b, NULL),
                   0);
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_CANCELLED,
                                         NULL, NULL, NULL),
                   PL_EPRECOND);
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_COMPLETED,
                                         NULL, &b, NULL),
                   0);
  assert_int_equal(b.state, PL_BOOKING_COMPLETED);
  assert_int_equal(pl_booking_transition(f->e, "c1", 999, PL_BOOKING_CANCELLED,
                                         NULL, NULL, NULL),
                   PL_ENOTFOUND);
}

static void cancelling_gives_the_time_back(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("ALIGN", AT(DAY0, 10, 0), AT(DAY0, 10, 45), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  int64_t id = hold_option(f->e, &o[0]);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 0);
  assert_int_equal(pl_booking_transition(f->e, "c1", id, PL_BOOKING_CANCELLED,
                                         NULL, NULL, NULL),
                   0);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
}

static void a_visit_of_several_services_is_back_to_back(void **st) {
  fx *f = *st;
  pl_slot_query q = query("OIL", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 3);
  q.n_services = 2;
  q.services[1] = "ALIGN";
  pl_slot_option o[3];
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 3, NULL), 3);
  assert_true(o[0].seg[1].start == o[0].seg[0].end);
  assert_true(o[0].end == o[0].start + 60 + 45);
  assert_string_equal(o[0].seg[1].bay, "A1");
  int64_t id = hold_option(f->e, &o[0]);
  pl_booking_info b;
  assert_int_equal(pl_booking_get(f->e, "c1", id, &b, NULL), 0);
  assert_int_equal(b.n_segments, 2);
  assert_true(b.end == o[0].end);
}

static void two_technician_jobs_get_two_distinct_technicians(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("BIG", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_int_equal(o[0].seg[0].n_techs, 2);
  assert_string_not_equal(o[0].seg[0].techs[0], o[0].seg[0].techs[1]);
  hold_option(f->e, &o[0]);
  /* T1 and T2 are the only engine>=3 technicians: the next BIG must wait */
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_true(o[0].start >= AT(DAY0, 9, 30));
}

static void shifts_breaks_and_leave_shape_the_calendar(void **st) {
  fx *f = *st;
  pl_technician_schedule ts = {
      .chain = "c1", .store = "S1", .technician = "T3"};
  for (int d = 0; d < 7; d++) {
    ts.week[d].work = (pl_local_range){9 * 60, 17 * 60};
    ts.week[d].n_breaks = 1;
    ts.week[d].breaks[0] = (pl_local_range){12 * 60, 13 * 60};
  }
  ts.n_leave = 1;
  ts.leave[0] = (pl_utc_range){AT(DAY0, 14, 0), AT(DAY0, 15, 0)};
  assert_int_equal(pl_technician_schedule_set(f->e, &ts, NULL, NULL), 0);
  pl_slot_query q = query("ALIGN", AT(DAY0, 0, 0), AT(DAY0 + 1, 0, 0), 64);
  q.technician = "T3";
  pl_slot_option o[64];
  int n = pl_recommend_slots(f->e, &q, o, 64, NULL);
  assert_true(n > 0);
  for (int i = 0; i < n; i++) {
    int64_t s = o[i].start, e = o[i].end;
    assert_true(s >= AT(DAY0, 9, 0) && e <= AT(DAY0, 17, 0));
    assert_false(s < AT(DAY0, 13, 0) && e > AT(DAY0, 12, 0));
    assert_false(s < AT(DAY0, 15, 0) && e > AT(DAY0, 14, 0));
  }
  /* holding T3 during the break is refused and names why */
  pl_slot_option bad = o[0];
  bad.seg[0].start = AT(DAY0, 12, 0);
  pl_booking_info in = visit_of(&bad);
  pl_error err = {0};
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "not on shift"));
}

static void bad_input_is_refused_and_changes_nothing(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("OIL", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  pl_error err;
  pl_booking_info in = visit_of(&o[0]);
  strcpy(in.store, "NOPE");
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "booking.store"));
  in = visit_of(&o[0]);
  strcpy(in.seg[0].service, "NOPE");
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "service"));
  in = visit_of(&o[0]);
  in.seg[0].start += 1; /* off the grid */
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  in = visit_of(&o[0]);
  in.seg[0].start = AT(DAY0, 19, 0); /* after closing */
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "closed"));
  in = visit_of(&o[0]);
  strcpy(in.seg[0].techs[0], "T3"); /* no engine skill */
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "skill"));
  in = visit_of(&o[0]);
  strcpy(in.seg[0].bay, "A1"); /* wrong bay type */
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  in = visit_of(&o[0]);
  in.seg[0].start = AT(DAY0 - 1, 9, 0); /* the past */
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  in = visit_of(&o[0]);
  in.seg[0].start = AT(DAY0 + 30, 9, 0); /* beyond the 14-day horizon */
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "horizon"));
  q.latest = q.earliest;
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "latest"));
  pl_service_info zero = {.chain = "c1",
                          .code = "Z",
                          .name = "z",
                          .bay_type = PL_BAY_WASH,
                          .skill = PL_SKILL_TYRES,
                          .min_level = 1,
                          .duration_min = 0,
                          .technicians = 1};
  assert_int_equal(pl_service_create(f->e, &zero, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "service.duration_min"));
  /* nothing was booked by any of that */
  pl_booking_filter flt = {.chain = "c1", .store = "S1", .local_day = DAY0};
  assert_int_equal(pl_booking_list(f->e, &flt, NULL, 0, NULL), 0);
}

static void a_retried_hold_returns_the_same_booking(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("OIL", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  pl_booking_info in = visit_of(&o[0]), a, b;
  assert_int_equal(pl_booking_hold(f->e, &in, 0, "pay-1", NULL, &a, NULL), 0);
  assert_int_equal(pl_booking_hold(f->e, &in, 0, "pay-1", NULL, &b, NULL), 0);
  assert_true(a.id == b.id);
  pl_booking_filter flt = {.chain = "c1", .plate = "沪A12345"};
  assert_int_equal(pl_booking_list(f->e, &flt, NULL, 0, NULL), 1);
}

static void reschedule_is_atomic(void **st) {
  fx *f = *st;
  pl_slot_option o[2];
  pl_slot_query q = query("ALIGN", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 2);
  q.step_min = 60;
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 2, NULL), 2);
  int64_t a = hold_option(f->e, &o[0]); /* 08:00 */
  int64_t b = hold_option(f->e, &o[1]); /* 09:00 */
  /* moving a onto b's time fails and keeps a where it was */
  pl_error err;
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a, o[1].seg, 1, NULL, NULL, &err),
      PL_EPRECOND);
  pl_booking_info got;
  assert_int_equal(pl_booking_get(f->e, "c1", a, &got, NULL), 0);
  assert_true(got.start == AT(DAY0, 8, 0));
  /* moving a later by 15 minutes overlaps its own time: allowed */
  pl_segment later = o[0].seg[0];
  later.start = AT(DAY0, 8, 15);
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a, &later, 1, NULL, &got, &err), 0);
  assert_true(got.start == AT(DAY0, 8, 15));
  q = query("ALIGN", AT(DAY0, 8, 0), AT(DAY0, 8, 45), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 0);
  (void)b;
}

static void restart_keeps_confirmed_bookings_and_live_holds(void **st) {
  fx *f = *st;
  pl_slot_option o[3];
  pl_slot_query q = query("ALIGN", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 3);
  q.step_min = 60;
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 3, NULL), 3);
  int64_t confirmed = hold_option(f->e, &o[0]);
  assert_int_equal(pl_booking_transition(f->e, "c1", confirmed,
                                         PL_BOOKING_CONFIRMED, NULL, NULL,
                                         NULL),
                   0);
  pl_booking_info in = visit_of(&o[1]), shortlived, live;
  assert_int_equal(
      pl_booking_hold(f->e, &in, 60000, NULL, NULL, &shortlived, NULL), 0);
  in = visit_of(&o[2]);
  assert_int_equal(pl_booking_hold(f->e, &in, 3600000, "k", NULL, &live, NULL),
                   0);
  pl_engine_close(f->e);
  f->clk.now_ms += 120000; /* the short hold lapses while we are down */
  f->e = test_open(f->dir, &f->clk);
  pl_booking_info got;
  assert_int_equal(pl_booking_get(f->e, "c1", confirmed, &got, NULL), 0);
  assert_int_equal(got.state, PL_BOOKING_CONFIRMED);
  assert_int_equal(pl_booking_get(f->e, "c1", shortlived.id, &got, NULL), 0);
  assert_int_equal(got.state, PL_BOOKING_EXPIRED);
  assert_int_equal(pl_booking_get(f->e, "c1", live.id, &got, NULL), 0);
  assert_int_equal(got.state, PL_BOOKING_HELD);
  /* calendars agree: 09:00 free again, 08:00 and 10:00 taken */
  pl_slot_option r[3];
  assert_int_equal(pl_recommend_slots(f->e, &q, r, 3, NULL), 3);
  assert_true(r[0].start == AT(DAY0, 9, 0));
  assert_true(r[1].start == AT(DAY0, 11, 0));
  /* the idempotency key survived */
  in = visit_of(&o[2]);
  assert_int_equal(pl_booking_hold(f->e, &in, 0, "k", NULL, &got, NULL), 0);
  assert_true(got.id == live.id);
}

static void the_day_board_shows_free_time_and_utilisation(void **st) {
  fx *f = *st;
  pl_slot_option o[1];
  pl_slot_query q = query("ALIGN", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  hold_option(f->e, &o[0]);
  pl_board_row rows[8];
  int n = pl_day_board(f->e, "c1", "S1", DAY0, rows, 8, NULL);
  assert_int_equal(n, 6); /* 3 bays + 3 technicians */
  int a1 = -1;
  for (int i = 0; i < n; i++)
    if (strcmp(rows[i].code, "A1") == 0)
      a1 = i;
  assert_true(a1 >= 0 && rows[a1].is_bay);
  assert_int_equal(rows[a1].available_min, 600);
  assert_int_equal(rows[a1].booked_min, 45);
  assert_true(rows[a1].free[0].start == AT(DAY0, 8, 45));
  assert_true(rows[a1].free[0].end == AT(DAY0, 18, 0));
  assert_int_equal(pl_board_utilisation_pct(&rows[a1]), 7); /* 45 / 600 */
}

/* Utilisation of a board row: booked / available in whole percent,
 * rounded down, and 0 (not a division by zero) without available time. */
static void board_utilisation_is_booked_over_available(void **st) {
  (void)st;
  pl_board_row row = {.available_min = 600, .booked_min = 600};
  assert_int_equal(pl_board_utilisation_pct(&row), 100);
  row.booked_min = 599;
  assert_int_equal(pl_board_utilisation_pct(&row), 99);
  row.booked_min = 0;
  assert_int_equal(pl_board_utilisation_pct(&row), 0);
  row = (pl_board_row){.available_min = 0, .booked_min = 30};
  assert_int_equal(pl_board_utilisation_pct(&row), 0);
  row = (pl_board_row){.available_min = 480, .booked_min = 120};
  assert_int_equal(pl_board_utilisation_pct(&row), 25);
}

/* Regression (fuzz report, sched.c): the day calendar of a store with no
 * bays, technicians nor loaner cars has no arrays at all, and building it
 * passed their NULL pointers to memset/memcpy (size 0: undefined
 * behaviour, which the ASan+UBSan build stops on). Its board is empty. */
static void a_store_without_resources_has_an_empty_board(void **st) {
  fx *f = *st;
  pl_store_info s = {.chain = "c1", .code = "S2", .name = "empty"};
  s.utc_offset_min = OFFSET;
  assert_int_equal(pl_store_create(f->e, &s, NULL, NULL, NULL, NULL), 0);
  pl_board_row rows[2];
  pl_error err = {0};
  assert_int_equal(pl_day_board(f->e, "c1", "S2", DAY0, rows, 2, &err), 0);
  assert_int_equal(pl_day_board(f->e, "c1", "S2", DAY0 + 1, rows, 2, &err), 0);
}

/* ---- regressions: visits of services sharing resources (issue #19) ----- */

/* Holds service svc on bay with technician tech from start; asserts OK. */
static void hold_at(pl_engine *e, const char *svc, const char *bay,
                    const char *tech, int64_t start) {
  pl_slot_option o = {.store = "S1", .n_segments = 1};
  strcpy(o.seg[0].service, svc);
  strcpy(o.seg[0].bay, bay);
  o.seg[0].n_techs = 1;
  strcpy(o.seg[0].techs[0], tech);
  o.seg[0].start = start;
  hold_option(e, &o);
}

/* LONG (90 min) and SHORT (25 min), both on a general lift with engine
 * skill: L1 and L2, T1 and T2 qualify. */
static void add_long_and_short(fx *f) {
  add_service(f->e, "LONG", PL_BAY_GENERAL_LIFT, PL_SKILL_ENGINE, 2, 90, 1);
  add_service(f->e, "SHORT", PL_BAY_GENERAL_LIFT, PL_SKILL_ENGINE, 2, 25, 1);
}

/* Issue #19, defect 1, first example: L1 busy 09:00-09:25; [LONG, SHORT]
 * from 08:00 must start at 08:00 with LONG on L2 (L1 is not free for the
 * 90 minutes), and that option must be holdable as returned. */
static void a_later_shorter_service_does_not_hide_a_busy_bay(void **st) {
  fx *f = *st;
  add_long_and_short(f);
  hold_at(f->e, "SHORT", "L1", "T2", AT(DAY0, 9, 0));
  pl_slot_query q = query("LONG", AT(DAY0, 8, 0), AT(DAY0, 12, 0), 1);
  q.n_services = 2;
  q.services[1] = "SHORT";
  pl_slot_option o[1];
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_true(o[0].start == AT(DAY0, 8, 0));
  assert_string_equal(o[0].seg[0].service, "LONG");
  assert_string_equal(o[0].seg[0].bay, "L2");
  hold_option(f->e, &o[0]); /* fails the test if refused */
}

/* Issue #19, defect 1, second example: L2 busy 08:00-08:25 and L1
 * 08:25-08:50; [SHORT, LONG] step 5 can start at 08:00 (SHORT on L1,
 * then LONG on L2 from 08:25), which Hold accepts: it must not be
 * skipped for 08:25. */
static void a_later_longer_service_does_not_skip_an_earlier_start(void **st) {
  fx *f = *st;
  add_long_and_short(f);
  hold_at(f->e, "SHORT", "L2", "T2", AT(DAY0, 8, 0));
  hold_at(f->e, "SHORT", "L1", "T2", AT(DAY0, 8, 25));
  pl_slot_query q = query("SHORT", AT(DAY0, 8, 0), AT(DAY0, 12, 0), 1);
  q.n_services = 2;
  q.services[1] = "LONG";
  q.step_min = 5;
  pl_slot_option o[1];
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_true(o[0].start == AT(DAY0, 8, 0));
  assert_string_equal(o[0].seg[0].bay, "L1");
  assert_string_equal(o[0].seg[0].techs[0], "T1");
  assert_string_equal(o[0].seg[1].bay, "L2");
  assert_string_equal(o[0].seg[1].techs[0], "T1");
  hold_option(f->e, &o[0]);
}

/* Issue #19, defect 4: RecommendSlots and Hold read "now" by one rule. In
 * the last minute before local midnight the horizon's last day is the
 * same for both, and a start in the minute that has begun is in the past
 * for both. */
static void recommend_and_hold_share_one_now(void **st) {
  fx *f = *st;
  /* 23:59:30 local on DAY0: today is DAY0, the 14-day horizon's last day
   * is DAY0 + 13 */
  f->clk.now_ms = AT(DAY0, 23, 59) * 60000 + 30000;
  pl_slot_option o[1];
  pl_slot_query q = query("OIL", AT(DAY0 + 14, 0, 0), AT(DAY0 + 15, 0, 0), 1);
  int n = pl_recommend_slots(f->e, &q, o, 1, NULL);
  pl_slot_option at8 = {.store = "S1", .n_segments = 1};
  strcpy(at8.seg[0].service, "OIL");
  strcpy(at8.seg[0].bay, "L1");
  at8.seg[0].n_techs = 1;
  strcpy(at8.seg[0].techs[0], "T1");
  at8.seg[0].start = AT(DAY0 + 14, 8, 0);
  pl_booking_info in = visit_of(&at8);
  pl_error err = {0};
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "horizon"));
  assert_int_equal(n, 0); /* not offered either */
  q = query("OIL", AT(DAY0 + 13, 0, 0), AT(DAY0 + 14, 0, 0), 1);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  hold_option(f->e, &o[0]);
  /* 08:00:30 local on DAY0 + 1: 08:00 has begun, so it is in the past
   * for both; 08:05 is the first start on the 5-minute grid */
  f->clk.now_ms = AT(DAY0 + 1, 8, 0) * 60000 + 30000;
  q = query("OIL", AT(DAY0 + 1, 8, 0), AT(DAY0 + 2, 0, 0), 1);
  q.step_min = 5;
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_true(o[0].start == AT(DAY0 + 1, 8, 5));
  at8.seg[0].start = AT(DAY0 + 1, 8, 0);
  in = visit_of(&at8);
  assert_int_equal(pl_booking_hold(f->e, &in, 0, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "past"));
}

/* The rules proto/pitlane/v1/scheduling.proto states at RecommendSlots
 * and ListBookings, each checked once here (scheduling_props checks them
 * on generated worlds). */
static void the_contract_in_the_proto_holds(void **st) {
  fx *f = *st;
  pl_slot_option o[64];
  pl_error err = {0};
  /* the grid counts from local midnight, not from earliest */
  pl_slot_query q = query("OIL", AT(DAY0, 8, 7), AT(DAY0, 18, 0), 1);
  q.step_min = 45;
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, NULL), 1);
  assert_true(o[0].start == AT(DAY0, 8, 15));
  /* latest bounds the end of the visit */
  q = query("OIL", AT(DAY0, 8, 0), AT(DAY0, 9, 0), 64);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 64, NULL), 1);
  q.latest = AT(DAY0, 8, 59);
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 64, NULL), 0);
  /* windows are a hard filter on the start's local time */
  q = query("OIL", AT(DAY0, 0, 0), AT(DAY0 + 1, 0, 0), 64);
  q.n_windows = 1;
  q.windows[0] = (pl_local_range){10 * 60, 11 * 60};
  int n = pl_recommend_slots(f->e, &q, o, 64, NULL);
  assert_int_equal(n, 4); /* 10:00 10:15 10:30 10:45 */
  assert_true(o[0].start == AT(DAY0, 10, 0) && o[3].start == AT(DAY0, 10, 45));
  /* max_per_day: the earliest of each local day */
  q = query("OIL", AT(DAY0, 0, 0), AT(DAY0 + 3, 0, 0), 64);
  q.max_per_day = 2;
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 64, NULL), 6);
  assert_true(o[2].start == AT(DAY0 + 1, 8, 0));
  /* technician with a service needing two: an error */
  q = query("BIG", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  q.technician = "T1";
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, &err), PL_EPRECOND);
  assert_non_null(strstr(err.msg, "technician"));
  /* precedence: INVALID_ARGUMENT before NOT_FOUND chain */
  q = query("OIL", AT(DAY0, 9, 0), AT(DAY0, 9, 0), 1);
  q.chain = "nope";
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "latest"));
  /* a store before the services; a service's skill before a later
   * unknown service */
  q = query("NOPE", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  q.stores[0] = "S9";
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, &err), PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "stores[0]"));
  q = query("OIL", AT(DAY0, 8, 0), AT(DAY0, 18, 0), 1);
  q.n_services = 2;
  q.services[1] = "NOPE";
  q.technician = "T3"; /* no engine skill */
  assert_int_equal(pl_recommend_slots(f->e, &q, o, 1, &err), PL_EPRECOND);
  /* ListBookings files a booking under the local day of its start: open
   * round the clock, 02:00 local on DAY0 is 18:00 UTC the day before */
  pl_store_hours h = {.chain = "c1", .store = "S1", .horizon_days = 14};
  for (int d = 0; d < 7; d++)
    h.week[d] = (pl_local_range){0, 1440};
  assert_int_equal(pl_store_hours_set(f->e, &h, NULL, NULL), 0);
  set_now(f, AT(DAY0, 0, 0));
  hold_at(f->e, "OIL", "L1", "T1", AT(DAY0, 2, 0));
  pl_booking_filter flt = {.chain = "c1", .store = "S1", .local_day = DAY0};
  assert_int_equal(pl_booking_list(f->e, &flt, NULL, 0, NULL), 1);
  flt.local_day = DAY0 - 1;
  assert_int_equal(pl_booking_list(f->e, &flt, NULL, 0, NULL), 0);
}

/* ---- property: recommendation == brute force ---------------------------- */

typedef struct occ {
  int res; /* 0..2 bays, 3..5 techs */
  int64_t start, end;
} occ;

static int code_index(const char *code) {
  static const char *const codes[] = {"L1", "L2", "A1", "T1", "T2", "T3"};
  for (int i = 0; i < 6; i++)
    if (strcmp(code, codes[i]) == 0)
      return i;
  return -1;
}

/* Is resource r free for [s, e) given the store hours (08-18) and the
 * occupied list? A reference written from the rules, not the engine. */
static int ref_free(const occ *o, int n, int r, int64_t s, int64_t e) {
  if (s < AT(DAY0, 8, 0) || e > AT(DAY0, 18, 0))
    return 0;
  for (int i = 0; i < n; i++)
    if (o[i].res == r && o[i].start < e && s < o[i].end)
      return 0;
  return 1;
}

static void recommendations_match_brute_force(void **st) {
  fx *f = *st;
  srand(42);
  static const struct {
    const char *svc;
    int bays[2], nb, techs[3], nt, dur;
  } svcs[] = {
      {"OIL", {0, 1}, 2, {3, 4}, 2, 60},
      {"TYRE", {0, 1}, 2, {4, 5}, 2, 30},
      {"ALIGN", {2}, 1, {5}, 1, 45},
  };
  occ held[64];
  int n_held = 0;
  for (int round = 0; round < 25; round++) {
    /* book a random recommended option, at a random rank */
    int s = rand() % 3;
    pl_slot_option o[16];
    pl_slot_query q = query(svcs[s].svc, AT(DAY0, 8, 0), AT(DAY0, 18, 0), 16);
    q.step_min = 5;
    int n = pl_recommend_slots(f->e, &q, o, 16, NULL);
    if (n > 0) {
      const pl_slot_option *pick = &o[rand() % n];
      hold_option(f->e, pick);
      held[n_held++] =
          (occ){code_index(pick->seg[0].bay), pick->start, pick->end};
      held[n_held++] =
          (occ){code_index(pick->seg[0].techs[0]), pick->start, pick->end};
    }
    /* now compare every start of every service with the reference */
    for (int t = 0; t < 3; t++) {
      pl_slot_option all[64];
      pl_slot_query qa =
          query(svcs[t].svc, AT(DAY0, 8, 0), AT(DAY0, 18, 0), 64);
      qa.step_min = 5;
      int got = pl_recommend_slots(f->e, &qa, all, 64, NULL);
      int want = 0;
      for (int64_t start = AT(DAY0, 8, 0);
           start + svcs[t].dur <= AT(DAY0, 18, 0) && want < 64; start += 5) {
        int64_t end = start + svcs[t].dur;
        int bay_ok = 0, tech_ok = 0;
        for (int b = 0; b < svcs[t].nb; b++)
          bay_ok |= ref_free(held, n_held, svcs[t].bays[b], start, end);
        for (int k = 0; k < svcs[t].nt; k++)
          tech_ok |= ref_free(held, n_held, svcs[t].techs[k], start, end);
        if (!(bay_ok && tech_ok))
          continue;
        if (want >= got || all[want].start != start)
          fail_msg("round %d %s: reference start %lld missing (got %d)", round,
                   svcs[t].svc, (long long)start, got);
        /* and the engine's pick is itself free by the reference */
        assert_true(ref_free(held, n_held, code_index(all[want].seg[0].bay),
                             start, end));
        assert_true(ref_free(
            held, n_held, code_index(all[want].seg[0].techs[0]), start, end));
        want++;
      }
      assert_int_equal(got, want);
    }
  }
}

/* ---- concurrency: racing holds never double-book ------------------------ */

typedef struct racer {
  pl_engine *e;
  int won, lost;
} racer;

static void *race(void *arg) {
  racer *r = arg;
  for (int i = 0; i < 200; i++) {
    pl_slot_option o[1];
    pl_slot_query q = query("OIL", AT(DAY0, 8, 0), AT(DAY0 + 3, 0, 0), 1);
    if (pl_recommend_slots(r->e, &q, o, 1, NULL) != 1)
      break;
    pl_booking_info in = visit_of(&o[0]);
    int rc = pl_booking_hold(r->e, &in, 3600000, NULL, NULL, NULL, NULL);
    if (rc == 0)
      r->won++;
    else if (rc == PL_EPRECOND)
      r->lost++;
    else
      fail_msg("hold: %s", pl_err_name(rc));
  }
  return NULL;
}

static void racing_holds_never_double_book(void **st) {
  fx *f = *st;
  enum { N = 4 };
  pthread_t th[N];
  racer r[N];
  for (int i = 0; i < N; i++) {
    r[i] = (racer){f->e, 0, 0};
    pthread_create(&th[i], NULL, race, &r[i]);
  }
  for (int i = 0; i < N; i++)
    pthread_join(th[i], NULL);
  int won = 0;
  for (int i = 0; i < N; i++)
    won += r[i].won;
  static pl_booking_info all[2048];
  int n = 0;
  for (int d = DAY0; d < DAY0 + 3; d++) {
    pl_booking_filter flt = {.chain = "c1", .store = "S1", .local_day = d};
    int got = pl_booking_list(f->e, &flt, all + n, 2048 - n, NULL);
    assert_true(got >= 0);
    n += got;
  }
  assert_int_equal(n, won);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      const pl_segment *a = &all[i].seg[0], *b = &all[j].seg[0];
      if (!(a->start < b->end && b->start < a->end))
        continue;
      if (strcmp(a->bay, b->bay) == 0 || strcmp(a->techs[0], b->techs[0]) == 0)
        fail_msg("bookings %lld and %lld share a resource",
                 (long long)all[i].id, (long long)all[j].id);
    }
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, test_fx_teardown)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(runs_match_a_direct_scan),
      cmocka_unit_test(board_utilisation_is_booked_over_available),
      T(recommends_earliest_slots_within_opening_hours),
      T(balances_load_across_technicians),
      T(a_held_slot_is_not_recommended_and_cannot_be_held_again),
      T(an_expired_hold_frees_its_time_by_itself),
      T(the_life_cycle_follows_the_state_diagram),
      T(cancelling_gives_the_time_back),
      T(a_visit_of_several_services_is_back_to_back),
      T(two_technician_jobs_get_two_distinct_technicians),
      T(shifts_breaks_and_leave_shape_the_calendar),
      T(bad_input_is_refused_and_changes_nothing),
      T(a_store_without_resources_has_an_empty_board),
      T(a_retried_hold_returns_the_same_booking),
      T(reschedule_is_atomic),
      T(restart_keeps_confirmed_bookings_and_live_holds),
      T(the_day_board_shows_free_time_and_utilisation),
      T(a_later_shorter_service_does_not_hide_a_busy_bay),
      T(a_later_longer_service_does_not_skip_an_earlier_start),
      T(recommend_and_hold_share_one_now),
      T(the_contract_in_the_proto_holds),
      T(recommendations_match_brute_force),
      T(racing_holds_never_double_book),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
