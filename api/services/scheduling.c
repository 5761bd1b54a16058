/* scheduling.c — pitlane.v1.Scheduling: RecommendSlots, holds and the
 * booking life cycle, lists and the day board. protobuf <-> engine, plus
 * the presentation of local dates ("2026-11-25", "14:00-15:00"), which
 * is formatting, not a rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/scheduling.h"
#include "pitlane/v1/scheduling.pb-c.h"
#include "scheduling_msg.h"
#include "server/list_buf.h"
#include "server/methods.h"

/* ---- local dates -------------------------------------------------------- */

/* A local day from `date` ("YYYY-MM-DD") if given, else `local_day`. */
static int day_arg(pl_rpc *r, const char *date, int32_t local_day,
                   int32_t *out) {
  if (date == NULL || date[0] == '\0') {
    *out = local_day;
    return 0;
  }
  if (parse_date(date, out) != 0) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "date: '%.32s' is not YYYY-MM-DD", date);
    return -1;
  }
  return 0;
}

/* ---- messages ------------------------------------------------------------
 */

static int segs_in(pl_rpc *r, Pitlane__V1__Segment **in, size_t n,
                   pl_segment *out) {
  if (n < 1 || n > PL_MAX_VISIT) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "segments: 1 to %d services",
                PL_MAX_VISIT);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    memset(&out[i], 0, sizeof out[i]);
    if (!COPY(r, out[i].service, in[i]->service, "segments.service") ||
        !COPY(r, out[i].bay, in[i]->bay, "segments.bay"))
      return -1;
    if (in[i]->n_technicians > PL_MAX_JOB_TECHS) {
      pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                  "segments.technicians: at most %d", PL_MAX_JOB_TECHS);
      return -1;
    }
    out[i].n_techs = (int32_t)in[i]->n_technicians;
    for (size_t t = 0; t < in[i]->n_technicians; t++)
      if (!COPY(r, out[i].techs[t], in[i]->technicians[t],
                "segments.technicians"))
        return -1;
    out[i].start = in[i]->start_min;
  }
  return 0;
}

static void reply_booking(pl_rpc *r, pl_booking_info *b) {
  booking_msg *bm = malloc(sizeof *bm);
  if (bm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  booking_out(bm, b);
  pl_rpc_reply(r, &bm->m.base);
  free(bm);
}

/* ---- RecommendSlots ----------------------------------------------------- */

static void recommend_slots(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RecommendSlotsRequest *q = (const void *)msg;
  pl_slot_query sq = {.chain = q->chain,
                      .earliest = q->earliest_min,
                      .latest = q->latest_min,
                      .technician = q->technician,
                      .step_min = q->step_min,
                      .max_per_day = q->max_per_day,
                      .k = q->k,
                      .need_loaner = q->need_loaner != 0};
  if (q->n_stores > PL_MAX_QUERY_STORES || q->n_services > PL_MAX_VISIT ||
      q->n_windows > PL_MAX_WINDOWS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "request: at most %d stores, %d services, %d windows",
                PL_MAX_QUERY_STORES, PL_MAX_VISIT, PL_MAX_WINDOWS);
    return;
  }
  sq.n_stores = (int)q->n_stores;
  for (size_t i = 0; i < q->n_stores; i++)
    sq.stores[i] = q->stores[i];
  sq.n_services = (int)q->n_services;
  for (size_t i = 0; i < q->n_services; i++)
    sq.services[i] = q->services[i];
  sq.n_windows = (int)q->n_windows;
  for (size_t i = 0; i < q->n_windows; i++)
    sq.windows[i] =
        (pl_local_range){q->windows[i]->start_min, q->windows[i]->end_min};
  int cap = q->k > 0 && q->k <= 64 ? q->k : 1;
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, cap, sizeof(pl_slot_option), sizeof(slot_msg)) != 0)
    return;
  pl_slot_option *opts = lb.recs;
  slot_msg *om = lb.msgs;
  Pitlane__V1__SlotOption **op = (Pitlane__V1__SlotOption **)lb.ptrs;
  pl_error err;
  pl_engine *e = pl_rpc_engine(r);
  int n = pl_recommend_slots(e, &sq, opts, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    for (int i = 0; i < n; i++) {
      slot_option_out(&om[i], e, q->chain, &opts[i]);
      op[i] = &om[i].m;
    }
    Pitlane__V1__RecommendSlotsResponse resp;
    pitlane__v1__recommend_slots_response__init(&resp);
    resp.n_options = (size_t)n;
    resp.options = op;
    pl_rpc_reply(r, &resp.base);
  }
  pl_list_free(&lb);
}

/* ---- holds and transitions ---------------------------------------------- */

static void hold(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__HoldRequest *q = (const void *)msg;
  pl_booking_info in = {0}, out;
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.store, q->store, "store") ||
      !COPY(r, in.customer, q->customer, "customer") ||
      !COPY(r, in.plate, q->plate, "plate") ||
      !COPY(r, in.model, q->model, "model"))
    return;
  if (segs_in(r, q->segments, q->n_segments, in.seg) != 0)
    return;
  in.n_segments = (int32_t)q->n_segments;
  in.channel = (pl_channel)q->channel;
  in.mileage_km = q->mileage_km;
  if (q->loaner[0] != '\0' && !q->need_loaner) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "loaner: a named loaner needs need_loaner");
    return;
  }
  if (q->need_loaner) {
    in.loaner_need = q->loaner[0] ? PL_LOANER_NAMED : PL_LOANER_ANY;
    if (!COPY(r, in.loaner, q->loaner, "loaner"))
      return;
  }
  pl_error err;
  const char *idem = q->idempotency_key[0] ? q->idempotency_key : NULL;
  int rc = pl_booking_hold(pl_rpc_engine(r), &in, q->ttl_ms, idem,
                           pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_booking(r, &out);
}

static void transition(pl_rpc *r, const ProtobufCMessage *msg,
                       pl_booking_state to) {
  const Pitlane__V1__BookingRef *q = (const void *)msg;
  pl_booking_info out;
  pl_error err;
  int rc = pl_booking_transition(pl_rpc_engine(r), q->chain, q->booking_id, to,
                                 pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_booking(r, &out);
}

static void confirm(pl_rpc *r, const ProtobufCMessage *m) {
  transition(r, m, PL_BOOKING_CONFIRMED);
}
static void cancel(pl_rpc *r, const ProtobufCMessage *m) {
  transition(r, m, PL_BOOKING_CANCELLED);
}
static void check_in(pl_rpc *r, const ProtobufCMessage *m) {
  transition(r, m, PL_BOOKING_CHECKED_IN);
}
static void no_show(pl_rpc *r, const ProtobufCMessage *m) {
  transition(r, m, PL_BOOKING_NO_SHOW);
}
static void complete(pl_rpc *r, const ProtobufCMessage *m) {
  transition(r, m, PL_BOOKING_COMPLETED);
}

static void reschedule(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RescheduleRequest *q = (const void *)msg;
  pl_segment seg[PL_MAX_VISIT];
  if (segs_in(r, q->segments, q->n_segments, seg) != 0)
    return;
  pl_booking_info out;
  pl_error err;
  int rc =
      pl_booking_reschedule(pl_rpc_engine(r), q->chain, q->booking_id, seg,
                            (int)q->n_segments, pl_rpc_write(r), &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_booking(r, &out);
}

static void get_booking(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__BookingRef *q = (const void *)msg;
  pl_booking_info out;
  pl_error err;
  int rc =
      pl_booking_get(pl_rpc_engine(r), q->chain, q->booking_id, &out, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  reply_booking(r, &out);
}

/* ---- lists and the day board -------------------------------------------- */

/* Lists the bookings of f into lb (records, their messages and the reply's
 * pointers, filled); *n_out their count. 0, or -1 after failing the call
 * with nothing left to free. */
static int bookings_fill(pl_engine *e, const void *f, void *recs, int cap,
                         pl_error *err) {
  return pl_booking_list(e, f, recs, cap, err);
}

static int list_bookings(pl_rpc *r, const pl_booking_filter *f, pl_list_buf *lb,
                         int *n_out) {
  int n = pl_list_counted(r, lb, bookings_fill, f, sizeof(pl_booking_info),
                          sizeof(booking_msg));
  if (n < 0)
    return -1;
  pl_booking_info *b = lb->recs;
  booking_msg *ms = lb->msgs;
  for (int i = 0; i < n; i++) {
    booking_out(&ms[i], &b[i]);
    lb->ptrs[i] = &ms[i].m;
  }
  *n_out = n;
  return 0;
}

static void list_bookings_rpc(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListBookingsRequest *q = (const void *)msg;
  pl_booking_filter f = {.chain = q->chain,
                         .store = q->store,
                         .customer = q->customer,
                         .plate = q->plate};
  if (day_arg(r, q->date, q->local_day, &f.local_day) != 0)
    return;
  int n = 0;
  pl_list_buf lb;
  if (list_bookings(r, &f, &lb, &n) != 0)
    return;
  pl_list_reply(r, &pitlane__v1__list_bookings_response__descriptor, n, &lb);
}

/* One board row's message and the free ranges it points into. */
typedef struct row_holder {
  Pitlane__V1__BoardRow m;
  Pitlane__V1__UtcRange fr[PL_BOARD_MAX_FREE];
  Pitlane__V1__UtcRange *frp[PL_BOARD_MAX_FREE];
} row_holder;

static void day_board(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DayBoardRequest *q = (const void *)msg;
  int32_t day;
  if (day_arg(r, q->date, q->local_day, &day) != 0)
    return;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int n = pl_day_board(e, q->chain, q->store, day, NULL, 0, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, n, sizeof(pl_board_row), sizeof(row_holder)) != 0)
    return;
  pl_board_row *rows = lb.recs;
  row_holder *rm = lb.msgs;
  pl_booking_filter f = {
      .chain = q->chain, .store = q->store, .local_day = day};
  int nb = 0;
  pl_list_buf bookings;
  int cap = n;
  n = pl_day_board(e, q->chain, q->store, day, rows, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    goto out;
  }
  n = n < cap ? n : cap;
  if (list_bookings(r, &f, &bookings, &nb) != 0)
    goto out;
  for (int i = 0; i < n; i++) {
    Pitlane__V1__BoardRow *m = &rm[i].m;
    pitlane__v1__board_row__init(m);
    m->code = rows[i].code;
    m->is_bay = rows[i].is_bay;
    m->available_min = rows[i].available_min;
    m->booked_min = rows[i].booked_min;
    m->utilisation_pct = pl_board_utilisation_pct(&rows[i]);
    for (int k = 0; k < rows[i].n_free; k++) {
      Pitlane__V1__UtcRange *u = &rm[i].fr[k];
      pitlane__v1__utc_range__init(u);
      u->start_min = rows[i].free[k].start;
      u->end_min = rows[i].free[k].end;
      rm[i].frp[k] = u;
    }
    m->n_free = (size_t)rows[i].n_free;
    m->free = rm[i].frp;
    lb.ptrs[i] = m;
  }
  char date[32];
  format_date(day, date, sizeof date);
  Pitlane__V1__DayBoardResponse resp;
  pitlane__v1__day_board_response__init(&resp);
  resp.chain = q->chain;
  resp.store = q->store;
  resp.local_day = day;
  resp.date = date;
  resp.n_rows = (size_t)n;
  resp.rows = (Pitlane__V1__BoardRow **)lb.ptrs;
  resp.n_bookings = (size_t)nb;
  resp.bookings = (Pitlane__V1__Booking **)bookings.ptrs;
  pl_rpc_reply(r, &resp.base);
  pl_list_free(&bookings);
out:
  pl_list_free(&lb);
}

/* ---- loaner cars ---------------------------------------------------------
 */

static void loaner_msg(Pitlane__V1__Loaner *m, pl_loaner_info *l) {
  pitlane__v1__loaner__init(m);
  m->chain = l->chain;
  m->store = l->store;
  m->code = l->code;
  m->plate = l->plate;
  m->model = l->model;
  m->state = (Pitlane__V1__LoanerState)l->state;
  m->odometer_km = l->odometer_km;
  m->fuel_pct = l->fuel_pct;
  m->out_booking_id = l->out_booking;
  m->out_customer = l->out_customer;
  m->out_km = l->out_km;
  m->out_fuel_pct = l->out_fuel_pct;
  m->out_ms = l->out_ms;
  m->returned_km = l->returned_km;
  m->returned_fuel_pct = l->returned_fuel_pct;
  m->returned_ms = l->returned_ms;
  m->created_ms = l->created_ms;
  m->updated_ms = l->updated_ms;
}

static void reply_loaner(pl_rpc *r, int rc, pl_loaner_info *l,
                         const pl_error *err) {
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, err);
    return;
  }
  Pitlane__V1__Loaner m;
  loaner_msg(&m, l);
  pl_rpc_reply(r, &m.base);
}

static void upsert_loaner(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__UpsertLoanerRequest *q = (const void *)msg;
  pl_loaner_info in = {0}, out;
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.store, q->store, "store") ||
      !COPY(r, in.code, q->code, "code") ||
      !COPY(r, in.plate, q->plate, "plate") ||
      !COPY(r, in.model, q->model, "model"))
    return;
  in.state = (pl_loaner_state)q->state;
  in.odometer_km = q->odometer_km;
  in.fuel_pct = q->fuel_pct;
  pl_error err;
  int rc = pl_loaner_upsert(pl_rpc_engine(r), &in, pl_rpc_write(r), &out, &err);
  reply_loaner(r, rc, &out, &err);
}

static void list_loaners(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListLoanersRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  pl_list_buf lb;
  if (pl_list_alloc(r, &lb, PL_MAX_STORE_LOANERS, sizeof(pl_loaner_info),
                    sizeof(Pitlane__V1__Loaner)) != 0)
    return;
  pl_loaner_info *l = lb.recs;
  Pitlane__V1__Loaner *m = lb.msgs;
  Pitlane__V1__Loaner **p = (Pitlane__V1__Loaner **)lb.ptrs;
  int n = pl_loaner_list(e, q->chain, q->store, l, PL_MAX_STORE_LOANERS, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    if (n > PL_MAX_STORE_LOANERS)
      n = PL_MAX_STORE_LOANERS;
    for (int i = 0; i < n; i++) {
      loaner_msg(&m[i], &l[i]);
      p[i] = &m[i];
    }
    Pitlane__V1__ListLoanersResponse resp;
    pitlane__v1__list_loaners_response__init(&resp);
    resp.n_loaners = (size_t)n;
    resp.loaners = p;
    pl_rpc_reply(r, &resp.base);
  }
  pl_list_free(&lb);
}

static void hand_out_loaner(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__LoanerMoveRequest *q = (const void *)msg;
  pl_loaner_info out;
  pl_error err;
  int rc = pl_loaner_hand_out(pl_rpc_engine(r), q->chain, q->booking_id, q->km,
                              q->fuel_pct, pl_rpc_write(r), &out, &err);
  reply_loaner(r, rc, &out, &err);
}

static void return_loaner(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__LoanerMoveRequest *q = (const void *)msg;
  pl_loaner_info out;
  pl_error err;
  int rc = pl_loaner_return(pl_rpc_engine(r), q->chain, q->booking_id, q->km,
                            q->fuel_pct, pl_rpc_write(r), &out, &err);
  reply_loaner(r, rc, &out, &err);
}

static int loaner_events_fill(pl_engine *e, const void *q, void *recs, int cap,
                              pl_error *err) {
  const Pitlane__V1__ListLoanerEventsRequest *rq = q;
  return pl_loaner_events(e, rq->chain, rq->store, rq->code, recs, cap, err);
}

static void loaner_event_msg(void *mv, void *rec) {
  Pitlane__V1__LoanerEvent *m = mv;
  pl_loaner_event *ev = rec;
  pitlane__v1__loaner_event__init(m);
  m->kind = (Pitlane__V1__LoanerEventKind)ev->kind;
  m->booking_id = ev->booking;
  m->customer = ev->customer;
  m->km = ev->km;
  m->fuel_pct = ev->fuel_pct;
  m->at_ms = ev->at_ms;
}

/* Events added between the count and the fill are left out: the first n. */
static void list_loaner_events(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      loaner_events_fill, loaner_event_msg, sizeof(pl_loaner_event),
      sizeof(Pitlane__V1__LoanerEvent),
      &pitlane__v1__list_loaner_events_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

#define SCHED(name, req, fn) PL_METHOD("Scheduling", name, req, fn)

const pl_method pl_scheduling_methods[] = {
    SCHED("RecommendSlots", recommend_slots_request, recommend_slots),
    SCHED("Hold", hold_request, hold),
    SCHED("Confirm", booking_ref, confirm),
    SCHED("Cancel", booking_ref, cancel),
    SCHED("Reschedule", reschedule_request, reschedule),
    SCHED("CheckIn", booking_ref, check_in),
    SCHED("NoShow", booking_ref, no_show),
    SCHED("Complete", booking_ref, complete),
    SCHED("GetBooking", booking_ref, get_booking),
    SCHED("ListBookings", list_bookings_request, list_bookings_rpc),
    SCHED("DayBoard", day_board_request, day_board),
    SCHED("UpsertLoaner", upsert_loaner_request, upsert_loaner),
    SCHED("ListLoaners", list_loaners_request, list_loaners),
    SCHED("HandOutLoaner", loaner_move_request, hand_out_loaner),
    SCHED("ReturnLoaner", loaner_move_request, return_loaner),
    SCHED("ListLoanerEvents", list_loaner_events_request, list_loaner_events),
};
const int pl_scheduling_n_methods = PL_N_METHODS(pl_scheduling_methods);
