import { isTracked } from '../../autograd/tape.js';
import { argError, argTypeError } from '../../tensor/errors.js';
import { broadcastShapes, shapesEqual } from '../../tensor/shape.js';
import { fill, Tensor } from '../../tensor/tensor.js';
import { floatTensor, toTensor, type TensorInput } from '../convert.js';
import { add, div, mul, notEqual, where } from '../arithmetic.js';
import { broadcastTo } from '../broadcast.js';
import { checkIndices, gather, oneHot, reshape } from '../layout.js';
import { sum } from '../reduce.js';
import { cast } from '../unary.js';
import {
  reducedSoftmaxCrossEntropy,
  reducedSparseSoftmaxCrossEntropy,
  sigmoidCrossEntropyWithLogits,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  weightedCrossEntropyWithLogits,
} from './cross-entropy.js';

/**
 * How per-example losses become the returned value (TensorFlow's tf.compat.v1.losses rules):
 * - 'none': the weighted per-example losses;
 * - 'sum': their sum;
 * - 'mean': the sum divided by the sum of the weights (with classWeights: the summed weights of the counted
 *   examples, PyTorch's rule);
 * - 'sumByNonzeroWeights' (default): the sum divided by the number of non-zero weights;
 * - 'sumOverBatchSize': the sum divided by the number of per-example losses, whatever the weights (Keras's
 *   sum_over_batch_size, what compile's losses use with fit's sampleWeight and classWeight).
 * A reduction over nothing (all weights zero, or every example ignored) returns 0, not NaN.
 */
export type Reduction = 'none' | 'sum' | 'mean' | 'sumByNonzeroWeights' | 'sumOverBatchSize';
const REDUCTIONS: readonly Reduction[] = ['none', 'sum', 'mean', 'sumByNonzeroWeights', 'sumOverBatchSize'];

export interface LossOptions {
  /** Per-example weights, broadcastable to the per-example losses (a number scales them all). */
  weights?: TensorInput;
  /** In [0, 1]: mixes the labels with the uniform distribution over the classes of the class axis. */
  labelSmoothing?: number;
  reduction?: Reduction;
}

function checkReduction(op: string, r: unknown): Reduction {
  if (r === undefined) return 'sumByNonzeroWeights';
  if (!REDUCTIONS.includes(r as Reduction)) throw argError(op, 'reduction', `one of ${REDUCTIONS.map((x) => `'${x}'`).join(', ')}`, r);
  return r as Reduction;
}

function checkSmoothing(op: string, s: unknown): number {
  if (s === undefined) return 0;
  if (typeof s !== 'number') throw argTypeError(op, 'labelSmoothing', 'a number in [0, 1]', s);
  if (!Number.isFinite(s) || s < 0 || s > 1) throw argError(op, 'labelSmoothing', 'a finite number in [0, 1]', s);
  return s;
}

function checkOptions<T extends LossOptions>(op: string, options: T | undefined): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || options instanceof Tensor) throw argTypeError(op, 'options', 'an options object', options);
  return options;
}

/** The arguments every loss checks first: its options, reduction, label smoothing and float logits. */
function lossArguments<T extends LossOptions>(op: string, options: T | undefined, logits: TensorInput): { o: T; reduction: Reduction; smoothing: number; z: Tensor } {
  const o = checkOptions(op, options);
  return { o, reduction: checkReduction(op, o.reduction), smoothing: checkSmoothing(op, o.labelSmoothing), z: floatTensor(op, 'logits', logits) };
}

/** Weights as a tensor of the losses' shape (numbers and broadcastable tensors are expanded). */
function weightsFor(op: string, weightsIn: TensorInput | undefined, losses: Tensor): Tensor {
  if (weightsIn === undefined) return fill(losses.shape, 1, losses.dtype);
  const w = toTensor(op, 'weights', weightsIn, losses.dtype);
  const wf = w.dtype === losses.dtype ? w : cast(w, losses.dtype);
  const joint = broadcastShapes(op, losses.shape, wf.shape, 'losses', 'weights');
  if (!shapesEqual(joint, losses.shape)) {
    throw argError(op, 'weights', `a tensor broadcastable to the per-example losses' shape [${losses.shape.join(', ')}]`, w);
  }
  return broadcastTo(wf, losses.shape);
}

/** Labels for a dense loss, checked here so errors name the loss the user called: the logits' shape and dtype (int32 is converted). */
function labelsLike(op: string, arg: string, labelsIn: TensorInput, z: Tensor): Tensor {
  let labels = toTensor(op, arg, labelsIn, z.dtype);
  if (labels.dtype === 'int32') labels = cast(labels, z.dtype);
  if (labels.dtype !== z.dtype) throw argTypeError(op, arg, `a ${z.dtype} (or int32) tensor like 'logits'`, labels);
  if (!shapesEqual(labels.shape, z.shape)) throw argError(op, arg, `a tensor of the logits' shape [${z.shape.join(', ')}]`, labels);
  return labels;
}

/** The class axis (the last) must exist and be non-empty. */
function checkClassAxis(op: string, z: Tensor): number {
  if (z.rank === 0 || z.shape[z.rank - 1] === 0) {
    throw argError(op, 'logits', 'a tensor with a non-empty class axis (the last)', z);
  }
  return z.shape[z.rank - 1];
}

/**
 * Applies weights and the reduction. `weighted` = losses already multiplied by their effective weights;
 * `effective` = those weights (zeros for ignored examples).
 */
function reduce(weighted: Tensor, effective: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return weighted;
  const total = sum(weighted);
  if (reduction === 'sum') return total;
  if (reduction === 'sumOverBatchSize') return div(total, Math.max(1, weighted.size));
  const denom = reduction === 'mean' ? sum(effective) : sum(cast(notEqual(effective, 0), weighted.dtype));
  // Dividing by a zero denominator would give NaN; an empty reduction is 0 (the sum is 0 too).
  const safe = where(notEqual(denom, 0), denom, 1);
  return div(total, safe);
}

/** tf.losses.softmaxCrossEntropy: soft/one-hot labels, class axis last. */
export function softmaxCrossEntropy(onehotLabels: TensorInput, logits: TensorInput, options?: LossOptions): Tensor {
  const op = 'losses.softmaxCrossEntropy';
  const { o, reduction, smoothing, z } = lossArguments(op, options, logits);
  const classes = checkClassAxis(op, z);
  let labels = labelsLike(op, 'onehotLabels', onehotLabels, z);
  if (smoothing > 0) labels = add(mul(labels, 1 - smoothing), smoothing / classes);
  if (o.weights === undefined && reduction !== 'none' && !isTracked(labels)) {
    // Every weight is 1: each reduction divides the sum by the example count (none for 'sum'; 1 for no examples).
    const examples = z.size / classes;
    return reducedSoftmaxCrossEntropy(labels, z, reduction === 'sum' || examples === 0 ? 1 : examples);
  }
  const perExample = softmaxCrossEntropyWithLogits({ labels, logits: z });
  const w = weightsFor(op, o.weights, perExample);
  return reduce(mul(perExample, w), w, reduction);
}

export interface SparseLossOptions extends LossOptions {
  /** One weight per class (PyTorch's `weight`): scales each example by its true class's weight. */
  classWeights?: TensorInput;
  /** Examples whose label equals this value add nothing and are not counted (PyTorch's ignore_index). */
  ignoreIndex?: number;
}

/**
 * Cross-entropy for int32 class ids (class axis last), with TensorFlow's weights and reductions and
 * PyTorch's classWeights, ignoreIndex and label smoothing. With smoothing ε over C classes and class
 * weights w, an example with label y has loss (1 − ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c)
 * (PyTorch's definition), computed exactly from logSumExp.
 */
export function sparseSoftmaxCrossEntropy(labelsIn: TensorInput, logits: TensorInput, options?: SparseLossOptions): Tensor {
  const op = 'losses.sparseSoftmaxCrossEntropy';
  const { o, reduction, smoothing, z } = lossArguments(op, options, logits);
  const classes = checkClassAxis(op, z);
  const labels = toTensor(op, 'labels', labelsIn, 'int32');
  if (labels.dtype !== 'int32') throw argTypeError(op, 'labels', 'an int32 tensor of class ids', labels);
  if (!shapesEqual(labels.shape, z.shape.slice(0, -1))) {
    throw argError(op, 'labels', `a tensor of shape [${z.shape.slice(0, -1).join(', ')}] (the logits' shape without the class axis)`, labels);
  }
  const ignore = o.ignoreIndex;
  if (ignore !== undefined && typeof ignore !== 'number') throw argTypeError(op, 'ignoreIndex', 'an integer', ignore);
  if (ignore !== undefined && !Number.isInteger(ignore)) throw argError(op, 'ignoreIndex', 'an integer', ignore);
  checkIndices(op, 'labels', labels, classes, ignore);
  let classWeights: Tensor | null = null;
  if (o.classWeights !== undefined) {
    classWeights = toTensor(op, 'classWeights', o.classWeights, z.dtype);
    if (classWeights.dtype !== z.dtype) classWeights = cast(classWeights, z.dtype);
    if (classWeights.rank !== 1 || classWeights.size !== classes) {
      throw argError(op, 'classWeights', `a vector of ${classes} weights (one per class)`, classWeights);
    }
    const bad = Array.from(classWeights.values).findIndex((v) => !Number.isFinite(v) || v < 0);
    if (bad >= 0) throw argError(op, 'classWeights', 'finite non-negative weights', `${classWeights.values[bad]} at index ${bad}`);
  }
  const counted = ignore === undefined ? null : notEqual(labels, ignore);
  // Ignored labels become class 0 for the arithmetic; their loss is then masked out.
  const safeLabels = counted ? where(counted, labels, 0) : labels;
  let perExample: Tensor;
  let classFactor: Tensor | null = null;
  if (classWeights === null && smoothing === 0 && counted === null && o.weights === undefined && reduction !== 'none') {
    // Every weight is 1: each reduction divides the sum by the example count (none for 'sum'; 1 for no examples).
    return reducedSparseSoftmaxCrossEntropy(labels, z, reduction === 'sum' || labels.size === 0 ? 1 : labels.size);
  }
  if (classWeights === null && smoothing === 0) {
    perExample = sparseSoftmaxCrossEntropyWithLogits({ labels: safeLabels, logits: z });
  } else {
    // The per-example target distribution q (unnormalized with class weights): loss = Σ_c q_c (logSumExp − z_c).
    const hot = oneHot(safeLabels, classes, 1, 0, z.dtype as 'float32' | 'float64');
    const w = classWeights ?? fill([classes], 1, z.dtype);
    classFactor = classWeights ? reshape(gather(classWeights, safeLabels), labels.shape) : null;
    // (A plain-number factor would become a float32 scalar and clash with float64 logits.)
    const target = classFactor ? mul(hot, mul(reshape(classFactor, [...labels.shape, 1]), 1 - smoothing)) : mul(hot, 1 - smoothing);
    const q = add(target, mul(w, smoothing / classes));
    perExample = softmaxCrossEntropyWithLogits({ labels: q, logits: z });
  }
  let w = weightsFor(op, o.weights, perExample);
  if (counted) w = mul(w, cast(counted, w.dtype));
  const effective = classFactor ? mul(w, classFactor) : w;
  const weighted = counted ? where(counted, mul(perExample, w), 0) : mul(perExample, w);
  return reduce(weighted, effective, reduction);
}

export interface SigmoidLossOptions extends LossOptions {
  /** Weight of the positive term (TensorFlow's pos_weight), a number or a tensor broadcastable to the logits. */
  posWeight?: TensorInput;
}

/** tf.losses.sigmoidCrossEntropy: element-wise binary cross-entropy with logits; smoothing moves labels toward 1/2. */
export function sigmoidCrossEntropy(multiClassLabels: TensorInput, logits: TensorInput, options?: SigmoidLossOptions): Tensor {
  const op = 'losses.sigmoidCrossEntropy';
  const { o, reduction, smoothing, z } = lossArguments(op, options, logits);
  let labels = labelsLike(op, 'multiClassLabels', multiClassLabels, z);
  if (smoothing > 0) labels = add(mul(labels, 1 - smoothing), 0.5 * smoothing);
  if (o.posWeight !== undefined) {
    const q = toTensor(op, 'posWeight', o.posWeight, z.dtype);
    if (q.dtype !== z.dtype) throw argTypeError(op, 'posWeight', `a ${z.dtype} tensor like 'logits', or a number`, q);
    if (!shapesEqual(broadcastShapes(op, z.shape, q.shape, 'logits', 'posWeight'), z.shape)) {
      throw argError(op, 'posWeight', `a tensor broadcastable to the logits' shape [${z.shape.join(', ')}]`, q);
    }
  }
  const perElement =
    o.posWeight === undefined
      ? sigmoidCrossEntropyWithLogits({ labels, logits: z })
      : weightedCrossEntropyWithLogits({ labels, logits: z, posWeight: o.posWeight });
  if (o.weights === undefined && reduction !== 'none') {
    // Every weight is 1: each reduction divides the sum by the element count (none for 'sum'), with no weight tensor.
    return div(sum(perElement), reduction === 'sum' || perElement.size === 0 ? 1 : perElement.size);
  }
  const w = weightsFor(op, o.weights, perElement);
  return reduce(mul(perElement, w), w, reduction);
}

