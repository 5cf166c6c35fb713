import { beforeAll, describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/index.js';
import type { Conv2dGeometry, Kernels } from '../../src/kernels/types.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { randomArray } from './helpers.js';

/*
 * The wasm convolution and pooling glue's own cases (the shared spec suite, spec-conv.ts, runs on every set):
 * chunks of output pixels that split images, several image chunks, row splits over a worker thread, every
 * accumulation, and pools against the reference bit for bit.
 */

type Shape = Omit<Conv2dGeometry, 'outHeight' | 'outWidth'>;

function geometry(s: Shape): Conv2dGeometry {
  const span = (size: number, f: number, stride: number, dilation: number, pad: number, padEnd: number) =>
    Math.max(0, Math.floor((size + pad + padEnd - (f - 1) * dilation - 1) / stride) + 1);
  return {
    ...s,
    outHeight: span(s.inHeight, s.filterHeight, s.strideHeight, s.dilationHeight, s.padTop, s.padTop),
    outWidth: span(s.inWidth, s.filterWidth, s.strideWidth, s.dilationWidth, s.padLeft, s.padLeft + 1),
  };
}

const base = { strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0 };
const CONVS: [string, Conv2dGeometry][] = [
  ['3×3 valid, 1 → 32 channels', geometry({ ...base, batch: 5, inHeight: 12, inWidth: 11, inChannels: 1, outChannels: 32, filterHeight: 3, filterWidth: 3 })],
  ['3×3 valid, 32 → 64 channels', geometry({ ...base, batch: 3, inHeight: 13, inWidth: 13, inChannels: 32, outChannels: 64, filterHeight: 3, filterWidth: 3 })],
  [
    'padded, strided, dilated, odd channels',
    geometry({
      ...base,
      batch: 2,
      inHeight: 9,
      inWidth: 10,
      inChannels: 3,
      outChannels: 7,
      filterHeight: 3,
      filterWidth: 2,
      padTop: 2,
      padLeft: 1,
      strideHeight: 2,
      dilationWidth: 2,
    }),
  ],
  [
    'stride 1, dilated, padded beyond the filter, odd channels',
    geometry({
      ...base,
      batch: 2,
      inHeight: 8,
      inWidth: 9,
      inChannels: 3,
      outChannels: 7,
      filterHeight: 2,
      filterWidth: 3,
      padTop: 3,
      padLeft: 1,
      dilationHeight: 2,
    }),
  ],
  ['1×1', geometry({ ...base, batch: 2, inHeight: 4, inWidth: 5, inChannels: 5, outChannels: 3, filterHeight: 1, filterWidth: 1 })],
  [
    'filter wider than the padded input',
    geometry({ ...base, batch: 1, inHeight: 2, inWidth: 2, inChannels: 2, outChannels: 2, filterHeight: 4, filterWidth: 4, padTop: 1, padLeft: 1 }),
  ],
  // One image of 4096 output pixels: chunks of pixels split it.
  ['one big image', geometry({ ...base, batch: 1, inHeight: 66, inWidth: 66, inChannels: 8, outChannels: 16, filterHeight: 3, filterWidth: 3 })],
  // Several image chunks, and enough work to split over a worker.
  [
    'batch 4 of 28×28',
    geometry({ ...base, batch: 4, inHeight: 28, inWidth: 28, inChannels: 4, outChannels: 32, filterHeight: 3, filterWidth: 3, padTop: 1, padLeft: 1 }),
  ],
];

const POOLS: [string, Conv2dGeometry][] = [
  [
    '2×2 stride 2',
    geometry({ ...base, batch: 3, inHeight: 13, inWidth: 12, inChannels: 9, outChannels: 9, filterHeight: 2, filterWidth: 2, strideHeight: 2, strideWidth: 2 }),
  ],
  [
    '3×3 stride 1 padded (overlapping windows)',
    geometry({ ...base, batch: 2, inHeight: 7, inWidth: 6, inChannels: 6, outChannels: 6, filterHeight: 3, filterWidth: 3, padTop: 1, padLeft: 1 }),
  ],
  // Several image chunks.
  [
    'batch 9 of 26×26×32',
    geometry({
      ...base,
      batch: 9,
      inHeight: 26,
      inWidth: 26,
      inChannels: 32,
      outChannels: 32,
      filterHeight: 2,
      filterWidth: 2,
      strideHeight: 2,
      strideWidth: 2,
    }),
  ],
];

/**
 * Within the error of any order of summing `terms` products whose absolute values sum to magnitude[i]; `exact`:
 * float64 sums of float32 data, one rounding (an ulp apart from the reference's, which sums in another order).
 */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  magnitude: ArrayLike<number>,
  single: boolean,
  terms: number,
  exact: boolean,
): void {
  expect(actual.length).toBe(expected.length);
  const u = single ? 2 ** -24 : 2 ** -53;
  for (let i = 0; i < expected.length; i++) {
    const sums = (exact ? 2 ** -53 : u) * (terms + 1) * magnitude[i];
    const bound = sums + 2 * u * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) expect.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]}, bound ${bound}`);
  }
}

/** The same values (NaN equal to NaN, −0 apart from 0). */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const abs = <T extends Float32Array | Float64Array>(a: T): T => a.map(Math.abs) as T;

const sets: [string, () => Promise<Kernels | null>, boolean][] = [
  ['wasm-simd', () => createWasmKernels({ flavor: 'simd' }), true],
  ['wasm-simd float32-sums', () => createWasmKernels({ flavor: 'simd', matMulAccumulation: 'float32' }), false],
  ['wasm-simd 1-worker', () => createWasmKernels({ flavor: 'simd', workers: 1 }), true],
];

describe.each(sets)('%s convolutions and pools', (_name, load, wide) => {
  let k: Kernels;
  beforeAll(async () => {
    const set = await load();
    if (!set) throw new Error('no wasm SIMD');
    k = set;
  });

  for (const Type of [Float32Array, Float64Array]) {
    const single = Type === Float32Array;
    // Float64 sums of float32 products round once: within an ulp of the float64 reference.
    const exact = single && wide;
    for (const [name, g] of CONVS) {
      const xs = g.batch * g.inHeight * g.inWidth * g.inChannels;
      const fs = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
      const ys = g.batch * g.outHeight * g.outWidth * g.outChannels;
      const terms = g.batch * g.outHeight * g.outWidth;
      it(`conv2d and its gradients, ${name}, ${Type.name}`, () => {
        const x = randomArray(Type, xs, 1, 1);
        const f = randomArray(Type, fs, 1, 2);
        const dy = randomArray(Type, ys, 1, 3);
        const out = new Type(ys).fill(NaN);
        k.conv2d(x, f, out, g);
        const ref = new Type(ys);
        tsKernels.conv2d(x, f, ref, g);
        const mag = new Float64Array(ys);
        tsKernels.conv2d(abs(x), abs(f), mag, g);
        expectClose(out, ref, mag, single, g.filterHeight * g.filterWidth * g.inChannels, exact);
        const dx = new Type(xs).fill(NaN);
        k.conv2dBackpropInput(dy, f, dx, g);
        const dxRef = new Type(xs);
        tsKernels.conv2dBackpropInput(dy, f, dxRef, g);
        const dxMag = new Float64Array(xs);
        tsKernels.conv2dBackpropInput(abs(dy), abs(f), dxMag, g);
        expectClose(dx, dxRef, dxMag, single, g.filterHeight * g.filterWidth * g.outChannels, exact);
        const df = new Type(fs).fill(NaN);
        k.conv2dBackpropFilter(x, dy, df, g);
        const dfRef = new Type(fs);
        tsKernels.conv2dBackpropFilter(x, dy, dfRef, g);
        const dfMag = new Float64Array(fs);
        tsKernels.conv2dBackpropFilter(abs(x), abs(dy), dfMag, g);
        expectClose(df, dfRef, dfMag, single, terms, exact);
      });
    }

    for (const [name, g] of POOLS) {
      const xs = g.batch * g.inHeight * g.inWidth * g.inChannels;
      const ys = g.batch * g.outHeight * g.outWidth * g.inChannels;
      it(`pools and their gradients match the reference bit for bit, ${name}, ${Type.name}`, () => {
        const x = randomArray(Type, xs, 1, 4);
        // Ties and NaN: the first maximum wins, a NaN propagates.
        for (let i = 0; i < xs; i += 7) x[i] = x[i + 1] ?? 0;
        for (let i = 5; i < xs; i += 97) x[i] = NaN;
        const dy = randomArray(Type, ys, 1, 5);
        const out = new Type(ys).fill(7);
        const at = new Int32Array(ys).fill(7);
        k.maxPool(x, out, at, g);
        const ref = new Type(ys);
        const atRef = new Int32Array(ys);
        tsKernels.maxPool(x, ref, atRef, g);
        expectSame(out, ref);
        expectSame(at, atRef);
        const noArg = new Type(ys);
        k.maxPool(x, noArg, null, g);
        expectSame(noArg, ref);
        const dx = new Type(xs).fill(7);
        k.maxPoolBackprop(dy, at, dx, g);
        const dxRef = new Type(xs);
        tsKernels.maxPoolBackprop(dy, atRef, dxRef, g);
        expectSame(dx, dxRef);
        const avg = new Type(ys).fill(7);
        k.avgPool(x, avg, g);
        const avgRef = new Type(ys);
        tsKernels.avgPool(x, avgRef, g);
        expectSame(avg, avgRef);
        const dxAvg = new Type(xs).fill(7);
        k.avgPoolBackprop(dy, dxAvg, g);
        const dxAvgRef = new Type(xs);
        tsKernels.avgPoolBackprop(dy, dxAvgRef, g);
        expectSame(dxAvg, dxAvgRef);
      });
    }
  }

  it('maxPoolBackprop with an argMax index outside its image gives the reference result', () => {
    const g = POOLS[0][1];
    const ys = g.batch * g.outHeight * g.outWidth * g.inChannels;
    const xs = g.batch * g.inHeight * g.inWidth * g.inChannels;
    const at = new Int32Array(ys).map((_, i) => (i * 37) % xs);
    at[3] = -1;
    const dy = randomArray(Float32Array, ys, 1, 6);
    const dx = new Float32Array(xs).fill(7);
    k.maxPoolBackprop(dy, at, dx, g);
    const ref = new Float32Array(xs);
    tsKernels.maxPoolBackprop(dy, at, ref, g);
    expectSame(dx, ref);
  });

  it('a non-finite dy or weight with padding gives the reference result (big enough for the threads)', () => {
    const g = CONVS.find(([name]) => name.startsWith('batch 4'))![1];
    const x = randomArray(Float32Array, g.batch * g.inHeight * g.inWidth * g.inChannels, 1, 9);
    const f = randomArray(Float32Array, g.filterHeight * g.filterWidth * g.inChannels * g.outChannels, 1, 10);
    const dy = randomArray(Float32Array, g.batch * g.outHeight * g.outWidth * g.outChannels, 1, 11);
    dy[5] = -Infinity;
    f[3] = NaN;
    for (const [what, size, run] of [
      ['conv2d', dy.length, (set: Kernels, out: Float32Array) => set.conv2d(x, f, out, g)],
      ['conv2dBackpropFilter', f.length, (set: Kernels, out: Float32Array) => set.conv2dBackpropFilter(x, dy, out, g)],
    ] as const) {
      const ours = new Float32Array(size).fill(7);
      const ref = new Float32Array(size);
      run(k, ours);
      run(tsKernels, ref);
      for (let i = 0; i < size; i++) {
        if (Number.isFinite(ours[i]) !== Number.isFinite(ref[i])) expect.fail(`${what}: element ${i}: got ${ours[i]}, expected ${ref[i]}`);
      }
    }
  });

  it('int32 arrays run the reference', () => {
    const g = CONVS[2][1];
    const x = randomArray(Int32Array, g.batch * g.inHeight * g.inWidth * g.inChannels, 5, 7);
    const f = randomArray(Int32Array, g.filterHeight * g.filterWidth * g.inChannels * g.outChannels, 5, 8);
    const out = new Int32Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
    const ref = new Int32Array(out.length);
    k.conv2d(x, f, out, g);
    tsKernels.conv2d(x, f, ref, g);
    expectSame(out, ref);
  });
});
