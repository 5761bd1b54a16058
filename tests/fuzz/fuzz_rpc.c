/* fuzz_rpc.c — libFuzzer target for every request decoder and handler of
 * pitlaned: the first byte picks a method (in the server's table order),
 * the rest is its request message. Each input runs in process through
 * pl_rpc_invoke — decode, handler, engine, a durable write for mutations —
 * on one engine (the demo chain, RocksDB without fsync) that lives for the
 * whole run. Any crash, sanitizer report or hang is a finding.
 *
 * Structure-aware mutation (LLVMFuzzerCustomMutator): most of the time an
 * input is decoded with its method's protobuf-c descriptor, one integer or
 * string field (at any depth, in repeated elements too) is set to an
 * interesting value (the ends of each integer type, 2^53, the edge's
 * bounds and just past them, demo codes, long and non-UTF-8 strings) or
 * to a neighbour of its value, and the message is encoded again; the rest
 * of the time libFuzzer's byte-level mutators run, with tests/fuzz/
 * rpc.dict (wire encodings of the same values) as their dictionary. */
#include <ftw.h>
#include <grpc/grpc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "pitlane/demo.h"
#include "pitlane/pitlane.h"
#include "server/methods.h"

static pl_engine *engine;
static pl_method *methods;
static int n_methods;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char dir[] = "/tmp/pitlane-fuzz-XXXXXX";
  if (mkdtemp(dir) == NULL)
    abort();
  pl_config cfg = {.path = dir, .no_sync = 1};
  pl_error err = {0};
  if (pl_engine_open(&cfg, &engine, &err) != 0 ||
      pl_demo_load(engine, &err) != 0) {
    fprintf(stderr, "fuzz_rpc: %s\n", err.msg);
    abort();
  }
  grpc_init();
  methods = pl_all_methods(&n_methods);
  if (methods == NULL || n_methods == 0)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const pl_method *m = &methods[data[0] % n_methods];
  char detail[256];
  pl_rpc_invoke(engine, m, data + 1, size - 1, detail, sizeof detail);
  return 0;
}

/* ---- structure-aware mutator --------------------------------------------- */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static const int64_t INTS[] = {0,
                               1,
                               -1,
                               2,
                               INT32_MIN,
                               INT32_MAX,
                               (int64_t)INT32_MAX + 1,
                               UINT32_MAX,
                               INT64_MIN,
                               INT64_MAX,
                               INT64_MAX - 1,
                               (int64_t)1 << 53,
                               ((int64_t)1 << 53) + 1,
                               -((int64_t)1 << 53),
                               (int64_t)1 << 62,
                               1000000000,
                               1000000001,
                               1000000000000LL,
                               1000000000001LL,
                               1000000000000000LL,
                               105408000, /* the edge's minute span */
                               105408001,
                               73200, /* its day span */
                               73201,
                               1440,
                               1439,
                               10080,
                               366,
                               5000,
                               999999};

static const char *const STRS[] = {"",
                                   "demo",
                                   "SH01",
                                   "SH02",
                                   "WH-SH01",
                                   "WH-SH02",
                                   "OF-1001",
                                   "MAINT",
                                   "TYRE",
                                   "L1",
                                   "T01",
                                   "R01",
                                   "LSVDEM00000000001",
                                   "2026-12-01",
                                   "2026-02-30",
                                   "13600000001",
                                   "PICC",
                                   "demo-fleet",
                                   "\xff\xfe",
                                   "a\001b",
                                   "\xed\xa0\x80",
                                   "a\nb",
                                   "x.y_z-1",
                                   "沪A12345"};

/* A field that can be mutated: its message and descriptor. */
typedef struct slot {
  ProtobufCMessage *msg;
  const ProtobufCFieldDescriptor *f;
  size_t elem; /* for repeated fields, which element */
} slot;

#define SLOTS_MAX 256

static int scalar(ProtobufCType t) {
  return t != PROTOBUF_C_TYPE_MESSAGE && t != PROTOBUF_C_TYPE_BYTES &&
         t != PROTOBUF_C_TYPE_BOOL && t != PROTOBUF_C_TYPE_DOUBLE &&
         t != PROTOBUF_C_TYPE_FLOAT;
}

/* Collects the mutable fields of m (present sub-messages, up to depth 4). */
static void collect(ProtobufCMessage *m, int depth, slot *out, size_t *n) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  char *base = (char *)m;
  for (unsigned k = 0; k < d->n_fields && *n < SLOTS_MAX; k++) {
    const ProtobufCFieldDescriptor *f = &d->fields[k];
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
      continue;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t cnt = *(size_t *)(void *)(base + f->quantifier_offset);
      void *arr = *(void **)(void *)(base + f->offset);
      for (size_t i = 0; i < cnt && arr != NULL && *n < SLOTS_MAX; i++) {
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
          if (depth < 4)
            collect(((ProtobufCMessage **)arr)[i], depth + 1, out, n);
        } else if (scalar(f->type)) {
          out[(*n)++] = (slot){m, f, i};
        }
      }
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
      ProtobufCMessage *sub = *(ProtobufCMessage **)(void *)(base + f->offset);
      if (sub != NULL && depth < 4)
        collect(sub, depth + 1, out, n);
    } else if (scalar(f->type)) {
      out[(*n)++] = (slot){m, f, 0};
    }
  }
}

/* The new value of an integer: a dictionary value or a neighbour. */
static int64_t new_int(int64_t v, uint64_t *rs) {
  uint64_t r = next_rand(rs);
  switch (r % 4) {
  case 0:
  case 1:
    return INTS[(r >> 8) % (sizeof INTS / sizeof INTS[0])];
  case 2:
    return (int64_t)((uint64_t)v + ((r >> 8) & 1 ? 1u : UINT64_MAX));
  default:
    return (int64_t)((uint64_t)v ^ ((uint64_t)1 << ((r >> 8) % 64)));
  }
}

/* The new value of a string (malloc'd): a dictionary string, a long one,
 * or one byte of the old changed. */
static char *new_str(const char *old, uint64_t *rs) {
  uint64_t r = next_rand(rs);
  if (r % 8 == 0) {
    size_t n = (r >> 8) % 2 ? 4096 : 4097;
    char *s = malloc(n + 1);
    if (s != NULL) {
      memset(s, 'A', n);
      s[n] = '\0';
    }
    return s;
  }
  if (r % 8 == 1 && old != NULL && old[0] != '\0') {
    char *s = strdup(old);
    if (s != NULL) {
      size_t len = strlen(s);
      s[(r >> 8) % len] = (char)(1 + (r >> 20) % 255);
    }
    return s;
  }
  return strdup(STRS[(r >> 8) % (sizeof STRS / sizeof STRS[0])]);
}

static void mutate_slot(const slot *s, uint64_t *rs) {
  const ProtobufCFieldDescriptor *f = s->f;
  char *at = (char *)s->msg + f->offset;
  if (f->label == PROTOBUF_C_LABEL_REPEATED)
    at = *(char **)(void *)at;
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: {
    char **p = (char **)(void *)at + s->elem;
    char *v = new_str(*p, rs);
    if (v == NULL)
      return;
    if (*p != NULL && *p != (const char *)f->default_value)
      free(*p);
    *p = v;
    return;
  }
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: {
    int64_t *p = (int64_t *)(void *)at + s->elem;
    *p = new_int(*p, rs);
    return;
  }
  default: { /* 32-bit integers and enums */
    int32_t *p = (int32_t *)(void *)at + s->elem;
    *p = (int32_t)new_int(*p, rs);
    return;
  }
  }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed) {
  uint64_t rs = (uint64_t)seed * 0x9E3779B97F4A7C15ULL | 1;
  if (size < 1 || next_rand(&rs) % 4 == 0)
    return LLVMFuzzerMutate(data, size, max_size);
  const pl_method *m = &methods[data[0] % n_methods];
  ProtobufCMessage *req =
      protobuf_c_message_unpack(m->request, NULL, size - 1, data + 1);
  if (req == NULL)
    return LLVMFuzzerMutate(data, size, max_size);
  slot slots[SLOTS_MAX];
  size_t n = 0;
  collect(req, 0, slots, &n);
  if (n == 0) {
    protobuf_c_message_free_unpacked(req, NULL);
    return LLVMFuzzerMutate(data, size, max_size);
  }
  mutate_slot(&slots[next_rand(&rs) % n], &rs);
  size_t len = protobuf_c_message_get_packed_size(req);
  if (len + 1 > max_size) {
    protobuf_c_message_free_unpacked(req, NULL);
    return LLVMFuzzerMutate(data, size, max_size);
  }
  protobuf_c_message_pack(req, data + 1);
  protobuf_c_message_free_unpacked(req, NULL);
  return len + 1;
}
