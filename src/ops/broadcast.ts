import { record } from '../autograd/tape.js';
import { broadcastShapes, checkShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../kernels/index.js';
import { zeroFilled, toTensor, type TensorInput } from './convert.js';
import { reshape } from './layout.js';
import { sum } from './reduce.js';

/** Sums a broadcast gradient back down to `shape`: the backward rule of every broadcasting op. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? sum(g, axes, true) : g;
  return reshape(summed, shape);
}

/** Repeats x along its size-1 and missing leading dimensions to `shape`. */
export function broadcastTo(xIn: TensorInput, shape: readonly number[]): Tensor {
  const op = 'broadcastTo';
  const x = toTensor(op, 'x', xIn);
  checkShape(op, 'shape', shape);
  const target = broadcastShapes(op, x.shape, shape, 'x', 'shape');
  if (!shapesEqual(target, shape)) {
    throw new RangeError(`${op}: argument 'x' of shape [${x.shape.join(', ')}] cannot be broadcast to shape [${shape.join(', ')}]`);
  }
  if (shapesEqual(x.shape, shape)) return x;
  const out = zeroFilled(x.dtype, shape);
  kernels().broadcastTo(x.values, x.shape, out.values, shape);
  return record(out, op, [x], (dy) => [unbroadcast(dy, x.shape)]);
}
