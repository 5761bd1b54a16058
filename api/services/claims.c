/* claims.c — pitlane.v1.Claims: insurers' claims and fleets' batches.
 * An insurer's (fleet's) key acts for its own tenant only: the request's
 * insurer (fleet) may be empty or must name it; claims of others are
 * NOT_FOUND. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/claims.h"
#include "pitlane/v1/claims.pb-c.h"
#include "scheduling_msg.h"
#include "server/list_buf.h"
#include "server/methods.h"
#include "workorders_msg.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* The tenant a call acts for: the key's own when it is scoped (a request
 * naming another is PERMISSION_DENIED), else the request's. */
static int tenant(pl_rpc *r, const char *scope, const char *asked,
                  const char *field, char *out) {
  if (scope != NULL && asked != NULL && asked[0] != '\0' &&
      strcmp(scope, asked) != 0) {
    pl_rpc_fail(r, GRPC_STATUS_PERMISSION_DENIED,
                "%s: this key acts for '%s' only", field, scope);
    return -1;
  }
  return pl_rpc_copy(r, out, PL_CODE_MAX, scope != NULL ? scope : asked, field);
}

typedef struct claim_msg {
  Pitlane__V1__Claim m;
  booking_msg booking;
  slot_msg opts[PL_CLAIM_OPTIONS];
  Pitlane__V1__SlotOption *op[PL_CLAIM_OPTIONS];
  pl_booking_info b;
} claim_msg;

/* The claim with its order's state and its booking as they are now. */
static void claim_out(pl_engine *e, claim_msg *cm, pl_claim *c) {
  Pitlane__V1__Claim *m = &cm->m;
  pitlane__v1__claim__init(m);
  m->chain = c->chain;
  m->insurer = c->insurer;
  m->claim_no = c->claim_no;
  m->policy_no = c->policy_no;
  m->store = c->store;
  m->work_order_id = c->wo_id;
  pl_work_order *w = malloc(sizeof *w);
  if (w != NULL && pl_wo_get(e, c->chain, c->wo_id, w, NULL) == 0) {
    m->work_order_state = (Pitlane__V1__WorkOrderState)w->state;
    m->parts_short = pl_wo_short(w);
  }
  free(w);
  if (c->booking_id > 0 &&
      pl_booking_get(e, c->chain, c->booking_id, &cm->b, NULL) == 0) {
    booking_out(&cm->booking, &cm->b);
    m->booking = &cm->booking.m;
  }
  for (int i = 0; i < c->n_options; i++) {
    slot_option_out(&cm->opts[i], e, c->chain, &c->options[i]);
    cm->op[i] = &cm->opts[i].m;
  }
  m->n_options = (size_t)c->n_options;
  m->options = cm->op;
  m->estimate_fen = c->estimate_fen;
  m->quoted_fen = c->quoted_fen;
  m->created_ms = c->created_ms;
  m->replayed = c->replayed != 0;
}

static void reply_claim(pl_rpc *r, pl_claim *c) {
  claim_msg *cm = calloc(1, sizeof *cm);
  if (cm == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "reply: out of memory");
    return;
  }
  claim_out(pl_rpc_engine(r), cm, c);
  pl_rpc_reply(r, &cm->m.base);
  free(cm);
}

static void submit_claim(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__SubmitClaimRequest *q = (const void *)msg;
  pl_claim_req *in = calloc(1, sizeof *in);
  pl_claim *out = calloc(1, sizeof *out);
  if (in == NULL || out == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "request: out of memory");
    goto done;
  }
  if (!COPY(r, in->chain, q->chain, "chain") ||
      !COPY(r, in->store, q->store, "store") ||
      tenant(r, pl_rpc_insurer_scope(r), q->insurer, "insurer", in->insurer) ||
      !COPY(r, in->claim_no, q->claim_no, "claim_no") ||
      !COPY(r, in->policy_no, q->policy_no, "policy_no") ||
      !COPY(r, in->damage, q->damage, "damage") ||
      !COPY(r, in->service, q->service, "service") ||
      wo_vehicle_in(r, q->vehicle, &in->vehicle) != 0)
    goto done;
  if (q->n_items > PL_WO_MAX_ITEMS) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT, "items: at most %d",
                PL_WO_MAX_ITEMS);
    goto done;
  }
  for (size_t i = 0; i < q->n_items; i++)
    if (wo_item_in(r, q->items[i], &in->items[i]) != 0)
      goto done;
  in->n_items = (int32_t)q->n_items;
  in->earliest = q->earliest_min;
  in->latest = q->latest_min;
  in->hold = q->hold;
  in->hold_ttl_ms = q->hold_ttl_ms;
  in->estimate_fen = q->estimate_fen;
  pl_error err = {0};
  int rc = pl_claim_submit(pl_rpc_engine(r), in, pl_rpc_write(r), out, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_claim(r, out);
done:
  free(in);
  free(out);
}

static void get_claim(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ClaimRef *q = (const void *)msg;
  char insurer[PL_CODE_MAX];
  if (tenant(r, pl_rpc_insurer_scope(r), q->insurer, "insurer", insurer))
    return;
  pl_claim c;
  pl_error err = {0};
  int rc =
      pl_claim_get(pl_rpc_engine(r), q->chain, insurer, q->claim_no, &c, &err);
  if (rc != 0)
    pl_rpc_engine_fail(r, rc, &err);
  else
    reply_claim(r, &c);
}

static void list_claims(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__ListClaimsRequest *q = (const void *)msg;
  char insurer[PL_CODE_MAX];
  if (tenant(r, pl_rpc_insurer_scope(r), q->insurer, "insurer", insurer))
    return;
  int cap = pl_list_page(r, q->limit, LIST_DEFAULT, LIST_MAX);
  pl_list_buf b;
  if (cap < 0 ||
      pl_list_alloc(r, &b, cap, sizeof(pl_claim), sizeof(claim_msg)) != 0)
    return;
  pl_claim *cs = b.recs;
  claim_msg *cm = b.msgs;
  pl_error err = {0};
  int n = pl_claim_list(pl_rpc_engine(r), q->chain, insurer, q->after_claim_no,
                        cs, cap, &err);
  if (n < 0) {
    pl_rpc_engine_fail(r, n, &err);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    claim_out(pl_rpc_engine(r), &cm[i], &cs[i]);
    b.ptrs[i] = &cm[i].m;
  }
  Pitlane__V1__ListClaimsResponse resp;
  pitlane__v1__list_claims_response__init(&resp);
  resp.n_claims = (size_t)n;
  resp.claims = (Pitlane__V1__Claim **)b.ptrs;
  resp.next_after_claim_no = n == cap ? cs[n - 1].claim_no : "";
  pl_rpc_reply(r, &resp.base);
out:
  pl_list_free(&b);
}

typedef struct fleet_msgs {
  Pitlane__V1__FleetResult m;
  booking_msg booking;
  slot_msg option;
} fleet_msgs;

static void fleet_batch(pl_rpc *r, const ProtobufCMessage *msg) {
  const Pitlane__V1__FleetBatchRequest *q = (const void *)msg;
  if (q->n_jobs < 1 || q->n_jobs > PL_FLEET_MAX_JOBS ||
      q->n_stores > PL_MAX_QUERY_STORES) {
    pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                "jobs: 1..%d; stores: at most %d", PL_FLEET_MAX_JOBS,
                PL_MAX_QUERY_STORES);
    return;
  }
  size_t n = q->n_jobs;
  pl_fleet_batch in = {0};
  pl_fleet_job *jobs = calloc(n, sizeof *jobs);
  pl_fleet_result *res = calloc(n, sizeof *res);
  fleet_msgs *fm = calloc(n, sizeof *fm);
  Pitlane__V1__FleetResult **fp = calloc(n, sizeof(Pitlane__V1__FleetResult *));
  if (jobs == NULL || res == NULL || fm == NULL || fp == NULL) {
    pl_rpc_fail(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "request: out of memory");
    goto out;
  }
  if (!COPY(r, in.chain, q->chain, "chain") ||
      tenant(r, pl_rpc_fleet_scope(r), q->fleet, "fleet", in.fleet) ||
      !COPY(r, in.idem, q->idempotency_key, "idempotency_key"))
    goto out;
  for (size_t i = 0; i < q->n_stores; i++)
    if (!COPY(r, in.stores[i], q->stores[i], "stores"))
      goto out;
  in.n_stores = (int32_t)q->n_stores;
  for (size_t j = 0; j < n; j++) {
    const Pitlane__V1__FleetJob *jm = q->jobs[j];
    if (wo_vehicle_in(r, jm->vehicle, &jobs[j].vehicle) != 0 ||
        !COPY(r, jobs[j].store, jm->store, "jobs.store"))
      goto out;
    if (jm->n_services > PL_MAX_VISIT) {
      pl_rpc_fail(r, GRPC_STATUS_INVALID_ARGUMENT,
                  "jobs[%zu].services: at most %d", j, PL_MAX_VISIT);
      goto out;
    }
    for (size_t s = 0; s < jm->n_services; s++)
      if (!COPY(r, jobs[j].services[s], jm->services[s], "jobs.services"))
        goto out;
    jobs[j].n_services = (int32_t)jm->n_services;
    jobs[j].earliest = jm->earliest_min;
  }
  in.n_jobs = (int32_t)n;
  in.jobs = jobs;
  in.earliest = q->earliest_min;
  in.latest = q->latest_min;
  in.hold = q->hold;
  in.hold_ttl_ms = q->hold_ttl_ms;
  pl_error err = {0};
  pl_engine *e = pl_rpc_engine(r);
  int got = pl_fleet_schedule(e, &in, pl_rpc_write(r), res, &err);
  if (got < 0) {
    pl_rpc_engine_fail(r, got, &err);
    goto out;
  }
  for (size_t j = 0; j < n; j++) {
    Pitlane__V1__FleetResult *m = &fm[j].m;
    pitlane__v1__fleet_result__init(m);
    m->index = (int32_t)j;
    m->plate = jobs[j].vehicle.plate;
    if (res[j].scheduled) {
      slot_option_out(&fm[j].option, e, in.chain, &res[j].option);
      m->option = &fm[j].option.m;
      if (in.hold) {
        booking_out(&fm[j].booking, &res[j].booking);
        m->booking = &fm[j].booking.m;
      }
    }
    m->error = res[j].error;
    fp[j] = m;
  }
  Pitlane__V1__FleetBatchResponse resp;
  pitlane__v1__fleet_batch_response__init(&resp);
  resp.n_results = n;
  resp.results = fp;
  resp.scheduled = got;
  resp.failed = (int32_t)n - got;
  pl_rpc_reply(r, &resp.base);
out:
  free(jobs);
  free(res);
  free(fm);
  free(fp);
}

#define CLAIMS(name, req, fn) PL_METHOD("Claims", name, req, fn)

const pl_method pl_claims_methods[] = {
    CLAIMS("SubmitClaim", submit_claim_request, submit_claim),
    CLAIMS("GetClaim", claim_ref, get_claim),
    CLAIMS("ListClaims", list_claims_request, list_claims),
    CLAIMS("SubmitFleetBatch", fleet_batch_request, fleet_batch),
};
const int pl_claims_n_methods = PL_N_METHODS(pl_claims_methods);
