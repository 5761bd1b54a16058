/* ops.h — what the server knows for operating it (docs/operations.md):
 * where CreateBackup writes, and (when on) the metrics registry and the
 * structured log. main.c owns it; it outlives the server. */
#ifndef PL_API_OPS_H
#define PL_API_OPS_H

#include "rpc.h"

struct pl_metrics;
struct pl_log;

typedef struct pl_ops {
  const char *backup_dir;     /* --backup-dir; NULL: CreateBackup refused */
  struct pl_metrics *metrics; /* --metrics; NULL: none */
  struct pl_log *log;         /* structured log; NULL: none */
} pl_ops;

/* The server's ops context, or NULL (in process, or none configured). */
pl_ops *pl_rpc_ops(pl_rpc *r);

#endif
