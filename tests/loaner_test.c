/* Loaner cars (代步车) on a real engine: reserved with a hold in one step,
 * refused holds that leave nothing behind, release on cancel / lapse /
 * no-show / completion / return, reschedule, hand-out and return rules,
 * RecommendSlots with need_loaner against a brute-force reference on
 * random workloads, restart, and a booking row of the old layout. The
 * clock is fake: nothing sleeps. */
#include <pthread.h>
#include <rocksdb/c.h>

#include "testutil.h"

#include "pitlane/scheduling.h"

#define OFFSET 480 /* UTC+8 */
#define DAY0 20454
#define AT(d, hh, mm) ((int64_t)(d)*1440 - OFFSET + (hh)*60 + (mm))
#define BUF PL_LOANER_RETURN_BUFFER_MIN

typedef test_fx fx;

static void set_now(fx *f, int64_t utc_min) {
  f->clk.now_ms = utc_min * 60000;
}

static void add_service(pl_engine *e, const char *code, int dur) {
  pl_service_info s = {.chain = "c1",
                       .bay_type = PL_BAY_GENERAL_LIFT,
                       .skill = PL_SKILL_ENGINE,
                       .min_level = 1,
                       .duration_min = dur,
                       .technicians = 1};
  strcpy(s.code, code);
  strcpy(s.name, code);
  assert_int_equal(pl_service_create(e, &s, NULL, NULL, NULL, NULL), 0);
}

static void add_bay(pl_engine *e, const char *code) {
  pl_bay_info b = {.chain = "c1", .store = "S1", .type = PL_BAY_GENERAL_LIFT};
  strcpy(b.code, code);
  assert_int_equal(pl_bay_create(e, &b, NULL, NULL, NULL, NULL), 0);
}

static void add_tech(pl_engine *e, const char *code) {
  pl_technician_info t = {.chain = "c1", .store = "S1"};
  strcpy(t.code, code);
  strcpy(t.name, code);
  t.skills[t.n_skills++] = (pl_skill_level){PL_SKILL_ENGINE, 3};
  assert_int_equal(pl_technician_create(e, &t, NULL, NULL, NULL, NULL), 0);
}

static int upsert(pl_engine *e, const char *code, const char *plate,
                  pl_loaner_state st, int64_t km, int fuel, pl_error *err) {
  pl_loaner_info l = {.chain = "c1", .store = "S1", .state = st};
  strcpy(l.code, code);
  strcpy(l.plate, plate);
  strcpy(l.model, "Sylphy");
  l.odometer_km = km;
  l.fuel_pct = fuel;
  return pl_loaner_upsert(e, &l, NULL, NULL, err);
}

/* Store S1 (UTC+8, open 08:00-18:00), bays L1..L4, technicians T1..T4
 * (engine 3), services OIL (60 min) and QUICK (30 min); loaners C1, C2.
 * Now: DAY0 07:00 local. */
static int setup(void **state) {
  fx *f = test_fx_new(0, 0);
  set_now(f, AT(DAY0, 7, 0));
  test_chain_with_store(f->e, "c1", "S1");
  const char *bays[] = {"L1", "L2", "L3", "L4"};
  const char *techs[] = {"T1", "T2", "T3", "T4"};
  for (int i = 0; i < 4; i++) {
    add_bay(f->e, bays[i]);
    add_tech(f->e, techs[i]);
  }
  add_service(f->e, "OIL", 60);
  add_service(f->e, "QUICK", 30);
  assert_int_equal(upsert(f->e, "C1", "沪L00001", 0, 1000, 80, NULL), 0);
  assert_int_equal(upsert(f->e, "C2", "沪L00002", 0, 2000, 90, NULL), 0);
  *state = f;
  return 0;
}

/* A hold of `svc` on bay/tech at start; need/named as asked. */
static int hold(pl_engine *e, const char *svc, const char *bay,
                const char *tech, int64_t start, pl_loaner_need need,
                const char *named, int64_t ttl_ms, pl_booking_info *out,
                pl_error *err) {
  pl_booking_info in = {.chain = "c1",
                        .store = "S1",
                        .channel = PL_CHANNEL_APP,
                        .n_segments = 1,
                        .loaner_need = need};
  strcpy(in.customer, "王五");
  strcpy(in.plate, "沪A88888");
  strcpy(in.seg[0].service, svc);
  strcpy(in.seg[0].bay, bay);
  in.seg[0].n_techs = 1;
  strcpy(in.seg[0].techs[0], tech);
  in.seg[0].start = start;
  if (named != NULL)
    strcpy(in.loaner, named);
  pl_booking_info tmp;
  return pl_booking_hold(e, &in, ttl_ms, NULL, NULL, out ? out : &tmp, err);
}

static int64_t must_hold(pl_engine *e, const char *bay, const char *tech,
                         int64_t start, pl_loaner_need need,
                         pl_booking_info *out) {
  pl_error err = {0};
  pl_booking_info b;
  int rc = hold(e, "OIL", bay, tech, start, need, NULL, 0, &b, &err);
  if (rc != 0)
    fail_msg("hold: %s %s", pl_err_name(rc), err.msg);
  if (out != NULL)
    *out = b;
  return b.id;
}

static int n_bookings(pl_engine *e) {
  pl_booking_filter f = {.chain = "c1", .store = "S1", .local_day = DAY0};
  return pl_booking_list(e, &f, NULL, 0, NULL);
}

static int transition(pl_engine *e, int64_t id, pl_booking_state to) {
  return pl_booking_transition(e, "c1", id, to, NULL, NULL, NULL);
}

/* ---- reservation with the hold ------------------------------------------ */

static void hold_reserves_a_loaner_over_visit_and_buffer(void **st) {
  fx *f = *st;
  pl_booking_info b;
  must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, &b);
  assert_string_equal(b.loaner, "C1");
  assert_int_equal(b.loaner_phase, PL_LOANER_RESERVED);
  assert_true(b.loaner_until == AT(DAY0, 10, 0) + BUF);
  /* the next overlapping one gets the other car */
  must_hold(f->e, "L2", "T2", AT(DAY0, 9, 30), PL_LOANER_ANY, &b);
  assert_string_equal(b.loaner, "C2");
  /* a hold without a loaner is untouched by the pool */
  must_hold(f->e, "L3", "T3", AT(DAY0, 9, 0), PL_LOANER_NONE, &b);
  assert_string_equal(b.loaner, "");
  assert_int_equal(b.loaner_phase, PL_LOANER_PHASE_NONE);
}

static void no_free_loaner_refuses_and_holds_nothing(void **st) {
  fx *f = *st;
  must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
  must_hold(f->e, "L2", "T2", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
  int before = n_bookings(f->e);
  pl_error err = {0};
  /* both cars are out until 11:00 (10:00 + the buffer) */
  int rc = hold(f->e, "OIL", "L3", "T3", AT(DAY0, 10, 55), PL_LOANER_ANY, NULL,
                0, NULL, &err);
  assert_int_equal(rc, PL_EPRECOND);
  assert_non_null(strstr(err.msg, "booking.loaner"));
  assert_int_equal(n_bookings(f->e), before);
  /* L3 and T3 were not kept: the same slot without a loaner is free */
  must_hold(f->e, "L3", "T3", AT(DAY0, 10, 55), PL_LOANER_NONE, NULL);
  /* at 11:00 a car is free again */
  must_hold(f->e, "L4", "T4", AT(DAY0, 11, 0), PL_LOANER_ANY, NULL);
}

static void named_loaner_must_exist_and_be_free(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_booking_info b;
  assert_int_equal(hold(f->e, "OIL", "L1", "T1", AT(DAY0, 9, 0),
                        PL_LOANER_NAMED, "NOPE", 0, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "booking.loaner"));
  assert_int_equal(hold(f->e, "OIL", "L1", "T1", AT(DAY0, 9, 0),
                        PL_LOANER_NAMED, "C2", 0, &b, &err),
                   0);
  assert_string_equal(b.loaner, "C2");
  assert_int_equal(hold(f->e, "OIL", "L2", "T2", AT(DAY0, 9, 0),
                        PL_LOANER_NAMED, "C2", 0, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "booking.loaner"));
  /* a name without NAMED is a malformed request */
  assert_int_equal(hold(f->e, "OIL", "L2", "T2", AT(DAY0, 9, 0), PL_LOANER_ANY,
                        "C1", 0, NULL, &err),
                   PL_EINVAL);
  assert_int_equal(n_bookings(f->e), 1);
}

static void return_buffer_must_end_by_local_midnight(void **st) {
  fx *f = *st;
  pl_store_hours h = {.chain = "c1", .store = "S1", .horizon_days = 14};
  for (int d = 0; d < 7; d++)
    h.week[d] = (pl_local_range){0, 1440};
  assert_int_equal(pl_store_hours_set(f->e, &h, NULL, NULL), 0);
  pl_error err = {0};
  assert_int_equal(hold(f->e, "OIL", "L1", "T1", AT(DAY0, 22, 5), PL_LOANER_ANY,
                        NULL, 0, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "midnight"));
  must_hold(f->e, "L1", "T1", AT(DAY0, 22, 0), PL_LOANER_ANY, NULL);
}

/* ---- release ------------------------------------------------------------ */

/* Both cars taken 09:00-11:00; `end` ends booking ids[0]; then a 10:00
 * hold with a loaner must succeed (ok) or not. */
static void check_release(fx *f, int how) {
  int64_t a = must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
  must_hold(f->e, "L2", "T2", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
  assert_int_equal(hold(f->e, "OIL", "L3", "T3", AT(DAY0, 10, 0), PL_LOANER_ANY,
                        NULL, 0, NULL, NULL),
                   PL_EPRECOND);
  switch (how) {
  case 0:
    assert_int_equal(transition(f->e, a, PL_BOOKING_CANCELLED), 0);
    break;
  case 1: /* the hold lapses: computed on read, no write */
    set_now(f, AT(DAY0, 7, 11));
    break;
  case 2:
    assert_int_equal(transition(f->e, a, PL_BOOKING_CONFIRMED), 0);
    assert_int_equal(transition(f->e, a, PL_BOOKING_NO_SHOW), 0);
    break;
  default:
    assert_int_equal(transition(f->e, a, PL_BOOKING_CONFIRMED), 0);
    assert_int_equal(transition(f->e, a, PL_BOOKING_CHECKED_IN), 0);
    assert_int_equal(transition(f->e, a, PL_BOOKING_COMPLETED), 0);
    break;
  }
  pl_booking_info b;
  pl_error err = {0};
  int rc = hold(f->e, "OIL", "L3", "T3", AT(DAY0, 10, 0), PL_LOANER_ANY, NULL,
                0, &b, &err);
  if (rc != 0)
    fail_msg("release %d: %s %s", how, pl_err_name(rc), err.msg);
  assert_string_equal(b.loaner, "C1");
}

static void cancel_frees_the_loaner(void **st) {
  check_release(*st, 0);
}
static void lapsed_hold_frees_the_loaner(void **st) {
  check_release(*st, 1);
}
static void no_show_frees_the_loaner(void **st) {
  check_release(*st, 2);
}
static void completion_frees_the_loaner(void **st) {
  check_release(*st, 3);
}

/* ---- reschedule --------------------------------------------------------- */

static void reschedule_moves_the_loaner_or_keeps_old_time(void **st) {
  fx *f = *st;
  assert_int_equal(
      upsert(f->e, "C2", "沪L00002", PL_LOANER_RETIRED, 2000, 90, NULL), 0);
  pl_booking_info a, b;
  must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, &a);
  must_hold(f->e, "L2", "T2", AT(DAY0, 13, 0), PL_LOANER_ANY, &b);
  /* A to 12:30: its car would be needed until 14:30, B has it from 13:00 */
  pl_segment seg = a.seg[0];
  seg.start = AT(DAY0, 12, 0);
  pl_error err = {0};
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a.id, &seg, 1, NULL, NULL, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "booking.loaner"));
  pl_booking_info now;
  assert_int_equal(pl_booking_get(f->e, "c1", a.id, &now, NULL), 0);
  assert_true(now.start == AT(DAY0, 9, 0));
  assert_string_equal(now.loaner, "C1");
  /* the old time still holds the car: 10:30 is refused */
  assert_int_equal(hold(f->e, "QUICK", "L3", "T3", AT(DAY0, 10, 30),
                        PL_LOANER_ANY, NULL, 0, NULL, NULL),
                   PL_EPRECOND);
  /* to 15:00 (after B's 15:00 return): moves, and frees 09:00-11:00 */
  seg.start = AT(DAY0, 15, 0);
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a.id, &seg, 1, NULL, &now, &err), 0);
  assert_true(now.loaner_until == AT(DAY0, 16, 0) + BUF);
  assert_string_equal(now.loaner, "C1");
  must_hold(f->e, "L3", "T3", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
}

static void
reschedule_switches_car_for_any_but_never_a_car_handed_out(void **st) {
  fx *f = *st;
  pl_booking_info a, b;
  pl_error err = {0};
  must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, &a);
  assert_string_equal(a.loaner, "C1");
  assert_int_equal(hold(f->e, "OIL", "L2", "T2", AT(DAY0, 13, 0),
                        PL_LOANER_NAMED, "C1", 0, &b, &err),
                   0);
  /* A to 12:00: C1 is B's from 13:00, so A (any car) moves to C2 */
  pl_segment seg = a.seg[0];
  seg.start = AT(DAY0, 12, 0);
  pl_booking_info now;
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a.id, &seg, 1, NULL, &now, &err), 0);
  assert_string_equal(now.loaner, "C2");
  /* handed out, A keeps C2 wherever it goes */
  assert_int_equal(transition(f->e, a.id, PL_BOOKING_CONFIRMED), 0);
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", a.id, 2000, 90, NULL, NULL, &err), 0);
  assert_int_equal(hold(f->e, "OIL", "L3", "T3", AT(DAY0, 8, 0),
                        PL_LOANER_NAMED, "C2", 0, NULL, &err),
                   0);        /* C2 reserved 08:00-10:00 for someone else */
  seg.start = AT(DAY0, 9, 0); /* C1 is free then, C2 is not */
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a.id, &seg, 1, NULL, &now, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "handed out"));
  assert_int_equal(pl_booking_get(f->e, "c1", a.id, &now, NULL), 0);
  assert_true(now.start == AT(DAY0, 12, 0));
  assert_string_equal(now.loaner, "C2");
  seg.start = AT(DAY0, 15, 0);
  assert_int_equal(
      pl_booking_reschedule(f->e, "c1", a.id, &seg, 1, NULL, &now, &err), 0);
  assert_string_equal(now.loaner, "C2");
}

/* ---- hand-out and return ------------------------------------------------ */

static void hand_out_and_return_follow_the_rules(void **st) {
  fx *f = *st;
  pl_booking_info b;
  must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, &b);
  must_hold(f->e, "L2", "T2", AT(DAY0, 14, 0), PL_LOANER_NONE, NULL);
  pl_loaner_info l;
  pl_error err = {0};
  /* held: not yet */
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", b.id, 1000, 80, NULL, &l, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "booking"));
  /* a booking without a loaner */
  assert_int_equal(transition(f->e, 2, PL_BOOKING_CONFIRMED), 0);
  assert_int_equal(pl_loaner_hand_out(f->e, "c1", 2, 1000, 80, NULL, &l, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "booking.loaner"));
  assert_int_equal(transition(f->e, b.id, PL_BOOKING_CONFIRMED), 0);
  /* km below the odometer; fuel out of range */
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", b.id, 999, 80, NULL, &l, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "mileage_km"));
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", b.id, 1000, 101, NULL, &l, &err),
      PL_EINVAL);
  assert_non_null(strstr(err.msg, "fuel_pct"));
  /* return before hand-out */
  assert_int_equal(pl_loaner_return(f->e, "c1", b.id, 1000, 80, NULL, &l, &err),
                   PL_EPRECOND);
  set_now(f, AT(DAY0, 8, 50));
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", b.id, 1005, 75, NULL, &l, &err), 0);
  assert_int_equal(l.state, PL_LOANER_OUT);
  assert_true(l.out_booking == b.id && l.out_km == 1005 &&
              l.out_fuel_pct == 75 && l.odometer_km == 1005);
  assert_true(l.out_ms == AT(DAY0, 8, 50) * 60000);
  assert_string_equal(l.out_customer, "王五");
  /* a repeat is a no-op; other figures are refused */
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", b.id, 1005, 75, NULL, &l, &err), 0);
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", b.id, 1006, 75, NULL, &l, &err),
      PL_EPRECOND);
  /* an admin cannot change or retire a car that is out */
  assert_int_equal(
      upsert(f->e, "C1", "沪L00001", PL_LOANER_RETIRED, 1005, 75, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "loaner.state"));
  /* the return: km below km out refused, naming mileage */
  assert_int_equal(pl_loaner_return(f->e, "c1", b.id, 1004, 50, NULL, &l, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "mileage_km"));
  set_now(f, AT(DAY0, 10, 20));
  assert_int_equal(pl_loaner_return(f->e, "c1", b.id, 1042, 50, NULL, &l, &err),
                   0);
  assert_int_equal(l.state, PL_LOANER_AVAILABLE);
  assert_true(l.odometer_km == 1042 && l.fuel_pct == 50 &&
              l.returned_km == 1042 && l.returned_fuel_pct == 50 &&
              l.returned_ms == AT(DAY0, 10, 20) * 60000);
  assert_int_equal(pl_loaner_return(f->e, "c1", b.id, 1042, 50, NULL, &l, &err),
                   0);
  assert_int_equal(pl_loaner_return(f->e, "c1", b.id, 1050, 50, NULL, &l, &err),
                   PL_EPRECOND);
  pl_booking_info now;
  assert_int_equal(pl_booking_get(f->e, "c1", b.id, &now, NULL), 0);
  assert_int_equal(now.loaner_phase, PL_LOANER_RETURNED);
  /* returned: its car is free for the rest of the reservation */
  assert_int_equal(hold(f->e, "OIL", "L3", "T3", AT(DAY0, 10, 30),
                        PL_LOANER_NAMED, "C1", 0, NULL, &err),
                   0);
  /* and all of it survives a restart */
  test_fx_reopen(f);
  assert_int_equal(pl_loaner_get(f->e, "c1", "S1", "C1", &l, NULL), 0);
  assert_int_equal(l.state, PL_LOANER_AVAILABLE);
  assert_true(l.odometer_km == 1042 && l.out_km == 1005 &&
              l.returned_km == 1042 && l.out_booking == b.id);
  assert_int_equal(pl_booking_get(f->e, "c1", b.id, &now, NULL), 0);
  assert_int_equal(now.loaner_phase, PL_LOANER_RETURNED);
  /* the events, as recorded and read back from their rows */
  pl_loaner_event ev[4];
  assert_int_equal(pl_loaner_events(f->e, "c1", "S1", "C1", ev, 4, NULL), 2);
  assert_int_equal(ev[0].kind, PL_LOANER_EVENT_HAND_OUT);
  assert_true(ev[0].booking == b.id && ev[0].km == 1005 &&
              ev[0].fuel_pct == 75 && ev[0].at_ms == AT(DAY0, 8, 50) * 60000);
  assert_string_equal(ev[0].customer, "王五");
  assert_int_equal(ev[1].kind, PL_LOANER_EVENT_RETURN);
  assert_true(ev[1].booking == b.id && ev[1].km == 1042 &&
              ev[1].fuel_pct == 50 && ev[1].at_ms == AT(DAY0, 10, 20) * 60000);
  assert_int_equal(pl_loaner_events(f->e, "c1", "S1", "C2", ev, 4, NULL), 0);
  assert_int_equal(pl_loaner_events(f->e, "c1", "S1", "C9", ev, 4, NULL),
                   PL_ENOTFOUND);
}

/* ---- the pool ----------------------------------------------------------- */

static void upsert_rules(void **st) {
  fx *f = *st;
  pl_error err = {0};
  /* a repeat is a no-op */
  assert_int_equal(upsert(f->e, "C1", "沪L00001", 0, 1000, 80, &err), 0);
  assert_int_equal(upsert(f->e, "C3", "沪L00001", 0, 10, 80, &err), PL_EEXIST);
  assert_non_null(strstr(err.msg, "loaner.plate"));
  assert_int_equal(upsert(f->e, "C1", "沪L00001", 0, 999, 80, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "loaner.odometer_km"));
  assert_int_equal(upsert(f->e, "C1", "沪L00001", 0, 1000, 101, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "loaner.fuel_pct"));
  assert_int_equal(
      upsert(f->e, "C1", "沪L00001", PL_LOANER_OUT, 1000, 80, &err), PL_EINVAL);
  assert_int_equal(upsert(f->e, "C1", "", 0, 1000, 80, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "loaner.plate"));
  pl_loaner_info in = {
      .chain = "c1", .store = "NOPE", .code = "C9", .plate = "x"};
  assert_int_equal(pl_loaner_upsert(f->e, &in, NULL, NULL, &err), PL_ENOTFOUND);
  /* retiring a reserved car is refused; a free one retires */
  int64_t a = must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
  assert_int_equal(
      upsert(f->e, "C1", "沪L00001", PL_LOANER_RETIRED, 1000, 80, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "reserved by booking"));
  assert_int_equal(
      upsert(f->e, "C2", "沪L00002", PL_LOANER_RETIRED, 2000, 90, &err), 0);
  assert_int_equal(hold(f->e, "OIL", "L2", "T2", AT(DAY0, 9, 0), PL_LOANER_ANY,
                        NULL, 0, NULL, &err),
                   PL_EPRECOND);
  assert_int_equal(transition(f->e, a, PL_BOOKING_CANCELLED), 0);
  assert_int_equal(
      upsert(f->e, "C1", "沪L00001", PL_LOANER_RETIRED, 1100, 70, &err), 0);
  pl_loaner_info all[4];
  assert_int_equal(pl_loaner_list(f->e, "c1", "S1", all, 4, NULL), 2);
  assert_string_equal(all[0].code, "C1");
  assert_int_equal(all[0].state, PL_LOANER_RETIRED);
  assert_true(all[0].odometer_km == 1100 && all[0].fuel_pct == 70);
  /* back in service */
  assert_int_equal(
      upsert(f->e, "C1", "沪L00001", PL_LOANER_AVAILABLE, 1100, 70, &err), 0);
  must_hold(f->e, "L2", "T2", AT(DAY0, 9, 0), PL_LOANER_ANY, NULL);
}

/* ---- restart ------------------------------------------------------------ */

static void restart_keeps_pool_reservations_and_cars_out(void **st) {
  fx *f = *st;
  pl_booking_info a, b;
  must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_ANY, &a);
  must_hold(f->e, "L2", "T2", AT(DAY0, 9, 0), PL_LOANER_ANY, &b);
  assert_int_equal(transition(f->e, a.id, PL_BOOKING_CONFIRMED), 0);
  assert_int_equal(
      pl_loaner_hand_out(f->e, "c1", a.id, 1200, 60, NULL, NULL, NULL), 0);
  test_fx_reopen(f);
  pl_loaner_info l[2];
  assert_int_equal(pl_loaner_list(f->e, "c1", "S1", l, 2, NULL), 2);
  assert_int_equal(l[0].state, PL_LOANER_OUT);
  assert_true(l[0].out_booking == a.id && l[0].odometer_km == 1200);
  assert_int_equal(l[1].state, PL_LOANER_AVAILABLE);
  /* both reservations still hold their cars */
  assert_int_equal(hold(f->e, "OIL", "L3", "T3", AT(DAY0, 10, 0), PL_LOANER_ANY,
                        NULL, 0, NULL, NULL),
                   PL_EPRECOND);
  /* B's hold lapses (its expiry passed while down): its car is free */
  set_now(f, AT(DAY0, 7, 30));
  test_fx_reopen(f);
  pl_booking_info c;
  must_hold(f->e, "L3", "T3", AT(DAY0, 10, 0), PL_LOANER_ANY, &c);
  assert_string_equal(c.loaner, b.loaner);
  /* the car out comes back after the restart, from the events' state */
  assert_int_equal(transition(f->e, a.id, PL_BOOKING_CHECKED_IN), 0);
  assert_int_equal(transition(f->e, a.id, PL_BOOKING_COMPLETED), 0);
  test_fx_reopen(f);
  pl_error err = {0};
  assert_int_equal(
      pl_loaner_return(f->e, "c1", a.id, 1250, 40, NULL, &l[0], &err), 0);
  assert_int_equal(l[0].state, PL_LOANER_AVAILABLE);
}

/* ---- old rows ----------------------------------------------------------- */

/* A booking written before the loaners (row version 1: the version 2 row
 * less its five trailing fields — confirmed_ms and the four loaner ones —
 * all zero for an unconfirmed hold without a car) still reads. */
static void version_1_booking_rows_still_read(void **st) {
  fx *f = *st;
  int64_t id =
      must_hold(f->e, "L1", "T1", AT(DAY0, 9, 0), PL_LOANER_NONE, NULL);
  pl_engine_close(f->e);
  f->e = NULL;
  unsigned char key[16] = {'c', '1', 0, 0x14};
  for (int i = 0; i < 8; i++)
    key[4 + i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
  rocksdb_options_t *o = rocksdb_options_create();
  char *errs = NULL;
  rocksdb_t *db = rocksdb_open(o, f->dir, &errs);
  assert_null(errs);
  rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
  size_t vl = 0;
  char *v = rocksdb_get(db, ro, (const char *)key, 12, &vl, &errs);
  assert_non_null(v);
  assert_int_equal(v[0], 2);
  assert_memory_equal(v + vl - 5, "\0\0\0\0\0", 5);
  v[0] = 1;
  rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
  rocksdb_writeoptions_set_sync(wo, 1);
  rocksdb_put(db, wo, (const char *)key, 12, v, vl - 5, &errs);
  assert_null(errs);
  rocksdb_free(v);
  rocksdb_writeoptions_destroy(wo);
  rocksdb_readoptions_destroy(ro);
  rocksdb_close(db);
  rocksdb_options_destroy(o);
  f->e = test_open(f->dir, &f->clk);
  pl_booking_info b;
  assert_int_equal(pl_booking_get(f->e, "c1", id, &b, NULL), 0);
  assert_int_equal(b.state, PL_BOOKING_HELD);
  assert_int_equal(b.loaner_need, PL_LOANER_NONE);
  assert_string_equal(b.loaner, "");
  assert_true(b.start == AT(DAY0, 9, 0));
  /* and it still occupies its bay */
  assert_int_equal(hold(f->e, "OIL", "L1", "T2", AT(DAY0, 9, 0), PL_LOANER_NONE,
                        NULL, 0, NULL, NULL),
                   PL_EPRECOND);
}

/* ---- property: need_loaner == brute force ------------------------------- */

typedef struct resv {
  int64_t id;
  int car; /* 0, 1, 2: C1..C3 */
  int64_t start, until;
  int64_t expires_min; /* held: lapses then; else INT64_MAX */
  int live;
} resv;

/* Is some car free for [s, e) by the reservations the test kept? A
 * reference written from the rules, not the engine. */
static int ref_car_free(const resv *r, int n, int n_cars, int64_t now_min,
                        int64_t s, int64_t e) {
  if (e > AT(DAY0, 24, 0))
    return 0;
  for (int car = 0; car < n_cars; car++) {
    int ok = 1;
    for (int i = 0; i < n && ok; i++)
      if (r[i].live && r[i].car == car && r[i].expires_min > now_min &&
          r[i].start < e && s < r[i].until)
        ok = 0;
    if (ok)
      return 1;
  }
  return 0;
}

static void need_loaner_matches_brute_force(void **st) {
  fx *f = *st;
  assert_int_equal(upsert(f->e, "C3", "沪L00003", 0, 3000, 50, NULL), 0);
  srand(7);
  static resv r[256];
  int n = 0;
  pl_slot_query q = {.chain = "c1",
                     .n_stores = 1,
                     .stores = {"S1"},
                     .n_services = 1,
                     .services = {"OIL"},
                     .earliest = AT(DAY0, 8, 0),
                     .latest = AT(DAY0, 18, 0),
                     .step_min = 15,
                     .k = 64};
  for (int round = 0; round < 60; round++) {
    int64_t now_min = f->clk.now_ms / 60000;
    /* all options without the loaner (complete: < 64 starts a day) */
    pl_slot_option all[64], got[64];
    q.need_loaner = 0;
    int n_all = pl_recommend_slots(f->e, &q, all, 64, NULL);
    assert_true(n_all >= 0 && n_all < 64);
    q.need_loaner = 1;
    int n_got = pl_recommend_slots(f->e, &q, got, 64, NULL);
    int want = 0;
    for (int i = 0; i < n_all; i++) {
      if (!ref_car_free(r, n, 3, now_min, all[i].start, all[i].end + BUF))
        continue;
      if (want >= n_got || got[want].start != all[i].start)
        fail_msg("round %d: reference start %lld missing", round,
                 (long long)all[i].start);
      want++;
    }
    assert_int_equal(n_got, want);
    /* a random step: hold a need_loaner option (it must be bookable),
     * hold without, cancel one, or let time pass */
    int act = rand() % 6;
    if (act <= 2 && n_got > 0) {
      const pl_slot_option *o = &got[rand() % n_got];
      pl_booking_info b;
      pl_error err = {0};
      int64_t ttl = (rand() % 3 == 0) ? 5 * 60000 : 3600000;
      int rc = hold(f->e, "OIL", o->seg[0].bay, o->seg[0].techs[0], o->start,
                    PL_LOANER_ANY, NULL, ttl, &b, &err);
      if (rc != 0)
        fail_msg("round %d: option not bookable: %s", round, err.msg);
      r[n++] = (resv){b.id,           b.loaner[1] - '1',     b.start,
                      b.loaner_until, now_min + ttl / 60000, 1};
    } else if (act == 3 && n_all > 0) {
      const pl_slot_option *o = &all[rand() % n_all];
      hold(f->e, "OIL", o->seg[0].bay, o->seg[0].techs[0], o->start,
           PL_LOANER_NONE, NULL, 3600000, NULL, NULL);
    } else if (act == 4 && n > 0) {
      resv *x = &r[rand() % n];
      if (x->live && x->expires_min > now_min &&
          transition(f->e, x->id, PL_BOOKING_CANCELLED) == 0)
        x->live = 0;
    } else {
      set_now(f, now_min + 2);
    }
  }
  assert_true(n > 5);
}

/* ---- concurrency: racing holds never over-book the pool ----------------- */

typedef struct racer {
  pl_engine *e;
  int id, won;
} racer;

static void *race(void *arg) {
  racer *rc = arg;
  const char *bays[] = {"L1", "L2", "L3", "L4"};
  const char *techs[] = {"T1", "T2", "T3", "T4"};
  for (int i = 0; i < 40; i++) {
    int64_t start = AT(DAY0, 8, 0) + (int64_t)((i * 7 + rc->id) % 30) * 15;
    if (hold(rc->e, "OIL", bays[rc->id], techs[rc->id], start, PL_LOANER_ANY,
             NULL, 3600000, NULL, NULL) == 0)
      rc->won++;
  }
  return NULL;
}

static void racing_holds_never_overbook_the_pool(void **st) {
  fx *f = *st;
  pthread_t th[4];
  racer r[4];
  for (int i = 0; i < 4; i++) {
    r[i] = (racer){f->e, i, 0};
    pthread_create(&th[i], NULL, race, &r[i]);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  static pl_booking_info all[256];
  pl_booking_filter flt = {.chain = "c1", .store = "S1", .local_day = DAY0};
  int n = pl_booking_list(f->e, &flt, all, 256, NULL);
  assert_int_equal(n, r[0].won + r[1].won + r[2].won + r[3].won);
  /* at every minute, at most 2 reservations (2 cars), never one car twice */
  for (int64_t t = AT(DAY0, 8, 0); t < AT(DAY0, 24, 0); t += 5) {
    int k = 0;
    for (int i = 0; i < n; i++)
      if (all[i].start <= t && t < all[i].loaner_until) {
        k++;
        for (int j = i + 1; j < n; j++)
          if (all[j].start <= t && t < all[j].loaner_until)
            assert_string_not_equal(all[i].loaner, all[j].loaner);
      }
    assert_true(k <= 2);
  }
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, test_fx_teardown)
  const struct CMUnitTest tests[] = {
      T(hold_reserves_a_loaner_over_visit_and_buffer),
      T(no_free_loaner_refuses_and_holds_nothing),
      T(named_loaner_must_exist_and_be_free),
      T(return_buffer_must_end_by_local_midnight),
      T(cancel_frees_the_loaner),
      T(lapsed_hold_frees_the_loaner),
      T(no_show_frees_the_loaner),
      T(completion_frees_the_loaner),
      T(reschedule_moves_the_loaner_or_keeps_old_time),
      T(reschedule_switches_car_for_any_but_never_a_car_handed_out),
      T(hand_out_and_return_follow_the_rules),
      T(upsert_rules),
      T(restart_keeps_pool_reservations_and_cars_out),
      T(version_1_booking_rows_still_read),
      T(need_loaner_matches_brute_force),
      T(racing_holds_never_overbook_the_pool),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
