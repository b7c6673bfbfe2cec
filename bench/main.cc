// Micro-benchmarks; each module adds its own file to bench/CMakeLists.txt.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
