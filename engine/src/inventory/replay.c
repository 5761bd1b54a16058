/* inventory/replay.c — the chain's stock ledger entries (movements,
 * stocktake closes), read back at open and fed to the change feed
 * (inventory/stock_xs.h: pl__stock_replay_ledger). Movements and
 * stocktake closes are not rows but ledger entries, so their observers
 * (the KPI reports) learn of those made before open only from here. */
#include <stdint.h>

#include "core/observe.h"
#include "inventory/stock_int.h"

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
    pl__observe_stocktake_code(c, wh, (int32_t)n, at);
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
    pl__observe_movement(x->c, &m);
    return 0;
  }
  if (op == PL__OP_STOCKTAKE_CLOSE)
    return replay_stocktake(x->c, at, val, vl);
  return 0;
}

int pl__stock_replay_ledger(pl_engine *e, pl__chain *c, uint64_t upto,
                            pl_error *err) {
  replay_ctx x = {c, upto};
  int rc = pl__ledger_walk(e, c->info.code, 0, replay_one, &x, err);
  if (rc == PL_ECORRUPT)
    return PL__FAIL(err, rc, "recovery: chain '%s': bad stock ledger entry",
                    c->info.code);
  return rc;
}
