/* base/fail.h — how the engine words an error: a negative PL_E* code with
 * a message in the caller's pl_error (domain-free; used by every folder,
 * base/validate.c included). */
#ifndef PL_FAIL_H
#define PL_FAIL_H

#include <stdarg.h>
#include <stdio.h>

#include "pitlane/pitlane.h"

/* Fills err (if not NULL) with code and a printf-style message; returns
 * code. Inline so that callers (and the static analyzer) see that it
 * returns exactly `code`. */
__attribute__((format(printf, 3, 4))) static inline int
pl__fail(pl_error *err, int code, const char *fmt, ...) {
  if (err == NULL)
    return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}
/* pl__fail as an expression whose value is visibly `code` (the analyzer
 * does not follow variadic calls). */
#define PL__FAIL(err, code, ...) (pl__fail((err), (code), __VA_ARGS__), (code))

#endif
