/* scheduling/slots.c — RecommendSlots: the earliest bookable visits, from the
 * day bitmaps.
 *
 * For one store and day: for every service of the visit, `ok_i` marks the
 * cells where some bay of the right type and enough qualified technicians
 * are free for the service's whole duration (run-start maps,
 * scheduling/calendar.h, ORed over candidates). A visit can start at cell c iff
 * ok_0(c) and ok_1(c + len_0) and ... — the ANDs of the maps shifted by each
 * service's offset. The allowed starts (query range, now, the start grid,
 * preferred windows) mask that; its set bits, ascending, are the candidates.
 * For each, the resources are picked: the first free bay of the type, and the
 * least-loaded free technicians (booked cells that day), so utilisation
 * stays balanced. The pick reads each resource's free cells over the
 * service's own span (pl__day_all on the day's `free`), not a run map: the
 * day caches one run map per resource, and a later service of the same
 * visit with another duration replaces it (issue #19). Candidates whose
 * pick fails (several technicians needed and too few free together) are
 * skipped. Days are walked in order and the walk stops at k options, so a
 * query costs a few days of word operations.
 */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "scheduling/sched_int.h"

#define K_MAX 64

typedef struct visit_svc {
  const pl__svc *svc;
  int len; /* cells */
  int off; /* cells after the visit's start */
  int n_bays, n_techs;
  int16_t bays[256], techs[256];
} visit_svc;

typedef struct visit {
  int n;
  visit_svc s[PL_MAX_VISIT];
  int total;         /* cells */
  int32_t load[256]; /* per day: each technician's booked cells, for pick() */
} visit;

static int tech_level(const pl__tech *t, pl_skill skill) {
  for (int q = 0; q < t->info.n_skills; q++)
    if (t->info.skills[q].skill == skill)
      return t->info.skills[q].level;
  return 0;
}

/* Candidate bays and technicians of store s for each service. */
static int build_visit(pl__chain *c, pl__store *s, const pl_slot_query *q,
                       visit *v, pl_error *err) {
  v->n = q->n_services;
  v->total = 0;
  int32_t only = -1;
  if (q->technician != NULL && q->technician[0] != '\0') {
    only = pl__strmap_get(&s->tech_ix, q->technician);
    if (only < 0)
      return PL__FAIL(err, PL_ENOTFOUND,
                      "technician: no technician '%s' in store '%s'",
                      q->technician, s->info.code);
  }
  for (int i = 0; i < q->n_services; i++) {
    visit_svc *vs = &v->s[i];
    vs->svc = pl__svc_find(c, q->services[i]);
    if (vs->svc == NULL)
      return PL__FAIL(err, PL_ENOTFOUND, "services[%d]: no service '%s'", i,
                      q->services[i]);
    vs->len = vs->svc->info.duration_min / PL__CELL_MIN;
    vs->off = v->total;
    v->total += vs->len;
    vs->n_bays = vs->n_techs = 0;
    for (int b = 0; b < s->bays.n && vs->n_bays < 256; b++)
      if (((const pl__bay *)s->bays.items[b])->info.type ==
          vs->svc->info.bay_type)
        vs->bays[vs->n_bays++] = (int16_t)b;
    for (int t = 0; t < s->techs.n && vs->n_techs < 256; t++) {
      if (only >= 0 && t != only)
        continue;
      if (tech_level(s->techs.items[t], vs->svc->info.skill) >=
          vs->svc->info.min_level)
        vs->techs[vs->n_techs++] = (int16_t)t;
    }
    if (only >= 0 && vs->n_techs == 0)
      return PL__FAIL(err, PL_EPRECOND,
                      "technician: '%s' lacks the skill level service '%s' "
                      "needs",
                      q->technician, q->services[i]);
    if (only >= 0 && vs->svc->info.technicians > 1)
      return PL__FAIL(err, PL_EPRECOND,
                      "technician: service '%s' needs %d technicians",
                      q->services[i], (int)vs->svc->info.technicians);
  }
  return 0;
}

/* Service i's ok map on a day: starts where some candidate bay and some
 * qualified technician are each free for its duration (several
 * technicians are checked at pick time). The run maps come from the day's
 * cache, which keeps one length per resource: they are used here at once
 * and never kept. */
static void service_ok(pl__daycal *dc, int n_bays, const visit *v, int i,
                       pl__day *ok) {
  const visit_svc *vs = &v->s[i];
  pl__day bay_any = {{0}}, tech_any = {{0}};
  for (int k = 0; k < vs->n_bays; k++)
    pl__day_or(&bay_any, &bay_any, pl__daycal_runs(dc, vs->bays[k], vs->len));
  for (int k = 0; k < vs->n_techs; k++)
    pl__day_or(&tech_any, &tech_any,
               pl__daycal_runs(dc, n_bays + vs->techs[k], vs->len));
  pl__day_and(ok, &bay_any, &tech_any);
}

/* Starts at which some loaner car of the store is free for the visit
 * (total cells) and its return buffer: the OR of the cars' run-start
 * maps, which also keeps the span within the local day. The hold (any
 * car) then finds one of them free, so every option stays bookable. */
static void loaner_ok(const pl__store *s, const pl__sched_store *ss,
                      pl__daycal *dc, int total, pl__day *ok) {
  int len = total + PL_LOANER_RETURN_BUFFER_MIN / PL__CELL_MIN;
  memset(ok, 0, sizeof *ok);
  for (int li = 0; li < ss->loaners.n; li++) {
    const pl__loaner *l = ss->loaners.items[li];
    if (l->info.state == PL_LOANER_RETIRED)
      continue;
    pl__day_or(ok, ok, pl__daycal_runs(dc, pl__loaner_res(s, li), len));
  }
}

/* Cells a visit may start at on any day: the start grid and the
 * preferred windows (local, so the same every day). Built once a query. */
static void start_pattern(const pl_slot_query *q, int total, pl__day *a) {
  memset(a, 0, sizeof *a);
  int step = q->step_min > 0 ? q->step_min : 15;
  for (int c = 0; c + total <= PL__CELLS; c++) {
    if ((c * PL__CELL_MIN) % step != 0)
      continue;
    int in_window = q->n_windows == 0;
    for (int w = 0; w < q->n_windows; w++)
      if (c * PL__CELL_MIN >= q->windows[w].start &&
          c * PL__CELL_MIN < q->windows[w].end)
        in_window = 1;
    if (in_window)
      a->w[c >> 6] |= 1ULL << (c & 63);
  }
}

/* The pattern limited to the query range and now on `day`. */
static void allowed_starts(const pl_slot_query *q, const pl__day *pattern,
                           int32_t day, int32_t offset, int64_t now_min,
                           int total, pl__day *a) {
  int64_t day_start = (int64_t)day * 1440 - offset;
  int64_t lo = q->earliest > now_min ? q->earliest : now_min;
  int64_t hi = q->latest - (int64_t)total * PL__CELL_MIN; /* last start */
  int64_t from = lo - day_start, to = hi - day_start;     /* minutes */
  int first = from <= 0 ? 0 : (int)((from + PL__CELL_MIN - 1) / PL__CELL_MIN);
  int last = to >= 1440 ? PL__CELLS - 1 : (int)(to / PL__CELL_MIN);
  memset(a, 0, sizeof *a);
  if (to < 0 || first > last)
    return;
  pl__day_set(a, first, last + 1);
  pl__day_and(a, a, pattern);
}

/* 1 if resource r of day dc is free for len cells from cell `from`: the
 * cached run-start map when it is for this length (the common case: one
 * service, or services of one length), else the free cells themselves. */
static int free_for(const pl__daycal *dc, int r, int from, int len) {
  if (dc->runs_len[r] == len)
    return (int)((dc->runs[r].w[from >> 6] >> (from & 63)) & 1);
  return pl__day_all(&dc->free[r], from, from + len);
}

/* Picks resources for a visit starting at cell c of day dc: for each
 * service, the first candidate bay and the `need` least-loaded candidate
 * technicians free (dc->free) over that service's own cells, exactly the
 * test Hold makes; 0 if some service has none. */
static int pick(const pl__store *s, const pl__daycal *dc, const visit *v, int c,
                int64_t day_start, pl_slot_option *o) {
  o->n_segments = v->n;
  int n_bays = s->bays.n;
  for (int i = 0; i < v->n; i++) {
    const visit_svc *vs = &v->s[i];
    int from = c + vs->off, to = from + vs->len;
    pl_segment *sg = &o->seg[i];
    memset(sg, 0, sizeof *sg);
    int bay = -1;
    for (int k = 0; k < vs->n_bays && bay < 0; k++)
      if (free_for(dc, vs->bays[k], from, vs->len))
        bay = vs->bays[k];
    if (bay < 0)
      return 0;
    const char *bc = ((const pl__bay *)s->bays.items[bay])->info.code;
    memcpy(sg->bay, bc, strlen(bc) + 1);
    const char *svc = vs->svc->info.code;
    memcpy(sg->service, svc, strlen(svc) + 1);
    int need = vs->svc->info.technicians;
    int chosen[PL_MAX_JOB_TECHS], load[PL_MAX_JOB_TECHS], n = 0;
    for (int k = 0; k < vs->n_techs; k++) {
      if (!free_for(dc, n_bays + vs->techs[k], from, vs->len))
        continue;
      int ld = v->load[vs->techs[k]];
      /* keep the `need` least loaded, ties to the earlier technician */
      int pos = n < need ? n++ : need;
      while (pos > 0 && load[pos - 1] > ld) {
        if (pos < need) {
          chosen[pos] = chosen[pos - 1];
          load[pos] = load[pos - 1];
        }
        pos--;
      }
      if (pos < need) {
        chosen[pos] = vs->techs[k];
        load[pos] = ld;
      }
    }
    if (n < need)
      return 0;
    sg->n_techs = need;
    for (int k = 0; k < need; k++) {
      const char *tc = ((const pl__tech *)s->techs.items[chosen[k]])->info.code;
      memcpy(sg->techs[k], tc, strlen(tc) + 1);
    }
    sg->start = day_start + (int64_t)from * PL__CELL_MIN;
    sg->end = day_start + (int64_t)to * PL__CELL_MIN;
  }
  memcpy(o->store, s->info.code, strlen(s->info.code) + 1);
  o->start = o->seg[0].start;
  o->end = o->seg[v->n - 1].end;
  return 1;
}

/* Up to k options from one store, earliest first. */
static int store_options(pl_engine *e, pl__chain *c, pl__store *s,
                         const pl_slot_query *q, visit *v, pl_slot_option *out,
                         int k, pl_error *err) {
  pl__sched_store *ss = pl__sched_store_of(c, s);
  if (ss == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pthread_mutex_lock(&ss->mu);
  pl__sched_sweep(e, c, s, ss);
  int32_t off = s->info.utc_offset_min;
  int64_t now_min;
  int32_t today;
  pl__sched_now(e, c, off, &now_min, &today);
  int64_t from_min = q->earliest > now_min ? q->earliest : now_min;
  int32_t first = pl_local_day(from_min, off);
  int32_t last = pl_local_day(q->latest - 1, off);
  if (last > today + ss->hours.horizon_days - 1)
    last = today + ss->hours.horizon_days - 1;
  pl__day pattern;
  start_pattern(q, v->total, &pattern);
  int n = 0;
  for (int32_t day = first; day <= last && n < k; day++) {
    pl__daycal *dc = pl__sched_day(s, ss, day);
    if (dc == NULL) {
      pthread_mutex_unlock(&ss->mu);
      return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
    }
    pl__day starts, ok;
    allowed_starts(q, &pattern, day, off, now_min, v->total, &starts);
    if (q->need_loaner) { /* first: a day with no car free costs little */
      loaner_ok(s, ss, dc, v->total, &ok);
      pl__day_and(&starts, &starts, &ok);
    }
    if ((starts.w[0] | starts.w[1] | starts.w[2] | starts.w[3] | starts.w[4]) ==
        0)
      continue;
    for (int i = 0; i < v->n; i++) {
      service_ok(dc, s->bays.n, v, i, &ok);
      pl__day_shift_down(&ok, &ok, v->s[i].off);
      pl__day_and(&starts, &starts, &ok);
    }
    int loaded = 0;
    int64_t day_start = (int64_t)day * 1440 - off;
    int per_day = 0;
    for (int cell = pl__day_next(&starts, 0); cell >= 0 && n < k;
         cell = pl__day_next(&starts, cell + 1)) {
      if (q->max_per_day > 0 && per_day >= q->max_per_day)
        break;
      if (!loaded) { /* booked cells per technician, once a day */
        for (int t = 0; t < s->techs.n && t < 256; t++) {
          pl__day booked;
          int r = s->bays.n + t;
          pl__day_andnot(&booked, &dc->base[r], &dc->free[r]);
          v->load[t] = pl__day_count(&booked);
        }
        loaded = 1;
      }
      if (pick(s, dc, v, cell, day_start, &out[n])) {
        n++;
        per_day++;
      }
    }
  }
  pthread_mutex_unlock(&ss->mu);
  return n;
}

static int check_query(const pl_slot_query *q, pl_error *err) {
  int rc = pl__check_code(err, "chain", q->chain, PL_CODE_MAX);
  if (rc == 0 && (q->n_stores < 1 || q->n_stores > PL_MAX_QUERY_STORES))
    rc =
        PL__FAIL(err, PL_EINVAL, "stores: 1 to %d stores", PL_MAX_QUERY_STORES);
  if (rc == 0 && (q->n_services < 1 || q->n_services > PL_MAX_VISIT))
    rc = PL__FAIL(err, PL_EINVAL, "services: 1 to %d services", PL_MAX_VISIT);
  for (int i = 0; rc == 0 && i < q->n_stores; i++)
    rc = pl__check_code(err, "stores", q->stores[i], PL_CODE_MAX);
  for (int i = 0; rc == 0 && i < q->n_services; i++)
    rc = pl__check_code(err, "services", q->services[i], PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_window(err, "earliest", q->earliest, "latest", q->latest, 0);
  if (rc == 0)
    rc = pl__check_range(err, "k", q->k, 1, K_MAX);
  if (rc == 0 && (q->step_min < 0 || q->step_min % PL__CELL_MIN != 0 ||
                  q->step_min > 24 * 60))
    rc = PL__FAIL(err, PL_EINVAL,
                  "step_min: a multiple of 5 minutes up to a day");
  if (rc == 0 && (q->n_windows < 0 || q->n_windows > PL_MAX_WINDOWS))
    rc = PL__FAIL(err, PL_EINVAL, "windows: at most %d", PL_MAX_WINDOWS);
  for (int i = 0; rc == 0 && i < q->n_windows; i++)
    if (q->windows[i].start < 0 || q->windows[i].end > 1440 ||
        q->windows[i].start >= q->windows[i].end)
      rc = PL__FAIL(err, PL_EINVAL,
                    "windows[%d]: a range of local minutes in [0, 1440]", i);
  if (rc == 0)
    rc = pl__check_range(err, "max_per_day", q->max_per_day, 0, K_MAX);
  if (rc == 0 && q->technician != NULL)
    rc = pl__check_opt_code(err, "technician", q->technician, PL_CODE_MAX);
  return rc;
}

static int cmp_option(const void *a, const void *b) {
  const pl_slot_option *x = a, *y = b;
  return (x->start > y->start) - (x->start < y->start);
}

int pl_recommend_slots(pl_engine *e, const pl_slot_query *q,
                       pl_slot_option *out, int cap, pl_error *err) {
  int rc = check_query(q, err);
  if (rc != 0)
    return rc;
  pl__chain *c = NULL;
  rc = pl__chain_known(e, q->chain, &c, err);
  if (rc != 0)
    return rc;
  int k = q->k < cap ? q->k : cap;
  pl_slot_option *tmp = NULL;
  if (q->n_stores > 1 &&
      (tmp = malloc((size_t)q->n_stores * (size_t)k * sizeof *tmp)) == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  visit v;
  int total = 0;
  pthread_rwlock_rdlock(&c->lock);
  for (int i = 0; i < q->n_stores && rc == 0; i++) {
    int32_t si = pl__strmap_get(&c->store_ix, q->stores[i]);
    if (si < 0) {
      rc = PL__FAIL(err, PL_ENOTFOUND, "stores[%d]: no store '%s'", i,
                    q->stores[i]);
      break;
    }
    pl__store *s = c->stores.items[si];
    rc = build_visit(c, s, q, &v, err);
    if (rc != 0)
      break;
    pl_slot_option *dst = tmp != NULL ? tmp + total : out;
    int n = store_options(e, c, s, q, &v, dst, k, err);
    if (n < 0)
      rc = n;
    else
      total += n;
  }
  pthread_rwlock_unlock(&c->lock);
  if (rc == 0 && tmp != NULL) {
    /* stable merge by start: stores keep query order on ties */
    for (int i = 1; i < total; i++) {
      pl_slot_option o = tmp[i];
      int j = i;
      while (j > 0 && cmp_option(&tmp[j - 1], &o) > 0) {
        tmp[j] = tmp[j - 1];
        j--;
      }
      tmp[j] = o;
    }
    total = total < k ? total : k;
    memcpy(out, tmp, (size_t)total * sizeof *out);
  }
  free(tmp);
  return rc != 0 ? rc : total;
}
