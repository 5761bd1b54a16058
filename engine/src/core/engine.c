/* core/engine.c — the engine object: open (rebuild memory from RocksDB), close,
 * clock, chain lookups and the row loaders (from core/modules.h).
 *
 * Recovery reads every entity row once, in key order (core/keys.h puts parents
 * first), and for each chain seeks to its last ledger entry to continue the
 * sequence; ledger entries themselves are skipped, not read. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/validate.h"
#include "core/internal.h"
#include "core/keys.h"
#include "core/observe.h"
#include "kpi/kpi_xs.h"

static int64_t realtime_ms(void *arg) {
  (void)arg;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pl_engine_now_ms(const pl_engine *e) {
  return e->clock(e->clock_arg);
}

int pl_engine_failed(const pl_engine *e) {
  return atomic_load(&((pl_engine *)e)->failed);
}

int pl__write_finish(int rc, int queued, const pl_write *w, pl__sync *sync,
                     pl_error *err) {
  if (rc == 0 && queued && w == NULL)
    rc = pl__sync_wait(sync);
  if (rc == PL_EIO)
    return PL__FAIL(err, rc, "storage: write failed; engine now read-only");
  if (rc == PL_EUNAVAIL)
    return PL__FAIL(err, rc, "storage: engine is read-only after a failure");
  if (rc == PL_ENOMEM)
    return PL__FAIL(err, rc, "engine: out of memory");
  return rc;
}

pl__chain *pl__chain_find(pl_engine *e, const char *code) {
  pthread_rwlock_rdlock(&e->chains_lock);
  int32_t i = pl__strmap_get(&e->chain_ix, code);
  pl__chain *c = i >= 0 ? e->chains.items[i] : NULL;
  pthread_rwlock_unlock(&e->chains_lock);
  return c;
}

int pl__chain_known(pl_engine *e, const char *chain, pl__chain **c,
                    pl_error *err) {
  *c = pl__chain_find(e, chain);
  return *c != NULL
             ? 0
             : PL__FAIL(err, PL_ENOTFOUND, "chain: no chain '%s'", chain);
}

int pl__chain_lookup(pl_engine *e, const char *chain, pl__chain **c,
                     pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  return rc != 0 ? rc : pl__chain_known(e, chain, c, err);
}

/* Sets the chain's next ledger sequence from its last stored entry. */
static int recover_ledger_seq(pl_engine *e, pl__db_iter *it, pl__chain *c) {
  pl__buf k = {0};
  pl__key_ledger(&k, c->info.code, UINT64_MAX);
  if (k.oom)
    return PL_ENOMEM;
  pl__db_iter_seek_for_prev(it, k.p, k.n);
  size_t plen = k.n - 8;
  c->next_seq = 1;
  if (pl__db_iter_valid(it)) {
    size_t kl;
    const unsigned char *key = pl__db_iter_key(it, &kl);
    if (kl == k.n && memcmp(key, k.p, plen) == 0)
      c->next_seq = pl__be64_get(key + plen) + 1;
  }
  pl__buf_free(&k);
  (void)e;
  return 0;
}

/* Row loaders by key kind range, from the registry (core/modules.h). */
typedef int (*row_loader)(pl_engine *e, unsigned kind, const char *chain,
                          const unsigned char *rest, size_t rl,
                          const unsigned char *val, size_t vl, pl_error *err);
static const struct {
  unsigned lo, hi;
  row_loader load;
} loaders[] = {
#define PL__MOD_LOADER(ID, name, p, klo, khi, olo, ohi, rows, state)           \
  PL__IF_ROWS_##rows({klo, khi, pl__##p##_load}, )
    PL_MODULES(PL__MOD_LOADER)
#undef PL__MOD_LOADER
};

static int load_row(pl_engine *e, unsigned kind, const char *chain,
                    const unsigned char *rest, size_t rl,
                    const unsigned char *val, size_t vl, pl_error *err) {
  if (chain[0] == '\0' && kind != PL__K_APIKEY)
    return PL__FAIL(err, PL_ECORRUPT, "recovery: unknown global kind %u", kind);
  /* the global API key kind sits inside the admin range */
  if (kind == PL__K_APIKEY)
    return pl__apikey_load(e, kind, chain, rest, rl, val, vl, err);
  for (size_t i = 0; i < sizeof loaders / sizeof loaders[0]; i++)
    if (kind >= loaders[i].lo && kind <= loaders[i].hi)
      return loaders[i].load(e, kind, chain, rest, rl, val, vl, err);
  return PL__FAIL(err, PL_ECORRUPT, "recovery: chain '%s': unknown kind %u",
                  chain, kind);
}

/* The global ledger's next sequence number (API key changes). */
static int recover_global_seq(pl_engine *e) {
  pl__db_iter *it = pl__db_iter_new(e->db);
  if (it == NULL)
    return PL_ENOMEM;
  pl__buf k = {0};
  pl__key_ledger(&k, "", UINT64_MAX);
  int rc = k.oom ? PL_ENOMEM : 0;
  if (rc == 0) {
    pl__db_iter_seek_for_prev(it, k.p, k.n);
    if (pl__db_iter_valid(it)) {
      size_t kl;
      const unsigned char *key = pl__db_iter_key(it, &kl);
      if (kl == k.n && memcmp(key, k.p, k.n - 8) == 0)
        e->apikeys.next_seq = pl__be64_get(key + k.n - 8) + 1;
    }
  }
  pl__buf_free(&k);
  pl__db_iter_free(it);
  return rc;
}

/* 1 if key k[kl] sorts before hi[hl] (bytewise, as RocksDB's default
 * comparator). */
static int key_before(const unsigned char *k, size_t kl, const void *hi,
                      size_t hl) {
  size_t n = kl < hl ? kl : hl;
  int c = memcmp(k, hi, n);
  return c < 0 || (c == 0 && kl < hl);
}

int pl__load_range(pl_engine *e, const void *lo, size_t ll, const void *hi,
                   size_t hl, pl_error *err) {
  int rc = 0;
  pl__db_iter *it = pl__db_iter_new(e->db);
  if (it == NULL)
    return PL_ENOMEM;
  pl__buf seek = {0};
  pl__db_iter_seek(it, lo, ll);
  while (rc == 0 && pl__db_iter_valid(it)) {
    size_t kl, vl;
    const unsigned char *k = pl__db_iter_key(it, &kl);
    if (hi != NULL && !key_before(k, kl, hi, hl))
      break;
    const unsigned char *v = pl__db_iter_value(it, &vl);
    const unsigned char *z = memchr(k, 0, kl);
    if (z == NULL || (size_t)(z - k) >= PL_CODE_MAX || z + 1 >= k + kl) {
      rc = PL__FAIL(err, PL_ECORRUPT, "recovery: malformed key");
      break;
    }
    char chain[PL_CODE_MAX];
    memcpy(chain, k, (size_t)(z - k));
    chain[z - k] = '\0';
    unsigned kind = z[1];
    const unsigned char *rest = z + 2;
    size_t rl = kl - (size_t)(rest - k);
    if (kind == PL__K_LEDGER) {
      /* The KPI reports' stock counters come from the ledger's movements,
       * counted when first asked for (kpi/kpi_xs.h); skip this chain's ledger:
       * seek past its kind byte. */
      pl__chain *lc = pl__chain_find(e, chain);
      if (lc != NULL)
        pl__kpi_stock_pending(lc, lc->next_seq);
      pl__key_prefix(&seek, chain, PL__K_LEDGER + 1);
      if (seek.oom) {
        rc = PL_ENOMEM;
        break;
      }
      pl__db_iter_seek(it, seek.p, seek.n);
      continue;
    }
    rc = load_row(e, kind, chain, rest, rl, v, vl, err);
    if (rc == 0 && kind == PL__K_CHAIN) {
      pl__chain *c = pl__chain_find(e, chain);
      /* A fresh iterator: repositioning this one would lose our place. */
      pl__db_iter *it2 = pl__db_iter_new(e->db);
      rc = it2 == NULL ? PL_ENOMEM : recover_ledger_seq(e, it2, c);
      pl__db_iter_free(it2);
    }
    if (rc == 0)
      pl__db_iter_next(it);
  }
  if (rc == 0)
    rc = pl__db_iter_status(it, err);
  pl__buf_free(&seek);
  pl__db_iter_free(it);
  return rc;
}

static int recover(pl_engine *e, pl_error *err) {
  int rc = recover_global_seq(e);
  if (rc != 0)
    return rc;
  /* From the start: global keys (chain "": API keys) come first. */
  return pl__load_range(e, "", 0, NULL, 0, err);
}

int pl_engine_open(const pl_config *cfg, pl_engine **out, pl_error *err) {
  *out = NULL;
  if (cfg == NULL || cfg->path == NULL || cfg->path[0] == '\0')
    return PL__FAIL(err, PL_EINVAL, "config.path: required");
  pl_engine *e = calloc(1, sizeof *e);
  if (e == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  e->clock = cfg->clock ? cfg->clock : realtime_ms;
  e->clock_arg = cfg->clock_arg;
  atomic_init(&e->failed, 0);
  pthread_rwlock_init(&e->chains_lock, NULL);
  pl__apikeys_init(e);
  int rc = pl__db_open(cfg->path, cfg->no_sync, &e->db, err);
  if (rc != 0)
    goto fail;
  rc = recover(e, err);
  if (rc != 0)
    goto fail;
  rc = pl__commit_start(&e->commit, e->db, &e->failed);
  if (rc != 0)
    goto fail;
  *out = e;
  return 0;
fail:
  pl__admin_free(e);
  pl__apikeys_free(e);
  pl__db_close(e->db);
  pthread_rwlock_destroy(&e->chains_lock);
  free(e);
  return rc;
}

void pl_engine_close(pl_engine *e) {
  if (e == NULL)
    return;
  pl__commit_stop(&e->commit);
  pl__admin_free(e);
  pl__apikeys_free(e);
  pl__db_close(e->db);
  pthread_rwlock_destroy(&e->chains_lock);
  free(e);
}
