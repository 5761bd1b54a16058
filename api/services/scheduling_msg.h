/* scheduling_msg.h — scheduling's engine records as protobuf messages, shared
 * by the Scheduling and Claims services: bookings, slot options (with the
 * store's local date and time, "2026-11-25" and "14:00-15:00"), dates.
 * Each *_msg owns the storage its message points into; the message is
 * valid while the record and the *_msg are. */
#ifndef PL_API_SCHED_MSG_H
#define PL_API_SCHED_MSG_H

#include "pitlane/scheduling.h"
#include "pitlane/v1/scheduling.pb-c.h"

/* Segment messages for n segments; `names` holds technician pointers. */
typedef struct seg_msgs {
  Pitlane__V1__Segment m[PL_MAX_VISIT];
  Pitlane__V1__Segment *p[PL_MAX_VISIT];
  char *names[PL_MAX_VISIT][PL_MAX_JOB_TECHS];
} seg_msgs;

typedef struct booking_msg {
  Pitlane__V1__Booking m;
  seg_msgs segs;
} booking_msg;

typedef struct slot_msg {
  Pitlane__V1__SlotOption m;
  seg_msgs segs;
  char date[32], time[32];
} slot_msg;

/* Fills sm from n segments. */
void segs_out(seg_msgs *sm, pl_segment *seg, int n);
void booking_out(booking_msg *bm, pl_booking_info *b);
/* The option in its store's local time (looked up in chain). */
void slot_option_out(slot_msg *sm, pl_engine *e, const char *chain,
                     pl_slot_option *opt);
/* "YYYY-MM-DD" of a local day number. */
void format_date(int32_t day, char *buf, size_t n);
/* The local day of "YYYY-MM-DD" (1970..9999): 0, or -1 if malformed. */
int parse_date(const char *date, int32_t *day);

#endif
