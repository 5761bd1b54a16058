/* core/admin.c — the chain's structure: chains, stores, warehouses, bays,
 * technicians and parts (create, get, list) and their stored rows.
 *
 * Every create follows one path, under the owning lock (engines's
 * chains_lock for a chain, the chain's write lock for everything else):
 *   validate -> look up (idempotent replay or PL_EEXIST) -> allocate the
 *   record and reserve index room (the only steps that can fail) -> queue
 *   the row and its ledger entry -> insert into memory (cannot fail).
 * So a failed create changes nothing, and a queued one is visible to the
 * next reader at once. A replayed create queues an empty write, so its
 * acknowledgement still waits until the original is durable.
 *
 * Row layouts (base/codec.h; a leading version, fields appended only):
 *   chain      1 name created_ms idem sandbox clock_offset_ms
 *   store      1 name utc_offset lat lng created_ms idem
 *   warehouse  1 store name idem
 *   bay        1 type idem
 *   technician 1 name n (skill level)*n idem
 *   part       1 name spec oem unit purchase_fen sale_fen idem */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/internal.h"
#include "core/keys.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "pitlane/admin.h"
#include "pitlane/customers.h"

#define ROW_VERSION 1

/* ---- the shared create path ------------------------------------------- */

typedef struct create_op {
  pl__buf key, val;
  pl__sync sync;
  int queued;
} create_op;

static void create_op_free(create_op *op) {
  pl__buf_free(&op->key);
  pl__buf_free(&op->val);
}

/* Queues the row in op->key/op->val with a ledger entry of `ledger_op`.
 * Called under the lock that orders writes to this row. */
static int queue_row(pl_engine *e, pl__chain *c, unsigned ledger_op,
                     create_op *op, const pl_write *w) {
  int rc = pl__write_row(e, c, ledger_op, pl__chain_now_ms(e, c), &op->key,
                         &op->val, w, &op->sync);
  op->queued = rc == 0;
  return rc;
}

/* After the locks are dropped: waits for durability when the caller gave
 * no pl_write, and reports the outcome. */
static int finish(int rc, create_op *op, const pl_write *w, pl_error *err) {
  rc = pl__write_finish(rc, op->queued, w, &op->sync, err);
  create_op_free(op);
  return rc;
}

/* Replay or conflict for a create whose record exists. A replay is
 * acknowledged once everything queued so far is. */
static int existing(pl_engine *e, create_op *op, const pl_write *w,
                    const char *stored_idem, const char *idem, pl_error *err,
                    const char *what, const char *code) {
  if (idem != NULL && idem[0] != '\0' && strcmp(stored_idem, idem) == 0) {
    int rc = pl__write_nothing(e, w, &op->sync);
    op->queued = rc == 0;
    return rc;
  }
  return PL__FAIL(err, PL_EEXIST, "%s: '%s' already exists", what, code);
}

static int check_idem(pl_error *err, const char *idem) {
  if (idem == NULL)
    return 0;
  return pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
}

static void set_idem(char *dst, const char *idem) {
  dst[0] = '\0';
  if (idem != NULL)
    memcpy(dst, idem, strlen(idem) + 1); /* checked: < PL_IDEM_MAX */
}

int pl__chain_lock(pl_engine *e, const char *code, int write, const char *field,
                   pl__chain **out, pl_error *err) {
  int rc = pl__check_code(err, field, code, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl__chain *c = pl__chain_find(e, code);
  if (c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "%s: no chain '%s'", field, code);
  if (write)
    pthread_rwlock_wrlock(&c->lock);
  else
    pthread_rwlock_rdlock(&c->lock);
  *out = c;
  return 0;
}

static pl__store *store_in(pl__chain *c, const char *code) {
  int32_t i = pl__strmap_get(&c->store_ix, code);
  if (i < 0)
    return NULL;
  assert(i < c->stores.n);
  return c->stores.items[i];
}

/* ---- listing order ----------------------------------------------------- */

static int cmp_chain(const void *a, const void *b) {
  return strcmp(((const pl_chain_info *)a)->code,
                ((const pl_chain_info *)b)->code);
}
static int cmp_store(const void *a, const void *b) {
  return strcmp(((const pl_store_info *)a)->code,
                ((const pl_store_info *)b)->code);
}
static int cmp_warehouse(const void *a, const void *b) {
  return strcmp(((const pl_warehouse_info *)a)->code,
                ((const pl_warehouse_info *)b)->code);
}
static int cmp_bay(const void *a, const void *b) {
  return strcmp(((const pl_bay_info *)a)->code, ((const pl_bay_info *)b)->code);
}
static int cmp_tech(const void *a, const void *b) {
  return strcmp(((const pl_technician_info *)a)->code,
                ((const pl_technician_info *)b)->code);
}

static void sort_out(void *out, int n, int cap, size_t size,
                     int (*cmp)(const void *, const void *)) {
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), size, cmp);
}

/* ---- rows ------------------------------------------------------------- */

/* The chain row with test-clock offset `offset` (the stored one, or the
 * one being written). */
static void chain_row(pl__buf *v, const pl__chain *c, int64_t offset) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, c->info.name);
  pl__buf_svar(v, c->info.created_ms);
  pl__buf_str(v, c->idem);
  pl__buf_uvar(v, c->info.sandbox ? 1 : 0);
  pl__buf_svar(v, offset);
}

static void store_row(pl__buf *v, const void *rec) {
  const pl__store *s = rec;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, s->info.name);
  pl__buf_svar(v, s->info.utc_offset_min);
  pl__buf_svar(v, s->info.lat_e6);
  pl__buf_svar(v, s->info.lng_e6);
  pl__buf_svar(v, s->info.created_ms);
  pl__buf_str(v, s->idem);
}

static void warehouse_row(pl__buf *v, const void *rec) {
  const pl__warehouse *w = rec;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, w->info.store);
  pl__buf_str(v, w->info.name);
  pl__buf_str(v, w->idem);
}

static void bay_row(pl__buf *v, const void *rec) {
  const pl__bay *b = rec;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_uvar(v, (uint64_t)b->info.type);
  pl__buf_str(v, b->idem);
}

static void tech_row(pl__buf *v, const void *rec) {
  const pl__tech *t = rec;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, t->info.name);
  pl__buf_uvar(v, (uint64_t)t->info.n_skills);
  for (int i = 0; i < t->info.n_skills; i++) {
    pl__buf_uvar(v, (uint64_t)t->info.skills[i].skill);
    pl__buf_uvar(v, (uint64_t)t->info.skills[i].level);
  }
  pl__buf_str(v, t->idem);
}

static void part_row(pl__buf *v, const void *rec) {
  const pl__part *p = rec;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, p->info.name);
  pl__buf_str(v, p->info.spec);
  pl__buf_uvar(v, p->info.oem ? 1 : 0);
  pl__buf_str(v, p->info.unit);
  pl__buf_svar(v, p->info.purchase_fen);
  pl__buf_svar(v, p->info.sale_fen);
  pl__buf_str(v, p->idem);
}

/* ---- one create path for every record kind ---------------------------- */

/* Every record struct starts with its public info and has an idempotency
 * key; a kind says where its code and key sit and how its row is written. */
typedef struct rec_kind {
  size_t rec_size;  /* sizeof the record struct */
  size_t info_size; /* sizeof its leading info */
  size_t code_off;  /* offsetof the code within info */
  size_t idem_off;  /* offsetof the idempotency key within the record */
  unsigned ledger_op;
  const char *field; /* "store.code", for PL_EEXIST */
  void (*row)(pl__buf *v, const void *rec);
} rec_kind;

#define KIND(T, INFO, CODE, OP, FIELD, ROW)                                    \
  {                                                                            \
    sizeof(T), sizeof(INFO), offsetof(INFO, CODE), offsetof(T, idem), OP,      \
        FIELD, ROW                                                             \
  }
static const rec_kind K_STORE =
    KIND(pl__store, pl_store_info, code, PL__OP_STORE_CREATE, "store.code",
         store_row);
static const rec_kind K_WAREHOUSE =
    KIND(pl__warehouse, pl_warehouse_info, code, PL__OP_WAREHOUSE_CREATE,
         "warehouse.code", warehouse_row);
static const rec_kind K_BAY =
    KIND(pl__bay, pl_bay_info, code, PL__OP_BAY_CREATE, "bay.code", bay_row);
static const rec_kind K_TECH =
    KIND(pl__tech, pl_technician_info, code, PL__OP_TECH_CREATE,
         "technician.code", tech_row);
static const rec_kind K_PART =
    KIND(pl__part, pl_part_info, part_no, PL__OP_PART_CREATE, "part.part_no",
         part_row);

#define REC_CODE(k, rec) ((char *)(rec) + (k)->code_off)
#define REC_IDEM(k, rec) ((char *)(rec) + (k)->idem_off)

/* Creates (or replays) the record `in` in vec/ix, under the lock that
 * guards them; op->key must already hold its key. On PL_OK *rec_out is the
 * stored record. */
static int create_record(pl_engine *e, pl__chain *c, const rec_kind *k,
                         pl__vec *vec, pl__strmap *ix, const void *in,
                         const char *idem, create_op *op, const pl_write *w,
                         void **rec_out, pl_error *err) {
  const char *code = (const char *)in + k->code_off;
  int32_t i = pl__strmap_get(ix, code);
  if (i >= 0) {
    *rec_out = vec->items[i];
    return existing(e, op, w, REC_IDEM(k, *rec_out), idem, err, k->field, code);
  }
  void *rec = calloc(1, k->rec_size);
  if (rec == NULL)
    return PL_ENOMEM;
  memcpy(rec, in, k->info_size);
  set_idem(REC_IDEM(k, rec), idem);
  k->row(&op->val, rec);
  int rc = pl__vec_reserve(vec, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(ix, 1);
  if (rc == 0)
    rc = queue_row(e, c, k->ledger_op, op, w);
  if (rc != 0) {
    free(rec);
    return rc;
  }
  pl__strmap_put(ix, REC_CODE(k, rec), vec->n);
  pl__vec_push(vec, rec);
  *rec_out = rec;
  return 0;
}

/* Recovery: adds a decoded record, or frees it and returns PL_ECORRUPT if
 * it did not decode or repeats a code. */
static int insert_loaded(const rec_kind *k, pl__vec *vec, pl__strmap *ix,
                         void *rec, int bad) {
  int rc = bad || pl__strmap_get(ix, REC_CODE(k, rec)) >= 0 ? PL_ECORRUPT : 0;
  if (rc == 0)
    rc = pl__vec_reserve(vec, 1);
  if (rc == 0)
    rc = pl__strmap_put(ix, REC_CODE(k, rec), vec->n);
  if (rc != 0) {
    free(rec);
    return rc;
  }
  pl__vec_push(vec, rec);
  return 0;
}

/* ---- validation of records -------------------------------------------- */

static int check_tech(pl_error *err, const pl_technician_info *t) {
  int rc = pl__check_text(err, "technician.name", t->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_range(err, "technician.skills", t->n_skills, 0,
                         PL_MAX_SKILLS);
  for (int i = 0; rc == 0 && i < t->n_skills; i++) {
    rc = pl__check_range(err, "technician.skills.skill", t->skills[i].skill, 1,
                         PL_SKILL_MAX);
    if (rc == 0)
      rc = pl__check_range(err, "technician.skills.level", t->skills[i].level,
                           1, PL_SKILL_LEVEL_MAX);
    for (int j = 0; rc == 0 && j < i; j++)
      if (t->skills[j].skill == t->skills[i].skill)
        rc = PL__FAIL(err, PL_EINVAL, "technician.skills: skill %d twice",
                      (int)t->skills[i].skill);
  }
  return rc;
}

static int check_part(pl_error *err, const pl_part_info *p) {
  int rc = pl__check_text(err, "part.name", p->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_text(err, "part.spec", p->spec, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "part.unit", p->unit, PL_CODE_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, "part.purchase_fen", p->purchase_fen, 0,
                         INT64_MAX / 4);
  if (rc == 0)
    rc = pl__check_range(err, "part.sale_fen", p->sale_fen, 0, INT64_MAX / 4);
  return rc;
}

/* ---- chains ----------------------------------------------------------- */

static void chain_free(pl__chain *c) {
  pl__modules_chain_free(c);
  for (int i = 0; i < c->stores.n; i++) {
    pl__store *s = c->stores.items[i];
    pl__sched_store_free(atomic_load(&s->sched));
    pl__strmap_free(&s->bay_ix);
    pl__strmap_free(&s->tech_ix);
    pl__vec_free_all(&s->bays);
    pl__vec_free_all(&s->techs);
  }
  pl__strmap_free(&c->store_ix);
  pl__vec_free_all(&c->stores);
  pl__strmap_free(&c->wh_ix);
  pl__vec_free_all(&c->warehouses);
  pl__strmap_free(&c->part_ix);
  pl__vec_free_all(&c->parts);
  pthread_rwlock_destroy(&c->lock);
  free(c);
}

static pl__chain *chain_new(const char *code) {
  pl__chain *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  memcpy(c->info.code, code, strlen(code) + 1);
  if (pl__modules_chain_init(c) != 0) {
    pl__modules_chain_free(c);
    free(c);
    return NULL;
  }
  pthread_rwlock_init(&c->lock, NULL);
  c->next_seq = 1;
  return c;
}

/* Under chains_lock (write). Cannot fail after the reservations. */
static int chain_insert(pl_engine *e, pl__chain *c) {
  int32_t slot = pl__strmap_get(&e->chain_ix, c->info.code);
  if (slot >= 0) { /* a code whose chain left; the map's key is the
                      retired record's code, which lives until close */
    e->chains.items[slot] = c;
    return 0;
  }
  if (pl__vec_reserve(&e->chains, 1) != 0 ||
      pl__strmap_reserve(&e->chain_ix, 1) != 0)
    return PL_ENOMEM;
  pl__strmap_put(&e->chain_ix, c->info.code, e->chains.n);
  pl__vec_push(&e->chains, c);
  return 0;
}

int pl_chain_create(pl_engine *e, const pl_chain_info *in, const char *idem,
                    const pl_write *w, pl_chain_info *out, pl_error *err) {
  create_op op = {0};
  int rc = pl__check_code(err, "chain.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "chain.name", in->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = check_idem(err, idem);
  if (rc != 0)
    return rc;
  pthread_rwlock_wrlock(&e->chains_lock);
  int32_t i = pl__strmap_get(&e->chain_ix, in->code);
  pl__chain *c = i >= 0 ? e->chains.items[i] : NULL;
  if (c != NULL) {
    rc = existing(e, &op, w, c->idem, idem, err, "chain.code", in->code);
  } else if ((c = chain_new(in->code)) == NULL) {
    rc = PL_ENOMEM;
  } else {
    memcpy(c->info.name, in->name, strlen(in->name) + 1);
    c->info.created_ms = pl__chain_now_ms(e, c);
    c->info.sandbox = in->sandbox;
    set_idem(c->idem, idem);
    rc = pl__vec_reserve(&e->chains, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&e->chain_ix, 1);
    pl__key_make(&op.key, c->info.code, PL__K_CHAIN, NULL, NULL);
    chain_row(&op.val, c, 0);
    if (rc == 0)
      rc = queue_row(e, c, PL__OP_CHAIN_CREATE, &op, w);
    if (rc == 0)
      chain_insert(e, c);
    else
      chain_free(c);
  }
  if (rc == 0 && out != NULL) {
    *out = c->info;
  }
  pthread_rwlock_unlock(&e->chains_lock);
  return finish(rc, &op, w, err);
}

int pl_chain_get(pl_engine *e, const char *chain, pl_chain_info *out,
                 pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lock(e, chain, 0, "chain", &c, err);
  if (rc != 0)
    return rc;
  *out = c->info;
  out->clock_offset_ms = atomic_load(&c->clock_offset_ms);
  out->stores = c->stores.n;
  out->warehouses = c->warehouses.n;
  out->parts = c->parts.n;
  out->bays = out->technicians = 0;
  for (int i = 0; i < c->stores.n; i++) {
    const pl__store *s = c->stores.items[i];
    out->bays += s->bays.n;
    out->technicians += s->techs.n;
  }
  pthread_rwlock_unlock(&c->lock);
  return 0;
}

int pl_chain_list(pl_engine *e, pl_chain_info *out, int cap) {
  pthread_rwlock_rdlock(&e->chains_lock);
  int n = e->chains.n;
  int k = 0;
  for (int i = 0; i < n; i++) {
    const pl__chain *c = e->chains.items[i];
    if (c == NULL) /* left this node */
      continue;
    if (k < cap) {
      out[k] = c->info; /* code, name, created_ms, sandbox never change */
      out[k].clock_offset_ms = atomic_load(&c->clock_offset_ms);
    }
    k++;
  }
  n = k;
  pthread_rwlock_unlock(&e->chains_lock);
  sort_out(out, n, cap, sizeof *out, cmp_chain);
  return n;
}

/* ---- test clocks --------------------------------------------------------- */

int64_t pl_chain_now_ms(pl_engine *e, const char *chain) {
  pl__chain *c = NULL;
  if (chain != NULL && pl__check_code(NULL, "chain", chain, PL_CODE_MAX) == 0)
    c = pl__chain_find(e, chain);
  return c != NULL ? pl__chain_now_ms(e, c) : pl_engine_now_ms(e);
}

/* Under the chain's write lock (which orders every write of the chain
 * row after its create, and keeps readers under the lock on one time):
 * checks, queues the row with the new offset, then publishes it. */
static int advance_locked(pl_engine *e, pl__chain *c, int64_t advance_ms,
                          create_op *op, const pl_write *w, pl_error *err) {
  if (!c->info.sandbox)
    return PL__FAIL(err, PL_EPRECOND,
                    "chain: '%s' is not a sandbox chain; its clock is the "
                    "real one",
                    c->info.code);
  int64_t offset = atomic_load(&c->clock_offset_ms);
  if (offset > INT64_MAX / 4 - advance_ms)
    return PL__FAIL(err, PL_ELIMIT, "advance_ms: the test clock is at its end");
  offset += advance_ms;
  pl__key_make(&op->key, c->info.code, PL__K_CHAIN, NULL, NULL);
  chain_row(&op->val, c, offset);
  int rc = pl__write_row(e, c, PL__OP_CHAIN_CLOCK, pl_engine_now_ms(e) + offset,
                         &op->key, &op->val, w, &op->sync);
  op->queued = rc == 0;
  if (rc == 0)
    atomic_store(&c->clock_offset_ms, offset);
  return rc;
}

int pl_chain_advance_clock(pl_engine *e, const char *chain, int64_t advance_ms,
                           const pl_write *w, pl_chain_info *out,
                           pl_error *err) {
  create_op op = {0};
  int rc = pl__check_range(err, "advance_ms", advance_ms, 1,
                           PL_CLOCK_ADVANCE_MAX_MS);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_lock(e, chain, 1, "chain", &c, err);
  if (rc != 0)
    return rc;
  rc = advance_locked(e, c, advance_ms, &op, w, err);
  pthread_rwlock_unlock(&c->lock);
  if (rc == 0) /* after the clock row in the chain's ledger */
    (void)pl_complaints_sweep(e, c->info.code, NULL);
  rc = finish(rc, &op, w, err);
  if (rc == 0 && out != NULL)
    rc = pl_chain_get(e, chain, out, err);
  return rc;
}

/* ---- stores ----------------------------------------------------------- */

int pl_store_create(pl_engine *e, const pl_store_info *in, const char *idem,
                    const pl_write *w, pl_store_info *out, pl_error *err) {
  create_op op = {0};
  int rc = pl__check_code(err, "store.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "store.name", in->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_range(err, "store.utc_offset_min", in->utc_offset_min, -720,
                         840);
  if (rc == 0)
    rc = pl__check_range(err, "store.lat_e6", in->lat_e6, -90000000, 90000000);
  if (rc == 0)
    rc =
        pl__check_range(err, "store.lng_e6", in->lng_e6, -180000000, 180000000);
  if (rc == 0)
    rc = check_idem(err, idem);
  pl__chain *c = NULL;
  if (rc == 0)
    rc = pl__chain_lock(e, in->chain, 1, "store.chain", &c, err);
  if (rc != 0)
    return rc;
  pl_store_info rec = *in;
  rec.created_ms = pl__chain_now_ms(e, c);
  pl__key_make(&op.key, c->info.code, PL__K_STORE, in->code, NULL);
  void *stored = NULL;
  rc = create_record(e, c, &K_STORE, &c->stores, &c->store_ix, &rec, idem, &op,
                     w, &stored, err);
  if (rc == 0)
    pl__observe_store(c, &((const pl__store *)stored)->info);
  if (rc == 0 && out != NULL)
    *out = ((const pl__store *)stored)->info;
  pthread_rwlock_unlock(&c->lock);
  return finish(rc, &op, w, err);
}

int pl_store_get(pl_engine *e, const char *chain, const char *store,
                 pl_store_info *out, pl_error *err) {
  int rc = pl__check_code(err, "store", store, PL_CODE_MAX);
  pl__chain *c = NULL;
  if (rc == 0)
    rc = pl__chain_lock(e, chain, 0, "chain", &c, err);
  if (rc != 0)
    return rc;
  const pl__store *s = store_in(c, store);
  if (s != NULL)
    *out = s->info;
  else
    rc = PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s' in chain '%s'",
                  store, chain);
  pthread_rwlock_unlock(&c->lock);
  return rc;
}

int pl__store_today(pl_engine *e, const char *chain, const char *store,
                    int32_t *today, char *code) {
  pl_store_info si;
  int rc = pl_store_get(e, chain, store, &si, NULL);
  if (rc != 0)
    return rc;
  *today = pl_local_day(pl_chain_now_ms(e, chain) / 60000, si.utc_offset_min);
  if (code != NULL)
    memcpy(code, si.code, PL_CODE_MAX);
  return 0;
}

int pl_store_list(pl_engine *e, const char *chain, pl_store_info *out, int cap,
                  pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lock(e, chain, 0, "chain", &c, err);
  if (rc != 0)
    return rc;
  int n = c->stores.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__store *)c->stores.items[i])->info;
  pthread_rwlock_unlock(&c->lock);
  sort_out(out, n, cap, sizeof *out, cmp_store);
  return n;
}

/* ---- warehouses ------------------------------------------------------- */

int pl_warehouse_create(pl_engine *e, const pl_warehouse_info *in,
                        const char *idem, const pl_write *w,
                        pl_warehouse_info *out, pl_error *err) {
  create_op op = {0};
  int rc = pl__check_code(err, "warehouse.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "warehouse.store", in->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "warehouse.name", in->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = check_idem(err, idem);
  pl__chain *c = NULL;
  if (rc == 0)
    rc = pl__chain_lock(e, in->chain, 1, "warehouse.chain", &c, err);
  if (rc != 0)
    return rc;
  void *stored = NULL;
  if (in->store[0] != '\0' && store_in(c, in->store) == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "warehouse.store: no store '%s'",
                  in->store);
  } else {
    pl__key_make(&op.key, c->info.code, PL__K_WAREHOUSE, in->code, NULL);
    rc = create_record(e, c, &K_WAREHOUSE, &c->warehouses, &c->wh_ix, in, idem,
                       &op, w, &stored, err);
    if (rc == 0)
      pl__observe_warehouse(c, pl__strmap_get(&c->wh_ix, in->code),
                            &((const pl__warehouse *)stored)->info);
  }
  if (rc == 0 && out != NULL)
    *out = ((const pl__warehouse *)stored)->info;
  pthread_rwlock_unlock(&c->lock);
  return finish(rc, &op, w, err);
}

int pl_warehouse_list(pl_engine *e, const char *chain, pl_warehouse_info *out,
                      int cap, pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lock(e, chain, 0, "chain", &c, err);
  if (rc != 0)
    return rc;
  int n = c->warehouses.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__warehouse *)c->warehouses.items[i])->info;
  pthread_rwlock_unlock(&c->lock);
  sort_out(out, n, cap, sizeof *out, cmp_warehouse);
  return n;
}

/* ---- bays and technicians --------------------------------------------- */

/* Locks the chain for writing and finds the store a resource belongs to. */
static int lock_store(pl_engine *e, const char *chain, const char *store,
                      const char *what, pl__chain **c_out, pl__store **s_out,
                      pl_error *err) {
  char field[48];
  snprintf(field, sizeof field, "%s.chain", what);
  int rc = pl__chain_lock(e, chain, 1, field, c_out, err);
  if (rc != 0)
    return rc;
  *s_out = store_in(*c_out, store);
  if (*s_out == NULL) {
    pthread_rwlock_unlock(&(*c_out)->lock);
    return PL__FAIL(err, PL_ENOTFOUND, "%s.store: no store '%s'", what, store);
  }
  return 0;
}

int pl_bay_create(pl_engine *e, const pl_bay_info *in, const char *idem,
                  const pl_write *w, pl_bay_info *out, pl_error *err) {
  create_op op = {0};
  int rc = pl__check_code(err, "bay.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "bay.store", in->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "bay.type", in->type, 1, PL_BAY_TYPE_MAX);
  if (rc == 0)
    rc = check_idem(err, idem);
  pl__chain *c = NULL;
  pl__store *s = NULL;
  if (rc == 0)
    rc = lock_store(e, in->chain, in->store, "bay", &c, &s, err);
  if (rc != 0)
    return rc;
  pl__key_make(&op.key, c->info.code, PL__K_BAY, in->store, in->code);
  void *stored = NULL;
  rc = create_record(e, c, &K_BAY, &s->bays, &s->bay_ix, in, idem, &op, w,
                     &stored, err);
  if (rc == 0 && out != NULL)
    *out = ((const pl__bay *)stored)->info;
  pthread_rwlock_unlock(&c->lock);
  return finish(rc, &op, w, err);
}

int pl_technician_create(pl_engine *e, const pl_technician_info *in,
                         const char *idem, const pl_write *w,
                         pl_technician_info *out, pl_error *err) {
  create_op op = {0};
  int rc = pl__check_code(err, "technician.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "technician.store", in->store, PL_CODE_MAX);
  if (rc == 0)
    rc = check_tech(err, in);
  if (rc == 0)
    rc = check_idem(err, idem);
  pl__chain *c = NULL;
  pl__store *s = NULL;
  if (rc == 0)
    rc = lock_store(e, in->chain, in->store, "technician", &c, &s, err);
  if (rc != 0)
    return rc;
  pl__key_make(&op.key, c->info.code, PL__K_TECH, in->store, in->code);
  void *stored = NULL;
  rc = create_record(e, c, &K_TECH, &s->techs, &s->tech_ix, in, idem, &op, w,
                     &stored, err);
  if (rc == 0 && out != NULL)
    *out = ((const pl__tech *)stored)->info;
  pthread_rwlock_unlock(&c->lock);
  return finish(rc, &op, w, err);
}

/* Read-locks the chain and finds a store (for listings). */
static int rdlock_store(pl_engine *e, const char *chain, const char *store,
                        pl__chain **c_out, const pl__store **s_out,
                        pl_error *err) {
  int rc = pl__check_code(err, "store", store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__chain_lock(e, chain, 0, "chain", c_out, err);
  if (rc != 0)
    return rc;
  *s_out = store_in(*c_out, store);
  if (*s_out == NULL) {
    pthread_rwlock_unlock(&(*c_out)->lock);
    return PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", store);
  }
  return 0;
}

int pl_bay_list(pl_engine *e, const char *chain, const char *store,
                pl_bay_info *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  const pl__store *s;
  int rc = rdlock_store(e, chain, store, &c, &s, err);
  if (rc != 0)
    return rc;
  int n = s->bays.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__bay *)s->bays.items[i])->info;
  pthread_rwlock_unlock(&c->lock);
  sort_out(out, n, cap, sizeof *out, cmp_bay);
  return n;
}

int pl_technician_list(pl_engine *e, const char *chain, const char *store,
                       pl_technician_info *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  const pl__store *s;
  int rc = rdlock_store(e, chain, store, &c, &s, err);
  if (rc != 0)
    return rc;
  int n = s->techs.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__tech *)s->techs.items[i])->info;
  pthread_rwlock_unlock(&c->lock);
  sort_out(out, n, cap, sizeof *out, cmp_tech);
  return n;
}

/* ---- parts ------------------------------------------------------------ */

int pl_part_create(pl_engine *e, const pl_part_info *in, const char *idem,
                   const pl_write *w, pl_part_info *out, pl_error *err) {
  create_op op = {0};
  int rc = pl__check_code(err, "part.part_no", in->part_no, PL_CODE_MAX);
  if (rc == 0)
    rc = check_part(err, in);
  if (rc == 0)
    rc = check_idem(err, idem);
  pl__chain *c = NULL;
  if (rc == 0)
    rc = pl__chain_lock(e, in->chain, 1, "part.chain", &c, err);
  if (rc != 0)
    return rc;
  pl__key_make(&op.key, c->info.code, PL__K_PART, in->part_no, NULL);
  void *stored = NULL;
  rc = create_record(e, c, &K_PART, &c->parts, &c->part_ix, in, idem, &op, w,
                     &stored, err);
  if (rc == 0 && out != NULL)
    *out = ((const pl__part *)stored)->info;
  pthread_rwlock_unlock(&c->lock);
  return finish(rc, &op, w, err);
}

int pl_part_get(pl_engine *e, const char *chain, const char *part_no,
                pl_part_info *out, pl_error *err) {
  int rc = pl__check_code(err, "part_no", part_no, PL_CODE_MAX);
  pl__chain *c = NULL;
  if (rc == 0)
    rc = pl__chain_lock(e, chain, 0, "chain", &c, err);
  if (rc != 0)
    return rc;
  int32_t i = pl__strmap_get(&c->part_ix, part_no);
  if (i >= 0)
    *out = ((const pl__part *)c->parts.items[i])->info;
  else
    rc = PL__FAIL(err, PL_ENOTFOUND, "part_no: no part '%s' in chain '%s'",
                  part_no, chain);
  pthread_rwlock_unlock(&c->lock);
  return rc;
}

/* ---- recovery --------------------------------------------------------- */

/* Splits "a 0x00 b" into two codes. */
static int split2(const unsigned char *rest, size_t rl, char *a, char *b) {
  const unsigned char *z = memchr(rest, 0, rl);
  if (z == NULL)
    return -1;
  size_t al = (size_t)(z - rest), bl = rl - al - 1;
  if (al == 0 || al >= PL_CODE_MAX || bl == 0 || bl >= PL_CODE_MAX)
    return -1;
  memcpy(a, rest, al);
  a[al] = '\0';
  memcpy(b, z + 1, bl);
  b[bl] = '\0';
  return memchr(b, 0, bl) == NULL ? 0 : -1;
}

static int copy_code(const unsigned char *rest, size_t rl, char *dst) {
  if (rl == 0 || rl >= PL_CODE_MAX || memchr(rest, 0, rl) != NULL)
    return -1;
  memcpy(dst, rest, rl);
  dst[rl] = '\0';
  return 0;
}

static int load_chain(pl_engine *e, const char *code, pl__rd *r) {
  pl__chain *c = chain_new(code);
  if (c == NULL)
    return PL_ENOMEM;
  pl__rd_str(r, c->info.name, sizeof c->info.name);
  c->info.created_ms = pl__rd_svar(r);
  pl__rd_str(r, c->idem, sizeof c->idem);
  c->info.sandbox = pl__rd_uvar(r) != 0; /* older rows: 0, 0 */
  int64_t offset = pl__rd_svar(r);
  if (offset < 0 || (offset != 0 && !c->info.sandbox))
    r->bad = 1;
  atomic_store(&c->clock_offset_ms, offset);
  /* Under chains_lock: a chain arriving from another node is loaded
   * while the server runs (core/chainmove.c). */
  pthread_rwlock_wrlock(&e->chains_lock);
  int32_t i = pl__strmap_get(&e->chain_ix, code);
  int exists = i >= 0 && e->chains.items[i] != NULL;
  int rc = r->bad || exists ? PL_ECORRUPT : chain_insert(e, c);
  pthread_rwlock_unlock(&e->chains_lock);
  if (rc != 0)
    chain_free(c);
  return rc;
}

static int load_store(pl__chain *c, const unsigned char *rest, size_t rl,
                      pl__rd *r) {
  pl__store *s = calloc(1, sizeof *s);
  if (s == NULL)
    return PL_ENOMEM;
  memcpy(s->info.chain, c->info.code, sizeof s->info.chain);
  int bad = copy_code(rest, rl, s->info.code);
  pl__rd_str(r, s->info.name, sizeof s->info.name);
  s->info.utc_offset_min = (int32_t)pl__rd_svar(r);
  s->info.lat_e6 = (int32_t)pl__rd_svar(r);
  s->info.lng_e6 = (int32_t)pl__rd_svar(r);
  s->info.created_ms = pl__rd_svar(r);
  pl__rd_str(r, s->idem, sizeof s->idem);
  int rc = insert_loaded(&K_STORE, &c->stores, &c->store_ix, s, bad || r->bad);
  if (rc == 0)
    pl__observe_store(c, &s->info);
  return rc;
}

static int load_warehouse(pl__chain *c, const unsigned char *rest, size_t rl,
                          pl__rd *r) {
  pl__warehouse *w = calloc(1, sizeof *w);
  if (w == NULL)
    return PL_ENOMEM;
  memcpy(w->info.chain, c->info.code, sizeof w->info.chain);
  int bad = copy_code(rest, rl, w->info.code);
  pl__rd_str(r, w->info.store, sizeof w->info.store);
  pl__rd_str(r, w->info.name, sizeof w->info.name);
  pl__rd_str(r, w->idem, sizeof w->idem);
  int rc =
      insert_loaded(&K_WAREHOUSE, &c->warehouses, &c->wh_ix, w, bad || r->bad);
  if (rc == 0)
    pl__observe_warehouse(c, c->warehouses.n - 1, &w->info);
  return rc;
}

static int load_bay(pl__chain *c, const unsigned char *rest, size_t rl,
                    pl__rd *r) {
  pl__bay *b = calloc(1, sizeof *b);
  if (b == NULL)
    return PL_ENOMEM;
  memcpy(b->info.chain, c->info.code, sizeof b->info.chain);
  int bad = split2(rest, rl, b->info.store, b->info.code);
  uint64_t type = pl__rd_uvar(r);
  b->info.type = (pl_bay_type)(type <= PL_BAY_TYPE_MAX ? type : 0);
  pl__rd_str(r, b->idem, sizeof b->idem);
  pl__store *s = bad ? NULL : store_in(c, b->info.store);
  if (s == NULL) {
    free(b);
    return PL_ECORRUPT;
  }
  return insert_loaded(&K_BAY, &s->bays, &s->bay_ix, b,
                       r->bad || b->info.type == 0);
}

static int load_tech(pl__chain *c, const unsigned char *rest, size_t rl,
                     pl__rd *r) {
  pl__tech *t = calloc(1, sizeof *t);
  if (t == NULL)
    return PL_ENOMEM;
  memcpy(t->info.chain, c->info.code, sizeof t->info.chain);
  int bad = split2(rest, rl, t->info.store, t->info.code);
  pl__rd_str(r, t->info.name, sizeof t->info.name);
  uint64_t n = pl__rd_uvar(r);
  if (n > PL_MAX_SKILLS)
    bad = 1;
  for (uint64_t i = 0; !bad && i < n; i++) {
    t->info.skills[i].skill = (pl_skill)pl__rd_uvar(r);
    t->info.skills[i].level = (int32_t)pl__rd_uvar(r);
  }
  t->info.n_skills = bad ? 0 : (int32_t)n;
  pl__rd_str(r, t->idem, sizeof t->idem);
  pl__store *s = bad ? NULL : store_in(c, t->info.store);
  if (s == NULL) {
    free(t);
    return PL_ECORRUPT;
  }
  return insert_loaded(&K_TECH, &s->techs, &s->tech_ix, t,
                       r->bad || check_tech(NULL, &t->info) != 0);
}

static int load_part(pl__chain *c, const unsigned char *rest, size_t rl,
                     pl__rd *r) {
  pl__part *p = calloc(1, sizeof *p);
  if (p == NULL)
    return PL_ENOMEM;
  memcpy(p->info.chain, c->info.code, sizeof p->info.chain);
  int bad = copy_code(rest, rl, p->info.part_no);
  pl__rd_str(r, p->info.name, sizeof p->info.name);
  pl__rd_str(r, p->info.spec, sizeof p->info.spec);
  p->info.oem = pl__rd_uvar(r) != 0;
  pl__rd_str(r, p->info.unit, sizeof p->info.unit);
  p->info.purchase_fen = pl__rd_svar(r);
  p->info.sale_fen = pl__rd_svar(r);
  pl__rd_str(r, p->idem, sizeof p->idem);
  return insert_loaded(&K_PART, &c->parts, &c->part_ix, p, bad || r->bad);
}

int pl__admin_load(pl_engine *e, unsigned kind, const char *chain,
                   const unsigned char *rest, size_t rl,
                   const unsigned char *val, size_t vl, pl_error *err) {
  pl__rd r;
  pl__rd_init(&r, val, vl);
  if (pl__rd_uvar(&r) != ROW_VERSION || r.bad)
    return PL__FAIL(err, PL_ECORRUPT,
                    "recovery: chain '%s' kind %u: "
                    "unknown row version",
                    chain, kind);
  pl__chain *c = kind == PL__K_CHAIN ? NULL : pl__chain_find(e, chain);
  int rc = PL_ECORRUPT; /* unknown kind, or a row of an unknown chain */
  switch (kind) {
  case PL__K_CHAIN:
    if (rl == 0)
      rc = load_chain(e, chain, &r);
    break;
  case PL__K_STORE:
    if (c != NULL)
      rc = load_store(c, rest, rl, &r);
    break;
  case PL__K_WAREHOUSE:
    if (c != NULL)
      rc = load_warehouse(c, rest, rl, &r);
    break;
  case PL__K_BAY:
    if (c != NULL)
      rc = load_bay(c, rest, rl, &r);
    break;
  case PL__K_TECH:
    if (c != NULL)
      rc = load_tech(c, rest, rl, &r);
    break;
  case PL__K_PART:
    if (c != NULL)
      rc = load_part(c, rest, rl, &r);
    break;
  default:
    break;
  }
  return pl__load_result(err, rc, chain, kind);
}

int pl__chain_retire(pl_engine *e, const char *code) {
  pthread_rwlock_wrlock(&e->chains_lock);
  int32_t i = pl__strmap_get(&e->chain_ix, code);
  pl__chain *c = i >= 0 ? e->chains.items[i] : NULL;
  int rc = c == NULL ? PL_ENOTFOUND : pl__vec_reserve(&e->retired, 1);
  if (rc == 0) {
    pl__vec_push(&e->retired, c);
    e->chains.items[i] = NULL;
  }
  pthread_rwlock_unlock(&e->chains_lock);
  return rc;
}

void pl__admin_free(pl_engine *e) {
  for (int i = 0; i < e->retired.n; i++)
    chain_free(e->retired.items[i]);
  free(e->retired.items);
  memset(&e->retired, 0, sizeof e->retired);
  for (int i = 0; i < e->chains.n; i++)
    if (e->chains.items[i] != NULL)
      chain_free(e->chains.items[i]);
  free(e->chains.items);
  memset(&e->chains, 0, sizeof e->chains);
  pl__strmap_free(&e->chain_ix);
}
