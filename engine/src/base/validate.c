/* base/validate.c — field checks (see validate.h). The strings come from
 * fixed-size buffers that callers may have filled to the brim, so every
 * scan is bounded by the buffer's capacity, never by strlen alone. */
#include "base/validate.h"

#include <stdio.h>
#include <string.h>

#include "base/fail.h"
#include "pitlane/scheduling.h"
#include "pitlane/vehicles.h"

static int code_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int pl__check_opt_code(pl_error *err, const char *field, const char *s,
                       size_t cap) {
  size_t n = strnlen(s, cap);
  if (n == cap)
    return PL__FAIL(err, PL_EINVAL, "%s: longer than %zu bytes", field,
                    cap - 1);
  for (size_t i = 0; i < n; i++)
    if (!code_char((unsigned char)s[i]))
      return PL__FAIL(err, PL_EINVAL,
                      "%s: only letters, digits, '.', '_' and '-' allowed",
                      field);
  return 0;
}

int pl__check_code(pl_error *err, const char *field, const char *s,
                   size_t cap) {
  if (s == NULL || s[0] == '\0')
    return PL__FAIL(err, PL_EINVAL, "%s: required", field);
  return pl__check_opt_code(err, field, s, cap);
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  unsigned cp = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

size_t pl_utf8_seq(const void *s, size_t n) {
  return utf8_seq(s, n);
}

int pl__check_text(pl_error *err, const char *field, const char *s, size_t cap,
                   int allow_empty) {
  size_t n = strnlen(s, cap);
  if (n == cap)
    return PL__FAIL(err, PL_EINVAL, "%s: longer than %zu bytes", field,
                    cap - 1);
  if (n == 0 && !allow_empty)
    return PL__FAIL(err, PL_EINVAL, "%s: required", field);
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    if (u[i] < 0x20 || u[i] == 0x7F)
      return PL__FAIL(err, PL_EINVAL, "%s: control character at byte %zu",
                      field, i);
    size_t l = utf8_seq(u + i, n - i);
    if (l == 0)
      return PL__FAIL(err, PL_EINVAL, "%s: invalid UTF-8 at byte %zu", field,
                      i);
    i += l;
  }
  return 0;
}

int pl__check_range(pl_error *err, const char *field, int64_t v, int64_t lo,
                    int64_t hi) {
  if (v < lo || v > hi)
    return PL__FAIL(err, PL_EINVAL, "%s: %lld out of range [%lld, %lld]", field,
                    (long long)v, (long long)lo, (long long)hi);
  return 0;
}

int pl__check_window(pl_error *err, const char *earliest_field,
                     int64_t earliest, const char *latest_field, int64_t latest,
                     int latest_optional) {
  int rc = pl__check_range(err, earliest_field, earliest, 0, PL__MINUTES_MAX);
  if (rc == 0)
    rc = pl__check_range(err, latest_field, latest, 0, PL__MINUTES_MAX);
  if (rc == 0 && !(latest_optional && latest == 0) && latest <= earliest)
    rc = PL__FAIL(err, PL_EINVAL, "%s: must be after %s", latest_field,
                  earliest_field);
  return rc;
}

static int vin_char(char ch) {
  return (ch >= '0' && ch <= '9') ||
         (ch >= 'A' && ch <= 'Z' && ch != 'I' && ch != 'O' && ch != 'Q');
}

int pl__check_vin(pl_error *err, const char *field, const char *s, size_t cap,
                  int optional) {
  size_t n = s == NULL ? 0 : strnlen(s, cap);
  if (n == 0 && optional)
    return 0;
  if (n != PL_VIN_LEN)
    return PL__FAIL(err, PL_EINVAL, "%s: must be %d characters", field,
                    PL_VIN_LEN);
  for (size_t i = 0; i < n; i++)
    if (!vin_char(s[i]))
      return PL__FAIL(err, PL_EINVAL,
                      "%s: character %zu is not one of A-H J-N P R-Z 0-9",
                      field, i + 1);
  return 0;
}

int pl__check_plate(pl_error *err, const char *field, const char *s,
                    int optional) {
  return pl__check_text(err, field, s == NULL ? "" : s, PL_PLATE_MAX, optional);
}
