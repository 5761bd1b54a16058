/* Inventory on a real engine over a real RocksDB directory: movements and
 * their checks, FIFO against a reference computed here, reservations,
 * idempotency, the ledger replayed against memory after a random
 * workload, restart, stocktakes, alerts and purchase suggestions. */
#include <pthread.h>

#include "pitlane/inventory.h"
#include "testutil.h"

typedef test_fx fixture;

static const char *const WH[] = {"W1", "W2", "W3"};
static const char *const PARTS[] = {"P1", "P2", "P3", "P4"};

static void add_part(pl_engine *e, const char *no, int64_t cost) {
  pl_part_info p = {0};
  strcpy(p.chain, "c1");
  strcpy(p.part_no, no);
  strcpy(p.name, "零件");
  strcpy(p.unit, "pc");
  p.purchase_fen = cost;
  assert_int_equal(pl_part_create(e, &p, NULL, NULL, NULL, NULL), 0);
}

static int setup(void **state) {
  fixture *f = test_fx_with_store(1790000000000, "c1", "S1");
  for (size_t i = 0; i < 3; i++) {
    pl_warehouse_info w = {0};
    strcpy(w.chain, "c1");
    strcpy(w.code, WH[i]);
    strcpy(w.store, i == 2 ? "" : "S1");
    strcpy(w.name, "仓");
    assert_int_equal(pl_warehouse_create(f->e, &w, NULL, NULL, NULL, NULL), 0);
  }
  for (size_t i = 0; i < 4; i++)
    add_part(f->e, PARTS[i], 1000 * (int64_t)(i + 1));
  *state = f;
  return 0;
}

static pl_move_req req(const char *wh, const char *part, int64_t qty) {
  pl_move_req r = {0};
  strcpy(r.chain, "c1");
  strcpy(r.warehouse, wh);
  strcpy(r.part_no, part);
  r.qty = qty;
  strcpy(r.actor, "tester");
  return r;
}

static pl_movement receive(pl_engine *e, const char *wh, const char *part,
                           int64_t qty, int64_t cost) {
  pl_move_req r = req(wh, part, qty);
  r.unit_cost_fen = cost;
  strcpy(r.bin, "A-01");
  pl_movement m;
  pl_error err = {0};
  int rc = pl_stock_receive(e, &r, NULL, NULL, &m, &err);
  if (rc != 0)
    fail_msg("receive: %s", err.msg);
  return m;
}

static pl_stock_info stock(pl_engine *e, const char *wh, const char *part) {
  pl_stock_info s;
  assert_int_equal(pl_stock_get(e, "c1", wh, part, &s, NULL), 0);
  return s;
}

static void verify(pl_engine *e) {
  pl_error err = {0};
  int rc = pl_stock_verify_ledger(e, "c1", &err);
  if (rc != 0)
    fail_msg("verify: %s", err.msg);
}

/* ---- basics -------------------------------------------------------------- */

static void receive_reserve_issue_keep_the_counts(void **st) {
  fixture *f = *st;
  pl_movement m = receive(f->e, "W1", "P1", 10, 500);
  assert_int_equal(m.kind, PL_MOVE_RECEIPT);
  assert_true(m.seq > 0);
  assert_int_equal(m.n_lots, 1);
  pl_move_req r = req("W1", "P1", 4);
  strcpy(r.work_order, "WO-1");
  assert_int_equal(pl_stock_reserve(f->e, &r, NULL, NULL, &m, NULL), 0);
  pl_stock_info s = stock(f->e, "W1", "P1");
  assert_int_equal(s.on_hand, 10);
  assert_int_equal(s.reserved, 4);
  assert_int_equal(s.available, 6);
  assert_int_equal(s.in_transit, 0);
  /* issuing 5 to WO-1 consumes its 4 reserved and 1 available */
  r.qty = 5;
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, &m, NULL), 0);
  assert_int_equal(m.qty, -5);
  assert_int_equal(m.reserved_delta, -4);
  s = stock(f->e, "W1", "P1");
  assert_int_equal(s.on_hand, 5);
  assert_int_equal(s.reserved, 0);
  verify(f->e);
}

static void issue_cannot_take_units_reserved_for_another_work_order(void **st) {
  fixture *f = *st;
  receive(f->e, "W1", "P1", 10, 500);
  pl_move_req r = req("W1", "P1", 8);
  strcpy(r.work_order, "WO-A");
  assert_int_equal(pl_stock_reserve(f->e, &r, NULL, NULL, NULL, NULL), 0);
  r.qty = 3;
  strcpy(r.work_order, "WO-B");
  pl_error err = {0};
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  assert_ptr_equal(strstr(err.msg, "qty"), err.msg);
  assert_int_equal(pl_stock_sell(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  r.qty = 2;
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, NULL, NULL), 0);
  pl_stock_info s = stock(f->e, "W1", "P1");
  assert_int_equal(s.on_hand, 8);
  assert_int_equal(s.reserved, 8);
  /* release more than held fails, exact release works */
  strcpy(r.work_order, "WO-A");
  r.qty = 9;
  assert_int_equal(pl_stock_release(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  r.qty = 8;
  assert_int_equal(pl_stock_release(f->e, &r, NULL, NULL, NULL, NULL), 0);
  assert_int_equal(stock(f->e, "W1", "P1").reserved, 0);
  verify(f->e);
}

static void bad_input_gets_a_precise_error_and_changes_nothing(void **st) {
  fixture *f = *st;
  receive(f->e, "W1", "P1", 5, 100);
  pl_stock_info before = stock(f->e, "W1", "P1");
  struct {
    const char *wh, *part, *wo;
    int64_t qty;
    int op; /* 0 receive 1 issue 2 reserve 3 sell 4 adjust */
    int code;
    const char *field;
  } cases[] = {
      {"W1", "NOPE", "", 1, 0, PL_ENOTFOUND, "part_no"},
      {"NOPE", "P1", "", 1, 0, PL_ENOTFOUND, "warehouse"},
      {"W1", "P1", "", 0, 0, PL_EINVAL, "qty"},
      {"W1", "P1", "", -3, 0, PL_EINVAL, "qty"},
      {"W1", "P1", "WO", 0, 1, PL_EINVAL, "qty"},
      {"W1", "P1", "", 1, 1, PL_EINVAL, "work_order"},
      {"W1", "P1", "WO", 6, 1, PL_EPRECOND, "qty"},
      {"W1", "P1", "WO", 6, 2, PL_EPRECOND, "qty"},
      {"W1", "P1", "", 6, 3, PL_EPRECOND, "qty"},
      {"W1", "P1", "", -6, 4, PL_EINVAL, "reason"},
      {"W1", "bad code", "", 1, 0, PL_EINVAL, "part_no"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pl_move_req r = req(cases[i].wh, cases[i].part, cases[i].qty);
    strcpy(r.work_order, cases[i].wo);
    pl_error err = {0};
    int rc = -100;
    switch (cases[i].op) {
    case 0:
      rc = pl_stock_receive(f->e, &r, NULL, NULL, NULL, &err);
      break;
    case 1:
      rc = pl_stock_issue(f->e, &r, NULL, NULL, NULL, &err);
      break;
    case 2:
      rc = pl_stock_reserve(f->e, &r, NULL, NULL, NULL, &err);
      break;
    case 3:
      rc = pl_stock_sell(f->e, &r, NULL, NULL, NULL, &err);
      break;
    default:
      rc = pl_stock_adjust(f->e, &r, NULL, NULL, NULL, &err);
      break;
    }
    if (rc != cases[i].code)
      fail_msg("case %zu: got %s (%s)", i, pl_err_name(rc), err.msg);
    if (strstr(err.msg, cases[i].field) != err.msg)
      fail_msg("case %zu: '%s' does not start with %s", i, err.msg,
               cases[i].field);
  }
  pl_move_req r = req("W1", "P1", 1);
  strcpy(r.actor, "");
  pl_error err = {0};
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_ptr_equal(strstr(err.msg, "actor"), err.msg);
  pl_stock_info after = stock(f->e, "W1", "P1");
  assert_memory_equal(&before, &after, sizeof before);
  pl_movement list[8];
  uint64_t cur;
  pl_movement_filter fl = {.chain = "c1"};
  assert_int_equal(pl_movement_list(f->e, &fl, list, 8, &cur, NULL), 1);
  verify(f->e);
}

static void
an_expensive_part_is_accepted_and_absurd_numbers_are_named(void **st) {
  fixture *f = *st;
  /* a battery pack at 58,000 yuan */
  pl_movement m = receive(f->e, "W1", "P4", 2, 5800000);
  assert_int_equal(m.lots[0].unit_cost_fen, 5800000);
  pl_move_req r = req("W1", "P4", 1);
  r.unit_cost_fen = 1000000001;
  pl_error err = {0};
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_ptr_equal(strstr(err.msg, "unit_cost_fen"), err.msg);
  r = req("W1", "P4", 1000000001);
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_ptr_equal(strstr(err.msg, "qty"), err.msg);
  assert_int_equal(stock(f->e, "W1", "P4").on_hand, 2);
}

/* ---- FIFO against a reference ---------------------------------------------
 */

typedef struct ref_lot {
  uint64_t id;
  int64_t left, cost;
} ref_lot;

static void fifo_issues_match_a_reference_queue(void **st) {
  fixture *f = *st;
  srand(7);
  ref_lot q[400];
  int head = 0, tail = 0;
  int64_t on_hand = 0;
  for (int step = 0; step < 300; step++) {
    f->clk.now_ms += 1000;
    if (rand() % 3 == 0 || on_hand == 0) {
      int64_t qty = 1 + rand() % 20, cost = 100 + rand() % 900;
      pl_movement m = receive(f->e, "W2", "P2", qty, cost);
      assert_int_equal(m.n_lots, 1);
      q[tail++] = (ref_lot){m.lots[0].lot, qty, cost};
      on_hand += qty;
      continue;
    }
    int64_t qty = 1 + rand() % (on_hand < 30 ? on_hand : 30);
    pl_move_req r = req("W2", "P2", qty);
    strcpy(r.work_order, "WO-F");
    pl_movement m;
    int rc = step % 2 ? pl_stock_issue(f->e, &r, NULL, NULL, &m, NULL)
                      : pl_stock_sell(f->e, &r, NULL, NULL, &m, NULL);
    assert_int_equal(rc, 0);
    /* the reference: oldest first */
    int64_t left = qty;
    int k = 0;
    while (left > 0) {
      int64_t take = q[head].left < left ? q[head].left : left;
      assert_true(k < m.n_lots);
      assert_true(m.lots[k].lot == q[head].id);
      assert_int_equal(m.lots[k].qty, take);
      assert_int_equal(m.lots[k].unit_cost_fen, q[head].cost);
      q[head].left -= take;
      left -= take;
      if (q[head].left == 0)
        head++;
      k++;
    }
    assert_int_equal(m.n_lots, k);
    on_hand -= qty;
  }
  pl_lot_info lots[400];
  int n = pl_stock_lots(f->e, "c1", "W2", "P2", lots, 400, NULL);
  assert_int_equal(n, tail - head);
  for (int i = 0; i < n; i++) {
    assert_true(lots[i].lot == q[head + i].id);
    assert_int_equal(lots[i].qty_left, q[head + i].left);
  }
  assert_int_equal(stock(f->e, "W2", "P2").on_hand, on_hand);
  verify(f->e);
}

static void a_named_lot_is_issued_from_that_lot(void **st) {
  fixture *f = *st;
  pl_movement a = receive(f->e, "W1", "P3", 5, 100);
  f->clk.now_ms += 1;
  pl_movement b = receive(f->e, "W1", "P3", 5, 200);
  pl_move_req r = req("W1", "P3", 3);
  strcpy(r.work_order, "WO-9");
  r.lot = b.lots[0].lot;
  pl_movement m;
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, &m, NULL), 0);
  assert_int_equal(m.n_lots, 1);
  assert_true(m.lots[0].lot == b.lots[0].lot);
  assert_int_equal(m.lots[0].unit_cost_fen, 200);
  r.qty = 3; /* only 2 left in b */
  pl_error err = {0};
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, NULL, &err),
                   PL_EPRECOND);
  r.lot = 999999;
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_ptr_equal(strstr(err.msg, "lot"), err.msg);
  /* trace: b received 5, issued 3 */
  pl_movement tr[4];
  pl_lot_trace sum;
  assert_int_equal(
      pl_stock_trace_lot(f->e, "c1", b.lots[0].lot, tr, 4, &sum, NULL), 2);
  assert_int_equal(sum.received, 5);
  assert_int_equal(sum.out_total, 3);
  assert_int_equal(sum.remaining, 2);
  assert_string_equal(tr[1].work_order, "WO-9");
  (void)a;
  verify(f->e);
}

/* ---- idempotency and restart -----------------------------------------------
 */

static void
a_retried_movement_returns_the_first_answer_even_after_restart(void **st) {
  fixture *f = *st;
  receive(f->e, "W1", "P1", 10, 100);
  pl_move_req r = req("W1", "P1", 3);
  strcpy(r.work_order, "WO-7");
  pl_movement m1, m2, m3;
  assert_int_equal(pl_stock_issue(f->e, &r, "key-1", NULL, &m1, NULL), 0);
  assert_int_equal(pl_stock_issue(f->e, &r, "key-1", NULL, &m2, NULL), 0);
  assert_true(m1.seq == m2.seq);
  assert_int_equal(m2.qty, -3);
  assert_int_equal(stock(f->e, "W1", "P1").on_hand, 7);
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  assert_int_equal(pl_stock_issue(f->e, &r, "key-1", NULL, &m3, NULL), 0);
  assert_true(m3.seq == m1.seq);
  assert_memory_equal(m3.lots, m1.lots, sizeof m1.lots);
  assert_int_equal(stock(f->e, "W1", "P1").on_hand, 7);
  verify(f->e);
}

static void
random_workload_replays_from_the_ledger_and_survives_restart(void **st) {
  fixture *f = *st;
  srand(11);
  int ok = 0;
  for (int i = 0; i < 2000; i++) {
    f->clk.now_ms += 60000;
    const char *wh = WH[rand() % 3], *part = PARTS[rand() % 4];
    pl_move_req r = req(wh, part, 1 + rand() % 15);
    snprintf(r.work_order, sizeof r.work_order, "WO-%d", rand() % 5);
    int op = rand() % 8, rc;
    switch (op) {
    case 0:
    case 1:
      r.unit_cost_fen = 100 + rand() % 50;
      rc = pl_stock_receive(f->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 2:
      rc = pl_stock_reserve(f->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 3:
      rc = pl_stock_release(f->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 4:
      rc = pl_stock_issue(f->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 5:
      rc = pl_stock_sell(f->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 6:
      rc = pl_stock_return(f->e, &r, rand() % 2, NULL, NULL, NULL, NULL);
      break;
    default:
      r.qty = rand() % 2 ? r.qty : -r.qty;
      strcpy(r.reason, "count fix");
      rc = pl_stock_adjust(f->e, &r, NULL, NULL, NULL, NULL);
      break;
    }
    assert_true(rc == 0 || rc == PL_EPRECOND);
    ok += rc == 0;
    pl_stock_info s = stock(f->e, wh, part);
    assert_true(s.on_hand >= 0);
    assert_true(s.reserved >= 0 && s.reserved <= s.on_hand);
  }
  assert_true(ok > 1000);
  verify(f->e);
  pl_stock_info before[3][4];
  for (int w = 0; w < 3; w++)
    for (int p = 0; p < 4; p++)
      before[w][p] = stock(f->e, WH[w], PARTS[p]);
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  for (int w = 0; w < 3; w++)
    for (int p = 0; p < 4; p++) {
      pl_stock_info s = stock(f->e, WH[w], PARTS[p]);
      assert_memory_equal(&s, &before[w][p], sizeof s);
    }
  verify(f->e);
  /* chain-wide totals are the sum of the rows */
  pl_stock_row rows[3], total;
  int n = pl_stock_get_chain(f->e, "c1", "P1", rows, 3, &total, NULL);
  assert_true(n >= 1 && n <= 3);
  int64_t sum = 0;
  for (int i = 0; i < n; i++)
    sum += rows[i].on_hand;
  assert_int_equal(total.on_hand, sum);
}

/* ---- paging ----------------------------------------------------------------
 */

static void movements_page_by_cursor_and_filter(void **st) {
  fixture *f = *st;
  for (int i = 0; i < 7; i++)
    receive(f->e, "W1", i % 2 ? "P1" : "P2", 1 + i, 10);
  pl_movement_filter fl = {.chain = "c1", .part_no = "P2"};
  pl_movement page[3];
  uint64_t cur = 0;
  int total = 0;
  int64_t last_seq = 0;
  do {
    fl.after_seq = cur;
    int n = pl_movement_list(f->e, &fl, page, 3, &cur, NULL);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
      assert_string_equal(page[i].part_no, "P2");
      assert_true((int64_t)page[i].seq > last_seq);
      last_seq = (int64_t)page[i].seq;
      total++;
    }
  } while (cur != 0);
  assert_int_equal(total, 4);
}

/* ---- stocktake --------------------------------------------------------------
 */

static void stocktake_corrects_variances_and_closes_once(void **st) {
  fixture *f = *st;
  receive(f->e, "W1", "P1", 10, 100);
  receive(f->e, "W1", "P2", 4, 300);
  receive(f->e, "W1", "P3", 2, 50);
  uint64_t id = 0;
  assert_int_equal(
      pl_stocktake_open(f->e, "c1", "W1", "counter", NULL, &id, NULL), 0);
  pl_error err = {0};
  assert_int_equal(
      pl_stocktake_open(f->e, "c1", "W1", "counter", NULL, NULL, &err),
      PL_EPRECOND);
  assert_int_equal(pl_stocktake_count(f->e, "c1", id, "P1", 8, NULL, NULL), 0);
  assert_int_equal(pl_stocktake_count(f->e, "c1", id, "P2", 6, NULL, NULL), 0);
  assert_int_equal(pl_stocktake_count(f->e, "c1", id, "P3", 2, NULL, NULL), 0);
  pl_variance v[4];
  int n = pl_stocktake_close(f->e, "c1", id, "counter", v, 4, &err);
  assert_int_equal(n, 3);
  for (int i = 0; i < n; i++) {
    int64_t want = strcmp(v[i].part_no, "P1") == 0   ? -2
                   : strcmp(v[i].part_no, "P2") == 0 ? 2
                                                     : 0;
    assert_int_equal(v[i].variance, want);
    assert_true((v[i].seq != 0) == (want != 0));
  }
  assert_int_equal(stock(f->e, "W1", "P1").on_hand, 8);
  assert_int_equal(stock(f->e, "W1", "P2").on_hand, 6);
  assert_int_equal(pl_stocktake_close(f->e, "c1", id, "counter", v, 4, &err),
                   PL_EPRECOND);
  assert_ptr_equal(strstr(err.msg, "stocktake_id"), err.msg);
  assert_int_equal(pl_stocktake_count(f->e, "c1", id, "P1", 1, NULL, &err),
                   PL_EPRECOND);
  verify(f->e);
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  assert_int_equal(pl_stocktake_close(f->e, "c1", id, "counter", v, 4, &err),
                   PL_EPRECOND);
  verify(f->e);
}

/* The contract at CloseStocktakeRequest: variances sorted by part_no
 * (whatever order the parts were made in), each count compared with on
 * hand at close (stock is not frozen while the stocktake is open), a gain
 * valued at the part's purchase price. */
static void stocktake_reports_by_part_no_against_on_hand_at_close(void **st) {
  fixture *f = *st;
  add_part(f->e, "Z9", 700);
  add_part(f->e, "A1", 500);
  receive(f->e, "W2", "Z9", 5, 700);
  receive(f->e, "W2", "A1", 3, 500);
  uint64_t id = 0;
  assert_int_equal(
      pl_stocktake_open(f->e, "c1", "W2", "counter", NULL, &id, NULL), 0);
  assert_int_equal(pl_stocktake_count(f->e, "c1", id, "Z9", 5, NULL, NULL), 0);
  assert_int_equal(pl_stocktake_count(f->e, "c1", id, "A1", 4, NULL, NULL), 0);
  receive(f->e, "W2", "Z9", 2, 700); /* after the count */
  pl_variance v[4];
  pl_error err = {0};
  assert_int_equal(pl_stocktake_close(f->e, "c1", id, "counter", v, 4, &err),
                   2);
  assert_string_equal(v[0].part_no, "A1");
  assert_true(v[0].expected == 3 && v[0].variance == 1);
  assert_true(v[0].value_fen == 500);
  assert_string_equal(v[1].part_no, "Z9");
  assert_true(v[1].expected == 7 && v[1].variance == -2);
  assert_true(v[1].value_fen == -2 * 700);
  assert_int_equal(stock(f->e, "W2", "Z9").on_hand, 5);
  verify(f->e);
}

static void an_empty_stocktake_closes_with_no_movement(void **st) {
  fixture *f = *st;
  uint64_t id = 0;
  assert_int_equal(
      pl_stocktake_open(f->e, "c1", "W2", "counter", NULL, &id, NULL), 0);
  pl_variance v[1];
  assert_int_equal(pl_stocktake_close(f->e, "c1", id, "counter", v, 1, NULL),
                   0);
  pl_movement_filter fl = {.chain = "c1"};
  pl_movement m[1];
  uint64_t cur;
  assert_int_equal(pl_movement_list(f->e, &fl, m, 1, &cur, NULL), 0);
  pl_error err = {0};
  assert_int_equal(pl_stocktake_close(f->e, "c1", id, "counter", v, 1, &err),
                   PL_EPRECOND);
}

/* ---- alerts, suppliers and purchase suggestions ----------------------------
 */

static void
alerts_and_purchase_suggestions_follow_levels_and_quotes(void **st) {
  fixture *f = *st;
  const char *sups[] = {"SUP-A", "SUP-B"};
  for (int i = 0; i < 2; i++) {
    pl_supplier_info s = {0};
    strcpy(s.chain, "c1");
    strcpy(s.code, sups[i]);
    strcpy(s.name, "供应商");
    s.quality = 80;
    assert_int_equal(pl_supplier_create(f->e, &s, NULL, NULL, NULL, NULL), 0);
  }
  /* P1: A is cheaper but slow; B fast */
  pl_quote_info q = {.chain = "c1",
                     .supplier = "SUP-A",
                     .part_no = "P1",
                     .price_fen = 900,
                     .lead_days = 10};
  assert_int_equal(pl_quote_set(f->e, &q, NULL, NULL), 0);
  q = (pl_quote_info){.chain = "c1",
                      .supplier = "SUP-B",
                      .part_no = "P1",
                      .price_fen = 1000,
                      .lead_days = 2};
  assert_int_equal(pl_quote_set(f->e, &q, NULL, NULL), 0);
  receive(f->e, "W1", "P1", 3, 100);
  receive(f->e, "W1", "P2", 50, 100);
  assert_int_equal(
      pl_stock_set_levels(f->e, "c1", "W1", "P1", 5, 20, NULL, NULL), 0);
  assert_int_equal(
      pl_stock_set_levels(f->e, "c1", "W1", "P2", 1, 10, NULL, NULL), 0);
  pl_move_req r = req("W1", "P2", 5);
  strcpy(r.work_order, "WO-1");
  assert_int_equal(pl_stock_issue(f->e, &r, NULL, NULL, NULL, NULL), 0);
  pl_alert a[8];
  int n = pl_stock_alerts(f->e, "c1", "W1", a, 8, NULL);
  int below = 0, above = 0, over = 0;
  for (int i = 0; i < n; i++) {
    if (a[i].kind == PL_ALERT_BELOW_MIN)
      below += strcmp(a[i].part_no, "P1") == 0;
    if (a[i].kind == PL_ALERT_ABOVE_MAX)
      above += strcmp(a[i].part_no, "P2") == 0;
    if (a[i].kind == PL_ALERT_OVERSTOCK && strcmp(a[i].part_no, "P2") == 0) {
      over++;
      assert_int_equal(a[i].usage_90d, 5); /* the one issue */
    }
  }
  assert_int_equal(below, 1);
  assert_int_equal(above, 1);
  assert_int_equal(over, 1);
  /* 91 days on, the issue no longer counts as usage */
  f->clk.now_ms += 91LL * 24 * 3600 * 1000;
  n = pl_stock_alerts(f->e, "c1", "W1", a, 8, NULL);
  for (int i = 0; i < n; i++)
    if (a[i].kind == PL_ALERT_OVERSTOCK && strcmp(a[i].part_no, "P2") == 0)
      assert_int_equal(a[i].usage_90d, 0);
  pl_purchase_line l[4];
  assert_int_equal(pl_stock_suggest_purchase(f->e, "c1", "", -1, l, 4, NULL),
                   1);
  assert_string_equal(l[0].supplier, "SUP-A");
  assert_int_equal(l[0].qty, 20 - 3);
  assert_int_equal(pl_stock_suggest_purchase(f->e, "c1", "", 5, l, 4, NULL), 1);
  assert_string_equal(l[0].supplier, "SUP-B");
  assert_int_equal(pl_stock_suggest_purchase(f->e, "c1", "", 1, l, 4, NULL), 1);
  assert_string_equal(l[0].supplier, "");
  /* suppliers and quotes reload */
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  pl_quote_info qs[4];
  assert_int_equal(pl_quote_list(f->e, "c1", "P1", qs, 4, NULL), 2);
  assert_int_equal(pl_stock_suggest_purchase(f->e, "c1", "W1", 5, l, 4, NULL),
                   1);
  assert_string_equal(l[0].supplier, "SUP-B");
  pl_error err = {0};
  r = req("W1", "P1", 1);
  strcpy(r.supplier, "NOPE");
  assert_int_equal(pl_stock_receive(f->e, &r, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_ptr_equal(strstr(err.msg, "supplier"), err.msg);
}

/* ---- fitment ----------------------------------------------------------------
 */

static void fitment_is_replaced_found_by_model_and_reloaded(void **st) {
  fixture *f = *st;
  pl_fitment in = {.part_no = "P1", .n = 2};
  strcpy(in.models[0], "大众 朗逸 2019");
  strcpy(in.models[1], "Toyota Corolla E210");
  assert_int_equal(pl_fitment_set(f->e, "c1", &in, NULL, NULL), 0);
  pl_fitment p3 = {.part_no = "P3", .n = 1};
  strcpy(p3.models[0], "Toyota Corolla E210");
  assert_int_equal(pl_fitment_set(f->e, "c1", &p3, NULL, NULL), 0);
  char nos[4][PL_CODE_MAX];
  assert_int_equal(
      pl_fitment_find(f->e, "c1", "Toyota Corolla E210", nos, 4, NULL), 2);
  assert_string_equal(nos[0], "P1");
  assert_string_equal(nos[1], "P3");
  pl_fitment bad = in;
  strcpy(bad.models[1], bad.models[0]);
  pl_error err = {0};
  assert_int_equal(pl_fitment_set(f->e, "c1", &bad, NULL, &err), PL_EINVAL);
  assert_ptr_equal(strstr(err.msg, "models"), err.msg);
  in.n = 1; /* replace: only the first model stays */
  assert_int_equal(pl_fitment_set(f->e, "c1", &in, NULL, NULL), 0);
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  pl_fitment got;
  assert_int_equal(pl_fitment_get(f->e, "c1", "P1", &got, NULL), 0);
  assert_int_equal(got.n, 1);
  assert_string_equal(got.models[0], "大众 朗逸 2019");
  assert_int_equal(
      pl_fitment_find(f->e, "c1", "Toyota Corolla E210", nos, 4, NULL), 1);
  assert_string_equal(nos[0], "P3");
}

/* ---- concurrency
 * ------------------------------------------------------------- */

typedef struct worker {
  pl_engine *e;
  int id;
  int64_t reserved, issued;
} worker;

static void *hammer(void *arg) {
  worker *w = arg;
  for (int i = 0; i < 200; i++) {
    pl_move_req r = req("W3", "P4", 1 + i % 3);
    snprintf(r.work_order, sizeof r.work_order, "WO-T%d", w->id);
    if (pl_stock_reserve(w->e, &r, NULL, NULL, NULL, NULL) == 0)
      w->reserved += r.qty;
    if (pl_stock_issue(w->e, &r, NULL, NULL, NULL, NULL) == 0)
      w->issued += r.qty;
  }
  return NULL;
}

static void concurrent_reserve_and_issue_never_over_allocate(void **st) {
  fixture *f = *st;
  receive(f->e, "W3", "P4", 500, 100);
  enum { N = 8 };
  worker ws[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    ws[i] = (worker){.e = f->e, .id = i};
    pthread_create(&th[i], NULL, hammer, &ws[i]);
  }
  int64_t issued = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    issued += ws[i].issued;
  }
  pl_stock_info s = stock(f->e, "W3", "P4");
  assert_int_equal(s.on_hand, 500 - issued);
  assert_true(s.on_hand >= 0);
  assert_true(s.reserved <= s.on_hand);
  assert_true(issued <= 500);
  verify(f->e);
}

typedef struct mixer {
  pl_engine *e;
  unsigned seed;
  int stocktaker;
} mixer;

static void *mix(void *arg) {
  mixer *x = arg;
  for (int i = 0; i < 300; i++) {
    const char *part = PARTS[rand_r(&x->seed) % 2];
    if (x->stocktaker) {
      uint64_t id = 0;
      if (pl_stocktake_open(x->e, "c1", "W1", "st", NULL, &id, NULL) != 0)
        continue;
      pl_stocktake_count(x->e, "c1", id, part, rand_r(&x->seed) % 30, NULL,
                         NULL);
      pl_variance v[2];
      pl_stocktake_close(x->e, "c1", id, "st", v, 2, NULL);
      continue;
    }
    pl_move_req r = req("W1", part, 1 + rand_r(&x->seed) % 5);
    snprintf(r.work_order, sizeof r.work_order, "WO-%u", rand_r(&x->seed) % 3);
    switch (rand_r(&x->seed) % 5) {
    case 0:
      pl_stock_receive(x->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 1:
      pl_stock_reserve(x->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 2:
      pl_stock_release(x->e, &r, NULL, NULL, NULL, NULL);
      break;
    case 3:
      pl_stock_issue(x->e, &r, NULL, NULL, NULL, NULL);
      break;
    default:
      pl_stock_get_chain(x->e, "c1", part, NULL, 0, NULL, NULL);
      pl_stock_alerts(x->e, "c1", "", NULL, 0, NULL);
      break;
    }
  }
  return NULL;
}

static void
mixed_concurrent_movements_and_stocktakes_keep_the_ledger_exact(void **st) {
  fixture *f = *st;
  enum { N = 5 };
  mixer xs[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    xs[i] =
        (mixer){.e = f->e, .seed = 100u + (unsigned)i, .stocktaker = i == 0};
    pthread_create(&th[i], NULL, mix, &xs[i]);
  }
  for (int i = 0; i < N; i++)
    pthread_join(th[i], NULL);
  for (int p = 0; p < 2; p++) {
    pl_stock_info s = stock(f->e, "W1", PARTS[p]);
    assert_true(s.on_hand >= 0 && s.reserved >= 0 && s.reserved <= s.on_hand);
  }
  verify(f->e);
  pl_engine_close(f->e);
  f->e = test_open(f->dir, &f->clk);
  verify(f->e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(receive_reserve_issue_keep_the_counts,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          issue_cannot_take_units_reserved_for_another_work_order, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          bad_input_gets_a_precise_error_and_changes_nothing, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          an_expensive_part_is_accepted_and_absurd_numbers_are_named, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(fifo_issues_match_a_reference_queue,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(a_named_lot_is_issued_from_that_lot,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          a_retried_movement_returns_the_first_answer_even_after_restart, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          random_workload_replays_from_the_ledger_and_survives_restart, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(movements_page_by_cursor_and_filter,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          stocktake_corrects_variances_and_closes_once, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          an_empty_stocktake_closes_with_no_movement, setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          stocktake_reports_by_part_no_against_on_hand_at_close, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          alerts_and_purchase_suggestions_follow_levels_and_quotes, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          fitment_is_replaced_found_by_model_and_reloaded, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          concurrent_reserve_and_issue_never_over_allocate, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          mixed_concurrent_movements_and_stocktakes_keep_the_ledger_exact,
          setup, test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
