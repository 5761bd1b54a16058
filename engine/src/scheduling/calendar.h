/* scheduling/calendar.h — one resource's day as a bitmap of 5-minute cells.
 *
 * A day has PL__CELLS = 288 cells (cell c = local minutes [5c, 5c+5));
 * bit c of a pl__day is 1 when the cell is free. Everything here is pure
 * word arithmetic on PL__DAY_WORDS uint64_t words; bits past cell 287 are
 * always 0. */
#ifndef PL_CALENDAR_H
#define PL_CALENDAR_H

#include <stdint.h>

#define PL__CELL_MIN 5
#define PL__CELLS 288
#define PL__DAY_WORDS 5

typedef struct pl__day {
  uint64_t w[PL__DAY_WORDS];
} pl__day;

/* Sets (free) or clears (busy) cells [from, to), clamped to the day. */
void pl__day_set(pl__day *d, int from, int to);
void pl__day_clear(pl__day *d, int from, int to);
/* 1 if every cell of [from, to) is set (to <= PL__CELLS, from < to). */
int pl__day_all(const pl__day *d, int from, int to);
/* Number of set cells. */
int pl__day_count(const pl__day *d);
/* out = a AND b / a AND NOT b / a OR b */
void pl__day_and(pl__day *out, const pl__day *a, const pl__day *b);
void pl__day_andnot(pl__day *out, const pl__day *a, const pl__day *b);
void pl__day_or(pl__day *out, const pl__day *a, const pl__day *b);
/* out bit c = 1 iff cells [c, c+len) are all set in d (len >= 1). The
 * run-start map: O(log len) shifted ANDs of the whole day. */
void pl__day_runs(pl__day *out, const pl__day *d, int len);
/* out bit c = d bit (c + n): the day shifted towards earlier cells. */
void pl__day_shift_down(pl__day *out, const pl__day *d, int n);
/* Index of the first set cell >= from, or -1. */
int pl__day_next(const pl__day *d, int from);

#endif
