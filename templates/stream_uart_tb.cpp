// Verilator testbench for lgnc's stream board top (hw/stream_uart_top.v), built with
// `--prefix Vboard`. Plays the host of a real board: from power-up it sends the self-test
// command 'S' over uart_rx, reads the answer line on uart_tx (uart_host.h), and does this RUNS
// times: the first command arrives while the power-up run is still going, every later one
// after the previous answer, when the run is done and must start again. Prints each answer
// line without its CR LF. Exit 1 when an answer does not come within MAX_EDGES rising edges
// in all, 3 on a framing error.
// Usage: tb MAX_EDGES CLKS_PER_BIT RUNS

#include "Vboard.h"
#include "verilated.h"
#include "uart_host.h"

int main(int argc, char** argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: %s MAX_EDGES CLKS_PER_BIT RUNS\n", argv[0]); return 2; }
  Verilated::commandArgs(argc, argv);
  UartHost<Vboard> h;
  h.max_edges = std::atoll(argv[1]);
  h.clks_per_bit = std::atol(argv[2]);
  const int runs = std::atoi(argv[3]);
  h.start();
  for (int r = 0; r < runs; r++) {
    std::string& line = h.received;
    line.clear();
    h.send('S');
    while (line.size() < 2 || line.compare(line.size() - 2, 2, "\r\n") != 0) h.tick();
    line.resize(line.size() - 2);
    std::printf("%s\n", line.c_str());
    h.hold(1, 2 * h.clks_per_bit);
  }
  std::fprintf(stderr, "%llu edges\n", h.edges);
  return 0;
}
