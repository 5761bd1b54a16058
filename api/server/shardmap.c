/* shardmap.c — the shard map from etcd's v3 JSON gateway (see shardmap.h).
 *
 * The watch thread loops: read the whole prefix (POST /v3/kv/range), swap
 * in the new snapshot, then hold a streaming POST /v3/watch from the next
 * revision until an event arrives (or 30 s pass, or stop is asked), and
 * read again. Reading the whole prefix on each change keeps the code
 * simple and the snapshot exact; the map is small (a line per chain). The
 * gateway's JSON has a fixed shape, so it is scanned for the few fields we
 * need rather than parsed in general. */
#include "shardmap.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PREFIX "/pitlane/"
#define NODES PREFIX "nodes/"
#define CHAINS PREFIX "chains/"

typedef struct shard {
  char *chain;
  int node; /* index in nodes, or -1: a node the map does not list */
  char node_id[PL_NODE_ID_MAX];
} shard;

typedef struct node_addr {
  char id[PL_NODE_ID_MAX];
  char addr[PL_NODE_ADDR_MAX];
} node_addr;

typedef struct snapshot {
  int64_t version;
  int n_nodes, n_shards;
  node_addr *nodes;
  shard *shards; /* sorted by chain */
} snapshot;

struct pl_shardmap {
  char url[256];
  char node_id[PL_NODE_ID_MAX];
  pthread_rwlock_t lock;
  snapshot *snap; /* under lock */
  pthread_t thread;
  atomic_int stop;
  int started;
};

/* ---- small helpers ------------------------------------------------------ */

typedef struct buf {
  char *p;
  size_t n, cap;
  int oom;
} buf;

static void buf_add(buf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *np = realloc(b->p, cap);
    if (np == NULL) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const char *s, char *out) {
  size_t n = strlen(s), o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)s[i] << 16;
    if (i + 1 < n)
      v |= (unsigned char)s[i + 1] << 8;
    if (i + 2 < n)
      v |= (unsigned char)s[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = '=';
    out[o++] = '=';
    if (i + 1 < n)
      out[o - 2] = b64[(v >> 6) & 63];
    if (i + 2 < n)
      out[o - 1] = b64[v & 63];
  }
  out[o] = '\0';
}

/* Decodes base64 text of n chars into out[cap] (NUL-terminated); -1 if it
 * does not fit or is malformed. */
static int b64_decode(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
  unsigned v = 0;
  int bits = 0;
  for (size_t i = 0; i < n && s[i] != '='; i++) {
    const char *at = s[i] != '\0' ? strchr(b64, s[i]) : NULL;
    if (at == NULL)
      return -1;
    v = (v << 6) | (unsigned)(at - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o + 1 >= cap)
        return -1;
      out[o++] = (char)((v >> bits) & 0xFF);
    }
  }
  out[o] = '\0';
  return 0;
}

/* The string value of "name":"..." at or after p (before end), or NULL;
 * *len is its length (etcd's base64 and numbers need no unescaping). */
static const char *json_str(const char *p, const char *end, const char *name,
                            size_t *len) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", name);
  const char *at = strstr(p, pat);
  if (at == NULL || at >= end)
    return NULL;
  at += strlen(pat);
  const char *q = strchr(at, '"');
  if (q == NULL || q > end)
    return NULL;
  *len = (size_t)(q - at);
  return at;
}

static void snapshot_free(snapshot *s) {
  if (s == NULL)
    return;
  for (int i = 0; i < s->n_shards; i++)
    free(s->shards[i].chain);
  free(s->shards);
  free(s->nodes);
  free(s);
}

static int cmp_shard(const void *a, const void *b) {
  return strcmp(((const shard *)a)->chain, ((const shard *)b)->chain);
}

/* Makes room in the array *arr (*cap elements of size bytes, n in use)
 * for one more: doubles it when full, starting at first. 0, or -1 on OOM
 * with the array unchanged. */
static int grow(void **arr, int *cap, int n, int first, size_t size) {
  if (n < *cap)
    return 0;
  int c = *cap ? *cap * 2 : first;
  void *a = realloc(*arr, (size_t)c * size);
  if (a == NULL)
    return -1;
  *arr = a;
  *cap = c;
  return 0;
}

/* Builds a snapshot from a /v3/kv/range reply; NULL if malformed. */
static snapshot *parse_range(const char *json) {
  const char *end = json + strlen(json);
  size_t len;
  const char *rev = json_str(json, end, "revision", &len);
  if (rev == NULL)
    return NULL;
  snapshot *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->version = strtoll(rev, NULL, 10);
  int cap_n = 0, cap_s = 0, bad = 0;
  const char *p = strstr(json, "\"kvs\"");
  while (p != NULL && !bad) {
    const char *k = json_str(p, end, "key", &len);
    if (k == NULL)
      break;
    const char *next = strstr(k, "\"key\":\"");
    const char *stop = next != NULL ? next : end;
    char key[512], val[512];
    size_t vlen;
    const char *v = json_str(k, stop, "value", &vlen);
    if (b64_decode(k, len, key, sizeof key) != 0 ||
        (v != NULL && b64_decode(v, vlen, val, sizeof val) != 0)) {
      bad = 1;
      break;
    }
    if (v == NULL)
      val[0] = '\0';
    if (strncmp(key, NODES, strlen(NODES)) == 0) {
      if (grow((void **)&s->nodes, &cap_n, s->n_nodes, 8, sizeof *s->nodes) !=
          0) {
        bad = 1;
        break;
      }
      node_addr *n = &s->nodes[s->n_nodes++];
      snprintf(n->id, sizeof n->id, "%.63s", key + strlen(NODES));
      snprintf(n->addr, sizeof n->addr, "%.127s", val);
    } else if (strncmp(key, CHAINS, strlen(CHAINS)) == 0) {
      if (grow((void **)&s->shards, &cap_s, s->n_shards, 64,
               sizeof *s->shards) != 0) {
        bad = 1;
        break;
      }
      shard *sh = &s->shards[s->n_shards];
      sh->chain = strdup(key + strlen(CHAINS));
      if (sh->chain == NULL) {
        bad = 1;
        break;
      }
      snprintf(sh->node_id, sizeof sh->node_id, "%.63s", val);
      s->n_shards++;
    }
    p = next;
  }
  if (bad) {
    snapshot_free(s);
    return NULL;
  }
  for (int i = 0; i < s->n_shards; i++) {
    s->shards[i].node = -1;
    for (int j = 0; j < s->n_nodes; j++)
      if (strcmp(s->nodes[j].id, s->shards[i].node_id) == 0)
        s->shards[i].node = j;
  }
  if (s->n_shards > 0)
    qsort(s->shards, (size_t)s->n_shards, sizeof *s->shards, cmp_shard);
  return s;
}

/* ---- HTTP --------------------------------------------------------------- */

typedef struct xfer {
  buf body;
  pl_shardmap *m;
  int watch;  /* a watch: stop at the first event */
  int events; /* one arrived */
} xfer;

static size_t on_data(char *p, size_t size, size_t n, void *arg) {
  xfer *x = arg;
  buf_add(&x->body, p, size * n);
  if (x->watch && x->body.p != NULL && strstr(x->body.p, "\"events\"")) {
    x->events = 1;
    return 0; /* abort: the caller reads the map again */
  }
  return x->body.oom ? 0 : size * n;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
                       curl_off_t d) {
  (void)a, (void)b, (void)c, (void)d;
  const xfer *x = arg;
  return atomic_load(&x->m->stop) ? 1 : 0;
}

/* POSTs json to url+path; 0 with the reply in x->body, or -1. */
static int post(pl_shardmap *m, const char *path, const char *json, xfer *x,
                long timeout_s) {
  CURL *h = curl_easy_init();
  if (h == NULL)
    return -1;
  char url[512];
  snprintf(url, sizeof url, "%s%s", m->url, path);
  x->m = m;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (x->watch)
    return 0; /* ends by an event, a timeout or stop: all fine */
  return rc == CURLE_OK && status == 200 && !x->body.oom ? 0 : -1;
}

/* Reads the map and swaps it in; 0 or -1. */
static int refresh(pl_shardmap *m) {
  char key[64], end[64], json[256];
  b64_encode(PREFIX, key);
  char pfx_end[] = PREFIX;
  pfx_end[sizeof pfx_end - 2]++; /* "/pitlane0": the end of the prefix */
  b64_encode(pfx_end, end);
  snprintf(json, sizeof json, "{\"key\":\"%s\",\"range_end\":\"%s\"}", key,
           end);
  xfer x = {0};
  int rc = post(m, "/v3/kv/range", json, &x, 5);
  snapshot *s = rc == 0 ? parse_range(x.body.p) : NULL;
  free(x.body.p);
  if (s == NULL)
    return -1;
  pthread_rwlock_wrlock(&m->lock);
  snapshot *old = m->snap;
  m->snap = s;
  pthread_rwlock_unlock(&m->lock);
  snapshot_free(old);
  return 0;
}

/* Waits (up to 30 s) for a change after the map's version. */
static void watch_once(pl_shardmap *m) {
  char key[64], end[64], json[320];
  b64_encode(PREFIX, key);
  char pfx_end[] = PREFIX;
  pfx_end[sizeof pfx_end - 2]++;
  b64_encode(pfx_end, end);
  snprintf(json, sizeof json,
           "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\","
           "\"start_revision\":\"%lld\"}}",
           key, end, (long long)pl_shardmap_version(m) + 1);
  xfer x = {.watch = 1};
  post(m, "/v3/watch", json, &x, 30);
  free(x.body.p);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void *watch_main(void *arg) {
  pl_shardmap *m = arg;
  int warned = 0;
  while (!atomic_load(&m->stop)) {
    watch_once(m);
    if (atomic_load(&m->stop))
      break;
    while (refresh(m) != 0 && !atomic_load(&m->stop)) {
      if (!warned++)
        fprintf(stderr,
                "pitlaned: etcd %s unreachable; keeping shard map v%lld\n",
                m->url, (long long)pl_shardmap_version(m));
      sleep_ms(500);
    }
    warned = 0;
  }
  return NULL;
}

/* ---- public ------------------------------------------------------------- */

int pl_shardmap_start(const char *url, const char *node_id, pl_shardmap **out,
                      char *why, size_t why_len) {
  *out = NULL;
  if (strlen(url) >= 200 || strlen(node_id) >= PL_NODE_ID_MAX ||
      node_id[0] == '\0') {
    snprintf(why, why_len, "--cluster-etcd/--node-id: too long or empty");
    return -1;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    snprintf(why, why_len, "libcurl: init failed");
    return -1;
  }
  pl_shardmap *m = calloc(1, sizeof *m);
  if (m == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  snprintf(m->url, sizeof m->url, "%s", url);
  size_t n = strlen(m->url);
  if (n > 0 && m->url[n - 1] == '/')
    m->url[n - 1] = '\0';
  snprintf(m->node_id, sizeof m->node_id, "%s", node_id);
  pthread_rwlock_init(&m->lock, NULL);
  atomic_init(&m->stop, 0);
  if (refresh(m) != 0) {
    snprintf(why, why_len, "cannot read the shard map from etcd at %s", url);
    pl_shardmap_stop(m);
    return -1;
  }
  int listed = 0;
  for (int i = 0; i < m->snap->n_nodes; i++)
    listed |= strcmp(m->snap->nodes[i].id, node_id) == 0;
  if (!listed) {
    snprintf(why, why_len, "node '%s' is not in the shard map (%snodes/%s)",
             node_id, PREFIX, node_id);
    pl_shardmap_stop(m);
    return -1;
  }
  if (pthread_create(&m->thread, NULL, watch_main, m) != 0) {
    snprintf(why, why_len, "cannot start the shard map thread");
    pl_shardmap_stop(m);
    return -1;
  }
  m->started = 1;
  *out = m;
  return 0;
}

void pl_shardmap_stop(pl_shardmap *m) {
  if (m == NULL)
    return;
  atomic_store(&m->stop, 1);
  if (m->started)
    pthread_join(m->thread, NULL);
  snapshot_free(m->snap);
  pthread_rwlock_destroy(&m->lock);
  free(m);
  curl_global_cleanup(); /* pairs with start's init (libcurl counts) */
}

pl_shard_owner pl_shardmap_owner(pl_shardmap *m, const char *chain, char *node,
                                 char *addr) {
  pl_shard_owner o = PL_SHARD_NONE;
  pthread_rwlock_rdlock(&m->lock);
  const snapshot *s = m->snap;
  shard key = {.chain = (char *)chain};
  const shard *sh = s->n_shards > 0
                        ? bsearch(&key, s->shards, (size_t)s->n_shards,
                                  sizeof *s->shards, cmp_shard)
                        : NULL;
  if (sh != NULL) {
    o = strcmp(sh->node_id, m->node_id) == 0 ? PL_SHARD_MINE : PL_SHARD_OTHER;
    if (o == PL_SHARD_OTHER) {
      if (node != NULL)
        snprintf(node, PL_NODE_ID_MAX, "%s", sh->node_id);
      if (addr != NULL)
        snprintf(addr, PL_NODE_ADDR_MAX, "%s",
                 sh->node >= 0 ? s->nodes[sh->node].addr : "address unknown");
    }
  }
  pthread_rwlock_unlock(&m->lock);
  return o;
}

int64_t pl_shardmap_version(pl_shardmap *m) {
  pthread_rwlock_rdlock(&m->lock);
  int64_t v = m->snap != NULL ? m->snap->version : 0;
  pthread_rwlock_unlock(&m->lock);
  return v;
}

const char *pl_shardmap_node_id(const pl_shardmap *m) {
  return m->node_id;
}

void pl_shardmap_each_mine(pl_shardmap *m, void (*fn)(void *, const char *),
                           void *arg) {
  pthread_rwlock_rdlock(&m->lock);
  const snapshot *s = m->snap;
  for (int i = 0; i < s->n_shards; i++)
    if (strcmp(s->shards[i].node_id, m->node_id) == 0)
      fn(arg, s->shards[i].chain);
  pthread_rwlock_unlock(&m->lock);
}
