/* log.c — the structured log (log.h). Lines are written whole under one
 * mutex, so concurrent workers never interleave them. */
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pitlane/apikeys.h"

struct pl_log {
  FILE *out;
  pl_log_level level;
  int64_t slow_us;
  pthread_mutex_t mu;
};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static const char *const status_names[] = {"OK",
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

pl_log *pl_log_new(FILE *out, pl_log_level level, int64_t slow_ms) {
  pl_log *l = calloc(1, sizeof *l);
  if (l == NULL)
    return NULL;
  l->out = out;
  l->level = level;
  l->slow_us = slow_ms * 1000;
  pthread_mutex_init(&l->mu, NULL);
  return l;
}

void pl_log_free(pl_log *l) {
  if (l == NULL)
    return;
  pthread_mutex_destroy(&l->mu);
  free(l);
}

int pl_log_level_parse(const char *s) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, level_names[i]) == 0)
      return i;
  return -1;
}

/* Writes s as a JSON string body (quotes not included). */
static void json_str(FILE *f, const char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
}

/* ISO 8601 UTC with milliseconds. */
static void timestamp(char *buf, size_t cap) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void pl_log_state(pl_log *l, pl_log_level level, const char *event,
                  const char *msg) {
  if (l == NULL || level > l->level)
    return;
  char ts[40];
  timestamp(ts, sizeof ts);
  pthread_mutex_lock(&l->mu);
  fprintf(l->out, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"", ts,
          level_names[level]);
  json_str(l->out, event);
  fputs("\",\"msg\":\"", l->out);
  json_str(l->out, msg);
  fputs("\"}\n", l->out);
  fflush(l->out);
  pthread_mutex_unlock(&l->mu);
}

/* The level a request's outcome is logged at. */
static pl_log_level request_level(const pl_log *l, int code,
                                  int64_t latency_us) {
  if (code == 2 || code == 13 || code == 14 || code == 15)
    return PL_LOG_ERROR; /* UNKNOWN INTERNAL UNAVAILABLE DATA_LOSS */
  if (code != 0)
    return PL_LOG_WARN;
  if (latency_us >= l->slow_us)
    return PL_LOG_INFO;
  return PL_LOG_DEBUG;
}

void pl_log_request(pl_log *l, uint64_t request_id, const pl_principal *p,
                    const char *method, int code, int64_t latency_us) {
  if (l == NULL)
    return;
  pl_log_level level = request_level(l, code, latency_us);
  if (level > l->level)
    return;
  char ts[40];
  timestamp(ts, sizeof ts);
  const char *status = code >= 0 && code <= 16 ? status_names[code] : "UNKNOWN";
  pthread_mutex_lock(&l->mu);
  fprintf(l->out,
          "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"%s\","
          "\"request_id\":%llu,\"tenant_kind\":\"%s\",\"tenant\":\"",
          ts, level_names[level],
          level == PL_LOG_INFO ? "slow_request" : "request",
          (unsigned long long)request_id,
          p ? pl_tenant_kind_name(p->tenant_kind) : "");
  json_str(l->out, p ? p->tenant : "");
  fputs("\",\"method\":\"", l->out);
  json_str(l->out, method ? method : "unknown");
  fprintf(l->out, "\",\"status\":\"%s\",\"latency_ms\":%.3f}\n", status,
          (double)latency_us / 1000.0);
  fflush(l->out);
  pthread_mutex_unlock(&l->mu);
}
