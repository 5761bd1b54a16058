/* transfers.h — moving parts between the warehouses of a chain: lanes,
 * quotes, transfer orders, and chain-wide rebalancing. See pitlane.h for
 * the conventions.
 *
 * A lane is a directed link from one warehouse to another with a fixed
 * cost per shipment, a cost per unit (int64 fen), a lead time and an
 * optional capacity per shipment. Moving q units over a lane costs
 *   ceil(q / capacity) * fixed + unit * q     (capacity 0: one shipment),
 * and a route's cost is the sum over its lanes; its lead time is the sum
 * of theirs. Stores reach each other directly or through distribution
 * centres: a route has at most PL_ROUTE_MAX_HOPS lanes, and "the cheapest
 * route" is the cheapest of those (a cheaper route of more lanes is not
 * used; a warehouse reachable only over more lanes has no route).
 * Costs never overflow: a lane's, route's, leg's or plan's cost that would
 * exceed PL_COST_MAX_FEN is reported as PL_COST_MAX_FEN (saturated; such
 * costs rank equal, then by lead time). */
#ifndef PITLANE_TRANSFERS_H
#define PITLANE_TRANSFERS_H

#include "pitlane/admin.h"
#include "pitlane/inventory.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_ROUTE_MAX_HOPS 6
#define PL_PLAN_MAX_SOURCES 8
#define PL_COST_MAX_FEN ((int64_t)(((uint64_t)1 << 62) - 1))

typedef struct pl_lane_info {
  char chain[PL_CODE_MAX];
  char from[PL_CODE_MAX]; /* warehouse codes */
  char to[PL_CODE_MAX];
  int64_t fixed_fen; /* per shipment, >= 0 */
  int64_t unit_fen;  /* per unit, >= 0 */
  int32_t lead_min;  /* >= 0 */
  int64_t capacity;  /* units per shipment, 0: unlimited */
} pl_lane_info;

/* Creates or replaces the lane from -> to. PL_EINVAL (a bad field, named;
 * from == to), PL_ENOTFOUND (chain or warehouse). */
PL_API int pl_lane_set(pl_engine *e, const pl_lane_info *in, const pl_write *w,
                       pl_error *err);
/* Removes a lane; PL_ENOTFOUND if there is none. */
PL_API int pl_lane_delete(pl_engine *e, const char *chain, const char *from,
                          const char *to, const pl_write *w, pl_error *err);
/* Lanes sorted by (from, to); count or negative. */
PL_API int pl_lane_list(pl_engine *e, const char *chain, pl_lane_info *out,
                        int cap, pl_error *err);

/* One source's part of a plan: qty units from `source` along `path`
 * (path[0] == source, path[n_hops] == destination). */
typedef struct pl_plan_leg {
  char source[PL_CODE_MAX];
  int64_t qty;
  int32_t n_hops;
  char path[PL_ROUTE_MAX_HOPS + 1][PL_CODE_MAX];
  int64_t cost_fen;
  int32_t lead_min;
} pl_plan_leg;

typedef struct pl_transfer_plan {
  int32_t n_legs;
  pl_plan_leg legs[PL_PLAN_MAX_SOURCES];
  int64_t qty;        /* sum of the legs: the quantity asked for */
  int64_t cost_fen;   /* sum of the legs */
  int64_t arrival_ms; /* now + the slowest leg's lead time */
  int late;           /* 1 if arrival_ms > need_by_ms */
  int split;          /* 1 if more than one source */
} pl_transfer_plan;

/* Ranked plans to bring qty of part_no to warehouse `dest` (whose own
 * stock is never used): first every other single source holding enough
 * available (not reserved) stock, each on its cheapest route at this
 * quantity (exact: the cheapest of at most PL_ROUTE_MAX_HOPS lanes for
 * qty units), by cost,
 * then arrival, then source code; then, if no source alone
 * suffices, one split plan (see engine/src/transfers/README.md).
 * Late plans (arrival after need_by_ms; 0: no deadline) are flagged, not
 * dropped. Returns the number of plans (copies min(cap, n), the best
 * first; at most 64 are ranked); 0 if the
 * chain's available stock cannot cover qty at all. PL_EINVAL, PL_ENOTFOUND. */
PL_API int pl_quote_transfer(pl_engine *e, const char *chain,
                             const char *part_no, int64_t qty, const char *dest,
                             int64_t need_by_ms, pl_transfer_plan *out, int cap,
                             pl_error *err);

/* ---- transfer orders -----------------------------------------------------
 * planned --ship--> shipped --receive--> received
 *    \--cancel--> cancelled
 * Ship takes the units out of the source FIFO (a TRANSFER_OUT movement
 * naming the lots) and counts them in transit at the destination; receive
 * puts them into the destination as a new lot (a TRANSFER_IN movement, at
 * the shipped lots' average cost, the first shipped lot's supplier). Both
 * movements carry the order ("T<id>") as their work order and the order
 * row is written in the same atomic batch as the movement, so TraceLot of
 * a source lot leads to the order and the order lists the lots. Repeating
 * the transition that put an order in its state returns it unchanged. */

typedef enum pl_transfer_state {
  PL_TRANSFER_PLANNED = 1,
  PL_TRANSFER_SHIPPED = 2,
  PL_TRANSFER_RECEIVED = 3,
  PL_TRANSFER_CANCELLED = 4,
} pl_transfer_state;

typedef struct pl_transfer_info {
  char chain[PL_CODE_MAX];
  int64_t id; /* assigned, > 0 */
  char part_no[PL_CODE_MAX];
  int64_t qty;
  char from[PL_CODE_MAX];
  char to[PL_CODE_MAX];
  int32_t n_hops; /* the route: path[0] == from .. path[n_hops] == to */
  char path[PL_ROUTE_MAX_HOPS + 1][PL_CODE_MAX];
  int64_t cost_fen; /* the route's cost for qty */
  int32_t lead_min;
  pl_transfer_state state;
  char actor[PL_ACTOR_MAX];
  int64_t created_ms, shipped_ms, received_ms;
  int32_t n_lots; /* shipped lots */
  pl_lot_qty lots[PL_MOVE_MAX_LOTS];
} pl_transfer_info;

/* Plans an order of qty units of part_no from `from` to `to` (actor
 * required) on the cheapest lane route for that quantity. Idempotent on
 * idem_key. PL_EINVAL, PL_ENOTFOUND (part, warehouse), PL_EPRECOND (no
 * route). Stock is not touched until it ships. */
PL_API int pl_transfer_create(pl_engine *e, const pl_transfer_info *in,
                              const char *idem_key, const pl_write *w,
                              pl_transfer_info *out, pl_error *err);
/* PL_EPRECOND: not planned (ship), not shipped (receive), not available
 * at the source (ship); PL_ENOTFOUND: no such order. */
PL_API int pl_transfer_ship(pl_engine *e, const char *chain, int64_t id,
                            const char *actor, const pl_write *w,
                            pl_transfer_info *out, pl_error *err);
PL_API int pl_transfer_receive(pl_engine *e, const char *chain, int64_t id,
                               const char *actor, const pl_write *w,
                               pl_transfer_info *out, pl_error *err);
PL_API int pl_transfer_cancel(pl_engine *e, const char *chain, int64_t id,
                              const char *actor, const pl_write *w,
                              pl_transfer_info *out, pl_error *err);
PL_API int pl_transfer_get(pl_engine *e, const char *chain, int64_t id,
                           pl_transfer_info *out, pl_error *err);
/* Orders by id; count or negative. */
PL_API int pl_transfer_list(pl_engine *e, const char *chain,
                            pl_transfer_info *out, int cap, pl_error *err);

/* ---- chain-wide rebalancing ---------------------------------------------
 * For each part (one, or every part with a min level somewhere), bring
 * every warehouse's available stock up to its min level from warehouses
 * holding more than their own min, at least total cost. Solved exactly as
 * a min-cost flow (pl_mcf, network simplex) on the lanes' per-unit costs;
 * the resulting moves are then priced with the real fixed charges
 * (ceil(q / capacity) shipments per lane), which the flow does not see
 * (fixed-charge flow is NP-hard): both figures are returned. Shortages the
 * chain cannot cover are reported with the reason. Nothing is moved: the
 * plan is advice that CreateTransfer turns into orders. */

typedef struct pl_rebalance_move {
  char part_no[PL_CODE_MAX];
  char from[PL_CODE_MAX];
  char to[PL_CODE_MAX];
  int64_t qty;
  int64_t cost_fen; /* with this lane's fixed charges */
  int32_t lead_min;
} pl_rebalance_move;

typedef enum pl_gap_reason {
  PL_GAP_NOT_ENOUGH_STOCK = 1, /* the chain's surplus is smaller */
  PL_GAP_NO_ROUTE = 2,         /* no lane route from any surplus */
} pl_gap_reason;

typedef struct pl_rebalance_gap {
  char part_no[PL_CODE_MAX];
  char warehouse[PL_CODE_MAX];
  int64_t short_qty; /* still below min after the plan */
  pl_gap_reason reason;
} pl_rebalance_gap;

typedef struct pl_rebalance_result {
  int64_t unit_cost_fen;   /* the flow's optimum on per-unit costs */
  int64_t cost_fen;        /* the moves priced with fixed charges */
  int64_t shortage;        /* units below min before the plan */
  int64_t covered;         /* of which the plan covers */
  int32_t n_moves, n_gaps; /* totals (the arrays hold min(cap, n)) */
  int32_t parts;           /* parts looked at */
} pl_rebalance_result;

/* part_no NULL or "": every part. Returns 0 and fills *res, moves[cap_moves]
 * (by part, then lane) and gaps[cap_gaps]; PL_EINVAL, PL_ENOTFOUND,
 * PL_ENOMEM, PL_ELIMIT (costs beyond the solver's range). */
PL_API int pl_plan_rebalance(pl_engine *e, const char *chain,
                             const char *part_no, pl_rebalance_move *moves,
                             int cap_moves, pl_rebalance_gap *gaps,
                             int cap_gaps, pl_rebalance_result *res,
                             pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
