/* auth_policy_test.c — the API layer's policy table (api/server/auth.c): every
 * method the server registers, and every method the protos declare, has
 * an entry; and pl_auth_authorize applies roles and chains as
 * docs/security.md says. */
/* cmocka needs these three first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"
#include "pitlane/v1/admin.pb-c.h"
#include "pitlane/v1/claims.pb-c.h"
#include "pitlane/v1/cluster.pb-c.h"
#include "pitlane/v1/customers.pb-c.h"
#include "pitlane/v1/dispatch.pb-c.h"
#include "pitlane/v1/inventory.pb-c.h"
#include "pitlane/v1/scheduling.pb-c.h"
#include "pitlane/v1/transfers.pb-c.h"
#include "pitlane/v1/workorders.pb-c.h"
#include "server/auth.h"
#include "server/methods.h"

static void every_registered_method_has_a_policy(void **state) {
  (void)state;
  int n = 0;
  pl_method *all = pl_all_methods(&n);
  assert_non_null(all);
  assert_true(n > 50);
  for (int i = 0; i < n; i++)
    if (pl_auth_policy(all[i].path) == NULL)
      fail_msg("no policy for %s", all[i].path);
  free(all);
}

/* Every method of every service in proto/, registered yet or not: a new
 * handler table cannot go live without its policy. */
static void every_declared_method_has_a_policy(void **state) {
  (void)state;
  const ProtobufCServiceDescriptor *services[] = {
      &grpc__health__v1__health__descriptor,
      &pitlane__v1__admin__descriptor,
      &pitlane__v1__scheduling__descriptor,
      &pitlane__v1__inventory__descriptor,
      &pitlane__v1__transfers__descriptor,
      &pitlane__v1__work_orders__descriptor,
      &pitlane__v1__claims__descriptor,
      &pitlane__v1__cluster__descriptor,
      &pitlane__v1__dispatch__descriptor,
      &pitlane__v1__customers__descriptor,
  };
  int checked = 0;
  for (size_t s = 0; s < sizeof services / sizeof services[0]; s++) {
    const ProtobufCServiceDescriptor *d = services[s];
    for (unsigned m = 0; m < d->n_methods; m++) {
      char path[256];
      snprintf(path, sizeof path, "/%s/%s", d->name, d->methods[m].name);
      if (strcmp(path, "/grpc.health.v1.Health/Watch") == 0)
        continue; /* not offered (UNIMPLEMENTED for everyone) */
      if (pl_auth_policy(path) == NULL)
        fail_msg("no policy for %s", path);
      checked++;
    }
  }
  int n_pol = 0;
  const pl_policy *pol = pl_auth_policies(&n_pol);
  assert_int_equal(checked, n_pol); /* and no entry for a method not there */
  for (int i = 0; i < n_pol; i++)
    if (pol[i].scope != PL_SCOPE_PUBLIC && pol[i].roles == 0)
      fail_msg("%s: no role may call it", pol[i].path);
}

static pl_principal principal(pl_tenant_kind kind, const char *tenant,
                              uint32_t roles, const char *chain) {
  pl_principal p;
  memset(&p, 0, sizeof p);
  strcpy(p.key_id, "0123456789ab");
  p.tenant_kind = kind;
  strcpy(p.tenant, tenant);
  p.roles = roles;
  if (chain != NULL) {
    strcpy(p.chains[0], chain);
    p.n_chains = 1;
  }
  return p;
}

static grpc_status_code authorize(const pl_principal *p, const char *path,
                                  const ProtobufCMessage *req, char *detail) {
  return pl_auth_authorize(p, pl_auth_policy(path), path, req, detail, 256);
}

static void chains_are_checked_at_the_top_and_one_level_down(void **state) {
  (void)state;
  char detail[256];
  pl_principal demo = principal(PL_TENANT_CHAIN, "demo", PL_ROLE_ADMIN, "demo");
  Pitlane__V1__GetStoreRequest get = PITLANE__V1__GET_STORE_REQUEST__INIT;
  get.chain = "demo";
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/GetStore", &get.base, detail),
      GRPC_STATUS_OK);
  get.chain = "acme";
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/GetStore", &get.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
  assert_string_equal(detail, "chain: this key may not act on chain 'acme'");

  Pitlane__V1__Store st = PITLANE__V1__STORE__INIT;
  st.chain = "acme";
  Pitlane__V1__CreateStoreRequest cs = PITLANE__V1__CREATE_STORE_REQUEST__INIT;
  cs.store = &st;
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/CreateStore", &cs.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
  st.chain = "demo";
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/CreateStore", &cs.base, detail),
      GRPC_STATUS_OK);
  /* the store left out: no chain of this key */
  cs.store = NULL;
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/CreateStore", &cs.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
  /* ... while a platform key passes on to the handler's own check */
  pl_principal ops = principal(PL_TENANT_PLATFORM, "ops", PL_ROLE_ADMIN, NULL);
  assert_int_equal(
      authorize(&ops, "/pitlane.v1.Admin/CreateStore", &cs.base, detail),
      GRPC_STATUS_OK);
  /* GetChain names its chain `code` */
  Pitlane__V1__GetChainRequest gc = PITLANE__V1__GET_CHAIN_REQUEST__INIT;
  gc.code = "acme";
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/GetChain", &gc.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
  gc.code = "demo";
  assert_int_equal(
      authorize(&demo, "/pitlane.v1.Admin/GetChain", &gc.base, detail),
      GRPC_STATUS_OK);
}

static void roles_and_platform_only_methods(void **state) {
  (void)state;
  char detail[256];
  pl_principal viewer =
      principal(PL_TENANT_CHAIN, "demo", PL_ROLE_VIEWER, "demo");
  Pitlane__V1__Part part = PITLANE__V1__PART__INIT;
  part.chain = "demo";
  Pitlane__V1__CreatePartRequest cp = PITLANE__V1__CREATE_PART_REQUEST__INIT;
  cp.part = &part;
  assert_int_equal(
      authorize(&viewer, "/pitlane.v1.Admin/CreatePart", &cp.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
  assert_non_null(strstr(detail, "roles viewer"));
  Pitlane__V1__ListChainsRequest lc = PITLANE__V1__LIST_CHAINS_REQUEST__INIT;
  Pitlane__V1__CreateChainRequest cc = PITLANE__V1__CREATE_CHAIN_REQUEST__INIT;
  pl_principal admin =
      principal(PL_TENANT_CHAIN, "demo", PL_ROLE_ADMIN, "demo");
  assert_int_equal(
      authorize(&admin, "/pitlane.v1.Admin/CreateChain", &cc.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
  pl_principal ops = principal(PL_TENANT_PLATFORM, "ops", PL_ROLE_ADMIN, NULL);
  assert_int_equal(
      authorize(&ops, "/pitlane.v1.Admin/CreateChain", &cc.base, detail),
      GRPC_STATUS_OK);
  /* a method without a policy: the platform admin only */
  assert_int_equal(
      pl_auth_authorize(&ops, NULL, "/x.Y/Z", &lc.base, detail, sizeof detail),
      GRPC_STATUS_OK);
  assert_int_equal(pl_auth_authorize(&admin, NULL, "/x.Y/Z", &lc.base, detail,
                                     sizeof detail),
                   GRPC_STATUS_PERMISSION_DENIED);
  pl_principal ops_viewer =
      principal(PL_TENANT_PLATFORM, "ops", PL_ROLE_VIEWER, NULL);
  assert_int_equal(pl_auth_authorize(&ops_viewer, NULL, "/x.Y/Z", &lc.base,
                                     detail, sizeof detail),
                   GRPC_STATUS_PERMISSION_DENIED);
}

static void an_insurer_acts_on_each_of_its_chains(void **state) {
  (void)state;
  char detail[256];
  pl_principal ins =
      principal(PL_TENANT_INSURER, "pingan", PL_ROLE_INSURER, "demo");
  strcpy(ins.chains[1], "acme");
  ins.n_chains = 2;
  Pitlane__V1__RecommendSlotsRequest q =
      PITLANE__V1__RECOMMEND_SLOTS_REQUEST__INIT;
  const char *path = "/pitlane.v1.Scheduling/RecommendSlots";
  q.chain = "demo";
  assert_int_equal(authorize(&ins, path, &q.base, detail), GRPC_STATUS_OK);
  q.chain = "acme";
  assert_int_equal(authorize(&ins, path, &q.base, detail), GRPC_STATUS_OK);
  q.chain = "zeta";
  assert_int_equal(authorize(&ins, path, &q.base, detail),
                   GRPC_STATUS_PERMISSION_DENIED);
  Pitlane__V1__HoldRequest h = PITLANE__V1__HOLD_REQUEST__INIT;
  h.chain = "demo";
  assert_int_equal(
      authorize(&ins, "/pitlane.v1.Scheduling/Hold", &h.base, detail),
      GRPC_STATUS_PERMISSION_DENIED);
}

/* A field rule of the policy table: DueReminders is open to viewers, but
 * setting `hold` (it books slots) needs the admin or advisor role. */
static void a_policy_narrows_the_hold_flag_of_due_reminders(void **state) {
  (void)state;
  const char *path = "/pitlane.v1.Dispatch/DueReminders";
  char detail[256] = "";
  Pitlane__V1__DueRemindersRequest q;
  pitlane__v1__due_reminders_request__init(&q);
  q.chain = "demo";
  q.store = "SH01";
  pl_principal viewer =
      principal(PL_TENANT_CHAIN, "demo", PL_ROLE_VIEWER, "demo");
  assert_int_equal(authorize(&viewer, path, &q.base, detail), GRPC_STATUS_OK);
  q.hold = 1;
  assert_int_equal(authorize(&viewer, path, &q.base, detail),
                   GRPC_STATUS_PERMISSION_DENIED);
  assert_string_equal(detail,
                      "hold: holding slots needs the admin or advisor role");
  pl_principal advisor =
      principal(PL_TENANT_CHAIN, "demo", PL_ROLE_ADVISOR, "demo");
  assert_int_equal(authorize(&advisor, path, &q.base, detail), GRPC_STATUS_OK);
  /* the chain check comes first: a viewer of another chain is refused for
   * the chain */
  q.chain = "other";
  assert_int_equal(authorize(&viewer, path, &q.base, detail),
                   GRPC_STATUS_PERMISSION_DENIED);
  assert_non_null(strstr(detail, "chain"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_registered_method_has_a_policy),
      cmocka_unit_test(every_declared_method_has_a_policy),
      cmocka_unit_test(chains_are_checked_at_the_top_and_one_level_down),
      cmocka_unit_test(roles_and_platform_only_methods),
      cmocka_unit_test(an_insurer_acts_on_each_of_its_chains),
      cmocka_unit_test(a_policy_narrows_the_hold_flag_of_due_reminders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
