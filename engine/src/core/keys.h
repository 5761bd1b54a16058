/* core/keys.h — the RocksDB key layout.
 *
 * Every chain-scoped key is  <chain code> 0x00 <kind> <rest>,  so one chain
 * is one contiguous key range (the unit a later shard move copies). Kinds
 * are ordered parent-first, so a forward scan at open meets a chain before
 * its stores and a store before its bays. Keys that begin with 0x00 are
 * global (no chain code is empty).
 *
 *   kind  rest                      value (base/codec.h rows)
 *   0x01  -                         chain
 *   0x02  store                     store
 *   0x03  warehouse                 warehouse
 *   0x04  store 0x00 bay            bay
 *   0x05  store 0x00 technician     technician
 *   0x06  part_no                   part
 *   0xF0  seq (8 bytes big-endian)  ledger entry: op, at_ms, key, value
 *
 * Global keys have an empty chain code (so they begin 0x00):
 *   0x00 0x07 key_id                API key (core/apikeys.c; its hash, never
 *                                   the secret)
 *   0x00 0xF0 seq                   the global ledger (API key changes)
 *
 * Each module owns a range of kinds (and of ledger op codes), declared once
 * in the registry (core/modules.h: PL__K_<ID>_LO/_HI, PL__OP_<ID>_LO/_HI,
 * checked there not to overlap); core/engine.c routes rows to the module's
 * loader by range. Each module's header lists its kinds and ops.
 */
#ifndef PL_KEYS_H
#define PL_KEYS_H

#include <stdint.h>

#include "base/codec.h"
#include "core/modules.h"

enum {
  PL__K_CHAIN = 0x01,
  PL__K_STORE = 0x02,
  PL__K_WAREHOUSE = 0x03,
  PL__K_BAY = 0x04,
  PL__K_TECH = 0x05,
  PL__K_PART = 0x06,
  PL__K_APIKEY = 0x07, /* global only: empty chain code */
  PL__K_LEDGER = 0xF0,
};

_Static_assert(PL__K_LEDGER == PL__K_LEDGER_KIND,
               "core/modules.h keeps module kinds below the ledger's");

/* Ledger operation codes (stable: they are stored). */
enum {
  PL__OP_CHAIN_CREATE = 1,
  PL__OP_STORE_CREATE = 2,
  PL__OP_WAREHOUSE_CREATE = 3,
  PL__OP_BAY_CREATE = 4,
  PL__OP_TECH_CREATE = 5,
  PL__OP_PART_CREATE = 6,
  PL__OP_APIKEY_CREATE = 7,
  PL__OP_APIKEY_REVOKE = 8,
  PL__OP_CHAIN_CLOCK = 9, /* a sandbox chain's test clock advanced */
};

/* <chain> 0x00 <kind> */
void pl__key_prefix(pl__buf *k, const char *chain, unsigned kind);
/* prefix + a, and if b is not NULL, 0x00 b */
void pl__key_make(pl__buf *k, const char *chain, unsigned kind, const char *a,
                  const char *b);
void pl__key_ledger(pl__buf *k, const char *chain, uint64_t seq);

#endif
