/* testing.h — engine internals for tests and benchmarks ONLY.
 *
 * Not part of the API: no server or client uses it, nothing here is
 * stable, and each function exists because a test or a benchmark needs to
 * reach below the public calls (bench/, tests/). It is the one header they
 * may use besides the public ones; they have no engine/src include path.
 * The implementation is engine/src/testing.c; nothing in the engine or the
 * server calls it.
 *
 * What is here, and who uses it:
 *  - record sizes, for memory figures (bench/scheduling_bench.c);
 *  - the KPI module's change-feed entry points, to build a year of
 *    counters without making every record (bench/kpi_bench.c,
 *    tests/kpi_test.c), and the ledger replay of the first report;
 *  - the work orders' VIN index (bench/workorders_bench.c);
 *  - a stored row read and written with the engine closed, to make rows
 *    of an older version (tests/kpi_test.c).
 * Conventions as in pitlane.h (negative PL_E* codes, pl_error). */
#ifndef PITLANE_TESTING_H
#define PITLANE_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "pitlane/customers.h"
#include "pitlane/inventory.h"
#include "pitlane/pitlane.h"
#include "pitlane/scheduling.h"
#include "pitlane/workorders.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- record sizes (memory figures) ---------------------------------- */

/* Bytes of one booking's record in memory (without the pointers that
 * index it). */
size_t pl_testing_booking_bytes(void);
/* Bytes of one resource-day bitmap (288 five-minute cells). */
size_t pl_testing_day_bytes(void);

/* ---- the KPI reports' side of the change feed --------------------------
 * Each hands one record's new value to the KPI module exactly as the
 * change feed does (engine/src/core/observe.h: an upsert keyed by the
 * record's id, so a repeat changes nothing), and to nothing else (not the
 * customers module). The chain is the record's `chain`; PL_ENOTFOUND when
 * there is no such chain, else 0. Any thread; the engine must be open. */
int pl_testing_kpi_booking(pl_engine *e, const pl_booking_info *b);
int pl_testing_kpi_wo(pl_engine *e, const pl_work_order *w);
int pl_testing_kpi_followup(pl_engine *e, const pl_followup *f);
int pl_testing_kpi_complaint(pl_engine *e, const pl_complaint *x);
int pl_testing_kpi_movement(pl_engine *e, const pl_movement *m);
/* The first report's replay: feeds every stock movement and stocktake
 * close of the chain's ledger to the KPI module (again: only the time is
 * meant to be measured). 0, PL_ENOTFOUND, or the walk's error. */
int pl_testing_kpi_replay_ledger(pl_engine *e, const char *chain,
                                 pl_error *err);

/* ---- the work orders' VIN index ------------------------------------- */

typedef struct pl_testing_vin_index pl_testing_vin_index;
/* The chain's index (lives as long as the engine); NULL when there is no
 * such chain or on OOM. */
pl_testing_vin_index *pl_testing_vin_index_of(pl_engine *e, const char *chain);
/* Under the index's read lock: copies into ids (up to cap) the ids of the
 * orders of vehicle `vin` in creation order; returns how many there are
 * in all (may exceed cap). */
int pl_testing_ids_by_vin(pl_testing_vin_index *ix, const char *vin,
                          int64_t *ids, int cap);

/* ---- stored rows, engine closed ----------------------------------------
 * The row of key (chain, kind, id) — kind is the key-kind byte of
 * engine/src/core/keys.h, id the record's id (big-endian in the key) — in
 * the database at dir, which no engine has open. get: *val is a malloc'd
 * copy (caller frees), PL_ENOTFOUND if absent; put: overwrites it. */
int pl_testing_row_get(const char *dir, const char *chain, unsigned kind,
                       int64_t id, unsigned char **val, size_t *n,
                       pl_error *err);
int pl_testing_row_put(const char *dir, const char *chain, unsigned kind,
                       int64_t id, const unsigned char *val, size_t n,
                       pl_error *err);

#ifdef __cplusplus
}
#endif

#endif
