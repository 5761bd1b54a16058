/* mincost.h — exact minimum-cost flow (network simplex), with a warm-started
 * re-solve after supply changes and a DIMACS reader.
 *
 * The chain-wide stock rebalance (design.md, "Rebalancing costs") is a
 * min-cost flow on per-unit lane costs. This module solves it exactly in
 * int64 arithmetic; it knows nothing about stores or parts.
 *
 * Conventions (besides those of pitlane.h):
 *  1. Nodes are 0-based ints in [0, n_nodes). Arcs get 0-based indices in the
 *     order they are added. A pl_mcf is not thread-safe: one caller at a time.
 *  2. supply(v) > 0: v sends that many units; < 0: v receives. A flow is
 *     feasible when lower <= flow <= capacity on every arc and, at every node,
 *     outflow - inflow == supply.
 *  3. Potentials: the reduced cost of arc a = (u, v) is
 *       rc(a) = cost(a) + potential(u) - potential(v).
 *     At an optimum, flow < capacity implies rc >= 0 and flow > lower implies
 *     rc <= 0 — a certificate of optimality anyone can check.
 *  4. Limits, so that every intermediate value fits in int64:
 *     n_nodes <= PL_MCF_MAX_NODES, (n_nodes + 1) * (max |cost| + 1) <= 2^56,
 *     and sums of supplies and of cost * flow must fit in int64; beyond them
 *     solve returns PL_ELIMIT (never a wrong answer).
 */
#ifndef PITLANE_MINCOST_H
#define PITLANE_MINCOST_H

#include <stddef.h>
#include <stdint.h>

#include "pitlane/pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_MCF_MAX_NODES (1 << 24)

typedef struct pl_mcf pl_mcf;

/* A problem with n_nodes nodes (1..PL_MCF_MAX_NODES), no arcs, all supplies
 * 0. arc_capacity_hint (>= 0) pre-sizes the arc arrays.
 * Returns PL_EINVAL (bad counts) or PL_ENOMEM; *out is NULL on failure. */
PL_API int pl_mcf_new(int n_nodes, int arc_capacity_hint, pl_mcf **out);
/* Frees everything; NULL is allowed. */
PL_API void pl_mcf_free(pl_mcf *m);

/* Adds arc from -> to with 0 <= flow <= capacity at `cost` per unit.
 * Returns the arc's index (>= 0), PL_EINVAL (node out of range, capacity
 * < 0), PL_ELIMIT (more than INT32_MAX - n_nodes arcs) or PL_ENOMEM.
 * Invalidates a previous solution (the next resolve solves from scratch). */
PL_API int pl_mcf_add_arc(pl_mcf *m, int from, int to, int64_t capacity,
                          int64_t cost);
/* As pl_mcf_add_arc, with lower <= flow <= capacity (0 <= lower <=
 * capacity). Lower bounds are removed by the standard transformation
 * (lower units are forced through the arc up front); pl_mcf_flow reports the
 * full flow including them. PL_ELIMIT if lower * cost overflows. */
PL_API int pl_mcf_add_arc_bounded(pl_mcf *m, int from, int to, int64_t lower,
                                  int64_t capacity, int64_t cost);

/* Sets node's supply. Returns PL_EINVAL for a node out of range.
 * After a solve, the change is remembered and pl_mcf_resolve takes it into
 * account incrementally. */
PL_API int pl_mcf_set_supply(pl_mcf *m, int node, int64_t supply);
/* Node's current supply (0 for a node out of range). */
PL_API int64_t pl_mcf_supply(const pl_mcf *m, int node);

/* Solves from scratch with the network simplex (block-search pricing,
 * strongly feasible spanning trees, so it terminates). On success *cost is
 * the minimum total cost and flows/potentials are readable.
 * Returns 0; PL_EINVAL if the supplies do not sum to 0; PL_EPRECOND if no
 * feasible flow exists; PL_ELIMIT (see limits above); PL_ENOMEM.
 * On failure *cost is untouched and flows are unspecified. */
PL_API int pl_mcf_solve(pl_mcf *m, int64_t *cost /* OUT */);

/* Moves `amount` (>= 0) units of supply from from_node to to_node:
 * supply(from) -= amount, supply(to) += amount (the "one stock change" of a
 * re-plan). Balance is kept. Returns PL_EINVAL (node out of range, amount
 * < 0) or PL_ELIMIT (a supply would overflow); nothing changes then. */
PL_API int pl_mcf_shift_supply(pl_mcf *m, int from_node, int to_node,
                               int64_t amount);

/* Re-solves after supply changes, warm-started from the previous optimal
 * flow and potentials: successive shortest paths (Dijkstra on reduced costs
 * over the residual graph) route only the changed supply. Gives the same
 * optimum as pl_mcf_solve. Without a previous successful solve (or after
 * arcs were added) it runs pl_mcf_solve. Returns as pl_mcf_solve; after a
 * PL_EPRECOND the next resolve solves from scratch. */
PL_API int pl_mcf_resolve(pl_mcf *m, int64_t *cost /* OUT */);

/* Flow on arc (lower bound included) after a successful solve; 0 for an arc
 * out of range or before any solve. */
PL_API int64_t pl_mcf_flow(const pl_mcf *m, int arc);
/* Node potential after a successful solve (convention 3); 0 otherwise. */
PL_API int64_t pl_mcf_potential(const pl_mcf *m, int node);
PL_API int pl_mcf_node_count(const pl_mcf *m);
PL_API int pl_mcf_arc_count(const pl_mcf *m);
/* Arc endpoints and bounds as added; PL_EINVAL for an arc out of range.
 * Any OUT pointer may be NULL. */
PL_API int pl_mcf_arc(const pl_mcf *m, int arc, int *from /* OUT */,
                      int *to /* OUT */, int64_t *lower /* OUT */,
                      int64_t *capacity /* OUT */, int64_t *cost /* OUT */);

/* Parses a DIMACS min-cost-flow problem (text need not be NUL-terminated):
 *   c <comment>            p min <nodes> <arcs>
 *   n <id> <supply>        a <from> <to> <lower> <capacity> <cost>
 * Ids are 1-based in the file (node i is i-1 here); arcs keep file order.
 * The input is untrusted: a malformed or repeated line, an id out of range,
 * a number that overflows int64, lower > capacity, or an arc count different
 * from the p line returns PL_EINVAL with "line N: reason" in why (if
 * why_len > 0); PL_ENOMEM likewise. *out is NULL on failure. */
PL_API int pl_mcf_read_dimacs(const char *text, size_t len,
                              pl_mcf **out /* OUT */, char *why /* OUT */,
                              size_t why_len);

#ifdef __cplusplus
}
#endif
#endif
