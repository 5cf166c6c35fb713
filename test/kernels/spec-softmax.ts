import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { describe, it } from './names.js';
import { tsKernels } from '../../src/kernels/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { type FloatArrayType, describeMismatch, maxUlp, randomValues, ulpOf, worstOverTolerance } from './helpers.js';

/**
 * ulp allowed against the TypeScript reference: a float32 result rounds (once) nearly the same float64
 * value, a float64 one differs by the exp and the order of compensated sums.
 * Differences (gradient = Y·p − y) are judged in ulp of their larger operand, since the reference's own
 * rounding of the operands is that large; losses also allow the reference's plain Σy (n·2^-53 relative).
 */
const ULP = { float32: 1, float64: 4 };

interface Row {
  name: string;
  n: number;
  outer: number;
  inner: number;
  values: number[];
}

function rowsFor(Type: FloatArrayType): Row[] {
  const huge = Type === Float32Array ? 3e38 : 1e300;
  const rows: Row[] = [];
  const add = (name: string, outer: number, n: number, inner: number, values: number[]) => rows.push({ name, n, outer, inner, values });
  add('random ±1', 7, 13, 1, randomValues(7 * 13, 1, 1));
  add('random ±30, 1000 classes', 5, 1000, 1, randomValues(5 * 1000, 30, 2));
  add('random ±800 (underflowing exps)', 4, 257, 1, randomValues(4 * 257, 800, 3));
  add(`huge ±${huge}`, 3, 9, 1, randomValues(27, huge, 4));
  add('tiny loss [20, 0, 0]', 1, 3, 1, [20, 0, 0]);
  add('ties at the max', 2, 5, 1, [3, 1, 3, 3, 0, -1, -1, -1, -1, -1]);
  add('single class', 4, 1, 1, [0.5, -2, 1e10, -1e-3]);
  add('masks: −∞ logits', 3, 6, 1, [
    0,
    -Infinity,
    1,
    -Infinity,
    2,
    3,
    -Infinity,
    -Infinity,
    5,
    -Infinity,
    -Infinity,
    -Infinity,
    4,
    -Infinity,
    -Infinity,
    -Infinity,
    -Infinity,
    -Infinity,
  ]);
  add('NaN, +∞ and all −∞ rows next to a normal one', 4, 4, 1, [1, NaN, 2, 3, 0, 1, 2, 3, 1, Infinity, 0, 2, -Infinity, -Infinity, -Infinity, -Infinity]);
  add('100,000 classes', 2, 100_000, 1, randomValues(200_000, 12, 5));
  // Big enough (≥ 2^18 elements) to be split over worker threads where a set has them.
  add(
    '300 rows of 1000 with masks',
    300,
    1000,
    1,
    randomValues(300_000, 10, 8).map((v, i) => (i % 17 === 3 ? -Infinity : v)),
  );
  add('odd lengths', 3, 7, 1, randomValues(21, 5, 6));
  add('inner > 1 axis (outer 3, n 5, inner 4)', 3, 5, 4, randomValues(60, 6, 7));
  return rows;
}

function labelsFor(row: Row, Type: FloatArrayType, seed: number): TypedArray {
  // Soft labels: non-negative, each (outer, inner) column sums to 1; some zero against masked logits.
  const { outer, n, inner } = row;
  const y = new Type(outer * n * inner);
  const r = randomValues(y.length, 1, seed);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        const k = o * n * inner + i * inner + j;
        const v = row.values[k] === -Infinity || i % 3 === 1 ? 0 : Math.abs(r[k]);
        y[k] = v;
        total += v;
      }
      for (let i = 0; i < n; i++) {
        const k = o * n * inner + i * inner + j;
        y[k] = total > 0 ? y[k] / total : 0;
      }
    }
  }
  return y;
}

function expectUlp(actual: TypedArray, expected: TypedArray, ulps: number, what: string): void {
  const { ulp, at } = maxUlp(actual, expected);
  expect(ulp, `${what}: ${ulp} ulp ${describeMismatch(actual, expected, at)}`).toBeLessThanOrEqual(ulps);
}

/**
 * Gradient p·Σy − y: within `ulps` ulp of max(|p·Σy|, |y|) ≤ |expected| + 2|y|, plus the error bound
 * of the reference's plain Σy over n labels (zero for class ids).
 */
function expectGradient(actual: TypedArray, expected: TypedArray, labelScale: (i: number) => number, n: number, ulps: number, what: string): void {
  const single = actual instanceof Float32Array;
  const { ratio, at } = worstOverTolerance(actual, expected, (i) => {
    const scale = Math.abs(expected[i]) + 2 * labelScale(i);
    return ulps * ulpOf(scale, single) + n * 2 ** -53 * scale;
  });
  expect(ratio, `${what}: ${ratio.toFixed(2)}× the tolerance ${describeMismatch(actual, expected, at)}`).toBeLessThanOrEqual(1);
}

function expectLoss(actual: TypedArray, expected: TypedArray, n: number, ulps: number, what: string): void {
  const single = actual instanceof Float32Array;
  const { ratio, at } = worstOverTolerance(actual, expected, (i) => ulps * ulpOf(expected[i], single) + n * 2 ** -53 * Math.abs(expected[i]));
  expect(ratio, `${what}: ${ratio.toFixed(2)}× the tolerance ${describeMismatch(actual, expected, at)}`).toBeLessThanOrEqual(1);
}

// dLogits of logits [a, 0] and labels [y0, y1] rounded once from the exact value (mpmath:
// test/ops/softmax/numerics/max-gradient-oracle.py): [dtype, a, y0, y1, dLogits0, dLogits1]. At the row max the
// gradient (y1 − y0·s)/(1 + s) once rounded three times (numerator, denominator, quotient): 0.5 for the first row.
const MAX_GRADIENT_ORACLE = (
  JSON.parse(readFileSync(new URL('../ops/softmax/numerics/max-gradient-oracle.json', import.meta.url), 'utf8')) as {
    rows: Array<[string, number, number, number, number, number]>;
  }
).rows;

export function softmaxSpec(k: () => Kernels): void {
  for (const [dtype, Type] of [
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const) {
    describe(`softmax family, ${dtype}`, () => {
      it('softmax of [1, 2, 3] is e^x / Σ e^x and sums to 1', () => {
        const out = new Type(3);
        k().softmax(new Type([1, 2, 3]), 1, 3, 1, out);
        const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        const expected = new Type([Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z]);
        expectUlp(out, expected, 2, 'softmax');
        expect(out[0] + out[1] + out[2]).toBeCloseTo(1, 6);
      });

      it('keeps the tiny loss of logits [20, 0, 0] with label 0 (4.1223072e-9)', () => {
        const loss = new Type(2);
        k().sparseSoftmaxCrossEntropy(new Type([20, 0, 0, 20, 0, 0]), new Int32Array([0, 0]), 2, 3, loss, null);
        expect(loss[0]).toBe(new Type([Math.log1p(2 * Math.exp(-20))])[0]);
        expect(loss[0]).toBeCloseTo(4.1223072e-9, 15);
        const soft = new Type(1);
        k().softmaxCrossEntropy(new Type([20, 0, 0]), new Type([1, 0, 0]), 1, 3, 1, soft, null);
        expect(soft[0]).toBe(loss[0]);
      });

      it('gives −∞ masks probability 0, gradient 0 and log-probability −∞', () => {
        const x = new Type([0, -Infinity, Math.log(3)]);
        const p = new Type(3);
        k().softmax(x, 1, 3, 1, p);
        expect(p[1]).toBe(0);
        expectUlp(p, new Type([0.25, 0, 0.75]), 2, 'softmax');
        const lp = new Type(3);
        k().logSoftmax(x, 1, 3, 1, lp);
        expect(lp[1]).toBe(-Infinity);
        const loss = new Type(1);
        const d = new Type(3);
        k().softmaxCrossEntropy(x, new Type([1, 0, 0]), 1, 3, 1, loss, d);
        expect(d[1]).toBe(0);
        expect(loss[0]).toBeCloseTo(Math.log(4), 6);
        k().sparseSoftmaxCrossEntropy(x, new Int32Array([1]), 1, 3, loss, d);
        expect(loss[0]).toBe(Infinity);
      });

      it('makes rows holding NaN or +∞, and all-−∞ rows, NaN; other rows are untouched', () => {
        const x = new Type([1, NaN, 0, Infinity, -Infinity, -Infinity, NaN, NaN, 2, 2]);
        const out = new Type(10);
        k().softmax(x, 5, 2, 1, out);
        expect(Array.from(out.subarray(0, 8)).every(Number.isNaN)).toBe(true);
        expect(Array.from(out.subarray(8))).toEqual([0.5, 0.5]);
        const loss = new Type(5);
        const d = new Type(10);
        k().sparseSoftmaxCrossEntropy(x, new Int32Array([0, 0, 0, 0, 1]), 5, 2, loss, d);
        expect(Array.from(loss.subarray(0, 4)).every(Number.isNaN)).toBe(true);
        expect(loss[4]).toBeCloseTo(Math.LN2, 6);
        expect(Array.from(d.subarray(8))).toEqual([0.5, -0.5]);
      });

      it('rounds the soft-label gradient at the row max once (mpmath oracle)', () => {
        for (const [dt, a, y0, y1, d0, d1] of MAX_GRADIENT_ORACLE) {
          if (dt !== dtype) continue;
          const d = new Type(2);
          k().softmaxCrossEntropy(new Type([a, 0]), new Type([y0, y1]), 1, 2, 1, new Type(1), d);
          expect([d[0], d[1]], `logits [${a}, 0], labels [${y0}, ${y1}]`).toEqual([d0, d1]);
        }
      });

      it('scales the cross-entropy gradient by gradScale and rounds once', () => {
        const [outer, n] = [5, 300];
        // Inputs representable in the dtype, so the float64 reference sees the same numbers.
        const x = Array.from(new Type(randomValues(outer * n, 15, 31)));
        const y = Array.from(new Type(randomValues(outer * n, 1, 32).map(Math.abs)));
        // The float64 reference gradient times g, rounded once to the dtype.
        const d64 = new Float64Array(outer * n);
        tsKernels.softmaxCrossEntropy(new Float64Array(x), new Float64Array(y), outer, n, 1, new Float64Array(outer), d64);
        for (const g of [1 / 2048, -1 / 3, 7]) {
          const d = new Type(outer * n);
          k().softmaxCrossEntropy(new Type(x), new Type(y), outer, n, 1, new Type(outer), d, g);
          expectGradient(d, new Type(d64.map((v) => v * g)), (i) => Math.abs(y[i] * g), n, 1, `gradient × ${g}`);
        }
      });

      it('matches the reference wherever the max is, in rows of 1 to 33 (near and far from the others)', () => {
        for (let n = 1; n <= 33; n++) {
          for (const spread of [3, 300]) {
            // Row im has its max at im; a spread of 300 puts some exponents below the −200 clamp.
            const x = new Type(n * n);
            const base = randomValues(n * n, spread / 2, n);
            for (let r = 0; r < n; r++) for (let i = 0; i < n; i++) x[r * n + i] = i === r ? spread : base[r * n + i];
            const [p, pRef] = [new Type(n * n), new Type(n * n)];
            k().softmax(x, n, n, 1, p);
            tsKernels.softmax(x, n, n, 1, pRef);
            expectUlp(p, pRef, ULP[dtype], `softmax n=${n} spread ${spread}`);
            // logSoftmax and the sparse loss find the max's index (its gradient and log1p(Σ others) need it).
            k().logSoftmax(x, n, n, 1, p);
            tsKernels.logSoftmax(x, n, n, 1, pRef);
            expectUlp(p, pRef, ULP[dtype], `logSoftmax n=${n} spread ${spread}`);
            const ids = Int32Array.from({ length: n }, (_, r) => (r * 5) % n);
            const [loss, lossRef] = [new Type(n), new Type(n)];
            k().sparseSoftmaxCrossEntropy(x, ids, n, n, loss, p);
            tsKernels.sparseSoftmaxCrossEntropy(x, ids, n, n, lossRef, pRef);
            expectLoss(loss, lossRef, 0, ULP[dtype], `sparse loss n=${n}`);
            expectGradient(p, pRef, (i) => (i % n === ids[Math.floor(i / n)] ? 1 : 0), 0, ULP[dtype], `sparse gradient n=${n}`);
          }
        }
      });

      it('matches the reference with sparse labels (one-hot, −0, labels at the ends, masks under zero labels)', () => {
        const [outer, n] = [6, 203];
        const x = new Type(randomValues(outer * n, 20, 41).map((v, i) => (i % 29 === 5 ? -Infinity : v)));
        const y = new Type(outer * n);
        const hot = [[0], [202], [100], [7, 8, 151], [1, 201], [64]]; // none on a −∞ logit
        hot.forEach((cols, r) => cols.forEach((c) => (y[r * n + c] = 1 / cols.length)));
        y[5 * n + 9] = -0; // a negative zero is a zero label
        for (const g of [1, 1 / 6]) {
          const [loss, lossRef] = [new Type(outer), new Type(outer)];
          const [d, dRef] = [new Type(outer * n), new Type(outer * n)];
          k().softmaxCrossEntropy(x, y, outer, n, 1, loss, d, g);
          tsKernels.softmaxCrossEntropy(x, y, outer, n, 1, lossRef, dRef, g);
          expectLoss(loss, lossRef, n, ULP[dtype], 'loss');
          expectGradient(d, dRef, (i) => Math.abs(y[i] * g), n, ULP[dtype], 'gradient');
          expect(d.every((v, i) => x[i] !== -Infinity || v === 0)).toBe(true);
        }
      });

      it('matches the reference with negative soft labels (the loss terms then cancel)', () => {
        const [outer, n] = [6, 41];
        const x = new Type(randomValues(outer * n, 20, 21));
        const y = new Type(randomValues(outer * n, 1, 22));
        const loss = new Type(outer);
        const lossRef = new Type(outer);
        const d = new Type(outer * n);
        const dRef = new Type(outer * n);
        k().softmaxCrossEntropy(x, y, outer, n, 1, loss, d);
        tsKernels.softmaxCrossEntropy(x, y, outer, n, 1, lossRef, dRef);
        expectLoss(loss, lossRef, n, ULP[dtype], 'loss');
        expectGradient(d, dRef, (i) => Math.abs(y[i]), n, ULP[dtype], 'gradient');
      });

      for (const row of rowsFor(Type)) {
        it(`matches the TypeScript reference within ${ULP[dtype]} ulp: ${row.name}`, () => {
          const { outer, n, inner } = row;
          const size = outer * n * inner;
          const x = new Type(row.values);
          const y = labelsFor(row, Type, 11);
          const ids = new Int32Array(outer);
          for (let r = 0; r < outer; r++) ids[r] = (r * 7) % n;
          const pair = () => [new Type(size), new Type(size)] as const;

          const [p, pRef] = pair();
          k().softmax(x, outer, n, inner, p);
          tsKernels.softmax(x, outer, n, inner, pRef);
          expectUlp(p, pRef, ULP[dtype], 'softmax');

          const [lp, lpRef] = pair();
          k().logSoftmax(x, outer, n, inner, lp);
          tsKernels.logSoftmax(x, outer, n, inner, lpRef);
          expectUlp(lp, lpRef, ULP[dtype], 'logSoftmax');

          const [d, dRef] = pair();
          const loss = new Type(outer * inner);
          const lossRef = new Type(outer * inner);
          k().softmaxCrossEntropy(x, y, outer, n, inner, loss, d);
          tsKernels.softmaxCrossEntropy(x, y, outer, n, inner, lossRef, dRef);
          expectLoss(loss, lossRef, n, ULP[dtype], 'softmaxCrossEntropy loss');
          expectGradient(d, dRef, (i) => Math.abs(y[i]), n, ULP[dtype], 'softmaxCrossEntropy gradient');
          k().softmaxCrossEntropy(x, y, outer, n, inner, loss, null);
          expectLoss(loss, lossRef, n, ULP[dtype], 'softmaxCrossEntropy loss without gradient');

          // gradScale folds an upstream gradient into the write: 1 changes no bit, −1/3 matches the reference's.
          const [ds, dsRef] = pair();
          k().softmaxCrossEntropy(x, y, outer, n, inner, loss, ds, 1);
          expect(Array.from(ds)).toEqual(Array.from(d));
          k().softmaxCrossEntropy(x, y, outer, n, inner, loss, ds, -1 / 3);
          tsKernels.softmaxCrossEntropy(x, y, outer, n, inner, lossRef, dsRef, -1 / 3);
          expectLoss(loss, lossRef, n, ULP[dtype], 'softmaxCrossEntropy loss with gradScale');
          expectGradient(ds, dsRef, (i) => Math.abs(y[i]) / 3, n, ULP[dtype], 'softmaxCrossEntropy gradient × gradScale');

          if (inner === 1) {
            const sparseLoss = new Type(outer);
            const sparseRef = new Type(outer);
            k().sparseSoftmaxCrossEntropy(x, ids, outer, n, sparseLoss, d);
            tsKernels.sparseSoftmaxCrossEntropy(x, ids, outer, n, sparseRef, dRef);
            expectLoss(sparseLoss, sparseRef, 0, ULP[dtype], 'sparseSoftmaxCrossEntropy loss');
            expectGradient(d, dRef, (i) => (i % n === ids[Math.floor(i / n)] ? 1 : 0), 0, ULP[dtype], 'sparseSoftmaxCrossEntropy gradient');
            k().sparseSoftmaxCrossEntropy(x, ids, outer, n, sparseLoss, null);
            expectLoss(sparseLoss, sparseRef, 0, ULP[dtype], 'sparseSoftmaxCrossEntropy loss without gradient');
            const [ds, dsRef] = pair();
            k().sparseSoftmaxCrossEntropy(x, ids, outer, n, sparseLoss, ds, 1);
            expect(Array.from(ds)).toEqual(Array.from(d));
            k().sparseSoftmaxCrossEntropy(x, ids, outer, n, sparseLoss, ds, -1 / 3);
            tsKernels.sparseSoftmaxCrossEntropy(x, ids, outer, n, sparseRef, dsRef, -1 / 3);
            expectGradient(ds, dsRef, (i) => (i % n === ids[Math.floor(i / n)] ? 1 / 3 : 0), 0, ULP[dtype], 'sparse gradient × gradScale');
          }
        });
      }
    });
  }
}
