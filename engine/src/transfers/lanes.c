/* transfers/lanes.c — a chain's lanes between warehouses: set, delete, list,
 * their rows, and the routing graph quotes run on (see transfers/xfer_int.h).
 *
 * Invariants (under the chain's lock): lane_ix maps "from\x01to" to the
 * index of a live lane; n_live counts them; unless `stale`, in_start /
 * in_lane list exactly the live lanes by destination. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "transfers/xfer_int.h"

#define ROW_VERSION 1

pl__xfer_chain *pl__xfer_state_new(pl__chain *c) {
  (void)c;
  pl__xfer_chain *x = calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  pthread_mutex_init(&x->build_mu, NULL);
  pthread_mutex_init(&x->order_mu, NULL);
  x->stale = 1;
  return x;
}

void pl__xfer_state_free(pl__xfer_chain *x) {
  if (x == NULL)
    return;
  pl__vec_free_all(&x->lanes);
  pl__strmap_free(&x->lane_ix);
  pl__route_cache_clear(x);
  pl__transfer_free_all(x);
  free(x->in_start);
  free(x->in_lane);
  free(x->in_arc);
  pthread_mutex_destroy(&x->build_mu);
  pthread_mutex_destroy(&x->order_mu);
  free(x);
}

/* "from\x01to" (both codes are checked: < PL_CODE_MAX bytes each). */
static void lane_key(char *dst, const char *from, const char *to) {
  snprintf(dst, (size_t)2 * PL_CODE_MAX, "%s\x01%s", from, to);
}

void pl__routes_free(pl__routes *r) {
  if (r == NULL)
    return;
  free(r->cost);
  free(r->lead);
  free(r->next);
  free(r);
}

void pl__route_cache_clear(pl__xfer_chain *x) {
  if (x->route_cache == NULL)
    return;
  for (int i = 0; i < x->n_nodes * PL__ROUTE_CACHE_Q; i++)
    pl__routes_free(x->route_cache[i]);
  free(x->route_cache);
  x->route_cache = NULL;
}

/* Rebuilds the CSR graph of live lanes; 0 or PL_ENOMEM (graph unchanged). */
static int build_graph(pl__chain *c, pl__xfer_chain *x) {
  int n = c->warehouses.n;
  int32_t *start = calloc((size_t)n + 1, sizeof *start);
  int32_t *arcs = malloc(((size_t)x->n_live + 1) * sizeof *arcs);
  if (start == NULL || arcs == NULL) {
    free(start);
    free(arcs);
    return PL_ENOMEM;
  }
  for (int i = 0; i < x->lanes.n; i++) {
    const pl__lane *l = x->lanes.items[i];
    if (l->live)
      start[l->to_ix + 1]++;
  }
  for (int v = 0; v < n; v++)
    start[v + 1] += start[v];
  int32_t *fill = calloc((size_t)n + 1, sizeof *fill);
  pl__arc *compact = malloc(((size_t)x->n_live + 1) * sizeof *compact);
  if (fill == NULL || compact == NULL) {
    free(start);
    free(arcs);
    free(fill);
    free(compact);
    return PL_ENOMEM;
  }
  for (int i = 0; i < x->lanes.n; i++) {
    const pl__lane *l = x->lanes.items[i];
    if (!l->live)
      continue;
    int32_t a = start[l->to_ix] + fill[l->to_ix]++;
    arcs[a] = i;
    compact[a] = (pl__arc){l->from_ix, l->info.lead_min, l->info.fixed_fen,
                           l->info.unit_fen, l->info.capacity};
  }
  free(fill);
  pl__route_cache_clear(x); /* before n_nodes changes */
  free(x->in_start);
  free(x->in_lane);
  free(x->in_arc);
  x->in_start = start;
  x->in_lane = arcs;
  x->in_arc = compact;
  x->n_nodes = n;
  x->stale = 0;
  return 0;
}

int pl__xfer_graph(pl__chain *c, pl__xfer_chain *x) {
  int rc = 0;
  pthread_mutex_lock(&x->build_mu);
  if (x->stale || x->n_nodes != c->warehouses.n)
    rc = build_graph(c, x);
  pthread_mutex_unlock(&x->build_mu);
  return rc;
}

static void lane_row(pl__buf *v, const pl_lane_info *l) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_svar(v, l->fixed_fen);
  pl__buf_svar(v, l->unit_fen);
  pl__buf_svar(v, l->lead_min);
  pl__buf_svar(v, l->capacity);
}

static int check_lane(pl_error *err, const pl_lane_info *l) {
  int rc = pl__check_code(err, "lane.chain", l->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "lane.from", l->from, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "lane.to", l->to, PL_CODE_MAX);
  if (rc == 0 && strcmp(l->from, l->to) == 0)
    rc = PL__FAIL(err, PL_EINVAL, "lane.to: same warehouse as lane.from");
  if (rc == 0)
    rc = pl__check_range(err, "lane.fixed_fen", l->fixed_fen, 0,
                         (int64_t)1 << 40);
  if (rc == 0)
    rc =
        pl__check_range(err, "lane.unit_fen", l->unit_fen, 0, (int64_t)1 << 32);
  if (rc == 0)
    rc = pl__check_range(err, "lane.lead_min", l->lead_min, 0,
                         (int64_t)365 * 1440);
  if (rc == 0)
    rc =
        pl__check_range(err, "lane.capacity", l->capacity, 0, (int64_t)1 << 40);
  return rc;
}

/* Adds or replaces a lane in memory; the caller has reserved room. */
static void lane_apply(pl__xfer_chain *x, pl__lane *fresh) {
  int32_t i = pl__strmap_get(&x->lane_ix, fresh->key);
  if (i >= 0) {
    pl__lane *old = x->lanes.items[i];
    old->info = fresh->info;
    free(fresh);
    return;
  }
  pl__strmap_put(&x->lane_ix, fresh->key, x->lanes.n);
  pl__vec_push(&x->lanes, fresh);
  x->n_live++;
}

int pl_lane_set(pl_engine *e, const pl_lane_info *in, const pl_write *w,
                pl_error *err) {
  int rc = check_lane(err, in);
  if (rc != 0)
    return rc;
  pl__chain *c = pl__chain_find(e, in->chain);
  if (c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "lane.chain: no chain '%s'", in->chain);
  pthread_rwlock_wrlock(&c->lock);
  int32_t fi = pl__strmap_get(&c->wh_ix, in->from);
  int32_t ti = pl__strmap_get(&c->wh_ix, in->to);
  pl__xfer_chain *x = pl__xfer_of(c);
  pl__lane *l = NULL;
  pl__buf k = {0}, v = {0};
  pl__sync sync;
  if (fi < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "lane.from: no warehouse '%s'", in->from);
  else if (ti < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "lane.to: no warehouse '%s'", in->to);
  else if (x == NULL || (l = calloc(1, sizeof *l)) == NULL)
    rc = PL_ENOMEM;
  if (rc == 0) {
    l->info = *in;
    lane_key(l->key, in->from, in->to);
    l->from_ix = fi;
    l->to_ix = ti;
    l->live = 1;
    rc = pl__vec_reserve(&x->lanes, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&x->lane_ix, 1);
  }
  if (rc == 0) {
    pl__key_make(&k, c->info.code, PL__K_LANE, in->from, in->to);
    lane_row(&v, in);
    rc = pl__write_row(e, c, PL__OP_LANE_SET, pl__chain_now_ms(e, c), &k, &v, w,
                       &sync);
  }
  if (rc == 0) {
    lane_apply(x, l);
    if (build_graph(c, x) != 0)
      x->stale = 1; /* rebuilt by the next reader */
  } else {
    free(l);
  }
  pthread_rwlock_unlock(&c->lock);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return pl__write_finish(rc, 1, w, &sync, err);
}

int pl_lane_delete(pl_engine *e, const char *chain, const char *from,
                   const char *to, const pl_write *w, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "from", from, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "to", to, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_known(e, chain, &c, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_wrlock(&c->lock);
  char key[2 * PL_CODE_MAX];
  lane_key(key, from, to);
  pl__xfer_chain *x = pl__xfer_peek(c);
  int32_t i = x != NULL ? pl__strmap_get(&x->lane_ix, key) : -1;
  pl__lane *l = i >= 0 ? x->lanes.items[i] : NULL;
  pl__buf k = {0};
  pl__sync sync;
  if (l == NULL || !l->live) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "lane: no lane %s -> %s", from, to);
  } else {
    pl__key_make(&k, c->info.code, PL__K_LANE, from, to);
    rc = pl__write_row(e, c, PL__OP_LANE_DELETE, pl__chain_now_ms(e, c), &k,
                       NULL, w, &sync);
    if (rc == 0) {
      /* deleted lanes keep their slot (indexes in the graph are slots)
       * and leave the index; a later set makes a new slot */
      l->live = 0;
      l->key[0] = '\x02'; /* no longer matches any "from\x01to" */
      x->n_live--;
      if (build_graph(c, x) != 0)
        x->stale = 1;
    }
  }
  pthread_rwlock_unlock(&c->lock);
  pl__buf_free(&k);
  return pl__write_finish(rc, 1, w, &sync, err);
}

static int cmp_lane(const void *a, const void *b) {
  const pl_lane_info *x = a, *y = b;
  int d = strcmp(x->from, y->from);
  return d != 0 ? d : strcmp(x->to, y->to);
}

int pl_lane_list(pl_engine *e, const char *chain, pl_lane_info *out, int cap,
                 pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lookup(e, chain, &c, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&c->lock);
  int n = 0;
  const pl__xfer_chain *x = pl__xfer_peek(c);
  for (int i = 0; x != NULL && i < x->lanes.n; i++) {
    const pl__lane *l = x->lanes.items[i];
    if (!l->live)
      continue;
    if (n < cap)
      out[n] = l->info;
    n++;
  }
  pthread_rwlock_unlock(&c->lock);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_lane);
  return n;
}

int pl__xfer_load(pl_engine *e, unsigned kind, const char *chain,
                  const unsigned char *rest, size_t rl,
                  const unsigned char *val, size_t vl, pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  pl__xfer_chain *x = c != NULL ? pl__xfer_of(c) : NULL;
  if (c != NULL && kind == PL__K_TRANSFER) {
    int rc = pl__transfer_load(e, c, rest, rl, val, vl);
    return rc == PL_ECORRUPT
               ? PL__FAIL(err, rc, "recovery: chain '%s': bad transfer", chain)
               : rc;
  }
  if (c == NULL || kind != PL__K_LANE)
    return PL__FAIL(err, PL_ECORRUPT, "recovery: chain '%s' kind %u", chain,
                    kind);
  if (x == NULL)
    return PL_ENOMEM;
  pl__lane *l = calloc(1, sizeof *l);
  if (l == NULL)
    return PL_ENOMEM;
  const unsigned char *z = memchr(rest, 0, rl);
  size_t fl = z ? (size_t)(z - rest) : 0, tl = z ? rl - fl - 1 : 0;
  int bad = z == NULL || fl == 0 || fl >= PL_CODE_MAX || tl == 0 ||
            tl >= PL_CODE_MAX || memchr(z + 1, 0, tl) != NULL;
  if (!bad) {
    memcpy(l->info.chain, c->info.code, PL_CODE_MAX);
    memcpy(l->info.from, rest, fl);
    memcpy(l->info.to, z + 1, tl);
    pl__rd r;
    pl__rd_init(&r, val, vl);
    bad = pl__rd_uvar(&r) != ROW_VERSION;
    l->info.fixed_fen = pl__rd_svar(&r);
    l->info.unit_fen = pl__rd_svar(&r);
    l->info.lead_min = (int32_t)pl__rd_svar(&r);
    l->info.capacity = pl__rd_svar(&r);
    bad = bad || r.bad || check_lane(NULL, &l->info) != 0;
  }
  if (!bad) {
    l->from_ix = pl__strmap_get(&c->wh_ix, l->info.from);
    l->to_ix = pl__strmap_get(&c->wh_ix, l->info.to);
    lane_key(l->key, l->info.from, l->info.to);
    l->live = 1;
    bad = l->from_ix < 0 || l->to_ix < 0 ||
          pl__strmap_get(&x->lane_ix, l->key) >= 0;
  }
  int rc = bad ? PL_ECORRUPT : pl__vec_reserve(&x->lanes, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&x->lane_ix, 1);
  if (rc != 0) {
    free(l);
    return rc == PL_ECORRUPT
               ? PL__FAIL(err, rc, "recovery: chain '%s': bad lane", chain)
               : rc;
  }
  lane_apply(x, l);
  x->stale = 1;
  return 0;
}
