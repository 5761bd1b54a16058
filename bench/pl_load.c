/* pl_load.c — a gRPC load generator for pitlaned (C core client).
 *
 *   pl-load --target 127.0.0.1:50051 --scenario get-store
 *           [--concurrency 64] [--seconds 5] [--threads 1] [--warmup 1]
 *           [--key TOKEN] [--chain NAME]
 *
 * Every call also carries `x-pitlane-chain: <its chain>` (the demo chain,
 * or the scheduling scenarios' fresh chain, named by --chain or made up),
 * which a cluster's router (HAProxy, docs/scaling.md) routes on; in a
 * cluster, put that chain in the shard map before the run.
 *
 * Every call carries `authorization: Bearer TOKEN` (--key, else the
 * PITLANE_KEY environment variable; the scheduling scenarios create a
 * chain, so they need a platform admin key, e.g. "platform-admin" from
 * the demo's demo-keys.json).
 *
 * Keeps `concurrency` unary calls in flight per thread (each thread has its
 * own channel and completion queue), for a fixed time, and prints one line
 * of figures comparable run to run:
 *
 *   scenario=get-store calls=N errors=E rate=R/s p50_us=.. p90_us=..
 *   p99_us=.. p999_us=.. max_us=..
 *
 * Scenarios build their requests with the protobuf-c types of proto/:
 *   get-store     Admin/GetStore of the demo chain's stores (read path)
 *   create-part   Admin/CreatePart with a fresh part number each call
 *                 (durable write path: group commit under load)
 *   recommend     Scheduling/RecommendSlots, top 5, on a store of 20 bays
 *                 and 30 technicians (created first, in a fresh chain),
 *                 from a random day of its 60-day horizon
 *   hold-confirm  search-and-book: RecommendSlots (k 1) -> Hold -> Confirm,
 *                 all three durable-acknowledged where they write; the
 *                 latency is the whole sequence; a Hold that loses a race
 *                 (FAILED_PRECONDITION) searches again and is counted as a
 *                 conflict, not an error
 *   get-stock     Inventory/GetStock of OF-1001 at the demo's two store
 *                 warehouses (read path)
 *   receive       Inventory/Receive of 1 unit of OF-1001 into DC-EAST (a
 *                 durable movement: cell row, new lot row, ledger entry)
 *   reserve-release
 *                 Inventory/Reserve then Release of 1 unit of OF-1001 at
 *                 DC-EAST, alternating per call slot, each slot with its
 *                 own work order (durable movements on one hot cell)
 *   insurer       partner insurers under load, mixed with a mini-program:
 *                 --insurers N keys (INS0.., made first with the platform
 *                 key) each on its share of the slots, submitting claims
 *                 (Claims/SubmitClaim on the demo chain: a part reserved,
 *                 slots recommended) and polling each (GetClaim); every
 *                 fourth slot is a mini-program asking RecommendSlots.
 *                 After the run every insurer's claims are listed and
 *                 compared with what was acknowledged: the line gains
 *                 claims_acked, claims_stored, lost and duplicated (a
 *                 claim stored twice, or two claims on one work order),
 *                 and pl-load fails if either is not 0.
 * A scenario's every reply status is checked; errors are counted and the
 * first one printed. The requested load is bounded in count and time and
 * goes to the loopback address given. */
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pitlane/v1/admin.pb-c.h"
#include "pitlane/v1/claims.pb-c.h"
#include "pitlane/v1/inventory.pb-c.h"
#include "pitlane/v1/scheduling.pb-c.h"

/* insurer: claim numbers are "<run>-<thread>-<slot>-<n>", well under the
 * engine's 31 bytes in any run this tool makes */
#define CLAIM_NO_MAX 48

typedef struct opts {
  const char *target, *scenario;
  char bearer[160];    /* "Bearer <token>", or "" to send none */
  grpc_metadata md[2]; /* authorization: bearer; x-pitlane-chain */
  int n_md;
  char chain[32]; /* the fresh chain of the scheduling scenarios */
  /* insurer: the keys made at setup ("Bearer pl_...") and each insurer's
   * metadata (its key; x-pitlane-chain demo), and the run's claim-number
   * prefix */
  int insurers;
  char (*ins_bearer)[160];
  grpc_metadata (*ins_md)[2];
  char run[24];
  int concurrency, threads;
  double seconds, warmup;
} opts;

typedef struct slot slot;

typedef struct loader {
  const opts *o;
  int id;
  pthread_t thread;
  grpc_channel *ch;
  grpc_completion_queue *cq;
  grpc_slice method;
  slot *slots;
  int64_t *lat_ns; /* measured latencies */
  size_t n_lat, cap_lat;
  long calls, errors, conflicts;
  /* insurer: the claim numbers acknowledged, with their insurer */
  char (*acked)[CLAIM_NO_MAX];
  int *acked_ins;
  size_t n_acked, cap_acked;
  char first_error[256];
  long seq;
} loader;

enum step { STEP_ONE, STEP_RECOMMEND, STEP_HOLD, STEP_CONFIRM };

struct slot {
  loader *l;
  enum step step;
  int64_t seq_start_ns;            /* start of a multi-call sequence */
  Pitlane__V1__SlotOption *option; /* from the last RecommendSlots */
  Pitlane__V1__RecommendSlotsResponse *rec;
  int64_t booking_id;
  grpc_call *call;
  grpc_metadata_array md_in, trailers;
  grpc_byte_buffer *req, *resp;
  grpc_status_code status;
  grpc_slice details;
  int64_t start_ns;
  int reserved; /* reserve-release: the slot's work order holds 1 */
  int insurer;  /* insurer: the slot's insurer, -1 for a mini-program */
  long claims;  /* insurer: claims this slot submitted */
  char claim_no[CLAIM_NO_MAX]; /* insurer: the claim to poll ("" = submit) */
  int polling;                 /* insurer: the call in flight is the poll */
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static grpc_byte_buffer *pack(const ProtobufCMessage *m) {
  size_t n = protobuf_c_message_get_packed_size(m);
  grpc_slice s = grpc_slice_malloc(n);
  protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  return bb;
}

static int64_t now_min(void) {
  return (int64_t)time(NULL) / 60;
}

static grpc_byte_buffer *recommend_request(loader *l, int k, int step,
                                           const char **path) {
  Pitlane__V1__RecommendSlotsRequest q =
      PITLANE__V1__RECOMMEND_SLOTS_REQUEST__INIT;
  static char s1[] = "S1";
  char *stores[1] = {s1};
  static char quick[] = "QUICK", maint[] = "MAINT";
  char *svc[1] = {k == 1 ? quick : maint};
  q.chain = (char *)l->o->chain;
  q.n_stores = 1;
  q.stores = stores;
  q.n_services = 1;
  q.services = svc;
  /* a random minute of the horizon, so searches spread like customers */
  unsigned seed = (unsigned)(l->seq++) * 2654435761u + (unsigned)l->id;
  q.earliest_min = now_min() + (int64_t)(rand_r(&seed) % (59 * 1440));
  q.latest_min = now_min() + 61 * 1440;
  q.k = k;
  q.step_min = step;
  *path = "/pitlane.v1.Scheduling/RecommendSlots";
  return pack(&q.base);
}

/* insurer: a claim (new number) or a poll of the last one. */
static grpc_byte_buffer *insurer_request(loader *l, slot *s,
                                         const char **path) {
  static const char *const stores[] = {"SH01", "SH02"};
  s->polling = s->claim_no[0] != '\0';
  if (s->polling) {
    Pitlane__V1__ClaimRef q = PITLANE__V1__CLAIM_REF__INIT;
    q.chain = "demo";
    q.claim_no = s->claim_no;
    *path = "/pitlane.v1.Claims/GetClaim";
    return pack(&q.base);
  }
  long slot_ix = (long)(s - l->slots);
  snprintf(s->claim_no, sizeof s->claim_no, "%s-%d-%ld-%ld", l->o->run, l->id,
           slot_ix, s->claims++);
  Pitlane__V1__Vehicle v = PITLANE__V1__VEHICLE__INIT;
  v.plate = "LOAD-INS";
  Pitlane__V1__ItemInput part = PITLANE__V1__ITEM_INPUT__INIT;
  part.kind = PITLANE__V1__ITEM_KIND__ITEM_KIND_PART;
  part.part_no = "CF-300";
  part.qty = 1;
  Pitlane__V1__ItemInput *items[1] = {&part};
  Pitlane__V1__SubmitClaimRequest q = PITLANE__V1__SUBMIT_CLAIM_REQUEST__INIT;
  q.chain = "demo";
  q.store = (char *)stores[slot_ix & 1];
  q.claim_no = s->claim_no;
  q.vehicle = &v;
  q.damage = "load";
  q.n_items = 1;
  q.items = items;
  q.service = "MAINT";
  *path = "/pitlane.v1.Claims/SubmitClaim";
  return pack(&q.base);
}

/* insurer: a mini-program's slot query on the demo chain. */
static grpc_byte_buffer *app_request(loader *l, const char **path) {
  static char sh1[] = "SH01", sh2[] = "SH02", maint[] = "MAINT";
  char *stores[2] = {sh1, sh2};
  char *svc[1] = {maint};
  Pitlane__V1__RecommendSlotsRequest q =
      PITLANE__V1__RECOMMEND_SLOTS_REQUEST__INIT;
  unsigned seed = (unsigned)(l->seq++) * 2654435761u + (unsigned)l->id;
  q.chain = "demo";
  q.n_stores = 2;
  q.stores = stores;
  q.n_services = 1;
  q.services = svc;
  q.earliest_min = now_min() + (int64_t)(rand_r(&seed) % (20 * 1440));
  q.latest_min = now_min() + 29 * 1440;
  q.k = 5;
  *path = "/pitlane.v1.Scheduling/RecommendSlots";
  return pack(&q.base);
}

/* The next request of the scenario; method path in *path. */
static grpc_byte_buffer *next_request(loader *l, slot *s, const char **path) {
  if (strcmp(l->o->scenario, "insurer") == 0)
    return s->insurer >= 0 ? insurer_request(l, s, path) : app_request(l, path);
  if (strcmp(l->o->scenario, "recommend") == 0)
    return recommend_request(l, 5, 15, path);
  if (strcmp(l->o->scenario, "hold-confirm") == 0) {
    if (s->step == STEP_RECOMMEND || s->option == NULL)
      return recommend_request(l, 1, 5, path);
    if (s->step == STEP_HOLD) {
      Pitlane__V1__HoldRequest q = PITLANE__V1__HOLD_REQUEST__INIT;
      q.chain = (char *)l->o->chain;
      q.store = s->option->store;
      q.n_segments = s->option->n_segments;
      q.segments = s->option->segments;
      q.channel = PITLANE__V1__CHANNEL__CHANNEL_MINI_PROGRAM;
      static char cust[] = "load", plate[] = "LOAD-1";
      q.customer = cust;
      q.plate = plate;
      *path = "/pitlane.v1.Scheduling/Hold";
      return pack(&q.base);
    }
    Pitlane__V1__BookingRef q = PITLANE__V1__BOOKING_REF__INIT;
    q.chain = (char *)l->o->chain;
    q.booking_id = s->booking_id;
    *path = "/pitlane.v1.Scheduling/Confirm";
    return pack(&q.base);
  }
  long n = l->seq++;
  if (strcmp(l->o->scenario, "get-stock") == 0) {
    static const char *const whs[] = {"WH-SH01", "WH-SH02"};
    Pitlane__V1__GetStockRequest q = PITLANE__V1__GET_STOCK_REQUEST__INIT;
    q.chain = "demo";
    q.warehouse = (char *)whs[n & 1];
    q.part_no = "OF-1001";
    *path = "/pitlane.v1.Inventory/GetStock";
    return pack(&q.base);
  }
  if (strcmp(l->o->scenario, "receive") == 0 ||
      strcmp(l->o->scenario, "reserve-release") == 0) {
    char wo[32];
    long slot_ix = (long)(s - l->slots);
    snprintf(wo, sizeof wo, "L%d-%ld", l->id, slot_ix);
    Pitlane__V1__MoveRequest q = PITLANE__V1__MOVE_REQUEST__INIT;
    q.chain = "demo";
    q.warehouse = "DC-EAST";
    q.part_no = "OF-1001";
    q.qty = 1;
    q.actor = "pl-load";
    if (strcmp(l->o->scenario, "receive") == 0) {
      q.unit_cost_fen = 2300;
      *path = "/pitlane.v1.Inventory/Receive";
    } else {
      q.work_order = wo;
      *path = s->reserved ? "/pitlane.v1.Inventory/Release"
                          : "/pitlane.v1.Inventory/Reserve";
    }
    return pack(&q.base);
  }
  if (strcmp(l->o->scenario, "get-store") == 0) {
    static const char *const codes[] = {"SH01", "SH02"};
    Pitlane__V1__GetStoreRequest q = PITLANE__V1__GET_STORE_REQUEST__INIT;
    q.chain = "demo";
    q.code = (char *)codes[n & 1];
    *path = "/pitlane.v1.Admin/GetStore";
    return pack(&q.base);
  }
  /* create-part */
  char no[32];
  snprintf(no, sizeof no, "L%d-%ld-%ld", l->id, (long)time(NULL) % 100000, n);
  Pitlane__V1__Part p = PITLANE__V1__PART__INIT;
  p.chain = "demo";
  p.part_no = no;
  p.name = "load part";
  p.unit = "pc";
  Pitlane__V1__CreatePartRequest q = PITLANE__V1__CREATE_PART_REQUEST__INIT;
  q.part = &p;
  *path = "/pitlane.v1.Admin/CreatePart";
  return pack(&q.base);
}

/* The call's initial metadata: the bearer key (an insurer slot's own,
 * else the run's) and x-pitlane-chain. */
static void send_auth(grpc_op *op, const opts *o, const slot *s) {
  if (s != NULL && s->insurer >= 0 && o->ins_md != NULL) {
    op->data.send_initial_metadata.count = 2;
    op->data.send_initial_metadata.metadata = o->ins_md[s->insurer];
    return;
  }
  op->data.send_initial_metadata.count = (size_t)o->n_md;
  op->data.send_initial_metadata.metadata = (grpc_metadata *)o->md;
}

static void start_call(slot *s) {
  loader *l = s->l;
  const char *path;
  s->req = next_request(l, s, &path);
  grpc_slice method = grpc_slice_from_static_string(path);
  s->call = grpc_channel_create_call(
      l->ch, NULL, GRPC_PROPAGATE_DEFAULTS, l->cq, method, NULL,
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_seconds(30, GPR_TIMESPAN)),
      NULL);
  grpc_metadata_array_init(&s->md_in);
  grpc_metadata_array_init(&s->trailers);
  s->resp = NULL;
  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  send_auth(&ops[0], l->o, s);
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = s->req;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &s->md_in;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &s->resp;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &s->trailers;
  ops[5].data.recv_status_on_client.status = &s->status;
  ops[5].data.recv_status_on_client.status_details = &s->details;
  s->start_ns = now_ns();
  grpc_call_start_batch(s->call, ops, 6, s, NULL);
}

static void *unpack_reply(slot *s, const ProtobufCMessageDescriptor *d) {
  if (s->resp == NULL)
    return NULL;
  grpc_byte_buffer_reader rd;
  if (!grpc_byte_buffer_reader_init(&rd, s->resp))
    return NULL;
  grpc_slice body = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  void *m = protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(body),
                                      GRPC_SLICE_START_PTR(body));
  grpc_slice_unref(body);
  return m;
}

static void note_error(loader *l, slot *s) {
  if (l->errors++ == 0) {
    char *d = grpc_slice_to_c_string(s->details);
    snprintf(l->first_error, sizeof l->first_error, "status %d: %s",
             (int)s->status, d);
    gpr_free(d);
  }
}

/* Advances a hold-confirm sequence; 1 when the sequence completed. */
static int advance(slot *s) {
  if (s->status == GRPC_STATUS_FAILED_PRECONDITION && s->step == STEP_HOLD) {
    s->l->conflicts++;
    s->step = STEP_RECOMMEND;
    return 0;
  }
  if (s->status != GRPC_STATUS_OK) {
    note_error(s->l, s);
    s->step = STEP_RECOMMEND;
    return 1;
  }
  if (s->step == STEP_RECOMMEND) {
    if (s->rec != NULL)
      protobuf_c_message_free_unpacked(&s->rec->base, NULL);
    s->rec =
        unpack_reply(s, &pitlane__v1__recommend_slots_response__descriptor);
    s->option =
        s->rec != NULL && s->rec->n_options > 0 ? s->rec->options[0] : NULL;
    s->step = s->option != NULL ? STEP_HOLD : STEP_RECOMMEND;
    return 0;
  }
  if (s->step == STEP_HOLD) {
    Pitlane__V1__Booking *b =
        unpack_reply(s, &pitlane__v1__booking__descriptor);
    s->booking_id = b != NULL ? b->id : 0;
    if (b != NULL)
      protobuf_c_message_free_unpacked(&b->base, NULL);
    s->step = STEP_CONFIRM;
    return 0;
  }
  s->step = STEP_RECOMMEND;
  return 1;
}

/* insurer: an acknowledged claim is remembered for the check after the
 * run; a failed one is not polled. */
static void insurer_reply(loader *l, slot *s) {
  if (s->status != GRPC_STATUS_OK) {
    note_error(l, s);
    s->claim_no[0] = '\0';
    return;
  }
  if (s->polling) {
    s->claim_no[0] = '\0';
    return;
  }
  if (l->n_acked == l->cap_acked) {
    l->cap_acked = l->cap_acked ? l->cap_acked * 2 : 4096;
    l->acked = realloc(l->acked, l->cap_acked * sizeof *l->acked);
    l->acked_ins = realloc(l->acked_ins, l->cap_acked * sizeof *l->acked_ins);
    if (l->acked == NULL || l->acked_ins == NULL)
      abort(); /* a load generator without memory has nothing to report */
  }
  memcpy(l->acked[l->n_acked], s->claim_no, sizeof s->claim_no);
  l->acked_ins[l->n_acked++] = s->insurer;
}

/* Releases the call; returns 1 if a measured unit of work completed. */
static int finish_call(slot *s, int64_t *unit_start) {
  loader *l = s->l;
  int done = 1;
  *unit_start = s->start_ns;
  if (s->insurer >= 0) {
    insurer_reply(l, s);
  } else if (strcmp(l->o->scenario, "hold-confirm") == 0) {
    if (s->step == STEP_RECOMMEND && s->seq_start_ns == 0)
      s->seq_start_ns = s->start_ns;
    *unit_start = s->seq_start_ns;
    done = advance(s);
    if (done)
      s->seq_start_ns = 0;
  } else if (s->status != GRPC_STATUS_OK) {
    note_error(l, s);
  }
  if (s->status == GRPC_STATUS_OK)
    s->reserved = !s->reserved;
  grpc_byte_buffer_destroy(s->req);
  if (s->resp != NULL)
    grpc_byte_buffer_destroy(s->resp);
  grpc_slice_unref(s->details);
  grpc_metadata_array_destroy(&s->md_in);
  grpc_metadata_array_destroy(&s->trailers);
  grpc_call_unref(s->call);
  return done;
}

static void record(loader *l, int64_t dt) {
  l->calls++;
  if (l->n_lat == l->cap_lat) {
    l->cap_lat = l->cap_lat ? l->cap_lat * 2 : 65536;
    l->lat_ns = realloc(l->lat_ns, l->cap_lat * sizeof *l->lat_ns);
  }
  l->lat_ns[l->n_lat++] = dt;
}

static void *loader_main(void *arg) {
  loader *l = arg;
  const opts *o = l->o;
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  l->ch = grpc_channel_create(o->target, creds, NULL);
  grpc_channel_credentials_release(creds);
  l->cq = grpc_completion_queue_create_for_next(NULL);
  l->slots = calloc((size_t)o->concurrency, sizeof *l->slots);
  int64_t t0 = now_ns();
  int64_t measure_from = t0 + (int64_t)(o->warmup * 1e9);
  int64_t stop_at = measure_from + (int64_t)(o->seconds * 1e9);
  int insurer = strcmp(o->scenario, "insurer") == 0;
  for (int i = 0; i < o->concurrency; i++) {
    l->slots[i].l = l;
    l->slots[i].step = STEP_RECOMMEND;
    /* insurer: three slots in four are insurers' (round robin), the
     * fourth a mini-program's */
    l->slots[i].insurer =
        insurer && i % 4 != 3 ? (i - i / 4) % o->insurers : -1;
    start_call(&l->slots[i]);
  }
  int in_flight = o->concurrency;
  while (in_flight > 0) {
    grpc_event ev = grpc_completion_queue_next(
        l->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      break;
    slot *s = ev.tag;
    int64_t t = now_ns(), unit_start;
    int done = finish_call(s, &unit_start);
    if (done && unit_start >= measure_from && t <= stop_at)
      record(l, t - unit_start);
    if (t < stop_at || !done) {
      if (t >= stop_at + 5000000000LL) { /* a sequence that never ends */
        in_flight--;
        continue;
      }
      if (t < stop_at || s->step != STEP_RECOMMEND)
        start_call(s);
      else
        in_flight--;
    } else {
      in_flight--;
    }
  }
  grpc_channel_destroy(l->ch);
  grpc_completion_queue_shutdown(l->cq);
  while (grpc_completion_queue_next(l->cq, gpr_inf_future(GPR_CLOCK_REALTIME),
                                    NULL)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(l->cq);
  for (int i = 0; i < o->concurrency; i++)
    if (l->slots[i].rec != NULL)
      protobuf_c_message_free_unpacked(&l->slots[i].rec->base, NULL);
  free(l->slots);
  return NULL;
}

/* One blocking unary call (setup and checks). Returns the status code;
 * with d, *reply is the decoded answer (caller frees) or NULL. */
static grpc_status_code unary_reply(grpc_channel *ch, const opts *o,
                                    const char *path,
                                    const ProtobufCMessage *req,
                                    const ProtobufCMessageDescriptor *desc,
                                    void **reply, char *why, size_t why_len) {
  grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_call *call = grpc_channel_create_call(
      ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
      grpc_slice_from_static_string(path), NULL,
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_seconds(30, GPR_TIMESPAN)),
      NULL);
  grpc_byte_buffer *bb = pack(req), *resp = NULL;
  grpc_metadata_array md, tr;
  grpc_metadata_array_init(&md);
  grpc_metadata_array_init(&tr);
  grpc_status_code status = GRPC_STATUS_UNKNOWN;
  grpc_slice details = grpc_empty_slice();
  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  send_auth(&ops[0], o, NULL);
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = bb;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &resp;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &tr;
  ops[5].data.recv_status_on_client.status = &status;
  ops[5].data.recv_status_on_client.status_details = &details;
  int tag;
  grpc_call_start_batch(call, ops, 6, &tag, NULL);
  grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME),
                              NULL);
  if (status != GRPC_STATUS_OK) {
    char *d = grpc_slice_to_c_string(details);
    snprintf(why, why_len, "%s: status %d: %s", path, (int)status, d);
    gpr_free(d);
  }
  grpc_byte_buffer_destroy(bb);
  if (desc != NULL) {
    *reply = NULL;
    if (status == GRPC_STATUS_OK && resp != NULL) {
      grpc_byte_buffer_reader rd;
      if (grpc_byte_buffer_reader_init(&rd, resp)) {
        grpc_slice body = grpc_byte_buffer_reader_readall(&rd);
        grpc_byte_buffer_reader_destroy(&rd);
        *reply = protobuf_c_message_unpack(desc, NULL, GRPC_SLICE_LENGTH(body),
                                           GRPC_SLICE_START_PTR(body));
        grpc_slice_unref(body);
      }
    }
  }
  if (resp != NULL)
    grpc_byte_buffer_destroy(resp);
  grpc_slice_unref(details);
  grpc_metadata_array_destroy(&md);
  grpc_metadata_array_destroy(&tr);
  grpc_call_unref(call);
  grpc_completion_queue_shutdown(cq);
  grpc_completion_queue_destroy(cq);
  return status;
}

static grpc_status_code unary(grpc_channel *ch, const opts *o, const char *path,
                              const ProtobufCMessage *req, char *why,
                              size_t why_len) {
  return unary_reply(ch, o, path, req, NULL, NULL, why, why_len);
}

/* A fresh chain for the scheduling scenarios: store S1 with 20 lifts and
 * 30 technicians, open 08:00-18:00 daily, 60 days ahead; services QUICK
 * (5 min) and MAINT (60 min). */
static int setup_chain(const opts *o, char *why, size_t why_len) {
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(o->target, creds, NULL);
  grpc_channel_credentials_release(creds);
  char *chain = (char *)o->chain;
  int rc = 0;
  Pitlane__V1__Chain c = PITLANE__V1__CHAIN__INIT;
  c.code = chain;
  c.name = chain;
  Pitlane__V1__CreateChainRequest cq = PITLANE__V1__CREATE_CHAIN_REQUEST__INIT;
  cq.chain = &c;
  rc |= unary(ch, o, "/pitlane.v1.Admin/CreateChain", &cq.base, why, why_len);
  Pitlane__V1__Store st = PITLANE__V1__STORE__INIT;
  static char s1[] = "S1", sname[] = "load store";
  st.chain = chain;
  st.code = s1;
  st.name = sname;
  st.utc_offset_min = 480;
  Pitlane__V1__CreateStoreRequest sq = PITLANE__V1__CREATE_STORE_REQUEST__INIT;
  sq.store = &st;
  rc |= unary(ch, o, "/pitlane.v1.Admin/CreateStore", &sq.base, why, why_len);
  for (int i = 0; rc == 0 && i < 20; i++) {
    char code[8];
    snprintf(code, sizeof code, "B%02d", i);
    Pitlane__V1__Bay b = PITLANE__V1__BAY__INIT;
    b.chain = chain;
    b.store = s1;
    b.code = code;
    b.type = PITLANE__V1__BAY_TYPE__BAY_TYPE_GENERAL_LIFT;
    Pitlane__V1__CreateBayRequest bq = PITLANE__V1__CREATE_BAY_REQUEST__INIT;
    bq.bay = &b;
    rc |= unary(ch, o, "/pitlane.v1.Admin/CreateBay", &bq.base, why, why_len);
  }
  for (int i = 0; rc == 0 && i < 30; i++) {
    char code[8];
    snprintf(code, sizeof code, "T%02d", i);
    Pitlane__V1__SkillLevel sk = PITLANE__V1__SKILL_LEVEL__INIT;
    sk.skill = PITLANE__V1__SKILL__SKILL_ENGINE;
    sk.level = 3;
    Pitlane__V1__SkillLevel *skp = &sk;
    Pitlane__V1__Technician t = PITLANE__V1__TECHNICIAN__INIT;
    t.chain = chain;
    t.store = s1;
    t.code = code;
    t.name = code;
    t.n_skills = 1;
    t.skills = &skp;
    Pitlane__V1__CreateTechnicianRequest tq =
        PITLANE__V1__CREATE_TECHNICIAN_REQUEST__INIT;
    tq.technician = &t;
    rc |= unary(ch, o, "/pitlane.v1.Admin/CreateTechnician", &tq.base, why,
                why_len);
  }
  Pitlane__V1__LocalRange wk[7], *wkp[7];
  for (int d = 0; d < 7; d++) {
    pitlane__v1__local_range__init(&wk[d]);
    wk[d].start_min = 8 * 60;
    wk[d].end_min = 18 * 60;
    wkp[d] = &wk[d];
  }
  Pitlane__V1__StoreHours h = PITLANE__V1__STORE_HOURS__INIT;
  h.chain = chain;
  h.store = s1;
  h.n_week = 7;
  h.week = wkp;
  h.horizon_days = 60;
  Pitlane__V1__SetStoreHoursRequest hq =
      PITLANE__V1__SET_STORE_HOURS_REQUEST__INIT;
  hq.hours = &h;
  if (rc == 0)
    rc |=
        unary(ch, o, "/pitlane.v1.Admin/SetStoreHours", &hq.base, why, why_len);
  static const struct {
    const char *code;
    int dur;
  } svcs[] = {{"QUICK", 5}, {"MAINT", 60}};
  for (int i = 0; rc == 0 && i < 2; i++) {
    Pitlane__V1__Service sv = PITLANE__V1__SERVICE__INIT;
    sv.chain = chain;
    sv.code = (char *)svcs[i].code;
    sv.name = (char *)svcs[i].code;
    sv.bay_type = PITLANE__V1__BAY_TYPE__BAY_TYPE_GENERAL_LIFT;
    sv.skill = PITLANE__V1__SKILL__SKILL_ENGINE;
    sv.min_level = 2;
    sv.duration_min = svcs[i].dur;
    sv.technicians = 1;
    Pitlane__V1__CreateServiceRequest vq =
        PITLANE__V1__CREATE_SERVICE_REQUEST__INIT;
    vq.service = &sv;
    rc |=
        unary(ch, o, "/pitlane.v1.Admin/CreateService", &vq.base, why, why_len);
  }
  grpc_channel_destroy(ch);
  return rc == 0 ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b);

/* insurer: one key per insurer INS<i> on the demo chain, made with the
 * run's (platform) key. */
static int setup_insurers(opts *o, char *why, size_t why_len) {
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(o->target, creds, NULL);
  grpc_channel_credentials_release(creds);
  o->ins_bearer = calloc((size_t)o->insurers, sizeof *o->ins_bearer);
  o->ins_md = calloc((size_t)o->insurers, sizeof *o->ins_md);
  int rc = o->ins_bearer == NULL || o->ins_md == NULL ? -1 : 0;
  for (int i = 0; rc == 0 && i < o->insurers; i++) {
    char tenant[32];
    snprintf(tenant, sizeof tenant, "INS%d", i);
    char *chains[1] = {"demo"};
    Pitlane__V1__Role roles[1] = {PITLANE__V1__ROLE__ROLE_INSURER};
    Pitlane__V1__ApiKey k = PITLANE__V1__API_KEY__INIT;
    k.tenant_kind = PITLANE__V1__TENANT_KIND__TENANT_KIND_INSURER;
    k.tenant = tenant;
    k.n_chains = 1;
    k.chains = chains;
    k.n_roles = 1;
    k.roles = roles;
    k.label = "pl-load insurer";
    Pitlane__V1__CreateApiKeyRequest q =
        PITLANE__V1__CREATE_API_KEY_REQUEST__INIT;
    q.key = &k;
    Pitlane__V1__CreateApiKeyResponse *r = NULL;
    if (unary_reply(ch, o, "/pitlane.v1.Admin/CreateApiKey", &q.base,
                    &pitlane__v1__create_api_key_response__descriptor,
                    (void **)&r, why, why_len) != GRPC_STATUS_OK ||
        r == NULL) {
      rc = -1;
      break;
    }
    snprintf(o->ins_bearer[i], sizeof o->ins_bearer[i], "Bearer %s", r->token);
    o->ins_md[i][0].key = grpc_slice_from_static_string("authorization");
    o->ins_md[i][0].value = grpc_slice_from_static_string(o->ins_bearer[i]);
    o->ins_md[i][1].key = grpc_slice_from_static_string("x-pitlane-chain");
    o->ins_md[i][1].value = grpc_slice_from_static_string("demo");
    protobuf_c_message_free_unpacked(&r->base, NULL);
  }
  grpc_channel_destroy(ch);
  return rc;
}

static int cmp_claim_no(const void *a, const void *b) {
  return strcmp(a, b);
}

/* insurer: every acknowledged claim must be stored once, each on a work
 * order of its own; lists every insurer's claims of this run (the
 * insurer's own key: isolation holds too) and compares. */
static int check_claims(opts *o, loader *ls, long *stored_out, long *lost_out,
                        long *dup_out, char *why, size_t why_len) {
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(o->target, creds, NULL);
  grpc_channel_credentials_release(creds);
  size_t n_ack = 0, n_st = 0, cap_st = 4096;
  for (int t = 0; t < o->threads; t++)
    n_ack += ls[t].n_acked;
  char(*ack)[CLAIM_NO_MAX] = malloc((n_ack ? n_ack : 1) * sizeof *ack);
  char(*st)[CLAIM_NO_MAX] = malloc(cap_st * sizeof *st);
  int64_t *wo = malloc(cap_st * sizeof *wo);
  int rc = ack == NULL || st == NULL || wo == NULL ? -1 : 0;
  size_t k = 0;
  for (int t = 0; rc == 0 && t < o->threads; t++)
    for (size_t i = 0; i < ls[t].n_acked; i++)
      memcpy(ack[k++], ls[t].acked[i], CLAIM_NO_MAX);
  opts as_ins = *o; /* each insurer lists with its own key */
  for (int i = 0; rc == 0 && i < o->insurers; i++) {
    memcpy(as_ins.bearer, o->ins_bearer[i], sizeof as_ins.bearer);
    as_ins.md[0] = o->ins_md[i][0];
    as_ins.md[1] = o->ins_md[i][1];
    as_ins.n_md = 2;
    char after[32] = "";
    for (;;) {
      Pitlane__V1__ListClaimsRequest q = PITLANE__V1__LIST_CLAIMS_REQUEST__INIT;
      q.chain = "demo";
      q.limit = 1000;
      q.after_claim_no = after;
      Pitlane__V1__ListClaimsResponse *r = NULL;
      if (unary_reply(ch, &as_ins, "/pitlane.v1.Claims/ListClaims", &q.base,
                      &pitlane__v1__list_claims_response__descriptor,
                      (void **)&r, why, why_len) != GRPC_STATUS_OK ||
          r == NULL) {
        rc = -1;
        break;
      }
      for (size_t c = 0; c < r->n_claims; c++) {
        const Pitlane__V1__Claim *cl = r->claims[c];
        if (strncmp(cl->claim_no, o->run, strlen(o->run)) != 0)
          continue;
        if (n_st == cap_st) {
          cap_st *= 2;
          st = realloc(st, cap_st * sizeof *st);
          wo = realloc(wo, cap_st * sizeof *wo);
          if (st == NULL || wo == NULL)
            abort();
        }
        snprintf(st[n_st], CLAIM_NO_MAX, "%s", cl->claim_no);
        wo[n_st++] = cl->work_order_id;
      }
      size_t got = r->n_claims;
      snprintf(after, sizeof after, "%s", r->next_after_claim_no);
      protobuf_c_message_free_unpacked(&r->base, NULL);
      if (got < 1000 || after[0] == '\0')
        break;
    }
  }
  long lost = 0, dup = 0;
  if (rc == 0) {
    qsort(ack, n_ack, sizeof *ack, cmp_claim_no);
    qsort(wo, n_st, sizeof *wo, cmp_i64);
    for (size_t i = 1; i < n_st; i++)
      dup += wo[i] == wo[i - 1];
    qsort(st, n_st, sizeof *st, cmp_claim_no);
    for (size_t i = 1; i < n_st; i++)
      dup += strcmp(st[i], st[i - 1]) == 0;
    for (size_t i = 0; i < n_ack; i++)
      lost += bsearch(ack[i], st, n_st, sizeof *st, cmp_claim_no) == NULL;
  }
  *stored_out = (long)n_st;
  *lost_out = lost;
  *dup_out = dup;
  free(ack);
  free(st);
  free(wo);
  grpc_channel_destroy(ch);
  return rc;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void usage(void) {
  fprintf(stderr, "usage: pl-load --target HOST:PORT --scenario "
                  "get-store|create-part|recommend|hold-confirm|get-stock|\n"
                  "receive|reserve-release|insurer "
                  "[--concurrency N] [--seconds S] "
                  "[--threads T] [--warmup S] [--key TOKEN] [--chain NAME]\n"
                  "[--insurers N] "
                  "(the key: --key, else $PITLANE_KEY)\n");
}

int main(int argc, char **argv) {
  opts o = {.target = "127.0.0.1:50051",
            .scenario = "get-store",
            .concurrency = 64,
            .threads = 1,
            .seconds = 5.0,
            .warmup = 1.0,
            .insurers = 8};
  const char *key = getenv("PITLANE_KEY");
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) {
      usage();
      return 2;
    }
    if (strcmp(a, "--target") == 0)
      o.target = v;
    else if (strcmp(a, "--scenario") == 0)
      o.scenario = v;
    else if (strcmp(a, "--concurrency") == 0)
      o.concurrency = atoi(v);
    else if (strcmp(a, "--threads") == 0)
      o.threads = atoi(v);
    else if (strcmp(a, "--seconds") == 0)
      o.seconds = atof(v);
    else if (strcmp(a, "--warmup") == 0)
      o.warmup = atof(v);
    else if (strcmp(a, "--key") == 0)
      key = v;
    else if (strcmp(a, "--insurers") == 0)
      o.insurers = atoi(v);
    else if (strcmp(a, "--chain") == 0 && strlen(v) < sizeof o.chain)
      snprintf(o.chain, sizeof o.chain, "%s", v);
    else {
      usage();
      return 2;
    }
    i++;
  }
  int sched = strcmp(o.scenario, "recommend") == 0 ||
              strcmp(o.scenario, "hold-confirm") == 0;
  if (strcmp(o.scenario, "get-store") != 0 &&
      strcmp(o.scenario, "create-part") != 0 && !sched &&
      strcmp(o.scenario, "get-stock") != 0 &&
      strcmp(o.scenario, "receive") != 0 &&
      strcmp(o.scenario, "reserve-release") != 0 &&
      strcmp(o.scenario, "insurer") != 0) {
    usage();
    return 2;
  }
  if (o.concurrency < 1 || o.concurrency > 10000 || o.threads < 1 ||
      o.threads > 64 || o.seconds <= 0 || o.seconds > 600 || o.warmup < 0 ||
      o.insurers < 1 || o.insurers > 1000) {
    usage();
    return 2;
  }
  if (key != NULL && key[0] != '\0') {
    if ((size_t)snprintf(o.bearer, sizeof o.bearer, "Bearer %s", key) >=
        sizeof o.bearer) {
      fprintf(stderr, "pl-load: --key: too long\n");
      return 2;
    }
    o.md[o.n_md].key = grpc_slice_from_static_string("authorization");
    o.md[o.n_md++].value = grpc_slice_from_static_string(o.bearer);
  }
  if (sched && o.chain[0] == '\0')
    snprintf(o.chain, sizeof o.chain, "load-%ld-%d", (long)time(NULL) % 1000000,
             (int)getpid() % 100000);
  /* Every call names its chain for a router (HAProxy in a cluster). */
  o.md[o.n_md].key = grpc_slice_from_static_string("x-pitlane-chain");
  o.md[o.n_md++].value =
      grpc_slice_from_static_string(sched ? o.chain : "demo");
  grpc_init();
  if (sched) {
    char why[512] = "";
    if (setup_chain(&o, why, sizeof why) != 0) {
      fprintf(stderr, "pl-load: setup: %s\n", why);
      return 1;
    }
  }
  int insurer = strcmp(o.scenario, "insurer") == 0;
  if (insurer) {
    char why[512] = "";
    snprintf(o.run, sizeof o.run, "R%ld-%d", (long)time(NULL) % 1000000,
             (int)getpid() % 100000);
    if (setup_insurers(&o, why, sizeof why) != 0) {
      fprintf(stderr, "pl-load: insurer keys: %s\n", why);
      return 1;
    }
  }
  loader *ls = calloc((size_t)o.threads, sizeof *ls);
  for (int i = 0; i < o.threads; i++) {
    ls[i].o = &o;
    ls[i].id = i;
    pthread_create(&ls[i].thread, NULL, loader_main, &ls[i]);
  }
  long calls = 0, errors = 0, conflicts = 0;
  size_t n = 0;
  for (int i = 0; i < o.threads; i++) {
    pthread_join(ls[i].thread, NULL);
    calls += ls[i].calls;
    errors += ls[i].errors;
    conflicts += ls[i].conflicts;
    n += ls[i].n_lat;
  }
  int64_t *all = malloc((n ? n : 1) * sizeof *all);
  size_t k = 0;
  for (int i = 0; i < o.threads; i++) {
    memcpy(all + k, ls[i].lat_ns, ls[i].n_lat * sizeof *all);
    k += ls[i].n_lat;
    if (ls[i].errors > 0)
      fprintf(stderr, "pl-load: first error: %s\n", ls[i].first_error);
  }
  qsort(all, n, sizeof *all, cmp_i64);
#define PCT(p) (n ? all[(size_t)((double)(n - 1) * (p))] / 1000.0 : 0.0)
  printf("scenario=%s concurrency=%d threads=%d calls=%ld errors=%ld "
         "conflicts=%ld rate=%.0f/s p50_us=%.1f p90_us=%.1f p99_us=%.1f "
         "p999_us=%.1f max_us=%.1f\n",
         o.scenario, o.concurrency, o.threads, calls, errors, conflicts,
         (double)calls / o.seconds, PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999),
         PCT(1.0));
  long lost = 0, dup = 0;
  if (insurer) {
    long acked = 0, stored = 0;
    char why[512] = "";
    for (int i = 0; i < o.threads; i++)
      acked += (long)ls[i].n_acked;
    if (check_claims(&o, ls, &stored, &lost, &dup, why, sizeof why) != 0) {
      fprintf(stderr, "pl-load: claims check: %s\n", why);
      lost = -1;
    }
    printf("scenario=insurer insurers=%d claims_acked=%ld claims_stored=%ld "
           "lost=%ld duplicated=%ld\n",
           o.insurers, acked, stored, lost, dup);
    free(o.ins_bearer);
    free(o.ins_md);
  }
  for (int i = 0; i < o.threads; i++) {
    free(ls[i].lat_ns);
    free(ls[i].acked);
    free(ls[i].acked_ins);
  }
  free(ls);
  free(all);
  grpc_shutdown();
  return errors > 0 || lost != 0 || dup != 0 ? 1 : 0;
}
