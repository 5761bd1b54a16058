/* transfers/rebalance.c — PlanRebalance: the least-cost set of moves that
 * brings every warehouse of a chain up to its min level, part by part, as an
 * exact min-cost flow (mincost.h).
 *
 * The network for one part, over the chain's warehouses W:
 *   surplus w (available above its min)  supply +s_w
 *   shortage v (available below its min) supply -d_v
 *   lanes u -> v                         cost unit_fen, unbounded
 *   w -> T (sink)                        cost 0, cap s_w: surplus kept
 *   S (source) -> v                      cost BIG, cap d_v: not covered
 *   S -> T                               cost 0
 * with supply(S) = sum d, supply(T) = -sum s, so the network is always
 * feasible. BIG exceeds the cost of any route (the sum of all lane unit
 * costs, plus one), so flow on S -> v happens only where lanes cannot
 * bring the part: either no route from any surplus reaches v, or the
 * chain's surplus is too small — told apart by a reachability walk.
 * Lane flows are the moves; they are priced afterwards with the fixed
 * charges (see transfers.h). */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "pitlane/inventory.h"
#include "pitlane/mincost.h"
#include "transfers/xfer_int.h"

typedef struct part_net {
  int n_wh;
  int64_t *avail, *min;
  char (*codes)[PL_CODE_MAX]; /* warehouse codes, a snapshot */
} part_net;

/* Available and min of one part at every warehouse. Called without the
 * chain's lock (the stock module takes what it needs). */
static int read_levels(pl_engine *e, pl__chain *c, const char *part,
                       part_net *pn, pl_error *err) {
  for (int w = 0; w < pn->n_wh; w++) {
    pl_stock_info st;
    int rc = pl_stock_get(e, c->info.code, pn->codes[w], part, &st, err);
    if (rc != 0)
      return rc;
    pn->avail[w] = st.available;
    pn->min[w] = st.min_qty;
  }
  return 0;
}

/* Warehouses that can reach v over live lanes, backwards (in-arcs). */
static void reach_back(const pl__xfer_chain *x, int n, int v, char *seen,
                       int *stack) {
  int top = 0;
  stack[top++] = v;
  seen[v] = 1;
  while (top > 0) {
    int u = stack[--top];
    for (int a = x->in_start[u]; a < x->in_start[u + 1]; a++) {
      int f = x->in_arc[a].from;
      if (f < n && !seen[f]) {
        seen[f] = 1;
        stack[top++] = f;
      }
    }
  }
}

typedef struct out_state {
  pl_rebalance_move *moves;
  int cap_moves;
  pl_rebalance_gap *gaps;
  int cap_gaps;
  pl_rebalance_result *res;
} out_state;

/* Plans one part. Called with the chain's read lock held; the levels
 * were read before it was taken. */
static int plan_part(pl__chain *c, pl__xfer_chain *x, const char *part,
                     part_net *pn, out_state *o, pl_error *err) {
  int rc = 0;
  int n = pn->n_wh, S = n, T = n + 1;
  int64_t sum_s = 0, sum_d = 0, big = 1;
  for (int w = 0; w < n; w++) {
    int64_t diff = pn->avail[w] - pn->min[w];
    if (diff > 0)
      sum_s += diff;
    else
      sum_d += -diff;
  }
  o->res->parts++;
  if (sum_d == 0)
    return 0; /* nobody is short */
  o->res->shortage += sum_d;
  for (int a = 0; a < x->n_live; a++)
    big += x->in_arc[a].unit;
  pl_mcf *m = NULL;
  rc = pl_mcf_new(n + 2, x->n_live + 2 * n + 1, &m);
  if (rc != 0)
    return PL__FAIL(err, rc, "rebalance: cannot build the network");
  int lane_arc0 = 0;
  /* (a warehouse created after the levels were read is left out) */
  for (int v = 0; rc >= 0 && v < n; v++)
    for (int a = x->in_start[v]; rc >= 0 && a < x->in_start[v + 1]; a++)
      if (x->in_arc[a].from < n)
        rc = pl_mcf_add_arc(m, x->in_arc[a].from, v, sum_s, x->in_arc[a].unit);
  int64_t *need = calloc((size_t)n, sizeof *need);
  int *s_arc = malloc((size_t)n * sizeof *s_arc);
  for (int w = 0; rc >= 0 && w < n; w++) {
    int64_t diff = pn->avail[w] - pn->min[w];
    s_arc[w] = -1;
    if (diff > 0) {
      rc = pl_mcf_set_supply(m, w, diff);
      if (rc >= 0)
        rc = pl_mcf_add_arc(m, w, T, diff, 0);
    } else if (diff < 0) {
      need[w] = -diff;
      rc = pl_mcf_set_supply(m, w, diff);
      if (rc >= 0)
        rc = s_arc[w] = pl_mcf_add_arc(m, S, w, -diff, big);
    }
  }
  if (rc >= 0)
    rc = pl_mcf_add_arc(m, S, T, sum_d, 0);
  if (rc >= 0)
    rc = pl_mcf_set_supply(m, S, sum_d);
  if (rc >= 0)
    rc = pl_mcf_set_supply(m, T, -sum_s);
  int64_t cost = 0;
  if (rc >= 0)
    rc = pl_mcf_solve(m, &cost);
  if (rc < 0) {
    pl_mcf_free(m);
    free(need);
    free(s_arc);
    return rc == PL_ELIMIT
               ? PL__FAIL(err, rc, "rebalance: costs beyond the solver's range")
               : PL__FAIL(err, rc, "rebalance: %s", pl_strerror(rc));
  }
  /* moves: lane flows, priced with fixed charges */
  int arc = lane_arc0;
  for (int v = 0; v < n; v++)
    for (int a = x->in_start[v]; a < x->in_start[v + 1]; a++) {
      if (x->in_arc[a].from >= n)
        continue;
      int64_t f = pl_mcf_flow(m, arc++);
      if (f <= 0)
        continue;
      const pl__lane *l = x->lanes.items[x->in_lane[a]];
      int64_t priced = pl__lane_cost(&l->info, f);
      o->res->cost_fen = pl__cost_add(o->res->cost_fen, priced);
      if (o->res->n_moves < o->cap_moves) {
        pl_rebalance_move *mv = &o->moves[o->res->n_moves];
        memset(mv, 0, sizeof *mv);
        memcpy(mv->part_no, part, strlen(part) + 1);
        memcpy(mv->from, l->info.from, PL_CODE_MAX);
        memcpy(mv->to, l->info.to, PL_CODE_MAX);
        mv->qty = f;
        mv->cost_fen = priced;
        mv->lead_min = l->info.lead_min;
      }
      o->res->n_moves++;
    }
  /* gaps: flow from S; unit cost excludes the BIG arcs */
  char *seen = calloc((size_t)n, 1);
  int *stack = malloc((size_t)n * sizeof *stack);
  int64_t uncovered = 0;
  for (int w = 0; w < n; w++) {
    if (need[w] == 0)
      continue;
    int64_t gap = pl_mcf_flow(m, s_arc[w]);
    if (gap <= 0)
      continue;
    uncovered += gap;
    int reason = PL_GAP_NOT_ENOUGH_STOCK;
    if (seen != NULL && stack != NULL) {
      memset(seen, 0, (size_t)n);
      reach_back(x, n, w, seen, stack);
      int any = 0;
      for (int u = 0; u < n; u++)
        any |= seen[u] && u != w && pn->avail[u] > pn->min[u];
      if (!any)
        reason = PL_GAP_NO_ROUTE;
    }
    if (o->res->n_gaps < o->cap_gaps) {
      pl_rebalance_gap *g = &o->gaps[o->res->n_gaps];
      memset(g, 0, sizeof *g);
      memcpy(g->part_no, part, strlen(part) + 1);
      memcpy(g->warehouse, pn->codes[w], PL_CODE_MAX);
      g->short_qty = gap;
      g->reason = (pl_gap_reason)reason;
    }
    o->res->n_gaps++;
  }
  o->res->unit_cost_fen += cost - uncovered * big;
  o->res->covered += sum_d - uncovered;
  free(seen);
  free(stack);
  free(need);
  free(s_arc);
  pl_mcf_free(m);
  return 0;
}

int pl_plan_rebalance(pl_engine *e, const char *chain, const char *part_no,
                      pl_rebalance_move *moves, int cap_moves,
                      pl_rebalance_gap *gaps, int cap_gaps,
                      pl_rebalance_result *res, pl_error *err) {
  int rc = pl__check_code(err, "chain", chain, PL_CODE_MAX);
  int all = part_no == NULL || part_no[0] == '\0';
  if (rc == 0 && !all)
    rc = pl__check_code(err, "part_no", part_no, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  memset(res, 0, sizeof *res);
  pl__chain *c = NULL;
  rc = pl__chain_known(e, chain, &c, err);
  if (rc != 0)
    return rc;
  /* snapshot the warehouse codes and the parts to plan */
  pthread_rwlock_rdlock(&c->lock);
  if (!all && pl__strmap_get(&c->part_ix, part_no) < 0) {
    pthread_rwlock_unlock(&c->lock);
    return PL__FAIL(err, PL_ENOTFOUND, "part_no: no part '%s'", part_no);
  }
  part_net pn = {.n_wh = c->warehouses.n};
  int n_parts = all ? c->parts.n : 1;
  pn.avail = calloc((size_t)pn.n_wh + 1, sizeof *pn.avail);
  pn.min = calloc((size_t)pn.n_wh + 1, sizeof *pn.min);
  pn.codes = calloc((size_t)pn.n_wh + 1, sizeof *pn.codes);
  char(*parts)[PL_CODE_MAX] = calloc((size_t)n_parts + 1, sizeof *parts);
  if (pn.avail == NULL || pn.min == NULL || pn.codes == NULL || parts == NULL) {
    rc = PL_ENOMEM;
  } else {
    for (int w = 0; w < pn.n_wh; w++)
      memcpy(pn.codes[w],
             ((const pl__warehouse *)c->warehouses.items[w])->info.code,
             PL_CODE_MAX);
    for (int p = 0; p < n_parts; p++) {
      const char *code =
          all ? ((const pl__part *)c->parts.items[p])->info.part_no : part_no;
      memcpy(parts[p], code, strlen(code) + 1);
    }
  }
  pthread_rwlock_unlock(&c->lock);
  out_state o = {moves, cap_moves, gaps, cap_gaps, res};
  for (int p = 0; rc == 0 && p < n_parts; p++) {
    rc = read_levels(e, c, parts[p], &pn, err);
    if (rc != 0)
      break;
    pthread_rwlock_rdlock(&c->lock);
    pl__xfer_chain *x = pl__xfer_of(c);
    rc = x == NULL ? PL_ENOMEM : pl__xfer_graph(c, x);
    if (rc == 0 && x->n_nodes < pn.n_wh)
      rc = PL_ENOMEM; /* cannot happen: warehouses only grow */
    if (rc == 0)
      rc = plan_part(c, x, parts[p], &pn, &o, err);
    pthread_rwlock_unlock(&c->lock);
  }
  free(pn.avail);
  free(pn.min);
  free(pn.codes);
  free(parts);
  if (rc == PL_ENOMEM)
    return PL__FAIL(err, rc, "engine: out of memory");
  return rc;
}
