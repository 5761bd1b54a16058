/* kpi.h — the managers' numbers (KPIs) per store, chain, advisor and
 * technician over a range of local days, with a time series for charts.
 * See pitlane.h for the conventions.
 *
 * The engine keeps integer counters per (store, local day) and per (actor,
 * day), with monthly partial sums, updated as bookings, work orders,
 * follow-ups, complaints and stock movements change (and rebuilt from
 * them at open), so a report sums at most ~2 months of days plus one cell
 * per month: it never rescans the records. A local day is the store's
 * (scheduling.h: floor((utc_minute + offset) / 1440)); a distribution
 * centre (a warehouse of no store) counts in the chain only, on UTC days.
 *
 * Definitions (numerator / denominator; the day each record counts on):
 *  BOOKING_RESPONSE   minutes from a booking's creation to its
 *                     confirmation (first HELD -> CONFIRMED or CHECKED_IN)
 *                     summed / bookings confirmed; day of creation. Value:
 *                     the mean in minutes. Target <= 10 (domain: people
 *                     answer a booking within 10 minutes).
 *  ON_TIME_START      orders made from a booking and started (pl_wo_start)
 *                     no later than 15 minutes after the booking's start /
 *                     such orders started; day of the start.
 *  TECH_UTILISATION   labour minutes of DONE labour items of COMPLETED or
 *                     DELIVERED orders (each of the order's technicians is
 *                     credited the full minutes: a multi-technician job
 *                     takes each of them) / the technicians' available
 *                     minutes (exactly the day board's available_min:
 *                     hours, shifts, breaks, leave, closures, computed at
 *                     report time from the calendars); day of the QC pass.
 *  TECH_BALANCE       min / max of the technicians' utilisations (those
 *                     with available time) in the scope (store: its
 *                     technicians; chain: all). numerator = min labour x
 *                     max available, denominator = min available x max
 *                     labour: 0/0 when nobody had available time or did
 *                     labour. Target >= 0.90 (domain: balance >= 90 %).
 *  BAY_OCCUPANCY      booked bay minutes (segments of bookings CONFIRMED,
 *                     CHECKED_IN or COMPLETED) / the bays' available
 *                     minutes (day board); day of the segment.
 *  REPAIR_TIME        minutes from start to the QC pass summed / orders
 *                     passed QC; day of the pass. Value: mean minutes. The
 *                     report breaks it down by labour service (an order
 *                     counts once for each distinct labour service done).
 *  FIRST_TIME_FIX     DELIVERED orders whose only QC passed (no failed QC)
 *                     / DELIVERED orders; day of delivery.
 *  FOLLOWUP_COMPLETION follow-ups DONE / follow-ups; day of the first due
 *                     time (delivery + PL_FOLLOWUP_DUE_MS).
 *  SATISFACTION       follow-ups DONE with satisfaction >= 4 / DONE; day
 *                     of done_ms. Target >= 0.95.
 *  COMPLAINT_RATE     complaints opened / orders DELIVERED; days of
 *                     creation and delivery. Target <= 0.01.
 *  COMPLAINT_ON_TIME  complaints resolved by resolution_due_ms / resolved
 *                     (resolved_ms set); day of resolution.
 *  ORDER_COMPLETION   orders DELIVERED / orders closed (DELIVERED or
 *                     CANCELLED); day of creation: open orders count once
 *                     they close. Target >= 0.99.
 *  STOCK_TURNOVER     value issued (ISSUE + SALE, at lot cost, fen) / mean
 *                     stock value at cost over the range's days (each
 *                     day's closing value, the running sum of every
 *                     movement's value since the first). Not annualised.
 *  STOCKTAKE_ERROR    counted lines with a variance (STOCKTAKE_GAIN/LOSS
 *                     movements) / lines counted (stocktakes closed);
 *                     day of the movement / of the close. Target <= 0.02.
 * Advisor scope (the order's, its follow-up's and its complaints' advisor):
 * ON_TIME_START, REPAIR_TIME, FIRST_TIME_FIX, ORDER_COMPLETION,
 * FOLLOWUP_COMPLETION, SATISFACTION, COMPLAINT_RATE, COMPLAINT_ON_TIME.
 * Technician scope (the order's technicians): ON_TIME_START,
 * TECH_UTILISATION, REPAIR_TIME, FIRST_TIME_FIX, ORDER_COMPLETION. Other
 * KPIs of those scopes have denominator 0.
 * Empty samples: a denominator of 0 is "no data" (whatever the numerator,
 * e.g. complaints with no delivery): value 0 and met 0, never a target
 * met or missed; a point likewise. A sample of one is a value like any
 * other (one technician: balance 1 if they did labour). */
#ifndef PITLANE_KPI_H
#define PITLANE_KPI_H

#include "pitlane/admin.h"
#include "pitlane/inventory.h"
#include "pitlane/pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_KPI_MAX_DAYS 366    /* days one report may cover */
#define PL_KPI_POINTS_MAX 366  /* series points (day granularity) */
#define PL_KPI_SERVICES_MAX 32 /* services in the repair-time breakdown */
#define PL_KPI_NAME_MAX 32
#define PL_KPI_ON_TIME_MS (15LL * 60 * 1000)

typedef enum pl_kpi_id {
  PL_KPI_BOOKING_RESPONSE = 1,
  PL_KPI_ON_TIME_START = 2,
  PL_KPI_TECH_UTILISATION = 3,
  PL_KPI_TECH_BALANCE = 4,
  PL_KPI_BAY_OCCUPANCY = 5,
  PL_KPI_REPAIR_TIME = 6,
  PL_KPI_FIRST_TIME_FIX = 7,
  PL_KPI_FOLLOWUP_COMPLETION = 8,
  PL_KPI_SATISFACTION = 9,
  PL_KPI_COMPLAINT_RATE = 10,
  PL_KPI_COMPLAINT_ON_TIME = 11,
  PL_KPI_ORDER_COMPLETION = 12,
  PL_KPI_STOCK_TURNOVER = 13,
  PL_KPI_STOCKTAKE_ERROR = 14,
} pl_kpi_id;
#define PL_KPI_COUNT 14

typedef enum pl_kpi_granularity {
  PL_KPI_DAY = 1,
  PL_KPI_WEEK = 2,  /* Monday to Sunday */
  PL_KPI_MONTH = 3, /* calendar months */
} pl_kpi_granularity;

typedef struct pl_kpi_query {
  const char *chain;
  const char *store;        /* NULL/"": the chain (or the technician's) */
  const char *advisor;      /* an advisor's orders and follow-ups (no store) */
  const char *technician;   /* a technician of `store` */
  int32_t from_day, to_day; /* local days, inclusive, at most 366 */
  pl_kpi_granularity granularity; /* 0: DAY */
} pl_kpi_query;

/* One value: numerator / denominator (denominator 0: no data). */
typedef struct pl_kpi_point {
  int32_t day; /* the bucket's first day (clipped to from_day) */
  int64_t numerator, denominator;
  double value; /* 0 when denominator is 0 */
} pl_kpi_point;

typedef struct pl_kpi {
  pl_kpi_id id;
  char name[PL_KPI_NAME_MAX]; /* "booking_response", ... */
  int64_t numerator, denominator;
  double value; /* ratio; BOOKING_RESPONSE, REPAIR_TIME: minutes */
  int32_t has_target;
  int32_t higher_is_better;
  double target;
  int32_t met; /* has_target, denominator != 0 and value meets target:
                  0 for no data, which is neither met nor missed */
  int32_t n_points;
  pl_kpi_point points[PL_KPI_POINTS_MAX];
} pl_kpi;

typedef struct pl_kpi_service {
  char service[PL_CODE_MAX];
  int64_t orders, minutes; /* mean = minutes / orders */
} pl_kpi_service;

/* ~190 KB: allocate it, do not put it on a small stack. */
typedef struct pl_kpi_report {
  int32_t from_day, to_day;
  pl_kpi_granularity granularity;
  pl_kpi kpis[PL_KPI_COUNT]; /* by id - 1 */
  int32_t n_services;        /* most orders first */
  pl_kpi_service services[PL_KPI_SERVICES_MAX];
} pl_kpi_report;

/* Fills *out. PL_EINVAL naming the field (from_day > to_day, more than
 * PL_KPI_MAX_DAYS, granularity, technician without store, advisor with
 * store or technician), PL_ENOTFOUND (chain, store, technician),
 * PL_ENOMEM. An advisor with no records has empty KPIs. */
PL_API int pl_kpi_report_get(pl_engine *e, const pl_kpi_query *q,
                             pl_kpi_report *out, pl_error *err);

/* The KPI's name ("on_time_start"); "" for an unknown id. */
PL_API const char *pl_kpi_name(pl_kpi_id id);

#ifdef __cplusplus
}
#endif
#endif
