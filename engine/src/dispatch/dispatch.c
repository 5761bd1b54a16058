/* dispatch/dispatch.c — field resources (rescue trucks, pick-up/drop-off
 * drivers), the spatial index over them, dispatches and their watchers (see
 * pitlane/dispatch.h for the contract and the state diagrams).
 *
 * Spatial index. Per chain and per resource kind, a uniform grid of
 * 0.01° × 0.01° cells (~1.1 km × ~0.95 km at 31°N) in a hash map from the
 * cell's (row, column) to the resources in it; every resource of the kind
 * is in its position's cell (busy ones too: eligibility is checked per
 * candidate, so the grid only changes when a position does). The nearest
 * eligible resource is found by searching rings of cells around the
 * request's cell (ring r: the cells at Chebyshev distance r) until the
 * best candidate so far is strictly nearer than any point outside the
 * rings searched can be (a lower bound from the latitude and longitude
 * gaps to the square's edges, below), or the rings cover every occupied
 * cell. Candidates are compared by the haversine term
 * hav = sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2), which is monotone in the
 * great-circle distance, so no asin per candidate; ties go to the smaller
 * code. The index does not wrap at ±180° longitude (a chain works in one
 * region).
 *
 * Lower bound after rings 0..r. A point outside the searched square has
 * either |Δφ| >= gφ (the latitude gap to the square's nearer edge), so
 * hav >= sin²(gφ/2), or |Δφ| < gφ and |Δλ| >= gλ, so its latitude is
 * within gφ of the request's and hav >= cos φq · cos(min(90°, |φq| + gφ))
 * · sin²(min(gλ, π)/2). The smaller of the two bounds every point left.
 *
 * Invariants (under dc->mu): a resource with dispatch_id != 0 is offered,
 * en route or on site for that dispatch, whose `resource` names it; a
 * scheduled dispatch that is offered or accepted has exactly one calendar
 * entry, with its resource; dispatch ids are dense (index + 1) and queued
 * in id order, so a crash loses at most a suffix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/filter.h"
#include "base/u64map.h"
#include "base/validate.h"
#include "core/barrier.h"
#include "core/keys.h"
#include "core/rowwrite.h"
#include "dispatch/disp_int.h"
#include "pitlane/scheduling.h"

#define ROW_VERSION 1
#define CELL_E6 10000 /* 0.01 degree */
#define EARTH_R_M 6371008.8
#define DEG_E6_RAD (M_PI / 180e6)
#define DEFAULT_FACTOR_MILLI 1300
#define DEFAULT_SPEED_KMH 30
#define DEFAULT_JOB_MIN 60

/* ---- types ---------------------------------------------------------------
 */

typedef struct pl__gcell {
  int32_t n, cap;
  int32_t *ix; /* resource indexes */
} pl__gcell;

typedef struct pl__grid {
  pl__u64map cells; /* cell key -> pl__gcell* (owned) */
  int32_t min_i, max_i, min_j, max_j;
  int32_t count;
} pl__grid;

typedef struct pl__fr {
  /* hot: read for every candidate */
  double lat, lng, cos_lat; /* radians */
  pl_field_resource info;
  int32_t utc_offset_min; /* the home store's */
  uint64_t cell;
  int32_t slot; /* in its cell's array */
} pl__fr;

typedef struct pl__disp {
  pl_dispatch d;
  char idem[PL_IDEM_MAX];
  int32_t res_ix; /* -1: none */
  /* under hub_mu: the last durable view */
  int has_pub;
  pl_dispatch pub;
} pl__disp;

typedef struct pl__disp_chain {
  pthread_mutex_t mu;
  pl_dispatch_config cfg;
  pl__strmap res_ix;
  pl__vec res;      /* pl__fr*, owned */
  pl__grid grid[2]; /* [kind - 1] */
  pl__vec disps;    /* pl__disp*, owned; id = index + 1 */
  pl__strmap idem_ix;
  pthread_mutex_t hub_mu;
  pl__vec watchers; /* struct pl_dispatch_watch*, not owned */
} pl__disp_chain;

struct pl_dispatch_watch {
  pl__disp_chain *dc;
  int64_t id;
  pl_dispatch_fn fn;
  void *arg;
};

/* What the commit thread publishes once a write is durable. */
typedef struct pub_entry {
  struct pl__disp *x; /* stable: dispatches are never freed */
  pl_dispatch snap;
} pub_entry;

typedef struct pub_item {
  pl__disp_chain *dc;
  pl_write next;
  int n;
  pub_entry ent[];
} pub_item;

/* ---- geometry ------------------------------------------------------------
 */

static double hav_term(double lat1, double lng1, double cos1, double lat2,
                       double lng2, double cos2) {
  double sp = sin((lat2 - lat1) / 2), sl = sin((lng2 - lng1) / 2);
  return sp * sp + cos1 * cos2 * sl * sl;
}

static double hav_to_m(double h) {
  if (h > 1)
    h = 1;
  return 2 * EARTH_R_M * asin(sqrt(h));
}

double pl_geo_distance_m(int32_t lat1_e6, int32_t lng1_e6, int32_t lat2_e6,
                         int32_t lng2_e6) {
  double a = lat1_e6 * DEG_E6_RAD, b = lat2_e6 * DEG_E6_RAD;
  return hav_to_m(hav_term(a, lng1_e6 * DEG_E6_RAD, cos(a), b,
                           lng2_e6 * DEG_E6_RAD, cos(b)));
}

static int32_t floor_div(int32_t a, int32_t b) {
  int32_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t cell_key(int32_t i, int32_t j) {
  return ((uint64_t)(uint32_t)(i + 0x40000000) << 32) |
         (uint32_t)(j + 0x40000000);
}

/* Road metres and travel seconds for a haversine term. */
static void travel_of(const pl_dispatch_config *cfg, double h, int64_t *dist_m,
                      int64_t *travel_s) {
  double road = hav_to_m(h) * cfg->road_factor_milli / 1000.0;
  *dist_m = llround(road);
  *travel_s = (int64_t)ceil(road * 3.6 / cfg->speed_kmh);
}

/* ---- the grid ------------------------------------------------------------
 */

static void grid_free(pl__grid *g) {
  for (uint32_t i = 0; i < g->cells.cap; i++)
    if (g->cells.keys[i] != 0) {
      pl__gcell *c = g->cells.vals[i];
      free(c->ix);
      free(c);
    }
  pl__u64map_free(&g->cells);
}

/* Makes room for one more resource in the cell of (lat_e6, lng_e6); 0 or
 * PL_ENOMEM (nothing visible changed). */
static int grid_reserve(pl__grid *g, int32_t lat_e6, int32_t lng_e6) {
  uint64_t k = cell_key(floor_div(lat_e6, CELL_E6), floor_div(lng_e6, CELL_E6));
  pl__gcell *c = pl__u64map_get(&g->cells, k);
  if (c == NULL) {
    c = calloc(1, sizeof *c);
    if (c == NULL || pl__u64map_put(&g->cells, k, c) != 0) {
      free(c);
      return PL_ENOMEM;
    }
  }
  if (c->n < c->cap)
    return 0;
  int32_t ncap = c->cap ? c->cap * 2 : 4;
  int32_t *p = realloc(c->ix, (size_t)ncap * sizeof *p);
  if (p == NULL)
    return PL_ENOMEM;
  c->ix = p;
  c->cap = ncap;
  return 0;
}

static void grid_insert(pl__grid *g, pl__fr *r, int32_t ix) {
  int32_t i = floor_div(r->info.lat_e6, CELL_E6);
  int32_t j = floor_div(r->info.lng_e6, CELL_E6);
  r->cell = cell_key(i, j);
  pl__gcell *c = pl__u64map_get(&g->cells, r->cell);
  r->slot = c->n;
  c->ix[c->n++] = ix;
  if (g->count++ == 0) {
    g->min_i = g->max_i = i;
    g->min_j = g->max_j = j;
  } else {
    g->min_i = i < g->min_i ? i : g->min_i;
    g->max_i = i > g->max_i ? i : g->max_i;
    g->min_j = j < g->min_j ? j : g->min_j;
    g->max_j = j > g->max_j ? j : g->max_j;
  }
}

/* The bounding box only grows: it bounds the search, and a stale corner
 * costs a few empty rings at most. */
static void grid_remove(pl__grid *g, pl__vec *res, pl__fr *r) {
  pl__gcell *c = pl__u64map_get(&g->cells, r->cell);
  int32_t last = c->ix[--c->n];
  c->ix[r->slot] = last;
  ((pl__fr *)res->items[last])->slot = r->slot;
  g->count--;
}

static void set_position(pl__fr *r, int32_t lat_e6, int32_t lng_e6) {
  r->info.lat_e6 = lat_e6;
  r->info.lng_e6 = lng_e6;
  r->lat = lat_e6 * DEG_E6_RAD;
  r->lng = lng_e6 * DEG_E6_RAD;
  r->cos_lat = cos(r->lat);
}

/* ---- eligibility and the nearest search ---------------------------------
 */

typedef struct search {
  const pl__disp_chain *dc;
  int immediate;
  int64_t now_ms, at_ms, dur_ms;
  const pl_dispatch *d; /* declined list */
  double lat, lng, cos_lat;
  int32_t lat_e6, lng_e6;
} search;

static int on_shift(const pl__fr *r, int64_t t_ms) {
  int32_t s = r->info.shift_start_min, e = r->info.shift_end_min;
  if (s == e)
    return 1;
  int64_t m = ((t_ms / 60000 + r->utc_offset_min) % 1440 + 1440) % 1440;
  return s < e ? (m >= s && m < e) : (m >= s || m < e);
}

static int calendar_free(const pl__fr *r, int64_t from, int64_t to) {
  for (int32_t i = 0; i < r->info.n_calendar; i++)
    if (r->info.calendar[i].start_ms < to && from < r->info.calendar[i].end_ms)
      return 0;
  return 1;
}

static int declined(const pl_dispatch *d, const char *code) {
  for (int32_t i = 0; d != NULL && i < d->n_declined; i++)
    if (strcmp(d->declined[i], code) == 0)
      return 1;
  return 0;
}

/* Whether r may take the request, given its haversine term h. */
static int eligible(const search *q, const pl__fr *r, double h) {
  if (declined(q->d, r->info.code))
    return 0;
  int64_t dist, travel;
  travel_of(&q->dc->cfg, h, &dist, &travel);
  if (q->immediate)
    return r->info.state == PL_FR_FREE && on_shift(r, q->now_ms) &&
           calendar_free(r, q->now_ms, q->now_ms + travel * 1000 + q->dur_ms);
  return r->info.n_calendar < PL_FR_MAX_CALENDAR && on_shift(r, q->at_ms) &&
         calendar_free(r, q->at_ms - travel * 1000, q->at_ms + q->dur_ms);
}

/* Keeps in (*best, *best_h) the least (haversine term, code) of the
 * eligible resources of cell c and those kept so far. */
static void visit_list(const search *q, const pl__gcell *c, int32_t *best,
                       double *best_h) {
  for (int32_t k = 0; k < c->n; k++) {
    const pl__fr *r = q->dc->res.items[c->ix[k]];
    double h = hav_term(q->lat, q->lng, q->cos_lat, r->lat, r->lng, r->cos_lat);
    if (h > *best_h)
      continue;
    if (h == *best_h && *best >= 0 &&
        strcmp(r->info.code,
               ((const pl__fr *)q->dc->res.items[*best])->info.code) >= 0)
      continue;
    if (!eligible(q, r, h))
      continue;
    *best = c->ix[k];
    *best_h = h;
  }
}

static void visit_cell(const search *q, const pl__grid *g, int32_t i, int32_t j,
                       int32_t *best, double *best_h) {
  if (i < g->min_i || i > g->max_i || j < g->min_j || j > g->max_j)
    return;
  const pl__gcell *c = pl__u64map_get(&g->cells, cell_key(i, j));
  if (c != NULL)
    visit_list(q, c, best, best_h);
}

/* The smallest haversine term of any point outside the square of rings
 * 0..r around the request's cell (i0, j0). */
static double ring_bound(const search *q, int32_t i0, int32_t j0, int32_t r) {
  int64_t up = (int64_t)(i0 + r + 1) * CELL_E6 - q->lat_e6;
  int64_t down = q->lat_e6 - (int64_t)(i0 - r) * CELL_E6;
  int64_t east = (int64_t)(j0 + r + 1) * CELL_E6 - q->lng_e6;
  int64_t west = q->lng_e6 - (int64_t)(j0 - r) * CELL_E6;
  double gphi = (double)(up < down ? up : down) * DEG_E6_RAD;
  double glam = (double)(east < west ? east : west) * DEG_E6_RAD;
  double s1 = sin(gphi / 2);
  double lat_b = s1 * s1;
  double far = fabs(q->lat) + gphi;
  double cos_far = far >= M_PI / 2 ? 0 : cos(far);
  double s2 = sin((glam < M_PI ? glam : M_PI) / 2);
  double lng_b = q->cos_lat * cos_far * s2 * s2;
  return lat_b < lng_b ? lat_b : lng_b;
}

/* Every occupied cell of the grid, in map order: the same answer as the
 * rings (visit_list keeps the least (term, code) of the eligible, whatever
 * the order), in time linear in the map. */
static void visit_all(const search *q, const pl__grid *g, int32_t *best,
                      double *best_h) {
  for (uint32_t s = 0; s < g->cells.cap; s++) {
    if (g->cells.keys[s] == 0)
      continue;
    visit_list(q, g->cells.vals[s], best, best_h);
  }
}

/* The nearest eligible resource of the grid: its index, or -1. The rings
 * stop early once nothing outside can be nearer, but when nobody eligible
 * is near they run out to the box's edge, at a cost of up to max_r times
 * the box's width plus height: over a sparse, wide box (resources at the
 * ends of the world) the whole map is scanned instead. */
static int32_t nearest(const search *q, const pl__grid *g, double *h_out) {
  int32_t best = -1;
  double best_h = INFINITY;
  if (g->count == 0)
    return -1;
  int32_t i0 = floor_div(q->lat_e6, CELL_E6),
          j0 = floor_div(q->lng_e6, CELL_E6);
  int32_t max_r = 0;
  int32_t ext[4] = {i0 - g->min_i, g->max_i - i0, j0 - g->min_j, g->max_j - j0};
  for (int k = 0; k < 4; k++)
    max_r = ext[k] > max_r ? ext[k] : max_r;
  int64_t ring_cost = ((int64_t)max_r + 1) * 2 *
                      ((int64_t)g->max_i - g->min_i + g->max_j - g->min_j + 2);
  if (ring_cost > 64 * ((int64_t)g->cells.cap + 64)) {
    visit_all(q, g, &best, &best_h);
    *h_out = best_h;
    return best;
  }
  for (int32_t r = 0; r <= max_r; r++) {
    if (r == 0) {
      visit_cell(q, g, i0, j0, &best, &best_h);
    } else {
      /* rows i0-r and i0+r in full, then the two columns between */
      int32_t jlo = j0 - r > g->min_j ? j0 - r : g->min_j;
      int32_t jhi = j0 + r < g->max_j ? j0 + r : g->max_j;
      for (int32_t j = jlo; j <= jhi; j++) {
        visit_cell(q, g, i0 - r, j, &best, &best_h);
        visit_cell(q, g, i0 + r, j, &best, &best_h);
      }
      int32_t ilo = i0 - r + 1 > g->min_i ? i0 - r + 1 : g->min_i;
      int32_t ihi = i0 + r - 1 < g->max_i ? i0 + r - 1 : g->max_i;
      for (int32_t i = ilo; i <= ihi; i++) {
        visit_cell(q, g, i, j0 - r, &best, &best_h);
        visit_cell(q, g, i, j0 + r, &best, &best_h);
      }
    }
    if (best >= 0 && best_h < ring_bound(q, i0, j0, r))
      break;
  }
  *h_out = best_h;
  return best;
}

/* ---- per-chain state -----------------------------------------------------
 */

pl__disp_chain *pl__disp_state_new(pl__chain *c) {
  pl__disp_chain *x = calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  pthread_mutex_init(&x->mu, NULL);
  pthread_mutex_init(&x->hub_mu, NULL);
  memcpy(x->cfg.chain, c->info.code, PL_CODE_MAX);
  x->cfg.road_factor_milli = DEFAULT_FACTOR_MILLI;
  x->cfg.speed_kmh = DEFAULT_SPEED_KMH;
  return x;
}

void pl__disp_state_free(pl__disp_chain *dc) {
  if (dc == NULL)
    return;
  grid_free(&dc->grid[0]);
  grid_free(&dc->grid[1]);
  pl__strmap_free(&dc->res_ix);
  pl__vec_free_all(&dc->res);
  pl__strmap_free(&dc->idem_ix);
  pl__vec_free_all(&dc->disps);
  free(dc->watchers.items);
  pthread_mutex_destroy(&dc->mu);
  pthread_mutex_destroy(&dc->hub_mu);
  free(dc);
}

/* ---- rows ----------------------------------------------------------------
 */

static void config_row(pl__buf *v, const pl_dispatch_config *cfg) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_svar(v, cfg->road_factor_milli);
  pl__buf_svar(v, cfg->speed_kmh);
}

static void res_row(pl__buf *v, const pl_field_resource *r) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, r->name);
  pl__buf_uvar(v, (uint64_t)r->kind);
  pl__buf_str(v, r->home_store);
  pl__buf_svar(v, r->shift_start_min);
  pl__buf_svar(v, r->shift_end_min);
  pl__buf_svar(v, r->lat_e6);
  pl__buf_svar(v, r->lng_e6);
  pl__buf_svar(v, r->position_ms);
  pl__buf_uvar(v, (uint64_t)r->state);
  pl__buf_svar(v, r->dispatch_id);
  pl__buf_uvar(v, (uint64_t)r->n_calendar);
  for (int32_t i = 0; i < r->n_calendar; i++) {
    pl__buf_svar(v, r->calendar[i].dispatch_id);
    pl__buf_svar(v, r->calendar[i].start_ms);
    pl__buf_svar(v, r->calendar[i].end_ms);
  }
  pl__buf_svar(v, r->updated_ms);
}

static void disp_row(pl__buf *v, const pl_dispatch *d, const char *idem) {
  const pl_dispatch_request *q = &d->req;
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_uvar(v, (uint64_t)q->kind);
  pl__buf_svar(v, q->lat_e6);
  pl__buf_svar(v, q->lng_e6);
  pl__buf_svar(v, q->at_ms);
  pl__buf_svar(v, q->duration_min);
  pl__buf_str(v, q->store);
  pl__buf_str(v, q->customer);
  pl__buf_str(v, q->phone);
  pl__buf_str(v, q->plate);
  pl__buf_str(v, q->note);
  pl__buf_str(v, q->book_service);
  pl__buf_uvar(v, (uint64_t)d->state);
  pl__buf_uvar(v, (uint64_t)d->scheduled);
  pl__buf_str(v, d->resource);
  pl__buf_svar(v, d->res_lat_e6);
  pl__buf_svar(v, d->res_lng_e6);
  pl__buf_svar(v, d->distance_m);
  pl__buf_svar(v, d->travel_s);
  pl__buf_svar(v, d->eta_ms);
  pl__buf_svar(v, d->start_ms);
  pl__buf_svar(v, d->end_ms);
  pl__buf_uvar(v, (uint64_t)d->n_declined);
  for (int32_t i = 0; i < d->n_declined; i++)
    pl__buf_str(v, d->declined[i]);
  pl__buf_svar(v, d->booking_id);
  pl__buf_uvar(v, d->version);
  pl__buf_svar(v, d->created_ms);
  pl__buf_svar(v, d->updated_ms);
  pl__buf_str(v, idem);
}

static void res_key(pl__buf *k, const char *chain, const char *code) {
  pl__key_make(k, chain, PL__K_FIELD_RES, code, NULL);
}

static void disp_key(pl__buf *k, const char *chain, int64_t id) {
  pl__key_prefix(k, chain, PL__K_DISPATCH);
  pl__buf_be64(k, (uint64_t)id);
}

/* Appends a resource's row to b. */
static void put_res(pl__batch *b, const char *chain, const pl_field_resource *r,
                    pl__buf *k, pl__buf *v) {
  pl__buf_reset(k);
  pl__buf_reset(v);
  res_key(k, chain, r->code);
  res_row(v, r);
  if (k->oom || v->oom)
    b->ops.oom = 1;
  else
    pl__batch_put(b, k->p, k->n, v->p, v->n);
}

static void put_disp(pl__batch *b, const char *chain, const pl_dispatch *d,
                     const char *idem, pl__buf *k, pl__buf *v) {
  pl__buf_reset(k);
  pl__buf_reset(v);
  disp_key(k, chain, d->id);
  disp_row(v, d, idem);
  if (k->oom || v->oom)
    b->ops.oom = 1;
  else
    pl__batch_put(b, k->p, k->n, v->p, v->n);
}

/* ---- publishing ----------------------------------------------------------
 */

static void pub_durable(void *arg, int rc) {
  pub_item *p = arg;
  if (rc == 0) {
    pl__disp_chain *dc = p->dc;
    pthread_mutex_lock(&dc->hub_mu);
    for (int i = 0; i < p->n; i++) {
      pl__disp *x = p->ent[i].x;
      const pl_dispatch *snap = &p->ent[i].snap;
      if (x->has_pub && x->pub.version >= snap->version)
        continue;
      x->pub = *snap;
      x->has_pub = 1;
      for (int k = 0; k < dc->watchers.n; k++) {
        struct pl_dispatch_watch *wt = dc->watchers.items[k];
        if (wt->id == snap->id)
          wt->fn(wt->arg, snap);
      }
    }
    pthread_mutex_unlock(&dc->hub_mu);
  }
  pl_write next = p->next;
  free(p);
  next.durable(next.arg, rc);
}

static pub_item *pub_new(pl__disp_chain *dc, int cap) {
  pub_item *p = malloc(sizeof *p + (size_t)cap * sizeof(pub_entry));
  if (p != NULL) {
    p->dc = dc;
    p->n = 0;
  }
  return p;
}

/* Queues b (with a ledger entry on key) as one step of barrier bar; the
 * step publishes p's snapshots (p may be NULL) when durable. Frees p on
 * failure. */
static int submit(pl_engine *e, pl__chain *c, pl__barrier *bar, pl__batch *b,
                  unsigned op, const pl__buf *key, const pl__buf *val,
                  pub_item *p) {
  pl__entry en = {.op = op,
                  .at_ms = pl__chain_now_ms(e, c),
                  .key = key->p,
                  .kl = key->n,
                  .val = val->p,
                  .vl = val->n};
  if (b->ops.oom || key->oom || val->oom) {
    free(p);
    return PL_ENOMEM;
  }
  pl_write step = pl__barrier_step(bar);
  pl_write w = step;
  if (p != NULL) {
    p->next = step;
    w = (pl_write){pub_durable, p};
  }
  int rc = pl__write_batch(e, c, b, &en, &w, NULL, NULL);
  if (rc != 0) {
    free(p);
    step.durable(step.arg, 0); /* the step is not coming: release it */
  }
  return rc;
}

/* The end of a mutation after its locks are dropped. */
static int finish(pl__barrier *bar, int rc, pl_error *err) {
  rc = pl__barrier_end(bar, rc);
  return pl__write_finish(rc, 0, NULL, NULL, err);
}

/* ---- validation ----------------------------------------------------------
 */

static int check_pos(pl_error *err, const char *f_lat, const char *f_lng,
                     int32_t lat, int32_t lng) {
  int rc = pl__check_range(err, f_lat, lat, -90000000, 90000000);
  return rc != 0 ? rc : pl__check_range(err, f_lng, lng, -180000000, 180000000);
}

static int check_config(pl_error *err, const pl_dispatch_config *in) {
  int rc = pl__check_code(err, "config.chain", in->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "config.road_factor_milli", in->road_factor_milli,
                         1000, 5000);
  if (rc == 0)
    rc = pl__check_range(err, "config.speed_kmh", in->speed_kmh, 5, 130);
  return rc;
}

static int check_resource(pl_error *err, const pl_field_resource *in) {
  int rc = pl__check_code(err, "resource.chain", in->chain, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_code(err, "resource.code", in->code, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "resource.name", in->name, PL_NAME_MAX, 0);
  if (rc == 0 && in->kind != PL_FR_RESCUE_TRUCK && in->kind != PL_FR_DRIVER)
    rc = PL__FAIL(err, PL_EINVAL,
                  "resource.kind: must be a rescue truck or "
                  "a driver");
  if (rc == 0)
    rc =
        pl__check_code(err, "resource.home_store", in->home_store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_range(err, "resource.shift_start_min", in->shift_start_min,
                         0, 1439);
  if (rc == 0)
    rc = pl__check_range(err, "resource.shift_end_min", in->shift_end_min, 0,
                         1439);
  if (rc == 0)
    rc = check_pos(err, "resource.lat_e6", "resource.lng_e6", in->lat_e6,
                   in->lng_e6);
  return rc;
}

static int check_request(pl_error *err, const pl_dispatch_request *q) {
  int rc = pl__check_code(err, "chain", q->chain, PL_CODE_MAX);
  if (rc == 0 &&
      (q->kind < PL_DISPATCH_RESCUE || q->kind > PL_DISPATCH_DROPOFF))
    rc = PL__FAIL(err, PL_EINVAL, "kind: must be rescue, pick-up or drop-off");
  if (rc == 0)
    rc = check_pos(err, "lat_e6", "lng_e6", q->lat_e6, q->lng_e6);
  if (rc == 0)
    rc = pl__check_range(err, "at_ms", q->at_ms, 0, (int64_t)1 << 50);
  if (rc == 0)
    rc = pl__check_range(err, "duration_min", q->duration_min, 0,
                         (int64_t)24 * 60);
  if (rc == 0)
    rc = q->kind == PL_DISPATCH_RESCUE
             ? pl__check_opt_code(err, "store", q->store, PL_CODE_MAX)
             : pl__check_code(err, "store", q->store, PL_CODE_MAX);
  if (rc == 0)
    rc = pl__check_text(err, "customer", q->customer, PL_NAME_MAX, 1);
  if (rc == 0)
    rc = pl__check_text(err, "phone", q->phone, PL_PHONE_MAX, 1);
  if (rc == 0)
    rc = pl__check_plate(err, "plate", q->plate, 1);
  if (rc == 0)
    rc = pl__check_text(err, "note", q->note, PL_NOTE_MAX, 1);
  if (rc == 0)
    rc = pl__check_opt_code(err, "book_service", q->book_service, PL_CODE_MAX);
  if (rc == 0 && q->book_service[0] != '\0' && q->kind != PL_DISPATCH_PICKUP)
    rc = PL__FAIL(err, PL_EINVAL, "book_service: only a pick-up books");
  return rc;
}

/* ---- configuration -------------------------------------------------------
 */

int pl_dispatch_config_set(pl_engine *e, const pl_dispatch_config *in,
                           const pl_write *w, pl_error *err) {
  int rc = check_config(err, in);
  pl__chain *c = NULL;
  pl__disp_chain *dc = NULL;
  if (rc == 0)
    rc = pl__disp_lookup(e, in->chain, &c, &dc, err);
  if (rc != 0)
    return rc;
  pl__barrier *bar = pl__barrier_new(w);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl__buf k = {0}, v = {0};
  pl__batch b = {0};
  pthread_mutex_lock(&dc->mu);
  pl__key_prefix(&k, c->info.code, PL__K_DISP_CONFIG);
  config_row(&v, in);
  if (!k.oom && !v.oom)
    pl__batch_put(&b, k.p, k.n, v.p, v.n);
  rc = submit(e, c, bar, &b, PL__OP_DISP_CONFIG, &k, &v, NULL);
  if (rc == 0) {
    dc->cfg = *in;
    memcpy(dc->cfg.chain, c->info.code, PL_CODE_MAX);
  }
  pthread_mutex_unlock(&dc->mu);
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return finish(bar, rc, err);
}

int pl_dispatch_config_get(pl_engine *e, const char *chain,
                           pl_dispatch_config *out, pl_error *err) {
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, NULL, &dc, err);
  if (rc != 0)
    return rc;
  pthread_mutex_lock(&dc->mu);
  *out = dc->cfg;
  pthread_mutex_unlock(&dc->mu);
  return 0;
}

/* ---- resources -----------------------------------------------------------
 */

static pl__fr *res_find(pl__disp_chain *dc, const char *code) {
  int32_t i = pl__strmap_get(&dc->res_ix, code);
  return i >= 0 ? dc->res.items[i] : NULL;
}

int pl_field_resource_upsert(pl_engine *e, const pl_field_resource *in,
                             const pl_write *w, pl_field_resource *out,
                             pl_error *err) {
  int rc = check_resource(err, in);
  pl__chain *c = NULL;
  pl__disp_chain *dc = NULL;
  if (rc == 0)
    rc = pl__disp_lookup(e, in->chain, &c, &dc, err);
  pl_store_info si;
  if (rc == 0 && pl_store_get(e, in->chain, in->home_store, &si, NULL) != 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "resource.home_store: no store '%s'",
                  in->home_store);
  if (rc != 0)
    return rc;
  pl__barrier *bar = pl__barrier_new(w);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl__buf k = {0}, v = {0};
  pl__batch b = {0};
  int64_t now = pl__chain_now_ms(e, c);
  pthread_mutex_lock(&dc->mu);
  pl__fr *old = res_find(dc, in->code);
  pl__fr *fresh = NULL;
  pl_field_resource next;
  if (old != NULL) {
    if (old->info.kind != in->kind)
      rc = PL__FAIL(err, PL_EPRECOND,
                    "resource.kind: cannot change the kind "
                    "of '%s'",
                    in->code);
    next = old->info;
  } else {
    memset(&next, 0, sizeof next);
    memcpy(next.chain, c->info.code, PL_CODE_MAX);
    memcpy(next.code, in->code, PL_CODE_MAX);
    next.kind = in->kind;
    next.state = PL_FR_FREE;
    int given = in->lat_e6 != 0 || in->lng_e6 != 0;
    next.lat_e6 = given ? in->lat_e6 : si.lat_e6;
    next.lng_e6 = given ? in->lng_e6 : si.lng_e6;
    next.position_ms = now;
    fresh = calloc(1, sizeof *fresh);
    if (fresh == NULL)
      rc = PL_ENOMEM;
    if (rc == 0)
      rc = pl__vec_reserve(&dc->res, 1);
    if (rc == 0)
      rc = pl__strmap_reserve(&dc->res_ix, 1);
    if (rc == 0)
      rc = grid_reserve(&dc->grid[in->kind - 1], next.lat_e6, next.lng_e6);
  }
  if (rc == 0) {
    memcpy(next.name, in->name, PL_NAME_MAX);
    memcpy(next.home_store, si.code, PL_CODE_MAX);
    next.shift_start_min = in->shift_start_min;
    next.shift_end_min = in->shift_end_min;
    next.updated_ms = now;
    put_res(&b, c->info.code, &next, &k, &v);
    rc = submit(e, c, bar, &b, PL__OP_FR_UPSERT, &k, &v, NULL);
  }
  if (rc == 0) {
    pl__fr *r = old != NULL ? old : fresh;
    r->info = next;
    r->utc_offset_min = si.utc_offset_min;
    if (old == NULL) {
      set_position(r, next.lat_e6, next.lng_e6);
      int32_t ix = dc->res.n;
      pl__vec_push(&dc->res, r);
      pl__strmap_put(&dc->res_ix, r->info.code, ix);
      grid_insert(&dc->grid[r->info.kind - 1], r, ix);
    }
    if (out != NULL)
      *out = next;
  } else {
    free(fresh);
  }
  pthread_mutex_unlock(&dc->mu);
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__buf_free(&v);
  return finish(bar, rc, err);
}

int pl_field_resource_get(pl_engine *e, const char *chain, const char *code,
                          pl_field_resource *out, pl_error *err) {
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, NULL, &dc, err);
  if (rc == 0)
    rc = pl__check_code(err, "code", code, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pthread_mutex_lock(&dc->mu);
  const pl__fr *r = res_find(dc, code);
  if (r != NULL)
    *out = r->info;
  pthread_mutex_unlock(&dc->mu);
  return r != NULL ? 0
                   : PL__FAIL(err, PL_ENOTFOUND, "code: no field resource '%s'",
                              code);
}

static int cmp_res(const void *a, const void *b) {
  return strcmp(((const pl_field_resource *)a)->code,
                ((const pl_field_resource *)b)->code);
}

int pl_field_resource_list(pl_engine *e, const char *chain, const char *store,
                           pl_field_resource *out, int cap, pl_error *err) {
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, NULL, &dc, err);
  if (rc == 0 && store != NULL)
    rc = pl__check_opt_code(err, "store", store, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  int n = 0;
  pthread_mutex_lock(&dc->mu);
  for (int i = 0; i < dc->res.n; i++) {
    const pl__fr *r = dc->res.items[i];
    if (!pl__want_str(store, r->info.home_store))
      continue;
    if (n < cap)
      out[n] = r->info;
    n++;
  }
  pthread_mutex_unlock(&dc->mu);
  if (out != NULL)
    qsort(out, (size_t)(n < cap ? n : cap), sizeof *out, cmp_res);
  return n;
}

/* Recomputes d's distance and ETA from r's position. */
static void refresh_eta(const pl__disp_chain *dc, pl_dispatch *d,
                        const pl__fr *r, int64_t now) {
  double lat = d->req.lat_e6 * DEG_E6_RAD, lng = d->req.lng_e6 * DEG_E6_RAD;
  double h = hav_term(lat, lng, cos(lat), r->lat, r->lng, r->cos_lat);
  travel_of(&dc->cfg, h, &d->distance_m, &d->travel_s);
  d->res_lat_e6 = r->info.lat_e6;
  d->res_lng_e6 = r->info.lng_e6;
  int64_t arrive = now + d->travel_s * 1000;
  d->eta_ms = d->scheduled && d->req.at_ms > arrive ? d->req.at_ms : arrive;
}

static int disp_open(const pl_dispatch *d) {
  return d->state == PL_DS_OFFERED || d->state == PL_DS_ACCEPTED;
}

int pl_field_resource_position(pl_engine *e, const char *chain,
                               const char *code, int32_t lat_e6, int32_t lng_e6,
                               int set_free, const pl_write *w,
                               pl_field_resource *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, &c, &dc, err);
  if (rc == 0)
    rc = pl__check_code(err, "code", code, PL_CODE_MAX);
  if (rc == 0)
    rc = check_pos(err, "lat_e6", "lng_e6", lat_e6, lng_e6);
  if (rc != 0)
    return rc;
  pl__barrier *bar = pl__barrier_new(w);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  pl__buf k = {0}, v = {0}, rk = {0}, rv = {0};
  pl__batch b = {0};
  int64_t now = pl__chain_now_ms(e, c);
  pthread_mutex_lock(&dc->mu);
  pl__fr *r = res_find(dc, code);
  pub_item *p = NULL;
  if (r == NULL)
    rc = PL__FAIL(err, PL_ENOTFOUND, "code: no field resource '%s'", code);
  else if (set_free && r->info.state != PL_FR_FREE &&
           r->info.state != PL_FR_RETURNING)
    rc = PL__FAIL(err, PL_EPRECOND,
                  "free: '%s' is serving dispatch %lld, not returning", code,
                  (long long)r->info.dispatch_id);
  else if ((p = pub_new(dc, PL_FR_MAX_CALENDAR + 1)) == NULL)
    rc = PL_ENOMEM;
  else
    rc = grid_reserve(&dc->grid[r->info.kind - 1], lat_e6, lng_e6);
  if (rc == 0) {
    /* the new resource row and every open dispatch of it, in one batch */
    pl__fr moved = *r;
    set_position(&moved, lat_e6, lng_e6);
    moved.info.position_ms = now;
    moved.info.updated_ms = now;
    if (set_free)
      moved.info.state = PL_FR_FREE;
    int64_t ids[PL_FR_MAX_CALENDAR + 1];
    int n_ids = 0;
    if (r->info.dispatch_id > 0)
      ids[n_ids++] = r->info.dispatch_id;
    for (int32_t i = 0; i < r->info.n_calendar; i++)
      ids[n_ids++] = r->info.calendar[i].dispatch_id;
    for (int i = 0; i < n_ids; i++) {
      pl__disp *x = dc->disps.items[ids[i] - 1];
      if (!disp_open(&x->d))
        continue;
      p->ent[p->n].x = x;
      pl_dispatch *s = &p->ent[p->n++].snap;
      *s = x->d;
      refresh_eta(dc, s, &moved, now);
      s->version++;
      s->updated_ms = now;
      put_disp(&b, c->info.code, s, x->idem, &k, &v);
    }
    put_res(&b, c->info.code, &moved.info, &rk, &rv);
    /* the commit thread frees p once durable: keep our own copy to apply */
    int n_snap = p->n;
    pl_dispatch *after = NULL;
    if (n_snap > 0 && (after = malloc((size_t)n_snap * sizeof *after)) == NULL)
      rc = PL_ENOMEM;
    if (rc == 0) {
      for (int i = 0; i < n_snap; i++)
        after[i] = p->ent[i].snap;
      pub_item *pp = n_snap > 0 ? p : NULL;
      if (pp == NULL)
        free(p);
      p = NULL;
      rc = submit(e, c, bar, &b, PL__OP_FR_POSITION, &rk, &rv, pp);
    }
    for (int i = 0; rc == 0 && i < n_snap; i++)
      ((pl__disp *)dc->disps.items[after[i].id - 1])->d = after[i];
    free(after);
    if (rc == 0) {
      pl__grid *g = &dc->grid[r->info.kind - 1];
      grid_remove(g, &dc->res, r);
      int32_t ix = pl__strmap_get(&dc->res_ix, r->info.code);
      *r = moved;
      grid_insert(g, r, ix);
      if (out != NULL)
        *out = r->info;
    }
  }
  free(p);
  pthread_mutex_unlock(&dc->mu);
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__buf_free(&v);
  pl__buf_free(&rk);
  pl__buf_free(&rv);
  return finish(bar, rc, err);
}

/* ---- dispatches ----------------------------------------------------------
 */

static const char *kind_name(pl_dispatch_kind k) {
  return k == PL_DISPATCH_RESCUE ? "rescue truck" : "driver";
}

/* The nearest eligible resource for nd (its declined list excluded), or
 * NULL. */
static pl__fr *pick(const pl__disp_chain *dc, const pl_dispatch *nd,
                    int64_t now) {
  search q = {.dc = dc,
              .immediate = !nd->scheduled,
              .now_ms = now,
              .at_ms = nd->req.at_ms,
              .dur_ms = (int64_t)nd->req.duration_min * 60000,
              .d = nd,
              .lat_e6 = nd->req.lat_e6,
              .lng_e6 = nd->req.lng_e6};
  q.lat = q.lat_e6 * DEG_E6_RAD;
  q.lng = q.lng_e6 * DEG_E6_RAD;
  q.cos_lat = cos(q.lat);
  const pl__grid *g = &dc->grid[nd->req.kind == PL_DISPATCH_RESCUE ? 0 : 1];
  double h;
  int32_t i = nearest(&q, g, &h);
  return i >= 0 ? dc->res.items[i] : NULL;
}

/* Offers nd to r: fills nd and r's next record ri (not applied). */
static void assign(const pl__disp_chain *dc, pl_dispatch *nd,
                   pl_field_resource *ri, const pl__fr *r, int64_t now) {
  memcpy(nd->resource, r->info.code, PL_CODE_MAX);
  refresh_eta(dc, nd, r, now);
  nd->state = PL_DS_OFFERED;
  if (!nd->scheduled) {
    ri->state = PL_FR_OFFERED;
    ri->dispatch_id = nd->id;
    nd->start_ms = now;
    nd->end_ms = 0;
    return;
  }
  nd->start_ms = nd->req.at_ms - nd->travel_s * 1000;
  nd->end_ms = nd->req.at_ms + (int64_t)nd->req.duration_min * 60000;
  ri->calendar[ri->n_calendar++] =
      (pl_fr_entry){nd->id, nd->start_ms, nd->end_ms};
}

/* Takes d off its resource's record ri (a calendar entry or the
 * immediate assignment). */
static void release(pl_field_resource *ri, const pl_dispatch *d) {
  if (ri->dispatch_id == d->id) {
    ri->dispatch_id = 0;
    ri->state = PL_FR_FREE;
  }
  for (int32_t i = 0; i < ri->n_calendar; i++)
    if (ri->calendar[i].dispatch_id == d->id) {
      ri->calendar[i] = ri->calendar[--ri->n_calendar];
      break;
    }
}

static void unassign(pl_dispatch *nd) {
  nd->resource[0] = '\0';
  nd->state = PL_DS_UNASSIGNED;
  nd->distance_m = nd->travel_s = nd->eta_ms = 0;
  nd->res_lat_e6 = nd->res_lng_e6 = 0;
  nd->start_ms = nd->end_ms = 0;
}

static pl__disp *disp_find(pl__disp_chain *dc, int64_t id) {
  return id >= 1 && id <= dc->disps.n ? dc->disps.items[id - 1] : NULL;
}

/* Queues an empty step (a repeat's reply waits for what it repeats). */
static int submit_empty(pl_engine *e, pl__barrier *bar) {
  pl__batch b = {0};
  return pl__write_step(e, NULL, bar, &b, NULL);
}

/* Queues nd's row and the given resources' rows (ra, rb may be NULL) as
 * one write that publishes nd when durable. */
static int submit_disp(pl_engine *e, pl__chain *c, pl__disp_chain *dc,
                       pl__barrier *bar, unsigned op, pl__disp *x,
                       const pl_dispatch *nd, const pl_field_resource *ra,
                       const pl_field_resource *rb) {
  pl__buf k = {0}, v = {0}, dk = {0}, dv = {0};
  pl__batch b = {0};
  put_disp(&b, c->info.code, nd, x->idem, &dk, &dv);
  if (ra != NULL)
    put_res(&b, c->info.code, ra, &k, &v);
  if (rb != NULL)
    put_res(&b, c->info.code, rb, &k, &v);
  pub_item *p = pub_new(dc, 1);
  int rc = PL_ENOMEM;
  if (p != NULL) {
    p->ent[0].x = x;
    p->ent[0].snap = *nd;
    p->n = 1;
    rc = submit(e, c, bar, &b, op, &dk, &dv, p);
  }
  pl__batch_free(&b);
  pl__buf_free(&k);
  pl__buf_free(&v);
  pl__buf_free(&dk);
  pl__buf_free(&dv);
  return rc;
}

int pl_dispatch_create(pl_engine *e, const pl_dispatch_request *in,
                       const char *idem_key, const pl_write *w,
                       pl_dispatch *out, pl_error *err) {
  int rc = check_request(err, in);
  if (rc == 0 && idem_key != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem_key, PL_IDEM_MAX);
  pl__chain *c = NULL;
  pl__disp_chain *dc = NULL;
  if (rc == 0)
    rc = pl__disp_lookup(e, in->chain, &c, &dc, err);
  pl_store_info si;
  if (rc == 0 && in->store[0] != '\0' &&
      pl_store_get(e, in->chain, in->store, &si, NULL) != 0)
    rc = PL__FAIL(err, PL_ENOTFOUND, "store: no store '%s'", in->store);
  if (rc != 0)
    return rc;
  pl__barrier *bar = pl__barrier_new(w);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  int64_t now = pl__chain_now_ms(e, c);
  pthread_mutex_lock(&dc->mu);
  int32_t seen = idem_key != NULL && idem_key[0] != '\0'
                     ? pl__strmap_get(&dc->idem_ix, idem_key)
                     : -1;
  if (seen >= 0) {
    const pl__disp *x = dc->disps.items[seen];
    if (out != NULL)
      *out = x->d;
    rc = submit_empty(e, bar);
    pthread_mutex_unlock(&dc->mu);
    return finish(bar, rc, err);
  }
  pl_dispatch nd;
  memset(&nd, 0, sizeof nd);
  nd.id = dc->disps.n + 1;
  nd.req = *in;
  memcpy(nd.req.chain, c->info.code, PL_CODE_MAX);
  nd.req.at_ms = in->at_ms > now ? in->at_ms : now;
  nd.req.duration_min =
      in->duration_min > 0 ? in->duration_min : DEFAULT_JOB_MIN;
  nd.scheduled = in->kind != PL_DISPATCH_RESCUE &&
                 nd.req.at_ms > now + PL_DISPATCH_IMMEDIATE_MS;
  pl__fr *r = pick(dc, &nd, now);
  pl__disp *x = NULL;
  if (r == NULL)
    rc = PL__FAIL(err, PL_EPRECOND, "resource: no %s free%s near (%d, %d)",
                  kind_name(in->kind), nd.scheduled ? " at that time" : "",
                  in->lat_e6, in->lng_e6);
  else if ((x = calloc(1, sizeof *x)) == NULL)
    rc = PL_ENOMEM;
  if (rc == 0)
    rc = pl__vec_reserve(&dc->disps, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&dc->idem_ix, 1);
  pl_field_resource ri;
  if (rc == 0) {
    ri = r->info;
    assign(dc, &nd, &ri, r, now);
    ri.updated_ms = now;
    nd.version = 1;
    nd.created_ms = nd.updated_ms = now;
    if (idem_key != NULL)
      snprintf(x->idem, sizeof x->idem, "%s", idem_key);
    rc = submit_disp(e, c, dc, bar, PL__OP_DISPATCH_CREATE, x, &nd, &ri, NULL);
  }
  if (rc == 0) {
    x->d = nd;
    x->res_ix = pl__strmap_get(&dc->res_ix, r->info.code);
    pl__vec_push(&dc->disps, x);
    if (x->idem[0] != '\0')
      pl__strmap_put(&dc->idem_ix, x->idem, (int32_t)(nd.id - 1));
    r->info = ri;
    if (out != NULL)
      *out = nd;
  } else {
    free(x);
  }
  pthread_mutex_unlock(&dc->mu);
  return finish(bar, rc, err);
}

/* A pick-up's booking at the store, for when the car gets there: the
 * earliest recommended slot of book_service, held (idempotent on the
 * dispatch) and confirmed, then recorded on the dispatch. Best effort:
 * without a slot the dispatch stays accepted with booking_id 0. Called
 * with no lock held. */
static void book_pickup(pl_engine *e, pl__chain *c, pl__disp_chain *dc,
                        pl__barrier *bar, pl_dispatch *d) {
  pl_store_info si;
  if (pl_store_get(e, c->info.code, d->req.store, &si, NULL) != 0)
    return;
  pl_dispatch_config cfg;
  pthread_mutex_lock(&dc->mu);
  cfg = dc->cfg;
  pthread_mutex_unlock(&dc->mu);
  double road =
      pl_geo_distance_m(d->req.lat_e6, d->req.lng_e6, si.lat_e6, si.lng_e6) *
      cfg.road_factor_milli / 1000.0;
  int64_t arrive_min =
      (d->req.at_ms + (int64_t)ceil(road * 3.6 / cfg.speed_kmh) * 1000 +
       59999) /
      60000;
  arrive_min = (arrive_min + 4) / 5 * 5;
  pl_slot_query q = {.chain = c->info.code,
                     .n_stores = 1,
                     .stores = {si.code},
                     .n_services = 1,
                     .services = {d->req.book_service},
                     .earliest = arrive_min,
                     .latest = arrive_min + 7LL * 1440,
                     .k = 1};
  pl_slot_option opt;
  if (pl_recommend_slots(e, &q, &opt, 1, NULL) != 1)
    return;
  pl_booking_info bi;
  memset(&bi, 0, sizeof bi);
  memcpy(bi.chain, c->info.code, PL_CODE_MAX);
  memcpy(bi.store, si.code, PL_CODE_MAX);
  bi.channel = PL_CHANNEL_APP;
  snprintf(bi.customer, sizeof bi.customer, "%s", d->req.customer);
  snprintf(bi.plate, sizeof bi.plate, "%s", d->req.plate);
  bi.n_segments = opt.n_segments;
  memcpy(bi.seg, opt.seg, sizeof bi.seg);
  char idem[PL_IDEM_MAX];
  snprintf(idem, sizeof idem, "dispatch-%lld", (long long)d->id);
  pl_write s1 = pl__barrier_step(bar);
  pl_booking_info bo;
  if (pl_booking_hold(e, &bi, 0, idem, &s1, &bo, NULL) != 0) {
    s1.durable(s1.arg, 0);
    return;
  }
  pl_write s2 = pl__barrier_step(bar);
  if (pl_booking_transition(e, c->info.code, bo.id, PL_BOOKING_CONFIRMED, &s2,
                            NULL, NULL) != 0)
    s2.durable(s2.arg, 0);
  pthread_mutex_lock(&dc->mu);
  pl__disp *x = disp_find(dc, d->id);
  if (x->d.booking_id == 0) {
    pl_dispatch nd = x->d;
    nd.booking_id = bo.id;
    nd.version++;
    nd.updated_ms = pl__chain_now_ms(e, c);
    if (submit_disp(e, c, dc, bar, PL__OP_DISPATCH_BOOKING, x, &nd, NULL,
                    NULL) == 0)
      x->d = nd;
  }
  *d = x->d;
  pthread_mutex_unlock(&dc->mu);
}

static const char *state_name(pl_dispatch_state s) {
  static const char *const names[] = {"?",         "offered",   "accepted",
                                      "on site",   "completed", "cancelled",
                                      "unassigned"};
  return s >= PL_DS_OFFERED && s <= PL_DS_UNASSIGNED ? names[s] : "?";
}

#define NOT_FROM(err, d, what)                                                 \
  PL__FAIL((err), PL_EPRECOND, "state: dispatch %lld is %s, cannot " what,     \
           (long long)(d)->id, state_name((d)->state))

int pl_dispatch_act(pl_engine *e, const char *chain, int64_t id,
                    pl_dispatch_action action, const char *resource,
                    int set_free, const pl_write *w, pl_dispatch *out,
                    pl_error *err) {
  pl__chain *c = NULL;
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, &c, &dc, err);
  if (rc == 0 && id <= 0)
    rc = PL__FAIL(err, PL_EINVAL, "id: required (> 0)");
  if (rc == 0 && (action < PL_DA_ACCEPT || action > PL_DA_RETRY))
    rc = PL__FAIL(err, PL_EINVAL, "action: unknown %d", (int)action);
  if (rc == 0 && resource != NULL)
    rc = pl__check_opt_code(err, "resource", resource, PL_CODE_MAX);
  if (rc != 0)
    return rc;
  pl__barrier *bar = pl__barrier_new(w);
  if (bar == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  int64_t now = pl__chain_now_ms(e, c);
  pthread_mutex_lock(&dc->mu);
  pl__disp *x = disp_find(dc, id);
  pl_dispatch nd;
  pl__fr *old = NULL, *fresh = NULL;
  pl_field_resource oi = {0}, ni = {0};
  int noop = 0, book = 0;
  int64_t cancel_booking = 0;
  if (x == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no dispatch %lld", (long long)id);
  } else {
    nd = x->d;
    if (!pl__want_str(resource, nd.resource))
      rc = PL__FAIL(err, PL_EPRECOND,
                    "resource: dispatch %lld is assigned to '%s', not '%s'",
                    (long long)id, nd.resource, resource);
    old = nd.resource[0] != '\0' ? res_find(dc, nd.resource) : NULL;
    if (old != NULL)
      oi = old->info;
  }
  if (rc == 0) {
    switch (action) {
    case PL_DA_ACCEPT:
      if (nd.state == PL_DS_ACCEPTED)
        noop = 1;
      else if (nd.state != PL_DS_OFFERED)
        rc = NOT_FROM(err, &nd, "accept");
      else {
        nd.state = PL_DS_ACCEPTED;
        if (!nd.scheduled)
          oi.state = PL_FR_EN_ROUTE;
      }
      book = rc == 0 && nd.req.book_service[0] != '\0' && nd.booking_id == 0;
      break;
    case PL_DA_DECLINE:
      if (nd.state != PL_DS_OFFERED) {
        rc = NOT_FROM(err, &nd, "decline");
        break;
      }
      release(&oi, &nd);
      if (nd.n_declined < PL_DISPATCH_MAX_DECLINED)
        memcpy(nd.declined[nd.n_declined++], nd.resource, PL_CODE_MAX);
      unassign(&nd);
      /* the decliner's stored record still holds the offer, so it is not
       * eligible even past the declined list's room */
      fresh = pick(dc, &nd, now);
      if (fresh == old)
        fresh = NULL;
      if (fresh != NULL) {
        ni = fresh->info;
        assign(dc, &nd, &ni, fresh, now);
        ni.updated_ms = now;
      }
      break;
    case PL_DA_ARRIVE:
      if (nd.state == PL_DS_ON_SITE)
        noop = 1;
      else if (nd.state != PL_DS_ACCEPTED)
        rc = NOT_FROM(err, &nd, "arrive");
      else if (nd.scheduled && oi.dispatch_id != 0)
        rc = PL__FAIL(err, PL_EPRECOND,
                      "resource: '%s' is still serving dispatch %lld", oi.code,
                      (long long)oi.dispatch_id);
      else {
        release(&oi, &nd);
        oi.dispatch_id = nd.id;
        oi.state = PL_FR_ON_SITE;
        nd.state = PL_DS_ON_SITE;
        nd.distance_m = nd.travel_s = 0;
        nd.eta_ms = now;
        nd.res_lat_e6 = oi.lat_e6;
        nd.res_lng_e6 = oi.lng_e6;
      }
      break;
    case PL_DA_COMPLETE:
      if (nd.state == PL_DS_COMPLETED)
        noop = 1;
      else if (nd.state != PL_DS_ON_SITE)
        rc = NOT_FROM(err, &nd, "complete");
      else {
        oi.dispatch_id = 0;
        oi.state = set_free ? PL_FR_FREE : PL_FR_RETURNING;
        nd.state = PL_DS_COMPLETED;
        nd.end_ms = now;
      }
      break;
    case PL_DA_CANCEL:
      if (nd.state == PL_DS_CANCELLED)
        noop = 1;
      else if (!disp_open(&nd) && nd.state != PL_DS_UNASSIGNED)
        rc = NOT_FROM(err, &nd, "cancel");
      else {
        if (old != NULL)
          release(&oi, &nd);
        nd.state = PL_DS_CANCELLED;
        cancel_booking = nd.booking_id;
      }
      break;
    case PL_DA_RETRY:
      if (nd.state != PL_DS_UNASSIGNED) {
        rc = NOT_FROM(err, &nd, "be re-offered");
        break;
      }
      fresh = pick(dc, &nd, now);
      if (fresh == NULL)
        rc = PL__FAIL(err, PL_EPRECOND, "resource: no %s free%s near (%d, %d)",
                      kind_name(nd.req.kind),
                      nd.scheduled ? " at that time" : "", nd.req.lat_e6,
                      nd.req.lng_e6);
      else {
        ni = fresh->info;
        assign(dc, &nd, &ni, fresh, now);
        ni.updated_ms = now;
      }
      break;
    }
  }
  if (rc == 0 && noop) {
    rc = submit_empty(e, bar);
  } else if (rc == 0) {
    nd.version++;
    nd.updated_ms = now;
    if (old != NULL)
      oi.updated_ms = now;
    rc = submit_disp(e, c, dc, bar, PL__OP_DISPATCH_ACT + (unsigned)action, x,
                     &nd, old != NULL ? &oi : NULL, fresh != NULL ? &ni : NULL);
    if (rc == 0) {
      x->d = nd;
      if (old != NULL)
        old->info = oi;
      if (fresh != NULL)
        fresh->info = ni;
    }
  }
  if (rc == 0)
    nd = x->d;
  pthread_mutex_unlock(&dc->mu);
  if (rc == 0 && book && nd.state == PL_DS_ACCEPTED)
    book_pickup(e, c, dc, bar, &nd);
  if (rc == 0 && cancel_booking > 0) {
    pl_write s = pl__barrier_step(bar);
    if (pl_booking_transition(e, c->info.code, cancel_booking,
                              PL_BOOKING_CANCELLED, &s, NULL, NULL) != 0)
      s.durable(s.arg, 0);
  }
  if (rc == 0 && out != NULL)
    *out = nd;
  return finish(bar, rc, err);
}

int pl_dispatch_get(pl_engine *e, const char *chain, int64_t id,
                    pl_dispatch *out, pl_error *err) {
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, NULL, &dc, err);
  if (rc != 0)
    return rc;
  if (id <= 0)
    return PL__FAIL(err, PL_EINVAL, "id: required (> 0)");
  pthread_mutex_lock(&dc->mu);
  const pl__disp *x = disp_find(dc, id);
  if (x != NULL)
    *out = x->d;
  pthread_mutex_unlock(&dc->mu);
  return x != NULL ? 0
                   : PL__FAIL(err, PL_ENOTFOUND, "id: no dispatch %lld",
                              (long long)id);
}

int pl_dispatch_list(pl_engine *e, const char *chain, int64_t after_id,
                     int open_only, pl_dispatch *out, int cap, pl_error *err) {
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, NULL, &dc, err);
  if (rc != 0)
    return rc;
  if (after_id < 0)
    return PL__FAIL(err, PL_EINVAL, "after_id: must be >= 0");
  int n = 0;
  pthread_mutex_lock(&dc->mu);
  for (int64_t i = after_id; i < dc->disps.n && n < cap; i++) {
    const pl__disp *x = dc->disps.items[i];
    if (open_only && !disp_open(&x->d) && x->d.state != PL_DS_ON_SITE &&
        x->d.state != PL_DS_UNASSIGNED)
      continue;
    out[n++] = x->d;
  }
  pthread_mutex_unlock(&dc->mu);
  return n;
}

/* ---- watches -------------------------------------------------------------
 */

int pl_dispatch_watch_open(pl_engine *e, const char *chain, int64_t id,
                           pl_dispatch_fn fn, void *arg,
                           pl_dispatch_watch **out, pl_error *err) {
  pl__disp_chain *dc = NULL;
  int rc = pl__disp_lookup(e, chain, NULL, &dc, err);
  if (rc != 0)
    return rc;
  if (id <= 0)
    return PL__FAIL(err, PL_EINVAL, "id: required (> 0)");
  pthread_mutex_lock(&dc->mu);
  pl__disp *x = disp_find(dc, id);
  pthread_mutex_unlock(&dc->mu);
  if (x == NULL)
    return PL__FAIL(err, PL_ENOTFOUND, "id: no dispatch %lld", (long long)id);
  struct pl_dispatch_watch *wt = calloc(1, sizeof *wt);
  if (wt == NULL)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  *wt = (struct pl_dispatch_watch){dc, id, fn, arg};
  pthread_mutex_lock(&dc->hub_mu);
  if (x->has_pub)
    fn(arg, &x->pub);
  rc = pl__vec_reserve(&dc->watchers, 1);
  if (rc == 0)
    pl__vec_push(&dc->watchers, wt);
  pthread_mutex_unlock(&dc->hub_mu);
  if (rc != 0) {
    free(wt);
    return PL__FAIL(err, rc, "engine: out of memory");
  }
  *out = wt;
  return 0;
}

void pl_dispatch_unwatch(pl_engine *e, pl_dispatch_watch *wt) {
  (void)e;
  if (wt == NULL)
    return;
  pl__disp_chain *dc = wt->dc;
  pthread_mutex_lock(&dc->hub_mu);
  pl__vec_remove(&dc->watchers, wt);
  pthread_mutex_unlock(&dc->hub_mu);
  free(wt);
}

/* ---- recovery ------------------------------------------------------------
 */

static int load_res(pl_engine *e, pl__chain *c, pl__disp_chain *dc,
                    const unsigned char *rest, size_t rl,
                    const unsigned char *val, size_t vl) {
  if (rl == 0 || rl >= PL_CODE_MAX || memchr(rest, 0, rl) != NULL)
    return PL_ECORRUPT;
  pl__fr *r = calloc(1, sizeof *r);
  if (r == NULL)
    return PL_ENOMEM;
  pl_field_resource *f = &r->info;
  memcpy(f->chain, c->info.code, PL_CODE_MAX);
  memcpy(f->code, rest, rl);
  pl__rd rd;
  pl__rd_init(&rd, val, vl);
  int bad = pl__rd_uvar(&rd) != ROW_VERSION;
  pl__rd_str(&rd, f->name, sizeof f->name);
  f->kind = (pl_fr_kind)pl__rd_uvar(&rd);
  pl__rd_str(&rd, f->home_store, sizeof f->home_store);
  f->shift_start_min = (int32_t)pl__rd_svar(&rd);
  f->shift_end_min = (int32_t)pl__rd_svar(&rd);
  f->lat_e6 = (int32_t)pl__rd_svar(&rd);
  f->lng_e6 = (int32_t)pl__rd_svar(&rd);
  f->position_ms = pl__rd_svar(&rd);
  f->state = (pl_fr_state)pl__rd_uvar(&rd);
  f->dispatch_id = pl__rd_svar(&rd);
  uint64_t n_cal = pl__rd_uvar(&rd);
  bad = bad || n_cal > PL_FR_MAX_CALENDAR;
  for (uint64_t i = 0; !bad && i < n_cal; i++) {
    f->calendar[i].dispatch_id = pl__rd_svar(&rd);
    f->calendar[i].start_ms = pl__rd_svar(&rd);
    f->calendar[i].end_ms = pl__rd_svar(&rd);
  }
  f->n_calendar = bad ? 0 : (int32_t)n_cal;
  f->updated_ms = pl__rd_svar(&rd);
  pl_store_info si;
  bad = bad || rd.bad || check_resource(NULL, f) != 0 ||
        f->state < PL_FR_FREE || f->state > PL_FR_RETURNING ||
        pl_store_get(e, c->info.code, f->home_store, &si, NULL) != 0 ||
        res_find(dc, f->code) != NULL;
  int rc = bad ? PL_ECORRUPT : pl__vec_reserve(&dc->res, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&dc->res_ix, 1);
  if (rc == 0)
    rc = grid_reserve(&dc->grid[f->kind - 1], f->lat_e6, f->lng_e6);
  if (rc != 0) {
    free(r);
    return rc;
  }
  r->utc_offset_min = si.utc_offset_min;
  set_position(r, f->lat_e6, f->lng_e6);
  int32_t ix = dc->res.n;
  pl__vec_push(&dc->res, r);
  pl__strmap_put(&dc->res_ix, f->code, ix);
  grid_insert(&dc->grid[f->kind - 1], r, ix);
  return 0;
}

static int load_disp(pl__chain *c, pl__disp_chain *dc,
                     const unsigned char *rest, size_t rl,
                     const unsigned char *val, size_t vl) {
  if (rl != 8)
    return PL_ECORRUPT;
  pl__disp *x = calloc(1, sizeof *x);
  if (x == NULL)
    return PL_ENOMEM;
  pl_dispatch *d = &x->d;
  pl_dispatch_request *q = &d->req;
  d->id = (int64_t)pl__be64_get(rest);
  memcpy(q->chain, c->info.code, PL_CODE_MAX);
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int bad = pl__rd_uvar(&r) != ROW_VERSION;
  q->kind = (pl_dispatch_kind)pl__rd_uvar(&r);
  q->lat_e6 = (int32_t)pl__rd_svar(&r);
  q->lng_e6 = (int32_t)pl__rd_svar(&r);
  q->at_ms = pl__rd_svar(&r);
  q->duration_min = (int32_t)pl__rd_svar(&r);
  pl__rd_str(&r, q->store, sizeof q->store);
  pl__rd_str(&r, q->customer, sizeof q->customer);
  pl__rd_str(&r, q->phone, sizeof q->phone);
  pl__rd_str(&r, q->plate, sizeof q->plate);
  pl__rd_str(&r, q->note, sizeof q->note);
  pl__rd_str(&r, q->book_service, sizeof q->book_service);
  d->state = (pl_dispatch_state)pl__rd_uvar(&r);
  d->scheduled = (int)pl__rd_uvar(&r);
  pl__rd_str(&r, d->resource, sizeof d->resource);
  d->res_lat_e6 = (int32_t)pl__rd_svar(&r);
  d->res_lng_e6 = (int32_t)pl__rd_svar(&r);
  d->distance_m = pl__rd_svar(&r);
  d->travel_s = pl__rd_svar(&r);
  d->eta_ms = pl__rd_svar(&r);
  d->start_ms = pl__rd_svar(&r);
  d->end_ms = pl__rd_svar(&r);
  uint64_t nd = pl__rd_uvar(&r);
  bad = bad || nd > PL_DISPATCH_MAX_DECLINED;
  for (uint64_t i = 0; !bad && i < nd; i++)
    pl__rd_str(&r, d->declined[i], PL_CODE_MAX);
  d->n_declined = bad ? 0 : (int32_t)nd;
  d->booking_id = pl__rd_svar(&r);
  d->version = pl__rd_uvar(&r);
  d->created_ms = pl__rd_svar(&r);
  d->updated_ms = pl__rd_svar(&r);
  pl__rd_str(&r, x->idem, sizeof x->idem);
  bad = bad || r.bad || d->id != dc->disps.n + 1 ||
        q->kind < PL_DISPATCH_RESCUE || q->kind > PL_DISPATCH_DROPOFF ||
        d->state < PL_DS_OFFERED || d->state > PL_DS_UNASSIGNED ||
        (d->resource[0] != '\0' && res_find(dc, d->resource) == NULL) ||
        (x->idem[0] != '\0' && pl__strmap_get(&dc->idem_ix, x->idem) >= 0);
  int rc = bad ? PL_ECORRUPT : pl__vec_reserve(&dc->disps, 1);
  if (rc == 0)
    rc = pl__strmap_reserve(&dc->idem_ix, 1);
  if (rc != 0) {
    free(x);
    return rc;
  }
  x->res_ix =
      d->resource[0] != '\0' ? pl__strmap_get(&dc->res_ix, d->resource) : -1;
  x->pub = *d;
  x->has_pub = 1;
  pl__vec_push(&dc->disps, x);
  if (x->idem[0] != '\0')
    pl__strmap_put(&dc->idem_ix, x->idem, (int32_t)(d->id - 1));
  return 0;
}

int pl__disp_load(pl_engine *e, unsigned kind, const char *chain,
                  const unsigned char *rest, size_t rl,
                  const unsigned char *val, size_t vl, pl_error *err) {
  pl__chain *c = pl__chain_find(e, chain);
  pl__disp_chain *dc = c != NULL ? pl__disp_of(c) : NULL;
  if (c == NULL)
    return PL__FAIL(err, PL_ECORRUPT, "recovery: chain '%s' kind %u", chain,
                    kind);
  if (dc == NULL)
    return PL_ENOMEM;
  int rc = PL_ECORRUPT;
  if (kind == PL__K_DISP_CONFIG) {
    pl__rd r;
    pl__rd_init(&r, val, vl);
    pl_dispatch_config cfg = dc->cfg;
    int bad = rl != 0 || pl__rd_uvar(&r) != ROW_VERSION;
    cfg.road_factor_milli = (int32_t)pl__rd_svar(&r);
    cfg.speed_kmh = (int32_t)pl__rd_svar(&r);
    if (!bad && !r.bad && check_config(NULL, &cfg) == 0) {
      dc->cfg = cfg;
      rc = 0;
    }
  } else if (kind == PL__K_FIELD_RES) {
    rc = load_res(e, c, dc, rest, rl, val, vl);
  } else if (kind == PL__K_DISPATCH) {
    rc = load_disp(c, dc, rest, rl, val, vl);
  }
  return rc == PL_ECORRUPT ? PL__FAIL(err, rc,
                                      "recovery: chain '%s': bad dispatch row "
                                      "(kind %u)",
                                      chain, kind)
                           : rc;
}
