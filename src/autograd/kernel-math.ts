import { kernels } from '../kernels/index.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/*
 * The little arithmetic autograd itself needs (summing two gradients of one tensor, converting a seed or a gradient
 * to its source's dtype), straight on the kernels: autograd knows no op (DESIGN.md), so it cannot call ops/.
 */

/** x converted to `dtype` (x itself when it already has it). */
export function castTo(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = new Tensor(allocate(dtype, x.size), x.shape);
  kernels().cast(x.values, out.values);
  return out;
}

/** a + b, broadcasting as NumPy does, in a's dtype: two gradient contributions to one tensor. */
export function addGradients(a: Tensor, b: Tensor): Tensor {
  const bb = castTo(b, a.dtype);
  const shape = broadcastShapes('grad', a.shape, bb.shape);
  const out = new Tensor(allocate(a.dtype, sizeOf(shape)), shape);
  kernels().binary('add', a.values, a.shape, bb.values, bb.shape, out.values, shape);
  return out;
}
