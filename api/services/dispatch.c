/* dispatch.c — pitlane.v1.Dispatch: field resources, dispatches (and
 * the WatchDispatch server stream fed by the engine's durable views), the
 * vehicle registry and DueReminders. protobuf <-> engine only; dates are
 * "YYYY-MM-DD" local days of the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/dispatch.h"
#include "pitlane/v1/dispatch.pb-c.h"
#include "pitlane/vehicles.h"
#include "scheduling_msg.h"
#include "server/list_buf.h"
#include "server/methods.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* ---- dates ---------------------------------------------------------------
 */

/* A local day from "YYYY-MM-DD"; "" gives `empty` (or fails the call
 * naming `field` when empty is INT32_MIN). */
static int date_arg(pl_rpc *r, const char *date, const char *field,
                    int32_t empty, int32_t *out) {
  if (date == NULL || date[0] == '\0') {
    if (empty == INT32_MIN) {
      pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: required", field);
      return -1;
    }
    *out = empty;
    return 0;
  }
  if (parse_date(date, out) != 0) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "%s: '%.32s' is not YYYY-MM-DD", field, date);
    return -1;
  }
  return 0;
}

/* ---- messages out --------------------------------------------------------
 */

typedef struct res_msg {
  Pitlane__V1__FieldResource m;
  Pitlane__V1__FieldCalendarEntry cal[PL_FR_MAX_CALENDAR];
  Pitlane__V1__FieldCalendarEntry *calp[PL_FR_MAX_CALENDAR];
} res_msg;

static void res_out(res_msg *rm, pl_field_resource *f) {
  Pitlane__V1__FieldResource *m = &rm->m;
  pitlane__v1__field_resource__init(m);
  m->chain = f->chain;
  m->code = f->code;
  m->name = f->name;
  m->kind = (Pitlane__V1__FieldResourceKind)f->kind;
  m->home_store = f->home_store;
  m->shift_start_min = f->shift_start_min;
  m->shift_end_min = f->shift_end_min;
  m->lat_e6 = f->lat_e6;
  m->lng_e6 = f->lng_e6;
  m->position_ms = f->position_ms;
  m->state = (Pitlane__V1__FieldResourceState)f->state;
  m->dispatch_id = f->dispatch_id;
  for (int32_t i = 0; i < f->n_calendar; i++) {
    pitlane__v1__field_calendar_entry__init(&rm->cal[i]);
    rm->cal[i].dispatch_id = f->calendar[i].dispatch_id;
    rm->cal[i].start_ms = f->calendar[i].start_ms;
    rm->cal[i].end_ms = f->calendar[i].end_ms;
    rm->calp[i] = &rm->cal[i];
  }
  m->n_calendar = (size_t)f->n_calendar;
  m->calendar = rm->calp;
  m->updated_ms = f->updated_ms;
}

typedef struct disp_msg {
  Pitlane__V1__FieldDispatch m;
  char *declined[PL_DISPATCH_MAX_DECLINED];
} disp_msg;

static void disp_out(disp_msg *dm, pl_dispatch *d) {
  Pitlane__V1__FieldDispatch *m = &dm->m;
  pitlane__v1__field_dispatch__init(m);
  m->chain = d->req.chain;
  m->id = d->id;
  m->kind = (Pitlane__V1__DispatchKind)d->req.kind;
  m->state = (Pitlane__V1__DispatchState)d->state;
  m->scheduled = d->scheduled != 0;
  m->resource = d->resource;
  m->lat_e6 = d->req.lat_e6;
  m->lng_e6 = d->req.lng_e6;
  m->resource_lat_e6 = d->res_lat_e6;
  m->resource_lng_e6 = d->res_lng_e6;
  m->distance_m = d->distance_m;
  m->travel_s = d->travel_s;
  m->eta_ms = d->eta_ms;
  m->at_ms = d->req.at_ms;
  m->duration_min = d->req.duration_min;
  m->start_ms = d->start_ms;
  m->end_ms = d->end_ms;
  m->store = d->req.store;
  m->customer = d->req.customer;
  m->phone = d->req.phone;
  m->plate = d->req.plate;
  m->note = d->req.note;
  m->book_service = d->req.book_service;
  for (int32_t i = 0; i < d->n_declined; i++)
    dm->declined[i] = d->declined[i];
  m->n_declined = (size_t)d->n_declined;
  m->declined = dm->declined;
  m->booking_id = d->booking_id;
  m->version = d->version;
  m->created_ms = d->created_ms;
  m->updated_ms = d->updated_ms;
}

typedef struct veh_msg {
  Pitlane__V1__RegisteredVehicle m;
  Pitlane__V1__MileageReading rd[PL_VEH_READINGS];
  Pitlane__V1__MileageReading *rdp[PL_VEH_READINGS];
  char rd_date[PL_VEH_READINGS][16];
  char purchase[16], last_service[16], due[16];
} veh_msg;

static void veh_out(veh_msg *vm, pl_vehicle_info *v) {
  Pitlane__V1__RegisteredVehicle *m = &vm->m;
  pitlane__v1__registered_vehicle__init(m);
  m->chain = v->chain;
  m->vin = v->vin;
  m->plate = v->plate;
  m->model = v->model;
  m->owner = v->owner;
  m->store = v->store;
  format_date(v->purchase_day, vm->purchase, sizeof vm->purchase);
  m->purchase_date = vm->purchase;
  m->plan_months = v->plan_months;
  m->plan_km = v->plan_km;
  m->warranty_months = v->warranty_months;
  m->warranty_km = v->warranty_km;
  m->service = v->service;
  m->first_service = v->first_service;
  for (int32_t i = 0; i < v->n_readings; i++) {
    pitlane__v1__mileage_reading__init(&vm->rd[i]);
    format_date(v->readings[i].day, vm->rd_date[i], sizeof vm->rd_date[i]);
    vm->rd[i].date = vm->rd_date[i];
    vm->rd[i].km = v->readings[i].km;
    vm->rdp[i] = &vm->rd[i];
  }
  m->n_readings = (size_t)v->n_readings;
  m->readings = vm->rdp;
  m->services = v->n_services;
  vm->last_service[0] = '\0';
  if (v->n_services > 0)
    format_date(v->last_service_day, vm->last_service, sizeof vm->last_service);
  m->last_service_date = vm->last_service;
  m->last_service_km = v->last_service_km;
  format_date(v->due_day, vm->due, sizeof vm->due);
  m->due_date = vm->due;
  m->due_reason = (Pitlane__V1__DueReason)v->due_reason;
  m->due_km = v->due_km;
  m->m_per_day = v->m_per_day;
  m->est_km_on_due = v->est_km_on_due;
  m->first_service_due = v->first_service_due != 0;
}

/* ---- configuration and resources -----------------------------------------
 */

static void reply_config(pl_rpc *r, pl_dispatch_config *cfg) {
  Pitlane__V1__DispatchConfig m;
  pitlane__v1__dispatch_config__init(&m);
  m.chain = cfg->chain;
  m.road_factor_milli = cfg->road_factor_milli;
  m.speed_kmh = cfg->speed_kmh;
  pl_rpc_reply(r, &m.base);
}

static void set_config(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DispatchConfig *q = (const void *)msg;
  pl_dispatch_config cfg = {0};
  if (!COPY(r, cfg.chain, q->chain, "chain"))
    return;
  cfg.road_factor_milli = q->road_factor_milli;
  cfg.speed_kmh = q->speed_kmh;
  pl_error err = {0};
  int rc =
      pl_dispatch_config_set(pl_rpc_engine(r), &cfg, pl_rpc_write(r), &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_config(r, &cfg);
}

static void get_config(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetDispatchConfigRequest *q = (const void *)msg;
  pl_dispatch_config cfg;
  pl_error err = {0};
  int rc = pl_dispatch_config_get(pl_rpc_engine(r), q->chain, &cfg, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_config(r, &cfg);
}

static void reply_res(pl_rpc *r, pl_field_resource *f) {
  res_msg *rm = malloc(sizeof *rm);
  if (rm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  res_out(rm, f);
  pl_rpc_reply(r, &rm->m.base);
  free(rm);
}

static void upsert_res(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__UpsertFieldResourceRequest *q = (const void *)msg;
  pl_field_resource in;
  memset(&in, 0, sizeof in);
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.code, q->code, "resource.code") ||
      !COPY(r, in.name, q->name, "resource.name") ||
      !COPY(r, in.home_store, q->home_store, "resource.home_store"))
    return;
  in.kind = (pl_fr_kind)q->kind;
  in.shift_start_min = q->shift_start_min;
  in.shift_end_min = q->shift_end_min;
  in.lat_e6 = q->lat_e6;
  in.lng_e6 = q->lng_e6;
  pl_field_resource out;
  pl_error err = {0};
  int rc = pl_field_resource_upsert(pl_rpc_engine(r), &in, pl_rpc_write(r),
                                    &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_res(r, &out);
}

static void update_position(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__UpdatePositionRequest *q = (const void *)msg;
  pl_field_resource out;
  pl_error err = {0};
  int rc = pl_field_resource_position(pl_rpc_engine(r), q->chain, q->code,
                                      q->lat_e6, q->lng_e6, q->free,
                                      pl_rpc_write(r), &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_res(r, &out);
}

static void get_res(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetFieldResourceRequest *q = (const void *)msg;
  pl_field_resource out;
  pl_error err = {0};
  int rc =
      pl_field_resource_get(pl_rpc_engine(r), q->chain, q->code, &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_res(r, &out);
}

static int res_fill(pl_engine *e, const void *q, void *recs, int cap,
                    pl_error *err) {
  const Pitlane__V1__ListFieldResourcesRequest *rq = q;
  return pl_field_resource_list(e, rq->chain, rq->store, recs, cap, err);
}

static void res_item(void *m, void *rec) {
  res_out(m, rec);
}

static void list_res(pl_rpc *r, const ProtobufCMessage *msg) {
  static const pl_list_spec spec = {
      res_fill, res_item, sizeof(pl_field_resource), sizeof(res_msg),
      &pitlane__v1__list_field_resources_response__descriptor};
  pl_list_answer(r, &spec, msg);
}

/* ---- dispatches ----------------------------------------------------------
 */

static void reply_disp(pl_rpc *r, pl_dispatch *d) {
  disp_msg dm;
  disp_out(&dm, d);
  pl_rpc_reply(r, &dm.m.base);
}

static void create_dispatch(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DispatchRequest *q = (const void *)msg;
  pl_dispatch_request in;
  memset(&in, 0, sizeof in);
  char idem[PL_IDEM_MAX];
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.store, q->store, "store") ||
      !COPY(r, in.customer, q->customer, "customer") ||
      !COPY(r, in.phone, q->phone, "phone") ||
      !COPY(r, in.plate, q->plate, "plate") ||
      !COPY(r, in.note, q->note, "note") ||
      !COPY(r, in.book_service, q->book_service, "book_service") ||
      !COPY(r, idem, q->idempotency_key, "idempotency_key"))
    return;
  in.kind = (pl_dispatch_kind)q->kind;
  in.lat_e6 = q->lat_e6;
  in.lng_e6 = q->lng_e6;
  in.at_ms = q->at_ms;
  in.duration_min = q->duration_min;
  pl_dispatch out;
  pl_error err = {0};
  int rc = pl_dispatch_create(pl_rpc_engine(r), &in, idem, pl_rpc_write(r),
                              &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_disp(r, &out);
}

static void act(pl_rpc *r, const ProtobufCMessage *msg,
                pl_dispatch_action action) {
  const Pitlane__V1__DispatchActionRequest *q = (const void *)msg;
  pl_dispatch out;
  pl_error err = {0};
  int rc = pl_dispatch_act(pl_rpc_engine(r), q->chain, q->id, action,
                           q->resource, q->free, pl_rpc_write(r), &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_disp(r, &out);
}

static void accept(pl_rpc *r, const ProtobufCMessage *m) {
  act(r, m, PL_DA_ACCEPT);
}
static void decline(pl_rpc *r, const ProtobufCMessage *m) {
  act(r, m, PL_DA_DECLINE);
}
static void arrive(pl_rpc *r, const ProtobufCMessage *m) {
  act(r, m, PL_DA_ARRIVE);
}
static void complete(pl_rpc *r, const ProtobufCMessage *m) {
  act(r, m, PL_DA_COMPLETE);
}
static void cancel(pl_rpc *r, const ProtobufCMessage *m) {
  act(r, m, PL_DA_CANCEL);
}
static void retry(pl_rpc *r, const ProtobufCMessage *m) {
  act(r, m, PL_DA_RETRY);
}

/* A fleet key sees only its own vehicles' dispatches: those whose
 * customer is the fleet (its tenant code), as its bookings carry the fleet
 * as customer. Any other answers NOT_FOUND, worded as for an id that does
 * not exist, so nobody learns what exists. 1 if the caller may see d;
 * 0 after failing the call. Other keys are not narrowed here. */
static int may_see_dispatch(pl_rpc *r, const pl_dispatch *d) {
  const char *fleet = pl_rpc_fleet_scope(r);
  if (fleet == NULL || strcmp(d->req.customer, fleet) == 0)
    return 1;
  pl_rpc_fail(r, GRPC_STATUS_NOT_FOUND, "id: no dispatch %lld",
              (long long)d->id);
  return 0;
}

static void get_dispatch(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetDispatchRequest *q = (const void *)msg;
  pl_dispatch out;
  pl_error err = {0};
  int rc = pl_dispatch_get(pl_rpc_engine(r), q->chain, q->id, &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else if (may_see_dispatch(r, &out))
    reply_disp(r, &out);
}

static void list_dispatches(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListDispatchesRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  pl_list_buf b;
  if (cap < 0 ||
      pl_list_alloc(r, &b, cap, sizeof(pl_dispatch), sizeof(disp_msg)) != 0)
    return;
  pl_dispatch *ds = b.recs;
  disp_msg *ms = b.msgs;
  pl_error err = {0};
  int n = pl_dispatch_list(pl_rpc_engine(r), q->chain, q->after_id,
                           q->open_only, ds, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    for (int i = 0; i < n; i++) {
      disp_out(&ms[i], &ds[i]);
      b.ptrs[i] = &ms[i].m;
    }
    pl_list_reply(r, &pitlane__v1__list_dispatches_response__descriptor, n, &b);
  }
  pl_list_free(&b);
}

typedef struct watch {
  pl_engine *e;
  pl_stream *s;
  pl_dispatch_watch *wt;
} watch;

/* From the commit thread (or the replay): a durable view of the dispatch;
 * a final state ends the stream. */
static void view_out(void *arg, const pl_dispatch *d) {
  watch *wa = arg;
  pl_dispatch copy = *d;
  disp_msg dm;
  disp_out(&dm, &copy);
  pl_stream_send(wa->s, &dm.m.base);
  if (d->state == PL_DS_COMPLETED || d->state == PL_DS_CANCELLED)
    pl_stream_finish(wa->s, GRPC_STATUS_OK, "");
}

static void watch_closed(void *arg) {
  watch *wa = arg;
  pl_dispatch_unwatch(wa->e, wa->wt); /* no view_out runs after this */
  free(wa);
}

static void watch_dispatch(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__WatchDispatchRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_dispatch d;
  pl_error err = {0};
  /* a watch on nothing is an error status, not an empty stream */
  int rc = pl_dispatch_get(e, q->chain, q->id, &d, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  if (!may_see_dispatch(r, &d))
    return;
  watch *wa = calloc(1, sizeof *wa);
  if (wa == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "watch: out of memory");
    return;
  }
  wa->e = e;
  wa->s = pl_rpc_stream(r, watch_closed, wa);
  if (wa->s == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "watch: out of memory");
    free(wa);
    return;
  }
  rc = pl_dispatch_watch_open(e, q->chain, q->id, view_out, wa, &wa->wt, &err);
  if (rc != 0) /* the stream is open: end it with the engine's word */
    pl_stream_finish(wa->s, pl_status_for(rc), err.msg);
}

/* ---- vehicles and reminders ----------------------------------------------
 */

static void reply_veh(pl_rpc *r, pl_vehicle_info *v) {
  veh_msg vm;
  veh_out(&vm, v);
  pl_rpc_reply(r, &vm.m.base);
}

static void register_vehicle(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RegisterVehicleRequest *q = (const void *)msg;
  pl_vehicle_info in;
  memset(&in, 0, sizeof in);
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.vin, q->vin, "vehicle.vin") ||
      !COPY(r, in.plate, q->plate, "vehicle.plate") ||
      !COPY(r, in.model, q->model, "vehicle.model") ||
      !COPY(r, in.owner, q->owner, "vehicle.owner") ||
      !COPY(r, in.store, q->store, "vehicle.store") ||
      !COPY(r, in.service, q->service, "vehicle.service") ||
      !COPY(r, in.first_service, q->first_service, "vehicle.first_service") ||
      date_arg(r, q->purchase_date, "vehicle.purchase_date", INT32_MIN,
               &in.purchase_day) != 0)
    return;
  in.plan_months = q->plan_months;
  in.plan_km = q->plan_km;
  in.warranty_months = q->warranty_months;
  in.warranty_km = q->warranty_km;
  pl_vehicle_info out;
  pl_error err = {0};
  int rc = pl_vehicle_register(pl_rpc_engine(r), &in, q->mileage_km,
                               pl_rpc_write(r), &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_veh(r, &out);
}

static void record_mileage(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RecordMileageRequest *q = (const void *)msg;
  int32_t day;
  if (date_arg(r, q->date, "date", -1, &day) != 0)
    return;
  pl_vehicle_info out;
  pl_error err = {0};
  int rc = pl_vehicle_mileage(pl_rpc_engine(r), q->chain, q->vin, day,
                              q->mileage_km, pl_rpc_write(r), &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_veh(r, &out);
}

static void record_service(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RecordServiceRequest *q = (const void *)msg;
  int32_t day;
  if (date_arg(r, q->date, "date", -1, &day) != 0)
    return;
  pl_vehicle_info out;
  pl_error err = {0};
  int rc = pl_vehicle_service(pl_rpc_engine(r), q->chain, q->vin, day,
                              q->mileage_km, pl_rpc_write(r), &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_veh(r, &out);
}

static void get_vehicle(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetVehicleRequest *q = (const void *)msg;
  pl_vehicle_info out;
  pl_error err = {0};
  int rc = pl_vehicle_get(pl_rpc_engine(r), q->chain, q->vin, &out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_veh(r, &out);
}

typedef struct rem_msg {
  Pitlane__V1__ServiceReminder m;
  veh_msg v;
  char date[16], time[32];
} rem_msg;

static void due_reminders(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__DueRemindersRequest *q = (const void *)msg;
  /* who may set `hold`: the policy table (server/auth.c) */
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  if (cap < 0)
    return;
  pl_reminder_query rq = {.chain = q->chain,
                          .store = q->store,
                          .days = q->days,
                          .hold = q->hold,
                          .hold_ttl_ms = q->hold_ttl_ms};
  if (date_arg(r, q->date, "date", INT32_MIN, &rq.day) != 0)
    return;
  pl_store_info si;
  pl_error err = {0};
  pl_engine *e = pl_rpc_engine(r);
  pl_list_buf b;
  if (pl_list_alloc(r, &b, cap, sizeof(pl_reminder), sizeof(rem_msg)) != 0)
    return;
  pl_reminder *rs = b.recs;
  rem_msg *ms = b.msgs;
  int total =
      pl_due_reminders(e, &rq, rs, cap, q->hold ? pl_rpc_write(r) : NULL, &err);
  if (total < 0) {
    pl_rpc_engine_fail(r, total, &err);
    goto out;
  }
  int n = total < cap ? total : cap;
  int32_t off = pl_store_get(e, q->chain, q->store, &si, NULL) == 0
                    ? si.utc_offset_min
                    : 0;
  for (int i = 0; i < n; i++) {
    rem_msg *rm = &ms[i];
    pitlane__v1__service_reminder__init(&rm->m);
    veh_out(&rm->v, &rs[i].v);
    rm->m.vehicle = &rm->v.m;
    rm->m.booking_id = rs[i].booking_id;
    rm->date[0] = rm->time[0] = '\0';
    if (rs[i].booking_id > 0) {
      int64_t ls = rs[i].slot_start_min + off, le = rs[i].slot_end_min + off;
      format_date(pl_local_day(rs[i].slot_start_min, off), rm->date,
                  sizeof rm->date);
      snprintf(rm->time, sizeof rm->time, "%02d:%02d-%02d:%02d",
               (int)(ls % 1440 / 60), (int)(ls % 60), (int)(le % 1440 / 60),
               (int)(le % 60));
    }
    rm->m.slot_date = rm->date;
    rm->m.slot_time = rm->time;
    rm->m.slot_start_min = rs[i].slot_start_min;
    rm->m.hold_error = rs[i].hold_error;
    b.ptrs[i] = &rm->m;
  }
  Pitlane__V1__DueRemindersResponse m;
  pitlane__v1__due_reminders_response__init(&m);
  m.total = total;
  m.n_reminders = (size_t)n;
  m.reminders = (Pitlane__V1__ServiceReminder **)b.ptrs;
  pl_rpc_reply(r, &m.base);
out:
  pl_list_free(&b);
}

#define DSP(name, req, fn) PL_METHOD("Dispatch", name, req, fn)

const pl_method pl_dispatch_methods[] = {
    DSP("SetDispatchConfig", dispatch_config, set_config),
    DSP("GetDispatchConfig", get_dispatch_config_request, get_config),
    DSP("UpsertFieldResource", upsert_field_resource_request, upsert_res),
    DSP("UpdatePosition", update_position_request, update_position),
    DSP("GetFieldResource", get_field_resource_request, get_res),
    DSP("ListFieldResources", list_field_resources_request, list_res),
    DSP("Dispatch", dispatch_request, create_dispatch),
    DSP("Accept", dispatch_action_request, accept),
    DSP("Decline", dispatch_action_request, decline),
    DSP("Arrive", dispatch_action_request, arrive),
    DSP("Complete", dispatch_action_request, complete),
    DSP("Cancel", dispatch_action_request, cancel),
    DSP("Retry", dispatch_action_request, retry),
    DSP("GetDispatch", get_dispatch_request, get_dispatch),
    DSP("ListDispatches", list_dispatches_request, list_dispatches),
    DSP("WatchDispatch", watch_dispatch_request, watch_dispatch),
    DSP("RegisterVehicle", register_vehicle_request, register_vehicle),
    DSP("RecordMileage", record_mileage_request, record_mileage),
    DSP("RecordService", record_service_request, record_service),
    DSP("GetVehicle", get_vehicle_request, get_vehicle),
    DSP("DueReminders", due_reminders_request, due_reminders),
};
const int pl_dispatch_n_methods = PL_N_METHODS(pl_dispatch_methods);
