/* base/localtime.c — local days and weeks (base/localtime.h), and the public
 * pl_local_day (pitlane/scheduling.h). */
#include "base/localtime.h"

#include "pitlane/scheduling.h"

int32_t pl__floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return (int32_t)q;
}

int64_t pl__floor_min(int64_t ms) {
  return ms >= 0 ? ms / 60000 : -((-ms + 59999) / 60000);
}

int32_t pl_local_day(int64_t utc_min, int32_t utc_offset_min) {
  return pl__floor_div(utc_min + utc_offset_min, 1440);
}

int32_t pl__local_day_ms(int64_t ms, int32_t utc_offset_min) {
  return pl_local_day(pl__floor_min(ms), utc_offset_min);
}

int pl__weekday(int32_t day) { /* 1970-01-01 was a Thursday */
  int w = (int)((day + 3) % 7);
  return w < 0 ? w + 7 : w;
}
