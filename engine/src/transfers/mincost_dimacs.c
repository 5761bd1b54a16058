/* transfers/mincost_dimacs.c — DIMACS min-cost-flow reader for pl_mcf (see
 * mincost.h). The text is untrusted (files from elsewhere, fuzzing): it is
 * read with explicit bounds, never assumed NUL-terminated, and every number
 * is range-checked before use.
 *
 * Invariants:
 *  1. No byte at or past text + len is read.
 *  2. Before the p line no n/a line is accepted; after it, exactly the
 *     announced number of a lines must follow, each node has at most one n
 *     line, and every id is within [1, nodes].
 *  3. On any failure the partly built problem is freed and *out is NULL.
 */
#include "pitlane/mincost.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line_rd {
  const char *p, *end; /* the current line, without its newline */
} line_rd;

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_blanks(line_rd *r) {
  while (r->p < r->end && is_blank(*r->p))
    r->p++;
}

/* Reads one signed decimal int64 token. Returns 0 or -1 (no number, junk
 * glued to it, overflow). */
static int read_i64(line_rd *r, int64_t *out) {
  skip_blanks(r);
  int neg = 0;
  if (r->p < r->end && (*r->p == '-' || *r->p == '+')) {
    neg = *r->p == '-';
    r->p++;
  }
  if (r->p >= r->end || *r->p < '0' || *r->p > '9')
    return -1;
  int64_t v = 0;
  while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
    int d = *r->p++ - '0';
    /* accumulate negatively so INT64_MIN parses */
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_sub_overflow(v, d, &v))
      return -1;
  }
  if (r->p < r->end && !is_blank(*r->p))
    return -1;
  if (!neg) {
    if (v == INT64_MIN)
      return -1;
    v = -v;
  }
  *out = v;
  return 0;
}

static int at_end(line_rd *r) {
  skip_blanks(r);
  return r->p == r->end;
}

static int fail(char *why, size_t why_len, long line, const char *fmt, ...) {
  if (why_len > 0) {
    int k = snprintf(why, why_len, "line %ld: ", line);
    if (k >= 0 && (size_t)k < why_len) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(why + k, why_len - (size_t)k, fmt, ap);
      va_end(ap);
    }
  }
  return PL_EINVAL;
}

int pl_mcf_read_dimacs(const char *text, size_t len, pl_mcf **out, char *why,
                       size_t why_len) {
  *out = NULL;
  if (why_len > 0)
    why[0] = '\0';
  pl_mcf *m = NULL;
  unsigned char *seen = NULL; /* node has had an n line */
  int64_t n_nodes = 0, n_arcs = 0, arcs_read = 0;
  long line = 0;
  int rc = 0;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    line_rd r = {p, nl ? nl : end};
    p = nl ? nl + 1 : end;
    line++;
    skip_blanks(&r);
    if (r.p == r.end)
      continue; /* blank line */
    char kind = *r.p++;
    if (kind == 'c')
      continue;
    if (r.p < r.end && !is_blank(*r.p)) {
      rc = fail(why, why_len, line, "unknown line type");
      goto done;
    }
    if (kind == 'p') {
      skip_blanks(&r);
      if (m != NULL) {
        rc = fail(why, why_len, line, "second p line");
        goto done;
      }
      if (r.end - r.p < 3 || memcmp(r.p, "min", 3) != 0 ||
          (r.end - r.p > 3 && !is_blank(r.p[3]))) {
        rc = fail(why, why_len, line, "expected 'p min NODES ARCS'");
        goto done;
      }
      r.p += 3;
      if (read_i64(&r, &n_nodes) || read_i64(&r, &n_arcs) || !at_end(&r)) {
        rc = fail(why, why_len, line, "expected 'p min NODES ARCS'");
        goto done;
      }
      if (n_nodes < 1 || n_nodes > PL_MCF_MAX_NODES || n_arcs < 0 ||
          n_arcs > INT32_MAX - PL_MCF_MAX_NODES - 1) {
        rc = fail(why, why_len, line, "node or arc count out of range");
        goto done;
      }
      /* Pre-size from the text, not the claim: an arc line has >= 12
       * bytes, so a lying header cannot make us allocate much. */
      int64_t hint = n_arcs;
      if ((size_t)hint > len / 12 + 1)
        hint = (int64_t)(len / 12 + 1);
      rc = pl_mcf_new((int)n_nodes, (int)hint, &m);
      if (rc == 0) {
        seen = calloc((size_t)n_nodes, 1);
        if (seen == NULL)
          rc = PL_ENOMEM;
      }
      if (rc != 0) {
        fail(why, why_len, line, "out of memory");
        goto done;
      }
    } else if (kind == 'n') {
      int64_t id, supply;
      if (m == NULL) {
        rc = fail(why, why_len, line, "n line before the p line");
        goto done;
      }
      if (read_i64(&r, &id) || read_i64(&r, &supply) || !at_end(&r)) {
        rc = fail(why, why_len, line, "expected 'n ID SUPPLY'");
        goto done;
      }
      if (id < 1 || id > n_nodes) {
        rc = fail(why, why_len, line, "node id out of range");
        goto done;
      }
      if (seen[id - 1]) {
        rc = fail(why, why_len, line, "node %lld given twice", (long long)id);
        goto done;
      }
      seen[id - 1] = 1;
      pl_mcf_set_supply(m, (int)(id - 1), supply);
    } else if (kind == 'a') {
      int64_t f, t, lo, cap, cost;
      if (m == NULL) {
        rc = fail(why, why_len, line, "a line before the p line");
        goto done;
      }
      if (read_i64(&r, &f) || read_i64(&r, &t) || read_i64(&r, &lo) ||
          read_i64(&r, &cap) || read_i64(&r, &cost) || !at_end(&r)) {
        rc = fail(why, why_len, line, "expected 'a FROM TO LOW CAP COST'");
        goto done;
      }
      if (f < 1 || f > n_nodes || t < 1 || t > n_nodes) {
        rc = fail(why, why_len, line, "node id out of range");
        goto done;
      }
      if (lo < 0 || cap < lo) {
        rc = fail(why, why_len, line, "bounds must satisfy 0 <= low <= cap");
        goto done;
      }
      if (arcs_read == n_arcs) {
        rc = fail(why, why_len, line, "more arcs than the p line announced");
        goto done;
      }
      int a =
          pl_mcf_add_arc_bounded(m, (int)(f - 1), (int)(t - 1), lo, cap, cost);
      if (a < 0) {
        rc = a == PL_ENOMEM ? PL_ENOMEM : PL_EINVAL;
        fail(why, why_len, line,
             a == PL_ENOMEM ? "out of memory" : "arc out of range (overflow)");
        goto done;
      }
      arcs_read++;
    } else {
      rc = fail(why, why_len, line, "unknown line type");
      goto done;
    }
  }
  if (m == NULL) {
    rc = fail(why, why_len, line, "no p line");
    goto done;
  }
  if (arcs_read != n_arcs) {
    rc = fail(why, why_len, line, "%lld arcs read, the p line announced %lld",
              (long long)arcs_read, (long long)n_arcs);
    goto done;
  }
done:
  free(seen);
  if (rc != 0) {
    pl_mcf_free(m);
    return rc;
  }
  *out = m;
  return 0;
}
