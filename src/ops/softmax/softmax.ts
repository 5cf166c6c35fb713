import { record } from '../../autograd/tape.js';
import { argError } from '../../tensor/errors.js';
import { normalizeAxis, splitAtAxis } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { kernels } from '../../kernels/index.js';
import { floatTensor, unfilled, type TensorInput } from '../convert.js';
import { mul, sub } from '../arithmetic.js';
import { sum } from '../reduce.js';
import { exp } from '../unary.js';

/** Resolves the class axis and its (outer, n, inner) layout; an empty class axis is an error. */
export function classAxis(op: string, x: Tensor, axis: number): { axis: number; outer: number; n: number; inner: number } {
  const a = normalizeAxis(op, axis, x.rank);
  const layout = splitAtAxis(x.shape, a);
  if (layout.n === 0) throw argError(op, 'logits', `a non-empty class axis (axis ${axis})`, x);
  return { axis: a, ...layout };
}

/**
 * softmax(z)_i = exp(z_i − max z) / Σ_j exp(z_j − max z) along any axis. −∞ logits are masks
 * (probability exactly 0); a row that is all −∞, holds +∞ or NaN gives NaN (as TensorFlow and PyTorch).
 */
export function softmax(logitsIn: TensorInput, axis = -1): Tensor {
  const op = 'softmax';
  const x = floatTensor(op, 'logits', logitsIn);
  const { axis: a, outer, n, inner } = classAxis(op, x, axis);
  const out = unfilled(x.dtype, x.shape); // the kernel writes every element
  kernels().softmax(x.values, outer, n, inner, out.values);
  // dz = p ⊙ (dy − Σ dy ⊙ p)
  return record(out, op, [x], (dy) => [mul(out, sub(dy, sum(mul(dy, out), a, true)))]);
}

/** logSoftmax(z)_i = z_i − logSumExp(z), computed as (z_i − max) − log1p(Σ others): exact for tiny and huge rows. */
export function logSoftmax(logitsIn: TensorInput, axis = -1): Tensor {
  const op = 'logSoftmax';
  const x = floatTensor(op, 'logits', logitsIn);
  const { axis: a, outer, n, inner } = classAxis(op, x, axis);
  const out = unfilled(x.dtype, x.shape);
  kernels().logSoftmax(x.values, outer, n, inner, out.values);
  // dz = dy − softmax ⊙ Σ dy
  return record(out, op, [x], (dy) => [sub(dy, mul(exp(out), sum(dy, a, true)))]);
}
