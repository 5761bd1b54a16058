/* customers/history.c — a vehicle's service history: the entries kept per
 * vehicle (customers/cust_int.h's pl__cveh.hist) and the paged read.
 *
 * Entries are kept sorted oldest first: the reverse of the order
 * pl_vehicle_history returns them in (at_ms descending, then kind, then id
 * descending). So a page is a binary search for the page token and a copy
 * backwards, and the records that change most — the newest — sit at the
 * end, where taking one out and putting it back moves few entries. A
 * change finds its entry by kind and id, scanning from the newest. */
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "customers/cust_int.h"

/* <0: a is read before b (a is newer). */
static int hist_cmp(int64_t at_a, int32_t kind_a, int64_t id_a, int64_t at_b,
                    int32_t kind_b, int64_t id_b) {
  if (at_a != at_b)
    return at_a > at_b ? -1 : 1;
  if (kind_a != kind_b)
    return kind_a < kind_b ? -1 : 1;
  if (id_a != id_b)
    return id_a > id_b ? -1 : 1;
  return 0;
}

/* The number of stored entries read after (at, kind, id): those come
 * first in storage, so it is the first index whose entry is not. */
static int32_t count_after(const pl__cveh *v, int64_t at, int32_t kind,
                           int64_t id) {
  int32_t lo = 0, hi = v->n_hist;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    const pl_history_entry *m = &v->hist[mid];
    if (hist_cmp(m->at_ms, (int32_t)m->kind, m->id, at, kind, id) > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void pl__hist_drop(pl__cveh *v, pl_history_kind kind, int64_t id) {
  for (int32_t i = v->n_hist; i-- > 0;)
    if (v->hist[i].kind == kind && v->hist[i].id == id) {
      memmove(&v->hist[i], &v->hist[i + 1],
              (size_t)(v->n_hist - i - 1) * sizeof *v->hist);
      v->n_hist--;
      return;
    }
}

void pl__hist_put(pl__cveh *v, const pl_history_entry *h) {
  pl__hist_drop(v, h->kind, h->id);
  if (v->n_hist == v->cap_hist) {
    int32_t cap = v->cap_hist ? v->cap_hist * 2 : 8;
    pl_history_entry *p = realloc(v->hist, (size_t)cap * sizeof *p);
    if (p == NULL)
      return; /* derived data: lost until the next change or reopen */
    v->hist = p;
    v->cap_hist = cap;
  }
  int32_t at = count_after(v, h->at_ms, (int32_t)h->kind, h->id);
  memmove(&v->hist[at + 1], &v->hist[at],
          (size_t)(v->n_hist - at) * sizeof *v->hist);
  v->hist[at] = *h;
  v->n_hist++;
}

void pl__hist_merge(pl__cveh *to, pl__cveh *from) {
  for (int32_t i = 0; i < from->n_hist; i++)
    pl__hist_put(to, &from->hist[i]);
  from->n_hist = 0;
}

/* ---- entries of each record ---------------------------------------------- */

static void entry_init(pl_history_entry *h, pl_history_kind kind, int64_t id,
                       const char *store) {
  memset(h, 0, sizeof *h);
  h->kind = kind;
  h->id = id;
  memcpy(h->store, store, PL_CODE_MAX);
}

void pl__hist_of_booking(const pl_booking_info *b, pl_history_entry *h) {
  entry_init(h, PL_HIST_BOOKING, b->id, b->store);
  h->at_ms = b->start * 60000;
  h->state = (int32_t)b->state;
  h->mileage_km = b->mileage_km;
  for (int32_t i = 0; i < b->n_segments && i < PL_HIST_SERVICES; i++)
    memcpy(h->services[h->n_services++], b->seg[i].service, PL_CODE_MAX);
}

void pl__hist_of_wo(const pl_work_order *w, pl_history_entry *h) {
  entry_init(h, PL_HIST_WORK_ORDER, w->id, w->store);
  h->at_ms = w->created_ms;
  h->state = (int32_t)w->state;
  h->ref_id = w->booking_id;
  h->mileage_km = w->vehicle.mileage_km;
  int64_t labour = 0, parts = 0;
  pl_wo_totals(w, &labour, &parts);
  h->total_fen = labour + parts;
  for (int32_t i = 0; i < w->n_items; i++) {
    const pl_wo_item *it = &w->items[i];
    if (it->state == PL_ITEM_REJECTED || it->state == PL_ITEM_CANCELLED)
      continue;
    if (it->kind == PL_ITEM_LABOUR && h->n_services < PL_HIST_SERVICES) {
      memcpy(h->services[h->n_services++], it->service, PL_CODE_MAX);
    } else if (it->kind == PL_ITEM_PART && h->n_parts < PL_HIST_PARTS) {
      pl_history_part *p = &h->parts[h->n_parts++];
      memcpy(p->part_no, it->part_no, PL_CODE_MAX);
      p->qty = it->qty;
      p->lot = it->n_lots > 0 ? it->lots[0].lot : 0;
    }
  }
}

void pl__hist_of_followup(const pl_followup *f, pl_history_entry *h) {
  entry_init(h, PL_HIST_FOLLOWUP, f->id, f->store);
  h->at_ms = f->done_ms > 0 ? f->done_ms : f->due_ms;
  h->state = (int32_t)f->state;
  h->ref_id = f->id;
  h->score = f->satisfaction;
}

void pl__hist_of_complaint(const pl_complaint *x, pl_history_entry *h) {
  entry_init(h, PL_HIST_COMPLAINT, x->id, x->store);
  h->at_ms = x->created_ms;
  h->state = (int32_t)x->state;
  h->ref_id = x->wo_id;
  h->score = x->rating;
}

/* ---- the read ------------------------------------------------------------ */

int pl_vehicle_history(pl_engine *e, const char *chain, const char *vin,
                       const pl_history_cursor *after, pl_history_entry *out,
                       int cap, int *more, pl_error *err) {
  pl__cust_chain *cc = NULL;
  const pl__cveh *v = NULL;
  if (more != NULL)
    *more = 0;
  int rc = pl__cust_read_vin(e, chain, vin, &cc, &v, err);
  if (rc != 0)
    return rc;
  int n = 0;
  if (v != NULL) {
    int32_t left = v->n_hist; /* entries not yet read: hist[0, left) */
    if (after != NULL && (after->at_ms != 0 || after->id != 0))
      left = count_after(v, after->at_ms, after->kind, after->id);
    while (n < cap && left > 0)
      out[n++] = v->hist[--left];
    if (more != NULL)
      *more = left > 0;
  }
  pthread_rwlock_unlock(&cc->lock);
  return n;
}
