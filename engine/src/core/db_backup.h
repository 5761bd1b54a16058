/* core/db_backup.h — RocksDB's BackupEngine and properties (private).
 *
 * The second half of the RocksDB boundary (core/db.c is the first): the
 * only other file that calls rocksdb_*. Errors come back as PL_EIO with
 * RocksDB's text in err (PL_ECORRUPT from verify, PL_ENOTFOUND for an
 * unknown backup id). */
#ifndef PL_DB_BACKUP_H
#define PL_DB_BACKUP_H

#include <stdint.h>

#include "core/db.h"
#include "pitlane/backup.h"

/* The RocksDB handle behind d (core/db.c). */
struct rocksdb_t *pl__db_rocks(pl__db *d);

/* Flushes the memtable to a table file and waits. 0 or PL_EIO. */
int pl__db_flush(pl__db *d, pl_error *err);

/* One new backup of d in dir (memtable flushed first); *id its id. */
int pl__db_backup_create(pl__db *d, const char *dir, uint32_t *id,
                         pl_error *err);

/* RocksDB's view of the backups in dir, oldest first: fills id,
 * timestamp_s, size_bytes and n_files of a malloc'd array of *n. */
int pl__db_backup_list(const char *dir, pl_backup_info **out, int *n,
                       pl_error *err);

int pl__db_backup_verify(const char *dir, uint32_t id, pl_error *err);
int pl__db_backup_purge(const char *dir, int keep, pl_error *err);
/* id 0: the newest. */
int pl__db_backup_restore(const char *dir, uint32_t id, const char *to,
                          pl_error *err);

/* An integer property of the database (e.g. "rocksdb.cur-size-all-mem-
 * tables"): 0 and *out, or PL_ENOTFOUND. */
int pl__db_property(pl__db *d, const char *name, uint64_t *out);

/* The last ledger sequence number stored under each ledger prefix
 * (<chain> 0x00 0xF0), in key order: a malloc'd array of *n ("" is the
 * global ledger). Reads only what is written: call it with no write in
 * flight to get a cut. 0 or PL_ENOMEM / PL_EIO. */
int pl__db_ledger_heads(pl__db *d, pl_backup_seq **out, int *n, pl_error *err);

#endif
