/* base/validate.h — checks of caller-supplied fields, each failing with
 * PL_EINVAL and a message that names the field ("store.code: ..."). */
#ifndef PL_VALIDATE_H
#define PL_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "pitlane/pitlane.h"

/* A code: 1..cap-1 bytes of [A-Za-z0-9._-]. */
int pl__check_code(pl_error *err, const char *field, const char *s, size_t cap);
/* Optional code: "" allowed, otherwise as pl__check_code. */
int pl__check_opt_code(pl_error *err, const char *field, const char *s,
                       size_t cap);
/* Text: valid UTF-8, no control characters, at most cap-1 bytes;
 * empty allowed when allow_empty. */
int pl__check_text(pl_error *err, const char *field, const char *s, size_t cap,
                   int allow_empty);
/* lo <= v <= hi */
int pl__check_range(pl_error *err, const char *field, int64_t v, int64_t lo,
                    int64_t hi);

/* A window of UTC minutes [earliest, latest): both in [0, PL__MINUTES_MAX]
 * and latest after earliest, else PL_EINVAL naming the field
 * ("latest_min: must be after earliest_min"). With latest_optional, a
 * latest of 0 means "not given" and passes. The one rule of RecommendSlots,
 * SubmitClaim and SubmitFleetBatch. */
#define PL__MINUTES_MAX (INT64_MAX / 4)
int pl__check_window(pl_error *err, const char *earliest_field,
                     int64_t earliest, const char *latest_field, int64_t latest,
                     int latest_optional);

/* The one VIN rule (ISO 3779): exactly PL_VIN_LEN (17) characters of
 * 0-9 and A-Z without I, O and Q (upper case: never folded). The check
 * digit (9th position, used in North America and in China by GB 16735)
 * is not verified: European and other imported vehicles need not carry
 * one (proto/pitlane/v1/workorders.proto, Vehicle). With optional, "" (or NULL)
 * passes. s is read up to cap bytes, so a brim-full buffer is safe. */
int pl__check_vin(pl_error *err, const char *field, const char *s, size_t cap,
                  int optional);
/* The one plate rule: UTF-8 text without control characters of at most
 * PL_PLATE_MAX - 1 (15) bytes (沪AD12345 is 10); longer is refused, never
 * cut. With optional, "" (or NULL) passes. */
int pl__check_plate(pl_error *err, const char *field, const char *s,
                    int optional);

#endif
