/* auth_test.c — the engine's API key store (pitlane/apikeys.h): create,
 * verify, revoke, list, persistence across a reopen on a real RocksDB
 * directory, and that only the secret's hash reaches the disk. */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>

#include "pitlane/apikeys.h"

static pl_apikey_info chain_key(const char *chain, uint32_t roles) {
  pl_apikey_info k = {0};
  k.tenant_kind = PL_TENANT_CHAIN;
  strcpy(k.tenant, chain);
  k.roles = roles;
  strcpy(k.label, "test key");
  return k;
}

/* The secret part of a token ("pl_<id>_<secret>"). */
static const char *secret_of(const char *token) {
  const char *s = strrchr(token, '_');
  assert_non_null(s);
  return s + 1;
}

static void a_created_key_verifies_and_names_its_tenant(void **state) {
  (void)state;
  char *dir = test_tempdir();
  test_clock clk = {1700000000000};
  pl_engine *e = test_open(dir, &clk);
  pl_apikey_info in = chain_key("acme", PL_ROLE_ADVISOR | PL_ROLE_VIEWER);
  pl_apikey_info out;
  char token[PL_KEY_TOKEN_MAX];
  pl_error err = {0};
  assert_int_equal(
      pl_apikey_create(e, &in, NULL, &out, token, sizeof token, &err), 0);
  assert_int_equal(strlen(out.key_id), PL_KEY_ID_LEN);
  assert_true(strncmp(token, "pl_", 3) == 0);
  assert_true(strncmp(token + 3, out.key_id, PL_KEY_ID_LEN) == 0);
  assert_true(strlen(secret_of(token)) >= 64); /* >= 32 random bytes */
  /* a chain key's chain is its own */
  assert_int_equal(out.n_chains, 1);
  assert_string_equal(out.chains[0], "acme");
  assert_int_equal(out.created_ms, clk.now_ms);

  char id[PL_KEY_ID_MAX];
  pl_apikey_info got;
  assert_int_equal(pl_apikey_verify(e, token, strlen(token), id, &got), 0);
  assert_string_equal(id, out.key_id);
  assert_string_equal(got.tenant, "acme");
  assert_int_equal(got.tenant_kind, PL_TENANT_CHAIN);
  assert_int_equal(got.roles, PL_ROLE_ADVISOR | PL_ROLE_VIEWER);
  pl_engine_close(e);
  test_rmrf(dir);
}

static void a_wrong_secret_or_malformed_token_does_not_verify(void **state) {
  (void)state;
  char *dir = test_tempdir();
  test_clock clk = {1700000000000};
  pl_engine *e = test_open(dir, &clk);
  pl_apikey_info in = chain_key("acme", PL_ROLE_ADMIN);
  char token[PL_KEY_TOKEN_MAX];
  assert_int_equal(
      pl_apikey_create(e, &in, NULL, NULL, token, sizeof token, NULL), 0);
  size_t n = strlen(token);
  char bad[PL_KEY_TOKEN_MAX];
  memcpy(bad, token, n + 1);
  bad[n - 1] = bad[n - 1] == '0' ? '1' : '0'; /* last secret digit */
  assert_int_equal(pl_apikey_verify(e, bad, n, NULL, NULL), PL_ENOTFOUND);
  assert_int_equal(pl_apikey_verify(e, token, n - 1, NULL, NULL), PL_ENOTFOUND);
  assert_int_equal(pl_apikey_verify(e, "garbage", 7, NULL, NULL), PL_ENOTFOUND);
  assert_int_equal(pl_apikey_verify(e, "", 0, NULL, NULL), PL_ENOTFOUND);
  memcpy(bad, token, n + 1);
  bad[3] = bad[3] == 'a' ? 'b' : 'a'; /* another key id, same secret */
  assert_int_equal(pl_apikey_verify(e, bad, n, NULL, NULL), PL_ENOTFOUND);
  assert_int_equal(pl_apikey_verify(e, token, n, NULL, NULL), 0);
  pl_engine_close(e);
  test_rmrf(dir);
}

static void a_revoked_key_stops_verifying_at_once(void **state) {
  (void)state;
  char *dir = test_tempdir();
  test_clock clk = {1700000000000};
  pl_engine *e = test_open(dir, &clk);
  pl_apikey_info in = chain_key("acme", PL_ROLE_ADMIN), out;
  char token[PL_KEY_TOKEN_MAX];
  assert_int_equal(
      pl_apikey_create(e, &in, NULL, &out, token, sizeof token, NULL), 0);
  assert_int_equal(pl_apikey_revoke(e, out.key_id, NULL, NULL, NULL), 0);
  assert_int_equal(pl_apikey_verify(e, token, strlen(token), NULL, NULL),
                   PL_ENOTFOUND);
  /* revoking twice is fine; an unknown id is not found */
  pl_apikey_info again;
  assert_int_equal(pl_apikey_revoke(e, out.key_id, NULL, &again, NULL), 0);
  assert_true(again.revoked);
  pl_error err = {0};
  assert_int_equal(pl_apikey_revoke(e, "000000000000", NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "key_id"));
  pl_engine_close(e);
  test_rmrf(dir);
}

static void invalid_keys_are_refused_naming_the_field(void **state) {
  (void)state;
  char *dir = test_tempdir();
  test_clock clk = {1700000000000};
  pl_engine *e = test_open(dir, &clk);
  char token[PL_KEY_TOKEN_MAX];
  pl_error err = {0};
  static const struct {
    pl_tenant_kind kind;
    const char *tenant, *chain;
    uint32_t roles;
    const char *field;
  } cases[] = {
      {(pl_tenant_kind)9, "x", NULL, PL_ROLE_ADMIN, "key.tenant_kind"},
      {PL_TENANT_CHAIN, "", NULL, PL_ROLE_ADMIN, "key.tenant"},
      {PL_TENANT_CHAIN, "acme", "other", PL_ROLE_ADMIN, "key.chains"},
      {PL_TENANT_PLATFORM, "ops", "acme", PL_ROLE_ADMIN, "key.chains"},
      {PL_TENANT_INSURER, "pingan", NULL, PL_ROLE_INSURER, "key.chains"},
      {PL_TENANT_CHAIN, "acme", NULL, 0, "key.roles"},
      {PL_TENANT_CHAIN, "acme", NULL, 1u << 12, "key.roles"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pl_apikey_info k = {0};
    k.tenant_kind = cases[i].kind;
    strcpy(k.tenant, cases[i].tenant);
    if (cases[i].chain != NULL) {
      strcpy(k.chains[0], cases[i].chain);
      k.n_chains = 1;
    }
    k.roles = cases[i].roles;
    assert_int_equal(
        pl_apikey_create(e, &k, NULL, NULL, token, sizeof token, &err),
        PL_EINVAL);
    if (strstr(err.msg, cases[i].field) == NULL)
      fail_msg("case %zu: '%s' does not name %s", i, err.msg, cases[i].field);
    assert_string_equal(token, "");
  }
  pl_apikey_info k = chain_key("acme", PL_ROLE_ADMIN);
  k.rate_per_s = -1;
  assert_int_equal(
      pl_apikey_create(e, &k, NULL, NULL, token, sizeof token, &err),
      PL_EINVAL);
  assert_non_null(strstr(err.msg, "key.rate_per_s"));
  assert_int_equal(pl_apikey_list(e, NULL, 0), 0);
  pl_engine_close(e);
  test_rmrf(dir);
}

/* Reads every file under dir into one buffer (RocksDB's WAL, SSTs,
 * manifest: wherever a secret could have gone). */
static void slurp(const char *dir, char **buf, size_t *n) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    *buf = realloc(*buf, *n + (size_t)st.st_size + 1);
    assert_non_null(*buf);
    *n += fread(*buf + *n, 1, (size_t)st.st_size, f);
    fclose(f);
  }
  closedir(d);
}

static int contains(const char *hay, size_t n, const char *needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(hay + i, needle, m) == 0)
      return 1;
  return 0;
}

static void keys_survive_a_reopen_and_only_their_hash_is_stored(void **state) {
  (void)state;
  char *dir = test_tempdir();
  test_clock clk = {1700000000000};
  pl_engine *e = test_open(dir, &clk);
  test_chain_with_store(e, "acme", "S1");
  pl_apikey_info ins = {0}, kept, gone;
  ins.tenant_kind = PL_TENANT_INSURER;
  strcpy(ins.tenant, "pingan");
  strcpy(ins.chains[0], "acme");
  strcpy(ins.chains[1], "zeta");
  ins.n_chains = 2;
  ins.roles = PL_ROLE_INSURER;
  ins.rate_per_s = 5;
  strcpy(ins.label, "insurer gateway");
  char t1[PL_KEY_TOKEN_MAX], t2[PL_KEY_TOKEN_MAX];
  assert_int_equal(pl_apikey_create(e, &ins, NULL, &kept, t1, sizeof t1, NULL),
                   0);
  assert_int_equal(kept.burst, 5); /* defaults to the rate */
  pl_apikey_info ck = chain_key("acme", PL_ROLE_CLERK);
  assert_int_equal(pl_apikey_create(e, &ck, NULL, &gone, t2, sizeof t2, NULL),
                   0);
  assert_int_equal(pl_apikey_revoke(e, gone.key_id, NULL, NULL, NULL), 0);
  pl_engine_close(e);

  /* Nothing on disk holds a secret (WAL, SSTs, whatever RocksDB wrote). */
  char *raw = NULL;
  size_t n = 0;
  slurp(dir, &raw, &n);
  assert_true(n > 0);
  assert_false(contains(raw, n, secret_of(t1)));
  assert_false(contains(raw, n, secret_of(t2)));
  assert_true(contains(raw, n, kept.key_id)); /* the row itself is there */
  free(raw);

  e = test_open(dir, &clk);
  assert_int_equal(pl_apikey_verify(e, t1, strlen(t1), NULL, NULL), 0);
  assert_int_equal(pl_apikey_verify(e, t2, strlen(t2), NULL, NULL),
                   PL_ENOTFOUND);
  pl_apikey_info list[4];
  assert_int_equal(pl_apikey_list(e, list, 4), 2);
  assert_true(strcmp(list[0].key_id, list[1].key_id) < 0);
  pl_apikey_info got;
  assert_int_equal(pl_apikey_get(e, kept.key_id, &got, NULL), 0);
  assert_int_equal(got.tenant_kind, PL_TENANT_INSURER);
  assert_string_equal(got.tenant, "pingan");
  assert_int_equal(got.n_chains, 2);
  assert_string_equal(got.chains[1], "zeta");
  assert_int_equal(got.roles, PL_ROLE_INSURER);
  assert_int_equal(got.rate_per_s, 5);
  assert_string_equal(got.label, "insurer gateway");
  assert_false(got.revoked);
  assert_int_equal(pl_apikey_get(e, gone.key_id, &got, NULL), 0);
  assert_true(got.revoked);
  /* the chain's own rows are still there, and new keys keep coming */
  pl_chain_info c;
  assert_int_equal(pl_chain_get(e, "acme", &c, NULL), 0);
  assert_int_equal(c.stores, 1);
  char t3[PL_KEY_TOKEN_MAX];
  assert_int_equal(pl_apikey_create(e, &ck, NULL, NULL, t3, sizeof t3, NULL),
                   0);
  pl_engine_close(e);
  e = test_open(dir, &clk);
  assert_int_equal(pl_apikey_list(e, NULL, 0), 3);
  assert_int_equal(pl_apikey_verify(e, t3, strlen(t3), NULL, NULL), 0);
  pl_engine_close(e);
  test_rmrf(dir);
}

static void names_round_trip(void **state) {
  (void)state;
  for (int i = 0; i < PL_ROLE_COUNT; i++)
    assert_int_equal(pl_role_parse(pl_role_name(1u << i)), 1u << i);
  assert_int_equal(pl_role_parse("root"), 0);
  assert_null(pl_role_name(3));
  for (int k = 1; k <= PL_TENANT_KIND_MAX; k++)
    assert_int_equal(pl_tenant_kind_parse(pl_tenant_kind_name(k)), k);
  assert_int_equal(pl_tenant_kind_parse("bank"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_created_key_verifies_and_names_its_tenant),
      cmocka_unit_test(a_wrong_secret_or_malformed_token_does_not_verify),
      cmocka_unit_test(a_revoked_key_stops_verifying_at_once),
      cmocka_unit_test(invalid_keys_are_refused_naming_the_field),
      cmocka_unit_test(keys_survive_a_reopen_and_only_their_hash_is_stored),
      cmocka_unit_test(names_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
