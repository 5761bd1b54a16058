/* kpi_test.c — the KPI reports (kpi.h) against a reference computed here.
 *
 * A random workload (fixed seeds) runs on a real engine and RocksDB with a
 * fake clock: bookings held, confirmed, cancelled, left to expire, checked
 * in, no-shows; work orders from bookings and walk-ins, started early,
 * on time or late, QC passed or failed, delivered, cancelled; stock
 * receipts, sales and stocktakes; calendars with breaks, leave, closures
 * and a bay out of service. The test logs what it did (its own clock
 * times, its own choices) and recomputes every KPI from that log with a
 * plain loop per day (available minutes from pl_day_board, one day at a
 * time), for a store, the chain, an advisor and a technician, at day,
 * week and month granularity; then closes, reopens and compares again.
 *
 * Follow-ups and complaints are not made by this workload: their KPIs are
 * checked by feeding records to the KPI module's side of the change feed
 * (pitlane/testing.h), as the customers module does. */
#include "testutil.h"

#include "pitlane/customers.h"
#include "pitlane/kpi.h"
#include "pitlane/scheduling.h"
#include "pitlane/testing.h"
#include "pitlane/workorders.h"

#define CH "K"
#define N_STORES 2
#define N_TECHS 3
#define N_DAYS 36
#define MAX_B 1200
#define MAX_O 1600
#define MAX_M 800

static const char *STORES[N_STORES] = {"S1", "S2"};
static const int32_t OFFSETS[N_STORES] = {480, 0};
static const char *TECHS[N_TECHS] = {"T1", "T2", "T3"};
static const char *ADVISORS[2] = {"A1", "A2"};
static const char *SERVICES[2] = {"OIL", "BRK"};
static const int32_t SVC_MIN[2] = {60, 90};

/* 2026-01-20, a Tuesday: the range crosses into February */
static int32_t D0;

/* ---- the log ------------------------------------------------------------ */

typedef struct rb { /* a booking */
  int store;
  int64_t id, created_ms, confirmed_ms; /* 0: never confirmed */
  int64_t start, end;                   /* UTC minutes */
  char tech[PL_CODE_MAX];
  int svc;
  int occupying; /* ends CONFIRMED, CHECKED_IN or COMPLETED */
} rb;

typedef struct ro { /* a work order */
  int store;
  int64_t id;
  int adv;
  int n_tech;
  int tech[2];
  int64_t created_ms, started_ms; /* 0: not started */
  int64_t booking_start;          /* UTC minutes; -1: walk-in */
  int n_qc;
  int first_passed;
  int64_t pass_ms; /* 0: not passed */
  int64_t delivered_ms;
  int64_t fu_done_ms; /* its follow-up reached (0: not) */
  int fu_sat;
  int cancelled;
  int svc, labour_min;
} ro;

typedef struct rm { /* a stock movement */
  int store;
  int64_t at_ms, value; /* signed value at lot cost */
  int issued, variance;
} rm;

typedef struct rs { /* a stocktake close */
  int store;
  int64_t at_ms;
  int lines;
} rs;

typedef struct rq { /* a complaint about an order */
  int store, adv;
  int64_t created_ms, due_ms, resolved_ms; /* resolved 0: not */
} rq;

typedef struct wl {
  char *dir;
  test_clock clk;
  pl_engine *e;
  unsigned seed;
  int nb, no, nm, ns;
  rb b[MAX_B];
  ro o[MAX_O];
  rm m[MAX_M];
  int nq;
  rq q[MAX_O];
  rs s[8];
} wl;

static int rnd(wl *w, int n) {
  return (int)(rand_r(&w->seed) % (unsigned)n);
}

static int64_t at_local(int store, int32_t day, int32_t minute) {
  return ((int64_t)day * 1440 + minute - OFFSETS[store]) * 60000;
}

static int32_t day_of(int store, int64_t ms) {
  return pl_local_day(ms / 60000, OFFSETS[store]);
}

static void ok(int rc, const pl_error *err, const char *what) {
  if (rc < 0)
    fail_msg("%s: %s (%s)", what, pl_err_name(rc), err->msg);
}

/* ---- set-up ------------------------------------------------------------- */

static void make_chain(wl *w) {
  pl_error err = {0};
  pl_chain_info c = {0};
  strcpy(c.code, CH);
  strcpy(c.name, "kpi chain");
  ok(pl_chain_create(w->e, &c, NULL, NULL, NULL, &err), &err, "chain");
  for (int i = 0; i < 2; i++) {
    pl_service_info sv = {0};
    strcpy(sv.chain, CH);
    strcpy(sv.code, SERVICES[i]);
    strcpy(sv.name, SERVICES[i]);
    sv.bay_type = PL_BAY_GENERAL_LIFT;
    sv.skill = PL_SKILL_ENGINE;
    sv.min_level = 1;
    sv.duration_min = SVC_MIN[i];
    sv.technicians = 1;
    ok(pl_service_create(w->e, &sv, NULL, NULL, NULL, &err), &err, "service");
  }
  const char *parts[2] = {"P1", "P2"};
  for (int i = 0; i < 2; i++) {
    pl_part_info p = {0};
    strcpy(p.chain, CH);
    strcpy(p.part_no, parts[i]);
    strcpy(p.name, parts[i]);
    strcpy(p.unit, "pc");
    p.purchase_fen = 1000;
    p.sale_fen = 2000;
    ok(pl_part_create(w->e, &p, NULL, NULL, NULL, &err), &err, "part");
  }
  for (int s = 0; s < N_STORES; s++) {
    pl_store_info si = {0};
    strcpy(si.chain, CH);
    strcpy(si.code, STORES[s]);
    strcpy(si.name, STORES[s]);
    si.utc_offset_min = OFFSETS[s];
    ok(pl_store_create(w->e, &si, NULL, NULL, NULL, &err), &err, "store");
    pl_warehouse_info wh = {0};
    strcpy(wh.chain, CH);
    snprintf(wh.code, sizeof wh.code, "W%s", STORES[s]);
    strcpy(wh.store, STORES[s]);
    strcpy(wh.name, "wh");
    ok(pl_warehouse_create(w->e, &wh, NULL, NULL, NULL, &err), &err, "wh");
    for (int b = 0; b < 2; b++) {
      pl_bay_info bi = {0};
      strcpy(bi.chain, CH);
      strcpy(bi.store, STORES[s]);
      snprintf(bi.code, sizeof bi.code, "B%d", b + 1);
      bi.type = PL_BAY_GENERAL_LIFT;
      ok(pl_bay_create(w->e, &bi, NULL, NULL, NULL, &err), &err, "bay");
    }
    for (int t = 0; t < N_TECHS; t++) {
      pl_technician_info ti = {0};
      strcpy(ti.chain, CH);
      strcpy(ti.store, STORES[s]);
      strcpy(ti.code, TECHS[t]);
      strcpy(ti.name, TECHS[t]);
      ti.n_skills = 1;
      ti.skills[0] = (pl_skill_level){PL_SKILL_ENGINE, 3};
      ok(pl_technician_create(w->e, &ti, NULL, NULL, NULL, &err), &err, "tech");
    }
    /* hours: 08:00-18:00, Sunday 09:00-15:00, one closure */
    pl_store_hours h = {0};
    strcpy(h.chain, CH);
    strcpy(h.store, STORES[s]);
    for (int d = 0; d < 7; d++)
      h.week[d] = (pl_local_range){8 * 60, 18 * 60};
    h.week[6] = (pl_local_range){9 * 60, 15 * 60};
    h.n_closures = 1;
    h.closures[0] = D0 + 11 + s;
    h.horizon_days = 30;
    ok(pl_store_hours_set(w->e, &h, NULL, &err), &err, "hours");
    /* T1: a lunch break, Tuesdays off, three days of leave */
    pl_technician_schedule ts = {0};
    strcpy(ts.chain, CH);
    strcpy(ts.store, STORES[s]);
    strcpy(ts.technician, "T1");
    for (int d = 0; d < 7; d++) {
      ts.week[d].work = (pl_local_range){8 * 60, 17 * 60};
      ts.week[d].n_breaks = 1;
      ts.week[d].breaks[0] = (pl_local_range){12 * 60, 13 * 60};
    }
    ts.week[1].work = (pl_local_range){0, 0};
    ts.n_leave = 1;
    ts.leave[0] = (pl_utc_range){at_local(s, D0 + 17, 10 * 60) / 60000,
                                 at_local(s, D0 + 20, 11 * 60) / 60000};
    ok(pl_technician_schedule_set(w->e, &ts, NULL, &err), &err, "shift");
    /* B2 out of service for an afternoon */
    pl_bay_schedule bs = {0};
    strcpy(bs.chain, CH);
    strcpy(bs.store, STORES[s]);
    strcpy(bs.bay, "B2");
    bs.n_out_of_service = 1;
    bs.out_of_service[0] = (pl_utc_range){at_local(s, D0 + 8, 13 * 60) / 60000,
                                          at_local(s, D0 + 8, 16 * 60) / 60000};
    ok(pl_bay_schedule_set(w->e, &bs, NULL, &err), &err, "bay schedule");
  }
  pl_complaint_policy cp = {.response_min = 1, .resolution_min = 1};
  strcpy(cp.chain, CH);
  strcpy(cp.store, STORES[1]);
  strcpy(cp.manager, "mgr");
  ok(pl_complaint_policy_set(w->e, &cp, NULL, &err), &err, "policy");
}

static int tech_ix(const char *code) {
  for (int t = 0; t < N_TECHS; t++)
    if (strcmp(TECHS[t], code) == 0)
      return t;
  fail_msg("unknown technician %s", code);
  return -1;
}

/* ---- the workload ------------------------------------------------------- */

static void book(wl *w, int s, int32_t day) {
  pl_error err = {0};
  int svc = rnd(w, 2);
  pl_slot_query q = {.chain = CH, .n_stores = 1, .n_services = 1, .k = 1};
  q.stores[0] = STORES[s];
  q.services[0] = SERVICES[svc];
  q.earliest = at_local(s, day, 8 * 60 + 60 * rnd(w, 9)) / 60000;
  q.latest = at_local(s, day + 2, 18 * 60) / 60000;
  pl_slot_option opt;
  int n = pl_recommend_slots(w->e, &q, &opt, 1, &err);
  ok(n, &err, "recommend");
  if (n == 0)
    return;
  pl_booking_info in = {0}, out;
  strcpy(in.chain, CH);
  strcpy(in.store, STORES[s]);
  in.channel = PL_CHANNEL_APP;
  strcpy(in.customer, "c");
  strcpy(in.plate, "P");
  in.n_segments = 1;
  in.seg[0] = opt.seg[0];
  ok(pl_booking_hold(w->e, &in, 0, NULL, NULL, &out, &err), &err, "hold");
  rb *b = &w->b[w->nb++];
  assert_true(w->nb < MAX_B);
  memset(b, 0, sizeof *b);
  b->store = s;
  b->id = out.id;
  b->created_ms = w->clk.now_ms;
  b->start = opt.seg[0].start;
  b->end = opt.seg[0].end;
  strcpy(b->tech, opt.seg[0].techs[0]);
  b->svc = svc;
  b->occupying = 1; /* held: changes below */
  int fate = rnd(w, 10);
  int64_t t0 = w->clk.now_ms;
  if (fate == 0) { /* cancelled while held */
    w->clk.now_ms = t0 + 60000;
    ok(pl_booking_transition(w->e, CH, b->id, PL_BOOKING_CANCELLED, NULL, NULL,
                             &err),
       &err, "cancel");
    b->occupying = 0;
  } else if (fate == 1) { /* left to expire */
    b->occupying = 0;
  } else {
    w->clk.now_ms = t0 + 60000 * rnd(w, 10);
    ok(pl_booking_transition(w->e, CH, b->id, PL_BOOKING_CONFIRMED, NULL, NULL,
                             &err),
       &err, "confirm");
    b->confirmed_ms = w->clk.now_ms;
  }
  w->clk.now_ms = t0;
}

/* Runs an order from creation: start, items, QC (maybe failing first),
 * delivery (or a cancellation); times from t (ms). */
static void run_order(wl *w, ro *o, pl_work_order *wo, int64_t t) {
  pl_error err = {0};
  if (rnd(w, 20) == 0) { /* cancelled before the start */
    w->clk.now_ms = t + 5 * 60000;
    ok(pl_wo_cancel(w->e, CH, o->id, "adv", "gone", NULL, wo, &err), &err,
       "cancel order");
    o->cancelled = 1;
    return;
  }
  static const int late[] = {-10, 0, 5, 15, 16, 30, 45};
  w->clk.now_ms = o->booking_start >= 0 ? o->booking_start * 60000 +
                                              late[rnd(w, 7)] * (int64_t)60000
                                        : t + 60000 * (5 + rnd(w, 30));
  if (w->clk.now_ms < o->created_ms)
    w->clk.now_ms = o->created_ms;
  ok(pl_wo_start(w->e, CH, o->id, "tech", NULL, wo, &err), &err, "start");
  o->started_ms = w->clk.now_ms;
  if (rnd(w, 25) == 0) { /* cancelled during repair */
    w->clk.now_ms += 20 * 60000;
    ok(pl_wo_cancel(w->e, CH, o->id, "adv", "no", NULL, wo, &err), &err,
       "cancel order");
    o->cancelled = 1;
    return;
  }
  w->clk.now_ms += (int64_t)o->labour_min * 60000;
  for (int32_t i = 0; i < wo->n_items; i++)
    ok(pl_wo_complete_item(w->e, CH, o->id, wo->items[i].no, "tech", NULL, wo,
                           &err),
       &err, "item");
  for (int attempt = 0; attempt < 3; attempt++) {
    w->clk.now_ms += 60000 * (1 + rnd(w, 20));
    ok(pl_wo_request_qc(w->e, CH, o->id, "tech", NULL, wo, &err), &err, "qc");
    w->clk.now_ms += 60000 * (1 + rnd(w, 20));
    int passed = attempt == 2 || rnd(w, 5) != 0;
    ok(pl_wo_record_qc(w->e, CH, o->id, passed, "qc", "", NULL, wo, &err), &err,
       "record qc");
    o->n_qc++;
    if (o->n_qc == 1)
      o->first_passed = passed;
    if (passed) {
      o->pass_ms = w->clk.now_ms;
      break;
    }
  }
  if (rnd(w, 10) != 0) {
    w->clk.now_ms += 60000 * (10 + rnd(w, 120));
    ok(pl_wo_deliver(w->e, CH, o->id, "adv", 0, 0, NULL, wo, &err), &err,
       "deliver");
    o->delivered_ms = w->clk.now_ms;
    /* its follow-up (made by the delivery): a call at once, reached or
     * not, or none yet */
    int call = rnd(w, 3);
    if (call > 0) {
      int sat = call == 2 ? 1 + rnd(w, 5) : 0;
      ok(pl_followup_record(w->e, CH, o->id, call == 2, sat, "", "adv", NULL,
                            NULL, NULL, &err),
         &err, "follow-up");
      if (call == 2) {
        o->fu_done_ms = w->clk.now_ms;
        o->fu_sat = sat;
      }
    }
    /* now and then a complaint about it (its advisor's), resolved a few
     * minutes later or not: on time at the first store, late at the
     * second (a one-minute policy) */
    if (rnd(w, 4) == 0) {
      pl_complaint in = {.channel = PL_COMPLAINT_BY_PHONE,
                         .category = PL_COMPLAINT_QUALITY,
                         .severity = 1,
                         .wo_id = o->id};
      strcpy(in.chain, CH);
      strcpy(in.store, STORES[o->store]);
      strcpy(in.text, "still noisy");
      pl_complaint x;
      ok(pl_complaint_open(w->e, &in, "adv", NULL, NULL, &x, &err), &err,
         "complaint");
      assert_string_equal(x.advisor, ADVISORS[o->adv]);
      rq *k = &w->q[w->nq++];
      *k = (rq){o->store, o->adv, x.created_ms, x.resolution_due_ms, 0};
      if (rnd(w, 3) != 0) {
        w->clk.now_ms += 60000 * (1 + rnd(w, 3));
        ok(pl_complaint_act(w->e, CH, x.id, PL_COMPLAINT_ACKNOWLEDGE, 0, "adv",
                            "", NULL, NULL, &err),
           &err, "acknowledge");
        ok(pl_complaint_act(w->e, CH, x.id, PL_COMPLAINT_RESOLVE, 0, "adv", "",
                            NULL, &x, &err),
           &err, "resolve");
        k->resolved_ms = x.resolved_ms;
      }
    }
  }
}

static ro *new_order(wl *w, int s) {
  ro *o = &w->o[w->no++];
  assert_true(w->no < MAX_O);
  memset(o, 0, sizeof *o);
  o->store = s;
  o->adv = rnd(w, 2);
  return o;
}

/* The bookings of `day` at store s: checked in (an order), no-show,
 * cancelled. */
static void serve_bookings(wl *w, int s, int32_t day, pl_work_order *wo) {
  pl_error err = {0};
  for (int i = 0; i < w->nb; i++) {
    rb *b = &w->b[i];
    if (b->store != s || b->confirmed_ms == 0 ||
        pl_local_day(b->start, OFFSETS[s]) != day)
      continue;
    int fate = rnd(w, 12);
    if (fate == 0) {
      w->clk.now_ms = (b->start + 30) * 60000;
      ok(pl_booking_transition(w->e, CH, b->id, PL_BOOKING_NO_SHOW, NULL, NULL,
                               &err),
         &err, "no-show");
      b->occupying = 0;
      continue;
    }
    if (fate == 1) {
      w->clk.now_ms = (b->start - 60) * 60000;
      ok(pl_booking_transition(w->e, CH, b->id, PL_BOOKING_CANCELLED, NULL,
                               NULL, &err),
         &err, "cancel confirmed");
      b->occupying = 0;
      continue;
    }
    ro *o = new_order(w, s);
    o->booking_start = b->start;
    o->svc = b->svc;
    o->labour_min = SVC_MIN[b->svc];
    o->n_tech = 1;
    o->tech[0] = tech_ix(b->tech);
    w->clk.now_ms = (b->start - 10) * 60000;
    o->created_ms = w->clk.now_ms;
    pl_wo_new in = {0};
    strcpy(in.chain, CH);
    strcpy(in.store, STORES[s]);
    in.booking_id = b->id;
    strcpy(in.advisor, ADVISORS[o->adv]);
    in.n_items = 1;
    in.items[0].kind = PL_ITEM_LABOUR;
    strcpy(in.items[0].service, SERVICES[b->svc]);
    in.items[0].labour_min = o->labour_min;
    in.assign = PL_ASSIGN_MANUAL;
    in.n_techs = 1;
    strcpy(in.techs[0], b->tech);
    ok(pl_wo_create(w->e, &in, NULL, NULL, wo, &err), &err, "wo from booking");
    o->id = wo->id;
    run_order(w, o, wo, o->created_ms);
    /* checked in, or completed once delivered: occupying either way */
  }
}

static void walk_in(wl *w, int s, int32_t day, pl_work_order *wo) {
  pl_error err = {0};
  ro *o = new_order(w, s);
  o->booking_start = -1;
  o->svc = rnd(w, 2);
  o->labour_min = 15 * (1 + rnd(w, 6));
  o->n_tech = 1 + rnd(w, 2);
  o->tech[0] = rnd(w, N_TECHS);
  o->tech[1] = (o->tech[0] + 1 + rnd(w, N_TECHS - 1)) % N_TECHS;
  w->clk.now_ms = at_local(s, day, 9 * 60 + rnd(w, 7 * 60));
  o->created_ms = w->clk.now_ms;
  pl_wo_new in = {0};
  strcpy(in.chain, CH);
  strcpy(in.store, STORES[s]);
  strcpy(in.vehicle.plate, "W");
  strcpy(in.advisor, ADVISORS[o->adv]);
  in.n_items = 1;
  in.items[0].kind = PL_ITEM_LABOUR;
  strcpy(in.items[0].service, SERVICES[o->svc]);
  in.items[0].labour_min = o->labour_min;
  in.assign = PL_ASSIGN_MANUAL;
  in.n_techs = o->n_tech;
  for (int k = 0; k < o->n_tech; k++)
    strcpy(in.techs[k], TECHS[o->tech[k]]);
  ok(pl_wo_create(w->e, &in, NULL, NULL, wo, &err), &err, "walk-in");
  o->id = wo->id;
  run_order(w, o, wo, o->created_ms);
}

static void log_move(wl *w, int s, const pl_movement *m) {
  rm *r = &w->m[w->nm++];
  assert_true(w->nm < MAX_M);
  r->store = s;
  r->at_ms = w->clk.now_ms;
  int64_t v = 0;
  for (int32_t i = 0; i < m->n_lots; i++)
    v += m->lots[i].qty * m->lots[i].unit_cost_fen;
  r->value = m->qty < 0 ? -v : v;
  r->issued = m->kind == PL_MOVE_SALE || m->kind == PL_MOVE_ISSUE;
  r->variance =
      m->kind == PL_MOVE_STOCKTAKE_GAIN || m->kind == PL_MOVE_STOCKTAKE_LOSS;
}

static int64_t on_hand(wl *w, int s, const char *part) {
  pl_stock_info si = {0};
  char wh[PL_CODE_MAX];
  snprintf(wh, sizeof wh, "W%s", STORES[s]);
  pl_stock_get(w->e, CH, wh, part, &si, NULL);
  return si.on_hand;
}

static void stock_day(wl *w, int s, int32_t day) {
  pl_error err = {0};
  pl_move_req r = {0};
  strcpy(r.chain, CH);
  snprintf(r.warehouse, sizeof r.warehouse, "W%s", STORES[s]);
  strcpy(r.part_no, rnd(w, 3) == 0 ? "P2" : "P1");
  strcpy(r.actor, "clerk");
  pl_movement m;
  if (rnd(w, 2) == 0) {
    w->clk.now_ms = at_local(s, day, 8 * 60 + 30);
    r.qty = 3 + rnd(w, 8);
    r.unit_cost_fen = 900 + 50 * rnd(w, 10);
    ok(pl_stock_receive(w->e, &r, NULL, NULL, &m, &err), &err, "receive");
    log_move(w, s, &m);
  }
  int64_t have = on_hand(w, s, r.part_no);
  if (have > 0) {
    w->clk.now_ms = at_local(s, day, 17 * 60);
    r.qty = 1 + rnd(w, (int)(have < 4 ? have : 4));
    r.unit_cost_fen = 0;
    ok(pl_stock_sell(w->e, &r, NULL, NULL, &m, &err), &err, "sell");
    log_move(w, s, &m);
  }
}

static void stocktake(wl *w, int s, int32_t day) {
  pl_error err = {0};
  char wh[PL_CODE_MAX];
  snprintf(wh, sizeof wh, "W%s", STORES[s]);
  w->clk.now_ms = at_local(s, day, 18 * 60 + 30);
  uint64_t id;
  ok(pl_stocktake_open(w->e, CH, wh, "clerk", NULL, &id, &err), &err, "open");
  int64_t p1 = on_hand(w, s, "P1"), p2 = on_hand(w, s, "P2");
  int64_t c1 = s == 0 ? (p1 >= 2 ? p1 - 2 : p1 + 1) : p1 + 3;
  ok(pl_stocktake_count(w->e, CH, id, "P1", c1, NULL, &err), &err, "count");
  ok(pl_stocktake_count(w->e, CH, id, "P2", p2, NULL, &err), &err, "count");
  pl_variance v[2];
  int n = pl_stocktake_close(w->e, CH, id, "clerk", v, 2, &err);
  ok(n, &err, "close");
  assert_int_equal(n, 2);
  for (int i = 0; i < 2; i++)
    if (v[i].variance != 0) { /* its correction movement */
      pl_movement m = {0};
      m.kind =
          v[i].variance > 0 ? PL_MOVE_STOCKTAKE_GAIN : PL_MOVE_STOCKTAKE_LOSS;
      m.qty = v[i].variance;
      m.n_lots = 1;
      m.lots[0].qty = 1; /* value: value_fen, signed */
      m.lots[0].unit_cost_fen =
          v[i].value_fen < 0 ? -v[i].value_fen : v[i].value_fen;
      log_move(w, s, &m);
    }
  rs *t = &w->s[w->ns++];
  t->store = s;
  t->at_ms = w->clk.now_ms;
  t->lines = 2;
}

static void run_workload(wl *w) {
  pl_work_order *wo = malloc(sizeof *wo);
  for (int32_t d = 0; d < N_DAYS; d++) {
    int32_t day = D0 + d;
    for (int s = 0; s < N_STORES; s++) {
      w->clk.now_ms = at_local(s, day, 7 * 60);
      int n = 3 + rnd(w, 5);
      for (int i = 0; i < n; i++) {
        w->clk.now_ms += 60000 * (1 + rnd(w, 5));
        book(w, s, day);
      }
    }
    for (int s = 0; s < N_STORES; s++) {
      serve_bookings(w, s, day, wo);
      for (int i = rnd(w, 3); i > 0; i--)
        walk_in(w, s, day, wo);
      stock_day(w, s, day);
    }
    if (d == 20)
      stocktake(w, 0, day);
    if (d == 27)
      stocktake(w, 1, day);
  }
  free(wo);
}

/* ---- the reference ------------------------------------------------------ */

typedef struct refk {
  int64_t num[PL_KPI_COUNT], den[PL_KPI_COUNT];
  double balance; /* -1: none */
} refk;

typedef struct scope {
  int store; /* -1: all */
  int adv;   /* -1: any (then not an advisor scope) */
  int tech;  /* -1: none */
} scope;

static int in_range(int32_t d, int32_t from, int32_t to) {
  return d >= from && d <= to;
}

/* Available minutes of store s on day d: bays, technicians (tech >= 0:
 * that one), from the day board. */
static void board(wl *w, int s, int32_t d, int64_t *bays, int64_t *techs,
                  int64_t per[N_TECHS]) {
  pl_board_row rows[8];
  pl_error err = {0};
  int n = pl_day_board(w->e, CH, STORES[s], d, rows, 8, &err);
  ok(n, &err, "board");
  for (int i = 0; i < n; i++) {
    if (rows[i].is_bay) {
      *bays += rows[i].available_min;
    } else {
      *techs += rows[i].available_min;
      per[tech_ix(rows[i].code)] += rows[i].available_min;
    }
  }
}

static void reference(wl *w, scope sc, int32_t from, int32_t to, refk *r) {
  memset(r, 0, sizeof *r);
  r->balance = -1;
  int person = sc.adv >= 0 || sc.tech >= 0;
  for (int i = 0; i < w->nb && !person; i++) {
    const rb *b = &w->b[i];
    if (sc.store >= 0 && b->store != sc.store)
      continue;
    if (b->confirmed_ms > 0 &&
        in_range(day_of(b->store, b->created_ms), from, to)) {
      r->num[0] += b->confirmed_ms - b->created_ms;
      r->den[0]++;
    }
    if (b->occupying &&
        in_range(pl_local_day(b->start, OFFSETS[b->store]), from, to))
      r->num[4] += b->end - b->start;
  }
  /* labour per (store, tech) for utilisation and balance */
  int64_t lab[N_STORES][N_TECHS] = {{0}};
  for (int i = 0; i < w->no; i++) {
    const ro *o = &w->o[i];
    if (sc.store >= 0 && o->store != sc.store)
      continue;
    if (sc.adv >= 0 && o->adv != sc.adv)
      continue;
    int has_tech = 0;
    for (int k = 0; k < o->n_tech; k++)
      has_tech |= o->tech[k] == sc.tech;
    if (sc.tech >= 0 && !has_tech)
      continue;
    int s = o->store;
    if (o->cancelled || o->delivered_ms > 0)
      if (in_range(day_of(s, o->created_ms), from, to)) {
        r->den[11]++;
        r->num[11] += o->delivered_ms > 0;
      }
    if (o->started_ms > 0 && o->booking_start >= 0 &&
        in_range(day_of(s, o->started_ms), from, to)) {
      r->den[1]++;
      r->num[1] += o->started_ms <= o->booking_start * 60000 + 15 * 60000;
    }
    if (o->pass_ms > 0 && in_range(day_of(s, o->pass_ms), from, to)) {
      r->den[5]++;
      r->num[5] += (o->pass_ms - o->started_ms) / 60000;
      for (int k = 0; k < o->n_tech; k++)
        lab[s][o->tech[k]] += o->labour_min;
      r->num[2] +=
          sc.tech >= 0 ? o->labour_min : (int64_t)o->labour_min * o->n_tech;
    }
    if (sc.tech < 0 && o->delivered_ms > 0) { /* its follow-up */
      if (in_range(day_of(s, o->delivered_ms + PL_FOLLOWUP_DUE_MS), from, to)) {
        r->den[7]++;
        r->num[7] += o->fu_done_ms > 0;
      }
      if (o->fu_done_ms > 0 && in_range(day_of(s, o->fu_done_ms), from, to)) {
        r->den[8]++;
        r->num[8] += o->fu_sat >= 4;
      }
    }
    if (o->delivered_ms > 0 && in_range(day_of(s, o->delivered_ms), from, to)) {
      r->den[6]++;
      r->num[6] += o->n_qc == 1 && o->first_passed;
      r->den[9]++;
    }
  }
  for (int i = 0; i < w->nq && sc.tech < 0; i++) { /* complaints */
    const rq *k = &w->q[i];
    if ((sc.store >= 0 && k->store != sc.store) ||
        (sc.adv >= 0 && k->adv != sc.adv))
      continue;
    r->num[9] += in_range(day_of(k->store, k->created_ms), from, to);
    if (k->resolved_ms > 0 &&
        in_range(day_of(k->store, k->resolved_ms), from, to)) {
      r->den[10]++;
      r->num[10] += k->resolved_ms <= k->due_ms;
    }
  }
  if (sc.adv >= 0)
    r->num[2] = 0;
  if (sc.tech >= 0)
    r->den[9] = 0;
  /* available minutes, day by day */
  if (sc.adv < 0) {
    int64_t per[N_STORES][N_TECHS] = {{0}};
    for (int s = 0; s < N_STORES; s++) {
      if (sc.store >= 0 && s != sc.store)
        continue;
      for (int32_t d = from; d <= to; d++) {
        int64_t bays = 0, techs = 0;
        board(w, s, d, &bays, &techs, per[s]);
        r->den[4] += bays;
      }
    }
    for (int s = 0; s < N_STORES; s++)
      for (int t = 0; t < N_TECHS; t++)
        if (sc.tech < 0 || t == sc.tech)
          r->den[2] += per[s][t];
    if (sc.tech < 0) {
      double lo = 0, hi = 0;
      int any = 0;
      for (int s = 0; s < N_STORES; s++)
        for (int t = 0; t < N_TECHS; t++) {
          if ((sc.store >= 0 && s != sc.store) || per[s][t] == 0)
            continue;
          double u = (double)lab[s][t] / (double)per[s][t];
          if (!any || u < lo)
            lo = u;
          if (!any || u > hi)
            hi = u;
          any = 1;
        }
      r->balance = !any || hi == 0 ? -1 : lo / hi; /* idle: no data */
    }
  }
  if (sc.tech >= 0 || sc.adv >= 0) {
    r->den[4] = r->num[4] = 0;
    if (sc.adv >= 0)
      r->den[2] = 0;
    return; /* no stock, bookings, complaints for a person */
  }
  /* stock */
  int64_t before = 0, total = 0, delta_to = 0;
  for (int i = 0; i < w->nm; i++) {
    const rm *m = &w->m[i];
    if (sc.store >= 0 && m->store != sc.store)
      continue;
    int32_t d = day_of(m->store, m->at_ms);
    if (d < from)
      before += m->value;
    if (!in_range(d, from, to))
      continue;
    if (m->issued)
      r->num[12] -= m->value;
    r->num[13] += m->variance;
  }
  for (int32_t d = from; d <= to; d++) { /* closing value of each day */
    delta_to = before;
    for (int i = 0; i < w->nm; i++) {
      const rm *m = &w->m[i];
      if ((sc.store < 0 || m->store == sc.store) &&
          in_range(day_of(m->store, m->at_ms), from, d))
        delta_to += w->m[i].value;
    }
    total += delta_to;
  }
  r->den[12] = total / (to - from + 1);
  for (int i = 0; i < w->ns; i++)
    if ((sc.store < 0 || w->s[i].store == sc.store) &&
        in_range(day_of(w->s[i].store, w->s[i].at_ms), from, to))
      r->den[13] += w->s[i].lines;
}

/* ---- comparing ---------------------------------------------------------- */

static void expect(const pl_kpi *k, int32_t from, int32_t to, const refk *r,
                   const char *where) {
  int i = (int)k->id - 1;
  if (k->id == PL_KPI_TECH_BALANCE) {
    if (r->balance < 0) {
      if (k->denominator != 0)
        fail_msg("%s [%d,%d] balance: expected none, got %lld/%lld", where,
                 from, to, (long long)k->numerator, (long long)k->denominator);
    } else if (k->denominator == 0 || k->value < r->balance - 1e-9 ||
               k->value > r->balance + 1e-9) {
      fail_msg("%s [%d,%d] balance: expected %.6f, got %.6f", where, from, to,
               r->balance, k->value);
    }
    return;
  }
  if (k->numerator != r->num[i] || k->denominator != r->den[i])
    fail_msg("%s [%d,%d] %s: expected %lld/%lld, got %lld/%lld", where, from,
             to, k->name, (long long)r->num[i], (long long)r->den[i],
             (long long)k->numerator, (long long)k->denominator);
}

typedef struct check {
  const char *name;
  pl_kpi_query q;
  scope sc;
} check;

static void check_all(wl *w, const char *when) {
  int32_t lo = D0 + 2, hi = D0 + N_DAYS - 1;
  check checks[] = {
      {"chain/day",
       {.chain = CH, .from_day = lo, .to_day = hi, .granularity = PL_KPI_DAY},
       {-1, -1, -1}},
      {"chain/month",
       {.chain = CH,
        .from_day = D0 - 3,
        .to_day = hi + 2,
        .granularity = PL_KPI_MONTH},
       {-1, -1, -1}},
      {"S1/week",
       {.chain = CH,
        .store = "S1",
        .from_day = D0 + 1,
        .to_day = hi,
        .granularity = PL_KPI_WEEK},
       {0, -1, -1}},
      {"S2/month",
       {.chain = CH,
        .store = "S2",
        .from_day = D0 + 5,
        .to_day = D0 + 33,
        .granularity = PL_KPI_MONTH},
       {1, -1, -1}},
      {"S1/January",
       {.chain = CH,
        .store = "S1",
        .from_day = D0 - 19,
        .to_day = D0 + 11,
        .granularity = PL_KPI_MONTH},
       {0, -1, -1}},
      {"A1/week",
       {.chain = CH,
        .advisor = "A1",
        .from_day = D0 + 3,
        .to_day = hi,
        .granularity = PL_KPI_WEEK},
       {-1, 0, -1}},
      {"S2.T1/month",
       {.chain = CH,
        .store = "S2",
        .technician = "T1",
        .from_day = D0,
        .to_day = hi,
        .granularity = PL_KPI_MONTH},
       {1, -1, 0}},
      {"S1.T3/day",
       {.chain = CH,
        .store = "S1",
        .technician = "T3",
        .from_day = D0 + 9,
        .to_day = D0 + 24,
        .granularity = PL_KPI_DAY},
       {0, -1, 2}},
  };
  pl_kpi_report *rep = malloc(sizeof *rep);
  for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++) {
    check *ck = &checks[c];
    pl_error err = {0};
    int rc = pl_kpi_report_get(w->e, &ck->q, rep, &err);
    if (rc != 0)
      fail_msg("%s %s: %s (%s)", when, ck->name, pl_err_name(rc), err.msg);
    char where[96];
    snprintf(where, sizeof where, "%s %s", when, ck->name);
    refk r;
    reference(w, ck->sc, ck->q.from_day, ck->q.to_day, &r);
    int nonzero = 0;
    for (int k = 0; k < PL_KPI_COUNT; k++) {
      expect(&rep->kpis[k], ck->q.from_day, ck->q.to_day, &r, where);
      nonzero += rep->kpis[k].denominator != 0;
    }
    /* the repair time by service: orders that passed QC in the range */
    int64_t so[2] = {0, 0}, sm[2] = {0, 0};
    for (int i = 0; i < w->no; i++) {
      const ro *o = &w->o[i];
      int on = ck->sc.tech < 0;
      for (int k = 0; k < o->n_tech; k++)
        on |= o->tech[k] == ck->sc.tech;
      if (o->pass_ms == 0 || !on ||
          (ck->sc.store >= 0 && o->store != ck->sc.store) ||
          (ck->sc.adv >= 0 && o->adv != ck->sc.adv) ||
          !in_range(day_of(o->store, o->pass_ms), ck->q.from_day, ck->q.to_day))
        continue;
      so[o->svc]++;
      sm[o->svc] += (o->pass_ms - o->started_ms) / 60000;
    }
    assert_int_equal(rep->n_services, (so[0] > 0) + (so[1] > 0));
    for (int32_t i = 0; i < rep->n_services; i++) {
      int v = strcmp(rep->services[i].service, SERVICES[0]) == 0 ? 0 : 1;
      assert_string_equal(rep->services[i].service, SERVICES[v]);
      assert_int_equal(rep->services[i].orders, so[v]);
      assert_int_equal(rep->services[i].minutes, sm[v]);
    }
    if (nonzero < 4) /* the workload reached these KPIs */
      fail_msg("%s: only %d KPIs measured", where, nonzero);
    /* each point of the series is the KPI over its bucket */
    const pl_kpi *k0 = &rep->kpis[0];
    for (int32_t p = 0; p < k0->n_points; p++) {
      int32_t from = k0->points[p].day;
      int32_t to =
          p + 1 < k0->n_points ? k0->points[p + 1].day - 1 : ck->q.to_day;
      reference(w, ck->sc, from, to, &r);
      for (int k = 0; k < PL_KPI_COUNT; k++) {
        pl_kpi one = rep->kpis[k];
        one.numerator = one.points[p].numerator;
        one.denominator = one.points[p].denominator;
        one.value = one.points[p].value;
        expect(&one, from, to, &r, where);
      }
    }
    if (ck->q.granularity == PL_KPI_MONTH)
      assert_true(k0->n_points >= 1 && k0->n_points <= 3);
  }
  free(rep);
}

/* ---- tests -------------------------------------------------------------- */

/* A world on a fresh directory with random seed `seed`: D0 set to
 * 2026-01-20, the clock at 06:00 local the day before, the engine opened
 * (no fsync) with *cfg (kept for reopening) and the chain made. */
static wl *world_open(unsigned seed, pl_config *cfg) {
  wl *w = calloc(1, sizeof *w);
  assert_non_null(w);
  w->dir = test_tempdir();
  w->seed = seed;
  D0 = pl_local_day((int64_t)1768867200 / 60, 0); /* 2026-01-20 */
  w->clk.now_ms = at_local(0, D0 - 1, 6 * 60);
  *cfg = (pl_config){.path = w->dir,
                     .clock = test_clock_now,
                     .clock_arg = &w->clk,
                     .no_sync = 1};
  pl_error err = {0};
  ok(pl_engine_open(cfg, &w->e, &err), &err, "open");
  make_chain(w);
  return w;
}

/* Closes w's engine and removes its directory. */
static void world_close(wl *w) {
  pl_engine_close(w->e);
  test_rmrf(w->dir);
  free(w);
}

static void every_kpi_matches_the_reference_and_survives_restart(void **st) {
  (void)st;
  pl_config cfg;
  pl_error err = {0};
  wl *w = world_open(20260120, &cfg);
  run_workload(w);
  print_message("workload: %d bookings, %d orders, %d movements\n", w->nb,
                w->no, w->nm);
  check_all(w, "live");
  pl_engine_close(w->e);
  ok(pl_engine_open(&cfg, &w->e, &err), &err, "reopen");
  /* stock moves after the restart and before the first report: the stored
   * movements are counted from the ledger on that report, these live, and
   * none twice */
  int64_t now = w->clk.now_ms;
  stock_day(w, 1, day_of(1, now));
  w->clk.now_ms = now > w->clk.now_ms ? now : w->clk.now_ms;
  check_all(w, "reopened");
  world_close(w);
}

static void bad_queries_name_the_field(void **st) {
  (void)st;
  char *dir = test_tempdir();
  test_clock clk = {1768867200000LL};
  pl_engine *e = test_open(dir, &clk);
  test_chain_with_store(e, "C", "S");
  pl_kpi_report *rep = malloc(sizeof *rep);
  pl_error err = {0};
  pl_kpi_query q = {.chain = "C", .from_day = 10, .to_day = 9};
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "from_day"));
  q.from_day = 0;
  q.to_day = 366;
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "to_day"));
  q.to_day = 365;
  q.granularity = 9;
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "granularity"));
  q.granularity = PL_KPI_WEEK;
  q.store = "NOPE";
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "store"));
  q.store = NULL;
  q.technician = "T";
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "store"));
  q.technician = NULL;
  q.chain = "NOPE";
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), PL_ENOTFOUND);
  q.chain = "C";
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), 0);
  assert_int_equal(rep->kpis[0].n_points, 53);
  assert_int_equal(rep->kpis[PL_KPI_SATISFACTION - 1].denominator, 0);
  assert_int_equal(rep->kpis[PL_KPI_SATISFACTION - 1].met, 0);
  free(rep);
  pl_engine_close(e);
  test_rmrf(dir);
}

/* Follow-ups and complaints, through the KPI side of the feed as the
 * customers module sends them: a record changing counts once, at its latest
 * value. */
static void followups_and_complaints_count_their_latest_value(void **st) {
  (void)st;
  char *dir = test_tempdir();
  test_clock clk = {1768867200000LL}; /* 2026-01-20 00:00 UTC */
  pl_engine *e = test_open(dir, &clk);
  test_chain_with_store(e, "C", "S"); /* UTC+8 */
  int32_t day = pl_local_day(clk.now_ms / 60000, 480);
  int64_t t = clk.now_ms;
  pl_followup f = {0};
  strcpy(f.chain, "C");
  strcpy(f.store, "S");
  strcpy(f.advisor, "A");
  for (int i = 1; i <= 20; i++) {
    f.id = i;
    f.delivered_ms = t;
    f.due_ms = t + PL_FOLLOWUP_DUE_MS;
    f.state = PL_FOLLOWUP_OPEN;
    f.satisfaction = 0;
    assert_int_equal(pl_testing_kpi_followup(e, &f), 0);
    if (i <= 18) { /* done: 17 satisfied, one not */
      f.state = PL_FOLLOWUP_DONE;
      f.satisfaction = i == 5 ? 2 : (i % 2 ? 5 : 4);
      f.done_ms = t + PL_FOLLOWUP_DUE_MS;
      assert_int_equal(pl_testing_kpi_followup(e, &f), 0);
      assert_int_equal(pl_testing_kpi_followup(e, &f),
                       0); /* a repeat changes nothing */
    }
  }
  pl_complaint x = {0};
  strcpy(x.chain, "C");
  strcpy(x.store, "S");
  for (int i = 1; i <= 3; i++) {
    x.id = i;
    x.created_ms = t;
    x.resolution_due_ms = t + 72LL * 3600 * 1000;
    x.resolved_ms = 0;
    assert_int_equal(pl_testing_kpi_complaint(e, &x), 0);
    x.resolved_ms = t + (i == 3 ? 80LL : 10LL) * 3600 * 1000;
    assert_int_equal(pl_testing_kpi_complaint(e, &x), 0);
  }
  pl_kpi_report *rep = malloc(sizeof *rep);
  pl_error err = {0};
  pl_kpi_query q = {
      .chain = "C", .store = "S", .from_day = day, .to_day = day + 6};
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), 0);
  const pl_kpi *fu = &rep->kpis[PL_KPI_FOLLOWUP_COMPLETION - 1];
  assert_int_equal(fu->numerator, 18);
  assert_int_equal(fu->denominator, 20);
  assert_int_equal(fu->points[1].denominator, 20); /* due the next day */
  const pl_kpi *sat = &rep->kpis[PL_KPI_SATISFACTION - 1];
  assert_int_equal(sat->numerator, 17);
  assert_int_equal(sat->denominator, 18);
  assert_int_equal(sat->met, 0); /* 94.4 % < 95 % */
  const pl_kpi *ot = &rep->kpis[PL_KPI_COMPLAINT_ON_TIME - 1];
  assert_int_equal(ot->numerator, 2);
  assert_int_equal(ot->denominator, 3);
  /* complaints without a delivery: 3/0, no data, neither met nor missed */
  const pl_kpi *cr = &rep->kpis[PL_KPI_COMPLAINT_RATE - 1];
  assert_int_equal(cr->numerator, 3);
  assert_int_equal(cr->denominator, 0);
  assert_true(cr->value == 0.0);
  assert_int_equal(cr->met, 0);
  q.store = NULL;
  q.advisor = "A";
  assert_int_equal(pl_kpi_report_get(e, &q, rep, &err), 0);
  assert_int_equal(rep->kpis[PL_KPI_SATISFACTION - 1].denominator, 18);
  assert_int_equal(rep->kpis[PL_KPI_COMPLAINT_RATE - 1].numerator, 0);
  free(rep);
  pl_engine_close(e);
  test_rmrf(dir);
}

/* Rewrites the stored row of key (kind, id) of chain C as a version 1 row:
 * version 2 is version 1 with `tail` one-byte fields appended, here all 0
 * (a work order: started_ms; a booking: confirmed_ms and four loaner
 * fields). */
static void downgrade_row(const char *dir, unsigned kind, int64_t id,
                          size_t tail) {
  pl_error err = {0};
  unsigned char *v = NULL;
  size_t n = 0;
  ok(pl_testing_row_get(dir, "C", kind, id, &v, &n, &err), &err, "row get");
  assert_true(n > 2);
  assert_int_equal(v[0], 2); /* written as version 2 ... */
  for (size_t i = 1; i <= tail; i++)
    assert_int_equal(v[n - i], 0); /* ... with the new fields 0 */
  v[0] = 1;
  ok(pl_testing_row_put(dir, "C", kind, id, v, n - tail, &err), &err,
     "row put");
  free(v);
}

/* Bookings and work orders stored before confirmed_ms / started_ms (row
 * version 1) still load, and count once they move on. */
static void rows_of_version_1_still_load(void **st) {
  (void)st;
  char *dir = test_tempdir();
  test_clock clk = {1768899600000LL}; /* 2026-01-20 17:00 +08:00 */
  pl_engine *e = test_open(dir, &clk);
  pl_error err = {0};
  test_chain_with_store(e, "C", "S");
  pl_bay_info bi = {
      .chain = "C", .store = "S", .code = "B", .type = PL_BAY_GENERAL_LIFT};
  ok(pl_bay_create(e, &bi, NULL, NULL, NULL, &err), &err, "bay");
  pl_technician_info ti = {
      .chain = "C", .store = "S", .code = "T", .name = "t", .n_skills = 1};
  ti.skills[0] = (pl_skill_level){PL_SKILL_ENGINE, 2};
  ok(pl_technician_create(e, &ti, NULL, NULL, NULL, &err), &err, "tech");
  pl_service_info sv = {.chain = "C",
                        .code = "OIL",
                        .name = "oil",
                        .bay_type = PL_BAY_GENERAL_LIFT,
                        .skill = PL_SKILL_ENGINE,
                        .min_level = 1,
                        .duration_min = 60,
                        .technicians = 1};
  ok(pl_service_create(e, &sv, NULL, NULL, NULL, &err), &err, "service");
  pl_slot_query q = {.chain = "C", .n_stores = 1, .n_services = 1, .k = 1};
  q.stores[0] = "S";
  q.services[0] = "OIL";
  q.earliest = clk.now_ms / 60000;
  q.latest = q.earliest + 3 * 1440;
  pl_slot_option opt;
  assert_int_equal(pl_recommend_slots(e, &q, &opt, 1, &err), 1);
  pl_booking_info in = {
      .chain = "C", .store = "S", .channel = PL_CHANNEL_PHONE, .n_segments = 1};
  in.seg[0] = opt.seg[0];
  pl_booking_info b;
  ok(pl_booking_hold(e, &in, 3600000, NULL, NULL, &b, &err), &err, "hold");
  pl_wo_new wn = {.chain = "C",
                  .store = "S",
                  .n_items = 1,
                  .assign = PL_ASSIGN_MANUAL,
                  .n_techs = 1};
  strcpy(wn.vehicle.plate, "X");
  strcpy(wn.techs[0], "T");
  wn.items[0].kind = PL_ITEM_LABOUR;
  strcpy(wn.items[0].service, "OIL");
  pl_work_order *wo = malloc(sizeof *wo);
  ok(pl_wo_create(e, &wn, NULL, NULL, wo, &err), &err, "order");
  int64_t wo_id = wo->id;
  pl_engine_close(e);
  downgrade_row(dir, 0x14 /* PL__K_BOOKING */, b.id, 5);
  downgrade_row(dir, 0x40 /* PL__K_WO */, wo_id, 1);

  e = test_open(dir, &clk);
  clk.now_ms += 5 * 60000;
  ok(pl_booking_transition(e, "C", b.id, PL_BOOKING_CONFIRMED, NULL, &b, &err),
     &err, "confirm");
  assert_true(b.confirmed_ms == clk.now_ms);
  ok(pl_wo_start(e, "C", wo_id, "T", NULL, wo, &err), &err, "start");
  assert_true(wo->started_ms == clk.now_ms);
  pl_engine_close(e);
  e = test_open(dir, &clk); /* now stored as version 2 */
  pl_kpi_report *rep = malloc(sizeof *rep);
  int32_t day = pl_local_day(clk.now_ms / 60000, 480);
  pl_kpi_query kq = {.chain = "C", .from_day = day, .to_day = day};
  ok(pl_kpi_report_get(e, &kq, rep, &err), &err, "report");
  assert_int_equal(rep->kpis[PL_KPI_BOOKING_RESPONSE - 1].denominator, 1);
  assert_int_equal(rep->kpis[PL_KPI_BOOKING_RESPONSE - 1].numerator, 5 * 60000);
  free(rep);
  free(wo);
  pl_engine_close(e);
  test_rmrf(dir);
}

#define CAP_TECH 1 /* technicians' available minutes in the scope */
#define CAP_BAY 2  /* bays' available minutes in the scope */

/* Checks one KPI of a report over days with no activity: 0/0 (no data,
 * value 0, not met) in total and in every point, except utilisation and
 * occupancy where `capacity` says the scope had available minutes: their
 * denominators are that capacity and they read a measured 0 %. */
static void expect_empty(const pl_kpi *k, int capacity, const char *where) {
  int cap_kpi = (k->id == PL_KPI_TECH_UTILISATION && (capacity & CAP_TECH)) ||
                (k->id == PL_KPI_BAY_OCCUPANCY && (capacity & CAP_BAY));
  if (k->numerator != 0 || k->value != 0.0 || k->met != 0)
    fail_msg("%s %s: expected 0, got %lld/%lld = %f met %d", where, k->name,
             (long long)k->numerator, (long long)k->denominator, k->value,
             k->met);
  if (cap_kpi ? k->denominator <= 0 : k->denominator != 0)
    fail_msg("%s %s: denominator %lld", where, k->name,
             (long long)k->denominator);
  int64_t den = 0;
  for (int32_t b = 0; b < k->n_points; b++) {
    const pl_kpi_point *p = &k->points[b];
    if (p->numerator != 0 || p->value != 0.0 ||
        (!cap_kpi && p->denominator != 0))
      fail_msg("%s %s point %d: %lld/%lld", where, k->name, b,
               (long long)p->numerator, (long long)p->denominator);
    den += p->denominator;
  }
  if (den != k->denominator && k->id != PL_KPI_TECH_BALANCE)
    fail_msg("%s %s: points sum to %lld, total %lld", where, k->name,
             (long long)den, (long long)k->denominator);
}

/* Every KPI over days when nothing happened, in every scope and
 * granularity, on a chain with stores, bays, technicians and calendars:
 * no data (0/0, never met) but for capacity KPIs, a measured 0. An idle
 * store's technician balance is no data, not "balanced" (issue #25). */
static void every_kpi_is_defined_over_empty_days(void **st) {
  (void)st;
  pl_config cfg;
  pl_error err = {0};
  wl *w = world_open(0, &cfg);
  w->clk.now_ms = at_local(0, D0 + 20, 6 * 60); /* the days went by */
  pl_kpi_report *rep = malloc(sizeof *rep);
  const struct {
    const char *name;
    pl_kpi_query q;
    int capacity;
  } qs[] = {
      {"chain/day",
       {.chain = CH, .from_day = D0, .to_day = D0 + 13},
       CAP_TECH | CAP_BAY},
      {"chain/week",
       {.chain = CH,
        .from_day = D0,
        .to_day = D0 + 13,
        .granularity = PL_KPI_WEEK},
       CAP_TECH | CAP_BAY},
      {"store/month",
       {.chain = CH,
        .store = "S1",
        .from_day = D0,
        .to_day = D0 + 13,
        .granularity = PL_KPI_MONTH},
       CAP_TECH | CAP_BAY},
      {"store/one day",
       {.chain = CH, .store = "S2", .from_day = D0 + 1, .to_day = D0 + 1},
       CAP_TECH | CAP_BAY},
      {"closed day",
       {.chain = CH, .store = "S1", .from_day = D0 + 11, .to_day = D0 + 11},
       0},
      {"technician",
       {.chain = CH,
        .store = "S1",
        .technician = "T2",
        .from_day = D0,
        .to_day = D0 + 13},
       CAP_TECH},
      {"advisor",
       {.chain = CH, .advisor = "A1", .from_day = D0, .to_day = D0 + 13},
       0},
  };
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    ok(pl_kpi_report_get(w->e, &qs[i].q, rep, &err), &err, qs[i].name);
    for (int k = 0; k < PL_KPI_COUNT; k++)
      expect_empty(&rep->kpis[k], qs[i].capacity, qs[i].name);
  }
  /* the store's capacity stood idle: available minutes, no balance */
  ok(pl_kpi_report_get(w->e, &qs[2].q, rep, &err), &err, "store");
  assert_true(rep->kpis[PL_KPI_TECH_UTILISATION - 1].denominator > 0);
  assert_int_equal(rep->kpis[PL_KPI_TECH_BALANCE - 1].denominator, 0);
  free(rep);
  world_close(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_kpi_matches_the_reference_and_survives_restart),
      cmocka_unit_test(bad_queries_name_the_field),
      cmocka_unit_test(every_kpi_is_defined_over_empty_days),
      cmocka_unit_test(followups_and_complaints_count_their_latest_value),
      cmocka_unit_test(rows_of_version_1_still_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
