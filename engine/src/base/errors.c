/* base/errors.c — text and names for the PL_E* codes (from PL_ERRNO_MAP). */
#include "pitlane/pitlane.h"

const char *pl_strerror(int rc) {
  switch (rc) {
  case PL_OK:
    return "ok";
#define PL__ERR_TEXT(name, val, text)                                          \
  case PL_##name:                                                              \
    return text;
    PL_ERRNO_MAP(PL__ERR_TEXT)
#undef PL__ERR_TEXT
  default:
    return "unknown error";
  }
}

const char *pl_err_name(int rc) {
  switch (rc) {
  case PL_OK:
    return "PL_OK";
#define PL__ERR_NAME(name, val, text)                                          \
  case PL_##name:                                                              \
    return "PL_" #name;
    PL_ERRNO_MAP(PL__ERR_NAME)
#undef PL__ERR_NAME
  default:
    return "PL_E?";
  }
}
