/* core/rowwrite.c — rows with their ledger entry into the commit queue (see
 * rowwrite.h). The ledger entry is built here, from the chain's (or the
 * engine-wide) sequence counter, so its bytes are the same for every
 * module. */
#include "core/rowwrite.h"

#include "core/commit.h"

int pl__write_batch(pl_engine *e, pl__chain *c, pl__batch *b,
                    const pl__entry *en, const pl_write *w, pl__sync *sync,
                    uint64_t *seq_out) {
  int rc = PL_ENOMEM;
  if (!b->ops.oom) {
    pl__ledger lg = {0};
    if (en != NULL)
      lg = (pl__ledger){.chain = c != NULL ? c->info.code : "",
                        .next_seq =
                            c != NULL ? &c->next_seq : &e->apikeys.next_seq,
                        .op = en->op,
                        .at_ms = en->at_ms,
                        .key = en->key,
                        .kl = en->kl,
                        .val = en->val,
                        .vl = en->vl,
                        .alias = en->alias,
                        .al = en->al};
    rc = pl__commit_submit(&e->commit, b, en != NULL ? &lg : NULL, w, sync,
                           seq_out);
  }
  pl__batch_free(b);
  return rc;
}

int pl__write_rows(pl_engine *e, pl__chain *c, unsigned op, int64_t at_ms,
                   const pl__buf *keys, const pl__buf *vals, int n,
                   const pl_write *w, pl__sync *sync) {
  for (int i = 0; i < n; i++)
    if (keys[i].oom || (vals != NULL && vals[i].oom))
      return PL_ENOMEM;
  pl__batch b = {0};
  for (int i = 0; i < n; i++) {
    if (vals != NULL)
      pl__batch_put(&b, keys[i].p, keys[i].n, vals[i].p, vals[i].n);
    else
      pl__batch_del(&b, keys[i].p, keys[i].n);
  }
  pl__entry en = {.op = op,
                  .at_ms = at_ms,
                  .key = keys[0].p,
                  .kl = keys[0].n,
                  .val = vals != NULL ? (const void *)vals[0].p : "",
                  .vl = vals != NULL ? vals[0].n : 0};
  return pl__write_batch(e, c, &b, &en, w, sync, NULL);
}

int pl__write_row(pl_engine *e, pl__chain *c, unsigned op, int64_t at_ms,
                  const pl__buf *key, const pl__buf *val, const pl_write *w,
                  pl__sync *sync) {
  return pl__write_rows(e, c, op, at_ms, key, val, 1, w, sync);
}

int pl__write_nothing(pl_engine *e, const pl_write *w, pl__sync *sync) {
  pl__batch empty = {0};
  return pl__commit_submit(&e->commit, &empty, NULL, w, sync, NULL);
}

int pl__write_step(pl_engine *e, pl__chain *c, pl__barrier *bar, pl__batch *b,
                   const pl__entry *en) {
  if (b->ops.oom) { /* no step handed out for a write that cannot queue */
    pl__batch_free(b);
    return PL_ENOMEM;
  }
  pl_write step = pl__barrier_step(bar);
  int rc = pl__write_batch(e, c, b, en, &step, NULL, NULL);
  if (rc != 0)
    step.durable(step.arg, 0); /* the step is not coming: release it */
  return rc;
}
