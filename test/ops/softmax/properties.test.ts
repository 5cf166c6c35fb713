/**
 * Properties with fast-check, in both float dtypes, random ranks 1–4 and a random axis: softmax sums to 1,
 * shift invariance, CE ≥ 0, CE gradient = softmax − labels, argMax(logits) = argMax(softmax(logits)).
 * References are plain float64 JS (helpers.ref), never the op under test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, argMax, grads, nn, tensor, type Tensor } from '../../../src/index.js';
import { FLOAT_DTYPES, ref, sizeOf, ulpDistance, type FloatDType } from '../../helpers/numbers.js';

const RUNS = { numRuns: 100, seed: 20240607 };
const EPS: Record<FloatDType, number> = { float64: 2 ** -52, float32: 2 ** -23 };

/** A shape of rank 1–4 (dims 1–5), an axis in [−rank, rank − 1], and values for it. */
function caseArb(values: (n: number) => fc.Arbitrary<number[]>) {
  return fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      values: values(sizeOf(shape)),
    }),
  );
}
const logitValues = (n: number) => fc.array(fc.double({ min: -60, max: 60, noNaN: true }), { minLength: n, maxLength: n });
/** Values on a 2^-10 grid in [−50, 50]: adding an integer shift of |c| ≤ 100 is exact in float32 and float64. */
const gridValues = (n: number) =>
  fc.array(
    fc.integer({ min: -50 * 1024, max: 50 * 1024 }).map((k) => k / 1024),
    { minLength: n, maxLength: n },
  );
/** Distinct values (all 0.01 apart) so no two logits in a row tie, even after float32 rounding. */
const distinctValues = (n: number) => fc.uniqueArray(fc.integer({ min: -2000, max: 2000 }), { minLength: n, maxLength: n }).map((ks) => ks.map((k) => k / 100));

const rowsOf = (t: Tensor, axis: number) => ref.rows(t.shape, axis).map((idx) => idx.map((i) => t.values[i]));

describe.each(FLOAT_DTYPES)('properties (%s)', (dtype) => {
  it('softmax sums to 1 along the axis (within a few ulp × n)', () => {
    fc.assert(
      fc.property(caseArb(logitValues), ({ shape, axis, values }) => {
        const p = nn.softmax(tensor(values, { shape, dtype }), axis);
        for (const row of rowsOf(p, axis)) {
          const s = row.reduce((a, b) => a + b, 0);
          expect(Math.abs(s - 1)).toBeLessThanOrEqual(4 * row.length * EPS[dtype]);
          for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('softmax matches the float64 reference along any axis', () => {
    fc.assert(
      fc.property(caseArb(logitValues), ({ shape, axis, values }) => {
        const z = tensor(values, { shape, dtype });
        const p = nn.softmax(z, axis);
        const zr = rowsOf(z, axis);
        rowsOf(p, axis).forEach((row, r) => {
          const want = ref.softmax(zr[r]);
          row.forEach((v, i) => {
            const w = dtype === 'float32' ? Math.fround(want[i]) : want[i];
            // float64: the naive reference itself may be off by a few ulp; tiny probabilities compared absolutely.
            if (Math.abs(w) < 1e-300) expect(Math.abs(v - w)).toBeLessThan(1e-300);
            else expect(ulpDistance(v, w, dtype)).toBeLessThanOrEqual(dtype === 'float32' ? 2 : 64);
          });
        });
      }),
      RUNS,
    );
  });

  it('softmax(z + c) = softmax(z) and logSoftmax(z + c) = logSoftmax(z) for per-row constants c', () => {
    fc.assert(
      fc.property(
        caseArb(gridValues).chain((c) => {
          const a = c.axis < 0 ? c.axis + c.shape.length : c.axis;
          const cShape = c.shape.map((d, i) => (i === a ? 1 : d));
          return fc.record({
            c: fc.constant(c),
            cShape: fc.constant(cShape),
            shifts: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: sizeOf(cShape), maxLength: sizeOf(cShape) }),
          });
        }),
        ({ c: { shape, axis, values }, cShape, shifts }) => {
          const z = tensor(values, { shape, dtype });
          const shifted = add(z, tensor(shifts, { shape: cShape, dtype }));
          const p = nn.softmax(z, axis).values;
          const q = nn.softmax(shifted, axis).values;
          const lp = nn.logSoftmax(z, axis).values;
          const lq = nn.logSoftmax(shifted, axis).values;
          for (let i = 0; i < p.length; i++) {
            expect(ulpDistance(q[i], p[i], dtype)).toBeLessThanOrEqual(2);
            expect(ulpDistance(lq[i], lp[i], dtype)).toBeLessThanOrEqual(2);
          }
        },
      ),
      RUNS,
    );
  });

  it('cross-entropy ≥ 0 for non-negative labels (soft, sparse, sigmoid)', () => {
    fc.assert(
      fc.property(
        caseArb(logitValues).chain((c) =>
          fc.record({
            c: fc.constant(c),
            labels: fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: c.values.length, maxLength: c.values.length }),
            ids: fc.array(fc.nat({ max: c.shape[c.shape.length - 1] - 1 }), {
              minLength: sizeOf(c.shape.slice(0, -1)),
              maxLength: sizeOf(c.shape.slice(0, -1)),
            }),
          }),
        ),
        ({ c: { shape, axis, values }, labels, ids }) => {
          const z = tensor(values, { shape, dtype });
          const y = tensor(labels, { shape, dtype });
          for (const v of nn.softmaxCrossEntropyWithLogits({ labels: y, logits: z, axis }).values) expect(v).toBeGreaterThanOrEqual(0);
          const sparse = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tensor(ids, { shape: shape.slice(0, -1), dtype: 'int32' }), logits: z });
          for (const v of sparse.values) expect(v).toBeGreaterThanOrEqual(0);
          const y01 = tensor(
            labels.map((v) => v / 2),
            { shape, dtype },
          );
          for (const v of nn.sigmoidCrossEntropyWithLogits({ labels: y01, logits: z }).values) expect(v).toBeGreaterThanOrEqual(0);
        },
      ),
      RUNS,
    );
  });

  it('the CE gradient to the logits is softmax − labels (normalized labels)', () => {
    fc.assert(
      fc.property(
        caseArb(logitValues).chain((c) =>
          fc.record({
            c: fc.constant(c),
            raw: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: c.values.length, maxLength: c.values.length }),
          }),
        ),
        ({ c: { shape, axis, values }, raw }) => {
          // Normalize the labels along the axis.
          const labels = raw.slice();
          for (const idx of ref.rows(shape, axis)) {
            const s = idx.reduce((acc, i) => acc + raw[i], 0);
            for (const i of idx) labels[i] = raw[i] / s;
          }
          const z = tensor(values, { shape, dtype });
          const y = tensor(labels, { shape, dtype });
          const [g] = grads((t) => nn.softmaxCrossEntropyWithLogits({ labels: y, logits: t, axis }))([z]);
          const zr = rowsOf(z, axis);
          const yr = rowsOf(y, axis);
          rowsOf(g, axis).forEach((row, r) => {
            const p = ref.softmax(zr[r]);
            const tol = 4 * row.length * EPS[dtype];
            row.forEach((v, i) => expect(Math.abs(v - (p[i] - yr[r][i]))).toBeLessThanOrEqual(tol));
          });
        },
      ),
      RUNS,
    );
  });

  it('argMax(logits) = argMax(softmax(logits)) along the axis (distinct logits)', () => {
    fc.assert(
      fc.property(caseArb(distinctValues), ({ shape, axis, values }) => {
        const z = tensor(values, { shape, dtype });
        const a = argMax(z, axis);
        expect(Array.from(argMax(nn.softmax(z, axis), axis).values)).toEqual(Array.from(a.values));
        // And against the reference: the index of the largest logit of each row.
        const want = rowsOf(z, axis).map((row) => row.indexOf(Math.max(...row)));
        expect(Array.from(a.values)).toEqual(want);
      }),
      RUNS,
    );
  });

  it('with ties, argMax(softmax) still picks a largest logit', () => {
    fc.assert(
      fc.property(
        caseArb((n) => fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n, maxLength: n })),
        ({ shape, axis, values }) => {
          const z = tensor(values, { shape, dtype });
          const picked = argMax(nn.softmax(z, axis), axis).values;
          rowsOf(z, axis).forEach((row, r) => expect(row[picked[r]]).toBe(Math.max(...row)));
        },
      ),
      RUNS,
    );
  });
});
