/* admin.h — the chain's structure: chains, stores, warehouses, bays,
 * technicians, parts. See pitlane.h for the conventions.
 *
 * Codes are 1..PL_CODE_MAX-1 bytes of [A-Za-z0-9._-]; names are valid UTF-8
 * of at most PL_NAME_MAX-1 bytes. A code is unique within its scope: chains
 * globally; stores, warehouses and parts within a chain; bays and
 * technicians within a store.
 *
 * Creates are idempotent on `idem_key` (optional, may be NULL or ""): a
 * create whose record already exists returns PL_OK with the stored record
 * when it carries the same key, PL_EEXIST otherwise.
 */
#ifndef PITLANE_ADMIN_H
#define PITLANE_ADMIN_H

#include <stdbool.h>

#include "pitlane/pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_CODE_MAX 32
#define PL_NAME_MAX 96
#define PL_IDEM_MAX 64
#define PL_MAX_SKILLS 8

typedef enum pl_bay_type {
  PL_BAY_GENERAL_LIFT = 1,
  PL_BAY_ALIGNMENT = 2,
  PL_BAY_PAINT_BOOTH = 3,
  PL_BAY_WASH = 4,
  PL_BAY_DIAGNOSTICS = 5,
  PL_BAY_EV_HIGH_VOLTAGE = 6,
} pl_bay_type;
#define PL_BAY_TYPE_MAX 6

typedef enum pl_skill {
  PL_SKILL_ENGINE = 1,
  PL_SKILL_ELECTRICAL = 2,
  PL_SKILL_BODY_PAINT = 3,
  PL_SKILL_TYRES = 4,
  PL_SKILL_EV_HIGH_VOLTAGE = 5,
  PL_SKILL_DIAGNOSIS = 6,
} pl_skill;
#define PL_SKILL_MAX 6
#define PL_SKILL_LEVEL_MAX 5

typedef struct pl_chain_info {
  char code[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  int64_t created_ms;
  /* counts, filled by pl_chain_get */
  int32_t stores, warehouses, bays, technicians, parts;
  /* A sandbox chain (set at create, never changed) has a test clock: the
   * engine's clock plus clock_offset_ms (>= 0, only ever advanced, by
   * pl_chain_advance_clock). Ordinary chains: false, 0. */
  bool sandbox;
  int64_t clock_offset_ms;
} pl_chain_info;

typedef struct pl_store_info {
  char chain[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  int32_t utc_offset_min; /* -720..840 */
  int32_t lat_e6;         /* -90e6..90e6 */
  int32_t lng_e6;         /* -180e6..180e6 */
  int64_t created_ms;
} pl_store_info;

typedef struct pl_warehouse_info {
  char chain[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char store[PL_CODE_MAX]; /* "" for a distribution centre */
  char name[PL_NAME_MAX];
} pl_warehouse_info;

typedef struct pl_bay_info {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  pl_bay_type type;
} pl_bay_info;

typedef struct pl_skill_level {
  pl_skill skill;
  int32_t level; /* 1..PL_SKILL_LEVEL_MAX */
} pl_skill_level;

typedef struct pl_technician_info {
  char chain[PL_CODE_MAX];
  char store[PL_CODE_MAX];
  char code[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  int32_t n_skills;
  pl_skill_level skills[PL_MAX_SKILLS]; /* distinct skills */
} pl_technician_info;

typedef struct pl_part_info {
  char chain[PL_CODE_MAX];
  char part_no[PL_CODE_MAX];
  char name[PL_NAME_MAX];
  char spec[PL_NAME_MAX];
  bool oem;
  char unit[PL_CODE_MAX];
  int64_t purchase_fen; /* >= 0 */
  int64_t sale_fen;     /* >= 0 */
} pl_part_info;

/* Creates: validate, apply to memory, queue the durable write (see
 * pitlane.h 6). On PL_OK, *out (may be NULL) holds the record as stored.
 * Returns PL_EINVAL (bad field), PL_ENOTFOUND (chain/store missing),
 * PL_EEXIST, PL_EUNAVAIL, PL_ENOMEM; and, with a NULL pl_write, PL_EIO. */
/* Most a test clock moves in one call: 366 days. */
#define PL_CLOCK_ADVANCE_MAX_MS (366LL * 24 * 3600 * 1000)

PL_API int pl_chain_create(pl_engine *e, const pl_chain_info *in,
                           const char *idem_key, const pl_write *w,
                           pl_chain_info *out, pl_error *err);
PL_API int pl_store_create(pl_engine *e, const pl_store_info *in,
                           const char *idem_key, const pl_write *w,
                           pl_store_info *out, pl_error *err);
PL_API int pl_warehouse_create(pl_engine *e, const pl_warehouse_info *in,
                               const char *idem_key, const pl_write *w,
                               pl_warehouse_info *out, pl_error *err);
PL_API int pl_bay_create(pl_engine *e, const pl_bay_info *in,
                         const char *idem_key, const pl_write *w,
                         pl_bay_info *out, pl_error *err);
PL_API int pl_technician_create(pl_engine *e, const pl_technician_info *in,
                                const char *idem_key, const pl_write *w,
                                pl_technician_info *out, pl_error *err);
PL_API int pl_part_create(pl_engine *e, const pl_part_info *in,
                          const char *idem_key, const pl_write *w,
                          pl_part_info *out, pl_error *err);

/* Lookups: PL_OK and *out filled, or PL_EINVAL / PL_ENOTFOUND. */
PL_API int pl_chain_get(pl_engine *e, const char *chain, pl_chain_info *out,
                        pl_error *err);
PL_API int pl_store_get(pl_engine *e, const char *chain, const char *store,
                        pl_store_info *out, pl_error *err);
PL_API int pl_part_get(pl_engine *e, const char *chain, const char *part_no,
                       pl_part_info *out, pl_error *err);

/* ---- test clocks (sandbox chains) ---------------------------------------
 * Every time a chain's records are judged by (deadlines, horizons, hold
 * TTLs, follow-ups, complaint clocks, warranty days, record and ledger
 * timestamps, hence KPI buckets) is the chain's clock. */

/* The chain's clock in UTC milliseconds: the engine's clock plus the
 * chain's test-clock offset. An unknown or invalid chain: the engine's. */
PL_API int64_t pl_chain_now_ms(pl_engine *e, const char *chain);

/* Moves a sandbox chain's clock forward by advance_ms
 * (1..PL_CLOCK_ADVANCE_MAX_MS): the new offset is persisted (the chain row,
 * with a ledger entry), then the chain's complaint escalations are swept
 * (pl_complaints_sweep) at the new time; a sweep that fails is retried by
 * the next background sweep, so it does not fail the call. On PL_OK, *out
 * (may be NULL) is the chain as pl_chain_get reads it. Returns PL_EINVAL,
 * PL_ENOTFOUND, PL_EPRECOND (not a sandbox chain), PL_EUNAVAIL, PL_ENOMEM;
 * with a NULL pl_write, PL_EIO. */
PL_API int pl_chain_advance_clock(pl_engine *e, const char *chain,
                                  int64_t advance_ms, const pl_write *w,
                                  pl_chain_info *out, pl_error *err);

/* Listings, sorted by code (bytewise). Each returns the total count (>= 0)
 * or a negative PL_E*, and copies min(cap, total) records into out[] (out
 * may be NULL when cap is 0); pass cap >= total to get them all. */
PL_API int pl_chain_list(pl_engine *e, pl_chain_info *out, int cap);
PL_API int pl_store_list(pl_engine *e, const char *chain, pl_store_info *out,
                         int cap, pl_error *err);
PL_API int pl_warehouse_list(pl_engine *e, const char *chain,
                             pl_warehouse_info *out, int cap, pl_error *err);
PL_API int pl_bay_list(pl_engine *e, const char *chain, const char *store,
                       pl_bay_info *out, int cap, pl_error *err);
PL_API int pl_technician_list(pl_engine *e, const char *chain,
                              const char *store, pl_technician_info *out,
                              int cap, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
