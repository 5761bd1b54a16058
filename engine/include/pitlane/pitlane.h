/* pitlane.h — the engine's public API: open/close, errors, time, durability.
 *
 * Conventions (every header under pitlane/ follows them):
 *  1. Handles are opaque (pl_engine). The engine owns all state; there is no
 *     mutable global. Two engines in one process are independent.
 *  2. Functions return int: 0 (PL_OK) on success, a negative PL_E* on
 *     failure; a positive value only where a count is documented. A failed
 *     call changes nothing. Where a function takes `pl_error *err` (which may
 *     be NULL), a failure also fills err->msg naming the offending field
 *     ("store.code: ...").
 *  3. Inputs are copied; outputs are caller-owned structs with fixed-size
 *     string buffers, so nothing returned needs freeing.
 *  4. Threads: every function may be called from any thread concurrently,
 *     except pl_engine_close, which must be the last call.
 *  5. Time: the engine never reads the wall clock itself; `now` comes from the
 *     clock given at open (UTC milliseconds). Calendars use UTC minutes.
 *  6. Durability: a mutation is applied to memory at once (the next reader
 *     sees it) and is durable when its pl_write callback fires with 0; with a
 *     NULL pl_write the call itself blocks until the change is on disk.
 */
#ifndef PITLANE_PITLANE_H
#define PITLANE_PITLANE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PL_API __attribute__((visibility("default")))

/* X-macro: name, value, text. */
#define PL_ERRNO_MAP(XX)                                                       \
  XX(EINVAL, -1, "invalid argument")                                           \
  XX(ENOTFOUND, -2, "not found")                                               \
  XX(EEXIST, -3, "already exists")                                             \
  XX(EPRECOND, -4, "failed precondition")                                      \
  XX(ENOMEM, -5, "out of memory")                                              \
  XX(EIO, -6, "storage I/O error")                                             \
  XX(ECORRUPT, -7, "corrupt stored data")                                      \
  XX(EUNAVAIL, -8, "engine refuses writes after a storage failure")            \
  XX(ELIMIT, -9, "resource limit reached")

typedef enum pl_errno {
  PL_OK = 0,
#define PL__ERR_ENUM(name, val, text) PL_##name = (val),
  PL_ERRNO_MAP(PL__ERR_ENUM)
#undef PL__ERR_ENUM
} pl_errno;

/* Text of a code ("not found"); never NULL. */
PL_API const char *pl_strerror(int rc);
/* Name of a code ("PL_ENOTFOUND"); never NULL. */
PL_API const char *pl_err_name(int rc);

#define PL_ERRMSG_MAX 160
typedef struct pl_error {
  int code;                /* the PL_E* returned */
  char msg[PL_ERRMSG_MAX]; /* "field: reason", NUL-terminated */
} pl_error;

/* Returns the current time in UTC milliseconds. */
typedef int64_t (*pl_clock_fn)(void *arg);

typedef struct pl_config {
  const char *path;  /* RocksDB directory; created if missing */
  pl_clock_fn clock; /* NULL: CLOCK_REALTIME */
  void *clock_arg;
  int no_sync; /* 0: fsync every group commit (the default). 1 only
                  for throwaway benchmark databases. */
} pl_config;

typedef struct pl_engine pl_engine;

/* Opens (or creates) the engine's database at cfg->path and rebuilds memory
 * from it. Starts the commit thread.
 * Returns PL_EINVAL (no path), PL_EIO (RocksDB refused to open: message in
 * err), PL_ECORRUPT (a stored row does not decode), PL_ENOMEM.
 * *out is NULL on failure. */
PL_API int pl_engine_open(const pl_config *cfg, pl_engine **out, pl_error *err);

/* Waits for queued writes to become durable (their callbacks fire), stops
 * the commit thread and closes RocksDB. Accepts NULL. */
PL_API void pl_engine_close(pl_engine *e);

/* The engine's clock, in UTC milliseconds. */
PL_API int64_t pl_engine_now_ms(const pl_engine *e);

/* 1 once a storage write has failed: mutations then return PL_EUNAVAIL
 * until the engine is reopened (reads go on). */
PL_API int pl_engine_failed(const pl_engine *e);

/* Called exactly once, from the commit thread, when a mutation that returned
 * PL_OK is durable (rc 0) or could not be written (rc PL_EIO; the engine is
 * then failed and the change will not survive a restart). Must not block. */
typedef void (*pl_durable_fn)(void *arg, int rc);

typedef struct pl_write {
  pl_durable_fn durable;
  void *arg;
} pl_write;

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes left), or 0
 * if the bytes there are not one (overlong, surrogate, past U+10FFFF or
 * cut short). The engine's text checks use it; the server checks request
 * bytes with the same rule. */
PL_API size_t pl_utf8_seq(const void *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
