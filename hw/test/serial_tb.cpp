// Verilator testbench for lgnc's serial shell (templates/shell_serial.v), built with
// `--prefix Vshell`. Streams input vectors in back to back, WIDTH bits per clock with no gap
// (start=1 on beat 0 of the first vector only, so the beat counter must wrap by itself), and
// prints "EDGE CLASS" for every clock edge after which `done` is 1. Edges count from 1: the
// first beat is sampled at edge 1.
// Usage: tb VECTORS.bin BYTES_PER_VECTOR INPUTS WIDTH

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "Vshell.h"
#include "verilated.h"

int main(int argc, char** argv) {
  if (argc != 5) { std::fprintf(stderr, "usage: %s VECTORS.bin BYTES_PER_VECTOR INPUTS WIDTH\n", argv[0]); return 2; }
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 2; }
  std::vector<unsigned char> data;
  for (int c; (c = std::fgetc(f)) != EOF;) data.push_back((unsigned char)c);
  std::fclose(f);
  const long bpv = std::atol(argv[2]), inputs = std::atol(argv[3]), width = std::atol(argv[4]);
  const long beats = (inputs + width - 1) / width;
  const long vectors = (long)data.size() / bpv;
  auto bit = [&](long v, long i) -> uint64_t { return i < inputs ? (data[v * bpv + (i >> 3)] >> (i & 7)) & 1 : 0; };
  Vshell top;
  top.clk = 0;
  top.din_valid = 0;
  top.start = 0;
  top.eval();
  long edge = 0;
  const long total = vectors * beats + 64;   // then idle edges for the last results
  for (long t = 0; t < total; t++) {
    const long v = t / beats, k = t % beats;
    if (v < vectors) {
      uint64_t din = 0;
      for (long b = 0; b < width; b++) din |= bit(v, k * width + b) << b;
      top.din = din;
      top.din_valid = 1;
      top.start = (t == 0);
    } else {
      top.din_valid = 0;
      top.start = 0;
    }
    top.clk = 1;
    top.eval();
    edge++;
    top.clk = 0;
    top.eval();
    if (top.done) std::printf("%ld %d\n", edge, (int)top.class_out);
  }
  return 0;
}
