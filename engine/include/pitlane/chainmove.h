/* chainmove.h — moving a whole chain between engine nodes (scale-out,
 * docs/scaling.md).
 *
 * A chain is one RocksDB key range, [<chain> 0x00, <chain> 0x01): every
 * row of it — entities, bookings, stock, idempotency keys, ledger — so
 * moving that range moves the chain with its history and its retry
 * answers. The move is driven from outside (the server's Cluster RPCs,
 * scripts/cluster-move.js), which must stop the chain's writes first:
 *
 *   source: pl_chain_export  -> an SST file of the range
 *   target: pl_chain_import  -> ingest the file, load the chain into memory
 *   (the shard map is flipped to the target)
 *   source: pl_chain_drop    -> delete the range, forget the chain
 *
 * Conventions of pitlane.h. None of these changes what a reader of another
 * chain sees. A dropped chain's memory is kept until pl_engine_close
 * (readers that found it earlier may still hold it); it no longer answers
 * lookups, and a later import of the same code loads afresh. */
#ifndef PITLANE_CHAINMOVE_H
#define PITLANE_CHAINMOVE_H

#include "pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_chain_range_info {
  int64_t rows;  /* keys in the chain's range */
  int64_t bytes; /* their keys and values */
} pl_chain_range_info;

/* Waits until every write queued so far is durable; then writes the
 * chain's range to a new SST file at path (replaced if present).
 * PL_ENOTFOUND (no such chain here), PL_EIO. The caller stops the chain's
 * writes first, or the file may miss the newest ones. */
PL_API int pl_chain_export(pl_engine *e, const char *chain, const char *path,
                           pl_chain_range_info *out, pl_error *err);

/* Ingests an SST file made by pl_chain_export for `chain` and loads the
 * chain into memory. PL_EEXIST (the chain is already here), PL_EINVAL (the
 * file holds no such chain), PL_EIO, PL_ECORRUPT (a row does not decode;
 * the range is deleted again). The file must come from pl_chain_export:
 * its keys are not checked against the chain's range before ingestion. */
PL_API int pl_chain_import(pl_engine *e, const char *chain, const char *path,
                           pl_chain_range_info *out, pl_error *err);

/* Deletes the chain's range (one durable write) and takes the chain out
 * of memory. PL_ENOTFOUND, PL_EIO, PL_EUNAVAIL. */
PL_API int pl_chain_drop(pl_engine *e, const char *chain, pl_error *err);

/* The chain's range bounds: lo = chain 0x00, hi = chain 0x01; each buffer
 * holds at least strlen(chain) + 2 bytes; returns the length of each. */
PL_API size_t pl_chain_range(const char *chain, char *lo, char *hi);

#ifdef __cplusplus
}
#endif

#endif
