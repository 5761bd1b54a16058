/* The row codec and the string map: round trips, and stored bytes treated
 * as untrusted input (truncation, overlong strings) never read past the
 * end. */
#include "testutil.h"

#include "../engine/src/base/codec.h"
#include "../engine/src/base/strmap.h"

static void varints_round_trip(void **state) {
  (void)state;
  const int64_t vals[] = {0, 1, -1, 63, -64, 300, INT64_MAX, INT64_MIN};
  pl__buf b = {0};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
    pl__buf_svar(&b, vals[i]);
  pl__buf_uvar(&b, UINT64_MAX);
  pl__buf_str(&b, "上海");
  pl__rd r;
  pl__rd_init(&r, b.p, b.n);
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
    assert_true(pl__rd_svar(&r) == vals[i]);
  assert_true(pl__rd_uvar(&r) == UINT64_MAX);
  char s[16];
  pl__rd_str(&r, s, sizeof s);
  assert_string_equal(s, "上海");
  assert_false(r.bad);
  assert_false(pl__rd_more(&r));
  pl__buf_free(&b);
}

static void missing_trailing_fields_read_as_defaults(void **state) {
  (void)state;
  pl__buf b = {0};
  pl__buf_svar(&b, 7);
  pl__rd r;
  pl__rd_init(&r, b.p, b.n);
  assert_int_equal(pl__rd_svar(&r), 7);
  assert_int_equal(pl__rd_svar(&r), 0); /* field added later */
  char s[8] = "x";
  pl__rd_str(&r, s, sizeof s);
  assert_string_equal(s, "");
  assert_false(r.bad);
  pl__buf_free(&b);
}

static void truncated_and_oversized_input_is_rejected(void **state) {
  (void)state;
  const unsigned char trunc_varint[] = {0x80, 0x80};
  pl__rd r;
  pl__rd_init(&r, trunc_varint, sizeof trunc_varint);
  pl__rd_uvar(&r);
  assert_true(r.bad);

  const unsigned char long_str[] = {0x7f, 'a', 'b'}; /* claims 127 bytes */
  char s[200];
  pl__rd_init(&r, long_str, sizeof long_str);
  pl__rd_str(&r, s, sizeof s);
  assert_true(r.bad);

  const unsigned char too_big[] = {0x05, 'a', 'b', 'c', 'd', 'e'};
  char small[4];
  pl__rd_init(&r, too_big, sizeof too_big);
  pl__rd_str(&r, small, sizeof small);
  assert_true(r.bad);

  const unsigned char eleven[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0x01};
  pl__rd_init(&r, eleven, sizeof eleven);
  pl__rd_uvar(&r);
  assert_true(r.bad);
}

static void strmap_finds_every_key_after_growth(void **state) {
  (void)state;
  enum { N = 5000 };
  static char keys[N][16];
  pl__strmap m = {0};
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "K%d", i * 7);
    assert_int_equal(pl__strmap_put(&m, keys[i], i), 0);
  }
  for (int i = 0; i < N; i++)
    assert_int_equal(pl__strmap_get(&m, keys[i]), i);
  assert_int_equal(pl__strmap_get(&m, "K1"), -1);
  assert_int_equal(pl__strmap_get(&m, ""), -1);
  assert_true(m.n * 4 <= m.cap * 3);
  pl__strmap_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(varints_round_trip),
      cmocka_unit_test(missing_trailing_fields_read_as_defaults),
      cmocka_unit_test(truncated_and_oversized_input_is_rejected),
      cmocka_unit_test(strmap_finds_every_key_after_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
