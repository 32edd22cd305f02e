// WebAssembly SIMD inference module from the optimized IR (via its lane program): 128
// samples per v128 instruction, bit-sliced inputs, the Group-Sum as the IR's bit-sliced
// adder tree, the argmax as the IR's comparator gates; the binary is written directly
// (wasm-binary.ts), so generating it costs milliseconds.
//
// The module owns its memory (exported as `memory`) and processes one *chunk* of at most
// `layout.chunk` vectors per call of `run(n, mode)`:
//   mode bit 0 (MODE_PACKED): the input is n packed vectors at `layout.packed` (⌈N/8⌉ bytes
//     each, bit i at byte i>>3, LSB first), transposed inside the module into the sliced area;
//     otherwise the caller has written the bit slices itself: input bit i of sample s at bit
//     (s & 7) of byte `layout.sliced + i·layout.rowStride + (s >> 3)` (BitSlices words, LE);
//   mode bit 1 (MODE_SCORES): also write the scores, u16, sample-major (n × K) at
//     `layout.scores`.
// The class of every sample (u16, argmax, ties to the lowest class) is always written at
// `layout.classes`. Samples past n inside the last 128-sample block are computed on whatever
// the memory holds and never reported. Guarantee: bit-exact with the reference evaluator.

import type { Ir } from '../ir/ir.js';
import { laneProgram, LOC_ONES, LOC_ZERO, type LaneProgram } from './lane-program.js';
import { I32, OPC, SECTION, SIMD, V128, WasmWriter } from './wasm-binary.js';

export const MODE_PACKED = 1;
export const MODE_SCORES = 2;

/** Where everything lives in the module's memory (byte addresses), and the shapes. */
export interface WasmLayout {
  inputs: number;
  classes: number;
  scoreWidth: number;
  classWidth: number;
  bytesPerVector: number;
  /** Vectors per call of run(). A multiple of 128. */
  chunk: number;
  packed: number;
  sliced: number;
  /** Bytes between the slices of two input bits (chunk / 8). */
  rowStride: number;
  classes16: number;
  scores16: number;
  /** Memory size in 64 KiB pages. */
  pages: number;
}

export interface WasmModule {
  bytes: Uint8Array;
  layout: WasmLayout;
  /** Instructions of the lane program (one per live gate that is not an alias). */
  instructions: number;
  slots: number;
}

/** Lane instructions per generated function: keeps each function small for the engine. */
const PER_FUNCTION = 1024;
/** Lane op kinds (lane-program.ts OP_AND, OP_ANDNOT, OP_OR, OP_XOR) as SIMD opcodes. */
const LANE_OPS = [SIMD.v128And, SIMD.v128Andnot, SIMD.v128Or, SIMD.v128Xor];
const ZERO_ADDR = 0, ONES_ADDR = 16, OUTROWS = 32;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

export function emitWasm(ir: Ir, opts: { chunk?: number } = {}): WasmModule {
  const p = laneProgram(ir);
  if (p.scoreWidth > 16) throw new Error(`emitWasm: ${ir.outputsPerClass} outputs per class need ${p.scoreWidth}-bit scores; the u16 score format holds at most 16`);
  const chunk = opts.chunk ?? 1024;
  if (chunk % 128 !== 0 || chunk <= 0) throw new RangeError('chunk must be a positive multiple of 128');
  const layout = layoutFor(p, chunk);
  const slotsAddr = align16(OUTROWS + (p.classes * p.scoreWidth + p.classWidth) * 16);

  const w = new WasmWriter(64 + p.count * 28);
  w.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

  // Types: 0 = (i32) -> (), 1 = (i32, i32) -> ().
  const types = new WasmWriter();
  types.u32(2).byte(0x60).u32(1).byte(I32).u32(0).byte(0x60).u32(2).byte(I32).byte(I32).u32(0);
  w.section(SECTION.type, types);

  // Functions: net_0..net_{P-1}(inb), outputs(inb), transpose(n), extract(b, mode), run(n, mode).
  const parts = Math.max(1, Math.ceil(p.count / PER_FUNCTION));
  const F_OUTPUTS = parts, F_TRANSPOSE = parts + 1, F_EXTRACT = parts + 2, F_RUN = parts + 3;
  const funcs = new WasmWriter();
  funcs.u32(parts + 4);
  for (let i = 0; i < parts; i++) funcs.u32(0);
  funcs.u32(0).u32(0).u32(1).u32(1);
  w.section(SECTION.function, funcs);

  const mem = new WasmWriter();
  mem.u32(1).byte(0x00).u32(layout.pages);
  w.section(SECTION.memory, mem);

  const exps = new WasmWriter();
  exps.u32(2).name('memory').byte(0x02).u32(0).name('run').byte(0x00).u32(F_RUN);
  w.section(SECTION.export, exps);

  const code = new WasmWriter(32 + p.count * 28);
  code.u32(parts + 4);
  const body = new WasmWriter(Math.min(p.count, PER_FUNCTION) * 28 + 64);
  const pushLoc = (f: WasmWriter, loc: number) => {
    if (loc === LOC_ZERO) f.i32Const(0).v128Load(ZERO_ADDR);
    else if (loc === LOC_ONES) f.i32Const(0).v128Load(ONES_ADDR);
    else if (loc < p.slotBase) f.localGet(0).v128Load((loc - 2) * layout.rowStride);
    else f.i32Const(0).v128Load(slotsAddr + (loc - p.slotBase) * 16);
  };
  const finish = (f: WasmWriter, locals: [number, number][] = []) => {
    const wrap = new WasmWriter(f.pos + 16);
    wrap.u32(locals.length);
    for (const [n, t] of locals) wrap.u32(n).byte(t);
    wrap.bytes(f.buf.subarray(0, f.pos)).end();
    code.sized(wrap);
    f.pos = 0;
  };

  // net_k: the lane instructions, in order. The last result also stays in local 1, and a
  // reader of it takes it from there instead of loading it back (adder chains do that a lot).
  const LAST = 1;
  for (let part = 0; part < parts; part++) {
    const end = Math.min(p.count, (part + 1) * PER_FUNCTION);
    let last = -1;
    for (let i = part * PER_FUNCTION; i < end; i++) {
      body.i32Const(0);
      const k = p.kind[i], a = p.srcA[i], b = p.srcB[i];
      if (a === last) body.localGet(LAST); else pushLoc(body, a);
      if (b === last) body.localGet(LAST); else pushLoc(body, b);
      body.simd(LANE_OPS[k]).localTee(LAST);
      body.v128Store(slotsAddr + p.dst[i] * 16);
      last = p.slotBase + p.dst[i];
    }
    finish(body, [[1, V128]]);
  }

  // outputs(inb): the score and class bits into the output rows, inversions applied.
  for (let o = 0; o < p.outLoc.length; o++) {
    body.i32Const(0);
    pushLoc(body, p.outLoc[o]);
    if (p.outInv[o]) body.simd(SIMD.v128Not);
    body.v128Store(OUTROWS + o * 16);
  }
  finish(body);

  emitTranspose(body, layout);
  finish(body, [[4, I32], [1, V128]]);

  emitExtract(body, p, layout);
  finish(body, [[2, I32], [4, V128]]);

  // run(n, mode)
  {
    const N = 0, MODE = 1, B = 2, NB = 3;
    body.localGet(MODE).i32Const(1).op(OPC.i32And).if().localGet(N).call(F_TRANSPOSE).end();
    body.localGet(N).i32Const(127).op(OPC.i32Add).i32Const(7).op(OPC.i32ShrU).localSet(NB);
    body.block().loop();
    body.localGet(B).localGet(NB).op(OPC.i32GeU).brIf(1);
    const inb = () => body.i32Const(layout.sliced).localGet(B).i32Const(16).op(OPC.i32Mul).op(OPC.i32Add);
    for (let part = 0; part < parts; part++) { inb(); body.call(part); }
    inb(); body.call(F_OUTPUTS);
    body.localGet(B).localGet(MODE).call(F_EXTRACT);
    body.localGet(B).i32Const(1).op(OPC.i32Add).localSet(B).br(0);
    body.end().end();
    finish(body, [[2, I32]]);
  }
  w.section(SECTION.code, code);

  // Data: the all-ones row.
  const data = new WasmWriter();
  data.u32(1).u32(0).i32Const(ONES_ADDR).end().u32(16).bytes(new Array(16).fill(0xff));
  w.section(SECTION.data, data);

  return { bytes: w.result(), layout, instructions: p.count, slots: p.slots };

  function layoutFor(q: LaneProgram, ch: number): WasmLayout {
    const bpv = Math.ceil(q.inputs / 8);
    const outRows = OUTROWS + (q.classes * q.scoreWidth + q.classWidth) * 16;
    const sliced = align16(align16(outRows) + q.slots * 16);
    const rowStride = ch / 8;
    const packed = align16(sliced + 8 * bpv * rowStride);
    const classes16 = align16(packed + ch * bpv + 16);
    const scores16 = align16(classes16 + ch * 2);
    const total = scores16 + ch * q.classes * 2;
    return {
      inputs: q.inputs, classes: q.classes, scoreWidth: q.scoreWidth, classWidth: q.classWidth,
      bytesPerVector: bpv, chunk: ch, packed, sliced, rowStride, classes16, scores16,
      pages: Math.max(1, Math.ceil(total / 65536)),
    };
  }
}

/**
 * transpose(n): packed vectors → bit slices. For each group of 16 samples and each input
 * byte, the 16 samples' bytes are gathered into one v128; i8x16.bitmask then yields bit 7 of
 * all 16 at once (16 sample bits of one input bit), and a shift brings up the next bit.
 */
function emitTranspose(f: WasmWriter, L: WasmLayout): void {
  const N = 0, G = 1, J = 2, P = 3, R = 4, V = 5;
  const B = L.bytesPerVector;
  // for (g = 0; g * 16 < n; g++)
  f.block().loop();
  f.localGet(G).i32Const(16).op(OPC.i32Mul).localGet(N).op(OPC.i32GeU).brIf(1);
  // p = packed + g*16*B; r = sliced + 2g
  f.i32Const(L.packed).localGet(G).i32Const(16 * B).op(OPC.i32Mul).op(OPC.i32Add).localSet(P);
  f.i32Const(L.sliced).localGet(G).i32Const(2).op(OPC.i32Mul).op(OPC.i32Add).localSet(R);
  f.i32Const(0).localSet(J);
  f.block().loop();
  f.localGet(J).i32Const(B).op(OPC.i32GeU).brIf(1);
  f.v128Const(new Array(16).fill(0)).localSet(V);
  for (let t = 0; t < 16; t++) f.localGet(P).localGet(V).v128Load8Lane(t * B, t).localSet(V);
  for (let k = 7; k >= 0; k--) {
    f.localGet(R).localGet(V).simd(SIMD.i8x16Bitmask).i32Store16(k * L.rowStride);
    if (k) f.localGet(V).i32Const(1).simd(SIMD.i8x16Shl).localSet(V);
  }
  f.localGet(P).i32Const(1).op(OPC.i32Add).localSet(P);
  f.localGet(R).i32Const(8 * L.rowStride).op(OPC.i32Add).localSet(R);
  f.localGet(J).i32Const(1).op(OPC.i32Add).localSet(J);
  f.br(0).end().end();
  f.localGet(G).i32Const(1).op(OPC.i32Add).localSet(G);
  f.br(0).end().end();
}

/**
 * extract(b, mode): bit-sliced results of block b → one u16 per sample (class) and per
 * sample and class (scores, with MODE_SCORES). For 16 samples at a time, each result bit's
 * 16 sample bits are splatted, spread to one byte per sample and OR-ed into the sample's
 * low or high byte; two shuffles interleave the bytes into u16 lanes.
 */
function emitExtract(f: WasmWriter, p: LaneProgram, L: WasmLayout): void {
  const Bk = 0, MODE = 1, Q2 = 2, ADDR = 3, LO = 4, HI = 5, T = 6;
  const K = p.classes, W = p.scoreWidth, CW = p.classWidth;
  const SPREAD = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
  const BITS = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
  const LOW8 = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
  const HIGH8 = LOW8.map((x) => x + 8);
  /** Leaves LO/HI = the number whose bit j is output row rows[j], for the 16 samples of Q2. */
  const gather = (firstRow: number, width: number) => {
    f.v128Const(new Array(16).fill(0)).localTee(LO).localSet(HI);
    for (let j = 0; j < width; j++) {
      const acc = j < 8 ? LO : HI;
      f.localGet(acc);
      f.localGet(Q2).v128Load16Splat(OUTROWS + (firstRow + j) * 16);
      f.localTee(T).localGet(T).i8x16Shuffle(SPREAD);
      f.v128Const(BITS).simd(SIMD.v128And).v128Const(BITS).simd(SIMD.i8x16Eq);
      f.v128Const(new Array(16).fill(1 << (j & 7))).simd(SIMD.v128And);
      f.simd(SIMD.v128Or).localSet(acc);
    }
  };
  const loopGroups = (bodyFn: () => void) => {
    f.i32Const(0).localSet(Q2);
    f.block().loop();
    f.localGet(Q2).i32Const(16).op(OPC.i32GeU).brIf(1);
    bodyFn();
    f.localGet(Q2).i32Const(2).op(OPC.i32Add).localSet(Q2);
    f.br(0).end().end();
  };
  // Classes: u16 at classes16 + 2·(128b + 16q), 16 samples contiguous.
  loopGroups(() => {
    gather(K * W, CW);
    f.i32Const(L.classes16).localGet(Bk).i32Const(256).op(OPC.i32Mul).op(OPC.i32Add)
      .localGet(Q2).i32Const(16).op(OPC.i32Mul).op(OPC.i32Add).localSet(ADDR);
    f.localGet(ADDR).localGet(LO).localGet(HI).i8x16Shuffle(LOW8).v128Store(0);
    f.localGet(ADDR).localGet(LO).localGet(HI).i8x16Shuffle(HIGH8).v128Store(16);
  });
  // Scores: u16 at scores16 + 2·((128b + 16q + t)·K + c).
  f.localGet(MODE).i32Const(2).op(OPC.i32And).if();
  loopGroups(() => {
    f.i32Const(L.scores16).localGet(Bk).i32Const(256 * K).op(OPC.i32Mul).op(OPC.i32Add)
      .localGet(Q2).i32Const(16 * K).op(OPC.i32Mul).op(OPC.i32Add).localSet(ADDR);
    for (let c = 0; c < K; c++) {
      gather(c * W, W);
      for (const [half, sel] of [[0, LOW8], [8, HIGH8]] as const) {
        f.localGet(LO).localGet(HI).i8x16Shuffle(sel).localSet(T);
        for (let t = 0; t < 8; t++) f.localGet(ADDR).localGet(T).v128Store16Lane(2 * c + 2 * K * (half + t), t);
      }
    }
  });
  f.end();
}

