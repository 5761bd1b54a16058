/* customers/customers.c — customers, vehicle links over time, the module's
 * chain state, its rows and their recovery, and the change feed's entry points
 * that keep the per-vehicle index (see customers.h and customers/cust_int.h).
 *
 * Invariants (under cc->lock):
 *  - customers.items[id - 1] is customer id; phone_ix maps each customer's
 *    non-empty phone to it (through a key record whose value is updated
 *    when a phone moves; strmap keys cannot be removed);
 *  - each pl__cveh with a VIN is in vin_ix; plate_ix maps a plate to the
 *    vehicle it was last seen on (or to a VIN-less record of bookings);
 *  - booking_wo holds every booking id that has a work order: such a
 *    booking shows in the history as its order only. */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "customers/cust_int.h"

#define ROW_VERSION 1

/* A string key whose value can change: the map points at the record's
 * own copy of the key. */
typedef struct pl__skey {
  char s[PL_PHONE_LEN_MAX];
  int32_t val; /* -1: none */
} pl__skey;

typedef struct pl__cust {
  pl_customer c;
  char idem[PL_IDEM_MAX];
  int32_t n_v, cap_v;
  int32_t *v; /* indexes in vehs of vehicles it was ever linked to */
} pl__cust;

/* The key records (phone_ix / plate_ix values index these). */
typedef struct pl__skeys {
  pl__vec phone, plate; /* pl__skey* */
} pl__skeys;

static pl__skeys *skeys_of(pl__cust_chain *cc) {
  return cc->keys;
}

static int32_t skey_get(const pl__strmap *m, const pl__vec *keys,
                        const char *s) {
  int32_t i = pl__strmap_get(m, s);
  return i < 0 ? -1 : ((const pl__skey *)keys->items[i])->val;
}

/* Sets s -> val; 0 or PL_ENOMEM (nothing changed). */
static int skey_set(pl__strmap *m, pl__vec *keys, const char *s, int32_t val) {
  int32_t i = pl__strmap_get(m, s);
  if (i >= 0) {
    ((pl__skey *)keys->items[i])->val = val;
    return 0;
  }
  pl__skey *k = calloc(1, sizeof *k);
  if (k == NULL || pl__vec_reserve(keys, 1) != 0 ||
      pl__strmap_reserve(m, 1) != 0) {
    free(k);
    return PL_ENOMEM;
  }
  snprintf(k->s, sizeof k->s, "%s", s);
  k->val = val;
  pl__vec_push(keys, k);
  pl__strmap_put(m, k->s, keys->n - 1);
  return 0;
}

/* ---- the chain's state --------------------------------------------------- */

pl__cust_chain *pl__cust_state_new(pl__chain *c) {
  (void)c;
  pl__cust_chain *x = calloc(1, sizeof *x);
  pl__skeys *k = calloc(1, sizeof *k);
  if (x == NULL || k == NULL) {
    free(x);
    free(k);
    return NULL;
  }
  x->keys = k;
  pthread_rwlock_init(&x->lock, NULL);
  return x;
}

void pl__cust_state_free(pl__cust_chain *cc) {
  if (cc == NULL)
    return;
  for (int i = 0; i < cc->customers.n; i++)
    free(((pl__cust *)cc->customers.items[i])->v);
  pl__vec_free_all(&cc->customers);
  for (int i = 0; i < cc->vehs.n; i++)
    free(((pl__cveh *)cc->vehs.items[i])->hist);
  pl__vec_free_all(&cc->vehs);
  pl__skeys *k = skeys_of(cc);
  pl__vec_free_all(&k->phone);
  pl__vec_free_all(&k->plate);
  free(k);
  pl__strmap_free(&cc->cust_idem);
  pl__strmap_free(&cc->phone_ix);
  pl__strmap_free(&cc->vin_ix);
  pl__strmap_free(&cc->plate_ix);
  pl__u64map_free(&cc->booking_wo);
  pl__fups_free(cc);
  pl__cmps_free(cc);
  pl__vec_free_all(&cc->policies);
  pthread_rwlock_destroy(&cc->lock);
  free(cc);
}

int pl__cust_queue(pl_engine *e, pl__chain *c, unsigned kind, const void *rest,
                   size_t rl, const pl__buf *val, unsigned op,
                   const pl_write *w, pl__sync *sync) {
  pl__buf k = {0};
  pl__key_prefix(&k, c->info.code, kind);
  pl__buf_bytes(&k, rest, rl);
  int rc = pl__write_row(e, c, op, pl__chain_now_ms(e, c), &k, val, w, sync);
  pl__buf_free(&k);
  return rc;
}

int pl__cust_read(pl_engine *e, const char *chain, pl__cust_chain **cc,
                  pl_error *err) {
  int rc = pl__cust_lookup(e, chain, NULL, cc, err);
  if (rc == 0)
    pthread_rwlock_rdlock(&(*cc)->lock);
  return rc;
}

int pl__cust_read_vin(pl_engine *e, const char *chain, const char *vin,
                      pl__cust_chain **cc, const pl__cveh **v, pl_error *err) {
  int rc = pl__cust_lookup(e, chain, NULL, cc, err);
  if (rc == 0)
    rc = pl__check_vin(err, "vin", vin, PL_VEH_VIN_MAX, 0);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&(*cc)->lock);
  *v = pl__cust_veh(*cc, vin, 0);
  return 0;
}

pl__cveh *pl__cust_veh(pl__cust_chain *cc, const char *vin, int create) {
  int32_t i = pl__strmap_get(&cc->vin_ix, vin);
  if (i >= 0)
    return cc->vehs.items[i];
  if (!create)
    return NULL;
  pl__cveh *v = calloc(1, sizeof *v);
  if (v == NULL || pl__vec_reserve(&cc->vehs, 1) != 0 ||
      pl__strmap_reserve(&cc->vin_ix, 1) != 0) {
    free(v);
    return NULL;
  }
  snprintf(v->vin, sizeof v->vin, "%s", vin);
  pl__vec_push(&cc->vehs, v);
  pl__strmap_put(&cc->vin_ix, v->vin, cc->vehs.n - 1);
  return v;
}

static int32_t veh_index(const pl__cust_chain *cc, const pl__cveh *v) {
  if (v->vin[0] != '\0')
    return pl__strmap_get(&cc->vin_ix, v->vin);
  for (int32_t i = 0; i < cc->vehs.n; i++)
    if (cc->vehs.items[i] == v)
      return i;
  return -1;
}

int64_t pl__cust_owner_on(const pl__cveh *v, int32_t day) {
  int64_t owner = 0;
  for (int32_t i = 0; i < v->n_links; i++) {
    const pl_ownership *l = &v->links[i];
    if (l->role == PL_ROLE_OWNER && l->from_day <= day &&
        (l->to_day == 0 || day < l->to_day))
      owner = l->customer_id;
  }
  return owner;
}

/* ---- customers ----------------------------------------------------------- */

static void customer_row(pl__buf *b, const pl__cust *x) {
  const pl_customer *c = &x->c;
  pl__buf_uvar(b, ROW_VERSION);
  pl__buf_str(b, x->idem);
  pl__buf_uvar(b, (uint64_t)c->kind);
  pl__buf_uvar(b, (uint64_t)c->source);
  pl__buf_str(b, c->ref);
  pl__buf_str(b, c->name);
  pl__buf_str(b, c->phone);
  pl__buf_str(b, c->email);
  pl__buf_str(b, c->wechat);
  pl__buf_uvar(b, (uint64_t)c->preferred);
  pl__buf_uvar(b, (uint64_t)(c->consent != 0));
  pl__buf_uvar(b, (uint64_t)(c->consent_marketing != 0));
  pl__buf_svar(b, c->created_ms);
  pl__buf_svar(b, c->updated_ms);
}

static int customer_read(pl__rd *r, pl__cust *x) {
  pl_customer *c = &x->c;
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, x->idem, sizeof x->idem);
  c->kind = (pl_customer_kind)pl__rd_uvar(r);
  c->source = (pl_customer_source)pl__rd_uvar(r);
  pl__rd_str(r, c->ref, sizeof c->ref);
  pl__rd_str(r, c->name, sizeof c->name);
  pl__rd_str(r, c->phone, sizeof c->phone);
  pl__rd_str(r, c->email, sizeof c->email);
  pl__rd_str(r, c->wechat, sizeof c->wechat);
  c->preferred = (pl_contact_channel)pl__rd_uvar(r);
  c->consent = (int32_t)pl__rd_uvar(r);
  c->consent_marketing = (int32_t)pl__rd_uvar(r);
  c->created_ms = pl__rd_svar(r);
  c->updated_ms = pl__rd_svar(r);
  return r->bad ? PL_ECORRUPT : 0;
}

static int check_phone(pl_error *err, const char *p) {
  size_t n = strnlen(p, PL_PHONE_LEN_MAX);
  if (n == PL_PHONE_LEN_MAX)
    return PL__FAIL(err, PL_EINVAL, "customer.phone: too long");
  size_t digits = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] >= '0' && p[i] <= '9')
      digits++;
    else if (!(i == 0 && p[i] == '+'))
      return PL__FAIL(err, PL_EINVAL,
                      "customer.phone: digits only (an optional leading +)");
  }
  if (n > 0 && (digits < 5 || digits > 20))
    return PL__FAIL(err, PL_EINVAL, "customer.phone: 5 to 20 digits");
  return 0;
}

static int check_customer(const pl_customer *c, pl_error *err) {
  int rc = pl__check_range(err, "customer.kind", c->kind, PL_CUSTOMER_PERSON,
                           PL_CUSTOMER_COMPANY);
  if (rc == 0)
    rc = pl__check_range(err, "customer.source", c->source, PL_SOURCE_DIRECT,
                         PL_SOURCE_INSURER);
  if (rc == 0 && c->source == PL_SOURCE_DIRECT && c->ref[0] != '\0')
    rc = PL__FAIL(err, PL_EINVAL, "customer.ref: only for fleet or insurer");
  if (rc == 0 && c->source != PL_SOURCE_DIRECT)
    rc = pl__check_code(err, "customer.ref", c->ref, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "customer.name", c->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = check_phone(err, c->phone);
  if (rc == 0)
    rc = pl__check_text(err, "customer.email", c->email, PL_NAME_MAX, 1);
  if (rc == 0 && c->email[0] != '\0' && strchr(c->email, '@') == NULL)
    rc = PL__FAIL(err, PL_EINVAL, "customer.email: no '@'");
  if (rc == 0)
    rc = pl__check_text(err, "customer.wechat", c->wechat, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, "customer.preferred", c->preferred, 0,
                         PL_CONTACT_EMAIL);
  if (rc == 0 && c->phone[0] == '\0' && c->email[0] == '\0' &&
      c->wechat[0] == '\0')
    rc = PL__FAIL(err, PL_EINVAL,
                  "customer.phone: a phone, e-mail or WeChat is required");
  return rc;
}

static pl__cust *cust_at(const pl__cust_chain *cc, int64_t id) {
  return id >= 1 && id <= cc->customers.n ? cc->customers.items[id - 1] : NULL;
}

static void put_out(pl_customer *out, const pl__cust *x) {
  if (out != NULL)
    *out = x->c;
}

/* Indexes x's phone (under the write lock); 0 or PL_ENOMEM. */
static int index_phone(pl__cust_chain *cc, const pl__cust *x) {
  if (x->c.phone[0] == '\0')
    return 0;
  return skey_set(&cc->phone_ix, &skeys_of(cc)->phone, x->c.phone,
                  (int32_t)(x->c.id - 1));
}

int pl_customer_put(pl_engine *e, const pl_customer *in, const char *idem,
                    const pl_write *w, pl_customer *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  int rc = check_customer(in, err);
  if (rc == 0 && idem != NULL)
    rc = pl__check_text(err, "idempotency_key", idem, PL_IDEM_MAX, 1);
  if (rc == 0)
    rc = pl__cust_lookup(e, in->chain, &c, &cc, err);
  if (rc != 0)
    return rc;
  pl__sync sync;
  int queued = 0;
  pthread_rwlock_wrlock(&cc->lock);
  pl__cust *cur = NULL;
  if (in->id != 0) {
    cur = cust_at(cc, in->id);
    if (cur == NULL)
      rc = PL__FAIL(err, PL_ENOTFOUND, "customer.id: no customer %lld",
                    (long long)in->id);
  } else if (idem != NULL && idem[0] != '\0') {
    int32_t i = pl__strmap_get(&cc->cust_idem, idem);
    if (i >= 0) { /* a retry: the first answer, once durable */
      rc = pl__write_nothing(e, w, &sync);
      queued = rc == 0;
      if (rc == 0)
        put_out(out, cc->customers.items[i]);
      pthread_rwlock_unlock(&cc->lock);
      return pl__write_finish(rc, queued, w, &sync, err);
    }
  }
  if (rc == 0 && in->phone[0] != '\0') {
    int32_t o = skey_get(&cc->phone_ix, &skeys_of(cc)->phone, in->phone);
    if (o >= 0 && (cur == NULL || o != cur->c.id - 1))
      rc = PL__FAIL(err, PL_EEXIST, "customer.phone: belongs to customer %d",
                    o + 1);
  }
  pl__cust next = {0};
  pl__cust *fresh = NULL;
  if (rc == 0) {
    int64_t now = pl__chain_now_ms(e, c);
    next.c = *in;
    memcpy(next.c.chain, c->info.code, PL_CODE_MAX);
    if (next.c.preferred == 0)
      next.c.preferred = PL_CONTACT_PHONE;
    next.c.consent = in->consent != 0;
    next.c.consent_marketing = in->consent_marketing != 0;
    if (cur != NULL) {
      memcpy(next.idem, cur->idem, sizeof next.idem);
      next.c.created_ms = cur->c.created_ms;
    } else {
      next.c.id = cc->customers.n + 1;
      next.c.created_ms = now;
      if (idem != NULL)
        snprintf(next.idem, sizeof next.idem, "%s", idem);
      fresh = calloc(1, sizeof *fresh);
      if (fresh == NULL || pl__vec_reserve(&cc->customers, 1) != 0 ||
          pl__strmap_reserve(&cc->cust_idem, 1) != 0)
        rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
    }
    next.c.updated_ms = now;
  }
  /* the new phone's key record exists before anything is queued, so
   * indexing it afterwards cannot fail */
  if (rc == 0 && next.c.phone[0] != '\0' &&
      pl__strmap_get(&cc->phone_ix, next.c.phone) < 0 &&
      skey_set(&cc->phone_ix, &skeys_of(cc)->phone, next.c.phone, -1) != 0)
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc == 0) {
    pl__buf v = {0};
    customer_row(&v, &next);
    unsigned char id8[8];
    pl__cust_be64(id8, (uint64_t)next.c.id);
    rc = pl__cust_queue(e, c, PL__K_CUSTOMER, id8, 8, &v, PL__OP_CUSTOMER_PUT,
                        w, &sync);
    pl__buf_free(&v);
    queued = rc == 0;
  }
  if (rc == 0) {
    pl__cust *x = cur != NULL ? cur : fresh;
    if (cur != NULL && cur->c.phone[0] != '\0' &&
        strcmp(cur->c.phone, next.c.phone) != 0)
      skey_set(&cc->phone_ix, &skeys_of(cc)->phone, cur->c.phone, -1);
    x->c = next.c;
    memcpy(x->idem, next.idem, sizeof x->idem);
    if (fresh != NULL) {
      pl__vec_push(&cc->customers, fresh);
      if (fresh->idem[0] != '\0')
        pl__strmap_put(&cc->cust_idem, fresh->idem, cc->customers.n - 1);
      fresh = NULL;
    }
    index_phone(cc, x); /* its key exists: cannot fail */
    put_out(out, x);
  }
  pthread_rwlock_unlock(&cc->lock);
  free(fresh);
  return pl__write_finish(rc, queued, w, &sync, err);
}

int pl_customer_get(pl_engine *e, const char *chain, int64_t id,
                    pl_customer *out, pl_error *err) {
  pl__cust_chain *cc = NULL;
  int rc = pl__cust_read(e, chain, &cc, err);
  if (rc != 0)
    return rc;
  const pl__cust *x = cust_at(cc, id);
  if (x == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND, "customer_id: no customer %lld",
                  (long long)id);
  else
    put_out(out, x);
  pthread_rwlock_unlock(&cc->lock);
  return rc;
}

int pl_customer_find(pl_engine *e, const char *chain, const char *phone,
                     pl_customer *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  int rc = check_phone(err, phone);
  if (rc == 0 && phone[0] == '\0')
    rc = PL__FAIL(err, PL_EINVAL, "customer.phone: required");
  if (rc == 0)
    rc = pl__cust_lookup(e, chain, &c, &cc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&cc->lock);
  int32_t i = skey_get(&cc->phone_ix, &skeys_of(cc)->phone, phone);
  if (i < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "customer.phone: no customer has %s",
                  phone);
  else
    put_out(out, cc->customers.items[i]);
  pthread_rwlock_unlock(&cc->lock);
  return rc;
}

int pl_customer_list(pl_engine *e, const char *chain, const char *text,
                     int64_t after_id, pl_customer *out, int cap,
                     pl_error *err) {
  pl__cust_chain *cc = NULL;
  int rc = pl__cust_read(e, chain, &cc, err);
  if (rc != 0)
    return rc;
  int n = 0;
  /* ids are 1..n, item id - 1: start past after_id without computing
   * after_id + 1, which wraps at INT64_MAX */
  int64_t first = after_id < 0                 ? 1
                  : after_id < cc->customers.n ? after_id + 1
                                               : (int64_t)cc->customers.n + 1;
  for (int64_t id = first; id <= cc->customers.n && n < cap; id++) {
    const pl__cust *x = cc->customers.items[id - 1];
    if (text == NULL || text[0] == '\0' || strstr(x->c.name, text) != NULL ||
        strstr(x->c.phone, text) != NULL)
      out[n++] = x->c;
  }
  pthread_rwlock_unlock(&cc->lock);
  return n;
}

/* ---- ownership ----------------------------------------------------------- */

static void links_row(pl__buf *b, const pl__cveh *v) {
  pl__buf_uvar(b, ROW_VERSION);
  pl__buf_uvar(b, (uint64_t)v->n_links);
  for (int32_t i = 0; i < v->n_links; i++) {
    const pl_ownership *l = &v->links[i];
    pl__buf_svar(b, l->customer_id);
    pl__buf_uvar(b, (uint64_t)l->role);
    pl__buf_svar(b, l->from_day);
    pl__buf_svar(b, l->to_day);
  }
}

/* Notes that customer cust_ix was linked to vehicle vix. */
static int cust_add_veh(pl__cust *x, int32_t vix) {
  for (int32_t i = 0; i < x->n_v; i++)
    if (x->v[i] == vix)
      return 0;
  if (x->n_v == x->cap_v) {
    int32_t cap = x->cap_v ? x->cap_v * 2 : 4;
    int32_t *p = realloc(x->v, (size_t)cap * sizeof *p);
    if (p == NULL)
      return PL_ENOMEM;
    x->v = p;
    x->cap_v = cap;
  }
  x->v[x->n_v++] = vix;
  return 0;
}

/* The vehicle (registered) and today in its home store. */
static int vehicle_today(pl_engine *e, const char *chain, const char *vin,
                         int32_t *today, pl_error *err) {
  pl_vehicle_info vi;
  pl_error ve = {0};
  int rc = pl_vehicle_get(e, chain, vin, &vi, &ve);
  if (rc == PL_ENOTFOUND)
    return PL__FAIL(err, PL_ENOTFOUND, "vin: no vehicle %s is registered", vin);
  if (rc != 0)
    return PL__FAIL(err, rc, "vin: %s", ve.msg);
  if (pl__store_today(e, chain, vi.store, today, NULL) != 0)
    return PL__FAIL(err, PL_ENOTFOUND, "vin: no home store '%s'", vi.store);
  return 0;
}

/* Applies a link change to a copy of v's links; PL_OK with *changed 0 for
 * a repeat. */
static int link_apply(pl__cveh *v, int64_t cust, pl_owner_role role,
                      int32_t day, int unlink, int *changed, pl_error *err) {
  *changed = 0;
  if (unlink) {
    for (int32_t i = 0; i < v->n_links; i++) {
      pl_ownership *l = &v->links[i];
      if (l->customer_id != cust || l->to_day != 0)
        continue;
      if (day < l->from_day)
        return PL__FAIL(err, PL_EPRECOND,
                        "to_day: before the link began (day %d)",
                        (int)l->from_day);
      l->to_day = day > l->from_day ? day : l->from_day;
      *changed = 1;
    }
    return *changed ? 0
                    : PL__FAIL(err, PL_ENOTFOUND,
                               "customer_id: %lld has no active link to %s",
                               (long long)cust, v->vin);
  }
  pl_ownership *owner = NULL;
  for (int32_t i = 0; i < v->n_links; i++) {
    pl_ownership *l = &v->links[i];
    if (l->to_day != 0 || l->role != role)
      continue;
    if (l->customer_id == cust)
      return 0; /* already */
    if (role == PL_ROLE_OWNER)
      owner = l;
  }
  if (v->n_links == PL_OWNER_LINKS_MAX)
    return PL__FAIL(err, PL_ELIMIT, "vin: %d links already",
                    PL_OWNER_LINKS_MAX);
  if (owner != NULL) {
    if (day < owner->from_day)
      return PL__FAIL(err, PL_EPRECOND,
                      "from_day: before the current owner's (day %d)",
                      (int)owner->from_day);
    owner->to_day = day;
  }
  v->links[v->n_links++] =
      (pl_ownership){.customer_id = cust, .role = role, .from_day = day};
  memcpy(v->links[v->n_links - 1].vin, v->vin, sizeof v->vin);
  *changed = 1;
  return 0;
}

static int link_change(pl_engine *e, const char *chain, const char *vin,
                       int64_t cust, pl_owner_role role, int32_t day,
                       int unlink, const pl_write *w, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  int32_t today = 0;
  int rc = unlink ? 0
                  : pl__check_range(err, "role", role, PL_ROLE_OWNER,
                                    PL_ROLE_DRIVER);
  if (rc == 0)
    rc = pl__cust_lookup(e, chain, &c, &cc, err);
  if (rc == 0 && (vin == NULL || vin[0] == '\0'))
    rc = PL__FAIL(err, PL_EINVAL, "vin: required");
  if (rc == 0)
    rc = vehicle_today(e, chain, vin, &today, err);
  if (rc == 0 && day >= 0)
    rc = pl__check_range(err, unlink ? "to_day" : "from_day", day, 0, 2932896);
  if (rc != 0)
    return rc;
  if (day < 0)
    day = today;
  pl__sync sync;
  int queued = 0, changed = 0;
  pthread_rwlock_wrlock(&cc->lock);
  pl__cust *x = cust_at(cc, cust);
  pl__cveh *v = NULL;
  if (x == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND, "customer_id: no customer %lld",
                  (long long)cust);
  if (rc == 0 && (v = pl__cust_veh(cc, vin, 1)) == NULL)
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl__cveh next;
  if (rc == 0) {
    memcpy(next.vin, v->vin, sizeof next.vin);
    next.n_links = v->n_links;
    memcpy(next.links, v->links, sizeof next.links);
    rc = link_apply(&next, cust, role, day, unlink, &changed, err);
  }
  int32_t vix = rc == 0 ? veh_index(cc, v) : -1;
  if (rc == 0 && changed && cust_add_veh(x, vix) != 0)
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc == 0 && changed) {
    pl__buf val = {0};
    links_row(&val, &next);
    rc = pl__cust_queue(e, c, PL__K_OWNERS, vin, strlen(vin), &val,
                        PL__OP_OWNERS, w, &sync);
    pl__buf_free(&val);
    if (rc == 0) {
      v->n_links = next.n_links;
      memcpy(v->links, next.links, sizeof v->links);
    }
  } else if (rc == 0) { /* a repeat: answered once the first is durable */
    rc = pl__write_nothing(e, w, &sync);
  }
  queued = rc == 0;
  pthread_rwlock_unlock(&cc->lock);
  return pl__write_finish(rc, queued, w, &sync, err);
}

int pl_vehicle_link(pl_engine *e, const char *chain, const char *vin,
                    int64_t customer_id, pl_owner_role role, int32_t from_day,
                    const pl_write *w, pl_error *err) {
  return link_change(e, chain, vin, customer_id, role, from_day, 0, w, err);
}

int pl_vehicle_unlink(pl_engine *e, const char *chain, const char *vin,
                      int64_t customer_id, int32_t to_day, const pl_write *w,
                      pl_error *err) {
  return link_change(e, chain, vin, customer_id, PL_ROLE_OWNER, to_day, 1, w,
                     err);
}

int pl_vehicle_owners(pl_engine *e, const char *chain, const char *vin,
                      pl_ownership *out, int cap, pl_error *err) {
  pl__cust_chain *cc = NULL;
  const pl__cveh *v = NULL;
  int rc = pl__cust_read_vin(e, chain, vin, &cc, &v, err);
  if (rc != 0)
    return rc;
  int n = 0;
  if (v != NULL) {
    n = v->n_links;
    for (int32_t i = 0; i < n && i < cap; i++)
      out[i] = v->links[n - 1 - i];
  }
  pthread_rwlock_unlock(&cc->lock);
  return n;
}

int pl_customer_vehicles(pl_engine *e, const char *chain, int64_t customer_id,
                         pl_ownership *out, int cap, pl_error *err) {
  pl__cust_chain *cc = NULL;
  int rc = pl__cust_read(e, chain, &cc, err);
  if (rc != 0)
    return rc;
  int n = 0;
  const pl__cust *x = cust_at(cc, customer_id);
  if (x == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND, "customer_id: no customer %lld",
                  (long long)customer_id);
  for (int32_t i = x == NULL ? 0 : x->n_v; i-- > 0;) {
    const pl__cveh *v = cc->vehs.items[x->v[i]];
    for (int32_t k = v->n_links; k-- > 0;)
      if (v->links[k].customer_id == customer_id) {
        if (n < cap)
          out[n] = v->links[k];
        n++;
      }
  }
  pthread_rwlock_unlock(&cc->lock);
  return rc != 0 ? rc : n;
}

int64_t pl_vehicle_owner_on(pl_engine *e, const char *chain, const char *vin,
                            int32_t day) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  if (vin == NULL || pl__cust_lookup(e, chain, &c, &cc, NULL) != 0)
    return 0;
  pthread_rwlock_rdlock(&cc->lock);
  const pl__cveh *v = pl__cust_veh(cc, vin, 0);
  int64_t id = v != NULL ? pl__cust_owner_on(v, day) : 0;
  pthread_rwlock_unlock(&cc->lock);
  return id;
}

/* Whether a customer may be contacted (0 id: nobody said no). */
int pl__cust_contact_ok(const pl__cust_chain *cc, int64_t id) {
  const pl__cust *x = cust_at(cc, id);
  return x == NULL || x->c.consent;
}

/* ---- the change feed ----------------------------------------------------- */

static int vin_ok(const char *vin) {
  return strlen(vin) == PL_VIN_LEN;
}

/* The record for plate (a VIN-less one made if unknown); NULL on OOM. */
static pl__cveh *plate_veh(pl__cust_chain *cc, const char *plate) {
  pl__skeys *k = skeys_of(cc);
  int32_t i = skey_get(&cc->plate_ix, &k->plate, plate);
  if (i >= 0)
    return cc->vehs.items[i];
  pl__cveh *v = calloc(1, sizeof *v);
  if (v == NULL || pl__vec_reserve(&cc->vehs, 1) != 0) {
    free(v);
    return NULL;
  }
  pl__vec_push(&cc->vehs, v);
  if (skey_set(&cc->plate_ix, &k->plate, plate, cc->vehs.n - 1) != 0)
    return NULL; /* kept in vehs, freed at close */
  return v;
}

/* The plate is now v's: bookings seen under it before any VIN move in. */
static void learn_plate(pl__cust_chain *cc, pl__cveh *v, const char *plate) {
  if (plate[0] == '\0')
    return;
  pl__skeys *k = skeys_of(cc);
  int32_t vix = veh_index(cc, v);
  int32_t i = skey_get(&cc->plate_ix, &k->plate, plate);
  if (i == vix || vix < 0)
    return;
  if (i >= 0) {
    pl__cveh *old = cc->vehs.items[i];
    if (old->vin[0] == '\0')
      pl__hist_merge(v, old);
  }
  skey_set(&cc->plate_ix, &k->plate, plate, vix);
}

void pl__cust_on_vehicle(pl__chain *c, const pl_vehicle_info *vi) {
  pl__cust_chain *cc = pl__cust_of(c);
  if (cc == NULL)
    return;
  pthread_rwlock_wrlock(&cc->lock);
  pl__cveh *v = pl__cust_veh(cc, vi->vin, 1);
  if (v != NULL)
    learn_plate(cc, v, vi->plate);
  pthread_rwlock_unlock(&cc->lock);
}

void pl__cust_on_booking(pl__chain *c, const pl_booking_info *b) {
  pl__cust_chain *cc = pl__cust_of(c);
  if (cc == NULL || b->plate[0] == '\0')
    return;
  pthread_rwlock_wrlock(&cc->lock);
  if (pl__u64map_get(&cc->booking_wo, (uint64_t)b->id) == NULL) {
    pl__cveh *v = plate_veh(cc, b->plate);
    if (v != NULL) {
      pl_history_entry h;
      pl__hist_of_booking(b, &h);
      pl__hist_put(v, &h);
    }
  }
  pthread_rwlock_unlock(&cc->lock);
}

void pl__cust_on_wo(pl__chain *c, const pl_work_order *w) {
  pl__cust_chain *cc = pl__cust_of(c);
  if (cc == NULL)
    return;
  pthread_rwlock_wrlock(&cc->lock);
  pl__cveh *v = NULL;
  if (vin_ok(w->vehicle.vin)) {
    v = pl__cust_veh(cc, w->vehicle.vin, 1);
    if (v != NULL)
      learn_plate(cc, v, w->vehicle.plate);
  } else if (w->vehicle.plate[0] != '\0') {
    v = plate_veh(cc, w->vehicle.plate);
  }
  if (v != NULL) {
    if (w->booking_id > 0) {
      pl__u64map_put(&cc->booking_wo, (uint64_t)w->booking_id, (void *)1);
      pl__hist_drop(v, PL_HIST_BOOKING, w->booking_id);
    }
    pl_history_entry h;
    pl__hist_of_wo(w, &h);
    pl__hist_put(v, &h);
  }
  if (w->state == PL_WO_DELIVERED)
    pl__fup_on_delivered(c, cc, w);
  pthread_rwlock_unlock(&cc->lock);
}

/* ---- recovery ------------------------------------------------------------ */

static int load_customer(pl__cust_chain *cc, const unsigned char *rest,
                         size_t rl, const unsigned char *val, size_t vl,
                         const char *chain) {
  if (rl != 8 || (int64_t)pl__be64_get(rest) != cc->customers.n + 1)
    return PL_ECORRUPT;
  pl__cust *x = calloc(1, sizeof *x);
  if (x == NULL)
    return PL_ENOMEM;
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int rc = customer_read(&r, x);
  if (rc == 0 && (pl__vec_reserve(&cc->customers, 1) != 0 ||
                  pl__strmap_reserve(&cc->cust_idem, 1) != 0))
    rc = PL_ENOMEM;
  if (rc != 0) {
    free(x);
    return rc;
  }
  snprintf(x->c.chain, sizeof x->c.chain, "%s", chain);
  x->c.id = cc->customers.n + 1;
  pl__vec_push(&cc->customers, x);
  if (x->idem[0] != '\0')
    pl__strmap_put(&cc->cust_idem, x->idem, cc->customers.n - 1);
  return index_phone(cc, x);
}

static int load_links(pl__cust_chain *cc, const unsigned char *rest, size_t rl,
                      const unsigned char *val, size_t vl) {
  char vin[PL_VEH_VIN_MAX];
  if (rl != PL_VIN_LEN)
    return PL_ECORRUPT;
  memcpy(vin, rest, rl);
  vin[rl] = '\0';
  pl__cveh *v = pl__cust_veh(cc, vin, 1);
  if (v == NULL)
    return PL_ENOMEM;
  int32_t vix = veh_index(cc, v);
  pl__rd r;
  pl__rd_init(&r, val, vl);
  uint64_t n = pl__rd_uvar(&r) == ROW_VERSION ? pl__rd_uvar(&r) : UINT64_MAX;
  if (n > PL_OWNER_LINKS_MAX)
    return PL_ECORRUPT;
  v->n_links = (int32_t)n;
  for (uint64_t i = 0; i < n; i++) {
    pl_ownership *l = &v->links[i];
    memcpy(l->vin, vin, sizeof l->vin);
    l->customer_id = pl__rd_svar(&r);
    l->role = (pl_owner_role)pl__rd_uvar(&r);
    l->from_day = (int32_t)pl__rd_svar(&r);
    l->to_day = (int32_t)pl__rd_svar(&r);
    pl__cust *x = cust_at(cc, l->customer_id);
    if (x == NULL)
      return PL_ECORRUPT;
    if (cust_add_veh(x, vix) != 0)
      return PL_ENOMEM;
  }
  return r.bad ? PL_ECORRUPT : 0;
}

int pl__cust_load(pl_engine *e, unsigned kind, const char *chain,
                  const unsigned char *rest, size_t rl,
                  const unsigned char *val, size_t vl, pl_error *err) {
  (void)e;
  pl__chain *c = pl__chain_find(e, chain);
  pl__cust_chain *cc = c != NULL ? pl__cust_of(c) : NULL;
  if (c == NULL)
    return PL__FAIL(err, PL_ECORRUPT, "recovery: no chain '%s'", chain);
  if (cc == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  int rc;
  switch (kind) {
  case PL__K_CUSTOMER:
    rc = load_customer(cc, rest, rl, val, vl, c->info.code);
    break;
  case PL__K_OWNERS:
    rc = load_links(cc, rest, rl, val, vl);
    break;
  case PL__K_FOLLOWUP:
    rc = pl__fup_load(c, cc, rest, rl, val, vl);
    break;
  case PL__K_COMPLAINT:
  case PL__K_CPOLICY:
    rc = pl__cmp_load(c, cc, kind, rest, rl, val, vl);
    break;
  default:
    rc = PL_ECORRUPT;
  }
  if (rc == PL_ECORRUPT)
    return PL__FAIL(err, rc,
                    "recovery: chain '%s': bad customers row (kind %u)", chain,
                    kind);
  return rc == 0 ? 0 : PL__FAIL(err, rc, "engine: out of memory");
}
