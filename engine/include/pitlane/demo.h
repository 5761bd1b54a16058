/* demo.h — a small demo chain for the quick start, tests and benchmarks:
 * chain "demo" with stores SH01 and SH02 (a warehouse each), distribution
 * centre DC-EAST, bays of several types, technicians with skills, a
 * handful of common parts, rescue trucks and drivers, four registered
 * vehicles with their owners as customers (phones 13600000001..4; 王五
 * does not want calls), and two courtesy cars at SH02. Loading is idempotent
 * (every create carries an idempotency key), so loading into a database that
 * already holds it changes nothing. */
#ifndef PITLANE_DEMO_H
#define PITLANE_DEMO_H

#include "pitlane/pitlane.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_DEMO_CHAIN "demo"

/* Creates the demo chain durably. Returns 0 or the first engine error. */
PL_API int pl_demo_load(pl_engine *e, pl_error *err);

#ifdef __cplusplus
}
#endif
#endif
