/* scheduling/sched_xs.h — what other subsystems may call in the scheduling
 * module (its cross-subsystem header; docs/architecture.md "What crosses
 * subsystems"): the service catalogue (workorders/: a labour line's
 * duration and skill) and the stores' available minutes (kpi/kpi.c:
 * utilisation). Both read under the chain's lock the caller holds. */
#ifndef PL_SCHED_XS_H
#define PL_SCHED_XS_H

#include <stdint.h>

#include "core/internal.h"
#include "pitlane/scheduling.h"

/* The chain's service of that code, or NULL if none. Caller holds the
 * chain's lock (read); the pointer is valid while it does. */
const pl_service_info *pl__sched_service(pl__chain *c, const char *code);

/* The store's available minutes on each local day of [from, to], exactly
 * as the day board's available_min (hours, shifts, breaks, leave, out of
 * service, closures), added per bucket (bucket[d - from] in 0..nb-1):
 * bays' sum to bay_b[b], technicians' to tech_b[b], and technician j's to
 * per_tech[j * nb + b] (each may be NULL). Normal days cost a weekday
 * lookup; only closures and days a leave or out-of-service range touches
 * are built. Caller holds the chain's lock (read); takes the store's mu.
 * 0 or PL_ENOMEM. */
int pl__sched_available(pl__chain *c, pl__store *s, int32_t from, int32_t to,
                        const int32_t *bucket, int nb, int64_t *bay_b,
                        int64_t *tech_b, int64_t *per_tech);

#endif
