/* core/modules.h — the module registry: every engine module declared once.
 *
 * PL_MODULES(XX) lists the modules; everything the core needs to know about
 * one is generated from its line (as PL_ERRNO_MAP does for the errors):
 *   - its id PL_MOD_<ID> and the ranges PL__K_<ID>_LO/_HI (key kinds,
 *     core/keys.h) and PL__OP_<ID>_LO/_HI (ledger op codes);
 *   - compile-time checks that no two modules' kind or op ranges overlap
 *     (core/modules_check.h, included once, by core/modules.c);
 *   - the prototypes of its row loader and of its per-chain state's
 *     constructor and destructor;
 *   - the loaders[] table (core/engine.c), the per-chain state slots of
 *     pl__chain and their getters (core/internal.h), and the frees in
 *     chain_free (core/admin.c).
 *
 * A line reads  XX(ID, name, p, kind_lo, kind_hi, op_lo, op_hi, rows, state):
 *   ID       upper-case tag: PL_MOD_<ID>, PL__K_<ID>_LO, ...
 *   name     the module's name, for messages
 *   p        its C prefix: the module defines
 *              int pl__<p>_load(...)                        if rows is 1,
 *              struct pl__<p>_chain *pl__<p>_state_new(c),
 *              void pl__<p>_state_free(struct pl__<p>_chain *)
 *                                                           unless state is
 *                                                           none
 *   kind_lo, kind_hi  its key kinds (inclusive; 0, 0: none)
 *   op_lo, op_hi      its ledger op codes (inclusive; 0, 0: none; a byte)
 *   rows     1: rows of its kinds are loaded at open by pl__<p>_load
 *   state    none: no per-chain state; lazy: created on first use
 *            (pl__<p>_of); eager: created with the chain
 *
 * Adding a module: one line here, plus its folder (which defines the
 * functions above). The global API key kind (PL__K_APIKEY) lies inside the
 * admin range and is routed before the table (core/engine.c). */
#ifndef PL_MODULES_H
#define PL_MODULES_H

#include <stddef.h>
#include <stdint.h>

#include "pitlane/pitlane.h"

/* clang-format off */
#define PL_MODULES(XX)                                                        \
  XX(ADMIN, "admin",       admin, 0x01, 0x0F,   1,  15, 1, none)              \
  XX(SCHED, "scheduling",  sched, 0x10, 0x1F,  16,  47, 1, eager)             \
  XX(STOCK, "inventory",   stock, 0x20, 0x2F,  48,  79, 1, lazy)              \
  XX(XFER,  "transfers",   xfer,  0x30, 0x3F,  80,  95, 1, lazy)              \
  XX(WO,    "work orders", wo,    0x40, 0x4F,  96, 127, 1, lazy)              \
  XX(DISP,  "dispatch",    disp,  0x50, 0x57, 128, 143, 1, lazy)              \
  XX(VEH,   "vehicles",    veh,   0x58, 0x5F, 144, 159, 1, lazy)              \
  XX(CUST,  "customers",   cust,  0x60, 0x6F, 160, 175, 1, lazy)              \
  XX(KPI,   "kpi",         kpi,   0,    0,      0,   0, 0, lazy)              \
  PL__MODULES_EXTRA(XX)
/* clang-format on */

/* Test-only hook (tests/modules_registry_check.c): a probe line appended to
 * the list, to show that the checks below reject overlapping ranges. */
#ifndef PL__MODULES_EXTRA
#define PL__MODULES_EXTRA(XX)
#endif

/* Conditional expansion on the flag columns. */
#define PL__IF_ROWS_0(...)
#define PL__IF_ROWS_1(...) __VA_ARGS__
#define PL__IF_STATE_none(...)
#define PL__IF_STATE_lazy(...) __VA_ARGS__
#define PL__IF_STATE_eager(...) __VA_ARGS__
#define PL__EAGER_none 0
#define PL__EAGER_lazy 0
#define PL__EAGER_eager 1

typedef enum pl__mod {
#define PL__MOD_ID(ID, ...) PL_MOD_##ID,
  PL_MODULES(PL__MOD_ID)
#undef PL__MOD_ID
      PL_MOD_COUNT
} pl__mod;

enum {
#define PL__MOD_RANGE(ID, name, p, klo, khi, olo, ohi, ...)                    \
  PL__K_##ID##_LO = (klo), PL__K_##ID##_HI = (khi), PL__OP_##ID##_LO = (olo),  \
  PL__OP_##ID##_HI = (ohi),
  PL_MODULES(PL__MOD_RANGE)
#undef PL__MOD_RANGE
};

/* Each module's ranges are well formed (overlaps: core/modules_check.h). */
#define PL__MOD_CHECK_ONE(ID, name, p, klo, khi, olo, ohi, ...)                \
  _Static_assert((klo) <= (khi) && (khi) < PL__K_LEDGER_KIND,                  \
                 "module " name ": bad key kind range");                       \
  _Static_assert((olo) <= (ohi) && (ohi) <= 0xFF,                              \
                 "module " name ": bad ledger op range");
#define PL__K_LEDGER_KIND 0xF0 /* core/keys.h PL__K_LEDGER: no module's */
PL_MODULES(PL__MOD_CHECK_ONE)
#undef PL__MOD_CHECK_ONE

/* ---- what each module defines --------------------------------------------
 */
struct pl__chain;

/* Recovery: loads one stored row of the module's kinds into memory (called
 * in key order by pl__load_range). Returns 0 or PL_ECORRUPT / PL_ENOMEM. */
#define PL__MOD_DECL_LOAD_OF(p)                                                \
  int pl__##p##_load(pl_engine *e, unsigned kind, const char *chain,           \
                     const unsigned char *rest, size_t rl,                     \
                     const unsigned char *val, size_t vl, pl_error *err);
#define PL__MOD_DECL_LOAD(ID, name, p, klo, khi, olo, ohi, rows, state)        \
  PL__IF_ROWS_##rows(PL__MOD_DECL_LOAD_OF(p))
PL_MODULES(PL__MOD_DECL_LOAD)
#undef PL__MOD_DECL_LOAD
#undef PL__MOD_DECL_LOAD_OF

/* The per-chain state: _state_new builds an empty one for chain c (NULL on
 * OOM; it may read c->info but takes no lock); _state_free frees one (NULL
 * is a no-op), empty or not. */
#define PL__MOD_DECL_STATE_OF(p)                                               \
  struct pl__##p##_chain;                                                      \
  struct pl__##p##_chain *pl__##p##_state_new(struct pl__chain *c);            \
  void pl__##p##_state_free(struct pl__##p##_chain *x);
#define PL__MOD_DECL_STATE(ID, name, p, klo, khi, olo, ohi, rows, state)       \
  PL__IF_STATE_##state(PL__MOD_DECL_STATE_OF(p))
PL_MODULES(PL__MOD_DECL_STATE)
#undef PL__MOD_DECL_STATE
#undef PL__MOD_DECL_STATE_OF

#endif
