// Verilator testbench for lgnc's stream board top (hw/stream_uart_top.v), built with
// `--prefix Vboard`. Plays the host of a real board: from power-up it sends the self-test
// command 'S' over uart_rx (bit by bit, CLKS_PER_BIT clocks per bit), reads the answer line on
// uart_tx the way a UART receiver does (sampling mid-bit), and does this RUNS times: the first
// command arrives while the power-up run is still going, every later one after the previous
// answer, when the run is done and must start again. Prints each answer line without its CR LF.
// Exit 1 when an answer does not come within MAX_EDGES rising edges in all, 3 on a framing error.
// Usage: tb MAX_EDGES CLKS_PER_BIT RUNS

#include <cstdio>
#include <cstdlib>
#include <string>
#include "Vboard.h"
#include "verilated.h"

struct Host {
  Vboard top;
  long clks_per_bit = 0;
  long long edges = 0, max_edges = 0;
  long rx_wait = -1;  // receiver on uart_tx: -1 idle, else clocks to the next sample point
  int rx_bit = 0, rx_byte = 0;
  std::string line;  // the answer received so far

  void tick() {
    if (++edges > max_edges) { std::fprintf(stderr, "no complete answer within %lld edges (got \"%s\")\n", max_edges, line.c_str()); std::exit(1); }
    top.clk = 1;
    top.eval();
    top.clk = 0;
    top.eval();
    watch_tx();
  }
  void watch_tx() {
    if (rx_wait < 0) {
      if (!top.uart_tx) { rx_wait = clks_per_bit + clks_per_bit / 2; rx_bit = 0; rx_byte = 0; }
      return;
    }
    if (--rx_wait > 0) return;
    if (rx_bit < 8) {
      rx_byte |= (top.uart_tx & 1) << rx_bit++;
      rx_wait = clks_per_bit;
    } else {
      if (!top.uart_tx) { std::fprintf(stderr, "framing error on uart_tx at edge %lld\n", edges); std::exit(3); }
      line.push_back((char)rx_byte);
      rx_wait = -1;
    }
  }
  void hold(int v, long clocks) {
    top.uart_rx = v;
    for (long i = 0; i < clocks; i++) tick();
  }
  void send(int byte) {
    hold(0, clks_per_bit);
    for (int b = 0; b < 8; b++) hold((byte >> b) & 1, clks_per_bit);
    hold(1, clks_per_bit);
  }
};

int main(int argc, char** argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: %s MAX_EDGES CLKS_PER_BIT RUNS\n", argv[0]); return 2; }
  Verilated::commandArgs(argc, argv);
  Host h;
  h.max_edges = std::atoll(argv[1]);
  h.clks_per_bit = std::atol(argv[2]);
  const int runs = std::atoi(argv[3]);
  h.top.clk = 0;
  h.top.uart_rx = 1;
  h.top.eval();
  h.hold(1, 4 * h.clks_per_bit);  // idle line
  for (int r = 0; r < runs; r++) {
    h.line.clear();
    h.send('S');
    while (h.line.size() < 2 || h.line.compare(h.line.size() - 2, 2, "\r\n") != 0) h.tick();
    h.line.resize(h.line.size() - 2);
    std::printf("%s\n", h.line.c_str());
    h.hold(1, 2 * h.clks_per_bit);
  }
  std::fprintf(stderr, "%lld edges\n", h.edges);
  return 0;
}
