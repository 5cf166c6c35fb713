import { record } from '../autograd/tape.js';
import { isFloat } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkSize, normalizeAxis, shapesEqual, sizeOf, splitAtAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../kernels/index.js';
import { zeroFilled, unfilled, toTensor, type TensorInput } from './convert.js';

/** Same values, new shape (one dimension may be −1 to infer it). Shares storage (so a reshaped Variable value is live too). */
export function reshape(xIn: TensorInput, shape: readonly number[]): Tensor {
  const op = 'reshape';
  const x = toTensor(op, 'x', xIn);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw argError(op, 'shape', 'an array of non-negative integers (one may be -1)', shape);
  }
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw argError(op, 'shape', 'at most one -1', shape);
  let target = shape.slice();
  if (unknown === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw argError(op, 'shape', `a shape whose known dimensions divide ${x.size}`, shape);
    }
    target = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  if (sizeOf(target) !== x.size) {
    throw argError(op, 'shape', `a shape with ${x.size} elements (from input shape [${x.shape.join(', ')}])`, shape);
  }
  if (shapesEqual(target, x.shape)) return x;
  const out = new Tensor(x.values, target);
  return record(out, op, [x], (dy) => [reshape(dy, x.shape)]);
}

/** Inserts a dimension of size 1 at `axis` (−1 appends). */
export function expandDims(xIn: TensorInput, axis = 0): Tensor {
  const x = toTensor('expandDims', 'x', xIn);
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all of them, or the listed axes, which must have size 1). */
export function squeeze(xIn: TensorInput, axis?: number | number[]): Tensor {
  const op = 'squeeze';
  const x = toTensor(op, 'x', xIn);
  const axes =
    axis === undefined
      ? x.shape.map((_, i) => i).filter((i) => x.shape[i] === 1)
      : (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(op, a, x.rank));
  for (const a of axes) if (x.shape[a] !== 1) throw argError(op, 'axis', `axes of size 1 (axis ${a} has size ${x.shape[a]})`, axis);
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Permutes dimensions (default: reverses them). */
export function transpose(xIn: TensorInput, perm?: readonly number[]): Tensor {
  const op = 'transpose';
  const x = toTensor(op, 'x', xIn);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (!Array.isArray(p) || p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw argError(op, 'perm', `a permutation of [0..${x.rank - 1}]`, perm);
  }
  if (p.every((v, i) => v === i)) return x;
  const out = zeroFilled(
    x.dtype,
    p.map((i) => x.shape[i]),
  );
  kernels().transpose(x.values, x.shape, p, out.values);
  const inverse = p.map((_, i) => p.indexOf(i));
  return record(out, op, [x], (dy) => [transpose(dy, inverse)]);
}

/**
 * The box of x starting at `begin` with extent `size` (−1 in size means "to the end"), as tf.slice.
 * A number for begin/size applies to the first axis.
 */
export function slice(xIn: TensorInput, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const op = 'slice';
  const x = toTensor(op, 'x', xIn);
  if (typeof begin !== 'number' && !Array.isArray(begin)) throw argTypeError(op, 'begin', 'a number or an array of integers', begin);
  if (size !== undefined && typeof size !== 'number' && !Array.isArray(size)) throw argTypeError(op, 'size', 'a number or an array of integers', size);
  if (typeof begin === 'number' && x.rank === 0) throw argError(op, 'begin', '[] (x is a scalar)', begin);
  const b = typeof begin === 'number' ? [begin, ...new Array(x.rank - 1).fill(0)] : begin.slice();
  const s0 = size === undefined ? [] : typeof size === 'number' ? [size] : size.slice();
  if (b.length !== x.rank) throw argError(op, 'begin', `${x.rank} indices (the rank of x)`, begin);
  if (Array.isArray(size) && size.length !== x.rank) throw argError(op, 'size', `${x.rank} sizes (the rank of x)`, size);
  const s = x.shape.map((d, i) => {
    const bi = b[i];
    if (!Number.isInteger(bi) || bi < 0 || bi > d) throw argError(op, 'begin', `indices within shape [${x.shape.join(', ')}]`, begin);
    const si = s0[i] ?? -1;
    const resolved = si === -1 ? d - bi : si;
    if (!Number.isInteger(resolved) || resolved < 0 || bi + resolved > d) {
      throw argError(op, 'size', `sizes with begin + size ≤ [${x.shape.join(', ')}]`, size);
    }
    return resolved;
  });
  const out = unfilled(x.dtype, s);
  kernels().slice(x.values, x.shape, b, s, out.values);
  if (!isFloat(x.dtype)) return out;
  return record(out, op, [x], (dy) => {
    // The gradient is dy placed back into a zero tensor of x's shape: concat zero blocks axis by axis.
    let g = dy;
    for (let axis = 0; axis < x.rank; axis++) {
      const before = b[axis];
      const after = x.shape[axis] - b[axis] - s[axis];
      if (before === 0 && after === 0) continue;
      const padShape = (n: number) => g.shape.map((d, i) => (i === axis ? n : d));
      g = concat([zeroFilled(dy.dtype, padShape(before)), g, zeroFilled(dy.dtype, padShape(after))], axis);
    }
    return [g];
  });
}

/** Joins tensors along an existing axis; all other dimensions and the dtype must match. */
export function concat(xsIn: readonly TensorInput[], axis = 0): Tensor {
  const op = 'concat';
  if (!Array.isArray(xsIn) || xsIn.length === 0) throw argError(op, 'tensors', 'a non-empty array of tensors', xsIn);
  const xs = xsIn.map((t, i) => toTensor(op, `tensors[${i}]`, t));
  const first = xs[0];
  if (first.rank === 0) throw argError(op, 'tensors[0]', 'a tensor of rank ≥ 1 (use stack for scalars)', first);
  const a = normalizeAxis(op, axis, first.rank);
  xs.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw argTypeError(op, `tensors[${i}]`, `dtype ${first.dtype} like tensors[0]`, t);
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw argError(op, `tensors[${i}]`, `shape [${first.shape.map((d, j) => (j === a ? '*' : d)).join(', ')}] to match tensors[0]`, t);
    }
  });
  const ns = xs.map((t) => t.shape[a]);
  const shape = first.shape.slice();
  shape[a] = ns.reduce((p, q) => p + q, 0);
  const { outer, inner } = splitAtAxis(first.shape, a);
  const out = zeroFilled(first.dtype, shape);
  kernels().concat(
    xs.map((t) => t.values),
    ns,
    outer,
    inner,
    out.values,
  );
  if (!isFloat(first.dtype)) return out;
  return record(out, op, xs, (dy) => {
    let offset = 0;
    return xs.map((t) => {
      const begin = dy.shape.map((_, j) => (j === a ? offset : 0));
      offset += t.shape[a];
      return slice(dy, begin, t.shape.slice());
    });
  });
}

/** Stacks tensors of one shape along a new axis. */
export function stack(xsIn: readonly TensorInput[], axis = 0): Tensor {
  const op = 'stack';
  if (!Array.isArray(xsIn) || xsIn.length === 0) throw argError(op, 'tensors', 'a non-empty array of tensors', xsIn);
  const xs = xsIn.map((t, i) => toTensor(op, `tensors[${i}]`, t));
  xs.forEach((t, i) => {
    if (!shapesEqual(t.shape, xs[0].shape)) throw argError(op, `tensors[${i}]`, `shape [${xs[0].shape.join(', ')}] like tensors[0]`, t);
  });
  const a = normalizeAxis(op, axis, xs[0].rank + 1);
  return concat(
    xs.map((t) => expandDims(t, a)),
    a,
  );
}

/** Checks class ids / indices: int32 values in [0, n). */
export function checkIndices(op: string, arg: string, ids: Tensor, n: number, allowed?: number): void {
  if (ids.dtype !== 'int32') throw argTypeError(op, arg, 'an int32 tensor of indices', ids);
  const v = ids.values;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if ((c < 0 || c >= n) && c !== allowed) {
      const extra = allowed === undefined ? '' : ` (or the ignored value ${allowed})`;
      throw argError(op, arg, `integers in [0, ${n - 1}]${extra}`, `${c} at flat index ${i}`);
    }
  }
}

/** Picks slices of x along `axis` by index: out shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export function gather(xIn: TensorInput, indicesIn: TensorInput, axis = 0): Tensor {
  const op = 'gather';
  const x = toTensor(op, 'x', xIn);
  const indices = toTensor(op, 'indices', indicesIn, 'int32');
  const a = normalizeAxis(op, axis, x.rank);
  checkIndices(op, 'indices', indices, x.shape[a]);
  const { outer, n, inner } = splitAtAxis(x.shape, a);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const out = zeroFilled(x.dtype, shape);
  const ids = indices.values as Int32Array;
  kernels().gather(x.values, outer, n, inner, ids, out.values);
  if (!isFloat(x.dtype)) return out;
  return record(out, op, [x], (dy) => {
    const g = zeroFilled(dy.dtype, x.shape);
    kernels().scatterAdd(dy.values, outer, n, inner, ids, g.values);
    return [g];
  });
}

/** One-hot rows: out[..., c] = onValue where c = indices[...], else offValue. Ids must be in [0, depth). */
export function oneHot(indicesIn: TensorInput, depth: number, onValue = 1, offValue = 0, dtype: 'float32' | 'float64' | 'int32' = 'float32'): Tensor {
  const op = 'oneHot';
  const indices = toTensor(op, 'indices', indicesIn, 'int32');
  if (!Number.isInteger(depth) || depth < 1) throw argError(op, 'depth', 'a positive integer', depth);
  checkSize(op, 'depth', indices.size * depth);
  checkIndices(op, 'indices', indices, depth);
  const out = zeroFilled(dtype, [...indices.shape, depth]);
  kernels().oneHot(indices.values as Int32Array, depth, onValue, offValue, out.values);
  return out;
}
