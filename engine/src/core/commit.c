/* core/commit.c — group commit (see commit.h for the contract).
 *
 * Invariants:
 *  1. Items are written in the order they were submitted.
 *  2. An item's callback fires after its batch is on disk (rc 0), or once
 *     the engine has failed (rc PL_EIO); exactly once either way.
 *  3. After *failed is set nothing more is written. */
#include "core/commit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/keys.h"

struct pl__commit_item {
  pl__commit_item *next;
  pl__batch batch;
  pl_durable_fn fn;
  void *arg;
};

static void sync_done(void *arg, int rc) {
  pl__sync *s = arg;
  pthread_mutex_lock(&s->mu);
  s->rc = rc;
  s->done = 1;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

int pl__sync_wait(pl__sync *s) {
  pthread_mutex_lock(&s->mu);
  while (!s->done)
    pthread_cond_wait(&s->cv, &s->mu);
  pthread_mutex_unlock(&s->mu);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  return s->rc;
}

static void write_group(pl__commit *c, pl__commit_item *list) {
  pl__batch *stack_arr[64] = {0};
  pl__batch **arr = stack_arr;
  int n = 0;
  for (pl__commit_item *it = list; it != NULL; it = it->next)
    n++;
  if (n > 64)
    arr = malloc((size_t)n * sizeof(pl__batch *));
  int rc = PL_EIO;
  if (arr != NULL && !atomic_load(c->failed)) {
    int i = 0;
    for (pl__commit_item *it = list; it != NULL; it = it->next)
      arr[i++] = &it->batch;
    struct timespec t0, t1;
    pthread_mutex_lock(&c->write_mu);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = pl__db_write(c->db, arr, n, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_mutex_unlock(&c->write_mu);
    int64_t us = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
                 (t1.tv_nsec - t0.tv_nsec) / 1000;
    pl__commit_stats_group(&c->stats, n, us > 0 ? (uint64_t)us : 0);
  }
  atomic_fetch_sub_explicit(&c->stats.depth, n, memory_order_relaxed);
  if (rc != 0)
    atomic_store(c->failed, 1);
  if (arr != stack_arr)
    free(arr);
  c->groups++;
  c->items += (uint64_t)n;
  while (list != NULL) {
    pl__commit_item *next = list->next;
    list->fn(list->arg, rc);
    pl__batch_free(&list->batch);
    free(list);
    list = next;
  }
}

static void *commit_main(void *arg) {
  pl__commit *c = arg;
  for (;;) {
    pthread_mutex_lock(&c->mu);
    while (c->head == NULL && !c->stopping)
      pthread_cond_wait(&c->cv, &c->mu);
    pl__commit_item *list = c->head;
    c->head = c->tail = NULL;
    int stop = c->stopping && list == NULL;
    pthread_mutex_unlock(&c->mu);
    if (stop)
      return NULL;
    write_group(c, list);
  }
}

int pl__commit_start(pl__commit *c, pl__db *db, atomic_int *failed) {
  memset(c, 0, sizeof *c);
  c->db = db;
  c->failed = failed;
  pthread_mutex_init(&c->mu, NULL);
  pthread_mutex_init(&c->write_mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  if (pthread_create(&c->thread, NULL, commit_main, c) != 0) {
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->write_mu);
    pthread_mutex_destroy(&c->mu);
    return PL_ENOMEM;
  }
  c->started = 1;
  return 0;
}

void pl__commit_stop(pl__commit *c) {
  if (!c->started)
    return;
  pthread_mutex_lock(&c->mu);
  c->stopping = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  pthread_join(c->thread, NULL);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->write_mu);
  pthread_mutex_destroy(&c->mu);
  c->started = 0;
}

static void ledger_append(pl__batch *b, const pl__ledger *lg, uint64_t seq) {
  pl__buf k = {0}, v = {0};
  pl__key_ledger(&k, lg->chain, seq);
  pl__buf_u8(&v, lg->op);
  pl__buf_svar(&v, lg->at_ms);
  pl__buf_uvar(&v, lg->kl);
  pl__buf_bytes(&v, lg->key, lg->kl);
  pl__buf_uvar(&v, lg->vl);
  pl__buf_bytes(&v, lg->val, lg->vl);
  if (k.oom || v.oom)
    b->ops.oom = 1;
  else
    pl__batch_put(b, k.p, k.n, v.p, v.n);
  if (lg->alias != NULL) {
    pl__buf a = {0};
    pl__buf_be64(&a, seq);
    pl__buf_bytes(&a, lg->val, lg->vl);
    if (a.oom)
      b->ops.oom = 1;
    else
      pl__batch_put(b, lg->alias, lg->al, a.p, a.n);
    pl__buf_free(&a);
  }
  pl__buf_free(&k);
  pl__buf_free(&v);
}

int pl__commit_submit(pl__commit *c, pl__batch *batch, const pl__ledger *lg,
                      const pl_write *w, pl__sync *sync, uint64_t *seq_out) {
  if (atomic_load(c->failed))
    return PL_EUNAVAIL;
  pl__commit_item *it = calloc(1, sizeof *it);
  if (it == NULL)
    return PL_ENOMEM;
  if (w != NULL) {
    it->fn = w->durable;
    it->arg = w->arg;
  } else {
    pthread_mutex_init(&sync->mu, NULL);
    pthread_cond_init(&sync->cv, NULL);
    sync->done = 0;
    sync->rc = 0;
    it->fn = sync_done;
    it->arg = sync;
  }
  it->batch = *batch;
  memset(batch, 0, sizeof *batch);

  pthread_mutex_lock(&c->mu);
  uint64_t seq = 0;
  if (lg != NULL) {
    seq = (*lg->next_seq)++;
    ledger_append(&it->batch, lg, seq);
  }
  if (it->batch.ops.oom) {
    if (lg != NULL)
      (*lg->next_seq)--; /* nothing queued after us yet: we hold mu */
    pthread_mutex_unlock(&c->mu);
    pl__batch_free(&it->batch);
    free(it);
    if (w == NULL) {
      pthread_cond_destroy(&sync->cv);
      pthread_mutex_destroy(&sync->mu);
    }
    return PL_ENOMEM;
  }
  if (c->tail != NULL)
    c->tail->next = it;
  else
    c->head = it;
  c->tail = it;
  atomic_fetch_add_explicit(&c->stats.depth, 1, memory_order_relaxed);
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  if (seq_out != NULL)
    *seq_out = seq;
  return 0;
}
