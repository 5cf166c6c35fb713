import { isTracked, needsGrad, record } from '../../autograd/tape.js';
import { argError, argTypeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { broadcastShapes, shapesEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { kernels } from '../../kernels/index.js';
import { zeroFilled, floatTensor, toTensor, unfilled, type TensorInput } from '../convert.js';
import { div, mul } from '../arithmetic.js';
import { broadcastTo, unbroadcast } from '../broadcast.js';
import { checkIndices, expandDims } from '../layout.js';
import { sum } from '../reduce.js';
import { neg, softplus } from '../unary.js';
import { classAxis, logSoftmax } from './softmax.js';

/** The argument object of an nn.* op: required, and only the names the op knows (a misspelt `axis` must not be ignored). */
function argumentObject<T extends object>(op: string, args: T, keys: readonly string[]): T {
  if (args === undefined) throw argTypeError(op, 'args', `an object {${keys.join(', ')}}`, args);
  return checkOptions(op, args, keys, 'args');
}

function sameDTypeLabels(op: string, labelsIn: TensorInput, logits: Tensor): Tensor {
  const labels = toTensor(op, 'labels', labelsIn, logits.dtype);
  if (labels.dtype !== logits.dtype) {
    const hint = labels.dtype === 'int32' ? ' (for class ids use the sparse variant)' : '';
    throw argTypeError(op, 'labels', `a ${logits.dtype} tensor like 'logits'${hint}`, labels);
  }
  return labels;
}

function sameShapeLabels(op: string, labelsIn: TensorInput, logits: Tensor): Tensor {
  const labels = sameDTypeLabels(op, labelsIn, logits);
  if (!shapesEqual(labels.shape, logits.shape)) {
    throw argError(op, 'labels', `a tensor of the logits' shape [${logits.shape.join(', ')}]`, labels);
  }
  return labels;
}

/**
 * Per-example cross-entropy between (soft) labels and softmax(logits) along `axis`:
 * Σ_i labels_i · (logSumExp(z) − z_i). Shape: the logits' shape without the class axis.
 * Gradients, fused in the forward pass: to logits (Σ labels)·softmax − labels (softmax − labels for labels that
 * sum to 1, TensorFlow's rule); to labels −logSoftmax(logits).
 */
export function softmaxCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput; axis?: number }): Tensor {
  const op = 'softmaxCrossEntropyWithLogits';
  argumentObject(op, args, ['labels', 'logits', 'axis']);
  let logits = floatTensor(op, 'logits', args.logits);
  let labels = sameDTypeLabels(op, args.labels, logits);
  if (!shapesEqual(labels.shape, logits.shape)) {
    // TensorFlow's op broadcasts labels and logits; broadcastTo's gradient sums back over the broadcast axes.
    const joint = broadcastShapes(op, labels.shape, logits.shape, 'labels', 'logits');
    labels = broadcastTo(labels, joint);
    logits = broadcastTo(logits, joint);
  }
  const { axis, outer, n, inner } = classAxis(op, logits, args.axis ?? -1);
  const { loss, dLogits } = fusedCrossEntropy(labels, logits, axis, outer, n, inner, 1);
  if (!dLogits) return loss;
  // Labels are constants in most training code: compute their gradient only when they are on the tape.
  const labelsTracked = isTracked(labels);
  return record(loss, op, [logits, labels], (dy) => {
    const g = expandDims(dy, axis);
    return [mul(dLogits, g), labelsTracked ? mul(neg(logSoftmax(logits, axis)), g) : null];
  });
}

/** The fused kernel call: per-example losses and, when a gradient is recorded, gradScale·dLogits. */
function fusedCrossEntropy(
  labels: Tensor,
  logits: Tensor,
  axis: number,
  outer: number,
  n: number,
  inner: number,
  gradScale: number,
): { loss: Tensor; dLogits: Tensor | null } {
  // The kernel writes every loss and gradient element.
  const loss = unfilled(
    logits.dtype,
    logits.shape.filter((_, i) => i !== axis),
  );
  const dLogits = needsGrad(logits, labels) ? unfilled(logits.dtype, logits.shape) : null;
  kernels().softmaxCrossEntropy(logits.values, labels.values, outer, n, inner, loss.values, dLogits?.values ?? null, gradScale);
  return { loss, dLogits };
}

/**
 * Σ of the per-example cross-entropies (class axis last) over `divisor`, for a loss whose weights are all 1
 * (losses.ts checked the arguments; labels must not be on the tape: they get no gradient here). The reduction's
 * gradient, 1/divisor per example, is folded into the kernel's gradient write (rounded once), so the backward
 * pass makes no pass over the logits when its upstream gradient is 1.
 */
export function reducedSoftmaxCrossEntropy(labels: Tensor, logits: Tensor, divisor: number): Tensor {
  const { outer, n, inner } = classAxis('softmaxCrossEntropy', logits, -1);
  const { loss, dLogits } = fusedCrossEntropy(labels, logits, logits.rank - 1, outer, n, inner, 1 / divisor);
  return sumOver('softmaxCrossEntropy', loss, divisor, dLogits, [logits, labels]);
}

/** The same for int32 class ids that losses.ts checked (shape, range): Σ of the sparse losses over `divisor`. */
export function reducedSparseSoftmaxCrossEntropy(labels: Tensor, logits: Tensor, divisor: number): Tensor {
  const { loss, dLogits } = fusedSparseCrossEntropy(labels, logits, 1 / divisor);
  return sumOver('sparseSoftmaxCrossEntropy', loss, divisor, dLogits, [logits]);
}

/** Σ loss / divisor, recorded with the already scaled gradient to parents[0] (times dy unless dy is 1). */
function sumOver(op: string, loss: Tensor, divisor: number, dLogits: Tensor | null, parents: Tensor[]): Tensor {
  const total = sum(loss);
  const value = divisor === 1 ? total : div(total, divisor);
  if (!dLogits) return value;
  return record(value, op, parents, (dy) => [dy.values[0] === 1 ? dLogits : mul(dLogits, dy), ...parents.slice(1).map(() => null)]);
}

/** The sparse kernel call: per-example losses and, when a gradient is recorded, gradScale·dLogits. */
function fusedSparseCrossEntropy(labels: Tensor, logits: Tensor, gradScale: number): { loss: Tensor; dLogits: Tensor | null } {
  const n = logits.shape[logits.rank - 1];
  const loss = unfilled(logits.dtype, logits.shape.slice(0, -1));
  const dLogits = needsGrad(logits) ? unfilled(logits.dtype, logits.shape) : null;
  kernels().sparseSoftmaxCrossEntropy(logits.values, labels.values as Int32Array, labels.size, n, loss.values, dLogits?.values ?? null, gradScale);
  return { loss, dLogits };
}

/**
 * Per-example cross-entropy for int32 class ids (class axis last): logSumExp(z) − z_label.
 * Ids must be integers in [0, classes). Gradient to logits: softmax − onehot(labels), fused.
 */
export function sparseSoftmaxCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput }): Tensor {
  const op = 'sparseSoftmaxCrossEntropyWithLogits';
  argumentObject(op, args, ['labels', 'logits']);
  const logits = floatTensor(op, 'logits', args.logits);
  if (logits.rank === 0) throw argError(op, 'logits', 'a tensor of rank ≥ 1 (classes on the last axis)', logits);
  const labels = toTensor(op, 'labels', args.labels, 'int32');
  if (labels.dtype !== 'int32') throw argTypeError(op, 'labels', 'an int32 tensor of class ids', labels);
  const batchShape = logits.shape.slice(0, -1);
  if (!shapesEqual(labels.shape, batchShape)) {
    throw argError(op, 'labels', `a tensor of shape [${batchShape.join(', ')}] (the logits' shape without the class axis)`, labels);
  }
  const { n } = classAxis(op, logits, -1);
  checkIndices(op, 'labels', labels, n);
  const { loss, dLogits } = fusedSparseCrossEntropy(labels, logits, 1);
  if (!dLogits) return loss;
  return record(loss, op, [logits], (dy) => [mul(dLogits, expandDims(dy, -1))]);
}

function sigmoidFamily(op: string, labelsIn: TensorInput, logitsIn: TensorInput, posWeightIn: TensorInput | undefined): Tensor {
  const logits = floatTensor(op, 'logits', logitsIn);
  const labels = sameShapeLabels(op, labelsIn, logits);
  let posWeight: Tensor | null = null;
  if (posWeightIn !== undefined) {
    posWeight = toTensor(op, 'posWeight', posWeightIn, logits.dtype);
    if (posWeight.dtype !== logits.dtype) throw argTypeError(op, 'posWeight', `a ${logits.dtype} tensor or a number`, posWeight);
    const joint = broadcastShapes(op, logits.shape, posWeight.shape, 'logits', 'posWeight');
    if (!shapesEqual(joint, logits.shape)) {
      throw argError(op, 'posWeight', `a tensor broadcastable to the logits' shape [${logits.shape.join(', ')}]`, posWeight);
    }
  }
  const q = posWeight ? broadcastTo(posWeight, logits.shape) : null;
  const loss = zeroFilled(logits.dtype, logits.shape);
  const want = needsGrad(logits, labels, ...(posWeight ? [posWeight] : []));
  const dLogits = want ? zeroFilled(logits.dtype, logits.shape) : null;
  const dLabels = want ? zeroFilled(logits.dtype, logits.shape) : null;
  kernels().sigmoidCrossEntropy(logits.values, labels.values, q?.values ?? null, loss.values, dLogits?.values ?? null, dLabels?.values ?? null);
  if (!want) return loss;
  const parents = posWeight ? [logits, labels, posWeight] : [logits, labels];
  return record(loss, op, parents, (dy) => {
    const grads: Array<Tensor | null> = [mul(dLogits!, dy), mul(dLabels!, dy)];
    // d loss / d q = labels · softplus(−x)
    if (posWeight) grads.push(unbroadcast(mul(dy, mul(labels, softplus(neg(logits)))), posWeight.shape));
    return grads;
  });
}

/** Element-wise max(x, 0) − x·z + log1p(e^−|x|): binary (multi-label) cross-entropy with logits. */
export function sigmoidCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput }): Tensor {
  const op = 'sigmoidCrossEntropyWithLogits';
  argumentObject(op, args, ['labels', 'logits']);
  return sigmoidFamily(op, args.labels, args.logits, undefined);
}

/** Sigmoid cross-entropy with the positive term weighted by posWeight (TensorFlow's weighted_cross_entropy_with_logits). */
export function weightedCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput; posWeight: TensorInput }): Tensor {
  const op = 'weightedCrossEntropyWithLogits';
  argumentObject(op, args, ['labels', 'logits', 'posWeight']);
  if (args.posWeight === undefined) throw argTypeError(op, 'posWeight', 'a number or a tensor', undefined);
  return sigmoidFamily(op, args.labels, args.logits, args.posWeight);
}
