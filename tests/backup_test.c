/* backup_test.c — online backups and restores (pitlane/backup.h): a backup
 * is an exact cut with its ledger heads, incremental, listed, verified,
 * purged to keep N, restored into a new directory only, and a damaged
 * backup fails verification. The end-to-end drill under load is
 * tests/e2e/restore_drill.test.js. */
#include "testutil.h"

#include "pitlane/backup.h"
#include "pitlane/inventory.h"

static void receive(pl_engine *e, int64_t qty, uint64_t *seq) {
  pl_move_req m = {.chain = "demo",
                   .warehouse = "DC-EAST",
                   .part_no = "OF-1001",
                   .qty = qty,
                   .actor = "t",
                   .unit_cost_fen = 100};
  pl_movement mv;
  pl_error err = {0};
  int rc = pl_stock_receive(e, &m, NULL, NULL, &mv, &err);
  if (rc != 0)
    fail_msg("receive: %s", err.msg);
  *seq = mv.seq;
}

static int64_t on_hand(pl_engine *e) {
  pl_stock_info s;
  pl_error err = {0};
  assert_int_equal(pl_stock_get(e, "demo", "DC-EAST", "OF-1001", &s, &err), 0);
  return s.on_hand;
}

static uint64_t head_of(const pl_backup_info *b, const char *chain) {
  for (int i = 0; i < b->n_chains; i++)
    if (strcmp(b->chains[i].chain, chain) == 0)
      return b->chains[i].seq;
  fail_msg("no head for %s", chain);
  return 0;
}

static void backup_restore_roundtrip(void **state) {
  test_fx *f = test_fx_new(1767225600000, 1);
  *state = f;
  char *bk = test_tempdir();
  pl_error err = {0};
  uint64_t s1, s2;
  receive(f->e, 5, &s1);
  int64_t at_backup = on_hand(f->e);
  pl_backup_info b1;
  assert_int_equal(pl_backup_create(f->e, bk, 0, &b1, &err), 0);
  assert_int_equal(b1.id, 1);
  assert_int_equal(head_of(&b1, "demo"), s1); /* the last write is the head */
  assert_true(b1.n_files > 0 && b1.size_bytes > 0);
  receive(f->e, 7, &s2);
  assert_true(s2 > s1);
  pl_backup_info b2;
  assert_int_equal(pl_backup_create(f->e, bk, 0, &b2, &err), 0);
  assert_int_equal(head_of(&b2, "demo"), s2);

  pl_backup_info *l = NULL;
  int n = 0;
  assert_int_equal(pl_backup_list(bk, &l, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(l[0].id, 1);
  assert_int_equal(head_of(&l[0], "demo"), s1);
  assert_true(l[0].began_ms > 0 && l[0].ended_ms >= l[0].began_ms);
  pl_backup_list_free(l, n);
  assert_int_equal(pl_backup_verify(bk, 0, &err), 0);
  assert_int_equal(pl_backup_verify(bk, 9, &err), PL_ENOTFOUND);
  char *scratch0 = test_tempdir();
  assert_int_equal(pl_backup_verify_deep(bk, 0, scratch0, &err), 0);
  test_rmrf(scratch0);

  /* restore backup 1: the first receipt, not the second */
  char *to = test_tempdir();
  assert_int_equal(pl_backup_restore(bk, 1, to, &err), 0);
  test_clock clk = f->clk;
  pl_engine *r = test_open(to, &clk);
  assert_int_equal(on_hand(r), at_backup);
  assert_int_equal(pl_stock_verify_ledger(r, "demo", &err), 0);
  pl_engine_close(r);
  /* a non-empty target is refused */
  assert_int_equal(pl_backup_restore(bk, 0, to, &err), PL_EEXIST);
  test_rmrf(to);
  /* the newest by default */
  to = test_tempdir();
  assert_int_equal(pl_backup_restore(bk, 0, to, &err), 0);
  r = test_open(to, &clk);
  assert_int_equal(on_hand(r), at_backup + 7);
  pl_engine_close(r);
  test_rmrf(to);

  /* keep 1: only backup 3 stays, and its sidecar */
  pl_backup_info b3;
  assert_int_equal(pl_backup_create(f->e, bk, 1, &b3, &err), 0);
  assert_int_equal(pl_backup_list(bk, &l, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_int_equal(l[0].id, 3);
  assert_int_equal(head_of(&l[0], "demo"), s2);
  pl_backup_list_free(l, n);
  char p[4200];
  snprintf(p, sizeof p, "%s/pitlane/1.ledger", bk);
  assert_int_equal(access(p, F_OK), -1);
  assert_int_equal(pl_backup_purge(bk, 0, &err), PL_EINVAL);
  to = test_tempdir();
  assert_int_equal(pl_backup_restore(bk, 1, to, &err), PL_ENOTFOUND);
  test_rmrf(to);

  /* a damaged backup fails verification */
  snprintf(p, sizeof p, "%s/meta/3", bk);
  assert_int_equal(access(p, F_OK), 0);
  FILE *fp = fopen(p, "r");
  assert_non_null(fp);
  char line[512], victim[4400] = "";
  while (fgets(line, sizeof line, fp) != NULL)
    if (strncmp(line, "shared_checksum/", 16) == 0) {
      line[strcspn(line, " \n")] = '\0';
      snprintf(victim, sizeof victim, "%s/%s", bk, line);
      break;
    }
  fclose(fp);
  assert_true(victim[0] != '\0');
  FILE *w = fopen(victim, "a");
  assert_non_null(w);
  fputs("garbage", w);
  fclose(w);
  char *scratch = test_tempdir();
  assert_int_equal(pl_backup_verify_deep(bk, 3, scratch, &err), PL_ECORRUPT);
  /* and a missing file fails the quick check too */
  assert_int_equal(remove(victim), 0);
  assert_int_not_equal(pl_backup_verify(bk, 3, &err), 0);
  test_rmrf(scratch);

  pl_backup_info_free(&b1);
  pl_backup_info_free(&b2);
  pl_backup_info_free(&b3);
  test_rmrf(bk);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(backup_restore_roundtrip, test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
