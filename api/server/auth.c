/* auth.c — bearer keys, per-key rate limits and the policy table (see
 * auth.h; the table and its reasons are in docs/security.md).
 *
 * The hot path of an authenticated call:
 *   find `authorization` in the metadata (a scan of a few entries)
 *   -> pl_apikey_verify: SHA-256 of the 80-byte token, a lookup under the
 *      key store's read lock, a constant-time compare (no copy)
 *   -> the key's cache entry (a hash table under a read lock; the entry
 *      is built once per key from pl_apikey_get and never changes)
 *   -> its token bucket (a mutex per key, held for a few instructions)
 *   -> after decoding: the method's policy (resolved once per method by
 *      the server) and the request's `chain` fields, read through the
 *      protobuf-c descriptors.
 * Revocation needs no invalidation: verification reads the engine's
 * revoked flag on every call, and a cache entry is only reached after it.
 *
 * Token bucket: `tokens` in millionths of a request; each call costs
 * 1,000,000; it refills at rate_per_s per second up to burst. */
#include "auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- the policy table -------------------------------------------------- */

enum {
  A = PL_ROLE_ADMIN,
  AD = PL_ROLE_ADVISOR,
  T = PL_ROLE_TECHNICIAN,
  C = PL_ROLE_CLERK,
  P = PL_ROLE_PLANNER,
  I = PL_ROLE_INSURER,
  F = PL_ROLE_FLEET,
  V = PL_ROLE_VIEWER,
  STAFF_READ = A | AD | T | C | P | V, /* a chain's structure */
  INV_READ = A | AD | C | P | V,
  INV_WRITE = A | C,
  XFER_READ = A | C | P | V,
  XFER_WRITE = A | P,
};

/* One entry; designated so that the optional field rule stays zero. */
#define POL(svc, m, rl, sc)                                                    \
  { .path = "/pitlane.v1." svc "/" m, .roles = (rl), .scope = (sc) }
#define ADM(m, rl, sc) POL("Admin", m, rl, sc)
#define SCH(m, rl) POL("Scheduling", m, rl, PL_SCOPE_CHAIN)
#define INV(m, rl) POL("Inventory", m, rl, PL_SCOPE_CHAIN)
#define XFR(m, rl) POL("Transfers", m, rl, PL_SCOPE_CHAIN)
#define WO(m, rl) POL("WorkOrders", m, rl, PL_SCOPE_CHAIN)
#define CLM(m, rl) POL("Claims", m, rl, PL_SCOPE_CHAIN)
#define DSP(m, rl) POL("Dispatch", m, rl, PL_SCOPE_CHAIN)
#define CUS(m, rl) POL("Customers", m, rl, PL_SCOPE_CHAIN)

static const pl_policy policies[] = {
    {.path = "/grpc.health.v1.Health/Check",
     .roles = 0,
     .scope = PL_SCOPE_PUBLIC},
    /* Admin: structure */
    ADM("CreateChain", A, PL_SCOPE_PLATFORM),
    ADM("GetChain", STAFF_READ, PL_SCOPE_CODE),
    ADM("ListChains", STAFF_READ, PL_SCOPE_HANDLER),
    ADM("CreateStore", A, PL_SCOPE_CHAIN),
    ADM("GetStore", STAFF_READ, PL_SCOPE_CHAIN),
    ADM("ListStores", STAFF_READ, PL_SCOPE_CHAIN),
    ADM("CreateWarehouse", A, PL_SCOPE_CHAIN),
    ADM("ListWarehouses", STAFF_READ, PL_SCOPE_CHAIN),
    ADM("CreateBay", A, PL_SCOPE_CHAIN),
    ADM("CreateTechnician", A, PL_SCOPE_CHAIN),
    ADM("ListResources", STAFF_READ, PL_SCOPE_CHAIN),
    ADM("CreatePart", A, PL_SCOPE_CHAIN),
    ADM("GetPart", STAFF_READ, PL_SCOPE_CHAIN),
    ADM("SetStoreHours", A, PL_SCOPE_CHAIN),
    ADM("GetStoreHours", STAFF_READ, PL_SCOPE_CHAIN),
    ADM("SetTechnicianSchedule", A, PL_SCOPE_CHAIN),
    ADM("SetBaySchedule", A, PL_SCOPE_CHAIN),
    ADM("CreateService", A, PL_SCOPE_CHAIN),
    ADM("ListServices", STAFF_READ, PL_SCOPE_CHAIN),
    /* Admin: keys (the handler: a chain admin, its own chain's keys) */
    ADM("CreateApiKey", A, PL_SCOPE_HANDLER),
    ADM("RevokeApiKey", A, PL_SCOPE_HANDLER),
    ADM("ListApiKeys", A, PL_SCOPE_HANDLER),
    /* Admin: operations (api/services/ops.c) */
    ADM("CreateBackup", A, PL_SCOPE_PLATFORM),
    /* Admin: KPI reports (managers read them with admin or viewer keys:
     * there is no manager role) */
    ADM("GetKpiReport", A | V, PL_SCOPE_CHAIN),
    /* Admin: a sandbox chain's test clock (ordinary chains: refused by the
     * engine) */
    ADM("AdvanceTestClock", A, PL_SCOPE_CHAIN),
    /* Scheduling */
    SCH("RecommendSlots", A | AD | T | I | F | V),
    SCH("Hold", A | AD | F),
    SCH("Confirm", A | AD | F),
    SCH("Cancel", A | AD | F),
    SCH("Reschedule", A | AD),
    SCH("CheckIn", A | AD),
    SCH("NoShow", A | AD),
    SCH("Complete", A | AD),
    SCH("GetBooking", A | AD | T | F | V),
    SCH("ListBookings", A | AD | T | V),
    SCH("DayBoard", A | AD | T | V),
    /* the loaner pool: admins manage it, advisors hand cars out and take
     * them back, staff and viewers read */
    SCH("UpsertLoaner", A),
    SCH("ListLoaners", A | AD | T | V),
    SCH("HandOutLoaner", A | AD),
    SCH("ReturnLoaner", A | AD),
    SCH("ListLoanerEvents", A | AD | T | V),
    /* Inventory */
    INV("Receive", INV_WRITE),
    INV("Reserve", INV_WRITE),
    INV("Release", INV_WRITE),
    INV("Issue", INV_WRITE),
    INV("ReturnStock", INV_WRITE),
    INV("Adjust", INV_WRITE),
    INV("Sell", INV_WRITE),
    INV("GetStock", INV_READ),
    INV("SetStockLevels", INV_WRITE),
    INV("ListMovements", INV_READ),
    INV("TraceLot", INV_READ),
    INV("CreateSupplier", INV_WRITE),
    INV("ListSuppliers", INV_READ),
    INV("SetQuote", INV_WRITE),
    INV("ListQuotes", INV_READ),
    INV("OpenStocktake", INV_WRITE),
    INV("RecordCount", INV_WRITE),
    INV("CloseStocktake", INV_WRITE),
    INV("ListAlerts", INV_READ),
    INV("SuggestPurchase", INV_READ),
    INV("SetFitment", INV_WRITE),
    INV("GetFitment", INV_READ),
    INV("FindPartsByModel", INV_READ),
    INV("VerifyLedger", INV_READ),
    /* Transfers */
    XFR("SetLane", XFER_WRITE),
    XFR("DeleteLane", XFER_WRITE),
    XFR("ListLanes", XFER_READ),
    XFR("QuoteTransfer", XFER_READ),
    XFR("PlanRebalance", XFER_READ),
    XFR("CreateTransfer", XFER_WRITE),
    XFR("Ship", XFER_WRITE),
    XFR("Receive", XFER_WRITE),
    XFR("Cancel", XFER_WRITE),
    XFR("GetTransfer", XFER_READ),
    XFR("ListTransfers", XFER_READ),
    /* WorkOrders (an insurer's own work orders: checked by the handlers
     * against the claim's insurer, via pl_rpc_principal) */
    WO("CreateWorkOrder", A | AD),
    WO("GetWorkOrder", A | AD | T | I | V),
    WO("ListWorkOrders", A | AD | T | V),
    WO("Assign", A | AD),
    WO("StartRepair", A | AD | T),
    WO("PostProgress", A | AD | T),
    WO("AddExtraItem", A | AD),
    WO("DecideExtraItem", A | AD),
    WO("CompleteItem", A | AD | T),
    WO("ReserveShortParts", A | AD),
    WO("RequestQc", A | AD | T),
    WO("RecordQc", A | AD),
    WO("Deliver", A | AD),
    WO("Cancel", A | AD),
    WO("GetRepairReport", A | AD | I | V),
    WO("WatchWorkOrder", A | AD | T | I | V),
    WO("WatchStore", A | AD | T | V),
    /* Warranty: a preview for reception; supplier claims are the parts
     * side's (clerks read them), decided by advisors and admins; insurers
     * have no part in them */
    WO("CheckWarranty", A | AD | V),
    WO("ListSupplierClaims", A | AD | C | V),
    WO("DecideSupplierClaim", A | AD),
    /* Claims (the insurer/fleet fields: checked by the handlers) */
    CLM("SubmitClaim", A | I),
    CLM("GetClaim", A | I | V),
    CLM("ListClaims", A | I | V),
    CLM("SubmitFleetBatch", A | F),
    /* Cluster (a node's part in chain moves): platform admins */
    POL("Cluster", "Status", A, PL_SCOPE_PLATFORM),
    POL("Cluster", "FreezeChain", A, PL_SCOPE_PLATFORM),
    POL("Cluster", "UnfreezeChain", A, PL_SCOPE_PLATFORM),
    POL("Cluster", "ExportChain", A, PL_SCOPE_PLATFORM),
    POL("Cluster", "ImportChain", A, PL_SCOPE_PLATFORM),
    POL("Cluster", "DropChain", A, PL_SCOPE_PLATFORM),
    /* Dispatch: advisors and admins manage; the driver's app (technician
     * role) reports positions and moves its own dispatches; a fleet or
     * the customer's app (viewer) reads and watches a dispatch. */
    DSP("SetDispatchConfig", A),
    DSP("GetDispatchConfig", A | AD | T | V),
    DSP("UpsertFieldResource", A | AD),
    DSP("UpdatePosition", A | AD | T),
    DSP("GetFieldResource", A | AD | T | V),
    DSP("ListFieldResources", A | AD | T | V),
    DSP("Dispatch", A | AD),
    DSP("Accept", A | AD | T),
    DSP("Decline", A | AD | T),
    DSP("Arrive", A | AD | T),
    DSP("Complete", A | AD | T),
    DSP("Cancel", A | AD),
    DSP("Retry", A | AD),
    DSP("GetDispatch", A | AD | T | F | V),
    DSP("ListDispatches", A | AD | T | V),
    DSP("WatchDispatch", A | AD | T | F | V),
    /* Vehicles and reminders (DueReminders with hold books slots: A or AD,
     * as for Scheduling/Hold's staff) */
    DSP("RegisterVehicle", A | AD),
    DSP("RecordMileage", A | AD | T),
    DSP("RecordService", A | AD | T),
    DSP("GetVehicle", A | AD | T | V),
    {.path = "/pitlane.v1.Dispatch/DueReminders",
     .roles = A | AD | V,
     .scope = PL_SCOPE_CHAIN,
     .flag = "hold",
     .flag_roles = A | AD,
     .flag_refusal = "hold: holding slots needs the admin or advisor role"},
    /* Customers: advisors keep customers, follow-ups and complaints;
     * admins set the complaint policy and may run the escalation sweep */
    CUS("PutCustomer", A | AD),
    CUS("GetCustomer", A | AD | V),
    CUS("FindCustomer", A | AD | V),
    CUS("ListCustomers", A | AD | V),
    CUS("LinkVehicle", A | AD),
    CUS("UnlinkVehicle", A | AD),
    CUS("ListVehicleOwners", A | AD | V),
    CUS("ListCustomerVehicles", A | AD | V),
    CUS("GetServiceHistory", A | AD | T | V),
    CUS("GetFollowUp", A | AD | V),
    CUS("ListFollowUps", A | AD | V),
    CUS("RecordFollowUp", A | AD),
    CUS("OpenComplaint", A | AD),
    CUS("ActOnComplaint", A | AD),
    CUS("GetComplaint", A | AD | V),
    CUS("ListComplaints", A | AD | V),
    CUS("SetComplaintPolicy", A),
    CUS("GetComplaintPolicy", A | AD | V),
    CUS("SweepComplaints", A),
};

const pl_policy *pl_auth_policy(const char *path) {
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
    if (strcmp(policies[i].path, path) == 0)
      return &policies[i];
  return NULL;
}

const pl_policy *pl_auth_policies(int *n) {
  *n = (int)(sizeof policies / sizeof policies[0]);
  return policies;
}

int pl_principal_may_chain(const pl_principal *p, const char *chain) {
  if (p->tenant_kind == PL_TENANT_PLATFORM)
    return 1;
  for (int i = 0; i < p->n_chains; i++)
    if (strcmp(p->chains[i], chain) == 0)
      return 1;
  return 0;
}

/* ---- the key cache ----------------------------------------------------- */

#define BUCKETS 256 /* a power of two; chains grow past it gracefully */
#define MICRO 1000000LL

typedef struct key_entry {
  pl_principal p;
  int32_t rate, burst;
  pthread_mutex_t mu; /* the bucket */
  int64_t tokens;     /* millionths of a request */
  int64_t last_ns;
  struct key_entry *next;
} key_entry;

struct pl_auth {
  pl_engine *engine;
  pthread_rwlock_t lock; /* the table (entries never change once in) */
  key_entry *table[BUCKETS];
};

int pl_auth_new(pl_engine *e, pl_auth **out) {
  *out = NULL;
  pl_auth *a = calloc(1, sizeof *a);
  if (a == NULL)
    return PL_ENOMEM;
  a->engine = e;
  pthread_rwlock_init(&a->lock, NULL);
  *out = a;
  return 0;
}

void pl_auth_free(pl_auth *a) {
  if (a == NULL)
    return;
  for (int i = 0; i < BUCKETS; i++) {
    key_entry *k = a->table[i];
    while (k != NULL) {
      key_entry *next = k->next;
      pthread_mutex_destroy(&k->mu);
      free(k);
      k = next;
    }
  }
  pthread_rwlock_destroy(&a->lock);
  free(a);
}

static unsigned bucket_of(const char *key_id) {
  unsigned h = 2166136261u;
  for (const char *c = key_id; *c; c++)
    h = (h ^ (unsigned char)*c) * 16777619u;
  return h & (BUCKETS - 1);
}

static key_entry *lookup(const pl_auth *a, const char *key_id, unsigned b) {
  for (key_entry *k = a->table[b]; k != NULL; k = k->next)
    if (strcmp(k->p.key_id, key_id) == 0)
      return k;
  return NULL;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The cache entry of a verified key, built on first use. NULL on OOM or
 * if the key vanished (it cannot: keys are never deleted). */
static key_entry *entry_for(pl_auth *a, const char *key_id) {
  unsigned b = bucket_of(key_id);
  pthread_rwlock_rdlock(&a->lock);
  key_entry *k = lookup(a, key_id, b);
  pthread_rwlock_unlock(&a->lock);
  if (k != NULL)
    return k;
  pl_apikey_info info;
  if (pl_apikey_get(a->engine, key_id, &info, NULL) != 0)
    return NULL;
  key_entry *n = calloc(1, sizeof *n);
  if (n == NULL)
    return NULL;
  memcpy(n->p.key_id, info.key_id, sizeof n->p.key_id);
  n->p.tenant_kind = info.tenant_kind;
  memcpy(n->p.tenant, info.tenant, sizeof n->p.tenant);
  n->p.roles = info.roles;
  n->p.n_chains = info.n_chains;
  memcpy(n->p.chains, info.chains, sizeof n->p.chains);
  n->rate = info.rate_per_s;
  n->burst = info.burst > 0 ? info.burst : info.rate_per_s;
  n->tokens = (int64_t)n->burst * MICRO;
  n->last_ns = mono_ns();
  pthread_mutex_init(&n->mu, NULL);
  pthread_rwlock_wrlock(&a->lock);
  k = lookup(a, key_id, b); /* another worker may have been first */
  if (k == NULL) {
    n->next = a->table[b];
    a->table[b] = n;
    k = n;
    n = NULL;
  }
  pthread_rwlock_unlock(&a->lock);
  if (n != NULL) {
    pthread_mutex_destroy(&n->mu);
    free(n);
  }
  return k;
}

/* Takes one request from k's bucket; 1 if there was one. */
static int take_token(key_entry *k) {
  if (k->rate <= 0)
    return 1;
  pthread_mutex_lock(&k->mu);
  int64_t now = mono_ns();
  int64_t cap = (int64_t)k->burst * MICRO;
  int64_t dt = now - k->last_ns;
  k->last_ns = now;
  /* ns * (requests/s) / 1000 = millionths of a request; dt is capped at
   * the time a full refill takes, so the product cannot overflow. */
  int64_t full_ns = cap / k->rate * 1000 + 1000;
  if (dt > full_ns)
    dt = full_ns;
  if (dt > 0)
    k->tokens += dt * k->rate / 1000;
  if (k->tokens > cap)
    k->tokens = cap;
  int ok = k->tokens >= MICRO;
  if (ok)
    k->tokens -= MICRO;
  pthread_mutex_unlock(&k->mu);
  return ok;
}

grpc_status_code pl_auth_authenticate(pl_auth *a, const grpc_metadata_array *md,
                                      const pl_principal **out, char *detail,
                                      size_t cap) {
  *out = NULL;
  const grpc_slice *value = NULL;
  for (size_t i = 0; i < md->count; i++)
    if (grpc_slice_str_cmp(md->metadata[i].key, "authorization") == 0) {
      value = &md->metadata[i].value;
      break;
    }
  const char *v = value ? (const char *)GRPC_SLICE_START_PTR(*value) : NULL;
  size_t n = value ? GRPC_SLICE_LENGTH(*value) : 0;
  if (v == NULL || n <= 7 || strncasecmp(v, "Bearer ", 7) != 0) {
    snprintf(detail, cap, "authorization: missing bearer key");
    return GRPC_STATUS_UNAUTHENTICATED;
  }
  char key_id[PL_KEY_ID_MAX];
  if (pl_apikey_verify(a->engine, v + 7, n - 7, key_id, NULL) != 0) {
    snprintf(detail, cap, "authorization: unknown or revoked key");
    return GRPC_STATUS_UNAUTHENTICATED;
  }
  key_entry *k = entry_for(a, key_id);
  if (k == NULL) {
    snprintf(detail, cap, "authorization: out of memory");
    return GRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  if (!take_token(k)) {
    snprintf(detail, cap, "rate limit: key %s exceeds %d requests/s",
             k->p.key_id, (int)k->rate);
    return GRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  *out = &k->p;
  return GRPC_STATUS_OK;
}

/* ---- authorization ----------------------------------------------------- */

static const char *method_name(const char *path) {
  const char *svc = strrchr(path, '.'); /* "/pitlane.v1.Admin/GetStore" */
  return svc != NULL ? svc + 1 : path;
}

static void roles_text(uint32_t roles, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  for (int i = 0; i < PL_ROLE_COUNT; i++)
    if (roles & (1u << i))
      n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s",
                            n ? "," : "", pl_role_name(1u << i));
}

/* The string field `name` of m (not repeated), or NULL if it has none. */
static const char *string_field(const ProtobufCMessage *m, const char *name) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
  if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING ||
      f->label == PROTOBUF_C_LABEL_REPEATED)
    return NULL;
  if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
      *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
    return NULL;
  const char *v = *(char *const *)((const char *)m + f->offset);
  return v != NULL ? v : "";
}

/* 1 if m's bool field `name` (not repeated) is set; 0 if it is not or m
 * has no such field. */
static int bool_field(const ProtobufCMessage *m, const char *name) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
  if (f == NULL || f->type != PROTOBUF_C_TYPE_BOOL ||
      f->label == PROTOBUF_C_LABEL_REPEATED)
    return 0;
  return *(const protobuf_c_boolean *)((const char *)m + f->offset) != 0;
}

/* 1 if the message type d, or a message type one level down, has a
 * string field `chain`. */
static int declares_chain(const ProtobufCMessageDescriptor *d, int depth) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(d, "chain");
  if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING)
    return 1;
  for (unsigned i = 0; depth == 0 && i < d->n_fields; i++)
    if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE &&
        declares_chain(d->fields[i].descriptor, 1))
      return 1;
  return 0;
}

/* Calls fn(chain, arg) for every `chain` of m, then for those of its set
 * messages one level down, in field order. Stops at the first call that
 * returns non-zero and returns that value; 0 when every call did. */
typedef int (*chain_fn)(const char *chain, void *arg);
static int each_chain(const ProtobufCMessage *m, int depth, chain_fn fn,
                      void *arg) {
  const char *c = string_field(m, "chain");
  if (c != NULL) {
    int rc = fn(c, arg);
    if (rc != 0)
      return rc;
  }
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (unsigned i = 0; depth == 0 && i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
      continue;
    const char *at = (const char *)m + f->offset;
    size_t n = 1;
    ProtobufCMessage *const *subs = (ProtobufCMessage *const *)at;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      n = *(const size_t *)((const char *)m + f->quantifier_offset);
      subs = *(ProtobufCMessage *const *const *)at;
    }
    for (size_t j = 0; j < n; j++) {
      int rc = subs[j] != NULL ? each_chain(subs[j], depth + 1, fn, arg) : 0;
      if (rc != 0)
        return rc;
    }
  }
  return 0;
}

/* refused_chain's walk: the principal, the chains seen, the first refused. */
typedef struct refusal {
  const pl_principal *p;
  int seen;
  const char *refused;
} refusal;

static int check_chain(const char *chain, void *arg) {
  refusal *rf = arg;
  rf->seen++;
  if (pl_principal_may_chain(rf->p, chain))
    return 0;
  rf->refused = chain;
  return 1;
}

/* Checks every `chain` of m (and of its messages one level down) against
 * p. Returns NULL if all are allowed, else the first refused chain; counts
 * the chains seen in *seen. */
static const char *refused_chain(const pl_principal *p,
                                 const ProtobufCMessage *m, int *seen) {
  refusal rf = {p, 0, NULL};
  each_chain(m, 0, check_chain, &rf);
  *seen = rf.seen;
  return rf.refused;
}

grpc_status_code pl_auth_authorize(const pl_principal *p, const pl_policy *pol,
                                   const char *path,
                                   const ProtobufCMessage *req, char *detail,
                                   size_t cap) {
  int platform = p->tenant_kind == PL_TENANT_PLATFORM;
  if (pol == NULL) {
    if (platform && (p->roles & PL_ROLE_ADMIN))
      return GRPC_STATUS_OK;
    snprintf(detail, cap,
             "permission: %s has no policy; only a platform admin may call it",
             method_name(path));
    return GRPC_STATUS_PERMISSION_DENIED;
  }
  if (pol->scope == PL_SCOPE_PUBLIC)
    return GRPC_STATUS_OK;
  if ((p->roles & pol->roles) == 0) {
    char roles[128];
    roles_text(p->roles, roles, sizeof roles);
    snprintf(detail, cap, "permission: key %s (roles %s) may not call %s",
             p->key_id, roles, method_name(path));
    return GRPC_STATUS_PERMISSION_DENIED;
  }
  const char *refused = NULL;
  switch (pol->scope) {
  case PL_SCOPE_CODE: {
    const char *c = string_field(req, "code");
    if (c == NULL || !pl_principal_may_chain(p, c))
      refused = c != NULL ? c : "";
    break;
  }
  case PL_SCOPE_CHAIN: {
    int seen = 0;
    refused = refused_chain(p, req, &seen);
    if (refused == NULL && seen == 0 && !platform) {
      /* A chain-scoped request whose chain is absent (its message left
       * out) acts on no chain this key has; one whose type names no chain
       * at all is for platform keys only. */
      if (declares_chain(req->descriptor, 0))
        refused = "";
      else
        goto platform_only;
    }
    break;
  }
  case PL_SCOPE_PLATFORM:
    if (!platform)
      goto platform_only;
    break;
  default: /* PL_SCOPE_HANDLER: the handler filters */
    break;
  }
  if (refused != NULL) {
    snprintf(detail, cap, "chain: this key may not act on chain '%.40s'",
             refused);
    return GRPC_STATUS_PERMISSION_DENIED;
  }
  if (pol->flag != NULL && (p->roles & pol->flag_roles) == 0 &&
      bool_field(req, pol->flag)) {
    snprintf(detail, cap, "%s", pol->flag_refusal);
    return GRPC_STATUS_PERMISSION_DENIED;
  }
  return GRPC_STATUS_OK;
platform_only:
  snprintf(detail, cap, "permission: %s needs a platform key",
           method_name(path));
  return GRPC_STATUS_PERMISSION_DENIED;
}

/* collect_chain's output: room for cap chains, and how many were found. */
typedef struct chain_list {
  const char **out;
  int cap, n;
} chain_list;

/* Adds one chain to the chain_list arg (counting those past its room). */
static int collect_chain(const char *chain, void *arg) {
  chain_list *cl = arg;
  if (cl->n < cl->cap)
    cl->out[cl->n] = chain;
  cl->n++;
  return 0;
}

int pl_auth_request_chains(const pl_policy *pol, const ProtobufCMessage *req,
                           const char **out, int cap) {
  int n = 0;
  if (pol != NULL && pol->scope == PL_SCOPE_CHAIN) {
    chain_list cl = {out, cap, 0};
    each_chain(req, 0, collect_chain, &cl);
    n = cl.n;
  } else if (pol != NULL && pol->scope == PL_SCOPE_CODE) {
    const char *c = string_field(req, "code");
    if (c != NULL && cap > 0)
      out[n++] = c;
  } else { /* CreateChain: the new chain's code */
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(req->descriptor,
                                                        "chain");
    if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
        f->label != PROTOBUF_C_LABEL_REPEATED) {
      const ProtobufCMessage *sub =
          *(ProtobufCMessage *const *)((const char *)req + f->offset);
      const char *c = sub != NULL ? string_field(sub, "code") : NULL;
      if (c != NULL && cap > 0)
        out[n++] = c;
    }
  }
  return n;
}
