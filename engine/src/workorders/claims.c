/* workorders/claims.c — insurers' claims and fleets' batches (see claims.h).
 *
 * A claim is three steps, each idempotent under a key derived from
 * (insurer, claim_no): the booking hold (scheduling's idempotency key),
 * the work order (work orders' idempotency key) and the claim row, which
 * is written last and makes the claim visible. Under claim_mu (taken
 * before the work orders' lock), a repeat finds the row; a retry after a
 * crash that left only the first steps finds their keys and so the same
 * booking and order. One pl__barrier ties the steps to the caller's
 * pl_write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/barrier.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "pitlane/claims.h"
#include "workorders/step.h"

#define ROW_VERSION 1
#define DAY_MIN 1440LL
#define DEFAULT_WINDOW_DAYS 14LL

typedef struct pl__claim {
  pl_claim info; /* n_options 0: options are only in the submit reply */
  char key[2 * PL_CODE_MAX + 1]; /* insurer 0x01 claim_no: claim_ix key */
} pl__claim;

void pl__claims_free(pl__wo_chain *wc) {
  pl__vec_free_all(&wc->claims);
  pl__strmap_free(&wc->claim_ix);
}

static void claim_ix_key(char *k, const char *insurer, const char *claim_no) {
  snprintf(k, (size_t)2 * PL_CODE_MAX + 1, "%s\x01%s", insurer, claim_no);
}

static void claim_key(pl__buf *k, const char *chain, const char *insurer,
                      const char *claim_no) {
  pl__key_make(k, chain, PL__K_CLAIM, insurer, claim_no);
}

static void claim_row(pl__buf *v, const pl_claim *c) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, c->policy_no);
  pl__buf_str(v, c->store);
  pl__buf_svar(v, c->wo_id);
  pl__buf_svar(v, c->booking_id);
  pl__buf_svar(v, c->estimate_fen);
  pl__buf_svar(v, c->quoted_fen);
  pl__buf_svar(v, c->created_ms);
}

static int insert(pl__wo_chain *wc, pl__claim *cl) {
  claim_ix_key(cl->key, cl->info.insurer, cl->info.claim_no);
  if (pl__vec_reserve(&wc->claims, 1) != 0 ||
      pl__strmap_reserve(&wc->claim_ix, 1) != 0)
    return PL_ENOMEM;
  pl__vec_push(&wc->claims, cl);
  pl__strmap_put(&wc->claim_ix, cl->key, wc->claims.n - 1);
  return 0;
}

int pl__claim_load(pl__chain *c, pl__wo_chain *wc, const unsigned char *rest,
                   size_t rl, const unsigned char *val, size_t vl) {
  const unsigned char *z = memchr(rest, 0, rl);
  if (z == NULL || (size_t)(z - rest) >= PL_CODE_MAX ||
      rl - (size_t)(z - rest) - 1 >= PL_CODE_MAX)
    return PL_ECORRUPT;
  pl__claim *cl = calloc(1, sizeof *cl);
  if (cl == NULL)
    return PL_ENOMEM;
  pl_claim *ci = &cl->info;
  memcpy(ci->chain, c->info.code, PL_CODE_MAX);
  memcpy(ci->insurer, rest, (size_t)(z - rest));
  memcpy(ci->claim_no, z + 1, rl - (size_t)(z - rest) - 1);
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int rc = pl__rd_uvar(&r) == ROW_VERSION ? 0 : PL_ECORRUPT;
  pl__rd_str(&r, ci->policy_no, sizeof ci->policy_no);
  pl__rd_str(&r, ci->store, sizeof ci->store);
  ci->wo_id = pl__rd_svar(&r);
  ci->booking_id = pl__rd_svar(&r);
  ci->estimate_fen = pl__rd_svar(&r);
  ci->quoted_fen = pl__rd_svar(&r);
  ci->created_ms = pl__rd_svar(&r);
  if (rc == 0 && r.bad)
    rc = PL_ECORRUPT;
  if (rc == 0)
    rc = insert(wc, cl);
  if (rc != 0)
    free(cl);
  return rc;
}

/* A 64-bit FNV-1a of the claim's identity: the steps' idempotency key
 * ("clm-" + 16 hex digits), short enough for any module's key field. */
static void step_key(char *out, const char *insurer, const char *claim_no) {
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = insurer; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  h = (h ^ 1u) * 1099511628211ULL;
  for (const char *p = claim_no; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  snprintf(out, PL_IDEM_MAX, "clm-%016llx", (unsigned long long)h);
}

static int check_claim(const pl_claim_req *in, pl_error *err) {
  int rc = pl__check_code(err, "chain", in->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "store", in->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "insurer", in->insurer, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "claim_no", in->claim_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "policy_no", in->policy_no, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "service", in->service, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "estimate_fen", in->estimate_fen, 0,
                         INT64_MAX / 4);
  if (rc == 0)
    rc = pl__check_range(err, "hold_ttl_ms", in->hold_ttl_ms, 0,
                         24LL * 3600 * 1000);
  if (rc == 0)
    rc = pl__check_window(err, "earliest_min", in->earliest, "latest_min",
                          in->latest, 1);
  if (rc == 0 && in->vehicle.plate[0] == '\0' && in->vehicle.vin[0] == '\0')
    rc = PL__FAIL(err, PL_EINVAL, "vehicle: a plate or a VIN is required");
  return rc;
}

/* The window [earliest, latest) in UTC minutes (checked by
 * pl__check_window: latest 0 = not given, else after earliest), its start
 * on the 5-minute grid and not before now. Returns 0 when the window has
 * nothing left (a given latest at or before that start): no slot, never a
 * default window instead. */
static int window(pl_engine *e, const pl__chain *c, int64_t earliest,
                  int64_t latest, int64_t *lo, int64_t *hi) {
  int64_t now_min = (pl__chain_now_ms(e, c) / 60000 + 4) / 5 * 5;
  *lo = earliest > now_min ? (earliest + 4) / 5 * 5 : now_min;
  *hi = latest > 0 ? latest : *lo + DEFAULT_WINDOW_DAYS * DAY_MIN;
  return *hi > *lo;
}

/* The best slots for services at stores; returns the count (>= 0). */
static int recommend(pl_engine *e, const char *chain,
                     const char (*stores)[PL_CODE_MAX], int n_stores,
                     const char (*services)[PL_CODE_MAX], int n_services,
                     int64_t lo, int64_t hi, pl_slot_option *out, int k,
                     pl_error *err) {
  pl_slot_query q = {.chain = chain,
                     .n_stores = n_stores,
                     .n_services = n_services,
                     .earliest = lo,
                     .latest = hi,
                     .k = k};
  for (int i = 0; i < n_stores; i++)
    q.stores[i] = stores[i];
  for (int i = 0; i < n_services; i++)
    q.services[i] = services[i];
  return pl_recommend_slots(e, &q, out, k, err);
}

/* Holds `opt` for the vehicle; 0 or the engine's code. */
static int hold(pl_engine *e, const char *chain, const pl_slot_option *opt,
                pl_channel channel, const char *customer, const pl_vehicle *v,
                int64_t ttl_ms, const char *idem, pl__barrier *bar,
                pl_booking_info *out, pl_error *err) {
  pl_booking_info b = {0};
  memcpy(b.chain, chain, PL_CODE_MAX);
  memcpy(b.store, opt->store, PL_CODE_MAX);
  b.channel = channel;
  snprintf(b.customer, sizeof b.customer, "%s", customer);
  memcpy(b.plate, v->plate, sizeof b.plate);
  memcpy(b.model, v->model, sizeof b.model);
  b.mileage_km = v->mileage_km;
  b.n_segments = opt->n_segments;
  memcpy(b.seg, opt->seg, sizeof b.seg);
  pl_write w = pl__barrier_step(bar);
  int rc = pl_booking_hold(e, &b, ttl_ms, idem, &w, out, err);
  if (rc != 0)
    w.durable(w.arg, 0); /* not queued */
  return rc;
}

static int queue_claim_row(pl_engine *e, pl__chain *c, const pl_claim *ci,
                           pl__barrier *bar) {
  pl__buf k = {0}, v = {0};
  claim_key(&k, c->info.code, ci->insurer, ci->claim_no);
  claim_row(&v, ci);
  pl__batch b = {0};
  pl__batch_put(&b, k.p, k.n, v.p, v.n);
  pl__entry en = {.op = PL__OP_CLAIM,
                  .at_ms = ci->created_ms,
                  .key = k.p,
                  .kl = k.n,
                  .val = v.p,
                  .vl = v.n};
  int rc = k.oom || v.oom ? PL_ENOMEM : pl__write_step(e, c, bar, &b, &en);
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return rc;
}

/* The steps of a new claim (under claim_mu). */
static int submit_new(pl_engine *e, pl__chain *c, pl__wo_chain *wc,
                      const pl_claim_req *in, pl__barrier *bar, pl_claim *ci,
                      pl_error *err) {
  char key[PL_IDEM_MAX];
  step_key(key, in->insurer, in->claim_no);
  memcpy(ci->chain, c->info.code, PL_CODE_MAX);
  memcpy(ci->insurer, in->insurer, PL_CODE_MAX);
  memcpy(ci->claim_no, in->claim_no, PL_CODE_MAX);
  memcpy(ci->policy_no, in->policy_no, PL_CODE_MAX);
  memcpy(ci->store, in->store, PL_CODE_MAX);
  ci->estimate_fen = in->estimate_fen;
  ci->created_ms = pl__chain_now_ms(e, c);
  pl_wo_new *wo = calloc(1, sizeof *wo);
  pl_work_order *got = malloc(sizeof *got);
  if (wo == NULL || got == NULL) {
    free(wo);
    free(got);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  memcpy(wo->chain, c->info.code, PL_CODE_MAX);
  memcpy(wo->store, in->store, PL_CODE_MAX);
  wo->link_only = 1;
  wo->vehicle = in->vehicle;
  memcpy(wo->complaint, in->damage, sizeof wo->complaint);
  snprintf(wo->advisor, sizeof wo->advisor, "insurer:%s", in->insurer);
  memcpy(wo->insurer, in->insurer, PL_CODE_MAX);
  memcpy(wo->claim_no, in->claim_no, PL_CODE_MAX);
  wo->n_items = in->n_items;
  memcpy(wo->items, in->items, sizeof wo->items);
  /* everything the order would refuse is refused before the hold, so a
   * refused claim leaves nothing behind */
  int rc = pl__wo_validate(e, wo, err);
  if (rc == 0 && in->service[0] != '\0') {
    int64_t lo, hi;
    int open = window(e, c, in->earliest, in->latest, &lo, &hi);
    const char(*stores)[PL_CODE_MAX] = &in->store;
    const char(*svcs)[PL_CODE_MAX] = &in->service;
    /* a hold can lose its slot to a racing booking between the search
     * and the hold: search again, twice at most; then the claim goes on
     * without a booking (its order still made) */
    for (int attempt = 0; open && rc == 0 && attempt < 3; attempt++) {
      int n = recommend(e, c->info.code, stores, 1, svcs, 1, lo, hi,
                        ci->options, in->hold ? 1 : PL_CLAIM_OPTIONS, err);
      rc = n < 0 ? n : 0;
      ci->n_options = n > 0 ? n : 0;
      if (n <= 0 || !in->hold)
        break;
      pl_booking_info b;
      pl_error he = {0};
      int hr =
          hold(e, c->info.code, &ci->options[0], PL_CHANNEL_INSURER,
               in->insurer, &in->vehicle,
               in->hold_ttl_ms > 0 ? in->hold_ttl_ms : PL_CLAIM_DEFAULT_TTL_MS,
               key, bar, &b, &he);
      if (hr == 0) {
        ci->booking_id = b.id;
        break;
      }
      if (hr != PL_EPRECOND)
        rc = PL__FAIL(err, hr, "%s", he.msg);
    }
  }
  if (rc != 0) {
    free(wo);
    free(got);
    return rc;
  }
  wo->booking_id = ci->booking_id;
  pl_write w = pl__barrier_step(bar);
  rc = pl_wo_create(e, wo, key, &w, got, err);
  if (rc != 0) {
    w.durable(w.arg, 0);
  } else {
    int64_t l, p;
    pl_wo_totals(got, &l, &p);
    ci->wo_id = got->id;
    ci->quoted_fen = l + p;
  }
  free(wo);
  free(got);
  if (rc != 0)
    return rc;
  pl__claim *cl = calloc(1, sizeof *cl);
  if (cl == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  cl->info = *ci;
  cl->info.n_options = 0;
  rc = queue_claim_row(e, c, ci, bar);
  if (rc == 0)
    rc = insert(wc, cl);
  if (rc != 0) {
    free(cl);
    return PL__FAIL(err, rc, "%s", pl_strerror(rc));
  }
  return 0;
}

/* The chain's state and a barrier for the caller's write: the start of a
 * claim or a batch (input already checked). */
static int begin(pl_engine *e, const char *chain, const pl_write *w,
                 pl__chain **c, pl__wo_chain **wc, pl__barrier **bar,
                 pl_error *err) {
  int rc = pl__wo_lookup(e, chain, c, wc, err);
  if (rc != 0)
    return rc;
  *bar = pl__barrier_new(w);
  return *bar == NULL ? PL__FAIL(err, PL_ENOMEM, "engine: out of memory") : 0;
}

int pl_claim_submit(pl_engine *e, const pl_claim_req *in, const pl_write *w,
                    pl_claim *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  pl__barrier *bar = NULL;
  int rc = check_claim(in, err);
  if (rc == 0)
    rc = begin(e, in->chain, w, &c, &wc, &bar, err);
  if (rc != 0)
    return rc;
  pl_claim ci = {0};
  char k[2 * PL_CODE_MAX + 1];
  claim_ix_key(k, in->insurer, in->claim_no);
  pthread_mutex_lock(&wc->claim_mu);
  int32_t i = pl__strmap_get(&wc->claim_ix, k);
  if (i >= 0) { /* a repeat: the first answer, once it is durable */
    ci = ((pl__claim *)wc->claims.items[i])->info;
    ci.replayed = 1;
    pl__batch b = {0};
    rc = pl__write_step(e, c, bar, &b, NULL);
  } else {
    rc = submit_new(e, c, wc, in, bar, &ci, err);
  }
  pthread_mutex_unlock(&wc->claim_mu);
  rc = pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
  if (rc == 0 && out != NULL)
    *out = ci;
  return rc;
}

int pl_claim_get(pl_engine *e, const char *chain, const char *insurer,
                 const char *claim_no, pl_claim *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc == 0)
    rc = pl__check_code(err, "insurer", insurer, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "claim_no", claim_no, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  char k[2 * PL_CODE_MAX + 1];
  claim_ix_key(k, insurer, claim_no);
  pthread_mutex_lock(&wc->claim_mu);
  int32_t i = pl__strmap_get(&wc->claim_ix, k);
  if (i >= 0)
    *out = ((pl__claim *)wc->claims.items[i])->info;
  pthread_mutex_unlock(&wc->claim_mu);
  return i >= 0 ? 0
                : PL__FAIL(err, PL_ENOTFOUND,
                           "claim_no: insurer '%s' has no claim '%s'", insurer,
                           claim_no);
}

static int cmp_claim(const void *a, const void *b) {
  const pl_claim *x = a, *y = b;
  int d = strcmp(x->claim_no, y->claim_no);
  return d != 0 ? d : strcmp(x->insurer, y->insurer);
}

int pl_claim_list(pl_engine *e, const char *chain, const char *insurer,
                  const char *after, pl_claim *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc == 0)
    rc = pl__check_opt_code(err, "insurer", insurer, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_opt_code(err, "after_claim_no", after, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pthread_mutex_lock(&wc->claim_mu);
  int n = 0, total = wc->claims.n;
  pl_claim *all = total > 0 ? malloc((size_t)total * sizeof *all) : NULL;
  for (int i = 0; all != NULL && i < total; i++) {
    const pl_claim *ci = &((pl__claim *)wc->claims.items[i])->info;
    if ((insurer[0] == '\0' || strcmp(ci->insurer, insurer) == 0) &&
        strcmp(ci->claim_no, after) > 0)
      all[n++] = *ci;
  }
  pthread_mutex_unlock(&wc->claim_mu);
  if (total > 0 && all == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (n > 1)
    qsort(all, (size_t)n, sizeof *all, cmp_claim);
  if (n > cap)
    n = cap;
  if (n > 0)
    memcpy(out, all, (size_t)n * sizeof *out);
  free(all);
  return n;
}

/* ---- fleets -----------------------------------------------------------------
 */

static int check_batch(const pl_fleet_batch *in, pl_error *err) {
  int rc = pl__check_code(err, "chain", in->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "fleet", in->fleet, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "jobs", in->n_jobs, 1, PL_FLEET_MAX_JOBS);
  if (rc == 0)
    rc = pl__check_range(err, "stores", in->n_stores, 0, PL_MAX_QUERY_STORES);
  if (rc == 0)
    rc = pl__check_opt_code(err, "idempotency_key", in->idem, PL_IDEM_MAX - 5);
  if (rc == 0)
    rc = pl__check_range(err, "hold_ttl_ms", in->hold_ttl_ms, 0,
                         24LL * 3600 * 1000);
  if (rc == 0)
    rc = pl__check_window(err, "earliest_min", in->earliest, "latest_min",
                          in->latest, 1);
  for (int i = 0; rc == 0 && i < in->n_stores; i++)
    rc = pl__check_code(err, "stores", in->stores[i], PL_CODE_MAX);
  for (int j = 0; rc == 0 && j < in->n_jobs; j++) {
    const pl_fleet_job *job = &in->jobs[j];
    char f[48];
    /* a job's own earliest replaces the batch's within the batch window */
    snprintf(f, sizeof f, "jobs[%d].earliest_min", j);
    rc = pl__check_window(err, f, job->earliest, "latest_min", in->latest, 1);
    snprintf(f, sizeof f, "jobs[%d].services", j);
    if (rc == 0)
      rc = pl__check_range(err, f, job->n_services, 1, PL_MAX_VISIT);
    for (int s = 0; rc == 0 && s < job->n_services; s++)
      rc = pl__check_code(err, f, job->services[s], PL_CODE_MAX);
    snprintf(f, sizeof f, "jobs[%d].store", j);
    if (rc == 0)
      rc = pl__check_opt_code(err, f, job->store, PL_CODE_MAX);
    if (rc == 0 && job->store[0] == '\0' && in->n_stores == 0)
      rc = PL__FAIL(err, PL_EINVAL,
                    "jobs[%d].store: required when the batch names no stores",
                    j);
    snprintf(f, sizeof f, "jobs[%d].vehicle.plate", j);
    if (rc == 0)
      rc = pl__check_plate(err, f, job->vehicle.plate, 0);
    snprintf(f, sizeof f, "jobs[%d].vehicle.vin", j);
    if (rc == 0)
      rc = pl__check_vin(err, f, job->vehicle.vin, PL_VIN_MAX, 1);
  }
  return rc;
}

int pl_fleet_schedule(pl_engine *e, const pl_fleet_batch *in, const pl_write *w,
                      pl_fleet_result *res, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  pl__barrier *bar = NULL;
  int rc = check_batch(in, err);
  if (rc == 0)
    rc = begin(e, in->chain, w, &c, &wc, &bar, err);
  if (rc != 0)
    return rc;
  int scheduled = 0;
  for (int j = 0; j < in->n_jobs && rc == 0; j++) {
    const pl_fleet_job *job = &in->jobs[j];
    pl_fleet_result *r = &res[j];
    memset(r, 0, sizeof *r);
    int64_t lo, hi;
    int open = window(e, c, job->earliest > 0 ? job->earliest : in->earliest,
                      in->latest, &lo, &hi);
    pl_error je = {0};
    int n = !open ? 0
            : job->store[0] != '\0'
                ? recommend(e, c->info.code, &job->store, 1, job->services,
                            job->n_services, lo, hi, &r->option, 1, &je)
                : recommend(e, c->info.code, in->stores, in->n_stores,
                            job->services, job->n_services, lo, hi, &r->option,
                            1, &je);
    if (n < 0) {
      snprintf(r->error, sizeof r->error, "%s", je.msg);
      continue;
    }
    if (n == 0) {
      snprintf(r->error, sizeof r->error,
               "no free slot for the services in the window");
      continue;
    }
    if (in->hold) {
      char key[PL_IDEM_MAX + 16] = ""; /* idem is checked to leave room */
      if (in->idem[0] != '\0')
        snprintf(key, sizeof key, "%s.%d", in->idem, j);
      int hr =
          hold(e, c->info.code, &r->option, PL_CHANNEL_FLEET, in->fleet,
               &job->vehicle,
               in->hold_ttl_ms > 0 ? in->hold_ttl_ms : PL_CLAIM_DEFAULT_TTL_MS,
               key[0] ? key : NULL, bar, &r->booking, &je);
      if (hr == PL_EUNAVAIL || hr == PL_ENOMEM) {
        rc = PL__FAIL(err, hr, "%s", je.msg);
        break;
      }
      if (hr != 0) {
        snprintf(r->error, sizeof r->error, "%s", je.msg);
        continue;
      }
    }
    r->scheduled = 1;
    scheduled++;
  }
  (void)wc;
  rc = pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
  return rc != 0 ? rc : scheduled;
}
