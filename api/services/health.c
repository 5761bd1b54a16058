/* health.c — grpc.health.v1.Health/Check.
 *
 * "" (the whole server) and each service we serve answer SERVING, or
 * NOT_SERVING once the engine has failed a storage write (it then refuses
 * writes: a balancer should move traffic away). Unknown service names get
 * NOT_FOUND, as the health protocol specifies. Watch is not offered
 * (UNIMPLEMENTED), which the protocol allows. */
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"
#include "server/methods.h"

static const char *const served[] = {"",
                                     "grpc.health.v1.Health",
                                     "pitlane.v1.Admin",
                                     "pitlane.v1.Scheduling",
                                     "pitlane.v1.Inventory",
                                     "pitlane.v1.Transfers",
                                     "pitlane.v1.Dispatch"};

static void check(pl_rpc *r, const ProtobufCMessage *msg) {
  const Grpc__Health__V1__HealthCheckRequest *q = (const void *)msg;
  int known = 0;
  for (size_t i = 0; i < sizeof served / sizeof served[0]; i++)
    if (strcmp(q->service, served[i]) == 0)
      known = 1;
  if (!known) {
    pl_rpc_fail(r, GRPC_STATUS_NOT_FOUND, "service: unknown '%.64s'",
                q->service);
    return;
  }
  Grpc__Health__V1__HealthCheckResponse m;
  grpc__health__v1__health_check_response__init(&m);
  m.status =
      pl_engine_failed(pl_rpc_engine(r))
          ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING
          : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
  pl_rpc_reply(r, &m.base);
}

const pl_method pl_health_methods[] = {
    {"/grpc.health.v1.Health/Check",
     &grpc__health__v1__health_check_request__descriptor, check},
};
const int pl_health_n_methods = 1;
