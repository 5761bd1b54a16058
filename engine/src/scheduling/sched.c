/* scheduling/sched.c — scheduling configuration (store hours, bay and
 * technician schedules, the service catalogue), the materialised days of each
 * store, and recovery of these rows. See scheduling/sched_int.h for the state
 * and its locks.
 *
 * Invariants (per store, under mu):
 *  1. A cached day is valid iff its version equals the store's version.
 *  2. In a valid day, free[r] == base[r] minus the cells of every
 *     occupying booking of that day on resource r.
 *  3. Occupying bookings never share a cell on one resource (checked
 *     before a hold or reschedule is queued). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "scheduling/sched_int.h"

#define ROW_VERSION 1

/* ---- small helpers ------------------------------------------------------ */

void pl__sched_now(const pl_engine *e, const pl__chain *c, int32_t offset,
                   int64_t *first_min, int32_t *today) {
  int64_t now_ms = pl__chain_now_ms(e, c);
  int64_t floor_min = now_ms / 60000 - (now_ms % 60000 < 0);
  *first_min = floor_min + (now_ms % 60000 != 0);
  *today = pl_local_day(floor_min, offset);
}

/* Local cells of day `day` covered by a UTC range, as [*from, *to). */
static void utc_to_cells(int64_t start, int64_t end, int32_t day,
                         int32_t offset, int *from, int *to) {
  int64_t lo = start + offset - (int64_t)day * 1440;
  int64_t hi = end + offset - (int64_t)day * 1440;
  if (lo < 0)
    lo = 0;
  if (hi > 1440)
    hi = 1440;
  if (hi <= lo) {
    *from = *to = 0;
    return;
  }
  *from = (int)(lo / PL__CELL_MIN);
  *to = (int)((hi + PL__CELL_MIN - 1) / PL__CELL_MIN);
}

static void default_hours(pl_store_hours *h) {
  for (int d = 0; d < 7; d++)
    h->week[d] = (pl_local_range){8 * 60, 18 * 60};
  h->n_closures = 0;
  h->horizon_days = 14;
}

/* ---- state -------------------------------------------------------------- */

pl__sched_chain *pl__sched_state_new(pl__chain *c) {
  (void)c;
  pl__sched_chain *sc = calloc(1, sizeof *sc);
  if (sc != NULL)
    pthread_mutex_init(&sc->book_mu, NULL);
  return sc;
}

void pl__sched_state_free(pl__sched_chain *sc) {
  if (sc == NULL)
    return;
  pl__strmap_free(&sc->svc_ix);
  pl__vec_free_all(&sc->services);
  pl__strmap_free(&sc->idem_ix);
  pl__vec_free_all(&sc->bookings);
  pthread_mutex_destroy(&sc->book_mu);
  free(sc);
}

void pl__sched_store_free(pl__sched_store *ss) {
  if (ss == NULL)
    return;
  for (int i = 0; i < PL__CACHE_DAYS; i++) {
    free(ss->cache[i].base);
    free(ss->cache[i].free);
    free(ss->cache[i].runs);
    free(ss->cache[i].runs_len);
  }
  free(ss->bay_sched);
  free(ss->tech_sched);
  free(ss->tech_has_sched);
  free(ss->occupying.items);
  free(ss->held.items);
  pl__loaners_free(ss);
  pthread_mutex_destroy(&ss->mu);
  free(ss);
}

int pl__sched_load_store(pl__chain *c, const char *store, pl__store **s,
                         pl__sched_store **ss) {
  int32_t si = pl__strmap_get(&c->store_ix, store);
  if (si < 0)
    return PL_ECORRUPT;
  *s = c->stores.items[si];
  *ss = pl__sched_store_of(c, *s);
  return *ss == NULL ? PL_ENOMEM : 0;
}

pl__sched_store *pl__sched_store_of(pl__chain *c, pl__store *s) {
  pl__sched_store *ss = atomic_load(&s->sched);
  if (ss != NULL)
    return ss;
  pl__sched_store *n = calloc(1, sizeof *n);
  if (n == NULL)
    return NULL;
  pthread_mutex_init(&n->mu, NULL);
  memcpy(n->hours.chain, c->info.code, sizeof n->hours.chain);
  memcpy(n->hours.store, s->info.code, sizeof n->hours.store);
  default_hours(&n->hours);
  n->version = 1;
  pl__sched_store *expected = NULL;
  if (!atomic_compare_exchange_strong(&s->sched, &expected, n)) {
    pl__sched_store_free(n); /* another thread won */
    return expected;
  }
  return n;
}

/* Grows the per-resource schedule arrays to the store's counts. */
static int sched_arrays_fit(pl__store *s, pl__sched_store *ss) {
  if (ss->n_bay_sched < s->bays.n) {
    pl_bay_schedule *b = realloc(ss->bay_sched, (size_t)s->bays.n * sizeof *b);
    if (b == NULL)
      return PL_ENOMEM;
    memset(b + ss->n_bay_sched, 0,
           (size_t)(s->bays.n - ss->n_bay_sched) * sizeof *b);
    ss->bay_sched = b;
    ss->n_bay_sched = s->bays.n;
  }
  if (ss->n_tech_sched < s->techs.n) {
    pl_technician_schedule *t =
        realloc(ss->tech_sched, (size_t)s->techs.n * sizeof *t);
    if (t == NULL)
      return PL_ENOMEM;
    ss->tech_sched = t;
    uint8_t *h = realloc(ss->tech_has_sched, (size_t)s->techs.n);
    if (h == NULL)
      return PL_ENOMEM;
    memset(h + ss->n_tech_sched, 0, (size_t)(s->techs.n - ss->n_tech_sched));
    ss->tech_has_sched = h;
    ss->n_tech_sched = s->techs.n;
  }
  return 0;
}

/* ---- materialised days -------------------------------------------------- */

static int closed_on(const pl_store_hours *h, int32_t day) {
  for (int i = 0; i < h->n_closures; i++)
    if (h->closures[i] == day)
      return 1;
  return 0;
}

static void local_set(pl__day *d, pl_local_range r) {
  pl__day_set(d, r.start / PL__CELL_MIN,
              (r.end + PL__CELL_MIN - 1) / PL__CELL_MIN);
}

/* Opening hours of `day` as cells. */
static void open_cells(const pl__sched_store *ss, int32_t day, pl__day *d) {
  memset(d, 0, sizeof *d);
  if (!closed_on(&ss->hours, day))
    local_set(d, ss->hours.week[pl__weekday(day)]);
}

static void bay_base(const pl__sched_store *ss, int bay, int32_t day,
                     int32_t offset, const pl__day *open, pl__day *d) {
  *d = *open;
  if (bay >= ss->n_bay_sched)
    return;
  const pl_bay_schedule *b = &ss->bay_sched[bay];
  for (int i = 0; i < b->n_out_of_service; i++) {
    int from, to;
    utc_to_cells(b->out_of_service[i].start, b->out_of_service[i].end, day,
                 offset, &from, &to);
    pl__day_clear(d, from, to);
  }
}

static void tech_base(const pl__sched_store *ss, int tech, int32_t day,
                      int32_t offset, const pl__day *open, pl__day *d) {
  *d = *open;
  if (tech >= ss->n_tech_sched || !ss->tech_has_sched[tech])
    return;
  const pl_technician_schedule *t = &ss->tech_sched[tech];
  const pl_shift *sh = &t->week[pl__weekday(day)];
  pl__day work = {{0}};
  local_set(&work, sh->work);
  pl__day_and(d, d, &work);
  for (int i = 0; i < sh->n_breaks; i++)
    pl__day_clear(d, sh->breaks[i].start / PL__CELL_MIN,
                  (sh->breaks[i].end + PL__CELL_MIN - 1) / PL__CELL_MIN);
  for (int i = 0; i < t->n_leave; i++) {
    int from, to;
    utc_to_cells(t->leave[i].start, t->leave[i].end, day, offset, &from, &to);
    pl__day_clear(d, from, to);
  }
}

/* Clears (occupy) or restores from base (release) cells [from, to) of
 * resource r. */
static void res_apply(pl__daycal *dc, int r, int from, int to, int occupy) {
  if (r >= dc->n_res)
    return;
  dc->runs_len[r] = 0;
  if (occupy) {
    pl__day_clear(&dc->free[r], from, to);
  } else {
    pl__day m = {{0}};
    pl__day_set(&m, from, to);
    pl__day_and(&m, &m, &dc->base[r]);
    pl__day_or(&dc->free[r], &dc->free[r], &m);
  }
}

static void loaner_apply(pl__daycal *dc, const pl__store *s,
                         const pl__booking *b, int occupy) {
  int from, to;
  if (pl__booking_holds_loaner(b) && pl__loaner_span(s, b, &from, &to))
    res_apply(dc, pl__loaner_res(s, b->loaner), from, to, occupy);
}

/* Clears (occupy) or restores from base (release) one booking's cells:
 * its bays and technicians, and its loaner's. */
static void day_apply(pl__daycal *dc, const pl__store *s, const pl__booking *b,
                      int occupy) {
  int n_bays = s->bays.n;
  int32_t offset = s->info.utc_offset_min;
  loaner_apply(dc, s, b, occupy);
  for (int i = 0; i < b->info.n_segments; i++) {
    const pl_segment *sg = &b->info.seg[i];
    int from, to;
    utc_to_cells(sg->start, sg->end, dc->day, offset, &from, &to);
    int res[1 + PL_MAX_JOB_TECHS], n = 0;
    res[n++] = b->bay[i];
    for (int t = 0; t < sg->n_techs; t++)
      res[n++] = n_bays + b->tech[i][t];
    for (int k = 0; k < n; k++)
      res_apply(dc, res[k], from, to, occupy);
  }
}

/* The resources of a day: bays, technicians, loaners. */
static int day_n_res(const pl__store *s, const pl__sched_store *ss) {
  return pl__loaner_res(s, ss->loaners.n);
}

/* 1 if cached day dc is valid for `day` (a new bay or technician moves
 * the loaners' rows, so the count is part of the check). */
static int day_valid(const pl__store *s, const pl__sched_store *ss,
                     const pl__daycal *dc, int32_t day) {
  return dc->version == ss->version && dc->day == day &&
         dc->n_res == day_n_res(s, ss);
}

pl__daycal *pl__sched_day(pl__store *s, pl__sched_store *ss, int32_t day) {
  pl__daycal *dc =
      &ss->cache[((day % PL__CACHE_DAYS) + PL__CACHE_DAYS) % PL__CACHE_DAYS];
  if (day_valid(s, ss, dc, day))
    return dc;
  if (sched_arrays_fit(s, ss) != 0)
    return NULL;
  int n_res = day_n_res(s, ss);
  if (n_res > dc->cap_res) {
    pl__day *b = realloc(dc->base, (size_t)n_res * sizeof *b);
    if (b == NULL)
      return NULL;
    dc->base = b;
    pl__day *f = realloc(dc->free, (size_t)n_res * sizeof *f);
    if (f == NULL)
      return NULL;
    dc->free = f;
    pl__day *ru = realloc(dc->runs, (size_t)n_res * sizeof *ru);
    if (ru == NULL)
      return NULL;
    dc->runs = ru;
    int16_t *rl = realloc(dc->runs_len, (size_t)n_res * sizeof *rl);
    if (rl == NULL)
      return NULL;
    dc->runs_len = rl;
    dc->cap_res = n_res;
  }
  /* a store with no bays, technicians nor loaners has no arrays at all
   * (NULL): memset/memcpy must not be given them, even for 0 bytes */
  if (n_res > 0)
    memset(dc->runs_len, 0, (size_t)n_res * sizeof *dc->runs_len);
  int32_t offset = s->info.utc_offset_min;
  pl__day open;
  open_cells(ss, day, &open);
  for (int i = 0; i < s->bays.n; i++)
    bay_base(ss, i, day, offset, &open, &dc->base[i]);
  for (int j = 0; j < s->techs.n; j++)
    tech_base(ss, j, day, offset, &open, &dc->base[s->bays.n + j]);
  for (int li = 0; li < ss->loaners.n; li++) {
    /* a loaner car can be out any hour; a retired one never */
    pl__day *d = &dc->base[pl__loaner_res(s, li)];
    memset(d, 0, sizeof *d);
    if (((const pl__loaner *)ss->loaners.items[li])->info.state !=
        PL_LOANER_RETIRED)
      pl__day_set(d, 0, PL__CELLS);
  }
  if (n_res > 0)
    memcpy(dc->free, dc->base, (size_t)n_res * sizeof *dc->free);
  dc->n_res = n_res;
  dc->day = day;
  dc->version = ss->version;
  for (int i = 0; i < ss->occupying.n; i++) {
    const pl__booking *b = ss->occupying.items[i];
    if (b->local_day == day)
      day_apply(dc, s, b, 1);
  }
  return dc;
}

const pl__day *pl__daycal_runs(pl__daycal *dc, int r, int len) {
  if (dc->runs_len[r] != len) {
    pl__day_runs(&dc->runs[r], &dc->free[r], len);
    dc->runs_len[r] = (int16_t)len;
  }
  return &dc->runs[r];
}

void pl__sched_apply(pl__store *s, pl__sched_store *ss, const pl__booking *b,
                     int occupy) {
  pl__daycal *dc =
      &ss->cache[((b->local_day % PL__CACHE_DAYS) + PL__CACHE_DAYS) %
                 PL__CACHE_DAYS];
  if (day_valid(s, ss, dc, b->local_day))
    day_apply(dc, s, b, occupy);
}

void pl__sched_apply_loaner(pl__store *s, pl__sched_store *ss,
                            const pl__booking *b, int occupy) {
  pl__daycal *dc =
      &ss->cache[((b->local_day % PL__CACHE_DAYS) + PL__CACHE_DAYS) %
                 PL__CACHE_DAYS];
  if (day_valid(s, ss, dc, b->local_day))
    loaner_apply(dc, s, b, occupy);
}

static void vec_remove_at(pl__vec *v, int32_t *ix_field_of_moved, int i) {
  (void)ix_field_of_moved;
  v->items[i] = v->items[--v->n];
}

void pl__sched_sweep(pl_engine *e, const pl__chain *c, pl__store *s,
                     pl__sched_store *ss) {
  int64_t now = pl__chain_now_ms(e, c);
  for (int i = 0; i < ss->held.n;) {
    pl__booking *b = ss->held.items[i];
    if (b->info.state != PL_BOOKING_HELD || b->info.expires_ms > now) {
      i++;
      continue;
    }
    /* lapsed: stop occupying; the row says HELD with its expiry, which
     * every reader (and recovery) reads as expired */
    pl__sched_apply(s, ss, b, 0);
    if (b->occ_ix >= 0) {
      pl__booking *moved = ss->occupying.items[ss->occupying.n - 1];
      moved->occ_ix = b->occ_ix;
      vec_remove_at(&ss->occupying, NULL, b->occ_ix);
      b->occ_ix = -1;
    }
    pl__booking *moved = ss->held.items[ss->held.n - 1];
    moved->held_ix = i;
    vec_remove_at(&ss->held, NULL, i);
    b->held_ix = -1;
  }
}

/* ---- rows --------------------------------------------------------------- */

static void range_rows(pl__buf *v, const pl_local_range *r) {
  pl__buf_svar(v, r->start);
  pl__buf_svar(v, r->end);
}

static void read_local(pl__rd *r, pl_local_range *out) {
  out->start = (int32_t)pl__rd_svar(r);
  out->end = (int32_t)pl__rd_svar(r);
}

static void hours_row(pl__buf *v, const pl_store_hours *h) {
  pl__buf_uvar(v, ROW_VERSION);
  for (int d = 0; d < 7; d++)
    range_rows(v, &h->week[d]);
  pl__buf_uvar(v, (uint64_t)h->n_closures);
  for (int i = 0; i < h->n_closures; i++)
    pl__buf_svar(v, h->closures[i]);
  pl__buf_svar(v, h->horizon_days);
}

static int hours_read(pl__rd *r, pl_store_hours *h) {
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  for (int d = 0; d < 7; d++)
    read_local(r, &h->week[d]);
  uint64_t n = pl__rd_uvar(r);
  if (n > PL_MAX_CLOSURES)
    return PL_ECORRUPT;
  h->n_closures = (int32_t)n;
  for (uint64_t i = 0; i < n; i++)
    h->closures[i] = (int32_t)pl__rd_svar(r);
  h->horizon_days = (int32_t)pl__rd_svar(r);
  return r->bad ? PL_ECORRUPT : 0;
}

static void utc_ranges_row(pl__buf *v, const pl_utc_range *r, int n) {
  pl__buf_uvar(v, (uint64_t)n);
  for (int i = 0; i < n; i++) {
    pl__buf_svar(v, r[i].start);
    pl__buf_svar(v, r[i].end);
  }
}

static int utc_ranges_read(pl__rd *r, pl_utc_range *out, int32_t *n_out) {
  uint64_t n = pl__rd_uvar(r);
  if (n > PL_MAX_PERIODS)
    return PL_ECORRUPT;
  *n_out = (int32_t)n;
  for (uint64_t i = 0; i < n; i++) {
    out[i].start = pl__rd_svar(r);
    out[i].end = pl__rd_svar(r);
  }
  return r->bad ? PL_ECORRUPT : 0;
}

static void tech_sched_row(pl__buf *v, const pl_technician_schedule *t) {
  pl__buf_uvar(v, ROW_VERSION);
  for (int d = 0; d < 7; d++) {
    range_rows(v, &t->week[d].work);
    pl__buf_uvar(v, (uint64_t)t->week[d].n_breaks);
    for (int i = 0; i < t->week[d].n_breaks; i++)
      range_rows(v, &t->week[d].breaks[i]);
  }
  utc_ranges_row(v, t->leave, t->n_leave);
}

static int tech_sched_read(pl__rd *r, pl_technician_schedule *t) {
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  for (int d = 0; d < 7; d++) {
    read_local(r, &t->week[d].work);
    uint64_t n = pl__rd_uvar(r);
    if (n > PL_MAX_BREAKS)
      return PL_ECORRUPT;
    t->week[d].n_breaks = (int32_t)n;
    for (uint64_t i = 0; i < n; i++)
      read_local(r, &t->week[d].breaks[i]);
  }
  return utc_ranges_read(r, t->leave, &t->n_leave);
}

static void service_row(pl__buf *v, const pl__svc *s) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, s->info.name);
  pl__buf_uvar(v, (uint64_t)s->info.bay_type);
  pl__buf_uvar(v, (uint64_t)s->info.skill);
  pl__buf_svar(v, s->info.min_level);
  pl__buf_svar(v, s->info.duration_min);
  pl__buf_svar(v, s->info.technicians);
  pl__buf_str(v, s->idem);
}

/* ---- validation ----------------------------------------------------------
 */

static int check_local(pl_error *err, const char *field, pl_local_range r,
                       int allow_empty) {
  if (r.start == r.end && allow_empty)
    return 0;
  if (r.start < 0 || r.end > 1440 || r.start >= r.end ||
      r.start % PL__CELL_MIN != 0 || r.end % PL__CELL_MIN != 0)
    return PL__FAIL(err, PL_EINVAL,
                    "%s: [%d, %d) must be a non-empty range of minutes in "
                    "[0, 1440] on the 5-minute grid",
                    field, (int)r.start, (int)r.end);
  return 0;
}

static int check_utc(pl_error *err, const char *field, const pl_utc_range *r,
                     int n, int max) {
  if (n < 0 || n > max)
    return PL__FAIL(err, PL_EINVAL, "%s: at most %d ranges", field, max);
  for (int i = 0; i < n; i++)
    if (r[i].start >= r[i].end || r[i].start < 0)
      return PL__FAIL(err, PL_EINVAL, "%s[%d]: end must be after start", field,
                      i);
  return 0;
}

static int check_hours(pl_error *err, const pl_store_hours *h) {
  static const char *const names[7] = {"week[0]", "week[1]", "week[2]",
                                       "week[3]", "week[4]", "week[5]",
                                       "week[6]"};
  char field[48];
  for (int d = 0; d < 7; d++) {
    snprintf(field, sizeof field, "hours.%s", names[d]);
    int rc = check_local(err, field, h->week[d], 1);
    if (rc != 0)
      return rc;
  }
  if (h->n_closures < 0 || h->n_closures > PL_MAX_CLOSURES)
    return PL__FAIL(err, PL_EINVAL, "hours.closures: at most %d",
                    PL_MAX_CLOSURES);
  return pl__check_range(err, "hours.horizon_days", h->horizon_days, 1,
                         PL_HORIZON_MAX_DAYS);
}

static int check_tech_sched(pl_error *err, const pl_technician_schedule *t) {
  char field[64];
  for (int d = 0; d < 7; d++) {
    const pl_shift *sh = &t->week[d];
    snprintf(field, sizeof field, "schedule.week[%d].work", d);
    int rc = check_local(err, field, sh->work, 1);
    if (rc == 0 && (sh->n_breaks < 0 || sh->n_breaks > PL_MAX_BREAKS))
      rc = PL__FAIL(err, PL_EINVAL, "schedule.week[%d].breaks: at most %d", d,
                    PL_MAX_BREAKS);
    for (int i = 0; rc == 0 && i < sh->n_breaks; i++) {
      snprintf(field, sizeof field, "schedule.week[%d].breaks[%d]", d, i);
      rc = check_local(err, field, sh->breaks[i], 0);
    }
    if (rc != 0)
      return rc;
  }
  return check_utc(err, "schedule.leave", t->leave, t->n_leave, PL_MAX_PERIODS);
}

/* ---- configuration API -------------------------------------------------- */

/* Locks chain (read) then the store's mu; *s and *ss are set on success. */
static int lock_sched_store(pl_engine *e, const char *chain, const char *store,
                            const char *what, pl__chain **c, pl__store **s,
                            pl__sched_store **ss, pl_error *err) {
  char field[48];
  snprintf(field, sizeof field, "%s.chain", what);
  int rc = pl__check_code(err, field, chain, PL_CODE_MAX);
  snprintf(field, sizeof field, "%s.store", what);
  if (rc == 0)
    rc = pl__check_code(err, field, store, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  *c = pl__chain_find(e, chain);
  if (*c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "%s.chain: no chain '%s'", what, chain);
  pthread_rwlock_rdlock(&(*c)->lock);
  int32_t i = pl__strmap_get(&(*c)->store_ix, store);
  if (i < 0) {
    pthread_rwlock_unlock(&(*c)->lock);
    return PL__FAIL(err, PL_ENOTFOUND, "%s: no store '%s'", field, store);
  }
  *s = (*c)->stores.items[i];
  *ss = pl__sched_store_of(*c, *s);
  if (*ss == NULL) {
    pthread_rwlock_unlock(&(*c)->lock);
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  }
  pthread_mutex_lock(&(*ss)->mu);
  return 0;
}

static void unlock_sched_store(pl__chain *c, pl__sched_store *ss) {
  pthread_mutex_unlock(&ss->mu);
  pthread_rwlock_unlock(&c->lock);
}

static int wait_durable(int rc, const pl_write *w, pl__sync *sync,
                        pl_error *err) {
  return pl__write_finish(rc, 1, w, sync, err);
}

int pl_store_hours_set(pl_engine *e, const pl_store_hours *in,
                       const pl_write *w, pl_error *err) {
  int rc = check_hours(err, in);
  pl__chain *c;
  pl__store *s;
  pl__sched_store *ss;
  if (rc == 0)
    rc = lock_sched_store(e, in->chain, in->store, "hours", &c, &s, &ss, err);
  if (rc != 0)
    return rc;
  pl__buf k = {0}, v = {0};
  pl__sync sync;
  pl__key_make(&k, c->info.code, PL__K_HOURS, s->info.code, NULL);
  hours_row(&v, in);
  rc = pl__write_row(e, c, PL__OP_HOURS_SET, pl__chain_now_ms(e, c), &k, &v, w,
                     &sync);
  if (rc == 0) {
    memcpy(ss->hours.week, in->week, sizeof ss->hours.week);
    ss->hours.n_closures = in->n_closures;
    memcpy(ss->hours.closures, in->closures, sizeof ss->hours.closures);
    ss->hours.horizon_days = in->horizon_days;
    ss->version++;
  }
  unlock_sched_store(c, ss);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return wait_durable(rc, w, &sync, err);
}

int pl_store_hours_get(pl_engine *e, const char *chain, const char *store,
                       pl_store_hours *out, pl_error *err) {
  pl__chain *c;
  pl__store *s;
  pl__sched_store *ss;
  int rc = lock_sched_store(e, chain, store, "hours", &c, &s, &ss, err);
  if (rc != 0)
    return rc;
  *out = ss->hours;
  unlock_sched_store(c, ss);
  return 0;
}

int pl_technician_schedule_set(pl_engine *e, const pl_technician_schedule *in,
                               const pl_write *w, pl_error *err) {
  int rc = check_tech_sched(err, in);
  pl__chain *c;
  pl__store *s;
  pl__sched_store *ss;
  if (rc == 0)
    rc =
        pl__check_code(err, "schedule.technician", in->technician, PL_CODE_MAX);
  if (rc == 0)
    rc =
        lock_sched_store(e, in->chain, in->store, "schedule", &c, &s, &ss, err);
  if (rc != 0)
    return rc;
  int32_t t = pl__strmap_get(&s->tech_ix, in->technician);
  pl__buf k = {0}, v = {0};
  pl__sync sync;
  if (t < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "schedule.technician: no technician '%s'",
                  in->technician);
  if (rc == 0)
    rc = sched_arrays_fit(s, ss);
  if (rc == 0) {
    pl__key_make(&k, c->info.code, PL__K_TECH_SCHED, s->info.code,
                 in->technician);
    tech_sched_row(&v, in);
    rc = pl__write_row(e, c, PL__OP_TECH_SCHED_SET, pl__chain_now_ms(e, c), &k,
                       &v, w, &sync);
  }
  if (rc == 0) {
    ss->tech_sched[t] = *in;
    ss->tech_has_sched[t] = 1;
    ss->version++;
  }
  unlock_sched_store(c, ss);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return wait_durable(rc, w, &sync, err);
}

int pl_bay_schedule_set(pl_engine *e, const pl_bay_schedule *in,
                        const pl_write *w, pl_error *err) {
  int rc = check_utc(err, "schedule.out_of_service", in->out_of_service,
                     in->n_out_of_service, PL_MAX_PERIODS);
  if (rc == 0)
    rc = pl__check_code(err, "schedule.bay", in->bay, PL_CODE_MAX);
  pl__chain *c;
  pl__store *s;
  pl__sched_store *ss;
  if (rc == 0)
    rc =
        lock_sched_store(e, in->chain, in->store, "schedule", &c, &s, &ss, err);
  if (rc != 0)
    return rc;
  int32_t b = pl__strmap_get(&s->bay_ix, in->bay);
  pl__buf k = {0}, v = {0};
  pl__sync sync;
  if (b < 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "schedule.bay: no bay '%s'", in->bay);
  if (rc == 0)
    rc = sched_arrays_fit(s, ss);
  if (rc == 0) {
    pl__key_make(&k, c->info.code, PL__K_BAY_SCHED, s->info.code, in->bay);
    pl__buf_uvar(&v, ROW_VERSION);
    utc_ranges_row(&v, in->out_of_service, in->n_out_of_service);
    rc = pl__write_row(e, c, PL__OP_BAY_SCHED_SET, pl__chain_now_ms(e, c), &k,
                       &v, w, &sync);
  }
  if (rc == 0) {
    ss->bay_sched[b] = *in;
    ss->version++;
  }
  unlock_sched_store(c, ss);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return wait_durable(rc, w, &sync, err);
}

/* ---- services ----------------------------------------------------------- */

pl__svc *pl__svc_find(pl__chain *c, const char *code) {
  int32_t i = pl__strmap_get(&pl__sched_peek(c)->svc_ix, code);
  return i >= 0 ? pl__sched_peek(c)->services.items[i] : NULL;
}

const pl_service_info *pl__sched_service(pl__chain *c, const char *code) {
  const pl__svc *svc = pl__sched_peek(c) != NULL ? pl__svc_find(c, code) : NULL;
  return svc != NULL ? &svc->info : NULL;
}

static int check_service(pl_error *err, const pl_service_info *in) {
  int rc = pl__check_code(err, "service.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "service.name", in->name, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_range(err, "service.bay_type", in->bay_type, 1,
                         PL_BAY_TYPE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "service.skill", in->skill, 1, PL_SKILL_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "service.min_level", in->min_level, 1,
                         PL_SKILL_LEVEL_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "service.duration_min", in->duration_min,
                         PL__CELL_MIN, (int64_t)12 * 60);
  if (rc == 0 && in->duration_min % PL__CELL_MIN != 0)
    rc = PL__FAIL(err, PL_EINVAL,
                  "service.duration_min: must be a multiple of 5");
  if (rc == 0)
    rc = pl__check_range(err, "service.technicians", in->technicians, 1,
                         PL_MAX_JOB_TECHS);
  return rc;
}

int pl_service_create(pl_engine *e, const pl_service_info *in, const char *idem,
                      const pl_write *w, pl_service_info *out, pl_error *err) {
  int rc = check_service(err, in);
  if (rc == 0 && idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "service.chain", in->chain, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl__chain *c = pl__chain_find(e, in->chain);
  if (c == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "service.chain: no chain '%s'",
                    in->chain);
  pthread_rwlock_wrlock(&c->lock);
  pl__sched_chain *sc = pl__sched_peek(c);
  pl__svc *svc = pl__svc_find(c, in->code);
  pl__buf k = {0}, v = {0};
  pl__sync sync;
  int queued = 0;
  if (svc != NULL) {
    if (idem != NULL && idem[0] != '\0' && strcmp(svc->idem, idem) == 0) {
      rc = pl__write_nothing(e, w, &sync);
      queued = rc == 0;
    } else {
      rc = PL__FAIL(err, PL_EEXIST, "service.code: '%s' already exists",
                    in->code);
    }
  } else if ((svc = calloc(1, sizeof *svc)) == NULL) {
    rc = PL_ENOMEM;
  } else {
    svc->info = *in;
    if (idem != NULL)
      memcpy(svc->idem, idem, strlen(idem) + 1);
    rc = pl__vec_reserve(&sc->services, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&sc->svc_ix, 1);
    pl__key_make(&k, c->info.code, PL__K_SERVICE, in->code, NULL);
    service_row(&v, svc);
    if (rc == 0)
      rc = pl__write_row(e, c, PL__OP_SERVICE_CREATE, pl__chain_now_ms(e, c),
                         &k, &v, w, &sync);
    if (rc == 0) {
      queued = 1;
      pl__strmap_put(&sc->svc_ix, svc->info.code, sc->services.n);
      pl__vec_push(&sc->services, svc);
    } else {
      free(svc);
      svc = NULL;
    }
  }
  if (rc == 0 && out != NULL)
    *out = svc->info;
  pthread_rwlock_unlock(&c->lock);
  pl__buf_free(&k);
  pl__buf_free(&v);
  if (rc != 0)
    return rc == PL_ENOMEM ? PL__FAIL(err, rc, "engine: out of memory") : rc;
  (void)queued;
  return wait_durable(rc, w, &sync, err);
}

static int cmp_service(const void *a, const void *b) {
  return strcmp(((const pl_service_info *)a)->code,
                ((const pl_service_info *)b)->code);
}

int pl_service_list(pl_engine *e, const char *chain, pl_service_info *out,
                    int cap, pl_error *err) {
  pl__chain *c = NULL;
  int rc = pl__chain_lookup(e, chain, &c, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&c->lock);
  int n = pl__sched_peek(c)->services.n;
  for (int i = 0; i < n && i < cap; i++)
    out[i] = ((const pl__svc *)pl__sched_peek(c)->services.items[i])->info;
  pthread_rwlock_unlock(&c->lock);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_service);
  return n;
}

/* ---- recovery ----------------------------------------------------------- */

static int split_codes(const unsigned char *rest, size_t rl, char *a, char *b) {
  const unsigned char *z = memchr(rest, 0, rl);
  size_t al = z ? (size_t)(z - rest) : rl;
  if (al == 0 || al >= PL_CODE_MAX)
    return -1;
  memcpy(a, rest, al);
  a[al] = '\0';
  if (b == NULL)
    return z == NULL ? 0 : -1;
  if (z == NULL)
    return -1;
  size_t bl = rl - al - 1;
  if (bl == 0 || bl >= PL_CODE_MAX || memchr(z + 1, 0, bl) != NULL)
    return -1;
  memcpy(b, z + 1, bl);
  b[bl] = '\0';
  return 0;
}

static int load_config(pl__chain *c, unsigned kind, const unsigned char *rest,
                       size_t rl, pl__rd *r) {
  char store[PL_CODE_MAX] = "", res[PL_CODE_MAX] = "";
  if (split_codes(rest, rl, store, kind == PL__K_HOURS ? NULL : res) != 0)
    return PL_ECORRUPT;
  pl__store *s = NULL;
  pl__sched_store *ss = NULL;
  int rc = pl__sched_load_store(c, store, &s, &ss);
  if (rc != 0)
    return rc;
  if (sched_arrays_fit(s, ss) != 0)
    return PL_ENOMEM;
  if (kind == PL__K_HOURS)
    return hours_read(r, &ss->hours);
  if (kind == PL__K_TECH_SCHED) {
    int32_t t = pl__strmap_get(&s->tech_ix, res);
    if (t < 0)
      return PL_ECORRUPT;
    pl_technician_schedule *ts = &ss->tech_sched[t];
    memset(ts, 0, sizeof *ts);
    memcpy(ts->chain, c->info.code, PL_CODE_MAX);
    memcpy(ts->store, store, PL_CODE_MAX);
    memcpy(ts->technician, res, PL_CODE_MAX);
    ss->tech_has_sched[t] = 1;
    return tech_sched_read(r, ts);
  }
  int32_t b = pl__strmap_get(&s->bay_ix, res);
  if (b < 0 || pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl_bay_schedule *bs = &ss->bay_sched[b];
  memcpy(bs->chain, c->info.code, PL_CODE_MAX);
  memcpy(bs->store, store, PL_CODE_MAX);
  memcpy(bs->bay, res, PL_CODE_MAX);
  return utc_ranges_read(r, bs->out_of_service, &bs->n_out_of_service);
}

static int load_service(pl__chain *c, const unsigned char *rest, size_t rl,
                        pl__rd *r) {
  pl__svc *svc = calloc(1, sizeof *svc);
  if (svc == NULL)
    return PL_ENOMEM;
  memcpy(svc->info.chain, c->info.code, PL_CODE_MAX);
  int bad = split_codes(rest, rl, svc->info.code, NULL) != 0 ||
            pl__rd_uvar(r) != ROW_VERSION;
  pl__rd_str(r, svc->info.name, sizeof svc->info.name);
  svc->info.bay_type = (pl_bay_type)pl__rd_uvar(r);
  svc->info.skill = (pl_skill)pl__rd_uvar(r);
  svc->info.min_level = (int32_t)pl__rd_svar(r);
  svc->info.duration_min = (int32_t)pl__rd_svar(r);
  svc->info.technicians = (int32_t)pl__rd_svar(r);
  pl__rd_str(r, svc->idem, sizeof svc->idem);
  int rc = bad || r->bad || check_service(NULL, &svc->info) != 0 ||
                   pl__svc_find(c, svc->info.code) != NULL
               ? PL_ECORRUPT
               : 0;
  if (rc == 0)
    rc = pl__vec_reserve(&pl__sched_peek(c)->services, 1);
  if (rc == 0)
    rc = pl__strmap_put(&pl__sched_peek(c)->svc_ix, svc->info.code,
                        pl__sched_peek(c)->services.n);
  if (rc != 0) {
    free(svc);
    return rc;
  }
  pl__vec_push(&pl__sched_peek(c)->services, svc);
  return 0;
}

int pl__sched_load(pl_engine *e, unsigned kind, const char *chain,
                   const unsigned char *rest, size_t rl,
                   const unsigned char *val, size_t vl, pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int rc = PL_ECORRUPT;
  if (c != NULL) {
    switch (kind) {
    case PL__K_HOURS:
    case PL__K_BAY_SCHED:
    case PL__K_TECH_SCHED:
      rc = load_config(c, kind, rest, rl, &r);
      break;
    case PL__K_SERVICE:
      rc = load_service(c, rest, rl, &r);
      break;
    case PL__K_BOOKING:
      rc = pl__booking_load(e, c, rest, rl, val, vl);
      break;
    case PL__K_LOANER:
    case PL__K_LOANER_EVENT:
      rc = pl__loaner_load(e, c, kind, rest, rl, val, vl);
      break;
    default:
      break;
    }
  }
  return pl__load_result(err, rc, chain, kind);
}

/* ---- available minutes over a range (the KPI reports) ------------------- */

/* A resource's base minutes on a day with no closure and none of its
 * out-of-service or leave ranges: a function of the weekday only. */
static int normal_minutes(const pl__sched_store *ss, int is_bay, int res,
                          int wd) {
  pl__day d = {{0}};
  local_set(&d, ss->hours.week[wd]);
  if (!is_bay && res < ss->n_tech_sched && ss->tech_has_sched[res]) {
    const pl_shift *sh = &ss->tech_sched[res].week[wd];
    pl__day work = {{0}};
    local_set(&work, sh->work);
    pl__day_and(&d, &d, &work);
    for (int i = 0; i < sh->n_breaks; i++)
      pl__day_clear(&d, sh->breaks[i].start / PL__CELL_MIN,
                    (sh->breaks[i].end + PL__CELL_MIN - 1) / PL__CELL_MIN);
  }
  return pl__day_count(&d) * PL__CELL_MIN;
}

/* Marks in mark[] (days from `from`) the days of [from, to] that a UTC
 * range touches; appends newly marked ones to list. */
static void mark_range(pl_utc_range r, int32_t off, int32_t from, int32_t to,
                       uint8_t *mark, int32_t *list, int32_t *n) {
  if (r.end <= r.start)
    return;
  int32_t a = pl_local_day(r.start, off), b = pl_local_day(r.end - 1, off);
  if (a < from)
    a = from;
  if (b > to)
    b = to;
  for (int32_t d = a; d <= b; d++)
    if (!mark[d - from]) {
      mark[d - from] = 1;
      list[(*n)++] = d;
    }
}

int pl__sched_available(pl__chain *c, pl__store *s, int32_t from, int32_t to,
                        const int32_t *bucket, int nb, int64_t *bay_b,
                        int64_t *tech_b, int64_t *per_tech) {
  pl__sched_store *ss = pl__sched_store_of(c, s);
  int32_t nd = to - from + 1;
  uint8_t *mark = calloc((size_t)nd, 1);
  int32_t *list = malloc((size_t)nd * sizeof *list);
  int32_t *closed = malloc((size_t)nd * sizeof *closed);
  if (ss == NULL || mark == NULL || list == NULL || closed == NULL) {
    free(mark);
    free(list);
    free(closed);
    return PL_ENOMEM;
  }
  pthread_mutex_lock(&ss->mu);
  int rc = sched_arrays_fit(s, ss);
  int32_t off = s->info.utc_offset_min;
  int n_res = s->bays.n + s->techs.n;
  int32_t n_closed = 0;
  for (int i = 0; i < ss->hours.n_closures; i++) {
    int32_t d = ss->hours.closures[i];
    if (d >= from && d <= to && !mark[d - from]) {
      mark[d - from] = 1;
      closed[n_closed++] = d;
    }
  }
  for (int32_t i = 0; i < n_closed; i++)
    mark[closed[i] - from] = 0;
  /* days of each weekday per bucket: a normal day costs nothing more */
  int32_t *wd_n = calloc((size_t)nb * 7, sizeof *wd_n);
  if (wd_n == NULL)
    rc = PL_ENOMEM;
  for (int32_t d = from; rc == 0 && d <= to; d++)
    wd_n[(size_t)bucket[d - from] * 7 + (size_t)pl__weekday(d)]++;
  for (int r = 0; rc == 0 && r < n_res; r++) {
    int is_bay = r < s->bays.n, j = is_bay ? r : r - s->bays.n;
    int norm[7];
    for (int wd = 0; wd < 7; wd++)
      norm[wd] = normal_minutes(ss, is_bay, j, wd);
    int64_t *res_b = is_bay ? bay_b : tech_b;
    int64_t *tb =
        !is_bay && per_tech != NULL ? per_tech + (size_t)j * nb : NULL;
    if ((int64_t)nb * 7 < nd) { /* weeks, months: by weekday counts */
      for (int b = 0; b < nb; b++) {
        int64_t m = 0;
        for (int wd = 0; wd < 7; wd++)
          m += (int64_t)norm[wd] * wd_n[(size_t)b * 7 + (size_t)wd];
        if (res_b != NULL)
          res_b[b] += m;
        if (tb != NULL)
          tb[b] += m;
      }
    } else { /* days: one lookup each */
      for (int32_t d = from, wd = pl__weekday(from); d <= to; d++) {
        int b = bucket[d - from];
        if (res_b != NULL)
          res_b[b] += norm[wd];
        if (tb != NULL)
          tb[b] += norm[wd];
        wd = wd == 6 ? 0 : wd + 1;
      }
    }
    /* the exceptions: closures, and days its own ranges touch */
    int32_t n = 0;
    for (int32_t i = 0; i < n_closed; i++) {
      mark[closed[i] - from] = 1;
      list[n++] = closed[i];
    }
    if (is_bay && j < ss->n_bay_sched)
      for (int i = 0; i < ss->bay_sched[j].n_out_of_service; i++)
        mark_range(ss->bay_sched[j].out_of_service[i], off, from, to, mark,
                   list, &n);
    if (!is_bay && j < ss->n_tech_sched && ss->tech_has_sched[j])
      for (int i = 0; i < ss->tech_sched[j].n_leave; i++)
        mark_range(ss->tech_sched[j].leave[i], off, from, to, mark, list, &n);
    for (int32_t i = 0; i < n; i++) {
      int32_t d = list[i];
      mark[d - from] = 0;
      pl__day open, base;
      open_cells(ss, d, &open);
      if (is_bay)
        bay_base(ss, j, d, off, &open, &base);
      else
        tech_base(ss, j, d, off, &open, &base);
      int64_t delta =
          (int64_t)pl__day_count(&base) * PL__CELL_MIN - norm[pl__weekday(d)];
      if (res_b != NULL)
        res_b[bucket[d - from]] += delta;
      if (tb != NULL)
        tb[bucket[d - from]] += delta;
    }
  }
  pthread_mutex_unlock(&ss->mu);
  free(wd_n);
  free(mark);
  free(list);
  free(closed);
  return rc;
}
