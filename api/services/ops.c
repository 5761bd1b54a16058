/* ops.c — the operations RPCs of pitlane.v1.Admin: CreateBackup
 * (proto/pitlane/v1/admin.proto, docs/operations.md). Platform admin keys
 * only (auth.c). The backup runs on the worker thread that took the call:
 * a rare operator call; commits pause (queue) while it cuts, reads go on
 * (pitlane/backup.h). */
#include <stdlib.h>

#include "pitlane/backup.h"
#include "pitlane/v1/admin.pb-c.h"
#include "server/methods.h"
#include "server/ops.h"

/* CreateBackup: into the server's --backup-dir, keeping `keep` if > 0;
 * concurrent calls wait for each other (ops->backup_mu). */
static void create_backup(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateBackupRequest *q = (const void *)msg;
  pl_ops *ops = pl_rpc_ops(r);
  if (q->keep < 0 || q->keep > 100000) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "keep: 0..100000");
    return;
  }
  if (ops == NULL || ops->backup_dir == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_FAILED_PRECONDITION,
                "backups: the server was started without --backup-dir");
    return;
  }
  pl_backup_info b;
  pl_error err = {0};
  pthread_mutex_lock(&ops->backup_mu);
  int rc =
      pl_backup_create(pl_rpc_engine(r), ops->backup_dir, q->keep, &b, &err);
  pthread_mutex_unlock(&ops->backup_mu);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__LedgerHead *hs =
      calloc(b.n_chains ? (size_t)b.n_chains : 1, sizeof *hs);
  void **hp = calloc(b.n_chains ? (size_t)b.n_chains : 1, sizeof(void *));
  if (hs == NULL || hp == NULL) {
    free(hs);
    free(hp);
    pl_backup_info_free(&b);
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return;
  }
  for (int i = 0; i < b.n_chains; i++) {
    pitlane__v1__ledger_head__init(&hs[i]);
    hs[i].chain = b.chains[i].chain;
    hs[i].seq = b.chains[i].seq;
    hp[i] = &hs[i];
  }
  Pitlane__V1__CreateBackupResponse m;
  pitlane__v1__create_backup_response__init(&m);
  m.backup_id = b.id;
  m.began_ms = b.began_ms;
  m.ended_ms = b.ended_ms;
  m.size_bytes = b.size_bytes;
  m.files = b.n_files;
  m.global_seq = b.global_seq;
  m.n_heads = (size_t)b.n_chains;
  m.heads = (Pitlane__V1__LedgerHead **)hp;
  m.backup_dir = (char *)ops->backup_dir;
  pl_rpc_reply(r, &m.base);
  free(hp);
  free(hs);
  pl_backup_info_free(&b);
}

#define ADMIN(name, req, fn)                                                   \
  { "/pitlane.v1.Admin/" name, &pitlane__v1__##req##__descriptor, fn }

const pl_method pl_ops_methods[] = {
    ADMIN("CreateBackup", create_backup_request, create_backup),
};
const int pl_ops_n_methods =
    (int)(sizeof pl_ops_methods / sizeof pl_ops_methods[0]);
