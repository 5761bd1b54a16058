/* kpi_rpc.c — Admin.GetKpiReport: the KPI reports (pitlane/kpi.h) over
 * gRPC. protobuf <-> engine only; the engine validates the query (from_day
 * after to_day, more than 366 days, an unknown granularity, a technician
 * without its store: INVALID_ARGUMENT naming the field; an unknown chain,
 * store or technician: NOT_FOUND). */
#include <stdlib.h>

#include "server/methods.h"
#include "pitlane/kpi.h"
#include "pitlane/v1/admin.pb-c.h"

/* The reply's messages, sized for one report (freed after the reply). */
typedef struct kpi_msgs {
  Pitlane__V1__Kpi kpis[PL_KPI_COUNT], *kpip[PL_KPI_COUNT];
  Pitlane__V1__KpiPoint points[PL_KPI_COUNT][PL_KPI_POINTS_MAX];
  Pitlane__V1__KpiPoint *pointp[PL_KPI_COUNT][PL_KPI_POINTS_MAX];
  Pitlane__V1__KpiService svc[PL_KPI_SERVICES_MAX], *svcp[PL_KPI_SERVICES_MAX];
} kpi_msgs;

static void report_reply(pl_rpc *r, pl_kpi_report *rep, kpi_msgs *m) {
  Pitlane__V1__KpiReport out;
  pitlane__v1__kpi_report__init(&out);
  out.from_day = rep->from_day;
  out.to_day = rep->to_day;
  out.granularity = (Pitlane__V1__KpiGranularity)rep->granularity;
  for (int k = 0; k < PL_KPI_COUNT; k++) {
    const pl_kpi *src = &rep->kpis[k];
    Pitlane__V1__Kpi *d = &m->kpis[k];
    pitlane__v1__kpi__init(d);
    d->id = (int32_t)src->id;
    d->name = rep->kpis[k].name;
    d->numerator = src->numerator;
    d->denominator = src->denominator;
    d->value = src->value;
    d->has_target = src->has_target != 0;
    d->higher_is_better = src->higher_is_better != 0;
    d->target = src->target;
    d->met = src->met != 0;
    for (int32_t p = 0; p < src->n_points; p++) {
      Pitlane__V1__KpiPoint *pt = &m->points[k][p];
      pitlane__v1__kpi_point__init(pt);
      pt->day = src->points[p].day;
      pt->numerator = src->points[p].numerator;
      pt->denominator = src->points[p].denominator;
      pt->value = src->points[p].value;
      m->pointp[k][p] = pt;
    }
    d->n_points = (size_t)src->n_points;
    d->points = m->pointp[k];
    m->kpip[k] = d;
  }
  out.n_kpis = PL_KPI_COUNT;
  out.kpis = m->kpip;
  for (int32_t i = 0; i < rep->n_services; i++) {
    Pitlane__V1__KpiService *s = &m->svc[i];
    pitlane__v1__kpi_service__init(s);
    s->service = rep->services[i].service;
    s->orders = rep->services[i].orders;
    s->minutes = rep->services[i].minutes;
    m->svcp[i] = s;
  }
  out.n_services = (size_t)rep->n_services;
  out.services = m->svcp;
  pl_rpc_reply(r, &out.base);
}

static void get_kpi_report(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__KpiReportRequest *q = (const void *)msg;
  pl_kpi_query in = {.chain = q->chain,
                     .store = q->store,
                     .advisor = q->advisor,
                     .technician = q->technician,
                     .from_day = q->from_day,
                     .to_day = q->to_day,
                     .granularity = (pl_kpi_granularity)q->granularity};
  pl_kpi_report *rep = malloc(sizeof *rep);
  kpi_msgs *m = malloc(sizeof *m);
  if (rep == NULL || m == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "report: out of memory");
  } else {
    pl_error err;
    int rc = pl_kpi_report_get(pl_rpc_engine(r), &in, rep, &err);
    if (rc != 0)
      pl_rpc_engine_fail(r, rc, &err);
    else
      report_reply(r, rep, m);
  }
  free(rep);
  free(m);
}

#define ADMIN(name, req, fn)                                                   \
  { "/pitlane.v1.Admin/" name, &pitlane__v1__##req##__descriptor, fn }

const pl_method pl_kpi_methods[] = {
    ADMIN("GetKpiReport", kpi_report_request, get_kpi_report),
};
const int pl_kpi_n_methods =
    (int)(sizeof pl_kpi_methods / sizeof pl_kpi_methods[0]);
