import type { TypedArray } from '../../tensor/dtype.js';
import type { AdamStep } from '../types.js';

/**
 * Adam (Kingma & Ba; PyTorch's formulation): d = g + l2·p; m = β1·m + (1 − β1)·d; v = β2·v + (1 − β2)·d²;
 * p' = p·(1 − decay) − (lr / bc1) · m / (sqrt(v) · (1 / sqrt(bc2)) + ε), bc_i = 1 − β_i^t.
 * (PyTorch divides sqrt(v) by sqrt(bc2); multiplying by the reciprocal leaves one division per element, the
 * divider being what bounds the update's speed, and changes the float64 value by an ulp or so before the one rounding.)
 * `decay` = lr·weightDecay for AdamW (decoupled, applied to p before the Adam step), 0 for Adam.
 * m and v are updated in place; p' goes to `out`, which may be p itself (each p[i] is read before out[i]
 * is written). Arithmetic is in float64 (JS numbers); each stored value is rounded once to its array's type.
 */
export function adamUpdate(p: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, out: TypedArray, s: AdamStep): void {
  const n = p.length;
  const { beta1, beta2, epsilon, l2 } = s;
  const stepSize = s.learningRate / s.bc1;
  const invBc2Sqrt = 1 / Math.sqrt(s.bc2);
  const keep = 1 - s.decay;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    const d = l2 === 0 ? g[i] : g[i] + l2 * pi;
    m[i] = beta1 * m[i] + c1 * d;
    v[i] = beta2 * v[i] + c2 * d * d;
    const mi = m[i];
    const vi = v[i];
    out[i] = pi * keep - (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + epsilon);
  }
}
