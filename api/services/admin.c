/* admin.c — pitlane.v1.Admin: protobuf <-> engine for the chain's
 * structure, API keys, calendars and the service catalogue, and the KPI
 * reports. No rule lives here: the engine validates; this file copies
 * fields (failing with the field's name when one cannot fit) and maps
 * results. Reply messages point into engine output structs on the stack,
 * which outlive the packing in pl_rpc_reply. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/admin.h"
#include "pitlane/apikeys.h"
#include "pitlane/kpi.h"
#include "pitlane/scheduling.h"
#include "pitlane/v1/admin.pb-c.h"
#include "server/list_buf.h"
#include "server/methods.h"

static const char *idem_or_null(const char *k) {
  return k != NULL && k[0] != '\0' ? k : NULL;
}

/* ---- engine struct -> message ------------------------------------------ */

static void chain_msg(Pitlane__V1__Chain *m, pl_chain_info *c) {
  pitlane__v1__chain__init(m);
  m->code = c->code;
  m->name = c->name;
  m->created_ms = c->created_ms;
  m->sandbox = c->sandbox;
  m->clock_offset_ms = c->clock_offset_ms;
}

static void store_msg(Pitlane__V1__Store *m, pl_store_info *s) {
  pitlane__v1__store__init(m);
  m->chain = s->chain;
  m->code = s->code;
  m->name = s->name;
  m->utc_offset_min = s->utc_offset_min;
  m->lat_e6 = s->lat_e6;
  m->lng_e6 = s->lng_e6;
  m->created_ms = s->created_ms;
}

static void warehouse_msg(Pitlane__V1__Warehouse *m, pl_warehouse_info *w) {
  pitlane__v1__warehouse__init(m);
  m->chain = w->chain;
  m->code = w->code;
  m->store = w->store;
  m->name = w->name;
}

static void bay_msg(Pitlane__V1__Bay *m, pl_bay_info *b) {
  pitlane__v1__bay__init(m);
  m->chain = b->chain;
  m->store = b->store;
  m->code = b->code;
  m->type = (Pitlane__V1__BayType)b->type;
}

/* sk/skp: caller storage for the skills (PL_MAX_SKILLS each). */
static void tech_msg(Pitlane__V1__Technician *m, pl_technician_info *t,
                     Pitlane__V1__SkillLevel *sk,
                     Pitlane__V1__SkillLevel **skp) {
  pitlane__v1__technician__init(m);
  m->chain = t->chain;
  m->store = t->store;
  m->code = t->code;
  m->name = t->name;
  for (int i = 0; i < t->n_skills; i++) {
    pitlane__v1__skill_level__init(&sk[i]);
    sk[i].skill = (Pitlane__V1__Skill)t->skills[i].skill;
    sk[i].level = t->skills[i].level;
    skp[i] = &sk[i];
  }
  m->n_skills = (size_t)t->n_skills;
  m->skills = skp;
}

static void part_msg(Pitlane__V1__Part *m, pl_part_info *p) {
  pitlane__v1__part__init(m);
  m->chain = p->chain;
  m->part_no = p->part_no;
  m->name = p->name;
  m->spec = p->spec;
  m->oem = p->oem;
  m->unit = p->unit;
  m->purchase_fen = p->purchase_fen;
  m->sale_fen = p->sale_fen;
}

/* ---- chains -------------------------------------------------------------- */

static void create_chain(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateChainRequest *q = (const void *)msg;
  if (q->chain == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "chain: required");
    return;
  }
  pl_chain_info in = {0}, out;
  if (!COPY(r, in.code, q->chain->code, "chain.code") ||
      !COPY(r, in.name, q->chain->name, "chain.name"))
    return;
  in.sandbox = q->chain->sandbox;
  pl_error err;
  int rc =
      pl_chain_create(pl_rpc_engine(r), &in, idem_or_null(q->idempotency_key),
                      pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Chain m;
  chain_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static void get_chain(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetChainRequest *q = (const void *)msg;
  pl_chain_info c;
  pl_error err;
  int rc = pl_chain_get(pl_rpc_engine(r), q->code, &c, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Chain cm;
  chain_msg(&cm, &c);
  Pitlane__V1__ChainSummary m;
  pitlane__v1__chain_summary__init(&m);
  m.chain = &cm;
  m.stores = c.stores;
  m.warehouses = c.warehouses;
  m.bays = c.bays;
  m.technicians = c.technicians;
  m.parts = c.parts;
  pl_rpc_reply(r, &m.base);
}

/* PL_ENOTFOUND for a key the caller may not see, worded like an unknown
 * one. */
static int not_found_key(pl_error *err, const char *key_id) {
  err->code = PL_ENOTFOUND;
  snprintf(err->msg, sizeof err->msg, "key_id: no key '%.20s'", key_id);
  return PL_ENOTFOUND;
}

static void list_chains(pl_rpc *r, const ProtobufCMessage *msg) {
  pl_engine *e = pl_rpc_engine(r);
  int n = pl_chain_list(e, NULL, 0);
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, n, sizeof(pl_chain_info),
                    sizeof(Pitlane__V1__Chain)) != 0)
    return;
  pl_chain_info *info = lb.recs;
  Pitlane__V1__Chain *ms = lb.msgs;
  Pitlane__V1__Chain **mp = (Pitlane__V1__Chain **)lb.ptrs;
  int got = pl_chain_list(e, info, n);
  n = got < n ? got : n;
  /* A key that is not the platform's sees only its own chains. */
  const pl_principal *p = pl_rpc_principal(r);
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (p != NULL && !pl_principal_may_chain(p, info[i].code))
      continue;
    if (!pl_rpc_owns_chain(r, info[i].code)) /* a cluster: this node's */
      continue;
    chain_msg(&ms[k], &info[i]);
    mp[k] = &ms[k];
    k++;
  }
  pl_list_reply(r, &pitlane__v1__list_chains_response__descriptor, k, &lb);
}

/* ---- stores -------------------------------------------------------------- */

static void create_store(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateStoreRequest *q = (const void *)msg;
  const Pitlane__V1__Store *s = q->store;
  if (s == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "store: required");
    return;
  }
  pl_store_info in = {0}, out;
  if (!COPY(r, in.chain, s->chain, "store.chain") ||
      !COPY(r, in.code, s->code, "store.code") ||
      !COPY(r, in.name, s->name, "store.name"))
    return;
  in.utc_offset_min = s->utc_offset_min;
  in.lat_e6 = s->lat_e6;
  in.lng_e6 = s->lng_e6;
  pl_error err;
  int rc =
      pl_store_create(pl_rpc_engine(r), &in, idem_or_null(q->idempotency_key),
                      pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Store m;
  store_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static void get_store(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetStoreRequest *q = (const void *)msg;
  pl_store_info s;
  pl_error err;
  int rc = pl_store_get(pl_rpc_engine(r), q->chain, q->code, &s, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Store m;
  store_msg(&m, &s);
  pl_rpc_reply(r, &m.base);
}

static int stores_fill(pl_engine *e, const void *q, void *recs, int cap,
                       pl_error *err) {
  const Pitlane__V1__ListStoresRequest *rq = q;
  return pl_store_list(e, rq->chain, recs, cap, err);
}

static void stores_item(void *m, void *rec) {
  store_msg(m, rec);
}

static void list_stores(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      stores_fill, stores_item, sizeof(pl_store_info),
      sizeof(Pitlane__V1__Store),
      &pitlane__v1__list_stores_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

/* ---- warehouses ---------------------------------------------------------- */

static void create_warehouse(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateWarehouseRequest *q = (const void *)msg;
  const Pitlane__V1__Warehouse *w = q->warehouse;
  if (w == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "warehouse: required");
    return;
  }
  pl_warehouse_info in = {0}, out;
  if (!COPY(r, in.chain, w->chain, "warehouse.chain") ||
      !COPY(r, in.code, w->code, "warehouse.code") ||
      !COPY(r, in.store, w->store, "warehouse.store") ||
      !COPY(r, in.name, w->name, "warehouse.name"))
    return;
  pl_error err;
  int rc = pl_warehouse_create(pl_rpc_engine(r), &in,
                               idem_or_null(q->idempotency_key),
                               pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Warehouse m;
  warehouse_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static int warehouses_fill(pl_engine *e, const void *q, void *recs, int cap,
                           pl_error *err) {
  const Pitlane__V1__ListWarehousesRequest *rq = q;
  return pl_warehouse_list(e, rq->chain, recs, cap, err);
}

static void warehouses_item(void *m, void *rec) {
  warehouse_msg(m, rec);
}

static void list_warehouses(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      warehouses_fill, warehouses_item, sizeof(pl_warehouse_info),
      sizeof(Pitlane__V1__Warehouse),
      &pitlane__v1__list_warehouses_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

/* ---- bays and technicians ------------------------------------------------ */

static void create_bay(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateBayRequest *q = (const void *)msg;
  const Pitlane__V1__Bay *b = q->bay;
  if (b == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "bay: required");
    return;
  }
  pl_bay_info in = {0}, out;
  if (!COPY(r, in.chain, b->chain, "bay.chain") ||
      !COPY(r, in.store, b->store, "bay.store") ||
      !COPY(r, in.code, b->code, "bay.code"))
    return;
  in.type = (pl_bay_type)b->type;
  pl_error err;
  int rc =
      pl_bay_create(pl_rpc_engine(r), &in, idem_or_null(q->idempotency_key),
                    pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Bay m;
  bay_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static void create_technician(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateTechnicianRequest *q = (const void *)msg;
  const Pitlane__V1__Technician *t = q->technician;
  if (t == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "technician: required");
    return;
  }
  pl_technician_info in = {0}, out;
  if (!COPY(r, in.chain, t->chain, "technician.chain") ||
      !COPY(r, in.store, t->store, "technician.store") ||
      !COPY(r, in.code, t->code, "technician.code") ||
      !COPY(r, in.name, t->name, "technician.name"))
    return;
  if (t->n_skills > PL_MAX_SKILLS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "technician.skills: at most %d", PL_MAX_SKILLS);
    return;
  }
  in.n_skills = (int32_t)t->n_skills;
  for (size_t i = 0; i < t->n_skills; i++) {
    in.skills[i].skill = (pl_skill)t->skills[i]->skill;
    in.skills[i].level = t->skills[i]->level;
  }
  pl_error err;
  int rc = pl_technician_create(pl_rpc_engine(r), &in,
                                idem_or_null(q->idempotency_key),
                                pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Technician m;
  Pitlane__V1__SkillLevel sk[PL_MAX_SKILLS];
  Pitlane__V1__SkillLevel *skp[PL_MAX_SKILLS];
  tech_msg(&m, &out, sk, skp);
  pl_rpc_reply(r, &m.base);
}

/* One listed technician's message and the skills it points into. */
typedef struct tech_holder {
  Pitlane__V1__Technician m;
  Pitlane__V1__SkillLevel sk[PL_MAX_SKILLS];
  Pitlane__V1__SkillLevel *skp[PL_MAX_SKILLS];
} tech_holder;

static void list_resources(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListResourcesRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int nb = pl_bay_list(e, q->chain, q->store, NULL, 0, &err);
  if (nb < 0) {
    pl_rpc_engine_fail(r, nb, &err);
    return;
  }
  int nt = pl_technician_list(e, q->chain, q->store, NULL, 0, &err);
  if (nt < 0) {
    pl_rpc_engine_fail(r, nt, &err);
    return;
  }
  pl_list_buf bays, techs;
  if (pl_list_alloc(r, &bays, nb, sizeof(pl_bay_info),
                    sizeof(Pitlane__V1__Bay)) != 0)
    return;
  if (pl_list_alloc(r, &techs, nt, sizeof(pl_technician_info),
                    sizeof(tech_holder)) != 0) {
    pl_list_free(&bays);
    return;
  }
  pl_bay_info *bi = bays.recs;
  Pitlane__V1__Bay *bm = bays.msgs;
  pl_technician_info *ti = techs.recs;
  tech_holder *tm = techs.msgs;
  /* Counts only grow; the arrays hold what was asked for first. */
  int got = pl_bay_list(e, q->chain, q->store, bi, nb, &err);
  nb = got < nb ? got : nb;
  got = pl_technician_list(e, q->chain, q->store, ti, nt, &err);
  nt = got < nt ? got : nt;
  Pitlane__V1__ListResourcesResponse m;
  pitlane__v1__list_resources_response__init(&m);
  m.n_bays = 0;
  for (int i = 0; i < nb; i++) {
    bay_msg(&bm[i], &bi[i]);
    bays.ptrs[i] = &bm[i];
    m.n_bays++;
  }
  m.bays = (Pitlane__V1__Bay **)bays.ptrs;
  m.n_technicians = 0;
  for (int i = 0; i < nt; i++) {
    tech_msg(&tm[i].m, &ti[i], tm[i].sk, tm[i].skp);
    techs.ptrs[i] = &tm[i].m;
    m.n_technicians++;
  }
  m.technicians = (Pitlane__V1__Technician **)techs.ptrs;
  pl_rpc_reply(r, &m.base);
  pl_list_free(&bays);
  pl_list_free(&techs);
}

/* ---- parts --------------------------------------------------------------- */

static void create_part(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreatePartRequest *q = (const void *)msg;
  const Pitlane__V1__Part *p = q->part;
  if (p == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "part: required");
    return;
  }
  pl_part_info in = {0}, out;
  if (!COPY(r, in.chain, p->chain, "part.chain") ||
      !COPY(r, in.part_no, p->part_no, "part.part_no") ||
      !COPY(r, in.name, p->name, "part.name") ||
      !COPY(r, in.spec, p->spec, "part.spec") ||
      !COPY(r, in.unit, p->unit, "part.unit"))
    return;
  in.oem = p->oem;
  in.purchase_fen = p->purchase_fen;
  in.sale_fen = p->sale_fen;
  pl_error err;
  int rc =
      pl_part_create(pl_rpc_engine(r), &in, idem_or_null(q->idempotency_key),
                     pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Part m;
  part_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static void get_part(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetPartRequest *q = (const void *)msg;
  pl_part_info p;
  pl_error err;
  int rc = pl_part_get(pl_rpc_engine(r), q->chain, q->part_no, &p, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Part m;
  part_msg(&m, &p);
  pl_rpc_reply(r, &m.base);
}

/* ---- API keys ------------------------------------------------------------
 * Policy (auth.c): admins only. A platform admin manages every key; any
 * other admin only keys of tenant kind CHAIN for its own chain. Keys it may
 * not manage are NOT_FOUND to it, so it learns nothing of them. */

static int may_manage(const pl_principal *p, const pl_apikey_info *k) {
  if (p == NULL || p->tenant_kind == PL_TENANT_PLATFORM)
    return 1;
  return p->tenant_kind == PL_TENANT_CHAIN &&
         k->tenant_kind == PL_TENANT_CHAIN && strcmp(k->tenant, p->tenant) == 0;
}

/* rl/rp: caller storage for PL_ROLE_COUNT roles; cp: for the chains. */
static void key_msg(Pitlane__V1__ApiKey *m, pl_apikey_info *k,
                    Pitlane__V1__Role *rl, char **cp) {
  pitlane__v1__api_key__init(m);
  m->key_id = k->key_id;
  m->tenant_kind = (Pitlane__V1__TenantKind)k->tenant_kind;
  m->tenant = k->tenant;
  for (int i = 0; i < k->n_chains; i++)
    cp[i] = k->chains[i];
  m->n_chains = (size_t)k->n_chains;
  m->chains = cp;
  size_t n = 0;
  for (int i = 0; i < PL_ROLE_COUNT; i++)
    if (k->roles & (1u << i))
      rl[n++] = (Pitlane__V1__Role)(i + 1); /* ROLE_ADMIN = 1 = bit 0 */
  m->n_roles = n;
  m->roles = rl;
  m->rate_per_s = k->rate_per_s;
  m->burst = k->burst;
  m->created_ms = k->created_ms;
  m->revoked = k->revoked;
  m->label = k->label;
}

static void create_api_key(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateApiKeyRequest *q = (const void *)msg;
  const Pitlane__V1__ApiKey *k = q->key;
  if (k == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "key: required");
    return;
  }
  pl_apikey_info in = {0}, out;
  in.tenant_kind = (pl_tenant_kind)k->tenant_kind;
  if (!COPY(r, in.tenant, k->tenant, "key.tenant") ||
      !COPY(r, in.label, k->label, "key.label"))
    return;
  if (k->n_chains > PL_KEY_MAX_CHAINS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "key.chains: at most %d",
                PL_KEY_MAX_CHAINS);
    return;
  }
  in.n_chains = (int32_t)k->n_chains;
  for (size_t i = 0; i < k->n_chains; i++)
    if (!COPY(r, in.chains[i], k->chains[i], "key.chains"))
      return;
  for (size_t i = 0; i < k->n_roles; i++) {
    if (k->roles[i] < 1 || k->roles[i] > PL_ROLE_COUNT) {
      pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "key.roles: unknown role %d",
                  (int)k->roles[i]);
      return;
    }
    in.roles |= 1u << (k->roles[i] - 1);
  }
  in.rate_per_s = k->rate_per_s;
  in.burst = k->burst;
  if (!may_manage(pl_rpc_principal(r), &in)) {
    pl_rpc_fail(r, GRPC_STATUS_PERMISSION_DENIED,
                "key: this key may create keys of its own chain only");
    return;
  }
  char token[PL_KEY_TOKEN_MAX];
  pl_error err;
  int rc = pl_apikey_create(pl_rpc_engine(r), &in, pl_rpc_write(r), &out, token,
                            sizeof token, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__ApiKey km;
  Pitlane__V1__Role rl[PL_ROLE_COUNT];
  char *cp[PL_KEY_MAX_CHAINS];
  key_msg(&km, &out, rl, cp);
  Pitlane__V1__CreateApiKeyResponse m;
  pitlane__v1__create_api_key_response__init(&m);
  m.key = &km;
  m.token = token;
  pl_rpc_reply(r, &m.base);
  OPENSSL_cleanse(token, sizeof token);
}

static void revoke_api_key(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RevokeApiKeyRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_apikey_info k;
  pl_error err;
  int rc = pl_apikey_get(e, q->key_id, &k, &err);
  if (rc == 0 && !may_manage(pl_rpc_principal(r), &k))
    rc = not_found_key(&err, q->key_id);
  if (rc == 0)
    rc = pl_apikey_revoke(e, q->key_id, pl_rpc_write(r), &k, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__ApiKey m;
  Pitlane__V1__Role rl[PL_ROLE_COUNT];
  char *cp[PL_KEY_MAX_CHAINS];
  key_msg(&m, &k, rl, cp);
  pl_rpc_reply(r, &m.base);
}

/* One listed key's message and the arrays it points into. */
typedef struct key_holder {
  Pitlane__V1__ApiKey m;
  Pitlane__V1__Role roles[PL_ROLE_COUNT];
  char *chains[PL_KEY_MAX_CHAINS];
} key_holder;

static void list_api_keys(pl_rpc *r, const ProtobufCMessage *msg) {
  (void)msg;
  pl_engine *e = pl_rpc_engine(r);
  const pl_principal *p = pl_rpc_principal(r);
  int n = pl_apikey_list(e, NULL, 0);
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, n, sizeof(pl_apikey_info), sizeof(key_holder)) != 0)
    return;
  pl_apikey_info *info = lb.recs;
  key_holder *ms = lb.msgs;
  int got = pl_apikey_list(e, info, n);
  n = got < n ? got : n;
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (!may_manage(p, &info[i]))
      continue;
    key_msg(&ms[k].m, &info[i], ms[k].roles, ms[k].chains);
    lb.ptrs[k] = &ms[k].m;
    k++;
  }
  pl_list_reply(r, &pitlane__v1__list_api_keys_response__descriptor, k, &lb);
}

#define ADMIN(name, req, fn) PL_METHOD("Admin", name, req, fn)

const pl_method pl_admin_methods[] = {
    ADMIN("CreateChain", create_chain_request, create_chain),
    ADMIN("GetChain", get_chain_request, get_chain),
    ADMIN("ListChains", list_chains_request, list_chains),
    ADMIN("CreateStore", create_store_request, create_store),
    ADMIN("GetStore", get_store_request, get_store),
    ADMIN("ListStores", list_stores_request, list_stores),
    ADMIN("CreateWarehouse", create_warehouse_request, create_warehouse),
    ADMIN("ListWarehouses", list_warehouses_request, list_warehouses),
    ADMIN("CreateBay", create_bay_request, create_bay),
    ADMIN("CreateTechnician", create_technician_request, create_technician),
    ADMIN("ListResources", list_resources_request, list_resources),
    ADMIN("CreatePart", create_part_request, create_part),
    ADMIN("GetPart", get_part_request, get_part),
};
const int pl_admin_n_methods = PL_N_METHODS(pl_admin_methods);

/* A table of its own, last in methods.c, so that the fuzzer's method
 * numbering (and its seed corpus) of the older methods stays as it was. */
const pl_method pl_apikey_methods[] = {
    ADMIN("CreateApiKey", create_api_key_request, create_api_key),
    ADMIN("RevokeApiKey", revoke_api_key_request, revoke_api_key),
    ADMIN("ListApiKeys", list_api_keys_request, list_api_keys),
};
const int pl_apikey_n_methods = PL_N_METHODS(pl_apikey_methods);

/* ==== calendars and the service catalogue ================================ */
/* The Admin RPCs that configure calendars: store hours, technician and bay
 * schedules, the service catalogue. protobuf <-> engine only; the engine
 * validates. */

static void fail(pl_rpc *r, const char *msg) {
  pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s", msg);
}

static pl_local_range local_in(const Pitlane__V1__LocalRange *m) {
  pl_local_range l = {0, 0};
  if (m != NULL)
    l = (pl_local_range){m->start_min, m->end_min};
  return l;
}

static void local_out(Pitlane__V1__LocalRange *m, pl_local_range l) {
  pitlane__v1__local_range__init(m);
  m->start_min = l.start;
  m->end_min = l.end;
}

/* ---- store hours -------------------------------------------------------- */

static void hours_reply(pl_rpc *r, pl_store_hours *h) {
  Pitlane__V1__StoreHours m;
  Pitlane__V1__LocalRange wk[7], *wkp[7];
  pitlane__v1__store_hours__init(&m);
  m.chain = h->chain;
  m.store = h->store;
  for (int d = 0; d < 7; d++) {
    local_out(&wk[d], h->week[d]);
    wkp[d] = &wk[d];
  }
  m.n_week = 7;
  m.week = wkp;
  m.n_closures = (size_t)h->n_closures;
  m.closures = h->closures;
  m.horizon_days = h->horizon_days;
  pl_rpc_reply(r, &m.base);
}

static void set_store_hours(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetStoreHoursRequest *q = (const void *)msg;
  const Pitlane__V1__StoreHours *h = q->hours;
  if (h == NULL) {
    fail(r, "hours: required");
    return;
  }
  pl_store_hours in = {0};
  if (!COPY(r, in.chain, h->chain, "hours.chain") ||
      !COPY(r, in.store, h->store, "hours.store"))
    return;
  if (h->n_week != 7) {
    fail(r, "hours.week: 7 entries, Monday first");
    return;
  }
  for (int d = 0; d < 7; d++)
    in.week[d] = local_in(h->week[d]);
  if (h->n_closures > PL_MAX_CLOSURES) {
    fail(r, "hours.closures: too many");
    return;
  }
  in.n_closures = (int32_t)h->n_closures;
  for (size_t i = 0; i < h->n_closures; i++)
    in.closures[i] = h->closures[i];
  in.horizon_days = h->horizon_days ? h->horizon_days : 14;
  pl_error err;
  int rc = pl_store_hours_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  hours_reply(r, &in);
}

static void get_store_hours(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetStoreHoursRequest *q = (const void *)msg;
  pl_store_hours h;
  pl_error err;
  int rc = pl_store_hours_get(pl_rpc_engine(r), q->chain, q->store, &h, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  hours_reply(r, &h);
}

/* ---- schedules ---------------------------------------------------------- */

static int utc_ranges_in(pl_rpc *r, Pitlane__V1__UtcRange **in, size_t n,
                         pl_utc_range *out, int32_t *n_out, const char *field) {
  if (n > PL_MAX_PERIODS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: at most %d", field,
                PL_MAX_PERIODS);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = (pl_utc_range){in[i]->start_min, in[i]->end_min};
  *n_out = (int32_t)n;
  return 0;
}

static void set_technician_schedule(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetTechnicianScheduleRequest *q = (const void *)msg;
  const Pitlane__V1__TechnicianSchedule *s = q->schedule;
  if (s == NULL) {
    fail(r, "schedule: required");
    return;
  }
  pl_technician_schedule in = {0};
  if (!COPY(r, in.chain, s->chain, "schedule.chain") ||
      !COPY(r, in.store, s->store, "schedule.store") ||
      !COPY(r, in.technician, s->technician, "schedule.technician"))
    return;
  if (s->n_week != 7) {
    fail(r, "schedule.week: 7 entries, Monday first");
    return;
  }
  for (int d = 0; d < 7; d++) {
    const Pitlane__V1__Shift *sh = s->week[d];
    in.week[d].work = local_in(sh->work);
    if (sh->n_breaks > PL_MAX_BREAKS) {
      fail(r, "schedule.week.breaks: too many");
      return;
    }
    in.week[d].n_breaks = (int32_t)sh->n_breaks;
    for (size_t i = 0; i < sh->n_breaks; i++)
      in.week[d].breaks[i] = local_in(sh->breaks[i]);
  }
  if (utc_ranges_in(r, s->leave, s->n_leave, in.leave, &in.n_leave,
                    "schedule.leave") != 0)
    return;
  pl_error err;
  int rc =
      pl_technician_schedule_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  pl_rpc_reply(r, &s->base); /* as stored: the request echoed */
}

static void set_bay_schedule(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetBayScheduleRequest *q = (const void *)msg;
  const Pitlane__V1__BaySchedule *s = q->schedule;
  if (s == NULL) {
    fail(r, "schedule: required");
    return;
  }
  pl_bay_schedule in = {0};
  if (!COPY(r, in.chain, s->chain, "schedule.chain") ||
      !COPY(r, in.store, s->store, "schedule.store") ||
      !COPY(r, in.bay, s->bay, "schedule.bay"))
    return;
  if (utc_ranges_in(r, s->out_of_service, s->n_out_of_service,
                    in.out_of_service, &in.n_out_of_service,
                    "schedule.out_of_service") != 0)
    return;
  pl_error err;
  int rc = pl_bay_schedule_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  pl_rpc_reply(r, &s->base);
}

/* ---- services ----------------------------------------------------------- */

static void service_msg(Pitlane__V1__Service *m, pl_service_info *s) {
  pitlane__v1__service__init(m);
  m->chain = s->chain;
  m->code = s->code;
  m->name = s->name;
  m->bay_type = (Pitlane__V1__BayType)s->bay_type;
  m->skill = (Pitlane__V1__Skill)s->skill;
  m->min_level = s->min_level;
  m->duration_min = s->duration_min;
  m->technicians = s->technicians;
}

static void create_service(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateServiceRequest *q = (const void *)msg;
  const Pitlane__V1__Service *s = q->service;
  if (s == NULL) {
    fail(r, "service: required");
    return;
  }
  pl_service_info in = {0}, out;
  if (!COPY(r, in.chain, s->chain, "service.chain") ||
      !COPY(r, in.code, s->code, "service.code") ||
      !COPY(r, in.name, s->name, "service.name"))
    return;
  in.bay_type = (pl_bay_type)s->bay_type;
  in.skill = (pl_skill)s->skill;
  in.min_level = s->min_level;
  in.duration_min = s->duration_min;
  in.technicians = s->technicians;
  pl_error err;
  const char *idem = q->idempotency_key[0] ? q->idempotency_key : NULL;
  int rc = pl_service_create(pl_rpc_engine(r), &in, idem, pl_rpc_write(r), &out,
                             &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Service m;
  service_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static int services_fill(pl_engine *e, const void *q, void *recs, int cap,
                         pl_error *err) {
  const Pitlane__V1__ListServicesRequest *rq = q;
  return pl_service_list(e, rq->chain, recs, cap, err);
}

static void services_item(void *m, void *rec) {
  service_msg(m, rec);
}

static void list_services(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      services_fill, services_item, sizeof(pl_service_info),
      sizeof(Pitlane__V1__Service),
      &pitlane__v1__list_services_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

const pl_method pl_calendar_methods[] = {
    ADMIN("SetStoreHours", set_store_hours_request, set_store_hours),
    ADMIN("GetStoreHours", get_store_hours_request, get_store_hours),
    ADMIN("SetTechnicianSchedule", set_technician_schedule_request,
          set_technician_schedule),
    ADMIN("SetBaySchedule", set_bay_schedule_request, set_bay_schedule),
    ADMIN("CreateService", create_service_request, create_service),
    ADMIN("ListServices", list_services_request, list_services),
};
const int pl_calendar_n_methods = PL_N_METHODS(pl_calendar_methods);

/* ==== KPI reports ======================================================== */
/* Admin.GetKpiReport: the KPI reports (pitlane/kpi.h) over
 * gRPC. protobuf <-> engine only; the engine validates the query (from_day
 * after to_day, more than 366 days, an unknown granularity, a technician
 * without its store: INVALID_ARGUMENT naming the field; an unknown chain,
 * store or technician: NOT_FOUND). */

/* The reply's messages, sized for one report (freed after the reply). */
typedef struct kpi_msgs {
  Pitlane__V1__Kpi kpis[PL_KPI_COUNT], *kpip[PL_KPI_COUNT];
  Pitlane__V1__KpiPoint points[PL_KPI_COUNT][PL_KPI_POINTS_MAX];
  Pitlane__V1__KpiPoint *pointp[PL_KPI_COUNT][PL_KPI_POINTS_MAX];
  Pitlane__V1__KpiService svc[PL_KPI_SERVICES_MAX], *svcp[PL_KPI_SERVICES_MAX];
} kpi_msgs;

static void report_reply(pl_rpc *r, pl_kpi_report *rep, kpi_msgs *m) {
  Pitlane__V1__KpiReport out;
  pitlane__v1__kpi_report__init(&out);
  out.from_day = rep->from_day;
  out.to_day = rep->to_day;
  out.granularity = (Pitlane__V1__KpiGranularity)rep->granularity;
  for (int k = 0; k < PL_KPI_COUNT; k++) {
    const pl_kpi *src = &rep->kpis[k];
    Pitlane__V1__Kpi *d = &m->kpis[k];
    pitlane__v1__kpi__init(d);
    d->id = (int32_t)src->id;
    d->name = rep->kpis[k].name;
    d->numerator = src->numerator;
    d->denominator = src->denominator;
    d->value = src->value;
    d->has_target = src->has_target != 0;
    d->higher_is_better = src->higher_is_better != 0;
    d->target = src->target;
    d->met = src->met != 0;
    for (int32_t p = 0; p < src->n_points; p++) {
      Pitlane__V1__KpiPoint *pt = &m->points[k][p];
      pitlane__v1__kpi_point__init(pt);
      pt->day = src->points[p].day;
      pt->numerator = src->points[p].numerator;
      pt->denominator = src->points[p].denominator;
      pt->value = src->points[p].value;
      m->pointp[k][p] = pt;
    }
    d->n_points = (size_t)src->n_points;
    d->points = m->pointp[k];
    m->kpip[k] = d;
  }
  out.n_kpis = PL_KPI_COUNT;
  out.kpis = m->kpip;
  for (int32_t i = 0; i < rep->n_services; i++) {
    Pitlane__V1__KpiService *s = &m->svc[i];
    pitlane__v1__kpi_service__init(s);
    s->service = rep->services[i].service;
    s->orders = rep->services[i].orders;
    s->minutes = rep->services[i].minutes;
    m->svcp[i] = s;
  }
  out.n_services = (size_t)rep->n_services;
  out.services = m->svcp;
  pl_rpc_reply(r, &out.base);
}

static void get_kpi_report(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__KpiReportRequest *q = (const void *)msg;
  pl_kpi_query in = {.chain = q->chain,
                     .store = q->store,
                     .advisor = q->advisor,
                     .technician = q->technician,
                     .from_day = q->from_day,
                     .to_day = q->to_day,
                     .granularity = (pl_kpi_granularity)q->granularity};
  pl_kpi_report *rep = malloc(sizeof *rep);
  kpi_msgs *m = malloc(sizeof *m);
  if (rep == NULL || m == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "report: out of memory");
  } else {
    pl_error err;
    int rc = pl_kpi_report_get(pl_rpc_engine(r), &in, rep, &err);
    if (rc != 0)
      pl_rpc_engine_fail(r, rc, &err);
    else
      report_reply(r, rep, m);
  }
  free(rep);
  free(m);
}

/* Admin.AdvanceTestClock: moves a sandbox chain's clock (the rules are in
 * admin.proto; the engine checks them and runs the chain's sweeps). */
static void advance_test_clock(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__AdvanceTestClockRequest *q = (const void *)msg;
  pl_chain_info out;
  pl_error err;
  int rc = pl_chain_advance_clock(pl_rpc_engine(r), q->chain, q->advance_ms,
                                  pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Chain m;
  chain_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

/* A table of its own, last in methods.c (the fuzzer's numbering). */
const pl_method pl_testclock_methods[] = {
    ADMIN("AdvanceTestClock", advance_test_clock_request, advance_test_clock),
};
const int pl_testclock_n_methods =
    (int)(sizeof pl_testclock_methods / sizeof pl_testclock_methods[0]);

const pl_method pl_kpi_methods[] = {
    ADMIN("GetKpiReport", kpi_report_request, get_kpi_report),
};
const int pl_kpi_n_methods = PL_N_METHODS(pl_kpi_methods);
