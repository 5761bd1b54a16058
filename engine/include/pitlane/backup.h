/* pitlane/backup.h — online backups and restores (RocksDB BackupEngine).
 *
 * A backup directory holds any number of backups of one database; they
 * share their table files (incremental: a new backup copies only the files
 * made since the last one). Each backup is a consistent cut of the
 * database: exactly the commit groups written before it, none after. Next
 * to RocksDB's own files, pitlane/<id>.ledger records, per chain, the last
 * ledger sequence number the backup holds (and the global ledger's, for API
 * keys), and when the backup began and ended.
 *
 * Point in time: a restore gives back the state of one backup, exactly;
 * there is no replay of the WAL past it (a backup every few minutes bounds
 * what a lost disk costs). Operations made of several commit items (a work
 * order that issues stock) may be cut between items, as a crash would cut
 * them: recovery handles both the same way. */
#ifndef PITLANE_BACKUP_H
#define PITLANE_BACKUP_H

#include <stdint.h>

#include "pitlane/admin.h"
#include "pitlane/pitlane.h"

/* The last ledger sequence number a backup holds for one chain. */
typedef struct pl_backup_seq {
  char chain[PL_CODE_MAX];
  uint64_t seq; /* 0: the chain has no ledger entry yet */
} pl_backup_seq;

typedef struct pl_backup_info {
  uint32_t id;           /* RocksDB's backup id, 1, 2, ... */
  int64_t timestamp_s;   /* RocksDB's creation time (Unix seconds) */
  uint64_t size_bytes;   /* the backup's files, shared ones included */
  uint32_t n_files;      /* idem */
  int64_t began_ms;      /* wall clock; 0 if pitlane/<id>.ledger is missing */
  int64_t ended_ms;      /* idem */
  uint64_t global_seq;   /* the global ledger (API keys) */
  int n_chains;          /* entries in chains */
  pl_backup_seq *chains; /* malloc'd, in key order; pl_backup_info_free */
} pl_backup_info;

/* Frees what a pl_backup_info owns (not the struct). Accepts zeroes. */
PL_API void pl_backup_info_free(pl_backup_info *b);

/* Backs the running engine up into dir (created if missing), then, if
 * keep > 0, deletes all but the keep newest backups. Reads go on
 * throughout; commits pause (they queue, they are not refused) while the
 * backup engine flushes the memtable and copies the files made since the
 * last backup — the memtable is flushed once before the pause to keep it
 * short. *out (may be NULL) describes the new backup. One backup at a
 * time per directory (RocksDB's BackupEngine is not shared): callers
 * serialize.
 * PL_EUNAVAIL if the engine has failed, PL_EIO (RocksDB's text in err). */
PL_API int pl_backup_create(pl_engine *e, const char *dir, int keep,
                            pl_backup_info *out, pl_error *err);

/* The backups in dir, oldest first: *out (malloc'd array of *n, free with
 * pl_backup_list_free). 0, or PL_EIO (not a backup directory, ...). */
PL_API int pl_backup_list(const char *dir, pl_backup_info **out, int *n,
                          pl_error *err);
PL_API void pl_backup_list_free(pl_backup_info *list, int n);

/* Checks that backup id (0: every backup) has all its files, each of the
 * recorded size. 0, PL_ENOTFOUND (no such backup) or PL_ECORRUPT. */
PL_API int pl_backup_verify(const char *dir, uint32_t id, pl_error *err);

/* The thorough check of backup id (0: the newest): restores it into a new
 * directory under scratch (RocksDB checks every file's checksum as it
 * copies), opens an engine on it (every row decodes) and replays each
 * chain's stock ledger against its stock; then deletes the directory.
 * Needs room for one restored copy. 0, PL_ENOTFOUND, PL_ECORRUPT (a
 * checksum, a row or a ledger; the first in err) or PL_EIO. */
PL_API int pl_backup_verify_deep(const char *dir, uint32_t id,
                                 const char *scratch, pl_error *err);

/* Deletes all but the keep (>= 1) newest backups. 0, PL_EINVAL or PL_EIO. */
PL_API int pl_backup_purge(const char *dir, int keep, pl_error *err);

/* Restores backup id (0: the newest) of dir into the directory `to`, which
 * must not exist or be empty; a pitlaned started on it serves the backup's
 * state. Writes to/RESTORED_FROM (what was restored, for operators).
 * 0, PL_EEXIST (to is not empty), PL_ENOTFOUND, PL_EIO. */
PL_API int pl_backup_restore(const char *dir, uint32_t id, const char *to,
                             pl_error *err);

#endif
