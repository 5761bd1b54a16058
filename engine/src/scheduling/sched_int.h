/* scheduling/sched_int.h — scheduling's private state (shared by sched.c,
 * booking.c and scheduling/slots.c).
 *
 * Per store (pl__sched_store, guarded by its mutex `mu`): hours and
 * resource schedules, the store's loaner cars, its occupying bookings,
 * its live holds, and a ring of materialised days. A day (pl__daycal)
 * holds, for every resource (bays first, then technicians, then loaner
 * cars, in the store's creation order; see pl__loaner_res),
 * `base` (when it can work: hours, shift, breaks, leave, out of service)
 * and `free` (base less the cells of occupying bookings). A day is
 * rebuilt from the rules and the bookings when first used or when the
 * store's `version` moved (any schedule change, a new bay or technician).
 *
 * Per chain (pl__sched_chain): the service catalogue (under the chain's
 * rwlock) and the booking table with its indexes (under `book_mu`, a leaf
 * lock taken after a store's mu, never before).
 *
 * Lock order: chain rwlock -> store mu -> chain book_mu -> commit queue. */
#ifndef PL_SCHED_INT_H
#define PL_SCHED_INT_H

#include "base/localtime.h"
#include "core/internal.h"
#include "pitlane/scheduling.h"
#include "scheduling/calendar.h"
#include "scheduling/sched_xs.h"

#define PL__CACHE_DAYS 64 /* > PL_HORIZON_MAX_DAYS: today + horizon fit */

enum {
  PL__K_HOURS = 0x10,      /* store -> hours */
  PL__K_BAY_SCHED = 0x11,  /* store 00 bay -> out of service */
  PL__K_TECH_SCHED = 0x12, /* store 00 tech -> shifts, leave */
  PL__K_SERVICE = 0x13,    /* code -> service */
  PL__K_BOOKING = 0x14,    /* id (8 bytes BE) -> booking */
  /* loaner cars (scheduling/loaner.c). A loaner row sorts after the bookings,
   * so at recovery the bookings' reservations are linked to their car when the
   * car's row is read (pl__loaner_load). */
  PL__K_LOANER = 0x15,       /* store 00 loaner -> loaner */
  PL__K_LOANER_EVENT = 0x16, /* store 00 loaner 00 seq (8 bytes BE) ->
                                hand-out or return */
};

enum {
  PL__OP_HOURS_SET = 16,
  PL__OP_BAY_SCHED_SET = 17,
  PL__OP_TECH_SCHED_SET = 18,
  PL__OP_SERVICE_CREATE = 19,
  PL__OP_BOOKING_HOLD = 20,
  PL__OP_BOOKING_STATE = 21,
  PL__OP_BOOKING_RESCHEDULE = 22,
  PL__OP_LOANER_UPSERT = 23,
  PL__OP_LOANER_HAND_OUT = 24,
  PL__OP_LOANER_RETURN = 25,
};

typedef struct pl__loaner {
  pl_loaner_info info;
  uint64_t n_events;   /* hand-outs and returns so far: the next event key */
  pl_loaner_event *ev; /* owned: the events, [0, n_ev) */
  int32_t n_ev, cap_ev;
} pl__loaner;

typedef struct pl__svc {
  pl_service_info info;
  char idem[PL_IDEM_MAX];
} pl__svc;

typedef struct pl__booking {
  pl_booking_info info; /* state never EXPIRED here: that is computed */
  char idem[PL_IDEM_MAX];
  int32_t local_day;
  int16_t bay[PL_MAX_VISIT];                    /* index in store->bays */
  int16_t tech[PL_MAX_VISIT][PL_MAX_JOB_TECHS]; /* index in store->techs */
  int32_t occ_ix;  /* in the store's occupying vec, or -1 */
  int32_t held_ix; /* in the store's held vec, or -1 */
  int16_t loaner;  /* index in the store's loaners of the car reserved,
                      or -1 (none, or not linked yet during recovery) */
} pl__booking;

typedef struct pl__daycal {
  int32_t day; /* local day number; valid only when version matches */
  uint32_t version;
  int n_res, cap_res;
  pl__day *base, *free;
  /* run-start maps of free[r] for runs_len[r] cells (0: none cached);
   * reset whenever free[r] changes */
  pl__day *runs;
  int16_t *runs_len;
} pl__daycal;

/* The run-start map of resource r for len cells, cached in the day. */
const pl__day *pl__daycal_runs(pl__daycal *dc, int r, int len);

typedef struct pl__sched_store {
  pthread_mutex_t mu;
  pl_store_hours hours;
  int n_bay_sched;
  pl_bay_schedule *bay_sched; /* by bay index; n_out_of_service 0: none */
  int n_tech_sched;
  pl_technician_schedule *tech_sched; /* by tech index */
  uint8_t *tech_has_sched;
  uint32_t version; /* starts at 1 */
  pl__daycal cache[PL__CACHE_DAYS];
  pl__vec occupying; /* pl__booking*, not owned */
  pl__vec held;      /* pl__booking*, not owned */
  pl__vec loaners;   /* pl__loaner*, owned, in creation order */
  pl__strmap loaner_ix;
} pl__sched_store;

typedef struct pl__sched_chain {
  pl__strmap svc_ix;
  pl__vec services; /* pl__svc* */
  pthread_mutex_t book_mu;
  pl__vec bookings;   /* pl__booking*, owned; id = index + 1 */
  pl__strmap idem_ix; /* idempotency key -> index */
} pl__sched_chain;

/* scheduling/sched.c */
/* The chain's state: created with the chain (an eager module in
 * core/modules.h; pl__sched_peek never returns NULL), freed with it. */
/* The store's scheduling state, created on first use; NULL on OOM. */
pl__sched_store *pl__sched_store_of(pl__chain *c, pl__store *s);
/* Recovery: the store a stored row names, with its scheduling state
 * (created if needed): 0, PL_ECORRUPT if the chain has no such store, or
 * PL_ENOMEM. */
int pl__sched_load_store(pl__chain *c, const char *store, pl__store **s,
                         pl__sched_store **ss);
/* Under ss->mu: the day, materialised if needed; NULL on OOM. */
pl__daycal *pl__sched_day(pl__store *s, pl__sched_store *ss, int32_t day);
/* Under ss->mu: drops occupancy of holds whose expiry has passed. */
void pl__sched_sweep(pl_engine *e, const pl__chain *c, pl__store *s,
                     pl__sched_store *ss);
/* Marks the segments' cells busy (occupy = 1) or gives them back to the
 * base (0) in the cached day, if it is materialised. */
void pl__sched_apply(pl__store *s, pl__sched_store *ss, const pl__booking *b,
                     int occupy);
pl__svc *pl__svc_find(pl__chain *c, const char *code);
/* "Now" for calendars, one rule for RecommendSlots, Hold and Reschedule
 * (issue #19): *first_min is the first UTC minute not in the past,
 * ceil(now_ms / 60000) (a start at minute m is in the past iff
 * m * 60000 < now_ms); *today is the local day (offset) containing now,
 * the first day of the store's horizon. "now" is chain c's clock. */
void pl__sched_now(const pl_engine *e, const pl__chain *c, int32_t offset,
                   int64_t *first_min, int32_t *today);
/* Available minutes and the service catalogue for other subsystems:
 * scheduling/sched_xs.h. */
/* The day resource of loaner li (after the bays and technicians). */
static inline int pl__loaner_res(const pl__store *s, int li) {
  return s->bays.n + s->techs.n + li;
}
/* 1 if booking b holds its loaner's cells: it occupies and its car is
 * reserved or out (not returned). */
int pl__booking_holds_loaner(const pl__booking *b);
/* Under ss->mu: marks only the loaner cells of b busy (1) or free (0). */
void pl__sched_apply_loaner(pl__store *s, pl__sched_store *ss,
                            const pl__booking *b, int occupy);
/* scheduling/booking.c */
int pl__booking_load(pl_engine *e, pl__chain *c, const unsigned char *rest,
                     size_t rl, const unsigned char *val, size_t vl);
int pl__booking_occupies(const pl__booking *b, int64_t now_ms);
/* Writes booking b's row (current layout) into v. */
void pl__booking_row(pl__buf *v, const pl__booking *b);
void pl__booking_key(pl__buf *k, const char *chain, int64_t id);
/* scheduling/loaner.c */
/* Under ss->mu, with b's visit resolved (segments, local day) and its
 * booking's own cells free or released: picks the loaner b asks for
 * (b->info.loaner_need; for ANY, prefer `keep` if >= 0) free in `dc`
 * from b's start to its end plus the return buffer, and fills b->loaner,
 * info.loaner, loaner_until (phase untouched). No loaner asked: clears
 * them and returns 0. PL_EPRECOND / PL_ENOTFOUND naming booking.loaner. */
int pl__loaner_pick(const pl__store *s, pl__sched_store *ss,
                    const pl__daycal *dc, pl__booking *b, int keep,
                    pl_error *err);
/* Cells [*from, *to) of b's loaner span in its local day; 0 if the span
 * passes local midnight. */
int pl__loaner_span(const pl__store *s, const pl__booking *b, int *from,
                    int *to);
int pl__loaner_load(pl_engine *e, pl__chain *c, unsigned kind,
                    const unsigned char *rest, size_t rl,
                    const unsigned char *val, size_t vl);
void pl__loaners_free(pl__sched_store *ss);

#endif
