/* demo/demo_int.h — the demo chain's parts, private to demo/ (demo/demo.c
 * loads them in order). Each writes through the public API only. */
#ifndef PL_DEMO_INT_H
#define PL_DEMO_INT_H

#include "pitlane/pitlane.h"

/* The demo chain's inventory (demo/inventory.c). */
int pl__inventory_demo_load(pl_engine *e, pl_error *err);
/* The demo chain's trucks, drivers and vehicles (demo/dispatch.c). */
int pl__dispatch_demo_load(pl_engine *e, pl_error *err);
/* demo/customers.c: the demo chain's customers, vehicle owners and
 * courtesy cars (after the vehicles). */
int pl__customers_demo_load(pl_engine *e, pl_error *err);

#endif
