/**
 * Test helpers: ulp distances, a small independent PRNG (so test inputs do not depend on the library's own
 * Random), random tensors and plain-JS reference implementations. Nothing here calls the op under test.
 */
import { expect } from 'vitest';
import { tensor, type Tensor, type NestedArray } from '../../src/index.js';

export type FloatDType = 'float32' | 'float64';
export const FLOAT_DTYPES: readonly FloatDType[] = ['float64', 'float32'];

const f64 = new Float64Array(1);
const u64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Position of x on the ordered line of float64 (or float32) values, so ulp distance = |ord(a) − ord(b)|. */
function ordinal(x: number, dtype: FloatDType): bigint {
  if (dtype === 'float64') {
    f64[0] = x;
    const b = u64[0];
    return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
  }
  f32[0] = x;
  const b = i32[0];
  return BigInt(b < 0 ? -(b & 0x7fffffff) : b);
}

/** Number of representable values between a and b in the dtype (0 = identical, Infinity if either is NaN). */
export function ulpDistance(a: number, b: number, dtype: FloatDType): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (dtype === 'float32') {
    if (Math.fround(a) !== a) throw new Error(`ulpDistance: ${a} is not a float32 value`);
    if (Math.fround(b) !== b) b = Math.fround(b);
  }
  const d = ordinal(a, dtype) - ordinal(b, dtype);
  return Number(d < 0n ? -d : d);
}

/** The size of one unit in the last place at x. */
export function ulp(x: number, dtype: FloatDType): number {
  const ax = Math.abs(x);
  if (dtype === 'float64') {
    if (ax < 2.2250738585072014e-308) return 5e-324;
    return 2 ** (Math.floor(Math.log2(ax)) - 52);
  }
  if (ax < 1.1754943508222875e-38) return 1.401298464324817e-45;
  return 2 ** (Math.floor(Math.log2(ax)) - 23);
}

export function expectUlp(actual: number, expected: number, maxUlp: number, dtype: FloatDType, what = ''): void {
  const d = ulpDistance(actual, dtype === 'float32' ? Math.fround(expected) : expected, dtype);
  if (d > maxUlp) {
    expect.fail(`${what} ${actual} is ${d} ulp (${dtype}) from ${expected}, allowed ${maxUlp}`);
  }
}

export function expectAllUlp(actual: ArrayLike<number>, expected: ArrayLike<number>, maxUlp: number, dtype: FloatDType, what = ''): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectUlp(actual[i], expected[i], maxUlp, dtype, `${what}[${i}]`);
}

/** |a − b| ≤ atol + rtol·|b| element-wise, with a readable failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-12, atol = 1e-12, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e)) continue;
    if (Number.isNaN(e) || Number.isNaN(a) || Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      expect.fail(`${what}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** mulberry32: a tiny seeded PRNG independent of the library. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32 values uniform in [lo, hi) from a seeded mulberry32 (a producer's test inputs and weights). */
export function uniformFloat32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from(randomValues(rng(seed), n, lo, hi));
}

/** max over rows of max_k |a − b| / max_k |a|: relative to the row's scale, so a near-zero logit is not a 1e-5 bar on its own. */
export function rowRelativeError(ours: ArrayLike<number>, theirs: ArrayLike<number>, classes: number): number {
  let worst = 0;
  for (let r = 0; r < ours.length / classes; r++) {
    let diff = 0;
    let scale = 0;
    for (let k = 0; k < classes; k++) {
      diff = Math.max(diff, Math.abs(ours[r * classes + k]! - theirs[r * classes + k]!));
      scale = Math.max(scale, Math.abs(ours[r * classes + k]!));
    }
    worst = Math.max(worst, diff / Math.max(scale, 1e-30));
  }
  return worst;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Uniform values in [lo, hi], re-drawn while closer than `margin` to any of `avoid` (kinks). */
export function randomValues(rand: () => number, n: number, lo = -2, hi = 2, avoid: readonly number[] = [], margin = 0.05): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = lo + (hi - lo) * rand();
    while (avoid.some((k) => Math.abs(v - k) < margin));
    out.push(v);
  }
  return out;
}

export function randomTensor(
  rand: () => number,
  shape: readonly number[],
  opts: { lo?: number; hi?: number; avoid?: readonly number[]; dtype?: FloatDType } = {},
): Tensor {
  const values = randomValues(rand, sizeOf(shape), opts.lo ?? -2, opts.hi ?? 2, opts.avoid ?? []);
  return tensor(Float64Array.from(values), { shape: [...shape], dtype: opts.dtype ?? 'float64' });
}

/** Values all at least `gap` apart (no ties even after float32 rounding), in random order. */
export function distinctValues(rand: () => number, n: number, lo = -3, gap = 0.01): number[] {
  const vals = Array.from({ length: n }, (_, i) => lo + i * gap * (1 + rand()));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return vals;
}

/** Flattens nested arrays (the shape of toArray()). */
export function flat(x: NestedArray | NestedArray[]): number[] {
  return Array.isArray(x) ? (x as NestedArray[]).flatMap((v) => flat(v)) : [x];
}

/** Plain-JS references (float64, straightforward formulas) for rows of moderate size. */
export const ref = {
  softmax(row: readonly number[]): number[] {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  },
  logSumExp(row: readonly number[]): number {
    const m = Math.max(...row);
    return m + Math.log(row.reduce((p, v) => p + Math.exp(v - m), 0));
  },
  /** Rows along `axis` of a row-major array with `shape`: returns the flat indices of each row. */
  rows(shape: readonly number[], axis: number): number[][] {
    const a = axis < 0 ? axis + shape.length : axis;
    const outer = sizeOf(shape.slice(0, a));
    const n = shape[a];
    const inner = sizeOf(shape.slice(a + 1));
    const out: number[][] = [];
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) out.push(Array.from({ length: n }, (_, i) => o * n * inner + i * inner + j));
    }
    return out;
  },
};
