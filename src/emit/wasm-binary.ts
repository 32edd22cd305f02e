// A direct WebAssembly binary writer for the few constructs lgnc's inference modules use:
// LEB128 numbers, sections, function bodies, and the opcodes below (core and SIMD). It
// exists so a module for a 50,000-gate network is written in milliseconds with no
// assembler in the loop (wabt's text parser takes seconds on such sizes). The layout follows
// the WebAssembly core specification 2.0 (binary format, chapter 5) and the fixed-width SIMD
// proposal's opcode table; the tests validate every module it writes with wabt.

import { GrowableBuffer } from './bytes.js';

export class WasmWriter extends GrowableBuffer {
  constructor(capacity = 1 << 16) {
    super(capacity);
  }

  byte(b: number): this {
    this.ensure(1);
    this.buf[this.pos++] = b;
    return this;
  }

  bytes(b: ArrayLike<number>): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Unsigned LEB128 (u32). */
  u32(v: number): this {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      buf[p++] = b;
    } while (v !== 0);
    this.pos = p;
    return this;
  }

  /** Signed LEB128 (i32). */
  s32(v: number): this {
    this.ensure(5);
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { this.buf[this.pos++] = b; return this; }
      this.buf[this.pos++] = b | 0x80;
    }
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** Appends another writer's bytes, prefixed by their length (sections, bodies). */
  sized(w: WasmWriter): this {
    return this.u32(w.pos).bytes(w.buf.subarray(0, w.pos));
  }

  section(id: number, body: WasmWriter): this {
    return this.byte(id).sized(body);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  // Instructions (only what the emitter uses).
  localGet(i: number): this { return this.byte(0x20).u32(i); }
  localSet(i: number): this { return this.byte(0x21).u32(i); }
  localTee(i: number): this { return this.byte(0x22).u32(i); }
  i32Const(v: number): this { return this.byte(0x41).s32(v); }
  call(f: number): this { return this.byte(0x10).u32(f); }
  /** block/loop/if with no result. */
  block(): this { return this.byte(0x02).byte(0x40); }
  loop(): this { return this.byte(0x03).byte(0x40); }
  if(): this { return this.byte(0x04).byte(0x40); }
  end(): this { return this.byte(0x0b); }
  br(depth: number): this { return this.byte(0x0c).u32(depth); }
  brIf(depth: number): this { return this.byte(0x0d).u32(depth); }
  op(code: number): this { return this.byte(code); }
  i32Store16(offset: number): this { return this.byte(0x3b).u32(1).u32(offset); }

  /** A SIMD (0xFD-prefixed) instruction. */
  simd(code: number): this { return this.byte(0xfd).u32(code); }
  v128Load(offset: number): this { return this.simd(0x00).u32(4).u32(offset); }
  v128Store(offset: number): this { return this.simd(0x0b).u32(4).u32(offset); }
  v128Load16Splat(offset: number): this { return this.simd(0x08).u32(1).u32(offset); }
  v128Load8Lane(offset: number, lane: number): this { return this.simd(0x54).u32(0).u32(offset).byte(lane); }
  v128Store16Lane(offset: number, lane: number): this { return this.simd(0x59).u32(1).u32(offset).byte(lane); }
  v128Const(bytes: ArrayLike<number>): this { return this.simd(0x0c).bytes(bytes); }
  i8x16Shuffle(lanes: ArrayLike<number>): this { return this.simd(0x0d).bytes(lanes); }
}

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Core opcodes used with WasmWriter.op. */
export const OPC = {
  i32Eqz: 0x45, i32GeU: 0x4f, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71,
  i32Shl: 0x74, i32ShrU: 0x76,
} as const;

/** SIMD opcodes used with WasmWriter.simd. */
export const SIMD = {
  i8x16Eq: 0x23, v128Not: 0x4d, v128And: 0x4e, v128Andnot: 0x4f, v128Or: 0x50, v128Xor: 0x51,
  i8x16Bitmask: 0x64, i8x16Shl: 0x6b,
} as const;

export const SECTION = { type: 1, function: 3, memory: 5, export: 7, code: 10, data: 11 } as const;
