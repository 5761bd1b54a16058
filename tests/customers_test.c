/* customers_test.c — customers, vehicle links over time, service history,
 * follow-ups and complaints in the engine, on the demo chain in a real
 * RocksDB directory with an injectable clock (no sleeping): the history
 * against a reference the test keeps of a random workload, deadlines and
 * escalation, bad input that changes nothing, and restart. */
#include "testutil.h"

#include "pitlane/customers.h"
#include "pitlane/demo.h"
#include "pitlane/scheduling.h"
#include "pitlane/vehicles.h"
#include "pitlane/workorders.h"

#define CH PL_DEMO_CHAIN
/* 2026-11-25 09:00 in Shanghai (UTC+8) */
#define T0_MS ((int64_t)1795568400000LL)
#define HOUR_MS (3600LL * 1000)

typedef test_fx fx;

static int setup(void **state) {
  *state = test_fx_new(T0_MS, 1);
  return 0;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int64_t new_customer(fx *f, const char *name, const char *phone,
                            int consent) {
  pl_customer c = {.kind = PL_CUSTOMER_PERSON, .source = PL_SOURCE_DIRECT};
  strcpy(c.chain, CH);
  snprintf(c.name, sizeof c.name, "%s", name);
  snprintf(c.phone, sizeof c.phone, "%s", phone);
  c.consent = consent;
  pl_error err = {0};
  pl_customer out;
  if (pl_customer_put(f->e, &c, NULL, NULL, &out, &err) != 0)
    fail_msg("customer: %s", err.msg);
  return out.id;
}

static void register_vehicle(fx *f, const char *vin, const char *plate) {
  pl_vehicle_info v;
  memset(&v, 0, sizeof v);
  strcpy(v.chain, CH);
  snprintf(v.vin, sizeof v.vin, "%s", vin);
  snprintf(v.plate, sizeof v.plate, "%s", plate);
  strcpy(v.store, "SH01");
  v.purchase_day = pl_local_day(T0_MS / 60000, 480) - 400;
  pl_error err = {0};
  if (pl_vehicle_register(f->e, &v, 0, NULL, NULL, &err) != 0)
    fail_msg("vehicle: %s", err.msg);
}

/* A walk-in order with one labour item for vin (or a check-in of
 * booking_id). */
static pl_work_order new_order(fx *f, const char *vin, const char *plate,
                               int64_t booking_id) {
  pl_wo_new in = {0};
  strcpy(in.chain, CH);
  strcpy(in.store, "SH01");
  in.booking_id = booking_id;
  snprintf(in.vehicle.vin, sizeof in.vehicle.vin, "%s", vin);
  snprintf(in.vehicle.plate, sizeof in.vehicle.plate, "%s", plate);
  in.vehicle.mileage_km = 10000 + (int64_t)(rnd() % 50000);
  strcpy(in.advisor, "adv1");
  if (booking_id == 0) {
    in.n_items = 1;
    in.items[0].kind = PL_ITEM_LABOUR;
    strcpy(in.items[0].service, "TYRE");
  }
  pl_work_order wo;
  pl_error err = {0};
  if (pl_wo_create(f->e, &in, NULL, NULL, &wo, &err) != 0)
    fail_msg("order: %s", err.msg);
  return wo;
}

static void deliver(fx *f, pl_work_order *wo) {
  pl_error err = {0};
  assert_int_equal(pl_wo_start(f->e, CH, wo->id, "t", NULL, wo, &err), 0);
  for (int32_t i = 0; i < wo->n_items; i++)
    assert_int_equal(pl_wo_complete_item(f->e, CH, wo->id, wo->items[i].no, "t",
                                         NULL, wo, &err),
                     0);
  assert_int_equal(pl_wo_request_qc(f->e, CH, wo->id, "t", NULL, wo, &err), 0);
  assert_int_equal(
      pl_wo_record_qc(f->e, CH, wo->id, 1, "q", "ok", NULL, wo, &err), 0);
  if (pl_wo_deliver(f->e, CH, wo->id, "adv1", 0, 0, NULL, wo, &err) != 0)
    fail_msg("deliver: %s", err.msg);
}

/* ---- customers ----------------------------------------------------------- */

static void customers_are_kept_and_bad_input_changes_nothing(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_customer c = {.kind = PL_CUSTOMER_PERSON, .source = PL_SOURCE_DIRECT};
  strcpy(c.chain, CH);
  strcpy(c.name, "王先生");
  strcpy(c.phone, "13800000001");
  c.consent = 1;
  pl_customer a, again;
  pl_customer list[8];
  int before = pl_customer_list(f->e, CH, NULL, 0, list, 8, &err);
  assert_int_equal(pl_customer_put(f->e, &c, "c-1", NULL, &a, &err), 0);
  assert_true(a.id == before + 1);
  assert_int_equal(pl_customer_put(f->e, &c, "c-1", NULL, &again, &err), 0);
  assert_true(again.id == a.id); /* a retry, not a second customer */

  /* the same phone for someone else */
  pl_customer d = c;
  strcpy(d.name, "李女士");
  assert_int_equal(pl_customer_put(f->e, &d, "c-2", NULL, NULL, &err),
                   PL_EEXIST);
  assert_non_null(strstr(err.msg, "customer.phone"));
  /* bad fields, each named */
  pl_customer b = d;
  b.kind = 9;
  assert_int_equal(pl_customer_put(f->e, &b, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "customer.kind"));
  b = d;
  strcpy(b.phone, "12ab");
  assert_int_equal(pl_customer_put(f->e, &b, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "customer.phone"));
  b = d;
  b.name[0] = '\0';
  assert_int_equal(pl_customer_put(f->e, &b, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "customer.name"));
  b = d;
  b.source = PL_SOURCE_INSURER; /* needs the insurer's code */
  assert_int_equal(pl_customer_put(f->e, &b, NULL, NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "customer.ref"));
  b = d;
  b.id = 99;
  strcpy(b.phone, "13800000002");
  assert_int_equal(pl_customer_put(f->e, &b, NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  assert_int_equal(pl_customer_list(f->e, CH, NULL, 0, list, 8, &err),
                   before + 1);

  /* a phone moves: the old number is free again */
  strcpy(a.phone, "13800000009");
  assert_int_equal(pl_customer_put(f->e, &a, NULL, NULL, NULL, &err), 0);
  assert_int_equal(pl_customer_put(f->e, &d, "c-2", NULL, &d, &err), 0);
  assert_true(d.id == a.id + 1);
  test_fx_reopen(f);
  pl_customer got;
  assert_int_equal(pl_customer_find(f->e, CH, "13800000001", &got, &err), 0);
  assert_true(got.id == d.id);
  assert_int_equal(pl_customer_find(f->e, CH, "13800000009", &got, &err), 0);
  assert_true(got.id == a.id);
  assert_string_equal(got.name, "王先生");
  assert_int_equal(pl_customer_list(f->e, CH, "李女士", 0, list, 8, &err), 1);
  assert_true(list[0].id == d.id);
}

/* ---- ownership ----------------------------------------------------------- */

static void a_car_changes_owner_and_keeps_its_history(void **st) {
  fx *f = *st;
  pl_error err = {0};
  const char *vin = "LSVAA000000000001";
  register_vehicle(f, vin, "沪A00001");
  int64_t a = new_customer(f, "A", "13900000001", 1);
  int64_t b = new_customer(f, "B", "13900000002", 1);
  int64_t drv = new_customer(f, "D", "13900000003", 1);
  int32_t d0 = 20000, d1 = 20300;
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, a, PL_ROLE_OWNER, d0, NULL, &err), 0);
  /* repeating it changes nothing */
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, a, PL_ROLE_OWNER, d0, NULL, &err), 0);
  pl_work_order w1 = new_order(f, vin, "沪A00001", 0);
  deliver(f, &w1);
  /* a new owner cannot start before the current one */
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, b, PL_ROLE_OWNER, d0 - 1, NULL, &err),
      PL_EPRECOND);
  assert_non_null(strstr(err.msg, "from_day"));
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, b, PL_ROLE_OWNER, d1, NULL, &err), 0);
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, drv, PL_ROLE_DRIVER, d1 + 5, NULL, &err),
      0);
  /* unknown vehicle, customer, role: refused, nothing written */
  assert_int_equal(pl_vehicle_link(f->e, CH, "LSVAA000000000009", a,
                                   PL_ROLE_OWNER, d1, NULL, &err),
                   PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "vin"));
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, 77, PL_ROLE_OWNER, d1, NULL, &err),
      PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "customer_id"));
  assert_int_equal(pl_vehicle_link(f->e, CH, vin, a, 7, d1, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "role"));
  pl_work_order w2 = new_order(f, vin, "沪A00001", 0);
  for (int round = 0; round < 2; round++) {
    assert_true(pl_vehicle_owner_on(f->e, CH, vin, d0) == a);
    assert_true(pl_vehicle_owner_on(f->e, CH, vin, d1 - 1) == a);
    assert_true(pl_vehicle_owner_on(f->e, CH, vin, d1) == b);
    assert_true(pl_vehicle_owner_on(f->e, CH, vin, d0 - 1) == 0);
    pl_ownership links[8];
    assert_int_equal(pl_vehicle_owners(f->e, CH, vin, links, 8, &err), 3);
    assert_true(links[0].customer_id == drv); /* newest first */
    assert_true(links[2].customer_id == a && links[2].to_day == d1);
    assert_int_equal(pl_customer_vehicles(f->e, CH, a, links, 8, &err), 1);
    assert_string_equal(links[0].vin, vin);
    /* both visits stay with the VIN, whoever owns it now */
    pl_history_entry h[8];
    int more = 1;
    int n = pl_vehicle_history(f->e, CH, vin, NULL, h, 8, &more, &err);
    int orders = 0;
    for (int i = 0; i < n; i++)
      orders += h[i].kind == PL_HIST_WORK_ORDER;
    assert_int_equal(orders, 2);
    assert_int_equal(more, 0);
    (void)w2;
    test_fx_reopen(f);
  }
  assert_int_equal(pl_vehicle_unlink(f->e, CH, vin, drv, d1 + 9, NULL, &err),
                   0);
  assert_int_equal(pl_vehicle_unlink(f->e, CH, vin, drv, d1 + 9, NULL, &err),
                   PL_ENOTFOUND);
}

/* ---- history against a reference ------------------------------------------
 */

#define NV 6
#define OPS 120

typedef struct ref_entry {
  pl_history_kind kind;
  int64_t id;
  int64_t at_ms;
  int32_t state;
} ref_entry;

static int ref_cmp(const void *pa, const void *pb) {
  const ref_entry *a = pa, *b = pb;
  if (a->at_ms != b->at_ms)
    return a->at_ms > b->at_ms ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return a->id > b->id ? -1 : a->id < b->id;
}

typedef struct ref_booking {
  int64_t id;
  int v;
  int64_t start_min;
  pl_booking_state state;
  int has_order;
} ref_booking;

typedef struct ref_order {
  pl_work_order w;
  int v;
} ref_order;

/* Everything the workload did, as the test saw it. */
typedef struct ref {
  char vin[NV][PL_VEH_VIN_MAX], plate[NV][PL_PLATE_MAX];
  int nb, no, nc;
  ref_booking b[OPS];
  ref_order o[OPS];
  pl_complaint c[OPS];
  int c_v[OPS];
} ref;

static int expected_for(fx *f, const ref *r, int v, ref_entry *out) {
  int n = 0;
  for (int i = 0; i < r->nb; i++)
    if (r->b[i].v == v && !r->b[i].has_order)
      out[n++] = (ref_entry){PL_HIST_BOOKING, r->b[i].id,
                             r->b[i].start_min * 60000, (int32_t)r->b[i].state};
  for (int i = 0; i < r->no; i++) {
    if (r->o[i].v != v)
      continue;
    const pl_work_order *w = &r->o[i].w;
    out[n++] = (ref_entry){PL_HIST_WORK_ORDER, w->id, w->created_ms,
                           (int32_t)w->state};
    if (w->state == PL_WO_DELIVERED) {
      pl_followup fu;
      assert_int_equal(pl_followup_get(f->e, CH, w->id, &fu, NULL), 0);
      assert_true(fu.due_ms == w->delivered_ms + PL_FOLLOWUP_DUE_MS ||
                  fu.attempts > 0);
      out[n++] = (ref_entry){PL_HIST_FOLLOWUP, w->id,
                             fu.done_ms > 0 ? fu.done_ms : fu.due_ms,
                             (int32_t)fu.state};
    }
  }
  for (int i = 0; i < r->nc; i++)
    if (r->c_v[i] == v)
      out[n++] = (ref_entry){PL_HIST_COMPLAINT, r->c[i].id, r->c[i].created_ms,
                             (int32_t)r->c[i].state};
  qsort(out, (size_t)n, sizeof *out, ref_cmp);
  return n;
}

/* Reads v's whole history in pages of 3 and compares with the reference. */
static void check_history(fx *f, const ref *r) {
  static ref_entry want[4 * OPS];
  pl_error err = {0};
  for (int v = 0; v < NV; v++) {
    int nw = expected_for(f, r, v, want);
    pl_history_cursor cur = {0};
    int got = 0, more = 1;
    while (more) {
      pl_history_entry h[3];
      int n = pl_vehicle_history(f->e, CH, r->vin[v], &cur, h, 3, &more, &err);
      assert_true(n >= 0);
      for (int i = 0; i < n; i++, got++) {
        assert_true(got < nw);
        if (h[i].kind != want[got].kind || h[i].id != want[got].id ||
            h[i].at_ms != want[got].at_ms || h[i].state != want[got].state)
          fail_msg("vehicle %d entry %d: got (%d %lld %lld %d) want (%d %lld "
                   "%lld %d)",
                   v, got, h[i].kind, (long long)h[i].id, (long long)h[i].at_ms,
                   h[i].state, want[got].kind, (long long)want[got].id,
                   (long long)want[got].at_ms, want[got].state);
        if (h[i].kind == PL_HIST_WORK_ORDER) {
          assert_int_equal(h[i].n_services, 1);
          assert_string_equal(h[i].services[0], "TYRE");
        }
      }
      if (n > 0)
        cur = (pl_history_cursor){h[n - 1].at_ms, (int32_t)h[n - 1].kind,
                                  h[n - 1].id};
      if (n == 0)
        break;
    }
    assert_int_equal(got, nw);
  }
}

static void history_matches_a_reference_of_a_random_workload(void **st) {
  fx *f = *st;
  pl_error err = {0};
  static ref r;
  memset(&r, 0, sizeof r);
  for (int v = 0; v < NV; v++) {
    snprintf(r.vin[v], sizeof r.vin[v], "LHSTA%012d", v);
    snprintf(r.plate[v], sizeof r.plate[v], "沪H%04d", v);
    if (v < NV - 1) /* the last one is known only by its orders */
      register_vehicle(f, r.vin[v], r.plate[v]);
  }
  for (int op = 0; op < OPS; op++) {
    f->clk.now_ms += (int64_t)(rnd() % 90 + 1) * 60000;
    int v = (int)(rnd() % NV);
    int kind = (int)(rnd() % 10);
    if (kind < 4 && r.nb < OPS) { /* a booking */
      pl_slot_query q = {.chain = CH,
                         .n_stores = 1,
                         .stores = {"SH01"},
                         .n_services = 1,
                         .services = {"TYRE"},
                         .earliest = f->clk.now_ms / 60000 + 60,
                         .latest = f->clk.now_ms / 60000 + 5 * 24 * 60,
                         .k = 1};
      pl_slot_option opt;
      if (pl_recommend_slots(f->e, &q, &opt, 1, &err) != 1)
        continue;
      pl_booking_info b = {.chain = CH, .channel = PL_CHANNEL_APP};
      strcpy(b.store, opt.store);
      strcpy(b.plate, r.plate[v]);
      b.n_segments = opt.n_segments;
      memcpy(b.seg, opt.seg, sizeof b.seg);
      pl_booking_info got;
      assert_int_equal(pl_booking_hold(f->e, &b, 0, NULL, NULL, &got, &err), 0);
      ref_booking *rb = &r.b[r.nb++];
      *rb = (ref_booking){got.id, v, got.start, got.state, 0};
      int then = (int)(rnd() % 3);
      if (then >= 1) {
        assert_int_equal(pl_booking_transition(f->e, CH, got.id,
                                               PL_BOOKING_CONFIRMED, NULL, NULL,
                                               &err),
                         0);
        rb->state = PL_BOOKING_CONFIRMED;
      }
      if (then == 2) { /* checked in as a work order */
        r.o[r.no].w = new_order(f, r.vin[v], r.plate[v], got.id);
        r.o[r.no++].v = v;
        rb->has_order = 1;
      }
    } else if (kind < 7 && r.no < OPS) { /* a walk-in */
      r.o[r.no].w = new_order(f, r.vin[v], r.plate[v], 0);
      r.o[r.no++].v = v;
    } else if (kind < 9 && r.no > 0) { /* deliver or follow up an order */
      ref_order *o = &r.o[rnd() % (uint64_t)r.no];
      if (o->w.state == PL_WO_PENDING) {
        deliver(f, &o->w);
      } else if (o->w.state == PL_WO_DELIVERED) {
        pl_followup fu;
        int reached = (int)(rnd() % 2);
        int rc = pl_followup_record(f->e, CH, o->w.id, reached,
                                    reached ? (int32_t)(rnd() % 5 + 1) : 0, "",
                                    "adv1", NULL, NULL, &fu, &err);
        assert_true(rc == 0 || rc == PL_EPRECOND);
      }
    } else if (r.no > 0 && r.nc < OPS) { /* a complaint about an order */
      ref_order *o = &r.o[rnd() % (uint64_t)r.no];
      pl_complaint in = {.channel = PL_COMPLAINT_BY_PHONE,
                         .category = PL_COMPLAINT_QUALITY,
                         .severity = 2};
      strcpy(in.chain, CH);
      strcpy(in.store, "SH01");
      strcpy(in.vin, r.vin[o->v]);
      in.wo_id = o->w.id;
      strcpy(in.text, "still noisy");
      assert_int_equal(
          pl_complaint_open(f->e, &in, "adv1", NULL, NULL, &r.c[r.nc], &err),
          0);
      r.c_v[r.nc++] = o->v;
    }
  }
  /* the orders as the engine has them now (states moved) */
  for (int i = 0; i < r.no; i++)
    assert_int_equal(pl_wo_get(f->e, CH, r.o[i].w.id, &r.o[i].w, &err), 0);
  check_history(f, &r);
  test_fx_reopen(f);
  check_history(f, &r);
}

/* ---- follow-ups ---------------------------------------------------------- */

static void follow_ups_fall_due_retry_and_close(void **st) {
  fx *f = *st;
  pl_error err = {0};
  const char *vin = "LFLWP000000000001";
  register_vehicle(f, vin, "沪F00001");
  int64_t owner = new_customer(f, "no calls", "13700000001", 0);
  assert_int_equal(
      pl_vehicle_link(f->e, CH, vin, owner, PL_ROLE_OWNER, 0, NULL, &err), 0);
  pl_work_order w = new_order(f, vin, "沪F00001", 0);
  pl_followup fu;
  assert_int_equal(pl_followup_get(f->e, CH, w.id, &fu, &err), PL_ENOTFOUND);
  deliver(f, &w);
  assert_int_equal(pl_followup_get(f->e, CH, w.id, &fu, &err), 0);
  assert_true(fu.due_ms == w.delivered_ms + 24 * HOUR_MS);
  assert_string_equal(fu.advisor, "adv1");
  assert_true(fu.customer_id == owner);
  assert_int_equal(fu.contact_ok, 0); /* the owner said no to calls */
  pl_followup list[4];
  pl_followup_filter q = {.chain = CH, .overdue = 1};
  assert_int_equal(pl_followup_list(f->e, &q, list, 4, &err), 0);
  f->clk.now_ms = fu.due_ms + 1;
  assert_int_equal(pl_followup_list(f->e, &q, list, 4, &err), 1);
  /* bad input changes nothing */
  assert_int_equal(pl_followup_record(f->e, CH, w.id, 1, 6, "", "adv1", NULL,
                                      NULL, NULL, &err),
                   PL_EINVAL);
  assert_non_null(strstr(err.msg, "satisfaction"));
  assert_int_equal(pl_followup_record(f->e, CH, w.id + 100, 1, 5, "", "adv1",
                                      NULL, NULL, NULL, &err),
                   PL_ENOTFOUND);
  /* unreached: retried later, then given up */
  for (int i = 1; i <= PL_FOLLOWUP_ATTEMPTS; i++) {
    char idem[16];
    snprintf(idem, sizeof idem, "try-%d", i);
    assert_int_equal(pl_followup_record(f->e, CH, w.id, 0, 0, "no answer",
                                        "adv1", idem, NULL, &fu, &err),
                     0);
    /* a retry of the same call counts once */
    assert_int_equal(pl_followup_record(f->e, CH, w.id, 0, 0, "no answer",
                                        "adv1", idem, NULL, &fu, &err),
                     0);
    assert_int_equal(fu.attempts, i);
    if (i < PL_FOLLOWUP_ATTEMPTS) {
      assert_int_equal(fu.state, PL_FOLLOWUP_OPEN);
      assert_true(fu.due_ms == f->clk.now_ms + PL_FOLLOWUP_RETRY_MS);
      assert_int_equal(pl_followup_list(f->e, &q, list, 4, &err), 0);
      f->clk.now_ms = fu.due_ms + 1;
    }
  }
  assert_int_equal(fu.state, PL_FOLLOWUP_UNREACHED);
  assert_int_equal(pl_followup_record(f->e, CH, w.id, 1, 5, "", "adv1", NULL,
                                      NULL, NULL, &err),
                   PL_EPRECOND);
  /* another order: reached and satisfied */
  pl_work_order w2 = new_order(f, vin, "沪F00001", 0);
  deliver(f, &w2);
  assert_int_equal(pl_followup_record(f->e, CH, w2.id, 1, 5, "great", "adv1",
                                      NULL, NULL, &fu, &err),
                   0);
  assert_int_equal(fu.state, PL_FOLLOWUP_DONE);
  test_fx_reopen(f);
  assert_int_equal(pl_followup_get(f->e, CH, w.id, &fu, &err), 0);
  assert_int_equal(fu.state, PL_FOLLOWUP_UNREACHED);
  assert_int_equal(fu.attempts, PL_FOLLOWUP_ATTEMPTS);
  assert_int_equal(pl_followup_get(f->e, CH, w2.id, &fu, &err), 0);
  assert_int_equal(fu.satisfaction, 5);
  assert_string_equal(fu.comment, "great");
  pl_followup_filter done = {.chain = CH, .state = PL_FOLLOWUP_DONE};
  assert_int_equal(pl_followup_list(f->e, &done, list, 4, &err), 1);
}

/* ---- complaints ---------------------------------------------------------- */

static void complaint_clocks_escalate_once_and_survive_restart(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_complaint_policy p = {.response_min = 60, .resolution_min = 180};
  strcpy(p.chain, CH);
  strcpy(p.store, "SH01");
  strcpy(p.manager, "mgr-sh01");
  assert_int_equal(pl_complaint_policy_set(f->e, &p, NULL, &err), 0);
  p.resolution_min = 30; /* shorter than the response: refused */
  assert_int_equal(pl_complaint_policy_set(f->e, &p, NULL, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "resolution_min"));
  pl_complaint in = {.channel = PL_COMPLAINT_BY_APP,
                     .category = PL_COMPLAINT_WAITING,
                     .severity = 3};
  strcpy(in.chain, CH);
  strcpy(in.store, "SH01");
  strcpy(in.text, "waited two hours");
  pl_complaint x, y;
  assert_int_equal(pl_complaint_open(f->e, &in, "adv1", "k1", NULL, &x, &err),
                   0);
  assert_int_equal(pl_complaint_open(f->e, &in, "adv1", "k1", NULL, &y, &err),
                   0);
  assert_true(x.id == y.id);
  assert_true(x.response_due_ms == T0_MS + 60 * 60000);
  assert_true(x.resolution_due_ms == T0_MS + 180 * 60000);
  pl_complaint bad = in;
  bad.severity = 4;
  assert_int_equal(
      pl_complaint_open(f->e, &bad, "adv1", NULL, NULL, NULL, &err), PL_EINVAL);
  assert_non_null(strstr(err.msg, "severity"));
  bad = in;
  bad.wo_id = 999;
  assert_int_equal(
      pl_complaint_open(f->e, &bad, "adv1", NULL, NULL, NULL, &err),
      PL_ENOTFOUND);
  assert_non_null(strstr(err.msg, "wo_id"));
  /* wrong order of steps */
  assert_int_equal(pl_complaint_act(f->e, CH, x.id, PL_COMPLAINT_CLOSE, 5,
                                    "adv1", "", NULL, NULL, &err),
                   PL_EPRECOND);
  pl_complaint_filter od = {.chain = CH, .overdue = 1};
  pl_complaint list[4];
  assert_int_equal(pl_complaint_list(f->e, &od, list, 4, &err), 0);
  assert_int_equal(pl_complaints_sweep(f->e, CH, &err), 0);
  f->clk.now_ms = T0_MS + 61 * 60000; /* the response clock passed */
  assert_int_equal(pl_complaint_list(f->e, &od, list, 4, &err), 1);
  assert_int_equal(pl_complaints_sweep(f->e, CH, &err), 1);
  assert_int_equal(pl_complaints_sweep(f->e, NULL, &err), 0); /* once */
  assert_int_equal(pl_complaint_get(f->e, CH, x.id, &x, &err), 0);
  assert_int_equal(x.escalated, PL_ESCALATED_RESPONSE);
  assert_string_equal(x.escalated_to, "mgr-sh01");
  assert_int_equal(x.steps[x.n_steps - 1].kind, PL_CSTEP_ESCALATED_RESPONSE);
  assert_int_equal(pl_complaint_act(f->e, CH, x.id, PL_COMPLAINT_ACKNOWLEDGE, 0,
                                    "adv1", "calling back", NULL, &x, &err),
                   0);
  assert_int_equal(pl_complaint_act(f->e, CH, x.id, PL_COMPLAINT_ACKNOWLEDGE, 0,
                                    "adv1", "calling back", NULL, &x, &err),
                   0); /* a repeat */
  assert_int_equal(x.n_steps, 3);
  f->clk.now_ms = T0_MS + 181 * 60000;
  assert_int_equal(pl_complaints_sweep(f->e, NULL, &err), 1);
  assert_int_equal(pl_complaint_act(f->e, CH, x.id, PL_COMPLAINT_RESOLVE, 0,
                                    "adv1", "refund", NULL, &x, &err),
                   0);
  assert_int_equal(pl_complaint_act(f->e, CH, x.id, PL_COMPLAINT_CLOSE, 0,
                                    "adv1", "", NULL, NULL, &err),
                   PL_EINVAL); /* a rating is needed */
  assert_int_equal(pl_complaint_act(f->e, CH, x.id, PL_COMPLAINT_CLOSE, 4,
                                    "adv1", "", NULL, &x, &err),
                   0);
  test_fx_reopen(f);
  assert_int_equal(pl_complaint_get(f->e, CH, x.id, &y, &err), 0);
  assert_int_equal(y.state, PL_COMPLAINT_CLOSED);
  assert_int_equal(y.rating, 4);
  assert_int_equal(y.escalated,
                   PL_ESCALATED_RESPONSE | PL_ESCALATED_RESOLUTION);
  /* created, escalated, acknowledged, escalated, resolved, closed */
  assert_int_equal(y.n_steps, 6);
  assert_int_equal(memcmp(&x, &y, sizeof x), 0);
  /* the chain's default for another store */
  pl_complaint_policy got;
  assert_int_equal(pl_complaint_policy_get(f->e, CH, "SH02", &got, &err), 0);
  assert_int_equal(got.response_min, PL_COMPLAINT_RESPONSE_MIN);
}

/* Cursors at the ends of int64 (issue 19): after_id = INT64_MAX used to wrap
 * `after_id + 1` and read before the array. Every cursor value gives a page
 * or nothing, never a read outside the list. */
static void list_cursors_at_the_int64_ends_are_safe(void **st) {
  fx *f = *st;
  pl_error err = {0};
  pl_customer list[4];
  pl_complaint cl[4];
  const int64_t ends[] = {INT64_MAX, INT64_MAX - 1, INT64_MIN, -1, 0};
  pl_complaint in = {.channel = PL_COMPLAINT_BY_APP,
                     .category = PL_COMPLAINT_WAITING,
                     .severity = 1};
  strcpy(in.chain, CH);
  strcpy(in.store, "SH01");
  strcpy(in.text, "slow");
  assert_int_equal(pl_complaint_open(f->e, &in, "adv1", NULL, NULL, NULL, &err),
                   0);
  for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
    int n = pl_customer_list(f->e, CH, NULL, ends[i], list, 4, &err);
    assert_true(n >= 0);
    if (ends[i] > 0)
      assert_int_equal(n, 0);
    pl_complaint_filter q = {.chain = CH, .after_id = ends[i]};
    n = pl_complaint_list(f->e, &q, cl, 4, &err);
    assert_true(n >= 0);
    if (ends[i] > 0)
      assert_int_equal(n, 0);
    else
      assert_int_equal(n, 1);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          customers_are_kept_and_bad_input_changes_nothing, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(a_car_changes_owner_and_keeps_its_history,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          history_matches_a_reference_of_a_random_workload, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(follow_ups_fall_due_retry_and_close,
                                      setup, test_fx_teardown),
      cmocka_unit_test_setup_teardown(
          complaint_clocks_escalate_once_and_survive_restart, setup,
          test_fx_teardown),
      cmocka_unit_test_setup_teardown(list_cursors_at_the_int64_ends_are_safe,
                                      setup, test_fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
