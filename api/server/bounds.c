/* bounds.c — the edge check of every request (see bounds.h): the bounds
 * table by field name, a walk of the wire bytes for strings and a walk of
 * the decoded message for integers and repeated counts, both driven by
 * the protobuf-c descriptors so that a new RPC or field is covered without
 * code here. */
#include "server/bounds.h"

#include <stdio.h>
#include <string.h>

#include "pitlane/pitlane.h"

#define DEPTH_MAX 8
#define PATH_MAX_LEN 192
#define SAFE_MAX ((int64_t)1 << 53) /* exact in a double, far from 2^63 */
#define YEARS 200                   /* span of any time, either way */
#define DAYS_SPAN ((int64_t)YEARS * 366)
#define MIN_SPAN (DAYS_SPAN * 1440)
#define MS_SPAN (DAYS_SPAN * 86400000)
#define QTY_SPAN 1000000000000LL    /* 1e12 units */
#define FEN_SPAN 1000000000000000LL /* 1e15 fen */
#define INT32_SPAN 1000000000LL     /* any other int32 */

/* A bound for integer fields whose name is `name` (or, with suffix, ends
 * in it). The first matching row wins; `fallback` rows match by width. */
typedef struct rule {
  const char *name;
  int suffix;
  int64_t lo, hi;
} rule;

static const rule RULES[] = {
    /* ids and cursors: never negative, never near the end of int64 */
    {"id", 0, 0, SAFE_MAX},
    {"_id", 1, 0, SAFE_MAX},
    {"lot", 0, 0, SAFE_MAX},
    {"cursor", 0, 0, SAFE_MAX},
    {"after_seq", 0, 0, SAFE_MAX},
    /* times */
    {"_min", 1, -MIN_SPAN, MIN_SPAN},
    {"_minutes", 1, -MIN_SPAN, MIN_SPAN},
    {"_ms", 1, -MS_SPAN, MS_SPAN},
    {"_day", 1, -DAYS_SPAN, DAYS_SPAN},
    {"_days", 1, -DAYS_SPAN, DAYS_SPAN},
    {"days", 0, -DAYS_SPAN, DAYS_SPAN},
    /* quantities and money */
    {"qty", 0, -QTY_SPAN, QTY_SPAN},
    {"_qty", 1, -QTY_SPAN, QTY_SPAN},
    {"counted", 0, -QTY_SPAN, QTY_SPAN},
    {"capacity", 0, -QTY_SPAN, QTY_SPAN},
    {"_fen", 1, -FEN_SPAN, FEN_SPAN},
};

/* Free-text fields, where tab, CR and LF may appear; every other string is
 * a code, a name of something or a reference and has no control at all. */
static const char *const FREE_TEXT[] = {
    "name",   "note",   "notes",     "text", "comment",
    "reason", "damage", "complaint", "spec", "label"};

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

/* The bounds of integer field f: its row in RULES or the width default. */
static void int_bounds(const ProtobufCFieldDescriptor *f, int wide, int64_t *lo,
                       int64_t *hi) {
  for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++) {
    const rule *r = &RULES[i];
    if (r->suffix ? ends_with(f->name, r->name)
                  : strcmp(f->name, r->name) == 0) {
      *lo = r->lo;
      *hi = r->hi;
      return;
    }
  }
  *lo = wide ? -SAFE_MAX : -INT32_SPAN;
  *hi = wide ? SAFE_MAX : INT32_SPAN;
}

static int free_text(const char *name) {
  for (size_t i = 0; i < sizeof FREE_TEXT / sizeof FREE_TEXT[0]; i++)
    if (strcmp(name, FREE_TEXT[i]) == 0)
      return 1;
  return 0;
}

static int fail(char *detail, size_t n, const char *path, const char *what) {
  snprintf(detail, n, "%s: %s", path, what);
  return -1;
}

/* One string field's wire bytes. */
static int check_string(const ProtobufCFieldDescriptor *f, const uint8_t *s,
                        size_t len, const char *path, char *detail, size_t n) {
  char what[64];
  if (len > PL_BOUNDS_STR_MAX) {
    snprintf(what, sizeof what, "longer than %d bytes", PL_BOUNDS_STR_MAX);
    return fail(detail, n, path, what);
  }
  int text = free_text(f->name);
  for (size_t i = 0; i < len;) {
    uint8_t c = s[i];
    if (c == 0) {
      snprintf(what, sizeof what, "NUL byte at byte %zu", i);
      return fail(detail, n, path, what);
    }
    if ((c < 0x20 && !(text && (c == '\t' || c == '\n' || c == '\r'))) ||
        c == 0x7F) {
      snprintf(what, sizeof what, "control character at byte %zu", i);
      return fail(detail, n, path, what);
    }
    size_t k = pl_utf8_seq(s + i, len - i);
    if (k == 0) {
      snprintf(what, sizeof what, "not valid UTF-8 at byte %zu", i);
      return fail(detail, n, path, what);
    }
    i += k;
  }
  return 0;
}

/* Reads a varint at *p (before end); -1 when it runs past end. */
static int rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t x = 0;
  for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    x |= (uint64_t)(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* "prefix.name" or "prefix.name[i]" (i < 0: not repeated) into out. */
static void field_path(char *out, size_t n, const char *prefix,
                       const ProtobufCFieldDescriptor *f, long i) {
  const char *dot = prefix[0] ? "." : "";
  if (i < 0)
    snprintf(out, n, "%s%s%s", prefix, dot, f->name);
  else
    snprintf(out, n, "%s%s%s[%ld]", prefix, dot, f->name, i);
}

/* Walks the wire bytes [p, end) of a message of descriptor d: every string
 * field is checked, every message field walked in turn. Wire it cannot
 * follow stops the walk (the decoder accepted it, so only unknown fields
 * can hold such bytes). */
static int wire_walk(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                     const uint8_t *end, const char *prefix, int depth,
                     char *detail, size_t n) {
  unsigned occ[64] = {0}; /* occurrences per field index, for [i] */
  if (depth > DEPTH_MAX)
    return fail(detail, n, prefix, "nested too deep");
  while (p < end) {
    uint64_t tag, len;
    if (rd_varint(&p, end, &tag) != 0)
      return 0;
    switch (tag & 7) {
    case 0:
      if (rd_varint(&p, end, &len) != 0)
        return 0;
      continue;
    case 1:
      if (end - p < 8)
        return 0;
      p += 8;
      continue;
    case 5:
      if (end - p < 4)
        return 0;
      p += 4;
      continue;
    case 2:
      break;
    default:
      return 0;
    }
    if (rd_varint(&p, end, &len) != 0 || len > (uint64_t)(end - p))
      return 0;
    const uint8_t *body = p;
    p += len;
    if (tag >> 3 > UINT32_MAX)
      continue;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3));
    if (f == NULL || (f->type != PROTOBUF_C_TYPE_STRING &&
                      f->type != PROTOBUF_C_TYPE_MESSAGE))
      continue; /* unknown, bytes, or a packed array */
    size_t ix = (size_t)(f - d->fields);
    long i = -1;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
      i = ix < 64 ? (long)occ[ix]++ : 0;
    char path[PATH_MAX_LEN];
    field_path(path, sizeof path, prefix, f, i);
    int rc = f->type == PROTOBUF_C_TYPE_STRING
                 ? check_string(f, body, (size_t)len, path, detail, n)
                 : wire_walk(f->descriptor, body, body + len, path, depth + 1,
                             detail, n);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* One integer value of field f (at v), against its bounds. */
static int check_int(const ProtobufCFieldDescriptor *f, const void *v,
                     const char *path, char *detail, size_t n) {
  int64_t x;
  int wide = 1;
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
    x = *(const int32_t *)v;
    wide = 0;
    break;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
    x = *(const uint32_t *)v;
    wide = 0;
    break;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
    x = *(const int64_t *)v;
    break;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: {
    uint64_t u = *(const uint64_t *)v;
    x = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    break;
  }
  default:
    return 0;
  }
  int64_t lo, hi;
  int_bounds(f, wide, &lo, &hi);
  if (x >= lo && x <= hi)
    return 0;
  char what[96];
  snprintf(what, sizeof what, "%lld not in %lld..%lld", (long long)x,
           (long long)lo, (long long)hi);
  return fail(detail, n, path, what);
}

/* Size in the decoded struct of one element of a repeated integer field. */
static size_t int_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    return 8;
  default:
    return 4;
  }
}

static int is_int(ProtobufCType t) {
  return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
         t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_UINT32 ||
         t == PROTOBUF_C_TYPE_FIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
         t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64 ||
         t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_FIXED64;
}

/* Walks decoded message m: repeated counts and integers. */
static int msg_walk(const ProtobufCMessage *m, const char *prefix, int depth,
                    char *detail, size_t n) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *base = (const char *)m;
  if (depth > DEPTH_MAX)
    return fail(detail, n, prefix, "nested too deep");
  for (unsigned k = 0; k < d->n_fields; k++) {
    const ProtobufCFieldDescriptor *f = &d->fields[k];
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
      continue;
    char path[PATH_MAX_LEN];
    const void *at = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t cnt = *(const size_t *)(const void *)(base + f->quantifier_offset);
      if (cnt > PL_BOUNDS_REPEATED_MAX) {
        char what[64];
        field_path(path, sizeof path, prefix, f, -1);
        snprintf(what, sizeof what, "%zu elements, more than %d", cnt,
                 PL_BOUNDS_REPEATED_MAX);
        return fail(detail, n, path, what);
      }
      const char *arr = *(const char *const *)at;
      for (size_t i = 0; i < cnt && arr != NULL; i++) {
        int rc = 0;
        field_path(path, sizeof path, prefix, f, (long)i);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
          rc = msg_walk(((const ProtobufCMessage *const *)(const void *)arr)[i],
                        path, depth + 1, detail, n);
        else if (is_int(f->type))
          rc = check_int(f, arr + i * int_size(f->type), path, detail, n);
        if (rc != 0)
          return rc;
      }
      continue;
    }
    field_path(path, sizeof path, prefix, f, -1);
    int rc = 0;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
      const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)at;
      if (sub != NULL)
        rc = msg_walk(sub, path, depth + 1, detail, n);
    } else if (is_int(f->type)) {
      rc = check_int(f, at, path, detail, n);
    }
    if (rc != 0)
      return rc;
  }
  return 0;
}

int pl_bounds_check(const ProtobufCMessage *msg, const uint8_t *wire,
                    size_t len, char *detail, size_t n) {
  int rc = wire_walk(msg->descriptor, wire, wire + len, "", 0, detail, n);
  return rc != 0 ? rc : msg_walk(msg, "", 0, detail, n);
}
