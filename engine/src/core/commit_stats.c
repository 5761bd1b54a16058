/* core/commit_stats.c — the commit thread's counters (commit_stats.h) and
 * pl_engine_stats_get (pitlane/stats.h). */
#include "core/commit_stats.h"

#include <string.h>

#include "core/db_backup.h"
#include "core/internal.h"

static const uint64_t bounds_us[PL_STATS_WRITE_BUCKETS] =
    PL_STATS_WRITE_BOUNDS_US;

void pl__commit_stats_group(pl__commit_stats *s, int n, uint64_t us) {
  int b = 0;
  while (b < PL_STATS_WRITE_BUCKETS - 1 && us > bounds_us[b])
    b++;
  atomic_fetch_add_explicit(&s->write_bucket[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->write_us_sum, us, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->groups, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->items, (uint64_t)n, memory_order_relaxed);
  atomic_store_explicit(&s->last_group, (uint64_t)n, memory_order_relaxed);
}

void pl__commit_stats_read(const pl__commit_stats *s, pl_engine_stats *out) {
  out->queue_depth = atomic_load_explicit(&s->depth, memory_order_relaxed);
  out->groups = atomic_load_explicit(&s->groups, memory_order_relaxed);
  out->items = atomic_load_explicit(&s->items, memory_order_relaxed);
  out->last_group_size =
      atomic_load_explicit(&s->last_group, memory_order_relaxed);
  out->write_us_sum =
      atomic_load_explicit(&s->write_us_sum, memory_order_relaxed);
  uint64_t cum = 0;
  for (int i = 0; i < PL_STATS_WRITE_BUCKETS; i++) {
    cum += atomic_load_explicit(&s->write_bucket[i], memory_order_relaxed);
    out->write_bucket[i] = cum;
  }
}

/* One integer property, 0 if RocksDB does not give it. */
static uint64_t prop(pl__db *d, const char *name) {
  uint64_t v = 0;
  return pl__db_property(d, name, &v) == 0 ? v : 0;
}

void pl_engine_stats_get(pl_engine *e, pl_engine_stats *out) {
  memset(out, 0, sizeof *out);
  pl__commit_stats_read(&e->commit.stats, out);
  out->failed = atomic_load(&e->failed) ? 1 : 0;
  pthread_rwlock_rdlock(&e->chains_lock);
  for (int i = 0; i < e->chains.n; i++)
    out->chains += e->chains.items[i] != NULL;
  pthread_rwlock_unlock(&e->chains_lock);
  out->memtable_bytes = prop(e->db, "rocksdb.cur-size-all-mem-tables");
  out->pending_compaction_bytes =
      prop(e->db, "rocksdb.estimate-pending-compaction-bytes");
  out->running_compactions = prop(e->db, "rocksdb.num-running-compactions");
  out->write_stopped = prop(e->db, "rocksdb.is-write-stopped");
  out->delayed_write_rate = prop(e->db, "rocksdb.actual-delayed-write-rate");
  out->estimate_keys = prop(e->db, "rocksdb.estimate-num-keys");
  out->sst_bytes = prop(e->db, "rocksdb.total-sst-files-size");
}
