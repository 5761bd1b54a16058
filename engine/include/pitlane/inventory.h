/* inventory.h — parts stock per warehouse: lots issued first-in-first-out,
 * reservations for work orders, immutable movements in the chain's ledger,
 * suppliers and their quotes, stocktakes, alerts and purchase suggestions.
 * See pitlane.h for the conventions (errors name the field, inputs are
 * copied, outputs are caller-owned fixed-size structs, a NULL pl_write
 * blocks until durable).
 *
 * Quantities are int64 in the part's unit; money is int64 fen. A warehouse
 * x part pair ("stock cell") exists implicitly with zero stock for every
 * known warehouse and part.
 *
 * Invariants the engine keeps for every stock cell:
 *   0 <= reserved <= on_hand;  on_hand == sum of its lots' remaining qty;
 *   reserved == sum of its work orders' reservations;
 *   available == on_hand - reserved;  in_transit == 0 (until transfers).
 * Every change is one ledger entry (per-chain sequence number); replaying
 * the ledger from zero gives the current stock (pl_stock_verify_ledger).
 *
 * Mutations are idempotent on `idem` (optional; at most PL_IDEM_MAX-1
 * bytes of [A-Za-z0-9._-]): a retry with a key already used in the chain
 * returns the first answer (the stored movement) and changes nothing. Keys
 * are kept forever for now (they are small; a sweep after 24 h can come
 * later). */
#ifndef PITLANE_INVENTORY_H
#define PITLANE_INVENTORY_H

#include "pitlane/admin.h"
#include "pitlane/pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_BIN_MAX 16       /* bin (仓位) code, with its NUL */
#define PL_ACTOR_MAX 64     /* who made a movement */
#define PL_MOVE_MAX_LOTS 32 /* lots one movement may touch */

typedef enum pl_move_kind {
  PL_MOVE_RECEIPT = 1,         /* 采购入库: a new lot */
  PL_MOVE_ISSUE = 2,           /* 维修出库: to a work order */
  PL_MOVE_SALE = 3,            /* 销售出库: counter sale */
  PL_MOVE_RETURN_STOCK = 4,    /* back to stock from a work order */
  PL_MOVE_RETURN_SUPPLIER = 5, /* out to the supplier */
  PL_MOVE_ADJUST = 6,          /* manual correction, signed */
  PL_MOVE_STOCKTAKE_GAIN = 7,  /* 盘盈 */
  PL_MOVE_STOCKTAKE_LOSS = 8,  /* 盘亏 */
  PL_MOVE_RESERVE = 9,         /* reserved for a work order */
  PL_MOVE_RELEASE = 10,        /* reservation released */
  PL_MOVE_TRANSFER_OUT = 11,   /* reserved for the transfers issue */
  PL_MOVE_TRANSFER_IN = 12,    /* reserved for the transfers issue */
} pl_move_kind;
#define PL_MOVE_KIND_MAX 12

/* A movement request. Which fields matter depends on the operation; see
 * each function. Strings are copied. */
typedef struct pl_move_req {
  char chain[PL_CODE_MAX];
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t qty; /* 1..1e9 (adjust: != 0, |qty| <= 1e9) */
  char work_order[PL_CODE_MAX];
  char actor[PL_ACTOR_MAX];   /* who: required */
  char reason[PL_NAME_MAX];   /* why: free text */
  uint64_t lot;               /* a named lot, 0: FIFO / a new lot */
  char supplier[PL_CODE_MAX]; /* receipt, return to supplier */
  int64_t unit_cost_fen;      /* receipt (0..1e9); incoming without a lot:
                                 0 means the part's purchase price */
  char bin[PL_BIN_MAX];       /* receipt: bin code, optional */
} pl_move_req;

typedef struct pl_lot_qty {
  uint64_t lot;
  int64_t qty; /* units of this lot moved (always > 0) */
  int64_t unit_cost_fen;
} pl_lot_qty;

typedef struct pl_movement {
  uint64_t seq; /* the chain's ledger sequence number */
  int64_t at_ms;
  pl_move_kind kind;
  char chain[PL_CODE_MAX];
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t qty; /* on-hand change: > 0 in, < 0 out, 0 reserve/release */
  int64_t reserved_delta; /* reserved change */
  char work_order[PL_CODE_MAX];
  char actor[PL_ACTOR_MAX];
  char reason[PL_NAME_MAX];
  char supplier[PL_CODE_MAX];
  char bin[PL_BIN_MAX];
  int64_t on_hand_after, reserved_after;
  int32_t n_lots;
  pl_lot_qty lots[PL_MOVE_MAX_LOTS];
} pl_movement;

typedef struct pl_stock_info {
  char chain[PL_CODE_MAX];
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t on_hand, reserved, available, in_transit;
  int64_t min_qty, max_qty; /* 0: not set */
  int32_t n_lots;
} pl_stock_info;

/* One warehouse's row of a chain-wide stock query. */
typedef struct pl_stock_row {
  char warehouse[PL_CODE_MAX];
  int64_t on_hand, reserved, available, in_transit;
} pl_stock_row;

typedef struct pl_lot_info {
  uint64_t lot;
  int64_t received_ms;
  char supplier[PL_CODE_MAX];
  int64_t unit_cost_fen;
  char bin[PL_BIN_MAX];
  int64_t qty_received, qty_left;
} pl_lot_info;

/* ---- movements --------------------------------------------------------
 * Each returns PL_OK and fills *out (may be NULL) with the movement, or:
 * PL_EINVAL (a bad field, named), PL_ENOTFOUND (chain, warehouse, part,
 * supplier or lot unknown), PL_EPRECOND (not enough available / reserved /
 * in the lot), PL_ELIMIT (an outgoing movement would touch more than
 * PL_MOVE_MAX_LOTS lots), PL_EUNAVAIL, PL_ENOMEM; with a NULL w, PL_EIO.
 * A failed call changes nothing. */

/* A new lot of qty units (received now) at unit_cost_fen from supplier
 * (optional; must exist if given), in bin. */
PL_API int pl_stock_receive(pl_engine *e, const pl_move_req *in,
                            const char *idem, const pl_write *w,
                            pl_movement *out, pl_error *err);
/* Reserves qty for work_order (required): qty <= available. */
PL_API int pl_stock_reserve(pl_engine *e, const pl_move_req *in,
                            const char *idem, const pl_write *w,
                            pl_movement *out, pl_error *err);
/* Releases qty of work_order's reservation: qty <= what it holds. */
PL_API int pl_stock_release(pl_engine *e, const pl_move_req *in,
                            const char *idem, const pl_write *w,
                            pl_movement *out, pl_error *err);
/* Issues qty to work_order (required), FIFO across lots or from the named
 * lot. Consumes the work order's reservation first (up to qty); the rest
 * must be available: qty <= available + reserved(work_order). */
PL_API int pl_stock_issue(pl_engine *e, const pl_move_req *in, const char *idem,
                          const pl_write *w, pl_movement *out, pl_error *err);
/* Counter sale: qty <= available, FIFO or the named lot. */
PL_API int pl_stock_sell(pl_engine *e, const pl_move_req *in, const char *idem,
                         const pl_write *w, pl_movement *out, pl_error *err);
/* Return to stock (to_supplier 0): qty back in; into the named lot if it
 * still holds stock here, else as a new lot at unit_cost_fen. Return to
 * supplier (to_supplier 1): qty out like a sale (FIFO or the named lot). */
PL_API int pl_stock_return(pl_engine *e, const pl_move_req *in, int to_supplier,
                           const char *idem, const pl_write *w,
                           pl_movement *out, pl_error *err);
/* Adjusts on hand by qty (signed, != 0; reason required): a gain is a new
 * lot at unit_cost_fen, a loss leaves FIFO (or the named lot) and may not
 * take reserved units. */
PL_API int pl_stock_adjust(pl_engine *e, const pl_move_req *in,
                           const char *idem, const pl_write *w,
                           pl_movement *out, pl_error *err);

/* Per-warehouse min/max levels (0 <= min <= max, or max 0: none). */
PL_API int pl_stock_set_levels(pl_engine *e, const char *chain,
                               const char *warehouse, const char *part_no,
                               int64_t min_qty, int64_t max_qty,
                               const pl_write *w, pl_error *err);

/* ---- reads (never wait on disk for memory state) ---------------------- */

/* One warehouse x part. PL_EINVAL / PL_ENOTFOUND. */
PL_API int pl_stock_get(pl_engine *e, const char *chain, const char *warehouse,
                        const char *part_no, pl_stock_info *out, pl_error *err);
/* The lots of one warehouse x part in FIFO order (oldest first). Returns
 * the count (copies min(cap, count)) or a negative PL_E*. */
PL_API int pl_stock_lots(pl_engine *e, const char *chain, const char *warehouse,
                         const char *part_no, pl_lot_info *out, int cap,
                         pl_error *err);
/* One part across the chain: a row per warehouse where the part has a
 * stock cell (any movement or level was ever applied or attempted there;
 * rows may be all zero), in warehouse creation order, and the totals. Returns
 * the row count (copies min(cap, count)) or a negative PL_E*. Each row is
 * consistent; rows are read one after another, not as one snapshot. */
PL_API int pl_stock_get_chain(pl_engine *e, const char *chain,
                              const char *part_no, pl_stock_row *rows, int cap,
                              pl_stock_row *total, pl_error *err);

/* Filter for pl_movement_list; empty strings and zeros match anything. */
typedef struct pl_movement_filter {
  char chain[PL_CODE_MAX];
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  char work_order[PL_CODE_MAX];
  int64_t from_ms, to_ms; /* at_ms in [from, to); to 0: no bound */
  uint64_t after_seq;     /* cursor: entries with seq > after_seq */
} pl_movement_filter;

/* Durable movements matching f in sequence order. Returns the count copied
 * (<= cap) and sets *next_cursor to pass as after_seq for the next page,
 * or 0 when the ledger is exhausted. Reads the ledger from RocksDB. */
PL_API int pl_movement_list(pl_engine *e, const pl_movement_filter *f,
                            pl_movement *out, int cap, uint64_t *next_cursor,
                            pl_error *err);

typedef struct pl_lot_trace {
  uint64_t lot;
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t received, out_total, in_total, remaining;
} pl_lot_trace;

/* Every durable movement that touched lot, in order (copies min(cap, n);
 * returns n) and a summary. PL_ENOTFOUND if no movement names it. */
PL_API int pl_stock_trace_lot(pl_engine *e, const char *chain, uint64_t lot,
                              pl_movement *out, int cap, pl_lot_trace *sum,
                              pl_error *err);

/* Replays the chain's ledger from zero and compares the result with the
 * stock in memory (on hand, reserved, each lot's remaining qty) and checks
 * every invariant above. Call with no write in flight. Returns 0 or
 * PL_ECORRUPT with the first difference in err. */
PL_API int pl_stock_verify_ledger(pl_engine *e, const char *chain,
                                  pl_error *err);

/* ---- suppliers --------------------------------------------------------- */

typedef struct pl_supplier_info {
  char chain[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  int32_t quality; /* 0..100 */
} pl_supplier_info;

typedef struct pl_quote_info {
  char chain[PL_CODE_MAX];
  char supplier[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t price_fen; /* 1..1e9 */
  int32_t lead_days; /* 0..365 */
} pl_quote_info;

/* Creates a supplier (idempotent on idem like admin creates; PL_EEXIST). */
PL_API int pl_supplier_create(pl_engine *e, const pl_supplier_info *in,
                              const char *idem, const pl_write *w,
                              pl_supplier_info *out, pl_error *err);
/* Sets (creates or replaces) a supplier's quote for a part. */
PL_API int pl_quote_set(pl_engine *e, const pl_quote_info *in,
                        const pl_write *w, pl_error *err);
/* Listings sorted by code; count or negative. */
PL_API int pl_supplier_list(pl_engine *e, const char *chain,
                            pl_supplier_info *out, int cap, pl_error *err);
PL_API int pl_quote_list(pl_engine *e, const char *chain, const char *part_no,
                         pl_quote_info *out, int cap, pl_error *err);

/* ---- vehicle fitment --------------------------------------------------
 * Which vehicle models a part fits: a list of model names (text, e.g.
 * "大众 朗逸 2019-2023"), replaced as a whole. */

#define PL_FITMENT_MAX 32 /* models per part */
#define PL_MODEL_MAX 48   /* bytes per model name, with its NUL */

typedef struct pl_fitment {
  char part_no[PL_CODE_MAX];
  int32_t n;
  char models[PL_FITMENT_MAX][PL_MODEL_MAX];
} pl_fitment;

/* Replaces the part's models (n 0..PL_FITMENT_MAX, distinct, non-empty;
 * errors name "models"). */
PL_API int pl_fitment_set(pl_engine *e, const char *chain, const pl_fitment *in,
                          const pl_write *w, pl_error *err);
/* The part's models (n 0 if none set). */
PL_API int pl_fitment_get(pl_engine *e, const char *chain, const char *part_no,
                          pl_fitment *out, pl_error *err);
/* Parts fitting `model` (exact name), sorted; count or negative. */
PL_API int pl_fitment_find(pl_engine *e, const char *chain, const char *model,
                           char (*part_nos)[PL_CODE_MAX], int cap,
                           pl_error *err);

/* ---- stocktake ---------------------------------------------------------
 * open -> (count)* -> close. One open stocktake per warehouse. Closing
 * writes a correction movement (gain/loss, actor given) for every counted
 * part whose count differs from on hand at close; parts not counted are
 * not touched. */
PL_API int pl_stocktake_open(pl_engine *e, const char *chain,
                             const char *warehouse, const char *actor,
                             const pl_write *w, uint64_t *id_out,
                             pl_error *err);
/* Records the counted quantity (>= 0) of a part; a later count replaces
 * it. PL_EPRECOND if the stocktake is closed. */
PL_API int pl_stocktake_count(pl_engine *e, const char *chain, uint64_t id,
                              const char *part_no, int64_t counted,
                              const pl_write *w, pl_error *err);

typedef struct pl_variance {
  char part_no[PL_CODE_MAX];
  int64_t expected, counted, variance; /* variance = counted - expected */
  int64_t value_fen;                   /* variance valued at lot cost */
  uint64_t seq;                        /* its correction movement, or 0 */
} pl_variance;

/* Closes: returns the number of counted parts (copies min(cap, n) into
 * out, sorted by part_no; with cap < n, which ones is not specified), or
 * PL_ENOTFOUND, PL_EPRECOND (already closed; or a count below
 * the reserved qty). Blocks until durable (no pl_write: several
 * movements). */
PL_API int pl_stocktake_close(pl_engine *e, const char *chain, uint64_t id,
                              const char *actor, pl_variance *out, int cap,
                              pl_error *err);

/* ---- alerts and purchase suggestions ----------------------------------- */

typedef enum pl_alert_kind {
  PL_ALERT_BELOW_MIN = 1,
  PL_ALERT_ABOVE_MAX = 2,
  PL_ALERT_OVERSTOCK = 3, /* on hand above the last 90 days' usage */
} pl_alert_kind;

typedef struct pl_alert {
  pl_alert_kind kind;
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t on_hand, available, min_qty, max_qty;
  int64_t usage_90d; /* issued + sold in the last 90 days (engine clock) */
} pl_alert;

/* Alerts of a chain (warehouse "" : all). Count or negative. */
PL_API int pl_stock_alerts(pl_engine *e, const char *chain,
                           const char *warehouse, pl_alert *out, int cap,
                           pl_error *err);

typedef struct pl_purchase_line {
  char supplier[PL_CODE_MAX]; /* "" : no quote meets the lead time */
  char warehouse[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  int64_t qty, price_fen;
  int32_t lead_days;
} pl_purchase_line;

/* For every cell below min (available < min), qty = max - available (or
 * min - available with no max), from the cheapest supplier whose lead time
 * is <= max_lead_days (< 0: any). Lines come sorted by supplier (one
 * purchase order per supplier), then warehouse, part. Count or negative. */
PL_API int pl_stock_suggest_purchase(pl_engine *e, const char *chain,
                                     const char *warehouse,
                                     int32_t max_lead_days,
                                     pl_purchase_line *out, int cap,
                                     pl_error *err);

/* Memory of the chain's stock model. */
typedef struct pl_stock_mem {
  int64_t cells, lots;
  int64_t sizeof_cell, sizeof_lot; /* bytes per struct */
  int64_t bytes;                   /* cells, lots, indexes (estimate) */
} pl_stock_mem;
PL_API int pl_stock_memory(pl_engine *e, const char *chain, pl_stock_mem *out,
                           pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
