/* dispatch.h — field dispatch: rescue trucks and pick-up/drop-off drivers
 * (代送代取), the nearest free one for a request, its ETA, and the
 * customer's live view of it. See pitlane.h for the conventions.
 *
 * Positions are int32 micro-degrees (lat_e6, lng_e6), like stores.
 *
 * Travel model (one per chain, pl_dispatch_config): the great-circle
 * (haversine) distance between two positions times a road factor (default
 * 1.3) is the road distance; at a constant speed (default 30 km/h, a city)
 * it gives the travel time. Travel time is monotone in distance, so the
 * nearest resource by travel time is the nearest by straight-line distance.
 *
 * Resource states (pl_fr_state):
 *
 *   free --dispatch--> offered --accept--> en_route --arrive--> on_site
 *    ^  ^                 |                                        |
 *    |  +----decline------+                                     complete
 *    +------ position update with `free` ---- returning <----------+
 *
 * (complete with `free` goes straight back to free.) A resource takes part
 * in at most one immediate dispatch at a time: the state change happens
 * under the chain's dispatch lock, so two racing requests never get the
 * same resource.
 *
 * Dispatch kinds: a rescue is immediate (the nearest free truck now). A
 * pick-up or drop-off at `at_ms` within PL_DISPATCH_IMMEDIATE_MS of now is
 * immediate too (the nearest free driver); a later one is scheduled: it
 * becomes a calendar entry [at - travel, at + duration) of the nearest
 * driver on shift whose calendar has no overlapping entry, and the
 * driver's state does not change until they arrive.
 *
 * Dispatch states: offered -> accepted -> on_site -> completed, or
 * cancelled from offered/accepted. Decline re-offers the same dispatch to
 * the next nearest eligible resource (never one that declined it); with
 * none left it is `unassigned` until PL_DA_RETRY finds one (or it is
 * cancelled).
 */
#ifndef PITLANE_DISPATCH_H
#define PITLANE_DISPATCH_H

#include "pitlane/scheduling.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_FR_MAX_CALENDAR 32 /* open calendar entries of one driver */
#define PL_DISPATCH_MAX_DECLINED 8
#define PL_DISPATCH_IMMEDIATE_MS ((int64_t)30 * 60 * 1000)
#define PL_PHONE_MAX 32
#define PL_NOTE_MAX 160

typedef enum pl_fr_kind {
  PL_FR_RESCUE_TRUCK = 1,
  PL_FR_DRIVER = 2, /* pick-up / drop-off agent */
} pl_fr_kind;

typedef enum pl_fr_state {
  PL_FR_FREE = 1,
  PL_FR_OFFERED = 2,
  PL_FR_EN_ROUTE = 3,
  PL_FR_ON_SITE = 4,
  PL_FR_RETURNING = 5,
} pl_fr_state;

/* One calendar entry of a driver: a scheduled dispatch's interval. */
typedef struct pl_fr_entry {
  int64_t dispatch_id;
  int64_t start_ms, end_ms;
} pl_fr_entry;

typedef struct pl_field_resource {
  char chain[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  pl_fr_kind kind;
  char home_store[PL_CODE_MAX];
  /* daily shift in the home store's local time, minutes after midnight;
   * start == end: always on; start > end: across midnight */
  int32_t shift_start_min, shift_end_min;
  /* read-only below (set by the engine) */
  int32_t lat_e6, lng_e6;
  int64_t position_ms; /* when the position was reported */
  pl_fr_state state;
  int64_t dispatch_id; /* the immediate dispatch it serves, 0 none */
  int32_t n_calendar;
  pl_fr_entry calendar[PL_FR_MAX_CALENDAR];
  int64_t updated_ms;
} pl_field_resource;

typedef struct pl_dispatch_config {
  char chain[PL_CODE_MAX];
  int32_t road_factor_milli; /* 1000..5000; default 1300 */
  int32_t speed_kmh;         /* 5..130; default 30 */
} pl_dispatch_config;

typedef enum pl_dispatch_kind {
  PL_DISPATCH_RESCUE = 1,
  PL_DISPATCH_PICKUP = 2,
  PL_DISPATCH_DROPOFF = 3,
} pl_dispatch_kind;

typedef enum pl_dispatch_state {
  PL_DS_OFFERED = 1,
  PL_DS_ACCEPTED = 2,
  PL_DS_ON_SITE = 3,
  PL_DS_COMPLETED = 4,
  PL_DS_CANCELLED = 5,
  PL_DS_UNASSIGNED = 6, /* every eligible resource declined or none free */
} pl_dispatch_state;

typedef struct pl_dispatch_request {
  char chain[PL_CODE_MAX];
  pl_dispatch_kind kind;
  int32_t lat_e6, lng_e6;  /* where the customer is */
  int64_t at_ms;           /* 0: now; pick-up/drop-off: the agreed time */
  int32_t duration_min;    /* pick-up/drop-off: the driver's job; 0: 60 */
  char store[PL_CODE_MAX]; /* pick-up/drop-off: the store; rescue: "" ok */
  char customer[PL_NAME_MAX];
  char phone[PL_PHONE_MAX];
  char plate[PL_PLATE_MAX];
  char note[PL_NOTE_MAX];
  /* pick-up: on accept, hold and confirm a booking of this service at the
   * store for when the car arrives there ("" none) */
  char book_service[PL_CODE_MAX];
} pl_dispatch_request;

typedef struct pl_dispatch {
  int64_t id; /* > 0, dense per chain */
  pl_dispatch_request req;
  pl_dispatch_state state;
  int scheduled;                  /* 1: a calendar entry, 0: immediate */
  char resource[PL_CODE_MAX];     /* "" when unassigned */
  int32_t res_lat_e6, res_lng_e6; /* its position at the last update */
  int64_t distance_m; /* road distance from the resource (factor applied) */
  int64_t travel_s;   /* travel time at the chain's speed */
  int64_t eta_ms;     /* expected arrival at the customer */
  int64_t start_ms, end_ms; /* scheduled: the calendar entry */
  int32_t n_declined;
  char declined[PL_DISPATCH_MAX_DECLINED][PL_CODE_MAX];
  int64_t booking_id; /* pick-up with book_service, once accepted */
  uint64_t version;   /* +1 per change: what watchers see grows */
  int64_t created_ms, updated_ms;
} pl_dispatch;

/* Sets the chain's travel model (replaces it). PL_EINVAL naming the field,
 * PL_ENOTFOUND. */
PL_API int pl_dispatch_config_set(pl_engine *e, const pl_dispatch_config *in,
                                  const pl_write *w, pl_error *err);
/* The chain's travel model (defaults until set). */
PL_API int pl_dispatch_config_get(pl_engine *e, const char *chain,
                                  pl_dispatch_config *out, pl_error *err);

/* Creates or updates a resource: name, home store, shift (kind cannot
 * change: PL_EPRECOND). A new resource starts free at its home store's
 * position unless in->lat_e6/lng_e6 are given (both non-zero). *out (may
 * be NULL) is the stored record. PL_EINVAL, PL_ENOTFOUND (chain, store). */
PL_API int pl_field_resource_upsert(pl_engine *e, const pl_field_resource *in,
                                    const pl_write *w, pl_field_resource *out,
                                    pl_error *err);

/* The app reports a position (at the engine's now). Every open dispatch
 * of the resource gets its distance and ETA recomputed (watchers see
 * them once durable). With `set_free`, a returning (or free) resource
 * becomes free; PL_EPRECOND from any other state. */
PL_API int pl_field_resource_position(pl_engine *e, const char *chain,
                                      const char *code, int32_t lat_e6,
                                      int32_t lng_e6, int set_free,
                                      const pl_write *w, pl_field_resource *out,
                                      pl_error *err);

PL_API int pl_field_resource_get(pl_engine *e, const char *chain,
                                 const char *code, pl_field_resource *out,
                                 pl_error *err);

/* Resources of the chain (store "" or NULL: all; else those whose home is
 * the store), by code. Returns the total, copies min(cap, total). */
PL_API int pl_field_resource_list(pl_engine *e, const char *chain,
                                  const char *store, pl_field_resource *out,
                                  int cap, pl_error *err);

/* Offers the request to the nearest eligible resource (free, of the kind,
 * on shift; scheduled: no overlapping calendar entry). Idempotent on
 * idem_key. PL_EINVAL naming the field, PL_ENOTFOUND (chain, store),
 * PL_EPRECOND ("resource: none free ..."; nothing is stored). */
PL_API int pl_dispatch_create(pl_engine *e, const pl_dispatch_request *in,
                              const char *idem_key, const pl_write *w,
                              pl_dispatch *out, pl_error *err);

typedef enum pl_dispatch_action {
  PL_DA_ACCEPT = 1,   /* offered -> accepted (resource en route) */
  PL_DA_DECLINE = 2,  /* offered -> offered to the next, or unassigned */
  PL_DA_ARRIVE = 3,   /* accepted -> on_site */
  PL_DA_COMPLETE = 4, /* on_site -> completed (resource returning) */
  PL_DA_CANCEL = 5,   /* offered/accepted/unassigned -> cancelled */
  PL_DA_RETRY = 6,    /* unassigned -> offered to the nearest (decliners
                         excluded) */
} pl_dispatch_action;

/* Moves dispatch `id`. `resource` (may be NULL/"") must name the assigned
 * resource when given (the driver's app says who it is): PL_EPRECOND
 * otherwise. Repeating the action that led to the current state is a
 * no-op returning PL_OK (accept an accepted one). COMPLETE with
 * set_free puts the resource straight back to free. PL_EPRECOND for a
 * move the diagram does not allow. */
PL_API int pl_dispatch_act(pl_engine *e, const char *chain, int64_t id,
                           pl_dispatch_action action, const char *resource,
                           int set_free, const pl_write *w, pl_dispatch *out,
                           pl_error *err);

PL_API int pl_dispatch_get(pl_engine *e, const char *chain, int64_t id,
                           pl_dispatch *out, pl_error *err);

/* Dispatches of the chain with id > after_id, oldest first, open ones only
 * when open_only. Returns how many were copied (at most cap). */
PL_API int pl_dispatch_list(pl_engine *e, const char *chain, int64_t after_id,
                            int open_only, pl_dispatch *out, int cap,
                            pl_error *err);

/* ---- watching one dispatch ---------------------------------------------
 * fn receives the dispatch as it is durable: first its current durable
 * state (if its creation is durable yet), then each later change, in
 * version order, from the commit thread. fn must not block nor call into
 * the engine. */
typedef void (*pl_dispatch_fn)(void *arg, const pl_dispatch *d);
typedef struct pl_dispatch_watch pl_dispatch_watch;

PL_API int pl_dispatch_watch_open(pl_engine *e, const char *chain, int64_t id,
                                  pl_dispatch_fn fn, void *arg,
                                  pl_dispatch_watch **out, pl_error *err);
/* After it returns, fn is not running and will not run again. NULL ok. */
PL_API void pl_dispatch_unwatch(pl_engine *e, pl_dispatch_watch *w);

/* ---- the travel model, for tests and callers ---------------------------- */

/* Great-circle distance in metres (haversine, R = 6,371,008.8 m). */
PL_API double pl_geo_distance_m(int32_t lat1_e6, int32_t lng1_e6,
                                int32_t lat2_e6, int32_t lng2_e6);

#ifdef __cplusplus
}
#endif
#endif
