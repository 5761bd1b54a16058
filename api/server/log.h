/* log.h — pitlaned's structured log: one JSON object a line on a FILE
 * (stderr: the journal under systemd).
 *
 * What is logged: a request slower than the threshold (info), a request
 * that failed (warn; error for INTERNAL, UNAVAILABLE, DATA_LOSS, UNKNOWN),
 * every request at debug, and the server's state changes (start, stop,
 * fail-stop). A request line has ts, level, event, request_id, tenant_kind,
 * tenant, method, status, latency_ms — never a key, a token, a status
 * detail (it may echo request fields, e.g. a phone number) or a request
 * field. */
#ifndef PL_API_LOG_H
#define PL_API_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "auth.h"

typedef enum pl_log_level {
  PL_LOG_ERROR = 0,
  PL_LOG_WARN = 1,
  PL_LOG_INFO = 2,
  PL_LOG_DEBUG = 3,
} pl_log_level;

typedef struct pl_log pl_log;

/* level: lines above it are dropped; slow_ms: the request threshold.
 * NULL on OOM. */
pl_log *pl_log_new(FILE *out, pl_log_level level, int64_t slow_ms);
void pl_log_free(pl_log *l); /* accepts NULL */

/* "error", "warn", "info", "debug" -> the level, or -1. */
int pl_log_level_parse(const char *s);

/* A server state change: event ("start", "stop", "fail_stop") and a
 * message made only of operator-given text (addresses, paths). */
void pl_log_state(pl_log *l, pl_log_level level, const char *event,
                  const char *msg);

/* One finished request (see above for when it is written). */
void pl_log_request(pl_log *l, uint64_t request_id, const pl_principal *p,
                    const char *method, int code, int64_t latency_us);

#endif
