/* core/commit_stats.h — counters of the commit thread, for metrics.
 *
 * Written by the commit thread (and submitters, for the depth), read by
 * anyone: all relaxed atomics, each meaningful on its own (a reader may see
 * a group counted in groups but not yet in items). The write-latency
 * histogram covers the synced RocksDB write of a group, i.e. the fsync. */
#ifndef PL_COMMIT_STATS_H
#define PL_COMMIT_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "pitlane/stats.h"

typedef struct pl__commit_stats {
  atomic_llong depth; /* items queued, not yet written */
  atomic_ullong groups, items, last_group;
  atomic_ullong write_us_sum;
  atomic_ullong write_bucket[PL_STATS_WRITE_BUCKETS]; /* not cumulative */
} pl__commit_stats;

/* Counts one group of n items written in us microseconds. */
void pl__commit_stats_group(pl__commit_stats *s, int n, uint64_t us);

/* Copies the counters into out (buckets made cumulative). */
void pl__commit_stats_read(const pl__commit_stats *s, pl_engine_stats *out);

#endif
