/* scheduling_msg.c — see scheduling_msg.h. */
#include "scheduling_msg.h"

#include <stdio.h>

static void civil_from_days(int32_t z, int *y, int *m, int *d) {
  z += 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2);
}

void format_date(int32_t day, char *buf, size_t n) {
  int y, m, d;
  civil_from_days(day, &y, &m, &d);
  snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

int parse_date(const char *date, int32_t *day) {
  int y, m, d;
  char tail;
  if (date == NULL || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
    return -1;
  y -= m <= 2;
  int era = y / 400; /* y >= 1969 */
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *day = era * 146097 + doe - 719468;
  return 0;
}

void segs_out(seg_msgs *sm, pl_segment *seg, int n) {
  for (int i = 0; i < n; i++) {
    Pitlane__V1__Segment *m = &sm->m[i];
    pitlane__v1__segment__init(m);
    m->service = seg[i].service;
    m->bay = seg[i].bay;
    for (int t = 0; t < seg[i].n_techs; t++)
      sm->names[i][t] = seg[i].techs[t];
    m->n_technicians = (size_t)seg[i].n_techs;
    m->technicians = sm->names[i];
    m->start_min = seg[i].start;
    m->end_min = seg[i].end;
    sm->p[i] = m;
  }
}

void booking_out(booking_msg *bm, pl_booking_info *b) {
  Pitlane__V1__Booking *m = &bm->m;
  pitlane__v1__booking__init(m);
  m->chain = b->chain;
  m->id = b->id;
  m->store = b->store;
  m->state = (Pitlane__V1__BookingState)b->state;
  m->channel = (Pitlane__V1__Channel)b->channel;
  m->customer = b->customer;
  m->plate = b->plate;
  m->model = b->model;
  m->mileage_km = b->mileage_km;
  m->start_min = b->start;
  m->end_min = b->end;
  segs_out(&bm->segs, b->seg, b->n_segments);
  m->n_segments = (size_t)b->n_segments;
  m->segments = bm->segs.p;
  m->expires_ms = b->expires_ms;
  m->created_ms = b->created_ms;
  m->updated_ms = b->updated_ms;
  m->loaner_need = (Pitlane__V1__LoanerNeed)b->loaner_need;
  m->loaner = b->loaner;
  m->loaner_until_min = b->loaner_until;
  m->loaner_phase = (Pitlane__V1__LoanerPhase)b->loaner_phase;
}

void slot_option_out(slot_msg *sm, pl_engine *e, const char *chain,
                     pl_slot_option *opt) {
  Pitlane__V1__SlotOption *m = &sm->m;
  pitlane__v1__slot_option__init(m);
  m->store = opt->store;
  m->start_min = opt->start;
  m->end_min = opt->end;
  segs_out(&sm->segs, opt->seg, opt->n_segments);
  m->n_segments = (size_t)opt->n_segments;
  m->segments = sm->segs.p;
  pl_store_info st;
  int32_t off = pl_store_get(e, chain, opt->store, &st, NULL) == 0
                    ? st.utc_offset_min
                    : 0;
  int64_t ls = opt->start + off, le = opt->end + off;
  format_date(pl_local_day(opt->start, off), sm->date, sizeof sm->date);
  int s = (int)(((ls % 1440) + 1440) % 1440);
  int t = (int)(((le % 1440) + 1440) % 1440);
  snprintf(sm->time, sizeof sm->time, "%02d:%02d-%02d:%02d", s / 60, s % 60,
           t / 60, t % 60);
  m->local_date = sm->date;
  m->local_time = sm->time;
}
