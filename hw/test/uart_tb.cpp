// Verilator testbench for lgnc's UART board top (hw/uart_top.v), built with `--prefix Vboard`.
// Plays the host: sends each input vector as UART frames on uart_rx, bit by bit at
// CLKS_PER_BIT clocks per bit, waits for the answer on uart_tx, decodes it like a UART
// receiver (sampling mid-bit) and prints one class per line.
// Usage: tb VECTORS.bin BYTES_PER_VECTOR CLKS_PER_BIT   (packed binary vectors, back to back)

#include <cstdio>
#include <cstdlib>
#include <vector>
#include "Vboard.h"
#include "verilated.h"

struct Sim {
  Vboard top;
  long clks_per_bit;
  unsigned long long cycles = 0;
  // Receiver on uart_tx: -1 idle, else clocks until the next sample point.
  long rx_wait = -1;
  int rx_bit = 0, rx_byte = 0;
  std::vector<int> received;

  void tick() {
    top.clk = 1;
    top.eval();
    top.clk = 0;
    top.eval();
    cycles++;
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
      if (!top.uart_tx) { std::fprintf(stderr, "framing error on uart_tx at cycle %llu\n", cycles); std::exit(3); }
      received.push_back(rx_byte);
      rx_wait = -1;
    }
  }
  void line(int v, long clocks) {
    top.uart_rx = v;
    for (long i = 0; i < clocks; i++) tick();
  }
  void send(int byte) {
    line(0, clks_per_bit);                                      // start bit
    for (int b = 0; b < 8; b++) line((byte >> b) & 1, clks_per_bit);
    line(1, clks_per_bit);                                      // stop bit
  }
};

int main(int argc, char** argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: %s VECTORS.bin BYTES_PER_VECTOR CLKS_PER_BIT\n", argv[0]); return 2; }
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 2; }
  std::vector<unsigned char> data;
  for (int c; (c = std::fgetc(f)) != EOF;) data.push_back((unsigned char)c);
  std::fclose(f);
  const long bpv = std::atol(argv[2]);
  Sim s;
  s.clks_per_bit = std::atol(argv[3]);
  s.top.clk = 0;
  s.top.uart_rx = 1;
  s.top.eval();
  s.line(1, 4 * s.clks_per_bit);                                // idle line before the first frame
  for (size_t v = 0; v * bpv < data.size(); v++) {
    for (long i = 0; i < bpv; i++) s.send(data[v * bpv + i]);
    const size_t want = v + 1;
    long waited = 0;
    while (s.received.size() < want) {                          // the answer: one byte
      s.tick();
      if (++waited > 40 * s.clks_per_bit) { std::fprintf(stderr, "no answer for vector %zu\n", v); return 1; }
    }
    std::printf("%d\n", s.received.back());
  }
  std::fprintf(stderr, "%llu cycles\n", s.cycles);
  return 0;
}
