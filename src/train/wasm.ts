// The training hot loops as WebAssembly SIMD (f32x4), on the trainer's shared memory.
// Same signatures and meaning as the JavaScript loops in kernels.ts and topk.ts, which stay
// the reference (the gradient tests run them in Float64): here every array must be a view
// on the state's WebAssembly.Memory (state.ts puts all of them there) and is passed as its
// byte offset. Four samples per instruction, and no float64 round trips, make a training
// step several times faster than V8's scalar code (bench/train).
//
// The module is assembled from the text below by wabt once per process (tens of ms); workers
// get the compiled module and instantiate it on the same memory. Sums run in a fixed order
// (lanes, then lanes added 0+2, 1+3, …), so results are deterministic, but not bit-equal to
// the JavaScript loops' float64 sums.

import wabtInit from 'wabt';
import type { Vec } from './kernels.js';

/**
 * One pass over a row of B samples, four at a time, then the B mod 4 tail one lane at a time
 * with the same vector code: a tail load fills lane 0 and zeroes the rest (so sums gain
 * nothing from lanes 1–3), a tail store writes lane 0 only. `body(ld, st)` writes the code
 * for one step at byte offset $s; ld(addr) loads, st(addr, value) stores.
 */
function rowLoop(body: (ld: (p: string) => string, st: (p: string, v: string) => string) => string): string {
  const vec = body((p) => `(v128.load ${p})`, (p, v) => `(v128.store ${p} ${v})`);
  const one = body((p) => `(v128.load32_zero ${p})`, (p, v) => `(v128.store32_lane 0 ${p} ${v})`);
  return `
    (local.set $s (i32.const 0))
    (block $vd (loop $v
      (br_if $vd (i32.ge_u (local.get $s) (local.get $vb)))
      ${vec}
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $v)))
    (block $td (loop $t
      (br_if $td (i32.ge_u (local.get $s) (local.get $rowb)))
      ${one}
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (br $t)))`;
}

const get = (name: string) => `(local.get ${name})`;
const add = (...xs: string[]) => xs.reduce((acc, x) => `(f32x4.add ${acc} ${x})`);
const mul = (x: string, y: string) => `(f32x4.mul ${x} ${y})`;
const at = (base: string) => `(i32.add ${get(base)} (local.get $s))`;
const ZERO = '(v128.const i32x4 0 0 0 0)';
/** Byte offset of row `index` in a B-sample array. */
const offset = (index: string) => `(i32.mul ${index} (local.get $rowb))`;
/** Byte address of row `index` of a B-sample array at `base`. */
const row = (base: string, index: string) => `(i32.add ${get(base)} ${offset(index)})`;
/** idx[g] from an Int32Array of indices at `arr`. */
const load = (arr: string, i: string) => `(i32.load (i32.add ${get(arr)} (i32.shl ${i} (i32.const 2))))`;

/**
 * A function looping over gates g = g0..g0+n-1 (j = g - g0). `params`: its parameters after
 * $B (all i32), `locals`: extra declarations, `perGate`: the code run for each gate.
 */
function gateLoop(name: string, before: string[], after: string[], locals: string, perGate: string): string {
  const p = (xs: string[]) => xs.map((x) => `(param $${x} i32)`).join(' ');
  return `
  (func (export "${name}") ${p(before)} (param $B i32) ${p(after)} (param $g0 i32) (param $n i32)
    (local $j i32) (local $g i32) (local $s i32) (local $rowb i32) (local $vb i32) (local $cp i32)
    (local $c1 v128) (local $ca v128) (local $cb v128) (local $cab v128)
    ${locals}
    (local.set $rowb (i32.shl (local.get $B) (i32.const 2)))
    (local.set $vb (i32.and (local.get $rowb) (i32.const -16)))
    (local.set $j (i32.const 0))
    (block $done (loop $gates
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $g (i32.add (local.get $g0) (local.get $j)))
      ${perGate}
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $gates)))
  )`;
}

/** $c1, $ca, $cb, $cab = gate g's four coefficients, splatted. */
const COEFS = `
      (local.set $cp (i32.add (local.get $coef) (i32.shl (local.get $g) (i32.const 4))))
      (local.set $c1 (f32x4.splat (f32.load (local.get $cp))))
      (local.set $ca (f32x4.splat (f32.load offset=4 (local.get $cp))))
      (local.set $cb (f32x4.splat (f32.load offset=8 (local.get $cp))))
      (local.set $cab (f32x4.splat (f32.load offset=12 (local.get $cp))))`;

/** dcoef[4g .. 4g+3] += the lane sums of $d1, $da, $db, $dab. */
const ADD_DCOEF = `
      (local.set $x (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $d1) (local.get $da))
                               (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $d1) (local.get $da))))
      (local.set $y (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $db) (local.get $dab))
                               (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $db) (local.get $dab))))
      (local.set $cp (i32.add (local.get $dcoef) (i32.shl (local.get $g) (i32.const 4))))
      (v128.store (local.get $cp) (f32x4.add (v128.load (local.get $cp))
        (f32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x) (local.get $y))
                   (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x) (local.get $y)))))`;

const ACC_LOCALS = '(local $x v128) (local $y v128) (local $go v128) (local $d1 v128) (local $da v128) (local $db v128) (local $dab v128) (local $gy v128)';
const ACC_ZERO = ['$d1', '$da', '$db', '$dab'].map((d) => `(local.set ${d} ${ZERO})`).join(' ');

/** Forward of one gate on rows at $ra, $rb into $ro: c1 + ca·a + cb·b + cab·a·b = c1 + ca·a + b·(cb + cab·a). */
const FORWARD = rowLoop((ld, st) => `
        (local.set $x ${ld(at('$ra'))})
        ${st(at('$ro'), add(get('$c1'), mul(get('$ca'), get('$x')), mul(ld(at('$rb')), add(get('$cb'), mul(get('$cab'), get('$x'))))))}`);

/** The coefficient-gradient sums of one gate (rows $ra, $rb, gradient row $ro), and what `extra` adds. */
const backwardBody = (extra: (ld: (p: string) => string, st: (p: string, v: string) => string) => string) => rowLoop((ld, st) => `
        (local.set $go ${ld(at('$ro'))})
        (local.set $x ${ld(at('$ra'))})
        (local.set $y ${ld(at('$rb'))})
        (local.set $d1 ${add(get('$d1'), get('$go'))})
        (local.set $da ${add(get('$da'), mul(get('$go'), get('$x')))})
        (local.set $gy ${mul(get('$go'), get('$y'))})
        (local.set $db ${add(get('$db'), get('$gy'))})
        (local.set $dab ${add(get('$dab'), mul(get('$gy'), get('$x')))})
        ${extra(ld, st)}`);

const WAT = `(module
  (import "env" "memory" (memory 1 65536 shared))
  ${gateLoop('forwardLayer', ['prev', 'out'], ['a', 'b', 'coef'], '(local $ra i32) (local $rb i32) (local $ro i32) (local $x v128)', `
      ${COEFS}
      (local.set $ra ${row('$prev', load('$a', get('$g')))})
      (local.set $rb ${row('$prev', load('$b', get('$g')))})
      (local.set $ro ${row('$out', get('$j'))})
      ${FORWARD}`)}
  ${gateLoop('forwardMixed', ['xa', 'xb', 'out'], ['coef'], '(local $ra i32) (local $rb i32) (local $ro i32) (local $x v128)', `
      ${COEFS}
      (local.set $ra ${row('$xa', get('$j'))})
      (local.set $rb ${row('$xb', get('$j'))})
      (local.set $ro ${row('$out', get('$j'))})
      ${FORWARD}`)}
  ${gateLoop('backwardLayer', ['prev', 'gout', 'gin'], ['a', 'b', 'coef', 'dcoef'], `(local $oa i32) (local $ob i32) (local $ra i32) (local $rb i32) (local $ro i32) (local $ia i32) (local $ib i32) ${ACC_LOCALS}`, `
      ${COEFS}
      (local.set $oa ${offset(load('$a', get('$g')))})
      (local.set $ob ${offset(load('$b', get('$g')))})
      (local.set $ra (i32.add (local.get $prev) (local.get $oa)))
      (local.set $rb (i32.add (local.get $prev) (local.get $ob)))
      (local.set $ia (i32.add (local.get $gin) (local.get $oa)))
      (local.set $ib (i32.add (local.get $gin) (local.get $ob)))
      (local.set $ro ${row('$gout', get('$j'))})
      ${ACC_ZERO}
      (if (local.get $gin)
        (then ${backwardBody((ld, st) => `
          ${st(at('$ia'), add(ld(at('$ia')), mul(get('$go'), add(get('$ca'), mul(get('$cab'), get('$y'))))))}
          ${st(at('$ib'), add(ld(at('$ib')), mul(get('$go'), add(get('$cb'), mul(get('$cab'), get('$x'))))))}`)})
        (else ${backwardBody(() => '')}))
      ${ADD_DCOEF}`)}
  ${gateLoop('backwardMixed', ['xa', 'xb', 'gout', 'dxa', 'dxb'], ['coef', 'dcoef'], `(local $ra i32) (local $rb i32) (local $ro i32) (local $ia i32) (local $ib i32) ${ACC_LOCALS}`, `
      ${COEFS}
      (local.set $ra ${row('$xa', get('$j'))})
      (local.set $rb ${row('$xb', get('$j'))})
      (local.set $ia ${row('$dxa', get('$j'))})
      (local.set $ib ${row('$dxb', get('$j'))})
      (local.set $ro ${row('$gout', get('$j'))})
      ${ACC_ZERO}
      ${backwardBody((_ld, st) => `
        ${st(at('$ia'), mul(get('$go'), add(get('$ca'), mul(get('$cab'), get('$y')))))}
        ${st(at('$ib'), mul(get('$go'), add(get('$cb'), mul(get('$cab'), get('$x')))))}`)}
      ${ADD_DCOEF}`)}
  ${gateLoop('mixInputs', ['prev', 'x'], ['cand', 'w', 'K'], '(local $k i32) (local $r i32) (local $ro i32) (local $wk v128) (local $ck i32)', `
      (local.set $ro ${row('$x', get('$j'))})
      (local.set $ck (i32.mul (local.get $g) (local.get $K)))
      (local.set $r ${row('$prev', load('$cand', get('$ck')))})
      (local.set $wk (f32x4.splat (f32.load (i32.add (local.get $w) (i32.shl (local.get $ck) (i32.const 2))))))
      ${rowLoop((ld, st) => st(at('$ro'), mul(get('$wk'), ld(at('$r')))))}
      (local.set $k (i32.const 1))
      (block $kd (loop $kl
        (br_if $kd (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $r ${row('$prev', load('$cand', '(i32.add (local.get $ck) (local.get $k))'))})
        (local.set $wk (f32x4.splat (f32.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ck) (local.get $k)) (i32.const 2))))))
        ${rowLoop((ld, st) => st(at('$ro'), add(ld(at('$ro')), mul(get('$wk'), ld(at('$r'))))))}
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl)))`)}
  ${gateLoop('backwardMix', ['prev', 'dx', 'gin'], ['cand', 'w', 'K', 'dw'], '(local $k i32) (local $oc i32) (local $r i32) (local $ri i32) (local $ro i32) (local $wk v128) (local $ck i32) (local $acc v128) (local $d v128) (local $p i32)', `
      (local.set $ro ${row('$dx', get('$j'))})
      (local.set $k (i32.const 0))
      (block $kd (loop $kl
        (br_if $kd (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $ck (i32.add (i32.mul (local.get $g) (local.get $K)) (local.get $k)))
        (local.set $oc ${offset(load('$cand', get('$ck')))})
        (local.set $r (i32.add (local.get $prev) (local.get $oc)))
        (local.set $ri (i32.add (local.get $gin) (local.get $oc)))
        (local.set $wk (f32x4.splat (f32.load (i32.add (local.get $w) (i32.shl (local.get $ck) (i32.const 2))))))
        (local.set $acc ${ZERO})
        (if (local.get $gin)
          (then ${rowLoop((ld, st) => `
            (local.set $d ${ld(at('$ro'))})
            (local.set $acc ${add(get('$acc'), mul(get('$d'), ld(at('$r'))))})
            ${st(at('$ri'), add(ld(at('$ri')), mul(get('$wk'), get('$d'))))}`)})
          (else ${rowLoop((ld) => `(local.set $acc ${add(get('$acc'), mul(ld(at('$ro')), ld(at('$r'))))})`)}))
        (local.set $p (i32.add (local.get $dw) (i32.shl (local.get $ck) (i32.const 2))))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p))
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 2 (local.get $acc)))
                   (f32.add (f32x4.extract_lane 1 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl)))`)}
)`;

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel module (assembled once per process). */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('train-kernels.wat', WAT, { simd: true, threads: true });
    try {
      return new WebAssembly.Module(parsed.toBinary({}).buffer);
    } finally {
      parsed.destroy();
    }
  })();
  return compiled;
}

/** The kernels of kernels.ts/topk.ts for arrays that live in `memory`. */
export interface Kernels {
  forwardLayer(prev: Vec, out: Vec, B: number, a: Int32Array, b: Int32Array, coef: Vec, g0: number, n: number): void;
  backwardLayer(prev: Vec, gout: Vec, gin: Vec | null, B: number, a: Int32Array, b: Int32Array, coef: Vec, dcoef: Vec, g0: number, n: number): void;
  forwardMixed(xa: Vec, xb: Vec, out: Vec, B: number, coef: Vec, g0: number, n: number): void;
  backwardMixed(xa: Vec, xb: Vec, gout: Vec, dxa: Vec, dxb: Vec, B: number, coef: Vec, dcoef: Vec, g0: number, n: number): void;
  mixInputs(prev: Vec, x: Vec, B: number, cand: Int32Array, w: Vec, K: number, g0: number, n: number): void;
  backwardMix(prev: Vec, dx: Vec, gin: Vec | null, B: number, cand: Int32Array, w: Vec, K: number, dw: Vec, g0: number, n: number): void;
}

type Fn = (...args: number[]) => void;

export function wasmKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<keyof Kernels, Fn>;
  /** Byte offset of a view on `memory`; anything else would be read as garbage, so refuse it. */
  const p = (v: ArrayBufferView | null): number => {
    if (v === null) return 0;
    if (v.buffer !== memory.buffer || v.byteOffset === 0) throw new Error('training kernel: array is not in the state memory');
    return v.byteOffset;
  };
  return {
    forwardLayer: (prev, out, B, a, b, coef, g0, n) => e.forwardLayer(p(prev), p(out), B, p(a), p(b), p(coef), g0, n),
    backwardLayer: (prev, gout, gin, B, a, b, coef, dcoef, g0, n) => e.backwardLayer(p(prev), p(gout), p(gin), B, p(a), p(b), p(coef), p(dcoef), g0, n),
    forwardMixed: (xa, xb, out, B, coef, g0, n) => e.forwardMixed(p(xa), p(xb), p(out), B, p(coef), g0, n),
    backwardMixed: (xa, xb, gout, dxa, dxb, B, coef, dcoef, g0, n) => e.backwardMixed(p(xa), p(xb), p(gout), p(dxa), p(dxb), B, p(coef), p(dcoef), g0, n),
    mixInputs: (prev, x, B, cand, w, K, g0, n) => e.mixInputs(p(prev), p(x), B, p(cand), p(w), K, g0, n),
    backwardMix: (prev, dx, gin, B, cand, w, K, dw, g0, n) => e.backwardMix(p(prev), p(dx), p(gin), B, p(cand), p(w), K, p(dw), g0, n),
  };
}
