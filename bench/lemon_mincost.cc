// lemon_mincost.cc — `lemon-mincost FILE.min`: the LEMON peer of
// pl-mincost. Reads the DIMACS file with lemon::readDimacsMin, runs
// lemon::NetworkSimplex (its default block-search pivot rule) and prints the
// same line as pl-mincost:
//   cost <int> solve_ms <float> nodes <n> arcs <m>
// solve_ms covers construction of the solver and run() only, not reading.
// C++ only because LEMON is C++; this is a peer tool, not part of the engine.
#include <chrono>
#include <cstdio>
#include <fstream>

#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lemon-mincost FILE.min\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::perror(argv[1]);
    return 1;
  }
  using G = lemon::SmartDigraph;
  G g;
  G::ArcMap<long long> lower(g), cap(g), cost(g);
  G::NodeMap<long long> supply(g);
  try {
    lemon::readDimacsMin(in, g, lower, cap, cost, supply);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "lemon-mincost: %s: %s\n", argv[1], e.what());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  lemon::NetworkSimplex<G, long long, long long> ns(g);
  ns.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
  auto res = ns.run();
  auto t1 = std::chrono::steady_clock::now();
  if (res != lemon::NetworkSimplex<G, long long, long long>::OPTIMAL) {
    std::fprintf(
        stderr, "lemon-mincost: %s: %s\n", argv[1],
        res == lemon::NetworkSimplex<G, long long, long long>::INFEASIBLE
            ? "infeasible"
            : "unbounded");
    return 1;
  }
  double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  std::printf("cost %lld solve_ms %.3f nodes %d arcs %d\n",
              static_cast<long long>(ns.totalCost()), ms, g.nodeNum(),
              g.arcNum());
  return 0;
}
