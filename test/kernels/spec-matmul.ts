import { expect } from 'vitest';
import { describe, it } from './names.js';
import type { Kernels } from '../../src/kernels/types.js';
import { type ArrayType, randomArray } from './helpers.js';
import { expectSameValues } from './spec-elementwise.js';

interface Case {
  batch: number;
  m: number;
  k: number;
  n: number;
  aShared?: boolean;
  bShared?: boolean;
}

// Odd sizes hit partial register tiles; k > 256, m > 128 and n > 1024 cross the packing blocks;
// the two of ≥ 2^21 multiply-adds are split over worker threads where a set has them (by rows, by columns).
const CASES: Case[] = [
  { batch: 1, m: 160, k: 100, n: 140 },
  { batch: 2, m: 36, k: 64, n: 1000, aShared: true },
  { batch: 1, m: 1, k: 1, n: 1 },
  { batch: 1, m: 3, k: 5, n: 2 },
  { batch: 1, m: 17, k: 33, n: 29 },
  { batch: 1, m: 64, k: 64, n: 64 },
  { batch: 1, m: 130, k: 300, n: 37 },
  { batch: 1, m: 5, k: 70, n: 1030 },
  { batch: 3, m: 9, k: 20, n: 11 },
  { batch: 4, m: 12, k: 40, n: 10, bShared: true },
  { batch: 2, m: 7, k: 16, n: 21, aShared: true },
  { batch: 2, m: 4, k: 0, n: 3 },
  { batch: 1, m: 16, k: 21, n: 10 },
];

/** Element (i, p) of op(A) in its storage, and the exact float64 product with Σ|a·b| for the error bound. */
function reference(a: ArrayLike<number>, b: ArrayLike<number>, c: Case, ta: boolean, tb: boolean, aStride: number, bStride: number) {
  const { batch, m, k, n } = c;
  const exact = new Float64Array(batch * m * n);
  const magnitude = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let s1 = 0;
        for (let p = 0; p < k; p++) {
          const av = a[t * aStride + (ta ? p * m + i : i * k + p)];
          const bv = b[t * bStride + (tb ? j * k + p : p * n + j)];
          s += av * bv;
          s1 += Math.abs(av * bv);
        }
        exact[(t * m + i) * n + j] = s;
        magnitude[(t * m + i) * n + j] = s1;
      }
    }
  }
  return { exact, magnitude };
}

export function matMulSpec(k: () => Kernels): void {
  const types: [string, ArrayType, number][] = [
    ['float32', Float32Array, 2 ** -24],
    ['float64', Float64Array, 2 ** -53],
    ['int32', Int32Array, 0],
  ];
  for (const [dtype, Type, unit] of types) {
    describe(`matMul, ${dtype}`, () => {
      it('multiplies [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]]', () => {
        const out = new Type(4);
        k().matMul(new Type([1, 2, 3, 4]), new Type([5, 6, 7, 8]), out, 1, 2, 2, 2, false, false, 0, 0);
        expect(Array.from(out)).toEqual([19, 22, 43, 50]);
      });

      for (const c of CASES) {
        for (const [ta, tb] of [
          [false, false],
          [false, true],
          [true, false],
          [true, true],
        ]) {
          const name = `${c.batch}×(${c.m}×${c.k})·(${c.k}×${c.n})${c.aShared ? ' A shared' : ''}${c.bShared ? ' B shared' : ''}, ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;
          it(`matches the exact product within k·ε·Σ|a·b|: ${name}`, () => {
            const aStride = c.aShared ? 0 : c.m * c.k;
            const bStride = c.bShared ? 0 : c.k * c.n;
            const scale = Type === Int32Array ? 20 : 1;
            const a = randomArray(Type, (c.aShared ? 1 : c.batch) * c.m * c.k, scale, 100 + c.m);
            const b = randomArray(Type, (c.bShared ? 1 : c.batch) * c.k * c.n, scale, 200 + c.n);
            const out = new Type(c.batch * c.m * c.n).fill(7);
            k().matMul(a, b, out, c.batch, c.m, c.k, c.n, ta, tb, aStride, bStride);
            const { exact, magnitude } = reference(a, b, c, ta, tb, aStride, bStride);
            for (let i = 0; i < out.length; i++) {
              // Any summation order stays within k·u·Σ|a·b|, plus the final rounding of the result.
              const bound = (c.k + 1) * unit * magnitude[i] + unit * Math.abs(exact[i]);
              const error = Math.abs(out[i] - exact[i]);
              if (!(error <= bound)) expect.fail(`element ${i}: got ${out[i]}, exact ${exact[i]}, error ${error} > ${bound}`);
            }
          });
        }
      }

      if (Type !== Int32Array) {
        it('a depth made live by one NaN or one subnormal in a single row of A is not skipped', () => {
          const m = 24,
            depth = 300,
            n = 37;
          const tiny = Type === Float32Array ? 1.401298464324817e-45 : 5e-324;
          const a = new Type(m * depth);
          a[5 * depth + 77] = NaN;
          a[11 * depth + 150] = tiny;
          const b = randomArray(Type, depth * n, 1, 21);
          for (let j = 0; j < n; j++) b[150 * n + j] = (Type === Float32Array ? 1e30 : 1e300) * (1 + j / n);
          const out = new Type(m * n).fill(7);
          k().matMul(a, b, out, 1, m, depth, n, false, false, 0, 0);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const v = out[i * n + j];
              // One nonzero product: the sum is that product, rounded once to the element type.
              const want = i === 5 ? NaN : i === 11 ? new Type([tiny * b[150 * n + j]])[0] : 0;
              if (!(Object.is(v, want) || (Number.isNaN(v) && Number.isNaN(want)))) expect.fail(`C(${i}, ${j}) = ${v}, expected ${want}`);
            }
          }
        });
      }

      // Images are mostly dark pixels: a set may skip the depths where A is zero, which must change no result.
      // n = 37 and n = 10: a set may use a narrower register tile for few columns.
      for (const [ta, tb, n] of [
        [false, false, 37],
        [false, true, 37],
        [true, false, 37],
        [true, true, 37],
        [false, false, 10],
        [true, false, 10],
      ] as const) {
        const c: Case = { batch: 1, m: 40, k: 300, n };
        it(`A mostly zero (whole zero depths, zero runs in rows): the exact product, ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}, n = ${n}`, () => {
          const scale = Type === Int32Array ? 20 : 1;
          const a = randomArray(Type, c.m * c.k, scale, 7);
          const b = randomArray(Type, c.k * c.n, scale, 8);
          for (let i = 0; i < c.m; i++) {
            for (let p = 0; p < c.k; p++) {
              // Depths 0–99 zero everywhere; in the rest, runs of 13 zeros along each row of op(A).
              if (p < 100 || (p + 3 * i) % 29 < 13) a[ta ? p * c.m + i : i * c.k + p] = 0;
            }
          }
          const out = new Type(c.m * c.n).fill(7);
          k().matMul(a, b, out, 1, c.m, c.k, c.n, ta, tb, 0, 0);
          const { exact, magnitude } = reference(a, b, c, ta, tb, 0, 0);
          for (let i = 0; i < out.length; i++) {
            const bound = (c.k + 1) * unit * magnitude[i] + unit * Math.abs(exact[i]);
            const error = Math.abs(out[i] - exact[i]);
            if (!(error <= bound)) expect.fail(`element ${i}: got ${out[i]}, exact ${exact[i]}, error ${error} > ${bound}`);
          }
        });

        if (Type === Int32Array) continue;
        it(`0·Inf and 0·NaN reach C where A is zero at that depth in every row, ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}, n = ${n}`, () => {
          const m = 20,
            depth = 300;
          const a = randomArray(Type, m * depth, 1, 9);
          const b = randomArray(Type, depth * n, 1, 10);
          for (let i = 0; i < m; i++) {
            for (const p of [5, 260]) a[ta ? p * m + i : i * depth + p] = 0;
          }
          // B(5, 3) = Inf and B(260, nanColumn) = NaN: those columns of C are NaN in every row; the rest finite.
          const nanColumn = n - 7;
          b[tb ? 3 * depth + 5 : 5 * n + 3] = Infinity;
          b[tb ? nanColumn * depth + 260 : 260 * n + nanColumn] = Number.NaN;
          const out = new Type(m * n);
          k().matMul(a, b, out, 1, m, depth, n, ta, tb, 0, 0);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const v = out[i * n + j];
              if (j === 3 || j === nanColumn) expect(v, `C(${i}, ${j})`).toBeNaN();
              else expect(Number.isFinite(v), `C(${i}, ${j}) = ${v}`).toBe(true);
            }
          }
        });
      }

      if (Type !== Int32Array) {
        it("A mostly zero in one depth block (a dense layer's dy · Wᵀ): A·Bᵀ has the bits of A·B with B transposed beforehand; 0·Inf stays NaN", () => {
          const m = 37,
            depth = 128,
            n = 45;
          const a = randomArray(Type, m * depth, 1, 11);
          for (let i = 0; i < a.length; i++) if (i % 10 < 7) a[i] = 0;
          a[5 * depth + 9] = Number.NaN;
          const b = randomArray(Type, n * depth, 1, 12);
          const bt = new Type(depth * n);
          for (let j = 0; j < n; j++) for (let p = 0; p < depth; p++) bt[p * n + j] = b[j * depth + p];
          const viaTranspose = new Type(m * n).fill(7);
          const direct = new Type(m * n).fill(7);
          k().matMul(a, b, viaTranspose, 1, m, depth, n, false, true, 0, 0);
          k().matMul(a, bt, direct, 1, m, depth, n, false, false, 0, 0);
          expectSameValues(viaTranspose, direct, 'A·Bᵀ');
          expect(viaTranspose[5 * n]).toBeNaN();
          expect(viaTranspose[4 * n]).not.toBeNaN();
          // An infinity in B where row 0 of A is zero: C(0, 3) is NaN, as the dense product gives.
          b[3 * depth + 0] = Infinity;
          k().matMul(a, b, viaTranspose, 1, m, depth, n, false, true, 0, 0);
          expect(a[0]).toBe(0);
          expect(viaTranspose[3]).toBeNaN();
        });

        it("B mostly zero in one depth block (a dense layer's xᵀ · dy): Aᵀ·B has the bits of A·B with A transposed beforehand; 0·Inf stays NaN", () => {
          const m = 37,
            depth = 128,
            n = 45;
          const a = randomArray(Type, depth * m, 1, 13);
          const b = randomArray(Type, depth * n, 1, 14);
          for (let i = 0; i < b.length; i++) if (i % 10 < 7) b[i] = 0;
          b[5 * n + 9] = Number.NaN;
          const at = new Type(m * depth);
          for (let p = 0; p < depth; p++) for (let i = 0; i < m; i++) at[i * depth + p] = a[p * m + i];
          const viaTranspose = new Type(m * n).fill(7);
          const direct = new Type(m * n).fill(7);
          k().matMul(a, b, viaTranspose, 1, m, depth, n, true, false, 0, 0);
          k().matMul(at, b, direct, 1, m, depth, n, false, false, 0, 0);
          expectSameValues(viaTranspose, direct, 'Aᵀ·B');
          expect(viaTranspose[4 * n + 9]).toBeNaN();
          expect(viaTranspose[4 * n + 8]).not.toBeNaN();
          // An infinity in A where row 0 of B is zero: C(3, 0) is NaN, as the dense product gives.
          a[0 * m + 3] = Infinity;
          k().matMul(a, b, viaTranspose, 1, m, depth, n, true, false, 0, 0);
          expect(b[0]).toBe(0);
          expect(viaTranspose[3 * n]).toBeNaN();
        });

        it("float64 products that underflow: the zero-skipping products keep the dense kernel's signs of zero", () => {
          // 1e-200 · −1e-200 underflows: a fused multiply-add (the relaxed-SIMD build) rounds it with the sum once, to
          // −0, which the dense loop's next zero product turns back to +0; a set must not skip zeros there.
          if (Type !== Float64Array) return;
          const m = 16,
            depth = 16,
            n = 16;
          const a = new Type(depth * m).fill(1e-200);
          const b = new Type(depth * n);
          for (let j = 0; j < n; j++) b[j] = -1e-200;
          const at = new Type(m * depth);
          for (let p = 0; p < depth; p++) for (let i = 0; i < m; i++) at[i * depth + p] = a[p * m + i];
          const sparse = new Type(m * n).fill(7);
          const dense = new Type(m * n).fill(7);
          k().matMul(a, b, sparse, 1, m, depth, n, true, false, 0, 0);
          k().matMul(at, b, dense, 1, m, depth, n, false, false, 0, 0);
          expectSameValues(sparse, dense, 'Aᵀ·B');
          // A·Bᵀ with A sparse: one tiny value at the start of A's first row, zeros after it.
          const sparseA = new Type(n * depth);
          sparseA[0] = -1e-200;
          const viaTranspose = new Type(n * m).fill(7);
          const direct = new Type(n * m).fill(7);
          k().matMul(sparseA, at, viaTranspose, 1, n, depth, m, false, true, 0, 0);
          k().matMul(sparseA, a, direct, 1, n, depth, m, false, false, 0, 0);
          expectSameValues(viaTranspose, direct, 'A·Bᵀ');
        });
      }
    });
  }
}
