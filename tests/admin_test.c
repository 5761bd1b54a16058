/* Admin operations on a real engine over a real RocksDB directory: what a
 * create returns, what lookups see, which errors bad input gets, and that
 * a refused create changes nothing. */
#include "testutil.h"

typedef test_fx fixture;

static int setup(void **state) {
  fixture *f = test_fx_with_store(1790000000000, "c1", "S1");
  *state = f;
  return 0;
}

static pl_store_info store(const char *code) {
  pl_store_info s = {0};
  strcpy(s.chain, "c1");
  strcpy(s.code, code);
  strcpy(s.name, "门店");
  s.utc_offset_min = 480;
  return s;
}

static void create_returns_the_stored_record_with_the_clock_time(void **st) {
  fixture *f = *st;
  f->clk.now_ms = 1790000012345;
  pl_store_info in = store("S2"), out;
  in.lat_e6 = 31000000;
  assert_int_equal(pl_store_create(f->e, &in, NULL, NULL, &out, NULL), 0);
  assert_string_equal(out.name, "门店");
  assert_int_equal(out.lat_e6, 31000000);
  assert_true(out.created_ms == 1790000012345);
  pl_store_info got;
  assert_int_equal(pl_store_get(f->e, "c1", "S2", &got, NULL), 0);
  assert_string_equal(got.code, out.code);
  assert_string_equal(got.name, out.name);
  assert_int_equal(got.lat_e6, out.lat_e6);
  assert_true(got.created_ms == out.created_ms);
}

static void invalid_fields_are_named_and_change_nothing(void **st) {
  fixture *f = *st;
  struct {
    const char *code, *name;
    int32_t off;
    const char *field;
  } cases[] = {
      {"", "n", 0, "store.code"},
      {"a b", "n", 0, "store.code"},
      {"S3", "", 0, "store.name"},
      {"S3", "\x01", 0, "store.name"},
      {"S3", "\xff\xfe", 0, "store.name"},
      {"S3", "\xe4\xb8", 0, "store.name"}, /* truncated UTF-8 */
      {"S3", "n", 841, "store.utc_offset_min"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pl_store_info in = store(cases[i].code);
    strcpy(in.name, cases[i].name);
    in.utc_offset_min = cases[i].off;
    pl_error err = {0};
    assert_int_equal(pl_store_create(f->e, &in, NULL, NULL, NULL, &err),
                     PL_EINVAL);
    assert_int_equal(err.code, PL_EINVAL);
    if (strstr(err.msg, cases[i].field) != err.msg)
      fail_msg("case %zu: '%s' does not start with %s", i, err.msg,
               cases[i].field);
  }
  /* a code filling its buffer to the brim, without a NUL */
  pl_store_info in = store("x");
  memset(in.code, 'x', sizeof in.code);
  assert_int_equal(pl_store_create(f->e, &in, NULL, NULL, NULL, NULL),
                   PL_EINVAL);
  assert_int_equal(pl_store_list(f->e, "c1", NULL, 0, NULL), 1);
}

static void unknown_parents_are_not_found(void **st) {
  fixture *f = *st;
  pl_store_info s = store("S9");
  strcpy(s.chain, "nochain");
  pl_error err;
  assert_int_equal(pl_store_create(f->e, &s, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "store.chain"));
  pl_bay_info b = {"c1", "NOPE", "B1", PL_BAY_WASH};
  assert_int_equal(pl_bay_create(f->e, &b, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "bay.store"));
  pl_warehouse_info w = {"c1", "W1", "NOPE", "w"};
  assert_int_equal(pl_warehouse_create(f->e, &w, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "warehouse.store"));
}

static void duplicates_conflict_unless_the_idempotency_key_matches(void **st) {
  fixture *f = *st;
  pl_part_info p = {.chain = "c1", .part_no = "P1", .name = "filter"};
  pl_part_info first, again;
  assert_int_equal(pl_part_create(f->e, &p, "k1", NULL, &first, NULL), 0);
  p.sale_fen = 999; /* a retry returns the first answer, not this one */
  assert_int_equal(pl_part_create(f->e, &p, "k1", NULL, &again, NULL), 0);
  assert_true(again.sale_fen == first.sale_fen);
  assert_string_equal(again.name, first.name);
  assert_int_equal(pl_part_create(f->e, &p, "k2", NULL, NULL, NULL), PL_EEXIST);
  assert_int_equal(pl_part_create(f->e, &p, NULL, NULL, NULL, NULL), PL_EEXIST);
  pl_chain_info c;
  assert_int_equal(pl_chain_get(f->e, "c1", &c, NULL), 0);
  assert_int_equal(c.parts, 1);
}

static void technician_skills_are_checked(void **st) {
  fixture *f = *st;
  pl_technician_info t = {
      .chain = "c1",
      .store = "S1",
      .code = "T1",
      .name = "王",
      .n_skills = 2,
      .skills = {{PL_SKILL_ENGINE, 3}, {PL_SKILL_ENGINE, 4}}};
  pl_error err;
  assert_int_equal(pl_technician_create(f->e, &t, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "technician.skills"));
  t.skills[1].skill = PL_SKILL_TYRES;
  t.skills[1].level = 0;
  assert_int_equal(pl_technician_create(f->e, &t, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "technician.skills.level"));
  t.skills[1].level = 5;
  pl_technician_info out;
  assert_int_equal(pl_technician_create(f->e, &t, NULL, NULL, &out, NULL), 0);
  assert_int_equal(out.n_skills, 2);
  pl_technician_info list[4];
  assert_int_equal(pl_technician_list(f->e, "c1", "S1", list, 4, NULL), 1);
  assert_string_equal(list[0].code, out.code);
  assert_int_equal(list[0].skills[1].level, 5);
}

static void error_names_and_texts_cover_every_code(void **st) {
  (void)st;
  assert_string_equal(pl_err_name(PL_ENOTFOUND), "PL_ENOTFOUND");
  assert_string_equal(pl_strerror(PL_EEXIST), "already exists");
  assert_string_equal(pl_err_name(-999), "PL_E?");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          create_returns_the_stored_record_with_the_clock_time, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          invalid_fields_are_named_and_change_nothing, setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(unknown_parents_are_not_found, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          duplicates_conflict_unless_the_idempotency_key_matches, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(technician_skills_are_checked, setup,
                                      test_fx_teardown),
      cmocka_unit_test(error_names_and_texts_cover_every_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
