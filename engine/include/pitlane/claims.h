/* claims.h — insurers' claims and fleets' batches (Claims service).
 *
 * A claim is an insurer's damage assessment for one vehicle at one store
 * of a chain. pl_claim_submit turns it, in one call, into the work order
 * (its items, parts reserved as stock allows) and, when a service is
 * named, a held booking (hold) or recommended slots; nothing is entered
 * twice. It is idempotent on (insurer, claim_no) within the chain: a
 * repeat returns the first answer (replayed = 1), also after a crash in
 * the middle (each step is keyed by the claim). A fleet batch schedules
 * many vehicles' services at once, each job on its own: the best slot
 * (held when asked), or why there is none. */
#ifndef PITLANE_CLAIMS_H
#define PITLANE_CLAIMS_H

#include "pitlane/workorders.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_CLAIM_OPTIONS 3
#define PL_FLEET_MAX_JOBS 500
#define PL_CLAIM_DEFAULT_TTL_MS ((int64_t)30 * 60 * 1000)

typedef struct pl_claim_req {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  char insurer[PL_CODE_MAX];
  char claim_no[PL_CODE_MAX];
  char policy_no[PL_CODE_MAX];
  pl_vehicle vehicle;
  char damage[PL_WO_TEXT_MAX];
  int32_t n_items;
  pl_wo_item_in items[PL_WO_MAX_ITEMS];
  char service[PL_CODE_MAX]; /* "" = no booking */
  int64_t earliest, latest;  /* UTC minutes; 0 = now / + 14 days; a
                                given latest must be after earliest */
  int32_t hold;
  int64_t hold_ttl_ms; /* 0 = PL_CLAIM_DEFAULT_TTL_MS */
  int64_t estimate_fen;
} pl_claim_req;

typedef struct pl_claim {
  char chain[PL_CODE_MAX];
  char insurer[PL_CODE_MAX];
  char claim_no[PL_CODE_MAX];
  char policy_no[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  int64_t wo_id;
  int64_t booking_id; /* 0: none held */
  int64_t estimate_fen, quoted_fen;
  int64_t created_ms;
  int32_t replayed;
  int32_t n_options; /* submit without hold: the recommended slots */
  pl_slot_option options[PL_CLAIM_OPTIONS];
} pl_claim;

/* Returns PL_OK with *out, or PL_EINVAL (a bad field, named),
 * PL_ENOTFOUND (store, service, part...), PL_EUNAVAIL, PL_ENOMEM; with a
 * NULL w, PL_EIO. A slot that cannot be found is not an error: the claim
 * has no booking and no options. */
PL_API int pl_claim_submit(pl_engine *e, const pl_claim_req *in,
                           const pl_write *w, pl_claim *out, pl_error *err);

PL_API int pl_claim_get(pl_engine *e, const char *chain, const char *insurer,
                        const char *claim_no, pl_claim *out, pl_error *err);

/* The insurer's claims ("" = all insurers) with claim_no > after (""),
 * by claim_no; copies up to cap, returns how many. */
PL_API int pl_claim_list(pl_engine *e, const char *chain, const char *insurer,
                         const char *after, pl_claim *out, int cap,
                         pl_error *err);

typedef struct pl_fleet_job {
  pl_vehicle vehicle;
  char store[PL_CODE_MAX]; /* "" = any of the batch's stores */
  int32_t n_services;
  char services[PL_MAX_VISIT][PL_CODE_MAX];
  int64_t earliest; /* 0 = the batch's */
} pl_fleet_job;

typedef struct pl_fleet_batch {
  char chain[PL_CODE_MAX];
  char fleet[PL_CODE_MAX];
  int32_t n_stores;
  char stores[PL_MAX_QUERY_STORES][PL_CODE_MAX];
  int32_t n_jobs;
  const pl_fleet_job *jobs;
  int64_t earliest, latest; /* 0 = now / + 14 days; a given latest must be
                               after earliest and every job's earliest */
  int32_t hold;
  int64_t hold_ttl_ms;
  char idem[PL_IDEM_MAX]; /* per job: idem "." index */
} pl_fleet_batch;

typedef struct pl_fleet_result {
  int32_t scheduled;
  pl_booking_info booking; /* held */
  pl_slot_option option;   /* the slot (held or recommended) */
  char error[PL_ERRMSG_MAX];
} pl_fleet_result;

/* Schedules the jobs in order (each sees the slots earlier ones took);
 * results[n_jobs]. Returns the number scheduled, or a negative PL_E* for
 * a malformed batch (nothing scheduled). */
PL_API int pl_fleet_schedule(pl_engine *e, const pl_fleet_batch *in,
                             const pl_write *w, pl_fleet_result *results,
                             pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
