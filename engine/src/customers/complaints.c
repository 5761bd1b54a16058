/* customers/complaints.c — complaints (投诉) with their two clocks, escalation
 * and the complaint policies (customers.h).
 *
 * Under cc->lock. complaints.items[id - 1] is complaint id; its row (kind
 * 0x63) is rewritten at every step. A clock is "missed" when its deadline
 * is before now and the complaint had not reached its state by then
 * (acknowledged for the response clock, resolved for the resolution
 * clock); lists show missed clocks at once, and pl_complaints_sweep
 * writes the ESCALATED step once per clock. Policies are few (one per
 * store at most): a scan. */
#include <stdlib.h>
#include <string.h>

#include "base/filter.h"
#include "base/validate.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "customers/cust_int.h"

#define ROW_VERSION 1
#define POLICY_MIN_MAX ((int64_t)30 * 24 * 60)

/* ---- policies ------------------------------------------------------------ */

static const pl_complaint_policy *policy_find(const pl__cust_chain *cc,
                                              const char *store) {
  for (int32_t i = 0; i < cc->policies.n; i++) {
    const pl_complaint_policy *p = cc->policies.items[i];
    if (strcmp(p->store, store) == 0)
      return p;
  }
  return NULL;
}

/* The policy for a store: its own, the chain's, the default. */
static void policy_for(const pl__cust_chain *cc, const char *chain,
                       const char *store, pl_complaint_policy *out) {
  const pl_complaint_policy *p = policy_find(cc, store);
  if (p == NULL)
    p = policy_find(cc, "");
  if (p != NULL) {
    *out = *p;
  } else {
    memset(out, 0, sizeof *out);
    out->response_min = PL_COMPLAINT_RESPONSE_MIN;
    out->resolution_min = PL_COMPLAINT_RESOLUTION_MIN;
    snprintf(out->manager, sizeof out->manager, "manager");
  }
  snprintf(out->chain, sizeof out->chain, "%s", chain);
  snprintf(out->store, sizeof out->store, "%s", store);
}

static void policy_row(pl__buf *b, const pl_complaint_policy *p) {
  pl__buf_uvar(b, ROW_VERSION);
  pl__buf_svar(b, p->response_min);
  pl__buf_svar(b, p->resolution_min);
  pl__buf_str(b, p->manager);
}

/* Replaces or adds p (a copy); 0 or PL_ENOMEM. */
static int policy_put(pl__cust_chain *cc, const pl_complaint_policy *p) {
  pl_complaint_policy *cur = (pl_complaint_policy *)policy_find(cc, p->store);
  if (cur != NULL) {
    *cur = *p;
    return 0;
  }
  pl_complaint_policy *x = malloc(sizeof *x);
  if (x == NULL || pl__vec_reserve(&cc->policies, 1) != 0) {
    free(x);
    return PL_ENOMEM;
  }
  *x = *p;
  pl__vec_push(&cc->policies, x);
  return 0;
}

static int check_store(pl_engine *e, const char *chain, const char *store,
                       int optional, pl_error *err) {
  if (optional && store[0] == '\0')
    return 0;
  pl_store_info si;
  int rc = pl__check_code(err, "store", store, PL_CODE_MAX);
  if (rc == 0 && pl_store_get(e, chain, store, &si, NULL) != 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", store);
  return rc;
}

int pl_complaint_policy_set(pl_engine *e, const pl_complaint_policy *p,
                            const pl_write *w, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  int rc = pl__cust_lookup(e, p->chain, &c, &cc, err);
  if (rc == 0)
    rc = check_store(e, p->chain, p->store, 1, err);
  if (rc == 0)
    rc = pl__check_range(err, "response_min", p->response_min, 1,
                         POLICY_MIN_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "resolution_min", p->resolution_min,
                         p->response_min, POLICY_MIN_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "manager", p->manager, PL_ACTOR_MAX, 0);
  if (rc != 0)
    return rc;
  pl__sync sync;
  pl_complaint_policy n = *p;
  memcpy(n.chain, c->info.code, PL_CODE_MAX);
  pthread_rwlock_wrlock(&cc->lock);
  rc = policy_find(cc, n.store) == NULL && pl__vec_reserve(&cc->policies, 1)
           ? PL__FAIL(err, PL_ENOMEM, "engine: out of memory")
           : 0;
  if (rc == 0) {
    pl__buf v = {0};
    policy_row(&v, &n);
    rc = pl__cust_queue(e, c, PL__K_CPOLICY, n.store, strlen(n.store), &v,
                        PL__OP_CPOLICY, w, &sync);
    pl__buf_free(&v);
  }
  if (rc == 0)
    policy_put(cc, &n); /* room reserved: cannot fail */
  pthread_rwlock_unlock(&cc->lock);
  return pl__write_finish(rc, rc == 0, w, &sync, err);
}

int pl_complaint_policy_get(pl_engine *e, const char *chain, const char *store,
                            pl_complaint_policy *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  if (store == NULL)
    store = "";
  int rc = pl__cust_lookup(e, chain, &c, &cc, err);
  if (rc == 0)
    rc = check_store(e, chain, store, 1, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&cc->lock);
  policy_for(cc, c->info.code, store, out);
  pthread_rwlock_unlock(&cc->lock);
  return 0;
}

/* ---- rows ---------------------------------------------------------------- */

static void complaint_row(pl__buf *b, const pl__cmp *m) {
  const pl_complaint *x = &m->x;
  pl__buf_uvar(b, ROW_VERSION);
  pl__buf_str(b, m->idem);
  pl__buf_str(b, x->store);
  pl__buf_svar(b, x->customer_id);
  pl__buf_str(b, x->vin);
  pl__buf_svar(b, x->wo_id);
  pl__buf_uvar(b, (uint64_t)x->channel);
  pl__buf_uvar(b, (uint64_t)x->category);
  pl__buf_svar(b, x->severity);
  pl__buf_str(b, x->text);
  pl__buf_uvar(b, (uint64_t)x->state);
  pl__buf_svar(b, x->created_ms);
  pl__buf_svar(b, x->response_due_ms);
  pl__buf_svar(b, x->resolution_due_ms);
  pl__buf_svar(b, x->acknowledged_ms);
  pl__buf_svar(b, x->resolved_ms);
  pl__buf_svar(b, x->closed_ms);
  pl__buf_svar(b, x->rating);
  pl__buf_svar(b, x->escalated);
  pl__buf_str(b, x->escalated_to);
  pl__buf_svar(b, x->n_steps);
  int32_t kept =
      x->n_steps < PL_COMPLAINT_STEPS ? x->n_steps : PL_COMPLAINT_STEPS;
  for (int32_t i = 0; i < kept; i++) {
    const pl_complaint_step *s = &x->steps[i];
    pl__buf_uvar(b, (uint64_t)s->kind);
    pl__buf_svar(b, s->at_ms);
    pl__buf_str(b, s->actor);
    pl__buf_str(b, s->note);
  }
  pl__buf_str(b, x->advisor); /* appended; rows without it read "" */
}

static int complaint_read(pl__rd *r, pl__cmp *m) {
  pl_complaint *x = &m->x;
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, m->idem, sizeof m->idem);
  pl__rd_str(r, x->store, sizeof x->store);
  x->customer_id = pl__rd_svar(r);
  pl__rd_str(r, x->vin, sizeof x->vin);
  x->wo_id = pl__rd_svar(r);
  x->channel = (pl_complaint_channel)pl__rd_uvar(r);
  x->category = (pl_complaint_category)pl__rd_uvar(r);
  x->severity = (int32_t)pl__rd_svar(r);
  pl__rd_str(r, x->text, sizeof x->text);
  x->state = (pl_complaint_state)pl__rd_uvar(r);
  x->created_ms = pl__rd_svar(r);
  x->response_due_ms = pl__rd_svar(r);
  x->resolution_due_ms = pl__rd_svar(r);
  x->acknowledged_ms = pl__rd_svar(r);
  x->resolved_ms = pl__rd_svar(r);
  x->closed_ms = pl__rd_svar(r);
  x->rating = (int32_t)pl__rd_svar(r);
  x->escalated = (int32_t)pl__rd_svar(r);
  pl__rd_str(r, x->escalated_to, sizeof x->escalated_to);
  x->n_steps = (int32_t)pl__rd_svar(r);
  if (x->n_steps < 0)
    return PL_ECORRUPT;
  int32_t kept =
      x->n_steps < PL_COMPLAINT_STEPS ? x->n_steps : PL_COMPLAINT_STEPS;
  for (int32_t i = 0; i < kept; i++) {
    pl_complaint_step *s = &x->steps[i];
    s->kind = (pl_complaint_step_kind)pl__rd_uvar(r);
    s->at_ms = pl__rd_svar(r);
    pl__rd_str(r, s->actor, sizeof s->actor);
    pl__rd_str(r, s->note, sizeof s->note);
  }
  pl__rd_str(r, x->advisor, sizeof x->advisor);
  return r->bad || x->state < PL_COMPLAINT_OPEN ||
                 x->state > PL_COMPLAINT_CLOSED
             ? PL_ECORRUPT
             : 0;
}

/* Tells the vehicle's history and the reports. */
static void cmp_observe(pl__chain *c, pl__cust_chain *cc, const pl__cmp *m) {
  pl__cveh *v = m->x.vin[0] != '\0' ? pl__cust_veh(cc, m->x.vin, 1) : NULL;
  if (v != NULL) {
    pl_history_entry h;
    pl__hist_of_complaint(&m->x, &h);
    pl__hist_put(v, &h);
  }
  pl__observe_complaint(c, &m->x);
}

int pl__cmp_load(pl__chain *c, pl__cust_chain *cc, unsigned kind,
                 const unsigned char *rest, size_t rl, const unsigned char *val,
                 size_t vl) {
  pl__rd r;
  pl__rd_init(&r, val, vl);
  if (kind == PL__K_CPOLICY) {
    pl_complaint_policy p = {0};
    if (rl >= PL_CODE_MAX || pl__rd_uvar(&r) != ROW_VERSION)
      return PL_ECORRUPT;
    memcpy(p.chain, c->info.code, PL_CODE_MAX);
    memcpy(p.store, rest, rl);
    p.response_min = (int32_t)pl__rd_svar(&r);
    p.resolution_min = (int32_t)pl__rd_svar(&r);
    pl__rd_str(&r, p.manager, sizeof p.manager);
    return r.bad ? PL_ECORRUPT : policy_put(cc, &p);
  }
  if (rl != 8 || (int64_t)pl__be64_get(rest) != cc->complaints.n + 1)
    return PL_ECORRUPT;
  pl__cmp *m = calloc(1, sizeof *m);
  if (m == NULL)
    return PL_ENOMEM;
  int rc = complaint_read(&r, m);
  if (rc == 0 && (pl__vec_reserve(&cc->complaints, 1) != 0 ||
                  pl__strmap_reserve(&cc->cmp_idem, 1) != 0))
    rc = PL_ENOMEM;
  if (rc != 0) {
    free(m);
    return rc;
  }
  memcpy(m->x.chain, c->info.code, PL_CODE_MAX);
  m->x.id = cc->complaints.n + 1;
  pl__vec_push(&cc->complaints, m);
  if (m->idem[0] != '\0')
    pl__strmap_put(&cc->cmp_idem, m->idem, cc->complaints.n - 1);
  cmp_observe(c, cc, m);
  return 0;
}

void pl__cmps_free(pl__cust_chain *cc) {
  pl__vec_free_all(&cc->complaints);
  pl__strmap_free(&cc->cmp_idem);
}

/* ---- steps --------------------------------------------------------------- */

static void add_step(pl_complaint *x, pl_complaint_step_kind kind, int64_t at,
                     const char *actor, const char *note) {
  if (x->n_steps >= PL_COMPLAINT_STEPS) { /* keep the latest */
    memmove(&x->steps[0], &x->steps[1],
            (PL_COMPLAINT_STEPS - 1) * sizeof x->steps[0]);
    x->n_steps++;
  } else {
    x->n_steps++;
  }
  int32_t i =
      x->n_steps < PL_COMPLAINT_STEPS ? x->n_steps - 1 : PL_COMPLAINT_STEPS - 1;
  pl_complaint_step *s = &x->steps[i];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->at_ms = at;
  snprintf(s->actor, sizeof s->actor, "%s", actor == NULL ? "" : actor);
  snprintf(s->note, sizeof s->note, "%s", note == NULL ? "" : note);
}

/* Clocks passed unmet at `now` (PL_ESCALATED_* bits). */
static int32_t missed(const pl_complaint *x, int64_t now) {
  int32_t m = 0;
  int64_t ack = x->acknowledged_ms, res = x->resolved_ms;
  if (x->response_due_ms < now && (ack == 0 || ack > x->response_due_ms))
    m |= PL_ESCALATED_RESPONSE;
  if (x->resolution_due_ms < now && (res == 0 || res > x->resolution_due_ms))
    m |= PL_ESCALATED_RESOLUTION;
  return m;
}

/* Writes m (replacing complaint m->x.id, or new) and installs it. */
static int cmp_commit(pl_engine *e, pl__chain *c, pl__cust_chain *cc,
                      pl__cmp *cur, const pl__cmp *next, const pl_write *w,
                      pl__sync *sync) {
  pl__buf v = {0};
  complaint_row(&v, next);
  unsigned char id8[8];
  pl__cust_be64(id8, (uint64_t)next->x.id);
  int rc = pl__cust_queue(e, c, PL__K_COMPLAINT, id8, 8, &v, PL__OP_COMPLAINT,
                          w, sync);
  pl__buf_free(&v);
  if (rc != 0)
    return rc;
  *cur = *next;
  cmp_observe(c, cc, cur);
  return 0;
}

static int answer_repeat(pl_engine *e, const pl__cmp *m, const pl_write *w,
                         pl__sync *sync, pl_complaint *out) {
  int rc = pl__write_nothing(e, w, sync);
  if (rc == 0 && out != NULL)
    *out = m->x;
  return rc;
}

/* What pl_complaint_open refuses; *advisor (PL_ACTOR_MAX) is the order's
 * advisor when one is named. */
static int check_open(pl_engine *e, const pl_complaint *in, const char *actor,
                      const char *idem, char *advisor, pl_error *err) {
  int rc = check_store(e, in->chain, in->store, 0, err);
  if (rc == 0)
    rc = pl__check_range(err, "channel", in->channel, PL_COMPLAINT_BY_PHONE,
                         PL_COMPLAINT_BY_FOLLOWUP);
  if (rc == 0)
    rc = pl__check_range(err, "category", in->category, PL_COMPLAINT_QUALITY,
                         PL_COMPLAINT_OTHER);
  if (rc == 0)
    rc = pl__check_range(err, "severity", in->severity, 1, 3);
  if (rc == 0)
    rc = pl__check_text(err, "text", in->text, PL_CUST_TEXT_MAX, 0);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor, PL_ACTOR_MAX, 0);
  if (rc == 0)
    rc = pl__check_text(err, "idempotency_key", idem, PL_IDEM_MAX, 1);
  if (rc == 0)
    rc = pl__check_vin(err, "vin", in->vin, sizeof in->vin, 1);
  if (rc == 0 && in->customer_id < 0)
    rc = PL__FAIL(err, PL_EINVAL, "customer_id: negative");
  if (rc == 0 && in->wo_id != 0) {
    pl_work_order *wo = malloc(sizeof *wo);
    if (wo == NULL)
      return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
    if (pl_wo_get(e, in->chain, in->wo_id, wo, NULL) != 0)
      rc = PL__FAIL(err, PL_ENOTFOUND, "wo_id: no work order %lld",
                    (long long)in->wo_id);
    else if (in->vin[0] != '\0' && strcmp(wo->vehicle.vin, in->vin) != 0)
      rc = PL__FAIL(err, PL_EINVAL, "vin: the work order's vehicle is %s",
                    wo->vehicle.vin);
    else
      memcpy(advisor, wo->advisor, PL_ACTOR_MAX);
    free(wo);
  }
  return rc;
}

int pl_complaint_open(pl_engine *e, const pl_complaint *in, const char *actor,
                      const char *idem, const pl_write *w, pl_complaint *out,
                      pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  if (idem == NULL)
    idem = "";
  if (actor == NULL)
    actor = "";
  char advisor[PL_ACTOR_MAX] = "";
  int rc = pl__cust_lookup(e, in->chain, &c, &cc, err);
  if (rc == 0)
    rc = check_open(e, in, actor, idem, advisor, err);
  if (rc != 0)
    return rc;
  pl__sync sync;
  pthread_rwlock_wrlock(&cc->lock);
  int32_t i = idem[0] != '\0' ? pl__strmap_get(&cc->cmp_idem, idem) : -1;
  if (i >= 0) {
    rc = answer_repeat(e, cc->complaints.items[i], w, &sync, out);
    pthread_rwlock_unlock(&cc->lock);
    return pl__write_finish(rc, rc == 0, w, &sync, err);
  }
  if (in->customer_id > cc->customers.n)
    rc = PL__FAIL(err, PL_ENOTFOUND, "customer_id: no customer %lld",
                  (long long)in->customer_id);
  pl__cmp *m = rc == 0 ? calloc(1, sizeof *m) : NULL;
  if (rc == 0 && (m == NULL || pl__vec_reserve(&cc->complaints, 1) != 0 ||
                  pl__strmap_reserve(&cc->cmp_idem, 1) != 0))
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc == 0) {
    pl__cmp next = {0};
    pl_complaint *x = &next.x;
    int64_t now = pl__chain_now_ms(e, c);
    pl_complaint_policy p;
    policy_for(cc, c->info.code, in->store, &p);
    memcpy(x->chain, c->info.code, PL_CODE_MAX);
    x->id = cc->complaints.n + 1;
    memcpy(x->store, in->store, PL_CODE_MAX);
    x->customer_id = in->customer_id;
    memcpy(x->vin, in->vin, PL_VEH_VIN_MAX);
    x->wo_id = in->wo_id;
    memcpy(x->advisor, advisor, PL_ACTOR_MAX);
    x->channel = in->channel;
    x->category = in->category;
    x->severity = in->severity;
    memcpy(x->text, in->text, PL_CUST_TEXT_MAX);
    x->state = PL_COMPLAINT_OPEN;
    x->created_ms = now;
    x->response_due_ms = now + (int64_t)p.response_min * 60000;
    x->resolution_due_ms = now + (int64_t)p.resolution_min * 60000;
    add_step(x, PL_CSTEP_CREATED, now, actor, "");
    snprintf(next.idem, sizeof next.idem, "%s", idem);
    rc = cmp_commit(e, c, cc, m, &next, w, &sync);
  }
  if (rc == 0) {
    pl__vec_push(&cc->complaints, m);
    if (m->idem[0] != '\0')
      pl__strmap_put(&cc->cmp_idem, m->idem, cc->complaints.n - 1);
    if (out != NULL)
      *out = m->x;
    m = NULL;
  }
  pthread_rwlock_unlock(&cc->lock);
  free(m);
  return pl__write_finish(rc, rc == 0, w, &sync, err);
}

static const char *cstate_name(pl_complaint_state s) {
  static const char *n[] = {"?", "OPEN", "ACKNOWLEDGED", "RESOLVED", "CLOSED"};
  return s >= PL_COMPLAINT_OPEN && s <= PL_COMPLAINT_CLOSED ? n[s] : n[0];
}

int pl_complaint_act(pl_engine *e, const char *chain, int64_t id,
                     pl_complaint_action action, int32_t rating,
                     const char *actor, const char *note, const pl_write *w,
                     pl_complaint *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  if (actor == NULL)
    actor = "";
  if (note == NULL)
    note = "";
  int rc = pl__check_range(err, "action", action, PL_COMPLAINT_ACKNOWLEDGE,
                           PL_COMPLAINT_REOPEN);
  if (rc == 0)
    rc = action == PL_COMPLAINT_CLOSE
             ? pl__check_range(err, "rating", rating, 1, 5)
             : pl__check_range(err, "rating", rating, 0, 0);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor, PL_ACTOR_MAX, 0);
  if (rc == 0)
    rc = pl__check_text(err, "note", note, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__cust_lookup(e, chain, &c, &cc, err);
  if (rc != 0)
    return rc;
  static const pl_complaint_state from[] = {
      0, PL_COMPLAINT_OPEN, PL_COMPLAINT_ACKNOWLEDGED, PL_COMPLAINT_RESOLVED,
      PL_COMPLAINT_RESOLVED};
  static const pl_complaint_state to[] = {
      0, PL_COMPLAINT_ACKNOWLEDGED, PL_COMPLAINT_RESOLVED, PL_COMPLAINT_CLOSED,
      PL_COMPLAINT_ACKNOWLEDGED};
  static const pl_complaint_step_kind step[] = {
      0, PL_CSTEP_ACKNOWLEDGED, PL_CSTEP_RESOLVED, PL_CSTEP_CLOSED,
      PL_CSTEP_REOPENED};
  pl__sync sync;
  pthread_rwlock_wrlock(&cc->lock);
  pl__cmp *m =
      id >= 1 && id <= cc->complaints.n ? cc->complaints.items[id - 1] : NULL;
  if (m == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no complaint %lld", (long long)id);
  } else if (m->x.state != from[action]) {
    int last_same =
        m->x.n_steps > 0 &&
        m->x.steps[(m->x.n_steps < PL_COMPLAINT_STEPS ? m->x.n_steps
                                                      : PL_COMPLAINT_STEPS) -
                   1]
                .kind == step[action];
    if (m->x.state == to[action] && last_same) {
      rc = answer_repeat(e, m, w, &sync, out);
      pthread_rwlock_unlock(&cc->lock);
      return pl__write_finish(rc, rc == 0, w, &sync, err);
    }
    rc = PL__FAIL(err, PL_EPRECOND, "id: complaint %lld is %s", (long long)id,
                  cstate_name(m->x.state));
  }
  if (rc == 0) {
    pl__cmp next = *m;
    pl_complaint *x = &next.x;
    int64_t now = pl__chain_now_ms(e, c);
    x->state = to[action];
    if (action == PL_COMPLAINT_ACKNOWLEDGE && x->acknowledged_ms == 0)
      x->acknowledged_ms = now;
    if (action == PL_COMPLAINT_RESOLVE && x->resolved_ms == 0)
      x->resolved_ms = now;
    if (action == PL_COMPLAINT_CLOSE) {
      x->closed_ms = now;
      x->rating = rating;
    }
    add_step(x, step[action], now, actor, note);
    rc = cmp_commit(e, c, cc, m, &next, w, &sync);
    if (rc == 0 && out != NULL)
      *out = m->x;
  }
  pthread_rwlock_unlock(&cc->lock);
  return pl__write_finish(rc, rc == 0, w, &sync, err);
}

int pl_complaint_get(pl_engine *e, const char *chain, int64_t id,
                     pl_complaint *out, pl_error *err) {
  pl__cust_chain *cc = NULL;
  int rc = pl__cust_read(e, chain, &cc, err);
  if (rc != 0)
    return rc;
  if (id >= 1 && id <= cc->complaints.n)
    *out = ((pl__cmp *)cc->complaints.items[id - 1])->x;
  else
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no complaint %lld", (long long)id);
  pthread_rwlock_unlock(&cc->lock);
  return rc;
}

static int cmp_matches(const pl_complaint *x, const pl_complaint_filter *q,
                       int64_t now) {
  if (!pl__want_str(q->store, x->store) || !pl__want_str(q->vin, x->vin))
    return 0;
  if (q->state != 0 && q->state != x->state)
    return 0;
  return !q->overdue || missed(x, now) != 0;
}

int pl_complaint_list(pl_engine *e, const pl_complaint_filter *q,
                      pl_complaint *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  pl__cust_chain *cc = NULL;
  int rc = pl__check_range(err, "state", q->state, 0, PL_COMPLAINT_CLOSED);
  if (rc == 0)
    rc = pl__check_vin(err, "vin", q->vin, PL_VEH_VIN_MAX, 1);
  if (rc == 0)
    rc = pl__cust_lookup(e, q->chain, &c, &cc, err);
  if (rc != 0)
    return rc;
  int64_t now = pl__chain_now_ms(e, c);
  int n = 0;
  pthread_rwlock_rdlock(&cc->lock);
  /* ids are 1..n, item id - 1: start past after_id without computing
   * after_id + 1, which wraps at INT64_MAX */
  int64_t first = q->after_id < 0 ? 1
                  : q->after_id < cc->complaints.n
                      ? q->after_id + 1
                      : (int64_t)cc->complaints.n + 1;
  for (int64_t id = first; id <= cc->complaints.n && n < cap; id++) {
    const pl__cmp *m = cc->complaints.items[id - 1];
    if (cmp_matches(&m->x, q, now))
      out[n++] = m->x;
  }
  pthread_rwlock_unlock(&cc->lock);
  return n;
}

/* ---- escalation ---------------------------------------------------------- */

static int sweep_chain(pl_engine *e, pl__chain *c, pl__barrier *bar) {
  pl__cust_chain *cc = pl__cust_peek(c);
  if (cc == NULL)
    return 0;
  int64_t now = pl__chain_now_ms(e, c);
  /* the sweep runs every few seconds and finds nothing most times: look
   * under the read lock first, so readers are not held up for the scan */
  int any = 0;
  pthread_rwlock_rdlock(&cc->lock);
  for (int32_t i = 0; !any && i < cc->complaints.n; i++) {
    const pl__cmp *m = cc->complaints.items[i];
    any = (missed(&m->x, now) & ~m->x.escalated) != 0;
  }
  pthread_rwlock_unlock(&cc->lock);
  if (!any)
    return 0;
  int n = 0, rc = 0;
  pthread_rwlock_wrlock(&cc->lock);
  for (int32_t i = 0; rc == 0 && i < cc->complaints.n; i++) {
    pl__cmp *m = cc->complaints.items[i];
    int32_t due = missed(&m->x, now) & ~m->x.escalated;
    if (due == 0)
      continue;
    pl__cmp next = *m;
    pl_complaint_policy p;
    policy_for(cc, c->info.code, m->x.store, &p);
    snprintf(next.x.escalated_to, sizeof next.x.escalated_to, "%s", p.manager);
    next.x.escalated |= due;
    if (due & PL_ESCALATED_RESPONSE)
      add_step(&next.x, PL_CSTEP_ESCALATED_RESPONSE, now, "engine", p.manager);
    if (due & PL_ESCALATED_RESOLUTION)
      add_step(&next.x, PL_CSTEP_ESCALATED_RESOLUTION, now, "engine",
               p.manager);
    pl_write bw = pl__barrier_step(bar);
    rc = cmp_commit(e, c, cc, m, &next, &bw, NULL);
    if (rc == 0)
      n++;
  }
  pthread_rwlock_unlock(&cc->lock);
  return rc != 0 ? rc : n;
}

int pl_complaints_sweep(pl_engine *e, const char *chain, pl_error *err) {
  pl__barrier *bar = pl__barrier_new(NULL);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  int rc = 0, total = 0;
  if (chain != NULL) {
    pl__chain *c = NULL;
    rc = pl__chain_lookup(e, chain, &c, err);
    if (rc == 0)
      rc = sweep_chain(e, c, bar);
    total = rc > 0 ? rc : 0;
  } else {
    for (int i = 0;; i++) {
      pthread_rwlock_rdlock(&e->chains_lock);
      pl__chain *c = i < e->chains.n ? e->chains.items[i] : NULL;
      int end = i >= e->chains.n;
      pthread_rwlock_unlock(&e->chains_lock);
      if (end)
        break;
      if (c == NULL)
        continue;
      rc = sweep_chain(e, c, bar);
      if (rc < 0)
        break;
      total += rc;
      rc = 0;
    }
  }
  if (rc > 0)
    rc = 0;
  int wrc = pl__barrier_end(bar, rc);
  if (wrc != 0)
    return err != NULL && err->code == wrc
               ? wrc
               : PL__FAIL(err, wrc, "complaints: %s", pl_strerror(wrc));
  return total;
}
