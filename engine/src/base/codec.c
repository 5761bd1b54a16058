/* base/codec.c — row encoding (see codec.h). */
#include "base/codec.h"

#include <stdlib.h>
#include <string.h>

void pl__buf_free(pl__buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

void pl__buf_reset(pl__buf *b) {
  b->n = 0;
  b->oom = 0;
}

void pl__buf_bytes(pl__buf *b, const void *p, size_t n) {
  if (b->oom)
    return;
  if (b->n + n > b->cap) {
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->n + n)
      ncap *= 2;
    unsigned char *np = realloc(b->p, ncap);
    if (np == NULL) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = ncap;
  }
  if (n > 0)
    memcpy(b->p + b->n, p, n);
  b->n += n;
}

void pl__buf_u8(pl__buf *b, unsigned v) {
  unsigned char c = (unsigned char)v;
  pl__buf_bytes(b, &c, 1);
}

void pl__buf_be64(pl__buf *b, uint64_t v) {
  unsigned char t[8];
  for (int i = 7; i >= 0; i--, v >>= 8)
    t[i] = (unsigned char)v;
  pl__buf_bytes(b, t, 8);
}

void pl__buf_uvar(pl__buf *b, uint64_t v) {
  unsigned char t[10];
  size_t n = 0;
  while (v >= 0x80) {
    t[n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  t[n++] = (unsigned char)v;
  pl__buf_bytes(b, t, n);
}

void pl__buf_svar(pl__buf *b, int64_t v) {
  pl__buf_uvar(b, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

void pl__buf_str(pl__buf *b, const char *s) {
  size_t n = strlen(s);
  pl__buf_uvar(b, n);
  pl__buf_bytes(b, s, n);
}

void pl__rd_init(pl__rd *r, const void *p, size_t n) {
  r->p = p;
  r->n = n;
  r->off = 0;
  r->bad = 0;
}

int pl__rd_more(const pl__rd *r) {
  return !r->bad && r->off < r->n;
}

uint64_t pl__rd_uvar(pl__rd *r) {
  if (!pl__rd_more(r))
    return 0; /* a field missing at the end of the row: its default */
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->off >= r->n)
      break; /* truncated inside the varint */
    unsigned char c = r->p[r->off++];
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80))
      return v;
  }
  r->bad = 1;
  return 0;
}

int64_t pl__rd_svar(pl__rd *r) {
  uint64_t u = pl__rd_uvar(r);
  return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

void pl__rd_str(pl__rd *r, char *dst, size_t cap) {
  dst[0] = '\0';
  if (!pl__rd_more(r))
    return;
  uint64_t len = pl__rd_uvar(r);
  if (r->bad || len >= cap || len > r->n - r->off) {
    r->bad = 1;
    return;
  }
  if (memchr(r->p + r->off, '\0', (size_t)len) != NULL) {
    r->bad = 1;
    return;
  }
  memcpy(dst, r->p + r->off, (size_t)len);
  dst[len] = '\0';
  r->off += (size_t)len;
}

uint64_t pl__be64_get(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}
