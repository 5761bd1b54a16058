/* metrics.c — the Prometheus registry and its HTTP endpoint (metrics.h).
 *
 * Per method a row of counters: calls by status (17 gRPC codes) and a
 * latency histogram (non-cumulative buckets, made cumulative when
 * rendered). Row n is the unknown method. Only rows with calls are
 * rendered, so the page stays small; the engine's and RocksDB's numbers
 * are read at scrape time (pl_engine_stats_get). */
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitlane/stats.h"
#include "server.h"
#include "shardmap.h"

#define N_CODES 17
#define N_LAT 14
static const int64_t lat_bounds_us[N_LAT - 1] = {
    250,   500,    1000,   2500,   5000,    10000,  25000,
    50000, 100000, 250000, 500000, 1000000, 2500000};

static const char *const code_names[N_CODES] = {"OK",
                                                "CANCELLED",
                                                "UNKNOWN",
                                                "INVALID_ARGUMENT",
                                                "DEADLINE_EXCEEDED",
                                                "NOT_FOUND",
                                                "ALREADY_EXISTS",
                                                "PERMISSION_DENIED",
                                                "RESOURCE_EXHAUSTED",
                                                "FAILED_PRECONDITION",
                                                "ABORTED",
                                                "OUT_OF_RANGE",
                                                "UNIMPLEMENTED",
                                                "INTERNAL",
                                                "UNAVAILABLE",
                                                "DATA_LOSS",
                                                "UNAUTHENTICATED"};

typedef struct row {
  atomic_ullong calls[N_CODES];
  atomic_ullong lat[N_LAT];
  atomic_ullong lat_sum_us;
} row;

struct pl_metrics {
  const pl_method *methods;
  int n;
  row *rows; /* n + 1 */
  atomic_ullong rate_limited;
  atomic_ullong scrapes;
  struct MHD_Daemon *daemon;
  pl_ops *ops;
};

pl_metrics *pl_metrics_new(const pl_method *methods, int n) {
  pl_metrics *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->rows = calloc((size_t)n + 1, sizeof *m->rows);
  if (m->rows == NULL) {
    free(m);
    return NULL;
  }
  m->methods = methods;
  m->n = n;
  return m;
}

void pl_metrics_free(pl_metrics *m) {
  if (m == NULL)
    return;
  if (m->daemon != NULL)
    MHD_stop_daemon(m->daemon);
  free(m->rows);
  free(m);
}

void pl_metrics_call(pl_metrics *m, int method, grpc_status_code code,
                     int64_t latency_us) {
  if (m == NULL)
    return;
  row *r = &m->rows[method >= 0 && method < m->n ? method : m->n];
  int c = (int)code >= 0 && (int)code < N_CODES ? (int)code : 2;
  atomic_fetch_add_explicit(&r->calls[c], 1, memory_order_relaxed);
  int b = 0;
  while (b < N_LAT - 1 && latency_us > lat_bounds_us[b])
    b++;
  atomic_fetch_add_explicit(&r->lat[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&r->lat_sum_us,
                            (uint64_t)(latency_us > 0 ? latency_us : 0),
                            memory_order_relaxed);
  if (code == GRPC_STATUS_RESOURCE_EXHAUSTED)
    atomic_fetch_add_explicit(&m->rate_limited, 1, memory_order_relaxed);
}

/* A growing text buffer; oom set once an append failed. */
typedef struct sbuf {
  char *p;
  size_t n, cap;
  int oom;
} sbuf;

__attribute__((format(printf, 2, 3))) static void put(sbuf *b, const char *fmt,
                                                      ...) {
  if (b->oom)
    return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = 1;
      return;
    }
    if ((size_t)k < b->cap - b->n) {
      b->n += (size_t)k;
      return;
    }
    size_t nc = b->cap * 2 + (size_t)k + 256;
    char *g = realloc(b->p, nc);
    if (g == NULL) {
      b->oom = 1;
      return;
    }
    b->p = g;
    b->cap = nc;
  }
}

static void render_calls(pl_metrics *m, sbuf *b) {
  put(b, "# HELP pitlane_rpc_calls_total Unary calls finished, by method and "
         "status.\n# TYPE pitlane_rpc_calls_total counter\n");
  for (int i = 0; i <= m->n; i++) {
    const char *path = i < m->n ? m->methods[i].path : "unknown";
    for (int c = 0; c < N_CODES; c++) {
      uint64_t v =
          atomic_load_explicit(&m->rows[i].calls[c], memory_order_relaxed);
      if (v > 0)
        put(b, "pitlane_rpc_calls_total{method=\"%s\",code=\"%s\"} %llu\n",
            path, code_names[c], (unsigned long long)v);
    }
  }
  put(b, "# HELP pitlane_rpc_latency_seconds Unary call latency, arrival to "
         "status.\n# TYPE pitlane_rpc_latency_seconds histogram\n");
  for (int i = 0; i <= m->n; i++) {
    const row *r = &m->rows[i];
    uint64_t cum = 0, tot = 0;
    for (int k = 0; k < N_LAT; k++)
      tot += atomic_load_explicit(&r->lat[k], memory_order_relaxed);
    if (tot == 0)
      continue;
    const char *path = i < m->n ? m->methods[i].path : "unknown";
    for (int k = 0; k < N_LAT; k++) {
      cum += atomic_load_explicit(&r->lat[k], memory_order_relaxed);
      if (k < N_LAT - 1)
        put(b,
            "pitlane_rpc_latency_seconds_bucket{method=\"%s\",le=\"%g\"} "
            "%llu\n",
            path, (double)lat_bounds_us[k] / 1e6, (unsigned long long)cum);
      else
        put(b,
            "pitlane_rpc_latency_seconds_bucket{method=\"%s\",le=\"+Inf\"}"
            " %llu\n",
            path, (unsigned long long)cum);
    }
    put(b, "pitlane_rpc_latency_seconds_sum{method=\"%s\"} %.6f\n", path,
        (double)atomic_load_explicit(&r->lat_sum_us, memory_order_relaxed) /
            1e6);
    put(b, "pitlane_rpc_latency_seconds_count{method=\"%s\"} %llu\n", path,
        (unsigned long long)cum);
  }
}

/* One gauge or counter with its HELP and TYPE lines. */
static void one(sbuf *b, const char *name, const char *type, const char *help,
                double v) {
  put(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name,
      v);
}

static void render_engine(pl_ops *ops, sbuf *b) {
  pl_engine_stats s;
  pl_engine_stats_get(ops->engine, &s);
  one(b, "pitlane_commit_queue_depth", "gauge",
      "Writes queued for the commit thread.", (double)s.queue_depth);
  one(b, "pitlane_commit_groups_total", "counter",
      "Group commits written (one synced RocksDB write each).",
      (double)s.groups);
  one(b, "pitlane_commit_items_total", "counter",
      "Writes in those groups (items / groups: the mean group size).",
      (double)s.items);
  one(b, "pitlane_commit_last_group_size", "gauge",
      "Writes in the last group commit.", (double)s.last_group_size);
  static const uint64_t wb[PL_STATS_WRITE_BUCKETS] = PL_STATS_WRITE_BOUNDS_US;
  put(b, "# HELP pitlane_commit_fsync_seconds Synced write (fsync) time of "
         "a group commit.\n# TYPE pitlane_commit_fsync_seconds histogram\n");
  for (int i = 0; i < PL_STATS_WRITE_BUCKETS - 1; i++)
    put(b, "pitlane_commit_fsync_seconds_bucket{le=\"%g\"} %llu\n",
        (double)wb[i] / 1e6, (unsigned long long)s.write_bucket[i]);
  put(b, "pitlane_commit_fsync_seconds_bucket{le=\"+Inf\"} %llu\n",
      (unsigned long long)s.write_bucket[PL_STATS_WRITE_BUCKETS - 1]);
  put(b, "pitlane_commit_fsync_seconds_sum %.6f\n",
      (double)s.write_us_sum / 1e6);
  put(b, "pitlane_commit_fsync_seconds_count %llu\n",
      (unsigned long long)s.write_bucket[PL_STATS_WRITE_BUCKETS - 1]);
  one(b, "pitlane_engine_failed", "gauge",
      "1 once a storage write failed (fail-stop: restart to recover).",
      s.failed);
  one(b, "pitlane_engine_chains", "gauge", "Chains loaded in this engine.",
      s.chains);
  one(b, "pitlane_rocksdb_memtable_bytes", "gauge",
      "rocksdb.cur-size-all-mem-tables.", (double)s.memtable_bytes);
  one(b, "pitlane_rocksdb_pending_compaction_bytes", "gauge",
      "rocksdb.estimate-pending-compaction-bytes.",
      (double)s.pending_compaction_bytes);
  one(b, "pitlane_rocksdb_running_compactions", "gauge",
      "rocksdb.num-running-compactions.", (double)s.running_compactions);
  one(b, "pitlane_rocksdb_write_stopped", "gauge",
      "rocksdb.is-write-stopped (1: writes stalled).", (double)s.write_stopped);
  one(b, "pitlane_rocksdb_delayed_write_rate_bytes", "gauge",
      "rocksdb.actual-delayed-write-rate (0: writes not slowed).",
      (double)s.delayed_write_rate);
  one(b, "pitlane_rocksdb_sst_bytes", "gauge", "rocksdb.total-sst-files-size.",
      (double)s.sst_bytes);
  one(b, "pitlane_rocksdb_estimate_keys", "gauge", "rocksdb.estimate-num-keys.",
      (double)s.estimate_keys);
}

/* Counts the chains the shard map gives this node. */
static void count_one(void *arg, const char *chain) {
  (void)chain;
  (*(int *)arg)++;
}

char *pl_metrics_render(pl_metrics *m, pl_ops *ops, size_t *len) {
  sbuf b = {0};
  atomic_fetch_add_explicit(&m->scrapes, 1, memory_order_relaxed);
  render_calls(m, &b);
  one(&b, "pitlane_rate_limited_total", "counter",
      "Calls refused RESOURCE_EXHAUSTED (a key over its rate, or overload).",
      (double)atomic_load(&m->rate_limited));
  if (ops != NULL && ops->engine != NULL)
    render_engine(ops, &b);
  if (ops != NULL && ops->server != NULL)
    one(&b, "pitlane_open_streams", "gauge", "Server streams open (watches).",
        pl_server_open_streams(ops->server));
  if (ops != NULL && ops->map != NULL) {
    int mine = 0;
    pl_shardmap_each_mine(ops->map, count_one, &mine);
    put(&b,
        "# HELP pitlane_cluster_info This node's cluster mode.\n"
        "# TYPE pitlane_cluster_info gauge\n"
        "pitlane_cluster_info{mode=\"cluster\",node=\"%s\"} 1\n",
        pl_shardmap_node_id(ops->map));
    one(&b, "pitlane_cluster_map_version", "gauge",
        "The shard map version this node follows.",
        (double)pl_shardmap_version(ops->map));
    one(&b, "pitlane_cluster_chains_owned", "gauge",
        "Chains the shard map gives this node.", mine);
  } else {
    put(&b, "# HELP pitlane_cluster_info This node's cluster mode.\n"
            "# TYPE pitlane_cluster_info gauge\n"
            "pitlane_cluster_info{mode=\"single\",node=\"\"} 1\n");
  }
  one(&b, "pitlane_metrics_scrapes_total", "counter", "Scrapes of this page.",
      (double)atomic_load(&m->scrapes));
  if (b.oom || b.p == NULL) {
    free(b.p);
    return NULL;
  }
  *len = b.n;
  return b.p;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_len, void **state) {
  (void)version, (void)upload, (void)upload_len, (void)state;
  pl_metrics *m = cls;
  struct MHD_Response *resp;
  unsigned status = MHD_HTTP_OK;
  if (strcmp(method, "GET") != 0 || strcmp(url, "/metrics") != 0) {
    static const char nf[] = "not found: GET /metrics\n";
    resp = MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf,
                                           MHD_RESPMEM_PERSISTENT);
    status = MHD_HTTP_NOT_FOUND;
  } else {
    size_t len = 0;
    char *page = pl_metrics_render(m, m->ops, &len);
    if (page == NULL)
      return MHD_NO;
    resp = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type",
                            "text/plain; version=0.0.4; charset=utf-8");
  }
  if (resp == NULL)
    return MHD_NO;
  enum MHD_Result rc = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return rc;
}

int pl_metrics_serve(pl_metrics *m, const char *listen, pl_ops *ops, int *port,
                     char *why, size_t why_len) {
  const char *colon = strrchr(listen, ':');
  char host[64];
  if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
    return snprintf(why, why_len, "--metrics: HOST:PORT"), -1;
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = '\0';
  char *end;
  long p = strtol(colon + 1, &end, 10);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)p)};
  if (*end != '\0' || p < 0 || p > 65535 ||
      inet_pton(AF_INET, host, &sa.sin_addr) != 1)
    return snprintf(why, why_len, "--metrics: IPv4:PORT, e.g. 127.0.0.1:9464"),
           -1;
  m->ops = ops;
  m->daemon = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)p, NULL, NULL, answer, m,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
      64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (m->daemon == NULL)
    return snprintf(why, why_len, "--metrics: cannot listen on %s", listen), -1;
  const union MHD_DaemonInfo *di =
      MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
  *port = di != NULL ? di->port : (int)p;
  return 0;
}
