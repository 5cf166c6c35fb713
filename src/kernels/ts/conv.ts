import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry } from '../types.js';

/**
 * The reference convolution and pooling kernels: direct loops over NHWC data, every sum in float64 (JS numbers)
 * and rounded once on the write. Slow and plain on purpose: the other kernel sets are compared with these.
 */

/** Input row (or column) read by output position o and filter tap f, or −1 when it falls in the padding. */
function source(o: number, f: number, stride: number, dilation: number, pad: number, size: number): number {
  const i = o * stride - pad + f * dilation;
  return i >= 0 && i < size ? i : -1;
}

export function conv2d(x: TypedArray, filter: TypedArray, out: TypedArray, g: Conv2dGeometry): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: K } = g;
  const acc = new Float64Array(K);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        acc.fill(0);
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = source(oy, fy, g.strideHeight, g.dilationHeight, g.padTop, H);
          if (iy < 0) continue;
          for (let fx = 0; fx < g.filterWidth; fx++) {
            const ix = source(ox, fx, g.strideWidth, g.dilationWidth, g.padLeft, W);
            if (ix < 0) continue;
            const xBase = ((b * H + iy) * W + ix) * C;
            const fBase = (fy * g.filterWidth + fx) * C * K;
            for (let c = 0; c < C; c++) {
              const v = x[xBase + c] as number;
              const row = fBase + c * K;
              for (let k = 0; k < K; k++) acc[k] += v * (filter[row + k] as number);
            }
          }
        }
        const oBase = ((b * OH + oy) * OW + ox) * K;
        for (let k = 0; k < K; k++) out[oBase + k] = acc[k];
      }
    }
  }
}

export function conv2dBackpropInput(dy: TypedArray, filter: TypedArray, dx: TypedArray, g: Conv2dGeometry): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: K } = g;
  const acc = new Float64Array(dx.length);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const dyBase = ((b * OH + oy) * OW + ox) * K;
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = source(oy, fy, g.strideHeight, g.dilationHeight, g.padTop, H);
          if (iy < 0) continue;
          for (let fx = 0; fx < g.filterWidth; fx++) {
            const ix = source(ox, fx, g.strideWidth, g.dilationWidth, g.padLeft, W);
            if (ix < 0) continue;
            const xBase = ((b * H + iy) * W + ix) * C;
            const fBase = (fy * g.filterWidth + fx) * C * K;
            for (let c = 0; c < C; c++) {
              const row = fBase + c * K;
              let s = 0;
              for (let k = 0; k < K; k++) s += (dy[dyBase + k] as number) * (filter[row + k] as number);
              acc[xBase + c] += s;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
}

export function conv2dBackpropFilter(x: TypedArray, dy: TypedArray, dFilter: TypedArray, g: Conv2dGeometry): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: K } = g;
  const acc = new Float64Array(dFilter.length);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const dyBase = ((b * OH + oy) * OW + ox) * K;
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = source(oy, fy, g.strideHeight, g.dilationHeight, g.padTop, H);
          if (iy < 0) continue;
          for (let fx = 0; fx < g.filterWidth; fx++) {
            const ix = source(ox, fx, g.strideWidth, g.dilationWidth, g.padLeft, W);
            if (ix < 0) continue;
            const xBase = ((b * H + iy) * W + ix) * C;
            const fBase = (fy * g.filterWidth + fx) * C * K;
            for (let c = 0; c < C; c++) {
              const v = x[xBase + c] as number;
              const row = fBase + c * K;
              for (let k = 0; k < K; k++) acc[row + k] += v * (dy[dyBase + k] as number);
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < dFilter.length; i++) dFilter[i] = acc[i];
}

/** The taps f of one axis whose input index o·stride − pad + f·dilation falls inside [0, size): [lo, hi). */
function tapRange(o: number, filter: number, stride: number, dilation: number, pad: number, size: number): [number, number] {
  const start = o * stride - pad;
  // Only in-bounds taps are visited, so a huge window (a pool of 10^9 with 'same' padding) costs its in-bounds part.
  const lo = start >= 0 ? 0 : Math.ceil(-start / dilation);
  const hi = Math.min(filter, Math.ceil((size - start) / dilation));
  return [lo, Math.max(lo, hi)];
}

/** Calls visit(outIndex, xIndex) for each in-bounds element of each pooling window, in window order. */
function forEachWindow(g: Conv2dGeometry, start: (o: number) => void, visit: (o: number, i: number) => void): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const [fy0, fy1] = tapRange(oy, g.filterHeight, g.strideHeight, g.dilationHeight, g.padTop, H);
      for (let ox = 0; ox < OW; ox++) {
        const [fx0, fx1] = tapRange(ox, g.filterWidth, g.strideWidth, g.dilationWidth, g.padLeft, W);
        const oBase = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) start(oBase + c);
        for (let fy = fy0; fy < fy1; fy++) {
          const iy = oy * g.strideHeight - g.padTop + fy * g.dilationHeight;
          for (let fx = fx0; fx < fx1; fx++) {
            const ix = ox * g.strideWidth - g.padLeft + fx * g.dilationWidth;
            const xBase = ((b * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) visit(oBase + c, xBase + c);
          }
        }
      }
    }
  }
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
