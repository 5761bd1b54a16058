/* workorders.h — work orders (工单): a repair from reception to delivery,
 * and the events clients watch.
 *
 * A work order belongs to a store of a chain and has an id (> 0, unique in
 * the chain). It is created from a booking (check-in: the booking becomes
 * CHECKED_IN, its services become labour items and its technicians the
 * order's) or a walk-in. Part items are reserved from stock at once under
 * the stock work-order code "WO<id>"; what cannot be reserved is `short`
 * and ReserveShort tries again later. Parts are issued from the
 * reservation when their item is done; a rejected or cancelled item
 * releases its reservation.
 *
 * States: PENDING -> IN_REPAIR -> AWAITING_QC -> COMPLETED -> DELIVERED;
 * a failed QC goes back to IN_REPAIR; PENDING or IN_REPAIR -> CANCELLED.
 * An extra item proposed during repair waits for approval; while one waits
 * the order cannot go to QC. Delivery completes the booking and fixes the
 * repair report (warranty from the delivery time; each done item gets its
 * own warranty). When an item is added, the engine decides whether it is
 * under warranty (pitlane/warranty.h): a covered item keeps its list
 * price and costs the customer nothing, and a covered part may become
 * supplier claims written with it.
 *
 * Every change is an event with a per-order sequence number (1, 2, ...),
 * stored with the change. Watchers registered with pl_wo_watch receive
 * events only once they are durable, in order, with no gaps: the watch
 * first replays the stored events after `after_seq`, then streams.
 *
 * Durability and atomicity: each step (the order row, one stock movement
 * with the order row in its batch) is one atomic write; a create with
 * parts is several steps queued back to back, and its pl_write fires once
 * all are durable. A crash between steps leaves a consistent order whose
 * unreserved parts show as short; a retry with the same idempotency key
 * returns the same order. */
#ifndef PITLANE_WORKORDERS_H
#define PITLANE_WORKORDERS_H

#include "pitlane/admin.h"
#include "pitlane/inventory.h"
#include "pitlane/pitlane.h"
#include "pitlane/scheduling.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_WO_MAX_ITEMS 32
#define PL_WO_MAX_TECHS 4
#define PL_WO_MAX_PHOTOS 4
#define PL_WO_MAX_QC 4
#define PL_WO_TEXT_MAX 256
#define PL_WO_REF_MAX 128
#define PL_VIN_MAX 24
/* Lots kept per issued item (more: the ledger has them all). */
#define PL_WO_LOTS 4
/* Labour priced at this rate when an item gives no price (fen per hour). */
#define PL_WO_LABOUR_FEN_PER_HOUR 12000

typedef enum pl_wo_state {
  PL_WO_PENDING = 1,
  PL_WO_IN_REPAIR = 2,
  PL_WO_AWAITING_QC = 3,
  PL_WO_COMPLETED = 4,
  PL_WO_DELIVERED = 5,
  PL_WO_CANCELLED = 6,
} pl_wo_state;

typedef enum pl_item_kind {
  PL_ITEM_LABOUR = 1,
  PL_ITEM_PART = 2,
} pl_item_kind;

typedef enum pl_item_state {
  PL_ITEM_AWAITING_APPROVAL = 1,
  PL_ITEM_OPEN = 2,
  PL_ITEM_DONE = 3,
  PL_ITEM_REJECTED = 4,
  PL_ITEM_CANCELLED = 5,
} pl_item_state;

/* Warranty coverage of an item, decided when the item is added (create,
 * extra item) and never changed afterwards (see warranty.h). */
typedef enum pl_warranty_kind {
  PL_WARRANTY_NONE = 0,
  PL_WARRANTY_REPAIR = 1,  /* an earlier delivered repair's own warranty */
  PL_WARRANTY_FACTORY = 2, /* the vehicle's factory terms (defect claim) */
} pl_warranty_kind;

typedef enum pl_wo_event_kind {
  PL_WOE_CREATED = 1,
  PL_WOE_ASSIGNED = 2,
  PL_WOE_STARTED = 3,
  PL_WOE_PROGRESS = 4,
  PL_WOE_EXTRA_PROPOSED = 5,
  PL_WOE_EXTRA_APPROVED = 6,
  PL_WOE_EXTRA_REJECTED = 7,
  PL_WOE_ITEM_DONE = 8,
  PL_WOE_QC_REQUESTED = 9,
  PL_WOE_QC_PASSED = 10,
  PL_WOE_QC_FAILED = 11,
  PL_WOE_DELIVERED = 12,
  PL_WOE_CANCELLED = 13,
  PL_WOE_PARTS_RESERVED = 14,
  PL_WOE_BOOKING = 15, /* store streams only: a booking of the store changed
                          (live, not replayed; wo_id 0) */
} pl_wo_event_kind;

typedef struct pl_vehicle {
  char plate[PL_PLATE_MAX];
  char vin[PL_VIN_MAX];
  char model[PL_NAME_MAX];
  int64_t mileage_km;
  int32_t n_photos;
  char photos[PL_WO_MAX_PHOTOS][PL_WO_REF_MAX];
} pl_vehicle;

typedef struct pl_wo_item {
  int32_t no; /* 1.. */
  pl_item_kind kind;
  char service[PL_CODE_MAX];
  int32_t labour_min;
  char part_no[PL_CODE_MAX];
  int64_t qty;
  char warehouse[PL_CODE_MAX];
  int64_t unit_price_fen; /* labour: the item's price; part: per unit */
  char note[PL_NAME_MAX];
  pl_item_state state;
  int32_t extra;    /* proposed during repair */
  int64_t reserved; /* part: held for this item */
  int32_t n_lots;   /* part, done: the lots issued (first PL_WO_LOTS) */
  pl_lot_qty lots[PL_WO_LOTS];
  char done_by[PL_ACTOR_MAX];
  char idem[PL_IDEM_MAX]; /* extra: the idempotency key that added it */
  /* warranty (warranty.h). unit_price_fen stays the list price; a covered
   * item costs the customer nothing (pl_wo_totals leaves it out). */
  int32_t warranty_claim;    /* the advisor flags a defect (factory claim) */
  pl_warranty_kind warranty; /* coverage decided when the item was added */
  int64_t src_wo;            /* REPAIR: the earlier order and its item */
  int32_t src_item;
  /* the item's own warranty, set at delivery (DONE items): from
   * warranty_from_day (the store's local day of delivery) and
   * warranty_from_km (the order's mileage) for days / km */
  int32_t warranty_days;
  int64_t warranty_km;
  int32_t warranty_from_day;
  int64_t warranty_from_km;
  /* part, done: each issued lot's supplier (as lots[]) */
  char lot_supplier[PL_WO_LOTS][PL_CODE_MAX];
} pl_wo_item;

typedef struct pl_qc_record {
  int32_t passed;
  char inspector[PL_ACTOR_MAX];
  char notes[PL_NAME_MAX];
  int64_t at_ms;
} pl_qc_record;

typedef struct pl_work_order {
  char chain[PL_CODE_MAX];
  int64_t id;
  char store[PL_CODE_MAX];
  int64_t booking_id; /* 0: walk-in */
  pl_wo_state state;
  pl_vehicle vehicle;
  char complaint[PL_WO_TEXT_MAX];
  char advisor[PL_ACTOR_MAX];
  char insurer[PL_CODE_MAX]; /* from a claim */
  char claim_no[PL_CODE_MAX];
  int32_t n_techs;
  char techs[PL_WO_MAX_TECHS][PL_CODE_MAX];
  int32_t n_qc;
  pl_qc_record qc[PL_WO_MAX_QC]; /* the latest PL_WO_MAX_QC */
  int64_t created_ms, updated_ms, delivered_ms;
  int64_t started_ms; /* first pl_wo_start, 0: not started (rows before
                        version 2: 0) */
  int32_t warranty_days;
  int64_t warranty_km;
  uint64_t last_seq; /* its latest event */
  int32_t n_items;
  pl_wo_item items[PL_WO_MAX_ITEMS]; /* last: the engine stores only the
                                        first n_items */
} pl_work_order;

/* Input of one item (create, extra). Part: part_no, qty 1..1e6, warehouse
 * ("" = the store's first warehouse). Labour: service (required),
 * labour_min (0 = the service's duration). unit_price_fen 0: the part's
 * sale price / labour at PL_WO_LABOUR_FEN_PER_HOUR. */
typedef struct pl_wo_item_in {
  pl_item_kind kind;
  char service[PL_CODE_MAX];
  int32_t labour_min;
  char part_no[PL_CODE_MAX];
  int64_t qty;
  char warehouse[PL_CODE_MAX];
  int64_t unit_price_fen;
  char note[PL_NAME_MAX];
  int32_t warranty_claim; /* a defect claimed under the factory warranty */
} pl_wo_item_in;

typedef enum pl_assign_mode {
  PL_ASSIGN_AUTO = 1,   /* least-loaded technicians with the skills */
  PL_ASSIGN_MANUAL = 2, /* exactly techs[] */
} pl_assign_mode;

typedef struct pl_wo_create {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  int64_t booking_id;
  pl_vehicle vehicle;
  char complaint[PL_WO_TEXT_MAX];
  char advisor[PL_ACTOR_MAX];
  char insurer[PL_CODE_MAX];
  char claim_no[PL_CODE_MAX];
  int32_t n_items;
  pl_wo_item_in items[PL_WO_MAX_ITEMS];
  int32_t link_only;     /* booking_id names a held booking this order is for
                            (a claim): linked, not checked in */
  pl_assign_mode assign; /* 0: AUTO unless techs given */
  int32_t n_techs;
  char techs[PL_WO_MAX_TECHS][PL_CODE_MAX];
} pl_wo_new;

typedef struct pl_wo_event {
  char chain[PL_CODE_MAX];
  int64_t wo_id;
  char store[PL_CODE_MAX];
  uint64_t seq;
  int64_t at_ms;
  pl_wo_event_kind kind;
  pl_wo_state state; /* after the event */
  int32_t item_no;
  int32_t percent;
  char actor[PL_ACTOR_MAX];
  char note[PL_NAME_MAX];
  int64_t booking_id;                 /* PL_WOE_BOOKING */
  pl_booking_state booking_state;     /* PL_WOE_BOOKING */
  int64_t booking_start, booking_end; /* PL_WOE_BOOKING: UTC minutes */
} pl_wo_event;

/* Creates a work order (see the file comment). With booking_id, the
 * booking must be of this store and CONFIRMED (or HELD, or already
 * CHECKED_IN by a previous attempt) and have no work order yet.
 * Returns PL_EINVAL (a bad field, named), PL_ENOTFOUND (store, booking,
 * service, part, warehouse, technician), PL_EEXIST (the booking has a work
 * order), PL_EPRECOND (booking state, no technician with the skills),
 * PL_EUNAVAIL, PL_ENOMEM; with a NULL w, PL_EIO. Idempotent on idem. */
PL_API int pl_wo_create(pl_engine *e, const pl_wo_new *in, const char *idem,
                        const pl_write *w, pl_work_order *out, pl_error *err);

PL_API int pl_wo_get(pl_engine *e, const char *chain, int64_t id,
                     pl_work_order *out, pl_error *err);

typedef struct pl_wo_filter {
  const char *chain;
  const char *store;   /* NULL/"": all */
  pl_wo_state state;   /* 0: all */
  const char *plate;   /* NULL/"": all */
  const char *insurer; /* NULL/"": all */
  int64_t after_id;
} pl_wo_filter;

/* Orders matching f with id > after_id, by id; copies up to cap into out
 * and returns how many it copied (0..cap) or a negative PL_E*. */
PL_API int pl_wo_list(pl_engine *e, const pl_wo_filter *f, pl_work_order *out,
                      int cap, pl_error *err);

/* Assigns technicians (MANUAL: techs of the store, 1..PL_WO_MAX_TECHS;
 * AUTO: the least-loaded with the labour items' skills). PENDING or
 * IN_REPAIR. */
PL_API int pl_wo_assign(pl_engine *e, const char *chain, int64_t id,
                        pl_assign_mode mode, const char (*techs)[PL_CODE_MAX],
                        int n_techs, const char *actor, const pl_write *w,
                        pl_work_order *out, pl_error *err);

/* The state moves. Each needs the state named (else PL_EPRECOND naming
 * both); repeating the move that led to the current state is PL_OK. */
PL_API int pl_wo_start(pl_engine *e, const char *chain, int64_t id,
                       const char *actor, const pl_write *w, pl_work_order *out,
                       pl_error *err); /* PENDING */
PL_API int pl_wo_request_qc(pl_engine *e, const char *chain, int64_t id,
                            const char *actor, const pl_write *w,
                            pl_work_order *out,
                            pl_error *err); /* IN_REPAIR, all items settled */
PL_API int pl_wo_record_qc(pl_engine *e, const char *chain, int64_t id,
                           int passed, const char *inspector, const char *notes,
                           const pl_write *w, pl_work_order *out,
                           pl_error *err); /* AWAITING_QC */
/* COMPLETED -> DELIVERED; warranty_days 0 = 90, warranty_km 0 = 5000. The
 * booking (if any) becomes COMPLETED. */
PL_API int pl_wo_deliver(pl_engine *e, const char *chain, int64_t id,
                         const char *actor, int32_t warranty_days,
                         int64_t warranty_km, const pl_write *w,
                         pl_work_order *out, pl_error *err);
/* PENDING or IN_REPAIR -> CANCELLED; open items are cancelled and their
 * reservations released; the booking (if any) is left checked in. */
PL_API int pl_wo_cancel(pl_engine *e, const char *chain, int64_t id,
                        const char *actor, const char *note, const pl_write *w,
                        pl_work_order *out, pl_error *err);
/* A progress note (percent 0..100) while IN_REPAIR. */
PL_API int pl_wo_progress(pl_engine *e, const char *chain, int64_t id,
                          const char *actor, const char *note, int32_t percent,
                          const pl_write *w, pl_work_order *out, pl_error *err);

/* Proposes an extra item during repair (IN_REPAIR); a part is reserved
 * at once (what is short stays short). Idempotent on idem. */
PL_API int pl_wo_add_extra(pl_engine *e, const char *chain, int64_t id,
                           const pl_wo_item_in *item, const char *actor,
                           const char *idem, const pl_write *w,
                           pl_work_order *out, pl_error *err);
/* Approves (item OPEN) or rejects (REJECTED, reservation released) an
 * extra item awaiting approval. */
PL_API int pl_wo_decide_extra(pl_engine *e, const char *chain, int64_t id,
                              int32_t item_no, int approve, const char *actor,
                              const pl_write *w, pl_work_order *out,
                              pl_error *err);
/* Marks an OPEN item done (IN_REPAIR). A part is issued from the order's
 * reservation (FIFO lots): it must be reserved in full. */
PL_API int pl_wo_complete_item(pl_engine *e, const char *chain, int64_t id,
                               int32_t item_no, const char *actor,
                               const pl_write *w, pl_work_order *out,
                               pl_error *err);
/* Tries again to reserve what is short on open part items. */
PL_API int pl_wo_reserve_short(pl_engine *e, const char *chain, int64_t id,
                               const char *actor, const pl_write *w,
                               pl_work_order *out, pl_error *err);

/* Units short on an order's open or awaiting part items. */
PL_API int64_t pl_wo_short(const pl_work_order *wo);
/* What the customer pays for labour and parts (fen): items not rejected
 * or cancelled and not under warranty. */
PL_API void pl_wo_totals(const pl_work_order *wo, int64_t *labour_fen,
                         int64_t *parts_fen);
/* List value of the items under warranty (not rejected or cancelled): what
 * the warranty pays instead of the customer (fen). */
PL_API int64_t pl_wo_warranty_fen(const pl_work_order *wo);
/* What the customer pays for one item (0 when under warranty). */
PL_API int64_t pl_wo_item_customer_fen(const pl_wo_item *it);

/* ---- events ------------------------------------------------------------ */

/* Called with each durable event, in sequence order, from the thread that
 * made it durable (the commit thread) or from pl_wo_watch itself (replay).
 * Must not block and must not call back into the engine. */
typedef void (*pl_wo_event_fn)(void *arg, const pl_wo_event *ev);

typedef struct pl_wo_watch pl_wo_watch;

/* Watches one order (id > 0: events with seq > after_seq) or one store
 * (id 0, store given: its orders' events at or after since_ms, replayed,
 * then new ones, and its bookings' changes as they become durable —
 * bookings are not replayed: a day board reads them once, then follows).
 * Replays the stored events through fn, then streams new ones until
 * pl_wo_unwatch. PL_EINVAL / PL_ENOTFOUND / PL_ENOMEM. */
PL_API int pl_wo_watch_order(pl_engine *e, const char *chain, int64_t id,
                             uint64_t after_seq, pl_wo_event_fn fn, void *arg,
                             pl_wo_watch **out, pl_error *err);
PL_API int pl_wo_watch_store(pl_engine *e, const char *chain, const char *store,
                             int64_t since_ms, pl_wo_event_fn fn, void *arg,
                             pl_wo_watch **out, pl_error *err);
/* After it returns, fn is not running and will not be called again. */
PL_API void pl_wo_unwatch(pl_engine *e, pl_wo_watch *wt);

/* Copies an order's durable events with seq > after_seq (up to cap);
 * returns the number copied or a negative PL_E*. */
PL_API int pl_wo_events(pl_engine *e, const char *chain, int64_t id,
                        uint64_t after_seq, pl_wo_event *out, int cap,
                        pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
