// The training hot loops as WebAssembly SIMD (f32x4), on the trainer's shared memory.
// Same signatures and meaning as the JavaScript loops in kernels.ts, topk.ts and dense.ts, which stay
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
import type { AdamStep } from './dense.js';

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


/** Reduction block of the dense kernels: the rows of the streamed operand one block touches stay in L2. */
const KBLOCK = 128;

/**
 * One register tile of gemmAcc: R rows of C × V vectors of 4 samples (V = 0: one sample, lane
 * 0), accumulated over k in [$k0, $k1): C[m+r][s..] += Σ_k A(m+r, k) · V[k][s..], where
 * A(m, k) is the f32 at $a + m·$ar + k·$ak. Starts at row $m, sample byte offset $s.
 */
function gemmTile(R: number, V: number): string {
  const n = Math.max(V, 1);
  const ld = (p: string) => (V ? `(v128.load ${p})` : `(v128.load32_zero ${p})`);
  const st = (p: string, v: string) => (V ? `(v128.store ${p} ${v})` : `(v128.store32_lane 0 ${p} ${v})`);
  const acc = (r: number, v: number) => `$acc${r}${v}`;
  const cAt = (r: number, v: number) => `(i32.add (local.get $pc) (i32.add (i32.mul (i32.const ${r}) (local.get $rowb)) (i32.const ${16 * v})))`;
  const lines: string[] = [];
  lines.push(`(local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $rowb))) (local.get $s)))`);
  for (let r = 0; r < R; r++) for (let v = 0; v < n; v++) lines.push(`(local.set ${acc(r, v)} ${ld(cAt(r, v))})`);
  lines.push(`(local.set $pa (i32.add (local.get $a) (i32.add (i32.mul (local.get $m) (local.get $ar)) (i32.mul (local.get $k0) (local.get $ak)))))`);
  lines.push(`(local.set $pv (i32.add (i32.add (local.get $vv) (i32.mul (local.get $k0) (local.get $rowb))) (local.get $s)))`);
  lines.push(`(local.set $k (local.get $k0))`);
  const inner: string[] = [];
  for (let v = 0; v < n; v++) inner.push(`(local.set $b${v} ${ld(`(i32.add (local.get $pv) (i32.const ${16 * v}))`)})`);
  for (let r = 0; r < R; r++) {
    const addr = r === 0 ? '(local.get $pa)' : `(i32.add (local.get $pa) (local.get $o${r}))`;
    inner.push(`(local.set $x (f32x4.splat (f32.load ${addr})))`);
    for (let v = 0; v < n; v++) inner.push(`(local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $x) (local.get $b${v}))))`);
  }
  lines.push(`(block $kd (loop $kl
        (br_if $kd (i32.ge_u (local.get $k) (local.get $k1)))
        ${inner.join('\n        ')}
        (local.set $pa (i32.add (local.get $pa) (local.get $ak)))
        (local.set $pv (i32.add (local.get $pv) (local.get $rowb)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl)))`);
  for (let r = 0; r < R; r++) for (let v = 0; v < n; v++) lines.push(st(cAt(r, v), `(local.get ${acc(r, v)})`));
  return lines.join('\n      ');
}

/** The sample loop of one row tile: 8 samples at a time, then 4, then one by one. */
function gemmRows(R: number): string {
  const part = (V: number, step: number) => `
      (block $sd${V} (loop $sl${V}
        (br_if $sd${V} (i32.gt_u (i32.add (local.get $s) (i32.const ${step})) (local.get $rowb)))
        ${gemmTile(R, V)}
        (local.set $s (i32.add (local.get $s) (i32.const ${step})))
        (br $sl${V})))`;
  return `(local.set $s (i32.const 0)) ${part(2, 32)} ${part(1, 16)} ${part(0, 4)}`;
}

/**
 * gemmAcc(a, ar, ak, v, c, B, M, Kn): C[m][s] += Σ_{k<Kn} A(m, k) · V[k][s] for m < M, s < B,
 * with A(m, k) the f32 at byte a + m·ar + k·ak, and V, C row-major with rows of B floats.
 * With (ar, ak) = (4P, 4) it is W · prev (dense forward); with (4, 4P), Wᵀ · dx (dense
 * backward into the previous layer). Tiles of 4 rows × 8 samples, k blocked by KBLOCK.
 */
const GEMM_ACC = `
  (func (export "gemmAcc") (param $a i32) (param $ar i32) (param $ak i32) (param $vv i32) (param $c i32) (param $B i32) (param $M i32) (param $Kn i32)
    (local $rowb i32) (local $m i32) (local $s i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $pa i32) (local $pv i32) (local $pc i32)
    (local $o1 i32) (local $o2 i32) (local $o3 i32) (local $x v128) (local $b0 v128) (local $b1 v128)
    ${Array.from({ length: 4 }, (_, r) => `(local $acc${r}0 v128) (local $acc${r}1 v128)`).join(' ')}
    (local.set $rowb (i32.shl (local.get $B) (i32.const 2)))
    (local.set $o1 (local.get $ar))
    (local.set $o2 (i32.shl (local.get $ar) (i32.const 1)))
    (local.set $o3 (i32.mul (local.get $ar) (i32.const 3)))
    (local.set $k0 (i32.const 0))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $k0) (local.get $Kn)))
      (local.set $k1 (select (local.get $Kn) (i32.add (local.get $k0) (i32.const ${KBLOCK}))
        (i32.lt_u (local.get $Kn) (i32.add (local.get $k0) (i32.const ${KBLOCK})))))
      (local.set $m (i32.const 0))
      (block $r4d (loop $r4
        (br_if $r4d (i32.gt_u (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
        ${gemmRows(4)}
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $r4)))
      (block $r1d (loop $r1
        (br_if $r1d (i32.ge_u (local.get $m) (local.get $M)))
        ${gemmRows(1)}
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $r1)))
      (local.set $k0 (local.get $k1))
      (br $bl)))
  )`;

/**
 * One tile of denseGrad: dW[j+r][i+c] += Σ_s D[j+r][s] · X[i+c][s] for r < R, c < C, lanes
 * over s (4 samples a step, then the tail one by one), lane sums added (0+2)+(1+3).
 */
function gradTile(R: number, C: number): string {
  const acc = (r: number, c: number) => `$g${r}${c}`;
  const body = (ld: (p: string) => string) => {
    const out: string[] = [];
    for (let r = 0; r < R; r++) out.push(`(local.set $d${r} ${ld(`(i32.add (local.get $pd${r}) (local.get $s))`)})`);
    for (let c = 0; c < C; c++) out.push(`(local.set $e${c} ${ld(`(i32.add (local.get $px${c}) (local.get $s))`)})`);
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out.push(`(local.set ${acc(r, c)} (f32x4.add (local.get ${acc(r, c)}) (f32x4.mul (local.get $d${r}) (local.get $e${c}))))`);
    return out.join('\n          ');
  };
  const lines: string[] = [];
  for (let r = 0; r < R; r++) lines.push(`(local.set $pd${r} (i32.add (local.get $dd) (i32.mul (i32.add (local.get $j) (i32.const ${r})) (local.get $rowb))))`);
  for (let c = 0; c < C; c++) lines.push(`(local.set $px${c} (i32.add (local.get $xx) (i32.mul (i32.add (local.get $i) (i32.const ${c})) (local.get $rowb))))`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) lines.push(`(local.set ${acc(r, c)} (v128.const i32x4 0 0 0 0))`);
  lines.push(`(local.set $s (i32.const 0))
      (block $vd (loop $v
        (br_if $vd (i32.ge_u (local.get $s) (local.get $vb)))
        ${body((p) => `(v128.load ${p})`)}
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (br $v)))
      (block $td (loop $t
        (br_if $td (i32.ge_u (local.get $s) (local.get $rowb)))
        ${body((p) => `(v128.load32_zero ${p})`)}
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br $t)))`);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const g = `(local.get ${acc(r, c)})`;
      lines.push(`(local.set $pw (i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (i32.add (local.get $j) (i32.const ${r})) (local.get $P)) (i32.add (local.get $i) (i32.const ${c}))) (i32.const 2))))
      (f32.store (local.get $pw) (f32.add (f32.load (local.get $pw))
        (f32.add (f32.add (f32x4.extract_lane 0 ${g}) (f32x4.extract_lane 2 ${g})) (f32.add (f32x4.extract_lane 1 ${g}) (f32x4.extract_lane 3 ${g})))))`);
    }
  }
  return lines.join('\n      ');
}

/** The column loop of denseGrad for R rows: 2 columns at a time, then the last one. */
function gradCols(R: number): string {
  return `
      (local.set $i (local.get $i0))
      (block $c2d${R} (loop $c2${R}
        (br_if $c2d${R} (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $i1)))
        ${gradTile(R, 2)}
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $c2${R})))
      (if (i32.lt_u (local.get $i) (local.get $i1)) (then ${gradTile(R, 1)}))`;
}

/**
 * denseGrad(dd, xx, dw, B, P, n): dW[j][i] += Σ_s D[j][s] · X[i][s] for j < n, i < P (the
 * dense weight gradient dx · prevᵀ), tiles of 4 rows × 2 columns, columns blocked by KBLOCK.
 */
const DENSE_GRAD = `
  (func (export "denseGrad") (param $dd i32) (param $xx i32) (param $dw i32) (param $B i32) (param $P i32) (param $n i32)
    (local $rowb i32) (local $vb i32) (local $s i32) (local $j i32) (local $i i32) (local $i0 i32) (local $i1 i32) (local $pw i32)
    (local $pd0 i32) (local $pd1 i32) (local $pd2 i32) (local $pd3 i32) (local $px0 i32) (local $px1 i32)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $e0 v128) (local $e1 v128)
    ${Array.from({ length: 4 }, (_, r) => `(local $g${r}0 v128) (local $g${r}1 v128)`).join(' ')}
    (local.set $rowb (i32.shl (local.get $B) (i32.const 2)))
    (local.set $vb (i32.and (local.get $rowb) (i32.const -16)))
    (local.set $i0 (i32.const 0))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $i0) (local.get $P)))
      (local.set $i1 (select (local.get $P) (i32.add (local.get $i0) (i32.const ${KBLOCK}))
        (i32.lt_u (local.get $P) (i32.add (local.get $i0) (i32.const ${KBLOCK})))))
      (local.set $j (i32.const 0))
      (block $r4d (loop $r4
        (br_if $r4d (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        ${gradCols(4)}
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $r4)))
      (block $r1d (loop $r1
        (br_if $r1d (i32.ge_u (local.get $j) (local.get $n)))
        ${gradCols(1)}
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $r1)))
      (local.set $i0 (local.get $i1))
      (br $bl)))
  )`;

/** e^x for x <= 0, four lanes, float32: 2^k · p(r), x = k·ln 2 + r, |r| <= ln2/2, p of degree 6 (relative error ~1e-7). */
const EXP = (x: string) => `(call $exp4 ${x})`;
const EXP4 = `
  (func $exp4 (param $x v128) (result v128) (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (f32x4.splat (f32.const -87))))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.4426950408889634)))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 0.693359375))))
                             (f32x4.mul (local.get $k) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 0.0013888889)))
    ${[0.0083333333, 0.041666667, 0.16666667, 0.5, 1, 1].map((c) => `(local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const ${c}))))`).join('\n    ')}
    (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 127))) (i32.const 23))))`;

/** A loop over the n floats of a row at byte offset $s: vector steps, then the tail one lane at a time (`tail` code). */
function floatLoop(vec: string, tail: string): string {
  return `
    (local.set $s (i32.const 0))
    (block $vd (loop $v
      (br_if $vd (i32.ge_u (local.get $s) (local.get $vb)))
      ${vec}
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $v)))
    (block $td (loop $t
      (br_if $td (i32.ge_u (local.get $s) (local.get $nb)))
      ${tail}
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (br $t)))`;
}

/** Lane sum (0+2)+(1+3) of a v128. */
const hsum = (x: string) => `(f32.add (f32.add (f32x4.extract_lane 0 ${x}) (f32x4.extract_lane 2 ${x})) (f32.add (f32x4.extract_lane 1 ${x}) (f32x4.extract_lane 3 ${x})))`;

/**
 * denseUpdate(log, w, m, v, g, n, lr, b1, b2, eps, decay, bc1, bc2): updateDenseRow of dense.ts
 * on one row (byte offsets of its logits, weights, moments and gradient).
 */
function denseUpdateFunc(): string {
  const A = (p: string) => `(i32.add (local.get ${p}) (local.get $s))`;
  const sp = (x: string) => `(f32x4.splat (local.get ${x}))`;
  const adam = (ld: (p: string) => string, st: (p: string, v: string) => string) => `
      (local.set $gr (f32x4.mul ${ld(A('$w'))} (f32x4.sub ${ld(A('$g'))} (local.get $dotv))))
      (local.set $mm (f32x4.add (f32x4.mul ${sp('$b1')} ${ld(A('$m'))}) (f32x4.mul (local.get $ob1) (local.get $gr))))
      (local.set $vv (f32x4.add (f32x4.mul ${sp('$b2')} ${ld(A('$v'))}) (f32x4.mul (local.get $ob2) (f32x4.mul (local.get $gr) (local.get $gr)))))
      ${st(A('$m'), '(local.get $mm)')}
      ${st(A('$v'), '(local.get $vv)')}
      (local.set $z (f32x4.sub (f32x4.mul ${ld(A('$log'))} ${sp('$decay')})
        (f32x4.div (f32x4.mul ${sp('$lr')} (f32x4.div (local.get $mm) ${sp('$bc1')}))
                   (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) ${sp('$bc2')})) ${sp('$eps')}))))
      ${st(A('$log'), '(local.get $z)')}`;
  const vld = (p: string) => `(v128.load ${p})`;
  const vst = (p: string, v: string) => `(v128.store ${p} ${v})`;
  const lld = (p: string) => `(v128.load32_zero ${p})`;
  const lst = (p: string, v: string) => `(v128.store32_lane 0 ${p} ${v})`;
  return `
  (func (export "denseUpdate") (param $log i32) (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
    (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (param $decay f32) (param $bc1 f32) (param $bc2 f32)
    (local $s i32) (local $nb i32) (local $vb i32) (local $acc v128) (local $dot f32) (local $dotv v128) (local $ob1 v128) (local $ob2 v128)
    (local $gr v128) (local $mm v128) (local $vv v128) (local $z v128) (local $vmax v128) (local $max f32) (local $e v128) (local $sum f32) (local $inv v128)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vb (i32.and (local.get $nb) (i32.const -16)))
    (local.set $ob1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $ob2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    ;; dot = <w, g>
    (local.set $acc (v128.const i32x4 0 0 0 0))
    ${floatLoop(`(local.set $acc (f32x4.add (local.get $acc) (f32x4.mul ${vld(A('$w'))} ${vld(A('$g'))})))`,
      `(local.set $acc (f32x4.add (local.get $acc) (f32x4.mul ${lld(A('$w'))} ${lld(A('$g'))})))`)}
    (local.set $dot ${hsum('(local.get $acc)')})
    (local.set $dotv (f32x4.splat (local.get $dot)))
    ;; Adam on the logits, and their max
    (local.set $vmax (f32x4.splat (f32.const -inf)))
    (local.set $max (f32.const -inf))
    ${floatLoop(`${adam(vld, vst)} (local.set $vmax (f32x4.max (local.get $vmax) (local.get $z)))`,
      `${adam(lld, lst)} (local.set $max (f32.max (local.get $max) (f32x4.extract_lane 0 (local.get $z))))`)}
    (local.set $max (f32.max (f32.max (local.get $max) (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax))))
                             (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
    ;; w = exp(z - max), and their sum
    (local.set $acc (v128.const i32x4 0 0 0 0))
    (local.set $sum (f32.const 0))
    ${floatLoop(`(local.set $e ${EXP(`(f32x4.sub ${vld(A('$log'))} (f32x4.splat (local.get $max)))`)}) ${vst(A('$w'), '(local.get $e)')} (local.set $acc (f32x4.add (local.get $acc) (local.get $e)))`,
      `(local.set $e ${EXP(`(f32x4.sub ${lld(A('$log'))} (f32x4.splat (local.get $max)))`)}) ${lst(A('$w'), '(local.get $e)')} (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $e))))`)}
    (local.set $inv (f32x4.splat (f32.div (f32.const 1) (f32.add ${hsum('(local.get $acc)')} (local.get $sum)))))
    ${floatLoop(`${vst(A('$w'), `(f32x4.mul ${vld(A('$w'))} (local.get $inv))`)}`, `${lst(A('$w'), `(f32x4.mul ${lld(A('$w'))} (local.get $inv))`)}`)}
  )`;
}

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
  ${GEMM_ACC}
  ${DENSE_GRAD}
  ${EXP4}
  ${denseUpdateFunc()}
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
  mixDense(prev: Vec, x: Vec, B: number, w: Vec, P: number, n: number): void;
  backwardDenseInput(dx: Vec, gin: Vec, B: number, w: Vec, P: number, n: number): void;
  denseWeightGradient(dx: Vec, prev: Vec, B: number, P: number, n: number, dw: Vec): void;
  updateDenseRow(log: Vec, w: Vec, m: Vec, v: Vec, o: number, grad: Vec, go: number, n: number, a: AdamStep): void;
}

type Fn = (...args: number[]) => void;

export function wasmKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<keyof Kernels | 'gemmAcc' | 'denseGrad' | 'denseUpdate', Fn>;
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
    mixDense: (prev, x, B, w, P, n) => e.gemmAcc(p(w), 4 * P, 4, p(prev), p(x), B, n, P),
    backwardDenseInput: (dx, gin, B, w, P, n) => e.gemmAcc(p(w), 4, 4 * P, p(dx), p(gin), B, P, n),
    denseWeightGradient: (dx, prev, B, P, n, dw) => e.denseGrad(p(dx), p(prev), p(dw), B, P, n),
    updateDenseRow: (log, w, m, v, o, grad, go, n, a) =>
      e.denseUpdate(p(log) + 4 * o, p(w) + 4 * o, p(m) + 4 * o, p(v) + 4 * o, p(grad) + 4 * go, n, a.lr, a.b1, a.b2, a.eps, a.decay, a.bc1, a.bc2),
  };
}
