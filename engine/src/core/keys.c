/* core/keys.c — builders for the key layout documented in keys.h. */
#include "core/keys.h"

#include <string.h>

void pl__key_prefix(pl__buf *k, const char *chain, unsigned kind) {
  pl__buf_reset(k);
  pl__buf_bytes(k, chain, strlen(chain) + 1); /* with its 0x00 */
  pl__buf_u8(k, kind);
}

void pl__key_make(pl__buf *k, const char *chain, unsigned kind, const char *a,
                  const char *b) {
  pl__key_prefix(k, chain, kind);
  if (a != NULL)
    pl__buf_bytes(k, a, strlen(a));
  if (b != NULL) {
    pl__buf_u8(k, 0);
    pl__buf_bytes(k, b, strlen(b));
  }
}

void pl__key_ledger(pl__buf *k, const char *chain, uint64_t seq) {
  pl__key_prefix(k, chain, PL__K_LEDGER);
  pl__buf_be64(k, seq);
}
