import { Decimal } from 'decimal.js';
import { expect } from 'vitest';
import { describe, it } from './names.js';
import { tsKernels } from '../../src/kernels/index.js';
import type { Kernels, ReduceOp } from '../../src/kernels/types.js';
import { type ArrayType, randomArray, ulpOf } from './helpers.js';
import { expectSameValues } from './spec-elementwise.js';

/** The exact sum of doubles: decimal.js parses each one's binary expansion exactly, with digits to spare. */
function exactSum(values: ArrayLike<number>): number {
  const D = Decimal.clone({ precision: 1200 });
  let s = new D(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    s = s.plus(new D(`${x < 0 ? '-' : ''}0b${Math.abs(x).toString(2)}`));
  }
  return s.toNumber();
}

const TYPES: [string, ArrayType][] = [
  ['float32', Float32Array],
  ['float64', Float64Array],
  ['int32', Int32Array],
];
const LAYOUTS: [number, number, number][] = [
  [1, 17, 1],
  [4, 9, 1],
  [3, 5, 4],
  [1, 6, 7],
  [2, 1, 3],
];

export function reduceLayoutSpec(k: () => Kernels): void {
  describe('reductions', () => {
    it('sum is compensated: 1e16 + 1 − 1e16 over float64 gives 1', () => {
      const out = new Float64Array(1);
      k().reduce('sum', new Float64Array([1e16, 1, -1e16]), 1, 3, 1, out);
      expect(out[0]).toBe(1);
    });

    it('sums long rows and columns to the correctly rounded value (within 1 ulp), despite cancellation', () => {
      for (const Type of [Float64Array, Float32Array]) {
        const n = 20_000;
        const x = randomArray(Type, n, 1e6, 77);
        x[0] = 1e15; // a large value that the later terms nearly cancel
        x[1] = -1e15;
        const single = Type === Float32Array;
        for (const [outer, len, inner] of [
          [1, n, 1],
          [1, n / 4, 4],
        ]) {
          const out = new Type(outer * inner);
          k().reduce('sum', x, outer, len, inner, out);
          for (let j = 0; j < inner; j++) {
            const column = Array.from({ length: len }, (_, i) => x[i * inner + j]);
            const exact = exactSum(column);
            expect(Math.abs(out[j] - exact), `sum ${single ? 'f32' : 'f64'} (${outer}, ${len}, ${inner}) column ${j}`).toBeLessThanOrEqual(
              ulpOf(exact, single),
            );
          }
        }
      }
    });

    it('max, min and logSumExp along the middle axis of (outer, n, inner)', () => {
      const x = new Float64Array([1, 5, 3, 2, 0, 4]); // (1, 3, 2)
      const out = new Float64Array(2);
      k().reduce('max', x, 1, 3, 2, out);
      expect(Array.from(out)).toEqual([3, 5]);
      k().reduce('min', x, 1, 3, 2, out);
      expect(Array.from(out)).toEqual([0, 2]);
      k().reduce('logSumExp', new Float64Array([0, 0]), 1, 2, 1, out.subarray(0, 1));
      expect(out[0]).toBeCloseTo(Math.LN2, 15);
    });

    it('argMax takes the first maximum and treats NaN as the extreme', () => {
      const out = new Int32Array(2);
      k().argReduce('argMax', new Float32Array([1, 3, 3, 0, NaN, 9]), 2, 3, 1, out);
      expect(Array.from(out)).toEqual([1, 1]);
    });

    it('topK sorts descending with ties in index order', () => {
      const values = new Float32Array(3);
      const indices = new Int32Array(3);
      k().topK(new Float32Array([2, 5, 5, 1, 3]), 1, 5, 3, values, indices);
      expect(Array.from(values)).toEqual([5, 5, 3]);
      expect(Array.from(indices)).toEqual([1, 2, 4]);
    });

    for (const [dtype, Type] of TYPES) {
      it(`reduce, argReduce and topK ${dtype} equal the reference on every layout`, () => {
        for (const [outer, n, inner] of LAYOUTS) {
          const x = randomArray(Type, outer * n * inner, 50, outer + n + inner);
          for (const op of ['sum', 'max', 'min', 'logSumExp'] as ReduceOp[]) {
            if (op === 'logSumExp' && Type === Int32Array) continue;
            const out = new Type(outer * inner);
            const ref = new Type(outer * inner);
            k().reduce(op, x, outer, n, inner, out);
            tsKernels.reduce(op, x, outer, n, inner, ref);
            expectSameValues(out, ref, `${op} (${outer}, ${n}, ${inner})`);
          }
          for (const op of ['argMax', 'argMin'] as const) {
            const out = new Int32Array(outer * inner);
            const ref = new Int32Array(outer * inner);
            k().argReduce(op, x, outer, n, inner, out);
            tsKernels.argReduce(op, x, outer, n, inner, ref);
            expectSameValues(out, ref, op);
          }
          const rows = outer * inner;
          const kk = Math.min(3, n * inner);
          const values = new Type(rows * kk);
          const indices = new Int32Array(rows * kk);
          const refValues = new Type(rows * kk);
          const refIndices = new Int32Array(rows * kk);
          k().topK(x, outer, n * inner, kk, values.subarray(0, outer * kk), indices.subarray(0, outer * kk));
          tsKernels.topK(x, outer, n * inner, kk, refValues.subarray(0, outer * kk), refIndices.subarray(0, outer * kk));
          expectSameValues(values, refValues, 'topK values');
          expectSameValues(indices, refIndices, 'topK indices');
        }
      });
    }
  });

  describe('layout', () => {
    it('transpose, slice, concat, gather, scatterAdd and oneHot on small examples', () => {
      const x = new Float64Array([1, 2, 3, 4, 5, 6]); // [2, 3]
      const t = new Float64Array(6);
      k().transpose(x, [2, 3], [1, 0], t);
      expect(Array.from(t)).toEqual([1, 4, 2, 5, 3, 6]);
      const s = new Float64Array(2);
      k().slice(x, [2, 3], [1, 1], [1, 2], s);
      expect(Array.from(s)).toEqual([5, 6]);
      const c = new Float64Array(8);
      k().concat([new Float64Array([1, 2, 3, 4]), new Float64Array([9, 8, 7, 6])], [1, 1], 2, 2, c);
      expect(Array.from(c)).toEqual([1, 2, 9, 8, 3, 4, 7, 6]);
      const g = new Float64Array(4);
      k().gather(x, 1, 3, 2, new Int32Array([2, 0]), g); // x as (1, 3, 2)
      expect(Array.from(g)).toEqual([5, 6, 1, 2]);
      const sa = new Float64Array(6);
      k().scatterAdd(new Float64Array([1, 1, 2, 2]), 1, 3, 2, new Int32Array([2, 2]), sa);
      expect(Array.from(sa)).toEqual([0, 0, 0, 0, 3, 3]);
      const oh = new Float32Array(6);
      k().oneHot(new Int32Array([2, -1]), 3, 1, 0, oh);
      expect(Array.from(oh)).toEqual([0, 0, 1, 0, 0, 0]);
    });

    for (const [dtype, Type] of TYPES) {
      it(`layout kernels ${dtype} equal the reference on random data`, () => {
        const shape = [3, 4, 5];
        const x = randomArray(Type, 60, 9, 42);
        for (const perm of [
          [0, 1, 2],
          [2, 1, 0],
          [1, 2, 0],
          [0, 2, 1],
        ]) {
          const out = new Type(60);
          const ref = new Type(60);
          k().transpose(x, shape, perm, out);
          tsKernels.transpose(x, shape, perm, ref);
          expectSameValues(out, ref, `transpose ${perm}`);
        }
        const out = new Type(2 * 2 * 3);
        const ref = new Type(2 * 2 * 3);
        k().slice(x, shape, [1, 1, 2], [2, 2, 3], out);
        tsKernels.slice(x, shape, [1, 1, 2], [2, 2, 3], ref);
        expectSameValues(out, ref, 'slice');
        // Contiguous boxes (a batch of rows, a part of one row, everything) and a non-contiguous one.
        for (const [begin, size] of [
          [
            [1, 0, 0],
            [2, 4, 5],
          ],
          [
            [2, 1, 0],
            [1, 2, 5],
          ],
          [
            [0, 3, 1],
            [1, 1, 3],
          ],
          [
            [0, 0, 0],
            [3, 4, 5],
          ],
          [
            [0, 1, 0],
            [3, 2, 5],
          ],
        ]) {
          const count = size.reduce((p, v) => p * v, 1);
          const got = new Type(count);
          const want = new Type(count);
          k().slice(x, shape, begin, size, got);
          tsKernels.slice(x, shape, begin, size, want);
          expectSameValues(got, want, `slice ${begin} ${size}`);
        }
        const parts = [randomArray(Type, 3 * 2 * 5, 9, 1), randomArray(Type, 3 * 4 * 5, 9, 2)];
        const cat = new Type(3 * 6 * 5);
        const catRef = new Type(3 * 6 * 5);
        k().concat(parts, [2, 4], 3, 5, cat);
        tsKernels.concat(parts, [2, 4], 3, 5, catRef);
        expectSameValues(cat, catRef, 'concat');
        const ids = new Int32Array([3, 0, 3, 1]);
        const g = new Type(3 * 4 * 5);
        const gRef = new Type(3 * 4 * 5);
        k().gather(x, 3, 4, 5, ids, g);
        tsKernels.gather(x, 3, 4, 5, ids, gRef);
        expectSameValues(g, gRef, 'gather');
        const sa = new Type(60);
        const saRef = new Type(60);
        k().scatterAdd(g, 3, 4, 5, ids, sa);
        tsKernels.scatterAdd(g, 3, 4, 5, ids, saRef);
        expectSameValues(sa, saRef, 'scatterAdd');
        const oh = new Type(4 * 6);
        const ohRef = new Type(4 * 6);
        k().oneHot(ids, 6, 2, -1, oh);
        tsKernels.oneHot(ids, 6, 2, -1, ohRef);
        expectSameValues(oh, ohRef, 'oneHot');
      });
    }
  });

  describe('sigmoidCrossEntropy', () => {
    it('is log 2 at logit 0 and keeps large logits finite', () => {
      const loss = new Float64Array(3);
      const d = new Float64Array(3);
      k().sigmoidCrossEntropy(new Float64Array([0, 1000, -1000]), new Float64Array([1, 1, 0]), null, loss, d, null);
      expect(loss[0]).toBeCloseTo(Math.LN2, 15);
      expect(loss[1]).toBe(0);
      expect(loss[2]).toBe(0);
      expect(d[0]).toBe(-0.5);
    });

    for (const [dtype, Type] of TYPES.slice(0, 2)) {
      it(`sigmoidCrossEntropy ${dtype} equals the reference, with and without positive weights`, () => {
        const x = randomArray(Type, 257, 30, 9);
        const z = randomArray(Type, 257, 0.5, 10).map((v) => v + 0.5);
        const q = randomArray(Type, 257, 1, 11).map((v) => v + 2);
        for (const weights of [null, q]) {
          const [loss, dx, dz] = [new Type(257), new Type(257), new Type(257)];
          const [lossRef, dxRef, dzRef] = [new Type(257), new Type(257), new Type(257)];
          k().sigmoidCrossEntropy(x, z, weights, loss, dx, dz);
          tsKernels.sigmoidCrossEntropy(x, z, weights, lossRef, dxRef, dzRef);
          expectSameValues(loss, lossRef, 'loss');
          expectSameValues(dx, dxRef, 'dLogits');
          expectSameValues(dz, dzRef, 'dLabels');
        }
      });
    }
  });
}
