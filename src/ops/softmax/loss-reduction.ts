import { argError, argTypeError } from '../../tensor/errors.js';
import type { DType } from '../../tensor/dtype.js';
import { broadcastShapes, shapesEqual } from '../../tensor/shape.js';
import { fill, type Tensor } from '../../tensor/tensor.js';
import { toTensor, type TensorInput } from '../convert.js';
import { div, notEqual, where } from '../arithmetic.js';
import { broadcastTo } from '../broadcast.js';
import { sum } from '../reduce.js';
import { cast } from '../unary.js';

/* The weighting and reduction pieces the losses share (losses.ts, nll.ts). */

/**
 * How per-example losses become the returned value (TensorFlow's tf.compat.v1.losses rules):
 * - 'none': the weighted per-example losses;
 * - 'sum': their sum;
 * - 'mean': the sum divided by the sum of the weights (with classWeights: the summed weights of the counted
 *   examples, PyTorch's rule);
 * - 'sumByNonzeroWeights' (default): the sum divided by the number of non-zero weights;
 * - 'sumOverBatchSize': the sum divided by the number of per-example losses, whatever the weights (Keras's
 *   sum_over_batch_size, what compile's losses use with fit's sampleWeight and classWeight).
 * A reduction over nothing (all weights zero, or every example ignored) returns 0, not NaN (also for losses.nll,
 * where PyTorch's nll_loss gives 0/0 = NaN).
 */
export type Reduction = 'none' | 'sum' | 'mean' | 'sumByNonzeroWeights' | 'sumOverBatchSize';
export const REDUCTIONS: readonly Reduction[] = ['none', 'sum', 'mean', 'sumByNonzeroWeights', 'sumOverBatchSize'];

/** Weights as a tensor of the losses' shape (numbers and broadcastable tensors are expanded). */
export function weightsFor(op: string, weightsIn: TensorInput | undefined, losses: Tensor): Tensor {
  if (weightsIn === undefined) return fill(losses.shape, 1, losses.dtype);
  const w = toTensor(op, 'weights', weightsIn, losses.dtype);
  const wf = w.dtype === losses.dtype ? w : cast(w, losses.dtype);
  const joint = broadcastShapes(op, losses.shape, wf.shape, 'losses', 'weights');
  if (!shapesEqual(joint, losses.shape)) {
    throw argError(op, 'weights', `a tensor broadcastable to the per-example losses' shape [${losses.shape.join(', ')}]`, w);
  }
  return broadcastTo(wf, losses.shape);
}

/** One non-negative finite weight per class (PyTorch's `weight`), as a [classes] tensor of `dtype`; null if not given. */
export function classWeightsFor(op: string, weightsIn: TensorInput | undefined, classes: number, dtype: DType): Tensor | null {
  if (weightsIn === undefined) return null;
  let w = toTensor(op, 'classWeights', weightsIn, dtype);
  if (w.dtype !== dtype) w = cast(w, dtype);
  if (w.rank !== 1 || w.size !== classes) throw argError(op, 'classWeights', `a vector of ${classes} weights (one per class)`, w);
  const bad = Array.from(w.values).findIndex((v) => !Number.isFinite(v) || v < 0);
  if (bad >= 0) throw argError(op, 'classWeights', 'finite non-negative weights', `${w.values[bad]} at index ${bad}`);
  return w;
}

/** An optional integer label value that marks examples to ignore. */
export function checkIgnoreIndex(op: string, ignore: unknown): number | undefined {
  if (ignore !== undefined && typeof ignore !== 'number') throw argTypeError(op, 'ignoreIndex', 'an integer', ignore);
  if (ignore !== undefined && !Number.isInteger(ignore)) throw argError(op, 'ignoreIndex', 'an integer', ignore);
  return ignore;
}

/**
 * Applies weights and the reduction. `weighted` = losses already multiplied by their effective weights;
 * `effective` = those weights (zeros for ignored examples).
 */
export function reduce(weighted: Tensor, effective: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return weighted;
  const total = sum(weighted);
  if (reduction === 'sum') return total;
  if (reduction === 'sumOverBatchSize') return div(total, Math.max(1, weighted.size));
  const denom = reduction === 'mean' ? sum(effective) : sum(cast(notEqual(effective, 0), weighted.dtype));
  // Dividing by a zero denominator would give NaN; an empty reduction is 0 (the sum is 0 too).
  const safe = where(notEqual(denom, 0), denom, 1);
  return div(total, safe);
}
