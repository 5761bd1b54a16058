/* main.c — pitlaned: flags, signals, engine and server lifecycle.
 *
 * SIGTERM/SIGINT are blocked in every thread (gRPC's and ours inherit the
 * mask) and taken by sigwait here, so shutdown runs on this thread in a
 * fixed order: stop taking calls and let in-flight ones finish (the
 * server), then drain the commit queue and close RocksDB (the engine). */
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo_keys.h"
#include "log.h"
#include "methods.h"
#include "metrics.h"
#include "ops.h"
#include "pitlane/demo.h"
#include "pitlane/pitlane.h"
#include "server.h"
#include "shardmap.h"
#include "sweeper.h"

#define SHUTDOWN_GRACE_MS 10000
#define SWEEP_INTERVAL_MS 30000 /* complaint escalations */

static const char usage[] =
    "usage: pitlaned --listen HOST:PORT --data DIR [--threads N] [--demo]\n"
    "                [--tls-cert FILE --tls-key FILE]\n"
    "                [--cluster-etcd URL --node-id ID]\n"
    "\n"
    "  --listen HOST:PORT  address to serve gRPC on (port 0: any free port)\n"
    "  --data DIR          RocksDB directory (created if missing)\n"
    "  --threads N         worker threads, one completion queue each\n"
    "                      (default: number of cores)\n"
    "  --demo              load the demo chain (idempotent) and its API\n"
    "                      keys: tokens in DIR/demo-keys.json (mode 0600)\n"
    "  --max-inflight N    calls served at once before new ones get\n"
    "                      RESOURCE_EXHAUSTED (default 10000)\n"
    "  --tls-cert FILE     PEM certificate chain; with --tls-key, serve TLS\n"
    "  --tls-key FILE      PEM private key\n"
    "  --cluster-etcd URL  the shard map in etcd (http://HOST:PORT): answer\n"
    "                      only for the chains it gives this node, watch it\n"
    "                      for moves (docs/scaling.md)\n"
    "  --node-id ID        this node's id in the shard map (with\n"
    "                      --cluster-etcd)\n"
    "  --backup-dir DIR    where the Admin CreateBackup RPC writes backups\n"
    "                      (RocksDB BackupEngine; docs/operations.md)\n"
    "  --metrics HOST:PORT serve Prometheus metrics at GET /metrics\n"
    "  --log-level L       structured log (JSON lines on stderr): error,\n"
    "                      warn, info (default), debug (every request)\n"
    "  --log-slow-ms N     log requests slower than N ms at info (500)\n"
    "  --help              print this and exit\n"
    "\n"
    "Every call but grpc.health.v1.Health needs 'authorization: Bearer\n"
    "<token>'; tokens come from `pl-keys create --data DIR ...` (with the\n"
    "server stopped), the Admin CreateApiKey RPC, or --demo.\n"
    "\n"
    "On start it prints 'pitlaned: listening on HOST:PORT'. SIGTERM or\n"
    "SIGINT stops it gracefully.\n";

typedef struct options {
  const char *listen, *data, *tls_cert, *tls_key, *etcd, *node_id;
  const char *backup_dir, *metrics;
  int log_level, slow_ms;
  int threads, demo, max_inflight;
} options;

/* Reads the value of the option argv[*i] (moving *i onto it) as an int in
 * 1..max into *out. 0, or -1 after saying what is wrong on stderr. */
static int int_option(int argc, char **argv, int *i, long max, int *out) {
  const char *name = argv[*i];
  if (*i + 1 >= argc)
    return fprintf(stderr, "pitlaned: %s needs a value\n", name), -1;
  char *end;
  long n = strtol(argv[++*i], &end, 10);
  if (*end != '\0' || n < 1 || n > max)
    return fprintf(stderr, "pitlaned: %s: 1..%ld\n", name, max), -1;
  *out = (int)n;
  return 0;
}

static int parse(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  o->threads = cores > 0 ? (int)cores : 1;
  o->log_level = PL_LOG_INFO;
  o->slow_ms = 500;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      exit(0);
    } else if (strcmp(a, "--demo") == 0) {
      o->demo = 1;
      continue;
    } else if (strcmp(a, "--listen") == 0) {
      slot = &o->listen;
    } else if (strcmp(a, "--data") == 0) {
      slot = &o->data;
    } else if (strcmp(a, "--tls-cert") == 0) {
      slot = &o->tls_cert;
    } else if (strcmp(a, "--tls-key") == 0) {
      slot = &o->tls_key;
    } else if (strcmp(a, "--cluster-etcd") == 0) {
      slot = &o->etcd;
    } else if (strcmp(a, "--node-id") == 0) {
      slot = &o->node_id;
    } else if (strcmp(a, "--backup-dir") == 0) {
      slot = &o->backup_dir;
    } else if (strcmp(a, "--metrics") == 0) {
      slot = &o->metrics;
    } else if (strcmp(a, "--log-level") == 0) {
      if (i + 1 >= argc || (o->log_level = pl_log_level_parse(argv[++i])) < 0)
        return fprintf(stderr, "pitlaned: --log-level: error, warn, info or "
                               "debug\n"),
               -1;
      continue;
    } else if (strcmp(a, "--log-slow-ms") == 0) {
      if (i + 1 >= argc)
        return fprintf(stderr, "pitlaned: --log-slow-ms needs a value\n"), -1;
      char *end;
      long n = strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 0 || n > 3600000)
        return fprintf(stderr, "pitlaned: --log-slow-ms: 0..3600000\n"), -1;
      o->slow_ms = (int)n;
      continue;
    } else if (strcmp(a, "--max-inflight") == 0) {
      if (int_option(argc, argv, &i, 1000000, &o->max_inflight) != 0)
        return -1;
      continue;
    } else if (strcmp(a, "--threads") == 0) {
      if (int_option(argc, argv, &i, 256, &o->threads) != 0)
        return -1;
      continue;
    } else {
      return fprintf(stderr, "pitlaned: unknown option '%s'\n%s", a, usage), -1;
    }
    if (i + 1 >= argc)
      return fprintf(stderr, "pitlaned: %s needs a value\n", a), -1;
    *slot = argv[++i];
  }
  if (o->listen == NULL || o->data == NULL)
    return fprintf(stderr, "pitlaned: --listen and --data are required\n%s",
                   usage),
           -1;
  if ((o->etcd == NULL) != (o->node_id == NULL))
    return fprintf(stderr,
                   "pitlaned: --cluster-etcd and --node-id go together\n"),
           -1;
  return 0;
}

int main(int argc, char **argv) {
  options o;
  if (parse(argc, argv, &o) != 0)
    return 2;
  /* the data directory holds customers' names and phones: every file this
   * process (and RocksDB in it) creates is private (docs/security.md) */
  umask(077);

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);

  pl_config cfg = {.path = o.data};
  pl_engine *engine = NULL;
  pl_error err = {0};
  if (pl_engine_open(&cfg, &engine, &err) != 0) {
    fprintf(stderr, "pitlaned: cannot open %s: %s\n", o.data, err.msg);
    return 1;
  }
  if (o.demo && pl_demo_load(engine, &err) != 0) {
    fprintf(stderr, "pitlaned: demo chain: %s\n", err.msg);
    pl_engine_close(engine);
    return 1;
  }
  if (o.demo) {
    char path[4096], why[256] = "";
    if (pl_demo_keys(engine, o.data, path, sizeof path, why, sizeof why) != 0) {
      fprintf(stderr, "pitlaned: %s\n", why);
      pl_engine_close(engine);
      return 1;
    }
    printf("pitlaned: demo API keys in %s\n", path);
  }

  pl_shardmap *map = NULL;
  pl_cluster *cluster = NULL;
  if (o.etcd != NULL) {
    char why[256] = "";
    if (pl_shardmap_start(o.etcd, o.node_id, &map, why, sizeof why) != 0 ||
        pl_cluster_new(map, &cluster) != 0) {
      fprintf(stderr, "pitlaned: cluster: %s\n", why[0] ? why : "no memory");
      pl_shardmap_stop(map);
      pl_engine_close(engine);
      return 1;
    }
  }

  pl_ops ops = {.backup_dir = o.backup_dir,
                .engine = engine,
                .map = map,
                .backup_mu = PTHREAD_MUTEX_INITIALIZER};
  grpc_init();
  int n = 0;
  pl_method *methods = pl_all_methods(&n);
  ops.log = pl_log_new(stderr, (pl_log_level)o.log_level, o.slow_ms);
  if (o.metrics != NULL)
    ops.metrics = pl_metrics_new(methods, n);
  if (methods == NULL || ops.log == NULL ||
      (o.metrics != NULL && ops.metrics == NULL)) {
    fprintf(stderr, "pitlaned: out of memory\n");
    return 1;
  }
  pl_server_config sc = {.listen = o.listen,
                         .threads = o.threads,
                         .tls_cert = o.tls_cert,
                         .tls_key = o.tls_key,
                         .methods = methods,
                         .n_methods = n,
                         .max_inflight = o.max_inflight,
                         .cluster = cluster,
                         .ops = &ops};
  pl_server *server = NULL;
  int port = 0;
  char why[256] = "";
  if (pl_server_start(&sc, engine, &server, &port, why, sizeof why) != 0) {
    fprintf(stderr, "pitlaned: %s\n", why);
    pl_log_state(ops.log, PL_LOG_ERROR, "start_failed", why);
    pl_log_free(ops.log);
    pl_metrics_free(ops.metrics);
    free(methods);
    grpc_shutdown();
    pl_cluster_free(cluster);
    pl_shardmap_stop(map);
    pl_engine_close(engine);
    return 1;
  }
  ops.server = server;
  int mport = 0;
  if (ops.metrics != NULL && pl_metrics_serve(ops.metrics, o.metrics, &ops,
                                              &mport, why, sizeof why) != 0) {
    fprintf(stderr, "pitlaned: %s\n", why);
    pl_server_stop(server, 0);
    pl_metrics_free(ops.metrics);
    pl_log_free(ops.log);
    free(methods);
    grpc_shutdown();
    pl_cluster_free(cluster);
    pl_shardmap_stop(map);
    pl_engine_close(engine);
    return 1;
  }
  /* Print the bound address (the port may have been 0). */
  const char *colon = strrchr(o.listen, ':');
  int hostlen = colon ? (int)(colon - o.listen) : (int)strlen(o.listen);
  printf("pitlaned: listening on %.*s:%d (%d threads, data %s%s)\n", hostlen,
         o.listen, port, o.threads, o.data, o.demo ? ", demo chain" : "");
  if (map != NULL)
    printf("pitlaned: cluster node %s, shard map v%lld from %s\n", o.node_id,
           (long long)pl_shardmap_version(map), o.etcd);
  if (ops.metrics != NULL) {
    const char *mc = strrchr(o.metrics, ':');
    printf("pitlaned: metrics on http://%.*s:%d/metrics\n",
           (int)(mc - o.metrics), o.metrics, mport);
  }
  fflush(stdout);
  char msg[512];
  snprintf(msg, sizeof msg, "listening on port %d, data %s", port, o.data);
  pl_log_state(ops.log, PL_LOG_INFO, "start", msg);

  /* complaint deadlines escalate even when nobody looks */
  pl_sweeper *sweeper = pl_sweeper_start(engine, SWEEP_INTERVAL_MS);
  int sig = 0;
  sigwait(&sigs, &sig);
  fprintf(stderr, "pitlaned: signal %d, shutting down\n", sig);
  snprintf(msg, sizeof msg, "signal %d: shutting down", sig);
  pl_log_state(ops.log, PL_LOG_INFO, "stopping", msg);
  pl_sweeper_stop(sweeper);
  pl_metrics_free(ops.metrics); /* its thread reads the server */
  ops.metrics = NULL;
  pl_server_stop(server, SHUTDOWN_GRACE_MS);
  ops.server = NULL;
  pl_cluster_free(cluster);
  pl_shardmap_stop(map);
  free(methods);
  grpc_shutdown();
  pl_engine_close(engine);
  pl_log_state(ops.log, PL_LOG_INFO, "stop", "stopped cleanly");
  pl_log_free(ops.log);
  fprintf(stderr, "pitlaned: stopped cleanly\n");
  return 0;
}
