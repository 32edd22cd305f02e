/*
 * infer-harness.c: runs a compiled network (lgnc compile --emit c, or the bench's baseline)
 * on a packed vector file, for the tests and `npm run bench:infer`.
 *
 *   cc -O2 -DLGNC_HEADER='"top.h"' -DLGNC_CLASSIFY=top_classify -DLGNC_SCORES=top_scores \
 *      -DLGNC_BYTES=TOP_BYTES_PER_VECTOR -DLGNC_K=TOP_CLASSES infer-harness.c top.c -o run
 *   ./run VECTORS.bin OUT.bin [SECONDS]
 *
 * Writes OUT.bin: n classes (uint16, little-endian host order), then n x K scores (uint16).
 * With SECONDS > 0 it also times classify and scores over the whole file, repeated for at
 * least that long each (best round), and prints one JSON line to stdout.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include LGNC_HEADER

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  FILE *f;
  long size;
  size_t n;
  uint8_t *packed;
  uint16_t *classes, *scores;
  double budget = argc > 3 ? atof(argv[3]) : 0;
  if (argc < 3) { fprintf(stderr, "usage: %s VECTORS.bin OUT.bin [SECONDS]\n", argv[0]); return 2; }
  f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  fseek(f, 0, SEEK_END); size = ftell(f); fseek(f, 0, SEEK_SET);
  if (size % LGNC_BYTES) { fprintf(stderr, "%s: %ld bytes is not a multiple of %d\n", argv[1], size, LGNC_BYTES); return 2; }
  n = (size_t)size / LGNC_BYTES;
  packed = malloc(size ? (size_t)size : 1);
  classes = malloc((n ? n : 1) * sizeof *classes);
  scores = malloc((n ? n : 1) * LGNC_K * sizeof *scores);
  if (!packed || !classes || !scores) { fprintf(stderr, "out of memory\n"); return 2; }
  if (size && fread(packed, 1, (size_t)size, f) != (size_t)size) { perror(argv[1]); return 2; }
  fclose(f);
  LGNC_CLASSIFY(packed, n, classes);
  LGNC_SCORES(packed, n, scores);
  f = fopen(argv[2], "wb");
  if (!f) { perror(argv[2]); return 2; }
  fwrite(classes, sizeof *classes, n, f);
  fwrite(scores, sizeof *scores, n * LGNC_K, f);
  fclose(f);
  if (budget > 0 && n > 0) {
    double best[2] = {1e30, 1e30};
    int which;
    for (which = 0; which < 2; which++) {
      double start = now();
      int rounds = 0;
      while (rounds < 3 || now() - start < budget) {
        double t0 = now();
        if (which == 0) LGNC_CLASSIFY(packed, n, classes); else LGNC_SCORES(packed, n, scores);
        t0 = now() - t0;
        if (t0 < best[which]) best[which] = t0;
        rounds++;
      }
    }
    printf("{\"vectors\": %lu, \"classifyPerSecond\": %.1f, \"scoresPerSecond\": %.1f}\n",
           (unsigned long)n, n / best[0], n / best[1]);
  }
  return 0;
}
