/* core/backup.c — online backups and restores (pitlane/backup.h).
 *
 * The cut: with the commit thread's write_mu held no group is being
 * written, so the database holds exactly the groups written so far; the
 * ledger heads read then and the backup taken then describe the same
 * state. The memtable is flushed once before taking write_mu, so that the
 * flush the backup engine does under it is small.
 *
 * Next to RocksDB's files, DIR/pitlane/<id>.ledger (text, one fact a
 * line): "began_ms N", "ended_ms N", "global SEQ", "chain CODE SEQ". */
#include "pitlane/backup.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/db_backup.h"
#include "core/internal.h"
#include "pitlane/inventory.h"

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pl_backup_info_free(pl_backup_info *b) {
  if (b == NULL)
    return;
  free(b->chains);
  b->chains = NULL;
  b->n_chains = 0;
}

void pl_backup_list_free(pl_backup_info *list, int n) {
  for (int i = 0; list != NULL && i < n; i++)
    pl_backup_info_free(&list[i]);
  free(list);
}

static void side_path(char *p, size_t cap, const char *dir, uint32_t id) {
  snprintf(p, cap, "%s/pitlane/%u.ledger", dir, (unsigned)id);
}

/* Writes the sidecar of b (heads in b->chains, "" being the global one). */
static int side_write(const char *dir, const pl_backup_info *b, pl_error *err) {
  char p[4200];
  snprintf(p, sizeof p, "%s/pitlane", dir);
  if (mkdir(p, 0755) != 0 && errno != EEXIST)
    return PL__FAIL(err, PL_EIO, "backup: mkdir %s: %s", p, strerror(errno));
  side_path(p, sizeof p, dir, b->id);
  FILE *f = fopen(p, "w");
  if (f == NULL)
    return PL__FAIL(err, PL_EIO, "backup: %s: %s", p, strerror(errno));
  fprintf(f, "began_ms %lld\nended_ms %lld\nglobal %llu\n",
          (long long)b->began_ms, (long long)b->ended_ms,
          (unsigned long long)b->global_seq);
  for (int i = 0; i < b->n_chains; i++)
    fprintf(f, "chain %s %llu\n", b->chains[i].chain,
            (unsigned long long)b->chains[i].seq);
  int bad = ferror(f) | fflush(f) | fsync(fileno(f));
  bad |= fclose(f);
  return bad ? PL__FAIL(err, PL_EIO, "backup: cannot write %s", p) : 0;
}

/* Reads the sidecar of b->id into b (absent: leaves zeroes). */
static int side_read(const char *dir, pl_backup_info *b) {
  char p[4200], line[256];
  side_path(p, sizeof p, dir, b->id);
  FILE *f = fopen(p, "r");
  if (f == NULL)
    return 0;
  int cap = 0, rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
    long long v;
    unsigned long long u;
    char code[PL_CODE_MAX];
    if (sscanf(line, "began_ms %lld", &v) == 1) {
      b->began_ms = v;
    } else if (sscanf(line, "ended_ms %lld", &v) == 1) {
      b->ended_ms = v;
    } else if (sscanf(line, "global %llu", &u) == 1) {
      b->global_seq = u;
    } else if (sscanf(line, "chain %31s %llu", code, &u) == 2) {
      if (b->n_chains == cap) {
        int nc = cap ? cap * 2 : 8;
        pl_backup_seq *g = realloc(b->chains, (size_t)nc * sizeof *g);
        if (g == NULL) {
          rc = PL_ENOMEM;
          break;
        }
        b->chains = g;
        cap = nc;
      }
      pl_backup_seq *s = &b->chains[b->n_chains++];
      memset(s, 0, sizeof *s);
      snprintf(s->chain, sizeof s->chain, "%s", code);
      s->seq = u;
    }
  }
  fclose(f);
  return rc;
}

/* Moves the ledger heads into b: the global one to global_seq, the chains'
 * to chains (takes ownership of heads). */
static void take_heads(pl_backup_info *b, pl_backup_seq *heads, int n) {
  int w = 0;
  for (int i = 0; i < n; i++) {
    if (heads[i].chain[0] == '\0')
      b->global_seq = heads[i].seq;
    else
      heads[w++] = heads[i];
  }
  b->chains = heads;
  b->n_chains = w;
}

/* Removes the sidecars of backups that are no longer there. */
static void side_prune(const char *dir) {
  pl_backup_info *l = NULL;
  int n = 0;
  if (pl__db_backup_list(dir, &l, &n, NULL) != 0)
    return;
  char p[4200];
  snprintf(p, sizeof p, "%s/pitlane", dir);
  DIR *d = opendir(p);
  for (struct dirent *de = d ? readdir(d) : NULL; de != NULL; de = readdir(d)) {
    char *end;
    unsigned long id = strtoul(de->d_name, &end, 10);
    if (end == de->d_name || strcmp(end, ".ledger") != 0)
      continue;
    int live = 0;
    for (int i = 0; i < n; i++)
      live |= l[i].id == id;
    if (!live) {
      side_path(p, sizeof p, dir, (uint32_t)id);
      remove(p);
    }
  }
  if (d != NULL)
    closedir(d);
  free(l);
}

int pl_backup_create(pl_engine *e, const char *dir, int keep,
                     pl_backup_info *out, pl_error *err) {
  if (out != NULL)
    memset(out, 0, sizeof *out);
  if (dir == NULL || dir[0] == '\0' || keep < 0)
    return PL__FAIL(err, PL_EINVAL, "backup: a directory is required");
  if (atomic_load(&e->failed))
    return PL__FAIL(err, PL_EUNAVAIL, "backup: the engine has failed");
  pl_backup_info b = {.began_ms = wall_ms()};
  int rc = pl__db_flush(e->db, err);
  if (rc != 0)
    return rc;
  pl_backup_seq *heads = NULL;
  int nh = 0;
  pthread_mutex_lock(&e->commit.write_mu);
  rc = pl__db_ledger_heads(e->db, &heads, &nh, err);
  if (rc == 0)
    rc = pl__db_backup_create(e->db, dir, &b.id, err);
  pthread_mutex_unlock(&e->commit.write_mu);
  b.ended_ms = wall_ms();
  take_heads(&b, heads, nh);
  if (rc == 0)
    rc = side_write(dir, &b, err);
  if (rc == 0 && keep > 0) {
    rc = pl__db_backup_purge(dir, keep, err);
    side_prune(dir);
  }
  if (rc == 0) {
    pl_backup_info all = b; /* RocksDB's size and file count */
    pl_backup_info *l = NULL;
    int n = 0;
    if (pl__db_backup_list(dir, &l, &n, NULL) == 0)
      for (int i = 0; i < n; i++)
        if (l[i].id == b.id) {
          all.timestamp_s = l[i].timestamp_s;
          all.size_bytes = l[i].size_bytes;
          all.n_files = l[i].n_files;
        }
    free(l);
    b = all;
  }
  if (rc == 0 && out != NULL)
    *out = b;
  else
    pl_backup_info_free(&b);
  return rc;
}

int pl_backup_list(const char *dir, pl_backup_info **out, int *n,
                   pl_error *err) {
  int rc = pl__db_backup_list(dir, out, n, err);
  for (int i = 0; rc == 0 && i < *n; i++)
    rc = side_read(dir, &(*out)[i]);
  if (rc != 0) {
    pl_backup_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return PL__FAIL(err, rc, "backup list: %s", pl_strerror(rc));
  }
  return 0;
}

int pl_backup_verify(const char *dir, uint32_t id, pl_error *err) {
  if (id != 0)
    return pl__db_backup_verify(dir, id, err);
  pl_backup_info *l = NULL;
  int n = 0;
  int rc = pl__db_backup_list(dir, &l, &n, err);
  if (rc == 0 && n == 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "verify: no backup in %s", dir);
  for (int i = 0; rc == 0 && i < n; i++)
    rc = pl__db_backup_verify(dir, l[i].id, err);
  free(l);
  return rc;
}

int pl_backup_purge(const char *dir, int keep, pl_error *err) {
  if (keep < 1)
    return PL__FAIL(err, PL_EINVAL, "purge: keep at least one backup");
  int rc = pl__db_backup_purge(dir, keep, err);
  if (rc == 0)
    side_prune(dir);
  return rc;
}

/* 1 if path is missing or an empty directory. */
static int empty_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL)
    return errno == ENOENT;
  int n = 0;
  for (struct dirent *de = readdir(d); de != NULL; de = readdir(d))
    n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  closedir(d);
  return n == 0;
}

int pl_backup_restore(const char *dir, uint32_t id, const char *to,
                      pl_error *err) {
  if (dir == NULL || to == NULL || to[0] == '\0')
    return PL__FAIL(err, PL_EINVAL, "restore: --from and --to are required");
  if (!empty_dir(to))
    return PL__FAIL(err, PL_EEXIST, "restore: %s exists and is not empty", to);
  pl_backup_info b = {.id = id};
  if (id == 0) {
    pl_backup_info *l = NULL;
    int n = 0;
    int rc = pl__db_backup_list(dir, &l, &n, err);
    for (int i = 0; rc == 0 && i < n; i++)
      if (l[i].id > b.id)
        b.id = l[i].id;
    free(l);
    if (rc != 0)
      return rc;
    if (b.id == 0)
      return PL__FAIL(err, PL_ENOTFOUND, "restore: no backup in %s", dir);
  }
  int rc = pl__db_backup_restore(dir, b.id, to, err);
  if (rc != 0)
    return rc;
  rc = side_read(dir, &b);
  char p[4200];
  snprintf(p, sizeof p, "%s/RESTORED_FROM", to);
  FILE *f = fopen(p, "w");
  if (f != NULL) {
    fprintf(f, "backup_dir %s\nbackup_id %u\nbegan_ms %lld\nglobal %llu\n", dir,
            (unsigned)b.id, (long long)b.began_ms,
            (unsigned long long)b.global_seq);
    for (int i = 0; i < b.n_chains; i++)
      fprintf(f, "chain %s %llu\n", b.chains[i].chain,
              (unsigned long long)b.chains[i].seq);
    fclose(f);
  }
  pl_backup_info_free(&b);
  return rc;
}

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

/* Opens the engine on a restored copy and replays every chain's ledger. */
static int check_restored(const char *path, pl_error *err) {
  pl_config cfg = {.path = path};
  pl_engine *e = NULL;
  int rc = pl_engine_open(&cfg, &e, err);
  if (rc != 0)
    return rc;
  int n = pl_chain_list(e, NULL, 0);
  pl_chain_info *cs = calloc(n > 0 ? (size_t)n : 1, sizeof *cs);
  if (cs == NULL)
    rc = PL__FAIL(err, PL_ENOMEM, "verify: out of memory");
  else if (pl_chain_list(e, cs, n) < n)
    rc = PL__FAIL(err, PL_EIO, "verify: chains changed while listed");
  for (int i = 0; rc == 0 && i < n; i++)
    rc = pl_stock_verify_ledger(e, cs[i].code, err);
  free(cs);
  pl_engine_close(e);
  return rc;
}

int pl_backup_verify_deep(const char *dir, uint32_t id, const char *scratch,
                          pl_error *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s/pl-verify-XXXXXX",
           scratch != NULL ? scratch : "/tmp");
  if (mkdtemp(tmp) == NULL)
    return PL__FAIL(err, PL_EIO, "verify: mkdtemp %s: %s", tmp,
                    strerror(errno));
  int rc = pl_backup_restore(dir, id, tmp, err);
  if (rc == PL_EIO && err != NULL && strstr(err->msg, "Corruption") != NULL)
    rc = err->code = PL_ECORRUPT;
  if (rc == 0)
    rc = check_restored(tmp, err);
  nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return rc;
}
