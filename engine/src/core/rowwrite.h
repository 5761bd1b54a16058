/* core/rowwrite.h — the one way a module writes through the commit path.
 *
 * Every mutation ends the same way: under the lock that orders writes to
 * its rows, it puts the rows into a batch, appends its ledger entry (the
 * chain's ledger, or the engine-wide one for chain-less records) and hands
 * both to the commit queue (core/commit.h) as one atomic item. These
 * functions are that step; modules do not build pl__ledger or call
 * pl__commit_submit themselves.
 *
 * Common to all: w and sync as for pl__commit_submit (w NULL: sync is
 * initialised and the caller waits on it after dropping its locks, through
 * pl__write_finish). Return 0 (queued; memory may now be changed),
 * PL_ENOMEM (a buffer or the batch ran out of memory: nothing queued, the
 * ledger sequence untouched) or PL_EUNAVAIL (the engine failed). */
#ifndef PL_ROWWRITE_H
#define PL_ROWWRITE_H

#include "base/codec.h"
#include "core/barrier.h"
#include "core/db.h"
#include "core/internal.h"

/* What a ledger entry records: op, time and the row it is about (key and
 * value as the ledger stores them, which need not be the row's stored
 * value: a movement or a work-order event), plus an optional alias row
 * (see pl__ledger). */
typedef struct pl__entry {
  unsigned op; /* PL__OP_* */
  int64_t at_ms;
  const void *key;
  size_t kl;
  const void *val;
  size_t vl;
  const void *alias; /* NULL: none */
  size_t al;
} pl__entry;

/* Queues the rows already in b with entry en (NULL: no ledger entry) in
 * the ledger of chain c (NULL: the engine-wide ledger). b is consumed: it
 * is empty on return whatever the outcome. *seq_out (may be NULL) is the
 * entry's sequence number. */
int pl__write_batch(pl_engine *e, pl__chain *c, pl__batch *b,
                    const pl__entry *en, const pl_write *w, pl__sync *sync,
                    uint64_t *seq_out);

/* Queues rows keys[i] -> vals[i] (i < n, n >= 1; vals NULL: the keys are
 * deleted) as one batch, with a ledger entry of op at at_ms recording row
 * 0 (its value, or an empty one for a delete). */
int pl__write_rows(pl_engine *e, pl__chain *c, unsigned op, int64_t at_ms,
                   const pl__buf *keys, const pl__buf *vals, int n,
                   const pl_write *w, pl__sync *sync);

/* One row (val NULL: deleted) with its ledger entry: pl__write_rows, n 1. */
int pl__write_row(pl_engine *e, pl__chain *c, unsigned op, int64_t at_ms,
                  const pl__buf *key, const pl__buf *val, const pl_write *w,
                  pl__sync *sync);

/* Queues nothing to write: w / sync fire once everything queued before is
 * durable (a repeated request, answered after the write it repeats). */
int pl__write_nothing(pl_engine *e, const pl_write *w, pl__sync *sync);

/* pl__write_batch as one step of barrier bar (core/barrier.h): the step is
 * released if nothing was queued. */
int pl__write_step(pl_engine *e, pl__chain *c, pl__barrier *bar, pl__batch *b,
                   const pl__entry *en);

#endif
