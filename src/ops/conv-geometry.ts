import type { Conv2dGeometry } from '../kernels/types.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { isFloat } from '../tensor/dtype.js';
import { checkChoice } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { toTensor } from './convert.js';

/** How a convolution or pooling window meets the borders, as TensorFlow: 'valid' (no padding) or 'same' (zeros around). */
export type Padding = 'valid' | 'same';

const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** The largest stride, dilation, window or dilated filter extent: geometry fields stay 32-bit integers in every kernel set. */
const MAX_EXTENT = 2 ** 31 - 1;

/** A spatial pair [height, width]. */
export type Pair = readonly [number, number];

/** Strides, dilations and padding of one convolution, resolved and checked. */
export interface ConvWindow {
  readonly strides: Pair;
  readonly dilations: Pair;
  readonly padding: Padding;
}

function isExtent(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_EXTENT;
}

/** A positive integer or a pair of them ([height, width]); `fallback` when undefined. */
export function spatialPair(op: string, arg: string, value: unknown, fallback?: Pair): Pair {
  if (value === undefined && fallback) return fallback;
  const expected = `a positive integer or a pair [height, width] of them (at most ${MAX_EXTENT})`;
  if (typeof value === 'number') {
    if (!isExtent(value)) throw argError(op, arg, expected, value);
    return [value, value];
  }
  if (Array.isArray(value)) {
    if (value.length !== 2 || !value.every(isExtent)) throw argError(op, arg, expected, value);
    return [value[0] as number, value[1] as number];
  }
  throw argTypeError(op, arg, expected, value);
}

/** 'valid' (the default) or 'same'. */
export function checkPadding(op: string, value: unknown): Padding {
  return value === undefined ? 'valid' : checkChoice(op, 'padding', value, PADDINGS);
}

/** Strides, dilations and padding from an options object already checked by checkOptions; TensorFlow's rules. */
export function convWindow(op: string, o: { strides?: unknown; dilations?: unknown; padding?: unknown }): ConvWindow {
  const strides = spatialPair(op, 'strides', o.strides, [1, 1]);
  const dilations = spatialPair(op, 'dilations', o.dilations, [1, 1]);
  const padding = checkPadding(op, o.padding);
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    throw argError(op, 'dilations', `1 when 'strides' is greater than 1 (TensorFlow does not combine them; strides are [${strides.join(', ')}])`, [
      ...dilations,
    ]);
  }
  return { strides, dilations, padding };
}

/**
 * The output size and leading padding of one axis (arguments already checked). `axis` ('height', 'width') and
 * `actual` (what the error shows as having come) only shape the message when the output would be empty.
 */
export function axisOutput(
  op: string,
  arg: string,
  axis: string,
  actual: unknown,
  inSize: number,
  filterSize: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { size: number; padBefore: number; padAfter: number } {
  const span = (filterSize - 1) * dilation + 1;
  if (span > MAX_EXTENT) {
    throw argError(op, 'dilations', `small enough that the dilated window, (${filterSize} − 1)·${dilation} + 1, spans at most ${MAX_EXTENT}`, dilation);
  }
  const atLeast = (n: number) => (axis ? `an input of ${axis} at least ${n}` : `at least ${n}`);
  if (padding === 'valid') {
    if (inSize < span) {
      const window = `the window's ${axis || 'size'} ${filterSize}${dilation > 1 ? ` dilated by ${dilation}` : ''}`;
      throw argError(op, arg, `${atLeast(span)} (${window}) with padding 'valid', so that the output is not empty`, actual);
    }
    return { size: Math.ceil((inSize - span + 1) / stride), padBefore: 0, padAfter: 0 };
  }
  if (inSize < 1) throw argError(op, arg, `${atLeast(1)} with padding 'same', so that the output is not empty`, actual);
  const size = Math.ceil(inSize / stride);
  const total = Math.max((size - 1) * stride + span - inSize, 0);
  return { size, padBefore: Math.floor(total / 2), padAfter: total - Math.floor(total / 2) };
}

/**
 * Output size and leading padding of one spatial axis, TensorFlow's rules: 'valid' → ceil((in − (f−1)·d) / s),
 * 'same' → ceil(in / s) with total padding max((out−1)·s + (f−1)·d + 1 − in, 0), padTop = floor(total/2) (the
 * extra row or column goes at the bottom or right: padAfter). Throws (naming `op` and `arg`) when the output would be empty.
 */
export function convOutputSize(
  op: string,
  arg: string,
  inSize: number,
  filterSize: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { size: number; padBefore: number; padAfter: number } {
  const self = 'convOutputSize';
  if (typeof op !== 'string' || op === '') throw argTypeError(self, 'op', 'the name of the calling op (a non-empty string)', op);
  if (typeof arg !== 'string' || arg === '') throw argTypeError(self, 'arg', 'the name of the argument the size comes from (a non-empty string)', arg);
  if (typeof inSize !== 'number' || !Number.isSafeInteger(inSize) || inSize < 0) throw argError(self, 'inSize', 'a non-negative integer', inSize);
  for (const [name, v] of [
    ['filterSize', filterSize],
    ['stride', stride],
    ['dilation', dilation],
  ] as const) {
    if (!isExtent(v)) throw argError(self, name, `a positive integer (at most ${MAX_EXTENT})`, v);
  }
  const pad = checkChoice(self, 'padding', padding, PADDINGS);
  if ((filterSize - 1) * dilation + 1 > MAX_EXTENT)
    throw argError(self, 'dilation', `small enough that (filterSize − 1)·dilation + 1 is at most ${MAX_EXTENT}`, dilation);
  return axisOutput(op, arg, '', inSize, inSize, filterSize, stride, dilation, pad);
}

/**
 * The kernels' geometry for input shape `xShape` [batch, height, width, inChannels] and a window of
 * filterHeight × filterWidth producing outChannels; `xArg` / `xValue` name the input in errors.
 */
export function convGeometry(
  op: string,
  xArg: string,
  xValue: unknown,
  xShape: readonly number[],
  filterHeight: number,
  filterWidth: number,
  outChannels: number,
  w: ConvWindow,
): Conv2dGeometry {
  const [batch, inHeight, inWidth, inChannels] = xShape;
  const rows = axisOutput(op, xArg, 'height', xValue, inHeight, filterHeight, w.strides[0], w.dilations[0], w.padding);
  const cols = axisOutput(op, xArg, 'width', xValue, inWidth, filterWidth, w.strides[1], w.dilations[1], w.padding);
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    outHeight: rows.size,
    outWidth: cols.size,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight: w.strides[0],
    strideWidth: w.strides[1],
    dilationHeight: w.dilations[0],
    dilationWidth: w.dilations[1],
    padTop: rows.padBefore,
    padLeft: cols.padBefore,
  };
}

/** The output shape [batch, outHeight, outWidth, outChannels] of a geometry. */
export function outShape(g: Conv2dGeometry): number[] {
  return [g.batch, g.outHeight, g.outWidth, g.outChannels];
}

/** Checks a shape argument of an internal op: `rank` non-negative integers. */
export function checkShape(op: string, arg: string, shape: unknown, rank: number, what: string): readonly number[] {
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw argError(op, arg, `${rank} non-negative integers ${what}`, shape);
  }
  return shape as readonly number[];
}

const NHWC = 'a rank-4 float32 or float64 tensor [batch, height, width, channels] (NHWC)';

/** A rank-4 float tensor argument (NHWC data). */
export function nhwc(op: string, arg: string, value: unknown): Tensor {
  const t = toTensor(op, arg, value);
  if (t.rank !== 4) throw argError(op, arg, NHWC, t);
  if (!isFloat(t.dtype)) throw argTypeError(op, arg, NHWC, t);
  return t;
}
