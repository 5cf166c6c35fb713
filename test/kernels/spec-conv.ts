import { expect } from 'vitest';
import { describe, it } from './names.js';
import { tsKernels } from '../../src/kernels/index.js';
import type { Conv2dGeometry, Kernels } from '../../src/kernels/types.js';
import { type FloatArrayType, randomArray, ulpOf, worstOverTolerance } from './helpers.js';
import { expectSameValues } from './spec-elementwise.js';

/*
 * The convolution and pooling kernels against the TypeScript reference (direct loops, float64 sums rounded once).
 *
 * Tolerances, with S = Σ|terms| of an output (the reference run on |inputs|), n the terms it sums (the depth) and
 * u = 2^-53 (float64) or 2^-24 (float32):
 *  - float64 data: |ours − reference| ≤ 2(n + 1)·u·S + u·|reference| (both are float64 sums in some order).
 *  - float32 data, on a set whose matMul sums float32 products in float64 (the default; found by a probe, below):
 *    one float32 ulp of the reference's result, plus the slack of a float64 sum in another order, 2(n + 1)·2^-53·S
 *    (it matters only where the terms cancel to far below S). In practice: the reference's bits or 1 ulp away.
 *  - float32 data on a set that sums in float32 (matMulAccumulation: 'float32'): (n + 1)·2^-24·S + 2^-24·|reference|,
 *    the bound of any summation order, as spec-matmul.ts allows matMul.
 * maxPool and its argMax are exact (a maximum is a choice, not a sum). Every output starts full of NaN (stale
 * values from the training loop's recycler): a kernel must write every element.
 */

type Padding = 'same' | 'valid' | { top: number; left: number; outHeight: number; outWidth: number };

interface Case {
  batch: number;
  h: number;
  w: number;
  c: number;
  /** Output channels (convolution only). */
  k: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padding: Padding;
}

function conv(
  batch: number,
  h: number,
  w: number,
  c: number,
  k: number,
  f: number | [number, number],
  s: number | [number, number],
  padding: Padding,
  d = 1,
): Case {
  const [fh, fw] = typeof f === 'number' ? [f, f] : f;
  const [sh, sw] = typeof s === 'number' ? [s, s] : s;
  return { batch, h, w, c, k, fh, fw, sh, sw, dh: d, dw: d, padding };
}

/** TensorFlow's output size and padding rule for 'same' and 'valid'. */
function geometry(c: Case, pool = false): Conv2dGeometry {
  const side = (size: number, f: number, s: number, d: number): [number, number] => {
    const extent = (f - 1) * d + 1;
    if (c.padding === 'valid') return [Math.floor((size - extent) / s) + 1, 0];
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + extent - size, 0) / 2)];
  };
  let [outHeight, padTop] = side(c.h, c.fh, c.sh, c.dh);
  let [outWidth, padLeft] = side(c.w, c.fw, c.sw, c.dw);
  if (typeof c.padding === 'object') ({ top: padTop, left: padLeft, outHeight, outWidth } = c.padding);
  return {
    batch: c.batch,
    inHeight: c.h,
    inWidth: c.w,
    inChannels: c.c,
    outHeight,
    outWidth,
    outChannels: pool ? c.c : c.k,
    filterHeight: c.fh,
    filterWidth: c.fw,
    strideHeight: c.sh,
    strideWidth: c.sw,
    dilationHeight: c.dh,
    dilationWidth: c.dw,
    padTop,
    padLeft,
  };
}

function describeCase(g: Conv2dGeometry, pool = false): string {
  const pad = g.padTop || g.padLeft ? `pad ${g.padTop},${g.padLeft}` : 'no pad';
  const dil = g.dilationHeight > 1 || g.dilationWidth > 1 ? ` dilation ${g.dilationHeight}×${g.dilationWidth}` : '';
  const channels = pool ? `${g.inChannels}` : `${g.inChannels}→${g.outChannels}`;
  return (
    `${g.batch}×${g.inHeight}×${g.inWidth}, channels ${channels}, ${g.filterHeight}×${g.filterWidth} stride ${g.strideHeight}×${g.strideWidth}` +
    `${dil}, ${pad} → ${g.outHeight}×${g.outWidth}`
  );
}

// Channel counts 1, 3, 32, 64 and odd ones (SIMD tails); filters 1×1, 3×3, 5×5 and a non-square one; strides 1 and
// 2; dilation 2; 'same' padding (TensorFlow's rule), 'valid', and explicit padding wider than the filter (output
// pixels that read only zeros). The network that matters: 28×28×1 → 32 and 13×13×32 → 64, 3×3 valid. The last
// cases are big enough for a set to split them over threads.
const CONV_CASES: Case[] = [
  conv(1, 5, 5, 1, 1, 3, 1, 'valid'),
  conv(2, 7, 6, 3, 5, 3, 1, 'same'),
  conv(3, 9, 8, 32, 64, 3, 1, 'valid'),
  conv(2, 11, 10, 64, 32, 3, 2, 'same'),
  conv(1, 12, 12, 7, 13, 5, 1, 'same'),
  conv(2, 13, 11, 3, 17, 5, 2, 'valid'),
  conv(1, 10, 9, 5, 6, 3, 1, 'same', 2),
  conv(2, 15, 14, 9, 10, 3, 2, 'valid', 2),
  conv(2, 9, 9, 33, 31, 1, 1, 'valid'),
  conv(2, 8, 8, 4, 8, 1, 2, 'valid'),
  conv(1, 7, 8, 6, 4, [2, 3], [1, 2], 'same'),
  conv(2, 6, 5, 64, 1, 3, 1, 'same'),
  conv(1, 6, 6, 2, 3, 3, 1, { top: 3, left: 2, outHeight: 10, outWidth: 8 }),
  conv(2, 28, 28, 1, 32, 3, 1, 'valid'),
  conv(2, 13, 13, 32, 64, 3, 1, 'valid'),
  conv(8, 13, 13, 32, 64, 3, 1, 'valid'),
  conv(3, 20, 19, 16, 24, 3, 1, 'same'),
  // Few taps without padding, dilated or strided, output channels not a multiple of a vector.
  conv(2, 11, 12, 1, 20, 3, 1, 'valid', 2),
  conv(2, 9, 10, 2, 5, [2, 3], [2, 1], 'valid'),
  // Nine-tap windows (three rows of three adjacent taps): strided with padding and a lone pair of output channels, a
  // 3×1 filter on three channels, rows dilated and columns not.
  conv(2, 9, 8, 1, 6, 3, 2, 'same'),
  conv(1, 8, 7, 3, 10, [3, 1], 1, 'valid'),
  { ...conv(2, 12, 9, 1, 8, 3, 1, 'valid'), dh: 2 },
];

// Windows 2×2 (the network's pool, on an even and an odd input), overlapping 3×3 windows, 'same' padding.
const POOL_CASES: Case[] = [
  conv(2, 26, 26, 32, 0, 2, 2, 'valid'),
  conv(2, 11, 11, 64, 0, 2, 2, 'valid'),
  conv(1, 7, 7, 3, 0, 2, 2, 'valid'),
  conv(2, 9, 9, 5, 0, 3, 2, 'same'),
  conv(1, 6, 7, 33, 0, 3, 1, 'same'),
  conv(1, 5, 5, 64, 0, 2, 1, 'valid'),
  conv(2, 4, 4, 3, 0, 1, 1, 'valid'),
  conv(1, 11, 11, 17, 0, 5, 3, 'same'),
  conv(3, 8, 9, 1, 0, [3, 2], [2, 1], 'same'),
];

/** 2×2 windows, stride 2, over a convolution's output (the CNN's pools), cut to whole windows. */
function pool2x2Over(g: Conv2dGeometry): Conv2dGeometry {
  return {
    ...g,
    inHeight: g.outHeight,
    inWidth: g.outWidth,
    inChannels: g.outChannels,
    outHeight: Math.floor(g.outHeight / 2),
    outWidth: Math.floor(g.outWidth / 2),
    filterHeight: 2,
    filterWidth: 2,
    strideHeight: 2,
    strideWidth: 2,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 0,
    padLeft: 0,
  };
}

const TYPES: [string, FloatArrayType][] = [
  ['float32', Float32Array],
  ['float64', Float64Array],
];

const probed = new WeakMap<Kernels, boolean>();

/**
 * Whether the set sums float32 products in float64 (rounding once), read from its matMul: 16×1024·1024×16 products
 * whose float32 sums are tens of ulps off nearly everywhere, and a float64 sum in any order within one ulp of the
 * reference's rounding.
 */
function sumsInFloat64(set: Kernels): boolean {
  let known = probed.get(set);
  if (known === undefined) {
    const [m, depth, n] = [16, 1024, 16];
    const a = randomArray(Float32Array, m * depth, 1, 71);
    const b = randomArray(Float32Array, depth * n, 1, 72);
    const ours = new Float32Array(m * n);
    const ref = new Float32Array(m * n);
    set.matMul(a, b, ours, 1, m, depth, n, false, false, 0, 0);
    tsKernels.matMul(a, b, ref, 1, m, depth, n, false, false, 0, 0);
    known = ours.every((v, i) => Math.abs(v - ref[i]) <= ulpOf(ref[i], true));
    probed.set(set, known);
  }
  return known;
}

/** The reference's float64 result and S = Σ|terms|, memoized: every set compares with the same ones. */
const references = new Map<string, { exact: Float64Array; magnitude: Float64Array }>();

function reference(key: string, run: (set: Kernels, abs: boolean) => Float64Array): { exact: Float64Array; magnitude: Float64Array } {
  let found = references.get(key);
  if (!found) {
    found = { exact: run(tsKernels, false), magnitude: run(tsKernels, true) };
    references.set(key, found);
  }
  return found;
}

function toFloat64(x: ArrayLike<number>, abs: boolean): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = abs ? Math.abs(x[i]) : x[i];
  return out;
}

/** Fails unless `actual` is within the tolerance above of the reference (depth: the most terms one output sums). */
function expectClose(set: Kernels, actual: Float32Array | Float64Array, exact: Float64Array, magnitude: Float64Array, depth: number, what: string): void {
  const single = actual instanceof Float32Array;
  let expected: Float32Array | Float64Array = exact;
  let allowed: (i: number) => number;
  if (!single) {
    allowed = (i) => 2 * (depth + 1) * 2 ** -53 * magnitude[i] + 2 ** -53 * Math.abs(exact[i]);
  } else if (sumsInFloat64(set)) {
    expected = Float32Array.from(exact);
    allowed = (i) => ulpOf(expected[i], true) + 2 * (depth + 1) * 2 ** -53 * magnitude[i];
  } else {
    allowed = (i) => (depth + 1) * 2 ** -24 * magnitude[i] + 2 ** -24 * Math.abs(exact[i]);
  }
  const worst = worstOverTolerance(actual, expected, allowed);
  if (!(worst.ratio <= 1)) {
    const i = worst.at;
    expect.fail(
      `${what}: element ${i} of ${actual.length}: got ${actual[i]}, reference ${expected[i]} (allowed ±${allowed(i)}; ${worst.ratio.toPrecision(3)}× that)`,
    );
  }
}

export function convSpec(k: () => Kernels): void {
  for (const [dtype, Type] of TYPES) {
    describe(`conv2d and its gradients, ${dtype}`, () => {
      it('a 2×2 filter over a 3×3 image; a 1×1 filter mixes channels', () => {
        // 1×3×3×1 input 1..9, 2×2 filter [[1, 2], [3, 4]], valid: [[37, 47], [67, 77]].
        const g = geometry(conv(1, 3, 3, 1, 1, 2, 1, 'valid'));
        const out = new Type(4).fill(NaN);
        k().conv2d(new Type([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Type([1, 2, 3, 4]), out, g);
        expect(Array.from(out)).toEqual([37, 47, 67, 77]);
        // One pixel, 2 channels → 3 channels: [1, 2] · [[1, 2, 3], [4, 5, 6]] = [9, 12, 15].
        const mix = new Type(3).fill(NaN);
        k().conv2d(new Type([1, 2]), new Type([1, 2, 3, 4, 5, 6]), mix, geometry(conv(1, 1, 1, 2, 3, 1, 1, 'valid')));
        expect(Array.from(mix)).toEqual([9, 12, 15]);
      });

      // Each case dense, and with 70 % of x and dy zero (relu outputs and the gradients through relu and max pools
      // are mostly zeros: a set may take another path for them).
      for (const [c, zeros] of CONV_CASES.flatMap((c) => [[c, false] as const, [c, true] as const])) {
        const g = geometry(c);
        const xSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
        const fSize = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
        const ySize = g.batch * g.outHeight * g.outWidth * g.outChannels;
        const name = `${describeCase(g)}${zeros ? ', 70 % zeros' : ''}`;
        const seed = g.inChannels * 31 + g.outChannels * 7 + g.inHeight;
        const x = randomArray(Type, xSize, 1, seed);
        const filter = randomArray(Type, fSize, 1, seed + 1);
        const dy = randomArray(Type, ySize, 1, seed + 2);
        if (zeros) {
          for (const a of [x, dy]) for (let i = 0; i < a.length; i++) if (a[i] < 0.4) a[i] = 0;
        }
        const key = `${dtype} ${name}`;

        it(`conv2d: ${name}`, () => {
          const out = new Type(ySize).fill(NaN);
          k().conv2d(x, filter, out, g);
          const { exact, magnitude } = reference(`conv2d ${key}`, (set, abs) => {
            const r = new Float64Array(ySize);
            set.conv2d(toFloat64(x, abs), toFloat64(filter, abs), r, g);
            return r;
          });
          expectClose(k(), out, exact, magnitude, g.filterHeight * g.filterWidth * g.inChannels, 'conv2d');
        });

        it(`conv2dBiasRelu: ${name}: the set's own conv2d then biasRelu, bit for bit`, () => {
          const bias = randomArray(Type, g.outChannels, 1, seed + 3);
          const fused = new Type(ySize).fill(NaN);
          k().conv2dBiasRelu(x, filter, bias, fused, g);
          const composed = new Type(ySize).fill(NaN);
          k().conv2d(x, filter, composed, g);
          k().biasRelu(composed, bias, composed);
          expectSameValues(fused, composed, 'conv2dBiasRelu');
        });

        it(`conv2dBiasReluMaxPool: ${name}: the set's own conv2dBiasRelu then maxPool, bit for bit`, () => {
          const pool = pool2x2Over(g);
          const oh = pool.outHeight;
          const ow = pool.outWidth;
          const pooledSize = g.batch * oh * ow * g.outChannels;
          const bias = randomArray(Type, g.outChannels, 1, seed + 4);
          const composedY = new Type(ySize).fill(NaN);
          k().conv2dBiasRelu(x, filter, bias, composedY, g);
          const composed = new Type(pooledSize).fill(NaN);
          const composedAt = new Int32Array(pooledSize).fill(-7);
          k().maxPool(composedY, composed, composedAt, pool);
          for (const withArgMax of [true, false]) {
            const y = new Type(ySize).fill(NaN);
            const pooled = new Type(pooledSize).fill(NaN);
            const at = withArgMax ? new Int32Array(pooledSize).fill(-7) : null;
            const written = k().conv2dBiasReluMaxPool(x, filter, bias, y, pooled, at, g, pool);
            expectSameValues(pooled, composed, 'pooled');
            if (at) expect(at).toEqual(composedAt);
            if (written) expectSameValues(y, composedY, 'y');
          }
          // The first layer's gradient from the pool's (no gradient for x): the set's own calls, bit for bit.
          const relu = Type.from(composedY);
          for (let i = 0; i < ySize; i++) if (Number.isNaN(relu[i])) relu[i] = 0;
          const relPooled = new Type(pooledSize);
          const relAt = new Int32Array(pooledSize);
          k().maxPool(relu, relPooled, relAt, pool);
          const dPool = randomArray(Type, pooledSize, 1, seed + 5);
          const dFilter = new Type(fSize).fill(NaN);
          const dBias = new Type(g.outChannels).fill(NaN);
          k().maxPoolReluFilterGradient(dPool, relAt, relPooled, x, new Type(ySize), dFilter, dBias, g, pool);
          const dz = new Type(ySize);
          const composedBias = new Type(g.outChannels).fill(NaN);
          const composedFilter = new Type(fSize).fill(NaN);
          k().maxPoolBackpropReluPooled(dPool, relAt, relPooled, dz, composedBias, pool);
          k().conv2dBackpropFilter(x, dz, composedFilter, g);
          expectSameValues(dFilter, composedFilter, 'dFilter');
          expectSameValues(dBias, composedBias, 'dBias');
          // A NaN in x reaches y: a set must then write y (its gradient needs y's NaN). At the last element, it reaches
          // the last row and column of y, which the windows leave out when y's size is odd.
          for (const at of [0, xSize - 1]) {
            const withNaN = Type.from(x);
            withNaN[at] = NaN;
            const y = new Type(ySize).fill(NaN);
            const written = k().conv2dBiasReluMaxPool(withNaN, filter, bias, y, new Type(pooledSize), new Int32Array(pooledSize), g, pool);
            const expected = new Type(ySize);
            k().conv2dBiasRelu(withNaN, filter, bias, expected, g);
            // (A strided filter may skip that element: then y has no NaN.)
            if (expected.some((v) => Number.isNaN(v))) expect(written).toBe(true);
            if (written) expectSameValues(y, expected, 'y with a NaN');
          }
        });

        it(`conv2dBackpropInput: ${name}`, () => {
          const dx = new Type(xSize).fill(NaN);
          k().conv2dBackpropInput(dy, filter, dx, g);
          const { exact, magnitude } = reference(`input ${key}`, (set, abs) => {
            const r = new Float64Array(xSize);
            set.conv2dBackpropInput(toFloat64(dy, abs), toFloat64(filter, abs), r, g);
            return r;
          });
          expectClose(k(), dx, exact, magnitude, g.filterHeight * g.filterWidth * g.outChannels, 'conv2dBackpropInput');
        });

        it(`conv2dBackpropFilter: ${name}`, () => {
          const dFilter = new Type(fSize).fill(NaN);
          k().conv2dBackpropFilter(x, dy, dFilter, g);
          const { exact, magnitude } = reference(`filter ${key}`, (set, abs) => {
            const r = new Float64Array(fSize);
            set.conv2dBackpropFilter(toFloat64(x, abs), toFloat64(dy, abs), r, g);
            return r;
          });
          expectClose(k(), dFilter, exact, magnitude, g.batch * g.outHeight * g.outWidth, 'conv2dBackpropFilter');
        });
      }

      it("maxPoolReluFilterGradient: non-finite values, empty windows and stray maxima give the composition's bits", () => {
        // An image's first layer (a set may list the pool's maxima instead of making dz): its gradient from the pool's,
        // against the set's own maxPoolBackpropReluPooled then conv2dBackpropFilter, with what the listing must
        // treat as the composition does: NaN and ±Infinity in dy and in the pooled values (relu's step of NaN is
        // NaN, Infinity · 0 is NaN), −1 for a window without a maximum, an index outside its window, x not finite.
        // The last case spans several of the WebAssembly set's chunks of images.
        const cases = [
          conv(3, 12, 10, 1, 6, 3, 1, 'valid'),
          conv(2, 9, 8, 1, 10, 3, 2, 'same'),
          conv(2, 8, 7, 3, 6, [3, 1], 1, 'valid'),
          conv(24, 28, 28, 1, 6, 3, 1, 'valid'),
        ];
        for (const c of cases) {
          const g = geometry(c);
          const pool = pool2x2Over(g);
          const xSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
          const ySize = g.batch * g.outHeight * g.outWidth * g.outChannels;
          const fSize = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
          const size = g.batch * pool.outHeight * pool.outWidth * g.outChannels;
          const x = randomArray(Type, xSize, 1, 81);
          const y = randomArray(Type, ySize, 1, 82);
          for (let i = 0; i < ySize; i++) if (y[i] < 0) y[i] = 0;
          const pooled = new Type(size);
          const argMax = new Int32Array(size);
          k().maxPool(y, pooled, argMax, pool);
          const dy = randomArray(Type, size, 1, 83);
          const variants: [
            string,
            () => { x: Float32Array | Float64Array; dy: Float32Array | Float64Array; pooled: Float32Array | Float64Array; argMax: Int32Array },
          ][] = [
            ['as the pool gives them', () => ({ x, dy, pooled, argMax })],
            [
              'NaN and ±Infinity in dy',
              () => {
                const d = Type.from(dy);
                for (let i = 0; i < size; i += 7) d[i] = [NaN, Infinity, -Infinity][i % 3];
                return { x, dy: d, pooled, argMax };
              },
            ],
            [
              'NaN, negative and zero pooled values',
              () => {
                const p = Type.from(pooled);
                for (let i = 0; i < size; i += 5) p[i] = [NaN, -0.5, 0, -0][i % 4];
                return { x, dy, pooled: p, argMax };
              },
            ],
            [
              'windows without a maximum',
              () => {
                const a = Int32Array.from(argMax);
                for (let i = 0; i < size; i += 3) a[i] = -1;
                return { x, dy, pooled, argMax: a };
              },
            ],
            [
              'a maximum outside its window (the last channel)',
              () => {
                const a = Int32Array.from(argMax);
                a[size - 1] = a[0];
                return { x, dy, pooled, argMax: a };
              },
            ],
            [
              'a maximum outside its window (the first channel)',
              () => {
                const a = Int32Array.from(argMax);
                a[size - g.outChannels] = a[0];
                return { x, dy, pooled, argMax: a };
              },
            ],
            [
              'float64 products that underflow (a fused multiply-add rounds them to −0)',
              () => ({
                x: new Type(xSize).fill(Type === Float64Array ? 1e-200 : 0),
                dy: new Type(size).fill(Type === Float64Array ? -1e-200 : 0),
                pooled: new Type(size).fill(1),
                argMax,
              }),
            ],
            [
              'x not finite',
              () => {
                const xs = Type.from(x);
                xs[Math.floor(xSize / 2)] = Infinity;
                return { x: xs, dy, pooled, argMax };
              },
            ],
          ];
          for (const [what, make] of variants) {
            const v = make();
            const dFilter = new Type(fSize).fill(NaN);
            const dBias = new Type(g.outChannels).fill(NaN);
            k().maxPoolReluFilterGradient(v.dy, v.argMax, v.pooled, v.x, new Type(ySize), dFilter, dBias, g, pool);
            const dz = new Type(ySize);
            const composedBias = new Type(g.outChannels).fill(NaN);
            const composedFilter = new Type(fSize).fill(NaN);
            k().maxPoolBackpropReluPooled(v.dy, v.argMax, v.pooled, dz, composedBias, pool);
            k().conv2dBackpropFilter(v.x, dz, composedFilter, g);
            expectSameValues(dFilter, composedFilter, `dFilter, ${describeCase(g)}, ${what}`);
            expectSameValues(dBias, composedBias, `dBias, ${describeCase(g)}, ${what}`);
          }
        }
      });

      it('mostly zero inputs (dark pixels, relu outputs) give the reference result', () => {
        const g = geometry(conv(4, 14, 14, 8, 16, 3, 1, 'same'));
        const x = randomArray(Type, 4 * 14 * 14 * 8, 1, 5);
        const dy = randomArray(Type, 4 * 14 * 14 * 16, 1, 6);
        for (let i = 0; i < x.length; i++) if (x[i] < 0.4) x[i] = 0;
        for (let i = 0; i < dy.length; i++) if (dy[i] < 0.3) dy[i] = 0;
        const filter = randomArray(Type, 9 * 8 * 16, 1, 7);
        const out = new Type(dy.length).fill(NaN);
        k().conv2d(x, filter, out, g);
        const ref = reference(`zeros conv2d ${dtype}`, (set, abs) => {
          const r = new Float64Array(dy.length);
          set.conv2d(toFloat64(x, abs), toFloat64(filter, abs), r, g);
          return r;
        });
        expectClose(k(), out, ref.exact, ref.magnitude, 9 * 8, 'conv2d');
        const dFilter = new Type(filter.length).fill(NaN);
        k().conv2dBackpropFilter(x, dy, dFilter, g);
        const refF = reference(`zeros filter ${dtype}`, (set, abs) => {
          const r = new Float64Array(filter.length);
          set.conv2dBackpropFilter(toFloat64(x, abs), toFloat64(dy, abs), r, g);
          return r;
        });
        expectClose(k(), dFilter, refF.exact, refF.magnitude, 4 * 14 * 14, 'conv2dBackpropFilter');
        const dx = new Type(x.length).fill(NaN);
        k().conv2dBackpropInput(dy, filter, dx, g);
        const refI = reference(`zeros input ${dtype}`, (set, abs) => {
          const r = new Float64Array(x.length);
          set.conv2dBackpropInput(toFloat64(dy, abs), toFloat64(filter, abs), r, g);
          return r;
        });
        expectClose(k(), dx, refI.exact, refI.magnitude, 9 * 16, 'conv2dBackpropInput');
      });

      // Dense data, and mostly zero data where a set may list the nonzero values and skip the zeros: a skipped zero
      // must not hide 0 · Infinity or 0 · NaN.
      const nonFinite: [string, Case, boolean, 'x and dy' | 'dy' | 'x and filter'][] = [
        ['dense data, same padding', conv(2, 9, 9, 5, 7, 3, 1, 'same'), false, 'x and dy'],
        ['70 % zeros, valid padding', conv(2, 9, 9, 32, 64, 3, 1, 'valid'), true, 'x and dy'],
        ['70 % zeros, same padding', conv(2, 9, 9, 32, 64, 3, 1, 'same'), true, 'x and dy'],
        ['70 % zeros, valid padding, in dy alone', conv(2, 9, 9, 32, 64, 3, 1, 'valid'), true, 'dy'],
        ['70 % zeros, same padding, in dy alone', conv(2, 9, 9, 32, 64, 3, 1, 'same'), true, 'dy'],
        ['70 % zeros, an infinite weight', conv(2, 9, 9, 32, 64, 3, 1, 'valid'), true, 'x and filter'],
      ];
      for (const [name, c, zeros, where] of nonFinite) {
        it(`a NaN or an infinity reaches exactly the outputs it touches: ${name}`, () => {
          const g = geometry(c);
          const x = randomArray(Type, g.batch * g.inHeight * g.inWidth * g.inChannels, 1, 8);
          const filter = randomArray(Type, 9 * g.inChannels * g.outChannels, 1, 9);
          const dy = randomArray(Type, g.batch * g.outHeight * g.outWidth * g.outChannels, 1, 10);
          if (zeros) for (const a of [x, dy]) for (let i = 0; i < a.length; i++) if (a[i] < 0.4) a[i] = 0;
          const xPixel = g.inChannels;
          const yPixel = g.outChannels;
          if (where !== 'dy') x[(4 * g.inWidth + 4) * xPixel + 2] = NaN;
          if (where === 'x and dy') x[g.inHeight * g.inWidth * xPixel + (g.inWidth - 1) * xPixel + 1] = Infinity;
          if (where !== 'x and filter') {
            dy[(2 * g.outWidth + 3) * yPixel + 6] = NaN;
            dy[g.outHeight * g.outWidth * yPixel + (g.outHeight - 1) * g.outWidth * yPixel] = -Infinity;
          } else {
            filter[(4 * g.inChannels + 3) * g.outChannels + 5] = Infinity;
          }
          // Each kernel, and whether one of its operands holds the non-finite values.
          const runs: [string, number, boolean, (set: Kernels, out: Float32Array | Float64Array) => void][] = [
            ['conv2d', dy.length, where !== 'dy', (set, out) => set.conv2d(x, filter, out, g)],
            ['conv2dBackpropInput', x.length, true, (set, out) => set.conv2dBackpropInput(dy, filter, out, g)],
            ['conv2dBackpropFilter', filter.length, true, (set, out) => set.conv2dBackpropFilter(x, dy, out, g)],
          ];
          for (const [what, size, touched, run] of runs) {
            const ours = new Type(size).fill(NaN);
            const ref = new Type(size);
            run(k(), ours);
            run(tsKernels, ref);
            let notFinite = 0;
            for (let i = 0; i < size; i++) {
              const same = Number.isFinite(ours[i]) ? Number.isFinite(ref[i]) : Object.is(ours[i], ref[i]);
              if (!same) expect.fail(`${what}: element ${i}: got ${ours[i]}, reference ${ref[i]}`);
              if (!Number.isFinite(ref[i])) notFinite++;
            }
            // The case means something: the non-finite values reached some outputs, not all.
            if (touched) expect(notFinite, what).toBeGreaterThan(0);
            expect(notFinite, what).toBeLessThan(touched ? size : 1);
          }
        });
      }
    });

    describe(`pooling, ${dtype}`, () => {
      it('maxPool and avgPool of a 4×4 image by 2×2 windows', () => {
        const x = new Type([1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16]);
        const g = geometry(conv(1, 4, 4, 1, 0, 2, 2, 'valid'), true);
        const out = new Type(4).fill(NaN);
        const at = new Int32Array(4).fill(-7);
        k().maxPool(x, out, at, g);
        expect(Array.from(out)).toEqual([4, 8, 12, 16]);
        expect(Array.from(at)).toEqual([5, 7, 13, 15]);
        k().avgPool(x, out, g);
        expect(Array.from(out)).toEqual([2.5, 6.5, 10.5, 14.5]);
        const dx = new Type(16).fill(NaN);
        k().maxPoolBackprop(new Type([1, 2, 3, 4]), at, dx, g);
        expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]);
        k().avgPoolBackprop(new Type([4, 8, 12, 16]), dx, g);
        expect(Array.from(dx)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
      });

      it('maxPoolBackprop sums the values that share an index, turns a lone −0 into +0, skips −1', () => {
        // Disjoint 2×2 windows, but an argMax that is not maxPool's: index 5 twice (1e8 + 1 + 1 − 1e8 in float64 is
        // 2, in float32 steps 0), index 15 from −0 alone, one output skipped.
        const g = geometry(conv(2, 4, 4, 1, 0, 2, 2, 'valid'), true);
        const at = new Int32Array([5, 7, 5, 15, 16 + 5, 16 + 7, -1, 16 + 5]);
        const dy = new Type([1e8, 1, 1, -0, 3, 4, 5, -1e8]);
        const ours = new Type(32).fill(NaN);
        const ref = new Type(32);
        k().maxPoolBackprop(dy, at, ours, g);
        tsKernels.maxPoolBackprop(dy, at, ref, g);
        expectSameValues(ours, ref, 'maxPoolBackprop');
        expect(Object.is(ours[15], 0)).toBe(true);
        // Each index once (what maxPool gives), with a −0.
        const single = new Type(16).fill(NaN);
        k().maxPoolBackprop(new Type([1, 2, 3, -0]), new Int32Array([5, 7, 13, 15]), single, geometry(conv(1, 4, 4, 1, 0, 2, 2, 'valid'), true));
        expectSameValues(single, new Type([0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0]), 'one value per index');
      });

      for (const c of POOL_CASES) {
        const g = geometry(c, true);
        const xSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
        const ySize = g.batch * g.outHeight * g.outWidth * g.inChannels;
        const name = describeCase(g, true);
        const seed = g.inChannels * 13 + g.inHeight * 3 + g.filterHeight;
        const x = randomArray(Type, xSize, 1, seed);
        const dy = randomArray(Type, ySize, 1, seed + 1);
        // Windows overlap at most ⌈f/s⌉ per axis: the terms one dx element sums.
        const overlap = Math.ceil(g.filterHeight / g.strideHeight) * Math.ceil(g.filterWidth / g.strideWidth);

        it(`maxPool (values and argMax) and maxPoolBackprop: ${name}`, () => {
          const out = new Type(ySize).fill(NaN);
          const at = new Int32Array(ySize).fill(-7);
          const ref = new Type(ySize);
          const refAt = new Int32Array(ySize);
          k().maxPool(x, out, at, g);
          tsKernels.maxPool(x, ref, refAt, g);
          expect(out).toEqual(ref);
          expect(at).toEqual(refAt);
          const noIndex = new Type(ySize).fill(NaN);
          k().maxPool(x, noIndex, null, g);
          expect(noIndex).toEqual(ref);
          const dx = new Type(xSize).fill(NaN);
          k().maxPoolBackprop(dy, refAt, dx, g);
          const { exact, magnitude } = reference(`maxPoolBackprop ${dtype} ${name}`, (set, abs) => {
            const r = new Float64Array(xSize);
            set.maxPoolBackprop(toFloat64(dy, abs), refAt, r, g);
            return r;
          });
          expectClose(k(), dx, exact, magnitude, overlap, 'maxPoolBackprop');
        });

        it(`maxPoolBackpropRelu: ${name}: the set's own maxPoolBackprop, reluGrad and column sums, bit for bit`, () => {
          // y a relu output (zeros, a NaN, an infinity) and its maxPool's argMax; dy with negative values and −0.
          const y = new Type(xSize);
          for (let i = 0; i < xSize; i++) y[i] = x[i] < 0.2 ? 0 : x[i];
          // The first rows all zero: the first row of windows takes a zero, whose gradient the relu stops.
          y.fill(0, 0, g.filterHeight * g.inWidth * g.inChannels);
          y[Math.floor(xSize / 3)] = NaN;
          y[Math.floor(xSize / 2)] = Infinity;
          const at = new Int32Array(ySize);
          tsKernels.maxPool(y, new Type(ySize), at, g);
          const grad = new Type(ySize);
          grad.set(dy);
          for (let i = 3; i < ySize; i += 7) grad[i] = -0;
          const rows = xSize / g.inChannels;
          const fused = new Type(xSize).fill(NaN);
          const sums = new Type(g.inChannels).fill(NaN);
          k().maxPoolBackpropRelu(grad, at, y, fused, sums, g);
          const composed = new Type(xSize).fill(NaN);
          const composedSums = new Type(g.inChannels).fill(NaN);
          k().maxPoolBackprop(grad, at, composed, g);
          k().reluGrad(composed, y, composed);
          k().reduce('sum', composed, 1, rows, g.inChannels, composedSums);
          expectSameValues(fused, composed, 'dx');
          expectSameValues(sums, composedSums, 'column sums');
          // Values that went through and values the relu stopped.
          expect(Array.from(fused).some((v, i) => v !== 0 && y[i] > 0)).toBe(true);
          expect(Array.from(at).some((i) => y[i] === 0)).toBe(true);
        });

        it(`maxPoolBackpropReluPooled: ${name}: maxPoolBackpropRelu's bits from the pooled values, for a y without NaN`, () => {
          const y = new Type(xSize);
          for (let i = 0; i < xSize; i++) y[i] = x[i] < 0.2 ? 0 : x[i];
          y.fill(0, 0, g.filterHeight * g.inWidth * g.inChannels);
          y[Math.floor(xSize / 2)] = Infinity;
          const pooled = new Type(ySize);
          const at = new Int32Array(ySize);
          tsKernels.maxPool(y, pooled, at, g);
          const grad = new Type(ySize);
          grad.set(dy);
          for (let i = 3; i < ySize; i += 7) grad[i] = -0;
          const fused = new Type(xSize).fill(NaN);
          const sums = new Type(g.inChannels).fill(NaN);
          k().maxPoolBackpropReluPooled(grad, at, pooled, fused, sums, g);
          const composed = new Type(xSize).fill(NaN);
          const composedSums = new Type(g.inChannels).fill(NaN);
          k().maxPoolBackprop(grad, at, composed, g);
          k().reluGrad(composed, y, composed);
          k().reduce('sum', composed, 1, xSize / g.inChannels, g.inChannels, composedSums);
          expectSameValues(fused, composed, 'dx');
          expectSameValues(sums, composedSums, 'column sums');
          expect(Array.from(fused).some((v, i) => v !== 0 && y[i] > 0)).toBe(true);
          expect(Array.from(at).some((i) => y[i] === 0)).toBe(true);
        });

        it(`avgPool and avgPoolBackprop: ${name}`, () => {
          const out = new Type(ySize).fill(NaN);
          k().avgPool(x, out, g);
          const pooled = reference(`avgPool ${dtype} ${name}`, (set, abs) => {
            const r = new Float64Array(ySize);
            set.avgPool(toFloat64(x, abs), r, g);
            return r;
          });
          expectClose(k(), out, pooled.exact, pooled.magnitude, g.filterHeight * g.filterWidth + 1, 'avgPool');
          const dx = new Type(xSize).fill(NaN);
          k().avgPoolBackprop(dy, dx, g);
          const spread = reference(`avgPoolBackprop ${dtype} ${name}`, (set, abs) => {
            const r = new Float64Array(xSize);
            set.avgPoolBackprop(toFloat64(dy, abs), r, g);
            return r;
          });
          expectClose(k(), dx, spread.exact, spread.magnitude, 2 * overlap, 'avgPoolBackprop');
        });
      }

      it('maxPool ties: the first maximum in window order, a signed zero kept as found', () => {
        // Values from {−1, −0, 0, 1}: most windows hold ties; −0 and +0 compare equal, so the first one wins.
        for (const c of [conv(2, 8, 8, 3, 0, 2, 2, 'valid'), conv(1, 7, 9, 5, 0, 3, 1, 'same'), conv(2, 9, 9, 17, 0, 3, 2, 'same')]) {
          const g = geometry(c, true);
          const size = g.batch * g.inHeight * g.inWidth * g.inChannels;
          const levels = [-1, -0, 0, 1];
          const x = randomArray(Type, size, 2, size).map((v) => levels[Math.min(3, Math.floor(v + 2))]);
          const n = g.batch * g.outHeight * g.outWidth * g.inChannels;
          const out = new Type(n).fill(NaN);
          const at = new Int32Array(n).fill(-7);
          const ref = new Type(n);
          const refAt = new Int32Array(n);
          k().maxPool(x, out, at, g);
          tsKernels.maxPool(x, ref, refAt, g);
          expect(at).toEqual(refAt);
          for (let i = 0; i < n; i++) if (!Object.is(out[i], ref[i])) expect.fail(`element ${i}: got ${out[i]}, reference ${ref[i]}`);
        }
      });

      it('maxPool propagates NaN: the first NaN of a window wins (its index in argMax), and −Infinity is a value', () => {
        const g = geometry(conv(2, 9, 9, 7, 0, 3, 2, 'same'), true);
        const size = 2 * 81 * 7;
        const x = randomArray(Type, size, 1, 3);
        for (let i = 0; i < size; i += 11) x[i] = NaN;
        for (let i = 5; i < size; i += 13) x[i] = -Infinity;
        for (let i = 0; i < 7; i++) x[(3 * 9 + 3) * 7 + i] = Infinity;
        const n = 2 * 5 * 5 * 7;
        const out = new Type(n).fill(0);
        const at = new Int32Array(n).fill(-7);
        const ref = new Type(n);
        const refAt = new Int32Array(n);
        k().maxPool(x, out, at, g);
        tsKernels.maxPool(x, ref, refAt, g);
        expect(at).toEqual(refAt);
        expect(out).toEqual(ref);
        expect(Array.from(out).some(Number.isNaN)).toBe(true);
        // A window of −Infinity alone: its first element.
        const lone = new Type(4).fill(-Infinity);
        const one = new Type(1).fill(NaN);
        const oneAt = new Int32Array(1).fill(-7);
        k().maxPool(lone, one, oneAt, geometry(conv(1, 2, 2, 1, 0, 2, 2, 'valid'), true));
        expect([one[0], oneAt[0]]).toEqual([-Infinity, 0]);
      });
    });
  }
}
