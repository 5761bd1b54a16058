/* customers.h — customers, who owns or drives which vehicle over time, a
 * vehicle's service history, follow-ups (回访) and complaints (投诉).
 * See pitlane.h for the conventions.
 *
 * Nothing here is kept beside the engine's own records: the history is an
 * index over the bookings, work orders, follow-ups and complaints as they
 * change (and as they are loaded at open), so it is always exact.
 *
 * Customers have ids (> 0, dense per chain); a phone number names at most
 * one customer of a chain. A vehicle (by VIN, registered in vehicles.h)
 * has links to customers, each OWNER or DRIVER over [from_day, to_day)
 * (to_day 0: still). A new owner ends the previous owner's link on its
 * from_day; the vehicle's history stays with the VIN.
 *
 * Follow-ups: every work order that becomes DELIVERED has one (id = the
 * order's id), due PL_FOLLOWUP_DUE_MS after delivery, assigned to the
 * order's advisor. Recording "reached" needs a satisfaction 1..5 and
 * closes it; "unreached" counts an attempt and moves the due time
 * PL_FOLLOWUP_RETRY_MS on, until PL_FOLLOWUP_ATTEMPTS attempts close it
 * as UNREACHED. contact_ok tells whether the vehicle's owner on the
 * delivery day agreed to be contacted (read at the time of asking).
 * Overdue: OPEN and due before now.
 *
 * Complaints: OPEN -> ACKNOWLEDGED -> RESOLVED -> CLOSED (with the
 * customer's rating 1..5); RESOLVED may go back to ACKNOWLEDGED (reopen).
 * Each has two clocks from its creation: first response (acknowledged)
 * due after response_min, resolution due after resolution_min (the
 * store's complaint policy, else the chain's, else 24 h and 72 h). A
 * deadline that passes unmet escalates the complaint to the policy's
 * manager once per clock (pl_complaints_sweep; lists show it at once).
 * Every step is kept with the complaint (time, actor, note). */
#ifndef PITLANE_CUSTOMERS_H
#define PITLANE_CUSTOMERS_H

#include "pitlane/admin.h"
#include "pitlane/inventory.h"
#include "pitlane/pitlane.h"
#include "pitlane/vehicles.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_PHONE_LEN_MAX 32
#define PL_CUST_TEXT_MAX 256
#define PL_FOLLOWUP_DUE_MS (24LL * 3600 * 1000)
#define PL_FOLLOWUP_RETRY_MS (4LL * 3600 * 1000)
#define PL_FOLLOWUP_ATTEMPTS 3
#define PL_COMPLAINT_RESPONSE_MIN (24 * 60)
#define PL_COMPLAINT_RESOLUTION_MIN (72 * 60)
#define PL_COMPLAINT_STEPS 16 /* the latest kept with the complaint */
#define PL_OWNER_LINKS_MAX 32 /* links one vehicle or customer may have */

/* ---- customers ---------------------------------------------------------- */

typedef enum pl_customer_kind {
  PL_CUSTOMER_PERSON = 1,
  PL_CUSTOMER_COMPANY = 2,
} pl_customer_kind;

typedef enum pl_customer_source {
  PL_SOURCE_DIRECT = 1,
  PL_SOURCE_FLEET = 2,   /* ref: the fleet's code */
  PL_SOURCE_INSURER = 3, /* ref: the insurer's code */
} pl_customer_source;

typedef enum pl_contact_channel {
  PL_CONTACT_PHONE = 1,
  PL_CONTACT_SMS = 2,
  PL_CONTACT_WECHAT = 3,
  PL_CONTACT_EMAIL = 4,
} pl_contact_channel;

typedef struct pl_customer {
  char chain[PL_CODE_MAX];
  int64_t id; /* 0 on input: a new customer */
  pl_customer_kind kind;
  pl_customer_source source;
  char ref[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  char phone[PL_PHONE_LEN_MAX]; /* digits, optional leading '+' */
  char email[PL_NAME_MAX];
  char wechat[PL_NAME_MAX];
  pl_contact_channel preferred;
  int32_t consent;           /* may be contacted (follow-ups, reminders) */
  int32_t consent_marketing; /* may get offers */
  int64_t created_ms, updated_ms;
} pl_customer;

/* Creates (id 0; idempotent on idem) or updates (id given) a customer.
 * PL_EINVAL naming the field, PL_ENOTFOUND (chain, id), PL_EEXIST (the
 * phone belongs to another customer). */
PL_API int pl_customer_put(pl_engine *e, const pl_customer *in,
                           const char *idem, const pl_write *w,
                           pl_customer *out, pl_error *err);
PL_API int pl_customer_get(pl_engine *e, const char *chain, int64_t id,
                           pl_customer *out, pl_error *err);
/* By phone number (exact). */
PL_API int pl_customer_find(pl_engine *e, const char *chain, const char *phone,
                            pl_customer *out, pl_error *err);
/* Customers with id > after_id whose name or phone contains `text` (NULL
 * or "": all), by id; copies up to cap, returns how many. */
PL_API int pl_customer_list(pl_engine *e, const char *chain, const char *text,
                            int64_t after_id, pl_customer *out, int cap,
                            pl_error *err);

/* ---- ownership ---------------------------------------------------------- */

typedef enum pl_owner_role {
  PL_ROLE_OWNER = 1,
  PL_ROLE_DRIVER = 2,
} pl_owner_role;

typedef struct pl_ownership {
  int64_t customer_id;
  char vin[PL_VEH_VIN_MAX];
  pl_owner_role role;
  int32_t from_day; /* local days (vehicles.h) */
  int32_t to_day;   /* 0: current */
} pl_ownership;

/* Links a registered vehicle to a customer from from_day (< 0: today).
 * A new OWNER ends the current owner's link at from_day (which must not
 * be before that link's from_day: PL_EPRECOND naming from_day). Linking
 * the current owner or an active driver again is a no-op. PL_ENOTFOUND
 * (customer, vin), PL_ELIMIT (PL_OWNER_LINKS_MAX). */
PL_API int pl_vehicle_link(pl_engine *e, const char *chain, const char *vin,
                           int64_t customer_id, pl_owner_role role,
                           int32_t from_day, const pl_write *w, pl_error *err);
/* Ends the customer's active link(s) to the vehicle on to_day (< 0: today).
 * PL_ENOTFOUND when there is none. */
PL_API int pl_vehicle_unlink(pl_engine *e, const char *chain, const char *vin,
                             int64_t customer_id, int32_t to_day,
                             const pl_write *w, pl_error *err);
/* A vehicle's links, newest first (returns the total, copies min(cap,
 * total)); and a customer's. */
PL_API int pl_vehicle_owners(pl_engine *e, const char *chain, const char *vin,
                             pl_ownership *out, int cap, pl_error *err);
PL_API int pl_customer_vehicles(pl_engine *e, const char *chain,
                                int64_t customer_id, pl_ownership *out, int cap,
                                pl_error *err);
/* The vehicle's owner on `day` (0 if none). */
PL_API int64_t pl_vehicle_owner_on(pl_engine *e, const char *chain,
                                   const char *vin, int32_t day);

/* ---- service history ---------------------------------------------------- */

typedef enum pl_history_kind {
  PL_HIST_BOOKING = 1,    /* a booking without a work order (yet) */
  PL_HIST_WORK_ORDER = 2, /* a visit: the order, its services and parts */
  PL_HIST_FOLLOWUP = 3,
  PL_HIST_COMPLAINT = 4,
} pl_history_kind;

#define PL_HIST_SERVICES 4
#define PL_HIST_PARTS 4

typedef struct pl_history_part {
  char part_no[PL_CODE_MAX];
  int64_t qty;
  uint64_t lot; /* the first lot issued, 0: not issued yet */
} pl_history_part;

typedef struct pl_history_entry {
  pl_history_kind kind;
  int64_t id; /* booking, work order, follow-up (= order) or complaint */
  char store[PL_CODE_MAX];
  int64_t at_ms;  /* booking: its start; order and complaint: creation;
                     follow-up: done, else due */
  int32_t state;  /* the record's own state enum */
  int64_t ref_id; /* order: its booking; follow-up/complaint: its order */
  int64_t mileage_km;
  int64_t total_fen; /* order: labour + parts */
  int32_t score;     /* follow-up satisfaction, complaint rating (0: none) */
  int32_t n_services;
  char services[PL_HIST_SERVICES][PL_CODE_MAX];
  int32_t n_parts;
  pl_history_part parts[PL_HIST_PARTS];
} pl_history_entry;

/* The position after which a page starts: entries are ordered by at_ms
 * descending, then kind, then id descending. All zero: from the newest. */
typedef struct pl_history_cursor {
  int64_t at_ms;
  int32_t kind;
  int64_t id;
} pl_history_cursor;

/* A vehicle's history across every store of its chain, newest first:
 * copies up to cap entries after `after` (NULL: from the newest) and
 * returns how many; *more (may be NULL) tells whether entries remain.
 * Bookings count once their plate is known for the VIN (a registered
 * vehicle or a work order). PL_EINVAL (vin), PL_ENOTFOUND (chain). An
 * unknown VIN has an empty history. */
PL_API int pl_vehicle_history(pl_engine *e, const char *chain, const char *vin,
                              const pl_history_cursor *after,
                              pl_history_entry *out, int cap, int *more,
                              pl_error *err);

/* ---- follow-ups --------------------------------------------------------- */

typedef enum pl_followup_state {
  PL_FOLLOWUP_OPEN = 1,
  PL_FOLLOWUP_DONE = 2,
  PL_FOLLOWUP_UNREACHED = 3, /* gave up after PL_FOLLOWUP_ATTEMPTS */
} pl_followup_state;

typedef struct pl_followup {
  char chain[PL_CODE_MAX];
  int64_t id; /* the work order's id */
  char store[PL_CODE_MAX];
  char advisor[PL_ACTOR_MAX];
  char vin[PL_VEH_VIN_MAX];
  char plate[PL_PLATE_MAX];
  int64_t customer_id; /* the owner on the delivery day, 0: unknown */
  int32_t contact_ok;  /* no owner known, or the owner consents */
  int64_t delivered_ms, due_ms;
  pl_followup_state state;
  int32_t attempts;
  int32_t satisfaction; /* 1..5 once DONE */
  char comment[PL_CUST_TEXT_MAX];
  char done_by[PL_ACTOR_MAX];
  int64_t done_ms;
} pl_followup;

/* Records a call: reached (satisfaction 1..5, comment) or not (a retry).
 * OPEN only (PL_EPRECOND otherwise). Idempotent on idem. */
PL_API int pl_followup_record(pl_engine *e, const char *chain, int64_t id,
                              int reached, int32_t satisfaction,
                              const char *comment, const char *actor,
                              const char *idem, const pl_write *w,
                              pl_followup *out, pl_error *err);
PL_API int pl_followup_get(pl_engine *e, const char *chain, int64_t id,
                           pl_followup *out, pl_error *err);

typedef struct pl_followup_filter {
  const char *chain;
  const char *store;       /* NULL/"": all */
  const char *advisor;     /* NULL/"": all */
  pl_followup_state state; /* 0: all */
  int overdue;             /* only OPEN ones due before now */
  int64_t after_id;
} pl_followup_filter;

/* Matching follow-ups with id > after_id, by id; returns how many copied. */
PL_API int pl_followup_list(pl_engine *e, const pl_followup_filter *f,
                            pl_followup *out, int cap, pl_error *err);

/* ---- complaints --------------------------------------------------------- */

typedef enum pl_complaint_state {
  PL_COMPLAINT_OPEN = 1,
  PL_COMPLAINT_ACKNOWLEDGED = 2,
  PL_COMPLAINT_RESOLVED = 3,
  PL_COMPLAINT_CLOSED = 4,
} pl_complaint_state;

typedef enum pl_complaint_channel {
  PL_COMPLAINT_BY_PHONE = 1,
  PL_COMPLAINT_BY_APP = 2,
  PL_COMPLAINT_BY_WECHAT = 3,
  PL_COMPLAINT_IN_STORE = 4,
  PL_COMPLAINT_BY_INSURER = 5,
  PL_COMPLAINT_BY_FOLLOWUP = 6,
} pl_complaint_channel;

typedef enum pl_complaint_category {
  PL_COMPLAINT_QUALITY = 1, /* the repair did not fix it */
  PL_COMPLAINT_SERVICE = 2, /* attitude, communication */
  PL_COMPLAINT_PRICE = 3,
  PL_COMPLAINT_WAITING = 4, /* late, slow */
  PL_COMPLAINT_PARTS = 5,
  PL_COMPLAINT_OTHER = 6,
} pl_complaint_category;

typedef enum pl_complaint_step_kind {
  PL_CSTEP_CREATED = 1,
  PL_CSTEP_ACKNOWLEDGED = 2,
  PL_CSTEP_RESOLVED = 3,
  PL_CSTEP_CLOSED = 4,
  PL_CSTEP_REOPENED = 5,
  PL_CSTEP_ESCALATED_RESPONSE = 6,   /* the first-response deadline passed */
  PL_CSTEP_ESCALATED_RESOLUTION = 7, /* the resolution deadline passed */
} pl_complaint_step_kind;

typedef struct pl_complaint_step {
  pl_complaint_step_kind kind;
  int64_t at_ms;
  char actor[PL_ACTOR_MAX];
  char note[PL_NAME_MAX];
} pl_complaint_step;

#define PL_ESCALATED_RESPONSE 1
#define PL_ESCALATED_RESOLUTION 2

typedef struct pl_complaint {
  char chain[PL_CODE_MAX];
  int64_t id;
  char store[PL_CODE_MAX];
  int64_t customer_id; /* 0: not a known customer */
  char vin[PL_VEH_VIN_MAX];
  int64_t wo_id;              /* 0: none */
  char advisor[PL_ACTOR_MAX]; /* the order's advisor (read-only; "": none) */
  pl_complaint_channel channel;
  pl_complaint_category category;
  int32_t severity; /* 1 (low) .. 3 (high) */
  char text[PL_CUST_TEXT_MAX];
  pl_complaint_state state;
  int64_t created_ms, response_due_ms, resolution_due_ms;
  int64_t acknowledged_ms, resolved_ms, closed_ms; /* first time; 0: not */
  int32_t rating;                                  /* 1..5 when closed */
  int32_t escalated;                               /* PL_ESCALATED_* bits */
  char escalated_to[PL_ACTOR_MAX];
  int32_t n_steps; /* total steps; the latest PL_COMPLAINT_STEPS kept */
  pl_complaint_step steps[PL_COMPLAINT_STEPS];
} pl_complaint;

typedef struct pl_complaint_policy {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX]; /* "": the chain's default */
  int32_t response_min;    /* 1..30 days in minutes */
  int32_t resolution_min;  /* >= response_min */
  char manager[PL_ACTOR_MAX];
} pl_complaint_policy;

PL_API int pl_complaint_policy_set(pl_engine *e, const pl_complaint_policy *p,
                                   const pl_write *w, pl_error *err);
/* The policy that applies to a store (its own, the chain's, the default). */
PL_API int pl_complaint_policy_get(pl_engine *e, const char *chain,
                                   const char *store, pl_complaint_policy *out,
                                   pl_error *err);

/* Opens a complaint (store, channel, category, severity, text; customer,
 * vin and order optional but must exist if given). Idempotent on idem. */
PL_API int pl_complaint_open(pl_engine *e, const pl_complaint *in,
                             const char *actor, const char *idem,
                             const pl_write *w, pl_complaint *out,
                             pl_error *err);

typedef enum pl_complaint_action {
  PL_COMPLAINT_ACKNOWLEDGE = 1, /* OPEN -> ACKNOWLEDGED */
  PL_COMPLAINT_RESOLVE = 2,     /* ACKNOWLEDGED -> RESOLVED */
  PL_COMPLAINT_CLOSE = 3,       /* RESOLVED -> CLOSED, rating 1..5 */
  PL_COMPLAINT_REOPEN = 4,      /* RESOLVED -> ACKNOWLEDGED */
} pl_complaint_action;

/* One step; repeating the step that led to the current state is PL_OK. */
PL_API int pl_complaint_act(pl_engine *e, const char *chain, int64_t id,
                            pl_complaint_action action, int32_t rating,
                            const char *actor, const char *note,
                            const pl_write *w, pl_complaint *out,
                            pl_error *err);
PL_API int pl_complaint_get(pl_engine *e, const char *chain, int64_t id,
                            pl_complaint *out, pl_error *err);

typedef struct pl_complaint_filter {
  const char *chain;
  const char *store;        /* NULL/"": all */
  pl_complaint_state state; /* 0: all */
  int overdue;              /* a clock has passed unmet */
  const char *vin;          /* NULL/"": all */
  int64_t after_id;
} pl_complaint_filter;

PL_API int pl_complaint_list(pl_engine *e, const pl_complaint_filter *f,
                             pl_complaint *out, int cap, pl_error *err);

/* Escalates every complaint of the chain (NULL: every chain) whose clock
 * has passed unmet and is not yet escalated for it: an ESCALATED step to
 * the policy's manager, persisted. Returns how many steps it wrote. */
PL_API int pl_complaints_sweep(pl_engine *e, const char *chain, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
