import type { Reduction } from '../ops/softmax/losses.js';
import type { TensorInput } from '../ops/convert.js';
import type { Tensor } from '../tensor/tensor.js';

/** The float types a trace can be computed in. */
export type ExplainDType = 'float32' | 'float64';

/**
 * How a dense layer's weight matrix is laid out:
 * - `'classesByFeatures'` (default): W is [classes, features] and z = W·f + b, as in the seeds and PyTorch's
 *   `nn.Linear.weight`;
 * - `'featuresByClasses'`: a Keras / TensorFlow.js `Dense` kernel K of shape [features, units], z = f·K + b.
 *   The trace always shows W = Kᵀ, so W_ij is the weight from feature j to class i either way.
 */
export type WeightsLayout = 'classesByFeatures' | 'featuresByClasses';

/**
 * Labels, for one example: a class id, a class name (needs `classNames`) or a (soft) distribution over the
 * classes. For a batch: one of those per example (an array of ids/names, an array of distributions, or a mix),
 * or a Tensor (int32 [examples] of ids, or float [examples, classes] of distributions).
 */
export type LabelInput = number | string | readonly number[] | ReadonlyArray<number | string | readonly number[]> | Tensor;

export interface ExplainOptions {
  labels?: LabelInput;
  /** One name per class, distinct; labels may then be given by name. */
  classNames?: readonly string[];
  /** Softmax temperature T > 0: the softmax, the loss and the gradient use z / T. Default 1. */
  temperature?: number;
  /** ε in [0, 1]: the target becomes (1 − ε)·labels + ε/classes (TensorFlow's rule). Needs labels. */
  labelSmoothing?: number;
  /** How the per-example losses of a batch are combined (the library's `losses.*` reductions). Default 'mean'. */
  reduction?: Reduction;
  /**
   * The dtype every op runs in. Default: the dtype of a float Tensor input, else float64 (exact worked numbers).
   * Given explicitly, Tensor inputs are cast to it.
   */
  dtype?: ExplainDType;
}

/** Logits: one row [classes] or a batch [examples, classes]. */
export interface LogitsInput extends ExplainOptions {
  logits: TensorInput;
}

/** A dense layer and its input features: f is [features] or a batch [examples, features]. */
export interface DenseInput extends ExplainOptions {
  weights: TensorInput;
  /** [classes]; omitted means no bias. */
  bias?: TensorInput;
  features: TensorInput;
  weightsLayout?: WeightsLayout;
}

export type ExplainInput = LogitsInput | DenseInput;

/** z = W·f + b, piece by piece, for each example. */
export interface DenseTrace {
  layout: WeightsLayout;
  /** W as [classes, features] (for a featuresByClasses kernel K, W = Kᵀ). */
  weights: number[][];
  bias: number[] | null;
  rows: DenseRowTrace[];
}

export interface DenseRowTrace {
  features: number[];
  /** products[i][j] = W_ij · f_j (the `mul` op). */
  products: number[][];
  /** dots[i] = Σ_j W_ij f_j (the `matMul` op: float64 accumulation, rounded once). The row's logits are dots + bias. */
  dots: number[];
}

export interface TargetTrace {
  /** The label as a class id, when it was given as an id or name, or as an exactly one-hot distribution. */
  classId: number | null;
  /** The label as a distribution over the classes, before smoothing. */
  given: number[];
  /** The target the loss uses: given, or (1 − ε)·given + ε/classes with label smoothing. */
  distribution: number[];
}

export interface DecisionTrace {
  /** argMax of the logits (the first on ties). */
  classId: number;
  className: string | null;
  logit: number;
  probability: number;
  /** Whether classId is the label's class; null without a label class. */
  correct: boolean | null;
}

/** Every step of one example, from its logits to its decision. Vectors are indexed by class. */
export interface RowTrace {
  index: number;
  /** z: the logits given, or W·f + b. */
  logits: number[];
  /** z / T, when the temperature is not 1; the softmax input. */
  scaledLogits: number[] | null;
  /** m = max of the softmax input, and its (first) class. */
  max: number;
  maxIndex: number;
  /** softmax input − m (the `sub` op). */
  shifted: number[];
  /** exp(softmax input − m) (the `exp` op): 1 for the max, in (0, 1] for the others. */
  exps: number[];
  /** s = Σ of the exps of the other classes (the `sum` op); the denominator is 1 + s. */
  sumOthers: number;
  /** 1 + s. */
  sum: number;
  /** log1p(s) = log(1 + s), kept exact for tiny s. */
  log1pSumOthers: number;
  /** log Σ exp(softmax input): the `logSumExp` op (= m + log1p(s)). */
  logSumExp: number;
  /** `nn.softmax` of the softmax input. */
  probabilities: number[];
  /** `nn.logSoftmax` of the softmax input. */
  logProbabilities: number[];
  /** What the textbook formulas give, for comparison (see notes). */
  naive: NaiveTrace;
  target: TargetTrace | null;
  /** This example's cross-entropy (the `losses.*` op with reduction 'none'). */
  loss: number | null;
  /** ∂loss/∂(softmax input) by autograd: softmax − target (times Σ target, when the target does not sum to 1). */
  gradient: number[] | null;
  /** ∂loss/∂z for the logits before the temperature (= gradient / T), when T ≠ 1. */
  gradientWrtLogits: number[] | null;
  decision: DecisionTrace;
}

/** The formulas without the max subtraction and log-after-softmax, computed with the same ops in the same dtype. */
export interface NaiveTrace {
  /** exp(softmax input). */
  exps: number[];
  /** Σ exp(softmax input). */
  sum: number;
  /** exp(z_i) / Σ exp(z_j). */
  probabilities: number[];
  /** log(softmax(z)): the log taken after the (stable) softmax. */
  logProbabilities: number[];
  /** −Σ target · log(softmax(z)). */
  loss: number | null;
}

export type LossOp = 'losses.sparseSoftmaxCrossEntropy' | 'losses.softmaxCrossEntropy';

export interface LossTrace {
  /** The library op that computed the loss: the sparse one for class ids, the soft one for distributions. */
  op: LossOp;
  perExample: number[];
  reduction: Reduction;
  /** The reduced loss, or null with reduction 'none'. */
  value: number | null;
}

/**
 * - overflow: exp(z_i) (or Σ exp) is +∞ in the dtype, so exp(z)/Σ exp(z) is NaN or 0;
 * - underflow: exp(z_i) is 0 in the dtype while the stable p_i is not;
 * - logOfOne: softmax rounds p_i to 1 so log(p_i) is 0 while log p_i is not;
 * - logOfZero: softmax rounds p_i to 0 so log(p_i) is −∞ while log p_i is finite;
 * - lossPrecision: the naive −Σ y·log(softmax) is 0 or not finite while the loss is a finite non-zero
 *   (resp. finite) number;
 * - mask: some logits are −∞ (probability exactly 0);
 * - nonFinite: a NaN, a +∞, or all −∞ in the row: its outputs are NaN;
 * - tie: several classes share the largest logit; argMax takes the first;
 * - labelSum: the target does not sum to 1, so the gradient is (Σ target)·p − target;
 * - crossCheck: a trace piece disagrees with the library op it was checked against (a bug: please report).
 */
export type NoteKind = 'overflow' | 'underflow' | 'logOfOne' | 'logOfZero' | 'lossPrecision' | 'mask' | 'nonFinite' | 'tie' | 'labelSum' | 'crossCheck';

export interface NumericsNote {
  kind: NoteKind;
  /** The example (row) it is about. */
  row: number;
  /** The classes it is about (empty for a whole-row note). */
  classes: number[];
  message: string;
  /** The naive formula's value(s), for the listed classes or the row. */
  naive: number | number[] | null;
  /** The library's stable value(s). */
  stable: number | number[] | null;
}

/** A trace piece computed with elementary ops, compared with the library op that computes it in one go. */
export interface CrossCheck {
  name: string;
  /** The two computations compared. */
  compares: string;
  ok: boolean;
  /** max |a − b| / max(|a|, |b|, scale) over the elements; 0 for identical values (NaN = NaN). */
  maxError: number;
  tolerance: number;
}

export interface ExplainTrace {
  format: 'logitkit.explain/1';
  dtype: ExplainDType;
  /** True when the input was a batch (rank-2 logits or features). */
  batched: boolean;
  classCount: number;
  classNames: string[] | null;
  temperature: number;
  labelSmoothing: number;
  reduction: Reduction;
  dense: DenseTrace | null;
  rows: RowTrace[];
  loss: LossTrace | null;
  /** explainPrediction only: what makes up a logit of the last dense layer. Null from explain(). */
  contributions: ContributionTrace[] | null;
  notes: NumericsNote[];
  checks: CrossCheck[];
}

/** One product W_kj·h_j of a logit z_k = Σ_j W_kj·h_j + b_k. */
export interface Contribution {
  /** j: the hidden unit (feature). */
  unit: number;
  weight: number;
  activation: number;
  /** W_kj·h_j (the `mul` op). */
  contribution: number;
}

/** A logit broken down into its largest products, its most negative ones, the rest and the bias. */
export interface ContributionTrace {
  row: number;
  classId: number;
  className: string | null;
  logit: number;
  bias: number | null;
  /** The largest positive products, largest first. */
  top: Contribution[];
  /** The most negative products, most negative first. */
  bottom: Contribution[];
  /** How many products are in neither list, and their sum (the `sum` op). */
  restCount: number;
  restSum: number;
}
