import { needsGrad, record, soleConsumer } from '../autograd/tape.js';
import type { Conv2dGeometry } from '../kernels/types.js';
import { kernels } from '../kernels/index.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { isBiasReluOutput, markThroughRelu } from './bias-relu.js';
import { checkPadding, checkShape, convGeometry, nhwc, outShape, spatialPair, type Padding } from './conv-geometry.js';
import { toTensor, unfilled, type TensorInput } from './convert.js';
import { gather, reshape } from './layout.js';

export interface Pool2dOptions {
  poolSize: number | readonly [number, number];
  strides?: number | readonly [number, number];
  padding?: Padding;
}

const POOL_OPTIONS = ['poolSize', 'strides', 'padding'] as const;

/** The pooling window's geometry over input shape xShape: strides default to poolSize (Keras), padding to 'valid'. */
export function poolGeometry(
  op: string,
  xArg: string,
  xValue: unknown,
  xShape: readonly number[],
  options: Pool2dOptions | undefined,
): { g: Conv2dGeometry; resolved: Pool2dOptions } {
  const o = checkOptions(op, options, POOL_OPTIONS);
  const poolSize = spatialPair(op, 'poolSize', o.poolSize);
  const strides = spatialPair(op, 'strides', o.strides, poolSize);
  const padding = checkPadding(op, o.padding);
  const g = convGeometry(op, xArg, xValue, xShape, poolSize[0], poolSize[1], xShape[3], { strides, dilations: [1, 1], padding });
  // The options the gradient ops receive: the forward's, resolved.
  return { g, resolved: { poolSize, strides, padding } };
}

/** An internal op's dy: rank 4, float, shaped as the pool's output. */
function checkDy(op: string, dyIn: TensorInput, g: Conv2dGeometry): Tensor {
  const dy = nhwc(op, 'dy', dyIn);
  const expected = outShape(g);
  if (!shapesEqual(dy.shape, expected)) throw argError(op, 'dy', `shape [${expected.join(', ')}] (the pool's output for xShape)`, dy);
  return dy;
}

/**
 * Max pooling over NHWC data: x [batch, height, width, channels] → [batch, oh, ow, channels], each output the
 * maximum of its window's in-bounds elements ('same' padding is never taken). Strides default to poolSize (Keras),
 * padding to 'valid'. A NaN in a window propagates. The gradient goes to the first maximum of each window.
 */
export function maxPool(xIn: TensorInput, options: Pool2dOptions): Tensor {
  const op = 'maxPool';
  const x = nhwc(op, 'x', xIn);
  const { g } = poolGeometry(op, 'x', x, x.shape, options);
  const out = unfilled(x.dtype, outShape(g));
  // Where each maximum came from, kept for the gradient: only when one will be asked for.
  const argMax = needsGrad(x) ? unfilled('int32', out.shape) : null;
  kernels().maxPool(x.values, out.values, argMax ? (argMax.values as Int32Array) : null, g);
  if (!argMax) return out;
  // The indices are the kernel's own: the rule skips maxPoolBackprop's per-element check of them.
  return record(out, op, [x], (dy) => [
    isBiasReluOutput(x) && soleConsumer(x) ? scatterMaximaThroughRelu(dy, argMax, x, g) : scatterMaxima(dy, argMax, x.shape, g),
  ]);
}

/**
 * The pool's gradient for the biased relu output y it alone consumes, taken through that relu as well in one kernel
 * call: reluGrad(maxPoolBackprop(dy), y), and its column sums for the relu's bias (see markThroughRelu).
 */
function scatterMaximaThroughRelu(dy: Tensor, argMax: Tensor, y: Tensor, g: Conv2dGeometry): Tensor {
  const dz = unfilled(dy.dtype, y.shape);
  const columnSums = unfilled(dy.dtype, [y.shape[3]]);
  kernels().maxPoolBackpropRelu(dy.values, argMax.values as Int32Array, y.values, dz.values, columnSums.values, g);
  markThroughRelu(dz, y, columnSums);
  return dz;
}

/**
 * The gradient of maxPool: dy (the pool's output shape) summed into a zero tensor of shape xShape at the flat
 * indices argMax (int32, dy's shape) where the forward found each maximum. Linear in dy; its own gradient is
 * a gather at argMax.
 */
export function maxPoolBackprop(dyIn: TensorInput, argMaxIn: TensorInput, xShapeIn: readonly number[], options: Pool2dOptions): Tensor {
  const op = 'maxPoolBackprop';
  const xShape = checkShape(op, 'xShape', xShapeIn, 4, '[batch, height, width, channels]');
  const { g } = poolGeometry(op, 'xShape', [...xShape], xShape, options);
  const dy = checkDy(op, dyIn, g);
  const argMax = toTensor(op, 'argMax', argMaxIn, 'int32');
  if (argMax.dtype !== 'int32' || !shapesEqual(argMax.shape, dy.shape))
    throw argTypeError(op, 'argMax', `an int32 tensor of dy's shape [${dy.shape.join(', ')}]`, argMax);
  const indices = argMax.values as Int32Array;
  const n = xShape.reduce((p, d) => p * d, 1);
  for (let i = 0; i < indices.length; i++) {
    if (!(indices[i] >= 0 && indices[i] < n)) throw argError(op, 'argMax', `flat indices into xShape, in [0, ${n - 1}]`, `${indices[i]} at flat index ${i}`);
  }
  return scatterMaxima(dy, argMax, xShape, g);
}

/** maxPoolBackprop on checked arguments (dy of the pool's output shape, argMax valid flat indices into xShape). */
function scatterMaxima(dy: Tensor, argMax: Tensor, xShape: readonly number[], g: Conv2dGeometry): Tensor {
  const dx = unfilled(dy.dtype, xShape);
  kernels().maxPoolBackprop(dy.values, argMax.values as Int32Array, dx.values, g);
  return record(dx, 'maxPoolBackprop', [dy], (ddx) => [gather(reshape(ddx, [-1]), argMax)]);
}

/**
 * Average pooling over NHWC data: x [batch, height, width, channels] → [batch, oh, ow, channels], each output the
 * mean of its window's in-bounds elements (padding is not counted, as TensorFlow). Strides default to poolSize
 * (Keras), padding to 'valid'.
 */
export function avgPool(xIn: TensorInput, options: Pool2dOptions): Tensor {
  const op = 'avgPool';
  const x = nhwc(op, 'x', xIn);
  const { g, resolved } = poolGeometry(op, 'x', x, x.shape, options);
  const out = unfilled(x.dtype, outShape(g));
  kernels().avgPool(x.values, out.values, g);
  return record(out, op, [x], (dy) => [avgPoolBackprop(dy, x.shape, resolved)]);
}

/**
 * The gradient of avgPool: each dy (the pool's output shape) spread evenly over its window's in-bounds elements
 * of a tensor of shape xShape. Linear in dy; its own gradient is avgPool.
 */
export function avgPoolBackprop(dyIn: TensorInput, xShapeIn: readonly number[], options: Pool2dOptions): Tensor {
  const op = 'avgPoolBackprop';
  const xShape = checkShape(op, 'xShape', xShapeIn, 4, '[batch, height, width, channels]');
  const { g, resolved } = poolGeometry(op, 'xShape', [...xShape], xShape, options);
  const dy = checkDy(op, dyIn, g);
  const dx = unfilled(dy.dtype, xShape);
  kernels().avgPoolBackprop(dy.values, dx.values, g);
  return record(dx, op, [dy], (ddx) => [avgPool(ddx, resolved)]);
}
