/* shim.h — Google Benchmark from C. The shim (shim.cc, the only C++ in
 * the project besides nothing else) wraps benchmark::State and
 * registration; benchmark bodies are C:
 *
 *   static void BM_GetStore(pl_bench_state *st) {
 *     while (pl_bench_keep_running(st)) { ... }
 *   }
 *   int main(int argc, char **argv) {
 *     pl_bench_threads(pl_bench_register("BM_GetStore", BM_GetStore), 2);
 *     return pl_bench_main(argc, argv);
 *   }
 *
 * pl_bench_main accepts Google Benchmark's own flags (--benchmark_filter,
 * --benchmark_min_time, --benchmark_format=json, ...). */
#ifndef PL_BENCH_SHIM_H
#define PL_BENCH_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_bench_state pl_bench_state;
typedef struct pl_bench pl_bench;
typedef void (*pl_bench_fn)(pl_bench_state *st);

pl_bench *pl_bench_register(const char *name, pl_bench_fn fn);
pl_bench *pl_bench_arg(pl_bench *b, int64_t arg);
pl_bench *pl_bench_threads(pl_bench *b, int threads);
pl_bench *pl_bench_real_time(pl_bench *b);
pl_bench *pl_bench_unit_ns(pl_bench *b);
pl_bench *pl_bench_unit_us(pl_bench *b);
/* The body reports each iteration's time with pl_bench_set_time. */
pl_bench *pl_bench_manual_time(pl_bench *b);
pl_bench *pl_bench_iterations_fixed(pl_bench *b, int64_t n);

int pl_bench_keep_running(pl_bench_state *st);
int64_t pl_bench_range(pl_bench_state *st, int i);
int pl_bench_thread_index(pl_bench_state *st);
int pl_bench_thread_count(pl_bench_state *st);
int64_t pl_bench_iterations(pl_bench_state *st);
void pl_bench_pause(pl_bench_state *st);
void pl_bench_resume(pl_bench_state *st);
void pl_bench_set_items(pl_bench_state *st, int64_t items);
/* A custom counter; as_rate reports value per second. */
void pl_bench_counter(pl_bench_state *st, const char *name, double value,
                      int as_rate);
void pl_bench_error(pl_bench_state *st, const char *msg);
/* With pl_bench_manual_time: this iteration took `seconds`. */
void pl_bench_set_time(pl_bench_state *st, double seconds);
/* Keeps the compiler from optimising a value away. */
void pl_bench_use(const void *p);

int pl_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
