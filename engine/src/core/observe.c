/* core/observe.c — fans each change out to the modules derived from it (see
 * core/observe.h): the customers module (history, follow-ups), the KPI
 * reports, and the work orders' store watchers (durable booking changes). */
#include "core/observe.h"

#include "customers/cust_int.h"
#include "inventory/stock_int.h"
#include "kpi/kpi_int.h"
#include "workorders/wo_int.h"

void pl__observe_booking(pl__chain *c, const pl_booking_info *b) {
  pl__cust_on_booking(c, b);
  pl__kpi_booking(c, b);
}

pl__booking_notice *pl__observe_booking_notice(pl__chain *c,
                                               const pl_booking_info *b,
                                               int64_t at_ms) {
  return pl__wo_booking_notice(c, b, at_ms); /* WatchStore */
}

pl_write pl__observe_booking_wrap(pl__booking_notice *n, const pl_write *next) {
  return pl__wo_booking_wrap(n, next);
}

void pl__observe_booking_durable(pl__booking_notice *n, int rc) {
  pl__wo_booking_durable(n, rc);
}

void pl__observe_wo(pl__chain *c, const pl_work_order *w) {
  pl__cust_on_wo(c, w); /* may create the follow-up: observed in turn */
  pl__kpi_wo(c, w);
}

void pl__observe_vehicle(pl__chain *c, const pl_vehicle_info *v) {
  pl__cust_on_vehicle(c, v);
}

void pl__observe_followup(pl__chain *c, const pl_followup *f) {
  pl__kpi_followup(c, f);
}

void pl__observe_complaint(pl__chain *c, const pl_complaint *x) {
  pl__kpi_complaint(c, x);
}

void pl__observe_store(pl__chain *c, const pl_store_info *s) {
  pl__kpi_store(c, s);
}

void pl__observe_warehouse(pl__chain *c, int32_t ix,
                           const pl_warehouse_info *w) {
  pl__kpi_warehouse(c, ix, w);
}

void pl__observe_movement(pl__chain *c, const pl_movement *m) {
  pl__kpi_movement(c, m);
}

void pl__observe_stocktake(pl__chain *c, int32_t wh, int32_t n, int64_t at_ms) {
  pl__kpi_stocktake(c, wh, n, at_ms);
}

/* ---- the ledger's stock entries at open ---------------------------------- */

typedef struct replay_ctx {
  pl__chain *c;
  uint64_t upto;
} replay_ctx;

/* A stocktake row: 1 warehouse closed actor n (part_no counted)*n. */
static int replay_stocktake(pl__chain *c, int64_t at, const unsigned char *v,
                            size_t vl) {
  pl__rd r;
  pl__rd_init(&r, v, vl);
  char wh[PL_CODE_MAX], actor[PL_ACTOR_MAX];
  if (pl__rd_uvar(&r) != 1)
    return PL_ECORRUPT;
  pl__rd_str(&r, wh, sizeof wh);
  uint64_t closed = pl__rd_uvar(&r);
  pl__rd_str(&r, actor, sizeof actor);
  uint64_t n = pl__rd_uvar(&r);
  if (r.bad || n > INT32_MAX)
    return PL_ECORRUPT;
  if (closed)
    pl__kpi_stocktake_code(c, wh, (int32_t)n, at);
  return 0;
}

static int replay_one(void *arg, uint64_t seq, unsigned op, int64_t at,
                      const unsigned char *val, size_t vl) {
  replay_ctx *x = arg;
  if (seq >= x->upto)
    return 0; /* observed live */
  if (op > PL__OP_MOVE_BASE && op <= PL__OP_MOVE_BASE + PL_MOVE_KIND_MAX) {
    pl_movement m;
    if (pl__movement_decode(val, vl, &m) != 0)
      return PL_ECORRUPT;
    m.seq = seq;
    pl__kpi_movement(x->c, &m);
    return 0;
  }
  if (op == PL__OP_STOCKTAKE_CLOSE)
    return replay_stocktake(x->c, at, val, vl);
  return 0;
}

int pl__observe_replay_ledger(pl_engine *e, pl__chain *c, uint64_t upto,
                              pl_error *err) {
  replay_ctx x = {c, upto};
  int rc = pl__ledger_walk(e, c->info.code, 0, replay_one, &x, err);
  if (rc == PL_ECORRUPT)
    return PL__FAIL(err, rc, "recovery: chain '%s': bad stock ledger entry",
                    c->info.code);
  return rc;
}
