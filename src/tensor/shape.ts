import { argError } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw argError(op, arg, 'an array of non-negative integers', shape);
  }
  checkSize(op, arg, sizeOf(shape));
  return shape.slice();
}

/** The most elements a tensor may hold (JavaScript's typed arrays stop at 2^32 − 1; a float64 of 2^31 is 16 GB). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Throws unless `size` elements fit in one tensor (instead of the engine's "Invalid typed array length"). */
export function checkSize(op: string, arg: string, size: number): void {
  if (size > MAX_ELEMENTS) throw new RangeError(`${op}: argument '${arg}' asks for ${size} elements; a tensor holds at most ${MAX_ELEMENTS}`);
}

/** NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape, argA = 'a', argB = 'b'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes of '${argA}' [${a.join(', ')}] and '${argB}' [${b.join(', ')}] cannot be broadcast ` +
          `(dimension ${i - rank} is ${da} vs ${db}; each pair must be equal or 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative axis against a rank, or throws naming the op and argument. */
export function normalizeAxis(op: string, axis: unknown, rank: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || (axis as number) < -rank || (axis as number) >= rank) {
    const range = rank === 0 ? 'none (the tensor is a scalar)' : `an integer in [${-rank}, ${rank - 1}]`;
    throw argError(op, arg, range, axis);
  }
  const a = axis as number;
  return a < 0 ? a + rank : a;
}

/** Normalizes an axis list (undefined = all axes), sorted and without repeats. */
export function normalizeAxes(op: string, axes: unknown, rank: number, arg = 'axis'): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axes) ? axes : [axes];
  const out = list.map((a) => normalizeAxis(op, a, rank, arg));
  const sorted = [...new Set(out)].sort((x, y) => x - y);
  if (sorted.length !== out.length) throw argError(op, arg, 'a list of distinct axes', axes);
  return sorted;
}

/**
 * Splits a shape around one axis into (outer, n, inner): the layout every along-an-axis kernel uses,
 * so softmax and friends work on any axis without a transpose.
 */
export function splitAtAxis(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape[axis], inner };
}
