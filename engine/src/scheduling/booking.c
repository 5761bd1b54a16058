/* scheduling/booking.c — bookings: hold, the state transitions, reschedule,
 * lookups, the day board, and their stored rows.
 *
 * A booking occupies its bay and technicians while it is held (until its
 * expiry), confirmed or checked in. Under the store's mutex:
 *  1. b->occ_ix >= 0 iff the booking occupies (is in ss->occupying);
 *  2. b->held_ix >= 0 iff it is HELD and not yet swept (in ss->held);
 *  3. occupying bookings never share a cell of one resource.
 * Every mutation checks, queues its row and ledger entry, then applies to
 * memory (the pattern of core/admin.c), all under the store's mutex, so no
 * other booking can slip in between the check and the apply. */
#include <stdlib.h>
#include <string.h>

#include "base/filter.h"
#include "base/validate.h"
#include "core/keys.h"
#include "core/observe.h"
#include "core/rowwrite.h"
#include "scheduling/sched_int.h"

/* Row versions: 1 as first written; 2 appends confirmed_ms, loaner_need,
 * loaner, loaner_until and loaner_phase (a version 1 row reads as never
 * confirmed-timed and without a loaner). */
#define ROW_VERSION 2

int pl__booking_holds_loaner(const pl__booking *b) {
  return b->occ_ix >= 0 && b->loaner >= 0 &&
         (b->info.loaner_phase == PL_LOANER_RESERVED ||
          b->info.loaner_phase == PL_LOANER_HANDED_OUT);
}

int pl__booking_occupies(const pl__booking *b, int64_t now_ms) {
  switch (b->info.state) {
  case PL_BOOKING_HELD:
    return b->info.expires_ms > now_ms;
  case PL_BOOKING_CONFIRMED:
  case PL_BOOKING_CHECKED_IN:
    return 1;
  default:
    return 0;
  }
}

/* ---- rows --------------------------------------------------------------- */

void pl__booking_key(pl__buf *k, const char *chain, int64_t id) {
  pl__key_prefix(k, chain, PL__K_BOOKING);
  pl__buf_be64(k, (uint64_t)id);
}

void pl__booking_row(pl__buf *v, const pl__booking *b) {
  const pl_booking_info *i = &b->info;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, i->store);
  pl__buf_uvar(v, (uint64_t)i->state);
  pl__buf_uvar(v, (uint64_t)i->channel);
  pl__buf_str(v, i->customer);
  pl__buf_str(v, i->plate);
  pl__buf_str(v, i->model);
  pl__buf_svar(v, i->mileage_km);
  pl__buf_uvar(v, (uint64_t)i->n_segments);
  for (int s = 0; s < i->n_segments; s++) {
    const pl_segment *sg = &i->seg[s];
    pl__buf_str(v, sg->service);
    pl__buf_str(v, sg->bay);
    pl__buf_uvar(v, (uint64_t)sg->n_techs);
    for (int t = 0; t < sg->n_techs; t++)
      pl__buf_str(v, sg->techs[t]);
    pl__buf_svar(v, sg->start);
    pl__buf_svar(v, sg->end);
  }
  pl__buf_svar(v, i->expires_ms);
  pl__buf_svar(v, i->created_ms);
  pl__buf_svar(v, i->updated_ms);
  pl__buf_str(v, b->idem);
  pl__buf_svar(v, i->confirmed_ms); /* version 2 */
  pl__buf_uvar(v, (uint64_t)i->loaner_need);
  pl__buf_str(v, i->loaner);
  pl__buf_svar(v, i->loaner_until);
  pl__buf_uvar(v, (uint64_t)i->loaner_phase);
}

static int booking_read(pl__rd *r, pl__booking *b) {
  pl_booking_info *i = &b->info;
  uint64_t version = pl__rd_uvar(r);
  if (version < 1 || version > ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, i->store, sizeof i->store);
  i->state = (pl_booking_state)pl__rd_uvar(r);
  i->channel = (pl_channel)pl__rd_uvar(r);
  pl__rd_str(r, i->customer, sizeof i->customer);
  pl__rd_str(r, i->plate, sizeof i->plate);
  pl__rd_str(r, i->model, sizeof i->model);
  i->mileage_km = pl__rd_svar(r);
  uint64_t n = pl__rd_uvar(r);
  if (n == 0 || n > PL_MAX_VISIT)
    return PL_ECORRUPT;
  i->n_segments = (int32_t)n;
  for (uint64_t s = 0; s < n; s++) {
    pl_segment *sg = &i->seg[s];
    pl__rd_str(r, sg->service, sizeof sg->service);
    pl__rd_str(r, sg->bay, sizeof sg->bay);
    uint64_t nt = pl__rd_uvar(r);
    if (nt > PL_MAX_JOB_TECHS)
      return PL_ECORRUPT;
    sg->n_techs = (int32_t)nt;
    for (uint64_t t = 0; t < nt; t++)
      pl__rd_str(r, sg->techs[t], sizeof sg->techs[t]);
    sg->start = pl__rd_svar(r);
    sg->end = pl__rd_svar(r);
  }
  i->start = i->seg[0].start;
  i->end = i->seg[n - 1].end;
  i->expires_ms = pl__rd_svar(r);
  i->created_ms = pl__rd_svar(r);
  i->updated_ms = pl__rd_svar(r);
  pl__rd_str(r, b->idem, sizeof b->idem);
  if (version >= 2) {
    i->confirmed_ms = pl__rd_svar(r);
    i->loaner_need = (pl_loaner_need)pl__rd_uvar(r);
    pl__rd_str(r, i->loaner, sizeof i->loaner);
    i->loaner_until = pl__rd_svar(r);
    i->loaner_phase = (pl_loaner_phase)pl__rd_uvar(r);
  }
  if (r->bad || i->state < PL_BOOKING_HELD || i->state > PL_BOOKING_NO_SHOW ||
      (unsigned)i->loaner_need > PL_LOANER_NAMED ||
      (unsigned)i->loaner_phase > PL_LOANER_RETURNED ||
      (i->loaner_need != PL_LOANER_NONE) != (i->loaner[0] != '\0'))
    return PL_ECORRUPT;
  return 0;
}

/* ---- shared steps ------------------------------------------------------- */

typedef struct book_ctx {
  pl__chain *c;
  pl__store *s;
  pl__sched_store *ss;
  pl__buf key, val;
  pl__sync sync;
  int queued;
  /* the change for those who follow bookings once durable (core/observe.h:
   * the store watchers), when the caller waits: published by ctx_finish */
  pl__booking_notice *notice;
} book_ctx;

static void ctx_unlock(book_ctx *x) {
  if (x->ss != NULL)
    pthread_mutex_unlock(&x->ss->mu);
  if (x->c != NULL)
    pthread_rwlock_unlock(&x->c->lock);
}

static int ctx_finish(book_ctx *x, int rc, const pl_write *w, pl_error *err) {
  ctx_unlock(x);
  rc = pl__write_finish(rc, x->queued, w, &x->sync, err);
  if (x->notice != NULL) { /* only set when the caller waited */
    pl__observe_booking_durable(x->notice, rc);
    x->notice = NULL;
  }
  pl__buf_free(&x->key);
  pl__buf_free(&x->val);
  return rc;
}

/* Locks chain (read) and finds the chain; PL_ENOTFOUND names `field`. */
static int ctx_chain(pl_engine *e, book_ctx *x, const char *chain,
                     const char *field, pl_error *err) {
  return pl__chain_lock(e, chain, 0, field, &x->c, err);
}

static int ctx_store(book_ctx *x, pl__store *s, pl_error *err) {
  x->s = s;
  x->ss = pl__sched_store_of(x->c, s);
  if (x->ss == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pthread_mutex_lock(&x->ss->mu);
  return 0;
}

/* Finds booking `id` under book_mu (the table only grows). */
static pl__booking *booking_find(pl__chain *c, int64_t id) {
  pl__sched_chain *sc = pl__sched_peek(c);
  pl__booking *b = NULL;
  pthread_mutex_lock(&sc->book_mu);
  if (id >= 1 && id <= sc->bookings.n)
    b = sc->bookings.items[id - 1];
  pthread_mutex_unlock(&sc->book_mu);
  return b;
}

static pl__store *store_of(pl__chain *c, const char *code) {
  int32_t i = pl__strmap_get(&c->store_ix, code);
  return i >= 0 ? c->stores.items[i] : NULL;
}

/* The booking as callers see it: EXPIRED for a lapsed hold. */
static void booking_out(pl_engine *e, const pl__chain *c, const pl__booking *b,
                        pl_booking_info *out) {
  *out = b->info;
  if (b->info.state == PL_BOOKING_HELD &&
      b->info.expires_ms <= pl__chain_now_ms(e, c))
    out->state = PL_BOOKING_EXPIRED;
}

static int queue_booking(pl_engine *e, book_ctx *x, const pl__booking *b,
                         unsigned op, const pl_write *w) {
  pl__booking_key(&x->key, x->c->info.code, b->info.id);
  pl__booking_row(&x->val, b);
  if (x->key.oom || x->val.oom)
    return PL_ENOMEM;
  int64_t at_ms = pl__chain_now_ms(e, x->c);
  /* someone follows bookings once durable: the change goes to them then
   * (nobody: one atomic load on this path) */
  pl__booking_notice *n = pl__observe_booking_notice(x->c, &b->info, at_ms);
  pl_write wrapped = {0};
  if (n != NULL && w != NULL) {
    wrapped = pl__observe_booking_wrap(n, w);
    w = &wrapped;
  }
  int rc = pl__write_row(e, x->c, op, at_ms, &x->key, &x->val, w, &x->sync);
  x->queued = rc == 0;
  if (rc == 0) /* installed next by the caller, which cannot fail now */
    pl__observe_booking(x->c, &b->info);
  if (n != NULL) {
    if (rc != 0) /* not queued: never called back */
      pl__observe_booking_durable(n, rc);
    else if (w != &wrapped) /* the caller waits: ctx_finish publishes */
      x->notice = n;
  }
  return rc;
}

/* Adds/removes b in the store's occupying and held sets and calendars. */
static void occupy(pl__sched_store *ss, pl__store *s, pl__booking *b) {
  if (b->occ_ix < 0) {
    b->occ_ix = ss->occupying.n;
    pl__vec_push(&ss->occupying, b);
    pl__sched_apply(s, ss, b, 1);
  }
  if (b->info.state == PL_BOOKING_HELD && b->held_ix < 0) {
    b->held_ix = ss->held.n;
    pl__vec_push(&ss->held, b);
  }
}

static void release(pl__sched_store *ss, pl__store *s, pl__booking *b) {
  if (b->occ_ix >= 0) {
    pl__sched_apply(s, ss, b, 0);
    pl__booking *last = ss->occupying.items[--ss->occupying.n];
    ss->occupying.items[b->occ_ix] = last;
    last->occ_ix = b->occ_ix;
    b->occ_ix = -1;
  }
  if (b->held_ix >= 0) {
    pl__booking *last = ss->held.items[--ss->held.n];
    ss->held.items[b->held_ix] = last;
    last->held_ix = b->held_ix;
    b->held_ix = -1;
  }
}

/* Resolves and checks the segments of a visit in store s, filling b's
 * segment times, resource indexes and local day from seg[0].start.
 * Caller holds the chain lock and the store's mu. */
static int resolve_visit(pl_engine *e, book_ctx *x, const pl_segment *seg,
                         int n, pl__booking *b, pl_error *err) {
  pl__chain *c = x->c;
  pl__store *s = x->s;
  char f[64];
  if (n < 1 || n > PL_MAX_VISIT)
    return PL__FAIL(err, PL_EINVAL, "booking.segments: 1 to %d services",
                    PL_MAX_VISIT);
  int64_t t = seg[0].start;
  if (t % PL__CELL_MIN != 0)
    return PL__FAIL(err, PL_EINVAL,
                    "booking.segments[0].start: not on the 5-minute grid");
  b->info.n_segments = n;
  for (int i = 0; i < n; i++) {
    const pl_segment *in = &seg[i];
    pl_segment *sg = &b->info.seg[i];
    snprintf(f, sizeof f, "booking.segments[%d]", i);
    int rc = pl__check_code(err, f, in->service, PL_CODE_MAX);
    if (rc == 0)
      rc = pl__check_code(err, f, in->bay, PL_CODE_MAX);
    if (rc != 0)
      return rc;
    const pl__svc *svc = pl__svc_find(c, in->service);
    if (svc == NULL)
      return PL__FAIL(err, PL_ENOTFOUND, "%s.service: no service '%s'", f,
                      in->service);
    int32_t bi = pl__strmap_get(&s->bay_ix, in->bay);
    if (bi < 0)
      return PL__FAIL(err, PL_ENOTFOUND, "%s.bay: no bay '%s' in store '%s'", f,
                      in->bay, s->info.code);
    const pl__bay *bay = s->bays.items[bi];
    if (bay->info.type != svc->info.bay_type)
      return PL__FAIL(err, PL_EPRECOND,
                      "%s.bay: bay '%s' is not of the type service '%s' "
                      "needs",
                      f, in->bay, in->service);
    if (in->n_techs != svc->info.technicians)
      return PL__FAIL(err, PL_EINVAL,
                      "%s.techs: service '%s' needs %d technician(s)", f,
                      in->service, (int)svc->info.technicians);
    memset(sg, 0, sizeof *sg);
    memcpy(sg->service, in->service, strlen(in->service) + 1);
    memcpy(sg->bay, in->bay, strlen(in->bay) + 1);
    sg->n_techs = in->n_techs;
    b->bay[i] = (int16_t)bi;
    for (int k = 0; k < in->n_techs; k++) {
      rc = pl__check_code(err, f, in->techs[k], PL_CODE_MAX);
      if (rc != 0)
        return rc;
      int32_t ti = pl__strmap_get(&s->tech_ix, in->techs[k]);
      if (ti < 0)
        return PL__FAIL(err, PL_ENOTFOUND,
                        "%s.techs: no technician '%s' in store '%s'", f,
                        in->techs[k], s->info.code);
      for (int m = 0; m < k; m++)
        if (b->tech[i][m] == ti)
          return PL__FAIL(err, PL_EINVAL, "%s.techs: '%s' twice", f,
                          in->techs[k]);
      const pl__tech *tech = s->techs.items[ti];
      int level = 0;
      for (int q = 0; q < tech->info.n_skills; q++)
        if (tech->info.skills[q].skill == svc->info.skill)
          level = tech->info.skills[q].level;
      if (level < svc->info.min_level)
        return PL__FAIL(err, PL_EPRECOND,
                        "%s.techs: technician '%s' lacks the skill level "
                        "service '%s' needs",
                        f, in->techs[k], in->service);
      b->tech[i][k] = (int16_t)ti;
      memcpy(sg->techs[k], in->techs[k], strlen(in->techs[k]) + 1);
    }
    sg->start = t;
    sg->end = t + svc->info.duration_min;
    t = sg->end;
  }
  b->info.start = b->info.seg[0].start;
  b->info.end = t;
  int32_t off = s->info.utc_offset_min;
  int32_t day = pl_local_day(b->info.start, off);
  if (pl_local_day(b->info.end - 1, off) != day)
    return PL__FAIL(err, PL_EPRECOND,
                    "booking.segments: the visit crosses local midnight");
  b->local_day = day;
  int64_t now_min;
  int32_t today;
  pl__sched_now(e, x->c, off, &now_min, &today);
  if (b->info.start < now_min)
    return PL__FAIL(err, PL_EPRECOND, "booking.segments[0].start: in the past");
  if (day >= today + x->ss->hours.horizon_days)
    return PL__FAIL(err, PL_EPRECOND,
                    "booking.segments[0].start: beyond the store's %d-day "
                    "horizon",
                    (int)x->ss->hours.horizon_days);
  return 0;
}

/* 1 if every resource of b's segments is free (in `dc`) for its cells;
 * else fills err naming the first that is not. */
static int visit_free(const pl__store *s, const pl__daycal *dc,
                      const pl__booking *b, pl_error *err) {
  int32_t base_min = b->local_day * 1440 - s->info.utc_offset_min;
  for (int i = 0; i < b->info.n_segments; i++) {
    const pl_segment *sg = &b->info.seg[i];
    int from = (int)((sg->start - base_min) / PL__CELL_MIN);
    int to = (int)((sg->end - base_min) / PL__CELL_MIN);
    if (!pl__day_all(&dc->free[b->bay[i]], from, to)) {
      int open = pl__day_all(&dc->base[b->bay[i]], from, to);
      pl__fail(err, PL_EPRECOND, "booking.segments[%d].bay: bay '%s' is %s", i,
               sg->bay,
               open ? "not free then" : "closed or out of service then");
      return 0;
    }
    for (int k = 0; k < sg->n_techs; k++) {
      int r = s->bays.n + b->tech[i][k];
      if (!pl__day_all(&dc->free[r], from, to)) {
        int open = pl__day_all(&dc->base[r], from, to);
        pl__fail(err, PL_EPRECOND,
                 "booking.segments[%d].techs: technician '%s' is %s", i,
                 sg->techs[k], open ? "not free then" : "not on shift then");
        return 0;
      }
    }
  }
  return 1;
}

/* ---- hold --------------------------------------------------------------- */

static int check_hold_input(pl_error *err, const pl_booking_info *in,
                            int64_t ttl_ms, const char *idem) {
  int rc =
      pl__check_range(err, "booking.channel", in->channel, 1, PL_CHANNEL_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "booking.customer", in->customer, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_plate(err, "booking.plate", in->plate, 1);
  if (rc == 0)
    rc = pl__check_text(err, "booking.model", in->model, PL_NAME_MAX, 1);
  if (rc == 0)
    rc =
        pl__check_range(err, "booking.mileage_km", in->mileage_km, 0, 10000000);
  if (rc == 0)
    rc = pl__check_range(err, "ttl_ms", ttl_ms, 0, 24LL * 3600 * 1000);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "booking.store", in->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "booking.loaner_need", in->loaner_need,
                         PL_LOANER_NONE, PL_LOANER_NAMED);
  if (rc == 0 && in->loaner_need == PL_LOANER_NAMED)
    rc = pl__check_code(err, "booking.loaner", in->loaner, PL_CODE_MAX);
  else if (rc == 0 && in->loaner[0] != '\0')
    rc = PL__FAIL(err, PL_EINVAL,
                  "booking.loaner: a named loaner needs loaner_need NAMED");
  return rc;
}

int pl_booking_hold(pl_engine *e, const pl_booking_info *in, int64_t ttl_ms,
                    const char *idem, const pl_write *w, pl_booking_info *out,
                    pl_error *err) {
  book_ctx x = {0};
  int rc = check_hold_input(err, in, ttl_ms, idem);
  if (rc == 0)
    rc = ctx_chain(e, &x, in->chain, "booking.chain", err);
  if (rc != 0)
    return rc;
  pl__store *s = store_of(x.c, in->store);
  if (s == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "booking.store: no store '%s'", in->store);
    return ctx_finish(&x, rc, w, err);
  }
  rc = ctx_store(&x, s, err);
  if (rc != 0)
    return ctx_finish(&x, rc, w, err);
  pl__sched_sweep(e, x.c, s, x.ss);
  pl__sched_chain *sc = pl__sched_peek(x.c);
  int has_idem = idem != NULL && idem[0] != '\0';
  if (has_idem) {
    pthread_mutex_lock(&sc->book_mu);
    int32_t i = pl__strmap_get(&sc->idem_ix, idem);
    pl__booking *prev = i >= 0 ? sc->bookings.items[i] : NULL;
    pthread_mutex_unlock(&sc->book_mu);
    if (prev != NULL) {
      /* a retry: the first answer, acknowledged after the first write */
      rc = pl__write_nothing(e, w, &x.sync);
      x.queued = rc == 0;
      if (rc == 0 && out != NULL)
        booking_out(e, x.c, prev, out);
      return ctx_finish(&x, rc, w, err);
    }
  }
  pl__booking *b = calloc(1, sizeof *b);
  if (b == NULL)
    return ctx_finish(&x, PL_ENOMEM, w, err);
  b->occ_ix = b->held_ix = -1;
  b->loaner = -1;
  b->info.loaner_need = in->loaner_need;
  if (in->loaner_need == PL_LOANER_NAMED)
    memcpy(b->info.loaner, in->loaner, strlen(in->loaner) + 1);
  rc = resolve_visit(e, &x, in->seg, in->n_segments, b, err);
  pl__daycal *dc = NULL;
  if (rc == 0 && (dc = pl__sched_day(s, x.ss, b->local_day)) == NULL)
    rc = PL_ENOMEM;
  if (rc == 0 && !visit_free(s, dc, b, err))
    rc = PL_EPRECOND;
  /* the loaner in the same step: checked and taken under the same mu */
  if (rc == 0)
    rc = pl__loaner_pick(s, x.ss, dc, b, -1, err);
  if (rc == 0 && b->loaner >= 0)
    b->info.loaner_phase = PL_LOANER_RESERVED;
  if (rc == 0)
    rc = pl__vec_reserve(&x.ss->occupying, 1);
  if (rc == 0)
    rc = pl__vec_reserve(&x.ss->held, 1);
  if (rc != 0) {
    free(b);
    return ctx_finish(&x, rc, w, err);
  }
  int64_t now = pl__chain_now_ms(e, x.c);
  pl_booking_info *bi = &b->info;
  memcpy(bi->chain, x.c->info.code, PL_CODE_MAX);
  memcpy(bi->store, s->info.code, PL_CODE_MAX);
  bi->state = PL_BOOKING_HELD;
  bi->channel = in->channel;
  memcpy(bi->customer, in->customer, sizeof bi->customer);
  memcpy(bi->plate, in->plate, sizeof bi->plate);
  memcpy(bi->model, in->model, sizeof bi->model);
  bi->mileage_km = in->mileage_km;
  bi->expires_ms = now + (ttl_ms > 0 ? ttl_ms : PL_DEFAULT_HOLD_TTL_MS);
  bi->created_ms = bi->updated_ms = now;
  if (has_idem)
    memcpy(b->idem, idem, strlen(idem) + 1);

  /* the id and the table slot: under book_mu, which is held until the
   * booking is queued so ids are queued in order */
  pthread_mutex_lock(&sc->book_mu);
  rc = pl__vec_reserve(&sc->bookings, 1);
  if (rc == 0 && has_idem)
    rc = pl__strmap_reserve(&sc->idem_ix, 1);
  if (rc == 0) {
    bi->id = sc->bookings.n + 1;
    rc = queue_booking(e, &x, b, PL__OP_BOOKING_HOLD, w);
  }
  if (rc == 0) {
    pl__vec_push(&sc->bookings, b);
    if (has_idem)
      pl__strmap_put(&sc->idem_ix, b->idem, (int32_t)(bi->id - 1));
  }
  pthread_mutex_unlock(&sc->book_mu);
  if (rc != 0) {
    free(b);
    return ctx_finish(&x, rc, w, err);
  }
  occupy(x.ss, s, b);
  if (out != NULL)
    booking_out(e, x.c, b, out);
  return ctx_finish(&x, 0, w, err);
}

/* ---- transitions -------------------------------------------------------- */

static const char *state_name(pl_booking_state s) {
  static const char *const names[] = {"?",          "held",      "confirmed",
                                      "checked in", "completed", "cancelled",
                                      "no-show",    "expired"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* Locks chain and the booking's store; *out_b the booking. */
static int ctx_booking(pl_engine *e, book_ctx *x, const char *chain, int64_t id,
                       pl__booking **out_b, pl_error *err) {
  int rc = ctx_chain(e, x, chain, "chain", err);
  if (rc != 0)
    return rc;
  pl__booking *b = booking_find(x->c, id);
  if (b == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "booking_id: no booking %lld",
                    (long long)id);
  pl__store *s = store_of(x->c, b->info.store);
  if (s == NULL)
    return PL__FAIL(err, PL_ECORRUPT, "booking %lld: store vanished",
                    (long long)id);
  rc = ctx_store(x, s, err);
  if (rc == 0)
    pl__sched_sweep(e, x->c, s, x->ss);
  *out_b = b;
  return rc;
}

int pl_booking_transition(pl_engine *e, const char *chain, int64_t id,
                          pl_booking_state to, const pl_write *w,
                          pl_booking_info *out, pl_error *err) {
  book_ctx x = {0};
  pl__booking *b = NULL;
  int rc = 0;
  if (to != PL_BOOKING_CONFIRMED && to != PL_BOOKING_CHECKED_IN &&
      to != PL_BOOKING_COMPLETED && to != PL_BOOKING_CANCELLED &&
      to != PL_BOOKING_NO_SHOW)
    return PL__FAIL(err, PL_EINVAL, "state: not a target state");
  rc = ctx_booking(e, &x, chain, id, &b, err);
  if (rc != 0)
    return ctx_finish(&x, rc, w, err);
  int64_t now = pl__chain_now_ms(e, x.c);
  pl_booking_state cur = b->info.state;
  if (cur == PL_BOOKING_HELD && b->info.expires_ms <= now)
    cur = PL_BOOKING_EXPIRED;
  int ok;
  switch (to) {
  case PL_BOOKING_CONFIRMED:
    ok = cur == PL_BOOKING_HELD;
    break;
  case PL_BOOKING_CHECKED_IN:
  case PL_BOOKING_NO_SHOW:
    ok = cur == PL_BOOKING_CONFIRMED;
    break;
  case PL_BOOKING_COMPLETED:
    ok = cur == PL_BOOKING_CHECKED_IN;
    break;
  default: /* cancelled */
    ok = cur == PL_BOOKING_HELD || cur == PL_BOOKING_CONFIRMED;
    break;
  }
  if (!ok && cur == to) {
    /* a repeated request: the same answer once the first is durable */
    rc = pl__write_nothing(e, w, &x.sync);
    x.queued = rc == 0;
    if (rc == 0 && out != NULL)
      booking_out(e, x.c, b, out);
    return ctx_finish(&x, rc, w, err);
  }
  if (!ok) {
    rc = PL__FAIL(err, PL_EPRECOND, "booking %lld is %s: cannot become %s",
                  (long long)id, state_name(cur), state_name(to));
    return ctx_finish(&x, rc, w, err);
  }
  pl__booking next = *b;
  next.info.state = to;
  next.info.updated_ms = now;
  if (next.info.confirmed_ms == 0 &&
      (to == PL_BOOKING_CONFIRMED || to == PL_BOOKING_CHECKED_IN))
    next.info.confirmed_ms = now; /* booking response (kpi.h) */
  rc = queue_booking(e, &x, &next, PL__OP_BOOKING_STATE, w);
  if (rc == 0) {
    int occupies = pl__booking_occupies(&next, now);
    if (!occupies)
      release(x.ss, x.s, b);
    b->info.state = to;
    b->info.updated_ms = now;
    b->info.confirmed_ms = next.info.confirmed_ms;
    if (b->held_ix >= 0 && to != PL_BOOKING_HELD) {
      /* confirmed: stays occupying, leaves the hold set */
      pl__booking *last = x.ss->held.items[--x.ss->held.n];
      x.ss->held.items[b->held_ix] = last;
      last->held_ix = b->held_ix;
      b->held_ix = -1;
    }
    if (out != NULL)
      booking_out(e, x.c, b, out);
  }
  return ctx_finish(&x, rc, w, err);
}

/* ---- reschedule --------------------------------------------------------- */

int pl_booking_reschedule(pl_engine *e, const char *chain, int64_t id,
                          const pl_segment *seg, int n_seg, const pl_write *w,
                          pl_booking_info *out, pl_error *err) {
  book_ctx x = {0};
  pl__booking *b = NULL;
  int rc = ctx_booking(e, &x, chain, id, &b, err);
  if (rc != 0)
    return ctx_finish(&x, rc, w, err);
  if (b->occ_ix < 0) {
    rc = PL__FAIL(err, PL_EPRECOND,
                  "booking %lld is not held or confirmed: cannot move it",
                  (long long)id);
    return ctx_finish(&x, rc, w, err);
  }
  pl__booking next = *b;
  rc = resolve_visit(e, &x, seg, n_seg, &next, err);
  for (int i = 0; rc == 0 && i < n_seg; i++)
    if (n_seg != b->info.n_segments ||
        strcmp(next.info.seg[i].service, b->info.seg[i].service) != 0)
      rc = PL__FAIL(err, PL_EINVAL,
                    "segments: a reschedule keeps the same services in the "
                    "same order");
  pl__daycal *dc = NULL;
  if (rc == 0 && pl__sched_day(x.s, x.ss, next.local_day) == NULL)
    rc = PL_ENOMEM;
  if (rc == 0) {
    /* check the new time as if the old were free, atomically under mu */
    pl__daycal *old_dc = pl__sched_day(x.s, x.ss, b->local_day);
    if (old_dc == NULL) {
      rc = PL_ENOMEM;
    } else {
      pl__sched_apply(x.s, x.ss, b, 0);
      dc = pl__sched_day(x.s, x.ss, next.local_day);
      int free_now = dc != NULL && visit_free(x.s, dc, &next, err);
      /* its loaner moves with it, or the whole reschedule fails */
      int lrc =
          free_now ? pl__loaner_pick(x.s, x.ss, dc, &next, b->loaner, err) : 0;
      if (!free_now || lrc != 0) {
        pl__sched_apply(x.s, x.ss, b, 1);
        rc = dc == NULL ? PL_ENOMEM : lrc != 0 ? lrc : PL_EPRECOND;
      }
    }
  }
  if (rc == 0) {
    next.info.updated_ms = pl__chain_now_ms(e, x.c);
    rc = queue_booking(e, &x, &next, PL__OP_BOOKING_RESCHEDULE, w);
    if (rc != 0)
      pl__sched_apply(x.s, x.ss, b, 1); /* keep the old time */
  }
  if (rc == 0) {
    /* old cells are already given back; take the new ones */
    memcpy(b->info.seg, next.info.seg, sizeof b->info.seg);
    memcpy(b->bay, next.bay, sizeof b->bay);
    memcpy(b->tech, next.tech, sizeof b->tech);
    b->info.start = next.info.start;
    b->info.end = next.info.end;
    b->info.updated_ms = next.info.updated_ms;
    b->local_day = next.local_day;
    b->loaner = next.loaner;
    memcpy(b->info.loaner, next.info.loaner, sizeof b->info.loaner);
    b->info.loaner_until = next.info.loaner_until;
    pl__sched_apply(x.s, x.ss, b, 1);
    if (out != NULL)
      booking_out(e, x.c, b, out);
  }
  return ctx_finish(&x, rc, w, err);
}

/* ---- reads -------------------------------------------------------------- */

int pl_booking_get(pl_engine *e, const char *chain, int64_t id,
                   pl_booking_info *out, pl_error *err) {
  book_ctx x = {0};
  pl__booking *b = NULL;
  int rc = ctx_booking(e, &x, chain, id, &b, err);
  if (rc == 0)
    booking_out(e, x.c, b, out);
  ctx_unlock(&x);
  return rc;
}

static int cmp_booking_start(const void *a, const void *b) {
  const pl_booking_info *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static int matches(const pl__booking *b, const pl_booking_filter *f) {
  if (f->store != NULL && f->store[0] != '\0' &&
      (strcmp(b->info.store, f->store) != 0 || b->local_day != f->local_day))
    return 0;
  return pl__want_str(f->customer, b->info.customer) &&
         pl__want_str(f->plate, b->info.plate);
}

int pl_booking_list(pl_engine *e, const pl_booking_filter *f,
                    pl_booking_info *out, int cap, pl_error *err) {
  int any = (f->store && f->store[0]) || (f->customer && f->customer[0]) ||
            (f->plate && f->plate[0]);
  if (!any)
    return PL__FAIL(err, PL_EINVAL,
                    "filter: give a store and day, a customer or a plate");
  book_ctx x = {0};
  int rc = pl__check_plate(err, "plate", f->plate, 1);
  if (rc == 0)
    rc = ctx_chain(e, &x, f->chain, "chain", err);
  if (rc != 0)
    return rc;
  if (f->store && f->store[0] && store_of(x.c, f->store) == NULL) {
    ctx_unlock(&x);
    return PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", f->store);
  }
  /* Bookings are matched under their store's mutex, one store at a time
   * (the table is scanned: indexes by customer and plate are a later
   * optimisation, see docs/performance.md). */
  pl__sched_chain *sc = pl__sched_peek(x.c);
  int n = 0;
  for (int si = 0; si < x.c->stores.n; si++) {
    pl__store *s = x.c->stores.items[si];
    if (f->store && f->store[0] && strcmp(s->info.code, f->store) != 0)
      continue;
    pl__sched_store *ss = pl__sched_store_of(x.c, s);
    if (ss == NULL) {
      ctx_unlock(&x);
      return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
    }
    pthread_mutex_lock(&ss->mu);
    pthread_mutex_lock(&sc->book_mu);
    int total = sc->bookings.n;
    for (int i = 0; i < total; i++) {
      const pl__booking *b = sc->bookings.items[i];
      if (strcmp(b->info.store, s->info.code) != 0 || !matches(b, f))
        continue;
      if (n < cap)
        booking_out(e, x.c, b, &out[n]);
      n++;
    }
    pthread_mutex_unlock(&sc->book_mu);
    pthread_mutex_unlock(&ss->mu);
  }
  ctx_unlock(&x);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_booking_start);
  return n;
}

int pl_day_board(pl_engine *e, const char *chain, const char *store,
                 int32_t local_day, pl_board_row *rows, int cap,
                 pl_error *err) {
  book_ctx x = {0};
  int rc = ctx_chain(e, &x, chain, "chain", err);
  if (rc != 0)
    return rc;
  pl__store *s = store_of(x.c, store);
  if (s == NULL) {
    ctx_unlock(&x);
    return PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", store);
  }
  rc = ctx_store(&x, s, err);
  if (rc != 0) {
    ctx_unlock(&x);
    return rc;
  }
  pl__sched_sweep(e, x.c, s, x.ss);
  pl__daycal *dc = pl__sched_day(s, x.ss, local_day);
  if (dc == NULL) {
    ctx_unlock(&x);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  int n = s->bays.n + s->techs.n; /* loaner cars are not on the board */
  int64_t day_start = (int64_t)local_day * 1440 - s->info.utc_offset_min;
  for (int r = 0; r < n && r < cap; r++) {
    pl_board_row *row = &rows[r];
    memset(row, 0, sizeof *row);
    row->is_bay = r < s->bays.n;
    const char *code =
        row->is_bay
            ? ((const pl__bay *)s->bays.items[r])->info.code
            : ((const pl__tech *)s->techs.items[r - s->bays.n])->info.code;
    memcpy(row->code, code, strlen(code) + 1);
    pl__day booked;
    pl__day_andnot(&booked, &dc->base[r], &dc->free[r]);
    row->available_min = pl__day_count(&dc->base[r]) * PL__CELL_MIN;
    row->booked_min = pl__day_count(&booked) * PL__CELL_MIN;
    for (int c = pl__day_next(&dc->free[r], 0);
         c >= 0 && row->n_free < PL_BOARD_MAX_FREE;) {
      int end = c;
      while (end < PL__CELLS && pl__day_all(&dc->free[r], end, end + 1))
        end++;
      row->free[row->n_free++] =
          (pl_utc_range){day_start + (int64_t)c * PL__CELL_MIN,
                         day_start + (int64_t)end * PL__CELL_MIN};
      c = end < PL__CELLS ? pl__day_next(&dc->free[r], end) : -1;
    }
  }
  ctx_unlock(&x);
  return n;
}

int32_t pl_board_utilisation_pct(const pl_board_row *row) {
  if (row->available_min <= 0)
    return 0;
  return (int32_t)((int64_t)row->booked_min * 100 / row->available_min);
}

/* ---- recovery ----------------------------------------------------------- */

int pl__booking_load(pl_engine *e, pl__chain *c, const unsigned char *rest,
                     size_t rl, const unsigned char *val, size_t vl) {
  if (rl != 8)
    return PL_ECORRUPT;
  int64_t id = (int64_t)pl__be64_get(rest);
  pl__sched_chain *sc = pl__sched_peek(c);
  if (id != sc->bookings.n + 1)
    return PL_ECORRUPT; /* ids are dense and read in key order */
  pl__booking *b = calloc(1, sizeof *b);
  if (b == NULL)
    return PL_ENOMEM;
  b->occ_ix = b->held_ix = -1;
  b->loaner = -1; /* linked when its car's row is read (scheduling/loaner.c) */
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int rc = booking_read(&r, b);
  memcpy(b->info.chain, c->info.code, PL_CODE_MAX);
  b->info.id = id;
  pl__store *s = rc == 0 ? store_of(c, b->info.store) : NULL;
  if (s == NULL)
    rc = PL_ECORRUPT;
  /* resource indexes from codes */
  for (int i = 0; rc == 0 && i < b->info.n_segments; i++) {
    const pl_segment *sg = &b->info.seg[i];
    int32_t bi = pl__strmap_get(&s->bay_ix, sg->bay);
    if (bi < 0)
      rc = PL_ECORRUPT;
    b->bay[i] = (int16_t)bi;
    for (int k = 0; rc == 0 && k < sg->n_techs; k++) {
      int32_t ti = pl__strmap_get(&s->tech_ix, sg->techs[k]);
      if (ti < 0)
        rc = PL_ECORRUPT;
      b->tech[i][k] = (int16_t)ti;
    }
  }
  pl__sched_store *ss = rc == 0 ? pl__sched_store_of(c, s) : NULL;
  if (rc == 0 && ss == NULL)
    rc = PL_ENOMEM;
  if (rc == 0) {
    b->local_day = pl_local_day(b->info.start, s->info.utc_offset_min);
    rc = pl__vec_reserve(&sc->bookings, 1);
  }
  if (rc == 0 && b->idem[0] != '\0')
    rc = pl__strmap_put(&sc->idem_ix, b->idem, (int32_t)(id - 1));
  if (rc == 0 && pl__booking_occupies(b, pl__chain_now_ms(e, c))) {
    rc = pl__vec_reserve(&ss->occupying, 1);
    if (rc == 0)
      rc = pl__vec_reserve(&ss->held, 1);
    if (rc == 0)
      occupy(ss, s, b); /* days are materialised later, from occupying */
  }
  if (rc != 0) {
    free(b);
    return rc;
  }
  pl__vec_push(&sc->bookings, b);
  pl__observe_booking(c, &b->info);
  return 0;
}
