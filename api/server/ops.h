/* ops.h — what the server knows for operating it (docs/operations.md):
 * where CreateBackup writes, the metrics registry and the structured log
 * (each optional). main.c owns it; it outlives the server.
 *
 * server.c reports the end of every unary call to pl_ops_call_end (one
 * place: metrics count it, the log may write a line). */
#ifndef PL_API_OPS_H
#define PL_API_OPS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "rpc.h"

struct pl_metrics;
struct pl_log;
struct pl_server;
struct pl_shardmap;

typedef struct pl_ops {
  const char *backup_dir;     /* --backup-dir; NULL: CreateBackup refused */
  struct pl_metrics *metrics; /* --metrics; NULL: none */
  struct pl_log *log;         /* structured log; NULL: none */
  pl_engine *engine;
  struct pl_server *server; /* set once started; NULL after stop */
  struct pl_shardmap *map;  /* NULL: a single node */
  _Atomic uint64_t next_id; /* request ids */
  _Atomic int fail_stopped; /* the fail-stop was logged */
  /* One backup at a time: RocksDB's BackupEngine must not be opened
   * twice on one directory (PTHREAD_MUTEX_INITIALIZER). */
  pthread_mutex_t backup_mu;
} pl_ops;

/* One finished unary call, as the server saw it. */
typedef struct pl_call_end {
  int method;       /* index in the server's methods; -1: unknown method */
  const char *path; /* the method's path, or NULL if unknown */
  grpc_status_code code;
  int64_t latency_us;            /* arrival to the status being sent */
  const pl_principal *principal; /* NULL: no key (Health, refused) */
} pl_call_end;

/* The server's ops context, or NULL (in process, or none configured). */
pl_ops *pl_rpc_ops(pl_rpc *r);

/* Counts c in the metrics and logs it if the log wants it; notices the
 * engine's fail-stop (logged once). ops may be NULL. Any thread. */
void pl_ops_call_end(pl_ops *ops, const pl_call_end *c);

#endif
