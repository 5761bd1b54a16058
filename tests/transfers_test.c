/* Transfers on a real engine: lanes (set, replace, delete, restart) and
 * QuoteTransfer checked against a brute-force enumeration of every simple
 * route on random small chains. */
#include "testutil.h"

#include "pitlane/inventory.h"
#include "pitlane/transfers.h"

#define NW 6

typedef test_fx fx;

static const char *wh(int i) {
  static const char *const codes[NW] = {"W0", "W1", "W2", "W3", "W4", "DC"};
  return codes[i];
}

static int setup(void **state) {
  fx *f = test_fx_with_store(1790000000000, "c1", "S1");
  for (int i = 0; i < NW; i++) {
    pl_warehouse_info w = {.chain = "c1", .name = "w"};
    strcpy(w.code, wh(i));
    assert_int_equal(pl_warehouse_create(f->e, &w, NULL, NULL, NULL, NULL), 0);
  }
  pl_part_info p = {
      .chain = "c1", .part_no = "P1", .name = "filter", .purchase_fen = 1000};
  assert_int_equal(pl_part_create(f->e, &p, NULL, NULL, NULL, NULL), 0);
  *state = f;
  return 0;
}

static void receive(pl_engine *e, int w, int64_t qty) {
  pl_move_req r = {.chain = "c1",
                   .part_no = "P1",
                   .qty = qty,
                   .actor = "test",
                   .unit_cost_fen = 1000};
  strcpy(r.warehouse, wh(w));
  pl_error err = {0};
  if (pl_stock_receive(e, &r, NULL, NULL, NULL, &err) != 0)
    fail_msg("receive: %s", err.msg);
}

static void lane(pl_engine *e, int a, int b, int64_t fixed, int64_t unit,
                 int lead, int64_t cap) {
  pl_lane_info l = {.chain = "c1",
                    .fixed_fen = fixed,
                    .unit_fen = unit,
                    .lead_min = lead,
                    .capacity = cap};
  strcpy(l.from, wh(a));
  strcpy(l.to, wh(b));
  pl_error err = {0};
  if (pl_lane_set(e, &l, NULL, &err) != 0)
    fail_msg("lane: %s", err.msg);
}

/* ---- brute force -------------------------------------------------------- */

typedef struct bl {
  int live;
  int64_t fixed, unit, cap;
  int lead;
} bl;

static int64_t bl_cost(const bl *l, int64_t q) {
  int64_t ships = l->cap > 0 ? (q + l->cap - 1) / l->cap : 1;
  return ships * l->fixed + l->unit * q;
}

/* Cheapest simple route cost from u to dest for q units (INT64_MAX: none). */
static int64_t best_route(bl lanes[NW][NW], int u, int dest, int64_t q,
                          int *seen) {
  if (u == dest)
    return 0;
  int64_t best = INT64_MAX;
  seen[u] = 1;
  for (int v = 0; v < NW; v++) {
    if (!lanes[u][v].live || seen[v])
      continue;
    int64_t rest = best_route(lanes, v, dest, q, seen);
    if (rest == INT64_MAX)
      continue;
    int64_t c = bl_cost(&lanes[u][v], q) + rest;
    if (c < best)
      best = c;
  }
  seen[u] = 0;
  return best;
}

static void quotes_match_brute_force(void **st) {
  fx *f = *st;
  srand(11);
  static bl lanes[NW][NW];
  int64_t stock[NW] = {0};
  for (int round = 0; round < 30; round++) {
    /* change the network a little: a lane set or replaced, some stock */
    int a = rand() % NW, b = rand() % NW;
    if (a != b) {
      bl l = {1, rand() % 5000, 1 + rand() % 300,
              rand() % 3 ? 0 : 1 + rand() % 10, rand() % 600};
      lanes[a][b] = l;
      lane(f->e, a, b, l.fixed, l.unit, l.lead, l.cap);
    }
    int w = rand() % NW;
    int64_t add = 1 + rand() % 20;
    receive(f->e, w, add);
    stock[w] += add;
    for (int dest = 0; dest < NW; dest++) {
      int64_t q = 1 + rand() % 15;
      pl_transfer_plan plans[NW];
      pl_error err = {0};
      int n =
          pl_quote_transfer(f->e, "c1", "P1", q, wh(dest), 0, plans, NW, &err);
      assert_true(n >= 0);
      /* every source with enough stock and a route is a plan, at the
       * brute-force optimum */
      int expect = 0;
      for (int s = 0; s < NW; s++) {
        if (s == dest || stock[s] < q)
          continue;
        int seen[NW] = {0};
        int64_t best = best_route(lanes, s, dest, q, seen);
        if (best == INT64_MAX)
          continue;
        expect++;
        int found = 0;
        for (int i = 0; i < n; i++)
          if (!plans[i].split && strcmp(plans[i].legs[0].source, wh(s)) == 0) {
            found = 1;
            if (plans[i].cost_fen != best)
              fail_msg("round %d dest %d src %d q %lld: %lld, brute force "
                       "%lld",
                       round, dest, s, (long long)q,
                       (long long)plans[i].cost_fen, (long long)best);
          }
        assert_true(found);
      }
      if (expect > 0) {
        assert_int_equal(n, expect);
        for (int i = 1; i < n; i++)
          assert_true(plans[i - 1].cost_fen <= plans[i].cost_fen);
      } else if (n == 1) {
        /* a split: legs cover q from distinct sources with stock */
        assert_true(plans[0].split);
        int64_t sum = 0;
        for (int l = 0; l < plans[0].n_legs; l++)
          sum += plans[0].legs[l].qty;
        assert_true(sum == q);
      }
    }
  }
}

static void late_plans_are_flagged(void **st) {
  fx *f = *st;
  receive(f->e, 1, 10);
  lane(f->e, 1, 0, 500, 10, 120, 0);
  pl_transfer_plan p[2];
  int64_t now = f->clk.now_ms;
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 5, "W0",
                                     now + 60 * 60000, p, 2, NULL),
                   1);
  assert_true(p[0].late);
  assert_true(p[0].arrival_ms == now + 120 * 60000);
  assert_true(p[0].cost_fen == 500 + 50);
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 5, "W0",
                                     now + 180 * 60000, p, 2, NULL),
                   1);
  assert_false(p[0].late);
}

static void capacity_means_more_shipments(void **st) {
  fx *f = *st;
  receive(f->e, 1, 100);
  lane(f->e, 1, 0, 1000, 1, 10, 10); /* 10 units a shipment */
  pl_transfer_plan p[1];
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 25, "W0", 0, p, 1, NULL),
                   1);
  assert_true(p[0].cost_fen == 3 * 1000 + 25);
}

static void a_split_covers_what_no_single_source_can(void **st) {
  fx *f = *st;
  receive(f->e, 1, 4);
  receive(f->e, 2, 4);
  lane(f->e, 1, 0, 100, 10, 30, 0);
  lane(f->e, 2, 0, 100, 20, 60, 0);
  pl_transfer_plan p[2];
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 6, "W0", 0, p, 2, NULL),
                   1);
  assert_true(p[0].split);
  assert_int_equal(p[0].n_legs, 2);
  assert_string_equal(p[0].legs[0].source, "W1"); /* cheaper per unit */
  assert_true(p[0].legs[0].qty == 4 && p[0].legs[1].qty == 2);
  assert_true(p[0].cost_fen == (100 + 40) + (100 + 40));
  assert_true(p[0].arrival_ms == f->clk.now_ms + 60 * 60000);
  /* more than the chain holds: no plan */
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 9, "W0", 0, p, 2, NULL),
                   0);
}

/* Regression (issue 19, defect 3): a split leg is priced on the cheapest
 * route for the leg's own quantity, not on the route that was cheapest for
 * everything still needed. W2 holds 2: its direct lane (fixed 600) is the
 * cheaper route for 8 units, the route through DC (per unit only) the
 * cheaper one for 2. */
static void a_split_leg_takes_its_own_cheapest_route(void **st) {
  fx *f = *st;
  receive(f->e, 1, 6);
  receive(f->e, 2, 2);
  lane(f->e, 1, 0, 0, 400, 30, 0);
  lane(f->e, 2, 0, 600, 1, 10, 0);
  lane(f->e, 2, 5, 0, 50, 20, 0);
  lane(f->e, 5, 0, 0, 50, 20, 0);
  pl_transfer_plan p[2];
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 8, "W0", 0, p, 2, NULL),
                   1);
  assert_true(p[0].split);
  assert_int_equal(p[0].n_legs, 2);
  assert_string_equal(p[0].legs[0].source, "W2"); /* 100 per unit */
  assert_true(p[0].legs[0].qty == 2);
  assert_int_equal(p[0].legs[0].n_hops, 2);
  assert_string_equal(p[0].legs[0].path[1], "DC");
  assert_true(p[0].legs[0].cost_fen == 2 * 50 + 2 * 50);
  assert_int_equal(p[0].legs[0].lead_min, 40);
  assert_string_equal(p[0].legs[1].source, "W1");
  assert_true(p[0].legs[1].cost_fen == 6 * 400);
  assert_true(p[0].cost_fen == 200 + 2400);
  assert_true(p[0].arrival_ms == f->clk.now_ms + 40 * 60000);
}

/* A warehouse and a lane of chain c1 by code (for networks beyond wh()). */
static void wh_create(pl_engine *e, const char *code) {
  pl_warehouse_info w = {.chain = "c1", .name = "w"};
  strcpy(w.code, code);
  assert_int_equal(pl_warehouse_create(e, &w, NULL, NULL, NULL, NULL), 0);
}

static void lane_by_code(pl_engine *e, const char *from, const char *to,
                         int64_t fixed, int64_t unit, int lead, int64_t cap) {
  pl_lane_info l = {.chain = "c1",
                    .fixed_fen = fixed,
                    .unit_fen = unit,
                    .lead_min = lead,
                    .capacity = cap};
  strcpy(l.from, from);
  strcpy(l.to, to);
  pl_error err = {0};
  if (pl_lane_set(e, &l, NULL, &err) != 0)
    fail_msg("lane: %s", err.msg);
}

static void receive_at(pl_engine *e, const char *code, int64_t qty) {
  pl_move_req r = {.chain = "c1",
                   .part_no = "P1",
                   .qty = qty,
                   .actor = "test",
                   .unit_cost_fen = 1000};
  strcpy(r.warehouse, code);
  pl_error err = {0};
  if (pl_stock_receive(e, &r, NULL, NULL, NULL, &err) != 0)
    fail_msg("receive: %s", err.msg);
}

/* Regression (fuzz finding quote_path_over_7_hops): the cheapest route
 * overall, L0 > L1 > .. > L8, has 8 lanes, more than a leg's path holds
 * (PL_ROUTE_MAX_HOPS). The quote and the order take the cheapest route of
 * at most that many lanes (L0 > L3 > .. > L8: 6 lanes) instead of writing
 * past the path or calling L0 unreachable; L1, reachable only over 7
 * lanes, has no route. */
static void routes_are_the_cheapest_within_the_hop_bound(void **st) {
  fx *f = *st;
  char code[9][8];
  for (int i = 0; i < 9; i++) {
    snprintf(code[i], sizeof code[i], "L%d", i);
    wh_create(f->e, code[i]);
  }
  for (int i = 0; i < 8; i++)
    lane_by_code(f->e, code[i], code[i + 1], 0, 1, 10, 0);
  lane_by_code(f->e, "L0", "L3", 0, 4, 5, 0); /* 6 lanes: 5 * (4 + 5) */
  lane_by_code(f->e, "L0", "L4", 0, 6, 5, 0); /* 5 lanes: 5 * (6 + 4) */
  receive_at(f->e, "L0", 5);
  receive_at(f->e, "L1", 5);
  pl_transfer_plan p[4];
  pl_error err = {0};
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 5, "L8", 0, p, 4, &err),
                   1);
  assert_int_equal(p[0].n_legs, 1);
  const pl_plan_leg *l = &p[0].legs[0];
  assert_string_equal(l->source, "L0");
  assert_int_equal(l->n_hops, PL_ROUTE_MAX_HOPS);
  const char *want[] = {"L0", "L3", "L4", "L5", "L6", "L7", "L8"};
  for (int h = 0; h <= l->n_hops; h++)
    assert_string_equal(l->path[h], want[h]);
  assert_true(l->cost_fen == 45);
  assert_int_equal(l->lead_min, 5 + 5 * 10);
  /* L1 has no route, so nothing covers 10 */
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 10, "L8", 0, p, 4, &err),
                   0);
  pl_transfer_info in = {.chain = "c1",
                         .part_no = "P1",
                         .qty = 5,
                         .from = "L0",
                         .to = "L8",
                         .actor = "planner"};
  pl_transfer_info t;
  assert_int_equal(pl_transfer_create(f->e, &in, "long", NULL, &t, &err), 0);
  assert_int_equal(t.n_hops, PL_ROUTE_MAX_HOPS);
  assert_string_equal(t.path[1], "L3");
  assert_true(t.cost_fen == 45);
  strcpy(in.from, "L1");
  assert_int_equal(pl_transfer_create(f->e, &in, "long1", NULL, &t, &err),
                   PL_EPRECOND);
}

/* Regression (fuzz report, quote.c): ships * fixed + unit * q overflowed
 * int64 for the largest lane charges and quantities (10^9 shipments of
 * 2^40 fen here), wrapping to a negative cost that ranked first. Costs
 * now saturate at PL_COST_MAX_FEN: such a route ranks last, and a plan's
 * sum saturates too. */
static void costs_saturate_instead_of_overflowing(void **st) {
  fx *f = *st;
  const int64_t big = 1000000000;
  receive(f->e, 1, big);
  receive(f->e, 2, big);
  lane(f->e, 1, 0, (int64_t)1 << 40, (int64_t)1 << 32, 10, 1);
  lane(f->e, 2, 0, 1, 1, 20, 0);
  pl_transfer_plan p[2];
  pl_error err = {0};
  assert_int_equal(
      pl_quote_transfer(f->e, "c1", "P1", big, "W0", 0, p, 2, &err), 2);
  assert_string_equal(p[0].legs[0].source, "W2");
  assert_true(p[0].cost_fen == big + 1);
  assert_string_equal(p[1].legs[0].source, "W1");
  assert_true(p[1].legs[0].cost_fen == PL_COST_MAX_FEN);
  assert_true(p[1].cost_fen == PL_COST_MAX_FEN);
  /* a split over both: the saturated leg saturates the plan */
  assert_int_equal(
      pl_quote_transfer(f->e, "c1", "P1", 2 * big, "W0", 0, p, 2, &err), 1);
  assert_int_equal(p[0].n_legs, 2);
  assert_true(p[0].legs[0].cost_fen == big + 1);
  assert_true(p[0].legs[1].cost_fen == PL_COST_MAX_FEN);
  assert_true(p[0].cost_fen == PL_COST_MAX_FEN);
  /* an order on that lane is priced the same way */
  pl_transfer_info in = {.chain = "c1",
                         .part_no = "P1",
                         .qty = big,
                         .from = "W1",
                         .to = "W0",
                         .actor = "planner"};
  pl_transfer_info t;
  assert_int_equal(pl_transfer_create(f->e, &in, "sat", NULL, &t, &err), 0);
  assert_true(t.cost_fen == PL_COST_MAX_FEN);
}

static void reserved_stock_does_not_count(void **st) {
  fx *f = *st;
  receive(f->e, 1, 5);
  lane(f->e, 1, 0, 0, 1, 1, 0);
  pl_move_req r = {.chain = "c1",
                   .warehouse = "W1",
                   .part_no = "P1",
                   .qty = 3,
                   .work_order = "WO1",
                   .actor = "t"};
  assert_int_equal(pl_stock_reserve(f->e, &r, NULL, NULL, NULL, NULL), 0);
  pl_transfer_plan p[1];
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 3, "W0", 0, p, 1, NULL),
                   0);
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 2, "W0", 0, p, 1, NULL),
                   1);
}

static void lanes_survive_restart_and_can_be_deleted(void **st) {
  fx *f = *st;
  lane(f->e, 0, 1, 1, 2, 3, 4);
  lane(f->e, 1, 5, 5, 6, 7, 0);
  lane(f->e, 0, 1, 9, 9, 9, 0); /* replaces */
  assert_int_equal(pl_lane_delete(f->e, "c1", "W1", "DC", NULL, NULL), 0);
  assert_int_equal(pl_lane_delete(f->e, "c1", "W1", "DC", NULL, NULL),
                   PL_ENOTFOUND);
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  pl_lane_info l[4];
  assert_int_equal(pl_lane_list(f->e, "c1", l, 4, NULL), 1);
  assert_string_equal(l[0].from, "W0");
  assert_true(l[0].fixed_fen == 9 && l[0].capacity == 0);
  pl_error err;
  pl_lane_info bad = {.chain = "c1", .from = "W0", .to = "W0"};
  assert_int_equal(pl_lane_set(f->e, &bad, NULL, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "lane.to"));
  strcpy(bad.to, "NOPE");
  assert_int_equal(pl_lane_set(f->e, &bad, NULL, &err), PL_ENOTFOUND);
  strcpy(bad.to, "W1");
  bad.unit_fen = -1;
  assert_int_equal(pl_lane_set(f->e, &bad, NULL, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "lane.unit_fen"));
  pl_transfer_plan p[1];
  assert_int_equal(pl_quote_transfer(f->e, "c1", "P1", 0, "W0", 0, p, 1, &err),
                   PL_EINVAL);
  assert_int_equal(
      pl_quote_transfer(f->e, "c1", "P1", 1, "NOPE", 0, p, 1, &err),
      PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "destination"));
}

/* ---- rebalancing --------------------------------------------------------- */

static void levels(pl_engine *e, int w, int64_t min, int64_t max) {
  assert_int_equal(
      pl_stock_set_levels(e, "c1", wh(w), "P1", min, max, NULL, NULL), 0);
}

/* Reference: the cheapest way to cover shortages from surpluses over
 * per-unit lane costs (successive shortest paths with Bellman-Ford on a
 * tiny residual graph: independent of the engine's network simplex).
 * Returns the covered units in *covered. */
static int64_t ref_rebalance(const bl lanes[NW][NW], const int64_t *surplus,
                             const int64_t *need, int64_t *covered) {
  int64_t s[NW], d[NW], flow[NW][NW] = {{0}}, cost = 0;
  memcpy(s, surplus, sizeof s);
  memcpy(d, need, sizeof d);
  *covered = 0;
  for (;;) {
    int64_t dist[NW];
    int prev[NW];
    for (int v = 0; v < NW; v++) {
      dist[v] = s[v] > 0 ? 0 : INT64_MAX / 4;
      prev[v] = -1;
    }
    for (int it = 0; it < NW; it++) /* Bellman-Ford over residual arcs */
      for (int u = 0; u < NW; u++)
        for (int v = 0; v < NW; v++) {
          if (lanes[u][v].live && dist[u] + lanes[u][v].unit < dist[v]) {
            dist[v] = dist[u] + lanes[u][v].unit;
            prev[v] = u;
          }
          if (flow[v][u] > 0 && dist[u] - lanes[v][u].unit < dist[v]) {
            dist[v] = dist[u] - lanes[v][u].unit;
            prev[v] = -2 - u; /* backwards along v -> u */
          }
        }
    int best = -1;
    for (int v = 0; v < NW; v++)
      if (d[v] > 0 && dist[v] < INT64_MAX / 4 &&
          (best < 0 || dist[v] < dist[best]))
        best = v;
    if (best < 0)
      return cost;
    /* one unit along the path (tiny numbers: unit steps are fine) */
    int v = best;
    while (prev[v] != -1) {
      if (prev[v] >= 0) {
        flow[prev[v]][v]++;
        v = prev[v];
      } else {
        int u = -2 - prev[v];
        flow[v][u]--;
        v = u;
      }
    }
    s[v]--;
    d[best]--;
    cost += dist[best];
    (*covered)++;
  }
}

static void rebalance_matches_a_reference_flow(void **st) {
  fx *f = *st;
  srand(5);
  static bl lanes[NW][NW];
  int64_t stock[NW] = {0}, mins[NW] = {0};
  for (int round = 0; round < 12; round++) {
    int a = rand() % NW, b = rand() % NW;
    if (a != b) {
      bl l = {1, rand() % 3000, 1 + rand() % 100, 0, 30};
      lanes[a][b] = l;
      lane(f->e, a, b, l.fixed, l.unit, l.lead, 0);
    }
    int w = rand() % NW;
    int64_t add = 1 + rand() % 12;
    receive(f->e, w, add);
    stock[w] += add;
    int lw = rand() % NW;
    mins[lw] = rand() % 15;
    levels(f->e, lw, mins[lw], 0);
    int64_t surplus[NW], need[NW], shortage = 0;
    for (int v = 0; v < NW; v++) {
      surplus[v] = stock[v] > mins[v] ? stock[v] - mins[v] : 0;
      need[v] = stock[v] < mins[v] ? mins[v] - stock[v] : 0;
      shortage += need[v];
    }
    int64_t covered_ref;
    int64_t ref = ref_rebalance(lanes, surplus, need, &covered_ref);
    pl_rebalance_move mv[64];
    pl_rebalance_gap gaps[NW];
    pl_rebalance_result res;
    pl_error err = {0};
    int rc = pl_plan_rebalance(f->e, "c1", "P1", mv, 64, gaps, NW, &res, &err);
    if (rc != 0)
      fail_msg("round %d: %s", round, err.msg);
    assert_true(res.shortage == shortage);
    if (res.covered != covered_ref || res.unit_cost_fen != ref)
      fail_msg("round %d: covered %lld cost %lld, reference %lld %lld", round,
               (long long)res.covered, (long long)res.unit_cost_fen,
               (long long)covered_ref, (long long)ref);
    /* the moves conserve stock: what arrives minus what leaves covers
     * each shortage at most, and no warehouse gives below its min */
    int64_t net[NW] = {0}, priced = 0;
    for (int i = 0; i < res.n_moves; i++) {
      int from = -1, to = -1;
      for (int v = 0; v < NW; v++) {
        if (strcmp(mv[i].from, wh(v)) == 0)
          from = v;
        if (strcmp(mv[i].to, wh(v)) == 0)
          to = v;
      }
      assert_true(from >= 0 && to >= 0 && lanes[from][to].live);
      net[from] -= mv[i].qty;
      net[to] += mv[i].qty;
      priced += bl_cost(&lanes[from][to], mv[i].qty);
    }
    assert_true(priced == res.cost_fen);
    int64_t gap_sum = 0;
    for (int i = 0; i < res.n_gaps; i++)
      gap_sum += gaps[i].short_qty;
    assert_true(gap_sum == shortage - res.covered);
    for (int v = 0; v < NW; v++) {
      assert_true(stock[v] + net[v] >=
                  (stock[v] < mins[v] ? stock[v] : mins[v]));
      assert_true(net[v] <= need[v]);
    }
  }
}

static void unreachable_shortages_say_why(void **st) {
  fx *f = *st;
  receive(f->e, 1, 20);
  levels(f->e, 0, 5, 0); /* W0 short by 5, no lane reaches it */
  levels(f->e, 2, 3, 0); /* W2 short by 3, reachable from W1 */
  lane(f->e, 1, 2, 100, 7, 10, 0);
  pl_rebalance_move mv[4];
  pl_rebalance_gap gaps[4];
  pl_rebalance_result res;
  assert_int_equal(
      pl_plan_rebalance(f->e, "c1", NULL, mv, 4, gaps, 4, &res, NULL), 0);
  assert_true(res.shortage == 8 && res.covered == 3);
  assert_int_equal(res.n_moves, 1);
  assert_true(mv[0].qty == 3 && mv[0].cost_fen == 100 + 21);
  assert_true(res.unit_cost_fen == 21);
  assert_int_equal(res.n_gaps, 1);
  assert_string_equal(gaps[0].warehouse, "W0");
  assert_int_equal(gaps[0].reason, PL_GAP_NO_ROUTE);
  pl_error err;
  assert_int_equal(
      pl_plan_rebalance(f->e, "c1", "NOPE", mv, 4, gaps, 4, &res, &err),
      PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "part_no"));
}

/* ---- transfer orders ---------------------------------------------------- */

static void stock_of(pl_engine *e, int w, pl_stock_info *st) {
  assert_int_equal(pl_stock_get(e, "c1", wh(w), "P1", st, NULL), 0);
}

static void an_order_ships_and_lands_with_its_lots(void **st) {
  fx *f = *st;
  pl_move_req r = {.chain = "c1",
                   .warehouse = "W1",
                   .part_no = "P1",
                   .qty = 4,
                   .actor = "t",
                   .unit_cost_fen = 1000};
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, NULL), 0);
  f->clk.now_ms += 1000;
  r.unit_cost_fen = 1600;
  r.qty = 6;
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, NULL), 0);
  lane(f->e, 1, 5, 100, 2, 30, 0); /* W1 -> DC -> W0 */
  lane(f->e, 5, 0, 200, 3, 60, 0);
  pl_transfer_info in = {.chain = "c1",
                         .part_no = "P1",
                         .qty = 5,
                         .from = "W1",
                         .to = "W0",
                         .actor = "planner"};
  pl_transfer_info t;
  pl_error err = {0};
  assert_int_equal(pl_transfer_create(f->e, &in, "x1", NULL, &t, &err), 0);
  assert_int_equal(t.state, PL_TRANSFER_PLANNED);
  assert_int_equal(t.n_hops, 2);
  assert_string_equal(t.path[1], "DC");
  assert_true(t.cost_fen == (100 + 10) + (200 + 15));
  assert_true(t.lead_min == 90);
  pl_transfer_info again;
  assert_int_equal(pl_transfer_create(f->e, &in, "x1", NULL, &again, NULL), 0);
  assert_true(again.id == t.id);

  assert_int_equal(pl_transfer_ship(f->e, "c1", t.id, "clerk", NULL, &t, &err),
                   0);
  assert_int_equal(t.state, PL_TRANSFER_SHIPPED);
  /* FIFO: all 4 of the first lot, 1 of the second */
  assert_int_equal(t.n_lots, 2);
  assert_true(t.lots[0].qty == 4 && t.lots[1].qty == 1);
  pl_stock_info s1, s0;
  stock_of(f->e, 1, &s1);
  stock_of(f->e, 0, &s0);
  assert_true(s1.on_hand == 5 && s0.on_hand == 0 && s0.in_transit == 5);
  /* shipped twice: the same answer; cancelled: refused */
  assert_int_equal(
      pl_transfer_ship(f->e, "c1", t.id, "clerk", NULL, NULL, NULL), 0);
  assert_int_equal(
      pl_transfer_cancel(f->e, "c1", t.id, "clerk", NULL, NULL, &err),
      PL_EPRECOND);
  stock_of(f->e, 1, &s1);
  assert_true(s1.on_hand == 5);

  /* restart keeps the order and what is in transit */
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  stock_of(f->e, 0, &s0);
  assert_true(s0.in_transit == 5);
  assert_int_equal(pl_transfer_get(f->e, "c1", t.id, &t, NULL), 0);
  assert_int_equal(t.state, PL_TRANSFER_SHIPPED);
  assert_int_equal(t.n_lots, 2);

  assert_int_equal(
      pl_transfer_receive(f->e, "c1", t.id, "clerk", NULL, &t, &err), 0);
  stock_of(f->e, 0, &s0);
  assert_true(s0.on_hand == 5 && s0.in_transit == 0);
  pl_lot_info lots[4];
  assert_int_equal(pl_stock_lots(f->e, "c1", "W0", "P1", lots, 4, NULL), 1);
  assert_true(lots[0].unit_cost_fen == (4 * 1000 + 1 * 1600) / 5);
  assert_int_equal(pl_stock_verify_ledger(f->e, "c1", &err), 0);

  /* the received state is on disk with the movement (the order row rides
   * in the movement's batch; nothing else writes it) */
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  assert_int_equal(pl_transfer_get(f->e, "c1", t.id, &t, NULL), 0);
  assert_int_equal(t.state, PL_TRANSFER_RECEIVED);
  assert_int_equal(t.n_lots, 2);
  stock_of(f->e, 0, &s0);
  assert_true(s0.on_hand == 5 && s0.in_transit == 0);
}

static void orders_refuse_bad_input_and_impossible_steps(void **st) {
  fx *f = *st;
  pl_transfer_info in = {.chain = "c1",
                         .part_no = "P1",
                         .qty = 5,
                         .from = "W1",
                         .to = "W0",
                         .actor = "p"};
  pl_error err;
  assert_int_equal(pl_transfer_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_EPRECOND); /* no lanes at all */
  assert_non_null(strstr(err.msg, "route"));
  lane(f->e, 1, 0, 1, 1, 1, 0);
  in.qty = 0;
  assert_int_equal(pl_transfer_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "transfer.qty"));
  in.qty = 5;
  strcpy(in.part_no, "NOPE");
  assert_int_equal(pl_transfer_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  strcpy(in.part_no, "P1");
  pl_transfer_info t;
  assert_int_equal(pl_transfer_create(f->e, &in, NULL, NULL, &t, NULL), 0);
  /* nothing at W1: shipping is refused and changes nothing */
  assert_int_equal(pl_transfer_ship(f->e, "c1", t.id, "c", NULL, NULL, &err),
                   PL_EPRECOND);
  assert_int_equal(pl_transfer_get(f->e, "c1", t.id, &t, NULL), 0);
  assert_int_equal(t.state, PL_TRANSFER_PLANNED);
  assert_int_equal(pl_transfer_receive(f->e, "c1", t.id, "c", NULL, NULL, &err),
                   PL_EPRECOND);
  assert_int_equal(pl_transfer_cancel(f->e, "c1", t.id, "c", NULL, &t, NULL),
                   0);
  assert_int_equal(t.state, PL_TRANSFER_CANCELLED);
  assert_int_equal(pl_transfer_ship(f->e, "c1", 99, "c", NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_int_equal(pl_transfer_list(f->e, "c1", NULL, 0, NULL), 1);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, test_fx_teardown)
  const struct CMUnitTest tests[] = {
      T(quotes_match_brute_force),
      T(late_plans_are_flagged),
      T(capacity_means_more_shipments),
      T(a_split_covers_what_no_single_source_can),
      T(a_split_leg_takes_its_own_cheapest_route),
      T(routes_are_the_cheapest_within_the_hop_bound),
      T(costs_saturate_instead_of_overflowing),
      T(reserved_stock_does_not_count),
      T(lanes_survive_restart_and_can_be_deleted),
      T(rebalance_matches_a_reference_flow),
      T(unreachable_shortages_say_why),
      T(an_order_ships_and_lands_with_its_lots),
      T(orders_refuse_bad_input_and_impossible_steps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
