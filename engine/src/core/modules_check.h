/* core/modules_check.h — compile-time proof that no two modules of the
 * registry (core/modules.h) share a key kind or a ledger op code. Included
 * by core/modules.c only (the expansion is large; one translation unit is
 * enough), and by tests/modules_registry_check.c with a probe module.
 *
 * Each range is turned into a bit mask over 0..255, in eight 32-bit chunks
 * held in 64-bit words. Summed over the modules, a chunk equals the OR of
 * the masks exactly when no bit is set twice (a + b = (a | b) + (a & b));
 * the sum of 32-bit values cannot overflow 64 bits. Empty ranges (lo 0)
 * contribute nothing. */
#ifndef PL_MODULES_CHECK_H
#define PL_MODULES_CHECK_H

#include "core/modules.h"

#define PL__RBIT(lo, hi, x, b)                                                 \
  ((lo) != 0 && (lo) <= (x) + (b) && (x) + (b) <= (hi) ? (uint64_t)1 << (b)    \
                                                       : (uint64_t)0)
#define PL__RBITS8(lo, hi, x, b)                                               \
  (PL__RBIT(lo, hi, x, (b) + 0) | PL__RBIT(lo, hi, x, (b) + 1) |               \
   PL__RBIT(lo, hi, x, (b) + 2) | PL__RBIT(lo, hi, x, (b) + 3) |               \
   PL__RBIT(lo, hi, x, (b) + 4) | PL__RBIT(lo, hi, x, (b) + 5) |               \
   PL__RBIT(lo, hi, x, (b) + 6) | PL__RBIT(lo, hi, x, (b) + 7))
/* The bits of [lo, hi] among 32*w .. 32*w+31, as bits 0..31. */
#define PL__RMASK(lo, hi, w)                                                   \
  (PL__RBITS8(lo, hi, 32 * (w), 0) | PL__RBITS8(lo, hi, 32 * (w), 8) |         \
   PL__RBITS8(lo, hi, 32 * (w), 16) | PL__RBITS8(lo, hi, 32 * (w), 24))

/* Fragments of a sum and an OR over the list: no parentheses possible. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define PL__MOD_KSUM(ID, name, p, klo, khi, olo, ohi, ...)                     \
  +PL__RMASK(klo, khi, PL__W)
#define PL__MOD_KOR(ID, name, p, klo, khi, olo, ohi, ...)                      \
  | PL__RMASK(klo, khi, PL__W)
#define PL__MOD_OSUM(ID, name, p, klo, khi, olo, ohi, ...)                     \
  +PL__RMASK(olo, ohi, PL__W)
#define PL__MOD_OOR(ID, name, p, klo, khi, olo, ohi, ...)                      \
  | PL__RMASK(olo, ohi, PL__W)
/* NOLINTEND(bugprone-macro-parentheses) */
#define PL__MOD_DISJOINT(w)                                                    \
  _Static_assert((0 PL_MODULES(PL__MOD_KSUM)) == (0 PL_MODULES(PL__MOD_KOR)),  \
                 "two modules' key kind ranges overlap (kinds 32*" #w "..)");  \
  _Static_assert((0 PL_MODULES(PL__MOD_OSUM)) == (0 PL_MODULES(PL__MOD_OOR)),  \
                 "two modules' ledger op ranges overlap (ops 32*" #w "..)");
/* PL__W is read when the asserts expand: one definition per chunk. */
#define PL__W 0
PL__MOD_DISJOINT(0)
#undef PL__W
#define PL__W 1
PL__MOD_DISJOINT(1)
#undef PL__W
#define PL__W 2
PL__MOD_DISJOINT(2)
#undef PL__W
#define PL__W 3
PL__MOD_DISJOINT(3)
#undef PL__W
#define PL__W 4
PL__MOD_DISJOINT(4)
#undef PL__W
#define PL__W 5
PL__MOD_DISJOINT(5)
#undef PL__W
#define PL__W 6
PL__MOD_DISJOINT(6)
#undef PL__W
#define PL__W 7
PL__MOD_DISJOINT(7)
#undef PL__W

#endif
