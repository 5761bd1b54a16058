/* bench_util.h — small helpers the engine benchmarks share: a monotonic
 * clock, an int64 comparator for percentiles, and making and removing a
 * benchmark's RocksDB directory. Header-only (static functions). */
#ifndef PL_BENCH_UTIL_H
#define PL_BENCH_UTIL_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int rm_one(const char *p, const struct stat *sb, int f, struct FTW *w) {
  (void)sb, (void)f, (void)w;
  return remove(p);
}

/* Removes dir and everything under it. */
static inline void bench_rmrf(const char *dir) {
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes a new empty directory $TMPDIR/<prefix>-XXXXXX (TMPDIR defaulting
 * to /tmp), its path in dir[cap]. 0, or -1 if it could not be made. */
static inline int bench_tempdir(char *dir, size_t cap, const char *prefix) {
  const char *base = getenv("TMPDIR");
  snprintf(dir, cap, "%s/%s-XXXXXX", base ? base : "/tmp", prefix);
  return mkdtemp(dir) != NULL ? 0 : -1;
}

/* The next value of the xorshift64 generator whose state is *s (never
 * 0): cheap, repeatable random numbers for building benchmark data. */
static inline uint64_t bench_xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static inline int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

#endif
