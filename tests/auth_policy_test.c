/* auth_policy_test.c — the API layer's policy table (api/server/auth.c): every
 * method the server registers, and every method the protos declare, has
 * an entry; docs/security.md's policy table lists every method with the
 * same roles; and pl_auth_authorize applies roles and chains as
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
static const ProtobufCServiceDescriptor *const services[] = {
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
#define N_SERVICES (sizeof services / sizeof services[0])

static void every_declared_method_has_a_policy(void **state) {
  (void)state;
  int checked = 0;
  for (size_t s = 0; s < N_SERVICES; s++) {
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

/* Asserts that principal p calling method path with request req gets
 * status; the refusal's text is left in the caller's `detail`. */
#define EXPECT_AUTH(p, path, req, status)                                      \
  assert_int_equal(authorize(&(p), (path), &(req).base, detail), (status))

/* The same for a method that has no policy at all. */
#define EXPECT_UNLISTED(p, path, req, status)                                  \
  assert_int_equal(pl_auth_authorize(&(p), NULL, (path), &(req).base, detail,  \
                                     sizeof detail),                           \
                   (status))

static void chains_are_checked_at_the_top_and_one_level_down(void **state) {
  (void)state;
  char detail[256];
  pl_principal demo = principal(PL_TENANT_CHAIN, "demo", PL_ROLE_ADMIN, "demo");
  Pitlane__V1__GetStoreRequest get = PITLANE__V1__GET_STORE_REQUEST__INIT;
  get.chain = "demo";
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/GetStore", get, GRPC_STATUS_OK);
  get.chain = "acme";
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/GetStore", get,
              GRPC_STATUS_PERMISSION_DENIED);
  assert_string_equal(detail, "chain: this key may not act on chain 'acme'");

  Pitlane__V1__Store st = PITLANE__V1__STORE__INIT;
  st.chain = "acme";
  Pitlane__V1__CreateStoreRequest cs = PITLANE__V1__CREATE_STORE_REQUEST__INIT;
  cs.store = &st;
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/CreateStore", cs,
              GRPC_STATUS_PERMISSION_DENIED);
  st.chain = "demo";
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/CreateStore", cs, GRPC_STATUS_OK);
  /* the store left out: no chain of this key */
  cs.store = NULL;
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/CreateStore", cs,
              GRPC_STATUS_PERMISSION_DENIED);
  /* ... while a platform key passes on to the handler's own check */
  pl_principal ops = principal(PL_TENANT_PLATFORM, "ops", PL_ROLE_ADMIN, NULL);
  EXPECT_AUTH(ops, "/pitlane.v1.Admin/CreateStore", cs, GRPC_STATUS_OK);
  /* GetChain names its chain `code` */
  Pitlane__V1__GetChainRequest gc = PITLANE__V1__GET_CHAIN_REQUEST__INIT;
  gc.code = "acme";
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/GetChain", gc,
              GRPC_STATUS_PERMISSION_DENIED);
  gc.code = "demo";
  EXPECT_AUTH(demo, "/pitlane.v1.Admin/GetChain", gc, GRPC_STATUS_OK);
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
  EXPECT_AUTH(viewer, "/pitlane.v1.Admin/CreatePart", cp,
              GRPC_STATUS_PERMISSION_DENIED);
  assert_non_null(strstr(detail, "roles viewer"));
  Pitlane__V1__ListChainsRequest lc = PITLANE__V1__LIST_CHAINS_REQUEST__INIT;
  Pitlane__V1__CreateChainRequest cc = PITLANE__V1__CREATE_CHAIN_REQUEST__INIT;
  pl_principal admin =
      principal(PL_TENANT_CHAIN, "demo", PL_ROLE_ADMIN, "demo");
  EXPECT_AUTH(admin, "/pitlane.v1.Admin/CreateChain", cc,
              GRPC_STATUS_PERMISSION_DENIED);
  pl_principal ops = principal(PL_TENANT_PLATFORM, "ops", PL_ROLE_ADMIN, NULL);
  EXPECT_AUTH(ops, "/pitlane.v1.Admin/CreateChain", cc, GRPC_STATUS_OK);
  /* a method without a policy: the platform admin only */
  EXPECT_UNLISTED(ops, "/x.Y/Z", lc, GRPC_STATUS_OK);
  EXPECT_UNLISTED(admin, "/x.Y/Z", lc, GRPC_STATUS_PERMISSION_DENIED);
  pl_principal ops_viewer =
      principal(PL_TENANT_PLATFORM, "ops", PL_ROLE_VIEWER, NULL);
  EXPECT_UNLISTED(ops_viewer, "/x.Y/Z", lc, GRPC_STATUS_PERMISSION_DENIED);
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
  EXPECT_AUTH(ins, path, q, GRPC_STATUS_OK);
  q.chain = "acme";
  EXPECT_AUTH(ins, path, q, GRPC_STATUS_OK);
  q.chain = "zeta";
  EXPECT_AUTH(ins, path, q, GRPC_STATUS_PERMISSION_DENIED);
  Pitlane__V1__HoldRequest h = PITLANE__V1__HOLD_REQUEST__INIT;
  h.chain = "demo";
  EXPECT_AUTH(ins, "/pitlane.v1.Scheduling/Hold", h,
              GRPC_STATUS_PERMISSION_DENIED);
}

/* ---- docs/security.md's policy table ------------------------------------
 * Each row is `| service | methods | roles |`: methods separated by
 * commas, roles as letters (A Ad T C P I F V), "anyone, no key" (public)
 * or "none" (not offered); text in parentheses is a note, except that
 * "platform key only" must be said exactly of the platform-only methods.
 * Every method of every service must be in exactly one row, with the
 * roles api/server/auth.c gives it. */

#define DOC_MAX 400

typedef struct doc_row {
  char path[160];
  uint32_t roles;
  int is_public, is_none, platform_only, seen;
} doc_row;

/* Copies `in` without its (possibly nested) parenthesised notes and
 * backticks; sets *platform_only if a note says "platform key only". */
static void strip_notes(const char *in, char *out, size_t cap,
                        int *platform_only) {
  int depth = 0;
  size_t o = 0;
  for (const char *c = in; *c && o + 1 < cap; c++) {
    if (*c == '(') {
      if (depth++ == 0 && platform_only != NULL &&
          strncmp(c, "(platform key only", 18) == 0)
        *platform_only = 1;
    } else if (*c == ')') {
      depth--;
    } else if (depth == 0 && *c != '`') {
      out[o++] = *c;
    }
  }
  out[o] = 0;
}

static char *trim(char *t) {
  while (*t == ' ')
    t++;
  size_t n = strlen(t);
  while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\n'))
    t[--n] = 0;
  return t;
}

static uint32_t role_bits(char *roles, const char *where) {
  uint32_t bits = 0;
  for (char *tok = strtok(roles, " ,"); tok != NULL; tok = strtok(NULL, " ,")) {
    static const struct {
      const char *letter;
      uint32_t bit;
    } letters[] = {{"A", PL_ROLE_ADMIN},      {"Ad", PL_ROLE_ADVISOR},
                   {"T", PL_ROLE_TECHNICIAN}, {"C", PL_ROLE_CLERK},
                   {"P", PL_ROLE_PLANNER},    {"I", PL_ROLE_INSURER},
                   {"F", PL_ROLE_FLEET},      {"V", PL_ROLE_VIEWER}};
    uint32_t bit = 0;
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
      if (strcmp(tok, letters[i].letter) == 0)
        bit = letters[i].bit;
    if (bit == 0)
      fail_msg("docs/security.md, %s: unknown role '%s'", where, tok);
    bits |= bit;
  }
  return bits;
}

/* The table's rows, one per method; the count. */
static int read_doc_table(doc_row *rows) {
  FILE *f = fopen(PL_SOURCE_DIR "/docs/security.md", "r");
  assert_non_null(f);
  static char line[8192];
  int in_table = 0, n = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (!in_table) {
      in_table = strncmp(line, "| service | methods | roles |", 29) == 0;
      continue;
    }
    if (line[0] != '|')
      break;
    if (strncmp(line, "| ---", 5) == 0)
      continue;
    /* | service | methods | roles | */
    char *cells[3];
    char *c = line + 1;
    for (int i = 0; i < 3; i++) {
      char *bar = strchr(c, '|');
      if (bar == NULL)
        fail_msg("docs/security.md: a row without 3 cells: %s", line);
      *bar = 0;
      cells[i] = c;
      c = bar + 1;
    }
    char service[64], methods[2048], roles[1024];
    int platform_only = 0;
    strip_notes(cells[0], service, sizeof service, NULL);
    strip_notes(cells[1], methods, sizeof methods, NULL);
    strip_notes(cells[2], roles, sizeof roles, &platform_only);
    char *svc = trim(service), *rl = trim(roles);
    int is_public = strcmp(rl, "anyone, no key") == 0;
    int is_none = strcmp(rl, "none") == 0;
    uint32_t bits = is_public || is_none ? 0 : role_bits(rl, svc);
    char *save = NULL;
    for (char *m = strtok_r(methods, ",", &save); m != NULL;
         m = strtok_r(NULL, ",", &save)) {
      m = trim(m);
      if (*m == 0)
        continue;
      assert_true(n < DOC_MAX);
      doc_row *r = &rows[n++];
      memset(r, 0, sizeof *r);
      snprintf(r->path, sizeof r->path, "/%s.%s/%s",
               strcmp(svc, "Health") == 0 ? "grpc.health.v1" : "pitlane.v1",
               svc, m);
      r->roles = bits;
      r->is_public = is_public;
      r->is_none = is_none;
      r->platform_only = platform_only;
      for (int i = 0; i < n - 1; i++)
        if (strcmp(rows[i].path, r->path) == 0)
          fail_msg("docs/security.md lists %s twice", r->path);
    }
  }
  fclose(f);
  assert_true(in_table);
  return n;
}

/* docs/security.md's table lists every method of every service, nothing
 * else, with the roles (and platform-only scope) of api/server/auth.c. */
static void the_security_doc_lists_every_method_as_the_code_does(void **st) {
  (void)st;
  static doc_row rows[DOC_MAX];
  int n = read_doc_table(rows);
  for (size_t s = 0; s < N_SERVICES; s++) {
    const ProtobufCServiceDescriptor *d = services[s];
    for (unsigned m = 0; m < d->n_methods; m++) {
      char path[256];
      snprintf(path, sizeof path, "/%s/%s", d->name, d->methods[m].name);
      doc_row *r = NULL;
      for (int i = 0; i < n; i++)
        if (strcmp(rows[i].path, path) == 0)
          r = &rows[i];
      if (r == NULL)
        fail_msg("docs/security.md's policy table does not list %s", path);
      r->seen = 1;
      const pl_policy *p = pl_auth_policy(path);
      if (r->is_none) {
        if (p != NULL)
          fail_msg("%s: the doc says none, the code has a policy", path);
        continue;
      }
      if (p == NULL)
        fail_msg("%s: in the doc, no policy in api/server/auth.c", path);
      if (r->is_public != (p->scope == PL_SCOPE_PUBLIC))
        fail_msg("%s: public in one of doc and code only", path);
      if (r->roles != p->roles)
        fail_msg(
            "%s: roles 0x%x in docs/security.md, 0x%x in api/server/auth.c",
            path, (unsigned)r->roles, (unsigned)p->roles);
      if (r->platform_only != (p->scope == PL_SCOPE_PLATFORM))
        fail_msg("%s: 'platform key only' in one of doc and code only", path);
    }
  }
  for (int i = 0; i < n; i++)
    if (!rows[i].seen)
      fail_msg("docs/security.md lists %s, which no proto declares",
               rows[i].path);
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
  EXPECT_AUTH(viewer, path, q, GRPC_STATUS_OK);
  q.hold = 1;
  EXPECT_AUTH(viewer, path, q, GRPC_STATUS_PERMISSION_DENIED);
  assert_string_equal(detail,
                      "hold: holding slots needs the admin or advisor role");
  pl_principal advisor =
      principal(PL_TENANT_CHAIN, "demo", PL_ROLE_ADVISOR, "demo");
  EXPECT_AUTH(advisor, path, q, GRPC_STATUS_OK);
  /* the chain check comes first: a viewer of another chain is refused for
   * the chain */
  q.chain = "other";
  EXPECT_AUTH(viewer, path, q, GRPC_STATUS_PERMISSION_DENIED);
  assert_non_null(strstr(detail, "chain"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_registered_method_has_a_policy),
      cmocka_unit_test(every_declared_method_has_a_policy),
      cmocka_unit_test(chains_are_checked_at_the_top_and_one_level_down),
      cmocka_unit_test(roles_and_platform_only_methods),
      cmocka_unit_test(an_insurer_acts_on_each_of_its_chains),
      cmocka_unit_test(the_security_doc_lists_every_method_as_the_code_does),
      cmocka_unit_test(a_policy_narrows_the_hold_flag_of_due_reminders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
