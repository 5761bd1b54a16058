/* workorders/create.c — a work order's creation at reception (walk-in, or a
 * booking's check-in) and the technicians' assignment, automatic (by
 * skill, least-loaded first) or manual. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workorders/step.h"

#include "core/rowwrite.h"
#include "scheduling/sched_xs.h"

/* ---- create -------------------------------------------------------------- */

static int check_vehicle(const pl_vehicle *v, pl_error *err) {
  int rc = pl__check_plate(err, "vehicle.plate", v->plate, 1);
  if (rc == 0)
    rc = pl__check_vin(err, "vehicle.vin", v->vin, PL_VIN_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "vehicle.model", v->model, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.mileage_km", v->mileage_km, 0, 10000000);
  if (rc == 0)
    rc = pl__check_range(err, "vehicle.photos", v->n_photos, 0,
                         PL_WO_MAX_PHOTOS);
  for (int32_t i = 0; rc == 0 && i < v->n_photos; i++)
    rc = pl__check_text(err, "vehicle.photos", v->photos[i], PL_WO_REF_MAX, 0);
  return rc;
}

static int has_skill(const pl_technician_info *t, pl_skill sk, int32_t lvl) {
  for (int32_t i = 0; i < t->n_skills; i++)
    if (t->skills[i].skill == sk && t->skills[i].level >= lvl)
      return 1;
  return 0;
}

/* Automatic assignment: for each skill the labour items need (at the
 * highest level asked), the least-loaded technician of the store who has
 * it; one technician covering several skills is reused. Orders without
 * labour get the least-loaded technician. */
int pl__wo_auto_assign(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                       pl_work_order *w, pl_error *err) {
  int n = pl_technician_list(e, c->info.code, w->store, NULL, 0, NULL);
  w->n_techs = 0;
  if (n <= 0)
    return 0; /* a store without technicians: assign later */
  pl_technician_info *t = calloc((size_t)n, sizeof *t);
  if (t == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  n = pl_technician_list(e, c->info.code, w->store, t, n, NULL);
  int32_t need[PL_SKILL_MAX + 1] = {0};
  pthread_rwlock_rdlock(&c->lock);
  for (int32_t i = 0; i < w->n_items; i++) {
    if (w->items[i].kind != PL_ITEM_LABOUR)
      continue;
    const pl_service_info *svc = pl__sched_service(c, w->items[i].service);
    if (svc != NULL && svc->min_level > need[svc->skill])
      need[svc->skill] = svc->min_level;
  }
  pthread_rwlock_unlock(&c->lock);
  int rc = 0, any = 0;
  for (int sk = 1; sk <= PL_SKILL_MAX && rc == 0; sk++) {
    if (need[sk] == 0)
      continue;
    any = 1;
    int covered = 0;
    for (int32_t k = 0; k < w->n_techs && !covered; k++)
      for (int i = 0; i < n; i++)
        if (strcmp(t[i].code, w->techs[k]) == 0 &&
            has_skill(&t[i], (pl_skill)sk, need[sk]))
          covered = 1;
    if (covered)
      continue;
    int best = -1;
    int64_t best_load = 0;
    for (int i = 0; i < n; i++) {
      if (!has_skill(&t[i], (pl_skill)sk, need[sk]))
        continue;
      int64_t l = pl__wo_tech_load(wc, w->store, t[i].code);
      if (best < 0 || l < best_load) {
        best = i;
        best_load = l;
      }
    }
    if (best < 0)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "technicians: nobody at store '%s' has skill %d at level "
                    ">= %d",
                    w->store, sk, need[sk]);
    else if (w->n_techs < PL_WO_MAX_TECHS)
      memcpy(w->techs[w->n_techs++], t[best].code, PL_CODE_MAX);
  }
  if (rc == 0 && !any) {
    int best = 0;
    for (int i = 1; i < n; i++)
      if (pl__wo_tech_load(wc, w->store, t[i].code) <
          pl__wo_tech_load(wc, w->store, t[best].code))
        best = i;
    memcpy(w->techs[w->n_techs++], t[best].code, PL_CODE_MAX);
  }
  free(t);
  return rc;
}

int pl__wo_manual_assign(pl_engine *e, const char *chain, pl_work_order *w,
                         const char (*techs)[PL_CODE_MAX], int n,
                         pl_error *err) {
  if (n < 1 || n > PL_WO_MAX_TECHS)
    return PL__FAIL(err, PL_EINVAL, "technicians: %d given, 1..%d allowed", n,
                    PL_WO_MAX_TECHS);
  int total = pl_technician_list(e, chain, w->store, NULL, 0, NULL);
  pl_technician_info *t = total > 0 ? calloc((size_t)total, sizeof *t) : NULL;
  if (total > 0 && t == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (total > 0)
    total = pl_technician_list(e, chain, w->store, t, total, NULL);
  int rc = 0;
  for (int k = 0; k < n && rc == 0; k++) {
    rc = pl__check_code(err, "technicians", techs[k], PL_CODE_MAX);
    int found = 0;
    for (int i = 0; rc == 0 && i < total && !found; i++)
      found = strcmp(t[i].code, techs[k]) == 0;
    for (int j = 0; rc == 0 && j < k; j++)
      if (strcmp(techs[j], techs[k]) == 0)
        rc =
            PL__FAIL(err, PL_EINVAL, "technicians: '%s' given twice", techs[k]);
    if (rc == 0 && !found)
      rc = PL__FAIL(err, PL_ENOTFOUND,
                    "technicians: no technician '%s' at store '%s'", techs[k],
                    w->store);
  }
  free(t);
  if (rc != 0)
    return rc;
  w->n_techs = n;
  for (int k = 0; k < n; k++)
    memcpy(w->techs[k], techs[k], PL_CODE_MAX);
  return 0;
}

/* A repeat of a finished call: the same answer once what the first call
 * wrote is durable (an empty write queued behind it). */
int pl__wo_queue_repeat(pl_engine *e, pl__barrier *bar) {
  pl__batch b = {0};
  return pl__write_step(e, NULL, bar, &b, NULL);
}

/* Builds the order from a booking: store check, its services as labour
 * items (unless given), its technicians; *check_in says whether the
 * booking still has to be checked in (pl_wo_create does it last). */

static int from_booking(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                        const pl_wo_new *in, pl_work_order *w, int *check_in,
                        pl_error *err) {
  if (pl__u64map_get(&wc->booking_ix, (uint64_t)in->booking_id) != NULL)
    return PL__FAIL(err, PL_EEXIST,
                    "booking_id: booking %lld already has a work order",
                    (long long)in->booking_id);
  pl_booking_info b;
  int rc = pl_booking_get(e, c->info.code, in->booking_id, &b, NULL);
  if (rc != 0)
    return PL__FAIL(err, PL_ENOTFOUND, "booking_id: no booking %lld",
                    (long long)in->booking_id);
  if (strcmp(b.store, in->store) != 0)
    return PL__FAIL(err, PL_EINVAL,
                    "booking_id: booking %lld is at store '%s', not '%s'",
                    (long long)in->booking_id, b.store, in->store);
  if (b.state != PL_BOOKING_CONFIRMED && b.state != PL_BOOKING_HELD &&
      b.state != PL_BOOKING_CHECKED_IN)
    return PL__FAIL(err, PL_EPRECOND,
                    "booking_id: booking %lld cannot be checked in (state %d)",
                    (long long)in->booking_id, (int)b.state);
  if (w->vehicle.plate[0] == '\0')
    memcpy(w->vehicle.plate, b.plate, sizeof b.plate);
  if (w->vehicle.model[0] == '\0')
    memcpy(w->vehicle.model, b.model, sizeof w->vehicle.model);
  if (w->vehicle.mileage_km == 0)
    w->vehicle.mileage_km = b.mileage_km;
  for (int32_t s = 0; s < b.n_segments; s++) {
    int listed = 0;
    for (int32_t i = 0; i < w->n_items && !listed; i++)
      listed = w->items[i].kind == PL_ITEM_LABOUR &&
               strcmp(w->items[i].service, b.seg[s].service) == 0;
    if (!listed && w->n_items < PL_WO_MAX_ITEMS) {
      pl_wo_item_in li = {.kind = PL_ITEM_LABOUR};
      memcpy(li.service, b.seg[s].service, PL_CODE_MAX);
      rc = pl__wo_make_item(e, c, w->store, &li, w->n_items + 1,
                            "booking.service", &w->items[w->n_items], err);
      if (rc != 0)
        return rc;
      w->n_items++;
    }
    for (int32_t k = 0; k < b.seg[s].n_techs; k++) {
      int dup = 0;
      for (int32_t j = 0; j < w->n_techs; j++)
        dup |= strcmp(w->techs[j], b.seg[s].techs[k]) == 0;
      if (!dup && w->n_techs < PL_WO_MAX_TECHS)
        memcpy(w->techs[w->n_techs++], b.seg[s].techs[k], PL_CODE_MAX);
    }
  }
  *check_in = b.state != PL_BOOKING_CHECKED_IN;
  return rc;
}

/* Checks the booking in (the last refusable step of a create, so that a
 * refused create leaves the booking as it was). */
static int check_in_booking(pl_engine *e, pl__chain *c, int64_t id,
                            pl__barrier *bar, pl_error *err) {
  pl_write bw = pl__barrier_step(bar);
  int rc = pl_booking_transition(e, c->info.code, id, PL_BOOKING_CHECKED_IN,
                                 &bw, NULL, err);
  if (rc != 0)
    bw.durable(bw.arg, 0); /* not queued */
  return rc;
}

/* Checks a create's fields, store and items, and builds the order's
 * first state in *next (no id yet). Writes nothing. */
static int prepare(pl_engine *e, pl__chain *c, const pl_wo_new *in,
                   const char *idem, pl_work_order *next, pl_error *err) {
  int rc = pl__check_code(err, "store", in->store, PL_CODE_MAX);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc == 0)
    rc = check_vehicle(&in->vehicle, err);
  if (rc == 0)
    rc = pl__check_text(err, "complaint", in->complaint, PL_WO_TEXT_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "advisor", in->advisor, PL_ACTOR_MAX, 1);
  if (rc == 0)
    rc = pl__check_opt_code(err, "insurer", in->insurer, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "claim_no", in->claim_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "items", in->n_items, 0, PL_WO_MAX_ITEMS);
  if (rc == 0)
    rc = pl__check_range(err, "booking_id", in->booking_id, 0, INT64_MAX);
  if (rc == 0 && in->assign != 0 && in->assign != PL_ASSIGN_AUTO &&
      in->assign != PL_ASSIGN_MANUAL)
    rc = PL__FAIL(err, PL_EINVAL, "assign: %d is not AUTO or MANUAL",
                  (int)in->assign);
  pl_store_info si;
  if (rc == 0)
    rc = pl_store_get(e, in->chain, in->store, &si, err);
  if (rc != 0)
    return rc;
  memset(next, 0, pl__wo_size(0));
  memcpy(next->chain, c->info.code, PL_CODE_MAX);
  memcpy(next->store, si.code, PL_CODE_MAX);
  next->booking_id = in->booking_id;
  next->state = PL_WO_PENDING;
  next->vehicle = in->vehicle;
  memcpy(next->complaint, in->complaint, sizeof next->complaint);
  memcpy(next->advisor, in->advisor, sizeof next->advisor);
  memcpy(next->insurer, in->insurer, sizeof next->insurer);
  memcpy(next->claim_no, in->claim_no, sizeof next->claim_no);
  for (int32_t i = 0; rc == 0 && i < in->n_items; i++) {
    char field[32];
    snprintf(field, sizeof field, "items[%d]", i);
    rc = pl__wo_make_item(e, c, si.code, &in->items[i], i + 1, field,
                          &next->items[i], err);
  }
  next->n_items = in->n_items;
  return rc;
}

int pl__wo_validate(pl_engine *e, const pl_wo_new *in, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, in->chain, &c, &wc, err);
  pl_work_order *scratch = rc == 0 ? malloc(sizeof *scratch) : NULL;
  if (rc == 0 && scratch == NULL)
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc == 0)
    rc = prepare(e, c, in, NULL, scratch, err);
  free(scratch);
  return rc;
}

int pl_wo_create(pl_engine *e, const pl_wo_new *in, const char *idem,
                 const pl_write *w, pl_work_order *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, in->chain, &c, &wc, err);
  if (rc != 0)
    return rc;
  pl_work_order *next;
  pl__barrier *bar;
  rc = pl__wo_begin(w, &next, &bar, err);
  if (rc != 0)
    return rc;
  rc = prepare(e, c, in, idem, next, err);
  if (rc != 0) {
    free(next);
    return pl__barrier_end(bar, rc);
  }

  pthread_rwlock_wrlock(&wc->lock);
  int32_t dup =
      idem != NULL && idem[0] != '\0' ? pl__strmap_get(&wc->idem_ix, idem) : -1;
  pl__wo *o = NULL;
  if (dup >= 0) { /* a retry: the first answer */
    o = wc->orders.items[dup];
    if (out != NULL)
      memcpy(out, o->w, pl__wo_size(o->w->n_items));
    rc = pl__wo_queue_repeat(e, bar);
    pthread_rwlock_unlock(&wc->lock);
    free(next);
    return pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
  }
  int check_in = 0;
  if (rc == 0 && in->booking_id > 0 && !in->link_only)
    rc = from_booking(e, c, wc, in, next, &check_in, err);
  if (rc == 0) {
    int manual =
        in->assign == PL_ASSIGN_MANUAL || (in->assign == 0 && in->n_techs > 0);
    if (manual)
      rc = pl__wo_manual_assign(e, c->info.code, next, in->techs, in->n_techs,
                                err);
    else if (next->n_techs == 0)
      rc = pl__wo_auto_assign(e, c, wc, next, err);
  }
  /* warranty: decided on the order's first state; the claims ride in
   * its first write */
  pl__sclaim_set claims = {0};
  int64_t now_ms = pl__chain_now_ms(e, c);
  if (rc == 0)
    rc = pl__warranty_decide(e, c, wc, next, 0, now_ms, &claims, err);
  if (rc == 0 && (pl__sclaims_reserve(wc, &claims) != 0 ||
                  pl__wo_vin_reserve(wc, next->vehicle.vin) != 0))
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc == 0 && check_in)
    rc = check_in_booking(e, c, in->booking_id, bar, err);
  if (rc == 0) {
    o = calloc(1, sizeof *o);
    int32_t cap = next->n_items + 4;
    if (cap > PL_WO_MAX_ITEMS)
      cap = PL_WO_MAX_ITEMS;
    if (o != NULL)
      o->w = calloc(1, pl__wo_size(cap));
    if (o == NULL || o->w == NULL || pl__vec_reserve(&wc->orders, 1) != 0 ||
        pl__strmap_reserve(&wc->idem_ix, 1) != 0) {
      if (o != NULL)
        free(o->w);
      free(o);
      o = NULL;
      rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
    } else {
      o->cap_items = cap;
    }
  }
  if (rc == 0) {
    next->id = wc->orders.n + 1;
    next->created_ms = now_ms;
    for (int32_t k = 0; k < claims.n; k++)
      claims.v[k].wo_id = next->id;
    memcpy(o->w, next, offsetof(pl_work_order, items)); /* id for steps */
    pl__wo_step s = {.e = e,
                     .c = c,
                     .wc = wc,
                     .o = o,
                     .next = next,
                     .idem = idem != NULL ? idem : "",
                     .bar = bar,
                     .claims = claims.v,
                     .n_claims = claims.n};
    snprintf(o->idem, sizeof o->idem, "%s", s.idem);
    pl__wo_step_event(&s, PL_WOE_CREATED, 0, in->advisor, in->complaint);
    rc = pl__wo_step_queue(&s);
    s.claims = NULL;
    s.n_claims = 0;
    if (rc != 0) {
      free(o->w);
      free(o);
    } else {
      pl__vec_push(&wc->orders, o);
      pl__wo_vin_add(wc, next->vehicle.vin, next->id);
      pl__sclaims_install(wc, &claims);
      if (o->idem[0] != '\0')
        pl__strmap_put(&wc->idem_ix, o->idem, wc->orders.n - 1);
      if (next->booking_id > 0)
        pl__u64map_put(&wc->booking_ix, (uint64_t)next->booking_id,
                       (void *)(intptr_t)wc->orders.n);
      /* parts: reserve what stock allows, one movement each */
      s.ev.kind = 0;
      for (int32_t i = 0; rc == 0 && i < next->n_items; i++)
        if (next->items[i].kind == PL_ITEM_PART)
          rc = pl__wo_reserve_item(
              &s, i, in->advisor[0] ? in->advisor : "reception", err);
      if (out != NULL)
        memcpy(out, o->w, pl__wo_size(o->w->n_items));
      rc = rc == PL_EUNAVAIL || rc == PL_ENOMEM ? rc : 0;
    }
  }
  pthread_rwlock_unlock(&wc->lock);
  pl__sclaim_set_free(&claims);
  free(next);
  return pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
}
