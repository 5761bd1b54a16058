/* workorders_test.c — work orders and claims in the engine, on the demo
 * chain in a real RocksDB directory: the life cycle, parts reserved and
 * issued through stock, extra items, events and watches, restart, bad
 * input, automatic assignment's balance, claims' idempotency and fleet
 * batches without double booking. */
#include "testutil.h"

#include <pthread.h>

#include "pitlane/claims.h"
#include "pitlane/demo.h"
#include "pitlane/inventory.h"
#include "pitlane/scheduling.h"
#include "pitlane/warranty.h"
#include "pitlane/workorders.h"

#define CH PL_DEMO_CHAIN
/* 2026-11-25 09:00 in Shanghai (UTC+8) */
#define T0_MS ((int64_t)1795568400000LL)

typedef test_fx fx;

static int setup(void **state) {
  *state = test_fx_new(T0_MS, 1);
  return 0;
}

static pl_stock_info stock(pl_engine *e, const char *wh, const char *part) {
  pl_stock_info s = {0};
  pl_stock_get(e, CH, wh, part, &s, NULL);
  return s;
}

static pl_wo_new walk_in(const char *plate) {
  pl_wo_new in = {0};
  strcpy(in.chain, CH);
  strcpy(in.store, "SH01");
  snprintf(in.vehicle.plate, sizeof in.vehicle.plate, "%s", plate);
  strcpy(in.vehicle.model, "Model 3");
  in.vehicle.mileage_km = 12000;
  strcpy(in.complaint, "noise when braking");
  strcpy(in.advisor, "adv1");
  return in;
}

/* Collects events from a watch. */
typedef struct sink {
  pthread_mutex_t mu;
  int n;
  pl_wo_event ev[64];
} sink;

static void sink_fn(void *arg, const pl_wo_event *ev) {
  sink *s = arg;
  pthread_mutex_lock(&s->mu);
  if (s->n < 64)
    s->ev[s->n++] = *ev;
  pthread_mutex_unlock(&s->mu);
}

static void a_repair_runs_from_reception_to_delivery(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_stock_info before = stock(f->e, "WH-SH01", "BP-F-220");
  assert_true(before.available >= 1);
  pl_wo_new in = walk_in("沪A12345");
  in.items[0] = test_labour_item("MAINT");
  in.items[1] = test_part_item("BP-F-220", 1);
  in.n_items = 2;
  pl_work_order wo;
  assert_int_equal(pl_wo_create(f->e, &in, "wo-1", NULL, &wo, &err), 0);
  assert_true(wo.id > 0);
  assert_int_equal(wo.state, PL_WO_PENDING);
  assert_int_equal(wo.items[1].reserved, 1);
  assert_int_equal(pl_wo_short(&wo), 0);
  /* MAINT needs engine >= 2: only T01 at SH01 has it */
  assert_int_equal(wo.n_techs, 1);
  assert_string_equal(wo.techs[0], "T01");
  pl_stock_info after = stock(f->e, "WH-SH01", "BP-F-220");
  assert_true(after.reserved == before.reserved + 1);

  /* the same key: the same order, nothing reserved twice */
  pl_work_order again;
  assert_int_equal(pl_wo_create(f->e, &in, "wo-1", NULL, &again, &err), 0);
  assert_true(again.id == wo.id);
  assert_true(stock(f->e, "WH-SH01", "BP-F-220").reserved == after.reserved);

  sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
  pl_wo_watch *wt = NULL;
  assert_int_equal(
      pl_wo_watch_order(f->e, CH, wo.id, 0, sink_fn, &s, &wt, &err), 0);

  assert_int_equal(pl_wo_request_qc(f->e, CH, wo.id, "t", NULL, NULL, &err),
                   PL_EPRECOND);
  assert_int_equal(pl_wo_start(f->e, CH, wo.id, "T01", NULL, &wo, &err), 0);
  assert_int_equal(wo.state, PL_WO_IN_REPAIR);
  assert_int_equal(
      pl_wo_progress(f->e, CH, wo.id, "T01", "pads off", 40, NULL, NULL, &err),
      0);

  /* an extra item: reserved at once, released when rejected */
  pl_wo_item_in x = test_part_item("WB-24", 2);
  pl_stock_info wb0 = stock(f->e, "WH-SH01", "WB-24");
  assert_int_equal(
      pl_wo_add_extra(f->e, CH, wo.id, &x, "T01", "x-1", NULL, &wo, &err), 0);
  assert_int_equal(wo.n_items, 3);
  assert_int_equal(wo.items[2].state, PL_ITEM_AWAITING_APPROVAL);
  int64_t held = wo.items[2].reserved;
  assert_true(held == (wb0.available < 2 ? wb0.available : 2));
  assert_true(stock(f->e, "WH-SH01", "WB-24").reserved == wb0.reserved + held);
  /* the same key: no second item */
  assert_int_equal(
      pl_wo_add_extra(f->e, CH, wo.id, &x, "T01", "x-1", NULL, &wo, &err), 0);
  assert_int_equal(wo.n_items, 3);
  assert_int_equal(pl_wo_request_qc(f->e, CH, wo.id, "T01", NULL, NULL, &err),
                   PL_EPRECOND);
  assert_int_equal(
      pl_wo_decide_extra(f->e, CH, wo.id, 3, 0, "customer", NULL, &wo, &err),
      0);
  assert_int_equal(wo.items[2].state, PL_ITEM_REJECTED);
  assert_true(stock(f->e, "WH-SH01", "WB-24").reserved == wb0.reserved);

  /* items done: the part is issued from its reservation, FIFO lots */
  assert_int_equal(
      pl_wo_complete_item(f->e, CH, wo.id, 2, "T01", NULL, &wo, &err), 0);
  assert_int_equal(wo.items[1].state, PL_ITEM_DONE);
  assert_true(wo.items[1].n_lots >= 1);
  pl_stock_info issued = stock(f->e, "WH-SH01", "BP-F-220");
  assert_true(issued.on_hand == before.on_hand - 1);
  assert_true(issued.reserved == before.reserved);
  assert_int_equal(
      pl_wo_complete_item(f->e, CH, wo.id, 1, "T01", NULL, &wo, &err), 0);
  assert_int_equal(pl_wo_request_qc(f->e, CH, wo.id, "T01", NULL, &wo, &err),
                   0);
  assert_int_equal(pl_wo_record_qc(f->e, CH, wo.id, 0, "qc1", "scratch on door",
                                   NULL, &wo, &err),
                   0);
  assert_int_equal(wo.state, PL_WO_IN_REPAIR);
  assert_int_equal(pl_wo_request_qc(f->e, CH, wo.id, "T01", NULL, &wo, &err),
                   0);
  assert_int_equal(
      pl_wo_record_qc(f->e, CH, wo.id, 1, "qc1", "ok", NULL, &wo, &err), 0);
  assert_int_equal(wo.state, PL_WO_COMPLETED);
  assert_int_equal(wo.n_qc, 2);
  assert_int_equal(
      pl_wo_deliver(f->e, CH, wo.id, "adv1", 0, 0, NULL, &wo, &err), 0);
  assert_int_equal(wo.state, PL_WO_DELIVERED);
  assert_int_equal(wo.warranty_days, 90);
  assert_int_equal(pl_wo_cancel(f->e, CH, wo.id, "adv1", "", NULL, NULL, &err),
                   PL_EPRECOND);

  /* events: 1..last_seq, in order, each once, the states as they went */
  pl_wo_unwatch(f->e, wt);
  assert_true(wo.last_seq >= 12);
  assert_int_equal(s.n, (int)wo.last_seq);
  for (int i = 0; i < s.n; i++)
    assert_true(s.ev[i].seq == (uint64_t)i + 1);
  assert_int_equal(s.ev[0].kind, PL_WOE_CREATED);
  assert_int_equal(s.ev[s.n - 1].kind, PL_WOE_DELIVERED);
  assert_int_equal(s.ev[s.n - 1].state, PL_WO_DELIVERED);

  /* a reconnecting watcher gets exactly what came after its last seq */
  sink s2 = {.mu = PTHREAD_MUTEX_INITIALIZER};
  assert_int_equal(
      pl_wo_watch_order(f->e, CH, wo.id, 5, sink_fn, &s2, &wt, &err), 0);
  pl_wo_unwatch(f->e, wt);
  assert_int_equal(s2.n, s.n - 5);
  assert_true(s2.ev[0].seq == 6);

  /* restart: the order, its events, the stock all as they were */
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  pl_work_order back;
  assert_int_equal(pl_wo_get(f->e, CH, wo.id, &back, &err), 0);
  assert_int_equal(back.state, PL_WO_DELIVERED);
  assert_int_equal(back.n_items, 3);
  assert_true(back.last_seq == wo.last_seq);
  assert_int_equal(back.items[1].n_lots, wo.items[1].n_lots);
  pl_wo_event evs[64];
  assert_int_equal(pl_wo_events(f->e, CH, wo.id, 0, evs, 64, &err), s.n);
  assert_true(stock(f->e, "WH-SH01", "BP-F-220").on_hand == issued.on_hand);
  assert_int_equal(pl_stock_verify_ledger(f->e, CH, &err), 0);
}

static void short_parts_wait_for_stock(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_stock_info s0 = stock(f->e, "WH-SH01", "SP-IR-4");
  int64_t want = s0.available + 3;
  pl_wo_new in = walk_in("沪B00001");
  in.items[0] = test_part_item("SP-IR-4", want);
  in.n_items = 1;
  pl_work_order wo;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &wo, &err), 0);
  assert_true(wo.items[0].reserved == s0.available);
  assert_true(pl_wo_short(&wo) == 3);
  assert_int_equal(pl_wo_start(f->e, CH, wo.id, "T01", NULL, &wo, &err), 0);
  assert_int_equal(
      pl_wo_complete_item(f->e, CH, wo.id, 1, "T01", NULL, NULL, &err),
      PL_EPRECOND);
  pl_move_req r = {.chain = CH,
                   .warehouse = "WH-SH01",
                   .part_no = "SP-IR-4",
                   .qty = 5,
                   .actor = "clerk"};
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, &err), 0);
  assert_int_equal(
      pl_wo_reserve_short(f->e, CH, wo.id, "clerk", NULL, &wo, &err), 0);
  assert_true(pl_wo_short(&wo) == 0);
  assert_true(wo.items[0].reserved == want);
  /* cancelling releases everything it held */
  assert_int_equal(
      pl_wo_cancel(f->e, CH, wo.id, "adv1", "customer left", NULL, &wo, &err),
      0);
  assert_int_equal(wo.items[0].state, PL_ITEM_CANCELLED);
  assert_true(stock(f->e, "WH-SH01", "SP-IR-4").reserved == s0.reserved);
}

static void bad_input_changes_nothing(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_wo_new in = walk_in("沪C1");
  in.items[0] = test_part_item("NOPE", 1);
  in.n_items = 1;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "items[0].part_no"));
  in.items[0] = test_part_item("OF-1001", 0);
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err), PL_EINVAL);
  in.items[0] = test_labour_item("NOSVC");
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  in.items[0] = test_labour_item("MAINT");
  strcpy(in.store, "NOSTORE");
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  strcpy(in.store, "SH01");
  in.n_techs = 1;
  strcpy(in.techs[0], "T99");
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  in.booking_id = 424242;
  in.n_techs = 0;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  pl_work_order out[4];
  pl_wo_filter fl = {.chain = CH};
  assert_int_equal(pl_wo_list(f->e, &fl, out, 4, &err), 0);
  assert_int_equal(pl_wo_get(f->e, CH, 1, out, &err), PL_ENOTFOUND);
  assert_int_equal(pl_wo_start(f->e, CH, 7, "x", NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_int_equal(pl_wo_get(f->e, "nochain", 1, out, &err), PL_ENOTFOUND);
}

/* A check-in: the booking's services and technicians become the order's;
 * a second order for it is refused; delivery completes the booking. */
static void a_booking_becomes_a_work_order(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_slot_query q = {.chain = CH,
                     .n_stores = 1,
                     .stores = {"SH01"},
                     .n_services = 1,
                     .services = {"TYRE"},
                     .earliest = T0_MS / 60000,
                     .latest = T0_MS / 60000 + 3 * 24 * 60,
                     .k = 1};
  pl_slot_option opt;
  assert_int_equal(pl_recommend_slots(f->e, &q, &opt, 1, &err), 1);
  pl_booking_info b = {.chain = CH, .channel = PL_CHANNEL_APP};
  strcpy(b.store, opt.store);
  strcpy(b.plate, "沪D777");
  b.n_segments = opt.n_segments;
  memcpy(b.seg, opt.seg, sizeof b.seg);
  pl_booking_info got;
  assert_int_equal(pl_booking_hold(f->e, &b, 0, NULL, NULL, &got, &err), 0);
  assert_int_equal(pl_booking_transition(f->e, CH, got.id, PL_BOOKING_CONFIRMED,
                                         NULL, NULL, &err),
                   0);
  /* the store's watchers hear of bookings as they become durable; another
   * store's do not */
  sink board = {.mu = PTHREAD_MUTEX_INITIALIZER};
  sink other = {.mu = PTHREAD_MUTEX_INITIALIZER};
  pl_wo_watch *bw = NULL, *ow = NULL;
  assert_int_equal(
      pl_wo_watch_store(f->e, CH, opt.store, 0, sink_fn, &board, &bw, &err), 0);
  assert_int_equal(
      pl_wo_watch_store(f->e, CH, strcmp(opt.store, "SH01") ? "SH01" : "SH02",
                        0, sink_fn, &other, &ow, &err),
      0);
  assert_int_equal(pl_booking_transition(f->e, CH, got.id, PL_BOOKING_CONFIRMED,
                                         NULL, NULL, &err),
                   0); /* a repeat: nothing changed, nothing said */
  pl_slot_option opt2;
  assert_int_equal(pl_recommend_slots(f->e, &q, &opt2, 1, &err), 1);
  pl_booking_info b2 = b;
  strcpy(b2.store, opt2.store);
  strcpy(b2.plate, "沪D778");
  memcpy(b2.seg, opt2.seg, sizeof b2.seg);
  pl_booking_info got2;
  assert_int_equal(pl_booking_hold(f->e, &b2, 0, NULL, NULL, &got2, &err), 0);
  assert_int_equal(pl_booking_transition(f->e, CH, got2.id,
                                         PL_BOOKING_CANCELLED, NULL, NULL,
                                         &err),
                   0);
  pl_wo_unwatch(f->e, bw);
  pl_wo_unwatch(f->e, ow);
  assert_int_equal(other.n, 0);
  assert_int_equal(board.n, 2);
  assert_int_equal(board.ev[0].kind, PL_WOE_BOOKING);
  assert_true(board.ev[0].booking_id == got2.id && board.ev[0].wo_id == 0);
  assert_int_equal(board.ev[0].booking_state, PL_BOOKING_HELD);
  assert_true(board.ev[0].booking_start == got2.start);
  assert_int_equal(board.ev[1].booking_state, PL_BOOKING_CANCELLED);

  pl_wo_new in = walk_in("");
  in.booking_id = got.id;
  /* a refused create (a technician not of the store) leaves the booking
   * as it was: not checked in */
  in.n_techs = 1;
  strcpy(in.techs[0], "T99");
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  pl_booking_info still;
  assert_int_equal(pl_booking_get(f->e, CH, got.id, &still, &err), 0);
  assert_int_equal(still.state, PL_BOOKING_CONFIRMED);
  in.n_techs = 0;
  pl_work_order wo;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &wo, &err), 0);
  assert_string_equal(wo.vehicle.plate, "沪D777");
  assert_int_equal(wo.n_items, 1);
  assert_string_equal(wo.items[0].service, "TYRE");
  assert_string_equal(wo.techs[0], opt.seg[0].techs[0]);
  pl_booking_info now;
  assert_int_equal(pl_booking_get(f->e, CH, got.id, &now, &err), 0);
  assert_int_equal(now.state, PL_BOOKING_CHECKED_IN);
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err), PL_EEXIST);
  assert_int_equal(pl_wo_start(f->e, CH, wo.id, "t", NULL, NULL, &err), 0);
  assert_int_equal(
      pl_wo_complete_item(f->e, CH, wo.id, 1, "t", NULL, NULL, &err), 0);
  assert_int_equal(pl_wo_request_qc(f->e, CH, wo.id, "t", NULL, NULL, &err), 0);
  assert_int_equal(
      pl_wo_record_qc(f->e, CH, wo.id, 1, "q", "", NULL, NULL, &err), 0);
  assert_int_equal(
      pl_wo_deliver(f->e, CH, wo.id, "a", 30, 1000, NULL, NULL, &err), 0);
  assert_int_equal(pl_booking_get(f->e, CH, got.id, &now, &err), 0);
  assert_int_equal(now.state, PL_BOOKING_COMPLETED);
  /* the refusal survives a restart (the booking index is rebuilt) */
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err), PL_EEXIST);
}

/* Automatic assignment keeps open labour balanced: orders of one service
 * at a store with three qualified technicians spread evenly; a service
 * nobody there can do is refused, naming the skill. */
static void automatic_assignment_balances_load(void **st) {
  fx *f = *st;
  pl_error err = {0};
  for (int i = 4; i <= 5; i++) {
    pl_technician_info t = {.chain = CH, .store = "SH01", .n_skills = 1};
    snprintf(t.code, sizeof t.code, "T0%d", i);
    strcpy(t.name, "extra");
    t.skills[0] = (pl_skill_level){PL_SKILL_ENGINE, 3};
    assert_int_equal(pl_technician_create(f->e, &t, NULL, NULL, NULL, &err), 0);
  }
  int count[3] = {0};
  const char *names[3] = {"T01", "T04", "T05"};
  for (int i = 0; i < 12; i++) {
    pl_wo_new in = walk_in("沪E1");
    in.items[0] = test_labour_item("MAINT"); /* engine >= 2 */
    in.n_items = 1;
    pl_work_order wo;
    assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &wo, &err), 0);
    assert_int_equal(wo.n_techs, 1);
    int k = -1;
    for (int j = 0; j < 3; j++)
      if (strcmp(wo.techs[0], names[j]) == 0)
        k = j;
    assert_true(k >= 0);
    count[k]++;
  }
  assert_int_equal(count[0], 4);
  assert_int_equal(count[1], 4);
  assert_int_equal(count[2], 4);
  /* finishing one technician's work makes them the first choice again */
  pl_wo_new in = walk_in("沪E2");
  strcpy(in.store, "SH02");
  in.items[0] = test_labour_item("PAINT"); /* body & paint: nobody at SH02 */
  in.n_items = 1;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_non_null(strstr(err.msg, "technicians"));
  /* balance survives a restart (loads are rebuilt from the orders) */
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  int after[3] = {0};
  for (int i = 0; i < 3; i++) {
    pl_wo_new m = walk_in("沪E3");
    m.items[0] = test_labour_item("MAINT");
    m.n_items = 1;
    pl_work_order wo;
    assert_int_equal(pl_wo_create(f->e, &m, NULL, NULL, &wo, &err), 0);
    for (int j = 0; j < 3; j++)
      after[j] += strcmp(wo.techs[0], names[j]) == 0;
  }
  assert_true(after[0] == 1 && after[1] == 1 && after[2] == 1);
}

static void claims_are_one_step_and_idempotent(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_claim_req in = {.chain = CH,
                     .store = "SH01",
                     .insurer = "PICC",
                     .claim_no = "CLM-001",
                     .policy_no = "POL-9",
                     .service = "PAINT",
                     .hold = 1,
                     .estimate_fen = 250000};
  strcpy(in.vehicle.plate, "沪F100");
  strcpy(in.damage, "rear bumper");
  in.items[0] = test_labour_item("PAINT");
  in.items[1] = test_part_item("WB-24", 1);
  in.n_items = 2;
  pl_claim c1, c2;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c1, &err), 0);
  assert_true(c1.wo_id > 0);
  assert_true(c1.booking_id > 0);
  assert_int_equal(c1.replayed, 0);
  pl_work_order wo;
  assert_int_equal(pl_wo_get(f->e, CH, c1.wo_id, &wo, &err), 0);
  assert_string_equal(wo.insurer, "PICC");
  assert_string_equal(wo.claim_no, "CLM-001");
  int64_t l, p;
  pl_wo_totals(&wo, &l, &p);
  assert_true(c1.quoted_fen == l + p);
  pl_booking_info b;
  assert_int_equal(pl_booking_get(f->e, CH, c1.booking_id, &b, &err), 0);
  assert_int_equal(b.state, PL_BOOKING_HELD);
  assert_int_equal(b.channel, PL_CHANNEL_INSURER);
  /* linked, not checked in: CreateWorkOrder for that booking is refused */
  pl_wo_new again = walk_in("x");
  again.booking_id = c1.booking_id;
  assert_int_equal(pl_wo_create(f->e, &again, NULL, NULL, NULL, &err),
                   PL_EEXIST);

  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c2, &err), 0);
  assert_int_equal(c2.replayed, 1);
  assert_true(c2.wo_id == c1.wo_id && c2.booking_id == c1.booking_id);
  pl_wo_filter fl = {.chain = CH, .insurer = "PICC"};
  pl_work_order all[4];
  assert_int_equal(pl_wo_list(f->e, &fl, all, 4, &err), 1);

  strcpy(in.claim_no, "CLM-002");
  in.hold = 0;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c2, &err), 0);
  assert_true(c2.booking_id == 0 && c2.n_options >= 1);
  strcpy(in.insurer, "CPIC");
  strcpy(in.claim_no, "CLM-001"); /* another insurer's number space */
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c2, &err), 0);
  assert_int_equal(c2.replayed, 0);
  assert_true(c2.wo_id != c1.wo_id);

  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  pl_claim got[8];
  assert_int_equal(pl_claim_list(f->e, CH, "PICC", "", got, 8, &err), 2);
  assert_string_equal(got[0].claim_no, "CLM-001");
  assert_int_equal(pl_claim_list(f->e, CH, "", "", got, 8, &err), 3);
  assert_int_equal(pl_claim_get(f->e, CH, "PICC", "CLM-001", got, &err), 0);
  assert_true(got[0].booking_id == c1.booking_id);
  strcpy(in.insurer, "PICC");
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c2, &err), 0);
  assert_int_equal(c2.replayed, 1);
  assert_int_equal(pl_claim_get(f->e, CH, "PICC", "NONE", got, &err),
                   PL_ENOTFOUND);
  /* a claim the order would refuse holds nothing either */
  pl_booking_info before[64], after_b[64];
  pl_booking_filter bf = {.chain = CH, .plate = "沪F100"};
  int nb = pl_booking_list(f->e, &bf, before, 64, &err);
  strcpy(in.claim_no, "CLM-004");
  in.hold = 1;
  in.items[1] = test_part_item("NO-SUCH-PART", 1);
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c2, &err), PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "items[1].part_no"));
  assert_int_equal(pl_booking_list(f->e, &bf, after_b, 64, &err), nb);
  assert_int_equal(pl_claim_get(f->e, CH, "PICC", "CLM-004", got, &err),
                   PL_ENOTFOUND);
  in.vehicle.plate[0] = '\0';
  strcpy(in.claim_no, "CLM-003");
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c2, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "vehicle"));
}

static int overlaps(const pl_segment *a, const pl_segment *b) {
  return a->start < b->end && b->start < a->end;
}

static void a_fleet_batch_never_double_books(void **st) {
  fx *f = *st;
  pl_error err = {0};
  enum { N = 40 };
  pl_fleet_job jobs[N];
  memset(jobs, 0, sizeof jobs);
  for (int i = 0; i < N; i++) {
    snprintf(jobs[i].vehicle.plate, sizeof jobs[i].vehicle.plate, "沪G%03d", i);
    jobs[i].n_services = 1;
    strcpy(jobs[i].services[0], i % 3 ? "MAINT" : "TYRE");
  }
  pl_fleet_batch in = {.chain = CH,
                       .fleet = "SFEXPRESS",
                       .n_stores = 2,
                       .stores = {"SH01", "SH02"},
                       .n_jobs = N,
                       .jobs = jobs,
                       .hold = 1,
                       .idem = "batch-1"};
  pl_fleet_result *res = calloc(N, sizeof *res);
  int n = pl_fleet_schedule(f->e, &in, NULL, res, &err);
  if (n != N)
    fail_msg("scheduled %d: %s / %s", n, err.msg, res[0].error);
  assert_int_equal(n, N);
  for (int i = 0; i < N; i++) {
    assert_true(res[i].scheduled);
    for (int j = 0; j < i; j++) {
      const pl_segment *a = &res[i].booking.seg[0], *b = &res[j].booking.seg[0];
      if (strcmp(res[i].booking.store, res[j].booking.store) != 0 ||
          !overlaps(a, b))
        continue;
      assert_string_not_equal(a->bay, b->bay);
      assert_string_not_equal(a->techs[0], b->techs[0]);
    }
  }
  /* the same batch again: the same bookings (per-job keys) */
  pl_fleet_result *again = calloc(N, sizeof *again);
  assert_int_equal(pl_fleet_schedule(f->e, &in, NULL, again, &err), N);
  for (int i = 0; i < N; i++)
    assert_true(again[i].booking.id == res[i].booking.id);
  in.n_jobs = 0;
  assert_int_equal(pl_fleet_schedule(f->e, &in, NULL, again, &err), PL_EINVAL);
  free(res);
  free(again);
}

/* Bookings of a plate and orders of an insurer: what a refusal must not
 * have created. */
static int n_bookings(pl_engine *e, const char *plate) {
  pl_booking_filter bf = {.chain = CH, .plate = plate};
  pl_booking_info b[4];
  pl_error err = {0};
  return pl_booking_list(e, &bf, b, 4, &err);
}

static int n_orders(pl_engine *e, const char *insurer) {
  pl_wo_filter fl = {.chain = CH, .insurer = insurer};
  pl_work_order all[8];
  pl_error err = {0};
  return pl_wo_list(e, &fl, all, 8, &err);
}

/* Claim and fleet windows are checked as RecommendSlots checks its own
 * (one validator): a latest at or before the earliest is refused naming
 * the field, and nothing is held or made; 0 still means "not given"; a
 * window that has passed books nothing rather than a default window. */
static void claim_and_fleet_windows_are_checked(void **st) {
  fx *f = *st;
  pl_error err = {0};
  const int64_t now_min = T0_MS / 60000;
  pl_claim_req in = {.chain = CH,
                     .store = "SH01",
                     .insurer = "PICC",
                     .claim_no = "W-1",
                     .service = "MAINT",
                     .hold = 1,
                     .earliest = 1000,
                     .latest = 500};
  strcpy(in.vehicle.plate, "沪W1");
  in.items[0] = test_labour_item("MAINT");
  in.n_items = 1;
  pl_claim c;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "latest_min: must be after earliest_min"));
  /* the case: a day ahead, the end five minutes before the start */
  in.earliest = now_min + 1440;
  in.latest = in.earliest - 5;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "latest_min"));
  in.latest = in.earliest; /* empty */
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), PL_EINVAL);
  in.latest = -5;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), PL_EINVAL);
  assert_int_equal(n_bookings(f->e, "沪W1"), 0);
  assert_int_equal(n_orders(f->e, "PICC"), 0);
  assert_int_equal(pl_claim_get(f->e, CH, "PICC", "W-1", &c, &err),
                   PL_ENOTFOUND);
  /* a good window: the booking lies within it */
  in.latest = in.earliest + 3 * 60;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), 0);
  pl_booking_info b;
  assert_int_equal(pl_booking_get(f->e, CH, c.booking_id, &b, &err), 0);
  assert_true(b.seg[0].start >= in.earliest);
  assert_true(b.seg[b.n_segments - 1].end <= in.latest);
  /* latest 0: not given, 14 days from earliest */
  strcpy(in.claim_no, "W-2");
  strcpy(in.vehicle.plate, "沪W2");
  in.latest = 0;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), 0);
  assert_true(c.booking_id > 0);
  /* a window already over: the claim and its order, no booking */
  strcpy(in.claim_no, "W-3");
  strcpy(in.vehicle.plate, "沪W3");
  in.earliest = 0;
  in.latest = now_min - 60;
  assert_int_equal(pl_claim_submit(f->e, &in, NULL, &c, &err), 0);
  assert_true(c.wo_id > 0);
  assert_int_equal(c.booking_id, 0);
  assert_int_equal(n_bookings(f->e, "沪W3"), 0);

  /* fleets: the batch window, then a job's earliest against it */
  pl_fleet_job jobs[2];
  memset(jobs, 0, sizeof jobs);
  for (int i = 0; i < 2; i++) {
    snprintf(jobs[i].vehicle.plate, sizeof jobs[i].vehicle.plate, "沪WF%d", i);
    jobs[i].n_services = 1;
    strcpy(jobs[i].services[0], "MAINT");
  }
  pl_fleet_batch fb = {.chain = CH,
                       .fleet = "SFEXPRESS",
                       .n_stores = 1,
                       .stores = {"SH01"},
                       .n_jobs = 2,
                       .jobs = jobs,
                       .hold = 1,
                       .earliest = now_min + 1440,
                       .latest = now_min + 1440 - 5};
  pl_fleet_result res[2];
  assert_int_equal(pl_fleet_schedule(f->e, &fb, NULL, res, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "latest_min: must be after earliest_min"));
  fb.latest = fb.earliest + 6 * 60;
  jobs[1].earliest = fb.latest + 60;
  assert_int_equal(pl_fleet_schedule(f->e, &fb, NULL, res, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "jobs[1].earliest_min"));
  assert_int_equal(n_bookings(f->e, "沪WF0"), 0);
  assert_int_equal(n_bookings(f->e, "沪WF1"), 0);
  jobs[1].earliest = 0;
  assert_int_equal(pl_fleet_schedule(f->e, &fb, NULL, res, &err), 2);
  for (int i = 0; i < 2; i++) {
    assert_true(res[i].booking.seg[0].start >= fb.earliest);
    assert_true(res[i].booking.seg[0].end <= fb.latest);
  }
}

/* One VIN rule (ISO 3779 characters, 17 of them; no check digit) and one
 * plate rule (at most 15 bytes, never cut) for orders, claims, fleet jobs,
 * the warranty preview and the list filters; a refusal makes nothing. */
static void one_vin_rule_and_one_plate_rule(void **st) {
  fx *f = *st;
  pl_error err = {0};
  const char *bad[] = {"LSVDEM0000000000O", "LSVDEMI0000000001",
                       "LSVDEMQ0000000001", "lsvdem00000000001",
                       "LSVDEM0000000001",  "LSVDEM000000000011"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pl_wo_new in = walk_in("沪V1");
    snprintf(in.vehicle.vin, sizeof in.vehicle.vin, "%s", bad[i]);
    assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err),
                     PL_EINVAL);
    assert_non_null(strstr(err.msg, "vehicle.vin"));
  }
  pl_wo_new in = walk_in("沪A12345678901"); /* 15 bytes: the limit */
  strcpy(in.vehicle.vin, "ABCDEFGHJKLMNPRST");
  pl_work_order wo;
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, &wo, &err), 0);
  assert_string_equal(wo.vehicle.plate, "沪A12345678901");
  /* a full buffer (16 bytes, no NUL) is refused, not cut */
  memcpy(in.vehicle.plate, "沪A123456789012", PL_PLATE_MAX);
  assert_int_equal(pl_wo_create(f->e, &in, NULL, NULL, NULL, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "vehicle.plate: longer than 15 bytes"));
  pl_wo_filter fl = {.chain = CH, .plate = "沪A123456789012"};
  pl_work_order all[2];
  assert_int_equal(pl_wo_list(f->e, &fl, all, 2, &err), PL_EINVAL);
  pl_booking_filter bf = {.chain = CH, .plate = "沪A123456789012"};
  pl_booking_info bk[2];
  assert_int_equal(pl_booking_list(f->e, &bf, bk, 2, &err), PL_EINVAL);

  pl_claim_req cl = {.chain = CH,
                     .store = "SH01",
                     .insurer = "PICC",
                     .claim_no = "V-1",
                     .service = "MAINT",
                     .hold = 1};
  strcpy(cl.vehicle.plate, "沪V2");
  strcpy(cl.vehicle.vin, "LSVDEMO0000000001");
  pl_claim c;
  assert_int_equal(pl_claim_submit(f->e, &cl, NULL, &c, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "vehicle.vin"));
  assert_int_equal(pl_claim_get(f->e, CH, "PICC", "V-1", &c, &err),
                   PL_ENOTFOUND);
  assert_int_equal(n_bookings(f->e, "沪V2"), 0);

  pl_fleet_job job = {.n_services = 1, .services = {"MAINT"}};
  strcpy(job.vehicle.plate, "沪V3");
  strcpy(job.vehicle.vin, "LSVDEM0000000000Q");
  pl_fleet_batch fb = {.chain = CH,
                       .fleet = "SFEXPRESS",
                       .n_stores = 1,
                       .stores = {"SH01"},
                       .n_jobs = 1,
                       .jobs = &job,
                       .hold = 1};
  pl_fleet_result res;
  assert_int_equal(pl_fleet_schedule(f->e, &fb, NULL, &res, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "jobs[0].vehicle.vin"));
  assert_int_equal(n_bookings(f->e, "沪V3"), 0);

  pl_warranty_query wq = {
      .chain = CH, .store = "SH01", .vin = "LSVDEM0000000000I"};
  pl_wo_item items[1];
  assert_int_equal(pl_wo_warranty_check(f->e, &wq, items, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "vin"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(a_repair_runs_from_reception_to_delivery,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(short_parts_wait_for_stock, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(bad_input_changes_nothing, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(a_booking_becomes_a_work_order, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(automatic_assignment_balances_load, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(claims_are_one_step_and_idempotent, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(a_fleet_batch_never_double_books, setup,
                                      test_fx_teardown),
      cmocka_unit_test_setup_teardown(claim_and_fleet_windows_are_checked,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(one_vin_rule_and_one_plate_rule, setup,
                                      test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
