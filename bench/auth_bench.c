/* auth_bench.c — what authentication adds to each call, in process (the
 * steps server.c runs, without the transport):
 *   BM_Authenticate        find `authorization` among 4 metadata entries,
 *                          verify the token (SHA-256 + lookup + constant-
 *                          time compare), the key's cache entry, its
 *                          token bucket (a rate-limited key)
 *   BM_AuthenticateUnlimited  the same for a key without a rate limit
 *   BM_AuthorizeGetStore   role and top-level `chain` check of a decoded
 *                          GetStoreRequest
 *   BM_AuthorizeCreateStore  the same with the chain one level down
 *   BM_VerifyToken         pl_apikey_verify alone
 * docs/performance.md ("Authentication") compares them with a call's cost
 * over gRPC. */
#include <grpc/grpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pitlane/apikeys.h"
#include "pitlane/v1/admin.pb-c.h"
#include "server/auth.h"
#include "shim.h"

/* Bench-only globals: one engine and key for a run. */
static pl_engine *g_engine;
static pl_auth *g_auth;
static char g_dir[512];
static char g_token[PL_KEY_TOKEN_MAX];
static char g_bearer[PL_KEY_TOKEN_MAX + 8];

static int setup(pl_bench_state *st, int32_t rate) {
  pl_config cfg = {.no_sync = 1};
  pl_error err = {0};
  if (bench_tempdir(g_dir, sizeof g_dir, "pitlane-bench") != 0) {
    pl_bench_error(st, "mkdtemp failed");
    return -1;
  }
  cfg.path = g_dir;
  pl_apikey_info k = {0};
  k.tenant_kind = PL_TENANT_CHAIN;
  strcpy(k.tenant, "demo");
  k.roles = PL_ROLE_ADMIN;
  k.rate_per_s = rate;
  k.burst = rate;
  if (pl_engine_open(&cfg, &g_engine, &err) != 0 ||
      pl_apikey_create(g_engine, &k, NULL, NULL, g_token, sizeof g_token,
                       &err) != 0 ||
      pl_auth_new(g_engine, &g_auth) != 0) {
    pl_bench_error(st, err.msg);
    return -1;
  }
  snprintf(g_bearer, sizeof g_bearer, "Bearer %s", g_token);
  return 0;
}

static void teardown(void) {
  pl_auth_free(g_auth);
  pl_engine_close(g_engine);
  bench_rmrf(g_dir);
}

/* Metadata as a gRPC client sends it: user-agent and friends first. */
static void metadata(grpc_metadata_array *md, grpc_metadata *m) {
  static const char *const keys[] = {"user-agent", "grpc-accept-encoding",
                                     "x-request-id", "authorization"};
  const char *vals[] = {"grpc-node-js/1.9", "identity,deflate,gzip", "r-1",
                        g_bearer};
  for (int i = 0; i < 4; i++) {
    m[i].key = grpc_slice_from_static_string(keys[i]);
    m[i].value = grpc_slice_from_static_string(vals[i]);
  }
  md->count = md->capacity = 4;
  md->metadata = m;
}

static void authenticate(pl_bench_state *st, int32_t rate) {
  if (setup(st, rate) != 0)
    return;
  grpc_metadata m[4];
  grpc_metadata_array md;
  metadata(&md, m);
  char detail[256];
  long refused = 0;
  while (pl_bench_keep_running(st)) {
    const pl_principal *p;
    if (pl_auth_authenticate(g_auth, &md, &p, detail, sizeof detail) !=
        GRPC_STATUS_OK)
      refused++;
    pl_bench_use(&p);
  }
  if (refused > 0 && rate == 0)
    pl_bench_error(st, detail);
  pl_bench_set_items(st, pl_bench_iterations(st));
  teardown();
}

/* A limit no benchmark reaches: the bucket is taken, never empty. */
static void BM_Authenticate(pl_bench_state *st) {
  authenticate(st, PL_KEY_RATE_MAX);
}

static void BM_AuthenticateUnlimited(pl_bench_state *st) {
  authenticate(st, 0);
}

static void BM_VerifyToken(pl_bench_state *st) {
  if (setup(st, 0) != 0)
    return;
  size_t n = strlen(g_token);
  char id[PL_KEY_ID_MAX];
  while (pl_bench_keep_running(st)) {
    int rc = pl_apikey_verify(g_engine, g_token, n, id, NULL);
    pl_bench_use(&rc);
  }
  pl_bench_set_items(st, pl_bench_iterations(st));
  teardown();
}

static void authorize(pl_bench_state *st, const char *path,
                      const ProtobufCMessage *req) {
  if (setup(st, 0) != 0)
    return;
  grpc_metadata m[4];
  grpc_metadata_array md;
  metadata(&md, m);
  char detail[256];
  const pl_principal *p = NULL;
  if (pl_auth_authenticate(g_auth, &md, &p, detail, sizeof detail) !=
      GRPC_STATUS_OK) {
    pl_bench_error(st, detail);
    teardown();
    return;
  }
  const pl_policy *pol = pl_auth_policy(path);
  while (pl_bench_keep_running(st)) {
    grpc_status_code c =
        pl_auth_authorize(p, pol, path, req, detail, sizeof detail);
    pl_bench_use(&c);
  }
  pl_bench_set_items(st, pl_bench_iterations(st));
  teardown();
}

static void BM_AuthorizeGetStore(pl_bench_state *st) {
  Pitlane__V1__GetStoreRequest q = PITLANE__V1__GET_STORE_REQUEST__INIT;
  q.chain = "demo";
  q.code = "SH01";
  authorize(st, "/pitlane.v1.Admin/GetStore", &q.base);
}

static void BM_AuthorizeCreateStore(pl_bench_state *st) {
  Pitlane__V1__Store s = PITLANE__V1__STORE__INIT;
  s.chain = "demo";
  s.code = "X1";
  Pitlane__V1__CreateStoreRequest q = PITLANE__V1__CREATE_STORE_REQUEST__INIT;
  q.store = &s;
  authorize(st, "/pitlane.v1.Admin/CreateStore", &q.base);
}

int main(int argc, char **argv) {
  grpc_init();
  pl_bench_register("BM_VerifyToken", BM_VerifyToken);
  pl_bench_register("BM_Authenticate", BM_Authenticate);
  pl_bench_register("BM_AuthenticateUnlimited", BM_AuthenticateUnlimited);
  pl_bench_register("BM_AuthorizeGetStore", BM_AuthorizeGetStore);
  pl_bench_register("BM_AuthorizeCreateStore", BM_AuthorizeCreateStore);
  int rc = pl_bench_main(argc, argv);
  grpc_shutdown();
  return rc;
}
