/* core/db.h — the one module that talks to RocksDB (its C API).
 *
 * A mutation is described by a pl__batch (puts and deletes in our own
 * encoding) so that the commit thread can merge many into one RocksDB
 * WriteBatch and write them with one synced write (group commit).
 * RocksDB errors come back as PL_EIO with RocksDB's text in err. */
#ifndef PL_DB_H
#define PL_DB_H

#include <stddef.h>

#include "base/codec.h"
#include "pitlane/pitlane.h"

typedef struct pl__db pl__db;

/* Batch of puts/deletes: records of [op u8][klen][key][vlen][val]. */
typedef struct pl__batch {
  pl__buf ops;
  int count;
} pl__batch;

void pl__batch_put(pl__batch *b, const void *k, size_t kl, const void *v,
                   size_t vl);
void pl__batch_del(pl__batch *b, const void *k, size_t kl);
/* Deletes every key in [lo, hi) (a chain leaving this node). */
void pl__batch_del_range(pl__batch *b, const void *lo, size_t ll,
                         const void *hi, size_t hl);
void pl__batch_free(pl__batch *b);

/* Opens (creating if missing) the database at path. */
int pl__db_open(const char *path, int no_sync, pl__db **out, pl_error *err);
void pl__db_close(pl__db *db);

/* Writes batches[0..n) as one atomic write, fsynced unless opened with
 * no_sync. Returns 0 or PL_EIO. */
int pl__db_write(pl__db *db, pl__batch *const *batches, int n, pl_error *err);

/* Reads one key: 0 and *val (malloc'd, caller frees) or PL_ENOTFOUND. */
int pl__db_get(pl__db *db, const void *k, size_t kl, pl__buf *val,
               pl_error *err);

/* Writes every key in [lo, hi) to a new SST file at path (replaced if
 * present), counting rows and bytes (keys + values) in *rows, *bytes.
 * PL_ENOTFOUND if the range is empty, PL_EIO on a RocksDB error. */
int pl__db_export_range(pl__db *db, const void *lo, size_t ll, const void *hi,
                        size_t hl, const char *path, int64_t *rows,
                        int64_t *bytes, pl_error *err);

/* Ingests an SST file made by pl__db_export_range (copied, the file is
 * left in place): its keys replace any in their range. 0 or PL_EIO. */
int pl__db_ingest(pl__db *db, const char *path, pl_error *err);

/* A forward iterator over the whole key space. */
typedef struct pl__db_iter pl__db_iter;
pl__db_iter *pl__db_iter_new(pl__db *db);
void pl__db_iter_free(pl__db_iter *it);
void pl__db_iter_seek(pl__db_iter *it, const void *k, size_t kl);
void pl__db_iter_seek_for_prev(pl__db_iter *it, const void *k, size_t kl);
int pl__db_iter_valid(pl__db_iter *it);
void pl__db_iter_next(pl__db_iter *it);
const unsigned char *pl__db_iter_key(pl__db_iter *it, size_t *kl);
const unsigned char *pl__db_iter_value(pl__db_iter *it, size_t *vl);
/* 0, or PL_EIO if the iteration stopped on an error. */
int pl__db_iter_status(pl__db_iter *it, pl_error *err);

#endif
