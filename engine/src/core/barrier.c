/* core/barrier.c — see barrier.h. A mutex and a count: the steps are few (a
 * work order's parts) and nothing here is on a microsecond path. */
#include "core/barrier.h"

#include <pthread.h>
#include <stdlib.h>

struct pl__barrier {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int pending; /* steps not yet durable, + 1 until the owner ends */
  int steps;
  int rc;       /* first storage failure */
  int suppress; /* the operation failed: no callback */
  int waiting;  /* the owner waits (NULL caller write) */
  pl_write user;
};

pl__barrier *pl__barrier_new(const pl_write *w) {
  pl__barrier *b = calloc(1, sizeof *b);
  if (b == NULL)
    return NULL;
  pthread_mutex_init(&b->mu, NULL);
  pthread_cond_init(&b->cv, NULL);
  b->pending = 1;
  if (w != NULL)
    b->user = *w;
  else
    b->waiting = 1;
  return b;
}

static void barrier_free(pl__barrier *b) {
  pthread_cond_destroy(&b->cv);
  pthread_mutex_destroy(&b->mu);
  free(b);
}

/* Called with b->mu held when pending reached 0 (not in waiting mode). */
static void fire_and_free(pl__barrier *b) {
  pl_write u = b->user;
  int rc = b->rc, suppress = b->suppress;
  pthread_mutex_unlock(&b->mu);
  barrier_free(b);
  if (!suppress && u.durable != NULL)
    u.durable(u.arg, rc);
}

static void step_done(void *arg, int rc) {
  pl__barrier *b = arg;
  pthread_mutex_lock(&b->mu);
  if (rc != 0 && b->rc == 0)
    b->rc = rc;
  if (--b->pending > 0) {
    pthread_mutex_unlock(&b->mu);
    return;
  }
  if (b->waiting) {
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return;
  }
  fire_and_free(b);
}

pl_write pl__barrier_step(pl__barrier *b) {
  pthread_mutex_lock(&b->mu);
  b->pending++;
  b->steps++;
  pthread_mutex_unlock(&b->mu);
  return (pl_write){step_done, b};
}

int pl__barrier_steps(const pl__barrier *b) {
  return b->steps; /* only the owner hands out steps */
}

int pl__barrier_end(pl__barrier *b, int rc) {
  pthread_mutex_lock(&b->mu);
  if (rc != 0)
    b->suppress = 1;
  if (b->waiting) {
    b->pending--;
    while (b->pending > 0)
      pthread_cond_wait(&b->cv, &b->mu);
    int io = b->rc;
    pthread_mutex_unlock(&b->mu);
    barrier_free(b);
    return rc != 0 ? rc : io != 0 ? PL_EIO : 0;
  }
  if (--b->pending > 0) {
    pthread_mutex_unlock(&b->mu);
    return rc;
  }
  /* every step already durable, or none queued: report now */
  fire_and_free(b);
  return rc;
}
