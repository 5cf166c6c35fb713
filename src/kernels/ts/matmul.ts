import type { TypedArray } from '../../tensor/dtype.js';
import { scratch } from './scratch.js';

/**
 * Reference matMul: float64 accumulation, rounded once into the output.
 * op(B) is packed once per batch into a float64 (k × n) buffer and op(A)'s row into a float64 vector, so the
 * hot loop reads only Float64Arrays (monomorphic, whatever the input types and transposes) and runs
 * i-p-j with four p's at a time over a float64 row accumulator.
 */
export function matMul(
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  batch: number,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): void {
  const acc = scratch('matmul.acc', n);
  const arow = scratch('matmul.arow', k);
  const bp = scratch('matmul.b', k * n);
  let packedB = -1;
  for (let bt = 0; bt < batch; bt++) {
    const aOff = bt * aBatchStride;
    const bOff = bt * bBatchStride;
    const oOff = bt * m * n;
    if (bOff !== packedB) {
      packB(b, bOff, k, n, transposeB, bp);
      packedB = bOff;
    }
    for (let i = 0; i < m; i++) {
      if (transposeA) for (let p = 0; p < k; p++) arow[p] = a[aOff + p * m + i];
      else for (let p = 0; p < k; p++) arow[p] = a[aOff + i * k + p];
      rowTimesB(arow, bp, k, n, acc);
      const o = oOff + i * n;
      for (let j = 0; j < n; j++) out[o + j] = acc[j];
    }
  }
}

function packB(b: TypedArray, off: number, k: number, n: number, transposeB: boolean, bp: Float64Array): void {
  if (transposeB) {
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) bp[p * n + j] = b[off + j * k + p];
  } else {
    for (let i = 0; i < k * n; i++) bp[i] = b[off + i];
  }
}

/** acc = arow · bp, where bp is a packed (k × n) float64 matrix. */
function rowTimesB(arow: Float64Array, bp: Float64Array, k: number, n: number, acc: Float64Array): void {
  acc.fill(0, 0, n);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const a0 = arow[p];
    const a1 = arow[p + 1];
    const a2 = arow[p + 2];
    const a3 = arow[p + 3];
    const r0 = p * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let j = 0; j < n; j++) acc[j] += a0 * bp[r0 + j] + a1 * bp[r1 + j] + a2 * bp[r2 + j] + a3 * bp[r3 + j];
  }
  for (; p < k; p++) {
    const av = arow[p];
    const r = p * n;
    for (let j = 0; j < n; j++) acc[j] += av * bp[r + j];
  }
}
