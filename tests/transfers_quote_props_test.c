/* transfers_quote_props_test.c — QuoteTransfer against an independent
 * reference on random small lane networks (issue 19, item 5).
 *
 * Each case is a fresh chain of 2..7 warehouses, created in a shuffled
 * order of their codes (so loading order and code order differ), random
 * lanes (fixed and per-unit costs, some zero; lead times; some capacities)
 * and a little stock per warehouse, so that most quantities need a split.
 * One case in four is instead a long line of 8..10 warehouses on cheap
 * lanes with a few random shortcuts, so that the cheapest route overall
 * often has more lanes than a route may (PL_ROUTE_MAX_HOPS) while a
 * dearer one within the bound exists.
 * For every destination and several quantities the quote is compared with
 * a reference written here from the contract (proto/pitlane/v1/
 * transfers.proto, QuoteTransfer):
 *   - every route's (cost, lead) is the minimum over all simple routes of
 *     at most PL_ROUTE_MAX_HOPS lanes, enumerated by brute force;
 *   - single sources: every warehouse but the destination with at least
 *     qty available and a route, ranked by cost, lead, code;
 *   - otherwise one split plan, built greedily: each round every remaining
 *     source is priced for min(its stock, still needed) on its cheapest
 *     route for that quantity, the lowest cost per unit is taken (ties:
 *     lead, code); at most 8 legs; nothing if qty is not covered;
 *   - every returned leg is feasible: its path is made of existing lanes,
 *     its cost and lead are those of that path at the leg's quantity, it
 *     takes no more than its source holds, the legs sum to qty, sources
 *     are distinct and never the destination; arrival is now plus the
 *     slowest leg, `late` is arrival > need_by.
 * The lanes change between rounds, so cached routes must follow them.
 *
 * The seed is printed; PL_SEED=<n> replays it. PL_PROPS_LONG=1 runs many
 * more cases (the long mode). */
#include "testutil.h"

#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#include "pitlane/inventory.h"
#include "pitlane/transfers.h"

#define MAXW 10
#define MAXPLANS 64

/* splitmix64: the test's own generator, the same on every libc */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static int64_t rng_in(uint64_t *s, int64_t lo, int64_t hi) {
  return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

typedef struct rlane {
  int live;
  int64_t fixed, unit, cap;
  int32_t lead;
} rlane;

typedef struct net {
  int n;
  char code[MAXW][8];
  rlane lane[MAXW][MAXW];
  int64_t stock[MAXW];
} net;

static int64_t lane_cost(const rlane *l, int64_t q) {
  int64_t ships = l->cap > 0 ? (q + l->cap - 1) / l->cap : 1;
  return ships * l->fixed + l->unit * q;
}

/* The best (cost, lead) over every simple route from u to dest for q
 * units, by enumeration; cost INT64_MAX if none. */
static void brute(const net *g, int u, int dest, int64_t q, int *seen,
                  int64_t cost, int32_t lead, int hops, int64_t *best_cost,
                  int32_t *best_lead) {
  if (u == dest) {
    if (cost < *best_cost || (cost == *best_cost && lead < *best_lead)) {
      *best_cost = cost;
      *best_lead = lead;
    }
    return;
  }
  if (hops == PL_ROUTE_MAX_HOPS)
    return;
  seen[u] = 1;
  for (int v = 0; v < g->n; v++)
    if (g->lane[u][v].live && !seen[v])
      brute(g, v, dest, q, seen, cost + lane_cost(&g->lane[u][v], q),
            lead + g->lane[u][v].lead, hops + 1, best_cost, best_lead);
  seen[u] = 0;
}

static int best_route(const net *g, int s, int dest, int64_t q, int64_t *cost,
                      int32_t *lead) {
  int seen[MAXW] = {0};
  *cost = INT64_MAX;
  *lead = INT32_MAX;
  brute(g, s, dest, q, seen, 0, 0, 0, cost, lead);
  return *cost != INT64_MAX;
}

static int wh_of(const net *g, const char *code) {
  for (int i = 0; i < g->n; i++)
    if (strcmp(g->code[i], code) == 0)
      return i;
  return -1;
}

typedef struct rleg {
  int src;
  int64_t qty, cost;
  int32_t lead;
} rleg;

/* The reference split: the legs in order; 0 if qty is not covered. */
static int ref_split(const net *g, int dest, int64_t qty, rleg *legs) {
  int64_t left[MAXW];
  for (int i = 0; i < g->n; i++)
    left[i] = i == dest ? 0 : g->stock[i];
  int64_t need = qty;
  int n = 0;
  while (need > 0 && n < PL_PLAN_MAX_SOURCES) {
    rleg best = {-1, 0, 0, 0};
    for (int s = 0; s < g->n; s++) {
      if (left[s] <= 0)
        continue;
      rleg l = {s, left[s] < need ? left[s] : need, 0, 0};
      if (!best_route(g, s, dest, l.qty, &l.cost, &l.lead))
        continue;
      /* cost per unit: l.cost / l.qty against best.cost / best.qty */
      long double a = (long double)l.cost * (long double)best.qty;
      long double b = (long double)best.cost * (long double)l.qty;
      if (best.src < 0 || a < b ||
          (a == b &&
           (l.lead < best.lead || (l.lead == best.lead &&
                                   strcmp(g->code[s], g->code[best.src]) < 0))))
        best = l;
    }
    if (best.src < 0)
      break;
    legs[n++] = best;
    left[best.src] = 0;
    need -= best.qty;
  }
  return need == 0 ? n : 0;
}

/* A returned leg is feasible and priced as its own path says. */
static void check_leg_path(const net *g, const pl_plan_leg *l, int dest,
                           const char *ctx) {
  if (l->n_hops < 1 || l->n_hops > PL_ROUTE_MAX_HOPS)
    fail_msg("%s: leg from %s has %d hops", ctx, l->source, l->n_hops);
  if (strcmp(l->path[0], l->source) != 0 ||
      strcmp(l->path[l->n_hops], g->code[dest]) != 0)
    fail_msg("%s: leg path %s..%s, source %s", ctx, l->path[0],
             l->path[l->n_hops], l->source);
  int64_t cost = 0;
  int32_t lead = 0;
  for (int h = 0; h < l->n_hops; h++) {
    int a = wh_of(g, l->path[h]), b = wh_of(g, l->path[h + 1]);
    if (a < 0 || b < 0 || !g->lane[a][b].live)
      fail_msg("%s: no lane %s>%s", ctx, l->path[h], l->path[h + 1]);
    cost += lane_cost(&g->lane[a][b], l->qty);
    lead += g->lane[a][b].lead;
  }
  if (cost != l->cost_fen || lead != l->lead_min)
    fail_msg("%s: leg from %s costs %" PRId64 " lead %d, its path %" PRId64
             " lead %d",
             ctx, l->source, l->cost_fen, l->lead_min, cost, lead);
}

static void check_plan_totals(const pl_transfer_plan *p, int64_t qty,
                              int64_t now, int64_t need_by, const char *ctx) {
  int64_t q = 0, cost = 0;
  int32_t slowest = 0;
  for (int i = 0; i < p->n_legs; i++) {
    q += p->legs[i].qty;
    cost += p->legs[i].cost_fen;
    if (p->legs[i].lead_min > slowest)
      slowest = p->legs[i].lead_min;
  }
  int64_t arrival = now + (int64_t)slowest * 60000;
  if (q != qty || p->qty != qty || p->cost_fen != cost ||
      p->arrival_ms != arrival ||
      p->late != (need_by > 0 && arrival > need_by) ||
      p->split != (p->n_legs > 1))
    fail_msg("%s: plan totals qty %" PRId64 " cost %" PRId64 " arrival %" PRId64
             " late %d split %d",
             ctx, p->qty, p->cost_fen, p->arrival_ms, p->late, p->split);
}

typedef struct single {
  int src;
  int64_t cost;
  int32_t lead;
} single;

static int single_before(const net *g, const single *a, const single *b) {
  if (a->cost != b->cost)
    return a->cost < b->cost;
  if (a->lead != b->lead)
    return a->lead < b->lead;
  return strcmp(g->code[a->src], g->code[b->src]) < 0;
}

/* What the quotes were: single sources, splits, none (printed, so a
 * run shows that each kind was exercised). */
typedef struct tally {
  int single, split, none;
  int full; /* legs on a route of PL_ROUTE_MAX_HOPS lanes */
} tally;

/* One quote against the reference. */
static void check_quote(tally *ty, pl_engine *e, const char *chain,
                        const net *g, int dest, int64_t qty, int64_t now,
                        int64_t need_by, const char *ctx0) {
  char ctx[160];
  snprintf(ctx, sizeof ctx, "%s dest %s qty %" PRId64, ctx0, g->code[dest],
           qty);
  static pl_transfer_plan plans[MAXPLANS];
  pl_error err = {0};
  int n = pl_quote_transfer(e, chain, "P1", qty, g->code[dest], need_by, plans,
                            MAXPLANS, &err);
  if (n < 0)
    fail_msg("%s: %d %s", ctx, n, err.msg);
  single ref[MAXW];
  int nref = 0;
  for (int s = 0; s < g->n; s++) {
    single c = {s, 0, 0};
    if (s == dest || g->stock[s] < qty ||
        !best_route(g, s, dest, qty, &c.cost, &c.lead))
      continue;
    int pos = nref++;
    while (pos > 0 && single_before(g, &c, &ref[pos - 1])) {
      ref[pos] = ref[pos - 1];
      pos--;
    }
    ref[pos] = c;
  }
  if (nref > 0) {
    if (n != nref)
      fail_msg("%s: %d plans, reference %d single sources", ctx, n, nref);
    for (int i = 0; i < n; i++) {
      const pl_transfer_plan *p = &plans[i];
      if (p->n_legs != 1 || strcmp(p->legs[0].source, g->code[ref[i].src]) ||
          p->legs[0].cost_fen != ref[i].cost ||
          p->legs[0].lead_min != ref[i].lead)
        fail_msg("%s: plan %d from %s cost %" PRId64 " lead %d; reference %s "
                 "cost %" PRId64 " lead %d",
                 ctx, i, p->legs[0].source, p->legs[0].cost_fen,
                 p->legs[0].lead_min, g->code[ref[i].src], ref[i].cost,
                 ref[i].lead);
      check_leg_path(g, &p->legs[0], dest, ctx);
      ty->full += p->legs[0].n_hops == PL_ROUTE_MAX_HOPS;
      check_plan_totals(p, qty, now, need_by, ctx);
    }
    ty->single++;
    return;
  }
  rleg legs[PL_PLAN_MAX_SOURCES];
  int nl = ref_split(g, dest, qty, legs);
  if (nl == 0) {
    if (n != 0)
      fail_msg("%s: %d plans, reference none", ctx, n);
    ty->none++;
    return;
  }
  if (n != 1)
    fail_msg("%s: %d plans, reference one split of %d legs", ctx, n, nl);
  const pl_transfer_plan *p = &plans[0];
  if (p->n_legs != nl)
    fail_msg("%s: %d legs, reference %d", ctx, p->n_legs, nl);
  int used[MAXW] = {0};
  for (int i = 0; i < nl; i++) {
    const pl_plan_leg *l = &p->legs[i];
    int s = wh_of(g, l->source);
    if (s < 0 || s == dest || used[s] || l->qty < 1 || l->qty > g->stock[s])
      fail_msg("%s: leg %d from %s of %" PRId64 " is not feasible", ctx, i,
               l->source, l->qty);
    used[s] = 1;
    if (s != legs[i].src || l->qty != legs[i].qty ||
        l->cost_fen != legs[i].cost || l->lead_min != legs[i].lead)
      fail_msg("%s: leg %d %s x%" PRId64 " cost %" PRId64 " lead %d; "
               "reference %s x%" PRId64 " cost %" PRId64 " lead %d",
               ctx, i, l->source, l->qty, l->cost_fen, l->lead_min,
               g->code[legs[i].src], legs[i].qty, legs[i].cost, legs[i].lead);
    check_leg_path(g, l, dest, ctx);
    ty->full += l->n_hops == PL_ROUTE_MAX_HOPS;
  }
  check_plan_totals(p, qty, now, need_by, ctx);
  ty->split++;
}

/* Sets a random lane a -> b (cheap: a line's lane, a tenth of the usual
 * charges). */
static void set_lane_of(pl_engine *e, const char *chain, net *g, int a, int b,
                        uint64_t *rs, int cheap) {
  int64_t div = cheap ? 10 : 1;
  rlane l = {1, rng_in(rs, 0, 3) == 0 ? 0 : rng_in(rs, 0, 800) / div,
             rng_in(rs, 0, 4) == 0 ? 0 : rng_in(rs, 0, 120) / div,
             rng_in(rs, 0, 2) == 0 ? rng_in(rs, 1, 6) : 0,
             (int32_t)rng_in(rs, 0, 6) * 30};
  g->lane[a][b] = l;
  pl_lane_info in = {.fixed_fen = l.fixed,
                     .unit_fen = l.unit,
                     .lead_min = l.lead,
                     .capacity = l.cap};
  strcpy(in.chain, chain);
  strcpy(in.from, g->code[a]);
  strcpy(in.to, g->code[b]);
  pl_error err = {0};
  if (pl_lane_set(e, &in, NULL, &err) != 0)
    fail_msg("lane: %s", err.msg);
}

static void set_lane(pl_engine *e, const char *chain, net *g, int a, int b,
                     uint64_t *rs) {
  set_lane_of(e, chain, g, a, b, rs, 0);
}

static void one_case(tally *ty, pl_engine *e, int64_t now, int k,
                     uint64_t *rs) {
  char chain[16];
  snprintf(chain, sizeof chain, "c%d", k);
  test_chain_with_store(e, chain, "S1");
  static net g;
  memset(&g, 0, sizeof g);
  int line = rng_in(rs, 0, 3) == 0;
  g.n = line ? (int)rng_in(rs, 8, MAXW) : (int)rng_in(rs, 2, 7);
  /* codes A.., created in a shuffled order */
  int order[MAXW];
  for (int i = 0; i < g.n; i++) {
    snprintf(g.code[i], sizeof g.code[i], "W%c", 'A' + i);
    order[i] = i;
  }
  for (int i = g.n - 1; i > 0; i--) {
    int j = (int)rng_in(rs, 0, i), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < g.n; i++) {
    pl_warehouse_info w = {.name = "w"};
    strcpy(w.chain, chain);
    strcpy(w.code, g.code[order[i]]);
    assert_int_equal(pl_warehouse_create(e, &w, NULL, NULL, NULL, NULL), 0);
  }
  pl_part_info p = {.part_no = "P1", .name = "filter", .purchase_fen = 1000};
  strcpy(p.chain, chain);
  assert_int_equal(pl_part_create(e, &p, NULL, NULL, NULL, NULL), 0);
  int density = line ? (int)rng_in(rs, 3, 12) : (int)rng_in(rs, 30, 80);
  if (line) /* both ways along the code order: WA <> WB <> .. */
    for (int i = 0; i + 1 < g.n; i++) {
      set_lane_of(e, chain, &g, i, i + 1, rs, 1);
      set_lane_of(e, chain, &g, i + 1, i, rs, 1);
    }
  for (int a = 0; a < g.n; a++)
    for (int b = 0; b < g.n; b++)
      if (a != b && !g.lane[a][b].live && rng_in(rs, 1, 100) <= density)
        set_lane(e, chain, &g, a, b, rs);
  for (int i = 0; i < g.n; i++) {
    g.stock[i] = rng_in(rs, 0, 3) == 0 ? 0 : rng_in(rs, 1, 9);
    if (g.stock[i] == 0)
      continue;
    pl_move_req r = {.part_no = "P1",
                     .qty = g.stock[i],
                     .actor = "test",
                     .unit_cost_fen = 1000};
    strcpy(r.chain, chain);
    strcpy(r.warehouse, g.code[i]);
    pl_error err = {0};
    if (pl_stock_receive(e, &r, NULL, NULL, NULL, &err) != 0)
      fail_msg("receive: %s", err.msg);
  }
  for (int round = 0; round < 3; round++) {
    char ctx[64];
    snprintf(ctx, sizeof ctx, "case %d round %d", k, round);
    for (int dest = 0; dest < g.n; dest++) {
      int64_t others = 0;
      for (int i = 0; i < g.n; i++)
        if (i != dest)
          others += g.stock[i];
      for (int t = 0; t < 4; t++) {
        /* small quantities hit the route cache; up to one more than the
         * others hold, so "too little" is asked too */
        int64_t qty = rng_in(rs, 1, others + 1);
        int64_t need_by =
            rng_in(rs, 0, 1) ? 0 : now + rng_in(rs, 0, 600) * 60000;
        check_quote(ty, e, chain, &g, dest, qty, now, need_by, ctx);
      }
    }
    /* change the network: a lane replaced or removed */
    int a = (int)rng_in(rs, 0, g.n - 1), b = (int)rng_in(rs, 0, g.n - 1);
    if (a == b)
      continue;
    if (g.lane[a][b].live && rng_in(rs, 0, 1)) {
      assert_int_equal(
          pl_lane_delete(e, chain, g.code[a], g.code[b], NULL, NULL), 0);
      g.lane[a][b].live = 0;
    } else {
      set_lane(e, chain, &g, a, b, rs);
    }
  }
}

static void quotes_match_the_reference(void **state) {
  (void)state;
  const char *env = getenv("PL_SEED");
  uint64_t seed = env != NULL && *env
                      ? strtoull(env, NULL, 10)
                      : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
  const char *lng = getenv("PL_PROPS_LONG");
  int cases = lng != NULL && *lng && strcmp(lng, "0") != 0 ? 3000 : 120;
  printf("transfers_quote_props: seed %" PRIu64 " (replay: PL_SEED=%" PRIu64
         "), %d cases\n",
         seed, seed, cases);
  fflush(stdout);
  test_fx *f = test_fx_new(1790000000000, 0);
  uint64_t rs = seed;
  tally ty = {0};
  for (int k = 0; k < cases; k++)
    one_case(&ty, f->e, f->clk.now_ms, k, &rs);
  printf("transfers_quote_props: %d single-source quotes, %d splits, %d "
         "with no plan; %d legs on routes of %d lanes\n",
         ty.single, ty.split, ty.none, ty.full, PL_ROUTE_MAX_HOPS);
  assert_true(ty.single > 0 && ty.split > 0 && ty.none > 0 && ty.full > 0);
  void *st = f;
  test_fx_teardown(&st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(quotes_match_the_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
