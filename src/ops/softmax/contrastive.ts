import { isFloat } from '../../tensor/dtype.js';
import { argError, argTypeError } from '../../tensor/errors.js';
import { checkChoice, checkOptions } from '../../tensor/options.js';
import { Tensor, tensor } from '../../tensor/tensor.js';
import { floatTensor, type TensorInput } from '../convert.js';
import { add, div, greater, maximum, mul, where } from '../arithmetic.js';
import { transpose } from '../layout.js';
import { matMul } from '../matmul.js';
import { sum } from '../reduce.js';
import { sqrt, square } from '../unary.js';
import { reducedSparseSoftmaxCrossEntropy, sparseSoftmaxCrossEntropyWithLogits } from './cross-entropy.js';

export type ContrastiveReduction = 'none' | 'sum' | 'mean';

export interface ContrastiveOptions {
  /**
   * τ > 0: the similarity logits are â·b̂ᵀ / τ. A positive number, or a scalar float tensor of the embeddings'
   * dtype (e.g. `exp(logT)` of a learnable log-temperature, which then receives a gradient). Default 0.07.
   */
  temperature?: number | Tensor;
  /** Divide each row of a and b by max(‖row‖₂, 1e-12) first (PyTorch's F.normalize), so â·b̂ᵀ are cosines. Default true. */
  normalize?: boolean;
  /** Average the a→b (rows) and b→a (columns) cross-entropies, as CLIP does. Default true. */
  symmetric?: boolean;
  /** 'none': one loss per pair ([n]); 'sum'; 'mean' (default): the sum over n. */
  reduction?: ContrastiveReduction;
}

const OP = 'losses.contrastive';
const OPTIONS = ['temperature', 'normalize', 'symmetric', 'reduction'] as const;
const REDUCTIONS: readonly ContrastiveReduction[] = ['none', 'sum', 'mean'];

/** PyTorch's F.normalize eps: rows shorter than this are divided by it instead of their norm. */
export const NORMALIZE_EPSILON = 1e-12;

/** The checked arguments of the contrastive loss (also used by explainContrastive). */
export interface ContrastiveArguments {
  a: Tensor;
  b: Tensor;
  /** The temperature as the tensor or number the logits are divided by. */
  temperature: number | Tensor;
  /** Its value as a number (in the embeddings' dtype). */
  temperatureValue: number;
  normalize: boolean;
  symmetric: boolean;
  reduction: ContrastiveReduction;
}

function checkEmbeddings(op: string, arg: string, x: TensorInput): Tensor {
  const t = floatTensor(op, arg, x);
  if (t.rank !== 2) throw argError(op, arg, 'a [n, d] tensor of embeddings (rank 2)', t);
  if (t.shape[0] === 0) throw argError(op, arg, 'a [n, d] tensor with at least one row (n ≥ 1)', t);
  if (t.shape[1] === 0) throw argError(op, arg, 'a [n, d] tensor with at least one feature (d ≥ 1)', t);
  return t;
}

function checkFlag(op: string, arg: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw argTypeError(op, arg, 'true or false', v);
  return v;
}

function checkTemperature(op: string, v: unknown, dtype: 'float32' | 'float64'): { temperature: number | Tensor; value: number } {
  if (v === undefined) return { temperature: 0.07, value: dtype === 'float32' ? Math.fround(0.07) : 0.07 };
  if (typeof v === 'number') {
    if (!(v > 0) || !Number.isFinite(v)) throw argError(op, 'temperature', 'a finite number > 0', v);
    return { temperature: v, value: dtype === 'float32' ? Math.fround(v) : v };
  }
  if (!(v instanceof Tensor)) throw argTypeError(op, 'temperature', `a finite number > 0 or a scalar ${dtype} tensor`, v);
  if (!isFloat(v.dtype) || v.dtype !== dtype) throw argTypeError(op, 'temperature', `a scalar ${dtype} tensor (the embeddings' dtype)`, v);
  if (v.rank !== 0) throw argError(op, 'temperature', `a scalar ${dtype} tensor (shape [])`, v);
  const value = v.values[0];
  if (!(value > 0) || !Number.isFinite(value)) throw argError(op, 'temperature', 'a tensor holding a finite number > 0', value);
  return { temperature: v, value };
}

/** Checks the arguments of losses.contrastive (and explainContrastive, under its own op name). */
export function contrastiveArguments(
  op: string,
  aIn: TensorInput,
  bIn: TensorInput,
  options: ContrastiveOptions | undefined,
  extraOptions: readonly string[] = [],
): ContrastiveArguments {
  const o = checkOptions(op, options, [...OPTIONS, ...extraOptions]);
  const a = checkEmbeddings(op, 'a', aIn);
  const b = checkEmbeddings(op, 'b', bIn);
  if (b.dtype !== a.dtype) throw argTypeError(op, 'b', `a ${a.dtype} tensor like 'a'`, b);
  if (b.shape[0] !== a.shape[0]) throw argError(op, 'b', `${a.shape[0]} rows like 'a' (row i of a matches row i of b)`, b);
  if (b.shape[1] !== a.shape[1]) throw argError(op, 'b', `${a.shape[1]} columns like 'a' (the same embedding size d)`, b);
  const dtype = a.dtype as 'float32' | 'float64';
  const { temperature, value } = checkTemperature(op, o.temperature, dtype);
  return {
    a,
    b,
    temperature,
    temperatureValue: value,
    normalize: checkFlag(op, 'normalize', o.normalize, true),
    symmetric: checkFlag(op, 'symmetric', o.symmetric, true),
    reduction: o.reduction === undefined ? 'mean' : checkChoice(op, 'reduction', o.reduction, REDUCTIONS),
  };
}

/**
 * x / max(‖x_i‖₂, 1e-12) row by row (PyTorch's F.normalize). A zero row stays zero with a zero gradient to its norm:
 * the square root only sees the positive squared norms, so its gradient never divides by 0.
 */
export function normalizeRows(x: Tensor): Tensor {
  const squares = sum(square(x), -1, true);
  const positive = greater(squares, 0);
  const norms = where(positive, sqrt(where(positive, squares, 1)), 0);
  return div(x, maximum(norms, NORMALIZE_EPSILON));
}

/** The similarities â·b̂ᵀ ([n, n]; cosines with normalize), before the temperature. */
export function similarities(args: ContrastiveArguments): Tensor {
  const a = args.normalize ? normalizeRows(args.a) : args.a;
  const b = args.normalize ? normalizeRows(args.b) : args.b;
  return matMul(a, b, false, true);
}

/**
 * The contrastive (InfoNCE / CLIP) loss of two batches of embeddings a, b of shape [n, d] whose row i match:
 * s = â·b̂ᵀ / τ, and pair i's loss is the cross-entropy of row i of s with label i (a→b); with `symmetric`
 * (default) it is the mean of that and the cross-entropy of column i with label i (b→a), as CLIP:
 *
 *   loss_i = ½·(logSumExp_j s_ij − s_ii) + ½·(logSumExp_j s_ji − s_ii).
 *
 * The cross-entropies are the library's fused sparse softmax cross-entropy; gradients reach a, b and a tensor τ.
 * Matches PyTorch's `(F.cross_entropy(s, arange(n)) + F.cross_entropy(s.T, arange(n))) / 2` with
 * s = F.normalize(a) @ F.normalize(b).T / τ.
 */
export function contrastive(a: TensorInput, b: TensorInput, options?: ContrastiveOptions): Tensor {
  const args = contrastiveArguments(OP, a, b, options);
  const s = div(similarities(args), args.temperature);
  const n = args.a.shape[0];
  const ids = tensor(
    Int32Array.from({ length: n }, (_, i) => i),
    { shape: [n], dtype: 'int32' },
  );
  // losses.sparseSoftmaxCrossEntropy's paths without weights: per example, or the fused sum over a divisor.
  const crossEntropy = (logits: Tensor): Tensor =>
    args.reduction === 'none'
      ? sparseSoftmaxCrossEntropyWithLogits({ labels: ids, logits })
      : reducedSparseSoftmaxCrossEntropy(ids, logits, args.reduction === 'sum' ? 1 : n);
  const rows = crossEntropy(s);
  if (!args.symmetric) return rows;
  return mul(add(rows, crossEntropy(transpose(s))), 0.5);
}
