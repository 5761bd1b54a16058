/* auth.h — who is calling, and may they: bearer API keys, per-key rate
 * limits, and the policy table (which roles may call a method, and on
 * which chains). docs/security.md has the table and the reasoning.
 *
 * A call goes through three checks, in this order, each with its own
 * status, before its handler runs:
 *   1. pl_auth_authenticate — before the request is decoded: the
 *      `authorization: Bearer <token>` metadata names a stored, unrevoked
 *      key (else UNAUTHENTICATED);
 *   2. ... and the key's token bucket has a token (else
 *      RESOURCE_EXHAUSTED; keys without a rate are not limited);
 *   3. pl_auth_authorize — after decoding: the key has a role the method
 *      allows, every `chain` the request names is one the key may act on,
 *      and a flag the policy narrows (pl_policy.flag) is set only by a
 *      role it allows (else PERMISSION_DENIED). Health is never checked.
 *
 * Ownership and threads: a pl_auth belongs to one server and outlives its
 * calls; the principal it hands out lives as long as the pl_auth (keys
 * are cached, never dropped: a revoked key simply stops verifying). All
 * functions may be called from any worker concurrently. No global state. */
#ifndef PL_API_AUTH_H
#define PL_API_AUTH_H

#include <grpc/grpc.h>
#include <grpc/status.h>
#include <protobuf-c/protobuf-c.h>

#include "pitlane/apikeys.h"
#include "pitlane/pitlane.h"

/* The caller of one call: its key's identity, tenant and roles. */
typedef struct pl_principal {
  char key_id[PL_KEY_ID_MAX];
  pl_tenant_kind tenant_kind; /* PL_TENANT_PLATFORM, _CHAIN, ... */
  char tenant[PL_CODE_MAX];   /* the tenant's code ("demo", "pingan") */
  uint32_t roles;             /* pl_role bits */
  int32_t n_chains;           /* platform: 0, meaning every chain */
  char chains[PL_KEY_MAX_CHAINS][PL_CODE_MAX];
} pl_principal;

/* 1 if p may act on chain `chain` (a platform key: every chain). */
int pl_principal_may_chain(const pl_principal *p, const char *chain);

/* How a method's request is matched to chains. */
typedef enum pl_scope {
  PL_SCOPE_CHAIN,    /* the request's `chain` fields (top level, or one
                        message level down: store.chain) */
  PL_SCOPE_CODE,     /* its top-level `code` is a chain (GetChain) */
  PL_SCOPE_PLATFORM, /* names no chain: platform keys only */
  PL_SCOPE_HANDLER,  /* the handler filters by pl_rpc_principal */
  PL_SCOPE_PUBLIC,   /* no key needed (Health) */
} pl_scope;

/* A method's policy. Beyond the roles that may call it, a method may
 * narrow one of its fields: when the request sets the bool field `flag`,
 * the caller also needs one of `flag_roles`, else PERMISSION_DENIED with
 * `flag_refusal` (DueReminders: `hold` books slots, so only the roles that
 * may hold them). */
typedef struct pl_policy {
  const char *path; /* "/pitlane.v1.Admin/GetStore" */
  uint32_t roles;   /* pl_role bits that may call it */
  pl_scope scope;
  const char *flag;         /* NULL: no field rule */
  uint32_t flag_roles;      /* roles that may set it */
  const char *flag_refusal; /* the status message when one may not */
} pl_policy;

/* The policy of a method, or NULL if it has none (then only a platform
 * admin may call it). */
const pl_policy *pl_auth_policy(const char *path);
/* The whole table (n entries in *n), for tests and docs. */
const pl_policy *pl_auth_policies(int *n);

typedef struct pl_auth pl_auth;

/* A key cache over engine e's key store. Returns 0 or PL_ENOMEM. */
int pl_auth_new(pl_engine *e, pl_auth **out);
void pl_auth_free(pl_auth *a); /* accepts NULL */

/* Steps 1 and 2 for one call's metadata. GRPC_STATUS_OK with *out set, or
 * UNAUTHENTICATED / RESOURCE_EXHAUSTED with a message in detail[cap]. */
grpc_status_code pl_auth_authenticate(pl_auth *a, const grpc_metadata_array *md,
                                      const pl_principal **out, char *detail,
                                      size_t cap);

/* Step 3: may p call the method of policy pol (NULL: none) at `path` with
 * decoded request req? GRPC_STATUS_OK or PERMISSION_DENIED with a message
 * in detail[cap]. */
grpc_status_code pl_auth_authorize(const pl_principal *p, const pl_policy *pol,
                                   const char *path,
                                   const ProtobufCMessage *req, char *detail,
                                   size_t cap);

/* The chains request req of a method with policy pol names (what step 3
 * checks): its `chain` fields (PL_SCOPE_CHAIN), its `code`
 * (PL_SCOPE_CODE), or, for a request that creates a chain, its
 * `chain.code`. Up to cap pointers into req go to out; returns how many
 * there are. The cluster's ownership check uses it (server.c). */
int pl_auth_request_chains(const pl_policy *pol, const ProtobufCMessage *req,
                           const char **out, int cap);

#endif
