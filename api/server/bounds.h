/* bounds.h — the edge check every request passes once, after decoding and
 * before its handler: one table of bounds, driven by the protobuf-c
 * descriptors, for every integer, string and repeated count of every
 * request message (nested messages included).
 *
 *   integers   by field name (ids and cursors 0..2^53, *_min minutes and
 *              *_ms times within +-200 years, *_day(s) within +-200 years
 *              of days, quantities |q| <= 1e12, money |fen| <= 1e15, every
 *              other int32 |v| <= 1e9 and int64/uint64 |v| <= 2^53), so that
 *              no arithmetic on them in the engine can overflow;
 *   strings    at most PL_BOUNDS_STR_MAX bytes, valid UTF-8, no NUL (which
 *              protobuf-c would silently cut the string at), no control
 *              character (tab, CR and LF only in free-text fields such as
 *              name, note, text, reason);
 *   repeated   at most PL_BOUNDS_REPEATED_MAX elements per field.
 *
 * Strings are checked on the wire bytes (the decoded C string has lost its
 * length), integers and counts on the decoded message. */
#ifndef PL_API_BOUNDS_H
#define PL_API_BOUNDS_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define PL_BOUNDS_STR_MAX 4096
#define PL_BOUNDS_REPEATED_MAX 1024

/* Checks request `msg` (decoded from the `len` bytes at `wire` with its
 * descriptor). Returns 0 when every field is within bounds; otherwise -1
 * with "<field path>: <what>" in detail (a C string of at most n bytes). */
int pl_bounds_check(const ProtobufCMessage *msg, const uint8_t *wire,
                    size_t len, char *detail, size_t n);

#endif
