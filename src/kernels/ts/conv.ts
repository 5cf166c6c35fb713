import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry } from '../types.js';
import { biasRelu } from './elementwise.js';

/**
 * The reference convolution and pooling kernels: direct loops over NHWC data, every sum in float64 (JS numbers)
 * and rounded once on the write. Slow and plain on purpose: the other kernel sets are compared with these.
 */

/** The taps f of one axis whose input index o·stride − pad + f·dilation falls inside [0, size): [lo, hi). */
function tapRange(o: number, filter: number, stride: number, dilation: number, pad: number, size: number): [number, number] {
  const start = o * stride - pad;
  // Only in-bounds taps are visited, so a huge window (a pool of 10^9 with 'same' padding) costs its in-bounds part.
  const lo = start >= 0 ? 0 : Math.ceil(-start / dilation);
  const hi = Math.min(filter, Math.ceil((size - start) / dilation));
  return [lo, Math.max(lo, hi)];
}

/**
 * The one traversal of every kernel here: for each output pixel in row-major order, pixel(o) with o its first
 * element's index (outChannels per pixel), then tap(o, i, t) for each in-bounds tap of its window in window order,
 * with i the tapped input pixel's first element's index and t = fy·filterWidth + fx the tap's index in the filter.
 */
function forEachTap(g: Conv2dGeometry, pixel: ((o: number) => void) | null, tap: (o: number, i: number, t: number) => void): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: K } = g;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const [fy0, fy1] = tapRange(oy, g.filterHeight, g.strideHeight, g.dilationHeight, g.padTop, H);
      for (let ox = 0; ox < OW; ox++) {
        const [fx0, fx1] = tapRange(ox, g.filterWidth, g.strideWidth, g.dilationWidth, g.padLeft, W);
        const o = ((b * OH + oy) * OW + ox) * K;
        pixel?.(o);
        for (let fy = fy0; fy < fy1; fy++) {
          const iy = oy * g.strideHeight - g.padTop + fy * g.dilationHeight;
          for (let fx = fx0; fx < fx1; fx++) {
            const ix = ox * g.strideWidth - g.padLeft + fx * g.dilationWidth;
            tap(o, ((b * H + iy) * W + ix) * C, fy * g.filterWidth + fx);
          }
        }
      }
    }
  }
}

export function conv2d(x: TypedArray, filter: TypedArray, out: TypedArray, g: Conv2dGeometry): void {
  const { inChannels: C, outChannels: K } = g;
  const acc = new Float64Array(out.length);
  forEachTap(g, null, (o, i, t) => {
    for (let c = 0; c < C; c++) {
      const v = x[i + c] as number;
      const row = (t * C + c) * K;
      for (let k = 0; k < K; k++) acc[o + k] += v * (filter[row + k] as number);
    }
  });
  for (let j = 0; j < out.length; j++) out[j] = acc[j];
}

/** conv2d, then biasRelu on its output in place. */
export function conv2dBiasRelu(x: TypedArray, filter: TypedArray, bias: TypedArray, out: TypedArray, g: Conv2dGeometry): void {
  conv2d(x, filter, out, g);
  biasRelu(out, bias, out);
}

export function conv2dBackpropInput(dy: TypedArray, filter: TypedArray, dx: TypedArray, g: Conv2dGeometry): void {
  const { inChannels: C, outChannels: K } = g;
  const acc = new Float64Array(dx.length);
  forEachTap(g, null, (o, i, t) => {
    for (let c = 0; c < C; c++) {
      const row = (t * C + c) * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += (dy[o + k] as number) * (filter[row + k] as number);
      acc[i + c] += s;
    }
  });
  for (let j = 0; j < dx.length; j++) dx[j] = acc[j];
}

export function conv2dBackpropFilter(x: TypedArray, dy: TypedArray, dFilter: TypedArray, g: Conv2dGeometry): void {
  const { inChannels: C, outChannels: K } = g;
  const acc = new Float64Array(dFilter.length);
  forEachTap(g, null, (o, i, t) => {
    for (let c = 0; c < C; c++) {
      const v = x[i + c] as number;
      const row = (t * C + c) * K;
      for (let k = 0; k < K; k++) acc[row + k] += v * (dy[o + k] as number);
    }
  });
  for (let j = 0; j < dFilter.length; j++) dFilter[j] = acc[j];
}

/** Calls visit(outIndex, xIndex) for each in-bounds element of each pooling window, in window order. */
function forEachWindow(g: Conv2dGeometry, start: (o: number) => void, visit: (o: number, i: number) => void): void {
  const C = g.inChannels;
  forEachTap(
    g,
    (o) => {
      for (let c = 0; c < C; c++) start(o + c);
    },
    (o, i) => {
      for (let c = 0; c < C; c++) visit(o + c, i + c);
    },
  );
}

export function maxPool(x: TypedArray, out: TypedArray, argMax: Int32Array | null, g: Conv2dGeometry): void {
  const best = new Float64Array(out.length);
  const at = argMax ?? new Int32Array(out.length);
  forEachWindow(
    g,
    (o) => {
      best[o] = -Infinity;
      at[o] = -1;
    },
    (o, i) => {
      const v = x[i] as number;
      // The first maximum; a NaN wins and then stays (it propagates, as TensorFlow's and PyTorch's max pools).
      if (at[o] < 0 || (v > best[o] && !Number.isNaN(best[o])) || (Number.isNaN(v) && !Number.isNaN(best[o]))) {
        best[o] = v;
        at[o] = i;
      }
    },
  );
  for (let o = 0; o < out.length; o++) out[o] = best[o];
}

export function maxPoolBackprop(dy: TypedArray, argMax: Int32Array, dx: TypedArray, _g: Conv2dGeometry): void {
  const acc = new Float64Array(dx.length);
  for (let o = 0; o < argMax.length; o++) if (argMax[o] >= 0) acc[argMax[o]] += dy[o] as number;
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
}

/** In-bounds elements of each pooling window (padding is not counted). */
function windowCounts(g: Conv2dGeometry, n: number): Float64Array {
  const counts = new Float64Array(n);
  forEachWindow(
    g,
    () => {},
    (o) => counts[o]++,
  );
  return counts;
}

export function avgPool(x: TypedArray, out: TypedArray, g: Conv2dGeometry): void {
  const sums = new Float64Array(out.length);
  forEachWindow(
    g,
    () => {},
    (o, i) => (sums[o] += x[i] as number),
  );
  const counts = windowCounts(g, out.length);
  for (let o = 0; o < out.length; o++) out[o] = sums[o] / counts[o];
}

export function avgPoolBackprop(dy: TypedArray, dx: TypedArray, g: Conv2dGeometry): void {
  const counts = windowCounts(g, dy.length);
  const acc = new Float64Array(dx.length);
  forEachWindow(
    g,
    () => {},
    (o, i) => (acc[i] += (dy[o] as number) / counts[o]),
  );
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
}
