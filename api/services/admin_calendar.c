/* calendar_rpc.c — the Admin RPCs that configure calendars: store hours,
 * technician and bay schedules, the service catalogue. protobuf <->
 * engine only; the engine validates. */
#include <stdlib.h>

#include "server/methods.h"
#include "pitlane/scheduling.h"
#include "pitlane/v1/admin.pb-c.h"

#define COPY(r, dst, src, field)                                               \
  (pl_rpc_copy((r), (dst), sizeof(dst), (src), (field)) == 0)

static void fail(pl_rpc *r, const char *msg) {
  pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s", msg);
}

static pl_local_range local_in(const Pitlane__V1__LocalRange *m) {
  pl_local_range l = {0, 0};
  if (m != NULL)
    l = (pl_local_range){m->start_min, m->end_min};
  return l;
}

static void local_out(Pitlane__V1__LocalRange *m, pl_local_range l) {
  pitlane__v1__local_range__init(m);
  m->start_min = l.start;
  m->end_min = l.end;
}

/* ---- store hours -------------------------------------------------------- */

static void hours_reply(pl_rpc *r, pl_store_hours *h) {
  Pitlane__V1__StoreHours m;
  Pitlane__V1__LocalRange wk[7], *wkp[7];
  pitlane__v1__store_hours__init(&m);
  m.chain = h->chain;
  m.store = h->store;
  for (int d = 0; d < 7; d++) {
    local_out(&wk[d], h->week[d]);
    wkp[d] = &wk[d];
  }
  m.n_week = 7;
  m.week = wkp;
  m.n_closures = (size_t)h->n_closures;
  m.closures = h->closures;
  m.horizon_days = h->horizon_days;
  pl_rpc_reply(r, &m.base);
}

static void set_store_hours(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetStoreHoursRequest *q = (const void *)msg;
  const Pitlane__V1__StoreHours *h = q->hours;
  if (h == NULL) {
    fail(r, "hours: required");
    return;
  }
  pl_store_hours in = {0};
  if (!COPY(r, in.chain, h->chain, "hours.chain") ||
      !COPY(r, in.store, h->store, "hours.store"))
    return;
  if (h->n_week != 7) {
    fail(r, "hours.week: 7 entries, Monday first");
    return;
  }
  for (int d = 0; d < 7; d++)
    in.week[d] = local_in(h->week[d]);
  if (h->n_closures > PL_MAX_CLOSURES) {
    fail(r, "hours.closures: too many");
    return;
  }
  in.n_closures = (int32_t)h->n_closures;
  for (size_t i = 0; i < h->n_closures; i++)
    in.closures[i] = h->closures[i];
  in.horizon_days = h->horizon_days ? h->horizon_days : 14;
  pl_error err;
  int rc = pl_store_hours_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  hours_reply(r, &in);
}

static void get_store_hours(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetStoreHoursRequest *q = (const void *)msg;
  pl_store_hours h;
  pl_error err;
  int rc = pl_store_hours_get(pl_rpc_engine(r), q->chain, q->store, &h, &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  hours_reply(r, &h);
}

/* ---- schedules ---------------------------------------------------------- */

static int utc_ranges_in(pl_rpc *r, Pitlane__V1__UtcRange **in, size_t n,
                         pl_utc_range *out, int32_t *n_out, const char *field) {
  if (n > PL_MAX_PERIODS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: at most %d", field,
                PL_MAX_PERIODS);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = (pl_utc_range){in[i]->start_min, in[i]->end_min};
  *n_out = (int32_t)n;
  return 0;
}

static void set_technician_schedule(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetTechnicianScheduleRequest *q = (const void *)msg;
  const Pitlane__V1__TechnicianSchedule *s = q->schedule;
  if (s == NULL) {
    fail(r, "schedule: required");
    return;
  }
  pl_technician_schedule in = {0};
  if (!COPY(r, in.chain, s->chain, "schedule.chain") ||
      !COPY(r, in.store, s->store, "schedule.store") ||
      !COPY(r, in.technician, s->technician, "schedule.technician"))
    return;
  if (s->n_week != 7) {
    fail(r, "schedule.week: 7 entries, Monday first");
    return;
  }
  for (int d = 0; d < 7; d++) {
    const Pitlane__V1__Shift *sh = s->week[d];
    in.week[d].work = local_in(sh->work);
    if (sh->n_breaks > PL_MAX_BREAKS) {
      fail(r, "schedule.week.breaks: too many");
      return;
    }
    in.week[d].n_breaks = (int32_t)sh->n_breaks;
    for (size_t i = 0; i < sh->n_breaks; i++)
      in.week[d].breaks[i] = local_in(sh->breaks[i]);
  }
  if (utc_ranges_in(r, s->leave, s->n_leave, in.leave, &in.n_leave,
                    "schedule.leave") != 0)
    return;
  pl_error err;
  int rc =
      pl_technician_schedule_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  pl_rpc_reply(r, &s->base); /* as stored: the request echoed */
}

static void set_bay_schedule(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SetBayScheduleRequest *q = (const void *)msg;
  const Pitlane__V1__BaySchedule *s = q->schedule;
  if (s == NULL) {
    fail(r, "schedule: required");
    return;
  }
  pl_bay_schedule in = {0};
  if (!COPY(r, in.chain, s->chain, "schedule.chain") ||
      !COPY(r, in.store, s->store, "schedule.store") ||
      !COPY(r, in.bay, s->bay, "schedule.bay"))
    return;
  if (utc_ranges_in(r, s->out_of_service, s->n_out_of_service,
                    in.out_of_service, &in.n_out_of_service,
                    "schedule.out_of_service") != 0)
    return;
  pl_error err;
  int rc = pl_bay_schedule_set(pl_rpc_engine(r), &in, pl_rpc_write(r), &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  pl_rpc_reply(r, &s->base);
}

/* ---- services ----------------------------------------------------------- */

static void service_msg(Pitlane__V1__Service *m, pl_service_info *s) {
  pitlane__v1__service__init(m);
  m->chain = s->chain;
  m->code = s->code;
  m->name = s->name;
  m->bay_type = (Pitlane__V1__BayType)s->bay_type;
  m->skill = (Pitlane__V1__Skill)s->skill;
  m->min_level = s->min_level;
  m->duration_min = s->duration_min;
  m->technicians = s->technicians;
}

static void create_service(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CreateServiceRequest *q = (const void *)msg;
  const Pitlane__V1__Service *s = q->service;
  if (s == NULL) {
    fail(r, "service: required");
    return;
  }
  pl_service_info in = {0}, out;
  if (!COPY(r, in.chain, s->chain, "service.chain") ||
      !COPY(r, in.code, s->code, "service.code") ||
      !COPY(r, in.name, s->name, "service.name"))
    return;
  in.bay_type = (pl_bay_type)s->bay_type;
  in.skill = (pl_skill)s->skill;
  in.min_level = s->min_level;
  in.duration_min = s->duration_min;
  in.technicians = s->technicians;
  pl_error err;
  const char *idem = q->idempotency_key[0] ? q->idempotency_key : NULL;
  int rc = pl_service_create(pl_rpc_engine(r), &in, idem, pl_rpc_write(r), &out,
                             &err);
  if (rc != 0) {
    pl_rpc_engine_fail(r, rc, &err);
    return;
  }
  Pitlane__V1__Service m;
  service_msg(&m, &out);
  pl_rpc_reply(r, &m.base);
}

static void list_services(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListServicesRequest *q = (const void *)msg;
  pl_engine *e = pl_rpc_engine(r);
  pl_error err;
  int n = pl_service_list(e, q->chain, NULL, 0, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  pl_service_info *info = calloc((size_t)n + 1, sizeof *info);
  Pitlane__V1__Service *ms = calloc((size_t)n + 1, sizeof *ms);
  Pitlane__V1__Service **mp =
      calloc((size_t)n + 1, sizeof(Pitlane__V1__Service *));
  if (info && ms && mp) {
    int got = pl_service_list(e, q->chain, info, n, &err);
    n = got < n ? got : n;
    for (int i = 0; i < n; i++) {
      service_msg(&ms[i], &info[i]);
      mp[i] = &ms[i];
    }
    Pitlane__V1__ListServicesResponse m;
    pitlane__v1__list_services_response__init(&m);
    m.n_services = (size_t)n;
    m.services = mp;
    pl_rpc_reply(r, &m.base);
  } else {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "listing: out of memory");
  }
  free(info);
  free(ms);
  free(mp);
}

#define ADMIN(name, req, fn)                                                   \
  { "/pitlane.v1.Admin/" name, &pitlane__v1__##req##__descriptor, fn }

const pl_method pl_calendar_methods[] = {
    ADMIN("SetStoreHours", set_store_hours_request, set_store_hours),
    ADMIN("GetStoreHours", get_store_hours_request, get_store_hours),
    ADMIN("SetTechnicianSchedule", set_technician_schedule_request,
          set_technician_schedule),
    ADMIN("SetBaySchedule", set_bay_schedule_request, set_bay_schedule),
    ADMIN("CreateService", create_service_request, create_service),
    ADMIN("ListServices", list_services_request, list_services),
};
const int pl_calendar_n_methods =
    (int)(sizeof pl_calendar_methods / sizeof pl_calendar_methods[0]);
