// Verilator harness for an lgnc core (templates/harness.cpp; src/flow/verilator.ts fills in
// the {{...}} fields and builds it with the core). Works for any core of the build contract:
//   combinational: x -> scores, class_id (latency 0, no clock);
//   pipelined:     clk, in_valid, x -> out_valid, scores, class_id, `latency` rising edges
//                  after the edge that samples x; one input per clock, no stalls.
// Ports wider than 64 bits are VlWide<words> arrays of 32-bit words: every port access goes
// through setPort/getPort, which handle both forms.
//
// Usage: sim IN.bin OUT.bin [--latency L] [--gap G]
//   IN.bin:  packed vectors, ceil(N/8) bytes each, input bit i at byte i>>3, bit i&7.
//   OUT.bin: per vector, K + 2 little-endian uint32: the K class scores, class_id, and the
//            observed latency (rising edges from the sampling edge to the result; 0 when
//            combinational). Results are stored in the order they leave the core.
//   --latency L: (pipelined) the expected latency: out_valid must be high exactly L rising
//            edges after each sampling edge, and low at every other edge.
//   --gap G: (pipelined) leave in_valid low every G-th cycle, to check out_valid follows it.
// Prints one JSON line on stdout: vectors, results, cycles, simulation seconds, valid errors.

#include "{{TOP_CLASS}}.h"
#include "verilated.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

static const int N = {{INPUTS}};          // input bits
static const int K = {{CLASSES}};         // classes
static const int W = {{SCORE_WIDTH}};     // bits per class score
static const int CW = {{CLASS_WIDTH}};    // bits of class_id
static const int PIPELINED = {{PIPELINED}};
static const int IN_BYTES = (N + 7) / 8;
static const int REC = K + 2;             // uint32 per output record

// Sets an integral port (<= 64 bits) from packed little-endian bytes; bits >= n cleared.
template <typename T>
static void setPort(T& port, const uint8_t* src, int n) {
  uint64_t v = 0;
  for (int b = 0; b < (n + 7) / 8; b++) v |= uint64_t(src[b]) << (8 * b);
  if (n < 64) v &= (uint64_t(1) << n) - 1;
  port = T(v);
}

// Sets a wide port (VlWide, 32-bit words) from packed little-endian bytes.
template <std::size_t Words>
static void setPort(VlWide<Words>& port, const uint8_t* src, int n) {
  const int bytes = (n + 7) / 8;
  for (std::size_t w = 0; w < Words; w++) {
    uint32_t v = 0;
    for (int b = 0; b < 4; b++) {
      const int i = int(w) * 4 + b;
      if (i < bytes) v |= uint32_t(src[i]) << (8 * b);
    }
    const int lo = int(w) * 32;  // clear bits past n in the top word
    if (n - lo < 32) v &= n - lo <= 0 ? 0u : (uint32_t(1) << (n - lo)) - 1;
    port[w] = v;
  }
}

// Copies any port into 32-bit words (little-endian word order).
template <typename T>
static void getPort(const T& port, uint32_t* words) {
  const uint64_t v = uint64_t(port);
  words[0] = uint32_t(v);
  words[1] = uint32_t(v >> 32);
}

template <std::size_t Words>
static void getPort(const VlWide<Words>& port, uint32_t* words) {
  for (std::size_t w = 0; w < Words; w++) words[w] = port[w];
}

// Bits [lo, lo + n) of a word array, n <= 32.
static uint32_t field(const uint32_t* words, int lo, int n) {
  uint64_t v = words[lo >> 5];
  if ((lo & 31) + n > 32) v |= uint64_t(words[(lo >> 5) + 1]) << 32;
  v >>= (lo & 31);
  return uint32_t(n >= 32 ? v : v & ((uint64_t(1) << n) - 1));
}

static std::vector<uint8_t> readAll(const char* path) {
  FILE* f = std::fopen(path, "rb");
  if (!f) { std::fprintf(stderr, "cannot open %s\n", path); std::exit(2); }
  std::vector<uint8_t> buf;
  uint8_t chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0) buf.insert(buf.end(), chunk, chunk + got);
  std::fclose(f);
  return buf;
}

// Stores the core's current outputs as record `r`.
template <typename Top>
static void capture(Top* top, uint32_t* rec, uint32_t latency) {
  uint32_t s[(K * W + 31) / 32 + 2] = {0};
  uint32_t c[4] = {0};
  getPort(top->scores, s);
  getPort(top->class_id, c);
  for (int k = 0; k < K; k++) rec[k] = field(s, k * W, W);
  rec[K] = field(c, 0, CW);
  rec[K + 1] = latency;
}

int main(int argc, char** argv) {
  if (argc < 3) { std::fprintf(stderr, "usage: %s IN.bin OUT.bin [--latency L] [--gap G]\n", argv[0]); return 2; }
  int gap = 0, LATENCY = 0;
  for (int a = 3; a + 1 < argc; a++) {
    if (std::strcmp(argv[a], "--gap") == 0) gap = std::atoi(argv[++a]);
    else if (std::strcmp(argv[a], "--latency") == 0) LATENCY = std::atoi(argv[++a]);
  }
  (void)LATENCY;
  const std::vector<uint8_t> in = readAll(argv[1]);
  if (in.size() % IN_BYTES != 0) { std::fprintf(stderr, "%s: not a whole number of %d-byte vectors\n", argv[1], IN_BYTES); return 2; }
  const size_t count = in.size() / IN_BYTES;
  std::vector<uint32_t> out(count * REC, 0);

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);  // +verilator+rand+reset+2: registers without initializers start random
  auto top = std::make_unique<{{TOP_CLASS}}>(ctx.get());
  size_t results = 0;
  uint64_t cycles = 0, validErrors = 0;
  const auto t0 = std::chrono::steady_clock::now();

#if {{PIPELINED}}
  // Edge e (1-based) samples vector sampledAt[e] or none (-1); its result must be out after
  // edge e + LATENCY. out_valid at any other edge, or missing then, is a valid error.
  std::vector<int64_t> sampledAt;
  sampledAt.push_back(-1);  // edge 0 does not exist
  std::vector<uint64_t> inEdge(count, 0);  // the edge that sampled each vector
  std::vector<uint8_t> zero(IN_BYTES, 0);
  top->clk = 0;
  top->in_valid = 0;
  setPort(top->x, zero.data(), N);
  top->eval();
  size_t next = 0;
  const uint64_t limit = uint64_t(count) * (gap ? 2 : 1) + LATENCY + 1024;
  while (results < count && cycles < limit) {
    const bool bubble = gap > 0 && cycles % gap == uint64_t(gap - 1);
    if (next < count && !bubble) {
      setPort(top->x, &in[next * IN_BYTES], N);
      top->in_valid = 1;
      inEdge[next] = cycles + 1;
      sampledAt.push_back(int64_t(next++));
    } else {
      top->in_valid = 0;
      sampledAt.push_back(-1);
    }
    top->clk = 1;
    top->eval();
    cycles++;
    const int64_t e = int64_t(cycles);
    const int64_t due = e - LATENCY >= 1 ? sampledAt[e - LATENCY] : -1;
    if (top->out_valid) {
      // Results leave in order: this is vector `results`; record the edges it took.
      if (due != int64_t(results)) validErrors++;
      const bool sampled = results < next;
      capture(top.get(), &out[results * REC], sampled ? uint32_t(uint64_t(e) - inEdge[results]) : 0xffffffffu);
      results++;
    } else if (due >= 0) {
      validErrors++;
    }
    top->clk = 0;
    top->eval();
  }
#else
  for (size_t i = 0; i < count; i++) {
    setPort(top->x, &in[i * IN_BYTES], N);
    top->eval();
    capture(top.get(), &out[i * REC], 0);
  }
  results = count;
#endif

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  top->final();
  FILE* f = std::fopen(argv[2], "wb");
  if (!f || std::fwrite(out.data(), sizeof(uint32_t), results * REC, f) != results * REC) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 2;
  }
  std::fclose(f);
  std::printf("{\"vectors\": %zu, \"results\": %zu, \"cycles\": %llu, \"seconds\": %.6f, \"validErrors\": %llu}\n",
              count, results, (unsigned long long)cycles, seconds, (unsigned long long)validErrors);
  return 0;
}
