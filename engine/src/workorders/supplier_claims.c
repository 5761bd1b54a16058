/* workorders/supplier_claims.c — claims against suppliers for parts that failed
 * under a repair's warranty (see pitlane/warranty.h): their rows, recovery, the
 * listing and the decision.
 *
 * A claim is born inside the work-order step that adds its covered item
 * (workorders/warranty.c decides, workorders/workorder.c's step_rows writes the
 * rows in the order's batch, pl__sclaims_install makes them visible once
 * queued); it is then changed only by pl_sclaim_decide. Claims live in the
 * chain's pl__wo_chain, under its work-order lock (the same lock as the orders
 * they point at), as a vector indexed by id - 1.
 *
 * Invariants:
 *  (1) sclaims[i]->id == i + 1;
 *  (2) every claim's (wo_id, item_no) names an item covered by REPAIR
 *      whose src_wo / src_item are the claim's;
 *  (3) state OPEN has no decided_by / decided_ms; a decided claim never
 *      changes again.
 *
 *   OPEN --pl_sclaim_decide(ACCEPTED)--> ACCEPTED
 *   OPEN --pl_sclaim_decide(REJECTED)--> REJECTED
 *
 * Key: <chain> 00 0x43 id(8 BE). Ledger: the creation is part of the
 * order's step (its event's op); a decision is op PL__OP_SCLAIM_DECIDE
 * with the new row. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workorders/step.h"

#include "core/rowwrite.h"

#define ROW_VERSION 1
#define NOTE_MAX PL_NAME_MAX

/* ---- rows ----------------------------------------------------------------
 */

void pl__sclaim_key(pl__buf *k, const char *chain, int64_t id) {
  pl__key_prefix(k, chain, PL__K_SCLAIM);
  pl__buf_be64(k, (uint64_t)id);
}

void pl__sclaim_row(pl__buf *v, const pl_supplier_claim *cl) {
  pl__buf_uvar(v, ROW_VERSION);
  pl__buf_str(v, cl->supplier);
  pl__buf_str(v, cl->part_no);
  pl__buf_uvar(v, cl->lot);
  pl__buf_svar(v, cl->qty);
  pl__buf_svar(v, cl->amount_fen);
  pl__buf_svar(v, cl->src_wo);
  pl__buf_svar(v, cl->src_item);
  pl__buf_svar(v, cl->wo_id);
  pl__buf_svar(v, cl->item_no);
  pl__buf_uvar(v, (uint64_t)cl->state);
  pl__buf_str(v, cl->decided_by);
  pl__buf_str(v, cl->note);
  pl__buf_svar(v, cl->created_ms);
  pl__buf_svar(v, cl->decided_ms);
}

static int sclaim_read(pl__rd *r, pl_supplier_claim *cl) {
  if (pl__rd_uvar(r) != ROW_VERSION)
    return PL_ECORRUPT;
  pl__rd_str(r, cl->supplier, sizeof cl->supplier);
  pl__rd_str(r, cl->part_no, sizeof cl->part_no);
  cl->lot = pl__rd_uvar(r);
  cl->qty = pl__rd_svar(r);
  cl->amount_fen = pl__rd_svar(r);
  cl->src_wo = pl__rd_svar(r);
  cl->src_item = (int32_t)pl__rd_svar(r);
  cl->wo_id = pl__rd_svar(r);
  cl->item_no = (int32_t)pl__rd_svar(r);
  cl->state = (pl_sclaim_state)pl__rd_uvar(r);
  pl__rd_str(r, cl->decided_by, sizeof cl->decided_by);
  pl__rd_str(r, cl->note, sizeof cl->note);
  cl->created_ms = pl__rd_svar(r);
  cl->decided_ms = pl__rd_svar(r);
  if (r->bad || cl->state < PL_SCLAIM_OPEN || cl->state > PL_SCLAIM_REJECTED)
    return PL_ECORRUPT;
  return 0;
}

/* ---- the set a step writes -------------------------------------------- */

void pl__sclaim_set_free(pl__sclaim_set *set) {
  free(set->v);
  memset(set, 0, sizeof *set);
}

int pl__sclaims_reserve(pl__wo_chain *wc, const pl__sclaim_set *set) {
  return set->n > 0 ? pl__vec_reserve(&wc->sclaims, set->n) : 0;
}

void pl__sclaims_install(pl__wo_chain *wc, pl__sclaim_set *set) {
  /* each claim is owned by the vector until the engine closes */
  for (int32_t i = 0; i < set->n; i++) {
    pl_supplier_claim *cl = malloc(sizeof *cl);
    if (cl == NULL) /* the rows are queued: memory is behind until reopen */
      break;
    *cl = set->v[i];
    assert(cl->id == wc->sclaims.n + 1);
    pl__vec_push(&wc->sclaims, cl);
  }
}

void pl__sclaims_free(pl__wo_chain *wc) {
  pl__vec_free_all(&wc->sclaims);
}

/* ---- recovery -------------------------------------------------------------
 */

int pl__sclaim_load(pl__chain *c, pl__wo_chain *wc, const unsigned char *rest,
                    size_t rl, const unsigned char *val, size_t vl) {
  if (rl != 8)
    return PL_ECORRUPT;
  int64_t id = (int64_t)pl__be64_get(rest);
  if (id != wc->sclaims.n + 1) /* dense, in key order */
    return PL_ECORRUPT;
  pl_supplier_claim *cl = calloc(1, sizeof *cl);
  if (cl == NULL)
    return PL_ENOMEM;
  memcpy(cl->chain, c->info.code, PL_CODE_MAX);
  cl->id = id;
  pl__rd r;
  pl__rd_init(&r, val, vl);
  int rc = sclaim_read(&r, cl);
  if (rc == 0 && pl__wo_find(wc, cl->wo_id) == NULL) /* orders load first */
    rc = PL_ECORRUPT;
  if (rc == 0 && pl__vec_reserve(&wc->sclaims, 1) != 0)
    rc = PL_ENOMEM;
  if (rc != 0) {
    free(cl);
    return rc;
  }
  pl__vec_push(&wc->sclaims, cl);
  return 0;
}

/* ---- API ------------------------------------------------------------------
 */

int pl_sclaim_list(pl_engine *e, const pl_sclaim_filter *f,
                   pl_supplier_claim *out, int cap, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, f->chain, &c, &wc, err);
  if (rc == 0 && f->supplier != NULL)
    rc = pl__check_opt_code(err, "supplier", f->supplier, PL_CODE_MAX);
  if (rc == 0 && f->state != 0)
    rc = pl__check_range(err, "state", f->state, PL_SCLAIM_OPEN,
                         PL_SCLAIM_REJECTED);
  if (rc == 0)
    rc = pl__check_range(err, "after_id", f->after_id, 0, INT64_MAX);
  if (rc == 0 && cap < 0)
    rc = PL__FAIL(err, PL_EINVAL, "limit: negative");
  if (rc != 0)
    return rc;
  int n = 0;
  int has_sup = f->supplier != NULL && f->supplier[0] != '\0';
  pthread_rwlock_rdlock(&wc->lock);
  for (int64_t i = f->after_id; i < wc->sclaims.n && n < cap; i++) {
    const pl_supplier_claim *cl = wc->sclaims.items[i];
    if ((has_sup && strcmp(cl->supplier, f->supplier) != 0) ||
        (f->state != 0 && cl->state != f->state))
      continue;
    out[n++] = *cl;
  }
  pthread_rwlock_unlock(&wc->lock);
  return n;
}

int pl_sclaim_get(pl_engine *e, const char *chain, int64_t id,
                  pl_supplier_claim *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_rdlock(&wc->lock);
  const pl_supplier_claim *cl =
      id >= 1 && id <= wc->sclaims.n ? wc->sclaims.items[id - 1] : NULL;
  if (cl != NULL)
    *out = *cl;
  pthread_rwlock_unlock(&wc->lock);
  return cl != NULL ? 0
                    : PL__FAIL(err, PL_ENOTFOUND, "id: no supplier claim %lld",
                               (long long)id);
}

static const char *state_name(pl_sclaim_state s) {
  return s == PL_SCLAIM_OPEN       ? "open"
         : s == PL_SCLAIM_ACCEPTED ? "accepted"
                                   : "rejected";
}

int pl_sclaim_decide(pl_engine *e, const char *chain, int64_t id,
                     pl_sclaim_state to, const char *actor, const char *note,
                     const pl_write *w, pl_supplier_claim *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc == 0 && to != PL_SCLAIM_ACCEPTED && to != PL_SCLAIM_REJECTED)
    rc = PL__FAIL(err, PL_EINVAL, "state: %d is not ACCEPTED or REJECTED",
                  (int)to);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor ? actor : "", PL_ACTOR_MAX, 0);
  if (rc == 0)
    rc = pl__check_text(err, "note", note ? note : "", NOTE_MAX, 1);
  if (rc != 0)
    return rc;
  pl__sync sync;
  int queued = 0;
  pthread_rwlock_wrlock(&wc->lock);
  pl_supplier_claim *cl =
      id >= 1 && id <= wc->sclaims.n ? wc->sclaims.items[id - 1] : NULL;
  if (cl == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no supplier claim %lld",
                  (long long)id);
  } else if (cl->state == to) { /* a repeat: answer once the first is durable */
    rc = pl__write_nothing(e, w, w ? NULL : &sync);
    queued = rc == 0;
  } else if (cl->state != PL_SCLAIM_OPEN) {
    rc = PL__FAIL(err, PL_EPRECOND, "id: supplier claim %lld is already %s",
                  (long long)id, state_name(cl->state));
  } else {
    pl_supplier_claim next = *cl;
    next.state = to;
    snprintf(next.decided_by, sizeof next.decided_by, "%s", actor);
    snprintf(next.note, sizeof next.note, "%s", note ? note : "");
    next.decided_ms = pl__chain_now_ms(e, c);
    pl__buf k = {0}, v = {0};
    pl__sclaim_key(&k, c->info.code, id);
    pl__sclaim_row(&v, &next);
    rc = pl__write_row(e, c, PL__OP_SCLAIM_DECIDE, next.decided_ms, &k, &v, w,
                       w ? NULL : &sync);
    pl__buf_free(&k);
    pl__buf_free(&v);
    if (rc == 0) {
      *cl = next;
      queued = 1;
    }
  }
  if (rc == 0 && out != NULL)
    *out = *cl;
  pthread_rwlock_unlock(&wc->lock);
  return pl__write_finish(rc, queued, w, &sync, err);
}
