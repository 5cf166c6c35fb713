import { argError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { TensorInput } from '../ops/convert.js';
import { readScored, type ScoredExamples } from './inputs.js';

export interface VectorScalingFit {
  /** Per-class scale w and bias b: p = softmax(w ⊙ z + b). The biases are centred (they sum to 0). */
  scale: number[];
  bias: number[];
  nllBefore: number;
  nllAfter: number;
  iterations: number;
}

const OP = 'fitVectorScaling';
const MAX_ITERATIONS = 300;
/** Beyond this many classes the dense 2K × 2K Newton system is too large to solve per step. */
export const VECTOR_SCALING_MAX_CLASSES = 256;
/** Parameters this large mean the NLL has no minimum (classes the scaled logits separate perfectly). */
const DIVERGED = 1e8;

/** Mean NLL of softmax(w ⊙ z + b), and with `withDerivatives` its gradient and Hessian in (w, b). */
function objective(d: ScoredExamples, theta: Float64Array, withDerivatives: boolean): { f: number; g: Float64Array; h: Float64Array } {
  const { scores: z, labels, count: n, classes: k } = d;
  const dim = 2 * k;
  const g = new Float64Array(withDerivatives ? dim : 0);
  const h = new Float64Array(withDerivatives ? dim * dim : 0);
  const u = new Float64Array(k);
  const p = new Float64Array(k);
  let f = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) {
      u[c] = theta[c] * z[i * k + c] + theta[k + c];
      if (u[c] > m) m = u[c];
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += p[c] = Math.exp(u[c] - m);
    for (let c = 0; c < k; c++) p[c] /= s;
    const y = labels[i];
    f += m + Math.log(s) - u[y];
    if (!withDerivatives) continue;
    for (let a = 0; a < k; a++) {
      const za = z[i * k + a];
      const r = p[a] - (a === y ? 1 : 0);
      g[a] += r * za;
      g[k + a] += r;
      for (let b = 0; b < k; b++) {
        // (diag(p) − p pᵀ)_ab, mapped through ∂u_a/∂w_a = z_a and ∂u_a/∂b_a = 1.
        const hab = (a === b ? p[a] : 0) - p[a] * p[b];
        const zb = z[i * k + b];
        h[a * dim + b] += hab * za * zb;
        h[a * dim + k + b] += hab * za;
        h[(k + a) * dim + b] += hab * zb;
        h[(k + a) * dim + k + b] += hab;
      }
    }
  }
  for (let j = 0; j < g.length; j++) g[j] /= n;
  for (let j = 0; j < h.length; j++) h[j] /= n;
  return { f: f / n, g, h };
}

/** Solves (H + λI) x = −g by Cholesky; null when the damped matrix is not positive definite. */
function dampedStep(h: Float64Array, g: Float64Array, lambda: number): Float64Array | null {
  const n = g.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = h[i * n + j] + (i === j ? lambda : 0);
      for (let t = 0; t < j; t++) s -= l[i * n + t] * l[j * n + t];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = -g[i];
    for (let t = 0; t < i; t++) s -= l[i * n + t] * x[t];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let t = i + 1; t < n; t++) s -= l[t * n + i] * x[t];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/**
 * Vector scaling (Guo et al. 2017): a per-class scale w and bias b fitted on held-out logits by minimising the mean
 * NLL of softmax(w ⊙ z + b), which is convex in (w, b). Damped Newton (Levenberg–Marquardt) steps from w = 1,
 * b = 0, until the gradient vanishes to float64 rounding. Temperature scaling is the special case w = 1/T, b = 0,
 * so its NLL is never above temperature scaling's on the fitting data.
 */
export function fitVectorScaling(logits: TensorInput, labels: TensorInput, options?: Record<string, never>): VectorScalingFit {
  checkOptions(OP, options, []);
  const d = readScored(OP, logits, labels);
  const k = d.classes;
  if (d.count === 0) throw argError(OP, 'logits', 'at least one example', `[0, ${k}]`);
  if (k > VECTOR_SCALING_MAX_CLASSES) throw argError(OP, 'logits', `at most ${VECTOR_SCALING_MAX_CLASSES} classes (use temperature scaling)`, `${k} classes`);
  let theta = new Float64Array(2 * k);
  theta.fill(1, 0, k);
  let cur = objective(d, theta, true);
  const nllBefore = cur.f;
  let lambda = 1e-6;
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const gMax = cur.g.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    if (gMax <= 1e-14 * Math.max(1, Math.abs(cur.f))) break;
    const step = dampedStep(cur.h, cur.g, lambda);
    if (step === null) {
      lambda *= 10;
      continue;
    }
    const next = theta.map((v, j) => v + step[j]);
    const trial = objective(d, next, false);
    if (trial.f <= cur.f) {
      const improved = trial.f < cur.f;
      theta = next;
      cur = objective(d, theta, true);
      lambda = Math.max(lambda / 10, 1e-12);
      if (!improved && step.every((s, j) => Math.abs(s) <= 1e-15 * Math.max(1, Math.abs(theta[j])))) break;
    } else {
      lambda *= 10;
      if (lambda > 1e20) break; // no step lowers the NLL any more: the minimum to float64 precision
    }
    if (theta.some((v) => !(Math.abs(v) < DIVERGED))) break;
  }
  // Every example strictly right under w ⊙ z + b: scaling (w, b) up lowers the NLL forever, so there is no minimum
  // (the gradient only looked 0 because float64 ran out of digits).
  if (allStrictlyRight(d, theta)) {
    throw argError(
      OP,
      'labels',
      'labels the scaled logits cannot separate perfectly (the NLL then has no minimum and the scales grow without bound)',
      'a fit whose scales diverge',
    );
  }
  const bias = Array.from(theta.subarray(k));
  const mean = bias.reduce((a, b) => a + b, 0) / k;
  return {
    scale: Array.from(theta.subarray(0, k)),
    bias: bias.map((b) => b - mean),
    nllBefore,
    nllAfter: cur.f,
    iterations,
  };
}

/** Whether every example's label has the strictly largest calibrated logit w ⊙ z + b. */
function allStrictlyRight(d: ScoredExamples, theta: Float64Array): boolean {
  const { scores: z, labels, count: n, classes: k } = d;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const uy = theta[y] * z[i * k + y] + theta[k + y];
    for (let c = 0; c < k; c++) if (c !== y && theta[c] * z[i * k + c] + theta[k + c] >= uy) return false;
  }
  return true;
}
