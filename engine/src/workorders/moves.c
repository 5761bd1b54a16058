/* workorders/moves.c — a work order's state moves, extra items, items done
 * (parts issued from the reservation), cancellation and the report's
 * fields at delivery. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workorders/step.h"

/* ---- state moves ----------------------------------------------------------
 * Each takes the chain's write lock, checks, and runs `fn` on a scratch
 * copy with a step set up; fn queues the step(s). */

typedef int (*move_fn)(pl__wo_step *s, void *arg, pl_error *err);

static int with_order(pl_engine *e, const char *chain, int64_t id,
                      const char *actor, int need_actor, move_fn fn, void *arg,
                      const pl_write *w, pl_work_order *out, pl_error *err) {
  pl__chain *c = NULL;
  pl__wo_chain *wc = NULL;
  int rc = pl__wo_lookup(e, chain, &c, &wc, err);
  if (rc == 0)
    rc = pl__check_text(err, "actor", actor ? actor : "", PL_ACTOR_MAX,
                        !need_actor);
  if (rc != 0)
    return rc;
  pl_work_order *next;
  pl__barrier *bar;
  rc = pl__wo_begin(w, &next, &bar, err);
  if (rc != 0)
    return rc;
  pthread_rwlock_wrlock(&wc->lock);
  pl__wo *o = pl__wo_find(wc, id);
  if (o == NULL) {
    rc = PL__FAIL(err, PL_ENOTFOUND, "id: no work order %lld", (long long)id);
  } else {
    memcpy(next, o->w, pl__wo_size(o->w->n_items));
    pl__wo_step s = {.e = e,
                     .c = c,
                     .wc = wc,
                     .o = o,
                     .next = next,
                     .idem = o->idem,
                     .bar = bar};
    rc = fn(&s, arg, err);
    if (rc == 0 && pl__barrier_steps(bar) == 0)
      rc = pl__wo_queue_repeat(e, bar); /* a repeat: answer once durable */
    if (rc == 0 && out != NULL)
      memcpy(out, o->w, pl__wo_size(o->w->n_items));
  }
  pthread_rwlock_unlock(&wc->lock);
  free(next);
  return pl__write_finish(pl__barrier_end(bar, rc), 0, w, NULL, err);
}

static const char *state_name(pl_wo_state s) {
  static const char *const names[] = {"?",           "pending",   "in_repair",
                                      "awaiting_qc", "completed", "delivered",
                                      "cancelled"};
  return s >= PL_WO_PENDING && s <= PL_WO_CANCELLED ? names[s] : "?";
}

static int wrong_state(pl_error *err, const pl_work_order *w,
                       const char *what) {
  return PL__FAIL(err, PL_EPRECOND, "work order %lld is %s: cannot %s",
                  (long long)w->id, state_name(w->state), what);
}

typedef struct simple_arg {
  const char *actor, *note;
} simple_arg;

static int do_start(pl__wo_step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  if (s->next->state == PL_WO_IN_REPAIR)
    return 0;
  if (s->next->state != PL_WO_PENDING)
    return wrong_state(err, s->next, "start repair");
  s->next->state = PL_WO_IN_REPAIR;
  pl__wo_step_event(s, PL_WOE_STARTED, 0, a->actor, a->note);
  s->next->started_ms = s->ev.at_ms; /* the KPI reports read it */
  return pl__wo_step_queue(s);
}

int pl_wo_start(pl_engine *e, const char *chain, int64_t id, const char *actor,
                const pl_write *w, pl_work_order *out, pl_error *err) {
  simple_arg a = {actor, ""};
  return with_order(e, chain, id, actor, 1, do_start, &a, w, out, err);
}

static int do_request_qc(pl__wo_step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state == PL_WO_AWAITING_QC)
    return 0;
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "go to QC");
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].state == PL_ITEM_AWAITING_APPROVAL)
      return PL__FAIL(err, PL_EPRECOND,
                      "item_no %d: extra item awaits the customer's approval",
                      w->items[i].no);
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].state == PL_ITEM_OPEN)
      return PL__FAIL(err, PL_EPRECOND, "item_no %d: not done yet",
                      w->items[i].no);
  w->state = PL_WO_AWAITING_QC;
  pl__wo_step_event(s, PL_WOE_QC_REQUESTED, 0, a->actor, a->note);
  return pl__wo_step_queue(s);
}

int pl_wo_request_qc(pl_engine *e, const char *chain, int64_t id,
                     const char *actor, const pl_write *w, pl_work_order *out,
                     pl_error *err) {
  simple_arg a = {actor, ""};
  return with_order(e, chain, id, actor, 1, do_request_qc, &a, w, out, err);
}

typedef struct qc_arg {
  int passed;
  const char *inspector, *notes;
} qc_arg;

static int do_record_qc(pl__wo_step *s, void *arg, pl_error *err) {
  qc_arg *a = arg;
  pl_work_order *w = s->next;
  int rc = pl__check_text(err, "notes", a->notes, PL_NAME_MAX, 1);
  if (rc != 0)
    return rc;
  if (w->state != PL_WO_AWAITING_QC)
    return wrong_state(err, w, "record QC");
  if (w->n_qc == PL_WO_MAX_QC) {
    memmove(w->qc, w->qc + 1, (PL_WO_MAX_QC - 1) * sizeof *w->qc);
    w->n_qc--;
  }
  pl_qc_record *q = &w->qc[w->n_qc++];
  memset(q, 0, sizeof *q);
  q->passed = a->passed != 0;
  snprintf(q->inspector, sizeof q->inspector, "%s", a->inspector);
  snprintf(q->notes, sizeof q->notes, "%s", a->notes);
  q->at_ms = pl__chain_now_ms(s->e, s->c);
  w->state = a->passed ? PL_WO_COMPLETED : PL_WO_IN_REPAIR;
  pl__wo_step_event(s, a->passed ? PL_WOE_QC_PASSED : PL_WOE_QC_FAILED, 0,
                    a->inspector, a->notes);
  return pl__wo_step_queue(s);
}

int pl_wo_record_qc(pl_engine *e, const char *chain, int64_t id, int passed,
                    const char *inspector, const char *notes, const pl_write *w,
                    pl_work_order *out, pl_error *err) {
  qc_arg a = {passed, inspector, notes ? notes : ""};
  return with_order(e, chain, id, inspector, 1, do_record_qc, &a, w, out, err);
}

typedef struct deliver_arg {
  const char *actor;
  int32_t days;
  int64_t km;
} deliver_arg;

/* The booking behind a delivered order is completed (idempotent: a repeat
 * of Deliver after a crash between the two writes finishes it). */
static int complete_booking(pl__wo_step *s, pl_error *err) {
  if (s->next->booking_id <= 0)
    return 0;
  pl_booking_info b;
  if (pl_booking_get(s->e, s->c->info.code, s->next->booking_id, &b, NULL) !=
          0 ||
      b.state == PL_BOOKING_COMPLETED)
    return 0;
  pl_write bw = pl__barrier_step(s->bar);
  int rc = pl_booking_transition(s->e, s->c->info.code, s->next->booking_id,
                                 PL_BOOKING_COMPLETED, &bw, NULL, err);
  if (rc != 0)
    bw.durable(bw.arg, 0);
  return rc == PL_EPRECOND ? 0 : rc; /* e.g. cancelled meanwhile */
}

static int do_deliver(pl__wo_step *s, void *arg, pl_error *err) {
  deliver_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state == PL_WO_DELIVERED)
    return complete_booking(s, err);
  if (w->state != PL_WO_COMPLETED)
    return wrong_state(err, w, "be delivered");
  int rc = pl__check_range(err, "warranty_days", a->days, 0, 3650);
  if (rc == 0)
    rc = pl__check_range(err, "warranty_km", a->km, 0, 1000000);
  if (rc != 0)
    return rc;
  w->state = PL_WO_DELIVERED;
  w->warranty_days = a->days > 0 ? a->days : PL__WO_DEFAULT_WARRANTY_DAYS;
  w->warranty_km = a->km > 0 ? a->km : PL__WO_DEFAULT_WARRANTY_KM;
  pl__wo_step_event(s, PL_WOE_DELIVERED, 0, a->actor, "");
  w->delivered_ms = s->ev.at_ms;
  /* each item's own warranty (warranty.h): the order's terms, from the
   * delivery day and the order's mileage */
  int32_t day =
      pl__wo_local_day(s->e, s->c->info.code, w->store, w->delivered_ms);
  for (int32_t i = 0; i < w->n_items; i++) {
    pl_wo_item *it = &w->items[i];
    if (it->state != PL_ITEM_DONE)
      continue;
    it->warranty_days = w->warranty_days;
    it->warranty_km = w->warranty_km;
    it->warranty_from_day = day;
    it->warranty_from_km = w->vehicle.mileage_km;
  }
  if (pl__wo_vin_reserve_delivered(s->wc, w) != 0)
    return PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  rc = pl__wo_step_queue(s);
  if (rc == 0)
    pl__wo_vin_delivered(s->e, s->wc, s->o->w);
  return rc == 0 ? complete_booking(s, err) : rc;
}

int pl_wo_deliver(pl_engine *e, const char *chain, int64_t id,
                  const char *actor, int32_t warranty_days, int64_t warranty_km,
                  const pl_write *w, pl_work_order *out, pl_error *err) {
  deliver_arg a = {actor, warranty_days, warranty_km};
  return with_order(e, chain, id, actor, 1, do_deliver, &a, w, out, err);
}

/* Releases what an item holds (scratch order), carrying the row. */
static int release_item(pl__wo_step *s, int32_t ix, const char *actor,
                        pl_error *err) {
  pl_wo_item *it = &s->next->items[ix];
  if (it->kind != PL_ITEM_PART || it->reserved <= 0)
    return 0;
  int64_t q = it->reserved;
  it->reserved = 0;
  return pl__wo_step_move(s, PL_MOVE_RELEASE, it, q, actor, NULL, err);
}

static int do_cancel(pl__wo_step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  pl_work_order *w = s->next;
  int rc = pl__check_text(err, "note", a->note, PL_NAME_MAX, 1);
  if (rc != 0)
    return rc;
  if (w->state == PL_WO_CANCELLED)
    return 0;
  if (w->state != PL_WO_PENDING && w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "be cancelled");
  /* first the releases (each carries the row as it then is), then the
   * cancellation with its event */
  for (int32_t i = 0; rc == 0 && i < w->n_items; i++)
    rc = release_item(s, i, a->actor, err);
  if (rc != 0)
    return rc;
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].state == PL_ITEM_OPEN ||
        w->items[i].state == PL_ITEM_AWAITING_APPROVAL)
      w->items[i].state = PL_ITEM_CANCELLED;
  w->state = PL_WO_CANCELLED;
  pl__wo_step_event(s, PL_WOE_CANCELLED, 0, a->actor, a->note);
  return pl__wo_step_queue(s);
}

int pl_wo_cancel(pl_engine *e, const char *chain, int64_t id, const char *actor,
                 const char *note, const pl_write *w, pl_work_order *out,
                 pl_error *err) {
  simple_arg a = {actor, note ? note : ""};
  return with_order(e, chain, id, actor, 1, do_cancel, &a, w, out, err);
}

typedef struct progress_arg {
  const char *actor, *note;
  int32_t percent;
} progress_arg;

static int do_progress(pl__wo_step *s, void *arg, pl_error *err) {
  progress_arg *a = arg;
  int rc = pl__check_text(err, "note", a->note, PL_NAME_MAX, 0);
  if (rc == 0)
    rc = pl__check_range(err, "percent", a->percent, 0, 100);
  if (rc != 0)
    return rc;
  if (s->next->state != PL_WO_IN_REPAIR)
    return wrong_state(err, s->next, "report progress");
  pl__wo_step_event(s, PL_WOE_PROGRESS, 0, a->actor, a->note);
  s->ev.percent = a->percent;
  return pl__wo_step_queue(s);
}

int pl_wo_progress(pl_engine *e, const char *chain, int64_t id,
                   const char *actor, const char *note, int32_t percent,
                   const pl_write *w, pl_work_order *out, pl_error *err) {
  progress_arg a = {actor, note ? note : "", percent};
  return with_order(e, chain, id, actor, 1, do_progress, &a, w, out, err);
}

typedef struct assign_arg {
  pl_assign_mode mode;
  const char (*techs)[PL_CODE_MAX];
  int n;
  const char *actor;
} assign_arg;

static int do_assign(pl__wo_step *s, void *arg, pl_error *err) {
  assign_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state != PL_WO_PENDING && w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "be reassigned");
  int rc;
  if (a->mode == PL_ASSIGN_MANUAL) {
    rc = pl__wo_manual_assign(s->e, s->c->info.code, w, a->techs, a->n, err);
  } else if (a->mode == PL_ASSIGN_AUTO) {
    /* this order's own load must not count against its technicians */
    pl__wo_load_apply(s->wc, s->o->w, -1);
    rc = pl__wo_auto_assign(s->e, s->c, s->wc, w, err);
    pl__wo_load_apply(s->wc, s->o->w, +1);
  } else {
    rc = PL__FAIL(err, PL_EINVAL, "mode: %d is not AUTO or MANUAL",
                  (int)a->mode);
  }
  if (rc != 0)
    return rc;
  char note[PL_NAME_MAX] = "";
  size_t len = 0;
  for (int32_t i = 0; i < w->n_techs && len + PL_CODE_MAX + 2 < sizeof note;
       i++)
    len += (size_t)snprintf(note + len, sizeof note - len, "%s%s", i ? "," : "",
                            w->techs[i]);
  pl__wo_step_event(s, PL_WOE_ASSIGNED, 0, a->actor, note);
  return pl__wo_step_queue(s);
}

int pl_wo_assign(pl_engine *e, const char *chain, int64_t id,
                 pl_assign_mode mode, const char (*techs)[PL_CODE_MAX],
                 int n_techs, const char *actor, const pl_write *w,
                 pl_work_order *out, pl_error *err) {
  assign_arg a = {mode, techs, n_techs, actor};
  return with_order(e, chain, id, actor, 1, do_assign, &a, w, out, err);
}

typedef struct extra_arg {
  const pl_wo_item_in *item;
  const char *actor;
  const char *idem;
} extra_arg;

static int do_add_extra(pl__wo_step *s, void *arg, pl_error *err) {
  extra_arg *a = arg;
  pl_work_order *w = s->next;
  /* idempotent: an item added under the same key is the first answer */
  if (a->idem != NULL && a->idem[0] != '\0')
    for (int32_t i = 0; i < w->n_items; i++)
      if (strcmp(w->items[i].idem, a->idem) == 0)
        return 0;
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "take an extra item");
  if (w->n_items >= PL_WO_MAX_ITEMS)
    return PL__FAIL(err, PL_ELIMIT, "items: a work order holds at most %d",
                    PL_WO_MAX_ITEMS);
  pl_wo_item *it = &w->items[w->n_items];
  int rc = pl__wo_make_item(s->e, s->c, w->store, a->item, w->n_items + 1,
                            "item", it, err);
  if (rc != 0)
    return rc;
  it->state = PL_ITEM_AWAITING_APPROVAL;
  it->extra = 1;
  snprintf(it->idem, sizeof it->idem, "%s", a->idem != NULL ? a->idem : "");
  w->n_items++;
  /* warranty: decided now; its supplier claims ride in this write */
  pl__sclaim_set claims = {0};
  rc = pl__warranty_decide(s->e, s->c, s->wc, w, w->n_items - 1,
                           pl__chain_now_ms(s->e, s->c), &claims, err);
  if (rc == 0 && pl__sclaims_reserve(s->wc, &claims) != 0)
    rc = PL__FAIL(err, PL_ENOMEM, "engine: out of memory");
  if (rc != 0) {
    pl__sclaim_set_free(&claims);
    return rc;
  }
  pl__wo_step_event(s, PL_WOE_EXTRA_PROPOSED, it->no, a->actor,
                    a->idem != NULL ? a->idem : "");
  s->claims = claims.v;
  s->n_claims = claims.n;
  rc = pl__wo_step_queue(s);
  s->claims = NULL;
  s->n_claims = 0;
  if (rc == 0)
    pl__sclaims_install(s->wc, &claims);
  pl__sclaim_set_free(&claims);
  if (rc == 0 && it->kind == PL_ITEM_PART) {
    s->ev.kind = 0;
    rc = pl__wo_reserve_item(s, w->n_items - 1, a->actor, err);
  }
  return rc;
}

int pl_wo_add_extra(pl_engine *e, const char *chain, int64_t id,
                    const pl_wo_item_in *item, const char *actor,
                    const char *idem, const pl_write *w, pl_work_order *out,
                    pl_error *err) {
  int rc = 0;
  if (idem != NULL)
    rc = pl__check_opt_code(err, "idempotency_key", idem, PL_IDEM_MAX);
  if (rc != 0)
    return rc;
  extra_arg a = {item, actor, idem};
  return with_order(e, chain, id, actor, 1, do_add_extra, &a, w, out, err);
}

static int item_index(const pl_work_order *w, int32_t no, pl_error *err) {
  for (int32_t i = 0; i < w->n_items; i++)
    if (w->items[i].no == no)
      return i;
  return PL__FAIL(err, PL_ENOTFOUND, "item_no: work order %lld has no item %d",
                  (long long)w->id, no);
}

typedef struct item_arg {
  int32_t no;
  int approve;
  const char *actor;
} item_arg;

static int do_decide(pl__wo_step *s, void *arg, pl_error *err) {
  item_arg *a = arg;
  pl_work_order *w = s->next;
  int ix = item_index(w, a->no, err);
  if (ix < 0)
    return ix;
  pl_wo_item *it = &w->items[ix];
  pl_item_state to = a->approve ? PL_ITEM_OPEN : PL_ITEM_REJECTED;
  if (it->state == to && it->extra)
    return 0; /* a repeat */
  if (it->state != PL_ITEM_AWAITING_APPROVAL)
    return PL__FAIL(err, PL_EPRECOND,
                    "item_no: item %d does not await approval", a->no);
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "decide an extra item");
  it->state = to;
  pl__wo_step_event(s,
                    a->approve ? PL_WOE_EXTRA_APPROVED : PL_WOE_EXTRA_REJECTED,
                    a->no, a->actor, "");
  if (!a->approve && it->kind == PL_ITEM_PART && it->reserved > 0) {
    int64_t q = it->reserved;
    it->reserved = 0;
    return pl__wo_step_move(s, PL_MOVE_RELEASE, it, q, a->actor, NULL, err);
  }
  return pl__wo_step_queue(s);
}

int pl_wo_decide_extra(pl_engine *e, const char *chain, int64_t id,
                       int32_t item_no, int approve, const char *actor,
                       const pl_write *w, pl_work_order *out, pl_error *err) {
  item_arg a = {item_no, approve, actor};
  return with_order(e, chain, id, actor, 1, do_decide, &a, w, out, err);
}

static int do_complete(pl__wo_step *s, void *arg, pl_error *err) {
  item_arg *a = arg;
  pl_work_order *w = s->next;
  int ix = item_index(w, a->no, err);
  if (ix < 0)
    return ix;
  pl_wo_item *it = &w->items[ix];
  if (it->state == PL_ITEM_DONE)
    return 0;
  if (it->state != PL_ITEM_OPEN)
    return PL__FAIL(err, PL_EPRECOND, "item_no: item %d is not open%s", a->no,
                    it->state == PL_ITEM_AWAITING_APPROVAL
                        ? " (awaits the customer's approval)"
                        : "");
  if (w->state != PL_WO_IN_REPAIR)
    return wrong_state(err, w, "complete items");
  if (it->kind == PL_ITEM_PART && it->reserved < it->qty)
    return PL__FAIL(err, PL_EPRECOND,
                    "item_no: item %d has %lld of %lld %s reserved; reserve "
                    "the rest first (ReserveShortParts)",
                    a->no, (long long)it->reserved, (long long)it->qty,
                    it->part_no);
  it->state = PL_ITEM_DONE;
  snprintf(it->done_by, sizeof it->done_by, "%s", a->actor);
  pl__wo_step_event(s, PL_WOE_ITEM_DONE, a->no, a->actor, "");
  if (it->kind == PL_ITEM_PART) {
    int64_t q = it->reserved;
    it->reserved = 0; /* the issue consumes the reservation */
    /* the cell's lots as they are now: the issue picks among them (FIFO),
     * and step_rows records each picked lot's supplier from this list */
    pl_lot_info lots[64];
    int nl = pl_stock_lots(s->e, s->c->info.code, it->warehouse, it->part_no,
                           lots, 64, NULL);
    s->lots_known = lots;
    s->n_lots_known = nl > 64 ? 64 : nl > 0 ? nl : 0;
    int rc = pl__wo_step_move(s, PL_MOVE_ISSUE, it, q, a->actor, NULL, err);
    s->lots_known = NULL;
    s->n_lots_known = 0;
    return rc;
  }
  return pl__wo_step_queue(s);
}

int pl_wo_complete_item(pl_engine *e, const char *chain, int64_t id,
                        int32_t item_no, const char *actor, const pl_write *w,
                        pl_work_order *out, pl_error *err) {
  item_arg a = {item_no, 1, actor};
  return with_order(e, chain, id, actor, 1, do_complete, &a, w, out, err);
}

static int do_reserve_short(pl__wo_step *s, void *arg, pl_error *err) {
  simple_arg *a = arg;
  pl_work_order *w = s->next;
  if (w->state >= PL_WO_COMPLETED)
    return wrong_state(err, w, "reserve parts");
  int64_t before = pl_wo_short(w);
  int rc = 0;
  for (int32_t i = 0; rc == 0 && i < w->n_items; i++)
    if (w->items[i].kind == PL_ITEM_PART &&
        (w->items[i].state == PL_ITEM_OPEN ||
         w->items[i].state == PL_ITEM_AWAITING_APPROVAL))
      rc = pl__wo_reserve_item(s, i, a->actor, err);
  if (rc != 0 || pl_wo_short(s->o->w) == before)
    return rc;
  memcpy(s->next, s->o->w, pl__wo_size(s->o->w->n_items));
  char note[PL_NAME_MAX];
  snprintf(note, sizeof note, "%lld short", (long long)pl_wo_short(s->next));
  pl__wo_step_event(s, PL_WOE_PARTS_RESERVED, 0, a->actor, note);
  return pl__wo_step_queue(s);
}

int pl_wo_reserve_short(pl_engine *e, const char *chain, int64_t id,
                        const char *actor, const pl_write *w,
                        pl_work_order *out, pl_error *err) {
  simple_arg a = {actor, ""};
  return with_order(e, chain, id, actor, 1, do_reserve_short, &a, w, out, err);
}
