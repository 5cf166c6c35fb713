import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../src/kernels/native/addon.js';
import { randomArray } from './helpers.js';
import { expectSameValues } from './spec-elementwise.js';

const addon = await loadNativeAddon();

// The native product promises the same bits for any thread count, zero skipping included (src/kernels/native/cc/matmul.cc).
// The raw module is called so that small products split too (the Kernels wrapper keeps them on one thread).
describe.runIf(addon !== null)('native matMul: 1 and 2 threads give the same bits', () => {
  const cases: [string, 'f32' | 'f64', number, number, number, boolean, boolean][] = [
    ['rows split, the 8-row tile for 10 columns, sparse A', 'f32', 1000, 300, 10, false, false],
    ['rows split, Aᵀ, sparse A', 'f32', 300, 600, 200, true, false],
    ['columns split, sparse A, float64', 'f64', 40, 300, 500, false, true],
    ['rows split, the row-sparse path (row-major A and B)', 'f32', 600, 700, 128, false, false],
    ['columns split, the row-sparse path', 'f32', 64, 300, 256, false, false],
  ];
  for (const [name, type, m, k, n, ta, tb] of cases) {
    it(name, () => {
      const Type = type === 'f32' ? Float32Array : Float64Array;
      const a = randomArray(Type, m * k, 1, m + k);
      const b = randomArray(Type, k * n, 1, n);
      for (let i = 0; i < a.length; i++) if (i % 7 < 4 || (i >> 9) % 3 === 0) a[i] = i % 2 ? -0 : 0;
      b[(k >> 1) * n + (n >> 1)] = Infinity; // one panel of B not finite: no skipping there
      for (const float32Sums of type === 'f32' ? [false, true] : [false]) {
        const one = new Type(m * n);
        const two = new Type(m * n);
        addon!.matMul(a, b, one, 1, m, k, n, ta, tb, 0, 0, float32Sums, 1);
        addon!.matMul(a, b, two, 1, m, k, n, ta, tb, 0, 0, float32Sums, 2);
        expectSameValues(two, one, `2 threads vs 1, float32Sums ${float32Sums}`);
      }
    });
  }

  it('the sign of underflowed zero sums on the row-sparse path, with the column split inside a chunk, and with an Inf in B', () => {
    // Rows zero but at depth 0 (-1e-200); B's depth 0 = 1e-200: every product underflows, and which zeros are
    // skipped decides the sign of each zero sum. 192 columns split at 96 by 2 threads, inside a chunk of 64.
    const m = 8,
      k = 32,
      n = 192;
    const a = new Float64Array(m * k);
    for (let i = 0; i < m; i++) a[i * k] = -1e-200;
    const b = new Float64Array(k * n).fill(1);
    b.fill(1e-200, 0, n);
    for (const inf of [false, true]) {
      if (inf) b[5 * n + 100] = Infinity;
      const one = new Float64Array(m * n);
      const two = new Float64Array(m * n);
      addon!.matMul(a, b, one, 1, m, k, n, false, false, 0, 0, false, 1);
      addon!.matMul(a, b, two, 1, m, k, n, false, false, 0, 0, false, 2);
      expectSameValues(two, one, `2 threads vs 1, Inf in B: ${inf}`);
      // (The zero's sign itself depends on the target: a fused multiply-add rounds -1e-400 + 0 to -0, a separate
      // product and sum give -0 + 0 = +0.)
      if (inf) expect(one[100]).toBeNaN();
    }
  });

  it('the sign of an underflowed zero sum with an Inf in the other thread’s columns', () => {
    // Row i of A: depth 0 = -1e-200, depth 1 = 0; B's depth 0 = 1e-200 (products underflow to -0), B(1, 40) = Inf.
    const m = 4,
      k = 2,
      n = 64;
    const a = new Float64Array(m * k);
    for (let i = 0; i < m; i++) a[i * k] = -1e-200;
    const b = new Float64Array(k * n).fill(1);
    b.fill(1e-200, 0, n);
    b[n + 40] = Infinity;
    const one = new Float64Array(m * n);
    const two = new Float64Array(m * n);
    addon!.matMul(a, b, one, 1, m, k, n, false, false, 0, 0, false, 1);
    addon!.matMul(a, b, two, 1, m, k, n, false, false, 0, 0, false, 2);
    expectSameValues(two, one, '2 threads vs 1');
    expect(one[40]).toBeNaN();
  });
});

// One row against a row-major B skips the packing (matmul.cc's gemv); its sums must be the packed path's bits.
describe.runIf(addon !== null)('native matMul: a single row gives the bits of the same row in a larger product', () => {
  const cases: [string, 'f32' | 'f64', number, number, boolean][] = [
    ['784 × 128 (a dense layer at batch 1), sparse row', 'f32', 784, 128, false],
    ['1600 × 10, the narrow tile in the larger product', 'f32', 1600, 10, false],
    ['600 × 200 from Aᵀ, column tails', 'f32', 600, 200, true],
    ['300 × 130, float64', 'f64', 300, 130, false],
    ['5 × 3, shallow and narrow', 'f32', 5, 3, false],
  ];
  for (const [name, type, k, n, ta] of cases) {
    it(name, () => {
      const Type = type === 'f32' ? Float32Array : Float64Array;
      const m = 5;
      const a = randomArray(Type, m * k, 1, m + k);
      const b = randomArray(Type, k * n, 1, n);
      for (let i = 0; i < a.length; i++) if (i % 5 < 2) a[i] = 0;
      for (const float32Sums of type === 'f32' ? [false, true] : [false]) {
        const all = new Type(m * n);
        addon!.matMul(a, b, all, 1, m, k, n, ta, false, 0, 0, float32Sums, 1);
        for (let r = 0; r < m; r++) {
          const row = new Type(k);
          for (let p = 0; p < k; p++) row[p] = ta ? a[p * m + r]! : a[r * k + p]!;
          const one = new Type(n);
          addon!.matMul(row, b, one, 1, 1, k, n, false, false, 0, 0, float32Sums, 1);
          expectSameValues(one, all.subarray(r * n, (r + 1) * n), `row ${r}, float32Sums ${float32Sums}`);
        }
      }
    });
  }
});

// A row-major A whose rows are mostly zero times a row-major B takes the row-sparse path (matmul.cc's
// sparseRowsGemm); the same B stored transposed takes the packed path. Both must give the same bits.
describe.runIf(addon !== null)('native matMul: the row-sparse path gives the packed path’s bits', () => {
  const cases: [string, 'f32' | 'f64', number, number, number][] = [
    ['images’ shape: 4 depth blocks, an odd row count', 'f32', 257, 784, 128],
    ['chunks of 8 and 1 vectors, float64', 'f64', 64, 600, 72],
    ['chunks of 8, 8 and 2 vectors (float64 sums), 8 and 1 (float32 sums)', 'f32', 40, 300, 144],
    ['one shallow block', 'f32', 9, 40, 256],
  ];
  const transpose = <A extends Float32Array | Float64Array>(b: A, k: number, n: number): A => {
    const t = b.slice() as A;
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) t[j * k + p] = b[p * n + j]!;
    return t;
  };
  for (const [name, type, m, k, n] of cases) {
    for (const special of [false, true]) {
      it(`${name}${special ? ', with NaN in A, −0 in A and Inf in B' : ''}`, () => {
        const Type = type === 'f32' ? Float32Array : Float64Array;
        const a = randomArray(Type, m * k, 1, m * 3 + k);
        const b = randomArray(Type, k * n, 1, n + 7);
        // Half of each row zero, in runs and singly, and some rows nearly empty.
        for (let i = 0; i < a.length; i++) if ((i * 7) % 11 < 5 || (i >> 6) % 5 === 0 || Math.floor(i / k) % 9 === 4) a[i] = i % 3 ? 0 : -0;
        if (special) {
          a[3 * k + 5] = NaN;
          a[(m - 1) * k + k - 1] = -0;
          b[(k - 3) * n + n - 2] = Infinity; // a block of B not finite: no zero skipped there
          b[10 * n + 1] = -Infinity;
        }
        for (const float32Sums of type === 'f32' ? [false, true] : [false]) {
          const sparse = new Type(m * n);
          const packed = new Type(m * n);
          addon!.matMul(a, b, sparse, 1, m, k, n, false, false, 0, 0, float32Sums, 1);
          addon!.matMul(a, transpose(b, k, n), packed, 1, m, k, n, false, true, 0, 0, float32Sums, 1);
          expectSameValues(sparse, packed, `row-sparse vs packed, float32Sums ${float32Sums}`);
          if (special) expect(Number.isNaN(sparse[3 * n])).toBe(true);
        }
      });
    }
  }
});
