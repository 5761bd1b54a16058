/* fuzz_rpc.c — libFuzzer target for every request decoder and handler of
 * pitlaned: the first byte picks a method (in the server's table order),
 * the rest is its request message. Each input runs in process through
 * pl_rpc_invoke — decode, handler, engine, a durable write for mutations —
 * on one engine (the demo chain, RocksDB without fsync) that lives for the
 * whole run. Any crash, sanitizer report or hang is a finding. */
#include <ftw.h>
#include <grpc/grpc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
