// Verilator testbench for lgnc's stream shell (templates/shell_stream.v), built with
// `--prefix Vstream`: clocks the shell from power-up until `done` (or MAX_EDGES rising edges)
// and prints "SIGNATURE_HEX CYCLES EDGES DONE", SIGNATURE_HEX with 16 digits.
// Usage: tb MAX_EDGES

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include "Vstream.h"
#include "verilated.h"

int main(int argc, char** argv) {
  if (argc < 2) { std::fprintf(stderr, "usage: %s MAX_EDGES\n", argv[0]); return 2; }
  Verilated::commandArgs(argc, argv);
  const long long maxEdges = std::atoll(argv[1]);
  Vstream top;
  top.clk = 0;
  top.start = 0;
  top.eval();
  long long edges = 0;
  while (!top.done && edges < maxEdges) {
    top.clk = 1;
    top.eval();
    ++edges;
    top.clk = 0;
    top.eval();
  }
  std::printf("%016" PRIx64 " %u %lld %d\n", (uint64_t)top.signature, (unsigned)top.cycles, edges, (int)top.done);
  return 0;
}
