/* core/apikeys.c — the API key store (pitlane/apikeys.h): create, revoke, get,
 * list, verify, and recovery of the stored keys.
 *
 * Design:
 *  1. Keys are global records: key  0x00 0x07 <key_id>  (an empty chain
 *     component; core/keys.h), ledger entries in the global ledger
 *     0x00 0xF0 <seq>. They are few (one per partner system or person),
 *     so they live in one table under one rwlock, e->apikeys.lock.
 *  2. The stored row holds the SHA-256 of the whole token, never the
 *     secret; the token exists only in the create call's output. A
 *     32-byte random secret makes a brute-force search of the hash
 *     hopeless, so a plain (unsalted, fast) hash is enough, and it keeps
 *     verification cheap (one SHA-256 of 80 bytes, then a lookup).
 *  3. A key is never deleted: revoke sets a flag (and writes the row
 *     again), so an id is never reused and the table only grows; a record
 *     pointer stays valid until pl_engine_close.
 *  4. Mutations follow the engine's commit path: validate, then under the
 *     write lock allocate and reserve (the only steps that can fail),
 *     queue row + ledger entry, apply to memory; pl__write_finish after the
 *     lock is dropped.
 *
 * Row layout (base/codec.h; version first, fields appended only):
 *   apikey  1 tenant_kind tenant n_chains chain*n roles rate burst
 *           created_ms revoked label sha256-hex */
#include <assert.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/validate.h"
#include "core/internal.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "pitlane/apikeys.h"

#define ROW_VERSION 1
#define SECRET_BYTES 32
#define ID_BYTES (PL_KEY_ID_LEN / 2)
#define HASH_HEX ((size_t)2 * SHA256_DIGEST_LENGTH) /* its stored form */
/* "pl_" id "_" secret-hex */
#define TOKEN_LEN (3 + PL_KEY_ID_LEN + 1 + 2 * SECRET_BYTES)

/* ---- types ------------------------------------------------------------- */

typedef struct pl__apikey {
  pl_apikey_info info;
  unsigned char hash[SHA256_DIGEST_LENGTH]; /* of the whole token */
} pl__apikey;

/* ---- names ------------------------------------------------------------- */

static const char *const kind_names[] = {NULL, "platform", "chain", "insurer",
                                         "fleet"};
static const char *const role_names[PL_ROLE_COUNT] = {
    "admin",   "advisor", "technician", "clerk",
    "planner", "insurer", "fleet",      "viewer"};

const char *pl_tenant_kind_name(pl_tenant_kind k) {
  return k >= 1 && k <= PL_TENANT_KIND_MAX ? kind_names[k] : NULL;
}

pl_tenant_kind pl_tenant_kind_parse(const char *name) {
  for (int k = 1; name != NULL && k <= PL_TENANT_KIND_MAX; k++)
    if (strcmp(name, kind_names[k]) == 0)
      return (pl_tenant_kind)k;
  return (pl_tenant_kind)0;
}

const char *pl_role_name(uint32_t role) {
  for (int i = 0; i < PL_ROLE_COUNT; i++)
    if (role == 1u << i)
      return role_names[i];
  return NULL;
}

uint32_t pl_role_parse(const char *name) {
  for (int i = 0; name != NULL && i < PL_ROLE_COUNT; i++)
    if (strcmp(name, role_names[i]) == 0)
      return 1u << i;
  return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static void hex(char *dst, const unsigned char *src, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    dst[2 * i] = digits[src[i] >> 4];
    dst[2 * i + 1] = digits[src[i] & 15];
  }
  dst[2 * n] = '\0';
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decodes 2n lowercase hex digits; 0, or -1 if any is not one. */
static int unhex(unsigned char *dst, const char *src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int hi = hexval((unsigned char)src[2 * i]);
    int lo = hexval((unsigned char)src[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    dst[i] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}

/* Fills buf with n bytes from the kernel's CSPRNG; 0 or PL_EIO. */
static int random_bytes(unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return PL_EIO;
    got += (size_t)r;
  }
  return 0;
}

static pl__apikey *find(pl_engine *e, const char *key_id) {
  int32_t i = pl__strmap_get(&e->apikeys.ix, key_id);
  if (i < 0)
    return NULL;
  assert(i < e->apikeys.keys.n);
  return e->apikeys.keys.items[i];
}

static void key_row(pl__buf *v, const pl__apikey *k) {
  char h[HASH_HEX + 1];
  hex(h, k->hash, sizeof k->hash);
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_uvar(v, (uint64_t)k->info.tenant_kind);
  pl__buf_str(v, k->info.tenant);
  pl__buf_uvar(v, (uint64_t)k->info.n_chains);
  for (int i = 0; i < k->info.n_chains; i++)
    pl__buf_str(v, k->info.chains[i]);
  pl__buf_uvar(v, k->info.roles);
  pl__buf_svar(v, k->info.rate_per_s);
  pl__buf_svar(v, k->info.burst);
  pl__buf_svar(v, k->info.created_ms);
  pl__buf_uvar(v, k->info.revoked ? 1 : 0);
  pl__buf_str(v, k->info.label);
  pl__buf_str(v, h);
}

/* Checks a key to be created; fills in what create derives (a chain
 * key's chain, a rate's default burst). */
static int check_key(pl_apikey_info *k, pl_error *err) {
  int rc = 0;
  if (pl_tenant_kind_name(k->tenant_kind) == NULL)
    return PL__FAIL(err, PL_EINVAL,
                    "key.tenant_kind: one of platform, chain, insurer, fleet");
  rc = pl__check_code(err, "key.tenant", k->tenant, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "key.chains", k->n_chains, 0, PL_KEY_MAX_CHAINS);
  for (int i = 0; rc == 0 && i < k->n_chains; i++) {
    rc = pl__check_code(err, "key.chains", k->chains[i], PL_CODE_MAX);
    for (int j = 0; rc == 0 && j < i; j++)
      if (strcmp(k->chains[i], k->chains[j]) == 0)
        rc = PL__FAIL(err, PL_EINVAL, "key.chains: '%s' twice", k->chains[i]);
  }
  if (rc != 0)
    return rc;
  switch (k->tenant_kind) {
  case PL_TENANT_PLATFORM:
    if (k->n_chains != 0)
      return PL__FAIL(err, PL_EINVAL,
                      "key.chains: a platform key acts on every chain; "
                      "list none");
    break;
  case PL_TENANT_CHAIN:
    if (k->n_chains == 0) {
      memcpy(k->chains[0], k->tenant, strlen(k->tenant) + 1);
      k->n_chains = 1;
    } else if (k->n_chains != 1 || strcmp(k->chains[0], k->tenant) != 0) {
      return PL__FAIL(err, PL_EINVAL,
                      "key.chains: a chain key acts on its own chain '%s' "
                      "only",
                      k->tenant);
    }
    break;
  default:
    if (k->n_chains == 0)
      return PL__FAIL(err, PL_EINVAL,
                      "key.chains: an %s key needs the chains it works with",
                      pl_tenant_kind_name(k->tenant_kind));
    break;
  }
  if (k->roles == 0 || (k->roles & ~PL_ROLE_ALL) != 0)
    return PL__FAIL(err, PL_EINVAL, "key.roles: at least one known role");
  rc =
      pl__check_range(err, "key.rate_per_s", k->rate_per_s, 0, PL_KEY_RATE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "key.burst", k->burst, 0, PL_KEY_RATE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "key.label", k->label, PL_NAME_MAX, 1);
  if (rc == 0 && k->rate_per_s > 0 && k->burst == 0)
    k->burst = k->rate_per_s;
  if (rc == 0 && k->rate_per_s == 0)
    k->burst = 0;
  return rc;
}

/* Queues the key's row and its global ledger entry; under the write lock. */
static int queue_key(pl_engine *e, const pl__apikey *k, unsigned op,
                     pl__sync *sync, const pl_write *w, int *queued) {
  pl__buf key = {0}, val = {0};
  pl__key_make(&key, "", PL__K_APIKEY, k->info.key_id, NULL);
  key_row(&val, k);
  int rc = pl__write_row(e, NULL, op, pl_engine_now_ms(e), &key, &val, w, sync);
  pl__buf_free(&key);
  pl__buf_free(&val);
  *queued = rc == 0;
  return rc;
}

/* Queues a new key's row and, once queued, adds it to the table (which
 * then owns k); under the write lock. *out (may be NULL) is its record. */
static int add_key(pl_engine *e, pl__apikey *k, pl__sync *sync,
                   const pl_write *w, int *queued, pl_apikey_info *out) {
  int rc = pl__vec_reserve(&e->apikeys.keys, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&e->apikeys.ix, 1);
  if (rc == 0)
    rc = queue_key(e, k, PL__OP_APIKEY_CREATE, sync, w, queued);
  if (rc == 0) {
    pl__strmap_put(&e->apikeys.ix, k->info.key_id, e->apikeys.keys.n);
    pl__vec_push(&e->apikeys.keys, k);
    if (out != NULL)
      *out = k->info;
  }
  return rc;
}

/* ---- API --------------------------------------------------------------- */

/* A new key record from the caller's info, checked (check_key): 0 and *out
 * (owned by the caller), or the error with nothing allocated. */
static int key_new(const pl_apikey_info *in, pl__apikey **out, pl_error *err) {
  pl__apikey *k = calloc(1, sizeof *k);
  if (k == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  k->info = *in;
  k->info.revoked = false;
  int rc = check_key(&k->info, err);
  if (rc != 0) {
    free(k);
    return rc;
  }
  *out = k;
  return 0;
}

int pl_apikey_create(pl_engine *e, const pl_apikey_info *in, const pl_write *w,
                     pl_apikey_info *out, char *token, size_t token_cap,
                     pl_error *err) {
  if (token == NULL || token_cap < PL_KEY_TOKEN_MAX)
    return PL__FAIL(err, PL_EINVAL, "token: buffer too small");
  token[0] = '\0';
  pl__apikey *k = NULL;
  int rc = key_new(in, &k, err);
  if (rc != 0)
    return rc;
  unsigned char secret[SECRET_BYTES], id[ID_BYTES];
  pl__sync sync;
  int queued = 0;
  pthread_rwlock_wrlock(&e->apikeys.lock);
  /* 48 random bits: a collision is rare but possible; draw again. */
  for (int tries = 0; rc == 0; tries++) {
    rc = random_bytes(id, sizeof id);
    if (rc == 0)
      hex(k->info.key_id, id, sizeof id);
    if (rc == 0 && find(e, k->info.key_id) == NULL)
      break;
    if (tries == 8)
      rc = PL_EIO;
  }
  if (rc == 0)
    rc = random_bytes(secret, sizeof secret);
  if (rc == 0) {
    char s[2 * SECRET_BYTES + 1];
    hex(s, secret, sizeof secret);
    snprintf(token, token_cap, "pl_%s_%s", k->info.key_id, s);
    SHA256((const unsigned char *)token, TOKEN_LEN, k->hash);
    OPENSSL_cleanse(s, sizeof s);
    OPENSSL_cleanse(secret, sizeof secret);
    k->info.created_ms = pl_engine_now_ms(e);
    rc = add_key(e, k, &sync, w, &queued, out);
  }
  pthread_rwlock_unlock(&e->apikeys.lock);
  if (rc != 0) {
    free(k);
    OPENSSL_cleanse(token, token_cap);
    token[0] = '\0';
    if (rc == PL_EIO && !queued)
      return PL__FAIL(err, PL_EIO, "key: no randomness from the kernel");
  }
  rc = pl__write_finish(rc, queued, w, &sync, err);
  if (rc != 0) {
    OPENSSL_cleanse(token, token_cap);
    token[0] = '\0';
  }
  return rc;
}

int pl_apikey_import(pl_engine *e, const pl_apikey_info *in, const char *token,
                     pl_apikey_info *out, pl_error *err) {
  size_t n = token != NULL ? strlen(token) : 0;
  unsigned char raw[ID_BYTES], sec[SECRET_BYTES];
  char id[PL_KEY_ID_MAX];
  if (n == TOKEN_LEN && memcmp(token, "pl_", 3) == 0 &&
      token[3 + PL_KEY_ID_LEN] == '_') {
    memcpy(id, token + 3, PL_KEY_ID_LEN);
    id[PL_KEY_ID_LEN] = '\0';
  } else {
    id[0] = '\0';
  }
  if (id[0] == '\0' || unhex(raw, id, sizeof raw) != 0 ||
      unhex(sec, token + 4 + PL_KEY_ID_LEN, sizeof sec) != 0)
    return PL__FAIL(err, PL_EINVAL, "token: not pl_<12 hex>_<64 hex>");
  OPENSSL_cleanse(sec, sizeof sec);
  pl__apikey *k = NULL;
  int rc = key_new(in, &k, err);
  if (rc != 0)
    return rc;
  memcpy(k->info.key_id, id, sizeof id);
  SHA256((const unsigned char *)token, TOKEN_LEN, k->hash);
  k->info.created_ms = pl_engine_now_ms(e);
  pl__sync sync;
  int queued = 0;
  pthread_rwlock_wrlock(&e->apikeys.lock);
  if (find(e, id) != NULL)
    rc = PL__FAIL(err, PL_EEXIST, "key_id: %s already exists", id);
  if (rc == 0)
    rc = add_key(e, k, &sync, NULL, &queued, out);
  pthread_rwlock_unlock(&e->apikeys.lock);
  if (rc != 0)
    free(k);
  return pl__write_finish(rc, queued, NULL, &sync, err);
}

int pl_apikey_revoke(pl_engine *e, const char *key_id, const pl_write *w,
                     pl_apikey_info *out, pl_error *err) {
  int rc = pl__check_code(err, "key_id", key_id, PL_KEY_ID_MAX);
  if (rc != 0)
    return rc;
  pl__sync sync;
  int queued = 0;
  pthread_rwlock_wrlock(&e->apikeys.lock);
  pl__apikey *k = find(e, key_id);
  if (k == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "key_id: no key '%s'", key_id);
  } else if (k->info.revoked) {
    /* Nothing to write; acknowledged once the revoke before it is. */
    rc = pl__write_nothing(e, w, &sync);
    queued = rc == 0;
  } else {
    pl__apikey next = *k;
    next.info.revoked = true;
    rc = queue_key(e, &next, PL__OP_APIKEY_REVOKE, &sync, w, &queued);
    if (rc == 0)
      k->info.revoked = true;
  }
  if (rc == 0 && out != NULL)
    *out = k->info;
  pthread_rwlock_unlock(&e->apikeys.lock);
  return pl__write_finish(rc, queued, w, &sync, err);
}

int pl_apikey_get(pl_engine *e, const char *key_id, pl_apikey_info *out,
                  pl_error *err) {
  int rc = pl__check_code(err, "key_id", key_id, PL_KEY_ID_MAX);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&e->apikeys.lock);
  const pl__apikey *k = find(e, key_id);
  if (k != NULL)
    *out = k->info;
  else
    rc = PL__FAIL(err, PL_ENOTFOUND, "key_id: no key '%s'", key_id);
  pthread_rwlock_unlock(&e->apikeys.lock);
  return rc;
}

static int cmp_key(const void *a, const void *b) {
  return strcmp(((const pl_apikey_info *)a)->key_id,
                ((const pl_apikey_info *)b)->key_id);
}

int pl_apikey_list(pl_engine *e, pl_apikey_info *out, int cap) {
  pthread_rwlock_rdlock(&e->apikeys.lock);
  int n = e->apikeys.keys.n;
  /* Sorted copy of all, then the first cap: the table is small. */
  pl_apikey_info *all =
      n > 0 && cap > 0 ? calloc((size_t)n, sizeof *all) : NULL;
  for (int i = 0; all != NULL && i < n; i++)
    all[i] = ((const pl__apikey *)e->apikeys.keys.items[i])->info;
  pthread_rwlock_unlock(&e->apikeys.lock);
  if (all != NULL) {
    qsort(all, (size_t)n, sizeof *all, cmp_key);
    memcpy(out, all, (size_t)(n < cap ? n : cap) * sizeof *out);
    free(all);
  } else if (n > 0 && cap > 0) {
    return PL_ENOMEM;
  }
  return n;
}

int pl_apikey_verify(pl_engine *e, const char *token, size_t n, char *key_id,
                     pl_apikey_info *out) {
  if (token == NULL || n != TOKEN_LEN || memcmp(token, "pl_", 3) != 0 ||
      token[3 + PL_KEY_ID_LEN] != '_')
    return PL_ENOTFOUND;
  char id[PL_KEY_ID_MAX];
  memcpy(id, token + 3, PL_KEY_ID_LEN);
  id[PL_KEY_ID_LEN] = '\0';
  unsigned char raw[ID_BYTES];
  if (unhex(raw, id, sizeof raw) != 0)
    return PL_ENOTFOUND;
  unsigned char h[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)token, n, h);
  int rc = PL_ENOTFOUND;
  pthread_rwlock_rdlock(&e->apikeys.lock);
  const pl__apikey *k = find(e, id);
  if (k != NULL && CRYPTO_memcmp(h, k->hash, sizeof h) == 0 &&
      !k->info.revoked) {
    rc = 0;
    if (out != NULL)
      *out = k->info;
  }
  pthread_rwlock_unlock(&e->apikeys.lock);
  if (rc == 0 && key_id != NULL)
    memcpy(key_id, id, PL_KEY_ID_LEN + 1);
  return rc;
}

/* ---- engine lifecycle and recovery ------------------------------------ */

void pl__apikeys_init(pl_engine *e) {
  memset(&e->apikeys, 0, sizeof e->apikeys);
  pthread_rwlock_init(&e->apikeys.lock, NULL);
  e->apikeys.next_seq = 1;
}

void pl__apikeys_free(pl_engine *e) {
  for (int i = 0; i < e->apikeys.keys.n; i++)
    OPENSSL_cleanse(e->apikeys.keys.items[i], sizeof(pl__apikey));
  pl__vec_free_all(&e->apikeys.keys);
  pl__strmap_free(&e->apikeys.ix);
  pthread_rwlock_destroy(&e->apikeys.lock);
}

int pl__apikey_load(pl_engine *e, unsigned kind, const char *chain,
                    const unsigned char *rest, size_t rl,
                    const unsigned char *val, size_t vl, pl_error *err) {
  pl__rd r;
  pl__rd_init(&r, val, vl);
  pl__apikey *k = calloc(1, sizeof *k);
  if (k == NULL)
    return PL_ENOMEM;
  int bad = chain[0] != '\0' || kind != PL__K_APIKEY || rl != PL_KEY_ID_LEN ||
            pl__rd_uvar(&r) != ROW_VERSION;
  if (!bad) {
    memcpy(k->info.key_id, rest, rl);
    k->info.key_id[rl] = '\0';
    k->info.tenant_kind = (pl_tenant_kind)pl__rd_uvar(&r);
    pl__rd_str(&r, k->info.tenant, sizeof k->info.tenant);
    uint64_t nc = pl__rd_uvar(&r);
    bad = r.bad || nc > PL_KEY_MAX_CHAINS ||
          pl_tenant_kind_name(k->info.tenant_kind) == NULL;
    k->info.n_chains = bad ? 0 : (int32_t)nc;
    for (int i = 0; i < k->info.n_chains; i++)
      pl__rd_str(&r, k->info.chains[i], sizeof k->info.chains[i]);
    uint64_t roles = pl__rd_uvar(&r);
    k->info.roles = (uint32_t)(roles & PL_ROLE_ALL);
    k->info.rate_per_s = (int32_t)pl__rd_svar(&r);
    k->info.burst = (int32_t)pl__rd_svar(&r);
    k->info.created_ms = pl__rd_svar(&r);
    k->info.revoked = pl__rd_uvar(&r) != 0;
    pl__rd_str(&r, k->info.label, sizeof k->info.label);
    char h[HASH_HEX + 1];
    pl__rd_str(&r, h, sizeof h);
    bad = bad || r.bad || roles != k->info.roles || strlen(h) != HASH_HEX ||
          unhex(k->hash, h, sizeof k->hash) != 0 || k->info.rate_per_s < 0 ||
          k->info.burst < 0;
  }
  /* A key written twice (revoked) is one row: its key is unique. */
  if (!bad && find(e, k->info.key_id) != NULL)
    bad = 1;
  int rc = bad ? PL_ECORRUPT : pl__vec_reserve(&e->apikeys.keys, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&e->apikeys.ix, 1);
  if (rc != 0) {
    free(k);
    return rc == PL_ECORRUPT
               ? PL__FAIL(err, rc, "recovery: API key row does not decode")
               : rc;
  }
  pl__strmap_put(&e->apikeys.ix, k->info.key_id, e->apikeys.keys.n);
  pl__vec_push(&e->apikeys.keys, k);
  return 0;
}
