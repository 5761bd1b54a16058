/* customers.c — pitlane.v1.Customers: customers, vehicle links,
 * service history, follow-ups and complaints. protobuf <-> engine only;
 * dates are "YYYY-MM-DD" local days (customers.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/customers.h"
#include "pitlane/v1/customers.pb-c.h"
#include "scheduling_msg.h"
#include "server/list_buf.h"
#include "server/methods.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define HIST_DEFAULT 50
#define HIST_MAX 500

static int oom(pl_error *err) {
  err->code = PL_ENOMEM;
  snprintf(err->msg, sizeof err->msg, "reply: out of memory");
  return PL_ENOMEM;
}

/* A local day from "YYYY-MM-DD"; "" gives -1 (today). */
static int day_arg(pl_rpc *r, const char *date, const char *field,
                   int32_t *out) {
  *out = -1;
  if (date[0] == '\0')
    return 0;
  if (parse_date(date, out) == 0)
    return 0;
  pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: '%.32s' is not YYYY-MM-DD",
              field, date);
  return -1;
}

/* ---- customers ------------------------------------------------------------
 */

static void customer_out(Pitlane__V1__Customer *m, pl_customer *c) {
  pitlane__v1__customer__init(m);
  m->chain = c->chain;
  m->id = c->id;
  m->kind = (Pitlane__V1__CustomerKind)c->kind;
  m->source = (Pitlane__V1__CustomerSource)c->source;
  m->ref = c->ref;
  m->name = c->name;
  m->phone = c->phone;
  m->email = c->email;
  m->wechat = c->wechat;
  m->preferred = (Pitlane__V1__ContactChannel)c->preferred;
  m->consent = c->consent != 0;
  m->consent_marketing = c->consent_marketing != 0;
  m->created_ms = c->created_ms;
  m->updated_ms = c->updated_ms;
}

static void reply_customer(pl_rpc *r, int rc, pl_customer *c,
                           const pl_error *err) {
  if (rc < 0) {
    pl_rpc_engine_fail(r, rc, err);
    return;
  }
  Pitlane__V1__Customer m;
  customer_out(&m, c);
  pl_rpc_reply(r, &m.base);
}

static void put_customer(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__PutCustomerRequest *q = (const void *)msg;
  const Pitlane__V1__Customer *c = q->customer;
  if (c == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "customer: required");
    return;
  }
  pl_customer in = {0};
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.ref, c->ref, "customer.ref") ||
      !COPY(r, in.name, c->name, "customer.name") ||
      !COPY(r, in.phone, c->phone, "customer.phone") ||
      !COPY(r, in.email, c->email, "customer.email") ||
      !COPY(r, in.wechat, c->wechat, "customer.wechat"))
    return;
  in.id = c->id;
  in.kind = c->kind != 0 ? (pl_customer_kind)c->kind : PL_CUSTOMER_PERSON;
  in.source = c->source != 0 ? (pl_customer_source)c->source : PL_SOURCE_DIRECT;
  in.preferred = (pl_contact_channel)c->preferred;
  in.consent = c->consent;
  in.consent_marketing = c->consent_marketing;
  pl_customer out;
  pl_error err = {0};
  int rc = pl_customer_put(pl_rpc_engine(r), &in, q->idempotency_key,
                           pl_rpc_write(r), &out, &err);
  reply_customer(r, rc, &out, &err);
}

static void get_customer(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CustomerRef *q = (const void *)msg;
  pl_customer out;
  pl_error err = {0};
  int rc = pl_customer_get(pl_rpc_engine(r), q->chain, q->id, &out, &err);
  reply_customer(r, rc, &out, &err);
}

static void find_customer(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__FindCustomerRequest *q = (const void *)msg;
  pl_customer out;
  pl_error err = {0};
  int rc = pl_customer_find(pl_rpc_engine(r), q->chain, q->phone, &out, &err);
  reply_customer(r, rc, &out, &err);
}

static void list_customers(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListCustomersRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  pl_list_buf b;
  if (cap < 0 || pl_list_alloc(r, &b, cap, sizeof(pl_customer),
                               sizeof(Pitlane__V1__Customer)) != 0)
    return;
  pl_customer *cs = b.recs;
  Pitlane__V1__Customer *ms = b.msgs;
  pl_error err = {0};
  int n = pl_customer_list(pl_rpc_engine(r), q->chain, q->text, q->after_id, cs,
                           cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    for (int i = 0; i < n; i++) {
      customer_out(&ms[i], &cs[i]);
      b.ptrs[i] = &ms[i];
    }
    pl_list_reply_after(r, &pitlane__v1__list_customers_response__descriptor, n,
                        &b, n == cap ? cs[n - 1].id : 0);
  }
  pl_list_free(&b);
}

/* ---- ownership ------------------------------------------------------------
 */

typedef struct links_msg {
  Pitlane__V1__Ownership m[PL_OWNER_LINKS_MAX];
  Pitlane__V1__Ownership *p[PL_OWNER_LINKS_MAX];
  char from[PL_OWNER_LINKS_MAX][16], to[PL_OWNER_LINKS_MAX][16];
  pl_ownership links[PL_OWNER_LINKS_MAX];
} links_msg;

/* Fills the first n links' messages (n <= PL_OWNER_LINKS_MAX). */
static void links_out(links_msg *lm, int n) {
  for (int i = 0; i < n; i++) {
    Pitlane__V1__Ownership *m = &lm->m[i];
    pl_ownership *l = &lm->links[i];
    pitlane__v1__ownership__init(m);
    m->customer_id = l->customer_id;
    m->vin = l->vin;
    m->role = (Pitlane__V1__OwnerRole)l->role;
    format_date(l->from_day, lm->from[i], sizeof lm->from[i]);
    m->from_date = lm->from[i];
    lm->to[i][0] = '\0';
    if (l->to_day != 0)
      format_date(l->to_day, lm->to[i], sizeof lm->to[i]);
    m->to_date = lm->to[i];
    lm->p[i] = m;
  }
}

/* Replies with the vehicle's links (after a change) or fails. */
static void reply_owners(pl_rpc *r, const char *chain, const char *vin) {
  links_msg *lm = calloc(1, sizeof *lm);
  pl_error err = {0};
  int n = lm == NULL ? oom(&err)
                     : pl_vehicle_owners(pl_rpc_engine(r), chain, vin,
                                         lm->links, PL_OWNER_LINKS_MAX, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    n = n < PL_OWNER_LINKS_MAX ? n : PL_OWNER_LINKS_MAX;
    links_out(lm, n);
    Pitlane__V1__OwnershipList m;
    pitlane__v1__ownership_list__init(&m);
    m.n_links = (size_t)n;
    m.links = lm->p;
    pl_rpc_reply(r, &m.base);
  }
  free(lm);
}

static void link_vehicle(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__LinkVehicleRequest *q = (const void *)msg;
  int32_t day;
  if (day_arg(r, q->from_date, "from_date", &day) != 0)
    return;
  pl_owner_role role = q->role != 0 ? (pl_owner_role)q->role : PL_ROLE_OWNER;
  pl_error err = {0};
  int rc = pl_vehicle_link(pl_rpc_engine(r), q->chain, q->vin, q->customer_id,
                           role, day, pl_rpc_write(r), &err);
  if (rc < 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_owners(r, q->chain, q->vin);
}

static void unlink_vehicle(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__UnlinkVehicleRequest *q = (const void *)msg;
  int32_t day;
  if (day_arg(r, q->to_date, "to_date", &day) != 0)
    return;
  pl_error err = {0};
  int rc = pl_vehicle_unlink(pl_rpc_engine(r), q->chain, q->vin, q->customer_id,
                             day, pl_rpc_write(r), &err);
  if (rc < 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_owners(r, q->chain, q->vin);
}

static void vehicle_owners(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__VehicleOwnersRequest *q = (const void *)msg;
  reply_owners(r, q->chain, q->vin);
}

static void customer_vehicles(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__CustomerVehiclesRequest *q = (const void *)msg;
  links_msg *lm = calloc(1, sizeof *lm);
  pl_error err = {0};
  int n = lm == NULL
              ? oom(&err)
              : pl_customer_vehicles(pl_rpc_engine(r), q->chain, q->customer_id,
                                     lm->links, PL_OWNER_LINKS_MAX, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    n = n < PL_OWNER_LINKS_MAX ? n : PL_OWNER_LINKS_MAX;
    links_out(lm, n);
    Pitlane__V1__OwnershipList m;
    pitlane__v1__ownership_list__init(&m);
    m.n_links = (size_t)n;
    m.links = lm->p;
    pl_rpc_reply(r, &m.base);
  }
  free(lm);
}

/* ---- history --------------------------------------------------------------
 */

static const char *state_name(pl_history_kind kind, int32_t s) {
  static const char *booking[] = {"",           "HELD",      "CONFIRMED",
                                  "CHECKED_IN", "COMPLETED", "CANCELLED",
                                  "NO_SHOW",    "EXPIRED"};
  static const char *order[] = {
      "",          "PENDING",   "IN_REPAIR", "AWAITING_QC",
      "COMPLETED", "DELIVERED", "CANCELLED"};
  static const char *fup[] = {"", "OPEN", "DONE", "UNREACHED"};
  static const char *cmp[] = {"", "OPEN", "ACKNOWLEDGED", "RESOLVED", "CLOSED"};
  switch (kind) {
  case PL_HIST_BOOKING:
    return s >= 1 && s <= 7 ? booking[s] : "";
  case PL_HIST_WORK_ORDER:
    return s >= 1 && s <= 6 ? order[s] : "";
  case PL_HIST_FOLLOWUP:
    return s >= 1 && s <= 3 ? fup[s] : "";
  case PL_HIST_COMPLAINT:
    return s >= 1 && s <= 4 ? cmp[s] : "";
  }
  return "";
}

typedef struct hist_msg {
  Pitlane__V1__HistoryEntry m;
  char *svc[PL_HIST_SERVICES];
  Pitlane__V1__HistoryPart part[PL_HIST_PARTS];
  Pitlane__V1__HistoryPart *partp[PL_HIST_PARTS];
} hist_msg;

static void hist_out(hist_msg *hm, pl_history_entry *h) {
  Pitlane__V1__HistoryEntry *m = &hm->m;
  pitlane__v1__history_entry__init(m);
  m->kind = (Pitlane__V1__HistoryKind)h->kind;
  m->id = h->id;
  m->store = h->store;
  m->at_ms = h->at_ms;
  m->state = (char *)state_name(h->kind, h->state);
  m->ref_id = h->ref_id;
  m->mileage_km = h->mileage_km;
  m->total_fen = h->total_fen;
  m->score = h->score;
  for (int i = 0; i < h->n_services; i++)
    hm->svc[i] = h->services[i];
  m->n_services = (size_t)h->n_services;
  m->services = hm->svc;
  for (int i = 0; i < h->n_parts; i++) {
    pitlane__v1__history_part__init(&hm->part[i]);
    hm->part[i].part_no = h->parts[i].part_no;
    hm->part[i].qty = h->parts[i].qty;
    hm->part[i].lot = h->parts[i].lot;
    hm->partp[i] = &hm->part[i];
  }
  m->n_parts = (size_t)h->n_parts;
  m->parts = hm->partp;
}

/* One decimal field of a page token ending at `stop`: digits with an
 * optional '-', within [lo, hi] (sscanf's %lld is undefined past the range
 * of long long, so the digits are read with strtoll and errno). */
static int token_field(const char **p, char stop, long long lo, long long hi,
                       long long *out) {
  char *end = NULL;
  if (!(**p == '-' || (**p >= '0' && **p <= '9')))
    return -1;
  errno = 0;
  long long v = strtoll(*p, &end, 10);
  if (errno != 0 || end == *p || *end != stop || v < lo || v > hi)
    return -1;
  *out = v;
  *p = stop == '\0' ? end : end + 1;
  return 0;
}

/* "at_ms.kind.id", as service_history makes it, into *cur; -1 if not. */
static int parse_token(const char *s, pl_history_cursor *cur) {
  long long at, kind, id;
  if (token_field(&s, '.', LLONG_MIN, LLONG_MAX, &at) != 0 ||
      token_field(&s, '.', INT32_MIN, INT32_MAX, &kind) != 0 ||
      token_field(&s, '\0', LLONG_MIN, LLONG_MAX, &id) != 0)
    return -1;
  *cur = (pl_history_cursor){at, (int32_t)kind, id};
  return 0;
}

static void service_history(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ServiceHistoryRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, HIST_DEFAULT, HIST_MAX);
  if (cap < 0)
    return;
  pl_history_cursor cur = {0};
  if (q->page_token[0] != '\0' && parse_token(q->page_token, &cur) != 0) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "page_token: not one this service gave");
    return;
  }
  pl_list_buf b;
  if (pl_list_alloc(r, &b, cap, sizeof(pl_history_entry), sizeof(hist_msg)) !=
      0)
    return;
  pl_history_entry *hs = b.recs;
  hist_msg *ms = b.msgs;
  links_msg *lm = calloc(1, sizeof *lm);
  pl_error err = {0};
  int more = 0;
  int n = lm == NULL ? oom(&err)
                     : pl_vehicle_history(pl_rpc_engine(r), q->chain, q->vin,
                                          &cur, hs, cap, &more, &err);
  int nl = n < 0 ? n
                 : pl_vehicle_owners(pl_rpc_engine(r), q->chain, q->vin,
                                     lm->links, PL_OWNER_LINKS_MAX, &err);
  if (n < 0 || nl < 0) {
    pl_rpc_engine_fail(r, n < 0 ? n : nl, &err);
  } else {
    for (int i = 0; i < n; i++) {
      hist_out(&ms[i], &hs[i]);
      b.ptrs[i] = &ms[i].m;
    }
    nl = nl < PL_OWNER_LINKS_MAX ? nl : PL_OWNER_LINKS_MAX;
    links_out(lm, nl);
    char token[64] = "";
    if (more && n > 0)
      snprintf(token, sizeof token, "%lld.%d.%lld", (long long)hs[n - 1].at_ms,
               (int)hs[n - 1].kind, (long long)hs[n - 1].id);
    Pitlane__V1__ServiceHistory m;
    pitlane__v1__service_history__init(&m);
    m.vin = q->vin;
    m.n_entries = (size_t)n;
    m.entries = (Pitlane__V1__HistoryEntry **)b.ptrs;
    m.next_page_token = token;
    m.n_owners = (size_t)nl;
    m.owners = lm->p;
    pl_rpc_reply(r, &m.base);
  }
  pl_list_free(&b);
  free(lm);
}

/* ---- follow-ups -----------------------------------------------------------
 */

static void fup_out(Pitlane__V1__FollowUp *m, pl_followup *f, int64_t now) {
  pitlane__v1__follow_up__init(m);
  m->chain = f->chain;
  m->id = f->id;
  m->store = f->store;
  m->advisor = f->advisor;
  m->vin = f->vin;
  m->plate = f->plate;
  m->customer_id = f->customer_id;
  m->contact_ok = f->contact_ok != 0;
  m->delivered_ms = f->delivered_ms;
  m->due_ms = f->due_ms;
  m->state = (Pitlane__V1__FollowUpState)f->state;
  m->attempts = f->attempts;
  m->satisfaction = f->satisfaction;
  m->comment = f->comment;
  m->done_by = f->done_by;
  m->done_ms = f->done_ms;
  m->overdue = f->state == PL_FOLLOWUP_OPEN && f->due_ms < now;
}

static void reply_fup(pl_rpc *r, int rc, pl_followup *f, const pl_error *err) {
  if (rc < 0) {
    pl_rpc_engine_fail(r, rc, err);
    return;
  }
  Pitlane__V1__FollowUp m;
  fup_out(&m, f, pl_chain_now_ms(pl_rpc_engine(r), f->chain));
  pl_rpc_reply(r, &m.base);
}

static void get_fup(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__FollowUpRef *q = (const void *)msg;
  pl_followup out;
  pl_error err = {0};
  int rc = pl_followup_get(pl_rpc_engine(r), q->chain, q->id, &out, &err);
  reply_fup(r, rc, &out, &err);
}

static void record_fup(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__RecordFollowUpRequest *q = (const void *)msg;
  pl_followup out;
  pl_error err = {0};
  int rc = pl_followup_record(pl_rpc_engine(r), q->chain, q->id, q->reached,
                              q->satisfaction, q->comment, q->actor,
                              q->idempotency_key, pl_rpc_write(r), &out, &err);
  reply_fup(r, rc, &out, &err);
}

static void list_fups(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListFollowUpsRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  pl_list_buf b;
  if (cap < 0 || pl_list_alloc(r, &b, cap, sizeof(pl_followup),
                               sizeof(Pitlane__V1__FollowUp)) != 0)
    return;
  pl_followup *fs = b.recs;
  Pitlane__V1__FollowUp *ms = b.msgs;
  pl_followup_filter f = {.chain = q->chain,
                          .store = q->store,
                          .advisor = q->advisor,
                          .state = (pl_followup_state)q->state,
                          .overdue = q->overdue,
                          .after_id = q->after_id};
  pl_error err = {0};
  int n = pl_followup_list(pl_rpc_engine(r), &f, fs, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    int64_t now = pl_chain_now_ms(pl_rpc_engine(r), q->chain);
    for (int i = 0; i < n; i++) {
      fup_out(&ms[i], &fs[i], now);
      b.ptrs[i] = &ms[i];
    }
    pl_list_reply_after(r, &pitlane__v1__list_follow_ups_response__descriptor,
                        n, &b, n == cap ? fs[n - 1].id : 0);
  }
  pl_list_free(&b);
}

/* ---- complaints -----------------------------------------------------------
 */

typedef struct cmp_msg {
  Pitlane__V1__Complaint m;
  Pitlane__V1__ComplaintStep st[PL_COMPLAINT_STEPS];
  Pitlane__V1__ComplaintStep *stp[PL_COMPLAINT_STEPS];
} cmp_msg;

static void cmp_out(cmp_msg *cm, pl_complaint *x, int64_t now) {
  Pitlane__V1__Complaint *m = &cm->m;
  pitlane__v1__complaint__init(m);
  m->chain = x->chain;
  m->id = x->id;
  m->store = x->store;
  m->customer_id = x->customer_id;
  m->vin = x->vin;
  m->wo_id = x->wo_id;
  m->advisor = x->advisor;
  m->channel = (Pitlane__V1__ComplaintChannel)x->channel;
  m->category = (Pitlane__V1__ComplaintCategory)x->category;
  m->severity = x->severity;
  m->text = x->text;
  m->state = (Pitlane__V1__ComplaintState)x->state;
  m->created_ms = x->created_ms;
  m->response_due_ms = x->response_due_ms;
  m->resolution_due_ms = x->resolution_due_ms;
  m->acknowledged_ms = x->acknowledged_ms;
  m->resolved_ms = x->resolved_ms;
  m->closed_ms = x->closed_ms;
  m->rating = x->rating;
  m->response_escalated = (x->escalated & PL_ESCALATED_RESPONSE) != 0;
  m->resolution_escalated = (x->escalated & PL_ESCALATED_RESOLUTION) != 0;
  m->escalated_to = x->escalated_to;
  m->total_steps = x->n_steps;
  int kept = x->n_steps < PL_COMPLAINT_STEPS ? x->n_steps : PL_COMPLAINT_STEPS;
  for (int i = 0; i < kept; i++) {
    Pitlane__V1__ComplaintStep *s = &cm->st[i];
    pitlane__v1__complaint_step__init(s);
    s->kind = (Pitlane__V1__ComplaintStepKind)x->steps[i].kind;
    s->at_ms = x->steps[i].at_ms;
    s->actor = x->steps[i].actor;
    s->note = x->steps[i].note;
    cm->stp[i] = s;
  }
  m->n_steps = (size_t)kept;
  m->steps = cm->stp;
  int64_t ack = x->acknowledged_ms, res = x->resolved_ms;
  m->response_overdue =
      x->response_due_ms < now && (ack == 0 || ack > x->response_due_ms);
  m->resolution_overdue =
      x->resolution_due_ms < now && (res == 0 || res > x->resolution_due_ms);
}

static void reply_cmp(pl_rpc *r, int rc, pl_complaint *x, const pl_error *err) {
  if (rc < 0) {
    pl_rpc_engine_fail(r, rc, err);
    return;
  }
  cmp_msg *cm = malloc(sizeof *cm);
  if (cm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  cmp_out(cm, x, pl_chain_now_ms(pl_rpc_engine(r), x->chain));
  pl_rpc_reply(r, &cm->m.base);
  free(cm);
}

static void open_cmp(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__OpenComplaintRequest *q = (const void *)msg;
  pl_complaint in = {0};
  if (!COPY(r, in.chain, q->chain, "chain") ||
      !COPY(r, in.store, q->store, "store") ||
      !COPY(r, in.vin, q->vin, "vin") || !COPY(r, in.text, q->text, "text"))
    return;
  in.customer_id = q->customer_id;
  in.wo_id = q->wo_id;
  in.channel = (pl_complaint_channel)q->channel;
  in.category = (pl_complaint_category)q->category;
  in.severity = q->severity;
  pl_complaint *out = malloc(sizeof *out);
  pl_error err = {0};
  int rc = out == NULL ? oom(&err)
                       : pl_complaint_open(pl_rpc_engine(r), &in, q->actor,
                                           q->idempotency_key, pl_rpc_write(r),
                                           out, &err);
  reply_cmp(r, rc, out, &err);
  free(out);
}

static void act_cmp(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ComplaintActionRequest *q = (const void *)msg;
  pl_complaint *out = malloc(sizeof *out);
  pl_error err = {0};
  int rc = out == NULL ? oom(&err)
                       : pl_complaint_act(pl_rpc_engine(r), q->chain, q->id,
                                          (pl_complaint_action)q->action,
                                          q->rating, q->actor, q->note,
                                          pl_rpc_write(r), out, &err);
  reply_cmp(r, rc, out, &err);
  free(out);
}

static void get_cmp(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ComplaintRef *q = (const void *)msg;
  pl_complaint *out = malloc(sizeof *out);
  pl_error err = {0};
  int rc = out == NULL
               ? oom(&err)
               : pl_complaint_get(pl_rpc_engine(r), q->chain, q->id, out, &err);
  reply_cmp(r, rc, out, &err);
  free(out);
}

static void list_cmps(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListComplaintsRequest *q = (const void *)msg;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  pl_list_buf b;
  if (cap < 0 ||
      pl_list_alloc(r, &b, cap, sizeof(pl_complaint), sizeof(cmp_msg)) != 0)
    return;
  pl_complaint *xs = b.recs;
  cmp_msg *ms = b.msgs;
  pl_complaint_filter f = {.chain = q->chain,
                           .store = q->store,
                           .state = (pl_complaint_state)q->state,
                           .overdue = q->overdue,
                           .vin = q->vin,
                           .after_id = q->after_id};
  pl_error err = {0};
  int n = pl_complaint_list(pl_rpc_engine(r), &f, xs, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
  } else {
    int64_t now = pl_chain_now_ms(pl_rpc_engine(r), q->chain);
    for (int i = 0; i < n; i++) {
      cmp_out(&ms[i], &xs[i], now);
      b.ptrs[i] = &ms[i].m;
    }
    pl_list_reply_after(r, &pitlane__v1__list_complaints_response__descriptor,
                        n, &b, n == cap ? xs[n - 1].id : 0);
  }
  pl_list_free(&b);
}

static void reply_policy(pl_rpc *r, pl_complaint_policy *p) {
  Pitlane__V1__ComplaintPolicy m;
  pitlane__v1__complaint_policy__init(&m);
  m.chain = p->chain;
  m.store = p->store;
  m.response_min = p->response_min;
  m.resolution_min = p->resolution_min;
  m.manager = p->manager;
  pl_rpc_reply(r, &m.base);
}

static void set_policy(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ComplaintPolicy *q = (const void *)msg;
  pl_complaint_policy p = {0};
  if (!COPY(r, p.chain, q->chain, "chain") ||
      !COPY(r, p.store, q->store, "store") ||
      !COPY(r, p.manager, q->manager, "manager"))
    return;
  p.response_min = q->response_min;
  p.resolution_min = q->resolution_min;
  pl_error err = {0};
  int rc = pl_complaint_policy_set(pl_rpc_engine(r), &p, pl_rpc_write(r), &err);
  if (rc < 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_policy(r, &p);
}

static void get_policy(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__GetComplaintPolicyRequest *q = (const void *)msg;
  pl_complaint_policy p;
  pl_error err = {0};
  int rc =
      pl_complaint_policy_get(pl_rpc_engine(r), q->chain, q->store, &p, &err);
  if (rc < 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_policy(r, &p);
}

static void sweep(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SweepComplaintsRequest *q = (const void *)msg;
  pl_error err = {0};
  int n = pl_complaints_sweep(pl_rpc_engine(r), q->chain, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    return;
  }
  Pitlane__V1__SweepComplaintsResponse m;
  pitlane__v1__sweep_complaints_response__init(&m);
  m.escalated = n;
  pl_rpc_reply(r, &m.base);
}

#define CUS(name, req, fn) PL_METHOD("Customers", name, req, fn)

const pl_method pl_customers_methods[] = {
    CUS("PutCustomer", put_customer_request, put_customer),
    CUS("GetCustomer", customer_ref, get_customer),
    CUS("FindCustomer", find_customer_request, find_customer),
    CUS("ListCustomers", list_customers_request, list_customers),
    CUS("LinkVehicle", link_vehicle_request, link_vehicle),
    CUS("UnlinkVehicle", unlink_vehicle_request, unlink_vehicle),
    CUS("ListVehicleOwners", vehicle_owners_request, vehicle_owners),
    CUS("ListCustomerVehicles", customer_vehicles_request, customer_vehicles),
    CUS("GetServiceHistory", service_history_request, service_history),
    CUS("GetFollowUp", follow_up_ref, get_fup),
    CUS("ListFollowUps", list_follow_ups_request, list_fups),
    CUS("RecordFollowUp", record_follow_up_request, record_fup),
    CUS("OpenComplaint", open_complaint_request, open_cmp),
    CUS("ActOnComplaint", complaint_action_request, act_cmp),
    CUS("GetComplaint", complaint_ref, get_cmp),
    CUS("ListComplaints", list_complaints_request, list_cmps),
    CUS("SetComplaintPolicy", complaint_policy, set_policy),
    CUS("GetComplaintPolicy", get_complaint_policy_request, get_policy),
    CUS("SweepComplaints", sweep_complaints_request, sweep),
};
const int pl_customers_n_methods = PL_N_METHODS(pl_customers_methods);
