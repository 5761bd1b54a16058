/* dispatch/disp_int.h — field dispatch's and the vehicle registry's private
 * state (dispatch/dispatch.c, dispatch/vehicles.c).
 *
 * Per chain, one pl__disp_chain hangs off the chain (PL_MOD_DISP, created on
 * first use) and one pl__veh_chain (PL_MOD_VEH). Locks, outermost first: the
 * chain's rwlock (read: resolving a store), dropped before dc->mu   the chain's
 * dispatch lock: resources, their grid, dispatches, the travel model; every
 * change of a resource's state or of a dispatch happens under it dc->hub_mu the
 * last durable view of each dispatch and the watchers (a leaf; also taken by
 * the commit thread when it publishes) the commit queue's mutex A pick-up's
 * booking is held through the scheduling module with dc->mu released. The
 * vehicle registry has its own lock (vc->mu), taken after the chain's rwlock
 * has been dropped, and around scheduling calls never.
 */
#ifndef PL_DISP_INT_H
#define PL_DISP_INT_H

#include "core/internal.h"
#include "pitlane/dispatch.h"
#include "pitlane/vehicles.h"

enum {
  PL__K_DISP_CONFIG = 0x50, /* - -> travel model */
  PL__K_FIELD_RES = 0x51,   /* code -> field resource */
  PL__K_DISPATCH = 0x52,    /* id (8 BE) -> dispatch */
  PL__K_VEHICLE = 0x58,     /* vin -> vehicle */
};

enum {
  PL__OP_DISP_CONFIG = 128,
  PL__OP_FR_UPSERT = 129,
  PL__OP_FR_POSITION = 130,
  PL__OP_DISPATCH_CREATE = 131,
  PL__OP_DISPATCH_ACT = 132, /* + pl_dispatch_action (133..138) */
  PL__OP_DISPATCH_BOOKING = 140,
  PL__OP_VEH_REGISTER = 144,
  PL__OP_VEH_MILEAGE = 145,
  PL__OP_VEH_SERVICE = 146,
};

/* The per-chain states of dispatch and vehicles (getters, lookups, loaders,
 * frees) are declared by the registry (core/modules.h). */

#endif
