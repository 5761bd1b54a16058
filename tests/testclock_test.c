/* Test clocks of sandbox chains (pl_chain_advance_clock) on a real engine:
 * refused for ordinary chains, bounded, moving only the sandbox chain's
 * time, persisted across a reopen, and driving the chain's clock work (a
 * record's timestamps, a hold's TTL, a complaint escalation) while the
 * engine's own clock stands still. */
#include "testutil.h"

#include "pitlane/customers.h"

#define T0_MS ((int64_t)1790000000000LL)
#define DAY_MS ((int64_t)86400000)

static int setup(void **state) {
  test_fx *f = test_fx_new(T0_MS, 0);
  test_chain_with_store(f->e, "c1", "S1");
  pl_chain_info c = {.sandbox = true};
  strcpy(c.code, "sb1");
  strcpy(c.name, "sandbox chain");
  pl_chain_info out;
  assert_int_equal(pl_chain_create(f->e, &c, NULL, NULL, &out, NULL), 0);
  assert_true(out.sandbox);
  assert_true(out.clock_offset_ms == 0);
  pl_store_info s = {.utc_offset_min = 480};
  strcpy(s.chain, "sb1");
  strcpy(s.code, "S1");
  strcpy(s.name, "sandbox store");
  assert_int_equal(pl_store_create(f->e, &s, NULL, NULL, NULL, NULL), 0);
  *state = f;
  return 0;
}

static void ordinary_chains_refuse_to_move(void **st) {
  test_fx *f = *st;
  pl_error err = {0};
  assert_int_equal(pl_chain_advance_clock(f->e, "c1", DAY_MS, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "sandbox"));
  pl_chain_info c;
  assert_int_equal(pl_chain_get(f->e, "c1", &c, NULL), 0);
  assert_false(c.sandbox);
  assert_true(c.clock_offset_ms == 0);
  assert_true(pl_chain_now_ms(f->e, "c1") == T0_MS);
  assert_true(pl_chain_now_ms(f->e, "nope") == T0_MS);
}

static void bad_advances_are_refused_and_change_nothing(void **st) {
  test_fx *f = *st;
  int64_t bad[] = {0, -1, PL_CLOCK_ADVANCE_MAX_MS + 1, INT64_MIN, INT64_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pl_error err = {0};
    assert_int_equal(
        pl_chain_advance_clock(f->e, "sb1", bad[i], NULL, NULL, &err),
        PL_EINVAL);
    assert_non_null(strstr(err.msg, "advance_ms"));
  }
  assert_int_equal(pl_chain_advance_clock(f->e, "zz", 1, NULL, NULL, NULL),
                   PL_ENOTFOUND);
  assert_true(pl_chain_now_ms(f->e, "sb1") == T0_MS);
}

static void the_offset_moves_one_chain_and_survives_a_reopen(void **st) {
  test_fx *f = *st;
  pl_chain_info out;
  assert_int_equal(
      pl_chain_advance_clock(f->e, "sb1", DAY_MS, NULL, &out, NULL), 0);
  assert_true(out.clock_offset_ms == DAY_MS);
  assert_int_equal(pl_chain_advance_clock(f->e, "sb1", PL_CLOCK_ADVANCE_MAX_MS,
                                          NULL, &out, NULL),
                   0);
  int64_t off = DAY_MS + PL_CLOCK_ADVANCE_MAX_MS;
  assert_true(out.clock_offset_ms == off);
  assert_true(pl_chain_now_ms(f->e, "sb1") == T0_MS + off);
  assert_true(pl_chain_now_ms(f->e, "c1") == T0_MS);
  /* records of the sandbox chain are stamped with its clock */
  pl_store_info s = {.utc_offset_min = 0}, got;
  strcpy(s.chain, "sb1");
  strcpy(s.code, "S2");
  strcpy(s.name, "later store");
  assert_int_equal(pl_store_create(f->e, &s, NULL, NULL, &got, NULL), 0);
  assert_true(got.created_ms == T0_MS + off);
  f->clk.now_ms = T0_MS + 5000; /* real time goes on under the offset */
  test_fx_reopen(f);
  pl_chain_info c;
  assert_int_equal(pl_chain_get(f->e, "sb1", &c, NULL), 0);
  assert_true(c.sandbox);
  assert_true(c.clock_offset_ms == off);
  assert_true(c.created_ms == T0_MS);
  assert_true(pl_chain_now_ms(f->e, "sb1") == T0_MS + 5000 + off);
  assert_int_equal(pl_chain_get(f->e, "c1", &c, NULL), 0);
  assert_false(c.sandbox);
  assert_true(c.clock_offset_ms == 0);
  pl_chain_info all[4];
  assert_int_equal(pl_chain_list(f->e, all, 4), 2);
  assert_string_equal(all[1].code, "sb1");
  assert_true(all[1].clock_offset_ms == off);
  /* and it keeps moving after the reopen */
  assert_int_equal(pl_chain_advance_clock(f->e, "sb1", 1, NULL, &out, NULL), 0);
  assert_true(out.clock_offset_ms == off + 1);
}

static void advancing_escalates_a_complaint_past_its_clock(void **st) {
  test_fx *f = *st;
  pl_error err = {0};
  pl_complaint in = {.channel = PL_COMPLAINT_BY_APP,
                     .category = PL_COMPLAINT_WAITING,
                     .severity = 3};
  strcpy(in.chain, "sb1");
  strcpy(in.store, "S1");
  strcpy(in.text, "waited two hours");
  pl_complaint x;
  assert_int_equal(pl_complaint_open(f->e, &in, "adv1", NULL, NULL, &x, &err),
                   0);
  assert_true(x.response_due_ms == T0_MS + DAY_MS); /* the default 24 h */
  assert_int_equal(pl_complaints_sweep(f->e, NULL, &err), 0);
  /* 25 h on the sandbox clock: the advance itself sweeps */
  assert_int_equal(
      pl_chain_advance_clock(f->e, "sb1", DAY_MS + 3600000, NULL, NULL, &err),
      0);
  assert_int_equal(pl_complaint_get(f->e, "sb1", x.id, &x, &err), 0);
  assert_int_equal(x.escalated, PL_ESCALATED_RESPONSE);
  assert_int_equal(pl_complaints_sweep(f->e, "sb1", &err), 0); /* once */
  /* the same complaint on the ordinary chain is not due */
  strcpy(in.chain, "c1");
  pl_complaint y;
  assert_int_equal(pl_complaint_open(f->e, &in, "adv1", NULL, NULL, &y, &err),
                   0);
  assert_int_equal(pl_complaints_sweep(f->e, "c1", &err), 0);
  assert_true(f->clk.now_ms == T0_MS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(ordinary_chains_refuse_to_move, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          bad_advances_are_refused_and_change_nothing, setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          the_offset_moves_one_chain_and_survives_a_reopen, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          advancing_escalates_a_complaint_past_its_clock, setup,
          test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
