// The host end of a UART link to a Verilated board top (inputs clk, uart_rx; output uart_tx),
// shared by lgnc's board testbenches: sends frames on uart_rx, CLKS_PER_BIT clocks a bit, and
// receives uart_tx the way a UART receiver does (start bit, then each bit sampled mid-bit).
// Exits 1 past max_edges rising edges, 3 on a framing error.

#include <cstdio>
#include <cstdlib>
#include <string>

template <class Top>
struct UartHost {
  Top top;
  long clks_per_bit = 0;
  unsigned long long edges = 0, max_edges = ~0ull;
  long rx_wait = -1;  // receiver: -1 idle, else clocks to the next sample point
  int rx_bit = 0, rx_byte = 0;
  std::string received;  // the bytes received so far

  void start() {
    top.clk = 0;
    top.uart_rx = 1;
    top.eval();
    hold(1, 4 * clks_per_bit);  // idle line before the first frame
  }
  void tick() {
    if (++edges > max_edges) { std::fprintf(stderr, "no complete answer within %llu edges (got \"%s\")\n", max_edges, received.c_str()); std::exit(1); }
    top.clk = 1;
    top.eval();
    top.clk = 0;
    top.eval();
    watch_tx();
  }
  void watch_tx() {
    if (rx_wait < 0) {
      if (!top.uart_tx) { rx_wait = clks_per_bit + clks_per_bit / 2; rx_bit = 0; rx_byte = 0; }  // start bit
      return;
    }
    if (--rx_wait > 0) return;
    if (rx_bit < 8) {
      rx_byte |= (top.uart_tx & 1) << rx_bit++;
      rx_wait = clks_per_bit;
    } else {
      if (!top.uart_tx) { std::fprintf(stderr, "framing error on uart_tx at edge %llu\n", edges); std::exit(3); }
      received.push_back((char)rx_byte);
      rx_wait = -1;
    }
  }
  void hold(int v, long clocks) {
    top.uart_rx = v;
    for (long i = 0; i < clocks; i++) tick();
  }
  void send(int byte) {
    hold(0, clks_per_bit);  // start bit
    for (int b = 0; b < 8; b++) hold((byte >> b) & 1, clks_per_bit);
    hold(1, clks_per_bit);  // stop bit
  }
};
