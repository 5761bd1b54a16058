/* scheduling.h — bay and technician calendars, the service catalogue, slot
 * recommendation, and bookings (holds and their life cycle). See pitlane.h
 * for the conventions.
 *
 * Time: calendar times are UTC minutes (int64) on a 5-minute grid; a
 * store's weekly hours and shifts are in its local time (minutes after
 * local midnight, the store's fixed UTC offset) and a local day is
 * floor((utc_minute + offset) / 1440) days after 1970-01-01. Weekdays are
 * 0 = Monday .. 6 = Sunday. Hold expiries and audit times are UTC ms.
 *
 * Booking states:
 *
 *   held --confirm--> confirmed --check_in--> checked_in --complete-->
 * completed |  \--(ttl passes)--> expired      |  \--no_show--> no_show
 *    +--cancel--> cancelled <--cancel----+
 *
 * held, confirmed and checked_in bookings occupy their bay and
 * technicians; an expired hold stops occupying them the moment its expiry
 * passes (no write is needed: readers compare with the engine's clock).
 * No bay or technician is ever in two occupying bookings at once.
 */
#ifndef PITLANE_SCHEDULING_H
#define PITLANE_SCHEDULING_H

#include "pitlane/admin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_MAX_BREAKS 4
#define PL_MAX_PERIODS 16
#define PL_MAX_CLOSURES 32
#define PL_MAX_VISIT 4     /* services in one visit */
#define PL_MAX_JOB_TECHS 3 /* technicians on one service */
#define PL_MAX_QUERY_STORES 8
#define PL_MAX_WINDOWS 4
#define PL_HORIZON_MAX_DAYS 60
#define PL_PLATE_MAX 16
#define PL_DEFAULT_HOLD_TTL_MS ((int64_t)10 * 60 * 1000)
/* A loaner car reserved with a visit stays reserved this long after the
 * visit ends (the customer brings it back, it is checked and cleaned). */
#define PL_LOANER_RETURN_BUFFER_MIN 60
#define PL_MAX_STORE_LOANERS 256

/* A UTC range [start, end) in minutes. */
typedef struct pl_utc_range {
  int64_t start, end;
} pl_utc_range;

/* A local time-of-day range [start, end) in minutes after midnight. */
typedef struct pl_local_range {
  int32_t start, end;
} pl_local_range;

typedef struct pl_store_hours {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  pl_local_range week[7]; /* opening hours; start == end: closed */
  int32_t n_closures;
  int32_t closures[PL_MAX_CLOSURES]; /* local day numbers closed all day */
  int32_t horizon_days; /* bookable days ahead, 1..PL_HORIZON_MAX_DAYS */
} pl_store_hours;

typedef struct pl_shift {
  pl_local_range work; /* start == end: day off */
  int32_t n_breaks;
  pl_local_range breaks[PL_MAX_BREAKS];
} pl_shift;

typedef struct pl_technician_schedule {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  char technician[PL_CODE_MAX];
  pl_shift week[7];
  int32_t n_leave;
  pl_utc_range leave[PL_MAX_PERIODS];
} pl_technician_schedule;

typedef struct pl_bay_schedule {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  char bay[PL_CODE_MAX];
  int32_t n_out_of_service;
  pl_utc_range out_of_service[PL_MAX_PERIODS];
} pl_bay_schedule;

typedef struct pl_service_info {
  char chain[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  pl_bay_type bay_type;
  pl_skill skill;
  int32_t min_level;    /* 1..PL_SKILL_LEVEL_MAX */
  int32_t duration_min; /* > 0, a multiple of 5, at most 12 h */
  int32_t technicians;  /* 1..PL_MAX_JOB_TECHS */
} pl_service_info;

/* Until set, a store is open 08:00-18:00 every day with a 14-day horizon,
 * and a technician works the store's hours with no breaks. Setting a
 * schedule replaces it whole. Bookings already made stay (the day board
 * shows a conflict with new leave or out-of-service time).
 * Returns PL_EINVAL (bad range: naming the field), PL_ENOTFOUND. */
PL_API int pl_store_hours_set(pl_engine *e, const pl_store_hours *in,
                              const pl_write *w, pl_error *err);
PL_API int pl_store_hours_get(pl_engine *e, const char *chain,
                              const char *store, pl_store_hours *out,
                              pl_error *err);
PL_API int pl_technician_schedule_set(pl_engine *e,
                                      const pl_technician_schedule *in,
                                      const pl_write *w, pl_error *err);
PL_API int pl_bay_schedule_set(pl_engine *e, const pl_bay_schedule *in,
                               const pl_write *w, pl_error *err);
/* Services are chain-wide and idempotent on idem_key like admin creates. */
PL_API int pl_service_create(pl_engine *e, const pl_service_info *in,
                             const char *idem_key, const pl_write *w,
                             pl_service_info *out, pl_error *err);
PL_API int pl_service_list(pl_engine *e, const char *chain,
                           pl_service_info *out, int cap, pl_error *err);

/* ---- slots ------------------------------------------------------------- */

typedef struct pl_segment {
  char service[PL_CODE_MAX];
  char bay[PL_CODE_MAX];
  int32_t n_techs;
  char techs[PL_MAX_JOB_TECHS][PL_CODE_MAX];
  int64_t start, end; /* UTC minutes */
} pl_segment;

/* A bookable visit: its services back to back from start. */
typedef struct pl_slot_option {
  char store[PL_CODE_MAX];
  int64_t start, end;
  int32_t n_segments;
  pl_segment seg[PL_MAX_VISIT];
} pl_slot_option;

typedef struct pl_slot_query {
  const char *chain;
  int n_stores;
  const char *stores[PL_MAX_QUERY_STORES];
  int n_services;
  const char *services[PL_MAX_VISIT]; /* done back to back, in order */
  int64_t earliest, latest;           /* UTC minutes: the visit lies within */
  int n_windows; /* a hard filter: the start's local time of day lies in
                    one of these [start, end); 0: any */
  pl_local_range windows[PL_MAX_WINDOWS];
  const char *technician; /* optional: this technician does every job */
  int32_t step_min;       /* start grid: local minutes after the store's local
                             midnight that are multiples of it; multiple of 5;
                             0: 15 */
  int32_t max_per_day;    /* spread: at most this many options per store and
                             local day; 0: no limit */
  int k;                  /* 1..64 */
  int need_loaner; /* 1: only starts at which some loaner car of the store
                      is free from the start to the visit's end plus
                      PL_LOANER_RETURN_BUFFER_MIN (within the local day) */
} pl_slot_query;

/* Up to k options, earliest start first; for one start, the first free bay
 * and the least-loaded qualified technicians (booked minutes that day), so
 * load stays balanced; stores in query order break ties. "Now" is the rule
 * Hold uses (a start before now is in the past; today is the local day
 * holding now). Every option is bookable at the moment it is returned.
 * The full contract (grid, bounds, ranking, error precedence) is written
 * in proto/pitlane/v1/scheduling.proto at RecommendSlotsRequest. Returns
 * the number of options (0..k) or PL_EINVAL / PL_ENOTFOUND / PL_EPRECOND
 * (technician lacks a service's skill, or a service needs several). */
PL_API int pl_recommend_slots(pl_engine *e, const pl_slot_query *q,
                              pl_slot_option *out, int cap, pl_error *err);

/* ---- bookings ---------------------------------------------------------- */

typedef enum pl_booking_state {
  PL_BOOKING_HELD = 1,
  PL_BOOKING_CONFIRMED = 2,
  PL_BOOKING_CHECKED_IN = 3,
  PL_BOOKING_COMPLETED = 4,
  PL_BOOKING_CANCELLED = 5,
  PL_BOOKING_NO_SHOW = 6,
  PL_BOOKING_EXPIRED = 7, /* a hold whose TTL passed (computed on read) */
} pl_booking_state;

typedef enum pl_channel {
  PL_CHANNEL_MINI_PROGRAM = 1,
  PL_CHANNEL_APP = 2,
  PL_CHANNEL_PHONE = 3,
  PL_CHANNEL_WALK_IN = 4,
  PL_CHANNEL_INSURER = 5,
  PL_CHANNEL_FLEET = 6,
} pl_channel;
#define PL_CHANNEL_MAX 6

/* A booking's loaner car: what was asked, and where the car is. */
typedef enum pl_loaner_need {
  PL_LOANER_NONE = 0,
  PL_LOANER_ANY = 1,   /* any free loaner of the store */
  PL_LOANER_NAMED = 2, /* the loaner named in `loaner` */
} pl_loaner_need;

typedef enum pl_loaner_phase {
  PL_LOANER_PHASE_NONE = 0,
  PL_LOANER_RESERVED = 1,   /* on the calendar, not yet handed out */
  PL_LOANER_HANDED_OUT = 2, /* with the customer */
  PL_LOANER_RETURNED = 3,   /* back: its reservation is released */
} pl_loaner_phase;

typedef struct pl_booking_info {
  char chain[PL_CODE_MAX];
  int64_t id; /* assigned by the engine, > 0, unique in the chain */
  char store[PL_CODE_MAX];
  pl_booking_state state;
  pl_channel channel;
  char customer[PL_NAME_MAX];
  char plate[PL_PLATE_MAX];
  char model[PL_NAME_MAX];
  int64_t mileage_km;
  int64_t start, end; /* UTC minutes */
  int32_t n_segments;
  pl_segment seg[PL_MAX_VISIT];
  int64_t expires_ms; /* held: when the hold lapses */
  int64_t created_ms, updated_ms;
  int64_t confirmed_ms; /* first left HELD for CONFIRMED or CHECKED_IN; 0:
                          not yet (rows before version 2: 0) */
  /* loaner car: in a hold, loaner_need (and loaner when NAMED); out, the
   * car reserved, its reservation's end (UTC minutes: the visit's end plus
   * PL_LOANER_RETURN_BUFFER_MIN) and where it is */
  pl_loaner_need loaner_need;
  char loaner[PL_CODE_MAX];
  int64_t loaner_until;
  pl_loaner_phase loaner_phase;
} pl_booking_info;

/* Holds a visit: in->store, channel, customer, plate, model, mileage and
 * seg[] (service, bay, techs, and seg[0].start; each segment's end and the
 * next one's start follow from the service durations). ttl_ms 0 means
 * PL_DEFAULT_HOLD_TTL_MS. Idempotent on idem_key: a retry returns the
 * booking it made. Returns PL_EINVAL (malformed: off-grid start, bad
 * counts), PL_ENOTFOUND (store, service, bay or technician), PL_EPRECOND
 * (wrong bay type, missing skill, outside opening hours or shifts, in the
 * past or beyond the horizon, or a bay or technician not free).
 *
 * With in->loaner_need ANY or NAMED, a loaner car is reserved in the same
 * step (same lock, same write) from the visit's start to its end plus
 * PL_LOANER_RETURN_BUFFER_MIN; that span must end by local midnight. If
 * no loaner (or not the named one) is free then, the hold fails
 * PL_EPRECOND naming `booking.loaner` and nothing is held (PL_ENOTFOUND
 * for a named loaner the store does not have). The reservation lives as
 * long as the booking occupies its bay: cancel, no-show, completion and
 * a lapsed hold release it; reschedule moves it (the same car if free,
 * else, for ANY and a car not yet handed out, another free one). */
PL_API int pl_booking_hold(pl_engine *e, const pl_booking_info *in,
                           int64_t ttl_ms, const char *idem_key,
                           const pl_write *w, pl_booking_info *out,
                           pl_error *err);

/* Moves a booking to `to` (CONFIRMED, CHECKED_IN, COMPLETED, CANCELLED,
 * NO_SHOW) along the diagram above. Repeating the transition that put it
 * in its state is a no-op returning PL_OK. PL_EPRECOND otherwise (e.g.
 * confirming an expired hold). */
PL_API int pl_booking_transition(pl_engine *e, const char *chain, int64_t id,
                                 pl_booking_state to, const pl_write *w,
                                 pl_booking_info *out, pl_error *err);

/* Moves a held or confirmed booking to new segments (same store, same
 * services in the same order) atomically: on any failure the old time is
 * kept. */
PL_API int pl_booking_reschedule(pl_engine *e, const char *chain, int64_t id,
                                 const pl_segment *seg, int n_seg,
                                 const pl_write *w, pl_booking_info *out,
                                 pl_error *err);

PL_API int pl_booking_get(pl_engine *e, const char *chain, int64_t id,
                          pl_booking_info *out, pl_error *err);

typedef struct pl_booking_filter {
  const char *chain;
  const char *store; /* with local_day */
  int32_t local_day; /* used with store */
  const char *customer;
  const char *plate;
} pl_booking_filter;

/* Bookings matching every given criterion (store+day, customer, plate: at
 * least one), by start time. Returns the total count, copies min(cap,
 * total). */
PL_API int pl_booking_list(pl_engine *e, const pl_booking_filter *f,
                           pl_booking_info *out, int cap, pl_error *err);

/* ---- loaner cars (代步车) ------------------------------------------------ */

typedef enum pl_loaner_state {
  PL_LOANER_AVAILABLE = 1,
  PL_LOANER_OUT = 2, /* handed out: with out_customer for out_booking */
  PL_LOANER_RETIRED = 3,
} pl_loaner_state;

typedef struct pl_loaner_info {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char plate[PL_PLATE_MAX];
  char model[PL_NAME_MAX];
  pl_loaner_state state;
  int64_t odometer_km;
  int32_t fuel_pct; /* 0..100 */
  /* the last hand-out (OUT: the current one) and return */
  int64_t out_booking;
  char out_customer[PL_NAME_MAX];
  int64_t out_km, out_ms;
  int32_t out_fuel_pct;
  int64_t returned_km, returned_ms;
  int32_t returned_fuel_pct;
  int64_t created_ms, updated_ms;
} pl_loaner_info;

/* Creates the store's loaner car in->code, or updates it: plate, model,
 * state (AVAILABLE or RETIRED; 0 keeps it, AVAILABLE on create),
 * odometer_km and fuel_pct. Repeating the same upsert is a no-op.
 * Returns PL_EINVAL (naming the field; state OUT cannot be set),
 * PL_ENOTFOUND (chain, store), PL_EEXIST (loaner.plate: another loaner of
 * the store has it), PL_EPRECOND (loaner.odometer_km below the current
 * reading; loaner.state: retiring or changing a car that is out, or
 * retiring one with a live reservation), PL_ELIMIT (a store's
 * PL_MAX_STORE_LOANERS). */
PL_API int pl_loaner_upsert(pl_engine *e, const pl_loaner_info *in,
                            const pl_write *w, pl_loaner_info *out,
                            pl_error *err);
PL_API int pl_loaner_get(pl_engine *e, const char *chain, const char *store,
                         const char *code, pl_loaner_info *out, pl_error *err);
/* The store's loaners by code; returns the total, copies min(cap, total). */
PL_API int pl_loaner_list(pl_engine *e, const char *chain, const char *store,
                          pl_loaner_info *out, int cap, pl_error *err);

/* Hands booking `id`'s reserved loaner to its customer, recording km and
 * fuel out and the time: the booking must be CONFIRMED or CHECKED_IN with
 * a reserved loaner that is AVAILABLE; km >= the car's odometer. A repeat
 * with the same figures is a no-op. Returns PL_EINVAL (km, fuel_pct),
 * PL_ENOTFOUND, PL_EPRECOND (naming booking, booking.loaner, loaner or
 * mileage_km). *out is the loaner after the change. */
PL_API int pl_loaner_hand_out(pl_engine *e, const char *chain, int64_t id,
                              int64_t km, int32_t fuel_pct, const pl_write *w,
                              pl_loaner_info *out, pl_error *err);
/* The hand-outs and returns of a car, oldest first (all of them are kept:
 * a few a day per car). */
typedef enum pl_loaner_event_kind {
  PL_LOANER_EVENT_HAND_OUT = 1,
  PL_LOANER_EVENT_RETURN = 2,
} pl_loaner_event_kind;

typedef struct pl_loaner_event {
  pl_loaner_event_kind kind;
  int64_t booking;
  char customer[PL_NAME_MAX];
  int64_t km;
  int32_t fuel_pct;
  int64_t at_ms;
} pl_loaner_event;

/* Events of loaner `code`; returns the total, copies the first
 * min(cap, total). PL_ENOTFOUND (chain, store, code). */
PL_API int pl_loaner_events(pl_engine *e, const char *chain, const char *store,
                            const char *code, pl_loaner_event *out, int cap,
                            pl_error *err);

/* Takes booking `id`'s loaner back (whatever the booking's state now):
 * km >= the km out (else PL_EPRECOND naming mileage_km); the odometer and
 * fuel follow; the car's reservation is released. A repeat with the same
 * figures is a no-op. */
PL_API int pl_loaner_return(pl_engine *e, const char *chain, int64_t id,
                            int64_t km, int32_t fuel_pct, const pl_write *w,
                            pl_loaner_info *out, pl_error *err);

/* ---- day board --------------------------------------------------------- */

#define PL_BOARD_MAX_FREE 48

typedef struct pl_board_row {
  char code[PL_CODE_MAX];
  int is_bay;
  int32_t available_min; /* opening hours or shift, less breaks, leave */
  int32_t booked_min;
  int32_t n_free;
  pl_utc_range free[PL_BOARD_MAX_FREE];
} pl_board_row;

/* One row per bay then per technician of the store for the local day: free
 * time and utilisation (booked / available). rows[cap]; returns the number
 * of rows (total; copies min(cap, total)). */
PL_API int pl_day_board(pl_engine *e, const char *chain, const char *store,
                        int32_t local_day, pl_board_row *rows, int cap,
                        pl_error *err);

/* A board row's utilisation in percent: booked_min * 100 /
 * available_min, rounded down; 0 when the row has no available time.
 * (Booked time outside the available time can make it exceed 100.) */
PL_API int32_t pl_board_utilisation_pct(const pl_board_row *row);

/* Local day number of a UTC minute in a store's offset. */
PL_API int32_t pl_local_day(int64_t utc_min, int32_t utc_offset_min);

#ifdef __cplusplus
}
#endif
#endif
