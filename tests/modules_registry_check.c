/* tests/modules_registry_check.c — compile-time checks of the module registry
 * (engine/src/core/modules.h, core/modules_check.h). Not run: ctest compiles it
 * three times (tests/CMakeLists.txt) with a probe module appended to
 * PL_MODULES. With free ranges it must compile; with a key kind range or a
 * ledger op range that overlaps an existing module's, the registry's static
 * assertions must reject it, naming the overlap. */
#if defined(PL_PROBE_KIND_OVERLAP)
/* kinds 0x1F-0x20 straddle scheduling's and inventory's */
#define PL__MODULES_EXTRA(XX)                                                  \
  XX(PROBE, "probe", probe, 0x1F, 0x20, 200, 201, 0, none)
#elif defined(PL_PROBE_OP_OVERLAP)
/* op 127 is the work orders' */
#define PL__MODULES_EXTRA(XX)                                                  \
  XX(PROBE, "probe", probe, 0x70, 0x7F, 127, 127, 0, none)
#else
#define PL__MODULES_EXTRA(XX)                                                  \
  XX(PROBE, "probe", probe, 0x70, 0x7F, 200, 201, 0, none)
#endif
#include "core/modules_check.h"

int main(void) {
  return PL_MOD_PROBE == PL_MOD_COUNT - 1 ? 0 : 1;
}
