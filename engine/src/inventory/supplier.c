/* inventory/supplier.c — suppliers of a chain and their quotes per part (price,
 * lead time), the input of purchase suggestions.
 *
 * Invariants:
 *  1. A supplier code is unique in its chain; a supplier has at most one
 *     quote per part (setting a quote again replaces it).
 *  2. Suppliers and quotes are guarded by sc->sup_lock (write to change,
 *     read to look up); they are never deleted, so a pointer found under
 *     the lock stays valid.
 * Writes follow the commit path: validate -> lock -> reserve memory ->
 * queue the row with its ledger entry -> apply.
 *
 * Rows: supplier  1 name quality idem;  quote  1 price_fen lead_days. */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "inventory/stock_int.h"

#define ROW_VERSION 1

static void supplier_row(pl__buf *v, const pl__supplier *s) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, s->info.name);
  pl__buf_svar(v, s->info.quality);
  pl__buf_str(v, s->idem);
}

static void quote_row(pl__buf *v, const pl_quote_info *q) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_svar(v, q->price_fen);
  pl__buf_svar(v, q->lead_days);
}

int pl_supplier_create(pl_engine *e, const pl_supplier_info *in,
                       const char *idem, const pl_write *w,
                       pl_supplier_info *out, pl_error *err) {
  int rc = pl__check_code(err, "supplier.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "supplier.name", in->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_range(err, "supplier.quality", in->quality, 0, 100);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  pl__chain *c = NULL;
  pl__stock_chain *sc = NULL;
  if (rc == 0)
    rc = pl__stock_lookup(e, in->chain, &c, &sc, err);
  if (rc != 0)
    return rc;
  pl__sync sync;
  int queued = 0;
  pl__buf key = {0}, val = {0};
  pthread_rwlock_wrlock(&sc->sup_lock);
  int32_t i = pl__strmap_get(&sc->sup_ix, in->code);
  if (i >= 0) {
    const pl__supplier *s = sc->sups.items[i];
    if (idem != NULL && idem[0] != '\0' && strcmp(s->idem, idem) == 0) {
      rc = pl__write_nothing(e, w, &sync);
      queued = rc == 0;
      if (rc == 0 && out != NULL)
        *out = s->info;
    } else {
      rc = PL__FAIL(err, PL_EEXIST, "supplier.code: '%s' already exists",
                    in->code);
    }
  } else {
    pl__supplier *s = calloc(1, sizeof *s);
    rc = s == NULL ? PL_ENOMEM : pl__vec_reserve(&sc->sups, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&sc->sup_ix, 1);
    if (rc == 0) {
      s->info = *in;
      memcpy(s->info.chain, c->info.code, sizeof s->info.chain);
      if (idem != NULL)
        memcpy(s->idem, idem, strlen(idem) + 1);
      pl__key_make(&key, c->info.code, PL__K_SUPPLIER, in->code, NULL);
      supplier_row(&val, s);
      rc = pl__write_row(e, c, PL__OP_SUPPLIER_CREATE, pl__chain_now_ms(e, c),
                         &key, &val, w, &sync);
    }
    if (rc == 0) {
      queued = 1;
      pl__strmap_put(&sc->sup_ix, s->info.code, sc->sups.n);
      pl__vec_push(&sc->sups, s);
      if (out != NULL)
        *out = s->info;
    } else {
      free(s);
    }
  }
  pthread_rwlock_unlock(&sc->sup_lock);
  pl__buf_free(&key);
  pl__buf_free(&val);
  return pl__stock_finish(rc, queued, &sync, w, err);
}

static pl_quote_info *quote_of(pl__supplier *s, const char *part_no) {
  for (int i = 0; i < s->quotes.n; i++) {
    pl_quote_info *q = s->quotes.items[i];
    if (strcmp(q->part_no, part_no) == 0)
      return q;
  }
  return NULL;
}

int pl_quote_set(pl_engine *e, const pl_quote_info *in, const pl_write *w,
                 pl_error *err) {
  int rc = pl__check_code(err, "quote.supplier", in->supplier, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "quote.price_fen", in->price_fen, 1,
                         1000000000LL); /* as unit costs: qty * price fits */
  if (rc == 0)
    rc = pl__check_range(err, "quote.lead_days", in->lead_days, 0, 365);
  pl__chain *c = NULL;
  int32_t part = -1;
  if (rc == 0)
    rc = pl__stock_part(e, in->chain, in->part_no, &c, &part, err);
  if (rc != 0) {
    if (err != NULL && rc == PL_EINVAL && strncmp(err->msg, "part_no", 7) == 0)
      return PL__FAIL(err, rc, "quote.%s", err->msg);
    return rc;
  }
  pl__stock_chain *sc = pl__stock_of(c);
  if (sc == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl__sync sync;
  int queued = 0;
  pl__buf key = {0}, val = {0};
  pthread_rwlock_wrlock(&sc->sup_lock);
  int32_t i = pl__strmap_get(&sc->sup_ix, in->supplier);
  if (i < 0) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "quote.supplier: no supplier '%s'",
                  in->supplier);
  } else {
    pl__supplier *s = sc->sups.items[i];
    pl_quote_info *q = quote_of(s, in->part_no);
    if (q == NULL) { /* a new quote: room first, so the apply cannot fail */
      rc = pl__vec_reserve(&s->quotes, 1);
      if (rc == 0 && (q = calloc(1, sizeof *q)) == NULL)
        rc = PL_ENOMEM;
      if (rc == 0) {
        *q = *in;
        q->price_fen = 0; /* marks it new until queued */
        pl__vec_push(&s->quotes, q);
      }
    }
    pl_quote_info nq = *in;
    memcpy(nq.chain, c->info.code, sizeof nq.chain);
    if (rc == 0) {
      pl__key_make(&key, c->info.code, PL__K_QUOTE, in->supplier, in->part_no);
      quote_row(&val, &nq);
      rc = pl__write_row(e, c, PL__OP_QUOTE_SET, pl__chain_now_ms(e, c), &key,
                         &val, w, &sync);
      if (rc == 0) {
        queued = 1;
        *q = nq;
      } else if (q->price_fen == 0) { /* undo the new quote */
        s->quotes.n--;
        free(q);
      }
    }
  }
  pthread_rwlock_unlock(&sc->sup_lock);
  pl__buf_free(&key);
  pl__buf_free(&val);
  return pl__stock_finish(rc, queued, &sync, w, err);
}

static int cmp_supplier(const void *a, const void *b) {
  return strcmp(((const pl_supplier_info *)a)->code,
                ((const pl_supplier_info *)b)->code);
}

static int cmp_quote(const void *a, const void *b) {
  return strcmp(((const pl_quote_info *)a)->supplier,
                ((const pl_quote_info *)b)->supplier);
}

int pl_supplier_list(pl_engine *e, const char *chain, pl_supplier_info *out,
                     int cap, pl_error *err) {
  pl__chain *c = NULL;
  pl__stock_chain *sc = NULL;
  int rc = pl__stock_lookup(e, chain, &c, &sc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&sc->sup_lock);
  int n = sc->sups.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__supplier *)sc->sups.items[i])->info;
  pthread_rwlock_unlock(&sc->sup_lock);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_supplier);
  return n;
}

int pl_quote_list(pl_engine *e, const char *chain, const char *part_no,
                  pl_quote_info *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  int32_t part = -1;
  int rc = pl__stock_part(e, chain, part_no, &c, &part, err);
  if (rc != 0)
    return rc;
  pl__stock_chain *sc = pl__stock_of(c);
  if (sc == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  int n = 0;
  pthread_rwlock_rdlock(&sc->sup_lock);
  for (int i = 0; i < sc->sups.n; i++) {
    const pl_quote_info *q = quote_of(sc->sups.items[i], part_no);
    if (q != NULL && n++ < cap)
      out[n - 1] = *q;
  }
  pthread_rwlock_unlock(&sc->sup_lock);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_quote);
  return n;
}

const pl_quote_info *pl__supplier_best(pl__stock_chain *sc, const char *part_no,
                                       int32_t max_lead) {
  const pl_quote_info *best = NULL;
  for (int i = 0; i < sc->sups.n; i++) {
    const pl_quote_info *q = quote_of(sc->sups.items[i], part_no);
    if (q == NULL || (max_lead >= 0 && q->lead_days > max_lead))
      continue;
    if (best == NULL || q->price_fen < best->price_fen ||
        (q->price_fen == best->price_fen &&
         (q->lead_days < best->lead_days ||
          (q->lead_days == best->lead_days &&
           strcmp(q->supplier, best->supplier) < 0))))
      best = q;
  }
  return best;
}

/* ---- recovery ------------------------------------------------------------ */

int pl__supplier_load(pl__chain *c, pl__stock_chain *sc, unsigned kind,
                      const unsigned char *rest, size_t rl, pl__rd *r) {
  char a[PL_CODE_MAX] = "", b[PL_CODE_MAX] = "";
  const unsigned char *z = memchr(rest, 0, rl);
  size_t al = z != NULL ? (size_t)(z - rest) : rl;
  size_t bl = z != NULL ? rl - al - 1 : 0;
  if (al == 0 || al >= PL_CODE_MAX || bl >= PL_CODE_MAX ||
      (kind == PL__K_QUOTE) != (z != NULL))
    return PL_ECORRUPT;
  memcpy(a, rest, al);
  if (z != NULL)
    memcpy(b, z + 1, bl);
  if (kind == PL__K_SUPPLIER) {
    if (pl__strmap_get(&sc->sup_ix, a) >= 0)
      return PL_ECORRUPT;
    pl__supplier *s = calloc(1, sizeof *s);
    if (s == NULL)
      return PL_ENOMEM;
    memcpy(s->info.chain, c->info.code, sizeof s->info.chain);
    memcpy(s->info.code, a, sizeof a);
    pl__rd_str(r, s->info.name, sizeof s->info.name);
    s->info.quality = (int32_t)pl__rd_svar(r);
    pl__rd_str(r, s->idem, sizeof s->idem);
    int rc = r->bad ? PL_ECORRUPT : pl__vec_reserve(&sc->sups, 1);
    if (rc == 0)
      rc = pl__strmap_put(&sc->sup_ix, s->info.code, sc->sups.n);
    if (rc != 0) {
      free(s);
      return rc;
    }
    pl__vec_push(&sc->sups, s);
    return 0;
  }
  int32_t i = pl__strmap_get(&sc->sup_ix, a);
  if (i < 0 || pl__strmap_get(&c->part_ix, b) < 0)
    return PL_ECORRUPT;
  pl__supplier *s = sc->sups.items[i];
  pl_quote_info *q = calloc(1, sizeof *q);
  if (q == NULL)
    return PL_ENOMEM;
  memcpy(q->chain, c->info.code, sizeof q->chain);
  memcpy(q->supplier, a, sizeof a);
  memcpy(q->part_no, b, sizeof b);
  q->price_fen = pl__rd_svar(r);
  q->lead_days = (int32_t)pl__rd_svar(r);
  int rc = r->bad || quote_of(s, b) != NULL ? PL_ECORRUPT
                                            : pl__vec_reserve(&s->quotes, 1);
  if (rc != 0) {
    free(q);
    return rc;
  }
  pl__vec_push(&s->quotes, q);
  return 0;
}

void pl__supplier_free(pl__stock_chain *sc) {
  for (int i = 0; i < sc->sups.n; i++)
    pl__vec_free_all(&((pl__supplier *)sc->sups.items[i])->quotes);
  pl__vec_free_all(&sc->sups);
  pl__strmap_free(&sc->sup_ix);
}
