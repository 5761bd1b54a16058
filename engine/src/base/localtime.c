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

/* H. Hinnant's algorithms (proleptic Gregorian, days since 1970-01-01). */
int32_t pl__days_from_civil(int32_t y, int32_t m, int32_t d) {
  y -= m <= 2;
  int32_t era = (y >= 0 ? y : y - 399) / 400;
  int32_t yoe = y - era * 400;
  int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void pl__civil_from_days(int32_t z, int32_t *y, int32_t *m, int32_t *d) {
  z += 719468;
  int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  int32_t doe = z - era * 146097;
  int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int32_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}
