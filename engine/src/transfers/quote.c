/* transfers/quote.c — QuoteTransfer: where to take a part from, at what cost,
 * and when it arrives.
 *
 * Single source (exact): moving q units along a route costs the sum over
 * its lanes of ceil(q / capacity) * fixed + unit * q, which for a given q
 * is a fixed non-negative weight per lane. One Dijkstra run backwards from
 * the destination over the lanes weighted for q gives every warehouse's
 * cheapest route to it at once (ties broken by lead time); a warehouse
 * with at least q available is a single-source plan.
 *
 * Split (when no warehouse alone has q available): greedy. Each round
 * prices every remaining source for what it can give (min(available,
 * still needed)) along its own cheapest route for that quantity (a
 * Dijkstra run weighted for it), and takes the one with the lowest cost
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

/* Dijkstra with an indexed binary heap (decrease-key), so the heap holds
 * at most one entry per warehouse: O((V + E) log V) with V small. */
typedef struct dijkstra {
  int n;
  int64_t *cost;
  int32_t *lead;
  int32_t *next_lane; /* lane leaving node on its route to dest, -1 */
  int32_t *hops;
  int32_t *heap; /* node ids */
  int32_t *pos;  /* node -> heap index, -1 if not in the heap */
  int heap_n;
  int64_t run_q;  /* the last run's quantity (0: none yet) */
  int run_dest;   /* and destination */
  pl__routes own; /* views of the arrays above, for routes_for */
} dijkstra;

static int before(const dijkstra *d, int a, int b) {
  return d->cost[a] < d->cost[b] ||
         (d->cost[a] == d->cost[b] && d->lead[a] < d->lead[b]);
}

static void sift_up(dijkstra *d, int i) {
  int v = d->heap[i];
  while (i > 0) {
    int p = (i - 1) / 2;
    if (!before(d, v, d->heap[p]))
      break;
    d->heap[i] = d->heap[p];
    d->pos[d->heap[i]] = i;
    i = p;
  }
  d->heap[i] = v;
  d->pos[v] = i;
}

static int pop_min(dijkstra *d) {
  int top = d->heap[0];
  d->pos[top] = -1;
  int v = d->heap[--d->heap_n];
  if (d->heap_n == 0)
    return top;
  int i = 0;
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = l;
    if (l >= d->heap_n)
      break;
    if (r < d->heap_n && before(d, d->heap[r], d->heap[l]))
      m = r;
    if (!before(d, d->heap[m], v))
      break;
    d->heap[i] = d->heap[m];
    d->pos[d->heap[i]] = i;
    i = m;
  }
  d->heap[i] = v;
  d->pos[v] = i;
  return top;
}

static int dijkstra_init(dijkstra *d, int n, int n_arcs) {
  (void)n_arcs;
  memset(d, 0, sizeof *d);
  d->n = n;
  size_t m = (size_t)n + 1;
  d->cost = calloc(m, sizeof *d->cost);
  d->lead = calloc(m, sizeof *d->lead);
  d->next_lane = calloc(m, sizeof *d->next_lane);
  d->hops = calloc(m, sizeof *d->hops);
  d->heap = calloc(m, sizeof *d->heap);
  d->pos = calloc(m, sizeof *d->pos);
  return d->cost && d->lead && d->next_lane && d->hops && d->heap && d->pos
             ? 0
             : PL_ENOMEM;
}

static void dijkstra_free(dijkstra *d) {
  free(d->cost);
  free(d->lead);
  free(d->next_lane);
  free(d->hops);
  free(d->heap);
  free(d->pos);
}

/* Cheapest routes to `dest` for q units, over the live lanes (ties: the
 * shorter lead time). */
static void dijkstra_run(dijkstra *d, const pl__xfer_chain *x, int dest,
                         int64_t q) {
  d->run_q = q;
  d->run_dest = dest;
  for (int v = 0; v < d->n; v++) {
    d->cost[v] = INT64_MAX;
    d->lead[v] = INT32_MAX;
    d->next_lane[v] = -1;
    d->hops[v] = 0;
    d->pos[v] = -1;
  }
  d->cost[dest] = 0;
  d->lead[dest] = 0;
  d->heap_n = 1;
  d->heap[0] = dest;
  d->pos[dest] = 0;
  while (d->heap_n > 0) {
    int v = pop_min(d);
    int64_t cv = d->cost[v];
    int32_t lv = d->lead[v];
    for (int a = x->in_start[v]; a < x->in_start[v + 1]; a++) {
      const pl__arc *l = &x->in_arc[a];
      int u = l->from;
      int64_t ships = l->capacity > 0 ? (q + l->capacity - 1) / l->capacity : 1;
      int64_t c = cv + ships * l->fixed + l->unit * q;
      int32_t ld = lv + l->lead;
      if (c < d->cost[u] || (c == d->cost[u] && ld < d->lead[u])) {
        int fresh = d->cost[u] == INT64_MAX;
        d->cost[u] = c;
        d->lead[u] = ld;
        d->next_lane[u] = x->in_lane[a];
        d->hops[u] = d->hops[v] + 1;
        if (fresh) {
          d->heap[d->heap_n] = u;
          d->pos[u] = d->heap_n++;
        }
        if (d->pos[u] >= 0)
          sift_up(d, d->pos[u]);
      }
    }
  }
}

/* The cached routes to dest for q (q <= PL__ROUTE_CACHE_Q), computing
 * them with d on a miss; NULL on OOM. Under the chain's read lock. */
static const pl__routes *cached_routes(pl__xfer_chain *x, dijkstra *d, int dest,
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
      r->next_lane = malloc(n * sizeof *r->next_lane);
      r->hops = malloc(n * sizeof *r->hops);
      if (r->cost && r->lead && r->next_lane && r->hops) {
        dijkstra_run(d, x, dest, q);
        memcpy(r->cost, d->cost, n * sizeof *r->cost);
        memcpy(r->lead, d->lead, n * sizeof *r->lead);
        memcpy(r->next_lane, d->next_lane, n * sizeof *r->next_lane);
        memcpy(r->hops, d->hops, n * sizeof *r->hops);
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
static const pl__routes *routes_for(pl__xfer_chain *x, dijkstra *d, int dest,
                                    int64_t q) {
  const pl__routes *rt =
      q <= PL__ROUTE_CACHE_Q ? cached_routes(x, d, dest, q) : NULL;
  if (rt != NULL)
    return rt;
  if (d->run_q != q || d->run_dest != dest)
    dijkstra_run(d, x, dest, q);
  d->own.cost = d->cost;
  d->own.lead = d->lead;
  d->own.next_lane = d->next_lane;
  d->own.hops = d->hops;
  return &d->own;
}

/* Fills a leg for `src` from routes weighted for `qty`; 0 if no route
 * (none, or longer than PL_ROUTE_MAX_HOPS lanes). */
static int make_leg(const pl__chain *c, const pl__xfer_chain *x,
                    const pl__routes *d, int src, int64_t qty,
                    pl_plan_leg *leg) {
  if (d->cost[src] == INT64_MAX || d->hops[src] > PL_ROUTE_MAX_HOPS)
    return 0;
  const char *code = wh_code(c, src);
  memcpy(leg->source, code, strlen(code) + 1);
  leg->qty = qty;
  leg->cost_fen = 0;
  leg->lead_min = 0;
  memcpy(leg->path[0], code, strlen(code) + 1);
  int v = src, h = 0;
  while (d->next_lane[v] >= 0) {
    const pl__lane *l = x->lanes.items[d->next_lane[v]];
    leg->cost_fen += pl__lane_cost(&l->info, qty);
    leg->lead_min += l->info.lead_min;
    v = l->to_ix;
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
    p->cost_fen += p->legs[i].cost_fen;
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
  pl__chain *c = pl__chain_find(e, chain);
  if (c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "chain: no chain '%s'", chain);
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
  dijkstra d;
  int n = 0;
  rc = x == NULL ? PL_ENOMEM : pl__xfer_graph(c, x);
  memset(&d, 0, sizeof d);
  if (rc == 0)
    rc = dijkstra_init(&d, x->n_nodes, x->n_live);
  if (rc != 0) {
    dijkstra_free(&d);
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
    if (avail[s] < qty || rt->cost[s] == INT64_MAX ||
        rt->hops[s] > PL_ROUTE_MAX_HOPS)
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
  dijkstra_free(&d);
  free(avail);
  return n;
}

int pl__xfer_route(pl__chain *c, pl__xfer_chain *x, int from, int to,
                   int64_t qty, pl_plan_leg *leg) {
  int rc = pl__xfer_graph(c, x);
  dijkstra d;
  memset(&d, 0, sizeof d);
  if (rc == 0)
    rc = dijkstra_init(&d, x->n_nodes, x->n_live);
  if (rc == 0) {
    dijkstra_run(&d, x, to, qty);
    pl__routes rt = {d.cost, d.lead, d.next_lane, d.hops};
    memset(leg, 0, sizeof *leg);
    if (from >= x->n_nodes || !make_leg(c, x, &rt, from, qty, leg))
      rc = PL_EPRECOND;
  }
  dijkstra_free(&d);
  return rc;
}
