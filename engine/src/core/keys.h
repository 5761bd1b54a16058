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
 * Each module owns a range of kinds (and of ledger op codes), listed here;
 * core/engine.c routes rows to the module's loader by range:
 *   0x01-0x0F admin       (ops 1-15)
 *   0x10-0x1F scheduling  (ops 16-47)
 *   0x20-0x2F inventory   (ops 48-79)
 *   0x30-0x3F transfers   (ops 80-95)
 *   0x40-0x4F work orders, claims (ops 96-127; workorders/wo_int.h: 0x40
 * orders, 0x41 events, 0x42 insurers' claims, 0x43 supplier claims; ops 97-111
 * events, 120 claim, 121 supplier claim decided) 0x50-0x57 field dispatch  (ops
 * 128-143; layout in dispatch/disp_int.h) 0x58-0x5F vehicles, reminders (ops
 * 144-159)
 */
#ifndef PL_KEYS_H
#define PL_KEYS_H

#include <stdint.h>

#include "base/codec.h"

enum {
  PL__K_CHAIN = 0x01,
  PL__K_STORE = 0x02,
  PL__K_WAREHOUSE = 0x03,
  PL__K_BAY = 0x04,
  PL__K_TECH = 0x05,
  PL__K_PART = 0x06,
  PL__K_APIKEY = 0x07, /* global only: empty chain code */
  PL__K_LEDGER = 0xF0,
  PL__K_ADMIN_LO = 0x01,
  PL__K_ADMIN_HI = 0x0F,
  PL__K_INVENTORY_LO = 0x20, /* layout in inventory/stock_int.h */
  PL__K_INVENTORY_HI = 0x2F,
};

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
};

/* <chain> 0x00 <kind> */
void pl__key_prefix(pl__buf *k, const char *chain, unsigned kind);
/* prefix + a, and if b is not NULL, 0x00 b */
void pl__key_make(pl__buf *k, const char *chain, unsigned kind, const char *a,
                  const char *b);
void pl__key_ledger(pl__buf *k, const char *chain, uint64_t seq);

#endif
