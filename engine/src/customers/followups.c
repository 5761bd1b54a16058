/* customers/followups.c — follow-up calls (回访) after delivery (customers.h).
 *
 * A delivered order is a follow-up's record until the first call is
 * recorded: pl__fup_on_delivered makes it in memory whenever the change
 * feed shows a DELIVERED order (live, and at open when the order row
 * loads), and its own row (kind 0x62, written at each recording) replaces
 * it when rows of that kind load later in key order. So delivery and its
 * follow-up can never disagree on disk.
 *
 * Under cc->lock; fups is kept by order id (mostly appended: orders are
 * delivered roughly in id order). */
#include <stdlib.h>
#include <string.h>

#include "base/filter.h"
#include "base/validate.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "customers/cust_int.h"

#define ROW_VERSION 1

static pl__fup *fup_find(const pl__cust_chain *cc, int64_t id) {
  return id > 0 ? pl__u64map_get(&cc->fup_ix, (uint64_t)id) : NULL;
}

/* Inserts x (a new follow-up) into fups by id; 0 or PL_ENOMEM. */
static int fup_insert(pl__cust_chain *cc, pl__fup *x) {
  if (pl__vec_reserve(&cc->fups, 1) != 0 ||
      pl__u64map_put(&cc->fup_ix, (uint64_t)x->f.id, x) != 0)
    return PL_ENOMEM;
  int32_t at = cc->fups.n;
  while (at > 0 && ((pl__fup *)cc->fups.items[at - 1])->f.id > x->f.id)
    at--;
  pl__vec_push(&cc->fups, x);
  memmove(&cc->fups.items[at + 1], &cc->fups.items[at],
          (size_t)(cc->fups.n - 1 - at) * sizeof(void *));
  cc->fups.items[at] = x;
  return 0;
}

/* Tells the history and the reports. */
static void fup_observe(pl__chain *c, pl__cust_chain *cc, const pl__fup *x) {
  pl__cveh *v = x->f.vin[0] != '\0' ? pl__cust_veh(cc, x->f.vin, 1) : NULL;
  if (v != NULL) {
    pl_history_entry h;
    pl__hist_of_followup(&x->f, &h);
    pl__hist_put(v, &h);
  }
  pl__observe_followup(c, &x->f);
}

void pl__fup_on_delivered(pl__chain *c, pl__cust_chain *cc,
                          const pl_work_order *w) {
  if (fup_find(cc, w->id) != NULL)
    return;
  pl__fup *x = calloc(1, sizeof *x);
  if (x == NULL)
    return;
  pl_followup *f = &x->f;
  memcpy(f->chain, c->info.code, PL_CODE_MAX);
  f->id = w->id;
  memcpy(f->store, w->store, PL_CODE_MAX);
  snprintf(f->advisor, sizeof f->advisor, "%s", w->advisor);
  if (strlen(w->vehicle.vin) == PL_VIN_LEN)
    memcpy(f->vin, w->vehicle.vin, PL_VEH_VIN_MAX);
  snprintf(f->plate, sizeof f->plate, "%s", w->vehicle.plate);
  f->delivered_ms = w->delivered_ms;
  f->due_ms = w->delivered_ms + PL_FOLLOWUP_DUE_MS;
  f->state = PL_FOLLOWUP_OPEN;
  if (fup_insert(cc, x) != 0) {
    free(x);
    return;
  }
  fup_observe(c, cc, x);
}

/* The follow-up as callers see it: owner and consent on the delivery day
 * (the home store's day is approximated by the UTC day of delivery). */
static void fup_out(const pl__cust_chain *cc, const pl__fup *x,
                    pl_followup *out) {
  *out = x->f;
  out->customer_id = 0;
  out->contact_ok = 1;
  int32_t i = x->f.vin[0] != '\0' ? pl__strmap_get(&cc->vin_ix, x->f.vin) : -1;
  if (i >= 0) {
    const pl__cveh *v = cc->vehs.items[i];
    out->customer_id =
        pl__cust_owner_on(v, (int32_t)(x->f.delivered_ms / 86400000));
    out->contact_ok = pl__cust_contact_ok(cc, out->customer_id);
  }
}

static void fup_row(pl__buf *b, const pl__fup *x) {
  const pl_followup *f = &x->f;
  pl__buf_uvar(b, ROW_VERSION);
  pl__buf_str(b, x->idem);
  pl__buf_str(b, f->store);
  pl__buf_str(b, f->advisor);
  pl__buf_str(b, f->vin);
  pl__buf_str(b, f->plate);
  pl__buf_svar(b, f->delivered_ms);
  pl__buf_svar(b, f->due_ms);
  pl__buf_uvar(b, (uint64_t)f->state);
  pl__buf_svar(b, f->attempts);
  pl__buf_svar(b, f->satisfaction);
  pl__buf_str(b, f->comment);
  pl__buf_str(b, f->done_by);
  pl__buf_svar(b, f->done_ms);
}

int pl__fup_load(pl__chain *c, pl__cust_chain *cc, const unsigned char *rest,
                 size_t rl, const unsigned char *val, size_t vl) {
  if (rl != 8)
    return PL_ECORRUPT;
  pl__fup n = {0};
  pl_followup *f = &n.f;
  memcpy(f->chain, c->info.code, PL_CODE_MAX);
  f->id = (int64_t)pl__be64_get(rest);
  pl__rd r;
  pl__rd_init(&r, val, vl);
  if (pl__rd_uvar(&r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(&r, n.idem, sizeof n.idem);
  pl__rd_str(&r, f->store, sizeof f->store);
  pl__rd_str(&r, f->advisor, sizeof f->advisor);
  pl__rd_str(&r, f->vin, sizeof f->vin);
  pl__rd_str(&r, f->plate, sizeof f->plate);
  f->delivered_ms = pl__rd_svar(&r);
  f->due_ms = pl__rd_svar(&r);
  f->state = (pl_followup_state)pl__rd_uvar(&r);
  f->attempts = (int32_t)pl__rd_svar(&r);
  f->satisfaction = (int32_t)pl__rd_svar(&r);
  pl__rd_str(&r, f->comment, sizeof f->comment);
  pl__rd_str(&r, f->done_by, sizeof f->done_by);
  f->done_ms = pl__rd_svar(&r);
  if (r.bad || f->id <= 0 || f->state < PL_FOLLOWUP_OPEN ||
      f->state > PL_FOLLOWUP_UNREACHED)
    return PL_ECORRUPT;
  pl__fup *x = fup_find(cc, f->id);
  if (x == NULL) { /* its order's row was not delivered: cannot be */
    return PL_ECORRUPT;
  }
  *x = n;
  fup_observe(c, cc, x);
  return 0;
}

void pl__fups_free(pl__cust_chain *cc) {
  pl__vec_free_all(&cc->fups);
  pl__u64map_free(&cc->fup_ix);
}

/* ---- calls --------------------------------------------------------------- */

int pl_followup_record(pl_engine *e, const char *chain, int64_t id, int reached,
                       int32_t satisfaction, const char *comment,
                       const char *actor, const char *idem, const pl_write *w,
                       pl_followup *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  if (comment == NULL)
    comment = "";
  if (idem == NULL)
    idem = "";
  int rc = reached ? pl__check_range(err, "satisfaction", satisfaction, 1, 5)
                   : pl__check_range(err, "satisfaction", satisfaction, 0, 0);
  if (rc == 0)
    rc = pl__check_text(err, "comment", comment, PL_CUST_TEXT_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor == NULL ? "" : actor, PL_ACTOR_MAX,
                        0);
  if (rc == 0)
    rc = pl__check_text(err, "idempotency_key", idem, PL_IDEM_MAX, 1);
  if (rc == 0)
    rc = pl__cust_lookup(e, chain, &c, &cc, err);
  if (rc != 0)
    return rc;
  pl__sync sync;
  int queued = 0;
  pthread_rwlock_wrlock(&cc->lock);
  pl__fup *x = fup_find(cc, id);
  if (x == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND,
                  "id: no follow-up %lld (the order is not delivered)",
                  (long long)id);
  if (rc == 0 && idem[0] != '\0' && strcmp(idem, x->idem) == 0) {
    rc = pl__write_nothing(e, w,
                           &sync); /* a retry: the same answer once durable */
    queued = rc == 0;
    if (rc == 0 && out != NULL)
      fup_out(cc, x, out);
    pthread_rwlock_unlock(&cc->lock);
    return pl__write_finish(rc, queued, w, &sync, err);
  }
  if (rc == 0 && x->f.state != PL_FOLLOWUP_OPEN)
    rc = PL__FAIL(err, PL_EPRECOND, "id: follow-up %lld is closed",
                  (long long)id);
  pl__fup next;
  if (rc == 0) {
    int64_t now = pl__chain_now_ms(e, c);
    next = *x;
    snprintf(next.idem, sizeof next.idem, "%s", idem);
    pl_followup *f = &next.f;
    f->attempts++;
    snprintf(f->done_by, sizeof f->done_by, "%s", actor);
    snprintf(f->comment, sizeof f->comment, "%s", comment);
    if (reached) {
      f->state = PL_FOLLOWUP_DONE;
      f->satisfaction = satisfaction;
      f->done_ms = now;
    } else if (f->attempts >= PL_FOLLOWUP_ATTEMPTS) {
      f->state = PL_FOLLOWUP_UNREACHED;
      f->done_ms = now;
    } else {
      f->due_ms = now + PL_FOLLOWUP_RETRY_MS;
    }
    pl__buf v = {0};
    fup_row(&v, &next);
    unsigned char id8[8];
    pl__cust_be64(id8, (uint64_t)id);
    rc = pl__cust_queue(e, c, PL__K_FOLLOWUP, id8, 8, &v, PL__OP_FOLLOWUP, w,
                        &sync);
    pl__buf_free(&v);
    queued = rc == 0;
  }
  if (rc == 0) {
    *x = next;
    fup_observe(c, cc, x);
    if (out != NULL)
      fup_out(cc, x, out);
  }
  pthread_rwlock_unlock(&cc->lock);
  return pl__write_finish(rc, queued, w, &sync, err);
}

int pl_followup_get(pl_engine *e, const char *chain, int64_t id,
                    pl_followup *out, pl_error *err) {
  pl__cust_chain *cc = NULL;
  int rc = pl__cust_read(e, chain, &cc, err);
  if (rc != 0)
    return rc;
  const pl__fup *x = fup_find(cc, id);
  if (x == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no follow-up %lld", (long long)id);
  else
    fup_out(cc, x, out);
  pthread_rwlock_unlock(&cc->lock);
  return rc;
}

static int fup_matches(const pl_followup *f, const pl_followup_filter *q,
                       int64_t now) {
  if (!pl__want_str(q->store, f->store) ||
      !pl__want_str(q->advisor, f->advisor))
    return 0;
  if (q->state != 0 && q->state != f->state)
    return 0;
  return !q->overdue || (f->state == PL_FOLLOWUP_OPEN && f->due_ms < now);
}

int pl_followup_list(pl_engine *e, const pl_followup_filter *q,
                     pl_followup *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  int rc = pl__check_range(err, "state", q->state, 0, PL_FOLLOWUP_UNREACHED);
  if (rc == 0)
    rc = pl__cust_lookup(e, q->chain, &c, &cc, err);
  if (rc != 0)
    return rc;
  int64_t now = pl__chain_now_ms(e, c);
  int n = 0;
  pthread_rwlock_rdlock(&cc->lock);
  /* first id > after_id: a binary search over the sorted list */
  int32_t lo = 0, hi = cc->fups.n;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (((pl__fup *)cc->fups.items[mid])->f.id <= q->after_id)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (int32_t i = lo; i < cc->fups.n && n < cap; i++) {
    const pl__fup *x = cc->fups.items[i];
    if (fup_matches(&x->f, q, now))
      fup_out(cc, x, &out[n++]);
  }
  pthread_rwlock_unlock(&cc->lock);
  return n;
}
