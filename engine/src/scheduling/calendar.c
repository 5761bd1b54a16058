/* scheduling/calendar.c — 5-minute-cell day bitmaps (see calendar.h).
 *
 * Invariant: bits at index >= PL__CELLS are 0 in every pl__day produced
 * here, so counts and run searches never see cells past midnight. */
#include "scheduling/calendar.h"

#include <string.h>

static void range_mask(pl__day *m, int from, int to) {
  memset(m, 0, sizeof *m);
  if (from < 0)
    from = 0;
  if (to > PL__CELLS)
    to = PL__CELLS;
  for (int c = from; c < to;) {
    int w = c >> 6, b = c & 63;
    int n = 64 - b < to - c ? 64 - b : to - c;
    uint64_t bits = n == 64 ? ~0ULL : ((1ULL << n) - 1) << b;
    m->w[w] |= bits;
    c += n;
  }
}

void pl__day_set(pl__day *d, int from, int to) {
  pl__day m;
  range_mask(&m, from, to);
  pl__day_or(d, d, &m);
}

void pl__day_clear(pl__day *d, int from, int to) {
  pl__day m;
  range_mask(&m, from, to);
  pl__day_andnot(d, d, &m);
}

/* Walks only the words the range touches (RecommendSlots' pick calls this
 * per candidate resource and start: no mask of the whole day is built). */
int pl__day_all(const pl__day *d, int from, int to) {
  if (from < 0)
    from = 0;
  if (to > PL__CELLS)
    to = PL__CELLS;
  for (int c = from; c < to;) {
    int w = c >> 6, b = c & 63;
    int n = 64 - b < to - c ? 64 - b : to - c;
    uint64_t bits = n == 64 ? ~0ULL : ((1ULL << n) - 1) << b;
    if ((d->w[w] & bits) != bits)
      return 0;
    c += n;
  }
  return 1;
}

int pl__day_count(const pl__day *d) {
  int n = 0;
  for (int i = 0; i < PL__DAY_WORDS; i++)
    n += __builtin_popcountll(d->w[i]);
  return n;
}

void pl__day_and(pl__day *out, const pl__day *a, const pl__day *b) {
  for (int i = 0; i < PL__DAY_WORDS; i++)
    out->w[i] = a->w[i] & b->w[i];
}

void pl__day_andnot(pl__day *out, const pl__day *a, const pl__day *b) {
  for (int i = 0; i < PL__DAY_WORDS; i++)
    out->w[i] = a->w[i] & ~b->w[i];
}

void pl__day_or(pl__day *out, const pl__day *a, const pl__day *b) {
  for (int i = 0; i < PL__DAY_WORDS; i++)
    out->w[i] = a->w[i] | b->w[i];
}

void pl__day_shift_down(pl__day *out, const pl__day *d, int n) {
  pl__day t;
  int ws = n >> 6, bs = n & 63;
  for (int i = 0; i < PL__DAY_WORDS; i++) {
    uint64_t lo = i + ws < PL__DAY_WORDS ? d->w[i + ws] : 0;
    uint64_t hi = i + ws + 1 < PL__DAY_WORDS ? d->w[i + ws + 1] : 0;
    t.w[i] = bs == 0 ? lo : (lo >> bs) | (hi << (64 - bs));
  }
  *out = t;
}

void pl__day_runs(pl__day *out, const pl__day *d, int len) {
  /* r covers runs of `have` cells; double it while it fits, then top up
   * with a shifted copy of itself (runs of have + (len - have) cells are
   * r AND r shifted by len - have, valid while len - have <= have). */
  pl__day r = *d, s;
  int have = 1;
  while (have * 2 <= len) {
    pl__day_shift_down(&s, &r, have);
    pl__day_and(&r, &r, &s);
    have *= 2;
  }
  if (have < len) {
    pl__day_shift_down(&s, &r, len - have);
    pl__day_and(&r, &r, &s);
  }
  *out = r;
}

int pl__day_next(const pl__day *d, int from) {
  if (from < 0)
    from = 0;
  for (int w = from >> 6; w < PL__DAY_WORDS; w++) {
    uint64_t bits = d->w[w];
    if (w == from >> 6)
      bits &= ~0ULL << (from & 63);
    if (bits)
      return (w << 6) + __builtin_ctzll(bits);
  }
  return -1;
}
