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

export function topK(x: TypedArray, rows: number, n: number, k: number, values: TypedArray, indices: Int32Array): void {
  const order = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) order[i] = base + i;
    order.sort((a, b) => before(x, a, b));
    for (let i = 0; i < k; i++) {
      values[r * k + i] = x[order[i]];
      indices[r * k + i] = order[i] - base;
    }
  }
}
