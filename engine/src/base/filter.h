/* base/filter.h — the one rule of a list filter's optional string field
 * (domain-free): an unset field (NULL or "") lets every record through, a
 * set one only the records whose value equals it. */
#ifndef PL_FILTER_H
#define PL_FILTER_H

#include <string.h>

/* 1 if a record whose field is `have` passes a filter asking for `want`. */
static inline int pl__want_str(const char *want, const char *have) {
  return want == NULL || want[0] == '\0' || strcmp(want, have) == 0;
}

#endif
