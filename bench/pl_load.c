/* pl_load.c — a gRPC load generator for pitlaned (C core client).
 *
 *   pl-load --target 127.0.0.1:50051 --scenario get-store
 *           [--concurrency 64] [--seconds 5] [--threads 1] [--warmup 1]
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
 *   get-stock     Inventory/GetStock of OF-1001 at the demo's two store
 *                 warehouses (read path)
 *   receive       Inventory/Receive of 1 unit of OF-1001 into DC-EAST (a
 *                 durable movement: cell row, new lot row, ledger entry)
 *   reserve-release
 *                 Inventory/Reserve then Release of 1 unit of OF-1001 at
 *                 DC-EAST, alternating per call slot, each slot with its
 *                 own work order (durable movements on one hot cell)
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

#include "pitlane/v1/admin.pb-c.h"
#include "pitlane/v1/inventory.pb-c.h"

typedef struct opts {
  const char *target, *scenario;
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
  long calls, errors;
  char first_error[256];
  long seq;
} loader;

struct slot {
  loader *l;
  grpc_call *call;
  grpc_metadata_array md_in, trailers;
  grpc_byte_buffer *req, *resp;
  grpc_status_code status;
  grpc_slice details;
  int64_t start_ns;
  int reserved; /* reserve-release: the slot's work order holds 1 */
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

/* The next request of the scenario; method path in *path. */
static grpc_byte_buffer *next_request(loader *l, const slot *s,
                                      const char **path) {
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

static void finish_call(slot *s, int measure) {
  loader *l = s->l;
  int64_t dt = now_ns() - s->start_ns;
  if (measure) {
    l->calls++;
    if (s->status != GRPC_STATUS_OK) {
      if (l->errors++ == 0) {
        char *d = grpc_slice_to_c_string(s->details);
        snprintf(l->first_error, sizeof l->first_error, "status %d: %s",
                 (int)s->status, d);
        gpr_free(d);
      }
    }
    if (l->n_lat == l->cap_lat) {
      l->cap_lat = l->cap_lat ? l->cap_lat * 2 : 65536;
      l->lat_ns = realloc(l->lat_ns, l->cap_lat * sizeof *l->lat_ns);
    }
    l->lat_ns[l->n_lat++] = dt;
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
  for (int i = 0; i < o->concurrency; i++) {
    l->slots[i].l = l;
    start_call(&l->slots[i]);
  }
  int in_flight = o->concurrency;
  while (in_flight > 0) {
    grpc_event ev = grpc_completion_queue_next(
        l->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      break;
    slot *s = ev.tag;
    int64_t t = now_ns();
    finish_call(s, s->start_ns >= measure_from && t <= stop_at);
    if (t < stop_at)
      start_call(s);
    else
      in_flight--;
  }
  grpc_channel_destroy(l->ch);
  grpc_completion_queue_shutdown(l->cq);
  while (grpc_completion_queue_next(l->cq, gpr_inf_future(GPR_CLOCK_REALTIME),
                                    NULL)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(l->cq);
  free(l->slots);
  return NULL;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void usage(void) {
  fprintf(stderr, "usage: pl-load --target HOST:PORT --scenario "
                  "get-store|create-part|get-stock|receive|reserve-release "
                  "[--concurrency N] [--seconds S] "
                  "[--threads T] [--warmup S]\n");
}

int main(int argc, char **argv) {
  opts o = {"127.0.0.1:50051", "get-store", 64, 1, 5.0, 1.0};
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
    else {
      usage();
      return 2;
    }
    i++;
  }
  if (strcmp(o.scenario, "get-store") != 0 &&
      strcmp(o.scenario, "create-part") != 0 &&
      strcmp(o.scenario, "get-stock") != 0 &&
      strcmp(o.scenario, "receive") != 0 &&
      strcmp(o.scenario, "reserve-release") != 0) {
    usage();
    return 2;
  }
  if (o.concurrency < 1 || o.concurrency > 10000 || o.threads < 1 ||
      o.threads > 64 || o.seconds <= 0 || o.seconds > 600 || o.warmup < 0) {
    usage();
    return 2;
  }
  grpc_init();
  loader *ls = calloc((size_t)o.threads, sizeof *ls);
  for (int i = 0; i < o.threads; i++) {
    ls[i].o = &o;
    ls[i].id = i;
    pthread_create(&ls[i].thread, NULL, loader_main, &ls[i]);
  }
  long calls = 0, errors = 0;
  size_t n = 0;
  for (int i = 0; i < o.threads; i++) {
    pthread_join(ls[i].thread, NULL);
    calls += ls[i].calls;
    errors += ls[i].errors;
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
         "rate=%.0f/s p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f "
         "max_us=%.1f\n",
         o.scenario, o.concurrency, o.threads, calls, errors,
         (double)calls / o.seconds, PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999),
         PCT(1.0));
  for (int i = 0; i < o.threads; i++)
    free(ls[i].lat_ns);
  free(ls);
  free(all);
  grpc_shutdown();
  return errors > 0 ? 1 : 0;
}
