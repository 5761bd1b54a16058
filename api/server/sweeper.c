/* sweeper.c — see sweeper.h. */
#include "sweeper.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "pitlane/customers.h"

struct pl_sweeper {
  pl_engine *e;
  int interval_ms;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  int stopping;      /* under mu */
  pthread_t thread;
};

static void *sweep_main(void *arg) {
  pl_sweeper *s = arg;
  pthread_mutex_lock(&s->mu);
  while (!s->stopping) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += s->interval_ms / 1000;
    t.tv_nsec += (long)(s->interval_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
      t.tv_sec++;
      t.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    while (!s->stopping && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&s->cv, &s->mu, &t);
    if (s->stopping)
      break;
    pthread_mutex_unlock(&s->mu);
    /* failures (a storage error) show in the engine's failed state */
    (void)pl_complaints_sweep(s->e, NULL, NULL);
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

pl_sweeper *pl_sweeper_start(pl_engine *e, int interval_ms) {
  pl_sweeper *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->e = e;
  s->interval_ms = interval_ms > 0 ? interval_ms : 1000;
  pthread_mutex_init(&s->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&s->thread, NULL, sweep_main, s) != 0) {
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return NULL;
  }
  return s;
}

void pl_sweeper_stop(pl_sweeper *s) {
  if (s == NULL)
    return;
  pthread_mutex_lock(&s->mu);
  s->stopping = 1;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s);
}
