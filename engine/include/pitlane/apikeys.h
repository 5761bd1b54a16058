/* apikeys.h — API keys: who may call the server, for which tenant, in
 * which roles. See pitlane.h for the conventions.
 *
 * A key belongs to a tenant: the platform operator (every chain), a chain
 * (exactly that chain), an insurer or a fleet (the chains listed on the
 * key). It carries a set of roles (a bitmask of pl_role) and an optional
 * rate limit, which the server enforces; the engine only stores it.
 *
 * Keys are global records (not inside any chain's key range). The engine
 * stores a key's SHA-256, never its secret: the token
 *
 *     pl_<key_id>_<secret>      key_id: 12 hex digits (public)
 *                               secret: 64 hex digits (32 random bytes)
 *
 * is returned once, by pl_apikey_create, and cannot be recovered later.
 * Verification parses the key_id, finds the key and compares the SHA-256
 * of the whole token in constant time. A revoked key stays stored (its id
 * is never reused) and never verifies again.
 *
 * Mutations (create, revoke) go through the commit path like every other
 * mutation: applied to memory at once, durable when their pl_write fires
 * (or, with a NULL pl_write, when the call returns). */
#ifndef PITLANE_APIKEYS_H
#define PITLANE_APIKEYS_H

#include <stdbool.h>

#include "pitlane/admin.h"
#include "pitlane/pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_KEY_ID_LEN 12     /* hex digits of a key id */
#define PL_KEY_ID_MAX 16     /* its buffer */
#define PL_KEY_TOKEN_MAX 96  /* a token's buffer ("pl_" id "_" secret) */
#define PL_KEY_MAX_CHAINS 16 /* chains an insurer or fleet key may name */
#define PL_KEY_RATE_MAX 1000000

typedef enum pl_tenant_kind {
  PL_TENANT_PLATFORM = 1, /* the operator: every chain */
  PL_TENANT_CHAIN = 2,    /* one chain: its own stores only */
  PL_TENANT_INSURER = 3,  /* its own claims, on the chains listed */
  PL_TENANT_FLEET = 4,    /* its own vehicles, on the chains listed */
} pl_tenant_kind;
#define PL_TENANT_KIND_MAX 4

/* Roles, one bit each (stable: they are stored). */
typedef enum pl_role {
  PL_ROLE_ADMIN = 1u << 0,
  PL_ROLE_ADVISOR = 1u << 1,
  PL_ROLE_TECHNICIAN = 1u << 2,
  PL_ROLE_CLERK = 1u << 3,
  PL_ROLE_PLANNER = 1u << 4,
  PL_ROLE_INSURER = 1u << 5,
  PL_ROLE_FLEET = 1u << 6,
  PL_ROLE_VIEWER = 1u << 7,
} pl_role;
#define PL_ROLE_COUNT 8
#define PL_ROLE_ALL 0xFFu

typedef struct pl_apikey_info {
  char key_id[PL_KEY_ID_MAX]; /* set by create */
  pl_tenant_kind tenant_kind;
  char tenant[PL_CODE_MAX]; /* the tenant's code ("demo", "pingan") */
  /* Chains the key may act on. Platform: none listed (all chains). Chain:
   * exactly its own (create fills it in when n_chains is 0). Insurer and
   * fleet: 1..PL_KEY_MAX_CHAINS. */
  int32_t n_chains;
  char chains[PL_KEY_MAX_CHAINS][PL_CODE_MAX];
  uint32_t roles;     /* pl_role bits, at least one */
  int32_t rate_per_s; /* 0: unlimited */
  int32_t burst;      /* bucket size; 0 with a rate: equal to the rate */
  int64_t created_ms; /* set by create */
  bool revoked;
  char label[PL_NAME_MAX]; /* free text for people */
} pl_apikey_info;

/* Creates a key from `in` (key_id, created_ms and revoked are ignored) and
 * writes its token ("pl_<id>_<secret>", NUL-terminated) into
 * token[token_cap]; token_cap must be at least PL_KEY_TOKEN_MAX.
 * Returns PL_EINVAL (a field is wrong: named in err), PL_ENOMEM, PL_EIO
 * (no randomness from the kernel, or the write failed), PL_EUNAVAIL.
 * On success *out (may be NULL) is the stored key. */
PL_API int pl_apikey_create(pl_engine *e, const pl_apikey_info *in,
                            const pl_write *w, pl_apikey_info *out, char *token,
                            size_t token_cap, pl_error *err);

/* Stores a key with a token made elsewhere (the same key on every node of
 * a cluster: docs/scaling.md): as create, but key_id and hash come from
 * `token` ("pl_<12 hex>_<64 hex>"). Waits for durability. PL_EINVAL (a
 * malformed token or field), PL_EEXIST (the key id is taken), PL_ENOMEM,
 * PL_EIO, PL_EUNAVAIL. */
PL_API int pl_apikey_import(pl_engine *e, const pl_apikey_info *in,
                            const char *token, pl_apikey_info *out,
                            pl_error *err);

/* Revokes a key: from now on it does not verify. Revoking a revoked key
 * succeeds and changes nothing. Returns PL_ENOTFOUND, PL_ENOMEM, PL_EIO,
 * PL_EUNAVAIL. On success *out (may be NULL) is the key. */
PL_API int pl_apikey_revoke(pl_engine *e, const char *key_id, const pl_write *w,
                            pl_apikey_info *out, pl_error *err);

/* One key by id (revoked or not); PL_EINVAL (not a code), PL_ENOTFOUND. */
PL_API int pl_apikey_get(pl_engine *e, const char *key_id, pl_apikey_info *out,
                         pl_error *err);

/* Copies up to cap keys, ordered by key id, into out (may be NULL with
 * cap 0); returns how many keys exist. */
PL_API int pl_apikey_list(pl_engine *e, pl_apikey_info *out, int cap);

/* Checks a token of n bytes. Returns 0 when it names a stored, unrevoked
 * key and its secret matches, filling key_id[PL_KEY_ID_MAX] (may be NULL)
 * and *out (may be NULL; the copy costs ~1 KiB); PL_ENOTFOUND for anything
 * else (malformed, unknown, wrong secret, revoked) — deliberately one
 * answer, so a caller learns nothing about which. Reads only memory. */
PL_API int pl_apikey_verify(pl_engine *e, const char *token, size_t n,
                            char *key_id, pl_apikey_info *out);

/* Names: "platform", "chain", "insurer", "fleet"; NULL if out of range. */
PL_API const char *pl_tenant_kind_name(pl_tenant_kind k);
/* The kind for a name, or 0. */
PL_API pl_tenant_kind pl_tenant_kind_parse(const char *name);
/* Names: "admin", "advisor", "technician", "clerk", "planner", "insurer",
 * "fleet", "viewer" for one role bit; NULL otherwise. */
PL_API const char *pl_role_name(uint32_t role);
/* The role bit for a name, or 0. */
PL_API uint32_t pl_role_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
