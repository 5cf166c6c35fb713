import { needsGrad, record } from '../autograd/tape.js';
import { kernels } from '../kernels/index.js';
import { isFloat } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { checkSize, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkShape, convGeometry, convWindow, nhwc, outShape, type ConvWindow, type Padding } from './conv-geometry.js';
import { biasRelu, biasReluGradients, markBiasReluOutput } from './bias-relu.js';
import { toTensor, unfilled, type TensorInput } from './convert.js';
import { maxPool, poolGeometry, type Pool2dOptions } from './pool.js';

export { convOutputSize, type Padding } from './conv-geometry.js';

export interface Conv2dOptions {
  strides?: number | readonly [number, number];
  padding?: Padding;
  dilations?: number | readonly [number, number];
}

const CONV_OPTIONS = ['strides', 'padding', 'dilations'] as const;
const HWIO = 'a rank-4 tensor [filterHeight, filterWidth, inChannels, outChannels] (HWIO)';

function sameDType(op: string, arg: string, t: Tensor, like: Tensor, likeArg: string): void {
  if (t.dtype !== like.dtype) throw argTypeError(op, arg, `dtype ${like.dtype} like '${likeArg}'`, t);
}

/** The filter argument: rank 4, x's dtype, x's channels, a window of at least 1 × 1. */
function checkFilter(op: string, arg: string, filterShape: readonly number[], filterValue: unknown, inChannels: number, xArg: string): void {
  if (filterShape.length !== 4) throw argError(op, arg, HWIO, filterValue);
  if (filterShape[2] !== inChannels) {
    throw argError(op, arg, `a filter whose inChannels (dimension 2) is ${inChannels}, the channels (last dimension) of '${xArg}'`, filterValue);
  }
  if (filterShape[0] < 1 || filterShape[1] < 1) throw argError(op, arg, 'a filter of height and width at least 1', filterValue);
}

function geometryFor(op: string, xArg: string, xValue: unknown, xShape: readonly number[], filterShape: readonly number[], w: ConvWindow) {
  const g = convGeometry(op, xArg, xValue, xShape, filterShape[0], filterShape[1], filterShape[3], w);
  checkSize(op, xArg, sizeOf(outShape(g)));
  return g;
}

/** The options every gradient op receives: the forward's, resolved. */
function asOptions(w: ConvWindow): Conv2dOptions {
  return { strides: w.strides, dilations: w.dilations, padding: w.padding };
}

/**
 * 2-D convolution (cross-correlation, as every framework): x [batch, height, width, inChannels] (NHWC), filter
 * [fh, fw, inChannels, outChannels] (HWIO) → [batch, oh, ow, outChannels]. Defaults: strides 1, padding 'valid',
 * dilations 1 (TensorFlow's semantics: 'same' pads with zeros, the odd extra row or column at the bottom or right;
 * strides > 1 and dilations > 1 are not combined). Output sizes: convOutputSize.
 */
export function conv2d(xIn: TensorInput, filterIn: TensorInput, options?: Conv2dOptions): Tensor {
  const op = 'conv2d';
  const x = nhwc(op, 'x', xIn);
  const filter = toTensor(op, 'filter', filterIn);
  const o = checkOptions(op, options, CONV_OPTIONS);
  checkFilter(op, 'filter', filter.shape, filter, x.shape[3], 'x');
  sameDType(op, 'filter', filter, x, 'x');
  const w = convWindow(op, o);
  const g = geometryFor(op, 'x', x, x.shape, filter.shape, w);
  const out = unfilled(x.dtype, outShape(g));
  kernels().conv2d(x.values, filter.values, out.values, g);
  return record(out, op, [x, filter], (dy, [needX, needFilter]) => convGradients(dy, x, filter, w, needX, needFilter));
}

/** conv2d's gradients with respect to x and the filter (null where not needed), for the cotangent dy of its output. */
function convGradients(dy: Tensor, x: Tensor, filter: Tensor, w: ConvWindow, needX: boolean, needFilter: boolean): [Tensor | null, Tensor | null] {
  const opts = asOptions(w);
  return [needX ? conv2dBackpropInput(dy, filter, x.shape, opts) : null, needFilter ? conv2dBackpropFilter(x, dy, filter.shape, opts) : null];
}

/**
 * The arguments of a convolution with a bias and relu, checked; `fused`: float data of one dtype and at least one
 * output channel, which the fused kernels take (other dtypes run the composition).
 */
function biasedConvArguments(op: string, xIn: TensorInput, filterIn: TensorInput, biasIn: TensorInput, options: Conv2dOptions | undefined) {
  const x = nhwc(op, 'x', xIn);
  const filter = toTensor(op, 'filter', filterIn);
  const bias = toTensor(op, 'bias', biasIn);
  const o = checkOptions(op, options, CONV_OPTIONS);
  checkFilter(op, 'filter', filter.shape, filter, x.shape[3], 'x');
  sameDType(op, 'filter', filter, x, 'x');
  const channels = filter.shape[3];
  if (bias.rank !== 1 || bias.shape[0] !== channels) throw argError(op, 'bias', `a vector of ${channels} values (the filter's outChannels)`, bias);
  return { x, filter, bias, o, fused: isFloat(x.dtype) && bias.dtype === x.dtype && channels > 0 };
}

/**
 * relu(conv2d(x, filter) + bias), bias [outChannels]: a hidden convolution layer with a bias and relu in one kernel
 * call, the bits of biasRelu(conv2d(x, filter), bias) and of its gradients (which come from the output, as
 * biasRelu's). Other dtypes: that composition.
 */
export function conv2dBiasRelu(xIn: TensorInput, filterIn: TensorInput, biasIn: TensorInput, options?: Conv2dOptions): Tensor {
  const op = 'conv2dBiasRelu';
  const { x, filter, bias, o, fused } = biasedConvArguments(op, xIn, filterIn, biasIn, options);
  if (!fused) return biasRelu(conv2d(x, filter, options), bias);
  const w = convWindow(op, o);
  const g = geometryFor(op, 'x', x, x.shape, filter.shape, w);
  const out = unfilled(x.dtype, outShape(g));
  kernels().conv2dBiasRelu(x.values, filter.values, bias.values, out.values, g);
  markBiasReluOutput(out);
  return record(out, op, [x, filter, bias], (dy, [needX, needFilter, needBias]) => {
    const [dz, dBias] = biasReluGradients(dy, out, bias.shape, needBias);
    return [...convGradients(dz, x, filter, w, needX, needFilter), dBias];
  });
}

/**
 * maxPool(conv2dBiasRelu(x, filter, bias, options), poolOptions) in one kernel call, what a hidden Conv2D layer with a
 * bias and relu followed by a MaxPooling2D computes: the bits of those two ops and of their gradients. A set may keep
 * the convolution's output in its own memory (the WebAssembly set pools each chunk of it there and takes the
 * gradient's relu step from the pooled values), so that the largest activation of a CNN never crosses into JS.
 */
export function conv2dBiasReluMaxPool(
  xIn: TensorInput,
  filterIn: TensorInput,
  biasIn: TensorInput,
  options: Conv2dOptions | undefined,
  poolOptions: Pool2dOptions,
): Tensor {
  const op = 'conv2dBiasReluMaxPool';
  const { x, filter, bias, o, fused } = biasedConvArguments(op, xIn, filterIn, biasIn, options);
  if (!fused) return maxPool(conv2dBiasRelu(x, filter, bias, options), poolOptions);
  const channels = filter.shape[3];
  const w = convWindow(op, o);
  const g = geometryFor(op, 'x', x, x.shape, filter.shape, w);
  const yShape = outShape(g);
  const { g: pg } = poolGeometry(op, 'poolOptions', yShape, yShape, poolOptions);
  const y = unfilled(x.dtype, yShape);
  const pooled = unfilled(x.dtype, outShape(pg));
  const argMax = needsGrad(x, filter, bias) ? unfilled('int32', pooled.shape) : null;
  const written = kernels().conv2dBiasReluMaxPool(
    x.values,
    filter.values,
    bias.values,
    y.values,
    pooled.values,
    argMax ? (argMax.values as Int32Array) : null,
    g,
    pg,
  );
  if (!argMax) return pooled;
  return record(pooled, op, [x, filter, bias], (dy, [needX, needFilter, needBias]) => {
    const dz = unfilled(dy.dtype, yShape);
    const columnSums = unfilled(dy.dtype, [channels]);
    const at = argMax.values as Int32Array;
    if (!written && !needX && needFilter) {
      // An image's first layer: the filter's gradient straight from the pool's, dz kept in the set's memory.
      const dFilter = unfilled(dy.dtype, filter.shape);
      kernels().maxPoolReluFilterGradient(dy.values, at, pooled.values, x.values, dz.values, dFilter.values, columnSums.values, g, pg);
      return [null, dFilter, needBias ? columnSums : null];
    }
    if (written) kernels().maxPoolBackpropRelu(dy.values, at, y.values, dz.values, columnSums.values, pg);
    else kernels().maxPoolBackpropReluPooled(dy.values, at, pooled.values, dz.values, columnSums.values, pg);
    return [...convGradients(dz, x, filter, w, needX, needFilter), needBias ? columnSums : null];
  });
}

/**
 * The gradient of conv2d with respect to its input (a transposed convolution): dy [batch, oh, ow, outChannels] and
 * the filter → dx of shape xShape. Linear in dy and in the filter, so its own gradients are conv2d and
 * conv2dBackpropFilter. xShape is needed because strides > 1 map several input sizes to one output size.
 */
export function conv2dBackpropInput(dyIn: TensorInput, filterIn: TensorInput, xShapeIn: readonly number[], options?: Conv2dOptions): Tensor {
  const op = 'conv2dBackpropInput';
  const dy = nhwc(op, 'dy', dyIn);
  const filter = toTensor(op, 'filter', filterIn);
  const xShape = checkShape(op, 'xShape', xShapeIn, 4, '[batch, height, width, inChannels]');
  const o = checkOptions(op, options, CONV_OPTIONS);
  checkFilter(op, 'filter', filter.shape, filter, xShape[3], 'xShape');
  sameDType(op, 'filter', filter, dy, 'dy');
  const w = convWindow(op, o);
  const g = geometryFor(op, 'xShape', [...xShape], xShape, filter.shape, w);
  const expected = outShape(g);
  if (!shapesEqual(dy.shape, expected)) throw argError(op, 'dy', `shape [${expected.join(', ')}] (conv2d's output for xShape and the filter)`, dy);
  checkSize(op, 'xShape', sizeOf(xShape));
  const dx = unfilled(dy.dtype, xShape);
  kernels().conv2dBackpropInput(dy.values, filter.values, dx.values, g);
  return record(dx, op, [dy, filter], (ddx, [needDy, needFilter]) => {
    const opts = asOptions(w);
    return [needDy ? conv2d(ddx, filter, opts) : null, needFilter ? conv2dBackpropFilter(ddx, dy, filter.shape, opts) : null];
  });
}

/**
 * The gradient of conv2d with respect to its filter: x [batch, h, w, inChannels] and dy [batch, oh, ow, outChannels]
 * → dFilter of shape filterShape [fh, fw, inChannels, outChannels]. Linear in x and in dy, so its own gradients are
 * conv2dBackpropInput and conv2d.
 */
export function conv2dBackpropFilter(xIn: TensorInput, dyIn: TensorInput, filterShapeIn: readonly number[], options?: Conv2dOptions): Tensor {
  const op = 'conv2dBackpropFilter';
  const x = nhwc(op, 'x', xIn);
  const dy = nhwc(op, 'dy', dyIn);
  const filterShape = checkShape(op, 'filterShape', filterShapeIn, 4, '[filterHeight, filterWidth, inChannels, outChannels]');
  const o = checkOptions(op, options, CONV_OPTIONS);
  checkFilter(op, 'filterShape', filterShape, [...filterShape], x.shape[3], 'x');
  sameDType(op, 'dy', dy, x, 'x');
  const w = convWindow(op, o);
  const g = geometryFor(op, 'x', x, x.shape, filterShape, w);
  const expected = outShape(g);
  if (!shapesEqual(dy.shape, expected)) throw argError(op, 'dy', `shape [${expected.join(', ')}] (conv2d's output for x and filterShape)`, dy);
  checkSize(op, 'filterShape', sizeOf(filterShape));
  const dFilter = unfilled(x.dtype, filterShape);
  kernels().conv2dBackpropFilter(x.values, dy.values, dFilter.values, g);
  return record(dFilter, op, [x, dy], (dw, [needX, needDy]) => {
    const opts = asOptions(w);
    return [needX ? conv2dBackpropInput(dy, dw, x.shape, opts) : null, needDy ? conv2d(x, dw, opts) : null];
  });
}
