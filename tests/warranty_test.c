/* warranty_test.c — warranty on work orders and supplier claims, in the
 * engine on the demo chain in a real RocksDB directory: coverage and
 * pricing against a reference computed here from a random workload, a
 * failed part traced to its lot and supplier, the factory terms' edges,
 * restart, and refused calls that write nothing. */
#include "testutil.h"

#include "pitlane/demo.h"
#include "pitlane/inventory.h"
#include "pitlane/vehicles.h"
#include "pitlane/warranty.h"
#include "pitlane/workorders.h"

#define CH PL_DEMO_CHAIN
/* 2026-11-25 09:00 in Shanghai (UTC+8) */
#define T0_MS ((int64_t)1795568400000LL)
#define DAY_MS (86400000LL)

typedef test_fx fx;

static int setup(void **state) {
  *state = test_fx_new(T0_MS, 1);
  return 0;
}

/* SH01's UTC offset, minutes. */
static int32_t sh01_offset(const fx *f) {
  pl_store_info si;
  assert_int_equal(pl_store_get(f->e, CH, "SH01", &si, NULL), 0);
  return si.utc_offset_min;
}

/* SH01's local day now, computed here (not by the engine). */
static int32_t today(const fx *f) {
  int64_t min = f->clk.now_ms / 60000 + sh01_offset(f);
  return (int32_t)(min >= 0 ? min / 1440 : -((-min + 1439) / 1440));
}

/* Sets the clock to local day `day` at minute `m` of that day. */
static void set_local(fx *f, int32_t day, int32_t m) {
  f->clk.now_ms = ((int64_t)day * 1440 + m - sh01_offset(f)) * 60000;
}

static pl_wo_new walk_in(const char *vin, int64_t km) {
  pl_wo_new in = {0};
  strcpy(in.chain, CH);
  strcpy(in.store, "SH01");
  strcpy(in.vehicle.plate, "沪W00001");
  snprintf(in.vehicle.vin, sizeof in.vehicle.vin, "%s", vin);
  strcpy(in.vehicle.model, "Model W");
  in.vehicle.mileage_km = km;
  strcpy(in.complaint, "check");
  strcpy(in.advisor, "adv1");
  in.assign = PL_ASSIGN_MANUAL;
  in.n_techs = 1;
  strcpy(in.techs[0], "T01");
  return in;
}

/* Takes an order from PENDING to DELIVERED, every item done. */
static void deliver(fx *f, int64_t id, int32_t days, int64_t km) {
  pl_error err = {0};
  pl_work_order *w = malloc(sizeof *w);
  assert_int_equal(pl_wo_start(f->e, CH, id, "T01", NULL, w, &err), 0);
  for (int32_t i = 0; i < w->n_items; i++)
    if (pl_wo_complete_item(f->e, CH, id, w->items[i].no, "T01", NULL, NULL,
                            &err) != 0)
      fail_msg("complete %lld/%d: %s", (long long)id, w->items[i].no, err.msg);
  assert_int_equal(pl_wo_request_qc(f->e, CH, id, "T01", NULL, NULL, &err), 0);
  assert_int_equal(
      pl_wo_record_qc(f->e, CH, id, 1, "qc1", "ok", NULL, NULL, &err), 0);
  if (pl_wo_deliver(f->e, CH, id, "adv1", days, km, NULL, NULL, &err) != 0)
    fail_msg("deliver: %s", err.msg);
  free(w);
}

static int n_claims(pl_engine *e) {
  static pl_supplier_claim all[512];
  pl_sclaim_filter fl = {.chain = CH};
  int n = pl_sclaim_list(e, &fl, all, 512, NULL);
  assert_true(n >= 0 && n < 512);
  return n;
}

static uint64_t receive(pl_engine *e, const char *part, const char *supplier,
                        int64_t qty, int64_t cost) {
  pl_move_req r = {.qty = qty, .unit_cost_fen = cost};
  strcpy(r.chain, CH);
  strcpy(r.warehouse, "WH-SH01");
  snprintf(r.part_no, sizeof r.part_no, "%s", part);
  snprintf(r.supplier, sizeof r.supplier, "%s", supplier);
  strcpy(r.actor, "clerk");
  pl_movement m;
  pl_error err = {0};
  if (pl_stock_receive(e, &r, NULL, NULL, &m, &err) != 0)
    fail_msg("receive: %s", err.msg);
  assert_int_equal(m.n_lots, 1);
  return m.lots[0].lot;
}

/* ---- the random workload against a reference ---------------------------- */

#define N_VINS 4
#define N_ORDERS 90
#define MAX_IT 4

static const char *const VINS[N_VINS] = {
    "LSVWAR00000000001", "LSVWAR00000000002", "LSVWAR00000000003",
    "LSVWAR00000000004"};
static const char *const SERVICES[] = {"MAINT", "DIAG", "FIRST"};
static const char *const PARTS[] = {"OF-1001", "SP-IR-4"};

/* What the test itself remembers of each order (the reference). */
typedef struct ref_item {
  pl_item_kind kind;
  char key[PL_CODE_MAX];
  int64_t qty;
  int32_t flagged;
} ref_item;

typedef struct ref_order {
  int64_t id;
  int vin;
  int32_t day;
  int64_t km;
  int delivered, open;
  int32_t wdays;
  int64_t wkm;
  int32_t dday; /* local day of delivery */
  int n;
  ref_item it[MAX_IT];
} ref_order;

typedef struct ref_lot {
  uint64_t lot;
  char supplier[PL_CODE_MAX];
  int64_t cost;
} ref_lot;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n) { /* xorshift64*, 0..n-1 */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static const ref_lot *find_lot(const ref_lot *lots, int n, uint64_t lot) {
  for (int i = 0; i < n; i++)
    if (lots[i].lot == lot)
      return &lots[i];
  return NULL;
}

static void pricing_matches_a_reference_on_a_random_workload(void **st) {
  fx *f = *st;
  pl_error err = {0};
  /* lots with known suppliers and costs: the demo's and new ones */
  ref_lot lots[64];
  int nl = 0;
  for (size_t p = 0; p < 2; p++) {
    for (int k = 0; k < 3; k++) {
      const char *sup = k % 2 ? "SUP-BOSCH" : "SUP-HUADONG";
      int64_t cost = 1000 + (int64_t)p * 100 + k * 7;
      lots[nl].lot = receive(f->e, PARTS[p], sup, 120, cost);
      strcpy(lots[nl].supplier, sup);
      lots[nl++].cost = cost;
    }
    pl_lot_info li[16];
    int n = pl_stock_lots(f->e, CH, "WH-SH01", PARTS[p], li, 16, NULL);
    for (int i = 0; i < n; i++)
      if (find_lot(lots, nl, li[i].lot) == NULL) {
        lots[nl].lot = li[i].lot;
        strcpy(lots[nl].supplier, li[i].supplier);
        lots[nl++].cost = li[i].unit_cost_fen;
      }
  }
  /* two vehicles registered with factory terms, one without */
  int32_t purchase[N_VINS] = {0};
  int32_t fmonths[N_VINS] = {6, 0, 3, 0}, fkm[N_VINS] = {8000, 0, 5000, 0};
  for (int v = 0; v < 3; v++) {
    pl_vehicle_info vi = {0};
    strcpy(vi.chain, CH);
    strcpy(vi.vin, VINS[v]);
    strcpy(vi.plate, "沪W00001");
    strcpy(vi.model, "Model W");
    strcpy(vi.store, "SH01");
    vi.purchase_day = purchase[v] = today(f) - 20 * v;
    vi.warranty_months = fmonths[v];
    vi.warranty_km = fkm[v];
    assert_int_equal(pl_vehicle_register(f->e, &vi, 0, NULL, NULL, &err), 0);
  }
  int64_t km[N_VINS] = {100, 2000, 500, 9000};
  ref_order *ref = calloc(N_ORDERS, sizeof *ref);
  pl_work_order *w = malloc(sizeof *w);
  int covered_repair = 0, covered_factory = 0, claims_seen = 0, edges = 0;
  int late = 0;

  for (int o = 0; o < N_ORDERS; o++) {
    f->clk.now_ms += (int64_t)rnd(25) * DAY_MS + rnd(600) * 60000LL;
    /* now and then an order left open earlier is delivered late (after
     * newer ones were) */
    for (int p = rnd(o + 1); p < o && rnd(3) == 0; p++)
      if (ref[p].open) {
        ref[p].wdays = 10 + (int32_t)rnd(90);
        ref[p].wkm = 500 + rnd(6000);
        deliver(f, ref[p].id, ref[p].wdays, ref[p].wkm);
        ref[p].open = 0;
        ref[p].delivered = 1;
        ref[p].dday = today(f);
        late++;
        break;
      }
    ref_order *r = &ref[o];
    r->vin = (int)rnd(N_VINS);
    km[r->vin] += rnd(2500);
    /* often, aim at the edge of an earlier repair's warranty: its last
     * day or the day after, its last km or the one after */
    for (int p = o - 1; p >= 0 && rnd(2) == 0; p--) {
      const ref_order *q = &ref[p];
      if (q->vin != r->vin || !q->delivered)
        continue;
      int32_t d = q->dday + q->wdays + (int32_t)rnd(2);
      if (d > today(f))
        set_local(f, d, 60 * (int32_t)rnd(24));
      int64_t k = q->km + q->wkm + rnd(2);
      if (k > km[r->vin])
        km[r->vin] = k;
      break;
    }
    r->km = km[r->vin];
    r->day = today(f);
    pl_wo_new in = walk_in(VINS[r->vin], r->km);
    r->n = 1 + (int)rnd(MAX_IT);
    for (int i = 0; i < r->n; i++) {
      ref_item *ri = &r->it[i];
      if (i > 0 && rnd(4) == 0) { /* the same work twice in one order */
        *ri = r->it[i - 1];
        in.items[i] = in.items[i - 1];
      } else if (rnd(2)) {
        ri->kind = PL_ITEM_LABOUR;
        strcpy(ri->key, SERVICES[rnd(3)]);
        in.items[i] = test_labour_item(ri->key);
      } else {
        ri->kind = PL_ITEM_PART;
        strcpy(ri->key, PARTS[rnd(2)]);
        ri->qty = 1 + rnd(3);
        in.items[i] = test_part_item(ri->key, ri->qty);
      }
      ri->flagged = rnd(3) == 0;
      in.items[i].warranty_claim = ri->flagged;
    }
    in.n_items = r->n;
    int claims_before = n_claims(f->e);
    if (pl_wo_create(f->e, &in, NULL, NULL, w, &err) != 0)
      fail_msg("order %d: %s", o, err.msg);
    r->id = w->id;

    /* the reference: a straightforward loop over what the test kept */
    int64_t lab = 0, parts = 0, wfen = 0;
    int want_claims = 0;
    for (int i = 0; i < r->n; i++) {
      const ref_item *ri = &r->it[i];
      pl_warranty_kind kind = PL_WARRANTY_NONE;
      int64_t src = 0;
      int32_t src_no = 0;
      for (int p = o - 1; p >= 0 && kind == PL_WARRANTY_NONE; p--) {
        const ref_order *q = &ref[p];
        if (q->vin != r->vin || !q->delivered)
          continue;
        for (int j = 0; j < q->n && kind == PL_WARRANTY_NONE; j++) {
          const ref_item *qi = &q->it[j];
          if (qi->kind != ri->kind || strcmp(qi->key, ri->key) != 0 ||
              (ri->kind == PL_ITEM_PART && ri->qty > qi->qty))
            continue;
          edges += r->day - q->dday == q->wdays || r->km - q->km == q->wkm;
          if (r->day - q->dday <= q->wdays && r->km - q->km <= q->wkm) {
            kind = PL_WARRANTY_REPAIR;
            src = q->id;
            src_no = j + 1;
          }
        }
      }
      if (kind == PL_WARRANTY_NONE && ri->flagged && fmonths[r->vin] > 0 &&
          r->vin < 3 &&
          r->day <= pl_day_add_months(purchase[r->vin], fmonths[r->vin]) &&
          r->km <= fkm[r->vin])
        kind = PL_WARRANTY_FACTORY;
      const pl_wo_item *it = &w->items[i];
      if (it->warranty != kind || it->src_wo != src || it->src_item != src_no)
        fail_msg("order %d (id %lld) item %d %s: engine %d from %lld/%d, "
                 "reference %d from %lld/%d",
                 o, (long long)r->id, i + 1, ri->key, (int)it->warranty,
                 (long long)it->src_wo, it->src_item, (int)kind, (long long)src,
                 src_no);
      int64_t amount = ri->kind == PL_ITEM_PART ? it->unit_price_fen * ri->qty
                                                : it->unit_price_fen;
      assert_true(amount > 0);
      if (kind != PL_WARRANTY_NONE)
        wfen += amount;
      else if (ri->kind == PL_ITEM_LABOUR)
        lab += amount;
      else
        parts += amount;
      covered_repair += kind == PL_WARRANTY_REPAIR;
      covered_factory += kind == PL_WARRANTY_FACTORY;
      if (kind == PL_WARRANTY_REPAIR && ri->kind == PL_ITEM_PART) {
        /* its claims: one per lot of the source item, the supplier and
         * cost of that lot, the qty spread over them */
        pl_work_order *sw = malloc(sizeof *sw);
        assert_int_equal(pl_wo_get(f->e, CH, src, sw, NULL), 0);
        const pl_wo_item *si = &sw->items[src_no - 1];
        pl_supplier_claim cl[8];
        pl_sclaim_filter fl = {.chain = CH, .after_id = claims_before};
        int nc = pl_sclaim_list(f->e, &fl, cl, 8, NULL);
        int64_t left = ri->qty, total = 0;
        int k = 0;
        for (int c = 0; c < nc; c++) {
          if (cl[c].item_no != i + 1)
            continue;
          assert_true(k < si->n_lots);
          assert_true(cl[c].lot == si->lots[k].lot);
          const ref_lot *rl = find_lot(lots, nl, cl[c].lot);
          assert_non_null(rl);
          assert_string_equal(cl[c].supplier, rl->supplier);
          int64_t q = k == si->n_lots - 1 || si->lots[k].qty > left
                          ? left
                          : si->lots[k].qty;
          assert_true(cl[c].qty == q);
          assert_true(cl[c].amount_fen == rl->cost * q);
          assert_true(cl[c].src_wo == src && cl[c].src_item == src_no);
          assert_true(cl[c].wo_id == r->id);
          assert_int_equal(cl[c].state, PL_SCLAIM_OPEN);
          left -= q;
          total += cl[c].qty;
          k++;
          want_claims++;
        }
        assert_true(total == ri->qty);
        free(sw);
      }
    }
    claims_seen += want_claims;
    assert_int_equal(n_claims(f->e), claims_before + want_claims);
    int64_t el, ep;
    pl_wo_totals(w, &el, &ep);
    assert_true(el == lab);
    assert_true(ep == parts);
    assert_true(pl_wo_warranty_fen(w) == wfen);

    /* most orders are delivered, some cancelled, some left open */
    uint32_t fate = rnd(10);
    if (fate < 7) {
      f->clk.now_ms += rnd(3) * DAY_MS;
      r->wdays = 10 + (int32_t)rnd(90);
      r->wkm = 500 + rnd(6000);
      deliver(f, r->id, r->wdays, r->wkm);
      r->delivered = 1;
      r->dday = today(f);
    } else if (fate < 9) {
      assert_int_equal(
          pl_wo_cancel(f->e, CH, r->id, "adv1", "no", NULL, NULL, &err), 0);
    } else {
      r->open = 1;
    }
  }
  /* the workload must have exercised every kind of coverage */
  assert_true(covered_repair > 5);
  assert_true(edges > 3); /* candidates exactly on a last day or km */
  assert_true(late > 0);
  assert_true(covered_factory > 0);
  assert_true(claims_seen > 0);

  /* restart: every order's warranty fields and every claim come back */
  int n = n_claims(f->e);
  pl_supplier_claim *before = calloc((size_t)n + 1, sizeof *before);
  pl_sclaim_filter fl = {.chain = CH};
  assert_int_equal(pl_sclaim_list(f->e, &fl, before, n, NULL), n);
  pl_work_order *orders = calloc(N_ORDERS, sizeof *orders);
  for (int o = 0; o < N_ORDERS; o++)
    assert_int_equal(pl_wo_get(f->e, CH, ref[o].id, &orders[o], NULL), 0);
  test_fx_reopen(f);
  pl_supplier_claim *after = calloc((size_t)n + 1, sizeof *after);
  assert_int_equal(pl_sclaim_list(f->e, &fl, after, n + 1, NULL), n);
  assert_memory_equal(before, after, (size_t)n * sizeof *before);
  for (int o = 0; o < N_ORDERS; o++) {
    assert_int_equal(pl_wo_get(f->e, CH, ref[o].id, w, NULL), 0);
    assert_int_equal(w->n_items, orders[o].n_items);
    assert_memory_equal(w->items, orders[o].items,
                        (size_t)w->n_items * sizeof *w->items);
  }
  free(before);
  free(after);
  free(orders);
  free(ref);
  free(w);
}

/* ---- one failed part, traced ---------------------------------------------
 */

#define VIN_A "LSVWAR0000000000A"

static void a_failed_part_becomes_a_claim_on_its_lot_supplier(void **st) {
  fx *f = *st;
  pl_error err = {0};
  /* CF-300 has no stock at WH-SH01: one unit from Huadong, then Bosch */
  uint64_t l1 = receive(f->e, "CF-300", "SUP-HUADONG", 1, 2000);
  uint64_t l2 = receive(f->e, "CF-300", "SUP-BOSCH", 5, 2200);
  pl_wo_new in = walk_in(VIN_A, 30000);
  in.items[0] = test_part_item("CF-300", 2);
  in.items[1] = test_labour_item("MAINT");
  in.n_items = 2;
  pl_work_order first, next;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &first, &err), 0);
  assert_int_equal(first.items[0].warranty, PL_WARRANTY_NONE);
  deliver(f, first.id, 60, 3000);
  assert_int_equal(pl_wo_get(f->e, CH, first.id, &first, NULL), 0);
  assert_int_equal(first.items[0].n_lots, 2);
  assert_string_equal(first.items[0].lot_supplier[0], "SUP-HUADONG");
  assert_string_equal(first.items[0].lot_supplier[1], "SUP-BOSCH");
  assert_int_equal(first.items[0].warranty_days, 60);
  assert_int_equal(first.items[0].warranty_from_day, today(f));
  assert_true(first.items[0].warranty_from_km == 30000);

  /* 59 days later, 2,999 km on: the filter fails again */
  set_local(f, today(f) + 59, 600);
  pl_wo_new again = walk_in(VIN_A, 32999);
  again.items[0] = test_part_item("CF-300", 2);
  again.items[1] = test_labour_item("DIAG");
  again.n_items = 2;
  assert_int_equal(pl_wo_create(f->e, &again, "back-1", NULL, &next, &err), 0);
  assert_int_equal(next.items[0].warranty, PL_WARRANTY_REPAIR);
  assert_true(next.items[0].src_wo == first.id);
  assert_int_equal(next.items[0].src_item, 1);
  assert_int_equal(next.items[1].warranty, PL_WARRANTY_NONE);
  int64_t lab, parts;
  pl_wo_totals(&next, &lab, &parts);
  assert_true(parts == 0);
  assert_true(lab == next.items[1].unit_price_fen);
  assert_true(pl_wo_warranty_fen(&next) == 2 * next.items[0].unit_price_fen);
  assert_true(pl_wo_item_customer_fen(&next.items[0]) == 0);

  pl_supplier_claim cl[4];
  pl_sclaim_filter fl = {.chain = CH};
  assert_int_equal(pl_sclaim_list(f->e, &fl, cl, 4, NULL), 2);
  assert_true(cl[0].lot == l1 && cl[1].lot == l2);
  assert_string_equal(cl[0].supplier, "SUP-HUADONG");
  assert_string_equal(cl[1].supplier, "SUP-BOSCH");
  assert_true(cl[0].qty == 1 && cl[0].amount_fen == 2000);
  assert_true(cl[1].qty == 1 && cl[1].amount_fen == 2200);
  assert_true(cl[0].wo_id == next.id && cl[0].item_no == 1);
  fl.supplier = "SUP-BOSCH";
  assert_int_equal(pl_sclaim_list(f->e, &fl, cl, 4, NULL), 1);
  assert_true(cl[0].id == 2);

  /* a retry of the create: the same order, no second claim */
  pl_work_order dup;
  assert_int_equal(pl_wo_create(f->e, &again, "back-1", NULL, &dup, &err), 0);
  assert_true(dup.id == next.id);
  fl.supplier = NULL;
  assert_int_equal(pl_sclaim_list(f->e, &fl, cl, 4, NULL), 2);

  /* the decision, its repeat, and the other decision refused */
  pl_supplier_claim d;
  assert_int_equal(pl_sclaim_decide(f->e, CH, 2, PL_SCLAIM_ACCEPTED, "mgr",
                                    "lot recalled", NULL, &d, &err),
                   0);
  assert_int_equal(d.state, PL_SCLAIM_ACCEPTED);
  assert_string_equal(d.decided_by, "mgr");
  assert_int_equal(pl_sclaim_decide(f->e, CH, 2, PL_SCLAIM_ACCEPTED, "mgr",
                                    "again", NULL, &d, &err),
                   0);
  assert_string_equal(d.note, "lot recalled");
  assert_int_equal(pl_sclaim_decide(f->e, CH, 2, PL_SCLAIM_REJECTED, "mgr", "",
                                    NULL, &d, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "accepted"));
  assert_int_equal(
      pl_sclaim_decide(f->e, CH, 2, PL_SCLAIM_OPEN, "mgr", "", NULL, &d, &err),
      PL_EINVAL);
  assert_int_equal(pl_sclaim_decide(f->e, CH, 9, PL_SCLAIM_REJECTED, "mgr", "",
                                    NULL, &d, &err),
                   PL_ENOTFOUND);

  /* restart: the claims, their state and the covered item come back, and
   * the VIN index with them (a preview still sees the repair) */
  test_fx_reopen(f);
  fl.state = PL_SCLAIM_ACCEPTED;
  assert_int_equal(pl_sclaim_list(f->e, &fl, cl, 4, NULL), 1);
  assert_true(cl[0].id == 2 && cl[0].lot == l2);
  assert_string_equal(cl[0].note, "lot recalled");
  assert_int_equal(pl_wo_get(f->e, CH, next.id, &next, NULL), 0);
  assert_int_equal(next.items[0].warranty, PL_WARRANTY_REPAIR);
  pl_wo_item_in q = test_part_item("CF-300", 1);
  pl_warranty_query wq = {.chain = CH,
                          .store = "SH01",
                          .vin = VIN_A,
                          .mileage_km = 33000,
                          .n_items = 1,
                          .items = &q};
  pl_wo_item out;
  assert_int_equal(pl_wo_warranty_check(f->e, &wq, &out, &err), 0);
  assert_int_equal(out.warranty, PL_WARRANTY_REPAIR);
  /* 1 km beyond the first repair's warranty: nothing */
  wq.mileage_km = 33001;
  assert_int_equal(pl_wo_warranty_check(f->e, &wq, &out, &err), 0);
  assert_int_equal(out.warranty, PL_WARRANTY_NONE);
  assert_int_equal(n_claims(f->e), 2); /* previews write nothing */
  /* the repair's last day (delivery day + 60) is covered, the next not */
  int32_t dday = first.items[0].warranty_from_day;
  wq.mileage_km = 33000;
  set_local(f, dday + 60, 1439);
  assert_int_equal(pl_wo_warranty_check(f->e, &wq, &out, &err), 0);
  assert_int_equal(out.warranty, PL_WARRANTY_REPAIR);
  set_local(f, dday + 61, 0);
  assert_int_equal(pl_wo_warranty_check(f->e, &wq, &out, &err), 0);
  assert_int_equal(out.warranty, PL_WARRANTY_NONE);
}

/* ---- factory terms ---------------------------------------------------------
 */

#define VIN_F "LSVWAR0000000000F"

static pl_warranty_kind preview(fx *f, const char *vin, int64_t km,
                                int flagged) {
  pl_wo_item_in it = test_labour_item("DIAG");
  it.warranty_claim = flagged;
  pl_warranty_query wq = {.chain = CH,
                          .store = "SH01",
                          .vin = vin,
                          .mileage_km = km,
                          .n_items = 1,
                          .items = &it};
  pl_wo_item out;
  pl_error err = {0};
  if (pl_wo_warranty_check(f->e, &wq, &out, &err) != 0)
    fail_msg("check: %s", err.msg);
  return out.warranty;
}

static void factory_terms_end_on_their_last_day_and_km(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_vehicle_info vi = {0};
  strcpy(vi.chain, CH);
  strcpy(vi.vin, VIN_F);
  strcpy(vi.plate, "沪F00001");
  strcpy(vi.model, "Model F");
  strcpy(vi.store, "SH01");
  vi.purchase_day = today(f) - 300;
  vi.warranty_months = 12;
  vi.warranty_km = 20000;
  assert_int_equal(pl_vehicle_register(f->e, &vi, 0, NULL, NULL, &err), 0);
  int32_t last = pl_day_add_months(vi.purchase_day, 12);

  set_local(f, last, 1439); /* the last minute of the last day */
  assert_int_equal(preview(f, VIN_F, 20000, 1), PL_WARRANTY_FACTORY);
  assert_int_equal(preview(f, VIN_F, 20001, 1), PL_WARRANTY_NONE);
  assert_int_equal(preview(f, VIN_F, 20000, 0), PL_WARRANTY_NONE);
  set_local(f, last + 1, 0); /* the first minute after */
  assert_int_equal(preview(f, VIN_F, 100, 1), PL_WARRANTY_NONE);

  /* a create agrees with the preview, and stores it */
  set_local(f, last, 600);
  pl_wo_new in = walk_in(VIN_F, 19999);
  in.items[0] = test_labour_item("DIAG");
  in.items[0].warranty_claim = 1;
  in.n_items = 1;
  pl_work_order w;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &w, &err), 0);
  assert_int_equal(w.items[0].warranty, PL_WARRANTY_FACTORY);
  int64_t lab, parts;
  pl_wo_totals(&w, &lab, &parts);
  assert_true(lab == 0 && parts == 0);
  assert_int_equal(n_claims(f->e), 0); /* the maker's, not a supplier's */

  /* terms of 0 are none; an unregistered VIN has none */
  vi.warranty_km = 0;
  assert_int_equal(pl_vehicle_register(f->e, &vi, 0, NULL, NULL, &err), 0);
  assert_int_equal(preview(f, VIN_F, 10, 1), PL_WARRANTY_NONE);
  assert_int_equal(preview(f, "LSVWAR0000000000Z", 10, 1), PL_WARRANTY_NONE);
  /* out of range terms are refused, naming the field */
  vi.warranty_months = 241;
  vi.warranty_km = 10;
  assert_int_equal(pl_vehicle_register(f->e, &vi, 0, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "vehicle.warranty_months"));
  /* and the terms survive a restart (the row's appended fields) */
  test_fx_reopen(f);
  pl_vehicle_info got;
  assert_int_equal(pl_vehicle_get(f->e, CH, VIN_F, &got, NULL), 0);
  assert_int_equal(got.warranty_months, 12);
  assert_int_equal(got.warranty_km, 0);
}

/* ---- refused calls --------------------------------------------------------
 */

static void a_refused_create_writes_nothing(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_wo_new in = walk_in(VIN_A, 1000);
  in.items[0] = test_part_item("SP-IR-4", 1);
  in.n_items = 1;
  pl_work_order w;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &w, &err), 0);
  deliver(f, w.id, 90, 5000);
  f->clk.now_ms += 3 * DAY_MS;
  int64_t n_orders = w.id;
  pl_stock_info s0;
  assert_int_equal(pl_stock_get(f->e, CH, "WH-SH01", "SP-IR-4", &s0, NULL), 0);

  /* a covered part followed by an unknown one: refused whole */
  pl_wo_new bad = walk_in(VIN_A, 1500);
  bad.items[0] = test_part_item("SP-IR-4", 1);
  bad.items[1] = test_part_item("NOPE", 1);
  bad.n_items = 2;
  assert_int_equal(pl_wo_create(f->e, &bad, "bad-1", NULL, &w, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "items[1].part_no"));
  /* a covered part with a technician the store does not have */
  bad.n_items = 1;
  strcpy(bad.techs[0], "NOBODY");
  assert_int_equal(pl_wo_create(f->e, &bad, "bad-2", NULL, &w, &err),
                   PL_ENOTFOUND);
  assert_int_equal(n_claims(f->e), 0);
  pl_wo_filter wf = {.chain = CH};
  pl_work_order *all = calloc(16, sizeof *all);
  assert_int_equal(pl_wo_list(f->e, &wf, all, 16, NULL), (int)n_orders);
  pl_stock_info s1;
  assert_int_equal(pl_stock_get(f->e, CH, "WH-SH01", "SP-IR-4", &s1, NULL), 0);
  assert_true(s1.reserved == s0.reserved && s1.on_hand == s0.on_hand);

  /* the same after a restart: nothing was on disk either */
  test_fx_reopen(f);
  assert_int_equal(n_claims(f->e), 0);
  assert_int_equal(pl_wo_list(f->e, &wf, all, 16, NULL), (int)n_orders);
  /* and a good create now gets the next id and the claim */
  bad.n_items = 1;
  strcpy(bad.techs[0], "T01");
  assert_int_equal(pl_wo_create(f->e, &bad, "good", NULL, &w, &err), 0);
  assert_true(w.id == n_orders + 1);
  assert_int_equal(w.items[0].warranty, PL_WARRANTY_REPAIR);
  assert_int_equal(n_claims(f->e), 1);
  free(all);
}

/* An extra item found during repair gets its warranty decided too, with
 * its claim in the same write. */
static void an_extra_item_can_be_under_warranty(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_wo_new in = walk_in(VIN_A, 1000);
  in.items[0] = test_part_item("SP-IR-4", 2);
  in.n_items = 1;
  pl_work_order w;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &w, &err), 0);
  deliver(f, w.id, 30, 2000);
  f->clk.now_ms += 10 * DAY_MS;
  pl_wo_new in2 = walk_in(VIN_A, 1800);
  in2.items[0] = test_labour_item("DIAG");
  in2.n_items = 1;
  pl_work_order w2;
  assert_int_equal(pl_wo_create(f->e, &in2, NULL, NULL, &w2, &err), 0);
  assert_int_equal(pl_wo_start(f->e, CH, w2.id, "T01", NULL, NULL, &err), 0);
  pl_wo_item_in x = test_part_item("SP-IR-4", 2);
  assert_int_equal(
      pl_wo_add_extra(f->e, CH, w2.id, &x, "T01", "x1", NULL, &w2, &err), 0);
  assert_int_equal(w2.items[1].warranty, PL_WARRANTY_REPAIR);
  assert_true(w2.items[1].src_wo == w.id);
  assert_int_equal(n_claims(f->e), 1);
  /* 3 units: more than were fitted, so not covered */
  pl_wo_item_in y = test_part_item("SP-IR-4", 3);
  assert_int_equal(
      pl_wo_add_extra(f->e, CH, w2.id, &y, "T01", "x2", NULL, &w2, &err), 0);
  assert_int_equal(w2.items[2].warranty, PL_WARRANTY_NONE);
  assert_int_equal(n_claims(f->e), 1);
}

/* Two earlier repairs cover the part: the newer order is the source,
 * even when the older one was delivered last; and after a restart too. */
static void the_newest_covering_order_is_the_source(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_wo_new in = walk_in(VIN_A, 1000);
  in.items[0] = test_part_item("SP-IR-4", 1);
  in.n_items = 1;
  pl_work_order older, newer, w;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &older, &err), 0);
  in.vehicle.mileage_km = 1100;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &newer, &err), 0);
  deliver(f, newer.id, 90, 5000);
  f->clk.now_ms += DAY_MS;
  deliver(f, older.id, 90, 5000);
  f->clk.now_ms += DAY_MS;
  pl_wo_item_in q = test_part_item("SP-IR-4", 1);
  pl_warranty_query wq = {.chain = CH,
                          .store = "SH01",
                          .vin = VIN_A,
                          .mileage_km = 1200,
                          .n_items = 1,
                          .items = &q};
  pl_wo_item out;
  for (int round = 0; round < 2; round++) {
    assert_int_equal(pl_wo_warranty_check(f->e, &wq, &out, &err), 0);
    assert_int_equal(out.warranty, PL_WARRANTY_REPAIR);
    assert_true(out.src_wo == newer.id);
    test_fx_reopen(f);
  }
  in.vehicle.mileage_km = 1200;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &w, &err), 0);
  assert_true(w.items[0].src_wo == newer.id);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          pricing_matches_a_reference_on_a_random_workload, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          a_failed_part_becomes_a_claim_on_its_lot_supplier, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          factory_terms_end_on_their_last_day_and_km, setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(a_refused_create_writes_nothing, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(an_extra_item_can_be_under_warranty,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(the_newest_covering_order_is_the_source,
                                      setup, test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
