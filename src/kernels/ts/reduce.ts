import type { TypedArray } from '../../tensor/dtype.js';
import type { ReduceOp } from '../types.js';
import { logSumExpStrided } from './softmax.js';
import { scratch } from './scratch.js';

export function reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  if (op === 'logSumExp') {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) out[o * inner + j] = logSumExpStrided(x, o * n * inner + j, n, inner);
    }
    return;
  }
  if (op === 'sum') {
    // Neumaier-compensated sums in float64, rounded once into the output.
    const acc = scratch('reduce.acc', inner);
    const comp = scratch('reduce.comp', inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0, 0, inner);
      comp.fill(0, 0, inner);
      const base = o * n * inner;
      for (let i = 0; i < n; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) {
          const v = x[row + j];
          const s = acc[j];
          const t = s + v;
          comp[j] += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
          acc[j] = t;
        }
      }
      for (let j = 0; j < inner; j++) {
        const s = acc[j];
        // An infinite sum has no meaningful compensation (it would be NaN).
        out[o * inner + j] = Number.isFinite(s) ? s + comp[j] : s;
      }
    }
    return;
  }
  const isMax = op === 'max';
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = isMax ? -Infinity : Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[base + i * inner];
        if (v !== v) {
          m = NaN;
          break;
        }
        if (isMax ? v > m : v < m) m = v;
      }
      out[o * inner + j] = m;
    }
  }
}

export function argReduce(op: 'argMax' | 'argMin', x: TypedArray, outer: number, n: number, inner: number, out: Int32Array): void {
  const isMax = op === 'argMax';
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = 0;
      let m = x[base];
      if (m === m) {
        for (let i = 1; i < n; i++) {
          const v = x[base + i * inner];
          if (v !== v) {
            best = i;
            break;
          }
          if (isMax ? v > m : v < m) {
            m = v;
            best = i;
          }
        }
      }
      out[o * inner + j] = best;
    }
  }
}

/** Descending with NaN largest; equal values keep the lower index first. */
function before(x: TypedArray, a: number, b: number): number {
  const va = x[a];
  const vb = x[b];
  const na = va !== va;
  const nb = vb !== vb;
  if (na || nb) return na && nb ? a - b : na ? -1 : 1;
  return va > vb ? -1 : va < vb ? 1 : a - b;
}

/**
 * The k first of each row in the order of `before`: a quickselect moves them to the front (O(n) on average, a sort
 * of the rest after too many rounds bounds the worst case), then only those k are sorted: O(n + k log k) instead of
 * sorting the row. `before` is a strict total order (ties go by index), so the result is the full sort's prefix.
 */
export function topK(x: TypedArray, rows: number, n: number, k: number, values: TypedArray, indices: Int32Array): void {
  if (k === 0) return;
  if (topKOrder.length < n) topKOrder = new Int32Array(n);
  const order = topKOrder;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) order[i] = base + i;
    if (k < n) selectFirst(x, order, n, k);
    const head = Array.from(order.subarray(0, k)).sort((a, b) => before(x, a, b));
    for (let i = 0; i < k; i++) {
      values[r * k + i] = x[head[i]];
      indices[r * k + i] = head[i] - base;
    }
  }
}

let topKOrder = new Int32Array(64);

/** Reorders a[0..n) so that a[0..k) hold the k first elements under `before` (in no particular order). */
function selectFirst(x: TypedArray, a: Int32Array, n: number, k: number): void {
  const r = k - 1;
  let lo = 0;
  let hi = n - 1;
  let rounds = 2 * Math.ceil(Math.log2(n + 1)) + 8;
  while (hi > lo) {
    if (rounds-- === 0) {
      const rest = Array.from(a.subarray(lo, hi + 1)).sort((p, q) => before(x, p, q));
      a.set(rest, lo);
      return;
    }
    const mid = (lo + hi) >>> 1;
    if (before(x, a[mid], a[lo]) < 0) swapIdx(a, mid, lo);
    if (before(x, a[hi], a[lo]) < 0) swapIdx(a, hi, lo);
    if (before(x, a[hi], a[mid]) < 0) swapIdx(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(x, a[i], pivot) < 0) i++;
      while (before(x, a[j], pivot) > 0) j--;
      if (i <= j) {
        swapIdx(a, i, j);
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return;
  }
}

function swapIdx(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
