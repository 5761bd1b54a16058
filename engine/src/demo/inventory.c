/* demo/inventory.c — the demo chain's suppliers, quotes, min/max levels
 * and opening stock (see demo.h), fed through the public API. Receipts and
 * supplier creates carry idempotency keys, and quotes and levels are
 * replaces, so loading the demo again changes nothing. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "demo/demo_int.h"
#include "pitlane/demo.h"
#include "pitlane/inventory.h"

#define IDEM "demo-v1"

static const pl_supplier_info suppliers[] = {
    {PL_DEMO_CHAIN, "SUP-BOSCH", "博世汽车配件 Bosch", 92},
    {PL_DEMO_CHAIN, "SUP-HUADONG", "华东汽配 Huadong Parts", 75},
};

static const pl_quote_info quotes[] = {
    {PL_DEMO_CHAIN, "SUP-BOSCH", "OF-1001", 2600, 5},
    {PL_DEMO_CHAIN, "SUP-HUADONG", "OF-1001", 2300, 2},
    {PL_DEMO_CHAIN, "SUP-BOSCH", "BP-F-220", 17500, 7},
    {PL_DEMO_CHAIN, "SUP-HUADONG", "BP-F-220", 16000, 3},
    {PL_DEMO_CHAIN, "SUP-BOSCH", "SP-IR-4", 6200, 5},
    {PL_DEMO_CHAIN, "SUP-HUADONG", "EO-5W30-4L", 25000, 1},
    {PL_DEMO_CHAIN, "SUP-HUADONG", "WB-24", 3200, 2},
};

typedef struct demo_receipt {
  const char *wh, *part, *supplier, *bin;
  int64_t qty, cost_fen;
} demo_receipt;

static const demo_receipt receipts[] = {
    {"WH-SH01", "OF-1001", "SUP-HUADONG", "A-01", 30, 2300},
    {"WH-SH01", "EO-5W30-4L", "SUP-HUADONG", "A-02", 24, 25000},
    {"WH-SH01", "BP-F-220", "SUP-BOSCH", "B-01", 6, 17500},
    {"WH-SH01", "SP-IR-4", "SUP-BOSCH", "B-02", 16, 6200},
    {"WH-SH02", "OF-1001", "SUP-BOSCH", "A-01", 12, 2600},
    {"WH-SH02", "WB-24", "SUP-HUADONG", "C-03", 20, 3200},
    {"WH-SH02", "TY-205-55R16", "", "T-01", 8, 42000},
    {"DC-EAST", "OF-1001", "SUP-HUADONG", "R01-1", 200, 2300},
    {"DC-EAST", "BP-F-220", "SUP-HUADONG", "R02-1", 40, 16000},
    {"DC-EAST", "CF-300", "", "R03-1", 60, 2200},
};

typedef struct demo_level {
  const char *wh, *part;
  int64_t min, max;
} demo_level;

static const demo_level levels[] = {
    {"WH-SH01", "OF-1001", 10, 40},  {"WH-SH01", "BP-F-220", 8, 16},
    {"WH-SH02", "OF-1001", 10, 30},  {"WH-SH02", "BP-F-220", 4, 12},
    {"DC-EAST", "OF-1001", 50, 300},
};

typedef struct demo_fit {
  const char *part, *models[3];
} demo_fit;

static const demo_fit fits[] = {
    {"OF-1001", {"大众 朗逸 2019-2023", "大众 速腾 2019-2023", "斯柯达 明锐"}},
    {"BP-F-220", {"大众 朗逸 2019-2023", "丰田 卡罗拉 E210", NULL}},
    {"SP-IR-4", {"丰田 卡罗拉 E210", "本田 思域 FC1", NULL}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int pl__inventory_demo_load(pl_engine *e, pl_error *err) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < N(suppliers); i++)
    rc = pl_supplier_create(e, &suppliers[i], IDEM, NULL, NULL, err);
  for (size_t i = 0; rc == 0 && i < N(quotes); i++)
    rc = pl_quote_set(e, &quotes[i], NULL, err);
  for (size_t i = 0; rc == 0 && i < N(receipts); i++) {
    const demo_receipt *d = &receipts[i];
    pl_move_req r = {.chain = PL_DEMO_CHAIN,
                     .qty = d->qty,
                     .unit_cost_fen = d->cost_fen,
                     .actor = "demo",
                     .reason = "opening stock"};
    snprintf(r.warehouse, sizeof r.warehouse, "%s", d->wh);
    snprintf(r.part_no, sizeof r.part_no, "%s", d->part);
    snprintf(r.supplier, sizeof r.supplier, "%s", d->supplier);
    snprintf(r.bin, sizeof r.bin, "%s", d->bin);
    char key[PL_IDEM_MAX];
    snprintf(key, sizeof key, IDEM "-rcv-%zu", i);
    rc = pl_stock_receive(e, &r, key, NULL, NULL, err);
  }
  for (size_t i = 0; rc == 0 && i < N(fits); i++) {
    pl_fitment f = {0};
    snprintf(f.part_no, sizeof f.part_no, "%s", fits[i].part);
    for (int k = 0; k < 3 && fits[i].models[k] != NULL; k++)
      snprintf(f.models[f.n++], PL_MODEL_MAX, "%s", fits[i].models[k]);
    rc = pl_fitment_set(e, PL_DEMO_CHAIN, &f, NULL, err);
  }
  for (size_t i = 0; rc == 0 && i < N(levels); i++)
    rc = pl_stock_set_levels(e, PL_DEMO_CHAIN, levels[i].wh, levels[i].part,
                             levels[i].min, levels[i].max, NULL, err);
  return rc;
}
