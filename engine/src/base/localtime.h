/* base/localtime.h — local-time arithmetic shared by the modules: days are
 * counted from 1970-01-01 in a store's fixed UTC offset (minutes), as
 * pitlane/scheduling.h's pl_local_day (defined in base/localtime.c). Pure
 * functions, no state. */
#ifndef PL_LOCALTIME_H
#define PL_LOCALTIME_H

#include <stdint.h>

/* a / b rounded toward minus infinity (b != 0); the result fits int32 for
 * the day and week numbers it is used for. */
int32_t pl__floor_div(int64_t a, int64_t b);
/* The UTC minute that contains UTC millisecond ms (floored, also before
 * 1970). */
int64_t pl__floor_min(int64_t ms);
/* The local day of UTC millisecond ms at offset utc_offset_min. */
int32_t pl__local_day_ms(int64_t ms, int32_t utc_offset_min);
/* Day of the week of local day `day`: 0 Monday .. 6 Sunday. */
int pl__weekday(int32_t day);
/* Days since 1970-01-01 of a civil date and back (proleptic Gregorian). */
int32_t pl__days_from_civil(int32_t y, int32_t m, int32_t d);
void pl__civil_from_days(int32_t z, int32_t *y, int32_t *m, int32_t *d);

#endif
