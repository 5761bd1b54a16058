// shim.cc — the C face of Google Benchmark (see shim.h). C++ is allowed
// here and nowhere in the engine.
#include "shim.h"

#include <benchmark/benchmark.h>

struct pl_bench_state {
  benchmark::State *s;
};

extern "C" {

pl_bench *pl_bench_register(const char *name, pl_bench_fn fn) {
  auto *b = benchmark::RegisterBenchmark(name, [fn](benchmark::State &s) {
    pl_bench_state st{&s};
    fn(&st);
  });
  return reinterpret_cast<pl_bench *>(b);
}

static benchmark::internal::Benchmark *B(pl_bench *b) {
  return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

pl_bench *pl_bench_arg(pl_bench *b, int64_t arg) {
  B(b)->Arg(arg);
  return b;
}
pl_bench *pl_bench_threads(pl_bench *b, int threads) {
  B(b)->Threads(threads);
  return b;
}
pl_bench *pl_bench_real_time(pl_bench *b) {
  B(b)->UseRealTime();
  return b;
}
pl_bench *pl_bench_unit_ns(pl_bench *b) {
  B(b)->Unit(benchmark::kNanosecond);
  return b;
}
pl_bench *pl_bench_manual_time(pl_bench *b) {
  B(b)->UseManualTime();
  return b;
}
pl_bench *pl_bench_iterations_fixed(pl_bench *b, int64_t n) {
  B(b)->Iterations(n);
  return b;
}
pl_bench *pl_bench_unit_us(pl_bench *b) {
  B(b)->Unit(benchmark::kMicrosecond);
  return b;
}

int pl_bench_keep_running(pl_bench_state *st) {
  return st->s->KeepRunning();
}
int64_t pl_bench_range(pl_bench_state *st, int i) {
  return st->s->range(i);
}
int pl_bench_thread_index(pl_bench_state *st) {
  return st->s->thread_index();
}
int pl_bench_thread_count(pl_bench_state *st) {
  return st->s->threads();
}
int64_t pl_bench_iterations(pl_bench_state *st) {
  return st->s->iterations();
}
void pl_bench_pause(pl_bench_state *st) {
  st->s->PauseTiming();
}
void pl_bench_resume(pl_bench_state *st) {
  st->s->ResumeTiming();
}
void pl_bench_set_items(pl_bench_state *st, int64_t items) {
  st->s->SetItemsProcessed(items);
}
void pl_bench_counter(pl_bench_state *st, const char *name, double value,
                      int as_rate) {
  st->s->counters[name] =
      benchmark::Counter(value, as_rate ? benchmark::Counter::kIsRate
                                        : benchmark::Counter::kDefaults);
}
void pl_bench_error(pl_bench_state *st, const char *msg) {
  st->s->SkipWithError(msg);
}
void pl_bench_set_time(pl_bench_state *st, double seconds) {
  st->s->SetIterationTime(seconds);
}
void pl_bench_use(const void *p) {
  benchmark::DoNotOptimize(p);
}

int pl_bench_main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
}
