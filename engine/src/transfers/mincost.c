/* transfers/mincost.c — exact min-cost flow: primal network simplex, a
 * warm-started successive-shortest-path re-solve, and a DIMACS reader (see
 * mincost.h).
 *
 * Design. The simplex works on the arcs as added plus one artificial arc per
 * node joining it to an extra root node (index n). The first basis is the
 * star of artificial arcs: a node with supply >= 0 sends it up on (v, root),
 * a node with supply < 0 gets it down on (root, v); every artificial arc
 * costs BIG = (n + 1) * (max |cost| + 1), more than any simple path of real
 * arcs, so an optimum carries flow on an artificial arc only when no
 * feasible flow exists — that is how infeasibility is detected, in the same
 * run and without a separate phase. An artificial arc that leaves the
 * basis is never priced again: the final basis is then optimal for the user
 * arcs plus the artificial arcs still in the tree, and if a feasible flow
 * existed, sending it instead would remove two BIG-cost units per unit of
 * artificial flow for less than BIG of real cost — so positive artificial
 * flow at the end still proves infeasibility.
 *
 * Pricing is block search: arcs are scanned cyclically in blocks of about
 * sqrt(arcs), scaled with the tree size (see pl_mcf_solve); the most
 * violating arc of the first block that has one enters.
 * The leaving arc is the last blocking arc met when walking the pivot cycle
 * in its orientation from the apex (Cunningham's rule). With the initial
 * basis strongly feasible (zero-flow tree arcs point towards the root) every
 * basis stays strongly feasible, so degenerate pivots cannot cycle and the
 * method terminates.
 *
 * The spanning tree is kept as parent / pred arc / direction plus a thread
 * (preorder, doubly linked), subtree sizes and each subtree's last node in
 * preorder. A pivot cuts the subtree S below the leaving arc, re-roots it at
 * the entering arc's endpoint in S and hangs it under the other endpoint:
 * the thread is spliced from O(path) pieces of S's old preorder, and only
 * S's potentials are walked (sequentially along the thread). This replaced
 * a child/sibling-list tree with depths, whose walk of S touched five
 * arrays per node: 20,000-node sparse instance 1.0 s -> 0.43 s.
 *
 * Re-solve. After an optimal solve, supply changes are recorded as node
 * excesses. pl_mcf_resolve routes them by successive shortest paths:
 * Dijkstra on reduced costs (non-negative on the residual graph at an
 * optimum), run in lockstep forward from an excess node s and backward from
 * a deficit node t; the first search to reach its target (a deficit node,
 * resp. an excess node) gives the augmenting path. With d its distances and
 * D the target's, a forward search sets pot -= D - d and a backward search
 * pot += D - d on its settled nodes (others unchanged), which keeps every
 * residual reduced cost >= 0 and makes the path's 0. Each augmentation keeps
 * the flow optimal for the supplies routed so far, so the end result is
 * optimal. A search that runs out of nodes proves infeasibility (the set it
 * reached has more supply, resp. demand, than its cut can carry).
 *
 * Invariants:
 *  1. The solver keeps its own copy of the arcs: solver arcs [0, ns) are the
 *     user's arcs, interleaved (user arc a is solver arc pos[a]); solver arcs
 *     [ns, ns + n) are the artificial ones (ns + v joins v and the root).
 *     Interleaving (stride k, see simplex_init) puts arcs of many
 *     different tails into every pricing block even when the user adds
 *     arcs grouped by tail (as DIMACS files and our generators do);
 *     measured 4x fewer arcs scanned on the 2000-store instance.
 *  2. cap[a] is capacity - lower; flow[a] in [0, cap[a]] excludes lower.
 *  3. During the simplex, state[a] is TREE for the n tree arcs, LOWER (flow
 *     0) or UPPER (flow cap) for the others; tree arcs have rc == 0.
 *  4. solved == 1 iff flow/pot hold an optimal solution for
 *     supply - excess, with rc >= 0 on every residual arc; excess[] holds the
 *     supply changes since then.
 *  5. No mutable state outside the pl_mcf.
 *  6. Potentials are defined up to a constant during the simplex (a pivot
 *     may shift the rest of the tree instead of the moved subtree); the
 *     root's stays within +-2^60 and is 0 after a solve.
 */
#include "pitlane/mincost.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- types ---- */

enum { ST_UPPER = -1, ST_TREE = 0, ST_LOWER = 1 };
enum { DIR_DOWN = 0, DIR_UP = 1 }; /* pred arc is parent->v / v->parent */

#define PL__MCF_BIG_MAX ((int64_t)1 << 56)
#define PL__MCF_POT_DRIFT ((int64_t)1 << 60)

/* One Dijkstra search of the re-solve (see augment). */
typedef struct pl__dij {
  int back;      /* 0: from an excess node forward; 1: from a deficit
                    node over reversed residual arcs */
  int64_t *dist; /* valid where stamp == +-epoch */
  int *stamp;    /* epoch: labelled, -epoch: settled */
  int *via;      /* residual step used: arc * 2 + 1 if used backward */
  int *settled;  /* settled nodes, in order */
  int n_set;
  int64_t *heap_key;
  int *heap_node;
  int heap_room, hs;
  int epoch;
  int found; /* target reached (-1: not yet) */
} pl__dij;

struct pl_mcf {
  int n;        /* real nodes; the root is n */
  int n_arcs;   /* user arcs */
  int arc_room; /* allocated user arc slots */
  /* user arcs, in the order added */
  int *u_src, *u_dst;
  int64_t *u_cost, *u_cap; /* u_cap is capacity - lower */
  int64_t *lower;          /* NULL until an arc has a lower bound */
  /* solver arcs (invariant 1), structure of arrays: pricing touches src,
   * dst, cost and state only */
  int ns;     /* user arcs when the solver arrays were built */
  int s_room; /* allocated solver arc slots */
  int *src, *dst;
  int64_t *cost, *cap, *flow;
  int8_t *state;
  int *pos;        /* user arc -> solver arc */
  int32_t *cost32; /* copy of cost for pricing, when cost32_ok */
  size_t cost32_room;
  int cost32_ok;
  /* nodes */
  int64_t *supply;     /* as set by the user */
  int64_t *bshift;     /* supply change due to lower bounds */
  int64_t *excess;     /* supply changes not yet routed (invariant 4) */
  int64_t *pot;        /* n + 1 */
  int64_t cost_offset; /* sum lower * cost */
  int solved;
  int has_flow; /* flow[] holds the result of the last solve/resolve */
  /* simplex tree, n + 1 entries */
  int *parent, *pred;
  int *thread; /* next node in preorder; the last one's is the root */
  int *rev;    /* previous node in preorder */
  int *succ;   /* nodes in the subtree, itself included */
  int *last;   /* last node of the subtree in preorder */
  int *piece;  /* pivot scratch: 3 * (n + 1) (first, last) pairs */
  int8_t *dir;
  /* re-solve: residual adjacency (CSR over both directions) and Dijkstra */
  int *adj_off, *adj; /* adj entry: arc * 2 + (1 if v is the arc's head) */
  pl__dij dij[2]; /* [0] forward from an excess, [1] backward from a deficit */
  int64_t last_cost;
};

/* ---- helpers ---- */

static int grow(void **p, size_t elem, size_t n) {
  void *q = realloc(*p, elem * (n ? n : 1));
  if (q == NULL)
    return PL_ENOMEM;
  *p = q;
  return 0;
}

/* Makes room for `want` arcs in the user arc arrays. */
static int reserve_arcs(pl_mcf *m, int want) {
  if (want <= m->arc_room)
    return 0;
  size_t room = m->arc_room < 16 ? 16 : (size_t)m->arc_room;
  while (room < (size_t)want)
    room *= 2;
  if (room > INT_MAX)
    room = INT_MAX;
  if (grow((void **)&m->u_src, sizeof(int), room) ||
      grow((void **)&m->u_dst, sizeof(int), room) ||
      grow((void **)&m->u_cost, sizeof(int64_t), room) ||
      grow((void **)&m->u_cap, sizeof(int64_t), room) ||
      (m->lower && grow((void **)&m->lower, sizeof(int64_t), room)))
    return PL_ENOMEM;
  m->arc_room = (int)room;
  return 0;
}

static void free_resolve(pl_mcf *m) {
  free(m->adj_off);
  free(m->adj);
  m->adj_off = m->adj = NULL;
  for (int k = 0; k < 2; k++) {
    pl__dij *D = &m->dij[k];
    free(D->dist);
    free(D->stamp);
    free(D->via);
    free(D->settled);
    free(D->heap_key);
    free(D->heap_node);
    memset(D, 0, sizeof *D);
  }
}

/* ---- construction ---- */

int pl_mcf_new(int n_nodes, int arc_capacity_hint, pl_mcf **out) {
  *out = NULL;
  if (n_nodes < 1 || n_nodes > PL_MCF_MAX_NODES || arc_capacity_hint < 0)
    return PL_EINVAL;
  pl_mcf *m = calloc(1, sizeof *m);
  if (m == NULL)
    return PL_ENOMEM;
  size_t n1 = (size_t)n_nodes + 1;
  m->n = n_nodes;
  m->supply = calloc(n1, sizeof(int64_t));
  m->bshift = calloc(n1, sizeof(int64_t));
  m->excess = calloc(n1, sizeof(int64_t));
  m->pot = calloc(n1, sizeof(int64_t));
  if (m->supply == NULL || m->bshift == NULL || m->excess == NULL ||
      m->pot == NULL)
    goto fail;
  if (reserve_arcs(m, arc_capacity_hint) != 0)
    goto fail;
  *out = m;
  return 0;
fail:
  pl_mcf_free(m);
  return PL_ENOMEM;
}

void pl_mcf_free(pl_mcf *m) {
  if (m == NULL)
    return;
  free(m->u_src);
  free(m->u_dst);
  free(m->u_cost);
  free(m->u_cap);
  free(m->lower);
  free(m->src);
  free(m->dst);
  free(m->cost);
  free(m->cap);
  free(m->flow);
  free(m->state);
  free(m->pos);
  free(m->cost32);
  free(m->supply);
  free(m->bshift);
  free(m->excess);
  free(m->pot);
  free(m->parent);
  free(m->pred);
  free(m->thread);
  free(m->rev);
  free(m->succ);
  free(m->last);
  free(m->piece);
  free(m->dir);
  free_resolve(m);
  free(m);
}

int pl_mcf_add_arc_bounded(pl_mcf *m, int from, int to, int64_t lower,
                           int64_t capacity, int64_t cost) {
  if (from < 0 || from >= m->n || to < 0 || to >= m->n || lower < 0 ||
      capacity < lower)
    return PL_EINVAL;
  if (m->n_arcs >= INT_MAX - m->n - 1)
    return PL_ELIMIT;
  int64_t lc = 0, off = 0, bf = 0, bt = 0;
  /* A self-loop's forced units leave and re-enter the same node. */
  if (lower != 0 && from != to &&
      (__builtin_sub_overflow(m->bshift[from], lower, &bf) ||
       __builtin_add_overflow(m->bshift[to], lower, &bt)))
    return PL_ELIMIT;
  if (lower != 0 && (__builtin_mul_overflow(lower, cost, &lc) ||
                     __builtin_add_overflow(m->cost_offset, lc, &off)))
    return PL_ELIMIT;
  if (reserve_arcs(m, m->n_arcs + 1) != 0)
    return PL_ENOMEM;
  if (lower != 0 && m->lower == NULL) {
    m->lower = calloc((size_t)m->arc_room, sizeof(int64_t));
    if (m->lower == NULL)
      return PL_ENOMEM;
  }
  int a = m->n_arcs++;
  m->u_src[a] = from;
  m->u_dst[a] = to;
  m->u_cost[a] = cost;
  m->u_cap[a] = capacity - lower;
  if (m->lower)
    m->lower[a] = lower;
  if (lower != 0) {
    m->cost_offset = off;
    if (from != to) {
      m->bshift[from] = bf;
      m->bshift[to] = bt;
    }
  }
  m->solved = 0;
  if (m->adj_off != NULL)
    free_resolve(m); /* adjacency is stale */
  return a;
}

int pl_mcf_add_arc(pl_mcf *m, int from, int to, int64_t capacity,
                   int64_t cost) {
  return pl_mcf_add_arc_bounded(m, from, to, 0, capacity, cost);
}

int pl_mcf_set_supply(pl_mcf *m, int node, int64_t supply) {
  if (node < 0 || node >= m->n)
    return PL_EINVAL;
  int64_t d, e;
  if (__builtin_sub_overflow(supply, m->supply[node], &d) ||
      __builtin_add_overflow(m->excess[node], d, &e))
    return PL_ELIMIT;
  m->supply[node] = supply;
  m->excess[node] = e;
  return 0;
}

int64_t pl_mcf_supply(const pl_mcf *m, int node) {
  return node < 0 || node >= m->n ? 0 : m->supply[node];
}

int pl_mcf_shift_supply(pl_mcf *m, int from_node, int to_node, int64_t amount) {
  if (from_node < 0 || from_node >= m->n || to_node < 0 || to_node >= m->n ||
      amount < 0)
    return PL_EINVAL;
  if (from_node == to_node || amount == 0)
    return 0;
  int64_t sf, st, ef, et;
  if (__builtin_sub_overflow(m->supply[from_node], amount, &sf) ||
      __builtin_add_overflow(m->supply[to_node], amount, &st) ||
      __builtin_sub_overflow(m->excess[from_node], amount, &ef) ||
      __builtin_add_overflow(m->excess[to_node], amount, &et))
    return PL_ELIMIT;
  m->supply[from_node] = sf;
  m->supply[to_node] = st;
  m->excess[from_node] = ef;
  m->excess[to_node] = et;
  return 0;
}

/* ---- simplex ---- */

#ifndef NDEBUG
/* Tree arcs have zero reduced cost, parents/depths agree, states match
 * flows, flows are within bounds and conserve supply at every node. */
static int pl__check_tree(const pl_mcf *m) {
  /* the thread is a preorder: each node after its parent and inside the
   * parent's span; spans and subtree sizes agree */
  int n1 = m->n + 1;
  int *at = calloc((size_t)n1, sizeof(int)),
      *cnt = calloc((size_t)n1, sizeof(int));
  int good = at != NULL && cnt != NULL;
  for (int i = 0, x = m->n; good && i < n1; i++, x = m->thread[x]) {
    at[x] = i;
    if (m->rev[m->thread[x]] != x || (i > 0 && x == m->n))
      good = 0;
  }
  for (int v = 0; good && v < m->n; v++) {
    int a = m->pred[v], p = m->parent[v];
    if (at[p] >= at[v] || at[v] > at[p] + m->succ[p] - 1 ||
        at[m->last[v]] != at[v] + m->succ[v] - 1 || m->state[a] != ST_TREE)
      good = 0;
    for (int x = v; x != -1; x = m->parent[x])
      cnt[x]++;
    if (m->cost[a] + m->pot[m->src[a]] - m->pot[m->dst[a]] != 0)
      good = 0;
  }
  for (int v = 0; good && v < m->n; v++)
    if (cnt[v] != m->succ[v])
      good = 0;
  free(at);
  free(cnt);
  if (!good)
    return 0;
  int total = m->ns + m->n;
  int64_t *net = calloc((size_t)m->n + 1, sizeof(int64_t));
  int ok = net != NULL;
  for (int a = 0; ok && a < total; a++) {
    if ((m->state[a] == ST_LOWER && m->flow[a] != 0) ||
        (m->state[a] == ST_UPPER && m->flow[a] != m->cap[a]) ||
        m->flow[a] < 0 || m->flow[a] > m->cap[a])
      ok = 0;
    net[m->src[a]] += m->flow[a];
    net[m->dst[a]] -= m->flow[a];
  }
  for (int v = 0; ok && v < m->n; v++)
    if (net[v] != m->supply[v] + m->bshift[v])
      ok = 0;
  free(net);
  return ok;
}
#endif

/* Allocates the tree and builds the artificial star basis. Returns
 * PL_ENOMEM / PL_ELIMIT; `big` is the artificial arc cost. */
static int simplex_init(pl_mcf *m, int64_t *big) {
  int n = m->n, na = m->n_arcs;
  size_t n1 = (size_t)n + 1;
  int64_t maxc = 0;
  for (int a = 0; a < na; a++) {
    int64_t c = m->u_cost[a];
    if (c < 0)
      c = c == INT64_MIN ? INT64_MAX : -c;
    if (c > maxc)
      maxc = c;
  }
  if (maxc >= PL__MCF_BIG_MAX ||
      __builtin_mul_overflow((int64_t)n1, maxc + 1, big) ||
      *big > PL__MCF_BIG_MAX)
    return PL_ELIMIT;
  size_t total = (size_t)na + (size_t)n;
  if ((total > (size_t)m->s_room &&
       (grow((void **)&m->src, sizeof(int), total) ||
        grow((void **)&m->dst, sizeof(int), total) ||
        grow((void **)&m->cost, sizeof(int64_t), total) ||
        grow((void **)&m->cap, sizeof(int64_t), total) ||
        grow((void **)&m->flow, sizeof(int64_t), total) ||
        grow((void **)&m->state, 1, total) ||
        grow((void **)&m->pos, sizeof(int), total))) ||
      grow((void **)&m->parent, sizeof(int), n1) ||
      grow((void **)&m->pred, sizeof(int), n1) ||
      grow((void **)&m->thread, sizeof(int), n1) ||
      grow((void **)&m->rev, sizeof(int), n1) ||
      grow((void **)&m->succ, sizeof(int), n1) ||
      grow((void **)&m->last, sizeof(int), n1) ||
      grow((void **)&m->piece, sizeof(int), 6 * n1) ||
      grow((void **)&m->dir, 1, n1))
    return PL_ENOMEM;
  if (total > (size_t)m->s_room)
    m->s_room = (int)total;
  /* Interleave: the user arcs, cut into k consecutive runs (k the mean
   * out-degree, at least 3), are dealt out with stride k: run j fills
   * solver arcs j, j + k, j + 2k, ... So a pricing block holds one arc
   * from each of ~block different runs, tails spread over the whole graph
   * even when arcs come grouped by tail. The earlier transposed layout
   * (a block holding every k-th user arc, i.e. consecutive tails) cost
   * 22% more subtree work and 17% more instructions on the sparse family
   * at 20,000 nodes, within 4% either way on the dense one. Run j starts
   * at user arc j * q + min(j, r) (q = na / k, r = na % k: the first r
   * runs are one longer). The copy goes by tiles of rows, each tile
   * writing ~8192 consecutive solver arcs from k short sequential reads,
   * instead of a cache and TLB miss per arc on big instances. */
  int k = n > 0 && na / n > 3 ? na / n : 3;
  int q = na / k, r = na % k, rows = q + (r > 0);
  int tile = 8192 / k > 0 ? 8192 / k : 1;
  for (int r0 = 0; r0 < rows; r0 += tile) {
    for (int j = 0; j < k; j++) {
      int len = q + (j < r), off = j * q + (j < r ? j : r);
      int end = r0 + tile < len ? r0 + tile : len;
      for (int row = r0; row < end; row++) {
        int a = off + row, i = j + row * k;
        m->pos[a] = i;
        m->src[i] = m->u_src[a];
        m->dst[i] = m->u_dst[a];
        m->cost[i] = m->u_cost[a];
        m->cap[i] = m->u_cap[a];
      }
    }
  }
  memset(m->flow, 0, sizeof(int64_t) * (size_t)na);
  memset(m->state, ST_LOWER, (size_t)na);
  /* Pricing is memory-bound: when every cost (the artificial BIG too) fits
   * in 32 bits it reads a 32-bit copy, 13 bytes per arc instead of 17. */
  m->cost32_ok = *big <= INT32_MAX;
  if (m->cost32_ok) {
    if (total > m->cost32_room) {
      if (grow((void **)&m->cost32, sizeof(int32_t), total))
        return PL_ENOMEM;
      m->cost32_room = total;
    }
    for (int i = 0; i < na; i++)
      m->cost32[i] = (int32_t)m->cost[i];
    for (int v = 0; v < n; v++)
      m->cost32[na + v] = (int32_t)*big;
  }
  m->ns = na;
  int root = n;
  m->parent[root] = -1;
  m->pred[root] = -1;
  m->pot[root] = 0;
  m->thread[root] = 0; /* n >= 1 */
  m->rev[0] = root;
  m->succ[root] = n + 1;
  m->last[root] = n - 1;
  for (int v = 0; v < n; v++) {
    int64_t b = m->supply[v] + m->bshift[v]; /* checked by the caller */
    int a = na + v;
    m->parent[v] = root;
    m->pred[v] = a;
    m->succ[v] = 1;
    m->last[v] = v;
    m->thread[v] = v + 1; /* the last one's is n, the root */
    m->rev[v + 1] = v;
    m->cost[a] = *big;
    m->cap[a] = INT64_MAX;
    m->state[a] = ST_TREE;
    if (b >= 0) { /* v -> root carries b; rc 0: pot[v] = -big */
      m->src[a] = v;
      m->dst[a] = root;
      m->flow[a] = b;
      m->dir[v] = DIR_UP;
      m->pot[v] = -*big;
    } else {
      m->src[a] = root;
      m->dst[a] = v;
      m->flow[a] = -b;
      m->dir[v] = DIR_DOWN;
      m->pot[v] = *big;
    }
  }
  return 0;
}

/* Block-search pricing: returns an arc with negative state * rc, or -1 if
 * none exists (the basis is optimal). Blocks of `block` arcs are scanned
 * cyclically from *next; the best arc of the first block holding one
 * wins. *next is where the next scan starts. The block loop is kept free
 * of counters (a block ends early at the wrap) so the inner loop is just
 * the reduced cost and a minimum. COST is the cost array's type. */
#define PL__MCF_PRICE(name, COST, cost_field)                                  \
  static int name(const pl_mcf *m, int total, int block, int *next) {          \
    const int *src = m->src, *dst = m->dst;                                    \
    const COST *cost = m->cost_field;                                          \
    const int64_t *pot = m->pot;                                               \
    const int8_t *state = m->state;                                            \
    int64_t best = 0;                                                          \
    int best_arc = -1, a = *next, left = total;                                \
    while (left > 0) {                                                         \
      int len = block < left ? block : left;                                   \
      if (len > total - a)                                                     \
        len = total - a;                                                       \
      int end = a + len;                                                       \
      for (; a < end; a++) {                                                   \
        int64_t c = state[a] * ((int64_t)cost[a] + pot[src[a]] - pot[dst[a]]); \
        if (c < best) {                                                        \
          best = c;                                                            \
          best_arc = a;                                                        \
        }                                                                      \
      }                                                                        \
      left -= len;                                                             \
      if (a == total)                                                          \
        a = 0;                                                                 \
      if (best_arc >= 0) {                                                     \
        *next = a;                                                             \
        return best_arc;                                                       \
      }                                                                        \
    }                                                                          \
    return -1;                                                                 \
  }

PL__MCF_PRICE(find_entering64, int64_t, cost)
PL__MCF_PRICE(find_entering32, int32_t, cost32)

static int find_entering(const pl_mcf *m, int total, int block, int *next) {
  return m->cost32_ok ? find_entering32(m, total, block, next)
                      : find_entering64(m, total, block, next);
}

/* Shifts every potential so that the root's is 0 (they are defined up to
 * a constant). Tree paths from the root cost at most 2 * BIG <= 2^57, so
 * with |pot[root]| kept under PL__MCF_POT_DRIFT = 2^60 every potential
 * and reduced cost stays far from int64 overflow. */
static void normalize_pot(pl_mcf *m) {
  int64_t r = m->pot[m->n];
  if (r == 0)
    return;
  for (int v = 0; v <= m->n; v++)
    m->pot[v] -= r;
}

/* Adds d to the potentials of the `count` nodes of the thread from `first`
 * to `last`. The walk is a chain of dependent loads (most of a pivot's
 * time on sparse networks), so it runs as two chains at once, forward from
 * first and backward from last, meeting in the middle: the loads of one
 * overlap those of the other. */
static void shift_span(pl_mcf *m, int first, int last, int count, int64_t d) {
  const int *thread = m->thread, *rev = m->rev;
  int64_t *pot = m->pot;
  int x = first, y = last;
  for (int k = count / 2; k > 0; k--) {
    pot[x] += d;
    pot[y] += d;
    x = thread[x];
    y = rev[y];
  }
  if (count & 1) /* x == y, the middle node */
    pot[x] += d;
}

/* One pivot on entering arc e: finds the cycle's apex by subtree sizes,
 * the leaving arc by Cunningham's rule, pushes the flow and, unless e
 * itself blocks, re-roots the cut-off subtree S at e's endpoint in it and
 * hangs S under e's other endpoint. The thread is spliced in O(path) from
 * the pieces of S's old preorder; only the potentials of S are walked. */
static void pivot(pl_mcf *m, int e) {
  int *parent = m->parent, *pred = m->pred, *succ = m->succ;
  int *thread = m->thread, *rev = m->rev, *last = m->last;
  int8_t *dir = m->dir;
  int64_t *flow = m->flow;
  const int64_t *cap = m->cap;
  int st = m->state[e] == ST_LOWER ? ST_LOWER : ST_UPPER;
  int first = st == ST_LOWER ? m->src[e] : m->dst[e];
  int second = st == ST_LOWER ? m->dst[e] : m->src[e];

  /* Apex: a node's subtree is larger than any of its descendants'. */
  int u = first, v = second;
  while (u != v) {
    if (succ[u] < succ[v])
      u = parent[u];
    else
      v = parent[v];
  }
  int apex = u;
  /* Cycle order apex -> first -> second -> apex; ties: the last blocking
   * arc in that order wins (nearest first on side 1, nearest the apex on
   * side 2, side 2 over side 1 and over e). */
  int64_t d1 = INT64_MAX, d2 = INT64_MAX;
  int l1 = -1, l2 = -1;
  for (u = first; u != apex; u = parent[u]) {
    int a = pred[u];
    int64_t r = dir[u] == DIR_UP ? flow[a] : cap[a] - flow[a];
    if (r < d1) {
      d1 = r;
      l1 = u;
    }
  }
  for (v = second; v != apex; v = parent[v]) {
    int a = pred[v];
    int64_t r = dir[v] == DIR_UP ? cap[a] - flow[a] : flow[a];
    if (r <= d2) {
      d2 = r;
      l2 = v;
    }
  }
  int64_t delta = cap[e];
  int out = -1, side = 0;
  if (l1 >= 0 && d1 < delta) {
    delta = d1;
    out = l1;
    side = 1;
  }
  if (l2 >= 0 && d2 <= delta) {
    delta = d2;
    out = l2;
    side = 2;
  }
  if (delta > 0) {
    flow[e] += st == ST_LOWER ? delta : -delta;
    for (int w = first; w != apex; w = parent[w])
      flow[pred[w]] += dir[w] == DIR_UP ? -delta : delta;
    for (int w = second; w != apex; w = parent[w])
      flow[pred[w]] += dir[w] == DIR_UP ? delta : -delta;
  }
  if (out < 0) { /* the entering arc itself blocks: bound flip */
    m->state[e] = (int8_t)-st;
    return;
  }
  int la = pred[out];
  m->state[la] = flow[la] == 0 ? ST_LOWER : ST_UPPER;
  m->state[e] = ST_TREE;

  int u_in = side == 1 ? first : second;
  int v_in = side == 1 ? second : first;
  int v_out = parent[out];
  int64_t rc = m->cost[e] + m->pot[m->src[e]] - m->pot[m->dst[e]];
  int64_t sigma = u_in == m->dst[e] ? rc : -rc;
  int size = succ[out];

  /* 1. S re-rooted at u_in, in preorder, is: u_in and its old subtree;
   * then for each next path node w (prev below it): w, the nodes of w's
   * old span before prev's, those after it. Each is a contiguous piece of
   * the old thread; collect them before anything changes. */
  int *pc = m->piece, np = 0;
  pc[np++] = u_in;
  pc[np++] = last[u_in];
  for (int prev = u_in; prev != out;) {
    int w = parent[prev];
    pc[np++] = w;
    pc[np++] = w;
    if (thread[w] != prev) {
      pc[np++] = thread[w];
      pc[np++] = rev[prev];
    }
    if (last[prev] != last[w]) {
      pc[np++] = thread[last[prev]];
      pc[np++] = last[w];
    }
    prev = w;
  }
  int chain_end = pc[np - 1];

  /* 2. Cut S out of the thread; ancestors whose span ended with S's now
   * end just before it; nodes strictly between v_out and the apex lose
   * |S| (at and above the apex the count does not change). */
  {
    int before = rev[out], end = last[out], after = thread[end];
    thread[before] = after;
    rev[after] = before;
    for (int a = v_out; a >= 0 && last[a] == end; a = parent[a])
      last[a] = before;
    for (int a = v_out; a != apex; a = parent[a])
      succ[a] -= size;
  }

  /* 3. Reverse the path u_in .. out: parents, pred arcs, directions, and
   * subtree sizes (the new size of w is |S| minus the old size of the
   * path node below it); every path node's span now ends at chain_end. */
  {
    int w = u_in, new_par = v_in, new_arc = e, below_old = 0;
    for (;;) {
      int old_par = parent[w], old_arc = pred[w], old_succ = succ[w];
      parent[w] = new_par;
      pred[w] = new_arc;
      dir[w] = m->src[new_arc] == w ? DIR_UP : DIR_DOWN;
      succ[w] = size - below_old;
      last[w] = chain_end;
      if (w == out)
        break;
      below_old = old_succ;
      new_par = w;
      new_arc = old_arc;
      w = old_par;
    }
  }

  /* 4. Splice the pieces together and S in right after v_in (as its first
   * child). If v_in was a leaf, the spans that ended at v_in now end at
   * chain_end; nodes strictly between v_in and the apex gain |S|. */
  for (int i = 2; i < np; i += 2) {
    thread[pc[i - 1]] = pc[i];
    rev[pc[i]] = pc[i - 1];
  }
  {
    int after = thread[v_in];
    if (last[v_in] == v_in)
      for (int a = v_in; a >= 0 && last[a] == v_in; a = parent[a])
        last[a] = chain_end;
    thread[v_in] = u_in;
    rev[u_in] = v_in;
    thread[chain_end] = after;
    rev[after] = chain_end;
    for (int a = v_in; a != apex; a = parent[a])
      succ[a] += size;
  }

  /* 5. Shift the potentials of S (contiguous in the thread from u_in to
   * chain_end), or, when S is the bigger part, those of the rest by
   * -sigma: only differences matter. */
  int root = m->n;
  if (size <= root + 1 - size) {
    shift_span(m, u_in, chain_end, size, sigma);
  } else {
    shift_span(m, thread[chain_end], v_in, root + 1 - size, -sigma);
    if (m->pot[root] > PL__MCF_POT_DRIFT || m->pot[root] < -PL__MCF_POT_DRIFT)
      normalize_pot(m);
  }
}

/* Sum of cost * flow over user arcs plus the lower-bound constant. */
static int total_cost(const pl_mcf *m, int64_t *out) {
  int64_t sum = m->cost_offset;
  for (int a = 0; a < m->ns; a++) {
    int64_t t;
    if (m->flow[a] == 0)
      continue;
    if (__builtin_mul_overflow(m->flow[a], m->cost[a], &t) ||
        __builtin_add_overflow(sum, t, &sum))
      return PL_ELIMIT;
  }
  *out = sum;
  return 0;
}

/* Checks balance and the supply range; PL_EINVAL / PL_ELIMIT. */
static int check_supplies(const pl_mcf *m) {
  int64_t sum = 0, pos = 0;
  for (int v = 0; v < m->n; v++) {
    int64_t b;
    if (__builtin_add_overflow(m->supply[v], m->bshift[v], &b) ||
        __builtin_add_overflow(sum, m->supply[v], &sum))
      return PL_ELIMIT;
    if (b > 0 && __builtin_add_overflow(pos, b, &pos))
      return PL_ELIMIT;
    if (b < 0 && __builtin_sub_overflow(pos, b, &pos)) /* |b| too */
      return PL_ELIMIT;
  }
  return sum == 0 ? 0 : PL_EINVAL;
}

int pl_mcf_solve(pl_mcf *m, int64_t *cost) {
  int rc = check_supplies(m);
  if (rc != 0)
    return rc;
  m->solved = 0;
  m->has_flow = 0;
  int64_t big;
  rc = simplex_init(m, &big);
  if (rc != 0)
    return rc;
  m->has_flow = 1; /* from here flow[] is sized and pos[] valid */
  /* Only user arcs are priced: an artificial arc that leaves the tree
   * never comes back (it would only carry flow that a feasible problem
   * does not need; see the file comment). Pricing them cost 4x more arcs
   * scanned on the 10000-store instance. */
  int total = m->ns;
  /* Block: sqrt(total) times n / 20000 clamped to [1/2, 2], at least 10.
   * A pivot's subtree walk is a chain of dependent loads that leaves the
   * cache as the tree grows, while a block scan is sequential: small trees
   * want short blocks (fewer arcs priced: -20% instructions at 500-5,000
   * nodes), big ones long blocks (fewer, cheaper pivots: 50,000 sparse
   * nodes 1.15 s -> 0.86 s at 2x). */
  int root_m = 1;
  while ((int64_t)root_m * root_m < total)
    root_m++;
  int scale = m->n < 10000 ? 10000 : (m->n > 40000 ? 40000 : m->n);
  int64_t b64 = (int64_t)root_m * scale / 20000;
  int block = b64 < 10 ? 10 : (int)b64;
  int next = 0, e;
  while ((e = find_entering(m, total, block, &next)) >= 0) {
    pivot(m, e);
#ifdef PL_MCF_PARANOID /* O(arcs) per pivot: for debugging only */
    assert(pl__check_tree(m));
#endif
  }
  normalize_pot(m);
  assert(pl__check_tree(m));
  for (int v = 0; v < m->n; v++)
    if (m->flow[m->ns + v] != 0)
      return PL_EPRECOND;
  int64_t c;
  rc = total_cost(m, &c);
  if (rc != 0)
    return rc;
  memset(m->excess, 0, sizeof(int64_t) * (size_t)m->n);
  m->solved = 1;
  m->last_cost = c;
  *cost = c;
  return 0;
}

/* ---- re-solve: successive shortest paths ---- */

static int resolve_alloc(pl_mcf *m) {
  if (m->adj_off != NULL)
    return 0;
  int n = m->n, na = m->ns;
  m->adj_off = calloc((size_t)n + 2, sizeof(int));
  m->adj = malloc(sizeof(int) * ((size_t)na * 2 + 1));
  int ok = m->adj_off != NULL && m->adj != NULL;
  for (int k = 0; k < 2; k++) {
    pl__dij *D = &m->dij[k];
    D->back = k;
    D->dist = malloc(sizeof(int64_t) * (size_t)n);
    D->stamp = calloc((size_t)n, sizeof(int));
    D->via = malloc(sizeof(int) * (size_t)n);
    D->settled = malloc(sizeof(int) * (size_t)n);
    D->heap_room = 1024;
    D->heap_key = malloc(sizeof(int64_t) * (size_t)D->heap_room);
    D->heap_node = malloc(sizeof(int) * (size_t)D->heap_room);
    ok = ok && D->dist && D->stamp && D->via && D->settled && D->heap_key &&
         D->heap_node;
  }
  if (!ok) {
    free_resolve(m);
    return PL_ENOMEM;
  }
  int *off = m->adj_off;
  for (int a = 0; a < na; a++) {
    off[m->src[a] + 2]++;
    off[m->dst[a] + 2]++;
  }
  for (int v = 0; v < n; v++)
    off[v + 2] += off[v + 1];
  for (int a = 0; a < na; a++) {
    m->adj[off[m->src[a] + 1]++] = a * 2;
    m->adj[off[m->dst[a] + 1]++] = a * 2 + 1;
  }
  return 0;
}

static int heap_push(pl__dij *D, int64_t key, int node) {
  if (D->hs == D->heap_room) {
    size_t room = (size_t)D->heap_room * 2;
    if (grow((void **)&D->heap_key, sizeof(int64_t), room) ||
        grow((void **)&D->heap_node, sizeof(int), room))
      return PL_ENOMEM;
    D->heap_room = (int)room;
  }
  int i = D->hs++;
  while (i > 0) {
    int p = (i - 1) / 2;
    if (D->heap_key[p] <= key)
      break;
    D->heap_key[i] = D->heap_key[p];
    D->heap_node[i] = D->heap_node[p];
    i = p;
  }
  D->heap_key[i] = key;
  D->heap_node[i] = node;
  return 0;
}

static void heap_pop(pl__dij *D) {
  int n = --D->hs;
  int64_t key = D->heap_key[n];
  int node = D->heap_node[n];
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && D->heap_key[c + 1] < D->heap_key[c])
      c++;
    if (D->heap_key[c] >= key)
      break;
    D->heap_key[i] = D->heap_key[c];
    D->heap_node[i] = D->heap_node[c];
    i = c;
  }
  D->heap_key[i] = key;
  D->heap_node[i] = node;
}

static int dij_start(pl_mcf *m, pl__dij *D, int from) {
  if (++D->epoch == INT_MAX) {
    memset(D->stamp, 0, sizeof(int) * (size_t)m->n);
    D->epoch = 1;
  }
  D->hs = 0;
  D->n_set = 0;
  D->found = -1;
  D->dist[from] = 0;
  D->stamp[from] = D->epoch;
  D->via[from] = -1;
  return heap_push(D, 0, from);
}

/* Is v what search D looks for? */
static int dij_target(const pl_mcf *m, const pl__dij *D, int v) {
  return D->back ? m->excess[v] > 0 : m->excess[v] < 0;
}

/* Settles one node of D and relaxes its residual arcs (out of it when
 * forward, into it when backward). Sets D->found when a target is final.
 * Returns 0, PL_EPRECOND (D ran out of nodes: no target reachable, which
 * proves infeasibility), PL_ELIMIT or PL_ENOMEM. */
static int dij_step(pl_mcf *m, pl__dij *D) {
  const int64_t *pot = m->pot;
  int ep = D->epoch;
  int64_t d;
  int u;
  for (;;) {
    if (D->hs == 0)
      return PL_EPRECOND;
    d = D->heap_key[0];
    u = D->heap_node[0];
    heap_pop(D);
    if (D->stamp[u] != -ep && d == D->dist[u])
      break;
  }
  D->stamp[u] = -ep;
  D->settled[D->n_set++] = u;
  if (dij_target(m, D, u)) {
    D->found = u;
    return 0;
  }
  for (int i = m->adj_off[u]; i < m->adj_off[u + 1]; i++) {
    int code = m->adj[i], a = code >> 1, head = code & 1, v, step;
    int64_t r;
    /* The residual step joins u and v; `used backward` is bit 0 of step.
     * Forward search: step u -> v; backward search: step v -> u. */
    if (head == D->back) { /* the arc itself, forward */
      if (m->flow[a] == m->cap[a])
        continue;
      v = head ? m->src[a] : m->dst[a];
      r = m->cost[a] + pot[m->src[a]] - pot[m->dst[a]];
      step = a * 2;
    } else { /* its reverse */
      if (m->flow[a] == 0)
        continue;
      v = head ? m->src[a] : m->dst[a];
      r = -m->cost[a] - pot[m->src[a]] + pot[m->dst[a]];
      step = a * 2 + 1;
    }
    if (D->stamp[v] == -ep)
      continue;
    int64_t nd;
    if (__builtin_add_overflow(d, r, &nd))
      return PL_ELIMIT;
    if (D->stamp[v] != ep || nd < D->dist[v]) {
      D->stamp[v] = ep;
      D->dist[v] = nd;
      D->via[v] = step;
      if (nd == d && dij_target(m, D, v)) {
        /* d is the smallest key left, so v is final already: stop without
         * scanning every node at distance d (zero reduced-cost plateaus
         * are common at an optimum). */
        D->stamp[v] = -ep;
        D->settled[D->n_set++] = v;
        D->found = v;
        return 0;
      }
      int rc = heap_push(D, nd, v);
      if (rc != 0)
        return rc;
    }
  }
  return 0;
}

/* One augmentation from excess node s towards deficit node t. Two
 * searches run in lockstep — forward from s to the nearest deficit node,
 * backward from t to the nearest excess node — and the first to finish is
 * used; either is a shortest augmenting path, and which one is cheaper
 * depends on the direction of the stock change. The finished search then
 * raises/lowers its settled nodes' potentials so that reduced costs stay
 * non-negative on every residual arc and are 0 along the path, and flow is
 * pushed. Returns 0, PL_EPRECOND (infeasible), PL_ELIMIT or PL_ENOMEM. */
static int augment(pl_mcf *m, int s, int t, int64_t *cost_acc) {
  pl__dij *F = &m->dij[0], *B = &m->dij[1], *D;
  int rc = dij_start(m, F, s);
  if (rc == 0)
    rc = dij_start(m, B, t);
  while (rc == 0 && F->found < 0 && B->found < 0) {
    rc = dij_step(m, F);
    if (rc == 0 && F->found < 0)
      rc = dij_step(m, B);
  }
  if (rc != 0)
    return rc;
  D = F->found >= 0 ? F : B;
  int64_t *pot = m->pot;
  int64_t dt = D->dist[D->found];
  /* forward: pot -= dt - dist; backward: pot += dt - dist (see the file
   * comment; unsettled nodes keep theirs) */
  for (int i = 0; i < D->n_set; i++) {
    int v = D->settled[i];
    pot[v] += D->back ? dt - D->dist[v] : D->dist[v] - dt;
  }
  int from = D->back ? D->found : s, to = D->back ? t : D->found;
  int64_t delta =
      m->excess[from] < -m->excess[to] ? m->excess[from] : -m->excess[to];
  /* Walk the path from the search's target back to its start. */
  for (int v = D->found; v != (D->back ? t : s);) {
    int step = D->via[v], a = step >> 1;
    int64_t r = step & 1 ? m->flow[a] : m->cap[a] - m->flow[a];
    if (r < delta)
      delta = r;
    int fwd_end = step & 1 ? m->src[a] : m->dst[a]; /* where the step ends */
    int bwd_end = step & 1 ? m->dst[a] : m->src[a]; /* where it starts */
    v = D->back ? fwd_end : bwd_end;
  }
  assert(delta > 0);
  int64_t path_cost = 0;
  for (int v = D->found; v != (D->back ? t : s);) {
    int step = D->via[v], a = step >> 1;
    if (step & 1) {
      m->flow[a] -= delta;
      path_cost -= m->cost[a];
    } else {
      m->flow[a] += delta;
      path_cost += m->cost[a];
    }
    int fwd_end = step & 1 ? m->src[a] : m->dst[a];
    int bwd_end = step & 1 ? m->dst[a] : m->src[a];
    v = D->back ? fwd_end : bwd_end;
  }
  int64_t pc;
  if (__builtin_mul_overflow(path_cost, delta, &pc) ||
      __builtin_add_overflow(*cost_acc, pc, cost_acc))
    return PL_ELIMIT;
  m->excess[from] -= delta;
  m->excess[to] += delta;
  return 0;
}

int pl_mcf_resolve(pl_mcf *m, int64_t *cost) {
  if (!m->solved)
    return pl_mcf_solve(m, cost);
  int rc = check_supplies(m);
  if (rc != 0)
    return rc;
  rc = resolve_alloc(m);
  if (rc != 0)
    return rc;
  int64_t c = m->last_cost;
  /* Excesses never change sign (an augmentation moves at most what both
   * ends have), so one pass over sources and one over sinks suffice. */
  int t = 0;
  for (int s = 0; s < m->n; s++) {
    while (m->excess[s] > 0) {
      while (t < m->n && m->excess[t] >= 0)
        t++;
      assert(t < m->n); /* excesses sum to 0 */
      rc = augment(m, s, t, &c);
      if (rc != 0) {
        m->solved = 0;
        return rc;
      }
    }
  }
  m->last_cost = c;
  *cost = c;
  return 0;
}

/* ---- accessors ---- */

int64_t pl_mcf_flow(const pl_mcf *m, int arc) {
  if (arc < 0 || arc >= m->ns || !m->has_flow)
    return 0;
  return m->flow[m->pos[arc]] + (m->lower ? m->lower[arc] : 0);
}

int64_t pl_mcf_potential(const pl_mcf *m, int node) {
  return node < 0 || node >= m->n ? 0 : m->pot[node];
}

int pl_mcf_node_count(const pl_mcf *m) {
  return m->n;
}

int pl_mcf_arc_count(const pl_mcf *m) {
  return m->n_arcs;
}

int pl_mcf_arc(const pl_mcf *m, int arc, int *from, int *to, int64_t *lower,
               int64_t *capacity, int64_t *cost) {
  if (arc < 0 || arc >= m->n_arcs)
    return PL_EINVAL;
  int64_t lo = m->lower ? m->lower[arc] : 0;
  if (from)
    *from = m->u_src[arc];
  if (to)
    *to = m->u_dst[arc];
  if (lower)
    *lower = lo;
  if (capacity)
    *capacity = m->u_cap[arc] + lo;
  if (cost)
    *cost = m->u_cost[arc];
  return 0;
}
