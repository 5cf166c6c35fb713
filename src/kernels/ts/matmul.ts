import type { TypedArray } from '../../tensor/dtype.js';
import { scratch } from './scratch.js';

/**
 * Reference matMul: float64 accumulation, rounded once into the output.
 * Without transposeB it runs i-k-j over a float64 row accumulator (B read by rows);
 * with transposeB it takes dot products of contiguous rows (B^T read by rows).
 */
export function matMul(
  a: TypedArray, b: TypedArray, out: TypedArray,
  batch: number, m: number, k: number, n: number,
  transposeA: boolean, transposeB: boolean, aBatchStride: number, bBatchStride: number,
): void {
  const acc = scratch('matmul.acc', n);
  const arow = scratch('matmul.arow', k);
  for (let bt = 0; bt < batch; bt++) {
    const aOff = bt * aBatchStride;
    const bOff = bt * bBatchStride;
    const oOff = bt * m * n;
    for (let i = 0; i < m; i++) {
      // Row i of op(A), gathered contiguous.
      if (transposeA) for (let p = 0; p < k; p++) arow[p] = a[aOff + p * m + i];
      else for (let p = 0; p < k; p++) arow[p] = a[aOff + i * k + p];
      if (!transposeB) {
        acc.fill(0, 0, n);
        for (let p = 0; p < k; p++) {
          const av = arow[p];
          if (av === 0) continue;
          const bRow = bOff + p * n;
          for (let j = 0; j < n; j++) acc[j] += av * b[bRow + j];
        }
        for (let j = 0; j < n; j++) out[oOff + i * n + j] = acc[j];
      } else {
        for (let j = 0; j < n; j++) {
          const bRow = bOff + j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += arow[p] * b[bRow + p];
          out[oOff + i * n + j] = s;
        }
      }
    }
  }
}
