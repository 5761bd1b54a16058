/* core/modules.c — per-chain module state, generated from the registry
 * (core/modules.h): the one lazy getter, the chain lookup with its state, and
 * the creation and freeing of every module's state with its chain. */
#include "core/internal.h"
#include "core/modules_check.h"

/* Each module's constructor and destructor behind one signature: a thunk per
 * module with state (a call through a cast function pointer would be
 * undefined). */
#define PL__MOD_THUNKS_OF(p)                                                   \
  static void *state_new_##p(pl__chain *c) {                                   \
    return pl__##p##_state_new(c);                                             \
  }                                                                            \
  static void state_free_##p(void *x) {                                        \
    pl__##p##_state_free(x);                                                   \
  }
#define PL__MOD_THUNKS(ID, name, p, klo, khi, olo, ohi, rows, state)           \
  PL__IF_STATE_##state(PL__MOD_THUNKS_OF(p))
PL_MODULES(PL__MOD_THUNKS)
#undef PL__MOD_THUNKS
#undef PL__MOD_THUNKS_OF

static const struct {
  void *(*make)(pl__chain *c);
  void (*drop)(void *x);
  int eager;
} states[PL_MOD_COUNT] = {
#define PL__MOD_STATES(ID, name, p, klo, khi, olo, ohi, rows, state)           \
  PL__IF_STATE_##state(                                                        \
      [PL_MOD_##ID] = {state_new_##p, state_free_##p, PL__EAGER_##state}, )
    PL_MODULES(PL__MOD_STATES)
#undef PL__MOD_STATES
};

void *pl__module_state(pl__chain *c, pl__mod id) {
  void *cur = pl__module_peek(c, id);
  if (cur != NULL || states[id].make == NULL)
    return cur;
  void *x = states[id].make(c);
  if (x == NULL)
    return NULL;
  if (!__atomic_compare_exchange_n(&c->state[id], &cur, x, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    states[id].drop(x);
    return cur;
  }
  return x;
}

int pl__module_lookup(pl_engine *e, const char *chain, pl__mod id,
                      pl__chain **c, void **state, pl_error *err) {
  pl__chain *found = NULL;
  *state = NULL;
  int rc = pl__chain_lookup(e, chain, &found, err);
  if (rc != 0)
    return rc;
  if (c != NULL)
    *c = found;
  *state = pl__module_state(found, id);
  return *state == NULL ? PL__FAIL(err, PL_ENOMEM, "engine: out of memory") : 0;
}

int pl__modules_chain_init(pl__chain *c) {
  for (int id = 0; id < PL_MOD_COUNT; id++)
    if (states[id].eager && pl__module_state(c, (pl__mod)id) == NULL)
      return PL_ENOMEM;
  return 0;
}

void pl__modules_chain_free(pl__chain *c) {
  for (int id = 0; id < PL_MOD_COUNT; id++)
    if (states[id].drop != NULL && c->state[id] != NULL) {
      states[id].drop(c->state[id]);
      c->state[id] = NULL;
    }
}
