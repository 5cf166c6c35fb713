import { record } from '../autograd/tape.js';
import { floatOf, isFloat } from '../tensor/dtype.js';
import { argError } from '../tensor/errors.js';
import { normalizeAxes, normalizeAxis, sizeOf, splitAtAxis } from '../tensor/shape.js';
import { range, Tensor } from '../tensor/tensor.js';
import { kernels, type ReduceOp } from '../kernels/index.js';
import { zeroFilled, toTensor, type TensorInput } from './convert.js';
import { add, div, equal, mul } from './arithmetic.js';
import { broadcastTo } from './broadcast.js';
import { cast } from './unary.js';
import { reshape, transpose } from './layout.js';

export type Axis = number | readonly number[];

interface Plan {
  /** The input arranged so the reduced axes form one contiguous block. */
  arranged: Tensor;
  outer: number;
  n: number;
  inner: number;
  keptShape: number[];
  keepDimsShape: number[];
}

/** Lays out a reduction over `axes` as (outer, n, inner), transposing only when the axes are not contiguous. */
function plan(x: Tensor, axes: number[]): Plan {
  const keepDimsShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptShape = x.shape.filter((_, i) => !axes.includes(i));
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0) return { arranged: x, outer: x.size, n: 1, inner: 1, keptShape, keepDimsShape };
  if (contiguous) {
    const first = axes[0];
    const last = axes[axes.length - 1];
    const outer = sizeOf(x.shape.slice(0, first));
    const n = sizeOf(x.shape.slice(first, last + 1));
    const inner = sizeOf(x.shape.slice(last + 1));
    return { arranged: x, outer, n, inner, keptShape, keepDimsShape };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const arranged = transpose(x, [...kept, ...axes]);
  return { arranged, outer: sizeOf(keptShape), n: sizeOf(axes.map((a) => x.shape[a])), inner: 1, keptShape, keepDimsShape };
}

/** @internal A reduction kernel call over `axes` (shared with logSumExp in ops/softmax). */
export function reduceOp(
  op: ReduceOp,
  name: string,
  xIn: TensorInput,
  axis: Axis | undefined,
  keepDims: boolean,
): { out: Tensor; x: Tensor; keepDimsShape: number[] } {
  let x = toTensor(name, 'x', xIn);
  if (op === 'logSumExp' && !isFloat(x.dtype)) x = cast(x, floatOf(x.dtype));
  const axes = normalizeAxes(name, axis, x.rank);
  if ((op === 'max' || op === 'min' || op === 'logSumExp') && axes.some((a) => x.shape[a] === 0)) {
    throw argError(name, 'x', 'non-empty along the reduced axes', x);
  }
  const p = plan(x, axes);
  const out = zeroFilled(x.dtype, keepDims ? p.keepDimsShape : p.keptShape);
  kernels().reduce(op, p.arranged.values, p.outer, p.n, p.inner, out.values);
  return { out, x, keepDimsShape: p.keepDimsShape };
}

/** Sum over an axis or axes (all by default); float sums are compensated and rounded once. */
export function sum(xIn: TensorInput, axis?: Axis, keepDims = false): Tensor {
  const { out, x, keepDimsShape } = reduceOp('sum', 'sum', xIn, axis, keepDims);
  if (!isFloat(x.dtype)) return out;
  return record(out, 'sum', [x], (dy) => [broadcastTo(reshape(dy, keepDimsShape), x.shape)]);
}

/** Mean over an axis or axes; int32 input gives a float32 mean. */
export function mean(xIn: TensorInput, axis?: Axis, keepDims = false): Tensor {
  let x = toTensor('mean', 'x', xIn);
  if (!isFloat(x.dtype)) x = cast(x, 'float32');
  const axes = normalizeAxes('mean', axis, x.rank);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  return div(sum(x, axes, keepDims), count);
}

function extremum(op: 'max' | 'min', xIn: TensorInput, axis: Axis | undefined, keepDims: boolean): Tensor {
  const { out, x, keepDimsShape } = reduceOp(op, op, xIn, axis, keepDims);
  if (!isFloat(x.dtype)) return out;
  // As TensorFlow: the gradient is shared equally among the elements that attain the extremum.
  return record(out, op, [x], (dy) => {
    const y = reshape(out, keepDimsShape);
    const hits = cast(equal(x, y), x.dtype);
    const count = sum(hits, normalizeAxes(op, axis, x.rank), true);
    return [mul(hits, div(reshape(dy, keepDimsShape), count))];
  });
}

export const max = (x: TensorInput, axis?: Axis, keepDims = false): Tensor => extremum('max', x, axis, keepDims);
export const min = (x: TensorInput, axis?: Axis, keepDims = false): Tensor => extremum('min', x, axis, keepDims);

function argReduce(op: 'argMax' | 'argMin', xIn: TensorInput, axis: number): Tensor {
  const x = toTensor(op, 'x', xIn);
  const a = normalizeAxis(op, axis, x.rank);
  const { outer, n, inner } = splitAtAxis(x.shape, a);
  if (n === 0) throw argError(op, 'x', 'non-empty along the axis', x);
  const out = zeroFilled(
    'int32',
    x.shape.filter((_, i) => i !== a),
  );
  kernels().argReduce(op, x.values, outer, n, inner, out.values as Int32Array);
  return out;
}

/** Index of the largest value along the axis (default the last); the first one on ties; NaN counts as largest. */
export const argMax = (x: TensorInput, axis = -1): Tensor => argReduce('argMax', x, axis);
/** Index of the smallest value along the axis (default the last); the first one on ties; NaN counts as smallest. */
export const argMin = (x: TensorInput, axis = -1): Tensor => argReduce('argMin', x, axis);

/**
 * The k largest entries of the last axis and their indices, largest first (ties: lower index first;
 * NaN sorts as largest). The values are differentiable: the gradient flows back to the chosen entries.
 */
export function topK(xIn: TensorInput, k = 1): { values: Tensor; indices: Tensor } {
  const op = 'topK';
  const x = toTensor(op, 'x', xIn);
  if (x.rank === 0) throw argError(op, 'x', 'a tensor of rank ≥ 1', x);
  const n = x.shape[x.rank - 1];
  if (!Number.isInteger(k) || k < 0 || k > n) throw argError(op, 'k', `an integer in [0, ${n}] (the last dimension)`, k);
  const rows = sizeOf(x.shape.slice(0, -1));
  const outShape = [...x.shape.slice(0, -1), k];
  const values = zeroFilled(x.dtype, outShape);
  const indices = zeroFilled('int32', outShape);
  if (n > 0) kernels().topK(x.values, rows, n, k, values.values, indices.values as Int32Array);
  if (isFloat(x.dtype)) {
    record(values, op, [x], (dy) => {
      // Position of each chosen entry in the flattened input: row * n + index.
      const rowStart = reshape(mul(range(0, rows, 1, 'int32'), n), [...x.shape.slice(0, -1), 1]);
      const flatIdx = add(indices, rowStart);
      const g = zeroFilled(dy.dtype, [x.size]);
      kernels().scatterAdd(dy.values, 1, x.size, 1, flatIdx.values as Int32Array, g.values);
      return [reshape(g, x.shape)];
    });
  }
  return { values, indices };
}
