/* demo/dispatch.c — the demo chain's field resources (two rescue trucks,
 * three pick-up/drop-off drivers, on duty around the clock) and a handful
 * of registered vehicles whose reminders fall today and in the coming
 * days, relative to the engine's clock, so the quick start shows
 * something. Through the public API, like demo/demo.c; run on every --demo
 * start: resources are upserts, vehicles are registered once. */
#include <string.h>

#include "demo/demo_int.h"
#include "pitlane/demo.h"
#include "pitlane/dispatch.h"
#include "pitlane/vehicles.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
  const char *code, *name, *store;
  pl_fr_kind kind;
  int32_t lat_e6, lng_e6;
} resources[] = {
    {"R01", "救援车 Rescue 1", "SH01", PL_FR_RESCUE_TRUCK, 31190000, 121440000},
    {"R02", "救援车 Rescue 2", "SH02", PL_FR_RESCUE_TRUCK, 31225000, 121550000},
    {"D01", "代驾 Driver Li", "SH01", PL_FR_DRIVER, 31185000, 121430000},
    {"D02", "代驾 Driver Wang", "SH01", PL_FR_DRIVER, 31200000, 121460000},
    {"D03", "代驾 Driver Zhao", "SH02", PL_FR_DRIVER, 31218000, 121540000},
};

typedef struct demo_vehicle {
  const char *vin, *plate, *model, *owner, *store;
  int32_t purchase_months_ago, purchase_days_ago;
  int32_t plan_months, plan_km;
  int32_t km_days_ago, km;  /* one reading */
  int32_t service_days_ago; /* < 0: none */
} demo_vehicle;

static const demo_vehicle vehicles[] = {
    /* first service due today by date (3 months) */
    {"LSVDEM00000000001", "沪A12345", "VW Lavida", "张三", "SH01", 3, 0, 0, 0,
     10, 1800, -1},
    /* first service by mileage: ~100 km a day, 5,000 km in about 10 days */
    {"LSVDEM00000000002", "沪B23456", "Toyota Camry", "李四", "SH01", 0, 40, 0,
     0, 1, 4000, -1},
    /* serviced 6 months less 2 days ago on a 6-month plan */
    {"LSVDEM00000000003", "沪C34567", "BYD Han EV", "王五", "SH01", 24, 0, 6,
     10000, 2, 30500, 180},
    {"LSVDEM00000000004", "沪D45678", "Honda Accord", "赵六", "SH02", 3, 0, 0,
     0, 5, 2500, -1},
};

int pl__dispatch_demo_load(pl_engine *e, pl_error *err) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < N(resources); i++) {
    pl_field_resource r;
    memset(&r, 0, sizeof r);
    strcpy(r.chain, PL_DEMO_CHAIN);
    strcpy(r.code, resources[i].code);
    strcpy(r.name, resources[i].name);
    strcpy(r.home_store, resources[i].store);
    r.kind = resources[i].kind;
    r.lat_e6 = resources[i].lat_e6;
    r.lng_e6 = resources[i].lng_e6;
    rc = pl_field_resource_upsert(e, &r, NULL, NULL, err);
  }
  pl_store_info si = {.utc_offset_min = 480};
  if (rc == 0)
    rc = pl_store_get(e, PL_DEMO_CHAIN, "SH01", &si, err);
  int32_t today = pl_local_day(pl_chain_now_ms(e, PL_DEMO_CHAIN) / 60000,
                               si.utc_offset_min);
  for (size_t i = 0; rc == 0 && i < N(vehicles); i++) {
    const demo_vehicle *d = &vehicles[i];
    pl_vehicle_info v;
    if (pl_vehicle_get(e, PL_DEMO_CHAIN, d->vin, &v, NULL) == 0)
      continue;
    memset(&v, 0, sizeof v);
    strcpy(v.chain, PL_DEMO_CHAIN);
    strcpy(v.vin, d->vin);
    strcpy(v.plate, d->plate);
    strcpy(v.model, d->model);
    strcpy(v.owner, d->owner);
    strcpy(v.store, d->store);
    v.purchase_day = pl_day_add_months(today, -d->purchase_months_ago) -
                     d->purchase_days_ago;
    v.plan_months = d->plan_months;
    v.plan_km = d->plan_km;
    rc = pl_vehicle_register(e, &v, 0, NULL, NULL, err);
    if (rc == 0 && d->service_days_ago >= 0)
      rc = pl_vehicle_service(e, PL_DEMO_CHAIN, d->vin,
                              today - d->service_days_ago, d->km - 1000, NULL,
                              NULL, err);
    if (rc == 0)
      rc = pl_vehicle_mileage(e, PL_DEMO_CHAIN, d->vin, today - d->km_days_ago,
                              d->km, NULL, NULL, err);
  }
  return rc;
}
