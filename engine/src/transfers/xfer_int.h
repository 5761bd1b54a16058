/* transfers/xfer_int.h — transfers' private state: a chain's lanes and the
 * routing graph built from them (shared by transfers/lanes.c and
 * transfers/quote.c).
 *
 * Lanes live in `lanes` (owned) indexed by "from\0to" in lane_ix, under
 * the chain's rwlock (write to change, read to route). The routing graph
 * is the lanes in CSR form by destination (for the hop-bounded routing
 * run backwards from the warehouse that needs the part, transfers/
 * quote.c), over the chain's warehouse
 * indexes. It is rebuilt whenever a lane changes (under the write lock);
 * after recovery it is marked stale and rebuilt by the first reader under
 * `build_mu`. */
#ifndef PL_XFER_INT_H
#define PL_XFER_INT_H

#include "core/internal.h"
#include "pitlane/transfers.h"

enum {
  PL__K_LANE = 0x30,     /* from 00 to -> lane */
  PL__K_TRANSFER = 0x31, /* id (8 bytes BE) -> transfer order */
};

enum {
  PL__OP_LANE_SET = 80,
  PL__OP_LANE_DELETE = 81,
  PL__OP_TRANSFER = 82, /* create, cancel (ship/receive are movements) */
};

typedef struct pl__lane {
  pl_lane_info info;
  char key[2 * PL_CODE_MAX]; /* from 0x01 to: the lane_ix key */
  int32_t from_ix, to_ix;    /* warehouse indexes */
  int live;                  /* 0 once deleted (slot kept, key freed) */
} pl__lane;

typedef struct pl__xfer_chain {
  pl__vec lanes; /* pl__lane*, owned */
  pl__strmap lane_ix;
  int n_live;
  /* routing graph: in-arcs of each warehouse (CSR) */
  pthread_mutex_t build_mu;
  int stale;
  int n_nodes;
  int32_t *in_start;      /* n_nodes + 1 */
  int32_t *in_lane;       /* lane index per in-arc */
  struct pl__arc *in_arc; /* the lanes' numbers per in-arc, contiguous */
  /* Cheapest routes to a destination for small quantities (1..
   * PL__ROUTE_CACHE_Q), computed on first use under build_mu and kept
   * until a lane changes (the graph rebuild frees them, under the chain's
   * write lock, so readers never see one freed). */
  struct pl__routes **route_cache; /* [n_nodes * PL__ROUTE_CACHE_Q] */
  /* transfer orders (transfers/transfer_order.c), under order_mu, which is
   * taken before any stock cell's lock */
  pthread_mutex_t order_mu;
  pl__vec orders; /* pl_transfer_info* (+ idem), owned; id = index + 1 */
  pl__strmap order_idem;
} pl__xfer_chain;

#define PL__ROUTE_CACHE_Q 16

/* The routing's answer for one destination and quantity: every
 * warehouse's cheapest route of at most PL_ROUTE_MAX_HOPS lanes (ties: the
 * shorter lead time, then fewer lanes). The route of v is read from
 * `next`, which has PL_ROUTE_MAX_HOPS + 1 layers of n_nodes entries:
 * next[h * n_nodes + v] is the first lane of v's best route of at most h
 * lanes if that route beats v's best of at most h - 1 lanes, else -1
 * (look at layer h - 1). Layer 0 is all -1. */
typedef struct pl__routes {
  int64_t *cost; /* per warehouse: cost of its route, INT64_MAX none */
  int32_t *lead; /* its lead time */
  int32_t *next; /* [(PL_ROUTE_MAX_HOPS + 1) * n_nodes], see above */
} pl__routes;

void pl__routes_free(pl__routes *r);
void pl__route_cache_clear(pl__xfer_chain *x);

/* A lane as the routing reads it: compact, in CSR order. */
typedef struct pl__arc {
  int32_t from, lead;
  int64_t fixed, unit, capacity;
} pl__arc;

/* pl__xfer_of (created on first use), pl__xfer_peek: core/modules.h. */
/* Under the chain's read lock: makes sure the graph is built; 0 or
 * PL_ENOMEM. */
int pl__xfer_graph(pl__chain *c, pl__xfer_chain *x);
/* The cheapest route from -> to for qty units into *leg; 0, PL_EPRECOND
 * (none) or PL_ENOMEM. Under the chain's read lock. */
int pl__xfer_route(pl__chain *c, pl__xfer_chain *x, int from, int to,
                   int64_t qty, pl_plan_leg *leg);
int pl__transfer_load(pl_engine *e, pl__chain *c, const unsigned char *rest,
                      size_t rl, const unsigned char *val, size_t vl);
void pl__transfer_free_all(pl__xfer_chain *x);

/* Cost of moving q >= 0 units over a lane with these (non-negative)
 * charges: ceil(q / capacity) * fixed + unit * q (capacity 0: one
 * shipment), computed in 128 bits and saturated at PL_COST_MAX_FEN, so it
 * never overflows whatever the charges and q. */
static inline int64_t pl__cost_of(int64_t fixed, int64_t unit, int64_t capacity,
                                  int64_t q) {
  int64_t shipments = capacity > 0 ? q / capacity + (q % capacity != 0) : 1;
  __int128 c = (__int128)shipments * fixed + (__int128)unit * q;
  return c > PL_COST_MAX_FEN ? PL_COST_MAX_FEN : (int64_t)c;
}

/* Cost of moving q units over a lane (saturated, see pl__cost_of). */
static inline int64_t pl__lane_cost(const pl_lane_info *l, int64_t q) {
  return pl__cost_of(l->fixed_fen, l->unit_fen, l->capacity, q);
}

/* a + b for costs in 0..PL_COST_MAX_FEN, saturated at PL_COST_MAX_FEN. */
static inline int64_t pl__cost_add(int64_t a, int64_t b) {
  return a > PL_COST_MAX_FEN - b ? PL_COST_MAX_FEN : a + b;
}

#endif
