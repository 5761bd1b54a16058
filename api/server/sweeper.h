/* sweeper.h — pitlaned's background clock work: every interval it asks
 * the engine to escalate complaints whose deadlines passed unmet
 * (pl_complaints_sweep), so an escalation is written even when nobody
 * reads the complaint. Lists show a missed clock at once anyway; the
 * sweep makes it a durable step. */
#ifndef PL_API_SWEEPER_H
#define PL_API_SWEEPER_H

#include "pitlane/pitlane.h"

typedef struct pl_sweeper pl_sweeper;

/* Starts the thread; NULL on failure (nothing started). */
pl_sweeper *pl_sweeper_start(pl_engine *e, int interval_ms);
/* Stops and joins it (a sweep in progress finishes first). NULL: no-op. */
void pl_sweeper_stop(pl_sweeper *s);

#endif
