/* demo/customers.c — the demo chain's customers (the owners of its
 * registered vehicles, linked from their purchase) and SH02's courtesy
 * cars, through the public API; from pl_demo_load. Loading again changes
 * nothing (idempotency keys; cars and links already there are kept). */
#include <string.h>

#include "demo/demo_int.h"
#include "pitlane/customers.h"
#include "pitlane/demo.h"
#include "pitlane/scheduling.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct demo_customer {
  const char *idem, *name, *phone, *vin;
  int consent;
} demo_customer;

static const demo_customer customers[] = {
    {"demo-cust-1", "张三", "13600000001", "LSVDEM00000000001", 1},
    {"demo-cust-2", "李四", "13600000002", "LSVDEM00000000002", 1},
    {"demo-cust-3", "王五", "13600000003", "LSVDEM00000000003", 0},
    {"demo-cust-4", "赵六", "13600000004", "LSVDEM00000000004", 1},
};

typedef struct demo_loaner {
  const char *code, *plate, *model;
  int64_t km;
  int32_t fuel_pct;
} demo_loaner;

static const demo_loaner loaners[] = {
    {"LN1", "沪E10001", "Nissan Sylphy", 12000, 90},
    {"LN2", "沪E10002", "VW Lavida", 8000, 100},
};

int pl__customers_demo_load(pl_engine *e, pl_error *err) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < N(customers); i++) {
    const demo_customer *d = &customers[i];
    pl_customer c = {.kind = PL_CUSTOMER_PERSON,
                     .source = PL_SOURCE_DIRECT,
                     .preferred = PL_CONTACT_PHONE,
                     .consent = d->consent};
    strcpy(c.chain, PL_DEMO_CHAIN);
    strcpy(c.name, d->name);
    strcpy(c.phone, d->phone);
    pl_customer out;
    rc = pl_customer_put(e, &c, d->idem, NULL, &out, err);
    pl_vehicle_info v;
    if (rc == 0)
      rc = pl_vehicle_get(e, PL_DEMO_CHAIN, d->vin, &v, err);
    if (rc == 0 &&
        pl_vehicle_owner_on(e, PL_DEMO_CHAIN, d->vin, v.purchase_day) != out.id)
      rc = pl_vehicle_link(e, PL_DEMO_CHAIN, d->vin, out.id, PL_ROLE_OWNER,
                           v.purchase_day, NULL, err);
  }
  for (size_t i = 0; rc == 0 && i < N(loaners); i++) {
    const demo_loaner *d = &loaners[i];
    pl_loaner_info l;
    if (pl_loaner_get(e, PL_DEMO_CHAIN, "SH02", d->code, &l, NULL) == 0)
      continue;
    memset(&l, 0, sizeof l);
    strcpy(l.chain, PL_DEMO_CHAIN);
    strcpy(l.store, "SH02");
    strcpy(l.code, d->code);
    strcpy(l.plate, d->plate);
    strcpy(l.model, d->model);
    l.odometer_km = d->km;
    l.fuel_pct = d->fuel_pct;
    rc = pl_loaner_upsert(e, &l, NULL, NULL, err);
  }
  return rc;
}
