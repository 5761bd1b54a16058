/* base/codec.h — the byte encoding of stored rows: a growable output buffer and
 * a bounds-checked reader.
 *
 * A row is a sequence of fields in a fixed order: integers as zigzag
 * varints, strings as a varint length then bytes. New fields are only ever
 * appended; a reader that runs out of bytes before a field returns the
 * field's default (pl__rd_more() tells), so old rows read in new code.
 * Every reader function fails (sets r->bad) instead of reading past the
 * end: stored bytes are input like any other. */
#ifndef PL_CODEC_H
#define PL_CODEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl__buf {
  unsigned char *p;
  size_t n, cap;
  int oom; /* set once an append failed; later appends do nothing */
} pl__buf;

void pl__buf_free(pl__buf *b);
void pl__buf_reset(pl__buf *b);
void pl__buf_bytes(pl__buf *b, const void *p, size_t n);
void pl__buf_u8(pl__buf *b, unsigned v);
void pl__buf_be64(pl__buf *b, uint64_t v);
void pl__buf_uvar(pl__buf *b, uint64_t v);
void pl__buf_svar(pl__buf *b, int64_t v);
void pl__buf_str(pl__buf *b, const char *s); /* length-prefixed */

typedef struct pl__rd {
  const unsigned char *p;
  size_t n, off;
  int bad;
} pl__rd;

void pl__rd_init(pl__rd *r, const void *p, size_t n);
int pl__rd_more(const pl__rd *r);
uint64_t pl__rd_uvar(pl__rd *r);
int64_t pl__rd_svar(pl__rd *r);
/* Copies a length-prefixed string into dst (cap bytes, NUL-terminated);
 * a string that does not fit, or has a NUL inside, marks r bad. Missing
 * (end of row) gives "". */
void pl__rd_str(pl__rd *r, char *dst, size_t cap);
uint64_t pl__be64_get(const unsigned char *p);

#endif
