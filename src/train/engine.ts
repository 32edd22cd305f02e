// The work one thread does, on the shared state (state.ts). Thread w of T takes:
//   - in a training step, samples [⌊wB/T⌋, ⌊(w+1)B/T⌋) of the batch: gather inputs, forward,
//     Group-Sum loss, backward, its own coefficient gradients (dcoef row w);
//   - after a barrier, gates [⌊wG/T⌋, ⌊(w+1)G/T⌋): sum the T gradient rows in thread order,
//     logit gradients, Adam/AdamW, new softmax and coefficients.
// A step has two barriers (start, and between the phases), not three: the next command's
// start barrier is where the update ends, since nothing reads the parameters before it.
// Dense connectivity (dense.ts) splits its weight gradients by rows instead: after the
// barrier, thread w computes rows [⌊wW/T⌋, ⌊(w+1)W/T⌋) of every layer's dx · prevᵀ from all
// threads' rows (in thread order), then their Adam step and softmax, so no thread holds a
// copy of the big matrices. par[PAR.CONNECT] says which connections run (fixed, topk:K, dense).
// The split depends only on T, and sums run in a fixed order, so the same seed and thread
// count give bit-identical results. Every buffer is allocated once per thread.

import { paramOf, type Param } from './param.js';
import { classScores, softmaxLoss } from './kernels.js';
import { barrier, CMD, CONNECT_DENSE, CTL, DENSE_CHUNK, PAR, threadRows, type State, type ThreadRows } from './state.js';
import { expNonPositive, opCoefficients } from './softmax16.js';
import { shiftIndex, shiftMaps } from './augment.js';
import { candidateGradient, candidateWeights, mixWeights } from './topk.js';
import { HARDEN_GATES, HARDEN_WIRES } from './harden.js';
import { wasmKernels } from './wasm.js';

export interface ThreadWork {
  /** Runs the command in ctl[CMD] (read right after the start barrier); returns it. */
  run(): number;
}

export function threadWork(st: State, w: number, module: WebAssembly.Module): ThreadWork {
  const { forwardLayer, backwardLayer, forwardMixed, backwardMixed, mixInputs, backwardMix, mixDense, backwardDenseInput, denseWeightGradient, updateDenseRow } = wasmKernels(module, st.memory);
  const T = st.threads;
  const L = st.shape.widths.length;
  const N = st.shape.inputs;
  const C = st.shape.classes;
  const widths = st.shape.widths;
  const lastW = widths[L - 1];
  const { cap, x, acts, g0, g1, xas, xbs, dxa, dxb, dxas, dxbs } = threadRows(st, w);
  const scores = new Float64Array(C * cap);
  const labels = new Int32Array(cap);
  const pred = new Int32Array(cap);
  const idx = new Int32Array(cap);
  const res = new Float64Array(2);
  const myDcoef = st.dcoef.subarray(w * st.gates * 4, (w + 1) * st.gates * 4);
  const p = new Float64Array(16);
  const dz = new Float64Array(16);
  const param = paramOf(st.param, st.rho, st.gumbel, st.seed);
  const K = st.k;
  // The backward pass's gate derivatives: Gumbel's soft gates, else the forward's own.
  const backCoef = st.gumbel > 0 ? st.bcoef : st.coef;
  /** Every thread's rows: the dense update reads them all. */
  const allRows: ThreadRows[] = st.dense ? Array.from({ length: T }, (_, t) => threadRows(st, t)) : [];
  /** Each layer's input width, and its dense weight blocks. */
  const P = widths.map((_, l) => (l ? widths[l - 1] : N));
  const block = (arr: Float32Array, l: number) => arr.subarray(st.denseOffsets[l], st.denseOffsets[l + 1]);
  const denseA = st.dense ? widths.map((_, l) => block(st.denseWA, l)) : [];
  const denseB = st.dense ? widths.map((_, l) => block(st.denseWB, l)) : [];
  const maxP = Math.max(...P);
  const myGrad = st.dense ? st.denseGrad.subarray(w * DENSE_CHUNK * maxP, (w + 1) * DENSE_CHUNK * maxP) : new Float32Array(0);
  const KC = st.topk;
  const myDwA = st.dcw.subarray(2 * w * st.gates * KC, (2 * w + 1) * st.gates * KC);
  const myDwB = st.dcw.subarray((2 * w + 1) * st.gates * KC, (2 * w + 2) * st.gates * KC);
  const dwSum = new Float64Array(KC);
  const dlog = new Float64Array(KC);
  /** Hardened wires: the soft candidate weights the straight-through gradient uses (cw holds the one-hot argmax). */
  const softW = new Float32Array(KC);

  const { shift, side, bitsPerPixel } = st.augment;
  const maps = shift > 0 ? shiftMaps(side, bitsPerPixel, shift) : [];

  /**
   * x[i * B + s] = input bit i of sample idx[s]; labels[s] its label. With `step` (training
   * with --shift), sample s is batch position s0 + s, shifted as augment.ts draws it.
   */
  function gather(bits: Uint32Array, words: number, ys: Int32Array, B: number, step = -1, s0 = 0): void {
    for (let s = 0; s < B; s++) {
      const n = idx[s];
      const word = n >>> 5;
      const sh = n & 31;
      if (step >= 0 && shift > 0) {
        const map = maps[shiftIndex(st.seed, step, s0 + s, shift)];
        for (let i = 0; i < N; i++) {
          const src = map[i];
          x[i * B + s] = src < 0 ? 0 : (bits[src * words + word] >>> sh) & 1;
        }
      } else for (let i = 0; i < N; i++) x[i * B + s] = (bits[i * words + word] >>> sh) & 1;
      labels[s] = ys[n];
    }
  }

  /** connect: the connections to run (par[PAR.CONNECT]): dense, topk with K candidates, or the fixed st.a, st.b (0). */
  function forward(coef: Float32Array, B: number, connect: number): void {
    let prev: Float32Array = x;
    for (let l = 0; l < L; l++) {
      const g0 = st.offsets[l];
      const W = widths[l];
      if (connect === CONNECT_DENSE) {
        xas[l].fill(0, 0, W * B);
        xbs[l].fill(0, 0, W * B);
        mixDense(prev, xas[l], B, denseA[l], P[l], W);
        mixDense(prev, xbs[l], B, denseB[l], P[l], W);
        forwardMixed(xas[l], xbs[l], acts[l], B, coef, g0, W);
      } else if (connect > 0) {
        mixInputs(prev, xas[l], B, st.candA, st.cwA, connect, g0, W);
        mixInputs(prev, xbs[l], B, st.candB, st.cwB, connect, g0, W);
        forwardMixed(xas[l], xbs[l], acts[l], B, coef, g0, W);
      } else forwardLayer(prev, acts[l], B, st.a, st.b, coef, g0, W);
      prev = acts[l];
    }
  }

  /**
   * The step's optimizer settings, copied before the forward pass: a step ends without a
   * barrier after the update (pool.ts), so the main thread may already be writing the next
   * step's parameters while this thread still updates.
   */
  const opt = { lr: 0, b1: 0, b2: 0, eps: 0, decay: 1, bc1: 1, bc2: 1, step: 0, batch: 0, connect: 0, invT: 1, harden: 0 };

  function trainStep(): void {
    const par = st.par;
    opt.lr = par[PAR.LR];
    opt.b1 = par[PAR.BETA1];
    opt.b2 = par[PAR.BETA2];
    opt.eps = par[PAR.EPS];
    opt.decay = 1 - opt.lr * par[PAR.WD];
    opt.bc1 = par[PAR.BC1];
    opt.bc2 = par[PAR.BC2];
    opt.step = par[PAR.STEP];
    const B = (opt.batch = par[PAR.BATCH]);
    const connect = (opt.connect = par[PAR.CONNECT]);
    opt.invT = par[PAR.CONNECT_INV_TEMP];
    opt.harden = par[PAR.HARDEN];
    const K = connect > 0 ? connect : 0;
    const s0 = Math.floor((w * B) / T);
    const Bw = Math.floor(((w + 1) * B) / T) - s0;
    for (let s = 0; s < Bw; s++) idx[s] = st.batchIdx[s0 + s];
    gather(st.trainBits, st.trainWords, st.trainY, Bw, opt.step, s0);
    // Hardened gates: the frozen ops forward, the soft ones' derivatives backward (backCoef).
    forward(opt.harden & HARDEN_GATES ? st.hard : st.coef, Bw, connect);
    res.fill(0);
    classScores(acts[L - 1], lastW, Bw, C, scores);
    let gout = g0;
    let gin = g1;
    softmaxLoss(scores, Bw, C, st.par[PAR.TAU], labels, res, null, gout, lastW, 1 / B);
    st.results[2 * w] = res[0];
    st.results[2 * w + 1] = res[1];
    myDcoef.fill(0);
    if (K) {
      myDwA.fill(0, 0, st.gates * K);
      myDwB.fill(0, 0, st.gates * K);
    }
    for (let l = L - 1; l >= 0; l--) {
      const prev = l > 0 ? acts[l - 1] : x;
      const g0 = st.offsets[l];
      if (l > 0) gin.fill(0, 0, widths[l - 1] * Bw);
      if (connect === CONNECT_DENSE) {
        backwardMixed(xas[l], xbs[l], gout, dxas[l], dxbs[l], Bw, backCoef, myDcoef, g0, widths[l]);
        if (l > 0) {
          backwardDenseInput(dxas[l], gin, Bw, denseA[l], P[l], widths[l]);
          backwardDenseInput(dxbs[l], gin, Bw, denseB[l], P[l], widths[l]);
        }
      } else if (K) {
        backwardMixed(xas[l], xbs[l], gout, dxa, dxb, Bw, backCoef, myDcoef, g0, widths[l]);
        backwardMix(prev, dxa, l > 0 ? gin : null, Bw, st.candA, st.cwA, K, myDwA, g0, widths[l]);
        backwardMix(prev, dxb, l > 0 ? gin : null, Bw, st.candB, st.cwB, K, myDwB, g0, widths[l]);
      } else backwardLayer(prev, gout, l > 0 ? gin : null, Bw, st.a, st.b, backCoef, myDcoef, st.offsets[l], widths[l]);
      const t = gout;
      gout = gin;
      gin = t;
    }
  }

  function update(): void {
    const G = st.gates;
    const gA = Math.floor((w * G) / T);
    const gB = Math.floor(((w + 1) * G) / T);
    const { lr, b1, b2, eps, decay, bc1, bc2, step } = opt;
    const { logits, probs, coef, m, v, dcoef } = st;
    const stride = G * 4;
    for (let g = gA; g < gB; g++) {
      let d1 = 0, da = 0, db = 0, dab = 0;
      for (let t = 0, o = 4 * g; t < T; t++, o += stride) {
        d1 += dcoef[o];
        da += dcoef[o + 1];
        db += dcoef[o + 2];
        dab += dcoef[o + 3];
      }
      param.gradient(logits, probs, coef, g, d1, da, db, dab, dz);
      for (let i = 0, k = K * g; i < K; i++, k++) {
        const gr = dz[i];
        const mk = (m[k] = b1 * m[k] + (1 - b1) * gr);
        const vk = (v[k] = b2 * v[k] + (1 - b2) * gr * gr);
        logits[k] = logits[k] * decay - (lr * (mk / bc1)) / (Math.sqrt(vk / bc2) + eps);
      }
      param.refresh(logits, coef, probs, g, p, step, st.bcoef);
      if (opt.harden & HARDEN_GATES) opCoefficients(param.frozenOp(logits, g), st.hard, g);
      if (opt.connect > 0) {
        updateCandidates(g, 0, st.clogA, st.cwA, st.cmA, st.cvA, lr, b1, b2, eps, decay, bc1, bc2);
        updateCandidates(g, 1, st.clogB, st.cwB, st.cmB, st.cvB, lr, b1, b2, eps, decay, bc1, bc2);
      }
    }
    if (opt.connect === CONNECT_DENSE) {
      for (let l = 0; l < L; l++) {
        updateDense(l, st.denseLogA, st.denseWA, st.denseMA, st.denseVA, dxasOf);
        updateDense(l, st.denseLogB, st.denseWB, st.denseMB, st.denseVB, dxbsOf);
      }
    }
  }

  const dxasOf = (r: ThreadRows) => r.dxas;
  const dxbsOf = (r: ThreadRows) => r.dxbs;

  /**
   * Dense rows [⌊wW/T⌋, ⌊(w+1)W/T⌋) of layer l, one input side, DENSE_CHUNK rows at a time:
   * the weight gradient from every thread's samples (in thread order), the softmax's logit
   * gradient, Adam, and the new softmax weights.
   */
  function updateDense(l: number, log: Float32Array, wts: Float32Array, m: Float32Array, v: Float32Array, dxOf: (r: ThreadRows) => Float32Array[]): void {
    const batch = opt.batch;
    const W = widths[l];
    const Pl = P[l];
    const r0 = Math.floor((w * W) / T);
    const r1 = Math.floor(((w + 1) * W) / T);
    const base = st.denseOffsets[l];
    for (let j0 = r0; j0 < r1; j0 += DENSE_CHUNK) {
      const n = Math.min(DENSE_CHUNK, r1 - j0);
      const grad = myGrad.subarray(0, n * Pl);
      grad.fill(0);
      for (let t = 0; t < T; t++) {
        const Bt = Math.floor(((t + 1) * batch) / T) - Math.floor((t * batch) / T);
        if (Bt === 0) continue;
        const rows = allRows[t];
        denseWeightGradient(dxOf(rows)[l].subarray(j0 * Bt, (j0 + n) * Bt), l > 0 ? rows.acts[l - 1] : rows.x, Bt, Pl, n, grad);
      }
      for (let j = 0; j < n; j++) updateDenseRow(log, wts, m, v, base + (j0 + j) * Pl, grad, j * Pl, Pl, opt);
    }
  }

  /** Adam on the K candidate logits of one input (side 0 = a, 1 = b) of gate g, then new weights. */
  function updateCandidates(
    g: number, side: number, clog: Float32Array, cw: Float32Array, cm: Float32Array, cv: Float32Array,
    lr: number, b1: number, b2: number, eps: number, decay: number, bc1: number, bc2: number,
  ): void {
    const G = st.gates;
    const K = opt.connect;
    const o = g * K;
    dwSum.fill(0);
    for (let t = 0; t < T; t++) {
      const base = (2 * t + side) * G * KC + o;
      for (let k = 0; k < K; k++) dwSum[k] += st.dcw[base + k];
    }
    const hard = (opt.harden & HARDEN_WIRES) !== 0;
    // Hardened: cw is the argmax's one-hot (the forward), the gradient is the softmax's.
    if (hard) candidateWeights(clog.subarray(o, o + K), softW, 0, K, opt.invT);
    candidateGradient(hard ? softW : cw, dwSum, hard ? 0 : o, K, dlog, opt.invT);
    for (let k = 0; k < K; k++) {
      const i = o + k;
      const gr = dlog[k];
      const mk = (cm[i] = b1 * cm[i] + (1 - b1) * gr);
      const vk = (cv[i] = b2 * cv[i] + (1 - b2) * gr * gr);
      clog[i] = clog[i] * decay - (lr * (mk / bc1)) / (Math.sqrt(vk / bc2) + eps);
    }
    mixWeights(clog, cw, o, K, opt.invT, hard);
  }

  function evaluate(): void {
    const par = st.par;
    const test = par[PAR.EVAL_SET] === 1;
    const from = par[PAR.EVAL_FROM];
    const count = par[PAR.EVAL_COUNT];
    const coef = par[PAR.EVAL_HARD] === 1 ? st.hard : st.coef;
    const bits = test ? st.testBits : st.trainBits;
    const words = test ? st.testWords : st.trainWords;
    const ys = test ? st.testY : st.trainY;
    const lo = from + Math.floor((w * count) / T);
    const hi = from + Math.floor(((w + 1) * count) / T);
    res.fill(0);
    for (let c0 = lo; c0 < hi; c0 += st.evalChunk) {
      const B = Math.min(st.evalChunk, hi - c0);
      for (let s = 0; s < B; s++) idx[s] = c0 + s;
      gather(bits, words, ys, B);
      forward(coef, B, par[PAR.EVAL_MIXED] === 1 ? par[PAR.CONNECT] : 0);
      classScores(acts[L - 1], lastW, B, C, scores);
      for (let s = 0; s < B; s++) {
        for (let c = 0; c < C; c++) st.evalScores[(c0 - from + s) * C + c] = scores[c * B + s];
      }
      softmaxLoss(scores, B, C, par[PAR.TAU], labels, res, pred, null, lastW, 1);
      st.evalPred.set(pred.subarray(0, B), c0 - from);
    }
    st.results[2 * w] = res[0];
    st.results[2 * w + 1] = res[1];
  }

  return {
    run(): number {
      const cmd = st.ctl[CTL.CMD];
      if (cmd === CMD.STEP) {
        trainStep();
        barrier(st.ctl, T);
        update();
      } else if (cmd === CMD.EVAL) evaluate();
      return cmd;
    },
  };
}

/** w[o..o+n) = softmax(logits[o..o+n)), given their max (dense rows; deterministic exp). */
export function denseSoftmax(logits: Float32Array, w: Float32Array, o: number, n: number, max: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[o + i] = expNonPositive(logits[o + i] - max);
  const inv = 1 / sum;
  for (let i = 0; i < n; i++) w[o + i] *= inv;
}

/** Coefficients (and softmax16's probabilities) of every gate from its parameters. */
export function refreshAll(st: State, step: number, param: Param = paramOf(st.param, st.rho, st.gumbel, st.seed)): void {
  const p = new Float64Array(16);
  for (let g = 0; g < st.gates; g++) param.refresh(st.logits, st.coef, st.probs, g, p, step, st.bcoef);
}
