// The loops of training: one gate layer forward and backward, and the Group-Sum softmax
// cross-entropy. Activations are neuron-major over the batch: signal j of a layer for sample
// s is act[j * B + s], so every gate streams three contiguous rows. A gate is its four
// coefficients of {1, a, b, ab} (softmax16.ts computes them once per batch). These functions
// allocate nothing; callers own every buffer. The trainer runs the layer loops as their SIMD
// twins in wasm.ts; these plain versions define them (the gradient tests check them against
// finite differences, test/train/wasm.test.ts checks the twins against them). The Group-Sum
// loss runs from here.

/** Float32Array in training; the gradient tests use Float64Array through the same code. */
export type Vec = Float32Array | Float64Array;

/**
 * out[g] = c1 + ca·a + cb·b + cab·a·b for gates g0..g0+n-1 (global indices into a, b, coef),
 * writing row (g - g0) of out. prev holds the previous layer (or the inputs), B per row.
 */
export function forwardLayer(prev: Vec, out: Vec, B: number, a: Int32Array, b: Int32Array, coef: Vec, g0: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const g = g0 + j;
    const c1 = coef[4 * g], ca = coef[4 * g + 1], cb = coef[4 * g + 2], cab = coef[4 * g + 3];
    const ra = a[g] * B, rb = b[g] * B, ro = j * B;
    for (let s = 0; s < B; s++) {
      const x = prev[ra + s], y = prev[rb + s];
      out[ro + s] = c1 + ca * x + cb * y + cab * x * y;
    }
  }
}

/**
 * Backward through one layer. gout = dL/d(out) (n rows of B). Adds the coefficient gradients
 * to dcoef (4 per gate, global index) and, when gin is given, dL/d(prev) to gin (which the
 * caller zeroes first): d/da = ca + cab·b, d/db = cb + cab·a.
 */
export function backwardLayer(
  prev: Vec, gout: Vec, gin: Vec | null, B: number,
  a: Int32Array, b: Int32Array, coef: Vec, dcoef: Vec, g0: number, n: number,
): void {
  for (let j = 0; j < n; j++) {
    const g = g0 + j;
    const ca = coef[4 * g + 1], cb = coef[4 * g + 2], cab = coef[4 * g + 3];
    const ra = a[g] * B, rb = b[g] * B, ro = j * B;
    let d1 = 0, da = 0, db = 0, dab = 0;
    if (gin) {
      for (let s = 0; s < B; s++) {
        const go = gout[ro + s], x = prev[ra + s], y = prev[rb + s];
        d1 += go;
        da += go * x;
        db += go * y;
        dab += go * x * y;
        gin[ra + s] += go * (ca + cab * y);
        gin[rb + s] += go * (cb + cab * x);
      }
    } else {
      for (let s = 0; s < B; s++) {
        const go = gout[ro + s], x = prev[ra + s], y = prev[rb + s];
        const gx = go * x;
        d1 += go;
        da += gx;
        db += go * y;
        dab += gx * y;
      }
    }
    dcoef[4 * g] += d1;
    dcoef[4 * g + 1] += da;
    dcoef[4 * g + 2] += db;
    dcoef[4 * g + 3] += dab;
  }
}

/** Group-Sum: scores[c * B + s] = Σ of block c of the last layer (W rows of B), before tau. */
export function classScores(out: Vec, W: number, B: number, classes: number, scores: Float64Array): void {
  const per = W / classes;
  scores.fill(0, 0, classes * B);
  for (let c = 0; c < classes; c++) {
    const sc = c * B;
    for (let j = c * per; j < (c + 1) * per; j++) {
      const r = j * B;
      for (let s = 0; s < B; s++) scores[sc + s] += out[r + s];
    }
  }
}

/**
 * Softmax cross-entropy of the Group-Sum scores (from classScores) at temperature tau:
 * p = softmax(score / tau). result[0] += Σ loss, result[1] += correct, where the prediction
 * is the argmax of the scores, ties to the lowest class (the netlist's rule); pred, if
 * given, receives it. When gout is given, writes dL/d(out) for the W outputs with the
 * loss scaled by `scale` (1 / total batch): every output of block c gets (p_c − [y = c])·scale/tau.
 * Overwrites scores with p.
 */
export function softmaxLoss(
  scores: Float64Array, B: number, classes: number, tau: number, labels: Int32Array,
  result: Float64Array, pred: Int32Array | null, gout: Vec | null, W: number, scale: number,
): void {
  let loss = 0, correct = 0;
  for (let s = 0; s < B; s++) {
    let max = -Infinity, arg = 0;
    for (let c = 0; c < classes; c++) {
      const v = scores[c * B + s];
      if (v > max) {
        max = v;
        arg = c;
      }
    }
    if (pred) pred[s] = arg;
    if (arg === labels[s]) correct++;
    const zy = (scores[labels[s] * B + s] - max) / tau;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += scores[c * B + s] = Math.exp((scores[c * B + s] - max) / tau);
    loss += Math.log(sum) - zy;
    for (let c = 0; c < classes; c++) scores[c * B + s] /= sum;
  }
  result[0] += loss;
  result[1] += correct;
  if (!gout) return;
  const per = W / classes;
  const k = scale / tau;
  for (let c = 0; c < classes; c++) {
    for (let j = c * per; j < (c + 1) * per; j++) {
      const r = j * B;
      for (let s = 0; s < B; s++) gout[r + s] = k * (scores[c * B + s] - (labels[s] === c ? 1 : 0));
    }
  }
}
