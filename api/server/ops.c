/* ops.c — the one place a finished call is reported (ops.h): metrics
 * count it, the structured log may write it, and the engine's fail-stop
 * is logged once. */
#include "ops.h"

#include "log.h"
#include "metrics.h"

void pl_ops_call_end(pl_ops *ops, const pl_call_end *c) {
  if (ops == NULL)
    return;
  pl_metrics_call(ops->metrics, c->method, c->code, c->latency_us);
  if (ops->log == NULL)
    return;
  uint64_t id =
      atomic_fetch_add_explicit(&ops->next_id, 1, memory_order_relaxed) + 1;
  pl_log_request(ops->log, id, c->principal, c->path, (int)c->code,
                 c->latency_us);
  if (c->code == GRPC_STATUS_UNAVAILABLE && ops->engine != NULL &&
      pl_engine_failed(ops->engine) &&
      atomic_exchange(&ops->fail_stopped, 1) == 0)
    pl_log_state(ops->log, PL_LOG_ERROR, "fail_stop",
                 "a storage write failed: writes are refused until the "
                 "server is restarted (docs/reliability.md)");
}
