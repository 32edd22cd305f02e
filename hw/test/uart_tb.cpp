// Verilator testbench for lgnc's UART board top (hw/uart_top.v), built with `--prefix Vboard`.
// Plays the host (../../templates/uart_host.h): sends each input vector as UART frames on
// uart_rx, waits for the one-byte answer on uart_tx and prints one class per line.
// Usage: tb VECTORS.bin BYTES_PER_VECTOR CLKS_PER_BIT   (packed binary vectors, back to back)

#include <vector>
#include "Vboard.h"
#include "verilated.h"
#include "../../templates/uart_host.h"

int main(int argc, char** argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: %s VECTORS.bin BYTES_PER_VECTOR CLKS_PER_BIT\n", argv[0]); return 2; }
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 2; }
  std::vector<unsigned char> data;
  for (int c; (c = std::fgetc(f)) != EOF;) data.push_back((unsigned char)c);
  std::fclose(f);
  const long bpv = std::atol(argv[2]);
  UartHost<Vboard> s;
  s.clks_per_bit = std::atol(argv[3]);
  s.start();
  for (size_t v = 0; v * bpv < data.size(); v++) {
    for (long i = 0; i < bpv; i++) s.send(data[v * bpv + i]);
    const size_t want = v + 1;
    long waited = 0;
    while (s.received.size() < want) {  // the answer: one byte
      s.tick();
      if (++waited > 40 * s.clks_per_bit) { std::fprintf(stderr, "no answer for vector %zu\n", v); return 1; }
    }
    std::printf("%d\n", (unsigned char)s.received.back());
  }
  std::fprintf(stderr, "%llu cycles\n", s.edges);
  return 0;
}
