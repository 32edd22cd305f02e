// The conv-tree loops of conv.ts as WebAssembly SIMD (f32x4): forward and backward of one conv
// layer over kernels × positions × tree nodes, four samples per instruction. Same meaning as
// convForward / convBackward in conv.ts, which stay the reference (test/train/convwasm.test.ts
// checks these against them); every array lives in the thread's own WebAssembly.Memory and
// is passed as its byte offset. Coefficient gradients are float32 lane sums (as wasm.ts's gate
// kernels), added in a fixed order, so results are deterministic.

import wabtInit from 'wabt';

/** A loop over the B samples of a row at byte offset $s: vectors of 4, then the tail one lane at a time. */
function rowLoop(body: (ld: (p: string) => string, st: (p: string, v: string) => string) => string, id: string): string {
  const vec = body((p) => `(v128.load ${p})`, (p, v) => `(v128.store ${p} ${v})`);
  const one = body((p) => `(v128.load32_zero ${p})`, (p, v) => `(v128.store32_lane 0 ${p} ${v})`);
  return `
    (local.set $s (i32.const 0))
    (block $vd${id} (loop $v${id}
      (br_if $vd${id} (i32.ge_u (local.get $s) (local.get $vb)))
      ${vec}
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $v${id})))
    (block $td${id} (loop $t${id}
      (br_if $td${id} (i32.ge_u (local.get $s) (local.get $rowb)))
      ${one}
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (br $t${id})))`;
}

const g = (x: string) => `(local.get ${x})`;
const add = (...xs: string[]) => xs.reduce((a, x) => `(f32x4.add ${a} ${x})`);
const mul = (x: string, y: string) => `(f32x4.mul ${x} ${y})`;
const at = (base: string) => `(i32.add ${g(base)} (local.get $s))`;
const ZERO = '(v128.const i32x4 0 0 0 0)';

/** Shared head of both functions: loops over k and p, node i's coefficients and its input rows $ra, $rb. */
const PARAMS = '(param $prev i32) (param $nodes i32) (param $B i32) (param $leaf i32) (param $ca i32) (param $cb i32) (param $coef i32) (param $g0 i32) (param $K i32) (param $P i32) (param $N i32) (param $L i32)';
const LOCALS = `(local $k i32) (local $p i32) (local $i i32) (local $t i32) (local $s i32) (local $rowb i32) (local $vb i32)
    (local $nb i32) (local $lb i32) (local $ra i32) (local $rb i32) (local $ro i32) (local $cp i32) (local $ch i32) (local $leafs i32)
    (local $c1 v128) (local $cA v128) (local $cB v128) (local $cab v128) (local $x v128) (local $y v128) (local $go v128)
    (local $d1 v128) (local $da v128) (local $db v128) (local $dab v128) (local $u v128) (local $w v128)`;

/** $ra / $rb = byte address of child $ch's row: a leaf's input row, or a node's row in this tree. */
const childRow = (dst: string) => `
      (if (i32.lt_s (local.get $ch) (i32.const 0))
        (then (local.set ${dst} (i32.add (local.get $prev) (i32.mul (local.get $rowb)
          (i32.load (i32.add (local.get $leaf) (i32.shl (i32.sub (i32.sub (local.get $lb) (i32.const 1)) (local.get $ch)) (i32.const 2))))))))
        (else (local.set ${dst} (i32.add (local.get $nb) (i32.mul (local.get $ch) (local.get $rowb))))))`;

const NODE_SETUP = `
      (local.set $cp (i32.add (local.get $coef) (i32.shl (i32.add (local.get $g0) (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $i))) (i32.const 4))))
      (local.set $c1 (f32x4.splat (f32.load (local.get $cp))))
      (local.set $cA (f32x4.splat (f32.load offset=4 (local.get $cp))))
      (local.set $cB (f32x4.splat (f32.load offset=8 (local.get $cp))))
      (local.set $cab (f32x4.splat (f32.load offset=12 (local.get $cp))))
      (local.set $ch (i32.load (i32.add (local.get $ca) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $leafs (i32.lt_s (local.get $ch) (i32.const 0)))
      ${childRow('$ra')}
      (local.set $ch (i32.load (i32.add (local.get $cb) (i32.shl (local.get $i) (i32.const 2)))))
      ${childRow('$rb')}
      (local.set $ro (i32.add (local.get $nb) (i32.mul (local.get $i) (local.get $rowb))))`;

const KP_HEAD = `
    (local.set $rowb (i32.shl (local.get $B) (i32.const 2)))
    (local.set $vb (i32.and (local.get $rowb) (i32.const -16)))
    (local.set $k (i32.const 0))
    (block $kd (loop $kl
      (br_if $kd (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $p (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $t (i32.add (i32.mul (local.get $k) (local.get $P)) (local.get $p)))
        (local.set $nb (i32.add (local.get $nodes) (i32.mul (i32.mul (local.get $t) (local.get $N)) (local.get $rowb))))
        (local.set $lb (i32.mul (local.get $t) (local.get $L)))`;

const KP_TAIL = `
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kl)))`;

const FORWARD = `
  (func (export "convForward") ${PARAMS} (param $out i32)
    ${LOCALS}
    ${KP_HEAD}
        (local.set $i (i32.const 0))
        (block $id (loop $il
          (br_if $id (i32.ge_u (local.get $i) (local.get $N)))
          ${NODE_SETUP}
          ${rowLoop((ld, st) => `
            (local.set $x ${ld(at('$ra'))})
            ${st(at('$ro'), add(g('$c1'), mul(g('$cA'), g('$x')), mul(ld(at('$rb')), add(g('$cB'), mul(g('$cab'), g('$x'))))))}`, 'f')}
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $il)))
        ;; the root is the output row t
        (local.set $ra (i32.add (local.get $nb) (i32.mul (i32.sub (local.get $N) (i32.const 1)) (local.get $rowb))))
        (local.set $ro (i32.add (local.get $out) (i32.mul (local.get $t) (local.get $rowb))))
        ${rowLoop((ld, st) => st(at('$ro'), ld(at('$ra'))), 'c')}
    ${KP_TAIL}
  )`;

/** Gradient sums of node i, then (what `children` writes) its children's gradients; $go row at $ro in the gradient tree $gn. */
const sums = (ld: (p: string) => string) => `
            (local.set $go ${ld(at('$ro'))})
            (local.set $x ${ld(at('$ra'))})
            (local.set $y ${ld(at('$rb'))})
            (local.set $d1 ${add(g('$d1'), g('$go'))})
            (local.set $da ${add(g('$da'), mul(g('$go'), g('$x')))})
            (local.set $u ${mul(g('$go'), g('$y'))})
            (local.set $db ${add(g('$db'), g('$u'))})
            (local.set $dab ${add(g('$dab'), mul(g('$u'), g('$x')))})`;
const childGrads = `
            (local.set $u ${mul(g('$go'), add(g('$cA'), mul(g('$cab'), g('$y'))))})
            (local.set $w ${mul(g('$go'), add(g('$cB'), mul(g('$cab'), g('$x'))))})`;

const BACKWARD = `
  (func (export "convBackward") ${PARAMS} (param $gout i32) (param $gin i32) (param $gn i32) (param $dcoef i32)
    (local $ga i32) (local $gb i32) (local $gno i32)
    ${LOCALS}
    ${KP_HEAD}
        ;; the root's gradient from the output row t
        (local.set $ra (i32.add (local.get $gout) (i32.mul (local.get $t) (local.get $rowb))))
        (local.set $ro (i32.add (local.get $gn) (i32.mul (i32.sub (local.get $N) (i32.const 1)) (local.get $rowb))))
        ${rowLoop((ld, st) => st(at('$ro'), ld(at('$ra'))), 'r')}
        (local.set $i (local.get $N))
        (block $id (loop $il
          (br_if $id (i32.eqz (local.get $i)))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          ${NODE_SETUP}
          ;; $ro: this node's gradient row; node children's gradient rows are in $gn at their index
          (local.set $ro (i32.add (local.get $gn) (i32.mul (local.get $i) (local.get $rowb))))
          (local.set $d1 ${ZERO}) (local.set $da ${ZERO}) (local.set $db ${ZERO}) (local.set $dab ${ZERO})
          (if (i32.eqz (local.get $leafs))
            (then
              (local.set $ga (i32.add (local.get $gn) (i32.mul (i32.load (i32.add (local.get $ca) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowb))))
              (local.set $gb (i32.add (local.get $gn) (i32.mul (i32.load (i32.add (local.get $cb) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowb))))
              ${rowLoop((ld, st) => `${sums(ld)} ${childGrads} ${st(at('$ga'), g('$u'))} ${st(at('$gb'), g('$w'))}`, 'n')})
            (else
              (if (local.get $gin)
                (then
                  ;; leaves: add into the input gradient rows (the same rows as $ra, $rb, in gin)
                  (local.set $ga (i32.add (local.get $gin) (i32.sub (local.get $ra) (local.get $prev))))
                  (local.set $gb (i32.add (local.get $gin) (i32.sub (local.get $rb) (local.get $prev))))
                  ${rowLoop((ld, st) => `${sums(ld)} ${childGrads} ${st(at('$ga'), add(ld(at('$ga')), g('$u')))} ${st(at('$gb'), add(ld(at('$gb')), g('$w')))}`, 'l')})
                (else ${rowLoop((ld) => sums(ld), 's')}))))
          ;; dcoef[4g .. 4g+3] += the lane sums (lanes 0+2, 1+3, then the two)
          (local.set $x (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $d1) (local.get $da))
                                   (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $d1) (local.get $da))))
          (local.set $y (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $db) (local.get $dab))
                                   (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $db) (local.get $dab))))
          (local.set $gno (i32.add (local.get $dcoef) (i32.sub (local.get $cp) (local.get $coef))))
          (v128.store (local.get $gno) (f32x4.add (v128.load (local.get $gno))
            (f32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x) (local.get $y))
                       (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x) (local.get $y)))))
          (br $il)))
    ${KP_TAIL}
  )`;

const WAT = `(module
  (import "env" "memory" (memory 1 65536 shared))
  ${FORWARD}
  ${BACKWARD}
)`;

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled conv kernels (assembled once per process). */
export function convKernelModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('conv-kernels.wat', WAT, { simd: true, threads: true });
    try {
      return new WebAssembly.Module(parsed.toBinary({}).buffer);
    } finally {
      parsed.destroy();
    }
  })();
  return compiled;
}

type Fn = (...args: number[]) => void;

export interface ConvWasm {
  convForward(prev: number, nodes: number, B: number, leaf: number, ca: number, cb: number, coef: number, g0: number, K: number, P: number, N: number, L: number, out: number): void;
  convBackward(prev: number, nodes: number, B: number, leaf: number, ca: number, cb: number, coef: number, g0: number, K: number, P: number, N: number, L: number, gout: number, gin: number, gn: number, dcoef: number): void;
}

export function convWasm(module: WebAssembly.Module, memory: WebAssembly.Memory): ConvWasm {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Record<keyof ConvWasm, Fn> as unknown as ConvWasm;
}
