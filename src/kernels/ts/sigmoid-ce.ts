import type { TypedArray } from '../../tensor/dtype.js';
import { log1pExpNegAbs, sigmoidScalar } from './elementwise.js';

/**
 * TensorFlow's weighted_cross_entropy_with_logits, element-wise, stable for any x:
 * loss = (1 − z)·x + (1 + (q − 1)·z)·(log1p(e^−|x|) + max(−x, 0)); q = 1 gives sigmoid_cross_entropy_with_logits.
 * d/dx = (1 + (q − 1)·z)·σ(x) − q·z   (with q = 1: σ(x) − z)
 * d/dz = −x + (q − 1)·softplus(−x)   (with q = 1: −x)
 */
export function sigmoidCrossEntropy(
  logits: TypedArray, labels: TypedArray, posWeight: TypedArray | null, loss: TypedArray,
  dLogits: TypedArray | null, dLabels: TypedArray | null,
): void {
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    const z = labels[i];
    const q = posWeight ? posWeight[i] : 1;
    const softplusNeg = log1pExpNegAbs(x) + Math.max(-x, 0);
    const l = 1 + (q - 1) * z;
    // For q = 1 this is TensorFlow's max(x, 0) − x·z + log1p(e^−|x|) written without cancellation of large x.
    loss[i] = q === 1 ? Math.max(x, 0) - x * z + log1pExpNegAbs(x) : (1 - z) * x + l * softplusNeg;
    if (dLogits) dLogits[i] = q === 1 ? sigmoidScalar(x) - z : l * sigmoidScalar(x) - q * z;
    if (dLabels) dLabels[i] = -x + (q - 1) * softplusNeg;
  }
}
