/* core/db_backup.c — RocksDB's BackupEngine, properties and the ledger
 * heads (see db_backup.h). Backups share table files (incremental). */
#include "core/db_backup.h"

#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "core/keys.h"

static int be_fail(pl_error *err, int code, const char *what, char *rerr) {
  if (err != NULL) {
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "%s: %s", what,
             rerr ? rerr : "no backup");
  }
  rocksdb_free(rerr);
  return code;
}

/* Opens the backup engine on dir (created if missing); NULL with err. */
static rocksdb_backup_engine_t *be_open(const char *dir, pl_error *err) {
  rocksdb_options_t *o = rocksdb_options_create();
  char *rerr = NULL;
  rocksdb_backup_engine_t *be = rocksdb_backup_engine_open(o, dir, &rerr);
  rocksdb_options_destroy(o);
  if (rerr != NULL) {
    be_fail(err, PL_EIO, "backup engine open", rerr);
    return NULL;
  }
  return be;
}

int pl__db_flush(pl__db *d, pl_error *err) {
  rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
  rocksdb_flushoptions_set_wait(fo, 1);
  char *rerr = NULL;
  rocksdb_flush(pl__db_rocks(d), fo, &rerr);
  rocksdb_flushoptions_destroy(fo);
  return rerr != NULL ? be_fail(err, PL_EIO, "rocksdb flush", rerr) : 0;
}

/* The id of the newest backup of be, 0 if none. */
static uint32_t newest_id(rocksdb_backup_engine_t *be) {
  const rocksdb_backup_engine_info_t *in =
      rocksdb_backup_engine_get_backup_info(be);
  uint32_t id = 0;
  int n = rocksdb_backup_engine_info_count(in);
  for (int i = 0; i < n; i++) {
    uint32_t x = rocksdb_backup_engine_info_backup_id(in, i);
    if (x > id)
      id = x;
  }
  rocksdb_backup_engine_info_destroy(in);
  return id;
}

int pl__db_backup_create(pl__db *d, const char *dir, uint32_t *id,
                         pl_error *err) {
  rocksdb_backup_engine_t *be = be_open(dir, err);
  if (be == NULL)
    return PL_EIO;
  char *rerr = NULL;
  rocksdb_backup_engine_create_new_backup_flush(be, pl__db_rocks(d), 1, &rerr);
  int rc = 0;
  if (rerr != NULL)
    rc = be_fail(err, PL_EIO, "backup", rerr);
  else
    *id = newest_id(be);
  rocksdb_backup_engine_close(be);
  return rc;
}

int pl__db_backup_list(const char *dir, pl_backup_info **out, int *n,
                       pl_error *err) {
  *out = NULL;
  *n = 0;
  rocksdb_backup_engine_t *be = be_open(dir, err);
  if (be == NULL)
    return PL_EIO;
  const rocksdb_backup_engine_info_t *in =
      rocksdb_backup_engine_get_backup_info(be);
  int cnt = rocksdb_backup_engine_info_count(in);
  pl_backup_info *a = calloc(cnt > 0 ? (size_t)cnt : 1, sizeof *a);
  int rc = a == NULL ? PL_ENOMEM : 0;
  for (int i = 0; a != NULL && i < cnt; i++) {
    a[i].id = rocksdb_backup_engine_info_backup_id(in, i);
    a[i].timestamp_s = rocksdb_backup_engine_info_timestamp(in, i);
    a[i].size_bytes = rocksdb_backup_engine_info_size(in, i);
    a[i].n_files = rocksdb_backup_engine_info_number_files(in, i);
  }
  rocksdb_backup_engine_info_destroy(in);
  rocksdb_backup_engine_close(be);
  if (rc == 0) {
    *out = a;
    *n = cnt;
  }
  return rc;
}

int pl__db_backup_verify(const char *dir, uint32_t id, pl_error *err) {
  rocksdb_backup_engine_t *be = be_open(dir, err);
  if (be == NULL)
    return PL_EIO;
  char *rerr = NULL;
  rocksdb_backup_engine_verify_backup(be, id, &rerr);
  rocksdb_backup_engine_close(be);
  if (rerr == NULL)
    return 0;
  int code = strncmp(rerr, "NotFound", 8) == 0 ? PL_ENOTFOUND : PL_ECORRUPT;
  return be_fail(err, code, "verify", rerr);
}

int pl__db_backup_purge(const char *dir, int keep, pl_error *err) {
  rocksdb_backup_engine_t *be = be_open(dir, err);
  if (be == NULL)
    return PL_EIO;
  char *rerr = NULL;
  rocksdb_backup_engine_purge_old_backups(be, (uint32_t)keep, &rerr);
  rocksdb_backup_engine_close(be);
  return rerr != NULL ? be_fail(err, PL_EIO, "purge", rerr) : 0;
}

int pl__db_backup_restore(const char *dir, uint32_t id, const char *to,
                          pl_error *err) {
  rocksdb_backup_engine_t *be = be_open(dir, err);
  if (be == NULL)
    return PL_EIO;
  if (id == 0)
    id = newest_id(be);
  rocksdb_restore_options_t *ro = rocksdb_restore_options_create();
  char *rerr = NULL;
  int rc = 0;
  if (id == 0)
    rc = be_fail(err, PL_ENOTFOUND, "restore", NULL);
  else
    rocksdb_backup_engine_restore_db_from_backup(be, to, to, ro, id, &rerr);
  rocksdb_restore_options_destroy(ro);
  rocksdb_backup_engine_close(be);
  if (rerr != NULL) {
    int code = strncmp(rerr, "NotFound", 8) == 0 ? PL_ENOTFOUND : PL_EIO;
    return be_fail(err, code, "restore", rerr);
  }
  return rc;
}

int pl__db_property(pl__db *d, const char *name, uint64_t *out) {
  return rocksdb_property_int(pl__db_rocks(d), name, out) == 0 ? 0
                                                               : PL_ENOTFOUND;
}

/* Appends one head to *a (growing it); 0 or PL_ENOMEM. */
static int push_head(pl_backup_seq **a, int *n, int *cap, const char *chain,
                     size_t cl, uint64_t seq) {
  if (*n == *cap) {
    int nc = *cap ? *cap * 2 : 16;
    pl_backup_seq *g = realloc(*a, (size_t)nc * sizeof *g);
    if (g == NULL)
      return PL_ENOMEM;
    *a = g;
    *cap = nc;
  }
  pl_backup_seq *s = &(*a)[(*n)++];
  memset(s, 0, sizeof *s);
  memcpy(s->chain, chain, cl);
  s->seq = seq;
  return 0;
}

int pl__db_ledger_heads(pl__db *d, pl_backup_seq **out, int *n, pl_error *err) {
  *out = NULL;
  *n = 0;
  int cap = 0, rc = 0;
  pl__db_iter *it = pl__db_iter_new(d);
  if (it == NULL)
    return PL_ENOMEM;
  unsigned char probe[PL_CODE_MAX + 12];
  pl__db_iter_seek(it, "", 0);
  while (rc == 0 && pl__db_iter_valid(it)) {
    size_t kl;
    const unsigned char *k = pl__db_iter_key(it, &kl);
    const unsigned char *z = memchr(k, 0, kl);
    size_t cl = z != NULL ? (size_t)(z - k) : kl;
    if (z == NULL || cl >= PL_CODE_MAX) { /* not a chain key: step over */
      pl__db_iter_next(it);
      continue;
    }
    char chain[PL_CODE_MAX];
    memcpy(chain, k, cl);
    /* the chain's last ledger key: <chain> 0x00 0xF0 ff*8 and before */
    memcpy(probe, chain, cl);
    probe[cl] = 0;
    probe[cl + 1] = PL__K_LEDGER;
    memset(probe + cl + 2, 0xFF, 8);
    pl__db_iter_seek_for_prev(it, probe, cl + 10);
    uint64_t seq = 0;
    if (pl__db_iter_valid(it)) {
      k = pl__db_iter_key(it, &kl);
      if (kl == cl + 10 && memcmp(k, probe, cl + 2) == 0)
        seq = pl__be64_get(k + cl + 2);
    }
    rc = push_head(out, n, &cap, chain, cl, seq);
    /* the next chain: the first key after every <chain> 0x00 ... */
    memcpy(probe, chain, cl);
    probe[cl] = 1;
    pl__db_iter_seek(it, probe, cl + 1);
  }
  if (rc == 0)
    rc = pl__db_iter_status(it, err);
  pl__db_iter_free(it);
  if (rc != 0) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return rc;
}
