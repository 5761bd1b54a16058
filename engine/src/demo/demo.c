/* demo/demo.c — the demo chain (see demo.h). Plain data fed through the public
 * API, so it goes through the same validation and commit path as any
 * caller's. */
#include "pitlane/demo.h"

#include <string.h>

#include "core/internal.h"
#include "demo/demo_int.h"
#include "pitlane/admin.h"
#include "pitlane/scheduling.h"
#include "pitlane/transfers.h"

#define IDEM "demo-v1"

typedef struct demo_store {
  const char *code, *name;
  int32_t lat_e6, lng_e6;
} demo_store;

static const demo_store stores[] = {
    {"SH01", "上海徐汇店 Xuhui", 31188000, 121436000},
    {"SH02", "上海浦东店 Pudong", 31221000, 121544000},
};

static const pl_warehouse_info warehouses[] = {
    {PL_DEMO_CHAIN, "WH-SH01", "SH01", "徐汇店配件仓"},
    {PL_DEMO_CHAIN, "WH-SH02", "SH02", "浦东店配件仓"},
    {PL_DEMO_CHAIN, "DC-EAST", "", "华东配送中心 East DC"},
};

static const pl_bay_info bays[] = {
    {PL_DEMO_CHAIN, "SH01", "L1", PL_BAY_GENERAL_LIFT},
    {PL_DEMO_CHAIN, "SH01", "L2", PL_BAY_GENERAL_LIFT},
    {PL_DEMO_CHAIN, "SH01", "AL1", PL_BAY_ALIGNMENT},
    {PL_DEMO_CHAIN, "SH01", "PB1", PL_BAY_PAINT_BOOTH},
    {PL_DEMO_CHAIN, "SH01", "W1", PL_BAY_WASH},
    {PL_DEMO_CHAIN, "SH02", "L1", PL_BAY_GENERAL_LIFT},
    {PL_DEMO_CHAIN, "SH02", "L2", PL_BAY_GENERAL_LIFT},
    {PL_DEMO_CHAIN, "SH02", "D1", PL_BAY_DIAGNOSTICS},
    {PL_DEMO_CHAIN, "SH02", "EV1", PL_BAY_EV_HIGH_VOLTAGE},
};

static const pl_technician_info techs[] = {
    {PL_DEMO_CHAIN,
     "SH01",
     "T01",
     "王师傅 Wang",
     2,
     {{PL_SKILL_ENGINE, 4}, {PL_SKILL_TYRES, 3}}},
    {PL_DEMO_CHAIN,
     "SH01",
     "T02",
     "李师傅 Li",
     2,
     {{PL_SKILL_ELECTRICAL, 3}, {PL_SKILL_DIAGNOSIS, 4}}},
    {PL_DEMO_CHAIN,
     "SH01",
     "T03",
     "张师傅 Zhang",
     1,
     {{PL_SKILL_BODY_PAINT, 5}}},
    {PL_DEMO_CHAIN,
     "SH02",
     "T01",
     "刘师傅 Liu",
     3,
     {{PL_SKILL_ENGINE, 3}, {PL_SKILL_TYRES, 4}, {PL_SKILL_DIAGNOSIS, 2}}},
    {PL_DEMO_CHAIN,
     "SH02",
     "T02",
     "陈师傅 Chen",
     2,
     {{PL_SKILL_EV_HIGH_VOLTAGE, 4}, {PL_SKILL_ELECTRICAL, 4}}},
};

static const pl_part_info parts[] = {
    {PL_DEMO_CHAIN, "OF-1001", "机油滤清器 Oil filter", "M20x1.5", true, "pc",
     2800, 6800},
    {PL_DEMO_CHAIN, "EO-5W30-4L", "全合成机油 5W-30", "4L", true, "can", 26000,
     45800},
    {PL_DEMO_CHAIN, "BP-F-220", "前刹车片 Front brake pads", "set", false,
     "set", 18000, 38000},
    {PL_DEMO_CHAIN, "TY-205-55R16", "轮胎 Tyre 205/55 R16", "91V", false, "pc",
     42000, 65000},
    {PL_DEMO_CHAIN, "WB-24", "雨刮片 Wiper blade", "24in", false, "pc", 3500,
     9800},
    {PL_DEMO_CHAIN, "SP-IR-4", "铱金火花塞 Spark plug", "iridium", true, "pc",
     6500, 12800},
    {PL_DEMO_CHAIN, "CF-300", "空调滤芯 Cabin filter", "", false, "pc", 2200,
     7800},
};

static const pl_service_info services[] = {
    {PL_DEMO_CHAIN, "MAINT", "常规保养 Maintenance", PL_BAY_GENERAL_LIFT,
     PL_SKILL_ENGINE, 2, 60, 1},
    {PL_DEMO_CHAIN, "FIRST", "首保 First service", PL_BAY_GENERAL_LIFT,
     PL_SKILL_ENGINE, 2, 45, 1},
    {PL_DEMO_CHAIN, "TYRE", "换胎 Tyre change", PL_BAY_GENERAL_LIFT,
     PL_SKILL_TYRES, 2, 30, 1},
    {PL_DEMO_CHAIN, "ALIGN", "四轮定位 Wheel alignment", PL_BAY_ALIGNMENT,
     PL_SKILL_TYRES, 3, 45, 1},
    {PL_DEMO_CHAIN, "PAINT", "钣金喷漆 Body & paint", PL_BAY_PAINT_BOOTH,
     PL_SKILL_BODY_PAINT, 3, 180, 1},
    {PL_DEMO_CHAIN, "DIAG", "故障诊断 Diagnosis", PL_BAY_DIAGNOSTICS,
     PL_SKILL_DIAGNOSIS, 2, 60, 1},
    {PL_DEMO_CHAIN, "EVCHK", "三电检测 EV battery check",
     PL_BAY_EV_HIGH_VOLTAGE, PL_SKILL_EV_HIGH_VOLTAGE, 3, 90, 1},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Lanes: each store warehouse to and from the distribution centre, and the
 * two stores directly (dearer per shipment, faster). */
static const pl_lane_info lanes[] = {
    {PL_DEMO_CHAIN, "DC-EAST", "WH-SH01", 3000, 50, 240, 0},
    {PL_DEMO_CHAIN, "DC-EAST", "WH-SH02", 3500, 50, 300, 0},
    {PL_DEMO_CHAIN, "WH-SH01", "DC-EAST", 3000, 50, 240, 0},
    {PL_DEMO_CHAIN, "WH-SH02", "DC-EAST", 3500, 50, 300, 0},
    {PL_DEMO_CHAIN, "WH-SH01", "WH-SH02", 6000, 30, 90, 20},
    {PL_DEMO_CHAIN, "WH-SH02", "WH-SH01", 6000, 30, 90, 20},
};

/* Hours 08:30-18:00 every day, 30 days ahead; technicians 08:30-17:30
 * with lunch 12:00-13:00. Setting them again is harmless (same values). */
static int demo_calendars(pl_engine *e, pl_error *err) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < N(stores); i++) {
    pl_store_hours h = {0};
    strcpy(h.chain, PL_DEMO_CHAIN);
    strcpy(h.store, stores[i].code);
    for (int d = 0; d < 7; d++)
      h.week[d] = (pl_local_range){8 * 60 + 30, 18 * 60};
    h.horizon_days = 30;
    rc = pl_store_hours_set(e, &h, NULL, err);
  }
  for (size_t i = 0; rc == 0 && i < N(techs); i++) {
    pl_technician_schedule t = {0};
    strcpy(t.chain, PL_DEMO_CHAIN);
    strcpy(t.store, techs[i].store);
    strcpy(t.technician, techs[i].code);
    for (int d = 0; d < 7; d++) {
      t.week[d].work = (pl_local_range){8 * 60 + 30, 17 * 60 + 30};
      t.week[d].n_breaks = 1;
      t.week[d].breaks[0] = (pl_local_range){12 * 60, 13 * 60};
    }
    rc = pl_technician_schedule_set(e, &t, NULL, err);
  }
  for (size_t i = 0; rc == 0 && i < N(services); i++)
    rc = pl_service_create(e, &services[i], IDEM, NULL, NULL, err);
  return rc;
}

int pl_demo_load(pl_engine *e, pl_error *err) {
  pl_chain_info chain = {0};
  strcpy(chain.code, PL_DEMO_CHAIN);
  strcpy(chain.name, "Pitlane 示范连锁 Demo chain");
  int rc = pl_chain_create(e, &chain, IDEM, NULL, NULL, err);
  for (size_t i = 0; rc == 0 && i < N(stores); i++) {
    pl_store_info s = {0};
    strcpy(s.chain, PL_DEMO_CHAIN);
    strcpy(s.code, stores[i].code);
    strcpy(s.name, stores[i].name);
    s.utc_offset_min = 480;
    s.lat_e6 = stores[i].lat_e6;
    s.lng_e6 = stores[i].lng_e6;
    rc = pl_store_create(e, &s, IDEM, NULL, NULL, err);
  }
  for (size_t i = 0; rc == 0 && i < N(warehouses); i++)
    rc = pl_warehouse_create(e, &warehouses[i], IDEM, NULL, NULL, err);
  for (size_t i = 0; rc == 0 && i < N(bays); i++)
    rc = pl_bay_create(e, &bays[i], IDEM, NULL, NULL, err);
  for (size_t i = 0; rc == 0 && i < N(techs); i++)
    rc = pl_technician_create(e, &techs[i], IDEM, NULL, NULL, err);
  for (size_t i = 0; rc == 0 && i < N(parts); i++)
    rc = pl_part_create(e, &parts[i], IDEM, NULL, NULL, err);
  if (rc == 0)
    rc = demo_calendars(e, err);
  if (rc == 0)
    rc = pl__inventory_demo_load(e, err);
  for (size_t i = 0; rc == 0 && i < N(lanes); i++)
    rc = pl_lane_set(e, &lanes[i], NULL, err);
  if (rc == 0)
    rc = pl__dispatch_demo_load(e, err);
  if (rc == 0)
    rc = pl__customers_demo_load(e, err);
  return rc;
}
