/* pl_admin.c — pl-admin: what an operator does to a Pitlane data
 * directory or a running pitlaned (docs/operations.md).
 *
 *   pl-admin backup   --data DIR --to BACKUPDIR [--keep N]       (offline)
 *   pl-admin backup   --target HOST:PORT [--key TOKEN] [--keep N] (online:
 *                     Admin/CreateBackup into the server's --backup-dir)
 *   pl-admin backup   --verify --to BACKUPDIR [--backup-id N]
 *   pl-admin backup   --list --to BACKUPDIR
 *   pl-admin restore  --from BACKUPDIR --to DIR [--backup-id N]
 *   pl-admin keys     create|revoke|list ...   (what pl-keys does)
 *   pl-admin verify-ledger --data DIR [--chain C]
 *   pl-admin stats    --data DIR
 *
 * Offline verbs open DIR themselves: no server may have it open (RocksDB
 * admits one process). Exit status: 0 done, 1 refused or failed (reason
 * on stderr), 2 usage. */
#include <grpc/grpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keys_cmd.h"
#include "pitlane/admin.h"
#include "pitlane/apikeys.h"
#include "pitlane/backup.h"
#include "pitlane/inventory.h"
#include "pitlane/pitlane.h"
#include "pitlane/stats.h"
#include "pitlane/v1/admin.pb-c.h"
#include "rpc_client.h"

static const char usage_top[] =
    "usage: pl-admin VERB [options]   (pl-admin VERB --help for each)\n"
    "\n"
    "  backup         back up a data directory or a running server;\n"
    "                 verify or list backups\n"
    "  restore        restore a backup into a new data directory\n"
    "  keys           API keys offline (create, revoke, list; = pl-keys)\n"
    "  verify-ledger  replay every chain's stock ledger and compare\n"
    "  stats          counters of a data directory (engine, RocksDB)\n";

static const char usage_backup[] =
    "usage: pl-admin backup --data DIR --to BACKUPDIR [--keep N]\n"
    "       pl-admin backup --target HOST:PORT [--key TOKEN] [--keep N]\n"
    "       pl-admin backup --verify [--deep] --to BACKUPDIR [--backup-id N]\n"
    "       pl-admin backup --list --to BACKUPDIR\n"
    "\n"
    "Backups are RocksDB BackupEngine backups: incremental (table files are\n"
    "shared), each a consistent cut, recorded with the last ledger sequence\n"
    "number it holds per chain. --data backs up a directory no server has\n"
    "open; --target asks a running pitlaned (Admin/CreateBackup, platform\n"
    "admin key: --key or $PITLANE_KEY) to back up into its --backup-dir.\n"
    "--keep N then deletes all but the N newest. --verify checks every file\n"
    "of backup N (default: all) is there with its recorded size; with\n"
    "--deep it restores backup N (default: the newest) into a scratch\n"
    "directory ($TMPDIR or /tmp): checksums, every row decoded, every\n"
    "chain's stock ledger replayed; then deletes the copy.\n";

static const char usage_restore[] =
    "usage: pl-admin restore --from BACKUPDIR --to DIR [--backup-id N]\n"
    "\n"
    "Restores backup N (default: the newest) into DIR, which must not exist\n"
    "or be empty; then start pitlaned --data DIR. A restore gives the state\n"
    "of one backup exactly (no WAL replay past it). DIR/RESTORED_FROM says\n"
    "which backup and its ledger heads.\n";

static const char usage_verify[] =
    "usage: pl-admin verify-ledger --data DIR [--chain C]\n"
    "\n"
    "Replays each chain's (or C's) stock ledger from zero and compares it\n"
    "with the stock the engine rebuilt from disk. Prints one line a chain;\n"
    "exit 1 at the first difference.\n";

static const char usage_stats[] =
    "usage: pl-admin stats --data DIR\n"
    "\n"
    "Opens DIR and prints chains, keys and RocksDB's sizes. For a running\n"
    "server, scrape pitlaned --metrics instead.\n";

typedef struct args {
  const char *data, *to, *from, *target, *key, *chain;
  int keep, verify, deep, list, help;
  long backup_id;
} args;

static int bad(const char *why, const char *usage) {
  fprintf(stderr, "pl-admin: %s\n%s", why, usage);
  return 2;
}

/* Parses argv[2..] into a; -1 on an unknown option or a missing value. */
static int parse(int argc, char **argv, args *a) {
  memset(a, 0, sizeof *a);
  for (int i = 2; i < argc; i++) {
    const char *o = argv[i];
    if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
      a->help = 1;
      continue;
    }
    if (strcmp(o, "--verify") == 0) {
      a->verify = 1;
      continue;
    }
    if (strcmp(o, "--deep") == 0) {
      a->deep = 1;
      continue;
    }
    if (strcmp(o, "--list") == 0) {
      a->list = 1;
      continue;
    }
    if (i + 1 >= argc)
      return -1;
    const char *v = argv[++i];
    char *end;
    if (strcmp(o, "--data") == 0) {
      a->data = v;
    } else if (strcmp(o, "--to") == 0) {
      a->to = v;
    } else if (strcmp(o, "--from") == 0) {
      a->from = v;
    } else if (strcmp(o, "--target") == 0) {
      a->target = v;
    } else if (strcmp(o, "--key") == 0) {
      a->key = v;
    } else if (strcmp(o, "--chain") == 0) {
      a->chain = v;
    } else if (strcmp(o, "--keep") == 0) {
      long n = strtol(v, &end, 10);
      if (*end != '\0' || n < 1 || n > 100000)
        return -1;
      a->keep = (int)n;
    } else if (strcmp(o, "--backup-id") == 0) {
      a->backup_id = strtol(v, &end, 10);
      if (*end != '\0' || a->backup_id < 1 || a->backup_id > 0x7fffffff)
        return -1;
    } else {
      return -1;
    }
  }
  return 0;
}

static pl_engine *open_data(const char *dir) {
  pl_config cfg = {.path = dir};
  pl_engine *e = NULL;
  pl_error err = {0};
  if (pl_engine_open(&cfg, &e, &err) != 0) {
    fprintf(stderr, "pl-admin: cannot open %s: %s\n", dir, err.msg);
    if (strstr(err.msg, "lock") != NULL || strstr(err.msg, "LOCK") != NULL)
      fprintf(stderr,
              "pl-admin: is pitlaned running on %s? Stop it, or "
              "use --target for a backup\n",
              dir);
    return NULL;
  }
  return e;
}

static void print_backup(const pl_backup_info *b) {
  printf("backup %u: %u files, %llu bytes, began_ms %lld, ended_ms %lld, "
         "global seq %llu\n",
         (unsigned)b->id, (unsigned)b->n_files,
         (unsigned long long)b->size_bytes, (long long)b->began_ms,
         (long long)b->ended_ms, (unsigned long long)b->global_seq);
  for (int i = 0; i < b->n_chains; i++)
    printf("  chain %s seq %llu\n", b->chains[i].chain,
           (unsigned long long)b->chains[i].seq);
}

static int fail(const char *verb, const pl_error *err, int rc) {
  fprintf(stderr, "pl-admin: %s: %s\n", verb,
          err->msg[0] ? err->msg : pl_strerror(rc));
  return 1;
}

/* backup --target: the Admin CreateBackup RPC. */
static int backup_online(const args *a) {
  const char *key = a->key ? a->key : getenv("PITLANE_KEY");
  if (key == NULL)
    return bad("backup --target needs --key or $PITLANE_KEY", usage_backup);
  Pitlane__V1__CreateBackupRequest q;
  pitlane__v1__create_backup_request__init(&q);
  q.keep = a->keep;
  unsigned char buf[64];
  size_t ql = pitlane__v1__create_backup_request__pack(&q, buf);
  grpc_init();
  void *rep = NULL;
  size_t rl = 0;
  char why[512] = "";
  int st = pl_tool_unary(a->target, key, "/pitlane.v1.Admin/CreateBackup", buf,
                         ql, &rep, &rl, 600, why, sizeof why);
  int rc = 1;
  if (st != 0) {
    fprintf(stderr, "pl-admin: backup: %s (status %d)\n", why, st);
  } else {
    Pitlane__V1__CreateBackupResponse *m =
        pitlane__v1__create_backup_response__unpack(NULL, rl, rep);
    if (m == NULL) {
      fprintf(stderr, "pl-admin: backup: the reply does not decode\n");
    } else {
      printf("backup %u in %s: %u files, %llu bytes, began_ms %lld, "
             "ended_ms %lld, global seq %llu\n",
             (unsigned)m->backup_id, m->backup_dir, (unsigned)m->files,
             (unsigned long long)m->size_bytes, (long long)m->began_ms,
             (long long)m->ended_ms, (unsigned long long)m->global_seq);
      for (size_t i = 0; i < m->n_heads; i++)
        printf("  chain %s seq %llu\n", m->heads[i]->chain,
               (unsigned long long)m->heads[i]->seq);
      pitlane__v1__create_backup_response__free_unpacked(m, NULL);
      rc = 0;
    }
  }
  free(rep);
  grpc_shutdown();
  return rc;
}

static int cmd_backup(const args *a) {
  pl_error err = {0};
  const char *dir = a->to ? a->to : a->from;
  if (a->target != NULL)
    return backup_online(a);
  if (dir == NULL)
    return bad("backup needs --to BACKUPDIR (or --target)", usage_backup);
  if (a->verify && a->deep) {
    int rc = pl_backup_verify_deep(dir, (uint32_t)a->backup_id,
                                   getenv("TMPDIR"), &err);
    if (rc != 0)
      return fail("verify --deep", &err, rc);
    printf("verified (deep) backup %s in %s\n",
           a->backup_id ? "given" : "newest", dir);
    return 0;
  }
  if (a->verify) {
    int rc = pl_backup_verify(dir, (uint32_t)a->backup_id, &err);
    if (rc != 0)
      return fail("verify", &err, rc);
    printf("verified %s%s\n", a->backup_id ? "backup in " : "every backup in ",
           dir);
    return 0;
  }
  if (a->list) {
    pl_backup_info *l = NULL;
    int n = 0;
    int rc = pl_backup_list(dir, &l, &n, &err);
    if (rc != 0)
      return fail("list", &err, rc);
    for (int i = 0; i < n; i++)
      print_backup(&l[i]);
    pl_backup_list_free(l, n);
    return 0;
  }
  if (a->data == NULL)
    return bad("backup needs --data DIR or --target HOST:PORT", usage_backup);
  pl_engine *e = open_data(a->data);
  if (e == NULL)
    return 1;
  pl_backup_info b;
  int rc = pl_backup_create(e, dir, a->keep, &b, &err);
  pl_engine_close(e);
  if (rc != 0)
    return fail("backup", &err, rc);
  print_backup(&b);
  pl_backup_info_free(&b);
  return 0;
}

static int cmd_restore(const args *a) {
  if (a->from == NULL || a->to == NULL)
    return bad("restore needs --from and --to", usage_restore);
  pl_error err = {0};
  int rc = pl_backup_restore(a->from, (uint32_t)a->backup_id, a->to, &err);
  if (rc != 0)
    return fail("restore", &err, rc);
  printf("restored %s into %s\n", a->from, a->to);
  return 0;
}

/* The chains of e (malloc'd, *n); NULL on OOM. */
static pl_chain_info *chains_of(pl_engine *e, int *n) {
  *n = pl_chain_list(e, NULL, 0);
  pl_chain_info *cs = calloc(*n > 0 ? (size_t)*n : 1, sizeof *cs);
  if (cs != NULL) {
    int got = pl_chain_list(e, cs, *n);
    *n = got < *n ? got : *n;
  }
  return cs;
}

static int cmd_verify_ledger(const args *a) {
  if (a->data == NULL)
    return bad("verify-ledger needs --data", usage_verify);
  pl_engine *e = open_data(a->data);
  if (e == NULL)
    return 1;
  int n = 0, bad_n = 0;
  pl_chain_info *cs = chains_of(e, &n);
  for (int i = 0; cs != NULL && i < n; i++) {
    if (a->chain != NULL && strcmp(a->chain, cs[i].code) != 0)
      continue;
    pl_error err = {0};
    int rc = pl_stock_verify_ledger(e, cs[i].code, &err);
    if (rc == 0)
      printf("chain %s: ledger and stock agree\n", cs[i].code);
    else
      printf("chain %s: %s\n", cs[i].code, err.msg), bad_n++;
  }
  free(cs);
  pl_engine_close(e);
  return cs == NULL || bad_n ? 1 : 0;
}

static int cmd_stats(const args *a) {
  if (a->data == NULL)
    return bad("stats needs --data", usage_stats);
  pl_engine *e = open_data(a->data);
  if (e == NULL)
    return 1;
  pl_engine_stats s;
  pl_engine_stats_get(e, &s);
  int n = 0;
  pl_chain_info *cs = chains_of(e, &n);
  printf("chains %d\n", s.chains);
  for (int i = 0; cs != NULL && i < n; i++)
    printf("  chain %s\n", cs[i].code);
  free(cs);
  printf("api_keys %d\n", pl_apikey_list(e, NULL, 0));
  printf("rocksdb_estimate_keys %llu\nrocksdb_sst_bytes %llu\n"
         "rocksdb_memtable_bytes %llu\nrocksdb_pending_compaction_bytes %llu\n",
         (unsigned long long)s.estimate_keys, (unsigned long long)s.sst_bytes,
         (unsigned long long)s.memtable_bytes,
         (unsigned long long)s.pending_compaction_bytes);
  pl_engine_close(e);
  return 0;
}

int main(int argc, char **argv) {
  umask(077); /* a data directory's files are private (docs/security.md) */
  if (argc < 2)
    return bad("a verb is required", usage_top);
  const char *verb = argv[1];
  if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 ||
      strcmp(verb, "help") == 0)
    return fputs(usage_top, stdout), 0;
  if (strcmp(verb, "keys") == 0)
    return pl_keys_run(argc - 1, argv + 1);
  static const struct {
    const char *name, *usage;
    int (*run)(const args *);
  } verbs[] = {
      {"backup", usage_backup, cmd_backup},
      {"restore", usage_restore, cmd_restore},
      {"verify-ledger", usage_verify, cmd_verify_ledger},
      {"stats", usage_stats, cmd_stats},
  };
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
    if (strcmp(verb, verbs[i].name) != 0)
      continue;
    args a;
    if (parse(argc, argv, &a) != 0)
      return bad("unknown option, or an option without its value",
                 verbs[i].usage);
    if (a.help)
      return fputs(verbs[i].usage, stdout), 0;
    return verbs[i].run(&a);
  }
  return bad("unknown verb", usage_top);
}
