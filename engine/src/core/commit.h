/* core/commit.h — the commit queue and its thread (group commit).
 *
 * A mutation is applied to memory under its partition's lock and, still
 * under that lock, handed here with its batch; so batches touching the same
 * partition are queued in the order their changes were made. The commit
 * thread takes everything queued, writes it as one synced RocksDB write and
 * only then calls each item's durable callback. Workers never wait on
 * fsync. The ledger sequence number of a chain is assigned here, under the
 * queue lock, so sequence numbers are written in queue order and no
 * acknowledged entry can sit behind a gap that a crash leaves.
 *
 * Fail-stop: once a write fails, the engine is marked failed, the failed
 * group and everything queued after it get PL_EIO, and nothing more is
 * written; memory may hold changes that disk does not, so the only way
 * back is to reopen (memory is rebuilt from disk). */
#ifndef PL_COMMIT_H
#define PL_COMMIT_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/commit_stats.h"
#include "core/db.h"

typedef struct pl__commit_item pl__commit_item;

typedef struct pl__commit {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  pl__commit_item *head, *tail; /* under mu */
  int stopping;                 /* under mu */
  int started;
  pl__db *db;
  atomic_int *failed;     /* the engine's flag */
  uint64_t groups, items; /* statistics, commit thread only */
  /* Held by the commit thread around each group's RocksDB write (not its
   * callbacks): whoever holds it sees no write in flight (core/backup.c
   * takes a consistent cut under it). A leaf lock. */
  pthread_mutex_t write_mu;
  pl__commit_stats stats; /* for metrics (core/commit_stats.h) */
} pl__commit;

/* One ledger entry to append to the batch: chain prefix and op. */
typedef struct pl__ledger {
  const char *chain;
  uint64_t *next_seq; /* the chain's counter; read and bumped under mu */
  unsigned op;        /* PL__OP_* */
  int64_t at_ms;
  const void *key; /* the primary row touched */
  size_t kl;
  const void *val;
  size_t vl;
  /* Optional (NULL: none): also put alias -> seq (8 bytes big-endian)
   * followed by val, in the same batch; an index that must carry the
   * sequence number, which is only known here (e.g. an idempotency key
   * whose retry returns the first answer). */
  const void *alias;
  size_t al;
} pl__ledger;

/* Waits for one submitted item when the caller gave no pl_write. */
typedef struct pl__sync {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done, rc;
} pl__sync;

int pl__commit_start(pl__commit *c, pl__db *db, atomic_int *failed);
/* Drains the queue (callbacks fire), then stops the thread. */
void pl__commit_stop(pl__commit *c);

/* Queues batch (its contents are moved; *batch is left empty) plus the
 * ledger entry if lg is not NULL. If w is NULL, sync must be non-NULL: it
 * is initialised here and the caller, after dropping its locks, calls
 * pl__sync_wait(sync). Returns 0, PL_EUNAVAIL (engine failed: nothing
 * queued) or PL_ENOMEM. On success *seq_out (may be NULL) is the ledger
 * sequence number. */
int pl__commit_submit(pl__commit *c, pl__batch *batch, const pl__ledger *lg,
                      const pl_write *w, pl__sync *sync, uint64_t *seq_out);

/* Blocks until the item is durable; returns 0 or PL_EIO. */
int pl__sync_wait(pl__sync *s);

#endif
