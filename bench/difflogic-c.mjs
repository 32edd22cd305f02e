// A difflogic-style C baseline for `npm run bench:infer`, written from the description of
// difflogic's CompiledLogicNet (Petersen et al., difflogic/compiled_model.py): one 64-bit
// statement per NETLIST gate (no netlist optimization: every gate of every layer, in
// order), inputs transposed into 64-sample words bit by bit, and the Group-Sum counted per
// sample (one shift-and-mask per output bit and sample), then the argmax (ties to the
// lowest class). It exposes the same two functions as `lgnc compile --emit c`
// (<top>_classify, <top>_scores over packed vectors), so one harness times both.
//
//   node bench/difflogic-c.mjs MODEL.json OUT_DIR [TOP]   writes OUT_DIR/TOP.c and TOP.h

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The 16 ops as C expressions of a and b (the gate table: bit 3 - (2A + B) of op). */
const OPS = ['0', 'a & b', 'a & ~b', 'a', '~a & b', 'b', 'a ^ b', 'a | b', '~(a | b)', '~(a ^ b)', '~b', 'a | ~b', '~a', '~a | b', '~(a & b)', '~(uint64_t)0'];

export function difflogicC(net, top = 'base') {
  const U = top.toUpperCase();
  const N = net.inputs, K = net.output.classes, B = Math.ceil(N / 8);
  const last = net.layers[net.layers.length - 1].op.length, M = last / K;
  const h = `#include <stddef.h>\n#include <stdint.h>\n#define ${U}_BYTES_PER_VECTOR ${B}\n#define ${U}_CLASSES ${K}\n` +
    `void ${top}_classify(const uint8_t *packed, size_t n, uint16_t *classes);\nvoid ${top}_scores(const uint8_t *packed, size_t n, uint16_t *scores);\n`;
  const lines = [`#include "${top}.h"`, '', `static void ${top}_net(const uint64_t *inp, uint64_t *out) {`];
  let prev = (i) => `inp[${i}]`;
  net.layers.forEach((layer, l) => {
    const isLast = l === net.layers.length - 1;
    for (let g = 0; g < layer.op.length; g++) {
      const expr = OPS[layer.op[g]].replace(/\ba\b/g, prev(layer.a[g])).replace(/\bb\b/g, prev(layer.b[g]));
      lines.push(isLast ? `  out[${g}] = ${expr};` : `  const uint64_t v${l}_${g} = ${expr};`);
    }
    prev = (i) => `v${l}_${i}`;
  });
  lines.push('}', '');
  lines.push(`/* Group-Sum per sample, then the argmax; scores may be NULL. */
static void ${top}_run(const uint8_t *packed, size_t n, uint16_t *classes, uint16_t *scores) {
  uint64_t inp[${N}], out[${last}];
  size_t base;
  for (base = 0; base < n; base += 64) {
    size_t count = n - base < 64 ? n - base : 64, s;
    unsigned i, c, k;
    for (i = 0; i < ${N}; i++) inp[i] = 0;
    for (s = 0; s < count; s++) {
      const uint8_t *v = packed + (base + s) * ${B};
      for (i = 0; i < ${N}; i++) inp[i] |= (uint64_t)((v[i >> 3] >> (i & 7)) & 1) << s;
    }
    ${top}_net(inp, out);
    for (s = 0; s < count; s++) {
      unsigned best = 0, bestScore = 0;
      for (c = 0; c < ${K}; c++) {
        unsigned score = 0;
        for (k = 0; k < ${M}; k++) score += (unsigned)((out[c * ${M} + k] >> s) & 1);
        if (scores) scores[(base + s) * ${K} + c] = (uint16_t)score;
        if (c == 0 || score > bestScore) { best = c; bestScore = score; }
      }
      if (classes) classes[base + s] = (uint16_t)best;
    }
  }
}

void ${top}_classify(const uint8_t *packed, size_t n, uint16_t *classes) { ${top}_run(packed, n, classes, 0); }
void ${top}_scores(const uint8_t *packed, size_t n, uint16_t *scores) { ${top}_run(packed, n, 0, scores); }
`);
  return { c: lines.join('\n'), h };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [model, dir, top = 'base'] = process.argv.slice(2);
  if (!model || !dir) { console.error('usage: node bench/difflogic-c.mjs MODEL.json OUT_DIR [TOP]'); process.exit(2); }
  const { c, h } = difflogicC(JSON.parse(readFileSync(model, 'utf8')), top);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${top}.c`), c);
  writeFileSync(join(dir, `${top}.h`), h);
}
