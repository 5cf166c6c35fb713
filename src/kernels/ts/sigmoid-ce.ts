import type { TypedArray } from '../../tensor/dtype.js';
import { log1pExpNegAbs, sigmoidScalar } from './elementwise.js';

/**
 * TensorFlow's weighted_cross_entropy_with_logits, element-wise, stable for any x:
 * loss = (1 − z)·x + (1 + (q − 1)·z)·(log1p(e^−|x|) + max(−x, 0)); q = 1 gives sigmoid_cross_entropy_with_logits.
 * Arranged as a sum of non-negative terms (for z in [0, 1], q ≥ 0), so nothing cancels:
 *   x ≥ 0: (1 − z)·x + l·log1p(e^−x),   x < 0: q·z·|x| + l·log1p(e^x),   l = 1 + (q − 1)·z.
 * A zero linear term counts as 0 even against an infinite logit (label 1 with x = +∞, label 0 with x = −∞).
 * d/dx = (1 + (q − 1)·z)·σ(x) − q·z = (1 − z)·σ(x) − q·z·σ(−x)   (no cancellation for hard labels)
 * d/dz = −x + (q − 1)·softplus(−x)   (with q = 1: −x)
 */
export function sigmoidCrossEntropy(
  logits: TypedArray,
  labels: TypedArray,
  posWeight: TypedArray | null,
  loss: TypedArray,
  dLogits: TypedArray | null,
  dLabels: TypedArray | null,
): void {
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    const z = labels[i];
    const q = posWeight ? posWeight[i] : 1;
    const tail = log1pExpNegAbs(x);
    const l = 1 + (q - 1) * z;
    const linear = x >= 0 ? (z === 1 ? 0 : (1 - z) * x) : z === 0 ? 0 : q * z * -x;
    loss[i] = linear + l * tail;
    if (dLogits) dLogits[i] = (1 - z) * sigmoidScalar(x) - q * z * sigmoidScalar(-x);
    if (dLabels) dLabels[i] = -x + (q - 1) * (tail + Math.max(-x, 0));
  }
}
