import { record } from '../autograd/tape.js';
import { isFloat } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../kernels/index.js';
import { unfilled, toTensor, type TensorInput } from './convert.js';
import { broadcastTo, unbroadcast } from './broadcast.js';

/**
 * Matrix product over the last two axes, batched over the leading ones (which broadcast), as tf.matMul:
 * op(a) · op(b) with op = transpose of the last two axes when the flag is set.
 */
export function matMul(aIn: TensorInput, bIn: TensorInput, transposeA = false, transposeB = false): Tensor {
  const op = 'matMul';
  let a = toTensor(op, 'a', aIn);
  let b = toTensor(op, 'b', bIn);
  if (a.rank < 2) throw argError(op, 'a', 'a tensor of rank ≥ 2', a);
  if (b.rank < 2) throw argError(op, 'b', 'a tensor of rank ≥ 2', b);
  if (a.dtype !== b.dtype) throw argTypeError(op, 'b', `dtype ${a.dtype} like 'a'`, b);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const kb = transposeB ? bc : br;
  const n = transposeB ? br : bc;
  if (k !== kb) {
    throw new RangeError(
      `${op}: inner dimensions must agree: 'a' [${a.shape.join(', ')}]${transposeA ? ' (transposed)' : ''} has ${k} ` +
        `columns but 'b' [${b.shape.join(', ')}]${transposeB ? ' (transposed)' : ''} has ${kb} rows`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(op, aBatch, bBatch, 'a', 'b');
  const batch = sizeOf(batchShape);
  // A side whose batch is all ones is shared (stride 0); a partial broadcast is materialized.
  const strideFor = (t: Tensor, tb: readonly number[]): [Tensor, number] => {
    const own = sizeOf(tb);
    if (own === batch) return [t, t.shape.at(-1)! * t.shape.at(-2)!];
    if (own === 1) return [t, 0];
    const full = broadcastTo(t, [...batchShape, ...t.shape.slice(-2)]);
    return [full, t.shape.at(-1)! * t.shape.at(-2)!];
  };
  const [a2, aStride] = strideFor(a, aBatch);
  const [b2, bStride] = strideFor(b, bBatch);
  a = a2;
  b = b2;
  const out = unfilled(a.dtype, [...batchShape, m, n]);
  kernels().matMul(a.values, b.values, out.values, batch, m, k, n, transposeA, transposeB, aStride, bStride);
  if (!isFloat(a.dtype)) return out;
  const A = toTensor(op, 'a', aIn);
  const B = toTensor(op, 'b', bIn);
  return record(out, op, [A, B], (dy, [needA, needB]) => {
    // d/dA and d/dB of op(A)·op(B) for each transpose combination; a constant input gets none.
    const da = !needA
      ? null
      : !transposeA && !transposeB
        ? matMul(dy, B, false, true)
        : !transposeA
          ? matMul(dy, B, false, false)
          : !transposeB
            ? matMul(B, dy, false, true)
            : matMul(B, dy, true, true);
    const db = !needB
      ? null
      : !transposeA && !transposeB
        ? matMul(A, dy, true, false)
        : !transposeA
          ? matMul(dy, A, true, false)
          : !transposeB
            ? matMul(A, dy, false, false)
            : matMul(dy, A, true, true);
    return [da && unbroadcast(da, A.shape), db && unbroadcast(db, B.shape)];
  });
}
