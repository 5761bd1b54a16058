/* inventory/fitment.c — vehicle fitment: the models each part fits.
 *
 * Invariants:
 *  1. sc->fit[part index] is NULL (no models set) or the part's list of
 *     distinct, non-empty model names (at most PL_FITMENT_MAX).
 *  2. Guarded by sc->sup_lock (the catalogue lock: suppliers, quotes,
 *     fitment), write to change, read to look up.
 * A set replaces the whole list: validate -> lock -> reserve memory ->
 * queue the row and its ledger entry -> swap the list in.
 *
 * Row: 1 n model*n. Lookup by model scans the chain's parts (a catalogue
 * query, not a hot path). */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "inventory/stock_int.h"

#define ROW_VERSION 1

static void fitment_row(pl__buf *v, const pl_fitment *f) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_uvar(v, (uint64_t)f->n);
  for (int32_t i = 0; i < f->n; i++)
    pl__buf_str(v, f->models[i]);
}

static int check_fitment(const pl_fitment *in, pl_error *err) {
  int rc = pl__check_range(err, "models", in->n, 0, PL_FITMENT_MAX);
  for (int32_t i = 0; rc == 0 && i < in->n; i++) {
    rc = pl__check_text(err, "models", in->models[i], PL_MODEL_MAX, 0);
    for (int32_t j = 0; rc == 0 && j < i; j++)
      if (strcmp(in->models[i], in->models[j]) == 0)
        rc = PL__FAIL(err, PL_EINVAL, "models: '%s' twice", in->models[i]);
  }
  return rc;
}

/* Makes room for part index `part` in sc->fit (under sup_lock, write). */
static int fit_room(pl__stock_chain *sc, int32_t part) {
  if (part < sc->n_fit)
    return 0;
  int32_t n = part + 1 > sc->n_fit * 2 ? part + 1 : sc->n_fit * 2;
  pl_fitment **nf = realloc(sc->fit, (size_t)n * sizeof(pl_fitment *));
  if (nf == NULL)
    return PL_ENOMEM;
  memset(nf + sc->n_fit, 0, (size_t)(n - sc->n_fit) * sizeof(pl_fitment *));
  sc->fit = nf;
  sc->n_fit = n;
  return 0;
}

int pl_fitment_set(pl_engine *e, const char *chain, const pl_fitment *in,
                   const pl_write *w, pl_error *err) {
  int rc = check_fitment(in, err);
  pl__chain *c = NULL;
  int32_t part = -1;
  if (rc == 0)
    rc = pl__stock_part(e, chain, in->part_no, &c, &part, err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_of(c);
  if (sc == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl_fitment *nf = malloc(sizeof *nf);
  pl__sync sync;
  pl__buf key = {0}, val = {0};
  pthread_rwlock_wrlock(&sc->sup_lock);
  rc = nf == NULL ? PL_ENOMEM : fit_room(sc, part);
  if (rc == 0) {
    *nf = *in;
    pl__key_make(&key, c->info.code, PL__K_FITMENT, in->part_no, NULL);
    fitment_row(&val, nf);
    rc = pl__write_row(e, c, PL__OP_FITMENT_SET, pl__chain_now_ms(e, c), &key,
                       &val, w, &sync);
  }
  if (rc == 0) {
    free(sc->fit[part]);
    sc->fit[part] = nf;
    nf = NULL;
  }
  pthread_rwlock_unlock(&sc->sup_lock);
  free(nf);
  pl__buf_free(&key);
  pl__buf_free(&val);
  return pl__stock_finish(rc, rc == 0, &sync, w, err);
}

int pl_fitment_get(pl_engine *e, const char *chain, const char *part_no,
                   pl_fitment *out, pl_error *err) {
  pl__chain *c = NULL;
  int32_t part = -1;
  int rc = pl__stock_part(e, chain, part_no, &c, &part, err);
  if (rc != 0)
    return rc;
  memset(out, 0, sizeof *out);
  memcpy(out->part_no, part_no, strlen(part_no) + 1);
  pl__stock_chain *sc = pl__stock_peek(c);
  if (sc == NULL)
    return 0;
  pthread_rwlock_rdlock(&sc->sup_lock);
  if (part < sc->n_fit && sc->fit[part] != NULL)
    *out = *sc->fit[part];
  pthread_rwlock_unlock(&sc->sup_lock);
  return 0;
}

static int cmp_code(const void *a, const void *b) {
  return strcmp(a, b);
}

int pl_fitment_find(pl_engine *e, const char *chain, const char *model,
                    char (*part_nos)[PL_CODE_MAX], int cap, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "model", model, PL_MODEL_MAX, 0);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_known(e, chain, &c, err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_peek(c);
  if (sc == NULL)
    return 0;
  int n = 0;
  pthread_rwlock_rdlock(&c->lock);
  pthread_rwlock_rdlock(&sc->sup_lock);
  for (int32_t p = 0; p < sc->n_fit; p++) {
    const pl_fitment *f = sc->fit[p];
    for (int32_t i = 0; f != NULL && i < f->n; i++)
      if (strcmp(f->models[i], model) == 0) {
        if (n < cap)
          memcpy(part_nos[n],
                 ((const pl__part *)c->parts.items[p])->info.part_no,
                 PL_CODE_MAX);
        n++;
        break;
      }
  }
  pthread_rwlock_unlock(&sc->sup_lock);
  pthread_rwlock_unlock(&c->lock);
  if (part_nos != NULL)
    qsort(part_nos, (size_t)(n < cap ? n : cap), PL_CODE_MAX, cmp_code);
  return n;
}

int pl__fitment_load(pl__chain *c, pl__stock_chain *sc,
                     const unsigned char *rest, size_t rl, pl__rd *r) {
  char code[PL_CODE_MAX];
  if (rl == 0 || rl >= PL_CODE_MAX || memchr(rest, 0, rl) != NULL)
    return PL_ECORRUPT;
  memcpy(code, rest, rl);
  code[rl] = '\0';
  int32_t part = pl__strmap_get(&c->part_ix, code);
  uint64_t n = pl__rd_uvar(r);
  if (part < 0 || n > PL_FITMENT_MAX || r->bad)
    return PL_ECORRUPT;
  pl_fitment *f = calloc(1, sizeof *f);
  if (f == NULL)
    return PL_ENOMEM;
  memcpy(f->part_no, code, sizeof code);
  f->n = (int32_t)n;
  for (uint64_t i = 0; i < n; i++)
    pl__rd_str(r, f->models[i], PL_MODEL_MAX);
  int rc = r->bad || (part < sc->n_fit && sc->fit[part] != NULL)
               ? PL_ECORRUPT
               : fit_room(sc, part);
  if (rc != 0) {
    free(f);
    return rc;
  }
  sc->fit[part] = f;
  return 0;
}

void pl__fitment_free(pl__stock_chain *sc) {
  for (int32_t i = 0; i < sc->n_fit; i++)
    free(sc->fit[i]);
  free(sc->fit);
  sc->fit = NULL;
  sc->n_fit = 0;
}
