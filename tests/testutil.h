/* testutil.h — shared helpers for the C tests: a fresh RocksDB directory
 * per test, a fake clock, and opening an engine on them. Tests run under
 * cmocka (stdarg.h/setjmp.h must come before cmocka.h). */
#ifndef PL_TESTUTIL_H
#define PL_TESTUTIL_H

/* cmocka needs these three first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pitlane/admin.h"
#include "pitlane/demo.h"
#include "pitlane/pitlane.h"
#include "pitlane/workorders.h"

typedef struct test_clock {
  int64_t now_ms;
} test_clock;

static inline int64_t test_clock_now(void *arg) {
  return ((test_clock *)arg)->now_ms;
}

/* A new empty directory under TMPDIR; caller frees. */
static inline char *test_tempdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[512];
  snprintf(tmpl, sizeof tmpl, "%s/pitlane-test-XXXXXX", base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

static inline int test_rm_one(const char *p, const struct stat *sb, int flag,
                              struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static inline void test_rmrf(char *dir) {
  nftw(dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

static inline pl_engine *test_open(const char *dir, test_clock *clk) {
  pl_config cfg = {.path = dir, .clock = test_clock_now, .clock_arg = clk};
  pl_engine *e = NULL;
  pl_error err = {0};
  int rc = pl_engine_open(&cfg, &e, &err);
  if (rc != 0)
    fail_msg("pl_engine_open: %s (%s)", pl_err_name(rc), err.msg);
  return e;
}

/* The fixture most engine tests share: a fresh directory, the fake clock
 * and an engine on them. */
typedef struct test_fx {
  char *dir;
  test_clock clk;
  pl_engine *e;
} test_fx;

/* A new fixture, its clock at now_ms; with demo, the demo chain loaded. */
static inline test_fx *test_fx_new(int64_t now_ms, int demo) {
  test_fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->dir = test_tempdir();
  f->clk.now_ms = now_ms;
  f->e = test_open(f->dir, &f->clk);
  pl_error err = {0};
  if (demo && pl_demo_load(f->e, &err) != 0)
    fail_msg("demo: %s", err.msg);
  return f;
}

/* A cmocka teardown for the test_fx in *state: engine closed, directory
 * removed. */
static inline int test_fx_teardown(void **state) {
  test_fx *f = *state;
  pl_engine_close(f->e);
  test_rmrf(f->dir);
  free(f);
  return 0;
}

/* A restart: the engine closed and opened again on the same directory. */
static inline void test_fx_reopen(test_fx *f) {
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
}

/* Creates chain `chain` with one store `store`. */
static inline void test_chain_with_store(pl_engine *e, const char *chain,
                                         const char *store) {
  pl_chain_info c = {0};
  strcpy(c.code, chain);
  strcpy(c.name, "test chain");
  assert_int_equal(pl_chain_create(e, &c, NULL, NULL, NULL, NULL), 0);
  pl_store_info s = {0};
  strcpy(s.chain, chain);
  strcpy(s.code, store);
  strcpy(s.name, "test store");
  s.utc_offset_min = 480;
  assert_int_equal(pl_store_create(e, &s, NULL, NULL, NULL, NULL), 0);
}

/* A fixture without demo data whose engine has chain `chain` with one
 * store `store` (test_chain_with_store); tear down with test_fx_teardown. */
static inline test_fx *test_fx_with_store(int64_t now_ms, const char *chain,
                                          const char *store) {
  test_fx *f = test_fx_new(now_ms, 0);
  test_chain_with_store(f->e, chain, store);
  return f;
}

/* A work-order item: qty of part `part`. */
static inline pl_wo_item_in test_part_item(const char *part, int64_t qty) {
  pl_wo_item_in it = {.kind = PL_ITEM_PART, .qty = qty};
  snprintf(it.part_no, sizeof it.part_no, "%s", part);
  return it;
}

/* A work-order item: the labour of service `svc`. */
static inline pl_wo_item_in test_labour_item(const char *svc) {
  pl_wo_item_in it = {.kind = PL_ITEM_LABOUR};
  snprintf(it.service, sizeof it.service, "%s", svc);
  return it;
}

#endif
