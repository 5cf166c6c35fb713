import type { TypedArray } from '../../tensor/dtype.js';
import { addExp, differenceOverOnePlus, Expansion } from './double-double.js';
import { scratch } from './scratch.js';

/*
 * The softmax family, one row at a time. A row is n elements starting at `base` with stride `stride`.
 *
 * Precision (DESIGN.md, numerics rules):
 * - m = the row max (first occurrence, index im). Every other element contributes e_i = exp(d_i) where
 *   d_i = z_i − m is computed with its rounding error lo_i (TwoSum), and exp(d_i + lo_i) ≈ e_i·(1 + lo_i).
 *   Without that correction a difference like 0.1 − 700.3 would cost hundreds of ulp in float64.
 * - s = Σ_{i≠im} e_i, Neumaier-compensated; logSumExp = m + log1p(s), so tiny losses keep their digits.
 * - A row whose max is −∞ (all masked), +∞, or that holds a NaN gives NaN, as TensorFlow and PyTorch do.
 */

// Results of the last analyseRow call: kept in module state so the hot loop allocates nothing.
let rowMaxValue = 0;
let rowMaxIndex = 0;
let rowSum = 0;

/** Fills e and lo for one row and sets rowMaxValue/rowMaxIndex/rowSum; false if the row is not finite-max. */
function analyseRow(x: TypedArray, base: number, n: number, stride: number, e: Float64Array, lo: Float64Array): boolean {
  let m = -Infinity;
  let im = -1;
  for (let i = 0; i < n; i++) {
    const v = x[base + i * stride];
    if (v !== v) return false;
    if (v > m) {
      m = v;
      im = i;
    }
  }
  if (im < 0 || m === Infinity) return false;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (i === im) {
      e[i] = 1;
      lo[i] = 0;
      continue;
    }
    const v = x[base + i * stride];
    const d = v - m;
    if (!(d > -746)) {
      // exp underflows to 0 (this also covers −∞ masks and differences that overflow).
      e[i] = 0;
      lo[i] = 0;
      continue;
    }
    // TwoSum: d + err is exactly v − m.
    const bb = d - v;
    const err = v - (d - bb) + (-m - bb);
    const ei = Math.exp(d);
    const ec = ei + ei * err;
    e[i] = ec;
    lo[i] = err;
    const t = s + ec;
    c += s >= ec ? s - t + ec : ec - t + s;
    s = t;
  }
  rowMaxValue = m;
  rowMaxIndex = im;
  rowSum = s + c;
  return true;
}

/** x[base + i·stride] − m, as the exact difference d_i + lo_i recorded by analyseRow. */
function diffAt(x: TypedArray, base: number, stride: number, i: number, lo: Float64Array): number {
  return x[base + i * stride] - rowMaxValue + lo[i];
}

export function logSumExpStrided(x: TypedArray, base: number, n: number, stride: number): number {
  const e = scratch('softmax.e', n);
  const lo = scratch('softmax.lo', n);
  if (analyseRow(x, base, n, stride, e, lo)) {
    const m = rowMaxValue;
    const L = Math.log1p(rowSum);
    const r = m + L;
    // m + L cancels when m < 0 and L ≈ −m (log-probabilities that sum to 1 give r ≈ 0): the error of L, an ulp or
    // two of L, is amplified by the condition number (|m| + L)/|r|. Above 2 (L within a factor 3 of −m) the fast
    // path measures up to 3 ulp and more, below it at most ~2 like any row: recompute those rows (KNOWN-1, fixed).
    if (m < 0 && L - m > 2 * Math.abs(r)) return logSumExpCancelling(x, base, n, stride, r);
    return r;
  }
  // TensorFlow's reduce_logsumexp: all −∞ gives −∞, a +∞ gives +∞, NaN stays NaN.
  let hasInf = false;
  for (let i = 0; i < n; i++) {
    const v = x[base + i * stride];
    if (v !== v) return NaN;
    if (v === Infinity) hasInf = true;
  }
  return hasInf ? Infinity : -Infinity;
}

const lseAcc = new Expansion();
const lseY = new Float64Array(2);

/**
 * logSumExp of a finite-max row (analyseRow has just run on it) where m + log1p(s) cancels, from c, that inaccurate
 * value: R = c + log1p(y) with y = Σ_i e^{z_i − c} − 1, which is tiny (about the error of c). Each z_i − c is exact
 * (TwoSum), each exponential is accurate to 2^-118 relative and the sum is exact (double-double.ts); the max term
 * is added as expm1(m − c), so its 1 cancels exactly and y keeps its digits even when s is tiny. Then
 * R = c + (y − y²/2 + y³/3), rounded once. Cost: about 1 µs per element, some 50 times the fast path.
 */
function logSumExpCancelling(x: TypedArray, base: number, n: number, stride: number, c: number): number {
  const im = rowMaxIndex;
  for (let pass = 0; ; pass++) {
    lseAcc.reset();
    for (let i = 0; i < n; i++) {
      const v = x[base + i * stride];
      if (v === -Infinity) continue;
      const dh = v - c;
      const bb = dh - v;
      addExp(lseAcc, dh, v - (dh - bb) + (-c - bb), i === im);
    }
    lseAcc.toDoubleDouble(lseY);
    const yh = lseY[0];
    const yl = lseY[1];
    if (Math.abs(yh) < 2 ** -36 || pass === 2) {
      // log1p(y) = y − y²/2 + y³/3 − …, the y⁴ term below 2^-146
      const s = c + yh;
      const bb = s - c;
      const err = c - (s - bb) + (yh - bb);
      return s + (err + (yl + yh * yh * (yh / 3 - 0.5)));
    }
    c += Math.log1p(yh); // c was far off (not seen in practice: |y| ≲ 2^-43): one more Newton step from closer
  }
}

function forEachRow(outer: number, n: number, inner: number, body: (base: number, stride: number, row: number) => void): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) body(o * n * inner + j, inner, o * inner + j);
  }
}

export function softmax(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  const e = scratch('softmax.e', n);
  const lo = scratch('softmax.lo', n);
  forEachRow(outer, n, inner, (base, stride) => {
    if (!analyseRow(x, base, n, stride, e, lo)) {
      for (let i = 0; i < n; i++) out[base + i * stride] = NaN;
      return;
    }
    const total = 1 + rowSum;
    for (let i = 0; i < n; i++) out[base + i * stride] = e[i] / total;
  });
}

export function logSoftmax(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  const e = scratch('softmax.e', n);
  const lo = scratch('softmax.lo', n);
  forEachRow(outer, n, inner, (base, stride) => {
    if (!analyseRow(x, base, n, stride, e, lo)) {
      for (let i = 0; i < n; i++) out[base + i * stride] = NaN;
      return;
    }
    const L = Math.log1p(rowSum);
    for (let i = 0; i < n; i++) {
      out[base + i * stride] = i === rowMaxIndex ? -L : x[base + i * stride] - rowMaxValue - L + lo[i];
    }
  });
}

export function softmaxCrossEntropy(
  logits: TypedArray,
  labels: TypedArray,
  outer: number,
  n: number,
  inner: number,
  loss: TypedArray,
  dLogits: TypedArray | null,
  gradScale = 1,
): void {
  const e = scratch('softmax.e', n);
  const lo = scratch('softmax.lo', n);
  forEachRow(outer, n, inner, (base, stride, row) => {
    if (!analyseRow(logits, base, n, stride, e, lo)) {
      loss[row] = NaN;
      if (dLogits) for (let i = 0; i < n; i++) dLogits[base + i * stride] = NaN;
      return;
    }
    const L = Math.log1p(rowSum);
    // loss = Σ y_i (m − z_i) + (Σ y_i)·L: non-negative terms for non-negative labels, so no cancellation.
    // Both sums are compensated; yOthers = Σ_{i≠max} y_i is kept apart for the gradient at the max.
    let acc = 0;
    let comp = 0;
    let yOthers = 0;
    let yComp = 0;
    for (let i = 0; i < n; i++) {
      const y = labels[base + i * stride];
      if (y === 0) continue; // a zero label adds nothing, even against a −∞ (masked) logit
      if (i === rowMaxIndex) continue;
      const t0 = yOthers + y;
      yComp += Math.abs(yOthers) >= Math.abs(y) ? yOthers - t0 + y : y - t0 + yOthers;
      yOthers = t0;
      let term = y * -diffAt(logits, base, stride, i, lo);
      // m − z_i can overflow (1.7e308 − (−1.7e308)) while y·(m − z_i) is finite for a label below 1.
      if (term === Infinity && y < 1) term = y * rowMaxValue - y * logits[base + i * stride];
      const t = acc + term;
      comp += Math.abs(acc) >= Math.abs(term) ? acc - t + term : term - t + acc;
      acc = t;
    }
    yOthers += yComp;
    const yMax = labels[base + rowMaxIndex * stride];
    const Y = yOthers + yMax;
    const yl = Y * L;
    loss[row] = Number.isFinite(acc) ? acc + yl + comp : acc + yl;
    if (dLogits) {
      const total = 1 + rowSum;
      for (let i = 0; i < n; i++) {
        const k = base + i * stride;
        dLogits[k] = ((Y * e[i]) / total - labels[k]) * gradScale;
      }
      // At the max, Y/T − y_m = (Σ_{i≠max} y_i − y_m·s)/T: no cancellation when the loss is tiny; rounded once.
      dLogits[base + rowMaxIndex * stride] = differenceOverOnePlus(yOthers, yMax, rowSum) * gradScale;
    }
  });
}

export function sparseSoftmaxCrossEntropy(
  logits: TypedArray,
  ids: Int32Array,
  rows: number,
  n: number,
  loss: TypedArray,
  dLogits: TypedArray | null,
  gradScale = 1,
): void {
  const e = scratch('softmax.e', n);
  const lo = scratch('softmax.lo', n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const k = ids[r];
    if (!analyseRow(logits, base, n, 1, e, lo)) {
      loss[r] = NaN;
      if (dLogits) dLogits.fill(NaN, base, base + n);
      continue;
    }
    const L = Math.log1p(rowSum);
    loss[r] = k === rowMaxIndex ? L : -diffAt(logits, base, 1, k, lo) + L;
    if (dLogits) {
      const total = 1 + rowSum;
      for (let i = 0; i < n; i++) dLogits[base + i] = (e[i] / total) * gradScale;
      // p_k − 1 = −(T − e_k)/T, with T − e_k = s when k is the max and 1 + (s − e_k) otherwise: computed
      // in float64 and rounded once, so a tiny gradient (a tiny loss) keeps its digits.
      dLogits[base + k] = (k === rowMaxIndex ? -rowSum / total : -(1 + (rowSum - e[k])) / total) * gradScale;
    }
  }
}
