/* workorders_msg.h — work-order request messages to engine records, shared by
 * the WorkOrders and Claims services. Each fails the call (naming the field)
 * and returns -1 on bad input, else 0. */
#ifndef PL_API_WO_MSG_H
#define PL_API_WO_MSG_H

#include "pitlane/v1/workorders.pb-c.h"
#include "pitlane/workorders.h"
#include "server/rpc.h"

int wo_vehicle_in(pl_rpc *r, const Pitlane__V1__Vehicle *m, pl_vehicle *v);
int wo_item_in(pl_rpc *r, const Pitlane__V1__ItemInput *m, pl_wo_item_in *it);
/* An item as its message; strings point into *it, lots/lp hold room for
 * PL_WO_LOTS lot uses. */
void wo_item_out(Pitlane__V1__Item *im, Pitlane__V1__LotUse *lots,
                 Pitlane__V1__LotUse **lp, pl_wo_item *it);

#endif
