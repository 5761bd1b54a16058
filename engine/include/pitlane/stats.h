/* pitlane/stats.h — what the engine can tell about itself (for metrics).
 *
 * A snapshot of counters that are updated as the engine works; reading
 * them takes no engine lock but the chains index's (for the count) and
 * costs a few RocksDB property reads. Counters only grow while the engine
 * is open. */
#ifndef PITLANE_STATS_H
#define PITLANE_STATS_H

#include <stdint.h>

#include "pitlane/pitlane.h"

/* Upper bounds (microseconds) of the commit write latency buckets; the
 * last bucket is +Inf. */
#define PL_STATS_WRITE_BUCKETS 12
#define PL_STATS_WRITE_BOUNDS_US                                               \
  { 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 0 }

typedef struct pl_engine_stats {
  /* the commit queue (core/commit.c) */
  int64_t queue_depth;      /* items waiting for the commit thread */
  uint64_t groups, items;   /* group commits written, items in them */
  uint64_t last_group_size; /* items in the last group */
  uint64_t write_us_sum;    /* total time in synced writes */
  /* cumulative: groups whose write took <= bound i (last: all) */
  uint64_t write_bucket[PL_STATS_WRITE_BUCKETS];
  int failed; /* 1: fail-stopped (no more writes until reopened) */
  int chains; /* chains served by this engine */
  /* RocksDB's own (0 if it does not say) */
  uint64_t memtable_bytes;           /* rocksdb.cur-size-all-mem-tables */
  uint64_t pending_compaction_bytes; /* ...estimate-pending-compaction-bytes */
  uint64_t running_compactions;      /* rocksdb.num-running-compactions */
  uint64_t write_stopped;            /* rocksdb.is-write-stopped (0/1) */
  uint64_t delayed_write_rate;       /* rocksdb.actual-delayed-write-rate */
  uint64_t estimate_keys;            /* rocksdb.estimate-num-keys */
  uint64_t sst_bytes;                /* rocksdb.total-sst-files-size */
} pl_engine_stats;

/* Fills *out. */
PL_API void pl_engine_stats_get(pl_engine *e, pl_engine_stats *out);

#endif
