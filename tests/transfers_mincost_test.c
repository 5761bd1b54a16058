/* The min-cost-flow solver (pitlane/mincost.h): optimal costs against an
 * independent reference on small random networks, infeasible and unbalanced
 * problems, the warm-started re-solve against a from-scratch solve, and on
 * generated chain-transfer instances a checked certificate of optimality
 * (conservation, bounds, non-negative reduced cost on every residual arc),
 * also on the sparse capacitated family (binding capacities, parallel and
 * free lanes, transshipment-only nodes) with random seeds that are printed
 * (set PL_MCF_SEED to replay one).
 * The DIMACS reader is fed valid, malformed and mutated text. */
#include "testutil.h"

#include <time.h>

#include "mcf_gen.h"
#include "pitlane/mincost.h"

/* ---- reference: successive shortest paths with Bellman-Ford ----
 * Written independently of the solver and as plainly as possible: lower
 * bounds are forced first, negative-cost arcs start saturated (so the
 * residual graph has no negative cycle), then unit-free augmentations from
 * a super source to a super sink along Bellman-Ford shortest paths. */

#define REF_MAXN 16
#define REF_MAXA 64

typedef struct ref_arc {
  int from, to;
  int64_t lower, cap, cost;
} ref_arc;

typedef struct ref_net {
  int n, m;
  int64_t supply[REF_MAXN];
  ref_arc arc[REF_MAXA];
} ref_net;

/* Returns 1 and the optimal cost, or 0 if infeasible. */
static int ref_solve(const ref_net *g, int64_t *cost_out) {
  /* residual graph over n + 2 nodes: S = n, T = n + 1 */
  enum { MAXE = 2 * (REF_MAXA + 2 * REF_MAXN) };
  int to[MAXE], from[MAXE];
  int64_t cap[MAXE], cost[MAXE];
  int ne = 0;
  int64_t excess[REF_MAXN] = {0}, base = 0;
  for (int v = 0; v < g->n; v++)
    excess[v] = g->supply[v];
  for (int i = 0; i < g->m; i++) {
    const ref_arc *a = &g->arc[i];
    int64_t pre = a->lower, span = a->cap - a->lower;
    if (a->cost < 0) { /* saturate: residual is the reverse, cost > 0 */
      pre = a->cap;
    }
    base += pre * a->cost;
    excess[a->from] -= pre;
    excess[a->to] += pre;
    int64_t fwd = a->cost < 0 ? 0 : span, bwd = a->cost < 0 ? span : 0;
    from[ne] = a->from, to[ne] = a->to, cap[ne] = fwd, cost[ne] = a->cost;
    ne++;
    from[ne] = a->to, to[ne] = a->from, cap[ne] = bwd, cost[ne] = -a->cost;
    ne++;
  }
  int S = g->n, T = g->n + 1, N = g->n + 2;
  int64_t need = 0;
  for (int v = 0; v < g->n; v++) {
    if (excess[v] > 0) {
      from[ne] = S, to[ne] = v, cap[ne] = excess[v], cost[ne] = 0, ne++;
      from[ne] = v, to[ne] = S, cap[ne] = 0, cost[ne] = 0, ne++;
      need += excess[v];
    } else if (excess[v] < 0) {
      from[ne] = v, to[ne] = T, cap[ne] = -excess[v], cost[ne] = 0, ne++;
      from[ne] = T, to[ne] = v, cap[ne] = 0, cost[ne] = 0, ne++;
    }
  }
  int64_t total = base;
  while (need > 0) {
    int64_t dist[REF_MAXN + 2];
    int via[REF_MAXN + 2];
    for (int v = 0; v < N; v++)
      dist[v] = INT64_MAX, via[v] = -1;
    dist[S] = 0;
    for (int round = 0; round < N; round++)
      for (int e = 0; e < ne; e++)
        if (cap[e] > 0 && dist[from[e]] != INT64_MAX &&
            dist[from[e]] + cost[e] < dist[to[e]]) {
          dist[to[e]] = dist[from[e]] + cost[e];
          via[to[e]] = e;
        }
    if (dist[T] == INT64_MAX)
      return 0;
    int64_t d = need;
    for (int v = T; v != S; v = from[via[v]])
      if (cap[via[v]] < d)
        d = cap[via[v]];
    for (int v = T; v != S; v = from[via[v]]) {
      cap[via[v]] -= d;
      cap[via[v] ^ 1] += d;
    }
    total += d * dist[T];
    need -= d;
  }
  *cost_out = total;
  return 1;
}

static pl_mcf *ref_to_mcf(const ref_net *g) {
  pl_mcf *m = NULL;
  assert_int_equal(pl_mcf_new(g->n, 0, &m), 0);
  for (int i = 0; i < g->m; i++) {
    const ref_arc *a = &g->arc[i];
    assert_int_equal(
        pl_mcf_add_arc_bounded(m, a->from, a->to, a->lower, a->cap, a->cost),
        i);
  }
  for (int v = 0; v < g->n; v++)
    assert_int_equal(pl_mcf_set_supply(m, v, g->supply[v]), 0);
  return m;
}

static void random_net(mcf_rng *r, ref_net *g, int with_lower) {
  g->n = (int)mcf_rng_int(r, 2, 8);
  g->m = (int)mcf_rng_int(r, 0, 3 * g->n);
  for (int i = 0; i < g->m; i++) {
    ref_arc *a = &g->arc[i];
    a->from = (int)mcf_rng_int(r, 0, g->n - 1);
    a->to = (int)mcf_rng_int(r, 0, g->n - 1); /* self-loops allowed */
    a->cap = mcf_rng_int(r, 0, 12);
    a->lower =
        with_lower && mcf_rng_int(r, 0, 3) == 0 ? mcf_rng_int(r, 0, a->cap) : 0;
    a->cost = mcf_rng_int(r, -10, 25);
  }
  int64_t sum = 0;
  for (int v = 0; v < g->n - 1; v++) {
    g->supply[v] = mcf_rng_int(r, -8, 8);
    sum += g->supply[v];
  }
  g->supply[g->n - 1] = -sum;
}

/* ---- certificate checks ---- */

/* Conservation, bounds and reduced-cost optimality; returns the cost
 * recomputed from the flows. */
static int64_t check_certificate(const pl_mcf *m) {
  int n = pl_mcf_node_count(m), na = pl_mcf_arc_count(m);
  int64_t *net = calloc((size_t)n, sizeof(int64_t));
  assert_non_null(net);
  int64_t total = 0;
  for (int a = 0; a < na; a++) {
    int u, v;
    int64_t lo, cap, cost;
    assert_int_equal(pl_mcf_arc(m, a, &u, &v, &lo, &cap, &cost), 0);
    int64_t f = pl_mcf_flow(m, a);
    assert_true(f >= lo && f <= cap);
    net[u] += f;
    net[v] -= f;
    total += f * cost;
    int64_t rc = cost + pl_mcf_potential(m, u) - pl_mcf_potential(m, v);
    if (f < cap)
      assert_true(rc >= 0);
    if (f > lo)
      assert_true(rc <= 0);
  }
  for (int v = 0; v < n; v++)
    assert_true(net[v] == pl_mcf_supply(m, v));
  free(net);
  return total;
}

/* ---- tests ---- */

static void transport_problem_has_known_optimum(void **state) {
  (void)state;
  /* Two sources (10, 5), two sinks (-8, -7); costs
   *   0->2: 4, 0->3: 6, 1->2: 5, 1->3: 3.
   * Optimum: 1 sends 5 to 3 (15), 0 sends 8 to 2 (32) and 2 to 3 (12). */
  pl_mcf *m;
  assert_int_equal(pl_mcf_new(4, 4, &m), 0);
  assert_int_equal(pl_mcf_add_arc(m, 0, 2, 100, 4), 0);
  assert_int_equal(pl_mcf_add_arc(m, 0, 3, 100, 6), 1);
  assert_int_equal(pl_mcf_add_arc(m, 1, 2, 100, 5), 2);
  assert_int_equal(pl_mcf_add_arc(m, 1, 3, 100, 3), 3);
  pl_mcf_set_supply(m, 0, 10);
  pl_mcf_set_supply(m, 1, 5);
  pl_mcf_set_supply(m, 2, -8);
  pl_mcf_set_supply(m, 3, -7);
  int64_t cost = -1;
  assert_int_equal(pl_mcf_solve(m, &cost), 0);
  assert_int_equal(cost, 59);
  assert_int_equal(pl_mcf_flow(m, 0), 8);
  assert_int_equal(pl_mcf_flow(m, 1), 2);
  assert_int_equal(pl_mcf_flow(m, 2), 0);
  assert_int_equal(pl_mcf_flow(m, 3), 5);
  assert_int_equal(check_certificate(m), 59);
  pl_mcf_free(m);
}

static void negative_cycle_is_saturated(void **state) {
  (void)state;
  /* Zero supplies, a cycle of total cost -3 with capacity 4: cost -12. */
  pl_mcf *m;
  assert_int_equal(pl_mcf_new(3, 0, &m), 0);
  pl_mcf_add_arc(m, 0, 1, 4, -5);
  pl_mcf_add_arc(m, 1, 2, 9, 1);
  pl_mcf_add_arc(m, 2, 0, 7, 1);
  int64_t cost;
  assert_int_equal(pl_mcf_solve(m, &cost), 0);
  assert_int_equal(cost, -12);
  check_certificate(m);
  pl_mcf_free(m);
}

static void unbalanced_supplies_are_rejected(void **state) {
  (void)state;
  pl_mcf *m;
  assert_int_equal(pl_mcf_new(2, 0, &m), 0);
  pl_mcf_add_arc(m, 0, 1, 10, 1);
  pl_mcf_set_supply(m, 0, 5);
  pl_mcf_set_supply(m, 1, -4);
  int64_t cost = 77;
  assert_int_equal(pl_mcf_solve(m, &cost), PL_EINVAL);
  assert_int_equal(pl_mcf_resolve(m, &cost), PL_EINVAL);
  assert_int_equal(cost, 77);
  pl_mcf_free(m);
}

static void infeasible_problems_are_detected(void **state) {
  (void)state;
  int64_t cost;
  pl_mcf *m;
  /* capacity too small */
  assert_int_equal(pl_mcf_new(2, 0, &m), 0);
  pl_mcf_add_arc(m, 0, 1, 3, 1);
  pl_mcf_set_supply(m, 0, 5);
  pl_mcf_set_supply(m, 1, -5);
  assert_int_equal(pl_mcf_solve(m, &cost), PL_EPRECOND);
  pl_mcf_free(m);
  /* no path at all */
  assert_int_equal(pl_mcf_new(3, 0, &m), 0);
  pl_mcf_add_arc(m, 1, 0, 30, 1);
  pl_mcf_set_supply(m, 0, 1);
  pl_mcf_set_supply(m, 1, -1);
  assert_int_equal(pl_mcf_solve(m, &cost), PL_EPRECOND);
  pl_mcf_free(m);
  /* a lower bound that cannot be met */
  assert_int_equal(pl_mcf_new(2, 0, &m), 0);
  pl_mcf_add_arc_bounded(m, 0, 1, 2, 5, 1);
  assert_int_equal(pl_mcf_solve(m, &cost), PL_EPRECOND);
  pl_mcf_free(m);
}

static void bad_arguments_are_rejected(void **state) {
  (void)state;
  pl_mcf *m = (pl_mcf *)1;
  assert_int_equal(pl_mcf_new(0, 0, &m), PL_EINVAL);
  assert_null(m);
  assert_int_equal(pl_mcf_new(PL_MCF_MAX_NODES + 1, 0, &m), PL_EINVAL);
  assert_int_equal(pl_mcf_new(2, 0, &m), 0);
  assert_int_equal(pl_mcf_add_arc(m, 0, 2, 1, 1), PL_EINVAL);
  assert_int_equal(pl_mcf_add_arc(m, -1, 0, 1, 1), PL_EINVAL);
  assert_int_equal(pl_mcf_add_arc(m, 0, 1, -1, 1), PL_EINVAL);
  assert_int_equal(pl_mcf_add_arc_bounded(m, 0, 1, 3, 2, 1), PL_EINVAL);
  assert_int_equal(pl_mcf_set_supply(m, 2, 1), PL_EINVAL);
  assert_int_equal(pl_mcf_shift_supply(m, 0, 1, -1), PL_EINVAL);
  assert_int_equal(pl_mcf_shift_supply(m, 0, 5, 1), PL_EINVAL);
  /* costs too large for exact int64 arithmetic */
  assert_int_equal(pl_mcf_add_arc(m, 0, 1, 1, INT64_MIN), 0);
  int64_t cost;
  assert_int_equal(pl_mcf_solve(m, &cost), PL_ELIMIT);
  pl_mcf_free(m);
  /* nodes * cost past 2^63: refused without overflowing */
  assert_int_equal(pl_mcf_new(1 << 20, 0, &m), 0);
  assert_int_equal(pl_mcf_add_arc(m, 0, 1, 1, (int64_t)1 << 50), 0);
  assert_int_equal(pl_mcf_solve(m, &cost), PL_ELIMIT);
  pl_mcf_free(m);
  pl_mcf_free(NULL);
}

static void random_small_networks_match_the_reference(void **state) {
  (void)state;
  mcf_rng r = {42};
  int feasible = 0, infeasible = 0;
  for (int it = 0; it < 3000; it++) {
    ref_net g;
    random_net(&r, &g, it % 2);
    int64_t want = 0, got = 0;
    int ok = ref_solve(&g, &want);
    pl_mcf *m = ref_to_mcf(&g);
    int rc = pl_mcf_solve(m, &got);
    if (ok) {
      feasible++;
      assert_int_equal(rc, 0);
      assert_true(got == want);
      assert_true(check_certificate(m) == got);
    } else {
      infeasible++;
      assert_int_equal(rc, PL_EPRECOND);
    }
    pl_mcf_free(m);
  }
  /* both outcomes were exercised */
  assert_true(feasible > 300 && infeasible > 300);
}

static void resolve_matches_scratch_on_small_networks(void **state) {
  (void)state;
  mcf_rng r = {7};
  for (int it = 0; it < 1500; it++) {
    ref_net g;
    random_net(&r, &g, it % 2);
    pl_mcf *m = ref_to_mcf(&g);
    int64_t c;
    int rc = pl_mcf_solve(m, &c);
    for (int k = 0; k < 4; k++) {
      /* one change, or several at once (many excess and deficit nodes) */
      int changes = k % 2 ? (int)mcf_rng_int(&r, 2, 4) : 1;
      for (int ch = 0; ch < changes; ch++) {
        int a = (int)mcf_rng_int(&r, 0, g.n - 1);
        int b = (int)mcf_rng_int(&r, 0, g.n - 1);
        int64_t amt = mcf_rng_int(&r, 0, 5);
        assert_int_equal(pl_mcf_shift_supply(m, a, b, amt), 0);
        if (a != b) {
          g.supply[a] -= amt;
          g.supply[b] += amt;
        }
      }
      int64_t want, got;
      int ok = ref_solve(&g, &want);
      rc = pl_mcf_resolve(m, &got);
      if (ok) {
        assert_int_equal(rc, 0);
        assert_true(got == want);
        assert_true(check_certificate(m) == got);
      } else {
        assert_int_equal(rc, PL_EPRECOND);
      }
    }
    pl_mcf_free(m);
  }
}

static void generated_instance_is_certified(int stores, int dcs,
                                            uint64_t seed) {
  pl_mcf *m;
  assert_int_equal(mcf_gen_build(stores, dcs, seed, &m), 0);
  int64_t cost;
  assert_int_equal(pl_mcf_solve(m, &cost), 0);
  assert_true(cost > 0);
  assert_true(check_certificate(m) == cost);
  pl_mcf_free(m);
}

static void generated_50_stores_is_optimal(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 5; seed++)
    generated_instance_is_certified(50, 3, seed);
}

static void generated_500_stores_is_optimal(void **state) {
  (void)state;
  generated_instance_is_certified(500, 10, 1);
  generated_instance_is_certified(500, 10, 2);
}

static void resolve_matches_scratch_on_generated_instance(void **state) {
  (void)state;
  const int stores = 500, dcs = 10;
  pl_mcf *m, *fresh;
  assert_int_equal(mcf_gen_build(stores, dcs, 3, &m), 0);
  int64_t c;
  assert_int_equal(pl_mcf_solve(m, &c), 0);
  mcf_rng r = {99};
  int n = pl_mcf_node_count(m), agreed = 0;
  for (int k = 0; k < 40; k++) {
    /* stock moves between stores and DCs (not the sink) */
    int a = (int)mcf_rng_int(&r, 0, n - 2);
    int b = (int)mcf_rng_int(&r, 0, n - 2);
    int64_t amt = mcf_rng_int(&r, 1, 25);
    assert_int_equal(pl_mcf_shift_supply(m, a, b, amt), 0);
    int64_t got = 0, want = 0;
    int rc = pl_mcf_resolve(m, &got);
    assert_int_equal(mcf_gen_build(stores, dcs, 3, &fresh), 0);
    for (int v = 0; v < n; v++)
      pl_mcf_set_supply(fresh, v, pl_mcf_supply(m, v));
    int rc2 = pl_mcf_solve(fresh, &want);
    assert_int_equal(rc, rc2);
    if (rc == 0) {
      assert_true(got == want);
      assert_true(check_certificate(m) == got);
      agreed++;
    }
    pl_mcf_free(fresh);
  }
  assert_true(agreed > 20);
  pl_mcf_free(m);
}

static void set_supply_after_solve_is_resolved_incrementally(void **state) {
  (void)state;
  pl_mcf *m;
  assert_int_equal(pl_mcf_new(3, 0, &m), 0);
  pl_mcf_add_arc(m, 0, 1, 10, 2);
  pl_mcf_add_arc(m, 0, 2, 10, 5);
  pl_mcf_add_arc(m, 1, 2, 3, 1);
  pl_mcf_set_supply(m, 0, 4);
  pl_mcf_set_supply(m, 2, -4);
  int64_t c;
  assert_int_equal(pl_mcf_solve(m, &c), 0);
  assert_int_equal(c, 3 * 3 + 1 * 5);
  pl_mcf_set_supply(m, 0, 2);
  pl_mcf_set_supply(m, 2, -2);
  assert_int_equal(pl_mcf_resolve(m, &c), 0);
  assert_int_equal(c, 2 * 3);
  assert_int_equal(check_certificate(m), 6);
  pl_mcf_free(m);
}

/* ---- sparse capacitated family ---- */

/* A random seed, or PL_MCF_SEED when set; printed so a failure replays. */
static uint64_t sparse_seed(const char *what) {
  const char *env = getenv("PL_MCF_SEED");
  uint64_t seed = env != NULL ? strtoull(env, NULL, 10)
                              : (uint64_t)time(NULL) * 1000003u ^
                                    (uint64_t)clock() ^ (uint64_t)getpid();
  print_message("%s: seed %llu (PL_MCF_SEED=%llu to replay)\n", what,
                (unsigned long long)seed, (unsigned long long)seed);
  return seed;
}

static const mcf_sparse_opts sparse_shapes[] = {
    {4, 0.5, 0.1, 0.1, 0.15}, /* the peer series' shape */
    {2, 0.8, 0.05, 0.0, 0.3}, /* thin, mostly binding, many pass-through */
    {8, 0.3, 0.3, 0.3, 0.1},  /* dense-ish, many free and parallel lanes */
};

static void sparse_instances_are_certified(void **state) {
  (void)state;
  uint64_t seed = sparse_seed("sparse_instances_are_certified");
  for (size_t s = 0; s < sizeof sparse_shapes / sizeof sparse_shapes[0]; s++) {
    for (int k = 0; k < 3; k++) {
      pl_mcf *m;
      int n = k == 0 ? 60 : (k == 1 ? 400 : 1500);
      assert_int_equal(
          mcf_gen_sparse(n, seed + s * 7 + (uint64_t)k, &sparse_shapes[s], &m),
          0);
      int64_t cost;
      assert_int_equal(pl_mcf_solve(m, &cost), 0);
      assert_true(check_certificate(m) == cost);
      /* some capacity binds at the optimum (the shape's point) */
      int binding = 0;
      for (int a = 0; a < pl_mcf_arc_count(m); a++) {
        int64_t cap;
        pl_mcf_arc(m, a, NULL, NULL, NULL, &cap, NULL);
        binding += pl_mcf_flow(m, a) == cap;
      }
      assert_true(binding > 0);
      pl_mcf_free(m);
    }
  }
}

static void sparse_resolve_matches_scratch(void **state) {
  (void)state;
  uint64_t seed = sparse_seed("sparse_resolve_matches_scratch");
  const mcf_sparse_opts *o = &sparse_shapes[0];
  const int n = 600;
  pl_mcf *m, *fresh;
  assert_int_equal(mcf_gen_sparse(n, seed, o, &m), 0);
  int64_t c;
  assert_int_equal(pl_mcf_solve(m, &c), 0);
  mcf_rng r = {seed ^ 0x5bd1e995u};
  int agreed = 0;
  for (int k = 0; k < 40; k++) {
    int a = (int)mcf_rng_int(&r, 0, n - 1);
    int b = (int)mcf_rng_int(&r, 0, n - 1);
    assert_int_equal(pl_mcf_shift_supply(m, a, b, mcf_rng_int(&r, 1, 3)), 0);
    int64_t got = 0, want = 0;
    int rc = pl_mcf_resolve(m, &got);
    assert_int_equal(mcf_gen_sparse(n, seed, o, &fresh), 0);
    for (int v = 0; v < n; v++)
      pl_mcf_set_supply(fresh, v, pl_mcf_supply(m, v));
    int rc2 = pl_mcf_solve(fresh, &want);
    assert_int_equal(rc, rc2);
    if (rc == 0) {
      assert_true(got == want);
      assert_true(check_certificate(m) == got);
      agreed++;
    }
    pl_mcf_free(fresh);
  }
  print_message("sparse_resolve_matches_scratch: %d of 40 feasible\n", agreed);
  assert_true(agreed > 0);
  pl_mcf_free(m);
}

/* ---- DIMACS ---- */

static int parse(const char *text, pl_mcf **m, char *why) {
  return pl_mcf_read_dimacs(text, strlen(text), m, why, 120);
}

static void dimacs_file_is_read_and_solved(void **state) {
  (void)state;
  const char *text = "c tiny\n"
                     "p min 3 3\n"
                     "n 1 4\r\n"
                     "n 3 -4\n"
                     "\n"
                     "a 1 2 0 10 2\n"
                     "a 2 3 1 3 1\n"
                     "a 1 3 0 10 5\n";
  pl_mcf *m;
  char why[120];
  assert_int_equal(parse(text, &m, why), 0);
  assert_int_equal(pl_mcf_node_count(m), 3);
  assert_int_equal(pl_mcf_arc_count(m), 3);
  int64_t c;
  assert_int_equal(pl_mcf_solve(m, &c), 0);
  assert_int_equal(c, 3 * 3 + 1 * 5);
  assert_int_equal(pl_mcf_flow(m, 1), 3);
  check_certificate(m);
  pl_mcf_free(m);
}

static void dimacs_errors_name_the_line(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *why;
  } cases[] = {
      {"p min 2 1\na 1 3 0 1 1\n", "line 2: node id out of range"},
      {"p min 2 1\na 1 2 0 1\n", "line 2: expected"},
      {"p min 2 1\na 1 2 0 1 1 9\n", "line 2: expected"},
      {"p min 2 1\na 1 2 5 1 1\n", "line 2: bounds"},
      {"p min 2 1\nn 1 99999999999999999999\n", "line 2: expected"},
      {"p min 2 1\nn 1 1\nn 1 1\n", "line 3: node 1 given twice"},
      {"p min 2 1\na 1 2 0 1 1\na 1 2 0 1 1\n", "line 3: more arcs"},
      {"p min 2 2\na 1 2 0 1 1\n", "line 2: 1 arcs read"},
      {"a 1 2 0 1 1\n", "line 1: a line before"},
      {"c only\n", "line 1: no p line"},
      {"p max 2 1\n", "line 1: expected 'p min"},
      {"p min 0 0\n", "line 1: node or arc count"},
      {"p min 2 0\np min 2 0\n", "line 2: second p line"},
      {"p min 2 0\nx\n", "line 2: unknown line type"},
      {"p min 2 0\nn1 5\n", "line 2: unknown line type"},
      {"p min 2 1\na 1 2 0 1 1x\n", "line 2: expected"},
      {"p min 2 1\na 1 2 0 1 -\n", "line 2: expected"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pl_mcf *m = (pl_mcf *)1;
    char why[120];
    assert_int_equal(parse(cases[i].text, &m, why), PL_EINVAL);
    assert_null(m);
    if (strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
      fail_msg("case %zu: got \"%s\", want \"%s...\"", i, why, cases[i].why);
  }
}

static void dimacs_extreme_numbers_parse_exactly(void **state) {
  (void)state;
  const char *text = "p min 2 1\n"
                     "n 1 9223372036854775807\n"
                     "n 2 -9223372036854775808\n"
                     "a 1 2 0 9223372036854775807 -9223372036854775808\n";
  pl_mcf *m;
  char why[120];
  assert_int_equal(parse(text, &m, why), 0);
  assert_true(pl_mcf_supply(m, 1) == INT64_MIN);
  int64_t c;
  assert_true(pl_mcf_solve(m, &c) != 0); /* unbalanced or beyond limits */
  pl_mcf_free(m);
}

static void dimacs_reader_survives_mutated_input(void **state) {
  (void)state;
  const char *seed_text = "c x\np min 4 5\nn 1 7\nn 4 -7\na 1 2 0 5 3\n"
                          "a 2 4 0 9 1\na 1 3 1 4 2\na 3 4 0 9 2\n"
                          "a 4 1 0 2 -1\n";
  size_t len = strlen(seed_text);
  char *buf = malloc(len + 8);
  assert_non_null(buf);
  mcf_rng r = {2026};
  static const char alphabet[] = "0123456789 -\nacnp\r\t+x";
  for (int it = 0; it < 20000; it++) {
    memcpy(buf, seed_text, len);
    size_t n = len;
    int edits = (int)mcf_rng_int(&r, 1, 4);
    for (int k = 0; k < edits; k++) {
      size_t at = (size_t)mcf_rng_int(&r, 0, (int64_t)n - 1);
      switch (mcf_rng_int(&r, 0, 2)) {
      case 0:
        buf[at] = alphabet[mcf_rng_int(&r, 0, sizeof alphabet - 2)];
        break;
      case 1:
        n = at + 1; /* truncate */
        break;
      default:
        buf[at] = (char)mcf_rng_next(&r);
      }
    }
    /* exact-length copy so ASan catches any read past the end */
    char *exact = malloc(n);
    assert_non_null(exact);
    memcpy(exact, buf, n);
    pl_mcf *m = NULL;
    char why[64];
    int rc = pl_mcf_read_dimacs(exact, n, &m, why, sizeof why);
    if (rc == 0) {
      int64_t c;
      rc = pl_mcf_solve(m, &c);
      assert_true(rc == 0 || rc == PL_EINVAL || rc == PL_EPRECOND ||
                  rc == PL_ELIMIT);
      if (rc == 0)
        check_certificate(m);
      pl_mcf_free(m);
    } else {
      assert_int_equal(rc, PL_EINVAL);
      assert_null(m);
      assert_true(strncmp(why, "line ", 5) == 0);
    }
    free(exact);
  }
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(transport_problem_has_known_optimum),
      cmocka_unit_test(negative_cycle_is_saturated),
      cmocka_unit_test(unbalanced_supplies_are_rejected),
      cmocka_unit_test(infeasible_problems_are_detected),
      cmocka_unit_test(bad_arguments_are_rejected),
      cmocka_unit_test(random_small_networks_match_the_reference),
      cmocka_unit_test(resolve_matches_scratch_on_small_networks),
      cmocka_unit_test(generated_50_stores_is_optimal),
      cmocka_unit_test(generated_500_stores_is_optimal),
      cmocka_unit_test(resolve_matches_scratch_on_generated_instance),
      cmocka_unit_test(set_supply_after_solve_is_resolved_incrementally),
      cmocka_unit_test(sparse_instances_are_certified),
      cmocka_unit_test(sparse_resolve_matches_scratch),
      cmocka_unit_test(dimacs_file_is_read_and_solved),
      cmocka_unit_test(dimacs_errors_name_the_line),
      cmocka_unit_test(dimacs_extreme_numbers_parse_exactly),
      cmocka_unit_test(dimacs_reader_survives_mutated_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
