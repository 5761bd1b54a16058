/* core/barrier.h — one caller-visible durability for a mutation made of
 * several queued writes.
 *
 * A module whose operation queues several commit items (each atomic on its
 * own: a work order row, then stock movements carrying it) gives each item
 * the pl_write of pl__barrier_step; pl__barrier_end then ties them to the
 * caller's pl_write, which fires once, after every step is durable (with
 * the first storage failure, if any). With a NULL caller write,
 * pl__barrier_end blocks until then. Commit items are written in queue
 * order, so "all durable" is also "the last durable"; the barrier just
 * does not have to know which step is the last.
 *
 * If the operation fails (pl__barrier_end gets rc != 0) the caller's
 * callback never fires, as for any failed engine call: steps already
 * queued still land, and the caller sees the error. */
#ifndef PL_BARRIER_H
#define PL_BARRIER_H

#include "pitlane/pitlane.h"

typedef struct pl__barrier pl__barrier;

/* NULL on OOM. w may be NULL (pl__barrier_end then waits). */
pl__barrier *pl__barrier_new(const pl_write *w);
/* The write for one more step; call before queuing it. */
pl_write pl__barrier_step(pl__barrier *b);
/* The number of steps handed out so far. */
int pl__barrier_steps(const pl__barrier *b);
/* Ends the operation with rc (0: success) and frees the barrier when the
 * last step is durable. Returns rc, or with a NULL caller write and rc 0,
 * PL_EIO if a step failed to be written. */
int pl__barrier_end(pl__barrier *b, int rc);

#endif
