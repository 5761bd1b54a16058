/* scheduling_props_test.c — generated property test of RecommendSlots and
 * Hold (issue #19, item 5) against an independent brute-force reference.
 *
 * Each world is a new chain with 1-2 stores at UTC offsets such as +5:45,
 * +12:45, -12:00 and +14:00, random opening hours and closures, 1-3 bay
 * types, bays out of service, technicians with random skills, shifts,
 * breaks and leave, services of random durations (some needing 2-3
 * technicians), and random existing bookings (held, confirmed, cancelled,
 * lapsing). The clock moves by random seconds. For every RecommendSlots
 * query, with the state read back (store hours, bookings by local day)
 * and the schedules the test set:
 *  (a) every option returned is accepted by Hold at that moment with
 *      exactly its resources (held, then cancelled);
 *  (b) the options are exactly the reference's: every start on the grid
 *      (local midnight + n * step) within the bounds, the windows, the
 *      horizon and after now, at which some assignment of bays and
 *      technicians is free, earliest first, stores in query order on
 *      ties, at most max_per_day per store and local day, at most k —
 *      so no feasible start was skipped and none invented.
 * Random direct holds are also checked against the reference (accepted
 * iff free), which keeps the calendars honest between queries.
 *
 * The seed is random per run and printed; PL_SEED=<n> replays it;
 * PL_PROPS_ITERS=<worlds> runs longer (default sized for a few seconds). */
#include <inttypes.h>
#include <time.h>

#include "testutil.h"

#include "pitlane/scheduling.h"

#define DAY0 20454
#define MAX_STORES 2
#define MAX_BAYS 4
#define MAX_TECHS 5
#define MAX_SVCS 6
#define MAX_BOOK 512

/* ---- a seeded generator (splitmix64): replays exactly from the seed --- */

static uint64_t rng_state;

static uint64_t rnd64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rnd(int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd64() % (uint64_t)(hi - lo + 1));
}

/* Writes are acknowledged without waiting for the disk: the properties
 * are about the calendars, and a run makes thousands of writes. */
static void no_wait(void *arg, int rc) {
  (void)arg;
  (void)rc;
}
static const pl_write async_write = {.durable = no_wait};

/* What a run covered, printed at the end (a run that checks nothing
 * would pass silently otherwise). */
static struct {
  long queries, options, empty, tech_errors, direct_ok, direct_refused;
} stats;

/* ---- the world the test made ------------------------------------------ */

typedef struct wstore {
  char code[8];
  int32_t off;
  pl_store_hours hours; /* read back from the engine */
  int nb, nt;
  pl_bay_type bay_type[MAX_BAYS];
  pl_bay_schedule bay_sched[MAX_BAYS]; /* n_out_of_service 0: none */
  pl_technician_info tech[MAX_TECHS];
  int has_sched[MAX_TECHS];
  pl_technician_schedule tech_sched[MAX_TECHS];
  /* occupying bookings read back, for the reference */
  int n_book;
  pl_booking_info book[MAX_BOOK];
} wstore;

typedef struct world {
  pl_engine *e;
  test_clock *clk;
  char chain[16];
  int ns;
  wstore st[MAX_STORES];
  int types; /* bay types in use, 1..3: every store has each */
  int nsvc;
  pl_service_info svc[MAX_SVCS];
} world;

static const int32_t offsets[] = {480, 345, 765, -720, 840,  0,  -210,
                                  330, 60,  -60, 525,  -570, 780};

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int32_t local_day(int64_t utc, int32_t off) {
  return (int32_t)floor_div(utc + off, 1440);
}

static int weekday(int32_t day) { /* 0 = Monday; 1970-01-01 a Thursday */
  return (int)(((day + 3) % 7 + 7) % 7);
}

/* ---- the reference: decides from the rules, not from the engine ------- */

static int overlaps(int64_t a, int64_t b, int64_t s, int64_t e) {
  return a < e && s < b;
}

/* A UTC range blocks every 5-minute cell it touches. */
static int range_blocks(pl_utc_range r, int64_t a, int64_t b) {
  return overlaps(a, b, floor_div(r.start, 5) * 5, -floor_div(-r.end, 5) * 5);
}

static int closed_on(const pl_store_hours *h, int32_t day) {
  for (int i = 0; i < h->n_closures; i++)
    if (h->closures[i] == day)
      return 1;
  return 0;
}

/* Is bay (is_bay) or technician idx of store s free over UTC [a, b), a
 * span within one local day? Hours, closures, shifts, breaks, leave, out
 * of service, and the occupying bookings read back. */
static int ref_free(const wstore *s, int is_bay, int idx, int64_t a,
                    int64_t b) {
  int32_t d = local_day(a, s->off);
  int64_t la = a + s->off - (int64_t)d * 1440, lb = la + (b - a);
  if (closed_on(&s->hours, d))
    return 0;
  pl_local_range open = s->hours.week[weekday(d)];
  if (open.start == open.end || la < open.start || lb > open.end)
    return 0;
  if (is_bay) {
    for (int i = 0; i < s->bay_sched[idx].n_out_of_service; i++)
      if (range_blocks(s->bay_sched[idx].out_of_service[i], a, b))
        return 0;
  } else if (s->has_sched[idx]) {
    const pl_technician_schedule *ts = &s->tech_sched[idx];
    const pl_shift *sh = &ts->week[weekday(d)];
    if (sh->work.start == sh->work.end || la < sh->work.start ||
        lb > sh->work.end)
      return 0;
    for (int i = 0; i < sh->n_breaks; i++)
      if (overlaps(la, lb, sh->breaks[i].start, sh->breaks[i].end))
        return 0;
    for (int i = 0; i < ts->n_leave; i++)
      if (range_blocks(ts->leave[i], a, b))
        return 0;
  }
  char code[8];
  snprintf(code, sizeof code, "%c%d", is_bay ? 'B' : 'T', idx);
  for (int i = 0; i < s->n_book; i++)
    for (int g = 0; g < s->book[i].n_segments; g++) {
      const pl_segment *sg = &s->book[i].seg[g];
      if (!overlaps(a, b, sg->start, sg->end))
        continue;
      if (is_bay && strcmp(sg->bay, code) == 0)
        return 0;
      for (int k = 0; !is_bay && k < sg->n_techs; k++)
        if (strcmp(sg->techs[k], code) == 0)
          return 0;
    }
  return 1;
}

static int tech_qualifies(const pl_technician_info *t,
                          const pl_service_info *v) {
  for (int i = 0; i < t->n_skills; i++)
    if (t->skills[i].skill == v->skill && t->skills[i].level >= v->min_level)
      return 1;
  return 0;
}

static const pl_service_info *svc_of(const world *w, const char *code) {
  for (int i = 0; i < w->nsvc; i++)
    if (strcmp(w->svc[i].code, code) == 0)
      return &w->svc[i];
  return NULL;
}

/* "Now" as the contract says: a start is in the past iff it is before
 * now; today is the local day holding now. */
static int64_t first_start(const world *w) {
  return -floor_div(-w->clk->now_ms, 60000);
}

static int32_t today_of(const world *w, const wstore *s) {
  return local_day(floor_div(w->clk->now_ms, 60000), s->off);
}

/* Start t on the 5-minute grid, in the future, in the horizon, and the
 * visit of `total` minutes within its local day. */
static int ref_when_ok(const world *w, const wstore *s, int64_t t, int total) {
  int32_t d = local_day(t, s->off);
  return floor_div(t, 5) * 5 == t && t >= first_start(w) &&
         local_day(t + total - 1, s->off) == d &&
         d < today_of(w, s) + s->hours.horizon_days;
}

/* Can the visit (services svcs[0..n)) start at t in store s, by trying
 * every bay and every set of technicians each service could use
 * (technician `only` >= 0: just that one)? Services follow one another,
 * so their assignments are independent. */
static int ref_feasible(const world *w, const wstore *s,
                        const char *const *svcs, int n, int only, int64_t t) {
  for (int i = 0; i < n; i++) {
    const pl_service_info *v = svc_of(w, svcs[i]);
    int64_t a = t, b = t + v->duration_min;
    t = b;
    int bay_ok = 0;
    for (int k = 0; k < s->nb && !bay_ok; k++)
      bay_ok = s->bay_type[k] == v->bay_type && ref_free(s, 1, k, a, b);
    int free_techs = 0;
    for (int k = 0; k < s->nt; k++)
      if ((only < 0 || only == k) && tech_qualifies(&s->tech[k], v) &&
          ref_free(s, 0, k, a, b))
        free_techs++;
    if (!bay_ok || free_techs < v->technicians)
      return 0;
  }
  return 1;
}

static int visit_minutes(const world *w, const char *const *svcs, int n) {
  int total = 0;
  for (int i = 0; i < n; i++)
    total += svc_of(w, svcs[i])->duration_min;
  return total;
}

/* Reads back the store's hours and its occupying bookings. */
static void read_back(world *w, wstore *s) {
  assert_int_equal(pl_store_hours_get(w->e, w->chain, s->code, &s->hours, NULL),
                   0);
  s->n_book = 0;
  int32_t today = today_of(w, s);
  for (int32_t d = today - 2; d <= today + s->hours.horizon_days + 1; d++) {
    pl_booking_filter f = {.chain = w->chain, .store = s->code, .local_day = d};
    static pl_booking_info got[4096];
    int n = pl_booking_list(w->e, &f, got, 4096, NULL);
    assert_true(n >= 0 && n <= 4096);
    for (int i = 0; i < n; i++) {
      if (got[i].state != PL_BOOKING_HELD &&
          got[i].state != PL_BOOKING_CONFIRMED &&
          got[i].state != PL_BOOKING_CHECKED_IN)
        continue;
      if (local_day(got[i].start, s->off) != d)
        fail_msg("booking %" PRId64 " listed under day %d, starts on %d",
                 got[i].id, d, local_day(got[i].start, s->off));
      assert_true(s->n_book < MAX_BOOK);
      s->book[s->n_book++] = got[i];
    }
  }
}

/* ---- building a world ---------------------------------------------------- */

static int64_t rnd_minute_near(const world *w, int days) {
  return w->clk->now_ms / 60000 + rnd(-600, (int64_t)days * 1440);
}

static pl_local_range rnd_local(int min_len, int max_len) {
  int len = (int)rnd(min_len / 5, max_len / 5) * 5;
  int start = (int)rnd(0, (1440 - len) / 5) * 5;
  return (pl_local_range){start, start + len};
}

static void make_store(world *w, int si) {
  wstore *s = &w->st[si];
  memset(s, 0, sizeof *s);
  snprintf(s->code, sizeof s->code, "S%d", si);
  s->off = offsets[rnd(0, (int64_t)(sizeof offsets / sizeof *offsets) - 1)];
  pl_store_info in = {0};
  strcpy(in.chain, w->chain);
  strcpy(in.code, s->code);
  strcpy(in.name, "store");
  in.utc_offset_min = s->off;
  assert_int_equal(pl_store_create(w->e, &in, NULL, NULL, NULL, NULL), 0);
  if (rnd(0, 2) != 0) { /* else the default hours */
    pl_store_hours h = {0};
    strcpy(h.chain, w->chain);
    strcpy(h.store, s->code);
    for (int d = 0; d < 7; d++) {
      int kind = (int)rnd(0, 9);
      if (kind == 0)
        h.week[d] = (pl_local_range){0, 0}; /* closed */
      else if (kind <= 2)
        h.week[d] = (pl_local_range){0, 1440}; /* round the clock */
      else
        h.week[d] = rnd_local(120, 1000);
    }
    h.horizon_days = (int32_t)(rnd(0, 4) == 0 ? rnd(1, 3) : rnd(4, 10));
    int32_t today = local_day(w->clk->now_ms / 60000, s->off);
    h.n_closures = (int32_t)rnd(0, 3);
    for (int i = 0; i < h.n_closures; i++)
      h.closures[i] = today + (int32_t)rnd(-1, h.horizon_days);
    assert_int_equal(pl_store_hours_set(w->e, &h, NULL, NULL), 0);
  }
  int types = w->types;
  s->nb = (int)rnd(types, MAX_BAYS);
  for (int b = 0; b < s->nb; b++) {
    pl_bay_info bi = {0};
    strcpy(bi.chain, w->chain);
    strcpy(bi.store, s->code);
    snprintf(bi.code, sizeof bi.code, "B%d", b);
    bi.type = (pl_bay_type)(b < types ? b + 1 : rnd(1, types));
    s->bay_type[b] = bi.type;
    assert_int_equal(pl_bay_create(w->e, &bi, NULL, NULL, NULL, NULL), 0);
    pl_bay_schedule *bs = &s->bay_sched[b];
    strcpy(bs->chain, w->chain);
    strcpy(bs->store, s->code);
    strcpy(bs->bay, bi.code);
    if (rnd(0, 2) == 0) {
      bs->n_out_of_service = (int32_t)rnd(1, 2);
      for (int i = 0; i < bs->n_out_of_service; i++) {
        int64_t a = rnd_minute_near(w, 4); /* any minute: cells it touches */
        bs->out_of_service[i] = (pl_utc_range){a, a + rnd(1, 600)};
      }
      assert_int_equal(pl_bay_schedule_set(w->e, bs, NULL, NULL), 0);
    }
  }
  s->nt = (int)rnd(rnd(1, 2), MAX_TECHS);
  for (int t = 0; t < s->nt; t++) {
    pl_technician_info *ti = &s->tech[t];
    memset(ti, 0, sizeof *ti);
    strcpy(ti->chain, w->chain);
    strcpy(ti->store, s->code);
    snprintf(ti->code, sizeof ti->code, "T%d", t);
    strcpy(ti->name, ti->code);
    for (int k = 1; k <= 3; k++)
      if (rnd(0, 4) != 0)
        ti->skills[ti->n_skills++] =
            (pl_skill_level){(pl_skill)k, (int32_t)rnd(1, 5)};
    assert_int_equal(pl_technician_create(w->e, ti, NULL, NULL, NULL, NULL), 0);
    if (rnd(0, 2) == 0) {
      pl_technician_schedule *ts = &s->tech_sched[t];
      memset(ts, 0, sizeof *ts);
      strcpy(ts->chain, w->chain);
      strcpy(ts->store, s->code);
      strcpy(ts->technician, ti->code);
      for (int d = 0; d < 7; d++) {
        if (rnd(0, 5) == 0)
          continue; /* day off */
        ts->week[d].work = rnd_local(120, 1440);
        ts->week[d].n_breaks = (int32_t)rnd(0, 2);
        for (int i = 0; i < ts->week[d].n_breaks; i++)
          ts->week[d].breaks[i] = rnd_local(5, 90);
      }
      ts->n_leave = (int32_t)rnd(0, 2);
      for (int i = 0; i < ts->n_leave; i++) {
        int64_t a = rnd_minute_near(w, 4);
        ts->leave[i] = (pl_utc_range){a, a + rnd(1, 1500)};
      }
      assert_int_equal(pl_technician_schedule_set(w->e, ts, NULL, NULL), 0);
      s->has_sched[t] = 1;
    }
  }
}

static void make_world(world *w, int n) {
  snprintf(w->chain, sizeof w->chain, "p%d", n);
  pl_chain_info c = {0};
  strcpy(c.code, w->chain);
  strcpy(c.name, "props");
  assert_int_equal(pl_chain_create(w->e, &c, NULL, NULL, NULL, NULL), 0);
  w->types = (int)rnd(1, 3);
  w->ns = (int)rnd(1, MAX_STORES);
  for (int i = 0; i < w->ns; i++)
    make_store(w, i);
  static const int durs[] = {5, 15, 25, 30, 45, 60, 90, 120, 180};
  w->nsvc = (int)rnd(2, MAX_SVCS);
  for (int i = 0; i < w->nsvc; i++) {
    pl_service_info *v = &w->svc[i];
    memset(v, 0, sizeof *v);
    strcpy(v->chain, w->chain);
    snprintf(v->code, sizeof v->code, "V%d", i);
    strcpy(v->name, v->code);
    v->bay_type = (pl_bay_type)rnd(1, w->types);
    v->skill = (pl_skill)rnd(1, 3);
    v->min_level = (int32_t)rnd(1, rnd(1, 3));
    v->duration_min =
        rnd(0, 2) == 0 ? (int32_t)rnd(1, 48) * 5 : durs[rnd(0, 8)];
    int64_t r = rnd(0, 19);
    v->technicians = r < 16 ? 1 : r < 19 ? 2 : 3;
    assert_int_equal(pl_service_create(w->e, v, NULL, NULL, NULL, NULL), 0);
  }
}

/* ---- queries --------------------------------------------------------------
 */

typedef struct expect {
  int store; /* index in the world */
  int64_t start;
} expect;

/* A random query over the world; *only is the technician index or -1. */
static pl_slot_query rnd_query(const world *w, const char **svcs, int *order,
                               int *only) {
  pl_slot_query q = {.chain = w->chain};
  q.n_stores = (int)rnd(1, w->ns);
  order[0] = (int)rnd(0, w->ns - 1);
  if (q.n_stores == 2)
    order[1] = 1 - order[0];
  for (int i = 0; i < q.n_stores; i++)
    q.stores[i] = w->st[order[i]].code;
  q.n_services = (int)rnd(1, 3);
  for (int i = 0; i < q.n_services; i++)
    svcs[i] = w->svc[rnd(0, w->nsvc - 1)].code;
  for (int i = 0; i < q.n_services; i++)
    q.services[i] = svcs[i];
  int64_t now_min = w->clk->now_ms / 60000;
  q.earliest = now_min + rnd(-1500, 3 * 1440);
  q.latest = q.earliest + rnd(1, rnd(0, 3) == 0 ? 600 : 4 * 1440);
  static const int steps[] = {0, 5, 10, 15, 20, 25, 30, 45, 60, 90, 35};
  q.step_min = steps[rnd(0, 10)];
  if (rnd(0, 2) == 0) {
    q.n_windows = (int)rnd(1, 2);
    for (int i = 0; i < q.n_windows; i++) {
      int a = (int)rnd(0, 1439);
      q.windows[i] = (pl_local_range){a, (int)rnd(a + 1, 1440)};
    }
  }
  q.max_per_day = rnd(0, 2) == 0 ? (int32_t)rnd(1, 3) : 0;
  q.k = (int)rnd(1, 20);
  *only = -1;
  if (q.n_stores == 1 && rnd(0, 5) == 0) {
    *only = (int)rnd(0, w->st[order[0]].nt - 1);
    q.technician = w->st[order[0]].tech[*only].code;
  }
  return q;
}

/* The reference's answer: every start of the grid in the bounds that is
 * feasible, earliest first, stores in query order on ties, max_per_day
 * per store and local day, k in all. Returns the count. */
static int ref_answer(const world *w, const pl_slot_query *q, const int *order,
                      int only, expect *out) {
  int total = visit_minutes(w, q->services, q->n_services);
  int step = q->step_min > 0 ? q->step_min : 15;
  expect all[64 * MAX_STORES];
  int n = 0;
  for (int si = 0; si < q->n_stores; si++) {
    const wstore *s = &w->st[order[si]];
    int64_t lo = q->earliest > first_start(w) ? q->earliest : first_start(w);
    int64_t hi = q->latest - total;
    int64_t horizon_end =
        ((int64_t)today_of(w, s) + s->hours.horizon_days) * 1440 - s->off;
    if (hi > horizon_end)
      hi = horizon_end;
    int got = 0, per_day = 0;
    int32_t cur_day = INT32_MIN;
    for (int64_t t = -floor_div(-lo, 5) * 5; t <= hi && got < q->k; t += 5) {
      int32_t d = local_day(t, s->off);
      int64_t lm = t + s->off - (int64_t)d * 1440;
      if (lm % step != 0 || !ref_when_ok(w, s, t, total))
        continue;
      int in_window = q->n_windows == 0;
      for (int i = 0; i < q->n_windows; i++)
        if (lm >= q->windows[i].start && lm < q->windows[i].end)
          in_window = 1;
      if (!in_window ||
          !ref_feasible(w, s, q->services, q->n_services, only, t))
        continue;
      if (d != cur_day) {
        cur_day = d;
        per_day = 0;
      }
      if (q->max_per_day > 0 && per_day >= q->max_per_day)
        continue;
      per_day++;
      got++;
      all[n++] = (expect){order[si], t};
    }
  }
  /* stable by start: stores keep query order on ties */
  for (int i = 1; i < n; i++) {
    expect x = all[i];
    int j = i;
    while (j > 0 && all[j - 1].start > x.start) {
      all[j] = all[j - 1];
      j--;
    }
    all[j] = x;
  }
  n = n < q->k ? n : q->k;
  memcpy(out, all, (size_t)n * sizeof *out);
  return n;
}

static pl_booking_info booking_of(const world *w, const pl_slot_option *o) {
  pl_booking_info b = {.channel = PL_CHANNEL_APP};
  strcpy(b.chain, w->chain);
  strcpy(b.store, o->store);
  strcpy(b.customer, "c");
  strcpy(b.plate, "p");
  b.n_segments = o->n_segments;
  memcpy(b.seg, o->seg, sizeof b.seg);
  return b;
}

static const char *describe(const pl_slot_query *q) {
  static char buf[512];
  int m = snprintf(buf, sizeof buf,
                   "stores %d services %d [%s %s %s] earliest %" PRId64
                   " latest %" PRId64 " step %d windows %d max/day %d k %d"
                   " tech %s",
                   q->n_stores, q->n_services, q->services[0],
                   q->n_services > 1 ? q->services[1] : "",
                   q->n_services > 2 ? q->services[2] : "", q->earliest,
                   q->latest, q->step_min, q->n_windows, q->max_per_day, q->k,
                   q->technician ? q->technician : "-");
  (void)m;
  return buf;
}

/* One query checked against both properties. */
static void check_query(world *w, uint64_t seed, int wn, int qn) {
  const char *svcs[PL_MAX_VISIT];
  int order[MAX_STORES], only;
  pl_slot_query q = rnd_query(w, svcs, order, &only);
  for (int i = 0; i < w->ns; i++)
    read_back(w, &w->st[i]);
  pl_slot_option opt[20];
  pl_error err = {0};
  int n = pl_recommend_slots(w->e, &q, opt, 20, &err);
  if (only >= 0) { /* several technicians or a missing skill: an error */
    for (int i = 0; i < q.n_services; i++) {
      const pl_service_info *v = svc_of(w, q.services[i]);
      if (!tech_qualifies(&w->st[order[0]].tech[only], v) ||
          v->technicians > 1) {
        stats.tech_errors++;
        if (n != PL_EPRECOND)
          fail_msg("seed %" PRIu64 " world %d query %d: technician %s "
                   "cannot do %s, got %d",
                   seed, wn, qn, q.technician, v->code, n);
        return;
      }
    }
  }
  if (n < 0)
    fail_msg("seed %" PRIu64 " world %d query %d: %s: %s", seed, wn, qn,
             pl_err_name(n), err.msg);
  expect want[20];
  int m = ref_answer(w, &q, order, only, want);
  stats.queries++;
  stats.options += n > 0 ? n : 0;
  stats.empty += n == 0;
  for (int i = 0; i < n || i < m; i++) {
    if (i < n && i < m && opt[i].start == want[i].start &&
        strcmp(opt[i].store, w->st[want[i].store].code) == 0)
      continue;
    fail_msg("seed %" PRIu64 " world %d query %d (%s): option %d: engine "
             "%s@%" PRId64 ", reference %s@%" PRId64 " (engine %d options, "
             "reference %d)",
             seed, wn, qn, describe(&q), i, i < n ? opt[i].store : "-",
             i < n ? opt[i].start : (int64_t)-1,
             i < m ? w->st[want[i].store].code : "-",
             i < m ? want[i].start : (int64_t)-1, n, m);
  }
  for (int i = 0; i < n; i++) { /* (a): Hold takes each as returned */
    int64_t t = opt[i].start;
    for (int g = 0; g < opt[i].n_segments; g++) {
      assert_string_equal(opt[i].seg[g].service, q.services[g]);
      assert_true(opt[i].seg[g].start == t);
      t = opt[i].seg[g].end;
    }
    assert_true(opt[i].end == t);
    pl_booking_info in = booking_of(w, &opt[i]), out;
    int rc = pl_booking_hold(w->e, &in, 0, NULL, &async_write, &out, &err);
    if (rc != 0)
      fail_msg("seed %" PRIu64 " world %d query %d (%s): option %d at %" PRId64
               " refused by Hold: %s %s",
               seed, wn, qn, describe(&q), i, opt[i].start, pl_err_name(rc),
               err.msg);
    assert_true(out.end == opt[i].end);
    assert_int_equal(pl_booking_transition(w->e, w->chain, out.id,
                                           PL_BOOKING_CANCELLED, &async_write,
                                           NULL, NULL),
                     0);
  }
}

/* A random direct hold (random resources and time) must be accepted iff
 * the reference finds its bay and technicians free, qualified and the
 * time bookable. */
static void check_direct_hold(world *w, uint64_t seed, int wn) {
  wstore *s = &w->st[rnd(0, w->ns - 1)];
  read_back(w, s);
  const pl_service_info *v = &w->svc[rnd(0, w->nsvc - 1)];
  if (v->technicians > s->nt)
    return;
  pl_booking_info in = {.channel = PL_CHANNEL_PHONE};
  strcpy(in.chain, w->chain);
  strcpy(in.store, s->code);
  strcpy(in.customer, "d");
  strcpy(in.plate, "d");
  in.n_segments = 1;
  pl_segment *sg = &in.seg[0];
  strcpy(sg->service, v->code);
  int bay = (int)rnd(0, s->nb - 1);
  for (int k = 0; k < s->nb && rnd(0, 4) != 0; k++) /* mostly a fit */
    if (s->bay_type[k] == v->bay_type)
      bay = k;
  snprintf(sg->bay, sizeof sg->bay, "B%d", bay);
  sg->n_techs = v->technicians;
  int techs[3];
  for (int k = 0; k < v->technicians; k++) {
    int t, dup;
    int tries = 0;
    do { /* mostly a qualified one */
      t = (int)rnd(0, s->nt - 1);
      dup = 0;
      for (int j = 0; j < k; j++)
        dup |= techs[j] == t;
    } while (dup || (!tech_qualifies(&s->tech[t], v) && ++tries < 8));
    techs[k] = t;
    strcpy(sg->techs[k], s->tech[t].code);
  }
  int64_t t = (w->clk->now_ms / 60000 / 5 + rnd(-12, 3 * 288)) * 5;
  sg->start = t;
  int64_t b = t + v->duration_min;
  int ok = ref_when_ok(w, s, t, v->duration_min) &&
           s->bay_type[bay] == v->bay_type && ref_free(s, 1, bay, t, b);
  for (int k = 0; k < v->technicians; k++)
    ok = ok && tech_qualifies(&s->tech[techs[k]], v) &&
         ref_free(s, 0, techs[k], t, b);
  pl_error err = {0};
  pl_booking_info out;
  int64_t ttl = rnd(0, 1) ? rnd(1, 600) * 1000 : 0;
  int rc = pl_booking_hold(w->e, &in, ttl, NULL, &async_write, &out, &err);
  stats.direct_ok += rc == 0;
  stats.direct_refused += rc != 0;
  if ((rc == 0) != ok)
    fail_msg("seed %" PRIu64 " world %d: direct hold %s %s at %" PRId64
             " in %s: engine %s (%s), reference %s",
             seed, wn, v->code, sg->bay, t, s->code, pl_err_name(rc), err.msg,
             ok ? "free" : "not bookable");
  if (rc == 0 && rnd(0, 2) == 0)
    assert_int_equal(pl_booking_transition(w->e, w->chain, out.id,
                                           PL_BOOKING_CONFIRMED, &async_write,
                                           NULL, NULL),
                     0);
}

/* Books a random option of a random query (existing bookings). */
static void book_some(world *w) {
  const char *svcs[PL_MAX_VISIT];
  int order[MAX_STORES], only;
  pl_slot_query q = rnd_query(w, svcs, order, &only);
  q.technician = NULL;
  pl_slot_option opt[20];
  int n = pl_recommend_slots(w->e, &q, opt, 20, NULL);
  if (n <= 0)
    return;
  pl_booking_info in = booking_of(w, &opt[rnd(0, n - 1)]), out;
  int64_t ttl = rnd(0, 1) ? rnd(1, 900) * 1000 : 0;
  assert_int_equal(
      pl_booking_hold(w->e, &in, ttl, NULL, &async_write, &out, NULL), 0);
  int64_t r = rnd(0, 5);
  if (r <= 1)
    assert_int_equal(pl_booking_transition(w->e, w->chain, out.id,
                                           PL_BOOKING_CONFIRMED, &async_write,
                                           NULL, NULL),
                     0);
  else if (r == 2)
    assert_int_equal(pl_booking_transition(w->e, w->chain, out.id,
                                           PL_BOOKING_CANCELLED, &async_write,
                                           NULL, NULL),
                     0);
}

static void properties_hold_on_random_worlds(void **st) {
  (void)st;
  const char *env = getenv("PL_SEED");
  uint64_t seed = env != NULL && env[0] != '\0'
                      ? strtoull(env, NULL, 10)
                      : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
                            (uint64_t)clock();
  const char *it = getenv("PL_PROPS_ITERS");
  int iters = it != NULL && atoi(it) > 0 ? atoi(it) : 150;
  printf("scheduling_props: seed %" PRIu64
         " worlds %d (replay: PL_SEED=%" PRIu64 ")\n",
         seed, iters, seed);
  fflush(stdout);
  test_fx *f = test_fx_new(0, 0);
  for (int wn = 0; wn < iters; wn++) {
    rng_state = seed + (uint64_t)wn * 0x632BE59BD9B4E019ULL;
    static world w; /* large: its bookings read back */
    memset(&w, 0, sizeof w);
    w.e = f->e;
    w.clk = &f->clk;
    /* now: a random moment (seconds included) of a day near DAY0 */
    f->clk.now_ms =
        ((int64_t)(DAY0 + rnd(0, 6)) * 1440 + rnd(0, 1439)) * 60000 +
        rnd(0, 59999);
    make_world(&w, wn);
    int rounds = (int)rnd(4, 16);
    for (int r = 0; r < rounds; r++)
      book_some(&w);
    for (int qn = 0; qn < 12; qn++) {
      if (rnd(0, 1) == 0)
        check_direct_hold(&w, seed, wn);
      if (rnd(0, 2) == 0)
        book_some(&w);
      check_query(&w, seed, wn, qn);
      f->clk.now_ms += rnd(0, 600000); /* holds lapse, now moves */
    }
    if (wn % 100 == 99) { /* a fresh engine: recovery stays small */
      test_fx_teardown((void **)&f);
      f = test_fx_new(0, 0);
    } else if (wn % 25 == 24) {
      test_fx_reopen(f); /* the same answers after recovery, too */
    }
  }
  printf("scheduling_props: %ld queries (%ld empty, %ld technician "
         "errors), %ld options held as returned; direct holds %ld "
         "accepted, %ld refused, all as the reference said\n",
         stats.queries, stats.empty, stats.tech_errors, stats.options,
         stats.direct_ok, stats.direct_refused);
  test_fx_teardown((void **)&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(properties_hold_on_random_worlds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
