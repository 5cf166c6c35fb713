import type { TypedArray } from '../../src/tensor/dtype.js';

export type FloatArrayType = Float32ArrayConstructor | Float64ArrayConstructor;
export type ArrayType = FloatArrayType | Int32ArrayConstructor;

/** Deterministic uniform numbers in [−scale, scale) (xorshift), so failures reproduce. */
export function randomValues(size: number, scale: number, seed: number): number[] {
  let s = seed * 2654435761 + 1;
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

export function randomArray<T extends ArrayType>(Type: T, size: number, scale: number, seed: number): InstanceType<T> {
  const values = randomValues(size, scale, seed);
  const out = new Type(size) as InstanceType<T>;
  for (let i = 0; i < size; i++) out[i] = Type === Int32Array ? Math.round(values[i]) : values[i];
  return out;
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Position on the number line counted in representable values (ordered bits), so ulp distance is a difference. */
function ordinal(x: number, single: boolean): bigint {
  if (single) {
    f32[0] = x;
    const b = i32[0];
    return BigInt(b < 0 ? -(b & 0x7fffffff) : b);
  }
  f64[0] = x;
  const b = i64[0];
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** Distance in ulp between two values of the array's type; 0 for equal values, both NaN, or equal infinities. */
export function ulpDistance(a: number, b: number, single: boolean): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const d = ordinal(a, single) - ordinal(b, single);
  return Number(d < 0n ? -d : d);
}

/** Largest ulp distance between two arrays of the same type, with the first index where it occurs. */
export function maxUlp(actual: TypedArray, expected: TypedArray): { ulp: number; at: number } {
  const single = actual instanceof Float32Array;
  let worst = { ulp: 0, at: -1 };
  for (let i = 0; i < expected.length; i++) {
    const u = ulpDistance(actual[i], expected[i], single);
    if (u > worst.ulp) worst = { ulp: u, at: i };
  }
  return worst;
}

export function describeMismatch(actual: TypedArray, expected: TypedArray, at: number): string {
  return `at ${at}: got ${actual[at]}, expected ${expected[at]}`;
}

/** One ulp of |x| in float32 or float64 (the gap to the next representable value away from zero). */
export function ulpOf(x: number, single: boolean): number {
  const a = Math.abs(x);
  if (!Number.isFinite(a)) return Infinity;
  if (single) {
    f32[0] = a;
    i32[0] += 1;
    return f32[0] - Math.fround(a);
  }
  f64[0] = a;
  i64[0] += 1n;
  return f64[0] - a;
}

/**
 * Largest |actual − expected| relative to an allowed error per element (1 = at the limit). Equal values,
 * both NaN, or equal infinities count 0; a NaN or infinity against anything else counts Infinity.
 */
export function worstOverTolerance(actual: TypedArray, expected: TypedArray, allowed: (i: number) => number): { ratio: number; at: number } {
  let worst = { ratio: 0, at: -1 };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ratio: number;
    if (Object.is(a, e) || a === e || (Number.isNaN(a) && Number.isNaN(e))) ratio = 0;
    else if (!Number.isFinite(a) || !Number.isFinite(e)) ratio = Infinity;
    else ratio = Math.abs(a - e) / allowed(i);
    if (ratio > worst.ratio) worst = { ratio, at: i };
  }
  return worst;
}
