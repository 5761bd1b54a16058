/* transfers/quote.c — QuoteTransfer: where to take a part from, at what cost,
 * and when it arrives.
 *
 * Routes: moving q units along a route costs the sum over its lanes of
 * ceil(q / capacity) * fixed + unit * q (saturated at PL_COST_MAX_FEN,
 * never overflowing), which for a given q is a fixed non-negative weight
 * per lane. A route has at most PL_ROUTE_MAX_HOPS lanes (a leg's path has
 * room for that many), so one hop-bounded Bellman-Ford run backwards from
 * the destination (PL_ROUTE_MAX_HOPS rounds over the lanes, stopping early
 * once a round changes nothing) gives every warehouse its cheapest route of
 * at most that many lanes at once (ties: lead time, then fewer lanes). A
 * cheaper route with more lanes is not used, and never hides a route within
 * the bound; a warehouse reachable only over more lanes has no route. A
 * warehouse with at least q available is a single-source plan.
 *
 * Split (when no warehouse alone has q available): greedy. Each round
 * prices every remaining source for what it can give (min(available,
 * still needed)) along its own cheapest route for that quantity (a
 * routing run weighted for it), and takes the one with the lowest cost
 * per unit (ties: lead time, then code); rounds repeat until q is covered
 * or sources run out (at most PL_PLAN_MAX_SOURCES legs; not covered by
 * then: no plan). This is a heuristic
 * for one order; the chain-wide optimum over many parts and shortages is
 * PlanRebalance's min-cost flow. */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "pitlane/inventory.h"
#include "transfers/xfer_int.h"

enum { HOPS = PL_ROUTE_MAX_HOPS };

/* The routing's working arrays for one quote (n warehouses). */
typedef struct router {
  int n;
  int64_t *cost, *prev_cost;
  int32_t *lead, *prev_lead;
  int32_t *next;  /* [(HOPS + 1) * n]: see pl__routes */
  int64_t run_q;  /* the last run's quantity (0: none yet) */
  int run_dest;   /* and destination */
  pl__routes own; /* views of the arrays above, for routes_for */
} router;

static int router_init(router *d, int n) {
  memset(d, 0, sizeof *d);
  d->n = n;
  size_t m = (size_t)n + 1;
  d->cost = calloc(m, sizeof *d->cost);
  d->prev_cost = calloc(m, sizeof *d->prev_cost);
  d->lead = calloc(m, sizeof *d->lead);
  d->prev_lead = calloc(m, sizeof *d->prev_lead);
  d->next = calloc(m * (HOPS + 1), sizeof *d->next);
  return d->cost && d->prev_cost && d->lead && d->prev_lead && d->next
             ? 0
             : PL_ENOMEM;
}

static void router_free(router *d) {
  free(d->cost);
  free(d->prev_cost);
  free(d->lead);
  free(d->prev_lead);
  free(d->next);
}

/* Cheapest routes of at most HOPS lanes to `dest` for q units, over the
 * live lanes (ties: the shorter lead time, then fewer lanes). Round h
 * extends the best routes of at most h - 1 lanes (prev_*) by one lane;
 * only a strict improvement replaces a warehouse's route, so a route
 * never repeats a warehouse. */
static void router_run(router *d, const pl__xfer_chain *x, int dest,
                       int64_t q) {
  int n = d->n;
  d->run_q = q;
  d->run_dest = dest;
  for (int v = 0; v < n; v++) {
    d->cost[v] = INT64_MAX;
    d->lead[v] = INT32_MAX;
  }
  for (size_t i = 0; i < (size_t)n * (HOPS + 1); i++)
    d->next[i] = -1;
  d->cost[dest] = 0;
  d->lead[dest] = 0;
  for (int h = 1; h <= HOPS; h++) {
    memcpy(d->prev_cost, d->cost, (size_t)n * sizeof *d->cost);
    memcpy(d->prev_lead, d->lead, (size_t)n * sizeof *d->lead);
    int32_t *next = &d->next[(size_t)h * (size_t)n];
    int changed = 0;
    for (int v = 0; v < n; v++) {
      if (d->prev_cost[v] == INT64_MAX)
        continue;
      for (int a = x->in_start[v]; a < x->in_start[v + 1]; a++) {
        const pl__arc *l = &x->in_arc[a];
        int u = l->from;
        int64_t c = pl__cost_add(
            d->prev_cost[v], pl__cost_of(l->fixed, l->unit, l->capacity, q));
        int32_t ld = d->prev_lead[v] + l->lead;
        if (c < d->cost[u] || (c == d->cost[u] && ld < d->lead[u])) {
          d->cost[u] = c;
          d->lead[u] = ld;
          next[u] = x->in_lane[a];
          changed = 1;
        }
      }
    }
    if (!changed)
      break;
  }
}

/* The cached routes to dest for q (q <= PL__ROUTE_CACHE_Q), computing
 * them with d on a miss; NULL on OOM. Under the chain's read lock. */
static const pl__routes *cached_routes(pl__xfer_chain *x, router *d, int dest,
                                       int64_t q) {
  pthread_mutex_lock(&x->build_mu);
  if (x->route_cache == NULL)
    x->route_cache =
        calloc((size_t)x->n_nodes * PL__ROUTE_CACHE_Q, sizeof(pl__routes *));
  pl__routes *r = NULL;
  if (x->route_cache != NULL) {
    pl__routes **slot =
        &x->route_cache[(size_t)dest * PL__ROUTE_CACHE_Q + (size_t)q - 1];
    if (*slot == NULL && (r = calloc(1, sizeof *r)) != NULL) {
      size_t n = (size_t)x->n_nodes;
      r->cost = malloc(n * sizeof *r->cost);
      r->lead = malloc(n * sizeof *r->lead);
      r->next = malloc(n * (HOPS + 1) * sizeof *r->next);
      if (r->cost && r->lead && r->next) {
        router_run(d, x, dest, q);
        memcpy(r->cost, d->cost, n * sizeof *r->cost);
        memcpy(r->lead, d->lead, n * sizeof *r->lead);
        memcpy(r->next, d->next, n * (HOPS + 1) * sizeof *r->next);
        *slot = r;
      } else {
        pl__routes_free(r);
      }
    }
    r = *slot;
  }
  pthread_mutex_unlock(&x->build_mu);
  return r;
}

/* A warehouse's code by index. */
static const char *wh_code(const pl__chain *c, int ix) {
  return ((const pl__warehouse *)c->warehouses.items[ix])->info.code;
}

/* The cheapest routes to dest for q units: the cached ones for small q,
 * otherwise d's own arrays, run again unless d's last run was for the
 * same destination and q (valid until d's next run). Never NULL. */
static const pl__routes *routes_for(pl__xfer_chain *x, router *d, int dest,
                                    int64_t q) {
  const pl__routes *rt =
      q <= PL__ROUTE_CACHE_Q ? cached_routes(x, d, dest, q) : NULL;
  if (rt != NULL)
    return rt;
  if (d->run_q != q || d->run_dest != dest)
    router_run(d, x, dest, q);
  d->own.cost = d->cost;
  d->own.lead = d->lead;
  d->own.next = d->next;
  return &d->own;
}

/* Fills a leg for `src` from routes weighted for `qty`; 0 if it has no
 * route. The path is read back layer by layer (see pl__routes), each lane
 * using up one layer, so it never has more than PL_ROUTE_MAX_HOPS lanes
 * and always fits leg->path. */
static int make_leg(const pl__chain *c, const pl__xfer_chain *x,
                    const pl__routes *d, int src, int64_t qty,
                    pl_plan_leg *leg) {
  if (d->cost[src] == INT64_MAX)
    return 0;
  const char *code = wh_code(c, src);
  size_t n = (size_t)x->n_nodes;
  memcpy(leg->source, code, strlen(code) + 1);
  leg->qty = qty;
  leg->cost_fen = 0;
  leg->lead_min = 0;
  memcpy(leg->path[0], code, strlen(code) + 1);
  int v = src, h = 0, layer = HOPS;
  for (;;) {
    while (layer > 0 && d->next[(size_t)layer * n + (size_t)v] < 0)
      layer--;
    if (layer == 0)
      break; /* v is the destination */
    const pl__lane *l = x->lanes.items[d->next[(size_t)layer * n + (size_t)v]];
    leg->cost_fen = pl__cost_add(leg->cost_fen, pl__lane_cost(&l->info, qty));
    leg->lead_min += l->info.lead_min;
    v = l->to_ix;
    layer--;
    h++;
    memcpy(leg->path[h], l->info.to, strlen(l->info.to) + 1);
  }
  leg->n_hops = h;
  return 1;
}

/* A single-source candidate: its route's cost and lead time at q. */
typedef struct cand {
  int64_t cost;
  int32_t lead, src;
} cand;

/* The ranking of single sources: cost, then lead time, then the source's
 * code (so ties do not depend on the order warehouses were loaded in). */
static int cand_before(const pl__chain *c, const cand *a, const cand *b) {
  if (a->cost != b->cost)
    return a->cost < b->cost;
  if (a->lead != b->lead)
    return a->lead < b->lead;
  return strcmp(wh_code(c, a->src), wh_code(c, b->src)) < 0;
}

/* The greedy split's choice of the next leg: lowest cost per unit
 * (compared without division), then lead time, then source code. */
static int leg_before(const pl_plan_leg *a, const pl_plan_leg *b) {
  __int128 ca = (__int128)a->cost_fen * b->qty;
  __int128 cb = (__int128)b->cost_fen * a->qty;
  if (ca != cb)
    return ca < cb;
  if (a->lead_min != b->lead_min)
    return a->lead_min < b->lead_min;
  return strcmp(a->source, b->source) < 0;
}

static void finish_plan(pl_transfer_plan *p, int64_t now_ms,
                        int64_t need_by_ms) {
  int32_t slowest = 0;
  p->qty = p->cost_fen = 0;
  for (int i = 0; i < p->n_legs; i++) {
    p->qty += p->legs[i].qty;
    p->cost_fen = pl__cost_add(p->cost_fen, p->legs[i].cost_fen);
    if (p->legs[i].lead_min > slowest)
      slowest = p->legs[i].lead_min;
  }
  p->arrival_ms = now_ms + (int64_t)slowest * 60000;
  p->late = need_by_ms > 0 && p->arrival_ms > need_by_ms;
  p->split = p->n_legs > 1;
}

int pl_quote_transfer(pl_engine *e, const char *chain, const char *part_no,
                      int64_t qty, const char *dest, int64_t need_by_ms,
                      pl_transfer_plan *out, int cap, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "part_no", part_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "destination", dest, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "qty", qty, 1, (int64_t)1 << 40);
  if (rc == 0)
    rc = pl__check_range(err, "need_by_ms", need_by_ms, 0, INT64_MAX / 2);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_known(e, chain, &c, err);
  if (rc != 0)
    return rc;
  /* available stock per warehouse (each row consistent on its own) */
  pthread_rwlock_rdlock(&c->lock);
  int n_wh = c->warehouses.n;
  int32_t di = pl__strmap_get(&c->wh_ix, dest);
  pthread_rwlock_unlock(&c->lock);
  if (di < 0)
    return PL__FAIL(err, PL_ENOTFOUND, "destination: no warehouse '%s'", dest);
  pl_stock_row *rows = malloc(((size_t)n_wh + 1) * sizeof *rows);
  int64_t *avail = calloc((size_t)n_wh + 1, sizeof *avail);
  if (rows == NULL || avail == NULL) {
    free(rows);
    free(avail);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  pl_stock_row total;
  int nr = pl_stock_get_chain(e, chain, part_no, rows, n_wh, &total, err);
  if (nr < 0) {
    free(rows);
    free(avail);
    return nr;
  }
  pthread_rwlock_rdlock(&c->lock);
  for (int i = 0; i < nr && i < n_wh; i++) {
    int32_t w = pl__strmap_get(&c->wh_ix, rows[i].warehouse);
    if (w >= 0 && w != di && rows[i].available > 0)
      avail[w] = rows[i].available;
  }
  free(rows);
  pl__xfer_chain *x = pl__xfer_of(c);
  router d;
  int n = 0;
  rc = x == NULL ? PL_ENOMEM : pl__xfer_graph(c, x);
  memset(&d, 0, sizeof d);
  if (rc == 0)
    rc = router_init(&d, x->n_nodes);
  if (rc != 0) {
    router_free(&d);
    pthread_rwlock_unlock(&c->lock);
    free(avail);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  int64_t now = pl__chain_now_ms(e, c);
  /* single sources, exact at qty: rank (cost, lead) first, then build
   * only the plans that are returned */
  const pl__routes *rt = routes_for(x, &d, di, qty);
  int any_single = 0;
  cand best[64];
  int nb = 0, want = cap < 64 ? cap : 64;
  for (int s = 0; s < x->n_nodes; s++) {
    if (avail[s] < qty || rt->cost[s] == INT64_MAX)
      continue;
    any_single = 1;
    n++;
    cand cd = {rt->cost[s], rt->lead[s], s};
    /* insertion into the sorted top `want` */
    int pos = nb < want ? nb++ : want;
    while (pos > 0 && cand_before(c, &cd, &best[pos - 1])) {
      if (pos < want)
        best[pos] = best[pos - 1];
      pos--;
    }
    if (pos < want)
      best[pos] = cd;
  }
  for (int i = 0; i < nb; i++) {
    pl_transfer_plan *p = &out[i];
    p->n_legs = 1;
    make_leg(c, x, rt, best[i].src, qty, &p->legs[0]);
    finish_plan(p, now, need_by_ms);
  }
  if (!any_single) {
    /* greedy split: cheapest cost per unit first */
    pl_transfer_plan p = {0};
    int64_t need = qty;
    int64_t *left = malloc((size_t)x->n_nodes * sizeof *left);
    if (left != NULL)
      memcpy(left, avail, (size_t)x->n_nodes * sizeof *left);
    while (left != NULL && need > 0 && p.n_legs < PL_PLAN_MAX_SOURCES) {
      int pick = -1;
      pl_plan_leg best_leg, leg;
      for (int s = 0; s < x->n_nodes; s++) {
        if (left[s] <= 0)
          continue;
        int64_t q = left[s] < need ? left[s] : need;
        /* the leg's own cheapest route, weighted for its quantity */
        const pl__routes *lr = routes_for(x, &d, di, q);
        if (lr == NULL || !make_leg(c, x, lr, s, q, &leg))
          continue;
        if (pick < 0 || leg_before(&leg, &best_leg)) {
          pick = s;
          best_leg = leg;
        }
      }
      if (pick < 0)
        break;
      p.legs[p.n_legs++] = best_leg;
      left[pick] = 0;
      need -= best_leg.qty;
    }
    free(left);
    if (need == 0 && p.n_legs > 0) {
      finish_plan(&p, now, need_by_ms);
      if (cap > 0)
        out[0] = p;
      n = 1;
    }
  }
  pthread_rwlock_unlock(&c->lock);
  router_free(&d);
  free(avail);
  return n;
}

int pl__xfer_route(pl__chain *c, pl__xfer_chain *x, int from, int to,
                   int64_t qty, pl_plan_leg *leg) {
  int rc = pl__xfer_graph(c, x);
  router d;
  memset(&d, 0, sizeof d);
  if (rc == 0)
    rc = router_init(&d, x->n_nodes);
  if (rc == 0) {
    router_run(&d, x, to, qty);
    pl__routes rt = {d.cost, d.lead, d.next};
    memset(leg, 0, sizeof *leg);
    if (from >= x->n_nodes || !make_leg(c, x, &rt, from, qty, leg))
      rc = PL_EPRECOND;
  }
  router_free(&d);
  return rc;
}
