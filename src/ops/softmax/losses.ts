import { isTracked } from '../../autograd/tape.js';
import { argError, argTypeError } from '../../tensor/errors.js';
import type { DType } from '../../tensor/dtype.js';
import { checkChoice, checkOptions } from '../../tensor/options.js';
import { broadcastShapes, shapesEqual } from '../../tensor/shape.js';
import { fill, Tensor } from '../../tensor/tensor.js';
import { floatTensor, toTensor, type TensorInput } from '../convert.js';
import { add, div, mul, notEqual, where } from '../arithmetic.js';
import { sum } from '../reduce.js';
import { checkIndices, gather, oneHot, reshape, squeeze } from '../layout.js';
import { cast } from '../unary.js';
import { checkIgnoreIndex, classWeightsFor, reduce, REDUCTIONS, weightsFor, type Reduction } from './loss-reduction.js';
import {
  reducedSoftmaxCrossEntropy,
  reducedSparseSoftmaxCrossEntropy,
  sigmoidCrossEntropyWithLogits,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  weightedCrossEntropyWithLogits,
} from './cross-entropy.js';

export type { Reduction } from './loss-reduction.js';
export { nll, type NllOptions, type NllReduction } from './nll.js';
export { contrastive, type ContrastiveOptions, type ContrastiveReduction } from './contrastive.js';

export interface LossOptions {
  /** Per-example weights, broadcastable to the per-example losses (a number scales them all). */
  weights?: TensorInput;
  /** In [0, 1]: mixes the labels with the uniform distribution over the classes of the class axis. */
  labelSmoothing?: number;
  reduction?: Reduction;
}

function checkReduction(op: string, r: unknown): Reduction {
  return r === undefined ? 'sumByNonzeroWeights' : checkChoice(op, 'reduction', r, REDUCTIONS);
}

function checkSmoothing(op: string, s: unknown): number {
  if (s === undefined) return 0;
  if (typeof s !== 'number') throw argTypeError(op, 'labelSmoothing', 'a number in [0, 1]', s);
  if (!Number.isFinite(s) || s < 0 || s > 1) throw argError(op, 'labelSmoothing', 'a finite number in [0, 1]', s);
  return s;
}

const LOSS_OPTIONS = ['weights', 'labelSmoothing', 'reduction'] as const;

/** The arguments every loss checks first: its options (known names only), reduction, label smoothing and float logits. */
function lossArguments<T extends LossOptions>(
  op: string,
  options: T | undefined,
  logits: TensorInput,
  extraOptions: readonly string[],
): { o: T; reduction: Reduction; smoothing: number; z: Tensor } {
  const o = checkOptions(op, options, [...LOSS_OPTIONS, ...extraOptions]);
  return { o, reduction: checkReduction(op, o.reduction), smoothing: checkSmoothing(op, o.labelSmoothing), z: floatTensor(op, 'logits', logits) };
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

export interface SoftmaxLossOptions extends LossOptions {
  /**
   * One weight per class (PyTorch's `weight` with probability targets): loss = −Σ_c w_c·q_c·log p_c, q the
   * (smoothed) labels; 'mean' still divides by the example weights, as PyTorch divides by the batch size.
   */
  classWeights?: TensorInput;
}

/** tf.losses.softmaxCrossEntropy: soft/one-hot labels, class axis last; PyTorch's class weights. */
export function softmaxCrossEntropy(onehotLabels: TensorInput, logits: TensorInput, options?: SoftmaxLossOptions): Tensor {
  const op = 'losses.softmaxCrossEntropy';
  const { o, reduction, smoothing, z } = lossArguments(op, options, logits, ['classWeights']);
  const classes = checkClassAxis(op, z);
  let labels = labelsLike(op, 'onehotLabels', onehotLabels, z);
  if (smoothing > 0) labels = add(mul(labels, 1 - smoothing), smoothing / classes);
  // PyTorch's cross_entropy with probability targets: −Σ_c w_c·q_c·log p_c, the weights inside the sum, so the
  // reductions divide by the example weights only (not by class weights, unlike class-id targets).
  const classWeights = classWeightsFor(op, o.classWeights, classes, z.dtype);
  if (classWeights) labels = mul(labels, classWeights);
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
  const { o, reduction, smoothing, z } = lossArguments(op, options, logits, ['classWeights', 'ignoreIndex']);
  const classes = checkClassAxis(op, z);
  let labels = toTensor(op, 'labels', labelsIn, 'int32');
  if (labels.dtype !== 'int32') throw argTypeError(op, 'labels', 'an int32 tensor of class ids', labels);
  // TensorFlow's v1 losses squeeze a trailing size-1 axis off labels of the logits' rank ([batch, 1] → [batch]).
  if (labels.rank === z.rank && labels.shape[labels.rank - 1] === 1) labels = squeeze(labels, -1);
  if (!shapesEqual(labels.shape, z.shape.slice(0, -1))) {
    throw argError(op, 'labels', `a tensor of shape [${z.shape.slice(0, -1).join(', ')}] (the logits' shape without the class axis)`, labels);
  }
  const ignore = checkIgnoreIndex(op, o.ignoreIndex);
  checkIndices(op, 'labels', labels, classes, ignore);
  const classWeights = classWeightsFor(op, o.classWeights, classes, z.dtype);
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
  let w = weightsFor(op, squeezedWeights(o.weights, labels.rank, z.dtype), perExample);
  if (counted) w = mul(w, cast(counted, w.dtype));
  const effective = classFactor ? mul(w, classFactor) : w;
  const weighted = counted ? where(counted, mul(perExample, w), 0) : mul(perExample, w);
  return reduce(weighted, effective, reduction);
}

/** TensorFlow's v1 rule for the sparse loss: weights one rank above the labels lose a trailing size-1 axis. */
function squeezedWeights(weights: TensorInput | undefined, labelsRank: number, dtype: DType): TensorInput | undefined {
  if (!(weights instanceof Tensor) && !Array.isArray(weights)) return weights;
  const w = toTensor('losses.sparseSoftmaxCrossEntropy', 'weights', weights, dtype);
  return w.rank === labelsRank + 1 && w.shape[w.rank - 1] === 1 ? squeeze(w, -1) : w;
}

export interface SigmoidLossOptions extends LossOptions {
  /** Weight of the positive term (TensorFlow's pos_weight), a number or a tensor broadcastable to the logits. */
  posWeight?: TensorInput;
}

/** tf.losses.sigmoidCrossEntropy: element-wise binary cross-entropy with logits; smoothing moves labels toward 1/2. */
export function sigmoidCrossEntropy(multiClassLabels: TensorInput, logits: TensorInput, options?: SigmoidLossOptions): Tensor {
  const op = 'losses.sigmoidCrossEntropy';
  const { o, reduction, smoothing, z } = lossArguments(op, options, logits, ['posWeight']);
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
