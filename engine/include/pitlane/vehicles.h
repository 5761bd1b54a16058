/* vehicles.h — the vehicle registry (VIN identity, plate, model, purchase
 * date, mileage readings, service plan, home store) and service
 * reminders. See pitlane.h for the conventions.
 *
 * Days are local day numbers of the vehicle's home store (days since
 * 1970-01-01 in the store's UTC offset, as scheduling.h's pl_local_day).
 *
 * When a vehicle is due (recomputed whenever its readings or services
 * change, kept in a per-store index by due day):
 *  - the base is the last recorded service (day, km), or else the
 *    purchase (purchase_day, 0 km);
 *  - the interval is 3 months / 5,000 km after purchase (the first
 *    service), then the plan's plan_months / plan_km (defaults 12 months /
 *    10,000 km);
 *  - by date: base day + months (calendar months; the 31st of a shorter
 *    month is its last day);
 *  - by mileage: the daily distance is estimated from the oldest and the
 *    newest point of (the base, the kept readings after it), in metres per
 *    day, rounded down; the day the target km is reached is the newest
 *    reading's day + ceil((target - newest km) / rate); no rate (one
 *    point, or no distance) means no mileage date;
 *  - due day = the earlier of the two, but never before the day the
 *    engine last learned something about the vehicle (registration, a
 *    reading, a service): a car found overdue is due the day we find out.
 */
#ifndef PITLANE_VEHICLES_H
#define PITLANE_VEHICLES_H

#include "pitlane/scheduling.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_VIN_LEN 17
#define PL_VEH_VIN_MAX 18 /* 17 characters + NUL */
#define PL_VEH_READINGS 4 /* newest readings kept with the vehicle */
#define PL_FIRST_SERVICE_MONTHS 3
#define PL_FIRST_SERVICE_KM 5000
#define PL_DEFAULT_PLAN_MONTHS 12
#define PL_DEFAULT_PLAN_KM 10000
#define PL_REMINDER_MAX_DAYS 31

typedef struct pl_mileage_reading {
  int32_t day;
  int32_t km;
} pl_mileage_reading;

typedef enum pl_due_reason {
  PL_DUE_DATE = 1,
  PL_DUE_MILEAGE = 2,
} pl_due_reason;

typedef struct pl_vehicle_info {
  char chain[PL_CODE_MAX];
  char vin[PL_VEH_VIN_MAX]; /* 17 of [A-HJ-NPR-Z0-9] */
  char plate[PL_PLATE_MAX];
  char model[PL_NAME_MAX];
  char owner[PL_NAME_MAX];
  char store[PL_CODE_MAX]; /* home store */
  int32_t purchase_day;
  int32_t plan_months;             /* 0: PL_DEFAULT_PLAN_MONTHS */
  int32_t plan_km;                 /* 0: PL_DEFAULT_PLAN_KM */
  char service[PL_CODE_MAX];       /* catalogue service to book; "": MAINT */
  char first_service[PL_CODE_MAX]; /* for the first one; "": FIRST */
  /* factory warranty from purchase_day: it runs while the day is on or
   * before purchase_day + warranty_months (pl_day_add_months) and the
   * odometer is at most warranty_km; either 0: no factory warranty */
  int32_t warranty_months; /* 0..240 */
  int32_t warranty_km;     /* 0..2,000,000 */
  /* read-only below */
  int32_t n_readings; /* newest last */
  pl_mileage_reading readings[PL_VEH_READINGS];
  int32_t n_services;
  int32_t last_service_day, last_service_km; /* n_services > 0 */
  int32_t known_day; /* registration, latest reading or service */
  int32_t due_day;
  pl_due_reason due_reason;
  int32_t due_km;        /* the km target of the next service */
  int32_t m_per_day;     /* estimated, 0: unknown */
  int32_t est_km_on_due; /* estimated odometer on the due day */
  int first_service_due; /* the next one is the first service */
} pl_vehicle_info;

/* Registers a vehicle (or updates plate, model, owner, store, plan,
 * services of one already registered under the VIN; purchase_day
 * cannot change: PL_EPRECOND). `mileage_km` > 0 adds a reading today.
 * PL_EINVAL naming the field, PL_ENOTFOUND (chain, store). */
PL_API int pl_vehicle_register(pl_engine *e, const pl_vehicle_info *in,
                               int32_t mileage_km, const pl_write *w,
                               pl_vehicle_info *out, pl_error *err);

/* Adds an odometer reading on `day` (< 0: today in the home store).
 * Readings never go down: km below an earlier reading's, or above a later
 * one's, is PL_EPRECOND naming mileage_km. */
PL_API int pl_vehicle_mileage(pl_engine *e, const char *chain, const char *vin,
                              int32_t day, int32_t km, const pl_write *w,
                              pl_vehicle_info *out, pl_error *err);

/* Records a service done on `day` (< 0: today) at `km` (0: the newest
 * reading's km): it becomes the base of the next due date. */
PL_API int pl_vehicle_service(pl_engine *e, const char *chain, const char *vin,
                              int32_t day, int32_t km, const pl_write *w,
                              pl_vehicle_info *out, pl_error *err);

PL_API int pl_vehicle_get(pl_engine *e, const char *chain, const char *vin,
                          pl_vehicle_info *out, pl_error *err);

typedef struct pl_reminder {
  pl_vehicle_info v;
  /* with hold: the booking held for it (0: none could be held, reason in
   * hold_error) and its start (UTC minutes) */
  int64_t booking_id;
  int64_t slot_start_min, slot_end_min;
  char hold_error[PL_ERRMSG_MAX];
} pl_reminder;

typedef struct pl_reminder_query {
  const char *chain;
  const char *store;
  int32_t day;         /* local day */
  int32_t days;        /* 1..PL_REMINDER_MAX_DAYS; 0: 1 */
  int hold;            /* hold a recommended slot for each (see below) */
  int64_t hold_ttl_ms; /* 0: 24 h */
} pl_reminder_query;

/* Vehicles of the store due on day .. day+days-1 (an index lookup per
 * day), by due day then VIN. Returns the total; copies min(cap, total).
 * With hold, each copied reminder gets the earliest recommended slot for
 * its service on or after its due day (within 7 days) held at the store,
 * idempotent per (VIN, due day): asking again returns the same booking.
 * With a pl_write, it fires once every hold is durable. */
PL_API int pl_due_reminders(pl_engine *e, const pl_reminder_query *q,
                            pl_reminder *out, int cap, const pl_write *w,
                            pl_error *err);

/* The date n months after day (clamped to the month's end), as the
 * reminders compute it; exported for tests. */
PL_API int32_t pl_day_add_months(int32_t day, int32_t months);

#ifdef __cplusplus
}
#endif
#endif
