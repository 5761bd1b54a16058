/* Persistence: what was acknowledged is there after close and reopen,
 * field for field, and writes made from many threads at once through the
 * asynchronous (group commit) path are all durable when their callbacks
 * say so. */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>

#include "pitlane/demo.h"
#include "testutil.h"

#include <sys/stat.h>

typedef struct snapshot {
  pl_chain_info chain;
  pl_store_info stores[8];
  pl_warehouse_info whs[8];
  pl_bay_info bays[16];
  pl_technician_info techs[16];
  pl_part_info parts[16];
  int n_stores, n_whs, n_bays, n_techs;
} snapshot;

static void take(pl_engine *e, snapshot *s) {
  memset(s, 0, sizeof *s);
  assert_int_equal(pl_chain_get(e, PL_DEMO_CHAIN, &s->chain, NULL), 0);
  s->n_stores = pl_store_list(e, PL_DEMO_CHAIN, s->stores, 8, NULL);
  s->n_whs = pl_warehouse_list(e, PL_DEMO_CHAIN, s->whs, 8, NULL);
  s->n_bays = pl_bay_list(e, PL_DEMO_CHAIN, "SH01", s->bays, 16, NULL);
  s->n_techs = pl_technician_list(e, PL_DEMO_CHAIN, "SH02", s->techs, 16, NULL);
  for (int i = 0; i < 16; i++) {
    char no[PL_CODE_MAX];
    snprintf(no, sizeof no, "P%d", i);
    pl_part_get(e, PL_DEMO_CHAIN, no, &s->parts[i], NULL);
  }
}

/* Field-by-field comparison: struct padding is not part of the contract. */
static void same_snapshot(const snapshot *a, const snapshot *b) {
  assert_string_equal(a->chain.code, b->chain.code);
  assert_string_equal(a->chain.name, b->chain.name);
  assert_true(a->chain.created_ms == b->chain.created_ms);
  assert_int_equal(a->chain.stores, b->chain.stores);
  assert_int_equal(a->chain.warehouses, b->chain.warehouses);
  assert_int_equal(a->chain.bays, b->chain.bays);
  assert_int_equal(a->chain.technicians, b->chain.technicians);
  assert_int_equal(a->chain.parts, b->chain.parts);
  assert_int_equal(a->n_stores, b->n_stores);
  for (int i = 0; i < a->n_stores; i++) {
    const pl_store_info *x = &a->stores[i], *y = &b->stores[i];
    assert_string_equal(x->code, y->code);
    assert_string_equal(x->name, y->name);
    assert_int_equal(x->utc_offset_min, y->utc_offset_min);
    assert_int_equal(x->lat_e6, y->lat_e6);
    assert_int_equal(x->lng_e6, y->lng_e6);
    assert_true(x->created_ms == y->created_ms);
  }
  assert_int_equal(a->n_whs, b->n_whs);
  for (int i = 0; i < a->n_whs; i++) {
    assert_string_equal(a->whs[i].code, b->whs[i].code);
    assert_string_equal(a->whs[i].store, b->whs[i].store);
    assert_string_equal(a->whs[i].name, b->whs[i].name);
  }
  assert_int_equal(a->n_bays, b->n_bays);
  for (int i = 0; i < a->n_bays; i++) {
    assert_string_equal(a->bays[i].code, b->bays[i].code);
    assert_int_equal(a->bays[i].type, b->bays[i].type);
  }
  assert_int_equal(a->n_techs, b->n_techs);
  for (int i = 0; i < a->n_techs; i++) {
    const pl_technician_info *x = &a->techs[i], *y = &b->techs[i];
    assert_string_equal(x->code, y->code);
    assert_string_equal(x->name, y->name);
    assert_int_equal(x->n_skills, y->n_skills);
    for (int k = 0; k < x->n_skills; k++) {
      assert_int_equal(x->skills[k].skill, y->skills[k].skill);
      assert_int_equal(x->skills[k].level, y->skills[k].level);
    }
  }
  for (int i = 0; i < 16; i++) {
    const pl_part_info *x = &a->parts[i], *y = &b->parts[i];
    assert_string_equal(x->part_no, y->part_no);
    assert_string_equal(x->name, y->name);
    assert_string_equal(x->spec, y->spec);
    assert_string_equal(x->unit, y->unit);
    assert_int_equal(x->oem, y->oem);
    assert_true(x->purchase_fen == y->purchase_fen);
    assert_true(x->sale_fen == y->sale_fen);
  }
}

static void everything_acknowledged_is_there_after_reopen(void **st) {
  (void)st;
  char *dir = test_tempdir();
  test_clock clk = {1790000000000};
  pl_engine *e = test_open(dir, &clk);
  assert_int_equal(pl_demo_load(e, NULL), 0);
  for (int i = 0; i < 16; i++) {
    pl_part_info p = {.chain = PL_DEMO_CHAIN,
                      .oem = i % 2,
                      .purchase_fen = 100 * i,
                      .sale_fen = 150 * i};
    snprintf(p.part_no, sizeof p.part_no, "P%d", i);
    snprintf(p.name, sizeof p.name, "配件 %d", i);
    assert_int_equal(pl_part_create(e, &p, NULL, NULL, NULL, NULL), 0);
  }
  snapshot before, after;
  take(e, &before);
  assert_int_equal(before.n_stores, 2);
  assert_int_equal(before.n_whs, 3);
  pl_engine_close(e);

  clk.now_ms += 60000;
  e = test_open(dir, &clk);
  take(e, &after);
  same_snapshot(&before, &after);
  /* loading the demo again is a no-op */
  assert_int_equal(pl_demo_load(e, NULL), 0);
  take(e, &after);
  same_snapshot(&before, &after);
  pl_engine_close(e);
  test_rmrf(dir);
}

typedef struct writer {
  pl_engine *e;
  int id, n;
  atomic_int *acked, *failed;
} writer;

static void on_durable(void *arg, int rc) {
  writer *w = arg;
  atomic_fetch_add(rc == 0 ? w->acked : w->failed, 1);
}

static void *write_parts(void *arg) {
  writer *w = arg;
  pl_write pw = {on_durable, w};
  for (int i = 0; i < w->n; i++) {
    pl_part_info p = {.chain = PL_DEMO_CHAIN};
    snprintf(p.part_no, sizeof p.part_no, "W%d-%d", w->id, i);
    strcpy(p.name, "x");
    /* every 10th goes through the blocking path, the rest async */
    int rc = pl_part_create(w->e, &p, NULL, i % 10 ? &pw : NULL, NULL, NULL);
    if (rc != 0)
      atomic_fetch_add(w->failed, 1);
    else if (i % 10 == 0)
      atomic_fetch_add(w->acked, 1);
  }
  return NULL;
}

static void concurrent_group_commits_are_all_durable(void **st) {
  (void)st;
  enum { THREADS = 4, PER = 500 };
  char *dir = test_tempdir();
  test_clock clk = {1790000000000};
  pl_engine *e = test_open(dir, &clk);
  assert_int_equal(pl_demo_load(e, NULL), 0);
  pl_chain_info c0;
  assert_int_equal(pl_chain_get(e, PL_DEMO_CHAIN, &c0, NULL), 0);
  atomic_int acked = 0, failed = 0;
  pthread_t th[THREADS];
  writer w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (writer){e, i, PER, &acked, &failed};
    pthread_create(&th[i], NULL, write_parts, &w[i]);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  pl_engine_close(e); /* drains: every callback has fired after this */
  assert_int_equal(atomic_load(&failed), 0);
  assert_int_equal(atomic_load(&acked), THREADS * PER);

  e = test_open(dir, &clk);
  pl_chain_info c1;
  assert_int_equal(pl_chain_get(e, PL_DEMO_CHAIN, &c1, NULL), 0);
  assert_int_equal(c1.parts - c0.parts, THREADS * PER);
  pl_part_info p;
  assert_int_equal(pl_part_get(e, PL_DEMO_CHAIN, "W3-499", &p, NULL), 0);
  pl_engine_close(e);
  test_rmrf(dir);
}

static int calls;
static void count_call(void *arg, int rc) {
  (void)arg;
  (void)rc;
  calls++;
}

static void a_refused_write_never_calls_back(void **st) {
  (void)st;
  char *dir = test_tempdir();
  test_clock clk = {1};
  pl_engine *e = test_open(dir, &clk);
  pl_write w = {count_call, NULL};
  pl_chain_info c = {.code = "bad code", .name = "n"};
  assert_int_equal(pl_chain_create(e, &c, NULL, &w, NULL, NULL), PL_EINVAL);
  pl_engine_close(e);
  assert_int_equal(calls, 0);
  test_rmrf(dir);
}

static void a_missing_path_is_invalid(void **st) {
  (void)st;
  pl_config cfg = {0};
  pl_engine *e = (pl_engine *)&cfg;
  pl_error err;
  assert_int_equal(pl_engine_open(&cfg, &e, &err), PL_EINVAL);
  assert_null(e);
  assert_non_null(strstr(err.msg, "config.path"));
}

/* Asserts dir is 0700 and every regular file in it 0600; returns how many
 * files it saw. */
static int check_private(const char *dir) {
  struct stat st;
  assert_int_equal(stat(dir, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  DIR *d = opendir(dir);
  assert_non_null(d);
  int n = 0;
  const struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, ent->d_name);
    assert_int_equal(lstat(p, &st), 0);
    if (!S_ISREG(st.st_mode))
      continue;
    if ((st.st_mode & 0777) != 0600)
      fail_msg("%s: mode %o", p, (unsigned)(st.st_mode & 0777));
    n++;
  }
  closedir(d);
  return n;
}

/* Issue 19: under the usual umask 022 the data directory was 0755 and its
 * files 0644 (customers' names and phones readable by every local user).
 * Created or already there (0755, with a 0644 file in it), it is 0700 and
 * its files 0600 once the engine has opened it. */
static void the_data_directory_is_private_whatever_the_umask(void **st) {
  (void)st;
  mode_t old = umask(022);
  char *top = test_tempdir();
  char dir[600];
  snprintf(dir, sizeof dir, "%s/db", top); /* the engine creates it */
  test_clock clk = {.now_ms = 1795568400000LL};
  pl_engine *e = test_open(dir, &clk);
  pl_error err = {0};
  assert_int_equal(pl_demo_load(e, &err), 0);
  pl_engine_close(e);
  assert_true(check_private(dir) > 0);
  /* an existing directory made loose by someone else is tightened */
  assert_int_equal(chmod(dir, 0755), 0);
  char f[700];
  snprintf(f, sizeof f, "%s/stray", dir);
  FILE *fp = fopen(f, "w");
  assert_non_null(fp);
  fclose(fp);
  assert_int_equal(chmod(f, 0644), 0);
  e = test_open(dir, &clk);
  pl_engine_close(e);
  assert_true(check_private(dir) > 0);
  umask(old);
  test_rmrf(top);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(everything_acknowledged_is_there_after_reopen),
      cmocka_unit_test(concurrent_group_commits_are_all_durable),
      cmocka_unit_test(a_refused_write_never_calls_back),
      cmocka_unit_test(a_missing_path_is_invalid),
      cmocka_unit_test(the_data_directory_is_private_whatever_the_umask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
