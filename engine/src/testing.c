/* testing.c — pitlane/testing.h: engine internals for tests and benchmarks.
 *
 * It reaches into several subsystems' private headers on purpose, so that
 * tests and benchmarks do not (see testing.h for why each function
 * exists). Nothing in the engine or the server calls it. */
#include "pitlane/testing.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/keys.h"
#include "core/observe.h"
#include "kpi/kpi_xs.h"
#include "scheduling/sched_int.h"
#include "workorders/wo_int.h"

size_t pl_testing_booking_bytes(void) {
  return sizeof(pl__booking);
}

size_t pl_testing_day_bytes(void) {
  return sizeof(pl__day);
}

int pl_testing_kpi_booking(pl_engine *e, const pl_booking_info *b) {
  pl__chain *c = pl__chain_find(e, b->chain);
  if (c == NULL)
    return PL_ENOTFOUND;
  pl__kpi_booking(c, b);
  return 0;
}

int pl_testing_kpi_wo(pl_engine *e, const pl_work_order *w) {
  pl__chain *c = pl__chain_find(e, w->chain);
  if (c == NULL)
    return PL_ENOTFOUND;
  pl__kpi_wo(c, w);
  return 0;
}

int pl_testing_kpi_followup(pl_engine *e, const pl_followup *f) {
  pl__chain *c = pl__chain_find(e, f->chain);
  if (c == NULL)
    return PL_ENOTFOUND;
  pl__kpi_followup(c, f);
  return 0;
}

int pl_testing_kpi_complaint(pl_engine *e, const pl_complaint *x) {
  pl__chain *c = pl__chain_find(e, x->chain);
  if (c == NULL)
    return PL_ENOTFOUND;
  pl__kpi_complaint(c, x);
  return 0;
}

int pl_testing_kpi_movement(pl_engine *e, const pl_movement *m) {
  pl__chain *c = pl__chain_find(e, m->chain);
  if (c == NULL)
    return PL_ENOTFOUND;
  pl__kpi_movement(c, m);
  return 0;
}

int pl_testing_kpi_replay_ledger(pl_engine *e, const char *chain,
                                 pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  if (c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "chain: no chain '%s'", chain);
  return pl__observe_replay_ledger(e, c, UINT64_MAX, err);
}

pl_testing_vin_index *pl_testing_vin_index_of(pl_engine *e, const char *chain) {
  pl__chain *c = pl__chain_find(e, chain);
  return c == NULL ? NULL : (pl_testing_vin_index *)pl__wo_of(c);
}

int pl_testing_ids_by_vin(pl_testing_vin_index *ix, const char *vin,
                          int64_t *ids, int cap) {
  pl__wo_chain *wc = (pl__wo_chain *)ix;
  pthread_rwlock_rdlock(&wc->lock);
  int n = pl__wo_ids_by_vin(wc, vin, ids, cap);
  pthread_rwlock_unlock(&wc->lock);
  return n;
}

/* The key of (chain, kind, id) in k. */
static void row_key(pl__buf *k, const char *chain, unsigned kind, int64_t id) {
  pl__key_prefix(k, chain, kind);
  pl__buf_be64(k, (uint64_t)id);
}

int pl_testing_row_get(const char *dir, const char *chain, unsigned kind,
                       int64_t id, unsigned char **val, size_t *n,
                       pl_error *err) {
  pl__db *db = NULL;
  int rc = pl__db_open(dir, 1, &db, err);
  if (rc != 0)
    return rc;
  pl__buf k = {0}, v = {0};
  row_key(&k, chain, kind, id);
  rc = k.oom ? PL_ENOMEM : pl__db_get(db, k.p, k.n, &v, err);
  *val = NULL;
  *n = 0;
  if (rc == 0) {
    *val = malloc(v.n ? v.n : 1);
    if (*val == NULL) {
      rc = PL_ENOMEM;
    } else {
      if (v.n > 0)
        memcpy(*val, v.p, v.n);
      *n = v.n;
    }
  }
  pl__buf_free(&k);
  pl__buf_free(&v);
  pl__db_close(db);
  return rc;
}

int pl_testing_row_put(const char *dir, const char *chain, unsigned kind,
                       int64_t id, const unsigned char *val, size_t n,
                       pl_error *err) {
  pl__db *db = NULL;
  int rc = pl__db_open(dir, 1, &db, err);
  if (rc != 0)
    return rc;
  pl__buf k = {0};
  row_key(&k, chain, kind, id);
  pl__batch b = {0};
  pl__batch_put(&b, k.p, k.n, val, n);
  pl__batch *bs[1] = {&b};
  rc = k.oom || b.ops.oom ? PL_ENOMEM : pl__db_write(db, bs, 1, err);
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__db_close(db);
  return rc;
}
