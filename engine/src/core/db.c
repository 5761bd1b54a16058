/* core/db.c — RocksDB boundary (see db.h).
 *
 * Durability: every pl__db_write is one rocksdb_write of one WriteBatch with
 * sync = 1, so the WAL is fsynced before it returns; a batch is atomic in
 * the WAL, so after kill -9 either all of a group is there or none of it.
 * The commit thread only acknowledges after this returns 0.
 *
 * Privacy: the directory holds customers' names and phones. It is created
 * 0700 (and an existing one is set to 0700) before RocksDB opens it, and
 * the files in it are set to 0600 after the open, whatever the process
 * umask; files RocksDB makes later get 0644 & ~umask, behind the 0700
 * directory (pitlaned and pl-keys also run with umask 077). */
#include "core/db.h"
#include "core/db_backup.h"

#include "core/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OP_PUT = 1, OP_DEL = 2, OP_DEL_RANGE = 3 };

struct pl__db {
  rocksdb_t *db;
  rocksdb_options_t *opts;
  rocksdb_writeoptions_t *wopts;
  rocksdb_readoptions_t *ropts;
};

struct pl__db_iter {
  rocksdb_iterator_t *it;
};

static int db_fail(pl_error *err, const char *what, char *rerr) {
  if (err != NULL) {
    err->code = PL_EIO;
    snprintf(err->msg, sizeof err->msg, "%s: %s", what, rerr);
  }
  rocksdb_free(rerr);
  return PL_EIO;
}

void pl__batch_put(pl__batch *b, const void *k, size_t kl, const void *v,
                   size_t vl) {
  pl__buf_u8(&b->ops, OP_PUT);
  pl__buf_uvar(&b->ops, kl);
  pl__buf_bytes(&b->ops, k, kl);
  pl__buf_uvar(&b->ops, vl);
  pl__buf_bytes(&b->ops, v, vl);
  b->count++;
}

void pl__batch_del(pl__batch *b, const void *k, size_t kl) {
  pl__buf_u8(&b->ops, OP_DEL);
  pl__buf_uvar(&b->ops, kl);
  pl__buf_bytes(&b->ops, k, kl);
  pl__buf_uvar(&b->ops, 0);
  b->count++;
}

void pl__batch_del_range(pl__batch *b, const void *lo, size_t ll,
                         const void *hi, size_t hl) {
  pl__buf_u8(&b->ops, OP_DEL_RANGE);
  pl__buf_uvar(&b->ops, ll);
  pl__buf_bytes(&b->ops, lo, ll);
  pl__buf_uvar(&b->ops, hl);
  pl__buf_bytes(&b->ops, hi, hl);
  b->count++;
}

void pl__batch_free(pl__batch *b) {
  pl__buf_free(&b->ops);
  b->count = 0;
}

/* The data directory at path: created 0700 if missing, else set to 0700. */
static int private_dir(const char *path, pl_error *err) {
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return PL__FAIL(err, PL_EIO, "data directory %s: %s", path,
                    strerror(errno));
  if (chmod(path, 0700) != 0)
    return PL__FAIL(err, PL_EIO, "data directory %s: chmod: %s", path,
                    strerror(errno));
  return 0;
}

/* Every regular file directly in path set to 0600 (RocksDB keeps no
 * subdirectories). */
static int private_files(const char *path, pl_error *err) {
  DIR *d = opendir(path);
  if (d == NULL)
    return PL__FAIL(err, PL_EIO, "data directory %s: %s", path,
                    strerror(errno));
  int rc = 0;
  const struct dirent *ent;
  while (rc == 0 && (ent = readdir(d)) != NULL) {
    struct stat st;
    if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode) || (st.st_mode & 0777) == 0600)
      continue;
    if (fchmodat(dirfd(d), ent->d_name, 0600, 0) != 0)
      rc = PL__FAIL(err, PL_EIO, "%s/%s: chmod: %s", path, ent->d_name,
                    strerror(errno));
  }
  closedir(d);
  return rc;
}

int pl__db_open(const char *path, int no_sync, pl__db **out, pl_error *err) {
  *out = NULL;
  int prc = private_dir(path, err);
  if (prc != 0)
    return prc;
  pl__db *d = calloc(1, sizeof *d);
  if (d == NULL)
    return PL_ENOMEM;
  d->opts = rocksdb_options_create();
  rocksdb_options_set_create_if_missing(d->opts, 1);
  rocksdb_options_increase_parallelism(d->opts, 2);
  rocksdb_options_set_max_open_files(d->opts, 512);
  d->wopts = rocksdb_writeoptions_create();
  rocksdb_writeoptions_set_sync(d->wopts, no_sync ? 0 : 1);
  d->ropts = rocksdb_readoptions_create();
  char *rerr = NULL;
  d->db = rocksdb_open(d->opts, path, &rerr);
  if (rerr != NULL) {
    int rc = db_fail(err, "rocksdb open", rerr);
    pl__db_close(d);
    return rc;
  }
  prc = private_files(path, err);
  if (prc != 0) {
    pl__db_close(d);
    return prc;
  }
  *out = d;
  return 0;
}

/* For core/db_backup.c, the other half of the RocksDB boundary. */
struct rocksdb_t *pl__db_rocks(pl__db *d) {
  return d->db;
}

void pl__db_close(pl__db *d) {
  if (d == NULL)
    return;
  if (d->db != NULL)
    rocksdb_close(d->db);
  if (d->ropts != NULL)
    rocksdb_readoptions_destroy(d->ropts);
  if (d->wopts != NULL)
    rocksdb_writeoptions_destroy(d->wopts);
  if (d->opts != NULL)
    rocksdb_options_destroy(d->opts);
  free(d);
}

/* Appends our encoded ops to a RocksDB batch. The ops were written by
 * pl__batch_* in this process, so a decoding failure is a bug. */
static void batch_apply(rocksdb_writebatch_t *wb, const pl__batch *b) {
  pl__rd r;
  pl__rd_init(&r, b->ops.p, b->ops.n);
  while (pl__rd_more(&r)) {
    unsigned op = r.p[r.off++];
    size_t kl = (size_t)pl__rd_uvar(&r);
    const char *k = (const char *)r.p + r.off;
    r.off += kl;
    size_t vl = (size_t)pl__rd_uvar(&r);
    const char *v = (const char *)r.p + r.off;
    r.off += vl;
    if (op == OP_PUT)
      rocksdb_writebatch_put(wb, k, kl, v, vl);
    else if (op == OP_DEL_RANGE)
      rocksdb_writebatch_delete_range(wb, k, kl, v, vl);
    else
      rocksdb_writebatch_delete(wb, k, kl);
  }
}

int pl__db_write(pl__db *d, pl__batch *const *batches, int n, pl_error *err) {
  rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
  for (int i = 0; i < n; i++)
    batch_apply(wb, batches[i]);
  char *rerr = NULL;
  rocksdb_write(d->db, d->wopts, wb, &rerr);
  rocksdb_writebatch_destroy(wb);
  if (rerr != NULL)
    return db_fail(err, "rocksdb write", rerr);
  return 0;
}

int pl__db_get(pl__db *d, const void *k, size_t kl, pl__buf *val,
               pl_error *err) {
  char *rerr = NULL;
  size_t vl = 0;
  char *v = rocksdb_get(d->db, d->ropts, k, kl, &vl, &rerr);
  if (rerr != NULL)
    return db_fail(err, "rocksdb get", rerr);
  if (v == NULL)
    return PL_ENOTFOUND;
  pl__buf_reset(val);
  pl__buf_bytes(val, v, vl);
  rocksdb_free(v);
  return val->oom ? PL_ENOMEM : 0;
}

pl__db_iter *pl__db_iter_new(pl__db *d) {
  pl__db_iter *it = calloc(1, sizeof *it);
  if (it == NULL)
    return NULL;
  it->it = rocksdb_create_iterator(d->db, d->ropts);
  return it;
}

void pl__db_iter_free(pl__db_iter *it) {
  if (it == NULL)
    return;
  rocksdb_iter_destroy(it->it);
  free(it);
}

void pl__db_iter_seek(pl__db_iter *it, const void *k, size_t kl) {
  rocksdb_iter_seek(it->it, k, kl);
}

void pl__db_iter_seek_for_prev(pl__db_iter *it, const void *k, size_t kl) {
  rocksdb_iter_seek_for_prev(it->it, k, kl);
}

int pl__db_iter_valid(pl__db_iter *it) {
  return rocksdb_iter_valid(it->it);
}

void pl__db_iter_next(pl__db_iter *it) {
  rocksdb_iter_next(it->it);
}

const unsigned char *pl__db_iter_key(pl__db_iter *it, size_t *kl) {
  return (const unsigned char *)rocksdb_iter_key(it->it, kl);
}

const unsigned char *pl__db_iter_value(pl__db_iter *it, size_t *vl) {
  return (const unsigned char *)rocksdb_iter_value(it->it, vl);
}

int pl__db_iter_status(pl__db_iter *it, pl_error *err) {
  char *rerr = NULL;
  rocksdb_iter_get_error(it->it, &rerr);
  if (rerr != NULL)
    return db_fail(err, "rocksdb iterate", rerr);
  return 0;
}

int pl__db_export_range(pl__db *d, const void *lo, size_t ll, const void *hi,
                        size_t hl, const char *path, int64_t *rows,
                        int64_t *bytes, pl_error *err) {
  *rows = *bytes = 0;
  rocksdb_envoptions_t *env = rocksdb_envoptions_create();
  rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(env, d->opts);
  rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
  rocksdb_readoptions_set_iterate_upper_bound(ro, hi, hl);
  rocksdb_iterator_t *it = rocksdb_create_iterator(d->db, ro);
  char *rerr = NULL;
  int rc = 0;
  remove(path);
  rocksdb_sstfilewriter_open(w, path, &rerr);
  if (rerr != NULL)
    rc = db_fail(err, "sst open", rerr);
  for (rocksdb_iter_seek(it, lo, ll); rc == 0 && rocksdb_iter_valid(it);
       rocksdb_iter_next(it)) {
    size_t kl, vl;
    const char *k = rocksdb_iter_key(it, &kl);
    const char *v = rocksdb_iter_value(it, &vl);
    rocksdb_sstfilewriter_put(w, k, kl, v, vl, &rerr);
    if (rerr != NULL)
      rc = db_fail(err, "sst put", rerr);
    (*rows)++;
    *bytes += (int64_t)(kl + vl);
  }
  if (rc == 0) {
    rocksdb_iter_get_error(it, &rerr);
    if (rerr != NULL)
      rc = db_fail(err, "rocksdb iterate", rerr);
  }
  if (rc == 0 && *rows == 0)
    rc = PL_ENOTFOUND;
  if (rc == 0) {
    rocksdb_sstfilewriter_finish(w, &rerr);
    if (rerr != NULL)
      rc = db_fail(err, "sst finish", rerr);
  }
  rocksdb_iter_destroy(it);
  rocksdb_readoptions_destroy(ro); /* after the iterator: it holds hi */
  rocksdb_sstfilewriter_destroy(w);
  rocksdb_envoptions_destroy(env);
  if (rc != 0)
    remove(path);
  return rc;
}

int pl__db_ingest(pl__db *d, const char *path, pl_error *err) {
  rocksdb_ingestexternalfileoptions_t *o =
      rocksdb_ingestexternalfileoptions_create();
  rocksdb_ingestexternalfileoptions_set_move_files(o, 0);
  char *rerr = NULL;
  const char *files[1] = {path};
  rocksdb_ingest_external_file(d->db, files, 1, o, &rerr);
  rocksdb_ingestexternalfileoptions_destroy(o);
  if (rerr != NULL)
    return db_fail(err, "sst ingest", rerr);
  return 0;
}
