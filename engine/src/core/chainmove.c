/* core/chainmove.c — export, import and drop of one chain's key range (see
 * pitlane/chainmove.h). The RocksDB side is core/db.c (an SST writer over an
 * iterator, ingestion, a range delete in a committed batch); the memory
 * side reuses recovery: pl__load_range over the chain's range runs the
 * same loaders as pl_engine_open. */
#include "pitlane/chainmove.h"

#include <string.h>

#include "base/validate.h"
#include "core/internal.h"
#include "core/rowwrite.h"

size_t pl_chain_range(const char *chain, char *lo, char *hi) {
  size_t n = strlen(chain);
  memcpy(lo, chain, n + 1); /* with its 0x00 */
  memcpy(hi, chain, n + 1);
  hi[n] = 1;
  return n + 1;
}

/* Queues batch (may be empty; consumed) and waits until it and everything
 * before it is durable. */
static int commit_wait(pl_engine *e, pl__batch *b) {
  pl__sync sync;
  int rc = pl__write_batch(e, NULL, b, NULL, NULL, &sync, NULL);
  return pl__write_finish(rc, rc == 0, NULL, &sync, NULL);
}

/* The arguments of an export or import: a chain code and a file path. */
static int check_move(const char *chain, const char *path, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0 && (path == NULL || path[0] == '\0'))
    rc = PL__FAIL(err, PL_EINVAL, "path: required");
  return rc;
}

int pl_chain_export(pl_engine *e, const char *chain, const char *path,
                    pl_chain_range_info *out, pl_error *err) {
  int rc = check_move(chain, path, err);
  if (rc != 0)
    return rc;
  if (pl__chain_find(e, chain) == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "chain: '%s' not found", chain);
  pl__batch none = {0};
  rc = commit_wait(e, &none);
  if (rc != 0)
    return PL__FAIL(err, rc, "chain: flushing the commit queue: %s",
                    pl_strerror(rc));
  char lo[PL_CODE_MAX + 1], hi[PL_CODE_MAX + 1];
  size_t n = pl_chain_range(chain, lo, hi);
  pl_chain_range_info info = {0};
  rc = pl__db_export_range(e->db, lo, n, hi, n, path, &info.rows, &info.bytes,
                           err);
  if (rc == PL_ENOTFOUND)
    return PL__FAIL(err, rc, "chain: '%s' has no stored rows", chain);
  if (rc == 0 && out != NULL)
    *out = info;
  return rc;
}

/* Deletes the range durably. */
static int delete_range(pl_engine *e, const char *chain) {
  char lo[PL_CODE_MAX + 1], hi[PL_CODE_MAX + 1];
  size_t n = pl_chain_range(chain, lo, hi);
  pl__batch b = {0};
  pl__batch_del_range(&b, lo, n, hi, n);
  return commit_wait(e, &b);
}

int pl_chain_import(pl_engine *e, const char *chain, const char *path,
                    pl_chain_range_info *out, pl_error *err) {
  int rc = check_move(chain, path, err);
  if (rc != 0)
    return rc;
  if (pl__chain_find(e, chain) != NULL)
    return PL__FAIL(err, PL_EEXIST, "chain: '%s' is already on this node",
                    chain);
  /* Leftovers of an earlier stay (a drop is durable, so normally none). */
  rc = delete_range(e, chain);
  if (rc == 0)
    rc = pl__db_ingest(e->db, path, err);
  if (rc != 0)
    return PL__FAIL(err, rc, "chain: ingest of %s failed: %s", path,
                    pl_strerror(rc));
  char lo[PL_CODE_MAX + 1], hi[PL_CODE_MAX + 1];
  size_t n = pl_chain_range(chain, lo, hi);
  rc = pl__load_range(e, lo, n, hi, n, err);
  if (rc == 0 && pl__chain_find(e, chain) == NULL)
    rc = PL__FAIL(err, PL_EINVAL, "chain: %s holds no chain '%s'", path, chain);
  if (rc != 0) { /* leave nothing half-loaded behind */
    pl__chain_retire(e, chain);
    delete_range(e, chain);
    return rc;
  }
  if (out != NULL) {
    pl__db_iter *it = pl__db_iter_new(e->db);
    memset(out, 0, sizeof *out);
    for (pl__db_iter_seek(it, lo, n); it != NULL && pl__db_iter_valid(it);
         pl__db_iter_next(it)) {
      size_t kl, vl;
      const unsigned char *k = pl__db_iter_key(it, &kl);
      if (kl < n || memcmp(k, hi, n) >= 0)
        break;
      pl__db_iter_value(it, &vl);
      out->rows++;
      out->bytes += (int64_t)(kl + vl);
    }
    pl__db_iter_free(it);
  }
  return 0;
}

int pl_chain_drop(pl_engine *e, const char *chain, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  if (pl__chain_find(e, chain) == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "chain: '%s' not found", chain);
  rc = delete_range(e, chain);
  if (rc != 0)
    return PL__FAIL(err, rc, "chain: dropping '%s': %s", chain,
                    pl_strerror(rc));
  rc = pl__chain_retire(e, chain);
  return rc == PL_ENOTFOUND ? 0 : rc;
}
